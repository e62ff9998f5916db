// jtunnel: IP over UDP between a tun device and a peer.  This file reads the
// command line and hands over to the client or the server.
#include "jtunnel.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "secret.h"

enum { EXIT_USAGE = 2 };
#define VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: jtunnel -s [-v] [-b address] [-p port] [-i id] [-c confdir] [-m mtu] prog [args ...]\n"
	    "       jtunnel [-v] [-b address] [-p port] [-i id] [-c confdir] [-m mtu] [-k seconds] address port prog [args ...]\n"
	    "       jtunnel -g | -K | -h | -V\n");
}

// A missing or unreadable CONFDIR is a clear fatal error at start, rather
// than every peer refused in silence.
static void confdir_check(const char *confdir)
{
	DIR *d = opendir(confdir);
	if (d == NULL)
		fatal("configuration directory %s", confdir);
	closedir(d);
}

int main(int argc, char **argv)
{
	struct options o;
	struct options_error err;
	struct peer_id id;
	char text[ID_TEXT_MAX], key_text[KEY_TEXT_MAX];
	uint8_t key[KEY_BYTES];

	switch (options_parse(argc, argv, &o, &err)) {
	case ACTION_PRINT_ID:
		if (id_random(&id) == -1)
			fatal("random identifier");
		printf("%s\n", id_format(&id, text));
		return 0;
	case ACTION_PRINT_KEY:
		if (random_bytes(key, sizeof key) == -1)
			fatal("random key");
		printf("%s\n", key_format(key, key_text));
		secret_wipe(key, sizeof key);
		secret_wipe(key_text, sizeof key_text);
		return 0;
	case ACTION_USAGE:
		usage(stdout);
		return 0;
	case ACTION_VERSION:
		printf("jtunnel %s\n", VERSION);
		return 0;
	case ACTION_USAGE_ERROR:
		if (err.word != NULL)
			fprintf(stderr, "jtunnel: %s: '%s'\n", err.what, err.word);
		else
			fprintf(stderr, "jtunnel: %s\n", err.what);
		usage(stderr);
		return EXIT_USAGE;
	case ACTION_RUN:
		break;
	}
	log_verbose = o.verbose;
	session_timers_init();
	if (!o.id_given) {
		if (id_random(&o.id) == -1)
			fatal("random identifier");
		log_info("identifier %s (random, for this run)", id_format(&o.id, text));
	}
	confdir_check(o.confdir);
	if (o.server)
		server_run(&o);
	client_run(&o);
}
