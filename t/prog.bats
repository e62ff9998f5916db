#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# What PROG sees, and how jtunnel treats it.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# env_of LABEL: the environment file of LABEL's last run.
env_of() { echo "$T/prog/$1.$(run_field "$1" tun).env"; }

@test "the server's PROG gets TUN_DEV_NAME (the new tun) and TUN_CLIENT_ID (the client, lower case)" {
	topo 2
	srv_start srv
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	local id tun
	for id in "$(cid 1)" "$(cid 2)"; do
		tun=$(run_field srv tun "$id")
		[[ $tun == tun* ]]
		ip -n "$SRV" -o link show dev "$tun" | grep -q POINTOPOINT
		grep -qx "TUN_DEV_NAME=$tun" "$T/prog/srv.$tun.env"
		grep -qx "TUN_CLIENT_ID=$id" "$T/prog/srv.$tun.env"
	done
	[[ $(run_field srv tun "$(cid 1)") != $(run_field srv tun "$(cid 2)") ]]
}

@test "the client's PROG gets TUN_DEV_NAME and no TUN_CLIENT_ID" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local tun
	tun=$(run_field c1 tun)
	ip -n "$C1" -o link show dev "$tun" | grep -q POINTOPOINT
	grep -qx "TUN_DEV_NAME=$tun" "$(env_of c1)"
	! grep -q '^TUN_CLIENT_ID=' "$(env_of c1)"
}

@test "PROG's stdin is /dev/null even when jtunnel's is not" {
	topo 1
	echo "not for PROG" >"$T/stdin"
	JT_STDIN=$T/stdin srv_start srv
	JT_STDIN=$T/stdin cli_start c1 1
	tunnel_up 1
	[[ $(run_field srv stdin) == /dev/null ]] || fail "server PROG stdin: $(run_field srv stdin)"
	[[ $(run_field c1 stdin) == /dev/null ]] || fail "client PROG stdin: $(run_field c1 stdin)"
}

@test "PROG's stdout and stderr are jtunnel's" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	grep -q '^prog: srv stdout for tun' "$T/srv.out"
	grep -q '^prog: srv stderr for tun' "$T/srv.log"
	grep -q '^prog: c1 stdout for tun' "$T/c1.out"
	grep -q '^prog: c1 stderr for tun' "$T/c1.log"
}

@test "PROG is found through PATH" {
	topo 1
	PATH=$T:$PATH PROG=jtprog srv_start srv
	PATH=$T:$PATH PROG=jtprog cli_start c1 1
	tunnel_up 1
}

@test "PROG runs once the tun exists and has its MTU" {
	topo 1
	srv_start srv -m 1300
	cli_start c1 1 -m 1280
	tunnel_up 1
	[[ $(run_field srv mtu) == 1300 ]]
	[[ $(run_field c1 mtu) == 1280 ]]
	[[ -n $(run_field srv idx) && -n $(run_field c1 idx) ]]
}

@test "the server runs PROG once per tun, not once per datagram" {
	server_and_two_clients
	# Keepalives and pings keep coming; no new tun, no new PROG.
	sleep 2
	ping_ok "$C1" 198.19.1.1
	[[ $(run_count srv "$(cid 1)") == 1 ]]
	[[ $(run_count srv "$(cid 2)") == 1 ]]
	[[ $(run_count c1) == 1 ]]
	[[ $(tun_count "$SRV") == 2 ]]
}

@test "forwarding does not wait for PROG: pings cross while PROG still runs" {
	topo 1
	PROG_OPTS=linger srv_start srv
	PROG_OPTS=linger cli_start c1 1
	tunnel_up 1
	proc_alive "$(run_field srv pid)"
	proc_alive "$(run_field c1 pid)"
}

@test "jtunnel reaps PROG: no zombie is left once it exits" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local p
	for p in "$(run_field srv pid)" "$(run_field c1 pid)"; do
		wait_for 10 eval "[[ ! -e /proc/$p ]]"
	done
}

@test "a server PROG that exits non-zero is logged with its status, and the tunnel works" {
	topo 1
	PROG_OPTS=exit=3 srv_start srv
	cli_start c1 1
	tunnel_up 1
	wait_log srv 'status 3'
	ping_ok "$C1" 198.19.1.1
	jt_alive srv
}

@test "a client PROG that exits non-zero is logged with its status, and the tunnel works" {
	topo 1
	srv_start srv
	PROG_OPTS=exit=7 cli_start c1 1
	tunnel_up 1
	wait_log c1 'status 7'
	ping_ok "$C1" 198.19.1.1
	jt_alive c1
}

