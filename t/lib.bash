# SPDX-License-Identifier: ISC
# Shared helpers for the jtunnel integration tests; every t/*.bats loads it
# with `load lib` and calls jt_setup and jt_teardown from setup and teardown.
#
# Everything a test makes lives in network namespaces named with a per-run,
# per-test prefix, and every process it starts is recorded so that teardown
# kills exactly those (TERM, then KILL after a bound) before deleting the
# namespaces.  Veth pairs are created inside the namespaces, never in the
# root namespace.  Addresses: underlay 198.18.0.0/16 and fd00:18::/32,
# overlay 198.19.0.0/16 and fd00:19::/32.
#
# Topology made by topo (link N joins the server to client N):
#   server namespace $SRV: interface sN, 198.18.N.1/24, fd00:18:N::1/64
#   client namespace $CN:  interface eth0, 198.18.N.2/24, fd00:18:N::2/64
# Inside the tunnel the test PROG gives the server's tun for client N
# 198.19.N.1/24 and fd00:19:N::1/64, and client N's tun 198.19.N.2/24 and
# fd00:19:N::2/64.

bats_require_minimum_version 1.5.0

JTUNNEL=${JTUNNEL:-$PWD/jtunnel}
# The binary cli_start runs: another build's, for a run that checks that
# the two work together (t/cross-check: a MIPS client, this host's server).
JTUNNEL_CLIENT=${JTUNNEL_CLIENT:-$JTUNNEL}
# The run prefix: t/run exports one for the whole run; kept short because
# it ends up in namespace names.
JT_RUN=${JT_RUN:-jt$(printf %04x $((RANDOM)))}

# Debian's python3 starts faster than a shim that may come first in PATH.
if [[ -z ${JT_PY:-} ]]; then
	JT_PY=python3
	[[ -x /usr/bin/python3 ]] && JT_PY=/usr/bin/python3
fi

SRV_ID=0123456789abcdef
BAD_ID=badbadbadbad0099
SRV_PORT=5151

# The identifier of client N: c0ffee00000000NN (NN in hex).
cid() { printf 'c0ffee00000000%02x' "$1"; }

u4() { echo "198.18.$1.$2"; }	# underlay, link N, host 1 (server) or 2 (client)
u6() { echo "fd00:18:$1::$2"; }
o4() { echo "198.19.$1.$2"; }	# overlay, tunnel N, host 1 (server) or 2 (client)
o6() { echo "fd00:19:$1::$2"; }

fail() {
	printf '%s\n' "$*" >&2
	return 1
}

# ---------------------------------------------------------------- setup

jt_setup() {
	T=$BATS_TEST_TMPDIR
	JT_NS_PREFIX=$JT_RUN-${BATS_SUITE_TEST_NUMBER:-$RANDOM}-
	declare -gA JT_PID=() JT_START=()
	JT_NSES=()
	JT_NAMES=()
	unset TUN_CLIENT_ID TUN_DEV_NAME
	mkdir -p "$T/conf" "$T/prog"
	write_prog "$T/prog.sh"
	ln -sf prog.sh "$T/jtprog"
	write_py "$T/jt.py"
	[[ -x $JTUNNEL ]] || fail "no jtunnel binary at $JTUNNEL (run make first)"
}

jt_teardown() {
	local name ns pids i
	if [[ -z ${BATS_TEST_COMPLETED:-} ]]; then
		for name in "${JT_NAMES[@]}"; do
			[[ -s $T/$name.log ]] || continue
			echo "--- last lines of $name's stderr ($T/$name.log)"
			tail -n 25 "$T/$name.log"
		done
	fi
	for name in "${!JT_PID[@]}"; do
		kill_bounded "${JT_PID[$name]}" "${JT_START[$name]}"
	done
	# Anything still inside our own namespaces (a PROG that outlived
	# its jtunnel, say) was started by this test.
	for ns in "${JT_NSES[@]}"; do
		pids=$(ip netns pids "$ns" 2>/dev/null) || continue
		[[ -n $pids ]] && kill -KILL $pids 2>/dev/null
	done
	for ((i = 0; i < 30; i++)); do
		pids=
		for ns in "${JT_NSES[@]}"; do
			pids+=$(ip netns pids "$ns" 2>/dev/null)
		done
		[[ -z $pids ]] && break
		sleep 0.1
	done
	for ns in "${JT_NSES[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# ------------------------------------------------------------ waiting

# wait_for SECONDS COMMAND...: runs COMMAND until it succeeds, at most
# SECONDS long.  Fails (naming COMMAND) on timeout.
wait_for() {
	local limit=$1
	shift
	local end=$((${EPOCHREALTIME/./} + limit * 1000000))
	while :; do
		"$@" && return 0
		((${EPOCHREALTIME/./} < end)) || break
		sleep 0.1
	done
	fail "timed out after ${limit}s waiting for: $*"
}

# ---------------------------------------------------------- processes

# The start time of a process (field 22 of /proc/PID/stat), which tells a
# process from a later one that reuses its PID.
starttime() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- $stat
	echo "${20}"
}

