#!/bin/bash
# The demo, run in the test VM by `make demo`: the VM's initial namespace
# is a router in front of two backends; aquarius observes the service "web"
# configured by insmod parameters while real clients fetch replies of known
# sizes from servers that take a known time, and `aqctl show` prints the
# features live.
. "$(dirname "$0")/../selftests/lib.sh"
PY=/usr/bin/python3
TRAFFIC=$AQ_TOP/tests/selftests/tools/traffic.py
AQCTL=$AQ_TOP/user/aqctl/aqctl

setup_topology_root || exit 1
ip -n "$server" addr add 10.0.2.3/24 dev veth0
tmp=$(mktemp -d)
defer "rm -rf $tmp"

echo "== insmod aquarius.ko vips=web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080"
aq_load vips=web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080 || exit 1
defer 'aq_loaded && rmmod aquarius'
echo "== cat /proc/net/aquarius"
cat /proc/net/aquarius

# Backend 0 answers after 20 ms, backend 1 after 80 ms.
for b in "2 20" "3 80"; do
	set -- $b
	ip netns exec "$server" "$PY" "$TRAFFIC" serve --addr "10.0.2.$1" \
		--port 8080 --delay-ms "$2" --ready "$tmp/ready$1" \
		--lifetime 120 >/dev/null 2>&1 &
done
for i in $(seq 200); do
	[ -e "$tmp/ready2" ] && [ -e "$tmp/ready3" ] && break
	sleep 0.1
done

echo "== 120 connections from the client, replies of 2, 20 and 200 kB"
ip netns exec "$client" "$PY" "$TRAFFIC" client \
	--target 10.0.2.2:8080 --target 10.0.2.3:8080 --count 120 \
	--sizes 2000,20000,200000 --parallel 4 --timeout 60 >"$tmp/client.json" &
cpid=$!
for round in 1 2; do
	sleep 5
	echo "== aqctl show web (while traffic flows, round $round)"
	"$AQCTL" show web
done
wait "$cpid"
echo "== client: $(cat "$tmp/client.json")"
sleep 1
echo "== aqctl show web (after the traffic)"
"$AQCTL" show web
echo "== rmmod aquarius"
rmmod aquarius
