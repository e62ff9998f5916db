// SPDX-License-Identifier: ISC
// Poly1305 (RFC 8439 section 2.5): the accumulator h becomes (h + block) * r
// modulo p = 2^130 - 5 for each 16-byte block, and the tag is h + s modulo
// 2^128.  Numbers are held in limbs (poly1305.h) small enough that each
// product of h and r sums without overflow; 2^130 = 5 modulo p folds the
// high part of a product back into the low limbs.  Nothing branches on, or
// indexes by, a secret.
#include "poly1305.h"
#include "secret.h"

// r's clamping (section 2.5.1), on its two little-endian 64-bit halves.
static const uint64_t clamp_low = 0x0ffffffc0fffffffULL, clamp_high = 0x0ffffffc0ffffffcULL;

#if POLY1305_64BIT
// h = h0 + h1 2^64 + h2 2^128, with h2 at most 4 between blocks (6 with a
// block added); r = r0 + r1 2^64.  Products in 128 bits.
__extension__ typedef unsigned __int128 u128;
// The 2^128 bit that full blocks get (section 2.5.1), in h2.
static const uint64_t block_bit = 1;

const char poly1305_implementation[] = "64-bit limbs";

static inline uint64_t high_half(u128 v)
{
	return (uint64_t)(v >> 64);
}

// Adds b to a, returns the carry.
static inline uint64_t add_carry(uint64_t *a, uint64_t b)
{
	return __builtin_add_overflow(*a, b, a);
}

static void poly1305_blocks(struct poly1305_state *st, const uint8_t *m, size_t len, uint64_t top_bit)
{
	const uint64_t r0 = st->r[0], r1 = st->r[1];
	// r1 is a multiple of 4 (the clamp), so a part h r1 at 2^128 is
	// (h r1 / 4) 2^130 = h (r1 / 4) 5 modulo p: h times r1_5_4.
	const uint64_t r1_5_4 = r1 + (r1 >> 2);
	uint64_t h0 = st->h[0], h1 = st->h[1], h2 = st->h[2];
	for (; len >= POLY1305_BLOCK_BYTES; len -= POLY1305_BLOCK_BYTES, m += POLY1305_BLOCK_BYTES) {
		uint64_t carry = add_carry(&h0, load64_le(m));
		uint64_t carry2 = add_carry(&h1, load64_le(m + 8));
		carry2 += add_carry(&h1, carry);
		h2 += carry2 + top_bit;

		// d0 + d1 2^64 + d2 2^128 = h r modulo p; each below 2^126.
		u128 d0 = (u128)h0 * r0 + (u128)h1 * r1_5_4;
		u128 d1 = (u128)h0 * r1 + (u128)h1 * r0 + (u128)(h2 * r1_5_4) + high_half(d0);
		uint64_t d2 = h2 * r0 + high_half(d1);

		// The bits of d2 from 2^130 up come back times 5.
		h0 = (uint64_t)d0;
		h1 = (uint64_t)d1;
		h2 = d2 & 3;
		carry = add_carry(&h0, (d2 & ~(uint64_t)3) + (d2 >> 2));
		carry = add_carry(&h1, carry);
		h2 += carry;
	}
	st->h[0] = h0, st->h[1] = h1, st->h[2] = h2;
}

void poly1305_init(struct poly1305_state *st, const uint8_t key[POLY1305_KEY_BYTES])
{
	st->r[0] = load64_le(key) & clamp_low;
	st->r[1] = load64_le(key + 8) & clamp_high;
	st->h[0] = st->h[1] = st->h[2] = 0;
	memcpy(st->s, key + 16, sizeof st->s);
	st->buffered = 0;
}

