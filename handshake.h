// SPDX-License-Identifier: ISC
// Keyed mode's handshake datagrams: the Noise messages of noise.h behind
// the 16-byte header (sender's identifier, type, seven zero bytes), with
// jtunnel's prologue ("jtunnel 1", the client's identifier, the server's).
#ifndef JTUNNEL_HANDSHAKE_H
#define JTUNNEL_HANDSHAKE_H

#include <stdint.h>

#include "noise.h"
#include "peer.h"

// Whether a datagram of len bytes has the shape of a handshake of type.
bool handshake_shaped(const uint8_t *datagram, size_t len, enum wire_type type);

// The keys of a finished handshake, as each end uses them.
struct session_keys {
	uint8_t tx[AEAD_KEY_BYTES];
	uint8_t rx[AEAD_KEY_BYTES];
};

// Client: writes a new initiation from client to server into datagram
// (WIRE_HANDSHAKE_BYTES), keeping what the response needs in hs.  Returns
// 0, or -1 with errno when no random bytes could be had.
int handshake_initiate(struct noise_handshake *hs, const struct peer_id *client,
    const struct peer_id *server, const uint8_t psk[KEY_BYTES], uint8_t *datagram);
// Client: reads a response.  Returns false, with hs as it was, when it does
// not verify; wiped after a response that does.
bool handshake_finish(struct noise_handshake *hs, const uint8_t *datagram,
    struct session_keys *keys);

// Server: reads an initiation from client.  Returns false when it does not
// verify (hs is wiped then).  The client's ephemeral key is then in hs->re.
bool handshake_accept(struct noise_handshake *hs, const struct peer_id *client,
    const struct peer_id *server, const uint8_t psk[KEY_BYTES], const uint8_t *datagram);
// Server: writes the response to an accepted initiation into datagram.
// Returns 0, or -1 (errno set; EINVAL for a low-order ephemeral key); hs is
// wiped either way.
int handshake_respond(struct noise_handshake *hs, const struct peer_id *server,
    uint8_t *datagram, struct session_keys *keys);

#endif