@test "a PROG killed by a signal is logged" {
	topo 1
	PROG_OPTS=selfkill=USR1 srv_start srv
	cli_start c1 1
	tunnel_up 1
	wait_log srv 'signal'
	jt_alive srv
}

# configure_by_hand NAME NS ADDR: after jtunnel NAME logged that its PROG
# could not start, gives its tun in NS the overlay address ADDR; then the
# tunnel forwards both ways.
configure_by_hand() {
	local ns=$2 tun
	wait_log "$1" 'no-such-prog'
	wait_for 10 eval '[[ $(tun_count "$ns") == 1 ]]'
	tun=$(tun_names "$ns")
	ip -n "$2" addr add "$3/24" dev "$tun"
	ip -n "$2" link set "$tun" up
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	jt_alive "$1"
}

# An executable PROG that exec still cannot start: its interpreter is
# missing.  (A PROG missing at start is a fatal error; see cli.bats.)
no_such_prog() {
	printf '#!/no/such/interpreter\n' >"$T/no-such-prog"
	chmod +x "$T/no-such-prog"
}

@test "a server PROG that cannot be started is logged, and the tunnel still forwards" {
	topo 1
	no_such_prog
	PROG=$T/no-such-prog srv_start srv
	cli_start c1 1
	configure_by_hand srv "$SRV" 198.19.1.1
}

@test "a client PROG that cannot be started is logged, and the tunnel still forwards" {
	topo 1
	no_such_prog
	srv_start srv
	PROG=$T/no-such-prog cli_start c1 1
	configure_by_hand c1 "$C1" 198.19.1.2
}

# prog_termed_by NAME COMMAND...: the lingering PROG of jtunnel NAME runs;
# after COMMAND it receives SIGTERM and ends.
prog_termed_by() {
	local name=$1 tun pid
	shift
	tun=$(run_field "$name" tun)
	pid=$(run_field "$name" pid)
	proc_alive "$pid"
	"$@"
	wait_for 10 test -s "$T/prog/$name.$tun.term"
	wait_for 10 pid_dead "$pid"
}

@test "a server PROG still running when SIGHUP forgets its client receives SIGTERM" {
	topo 1
	PROG_OPTS=linger srv_start srv
	cli_start c1 1
	tunnel_up 1
	disallow srv "$(cid 1)"
	prog_termed_by srv kill -HUP "$(pid_of srv)"
}

@test "a client PROG still running when the client gets SIGTERM receives SIGTERM" {
	topo 1
	srv_start srv
	PROG_OPTS=linger cli_start c1 1
	tunnel_up 1
	prog_termed_by c1 jt_stop c1 TERM
}

@test "a server PROG still running when the server gets SIGTERM receives SIGTERM" {
	topo 1
	PROG_OPTS=linger srv_start srv
	cli_start c1 1
	tunnel_up 1
	prog_termed_by srv jt_stop srv TERM
}

# fdprog LABEL ...: a PROG that records its PID in $T/prog/fd.LABEL.pid and
# becomes a sleep, so that what it inherited can be read from /proc (a shell
# holds its script open; sleep holds nothing of its own).
write_fdprog() {
	cat >"$T/fdprog" <<-EOF2
		#!/bin/sh
		echo \$\$ >"$T/prog/fd.\$1.pid"
		exec sleep 60
	EOF2
	chmod +x "$T/fdprog"
}

# The descriptors of process PID, once it runs sleep: "0 1 2".
fds_of() {
	[[ $(readlink "/proc/$1/exe") == */sleep ]] || return 1
	ls "/proc/$1/fd" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# JT_WRAP: jtunnel is started with descriptors 7 (a file) and 9 open.
EXTRA_FDS="exec 7</etc/hostname 9>/dev/null"

@test "PROG inherits descriptors 0, 1 and 2 only, even when jtunnel was started with more (server and client)" {
	write_fdprog
	topo 1
	JT_WRAP=$EXTRA_FDS PROG=$T/fdprog srv_start srv
	JT_WRAP=$EXTRA_FDS PROG=$T/fdprog cli_start c1 1
	local pid f
	wait_for 10 eval '[[ $(ls "$T"/prog/fd.*.pid 2>/dev/null | wc -l) == 2 ]]'
	for f in "$T"/prog/fd.*.pid; do
		pid=$(<"$f")
		wait_for 10 fds_of "$pid"
		[[ $(fds_of "$pid") == "0 1 2" ]] || fail "PROG $pid has descriptors $(fds_of "$pid"): $(ls -l /proc/"$pid"/fd)"
	done
	# jtunnel itself let go of what it inherited.
	for pid in "$(pid_of srv)" "$(pid_of c1)"; do
		! ls -l "/proc/$pid/fd" | grep -q /etc/hostname || fail "jtunnel $pid kept descriptor 7"
	done
}