// h fully reduced modulo p, then h + s modulo 2^128.
static void poly1305_finish(struct poly1305_state *st, uint8_t tag[POLY1305_TAG_BYTES])
{
	uint64_t h0 = st->h[0], h1 = st->h[1], h2 = st->h[2];
	uint64_t carry = add_carry(&h0, (h2 >> 2) * 5);
	carry = add_carry(&h1, carry);
	h2 = (h2 & 3) + carry;
	// Now h < 2^130.  g = h + 5 is h - p + 2^130; it reaches 2^130
	// exactly when h >= p, and then its low 128 bits are those of h - p.
	uint64_t g0 = h0, g1 = h1;
	carry = add_carry(&g0, 5);
	carry = add_carry(&g1, carry);
	uint64_t take_g = (uint64_t)0 - ((h2 + carry) >> 2);
	h0 = (h0 & ~take_g) | (g0 & take_g);
	h1 = (h1 & ~take_g) | (g1 & take_g);

	carry = add_carry(&h0, load64_le(st->s));
	h1 += load64_le(st->s + 8) + carry;
	store64_le(tag, h0);
	store64_le(tag + 8, h1);
}

#else
// Limbs of 26 bits; products of two limbs in 64 bits.
static const uint32_t mask26 = ((uint32_t)1 << 26) - 1;
static const uint32_t block_bit = (uint32_t)1 << 24;

const char poly1305_implementation[] = "32-bit limbs of 26 bits";

static void split(uint32_t limb[5], uint32_t w0, uint32_t w1, uint32_t w2, uint32_t w3)
{
	limb[0] = w0 & mask26;
	limb[1] = (w0 >> 26 | w1 << 6) & mask26;
	limb[2] = (w1 >> 20 | w2 << 12) & mask26;
	limb[3] = (w2 >> 14 | w3 << 18) & mask26;
	limb[4] = w3 >> 8;
}

static inline uint64_t mul(uint32_t a, uint32_t b)
{
	return (uint64_t)a * b;
}

static void poly1305_blocks(struct poly1305_state *st, const uint8_t *m, size_t len, uint32_t top_bit)
{
	const uint32_t r0 = st->r[0], r1 = st->r[1], r2 = st->r[2], r3 = st->r[3], r4 = st->r[4];
	// The parts of a product at 2^130 and above come back times 5.
	const uint32_t r1_5 = r1 * 5, r2_5 = r2 * 5, r3_5 = r3 * 5, r4_5 = r4 * 5;
	uint32_t h0 = st->h[0], h1 = st->h[1], h2 = st->h[2], h3 = st->h[3], h4 = st->h[4];
	for (; len >= POLY1305_BLOCK_BYTES; len -= POLY1305_BLOCK_BYTES, m += POLY1305_BLOCK_BYTES) {
		uint32_t w0 = load32_le(m), w1 = load32_le(m + 4), w2 = load32_le(m + 8), w3 = load32_le(m + 12);
		h0 += w0 & mask26;
		h1 += (w0 >> 26 | w1 << 6) & mask26;
		h2 += (w1 >> 20 | w2 << 12) & mask26;
		h3 += (w2 >> 14 | w3 << 18) & mask26;
		h4 += w3 >> 8 | top_bit;

		uint64_t d0 = mul(h0, r0) + mul(h1, r4_5) + mul(h2, r3_5) + mul(h3, r2_5) + mul(h4, r1_5);
		uint64_t d1 = mul(h0, r1) + mul(h1, r0) + mul(h2, r4_5) + mul(h3, r3_5) + mul(h4, r2_5);
		uint64_t d2 = mul(h0, r2) + mul(h1, r1) + mul(h2, r0) + mul(h3, r4_5) + mul(h4, r3_5);
		uint64_t d3 = mul(h0, r3) + mul(h1, r2) + mul(h2, r1) + mul(h3, r0) + mul(h4, r4_5);
		uint64_t d4 = mul(h0, r4) + mul(h1, r3) + mul(h2, r2) + mul(h3, r1) + mul(h4, r0);

		h0 = (uint32_t)d0 & mask26;
		d1 += d0 >> 26;
		h1 = (uint32_t)d1 & mask26;
		d2 += d1 >> 26;
		h2 = (uint32_t)d2 & mask26;
		d3 += d2 >> 26;
		h3 = (uint32_t)d3 & mask26;
		d4 += d3 >> 26;
		h4 = (uint32_t)d4 & mask26;
		h0 += (uint32_t)(d4 >> 26) * 5;
		h1 += h0 >> 26;
		h0 &= mask26;
	}
	st->h[0] = h0, st->h[1] = h1, st->h[2] = h2, st->h[3] = h3, st->h[4] = h4;
}

