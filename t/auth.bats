#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Authorization: CONFDIR on both sides, SIGHUP, and the client's filter on
# where datagrams come from.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

@test "an unauthorized client gets nothing: no tun, no PROG, no reply datagram" {
	topo 1
	disallow srv "$(cid 1)"
	srv_start srv
	cap_start wire "$SRV" s1 udp port 5151
	cli_start c1 1 -k 1
	wait_for 10 has_run c1
	ping_fails "$C1" 198.19.1.1
	ping_fails "$C1" fd00:19:1::1
	cap_stop wire
	[[ $(tun_count "$SRV") == 0 ]]
	! has_run srv
	local up down
	up=$(wire_summary wire "$(cid 1)" dst 5151)
	down=$(wire_summary wire "$SRV_ID" src 5151)
	(($(field "$up" total) >= 3)) || fail "the client sent little: $up"
	[[ $(field "$down" total) == 0 ]] || fail "the server answered: $down"
	jt_alive srv
}

@test "creating a client's file in CONFDIR authorizes it at once, without restart or signal" {
	topo 1
	disallow srv "$(cid 1)"
	srv_start srv
	cli_start c1 1 -k 1
	wait_for 10 has_run c1
	ping_fails "$C1" 198.19.1.1
	[[ $(tun_count "$SRV") == 0 ]]
	allow srv "$(cid 1)"
	tunnel_up 1
	[[ $(run_count srv) == 1 ]]
}

@test "only a regular file authorizes: a directory of that name does not" {
	topo 2
	disallow srv "$(cid 1)"
	mkdir "$T/conf/srv/$(cid 1)"
	# A file of white space does, in plain mode.
	printf ' \n\t\n' >"$T/conf/srv/$(cid 2)"
	srv_start srv
	cli_start c1 1 -k 1
	cli_start c2 2 -k 1
	tunnel_up 2
	ping_fails "$C1" 198.19.1.1
	! has_run srv "$(cid 1)"
	[[ $(tun_count "$SRV") == 1 ]]
}

@test "a client whose file is removed keeps its tunnel until SIGHUP" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	disallow srv "$(cid 1)"
	sleep 1.5
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	link_exists "$SRV" "$(run_field srv idx)"
}

@test "SIGHUP forgets a client whose file is gone: its tun disappears and its forwarding process ends" {
	topo 2
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	local idx forks
	idx=$(run_field srv idx "$(cid 1)")
	forks=$(jt_forks "$(pid_of srv)")
	[[ -n $forks ]]
	disallow srv "$(cid 1)"
	kill -HUP "$(pid_of srv)"
	wait_for 10 eval '! link_exists "$SRV" '"$idx"
	local p
	for p in $forks; do
		wait_for 10 pid_dead "$p"
	done
	ping_fails "$C1" 198.19.1.1
	jt_alive srv
	wait_log srv 'reloaded'
}

@test "SIGHUP while CONFDIR cannot be read keeps every client and logs why" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	local idx
	idx=$(run_field srv idx "$(cid 1)")
	mv "$T/conf/srv" "$T/conf/srv.away"
	kill -HUP "$(pid_of srv)"
	wait_log srv "not reloaded: keeping every client: $T/conf/srv: No such file or directory"
	link_exists "$SRV" "$idx"
	ping_ok "$C1" 198.19.1.1
	mv "$T/conf/srv.away" "$T/conf/srv"
	kill -HUP "$(pid_of srv)"
	wait_log srv "reloaded $T/conf/srv: 0 clients forgotten, 1 remain"
	link_exists "$SRV" "$idx"
}

@test "SIGHUP leaves clients whose files remain untouched" {
	server_and_two_clients
	local idx2 forks left
	idx2=$(run_field srv idx "$(cid 2)")
	forks=$(jt_forks "$(pid_of srv)")
	disallow srv "$(cid 1)"
	kill -HUP "$(pid_of srv)"
	wait_for 10 eval '[[ $(tun_count "$SRV") == 1 ]]'
	link_exists "$SRV" "$idx2"
	# The one forwarding process left is one of before, not a new one
	# (PIDs may wrap, so the higher is not always client 2's).
	wait_for 10 eval '[[ $(jt_forks "$(pid_of srv)" | wc -l) == 1 ]]'
	left=$(jt_forks "$(pid_of srv)")
	grep -qx "$left" <<<"$forks" || fail "forwarding process $left is new; before: $forks"
	ping_ok "$C2" 198.19.2.1
	ping_ok "$SRV" 198.19.2.2
	[[ $(run_count srv "$(cid 2)") == 1 ]]
}

@test "after SIGHUP a forgotten client is unknown: its keepalives make no tun until its file returns" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	disallow srv "$(cid 1)"
	kill -HUP "$(pid_of srv)"
	wait_for 10 eval '[[ $(tun_count "$SRV") == 0 ]]'
	sleep 2.5
	[[ $(tun_count "$SRV") == 0 ]]
	[[ $(run_count srv) == 1 ]]
	allow srv "$(cid 1)"
	wait_for 10 eval '[[ $(run_count srv) == 2 ]]'
	tunnel_up 1
}

