// SPDX-License-Identifier: ISC
// The wire format: every datagram between two ends starts with the
// sender's 8-byte identifier.  In plain mode an IP packet follows it (none:
// a keepalive).  In keyed mode a 16-byte header (identifier, type, 56-bit
// little-endian counter) comes first, and a data datagram carries the
// packet encrypted and a 16-byte tag after it; a handshake datagram is
// always 64 bytes.  Buffers leave this much room around every packet, so
// the forwarding loops build and take apart datagrams in place.
#ifndef JTUNNEL_WIRE_H
#define JTUNNEL_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
	ID_BYTES = 8,
	WIRE_TYPE_AT = 8,
	WIRE_COUNTER_AT = 9,
	WIRE_COUNTER_BYTES = 7,
	WIRE_KEYED_HEADER = 16,		// identifier, type, counter or zeros
	WIRE_TAG_BYTES = 16,
	WIRE_KEYED_OVERHEAD = WIRE_KEYED_HEADER + WIRE_TAG_BYTES,
	WIRE_HANDSHAKE_BYTES = 64,	// header and a 48-byte Noise message
	WIRE_PLAIN_OVERHEAD = ID_BYTES,
	// The largest datagram taken: the largest UDP payload, and more.
	DATAGRAM_MAX = 65536,
};

enum wire_type {
	WIRE_INITIATION = 1,		// client to server
	WIRE_RESPONSE = 2,		// server to client
	WIRE_DATA = 4,			// either way
};

// Counters run below 2^56 - 2^13 in one session: the 56 bits leave that
// much room before they could wrap.
static const uint64_t WIRE_COUNTER_LIMIT = ((uint64_t)1 << 56) - ((uint64_t)1 << 13);

#endif
