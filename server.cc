// SPDX-License-Identifier: ISC
// The server: the parent owns the UDP socket, receives in batches and writes
// each datagram's packet straight into its client's tun; one forked process
// per client reads that tun and sends to the client's last address.  The
// pipe to each such process carries what it needs to know (forward.h).
// In keyed mode the parent also answers handshakes and holds the receiving
// half of each session; the sending half lives only in the child.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "forward.h"
#include "handshake.h"
#include "jtunnel.h"
#include "log.h"
#include "secret.h"
#include "spawn.h"

enum {
	INITIATIONS_PER_SOURCE = 10,	// a second, per client and source address
	INITIATIONS_IN_ALL = 100,	// a second
	PLAIN_KEEPALIVE_ANSWER_MS = 1000,
	PENDING_GUARD_MS = 1000,	// a negotiated session is not displaced before
	SETUP_RETRY_MS = 1000,		// after a failed set-up, none before
};

struct server {
	const struct options *o;
	int sock;
	struct peer_table table;
	struct auth_cache authorized;
	struct peer *last;		// the client of the previous datagram
	struct udp_batch batch;
	int64_t now;			// clock_ms at the last tick
	int64_t setup_failed;		// when a client's set-up last failed; 0: never
	int64_t initiations_second;	// the global rate limit's second
	int initiations;
};

// The forwarding process needs its own tun, the socket and its control
// pipe; other clients' descriptors would keep their tuns alive, and no
// secret of the parent's has any use there.  Where the system zeroes the
// secrets' pages at the fork, they are left alone: written, every one
// would be copied into every forwarding process.
static void child_forget_others(struct server *s, const struct peer *mine)
{
	for (size_t i = 0; i < s->table.capacity; i++) {
		struct peer *p = s->table.slots[i];
		if (p == NULL)
			continue;
		if (!secrets_wiped_on_fork)
			secret_wipe(p->secrets, sizeof *p->secrets);
		if (p != mine && p->tun_fd != -1) {
			close(p->tun_fd);
			close(p->control_fd);
		}
	}
	if (!secrets_wiped_on_fork)
		auth_wipe(&s->authorized);
	udp_batch_release(&s->batch);
}

[[noreturn]] static void client_forward(struct server *s, struct peer *p, int control_fd)
{
	struct forwarder f;
	memset(&f, 0, sizeof f);
	f.who = p->live.who;
	f.tun_fd = p->tun_fd;
	f.tun_name = p->tun_name;
	f.sock = s->sock;
	f.control_fd = control_fd;
	f.id = s->o->id;
	f.keyed = p->mode == MODE_KEYED;
	f.to.addr = p->addr;
	f.to.local = p->local;
	f.shared = p->shared;
	forward_tun_to_udp(&f);
}

// A client known to the server, without a tunnel yet.
static struct peer *peer_new(struct server *s, const struct peer_id *id,
    const struct peer_file *file, const struct udp_addr *from, const struct udp_local *local)
{
	char where[ADDR_TEXT_MAX];
	struct peer *p = (struct peer *)calloc(1, sizeof *p);
	if (p != NULL && peer_secrets_map(p) == 0) {
		p->id = *id;
		id_format(id, p->id_text);
		p->addr = *from;
		p->local = *local;
		p->mode = file->mode;
		p->secrets->file = *file;
		p->tun_fd = p->control_fd = -1;
		liveness_start(&p->live, "client", id, -1, p->tun_name, s->now);
		if (peer_insert(&s->table, p) == 0)
			return p;
	}
	log_warn("client at %s: cannot set up", addr_format(from, where));
	if (p != NULL)
		peer_secrets_unmap(p);
	free(p);
	return NULL;
}

