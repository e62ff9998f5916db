// SPDX-License-Identifier: ISC
// X25519 (RFC 7748 section 5), in constant time.
#ifndef JTUNNEL_X25519_H
#define JTUNNEL_X25519_H

#include <stdint.h>

enum { X25519_BYTES = 32 };

// out = X25519(scalar, u): the scalar is clamped and the top bit of u
// masked, as the RFC says.  Returns false when out is all zero (a
// low-order point).
bool x25519(uint8_t out[X25519_BYTES], const uint8_t scalar[X25519_BYTES],
    const uint8_t u[X25519_BYTES]);

// The public key of a secret one: X25519(secret, 9).
void x25519_public(uint8_t pub[X25519_BYTES], const uint8_t secret[X25519_BYTES]);

#endif
