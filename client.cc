// SPDX-License-Identifier: ISC
// The client: two processes with plain blocking I/O, one per direction.
// The parent receives from the server and writes into the tun, runs the
// timers, makes the handshakes of keyed mode and handles the signals; its
// forked child reads the tun and sends to the server, keepalives too, and
// alone holds the sending key (forward.h).
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
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

enum { RESOLVE_RETRY_MAX_SECONDS = 60, RETRY_JITTER_MS = 333 };

struct client {
	const struct options *o;
	int sock;
	int tun_fd;
	char tun_name[TUN_NAME_MAX];
	struct udp_addr server;
	pid_t tx, prog;			// the tun to UDP process, PROG; 0 once reaped
	int control_fd;			// the pipe to the tun to UDP process
	bool kick;			// signal it again at the next tick
	struct forward_shared *shared;	// with it
	struct liveness live;		// the server heard when, and received how much
	int64_t recovered;		// when the path was last made anew
	struct auth_cache authorized;
	struct peer_id server_id;
	bool server_known;
	struct udp_batch batch;
	int64_t now;			// clock_ms at the last tick
	int64_t keepalive_asked;	// when the last periodic keepalive was
	// Keyed mode.
	bool keyed;
	uint8_t psk[KEY_BYTES];
	struct noise_handshake hs;
	bool handshaking;
	int64_t initiated;		// when the last initiation went out
	int64_t retry_at;		// while handshaking: when to send another
	bool established;		// a session was ever made
	struct rx_session current, previous;
	int64_t unanswered_since;	// sent since hearing back from the server; 0: not
	bool nudged;			// and a keepalive was sent about it
};

static bool forwarder_start(struct client *c);

// The family of -b, or 0 for any.
static int bind_family(const struct options *o)
{
	struct udp_addr local;
	if (o->bind_host == NULL || !addr_parse_numeric(o->bind_host, o->port, &local))
		return 0;
	return local.sa.sa_family;
}

// A socket for the server's family.  Not connected: a connected socket
// would keep the source address it had at connect time, and the client
// could not roam.  Returns it, or -1 with errno and *what.
static int client_socket(const struct client *c, struct udp_addr *local, const char **what)
{
	const struct options *o = c->o;
	if (o->bind_host != NULL)
		addr_parse_numeric(o->bind_host, o->port, local);
	else
		addr_any(c->server.sa.sa_family, o->port, local);
	int fd = udp_open(local, false, what);
	if (fd != -1 && udp_bound_waits(fd) == -1) {
		*what = "receive timeout";
		close(fd);
		return -1;
	}
	return fd;
}

// A router's uplink may not be up when it starts: keep trying, with backoff.
static void resolve_server(const struct options *o, int family, struct udp_addr *server)
{
	for (int delay = 1;; delay = delay * 2 > RESOLVE_RETRY_MAX_SECONDS ?
	    RESOLVE_RETRY_MAX_SECONDS : delay * 2) {
		int err = addr_resolve(o->server_host, o->server_port, family, server);
		if (err == 0)
			return;
		log_warnx("cannot resolve %s: %s; trying again in %d s", o->server_host,
		    gai_strerror(err), delay);
		sleep(delay);
		if (seen.stop) {
			log_exiting();
			exit(0);
		}
	}
}

static void client_wipe(struct client *c)
{
	secret_wipe(c->psk, sizeof c->psk);
	noise_wipe(&c->hs);
	rx_session_wipe(&c->current);
	rx_session_wipe(&c->previous);
	auth_wipe(&c->authorized);
}

// Ends what is still running (a pid of 0 is a process already reaped, and
// must not reach kill, where 0 means the whole process group).
[[noreturn]] static void client_stop(struct client *c, int code)
{
	client_wipe(c);
	if (c->tx > 0)
		kill(c->tx, SIGTERM);
	prog_stop(c->prog);
	if (c->tx > 0)
		child_wait(c->tx);
	tun_close(c->tun_fd, c->tun_name);
	exit(code);
}

