// The server: the parent owns the UDP socket, receives in batches and writes
// each datagram straight into its client's tun; one forked process per
// client reads that tun and sends to the client's last address.  The pipe
// to each such process carries only that address when it changes.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jtunnel.h"
#include "log.h"
#include "spawn.h"

struct server {
	const struct options *o;
	int sock;
	struct peer_table table;
	struct auth_cache authorized;
	struct peer *last;		// the client of the previous datagram
	struct udp_batch batch;
};

// What crosses a control pipe: where the client now is.
struct peer_address {
	struct udp_addr addr;
	struct udp_local local;
};

static volatile sig_atomic_t address_changed;

static void on_address_changed(int)
{
	address_changed = 1;
}

// Takes the newest address queued on the control pipe; exits when the
// server has closed it.
static void child_read_control(int control_fd, struct peer_address *to)
{
	struct peer_address next;
	ssize_t n;
	while ((n = read(control_fd, &next, sizeof next)) == (ssize_t)sizeof next)
		*to = next;
	if (n == 0)
		exit(0);
}

[[noreturn]] static void tun_to_client_loop(const struct server *s, const struct peer *p, int control_fd)
{
	static uint8_t buf[DATAGRAM_MAX];
	uint8_t control[UDP_CONTROL_ROOM];
	struct peer_address to = { p->addr, p->local };
	struct iovec iov = { buf, 0 };
	struct msghdr msg;
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	signal_catch(SIGUSR1, on_address_changed);
	for (bool update = true;;) {
		if (update || address_changed) {
			address_changed = 0;
			child_read_control(control_fd, &to);
			msg.msg_name = &to.addr.sa;
			msg.msg_namelen = to.addr.len;
			msg.msg_controllen = udp_local_to_control(&to.local, control);
			msg.msg_control = msg.msg_controllen ? control : NULL;
			update = false;
		}
		ssize_t n = datagram_from_tun(p->tun_fd, &s->o->id, buf);
		if (n == -1)
			fatal("client %s: reading %s", p->id_text, p->tun_name);
		if (n == 0)
			continue;
		iov.iov_len = n;
		if (sendmsg(s->sock, &msg, 0) == -1)
			drop_count(DROP_SEND, errno);
	}
}

// The forwarding process needs its own tun, the socket and its control
// pipe; other clients' descriptors would keep their tuns alive.
static void close_other_clients(const struct server *s, const struct peer *mine)
{
	for (size_t i = 0; i < s->table.capacity; i++) {
		const struct peer *p = s->table.slots[i];
		if (p != NULL && p != mine) {
			close(p->tun_fd);
			close(p->control_fd);
		}
	}
}