# proc_alive PID [STARTTIME]: the process exists, is not a zombie, and (when
# given) started at STARTTIME.
proc_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	set -- "$2" $stat
	[[ $2 != Z && $2 != X ]] || return 1
	[[ -z $1 || $1 == "${21}" ]]
}

kill_bounded() {
	local pid=$1 start=$2 i
	proc_alive "$pid" "$start" || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 30; i++)); do
		proc_alive "$pid" "$start" || break
		sleep 0.1
	done
	proc_alive "$pid" "$start" && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Records a background process under NAME so teardown ends it.
record_pid() {
	JT_PID[$1]=$2
	# A process that already ended (and was reaped) gets a start time no
	# live process has.
	JT_START[$1]=$(starttime "$2") || JT_START[$1]=ended
}

pid_of() { echo "${JT_PID[$1]}"; }
jt_alive() { proc_alive "${JT_PID[$1]}" "${JT_START[$1]}"; }
jt_dead() { ! jt_alive "$1"; }
pid_dead() { ! proc_alive "$@"; }

# jt_start NAME NAMESPACE ARGS...: runs jtunnel ARGS... in NAMESPACE in the
# background; stdout goes to $T/NAME.out, stderr to $T/NAME.log.  The PID
# is jtunnel's own (env, setsid, unshare and ip netns exec all exec it).
# jtunnel leads a process group of its own, so that a stray kill(0, ...)
# in it cannot hit the test runner.
#   JT_STDIN  file for stdin (default /dev/null)
#   JT_WRAP   shell commands run first in a private mount namespace (to
#             bind-mount a hosts file, or lay an overlay on /etc)
#   JT_EXEC   words put before jtunnel inside the namespace (setpriv ...)
#   JT_CANARY set: a "canary" process (sleep) shares jtunnel's process
#             group; canary_alive NAME tells whether it was spared
#   JT_BIN    the binary (default $JTUNNEL)
jt_start() {
	local name=$1 ns=$2
	shift 2
	local cmd=(ip netns exec "$ns" ${JT_EXEC:-} "${JT_BIN:-$JTUNNEL}" "$@")
	if [[ -n ${JT_WRAP:-} ]]; then
		cmd=(unshare --mount --propagation private
			bash -c "$JT_WRAP"' && exec "$@"' wrap "${cmd[@]}")
	fi
	if [[ -n ${JT_CANARY:-} ]]; then
		cmd=(bash -c 'sleep 60 & echo $! >"$0"; exec "$@"' "$T/$name.canary" "${cmd[@]}")
	fi
	# Only stdin, stdout and stderr: bats' own descriptors stay with bats.
	cmd=(bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}
		((fd > 2)) && eval "exec $fd>&-"; done; exec "$@"' close-fds "${cmd[@]}")
	# A background job of a script starts with SIGINT ignored; give
	# jtunnel default dispositions, as from a terminal or a supervisor.
	env --default-signal setsid "${cmd[@]}" \
		<"${JT_STDIN:-/dev/null}" >"$T/$name.out" 2>"$T/$name.log" 3>&- &
	record_pid "$name" $!
	JT_NAMES+=("$name")
	if [[ -n ${JT_CANARY:-} ]]; then
		wait_for 10 test -s "$T/$name.canary"
		record_pid "canary-$name" "$(<"$T/$name.canary")"
	fi
}

canary_alive() { jt_alive "canary-$1"; }

# srv_start NAME [OPTIONS...]: the server in $SRV with identifier $SRV_ID,
# CONFDIR $T/conf/srv, and the test PROG labelled NAME.
#   SID    identifier (empty: no -i)    PROG_OPTS  words for the test PROG
#   NOWAIT set: do not wait for it to listen
srv_start() {
	local name=$1
	shift
	local args=(-s)
	[[ -n ${SID-$SRV_ID} ]] && args+=(-i "${SID-$SRV_ID}")
	args+=(-c "${CONF:-$T/conf/srv}" "$@" "${PROG:-$T/prog.sh}" "$name" s auto ${PROG_OPTS:-})
	jt_start "$name" "${NS:-$SRV}" "${args[@]}"
	# Wait until it listens, so that no client's first keepalive is lost.
	[[ -n ${NOWAIT:-} ]] || wait_for 10 listening "${NS:-$SRV}" "$(pid_of "$name")"
}

