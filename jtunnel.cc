// jtunnel: IP over UDP between a tun device and a peer.  This file reads the
// command line and hands over to the client or the server.
#include "jtunnel.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

enum {
	DEFAULT_SERVER_PORT = 5151,
	DEFAULT_KEEPALIVE_SECONDS = 25,
	MTU_MIN = 68,
	MTU_MAX = 65000,
	KEEPALIVE_MAX = 86400,
	EXIT_USAGE = 2,
};
#define VERSION "0.1"
#define DEFAULT_CONFDIR "/etc/jtunnel"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: jtunnel -s [-v] [-b address] [-p port] [-i id] [-c confdir] [-m mtu] prog [args ...]\n"
	    "       jtunnel [-v] [-b address] [-p port] [-i id] [-c confdir] [-m mtu] [-k seconds] address port prog [args ...]\n"
	    "       jtunnel -g | -h | -V\n");
}

[[noreturn]] static void usage_error(const char *what, const char *word)
{
	if (word != NULL)
		fprintf(stderr, "jtunnel: %s: '%s'\n", what, word);
	else
		fprintf(stderr, "jtunnel: %s\n", what);
	usage(stderr);
	exit(EXIT_USAGE);
}

// A whole decimal number in [min, max], or a usage error naming the word.
static long number_arg(const char *word, long min, long max, const char *what)
{
	char *end;
	errno = 0;
	long v = strtol(word, &end, 10);
	if (errno != 0 || end == word || *end != '\0' || v < min || v > max)
		usage_error(what, word);
	return v;
}

void confdir_check(const char *confdir)
{
	DIR *d = opendir(confdir);
	if (d == NULL)
		fatal("configuration directory %s", confdir);
	closedir(d);
}

int main(int argc, char **argv)
{
	struct options o;
	memset(&o, 0, sizeof o);
	o.confdir = DEFAULT_CONFDIR;
	o.keepalive_seconds = DEFAULT_KEEPALIVE_SECONDS;
	bool server = false, id_given = false, port_given = false, keepalive_given = false;
	char option[3] = "-?";
	int c;

	opterr = 0;
	// The leading '+' stops at the first operand: PROG's options are its own.
	while ((c = getopt(argc, argv, "+sb:p:i:c:m:k:vghV")) != -1) {
		switch (c) {
		case 's':
			server = true;
			break;
		case 'b':
			o.bind_host = optarg;
			break;
		case 'p':
			o.port = (uint16_t)number_arg(optarg, 0, 65535, "bad port");
			port_given = true;
			break;
		case 'i':
			if (!id_parse(optarg, &o.id))
				usage_error("bad identifier (16 hexadecimal digits)", optarg);
			id_given = true;
			break;
		case 'c':
			o.confdir = optarg;
			break;
		case 'm':
			o.mtu = (int)number_arg(optarg, MTU_MIN, MTU_MAX, "bad MTU (68 to 65000)");
			break;
		case 'k':
			o.keepalive_seconds = (int)number_arg(optarg, 0, KEEPALIVE_MAX,
			    "bad keepalive interval (0 to 86400 seconds)");
			keepalive_given = true;
			break;
		case 'v':
			log_verbose = 1;
			break;
		case 'g': {
			struct peer_id id;
			char text[ID_TEXT_MAX];
			if (id_random(&id) == -1)
				fatal("random identifier");
			printf("%s\n", id_format(&id, text));
			return 0;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("jtunnel %s\n", VERSION);
			return 0;
		case ':':
			option[1] = (char)optopt;
			usage_error("option needs an argument", option);
		default:
			option[1] = (char)optopt;
			usage_error("unknown option", option);
		}
	}
	argv += optind;
	argc -= optind;

	if (server) {
		if (keepalive_given)
			usage_error("-k is for the client only", NULL);
		if (!port_given)
			o.port = DEFAULT_SERVER_PORT;
	} else {
		if (argc < 1)
			usage_error("missing ADDRESS", NULL);
		if (argc < 2)
			usage_error("missing PORT", NULL);
		o.server_host = argv[0];
		o.server_port = (uint16_t)number_arg(argv[1], 1, 65535, "bad port");
		argv += 2;
		argc -= 2;
	}
	if (argc < 1)
		usage_error("missing PROG", NULL);
	o.prog = argv;
	if (o.bind_host != NULL) {
		struct udp_addr probe;
		if (!addr_parse_numeric(o.bind_host, 0, &probe))
			usage_error("bad bind address (a numeric IPv4 or IPv6 address)", o.bind_host);
	}

	if (!id_given) {
		char text[ID_TEXT_MAX];
		if (id_random(&o.id) == -1)
			fatal("random identifier");
		log_info("identifier %s (random, for this run)", id_format(&o.id, text));
	}
	confdir_check(o.confdir);
	if (server)
		server_run(&o);
	client_run(&o);
}
