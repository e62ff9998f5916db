// SPDX-License-Identifier: ISC
// Unit tests for noise.cc, the Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s
// handshake, against the cacophony vector (lines from t/vectors_noise.py):
// both ends run the handshake, first with the vector's payloads and then
// with jtunnel's empty ones, and the transport messages are sealed with the
// keys that Split() gave.  Negative controls: a wrong PSK or prologue, and
// every single flipped bit of either message, make the reader fail.
#include "../chachapoly.h"
#include "../noise.h"
#include "../secret.h"
#include "../x25519.h"
#include "unit.h"

enum { PROLOGUE_MAX = 256, PAYLOAD_MAX = 256, MESSAGE_MAX = NOISE_MESSAGE_BYTES + PAYLOAD_MAX };

struct vector {
	uint8_t prologue[PROLOGUE_MAX];
	size_t prologue_len;
	uint8_t psk[NOISE_KEY_BYTES];
	uint8_t e_init[X25519_BYTES], e_resp[X25519_BYTES];
	uint8_t payload1[PAYLOAD_MAX], payload2[PAYLOAD_MAX];
	size_t payload1_len, payload2_len;
	uint8_t msg1[MESSAGE_MAX], msg2[MESSAGE_MAX];
	size_t msg1_len, msg2_len;
	uint8_t hash[NOISE_KEY_BYTES];
};

// What the transport lines are checked with: Split()'s two keys and the
// next counter of each direction.
struct transport {
	bool ready;
	uint8_t initiator_key[NOISE_KEY_BYTES], responder_key[NOISE_KEY_BYTES];
	uint64_t to_responder_n, to_initiator_n;
};

static struct unit_tally tally;

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *b = (const uint8_t *)p;
	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static bool read_vector(const struct unit_line *l, struct vector *v)
{
	if (l->count != 10) {
		fprintf(stderr, "noise_test: line %ld: a handshake needs 9 fields\n", l->number);
		exit(2);
	}
	v->prologue_len = unit_hex(l->field[1], v->prologue, sizeof v->prologue);
	bool sized = unit_hex(l->field[2], v->psk, sizeof v->psk) == sizeof v->psk &&
		     unit_hex(l->field[3], v->e_init, sizeof v->e_init) == sizeof v->e_init &&
		     unit_hex(l->field[4], v->e_resp, sizeof v->e_resp) == sizeof v->e_resp;
	v->payload1_len = unit_hex(l->field[5], v->payload1, sizeof v->payload1);
	v->msg1_len = unit_hex(l->field[6], v->msg1, sizeof v->msg1);
	v->payload2_len = unit_hex(l->field[7], v->payload2, sizeof v->payload2);
	v->msg2_len = unit_hex(l->field[8], v->msg2, sizeof v->msg2);
	sized = sized && unit_hex(l->field[9], v->hash, sizeof v->hash) == sizeof v->hash;
	return sized && v->msg1_len == NOISE_MESSAGE_BYTES + v->payload1_len &&
	       v->msg2_len == NOISE_MESSAGE_BYTES + v->payload2_len;
}

// The vector's own handshake, payloads included: both messages and the
// handshake hash byte-exact at both ends, and the same two keys from Split().
static void test_handshake_with_payloads_matches_vector(const struct unit_line *l,
    const struct vector *v, struct transport *keys)
{
	struct noise_handshake ini, resp;
	uint8_t msg[MESSAGE_MAX], payload[PAYLOAD_MAX];

	noise_start(&ini, v->prologue, v->prologue_len);
	noise_write_initiation_payload(&ini, v->psk, v->e_init, v->payload1, v->payload1_len, msg);
	unit_check(&tally, memcmp(msg, v->msg1, v->msg1_len) == 0, l, "initiation equals the vector's");

	noise_start(&resp, v->prologue, v->prologue_len);
	bool ok = noise_read_initiation_payload(&resp, v->psk, v->msg1, v->msg1_len, payload);
	unit_check(&tally, ok, l, "responder reads the vector's initiation");
	unit_check(&tally, ok && memcmp(payload, v->payload1, v->payload1_len) == 0, l,
		   "initiation payload decrypts to the vector's");

	ok = noise_write_response_payload(&resp, v->e_resp, v->payload2, v->payload2_len, msg);
	unit_check(&tally, ok && memcmp(msg, v->msg2, v->msg2_len) == 0, l, "response equals the vector's");
	unit_check(&tally, is_zero(resp.e_secret, sizeof resp.e_secret), l,
		   "responder's ephemeral secret wiped once ee is mixed");

	ok = noise_read_response_payload(&ini, v->msg2, v->msg2_len, payload);
	unit_check(&tally, ok, l, "initiator reads the vector's response");
	unit_check(&tally, ok && memcmp(payload, v->payload2, v->payload2_len) == 0, l,
		   "response payload decrypts to the vector's");
	unit_check(&tally, is_zero(ini.e_secret, sizeof ini.e_secret), l,
		   "initiator's ephemeral secret wiped once the response is read");

	unit_check(&tally, memcmp(ini.h, v->hash, sizeof v->hash) == 0, l,
		   "initiator's handshake hash equals the vector's");
	unit_check(&tally, memcmp(resp.h, v->hash, sizeof v->hash) == 0, l,
		   "responder's handshake hash equals the vector's");

	uint8_t ini_k1[NOISE_KEY_BYTES], ini_k2[NOISE_KEY_BYTES];
	noise_split(&ini, ini_k1, ini_k2);
	noise_split(&resp, keys->initiator_key, keys->responder_key);
	unit_check(&tally, memcmp(ini_k1, keys->initiator_key, sizeof ini_k1) == 0 &&
				   memcmp(ini_k2, keys->responder_key, sizeof ini_k2) == 0, l,
		   "both ends split into the same two keys");
	unit_check(&tally, memcmp(ini_k1, ini_k2, sizeof ini_k1) != 0, l, "the two keys differ");
	unit_check(&tally, is_zero(&ini, sizeof ini) && is_zero(&resp, sizeof resp), l,
		   "split wipes the handshake state");
	keys->ready = true;
	keys->to_responder_n = keys->to_initiator_n = 0;
}

