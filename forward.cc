// SPDX-License-Identifier: ISC
#include "forward.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "spawn.h"

int control_send(int fd, pid_t child, enum control_type type, const void *body, uint32_t length)
{
	struct control_message m;
	memset(&m, 0, sizeof m);
	m.type = type;
	m.length = length;
	if (length > 0)
		memcpy(&m.body, body, length);
	// One write of at most PIPE_BUF bytes: never interleaved, never split.
	ssize_t n = write(fd, &m, sizeof m);
	int err = errno;
	secret_wipe(&m, sizeof m);
	if (n != (ssize_t)sizeof m) {
		errno = n == -1 ? err : EIO;
		return -1;
	}
	if (child > 0)
		kill(child, SIGUSR1);
	return 0;
}

struct forward_shared *forward_shared_map(void)
{
	void *shared = mmap(NULL, sizeof(struct forward_shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return shared == MAP_FAILED ? NULL : (struct forward_shared *)shared;
}

void forward_shared_unmap(struct forward_shared *shared)
{
	if (shared != NULL)
		munmap(shared, sizeof *shared);
}

static volatile sig_atomic_t control_waiting;

static void on_control(int)
{
	control_waiting = 1;
}

struct forward_state {
	struct forwarder *f;
	struct tx_session tx;
	struct msghdr msg;
	struct iovec iov;
	uint8_t control[UDP_CONTROL_ROOM];
	bool keepalive_due;
};

static void set_destination(struct forward_state *s)
{
	s->msg.msg_name = &s->f->to.addr.sa;
	s->msg.msg_namelen = s->f->to.addr.len;
	s->msg.msg_controllen = udp_local_to_control(&s->f->to.local, s->control);
	s->msg.msg_control = s->msg.msg_controllen ? s->control : NULL;
}

// Takes every queued message; exits when the parent has closed the pipe.
static void take_control(struct forward_state *s)
{
	struct control_message m;
	ssize_t n;
	while ((n = read(s->f->control_fd, &m, sizeof m)) == (ssize_t)sizeof m) {
		if (m.type == CONTROL_ADDRESS && m.length == sizeof m.body.address) {
			s->f->to = m.body.address;
			set_destination(s);
		} else if (m.type == CONTROL_SESSION && m.length == sizeof m.body.key) {
			tx_session_wipe(&s->tx);
			memcpy(s->tx.key, m.body.key, sizeof s->tx.key);
			s->tx.live = true;
			s->keepalive_due = s->f->confirms;
		} else if (m.type == CONTROL_SESSION_END && m.length == 0) {
			tx_session_wipe(&s->tx);
		} else if (m.type == CONTROL_KEEPALIVE && m.length == 0) {
			s->keepalive_due = true;
		} else {
			log_warnx("%s: unknown control message %u (%u bytes)", s->f->who, m.type, m.length);
		}
	}
	secret_wipe(&m, sizeof m);
	if (n == 0) {
		tx_session_wipe(&s->tx);
		exit(0);
	}
}

// Makes the len-byte packet at the wire's place in buf a datagram.  Returns
// its length; 0 when keyed mode has no session to send it under.
static size_t wrap(struct forward_state *s, uint8_t *buf, size_t len)
{
	if (!s->f->keyed) {
		memcpy(buf, s->f->id.bytes, ID_BYTES);
		return len + ID_BYTES;
	}
	return session_seal(&s->tx, &s->f->id, buf, len);
}

static void send_datagram(struct forward_state *s, uint8_t *buf, size_t len)
{
	s->iov.iov_base = buf;
	s->iov.iov_len = len;
	struct forward_shared *shared = s->f->shared;
	if (sendmsg(s->f->sock, &s->msg, 0) == -1) {
		drop_count(DROP_SEND, errno);
		return;
	}
	shared->sent = 1;
	shared->datagrams = shared->datagrams + 1;
	shared->bytes = shared->bytes + len;
}

void forward_tun_to_udp(struct forwarder *f)
{
	static uint8_t buf[DATAGRAM_MAX];
	static struct forward_state s;
	s.f = f;
	s.msg.msg_iov = &s.iov;
	s.msg.msg_iovlen = 1;
	set_destination(&s);
	signal_catch(SIGUSR1, on_control);
	// Its drop reports name its peer, and come on time though the tun
	// read blocks: the timer interrupts it.
	log_set_peer(f->who);
	drop_totals_keep_in(&f->shared->drops);
	drop_timer_enable();
	size_t head = f->keyed ? WIRE_KEYED_HEADER : WIRE_PLAIN_OVERHEAD;
	size_t room = DATAGRAM_MAX - WIRE_KEYED_OVERHEAD;
	for (control_waiting = 1;;) {
		if (control_waiting) {
			control_waiting = 0;
			take_control(&s);
		}
		if (s.keepalive_due) {
			s.keepalive_due = false;
			size_t len = wrap(&s, buf, 0);
			if (len > 0)
				send_datagram(&s, buf, len);
		}
		ssize_t n = tun_read(f->tun_fd, buf + head, room);
		if (n == -1 && errno != EINTR && errno != EAGAIN)
			fatal("%s: reading %s", f->who, f->tun_name);
		if (n <= 0) {
			log_flush_due();
			continue;
		}
		size_t len = wrap(&s, buf, (size_t)n);
		if (len > 0) {
			send_datagram(&s, buf, len);
		} else {
			drop_count(DROP_NO_SESSION);
			f->shared->no_session = 1;
		}
	}
}