static void client_reap(struct client *c)
{
	int status;
	pid_t pid;
	char text[48];
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == c->prog) {
			c->prog = 0;
			prog_report(c->o->prog[0], c->tun_name, status);
		} else if (pid == c->tx) {
			c->tx = 0;
			log_warnx("forwarding process (tun to UDP) %s; exiting",
			    status_text(status, text));
			client_stop(c, 1);
		}
	}
}

// Tells the forwarding process; the next tick signals it again, in case
// the signal came just before it blocked in its read.
static void client_tell(struct client *c, enum control_type type, const void *body, uint32_t length)
{
	if (control_send(c->control_fd, c->tx, type, body, length) == -1)
		log_warn("telling the forwarding process");
	c->kick = true;
}

static void handshake_start(struct client *c)
{
	uint8_t datagram[WIRE_HANDSHAKE_BYTES];
	uint8_t jitter[2] = { 0, 0 };
	noise_wipe(&c->hs);
	if (handshake_initiate(&c->hs, &c->o->id, &c->server_id, c->psk, datagram) == -1 ||
	    random_bytes(jitter, sizeof jitter) == -1) {
		log_warn("handshake: random bytes");
		return;
	}
	c->handshaking = true;
	c->initiated = c->now;
	c->retry_at = c->now + session_timers.retry +
	    (jitter[0] | jitter[1] << 8) % (RETRY_JITTER_MS * session_timers.retry / 5000 + 1);
	if (sendto(c->sock, datagram, sizeof datagram, 0, &c->server.sa, c->server.len) == -1)
		drop_count(DROP_SEND, errno);
}

// A response verified: the receiving key becomes current, the sending key
// goes to the forwarding process, which confirms the session to the server
// with a keepalive at once.
static void session_new(struct client *c, struct session_keys *keys)
{
	char text[ID_TEXT_MAX];
	rx_session_wipe(&c->previous);
	c->previous = c->current;
	memset(&c->current, 0, sizeof c->current);
	memcpy(c->current.key, keys->rx, sizeof c->current.key);
	c->current.born = c->now;
	c->current.live = true;
	client_tell(c, CONTROL_SESSION, keys->tx, sizeof keys->tx);
	secret_wipe(keys, sizeof *keys);
	c->handshaking = false;
	c->keepalive_asked = c->now;
	if (!c->established)
		log_info("session with server %s established", id_format(&c->server_id, text));
	else
		log_event(EVENT_HANDSHAKE, "new session with server %s", id_format(&c->server_id, text));
	c->established = true;
}

static void keyed_tick(struct client *c)
{
	if (c->previous.live && session_expired(c->previous.born, c->now))
		rx_session_wipe(&c->previous);
	if (c->current.live && session_expired(c->current.born, c->now)) {
		rx_session_wipe(&c->current);
		client_tell(c, CONTROL_SESSION_END, NULL, 0);
	}
	if (c->shared->sent) {
		c->shared->sent = 0;
		if (c->unanswered_since == 0)
			c->unanswered_since = c->now;
	}
	bool wanted = c->shared->no_session;
	c->shared->no_session = 0;
	int64_t unanswered = c->unanswered_since ? c->now - c->unanswered_since : 0;
	if (unanswered >= session_timers.keepalive && !c->nudged && c->current.live) {
		c->nudged = true;
		client_tell(c, CONTROL_KEEPALIVE, NULL, 0);
	}
	bool due;
	if (c->handshaking)
		due = c->now >= c->retry_at;
	else
		due = !c->current.live || c->now - c->current.born >= session_timers.rekey ||
		    unanswered >= session_timers.rehandshake ||
		    (wanted && c->now - c->initiated >= session_timers.retry);
	if (due) {
		if (unanswered >= session_timers.rehandshake)
			c->unanswered_since = 0;
		handshake_start(c);
	}
}

