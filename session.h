// SPDX-License-Identifier: ISC
// Keyed mode's sessions: the keys one handshake gives, the counter of the
// sending side and the replay window of the receiving side, and how a data
// datagram is sealed and opened under them.
#ifndef JTUNNEL_SESSION_H
#define JTUNNEL_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "chachapoly.h"
#include "secret.h"
#include "wire.h"

struct peer_id;

// The session timers (WireGuard's numbers), in milliseconds of a monotonic
// clock.  The environment variable JTUNNEL_TEST_TIMER_DIVISOR (tests only)
// divides all of them, so that a test sees a rekey in seconds.
struct session_timers {
	int64_t rekey;			// the client starts a new handshake
	int64_t retry;			// a response did not come
	int64_t keepalive;		// sent, but heard nothing back: a keepalive
	int64_t rehandshake;		// and still nothing: a new handshake
	int64_t lifetime;		// no session is used past this age
	int64_t tick;			// how often the parents look at the timers
};
extern struct session_timers session_timers;
// Reads JTUNNEL_TEST_TIMER_DIVISOR.  Call once at start.
void session_timers_init(void);

// A monotonic clock in milliseconds: read once per tick, never per packet.
int64_t clock_ms(void);

// Whether ms have passed from since to now, both read at ticks: a tick read
// a millisecond early still counts, or an interval of N ticks would now and
// then take N + 1.
static inline bool ticks_past(int64_t now, int64_t since, int64_t ms)
{
	return now - since >= ms - session_timers.tick / 2;
}

// Which counters were seen, RFC 6479 style: a ring of 64-bit words over the
// REPLAY_WINDOW counters below the highest one, cleared as it moves on.
enum { REPLAY_WINDOW = 2048, REPLAY_WORDS = REPLAY_WINDOW / 64 + 1 };
struct replay_window {
	uint64_t next;			// one above the highest counter seen; 0: none
	uint64_t seen[REPLAY_WORDS];
};
// Whether counter n may still be taken: not seen, and less than
// REPLAY_WINDOW behind the highest.
bool replay_fresh(const struct replay_window *w, uint64_t n);
// Records n (after its tag verified).  Returns whether it is the highest yet.
bool replay_record(struct replay_window *w, uint64_t n);

// The receiving half of a session.
struct rx_session {
	uint8_t key[AEAD_KEY_BYTES];
	struct replay_window window;
	int64_t born;			// clock_ms at the handshake
	uint8_t ephemeral[32];		// server: the client's, to know a replay
	bool live;
};

// The sending half, in the one process that sends under it.
struct tx_session {
	uint8_t key[AEAD_KEY_BYTES];
	uint64_t counter;		// the next one to use
	bool live;
};

static inline void rx_session_wipe(struct rx_session *s)
{
	secret_wipe(s, sizeof *s);
}

static inline void tx_session_wipe(struct tx_session *s)
{
	secret_wipe(s, sizeof *s);
}

// Whether a session born then is past its lifetime at now.
static inline bool session_expired(int64_t born, int64_t now)
{
	return now - born >= session_timers.lifetime;
}

// Seals the len-byte packet at buf + WIRE_KEYED_HEADER into a data datagram
// from id: header before it, tag after it.  Returns the datagram's length,
// or 0 when the session cannot send (none, or its counters are used up).
size_t session_seal(struct tx_session *s, const struct peer_id *id, uint8_t *buf, size_t len);

// The counter of a data datagram of len bytes (at least WIRE_KEYED_OVERHEAD).
uint64_t wire_counter(const uint8_t *datagram);

enum session_verdict {
	SESSION_OPENED,
	SESSION_STALE,			// its counter was seen, or is too old
	SESSION_FAILED,			// no live session, or the tag does not verify
};
// Opens a data datagram of len bytes (at least WIRE_KEYED_OVERHEAD) in
// place under s: SESSION_OPENED when its counter is fresh and its tag
// verifies, and then the packet is at datagram + WIRE_KEYED_HEADER, len -
// WIRE_KEYED_OVERHEAD bytes.  Records the counter; *highest says whether
// it is the highest yet in s.
enum session_verdict session_open(struct rx_session *s, uint8_t *datagram, size_t len,
    bool *highest);

// session_open under current, else under previous: SESSION_OPENED when
// either opens it, else SESSION_STALE when either had seen it, else
// SESSION_FAILED.
enum session_verdict session_open_either(struct rx_session *current, struct rx_session *previous,
    uint8_t *datagram, size_t len, bool *highest);

#endif
