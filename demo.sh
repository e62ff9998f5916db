#!/bin/bash
# SPDX-License-Identifier: ISC
# make demo: a keyed jtunnel server and client in two network namespaces
# joined by a veth, one key in both peer files, pings crossing the tunnel
# both ways, the handshake in the log, what PROG saw, then cleanup.
set -u
cd "$(dirname "$0")" || exit 1
. t/deps.sh
deps_install demo || exit 1
[ "$(id -u)" = 0 ] || { echo "make demo needs root (network namespaces, tun devices)" >&2; exit 1; }

ns=jtdemo$$
server_ns=${ns}s client_ns=${ns}c
dir=$(mktemp -d /tmp/jtunnel-demo.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null; done
	ip netns del "$server_ns" 2>/dev/null
	ip netns del "$client_ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }

step "two namespaces, $client_ns (198.18.0.1) and $server_ns (198.18.0.2), joined by a veth"
ip netns add "$server_ns" && ip netns add "$client_ns" &&
ip link add "${ns}c" netns "$client_ns" type veth peer name "${ns}s" netns "$server_ns" &&
ip -n "$client_ns" addr add 198.18.0.1/24 dev "${ns}c" &&
ip -n "$server_ns" addr add 198.18.0.2/24 dev "${ns}s" &&
ip -n "$client_ns" link set "${ns}c" up && ip -n "$server_ns" link set "${ns}s" up || exit 1

server_id=$(./jtunnel -g) client_id=$(./jtunnel -g)
step "keyed mode: one key from jtunnel -K in both peer files, readable by root alone"
mkdir "$dir/server.d" "$dir/client.d"
(
	umask 077
	./jtunnel -K >"$dir/server.d/$client_id" &&
	cp "$dir/server.d/$client_id" "$dir/client.d/$server_id"
) || exit 1
echo "  server's file for the client: $dir/server.d/$client_id"
echo "  client's file for the server: $dir/client.d/$server_id"
stat -c "  %A %n" "$dir/server.d/$client_id" "$dir/client.d/$server_id"
for side in server client; do
	case $side in server) me=198.19.0.2 peer=198.19.0.1 ;; client) me=198.19.0.1 peer=198.19.0.2 ;; esac
	cat >"$dir/$side-up" <<PROG
#!/bin/sh
# PROG: jtunnel runs this once the tun exists.
env | grep '^TUN_' | sed 's/^/    /' >"$dir/$side.env"
ip addr add $me peer $peer dev "\$TUN_DEV_NAME"
ip link set "\$TUN_DEV_NAME" up
PROG
	chmod +x "$dir/$side-up"
done

step "server: jtunnel -s -i $server_id -c $dir/server.d $dir/server-up"
ip netns exec "$server_ns" ./jtunnel -s -i "$server_id" -c "$dir/server.d" "$dir/server-up" 2>"$dir/server.log" &
pids+=($!)
sleep 0.3
step "client: jtunnel -i $client_id -c $dir/client.d 198.18.0.2 5151 $dir/client-up"
ip netns exec "$client_ns" ./jtunnel -i "$client_id" -c "$dir/client.d" 198.18.0.2 5151 "$dir/client-up" 2>"$dir/client.log" &
pids+=($!)

up=0
for _ in $(seq 50); do
	ip netns exec "$client_ns" ping -c 1 -W 1 198.19.0.2 >/dev/null 2>&1 && { up=1; break; }
	sleep 0.2
done
[ "$up" = 1 ] || echo "  the tunnel did not come up; the logs at the end say why" >&2
step "ping from the client to the server's end of the keyed tunnel"
ip netns exec "$client_ns" ping -c 3 -i 0.3 198.19.0.2
step "ping from the server to the client's end"
ip netns exec "$server_ns" ping -c 3 -i 0.3 198.19.0.1
step "what PROG saw on each side"
echo "  server:"; cat "$dir/server.env" 2>/dev/null
echo "  client:"; cat "$dir/client.env" 2>/dev/null
step "the tunnel interfaces"
ip -n "$server_ns" -br addr show type tun 2>/dev/null || ip -n "$server_ns" -br addr
ip -n "$client_ns" -br addr show type tun 2>/dev/null || ip -n "$client_ns" -br addr
step "the handshake in the log: keyed tunnels up, the session established"
grep -h -e 'keyed tunnel' -e 'session with server' "$dir/client.log" | sed 's/^/  [client] /'
grep -h -e 'keyed tunnel' "$dir/server.log" | sed 's/^/  [server] /'
step "stopping both (SIGTERM)"
kill "${pids[@]}"
for p in "${pids[@]}"; do wait "$p"; echo "  jtunnel pid $p exited with status $?"; done
pids=()
step "what each logged"
sed 's/^/  [server] /' "$dir/server.log"
sed 's/^/  [client] /' "$dir/client.log"
step "removing the namespaces"
