// SPDX-License-Identifier: ISC
// Unit tests for blake2s.cc: BLAKE2s on the RFC's and the BLAKE2 authors'
// vectors and on hashlib's for every digest length, HMAC-BLAKE2s and
// Noise's HKDF on Python's hmac, fed by t/vectors_blake2s.py (see there
// for the lines).  Each hash is also computed in pieces: split at every
// point, byte by byte, and in chunks around the block size, since the
// last block must be compressed with the final flag however it arrived.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../blake2s.h"
#include "unit.h"

enum { INPUT_MAX = 4096, SPLIT_EVERYWHERE_MAX = 300 };

static struct unit_tally tally;

static size_t field(const struct unit_line *l, int i, uint8_t *out, size_t max)
{
	if (i >= l->count) {
		fprintf(stderr, "line %ld: field %d missing\n", l->number, i);
		exit(2);
	}
	return unit_hex(l->field[i], out, max);
}

static bool state_wiped(const struct blake2s *s)
{
	const uint8_t *p = (const uint8_t *)s;
	uint8_t any = 0;
	for (size_t i = 0; i < sizeof *s; i++)
		any |= p[i];
	return any == 0;
}

// The hash of in given to update in pieces: the first at split, then the
// rest in chunks of chunk bytes.
static void hash_pieces(uint8_t *out, size_t out_len, const uint8_t *key, size_t key_len,
    const uint8_t *in, size_t len, size_t split, size_t chunk)
{
	struct blake2s s;
	blake2s_init(&s, out_len, key, key_len);
	blake2s_update(&s, in, split);
	for (size_t at = split; at < len; at += chunk)
		blake2s_update(&s, in + at, len - at < chunk ? len - at : chunk);
	blake2s_final(&s, out);
}

static void check_blake2s(const struct unit_line *l)
{
	static uint8_t in[INPUT_MAX];
	uint8_t key[BLAKE2S_KEY_MAX], expected[BLAKE2S_HASH_BYTES], out[BLAKE2S_HASH_BYTES + 1];
	size_t len = field(l, 1, in, sizeof in);
	size_t key_len = field(l, 2, key, sizeof key);
	size_t out_len = field(l, 3, expected, sizeof expected);
	if (out_len == 0) {
		fprintf(stderr, "line %ld: empty digest\n", l->number);
		exit(2);
	}

	struct blake2s s;
	memset(out, 0xa5, sizeof out);
	blake2s_init(&s, out_len, key, key_len);
	blake2s_update(&s, in, len);
	blake2s_final(&s, out);
	unit_check(&tally, memcmp(out, expected, out_len) == 0, l, "digest differs");
	unit_check(&tally, out[out_len] == 0xa5, l, "wrote past out_len bytes");
	unit_check(&tally, state_wiped(&s), l, "blake2s_final left the state unwiped");

	hash_pieces(out, out_len, key, key_len, in, len, 0, 1);
	unit_check(&tally, memcmp(out, expected, out_len) == 0, l, "digest differs byte by byte");

	static const size_t chunks[] = {3, 63, 64, 65, 128};
	bool chunks_agree = true;
	for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		hash_pieces(out, out_len, key, key_len, in, len, 0, chunks[c]);
		chunks_agree &= memcmp(out, expected, out_len) == 0;
	}
	unit_check(&tally, chunks_agree, l, "digest differs in chunks of 3, 63, 64, 65 or 128 bytes");

	// Two pieces, split at every point (at some for long inputs).
	static const size_t some_splits[] = {0, 1, 63, 64, 65, 127, 128, 129, 500};
	bool splits_agree = true;
	if (len <= SPLIT_EVERYWHERE_MAX) {
		for (size_t split = 0; split <= len; split++) {
			hash_pieces(out, out_len, key, key_len, in, len, split, len + 1);
			splits_agree &= memcmp(out, expected, out_len) == 0;
		}
	} else {
		for (size_t i = 0; i < sizeof some_splits / sizeof some_splits[0]; i++) {
			hash_pieces(out, out_len, key, key_len, in, len, some_splits[i], len + 1);
			splits_agree &= memcmp(out, expected, out_len) == 0;
		}
		hash_pieces(out, out_len, key, key_len, in, len, len - 1, len + 1);
		splits_agree &= memcmp(out, expected, out_len) == 0;
	}
	unit_check(&tally, splits_agree, l, "digest differs split in two");
}

