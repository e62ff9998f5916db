#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The tunnel itself: traffic both ways over both underlays, MTUs, binding,
# ports, host names, the process shape.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

@test "pings cross the tunnel both ways over an IPv4 underlay" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "pings cross the tunnel both ways over an IPv6 underlay" {
	topo 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "IPv6 packets cross the tunnel both ways over an IPv4 underlay" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	ping_ok "$C1" fd00:19:1::1
	ping_ok "$SRV" fd00:19:1::2
}

@test "IPv6 packets cross the tunnel both ways over an IPv6 underlay" {
	topo 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	ping_ok "$C1" fd00:19:1::1
	ping_ok "$SRV" fd00:19:1::2
}

@test "TCP streams cross the tunnel intact both ways, IPv4 and IPv6 inside, cut by jtunnel from the segments the tun hands over" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	tcp_crosses_both_ways 1
}

@test "the tun MTU defaults to 1464 on both ends over IPv4" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	[[ $(mtu_of "$C1" "$(run_field c1 tun)") == 1464 ]]
	[[ $(mtu_of "$SRV" "$(run_field srv tun)") == 1464 ]]
}

@test "each tun queues up to 1000 packets for jtunnel to read, on both ends" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local ns dev
	for ns in "$C1:$(run_field c1 tun)" "$SRV:$(run_field srv tun)"; do
		dev=${ns#*:}
		ns=${ns%%:*}
		[[ $(ip -n "$ns" -j link show dev "$dev" | jq '.[0].txqlen') == 1000 ]] ||
			fail "$dev in $ns: $(ip -n "$ns" link show dev "$dev")"
	done
}

@test "the tun MTU defaults to 1444 on both ends over IPv6" {
	topo 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	[[ $(mtu_of "$C1" "$(run_field c1 tun)") == 1444 ]]
	[[ $(mtu_of "$SRV" "$(run_field srv tun)") == 1444 ]]
}

@test "a dual-stack server gives an IPv4 client MTU 1464 and an IPv6 client 1444" {
	topo 2
	srv_start srv
	cli_start c1 1
	ADDR=fd00:18:2::1 cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	[[ $(mtu_of "$SRV" "$(run_field srv tun "$(cid 1)")") == 1464 ]]
	[[ $(mtu_of "$SRV" "$(run_field srv tun "$(cid 2)")") == 1444 ]]
	[[ $(mtu_of "$C2" "$(run_field c2 tun)") == 1444 ]]
}

@test "full-size packets (1464 bytes) cross an IPv4 underlay of MTU 1500 unfragmented" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	# 1436 bytes of ICMP payload + 28 = 1464 inside; + 36 = 1500 outside.
	cap_start out "$SRV" s1 udp and ip
	ping_size "$C1" 198.19.1.1 1436
	ping_size "$SRV" 198.19.1.2 1436
	cap_stop out
	# Nothing was fragmented on the underlay: the capture sees whole
	# datagrams only (fragments are not counted as UDP datagrams).
	local in out
	in=$(wire_summary out "$(cid 1)" dst 5151)
	out=$(wire_summary out "$SRV_ID" src 5151)
	(($(field "$in" echo) >= 2 && $(field "$out" echo) >= 2)) || fail "in: $in; out: $out"
}

@test "full-size packets (1444 bytes) cross an IPv6 underlay of MTU 1500" {
	topo 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	ping_size "$C1" 198.19.1.1 1416
	ping_size "$SRV" 198.19.1.2 1416
}

@test "-m sets the tun MTU on client and server" {
	topo 1
	srv_start srv -m 1300
	cli_start c1 1 -m 1280
	tunnel_up 1
	[[ $(mtu_of "$SRV" "$(run_field srv tun)") == 1300 ]]
	[[ $(mtu_of "$C1" "$(run_field c1 tun)") == 1280 ]]
	ping_size "$C1" 198.19.1.1 1252
	! ping_size "$C1" 198.19.1.1 1253
}

