#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 900
# The VM half of the classification example (run by examples/classify/run.sh
# through tests/vm/run.sh): four VIPs (mode nat, one backend each) get four
# kinds of traffic at once, and examples/sample.py writes their features
# every 250 ms to samples.csv in the run's output directory:
#   cpu    short replies (1-2 kB) after 40 ms of server processing (a sleep)
#   io     downloads of 100 kB to 5 MB, no processing delay
#   mix    both kinds of request to one server (20 ms processing)
#   flood  the same mix, plus a SYN flood from spoofed sources (200/s)
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (printf -v)
. "$(dirname "$0")/../../tests/selftests/lib.sh"
. "$(dirname "$0")/../../tests/selftests/tools/observe_lib.sh"

EX=$AQ_TOP/examples
OUT=${AQ_EXAMPLE_OUT:-/run/aqout}/classify
DURATION=${DURATION:-90}	# seconds of sampling (the first ~20 without traffic)
mkdir -p "$OUT"

ktap_print_header
obs_plan 11
require_cmd "$PY" ip "$AQCTL"
setup_topology_root || obs_bail "topology"
obs_tmpdir || obs_bail "temporary directory"

# name vip-host port delay-ms sizes parallel
KINDS="cpu:11:8001:40:1000,2000:2
io:12:8002:0:100000,300000,1000000,5000000:1
mix:13:8003:20:1000,2000,100000,1000000:2
flood:14:8004:20:1000,2000,100000,1000000:2"

servers() {
	local k name h port delay rest pids=()
	for k in $KINDS; do
		IFS=: read -r name h port delay rest <<<"$k"
		start_server "$name" "$server" serve 10.0.2.2 "$port" \
			--delay-ms "$delay" --timeout 60 --lifetime 600 & pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || return 1; done
}
check "servers listening" servers
obs_insmod

vips() {
	local k name h port rest
	for k in $KINDS; do
		IFS=: read -r name h port rest <<<"$k"
		"$AQCTL" vip add "$name" tcp "10.0.0.$h" 80 mode nat snapshot 100 &&
		"$AQCTL" backend add "$name" 10.0.2.2 "$port" || return 1
	done
}
check "aqctl: four nat VIPs, snapshots every 100 ms" vips

# The sampler first: its interpreter starts (numpy, seconds under TCG)
# before the traffic takes the CPUs; the traffic starts once its header is
# out and runs until the sampler is done (analyze.py leaves out the first
# WARMUP s of samples, while the clients start).
nice -n -5 "$PY" "$EX/sample.py" --vip cpu:cpu --vip io:io --vip mix:mix \
	--vip flood:flood --interval 0.25 --duration "$DURATION" \
	--out "$OUT/samples.csv" >"$OBS_TMP/sample.out" 2>&1 &
SAMPLER=$!
wait_file "$OUT/samples.csv" 120
for k in $KINDS; do
	IFS=: read -r name h port delay sizes par <<<"$k"
	ip netns exec "$client" "$PY" "$OBS_TOOLS/traffic.py" client \
		--addr "10.0.0.$h" --port 80 --count 100000 --sizes "$sizes" \
		--parallel "$par" --timeout 30 --deadline "$DURATION" \
		>"$OBS_TMP/client-$name.json" 2>&1 &
done
ip netns exec "$client" "$PY" "$EX/classify/synflood.py" --dst 10.0.0.14 \
	--port 80 --rate 200 --duration "$DURATION" >"$OBS_TMP/flood.out" 2>&1 &
FLOOD=$!
check "sample.py: ${DURATION} s of samples every 250 ms" wait $SAMPLER
ktap_print_msg "$(cat "$OBS_TMP/sample.out")"
# The sampler must keep up (it runs at nice -5: at -15 it took the CPU
# from the traffic), at least half of the 4 samples a second asked for.
check_cmp "sampler kept up: at least half of the samples taken" \
	"$(sed -n 's/^sample: \([0-9]*\) samples.*/\1/p' "$OBS_TMP/sample.out")" ">=" $((DURATION * 2))
for k in $KINDS; do "$AQCTL" show "${k%%:*}"; done >"$OUT/aqctl-show.txt" 2>&1
# And the traffic must have run beside it (the module's flows per VIP).
for k in $KINDS; do
	name=${k%%:*}
	check_cmp "$name: new flows reached the VIP" \
		"$("$AQCTL" -j show "$name" | grep -o '"n_flow":[0-9]*' | head -n 1 | cut -d: -f2)" ">" 0
done
kill "$FLOOD" 2>/dev/null
ip netns pids "$client" | xargs -r kill 2>/dev/null
sleep 1
for k in $KINDS; do
	name=${k%%:*}
	ktap_print_msg "client $name: $(head -c 200 "$OBS_TMP/client-$name.json")"
done
ktap_print_msg "$(cat "$OBS_TMP/flood.out")"
check "samples.csv has rows of the four VIPs" eval \
	'[ "$(cut -d, -f3 "$OUT/samples.csv" | sort -u | grep -c -v label)" = 4 ]'
check "rmmod" rmmod aquarius
ktap_finished
