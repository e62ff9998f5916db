// SPDX-License-Identifier: ISC
// bench/crypto_speed: MB/s (10^6 bytes of plaintext per second) of
// jtunnel's aead_seal and aead_open on packets of one size, in place with
// the tag right after the packet, as the tunnel does.  Each figure is the
// median of several timed runs, timed in CPU time (as openssl speed does),
// so that other work on a shared machine counts less.  Not part of jtunnel; bench/run prints it
// beside OpenSSL's.
//
//   bench/crypto_speed [-b BYTES] [-r RUNS] [-t SECONDS]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../chacha20.h"
#include "../chachapoly.h"
#include "../poly1305.h"
#include "../secret.h"

enum { PACKET_MAX = 65536, RUNS_MAX = 99, BATCH = 256 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t buf[PACKET_MAX + AEAD_TAG_BYTES], sealed[PACKET_MAX + AEAD_TAG_BYTES];
static const uint8_t key[AEAD_KEY_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};

// The tunnel's nonce: four zero bytes, then the 64-bit counter.
static void nonce_of(uint8_t nonce[AEAD_NONCE_BYTES], uint64_t n)
{
	memset(nonce, 0, 4);
	store64_le(nonce + 4, n);
}

// MB/s over about seconds of sealing (or opening) len-byte packets.
static double run(bool open, size_t len, double seconds)
{
	uint8_t nonce[AEAD_NONCE_BYTES];
	uint64_t packets = 0;
	double start = now(), elapsed;
	nonce_of(nonce, 0);
	do {
		for (int i = 0; i < BATCH; i++, packets++) {
			if (open) {
				// The sealed packet again, for each open (in place) to undo.
				memcpy(buf, sealed, len + AEAD_TAG_BYTES);
				if (!aead_open(buf, buf, len, buf + len, NULL, 0, nonce, key)) {
					fprintf(stderr, "crypto_speed: aead_open refused its own packet\n");
					exit(1);
				}
			} else {
				nonce_of(nonce, packets);
				aead_seal(buf, buf + len, buf, len, NULL, 0, nonce, key);
			}
		}
		elapsed = now() - start;
	} while (elapsed < seconds);
	return (double)packets * (double)len / elapsed / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	long len = 1420, runs = 5;
	double seconds = 0.5;
	int opt;
	while ((opt = getopt(argc, argv, "b:r:t:")) != -1) {
		switch (opt) {
		case 'b': len = strtol(optarg, NULL, 10); break;
		case 'r': runs = strtol(optarg, NULL, 10); break;
		case 't': seconds = strtod(optarg, NULL); break;
		default:
			fprintf(stderr, "usage: crypto_speed [-b BYTES] [-r RUNS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (len < 1 || len > PACKET_MAX || runs < 1 || runs > RUNS_MAX || !(seconds > 0)) {
		fprintf(stderr, "crypto_speed: -b 1..%d, -r 1..%d, -t above 0\n", PACKET_MAX, RUNS_MAX);
		return 2;
	}
	uint8_t nonce[AEAD_NONCE_BYTES];
	nonce_of(nonce, 0);
	memset(sealed, 0x5c, (size_t)len);
	aead_seal(sealed, sealed + len, sealed, (size_t)len, NULL, 0, nonce, key);

	double seal_mbs[RUNS_MAX], open_mbs[RUNS_MAX];
	for (int i = 0; i < runs; i++) {
		seal_mbs[i] = run(false, (size_t)len, seconds);
		open_mbs[i] = run(true, (size_t)len, seconds);
	}
	printf("seal %.1f MB/s, open %.1f MB/s (%ld-byte packets in place, median of %ld runs; "
	       "ChaCha20: %s; Poly1305: %s)\n",
	    median(seal_mbs, (int)runs), median(open_mbs, (int)runs), len, runs, chacha20_implementation(),
	    poly1305_implementation());
	return 0;
}