// Forgets a client: its process, tun, PROG and every secret it had.
static void client_remove(struct server *s, struct peer *p, const char *why)
{
	char where[ADDR_TEXT_MAX];
	if (p->child > 0)
		kill(p->child, SIGTERM);
	prog_stop(p->prog);
	if (p->tun_fd != -1) {
		close(p->control_fd);
		tun_close(p->tun_fd, p->tun_name);
		log_info("client %s at %s: tunnel %s closed: %s", p->id_text,
		    addr_format(&p->addr, where), p->tun_name, why);
	}
	peer_remove(&s->table, p);
	if (s->last == p)
		s->last = NULL;
	// What its forwarding process dropped stays in the status's totals.
	if (p->shared != NULL)
		drop_totals_absorb(&p->shared->drops);
	forward_shared_unmap(p->shared);
	peer_secrets_unmap(p);
	free(p);
}

// Opens the client's tun, forks its forwarding process and starts PROG.
// Returns false, with the client forgotten, when that fails.
static bool client_tunnel_up(struct server *s, struct peer *p)
{
	char where[ADDR_TEXT_MAX];
	bool keyed = p->mode == MODE_KEYED;
	int mtu = s->o->mtu ? s->o->mtu : addr_default_mtu(&p->addr, keyed);
	int control[2] = { -1, -1 };
	// Out of descriptors, say: set-ups, and their log lines, once a second.
	if (s->setup_failed != 0 && s->now - s->setup_failed < SETUP_RETRY_MS) {
		drop_count(DROP_SETUP);
		client_remove(s, p, "set-up failed a moment ago");
		return false;
	}
	p->tun_fd = tun_open(p->tun_name);
	if (p->tun_fd == -1) {
		log_warn("client %s at %s: cannot open a tun", p->id_text, addr_format(&p->addr, where));
		goto fail;
	}
	if (tun_set_mtu(p->tun_name, mtu) == -1) {
		log_warn("client %s: setting MTU %d on %s", p->id_text, mtu, p->tun_name);
		goto fail;
	}
	if (pipe_cloexec(control, O_NONBLOCK) == -1) {
		log_warn("client %s: control pipe", p->id_text);
		goto fail;
	}
	if (p->shared == NULL && (p->shared = forward_shared_map()) == NULL) {
		log_warn("client %s: memory shared with its forwarding process", p->id_text);
		goto fail;
	}
	p->live.tun_fd = p->tun_fd;
	p->live.heard = s->now;
	p->child = fork_forwarder();
	if (p->child == 0) {
		child_forget_others(s, p);
		close(control[1]);
		client_forward(s, p, control[0]);
	}
	if (p->child == -1) {
		log_warn("client %s: forking its forwarding process", p->id_text);
		p->child = 0;
		goto fail;
	}
	close(control[0]);
	p->control_fd = control[1];
	log_info("client %s at %s: %s tunnel %s up, MTU %d", p->id_text,
	    addr_format(&p->addr, where), keyed ? "keyed" : "plain (unauthenticated)",
	    p->tun_name, mtu);
	p->prog = prog_spawn(s->o->prog, p->tun_name, p->id_text);
	return true;
fail:
	if (control[0] != -1) {
		close(control[0]);
		close(control[1]);
	}
	if (p->tun_fd != -1)
		tun_close(p->tun_fd, p->tun_name);
	p->tun_fd = -1;
	s->setup_failed = s->now;
	client_remove(s, p, "set-up failed");
	return false;
}

// Tells a client's forwarding process; the next tick signals it again, in
// case the signal came just before it blocked in its read.
static void client_tell(struct peer *p, enum control_type type, const void *body, uint32_t length)
{
	if (control_send(p->control_fd, p->child, type, body, length) == -1)
		log_warn("client %s: telling its forwarding process", p->id_text);
	p->kick = true;
}

static void client_moved(struct peer *p, const struct udp_addr *from, const struct udp_local *local)
{
	char was[ADDR_TEXT_MAX], now[ADDR_TEXT_MAX];
	if (!addr_equal(from, &p->addr))
		log_event(EVENT_PEER_MOVED, "client %s moved from %s to %s", p->id_text,
		    addr_format(&p->addr, was), addr_format(from, now));
	p->addr = *from;
	p->local = *local;
	struct peer_address to = { *from, *local };
	client_tell(p, CONTROL_ADDRESS, &to, sizeof to);
}

