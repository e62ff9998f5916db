// What the command line asks for, and the two ends that carry it out.
#ifndef JTUNNEL_H
#define JTUNNEL_H

#include <stdint.h>

#include "peer.h"

struct options {
	const char *bind_host;		// -b, null for the unspecified address
	uint16_t port;			// -p
	struct peer_id id;		// -i, or random
	const char *confdir;		// -c
	int mtu;			// -m, 0 for the default of the path
	int keepalive_seconds;		// -k (client), 0 for none
	const char *server_host;	// client: ADDRESS
	uint16_t server_port;		// client: PORT
	char **prog;			// PROG and its arguments
};

[[noreturn]] void client_run(const struct options *o);
[[noreturn]] void server_run(const struct options *o);

// Opens CONFDIR once at start, so that a missing or unreadable one is a
// clear fatal error rather than every peer silently refused.
void confdir_check(const char *confdir);

#endif
