// SPDX-License-Identifier: ISC
// ChaCha20 (RFC 8439 sections 2.1 to 2.4).  A scalar block function serves
// every CPU; where the compiler targets SIMD on a little-endian CPU,
// chacha20_xor also runs several blocks at once in the compiler's generic
// vectors, one block per lane, so that one source serves SSE2, AVX2 and
// NEON.  On x86 an eight-block function is compiled for AVX2 and a
// sixteen-block one for AVX-512F, whatever the build targets, and
// chacha20_xor takes the widest the CPU runs (with AVX-512, a rest of up
// to eight blocks in AVX2).  -DCHACHA20_SCALAR forces the scalar path;
// -DCHACHA20_NO_AVX2 the four-block one, -DCHACHA20_NO_AVX512 the AVX2 one
// at best (for tests).
#include "chacha20.h"
#include "secret.h"

// The vector path needs a lane order that matches the byte order of the
// key stream (little-endian) and the compiler's vector shuffles.
#if !defined(CHACHA20_SCALAR) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && \
    (defined(__SSE2__) || defined(__ARM_NEON)) && defined(__has_builtin)
#if __has_builtin(__builtin_shufflevector)
#define CHACHA20_VECTOR 1
#endif
#endif

#if CHACHA20_VECTOR && (defined(__x86_64__) || defined(__i386__)) && !defined(CHACHA20_NO_AVX2)
#define CHACHA20_EIGHT_BLOCKS 1
#if !defined(CHACHA20_NO_AVX512)
#define CHACHA20_AVX512 1
#endif
#include "cpu_x86.h"
#endif

enum { CHACHA20_WORDS = 16, CHACHA20_DOUBLE_ROUNDS = 10 };

// "expand 32-byte k", the first four words of every block.
static const uint32_t chacha20_constant[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};

// The input block (section 2.3): constant, key, counter, nonce.
static void chacha20_setup(uint32_t state[CHACHA20_WORDS], const uint8_t key[CHACHA20_KEY_BYTES],
    const uint8_t nonce[CHACHA20_NONCE_BYTES], uint32_t counter)
{
	for (int i = 0; i < 4; i++)
		state[i] = chacha20_constant[i];
	for (int i = 0; i < 8; i++)
		state[4 + i] = load32_le(key + 4 * i);
	state[12] = counter;
	for (int i = 0; i < 3; i++)
		state[13 + i] = load32_le(nonce + 4 * i);
}

// Rotation by shifts, of a word or (on the vector path) of every lane.  A
// macro, not a function, so that it has no vector arguments whose passing
// would depend on the target (see chacha20_xor8_avx2).
#define ROTL(v, n) ((v) << (n) | (v) >> (32 - (n)))

#define CHACHA20_QUARTER_ROUND(a, b, c, d) \
	do { \
		a += b; d ^= a; d = ROTL16(d); \
		c += d; b ^= c; b = ROTL(b, 12); \
		a += b; d ^= a; d = ROTL8(d); \
		c += d; b ^= c; b = ROTL(b, 7); \
	} while (0)

// The 20 rounds (section 2.3) on 16 words, each a word or a vector of the
// same word of several blocks.
#define CHACHA20_ROUNDS(x) \
	do { \
		for (int round = 0; round < CHACHA20_DOUBLE_ROUNDS; round++) { \
			CHACHA20_QUARTER_ROUND(x[0], x[4], x[8], x[12]); \
			CHACHA20_QUARTER_ROUND(x[1], x[5], x[9], x[13]); \
			CHACHA20_QUARTER_ROUND(x[2], x[6], x[10], x[14]); \
			CHACHA20_QUARTER_ROUND(x[3], x[7], x[11], x[15]); \
			CHACHA20_QUARTER_ROUND(x[0], x[5], x[10], x[15]); \
			CHACHA20_QUARTER_ROUND(x[1], x[6], x[11], x[12]); \
			CHACHA20_QUARTER_ROUND(x[2], x[7], x[8], x[13]); \
			CHACHA20_QUARTER_ROUND(x[3], x[4], x[9], x[14]); \
		} \
	} while (0)

