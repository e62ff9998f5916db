#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Keyed mode: authenticated encryption keyed by the peer file.  t/jtkeyed.py
# is a second implementation of the keyed wire format, written from the
# contract alone; it checks captures, forges attacks with the keys in hand,
# and plays either end against jtunnel.

load lib

# Fixed keys, so a failing test can be replayed by hand.
KEY_A=6b65796564206d6f64652074657374206b657920412c20333220627974657321
KEY_B=6b65796564206d6f64652074657374206b657920422c20333220627974657321

setup() {
	jt_setup
	JTK=$BATS_TEST_DIRNAME/jtkeyed.py
}

teardown() {
	jt_teardown
}

jtk() { "$JT_PY" "$JTK" "$@"; }
# jtk_in NS ARGS...: jtkeyed.py ARGS... in namespace NS.
jtk_in() { ip netns exec "$1" "$JT_PY" "$JTK" "${@:2}"; }

# keyfile DIR ID CONTENT: $T/conf/DIR/ID holds CONTENT and a newline, mode 0600.
keyfile() {
	mkdir -p "$T/conf/$1"
	(umask 077 && printf '%s\n' "$3" >"$T/conf/$1/$2")
	chmod 600 "$T/conf/$1/$2"
}

# keyed_link N [KEY]: client N and the server share KEY (default KEY_A).
keyed_link() {
	keyfile srv "$(cid "$1")" "${2:-$KEY_A}"
	keyfile "c$1" "$SRV_ID" "${2:-$KEY_A}"
}

# keyed_topo K: topo K with every link keyed with KEY_A.
keyed_topo() {
	local n
	topo "$1"
	for ((n = 1; n <= $1; n++)); do
		keyed_link "$n"
	done
}

# wire NAME [PORT]: capture NAME's datagrams to and from PORT (5151) into
# $T/NAME.wire, one a line: TIME up|down LENGTH ID TYPE ZERO (ZERO is 1
# when bytes 9..15 are zero).
wire() { jtk wire "$T/$1.pcap" "${2:-5151}" >"$T/$1.wire"; }
# wire_count NAME CONDITION: how many datagrams of capture NAME meet the
# awk CONDITION ($2 way, $3 length, $4 identifier, $5 type, $6 zero).
wire_count() {
	wire "$1" && awk "$2"' { n++ } END { print n + 0 }' "$T/$1.wire"
}
# wire_has NAME CONDITION [AT_LEAST]
wire_has() { (($(wire_count "$1" "$2") >= ${3:-1})); }

# value TEXT KEY: KEY's number in "key=value" words.
value() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# no_tun NS
no_tun() { [[ $(tun_count "$1") == 0 ]]; }

# bg NAME NS COMMAND...: COMMAND in NS in the background, output in
# $T/NAME.out, ended at teardown.
bg() {
	local name=$1 ns=$2
	shift 2
	ip netns exec "$ns" "$@" >"$T/$name.out" 2>&1 3>&- &
	record_pid "$name" $!
}

# keyed_mtu LABEL ID: the server's tun for client ID has keyed mode's
# IPv4 MTU, 1440 (a plain tunnel would have 1464).
keyed_mtu() { [[ $(run_field "$1" mtu "$2") == 1440 ]] || fail "not keyed: $(prog_runs "$1")"; }

# udp_stat NS FIELD...: the sum of these UDP counters of NS (/proc/net/snmp).
udp_stat() {
	ip netns exec "$1" cat /proc/net/snmp | awk -v want=" ${*:2} " '
		$1 == "Udp:" && !names { for (i = 2; i <= NF; i++) name[i] = $i; names = 1; next }
		$1 == "Udp:" { for (i = 2; i <= NF; i++) if (index(want, " " name[i] " ")) n += $i }
		END { print n + 0 }'
}

# drop_lines NAME: how many lines of NAME's log report drops.
drop_lines() { grep -ci drop "$T/$1.log" || true; }
# drops_counted NAME SKIP: the sum of the numbers in NAME's drop reports
# after the first SKIP of them.
drops_counted() {
	grep -i drop "$T/$1.log" | tail -n +$(($2 + 1)) | grep -Eo '[0-9]+' |
		awk '{ n += $1 } END { print n + 0 }'
}