// The server is silent: find it again.  Resolve ADDRESS anew, and with a
// new socket (a new source port, unless -p fixed it) in a new forwarding
// process, send a keepalive or, keyed, start a new handshake at once.
static void path_recover(struct client *c)
{
	char where[ADDR_TEXT_MAX];
	const char *what = NULL;
	struct udp_addr server = c->server, local;
	int err = addr_resolve(c->o->server_host, c->o->server_port, bind_family(c->o), &server);
	if (err != 0)
		log_warnx("cannot resolve %s again: %s", c->o->server_host, gai_strerror(err));
	c->recovered = c->now;
	if (c->o->port != 0) {
		c->server = server;
		struct peer_address to;
		memset(&to, 0, sizeof to);
		to.addr = server;
		client_tell(c, CONTROL_ADDRESS, &to, sizeof to);
	} else {
		struct udp_addr was = c->server;
		c->server = server;
		int sock = client_socket(c, &local, &what);
		if (sock == -1) {
			log_warn("a new socket for the server: %s", what);
			c->server = was;
			return;
		}
		// The forwarding process holds the old socket: it goes, on purpose.
		pid_t old = c->tx;
		c->tx = 0;
		kill(old, SIGTERM);
		while (waitpid(old, NULL, 0) == -1 && errno == EINTR)
			;
		close(c->control_fd);
		close(c->sock);
		c->sock = sock;
		if (!forwarder_start(c))
			client_stop(c, 1);
	}
	log_info("server silent: trying %s again from %s", addr_format(&c->server, where),
	    c->o->port != 0 ? "the same port" : "a new port");
	if (c->keyed) {
		rx_session_wipe(&c->current);
		rx_session_wipe(&c->previous);
		handshake_start(c);
	} else {
		client_tell(c, CONTROL_KEEPALIVE, NULL, 0);
	}
}

// SIGUSR2: the server's line and the drop counters.
static void client_status(struct client *c)
{
	liveness_status(&c->live, c->keyed, &c->server, c->shared, c->now,
	    c->keyed && c->current.live ? c->current.born : 0);
	drop_status(&c->shared->drops);
}

static void client_tick(struct client *c)
{
	c->now = clock_ms();
	int64_t timeout = (int64_t)c->o->timeout_seconds * 1000;
	if (liveness_silent(&c->live, c->now, timeout) && ticks_past(c->now, c->recovered, timeout))
		path_recover(c);
	if (c->kick && c->tx > 0) {
		c->kick = false;
		kill(c->tx, SIGUSR1);
	}
	int64_t every = (int64_t)c->o->keepalive_seconds * 1000;
	if (every > 0 && ticks_past(c->now, c->keepalive_asked, every) &&
	    (!c->keyed || c->current.live)) {
		c->keepalive_asked = c->now;
		client_tell(c, CONTROL_KEEPALIVE, NULL, 0);
	}
	if (c->keyed)
		keyed_tick(c);
}

// The server's key file, read again.  Returns false when it is gone or no
// longer a key.
static bool server_key_reread(struct client *c)
{
	struct peer_file file;
	if (peer_file_read(c->o->confdir, &c->server_id, &file) == -1 || file.mode != MODE_KEYED)
		return false;
	bool changed = !secret_equal(file.key, c->psk, KEY_BYTES);
	memcpy(c->psk, file.key, KEY_BYTES);
	secret_wipe(&file, sizeof file);
	if (changed) {
		log_info("the server's key changed: a new handshake");
		handshake_start(c);
	}
	return true;
}

// Whatever the signals asked for since the last look.
static void client_signals(struct client *c)
{
	char text[ID_TEXT_MAX];
	if (seen.stop) {
		log_exiting();
		client_stop(c, 0);
	}
	log_flush_due();
	if (seen.child) {
		seen.child = 0;
		client_reap(c);
	}
	if (seen.alarm) {
		seen.alarm = 0;
		client_tick(c);
	}
	if (seen.status) {
		seen.status = 0;
		client_status(c);
	}
	if (seen.hup) {
		seen.hup = 0;
		log_info("re-checking the server's authorization in %s", c->o->confdir);
		if (c->keyed) {
			if (!server_key_reread(c)) {
				log_warnx("%s/%s: gone, or no longer a key; exiting", c->o->confdir,
				    id_format(&c->server_id, text));
				client_stop(c, 1);
			}
			return;
		}
		c->server_known = false;
		if (auth_reload(&c->authorized) == -1)
			log_warn("re-checking the server: %s", c->o->confdir);
	}
}