# listening NS PID: process PID has a UDP socket bound in NS.
listening() {
	ip netns exec "$1" ss -Hlunp | grep -q "pid=$2,"
}

# cli_start NAME N [OPTIONS...]: client N in namespace $CN with identifier
# cid N, CONFDIR $T/conf/cN, talking to 198.18.N.1 port 5151.
#   ADDR, PORT  the server's    CID  identifier (empty: no -i)
#   NS, CONF, PROG, PROG_OPTS   as for srv_start
cli_start() {
	local name=$1 n=$2
	shift 2
	local nsvar=C$n args=()
	[[ -n ${CID-$(cid "$n")} ]] && args+=(-i "${CID-$(cid "$n")}")
	args+=(-c "${CONF:-$T/conf/c$n}" "$@" "${ADDR:-$(u4 "$n" 1)}" "${PORT:-$SRV_PORT}"
		"${PROG:-$T/prog.sh}" "$name" c "$n" ${PROG_OPTS:-})
	JT_BIN=$JTUNNEL_CLIENT jt_start "$name" "${NS:-${!nsvar}}" "${args[@]}"
}

# jt_wait_exit NAME [SECONDS]: waits (bounded) for jtunnel NAME to exit and
# sets JT_STATUS to its exit status.
jt_wait_exit() {
	local pid=${JT_PID[$1]}
	wait_for "${2:-10}" jt_dead "$1" || return 1
	JT_STATUS=0
	wait "$pid" || JT_STATUS=$?
}

# jt_stop NAME SIGNAL: signals jtunnel NAME and waits for its exit status.
jt_stop() {
	kill -"$2" "${JT_PID[$1]}"
	jt_wait_exit "$1"
}

# The children of PID that run the same program (jtunnel's forks, not PROG).
jt_forks() {
	local exe p
	exe=$(readlink "/proc/$1/exe") || return 0
	for p in $(ps -o pid= --ppid "$1"); do
		proc_alive "$p" || continue
		[[ $(readlink "/proc/$p/exe" 2>/dev/null) == "$exe" ]] && echo "$p"
	done
	return 0
}

# All live descendants of PID.
descendants() {
	local p
	for p in $(ps -o pid= --ppid "$1"); do
		proc_alive "$p" || continue
		echo "$p"
		descendants "$p"
	done
}

# Records jtunnel NAME and all its descendants now, for tree_gone later.
record_tree() {
	local p pid=${JT_PID[$1]} canary=${JT_PID[canary-$1]:-}
	for p in "$pid" $(descendants "$pid"); do
		# The canary is jtunnel's child only because jtunnel was exec'd
		# by its parent shell; it is meant to outlive jtunnel.
		[[ $p == "$canary" ]] && continue
		echo "$p $(starttime "$p")" >>"$T/$1.tree"
	done
}

# Every process recorded by record_tree NAME has ended.
tree_gone() {
	local p s
	while read -r p s; do
		proc_alive "$p" "$s" && return 1
	done <"$T/$1.tree"
	return 0
}

# ----------------------------------------------------------- namespaces

# ns_add VAR ROLE: makes namespace <prefix>ROLE, loopback up, and stores its
# name in VAR.
ns_add() {
	local name=$JT_NS_PREFIX$2
	JT_NSES+=("$name")
	ip netns add "$name" || return 1
	ip -n "$name" link set lo up
	# Ephemeral ports from 49152 only: the fixed ports the tests bind
	# (40001, 40002, ...) are then never a random port some jtunnel took.
	ip netns exec "$name" sysctl -qw net.ipv4.ip_local_port_range="49152 60999" || return 1
	printf -v "$1" '%s' "$name"
}

# veth NS_A IF_A NS_B IF_B: a veth pair made inside NS_A, its peer moved to
# NS_B at creation; both ends up.
veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3" || return 1
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

addr() {	# addr NS IF ADDRESS/PREFIX
	if [[ $3 == *:* ]]; then
		ip -n "$1" addr add "$3" dev "$2" nodad
	else
		ip -n "$1" addr add "$3" dev "$2"
	fi
}

# topo K: the server namespace $SRV and clients $C1..$CK, one veth link
# each; server CONFDIR authorizes every client, each client's the server.
topo() {
	local n v
	ns_add SRV srv
	mkdir -p "$T/conf/srv"
	for ((n = 1; n <= $1; n++)); do
		ns_add "C$n" "c$n"
		v=C$n
		veth "$SRV" "s$n" "${!v}" eth0
		addr "$SRV" "s$n" "$(u4 "$n" 1)/24"
		addr "$SRV" "s$n" "$(u6 "$n" 1)/64"
		addr "${!v}" eth0 "$(u4 "$n" 2)/24"
		addr "${!v}" eth0 "$(u6 "$n" 2)/64"
		mkdir -p "$T/conf/c$n"
		allow srv "$(cid "$n")"
		allow "c$n" "$SRV_ID"
	done
}

