// SPDX-License-Identifier: ISC
// A test-only shim for qemu-user 7.2 on a big-endian guest, linked into the
// binary that t/cross-check runs under qemu (never into jtunnel as built
// and installed): qemu copies control messages it does not know as they
// are, so the 16-bit datagram size of UDP_SEGMENT, in the guest's byte
// order, reaches the little-endian host kernel swapped (1472 becomes
// 49157), and a run of datagrams leaves as one.  Swapping its bytes here
// undoes that.  (A big-endian kernel reads it in its own order.)
//
// Linked with -Wl,--wrap=sendmsg: jtunnel's calls of sendmsg come here.
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum { UDP_SEGMENT_OPTION = 103 };

extern "C" ssize_t __real_sendmsg(int fd, const struct msghdr *msg, int flags);

extern "C" ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct msghdr *m = (struct msghdr *)msg;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_SEGMENT_OPTION) {
			uint8_t *size = CMSG_DATA(c), first = size[0];
			size[0] = size[1];
			size[1] = first;
		}
	}
	return __real_sendmsg(fd, msg, flags);
}
