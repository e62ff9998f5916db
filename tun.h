// SPDX-License-Identifier: ISC
// The platform layer: everything that differs between Linux and the BSDs
// lives behind this header, implemented once in tun_linux.cc and once in
// tun_bsd.cc.  The Makefile compiles exactly one of them.
#ifndef JTUNNEL_TUN_H
#define JTUNNEL_TUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <sys/socket.h>

enum {
	TUN_NAME_MAX = 16,	// IFNAMSIZ on every supported system
	// Bytes before a packet that tun_read and tun_write may overwrite.  The
	// wire header (an 8-byte identifier) always leaves this much room, so a
	// backend that frames packets (the BSDs' 4-byte address family) does it
	// in place, without a copy.
	TUN_HEADROOM = 8,
	// Bytes before a packet that tun_read may overwrite: more, for Linux's
	// 10-byte offload header.  The forwarding loop's buffer has them.
	TUN_READ_HEADROOM = 16,
};

// Opens a new point-to-point tun device with a system-chosen name, which is
// written to name, and a transmit queue sized for bursts where the system
// has one to size.  Returns the descriptor (close-on-exec), or -1 with errno.
int tun_open(char name[TUN_NAME_MAX]);

// Sets the MTU of the named interface.  Returns 0, or -1 with errno.
int tun_set_mtu(const char *name, int mtu);

// The name the interface of fd has now (PROG may have renamed it), into
// name.  Returns 0, or -1 with errno, name then unchanged.
int tun_name_of(int fd, char name[TUN_NAME_MAX]);

// Turns the interface's carrier on or off, as a link that comes and goes:
// routes over it are marked down while it is off.  Returns 0, or -1 with
// errno where the system cannot (ENOTSUP on the BSDs).
int tun_set_carrier(int fd, bool on);

// What is left to do to a packet read, where the system offloads it
// (Linux: the tun lets jtunnel act as its network card; see offload.h).
struct tun_offload {
	size_t segment_size;		// 0: one packet; else a TCP segment to
					// cut into packets of this much payload
	bool needs_checksum;		// a transport checksum to complete:
	size_t checksum_start;		// the sum from here to the end,
	size_t checksum_offset;		// into the field this far after start
};

// Reads one IP packet into packet[0..room) (overwriting the
// TUN_READ_HEADROOM bytes before it), and into *offload what is left
// to do to it: nothing on the BSDs; on Linux a checksum to complete, or a
// TCP segment larger than the MTU to cut.  Returns its length, 0 for a
// frame that carries no IP packet (skip it), or -1 with errno.
ssize_t tun_read(int fd, uint8_t *packet, size_t room, struct tun_offload *offload);

// Writes one IP packet.  Returns 0, or -1 with errno.
int tun_write(int fd, uint8_t *packet, size_t len);

// Closes the device so that the interface disappears.  Called by the
// process that opened it, best after the others that share it have ended
// (FreeBSD waits for them).
void tun_close(int fd, const char *name);

// Makes the calling (just forked) process receive SIGTERM when the process
// parent_pid dies, even by SIGKILL; exits at once if it has died already.
// Returns 0, or -1 with errno.
int exit_with_parent(pid_t parent_pid);

// Closes every descriptor from lowest up: what jtunnel inherited beyond
// stdin, stdout and stderr must not reach PROG, nor keep anything open.
void descriptors_close_from(int lowest);

// Fills len bytes (at most 256) from the system's random source.  Returns
// 0, or -1 with errno.
int random_bytes(void *buf, size_t len);

// Memory for secrets, len bytes of zeros in pages of their own, which a
// process forked later sees as zeros rather than as a copy (Linux:
// MADV_WIPEONFORK; FreeBSD, OpenBSD, NetBSD: inheritance "zero"): a
// forwarding process neither holds the parent's keys nor copies their
// pages.  *wiped_on_fork says whether the system does it; where not, the
// forked process has to wipe them itself.  Returns null with errno.
void *secret_pages_map(size_t len, bool *wiped_on_fork);
void secret_pages_unmap(void *pages, size_t len);

// A socket, close-on-exec.  Returns it, or -1 with errno.
int socket_cloexec(int family, int type, int protocol);

// A pipe, both ends close-on-exec and with flags (0 or O_NONBLOCK) set.
// Returns 0, or -1 with errno.
int pipe_cloexec(int fds[2], int flags);

// getopt(3) as POSIX has it on every system: the options end at the first
// operand, and a scan can start over.  glibc's getopt moves options found
// after operands to the front unless the option string starts with '+',
// which the BSDs' getopt would take for an option letter.
#if defined(__GLIBC__)
#define GETOPT_POSIX_ORDER "+"
#else
#define GETOPT_POSIX_ORDER ""
#endif

// Makes the next getopt(3) scan start afresh at argv[1].
void getopt_restart(void);

// The local address a datagram was sent to, so a reply leaves from it.
struct udp_local {
	int family;		// 0 (unknown: let the kernel choose), AF_INET or AF_INET6
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

// Enables reporting of each datagram's local address on a UDP socket of the
// given family.  Returns 0, or -1 with errno.
int udp_enable_local_address(int fd, int family);

// Room for the control messages below, received or sent.
enum { UDP_CONTROL_ROOM = 64 };

// Finds the local address in a received message's control data.  Sets
// local->family to 0 when there is none.
void udp_local_from_control(struct msghdr *msg, struct udp_local *local);

// Writes control data that makes a sent datagram leave from local into
// control (UDP_CONTROL_ROOM bytes).  Returns its length, 0 when local is unknown.
size_t udp_local_to_control(const struct udp_local *local, void *control);

// One received datagram: its header, and its length once received.  Where
// the system has recvmmsg(2) (MSG_WAITFORONE comes with it: Linux, FreeBSD,
// NetBSD, OpenBSD), this is its struct mmsghdr; elsewhere (macOS) a struct
// with the same members.
#if defined(MSG_WAITFORONE)
typedef struct mmsghdr udp_message;
#else
struct udp_message {
	struct msghdr msg_hdr;
	unsigned int msg_len;
};
#endif

// Waits for a datagram on fd, then takes those already queued, up to count
// in all.  Returns how many, or -1 with errno.
int udp_receive_batch(int fd, udp_message *msgs, unsigned int count);

// Lets the kernel fragment outgoing datagrams larger than the path MTU
// instead of dropping them.  Returns 0, or -1 with errno.
int udp_allow_fragments(int fd, int family);

// Sends the len bytes at buf as datagrams of datagram_size bytes each (the
// last may be shorter) in one system call, to where msg says; its msg_iov
// is set here, its control data (udp_local_to_control's, in its
// UDP_CONTROL_ROOM bytes, which leave room for more) kept.  Returns 0, or -1 with errno:
// ENOTSUP when the system or this path cannot (the BSDs; Linux before
// 4.18, or datagrams the path takes only in fragments), which nothing was
// sent for.  See net.h's udp_send_run.
int udp_send_segmented(int fd, struct msghdr *msg, uint8_t *buf, size_t len, size_t datagram_size);

// Sets both socket buffers to at least bytes where the system allows it,
// else as large as it allows.  Returns 0, or -1 with errno.
int udp_size_buffers(int fd, int bytes);

#endif
