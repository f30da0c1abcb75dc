#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Behind IPVS: the router is an IPVS director in NAT mode (round robin over
# two real servers, 10.0.2.2:8080 and 10.0.2.3:8080); clients connect to the
# virtual service 10.0.0.10:80 and the module, which hooks after destination
# NAT, attributes each flow to the real server IPVS chose. Its per-backend
# n_flow equals IPVS's own per-real-server connection count, round robin
# splits evenly, and n_flow == n_fct exactly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

N_FIN=100 N_RST=20
VIPS="web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080"

ktap_print_header
obs_plan 12
require_cmd "$PY" ip ipvsadm
# The test kernel has IPVS as modules (loaded through the VM's modprobe).
if ! modprobe ip_vs 2>/dev/null || ! modprobe ip_vs_rr 2>/dev/null; then
	ktap_test_skip "needs the ip_vs and ip_vs_rr modules"
	ktap_finished
fi

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second server address"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	start_server b0 "$server" serve 10.0.2.2 8080 &&
	start_server b1 "$server" serve 10.0.2.3 8080
}
check "real servers listening" servers

ipvs() {
	ip addr add 10.0.0.10/32 dev lo &&
	ipvsadm -A -t 10.0.0.10:80 -s rr &&
	ipvsadm -a -t 10.0.0.10:80 -r 10.0.2.2:8080 -m &&
	ipvsadm -a -t 10.0.0.10:80 -r 10.0.2.3:8080 -m
}
defer 'ipvsadm -D -t 10.0.0.10:80; ip addr del 10.0.0.10/32 dev lo'
check "IPVS service 10.0.0.10:80, rr, NAT to 2 real servers" ipvs
check "insmod" aq_load "vips=$VIPS" snapshot_ms=100
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

run_client "$client" "$OBS_TMP/fin.json" --addr 10.0.0.10 --port 80 \
	--count $N_FIN --sizes 1000,3000,10000 --parallel 4 --close fin
client_ok "$N_FIN connections to the virtual service (FIN)" "$OBS_TMP/fin.json" $N_FIN
run_client "$client" "$OBS_TMP/rst.json" --addr 10.0.0.10 --port 80 \
	--count $N_RST --sizes 1000,3000,10000 --parallel 4 --close rst
client_ok "$N_RST connections to the virtual service (RST)" "$OBS_TMP/rst.json" $N_RST

total=$((N_FIN + N_RST))
region_read web --until "TOT_N_FCT >= $total" --timeout 30 --settle 2
stats=$(ipvsadm -L -n --stats --exact)
ktap_print_msg "ipvsadm: $(tr -s ' \n' ' ' <<<"$stats")"
conns() { awk -v rs="$1" '$1 == "->" && $2 == rs { print $3 }' <<<"$stats"; }
c0=$(conns 10.0.2.2:8080) c1=$(conns 10.0.2.3:8080)
ktap_print_msg "module: b0 n_flow $B0_N_FLOW n_fct $B0_N_FCT; b1 n_flow $B1_N_FLOW n_fct $B1_N_FCT; IPVS conns $c0 / $c1"
check_eq "per-backend n_flow equals IPVS's per-real-server connections" \
	"$B0_N_FLOW/$B1_N_FLOW" "$c0/$c1"
check_eq "round robin: n_flow split evenly" "$B0_N_FLOW/$B1_N_FLOW" \
	"$((total / 2))/$((total / 2))"
check_eq "n_fct == n_flow per backend" "$B0_N_FCT/$B1_N_FCT" \
	"$B0_N_FLOW/$B1_N_FLOW"
check_eq "total n_flow/n_fct" "$TOT_N_FLOW/$TOT_N_FCT" "$total/$total"
check_eq "n_flow_on of both backends" "$B0_N_FLOW_ON/$B1_N_FLOW_ON" "0/0"
check_eq "n_cls of both backends" "$B0_N_CLS/$B1_N_CLS" "0/0"
check "rmmod" aq_unload
ktap_finished