// Whether a plain datagram is the server's: with an identifier in CONFDIR.
// The identifier is looked up once, not per datagram.
static bool plain_from_server(struct client *c, const struct peer_id *id)
{
	char text[ID_TEXT_MAX], where[ADDR_TEXT_MAX];
	if (c->server_known && id_equal(id, &c->server_id))
		return true;
	const struct peer_file *file = auth_lookup(&c->authorized, id);
	if (file == NULL || file->mode != MODE_PLAIN) {
		drop_count(DROP_UNKNOWN);
		id_format(id, text);
		addr_format(&c->server, where);
		if (file == NULL)
			log_refused(text, where, c->o->confdir);
		else
			log_event(EVENT_ID_REFUSED, "unauthorized server identifier %s from %s: "
			    "%s/%s is no plain peer file", text, where, c->o->confdir, text);
		return false;
	}
	c->server_id = *id;
	c->server_known = true;
	liveness_name(&c->live, "server", id);
	log_event(EVENT_PEER_SEEN, "server %s seen at %s", id_format(id, text),
	    addr_format(&c->server, where));
	return true;
}

static void keyed_datagram(struct client *c, uint8_t *data, size_t len)
{
	if (handshake_shaped(data, len, WIRE_RESPONSE)) {
		struct session_keys keys;
		if (c->handshaking && handshake_finish(&c->hs, data, &keys))
			session_new(c, &keys);
		else
			drop_count(DROP_HANDSHAKE);
		return;
	}
	if (len < WIRE_KEYED_OVERHEAD || data[WIRE_TYPE_AT] != WIRE_DATA) {
		drop_count(DROP_TYPE);
		return;
	}
	bool highest;
	enum session_verdict v = session_open_either(&c->current, &c->previous, data, len, &highest);
	if (v != SESSION_OPENED) {
		drop_count(v == SESSION_STALE ? DROP_REPLAYED : DROP_UNVERIFIED);
		return;
	}
	c->unanswered_since = 0;
	c->nudged = false;
	liveness_heard(&c->live, c->now, len);
	if (len > WIRE_KEYED_OVERHEAD &&
	    tun_write(c->tun_fd, data + WIRE_KEYED_HEADER, len - WIRE_KEYED_OVERHEAD) == -1)
		drop_count(DROP_TUN_WRITE, errno);
}

// The parent's loop.  Every receive ends within UDP_WAIT_SECONDS, so a
// signal is seen that soon at the latest.
[[noreturn]] static void server_to_tun_loop(struct client *c)
{
	for (;;) {
		client_signals(c);
		int n = udp_batch_recv(c->sock, &c->batch);
		for (int i = 0; i < n; i++) {
			udp_message *m = &c->batch.msgs[i];
			uint8_t *data = c->batch.data[i];
			struct peer_id id;
			if (datagram_received(m, &id) == DATAGRAM_SHORT)
				continue;
			if (!addr_equal(&c->batch.from[i], &c->server)) {
				drop_count(DROP_WRONG_SOURCE);
				continue;
			}
			if (c->keyed) {
				if (id_equal(&id, &c->server_id))
					keyed_datagram(c, data, m->msg_len);
				else
					drop_count(DROP_UNKNOWN);
			} else if (plain_from_server(c, &id)) {
				liveness_heard(&c->live, c->now, m->msg_len);
				if (m->msg_len > ID_BYTES &&
				    tun_write(c->tun_fd, data + ID_BYTES, m->msg_len - ID_BYTES) == -1)
					drop_count(DROP_TUN_WRITE, errno);
			}
		}
	}
}

// The mode CONFDIR asks for: keyed when it holds a key file, and then for
// that server alone.  Several key files are a fatal error.
static void client_mode(struct client *c)
{
	char text[ID_TEXT_MAX], names[512] = "";
	int keys = 0;
	if (auth_reload(&c->authorized) == -1)
		fatal("reading %s", c->o->confdir);
	for (size_t i = 0; i < c->authorized.count; i++) {
		const struct peer_id *id = &c->authorized.entries[i].id;
		const struct peer_file *file = auth_listed(&c->authorized, id);
		if (file->mode != MODE_KEYED)
			continue;
		if (keys++ == 0) {
			c->server_id = *id;
			memcpy(c->psk, file->key, KEY_BYTES);
		}
		size_t used = strlen(names);
		snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "", id_format(id, text));
	}
	if (keys > 1) {
		client_wipe(c);
		fatalx("%s holds keys for several servers (%s): give each server its own -c",
		    c->o->confdir, names);
	}
	c->keyed = keys == 1;
	// The keyed client reads only the server's file from now on.
	if (c->keyed)
		auth_wipe(&c->authorized);
}