// The key stream of as many blocks as a vector of type has lanes, one
// block per lane, into x[16]: the state in every lane, the lanes' numbers
// (lanes) added to the counter, the 20 rounds, the input added back.  A
// macro, so that it takes the width of the vectors it is given.
#define CHACHA20_LANES(type, x, state, lanes) \
	do { \
		type s_[CHACHA20_WORDS]; \
		for (int i_ = 0; i_ < CHACHA20_WORDS; i_++) \
			s_[i_] = (type){} + (state)[i_]; \
		s_[12] += lanes; \
		for (int i_ = 0; i_ < CHACHA20_WORDS; i_++) \
			x[i_] = s_[i_]; \
		CHACHA20_ROUNDS(x); \
		for (int i_ = 0; i_ < CHACHA20_WORDS; i_++) \
			x[i_] += s_[i_]; \
	} while (0)

// One block of key stream as words (section 2.3: rounds, then the input
// added back).
static void chacha20_words(uint32_t out[CHACHA20_WORDS], const uint32_t state[CHACHA20_WORDS])
{
#define ROTL16(v) ROTL(v, 16)
#define ROTL8(v) ROTL(v, 8)
	uint32_t x[CHACHA20_WORDS];
	for (int i = 0; i < CHACHA20_WORDS; i++)
		x[i] = state[i];
	CHACHA20_ROUNDS(x);
	for (int i = 0; i < CHACHA20_WORDS; i++)
		out[i] = x[i] + state[i];
#undef ROTL16
#undef ROTL8
}

// XORs one block (len at most 64 bytes) of key stream into out.
static void chacha20_xor_block(uint8_t *out, const uint8_t *in, size_t len, const uint32_t state[CHACHA20_WORDS])
{
	uint32_t stream[CHACHA20_WORDS];
	chacha20_words(stream, state);
	size_t i = 0;
	for (; i + 4 <= len; i += 4)
		store32_le(out + i, load32_le(in + i) ^ stream[i / 4]);
	for (; i < len; i++)
		out[i] = (uint8_t)(in[i] ^ stream[i / 4] >> 8 * (i % 4));
	secret_wipe(stream, sizeof stream);
}

#if CHACHA20_VECTOR
typedef uint32_t v4u __attribute__((vector_size(16)));
typedef uint8_t v16b __attribute__((vector_size(16)));
typedef uint16_t v8h __attribute__((vector_size(16)));
enum { V4_BLOCKS = 4, V4_BYTES = V4_BLOCKS * CHACHA20_BLOCK_BYTES };

// Rotations by 16 and 8 as byte shuffles where the CPU has one (SSSE3's
// pshufb, NEON's tbl); SSE2 swaps the halves of each lane with pshuflw and
// pshufhw, and rotates by 8 with shifts.
static inline v4u v4_rotl16(v4u v)
{
	return (v4u)__builtin_shufflevector((v8h)v, (v8h)v, 1, 0, 3, 2, 5, 4, 7, 6);
}

static inline v4u v4_rotl8(v4u v)
{
#if defined(__SSSE3__) || defined(__ARM_NEON)
	return (v4u)__builtin_shufflevector((v16b)v, (v16b)v, 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);
#else
	return ROTL(v, 8);
#endif
}

static inline void xor16(uint8_t *out, const uint8_t *in, v4u stream)
{
	v4u v;
	memcpy(&v, in, sizeof v);
	v ^= stream;
	memcpy(out, &v, sizeof v);
}