// The initiation as jtunnel sends it, from a fresh initiator.
static void start_initiation(struct noise_handshake *ini, const struct vector *v,
    uint8_t msg1[NOISE_MESSAGE_BYTES])
{
	noise_start(ini, v->prologue, v->prologue_len);
	noise_write_initiation(ini, v->psk, v->e_init, msg1);
}

// jtunnel's handshake, empty payloads: 48-byte messages that start with the
// vector's ephemeral keys, and, the chaining key not depending on payloads,
// the vector's transport keys.
static void test_empty_payload_handshake_gives_vector_keys(const struct unit_line *l,
    const struct vector *v, const struct transport *keys)
{
	struct noise_handshake ini, resp;
	uint8_t msg1[NOISE_MESSAGE_BYTES], msg2[NOISE_MESSAGE_BYTES];

	start_initiation(&ini, v, msg1);
	unit_check(&tally, memcmp(msg1, v->msg1, X25519_BYTES) == 0, l,
		   "empty initiation carries the vector's ephemeral key");
	noise_start(&resp, v->prologue, v->prologue_len);
	unit_check(&tally, noise_read_initiation(&resp, v->psk, msg1), l, "responder reads the empty initiation");
	unit_check(&tally, noise_write_response(&resp, v->e_resp, msg2), l, "responder writes the empty response");
	unit_check(&tally, memcmp(msg2, v->msg2, X25519_BYTES) == 0, l,
		   "empty response carries the vector's ephemeral key");
	unit_check(&tally, noise_read_response(&ini, msg2), l, "initiator reads the empty response");
	unit_check(&tally, memcmp(ini.h, resp.h, sizeof ini.h) == 0, l, "both ends' handshake hashes equal");
	unit_check(&tally, memcmp(ini.h, v->hash, sizeof ini.h) != 0, l,
		   "the handshake hash covers the payloads (differs from the vector's)");

	uint8_t ini_k1[NOISE_KEY_BYTES], ini_k2[NOISE_KEY_BYTES];
	uint8_t resp_k1[NOISE_KEY_BYTES], resp_k2[NOISE_KEY_BYTES];
	noise_split(&ini, ini_k1, ini_k2);
	noise_split(&resp, resp_k1, resp_k2);
	unit_check(&tally, memcmp(ini_k1, keys->initiator_key, sizeof ini_k1) == 0 &&
				   memcmp(resp_k1, keys->initiator_key, sizeof resp_k1) == 0 &&
				   memcmp(ini_k2, keys->responder_key, sizeof ini_k2) == 0 &&
				   memcmp(resp_k2, keys->responder_key, sizeof resp_k2) == 0, l,
		   "empty-payload keys equal the vector's");
}

// A responder given this prologue and PSK reads msg1.  Also checks that a
// failed read leaves its state as it was.
static bool responder_reads(const struct unit_line *l, const uint8_t *prologue, size_t prologue_len,
    const uint8_t psk[NOISE_KEY_BYTES], const uint8_t msg1[NOISE_MESSAGE_BYTES])
{
	struct noise_handshake resp, before;
	noise_start(&resp, prologue, prologue_len);
	before = resp;
	bool ok = noise_read_initiation(&resp, psk, msg1);
	if (!ok)
		unit_check(&tally, memcmp(&resp, &before, sizeof resp) == 0, l,
			   "a failed read leaves the responder's state as it was");
	noise_wipe(&resp);
	return ok;
}

