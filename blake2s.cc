// SPDX-License-Identifier: ISC
// BLAKE2s (RFC 7693), and Noise's HMAC and HKDF over it.
#include "blake2s.h"

#include "secret.h"

// The initialization vector, the same as SHA-256's (RFC 7693 section 2.6).
static const uint32_t IV[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

// The message word schedule of each of the ten rounds (section 2.7).
enum { ROUNDS = 10 };
static const uint8_t SIGMA[ROUNDS][16] = {
	{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
	{14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
	{11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
	{7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
	{9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
	{2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
	{12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
	{13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
	{6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
	{10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

// The parameter block's first word: digest length, key length, fanout 1,
// depth 1 (section 2.5); the other words are zero for sequential hashing.
static const uint32_t PARAM_FANOUT_DEPTH = 0x01010000;
static const uint32_t FINAL_BLOCK = 0xffffffff;

static inline uint32_t rotr32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

// The mixing function G (section 3.1) on four words of v.
static inline void mix(uint32_t v[16], int a, int b, int c, int d, uint32_t x, uint32_t y)
{
	v[a] = v[a] + v[b] + x;
	v[d] = rotr32(v[d] ^ v[a], 16);
	v[c] = v[c] + v[d];
	v[b] = rotr32(v[b] ^ v[c], 12);
	v[a] = v[a] + v[b] + y;
	v[d] = rotr32(v[d] ^ v[a], 8);
	v[c] = v[c] + v[d];
	v[b] = rotr32(v[b] ^ v[c], 7);
}

// The compression function F (section 3.2) on one block, the counter
// already counting it.
static void compress(struct blake2s *s, const uint8_t block[BLAKE2S_BLOCK_BYTES], uint32_t final_flag)
{
	uint32_t m[16], v[16];
	for (int i = 0; i < 16; i++)
		m[i] = load32_le(block + 4 * i);
	for (int i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = IV[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	v[14] ^= final_flag;
	for (int r = 0; r < ROUNDS; r++) {
		const uint8_t *sigma = SIGMA[r];
		mix(v, 0, 4, 8, 12, m[sigma[0]], m[sigma[1]]);
		mix(v, 1, 5, 9, 13, m[sigma[2]], m[sigma[3]]);
		mix(v, 2, 6, 10, 14, m[sigma[4]], m[sigma[5]]);
		mix(v, 3, 7, 11, 15, m[sigma[6]], m[sigma[7]]);
		mix(v, 0, 5, 10, 15, m[sigma[8]], m[sigma[9]]);
		mix(v, 1, 6, 11, 12, m[sigma[10]], m[sigma[11]]);
		mix(v, 2, 7, 8, 13, m[sigma[12]], m[sigma[13]]);
		mix(v, 3, 4, 9, 14, m[sigma[14]], m[sigma[15]]);
	}
	for (int i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
	secret_wipe(m, sizeof m);
	secret_wipe(v, sizeof v);
}

// The 64-bit byte counter t, as two words.
static void count_bytes(struct blake2s *s, uint32_t n)
{
	s->t[0] += n;
	s->t[1] += s->t[0] < n;
}

void blake2s_init(struct blake2s *s, size_t out_len, const uint8_t *key, size_t key_len)
{
	memset(s, 0, sizeof *s);
	memcpy(s->h, IV, sizeof s->h);
	s->h[0] ^= PARAM_FANOUT_DEPTH ^ ((uint32_t)key_len << 8) ^ (uint32_t)out_len;
	s->out_len = out_len;
	if (key_len > 0) {
		// The key, padded with zeros, is the first block.
		uint8_t block[BLAKE2S_BLOCK_BYTES] = {0};
		memcpy(block, key, key_len);
		blake2s_update(s, block, sizeof block);
		secret_wipe(block, sizeof block);
	}
}

// The last block is compressed only in blake2s_final, with the final flag:
// a full buffer waits until more input shows that it is not the last.
void blake2s_update(struct blake2s *s, const uint8_t *in, size_t len)
{
	if (len == 0)
		return;
	size_t room = BLAKE2S_BLOCK_BYTES - s->buf_len;
	if (len > room) {
		memcpy(s->buf + s->buf_len, in, room);
		count_bytes(s, BLAKE2S_BLOCK_BYTES);
		compress(s, s->buf, 0);
		s->buf_len = 0;
		in += room;
		len -= room;
		for (; len > BLAKE2S_BLOCK_BYTES; in += BLAKE2S_BLOCK_BYTES, len -= BLAKE2S_BLOCK_BYTES) {
			count_bytes(s, BLAKE2S_BLOCK_BYTES);
			compress(s, in, 0);
		}
	}
	memcpy(s->buf + s->buf_len, in, len);
	s->buf_len += len;
}

void blake2s_final(struct blake2s *s, uint8_t *out)
{
	count_bytes(s, (uint32_t)s->buf_len);
	memset(s->buf + s->buf_len, 0, BLAKE2S_BLOCK_BYTES - s->buf_len);
	compress(s, s->buf, FINAL_BLOCK);
	uint8_t digest[BLAKE2S_HASH_BYTES];
	for (int i = 0; i < 8; i++)
		store32_le(digest + 4 * i, s->h[i]);
	memcpy(out, digest, s->out_len);
	secret_wipe(digest, sizeof digest);
	secret_wipe(s, sizeof *s);
}

// HMAC's inner and outer pads (RFC 2104 section 2).
static const uint8_t IPAD = 0x36, OPAD = 0x5c;

void hmac_blake2s(uint8_t out[BLAKE2S_HASH_BYTES], const uint8_t *key, size_t key_len,
    const uint8_t *in1, size_t in1_len, const uint8_t *in2, size_t in2_len)
{
	// A key longer than a block is replaced by its hash.
	uint8_t block_key[BLAKE2S_BLOCK_BYTES] = {0};
	struct blake2s s;
	if (key_len > BLAKE2S_BLOCK_BYTES) {
		blake2s_init(&s, BLAKE2S_HASH_BYTES, NULL, 0);
		blake2s_update(&s, key, key_len);
		blake2s_final(&s, block_key);
	} else {
		memcpy(block_key, key, key_len);
	}

	uint8_t pad[BLAKE2S_BLOCK_BYTES], inner[BLAKE2S_HASH_BYTES];
	for (int i = 0; i < BLAKE2S_BLOCK_BYTES; i++)
		pad[i] = block_key[i] ^ IPAD;
	blake2s_init(&s, BLAKE2S_HASH_BYTES, NULL, 0);
	blake2s_update(&s, pad, sizeof pad);
	blake2s_update(&s, in1, in1_len);
	blake2s_update(&s, in2, in2_len);
	blake2s_final(&s, inner);

	for (int i = 0; i < BLAKE2S_BLOCK_BYTES; i++)
		pad[i] = block_key[i] ^ OPAD;
	blake2s_init(&s, BLAKE2S_HASH_BYTES, NULL, 0);
	blake2s_update(&s, pad, sizeof pad);
	blake2s_update(&s, inner, sizeof inner);
	blake2s_final(&s, out);

	secret_wipe(block_key, sizeof block_key);
	secret_wipe(pad, sizeof pad);
	secret_wipe(inner, sizeof inner);
}

// Noise revision 34, section 4.3: each output is the HMAC, under the
// temporary key, of the previous output and the output's number.
void hkdf_blake2s(uint8_t out1[BLAKE2S_HASH_BYTES], uint8_t out2[BLAKE2S_HASH_BYTES],
    uint8_t out3[BLAKE2S_HASH_BYTES], const uint8_t chaining_key[BLAKE2S_HASH_BYTES],
    const uint8_t *ikm, size_t ikm_len)
{
	static const uint8_t one = 0x01, two = 0x02, three = 0x03;
	uint8_t temp_key[BLAKE2S_HASH_BYTES];
	hmac_blake2s(temp_key, chaining_key, BLAKE2S_HASH_BYTES, ikm, ikm_len, NULL, 0);
	hmac_blake2s(out1, temp_key, sizeof temp_key, &one, 1, NULL, 0);
	hmac_blake2s(out2, temp_key, sizeof temp_key, out1, BLAKE2S_HASH_BYTES, &two, 1);
	if (out3 != NULL)
		hmac_blake2s(out3, temp_key, sizeof temp_key, out2, BLAKE2S_HASH_BYTES, &three, 1);
	secret_wipe(temp_key, sizeof temp_key);
}
