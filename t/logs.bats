#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The log: -L to syslog, priorities for the journal, reports of dropped
# datagrams that come on time without further traffic, the routine drop at
# a new tun not reported as a problem, -v events rate-limited per kind, a
# refused identifier logged once with the file that would authorize it, and
# a CONFDIR file named in upper case warned about once.

load lib

setup() {
	jt_setup
	write_syslogd "$T/syslogd.py"
}

teardown() {
	jt_teardown
}

# ------------------------------------------------------------ syslog

# A stand-in for syslogd: python3 syslogd.py SOCKET OUT appends every
# datagram received on the Unix socket SOCKET to OUT, one a line; it stops
# by itself after two minutes.
write_syslogd() {
	cat >"$1" <<-'EOF'
		import os
		import socket
		import sys

		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(sys.argv[1])
		s.settimeout(120)
		with open(sys.argv[2], "a") as out:
		    while True:
		        try:
		            data = s.recv(4096)
		        except socket.timeout:
		            break
		        out.write(data.decode("utf-8", "replace").rstrip("\n") + "\n")
		        out.flush()
	EOF
}

# syslogd_start: the stand-in listens on $T/log.sock, writing $T/syslog;
# JT_WRAP, for jt_start, makes that socket /dev/log in jtunnel's own mount
# namespace (an overlay on /dev, so the system's /dev is untouched).
syslogd_start() {
	: >"$T/syslog"
	"$JT_PY" "$T/syslogd.py" "$T/log.sock" "$T/syslog" 3>&- &
	record_pid syslogd $!
	wait_for 10 test -S "$T/log.sock"
	local o=$T/devov
	mkdir -p "$o"
	SYSLOG_WRAP="mount -t tmpfs tmpfs $o && mkdir $o/u $o/w && : >$o/u/log &&
		mount -t overlay overlay -o lowerdir=/dev,upperdir=$o/u,workdir=$o/w /dev &&
		mount --bind $T/log.sock /dev/log"
}

syslog_has() { grep -Eq -- "$1" "$T/syslog"; }

# The jtunnel lines (not PROG's) in jtunnel NAME's stderr.
own_lines() { grep -E '^(<[0-9]>)?jtunnel: ' "$T/$1.log" || true; }

@test "-L: the log goes to syslog, facility daemon, with the process ID and one priority per line, and not to stderr" {
	topo 1
	syslogd_start
	JT_WRAP=$SYSLOG_WRAP PROG_OPTS=exit=3 srv_start srv -L -v
	JT_WRAP=$SYSLOG_WRAP cli_start c1 1 -L
	wait_for 10 has_run srv "$(cid 1)"
	local pid
	pid=$(pid_of srv)
	# daemon (3) * 8 + info (6) = 30; err (3) 27; debug (7) 31.
	wait_for 10 syslog_has "^<30>(.* )?jtunnel\[$pid\]: server $SRV_ID listening on "
	wait_for 10 syslog_has "^<31>(.* )?jtunnel\[$pid\]: client $(cid 1) seen at 198\.18\.1\.2:"
	wait_for 10 syslog_has "^<27>(.* )?jtunnel\[$pid\]: PROG .* exited with status 3"
	wait_for 10 syslog_has "^<30>(.* )?jtunnel\[$(pid_of c1)\]: client $(cid 1): .*tunnel tun"
	# Every line has the daemon facility.
	! grep -Ev '^<(2[4-9]|3[01])>' "$T/syslog" || fail "a line of another facility"
	[[ -z $(own_lines srv) && -z $(own_lines c1) ]] ||
		fail "jtunnel lines on stderr: $(own_lines srv) $(own_lines c1)"
	# PROG's own output still goes to jtunnel's stderr.
	grep -q '^prog: srv stderr for tun' "$T/srv.log"
}

# ----------------------------------------------------------- journal

# journal_stream NAME: the JOURNAL_STREAM that names $T/NAME.log (created
# now, truncated but not replaced by jt_start's redirection).
journal_stream() {
	: >"$T/$1.log"
	stat -c '%d:%i' "$T/$1.log"
}

