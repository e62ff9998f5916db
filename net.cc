// SPDX-License-Identifier: ISC
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"

// Enough for bursts at line rate while the other side of the host is busy.
enum { SOCKET_BUFFER_BYTES = 4 << 20 };

const char *addr_format(const struct udp_addr *a, char text[ADDR_TEXT_MAX])
{
	char host[INET6_ADDRSTRLEN];
	if (a->sa.sa_family == AF_INET) {
		inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof host);
		snprintf(text, ADDR_TEXT_MAX, "%s:%u", host, ntohs(a->in.sin_port));
	} else if (IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr)) {
		inet_ntop(AF_INET, &a->in6.sin6_addr.s6_addr[12], host, sizeof host);
		snprintf(text, ADDR_TEXT_MAX, "%s:%u", host, ntohs(a->in6.sin6_port));
	} else {
		inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof host);
		snprintf(text, ADDR_TEXT_MAX, "[%s]:%u", host, ntohs(a->in6.sin6_port));
	}
	return text;
}

bool addr_equal(const struct udp_addr *a, const struct udp_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		    a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	return a->in6.sin6_port == b->in6.sin6_port &&
	    a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
	    memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof a->in6.sin6_addr) == 0;
}

bool addr_is_ipv4_path(const struct udp_addr *a)
{
	return a->sa.sa_family == AF_INET || IN6_IS_ADDR_V4MAPPED(&a->in6.sin6_addr);
}

int addr_default_mtu(const struct udp_addr *a, bool keyed)
{
	return LINK_MTU - (addr_is_ipv4_path(a) ? OVERHEAD_IPV4 : OVERHEAD_IPV6) -
	    (keyed ? WIRE_KEYED_OVERHEAD : WIRE_PLAIN_OVERHEAD);
}

void addr_any(int family, uint16_t port, struct udp_addr *a)
{
	memset(a, 0, sizeof *a);
	if (family == AF_INET) {
		a->in.sin_family = AF_INET;
		a->in.sin_port = htons(port);
		a->len = sizeof a->in;
	} else {
		a->in6.sin6_family = AF_INET6;
		a->in6.sin6_port = htons(port);
		a->len = sizeof a->in6;
	}
}

bool addr_parse_numeric(const char *host, uint16_t port, struct udp_addr *a)
{
	addr_any(AF_INET, port, a);
	if (inet_pton(AF_INET, host, &a->in.sin_addr) == 1)
		return true;
	addr_any(AF_INET6, port, a);
	return inet_pton(AF_INET6, host, &a->in6.sin6_addr) == 1;
}

int addr_resolve(const char *host, uint16_t port, int family, struct udp_addr *a)
{
	struct addrinfo hints, *res;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = family;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG;
	int err = getaddrinfo(host, NULL, &hints, &res);
	if (err == EAI_BADFLAGS || err == EAI_NONAME) {
		// AI_ADDRCONFIG hides every address on a host whose only
		// addresses are loopback or not yet configured.
		hints.ai_flags = 0;
		err = getaddrinfo(host, NULL, &hints, &res);
	}
	if (err != 0)
		return err;
	memset(a, 0, sizeof *a);
	memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	if (a->sa.sa_family == AF_INET)
		a->in.sin_port = htons(port);
	else
		a->in6.sin6_port = htons(port);
	freeaddrinfo(res);
	return 0;
}

