#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# The command line: -g, -h, -V, usage errors, option parsing, identifiers.

load lib

setup() {
	jt_setup
	# Even a command that should fail at once runs inside a namespace of
	# its own, so a jtunnel that wrongly starts can reach nothing.
	ns_add BARE bare
}

teardown() {
	jt_teardown
}

# jt ARGS...: jtunnel in the bare namespace, bounded (with PATH=$JT_PATH
# when that is set).
jt() {
	timeout -k 2 10 ip netns exec "$BARE" env ${JT_PATH:+PATH="$JT_PATH"} "$JTUNNEL" "$@"
}

# usage_error WORD ARGS...: jtunnel ARGS... is a usage error that names WORD.
usage_error() {
	local word=$1
	shift
	run --separate-stderr jt "$@"
	[[ $status == 2 ]] || fail "exit status $status, expected 2; stderr: $stderr"
	[[ -z $output ]] || fail "stdout not empty: $output"
	local first=${stderr%%$'\n'*} rest=${stderr#*$'\n'}
	first=${first#jtunnel: }
	[[ $stderr == *$'\n'* ]] || fail "only one line on stderr, no usage: $stderr"
	grep -qiF -- "$word" <<<"$first" || fail "first line does not name '$word': $first"
	grep -qi usage <<<"$rest" || fail "no usage after the first line: $rest"
	grep -q -- '-s' <<<"$rest" || fail "usage lacks the server synopsis: $rest"
}

@test "-g prints a random identifier of 16 lower-case hex digits and a newline, and exits 0" {
	run --separate-stderr jt -g
	[[ $status == 0 ]]
	[[ $output =~ ^[0-9a-f]{16}$ ]] || fail "stdout: '$output'"
	[[ $(jt -g | wc -c) == 17 ]]
	[[ $(jt -g | wc -l) == 1 ]]
}

@test "-g gives a different identifier each time" {
	local a b c
	a=$(jt -g)
	b=$(jt -g)
	c=$(jt -g)
	[[ $a != "$b" && $b != "$c" && $a != "$c" ]] || fail "$a $b $c"
}

@test "-h prints the usage on stdout (both synopses) and exits 0" {
	run --separate-stderr jt -h
	[[ $status == 0 ]]
	[[ -z $stderr ]] || fail "stderr: $stderr"
	grep -qi usage <<<"$output"
	grep -q -- '-s' <<<"$output"
	grep -q -- '-k' <<<"$output"
	grep -qi prog <<<"$output"
}

@test "-V prints the version on stdout and exits 0" {
	run --separate-stderr jt -V
	[[ $status == 0 ]]
	[[ -z $stderr ]] || fail "stderr: $stderr"
	[[ $output =~ ^jtunnel\ [0-9]+\.[0-9]+ ]] || fail "stdout: $output"
}

@test "--help is -h and --version is -V" {
	run --separate-stderr jt --help
	[[ $status == 0 && -z $stderr ]] || fail "exit $status, stderr: $stderr"
	[[ $output == "$(jt -h)" ]] || fail "stdout: $output"
	run --separate-stderr jt -s --version
	[[ $status == 0 && -z $stderr ]] || fail "exit $status, stderr: $stderr"
	[[ $output == "$(jt -V)" ]] || fail "stdout: $output"
}

@test "any other word beginning with -- is a usage error naming the whole word" {
	usage_error --frobnicate --frobnicate -s prog
	usage_error --helpme -s --helpme prog
}

@test "an unknown option is a usage error (exit 2) naming it" {
	usage_error -Z -Z -s prog
	usage_error -Z -s -Z prog
}

@test "an option missing its argument is a usage error naming the option" {
	usage_error -p -s -p
	usage_error -i -i
}

@test "an identifier shorter than 16 hex digits is a usage error naming it" {
	usage_error 0123456789abcde -s -i 0123456789abcde prog
}

@test "an identifier longer than 16 hex digits is a usage error naming it" {
	usage_error 0123456789abcdef0 -s -i 0123456789abcdef0 prog
}

@test "an identifier with a non-hex digit is a usage error naming it" {
	usage_error 0123456789abcdeg -i 0123456789abcdeg 198.18.1.1 5151 prog
}

@test "a port above 65535 is a usage error naming it" {
	usage_error 65536 -s -p 65536 prog
}

@test "a port that is not a number is a usage error naming it" {
	usage_error 51x1 -s -p 51x1 prog
	usage_error -1 -p -1 198.18.1.1 5151 prog
}

@test "a number with a sign or a leading blank is a usage error naming it" {
	usage_error "+1400" -m +1400 198.18.0.1 5151 true
	usage_error " 5151" -s -p " 5151" true
	usage_error "-0" -k -0 198.18.0.1 5151 true
}

@test "a client PORT argument that is not a port is a usage error naming it" {
	usage_error 99999 198.18.1.1 99999 prog
	usage_error http 198.18.1.1 http prog
}

@test "an MTU below 68 is a usage error naming it" {
	usage_error 67 -s -m 67 prog
}

@test "an MTU above 65000 is a usage error naming it" {
	usage_error 65001 -s -m 65001 prog
}

@test "an MTU that is not a number is a usage error naming it" {
	usage_error big -m big 198.18.1.1 5151 prog
}

@test "a keepalive interval that is not a number is a usage error naming it" {
	usage_error soon -k soon 198.18.1.1 5151 prog
}

@test "a client without ADDRESS is a usage error naming ADDRESS" {
	usage_error address
	usage_error address -i 0123456789abcdef
}

@test "a client without PORT is a usage error naming PORT" {
	usage_error port 198.18.1.1
}

@test "a client without PROG is a usage error naming PROG" {
	usage_error prog 198.18.1.1 5151
}

@test "a server without PROG is a usage error naming PROG" {
	usage_error prog -s
	usage_error prog -s -p 5151 -i 0123456789abcdef
}

@test "a CONFDIR that does not exist is fatal at start: exit 1, naming it" {
	run --separate-stderr jt -s -c "$T/no-such-dir" prog
	[[ $status == 1 ]] || fail "status $status; stderr: $stderr"
	grep -qF "$T/no-such-dir" <<<"$stderr" || fail "not named: $stderr"
}

# startup_fatal WORD ARGS...: jtunnel ARGS... exits 1 at start with exactly
# one line on stderr, which names WORD, and makes no tun.
startup_fatal() {
	local word=$1
	shift
	run --separate-stderr jt "$@"
	[[ $status == 1 ]] || fail "exit status $status, expected 1; stderr: $stderr"
	[[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
	grep -qF -- "$word" <<<"$stderr" || fail "does not name '$word': $stderr"
	[[ $(tun_count "$BARE") == 0 ]] || fail "a tun was made"
}

@test "a PROG not found in PATH is fatal at start: exit 1, one line naming it (server and client)" {
	startup_fatal no-such-jtprog -s -c "$T/conf" no-such-jtprog
	startup_fatal no-such-jtprog -c "$T/conf" 198.18.1.1 5151 no-such-jtprog
	JT_PATH=/usr/bin:/bin startup_fatal no-such-jtprog -s -i "$SRV_ID" -c "$T/conf" no-such-jtprog x y
}

@test "a PROG given by a path that does not exist is fatal at start, naming it" {
	startup_fatal "$T/no-such-prog" -s -c "$T/conf" "$T/no-such-prog"
}

@test "a PROG that is not executable, or is a directory, is fatal at start, naming it" {
	printf '#!/bin/sh\n' >"$T/plain"
	chmod 644 "$T/plain"
	startup_fatal "$T/plain" -s -c "$T/conf" "$T/plain"
	startup_fatal "$T/prog" -s -c "$T/conf" "$T/prog"
	# Found in PATH only as a file that cannot run.  The rest of PATH stays
	# (an emulator's wrapper needs it), and has no "plain" of its own.
	JT_PATH=$T:$PATH startup_fatal plain -s -c "$T/conf" plain
}

@test "a numeric -b of another family than a numeric ADDRESS is a usage error naming both" {
	local pair b a
	for pair in "198.18.1.2 fd00:18:1::1" "fd00:18:1::2 198.18.1.1" ":: 198.18.1.1" "0.0.0.0 fd00:18:1::1"; do
		read -r b a <<<"$pair"
		usage_error "$b" -b "$b" "$a" 5151 true
		grep -qF -- "$a" <<<"${stderr%%$'\n'*}" || fail "does not name $a: $stderr"
	done
	# Same families, or a host name, are fine: these get as far as
	# running (and are stopped by the timeout).
	run jt -b ::1 -c "$T/conf" -k 0 ::1 5151 true
	[[ $status == 124 ]] || fail "status $status: $output"
}

# hold_port ADDRESS: a UDP socket bound to ADDRESS port 5151 in the bare
# namespace (IPv6 only, for ::), until the test ends.
hold_port() {
	ip netns exec "$BARE" "$JT_PY" -c '
import socket, sys, time
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_DGRAM)
if ":" in a:
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
s.bind((a, 5151))
open(sys.argv[2], "w").close()
time.sleep(60)
' "$1" "$T/held" 3>&- &
	record_pid holder $!
	wait_for 10 test -e "$T/held"
}

@test "a port in use on :: is fatal, naming [::]:5151; the server does not fall back to 0.0.0.0" {
	hold_port ::
	run --separate-stderr jt -s -c "$T/conf" true
	[[ $status == 1 ]] || fail "status $status; stderr: $stderr"
	grep -qF '[::]:5151' <<<"$stderr" || fail "does not name [::]:5151: $stderr"
	grep -qi 'in use' <<<"$stderr" || fail "does not say why: $stderr"
}

@test "a port in use on 0.0.0.0 is fatal too, naming the address tried" {
	hold_port 0.0.0.0
	run --separate-stderr jt -s -c "$T/conf" true
	[[ $status == 1 ]] || fail "status $status; stderr: $stderr"
	grep -qF '[::]:5151' <<<"$stderr" || fail "does not name [::]:5151: $stderr"
}

@test "a server on a system without IPv6 sockets falls back to 0.0.0.0" {
	file -L "$JTUNNEL" | grep -q 'dynamically linked' || skip "a static jtunnel takes no LD_PRELOAD"
	command -v cc >/dev/null || skip "no C compiler"
	# socket(AF_INET6, ...) fails as where IPv6 is compiled out.
	cat >"$T/noinet6.c" <<-'EOF'
		#include <errno.h>
		#include <sys/socket.h>
		#include <sys/syscall.h>
		#include <unistd.h>
		int socket(int domain, int type, int protocol)
		{
			if (domain == AF_INET6) {
				errno = EAFNOSUPPORT;
				return -1;
			}
			return syscall(SYS_socket, domain, type, protocol);
		}
	EOF
	cc -shared -fPIC -o "$T/noinet6.so" "$T/noinet6.c"
	topo 1
	# (A sanitizer build is told that its runtime need not come first.)
	JT_EXEC="env LD_PRELOAD=$T/noinet6.so ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0" \
		srv_start srv
	log_has srv 'listening on 0\.0\.0\.0:5151'
	cli_start c1 1
	tunnel_up 1
}

# The tests below need a server or client running.

@test "options after PROG belong to PROG: the client passes -s -Z --x to it and stays a client" {
	topo 1
	jt_start c1 "$C1" -i "$(cid 1)" -c "$T/conf/c1" -k 0 \
		198.18.1.1 5151 "$T/prog.sh" c1 c 1 -s -Z --x
	# The client's PROG ran with them: so -s and -Z were not jtunnel's.
	wait_for 10 has_run c1
	[[ $(<"$T/prog/c1.$(run_field c1 tun).args") == $'-s\n-Z\n--x' ]] ||
		fail "PROG's arguments: $(cat "$T"/prog/c1.*.args)"
	jt_alive c1
}

@test "options after PROG belong to PROG: the server passes -v -m 1 to it" {
	topo 1
	jt_start srv "$SRV" -s -i "$SRV_ID" -c "$T/conf/srv" "$T/prog.sh" srv s auto -v -m 1
	cli_start c1 1
	wait_for 10 has_run srv
	local tun
	tun=$(run_field srv tun)
	[[ $(<"$T/prog/srv.$tun.args") == $'-v\n-m\n1' ]] ||
		fail "PROG's arguments: $(<"$T/prog/srv.$tun.args")"
	# -m 1 would be a bad MTU for jtunnel: it stayed PROG's.
	jt_alive srv
}

@test "-- ends the options" {
	topo 1
	jt_start c1 "$C1" -i "$(cid 1)" -c "$T/conf/c1" -k 0 -- \
		198.18.1.1 5151 "$T/prog.sh" c1 c 1 -i x
	wait_for 10 has_run c1
	[[ $(<"$T/prog/c1.$(run_field c1 tun).args") == $'-i\nx' ]]
	jt_alive c1
}

@test "PROG's arguments reach it unchanged, spaces and empty words included" {
	topo 1
	jt_start c1 "$C1" -i "$(cid 1)" -c "$T/conf/c1" -k 0 \
		198.18.1.1 5151 "$T/prog.sh" c1 c 1 "a b" "" '$HOME' '*'
	wait_for 10 has_run c1
	[[ $(<"$T/prog/c1.$(run_field c1 tun).args") == $'a b\n\n$HOME\n*' ]] ||
		fail "got: $(cat -A "$T/prog/c1.$(run_field c1 tun).args")"
}

@test "a server without -i makes a random identifier, logs it, and uses it on the wire" {
	topo 1
	rm "$T/conf/c1/$SRV_ID"
	SID= srv_start srv
	wait_log srv '[0-9a-f]{16}'
	local id
	id=$(grep -Eo '\b[0-9a-f]{16}\b' "$T/srv.log" | head -n 1)
	[[ -n $id && $id != "$SRV_ID" ]]
	# The client trusts the logged identifier and nothing else: the tunnel
	# only works if the server really sends it.
	allow c1 "$id"
	cli_start c1 1
	tunnel_up 1
}

@test "a client without -i makes a random identifier, logs it, and the server sees it" {
	topo 1
	srv_start srv
	CID= cli_start c1 1 -k 1
	wait_log c1 '[0-9a-f]{16}'
	local id
	id=$(grep -Eo '\b[0-9a-f]{16}\b' "$T/c1.log" | grep -v "$SRV_ID" | head -n 1)
	[[ -n $id ]]
	# Authorize it live; the server's PROG must see exactly that identifier.
	allow srv "$id"
	wait_for 10 has_run srv "$id"
}

@test "two runs without -i get different identifiers" {
	topo 2
	SID= srv_start srv
	CID= cli_start c1 1 -k 0
	wait_log srv '[0-9a-f]{16}'
	wait_log c1 '[0-9a-f]{16}'
	local a b
	a=$(grep -Eo '\b[0-9a-f]{16}\b' "$T/srv.log" | head -n 1)
	b=$(grep -Eo '\b[0-9a-f]{16}\b' "$T/c1.log" | grep -v "$a" | head -n 1)
	[[ -n $a && -n $b && $a != "$b" ]] || fail "'$a' '$b'"
}

@test "identifiers given in upper case are accepted and used in lower case" {
	topo 1
	# The files are lower case; the identifiers are given in upper case.
	SID=0123456789ABCDEF srv_start srv
	CID=C0FFEE0000000001 cli_start c1 1
	tunnel_up 1
	[[ $(run_field srv id) == c0ffee0000000001 ]]
	! grep -q 0123456789ABCDEF "$T/srv.log" || fail "server logs its id in upper case"
	! grep -q C0FFEE0000000001 "$T/c1.log" "$T/srv.log" || fail "client id logged in upper case"
}

@test "CONFDIR defaults to /etc/jtunnel" {
	topo 1
	# Each jtunnel gets a private /etc (an overlay in a mount namespace of
	# its own) whose jtunnel directory authorizes its peer.
	local s=$T/etc-srv c=$T/etc-c1
	mkdir -p "$s" "$c"
	JT_WRAP="mount -t tmpfs tmpfs $s && mkdir $s/u $s/w &&
		mount -t overlay overlay -o lowerdir=/etc,upperdir=$s/u,workdir=$s/w /etc &&
		mkdir -p /etc/jtunnel && : >/etc/jtunnel/$(cid 1)" \
		jt_start srv "$SRV" -s -i "$SRV_ID" "$T/prog.sh" srv s auto
	JT_WRAP="mount -t tmpfs tmpfs $c && mkdir $c/u $c/w &&
		mount -t overlay overlay -o lowerdir=/etc,upperdir=$c/u,workdir=$c/w /etc &&
		mkdir -p /etc/jtunnel && : >/etc/jtunnel/$SRV_ID" \
		jt_start c1 "$C1" -i "$(cid 1)" 198.18.1.1 5151 "$T/prog.sh" c1 c 1
	tunnel_up 1
}
