#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Privileges: jtunnel needs only CAP_NET_ADMIN (and CAP_NET_BIND_SERVICE
# for a port below 1024), not root.  These tests run server and client as
# user nobody with setpriv.
#
# Everything nobody must read (CONFDIR, PROG) lives in a world-readable
# directory of the test's own under /tmp ($P): the test's $T is not.
# /dev/net/tun is 0666 on most systems; where it is not (a container's
# /dev), each jtunnel runs in a private mount namespace with a 0666 node of
# the same device bound over it, which leaves the system's node alone.

load lib

NOBODY="--reuid=nobody --regid=nogroup --clear-groups"
NET_ADMIN="--inh-caps=+net_admin --ambient-caps=+net_admin"

setup() {
	jt_setup
	P=$(mktemp -d /tmp/jtpriv.XXXXXX)
	chmod 755 "$P"
	mkdir -p "$P/conf/srv" "$P/conf/c1" "$P/out"
	chmod 1777 "$P/out"
	: >"$P/conf/srv/$(cid 1)"
	: >"$P/conf/c1/$SRV_ID"
	chmod -R a+rX "$P/conf"
	write_priv_prog "$P/prog"
	JT_WRAP=
	if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
		mknod -m 666 "$P/tun" c 10 200
		JT_WRAP="mount --bind $P/tun /dev/net/tun"
	fi
	# nobody must be able to run the binary under test.
	setpriv $NOBODY -- test -x "$JTUNNEL" || skip "user nobody cannot run $JTUNNEL"
}

teardown() {
	jt_teardown
	rm -rf "$P"
}

