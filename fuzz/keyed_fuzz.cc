// SPDX-License-Identifier: ISC
// Fuzz target: keyed mode's receive path, the pieces of handshake.h and
// session.h put together as server.cc (keyed_datagram, keyed_initiation,
// keyed_data, session_confirmed, keyed_tick) and client.cc (keyed_datagram,
// handshake_start, session_new, keyed_tick) put them together; those are
// static there, so this file mirrors them, without sockets, tuns, rate
// limits or logging.
//
// Each input starts from one genuine client and server (world_start): a
// PSK hashed from the input, both identifiers, an initiation, the server's
// response (a negotiated session, not yet confirmed) and the client's
// finish.  Then the input's first 8 bytes seed random_bytes (below), and a few genuine
// data datagrams and keepalives are sealed each way.  The rest of the input
// is a sequence of operations (see the OP_ enum): seal, deliver a genuine
// datagram (to its receiver, or reflected to its sender), deliver one
// mangled, random bytes, counter jumps, new handshakes, initiations
// replayed, forged or mangled, responses mangled, and time passing.
//
// Properties (abort on violation), besides no sanitizer report:
// - a data datagram is accepted only if it is byte for byte a genuine one
//   sealed towards that end, under a session that end holds, not accepted
//   before; and every such datagram whose counter is less than
//   REPLAY_WINDOW behind the highest accepted in its session is accepted,
//   under that session's slot; its plaintext is the genuine one and
//   *highest says whether its counter is the highest yet;
// - so a mangled genuine datagram is never accepted, a replay never twice;
// - handshake_accept accepts exactly the genuine initiations (the client's,
//   with the right PSK and prologue), its hs wiped when it does not; a
//   replayed initiation is dropped exactly when the server holds a session
//   made with its ephemeral key;
// - handshake_finish accepts exactly a genuine response to the initiation
//   the client waits on; a failed one leaves hs byte for byte as it was, so
//   the genuine response still finishes it; both ends then hold the same
//   two keys, crosswise;
// - session_seal refuses counters from WIRE_COUNTER_LIMIT on, and numbers
//   the others in order.
// A data datagram's identifier and type are not authenticated (its
// associated data is empty): the path's checks before session_open are
// what keep a datagram with them changed out, and they are checked here
// with it.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../blake2s.h"
#include "../handshake.h"
#include "../peer.h"
#include "../session.h"
#include "../wire.h"

// Built with -DKEYED_FUZZ_TRACE, it tells on stderr what each input did:
// ./keyed_fuzz crashes/keyed-crash-... shows the way to a violation.
#ifdef KEYED_FUZZ_TRACE
#define trace(...) fprintf(stderr, __VA_ARGS__)
#else
#define trace(...) ((void)0)
#endif

enum {
	PACKET_MAX = 1536,		// the largest plaintext sealed here
	GENUINE_MAX = 64,		// genuine data datagrams per input
	EXCHANGES_MAX = 16,		// responses the server sends per input
	INITIATIONS_MAX = 16,		// initiations the client makes per input
	// Responses read and forged initiations made per input: each costs an
	// X25519, so that no input runs for long.
	HANDSHAKE_BUDGET = 32,
	OPS_MAX = 1024,
	SERVER_SLOTS = 2 + PENDING_MAX,	// current, previous, negotiated
	CLIENT_SLOTS = 2,		// current, previous
	LOW_ORDER_POINTS = 4,
};

// Deterministic random bytes in place of the platform's: every ephemeral
// key follows from the input (splitmix64, seeded per input).
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int random_bytes(void *buf, size_t len)
{
	uint8_t *out = (uint8_t *)buf;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (i % 8 == 0)
			v = rng_next();
		out[i] = (uint8_t)(v >> 8 * (i % 8));
	}
	return 0;
}

enum direction { TO_SERVER, TO_CLIENT };

// One response the server sent: the pair of sessions it made.
struct exchange {
	int initiation;			// the initiation it answers
	uint8_t response[WIRE_HANDSHAKE_BYTES];
	struct session_keys server_keys;
	struct tx_session server_tx;	// towards the client
	struct tx_session client_tx;	// towards the server, once finished
	bool finished;			// the client took this response
	uint64_t next[2];		// per direction: one above the highest accepted
};

struct server_end {
	struct rx_session current, previous;
	struct pending_session pending[PENDING_MAX];
	int held[SERVER_SLOTS];		// the exchange each slot holds, -1: none
};

