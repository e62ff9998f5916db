// SPDX-License-Identifier: ISC
// Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s (Noise Protocol Framework revision
// 34): the SymmetricState of section 5.2 and the two messages of
//     -> psk, e
//     <- e, ee
// where, the handshake having a psk, each e token also calls MixKey
// (section 9.2).
#include "noise.h"

#include <string.h>

#include "blake2s.h"
#include "chachapoly.h"
#include "secret.h"
#include "x25519.h"

static_assert((int)NOISE_MESSAGE_BYTES == (int)X25519_BYTES + (int)AEAD_TAG_BYTES,
	      "a message is an ephemeral public key and a tag");
static_assert((int)NOISE_KEY_BYTES == (int)BLAKE2S_HASH_BYTES &&
		  (int)NOISE_KEY_BYTES == (int)AEAD_KEY_BYTES,
	      "HASHLEN and the cipher's key are both 32 bytes");

// Longer than HASHLEN, so InitializeSymmetric hashes it.
static const char protocol_name[] = "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2s";

// h = HASH(h || data).
static void mix_hash(struct noise_handshake *hs, const uint8_t *data, size_t len)
{
	struct blake2s s;
	blake2s_init(&s, BLAKE2S_HASH_BYTES, NULL, 0);
	blake2s_update(&s, hs->h, sizeof hs->h);
	blake2s_update(&s, data, len);
	blake2s_final(&s, hs->h);
}

// ck, k = HKDF(ck, ikm, 2); the nonce starts again at 0.
static void mix_key(struct noise_handshake *hs, const uint8_t *ikm, size_t len)
{
	uint8_t ck[BLAKE2S_HASH_BYTES];
	hkdf_blake2s(ck, hs->k, NULL, hs->ck, ikm, len);
	memcpy(hs->ck, ck, sizeof ck);
	secret_wipe(ck, sizeof ck);
}

// The psk token: ck, temp_h, k = HKDF(ck, psk, 3); MixHash(temp_h).
static void mix_key_and_hash(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES])
{
	uint8_t ck[BLAKE2S_HASH_BYTES], temp_h[BLAKE2S_HASH_BYTES];
	hkdf_blake2s(ck, temp_h, hs->k, hs->ck, psk, NOISE_KEY_BYTES);
	memcpy(hs->ck, ck, sizeof ck);
	mix_hash(hs, temp_h, sizeof temp_h);
	secret_wipe(ck, sizeof ck);
	secret_wipe(temp_h, sizeof temp_h);
}

// The e token of the writer: our public key goes into msg.
static void write_e(struct noise_handshake *hs, const uint8_t e_secret[32], uint8_t *msg)
{
	memcpy(hs->e_secret, e_secret, sizeof hs->e_secret);
	x25519_public(hs->e_public, hs->e_secret);
	memcpy(msg, hs->e_public, X25519_BYTES);
	mix_hash(hs, hs->e_public, X25519_BYTES);
	mix_key(hs, hs->e_public, X25519_BYTES);
}

// The e token of the reader: the peer's public key comes from msg.
static void read_e(struct noise_handshake *hs, const uint8_t *msg)
{
	memcpy(hs->re, msg, X25519_BYTES);
	mix_hash(hs, hs->re, X25519_BYTES);
	mix_key(hs, hs->re, X25519_BYTES);
}

// The ee token: MixKey(DH(e, re)), refused when the result is all zero.
static bool mix_ee(struct noise_handshake *hs)
{
	uint8_t dh[X25519_BYTES];
	bool ok = x25519(dh, hs->e_secret, hs->re);
	if (ok)
		mix_key(hs, dh, sizeof dh);
	secret_wipe(dh, sizeof dh);
	return ok;
}

// Each message encrypts once, right after a MixKey, so its nonce n is
// always 0: 32 zero bits and a 64-bit little-endian zero.
static const uint8_t message_nonce[AEAD_NONCE_BYTES] = {0};

// EncryptAndHash(payload): out gets the ciphertext and the tag.
static void encrypt_and_hash(struct noise_handshake *hs, const uint8_t *payload, size_t len,
    uint8_t *out)
{
	aead_seal(out, out + len, payload, len, hs->h, sizeof hs->h, message_nonce, hs->k);
	mix_hash(hs, out, len + AEAD_TAG_BYTES);
}

// DecryptAndHash(in): len is the ciphertext's length without the tag that
// follows it.  Writes the payload to out only when the tag verifies.
static bool decrypt_and_hash(struct noise_handshake *hs, const uint8_t *in, size_t len,
    uint8_t *out)
{
	if (!aead_open(out, in, len, in + len, hs->h, sizeof hs->h, message_nonce, hs->k))
		return false;
	mix_hash(hs, in, len + AEAD_TAG_BYTES);
	return true;
}