// Transposes four vectors, each one word of four blocks, into four runs of
// four words, one per block, and XORs them into the 16 bytes at offset of
// each of the four blocks.
static inline void v4_xor_words(uint8_t *out, const uint8_t *in, v4u a, v4u b, v4u c, v4u d)
{
	v4u ab_low = __builtin_shufflevector(a, b, 0, 4, 1, 5);
	v4u ab_high = __builtin_shufflevector(a, b, 2, 6, 3, 7);
	v4u cd_low = __builtin_shufflevector(c, d, 0, 4, 1, 5);
	v4u cd_high = __builtin_shufflevector(c, d, 2, 6, 3, 7);
	xor16(out, in, __builtin_shufflevector(ab_low, cd_low, 0, 1, 4, 5));
	xor16(out + 64, in + 64, __builtin_shufflevector(ab_low, cd_low, 2, 3, 6, 7));
	xor16(out + 128, in + 128, __builtin_shufflevector(ab_high, cd_high, 0, 1, 4, 5));
	xor16(out + 192, in + 192, __builtin_shufflevector(ab_high, cd_high, 2, 3, 6, 7));
}

// Four blocks of key stream XORed into 256 bytes, the counter advanced by
// four.  The counter wraps modulo 2^32 in each lane, as in the scalar path.
static void chacha20_xor4(uint8_t *out, const uint8_t *in, uint32_t state[CHACHA20_WORDS])
{
#define ROTL16(v) v4_rotl16(v)
#define ROTL8(v) v4_rotl8(v)
	v4u x[CHACHA20_WORDS];
	CHACHA20_LANES(v4u, x, state, ((v4u){0, 1, 2, 3}));
	for (int i = 0; i < CHACHA20_WORDS; i += 4)
		v4_xor_words(out + 4 * i, in + 4 * i, x[i], x[i + 1], x[i + 2], x[i + 3]);
	state[12] += V4_BLOCKS;
#undef ROTL16
#undef ROTL8
}

// A function that XORs a group of blocks of key stream, a multiple of 4,
// into out and advances the counter past them.
typedef void chacha20_group_function(uint8_t *out, const uint8_t *in, uint32_t state[CHACHA20_WORDS]);
// The largest group, that of the widest vectors compiled in.
#if CHACHA20_AVX512
enum { GROUP_BYTES_MAX = 16 * CHACHA20_BLOCK_BYTES };
#else
enum { GROUP_BYTES_MAX = 8 * CHACHA20_BLOCK_BYTES };
#endif

// len bytes, less than a group of group_bytes, by way of a buffer.
static void chacha20_xor_short(uint8_t *out, const uint8_t *in, size_t len, uint32_t state[CHACHA20_WORDS],
    chacha20_group_function *group, size_t group_bytes)
{
	uint8_t tail[GROUP_BYTES_MAX];
	memcpy(tail, in, len);
	group(tail, tail, state);
	memcpy(out, tail, len);
	secret_wipe(tail, group_bytes);
}

// All whole groups of four blocks, then what is left, by way of a buffer
// (one scalar block where a group would be wasted).
static void chacha20_xor_vector4(uint8_t *out, const uint8_t *in, size_t len, uint32_t state[CHACHA20_WORDS])
{
	for (; len >= V4_BYTES; len -= V4_BYTES, in += V4_BYTES, out += V4_BYTES)
		chacha20_xor4(out, in, state);
	if (len == 0)
		return;
	if (len <= CHACHA20_BLOCK_BYTES) {
		chacha20_xor_block(out, in, len, state);
		return;
	}
	chacha20_xor_short(out, in, len, state, chacha20_xor4, V4_BYTES);
}

#if CHACHA20_EIGHT_BLOCKS
typedef uint32_t v8u __attribute__((vector_size(32)));
typedef uint8_t v32b __attribute__((vector_size(32)));
typedef uint16_t v16h __attribute__((vector_size(32)));
enum { V8_BLOCKS = 8, V8_BYTES = V8_BLOCKS * CHACHA20_BLOCK_BYTES };

