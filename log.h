// SPDX-License-Identifier: ISC
// Logging, one event per line, in the manner of OpenBSD's daemons: log_warn
// adds strerror(errno), log_warnx does not; fatal and fatalx log and exit 1.
// log_debug lines appear only with -v.
//
// Lines go to stderr, each starting with "jtunnel: ".  Under systemd (fd 2
// is the stream that JOURNAL_STREAM names) each also starts with its
// sd-daemon priority, "<3>" to "<7>".  With -L (log_init(true)) they go to
// syslog instead, facility daemon, with the same priority per line.
#ifndef JTUNNEL_LOG_H
#define JTUNNEL_LOG_H

#include <stdint.h>

extern int log_verbose;

// Chooses where lines go; call once at start, before forking.  Until then
// lines go to stderr without a priority.
void log_init(bool to_syslog);

// Forgets, in a process just forked, the drops and events its parent had
// counted: those not reported yet are the parent's to report, and its
// totals since start the parent's to give.  fork_forwarder calls it.
void log_after_fork(void);

// Names this process's peer in its drop reports ("client 0123456789abcdef"):
// a forwarding process calls it once, right after the fork.
void log_set_peer(const char *who);

// Priorities: fatal, fatalx, log_warn and log_warnx err; drop reports
// warning (debug for a few drops at a tun not up yet); log_info info;
// log_debug and log_event debug.
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// The events of single peers that -v adds.  Each kind is rate-limited on
// its own: at most EVENT_LINES_MAX lines per EVENT_WINDOW_SECONDS, then one
// line that says how many more were left out, so that a flood of datagrams
// cannot become a flood of log lines.
enum event_kind {
	EVENT_PEER_SEEN,
	EVENT_PEER_MOVED,
	EVENT_PEER_FORGOTTEN,
	EVENT_ID_REFUSED,
	EVENT_HANDSHAKE,		// keyed: answered, or a new session
	EVENT_KINDS
};
enum { EVENT_LINES_MAX = 10, EVENT_WINDOW_SECONDS = 10 };
// Returns whether the line was written (false without -v, or when it was
// left out by the rate limit).
bool log_event(enum event_kind kind, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// An EVENT_ID_REFUSED line for the identifier id_text (16 hex digits) from
// the address where, naming the file in confdir that would authorize it.
// Each identifier is logged once (as far as a short memory of recent ones
// reaches), and all of them within the rate limit.
void log_refused(const char *id_text, const char *where, const char *confdir);

// Why a datagram was dropped.
enum drop_reason {
	DROP_SHORT,		// shorter than the identifier
	DROP_TRUNCATED,		// larger than the receive buffer
	DROP_UNKNOWN,		// identifier not authorized
	DROP_WRONG_SOURCE,	// client: not from the server's address
	DROP_TUN_WRITE,		// the tun refused the packet
	DROP_TUN_DOWN,		// the tun is not up (yet: PROG sets it up)
	DROP_SEND,		// the socket refused the packet
	DROP_RECEIVE,		// the socket reported an error instead
	DROP_TYPE,		// keyed: a type this end does not take, or misshapen
	DROP_UNVERIFIED,	// keyed: no session's key verifies it
	DROP_REPLAYED,		// keyed: its counter was seen, or is too old
	DROP_HANDSHAKE,		// keyed: a handshake that does not verify
	DROP_RATE,		// keyed: an initiation over the rate limit
	DROP_NO_SESSION,	// keyed: a packet with no session to send it under
	DROP_SETUP,		// server: a new client while set-ups fail
	DROP_OFFLOAD,		// from the tun, with offloads this end cannot finish
	DROP_REASONS
};

// Counts a dropped datagram; err is the errno of a failed send or write,
// else 0.  A tun write that failed with EIO is counted as DROP_TUN_DOWN:
// that is how a tun that is not up refuses packets.  Safe in a per-packet
// loop: it writes nothing and makes no system call, except that the first
// drop after a report reads the clock (and, with drop_timer_enable, arms
// the timer).
//
// Counted drops are reported in one line per process by log_flush_due:
// DROP_GATHER_SECONDS after the first of them, or DROP_REPORT_SECONDS after
// the previous report, whichever is later.
void drop_count(enum drop_reason why, int err = 0);
enum { DROP_REPORT_SECONDS = 10, DROP_GATHER_SECONDS = 1 };

// Writes whatever is due: the counted drops, and the "N more ... left out"
// line of each event kind whose window has passed.  Cheap when nothing is
// pending (no system call).  Every loop calls it each time it wakes:
//   - a receive loop wakes at least every UDP_WAIT_SECONDS anyway;
//   - a forwarding process, which blocks in a tun read with no timeout,
//     calls drop_timer_enable() once after the fork and log_flush_due()
//     whenever its read returns nothing (EINTR).
void log_flush_due(void);

// For a process that blocks with no timeout and uses no interval timer of
// its own: from now on, when drops are counted, ITIMER_REAL is armed for
// the moment their report is due, and its SIGALRM interrupts the blocked
// call.  SIGALRM must be caught without SA_RESTART: signals_watch does so,
// and a forwarding process keeps that handler from the fork.
void drop_timer_enable(void);

// Drops since start, by cause.  A forwarding process keeps its own where
// its parent reads them: in the page they share (forward.h).
struct drop_totals {
	volatile unsigned long counts[DROP_REASONS];
};

// From now on this process counts its totals since start in *t (which its
// parent sees) rather than in its own memory.  A forwarding process calls
// it once, right after the fork.
void drop_totals_keep_in(struct drop_totals *t);

// Adds *t to *sum.
void drop_totals_add(struct drop_totals *sum, const struct drop_totals *t);

// Adds *t to this process's own totals: those of a forwarding process that
// is gone, so that the status's totals still count them.
void drop_totals_absorb(const struct drop_totals *t);

// Logs every drop counted since start, by cause (the status, SIGUSR2): this
// process's own, plus *more (its forwarding processes'; or null).
void drop_status(const struct drop_totals *more);

#endif