void noise_start(struct noise_handshake *hs, const uint8_t *prologue, size_t prologue_len)
{
	secret_wipe(hs, sizeof *hs);
	struct blake2s s;
	blake2s_init(&s, BLAKE2S_HASH_BYTES, NULL, 0);
	blake2s_update(&s, (const uint8_t *)protocol_name, sizeof protocol_name - 1);
	blake2s_final(&s, hs->h);
	memcpy(hs->ck, hs->h, sizeof hs->ck);
	mix_hash(hs, prologue, prologue_len);
}

void noise_write_initiation_payload(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t e_secret[32], const uint8_t *payload, size_t payload_len, uint8_t *msg)
{
	mix_key_and_hash(hs, psk);
	write_e(hs, e_secret, msg);
	encrypt_and_hash(hs, payload, payload_len, msg + X25519_BYTES);
}

// The readers and the responder's writer work on a copy and keep it only on
// success, so that hs is left as it was on failure.
bool noise_read_initiation_payload(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t *msg, size_t msg_len, uint8_t *payload)
{
	if (msg_len < NOISE_MESSAGE_BYTES)
		return false;
	struct noise_handshake next = *hs;
	mix_key_and_hash(&next, psk);
	read_e(&next, msg);
	bool ok = decrypt_and_hash(&next, msg + X25519_BYTES, msg_len - NOISE_MESSAGE_BYTES, payload);
	if (ok)
		*hs = next;
	noise_wipe(&next);
	return ok;
}

bool noise_write_response_payload(struct noise_handshake *hs, const uint8_t e_secret[32],
    const uint8_t *payload, size_t payload_len, uint8_t *msg)
{
	struct noise_handshake next = *hs;
	write_e(&next, e_secret, msg);
	bool ok = mix_ee(&next);
	if (ok) {
		// The responder's ephemeral secret has done its one job.
		secret_wipe(next.e_secret, sizeof next.e_secret);
		encrypt_and_hash(&next, payload, payload_len, msg + X25519_BYTES);
		*hs = next;
	}
	noise_wipe(&next);
	return ok;
}

bool noise_read_response_payload(struct noise_handshake *hs, const uint8_t *msg, size_t msg_len,
    uint8_t *payload)
{
	if (msg_len < NOISE_MESSAGE_BYTES)
		return false;
	struct noise_handshake next = *hs;
	read_e(&next, msg);
	bool ok = mix_ee(&next) &&
		  decrypt_and_hash(&next, msg + X25519_BYTES, msg_len - NOISE_MESSAGE_BYTES, payload);
	if (ok) {
		secret_wipe(next.e_secret, sizeof next.e_secret);
		*hs = next;
	}
	noise_wipe(&next);
	return ok;
}

// The messages jtunnel sends, with empty payloads.  The AEAD is given real
// pointers even for no bytes: msg itself as the (empty) plaintext, and a
// byte that is never written as the place for the (empty) payload read.
void noise_write_initiation(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t e_secret[32], uint8_t msg[NOISE_MESSAGE_BYTES])
{
	noise_write_initiation_payload(hs, psk, e_secret, msg + X25519_BYTES, 0, msg);
}

bool noise_read_initiation(struct noise_handshake *hs, const uint8_t psk[NOISE_KEY_BYTES],
    const uint8_t msg[NOISE_MESSAGE_BYTES])
{
	uint8_t no_payload[1];
	return noise_read_initiation_payload(hs, psk, msg, NOISE_MESSAGE_BYTES, no_payload);
}

bool noise_write_response(struct noise_handshake *hs, const uint8_t e_secret[32],
    uint8_t msg[NOISE_MESSAGE_BYTES])
{
	return noise_write_response_payload(hs, e_secret, msg + X25519_BYTES, 0, msg);
}

bool noise_read_response(struct noise_handshake *hs, const uint8_t msg[NOISE_MESSAGE_BYTES])
{
	uint8_t no_payload[1];
	return noise_read_response_payload(hs, msg, NOISE_MESSAGE_BYTES, no_payload);
}

void noise_split(struct noise_handshake *hs, uint8_t initiator_key[NOISE_KEY_BYTES],
    uint8_t responder_key[NOISE_KEY_BYTES])
{
	hkdf_blake2s(initiator_key, responder_key, NULL, hs->ck, NULL, 0);
	noise_wipe(hs);
}

void noise_wipe(struct noise_handshake *hs)
{
	secret_wipe(hs, sizeof *hs);
}