static void client_packet(struct peer *p, uint8_t *packet, size_t len)
{
	if (tun_write(p->tun_fd, packet, len) == -1)
		drop_count(DROP_TUN_WRITE, errno);
}

static void plain_datagram(struct server *s, struct peer *p, uint8_t *data, size_t len,
    const struct udp_addr *from, const struct udp_local *local)
{
	liveness_heard(&p->live, s->now, len);
	if (!addr_equal(from, &p->addr) || !udp_local_equal(local, &p->local))
		client_moved(p, from, local);
	if (len > ID_BYTES) {
		client_packet(p, data + ID_BYTES, len - ID_BYTES);
	} else if (ticks_past(s->now, p->keepalive_answered, PLAIN_KEEPALIVE_ANSWER_MS)) {
		// Unauthenticated, so answered at most once a second.
		p->keepalive_answered = s->now;
		client_tell(p, CONTROL_KEEPALIVE, NULL, 0);
	}
}

// Whether the server already holds a session made with this ephemeral key
// of the client's: a replayed initiation.
static bool ephemeral_held(const struct peer *p, const uint8_t e[32])
{
	bool held = (p->secrets->current.live && memcmp(p->secrets->current.ephemeral, e, 32) == 0) ||
	    (p->secrets->previous.live && memcmp(p->secrets->previous.ephemeral, e, 32) == 0);
	for (int i = 0; i < PENDING_MAX; i++)
		held = held || (p->secrets->pending[i].rx.live && memcmp(p->secrets->pending[i].rx.ephemeral, e, 32) == 0);
	return held;
}

// Whether a and b are the same host, whatever their ports.
static bool addr_same_host(const struct udp_addr *a, const struct udp_addr *b)
{
	struct udp_addr x = *a, y = *b;
	x.in.sin_port = y.in.sin_port = 0;	// where both families keep it
	return addr_equal(&x, &y);
}

// The rate limits on answered initiations: per client (when known) and
// source address, and in all.
static bool initiation_allowed(struct server *s, struct peer *p, const struct udp_addr *from)
{
	int64_t second = s->now / 1000;
	if (s->initiations_second != second) {
		s->initiations_second = second;
		s->initiations = 0;
	}
	if (s->initiations >= INITIATIONS_IN_ALL)
		return false;
	if (p != NULL) {
		struct initiation_count *slot = &p->initiations[0];
		for (int i = 0; i < INITIATION_SOURCES; i++) {
			struct initiation_count *c = &p->initiations[i];
			if (addr_same_host(&c->from, from)) {
				slot = c;
				break;
			}
			if (c->second < slot->second)
				slot = c;
		}
		if (!addr_same_host(&slot->from, from) || slot->second != second) {
			slot->from = *from;
			slot->second = second;
			slot->count = 0;
		}
		if (slot->count >= INITIATIONS_PER_SOURCE)
			return false;
		slot->count++;
	}
	s->initiations++;
	return true;
}

static void send_response(struct server *s, const uint8_t *response, const struct udp_addr *to,
    const struct udp_local *local)
{
	uint8_t control[UDP_CONTROL_ROOM];
	struct iovec iov = { (void *)response, WIRE_HANDSHAKE_BYTES };
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	msg.msg_name = (void *)&to->sa;
	msg.msg_namelen = to->len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_controllen = udp_local_to_control(local, control);
	msg.msg_control = msg.msg_controllen ? control : NULL;
	if (sendmsg(s->sock, &msg, 0) == -1)
		drop_count(DROP_SEND, errno);
}

