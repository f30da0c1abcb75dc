#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 900
# The VM half of the prediction example (examples/predict/run.sh): one VIP
# (mode nat, maglev) with two backends; a client whose concurrency steps
# through a fixed pattern (1 to 8 connections at a time, 8 s a step, one
# process: examples/predict/load.py) makes
# the servers' CPU load vary. examples/sample.py writes the features every
# 250 ms with the ground truth of each backend: the CPU time its server
# process used per second (/proc/PID/stat, in the server namespace's
# processes), to samples.csv in the run's output directory.
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (printf -v)
. "$(dirname "$0")/../../tests/selftests/lib.sh"
. "$(dirname "$0")/../../tests/selftests/tools/observe_lib.sh"

EX=$AQ_TOP/examples
OUT=${AQ_EXAMPLE_OUT:-/run/aqout}/predict
LEVELS=${LEVELS:-"1 4 8 2 6 3 8 1 5 2 7 4"}
STEP=8
mkdir -p "$OUT"

ktap_print_header
obs_plan 6
require_cmd "$PY" ip "$AQCTL"
setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second address"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	local p0 p1
	start_server b0 "$server" serve 10.0.2.2 8080 --timeout 60 --lifetime 600 & p0=$!
	start_server b1 "$server" serve 10.0.2.3 8080 --timeout 60 --lifetime 600 & p1=$!
	wait $p0 && wait $p1
}
check "servers listening" servers
obs_insmod
check "aqctl: nat VIP web, two backends" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 mode nat snapshot 100 &&
	 "$AQCTL" backend add web 10.0.2.2 8080 &&
	 "$AQCTL" backend add web 10.0.2.3 8080'

# The servers' pids (python3 traffic.py serve, one per address).
pid_of() { pgrep -f "traffic.py serve --addr $1 " | head -1; }
P0=$(pid_of 10.0.2.2) P1=$(pid_of 10.0.2.3)
ktap_print_msg "server pids: $P0 $P1"

read -ra levels <<<"$LEVELS"
DURATION=$((${#levels[@]} * STEP + 20))	# the load, then 20 s of samples after it
# The sampler first: its interpreter starts (numpy, seconds under TCG)
# before the load takes the CPUs; the load starts once its header is out.
nice -n -5 "$PY" "$EX/sample.py" --vip web:web --interval 0.25 \
	--duration "$DURATION" --cpu-pid "0:$P0" --cpu-pid "1:$P1" \
	--out "$OUT/samples.csv" >"$OBS_TMP/sample.out" 2>&1 &
SAMPLER=$!
wait_file "$OUT/samples.csv" 120
# One client process for all levels (load.py): a process per level left
# the servers idle for seconds at each step while its interpreter started.
ip netns exec "$client" "$PY" "$EX/predict/load.py" --addr 10.0.0.100 \
	--port 80 --levels "${LEVELS// /,}" --step "$STEP" \
	--sizes 2000,50000,200000 --timeout 20 >"$OUT/load.json" 2>&1 &
LOAD=$!
check "sample.py: ${DURATION} s of samples every 250 ms, with the servers' CPU" \
	wait $SAMPLER
ktap_print_msg "$(cat "$OBS_TMP/sample.out")"
# The sampler must keep up (it runs at nice -5: at -15 it took the CPU
# from the traffic), at least half of the 4 samples a second asked for.
check_cmp "sampler kept up: at least half of the samples taken" \
	"$(sed -n 's/^sample: \([0-9]*\) samples.*/\1/p' "$OBS_TMP/sample.out")" ">=" $((DURATION * 2))
kill $LOAD 2>/dev/null
ktap_print_msg "load: $(head -c 400 "$OUT/load.json")"
ip netns pids "$client" | xargs -r kill 2>/dev/null
sleep 1
check "rmmod" rmmod aquarius
ktap_finished
