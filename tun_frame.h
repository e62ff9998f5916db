// SPDX-License-Identifier: ISC
// The address family header that BSD tun devices put before every packet:
// 4 bytes holding the family number in network byte order (tun(4) on
// FreeBSD, OpenBSD, NetBSD and DragonFly; utun on macOS the same).  Pure
// functions, so they compile and are tested on every system, Linux included.
#ifndef JTUNNEL_TUN_FRAME_H
#define JTUNNEL_TUN_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum { TUN_FRAME_HEADER = 4 };

// The numbers a system writes in that header for IPv4 and IPv6.  They are
// its AF_INET and AF_INET6, which differ between systems (AF_INET6 is 28 on
// FreeBSD and DragonFly, 24 on OpenBSD and NetBSD, 30 on macOS), so the
// caller says which.
struct tun_families {
	uint32_t inet;
	uint32_t inet6;
};

// Writes the header for the IP packet packet[0..len) into the
// TUN_FRAME_HEADER bytes before packet, choosing the family by the packet's
// version field.  Returns 0, or -1 without writing anything when the packet
// is empty or neither IPv4 nor IPv6.
int tun_frame_prepend(uint8_t *packet, size_t len, const struct tun_families *families);

// The length of the IP packet that starts TUN_FRAME_HEADER bytes into
// frame[0..len), or 0 when the frame carries no IPv4 or IPv6 packet: too
// short, another family, or a family its packet's version contradicts.
size_t tun_frame_packet_length(const uint8_t *frame, size_t len,
			       const struct tun_families *families);

#endif