static void test_wrong_psk_or_prologue_fails(const struct unit_line *l, const struct vector *v)
{
	struct noise_handshake ini;
	uint8_t msg1[NOISE_MESSAGE_BYTES];
	start_initiation(&ini, v, msg1);
	noise_wipe(&ini);

	unit_check(&tally, responder_reads(l, v->prologue, v->prologue_len, v->psk, msg1), l,
		   "control: the right PSK and prologue read");
	for (size_t i = 0; i < NOISE_KEY_BYTES; i++) {
		uint8_t psk[NOISE_KEY_BYTES];
		memcpy(psk, v->psk, sizeof psk);
		psk[i] ^= 0x80;
		unit_check(&tally, !responder_reads(l, v->prologue, v->prologue_len, psk, msg1), l,
			   "a PSK with one changed byte fails");
	}
	uint8_t prologue[PROLOGUE_MAX + 1];
	memcpy(prologue, v->prologue, v->prologue_len);
	for (size_t i = 0; i < v->prologue_len; i++) {
		prologue[i] ^= 1;
		unit_check(&tally, !responder_reads(l, prologue, v->prologue_len, v->psk, msg1), l,
			   "a prologue with one changed byte fails");
		prologue[i] ^= 1;
	}
	if (v->prologue_len > 0)
		unit_check(&tally, !responder_reads(l, prologue, v->prologue_len - 1, v->psk, msg1), l,
			   "a prologue one byte short fails");
	prologue[v->prologue_len] = 0;
	unit_check(&tally, !responder_reads(l, prologue, v->prologue_len + 1, v->psk, msg1), l,
		   "a prologue one byte long fails");
}

static void test_flipped_initiation_bit_fails(const struct unit_line *l, const struct vector *v)
{
	struct noise_handshake ini;
	uint8_t msg1[NOISE_MESSAGE_BYTES];
	start_initiation(&ini, v, msg1);
	noise_wipe(&ini);
	long failed_to_fail = 0;
	for (size_t bit = 0; bit < 8 * NOISE_MESSAGE_BYTES; bit++) {
		msg1[bit / 8] ^= (uint8_t)(1 << bit % 8);
		if (responder_reads(l, v->prologue, v->prologue_len, v->psk, msg1))
			failed_to_fail++;
		msg1[bit / 8] ^= (uint8_t)(1 << bit % 8);
	}
	unit_check(&tally, failed_to_fail == 0, l, "each of the initiation's 384 flipped bits fails");
	unit_check(&tally, responder_reads(l, v->prologue, v->prologue_len, v->psk, msg1), l,
		   "control: the unflipped initiation reads");
}

// Every flipped bit of the response fails, and each failure leaves the
// initiator able to read the genuine response afterwards.
static void test_flipped_response_bit_fails(const struct unit_line *l, const struct vector *v)
{
	struct noise_handshake ini, resp, before;
	uint8_t msg1[NOISE_MESSAGE_BYTES], msg2[NOISE_MESSAGE_BYTES];
	start_initiation(&ini, v, msg1);
	noise_start(&resp, v->prologue, v->prologue_len);
	bool ok = noise_read_initiation(&resp, v->psk, msg1) && noise_write_response(&resp, v->e_resp, msg2);
	unit_check(&tally, ok, l, "control: the responder answers");
	noise_wipe(&resp);

	before = ini;
	long failed_to_fail = 0, changed = 0;
	for (size_t bit = 0; bit < 8 * NOISE_MESSAGE_BYTES; bit++) {
		msg2[bit / 8] ^= (uint8_t)(1 << bit % 8);
		if (noise_read_response(&ini, msg2))
			failed_to_fail++;
		else if (memcmp(&ini, &before, sizeof ini) != 0)
			changed++;
		msg2[bit / 8] ^= (uint8_t)(1 << bit % 8);
		ini = before;
	}
	unit_check(&tally, failed_to_fail == 0, l, "each of the response's 384 flipped bits fails");
	unit_check(&tally, changed == 0, l, "a failed read leaves the initiator's state as it was");
	unit_check(&tally, noise_read_response(&ini, msg2), l,
		   "after forged responses the genuine one still reads");
	noise_wipe(&ini);
	noise_wipe(&before);
}

