#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Roaming, NAT, restarts: the server follows each client's last address.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# move_client: client 1's underlay address changes from .2 to .3.
move_client() {
	ip -n "$C1" addr del 198.18.1.2/24 dev eth0
	ip -n "$C1" addr add 198.18.1.3/24 dev eth0
}

# ipv4_only NS...: the kernels there send nothing of their own into tuns.
ipv4_only() {
	local ns
	for ns; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
}

@test "the server follows a client whose address changes, as soon as its next data datagram arrives" {
	topo 1
	srv_start srv -v
	cli_start c1 1
	tunnel_up 1
	move_client
	# The client's ping is its next datagram; the reply must reach .3.
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	log_has srv '198\.18\.1\.3:[0-9]+'
}

@test "a keepalive alone moves the server's traffic to the client's new address" {
	topo 1
	ipv4_only "$SRV" "$C1"
	PROG_OPTS=no6 srv_start srv
	PROG_OPTS=no6 cli_start c1 1 -k 1
	tunnel_up 1
	move_client
	# Only the server sends: the client answers pings, but the server's
	# first ones go to the old address until a keepalive moves it.
	ping_ok "$SRV" 198.19.1.2 15
}

@test "with -v the server logs a client seen, moved (both addresses) and forgotten" {
	topo 1
	srv_start srv -v
	cli_start c1 1 -k 1
	tunnel_up 1
	grep -E "$(cid 1)" "$T/srv.log" | grep -Eq '198\.18\.1\.2:[0-9]+'
	move_client
	ping_ok "$C1" 198.19.1.1
	grep -E "$(cid 1)" "$T/srv.log" | grep -E '198\.18\.1\.2:[0-9]+' | grep -Eq '198\.18\.1\.3:[0-9]+' ||
		fail "no line with the client and both addresses"
	local before
	before=$(grep -c "$(cid 1)" "$T/srv.log")
	disallow srv "$(cid 1)"
	kill -HUP "$(pid_of srv)"
	wait_for 10 eval '(($(grep -c "$(cid 1)" "$T/srv.log") > before))'
}

@test "without -v a moving client is not logged" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	move_client
	ping_ok "$C1" 198.19.1.1
	sleep 0.5
	! log_has srv '198\.18\.1\.3' || fail "logged: $(grep 198.18.1.3 "$T/srv.log")"
}

@test "a client behind NAT reaches the server and the server reaches it" {
	topo_nat
	srv_start srv -v
	ADDR=198.18.100.2 cli_start c1 1
	tunnel_up 1
	# The server sees the router's address, not the client's.
	log_has srv '198\.18\.100\.1:[0-9]+'
	! log_has srv '198\.18\.1\.2'
}

@test "when the NAT's outside address changes, keepalives restore the tunnel" {
	topo_nat
	ipv4_only "$SRV" "$C1"
	PROG_OPTS=no6 srv_start srv -v
	PROG_OPTS=no6 ADDR=198.18.100.2 cli_start c1 1 -k 1
	tunnel_up 1
	# A new uplink lease: the masquerade entries die with the address.
	ip -n "$RTR" addr del 198.18.100.1/24 dev wan0
	ip -n "$RTR" addr add 198.18.100.3/24 dev wan0
	ping_ok "$SRV" 198.19.1.2 15
	log_has srv '198\.18\.100\.3:[0-9]+'
}

@test "when the NAT forgets its mapping (conntrack flushed), keepalives restore the tunnel" {
	topo_nat
	ipv4_only "$SRV" "$C1"
	PROG_OPTS=no6 srv_start srv
	PROG_OPTS=no6 ADDR=198.18.100.2 cli_start c1 1 -k 1
	tunnel_up 1
	ip netns exec "$RTR" conntrack -F 2>/dev/null
	ping_ok "$SRV" 198.19.1.2 15
	ping_ok "$C1" 198.19.1.1
}

@test "a restarted server is found again by its clients without any action" {
	server_and_two_clients
	jt_stop srv TERM
	[[ $JT_STATUS == 0 ]]
	[[ $(tun_count "$SRV") == 0 ]]
	srv_start srv2
	SLABEL=srv2 tunnel_up 1 15
	SLABEL=srv2 tunnel_up 2 15
	jt_alive c1
	jt_alive c2
}

@test "a restarted client (same identifier, new port) is followed at once" {
	topo 1
	srv_start srv -v
	cli_start c1 1
	tunnel_up 1
	jt_stop c1 TERM
	cli_start c1b 1
	CLABEL=c1b tunnel_up 1
	# Still the same server tun: the client moved, it was not set up anew.
	[[ $(run_count srv) == 1 ]]
}

@test "one identifier from two places at once: the newest source wins, nothing breaks" {
	topo 2
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	# A second client with client 1's identifier, on link 2.
	allow c2 "$SRV_ID"
	jt_start c2 "$C2" -i "$(cid 1)" -c "$T/conf/c2" -k 1 198.18.2.1 5151 "$T/prog.sh" c2 c 1
	wait_for 10 has_run c2
	sleep 2.5
	jt_alive srv
	[[ $(tun_count "$SRV") == 1 ]]
	[[ $(run_count srv) == 1 ]]
	# Whichever sent last is followed: the first one's pings, then the
	# second one's once the first is gone.
	ping_ok "$C1" 198.19.1.1
	jt_stop c1 TERM
	ping_ok "$C2" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}