// Where a new negotiated session goes: a free slot, else that of the
// oldest, but only once it has waited PENDING_GUARD_MS, time enough for a
// genuine client's confirmation to come, so that a replayed initiation
// (answered again once its own sessions are gone) displaces no genuine
// handshake.  Null when every slot is younger.
static struct pending_session *pending_slot(struct server *s, struct peer *p)
{
	struct pending_session *oldest = &p->secrets->pending[0];
	for (int i = 0; i < PENDING_MAX; i++) {
		struct pending_session *slot = &p->secrets->pending[i];
		if (!slot->rx.live)
			return slot;
		if (slot->rx.born < oldest->rx.born)
			oldest = slot;
	}
	return s->now - oldest->rx.born >= PENDING_GUARD_MS ? oldest : NULL;
}

// An initiation from a keyed client (p null: not known yet): one response,
// and a negotiated session that the client's next datagram confirms.
static void keyed_initiation(struct server *s, struct peer *p, const struct peer_id *id,
    const struct peer_file *file, const uint8_t *data, const struct udp_addr *from,
    const struct udp_local *local)
{
	struct noise_handshake hs;
	if (!handshake_accept(&hs, id, &s->o->id, file->key, data)) {
		drop_count(DROP_HANDSHAKE);
		return;
	}
	if (p != NULL && ephemeral_held(p, hs.re)) {
		noise_wipe(&hs);
		return;
	}
	struct pending_session *slot = p != NULL ? pending_slot(s, p) : NULL;
	if ((p != NULL && slot == NULL) || !initiation_allowed(s, p, from)) {
		noise_wipe(&hs);
		drop_count(DROP_RATE);
		return;
	}
	uint8_t ephemeral[32], response[WIRE_HANDSHAKE_BYTES];
	memcpy(ephemeral, hs.re, sizeof ephemeral);
	struct session_keys keys;
	if (handshake_respond(&hs, &s->o->id, response, &keys) == -1) {
		drop_count(DROP_HANDSHAKE);
		return;
	}
	if (p == NULL) {
		if ((p = peer_new(s, id, file, from, local)) == NULL) {
			secret_wipe(&keys, sizeof keys);
			return;
		}
		slot = &p->secrets->pending[0];
	}
	secret_wipe(slot, sizeof *slot);
	memcpy(slot->rx.key, keys.rx, sizeof slot->rx.key);
	memcpy(slot->tx_key, keys.tx, sizeof slot->tx_key);
	memcpy(slot->rx.ephemeral, ephemeral, sizeof ephemeral);
	slot->rx.born = s->now;
	slot->rx.live = true;
	secret_wipe(&keys, sizeof keys);
	send_response(s, response, from, local);
	char where[ADDR_TEXT_MAX];
	log_event(EVENT_HANDSHAKE, "client %s at %s: handshake answered", p->id_text,
	    addr_format(from, where));
}

// The first datagram verified under a negotiated session makes it current;
// the other negotiated ones go.  Its sending key goes to the forwarding
// process, which is started first if the client has no tunnel yet.
static bool session_confirmed(struct server *s, struct peer *p, int i)
{
	rx_session_wipe(&p->secrets->previous);
	p->secrets->previous = p->secrets->current;
	p->secrets->current = p->secrets->pending[i].rx;
	p->tx_born = p->secrets->current.born;
	if (p->tun_fd == -1 && !client_tunnel_up(s, p))
		return false;
	client_tell(p, CONTROL_SESSION, p->secrets->pending[i].tx_key, AEAD_KEY_BYTES);
	secret_wipe(p->secrets->pending, sizeof p->secrets->pending);
	log_event(EVENT_HANDSHAKE, "client %s: new session", p->id_text);
	return true;
}

