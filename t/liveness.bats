#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Liveness and status: the server's keepalive answers, the dead-peer
# timeout (-t) turning a silent peer's carrier off and on again, a client
# finding a silent server again on a new path, the SIGUSR2 status lines,
# SIGUSR1 and SIGUSR2 never ending a process, and OSPF moving traffic to a
# second server when the first goes silent.

load lib

# Keyed mode's test key (64 hex digits), the same on both ends.
KEY=6c6976656e6573732074657374206b65792c2033322062797465732c206f6b21

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# ------------------------------------------------------------ helpers

# keyed N: client N and the server share KEY instead of plain files.
keyed() {
	local f
	for f in "$T/conf/srv/$(cid "$1")" "$T/conf/c$1/$SRV_ID"; do
		echo "$KEY" >"$f" && chmod 600 "$f" || return 1
	done
}

# link_line NS DEV: DEV's line of `ip -o link`.
link_line() { ip -n "$1" -o link show dev "$2"; }
# no_carrier NS DEV / has_carrier NS DEV: as `ip link` shows it.
no_carrier() { [[ $(link_line "$1" "$2") == *NO-CARRIER* ]]; }
has_carrier() {
	local l
	l=$(link_line "$1" "$2")
	[[ $l != *NO-CARRIER* && $l == *LOWER_UP* ]]
}
# route_linkdown NS PREFIX / route_live NS PREFIX: the route to PREFIX is
# (not) flagged linkdown.
route_linkdown() { [[ $(ip -n "$1" route show "$2") == *linkdown* ]]; }
route_live() {
	local r
	r=$(ip -n "$1" route show "$2")
	[[ -n $r && $r != *linkdown* ]]
}

# jt_procs NAME: jtunnel NAME's own processes, the parent first.
jt_procs() { echo "$(pid_of "$1")" $(jt_forks "$(pid_of "$1")"); }
# signal_all SIGNAL NAME...: SIGNAL to every process of each jtunnel NAME.
signal_all() {
	local sig=$1 name
	shift
	for name; do
		kill -"$sig" $(jt_procs "$name")
	done
}

# now_ms: a clock in milliseconds.
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# udp_ports NS PID: the local ports of PID's UDP sockets in NS, one a line.
udp_ports() {
	ip netns exec "$1" ss -Hunap | grep "pid=$2," | awk '{ print $4 }' | sed 's/.*://' | sort -u
}

# client_keepalives NAME: the source ports of client 1's 8-byte datagrams
# (plain keepalives) in capture NAME, in order, one a line.
client_keepalives() {
	"$JT_PY" "$T/jt.py" list "$T/$1.pcap" |
		awk -v id="$(cid 1)" '$4 == 5151 && $5 == 8 && $6 == id { print $2 }'
}

# ------------------------------------------------------- keepalive answers

# wire_sequence NAME: capture NAME as a string of U (client 1's keepalive)
# and D (the server's), in order; any other datagram is X.
wire_sequence() {
	"$JT_PY" "$T/jt.py" list "$T/$1.pcap" | awk -v c="$(cid 1)" -v s="$SRV_ID" '
		$4 == 5151 && $5 == 8 && $6 == c { printf "U"; next }
		$2 == 5151 && $5 == 8 && $6 == s { printf "D"; next }
		{ printf "X" }'
}

@test "the server answers each keepalive of a plain client with one 8-byte keepalive of its own" {
	topo 1
	PROG_OPTS=noconf srv_start srv
	cap_start ka "$SRV" s1 udp port 5151
	# -k 2: each keepalive comes more than the answers' one second apart.
	PROG_OPTS=noconf cli_start c1 1 -k 2
	wait_for 10 has_run srv "$(cid 1)"
	sleep 7
	cap_stop ka
	local seq
	seq=$(wire_sequence ka)
	# The tuns are down: nothing but keepalives, and each one answered
	# before the next comes.
	[[ $seq =~ ^(UD){4,}$ ]] || fail "up (U) and down (D) on the wire: $seq"
}

