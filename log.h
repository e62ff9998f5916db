// Logging to stderr, one event per line, in the manner of OpenBSD's daemons:
// log_warn adds strerror(errno), log_warnx does not; fatal and fatalx log
// and exit 1.  log_debug lines appear only with -v.
#ifndef JTUNNEL_LOG_H
#define JTUNNEL_LOG_H

#include <stdint.h>

extern int log_verbose;

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
[[noreturn]] void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// Why a datagram was dropped; counted, and reported at most every
// DROP_REPORT_SECONDS so that a flood cannot flood the log.
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
	DROP_REASONS
};
// err: the errno of a failed send or write, else 0.  A tun write that
// failed with EIO is counted as DROP_TUN_DOWN: that is how a tun that is
// not up refuses packets.
void drop_count(enum drop_reason why, int err = 0);
// Logs every drop counted since start, by cause (the status, SIGUSR2).
void drop_status(void);

#endif
