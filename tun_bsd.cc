// SPDX-License-Identifier: ISC
// The platform layer on the BSDs and macOS: tun(4) on FreeBSD, DragonFly,
// OpenBSD and NetBSD, utun on macOS, with their netintro(4), ip(4), ip6(4),
// procctl(2) and kqueue(2).  Each call below names the page it comes from;
// where a page is silent or out of date, the system's kernel source is named.
//
// Never run on any of these systems (jtunnel's machines run Linux): written
// from their documentation, and compiled against each one's headers by make
// check-bsd.  The framing it relies on, tun_frame.cc, is unit-tested on
// Linux by t/tun_frame_test.

// macOS declares the RFC 3542 IPv6 socket options only when asked to.
#define __APPLE_USE_RFC_3542 1

#include "tun.h"
#include "net.h"
#include "tun_frame.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sockio.h>
#include <sys/types.h>
#include <sys/wait.h>

#if defined(__FreeBSD__)
#include <net/if_tun.h>
#include <sys/procctl.h>
#elif defined(__DragonFly__)
#include <net/tun/if_tun.h>
#include <sys/procctl.h>
#elif defined(__OpenBSD__) || defined(__NetBSD__)
#include <net/if_tun.h>
#elif defined(__APPLE__)
#include <sys/kern_control.h>
#include <sys/sys_domain.h>
#else
#error "tun_bsd.cc is written for FreeBSD, DragonFly, OpenBSD, NetBSD and macOS"
#endif

#if !defined(PROC_PDEATHSIG_CTL)
#include <sys/event.h>
#endif

// Whether an interface outlives its last descriptor, so that tun_close must
// destroy it with SIOCIFDESTROY (netintro(4)).
#if defined(__FreeBSD__)
// tun(4): "These network interfaces persist until ... removed with the
// ifconfig(8) command."
static const bool tun_outlives_descriptor = true;
#elif defined(__DragonFly__)
// tun(4) says the same.  (Its kernel source destroys a /dev/tun clone at the
// last close and then refuses SIOCIFDESTROY with ENXIO; either way the
// interface is gone.)
static const bool tun_outlives_descriptor = true;
#elif defined(__NetBSD__)
// tun(4): an open of /dev/tunN creates the interface, and the last close
// only brings it down.
static const bool tun_outlives_descriptor = true;
#elif defined(__OpenBSD__)
// tun(4): "If the device was created by opening /dev/tunN, it will be
// automatically destroyed."
static const bool tun_outlives_descriptor = false;
#elif defined(__APPLE__)
// utun: closing the control socket detaches the interface.
static const bool tun_outlives_descriptor = false;
#endif

// Every packet crossing the device carries this system's AF_INET or
// AF_INET6 in a 4-byte header, which tun_read and tun_write strip and add in
// place, in the headroom tun.h promises.
static const struct tun_families tun_families = {AF_INET, AF_INET6};
static_assert((int)TUN_FRAME_HEADER <= (int)TUN_HEADROOM, "no room for the header");
static_assert((int)TUN_NAME_MAX <= IFNAMSIZ, "interface names must fit tun.h");

// A socket to carry interface ioctls (netintro(4)); IPv4 may be absent.
static int ifreq_socket(void)
{
	int fd = socket_cloexec(AF_INET, SOCK_DGRAM, 0);
	if (fd == -1)
		fd = socket_cloexec(AF_INET6, SOCK_DGRAM, 0);
	return fd;
}

static void ifreq_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof *ifr);
	strncpy(ifr->ifr_name, name, sizeof ifr->ifr_name - 1);
}

// netintro(4): SIOCIFDESTROY.  Gone already is fine.
static void interface_destroy(const char *name)
{
	int fd = ifreq_socket();
	if (fd == -1)
		return;
	struct ifreq ifr;
	ifreq_init(&ifr, name);
	(void)ioctl(fd, SIOCIFDESTROY, &ifr);
	close(fd);
}

// Closes a half set up device, keeping errno for the caller.
static int tun_open_failed(int fd, const char *name)
{
	int saved = errno;
	tun_close(fd, name);
	errno = saved;
	return -1;
}