@test "the server answers a burst of plain keepalives at most once a second, never with anything larger" {
	topo 1
	PROG_OPTS=noconf srv_start srv
	cap_start ka "$SRV" s1 udp port 5151
	local i start end ka
	ka=$(cid 1)
	start=$(now_ms)
	for ((i = 0; i < 25; i++)); do
		udp_send "$C1" 198.18.1.2 40001 198.18.1.1 5151 $ka $ka $ka $ka $ka $ka $ka $ka $ka $ka
		sleep 0.1
	done
	end=$(now_ms)
	sleep 0.5
	cap_stop ka
	local up down secs
	up=$(wire_summary ka "$(cid 1)" dst 5151)
	down=$(wire_summary ka "$SRV_ID" src 5151)
	secs=$(((end - start + 999) / 1000))
	echo "# $(field "$up" keepalive) keepalives in ${secs} s drew $(field "$down" keepalive) answers" >&3
	(($(field "$up" keepalive) == 250)) || fail "sent: $up"
	# Only keepalives came back, of 8 bytes, at most one a second (and
	# one more for the second the burst began in).
	[[ $(field "$down" total) == "$(field "$down" keepalive)" ]] || fail "answers: $down"
	(($(field "$down" keepalive) >= 2 && $(field "$down" keepalive) <= secs + 1)) ||
		fail "answers in ${secs} s: $down"
}

# --------------------------------------------------------------- carrier

@test "the server turns a silent client's carrier off after -t (NO-CARRIER, routes linkdown), tun and addresses kept, and on again at its next datagram" {
	topo 1
	srv_start srv -t 3
	cli_start c1 1 -k 1 -t 0
	tunnel_up 1
	local tun start took
	tun=$(run_field srv tun)
	has_carrier "$SRV" "$tun"
	route_live "$SRV" 198.19.1.0/24
	start=$(now_ms)
	block "$C1" output udp dport 5151
	wait_for 8 no_carrier "$SRV" "$tun"
	took=$(($(now_ms) - start))
	echo "# carrier off $took ms after the client fell silent (-t 3)" >&3
	# The last datagram came at most a keepalive interval (1 s) before
	# the block, and the timer looks once a second.
	((took >= 1000 && took <= 5000)) || fail "carrier off after $took ms"
	route_linkdown "$SRV" 198.19.1.0/24
	log_has srv "client $(cid 1) silent: carrier of $tun off"
	# The tun, its addresses and PROG stay.
	ip -n "$SRV" -o addr show dev "$tun" | grep -q ' 198\.19\.1\.1/24 '
	[[ $(run_count srv) == 1 ]]
	unblock "$C1"
	wait_for 5 has_carrier "$SRV" "$tun"
	route_live "$SRV" 198.19.1.0/24
	log_has srv "client $(cid 1) heard again: carrier of $tun on"
	ping_ok "$SRV" 198.19.1.2
	[[ $(run_count srv) == 1 ]]
}

@test "a client turns its carrier off when its server is silent for -t, and on again when the server is heard" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1 -t 2
	tunnel_up 1
	local tun
	tun=$(run_field c1 tun)
	has_carrier "$C1" "$tun"
	route_live "$C1" 198.19.1.0/24
	signal_all STOP srv
	wait_for 6 no_carrier "$C1" "$tun"
	route_linkdown "$C1" 198.19.1.0/24
	log_has c1 "server $SRV_ID silent: carrier of $tun off"
	ip -n "$C1" -o addr show dev "$tun" | grep -q ' 198\.19\.1\.2/24 '
	signal_all CONT srv
	wait_for 5 has_carrier "$C1" "$tun"
	route_live "$C1" 198.19.1.0/24
	log_has c1 "server $SRV_ID heard again: carrier of $tun on"
	ping_ok "$C1" 198.19.1.1
	[[ $(run_count c1) == 1 ]]
}

@test "a client whose -t is not above its -k is warned about at start" {
	topo 1
	PROG_OPTS=noconf cli_start c1 1 -k 5 -t 5
	wait_log c1 'timeout \(-t 5\) not above the keepalive interval \(-k 5\)'
	# The warning comes before PROG runs: once it has, none will come.
	PROG_OPTS=noconf cli_start c1b 1 -k 2 -t 3
	wait_for 10 has_run c1b
	! log_has c1b 'not above' || fail "warned: $(grep 'not above' "$T/c1b.log")"
}

# ---------------------------------------------------------------- status

# status NAME: sends SIGUSR2 to jtunnel NAME's parent and prints the status
# lines it wrote for that, the drop counters' line last.
status_rounds() { grep -c 'status: dropped since start' "$T/$1.log"; }
status_more() { (($(status_rounds "$1") > $2)); }
status() {
	local before
	before=$(status_rounds "$1")
	kill -USR2 "$(pid_of "$1")"
	wait_for 5 status_more "$1" "$before" || return 1
	awk -v n="$before" '
		/status: dropped since start/ { if (seen++ == n) { print; exit } next }
		seen == n && /status: / { print }' "$T/$1.log"
}

STATUS_RE='^jtunnel: status: (client|server)( ([0-9a-f]{16}))? (plain|keyed) ([^ ]+) tun ([^ ]+) carrier (on|off), heard ([0-9]+) s ago, received ([0-9]+) datagrams ([0-9]+) bytes, sent ([0-9]+) datagrams ([0-9]+) bytes(, session ([0-9]+) s old|, no session)?$'

