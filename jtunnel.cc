// SPDX-License-Identifier: ISC
// jtunnel: IP over UDP between a tun device and a peer.  This file reads the
// command line, checks what can be checked before anything runs, and hands
// over to the client or the server.
#include "jtunnel.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "spawn.h"

enum { EXIT_USAGE = 2 };
#define VERSION "2.0"	// the interface contract's version
// Where execvp searches when PATH is not set (glibc's and musl's default).
#define DEFAULT_PATH "/bin:/usr/bin"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: jtunnel -s [-v] [-L] [-b address] [-p port] [-i id] [-c confdir] [-m mtu] [-t seconds] prog [args ...]\n"
	    "       jtunnel [-v] [-L] [-b address] [-p port] [-i id] [-c confdir] [-m mtu] [-t seconds] [-k seconds] address port prog [args ...]\n"
	    "       jtunnel -g | -K | -h | -V\n");
}

// stdin, stdout and stderr open (on /dev/null if jtunnel was started
// without them, so that no tun or socket takes their numbers), and no other
// descriptor: whatever the caller left open would reach every PROG.
static void descriptors_tidy(void)
{
	// Each open takes the lowest free number: the first above 2 is closed
	// with the rest.
	int fd;
	do
		fd = open("/dev/null", O_RDWR);
	while (fd >= 0 && fd <= 2);
	descriptors_close_from(3);
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

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

// PROG is looked up at start as execvp will look it up for each tun: a name
// with a slash as it is, any other in each directory of PATH.
static void prog_check(const char *prog)
{
	if (strchr(prog, '/') != NULL) {
		if (access(prog, F_OK) == -1)
			fatal("PROG %s", prog);
		if (!is_executable_file(prog))
			fatalx("PROG %s: not an executable file", prog);
		return;
	}
	const char *path = getenv("PATH");
	if (path == NULL)
		path = DEFAULT_PATH;
	for (const char *dir = path;; dir++) {
		const char *end = strchr(dir, ':');
		size_t len = end ? (size_t)(end - dir) : strlen(dir);
		char file[PATH_MAX];
		// An empty entry is the current directory.
		int n = len == 0 ? snprintf(file, sizeof file, "%s", prog) :
		    snprintf(file, sizeof file, "%.*s/%s", (int)len, dir, prog);
		if (n > 0 && n < (int)sizeof file && is_executable_file(file))
			return;
		if (end == NULL)
			break;
		dir = end;
	}
	fatalx("PROG %s: not found in PATH (%s)", prog, path);
}

// A numeric -b and a numeric ADDRESS of different families: the socket
// could never reach the server.  Returns false after the usage error.
static bool families_agree(const struct options *o)
{
	struct udp_addr bind_addr, server;
	if (o->server || o->bind_host == NULL ||
	    !addr_parse_numeric(o->bind_host, 0, &bind_addr) ||
	    !addr_parse_numeric(o->server_host, 0, &server) ||
	    bind_addr.sa.sa_family == server.sa.sa_family)
		return true;
	fprintf(stderr, "jtunnel: bind address '%s' and ADDRESS '%s': different families\n",
	    o->bind_host, o->server_host);
	return false;
}

int main(int argc, char **argv)
{
	// First of all: a signal that comes during start-up is handled as the
	// manual says, not by its default action.
	signals_watch();
	descriptors_tidy();

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
	if (!families_agree(&o)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_verbose = o.verbose;
	log_init(o.syslog);
	session_timers_init();
	confdir_check(o.confdir);
	prog_check(o.prog[0]);
	if (!o.id_given) {
		if (id_random(&o.id) == -1)
			fatal("random identifier");
		log_info("identifier %s (random, for this run)", id_format(&o.id, text));
	}
	if (o.server)
		server_run(&o);
	client_run(&o);
}
