// SPDX-License-Identifier: ISC
// Whether qemu-user passes a UDP_SEGMENT control message through intact:
// sends 20 bytes over loopback as datagrams of 10 (run it in a network
// namespace of its own; it brings lo up).  Exits 0 when the first datagram
// received is 10 bytes long, 1 otherwise.  For t/cross-check only.
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { DATAGRAM = 10, UDP_SEGMENT_OPTION = 103 };

int main()
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1)
		return 1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "lo", sizeof ifr.ifr_name - 1);
	ifr.ifr_flags = IFF_UP;
	struct sockaddr_in to;
	memset(&to, 0, sizeof to);
	to.sin_family = AF_INET;
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof to;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) == -1 || bind(fd, (struct sockaddr *)&to, sizeof to) == -1 ||
	    getsockname(fd, (struct sockaddr *)&to, &len) == -1)
		return 1;
	uint8_t bytes[2 * DATAGRAM] = {};
	struct iovec iov = {bytes, sizeof bytes};
	alignas(struct cmsghdr) uint8_t control[CMSG_SPACE(sizeof(uint16_t))] = {};
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	msg.msg_name = &to;
	msg.msg_namelen = sizeof to;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof control;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = IPPROTO_UDP;
	c->cmsg_type = UDP_SEGMENT_OPTION;
	c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	uint16_t size = DATAGRAM;
	memcpy(CMSG_DATA(c), &size, sizeof size);
	if (sendmsg(fd, &msg, 0) == -1)
		return 1;
	return recv(fd, bytes, sizeof bytes, 0) == DATAGRAM ? 0 : 1;
}