# peer_status NAME [ID]: the status line of jtunnel NAME for the peer ID
# (or its only peer), parsed into ST[role id mode addr tun carrier heard
# rx rxb tx txb session] (session: "none" or the age; empty in plain mode).
peer_status() {
	local lines line
	lines=$(status "$1") || return 1
	line=$(grep -E "status: (client|server)${2:+ $2} " <<<"$lines") ||
		fail "no status line${2:+ for $2} in: $lines"
	[[ $(grep -c . <<<"$line") == 1 ]] || fail "several lines: $line"
	[[ $line =~ $STATUS_RE ]] || fail "status line not as specified: $line"
	declare -gA ST=(
		[role]=${BASH_REMATCH[1]} [id]=${BASH_REMATCH[3]} [mode]=${BASH_REMATCH[4]}
		[addr]=${BASH_REMATCH[5]} [tun]=${BASH_REMATCH[6]} [carrier]=${BASH_REMATCH[7]}
		[heard]=${BASH_REMATCH[8]} [rx]=${BASH_REMATCH[9]} [rxb]=${BASH_REMATCH[10]}
		[tx]=${BASH_REMATCH[11]} [txb]=${BASH_REMATCH[12]} [session]=${BASH_REMATCH[14]:-}
	)
	[[ ${BASH_REMATCH[13]} == ", no session" ]] && ST[session]=none
	return 0
}

@test "SIGUSR2: the server writes a status line per client (identifier, plain, address and port, tun, carrier, heard, counts) and one of drops by cause" {
	topo 2
	srv_start srv -t 2
	cli_start c1 1 -k 1
	cli_start c2 2 -k 1
	tunnel_up 1
	tunnel_up 2
	local lines port1 rx tx rxb txb
	lines=$(status srv)
	[[ $(grep -c 'status: client ' <<<"$lines") == 2 ]] || fail "$lines"
	port1=$(udp_ports "$C1" "$(pid_of c1)")
	peer_status srv "$(cid 1)"
	[[ ${ST[role]} == client && ${ST[mode]} == plain ]] || fail "${ST[*]}"
	[[ ${ST[addr]} == "198.18.1.2:$port1" ]] || fail "address ${ST[addr]}, port $port1"
	[[ ${ST[tun]} == "$(run_field srv tun "$(cid 1)")" ]] || fail "tun ${ST[tun]}"
	[[ ${ST[carrier]} == on ]] && ((ST[heard] <= 2)) || fail "${ST[*]}"
	((ST[rx] > 0 && ST[tx] > 0)) || fail "${ST[*]}"
	rx=${ST[rx]} rxb=${ST[rxb]} tx=${ST[tx]} txb=${ST[txb]}
	# Five pings of 84 bytes each way: five datagrams of 92 bytes.
	ip netns exec "$SRV" ping -c 5 -i 0.2 -q 198.19.1.2 >/dev/null
	peer_status srv "$(cid 1)"
	((ST[rx] >= rx + 5 && ST[rxb] >= rxb + 5 * 92)) || fail "received $rx $rxb, then ${ST[rx]} ${ST[rxb]}"
	((ST[tx] >= tx + 5 && ST[txb] >= txb + 5 * 92)) || fail "sent $tx $txb, then ${ST[tx]} ${ST[txb]}"
	peer_status srv "$(cid 2)"
	[[ ${ST[addr]} == 198.18.2.2:* && ${ST[tun]} == "$(run_field srv tun "$(cid 2)")" ]] || fail "${ST[*]}"
	# Client 2 falls silent: its carrier is off, and it was heard long ago.
	block "$C2" output udp dport 5151
	wait_for 8 no_carrier "$SRV" "${ST[tun]}"
	peer_status srv "$(cid 2)"
	[[ ${ST[carrier]} == off ]] && ((ST[heard] >= 2)) || fail "${ST[*]}"
	# The drops by cause: three short datagrams, two unauthorized.
	udp_send "$C1" 198.18.1.2 40009 198.18.1.1 5151 01 0102 010203 \
		"$BAD_ID" "${BAD_ID}00"
	wait_for 5 eval 'status srv | tail -n 1 | grep -Eq "(: |, )3 short(,|$)"'
	status srv | tail -n 1 | grep -Eq '(: |, )2 unauthorized(,|$)' || fail "$(status srv)"
}

# not_sent NAME: how many datagrams jtunnel NAME's status counts as not sent
# since start (0 when it names none).
not_sent() {
	local line
	line=$(status "$1" | tail -n 1) || return 1
	[[ $line =~ (: |, )([0-9]+)\ not\ sent ]] && echo "${BASH_REMATCH[2]}" || echo 0
}

