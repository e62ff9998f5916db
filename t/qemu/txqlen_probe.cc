// SPDX-License-Identifier: ISC
// Whether qemu-user passes SIOCSIFTXQLEN through intact: sets the loopback
// interface's transmit queue (run it in a network namespace of its own).
// Exits 0 when the kernel took the value, 1 when it refused it.  For
// t/cross-check only.
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum { QUEUE_PACKETS = 1000 };

int main()
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, "lo", sizeof ifr.ifr_name - 1);
	ifr.ifr_qlen = QUEUE_PACKETS;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	return fd != -1 && ioctl(fd, SIOCSIFTXQLEN, &ifr) == 0 ? 0 : 1;
}
