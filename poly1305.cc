// SPDX-License-Identifier: ISC
// Poly1305 (RFC 8439 section 2.5): the accumulator h becomes (h + block) * r
// modulo p = 2^130 - 5 for each 16-byte block, and the tag is h + s modulo
// 2^128.  Numbers are held in limbs (poly1305.h) small enough that each
// product of h and r sums without overflow; 2^130 = 5 modulo p folds the
// high part of a product back into the low limbs.  Nothing branches on, or
// indexes by, a secret.
#include "poly1305.h"
#include "secret.h"

// On x86-64, long runs of blocks in AVX2 where the CPU has it (chosen at
// run time, whatever the build targets).  -DPOLY1305_SCALAR keeps to the
// 64-bit limbs (for tests).
#if POLY1305_64BIT && defined(__x86_64__) && !defined(POLY1305_SCALAR)
#define POLY1305_AVX2 1
#include <immintrin.h>
#include "cpu_x86.h"
#endif

// r's clamping (section 2.5.1), on its two little-endian 64-bit halves.
static const uint64_t clamp_low = 0x0ffffffc0fffffffULL, clamp_high = 0x0ffffffc0ffffffcULL;

#if POLY1305_64BIT
// h = h0 + h1 2^64 + h2 2^128, with h2 at most 4 between blocks (6 with a
// block added); r = r0 + r1 2^64.  Products in 128 bits.
__extension__ typedef unsigned __int128 u128;
// The 2^128 bit that full blocks get (section 2.5.1), in h2.
static const uint64_t block_bit = 1;

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

#if POLY1305_AVX2
// Four blocks at a time, one per lane of AVX2 vectors, in limbs of 26 bits
// whose products (vpmuludq, 32x32->64 bits) sum in a lane's 64 bits.  The
// result for blocks m1..mn, n a multiple of 4, is h r^n + m1 r^n + ... +
// mn r: lane j takes the blocks m(4g+j+1), g = 0, 1, ..., as h = h r^4 + m
// (lane 0 starting from h, the others from 0), and at the end the lanes
// are multiplied by r^4, r^3, r^2 and r and summed.
typedef uint64_t v4q __attribute__((vector_size(32)));
static const uint64_t mask26 = ((uint64_t)1 << 26) - 1;
// Runs shorter than POLY1305_VECTOR_MIN_BLOCKS stay scalar: the powers of
// r and the lanes' sum cost about what the vectors would save on them.
enum {
	POLY1305_VECTOR_BLOCKS = 4,
	POLY1305_VECTOR_BYTES = POLY1305_VECTOR_BLOCKS * POLY1305_BLOCK_BYTES,
	POLY1305_VECTOR_MIN_BLOCKS = 32
};
static_assert(POLY1305_VECTOR_MIN_BLOCKS >= POLY1305_VECTOR_BLOCKS, "the vector loop takes a group at least");

#define MUL32(a, b) ((v4q)_mm256_mul_epu32((__m256i)(a), (__m256i)(b)))

// h = h r modulo p in each lane, h's limbs below 2^28 and r's below 2^27,
// s = 5 r (for the parts at 2^130 and up, which come back times 5): each
// d is a sum of five products below 2^58.  Carried back to limbs of 26
// bits, the second and the last of which may hold a few bits more.
__attribute__((target("avx2"), always_inline)) static inline void v4_mul(v4q h[5], const v4q r[5], const v4q s[5])
{
	v4q d0 = MUL32(h[0], r[0]) + MUL32(h[1], s[4]) + MUL32(h[2], s[3]) + MUL32(h[3], s[2]) + MUL32(h[4], s[1]);
	v4q d1 = MUL32(h[0], r[1]) + MUL32(h[1], r[0]) + MUL32(h[2], s[4]) + MUL32(h[3], s[3]) + MUL32(h[4], s[2]);
	v4q d2 = MUL32(h[0], r[2]) + MUL32(h[1], r[1]) + MUL32(h[2], r[0]) + MUL32(h[3], s[4]) + MUL32(h[4], s[3]);
	v4q d3 = MUL32(h[0], r[3]) + MUL32(h[1], r[2]) + MUL32(h[2], r[1]) + MUL32(h[3], r[0]) + MUL32(h[4], s[4]);
	v4q d4 = MUL32(h[0], r[4]) + MUL32(h[1], r[3]) + MUL32(h[2], r[2]) + MUL32(h[3], r[1]) + MUL32(h[4], r[0]);
	// Two chains of carries side by side, d0 to d3 and d3 to d1 (by way
	// of the fold), for less latency than one chain around.
	d1 += d0 >> 26, d0 &= mask26;
	d4 += d3 >> 26, d3 &= mask26;
	d2 += d1 >> 26, d1 &= mask26;
	d0 += (d4 >> 26) * 5, d4 &= mask26;
	d3 += d2 >> 26, d2 &= mask26;
	d1 += d0 >> 26, d0 &= mask26;
	d4 += d3 >> 26, d3 &= mask26;
	h[0] = d0, h[1] = d1, h[2] = d2, h[3] = d3, h[4] = d4;
}

// The same, not inlined: for the powers of r and the last step, where a
// call costs little and saves a copy of the code.
__attribute__((target("avx2"), noinline)) static void v4_mul_call(v4q h[5], const v4q r[5], const v4q s[5])
{
	v4_mul(h, r, s);
}

