#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Faults from around jtunnel: its tun set down, stripped of its address or
# deleted under it; its peer gone (ICMP port unreachable); its own underlay
# address gone; a firewall refusing its datagrams; a PROG that hangs or
# ignores SIGTERM; file descriptors running out.  (t/faults.bats covers
# lost forwarding processes and garbage on the wire; t/roaming.bats
# restarts, NAT and one identifier used from two places; t/privilege.bats
# an unreadable CONFDIR.)

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# up1: client 1's tunnel, IPv4 inside only (IPv6 addresses do not survive
# a link set down), with keepalives every second.
up1() {
	PROG_OPTS=no6 srv_start srv
	PROG_OPTS=no6 cli_start c1 1 -k 1
	tunnel_up 1
}

# rx_dropped NS IF: packets the interface dropped on receipt (for a tun:
# writes into it that the kernel refused).
rx_dropped() { ip -n "$1" -j -s link show dev "$2" | jq '.[0].stats64.rx.dropped'; }

# The forwarding processes of jtunnel NAME, one line.
forks_of() { jt_forks "$(pid_of "$1")" | sort -n | tr '\n' ' '; }

# alive_as_before: server and client 1 run, with the same forwarding
# processes as when $FORKS_SRV and $FORKS_C1 were taken, and the server
# ran PROG only once (its tunnel was never set up anew).
alive_as_before() {
	jt_alive srv && jt_alive c1 || fail "a jtunnel exited"
	[[ $(forks_of srv) == "$FORKS_SRV" ]] || fail "server forks: $FORKS_SRV -> $(forks_of srv)"
	[[ $(forks_of c1) == "$FORKS_C1" ]] || fail "client forks: $FORKS_C1 -> $(forks_of c1)"
	[[ $(run_count srv) == 1 ]] || fail "the server set the tunnel up again: $(prog_runs srv)"
}
note_forks() {
	FORKS_SRV=$(forks_of srv)
	FORKS_C1=$(forks_of c1)
}

# tun_down_and_up NAME NS OTHER_NS ADDR OTHER_ADDR: sets jtunnel NAME's tun
# (in NS) down: pings from OTHER_NS to ADDR fail, the tun refuses the writes,
# nothing dies; set up again, pings cross both ways.
tun_down_and_up() {
	local tun dropped
	tun=$(run_field "$1" tun)
	dropped=$(rx_dropped "$2" "$tun")
	ip -n "$2" link set "$tun" down
	ping_fails "$3" "$4"
	(($(rx_dropped "$2" "$tun") > dropped)) || fail "the tun refused no write"
	alive_as_before
	ip -n "$2" link set "$tun" up
	ping_ok "$3" "$4"
	ping_ok "$2" "$5"
	alive_as_before
}

@test "the server's tun set down: writes into it fail, nothing dies, and pings resume once it is up again" {
	topo 1
	up1
	note_forks
	tun_down_and_up srv "$SRV" "$C1" 198.19.1.1 198.19.1.2
}

@test "the client's tun set down: writes into it fail, the client does not exit, and pings resume once it is up again" {
	topo 1
	up1
	note_forks
	tun_down_and_up c1 "$C1" "$SRV" 198.19.1.2 198.19.1.1
}

@test "the server's tun stripped of its address while pings flow: nothing dies, and pings resume once it is back" {
	topo 1
	up1
	note_forks
	local tun
	tun=$(run_field srv tun)
	ip netns exec "$C1" ping -i 0.05 -w 30 -q 198.19.1.1 >"$T/ping.out" 2>&1 3>&- &
	record_pid ping $!
	sleep 0.5
	ip -n "$SRV" addr del 198.19.1.1/24 dev "$tun"
	ping_fails "$C1" 198.19.1.1
	ip -n "$SRV" addr add 198.19.1.1/24 dev "$tun"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	kill -INT "$(pid_of ping)"
	alive_as_before
}

@test "a client's tun deleted on the server: that client alone is torn down, logged, and set up again by its next datagram" {
	PROG_OPTS=no6 server_and_two_clients
	local tun1 idx2
	tun1=$(run_field srv tun "$(cid 1)")
	idx2=$(run_field srv idx "$(cid 2)")
	ip -n "$SRV" link del "$tun1"
	wait_log srv "client $(cid 1) .*closed"
	# Back with a new tun on its next keepalive (one a second).
	wait_for 10 eval '[[ $(run_count srv "$(cid 1)") == 2 ]]'
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	# Client 2 never noticed.
	[[ $(run_count srv "$(cid 2)") == 1 ]]
	link_exists "$SRV" "$idx2"
	ping_ok "$C2" 198.19.2.1
	jt_alive srv
	jt_alive c1
	jt_alive c2
}

