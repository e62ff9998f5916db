// SPDX-License-Identifier: ISC
// ChaCha20 (RFC 8439 section 2.4), the cipher of the AEAD in chachapoly.h.
#ifndef JTUNNEL_CHACHA20_H
#define JTUNNEL_CHACHA20_H

#include <stddef.h>
#include <stdint.h>

enum { CHACHA20_KEY_BYTES = 32, CHACHA20_NONCE_BYTES = 12, CHACHA20_BLOCK_BYTES = 64 };

// XORs len bytes of in with the key stream that starts at block counter,
// into out (out == in is allowed).
void chacha20_xor(uint8_t *out, const uint8_t *in, size_t len,
    const uint8_t key[CHACHA20_KEY_BYTES], const uint8_t nonce[CHACHA20_NONCE_BYTES],
    uint32_t counter);

// One block of key stream (RFC 8439 section 2.3).
void chacha20_block(uint8_t out[CHACHA20_BLOCK_BYTES], const uint8_t key[CHACHA20_KEY_BYTES],
    const uint8_t nonce[CHACHA20_NONCE_BYTES], uint32_t counter);

// Which path chacha20_xor takes in this build on this CPU, e.g. "scalar",
// for tests and benchmarks to say.
const char *chacha20_implementation(void);

#endif
