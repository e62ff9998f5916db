#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int log_verbose;

static void log_line(const char *fmt, va_list ap, int errnum)
{
	char line[512];
	int n = snprintf(line, sizeof line, "jtunnel: ");
	n += vsnprintf(line + n, sizeof line - n, fmt, ap);
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	if (errnum != 0)
		n += snprintf(line + n, sizeof line - n, ": %s", strerror(errnum));
	if (n >= (int)sizeof line - 1)
		n = sizeof line - 2;
	line[n++] = '\n';
	// One write per line, so lines of several processes do not interleave.
	fwrite(line, 1, n, stderr);
	fflush(stderr);
}

#define LOG_WITH(errnum)                      \
	do {                                  \
		va_list ap;                   \
		va_start(ap, fmt);            \
		log_line(fmt, ap, errnum);    \
		va_end(ap);                   \
	} while (0)

void log_warn(const char *fmt, ...) { int e = errno; LOG_WITH(e); }
void log_warnx(const char *fmt, ...) { LOG_WITH(0); }
void log_info(const char *fmt, ...) { LOG_WITH(0); }

void log_debug(const char *fmt, ...)
{
	if (log_verbose)
		LOG_WITH(0);
}

void fatal(const char *fmt, ...)
{
	int e = errno;
	LOG_WITH(e);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_WITH(0);
	exit(1);
}

enum { DROP_REPORT_SECONDS = 10 };

static const char *const drop_names[DROP_REASONS] = {
	"short", "too long", "unauthorized",
	"from a wrong source", "refused by the tun", "for a tun not up",
	"not sent", "receive errors",
	"of a wrong type or shape", "not verified", "replayed", "bad handshakes",
	"initiations over the rate limit", "with no session to send under",
};
static unsigned long drops[DROP_REASONS], drop_totals[DROP_REASONS];
static int drop_errors[DROP_REASONS];
static time_t drop_reported;

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
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (drop_reported != 0 && now.tv_sec - drop_reported < DROP_REPORT_SECONDS)
		return;
	drop_reported = now.tv_sec;
	char line[400];
	int n = 0;
	for (int i = 0; i < DROP_REASONS; i++) {
		if (drops[i] == 0 || n >= (int)sizeof line)
			continue;
		n += snprintf(line + n, sizeof line - n, "%s%lu %s",
		    n ? ", " : "", drops[i], drop_names[i]);
		if (drop_errors[i] != 0 && n < (int)sizeof line)
			n += snprintf(line + n, sizeof line - n, " (%s)", strerror(drop_errors[i]));
		drops[i] = 0;
		drop_errors[i] = 0;
	}
	log_warnx("dropped datagrams: %s", line);
}

void drop_status(void)
{
	char line[400];
	int n = 0;
	for (int i = 0; i < DROP_REASONS && n < (int)sizeof line; i++)
		if (drop_totals[i] != 0)
			n += snprintf(line + n, sizeof line - n, "%s%lu %s", n ? ", " : "",
			    drop_totals[i], drop_names[i]);
	log_info("status: dropped since start: %s", n ? line : "none");
}
