#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An IPv6 TCP VIP and an IPv4 UDP VIP side by side.
#   IPv6 TCP: flows counted exactly per backend (FIN and RST closes), none
#     left in progress, byte_f values exactly the response sizes.
#   UDP: a flow per client socket (5-tuple), even across a pause shorter
#     than flow_timeout; n_packet == datagrams sent; byte_p samples == the
#     payload size, one per datagram; flows end by idle timeout only
#     (flow_timeout=2): then n_fct == n_flow, n_flow_on == 0, and byte_f ==
#     each socket's payload bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

VIPS="web6/tcp/[fd00::10]:80/[fd00:2::2]:8080,[fd00:2::2]:8081"
VIPS+=";dns/udp/10.0.0.53:53/10.0.2.2:5353"
SIZES=100,1449,5000,20000,65535	# 5 sizes, 2 backends: every pair occurs
N_FIN=60 N_RST=20
U_SOCKS=5 U_COUNT=40 U_SIZE=300	# datagrams per socket, payload bytes
U_PAUSE_MS=1000			# < flow_timeout: must not split flows
FLOW_TIMEOUT=2

ktap_print_header
obs_plan 19
require_cmd "$PY" ip

setup_topology_root || obs_bail "topology"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	start_server s6a "$server" serve fd00:2::2 8080 &&
	start_server s6b "$server" serve fd00:2::2 8081 &&
	start_server udp "$server" udp-serve 10.0.2.2 5353
}
check "servers listening (TCP [fd00:2::2]:8080, :8081, UDP 10.0.2.2:5353)" servers
check "insmod (flow_timeout=$FLOW_TIMEOUT)" aq_load "vips=$VIPS" \
	flow_timeout=$FLOW_TIMEOUT reservoir_slots=1024 snapshot_ms=100
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

check "web6 (2 backends) and dns (1 backend) listed, backends active" eval \
	'aq_proc_has "^vip web6 tcp [0-9a-f:]+ 80 offset (0x)?[0-9a-f]+ size (0x)?[0-9a-f]+$" &&
	 aq_proc_has "^backend 0 [0-9a-f:]+ 8080 active$" &&
	 aq_proc_has "^backend 1 [0-9a-f:]+ 8081 active$" &&
	 aq_proc_has "^vip dns udp 10\.0\.0\.53 53 offset (0x)?[0-9a-f]+ size (0x)?[0-9a-f]+$" &&
	 aq_proc_has "^backend 0 10\.0\.2\.2 5353 active$"'

# --- IPv6 TCP -----------------------------------------------------------------
targets=(--target "[fd00:2::2]:8080" --target "[fd00:2::2]:8081")
run_client "$client" "$OBS_TMP/fin.json" "${targets[@]}" --count $N_FIN \
	--sizes $SIZES --parallel 4 --close fin
client_ok "$N_FIN IPv6 connections closed with FIN" "$OBS_TMP/fin.json" $N_FIN
run_client "$client" "$OBS_TMP/rst.json" "${targets[@]}" --count $N_RST \
	--sizes $SIZES --parallel 4 --close rst
client_ok "$N_RST IPv6 connections closed with RST" "$OBS_TMP/rst.json" $N_RST

total=$((N_FIN + N_RST)) each=$(((N_FIN + N_RST) / 2))
region_read web6 --until "TOT_N_FCT >= $total" --timeout 30 --settle 2 \
	--values byte_f
want_set=$(tr , '\n' <<<"$SIZES" | sort -n | tr '\n' ' ' | sed 's/ $//')
ktap_print_msg "web6: b0 n_flow $B0_N_FLOW n_fct $B0_N_FCT byte_f {$B0_BYTE_F_SET}; b1 n_flow $B1_N_FLOW n_fct $B1_N_FCT byte_f {$B1_BYTE_F_SET}"
check_eq "web6 n_flow/n_fct per backend" \
	"$B0_N_FLOW/$B0_N_FCT $B1_N_FLOW/$B1_N_FCT" "$each/$each $each/$each"
check_eq "web6 n_flow_on of both backends" "$B0_N_FLOW_ON/$B1_N_FLOW_ON" "0/0"
check_eq "web6 backend 0 byte_f values are exactly the sizes served" \
	"$B0_BYTE_F_SET" "$want_set"
check_eq "web6 backend 1 byte_f values are exactly the sizes served" \
	"$B1_BYTE_F_SET" "$want_set"
check_eq "web6 one byte_f sample offered per flow" "$TOT_BYTE_F_OFFERED" "$total"

# --- UDP ----------------------------------------------------------------------
dgrams=$((U_SOCKS * U_COUNT))
ip netns exec "$client" "$PY" "$OBS_TOOLS/traffic.py" udp-client \
	--addr 10.0.2.2 --port 5353 --sockets $U_SOCKS --count $U_COUNT \
	--size $U_SIZE --interval-ms 2 --pause-ms $U_PAUSE_MS \
	>"$OBS_TMP/udp.json" 2>"$OBS_TMP/udp.json.err"
check_eq "UDP client sent $dgrams datagrams from $U_SOCKS sockets" \
	"$(jget "$OBS_TMP/udp.json" datagrams)/$(jget "$OBS_TMP/udp.json" failed)/$(jget "$OBS_TMP/udp.json" sockets)" \
	"$dgrams/0/$U_SOCKS"

region_read dns --until "TOT_N_PACKET >= $dgrams" --timeout 30 --settle 1 \
	--values byte_p
ktap_print_msg "dns before expiry: n_packet $B0_N_PACKET n_flow $B0_N_FLOW n_fct $B0_N_FCT n_flow_on $B0_N_FLOW_ON byte_p offered $B0_BYTE_P_OFFERED values {$B0_BYTE_P_SET}"
check_eq "dns n_packet == datagrams sent" "$B0_N_PACKET" $dgrams
check_eq "dns n_flow == client sockets (a $U_PAUSE_MS ms pause does not split flows)" \
	"$B0_N_FLOW" $U_SOCKS
check_eq "dns byte_p: one sample per datagram, all $U_SIZE bytes" \
	"$B0_BYTE_P_OFFERED/$B0_BYTE_P_SET" "$dgrams/$U_SIZE"

region_read dns --until "TOT_N_FCT >= $U_SOCKS" --timeout 40 --settle 2 \
	--values byte_f
ktap_print_msg "dns after flow_timeout: n_flow $B0_N_FLOW n_fct $B0_N_FCT n_flow_on $B0_N_FLOW_ON byte_f offered $B0_BYTE_F_OFFERED values {$B0_BYTE_F_SET}"
check_eq "dns flows end by idle timeout: n_flow/n_fct" "$B0_N_FLOW/$B0_N_FCT" \
	"$U_SOCKS/$U_SOCKS"
check_eq "dns n_flow_on after the timeout" "$B0_N_FLOW_ON" 0
check_eq "dns byte_f: one sample per flow, each $((U_COUNT * U_SIZE)) bytes" \
	"$B0_BYTE_F_OFFERED/$B0_BYTE_F_SET" "$U_SOCKS/$((U_COUNT * U_SIZE))"

# shellcheck disable=SC2154 # set by start_server (printf -v)
kill -TERM "$OBS_PID_udp" 2>/dev/null
wait "$OBS_PID_udp" 2>/dev/null
ktap_print_msg "UDP server: $(tail -n1 "$OBS_TMP/udp.out")"
check_eq "UDP server received every datagram" \
	"$(tail -n1 "$OBS_TMP/udp.out" >"$OBS_TMP/udps.json"; jget "$OBS_TMP/udps.json" datagrams)" $dgrams

check "rmmod" aq_unload
ktap_finished