#if defined(__FreeBSD__) || defined(__DragonFly__)
// tun(4): opening the cloning device /dev/tun makes a new tunN and returns
// it; devname(3) (fdevname) says which.  TUNSIFMODE keeps it point-to-point
// (multicast on, as by default), TUNSIFHEAD ("multi-af" mode) puts the
// 4-byte address family before every packet, without which only IPv4 passes.
static int tun_open_device(char name[TUN_NAME_MAX])
{
	int fd = open("/dev/tun", O_RDWR | O_CLOEXEC);
	if (fd == -1)
		return -1;
	const char *device = fdevname(fd);
	if (device == NULL || strlen(device) >= TUN_NAME_MAX) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, device, strlen(device) + 1);
	int mode = IFF_POINTOPOINT | IFF_MULTICAST, on = 1;
	if (ioctl(fd, TUNSIFMODE, &mode) == -1 || ioctl(fd, TUNSIFHEAD, &on) == -1)
		return tun_open_failed(fd, name);
	return fd;
}
#elif defined(__OpenBSD__) || defined(__NetBSD__)
// How far to count tun units; in practice the search ends at the first
// /dev/tunN that does not exist (the installers make tun0 to tun3; MAKEDEV(8)
// makes more).
enum { TUN_UNIT_MAX = 1024 };

// tun(4): OpenBSD always puts the 4-byte address family before each packet;
// NetBSD does so in TUNSIFHEAD mode only, and otherwise passes IPv4 alone.
static int tun_header_on(int fd)
{
#if defined(__NetBSD__)
	int on = 1;
	return ioctl(fd, TUNSIFHEAD, &on);
#else
	(void)fd;
	return 0;
#endif
}

// tun(4): /dev/tunN is opened by number, creating the interface tunN, and
// refuses with EBUSY while another process has it open.  A unit whose
// interface exists already was made by someone else (ifconfig tunN create,
// hostname.tunN) and is left alone rather than taken over.
static int tun_open_device(char name[TUN_NAME_MAX])
{
	int err = ENOENT;
	for (int unit = 0; unit < TUN_UNIT_MAX; unit++) {
		snprintf(name, TUN_NAME_MAX, "tun%d", unit);
		if (if_nametoindex(name) != 0) {
			err = EBUSY;
			continue;
		}
		char path[sizeof "/dev/" + TUN_NAME_MAX];
		snprintf(path, sizeof path, "/dev/%s", name);
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd == -1 && errno == EBUSY) {
			err = EBUSY;
			continue;
		}
		if (fd == -1 && (errno == ENOENT || errno == ENXIO))
			break;
		if (fd == -1)
			return -1;
		if (tun_header_on(fd) == -1)
			return tun_open_failed(fd, name);
		return fd;
	}
	errno = err;
	return -1;
}
#elif defined(__APPLE__)
// utun is a kernel control (Apple's "Kernel Control" documentation,
// <sys/kern_control.h>): a PF_SYSTEM socket connected to the control named
// below creates utunN, unit 0 letting the kernel choose, and the
// UTUN_OPT_IFNAME option names it.  The two constants come from xnu's
// bsd/net/if_utun.h, which the SDK does not install.  Each packet read or
// written carries the 4-byte address family, as on the BSDs.
#ifndef UTUN_CONTROL_NAME
#define UTUN_CONTROL_NAME "com.apple.net.utun_control"
#endif
#ifndef UTUN_OPT_IFNAME
#define UTUN_OPT_IFNAME 2
#endif

static int tun_open_device(char name[TUN_NAME_MAX])
{
	int fd = socket_cloexec(PF_SYSTEM, SOCK_DGRAM, SYSPROTO_CONTROL);
	if (fd == -1)
		return -1;
	struct ctl_info info;
	memset(&info, 0, sizeof info);
	strlcpy(info.ctl_name, UTUN_CONTROL_NAME, sizeof info.ctl_name);
	struct sockaddr_ctl addr;
	memset(&addr, 0, sizeof addr);
	addr.sc_len = sizeof addr;
	addr.sc_family = AF_SYSTEM;
	addr.ss_sysaddr = AF_SYS_CONTROL;
	addr.sc_unit = 0;
	socklen_t len = TUN_NAME_MAX;
	if (ioctl(fd, CTLIOCGINFO, &info) == -1)
		goto fail;
	addr.sc_id = info.ctl_id;
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == -1 ||
	    getsockopt(fd, SYSPROTO_CONTROL, UTUN_OPT_IFNAME, name, &len) == -1)
		goto fail;
	name[TUN_NAME_MAX - 1] = '\0';
	return fd;