#define V8_ROTL16(v) \
	((v8u)__builtin_shufflevector((v16h)(v), (v16h)(v), 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14))
#define V8_ROTL8(v) \
	((v8u)__builtin_shufflevector((v32b)(v), (v32b)(v), 3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14, \
	    19, 16, 17, 18, 23, 20, 21, 22, 27, 24, 25, 26, 31, 28, 29, 30))
#define V8_LOW(v) __builtin_shufflevector(v, v, 0, 1, 2, 3)
#define V8_HIGH(v) __builtin_shufflevector(v, v, 4, 5, 6, 7)

// Eight blocks into 512 bytes, in AVX2 whatever the build targets: blocks
// 0 to 3 from the low halves of the lanes, 4 to 7 from the high halves.
// (Here and in the sixteen-block function, vectors are never passed as
// arguments, whose passing would differ by target.)
__attribute__((target("avx2"))) static void chacha20_xor8_avx2(uint8_t *out, const uint8_t *in,
    uint32_t state[CHACHA20_WORDS])
{
#define ROTL16(v) V8_ROTL16(v)
#define ROTL8(v) V8_ROTL8(v)
	v8u x[CHACHA20_WORDS];
	CHACHA20_LANES(v8u, x, state, ((v8u){0, 1, 2, 3, 4, 5, 6, 7}));
	for (int i = 0; i < CHACHA20_WORDS; i += 4) {
		v4_xor_words(out + 4 * i, in + 4 * i, V8_LOW(x[i]), V8_LOW(x[i + 1]), V8_LOW(x[i + 2]),
		    V8_LOW(x[i + 3]));
		v4_xor_words(out + V4_BYTES + 4 * i, in + V4_BYTES + 4 * i, V8_HIGH(x[i]), V8_HIGH(x[i + 1]),
		    V8_HIGH(x[i + 2]), V8_HIGH(x[i + 3]));
	}
	state[12] += V8_BLOCKS;
#undef ROTL16
#undef ROTL8
}

#if CHACHA20_AVX512
typedef uint32_t v16u __attribute__((vector_size(64)));
enum { V16_BLOCKS = 16, V16_BYTES = V16_BLOCKS * CHACHA20_BLOCK_BYTES };
// Lanes 4q to 4q + 3 of v, the word of blocks 4q to 4q + 3.
#define V16_QUARTER(v, q) __builtin_shufflevector(v, v, 4 * (q), 4 * (q) + 1, 4 * (q) + 2, 4 * (q) + 3)

