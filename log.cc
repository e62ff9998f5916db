// SPDX-License-Identifier: ISC
#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tun.h"

int log_verbose;

enum log_sink { SINK_STDERR, SINK_JOURNAL, SINK_SYSLOG };
static enum log_sink sink = SINK_STDERR;
static char peer_prefix[48];

// Whether fd 2 is the stream systemd named in JOURNAL_STREAM ("DEV:INODE",
// decimal): only then does the journal read the "<N>" prefixes.  A PROG or
// a shell in between that redirected stderr keeps plain lines.
static bool stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	struct stat st;
	char mine[48];
	if (stream == NULL || fstat(2, &st) == -1)
		return false;
	snprintf(mine, sizeof mine, "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	return strcmp(stream, mine) == 0;
}

void log_init(bool to_syslog)
{
	if (to_syslog)
		sink = SINK_SYSLOG;
	else if (stderr_is_journal())
		sink = SINK_JOURNAL;
}

void log_set_peer(const char *who)
{
	snprintf(peer_prefix, sizeof peer_prefix, "%s: ", who);
}

enum { LINE_MAX_BYTES = 512 };

// The system log's socket, connected at the first line.  Our own few lines
// rather than libc's syslog(3), which in a static build brings the time
// zone code along: the daemon stamps the time itself.
static int syslog_fd = -1;

static int syslog_connect(void)
{
	struct sockaddr_un log_addr;
	memset(&log_addr, 0, sizeof log_addr);
	log_addr.sun_family = AF_UNIX;
	strcpy(log_addr.sun_path, "/dev/log");
	int fd = socket_cloexec(AF_UNIX, SOCK_DGRAM, 0);
	if (fd != -1 && connect(fd, (struct sockaddr *)&log_addr, sizeof log_addr) == -1) {
		close(fd);
		fd = -1;
	}
	return fd;
}

// "<PRIORITY>jtunnel[PID]: text", facility daemon (RFC 3164 without the
// timestamp).  A daemon that restarted is connected to again, once a line.
static void syslog_send(int priority, const char *text)
{
	char message[LINE_MAX_BYTES + 32];
	int n = snprintf(message, sizeof message, "<%d>jtunnel[%d]: %s", LOG_DAEMON | priority,
	    (int)getpid(), text);
	if (n >= (int)sizeof message)
		n = sizeof message - 1;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (syslog_fd == -1)
			syslog_fd = syslog_connect();
		if (syslog_fd == -1 || send(syslog_fd, message, n, 0) == n)
			return;
		close(syslog_fd);
		syslog_fd = -1;
	}
}

// Writes one line of the parts a, b and c, as the sink wants it.
static void log_write(int priority, const char *a, const char *b, const char *c)
{
	char line[LINE_MAX_BYTES];
	int n = 0;
	if (sink == SINK_JOURNAL)
		n = snprintf(line, sizeof line, "<%d>", priority);
	n += snprintf(line + n, sizeof line - n, "%s%s%s%s", sink == SINK_SYSLOG ? "" : "jtunnel: ",
	    a, b, c);
	if (n >= (int)sizeof line - 1)
		n = sizeof line - 2;
	if (sink == SINK_SYSLOG) {
		line[n] = '\0';
		syslog_send(priority, line);
		return;
	}
	line[n++] = '\n';
	// One write per line, so lines of several processes do not interleave;
	// write(2) rather than stdio, whose FILE would be one more page that a
	// forked process copies when it logs.  A failed write has nowhere to
	// be told; errno is kept for the caller.
	int err = errno;
	while (write(STDERR_FILENO, line, n) == -1 && errno == EINTR)
		;
	errno = err;
}

static void log_line(int priority, const char *fmt, va_list ap, int errnum)
{
	char text[LINE_MAX_BYTES];
	vsnprintf(text, sizeof text, fmt, ap);
	log_write(priority, text, errnum ? ": " : "", errnum ? strerror(errnum) : "");
}

#define LOG_WITH(priority, errnum)                          \
	do {                                                \
		va_list ap;                                 \
		va_start(ap, fmt);                          \
		log_line(priority, fmt, ap, errnum);        \
		va_end(ap);                                 \
	} while (0)

void log_warn(const char *fmt, ...) { int e = errno; LOG_WITH(LOG_ERR, e); }
void log_warnx(const char *fmt, ...) { LOG_WITH(LOG_ERR, 0); }
void log_info(const char *fmt, ...) { LOG_WITH(LOG_INFO, 0); }