fail:
	return tun_open_failed(fd, name);
}
#endif

int tun_open(char name[TUN_NAME_MAX])
{
	return tun_open_device(name);
}

int tun_set_mtu(const char *name, int mtu)
{
	int fd = ifreq_socket();
	if (fd == -1)
		return -1;
	struct ifreq ifr;
	ifreq_init(&ifr, name);
	ifr.ifr_mtu = mtu;
	// netintro(4): SIOCSIFMTU.  The tun drivers bound it: OpenBSD 46..16384,
	// NetBSD 576..1500; FreeBSD and DragonFly take 72 and up but write no
	// packet over 16384.
	int rc = ioctl(fd, SIOCSIFMTU, &ifr);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

// NetBSD's tun(4) (and older FreeBSD, OpenBSD and DragonFly) refuses to read
// with EHOSTDOWN until the interface has an address, which PROG gives it
// after the reading has begun.  Linux's read waits; so does tun_read, by
// trying again this often.  Only an unconfigured interface pays for it.
enum { TUN_NOT_READY_RETRY_NS = 100 * 1000 * 1000 };

void *secret_pages_map(size_t len, bool *wiped_on_fork)
{
	void *pages = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
	if (pages == MAP_FAILED)
		return NULL;
#if defined(INHERIT_ZERO)		// FreeBSD 12
	*wiped_on_fork = minherit(pages, len, INHERIT_ZERO) == 0;
#elif defined(MAP_INHERIT_ZERO)		// OpenBSD 5.6, NetBSD 8
	*wiped_on_fork = minherit(pages, len, MAP_INHERIT_ZERO) == 0;
#else					// macOS, DragonFly
	*wiped_on_fork = false;
#endif
	return pages;
}

void secret_pages_unmap(void *pages, size_t len)
{
	munmap(pages, len);
}

int tun_name_of(int, char *)
{
	// The name given at tun_open stays the one jtunnel knows.
	errno = ENOTSUP;
	return -1;
}

int tun_set_carrier(int, bool)
{
	// No tun driver of the BSDs lets a program set its carrier.
	errno = ENOTSUP;
	return -1;
}

ssize_t tun_read(int fd, uint8_t *packet, size_t room, struct tun_offload *offload)
{
	memset(offload, 0, sizeof *offload);	// the BSDs' tuns offload nothing
	uint8_t *frame = packet - TUN_FRAME_HEADER;
	for (;;) {
		ssize_t n = read(fd, frame, room + TUN_FRAME_HEADER);
		if (n > 0)
			return (ssize_t)tun_frame_packet_length(frame, (size_t)n, &tun_families);
		if (n == 0) {
			// No frame is empty: the device is gone (destroyed under us).
			errno = ENXIO;
			return -1;
		}
		if (errno != EHOSTDOWN)
			return -1;
		struct timespec retry = {0, TUN_NOT_READY_RETRY_NS};
		if (nanosleep(&retry, NULL) == -1)
			return -1;	// EINTR: the caller has a signal to see to.
	}
}

int tun_write(int fd, uint8_t *packet, size_t len)
{
	if (tun_frame_prepend(packet, len, &tun_families) == -1) {
		errno = EINVAL;		// What Linux's tun answers for a non-IP packet.
		return -1;
	}
	return write(fd, packet - TUN_FRAME_HEADER, len + TUN_FRAME_HEADER) == -1 ? -1 : 0;
}

// On FreeBSD, SIOCIFDESTROY waits until every process has closed the device:
// call tun_close after the other processes holding it have exited.
void tun_close(int fd, const char *name)
{
#if defined(TUNSIFPID)
	// tun(4): the device belongs to the process that opened it, and FreeBSD
	// logs a "protocol violation" when another process closes it last.
	// TUNSIFPID makes the caller the owner, so whichever process of jtunnel
	// closes last through here owns it by then.
	(void)ioctl(fd, TUNSIFPID, 0);
#endif
	close(fd);
	if (tun_outlives_descriptor)
		interface_destroy(name);
}

#if defined(PROC_PDEATHSIG_CTL)
// procctl(2): PROC_PDEATHSIG_CTL, FreeBSD's form of Linux's PR_SET_PDEATHSIG.
int exit_with_parent(pid_t parent_pid)
{
	int sig = SIGTERM;
	if (procctl(P_PID, 0, PROC_PDEATHSIG_CTL, &sig) == -1)
		return -1;
	// The parent may have died before the request took effect.
	if (getppid() != parent_pid)
		_exit(0);
	return 0;
}
#else
// OpenBSD, NetBSD and macOS (and DragonFly without PROC_PDEATHSIG_CTL) have
// no parent death signal, and polling getppid() would wake the forwarding
// loops for nothing.  Instead a watcher process sleeps in kqueue(2) on both
// processes (EVFILT_PROC, NOTE_EXIT): if the parent exits first, it sends the
// child SIGTERM, as the death signal would; if the child exits first, it
// leaves.  It is an orphaned grandchild (double fork), so no wait(2) of
// jtunnel or of PROG ever sees it, in a session of its own, away from
// terminal signals, and it holds none of jtunnel's descriptors, so no tun,
// socket or pipe stays open because of it.  The cost is one sleeping process
// per forwarding process and per PROG.

// Sends the child its answer: 0 once the watch holds, else an errno.
static void watcher_report(int report, int err)
{
	ssize_t n = write(report, &err, sizeof err);
	(void)n;
}

[[noreturn]] static void watcher_run(pid_t parent_pid, pid_t child_pid, int report)
{
	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	for (int fd = 0, max = getdtablesize(); fd < max; fd++)
		if (fd != report)
			close(fd);
	int kq = kqueue();
	struct kevent change;
	EV_SET(&change, (uintptr_t)child_pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0);
	if (kq == -1 || kevent(kq, &change, 1, NULL, 0, NULL) == -1) {
		watcher_report(report, errno);
		_exit(1);
	}
	EV_SET(&change, (uintptr_t)parent_pid, EVFILT_PROC, EV_ADD, NOTE_EXIT, 0, 0);
	if (kevent(kq, &change, 1, NULL, 0, NULL) == -1) {
		// ESRCH: the parent is gone already.
		kill(child_pid, SIGTERM);
		_exit(0);
	}
	watcher_report(report, 0);
	close(report);
	for (;;) {
		struct kevent events[2];
		int n = kevent(kq, NULL, 0, events, 2, NULL);
		if (n == 0 || (n == -1 && errno == EINTR))
			continue;
		if (n == -1)
			_exit(1);
		bool child_exited = false;
		for (int i = 0; i < n; i++)
			if ((pid_t)events[i].ident == child_pid)
				child_exited = true;
		if (!child_exited)
			kill(child_pid, SIGTERM);
		_exit(0);
	}
}

int exit_with_parent(pid_t parent_pid)
{
	int report[2];
	if (pipe(report) == -1)
		return -1;
	// The middle process's exit must not reach a SIGCHLD handler inherited
	// from the parent; by default the signal is discarded.
	struct sigaction default_action, saved_action;
	memset(&default_action, 0, sizeof default_action);
	default_action.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &default_action, &saved_action);
	pid_t child_pid = getpid();
	pid_t middle = fork();
	if (middle == 0) {
		close(report[0]);
		pid_t watcher = fork();
		if (watcher == 0)
			watcher_run(parent_pid, child_pid, report[1]);
		if (watcher == -1)
			watcher_report(report[1], errno);
		_exit(0);
	}
	int err = errno;
	close(report[1]);
	if (middle != -1)
		while (waitpid(middle, NULL, 0) == -1 && errno == EINTR)
			;
	sigaction(SIGCHLD, &saved_action, NULL);
	if (middle == -1) {
		close(report[0]);
		errno = err;
		return -1;
	}
	ssize_t n;
	do
		n = read(report[0], &err, sizeof err);
	while (n == -1 && errno == EINTR);
	close(report[0]);
	// The parent may have died before the watch began.
	if (getppid() != parent_pid)
		_exit(0);
	if (n != (ssize_t)sizeof err || err != 0) {
		errno = n == (ssize_t)sizeof err ? err : ECHILD;
		return -1;
	}
	return 0;
}
#endif

