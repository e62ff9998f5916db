#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The examples a user copies, run for real and not as copies:
# examples/server-up and examples/client-up as the PROGs of a real jtunnel
# server and real clients in namespaces, and examples/bird-ospf.conf in BIRD
# on both ends of a tunnel.

load lib

EX=$(cd "$BATS_TEST_DIRNAME/../examples" && pwd)

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# has_ptp NS LOCAL PEER: NS has the point-to-point address LOCAL peer PEER.
has_ptp() {
	ip -n "$1" -o addr show | grep -Eq " inet6? $2 peer $3/(32|128) "
}

# addr_like NS DEV PREFIX: DEV in NS has an address starting with PREFIX.
addr_like() {
	ip -n "$1" -o addr show dev "$2" | awk -v p="$3" 'index($4, p) == 1 { f = 1 } END { exit !f }'
}

# The tun in NS that holds address LOCAL.
tun_with() {
	ip -n "$1" -o addr show | awk -v a="$2" '$4 == a { print $2; exit }'
}

# lan NS ADDRESS...: a network behind the router NS, as on OpenWrt: a bridge
# br-lan holding the addresses, with one port (a veth pair) for a carrier.
lan() {
	local ns=$1 a
	shift
	ip -n "$ns" link add br-lan type bridge || return 1
	ip -n "$ns" link add lan0 type veth peer name lan0p || return 1
	ip -n "$ns" link set lan0 master br-lan
	for a in "$@"; do
		addr "$ns" br-lan "$a"
	done
	ip -n "$ns" link set lan0p up
	ip -n "$ns" link set lan0 up
	ip -n "$ns" link set br-lan up
}

# srv_examples [TABLE]: the server with examples/server-up and the table.
srv_examples() {
	jt_start srv "$SRV" -s -i "$SRV_ID" -c "$T/conf/srv" "$EX/server-up" "${1:-$T/clients}"
}

# cli_examples N ARGS...: client N with examples/client-up ARGS.
cli_examples() {
	local n=$1 v=C$1
	shift
	jt_start "c$n" "${!v}" -i "$(cid "$n")" -c "$T/conf/c$n" "$(u4 "$n" 1)" "$SRV_PORT" \
		"$EX/client-up" "$@"
}

@test "examples: server-up and client-up make a point-to-point link that IPv4 and IPv6 cross" {
	topo 1
	lan "$SRV" 198.19.0.1/24 # the server's network
	cat >"$T/clients" <<-EOF
		# a table as a user writes it
		$(cid 1)  198.19.1.1 198.19.1.2  fd00:19:1::1 fd00:19:1::2
	EOF
	srv_examples
	cli_examples 1 198.19.1.2 198.19.1.1 fd00:19:1::2 fd00:19:1::1 198.19.0.0/24

	wait_for 10 has_ptp "$C1" 198.19.1.2 198.19.1.1
	wait_for 10 has_ptp "$C1" fd00:19:1::2 fd00:19:1::1
	wait_for 10 has_ptp "$SRV" 198.19.1.1 198.19.1.2
	wait_for 10 has_ptp "$SRV" fd00:19:1::1 fd00:19:1::2
	ping_ok "$C1" 198.19.1.1
	ping_ok "$C1" fd00:19:1::1
	ping_ok "$SRV" 198.19.1.2
	ping_ok "$SRV" fd00:19:1::2
	# client-up's ROUTE argument: the server's network through the tunnel.
	ip -n "$C1" route show 198.19.0.0/24 | grep -q "via 198.19.1.1 dev tun"
	ping_ok "$C1" 198.19.0.1
	# Both scripts report what they did on jtunnel's standard output.
	grep -Eq "^server-up: tun[0-9]+ for client $(cid 1) is 198.19.1.1 and fd00:19:1::1$" "$T/srv.out"
	grep -Eq "^client-up: tun[0-9]+ is 198.19.1.2 and fd00:19:1::2$" "$T/c1.out"
	run ! log_has srv 'PROG'
	run ! log_has c1 'PROG'
}

