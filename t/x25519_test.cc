// SPDX-License-Identifier: ISC
// Unit tests for x25519.cc on RFC 7748's vectors and Wycheproof's, fed by
// t/vectors_x25519.py (see there for the lines).  Besides each vector's
// result it checks that out may be the same buffer as u or the scalar,
// that the top bit of u is ignored, and that u is reduced mod p.  The
// 1,000,000-iteration vector runs only with JT_SLOW_VECTORS=1.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../x25519.h"
#include "unit.h"

#if defined(__SIZEOF_INT128__) && !defined(X25519_32BIT)
static const char NAME[] = "x25519 (64-bit field)";
#else
static const char NAME[] = "x25519 (32-bit field)";
#endif

static struct unit_tally tally;

static void field32(const struct unit_line *l, int i, uint8_t out[X25519_BYTES])
{
	if (i >= l->count || unit_hex(l->field[i], out, X25519_BYTES) != X25519_BYTES) {
		fprintf(stderr, "line %ld: field %d is not 32 bytes\n", l->number, i);
		exit(2);
	}
}

static bool all_zero(const uint8_t b[X25519_BYTES])
{
	static const uint8_t zero[X25519_BYTES] = {0};
	return memcmp(b, zero, X25519_BYTES) == 0;
}

// X25519(k, u) == expected, and false returned exactly for an all-zero
// result; also with out in place of u and of k.
static void check_x25519(const struct unit_line *l, const uint8_t k[X25519_BYTES],
    const uint8_t u[X25519_BYTES], const uint8_t expected[X25519_BYTES])
{
	bool want = !all_zero(expected);
	uint8_t out[X25519_BYTES];
	memset(out, 0xa5, sizeof out);
	bool ok = x25519(out, k, u);
	unit_check(&tally, memcmp(out, expected, X25519_BYTES) == 0, l, "result differs");
	unit_check(&tally, ok == want, l, want ? "returned false" : "returned true for an all-zero result");

	uint8_t in_place[X25519_BYTES];
	memcpy(in_place, u, X25519_BYTES);
	ok = x25519(in_place, k, in_place);
	unit_check(&tally, ok == want && memcmp(in_place, expected, X25519_BYTES) == 0, l,
		   "result differs with out the same buffer as u");
	memcpy(in_place, k, X25519_BYTES);
	ok = x25519(in_place, in_place, u);
	unit_check(&tally, ok == want && memcmp(in_place, expected, X25519_BYTES) == 0, l,
		   "result differs with out the same buffer as the scalar");

	uint8_t top_flipped[X25519_BYTES];
	memcpy(top_flipped, u, X25519_BYTES);
	top_flipped[31] ^= 0x80;
	ok = x25519(out, k, top_flipped);
	unit_check(&tally, ok == want && memcmp(out, expected, X25519_BYTES) == 0, l,
		   "the top bit of u changed the result");
}

// RFC 7748 section 5.2: r = X25519(k, u); u = k; k = r, n times.
static void check_iterated(const struct unit_line *l, const uint8_t k0[X25519_BYTES],
    const uint8_t u0[X25519_BYTES], const uint8_t expected[X25519_BYTES], long n)
{
	uint8_t k[X25519_BYTES], u[X25519_BYTES], r[X25519_BYTES];
	memcpy(k, k0, X25519_BYTES);
	memcpy(u, u0, X25519_BYTES);
	bool all_true = true;
	for (long i = 0; i < n; i++) {
		all_true &= x25519(r, k, u);
		memcpy(u, k, X25519_BYTES);
		memcpy(k, r, X25519_BYTES);
	}
	unit_check(&tally, memcmp(k, expected, X25519_BYTES) == 0 && all_true, l, "iterated result differs");
}

// x25519_public(secret) == pub, and X25519(secret, 9 + p) gives the same:
// a non-canonical u is taken mod p.
static void check_public(const struct unit_line *l, const uint8_t secret[X25519_BYTES],
    const uint8_t pub[X25519_BYTES])
{
	uint8_t out[X25519_BYTES];
	x25519_public(out, secret);
	unit_check(&tally, memcmp(out, pub, X25519_BYTES) == 0, l, "public key differs");

	uint8_t nine_plus_p[X25519_BYTES];	// 2^255 - 10
	memset(nine_plus_p, 0xff, sizeof nine_plus_p);
	nine_plus_p[0] = 0xf6;
	nine_plus_p[31] = 0x7f;
	bool ok = x25519(out, secret, nine_plus_p);
	unit_check(&tally, ok && memcmp(out, pub, X25519_BYTES) == 0, l, "u = 9 + p is not taken as 9");
}

