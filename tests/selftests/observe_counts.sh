#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Flow counting is exact: TCP connections through the router to the two
# backends of one VIP (two addresses, two ports) are each counted once as
# started and once as completed, per backend and in total, whether they end
# with FIN or with RST; nothing stays in progress; connections to a backend
# address on another port are not attributed to any backend.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

N_FIN=200	# connections closed with FIN, half to each backend
N_RST=100	# then connections closed with RST (SO_LINGER 0)
N_OTHER=10	# to 10.0.2.2:8082, not a backend
SIZES=1000,2000,5000,20000
VIPS="web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8081"

ktap_print_header
obs_plan 26
require_cmd "$PY" ip

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second server address"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	start_server b0 "$server" serve 10.0.2.2 8080 &&
	start_server b1 "$server" serve 10.0.2.3 8081 &&
	start_server other "$server" serve 10.0.2.2 8082
}
check "servers listening" servers
check "insmod $VIPS" aq_load "vips=$VIPS"
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

check "web and its 2 backends listed active" eval \
	'aq_proc_has "^vip web tcp 10\.0\.0\.10 80 offset (0x)?[0-9a-f]+ size (0x)?[0-9a-f]+$" &&
	 aq_proc_has "^backend 0 10\.0\.2\.2 8080 active$" &&
	 aq_proc_has "^backend 1 10\.0\.2\.3 8081 active$"'

region_read web --settle 1
check_eq "defaults: reservoir_slots 128, snapshot 200 ms" \
	"$NR_SLOTS/$INTERVAL_NS" "128/200000000"
check_eq "region field names and units are those of the uapi" "$NAMES_OK" 1
check_eq "no packet and no flow before traffic" "$TOT_N_PACKET/$TOT_N_FLOW" "0/0"

# --- FIN-closed connections ---------------------------------------------------
run_client "$client" "$OBS_TMP/fin.json" --target 10.0.2.2:8080 \
	--target 10.0.2.3:8081 --count $N_FIN --sizes $SIZES --parallel 8 --close fin
client_ok "$N_FIN connections closed with FIN completed" "$OBS_TMP/fin.json" $N_FIN
run_client "$client" "$OBS_TMP/other.json" --addr 10.0.2.2 --port 8082 \
	--count $N_OTHER --sizes 100 --close fin
client_ok "$N_OTHER connections to 10.0.2.2:8082 completed" "$OBS_TMP/other.json" $N_OTHER

region_read web --until "TOT_N_FCT >= $N_FIN" --timeout 30 --settle 2
half=$((N_FIN / 2))
ktap_print_msg "after FIN: b0 n_flow $B0_N_FLOW n_fct $B0_N_FCT n_packet $B0_N_PACKET; b1 n_flow $B1_N_FLOW n_fct $B1_N_FCT n_packet $B1_N_PACKET; other $VC_OTHER"
check_eq "backend 0 (10.0.2.2:8080) n_flow/n_fct" "$B0_N_FLOW/$B0_N_FCT" "$half/$half"
check_eq "backend 1 (10.0.2.3:8081) n_flow/n_fct" "$B1_N_FLOW/$B1_N_FCT" "$half/$half"
check_eq "total n_flow/n_fct" "$TOT_N_FLOW/$TOT_N_FCT" "$N_FIN/$N_FIN"
check_eq "n_flow_on of both backends after the flows ended" \
	"$B0_N_FLOW_ON/$B1_N_FLOW_ON" "0/0"
# SYN, handshake ACK, request and FIN at least: 4 packets per connection.
check_cmp "backend 0 n_packet >= 4 per connection" "$B0_N_PACKET" ">=" $((4 * half))
check_cmp "backend 1 n_packet >= 4 per connection" "$B1_N_PACKET" ">=" $((4 * half))
check_eq "n_cls of both backends" "$B0_N_CLS/$B1_N_CLS" "0/0"
check_cmp "packets to a backend address on another port counted as 'other'" \
	"$VC_OTHER" ">=" $((4 * N_OTHER))
check_eq "one fct and one lat_synack sample offered per flow" \
	"$TOT_FCT_OFFERED/$TOT_LAT_SYNACK_OFFERED" "$N_FIN/$N_FIN"
check_eq "every slot time in [1, now] and samples <= offered" "$BAD_SLOTS" 0

# --- RST-closed connections ---------------------------------------------------
run_client "$client" "$OBS_TMP/rst.json" --target 10.0.2.2:8080 \
	--target 10.0.2.3:8081 --count $N_RST --sizes $SIZES --parallel 8 --close rst
client_ok "$N_RST connections closed with RST completed" "$OBS_TMP/rst.json" $N_RST

total=$((N_FIN + N_RST)) each=$(((N_FIN + N_RST) / 2))
region_read web --until "TOT_N_FCT >= $total" --timeout 30 --settle 2
ktap_print_msg "after RST: b0 n_flow $B0_N_FLOW n_fct $B0_N_FCT; b1 n_flow $B1_N_FLOW n_fct $B1_N_FCT"
check_eq "backend 0 n_flow/n_fct with RST closes" "$B0_N_FLOW/$B0_N_FCT" "$each/$each"
check_eq "backend 1 n_flow/n_fct with RST closes" "$B1_N_FLOW/$B1_N_FCT" "$each/$each"
check_eq "total n_flow/n_fct with RST closes" "$TOT_N_FLOW/$TOT_N_FCT" "$total/$total"
check_eq "n_flow_on of both backends after the RST flows" \
	"$B0_N_FLOW_ON/$B1_N_FLOW_ON" "0/0"

if [ -x "$AQCTL" ]; then
	check "aqctl -j show agrees with region.py (counters, samples, offered, mean)" \
		aqctl_matches web
else
	ktap_test_skip "aqctl -j show agrees with region.py: no $AQCTL"
fi

check "rmmod" aq_unload
check "discovery file gone after rmmod" test ! -e /proc/net/aquarius
ktap_finished
