// Identifiers, their authorization in CONFDIR, and the server's table of
// clients.
#ifndef JTUNNEL_PEER_H
#define JTUNNEL_PEER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "net.h"
#include "tun.h"

enum { ID_BYTES = 8, ID_TEXT_MAX = 2 * ID_BYTES + 1 };

struct peer_id {
	uint8_t bytes[ID_BYTES];
};

// Exactly 16 hexadecimal digits, either case.  Returns false otherwise.
bool id_parse(const char *text, struct peer_id *id);
// 16 lower-case hexadecimal digits.
const char *id_format(const struct peer_id *id, char text[ID_TEXT_MAX]);
// Returns 0, or -1 with errno.
int id_random(struct peer_id *id);

static inline bool id_equal(const struct peer_id *a, const struct peer_id *b)
{
	uint64_t x, y;
	__builtin_memcpy(&x, a->bytes, sizeof x);
	__builtin_memcpy(&y, b->bytes, sizeof y);
	return x == y;
}

// Every datagram is the sender's identifier followed by an IP packet; the
// identifier alone is a keepalive.
enum datagram_kind { DATAGRAM_SHORT, DATAGRAM_KEEPALIVE, DATAGRAM_PACKET };

static inline enum datagram_kind datagram_parse(const uint8_t *data, size_t len,
    struct peer_id *sender)
{
	if (len < ID_BYTES)
		return DATAGRAM_SHORT;
	__builtin_memcpy(sender->bytes, data, ID_BYTES);
	return len == ID_BYTES ? DATAGRAM_KEEPALIVE : DATAGRAM_PACKET;
}

// Reads the next packet from a tun into buf after ID_BYTES of room, then puts
// id there: a datagram ready to send.  Returns its length; 0 when the read
// brought nothing (a signal, say); -1 with errno on an error of the tun.
static inline ssize_t datagram_from_tun(int tun_fd, const struct peer_id *id,
    uint8_t buf[DATAGRAM_MAX])
{
	ssize_t n = tun_read(tun_fd, buf + ID_BYTES, DATAGRAM_MAX - ID_BYTES);
	if (n <= 0)
		return n == 0 || errno == EINTR || errno == EAGAIN ? 0 : -1;
	// After the read: a BSD tun_read uses the bytes before the packet.
	__builtin_memcpy(buf, id->bytes, ID_BYTES);
	return n + ID_BYTES;
}

// A datagram as recvmmsg left it: DATAGRAM_SHORT also stands for one larger
// than its buffer.  Counts the drop of either.
enum datagram_kind datagram_received(const struct mmsghdr *m, struct peer_id *sender);

// The identifiers that CONFDIR authorizes: those named, in lower case, by a
// regular file there.  A lookup uses a listing of the directory at most
// AUTH_RELOAD_SECONDS old, read again when it is older: a flood of unknown
// identifiers cannot make a process spin on the file system, and a peer's
// file created or removed counts within that time.
struct auth_cache {
	const char *confdir;
	struct peer_id *ids;		// sorted
	size_t count, capacity;
	struct timespec loaded;		// zero: read it at the next lookup
};
enum { AUTH_RELOAD_SECONDS = 1 };

bool auth_lookup(struct auth_cache *c, const struct peer_id *id);
// Reads CONFDIR now.  Returns 0, or -1 with errno (the list is then empty).
int auth_reload(struct auth_cache *c);
// Whether id was authorized when CONFDIR was last read.
bool auth_listed(const struct auth_cache *c, const struct peer_id *id);

// A client as the server knows it.
struct peer {
	struct peer_id id;
	char id_text[ID_TEXT_MAX];
	struct udp_addr addr;		// where its last datagram came from
	struct udp_local local;		// and the address it was sent to
	int tun_fd;
	char tun_name[TUN_NAME_MAX];
	pid_t child;			// its tun-to-UDP process
	int control_fd;			// the pipe to that process
	pid_t prog;			// PROG, while it runs
};

// An open-addressing hash table of peers, keyed by identifier.
struct peer_table {
	struct peer **slots;
	size_t capacity;		// a power of two
	size_t count;
};

struct peer *peer_find(const struct peer_table *t, const struct peer_id *id);
// Returns 0, or -1 with errno when the table cannot grow.
int peer_insert(struct peer_table *t, struct peer *p);
void peer_remove(struct peer_table *t, struct peer *p);

#endif
