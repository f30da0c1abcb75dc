#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A real Prometheus server (Debian's prometheus) scrapes aquariusd's
# /metrics every second; the values it stored, read back through its HTTP
# API, equal the kernel's counters as `aqctl -j show` reads them.
# aq-timeout: 400
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

AQD=${AQD:-$AQ_TOP/user/aquariusd/aquariusd}
PROM=${PROM:-/usr/bin/prometheus}
PORT=9470 PROM_PORT=9090

ktap_print_header
require_cmd "$PY" ip "$AQCTL" "$AQD" "$PROM"
obs_plan 7

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second address"
obs_tmpdir || obs_bail "temporary directory"
shm_check() { "$PY" "$OBS_TOOLS/shm_check.py" "$@"; }

check "insmod" aq_load
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"
check "server listening" eval \
	'start_server b0 "$server" serve 10.0.2.2 8080 --timeout 120 &&
	 start_server b1 "$server" serve 10.0.2.3 8080 --timeout 120'

"$AQD" -c /dev/null -l "127.0.0.1:$PORT" 2>"$OBS_TMP/aqd.log" &
AQD_PID=$!
defer 'kill $AQD_PID 2>/dev/null'

cat >"$OBS_TMP/prometheus.yml" <<-YML
	global:
	  scrape_interval: 1s
	  scrape_timeout: 1s
	scrape_configs:
	  - job_name: aquariusd
	    static_configs:
	      - targets: ['127.0.0.1:$PORT']
YML
"$PROM" --config.file="$OBS_TMP/prometheus.yml" \
	--storage.tsdb.path="$OBS_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$OBS_TMP/prom.log" 2>&1 &
PROM_PID=$!
defer 'kill $PROM_PID 2>/dev/null; tail -5 "$OBS_TMP/prom.log" | sed "s/^/# prometheus: /"'

ready() {
	"$PY" - "$1" <<-'EOF'
	import sys, time, urllib.request
	end = time.monotonic() + 180
	while time.monotonic() < end:
	    try:
	        with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
	            if r.status == 200:
	                sys.exit(0)
	    except OSError:
	        pass
	    time.sleep(1)
	sys.exit(1)
	EOF
}
check "prometheus ready" ready "http://127.0.0.1:$PROM_PORT/-/ready"

check "aqctl: nat VIP web with two backends" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 mode nat snapshot 250 &&
	 "$AQCTL" backend add web 10.0.2.2 8080 weight 1 &&
	 "$AQCTL" backend add web 10.0.2.3 8080 weight 1'
run_client "$client" "$OBS_TMP/c.json" --addr 10.0.0.100 --port 80 \
	--count 40 --parallel 4 --sizes 2000
check_eq "client: 40 connections completed" "$(jget "$OBS_TMP/c.json" ok)" 40

out=$(shm_check prom "http://127.0.0.1:$PROM_PORT" web --aqctl "$AQCTL" --timeout 120 2>&1)
rc=$?
ktap_print_msg "$out"
check "Prometheus stored n_packet and n_flow per backend equal to aqctl -j show" test "$rc" = 0
feat() {
	"$PY" - "http://127.0.0.1:$PROM_PORT" <<-'EOF'
	import json, math, sys, urllib.parse, urllib.request
	q = 'aquarius_feature_samples{vip="web",feature="fct"}'
	u = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
	r = json.load(urllib.request.urlopen(u, timeout=30))["data"]["result"]
	n = sum(int(float(x["value"][1])) for x in r)
	print("# fct samples in Prometheus: %d over %d series" % (n, len(r)))
	sys.exit(0 if len(r) == 2 and n > 0 else 1)
	EOF
}
check "Prometheus has the fct reservoir samples of both backends" feat
ktap_finished
