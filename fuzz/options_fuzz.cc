// SPDX-License-Identifier: ISC
// Fuzz target: options_parse, the whole command line.  The input is the
// words after "jtunnel", separated by NUL bytes, each copied into a buffer
// of its own size so that ASan catches a read past any of them.
// Properties: ACTION_RUN always has PROG (within argv) and, for a client,
// ADDRESS and a PORT in 1..65535; every number it returns is in its range;
// a -b it accepts is a numeric address; a usage error names what is wrong
// and a word that is one of argv's (or names an option); argv is left as it was
// (PROG's arguments reach it unchanged); and a second call on the same
// argv gives the same answer (getopt's state is reset on each call).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../options.h"

enum { MAX_WORDS = 64 };

static bool in_some_word(const char *p, char **argv, int argc, const struct options_error *err)
{
	if (p == err->option)
		return true;
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void check(enum options_action a, const struct options *o,
    const struct options_error *err, char **argv, int argc)
{
	switch (a) {
	case ACTION_RUN:
		if (o->prog == NULL || o->prog < argv + 1 || o->prog >= argv + argc ||
		    o->prog[0] == NULL)
			abort();
		if (o->confdir == NULL)
			abort();
		if (o->mtu != 0 && (o->mtu < MTU_MIN || o->mtu > MTU_MAX))
			abort();
		if (o->keepalive_seconds < 0 || o->keepalive_seconds > KEEPALIVE_MAX)
			abort();
		if (o->server) {
			if (o->server_host != NULL || o->keepalive_seconds != DEFAULT_KEEPALIVE_SECONDS)
				abort();
		} else {
			if (o->server_host == NULL || o->server_port == 0 || o->prog < argv + 3)
				abort();
			// ADDRESS and PORT are the two words just before PROG.
			if (o->prog[-2] != o->server_host)
				abort();
		}
		if (o->bind_host != NULL) {
			struct udp_addr probe;
			if (!addr_parse_numeric(o->bind_host, 0, &probe))
				abort();
		}
		break;
	case ACTION_USAGE_ERROR:
		if (err->what == NULL || err->what[0] == '\0')
			abort();
		// The word at fault is one of argv's, or names an option.
		if (err->word != NULL && !in_some_word(err->word, argv, argc, err) &&
		    err->word[0] != '-')
			abort();
		break;
	case ACTION_PRINT_ID:
	case ACTION_PRINT_KEY:
	case ACTION_USAGE:
	case ACTION_VERSION:
		break;
	default:
		abort();
	}
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *argv[MAX_WORDS + 2], *copy[MAX_WORDS + 2];
	int argc = 0;
	argv[argc++] = strdup("jtunnel");
	for (size_t i = 0; i < len && argc <= MAX_WORDS;) {
		size_t n = strnlen((const char *)data + i, len - i);
		argv[argc] = (char *)malloc(n + 1);
		memcpy(argv[argc], data + i, n);
		argv[argc][n] = '\0';
		argc++;
		i += n + 1;
	}
	argv[argc] = NULL;
	memcpy(copy, argv, sizeof argv);

	struct options o, o2;
	struct options_error err, err2;
	enum options_action a = options_parse(argc, argv, &o, &err);
	check(a, &o, &err, argv, argc);
	for (int i = 0; i <= argc; i++)
		if (argv[i] != copy[i])
			abort();	// argv was permuted
	enum options_action b = options_parse(argc, argv, &o2, &err2);
	if (a != b)
		abort();
	if (a == ACTION_RUN &&
	    (o.prog != o2.prog || o.server != o2.server || o.port != o2.port ||
	     o.mtu != o2.mtu || o.keepalive_seconds != o2.keepalive_seconds ||
	     o.id_given != o2.id_given || !id_equal(&o.id, &o2.id) ||
	     o.bind_host != o2.bind_host || o.confdir != o2.confdir ||
	     o.server_host != o2.server_host || o.server_port != o2.server_port ||
	     o.verbose != o2.verbose || o.syslog != o2.syslog))
		abort();
	if (a == ACTION_USAGE_ERROR && strcmp(err.what, err2.what) != 0)
		abort();
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
