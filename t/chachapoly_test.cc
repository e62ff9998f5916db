// SPDX-License-Identifier: ISC
// Unit tests of chacha20.cc, poly1305.cc and chachapoly.cc: every vector of
// RFC 8439 and of the XChaCha draft, both Wycheproof files, and (from
// pyca/cryptography, when t/vectors_chachapoly.py had it) the AEAD at every
// length 0..1500 and Poly1305 of bytes all 0xff; then checks of our own: chacha20_xor against chacha20_block
// (the multi-block path against the scalar one), in-place sealing and
// opening, rejection of every changed byte, and incremental Poly1305.
// Built once per path (Makefile: default, -DCHACHA20_NO_AVX512VL,
// -DCHACHA20_NO_AVX2, -DCHACHA20_SCALAR, -DPOLY1305_32BIT); each prints the
// paths it tested.
#include "unit.h"
#include "../chacha20.h"
#include "../chachapoly.h"
#include "../poly1305.h"
#include "../secret.h"

enum {
	MESSAGE_MAX = 4096,	// larger than any vector's message
	SWEEP_MAX = 1500,	// the lengths of the checks of our own
	XCHACHA_NONCE_BYTES = 24,
	HCHACHA_NONCE_BYTES = 16,
};

// ---- HChaCha20 and XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03), here
// only, on top of chacha20_block.  HChaCha20 is the block function without
// the input added back, keeping words 0..3 and 12..15; its 16-byte nonce
// fills words 12..15, where the block function has the counter and the
// nonce, so the words the block function added can be subtracted again.

static const uint32_t sigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

static void hchacha20(uint8_t out[32], const uint8_t key[32], const uint8_t nonce[HCHACHA_NONCE_BYTES])
{
	uint8_t block[CHACHA20_BLOCK_BYTES];
	chacha20_block(block, key, nonce + 4, load32_le(nonce));
	for (int i = 0; i < 4; i++) {
		store32_le(out + 4 * i, load32_le(block + 4 * i) - sigma[i]);
		store32_le(out + 16 + 4 * i, load32_le(block + 48 + 4 * i) - load32_le(nonce + 4 * i));
	}
}

// The subkey and the 12-byte nonce (four zero bytes, then the last eight of
// the 24) of XChaCha20.
static void xchacha_key(uint8_t subkey[32], uint8_t nonce12[12], const uint8_t key[32],
    const uint8_t nonce[XCHACHA_NONCE_BYTES])
{
	hchacha20(subkey, key, nonce);
	memset(nonce12, 0, 4);
	memcpy(nonce12 + 4, nonce + 16, 8);
}

// ---- tallies, one per kind of check, and their summary.
struct kind {
	const char *name;
	struct unit_tally tally;
};
static struct kind kinds[] = {
	{"chacha20_block", {0, 0}}, {"chacha20_encrypt", {0, 0}}, {"poly1305_keygen", {0, 0}},
	{"poly1305", {0, 0}}, {"aead_chacha20_poly1305", {0, 0}}, {"hchacha20", {0, 0}},
	{"xchacha20_encrypt", {0, 0}}, {"aead_xchacha20_poly1305", {0, 0}},
	{"wycheproof valid", {0, 0}}, {"wycheproof invalid", {0, 0}},
	{"wycheproof invalid nonce size", {0, 0}},
	{"xwycheproof valid", {0, 0}}, {"xwycheproof invalid", {0, 0}},
	{"xwycheproof invalid nonce size", {0, 0}},
	{"sweep (pyca/cryptography)", {0, 0}}, {"sweep_poly1305", {0, 0}},
	{"chacha20_xor = chacha20_block", {0, 0}}, {"poly1305 incremental = one shot", {0, 0}},
	{"aead in place", {0, 0}}, {"aead changed byte refused", {0, 0}},
};
enum { KINDS = sizeof kinds / sizeof kinds[0] };

static struct unit_tally *tally(const char *name)
{
	for (int i = 0; i < KINDS; i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i].tally;
	fprintf(stderr, "chachapoly_test: no kind %s\n", name);
	exit(2);
}

// A check of our own, reported with its length.
static void own_check(const char *kind, bool ok, size_t len, const char *what)
{
	struct unit_tally *t = tally(kind);
	if (ok) {
		t->passed++;
		return;
	}
	t->failed++;
	fprintf(stderr, "FAIL %s, length %zu: %s\n", kind, len, what);
}

// ---- the vectors' fields.
struct fields {
	uint8_t key[64], nonce[64], ad[MESSAGE_MAX], pt[MESSAGE_MAX], ct[MESSAGE_MAX], tag[64];
	size_t key_len, nonce_len, ad_len, pt_len, ct_len, tag_len;
};
static struct fields f;