// Forks the forwarding process, with its control pipe.  Returns false
// when that fails.
static bool forwarder_start(struct client *c)
{
	int control[2];
	if (pipe_cloexec(control, O_NONBLOCK) == -1) {
		log_warn("control pipe");
		return false;
	}
	c->tx = fork_forwarder();
	if (c->tx == 0) {
		client_wipe(c);
		close(control[1]);
		struct forwarder f;
		memset(&f, 0, sizeof f);
		static char who[ID_TEXT_MAX + 8];
		char text[ID_TEXT_MAX];
		snprintf(who, sizeof who, "client %s", id_format(&c->o->id, text));
		f.who = who;
		f.tun_fd = c->tun_fd;
		f.tun_name = c->tun_name;
		f.sock = c->sock;
		f.control_fd = control[0];
		f.id = c->o->id;
		f.keyed = c->keyed;
		f.to.addr = c->server;
		f.shared = c->shared;
		f.confirms = true;
		forward_tun_to_udp(&f);
	}
	close(control[0]);
	c->control_fd = control[1];
	if (c->tx == -1) {
		log_warn("forking the tun to UDP process");
		c->tx = 0;
		return false;
	}
	return true;
}

void client_run(const struct options *o)
{
	static struct client c;
	struct udp_addr local;
	char where[ADDR_TEXT_MAX], text[ID_TEXT_MAX], server_text[ID_TEXT_MAX];
	const char *what = NULL;
	c.o = o;
	c.authorized.confdir = o->confdir;
	client_mode(&c);

	resolve_server(o, bind_family(o), &c.server);
	c.sock = client_socket(&c, &local, &what);
	if (c.sock == -1)
		fatal("client socket on %s: %s", addr_format(&local, where), what);
	c.tun_fd = tun_open(c.tun_name);
	if (c.tun_fd == -1)
		fatal("cannot open a tun (needs /dev/net/tun and CAP_NET_ADMIN)");
	int mtu = o->mtu ? o->mtu : addr_default_mtu(&c.server, c.keyed);
	if (tun_set_mtu(c.tun_name, mtu) == -1)
		fatal("setting MTU %d on %s", mtu, c.tun_name);
	if (c.keyed)
		log_info("client %s: keyed tunnel %s up, MTU %d, server %s at %s",
		    id_format(&o->id, text), c.tun_name, mtu, id_format(&c.server_id, server_text),
		    addr_format(&c.server, where));
	else
		log_info("client %s: plain (unauthenticated) tunnel %s up, MTU %d, server at %s",
		    id_format(&o->id, text), c.tun_name, mtu, addr_format(&c.server, where));

	if (o->timeout_seconds > 0 && o->keepalive_seconds > 0 &&
	    o->timeout_seconds <= o->keepalive_seconds)
		log_warnx("a timeout (-t %d) not above the keepalive interval (-k %d) makes the "
		    "carrier flap", o->timeout_seconds, o->keepalive_seconds);
	c.shared = forward_shared_map();
	if (c.shared == NULL)
		fatal("memory shared with the forwarding process");
	c.now = clock_ms();
	liveness_start(&c.live, "server", c.keyed ? &c.server_id : NULL, c.tun_fd, c.tun_name, c.now);
	c.prog = prog_spawn(o->prog, c.tun_name, NULL);
	if (!forwarder_start(&c))
		client_stop(&c, 1);
	// After the fork: the child has no use for these buffers.
	if (udp_batch_init(&c.batch, false) == -1) {
		log_warn("receive buffers");
		client_stop(&c, 1);
	}
	ticks_start(session_timers.tick);
	if (c.keyed) {
		handshake_start(&c);
	} else if (o->keepalive_seconds > 0) {
		c.keepalive_asked = c.now;
		client_tell(&c, CONTROL_KEEPALIVE, NULL, 0);
	}
	server_to_tun_loop(&c);
}
