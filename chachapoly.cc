// SPDX-License-Identifier: ISC
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

// Block 0 of the key stream, whose first half is the Poly1305 key, and the
// blocks after it for up to the first HEAD_BYTES of the message, in one
// call to chacha20_xor, which runs four or eight blocks at once where it
// can: so block 0 costs no call of its own.  Returns how many bytes of the
// message stream + 64 covers.
enum { HEAD_BLOCKS = 7, HEAD_BYTES = HEAD_BLOCKS * CHACHA20_BLOCK_BYTES };
static size_t first_blocks(uint8_t stream[CHACHA20_BLOCK_BYTES + HEAD_BYTES], size_t len,
    const uint8_t nonce[AEAD_NONCE_BYTES], const uint8_t key[AEAD_KEY_BYTES])
{
	size_t head = len < HEAD_BYTES ? len : (size_t)HEAD_BYTES;
	size_t n = CHACHA20_BLOCK_BYTES + (head + CHACHA20_BLOCK_BYTES - 1) / CHACHA20_BLOCK_BYTES * CHACHA20_BLOCK_BYTES;
	memset(stream, 0, n);
	chacha20_xor(stream, stream, n, key, nonce, 0);
	return head;
}

// The message from block 1 on: its head from stream, the rest from
// block 1 + HEAD_BLOCKS.
static void encrypt(uint8_t *out, const uint8_t *in, size_t len, const uint8_t *stream, size_t head,
    const uint8_t nonce[AEAD_NONCE_BYTES], const uint8_t key[AEAD_KEY_BYTES])
{
	size_t i = 0;
	for (; i + 8 <= head; i += 8)
		store64_le(out + i, load64_le(in + i) ^ load64_le(stream + CHACHA20_BLOCK_BYTES + i));
	for (; i < head; i++)
		out[i] = in[i] ^ stream[CHACHA20_BLOCK_BYTES + i];
	if (len > head)
		chacha20_xor(out + head, in + head, len - head, key, nonce, 1 + HEAD_BLOCKS);
}

static void aead_tag(uint8_t tag[AEAD_TAG_BYTES], const uint8_t poly_key[POLY1305_KEY_BYTES], const uint8_t *ct,
    size_t len, const uint8_t *ad, size_t ad_len)
{
	struct poly1305_state mac;
	poly1305_init(&mac, poly_key);
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
	uint8_t stream[CHACHA20_BLOCK_BYTES + HEAD_BYTES];
	size_t head = first_blocks(stream, len, nonce, key);
	encrypt(out, in, len, stream, head, nonce, key);
	aead_tag(tag, stream, out, len, ad, ad_len);
	secret_wipe(stream, sizeof stream);
}

bool aead_open(uint8_t *out, const uint8_t *in, size_t len, const uint8_t tag[AEAD_TAG_BYTES], const uint8_t *ad,
    size_t ad_len, const uint8_t nonce[AEAD_NONCE_BYTES], const uint8_t key[AEAD_KEY_BYTES])
{
	uint8_t stream[CHACHA20_BLOCK_BYTES + HEAD_BYTES], expected[AEAD_TAG_BYTES];
	size_t head = first_blocks(stream, len, nonce, key);
	aead_tag(expected, stream, in, len, ad, ad_len);
	bool ok = secret_equal(expected, tag, AEAD_TAG_BYTES);
	if (ok)
		encrypt(out, in, len, stream, head, nonce, key);
	secret_wipe(stream, sizeof stream);
	secret_wipe(expected, sizeof expected);
	return ok;
}
