#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 420
# A storm of malformed packets through a router namespace to observed
# VIPs (tools/packet_storm.py, Ethernet frames from the client to the
# router's MAC): truncated TCP and UDP headers, bad checksums, bad TCP
# data offsets, all 256 TCP flag combinations, bogus and odd TCP options,
# IPv4 options and fragments, IPv6 extension header chains (too long, past
# the packet, past the bytes the hook copies) and fragments, and headers
# the router itself drops. For each frame the tool knows what the module
# must count; the VIPs' malformed, fragment and other counters and the
# backends' n_packet must grow by exactly that. All frames must reach the
# router. Then legitimate TCP connections (IPv4 and IPv6) must be tracked
# exactly: n_flow and n_fct grow by their number, n_flow_on returns to 0.
# The VM's judge fails the run on any kernel warning or sanitizer report.
#
# Reproduce: AQ_STORM_SEED=S [AQ_STORM_ROUNDS=R] \
#	tests/vm/run.sh tests/selftests/packet_storm.sh
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (lib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

SEED=${AQ_STORM_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
ROUNDS=${AQ_STORM_ROUNDS:-8}
N4=40 N6=20	# legitimate connections afterwards

ktap_print_header
obs_plan 18
require_cmd "$PY" ip ping "$AQCTL"
ktap_print_msg "seed $SEED, $ROUNDS rounds (AQ_STORM_SEED=$SEED AQ_STORM_ROUNDS=$ROUNDS reproduces)"

# A router namespace of its own: no conntrack or defragmentation that an
# earlier test may have enabled in the initial namespace.
setup_topology || obs_bail "topology"
obs_tmpdir || obs_bail "temporary directory"
check "insmod (flow_timeout=2)" aq_load flow_timeout=2
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

aq() { ip netns exec "$router" "$AQCTL" "$@" >/dev/null; }
check "VIPs web (10.0.2.2:8080) and web6 ([fd00:2::2]:8080) in the router namespace" eval \
	'aq vip add web tcp 10.0.0.10 80 && aq backend add web 10.0.2.2 8080 &&
	 aq vip add web6 tcp fd00::10 80 && aq backend add web6 fd00:2::2 8080'
# Neighbours resolved before the storm (an unresolved queue drops frames).
ip netns exec "$router" ping -c1 -W5 10.0.2.2 >/dev/null
ip netns exec "$router" ping -6 -c1 -W5 fd00:2::2 >/dev/null

# rr VIP ARGS...: region.py show in the router namespace; variables as
# region_read sets them.
rr() {
	local v out
	for v in $(compgen -v | grep -E '^(B[0-9]+_|TOT_|VC_)'); do unset "$v"; done
	out=$(timeout 90 ip netns exec "$router" "$PY" "$OBS_TOOLS/region.py" show "$@" --shell) ||
		ktap_print_msg "region.py show $* failed"
	eval "$out"
}
# snap VIP PREFIX: the counters compared, saved as PREFIX_* (no prefix
# rr unsets: B<n>_, TOT_, VC_).
snap() {
	ktap_print_msg "$(date +%T) reading $1 into $2"
	rr "$1" --settle 1 --timeout 20
	printf -v "${2}_MAL" '%s' "${VC_MALFORMED:-}"
	printf -v "${2}_FRAG" '%s' "${VC_FRAGMENT:-}"
	printf -v "${2}_OTHER" '%s' "${VC_OTHER:-}"
	printf -v "${2}_PKT" '%s' "${B0_N_PACKET:-}"
	printf -v "${2}_FLOW" '%s' "${B0_N_FLOW:-}"
	printf -v "${2}_FCT" '%s' "${B0_N_FCT:-}"
	printf -v "${2}_ON" '%s' "${B0_N_FLOW_ON:-}"
}
delta() { [ -n "$1" ] && [ -n "$2" ] && echo $(($2 - $1)); }

snap web A4
snap web6 A6
rx() { ip netns exec "$router" cat "/sys/class/net/$ROUTER_CIF/statistics/rx_packets"; }
txdrop() { ip netns exec "$client" cat "/sys/class/net/$CLIENT_IF/statistics/tx_dropped"; }
rx0=$(rx) txd0=$(txdrop)
rmac=$(ip netns exec "$router" cat "/sys/class/net/$ROUTER_CIF/address")
t0=$(date +%s.%N)
ip netns exec "$client" "$PY" "$OBS_TOOLS/packet_storm.py" send \
	--ifname "$CLIENT_IF" --dst-mac "$rmac" --src4 10.0.1.99 --dst4 10.0.2.2 \
	--src6 fd00:1::99 --dst6 fd00:2::2 --port 8080 --rounds "$ROUNDS" \
	--seed "$SEED" --out "$OBS_TMP/storm.json" >/dev/null 2>"$OBS_TMP/storm.err"
check "storm sent" [ -s "$OBS_TMP/storm.json" ]
ktap_print_msg "storm: $(cat "$OBS_TMP/storm.json" 2>/dev/null) $(head -c 300 "$OBS_TMP/storm.err")"
ktap_print_msg "storm took $(echo "$(date +%s.%N) - $t0" | bc) s"
rx1=$(rx) txd1=$(txdrop)
# The router may also receive the client's own frames (neighbour
# discovery): at least every storm frame, and none dropped on the way.
got=$(delta "$rx0" "$rx1") drops=$(delta "$txd0" "$txd1")
sent=$(jget "$OBS_TMP/storm.json" sent)
ktap_print_msg "the router received $got frames, the client's veth dropped $drops"
all_arrived() { [ -n "$got" ] && [ -n "$sent" ] && [ "$drops" = 0 ] && [ "$got" -ge "$sent" ]; }
check "every storm frame reached the router" all_arrived

snap web Y4
snap web6 Y6
for f in 4 6; do
	a=A$f b=Y$f vip=web
	[ $f = 6 ] && vip=web6
	for c in MAL:malformed FRAG:fragment OTHER:other PKT:packet; do
		k=${c%%:*} n=${c#*:}
		av=${a}_$k bv=${b}_$k
		check_eq "IPv$f $vip: $n counted exactly" \
			"$(delta "${!av}" "${!bv}")" "$(jget "$OBS_TMP/storm.json" "$f.$n")"
	done
done

# The storm's flows (SYNs among the flag combinations) time out.
rr web --until "B0_N_FLOW_ON == 0" --timeout 30 >/dev/null
rr web6 --until "B0_N_FLOW_ON == 0" --timeout 30 >/dev/null
snap web C4
snap web6 C6
check_eq "storm flows timed out (n_flow_on of web/web6)" "$C4_ON/$C6_ON" "0/0"

servers() {
	start_server s4 "$server" serve 10.0.2.2 8080 &&
	start_server s6 "$server" serve fd00:2::2 8080
}
ktap_print_msg "$(date +%T) legitimate connections"
check "servers listening" servers
run_client "$client" "$OBS_TMP/c4.json" --addr 10.0.2.2 --port 8080 \
	--count $N4 --sizes 1000,5000 --parallel 4 --close fin
run_client "$client" "$OBS_TMP/c6.json" --addr fd00:2::2 --port 8080 \
	--count $N6 --sizes 1000,5000 --parallel 4 --close fin
client_ok "$N4 IPv4 connections completed" "$OBS_TMP/c4.json" $N4
client_ok "$N6 IPv6 connections completed" "$OBS_TMP/c6.json" $N6
rr web --until "B0_N_FCT >= $((C4_FCT + N4))" --timeout 30 >/dev/null
rr web6 --until "B0_N_FCT >= $((C6_FCT + N6))" --timeout 30 >/dev/null
snap web D4
snap web6 D6
check_eq "after the storm, web tracks $N4 flows: n_flow/n_fct/n_flow_on" \
	"$(delta "$C4_FLOW" "$D4_FLOW")/$(delta "$C4_FCT" "$D4_FCT")/$D4_ON" "$N4/$N4/0"
check_eq "after the storm, web6 tracks $N6 flows: n_flow/n_fct/n_flow_on" \
	"$(delta "$C6_FLOW" "$D6_FLOW")/$(delta "$C6_FCT" "$D6_FCT")/$D6_ON" "$N6/$N6/0"
ktap_finished