// An all-zero DH result ends the handshake at either end: the peer's
// ephemeral key is the point u = 0, of low order.
static void test_zero_ee_fails(const struct unit_line *l, const struct vector *v)
{
	struct noise_handshake ini, resp;
	uint8_t msg1[NOISE_MESSAGE_BYTES], msg2[NOISE_MESSAGE_BYTES];
	start_initiation(&ini, v, msg1);
	noise_start(&resp, v->prologue, v->prologue_len);
	unit_check(&tally, noise_read_initiation(&resp, v->psk, msg1), l, "control: the responder reads");

	memset(resp.re, 0, sizeof resp.re);
	unit_check(&tally, !noise_write_response(&resp, v->e_resp, msg2), l,
		   "responder refuses an initiator key with an all-zero ee");
	memset(msg2, 0, sizeof msg2);
	unit_check(&tally, !noise_read_response(&ini, msg2), l,
		   "initiator refuses a responder key with an all-zero ee");
	noise_wipe(&ini);
	noise_wipe(&resp);
}

// The payload forms refuse a message too short to hold a key and a tag.
static void test_short_message_fails(const struct unit_line *l, const struct vector *v)
{
	struct noise_handshake ini, resp;
	uint8_t msg1[NOISE_MESSAGE_BYTES], payload[1];
	start_initiation(&ini, v, msg1);
	noise_start(&resp, v->prologue, v->prologue_len);
	unit_check(&tally, !noise_read_initiation_payload(&resp, v->psk, msg1, NOISE_MESSAGE_BYTES - 1, payload),
		   l, "a 47-byte initiation fails");
	unit_check(&tally, !noise_read_response_payload(&ini, msg1, NOISE_MESSAGE_BYTES - 1, payload), l,
		   "a 47-byte response fails");
	noise_wipe(&ini);
	noise_wipe(&resp);
}

// A transport message: the payload sealed under the direction's key with
// the next counter and empty associated data equals the vector's, and the
// vector's opens (and does not with its tag's last bit flipped).
static void test_transport(const struct unit_line *l, struct transport *keys, bool to_responder)
{
	if (!keys->ready || l->count != 3) {
		fprintf(stderr, "noise_test: line %ld: a transport line needs a handshake before it and 2 fields\n",
			l->number);
		exit(2);
	}
	uint8_t payload[PAYLOAD_MAX], expected[PAYLOAD_MAX + AEAD_TAG_BYTES], sealed[sizeof expected];
	uint8_t opened[PAYLOAD_MAX];
	size_t len = unit_hex(l->field[1], payload, sizeof payload);
	size_t sealed_len = unit_hex(l->field[2], expected, sizeof expected);
	const uint8_t *key = to_responder ? keys->initiator_key : keys->responder_key;
	uint64_t *n = to_responder ? &keys->to_responder_n : &keys->to_initiator_n;
	uint8_t nonce[AEAD_NONCE_BYTES] = {0};
	store64_le(nonce + 4, (*n)++);

	aead_seal(sealed, sealed + len, payload, len, NULL, 0, nonce, key);
	unit_check(&tally, sealed_len == len + AEAD_TAG_BYTES && memcmp(sealed, expected, sealed_len) == 0, l,
		   "transport message equals the vector's");
	unit_check(&tally, aead_open(opened, expected, len, expected + len, NULL, 0, nonce, key) &&
				   memcmp(opened, payload, len) == 0, l,
		   "the vector's transport message opens to its payload");
	expected[sealed_len - 1] ^= 1;
	unit_check(&tally, !aead_open(opened, expected, len, expected + len, NULL, 0, nonce, key), l,
		   "a transport message with a flipped tag bit does not open");
}

int main()
{
	struct unit_line l = {};
	static struct vector v;
	struct transport keys = {};
	while (unit_next(&l)) {
		if (l.count == 0)
			continue;
		const char *kind = l.field[0];
		if (strcmp(kind, "handshake") == 0) {
			if (!read_vector(&l, &v)) {
				unit_check(&tally, false, &l, "vector fields have the sizes NNpsk0 gives");
				keys.ready = false;
				continue;
			}
			test_handshake_with_payloads_matches_vector(&l, &v, &keys);
			test_empty_payload_handshake_gives_vector_keys(&l, &v, &keys);
			test_wrong_psk_or_prologue_fails(&l, &v);
			test_flipped_initiation_bit_fails(&l, &v);
			test_flipped_response_bit_fails(&l, &v);
			test_zero_ee_fails(&l, &v);
			test_short_message_fails(&l, &v);
		} else if (strcmp(kind, "to_responder") == 0) {
			test_transport(&l, &keys, true);
		} else if (strcmp(kind, "to_initiator") == 0) {
			test_transport(&l, &keys, false);
		} else {
			fprintf(stderr, "noise_test: line %ld: unknown kind %s\n", l.number, kind);
			return 2;
		}
	}
	return unit_summary(&tally, "noise");
}
