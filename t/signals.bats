#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# SIGTERM, SIGINT and SIGKILL: how jtunnel ends, and that nothing of it
# stays behind.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# server_with_clients: a server with two clients up, its process tree
# recorded (parent, two forwarding children).
server_with_clients() {
	topo 2
	srv_start srv "$@"
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 2 ]]
	record_tree srv
	[[ $(tun_count "$SRV") == 2 ]]
}

client_up() {
	topo 1
	srv_start srv
	cli_start c1 1 "$@"
	tunnel_up 1
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 ]]
	record_tree c1
	[[ $(tun_count "$C1") == 1 ]]
}

# stops_clean NAME NS SIGNAL: jtunnel NAME, sent SIGNAL, exits 0 and leaves
# none of the processes record_tree saw, and no tun in NS.
stops_clean() {
	jt_stop "$1" "$3"
	[[ $JT_STATUS == 0 ]] || fail "exit status $JT_STATUS"
	wait_for 10 tree_gone "$1"
	[[ $(tun_count "$2") == 0 ]]
}

@test "SIGTERM: the server exits 0, and none of its processes or tuns remain" {
	server_with_clients
	stops_clean srv "$SRV" TERM
}

@test "SIGINT: the server exits 0, and none of its processes or tuns remain" {
	server_with_clients
	stops_clean srv "$SRV" INT
}

@test "SIGTERM: the client exits 0, and none of its processes nor its tun remain" {
	client_up
	stops_clean c1 "$C1" TERM
}

@test "SIGINT: the client exits 0, and none of its processes nor its tun remain" {
	client_up
	stops_clean c1 "$C1" INT
}

@test "SIGTERM is logged as the reason for exiting" {
	client_up
	jt_stop c1 TERM
	log_has c1 'TERM'
}

@test "SIGKILL of the server's parent: its forwarding children die with it and its tuns go" {
	server_with_clients
	jt_stop srv KILL
	wait_for 10 tree_gone srv
	wait_for 10 eval '[[ $(tun_count "$SRV") == 0 ]]'
}

@test "SIGKILL of the client's parent: its forwarding process dies with it and its tun goes" {
	client_up
	jt_stop c1 KILL
	wait_for 10 tree_gone c1
	wait_for 10 eval '[[ $(tun_count "$C1") == 0 ]]'
}

@test "SIGTERM of a server whose PROGs still run: the PROGs end too" {
	PROG_OPTS=linger server_with_clients
	local p1 p2
	p1=$(run_field srv pid "$(cid 1)")
	p2=$(run_field srv pid "$(cid 2)")
	proc_alive "$p1" && proc_alive "$p2"
	jt_stop srv TERM
	[[ $JT_STATUS == 0 ]]
	wait_for 10 tree_gone srv
	wait_for 10 pid_dead "$p1"
	wait_for 10 pid_dead "$p2"
}

@test "SIGKILL of the client's parent while its PROG still runs: no process of it outlives the parent" {
	PROG_OPTS=linger client_up
	local p
	p=$(run_field c1 pid)
	grep -q "^$p " "$T/c1.tree"
	jt_stop c1 KILL
	wait_for 10 tree_gone c1
	wait_for 10 eval '[[ $(tun_count "$C1") == 0 ]]'
}

@test "SIGKILL of the server's parent while PROGs still run: no process of it outlives the parent" {
	PROG_OPTS=linger server_with_clients
	grep -q "^$(run_field srv pid "$(cid 1)") " "$T/srv.tree"
	jt_stop srv KILL
	wait_for 10 tree_gone srv
	wait_for 10 eval '[[ $(tun_count "$SRV") == 0 ]]'
}

@test "a client left running after its server stopped keeps running, and its tun stays" {
	client_up -k 1
	jt_stop srv TERM
	sleep 2.5
	jt_alive c1
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 ]]
	[[ $(tun_count "$C1") == 1 ]]
}

# ------------------------------------------- SIGUSR1, SIGUSR2, start-up

# every_process NAME...: the PIDs and start times of jtunnels NAME and of
# their forwarding processes, one "PID START" a line.
every_process() {
	local name p
	for name in "$@"; do
		for p in "$(pid_of "$name")" $(jt_forks "$(pid_of "$name")"); do
			echo "$p $(starttime "$p")"
		done
	done
}

@test "SIGUSR1 and SIGUSR2 end no process of jtunnel: parents and forwarding processes run on, and traffic flows" {
	topo 2
	srv_start srv
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	local procs p s
	procs=$(every_process srv c1 c2)
	[[ $(wc -l <<<"$procs") == 7 ]] || fail "processes: $procs"
	while read -r p s; do
		kill -USR1 "$p"
		kill -USR2 "$p"
	done <<<"$procs"
	sleep 1
	while read -r p s; do
		proc_alive "$p" "$s" || fail "process $p ended"
	done <<<"$procs"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$C2" 198.19.2.1
	ping_ok "$SRV" 198.19.2.2
}

