#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Timing features against known delays. netem delays every direction of the
# router's two links by LINK_MS (client->router, router->client,
# router->server, server->router), so the client<->server round trip is
# RTT = 4 * LINK_MS; the server waits DELAY_MS before each reply.
#
#   pt_1st     = the server's time from request to first reply, recovered
#                from TCP timestamps: DELAY_MS plus the server's own overhead,
#                which the server measures itself (kernel receive timestamp
#                of the request to the send call). The link delays cancel.
#   lat_synack = SYN to handshake ACK at the router: one RTT.
#   fct        = SYN to the client's FIN at the router. Per connection:
#                handshake + request (1.5 RTT to the server, then DELAY_MS),
#                reply to the client and its ACK back to the server (1 RTT;
#                the server sends FIN only once its reply is acknowledged),
#                FIN to the client and the client's FIN to the router
#                (0.5 RTT + one link) = 3 * RTT + DELAY_MS. The client
#                measures the same interval (connect() to close() return).
#
# The measured values are printed as KTAP comments. Tolerances (ms; set the
# variables to override) are bounds a broken module fails: a pt_1st that
# includes a network leg is off by >= 2 * LINK_MS, one that mixes the
# random per-connection timestamp offsets of Linux is off by seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

LINK_MS=${LINK_MS:-10}
DELAY_MS=${DELAY_MS:-50}
N=${N:-60}
TOL_PT=${TOL_PT:-3}		# pt_1st median vs server-measured median: +-3
TOL_PT_LO=${TOL_PT_LO:-3}	# pt_1st median >= DELAY_MS - 3
TOL_RTT_LO=${TOL_RTT_LO:-1}	# lat_synack median >= RTT - 1
TOL_CONN=${TOL_CONN:-2}		# lat_synack median <= client connect median + 2
# fct median vs the client's connect-to-close median: the client's clock
# also runs through its own connect() and close() calls, which take a few
# ms on the emulated host (seen: 1.4 to 5.5 ms), so fct may be up to 10 ms
# below it, and at most 2 ms above.
TOL_FCT_BELOW=${TOL_FCT_BELOW:-10}
TOL_FCT_ABOVE=${TOL_FCT_ABOVE:-2}
TOL_FCT_LO=${TOL_FCT_LO:-2}	# fct median >= 3 RTT + DELAY_MS - 2
# Upper bounds come from the end hosts' own measurements (server
# processing time, client connect and lifetime), not from the configured
# delays: under emulation the hosts add tens of ms of their own, which the
# module measures correctly and must not be blamed for. The configured
# delays give the physical lower bounds.
RTT=$((4 * LINK_MS))
FCT=$((3 * RTT + DELAY_MS))

ktap_print_header
obs_plan 13
require_cmd "$PY" ip tc

setup_topology_root || obs_bail "topology"
obs_tmpdir || obs_bail "temporary directory"
for ns in "$client" "$server"; do
	ip netns exec "$ns" sysctl -qw net.ipv4.tcp_timestamps=1
done

check "server listening (reply delay $DELAY_MS ms)" \
	start_server srv "$server" serve 10.0.2.2 8080 --delay-ms "$DELAY_MS"
links() {
	netem "$ROUTER_CIF" - delay "${LINK_MS}ms" &&
	netem "$ROUTER_SIF" - delay "${LINK_MS}ms" &&
	netem veth0 "$client" delay "${LINK_MS}ms" &&
	netem veth0 "$server" delay "${LINK_MS}ms"
}
check "netem delay ${LINK_MS} ms on both directions of both links" links
check "insmod" aq_load "vips=web/tcp/10.0.0.10:80/10.0.2.2:8080" \
	reservoir_slots=1024 snapshot_ms=100
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

run_client "$client" "$OBS_TMP/c.json" --addr 10.0.2.2 --port 8080 \
	--count "$N" --sizes 1000 --parallel 2
client_ok "$N connections" "$OBS_TMP/c.json" "$N"

