// The client: two processes with plain blocking I/O, one per direction.
// The parent receives from the server and writes into the tun, and also
// sends the keepalives and handles the signals; its forked child reads the
// tun and sends to the server.
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jtunnel.h"
#include "log.h"
#include "spawn.h"

enum { RESOLVE_RETRY_MAX_SECONDS = 60 };

struct client {
	const struct options *o;
	int sock;
	int tun_fd;
	char tun_name[TUN_NAME_MAX];
	struct udp_addr server;
	pid_t tx, prog;			// the tun to UDP process, PROG; 0 once reaped
	struct auth_cache authorized;
	struct peer_id server_id;
	bool server_known;
	struct udp_batch batch;
};

[[noreturn]] static void tun_to_server_loop(const struct client *c)
{
	static uint8_t buf[DATAGRAM_MAX];
	for (;;) {
		ssize_t n = datagram_from_tun(c->tun_fd, &c->o->id, buf);
		if (n == -1)
			fatal("reading %s", c->tun_name);
		if (n > 0 && sendto(c->sock, buf, n, 0, &c->server.sa, c->server.len) == -1)
			drop_count(DROP_SEND, errno);
	}
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

static void send_keepalive(const struct client *c)
{
	if (sendto(c->sock, c->o->id.bytes, ID_BYTES, 0, &c->server.sa, c->server.len) == -1)
		log_warn("keepalive to %s", c->o->server_host);
}

// Ends what is still running (a pid of 0 is a process already reaped, and
// must not reach kill, where 0 means the whole process group).
[[noreturn]] static void client_stop(struct client *c, int code)
{
	if (c->tx > 0)
		kill(c->tx, SIGTERM);
	prog_stop(c->prog);
	if (c->tx > 0)
		waitpid(c->tx, NULL, 0);
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

// Whatever the signals asked for since the last look.
static void client_signals(struct client *c)
{
	if (seen.stop) {
		log_exiting();
		client_stop(c, 0);
	}
	if (seen.child) {
		seen.child = 0;
		client_reap(c);
	}
	if (seen.alarm) {
		seen.alarm = 0;
		send_keepalive(c);
	}
	if (seen.hup) {
		seen.hup = 0;
		log_info("re-checking the server's authorization in %s", c->o->confdir);
		c->server_known = false;
		if (auth_reload(&c->authorized) == -1)
			log_warn("re-checking the server: %s", c->o->confdir);
	}
}

// Whether a datagram is the server's: from its address, with an identifier
// in CONFDIR.  The identifier is looked up once, not per datagram.
static bool from_server(struct client *c, const struct udp_addr *from, const struct peer_id *id)
{
	char text[ID_TEXT_MAX], where[ADDR_TEXT_MAX];
	if (!addr_equal(from, &c->server)) {
		drop_count(DROP_WRONG_SOURCE);
		return false;
	}
	if (c->server_known && id_equal(id, &c->server_id))
		return true;
	if (!auth_lookup(&c->authorized, id)) {
		drop_count(DROP_UNKNOWN);
		log_debug("unauthorized server identifier %s from %s",
		    id_format(id, text), addr_format(&c->server, where));
		return false;
	}
	c->server_id = *id;
	c->server_known = true;
	log_debug("server %s seen at %s", id_format(id, text), addr_format(&c->server, where));
	return true;
}

// The parent's loop.  Every receive ends within UDP_WAIT_SECONDS, so a
// signal is seen that soon at the latest.
[[noreturn]] static void server_to_tun_loop(struct client *c)
{
	for (;;) {
		client_signals(c);
		int n = udp_batch_recv(c->sock, &c->batch);
		for (int i = 0; i < n; i++) {
			struct mmsghdr *m = &c->batch.msgs[i];
			struct peer_id id;
			enum datagram_kind kind = datagram_received(m, &id);
			if (kind == DATAGRAM_SHORT || !from_server(c, &c->batch.from[i], &id) ||
			    kind == DATAGRAM_KEEPALIVE)
				continue;
			uint8_t *data = udp_batch_data(&c->batch, i);
			if (tun_write(c->tun_fd, data + ID_BYTES, m->msg_len - ID_BYTES) == -1)
				drop_count(DROP_TUN_WRITE, errno);
		}
	}
}

// The first keepalive now, then one every interval from SIGALRM.
static void keepalives_start(struct client *c)
{
	int interval = c->o->keepalive_seconds;
	if (interval == 0)
		return;
	send_keepalive(c);
	struct itimerval every = { { interval, 0 }, { interval, 0 } };
	if (setitimer(ITIMER_REAL, &every, NULL) == -1)
		fatal("keepalive timer");
}

void client_run(const struct options *o)
{
	static struct client c;
	struct udp_addr local;
	char where[ADDR_TEXT_MAX], text[ID_TEXT_MAX];
	const char *what = NULL;
	c.o = o;
	c.authorized.confdir = o->confdir;
	signals_watch();

	int family = 0;
	if (o->bind_host != NULL) {
		addr_parse_numeric(o->bind_host, o->port, &local);
		family = local.sa.sa_family;
	}
	resolve_server(o, family, &c.server);
	if (o->bind_host == NULL)
		addr_any(c.server.sa.sa_family, o->port, &local);
	// Not connected: a connected socket would keep the source address it
	// had at connect time, and the client could not roam.
	c.sock = udp_open(&local, false, &what);
	if (c.sock == -1)
		fatal("client socket on %s: %s", addr_format(&local, where), what);
	if (udp_bound_waits(c.sock) == -1)
		fatal("client socket: receive timeout");
	c.tun_fd = tun_open(c.tun_name);
	if (c.tun_fd == -1)
		fatal("cannot open a tun (needs /dev/net/tun and CAP_NET_ADMIN)");
	int mtu = o->mtu ? o->mtu : addr_default_mtu(&c.server);
	if (tun_set_mtu(c.tun_name, mtu) == -1)
		fatal("setting MTU %d on %s", mtu, c.tun_name);
	log_info("client %s: tunnel %s up, MTU %d, server at %s", id_format(&o->id, text),
	    c.tun_name, mtu, addr_format(&c.server, where));

	c.prog = prog_spawn(o->prog, c.tun_name, NULL);
	c.tx = fork_forwarder();
	if (c.tx == 0)
		tun_to_server_loop(&c);
	if (c.tx == -1) {
		log_warn("forking the tun to UDP process");
		client_stop(&c, 1);
	}
	// After the fork: the child has no use for these buffers.
	if (udp_batch_init(&c.batch, false) == -1) {
		log_warn("receive buffers");
		client_stop(&c, 1);
	}
	keepalives_start(&c);
	server_to_tun_loop(&c);
}
