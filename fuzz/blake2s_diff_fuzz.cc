// SPDX-License-Identifier: ISC
// Fuzz target: blake2s.cc against OpenSSL 3.  The input's first byte picks
// the digest length (1..32), the second the key length (0..32), the third
// how the message is fed (its low bits a first piece, the rest a chunk
// size), the fourth an HMAC key length (0..255); then come the key and the
// message.  Properties: BLAKE2s equals OpenSSL's (EVP_MD BLAKE2S-256
// unkeyed at 32 bytes, EVP_MAC BLAKE2SMAC keyed at any length) however the
// message is split; HMAC-BLAKE2s, keyed with the first bytes after the
// header, equals OpenSSL's HMAC with BLAKE2S-256 on the rest, whole and
// split in two.
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../blake2s.h"

static EVP_MD *md;
static EVP_MAC *blake2s_mac, *hmac;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	md = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	blake2s_mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (md == NULL || blake2s_mac == NULL || hmac == NULL)
		abort();
	return 0;
}

static void openssl_digest(uint8_t out[BLAKE2S_HASH_BYTES], const uint8_t *in, size_t len)
{
	unsigned int out_len = 0;
	if (EVP_Digest(in, len, out, &out_len, md, NULL) != 1 || out_len != BLAKE2S_HASH_BYTES)
		abort();
}

static void openssl_mac(EVP_MAC *mac, const OSSL_PARAM *params, uint8_t *out, size_t out_len,
    const uint8_t *key, size_t key_len, const uint8_t *in, size_t len)
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	size_t written = 0;
	// OpenSSL wants a key pointer even for an empty HMAC key.
	static const uint8_t no_key[1] = {0};
	if (ctx == NULL || EVP_MAC_CTX_set_params(ctx, params) != 1 ||
	    EVP_MAC_init(ctx, key_len ? key : no_key, key_len, NULL) != 1 ||
	    EVP_MAC_update(ctx, in, len) != 1 || EVP_MAC_final(ctx, out, &written, out_len) != 1 ||
	    written != out_len)
		abort();
	EVP_MAC_CTX_free(ctx);
}

enum { HEADER = 4 };

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < HEADER)
		return 0;
	size_t out_len = data[0] % BLAKE2S_HASH_BYTES + 1;
	size_t key_len = data[1] % (BLAKE2S_KEY_MAX + 1);
	size_t first = data[2] & 0x1f, chunk = (data[2] >> 5) * 23 + 1;	// 1..162
	size_t hmac_key_len = data[3];
	data += HEADER;
	len -= HEADER;
	if (key_len > len)
		key_len = len;
	const uint8_t *key = data, *msg = data + key_len;
	size_t msg_len = len - key_len;
	if (first > msg_len)
		first = msg_len;

	uint8_t whole[BLAKE2S_HASH_BYTES], pieces[BLAKE2S_HASH_BYTES], theirs[BLAKE2S_HASH_BYTES];
	struct blake2s s;
	blake2s_init(&s, out_len, key, key_len);
	blake2s_update(&s, msg, msg_len);
	blake2s_final(&s, whole);

	blake2s_init(&s, out_len, key, key_len);
	blake2s_update(&s, msg, first);
	for (size_t at = first; at < msg_len; at += chunk)
		blake2s_update(&s, msg + at, msg_len - at < chunk ? msg_len - at : chunk);
	blake2s_final(&s, pieces);
	if (memcmp(whole, pieces, out_len) != 0)
		abort();

	if (key_len > 0) {
		OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t("size", &out_len), OSSL_PARAM_construct_end()};
		openssl_mac(blake2s_mac, params, theirs, out_len, key, key_len, msg, msg_len);
		if (memcmp(whole, theirs, out_len) != 0)
			abort();
	} else if (out_len == BLAKE2S_HASH_BYTES) {
		// OpenSSL 3.0's BLAKE2S-256 digest has no length parameter.
		openssl_digest(theirs, msg, msg_len);
		if (memcmp(whole, theirs, out_len) != 0)
			abort();
	}

	if (hmac_key_len > len)
		hmac_key_len = len;
	const uint8_t *hmac_msg = data + hmac_key_len;
	size_t hmac_msg_len = len - hmac_key_len, split = hmac_msg_len / 2;
	char digest_name[] = "BLAKE2S-256";
	OSSL_PARAM hmac_params[] = {OSSL_PARAM_construct_utf8_string("digest", digest_name, 0),
				    OSSL_PARAM_construct_end()};
	openssl_mac(hmac, hmac_params, theirs, BLAKE2S_HASH_BYTES, data, hmac_key_len, hmac_msg, hmac_msg_len);
	hmac_blake2s(whole, data, hmac_key_len, hmac_msg, hmac_msg_len, NULL, 0);
	hmac_blake2s(pieces, data, hmac_key_len, hmac_msg, split, hmac_msg + split, hmac_msg_len - split);
	if (memcmp(whole, theirs, BLAKE2S_HASH_BYTES) != 0 || memcmp(pieces, theirs, BLAKE2S_HASH_BYTES) != 0)
		abort();
	return 0;
}