@test "-m 9000: packets in datagrams larger than a receive slot cross whole both ways, fragmented outside, TCP streams too" {
	jumbo_crosses topo
}

@test "the server listens on port 5151 of every address by default" {
	topo 1
	srv_start srv
	wait_for 10 eval "ip netns exec $SRV ss -Hlun | grep -q ':5151 '"
	local socks
	socks=$(ip netns exec "$SRV" ss -Hlun)
	grep -Eq '(\*|\[::\]|0\.0\.0\.0):5151 ' <<<"$socks" || fail "sockets: $socks"
	! grep -Eq '198\.18|fd00' <<<"$socks" || fail "bound to one address: $socks"
}

@test "-p sets the server's port" {
	topo 1
	srv_start srv -p 6000
	PORT=6000 cli_start c1 1
	tunnel_up 1
	ip netns exec "$SRV" ss -Hlun | grep -q ':6000 '
	! ip netns exec "$SRV" ss -Hlun | grep -q ':5151 '
}

@test "the client binds a kernel-chosen port on the unspecified IPv4 address for an IPv4 server" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local socks
	socks=$(ip netns exec "$C1" ss -Huan)
	grep -Eq '^UNCONN.* 0\.0\.0\.0:[1-9][0-9]* ' <<<"$socks" || fail "sockets: $socks"
}

@test "the client binds the unspecified IPv6 address for an IPv6 server" {
	topo 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	local socks
	socks=$(ip netns exec "$C1" ss -Huan)
	grep -Eq '^UNCONN.* (\[::\]|\*):[1-9][0-9]* ' <<<"$socks" || fail "sockets: $socks"
}

@test "client -p sets the client's source port" {
	topo 1
	srv_start srv -v
	cli_start c1 1 -p 40001
	tunnel_up 1
	ip netns exec "$C1" ss -Huan | grep -q ':40001 '
	log_has srv '198\.18\.1\.2:40001'
}

@test "server -b binds only that address" {
	topo 2
	addr "$SRV" s1 198.18.1.9/24
	srv_start srv -b 198.18.1.9
	ADDR=198.18.1.9 cli_start c1 1
	tunnel_up 1
	local socks
	socks=$(ip netns exec "$SRV" ss -Hlun)
	grep -q '198\.18\.1\.9:5151 ' <<<"$socks" || fail "sockets: $socks"
	# Client 2 writes to another address of the server: nothing answers.
	cli_start c2 2 -k 1
	sleep 2
	! has_run srv "$(cid 2)"
	[[ $(tun_count "$SRV") == 1 ]]
}

@test "server -b takes an IPv6 address" {
	topo 1
	srv_start srv -b fd00:18:1::1
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	ip netns exec "$SRV" ss -Hlun | grep -q '\[fd00:18:1::1\]:5151 '
}

@test "client -b binds its socket to that address, and the server sees it" {
	topo 1
	addr "$C1" eth0 198.18.1.3/24
	srv_start srv -v
	cli_start c1 1 -b 198.18.1.3
	tunnel_up 1
	ip netns exec "$C1" ss -Huan | grep -q '198\.18\.1\.3:'
	log_has srv '198\.18\.1\.3:[0-9]+'
	! log_has srv '198\.18\.1\.2:[0-9]+'
}

@test "client -b takes an IPv6 address" {
	topo 1
	addr "$C1" eth0 fd00:18:1::3/64
	srv_start srv -v
	ADDR=fd00:18:1::1 cli_start c1 1 -b fd00:18:1::3
	tunnel_up 1
	ip netns exec "$C1" ss -Huan | grep -q '\[fd00:18:1::3\]:'
	log_has srv 'fd00:18:1::3'
}

