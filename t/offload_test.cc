// SPDX-License-Identifier: ISC
// Unit tests for offload.cc: completing partial checksums, and cutting TCP
// segments into packets, IPv4 and IPv6, apart and in place.  Every header
// field of every packet is checked against what the segment implies, and
// every checksum by a plain RFC 1071 sum of 16-bit words written here.
// Prints each failed check and a last line "offload: N passed, N failed";
// exits 1 when any failed.
#include <stdio.h>
#include <string.h>

#include "../offload.h"

static long passed, failed;
static const char *test_name;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void check(bool ok, const char *what, int line)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	fprintf(stderr, "offload_test.cc:%d: %s: failed: %s\n", line, test_name, what);
}

static uint32_t get16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t get32(const uint8_t *p) { return get16(p) << 16 | get16(p + 2); }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }

// The ones' complement sum of 16-bit words, folded, the last byte padded.
static uint32_t reference_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

// Whether the TCP checksum of the IP packet verifies: the sum over its
// pseudo-header and TCP bytes is all ones.
static bool tcp_checksum_verifies(const uint8_t *packet, size_t len)
{
	bool v4 = packet[0] >> 4 == 4;
	size_t ip = v4 ? (size_t)(packet[0] & 15) * 4 : 40;
	uint32_t sum = 6 + (uint32_t)(len - ip);
	sum = v4 ? reference_sum(packet + 12, 8, sum) : reference_sum(packet + 8, 32, sum);
	return reference_sum(packet + ip, len - ip, sum) == 0xffff;
}

enum { TCP_FIN = 0x01, TCP_PSH = 0x08, TCP_ACK = 0x10, TCP_CWR = 0x80 };
enum { SEGMENT_MAX = 65535, ROOM = 8192 };
static const uint32_t FIRST_SEQUENCE = 0xfffff000;	// wraps within the segment
static const uint32_t FIRST_ID = 0xfffe;		// so does IPv4's identifier

// A TCP segment with timestamps (12 bytes of options), flags as Linux
// leaves them on a segment it hands over for cutting, payload bytes of a
// pattern.  Returns its length.
static size_t make_segment(uint8_t *p, int version, size_t payload)
{
	size_t ip = version == 4 ? 20 : 40, tcp = 32, len = ip + tcp + payload;
	memset(p, 0, ip + tcp);
	if (version == 4) {
		p[0] = 0x45;
		put16(p + 2, (uint32_t)len);
		put16(p + 4, FIRST_ID);
		p[6] = 0x40;		// don't fragment
		p[8] = 64;
		p[9] = 6;
		put32(p + 12, 0xc6130001);
		put32(p + 16, 0xc6130002);
	} else {
		p[0] = 0x60;
		put16(p + 4, (uint32_t)(len - ip));
		p[6] = 6;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
	}
	uint8_t *t = p + ip;
	put16(t, 40000);
	put16(t + 2, 5201);
	put32(t + 4, FIRST_SEQUENCE);
	put32(t + 8, 0x01020304);
	t[12] = (uint8_t)(tcp / 4) << 4;
	t[13] = TCP_FIN | TCP_PSH | TCP_ACK | TCP_CWR;
	put16(t + 14, 502);
	put16(t + 16, 0x1234);	// a partial sum, as the kernel leaves it
	const uint8_t timestamps[12] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
	memcpy(t + 20, timestamps, sizeof timestamps);
	for (size_t i = 0; i < payload; i++)
		p[ip + tcp + i] = (uint8_t)(i * 7 + i / 251);
	return len;
}