# The PROG: prog LABEL s|c: records who runs it and with which
# capabilities in $P/out/LABEL, then gives the tun the overlay address of
# tunnel 1 and brings it up.
write_priv_prog() {
	cat >"$1" <<-'EOF'
		#!/bin/sh
		out=${0%/*}/out/$1 host=2
		[ "$2" = s ] && host=1
		{
		    echo "uid=$(id -u) gid=$(id -g)"
		    grep -E '^Cap(Eff|Amb):' /proc/self/status
		} >"$out.who"
		ip addr add "198.19.1.$host/24" dev "$TUN_DEV_NAME" 2>"$out.err" &&
		    ip link set "$TUN_DEV_NAME" up 2>>"$out.err" &&
		    echo ok >"$out.done"
	EOF
	chmod 755 "$1"
}

# as_nobody NAME NS CAPS ARGS...: jtunnel ARGS... as nobody in NS, with
# CAPS (setpriv's capability options, words in one string, maybe empty).
as_nobody() {
	local name=$1 ns=$2 caps=$3
	shift 3
	JT_EXEC="setpriv $NOBODY $caps --" jt_start "$name" "$ns" "$@"
}

uid_of() { awk '/^Uid:/ {print $2}' "/proc/$1/status"; }

# cap_has HEXMASK CAP_NUMBER
cap_has() { (((16#$1 >> $2) & 1)); }
CAP_NET_ADMIN=12

@test "as user nobody with only CAP_NET_ADMIN (ambient), server and client make their tuns, PROG runs as nobody with the capability and configures them, and pings cross" {
	topo 1
	as_nobody srv "$SRV" "$NET_ADMIN" -s -i "$SRV_ID" -c "$P/conf/srv" \
		"$P/prog" srv s
	wait_for 10 listening "$SRV" "$(pid_of srv)"
	as_nobody c1 "$C1" "$NET_ADMIN" -i "$(cid 1)" -c "$P/conf/c1" \
		198.18.1.1 5151 "$P/prog" c1 c
	wait_for 10 test -e "$P/out/srv.done" ||
		fail "server PROG: $(cat "$P/out/srv.who" "$P/out/srv.err" 2>&1)"
	wait_for 10 test -e "$P/out/c1.done" ||
		fail "client PROG: $(cat "$P/out/c1.who" "$P/out/c1.err" 2>&1)"
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2

	# jtunnel and its forks, and both PROGs, ran as nobody.
	local p
	for p in "$(pid_of srv)" $(jt_forks "$(pid_of srv)") "$(pid_of c1)" \
		$(jt_forks "$(pid_of c1)"); do
		[[ $(uid_of "$p") == 65534 ]] || fail "process $p runs as uid $(uid_of "$p")"
	done
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 && $(jt_forks "$(pid_of srv)" | wc -l) == 1 ]]
	local side eff amb
	for side in srv c1; do
		grep -q '^uid=65534 ' "$P/out/$side.who" || fail "$side PROG: $(cat "$P/out/$side.who")"
		eff=$(awk '/^CapEff:/ {print $2}' "$P/out/$side.who")
		amb=$(awk '/^CapAmb:/ {print $2}' "$P/out/$side.who")
		cap_has "$eff" $CAP_NET_ADMIN && cap_has "$amb" $CAP_NET_ADMIN ||
			fail "$side PROG lacks CAP_NET_ADMIN: $(cat "$P/out/$side.who")"
	done
	# And SIGTERM still ends everything as root's would.
	record_tree srv
	jt_stop srv TERM
	[[ $JT_STATUS == 0 ]]
	wait_for 10 tree_gone srv
	[[ $(tun_count "$SRV") == 0 ]]
}

@test "as user nobody without CAP_NET_ADMIN, the server exits 1 saying it cannot open a tun" {
	topo 1
	as_nobody srv "$SRV" "" -s -i "$SRV_ID" -c "$P/conf/srv" "$P/prog" srv s
	jt_wait_exit srv
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	log_has srv 'cannot open a tun'
	[[ $(tun_count "$SRV") == 0 ]]
	[[ ! -e $P/out/srv.who ]]
}

@test "as user nobody without CAP_NET_ADMIN, the client exits 1 saying it cannot open a tun" {
	topo 1
	as_nobody c1 "$C1" "" -i "$(cid 1)" -c "$P/conf/c1" \
		198.18.1.1 5151 "$P/prog" c1 c
	jt_wait_exit c1
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	log_has c1 'cannot open a tun'
	[[ $(tun_count "$C1") == 0 ]]
}

@test "as user nobody, a server port below 1024 needs CAP_NET_BIND_SERVICE: without it exit 1 naming bind, with it the tunnel works" {
	topo 1
	as_nobody srv "$SRV" "$NET_ADMIN" -s -p 515 -i "$SRV_ID" \
		-c "$P/conf/srv" "$P/prog" srv s
	jt_wait_exit srv
	[[ $JT_STATUS == 1 ]] || fail "exit status $JT_STATUS"
	log_has srv 'bind'
	as_nobody srv2 "$SRV" \
		"--inh-caps=+net_admin,+net_bind_service --ambient-caps=+net_admin,+net_bind_service" -s -p 515 -i "$SRV_ID" \
		-c "$P/conf/srv" "$P/prog" srv s
	wait_for 10 listening "$SRV" "$(pid_of srv2)"
	as_nobody c1 "$C1" "$NET_ADMIN" -i "$(cid 1)" -c "$P/conf/c1" \
		198.18.1.1 515 "$P/prog" c1 c
	wait_for 10 test -e "$P/out/srv.done"
	wait_for 10 test -e "$P/out/c1.done"
	ping_ok "$C1" 198.19.1.1
}

@test "with CAP_NET_ADMIN as a file capability instead (no ambient set), jtunnel runs as nobody but PROG has no capability: its failure is logged and the tunnel still forwards" {
	command -v setcap >/dev/null || skip "no setcap (Debian package libcap2-bin)"
	topo 1
	cp "$JTUNNEL" "$P/jtunnel"
	chmod 755 "$P/jtunnel"
	setcap cap_net_admin+ep "$P/jtunnel" || skip "this file system takes no file capabilities"
	JTUNNEL=$P/jtunnel as_nobody srv "$SRV" "" -s -i "$SRV_ID" -c "$P/conf/srv" "$P/prog" srv s
	wait_for 10 listening "$SRV" "$(pid_of srv)"
	as_nobody c1 "$C1" "$NET_ADMIN" -i "$(cid 1)" -c "$P/conf/c1" \
		198.18.1.1 5151 "$P/prog" c1 c
	wait_for 10 test -e "$P/out/c1.done"
	# The server's PROG ran as nobody without CAP_NET_ADMIN: ip failed,
	# PROG exited non-zero, and jtunnel logged it.
	wait_for 10 test -s "$P/out/srv.err"
	[[ ! -e $P/out/srv.done ]]
	grep -q '^uid=65534 ' "$P/out/srv.who"
	! cap_has "$(awk '/^CapEff:/ {print $2}' "$P/out/srv.who")" $CAP_NET_ADMIN ||
		fail "the server's PROG had CAP_NET_ADMIN: $(cat "$P/out/srv.who")"
	wait_log srv "PROG .*prog for .*tun[0-9]+.* exited with status [1-9]"
	# The tun is there, unconfigured; configured by hand, it forwards.
	[[ $(tun_count "$SRV") == 1 ]]
	local tun
	tun=$(tun_names "$SRV")
	ip -n "$SRV" addr add 198.19.1.1/24 dev "$tun"
	ip -n "$SRV" link set "$tun" up
	ping_ok "$C1" 198.19.1.1
	ping_ok "$SRV" 198.19.1.2
}

@test "a CONFDIR that jtunnel cannot read (mode 000, run as nobody) is fatal at start: server and client exit 1 with one line naming it" {
	topo 1
	chmod 000 "$P/conf/srv" "$P/conf/c1"
	as_nobody srv "$SRV" "$NET_ADMIN" -s -i "$SRV_ID" -c "$P/conf/srv" "$P/prog" srv s
	as_nobody c1 "$C1" "$NET_ADMIN" -i "$(cid 1)" -c "$P/conf/c1" 198.18.1.1 5151 "$P/prog" c1 c
	local side
	for side in srv c1; do
		jt_wait_exit "$side"
		[[ $JT_STATUS == 1 ]] || fail "$side: exit status $JT_STATUS"
		[[ $(grep -c "$P/conf/$side" "$T/$side.log") == 1 ]] ||
			fail "$side: no one line naming $P/conf/$side: $(cat "$T/$side.log")"
		grep "$P/conf/$side" "$T/$side.log" | grep -qi 'permission denied' ||
			fail "$side: the line does not say why: $(cat "$T/$side.log")"
		[[ ! -e $P/out/$side.who ]] || fail "$side ran PROG"
	done
	[[ $(tun_count "$SRV") == 0 && $(tun_count "$C1") == 0 ]]
}

@test "CONFDIR made unreadable while the server runs (as nobody): its client keeps its tunnel, a new client is refused, and let in once CONFDIR is readable again" {
	topo 2
	: >"$P/conf/srv/$(cid 2)"
	mkdir -p "$P/conf/c2"
	: >"$P/conf/c2/$SRV_ID"
	chmod -R a+rX "$P/conf"
	as_nobody srv "$SRV" "$NET_ADMIN" -s -v -i "$SRV_ID" -c "$P/conf/srv" "$P/prog" srv s
	wait_for 10 listening "$SRV" "$(pid_of srv)"
	as_nobody c1 "$C1" "$NET_ADMIN" -i "$(cid 1)" -c "$P/conf/c1" 198.18.1.1 5151 "$P/prog" c1 c
	wait_for 10 test -e "$P/out/srv.done"
	ping_ok "$C1" 198.19.1.1
	chmod 000 "$P/conf/srv"
	# The server's listing of CONFDIR may be up to a second old.
	sleep 1.2
	# Client 2 (no PROG of its own: its tun is configured by hand).
	as_nobody c2 "$C2" "$NET_ADMIN" -k 1 -i "$(cid 2)" -c "$P/conf/c2" 198.18.2.1 5151 true
	wait_log srv "unauthorized identifier $(cid 2)"
	sleep 1
	[[ $(tun_count "$SRV") == 1 ]] || fail "tuns: $(tun_names "$SRV")"
	ping_ok "$C1" 198.19.1.1
	jt_alive srv
	chmod 755 "$P/conf/srv"
	wait_for 10 eval '[[ $(tun_count "$SRV") == 2 ]]'
	wait_log srv "client $(cid 2) .*tunnel .* up"
	ping_ok "$C1" 198.19.1.1
}