// Four blocks into the lanes of h, each with its 2^128 bit.  (Little-endian
// lanes: x86 only.)
__attribute__((target("avx2"), always_inline)) static inline void v4_add_blocks(v4q h[5], const uint8_t *m)
{
	v4q a, b;
	memcpy(&a, m, sizeof a);
	memcpy(&b, m + sizeof a, sizeof b);
	v4q low = __builtin_shufflevector(a, b, 0, 2, 4, 6), high = __builtin_shufflevector(a, b, 1, 3, 5, 7);
	h[0] += low & mask26;
	h[1] += low >> 26 & mask26;
	h[2] += (low >> 52 | high << 12) & mask26;
	h[3] += high >> 14 & mask26;
	h[4] += high >> 40 | (uint64_t)1 << 24;
}

// n = n0 + n1 2^64 + n2 2^128 (n2 below 8) in limbs of 26 bits, the last
// below 2^27.
static void limbs26(uint64_t limb[5], uint64_t n0, uint64_t n1, uint64_t n2)
{
	limb[0] = n0 & mask26;
	limb[1] = n0 >> 26 & mask26;
	limb[2] = (n0 >> 52 | n1 << 12) & mask26;
	limb[3] = n1 >> 14 & mask26;
	limb[4] = n1 >> 40 | n2 << 24;
}

// len bytes of m, a multiple of 64, at least POLY1305_VECTOR_MIN_BLOCKS
// blocks.
__attribute__((target("avx2"))) static void poly1305_blocks_avx2(struct poly1305_state *st, const uint8_t *m, size_t len)
{
	// Everything derived from the key, in one place to wipe at the end.
	struct {
		uint64_t r[5], h[5];
		v4q r1[5], s1[5], powers[5], s_powers[5], factors[5], s_factors[5], r4[5], s4[5], acc[5];
	} w;
	limbs26(w.r, st->r[0], st->r[1], 0);
	limbs26(w.h, st->h[0], st->h[1], st->h[2]);
	// The powers: r^2 in every lane; times [r^2, r, r, 1] that is
	// [r^4, r^3, r^2, r]; r^4 in every lane.
	for (int i = 0; i < 5; i++) {
		w.r1[i] = (v4q){w.r[i], w.r[i], w.r[i], w.r[i]};
		w.s1[i] = w.r1[i] * 5;
		w.powers[i] = w.r1[i];
	}
	v4_mul_call(w.powers, w.r1, w.s1);
	for (int i = 0; i < 5; i++) {
		uint64_t one = i == 0;
		v4q r2_r_r = __builtin_shufflevector(w.powers[i], w.r1[i], 0, 5, 6, 7);
		w.factors[i] = __builtin_shufflevector(r2_r_r, (v4q){one, one, one, one}, 0, 1, 2, 7);
		w.s_factors[i] = w.factors[i] * 5;
		w.powers[i] = __builtin_shufflevector(w.powers[i], w.r1[i], 0, 1, 6, 7);
	}
	v4_mul_call(w.powers, w.factors, w.s_factors);
	for (int i = 0; i < 5; i++) {
		w.r4[i] = __builtin_shufflevector(w.powers[i], w.powers[i], 0, 0, 0, 0);
		w.s4[i] = w.r4[i] * 5;
		w.s_powers[i] = w.powers[i] * 5;
		w.acc[i] = (v4q){w.h[i], 0, 0, 0};
	}
	for (;;) {
		v4_add_blocks(w.acc, m);
		m += POLY1305_VECTOR_BYTES;
		len -= POLY1305_VECTOR_BYTES;
		if (len == 0)
			break;
		v4_mul(w.acc, w.r4, w.s4);
	}
	v4_mul_call(w.acc, w.powers, w.s_powers);

	// The lanes' sum, carried to limbs of 26 bits, then 64.
	uint64_t *h = w.h;
	for (int i = 0; i < 5; i++)
		h[i] = w.acc[i][0] + w.acc[i][1] + w.acc[i][2] + w.acc[i][3];
	for (int i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 26;
		h[i] &= mask26;
	}
	h[0] += (h[4] >> 26) * 5;
	h[4] &= mask26;
	h[1] += h[0] >> 26;
	h[0] &= mask26;
	u128 v = (u128)h[0] + ((u128)h[1] << 26) + ((u128)h[2] << 52);
	st->h[0] = (uint64_t)v;
	v = (v >> 64) + ((u128)h[3] << 14) + ((u128)h[4] << 40);
	st->h[1] = (uint64_t)v;
	st->h[2] = high_half(v);
	secret_wipe(&w, sizeof w);
}
#endif

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

// The whole blocks at m, with the 2^128 bit: a long enough run four at a
// time in AVX2 where the CPU has it, the rest one by one.
static void poly1305_whole_blocks(struct poly1305_state *st, const uint8_t *m, size_t len)
{
#if POLY1305_AVX2
	if (len >= POLY1305_VECTOR_MIN_BLOCKS * POLY1305_BLOCK_BYTES && cpu_vectors() >= CPU_AVX2) {
		size_t vector = len - len % POLY1305_VECTOR_BYTES;
		poly1305_blocks_avx2(st, m, vector);
		m += vector;
		len -= vector;
	}
#endif
	poly1305_blocks(st, m, len, block_bit);
}

const char *poly1305_implementation(void)
{
#if POLY1305_AVX2
	if (cpu_vectors() >= CPU_AVX2)
		return "64-bit limbs, runs of 32 blocks and more in AVX2 vectors of 4";
#endif
	return POLY1305_64BIT ? "64-bit limbs" : "32-bit limbs of 26 bits";
}

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
	poly1305_whole_blocks(st, m, whole);
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