// arc4random(3): a cryptographic generator in libc seeded by the kernel,
// ChaCha20 on FreeBSD (since 12), NetBSD (since 7) and OpenBSD (since 5.5),
// corecrypto's on macOS; it cannot fail.
int random_bytes(void *buf, size_t len)
{
	arc4random_buf(buf, len);
	return 0;
}

// SOCK_CLOEXEC and pipe2(2) came together on each BSD (FreeBSD 10, NetBSD 6,
// OpenBSD 5.7, DragonFly 4.2).  macOS has neither: the flag is set just
// after the call, and as jtunnel runs one thread no exec comes between.
#if defined(SOCK_CLOEXEC)
int socket_cloexec(int family, int type, int protocol)
{
	return socket(family, type | SOCK_CLOEXEC, protocol);
}

int pipe_cloexec(int fds[2], int flags)
{
	return pipe2(fds, O_CLOEXEC | flags);
}
#else
// Sets FD_CLOEXEC and the status flags (O_NONBLOCK or 0) on fd.
static int fd_set_flags(int fd, int flags)
{
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	if (flags != 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | flags) == -1)
		return -1;
	return 0;
}

int socket_cloexec(int family, int type, int protocol)
{
	int fd = socket(family, type, protocol);
	if (fd != -1 && fd_set_flags(fd, 0) == -1) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int pipe_cloexec(int fds[2], int flags)
{
	if (pipe(fds) == -1)
		return -1;
	if (fd_set_flags(fds[0], flags) == -1 || fd_set_flags(fds[1], flags) == -1) {
		int saved = errno;
		close(fds[0]);
		close(fds[1]);
		errno = saved;
		return -1;
	}
	return 0;
}
#endif

void getopt_restart(void)
{
	// getopt(3): optreset starts a new scan; optind names where it begins
	// (0 would make it take argv[0] for an operand and end at once).
	optreset = 1;
	optind = 1;
}

#if defined(MSG_WAITFORONE)
// recvmmsg(2): FreeBSD 11, NetBSD 7, OpenBSD 7.2.
int udp_receive_batch(int fd, udp_message *msgs, unsigned int count)
{
	return (int)recvmmsg(fd, msgs, count, MSG_WAITFORONE, NULL);
}
#else
// One recvmsg(2) that waits, then more that do not, as recvmmsg with
// MSG_WAITFORONE would.  An error after the first datagram ends the batch.
int udp_receive_batch(int fd, udp_message *msgs, unsigned int count)
{
	unsigned int n = 0;
	for (; n < count; n++) {
		ssize_t len = recvmsg(fd, &msgs[n].msg_hdr, n == 0 ? 0 : MSG_DONTWAIT);
		if (len == -1)
			break;
		msgs[n].msg_len = (unsigned int)len;
	}
	return n > 0 ? (int)n : -1;
}
#endif

int udp_enable_local_address(int fd, int family)
{
	int on = 1;
	// ip(4): IP_RECVDSTADDR reports each datagram's destination address.
	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_RECVDSTADDR, &on, sizeof on);
	// ip6(4), RFC 3542 section 6.1: IPV6_RECVPKTINFO.  FreeBSD reports a
	// dual-stack socket's IPv4 datagrams as IPv4-mapped IPV6_PKTINFO
	// (ip6_savecontrol_v4 in its kernel); OpenBSD has no dual-stack sockets.
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
}

