#!/usr/bin/env bats
# SPDX-License-Identifier: ISC
# Many clients at once: 200 authorized clients (one namespace, one jtunnel
# client process each, distinct identifiers) set up, carry traffic and are
# torn down by SIGHUP in batches of 50; the server's memory per client is
# measured (PSS) and reported.
#
# LOAD_CLIENTS (default 200, at most 250) and LOAD_BATCH (default 50) size
# it.  The per-client memory bound (200 KiB) is not asserted against a
# sanitizer build, whose shadow memory and allocator dwarf it; the figure
# is still reported.

load lib

LOAD_CLIENTS=${LOAD_CLIENTS:-200}
LOAD_BATCH=${LOAD_BATCH:-50}
PSS_LIMIT_KIB=200

setup() {
	jt_setup
	write_load_prog "$T/loadprog"
}

teardown() {
	# End every client at once (teardown alone would end them one by one).
	local name i pids=()
	for name in "${!JT_PID[@]}"; do
		[[ $name == l* ]] && jt_alive "$name" && pids+=("${JT_PID[$name]}")
	done
	((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		any_alive "${pids[@]}" || break
		sleep 0.1
	done
	jt_teardown
}

any_alive() {
	local p
	for p; do
		proc_alive "$p" && return 0
	done
	return 1
}

# A light PROG (one sh, one ip per run): loadprog LABEL s|c N|auto gives
# the tun the overlay address of tunnel N (server: N from TUN_CLIENT_ID's
# last byte), brings it up and appends "N TUN" to $T/prog/s.runs or c.runs.
write_load_prog() {
	cat >"$1" <<-EOF
		#!/bin/sh
		side=\$2 n=\$3 host=2
		if [ "\$side" = s ]; then
		    n=\$((0x\${TUN_CLIENT_ID#??????????????}))
		    host=1
		fi
		printf 'addr add 198.19.%d.%d/24 dev %s\nlink set %s up\n' \
		    "\$n" "\$host" "\$TUN_DEV_NAME" "\$TUN_DEV_NAME" | ip -b - &&
		    echo "\$n \$TUN_DEV_NAME" >>"$T/prog/\$side.runs"
	EOF
	chmod +x "$1"
}

runs() { [[ -f $T/prog/$1.runs ]] && wc -l <"$T/prog/$1.runs" || echo 0; }
runs_are() { [[ $(runs "$1") == "$2" ]]; }
tuns_are() { [[ $(tun_count "$1") == "$2" ]]; }

# pss_kib PID...: their proportional set sizes summed, in KiB.
pss_kib() {
	local p sum=0 v
	for p; do
		v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null) || continue
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# The server's tun for client N (from its PROG's record).
srv_tun() { awk -v n="$1" '$1 == n {t = $2} END {print t}' "$T/prog/s.runs"; }

# ping_all NS HOST N...: pings 198.19.N.HOST for each N, 8 at a time;
# prints the N that got no answer (one retry each).
ping_all() {
	local ns=$1 host=$2
	shift 2
	printf '%s\n' "$@" | ip netns exec "$ns" xargs -P 8 -I{} sh -c \
		"ping -c 1 -W 2 -q 198.19.{}.$host >/dev/null 2>&1 ||
		 ping -c 1 -W 2 -q 198.19.{}.$host >/dev/null 2>&1 || echo {}" 3>&-
}

@test "200 clients at once: 200 tuns and forwarders, pings cross every tunnel, SIGHUP tears them down 50 at a time, under 200 KiB of server memory per client" {
	((LOAD_CLIENTS <= 250)) || skip "at most 250 clients (one octet of the overlay)"
	topo 1
	local n all=()
	for ((n = 1; n <= LOAD_CLIENTS; n++)); do
		allow srv "$(cid "$n")"
		all+=("$n")
	done
	PROG="$T/loadprog" srv_start srv
	local srv_pid
	srv_pid=$(pid_of srv)
	sleep 0.5
	local base
	base=$(pss_kib "$srv_pid")

	# The server checks new identifiers at 20 a second (a burst of 20), so
	# most of 200 first keepalives arriving at once go unchecked; with -k 1
	# each client tries again every second rather than every 25.
	local t0=$SECONDS
	for n in "${all[@]}"; do
		jt_start "l$n" "$C1" -k 1 -i "$(cid "$n")" -c "$T/conf/c1" \
			198.18.1.1 5151 "$T/loadprog" "l$n" c "$n"
	done
	wait_for 60 runs_are c "$LOAD_CLIENTS"
	wait_for 60 runs_are s "$LOAD_CLIENTS"
	wait_for 10 tuns_are "$SRV" "$LOAD_CLIENTS"
	wait_for 10 tuns_are "$C1" "$LOAD_CLIENTS"
	[[ $(jt_forks "$srv_pid" | wc -l) == "$LOAD_CLIENTS" ]]
	echo "# $LOAD_CLIENTS clients set up in $((SECONDS - t0))s" >&3

	# Traffic through every tunnel, both ways.
	local lost
	lost=$(ping_all "$C1" 1 "${all[@]}")
	[[ -z $lost ]] || fail "no answer from the server through tunnels: $lost"
	lost=$(ping_all "$SRV" 2 "${all[@]}")
	[[ -z $lost ]] || fail "no answer from clients through tunnels: $lost"
	echo "# pings crossed all $LOAD_CLIENTS tunnels both ways ($((SECONDS - t0))s)" >&3

	# The server's memory: its own and its forwarding processes' PSS.
	local total per
	total=$(pss_kib "$srv_pid" $(jt_forks "$srv_pid"))
	per=$(((total - base) / LOAD_CLIENTS))
	echo "# server PSS: $base KiB alone, $total KiB with $LOAD_CLIENTS clients: $per KiB per client" >&3
	if sanitized; then
		echo "# (sanitizer build: the ${PSS_LIMIT_KIB} KiB bound is not asserted)" >&3
	else
		((per < PSS_LIMIT_KIB)) || fail "$per KiB of server memory per client"
	fi

	# Tear down in batches: remove the files, SIGHUP, and exactly those go.
	local first last left=$LOAD_CLIENTS gone tun
	for ((first = 1; first <= LOAD_CLIENTS; first += LOAD_BATCH)); do
		last=$((first + LOAD_BATCH - 1))
		((last > LOAD_CLIENTS)) && last=$LOAD_CLIENTS
		gone=()
		for ((n = first; n <= last; n++)); do
			disallow srv "$(cid "$n")"
			gone+=("$(srv_tun "$n")")
		done
		left=$((left - (last - first + 1)))
		kill -HUP "$srv_pid"
		wait_for 10 tuns_are "$SRV" "$left"
		wait_log srv "reloaded .*: $((last - first + 1)) clients forgotten, $left remain"
		for tun in "${gone[@]}"; do
			! ip -n "$SRV" link show dev "$tun" >/dev/null 2>&1 ||
				fail "$tun of a forgotten client is still there"
		done
		for ((n = last + 1; n <= LOAD_CLIENTS; n++)); do
			ip -n "$SRV" link show dev "$(srv_tun "$n")" >/dev/null 2>&1 ||
				fail "client $n's tun $(srv_tun "$n") went with the batch $first-$last"
		done
		wait_for 10 eval '[[ $(jt_forks "$srv_pid" | wc -l) == "$left" ]]'
		# The rest still carry traffic: the first and last of them.
		if ((left > 0)); then
			lost=$(ping_all "$C1" 1 $((last + 1)) "$LOAD_CLIENTS")
			[[ -z $lost ]] || fail "after SIGHUP, no answer through tunnels $lost"
		fi
	done
	jt_alive srv
	echo "# all torn down by SIGHUP in batches of $LOAD_BATCH ($((SECONDS - t0))s)" >&3
}