// Checks the packets cut from the segment: headers, checksums, payload.
static void check_packets(const uint8_t *segment, size_t len, uint8_t *const *out,
    const size_t *lengths, size_t count, size_t segment_size)
{
	bool v4 = segment[0] >> 4 == 4;
	size_t ip = v4 ? 20 : 40, headers = ip + 32, payload = len - headers;
	CHECK(count == (payload + segment_size - 1) / segment_size);
	size_t done = 0;
	for (size_t i = 0; i < count; i++) {
		const uint8_t *p = out[i];
		size_t chunk = payload - done < segment_size ? payload - done : segment_size;
		bool last = i + 1 == count;
		CHECK(lengths[i] == headers + chunk);
		if (v4) {
			CHECK(get16(p + 2) == headers + chunk);
			CHECK(get16(p + 4) == ((FIRST_ID + i) & 0xffff));
			CHECK(reference_sum(p, ip, 0) == 0xffff);
			CHECK(memcmp(p + 6, segment + 6, 4) == 0 && memcmp(p + 12, segment + 12, 8) == 0);
		} else {
			CHECK(get16(p + 4) == 32 + chunk);
			CHECK(memcmp(p, segment, 4) == 0 && memcmp(p + 6, segment + 6, 34) == 0);
		}
		const uint8_t *t = p + ip;
		CHECK(get32(t + 4) == (uint32_t)(FIRST_SEQUENCE + done));
		uint8_t flags = TCP_ACK | (i == 0 ? TCP_CWR : 0) | (last ? TCP_FIN | TCP_PSH : 0);
		CHECK(t[13] == flags);
		CHECK(memcmp(t, segment + ip, 4) == 0 && memcmp(t + 8, segment + ip + 8, 5) == 0);
		CHECK(memcmp(t + 14, segment + ip + 14, 2) == 0 && memcmp(t + 18, segment + ip + 18, 14) == 0);
		CHECK(tcp_checksum_verifies(p, lengths[i]));
		CHECK(memcmp(p + headers, segment + headers + done, chunk) == 0);
		done += chunk;
	}
	CHECK(done == payload);
}

static uint8_t segment[SEGMENT_MAX], original[SEGMENT_MAX];
static uint8_t apart[SEGMENT_MAX * 2], in_place[ROOM + SEGMENT_MAX];
enum { PACKETS_MAX = 2048 };
static uint8_t *out[PACKETS_MAX];
static size_t lengths[PACKETS_MAX];

// Cut into a buffer of its own, each packet after the last.
static void cut_apart(int version, size_t payload, size_t segment_size)
{
	size_t len = make_segment(segment, version, payload);
	memcpy(original, segment, len);
	struct tcp_cut cut;
	CHECK(tcp_cut_start(&cut, segment, len, segment_size));
	size_t count = 0, at = 0;
	for (size_t n; count < PACKETS_MAX && (n = tcp_cut_next_length(&cut)) > 0; count++) {
		out[count] = apart + at;
		lengths[count] = tcp_cut_next(&cut, segment, apart + at);
		CHECK(lengths[count] == n);
		at += n;
	}
	CHECK(tcp_cut_next(&cut, segment, apart + at) == 0);
	CHECK(memcmp(segment, original, len) == 0);
	check_packets(original, len, out, lengths, count, segment_size);
}

// Cut in place as the forwarding loop does: packets from the start of the
// room before the segment on, each overhead bytes apart (the wire's header
// and tag), starting over at the front when the next would pass
// tcp_cut_room_end.  Each packet is checked, and kept, before the next.
static void cut_in_place(int version, size_t payload, size_t segment_size, size_t overhead)
{
	uint8_t *packet = in_place + ROOM;
	size_t len = make_segment(packet, version, payload);
	memcpy(original, packet, len);
	struct tcp_cut cut;
	CHECK(tcp_cut_start(&cut, packet, len, segment_size));
	size_t count = 0, at = 0, kept = 0;
	for (size_t n; count < PACKETS_MAX && (n = tcp_cut_next_length(&cut)) > 0; count++) {
		if (in_place + at + overhead + n > tcp_cut_room_end(&cut, packet))
			at = 0;
		uint8_t *p = in_place + at + overhead / 2;
		lengths[count] = tcp_cut_next(&cut, packet, p);
		// The wire's header and tag around it, as the loop writes them.
		memset(p - overhead / 2, 0xee, overhead / 2);
		memset(p + lengths[count], 0xee, overhead - overhead / 2);
		out[count] = apart + kept;
		memcpy(apart + kept, p, lengths[count]);
		kept += lengths[count];
		at += overhead + n;
	}
	check_packets(original, len, out, lengths, count, segment_size);
}