@test "the client's tun deleted under it: the client exits 1, so that a supervisor restarts it, and leaves no process behind" {
	topo 1
	up1
	record_tree c1
	ip -n "$C1" link del "$(run_field c1 tun)"
	jt_wait_exit c1
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	wait_for 10 tree_gone c1
	jt_alive srv
}

@test "a client gone without a word (killed, its port closed): the server's datagrams to it draw ICMP port unreachable, and the server goes on serving others" {
	PROG_OPTS=no6 server_and_two_clients
	local forks
	forks=$(forks_of srv)
	record_tree c1
	kill -KILL "$(pid_of c1)"
	wait_for 10 tree_gone c1
	cap_start icmp "$SRV" s1 icmp
	# Traffic from the server into the dead client's tunnel, a while.
	ip netns exec "$SRV" ping -c 20 -i 0.05 -W 1 -q 198.19.1.2 >/dev/null 2>&1 || true
	cap_stop icmp
	local unreachable
	unreachable=$(tcpdump -nr "$T/icmp.pcap" 'icmp[0] == 3 and icmp[1] == 3' 2>/dev/null | wc -l)
	((unreachable > 0)) || fail "no ICMP port unreachable came back"
	jt_alive srv
	[[ $(forks_of srv) == "$forks" ]] || fail "server forks: $forks -> $(forks_of srv)"
	ping_ok "$C2" 198.19.2.1
	ping_ok "$SRV" 198.19.2.2
	# And client 1, back on a new port, is followed at once.
	PROG_OPTS=no6 cli_start c1b 1 -k 1
	ping_ok "$SRV" 198.19.1.2
	[[ $(run_count srv "$(cid 1)") == 1 ]]
}

@test "the server's underlay address removed and restored: its sends fail meanwhile, nothing dies, and traffic resumes" {
	topo 1
	up1
	note_forks
	ip -n "$SRV" addr del 198.18.1.1/24 dev s1
	ping_fails "$SRV" 198.19.1.2
	ping_fails "$C1" 198.19.1.1
	alive_as_before
	addr "$SRV" s1 198.18.1.1/24
	ping_ok "$SRV" 198.19.1.2
	ping_ok "$C1" 198.19.1.1
	alive_as_before
}

# firewall NS PORT: drops (and counts) every UDP datagram NS sends to or
# from PORT, so that sendto fails with EPERM.
firewall() {
	ip netns exec "$1" nft -f - <<-EOF
		table inet jtfault {
			chain out {
				type filter hook output priority 0; policy accept;
				udp sport $2 counter drop
				udp dport $2 counter drop
			}
		}
	EOF
}
firewall_hits() {
	ip netns exec "$1" nft -j list table inet jtfault |
		jq '[.nftables[] | .rule? | select(.) | .expr[] | .counter? | select(.) | .packets] | add'
}

@test "a firewall that refuses the tunnel's datagrams on both ends (send fails with EPERM): nothing dies, and traffic resumes when it goes" {
	topo 1
	up1
	note_forks
	firewall "$SRV" 5151
	firewall "$C1" 5151
	ping_fails "$SRV" 198.19.1.2
	ping_fails "$C1" 198.19.1.1
	sleep 1	# a keepalive or two refused as well
	(($(firewall_hits "$SRV") > 0)) || fail "the server sent nothing into the firewall"
	(($(firewall_hits "$C1") > 0)) || fail "the client sent nothing into the firewall"
	alive_as_before
	ip netns exec "$SRV" nft delete table inet jtfault
	ip netns exec "$C1" nft delete table inet jtfault
	ping_ok "$SRV" 198.19.1.2
	ping_ok "$C1" 198.19.1.1
	alive_as_before
}

# The hanging PROG: hang.sh LABEL s|c N: the test PROG's work, then sleep
# 1000 in the background, waited for; SIGTERM is recorded in
# $T/prog/LABEL.hang.term and ends it (and its sleep).
write_hang() {
	cat >"$T/hang.sh" <<-EOF
		#!/bin/bash
		"$T/prog.sh" "\$@" no6 || exit
		echo \$\$ >"$T/prog/\$1.hang.pid"
		sleep 1000 &
		trap 'echo TERM >>"$T/prog/\$1.hang.term"; kill \$!; exit 0' TERM
		wait
	EOF
	chmod +x "$T/hang.sh"
}

# hang_then_stop NAME NS: jtunnel NAME runs the hanging PROG; on SIGTERM it
# exits 0, PROG gets SIGTERM and ends, and no tun is left in NS.
hang_then_stop() {
	tunnel_up 1
	local pid
	wait_for 10 test -s "$T/prog/$1.hang.pid"
	pid=$(<"$T/prog/$1.hang.pid")
	proc_alive "$pid"
	jt_stop "$1" TERM
	[[ $JT_STATUS == 0 ]] || fail "exit status $JT_STATUS"
	wait_for 10 test -s "$T/prog/$1.hang.term"
	wait_for 10 pid_dead "$pid"
	[[ $(tun_count "$2") == 0 ]]
}

