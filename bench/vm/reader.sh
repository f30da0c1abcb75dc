#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 900
# Reader side against an active probe, in one boot (issue 6; the paper's
# Fig. 21): what a consumer pays to know a backend's state
#   from the module's export: a consistent counter snapshot and the five
#     reductions of all 13 features of one backend, libaquarius and the
#     Python package, on the live region of an observed VIP (mapped from
#     /dev/aquarius, filled by real connections first;
#     user/python/bench_reader.py --vip);
#   by asking the backend: a TCP status request from the client namespace
#     to a tiny status server in the backend's namespace, through the router
#     (bench/probe_rtt.py), on a new connection each time (what a health
#     checker does) and on one kept-alive connection.
# Under TCG and the debug kernel every figure is inflated; the ratios
# within the run are the result. Run with `make bench-vm`.
# shellcheck disable=SC2154 # client and server are set by setup_topology_root
. "$(dirname "$0")/../../tests/selftests/lib.sh"
. "$(dirname "$0")/../../tests/selftests/tools/observe_lib.sh"

ITER=${AQ_BENCH_ITER:-300} CONNS=${AQ_BENCH_CONNS:-300}
PROBE_PORT=8090
here=$(cd "$(dirname "$0")" && pwd)
READER_PY=$AQ_TOP/user/python/bench_reader.py

ktap_print_header
obs_plan 8
require_cmd "$PY" ip
[ -x "$AQ_TOP/build/bench/reader" ] ||
	obs_bail "build/bench/reader is not built (make -C bench reader)"
setup_topology_root || obs_bail "topology"
obs_tmpdir || obs_bail "temporary directory"

check "server listening" start_server srv "$server" serve 10.0.2.2 8080 --delay-ms 5
obs_insmod "vips=web/tcp/10.0.0.10:80/10.0.2.2:8080" snapshot_ms=100
check "$CONNS connections observed, none failed" run_client "$client" \
	"$OBS_TMP/fill.json" --target 10.0.2.2:8080 --count "$CONNS" \
	--parallel 4 --sizes 1000,20000
client_ok "the connections' summary" "$OBS_TMP/fill.json" "$CONNS"

# reader: the C and Python figures of the live region, in microseconds.
"$PY" "$READER_PY" --vip web --iterations "$ITER" >"$OBS_TMP/reader.out" 2>&1
ktap_print_msg "$(cat "$OBS_TMP/reader.out")"
# rowval WHO COLUMN: median (us) of a row of bench_reader's table
# (COLUMN 1: snapshot, 2: reduce).
rowval() {
	awk -v who="$1" -v col="$2" 'index($0, who) == 1 {
		sub(who, ""); print $(col == 1 ? 2 : 4) }' "$OBS_TMP/reader.out"
}
c_snap=$(rowval "C aq_reduce_backend" 1) c_red=$(rowval "C aq_reduce_backend" 2)
py_snap=$(rowval "python" 1) py_red=$(rowval "python" 2)
check "reader figures measured (libaquarius and Python)" eval \
	'obs_is_num "$c_snap" && obs_is_num "$c_red" && obs_is_num "$py_snap" && obs_is_num "$py_red"'
# The reductions must have had samples to reduce: the region is live.
region_read web --timeout 10
check_cmp "the reduced backend has completed flows" "${B0_N_FCT:-0}" ">" 0

# probe: the status server in the backend's namespace.
ip netns exec "$server" "$PY" "$here/../probe_rtt.py" --serve 10.0.2.2:$PROBE_PORT \
	>"$OBS_TMP/probe-server.out" 2>&1 &
defer "kill $! 2>/dev/null"
wait_listen "$server" $PROBE_PORT || ktap_print_msg "status server not listening"
for mode in new keep; do
	arg=(); [ $mode = keep ] && arg=(--keep-alive)
	ip netns exec "$client" "$PY" "$here/../probe_rtt.py" --connect 10.0.2.2:$PROBE_PORT \
		--requests "$ITER" "${arg[@]}" >"$OBS_TMP/probe-$mode.out" 2>&1
	ktap_print_msg "$(cat "$OBS_TMP/probe-$mode.out")"
done
probe_new=$(sed -n 's/.*new-connection median \([0-9.]*\).*/\1/p' "$OBS_TMP/probe-new.out")
probe_keep=$(sed -n 's/.*keep-alive median \([0-9.]*\).*/\1/p' "$OBS_TMP/probe-keep.out")
check "probe figures measured (new and kept-alive connection)" eval \
	'obs_is_num "$probe_new" && obs_is_num "$probe_keep"'

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.1f", b / a; else print "-" }'; }
ktap_print_msg "| reader, median in us (TCG, debug kernel) | us | probe on a new connection / this | probe kept alive / this |"
ktap_print_msg "|---|---|---|---|"
for row in "libaquarius snapshot:$c_snap" "libaquarius reduce one backend:$c_red" \
	   "Python snapshot:$py_snap" "Python reduce one backend:$py_red"; do
	v=${row##*:}
	ktap_print_msg "| ${row%:*} | $v | $(ratio "$v" "$probe_new") | $(ratio "$v" "$probe_keep") |"
done
ktap_print_msg "| probe, new connection | $probe_new | | |"
ktap_print_msg "| probe, kept-alive connection | $probe_keep | | |"
check "rmmod" rmmod aquarius
ktap_finished