static void keyed_data(struct server *s, struct peer *p, uint8_t *data, size_t len,
    const struct udp_addr *from, const struct udp_local *local)
{
	bool highest = false;
	enum session_verdict v = session_open_either(&p->secrets->current, &p->secrets->previous, data,
	    len, &highest);
	bool stale = v == SESSION_STALE;
	for (int i = 0; i < PENDING_MAX && v != SESSION_OPENED; i++) {
		v = session_open(&p->secrets->pending[i].rx, data, len, &highest);
		if (v == SESSION_OPENED && !session_confirmed(s, p, i))
			return;
	}
	if (v != SESSION_OPENED) {
		drop_count(stale ? DROP_REPLAYED : DROP_UNVERIFIED);
		return;
	}
	liveness_heard(&p->live, s->now, len);
	// Only an accepted datagram, the newest yet, moves the client.
	if (highest && (!addr_equal(from, &p->addr) || !udp_local_equal(local, &p->local)))
		client_moved(p, from, local);
	if (len > WIRE_KEYED_OVERHEAD)
		client_packet(p, data + WIRE_KEYED_HEADER, len - WIRE_KEYED_OVERHEAD);
	else
		client_tell(p, CONTROL_KEEPALIVE, NULL, 0);
}

static void keyed_datagram(struct server *s, struct peer *p, const struct peer_id *id,
    const struct peer_file *file, uint8_t *data, size_t len, const struct udp_addr *from,
    const struct udp_local *local)
{
	if (handshake_shaped(data, len, WIRE_INITIATION))
		keyed_initiation(s, p, id, file, data, from, local);
	else if (len < WIRE_KEYED_OVERHEAD || data[WIRE_TYPE_AT] != WIRE_DATA)
		drop_count(DROP_TYPE);
	else if (p == NULL)
		drop_count(DROP_UNVERIFIED);
	else
		keyed_data(s, p, data, len, from, local);
}

static void server_datagram(struct server *s, udp_message *m, uint8_t *data,
    const struct udp_addr *from)
{
	size_t len = m->msg_len;
	struct peer_id id;
	char text[ID_TEXT_MAX], where[ADDR_TEXT_MAX];
	if (datagram_received(m, &id) == DATAGRAM_SHORT)
		return;
	struct udp_local local;
	udp_local_from_control(&m->msg_hdr, &local);
	struct peer *p = s->last;
	if (p == NULL || !id_equal(&p->id, &id))
		p = peer_find(&s->table, &id);
	if (p != NULL) {
		s->last = p;
		if (p->mode == MODE_PLAIN)
			plain_datagram(s, p, data, len, from, &local);
		else
			keyed_datagram(s, p, &id, &p->secrets->file, data, len, from, &local);
		return;
	}
	const struct peer_file *file = auth_lookup(&s->authorized, &id);
	if (file == NULL || file->mode == MODE_BAD) {
		drop_count(DROP_UNKNOWN);
		id_format(&id, text);
		addr_format(from, where);
		if (file == NULL)
			log_refused(text, where, s->o->confdir);
		else
			log_event(EVENT_ID_REFUSED, "unauthorized identifier %s from %s: %s/%s is "
			    "no valid peer file", text, where, s->o->confdir, text);
		return;
	}
	if (file->mode == MODE_KEYED) {
		keyed_datagram(s, NULL, &id, file, data, len, from, &local);
		return;
	}
	log_event(EVENT_PEER_SEEN, "client %s seen at %s", id_format(&id, text),
	    addr_format(from, where));
	if ((p = peer_new(s, &id, file, from, &local)) != NULL && client_tunnel_up(s, p)) {
		s->last = p;
		plain_datagram(s, p, data, len, from, &local);
	}
}

// How long a negotiated session waits for its confirmation: twice the
// client's retry, after which it has sent another initiation.
static int64_t pending_ms(void)
{
	return 2 * session_timers.retry;
}

