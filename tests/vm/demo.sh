#!/bin/bash
# The demo, run in the test VM by `make demo`: the VM's initial namespace
# is a router in front of two backends; aquarius observes the service "web"
# configured by insmod parameters while real clients fetch replies of known
# sizes from servers that take a known time, and `aqctl show` prints the
# features live; aquariusd bridges them to /dev/shm/aquarius-web, where
# the Python package reads them as ML code would (demo_read.py), and
# serves them to Prometheus on 127.0.0.1:9470.
. "$(dirname "$0")/../selftests/lib.sh"
PY=/usr/bin/python3
TRAFFIC=$AQ_TOP/tests/selftests/tools/traffic.py
AQCTL=$AQ_TOP/user/aqctl/aqctl
AQD=$AQ_TOP/user/aquariusd/aquariusd

setup_topology_root || exit 1
ip -n "$server" addr add 10.0.2.3/24 dev veth0
tmp=$(mktemp -d)
defer "rm -rf $tmp"

echo "== insmod aquarius.ko vips=web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080"
aq_load vips=web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080 || exit 1
defer 'aq_loaded && rmmod aquarius'
echo "== cat /proc/net/aquarius"
cat /proc/net/aquarius

echo "== aquariusd -l 127.0.0.1:9470 (shm bridge, Prometheus endpoint)"
"$AQD" -c /dev/null -l 127.0.0.1:9470 2>"$tmp/aqd.log" &
aqd=$!
defer "kill $aqd 2>/dev/null"
for i in $(seq 300); do
	[ -e /dev/shm/aquarius-web ] && break
	sleep 0.1
done
ls -l /dev/shm/aquarius-web || cat "$tmp/aqd.log"

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
echo "== the shm object, read with the Python package (tests/vm/demo_read.py web)"
"$PY" "$AQ_TOP/tests/vm/demo_read.py" web
echo "== curl 127.0.0.1:9470/metrics (backend counters of web)"
curl -s http://127.0.0.1:9470/metrics |
	grep -E '^aquarius_backend_(n_flow_total|n_fct_total|n_flow_on)\{[^}]*vip="web"' |
	head -n 12
echo "== aquariusd stopped (SIGTERM): its shm object goes"
kill "$aqd"
wait "$aqd"
ls /dev/shm/aquarius-web 2>&1
echo "== rmmod aquarius"
rmmod aquarius