@test "SIGUSR2: the drops line counts what forwarding processes dropped, on both ends, and keeps a forgotten client's" {
	topo 1
	PROG_OPTS=no6 srv_start srv
	PROG_OPTS=no6 cli_start c1 1 -k 0
	tunnel_up 1
	[[ $(not_sent srv) == 0 && $(not_sent c1) == 0 ]] || fail "not sent before any refusal"
	# Each end's firewall refuses what it sends: the pings' datagrams are
	# dropped in the forwarding processes, which send them.
	block "$SRV" output udp sport 5151
	ping_fails "$SRV" 198.19.1.2 || fail "a ping crossed though the server's sends are refused"
	local n
	n=$(not_sent srv)
	((n >= 3)) || fail "server: $n not sent, after 3 pings refused: $(status srv | tail -n 1)"
	unblock "$SRV"
	block "$C1" output udp dport 5151
	ping_fails "$C1" 198.19.1.1 || fail "a ping crossed though the client's sends are refused"
	(($(not_sent c1) >= 3)) || fail "client: $(status c1 | tail -n 1)"
	# The client forgotten (its file gone, SIGHUP): its drops still count.
	disallow srv "$(cid 1)"
	kill -HUP "$(pid_of srv)"
	wait_log srv "reloaded .*: 1 clients forgotten, 0 remain"
	(($(not_sent srv) >= n)) || fail "after the client was forgotten: $(status srv | tail -n 1)"
}

@test "SIGUSR2: the client writes its server's status line (identifier, plain, address and port, tun, carrier, counts growing with traffic)" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	peer_status c1
	[[ ${ST[role]} == server && ${ST[id]} == "$SRV_ID" && ${ST[mode]} == plain ]] || fail "${ST[*]}"
	[[ ${ST[addr]} == 198.18.1.1:5151 && ${ST[tun]} == "$(run_field c1 tun)" ]] || fail "${ST[*]}"
	[[ ${ST[carrier]} == on ]] && ((ST[heard] <= 2)) || fail "${ST[*]}"
	local rx=${ST[rx]} rxb=${ST[rxb]} tx=${ST[tx]} txb=${ST[txb]}
	ip netns exec "$C1" ping -c 5 -i 0.2 -q 198.19.1.1 >/dev/null
	peer_status c1
	((ST[rx] >= rx + 5 && ST[rxb] >= rxb + 5 * 92)) || fail "received $rx $rxb, then ${ST[rx]} ${ST[rxb]}"
	((ST[tx] >= tx + 5 && ST[txb] >= txb + 5 * 92)) || fail "sent $tx $txb, then ${ST[tx]} ${ST[txb]}"
	status c1 | tail -n 1 | grep -q '^jtunnel: status: dropped since start: '
}

# write_rename_prog FILE: a PROG that renames its tun (jt-NNNN on the server,
# NNNN the client identifier's last four digits; jt-client on a client)
# while it is still down, then runs the test PROG under the new name.
write_rename_prog() {
	cat >"$1" <<-'EOF2'
		#!/bin/bash
		new=jt-client
		[[ -n ${TUN_CLIENT_ID:-} ]] && new=jt-${TUN_CLIENT_ID: -4}
		ip link set dev "$TUN_DEV_NAME" name "$new" || exit 1
		TUN_DEV_NAME=$new exec "${0%/*}/prog.sh" "$@"
	EOF2
	chmod +x "$1"
}

@test "a tun renamed by PROG, or by hand while down, goes by its new name in the status lines and the carrier's log lines" {
	topo 1
	write_rename_prog "$T/rename.sh"
	PROG=$T/rename.sh srv_start srv -t 2
	PROG=$T/rename.sh cli_start c1 1 -k 1 -t 0
	tunnel_up 1
	[[ $(run_field srv tun) == jt-0001 && $(run_field c1 tun) == jt-client ]] ||
		fail "$(prog_runs srv) / $(prog_runs c1)"
	peer_status srv "$(cid 1)"
	[[ ${ST[tun]} == jt-0001 ]] || fail "server's status: tun ${ST[tun]}"
	peer_status c1
	[[ ${ST[tun]} == jt-client ]] || fail "client's status: tun ${ST[tun]}"
	block "$C1" output udp dport 5151
	wait_log srv "client $(cid 1) silent: carrier of jt-0001 off" 8
	unblock "$C1"
	wait_log srv "client $(cid 1) heard again: carrier of jt-0001 on" 5
	# By hand: down, renamed, up again (its IPv4 address stays).
	ip -n "$C1" link set dev jt-client down
	ip -n "$C1" link set dev jt-client name jt-renamed
	ip -n "$C1" link set dev jt-renamed up
	peer_status c1
	[[ ${ST[tun]} == jt-renamed ]] || fail "client's status after the rename: tun ${ST[tun]}"
	ping_ok "$C1" 198.19.1.1
}