// Wycheproof's flags, and how many passed cases carried each.
enum { FLAGS_MAX = 32, FLAG_NAME_MAX = 32 };
static char flag_names[FLAGS_MAX][FLAG_NAME_MAX];
static long flag_counts[FLAGS_MAX];
static int flags_seen;

static void count_flags(char *flags)
{
	if (strcmp(flags, "-") == 0)
		return;
	for (char *save = NULL, *f = strtok_r(flags, ",", &save); f != NULL; f = strtok_r(NULL, ",", &save)) {
		int i = 0;
		while (i < flags_seen && strcmp(flag_names[i], f) != 0)
			i++;
		if (i == flags_seen) {
			if (flags_seen == FLAGS_MAX)
				return;
			snprintf(flag_names[flags_seen++], FLAG_NAME_MAX, "%s", f);
		}
		flag_counts[i]++;
	}
}

// Valid and acceptable results must both match; an all-zero shared secret
// must give false (which check_x25519 asserts).
static void check_wycheproof(const struct unit_line *l, long *cases)
{
	if (l->count != 7) {
		fprintf(stderr, "line %ld: wycheproof wants 6 fields\n", l->number);
		exit(2);
	}
	uint8_t k[X25519_BYTES], u[X25519_BYTES], shared[X25519_BYTES];
	field32(l, 2, k);
	field32(l, 3, u);
	field32(l, 4, shared);
	const char *result = l->field[5];
	if (strcmp(result, "valid") != 0 && strcmp(result, "acceptable") != 0) {
		// No invalid cases in this file: an unknown result is a new file.
		fprintf(stderr, "line %ld: result %s not handled\n", l->number, result);
		exit(2);
	}
	long failed_before = tally.failed;
	check_x25519(l, k, u, shared);
	if (tally.failed == failed_before) {
		(*cases)++;
		count_flags(l->field[6]);
	} else {
		fprintf(stderr, "  (tcId %s, %s, flags %s)\n", l->field[1], result, l->field[6]);
	}
}

int main(void)
{
	bool run_slow = getenv("JT_SLOW_VECTORS") != NULL && strcmp(getenv("JT_SLOW_VECTORS"), "1") == 0;
	long rfc = 0, publics = 0, iterated = 0, wycheproof = 0, skipped = 0;
	char skipped_names[256] = "";

	struct unit_line l;
	memset(&l, 0, sizeof l);
	while (unit_next(&l)) {
		if (l.count == 0)
			continue;
		const char *kind = l.field[0];
		uint8_t a[X25519_BYTES], b[X25519_BYTES], c[X25519_BYTES];
		if (strcmp(kind, "x25519") == 0 && l.count == 5) {
			field32(&l, 2, a);
			field32(&l, 3, b);
			field32(&l, 4, c);
			check_x25519(&l, a, b, c);
			rfc++;
		} else if (strcmp(kind, "public") == 0 && l.count == 4) {
			field32(&l, 2, a);
			field32(&l, 3, b);
			check_public(&l, a, b);
			publics++;
		} else if ((strcmp(kind, "iterated") == 0 || strcmp(kind, "iterated-slow") == 0) && l.count == 6) {
			if (strcmp(kind, "iterated-slow") == 0 && !run_slow) {
				skipped++;
				size_t used = strlen(skipped_names);
				snprintf(skipped_names + used, sizeof skipped_names - used, "%s%s",
					 used ? ", " : "", l.field[1]);
				continue;
			}
			field32(&l, 2, a);
			field32(&l, 3, b);
			field32(&l, 4, c);
			check_iterated(&l, a, b, c, strtol(l.field[5], NULL, 10));
			iterated++;
		} else if (strcmp(kind, "wycheproof") == 0) {
			check_wycheproof(&l, &wycheproof);
		} else {
			fprintf(stderr, "line %ld: unknown vector %s with %d fields\n", l.number, kind, l.count);
			exit(2);
		}
	}

	printf("%s: RFC 7748: %ld single, %ld iterated, %ld public keys; Wycheproof: %ld cases passed\n",
	       NAME, rfc, iterated, publics, wycheproof);
	if (flags_seen > 0) {
		printf("%s: Wycheproof flags of the passed cases:", NAME);
		for (int i = 0; i < flags_seen; i++)
			printf(" %s %ld%s", flag_names[i], flag_counts[i], i + 1 < flags_seen ? "," : "\n");
	}
	if (skipped > 0)
		printf("%s: skipped %ld slow vector%s (%s); JT_SLOW_VECTORS=1 runs %s\n", NAME, skipped,
		       skipped == 1 ? "" : "s", skipped_names, skipped == 1 ? "it" : "them");
	return unit_summary(&tally, NAME);
}
