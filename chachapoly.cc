// AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8): the Poly1305 key is the
// first half of ChaCha20 block 0, the message is encrypted from block 1, and
// the tag covers ad, zeros to a multiple of 16, the ciphertext, zeros again,
// and both lengths as little-endian 64-bit numbers.
#include "chachapoly.h"
#include "chacha20.h"
#include "poly1305.h"
#include "secret.h"

static const uint8_t zeros[POLY1305_BLOCK_BYTES] = {0};

static void pad16(struct poly1305_state *mac, size_t len)
{
	if (len % POLY1305_BLOCK_BYTES != 0)
		poly1305_update(mac, zeros, POLY1305_BLOCK_BYTES - len % POLY1305_BLOCK_BYTES);
}

static void aead_tag(uint8_t tag[AEAD_TAG_BYTES], const uint8_t *ct, size_t len, const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[AEAD_NONCE_BYTES], const uint8_t key[AEAD_KEY_BYTES])
{
	uint8_t block0[CHACHA20_BLOCK_BYTES];
	chacha20_block(block0, key, nonce, 0);
	struct poly1305_state mac;
	poly1305_init(&mac, block0);
	secret_wipe(block0, sizeof block0);
	poly1305_update(&mac, ad, ad_len);
	pad16(&mac, ad_len);
	poly1305_update(&mac, ct, len);
	pad16(&mac, len);
	uint8_t lengths[16];
	store64_le(lengths, (uint64_t)ad_len);
	store64_le(lengths + 8, (uint64_t)len);
	poly1305_update(&mac, lengths, sizeof lengths);
	poly1305_final(&mac, tag);
}

void aead_seal(uint8_t *out, uint8_t tag[AEAD_TAG_BYTES], const uint8_t *in, size_t len, const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[AEAD_NONCE_BYTES], const uint8_t key[AEAD_KEY_BYTES])
{
	chacha20_xor(out, in, len, key, nonce, 1);
	aead_tag(tag, out, len, ad, ad_len, nonce, key);
}

bool aead_open(uint8_t *out, const uint8_t *in, size_t len, const uint8_t tag[AEAD_TAG_BYTES], const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[AEAD_NONCE_BYTES], const uint8_t key[AEAD_KEY_BYTES])
{
	uint8_t expected[AEAD_TAG_BYTES];
	aead_tag(expected, in, len, ad, ad_len, nonce, key);
	bool ok = secret_equal(expected, tag, AEAD_TAG_BYTES);
	secret_wipe(expected, sizeof expected);
	if (!ok)
		return false;
	chacha20_xor(out, in, len, key, nonce, 1);
	return true;
}