// A keyed client's timers: its sessions end at their lifetime.  Returns
// false when it is forgotten, having neither a tunnel nor a session left.
static bool keyed_tick(struct server *s, struct peer *p)
{
	bool negotiating = false;
	for (int k = 0; k < PENDING_MAX; k++) {
		if (p->secrets->pending[k].rx.live && s->now - p->secrets->pending[k].rx.born >= pending_ms())
			secret_wipe(&p->secrets->pending[k], sizeof p->secrets->pending[k]);
		negotiating = negotiating || p->secrets->pending[k].rx.live;
	}
	if (p->secrets->previous.live && session_expired(p->secrets->previous.born, s->now))
		rx_session_wipe(&p->secrets->previous);
	if (p->secrets->current.live && session_expired(p->secrets->current.born, s->now))
		rx_session_wipe(&p->secrets->current);
	if (p->tx_born != 0 && session_expired(p->tx_born, s->now)) {
		p->tx_born = 0;
		client_tell(p, CONTROL_SESSION_END, NULL, 0);
	}
	if (p->tun_fd == -1 && !p->secrets->current.live && !negotiating) {
		client_remove(s, p, "no session");
		return false;
	}
	return true;
}

// At every tick: the keyed clients' timers, and a forwarding process told
// something since the last tick is signalled once more.
static void server_tick(struct server *s)
{
	s->now = clock_ms();
	for (size_t i = 0; i < s->table.capacity; i++) {
		struct peer *p = s->table.slots[i];
		// A removal may move another entry into this slot: look again.
		while (p != NULL && p->mode == MODE_KEYED && !keyed_tick(s, p))
			p = s->table.slots[i];
		if (p != NULL && p->tun_fd != -1)
			liveness_silent(&p->live, s->now, (int64_t)s->o->timeout_seconds * 1000);
		if (p != NULL && p->kick && p->child > 0) {
			p->kick = false;
			kill(p->child, SIGUSR1);
		}
	}
}

static void server_reap(struct server *s)
{
	int status;
	pid_t pid;
	char text[48], why[80];
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < s->table.capacity; i++) {
			struct peer *p = s->table.slots[i];
			if (p == NULL)
				continue;
			if (p->child == pid) {
				p->child = 0;
				snprintf(why, sizeof why, "its forwarding process %s",
				    status_text(status, text));
				client_remove(s, p, why);
				break;
			}
			if (p->prog == pid) {
				p->prog = 0;
				snprintf(why, sizeof why, "client %s (%s)", p->id_text, p->tun_name);
				prog_report(s->o->prog[0], why, status);
				break;
			}
		}
	}
}

// SIGHUP: forget every client whose file is gone from CONFDIR, or whose
// mode or key changed.
static void server_rescan(struct server *s)
{
	if (auth_reload(&s->authorized) == -1) {
		log_warn("not reloaded: keeping every client: %s", s->o->confdir);
		return;
	}
	size_t forgotten = 0;
	struct peer **gone = (struct peer **)calloc(s->table.count + 1, sizeof *gone);
	if (gone == NULL) {
		log_warn("not reloaded: keeping every client");
		return;
	}
	for (size_t i = 0; i < s->table.capacity; i++) {
		struct peer *p = s->table.slots[i];
		if (p == NULL)
			continue;
		const struct peer_file *file = auth_listed(&s->authorized, &p->id);
		if (file == NULL || !peer_file_same(file, &p->secrets->file))
			gone[forgotten++] = p;
	}
	for (size_t i = 0; i < forgotten; i++) {
		const struct peer_file *file = auth_listed(&s->authorized, &gone[i]->id);
		log_event(EVENT_PEER_FORGOTTEN, "client %s forgotten", gone[i]->id_text);
		client_remove(s, gone[i], file == NULL ? "no longer authorized" :
		    "its key or mode changed");
	}
	free(gone);
	log_info("reloaded %s: %zu clients forgotten, %zu remain", s->o->confdir,
	    forgotten, s->table.count);
}

// SIGUSR2: a line per client, and the drop counters.
static void server_status(struct server *s)
{
	struct drop_totals forwarding = {};
	for (size_t i = 0; i < s->table.capacity; i++) {
		const struct peer *p = s->table.slots[i];
		if (p == NULL)
			continue;
		bool keyed = p->mode == MODE_KEYED;
		liveness_status(&p->live, keyed, &p->addr, p->shared, s->now,
		    keyed && p->secrets->current.live ? p->secrets->current.born : 0);
		if (p->shared != NULL)
			drop_totals_add(&forwarding, &p->shared->drops);
	}
	// The clients' forwarding processes count what they drop (sends
	// refused, packets with no session) in the pages they share with it.
	drop_status(&forwarding);
}

