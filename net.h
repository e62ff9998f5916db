// SPDX-License-Identifier: ISC
// UDP addresses, sockets and batched receiving: what both ends share.
#ifndef JTUNNEL_NET_H
#define JTUNNEL_NET_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tun.h"
#include "wire.h"

struct udp_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	};
	socklen_t len;
};

enum {
	ADDR_TEXT_MAX = INET6_ADDRSTRLEN + 8,	// "[" address "]:" port
	// Outer headers: IP and UDP, then jtunnel's own.
	OVERHEAD_IPV4 = 20 + 8,
	OVERHEAD_IPV6 = 40 + 8,
	LINK_MTU = 1500,
};

// "198.18.0.1:5151" (also for an IPv4-mapped address) or "[fd00::1]:5151".
const char *addr_format(const struct udp_addr *a, char text[ADDR_TEXT_MAX]);
bool addr_equal(const struct udp_addr *a, const struct udp_addr *b);
// True when datagrams to a travel over IPv4 (AF_INET or IPv4-mapped).
bool addr_is_ipv4_path(const struct udp_addr *a);
// The default tun MTU for a peer at a: a 1500-byte link less the outer
// headers, jtunnel's own of plain or keyed mode among them.
int addr_default_mtu(const struct udp_addr *a, bool keyed);

// A numeric IPv4 or IPv6 address and a port.  Returns false if host is neither.
bool addr_parse_numeric(const char *host, uint16_t port, struct udp_addr *a);
// The unspecified address of a family, with a port.
void addr_any(int family, uint16_t port, struct udp_addr *a);
// Resolves host (a name or a number) for UDP; family 0 takes any.  Returns 0,
// or a getaddrinfo error code (see gai_strerror).
int addr_resolve(const char *host, uint16_t port, int family, struct udp_addr *a);

// Opens a UDP socket bound to local, with the options a tunnel endpoint
// wants.  dual_stack lets an IPv6 socket also take IPv4.  Returns the
// descriptor, or -1 with errno (and *what naming the call that failed).
int udp_open(const struct udp_addr *local, bool dual_stack, const char **what);

// Writes one control message (level, type, len bytes of data) at the start
// of control, for the platform's udp_local_to_control.  Returns the room it
// takes.
size_t udp_control_put(void *control, int level, int type, const void *data, size_t len);

// Bounds every receive on fd to UDP_WAIT_SECONDS, so that a signal that lands
// just before a receive is seen that soon even when no datagram comes.
// Returns 0, or -1 with errno.
enum { UDP_WAIT_SECONDS = 1 };
int udp_bound_waits(int fd);

// The most datagrams, and bytes, udp_send_run takes at once: what Linux's
// UDP segmentation takes in one send (UDP_MAX_SEGMENTS; under the 65507
// bytes of the largest IPv4 UDP payload).
enum { UDP_RUN_DATAGRAMS = 64, UDP_RUN_BYTES = 65000 };

// Sends the len bytes at buf as datagrams of datagram_size bytes each, the
// last one shorter or not, to where msg says (msg_iov is set here): in one
// system call where the system can (udp_send_segmented), else in one per
// datagram.  Returns 0, or -1 with errno when a send failed.
int udp_send_run(int fd, struct msghdr *msg, uint8_t *buf, size_t len, size_t datagram_size);

// Datagrams received by one udp_receive_batch call.  Each lands in a slot
// of UDP_SLOT bytes, room for the largest that crosses a 1500-byte path
// whole, and a larger one runs on into a room of its own with space for
// the largest UDP payload: the slots share three pages, where a buffer of
// its own for each would dirty a page per datagram.
enum { UDP_BATCH = 8, UDP_SLOT = 1536 };
struct udp_batch {
	udp_message msgs[UDP_BATCH];
	struct iovec iov[UDP_BATCH][2];		// the slot; the rest of the room
	struct udp_addr from[UDP_BATCH];
	uint8_t control[UDP_BATCH][UDP_CONTROL_ROOM];
	uint8_t *data[UDP_BATCH];		// each datagram, whole, once received
	uint8_t *buffers;			// the slots, then the rooms
};

// Maps the buffers.  Returns 0, or -1 with errno.
int udp_batch_init(struct udp_batch *b, bool want_control);
// Unmaps them: a forked process that does not receive drops its copies.
void udp_batch_release(struct udp_batch *b);
// Waits for at least one datagram and takes what else is queued, up to
// UDP_BATCH.  Returns the count: 0 after a signal, the socket's timeout or a
// passing error (counted as a drop).  Any other error is fatal.
int udp_batch_recv(int fd, struct udp_batch *b);

// Compares only the bytes that the family uses.
static inline bool udp_local_equal(const struct udp_local *a, const struct udp_local *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	if (a->family == AF_INET6)
		return __builtin_memcmp(&a->addr.v6, &b->addr.v6, sizeof a->addr.v6) == 0;
	return true;
}


#endif