void log_debug(const char *fmt, ...)
{
	if (log_verbose)
		LOG_WITH(LOG_DEBUG, 0);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	LOG_WITH(LOG_ERR, e);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_WITH(LOG_ERR, 0);
	exit(1);
}

// Microseconds on the monotonic clock: never 0 once a system has been up
// for a moment, so 0 stands for "never".
static int64_t monotonic_us(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

enum { US_PER_SECOND = 1000000 };

// ------------------------------------------------------------- events

static const char *const event_names[EVENT_KINDS] = {
	"peer seen", "peer moved", "peer forgotten", "identifier refused", "handshake",
};

// Fixed windows per kind: the first event opens one; at most
// EVENT_LINES_MAX lines in it, the rest only counted.
struct event_window {
	int64_t start_us;		// 0: none open
	int lines;
	unsigned long left_out;
};
static struct event_window windows[EVENT_KINDS];
static int windows_left_out;		// windows with left_out > 0

static void event_window_close(enum event_kind kind)
{
	struct event_window *w = &windows[kind];
	if (w->left_out > 0) {
		char text[80];
		snprintf(text, sizeof text, "%lu more %s events left out in %d s", w->left_out,
		    event_names[kind], EVENT_WINDOW_SECONDS);
		log_write(LOG_DEBUG, peer_prefix, text, "");
		windows_left_out--;
	}
	w->start_us = 0;
	w->lines = 0;
	w->left_out = 0;
}

bool log_event(enum event_kind kind, const char *fmt, ...)
{
	if (!log_verbose)
		return false;
	int64_t now = monotonic_us();
	struct event_window *w = &windows[kind];
	if (w->start_us != 0 && now - w->start_us >= (int64_t)EVENT_WINDOW_SECONDS * US_PER_SECOND)
		event_window_close(kind);
	if (w->start_us == 0)
		w->start_us = now;
	if (w->lines >= EVENT_LINES_MAX) {
		if (w->left_out++ == 0)
			windows_left_out++;
		return false;
	}
	w->lines++;
	va_list ap;
	va_start(ap, fmt);
	log_line(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
	return true;
}

// The identifiers refused lately, so that each is logged once: a peer that
// keeps trying does not fill the log, and a flood of random identifiers is
// bounded by the rate limit anyway.
enum { REFUSED_REMEMBERED = 64, REFUSED_ID_CHARS = 16 };
static char refused[REFUSED_REMEMBERED][REFUSED_ID_CHARS];
static int refused_count, refused_next;

void log_refused(const char *id_text, const char *where, const char *confdir)
{
	if (!log_verbose)
		return;
	for (int i = 0; i < refused_count; i++)
		if (memcmp(refused[i], id_text, REFUSED_ID_CHARS) == 0)
			return;
	if (!log_event(EVENT_ID_REFUSED, "unauthorized identifier %s from %s: "
	    "no file %s/%s authorizes it", id_text, where, confdir, id_text))
		return;
	memcpy(refused[refused_next], id_text, REFUSED_ID_CHARS);
	refused_next = (refused_next + 1) % REFUSED_REMEMBERED;
	if (refused_count < REFUSED_REMEMBERED)
		refused_count++;
}

// -------------------------------------------------------------- drops

// A start-up drop at a tun that PROG has not brought up yet happens on
// nearly every new tunnel: that many alone are no problem.
enum { DROP_ROUTINE_MAX = 8 };
// A periodic tick may wake a loop this much before a report is due; it
// counts as on time, rather than a whole tick late.
enum { DROP_DUE_SLACK_US = 20000 };

static const char *const drop_names[DROP_REASONS] = {
	"short", "too long", "unauthorized",
	"from a wrong source", "refused by the tun", "for a tun not up",
	"not sent", "receive errors",
	"of a wrong type or shape", "not verified", "replayed", "bad handshakes",
	"initiations over the rate limit", "with no session to send under",
	"for a client while set-ups fail", "malformed from the tun",
};
// What a forked process must not take over from its parent.
static struct {
	unsigned long counts[DROP_REASONS];
	int errors[DROP_REASONS];
	bool pending;
} drop;
static struct drop_totals own_totals, *totals = &own_totals;
static int64_t drop_due_us, drop_reported_us;
static bool drop_timer;

static void drop_timer_arm(int64_t delay_us)
{
	if (delay_us < 1)
		delay_us = 1;
	struct itimerval once;
	memset(&once, 0, sizeof once);
	once.it_value.tv_sec = delay_us / US_PER_SECOND;
	once.it_value.tv_usec = delay_us % US_PER_SECOND;
	setitimer(ITIMER_REAL, &once, NULL);
}

void drop_count(enum drop_reason why, int err)
{
	if (why == DROP_TUN_WRITE && err == EIO) {
		why = DROP_TUN_DOWN;
		err = 0;
	}
	drop.counts[why]++;
	totals->counts[why]++;
	if (err != 0)
		drop.errors[why] = err;
	if (drop.pending)
		return;
	drop.pending = true;
	int64_t now = monotonic_us();
	drop_due_us = now + (int64_t)DROP_GATHER_SECONDS * US_PER_SECOND;
	int64_t next_allowed = drop_reported_us + (int64_t)DROP_REPORT_SECONDS * US_PER_SECOND;
	if (drop_reported_us != 0 && next_allowed > drop_due_us)
		drop_due_us = next_allowed;
	if (drop_timer)
		drop_timer_arm(drop_due_us - now);
}

// "3 short, 1 not sent (Operation not permitted)" from counts and errors.
static void drops_format(char *line, size_t size, const unsigned long *count, const int *errors)
{
	size_t n = 0;
	line[0] = '\0';
	for (int i = 0; i < DROP_REASONS; i++) {
		if (count[i] == 0 || n >= size)
			continue;
		n += snprintf(line + n, size - n, "%s%lu %s", n ? ", " : "", count[i], drop_names[i]);
		if (errors != NULL && errors[i] != 0 && n < size)
			n += snprintf(line + n, size - n, " (%s)", strerror(errors[i]));
	}
}

static void drop_report(int64_t now)
{
	char line[400];
	drops_format(line, sizeof line, drop.counts, drop.errors);
	bool routine = drop.counts[DROP_TUN_DOWN] <= DROP_ROUTINE_MAX;
	for (int i = 0; i < DROP_REASONS; i++)
		if (i != DROP_TUN_DOWN && drop.counts[i] != 0)
			routine = false;
	if (!routine || log_verbose)
		log_write(routine ? LOG_DEBUG : LOG_WARNING, peer_prefix, "dropped datagrams: ", line);
	memset(drop.counts, 0, sizeof drop.counts);
	memset(drop.errors, 0, sizeof drop.errors);
	drop.pending = false;
	drop_reported_us = now;
}

void log_flush_due(void)
{
	if (!drop.pending && windows_left_out == 0)
		return;
	int64_t now = monotonic_us();
	if (drop.pending) {
		if (now + DROP_DUE_SLACK_US >= drop_due_us)
			drop_report(now);
		else if (drop_timer)
			drop_timer_arm(drop_due_us - now);
	}
	for (int k = 0; k < EVENT_KINDS && windows_left_out > 0; k++)
		if (windows[k].left_out > 0 &&
		    now - windows[k].start_us >= (int64_t)EVENT_WINDOW_SECONDS * US_PER_SECOND)
			event_window_close((enum event_kind)k);
}

void drop_timer_enable(void)
{
	drop_timer = true;
	if (drop.pending)
		drop_timer_arm(drop_due_us - monotonic_us());
}

void log_after_fork(void)
{
	memset(&drop, 0, sizeof drop);
	for (int i = 0; i < DROP_REASONS; i++)
		own_totals.counts[i] = 0;
	// Its windows stay open, but with nothing left out to report.
	windows_left_out = 0;
}

void drop_totals_keep_in(struct drop_totals *t)
{
	totals = t;
}

void drop_totals_add(struct drop_totals *sum, const struct drop_totals *t)
{
	for (int i = 0; i < DROP_REASONS; i++)
		sum->counts[i] += t->counts[i];
}

void drop_totals_absorb(const struct drop_totals *t)
{
	drop_totals_add(totals, t);
}

void drop_status(const struct drop_totals *more)
{
	char line[400];
	unsigned long sum[DROP_REASONS];
	for (int i = 0; i < DROP_REASONS; i++)
		sum[i] = totals->counts[i] + (more != NULL ? more->counts[i] : 0);
	drops_format(line, sizeof line, sum, NULL);
	log_write(LOG_INFO, peer_prefix, "status: dropped since start: ", line[0] ? line : "none");
}
