#!/usr/bin/env bats
# SIGTERM, SIGINT and SIGKILL: how jtunnel ends, and that nothing of it
# stays behind.

load lib

setup() {
	jt_setup
}

teardown() {
	jt_teardown
}

# server_with_clients: a server with two clients up, its process tree
# recorded (parent, two forwarding children).
server_with_clients() {
	topo 2
	srv_start srv "$@"
	cli_start c1 1
	cli_start c2 2
	tunnel_up 1
	tunnel_up 2
	[[ $(jt_forks "$(pid_of srv)" | wc -l) == 2 ]]
	record_tree srv
	[[ $(tun_count "$SRV") == 2 ]]
}

client_up() {
	topo 1
	srv_start srv
	cli_start c1 1 "$@"
	tunnel_up 1
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 ]]
	record_tree c1
	[[ $(tun_count "$C1") == 1 ]]
}

# stops_clean NAME NS SIGNAL: jtunnel NAME, sent SIGNAL, exits 0 and leaves
# none of the processes record_tree saw, and no tun in NS.
stops_clean() {
	jt_stop "$1" "$3"
	[[ $JT_STATUS == 0 ]] || fail "exit status $JT_STATUS"
	wait_for 10 tree_gone "$1"
	[[ $(tun_count "$2") == 0 ]]
}

@test "SIGTERM: the server exits 0, and none of its processes or tuns remain" {
	server_with_clients
	stops_clean srv "$SRV" TERM
}

@test "SIGINT: the server exits 0, and none of its processes or tuns remain" {
	server_with_clients
	stops_clean srv "$SRV" INT
}

@test "SIGTERM: the client exits 0, and none of its processes nor its tun remain" {
	client_up
	stops_clean c1 "$C1" TERM
}

@test "SIGINT: the client exits 0, and none of its processes nor its tun remain" {
	client_up
	stops_clean c1 "$C1" INT
}

@test "SIGTERM is logged as the reason for exiting" {
	client_up
	jt_stop c1 TERM
	log_has c1 'TERM'
}

@test "SIGKILL of the server's parent: its forwarding children die with it and its tuns go" {
	server_with_clients
	jt_stop srv KILL
	wait_for 10 tree_gone srv
	wait_for 10 eval '[[ $(tun_count "$SRV") == 0 ]]'
}

@test "SIGKILL of the client's parent: its forwarding process dies with it and its tun goes" {
	client_up
	jt_stop c1 KILL
	wait_for 10 tree_gone c1
	wait_for 10 eval '[[ $(tun_count "$C1") == 0 ]]'
}

@test "SIGTERM of a server whose PROGs still run: the PROGs end too" {
	PROG_OPTS=linger server_with_clients
	local p1 p2
	p1=$(run_field srv pid "$(cid 1)")
	p2=$(run_field srv pid "$(cid 2)")
	proc_alive "$p1" && proc_alive "$p2"
	jt_stop srv TERM
	[[ $JT_STATUS == 0 ]]
	wait_for 10 tree_gone srv
	wait_for 10 pid_dead "$p1"
	wait_for 10 pid_dead "$p2"
}

@test "SIGKILL of the client's parent while its PROG still runs: no process of it outlives the parent" {
	PROG_OPTS=linger client_up
	local p
	p=$(run_field c1 pid)
	grep -q "^$p " "$T/c1.tree"
	jt_stop c1 KILL
	wait_for 10 tree_gone c1
	wait_for 10 eval '[[ $(tun_count "$C1") == 0 ]]'
}

@test "SIGKILL of the server's parent while PROGs still run: no process of it outlives the parent" {
	PROG_OPTS=linger server_with_clients
	grep -q "^$(run_field srv pid "$(cid 1)") " "$T/srv.tree"
	jt_stop srv KILL
	wait_for 10 tree_gone srv
	wait_for 10 eval '[[ $(tun_count "$SRV") == 0 ]]'
}

@test "a client left running after its server stopped keeps running, and its tun stays" {
	client_up -k 1
	jt_stop srv TERM
	sleep 2.5
	jt_alive c1
	[[ $(jt_forks "$(pid_of c1)" | wc -l) == 1 ]]
	[[ $(tun_count "$C1") == 1 ]]
}
