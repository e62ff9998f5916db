// SPDX-License-Identifier: ISC
#include "handshake.h"

#include <errno.h>
#include <string.h>

#include "secret.h"

static const char PROLOGUE_LABEL[] = "jtunnel 1";
enum { LABEL_BYTES = sizeof PROLOGUE_LABEL - 1, PROLOGUE_BYTES = LABEL_BYTES + 2 * ID_BYTES };

static void start(struct noise_handshake *hs, const struct peer_id *client,
    const struct peer_id *server)
{
	uint8_t prologue[PROLOGUE_BYTES];
	memcpy(prologue, PROLOGUE_LABEL, LABEL_BYTES);
	memcpy(prologue + LABEL_BYTES, client->bytes, ID_BYTES);
	memcpy(prologue + LABEL_BYTES + ID_BYTES, server->bytes, ID_BYTES);
	noise_start(hs, prologue, sizeof prologue);
}

static void header(uint8_t *datagram, const struct peer_id *sender, enum wire_type type)
{
	memcpy(datagram, sender->bytes, ID_BYTES);
	datagram[WIRE_TYPE_AT] = (uint8_t)type;
	memset(datagram + WIRE_COUNTER_AT, 0, WIRE_COUNTER_BYTES);
}

bool handshake_shaped(const uint8_t *datagram, size_t len, enum wire_type type)
{
	if (len != WIRE_HANDSHAKE_BYTES || datagram[WIRE_TYPE_AT] != type)
		return false;
	uint8_t zero = 0;
	for (int i = 0; i < WIRE_COUNTER_BYTES; i++)
		zero |= datagram[WIRE_COUNTER_AT + i];
	return zero == 0;
}

int handshake_initiate(struct noise_handshake *hs, const struct peer_id *client,
    const struct peer_id *server, const uint8_t psk[KEY_BYTES], uint8_t *datagram)
{
	uint8_t e_secret[32];
	if (random_bytes(e_secret, sizeof e_secret) == -1)
		return -1;
	start(hs, client, server);
	header(datagram, client, WIRE_INITIATION);
	noise_write_initiation(hs, psk, e_secret, datagram + WIRE_KEYED_HEADER);
	secret_wipe(e_secret, sizeof e_secret);
	return 0;
}

bool handshake_finish(struct noise_handshake *hs, const uint8_t *datagram,
    struct session_keys *keys)
{
	// A response that does not verify leaves hs as it was: a forged one
	// does not end the handshake.
	if (!noise_read_response(hs, datagram + WIRE_KEYED_HEADER))
		return false;
	noise_split(hs, keys->tx, keys->rx);
	return true;
}

bool handshake_accept(struct noise_handshake *hs, const struct peer_id *client,
    const struct peer_id *server, const uint8_t psk[KEY_BYTES], const uint8_t *datagram)
{
	start(hs, client, server);
	if (noise_read_initiation(hs, psk, datagram + WIRE_KEYED_HEADER))
		return true;
	noise_wipe(hs);
	return false;
}

int handshake_respond(struct noise_handshake *hs, const struct peer_id *server,
    uint8_t *datagram, struct session_keys *keys)
{
	uint8_t e_secret[32];
	int rc = 0;
	if (random_bytes(e_secret, sizeof e_secret) == -1) {
		rc = -1;
	} else {
		header(datagram, server, WIRE_RESPONSE);
		if (noise_write_response(hs, e_secret, datagram + WIRE_KEYED_HEADER)) {
			noise_split(hs, keys->rx, keys->tx);
		} else {
			errno = EINVAL;
			rc = -1;
		}
	}
	secret_wipe(e_secret, sizeof e_secret);
	noise_wipe(hs);
	return rc;
}