# ---------------------------------------------------------- path recovery

# keepalive_from_new_port CAPTURE OLD_PORT: the capture holds a keepalive of
# client 1 from a port other than OLD_PORT.
keepalive_from_new_port() {
	client_keepalives "$1" | grep -qvx "$2"
}
# recoveries NAME: how many times client NAME made its path anew.
recoveries() { grep -c 'server silent: trying ' "$T/$1.log" || true; }
recovered_since() { (($(recoveries "$1") >= $2)); }

@test "a client whose server is silent for -t opens a new socket and sends a keepalive from its new port at once, even with -k 0, and again every -t" {
	topo 1
	srv_start srv
	cli_start c1 1 -k 0 -t 2
	tunnel_up 1
	local old n ports
	# The path goes: the server hears nothing, and sends nothing.
	block "$SRV" input udp dport 5151
	old=$(udp_ports "$C1" "$(pid_of c1)")
	[[ $(grep -c . <<<"$old") == 1 ]] || fail "sockets: $old"
	n=$(recoveries c1)
	cap_start rec "$SRV" s1 udp port 5151
	wait_for 6 recovered_since c1 $((n + 1))
	log_has c1 'server silent: trying 198\.18\.1\.1:5151 again from a new port'
	# -k 0 sends no keepalive of its own: this one is the recovery's.
	wait_for 1 keepalive_from_new_port rec "$old"
	# The old socket is gone; one socket, on a new port.
	ports=$(udp_ports "$C1" "$(pid_of c1)")
	[[ $(grep -c . <<<"$ports") == 1 && $ports != "$old" ]] || fail "before $old, now $ports"
	# Still silent: again, from yet another port.
	wait_for 4 recovered_since c1 $((n + 2))
	wait_for 1 eval '(($(client_keepalives rec | sort -u | grep -cvx "$old") >= 2))'
	cap_stop rec
	jt_alive c1
	unblock "$SRV"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "with -p the client finds a silent server again from the same port" {
	topo 1
	srv_start srv
	cli_start c1 1 -p 40001 -k 0 -t 2
	tunnel_up 1
	block "$SRV" input udp dport 5151
	cap_start rec "$SRV" s1 udp port 5151
	local n
	n=$(recoveries c1)
	wait_for 6 recovered_since c1 $((n + 1))
	log_has c1 'server silent: trying 198\.18\.1\.1:5151 again from the same port'
	wait_for 1 eval '[[ -n $(client_keepalives rec) ]]'
	cap_stop rec
	[[ $(client_keepalives rec | sort -u) == 40001 ]] || fail "keepalives from: $(client_keepalives rec)"
	[[ $(udp_ports "$C1" "$(pid_of c1)") == 40001 ]]
	unblock "$SRV"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "a client whose server is silent resolves ADDRESS again, and follows the name to the server's new address" {
	topo 1
	addr "$SRV" s1 198.18.1.9/24
	srv_start srv
	printf '198.18.1.1 jtsrv.test\n' >"$T/hosts"
	printf 'hosts: files\n' >"$T/nsswitch.conf"
	JT_WRAP="mount --bind $T/hosts /etc/hosts && mount --bind $T/nsswitch.conf /etc/nsswitch.conf" \
		jt_start c1 "$C1" -i "$(cid 1)" -c "$T/conf/c1" -k 1 -t 2 jtsrv.test 5151 "$T/prog.sh" c1 c 1
	tunnel_up 1
	# The old address goes dark, and the name moves (the same file, so
	# the bind mount sees it).
	block "$C1" output ip daddr 198.18.1.1 udp dport 5151
	printf '198.18.1.9 jtsrv.test\n' >"$T/hosts"
	wait_log c1 'server silent: trying 198\.18\.1\.9:5151 again' 6
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	peer_status c1
	[[ ${ST[addr]} == 198.18.1.9:5151 && ${ST[carrier]} == on ]] || fail "${ST[*]}"
}

# --------------------------------------------------------------- signals

# alive_all LIST: every "PID STARTTIME" line of LIST is still running.
alive_all() {
	local p s
	while read -r p s; do
		proc_alive "$p" "$s" || fail "process $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) ended"
	done <<<"$1"
}
# proc_list NAME...: "PID STARTTIME" of every process of each jtunnel NAME.
proc_list() {
	local name p
	for name; do
		for p in $(jt_procs "$name"); do
			echo "$p $(starttime "$p")"
		done
	done
}

@test "SIGUSR1 and SIGUSR2 to every process of a server and of its plain and keyed clients (parents and forwarding processes) end none" {
	topo 2
	keyed 2
	srv_start srv
	cli_start c1 1 -k 1
	cli_start c2 2 -k 1
	tunnel_up 1
	tunnel_up 2
	local procs i
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 2 ]]
	procs=$(proc_list srv c1 c2)
	[[ $(grep -c . <<<"$procs") == 7 ]] || fail "processes: $procs"
	for ((i = 0; i < 3; i++)); do
		signal_all USR1 srv c1 c2
		signal_all USR2 srv c1 c2
	done
	# The parents wrote their status: the signals were taken.
	wait_for 5 eval '(($(status_rounds srv) >= 1 && $(status_rounds c1) >= 1 && $(status_rounds c2) >= 1))'
	tunnel_up 1
	tunnel_up 2
	alive_all "$procs"
	[[ $(proc_list srv c1 c2) == "$procs" ]] || fail "processes were $procs, now $(proc_list srv c1 c2)"
}

