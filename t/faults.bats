#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Faults: lost forwarding processes, garbage on the wire, fatal errors, and
# what the log says.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# The server's forwarding child for client N (made when client N came up):
# jtunnel's forks are listed before and after, sorted as comm needs them
# (as text: by number, 10000 would come before 9999).
fork_before=""
note_forks() { fork_before=$(jt_forks "$(pid_of srv)" | sort); }
new_fork() {
	comm -13 <(echo "$fork_before") <(jt_forks "$(pid_of srv)" | sort)
}

two_clients() {
	topo 2
	JT_CANARY=1 srv_start srv
	note_forks
	cli_start c1 1
	tunnel_up 1
	F1=$(new_fork)
	note_forks
	cli_start c2 2
	tunnel_up 2
	F2=$(new_fork)
	[[ -n $F1 && -n $F2 && $F1 != "$F2" ]] || fail "forks: '$F1' '$F2'"
	IDX1=$(run_field srv idx "$(cid 1)")
	IDX2=$(run_field srv idx "$(cid 2)")
}

@test "a server's forwarding child killed: that client is torn down and logged, the server goes on" {
	two_clients
	local lines
	lines=$(wc -l <"$T/srv.log")
	kill -KILL "$F1"
	wait_for 10 eval '! link_exists "$SRV" "$IDX1"'
	jt_alive srv
	canary_alive srv
	# Something new is logged about client 1.
	wait_for 10 eval 'tail -n +$((lines + 1)) "$T/srv.log" | grep -q "$(cid 1)"'
}

@test "a server's forwarding child killed: the other clients are untouched" {
	two_clients
	kill -KILL "$F1"
	wait_for 10 eval '! link_exists "$SRV" "$IDX1"'
	link_exists "$SRV" "$IDX2"
	proc_alive "$F2"
	ping_ok "$C2" 198.19.2.1
	ping_ok "$SRV" 198.19.2.2
	[[ $(run_count srv "$(cid 2)") == 1 ]]
}

@test "a server's forwarding child killed: the client comes back on its next datagram" {
	two_clients
	kill -KILL "$F1"
	wait_for 10 eval '! link_exists "$SRV" "$IDX1"'
	# The client's ping is its next datagram.
	ping_ok "$C1" 198.19.1.1 15
	ping_ok "$SRV" 198.19.1.2
	[[ $(run_count srv "$(cid 1)") == 2 ]]
	[[ $(run_field srv idx "$(cid 1)") != "$IDX1" ]]
}

@test "the client's forwarding process killed: the client exits 1 and leaves nothing behind" {
	topo 1
	srv_start srv
	JT_CANARY=1 cli_start c1 1
	tunnel_up 1
	local forks
	forks=$(jt_forks "$(pid_of c1)")
	[[ $(wc -l <<<"$forks") == 1 ]]
	record_tree c1
	kill -KILL "$forks"
	jt_wait_exit c1
	canary_alive c1 || fail "jtunnel signalled its whole process group"
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	log_has c1 'forwarding process \(tun to UDP\) killed by signal 9; exiting'
	wait_for 10 tree_gone c1
	wait_for 10 eval '[[ $(tun_count "$C1") == 0 ]]'
}

@test "the client's forwarding process ended by SIGTERM still makes the client exit 1" {
	topo 1
	srv_start srv
	JT_CANARY=1 cli_start c1 1
	tunnel_up 1
	kill -TERM "$(jt_forks "$(pid_of c1)" | head -n 1)"
	jt_wait_exit c1
	canary_alive c1 || fail "jtunnel signalled its whole process group"
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
}

