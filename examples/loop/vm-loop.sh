#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 900
# The VM half of the closed-loop example (examples/loop/run.sh): one VIP in
# mode nat with scheduler sed, two backends, a fast one (10 ms of
# processing) and a slow one (150 ms). The same client load runs twice:
#   equal   weights 1:1 (sed alone: fewer new flows to the backend that
#           holds more flows in progress);
#   loop    examples/loop/controller.py sets weights every second from the
#           decayed mean of pt_1st (flow_duration as fallback), read from
#           aquariusd's shm, written through its action area.
# The client's per-connection records (life_ms: connect to close) and the
# controller's log go to the run's output directory.
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (printf -v)
. "$(dirname "$0")/../../tests/selftests/lib.sh"
. "$(dirname "$0")/../../tests/selftests/tools/observe_lib.sh"

EX=$AQ_TOP/examples
AQD=$AQ_TOP/user/aquariusd/aquariusd
OUT=${AQ_EXAMPLE_OUT:-/run/aqout}/loop
N=${N:-240} K=${K:-8}
mkdir -p "$OUT"

ktap_print_header
obs_plan 9
require_cmd "$PY" ip "$AQCTL" "$AQD"
setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second address"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	local p0 p1
	start_server fast "$server" serve 10.0.2.2 8080 --delay-ms 10 --timeout 60 & p0=$!
	start_server slow "$server" serve 10.0.2.3 8080 --delay-ms 150 --timeout 60 & p1=$!
	wait $p0 && wait $p1
}
check "servers listening (fast 10 ms, slow 150 ms)" servers
obs_insmod

cat >"$OBS_TMP/aqd.conf" <<-CONF
	rate_limit_ms = 100
	resync_ms = 500
	listen = 127.0.0.1:9471
CONF
"$AQD" -c "$OBS_TMP/aqd.conf" -d 2>"$OBS_TMP/aqd.log" &
AQD_PID=$!
defer 'kill $AQD_PID 2>/dev/null'

check "aqctl: nat VIP web, sed, weights 1:1" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 mode nat sched sed snapshot 100 &&
	 "$AQCTL" backend add web 10.0.2.2 8080 weight 1 &&
	 "$AQCTL" backend add web 10.0.2.3 8080 weight 1'
check "shm object" wait_file /dev/shm/aquarius-web 30

# phase NAME: the client's N connections, K at a time, 2 kB replies.
phase() {
	ip netns exec "$client" "$PY" "$OBS_TOOLS/traffic.py" client \
		--addr 10.0.0.100 --port 80 --count "$N" --parallel "$K" \
		--sizes 2000 --timeout 30 --deadline 200 --log "$OUT/$1.jsonl" \
		>"$OUT/$1.summary.json" 2>&1
}
check "equal weights: $N connections" phase equal
"$AQCTL" -j show web >"$OUT/equal.aqctl.json" 2>&1

"$PY" "$EX/loop/controller.py" --vip web --period 1 --duration 300 \
	--log "$OUT/controller.csv" --ready "$OBS_TMP/ctl.ready" \
	>"$OBS_TMP/ctl.out" 2>&1 &
CTL=$!
check "controller wrote its first weights" wait_file "$OBS_TMP/ctl.ready" 60
check "closed loop: $N connections" phase loop
kill $CTL 2>/dev/null
"$AQCTL" -j show web >"$OUT/loop.aqctl.json" 2>&1
"$AQCTL" -j vip show web >"$OUT/loop.vip.json" 2>&1
ktap_print_msg "controller: $(tail -n 3 "$OUT/controller.csv" | tr '\n' ' ') $(head -c 300 "$OBS_TMP/ctl.out")"
check "controller: every write applied (status 0)" eval \
	'[ -s "$OUT/controller.csv" ] && ! tail -n +2 "$OUT/controller.csv" | cut -d, -f2 | grep -qv "^0$"'
check "rmmod" eval 'kill $AQD_PID; wait $AQD_PID; rmmod aquarius'
ktap_finished
