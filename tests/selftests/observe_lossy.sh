#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Impaired links: bulk transfers both ways (each connection uploads UPLOAD
# bytes and downloads one of SIZES) over
#   client->router  netem delay 4ms, 70% of packets delayed and 30% not
#                   (so reordered), 2% duplicated, 1% lost
#   router->server  netem delay 10ms, 2% lost (after the module saw them,
#                   so the client's retransmissions are seen as such)
#   router->client  netem delay 1ms, 2% lost (the client answers the holes
#                   in the server's data with duplicate ACKs)
# => the module counts retransmissions (n_rtr), duplicate ACKs (n_dpk) and
# ACKs going backwards (n_ooo), and still counts every flow exactly once.
#
# The reordering window (4 ms) is kept below the smallest handshake round
# trip (> 10 ms): a duplicated SYN then always reaches the router before the
# handshake ACK (a retransmission of a flow in state SYN, not a new flow).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

N=40
SIZES=50000,100000
UPLOAD=20000

ktap_print_header
obs_plan 12
require_cmd "$PY" ip tc

setup_topology_root || obs_bail "topology"
obs_tmpdir || obs_bail "temporary directory"

check "server listening" start_server srv "$server" serve 10.0.2.2 8080 --timeout 60
links() {
	netem veth0 "$client" delay 4ms reorder 30% 25% duplicate 2% loss 1% &&
	netem "$ROUTER_SIF" - delay 10ms loss 2% &&
	netem "$ROUTER_CIF" - delay 1ms loss 2%
}
check "netem loss, reordering and duplication" links
check "insmod" aq_load "vips=web/tcp/10.0.0.10:80/10.0.2.2:8080" snapshot_ms=100
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

run_client "$client" "$OBS_TMP/c.json" --addr 10.0.2.2 --port 8080 \
	--count $N --sizes $SIZES --upload $UPLOAD --parallel 4 --timeout 60
client_ok "$N transfers completed over the lossy links" "$OBS_TMP/c.json" $N
ktap_print_msg "client: $(head -c 400 "$OBS_TMP/c.json")"
for d in "veth0 $client" "$ROUTER_SIF -" "$ROUTER_CIF -"; do
	set -- $d
	if [ "$2" = - ]; then s=$(tc -s qdisc show dev "$1"); else s=$(tc -n "$2" -s qdisc show dev "$1"); fi
	ktap_print_msg "$1: $(tr -s ' \n' ' ' <<<"$s" | head -c 300)"
done

region_read web --until "TOT_N_FCT >= $N" --timeout 60 --settle 2
ktap_print_msg "n_flow $B0_N_FLOW n_fct $B0_N_FCT n_flow_on $B0_N_FLOW_ON n_packet $B0_N_PACKET n_rtr $B0_N_RTR n_dpk $B0_N_DPK n_ooo $B0_N_OOO n_cls $B0_N_CLS"
check_eq "n_flow == connections" "$B0_N_FLOW" $N
check_eq "n_fct == connections" "$B0_N_FCT" $N
check_eq "n_flow_on == 0" "$B0_N_FLOW_ON" 0
check_cmp "retransmissions counted (n_rtr > 0)" "$B0_N_RTR" ">" 0
check_cmp "duplicate ACKs counted (n_dpk > 0)" "$B0_N_DPK" ">" 0
check_cmp "ACKs going backwards counted (n_ooo > 0)" "$B0_N_OOO" ">" 0
check_eq "n_cls == 0" "$B0_N_CLS" 0
check "rmmod" aq_unload
ktap_finished