void udp_local_from_control(struct msghdr *msg, struct udp_local *local)
{
	memset(local, 0, sizeof *local);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVDSTADDR &&
		    c->cmsg_len >= CMSG_LEN(sizeof local->addr.v4)) {
			memcpy(&local->addr.v4, CMSG_DATA(c), sizeof local->addr.v4);
			local->family = AF_INET;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo info;
			memcpy(&info, CMSG_DATA(c), sizeof info);
			local->addr.v6 = info.ipi6_addr;
			local->family = AF_INET6;
		}
	}
}

static_assert(CMSG_SPACE(sizeof(struct in6_pktinfo)) <= UDP_CONTROL_ROOM, "control room");

size_t udp_local_to_control(const struct udp_local *local, void *control)
{
	memset(control, 0, UDP_CONTROL_ROOM);
	if (local->family == AF_INET) {
#if defined(IP_SENDSRCADDR)
		// ip(4) on FreeBSD, OpenBSD, NetBSD and DragonFly: IP_SENDSRCADDR.
		// FreeBSD's page: the socket must be bound to INADDR_ANY for this.
		return udp_control_put(control, IPPROTO_IP, IP_SENDSRCADDR, &local->addr.v4,
		    sizeof local->addr.v4);
#else
		// macOS has no IP_SENDSRCADDR; its IP_PKTINFO takes the source
		// address in ipi_spec_dst (xnu's udp_output).
		struct in_pktinfo info;
		memset(&info, 0, sizeof info);
		info.ipi_spec_dst = local->addr.v4;
		return udp_control_put(control, IPPROTO_IP, IP_PKTINFO, &info, sizeof info);
#endif
	}
	if (local->family == AF_INET6) {
		// RFC 3542 section 6.2, ip6(4): IPV6_PKTINFO, interface 0 (any).
		struct in6_pktinfo info;
		memset(&info, 0, sizeof info);
		info.ipi6_addr = local->addr.v6;
		return udp_control_put(control, IPPROTO_IPV6, IPV6_PKTINFO, &info, sizeof info);
	}
	return 0;
}