# runs_jtunnel PID EXE: process PID runs EXE (it is no longer a shell or
# ip netns exec on its way there) and its libc is loaded, or it is a static
# binary that maps no dynamic loader at all: its own code runs.
runs_jtunnel() {
	[[ $(readlink "/proc/$1/exe") == "$2" ]] &&
		{ grep -q 'libc[.-]' "/proc/$1/maps" || ! grep -q '/ld-' "/proc/$1/maps"; }
}
# minds_usr_signals PID EXE: as runs_jtunnel, and PID catches SIGUSR2 and
# ignores SIGUSR1 (bits 11 and 9 of SigCgt and SigIgn): jtunnel has taken
# its first step, signals_watch.
minds_usr_signals() {
	local caught ignored
	runs_jtunnel "$1" "$2" &&
		read -r caught ignored < <(awk '/^SigCgt:/ { c = $2 } /^SigIgn:/ { i = $2 }
			END { print c, i }' "/proc/$1/status") &&
		(((16#$caught >> 11) & (16#$ignored >> 9) & 1))
}

# storm NAME SECONDS: SIGUSR1 and SIGUSR2 to jtunnel NAME from the first
# moment its own code runs, without a pause for 100 ms, then to every
# process of it every 10 ms for SECONDS.
storm() {
	local pid exe ready=runs_jtunnel end=$((${EPOCHREALTIME/./} + 5000000))
	pid=$(pid_of "$1")
	exe=$(readlink -f "$JTUNNEL")
	# A sanitizer build's runtime starts before any of jtunnel's code, for
	# tens of milliseconds, under the signals' default actions: there the
	# storm starts at jtunnel's first step instead.
	sanitized && ready=minds_usr_signals
	# Looked for without a pause: the signals must come early.
	until $ready "$pid" "$exe"; do
		((${EPOCHREALTIME/./} < end)) || fail "$1 never ran $exe"
	done
	# The first 100 ms without a pause, to the parent (its set-up).
	end=$((${EPOCHREALTIME/./} + 100000))
	while ((${EPOCHREALTIME/./} < end)); do
		kill -USR1 "$pid" 2>/dev/null
		kill -USR2 "$pid" 2>/dev/null
	done
	end=$((${EPOCHREALTIME/./} + $2 * 1000000))
	while ((${EPOCHREALTIME/./} < end)); do
		kill -USR1 $(jt_procs "$1") 2>/dev/null
		kill -USR2 $(jt_procs "$1") 2>/dev/null
		sleep 0.01
	done
	jt_alive "$1" || fail "$1 ended under SIGUSR1 and SIGUSR2"
}

@test "SIGUSR1 and SIGUSR2 from the first moment of a server and a client, and while they set up tunnels, end no process" {
	topo 2
	keyed 2
	NOWAIT=1 srv_start srv
	storm srv 1
	jt_alive srv
	local storms=()
	cli_start c1 1 -k 1
	storm c1 1 &
	storms+=($!)
	cli_start c2 2 -k 1
	storm c2 1 &
	storms+=($!)
	# The server's new forwarding processes get them too.
	storm srv 2
	wait "${storms[@]}"
	jt_alive srv && jt_alive c1 && jt_alive c2
	tunnel_up 1
	tunnel_up 2
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 2 ]]
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 && $(jt_forks "$(pid_of c2)" | wc -l) == 1 ]]
	! log_has srv 'exiting|killed by signal' || fail "$(cat "$T/srv.log")"
}

# ------------------------------------------------------------ keyed mode