static void cuts_ipv4_and_ipv6(void)
{
	static const size_t payloads[] = {1, 1367, 1368, 1369, 10000, 65535 - 52};
	for (int version = 4; version <= 6; version += 2)
		for (size_t p : payloads) {
			test_name = version == 4 ? "cut IPv4" : "cut IPv6";
			if (version == 4 || p < 65535 - 52) {
				cut_apart(version, p, 1368);
				test_name = version == 4 ? "cut IPv4 in place" : "cut IPv6 in place";
				cut_in_place(version, p, 1368, 32);
				cut_in_place(version, p, 1368, 8);
			}
		}
	test_name = "cut into one-byte packets";
	cut_apart(4, 1000, 1);
	cut_in_place(6, 1000, 1, 32);
}

static void refuses_what_it_cannot_cut(void)
{
	test_name = "refuses";
	struct tcp_cut cut;
	size_t len = make_segment(segment, 4, 3000);
	CHECK(tcp_cut_start(&cut, segment, len, 1368));
	CHECK(!tcp_cut_start(&cut, segment, len, 0));
	CHECK(!tcp_cut_start(&cut, segment, len - 1, 1368));	// lengths disagree
	segment[9] = 17;					// UDP
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	segment[9] = 6;
	segment[6] |= 0x20;					// more fragments
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	segment[6] = 0x00;
	segment[7] = 0x01;					// a fragment's offset
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	len = make_segment(segment, 4, 0);			// no payload
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	len = make_segment(segment, 4, 3000);
	segment[0] = 0x44;					// IHL below 5
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	segment[0] = 0x55;					// version 5
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	len = make_segment(segment, 4, 3000);
	segment[20 + 12] = 0x40;				// TCP header below 20 bytes
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	segment[20 + 12] = 0xf0;				// 60, longer than the packet
	put16(segment + 2, 70);
	CHECK(!tcp_cut_start(&cut, segment, 70, 1368));
	segment[20 + 12] = 0x80;				// 32 again: it can
	CHECK(tcp_cut_start(&cut, segment, 70, 1368));
	len = make_segment(segment, 6, 3000);
	CHECK(tcp_cut_start(&cut, segment, len, 1368));
	segment[6] = 0;						// a hop-by-hop header
	CHECK(!tcp_cut_start(&cut, segment, len, 1368));
	CHECK(!tcp_cut_start(&cut, segment, 19, 1368));
}

static void completes_checksums(void)
{
	test_name = "checksum of an IPv4 header";
	// A header whose checksum is well known: b861.
	uint8_t header[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			      0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	CHECK(checksum_complete(header, sizeof header, 0, 10));
	CHECK(get16(header + 10) == 0xb861);

	test_name = "checksum of a UDP datagram";
	// What the kernel hands over: the pseudo-header's sum in the field.
	uint8_t packet[20 + 8 + 33];
	memset(packet, 0, sizeof packet);
	packet[0] = 0x45;
	put32(packet + 12, 0xc6130001);
	put32(packet + 16, 0xc6130002);
	put16(packet + 24, 8 + 33);
	for (size_t i = 28; i < sizeof packet; i++)
		packet[i] = (uint8_t)(i * 13);
	uint32_t pseudo = reference_sum(packet + 12, 8, 17 + 8 + 33);
	put16(packet + 26, pseudo);
	CHECK(checksum_complete(packet, sizeof packet, 20, 6));
	uint32_t sum = reference_sum(packet + 12, 8, 17 + 8 + 33);
	CHECK(reference_sum(packet + 20, 8 + 33, sum) == 0xffff);
	CHECK(get16(packet + 26) != 0);

	test_name = "checksum out of range";
	uint8_t copy[sizeof packet];
	memcpy(copy, packet, sizeof packet);
	CHECK(!checksum_complete(packet, sizeof packet, sizeof packet + 1, 0));
	CHECK(!checksum_complete(packet, sizeof packet, 20, sizeof packet - 21));
	CHECK(!checksum_complete(packet, sizeof packet, 0, 0xffff));
	CHECK(memcmp(copy, packet, sizeof packet) == 0);
	CHECK(checksum_complete(packet, sizeof packet, 20, sizeof packet - 22));
}

int main(void)
{
	cuts_ipv4_and_ipv6();
	refuses_what_it_cannot_cut();
	completes_checksums();
	printf("offload: %ld passed, %ld failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