static void need(const struct unit_line *l, int count)
{
	if (l->count != count) {
		fprintf(stderr, "chachapoly_test: line %ld: %d fields, wanted %d\n", l->number, l->count, count);
		exit(2);
	}
}

static uint32_t counter_field(const char *text)
{
	return (uint32_t)strtoul(text, NULL, 16);
}

// kind KEY NONCE COUNTER PLAINTEXT CIPHERTEXT
static bool stream_vector(const struct unit_line *l, bool extended)
{
	need(l, 6);
	f.key_len = unit_hex(l->field[1], f.key, sizeof f.key);
	f.nonce_len = unit_hex(l->field[2], f.nonce, sizeof f.nonce);
	uint32_t counter = counter_field(l->field[3]);
	f.pt_len = unit_hex(l->field[4], f.pt, sizeof f.pt);
	f.ct_len = unit_hex(l->field[5], f.ct, sizeof f.ct);
	uint8_t key[32], nonce[12], out[MESSAGE_MAX];
	if (f.key_len != 32 || f.pt_len != f.ct_len || f.nonce_len != (extended ? 24u : 12u))
		return false;
	if (extended)
		xchacha_key(key, nonce, f.key, f.nonce);
	else
		memcpy(key, f.key, 32), memcpy(nonce, f.nonce, 12);
	chacha20_xor(out, f.pt, f.pt_len, key, nonce, counter);
	bool ok = memcmp(out, f.ct, f.ct_len) == 0;
	// In place, and back.
	chacha20_xor(out, out, f.pt_len, key, nonce, counter);
	ok = ok && memcmp(out, f.pt, f.pt_len) == 0;
	if (f.pt_len == CHACHA20_BLOCK_BYTES) {
		uint8_t block[CHACHA20_BLOCK_BYTES];
		chacha20_block(block, key, nonce, counter);
		for (size_t i = 0; i < CHACHA20_BLOCK_BYTES; i++)
			ok = ok && (block[i] ^ f.pt[i]) == f.ct[i];
	}
	return ok;
}

// poly1305 KEY MESSAGE TAG
static bool poly1305_vector(const struct unit_line *l)
{
	need(l, 4);
	f.key_len = unit_hex(l->field[1], f.key, sizeof f.key);
	f.pt_len = unit_hex(l->field[2], f.pt, sizeof f.pt);
	f.tag_len = unit_hex(l->field[3], f.tag, sizeof f.tag);
	if (f.key_len != POLY1305_KEY_BYTES || f.tag_len != POLY1305_TAG_BYTES)
		return false;
	uint8_t tag[POLY1305_TAG_BYTES];
	poly1305(tag, f.pt, f.pt_len, f.key);
	return memcmp(tag, f.tag, sizeof tag) == 0;
}

// hchacha20 KEY NONCE16 SUBKEY
static bool hchacha20_vector(const struct unit_line *l)
{
	need(l, 4);
	f.key_len = unit_hex(l->field[1], f.key, sizeof f.key);
	f.nonce_len = unit_hex(l->field[2], f.nonce, sizeof f.nonce);
	f.ct_len = unit_hex(l->field[3], f.ct, sizeof f.ct);
	if (f.key_len != 32 || f.nonce_len != HCHACHA_NONCE_BYTES || f.ct_len != 32)
		return false;
	uint8_t out[32];
	hchacha20(out, f.key, f.nonce);
	return memcmp(out, f.ct, sizeof out) == 0;
}

// Seals pt out of place and in place (tag right after the ciphertext, as
// jtunnel sends it), each must give ct and tag; opens both ways.
static bool aead_matches(const uint8_t key[32], const uint8_t nonce[12])
{
	static uint8_t out[MESSAGE_MAX], buf[MESSAGE_MAX + AEAD_TAG_BYTES];
	uint8_t tag[AEAD_TAG_BYTES];
	if (f.pt_len != f.ct_len || f.tag_len != AEAD_TAG_BYTES)
		return false;
	aead_seal(out, tag, f.pt, f.pt_len, f.ad, f.ad_len, nonce, key);
	bool ok = memcmp(out, f.ct, f.ct_len) == 0 && memcmp(tag, f.tag, AEAD_TAG_BYTES) == 0;
	memcpy(buf, f.pt, f.pt_len);
	aead_seal(buf, buf + f.pt_len, buf, f.pt_len, f.ad, f.ad_len, nonce, key);
	ok = ok && memcmp(buf, f.ct, f.ct_len) == 0 && memcmp(buf + f.ct_len, f.tag, AEAD_TAG_BYTES) == 0;
	memset(out, 0, f.ct_len);
	ok = ok && aead_open(out, f.ct, f.ct_len, f.tag, f.ad, f.ad_len, nonce, key);
	ok = ok && memcmp(out, f.pt, f.pt_len) == 0;
	ok = ok && aead_open(buf, buf, f.ct_len, buf + f.ct_len, f.ad, f.ad_len, nonce, key);
	ok = ok && memcmp(buf, f.pt, f.pt_len) == 0;
	return ok;
}