# storm_start STORM NAME...: SIGUSR1 and SIGUSR2, each every millisecond,
# at the process groups of jtunnels NAME (jtunnel and its forwarding
# processes; PROG has a group of its own), until storm_stop STORM.
storm_start() {
	local storm=$1 name groups=()
	shift
	for name in "$@"; do groups+=("$(pid_of "$name")"); done
	"$JT_PY" -c '
import os, signal, sys, time
end = time.monotonic() + 60
while time.monotonic() < end:
    for g in sys.argv[1:]:
        for sig in (signal.SIGUSR1, signal.SIGUSR2):
            try:
                os.killpg(int(g), sig)
            except ProcessLookupError:
                pass
    time.sleep(0.001)
' "${groups[@]}" 3>&- &
	record_pid "$storm" $!
}
storm_stop() {
	kill "$(pid_of "$1")"
	wait "$(pid_of "$1")" || true
}

@test "a storm of SIGUSR1 and SIGUSR2 while clients come up and go (forks on both ends) ends no process" {
	topo 2
	srv_start srv
	storm_start storm1 srv
	cli_start c1 1 -k 1
	cli_start c2 2 -k 1
	storm_start storm2 c1 c2
	tunnel_up 1
	tunnel_up 2
	# Client 2 forgotten and set up again: one more fork under the storm.
	disallow srv "$(cid 2)"
	kill -HUP "$(pid_of srv)"
	wait_for 10 eval '[[ $(jt_forks "$(pid_of srv)" | wc -l) == 1 ]]'
	allow srv "$(cid 2)"
	wait_for 10 eval '[[ $(run_count srv "$(cid 2)") == 2 ]]'
	wait_for 10 eval '[[ $(jt_forks "$(pid_of srv)" | wc -l) == 2 ]]'
	sleep 1
	storm_stop storm1
	storm_stop storm2
	jt_alive srv && jt_alive c1 && jt_alive c2 || fail "a jtunnel ended"
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 && $(jt_forks "$(pid_of c2)" | wc -l) == 1 ]] ||
		fail "a client lost its forwarding process"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$C2" 198.19.2.1
}

# slow_srv_start NAME: the server NAME under strace, which delays each ioctl
# of its start-up (the tun probe, two calls) by 0.4 s; returns once jtunnel
# (JT_CHILD, strace's child) holds the probe's tun open, in the middle of
# its start-up.
slow_srv_start() {
	# LeakSanitizer cannot run under ptrace: leaks are not looked for here.
	JT_EXEC="env ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=0 strace -o /dev/null
		-e trace=ioctl -e inject=ioctl:delay_enter=400000" NOWAIT=1 srv_start "$1"
	wait_for 10 probing "$1"
}
probing() {
	JT_CHILD=$(ps -o pid= --ppid "$(pid_of "$1")" | tr -d ' ')
	[[ -n $JT_CHILD ]] && ls -l "/proc/$JT_CHILD/fd" 2>/dev/null | grep -q /dev/net/tun
}

@test "SIGHUP, SIGUSR1 or SIGUSR2 during the server's start-up does not end it; SIGHUP is acted on" {
	command -v strace >/dev/null || skip "no strace"
	topo 1
	local sig
	for sig in HUP USR1 USR2; do
		slow_srv_start "srv$sig"
		kill -"$sig" "$JT_CHILD"
		wait_for 10 listening "$SRV" "$JT_CHILD" || fail "SIG$sig: no server"
		proc_alive "$JT_CHILD" || fail "SIG$sig ended the server"
		[[ $sig != HUP ]] || wait_log "srv$sig" 'reloaded'
		kill -TERM "$JT_CHILD"
		jt_wait_exit "srv$sig"
		[[ $JT_STATUS == 0 ]] || fail "SIG$sig: exit status $JT_STATUS"
	done
}

@test "SIGTERM during the server's start-up: it exits 0 and leaves no tun" {
	command -v strace >/dev/null || skip "no strace"
	topo 1
	slow_srv_start srv
	kill -TERM "$JT_CHILD"
	jt_wait_exit srv
	[[ $JT_STATUS == 0 ]] || fail "exit status $JT_STATUS"
	log_has srv 'exiting on SIGTERM'
	[[ $(tun_count "$SRV") == 0 ]]
}

# stop_waits NAME NS: with one forwarding process of jtunnel NAME stopped
# (SIGSTOP), SIGTERM to jtunnel, then SIGHUP during its wait: it has not
# exited while that process remains; once it may go on, it exits 0.
stop_waits() {
	local f
	f=$(jt_forks "$(pid_of "$1")" | head -n 1)
	kill -STOP "$f"
	kill -TERM "$(pid_of "$1")"
	sleep 0.5
	kill -HUP "$(pid_of "$1")"
	sleep 0.5
	jt_alive "$1" || fail "$1 exited while its forwarding process $f remained"
	kill -CONT "$f"
	jt_wait_exit "$1"
	[[ $JT_STATUS == 0 ]] || fail "exit status $JT_STATUS"
	tree_gone "$1" || fail "processes left at once after the exit"
	[[ $(tun_count "$2") == 0 ]]
}

@test "the server's shutdown really waits for its forwarding processes, through a signal meanwhile" {
	server_with_clients
	stop_waits srv "$SRV"
}

@test "the client's shutdown really waits for its forwarding process, through a signal meanwhile" {
	client_up
	stop_waits c1 "$C1"
}
