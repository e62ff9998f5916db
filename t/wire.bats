#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The wire format on the underlay, and keepalives.  Captures are taken on
# the server's side of the underlay link and classified by wire_summary
# (lib.bash).

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

@test "every datagram is the sender's 8-byte identifier followed by one whole IP packet (IPv4 underlay)" {
	topo 1
	srv_start srv
	cap_start wire "$SRV" s1 udp port 5151
	cli_start c1 1
	tunnel_up 1
	ping_ok "$C1" fd00:19:1::1
	cap_stop wire
	local up down
	up=$(wire_summary wire "$(cid 1)" dst 5151)
	down=$(wire_summary wire "$SRV_ID" src 5151)
	# Client to server: the client's id, then IP; pings were among them.
	[[ $(field "$up" bad) == 0 && $(field "$up" short) == 0 ]] || fail "up: $up"
	(($(field "$up" data) >= 2 && $(field "$up" echo) >= 2)) || fail "up: $up"
	# Server to client: the server's id, then IP.
	[[ $(field "$down" bad) == 0 && $(field "$down" short) == 0 ]] || fail "down: $down"
	(($(field "$down" data) >= 2 && $(field "$down" echo) >= 2)) || fail "down: $down"
}

@test "every datagram is the sender's identifier followed by one whole IP packet (IPv6 underlay)" {
	topo 1
	srv_start srv
	cap_start wire "$SRV" s1 udp port 5151
	ADDR=fd00:18:1::1 cli_start c1 1
	tunnel_up 1
	ping_ok "$SRV" fd00:19:1::2
	cap_stop wire
	local up down
	up=$(wire_summary wire "$(cid 1)" dst 5151)
	down=$(wire_summary wire "$SRV_ID" src 5151)
	[[ $(field "$up" bad) == 0 ]] || fail "up: $up"
	(($(field "$up" echo) >= 2)) || fail "up: $up"
	[[ $(field "$down" bad) == 0 ]] || fail "down: $down"
	(($(field "$down" echo) >= 2)) || fail "down: $down"
}

@test "the identifier on the wire is the raw bytes of the hex identifier, whatever case it was given in" {
	topo 1
	SID=0123456789ABCDEF srv_start srv
	cap_start wire "$SRV" s1 udp port 5151
	CID=C0FFEE0000000001 cli_start c1 1
	tunnel_up 1
	cap_stop wire
	"$JT_PY" "$T/jt.py" list "$T/wire.pcap" >"$T/wire.list"
	# Columns: src sport dst dport length first-8-bytes-in-hex
	grep -q ' 5151 .* c0ffee0000000001$' "$T/wire.list"
	grep -q '^198\.18\.1\.1 5151 .* 0123456789abcdef$' "$T/wire.list"
}

@test "a keepalive is exactly the client's 8-byte identifier, and -k 1 sends several within a few seconds" {
	topo 1
	PROG_OPTS="noconf" srv_start srv
	cap_start ka "$SRV" s1 udp port 5151
	PROG_OPTS="noconf" cli_start c1 1 -k 1
	wait_for 10 has_run c1
	sleep 3.5
	cap_stop ka
	local s
	s=$(wire_summary ka "$(cid 1)" dst 5151)
	# One at start, then one a second: at least 3 in 3.5 s, and only
	# keepalives (the tuns are down, so there is no other traffic).
	(($(field "$s" keepalive) >= 3)) || fail "$s"
	[[ $(field "$s" total) == $(field "$s" keepalive) ]] || fail "$s"
}

@test "the client's first keepalive goes out right after start, so the server sets up its tunnel before any traffic; the next waits" {
	topo 1
	srv_start srv
	cap_start ka "$SRV" s1 udp port 5151
	# Default interval (25 s): only the first keepalive can do this in time.
	PROG_OPTS="noconf" cli_start c1 1
	wait_for 10 has_run srv "$(cid 1)"
	# The interval is 25 s by default: no second keepalive comes soon.
	sleep 3
	cap_stop ka
	local s
	s=$(wire_summary ka "$(cid 1)" dst 5151)
	[[ $(field "$s" keepalive) == 1 ]] || fail "$s"
	[[ $(field "$s" data) == 0 ]] || fail "$s"
}

@test "-k 0 sends no keepalive, not even the first; the server makes no tun until traffic flows" {
	topo 1
	srv_start srv
	# IPv4 only, so the client's kernel sends nothing into its tun (an
	# IPv6 router solicitation would be traffic).
	ip netns exec "$C1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	cap_start ka "$SRV" s1 udp port 5151
	PROG_OPTS=no6 cli_start c1 1 -k 0
	wait_for 10 has_run c1
	sleep 3
	[[ $(tun_count "$SRV") == 0 ]]
	! has_run srv
	cap_stop ka
	local s
	s=$(wire_summary ka "$(cid 1)" dst 5151)
	[[ $(field "$s" total) == 0 ]] || fail "$s"
	# Traffic sets up the server's side.
	ping_ok "$C1" 198.19.1.1 15
	[[ $(tun_count "$SRV") == 1 ]]
}

@test "a keepalive is never written to the server's tun" {
	topo 1
	# IPv4 only, so the kernels send nothing of their own into the tuns.
	ip netns exec "$SRV" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$C1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	PROG_OPTS=no6 srv_start srv
	cap_start ka "$SRV" s1 udp port 5151
	PROG_OPTS=no6 cli_start c1 1 -k 1
	wait_for 10 has_run srv "$(cid 1)"
	local tun
	tun=$(run_field srv tun)
	cap_start tun "$SRV" "$tun"
	sleep 3
	cap_stop ka
	cap_stop tun
	local s
	s=$(wire_summary ka "$(cid 1)" dst 5151)
	(($(field "$s" keepalive) >= 3)) || fail "$s"
	[[ $(rx_of "$SRV" "$tun") == 0 ]] || fail "tun counters: $(ip -n "$SRV" -s link show dev "$tun")"
	[[ $(stat -c %s "$T/tun.pcap") == 24 ]] || fail "packets seen on the tun: $(ip netns exec "$SRV" tcpdump -nr "$T/tun.pcap" 2>&1)"
	# And the tunnel works.
	ping_ok "$C1" 198.19.1.1
}

@test "the client refreshes its address with a keepalive: server-to-client traffic flows with no client traffic" {
	topo 1
	srv_start srv
	PROG_OPTS=no6 cli_start c1 1 -k 1
	wait_for 10 has_run srv "$(cid 1)"
	ping_ok "$SRV" 198.19.1.2
}
