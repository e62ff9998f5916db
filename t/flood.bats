#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Hostile input at volume: a flood of junk datagrams (random lengths, random
# and unauthorized identifiers, many source addresses and ports) at a
# server that carries one authorized client.
#
# Topology (lib.bash's topo 2): client 1 in $C1 runs jtunnel; $C2 is the
# attacker, with extra addresses 198.18.2.3-9 and fd00:18:2::3-9 on its
# link to the server.
#
# FLOOD_COUNT (default 200000) sets the size of the flood.

load lib

FLOOD_COUNT=${FLOOD_COUNT:-200000}
# An unknown identifier makes the server read CONFDIR again, but at most
# once a second (AUTH_RELOAD_SECONDS in peer.h).
RELOADS_PER_SECOND=1

setup() {
	jt_setup
	write_flood "$T/flood.py"
}

teardown() {
	jt_teardown
}

# The flood sender: python3 flood.py COUNT SEED PORT IDFILE DST4 DST6 SRC...
# COUNT datagrams of 0..2000 random bytes to DST4 or DST6 (by the family of
# each source) port PORT, round robin over 8 sockets per source address
# (kernel-chosen ports).  Half of those of 8 bytes or more start with an
# identifier from IDFILE (one hex identifier a line), the rest with random
# bytes.  Prints "sent=N errors=N seconds=S".  It stops by itself.
write_flood() {
	cat >"$1" <<-'EOF'
		import os
		import random
		import socket
		import sys
		import time

		count, seed, port = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
		ids = [bytes.fromhex(l.strip()) for l in open(sys.argv[4]) if l.strip()]
		dst4, dst6 = sys.argv[5], sys.argv[6]
		socks = []
		for src in sys.argv[7:]:
		    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
		    for _ in range(8):
		        s = socket.socket(fam, socket.SOCK_DGRAM)
		        s.bind((src, 0))
		        socks.append((s, (dst6 if fam == socket.AF_INET6 else dst4, port)))
		rnd = random.Random(seed)
		pool = os.urandom(1 << 20)
		sent = errors = 0
		start = time.monotonic()
		for i in range(count):
		    n = rnd.randrange(2001)
		    off = rnd.randrange(len(pool) - n)
		    d = pool[off:off + n]
		    if n >= 8 and i & 1:
		        d = ids[rnd.randrange(len(ids))] + d[8:]
		    s, to = socks[i % len(socks)]
		    try:
		        s.sendto(d, to)
		        sent += 1
		    except OSError:
		        errors += 1
		        time.sleep(0.0005)
		print("sent=%d errors=%d seconds=%.2f" % (sent, errors, time.monotonic() - start))
	EOF
}

# rss_kib PID: the resident set of a process, in KiB.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# recvq_empty NS PID: no datagram waits in PID's UDP socket.
recvq_empty() {
	local q
	q=$(ip netns exec "$1" ss -Hlunp | awk -v p="pid=$2," 'index($0, p) {s += $2} END {print s + 0}')
	[[ $q == 0 ]]
}

# flood COUNT SEED: COUNT junk datagrams from every source address of the
# attacker to the server, then waits (bounded) until the server has read
# them all.  Prints the sender's summary.
flood() {
	timeout 120 ip netns exec "$C2" python3 "$T/flood.py" "$1" "$2" 5151 "$T/ids" \
		198.18.2.1 fd00:18:2::1 "${FLOOD_SRCS[@]}" 3>&-
	wait_for 60 recvq_empty "$SRV" "$(pid_of srv)"
}

# socket_drops NS: datagrams UDP sockets in NS dropped for want of room.
socket_drops() {
	ip netns exec "$1" nstat -asz UdpRcvbufErrors Udp6RcvbufErrors |
		awk '/RcvbufErrors/ {n += $2} END {print n + 0}'
}

# The server still has client 1 alone: one tun, one PROG run, one tunnel up
# in its log, and nothing it cannot do.
no_new_client() {
	[[ $(tun_count "$SRV") == 1 ]] || fail "tuns in the server's namespace: $(tun_names "$SRV")"
	[[ $(run_count srv) == 1 ]] || fail "PROG ran: $(prog_runs srv)"
	[[ $(grep -c 'tunnel .* up' "$T/srv.log") == 1 ]] || fail "$(grep 'tunnel' "$T/srv.log")"
	! log_has srv 'cannot|fatal' || fail "$(grep -E 'cannot|fatal' "$T/srv.log")"
}

# The identifiers that look like clients but are not authorized: no file
# at all, or a CONFDIR entry that is not a regular file, or a file whose
# name is the identifier in upper case.
write_unauthorized() {
	local conf=$T/conf/srv i
	for ((i = 0; i < 32; i++)); do
		printf 'badc0de0000000%02x\n' "$i"
	done >"$T/ids"
	mkdir "$conf/badd1200000000d1"
	ln -s nowhere "$conf/badd1200000000d2"
	ln -s . "$conf/badd1200000000d3"
	mkfifo "$conf/badd1200000000d4"
	: >"$conf/BADD1200000000D5"
	printf '%s\n' badd1200000000d{1..5} >>"$T/ids"
}