# Per-direction datagram conditions for wire_count.
UP_INIT='$2 == "up" && $5 == 1'
DOWN_RESP='$2 == "down" && $5 == 2'

# ------------------------------------------------------------ the tool

@test "jtkeyed.py, the tests' second implementation, reproduces the Noise NNpsk0 vector" {
	local vectors=${JT_VECTORS:-$BATS_TEST_DIRNAME/../../shared/vectors}
	[[ -f $vectors/noise_nnpsk0_vectors.json ]] || fail "no vectors at $vectors"
	run -0 jtk selftest "$vectors"
	[[ $output == *" 0 failed"* ]] || fail "$output"
}

# ------------------------------------------------------------ tunnels

@test "a keyed tunnel carries pings both ways over an IPv4 underlay, next to a plain client of the same server" {
	topo 2
	keyed_link 1
	srv_start srv
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	ping_ok "$C1" fd00:19:1::1
	ping_ok "$SRV" fd00:19:1::2
	ping_ok "$C2" fd00:19:2::1
	# The MTUs tell the modes apart: keyed 1440, plain 1464.
	[[ $(run_field srv mtu "$(cid 1)") == 1440 ]] || fail "keyed: $(prog_runs srv)"
	[[ $(run_field srv mtu "$(cid 2)") == 1464 ]] || fail "plain: $(prog_runs srv)"
}

@test "a keyed tunnel carries pings both ways over an IPv6 underlay, next to a plain client of the same server" {
	topo 2
	keyed_link 1
	srv_start srv
	ADDR=fd00:18:1::1 cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	ping_ok "$C1" fd00:19:1::1
	ping_ok "$SRV" fd00:19:1::2
	ping_ok "$SRV" 198.19.2.2
	[[ $(run_field srv mtu "$(cid 1)") == 1420 ]] || fail "keyed: $(prog_runs srv)"
	[[ $(run_field srv mtu "$(cid 2)") == 1464 ]] || fail "plain: $(prog_runs srv)"
}

# keyed_mtu_crosses ADDRESS MTU: the keyed tuns' default MTU on both ends
# with the server at ADDRESS is MTU, and a full-size packet crosses each
# way in one datagram of MTU + 32 bytes of UDP payload (1500 outside).
keyed_mtu_crosses() {
	local mtu=$2
	keyed_topo 1
	srv_start srv
	ADDR=$1 cli_start c1 1
	tunnel_up 1
	[[ $(mtu_of "$C1" "$(run_field c1 tun)") == "$mtu" ]]
	[[ $(mtu_of "$SRV" "$(run_field srv tun)") == "$mtu" ]]
	cap_start out "$SRV" s1 udp port 5151
	# An ICMP echo of MTU bytes: 28 of headers and the rest payload.
	ping_size "$C1" 198.19.1.1 $((mtu - 28)) || fail "client to server"
	ping_size "$SRV" 198.19.1.2 $((mtu - 28)) || fail "server to client"
	cap_stop out
	wire_has out "\$2 == \"up\" && \$3 == $((mtu + 32))" 2 || fail "$(cat "$T/out.wire")"
	wire_has out "\$2 == \"down\" && \$3 == $((mtu + 32))" 2 || fail "$(cat "$T/out.wire")"
}

@test "keyed: TCP streams cross the tunnel intact both ways, IPv4 and IPv6 inside, cut by jtunnel from the segments the tun hands over, each packet sealed" {
	topo 1
	keyed_link 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	tcp_crosses_both_ways 1
}

@test "keyed tun MTUs default to 1440 over IPv4, and a full-size packet crosses in one 1500-byte datagram" {
	keyed_mtu_crosses 198.18.1.1 1440
}

@test "keyed tun MTUs default to 1420 over IPv6, and a full-size packet crosses in one 1500-byte datagram" {
	keyed_mtu_crosses fd00:18:1::1 1420
}

@test "keyed, -m 9000: packets in datagrams larger than a receive slot are opened whole both ways, TCP streams too" {
	jumbo_crosses keyed_topo
}

