#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Mode nat, configured with aqctl: the router (the VM's initial namespace)
# rewrites connections to the VIP to two backends and their replies back.
#  - IPv4 and IPv6 TCP transfers arrive byte for byte (the client checks
#    every byte of the reply, the server every byte of the upload);
#  - weights 3:1 split 2000 new flows 75/25 within 5 points, counted by the
#    servers themselves, and the module's n_flow per backend agrees exactly
#    (handshake-only connections there, the rest carry data);
#  - weights changed during traffic break no established connection;
#  - a drained backend gets no new flow while its established ones finish;
#  - the weights are visible in the mmap region;
#  - a removed backend gets nothing more.
# aq-timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

N_SPLIT=2000

ktap_print_header
obs_plan 29
require_cmd "$PY" ip "$AQCTL"

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second address"
ip -n "$server" addr add fd00:2::3/64 dev veth0 nodad || obs_bail "second address"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	# Long timeouts: the VM is slow (TCG), a stall is not our bug to find.
	start_server b0 "$server" serve 10.0.2.2 8080 --timeout 120 &&
	start_server b1 "$server" serve 10.0.2.3 8080 --timeout 120 &&
	start_server v6b0 "$server" serve fd00:2::2 8080 --timeout 120 &&
	start_server v6b1 "$server" serve fd00:2::3 8080 --timeout 120 &&
	start_server a0 "$server" accept 10.0.2.2 9090 --count-file "$OBS_TMP/a0.n" &&
	start_server a1 "$server" accept 10.0.2.3 9090 --count-file "$OBS_TMP/a1.n"
}
check "insmod" aq_load
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"
check "servers listening" servers

check "aqctl: nat VIP with backends weighted 3:1" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 mode nat &&
	 "$AQCTL" backend add web 10.0.2.2 8080 weight 3 &&
	 "$AQCTL" backend add web 10.0.2.3 8080 weight 1'
check_eq "aqctl -j vip show: mode, scheduler, weights" \
	"$("$AQCTL" -j vip show web | "$PY" -c '
import json, sys
v = json.load(sys.stdin)
print(v["mode"], v["sched"], ",".join(str(b["weight"]) for b in v["backends"]))')" \
	"nat maglev 3,1"

# lines LOG [SIZE]: connections a server handled (of reply size SIZE).
lines() {
	if [ -n "${2:-}" ]; then grep -c "\"size\": $2," "$1"; else grep -c . "$1"; fi
}

# --- the 3:1 split of 2000 new flows (handshakes only: cheap under TCG) --------
check "aqctl: VIP split with backends on port 9090 weighted 3:1" eval \
	'"$AQCTL" vip add split tcp 10.0.0.101 80 mode nat &&
	 "$AQCTL" backend add split 10.0.2.2 9090 weight 3 &&
	 "$AQCTL" backend add split 10.0.2.3 9090 weight 1'
check "$N_SPLIT connections to the VIP established" \
	ip netns exec "$client" "$PY" "$OBS_TOOLS/traffic.py" connect \
	--addr 10.0.0.101 --port 80 --count $N_SPLIT --parallel 16 --timeout 400
# accepted NAME: connections the accept server NAME counted so far.
accepted() { cat "$OBS_TMP/$1.n" 2>/dev/null || echo 0; }
for _ in $(seq 100); do
	[ $(($(accepted a0) + $(accepted a1))) -ge $N_SPLIT ] && break
	sleep 0.2
done
n0=$(accepted a0) n1=$(accepted a1)
ktap_print_msg "split 3:1 over $N_SPLIT flows (servers' count): backend 0 $n0, backend 1 $n1"
check_range "weights 3:1: backend 0 got 75% +-5 of the flows" \
	"$((100 * n0 / N_SPLIT))" 70 80
check_eq "every flow reached a backend" "$((n0 + n1))" $N_SPLIT
region_read split --until "TOT_N_FCT >= $N_SPLIT" --timeout 30 --settle 1
check_eq "module n_flow per backend = servers' counts" "$B0_N_FLOW/$B1_N_FLOW" "$n0/$n1"
check_eq "all flows completed, none in progress, none untracked" \
	"$TOT_N_FCT/$TOT_N_FLOW_ON/$TOT_N_CLS/$VC_DROPPED" "$N_SPLIT/0/0/0"
check_eq "region header: mode nat (1), weights 3 1" "$MODE/$WEIGHTS" "1/3 1"

