// SPDX-License-Identifier: ISC
// The one Noise handshake jtunnel speaks, Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s
// (Noise Protocol Framework revision 34, sections 5 and 9):
//     -> psk, e
//     <- e, ee
// with empty payloads, so each message is 48 bytes: an ephemeral public key
// and the tag of the empty payload.
#ifndef JTUNNEL_NOISE_H
#define JTUNNEL_NOISE_H

#include <stddef.h>
#include <stdint.h>

enum { NOISE_KEY_BYTES = 32, NOISE_MESSAGE_BYTES = 48 };

struct noise_handshake {
	uint8_t ck[32];			// chaining key
	uint8_t h[32];			// handshake hash
	uint8_t k[32];			// the CipherState's key once set
	uint8_t e_secret[32];		// our ephemeral key pair
	uint8_t e_public[32];
	uint8_t re[32];			// the peer's ephemeral public key
};

// InitializeSymmetric(protocol name) and MixHash(prologue).
void noise_start(struct noise_handshake *hs, const uint8_t *prologue, size_t prologue_len);

// Initiator: writes "-> psk, e" with the ephemeral secret e_secret.
void noise_write_initiation(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t e_secret[32], uint8_t msg[NOISE_MESSAGE_BYTES]);
// Responder: reads it.  Returns false when its tag does not verify.
bool noise_read_initiation(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t msg[NOISE_MESSAGE_BYTES]);

// Responder: writes "<- e, ee".  Returns false when ee is all zero.
bool noise_write_response(struct noise_handshake *hs, const uint8_t e_secret[32],
    uint8_t msg[NOISE_MESSAGE_BYTES]);
// Initiator: reads it.  Returns false when ee is all zero or the tag does
// not verify.
bool noise_read_response(struct noise_handshake *hs, const uint8_t msg[NOISE_MESSAGE_BYTES]);

// A function above that returns false leaves hs as it was, so that a forged
// message does not end a handshake; noise_wipe it when giving up.

// The same four messages with a payload, which jtunnel never sends but the
// test vectors carry: a message is NOISE_MESSAGE_BYTES + payload_len bytes,
// the payload encrypted between the ephemeral key and the tag.  A reader
// writes the payload (msg_len - NOISE_MESSAGE_BYTES bytes) only on success.
void noise_write_initiation_payload(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t e_secret[32], const uint8_t *payload, size_t payload_len, uint8_t *msg);
bool noise_read_initiation_payload(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t *msg, size_t msg_len, uint8_t *payload);
bool noise_write_response_payload(struct noise_handshake *hs, const uint8_t e_secret[32],
    const uint8_t *payload, size_t payload_len, uint8_t *msg);
bool noise_read_response_payload(struct noise_handshake *hs, const uint8_t *msg, size_t msg_len,
    uint8_t *payload);

// Split(): the initiator's sending key and the responder's, then wipes hs.
void noise_split(struct noise_handshake *hs, uint8_t initiator_key[NOISE_KEY_BYTES],
    uint8_t responder_key[NOISE_KEY_BYTES]);

// Wipes every secret of an unfinished handshake.
void noise_wipe(struct noise_handshake *hs);

#endif
