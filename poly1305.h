// Poly1305 (RFC 8439 section 2.5), the authenticator of the AEAD in
// chachapoly.h.
#ifndef JTUNNEL_POLY1305_H
#define JTUNNEL_POLY1305_H

#include <stddef.h>
#include <stdint.h>

enum { POLY1305_KEY_BYTES = 32, POLY1305_TAG_BYTES = 16 };

// The one-time key's tag of len bytes at m.
void poly1305(uint8_t tag[POLY1305_TAG_BYTES], const uint8_t *m, size_t len,
    const uint8_t key[POLY1305_KEY_BYTES]);

#endif