# topo_nat: client 1 behind a masquerading router.
#   $C1 eth0 198.18.1.2/24, default via 198.18.1.1
#   $RTR lan0 198.18.1.1/24, wan0 198.18.100.1/24 (masquerade, random ports)
#   $SRV eth0 198.18.100.2/24
topo_nat() {
	ns_add SRV srv
	ns_add RTR rtr
	ns_add C1 c1
	veth "$C1" eth0 "$RTR" lan0
	veth "$RTR" wan0 "$SRV" eth0
	addr "$C1" eth0 198.18.1.2/24
	ip -n "$C1" route add default via 198.18.1.1
	addr "$RTR" lan0 198.18.1.1/24
	addr "$RTR" wan0 198.18.100.1/24
	addr "$SRV" eth0 198.18.100.2/24
	ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$RTR" nft -f - <<-'EOF'
		table ip jtnat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "wan0" masquerade random
			}
		}
	EOF
	mkdir -p "$T/conf/srv" "$T/conf/c1"
	allow srv "$(cid 1)"
	allow c1 "$SRV_ID"
}

# allow DIR ID / disallow DIR ID: authorize ID in $T/conf/DIR, or not.
allow() { mkdir -p "$T/conf/$1" && : >"$T/conf/$1/$2"; }
disallow() { rm -f "$T/conf/$1/$2"; }

# ------------------------------------------------------- links and tuns

tun_count() { ip -n "$1" -o link show type tun | wc -l; }
# link_exists NS IFINDEX
link_exists() { ip -n "$1" -o link show | grep -q "^$2: "; }
tun_names() { ip -n "$1" -o link show type tun | awk -F': ' '{print $2}'; }
mtu_of() { ip -n "$1" -o link show dev "$2" | sed -E 's/.* mtu ([0-9]+) .*/\1/'; }
# rx_of NS IF: packets, errors and drops the interface received, summed.
rx_of() {
	ip -n "$1" -j -s link show dev "$2" |
		jq '.[0].stats64.rx | .packets + .errors + .dropped'
}

# ------------------------------------------------------------- the PROG

# The test PROG: prog.sh LABEL s|c N|auto [OPTION...]
# Records what it sees, then gives its tun the overlay addresses of tunnel N
# (auto: N from the last byte of TUN_CLIENT_ID) and brings it up.  Files in
# $T/prog: LABEL.TUN.env (its environment), LABEL.TUN.args (its arguments
# after N, one a line), and one line per run appended to LABEL.runs once
# configured:
#   tun=NAME idx=IFINDEX mtu=MTU id=TUN_CLIENT_ID|unset pid=PID stdin=PATH
# Options: no6 (no IPv6 address), noconf (configure nothing), linger (stay
# until SIGTERM, recording it in LABEL.TUN.term), exit=K (exit with K),
# selfkill=SIG (kill itself with SIG).  Other words are ignored.
write_prog() {
	cat >"$1" <<-'EOF'
		#!/bin/bash
		dir=${0%/*}/prog
		label=$1 side=$2 n=$3
		shift 3
		tun=${TUN_DEV_NAME:-none}
		stdin=$(readlink /proc/$$/fd/0)
		env >"$dir/$label.$tun.env"
		printf '%s\n' "$@" >"$dir/$label.$tun.args"
		link=$(ip -o link show dev "$tun" 2>/dev/null)
		idx=${link%%:*}
		mtu=$(sed -E 's/.* mtu ([0-9]+) .*/\1/' <<<"$link")
		echo "prog: $label stdout for $tun"
		echo "prog: $label stderr for $tun" >&2
		[[ $n == auto ]] && n=$((16#${TUN_CLIENT_ID: -2}))
		host=2
		[[ $side == s ]] && host=1
		opts=" $* "
		if [[ $opts != *" noconf "* ]]; then
			ip addr add "198.19.$n.$host/24" dev "$tun"
			[[ $opts == *" no6 "* ]] ||
				ip addr add "fd00:19:$n::$host/64" dev "$tun" nodad
			ip link set "$tun" up
		fi
		echo "tun=$tun idx=$idx mtu=$mtu id=${TUN_CLIENT_ID-unset} pid=$$ stdin=$stdin" \
			>>"$dir/$label.runs"
		for o in "$@"; do
			case $o in
			exit=*) exit "${o#exit=}" ;;
			selfkill=*) kill -"${o#selfkill=}" $$ ;;
			linger)
				trap 'echo TERM >>"$dir/$label.$tun.term"; exit 0' TERM
				fifo=$dir/.fifo.$$
				mkfifo "$fifo"
				exec {fd}<>"$fifo"
				rm -f "$fifo"
				read -r -t 60 -u "$fd"
				;;
			esac
		done
		exit 0
	EOF
	chmod +x "$1"
}

