// SPDX-License-Identifier: ISC
// Poly1305 (RFC 8439 section 2.5), the authenticator of the AEAD in
// chachapoly.h: one shot, or incrementally (init, update..., final) so
// that the AEAD can MAC its pieces where they lie.
#ifndef JTUNNEL_POLY1305_H
#define JTUNNEL_POLY1305_H

#include <stddef.h>
#include <stdint.h>

enum { POLY1305_KEY_BYTES = 32, POLY1305_TAG_BYTES = 16, POLY1305_BLOCK_BYTES = 16 };

// Where the compiler has 128-bit products, the widest limbs there are:
// the accumulator in two 64-bit limbs and a few bits above, r in two
// 64-bit limbs; otherwise five limbs of 26 bits, with 32x32->64-bit
// multiplies only.  -DPOLY1305_32BIT forces the latter (for tests).
#if defined(__SIZEOF_INT128__) && !defined(POLY1305_32BIT)
#define POLY1305_64BIT 1
typedef uint64_t poly1305_limb;
enum { POLY1305_R_LIMBS = 2, POLY1305_H_LIMBS = 3 };
#else
#define POLY1305_64BIT 0
typedef uint32_t poly1305_limb;
enum { POLY1305_R_LIMBS = 5, POLY1305_H_LIMBS = 5 };
#endif

struct poly1305_state {
	poly1305_limb r[POLY1305_R_LIMBS];	// the clamped r
	poly1305_limb h[POLY1305_H_LIMBS];	// the accumulator
	uint8_t s[16];				// added at the end
	uint8_t buffer[POLY1305_BLOCK_BYTES];	// a partial block not yet taken
	size_t buffered;
};

// Which limbs this build uses on this CPU, e.g. "64-bit limbs", for tests
// and benchmarks to say.
const char *poly1305_implementation(void);

void poly1305_init(struct poly1305_state *st, const uint8_t key[POLY1305_KEY_BYTES]);
void poly1305_update(struct poly1305_state *st, const uint8_t *m, size_t len);
// Writes the tag and wipes the state.
void poly1305_final(struct poly1305_state *st, uint8_t tag[POLY1305_TAG_BYTES]);

// The one-time key's tag of len bytes at m.
void poly1305(uint8_t tag[POLY1305_TAG_BYTES], const uint8_t *m, size_t len,
    const uint8_t key[POLY1305_KEY_BYTES]);

#endif
