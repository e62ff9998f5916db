// SPDX-License-Identifier: ISC
// X25519 (RFC 7748): the Montgomery ladder over GF(2^255 - 19).
//
// The field arithmetic has two forms, one chosen at build time: five
// 51-bit limbs with 128-bit products where the compiler has a 128-bit
// type, and ten limbs of 26 and 25 bits with 32x32->64-bit products
// elsewhere (-DX25519_32BIT forces it, so that it is tested on any host).
// Both keep every operation free of branches and table indexes that
// depend on a secret.
#include "x25519.h"

#include "secret.h"

#if defined(__SIZEOF_INT128__) && !defined(X25519_32BIT)

// An element is h[0] + h[1] 2^51 + h[2] 2^102 + h[3] 2^153 + h[4] 2^204.
// "Carried" limbs are below 2^51 + 2^13; sums and differences of carried
// elements stay below 2^53, so that a column of products fits 128 bits and
// what carries out of the top one, times 19, fits 64.
enum { FE_LIMBS = 5 };
typedef uint64_t limb;
typedef unsigned __int128 limb2;
static const uint64_t LOW51 = ((uint64_t)1 << 51) - 1;

struct fe {
	limb v[FE_LIMBS];
};

// Bits 0..254 of s: the top bit is dropped, as RFC 7748 decodes u.
static void fe_from_bytes(struct fe *h, const uint8_t s[X25519_BYTES])
{
	h->v[0] = load64_le(s) & LOW51;
	h->v[1] = (load64_le(s + 6) >> 3) & LOW51;
	h->v[2] = (load64_le(s + 12) >> 6) & LOW51;
	h->v[3] = (load64_le(s + 19) >> 1) & LOW51;
	h->v[4] = (load64_le(s + 24) >> 12) & LOW51;
}

// Limbs below 2^64 to carried limbs (2^255 = 19 mod p).
static void fe_carry(struct fe *h)
{
	limb c;
	c = h->v[0] >> 51; h->v[0] &= LOW51; h->v[1] += c;
	c = h->v[1] >> 51; h->v[1] &= LOW51; h->v[2] += c;
	c = h->v[2] >> 51; h->v[2] &= LOW51; h->v[3] += c;
	c = h->v[3] >> 51; h->v[3] &= LOW51; h->v[4] += c;
	c = h->v[4] >> 51; h->v[4] &= LOW51; h->v[0] += 19 * c;
}

// The canonical encoding: the value reduced below p, little-endian.
static void fe_to_bytes(uint8_t s[X25519_BYTES], const struct fe *f)
{
	struct fe h = *f;
	fe_carry(&h);
	fe_carry(&h);
	// Now h < 2^255 + 2^13 < 2p, so h >= p exactly when h + 19 >= 2^255.
	limb q = (h.v[0] + 19) >> 51;
	q = (h.v[1] + q) >> 51;
	q = (h.v[2] + q) >> 51;
	q = (h.v[3] + q) >> 51;
	q = (h.v[4] + q) >> 51;
	// Subtract q p: add 19 q and drop bit 255.
	h.v[0] += 19 * q;
	h.v[1] += h.v[0] >> 51; h.v[0] &= LOW51;
	h.v[2] += h.v[1] >> 51; h.v[1] &= LOW51;
	h.v[3] += h.v[2] >> 51; h.v[2] &= LOW51;
	h.v[4] += h.v[3] >> 51; h.v[3] &= LOW51;
	h.v[4] &= LOW51;
	store64_le(s, h.v[0] | h.v[1] << 51);
	store64_le(s + 8, h.v[1] >> 13 | h.v[2] << 38);
	store64_le(s + 16, h.v[2] >> 26 | h.v[3] << 25);
	store64_le(s + 24, h.v[3] >> 39 | h.v[4] << 12);
	secret_wipe(&h, sizeof h);
}

