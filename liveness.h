// SPDX-License-Identifier: ISC
// The dead-peer timeout (-t) and the status (SIGUSR2), the same at both
// ends: a tun whose peer was silent that long has its carrier turned off,
// and on again at the peer's next accepted datagram; the status writes one
// line per peer.
#ifndef JTUNNEL_LIVENESS_H
#define JTUNNEL_LIVENESS_H

#include <stddef.h>
#include <stdint.h>

#include "net.h"

struct forward_shared;
struct peer_id;

struct liveness {
	char who[32];			// "client 0123456789abcdef", for the log
	int tun_fd;
	const char *tun_name;		// as it was made
	int64_t heard;			// clock_ms of the last accepted datagram
	bool off;			// the carrier is off
	uint64_t datagrams, bytes;	// accepted from the peer, in all
};

// Starts l for a peer heard now; id may be null (not known yet).
void liveness_start(struct liveness *l, const char *role, const struct peer_id *id, int tun_fd,
    const char *tun_name, int64_t now);
// Names the peer in the log and the status: its role, and its identifier
// (id null: not known yet).
void liveness_name(struct liveness *l, const char *role, const struct peer_id *id);
void liveness_carrier(struct liveness *l, bool on);

// For each datagram accepted from the peer: counts it, and turns the
// carrier back on if it was off.
static inline void liveness_heard(struct liveness *l, int64_t now, size_t len)
{
	l->heard = now;
	l->datagrams++;
	l->bytes += len;
	if (l->off)
		liveness_carrier(l, true);
}

// At a tick: whether the peer has been silent for timeout_ms or more (0:
// never); the carrier goes off the first time.
bool liveness_silent(struct liveness *l, int64_t now, int64_t timeout_ms);

// The name the peer's interface has now: PROG may have renamed it.
const char *liveness_tun_name(const struct liveness *l, char name[TUN_NAME_MAX]);

// One status line: the peer, its mode and address, its tun, the carrier,
// how long ago it was heard, datagrams and bytes each way, and the age of
// the session (born 0: none, or plain mode).
void liveness_status(const struct liveness *l, bool keyed, const struct udp_addr *addr,
    const struct forward_shared *sent, int64_t now, int64_t session_born);

#endif