# --- byte for byte --------------------------------------------------------------
run_client "$client" "$OBS_TMP/bytes.json" --addr 10.0.0.100 --port 80 \
	--count 200 --sizes 100,20000 --upload 3000 --parallel 8
client_ok "200 IPv4 requests through the VIP, every byte checked both ways" \
	"$OBS_TMP/bytes.json" 200
region_read web --until "TOT_N_FCT >= 200" --timeout 30 --settle 1
check_eq "module n_flow per backend = servers' logs" "$B0_N_FLOW/$B1_N_FLOW" \
	"$(lines "$OBS_TMP/b0.log")/$(lines "$OBS_TMP/b1.log")"

ktap_print_msg "elapsed ${SECONDS}s"
# --- weight changes under traffic ---------------------------------------------
run_client "$client" "$OBS_TMP/busy.json" --addr 10.0.0.100 --port 80 \
	--count 24 --sizes 400000 --parallel 12 --timeout 120 &
busy=$!
sleep 3
changes() {
	local w
	for w in "1 3" "0 1" "5 5" "1 0" "3 1"; do
		# shellcheck disable=SC2086 # two weights
		"$AQCTL" weights web $w || return 1
		sleep 0.5
	done
}
check "five weight sets applied during the transfers" changes
wait $busy
client_ok "24 transfers of 400 kB across the changes: none broken" \
	"$OBS_TMP/busy.json" 24
region_read web --settle 1
check_eq "region shows the last set" "$WEIGHTS" "3 1"

ktap_print_msg "elapsed ${SECONDS}s"
# --- drain ---------------------------------------------------------------------
b0_before=$(lines "$OBS_TMP/b0.log")
run_client "$client" "$OBS_TMP/long.json" --addr 10.0.0.100 --port 80 \
	--count 8 --sizes 1000000 --parallel 8 --timeout 120 &
long=$!
# Drain once backend 0 has transfers in progress.
region_read web --until "B0_N_FLOW_ON >= 2" --timeout 60 >/dev/null
check "backend 0 set to drain while 8 long transfers run" \
	"$AQCTL" backend set web 10.0.2.2 8080 drain on
run_client "$client" "$OBS_TMP/drain.json" --addr 10.0.0.100 --port 80 \
	--count 100 --sizes 777 --parallel 8
client_ok "100 new connections while draining" "$OBS_TMP/drain.json" 100
check_eq "the drained backend got none of them" \
	"$(lines "$OBS_TMP/b0.log" 777)/$(lines "$OBS_TMP/b1.log" 777)" "0/100"
wait $long
client_ok "the long transfers finished, on both backends" "$OBS_TMP/long.json" 8
check_cmp "the drained backend finished its established transfers" \
	"$(($(lines "$OBS_TMP/b0.log") - b0_before))" ">" 0
region_read web --settle 1
check_eq "region: column 0 draining" "$DRAINING" 1
"$AQCTL" backend set web 10.0.2.2 8080 drain off

ktap_print_msg "elapsed ${SECONDS}s"
# --- removal -------------------------------------------------------------------
check "backend 1 removed" "$AQCTL" backend del web column 1
run_client "$client" "$OBS_TMP/removed.json" --addr 10.0.0.100 --port 80 \
	--count 50 --sizes 555 --parallel 8
client_ok "50 connections after the removal" "$OBS_TMP/removed.json" 50
check_eq "all on backend 0" \
	"$(lines "$OBS_TMP/b0.log" 555)/$(lines "$OBS_TMP/b1.log" 555)" "50/0"

ktap_print_msg "elapsed ${SECONDS}s"
# --- IPv6 ----------------------------------------------------------------------
check "aqctl: IPv6 nat VIP with two backends" eval \
	'"$AQCTL" vip add web6 tcp fd00::100 80 mode nat sched sed &&
	 "$AQCTL" backend add web6 fd00:2::2 8080 &&
	 "$AQCTL" backend add web6 fd00:2::3 8080'
run_client "$client" "$OBS_TMP/v6.json" --addr fd00::100 --port 80 \
	--count 100 --sizes 100,50000 --upload 3000 --parallel 8
client_ok "100 IPv6 connections to the VIP, every byte checked" "$OBS_TMP/v6.json" 100
n0=$(lines "$OBS_TMP/v6b0.log") n1=$(lines "$OBS_TMP/v6b1.log")
ktap_print_msg "IPv6 sed split: $n0 / $n1"
check_range "sed with equal weights: both backends used evenly (40-60%)" \
	"$n0" 40 60

ktap_print_msg "elapsed ${SECONDS}s"
check "rmmod" aq_unload
ktap_finished
