// SPDX-License-Identifier: ISC
// The command line: what it asks for, or the one word that is wrong with it.
#ifndef JTUNNEL_OPTIONS_H
#define JTUNNEL_OPTIONS_H

#include <stdint.h>

#include "peer.h"

struct options {
	bool server;			// -s
	const char *bind_host;		// -b, null for the unspecified address
	uint16_t port;			// -p
	bool id_given;			// -i, else a random identifier
	struct peer_id id;
	const char *confdir;		// -c
	int mtu;			// -m, 0 for the default of the path
	int keepalive_seconds;		// -k (client), 0 for none
	int timeout_seconds;		// -t, 0 for none
	const char *server_host;	// client: ADDRESS
	uint16_t server_port;		// client: PORT
	char **prog;			// PROG and its arguments
	bool verbose;			// -v
	bool syslog;			// -L
};

enum options_action {
	ACTION_RUN,
	ACTION_PRINT_ID,		// -g
	ACTION_PRINT_KEY,		// -K
	ACTION_USAGE,			// -h
	ACTION_VERSION,			// -V
	ACTION_USAGE_ERROR,
};

struct options_error {
	const char *what;		// "bad port"
	const char *word;		// the word at fault, or null
	char option[3];			// room for "-x" when the word is an option
};

enum {
	DEFAULT_SERVER_PORT = 5151,
	DEFAULT_KEEPALIVE_SECONDS = 25,
	DEFAULT_TIMEOUT_SECONDS = 90,
	MTU_MIN = 68,
	MTU_MAX = 65000,
	KEEPALIVE_MAX = 86400,
};
#define DEFAULT_CONFDIR "/etc/jtunnel"

// Reads argv (getopt's state is reset first, so it may be called again).
// PROG and everything after it belong to PROG.
enum options_action options_parse(int argc, char **argv, struct options *o,
    struct options_error *err);

#endif