// Open must refuse ct and tag, and leave out as it was.
static bool aead_refuses(const uint8_t key[32], const uint8_t nonce[12])
{
	static uint8_t out[MESSAGE_MAX];
	if (f.tag_len != AEAD_TAG_BYTES) // a tag of another size cannot even be given
		return true;
	memset(out, 0x5a, f.ct_len);
	if (aead_open(out, f.ct, f.ct_len, f.tag, f.ad, f.ad_len, nonce, key))
		return false;
	for (size_t i = 0; i < f.ct_len; i++)
		if (out[i] != 0x5a)
			return false;
	return true;
}

// kind KEY NONCE AD PLAINTEXT CIPHERTEXT TAG
static bool aead_vector(const struct unit_line *l, int first, bool extended)
{
	need(l, first + 6);
	f.key_len = unit_hex(l->field[first], f.key, sizeof f.key);
	f.nonce_len = unit_hex(l->field[first + 1], f.nonce, sizeof f.nonce);
	f.ad_len = unit_hex(l->field[first + 2], f.ad, sizeof f.ad);
	f.pt_len = unit_hex(l->field[first + 3], f.pt, sizeof f.pt);
	f.ct_len = unit_hex(l->field[first + 4], f.ct, sizeof f.ct);
	f.tag_len = unit_hex(l->field[first + 5], f.tag, sizeof f.tag);
	if (f.key_len != 32 || f.nonce_len != (extended ? 24u : 12u))
		return false;
	uint8_t key[32], nonce[12];
	if (extended)
		xchacha_key(key, nonce, f.key, f.nonce);
	else
		memcpy(key, f.key, 32), memcpy(nonce, f.nonce, 12);
	return aead_matches(key, nonce);
}

// (x)wycheproof valid|invalid KEY IV AD MESSAGE CIPHERTEXT TAG.  An IV of
// another size than the API's nonce cannot be passed at all: such invalid
// vectors are counted apart.
static void wycheproof_vector(const struct unit_line *l, bool extended)
{
	need(l, 8);
	const char *kind = l->field[0];
	char name[64];
	bool valid = strcmp(l->field[1], "valid") == 0;
	size_t nonce_bytes = extended ? (size_t)XCHACHA_NONCE_BYTES : (size_t)AEAD_NONCE_BYTES;
	if (valid) {
		snprintf(name, sizeof name, "%s valid", kind);
		unit_check(tally(name), aead_vector(l, 2, extended), l, "valid vector");
		return;
	}
	f.key_len = unit_hex(l->field[2], f.key, sizeof f.key);
	f.nonce_len = unit_hex(l->field[3], f.nonce, sizeof f.nonce);
	f.ad_len = unit_hex(l->field[4], f.ad, sizeof f.ad);
	f.ct_len = unit_hex(l->field[6], f.ct, sizeof f.ct);
	f.tag_len = unit_hex(l->field[7], f.tag, sizeof f.tag);
	if (f.nonce_len != nonce_bytes) {
		snprintf(name, sizeof name, "%s invalid nonce size", kind);
		unit_check(tally(name), true, l, "nonce size");
		return;
	}
	uint8_t key[32], nonce[12];
	if (extended)
		xchacha_key(key, nonce, f.key, f.nonce);
	else
		memcpy(key, f.key, 32), memcpy(nonce, f.nonce, 12);
	snprintf(name, sizeof name, "%s invalid", kind);
	unit_check(tally(name), f.key_len == 32 && aead_refuses(key, nonce), l, "invalid vector accepted");
}

