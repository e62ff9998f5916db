// SPDX-License-Identifier: ISC
#include "forward.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "offload.h"
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
	alignas(struct cmsghdr) uint8_t control[UDP_CONTROL_ROOM];
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

// The bytes the wire puts before a packet.
static size_t wire_head(const struct forwarder *f)
{
	return f->keyed ? WIRE_KEYED_HEADER : WIRE_PLAIN_OVERHEAD;
}

// Room before a packet read for the datagrams cut from it, built in place
// (offload.h): each outgrows its share of the segment by its headers and
// the wire's overhead, about 100 bytes, and a run of UDP_RUN_DATAGRAMS of
// them must fit before it overtakes what is not cut yet.
enum { CUT_ROOM = 8192 };
static_assert((int)CUT_ROOM >= (int)WIRE_TAG_BYTES, "a datagram cut must fit at the start");
static_assert((int)CUT_ROOM >= (int)TUN_READ_HEADROOM, "tun_read's headroom");

// Sends count datagrams, len bytes at buf, of datagram_size bytes but the last.
static void send_run(struct forward_state *s, uint8_t *buf, size_t len, size_t datagram_size,
    size_t count)
{
	struct forward_shared *shared = s->f->shared;
	if (udp_send_run(s->f->sock, &s->msg, buf, len, datagram_size) == -1) {
		int err = errno;
		for (size_t i = 0; i < count; i++)
			drop_count(DROP_SEND, err);
		return;
	}
	shared->sent = 1;
	shared->datagrams = shared->datagrams + count;
	shared->bytes = shared->bytes + len;
}

static void no_session(struct forward_state *s)
{
	drop_count(DROP_NO_SESSION);
	s->f->shared->no_session = 1;
}

// Cuts the TCP segment packet[0..len) into packets of segment_size bytes of
// payload and sends them, as datagrams built from run on, over the
// segment's first bytes, in runs of one send each.
static void send_cut(struct forward_state *s, uint8_t *run, uint8_t *packet, size_t len,
    size_t segment_size)
{
	struct tcp_cut cut;
	if (!tcp_cut_start(&cut, packet, len, segment_size)) {
		drop_count(DROP_OFFLOAD);
		return;
	}
	size_t overhead = s->f->keyed ? WIRE_KEYED_OVERHEAD : WIRE_PLAIN_OVERHEAD;
	size_t head = wire_head(s->f);
	size_t run_len = 0, count = 0, datagram_size = 0;
	for (size_t packet_len; (packet_len = tcp_cut_next_length(&cut)) > 0;) {
		size_t need = packet_len + overhead;
		if (count > 0 && (count == UDP_RUN_DATAGRAMS || run_len + need > UDP_RUN_BYTES ||
		    run + run_len + need > tcp_cut_room_end(&cut, packet))) {
			send_run(s, run, run_len, datagram_size, count);
			run_len = count = 0;
		}
		uint8_t *datagram = run + run_len;
		tcp_cut_next(&cut, packet, datagram + head);
		size_t datagram_len = wrap(s, datagram, packet_len);
		if (datagram_len == 0) {
			no_session(s);
			continue;
		}
		if (count++ == 0)
			datagram_size = datagram_len;
		run_len += datagram_len;
	}
	if (count > 0)
		send_run(s, run, run_len, datagram_size, count);
}

// Sends the len-byte packet, read at its place in datagram, finished.
static void send_packet(struct forward_state *s, uint8_t *datagram, uint8_t *packet, size_t len,
    const struct tun_offload *offload)
{
	if (offload->needs_checksum && !checksum_complete(packet, len,
	    offload->checksum_start, offload->checksum_offset)) {
		drop_count(DROP_OFFLOAD);
		return;
	}
	size_t datagram_len = wrap(s, datagram, len);
	if (datagram_len > 0)
		send_run(s, datagram, datagram_len, datagram_len, 1);
	else
		no_session(s);
}

// A read takes any IP packet whole, even one too large to send (which the
// send then refuses): the largest segment the kernel hands over, or that
// its GRO made of packets routed in, is 65535 bytes.
enum {
	TUN_READ_ROOM = 65535,
	FORWARD_BUFFER = CUT_ROOM + WIRE_KEYED_HEADER + TUN_READ_ROOM + WIRE_TAG_BYTES,
};

// Gives back the pages a segment filled once a packet that is none comes:
// a burst's 70 KiB are not kept for a link gone quiet (or a router's other
// work).  What the next burst pays for them again is a page fault per 4
// KiB, against the 3 packets' forwarding they hold.
static void forward_buffer_trim(const char *who, uint8_t *buf)
{
	static bool failed;
	if (!failed && madvise(buf, FORWARD_BUFFER, MADV_DONTNEED) == -1) {
		failed = true;
		log_warn("%s: giving back a burst's memory", who);
	}
}

void forward_tun_to_udp(struct forwarder *f)
{
	// The buffer has pages of its own, so that they can be given back whole.
	uint8_t *buf = (uint8_t *)mmap(NULL, FORWARD_BUFFER, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		fatal("%s: mapping its buffer", f->who);
	bool trim_due = false;
	static struct forward_state s;
	s.f = f;
	set_destination(&s);
	signal_catch(SIGUSR1, on_control);
	// Its drop reports name its peer, and come on time though the tun
	// read blocks: the timer interrupts it.
	log_set_peer(f->who);
	drop_totals_keep_in(&f->shared->drops);
	drop_timer_enable();
	uint8_t *datagram = buf + CUT_ROOM, *packet = datagram + wire_head(f);
	for (control_waiting = 1;;) {
		if (control_waiting) {
			control_waiting = 0;
			take_control(&s);
		}
		if (s.keepalive_due) {
			s.keepalive_due = false;
			size_t len = wrap(&s, datagram, 0);
			if (len > 0)
				send_run(&s, datagram, len, len, 1);
		}
		struct tun_offload offload;
		ssize_t n = tun_read(f->tun_fd, packet, TUN_READ_ROOM, &offload);
		if (n == -1 && errno != EINTR && errno != EAGAIN)
			fatal("%s: reading %s", f->who, f->tun_name);
		if (n <= 0) {
			log_flush_due();
			continue;
		}
		if (offload.segment_size > 0) {
			send_cut(&s, buf, packet, (size_t)n, offload.segment_size);
			trim_due = true;
			continue;
		}
		send_packet(&s, datagram, packet, (size_t)n, &offload);
		if (trim_due) {
			trim_due = false;
			forward_buffer_trim(f->who, buf);
		}
	}
}