// Sixteen blocks into 1024 bytes, in 512-bit vectors (whose rotations, by
// shifts here, the compiler makes one instruction each): blocks 4q to
// 4q + 3 from the quarters q of the lanes.
__attribute__((target("avx512f"))) static void chacha20_xor16_avx512f(uint8_t *out, const uint8_t *in,
    uint32_t state[CHACHA20_WORDS])
{
#define ROTL16(v) ROTL(v, 16)
#define ROTL8(v) ROTL(v, 8)
	v16u x[CHACHA20_WORDS];
	CHACHA20_LANES(v16u, x, state, ((v16u){0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
	for (int i = 0; i < CHACHA20_WORDS; i += 4) {
#define V16_XOR_QUARTER(q) \
	v4_xor_words(out + (q) * V4_BYTES + 4 * i, in + (q) * V4_BYTES + 4 * i, V16_QUARTER(x[i], q), \
	    V16_QUARTER(x[i + 1], q), V16_QUARTER(x[i + 2], q), V16_QUARTER(x[i + 3], q))
		V16_XOR_QUARTER(0);
		V16_XOR_QUARTER(1);
		V16_XOR_QUARTER(2);
		V16_XOR_QUARTER(3);
#undef V16_XOR_QUARTER
	}
	state[12] += V16_BLOCKS;
#undef ROTL16
#undef ROTL8
}
#endif

// A function that XORs len bytes of key stream into out, from the block
// counter on, and advances the counter past them.
typedef void chacha20_xor_function(uint8_t *out, const uint8_t *in, size_t len, uint32_t state[CHACHA20_WORDS]);

// Whole groups of group_bytes with group; a rest of more than half a group
// by way of a buffer, a shorter one with shorter.
static void chacha20_xor_groups(uint8_t *out, const uint8_t *in, size_t len, uint32_t state[CHACHA20_WORDS],
    chacha20_group_function *group, size_t group_bytes, chacha20_xor_function *shorter)
{
	for (; len >= group_bytes; len -= group_bytes, in += group_bytes, out += group_bytes)
		group(out, in, state);
	if (len <= group_bytes / 2)
		shorter(out, in, len, state);
	else
		chacha20_xor_short(out, in, len, state, group, group_bytes);
}

// Groups of eight blocks, then of four.
static void chacha20_xor_vector8(uint8_t *out, const uint8_t *in, size_t len, uint32_t state[CHACHA20_WORDS])
{
	chacha20_xor_groups(out, in, len, state, chacha20_xor8_avx2, V8_BYTES, chacha20_xor_vector4);
}

#if CHACHA20_AVX512
// Groups of sixteen blocks, then of eight.
static void chacha20_xor_vector16(uint8_t *out, const uint8_t *in, size_t len, uint32_t state[CHACHA20_WORDS])
{
	chacha20_xor_groups(out, in, len, state, chacha20_xor16_avx512f, V16_BYTES, chacha20_xor_vector8);
}
#endif
#endif
#endif

const char *chacha20_implementation(void)
{
#if CHACHA20_EIGHT_BLOCKS
	enum cpu_vectors cpu = cpu_vectors();
#if CHACHA20_AVX512
	if (cpu == CPU_AVX512)
		return "vectors of 16 blocks (AVX-512F), then of 8 (AVX2), then of 4";
#endif
	if (cpu >= CPU_AVX2)
		return "vectors of 8 blocks (AVX2), then of 4";
#endif
#if CHACHA20_VECTOR
	return "vectors of 4 blocks";
#else
	return "scalar";
#endif
}

void chacha20_xor(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[CHACHA20_KEY_BYTES],
    const uint8_t nonce[CHACHA20_NONCE_BYTES], uint32_t counter)
{
	uint32_t state[CHACHA20_WORDS];
	chacha20_setup(state, key, nonce, counter);
#if CHACHA20_EIGHT_BLOCKS
	enum cpu_vectors cpu = cpu_vectors();
#if CHACHA20_AVX512
	if (cpu == CPU_AVX512)
		chacha20_xor_vector16(out, in, len, state);
	else
#endif
	if (cpu >= CPU_AVX2)
		chacha20_xor_vector8(out, in, len, state);
	else
		chacha20_xor_vector4(out, in, len, state);
#elif CHACHA20_VECTOR
	chacha20_xor_vector4(out, in, len, state);
#else
	for (; len > 0; state[12]++) {
		size_t n = len < CHACHA20_BLOCK_BYTES ? len : (size_t)CHACHA20_BLOCK_BYTES;
		chacha20_xor_block(out, in, n, state);
		in += n;
		out += n;
		len -= n;
	}
#endif
	secret_wipe(state, sizeof state);
}

void chacha20_block(uint8_t out[CHACHA20_BLOCK_BYTES], const uint8_t key[CHACHA20_KEY_BYTES],
    const uint8_t nonce[CHACHA20_NONCE_BYTES], uint32_t counter)
{
	uint32_t state[CHACHA20_WORDS], stream[CHACHA20_WORDS];
	chacha20_setup(state, key, nonce, counter);
	chacha20_words(stream, state);
	for (int i = 0; i < CHACHA20_WORDS; i++)
		store32_le(out + 4 * i, stream[i]);
	secret_wipe(state, sizeof state);
	secret_wipe(stream, sizeof stream);
}