region_read web --until "TOT_N_FCT >= $N" --timeout 30 --settle 2
check_eq "n_flow/n_fct" "$B0_N_FLOW/$B0_N_FCT" "$N/$N"
check_eq "one pt_1st, lat_synack and fct sample offered per flow" \
	"$B0_PT_1ST_OFFERED/$B0_LAT_SYNACK_OFFERED/$B0_FCT_OFFERED" "$N/$N/$N"

srv_us=$("$PY" - "$OBS_TMP/srv.log" <<-'EOF'
	import json, statistics, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	v = [r["proc_us"] for r in recs if r.get("ok")]
	k = sum(1 for r in recs if r.get("ok") and r.get("ts") == "kernel")
	print(statistics.median(v) if v else "", k, len(v))
	EOF
)
read -r srv_us srv_kts srv_n <<<"$srv_us"
conn_ms=$(jget "$OBS_TMP/c.json" connect_ms_median)
life_ms=$(jget "$OBS_TMP/c.json" life_ms_median)
pt=$(fmt_ms "$B0_PT_1ST_MEDIAN") srv=$(fmt_ms "$srv_us")
lat=$(fmt_ms "$B0_LAT_SYNACK_MEDIAN") fct=$(fmt_ms "$B0_FCT_MEDIAN")

ktap_print_msg "pt_1st median $pt ms ($B0_PT_1ST_SAMPLES samples, $(fmt_ms "$B0_PT_1ST_MIN")..$(fmt_ms "$B0_PT_1ST_MAX")), server-measured median $srv ms ($srv_kts/$srv_n with kernel rx timestamps), server delay $DELAY_MS ms; want $srv +- $TOL_PT ms and >= $((DELAY_MS - TOL_PT_LO)) ms"
check_range "pt_1st median within $TOL_PT ms of the server-measured processing time" \
	"$pt" "$(awk -v s="$srv" -v t="$TOL_PT" 'BEGIN { print s - t }')" \
	"$(awk -v s="$srv" -v t="$TOL_PT" 'BEGIN { print s + t }')"
check_cmp "pt_1st median >= the server delay $DELAY_MS ms - $TOL_PT_LO ms" \
	"$pt" ">=" $((DELAY_MS - TOL_PT_LO))

ktap_print_msg "lat_synack median $lat ms ($B0_LAT_SYNACK_SAMPLES samples, $(fmt_ms "$B0_LAT_SYNACK_MIN")..$(fmt_ms "$B0_LAT_SYNACK_MAX")), netem RTT $RTT ms, client connect() median $conn_ms ms; want >= $((RTT - TOL_RTT_LO)) ms and <= connect + $TOL_CONN ms"
check_cmp "lat_synack median >= the RTT $RTT ms - $TOL_RTT_LO ms" \
	"$lat" ">=" $((RTT - TOL_RTT_LO))
check_cmp "lat_synack median <= the client's connect() median + $TOL_CONN ms" \
	"$lat" "<=" "$(awk -v c="$conn_ms" -v t="$TOL_CONN" 'BEGIN { print c + t }')"

ktap_print_msg "fct median $fct ms ($B0_FCT_SAMPLES samples, $(fmt_ms "$B0_FCT_MIN")..$(fmt_ms "$B0_FCT_MAX")), client connect-to-close median $life_ms ms, 3 RTT + delay = $FCT ms; want $life_ms -$TOL_FCT_BELOW/+$TOL_FCT_ABOVE ms and >= $((FCT - TOL_FCT_LO)) ms"
check_range "fct median within -$TOL_FCT_BELOW/+$TOL_FCT_ABOVE ms of the client's connect-to-close median" \
	"$fct" "$(awk -v s="$life_ms" -v t="$TOL_FCT_BELOW" 'BEGIN { print s - t }')" \
	"$(awk -v s="$life_ms" -v t="$TOL_FCT_ABOVE" 'BEGIN { print s + t }')"
check_cmp "fct median >= 3 RTT + delay = $FCT ms - $TOL_FCT_LO ms" \
	"$fct" ">=" $((FCT - TOL_FCT_LO))

check "rmmod" aq_unload
ktap_finished
