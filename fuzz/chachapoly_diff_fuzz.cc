// SPDX-License-Identifier: ISC
// Differential fuzz target: aead_seal and aead_open (chachapoly.cc) against
// libsodium's crypto_aead_chacha20poly1305_ietf (the test links -lsodium;
// jtunnel never does).  Input: key (32 bytes), nonce (12), the ad's length
// (1 byte), where to change a bit (2 bytes), then ad and message.
// Properties: both seal to the same bytes, out of place and in place with
// the tag right after the ciphertext; both open it to the message; with one
// bit of ad, ciphertext or tag changed, both refuse it, and aead_open
// leaves its output alone.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "../chachapoly.h"

enum { HEADER_BYTES = AEAD_KEY_BYTES + AEAD_NONCE_BYTES + 1 + 2, MESSAGE_MAX = 1 << 16 };

static uint8_t ct[MESSAGE_MAX + AEAD_TAG_BYTES], ref[MESSAGE_MAX + AEAD_TAG_BYTES];
static uint8_t buf[MESSAGE_MAX + AEAD_TAG_BYTES], out[MESSAGE_MAX], ad[256];

static void check(bool ok)
{
	if (!ok)
		abort();
}

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	check(sodium_init() >= 0);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < HEADER_BYTES)
		return 0;
	const uint8_t *key = data, *nonce = data + AEAD_KEY_BYTES;
	size_t ad_len = data[AEAD_KEY_BYTES + AEAD_NONCE_BYTES];
	size_t change = (size_t)data[HEADER_BYTES - 2] << 8 | data[HEADER_BYTES - 1];
	data += HEADER_BYTES, len -= HEADER_BYTES;
	if (ad_len > len)
		ad_len = len;
	memcpy(ad, data, ad_len);
	const uint8_t *msg = data + ad_len;
	size_t msg_len = len - ad_len;
	if (msg_len > MESSAGE_MAX)
		return 0;

	aead_seal(ct, ct + msg_len, msg, msg_len, ad, ad_len, nonce, key);
	unsigned long long mac_len = 0;
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(ref, ref + msg_len, &mac_len, msg, msg_len, ad,
	    ad_len, NULL, nonce, key);
	check(mac_len == AEAD_TAG_BYTES);
	size_t sealed_len = msg_len + AEAD_TAG_BYTES;
	check(memcmp(ct, ref, sealed_len) == 0);

	memcpy(buf, msg, msg_len);
	aead_seal(buf, buf + msg_len, buf, msg_len, ad, ad_len, nonce, key);
	check(memcmp(buf, ref, sealed_len) == 0);

	check(aead_open(out, ct, msg_len, ct + msg_len, ad, ad_len, nonce, key));
	check(memcmp(out, msg, msg_len) == 0);
	check(aead_open(buf, buf, msg_len, buf + msg_len, ad, ad_len, nonce, key));
	check(memcmp(buf, msg, msg_len) == 0);
	check(crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, ct, msg_len, ct + msg_len, ad,
	    ad_len, nonce, key) == 0);

	// One bit changed: in the ad, the ciphertext or the tag.
	size_t at = change % (ad_len + sealed_len);
	uint8_t bit = (uint8_t)(1u << (change >> 13));
	uint8_t *p = at < ad_len ? ad + at : ct + (at - ad_len);
	*p ^= bit;
	memset(out, 0x5a, msg_len);
	check(!aead_open(out, ct, msg_len, ct + msg_len, ad, ad_len, nonce, key));
	for (size_t i = 0; i < msg_len; i++)
		check(out[i] == 0x5a);
	check(crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, ct, msg_len, ct + msg_len, ad,
	    ad_len, nonce, key) != 0);
	memcpy(buf, ct, sealed_len);
	check(!aead_open(buf, buf, msg_len, buf + msg_len, ad, ad_len, nonce, key));
	check(memcmp(buf, ct, sealed_len) == 0);
	return 0;
}