# The runs of PROG LABEL (for one client identifier, if given).
prog_runs() {
	[[ -f $T/prog/$1.runs ]] || return 0
	if [[ -n ${2:-} ]]; then
		grep " id=$2 " "$T/prog/$1.runs" || true
	else
		cat "$T/prog/$1.runs"
	fi
}
has_run() { [[ -n $(prog_runs "$@") ]]; }
run_count() { prog_runs "$@" | grep -c . || true; }
# run_field LABEL KEY [ID]: KEY of the last run.
run_field() {
	prog_runs "$1" "${3:-}" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# --------------------------------------------------------------- pings

ping1() { ip netns exec "$1" ping -c 1 -W 1 -q "$2" >/dev/null 2>&1; }
# ping_ok NS ADDRESS [SECONDS]: a ping gets an answer within SECONDS.
ping_ok() { wait_for "${3:-10}" ping1 "$1" "$2"; }
# ping_fails NS ADDRESS: three pings, none answered.
ping_fails() {
	! ip netns exec "$1" ping -c 3 -i 0.3 -W 1 -q "$2" >/dev/null 2>&1
}
# ping_size NS ADDRESS SIZE: a ping of SIZE payload bytes, never fragmented.
ping_size() {
	ip netns exec "$1" ping -c 1 -W 1 -q -M do -s "$3" "$2" >/dev/null 2>&1
}

# sanitized: JTUNNEL is the sanitizer build (make check SANITIZE=1).
sanitized() { grep -qa __asan_init "$JTUNNEL"; }

# block NS HOOK MATCH...: drops (nft) the packets matching MATCH at HOOK
# (input or output) in NS.  unblock NS lifts every such rule of NS.
block() {
	local ns=$1 hook=$2
	shift 2
	ip netns exec "$ns" nft add table inet jtblock &&
		ip netns exec "$ns" nft add chain inet jtblock "$hook" \
			"{ type filter hook $hook priority 0; policy accept; }" &&
		ip netns exec "$ns" nft add rule inet jtblock "$hook" "$@" drop
}
unblock() { ip netns exec "$1" nft delete table inet jtblock; }

# bird_run NAME NS: BIRD in NS with the configuration $T/NAME.conf (checked
# first), its log, control socket and PID file beside it; ended at teardown.
bird_run() {
	local name=$1 ns=$2
	bird -p -c "$T/$name.conf" || return 1
	ip netns exec "$ns" bird -c "$T/$name.conf" -s "$T/$name.ctl" -P "$T/$name.pid" -f \
		</dev/null >"$T/$name.out" 2>&1 3>&- &
	record_pid "$name" $!
	JT_NAMES+=("$name")
}

# jumbo_crosses TOPOLOGY: over client 1 of TOPOLOGY (topo, keyed_topo), with
# -m 9000 on both ends, 9000-byte packets cross both ways: datagrams larger
# than one receive slot (1536 bytes), fragmented on the 1500-byte veths;
# and so do TCP streams, cut into packets of 9000 bytes (whose datagrams
# the kernel will not send as one run: each goes alone, in fragments).
jumbo_crosses() {
	"$1" 1
	srv_start srv -m 9000
	cli_start c1 1 -m 9000
	tunnel_up 1
	ping_size "$C1" 198.19.1.1 8972 || fail "client to server"
	ping_size "$SRV" 198.19.1.2 8972 || fail "server to client"
	ping_size "$C1" 198.19.1.1 2100 || fail "client to server, a little over a slot"
	tcp_crosses_both_ways 1
}

# tcp_listening NS PORT: something listens on TCP port PORT in namespace NS.
tcp_listening() {
	[[ -n $(ip netns exec "$1" ss -Hltn "sport = :$2") ]]
}

# tun_packets NS DEV tx|rx: the packets the tun DEV has sent (to jtunnel)
# or received (from it).  Linux counts a segment that jtunnel cuts into
# packets as one sent.
tun_packets() {
	ip -n "$1" -j -s link show dev "$2" | jq ".[0].stats64.$3.packets"
}

# tcp_crosses FROM FROM_TUN TO TO_TUN ADDRESS: 4 MiB of random bytes (the
# same for every call in a test), sent over TCP from namespace FROM to
# ADDRESS (v4 or v6) in namespace TO, arrive intact.  Sets TCP_SENT and
# TCP_RECEIVED to the packets FROM_TUN gave jtunnel and TO_TUN took from it
# while they crossed.
tcp_crosses() {
	local from=$1 from_tun=$2 to=$3 to_tun=$4 addr=$5 listen connect pid
	listen="TCP4-LISTEN:5201,bind=$addr" connect="TCP4:$addr:5201"
	[[ $addr == *:* ]] && listen="TCP6-LISTEN:5201,bind=[$addr]" connect="TCP6:[$addr]:5201"
	[[ -f $T/tcp.sent ]] || head -c 4194304 /dev/urandom >"$T/tcp.sent"
	rm -f "$T/tcp.received"
	ip netns exec "$to" timeout 30 socat -u "$listen" "CREATE:$T/tcp.received" &
	pid=$!
	record_pid tcp-listener "$pid"
	wait_for 5 tcp_listening "$to" 5201
	local sent0 received0
	sent0=$(tun_packets "$from" "$from_tun" tx)
	received0=$(tun_packets "$to" "$to_tun" rx)
	ip netns exec "$from" timeout 30 socat -u "OPEN:$T/tcp.sent" "$connect" ||
		fail "sending to $addr failed"
	wait "$pid" || fail "receiving at $addr failed"
	TCP_SENT=$(($(tun_packets "$from" "$from_tun" tx) - sent0))
	TCP_RECEIVED=$(($(tun_packets "$to" "$to_tun" rx) - received0))
	cmp "$T/tcp.sent" "$T/tcp.received" || fail "the bytes $addr received differ from those sent"
}

# tcp_cut_crosses FROM FROM_TUN TO TO_TUN cut|uncut ADDRESS...: tcp_crosses
# to each ADDRESS, and FROM_TUN handed jtunnel segments to cut (Linux,
# offloads on), or did not: cut, TO_TUN took at least 5/4 as many packets
# from jtunnel as FROM_TUN gave it (some 30 times at MTU 1464, and 1.8 to 6
# times at 9000, where a segment holds 7 packets at most); uncut, fewer (the
# two are the same).
tcp_cut_crosses() {
	local from=$1 from_tun=$2 to=$3 to_tun=$4 expect=$5 a
	shift 5
	for a in "$@"; do
		tcp_crosses "$from" "$from_tun" "$to" "$to_tun" "$a"
		if ((4 * TCP_RECEIVED >= 5 * TCP_SENT)); then
			[[ $expect == cut ]] ||
				fail "to $a: $TCP_SENT packets from the tun, $TCP_RECEIVED into the other: cut, so offloads were on"
		else
			[[ $expect == uncut ]] ||
				fail "to $a: $TCP_SENT packets from the tun, $TCP_RECEIVED into the other: not cut"
		fi
	done
}

# tcp_crosses_both_ways N [cut|uncut]: tcp_cut_crosses from client N to the
# server and back, over IPv4 and IPv6 inside, expecting segments cut (the
# default) or none.
tcp_crosses_both_ways() {
	local v=C$1 expect=${2:-cut} ctun stun
	ctun=$(run_field "c$1" tun) stun=$(run_field srv tun "$(cid "$1")")
	tcp_cut_crosses "${!v}" "$ctun" "$SRV" "$stun" "$expect" "$(o4 "$1" 1)" "$(o6 "$1" 1)"
	tcp_cut_crosses "$SRV" "$stun" "${!v}" "$ctun" "$expect" "$(o4 "$1" 2)" "$(o6 "$1" 2)"
}

# tunnel_up N [SECONDS]: client N's tunnel is set up on both ends and
# pings cross it both ways.
tunnel_up() {
	local v=C$1 t=${2:-10}
	wait_for "$t" has_run "${CLABEL:-c$1}" &&
		wait_for "$t" has_run "${SLABEL:-srv}" "$(cid "$1")" &&
		ping_ok "${!v}" "$(o4 "$1" 1)" "$t" &&
		ping_ok "$SRV" "$(o4 "$1" 2)" "$t"
}

# server_and_two_clients: the server and clients 1 and 2 (keepalives every
# second), both tunnels up.  PROG_OPTS, if set, applies to all three.
server_and_two_clients() {
	topo 2
	srv_start srv
	cli_start c1 1 -k 1
	cli_start c2 2 -k 1
	tunnel_up 1
	tunnel_up 2
}

# ------------------------------------------------------------ logs

log_has() { grep -Eq -- "$2" "$T/$1.log"; }
wait_log() { wait_for "${3:-10}" log_has "$1" "$2"; }

# ------------------------------------------------- captures and datagrams

# cap_start NAME NS IFACE [FILTER...]: tcpdump to $T/NAME.pcap.
cap_start() {
	local name=$1 ns=$2 ifc=$3
	shift 3
	ip netns exec "$ns" tcpdump -n -U --immediate-mode -Z root -i "$ifc" -w "$T/$name.pcap" "$@" \
		>"$T/$name.cap.log" 2>&1 3>&- &
	record_pid "cap-$name" $!
	wait_for 10 grep -q 'listening on' "$T/$name.cap.log"
}

cap_stop() {
	local pid=${JT_PID[cap-$1]}
	kill -INT "$pid" 2>/dev/null
	wait_for 10 pid_dead "$pid"
	wait "$pid" 2>/dev/null || true
}

# wire_summary NAME ID src|dst PORT: classifies the UDP datagrams in capture
# NAME whose source (or destination) port is PORT, against identifier ID.
# Prints: total= short= keepalive= data= bad= echo=
wire_summary() {
	"$JT_PY" "$T/jt.py" summary "$T/$1.pcap" "$2" "$3" "$4"
}
# field SUMMARY KEY
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# udp_send NS SRC SPORT DST DPORT HEX...: one datagram per HEX, from
# SRC:SPORT (HEX "-" is an empty datagram).
udp_send() {
	ip netns exec "$1" "$JT_PY" "$T/jt.py" send "${@:2}"
}

# udp_random NS SRC SPORT DST DPORT COUNT MINLEN MAXLEN [PREFIXHEX]
udp_random() {
	ip netns exec "$1" "$JT_PY" "$T/jt.py" random "${@:2}"
}

# udp_listen NAME NS PORT: every datagram to PORT (any address) is appended
# to $T/NAME.recv as a line.
udp_listen() {
	ip netns exec "$2" "$JT_PY" "$T/jt.py" recv "$3" "$T/$1.recv" 3>&- &
	record_pid "recv-$1" $!
	wait_for 10 test -e "$T/$1.recv"
}
received() { grep -qx -- "$2" "$T/$1.recv"; }

# ipudp SRC DST SPORT DPORT TEXT: hex of an IPv4 UDP packet carrying TEXT.
ipudp() { "$JT_PY" "$T/jt.py" ipudp "$@"; }

# Client tests with a fake server: python sends hand-made
# datagrams from chosen addresses to a client on port 40001, each carrying
# an IPv4 UDP packet for a listener on the client's overlay address.

# fake_setup: client 1 (no real server), a listener on its port 7777.
fake_setup() {
	topo 1
	addr "$SRV" s1 198.18.1.9/24
	cli_start c1 1 -p 40001 -k 0
	wait_for 10 has_run c1
	udp_listen l "$C1" 7777
}

# fake_send SRC SPORT ID TEXT: a datagram from SRC:SPORT with identifier ID
# and an IP packet carrying TEXT to 198.19.1.2 port 7777.
fake_send() {
	udp_send "$SRV" "$1" "$2" 198.18.1.2 40001 \
		"$3$(ipudp 198.19.1.1 198.19.1.2 9999 7777 "$4")"
}

# accepted TEXT / dropped TEXT
accepted() { wait_for 5 received l "$1"; }
dropped() {
	sleep 1
	! received l "$1" || fail "the client accepted '$1'"
}

write_py() {
	cat >"$1" <<-'EOF'
		"""Datagram and capture helpers for the jtunnel tests."""
		import os
		import random
		import socket
		import struct
		import sys
		import time


		def family(addr):
		    return socket.AF_INET6 if ":" in addr else socket.AF_INET


		def sock_from(src, sport):
		    s = socket.socket(family(src), socket.SOCK_DGRAM)
		    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		    s.bind((src, int(sport)))
		    return s


		def cmd_send(src, sport, dst, dport, *hexes):
		    s = sock_from(src, sport)
		    for h in hexes:
		        s.sendto(b"" if h == "-" else bytes.fromhex(h), (dst, int(dport)))


		def cmd_random(src, sport, dst, dport, count, lo, hi, prefix=""):
		    s = sock_from(src, sport)
		    head = bytes.fromhex(prefix)
		    for _ in range(int(count)):
		        body = os.urandom(random.randint(int(lo), int(hi)))
		        try:
		            s.sendto(head + body, (dst, int(dport)))
		        except OSError:
		            time.sleep(0.001)


		def cmd_recv(port, out):
		    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
		    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
		    s.bind(("::", int(port)))
		    s.settimeout(120)
		    with open(out, "a") as f:
		        f.flush()
		        while True:
		            try:
		                data = s.recv(65535)
		            except socket.timeout:
		                return
		            f.write(data.decode("latin-1") + "\n")
		            f.flush()


		def checksum(b):
		    if len(b) % 2:
		        b += b"\0"
		    total = sum(struct.unpack("!%dH" % (len(b) // 2), b))
		    while total >> 16:
		        total = (total & 0xFFFF) + (total >> 16)
		    return ~total & 0xFFFF


		def cmd_ipudp(src, dst, sport, dport, text):
		    payload = text.encode()
		    udp = struct.pack("!HHHH", int(sport), int(dport), 8 + len(payload), 0) + payload
		    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0x1234, 0, 64, 17, 0,
		                      socket.inet_aton(src), socket.inet_aton(dst))
		    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
		    print((hdr + udp).hex())


		def udp_datagrams(path):
		    """Yields (src, sport, dst, dport, payload) for each UDP datagram."""
		    data = open(path, "rb").read()
		    if len(data) < 24:
		        return
		    magic = data[:4]
		    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
		    linktype = struct.unpack(end + "I", data[20:24])[0] & 0xFFFF
		    off = 24
		    while off + 16 <= len(data):
		        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
		        frame = data[off + 16:off + 16 + incl]
		        off += 16 + incl
		        if linktype == 1:
		            proto, pkt = struct.unpack("!H", frame[12:14])[0], frame[14:]
		        elif linktype == 113:
		            proto, pkt = struct.unpack("!H", frame[14:16])[0], frame[16:]
		        elif linktype == 276:
		            proto, pkt = struct.unpack("!H", frame[0:2])[0], frame[20:]
		        elif linktype in (101, 12, 14):
		            proto = 0x0800 if frame[:1] and frame[0] >> 4 == 4 else 0x86DD
		            pkt = frame
		        else:
		            continue
		        if proto == 0x0800 and len(pkt) >= 20:
		            ihl = (pkt[0] & 15) * 4
		            if pkt[9] != 17 or struct.unpack("!H", pkt[6:8])[0] & 0x1FFF:
		                continue
		            src = socket.inet_ntop(socket.AF_INET, pkt[12:16])
		            dst = socket.inet_ntop(socket.AF_INET, pkt[16:20])
		            udp = pkt[ihl:]
		        elif proto == 0x86DD and len(pkt) >= 40:
		            if pkt[6] != 17:
		                continue
		            src = socket.inet_ntop(socket.AF_INET6, pkt[8:24])
		            dst = socket.inet_ntop(socket.AF_INET6, pkt[24:40])
		            udp = pkt[40:]
		        else:
		            continue
		        if len(udp) < 8:
		            continue
		        sport, dport, ulen = struct.unpack("!HHH", udp[:6])
		        yield src, sport, dst, dport, udp[8:ulen]


		def inner_ok(p):
		    """Is p one whole IP packet?  Returns (ok, is_echo)."""
		    if not p:
		        return False, False
		    if p[0] >> 4 == 4 and len(p) >= 20:
		        ok = struct.unpack("!H", p[2:4])[0] == len(p)
		        ihl = (p[0] & 15) * 4
		        return ok, ok and p[9] == 1 and p[ihl:ihl + 1] in (b"\x08", b"\x00")
		    if p[0] >> 4 == 6 and len(p) >= 40:
		        ok = 40 + struct.unpack("!H", p[4:6])[0] == len(p)
		        return ok, ok and p[6] == 58 and p[40:41] in (b"\x80", b"\x81")
		    return False, False


		def cmd_summary(path, ident, which, port):
		    ident = bytes.fromhex(ident)
		    n = dict(total=0, short=0, keepalive=0, data=0, bad=0, echo=0)
		    for src, sport, dst, dport, payload in udp_datagrams(path):
		        if (sport if which == "src" else dport) != int(port):
		            continue
		        n["total"] += 1
		        if len(payload) < 8:
		            n["short"] += 1
		        elif payload[:8] != ident:
		            n["bad"] += 1
		            print("bad id: %s" % payload[:16].hex(), file=sys.stderr)
		        elif len(payload) == 8:
		            n["keepalive"] += 1
		        else:
		            ok, echo = inner_ok(payload[8:])
		            if ok:
		                n["data"] += 1
		                n["echo"] += echo
		            else:
		                n["bad"] += 1
		                print("bad packet: %s" % payload[:48].hex(), file=sys.stderr)
		    print(" ".join("%s=%d" % kv for kv in n.items()))


		def cmd_list(path):
		    for src, sport, dst, dport, payload in udp_datagrams(path):
		        print(src, sport, dst, dport, len(payload), payload[:8].hex())


		if __name__ == "__main__":
		    globals()["cmd_" + sys.argv[1]](*sys.argv[2:])
	EOF
}