int udp_send_segmented(int, struct msghdr *, uint8_t *, size_t, size_t)
{
	// Their tuns never hand over a segment to cut, so nothing asks.
	errno = ENOTSUP;
	return -1;
}

int udp_allow_fragments(int fd, int family)
{
	int off = 0;
	if (family == AF_INET6) {
		// RFC 3542 section 11.2: with IPV6_DONTFRAG off (the default, set
		// here in case) the kernel fragments to the path MTU.
		// IPV6_USE_MIN_MTU stays at its default: 1 would fragment everything
		// over 1280 bytes.
#if defined(IPV6_DONTFRAG)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_DONTFRAG, &off, sizeof off);
#else
		return 0;
#endif
	}
	// ip(4): IPv4 UDP goes out without Don't Fragment unless IP_DONTFRAG
	// (FreeBSD, macOS) asks for it; the other systems have no such option.
#if defined(IP_DONTFRAG)
	return setsockopt(fd, IPPROTO_IP, IP_DONTFRAG, &off, sizeof off);
#else
	return 0;
#endif
}

// SO_RCVBUF and SO_SNDBUF (setsockopt(2)) refuse a size over the system's
// limit (kern.ipc.maxsockbuf on FreeBSD) with ENOBUFS instead of clamping it
// as Linux does, so halve the request until one is taken.
enum { SOCKET_BUFFER_MIN = 64 * 1024 };

static int socket_buffer_size(int fd, int option, int bytes)
{
	for (int n = bytes;; n /= 2) {
		if (setsockopt(fd, SOL_SOCKET, option, &n, sizeof n) == 0)
			return 0;
		if (n / 2 < SOCKET_BUFFER_MIN)
			return -1;
	}
}

int udp_size_buffers(int fd, int bytes)
{
	if (socket_buffer_size(fd, SO_RCVBUF, bytes) == -1 ||
	    socket_buffer_size(fd, SO_SNDBUF, bytes) == -1)
		return -1;
	return 0;
}

void descriptors_close_from(int lowest)
{
#if defined(__APPLE__)
	// macOS has no closefrom.
	for (int fd = lowest, top = getdtablesize(); fd < top; fd++)
		close(fd);
#else
	closefrom(lowest);
#endif
}