# initiations_from CAPTURE: the source ports of client 1's 64-byte
# datagrams (handshake initiations) in CAPTURE, one a line.
initiations_from() {
	"$JT_PY" "$T/jt.py" list "$T/$1.pcap" |
		awk -v id="$(cid 1)" '$4 == 5151 && $5 == 64 && $6 == id { print $2 }'
}
initiation_from_new_port() { initiations_from "$1" | grep -qvx "$2"; }

@test "keyed: SIGUSR2 gives the status lines of both ends as keyed, with identifiers, addresses, tuns, carrier, counts and the session's age" {
	topo 1
	keyed 1
	srv_start srv
	cli_start c1 1 -k 1
	tunnel_up 1
	local port
	port=$(udp_ports "$C1" "$(pid_of c1)")
	peer_status srv "$(cid 1)"
	[[ ${ST[mode]} == keyed && ${ST[addr]} == "198.18.1.2:$port" ]] || fail "${ST[*]}"
	[[ ${ST[tun]} == "$(run_field srv tun)" && ${ST[carrier]} == on ]] || fail "${ST[*]}"
	[[ ${ST[session]} =~ ^[0-9]+$ ]] && ((ST[session] <= 5 && ST[rx] > 0 && ST[tx] > 0)) || fail "${ST[*]}"
	local rx=${ST[rx]} tx=${ST[tx]}
	peer_status c1
	[[ ${ST[role]} == server && ${ST[id]} == "$SRV_ID" && ${ST[mode]} == keyed ]] || fail "${ST[*]}"
	[[ ${ST[addr]} == 198.18.1.1:5151 && ${ST[tun]} == "$(run_field c1 tun)" ]] || fail "${ST[*]}"
	[[ ${ST[carrier]} == on && ${ST[session]} =~ ^[0-9]+$ ]] || fail "${ST[*]}"
	ip netns exec "$C1" ping -c 5 -i 0.2 -q 198.19.1.1 >/dev/null
	peer_status srv "$(cid 1)"
	# A keyed datagram of a ping: 84 bytes and 32 of overhead.
	((ST[rx] >= rx + 5 && ST[tx] >= tx + 5 && ST[rxb] >= 5 * 116)) || fail "before $rx $tx, now ${ST[*]}"
}

@test "keyed: a silent path turns the carrier off at both ends; the client's new handshake from a new port brings both back on" {
	topo 1
	keyed 1
	srv_start srv -t 3
	cli_start c1 1 -k 1 -t 3
	tunnel_up 1
	local stun ctun old n
	stun=$(run_field srv tun)
	ctun=$(run_field c1 tun)
	old=$(udp_ports "$C1" "$(pid_of c1)")
	n=$(recoveries c1)
	cap_start rec "$SRV" s1 udp port 5151
	block "$SRV" input udp dport 5151
	block "$SRV" output udp sport 5151
	wait_for 6 no_carrier "$SRV" "$stun"
	wait_for 6 no_carrier "$C1" "$ctun"
	log_has srv "client $(cid 1) silent: carrier of $stun off"
	log_has c1 "server $SRV_ID silent: carrier of $ctun off"
	wait_for 4 recovered_since c1 $((n + 1))
	log_has c1 "server silent: trying 198\.18\.1\.1:5151 again from a new port"
	# The handshake went out at once, from the new port; the old
	# session is gone.
	wait_for 1 initiation_from_new_port rec "$old"
	peer_status c1
	[[ ${ST[carrier]} == off && ${ST[session]} == none ]] || fail "${ST[*]}"
	unblock "$SRV"
	wait_for 8 has_carrier "$SRV" "$stun"
	wait_for 5 has_carrier "$C1" "$ctun"
	log_has srv "client $(cid 1) heard again: carrier of $stun on"
	log_has c1 "server $SRV_ID heard again: carrier of $ctun on"
	cap_stop rec
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
	peer_status srv "$(cid 1)"
	[[ ${ST[addr]} == 198.18.1.2:* && ${ST[addr]} != "198.18.1.2:$old" ]] || fail "${ST[*]}"
	[[ ${ST[carrier]} == on && ${ST[session]} =~ ^[0-9]+$ ]] || fail "${ST[*]}"
}

# ------------------------------------------------------------ OSPF failover

SRV_B_ID=0123456789abcdee

# stub NS ADDRESS: an interface stub0 in NS holding ADDRESS, for OSPF to
# announce (one end of a veth pair, as the dummy driver may be missing).
stub() {
	ip -n "$1" link add stub0 type veth peer name stub0p &&
		ip -n "$1" addr add "$2" dev stub0 &&
		ip -n "$1" link set stub0p up &&
		ip -n "$1" link set stub0 up
}

