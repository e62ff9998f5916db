// SPDX-License-Identifier: ISC
// The platform layer on Linux: tun(4) through /dev/net/tun (see the kernel's
// Documentation/networking/tuntap.rst), prctl(2), ip(7) and ipv6(7).
#include "tun.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/udp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

// Packets the kernel queues for jtunnel to read: twice the default of 500,
// which bursts of a single TCP stream overflow (measured: a few percent more
// throughput), and still short enough not to add much delay on a slow box.
enum { TUN_QUEUE_PACKETS = 1000 };

// The tun offloads checksums and TCP segmentation to jtunnel, as it would to
// a network card (offload.h): every packet read or written comes after a
// virtio_net_hdr (its layout: the virtio spec's "Packet Operation"), whose
// fields are little-endian by TUNSETVNETLE, on any host.
// (<linux/virtio_net.h> has them, but names a member "class": not C++.)
enum {
	VNET_HEADER = 10,		// sizeof(struct virtio_net_hdr)
	VNET_FLAGS_AT = 0,
	VNET_GSO_TYPE_AT = 1,
	VNET_GSO_SIZE_AT = 4,
	VNET_CSUM_START_AT = 6,
	VNET_CSUM_OFFSET_AT = 8,
	VNET_F_NEEDS_CSUM = 1,
	VNET_GSO_NONE = 0,
	VNET_GSO_TCPV4 = 1,
	VNET_GSO_TCPV6 = 4,
	TUN_OFFLOADS = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6,
};
static_assert((int)VNET_HEADER <= (int)TUN_READ_HEADROOM, "no room for the offload header");

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103			// Linux 4.18's ABI, missing from old libcs
#endif
// The control message of a datagram size: 24 bytes, after a local address
// of at most 40 (IPV6_PKTINFO) in UDP_CONTROL_ROOM.
enum { UDP_SEGMENT_CONTROL = CMSG_SPACE(sizeof(uint16_t)) };
static_assert(CMSG_SPACE(sizeof(struct in6_pktinfo)) + UDP_SEGMENT_CONTROL <= UDP_CONTROL_ROOM,
	      "no room for the datagram size after the local address");

// An ioctl on the named interface through a throwaway socket.
static int interface_ioctl(const char *name, unsigned long request, struct ifreq *ifr)
{
	int fd = socket_cloexec(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1)
		fd = socket_cloexec(AF_INET6, SOCK_DGRAM, 0);
	if (fd == -1)
		return -1;
	strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
	int rc = ioctl(fd, request, ifr);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

// Closes fd after a failed call, keeping that call's errno.  Returns -1.
static int close_failed(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int tun_open(char name[TUN_NAME_MAX])
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return -1;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	// No packet information header; the offload header before every packet.
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		return close_failed(fd);
	// Offloads where the kernel takes them (and the header's fields in
	// little-endian).  Where it does not, nothing is offloaded and every
	// header read is all zeros: nothing left to do, in any byte order.
	int little_endian = 1;
	if (ioctl(fd, TUNSETVNETLE, &little_endian) == 0)
		ioctl(fd, TUNSETOFFLOAD, (unsigned long)TUN_OFFLOADS);
	memcpy(name, ifr.ifr_name, TUN_NAME_MAX);
	name[TUN_NAME_MAX - 1] = '\0';
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_qlen = TUN_QUEUE_PACKETS;
	if (interface_ioctl(name, SIOCSIFTXQLEN, &ifr) == -1)
		return close_failed(fd);
	return fd;
}

int tun_set_mtu(const char *name, int mtu)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_mtu = mtu;
	return interface_ioctl(name, SIOCSIFMTU, &ifr);
}

int tun_name_of(int fd, char name[TUN_NAME_MAX])
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	if (ioctl(fd, TUNGETIFF, &ifr) == -1)
		return -1;
	memcpy(name, ifr.ifr_name, TUN_NAME_MAX);
	name[TUN_NAME_MAX - 1] = '\0';
	return 0;
}

int tun_set_carrier(int fd, bool on)
{
	int carrier = on;
	return ioctl(fd, TUNSETCARRIER, &carrier);
}

static size_t load16_le(const uint8_t *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8;
}

ssize_t tun_read(int fd, uint8_t *packet, size_t room, struct tun_offload *offload)
{
	memset(offload, 0, sizeof *offload);
	// The header lands in the headroom, right before the packet.
	uint8_t *vnet = packet - VNET_HEADER;
	ssize_t n = read(fd, vnet, room + VNET_HEADER);
	if (n < VNET_HEADER)
		return n < 0 ? n : 0;	// -1, or a frame too short to hold a packet
	uint8_t type = vnet[VNET_GSO_TYPE_AT];
	if (type == VNET_GSO_TCPV4 || type == VNET_GSO_TCPV6)
		offload->segment_size = load16_le(vnet + VNET_GSO_SIZE_AT);
	else if (type != VNET_GSO_NONE)
		return 0;		// never offered (UDP, ECN), never taken
	if (vnet[VNET_FLAGS_AT] & VNET_F_NEEDS_CSUM) {
		offload->needs_checksum = true;
		offload->checksum_start = load16_le(vnet + VNET_CSUM_START_AT);
		offload->checksum_offset = load16_le(vnet + VNET_CSUM_OFFSET_AT);
	}
	return n - VNET_HEADER;
}

int tun_write(int fd, uint8_t *packet, size_t len)
{
	// Nothing offloaded: a complete packet, its checksums its sender's.
	static const uint8_t vnet[VNET_HEADER] = {};
	struct iovec iov[2] = {{(void *)vnet, sizeof vnet}, {packet, len}};
	return writev(fd, iov, 2) == -1 ? -1 : 0;
}

void tun_close(int fd, const char *)
{
	// A non-persistent tun disappears with its last descriptor.
	close(fd);
}