struct client_end {
	struct noise_handshake hs;
	bool handshaking;
	int initiation;			// the one hs waits for
	struct rx_session current, previous;
	int held[CLIENT_SLOTS];
};

// Everything but the genuine data datagrams, copied at each input's start.
struct world {
	struct peer_id client_id, server_id;
	uint8_t psk[KEY_BYTES];
	int64_t now;
	struct server_end server;
	struct client_end client;
	struct exchange exchanges[EXCHANGES_MAX];
	int exchange_count;
	uint8_t initiations[INITIATIONS_MAX][WIRE_HANDSHAKE_BYTES];
	int initiation_count;
};

struct genuine {
	int exchange;
	enum direction to;
	uint64_t counter;
	size_t len;			// of the datagram
	uint8_t datagram[PACKET_MAX + WIRE_KEYED_OVERHEAD];
	uint8_t packet[PACKET_MAX];	// len - WIRE_KEYED_OVERHEAD bytes
	bool accepted;
};

static struct world w;
static int handshake_budget;
static struct genuine genuine[GENUINE_MAX];
static int genuine_count;

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = (const uint8_t *)p;
	uint8_t d = 0;
	for (size_t i = 0; i < n; i++)
		d |= b[i];
	return d == 0;
}

// The input, read a byte at a time; zeros once it is used up.
struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t take(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

static unsigned take16(struct input *in)
{
	unsigned lo = take(in);
	return lo | (unsigned)take(in) << 8;
}

static void take_bytes(struct input *in, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = take(in);
}

// An index among n things from one byte: 0 the newest, else any.
static int pick(uint8_t b, int n)
{
	return b == 0 ? n - 1 : (b - 1) % n;
}

// Points of small order, two of them unreduced: X25519 with them is zero.
static void low_order_point(int which, uint8_t u[32])
{
	memset(u, 0, 32);
	if (which == 1) {
		u[0] = 1;
	} else if (which >= 2) {
		memset(u, 0xff, 32);
		u[0] = which == 2 ? 0xed : 0xee;	// p, p + 1
		u[31] = 0x7f;
	}
}

static int genuine_find(enum direction to, const uint8_t *bytes, size_t len)
{
	for (int i = 0; i < genuine_count; i++)
		if (genuine[i].to == to && genuine[i].len == len && memcmp(genuine[i].datagram, bytes, len) == 0)
			return i;
	return -1;
}

static int initiation_find(const uint8_t *bytes, size_t len)
{
	for (int i = 0; len == WIRE_HANDSHAKE_BYTES && i < w.initiation_count; i++)
		if (memcmp(w.initiations[i], bytes, len) == 0)
			return i;
	return -1;
}

static int response_find(const uint8_t *bytes, size_t len)
{
	for (int i = 0; len == WIRE_HANDSHAKE_BYTES && i < w.exchange_count; i++)
		if (memcmp(w.exchanges[i].response, bytes, len) == 0)
			return i;
	return -1;
}

static struct rx_session *server_slot(int i)
{
	if (i == 0)
		return &w.server.current;
	if (i == 1)
		return &w.server.previous;
	return &w.server.pending[i - 2].rx;
}

static struct rx_session *client_slot(int i)
{
	return i == 0 ? &w.client.current : &w.client.previous;
}

// The slot that must open genuine datagram g at an end with these slots:
// it holds g's session, g was not accepted, and its counter is fresh.
static int expected_slot(int g, enum direction to, const int *held, int slots)
{
	if (g < 0)
		return -1;
	const struct genuine *d = &genuine[g];
	uint64_t next = w.exchanges[d->exchange].next[to];
	if (d->accepted || (d->counter < next && next - 1 - d->counter >= REPLAY_WINDOW))
		return -1;
	for (int i = 0; i < slots; i++)
		if (held[i] == d->exchange)
			return i;
	return -1;
}

// After datagram g was opened at that end: the genuine plaintext, the
// right answer on highest, and the model moves on.
static void accepted(int g, enum direction to, const uint8_t *data, size_t len, bool highest)
{
	struct genuine *d = &genuine[g];
	uint64_t *next = &w.exchanges[d->exchange].next[to];
	size_t packet_len = len - WIRE_KEYED_OVERHEAD;
	if (packet_len != d->len - WIRE_KEYED_OVERHEAD ||
	    memcmp(data + WIRE_KEYED_HEADER, d->packet, packet_len) != 0)
		abort();
	if (highest != (d->counter >= *next))
		abort();
	if (d->counter >= *next)
		*next = d->counter + 1;
	d->accepted = true;
	trace("%s accepted genuine %d (exchange %d, counter %llu, %zu bytes)\n",
	    to == TO_SERVER ? "server" : "client", g, d->exchange, (unsigned long long)d->counter, len);
}

// server.cc's ephemeral_held.
static bool ephemeral_held(const uint8_t e[32])
{
	struct server_end *s = &w.server;
	bool held = (s->current.live && memcmp(s->current.ephemeral, e, 32) == 0) ||
	    (s->previous.live && memcmp(s->previous.ephemeral, e, 32) == 0);
	for (int i = 0; i < PENDING_MAX; i++)
		held = held || (s->pending[i].rx.live && memcmp(s->pending[i].rx.ephemeral, e, 32) == 0);
	return held;
}

// server.cc's keyed_initiation, for the one known client.
static void server_initiation(const uint8_t *data)
{
	struct server_end *s = &w.server;
	int genuine_initiation = initiation_find(data, WIRE_HANDSHAKE_BYTES);
	struct noise_handshake hs;
	bool ok = handshake_accept(&hs, &w.client_id, &w.server_id, w.psk, data);
	if (ok != (genuine_initiation >= 0))
		abort();
	if (!ok) {
		if (!all_zero(&hs, sizeof hs))
			abort();
		trace("server refused an initiation\n");
		return;
	}
	if (memcmp(hs.re, data + WIRE_KEYED_HEADER, 32) != 0)
		abort();
	bool held_by_model = false;
	for (int i = 0; i < SERVER_SLOTS; i++)
		held_by_model = held_by_model ||
		    (s->held[i] >= 0 && w.exchanges[s->held[i]].initiation == genuine_initiation);
	bool held = ephemeral_held(hs.re);
	if (held != held_by_model)
		abort();
	// Held: a replay, dropped.  No room here: as if rate-limited.
	if (held || w.exchange_count == EXCHANGES_MAX) {
		trace("server dropped initiation %d: %s\n", genuine_initiation, held ? "held" : "no room");
		noise_wipe(&hs);
		return;
	}
	// server.cc's pending_slot: a free one, else the oldest once it has
	// waited a second; else dropped as over the rate limit.
	int k = -1;
	for (int i = 0; i < PENDING_MAX && k == -1; i++)
		if (!s->pending[i].rx.live)
			k = i;
	if (k == -1) {
		int oldest = 0;
		for (int j = 1; j < PENDING_MAX; j++)
			if (s->pending[j].rx.born < s->pending[oldest].rx.born)
				oldest = j;
		if (w.now - s->pending[oldest].rx.born >= 1000)
			k = oldest;
	}
	if (k == -1) {
		trace("server dropped initiation %d: every negotiated slot taken\n", genuine_initiation);
		noise_wipe(&hs);
		return;
	}
	uint8_t ephemeral[32];
	memcpy(ephemeral, hs.re, sizeof ephemeral);
	struct exchange *x = &w.exchanges[w.exchange_count];
	memset(x, 0, sizeof *x);
	if (handshake_respond(&hs, &w.server_id, x->response, &x->server_keys) == -1)
		abort();	// a genuine ephemeral key is never of low order
	if (!all_zero(&hs, sizeof hs))
		abort();
	if (!handshake_shaped(x->response, WIRE_HANDSHAKE_BYTES, WIRE_RESPONSE) ||
	    memcmp(x->response, w.server_id.bytes, ID_BYTES) != 0)
		abort();
	x->initiation = genuine_initiation;
	memcpy(x->server_tx.key, x->server_keys.tx, AEAD_KEY_BYTES);
	x->server_tx.live = true;
	int r = w.exchange_count++;

	struct pending_session *slot = &s->pending[k];
	secret_wipe(slot, sizeof *slot);
	memcpy(slot->rx.key, x->server_keys.rx, sizeof slot->rx.key);
	memcpy(slot->tx_key, x->server_keys.tx, sizeof slot->tx_key);
	memcpy(slot->rx.ephemeral, ephemeral, sizeof ephemeral);
	slot->rx.born = w.now;
	slot->rx.live = true;
	s->held[2 + k] = r;
	trace("server answered initiation %d: exchange %d, negotiated slot %d\n", genuine_initiation, r, k);
}

// server.cc's keyed_data and session_confirmed, checked against the model.
static void server_data(uint8_t *data, size_t len, int g)
{
	struct server_end *s = &w.server;
	int expected = expected_slot(g, TO_SERVER, s->held, SERVER_SLOTS);
	int opened = -1;
	bool highest = false;
	enum session_verdict v = session_open(&s->current, data, len, &highest);
	if (v == SESSION_OPENED)
		opened = 0;
	else if ((v = session_open(&s->previous, data, len, &highest)) == SESSION_OPENED)
		opened = 1;
	for (int i = 0; i < PENDING_MAX && v != SESSION_OPENED; i++) {
		v = session_open(&s->pending[i].rx, data, len, &highest);
		if (v != SESSION_OPENED)
			continue;
		opened = 2 + i;
		rx_session_wipe(&s->previous);
		s->previous = s->current;
		s->current = s->pending[i].rx;
		secret_wipe(s->pending, sizeof s->pending);
		s->held[1] = s->held[0];
		s->held[0] = s->held[2 + i];
		for (int k = 0; k < PENDING_MAX; k++)
			s->held[2 + k] = -1;
	}
	if (opened != expected)
		abort();
	if (opened >= 0)
		accepted(g, TO_SERVER, data, len, highest);
}

// server.cc's keyed_datagram behind server_datagram's look-up.
static void to_server(const uint8_t *bytes, size_t len)
{
	if (len < ID_BYTES || memcmp(bytes, w.client_id.bytes, ID_BYTES) != 0)
		return;		// short, or an identifier the server does not know
	// Exactly len bytes, so that ASan sees any read past the datagram.
	uint8_t *data = (uint8_t *)malloc(len);
	memcpy(data, bytes, len);
	if (handshake_shaped(data, len, WIRE_INITIATION))
		server_initiation(data);
	else if (len >= WIRE_KEYED_OVERHEAD && data[WIRE_TYPE_AT] == WIRE_DATA)
		server_data(data, len, genuine_find(TO_SERVER, bytes, len));
	free(data);
}

// client.cc's keyed_datagram after its check of the identifier.
static void to_client(const uint8_t *bytes, size_t len)
{
	struct client_end *c = &w.client;
	if (len < ID_BYTES || memcmp(bytes, w.server_id.bytes, ID_BYTES) != 0)
		return;
	uint8_t *data = (uint8_t *)malloc(len);
	memcpy(data, bytes, len);
	if (handshake_shaped(data, len, WIRE_RESPONSE)) {
		int r = response_find(bytes, len);
		if (c->handshaking && handshake_budget-- > 0) {
			bool expected = r >= 0 && w.exchanges[r].initiation == c->initiation;
			struct noise_handshake before = c->hs;
			struct session_keys keys;
			bool ok = handshake_finish(&c->hs, data, &keys);
			trace("client %s response of exchange %d\n", ok ? "took" : "refused", r);
			if (ok != expected)
				abort();
			if (!ok && memcmp(&before, &c->hs, sizeof before) != 0)
				abort();
			if (ok) {
				struct exchange *x = &w.exchanges[r];
				if (memcmp(keys.tx, x->server_keys.rx, AEAD_KEY_BYTES) != 0 ||
				    memcmp(keys.rx, x->server_keys.tx, AEAD_KEY_BYTES) != 0 ||
				    !all_zero(&c->hs, sizeof c->hs))
					abort();
				// session_new
				rx_session_wipe(&c->previous);
				c->previous = c->current;
				memset(&c->current, 0, sizeof c->current);
				memcpy(c->current.key, keys.rx, sizeof c->current.key);
				c->current.born = w.now;
				c->current.live = true;
				c->held[1] = c->held[0];
				c->held[0] = r;
				memcpy(x->client_tx.key, keys.tx, AEAD_KEY_BYTES);
				x->client_tx.live = true;
				x->finished = true;
				c->handshaking = false;
			}
		}
		free(data);
		return;
	}
	if (len >= WIRE_KEYED_OVERHEAD && data[WIRE_TYPE_AT] == WIRE_DATA) {
		int g = genuine_find(TO_CLIENT, bytes, len);
		int expected = expected_slot(g, TO_CLIENT, c->held, CLIENT_SLOTS);
		int opened = -1;
		bool highest = false;
		enum session_verdict v = session_open(&c->current, data, len, &highest);
		if (v == SESSION_OPENED)
			opened = 0;
		else if (session_open(&c->previous, data, len, &highest) == SESSION_OPENED)
			opened = 1;
		if (opened != expected)
			abort();
		if (opened >= 0)
			accepted(g, TO_CLIENT, data, len, highest);
	}
	free(data);
}

static void deliver(enum direction to, const uint8_t *bytes, size_t len)
{
	if (to == TO_SERVER)
		to_server(bytes, len);
	else
		to_client(bytes, len);
}

// client.cc's handshake_start.  Returns false when there is no room.
static bool client_initiate(void)
{
	struct client_end *c = &w.client;
	if (w.initiation_count == INITIATIONS_MAX)
		return false;
	uint8_t *datagram = w.initiations[w.initiation_count];
	noise_wipe(&c->hs);
	if (handshake_initiate(&c->hs, &w.client_id, &w.server_id, w.psk, datagram) == -1)
		abort();
	if (!handshake_shaped(datagram, WIRE_HANDSHAKE_BYTES, WIRE_INITIATION) ||
	    memcmp(datagram, w.client_id.bytes, ID_BYTES) != 0)
		abort();
	c->initiation = w.initiation_count++;
	c->handshaking = true;
	return true;
}

// The sending side: exchange r's session towards to, one more datagram.
static void seal(int r, enum direction to, size_t packet_len)
{
	if (genuine_count == GENUINE_MAX)
		return;
	struct exchange *x = &w.exchanges[r];
	struct tx_session *tx = to == TO_SERVER ? &x->client_tx : &x->server_tx;
	const struct peer_id *from = to == TO_SERVER ? &w.client_id : &w.server_id;
	struct genuine *d = &genuine[genuine_count];
	random_bytes(d->packet, packet_len);
	memcpy(d->datagram + WIRE_KEYED_HEADER, d->packet, packet_len);
	uint64_t counter = tx->counter;
	size_t len = session_seal(tx, from, d->datagram, packet_len);
	if (counter >= WIRE_COUNTER_LIMIT) {
		if (len != 0 || tx->counter != counter)
			abort();
		return;
	}
	if (len != packet_len + WIRE_KEYED_OVERHEAD || tx->counter != counter + 1 ||
	    memcmp(d->datagram, from->bytes, ID_BYTES) != 0 || d->datagram[WIRE_TYPE_AT] != WIRE_DATA ||
	    wire_counter(d->datagram) != counter)
		abort();
	d->exchange = r;
	d->to = to;
	d->counter = counter;
	d->len = len;
	d->accepted = false;
	genuine_count++;
}

// The exchange whose sending session towards to one byte picks, or -1:
// towards the server only those the client finished.
static int sender_pick(enum direction to, uint8_t b)
{
	int eligible[EXCHANGES_MAX], n = 0;
	for (int i = 0; i < w.exchange_count; i++)
		if (to == TO_CLIENT || w.exchanges[i].finished)
			eligible[n++] = i;
	return n == 0 ? -1 : eligible[pick(b, n)];
}

// Both ends' keyed_tick, as far as the sessions' lifetimes go.
static void tick(void)
{
	struct server_end *s = &w.server;
	for (int i = 0; i < SERVER_SLOTS; i++) {
		struct rx_session *slot = server_slot(i);
		// Negotiated ones wait twice the client's retry at most.
		bool over = i >= 2 ? w.now - slot->born >= 2 * session_timers.retry :
		    session_expired(slot->born, w.now);
		if (slot->live && over) {
			if (i >= 2)
				secret_wipe(&s->pending[i - 2], sizeof s->pending[i - 2]);
			else
				rx_session_wipe(slot);
			s->held[i] = -1;
		}
	}
	for (int i = 0; i < CLIENT_SLOTS; i++) {
		struct rx_session *slot = client_slot(i);
		if (slot->live && session_expired(slot->born, w.now)) {
			rx_session_wipe(slot);
			w.client.held[i] = -1;
		}
	}
}

enum op {
	OP_SEAL,		// who, length class[, length]
	OP_DELIVER,		// which, reflected?
	OP_MANGLE,		// which, how, where (16 bits), value
	OP_RANDOM,		// to, shape, length (16 bits), which, bytes
	OP_JUMP,		// who, how, by (16 bits); only forward
	OP_INITIATE,
	OP_INITIATION,		// which
	OP_BAD_INITIATION,	// how, where, value
	OP_RESPONSE,		// which, how, where, value
	OP_TIME,		// by (16 bits, in 10 ms)
	OP_COUNT
};

static void op_seal(struct input *in)
{
	uint8_t who = take(in);
	enum direction to = (enum direction)(who & 1);
	int r = sender_pick(to, who >> 1);
	size_t packet_len = 0;
	switch (take(in) % 4) {
	case 0:
		break;		// a keepalive
	case 1:
		packet_len = 1 + take(in);
		break;
	case 2:
		packet_len = 1 + take16(in) % PACKET_MAX;
		break;
	default:
		packet_len = PACKET_MAX;
	}
	if (r >= 0)
		seal(r, to, packet_len);
}

// To its receiver, or reflected to its sender with the identifier that
// end expects, so that it reaches session_open there.
static void op_deliver(struct input *in)
{
	uint8_t which = take(in), reflected = take(in) & 1;
	if (genuine_count == 0)
		return;
	const struct genuine *d = &genuine[pick(which, genuine_count)];
	if (!reflected) {
		deliver(d->to, d->datagram, d->len);
		return;
	}
	static uint8_t bytes[PACKET_MAX + WIRE_KEYED_OVERHEAD];
	memcpy(bytes, d->datagram, d->len);
	memcpy(bytes, d->to == TO_SERVER ? w.server_id.bytes : w.client_id.bytes, ID_BYTES);
	deliver(d->to == TO_SERVER ? TO_CLIENT : TO_SERVER, bytes, d->len);
}

static void op_mangle(struct input *in)
{
	uint8_t which = take(in), how = take(in);
	unsigned where = take16(in);
	uint8_t value = take(in);
	if (genuine_count == 0)
		return;
	const struct genuine *d = &genuine[pick(which, genuine_count)];
	static uint8_t bytes[PACKET_MAX + WIRE_KEYED_OVERHEAD + 256];
	size_t len = d->len;
	memcpy(bytes, d->datagram, len);
	uint8_t nonzero = value ? value : 1;
	switch (how % 9) {
	case 0:		// one bit anywhere
		bytes[where % (len * 8) / 8] ^= (uint8_t)(1 << where % 8);
		break;
	case 1:		// truncated
		len = where % len;
		break;
	case 2:		// extended
		memset(bytes + len, value, 1 + where % 256);
		len += 1 + where % 256;
		break;
	case 3:
		bytes[WIRE_TYPE_AT] ^= nonzero;
		break;
	case 4:
		bytes[WIRE_COUNTER_AT + where % WIRE_COUNTER_BYTES] ^= nonzero;
		break;
	case 5:
		bytes[where % ID_BYTES] ^= nonzero;
		break;
	case 6:		// one bit of the ciphertext and tag
		bytes[WIRE_KEYED_HEADER + where % ((len - WIRE_KEYED_HEADER) * 8) / 8] ^=
		    (uint8_t)(1 << where % 8);
		break;
	case 7:		// another datagram's counter, when it differs
		memcpy(bytes + WIRE_COUNTER_AT, genuine[(which + 1 + value) % genuine_count].datagram +
		    WIRE_COUNTER_AT, WIRE_COUNTER_BYTES);
		break;
	default: {	// sealed under its own key, but at a counter past the limit
		const struct exchange *x = &w.exchanges[d->exchange];
		const uint8_t *key = d->to == TO_SERVER ? x->client_tx.key : x->server_tx.key;
		uint64_t n = WIRE_COUNTER_LIMIT + where % ((1ull << 56) - WIRE_COUNTER_LIMIT);
		for (int i = 0; i < WIRE_COUNTER_BYTES; i++)
			bytes[WIRE_COUNTER_AT + i] = (uint8_t)(n >> 8 * i);
		uint8_t nonce[AEAD_NONCE_BYTES] = {0};
		store64_le(nonce + 4, n);
		size_t packet_len = len - WIRE_KEYED_OVERHEAD;
		aead_seal(bytes + WIRE_KEYED_HEADER, bytes + WIRE_KEYED_HEADER + packet_len, d->packet,
		    packet_len, NULL, 0, nonce, key);
	}
	}
	deliver(d->to, bytes, len);
}

static void op_random(struct input *in)
{
	uint8_t to_byte = take(in), shape = take(in);
	enum direction to = (enum direction)(to_byte & 1);
	size_t len = take16(in) % (PACKET_MAX + WIRE_KEYED_OVERHEAD + 1);
	uint8_t which = take(in);
	static uint8_t bytes[PACKET_MAX + WIRE_KEYED_OVERHEAD];
	const struct peer_id *sender = to == TO_SERVER ? &w.client_id : &w.server_id;
	size_t at = 0;
	switch (shape % 4) {
	case 0:		// bytes alone
		break;
	case 1:		// a data header, then bytes
		memcpy(bytes, sender->bytes, ID_BYTES);
		bytes[WIRE_TYPE_AT] = WIRE_DATA;
		at = WIRE_TYPE_AT + 1;
		break;
	case 2:		// a genuine datagram's header, then bytes
		if (genuine_count > 0) {
			memcpy(bytes, genuine[pick(which, genuine_count)].datagram, WIRE_KEYED_HEADER);
			at = WIRE_KEYED_HEADER;
		}
		break;
	default:	// a handshake's header, then bytes
		memcpy(bytes, sender->bytes, ID_BYTES);
		bytes[WIRE_TYPE_AT] = to == TO_SERVER ? WIRE_INITIATION : WIRE_RESPONSE;
		memset(bytes + WIRE_COUNTER_AT, 0, WIRE_COUNTER_BYTES);
		at = WIRE_KEYED_HEADER;
		len = WIRE_HANDSHAKE_BYTES;
	}
	if (len < at)
		len = at;
	take_bytes(in, bytes + at, len - at);
	deliver(to, bytes, len);
}

static void op_jump(struct input *in)
{
	uint8_t who = take(in), how = take(in);
	unsigned by = take16(in);
	enum direction to = (enum direction)(who & 1);
	int r = sender_pick(to, who >> 1);
	if (r < 0)
		return;
	struct exchange *x = &w.exchanges[r];
	struct tx_session *tx = to == TO_SERVER ? &x->client_tx : &x->server_tx;
	uint64_t counter = tx->counter;
	switch (how % 5) {
	case 0:
		counter += 1 + by % 256;
		break;
	case 1:		// about a window ahead
		counter += REPLAY_WINDOW - 2 + by % 4;
		break;
	case 2:		// to the last counters
		if (counter < WIRE_COUNTER_LIMIT - 4)
			counter = WIRE_COUNTER_LIMIT - 1 - by % 4;
		break;
	case 3:		// whole words of the window's ring
		counter += (uint64_t)by * 64;
		break;
	default:	// about once round the ring
		counter += REPLAY_WORDS * 64 - 2 + by % 4;
	}
	tx->counter = counter;
}

static void op_initiation(struct input *in)
{
	uint8_t which = take(in);
	if (w.initiation_count > 0)
		to_server(w.initiations[pick(which, w.initiation_count)], WIRE_HANDSHAKE_BYTES);
}

static void op_bad_initiation(struct input *in)
{
	uint8_t how = take(in), where = take(in), value = take(in);
	uint8_t nonzero = value ? value : 1;
	uint8_t bytes[WIRE_HANDSHAKE_BYTES + 64];
	size_t len = WIRE_HANDSHAKE_BYTES;
	struct noise_handshake hs;
	uint8_t psk[KEY_BYTES];
	struct peer_id client = w.client_id, server = w.server_id;
	memcpy(psk, w.psk, sizeof psk);
	switch (how % 7) {
	case 0:
		psk[where % KEY_BYTES] ^= nonzero;
		break;
	case 1:
		client.bytes[where % ID_BYTES] ^= nonzero;
		break;
	case 2:
		server.bytes[where % ID_BYTES] ^= nonzero;
		break;
	}
	if (how % 7 <= 2) {
		if (handshake_budget-- <= 0)
			return;
		// Made as the client makes one, but with a wrong PSK or prologue;
		// the header says it is from the client.
		if (handshake_initiate(&hs, &client, &server, psk, bytes) == -1)
			abort();
		noise_wipe(&hs);
		memcpy(bytes, w.client_id.bytes, ID_BYTES);
	} else if (w.initiation_count > 0) {
		memcpy(bytes, w.initiations[pick(where, w.initiation_count)], WIRE_HANDSHAKE_BYTES);
		switch (how % 7) {
		case 3:		// one byte changed
			bytes[value % WIRE_HANDSHAKE_BYTES] ^= (uint8_t)(1 + where % 255);
			break;
		case 4:		// shorter or longer
			if (value & 1) {
				len = value / 2 % WIRE_HANDSHAKE_BYTES;
			} else {
				memset(bytes + len, where, 1 + value / 2 % 64);
				len += 1 + value / 2 % 64;
			}
			break;
		case 5:		// the Noise message made up
			take_bytes(in, bytes + WIRE_KEYED_HEADER, NOISE_MESSAGE_BYTES);
			break;
		default:	// a low-order ephemeral key
			low_order_point(value % LOW_ORDER_POINTS, bytes + WIRE_KEYED_HEADER);
		}
	} else {
		return;
	}
	to_server(bytes, len);
}

static void op_response(struct input *in)
{
	uint8_t which = take(in), how = take(in), where = take(in), value = take(in);
	if (w.exchange_count == 0)
		return;
	const uint8_t *response = w.exchanges[pick(which, w.exchange_count)].response;
	uint8_t bytes[WIRE_HANDSHAKE_BYTES];
	memcpy(bytes, response, sizeof bytes);
	switch (how % 4) {
	case 0:		// as the server sent it
		to_client(bytes, sizeof bytes);
		return;
	case 1:		// one byte changed, then the genuine one
	case 2:		// one byte changed alone
		bytes[where % WIRE_HANDSHAKE_BYTES] ^= value ? value : 1;
		break;
	default:	// a low-order ephemeral key, then maybe the genuine one
		low_order_point(value % LOW_ORDER_POINTS, bytes + WIRE_KEYED_HEADER);
		if (where & 1)
			how = 1;
	}
	to_client(bytes, sizeof bytes);
	if (how % 4 == 1)
		to_client(response, WIRE_HANDSHAKE_BYTES);
}

// The world each input starts from: one genuine client and server, and
// their first handshake, under a PSK of the input's own (a hash of all of
// it).  With one PSK for every input, a genuine initiation that one input
// made, which libFuzzer's tracing of comparisons copies into others, would
// pass the server's check in an input whose model never made it.
static void world_start(const uint8_t *data, size_t len)
{
	memset(&w, 0, sizeof w);
	handshake_budget = HANDSHAKE_BUDGET;
	rng_state = 0x6a74756e6e656c31ull;
	static const uint8_t client_id[ID_BYTES] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	static const uint8_t server_id[ID_BYTES] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
	memcpy(w.client_id.bytes, client_id, ID_BYTES);
	memcpy(w.server_id.bytes, server_id, ID_BYTES);
	struct blake2s hash;
	blake2s_init(&hash, sizeof w.psk, NULL, 0);
	blake2s_update(&hash, data, len);
	blake2s_final(&hash, w.psk);
	for (int i = 0; i < SERVER_SLOTS; i++)
		w.server.held[i] = -1;
	for (int i = 0; i < CLIENT_SLOTS; i++)
		w.client.held[i] = -1;
	w.now = 1;
	// The first handshake: initiation, response, finish.  The client's
	// first datagram will confirm it to the server.
	if (!client_initiate())
		abort();
	to_server(w.initiations[0], WIRE_HANDSHAKE_BYTES);
	if (w.exchange_count != 1 || w.server.held[2] != 0)
		abort();
	to_client(w.exchanges[0].response, WIRE_HANDSHAKE_BYTES);
	if (!w.exchanges[0].finished || w.client.held[0] != 0)
		abort();
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	session_timers_init();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct input in = { data, len };
	world_start(data, len);
	genuine_count = 0;
	handshake_budget = HANDSHAKE_BUDGET;
	rng_state = 0;
	for (int i = 0; i < 8; i++)
		rng_state = rng_state << 8 | take(&in);
	// A confirming keepalive and two packets each way.
	for (int i = 0; i < 3; i++) {
		seal(0, TO_SERVER, i == 0 ? 0 : 1 + rng_next() % 256);
		seal(0, TO_CLIENT, i == 0 ? 0 : 1 + rng_next() % 256);
	}
	for (int ops = 0; in.left > 0 && ops < OPS_MAX; ops++) {
		w.now++;
		switch (take(&in) % OP_COUNT) {
		case OP_SEAL:
			op_seal(&in);
			break;
		case OP_DELIVER:
			op_deliver(&in);
			break;
		case OP_MANGLE:
			op_mangle(&in);
			break;
		case OP_RANDOM:
			op_random(&in);
			break;
		case OP_JUMP:
			op_jump(&in);
			break;
		case OP_INITIATE:
			client_initiate();
			break;
		case OP_INITIATION:
			op_initiation(&in);
			break;
		case OP_BAD_INITIATION:
			op_bad_initiation(&in);
			break;
		case OP_RESPONSE:
			op_response(&in);
			break;
		default:
			w.now += (int64_t)take16(&in) * 10;
			tick();
		}
	}
	return 0;
}
