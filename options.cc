// SPDX-License-Identifier: ISC
#include "options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tun.h"

// A whole decimal number in [min, max], digits only: no sign, no blanks.
static bool number_parse(const char *word, long min, long max, long *v)
{
	if (*word < '0' || *word > '9')
		return false;
	char *end;
	errno = 0;
	*v = strtol(word, &end, 10);
	return errno == 0 && *end == '\0' && *v >= min && *v <= max;
}

static enum options_action fail(struct options_error *err, const char *what, const char *word)
{
	err->what = what;
	err->word = word;
	return ACTION_USAGE_ERROR;
}

enum options_action options_parse(int argc, char **argv, struct options *o,
    struct options_error *err)
{
	bool port_given = false, keepalive_given = false, timeout_given = false;
	long v;
	int c;

	memset(o, 0, sizeof *o);
	memset(err, 0, sizeof *err);
	o->confdir = DEFAULT_CONFDIR;
	o->keepalive_seconds = DEFAULT_KEEPALIVE_SECONDS;
	o->timeout_seconds = DEFAULT_TIMEOUT_SECONDS;
	opterr = 0;
	getopt_restart();
	// The options end at the first operand: PROG's options are its own.
	for (;;) {
		// getopt would take "--help" for the options '-', 'h', 'e' ...:
		// the two long options, and a word that looks like another, first.
		int next = optind > 0 ? optind : 1;
		if (next < argc && strncmp(argv[next], "--", 2) == 0 && argv[next][2] != '\0') {
			if (strcmp(argv[next], "--help") == 0)
				return ACTION_USAGE;
			if (strcmp(argv[next], "--version") == 0)
				return ACTION_VERSION;
			return fail(err, "unknown option", argv[next]);
		}
		if ((c = getopt(argc, argv, GETOPT_POSIX_ORDER ":sb:p:i:c:m:k:t:vLgKhV")) == -1)
			break;
		switch (c) {
		case 's':
			o->server = true;
			break;
		case 'b':
			o->bind_host = optarg;
			break;
		case 'p':
			if (!number_parse(optarg, 0, 65535, &v))
				return fail(err, "bad port", optarg);
			o->port = (uint16_t)v;
			port_given = true;
			break;
		case 'i':
			if (!id_parse(optarg, &o->id))
				return fail(err, "bad identifier (16 hexadecimal digits)", optarg);
			o->id_given = true;
			break;
		case 'c':
			o->confdir = optarg;
			break;
		case 'm':
			if (!number_parse(optarg, MTU_MIN, MTU_MAX, &v))
				return fail(err, "bad MTU (68 to 65000)", optarg);
			o->mtu = (int)v;
			break;
		case 'k':
			if (!number_parse(optarg, 0, KEEPALIVE_MAX, &v))
				return fail(err, "bad keepalive interval (0 to 86400 seconds)", optarg);
			o->keepalive_seconds = (int)v;
			keepalive_given = true;
			break;
		case 't':
			if (!number_parse(optarg, 0, KEEPALIVE_MAX, &v))
				return fail(err, "bad timeout (0 to 86400 seconds)", optarg);
			o->timeout_seconds = (int)v;
			timeout_given = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'L':
			o->syslog = true;
			break;
		case 'g':
			return ACTION_PRINT_ID;
		case 'K':
			return ACTION_PRINT_KEY;
		case 'h':
			return ACTION_USAGE;
		case 'V':
			return ACTION_VERSION;
		case ':':
			err->option[0] = '-';
			err->option[1] = (char)optopt;
			return fail(err, "option needs an argument", err->option);
		default:
			err->option[0] = '-';
			err->option[1] = (char)optopt;
			return fail(err, "unknown option", err->option);
		}
	}
	argv += optind;
	argc -= optind;

	if (o->server) {
		if (keepalive_given)
			return fail(err, "option for the client only", "-k");
		if (!port_given)
			o->port = DEFAULT_SERVER_PORT;
	} else {
		// Without keepalives a quiet server is no sign of a dead one.
		if (o->keepalive_seconds == 0 && !timeout_given)
			o->timeout_seconds = 0;
		if (argc < 1)
			return fail(err, "missing ADDRESS", NULL);
		if (argc < 2)
			return fail(err, "missing PORT", NULL);
		o->server_host = argv[0];
		if (!number_parse(argv[1], 1, 65535, &v))
			return fail(err, "bad port", argv[1]);
		o->server_port = (uint16_t)v;
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		return fail(err, "missing PROG", NULL);
	o->prog = argv;
	struct udp_addr probe;
	if (o->bind_host != NULL && !addr_parse_numeric(o->bind_host, 0, &probe))
		return fail(err, "bad bind address (a numeric IPv4 or IPv6 address)", o->bind_host);
	return ACTION_RUN;
}