int exit_with_parent(pid_t parent_pid)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
		return -1;
	// The parent may have died before the request took effect.
	if (getppid() != parent_pid)
		_exit(0);
	return 0;
}

void descriptors_close_from(int lowest)
{
#ifdef SYS_close_range
	// Linux 5.9 and later.
	if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0)
		return;
#endif
	// Older kernels: every number the limit allows (most are not open).
	struct rlimit limit;
	int top = 1024;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536)
		top = (int)limit.rlim_cur;
	for (int fd = lowest; fd < top; fd++)
		close(fd);
}

int random_bytes(void *buf, size_t len)
{
	ssize_t n;
	do
		n = getrandom(buf, len, 0);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = EIO;
	return -1;
}

void *secret_pages_map(size_t len, bool *wiped_on_fork)
{
	void *pages = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pages == MAP_FAILED)
		return NULL;
	// Linux 4.14 and later; an older kernel leaves the wiping to us.
	*wiped_on_fork = madvise(pages, len, MADV_WIPEONFORK) == 0;
	return pages;
}

void secret_pages_unmap(void *pages, size_t len)
{
	munmap(pages, len);
}

int socket_cloexec(int family, int type, int protocol)
{
	return socket(family, type | SOCK_CLOEXEC, protocol);
}

int pipe_cloexec(int fds[2], int flags)
{
	return pipe2(fds, O_CLOEXEC | flags);
}

void getopt_restart(void)
{
	// glibc and musl: optind 0 starts a new scan, its state reset.
	optind = 0;
}

int udp_receive_batch(int fd, udp_message *msgs, unsigned int count)
{
	return recvmmsg(fd, msgs, count, MSG_WAITFORONE, NULL);
}

int udp_enable_local_address(int fd, int family)
{
	int on = 1;
	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
	// A dual-stack socket reports IPv4 destinations as IPv4-mapped
	// IPV6_PKTINFO, and accepts them back the same way.
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
}

void udp_local_from_control(struct msghdr *msg, struct udp_local *local)
{
	memset(local, 0, sizeof *local);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo info;
			memcpy(&info, CMSG_DATA(c), sizeof info);
			local->family = AF_INET;
			local->addr.v4 = info.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo info;
			memcpy(&info, CMSG_DATA(c), sizeof info);
			local->family = AF_INET6;
			local->addr.v6 = info.ipi6_addr;
		}
	}
}

size_t udp_local_to_control(const struct udp_local *local, void *control)
{
	memset(control, 0, UDP_CONTROL_ROOM);
	if (local->family == AF_INET) {
		struct in_pktinfo info;
		memset(&info, 0, sizeof info);
		info.ipi_spec_dst = local->addr.v4;
		return udp_control_put(control, IPPROTO_IP, IP_PKTINFO, &info, sizeof info);
	}
	if (local->family == AF_INET6) {
		struct in6_pktinfo info;
		memset(&info, 0, sizeof info);
		info.ipi6_addr = local->addr.v6;
		return udp_control_put(control, IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof info);
	}
	return 0;
}

// Whether the kernel takes UDP_SEGMENT (Linux 4.18): an older one skips
// the control message and would send a run as one datagram.  Asked by
// udp_allow_fragments, which every socket jtunnel sends from goes through.
static bool udp_segments_taken;

int udp_send_segmented(int fd, struct msghdr *msg, uint8_t *buf, size_t len, size_t datagram_size)
{
	if (!udp_segments_taken) {
		errno = ENOTSUP;
		return -1;
	}
	// The datagrams' size goes in a control message after msg's own, in
	// the room that UDP_CONTROL_ROOM leaves after a local address.
	alignas(struct cmsghdr) uint8_t room[UDP_SEGMENT_CONTROL];
	void *own = msg->msg_control;
	size_t own_len = msg->msg_controllen;
	uint8_t *control = own != NULL ? (uint8_t *)own : room;
	uint16_t size = (uint16_t)datagram_size;
	msg->msg_control = control;
	msg->msg_controllen = own_len + udp_control_put(control + own_len, IPPROTO_UDP, UDP_SEGMENT,
	    &size, sizeof size);
	struct iovec iov = {buf, len};
	msg->msg_iov = &iov;
	msg->msg_iovlen = 1;
	ssize_t n = sendmsg(fd, msg, 0);
	int err = errno;
	msg->msg_control = own;
	msg->msg_controllen = own_len;
	if (n != -1)
		return 0;
	// EMSGSIZE (EINVAL in some kernels): datagrams over the path's MTU,
	// which the kernel fragments only when they are sent one by one
	// (measured on 6.18).  EIO: a path (IPsec) that cannot take them so.
	errno = err == EINVAL || err == EMSGSIZE || err == EIO ? ENOTSUP : err;
	return -1;
}

int udp_allow_fragments(int fd, int family)
{
	// PMTUDISC_DONT: send with DF clear and let the kernel fragment what
	// exceeds the path MTU, so an underestimated MTU costs speed, not
	// connectivity (ICMP "fragmentation needed" is often filtered).
	int v4 = IP_PMTUDISC_DONT, v6 = IPV6_PMTUDISC_DONT, none = 0;
	// Setting the socket's own segment size to 0, which it is already.
	udp_segments_taken = setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &none, sizeof none) == 0;
	if (setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v4, sizeof v4) == -1 &&
	    family == AF_INET)
		return -1;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v6, sizeof v6) == -1)
		return -1;
	return 0;
}

int udp_size_buffers(int fd, int bytes)
{
	// The FORCE variants pass net.core.[rw]mem_max with CAP_NET_ADMIN,
	// which creating tuns needs anyway; without it, take what is allowed.
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) == -1)
		return -1;
	return 0;
}