void poly1305_init(struct poly1305_state *st, const uint8_t key[POLY1305_KEY_BYTES])
{
	uint64_t low = load64_le(key) & clamp_low, high = load64_le(key + 8) & clamp_high;
	split(st->r, (uint32_t)low, (uint32_t)(low >> 32), (uint32_t)high, (uint32_t)(high >> 32));
	for (int i = 0; i < POLY1305_H_LIMBS; i++)
		st->h[i] = 0;
	memcpy(st->s, key + 16, sizeof st->s);
	st->buffered = 0;
}

static void poly1305_finish(struct poly1305_state *st, uint8_t tag[POLY1305_TAG_BYTES])
{
	uint32_t h[5], g[5];
	for (int i = 0; i < 5; i++)
		h[i] = st->h[i];
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 1; i < 5; i++)
			h[i] += h[i - 1] >> 26, h[i - 1] &= mask26;
		h[0] += (h[4] >> 26) * 5, h[4] &= mask26;
	}
	h[1] += h[0] >> 26, h[0] &= mask26;
	// As in the 64-bit path: g = h - p, negative exactly when h < p.
	g[0] = h[0] + 5;
	for (int i = 1; i < 5; i++)
		g[i] = h[i] + (g[i - 1] >> 26), g[i - 1] &= mask26;
	g[4] -= (uint32_t)1 << 26;
	uint32_t keep_h = (uint32_t)0 - (g[4] >> 31);
	for (int i = 0; i < 5; i++)
		h[i] = (h[i] & keep_h) | (g[i] & ~keep_h);

	uint32_t word[4] = {h[0] | h[1] << 26, h[1] >> 6 | h[2] << 20, h[2] >> 12 | h[3] << 14, h[3] >> 18 | h[4] << 8};
	uint64_t sum = 0;
	for (int i = 0; i < 4; i++) {
		sum += (uint64_t)word[i] + load32_le(st->s + 4 * i);
		store32_le(tag + 4 * i, (uint32_t)sum);
		sum >>= 32;
	}
	secret_wipe(h, sizeof h);
	secret_wipe(g, sizeof g);
	secret_wipe(word, sizeof word);
}
#endif

void poly1305_update(struct poly1305_state *st, const uint8_t *m, size_t len)
{
	if (len == 0)
		return;
	if (st->buffered > 0) {
		size_t n = POLY1305_BLOCK_BYTES - st->buffered;
		if (n > len)
			n = len;
		memcpy(st->buffer + st->buffered, m, n);
		st->buffered += n;
		m += n;
		len -= n;
		if (st->buffered < POLY1305_BLOCK_BYTES)
			return;
		poly1305_blocks(st, st->buffer, POLY1305_BLOCK_BYTES, block_bit);
		st->buffered = 0;
	}
	size_t whole = len - len % POLY1305_BLOCK_BYTES;
	poly1305_blocks(st, m, whole, block_bit);
	memcpy(st->buffer, m + whole, len - whole);
	st->buffered = len - whole;
}

void poly1305_final(struct poly1305_state *st, uint8_t tag[POLY1305_TAG_BYTES])
{
	// A last partial block gets a 1 byte after it, and no 2^128 bit.
	if (st->buffered > 0) {
		st->buffer[st->buffered] = 1;
		memset(st->buffer + st->buffered + 1, 0, POLY1305_BLOCK_BYTES - st->buffered - 1);
		poly1305_blocks(st, st->buffer, POLY1305_BLOCK_BYTES, 0);
	}
	poly1305_finish(st, tag);
	secret_wipe(st, sizeof *st);
}

void poly1305(uint8_t tag[POLY1305_TAG_BYTES], const uint8_t *m, size_t len, const uint8_t key[POLY1305_KEY_BYTES])
{
	struct poly1305_state st;
	poly1305_init(&st, key);
	poly1305_update(&st, m, len);
	poly1305_final(&st, tag);
}
