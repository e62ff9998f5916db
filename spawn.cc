// SPDX-License-Identifier: ISC
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "tun.h"

extern char **environ;

// Sets the handlers jtunnel installs to their defaults, those in ignored
// to SIG_IGN instead, then unblocks every signal.
static void signals_set(const sigset_t *ignored)
{
	static const int handled[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2,
		SIGPIPE };
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	for (int sig : handled) {
		// Ignoring a signal discards it if pending: one that came while
		// blocked was meant for jtunnel.  SIGTERM (the parent's death, or
		// the end of the tunnel) stays.
		sa.sa_handler = SIG_IGN;
		if (sig != SIGTERM)
			sigaction(sig, &sa, NULL);
		sa.sa_handler = sigismember(ignored, sig) ? SIG_IGN : SIG_DFL;
		sigaction(sig, &sa, NULL);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void signals_reset(void)
{
	sigset_t none;
	sigemptyset(&none);
	signals_set(&none);
}

void signals_block(sigset_t *old)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, old);
}

void signals_restore(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

int child_wait(pid_t pid)
{
	int status;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r == -1 && errno == EINTR);
	return r == pid ? status : -1;
}

// The environment for PROG: ours less any stale TUN_ variables, plus its own.
static char **prog_environment(char *dev_var, char *client_var)
{
	size_t n = 0;
	while (environ[n] != NULL)
		n++;
	char **env = (char **)malloc((n + 3) * sizeof *env);
	if (env == NULL)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TUN_DEV_NAME=", 13) != 0 &&
		    strncmp(environ[i], "TUN_CLIENT_ID=", 14) != 0)
			env[k++] = environ[i];
	env[k++] = dev_var;
	if (client_var != NULL)
		env[k++] = client_var;
	env[k] = NULL;
	return env;
}

pid_t prog_spawn(char *const argv[], const char *tun_name, const char *client_id)
{
	char dev_var[64], client_var[64], who[64];
	snprintf(dev_var, sizeof dev_var, "TUN_DEV_NAME=%s", tun_name);
	if (client_id != NULL)
		snprintf(who, sizeof who, "client %s (%s)", client_id, tun_name);
	else
		snprintf(who, sizeof who, "%s", tun_name);
	if (client_id != NULL)
		snprintf(client_var, sizeof client_var, "TUN_CLIENT_ID=%s", client_id);
	// The child reports a failed exec through this pipe; a successful exec
	// closes it, so the read below waits for the exec, never for PROG.
	int report[2];
	if (pipe_cloexec(report, 0) == -1) {
		log_warn("cannot run PROG %s for %s: pipe", argv[0], who);
		return -1;
	}
	pid_t parent = getpid();
	// Blocked until the child has reset its handlers: a signal meant for
	// PROG must not land in a copy of jtunnel's.
	sigset_t mask;
	signals_block(&mask);
	pid_t pid = fork();
	if (pid == 0) {
		close(report[0]);
		// Out of jtunnel's process group before any signal is unblocked:
		// one sent to that group is not for PROG.
		int own_group = setpgid(0, 0);
		signals_reset();
		// Close-on-exec: PROG keeps only the copy on 0 (never null itself,
		// as main makes sure 0 is open).
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		// execvp searches PATH as execvpe would and passes environ on;
		// set here, in the child, it changes nothing in jtunnel.  Built
		// here too: an allocation in the server after it forked a
		// forwarding process would give both their own copy of malloc's
		// pages.
		char **env = prog_environment(dev_var, client_id ? client_var : NULL);
		if (env != NULL)
			environ = env;
		if (env == NULL || own_group == -1 || exit_with_parent(parent) == -1 || null == -1 ||
		    dup2(null, 0) == -1 || execvp(argv[0], argv) == -1) {
			int err = errno;
			ssize_t w = write(report[1], &err, sizeof err);
			(void)w;
		}
		_exit(127);
	}
	int err = errno;
	signals_restore(&mask);
	close(report[1]);
	if (pid == -1) {
		close(report[0]);
		errno = err;
		log_warn("cannot run PROG %s for %s: fork", argv[0], who);
		return -1;
	}
	ssize_t n;
	do
		n = read(report[0], &err, sizeof err);
	while (n == -1 && errno == EINTR);
	close(report[0]);
	if (n == (ssize_t)sizeof err) {
		child_wait(pid);
		errno = err;
		log_warn("cannot run PROG %s for %s", argv[0], who);
		return -1;
	}
	return pid;
}

void prog_stop(pid_t pid)
{
	// Never 0 or less: kill would take that as this very process group.
	if (pid > 0)
		kill(-pid, SIGTERM);
}

const char *status_text(int status, char text[48])
{
	if (WIFSIGNALED(status))
		snprintf(text, 48, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(text, 48, "exited with status %d", WEXITSTATUS(status));
	return text;
}

void prog_report(const char *prog, const char *who, int status)
{
	char text[48];
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("PROG %s for %s %s", prog, who, status_text(status, text));
}

pid_t fork_forwarder(void)
{
	// Every signal is blocked from before the fork until the child has its
	// dispositions, so that none meets one meant for another process.  The
	// child keeps the handlers of signals_watch (a flag each, and EINTR:
	// SIGALRM wakes it for drop_timer_enable); SIGUSR1, its parent's word
	// (forward.h), is ignored until the forwarding loop catches it; SIGUSR2
	// is ignored, the status being the parent's to give; SIGTERM ends it.
	pid_t parent = getpid();
	sigset_t saved;
	signals_block(&saved);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGTERM, &sa, NULL);
		sa.sa_handler = SIG_IGN;
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGUSR2, &sa, NULL);
		log_after_fork();
		if (exit_with_parent(parent) == -1)
			fatal("forwarding process: parent death signal");
		signals_restore(&saved);
		return 0;
	}
	int err = errno;
	signals_restore(&saved);
	errno = err;
	return pid;
}

void signal_catch(int sig, void (*handler)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) == -1)
		fatal("signal handler for %s", strsignal(sig));
}

struct signals_seen seen;

static void on_watched_signal(int sig)
{
	switch (sig) {
	case SIGHUP:
		seen.hup = 1;
		break;
	case SIGCHLD:
		seen.child = 1;
		break;
	case SIGALRM:
		seen.alarm = 1;
		break;
	case SIGUSR2:
		seen.status = 1;
		break;
	default:
		seen.stop = sig;
	}
}

void signals_watch(void)
{
	static const int watched[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM, SIGUSR2 };
	for (int sig : watched)
		signal_catch(sig, on_watched_signal);
	// A parent has no use for SIGUSR1, which it sends its forwarding
	// processes; ignored, it is ignored in a new one from the fork on.
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
}

void ticks_start(long ms)
{
	// suseconds_t is an int on NetBSD and macOS: no narrowing in braces.
	struct itimerval every;
	every.it_interval.tv_sec = (time_t)(ms / 1000);
	every.it_interval.tv_usec = (suseconds_t)(ms % 1000 * 1000);
	every.it_value = every.it_interval;
	if (setitimer(ITIMER_REAL, &every, NULL) == -1)
		fatal("interval timer");
}

void log_exiting(void)
{
	log_info("exiting on %s", seen.stop == SIGINT ? "SIGINT" : "SIGTERM");
}