@test "SIGHUP with every file still there changes nothing" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	local idx
	idx=$(run_field srv idx)
	kill -HUP "$(pid_of srv)"
	wait_log srv 'reloaded'
	link_exists "$SRV" "$idx"
	ping_ok "$C1" 198.19.1.1
	[[ $(run_count srv) == 1 ]]
	jt_alive srv
}

@test "the client drops everything from a server it does not authorize, and SIGHUP re-checks" {
	topo 1
	disallow c1 "$SRV_ID"
	srv_start srv
	cli_start c1 1 -k 1
	wait_for 10 has_run srv "$(cid 1)"
	wait_for 10 has_run c1
	# The server gets the client's pings but the replies are dropped.
	ping_fails "$C1" 198.19.1.1
	ping_fails "$SRV" 198.19.1.2
	allow c1 "$SRV_ID"
	kill -HUP "$(pid_of c1)"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	jt_alive c1
}

@test "SIGHUP makes the client stop accepting a server whose file is gone" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	disallow c1 "$SRV_ID"
	kill -HUP "$(pid_of c1)"
	sleep 0.5
	ping_fails "$C1" 198.19.1.1
	ping_fails "$SRV" 198.19.1.2
	jt_alive c1
}

# The client tests below use a fake server (fake_setup in lib.bash).

@test "the client accepts a datagram from the server's ADDRESS and PORT with an authorized identifier" {
	fake_setup
	fake_send 198.18.1.1 5151 "$SRV_ID" good
	accepted good
}

@test "the client drops a datagram from the server's address but another port" {
	fake_setup
	fake_send 198.18.1.1 5152 "$SRV_ID" other-port
	dropped other-port
	fake_send 198.18.1.1 5151 "$SRV_ID" control
	accepted control
	jt_alive c1
}

@test "the client drops a datagram from another address with the server's port" {
	fake_setup
	fake_send 198.18.1.9 5151 "$SRV_ID" other-address
	dropped other-address
	fake_send 198.18.1.1 5151 "$SRV_ID" control
	accepted control
	jt_alive c1
}

@test "the client drops a datagram from the server's address and port with an unauthorized identifier" {
	fake_setup
	fake_send 198.18.1.1 5151 "$BAD_ID" bad-id
	dropped bad-id
	fake_send 198.18.1.1 5151 "$SRV_ID" control
	accepted control
	jt_alive c1
}

@test "the client drops datagrams shorter than 8 bytes and goes on" {
	fake_setup
	udp_send "$SRV" 198.18.1.1 5151 198.18.1.2 40001 - 01 0123 01234567890abc
	sleep 0.5
	jt_alive c1
	fake_send 198.18.1.1 5151 "$SRV_ID" control
	accepted control
}

@test "the client filters on the server's address over an IPv6 underlay too" {
	topo 1
	addr "$SRV" s1 fd00:18:1::9/64
	ADDR=fd00:18:1::1 cli_start c1 1 -p 40001 -k 0
	wait_for 10 has_run c1
	udp_listen l "$C1" 7777
	local pkt
	pkt=$(ipudp 198.19.1.1 198.19.1.2 9999 7777 wrong)
	udp_send "$SRV" fd00:18:1::9 5151 fd00:18:1::2 40001 "$SRV_ID$pkt"
	udp_send "$SRV" fd00:18:1::1 5152 fd00:18:1::2 40001 "$SRV_ID$pkt"
	dropped wrong
	pkt=$(ipudp 198.19.1.1 198.19.1.2 9999 7777 right)
	udp_send "$SRV" fd00:18:1::1 5151 fd00:18:1::2 40001 "$SRV_ID$pkt"
	accepted right
}

@test "a flood of unknown identifiers is checked against CONFDIR at a bounded rate, and clients are still served" {
	topo 2
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	# Count the server's file-system calls while 3000 datagrams with
	# random identifiers arrive.
	ip netns exec "$SRV" strace -f -qq -e trace=%file -o "$T/strace" -p "$(pid_of srv)" \
		2>"$T/strace.log" 3>&- &
	record_pid strace $!
	sleep 1
	udp_random "$C2" 198.18.2.2 40002 198.18.2.1 5151 3000 8 64
	sleep 1
	kill -INT "$(pid_of strace)"
	wait_for 10 pid_dead "$(pid_of strace)"
	local checks
	checks=$(grep -c . "$T/strace" || true)
	# At one read of CONFDIR a second this is a handful; one check per
	# datagram would be 3000.
	((checks < 50)) || fail "$checks file-system calls for 3000 unknown datagrams"
	# (and strace did see the checks it allowed)
	((checks >= 1)) || fail "strace saw nothing: $(cat "$T/strace.log")"
	[[ $(tun_count "$SRV") == 1 ]]
	ping_ok "$C1" 198.19.1.1
	# A new client is still let in after the flood.
	cli_start c2 2
	tunnel_up 2
}