static void vector(const struct unit_line *l)
{
	const char *kind = l->field[0];
	bool ok;
	if (strcmp(kind, "chacha20_block") == 0 || strcmp(kind, "chacha20_encrypt") == 0 ||
	    strcmp(kind, "poly1305_keygen") == 0)
		ok = stream_vector(l, false);
	else if (strcmp(kind, "xchacha20_encrypt") == 0)
		ok = stream_vector(l, true);
	else if (strcmp(kind, "poly1305") == 0 || strcmp(kind, "sweep_poly1305") == 0)
		ok = poly1305_vector(l);
	else if (strcmp(kind, "hchacha20") == 0)
		ok = hchacha20_vector(l);
	else if (strcmp(kind, "aead_chacha20_poly1305") == 0)
		ok = aead_vector(l, 1, false);
	else if (strcmp(kind, "aead_xchacha20_poly1305") == 0)
		ok = aead_vector(l, 1, true);
	else if (strcmp(kind, "sweep") == 0) {
		unit_check(tally("sweep (pyca/cryptography)"), aead_vector(l, 1, false), l, "sweep vector");
		return;
	} else if (strcmp(kind, "wycheproof") == 0 || strcmp(kind, "xwycheproof") == 0) {
		wycheproof_vector(l, kind[0] == 'x');
		return;
	} else {
		fprintf(stderr, "chachapoly_test: line %ld: unknown kind %s\n", l->number, kind);
		exit(2);
	}
	unit_check(tally(kind), ok, l, "vector");
}

// ---- checks of our own, over every length up to SWEEP_MAX.

// Deterministic bytes that differ with seed.
static void fill(uint8_t *p, size_t n, unsigned seed)
{
	uint32_t x = 2463534242u ^ seed * 2654435761u;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		p[i] = (uint8_t)(x >> 24);
	}
}

// chacha20_xor (the multi-block path where there is one) against the key
// stream of chacha20_block (always scalar), from several counters, the
// last ones wrapping modulo 2^32 within a group of blocks.
static void xor_equals_blocks(size_t len)
{
	static const uint32_t counters[] = {0, 1, 7, 0xfffffffdu};
	uint8_t key[32], nonce[12], in[SWEEP_MAX], out[SWEEP_MAX], block[CHACHA20_BLOCK_BYTES];
	fill(key, sizeof key, (unsigned)len);
	fill(nonce, sizeof nonce, (unsigned)len + 1);
	fill(in, len, (unsigned)len + 2);
	for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
		chacha20_xor(out, in, len, key, nonce, counters[c]);
		bool ok = true;
		for (size_t i = 0; i < len; i++) {
			if (i % CHACHA20_BLOCK_BYTES == 0)
				chacha20_block(block, key, nonce, counters[c] + (uint32_t)(i / CHACHA20_BLOCK_BYTES));
			ok = ok && out[i] == (in[i] ^ block[i % CHACHA20_BLOCK_BYTES]);
		}
		own_check("chacha20_xor = chacha20_block", ok, len, "key stream differs");
	}
}

// Poly1305 fed in pieces of every size from 1 to 17 bytes (through its
// buffer of a partial block), and in two pieces split at every place,
// against one shot; with bytes all 0xff too, the largest limbs and r there
// are.
static void poly1305_incremental(size_t len, bool all_ones)
{
	uint8_t key[POLY1305_KEY_BYTES], m[SWEEP_MAX], one[POLY1305_TAG_BYTES], tag[POLY1305_TAG_BYTES];
	fill(key, sizeof key, (unsigned)len + 3);
	fill(m, len, (unsigned)len + 4);
	if (all_ones) {
		memset(key, 0xff, sizeof key);
		memset(m, 0xff, len);
	}
	poly1305(one, m, len, key);
	bool ok = true;
	for (size_t piece = 1; piece <= 17; piece++) {
		struct poly1305_state st;
		poly1305_init(&st, key);
		for (size_t at = 0; at < len; at += piece)
			poly1305_update(&st, m + at, len - at < piece ? len - at : piece);
		poly1305_final(&st, tag);
		ok = ok && memcmp(tag, one, sizeof tag) == 0;
	}
	for (size_t split = 0; split <= len && len <= 200; split++) {
		struct poly1305_state st;
		poly1305_init(&st, key);
		poly1305_update(&st, m, split);
		poly1305_update(&st, m + split, len - split);
		poly1305_final(&st, tag);
		ok = ok && memcmp(tag, one, sizeof tag) == 0;
	}
	own_check("poly1305 incremental = one shot", ok, len, "tags differ");
}

