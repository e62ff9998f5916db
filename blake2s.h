// SPDX-License-Identifier: ISC
// BLAKE2s (RFC 7693), and HMAC and HKDF over it as the Noise Protocol
// Framework (revision 34, section 4.3) defines them.
#ifndef JTUNNEL_BLAKE2S_H
#define JTUNNEL_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

enum { BLAKE2S_HASH_BYTES = 32, BLAKE2S_BLOCK_BYTES = 64, BLAKE2S_KEY_MAX = 32 };

struct blake2s {
	uint32_t h[8];
	uint32_t t[2];
	uint8_t buf[BLAKE2S_BLOCK_BYTES];
	size_t buf_len;
	size_t out_len;
};

// out_len 1..32; key_len 0..32 (0: unkeyed).
void blake2s_init(struct blake2s *s, size_t out_len, const uint8_t *key, size_t key_len);
void blake2s_update(struct blake2s *s, const uint8_t *in, size_t len);
// Writes out_len bytes and wipes the state.
void blake2s_final(struct blake2s *s, uint8_t *out);

// HMAC-BLAKE2s (RFC 2104 with a 64-byte block) of the concatenation of
// in1 and in2 (in2 may be null with in2_len 0).
void hmac_blake2s(uint8_t out[BLAKE2S_HASH_BYTES], const uint8_t *key, size_t key_len,
    const uint8_t *in1, size_t in1_len, const uint8_t *in2, size_t in2_len);

// Noise's HKDF(chaining_key, input_key_material, 2 or 3): out3 null for two
// outputs.  ikm_len 0..32 (0 for Split()).
void hkdf_blake2s(uint8_t out1[BLAKE2S_HASH_BYTES], uint8_t out2[BLAKE2S_HASH_BYTES],
    uint8_t out3[BLAKE2S_HASH_BYTES], const uint8_t chaining_key[BLAKE2S_HASH_BYTES],
    const uint8_t *ikm, size_t ikm_len);

#endif