@test "examples: server-up gives each client the addresses and routes of its own table line" {
	topo 2
	lan "$C2" 198.19.32.1/24 fd00:19:32::1/64 # the network behind client 2
	# Client 1's identifier in upper case: the table takes either case.
	cat >"$T/clients" <<-EOF
		# ID  IPV4-LOCAL IPV4-PEER IPV6-LOCAL IPV6-PEER [ROUTE ...]
		$(cid 2)  198.19.2.1 198.19.2.2  fd00:19:2::1 fd00:19:2::2  198.19.32.0/24 fd00:19:32::/64

		$(cid 1 | tr a-f A-F)  198.19.1.1 198.19.1.2  - -
	EOF
	srv_examples
	cli_examples 1 198.19.1.2 198.19.1.1 - -
	cli_examples 2 198.19.2.2 198.19.2.1 fd00:19:2::2 fd00:19:2::1

	wait_for 10 has_ptp "$SRV" 198.19.1.1 198.19.1.2
	wait_for 10 has_ptp "$SRV" 198.19.2.1 198.19.2.2
	wait_for 10 has_ptp "$SRV" fd00:19:2::1 fd00:19:2::2
	# Each line went to its own client's tun, and "-" left IPv6 out.
	local tun1 tun2
	tun1=$(tun_with "$SRV" 198.19.1.1)
	tun2=$(tun_with "$SRV" 198.19.2.1)
	[ -n "$tun1" ] && [ -n "$tun2" ] && [ "$tun1" != "$tun2" ]
	run ! addr_like "$SRV" "$tun1" fd00:
	ping_ok "$C1" 198.19.1.1
	ping_ok "$C2" 198.19.2.1
	ping_ok "$C2" fd00:19:2::1
	# Client 2's routes go through client 2's tun.
	ip -n "$SRV" route show 198.19.32.0/24 | grep -q "via 198.19.2.2 dev $tun2 "
	ip -n "$SRV" -6 route show fd00:19:32::/64 | grep -q "via fd00:19:2::2 dev $tun2 "
	ping_ok "$SRV" 198.19.32.1
	ping_ok "$SRV" fd00:19:32::1
}

@test "examples: server-up leaves a client missing from its table unconfigured, and jtunnel says so" {
	topo 1
	cat >"$T/clients" <<-EOF
		$(cid 7)  198.19.7.1 198.19.7.2  fd00:19:7::1 fd00:19:7::2
	EOF
	srv_examples
	cli_examples 1 198.19.1.2 198.19.1.1 fd00:19:1::2 fd00:19:1::1

	wait_log srv "PROG $EX/server-up for .*tun[0-9]+.* exited with status 1"
	log_has srv "server-up: client $(cid 1) is not in $T/clients; tun[0-9]+ left unconfigured"
	# The tunnel stays, without addresses.
	[ "$(tun_count "$SRV")" -eq 1 ]
	run ! addr_like "$SRV" "$(tun_names "$SRV")" 198.19.
	run ! addr_like "$SRV" "$(tun_names "$SRV")" fd00:19:
	# The client's side is configured all the same.
	has_ptp "$C1" 198.19.1.2 198.19.1.1
	jt_alive srv
}

# bird_start NAME NS ROUTER_ID: BIRD in NS with the example snippet
# included, exporting what OSPF learns to the kernel.
bird_start() {
	local name=$1 ns=$2 id=$3
	cat >"$T/$name.conf" <<-EOF
		log "$T/$name.log" all;
		router id $id;
		protocol device { }
		protocol kernel { ipv4 { export all; }; }
		protocol kernel { ipv6 { export all; }; }
		include "$EX/bird-ospf.conf";
	EOF
	bird_run "$name" "$ns"
}

# route_via_tun NS ADDRESS: NS routes ADDRESS through a tun, learned by BIRD.
route_via_tun() {
	local family=-4
	[[ $2 == *:* ]] && family=-6
	ip -n "$1" "$family" route show match "$2" | grep -Eq "dev tun[0-9]+ proto bird"
}

@test "examples: BIRD with bird-ospf.conf on both ends learns routes across the tunnel" {
	command -v bird >/dev/null || { echo "bird is not installed (Debian package bird2)" >&2; false; }
	topo 1
	lan "$SRV" 198.19.200.1/24 fd00:19:200::1/64 # the server's LAN
	cat >"$T/clients" <<-EOF
		$(cid 1)  198.19.1.1 198.19.1.2  fd00:19:1::1 fd00:19:1::2
	EOF
	srv_examples
	cli_examples 1 198.19.1.2 198.19.1.1 fd00:19:1::2 fd00:19:1::1
	wait_for 10 has_ptp "$SRV" 198.19.1.1 198.19.1.2
	wait_for 10 has_ptp "$C1" 198.19.1.2 198.19.1.1
	ping_ok "$C1" 198.19.1.1

	bird_start bird-srv "$SRV" 198.19.200.1
	bird_start bird-c1 "$C1" 198.19.1.2
	# OSPF's hellos go to 224.0.0.5 and ff02::5: the routes appear only if
	# multicast crosses the tunnel both ways and the adjacencies form.
	wait_for 90 route_via_tun "$C1" 198.19.200.1
	ping_ok "$C1" 198.19.200.1
	wait_for 90 route_via_tun "$C1" fd00:19:200::1
	ping_ok "$C1" fd00:19:200::1
}