int udp_open(const struct udp_addr *local, bool dual_stack, const char **what)
{
	int family = local->sa.sa_family;
	int fd = socket_cloexec(family, SOCK_DGRAM, 0);
	if (fd == -1) {
		*what = "socket";
		return -1;
	}
	int v6only = !dual_stack, bytes = SOCKET_BUFFER_BYTES;
	if (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == -1) {
		*what = "IPV6_V6ONLY";
		goto fail;
	}
	if (udp_allow_fragments(fd, family) == -1) {
		*what = "allowing fragments";
		goto fail;
	}
	if (udp_size_buffers(fd, bytes) == -1) {
		*what = "socket buffer size";
		goto fail;
	}
	if (bind(fd, &local->sa, local->len) == -1) {
		*what = "bind";
		goto fail;
	}
	return fd;
fail:
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

enum { UDP_BATCH_BYTES = UDP_BATCH * (UDP_SLOT + DATAGRAM_MAX) };

int udp_batch_init(struct udp_batch *b, bool want_control)
{
	memset(b, 0, sizeof *b);
	// Pages are only touched as datagrams fill them, so the rooms cost
	// address space, not memory, until a datagram needs one.
	void *buffers = mmap(NULL, UDP_BATCH_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buffers == MAP_FAILED)
		return -1;
	b->buffers = (uint8_t *)buffers;
	for (int i = 0; i < UDP_BATCH; i++) {
		uint8_t *room = b->buffers + UDP_BATCH * UDP_SLOT + (size_t)i * DATAGRAM_MAX;
		b->iov[i][0].iov_base = b->buffers + i * UDP_SLOT;
		b->iov[i][0].iov_len = UDP_SLOT;
		b->iov[i][1].iov_base = room + UDP_SLOT;
		b->iov[i][1].iov_len = DATAGRAM_MAX - UDP_SLOT;
		b->msgs[i].msg_hdr.msg_iov = b->iov[i];
		b->msgs[i].msg_hdr.msg_iovlen = 2;
		b->msgs[i].msg_hdr.msg_name = &b->from[i].sa;
		if (want_control)
			b->msgs[i].msg_hdr.msg_control = b->control[i];
	}
	return 0;
}

size_t udp_control_put(void *control, int level, int type, const void *data, size_t len)
{
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	msg.msg_control = control;
	msg.msg_controllen = CMSG_SPACE(len);
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return CMSG_SPACE(len);
}

int udp_send_run(int fd, struct msghdr *msg, uint8_t *buf, size_t len, size_t datagram_size)
{
	if (len > datagram_size) {
		if (udp_send_segmented(fd, msg, buf, len, datagram_size) == 0)
			return 0;
		if (errno != ENOTSUP)
			return -1;
	}
	struct iovec iov;
	msg->msg_iov = &iov;
	msg->msg_iovlen = 1;
	int failed = 0;
	for (size_t at = 0; at < len; at += datagram_size) {
		iov.iov_base = buf + at;
		iov.iov_len = len - at < datagram_size ? len - at : datagram_size;
		if (sendmsg(fd, msg, 0) == -1)
			failed = errno;
	}
	errno = failed;
	return failed ? -1 : 0;
}

int udp_bound_waits(int fd)
{
	struct timeval timeout = { UDP_WAIT_SECONDS, 0 };
	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

void udp_batch_release(struct udp_batch *b)
{
	munmap(b->buffers, UDP_BATCH_BYTES);
	b->buffers = NULL;
}

// Whether a socket error is a passing condition of the network (the tunnel
// goes on and resumes by itself) rather than a fault of ours.
static bool udp_error_is_transient(int err)
{
	switch (err) {
	case ENOBUFS:
	case ENOMEM:
	case EAGAIN:
	case EINTR:
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
	case EADDRNOTAVAIL:
	case EPERM:		// a firewall rule
	case EMSGSIZE:
	case EINVAL:		// an address the route no longer allows
		return true;
	default:
		return false;
	}
}

int udp_batch_recv(int fd, struct udp_batch *b)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		b->msgs[i].msg_hdr.msg_namelen = sizeof b->from[i].in6;
		if (b->msgs[i].msg_hdr.msg_control != NULL)
			b->msgs[i].msg_hdr.msg_controllen = UDP_CONTROL_ROOM;
	}
	int n = udp_receive_batch(fd, b->msgs, UDP_BATCH);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		if (!udp_error_is_transient(errno))
			fatal("receiving");
		drop_count(DROP_RECEIVE, errno);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		b->from[i].len = b->msgs[i].msg_hdr.msg_namelen;
		// A datagram larger than its slot is made whole in its room.
		uint8_t *slot = (uint8_t *)b->iov[i][0].iov_base;
		b->data[i] = slot;
		if (b->msgs[i].msg_len > UDP_SLOT) {
			b->data[i] = (uint8_t *)b->iov[i][1].iov_base - UDP_SLOT;
			memcpy(b->data[i], slot, UDP_SLOT);
		}
	}
	return n;
}