@test "the server answers from the address the client wrote to" {
	topo 1
	# 198.18.1.1 is the primary address, so replies would leave from it
	# unless the server picks the source.  The client only accepts
	# datagrams from 198.18.1.9, so the tunnel works only if it does.
	addr "$SRV" s1 198.18.1.9/24
	srv_start srv
	cap_start out "$SRV" s1 udp port 5151
	ADDR=198.18.1.9 cli_start c1 1
	tunnel_up 1
	cap_stop out
	"$JT_PY" "$T/jt.py" list "$T/out.pcap" >"$T/out.list"
	grep -q '^198\.18\.1\.9 5151 ' "$T/out.list" || fail "$(cat "$T/out.list")"
	! grep -q '^198\.18\.1\.1 5151 ' "$T/out.list" || fail "$(cat "$T/out.list")"
}

# client_by_name HOSTS_LINE NAME [OPTIONS...]: client 1 started with the
# server's ADDRESS given as NAME, resolved through a private /etc/hosts that
# holds HOSTS_LINE (bind-mounted in a mount namespace of its own).
client_by_name() {
	printf '%s' "$1" >"$T/hosts"
	printf 'hosts: files\n' >"$T/nsswitch.conf"
	JT_WRAP="mount --bind $T/hosts /etc/hosts && mount --bind $T/nsswitch.conf /etc/nsswitch.conf" \
		jt_start c1 "$C1" -i "$(cid 1)" -c "$T/conf/c1" "${@:3}" "$2" 5151 "$T/prog.sh" c1 c 1
}

@test "ADDRESS may be a host name" {
	topo 1
	srv_start srv
	client_by_name $'198.18.1.1 jtsrv.test\n' jtsrv.test
	tunnel_up 1
	[[ $(run_field c1 mtu) == 1464 ]]
}

@test "ADDRESS may be a host name of an IPv6 address (MTU 1444)" {
	topo 1
	srv_start srv
	client_by_name $'fd00:18:1::1 jtsrv6.test\n' jtsrv6.test
	tunnel_up 1
	[[ $(run_field c1 mtu) == 1444 ]]
}

@test "a host name that does not resolve yet is retried and logged, not fatal, and the tunnel comes up once it does" {
	topo 1
	srv_start srv
	client_by_name '' jtlate.test -k 1
	wait_log c1 'jtlate\.test'
	sleep 1
	jt_alive c1
	# The name appears (same file, so the bind mount sees it).
	printf '198.18.1.1 jtlate.test\n' >>"$T/hosts"
	tunnel_up 1 30
}

@test "the client runs as two processes, one per direction" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local forks
	forks=$(jt_forks "$(pid_of c1)" | wc -l)
	[[ $forks == 1 ]] || fail "client has $forks forwarding children"
}

@test "the server forks one forwarding process per client" {
	topo 2
	srv_start srv
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 0 ]]
	cli_start c1 1
	tunnel_up 1
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 1 ]]
	cli_start c2 2
	tunnel_up 2
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 2 ]]
}

@test "a server carries several clients at once, each on its own tun" {
	topo 3
	srv_start srv
	cli_start c1 1
	cli_start c2 2
	ADDR=fd00:18:3::1 cli_start c3 3
	tunnel_up 1
	tunnel_up 2
	tunnel_up 3
	[[ $(tun_count "$SRV") == 3 ]]
	[[ $(run_count srv) == 3 ]]
	ping_ok "$C2" fd00:19:2::1
}

# fds_of PID: "number target" for each descriptor, socket and tun names
# made generic.
fds_of() {
	local fd
	for fd in /proc/"$1"/fd/*; do
		echo "${fd##*/} $(readlink "$fd" | sed 's/\(socket\|pipe\):\[[0-9]*\]/\1/')"
	done | sort -n
}

@test "the client holds its socket, its tun and the control pipe's end, and no descriptor it was not given" {
	topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local want=$'0 /dev/null\n1 '"$T/c1.out"$'\n2 '"$T/c1.log"$'\n3 socket\n4 /dev/net/tun'
	[[ $(fds_of "$(pid_of c1)") == "$want"$'\n6 pipe' ]] || fail "parent: $(fds_of "$(pid_of c1)")"
	[[ $(fds_of "$(jt_forks "$(pid_of c1)")") == "$want"$'\n5 pipe' ]] ||
		fail "child: $(fds_of "$(jt_forks "$(pid_of c1)")")"
}
