// Processes: PROG for a new tun, the forwarding processes, their signals.
#ifndef JTUNNEL_SPAWN_H
#define JTUNNEL_SPAWN_H

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

// Forks a forwarding process: it dies with this one and starts with the
// default signal handlers, nothing blocked.  Returns as fork does.
pid_t fork_forwarder(void);

// Installs handler for sig without SA_RESTART, so that a blocked read or
// receive returns EINTR and the loop around it sees the flag it set.
void signal_catch(int sig, void (*handler)(int));

// Sets the handlers jtunnel installed back to their defaults and unblocks
// every signal: what a process that jtunnel forks starts from.
void signals_reset(void);

#endif