@test "a flood of 200000 junk datagrams makes no tun and no PROG, keeps RSS flat and file-system checks within budget, and the client's pings still cross" {
	topo 2
	write_unauthorized
	local s
	for s in 3 4 5 6 7 8 9; do
		addr "$C2" eth0 "198.18.2.$s/24"
		addr "$C2" eth0 "fd00:18:2::$s/64"
	done
	FLOOD_SRCS=(198.18.2.{2..9} fd00:18:2::{2..9})
	srv_start srv -v
	cli_start c1 1
	tunnel_up 1
	local srv_pid
	srv_pid=$(pid_of srv)

	# A small flood first, so that every page the flood's path touches
	# (receive buffers, the logging) is resident before RSS is measured.
	flood 2000 1 >/dev/null
	sleep 1
	local rss0 forks0 drops0
	rss0=$(rss_kib "$srv_pid")
	forks0=$(jt_forks "$srv_pid" | wc -l)
	drops0=$(socket_drops "$SRV")

	# The flood, while the authorized client pings every 10 ms.
	ip netns exec "$C1" ping -i 0.01 -w 300 -q 198.19.1.1 >"$T/ping.out" 2>&1 3>&- &
	record_pid ping $!
	local sent
	sent=$(flood "$FLOOD_COUNT" 2)
	echo "# flood: $sent" >&3
	sleep 0.5
	kill -INT "$(pid_of ping)"
	wait_for 10 pid_dead "$(pid_of ping)"
	local rss1 forks1 drops1
	rss1=$(rss_kib "$srv_pid")
	forks1=$(jt_forks "$srv_pid" | wc -l)
	drops1=$(socket_drops "$SRV")

	# Pings crossed all along, with under 5% lost.
	local tx rx
	tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' "$T/ping.out")
	rx=$(sed -nE 's/.* ([0-9]+) (packets )?received.*/\1/p' "$T/ping.out")
	echo "# client pings during the flood: $rx of $tx answered;" \
		"datagrams the server's socket dropped: $((drops1 - drops0))" >&3
	((tx >= 20)) || fail "too few pings: $(cat "$T/ping.out")"
	((100 * (tx - rx) < 5 * tx)) || fail "ping loss over 5%: $(cat "$T/ping.out")"

	# RSS flat: at most 256 KiB more than before the flood.
	echo "# server RSS: ${rss0} KiB before, ${rss1} KiB after" >&3
	((rss1 <= rss0 + 256)) || fail "RSS grew from $rss0 to $rss1 KiB"
	((forks0 == 1 && forks1 == 1)) || fail "forwarding processes: $forks0 before, $forks1 after"
	no_new_client

	# The same flood again, with strace counting the server's file-system
	# calls (strace slows every system call of the server, so pings are
	# measured above, without it).  Each read of CONFDIR opens it once
	# (with openat under glibc, open under musl).
	strace -c -f -e trace='open,openat,getdents64,%%stat,access,faccessat,faccessat2' \
		-o "$T/strace.out" -p "$srv_pid" 2>"$T/strace.log" 3>&- &
	record_pid strace $!
	wait_for 10 grep -q attached "$T/strace.log"
	local t0=${EPOCHREALTIME/./}
	sent=$(flood "$FLOOD_COUNT" 3)
	echo "# flood under strace: $sent" >&3
	kill -INT "$(pid_of strace)"
	wait_for 10 pid_dead "$(pid_of strace)"
	local t1=${EPOCHREALTIME/./}
	# At most one read of CONFDIR a second, plus one for the partial
	# seconds at either end; no per-datagram stat at all.
	local reads stats secs limit
	reads=$(awk '($NF == "openat" || $NF == "open") && $4 ~ /^[0-9]+$/ {n += $4} END {print n + 0}' "$T/strace.out")
	stats=$(awk '$NF ~ /stat|access/ && $4 ~ /^[0-9]+$/ {n += $4} END {print n + 0}' "$T/strace.out")
	secs=$(((t1 - t0 + 999999) / 1000000))
	limit=$((RELOADS_PER_SECOND * secs + 2))
	echo "# CONFDIR reads under the flood: $reads in ${secs}s (limit $limit), stat-like calls: $stats" >&3
	((reads <= limit)) || fail "$reads reads of CONFDIR in ${secs}s: $(cat "$T/strace.out")"
	# (strace saw them at all: the first unknown identifier makes one)
	((reads >= 1)) || fail "strace counted no read of CONFDIR: $(cat "$T/strace.out" "$T/strace.log")"
	((stats <= 2 * limit)) || fail "$stats stat-like calls: $(cat "$T/strace.out")"

	jt_alive srv
	no_new_client
	[[ $(jt_forks "$srv_pid" | wc -l) == 1 ]]
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "identifiers whose CONFDIR entry is missing, a directory, a symlink to nothing or to a directory, a fifo, or an upper-case name are refused, each checked" {
	topo 2
	write_unauthorized
	srv_start srv -v
	cli_start c1 1
	tunnel_up 1
	local id pkt
	pkt=$(ipudp 198.19.1.2 198.19.1.1 4000 4000 hello)
	# One at a time, each looked up in the listing of CONFDIR.
	for id in badc0de000000000 badd1200000000d{1..5}; do
		udp_send "$C2" 198.18.2.2 0 198.18.2.1 5151 "$id" "$id$pkt"
		wait_log srv "unauthorized identifier $id from 198.18.2.2:"
	done
	[[ $(tun_count "$SRV") == 1 ]]
	[[ $(run_count srv) == 1 ]]
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 1 ]]
	ping_ok "$C1" 198.19.1.1
}
