// The client: two forwarding processes with plain blocking I/O, one per
// direction, and a parent that sends keepalives and watches them.
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
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
	pid_t tx, rx, prog;		// tun to UDP, UDP to tun, PROG; 0 once reaped
};

static volatile sig_atomic_t got_stop, recheck_server;

static void on_stop(int sig)
{
	got_stop = sig;
}

static void on_hup(int)
{
	recheck_server = 1;
}

[[noreturn]] static void tun_to_server_loop(const struct client *c)
{
	static uint8_t buf[DATAGRAM_MAX];
	for (;;) {
		ssize_t n = tun_read(c->tun_fd, buf + ID_BYTES, sizeof buf - ID_BYTES);
		if (n <= 0) {
			if (n == 0 || errno == EINTR || errno == EAGAIN)
				continue;
			fatal("reading %s", c->tun_name);
		}
		// After the read: a BSD tun_read uses the bytes before the packet.
		memcpy(buf, c->o->id.bytes, ID_BYTES);
		if (sendto(c->sock, buf, n + ID_BYTES, 0, &c->server.sa, c->server.len) == -1)
			drop_count(DROP_SEND, errno);
	}
}

[[noreturn]] static void server_to_tun_loop(const struct client *c)
{
	static struct udp_batch batch;
	struct auth_cache authorized;
	struct peer_id server_id = {};
	bool server_known = false;
	char text[ID_TEXT_MAX], where[ADDR_TEXT_MAX];
	memset(&authorized, 0, sizeof authorized);
	authorized.confdir = c->o->confdir;
	if (udp_batch_init(&batch, false) == -1)
		fatal("receive buffers");
	signal_catch(SIGHUP, on_hup);
	for (;;) {
		int n = udp_batch_recv(c->sock, &batch);
		if (recheck_server) {
			recheck_server = 0;
			server_known = false;
			if (auth_reload(&authorized) == -1)
				log_warn("re-checking the server: %s", c->o->confdir);
		}
		for (int i = 0; i < n; i++) {
			struct mmsghdr *m = &batch.msgs[i];
			uint8_t *data = udp_batch_data(&batch, i);
			struct peer_id id;
			enum datagram_kind kind = datagram_received(m, &id);
			if (kind == DATAGRAM_SHORT)
				continue;
			if (!addr_equal(&batch.from[i], &c->server)) {
				drop_count(DROP_WRONG_SOURCE);
				continue;
			}
			if (!server_known || !id_equal(&id, &server_id)) {
				if (!auth_lookup(&authorized, &id)) {
					drop_count(DROP_UNKNOWN);
					log_debug("unauthorized server identifier %s from %s",
					    id_format(&id, text), addr_format(&c->server, where));
					continue;
				}
				server_id = id;
				server_known = true;
				log_debug("server %s seen at %s", id_format(&id, text),
				    addr_format(&c->server, where));
			}
			if (kind == DATAGRAM_KEEPALIVE)
				continue;
			if (tun_write(c->tun_fd, data + ID_BYTES, m->msg_len - ID_BYTES) == -1)
				drop_count(DROP_TUN_WRITE, errno);
		}
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
		if (got_stop) {
			log_info("exiting on %s", got_stop == SIGINT ? "SIGINT" : "SIGTERM");
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
	const pid_t forwarders[] = { c->tx, c->rx };
	for (pid_t pid : forwarders)
		if (pid > 0)
			kill(pid, SIGTERM);
	prog_stop(c->prog);
	for (pid_t pid : forwarders)
		if (pid > 0)
			waitpid(pid, NULL, 0);
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
		} else if (pid == c->tx || pid == c->rx) {
			log_warnx("forwarding process (%s) %s; exiting",
			    pid == c->tx ? "tun to UDP" : "UDP to tun", status_text(status, text));
			if (pid == c->tx)
				c->tx = 0;
			else
				c->rx = 0;
			client_stop(c, 1);
		}
	}
}

// The signals that the supervisor takes with sigtimedwait.
static void supervised_signals(sigset_t *set)
{
	static const int signals[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	sigemptyset(set);
	for (int sig : signals)
		sigaddset(set, sig);
}

// The parent: keepalives on time, and whatever the signals ask.
[[noreturn]] static void client_supervise(struct client *c)
{
	int interval = c->o->keepalive_seconds;
	sigset_t waited;
	supervised_signals(&waited);
	struct timespec now, next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (interval > 0 && (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec))) {
			send_keepalive(c);
			next.tv_sec = now.tv_sec + interval;
			next.tv_nsec = now.tv_nsec;
		}
		struct timespec wait = { next.tv_sec - now.tv_sec, next.tv_nsec - now.tv_nsec };
		if (wait.tv_nsec < 0) {
			wait.tv_sec--;
			wait.tv_nsec += 1000000000L;
		}
		int sig = sigtimedwait(&waited, NULL, interval > 0 ? &wait : NULL);
		if (sig == SIGTERM || sig == SIGINT) {
			log_info("exiting on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
			client_stop(c, 0);
		} else if (sig == SIGHUP) {
			log_info("re-checking the server's authorization in %s", c->o->confdir);
			kill(c->rx, SIGHUP);
		} else if (sig == SIGCHLD) {
			client_reap(c);
		}
	}
}

void client_run(const struct options *o)
{
	static struct client c;
	struct udp_addr local;
	char where[ADDR_TEXT_MAX], text[ID_TEXT_MAX];
	const char *what = NULL;
	c.o = o;
	signal_catch(SIGTERM, on_stop);
	signal_catch(SIGINT, on_stop);

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
	c.tun_fd = tun_open(c.tun_name);
	if (c.tun_fd == -1)
		fatal("cannot open a tun (needs /dev/net/tun and CAP_NET_ADMIN)");
	int mtu = o->mtu ? o->mtu : addr_default_mtu(&c.server);
	if (tun_set_mtu(c.tun_name, mtu) == -1)
		fatal("setting MTU %d on %s", mtu, c.tun_name);
	log_info("client %s: tunnel %s up, MTU %d, server at %s", id_format(&o->id, text),
	    c.tun_name, mtu, addr_format(&c.server, where));

	// Signals wait for the supervisor, which takes them with sigtimedwait;
	// the forwarding processes start with none blocked.
	sigset_t waited;
	supervised_signals(&waited);
	sigprocmask(SIG_BLOCK, &waited, NULL);
	if (got_stop)
		raise(got_stop);
	c.prog = prog_spawn(o->prog, c.tun_name, NULL);
	c.tx = fork_forwarder();
	if (c.tx == 0)
		tun_to_server_loop(&c);
	if (c.tx == -1)
		fatal("forking the tun to UDP process");
	c.rx = fork_forwarder();
	if (c.rx == 0)
		server_to_tun_loop(&c);
	if (c.rx == -1) {
		log_warn("forking the UDP to tun process");
		client_stop(&c, 1);
	}
	client_supervise(&c);
}
