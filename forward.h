// SPDX-License-Identifier: ISC
// The tun-to-UDP forwarding process, the same at both ends: it reads a
// packet from its tun, makes it a datagram in place (the identifier before
// it; in keyed mode sealed under the session's key) and sends it.  What
// changes (where the peer is, the session's key, a keepalive to send)
// reaches it as typed messages on its control pipe, each followed by
// SIGUSR1.
#ifndef JTUNNEL_FORWARD_H
#define JTUNNEL_FORWARD_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "peer.h"
#include "session.h"

// Where the peer now is, and the local address to send from.
struct peer_address {
	struct udp_addr addr;
	struct udp_local local;
};

enum control_type {
	CONTROL_ADDRESS = 1,		// body: struct peer_address
	CONTROL_SESSION,		// body: a sending key
	CONTROL_SESSION_END,		// no body: the session is over
	CONTROL_KEEPALIVE,		// no body: send one now
};

struct control_message {
	uint32_t type;			// enum control_type
	uint32_t length;		// of the body
	union {
		struct peer_address address;
		uint8_t key[AEAD_KEY_BYTES];
	} body;
};

// Writes one message to the forwarding process at fd and signals it.
// Returns 0, or -1 with errno.  A key is wiped from the message after.
int control_send(int fd, pid_t child, enum control_type type, const void *body, uint32_t length);

// What a forwarding process tells its parent without a system call, in
// memory the two share: flags the client's parent reads and clears at each
// tick, and counts for the status (SIGUSR2).
struct forward_shared {
	volatile sig_atomic_t sent;		// sent a datagram
	volatile sig_atomic_t no_session;	// had a packet, but no session to send it
	volatile uint64_t datagrams, bytes;	// sent, in all
	struct drop_totals drops;		// dropped, by cause, since start
};

// Maps one, shared with the processes forked after.  Null on failure.
struct forward_shared *forward_shared_map(void);
void forward_shared_unmap(struct forward_shared *shared);

struct forwarder {
	const char *who;		// for the log: "client 0123456789abcdef", say
	int tun_fd;
	const char *tun_name;
	int sock;
	int control_fd;
	struct peer_id id;		// ours
	bool keyed;
	struct peer_address to;
	struct forward_shared *shared;
	bool confirms;			// the client: a keepalive under each new key
};

// Runs the forwarding loop; never returns.  Exits 0 when the control pipe
// closes.  Takes the messages already queued first.
[[noreturn]] void forward_tun_to_udp(struct forwarder *f);

#endif