// The AEAD built here from the RFC's pieces, one-shot Poly1305 over the
// whole MAC input, against aead_seal in place with the tag right after the
// ciphertext; aead_open in place gives the message back.
static void aead_in_place(size_t len)
{
	static uint8_t mac_data[64 + SWEEP_MAX + 64];
	uint8_t key[32], nonce[12], ad[40], pt[SWEEP_MAX], ct[SWEEP_MAX], buf[SWEEP_MAX + AEAD_TAG_BYTES];
	uint8_t block0[CHACHA20_BLOCK_BYTES], tag[AEAD_TAG_BYTES];
	size_t ad_len = len % sizeof ad;
	fill(key, sizeof key, (unsigned)len + 5);
	fill(nonce, sizeof nonce, (unsigned)len + 6);
	fill(ad, ad_len, (unsigned)len + 7);
	fill(pt, len, (unsigned)len + 8);

	chacha20_block(block0, key, nonce, 0);
	for (size_t i = 0; i < len; i++) {
		uint8_t block[CHACHA20_BLOCK_BYTES];
		if (i % CHACHA20_BLOCK_BYTES == 0)
			chacha20_block(block, key, nonce, 1 + (uint32_t)(i / CHACHA20_BLOCK_BYTES));
		ct[i] = pt[i] ^ block[i % CHACHA20_BLOCK_BYTES];
	}
	size_t n = 0;
	memset(mac_data, 0, sizeof mac_data);
	memcpy(mac_data, ad, ad_len);
	n += (ad_len + 15) / 16 * 16;
	memcpy(mac_data + n, ct, len);
	n += (len + 15) / 16 * 16;
	store64_le(mac_data + n, ad_len);
	store64_le(mac_data + n + 8, len);
	poly1305(tag, mac_data, n + 16, block0);

	memcpy(buf, pt, len);
	aead_seal(buf, buf + len, buf, len, ad, ad_len, nonce, key);
	bool ok = memcmp(buf, ct, len) == 0 && memcmp(buf + len, tag, sizeof tag) == 0;
	ok = ok && aead_open(buf, buf, len, buf + len, ad, ad_len, nonce, key) && memcmp(buf, pt, len) == 0;
	own_check("aead in place", ok, len, "seal or open in place");
}

// A sealed message with one bit changed, in the ciphertext, the tag or the
// ad, must be refused, and the buffer left as it was.
static void aead_refuses_changes(size_t len)
{
	uint8_t key[32], nonce[12], ad[16], buf[SWEEP_MAX + AEAD_TAG_BYTES], copy[SWEEP_MAX + AEAD_TAG_BYTES];
	fill(key, sizeof key, (unsigned)len + 9);
	fill(nonce, sizeof nonce, (unsigned)len + 10);
	fill(ad, sizeof ad, (unsigned)len + 11);
	fill(buf, len, (unsigned)len + 12);
	aead_seal(buf, buf + len, buf, len, ad, sizeof ad, nonce, key);
	size_t total = len + AEAD_TAG_BYTES;
	bool ok = true;
	// Every byte for short messages; for long ones, each end and a stride.
	for (size_t i = 0; i < total + sizeof ad; i += (len < 130 || i < 64 || i + 64 > total) ? 1 : 61) {
		uint8_t *p = i < total ? buf + i : ad + (i - total);
		uint8_t bit = (uint8_t)(1u << (i % 8));
		*p ^= bit;
		memcpy(copy, buf, total);
		ok = ok && !aead_open(buf, buf, len, buf + len, ad, sizeof ad, nonce, key);
		ok = ok && memcmp(copy, buf, total) == 0;
		*p ^= bit;
	}
	nonce[11] ^= 1;
	ok = ok && !aead_open(buf, buf, len, buf + len, ad, sizeof ad, nonce, key);
	nonce[11] ^= 1;
	ok = ok && aead_open(buf, buf, len, buf + len, ad, sizeof ad, nonce, key);
	own_check("aead changed byte refused", ok, len, "a changed message was accepted or out was written");
}

int main()
{
	struct unit_line l;
	memset(&l, 0, sizeof l);
	while (unit_next(&l))
		if (l.count > 0)
			vector(&l);
	for (size_t len = 0; len <= SWEEP_MAX; len++) {
		xor_equals_blocks(len);
		poly1305_incremental(len, false);
		poly1305_incremental(len, true);
		aead_in_place(len);
		aead_refuses_changes(len);
	}

	struct unit_tally total = {0, 0};
	for (int i = 0; i < KINDS; i++) {
		printf("  %s: %ld passed, %ld failed\n", kinds[i].name, kinds[i].tally.passed, kinds[i].tally.failed);
		total.passed += kinds[i].tally.passed;
		total.failed += kinds[i].tally.failed;
	}
	char name[160];
	snprintf(name, sizeof name, "chachapoly (ChaCha20: %s; Poly1305: %s)", chacha20_implementation(),
	    poly1305_implementation());
	return unit_summary(&total, name);
}
