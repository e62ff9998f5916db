// SPDX-License-Identifier: ISC
// Checksum and segmentation offload in userspace.  The headers are those of
// RFC 791 (IPv4), RFC 8200 (IPv6) and RFC 9293 (TCP); the checksum is RFC
// 1071's, over RFC 9293's pseudo-header (RFC 8200 section 8.1 for IPv6).
#include "offload.h"

#include <string.h>

enum {
	IP_VERSION_4 = 4,
	IP_VERSION_6 = 6,
	IPV4_HEADER_MIN = 20,
	IPV6_HEADER = 40,
	TCP_HEADER_MIN = 20,
	PROTOCOL_TCP = 6,
	IPV4_FRAGMENT_BITS = 0x3fff,	// more-fragments flag and offset
	TCP_FIN = 0x01,
	TCP_PSH = 0x08,
	TCP_CWR = 0x80,
	TCP_SEQUENCE_AT = 4,
	TCP_FLAGS_AT = 13,
	TCP_CHECKSUM_AT = 16,
};

static uint32_t load16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void store32(uint8_t *p, uint32_t v)
{
	store16(p, v >> 16);
	store16(p + 2, v);
}

// Adds the bytes, as 16-bit big-endian words, to an unfolded sum.  Only
// the last piece of a sum may have an odd length.  Summing 32-bit words is
// the same sum (2^16 is 1 modulo 2^16 - 1), in half the steps.
static uint64_t sum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	for (; len >= 4; p += 4, len -= 4)
		sum += load32(p);
	if (len >= 2) {
		sum += load16(p);
		p += 2;
		len -= 2;
	}
	if (len == 1)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

// The checksum field's value for a sum: its ones' complement, folded.
static uint32_t sum_finish(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~(uint32_t)sum & 0xffff;
}

bool checksum_complete(uint8_t *packet, size_t len, size_t start, size_t offset)
{
	if (start > len || offset > len - start || len - start - offset < 2)
		return false;
	uint32_t check = sum_finish(sum_add(0, packet + start, len - start));
	// 0 would mean "no checksum" to UDP; its ones' complement twin is
	// the same sum to every protocol.
	store16(packet + start + offset, check == 0 ? 0xffff : check);
	return true;
}

bool tcp_cut_start(struct tcp_cut *cut, const uint8_t *packet, size_t len, size_t segment_size)
{
	if (len < IPV4_HEADER_MIN || segment_size == 0)
		return false;
	size_t ip_bytes;
	if (packet[0] >> 4 == IP_VERSION_4) {
		ip_bytes = (size_t)(packet[0] & 0x0f) * 4;
		if (ip_bytes < IPV4_HEADER_MIN || load16(packet + 2) != len ||
		    (load16(packet + 6) & IPV4_FRAGMENT_BITS) != 0 || packet[9] != PROTOCOL_TCP)
			return false;
	} else if (packet[0] >> 4 == IP_VERSION_6) {
		ip_bytes = IPV6_HEADER;
		if (len < IPV6_HEADER || load16(packet + 4) != len - IPV6_HEADER ||
		    packet[6] != PROTOCOL_TCP)
			return false;
	} else {
		return false;
	}
	if (len < ip_bytes + TCP_HEADER_MIN)
		return false;
	size_t tcp_bytes = (size_t)(packet[ip_bytes + 12] >> 4) * 4;
	if (tcp_bytes < TCP_HEADER_MIN || len <= ip_bytes + tcp_bytes)
		return false;
	cut->ip_bytes = ip_bytes;
	cut->header_bytes = ip_bytes + tcp_bytes;
	memcpy(cut->headers, packet, cut->header_bytes);
	cut->payload_bytes = len - cut->header_bytes;
	cut->segment_size = segment_size;
	cut->done = 0;
	cut->id = (uint16_t)load16(packet + 4);
	return true;
}

size_t tcp_cut_next(struct tcp_cut *cut, const uint8_t *packet, uint8_t *out)
{
	size_t payload = tcp_cut_next_payload(cut);
	if (payload == 0)
		return 0;
	size_t len = cut->header_bytes + payload;
	memmove(out + cut->header_bytes, packet + cut->header_bytes + cut->done, payload);
	memcpy(out, cut->headers, cut->header_bytes);
	uint8_t *tcp = out + cut->ip_bytes;
	size_t tcp_len = len - cut->ip_bytes;
	// The pseudo-header: addresses, protocol and the TCP length.
	uint64_t sum = PROTOCOL_TCP + tcp_len;
	if (out[0] >> 4 == IP_VERSION_4) {
		store16(out + 2, (uint32_t)len);
		// Consecutive identifiers, as Linux's own segmentation gives them.
		store16(out + 4, cut->id++);
		store16(out + 10, 0);
		store16(out + 10, sum_finish(sum_add(0, out, cut->ip_bytes)));
		sum = sum_add(sum, out + 12, 8);
	} else {
		store16(out + 4, (uint32_t)tcp_len);
		sum = sum_add(sum, out + 8, 32);
	}
	store32(tcp + TCP_SEQUENCE_AT, load32(tcp + TCP_SEQUENCE_AT) + (uint32_t)cut->done);
	// FIN and PSH belong to the segment's end, CWR to its start.
	if (cut->done + payload < cut->payload_bytes)
		tcp[TCP_FLAGS_AT] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (cut->done > 0)
		tcp[TCP_FLAGS_AT] &= (uint8_t)~TCP_CWR;
	store16(tcp + TCP_CHECKSUM_AT, 0);
	store16(tcp + TCP_CHECKSUM_AT, sum_finish(sum_add(sum, tcp, tcp_len)));
	cut->done += payload;
	return len;
}
