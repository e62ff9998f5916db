// SPDX-License-Identifier: ISC
// What a network card does for the kernel when it offloads work, done in
// userspace for a tun that offloads it to jtunnel (Linux): filling in a
// transport checksum the kernel left partial, and cutting a TCP segment of
// up to 64 KiB into packets that fit the MTU (segmentation offload, TSO).
// Reading one such segment instead of dozens of packets is what makes a
// TCP stream cheap to forward.  Pure functions on bytes, so they compile
// and are tested on every system.
#ifndef JTUNNEL_OFFLOAD_H
#define JTUNNEL_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

// Completes a partial checksum: folds the Internet checksum (RFC 1071) of
// packet[start..len), whose checksum field at start + offset holds the
// pseudo-header's sum, into that field.  Returns false, with packet
// unchanged, when the field does not lie within packet[start..len).
bool checksum_complete(uint8_t *packet, size_t len, size_t start, size_t offset);

enum {
	// The longest IP and TCP headers: IPv4's 60 and TCP's 60 bytes.
	TCP_CUT_HEADERS_MAX = 120,
};

// A TCP segment being cut into packets, each with the segment's headers
// (lengths, IPv4 identifier, sequence number, flags and checksums made
// right for it) and the next segment_size bytes of its payload.
struct tcp_cut {
	uint8_t headers[TCP_CUT_HEADERS_MAX];	// the segment's, as read
	size_t ip_bytes, header_bytes;		// IP header; IP and TCP headers
	size_t payload_bytes, segment_size;	// in all; per packet
	size_t done;				// payload bytes cut so far
	uint16_t id;				// IPv4: the next packet's identifier
};

// Starts cutting the IPv4 or IPv6 TCP segment packet[0..len) into packets
// of at most segment_size payload bytes.  Returns false when it is no such
// segment: another protocol, an IPv4 fragment, IPv6 with extension
// headers, lengths that disagree, or a segment_size of 0.
bool tcp_cut_start(struct tcp_cut *cut, const uint8_t *packet, size_t len, size_t segment_size);

// The payload bytes of the next packet, 0 when every byte has been cut.
static inline size_t tcp_cut_next_payload(const struct tcp_cut *cut)
{
	size_t left = cut->payload_bytes - cut->done;
	return left < cut->segment_size ? left : cut->segment_size;
}

// The length of the next packet, 0 when every byte has been cut.
static inline size_t tcp_cut_next_length(const struct tcp_cut *cut)
{
	size_t payload = tcp_cut_next_payload(cut);
	return payload == 0 ? 0 : cut->header_bytes + payload;
}

// The end of the room the next packet may be written in: the bytes of the
// segment at packet below it are cut already or the next packet's own.
static inline const uint8_t *tcp_cut_room_end(const struct tcp_cut *cut, const uint8_t *packet)
{
	return packet + cut->header_bytes + cut->done + tcp_cut_next_payload(cut);
}

// Writes the next packet to out, taking its payload from the segment at
// packet; it may overlap the segment as long as it ends at or below
// tcp_cut_room_end.  Returns its length, 0 when every byte has been cut.
size_t tcp_cut_next(struct tcp_cut *cut, const uint8_t *packet, uint8_t *out);

#endif