@test "under systemd (JOURNAL_STREAM names stderr) every jtunnel line starts with its sd-daemon priority" {
	topo 1
	JOURNAL_STREAM=$(journal_stream srv) PROG_OPTS=exit=3 srv_start srv -v
	JOURNAL_STREAM=$(journal_stream c1) cli_start c1 1
	wait_for 10 has_run srv "$(cid 1)"
	wait_log srv "^<3>jtunnel: PROG .* exited with status 3"
	log_has srv "^<6>jtunnel: server $SRV_ID listening on "
	log_has srv "^<7>jtunnel: client $(cid 1) seen at "
	wait_log c1 "^<6>jtunnel: client $(cid 1): .*tunnel tun"
	# No jtunnel line without a priority; PROG's lines are its own.
	! grep -E '^jtunnel: ' "$T/srv.log" "$T/c1.log" || fail "lines without a priority"
	grep -q '^prog: srv stderr for tun' "$T/srv.log"
}

@test "a JOURNAL_STREAM that names another file than stderr adds no priority prefix" {
	topo 1
	: >"$T/other"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T/other") srv_start srv
	log_has srv "^jtunnel: server $SRV_ID listening on "
	! log_has srv '^<[0-9]>' || fail "prefixes: $(cat "$T/srv.log")"
}

# ------------------------------------------------------------- drops

# report_count NAME PATTERN: how many drop reports matching PATTERN jtunnel
# NAME has logged.
report_count() { grep -Ec -- "dropped datagrams: .*$2" "$T/$1.log" || true; }
reports_reach() { (($(report_count "$1" "$2") >= $3)); }
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

# drops_on_time NAME PATTERN COMMAND...: COMMAND makes jtunnel NAME drop
# datagrams (the cause in PATTERN); the report comes within 2.5 s.  COMMAND
# again at once: its report comes by itself, with no datagram after it,
# within 10.8 s (10 s and a tick), yet not within 9.5 s of the first report.
drops_on_time() {
	local name=$1 pattern=$2 t1 t2 t3
	shift 2
	"$@"
	wait_for 3 reports_reach "$name" "$pattern" 1
	t1=$(now_ms)
	"$@"
	t2=$(now_ms)
	wait_for 12 reports_reach "$name" "$pattern" 2
	t3=$(now_ms)
	echo "# second report $((t3 - t2)) ms after its drops, $((t3 - t1)) ms after the first" >&3
	((t3 - t2 <= 10800)) || fail "the report came $((t3 - t2)) ms after its drops"
	((t3 - t1 >= 9500)) || fail "two reports $((t3 - t1)) ms apart"
}

unauthorized_datagrams() {
	udp_send "$C1" 198.18.1.2 40009 198.18.1.1 5151 "$BAD_ID" "${BAD_ID}00" "${BAD_ID}01"
}

@test "drops counted by the server are reported within 10 s, with no further datagram, and at most every 10 s" {
	topo 1
	srv_start srv
	drops_on_time srv '3 unauthorized' unauthorized_datagrams
}

ping_into_refusal() { ip netns exec "$SRV" ping -c 2 -i 0.2 -W 1 -q 198.19.1.2 >/dev/null 2>&1 || true; }

@test "drops counted by a server's forwarding process (sends refused) are reported on time, naming the client" {
	topo 1
	PROG_OPTS=no6 srv_start srv
	PROG_OPTS=no6 cli_start c1 1 -k 0
	tunnel_up 1
	# The server's firewall refuses what it sends to its client.
	block "$SRV" output udp sport 5151
	drops_on_time srv "not sent \(Operation not permitted\)" ping_into_refusal
	grep 'dropped datagrams' "$T/srv.log" | grep -q "client $(cid 1): dropped datagrams: " ||
		fail "the client is not named: $(grep dropped "$T/srv.log")"
}

# A server whose PROG leaves the tun down, and a client that sends it K
# pings: each is dropped at the tun that is not up.
pings_to_a_tun_down() {
	ip netns exec "$C1" ping -c "$1" -i 0.01 -W 1 -q 198.19.1.1 >/dev/null 2>&1 || true
}

@test "a few datagrams dropped at a new tun not up yet are not reported as a problem; many are" {
	topo 1
	PROG_OPTS=noconf srv_start srv
	cli_start c1 1 -k 0
	wait_for 10 has_run srv "$(cid 1)"
	wait_for 10 has_run c1
	pings_to_a_tun_down 2
	sleep 2.5
	! log_has srv 'dropped' || fail "reported: $(grep dropped "$T/srv.log")"
	sleep 8
	pings_to_a_tun_down 30
	wait_log srv 'dropped datagrams: [0-9]+ for a tun not up' 13
}