# ospf_start NAME NS ROUTER_ID [STUB_COST]: BIRD 2 in NS, OSPFv2 over every
# tun (point-to-point, hello 1 s, dead 4 s, the link's state heeded) and
# stub0 as a stub of cost STUB_COST (10), exporting what it learns to the kernel.
ospf_start() {
	local name=$1 ns=$2 id=$3 cost=${4:-10}
	cat >"$T/$name.conf" <<-EOF2
		log "$T/$name.log" all;
		router id $id;
		debug protocols { states, events };
		protocol device { }
		protocol kernel { ipv4 { export all; }; }
		protocol ospf v2 {
			ipv4 { import all; export none; };
			area 0 {
				interface "tun*" { type ptp; hello 1; dead 4; check link yes; };
				interface "stub0" { stub yes; wait 2; cost $cost; };
			};
		}
	EOF2
	bird_run "$name" "$ns"
}

# routed_via NS ADDRESS DEV: NS routes ADDRESS through DEV alone, as BIRD
# learned it.
routed_via() {
	local r
	r=$(ip -n "$1" -4 route show match "$2" proto bird)
	[[ $r == *" dev $3 "* && $(grep -c ' dev ' <<<"$r") == 1 ]]
}
# anycast_ok: the client reaches the servers' shared address from its own.
anycast_ok() { ip netns exec "$CN" ping -c 1 -W 1 -q -I 198.19.100.1 198.19.200.1 >/dev/null 2>&1; }

@test "OSPF over tunnels to two servers: when the preferred server goes silent, -t turns its carrier off and traffic moves to the other tunnel by itself" {
	command -v bird >/dev/null || fail "bird is not installed (Debian package bird2)"
	# Two servers, A (link 1) and B (link 2), and one client with a
	# tunnel to each.  Both servers hold 198.19.200.1, B at a higher
	# cost; the client holds 198.19.100.1.
	ns_add SA srva
	ns_add SB srvb
	ns_add CN cli
	veth "$SA" s1 "$CN" eth1
	veth "$SB" s2 "$CN" eth2
	addr "$SA" s1 198.18.1.1/24
	addr "$CN" eth1 198.18.1.2/24
	addr "$SB" s2 198.18.2.1/24
	addr "$CN" eth2 198.18.2.2/24
	stub "$SA" 198.19.200.1/24
	stub "$SB" 198.19.200.1/24
	stub "$CN" 198.19.100.1/24
	allow srva "$(cid 1)"
	allow srvb "$(cid 2)"
	allow c1 "$SRV_ID"
	allow c2 "$SRV_B_ID"
	PROG_OPTS=no6 NS=$SA CONF=$T/conf/srva srv_start srva -t 3
	PROG_OPTS=no6 NS=$SB CONF=$T/conf/srvb SID=$SRV_B_ID srv_start srvb -t 3
	PROG_OPTS=no6 NS=$CN cli_start c1 1 -k 1 -t 3
	PROG_OPTS=no6 NS=$CN cli_start c2 2 -k 1 -t 3
	ping_ok "$CN" 198.19.1.1
	ping_ok "$CN" 198.19.2.1
	local tun_a tun_b
	tun_a=$(run_field c1 tun)
	tun_b=$(run_field c2 tun)

	ospf_start bird-a "$SA" 198.18.1.1
	ospf_start bird-b "$SB" 198.18.2.1 100
	ospf_start bird-c "$CN" 198.19.100.1
	wait_for 30 routed_via "$CN" 198.19.200.1 "$tun_a"
	wait_for 10 anycast_ok

	# Server A stops dead: its tun stays, but it says nothing more.
	local start took
	start=$(now_ms)
	signal_all STOP srva
	wait_for 20 eval 'routed_via "$CN" 198.19.200.1 "$tun_b" && anycast_ok'
	took=$(($(now_ms) - start))
	log_has c1 "server $SRV_ID silent: carrier of $tun_a off"
	echo "# failover took $((took / 1000)).$((took % 1000 / 100)) s (-k 1 -t 3, OSPF hello 1 dead 4)" >&3
	no_carrier "$CN" "$tun_a"
	# OSPF took the link down for its carrier (it would be PtP, only
	# without a neighbour, had the dead timer done it).
	birdc -s "$T/bird-c.ctl" show ospf interface "\"$tun_a\"" | grep -q 'State: Loopback' ||
		fail "$(birdc -s "$T/bird-c.ctl" show ospf interface "\"$tun_a\"")"
	# Server A back: its tunnel, carrier and route come back too.
	signal_all CONT srva
	wait_for 10 has_carrier "$CN" "$tun_a"
	wait_for 30 routed_via "$CN" 198.19.200.1 "$tun_a"
	wait_for 10 anycast_ok
}
