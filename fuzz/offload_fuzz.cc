// SPDX-License-Identifier: ISC
// Fuzz target: offload.cc, on packets as a tun hands them over.  Input: a
// 16-bit segment size, a 16-bit checksum start and offset, then the
// packet.  Properties: checksum_complete writes only its 2-byte field, and
// only when it lies in the packet; a segment that tcp_cut_start takes is
// cut, in place as the forwarding loop does it (from the front of the room
// before it, each packet with room for the wire's header and tag around
// it), into packets that carry its headers' length and its payload in
// order, none with more than segment_size bytes of it.  ASan catches any
// byte read or written outside the buffer.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../offload.h"

enum { WIRE_AROUND = 32, ROOM = 8192, INPUT_HEAD = 6 };

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	if (len < INPUT_HEAD)
		return 0;
	size_t segment_size = (size_t)data[0] << 8 | data[1];
	size_t start = data[2] << 8 | data[3], offset = data[4] << 8 | data[5];
	const uint8_t *packet_in = data + INPUT_HEAD;
	size_t n = len - INPUT_HEAD;

	uint8_t *copy = (uint8_t *)malloc(n + 1);
	memcpy(copy, packet_in, n);
	bool completed = checksum_complete(copy, n, start, offset);
	if (completed != (start <= n && offset + 2 <= n - start))
		abort();
	for (size_t i = 0; i < n; i++)
		if (copy[i] != packet_in[i] && !(completed && (i == start + offset || i == start + offset + 1)))
			abort();
	free(copy);

	// The buffer ends where the packet does.
	uint8_t *buf = (uint8_t *)malloc(ROOM + n + 1);
	uint8_t *packet = buf + ROOM;
	memcpy(packet, packet_in, n);
	struct tcp_cut cut;
	if (!tcp_cut_start(&cut, packet, n, segment_size)) {
		free(buf);
		return 0;
	}
	size_t headers = cut.header_bytes, payload = n - headers, at = 0, done = 0;
	uint8_t *original = (uint8_t *)malloc(n);
	memcpy(original, packet_in, n);
	uint8_t *out = (uint8_t *)malloc(headers + segment_size);
	for (size_t length; (length = tcp_cut_next_length(&cut)) > 0;) {
		if (length <= headers || length - headers > segment_size)
			abort();
		if (buf + at + WIRE_AROUND + length > tcp_cut_room_end(&cut, packet))
			at = 0;
		uint8_t *p = buf + at + WIRE_AROUND / 2;
		if (tcp_cut_next(&cut, packet, p) != length)
			abort();
		memcpy(out, p, length);
		memset(p - WIRE_AROUND / 2, 0xee, WIRE_AROUND / 2);
		memset(p + length, 0xee, WIRE_AROUND / 2);
		if (memcmp(out + headers, original + headers + done, length - headers) != 0)
			abort();
		done += length - headers;
		at += WIRE_AROUND + length;
	}
	if (done != payload)
		abort();
	free(out);
	free(original);
	free(buf);
	return 0;
}