static void fe_add(struct fe *h, const struct fe *f, const struct fe *g)
{
	h->v[0] = f->v[0] + g->v[0];
	h->v[1] = f->v[1] + g->v[1];
	h->v[2] = f->v[2] + g->v[2];
	h->v[3] = f->v[3] + g->v[3];
	h->v[4] = f->v[4] + g->v[4];
}

// f - g for carried g: 2p is added limb by limb so that nothing goes
// below zero.
static const limb TWO_P0 = 2 * (((limb)1 << 51) - 19);
static const limb TWO_P = 2 * (((limb)1 << 51) - 1);

static void fe_sub(struct fe *h, const struct fe *f, const struct fe *g)
{
	h->v[0] = f->v[0] + TWO_P0 - g->v[0];
	h->v[1] = f->v[1] + TWO_P - g->v[1];
	h->v[2] = f->v[2] + TWO_P - g->v[2];
	h->v[3] = f->v[3] + TWO_P - g->v[3];
	h->v[4] = f->v[4] + TWO_P - g->v[4];
}

// Column sums of products (of limbs below 2^53) to carried limbs.
static inline void fe_reduce_wide(struct fe *h, limb2 r0, limb2 r1, limb2 r2, limb2 r3, limb2 r4)
{
	r1 += (limb)(r0 >> 51);
	r2 += (limb)(r1 >> 51);
	r3 += (limb)(r2 >> 51);
	r4 += (limb)(r3 >> 51);
	limb top = (limb)(r4 >> 51);
	limb h0 = ((limb)r0 & LOW51) + 19 * top;
	h->v[0] = h0 & LOW51;
	h->v[1] = ((limb)r1 & LOW51) + (h0 >> 51);
	h->v[2] = (limb)r2 & LOW51;
	h->v[3] = (limb)r3 & LOW51;
	h->v[4] = (limb)r4 & LOW51;
}

