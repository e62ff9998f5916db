// SPDX-License-Identifier: ISC
// Processes: PROG for a new tun, the forwarding processes, their signals.
#ifndef JTUNNEL_SPAWN_H
#define JTUNNEL_SPAWN_H

#include <signal.h>
#include <sys/types.h>

// Starts argv (PATH search) with stdin from /dev/null, TUN_DEV_NAME set and,
// when client_id is not null, TUN_CLIENT_ID, in a process group of its own.  Does not wait for it to end.
// PROG receives SIGTERM if jtunnel dies first.  Returns its pid, or -1 after
// logging why it could not be started.
pid_t prog_spawn(char *const argv[], const char *tun_name, const char *client_id);

// Sends SIGTERM to a PROG that still runs (pid > 0), and to the processes
// it started: PROG leads a process group of its own.
void prog_stop(pid_t pid);

// Logs a PROG that failed, from its wait status; who names its tunnel.
void prog_report(const char *prog, const char *who, int status);

// "exited with status N" or "killed by signal N".
const char *status_text(int status, char text[48]);

// Forks a forwarding process, with every signal blocked across the fork
// so that none arrives before the child's dispositions are set: it dies
// with this one (SIGTERM), and SIGTERM ends it.  SIGUSR1 stays ignored
// until the forwarding loop catches it, SIGUSR2 (the parent's to answer)
// is ignored, and the other signals that signals_watch catches only set
// their flag in seen (and interrupt a blocked read with EINTR): none of
// them ends it.  Returns as fork does.
pid_t fork_forwarder(void);

// Installs handler for sig without SA_RESTART, so that a blocked read or
// receive returns EINTR and the loop around it sees the flag it set.
void signal_catch(int sig, void (*handler)(int));

// What the signals a process watches have asked for: set by the handlers,
// taken (and cleared) by the process's loop.
struct signals_seen {
	volatile sig_atomic_t stop;	// SIGTERM or SIGINT, whichever came
	volatile sig_atomic_t hup, child, alarm;
	volatile sig_atomic_t status;	// SIGUSR2: log the state
};
extern struct signals_seen seen;
// Catches SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM and SIGUSR2 into seen,
// and ignores SIGUSR1 (which a parent sends its forwarding processes) and
// SIGPIPE.  main calls it first of all, so that every signal is handled as
// documented from the start.
void signals_watch(void);
// Makes SIGALRM (seen.alarm) come every ms milliseconds.
void ticks_start(long ms);
// Logs that this process exits on the stop signal in seen.
void log_exiting(void);

// Sets the handlers jtunnel installed back to their defaults and unblocks
// every signal: what a process that jtunnel forks starts from.
void signals_reset(void);

// Blocks every signal that can be blocked, saving the mask in old: around
// a fork, so that the child sets its dispositions before any arrives.
void signals_block(sigset_t *old);
void signals_restore(const sigset_t *old);

// Waits for the child pid to end, through any signal (EINTR).  Returns its
// wait status, or -1 when there is no such child.
int child_wait(pid_t pid);

#endif