static struct peer *client_add(struct server *s, const struct peer_id *id,
    const struct udp_addr *from, const struct udp_local *local)
{
	char where[ADDR_TEXT_MAX];
	struct peer *p = (struct peer *)calloc(1, sizeof *p);
	if (p == NULL) {
		log_warn("client at %s: cannot set up", addr_format(from, where));
		return NULL;
	}
	p->id = *id;
	id_format(id, p->id_text);
	p->addr = *from;
	p->local = *local;
	int mtu = s->o->mtu ? s->o->mtu : addr_default_mtu(from);
	int control[2] = { -1, -1 };
	p->tun_fd = tun_open(p->tun_name);
	if (p->tun_fd == -1) {
		log_warn("client %s at %s: cannot open a tun", p->id_text, addr_format(from, where));
		free(p);
		return NULL;
	}
	if (tun_set_mtu(p->tun_name, mtu) == -1) {
		log_warn("client %s: setting MTU %d on %s", p->id_text, mtu, p->tun_name);
		goto fail;
	}
	if (pipe2(control, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn("client %s: control pipe", p->id_text);
		goto fail;
	}
	if (peer_insert(&s->table, p) == -1) {
		log_warn("client %s: peer table", p->id_text);
		goto fail;
	}
	p->child = fork_forwarder();
	if (p->child == 0) {
		udp_batch_release(&s->batch);
		close_other_clients(s, p);
		close(control[1]);
		tun_to_client_loop(s, p, control[0]);
	}
	close(control[0]);
	p->control_fd = control[1];
	if (p->child == -1) {
		log_warn("client %s: forking its forwarding process", p->id_text);
		peer_remove(&s->table, p);
		close(control[1]);
		control[0] = control[1] = -1;
		goto fail;
	}
	log_info("client %s at %s: tunnel %s up, MTU %d", p->id_text,
	    addr_format(from, where), p->tun_name, mtu);
	p->prog = prog_spawn(s->o->prog, p->tun_name, p->id_text);
	return p;
fail:
	if (control[0] != -1) {
		close(control[0]);
		close(control[1]);
	}
	tun_close(p->tun_fd, p->tun_name);
	free(p);
	return NULL;
}

static void client_remove(struct server *s, struct peer *p, const char *why)
{
	char where[ADDR_TEXT_MAX];
	if (p->child > 0)
		kill(p->child, SIGTERM);
	prog_stop(p->prog);
	close(p->control_fd);
	tun_close(p->tun_fd, p->tun_name);
	peer_remove(&s->table, p);
	if (s->last == p)
		s->last = NULL;
	log_info("client %s at %s: tunnel %s closed: %s", p->id_text,
	    addr_format(&p->addr, where), p->tun_name, why);
	free(p);
}

static void client_moved(struct peer *p, const struct udp_addr *from, const struct udp_local *local)
{
	char was[ADDR_TEXT_MAX], now[ADDR_TEXT_MAX];
	if (!addr_equal(from, &p->addr))
		log_debug("client %s moved from %s to %s", p->id_text,
		    addr_format(&p->addr, was), addr_format(from, now));
	p->addr = *from;
	p->local = *local;
	struct peer_address to = { *from, *local };
	if (write(p->control_fd, &to, sizeof to) != (ssize_t)sizeof to)
		log_warn("client %s: telling its forwarding process", p->id_text);
	if (p->child > 0)
		kill(p->child, SIGUSR1);
}

// A datagram from an identifier not in the table: set up its tunnel if
// CONFDIR authorizes it.
static struct peer *client_admit(struct server *s, const struct peer_id *id,
    const struct udp_addr *from, const struct udp_local *local)
{
	char text[ID_TEXT_MAX], where[ADDR_TEXT_MAX];
	if (!auth_lookup(&s->authorized, id)) {
		drop_count(DROP_UNKNOWN);
		log_debug("unauthorized identifier %s from %s", id_format(id, text),
		    addr_format(from, where));
		return NULL;
	}
	log_debug("client %s seen at %s", id_format(id, text), addr_format(from, where));
	return client_add(s, id, from, local);
}

static void server_datagram(struct server *s, struct mmsghdr *m, const struct udp_addr *from)
{
	uint8_t *data = (uint8_t *)m->msg_hdr.msg_iov->iov_base;
	size_t len = m->msg_len;
	struct peer_id id;
	enum datagram_kind kind = datagram_received(m, &id);
	if (kind == DATAGRAM_SHORT)
		return;
	struct udp_local local;
	udp_local_from_control(&m->msg_hdr, &local);
	struct peer *p = s->last;
	if (p == NULL || !id_equal(&p->id, &id)) {
		p = peer_find(&s->table, &id);
		if (p == NULL && (p = client_admit(s, &id, from, &local)) == NULL)
			return;
		s->last = p;
	}
	if (!addr_equal(from, &p->addr) || !udp_local_equal(&local, &p->local))
		client_moved(p, from, &local);
	if (kind == DATAGRAM_KEEPALIVE)
		return;
	if (tun_write(p->tun_fd, data + ID_BYTES, len - ID_BYTES) == -1)
		drop_count(DROP_TUN_WRITE, errno);
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

// SIGHUP: forget every client whose file is gone from CONFDIR.
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
		if (p != NULL && !auth_listed(&s->authorized, &p->id))
			gone[forgotten++] = p;
	}
	for (size_t i = 0; i < forgotten; i++) {
		log_debug("client %s forgotten", gone[i]->id_text);
		client_remove(s, gone[i], "no longer authorized");
	}
	free(gone);
	log_info("reloaded %s: %zu clients forgotten, %zu remain", s->o->confdir,
	    forgotten, s->table.count);
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
		tun_close(p->tun_fd, p->tun_name);
	}
	for (size_t i = 0; i < s->table.capacity; i++) {
		struct peer *p = s->table.slots[i];
		if (p != NULL && p->child > 0)
			waitpid(p->child, NULL, 0);
	}
	log_exiting();
	exit(0);
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
		if (fd == -1) {
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
	signal(SIGPIPE, SIG_IGN);
	signals_watch();
	for (;;) {
		if (seen.stop)
			server_stop(&s);
		if (seen.child) {
			seen.child = 0;
			server_reap(&s);
		}
		if (seen.hup) {
			seen.hup = 0;
			server_rescan(&s);
		}
		int n = udp_batch_recv(s.sock, &s.batch);
		for (int i = 0; i < n; i++)
			server_datagram(&s, &s.batch.msgs[i], &s.batch.from[i]);
	}
}
