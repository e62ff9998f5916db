// SPDX-License-Identifier: ISC
#include "session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peer.h"
#include "secret.h"

struct session_timers session_timers;

void session_timers_init(void)
{
	int64_t divisor = 1;
	const char *text = getenv("JTUNNEL_TEST_TIMER_DIVISOR");
	if (text != NULL && atoi(text) > 1)
		divisor = atoi(text);
	session_timers.rekey = 120000 / divisor;
	session_timers.retry = 5000 / divisor;
	session_timers.keepalive = 10000 / divisor;
	session_timers.rehandshake = 15000 / divisor;
	session_timers.lifetime = 180000 / divisor;
	session_timers.tick = 1000 / divisor > 50 ? 1000 / divisor : 50;
}

int64_t clock_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

bool replay_fresh(const struct replay_window *w, uint64_t n)
{
	if (n >= w->next)
		return true;
	if (w->next - 1 - n >= REPLAY_WINDOW)
		return false;
	return !(w->seen[(n / 64) % REPLAY_WORDS] >> (n % 64) & 1);
}

bool replay_record(struct replay_window *w, uint64_t n)
{
	bool highest = n >= w->next;
	if (highest) {
		// Clear the words that the window moves onto, at most all of them.
		uint64_t from = w->next == 0 ? 0 : (w->next - 1) / 64 + 1, to = n / 64;
		if (w->next == 0 || (to >= from && to - from >= REPLAY_WORDS))
			memset(w->seen, 0, sizeof w->seen);
		else
			for (uint64_t block = from; block <= to; block++)
				w->seen[block % REPLAY_WORDS] = 0;
		w->next = n + 1;
	}
	w->seen[(n / 64) % REPLAY_WORDS] |= (uint64_t)1 << (n % 64);
	return highest;
}

// The AEAD's nonce: 32 zero bits, then the counter in 64 little-endian bits.
static void nonce_of(uint64_t counter, uint8_t nonce[AEAD_NONCE_BYTES])
{
	memset(nonce, 0, 4);
	store64_le(nonce + 4, counter);
}

size_t session_seal(struct tx_session *s, const struct peer_id *id, uint8_t *buf, size_t len)
{
	if (!s->live || s->counter >= WIRE_COUNTER_LIMIT)
		return 0;
	uint64_t n = s->counter++;
	memcpy(buf, id->bytes, ID_BYTES);
	buf[WIRE_TYPE_AT] = WIRE_DATA;
	for (int i = 0; i < WIRE_COUNTER_BYTES; i++)
		buf[WIRE_COUNTER_AT + i] = (uint8_t)(n >> (8 * i));
	uint8_t nonce[AEAD_NONCE_BYTES];
	nonce_of(n, nonce);
	uint8_t *packet = buf + WIRE_KEYED_HEADER;
	aead_seal(packet, packet + len, packet, len, NULL, 0, nonce, s->key);
	return len + WIRE_KEYED_OVERHEAD;
}

uint64_t wire_counter(const uint8_t *datagram)
{
	uint64_t n = 0;
	for (int i = WIRE_COUNTER_BYTES - 1; i >= 0; i--)
		n = n << 8 | datagram[WIRE_COUNTER_AT + i];
	return n;
}

enum session_verdict session_open(struct rx_session *s, uint8_t *datagram, size_t len,
    bool *highest)
{
	uint64_t n = wire_counter(datagram);
	if (!s->live || n >= WIRE_COUNTER_LIMIT)
		return SESSION_FAILED;
	if (!replay_fresh(&s->window, n))
		return SESSION_STALE;
	uint8_t nonce[AEAD_NONCE_BYTES];
	nonce_of(n, nonce);
	uint8_t *packet = datagram + WIRE_KEYED_HEADER;
	size_t packet_len = len - WIRE_KEYED_OVERHEAD;
	if (!aead_open(packet, packet, packet_len, packet + packet_len, NULL, 0, nonce, s->key))
		return SESSION_FAILED;
	*highest = replay_record(&s->window, n);
	return SESSION_OPENED;
}

enum session_verdict session_open_either(struct rx_session *current, struct rx_session *previous,
    uint8_t *datagram, size_t len, bool *highest)
{
	enum session_verdict v = session_open(current, datagram, len, highest);
	if (v == SESSION_OPENED)
		return v;
	enum session_verdict w = session_open(previous, datagram, len, highest);
	return w == SESSION_OPENED || v != SESSION_STALE ? w : v;
}
