// SPDX-License-Identifier: ISC
// A test-only shim for qemu-user 7.2 on a big-endian guest, linked into the
// binary that t/cross-check runs under qemu (never into jtunnel as built
// and installed): qemu's table of ioctls describes SIOCSIFTXQLEN's ifreq
// as one holding a sockaddr, so it byte-swaps the first 16 bits of
// ifr_qlen as an address family and copies the rest as they are, and the
// host kernel reads a scrambled length (EINVAL).  Swapping the halves of
// ifr_qlen here undoes that for any length below 65536.
//
// Linked with -Wl,--wrap=ioctl: jtunnel's calls of ioctl come here.
#include <linux/sockios.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

extern "C" int __real_ioctl(int fd, unsigned long request, void *arg);

extern "C" int __wrap_ioctl(int fd, unsigned long request, void *arg)
{
	if (request != SIOCSIFTXQLEN || arg == NULL)
		return __real_ioctl(fd, request, arg);
	struct ifreq swapped;
	memcpy(&swapped, arg, sizeof swapped);
	uint32_t qlen = (uint32_t)swapped.ifr_qlen;
	swapped.ifr_qlen = (int)(qlen << 16 | qlen >> 16);
	return __real_ioctl(fd, request, &swapped);
}
