// SPDX-License-Identifier: ISC
// bench/handshake_speed [SECONDS]: how fast this machine does X25519, and
// the handshakes a jtunnel server can complete, on one core.  Each figure
// runs for SECONDS (default 1) and prints one line "NAME VALUE UNIT":
//
//   x25519 N operations/s
//   server_handshake N handshakes/s
//
// A server handshake is what the server does per valid initiation: start
// from the prologue, read the initiation, write the response (two X25519
// operations) and split.  Drawing the ephemeral secret is not counted.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../noise.h"
#include "../x25519.h"

enum { CHECK_EVERY = 32, PROLOGUE_BYTES = 25 };

static double now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		perror("handshake_speed: clock_gettime");
		exit(1);
	}
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Fixed but arbitrary bytes: timing does not depend on them.
static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 37 * i);
}

static double x25519_rate(double seconds)
{
	uint8_t scalar[X25519_BYTES], u[X25519_BYTES];
	fill(scalar, sizeof scalar, 1);
	x25519_public(u, scalar);
	long ops = 0;
	double start = now(), elapsed;
	do {
		for (int i = 0; i < CHECK_EVERY; i++) {
			// Each result is the next point, so no call can be left out.
			uint8_t out[X25519_BYTES];
			if (!x25519(out, scalar, u)) {
				fprintf(stderr, "handshake_speed: x25519 gave zero\n");
				exit(1);
			}
			memcpy(u, out, sizeof u);
		}
		ops += CHECK_EVERY;
		elapsed = now() - start;
	} while (elapsed < seconds);
	return (double)ops / elapsed;
}

static double server_handshake_rate(double seconds)
{
	uint8_t prologue[PROLOGUE_BYTES], psk[NOISE_KEY_BYTES], e_client[32], e_server[32];
	uint8_t initiation[NOISE_MESSAGE_BYTES], response[NOISE_MESSAGE_BYTES];
	uint8_t k1[NOISE_KEY_BYTES], k2[NOISE_KEY_BYTES];
	fill(prologue, sizeof prologue, 2);
	fill(psk, sizeof psk, 3);
	fill(e_client, sizeof e_client, 4);
	fill(e_server, sizeof e_server, 5);
	struct noise_handshake client, server;
	noise_start(&client, prologue, sizeof prologue);
	noise_write_initiation(&client, psk, e_client, initiation);
	noise_wipe(&client);

	long handshakes = 0;
	double start = now(), elapsed;
	do {
		for (int i = 0; i < CHECK_EVERY; i++) {
			e_server[0] = (uint8_t)i;
			noise_start(&server, prologue, sizeof prologue);
			if (!noise_read_initiation(&server, psk, initiation) ||
			    !noise_write_response(&server, e_server, response)) {
				fprintf(stderr, "handshake_speed: the handshake failed\n");
				exit(1);
			}
			noise_split(&server, k1, k2);
		}
		handshakes += CHECK_EVERY;
		elapsed = now() - start;
	} while (elapsed < seconds);
	return (double)handshakes / elapsed;
}

int main(int argc, char **argv)
{
	double seconds = 1;
	if (argc > 2 || (argc == 2 && (seconds = atof(argv[1])) <= 0)) {
		fprintf(stderr, "usage: handshake_speed [SECONDS]\n");
		return 2;
	}
	printf("x25519 %.0f operations/s\n", x25519_rate(seconds));
	printf("server_handshake %.0f handshakes/s\n", server_handshake_rate(seconds));
	return 0;
}