// Columns that pass 2^255 come back multiplied by 19.
static void fe_mul(struct fe *h, const struct fe *f, const struct fe *g)
{
	limb f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	limb g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	limb g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4;
	limb2 r0 = (limb2)f0 * g0 + (limb2)f1 * g4_19 + (limb2)f2 * g3_19 + (limb2)f3 * g2_19 +
		   (limb2)f4 * g1_19;
	limb2 r1 = (limb2)f0 * g1 + (limb2)f1 * g0 + (limb2)f2 * g4_19 + (limb2)f3 * g3_19 +
		   (limb2)f4 * g2_19;
	limb2 r2 = (limb2)f0 * g2 + (limb2)f1 * g1 + (limb2)f2 * g0 + (limb2)f3 * g4_19 +
		   (limb2)f4 * g3_19;
	limb2 r3 = (limb2)f0 * g3 + (limb2)f1 * g2 + (limb2)f2 * g1 + (limb2)f3 * g0 +
		   (limb2)f4 * g4_19;
	limb2 r4 = (limb2)f0 * g4 + (limb2)f1 * g3 + (limb2)f2 * g2 + (limb2)f3 * g1 +
		   (limb2)f4 * g0;
	fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

static void fe_sq(struct fe *h, const struct fe *f)
{
	limb f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	limb f0_2 = 2 * f0, f1_2 = 2 * f1, f3_19 = 19 * f3, f4_19 = 19 * f4;
	limb2 r0 = (limb2)f0 * f0 + (limb2)f1_2 * f4_19 + (limb2)(2 * f2) * f3_19;
	limb2 r1 = (limb2)f0_2 * f1 + (limb2)(2 * f2) * f4_19 + (limb2)f3 * f3_19;
	limb2 r2 = (limb2)f0_2 * f2 + (limb2)f1 * f1 + (limb2)(2 * f3) * f4_19;
	limb2 r3 = (limb2)f0_2 * f3 + (limb2)f1_2 * f2 + (limb2)f4 * f4_19;
	limb2 r4 = (limb2)f0_2 * f4 + (limb2)f1_2 * f3 + (limb2)f2 * f2;
	fe_reduce_wide(h, r0, r1, r2, r3, r4);
}

// f times a small constant c (below 2^20).
static void fe_mul_small(struct fe *h, const struct fe *f, uint32_t c)
{
	fe_reduce_wide(h, (limb2)f->v[0] * c, (limb2)f->v[1] * c, (limb2)f->v[2] * c,
		       (limb2)f->v[3] * c, (limb2)f->v[4] * c);
}

#else

// An element is the sum of h[i] 2^ceil(25.5 i): limbs of 26 bits at even
// i and 25 at odd.  "Carried" limbs are below 2^26 (2^25 + 2^18 for h[1]);
// sums and differences of carried elements stay below 3 2^26 (even limbs)
// and 3 2^25 + 2^18 (odd), so that 19 times an even limb and 38 times an
// odd one fit 32 bits, and a column of products fits 64.
enum { FE_LIMBS = 10 };
typedef uint32_t limb;
typedef uint64_t limb2;

struct fe {
	limb v[FE_LIMBS];
};

static inline int limb_bits(int i)
{
	return i % 2 == 0 ? 26 : 25;
}

static inline limb limb_mask(int i)
{
	return ((limb)1 << limb_bits(i)) - 1;
}

// Bits 0..254 of s: the top bit is dropped, as RFC 7748 decodes u.  Limb i
// starts at bit ceil(25.5 i) and fits the 32 bits loaded from its first byte.
static void fe_from_bytes(struct fe *h, const uint8_t s[X25519_BYTES])
{
	for (int i = 0; i < FE_LIMBS; i++) {
		int start = (51 * i + 1) / 2;
		h->v[i] = (load32_le(s + start / 8) >> (start % 8)) & limb_mask(i);
	}
}

// Moves what is above bit 26 (even i) or 25 (odd i) of r[i] into r[i + 1].
static inline void carry_up(limb2 r[FE_LIMBS], int i)
{
	r[i + 1] += r[i] >> limb_bits(i);
	r[i] &= limb_mask(i);
}

// Column sums below 2^64 to carried limbs (2^255 = 19 mod p).  Written out,
// not looped: compilers at -O2 keep such loops, and this is the inner loop.
static inline void fe_reduce_wide(struct fe *h, limb2 r[FE_LIMBS])
{
	carry_up(r, 0);
	carry_up(r, 1);
	carry_up(r, 2);
	carry_up(r, 3);
	carry_up(r, 4);
	carry_up(r, 5);
	carry_up(r, 6);
	carry_up(r, 7);
	carry_up(r, 8);
	limb2 top = r[9] >> 25;
	r[9] &= limb_mask(9);
	r[0] += 19 * top;
	carry_up(r, 0);
	h->v[0] = (limb)r[0];
	h->v[1] = (limb)r[1];
	h->v[2] = (limb)r[2];
	h->v[3] = (limb)r[3];
	h->v[4] = (limb)r[4];
	h->v[5] = (limb)r[5];
	h->v[6] = (limb)r[6];
	h->v[7] = (limb)r[7];
	h->v[8] = (limb)r[8];
	h->v[9] = (limb)r[9];
}

static void fe_carry(struct fe *h)
{
	limb2 r[FE_LIMBS];
	for (int i = 0; i < FE_LIMBS; i++)
		r[i] = h->v[i];
	fe_reduce_wide(h, r);
}

// The canonical encoding: the value reduced below p, little-endian.
static void fe_to_bytes(uint8_t s[X25519_BYTES], const struct fe *f)
{
	struct fe h = *f;
	fe_carry(&h);
	fe_carry(&h);
	// Now h < 2^255 + 2^18 < 2p, so h >= p exactly when h + 19 >= 2^255.
	limb q = (h.v[0] + 19) >> 26;
	for (int i = 1; i < FE_LIMBS; i++)
		q = (h.v[i] + q) >> limb_bits(i);
	// Subtract q p: add 19 q and drop bit 255.
	h.v[0] += 19 * q;
	for (int i = 0; i < FE_LIMBS - 1; i++) {
		h.v[i + 1] += h.v[i] >> limb_bits(i);
		h.v[i] &= limb_mask(i);
	}
	h.v[FE_LIMBS - 1] &= limb_mask(FE_LIMBS - 1);
	// Limbs into bytes, through a window below 2^34.
	uint64_t window = 0;
	int window_bits = 0, n = 0;
	for (int i = 0; i < FE_LIMBS; i++) {
		window |= (uint64_t)h.v[i] << window_bits;
		window_bits += limb_bits(i);
		for (; window_bits >= 8; window_bits -= 8) {
			s[n++] = (uint8_t)window;
			window >>= 8;
		}
	}
	s[n] = (uint8_t)window;	// bits 248..254
	secret_wipe(&h, sizeof h);
	secret_wipe(&window, sizeof window);
}

static void fe_add(struct fe *h, const struct fe *f, const struct fe *g)
{
	for (int i = 0; i < FE_LIMBS; i++)
		h->v[i] = f->v[i] + g->v[i];
}

// f - g for carried g: 2p is added limb by limb so that nothing goes
// below zero.
static const limb TWO_P0 = 2 * (((limb)1 << 26) - 19);
static const limb TWO_P_EVEN = 2 * (((limb)1 << 26) - 1);
static const limb TWO_P_ODD = 2 * (((limb)1 << 25) - 1);

static void fe_sub(struct fe *h, const struct fe *f, const struct fe *g)
{
	h->v[0] = f->v[0] + TWO_P0 - g->v[0];
	for (int i = 1; i < FE_LIMBS; i++)
		h->v[i] = f->v[i] + (i % 2 == 0 ? TWO_P_EVEN : TWO_P_ODD) - g->v[i];
}

// Column k sums f[i] g[j] for i + j = k or k + 10.  Two odd limbs'
// weights sum to one more bit than their column's, so their product counts
// twice; columns that pass 2^255 come back multiplied by 19.
static void fe_mul(struct fe *h, const struct fe *f, const struct fe *g)
{
	limb f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	limb f5 = f->v[5], f6 = f->v[6], f7 = f->v[7], f8 = f->v[8], f9 = f->v[9];
	limb g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
	limb g5 = g->v[5], g6 = g->v[6], g7 = g->v[7], g8 = g->v[8], g9 = g->v[9];
	limb f1_2 = 2 * f1, f3_2 = 2 * f3, f5_2 = 2 * f5, f7_2 = 2 * f7, f9_2 = 2 * f9;
	limb g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4, g5_19 = 19 * g5;
	limb g6_19 = 19 * g6, g7_19 = 19 * g7, g8_19 = 19 * g8, g9_19 = 19 * g9;
	limb2 r[FE_LIMBS];
	r[0] = (limb2)f0 * g0 + (limb2)f1_2 * g9_19 + (limb2)f2 * g8_19 + (limb2)f3_2 * g7_19 +
		(limb2)f4 * g6_19 + (limb2)f5_2 * g5_19 + (limb2)f6 * g4_19 +
		(limb2)f7_2 * g3_19 + (limb2)f8 * g2_19 + (limb2)f9_2 * g1_19;
	r[1] = (limb2)f0 * g1 + (limb2)f1 * g0 + (limb2)f2 * g9_19 + (limb2)f3 * g8_19 +
		(limb2)f4 * g7_19 + (limb2)f5 * g6_19 + (limb2)f6 * g5_19 + (limb2)f7 * g4_19 +
		(limb2)f8 * g3_19 + (limb2)f9 * g2_19;
	r[2] = (limb2)f0 * g2 + (limb2)f1_2 * g1 + (limb2)f2 * g0 + (limb2)f3_2 * g9_19 +
		(limb2)f4 * g8_19 + (limb2)f5_2 * g7_19 + (limb2)f6 * g6_19 +
		(limb2)f7_2 * g5_19 + (limb2)f8 * g4_19 + (limb2)f9_2 * g3_19;
	r[3] = (limb2)f0 * g3 + (limb2)f1 * g2 + (limb2)f2 * g1 + (limb2)f3 * g0 +
		(limb2)f4 * g9_19 + (limb2)f5 * g8_19 + (limb2)f6 * g7_19 + (limb2)f7 * g6_19 +
		(limb2)f8 * g5_19 + (limb2)f9 * g4_19;
	r[4] = (limb2)f0 * g4 + (limb2)f1_2 * g3 + (limb2)f2 * g2 + (limb2)f3_2 * g1 +
		(limb2)f4 * g0 + (limb2)f5_2 * g9_19 + (limb2)f6 * g8_19 + (limb2)f7_2 * g7_19 +
		(limb2)f8 * g6_19 + (limb2)f9_2 * g5_19;
	r[5] = (limb2)f0 * g5 + (limb2)f1 * g4 + (limb2)f2 * g3 + (limb2)f3 * g2 +
		(limb2)f4 * g1 + (limb2)f5 * g0 + (limb2)f6 * g9_19 + (limb2)f7 * g8_19 +
		(limb2)f8 * g7_19 + (limb2)f9 * g6_19;
	r[6] = (limb2)f0 * g6 + (limb2)f1_2 * g5 + (limb2)f2 * g4 + (limb2)f3_2 * g3 +
		(limb2)f4 * g2 + (limb2)f5_2 * g1 + (limb2)f6 * g0 + (limb2)f7_2 * g9_19 +
		(limb2)f8 * g8_19 + (limb2)f9_2 * g7_19;
	r[7] = (limb2)f0 * g7 + (limb2)f1 * g6 + (limb2)f2 * g5 + (limb2)f3 * g4 +
		(limb2)f4 * g3 + (limb2)f5 * g2 + (limb2)f6 * g1 + (limb2)f7 * g0 +
		(limb2)f8 * g9_19 + (limb2)f9 * g8_19;
	r[8] = (limb2)f0 * g8 + (limb2)f1_2 * g7 + (limb2)f2 * g6 + (limb2)f3_2 * g5 +
		(limb2)f4 * g4 + (limb2)f5_2 * g3 + (limb2)f6 * g2 + (limb2)f7_2 * g1 +
		(limb2)f8 * g0 + (limb2)f9_2 * g9_19;
	r[9] = (limb2)f0 * g9 + (limb2)f1 * g8 + (limb2)f2 * g7 + (limb2)f3 * g6 +
		(limb2)f4 * g5 + (limb2)f5 * g4 + (limb2)f6 * g3 + (limb2)f7 * g2 +
		(limb2)f8 * g1 + (limb2)f9 * g0;
	fe_reduce_wide(h, r);
}

// The same columns with each f[i] f[j] (i < j) once, doubled.
static void fe_sq(struct fe *h, const struct fe *f)
{
	limb f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
	limb f5 = f->v[5], f6 = f->v[6], f7 = f->v[7], f8 = f->v[8], f9 = f->v[9];
	limb f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3, f4_2 = 2 * f4;
	limb f5_2 = 2 * f5, f6_2 = 2 * f6, f7_2 = 2 * f7, f8_2 = 2 * f8, f9_2 = 2 * f9;
	limb f5_19 = 19 * f5, f6_19 = 19 * f6, f7_19 = 19 * f7, f8_19 = 19 * f8, f9_19 = 19 * f9;
	limb f7_38 = 38 * f7, f9_38 = 38 * f9;
	limb2 r[FE_LIMBS];
	r[0] = (limb2)f0 * f0 + (limb2)f1_2 * f9_38 + (limb2)f2_2 * f8_19 +
		(limb2)f3_2 * f7_38 + (limb2)f4_2 * f6_19 + (limb2)f5_2 * f5_19;
	r[1] = (limb2)f0_2 * f1 + (limb2)f2_2 * f9_19 + (limb2)f3_2 * f8_19 +
		(limb2)f4_2 * f7_19 + (limb2)f5_2 * f6_19;
	r[2] = (limb2)f0_2 * f2 + (limb2)f1_2 * f1 + (limb2)f3_2 * f9_38 + (limb2)f4_2 * f8_19 +
		(limb2)f5_2 * f7_38 + (limb2)f6 * f6_19;
	r[3] = (limb2)f0_2 * f3 + (limb2)f1_2 * f2 + (limb2)f4_2 * f9_19 + (limb2)f5_2 * f8_19 +
		(limb2)f6_2 * f7_19;
	r[4] = (limb2)f0_2 * f4 + (limb2)f1_2 * f3_2 + (limb2)f2 * f2 + (limb2)f5_2 * f9_38 +
		(limb2)f6_2 * f8_19 + (limb2)f7_2 * f7_19;
	r[5] = (limb2)f0_2 * f5 + (limb2)f1_2 * f4 + (limb2)f2_2 * f3 + (limb2)f6_2 * f9_19 +
		(limb2)f7_2 * f8_19;
	r[6] = (limb2)f0_2 * f6 + (limb2)f1_2 * f5_2 + (limb2)f2_2 * f4 + (limb2)f3_2 * f3 +
		(limb2)f7_2 * f9_38 + (limb2)f8 * f8_19;
	r[7] = (limb2)f0_2 * f7 + (limb2)f1_2 * f6 + (limb2)f2_2 * f5 + (limb2)f3_2 * f4 +
		(limb2)f8_2 * f9_19;
	r[8] = (limb2)f0_2 * f8 + (limb2)f1_2 * f7_2 + (limb2)f2_2 * f6 + (limb2)f3_2 * f5_2 +
		(limb2)f4 * f4 + (limb2)f9_2 * f9_19;
	r[9] = (limb2)f0_2 * f9 + (limb2)f1_2 * f8 + (limb2)f2_2 * f7 + (limb2)f3_2 * f6 +
		(limb2)f4_2 * f5;
	fe_reduce_wide(h, r);
}

// f times a small constant c (below 2^20).
static void fe_mul_small(struct fe *h, const struct fe *f, uint32_t c)
{
	limb2 r[FE_LIMBS];
	for (int i = 0; i < FE_LIMBS; i++)
		r[i] = (limb2)f->v[i] * c;
	fe_reduce_wide(h, r);
}

#endif

static void fe_set_small(struct fe *h, limb c)
{
	memset(h, 0, sizeof *h);
	h->v[0] = c;
}

// Swaps f and g when bit is 1, leaves them when 0, alike in time.
static void fe_cswap(struct fe *f, struct fe *g, limb bit)
{
	limb mask = (limb)0 - bit;
	for (int i = 0; i < FE_LIMBS; i++) {
		limb t = mask & (f->v[i] ^ g->v[i]);
		f->v[i] ^= t;
		g->v[i] ^= t;
	}
}

// h = f^n for n = 2^k: k squarings.
static void fe_sq_times(struct fe *h, const struct fe *f, int k)
{
	fe_sq(h, f);
	for (int i = 1; i < k; i++)
		fe_sq(h, h);
}

// 1/z = z^(p - 2) = z^(2^255 - 21), by a fixed chain of 254 squarings and
// 11 multiplications; zero gives zero.
static void fe_invert(struct fe *out, const struct fe *z)
{
	struct fe z2, z9, z11, a, b, c;	// a to c: z^(2^n - 1) for growing n
	fe_sq(&z2, z);
	fe_sq_times(&a, &z2, 2);
	fe_mul(&z9, &a, z);
	fe_mul(&z11, &z9, &z2);
	fe_sq(&a, &z11);
	fe_mul(&a, &a, &z9);		// 2^5 - 1
	fe_sq_times(&b, &a, 5);
	fe_mul(&b, &b, &a);		// 2^10 - 1
	fe_sq_times(&c, &b, 10);
	fe_mul(&c, &c, &b);		// 2^20 - 1
	fe_sq_times(&a, &c, 20);
	fe_mul(&a, &a, &c);		// 2^40 - 1
	fe_sq_times(&a, &a, 10);
	fe_mul(&b, &a, &b);		// 2^50 - 1
	fe_sq_times(&a, &b, 50);
	fe_mul(&c, &a, &b);		// 2^100 - 1
	fe_sq_times(&a, &c, 100);
	fe_mul(&a, &a, &c);		// 2^200 - 1
	fe_sq_times(&a, &a, 50);
	fe_mul(&a, &a, &b);		// 2^250 - 1
	fe_sq_times(&a, &a, 5);		// 2^255 - 2^5
	fe_mul(out, &a, &z11);		// 2^255 - 21
	secret_wipe(&z2, sizeof z2);
	secret_wipe(&z9, sizeof z9);
	secret_wipe(&z11, sizeof z11);
	secret_wipe(&a, sizeof a);
	secret_wipe(&b, sizeof b);
	secret_wipe(&c, sizeof c);
}

// (A - 2) / 4 for Curve25519's A = 486662 (RFC 7748 section 5).
static const uint32_t A24 = 121665;
enum { SCALAR_TOP_BIT = 254 };

// Everything the ladder computes from the scalar, in one place to wipe.
struct ladder {
	uint8_t k[X25519_BYTES];	// the clamped scalar
	struct fe x1, x2, z2, x3, z3;
	struct fe a, aa, b, bb, e, c, d, da, cb, t;
};

// One step of RFC 7748's ladder: (x2, z2) doubled, (x3, z3) the sum of
// both points, whose difference is x1.
static void ladder_step(struct ladder *l)
{
	fe_add(&l->a, &l->x2, &l->z2);
	fe_sq(&l->aa, &l->a);
	fe_sub(&l->b, &l->x2, &l->z2);
	fe_sq(&l->bb, &l->b);
	fe_sub(&l->e, &l->aa, &l->bb);
	fe_add(&l->c, &l->x3, &l->z3);
	fe_sub(&l->d, &l->x3, &l->z3);
	fe_mul(&l->da, &l->d, &l->a);
	fe_mul(&l->cb, &l->c, &l->b);
	fe_add(&l->t, &l->da, &l->cb);
	fe_sq(&l->x3, &l->t);
	fe_sub(&l->t, &l->da, &l->cb);
	fe_sq(&l->t, &l->t);
	fe_mul(&l->z3, &l->x1, &l->t);
	fe_mul(&l->x2, &l->aa, &l->bb);
	fe_mul_small(&l->t, &l->e, A24);
	fe_add(&l->t, &l->aa, &l->t);
	fe_mul(&l->z2, &l->e, &l->t);
}

bool x25519(uint8_t out[X25519_BYTES], const uint8_t scalar[X25519_BYTES],
    const uint8_t u[X25519_BYTES])
{
	struct ladder l;
	memcpy(l.k, scalar, X25519_BYTES);
	l.k[0] &= 248;
	l.k[31] &= 127;
	l.k[31] |= 64;

	fe_from_bytes(&l.x1, u);
	fe_set_small(&l.x2, 1);
	fe_set_small(&l.z2, 0);
	l.x3 = l.x1;
	fe_set_small(&l.z3, 1);
	limb swap = 0;
	for (int t = SCALAR_TOP_BIT; t >= 0; t--) {
		limb bit = (l.k[t / 8] >> (t % 8)) & 1;
		swap ^= bit;
		fe_cswap(&l.x2, &l.x3, swap);
		fe_cswap(&l.z2, &l.z3, swap);
		swap = bit;
		ladder_step(&l);
	}
	fe_cswap(&l.x2, &l.x3, swap);
	fe_cswap(&l.z2, &l.z3, swap);

	fe_invert(&l.t, &l.z2);
	fe_mul(&l.t, &l.x2, &l.t);
	fe_to_bytes(out, &l.t);
	secret_wipe(&l, sizeof l);
	secret_wipe(&swap, sizeof swap);

	uint8_t any = 0;
	for (int i = 0; i < X25519_BYTES; i++)
		any |= out[i];
	return any != 0;
}

void x25519_public(uint8_t pub[X25519_BYTES], const uint8_t secret[X25519_BYTES])
{
	static const uint8_t base_point[X25519_BYTES] = {9};
	x25519(pub, secret, base_point);
}