[[noreturn]] static void server_stop(struct server *s)
{
	// Signal every process first and wait after: each tun's removal takes
	// the kernel a while, and they proceed in parallel.
	for (size_t i = 0; i < s->table.capacity; i++) {
		struct peer *p = s->table.slots[i];
		if (p == NULL)
			continue;
		prog_stop(p->prog);
		if (p->child > 0)
			kill(p->child, SIGTERM);
		if (p->tun_fd != -1)
			tun_close(p->tun_fd, p->tun_name);
		peer_secrets_unmap(p);
	}
	for (size_t i = 0; i < s->table.capacity; i++) {
		struct peer *p = s->table.slots[i];
		if (p != NULL && p->child > 0)
			child_wait(p->child);
	}
	auth_wipe(&s->authorized);
	log_exiting();
	exit(0);
}

// Errors that say the system has no IPv6, as opposed to a port in use.
static bool family_unsupported(int err)
{
	return err == EAFNOSUPPORT || err == EPROTONOSUPPORT || err == EPFNOSUPPORT;
}

static int server_socket(const struct options *o)
{
	struct udp_addr local;
	char where[ADDR_TEXT_MAX];
	const char *what = NULL;
	int fd;
	if (o->bind_host != NULL) {
		addr_parse_numeric(o->bind_host, o->port, &local);
		fd = udp_open(&local, false, &what);
	} else {
		// Every address: dual-stack where the system has IPv6.
		addr_any(AF_INET6, o->port, &local);
		fd = udp_open(&local, true, &what);
		if (fd == -1 && family_unsupported(errno)) {
			addr_any(AF_INET, o->port, &local);
			fd = udp_open(&local, false, &what);
		}
	}
	if (fd == -1)
		fatal("server socket on %s: %s", addr_format(&local, where), what);
	// Bound to every address, a reply must name the one the client wrote
	// to; bound to one, it leaves from that one anyway.
	if (o->bind_host == NULL && udp_enable_local_address(fd, local.sa.sa_family) == -1)
		fatal("server socket: receiving local addresses");
	if (udp_bound_waits(fd) == -1)
		fatal("server socket: receive timeout");
	socklen_t len = sizeof local.in6;
	if (getsockname(fd, &local.sa, &len) == -1)
		fatal("server socket: getsockname");
	local.len = len;
	char text[ID_TEXT_MAX];
	log_info("server %s listening on %s", id_format(&o->id, text), addr_format(&local, where));
	return fd;
}

void server_run(const struct options *o)
{
	static struct server s;
	s.o = o;
	s.authorized.confdir = o->confdir;
	// Fail at start, not at the first client, when tuns cannot be made.
	char probe_name[TUN_NAME_MAX];
	int probe = tun_open(probe_name);
	if (probe == -1)
		fatal("cannot open a tun (needs /dev/net/tun and CAP_NET_ADMIN)");
	tun_close(probe, probe_name);
	s.sock = server_socket(o);
	if (udp_batch_init(&s.batch, true) == -1)
		fatal("receive buffers");
	ticks_start(session_timers.tick);
	s.now = clock_ms();
	for (;;) {
		if (seen.stop)
			server_stop(&s);
		log_flush_due();
		if (seen.child) {
			seen.child = 0;
			server_reap(&s);
		}
		if (seen.hup) {
			seen.hup = 0;
			server_rescan(&s);
		}
		if (seen.alarm) {
			seen.alarm = 0;
			server_tick(&s);
		}
		if (seen.status) {
			seen.status = 0;
			server_status(&s);
		}
		int n = udp_batch_recv(s.sock, &s.batch);
		for (int i = 0; i < n; i++)
			server_datagram(&s, &s.batch.msgs[i], s.batch.data[i], &s.batch.from[i]);
	}
}