@test "a server PROG that hangs (sleep 1000) holds nothing up: the tunnel works, and on SIGTERM the server exits 0 and PROG gets SIGTERM" {
	topo 1
	write_hang
	PROG=$T/hang.sh srv_start srv
	PROG_OPTS=no6 cli_start c1 1
	hang_then_stop srv "$SRV"
}

@test "a client PROG that hangs (sleep 1000) holds nothing up: the tunnel works, and on SIGTERM the client exits 0 and PROG gets SIGTERM" {
	topo 1
	write_hang
	PROG_OPTS=no6 srv_start srv
	PROG=$T/hang.sh cli_start c1 1
	hang_then_stop c1 "$C1"
}

@test "the processes a PROG started get SIGTERM with it when jtunnel exits (PROG leads its own process group)" {
	topo 1
	cat >"$T/parent.sh" <<-EOF
		#!/bin/bash
		"$T/prog.sh" "\$@" no6 || exit
		sleep 1000 &
		echo \$! >"$T/prog/\$1.sleep.pid"
		wait
	EOF
	chmod +x "$T/parent.sh"
	PROG_OPTS=no6 srv_start srv
	PROG=$T/parent.sh cli_start c1 1
	tunnel_up 1
	wait_for 10 test -s "$T/prog/c1.sleep.pid"
	local pid
	pid=$(<"$T/prog/c1.sleep.pid")
	proc_alive "$pid"
	jt_stop c1 TERM
	[[ $JT_STATUS == 0 ]] || fail "exit status $JT_STATUS"
	wait_for 10 pid_dead "$pid"
}

@test "a PROG that ignores SIGTERM does not hold up jtunnel's exit: server and client exit 0 on SIGTERM and their tuns go" {
	topo 1
	cat >"$T/deaf.sh" <<-EOF
		#!/bin/bash
		trap '' TERM
		"$T/prog.sh" "\$@" no6 || exit
		echo \$\$ >"$T/prog/\$1.deaf.pid"
		exec sleep 1000
	EOF
	chmod +x "$T/deaf.sh"
	PROG=$T/deaf.sh srv_start srv
	PROG=$T/deaf.sh cli_start c1 1
	tunnel_up 1
	record_tree srv
	record_tree c1
	jt_stop c1 TERM
	[[ $JT_STATUS == 0 ]] || fail "client exit status $JT_STATUS"
	jt_stop srv TERM
	[[ $JT_STATUS == 0 ]] || fail "server exit status $JT_STATUS"
	[[ $(tun_count "$SRV") == 0 && $(tun_count "$C1") == 0 ]]
	# (The PROGs themselves, deaf to SIGTERM, may linger; teardown kills
	# what is left in the namespaces.)
	local n=0 p
	for p in $(cat "$T/prog/"*.deaf.pid); do
		proc_alive "$p" && n=$((n + 1))
	done
	echo "# PROGs that ignored SIGTERM and outlived jtunnel: $n of 2" >&3
}

@test "a server out of file descriptors refuses a new client with a log line and goes on; the newcomer gets in once a client is forgotten" {
	topo 3
	PROG_OPTS=no6 srv_start srv
	# Room for two clients (a tun and a control pipe each, and two more
	# for the pipe of one setup at a time), not three: the limit is set on
	# the running server so that exactly 6 descriptor numbers below it are
	# free (it may hold inherited ones).
	local pid limit=0 free=0
	pid=$(pid_of srv)
	while ((free < 6)); do
		[[ -e /proc/$pid/fd/$limit ]] || free=$((free + 1))
		limit=$((limit + 1))
	done
	prlimit --pid "$pid" --nofile=$limit:$limit
	PROG_OPTS=no6 cli_start c1 1 -k 1
	tunnel_up 1
	PROG_OPTS=no6 cli_start c2 2 -k 1
	tunnel_up 2
	PROG_OPTS=no6 cli_start c3 3 -k 1
	wait_for 10 has_run c3
	wait_log srv "client $(cid 3).*(Too many open files|No file descriptors available)"
	sleep 1
	jt_alive srv
	! has_run srv "$(cid 3)" || fail "client 3 set up: $(prog_runs srv)"
	[[ $(tun_count "$SRV") == 2 ]] || fail "tuns: $(tun_names "$SRV")"
	ping_fails "$C3" 198.19.3.1
	ping_ok "$C1" 198.19.1.1
	ping_ok "$C2" 198.19.2.1
	# Client 1 forgotten: client 3 takes its place on its next keepalive.
	disallow srv "$(cid 1)"
	kill -HUP "$pid"
	tunnel_up 3 15
	ping_ok "$C2" 198.19.2.1
	jt_alive srv
}
