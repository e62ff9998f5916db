// SPDX-License-Identifier: ISC
// The BSD tun address family header, added and checked without a copy.
#include "tun_frame.h"

enum { IP_VERSION_4 = 4, IP_VERSION_6 = 6 };

static unsigned ip_version(const uint8_t *packet)
{
	return packet[0] >> 4;
}

int tun_frame_prepend(uint8_t *packet, size_t len, const struct tun_families *families)
{
	if (len == 0)
		return -1;
	uint32_t family;
	switch (ip_version(packet)) {
	case IP_VERSION_4:
		family = families->inet;
		break;
	case IP_VERSION_6:
		family = families->inet6;
		break;
	default:
		return -1;
	}
	// Byte by byte: network order on any host, and no alignment needed.
	uint8_t *header = packet - TUN_FRAME_HEADER;
	header[0] = (uint8_t)(family >> 24);
	header[1] = (uint8_t)(family >> 16);
	header[2] = (uint8_t)(family >> 8);
	header[3] = (uint8_t)family;
	return 0;
}

size_t tun_frame_packet_length(const uint8_t *frame, size_t len,
			       const struct tun_families *families)
{
	if (len <= TUN_FRAME_HEADER)
		return 0;
	uint32_t family = (uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
			  (uint32_t)frame[2] << 8 | frame[3];
	unsigned version;
	if (family == families->inet)
		version = IP_VERSION_4;
	else if (family == families->inet6)
		version = IP_VERSION_6;
	else
		return 0;
	if (ip_version(frame + TUN_FRAME_HEADER) != version)
		return 0;
	return len - TUN_FRAME_HEADER;
}