# garbage_check CAP: the server sent nothing to port 40002 (the garbage's
# source), still serves client 1 on the same tun, and made no new tun.
garbage_check() {
	cap_stop "$1"
	"$JT_PY" "$T/jt.py" list "$T/$1.pcap" >"$T/$1.list"
	# Columns: src sport dst dport length id
	[[ -z $(awk '$4 == 40002' "$T/$1.list") ]] || fail "replies: $(awk '$4 == 40002' "$T/$1.list")"
	jt_alive srv
	[[ $(tun_count "$SRV") == 1 ]]
	link_exists "$SRV" "$(run_field srv idx)"
	[[ $(run_count srv) == 1 ]]
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "datagrams shorter than 8 bytes get no reply and change nothing" {
	topo 2
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	cap_start g "$SRV" s2 udp
	udp_send "$C2" 198.18.2.2 40002 198.18.2.1 5151 - 00 0001 000102 00010203 0001020304 \
		000102030405 00010203040506 c0ffee
	udp_random "$C2" 198.18.2.2 40002 198.18.2.1 5151 200 0 7
	sleep 0.5
	garbage_check g
}

@test "random datagrams from unknown identifiers get no reply and change nothing" {
	topo 2
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	cap_start g "$SRV" s2 udp
	udp_random "$C2" 198.18.2.2 40002 198.18.2.1 5151 500 8 1500
	sleep 0.5
	garbage_check g
}

@test "garbage with an authorized identifier is dropped at the tun, and the tunnel goes on" {
	topo 2
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	local idx
	idx=$(run_field srv idx)
	# Client 1's identifier, then bytes that are no IP packet.
	udp_send "$C1" 198.18.1.2 40009 198.18.1.1 5151 \
		"$(cid 1)00" "$(cid 1)0000000000000000" "$(cid 1)ffffffffffffffffffffffffffffffffffffffffff" \
		"$(cid 1)4500ffff"
	udp_random "$C1" 198.18.1.2 40009 198.18.1.1 5151 100 1 100 "$(cid 1)00"
	sleep 0.5
	jt_alive srv
	link_exists "$SRV" "$idx"
	[[ $(run_count srv) == 1 ]]
	# The real client's next datagram brings the tunnel back to it.
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "the client drops garbage from its server that is no IP packet, and goes on" {
	fake_setup
	udp_send "$SRV" 198.18.1.1 5151 198.18.1.2 40001 \
		"${SRV_ID}00" "${SRV_ID}ffffffffffffffffffffffffffffffffffffffff" "${SRV_ID}4500ffff"
	sleep 0.5
	jt_alive c1
	fake_send 198.18.1.1 5151 "$SRV_ID" control
	accepted control
}

@test "a server that cannot bind its port exits 1 with an error" {
	topo 1
	srv_start srv
	NOWAIT=1 srv_start srv2
	jt_wait_exit srv2
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	log_has srv2 '^jtunnel: .*(bind|in use|5151)'
}

@test "a client that cannot open a tun exits 1 with an error" {
	topo 1
	srv_start srv
	JT_EXEC="setpriv --inh-caps=-net_admin --bounding-set=-net_admin" cli_start c1 1
	jt_wait_exit c1
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	log_has c1 '^jtunnel: .*(tun|permitted)'
	! has_run c1
}

@test "a client whose server is not there keeps running" {
	topo 1
	cli_start c1 1 -k 1
	wait_for 10 has_run c1
	ping_fails "$C1" 198.19.1.1
	sleep 1
	jt_alive c1
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 ]]
}

@test "every line jtunnel writes to stderr starts with 'jtunnel: '" {
	topo 1
	srv_start srv -v
	cli_start c1 1 -v -k 1
	tunnel_up 1
	jt_stop c1 TERM
	jt_stop srv TERM
	# PROG's own lines (prog: ...) share stderr; leave them out.
	! grep -v -e '^jtunnel: ' -e '^prog: ' "$T/srv.log" "$T/c1.log" ||
		fail "lines without the prefix"
	[[ ! -s $T/srv.out || -z $(grep -v '^prog: ' "$T/srv.out") ]]
}

@test "the server logs a client's tunnel coming up, naming its identifier, address and port" {
	topo 1
	srv_start srv
	cli_start c1 1 -p 40001
	tunnel_up 1
	grep "$(cid 1)" "$T/srv.log" | grep -q '198\.18\.1\.2:40001' ||
		fail "no such line in: $(cat "$T/srv.log")"
	grep "$(cid 1)" "$T/srv.log" | grep -q "$(run_field srv tun)"
}

@test "the server logs an IPv6 client's address with its port" {
	topo 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1 -p 40001
	tunnel_up 1
	grep "$(cid 1)" "$T/srv.log" | grep -q 'fd00:18:1::2.*40001' ||
		fail "no such line in: $(cat "$T/srv.log")"
}

@test "SIGHUP on the server is logged" {
	topo 1
	srv_start srv
	kill -HUP "$(pid_of srv)"
	wait_log srv 'reload'
	jt_alive srv
}