@test "with -v, the few routine drops at a tun not up yet are logged, at debug level" {
	topo 1
	: >"$T/srv.log"
	JOURNAL_STREAM=$(stat -c '%d:%i' "$T/srv.log") PROG_OPTS=noconf srv_start srv -v
	cli_start c1 1 -k 0
	wait_for 10 has_run srv "$(cid 1)"
	wait_for 10 has_run c1
	pings_to_a_tun_down 2
	wait_log srv '^<7>jtunnel: dropped datagrams: [1-8] for a tun not up$' 3
}

# ------------------------------------------------------- -v events

refused_lines() { grep -c 'unauthorized identifier' "$T/$1.log" || true; }

@test "-v under a flood of unknown identifiers: at most 10 refusal lines, then one line counting the rest; other kinds still logged" {
	topo 2
	srv_start srv -v
	# 2000 datagrams, each from a random identifier (8 random bytes or more).
	udp_random "$C2" 198.18.2.2 0 198.18.2.1 5151 2000 8 40
	sleep 0.5
	local n
	n=$(refused_lines srv)
	echo "# refusal lines for 2000 random identifiers: $n" >&3
	((n >= 1 && n <= 10)) || fail "$n refusal lines"
	# Another kind is not held back by this one.
	cli_start c1 1
	wait_log srv "client $(cid 1) seen at 198\.18\.1\.2:"
	# Once the window has passed, one line counts what was left out.
	wait_log srv '[0-9]+ more identifier refused events left out' 12
	[[ $(grep -c 'more identifier refused events' "$T/srv.log") == 1 ]]
	(($(refused_lines srv) == n)) || fail "more refusal lines after the flood"
}

@test "-v: a refused identifier is logged once, with its address and the file that would authorize it" {
	topo 1
	srv_start srv -v
	local i hexes=()
	for ((i = 0; i < 30; i++)); do hexes+=("$BAD_ID"); done
	udp_send "$C1" 198.18.1.2 40009 198.18.1.1 5151 "${hexes[@]}"
	wait_log srv "unauthorized identifier $BAD_ID from 198\.18\.1\.2:40009: no file $T/conf/srv/$BAD_ID authorizes it"
	sleep 1.5
	udp_send "$C1" 198.18.1.2 40009 198.18.1.1 5151 "${hexes[@]}"
	sleep 1
	[[ $(refused_lines srv) == 1 ]] || fail "$(grep unauthorized "$T/srv.log")"
}

@test "-v: the client logs a refused server identifier once, naming the file that would authorize it" {
	fake_setup
	local i
	for i in 1 2 3; do
		fake_send 198.18.1.1 5151 "$BAD_ID" "no $i"
		sleep 0.3
	done
	sleep 1
	[[ $(refused_lines c1) == 0 ]] || fail "logged without -v"
	jt_stop c1 TERM
	CONF=$T/conf/c1 cli_start c2 1 -p 40001 -k 0 -v
	wait_for 10 has_run c2
	for i in 1 2 3; do
		fake_send 198.18.1.1 5151 "$BAD_ID" "no $i"
		sleep 0.3
	done
	wait_log c2 "unauthorized identifier $BAD_ID from 198\.18\.1\.1:5151: no file $T/conf/c1/$BAD_ID authorizes it"
	sleep 1
	[[ $(refused_lines c2) == 1 ]] || fail "$(grep unauthorized "$T/c2.log")"
}

@test "a CONFDIR file named by an identifier in upper case is warned about once, and authorizes nothing" {
	topo 2
	local upper
	upper=$(cid 2 | tr a-f A-F)
	disallow srv "$(cid 2)"
	: >"$T/conf/srv/$upper"
	srv_start srv
	# Keepalives every second: the server reads CONFDIR again for each.
	cli_start c2 2 -k 1
	wait_log srv "$upper authorizes nothing"
	sleep 3.5
	[[ $(grep -c "$upper" "$T/srv.log") == 1 ]] || fail "$(grep "$upper" "$T/srv.log")"
	! has_run srv "$(cid 2)"
	[[ $(tun_count "$SRV") == 0 ]]
}