static void check_hmac(const struct unit_line *l)
{
	static uint8_t key[INPUT_MAX], in1[INPUT_MAX], in2[INPUT_MAX];
	uint8_t expected[BLAKE2S_HASH_BYTES], out[BLAKE2S_HASH_BYTES];
	size_t key_len = field(l, 1, key, sizeof key);
	size_t len1 = field(l, 2, in1, sizeof in1);
	size_t len2 = field(l, 3, in2, sizeof in2);
	if (field(l, 4, expected, sizeof expected) != BLAKE2S_HASH_BYTES) {
		fprintf(stderr, "line %ld: HMAC not 32 bytes\n", l->number);
		exit(2);
	}
	hmac_blake2s(out, key, key_len, in1, len1, len2 ? in2 : NULL, len2);
	unit_check(&tally, memcmp(out, expected, sizeof out) == 0, l, "HMAC differs");

	// Out may be the same buffer as the key (Noise's HKDF overwrites its
	// chaining key) or as in1.
	if (key_len >= BLAKE2S_HASH_BYTES) {
		uint8_t same[INPUT_MAX];
		memcpy(same, key, key_len);
		hmac_blake2s(same, same, key_len, in1, len1, in2, len2);
		unit_check(&tally, memcmp(same, expected, sizeof expected) == 0, l,
			   "HMAC differs with out the same buffer as the key");
	}
	if (len1 >= BLAKE2S_HASH_BYTES) {
		uint8_t same[INPUT_MAX];
		memcpy(same, in1, len1);
		hmac_blake2s(same, key, key_len, same, len1, in2, len2);
		unit_check(&tally, memcmp(same, expected, sizeof expected) == 0, l,
			   "HMAC differs with out the same buffer as in1");
	}
}

static void check_hkdf(const struct unit_line *l)
{
	uint8_t ck[BLAKE2S_HASH_BYTES], ikm[BLAKE2S_HASH_BYTES], expected[3][BLAKE2S_HASH_BYTES];
	if (field(l, 1, ck, sizeof ck) != sizeof ck) {
		fprintf(stderr, "line %ld: chaining key not 32 bytes\n", l->number);
		exit(2);
	}
	size_t ikm_len = field(l, 2, ikm, sizeof ikm);
	for (int i = 0; i < 3; i++)
		if (field(l, 3 + i, expected[i], sizeof expected[i]) != BLAKE2S_HASH_BYTES) {
			fprintf(stderr, "line %ld: output not 32 bytes\n", l->number);
			exit(2);
		}

	uint8_t out[3][BLAKE2S_HASH_BYTES];
	hkdf_blake2s(out[0], out[1], out[2], ck, ikm, ikm_len);
	unit_check(&tally, memcmp(out, expected, sizeof out) == 0, l, "three outputs differ");

	memset(out, 0xa5, sizeof out);
	hkdf_blake2s(out[0], out[1], NULL, ck, ikm, ikm_len);
	unit_check(&tally, memcmp(out, expected, 2 * BLAKE2S_HASH_BYTES) == 0, l, "two outputs differ");

	// As Noise's MixKey calls it: ck, k = HKDF(ck, ikm).
	uint8_t chaining[BLAKE2S_HASH_BYTES];
	memcpy(chaining, ck, sizeof chaining);
	hkdf_blake2s(chaining, out[1], NULL, chaining, ikm, ikm_len);
	unit_check(&tally, memcmp(chaining, expected[0], sizeof chaining) == 0 &&
		   memcmp(out[1], expected[1], BLAKE2S_HASH_BYTES) == 0, l,
		   "outputs differ with out1 the same buffer as the chaining key");
}

int main(void)
{
	long kats = 0, hashlib = 0, hmacs = 0, hkdfs = 0;
	struct unit_line l;
	memset(&l, 0, sizeof l);
	while (unit_next(&l)) {
		if (l.count == 0)
			continue;
		const char *kind = l.field[0];
		if (strcmp(kind, "blake2s") == 0 && l.count == 4) {
			check_blake2s(&l);
			kats++;
		} else if (strcmp(kind, "blake2s-hashlib") == 0 && l.count == 4) {
			check_blake2s(&l);
			hashlib++;
		} else if (strcmp(kind, "hmac") == 0 && l.count == 5) {
			check_hmac(&l);
			hmacs++;
		} else if (strcmp(kind, "hkdf") == 0 && l.count == 6) {
			check_hkdf(&l);
			hkdfs++;
		} else {
			fprintf(stderr, "line %ld: unknown vector %s with %d fields\n", l.number, kind, l.count);
			exit(2);
		}
	}
	printf("blake2s: %ld vectors of the file, %ld hashes by hashlib, %ld HMACs, %ld HKDFs\n", kats,
	       hashlib, hmacs, hkdfs);
	return unit_summary(&tally, "blake2s");
}
