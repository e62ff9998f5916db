// SPDX-License-Identifier: ISC
// The AEAD_CHACHA20_POLY1305 construction (RFC 8439 section 2.8).
#ifndef JTUNNEL_CHACHAPOLY_H
#define JTUNNEL_CHACHAPOLY_H

#include <stddef.h>
#include <stdint.h>

enum { AEAD_KEY_BYTES = 32, AEAD_NONCE_BYTES = 12, AEAD_TAG_BYTES = 16 };

// Encrypts len bytes of in into out (out == in is allowed) and writes the
// tag of ad and the ciphertext to tag (which may be out + len).
void aead_seal(uint8_t *out, uint8_t tag[AEAD_TAG_BYTES], const uint8_t *in, size_t len,
    const uint8_t *ad, size_t ad_len, const uint8_t nonce[AEAD_NONCE_BYTES],
    const uint8_t key[AEAD_KEY_BYTES]);

// Verifies tag over ad and the ciphertext in, and only then decrypts it
// into out (out == in is allowed).  Returns false, with out untouched, when
// the tag does not verify.
bool aead_open(uint8_t *out, const uint8_t *in, size_t len, const uint8_t tag[AEAD_TAG_BYTES],
    const uint8_t *ad, size_t ad_len, const uint8_t nonce[AEAD_NONCE_BYTES],
    const uint8_t key[AEAD_KEY_BYTES]);

#endif