@test "on the wire: 64-byte handshakes (1 up, 2 down, bytes 9..15 zero), data 32 bytes longer than its packet, no plaintext" {
	keyed_topo 1
	srv_start srv
	cap_start w "$SRV" s1 udp port 5151
	cli_start c1 1
	tunnel_up 1
	# 100 bytes of ICMP payload filled with "jtkeyed!": 128-byte packets.
	ip netns exec "$C1" ping -c 3 -i 0.2 -s 100 -p 6a746b6579656421 -q 198.19.1.1 >/dev/null
	ip netns exec "$SRV" ping -c 3 -i 0.2 -s 100 -p 6a746b6579656421 -q 198.19.1.2 >/dev/null
	cap_stop w
	wire w
	local c=$(cid 1) bad
	# Every datagram up carries the client's identifier, every one down
	# the server's; handshakes are 64 bytes with zeros, and the client
	# sends only initiations, the server only responses.
	bad=$(awk -v c="$c" -v s="$SRV_ID" '
		$2 == "up" && $4 != c || $2 == "down" && $4 != s ||
		($5 == 1 || $5 == 2) && ($3 != 64 || $6 != 1) ||
		$2 == "up" && $5 != 1 && $5 != 4 || $2 == "down" && $5 != 2 && $5 != 4 ||
		$5 == 4 && $3 < 32' "$T/w.wire")
	[[ -z $bad ]] || fail "datagrams out of shape: $bad"
	wire_has w "$UP_INIT" || fail "no initiation: $(cat "$T/w.wire")"
	wire_has w "$DOWN_RESP" || fail "no response: $(cat "$T/w.wire")"
	# Keepalives are 32 bytes: one from the client after its handshake,
	# one from the server in answer.
	wire_has w '$2 == "up" && $5 == 4 && $3 == 32' || fail "no keepalive up"
	wire_has w '$2 == "down" && $5 == 4 && $3 == 32' || fail "no keepalive down"
	# Six 128-byte packets each way (3 requests, 3 replies), in 160 bytes.
	wire_has w '$2 == "up" && $5 == 4 && $3 == 160' 6 || fail "$(cat "$T/w.wire")"
	wire_has w '$2 == "down" && $5 == 4 && $3 == 160' 6 || fail "$(cat "$T/w.wire")"
	# Plain mode's size (8 + 128) never appears, nor the payload.
	! wire_has w '$3 == 136' || fail "a plain-mode datagram: $(cat "$T/w.wire")"
	[[ $(jtk find "$T/w.pcap" "$(hex 'jtkeyed!jtkeyed!')") == 0 ]] || fail "plaintext on the wire"
}

# ---------------------------------------------------------- wrong keys

@test "a client with the wrong key gets no response and no tun, while the right key would be answered" {
	keyed_topo 1
	keyfile c1 "$SRV_ID" "$KEY_B"
	srv_start srv
	cap_start w "$SRV" s1 udp port 5151
	JTUNNEL_TEST_TIMER_DIVISOR=10 cli_start c1 1
	# Its handshake is retried: two initiations seen, none answered.
	wait_for 15 wire_has w "$UP_INIT" 2
	sleep 0.5
	cap_stop w
	[[ $(wire_count w '$2 == "down"') == 0 ]] || fail "the server answered: $(cat "$T/w.wire")"
	no_tun "$SRV"
	! has_run srv
	jt_alive srv
	# The same initiation with the wrong key, from jtkeyed.py: no answer;
	# with the right key: one valid response, and still no tun.
	run -0 jtk_in "$C1" initiate 198.18.1.2 0 198.18.1.1 5151 "$(cid 1)" "$SRV_ID" "$KEY_B" 3
	[[ $(value "$output" responses) == 0 ]] || fail "$output"
	run -0 jtk_in "$C1" initiate 198.18.1.2 0 198.18.1.1 5151 "$(cid 1)" "$SRV_ID" "$KEY_A" 1
	[[ $(value "$output" valid) == 1 ]] || fail "$output"
	no_tun "$SRV"
}

# ------------------------------------------------ tampering and replay

@test "a tampered data datagram is dropped (and the drop logged, rate-limited); the same datagram untouched is delivered" {
	keyed_topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	udp_listen l "$SRV" 7777
	cap_start t "$C1" eth0 udp dst port 5151
	# The server's firewall holds back one datagram, captured on its way
	# out of the client: 28 + 11 bytes inside, 71 on the wire.
	block "$SRV" input udp dport 5151
	udp_send "$C1" 198.19.1.2 9999 198.19.1.1 7777 "$(hex tamper-test)"
	wait_for 5 wire_has t '$2 == "up" && $5 == 4 && $3 == 71'
	unblock "$SRV"
	# Drop reports logged so far (the tun's start may have made one).
	local before
	before=$(drop_lines srv)
	# 50 copies, each with one bit flipped: in the counter, the
	# ciphertext or the tag.
	run -0 jtk_in "$C1" replay "$T/t.pcap" 5151 4 71 198.18.1.2 40999 198.18.1.1 5151 1 \
		"$(seq -s, 9 58)"
	[[ $(value "$output" sent) == 50 && $(value "$output" replies) == 0 ]] || fail "$output"
	sleep 1
	! received l tamper-test || fail "a tampered datagram was delivered"
	# The original was only held back: it verifies (the failed copies
	# did not record its counter).
	run -0 jtk_in "$C1" replay "$T/t.pcap" 5151 4 71 198.18.1.2 40999 198.18.1.1 5151
	wait_for 5 received l tamper-test
	# All 50 reported within 10 s, though nothing else arrives, in one
	# line or two, not fifty.
	wait_for 12 eval '(($(drops_counted srv "$before") >= 50))' ||
		fail "reported: $(grep -i drop "$T/srv.log")"
	(($(drop_lines srv) <= before + 2)) || fail "$(grep -i drop "$T/srv.log")"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "a replayed data datagram is not delivered again, a replayed keepalive is not answered, and neither moves the client" {
	keyed_topo 1
	srv_start srv
	cap_start t "$C1" eth0 udp dst port 5151
	cli_start c1 1
	tunnel_up 1
	udp_listen l "$SRV" 7777
	udp_send "$C1" 198.19.1.2 9999 198.19.1.1 7777 "$(hex replay-test)"
	wait_for 5 received l replay-test
	wait_for 5 wire_has t '$2 == "up" && $5 == 4 && $3 == 71'
	cap_stop t
	# Every data datagram the client sent (keepalives, pings, the UDP
	# packet), three times over, from another port of the client's host.
	run -0 jtk_in "$C1" replay "$T/t.pcap" 5151 4 any 198.18.1.2 40999 198.18.1.1 5151 3
	(($(value "$output" sent) >= 9)) || fail "$output"
	[[ $(value "$output" replies) == 0 ]] || fail "$output"
	sleep 1
	[[ $(grep -cx replay-test "$T/l.recv") == 1 ]] || fail "delivered $(grep -cx replay-test "$T/l.recv") times"
	# The server still sends to the client's real port.
	ping_ok "$SRV" 198.19.1.2 3
	ping_ok "$C1" 198.19.1.1
}

@test "a replayed initiation of the live session gets no response and does not disturb the session" {
	keyed_topo 1
	srv_start srv
	cap_start t "$C1" eth0 udp dst port 5151
	cli_start c1 1
	tunnel_up 1
	cap_stop t
	local idx
	idx=$(run_field srv idx)
	run -0 jtk_in "$C1" replay "$T/t.pcap" 5151 1 64 198.18.1.2 40998 198.18.1.1 5151 30
	(($(value "$output" sent) >= 30)) || fail "$output"
	# Its ephemeral key is that of a session the server holds: dropped
	# uncounted (and in any case never more than 10 answers a second).
	[[ $(value "$output" replies) == 0 ]] || fail "$output"
	ping_ok "$SRV" 198.19.1.2 3
	ping_ok "$C1" 198.19.1.1 3
	link_exists "$SRV" "$idx"
	[[ $(run_count srv) == 1 ]]
}

@test "a flood of valid initiations is answered at most 10 a second, makes no tun, and does not disturb a live session" {
	keyed_topo 1
	srv_start srv
	run -0 jtk_in "$C1" initiate 198.18.1.2 0 198.18.1.1 5151 "$(cid 1)" "$SRV_ID" "$KEY_A" 100
	local r v
	r=$(value "$output" responses) v=$(value "$output" valid)
	((r >= 1 && r <= 20 && v == r)) || fail "$output"
	no_tun "$SRV"
	! has_run srv
	cli_start c1 1
	tunnel_up 1
	run -0 jtk_in "$C1" initiate 198.18.1.2 0 198.18.1.1 5151 "$(cid 1)" "$SRV_ID" "$KEY_A" 100
	r=$(value "$output" responses)
	((r <= 20)) || fail "$output"
	ping_ok "$SRV" 198.19.1.2 3
	ping_ok "$C1" 198.19.1.1 3
	[[ $(run_count srv) == 1 ]]
}

@test "random datagrams carrying a keyed client's identifier get no reply and make no tun" {
	keyed_topo 1
	srv_start srv
	local c=$(cid 1) in0 back0
	# The kernels' counters, not a capture, which may lose some of a flood.
	in0=$(udp_stat "$SRV" InDatagrams RcvbufErrors)
	back0=$(udp_stat "$C1" InDatagrams NoPorts)
	udp_random "$C1" 198.18.1.2 40200 198.18.1.1 5151 300 0 120 "${c}04"
	udp_random "$C1" 198.18.1.2 40200 198.18.1.1 5151 300 48 48 "${c}0100000000000000"
	udp_random "$C1" 198.18.1.2 40200 198.18.1.1 5151 300 0 100 "$c"
	sleep 1
	(($(udp_stat "$SRV" InDatagrams RcvbufErrors) - in0 >= 900)) || fail "the flood did not arrive"
	(($(udp_stat "$C1" InDatagrams NoPorts) == back0)) || fail "the server answered"
	no_tun "$SRV"
	jt_alive srv
	cli_start c1 1
	tunnel_up 1
	# And with a live session, the tunnel stays where it is.
	udp_random "$C1" 198.18.1.2 40200 198.18.1.1 5151 300 0 120 "${c}04"
	ping_ok "$SRV" 198.19.1.2 3
	ping_ok "$C1" 198.19.1.1 3
}

# ----------------------------------------------------- restarts, rekey

@test "a keyed tunnel resumes by itself after the server restarts under traffic" {
	keyed_topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	bg ping "$C1" ping -i 0.2 -w 60 -q 198.19.1.1
	jt_stop srv TERM
	[[ $JT_STATUS == 0 ]]
	srv_start srv2
	# The client hears nothing under its old session and handshakes
	# again (15 s), then the new server sets the tunnel up.
	wait_for 30 has_run srv2 "$(cid 1)"
	ping_ok "$C1" 198.19.1.1 10
	ping_ok "$SRV" 198.19.1.2
	keyed_mtu srv2 "$(cid 1)"
}

@test "a keyed tunnel resumes by itself after the client restarts under traffic" {
	keyed_topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	bg ping "$SRV" ping -i 0.2 -w 60 -q 198.19.1.2
	jt_stop c1 TERM
	[[ $JT_STATUS == 0 ]]
	cli_start c1b 1
	CLABEL=c1b tunnel_up 1
	keyed_mtu srv "$(cid 1)"
}

@test "sessions are rekeyed under traffic: a second handshake on the wire while pings keep flowing (timers shortened 20 times)" {
	export JTUNNEL_TEST_TIMER_DIVISOR=20
	keyed_topo 1
	srv_start srv
	cap_start w "$SRV" s1 udp port 5151
	cli_start c1 1
	tunnel_up 1
	# 12 s of pings; the session is rekeyed every 6 s and ends at 9 s.
	bg ping "$C1" ping -c 60 -i 0.2 -W 1 198.19.1.1
	wait_for 20 wire_has w "$DOWN_RESP" 2
	wait_for 20 jt_dead ping
	cap_stop w
	wire w
	local got
	got=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' "$T/ping.out")
	((got >= 57)) || fail "only $got of 60 pings answered"
	# Echoes (84-byte packets, 116 on the wire) both ways after the
	# second response, under the new session.
	local after
	after=$(awk '$5 == 2 && ++r == 2 { t = $1 } t && $1 > t && $5 == 4 && $3 == 116 { n[$2]++ }
		END { print n["up"] + 0, n["down"] + 0 }' "$T/w.wire")
	[[ $after =~ ^([0-9]+)\ ([0-9]+)$ ]] && ((BASH_REMATCH[1] >= 5 && BASH_REMATCH[2] >= 5)) ||
		fail "echoes after the rekey (up, down): $after"
}

# -------------------------------------------------------------- SIGHUP

@test "SIGHUP on the server forgets a client whose key changed (its tun goes); with the new key on the client (SIGHUP) it comes back at once" {
	keyed_topo 1
	srv_start srv
	cli_start c1 1
	tunnel_up 1
	local idx
	idx=$(run_field srv idx)
	# An unchanged key keeps the client.
	kill -HUP "$(pid_of srv)"
	wait_log srv 'reload'
	link_exists "$SRV" "$idx" || fail "an unchanged client was forgotten"
	ping_ok "$C1" 198.19.1.1 3
	keyfile srv "$(cid 1)" "$KEY_B"
	kill -HUP "$(pid_of srv)"
	wait_for 5 no_tun "$SRV"
	# The client's old key opens nothing.
	ping_fails "$C1" 198.19.1.1
	no_tun "$SRV"
	keyfile c1 "$SRV_ID" "$KEY_B"
	kill -HUP "$(pid_of c1)"
	# The next handshake, with the new key, starts at once (the retry
	# timer alone would take 5 s).
	wait_for 4 eval '[[ $(run_count srv) == 2 ]]'
	ping_ok "$C1" 198.19.1.1 3
	ping_ok "$SRV" 198.19.1.2 3
}

@test "SIGHUP on a client whose server key file is gone or no longer a key: it exits 1, naming the server" {
	keyed_topo 2
	srv_start srv
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	rm "$T/conf/c1/$SRV_ID"
	keyfile c2 "$SRV_ID" "${KEY_A:1}"
	kill -HUP "$(pid_of c1)" "$(pid_of c2)"
	jt_wait_exit c1
	[[ $JT_STATUS == 1 ]] || fail "c1 exited $JT_STATUS"
	jt_wait_exit c2
	[[ $JT_STATUS == 1 ]] || fail "c2 exited $JT_STATUS"
	log_has c1 "$SRV_ID"
	log_has c2 "$SRV_ID"
}

# ----------------------------------------------------------- key files

@test "a server key file of 63 hex digits authorizes no one: no response, no tun, and the file named in the log once" {
	keyed_topo 1
	keyfile srv "$(cid 1)" "${KEY_A:1}"
	srv_start srv
	cap_start w "$SRV" s1 udp port 5151
	JTUNNEL_TEST_TIMER_DIVISOR=10 cli_start c1 1
	local file=$T/conf/srv/$(cid 1)
	wait_log srv "$file"
	# Several initiations later, still one line and nothing else.
	wait_for 15 wire_has w "$UP_INIT" 4
	cap_stop w
	[[ $(grep -cF "$file" "$T/srv.log") == 1 ]] || fail "$(grep -F "$file" "$T/srv.log")"
	[[ $(wire_count w '$2 == "down"') == 0 ]] || fail "the server answered"
	no_tun "$SRV"
	! has_run srv
}

@test "a server key file holding junk never falls back to plain mode: plain clients get no tun, each file named in the log" {
	topo 3
	printf 'not a key\n' >"$T/conf/srv/$(cid 1)"
	printf '%sx\n' "$KEY_A" >"$T/conf/srv/$(cid 2)"
	printf '%s%s\n' "$KEY_A" 00 >"$T/conf/srv/$(cid 3)"
	chmod 600 "$T/conf/srv/"*
	srv_start srv
	local n
	for n in 1 2 3; do
		cli_start "c$n" "$n" -k 1
	done
	for n in 1 2 3; do
		wait_log srv "$T/conf/srv/$(cid "$n")"
	done
	sleep 1
	no_tun "$SRV"
	! has_run srv
}

@test "a key file readable by group or others is used, with a warning naming it" {
	keyed_topo 2
	chmod 644 "$T/conf/srv/$(cid 1)"
	chmod 640 "$T/conf/c1/$SRV_ID"
	srv_start srv
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	log_has srv "$T/conf/srv/$(cid 1)"
	log_has c1 "$T/conf/c1/$SRV_ID"
	# The 0600 files of client 2 are not warned about.
	! log_has srv "$T/conf/srv/$(cid 2)"
	! log_has c2 "$T/conf/c2/$SRV_ID"
}

@test "a client whose CONFDIR holds key files for two servers exits 1, naming both" {
	keyed_topo 1
	keyfile c1 fedcba9876543210 "$KEY_B"
	cli_start c1 1
	jt_wait_exit c1
	[[ $JT_STATUS == 1 ]] || fail "exited $JT_STATUS"
	log_has c1 "$SRV_ID"
	log_has c1 fedcba9876543210
}

@test "jtunnel -K prints 64 lower-case hex digits and a newline, a different key each time" {
	run -0 "$JTUNNEL" -K
	[[ $output =~ ^[0-9a-f]{64}$ ]] || fail "$output"
	local first=$output
	run -0 "$JTUNNEL" -K
	[[ $output =~ ^[0-9a-f]{64}$ && $output != "$first" ]] || fail "$first then $output"
	[[ $("$JTUNNEL" -K | od -An -c | tr -d ' \n' | tail -c 2) == '\n' ]]
	[[ $("$JTUNNEL" -K | wc -c) == 65 ]]
}

# ------------------------------------------------------------- interop

@test "interop: jtkeyed.py's client pings through a jtunnel server, over IPv4 and IPv6, and gets the kernel's replies" {
	keyed_topo 1
	srv_start srv
	run -0 jtk_in "$C1" client 198.18.1.2 0 198.18.1.1 5151 "$(cid 1)" "$SRV_ID" "$KEY_A" \
		198.19.1.2 198.19.1.1
	[[ $output == *"echo: reply from 198.19.1.1"* ]] || fail "$output"
	# The server answered the keepalive after the handshake.
	[[ $output =~ "keepalives received: "[1-9] ]] || fail "$output"
	has_run srv "$(cid 1)"
	run -0 jtk_in "$C1" client fd00:18:1::2 0 fd00:18:1::1 5151 "$(cid 1)" "$SRV_ID" "$KEY_A" \
		fd00:19:1::2 fd00:19:1::1
	[[ $output == *"echo: reply from fd00:19:1::1"* ]] || fail "$output"
}

@test "interop: a jtunnel server drops datagrams replayed, 2048 behind or tampered, and takes reordered ones (jtkeyed.py's own keys)" {
	keyed_topo 1
	srv_start srv
	run jtk_in "$C1" client 198.18.1.2 0 198.18.1.1 5151 "$(cid 1)" "$SRV_ID" "$KEY_A" \
		198.19.1.2 198.19.1.1 replay reorder old tamper
	[[ $status == 0 ]] || fail "$output"
}

@test "interop: a jtunnel client pings through jtkeyed.py's server, a keepalive first after the handshake" {
	topo 1
	keyfile c1 "$SRV_ID" "$KEY_A"
	bg pysrv "$SRV" "$JT_PY" "$JTK" server 198.18.1.1 5151 "$SRV_ID" "$(cid 1)" "$KEY_A" 60
	wait_for 5 grep -q listening "$T/pysrv.out"
	cli_start c1 1
	wait_for 10 has_run c1
	[[ $(run_field c1 mtu) == 1440 ]]
	ping_ok "$C1" 198.19.1.1
	ping_ok "$C1" fd00:19:1::1
	grep -q 'initiation from 198\.18\.1\.2:[0-9]*: answered' "$T/pysrv.out"
	grep -q 'session: confirmed by a keepalive' "$T/pysrv.out" || fail "$(cat "$T/pysrv.out")"
	! grep -q 'does not verify' "$T/pysrv.out" || fail "$(cat "$T/pysrv.out")"
}
