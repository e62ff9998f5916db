// SPDX-License-Identifier: ISC
// Fuzz target: x25519 against libsodium's crypto_scalarmult.  The input is
// the scalar (32 bytes) and u (32 bytes); shorter inputs are padded with
// zeros.  Properties: both agree on the result, and on which results are
// all zero (libsodium returns -1 for those, and for the low-order points it
// refuses, where ours returns false); the top bit of u changes nothing.
// Built twice: x25519_diff with the field this host picks, x25519_32bit_diff
// with the 32-bit one.
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../x25519.h"

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	if (sodium_init() < 0)
		abort();
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	uint8_t input[2 * X25519_BYTES] = {0};
	memcpy(input, data, len < sizeof input ? len : sizeof input);
	const uint8_t *scalar = input, *u = input + X25519_BYTES;

	uint8_t ours[X25519_BYTES], theirs[X25519_BYTES];
	bool ok = x25519(ours, scalar, u);
	bool theirs_ok = crypto_scalarmult(theirs, scalar, u) == 0;
	if (ok != theirs_ok)
		abort();
	static const uint8_t zero[X25519_BYTES] = {0};
	if (ok && memcmp(ours, theirs, X25519_BYTES) != 0)
		abort();
	if (!ok && memcmp(ours, zero, X25519_BYTES) != 0)
		abort();	// false must mean an all-zero result

	uint8_t flipped[X25519_BYTES], again[X25519_BYTES];
	memcpy(flipped, u, X25519_BYTES);
	flipped[31] ^= 0x80;
	if (x25519(again, scalar, flipped) != ok || memcmp(again, ours, X25519_BYTES) != 0)
		abort();
	return 0;
}
