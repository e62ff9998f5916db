#include "log.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

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
	if (stream == NULL || *stream < '0' || *stream > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long dev = strtoull(stream, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	unsigned long long ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	struct stat st;
	return fstat(2, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void log_init(bool to_syslog)
{
	if (to_syslog) {
		openlog("jtunnel", LOG_PID, LOG_DAEMON);
		sink = SINK_SYSLOG;
	} else if (stderr_is_journal()) {
		sink = SINK_JOURNAL;
	}
}

void log_set_peer(const char *who)
{
	snprintf(peer_prefix, sizeof peer_prefix, "%s: ", who);
}

enum { LINE_MAX_BYTES = 512 };

static void log_line(int priority, const char *prefix, const char *fmt, va_list ap, int errnum)
{
	char line[LINE_MAX_BYTES];
	int n = 0;
	if (sink == SINK_JOURNAL)
		n = snprintf(line, sizeof line, "<%d>", priority);
	if (sink != SINK_SYSLOG)
		n += snprintf(line + n, sizeof line - n, "jtunnel: ");
	n += snprintf(line + n, sizeof line - n, "%s", prefix);
	if (n < (int)sizeof line)
		n += vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	if (errnum != 0)
		n += snprintf(line + n, sizeof line - n, ": %s", strerror(errnum));
	if (n >= (int)sizeof line - 1)
		n = sizeof line - 2;
	if (sink == SINK_SYSLOG) {
		line[n] = '\0';
		syslog(priority, "%s", line);
		return;
	}
	line[n++] = '\n';
	// One write per line, so lines of several processes do not interleave.
	fwrite(line, 1, n, stderr);
	fflush(stderr);
}

#define LOG_WITH(priority, errnum)                          \
	do {                                                \
		va_list ap;                                 \
		va_start(ap, fmt);                          \
		log_line(priority, "", fmt, ap, errnum);    \
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

// Writes one line from a format of our own, with the peer's prefix.
static void log_own(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_own(int priority, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(priority, peer_prefix, fmt, ap, 0);
	va_end(ap);
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
	"peer seen", "peer moved", "peer forgotten", "identifier refused",
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
		log_own(LOG_DEBUG, "%lu more %s events left out in %d s", w->left_out,
		    event_names[kind], EVENT_WINDOW_SECONDS);
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
	log_line(LOG_DEBUG, "", fmt, ap, 0);
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
};
static unsigned long drops[DROP_REASONS], drop_totals[DROP_REASONS];
static int drop_errors[DROP_REASONS];
static bool drop_pending;
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
	drops[why]++;
	drop_totals[why]++;
	if (err != 0)
		drop_errors[why] = err;
	if (drop_pending)
		return;
	drop_pending = true;
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
	drops_format(line, sizeof line, drops, drop_errors);
	bool routine = drops[DROP_TUN_DOWN] <= DROP_ROUTINE_MAX;
	for (int i = 0; i < DROP_REASONS; i++)
		if (i != DROP_TUN_DOWN && drops[i] != 0)
			routine = false;
	if (!routine)
		log_own(LOG_WARNING, "dropped datagrams: %s", line);
	else if (log_verbose)
		log_own(LOG_DEBUG, "dropped datagrams: %s (yet)", line);
	memset(drops, 0, sizeof drops);
	memset(drop_errors, 0, sizeof drop_errors);
	drop_pending = false;
	drop_reported_us = now;
}

void log_flush_due(void)
{
	if (!drop_pending && windows_left_out == 0)
		return;
	int64_t now = monotonic_us();
	if (drop_pending) {
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

static void on_drop_alarm(int)
{
}

void drop_timer_enable(void)
{
	struct sigaction sa;
	if (sigaction(SIGALRM, NULL, &sa) == 0 &&
	    (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)) {
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_drop_alarm;	// no SA_RESTART: the read returns EINTR
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
	}
	drop_timer = true;
	if (drop_pending)
		drop_timer_arm(drop_due_us - monotonic_us());
}

void log_after_fork(void)
{
	memset(drops, 0, sizeof drops);
	memset(drop_totals, 0, sizeof drop_totals);
	memset(drop_errors, 0, sizeof drop_errors);
	drop_pending = false;
	memset(windows, 0, sizeof windows);
	windows_left_out = 0;
}

void drop_status(void)
{
	char line[400];
	drops_format(line, sizeof line, drop_totals, NULL);
	log_own(LOG_INFO, "status: dropped since start: %s", line[0] ? line : "none");
}
