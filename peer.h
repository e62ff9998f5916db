// SPDX-License-Identifier: ISC
// Identifiers, their authorization in CONFDIR, and the server's table of
// clients.
#ifndef JTUNNEL_PEER_H
#define JTUNNEL_PEER_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "liveness.h"
#include "net.h"
#include "session.h"
#include "tun.h"

enum { ID_TEXT_MAX = 2 * ID_BYTES + 1 };

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

// A datagram as udp_receive_batch left it: DATAGRAM_SHORT also stands for
// one larger than its buffer.  Counts the drop of either.
enum datagram_kind datagram_received(const udp_message *m, struct peer_id *sender);

// What a peer's file in CONFDIR says: nothing but white space is plain
// mode; 64 hexadecimal digits and an optional newline are a key, keyed
// mode; anything else authorizes nothing.
enum peer_mode { MODE_PLAIN, MODE_KEYED, MODE_BAD };
enum { KEY_BYTES = 32, KEY_TEXT_MAX = 2 * KEY_BYTES + 1 };

struct peer_file {
	enum peer_mode mode;
	uint8_t key[KEY_BYTES];		// keyed mode
	bool loose;			// readable by group or others
};

// Reads CONFDIR/id into f.  Returns 0, or -1 with errno when the file
// cannot be read (f then says MODE_BAD).
int peer_file_read(const char *confdir, const struct peer_id *id, struct peer_file *f);
// Whether a and b say the same: mode and key.
bool peer_file_same(const struct peer_file *a, const struct peer_file *b);
// 64 lower-case hexadecimal digits.
const char *key_format(const uint8_t key[KEY_BYTES], char text[KEY_TEXT_MAX]);

// The identifiers that CONFDIR authorizes: those named, in lower case, by a
// regular file there, with what each file says.  A lookup uses a listing of
// the directory at most AUTH_RELOAD_SECONDS old, read again when it is
// older, and reads a peer's file at most once per listing: a flood of
// datagrams cannot make a process spin on the file system, and a peer's
// file created, changed or removed counts within that time.
struct auth_entry {
	struct peer_id id;
	bool read;			// file holds what the file said
	bool reported;			// a bad or loose file was logged
	struct peer_file file;
};
struct auth_cache {
	const char *confdir;
	struct auth_entry *entries;	// sorted by identifier
	size_t count, capacity;
	struct timespec loaded;		// zero: read it at the next lookup
};
enum { AUTH_RELOAD_SECONDS = 1 };

// What CONFDIR says of id, from a listing at most AUTH_RELOAD_SECONDS old;
// null when it has no file for id.  A bad or loose file is logged once.
const struct peer_file *auth_lookup(struct auth_cache *c, const struct peer_id *id);
// Reads CONFDIR now.  Returns 0, or -1 with errno: the list is then empty
// when CONFDIR could not be opened, and stays as it was when it could not be
// read through.
int auth_reload(struct auth_cache *c);
// What CONFDIR said of id when it was last listed (the file is read now if
// it was not yet); null when it had no file for id.
const struct peer_file *auth_listed(struct auth_cache *c, const struct peer_id *id);
// Wipes the keys the cache holds and frees it.
void auth_wipe(struct auth_cache *c);

// Negotiated, not yet confirmed: the server's half of a handshake it
// answered, waiting for the first datagram that verifies under it.
struct pending_session {
	struct rx_session rx;
	uint8_t tx_key[AEAD_KEY_BYTES];
};
enum { PENDING_MAX = 4, INITIATION_SOURCES = 4 };

// Initiations answered in the current second from one source address.
struct initiation_count {
	struct udp_addr from;
	int64_t second;
	int count;
};

// What the server knows of a client that no other process may: its key
// and sessions, in pages of their own (secret_pages_map).
struct peer_secrets {
	struct peer_file file;		// what its file said when it was set up
	// Keyed mode: sessions that receive, and those just negotiated.
	struct rx_session current, previous;
	struct pending_session pending[PENDING_MAX];
};

// A client as the server knows it.  A keyed client is known from its
// first handshake on, and has a tunnel (tun_fd, child) only from its
// first datagram verified under a session.
struct peer {
	struct peer_id id;
	char id_text[ID_TEXT_MAX];
	struct udp_addr addr;		// where its last accepted datagram came from
	struct udp_local local;		// and the address it was sent to
	int tun_fd;			// -1 until the tunnel is up
	char tun_name[TUN_NAME_MAX];
	pid_t child;			// its tun-to-UDP process
	int control_fd;			// the pipe to that process
	bool kick;			// signal the child again at the next tick
	pid_t prog;			// PROG, while it runs
	int64_t keepalive_answered;	// plain mode: when, in clock_ms
	struct liveness live;		// heard when, and received how much
	struct forward_shared *shared;	// with its forwarding process
	enum peer_mode mode;		// plain or keyed
	struct peer_secrets *secrets;
	int64_t tx_born;		// when the child's sending session was made; 0: none
	struct initiation_count initiations[INITIATION_SOURCES];
};

// Maps p->secrets.  Returns 0, or -1 with errno.
int peer_secrets_map(struct peer *p);
// Wipes and unmaps them.
void peer_secrets_unmap(struct peer *p);
// Whether a process forked from this one sees every secret of the peer
// table and the auth cache as zeros; where false, it must wipe them.
extern bool secrets_wiped_on_fork;

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
