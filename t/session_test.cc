// SPDX-License-Identifier: ISC
// Unit tests for session.cc: the replay window against a plain model of
// the rule (a counter is taken once, and only while less than
// REPLAY_WINDOW behind the highest taken), over sequences that jump,
// reorder and replay; sealing then opening data datagrams in place; and
// the verdict of opening under the current session or the previous one.
#include <stdio.h>
#include <string.h>

#include "../peer.h"
#include "../session.h"

static long passed, failed;

static void check(bool ok, const char *what, unsigned long long n)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		fprintf(stderr, "FAIL %s (%llu)\n", what, n);
	}
}

// The model: every counter taken, in a plain array, and the highest.
enum { MODEL_MAX = 20000 };
static uint64_t taken[MODEL_MAX];
static size_t taken_count;

static bool model_fresh(uint64_t highest, bool any, uint64_t n)
{
	if (any && n < highest && highest - n >= REPLAY_WINDOW)
		return false;
	for (size_t i = 0; i < taken_count; i++)
		if (taken[i] == n)
			return false;
	return true;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void window_against_model(int steps, uint64_t spread)
{
	struct replay_window w;
	memset(&w, 0, sizeof w);
	taken_count = 0;
	uint64_t highest = 0;
	bool any = false;
	for (int i = 0; i < steps && taken_count < MODEL_MAX; i++) {
		uint64_t r = next_random();
		uint64_t n;
		switch (r % 4) {
		case 0:		// forward, by a little or a lot
			n = highest + 1 + (r >> 8) % spread;
			break;
		case 1:		// behind, inside or outside the window
			n = highest - (r >> 8) % (REPLAY_WINDOW + 200);
			if (n > highest)
				n = 0;
			break;
		case 2:		// a replay of one taken
			n = taken_count ? taken[(r >> 8) % taken_count] : 0;
			break;
		default:	// the edge of the window
			n = highest >= REPLAY_WINDOW - 1 ? highest - (REPLAY_WINDOW - 1) - (r >> 8) % 2 : 0;
		}
		bool fresh = model_fresh(highest, any, n);
		check(replay_fresh(&w, n) == fresh, "fresh agrees with the model", n);
		if (!fresh)
			continue;
		bool was_highest = !any || n > highest;
		check(replay_record(&w, n) == was_highest, "record says whether highest", n);
		taken[taken_count++] = n;
		if (was_highest)
			highest = n;
		any = true;
		check(!replay_fresh(&w, n), "a recorded counter is not fresh again", n);
	}
}

static void seal_and_open(void)
{
	struct tx_session tx;
	struct rx_session rx;
	memset(&tx, 0, sizeof tx);
	memset(&rx, 0, sizeof rx);
	for (int i = 0; i < AEAD_KEY_BYTES; i++)
		tx.key[i] = rx.key[i] = (uint8_t)(i * 7 + 1);
	tx.live = rx.live = true;
	struct peer_id id = { { 1, 2, 3, 4, 5, 6, 7, 8 } };
	static uint8_t buf[2048], packet[1500];
	for (size_t len = 0; len <= 1500; len += 59) {
		for (size_t i = 0; i < len; i++)
			packet[i] = (uint8_t)(i ^ len);
		memcpy(buf + WIRE_KEYED_HEADER, packet, len);
		size_t n = session_seal(&tx, &id, buf, len);
		check(n == len + WIRE_KEYED_OVERHEAD, "sealed: 32 bytes more than the packet", len);
		check(memcmp(buf, id.bytes, ID_BYTES) == 0 && buf[WIRE_TYPE_AT] == WIRE_DATA,
		    "sealed: identifier and type 4", len);
		check(wire_counter(buf) == tx.counter - 1, "sealed: the counter", len);
		check(len == 0 || memcmp(buf + WIRE_KEYED_HEADER, packet, len) != 0,
		    "sealed: no plaintext", len);
		static uint8_t copy[2048];
		memcpy(copy, buf, n);
		copy[n - 1] ^= 1;
		bool highest;
		check(session_open(&rx, copy, n, &highest) == SESSION_FAILED, "a flipped tag fails", len);
		memcpy(copy, buf, n);
		copy[WIRE_COUNTER_AT] ^= 1;
		// (The changed counter may be one seen already: stale, then.)
		check(session_open(&rx, copy, n, &highest) != SESSION_OPENED, "a changed counter fails", len);
		check(session_open(&rx, buf, n, &highest) == SESSION_OPENED && highest,
		    "opens, the highest yet", len);
		check(memcmp(buf + WIRE_KEYED_HEADER, packet, len) == 0, "opened: the packet", len);
		memcpy(buf + WIRE_KEYED_HEADER, packet, len);
		tx.counter--;
		n = session_seal(&tx, &id, buf, len);
		check(session_open(&rx, buf, n, &highest) == SESSION_STALE, "a replay is stale", len);
	}
	tx.counter = WIRE_COUNTER_LIMIT;
	check(session_seal(&tx, &id, buf, 10) == 0, "no datagram past the counter limit", 0);
	tx.counter = 0;
	tx.live = false;
	check(session_seal(&tx, &id, buf, 10) == 0, "no datagram without a session", 0);
}

// A datagram sealed under key k, counter n.
static size_t sealed(uint8_t k, uint64_t n, uint8_t *buf)
{
	struct tx_session tx;
	memset(&tx, 0, sizeof tx);
	memset(tx.key, k, sizeof tx.key);
	tx.live = true;
	tx.counter = n;
	struct peer_id id = { { 1, 2, 3, 4, 5, 6, 7, 8 } };
	memset(buf + WIRE_KEYED_HEADER, 0x5a, 100);
	return session_seal(&tx, &id, buf, 100);
}

// session_open_either's verdict for each way the two sessions can take a
// datagram: opened by either, stale in either, failed in both.
static void open_either(void)
{
	enum { OPENS, STALE, FAILS, DEAD };
	const char *names[] = { "opens", "has seen it", "fails", "is not live" };
	for (int cur = OPENS; cur <= DEAD; cur++) {
		for (int prev = OPENS; prev <= DEAD; prev++) {
			struct rx_session current, previous;
			struct rx_session *both[2] = { &current, &previous };
			int how[2] = { cur, prev };
			static uint8_t buf[256];
			size_t n = sealed(1, 7, buf);
			for (int i = 0; i < 2; i++) {
				memset(both[i], 0, sizeof *both[i]);
				memset(both[i]->key, how[i] == FAILS ? 2 : 1, sizeof both[i]->key);
				both[i]->live = how[i] != DEAD;
				if (how[i] == STALE)
					replay_record(&both[i]->window, 7);
			}
			bool highest = false;
			enum session_verdict v = session_open_either(&current, &previous, buf, n, &highest);
			enum session_verdict want = cur == OPENS || prev == OPENS ? SESSION_OPENED :
			    cur == STALE || prev == STALE ? SESSION_STALE : SESSION_FAILED;
			char what[96];
			snprintf(what, sizeof what, "open_either: current %s, previous %s", names[cur],
			    names[prev]);
			check(v == want, what, (unsigned long long)v);
			if (want == SESSION_OPENED)
				check(highest && !replay_fresh(cur == OPENS ? &current.window : &previous.window, 7),
				    "open_either: the session that opened it recorded it", 0);
		}
	}
}

int main(void)
{
	window_against_model(20000, 3);
	window_against_model(20000, 100);
	window_against_model(5000, 5000);
	seal_and_open();
	open_either();
	printf("session: %ld passed, %ld failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
