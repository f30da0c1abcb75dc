#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 1200
# aq-manual: floods 80,000 SYNs (at most 600 s; hping3 reached 152 pkt/s in the VM), then waits for the timeouts; run with tests/vm/run.sh tests/selftests/syn_flood.sh
# SYN flood: hping3 --flood --rand-source from the client namespace
# through the router (the initial namespace) to backend 0 (10.0.2.2:8080,
# nothing listens; the server's resets are blackholed) of an observed VIP,
# until the module has seen AQ_FLOOD_FLOWS (80,000) new flows
# (n_flow + n_cls of backend 0; random source addresses and ports, so each
# SYN is a flow of its own) or AQ_FLOOD_SECONDS (600) have passed. Under
# TCG hping3 --flood reached only 152 packets/s (96,033 in 630 s, every
# packet crossing two namespaces of the debug kernel), so a million flows
# would take about 2 hours: 80,000 is about what 10 minutes give. The table
# has the minimum flow_entries (1024) so that this rate (about 1,400 flows
# per 10 s timeout) saturates it. Flows
# end after flow_timeout (10 s here) without a packet: the module has no
# separate SYN timeout. Checks:
#  - the flow table stays bounded: its occupancy (the sum of n_flow_on over
#    the namespace's backends, sampled every 2 s from the region through
#    aqctl -j show) never exceeds flow_entries, and the table did fill
#    (SYNs found their bucket full: n_cls > 0);
#  - timeouts reclaim the entries: occupancy back to 0;
#  - slab (SUnreclaim) and vmalloc (VmallocUsed) use, sampled after
#    shrinking every slab cache (which also empties KASAN's quarantine), are
#    flat between right after the flood and after the timeouts, and back
#    near the pre-flood baseline: within 16 MiB and 4 MiB (a leak of 17
#    bytes per flooded flow would exceed the first);
#  - legitimate connections to backend 1 (10.0.2.3:8080) during the flood
#    are each accounted for (n_flow + n_cls >= completed, n_flow <= made);
#    after the flood they are tracked exactly (n_flow, n_fct, n_cls).
# Figures printed: flows flooded, packets/s, table peak, slab and vmalloc
# before/peak/after, as "# figures: ..." lines.
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (lib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

FLOWS=${AQ_FLOOD_FLOWS:-80000}
BUDGET=${AQ_FLOOD_SECONDS:-600}
ENTRIES=1024	# flow_entries (a power of two: the table's capacity)
TMO=10		# flow_timeout, seconds
N_LEGIT=40
SLAB_TOL=16384	# kB
VMALLOC_TOL=4096	# kB

ktap_print_header
obs_plan 15
require_cmd "$PY" ip jq hping3 "$AQCTL"
ktap_print_msg "flood: $FLOWS flows or $BUDGET s; flow_entries $ENTRIES, flow_timeout $TMO s"

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second server address"
# The server answers SYNs from random sources with resets: drop those at
# its routing instead of sending them back through the router.
if ! ip -n "$server" route replace blackhole default ||
   ! ip -n "$server" route add 10.0.1.0/24 via 10.0.2.1; then
	obs_bail "server routes"
fi
# Random sources are not reachable back through the client's link.
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	"net.ipv4.conf.$ROUTER_CIF.rp_filter=0"
obs_tmpdir || obs_bail "temporary directory"

check "insmod (flow_entries $ENTRIES, flow_timeout $TMO)" aq_load \
	"vips=web/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080" \
	flow_entries=$ENTRIES flow_timeout=$TMO snapshot_ms=200
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"
CAP=$(cat /sys/module/aquarius/parameters/flow_entries)
check "legitimate server on 10.0.2.3:8080" \
	start_server legit "$server" serve 10.0.2.3 8080 --lifetime 1800 --timeout 60
ping -c1 -W5 10.0.2.2 >/dev/null
ping -c1 -W5 10.0.2.3 >/dev/null

aqj() { timeout 20 "$AQCTL" -j "$@"; }
# stat: "b0_n_flow b0_n_cls occupancy b1_n_flow b1_n_cls b1_n_fct b1_n_flow_on"
ctr() {
	aqj show web | jq -r '[.backends[] | {(.column | tostring): .counters}] | add as $b |
		"\($b["0"].n_flow) \($b["0"].n_cls) \([$b[].n_flow_on] | add)" +
		" \($b["1"].n_flow) \($b["1"].n_cls) \($b["1"].n_fct) \($b["1"].n_flow_on)"'
}
# d A B: B - A, or nothing unless both are numbers (a check on it fails).
d() { obs_is_num "$1" && obs_is_num "$2" && echo $(($2 - $1)); }
add() { obs_is_num "$1" && obs_is_num "$2" && echo $(($1 + $2)); }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# mem PREFIX: shrink every slab cache, then PREFIX_SLAB, _SUNREC, _VMALLOC
# (kB) and a copy of /proc/slabinfo.
mem() {
	local f t=$SECONDS
	for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f" 2>/dev/null; done
	ktap_print_msg "$1: shrinking the slab caches took $((SECONDS - t)) s"
	local sl su vm
	sl=$(meminfo Slab) su=$(meminfo SUnreclaim) vm=$(meminfo VmallocUsed)
	printf -v "${1}_SLAB" '%s' "$sl"
	printf -v "${1}_SUNREC" '%s' "$su"
	printf -v "${1}_VMALLOC" '%s' "$vm"
	cp /proc/slabinfo "$OBS_TMP/slabinfo.$1" 2>/dev/null
	ktap_print_msg "memory $1: Slab $sl kB, SUnreclaim $su kB, VmallocUsed $vm kB," \
		"vmallocinfo $(awk '{ s += $2 } END { print int(s / 1024) }' /proc/vmallocinfo) kB"
}
# slab_growth A B: the five caches that grew most from A to B (kB).
slab_growth() {
	awk 'FNR == NR { if ($1 !~ /^#|^slabinfo/) a[$1] = $3 * $4; next }
	     $1 !~ /^#|^slabinfo/ { d = $3 * $4 - a[$1]; if (d > 0) printf "%s %d kB\n", $1, d / 1024 }' \
		"$OBS_TMP/slabinfo.$1" "$OBS_TMP/slabinfo.$2" | sort -k2,2nr | head -5 | tr '\n' ';'
}

mem BASE
read -r F0 C0 OCC0 L0F L0C _ _ <<<"$(ctr)"
ktap_print_msg "before: b0 n_flow $F0 n_cls $C0, occupancy $OCC0; b1 n_flow $L0F n_cls $L0C"
rx() { cat "/sys/class/net/$ROUTER_CIF/statistics/rx_packets"; }
RX0=$(rx)

ip netns exec "$client" hping3 -S -p 8080 --flood --rand-source 10.0.2.2 \
	>"$OBS_TMP/hping.out" 2>&1 &
HP=$!
defer "kill $HP 2>/dev/null"
T0=$SECONDS
PEAK=0 PEAK_SLAB=0 PEAK_SUNREC=0 PEAK_VMALLOC=0 SEEN=0 LEGIT_PID="" LEGIT_T=""
while :; do
	sleep 2
	el=$((SECONDS - T0))
	read -r f c occ _ <<<"$(ctr)"
	if obs_is_num "$f" && obs_is_num "$c" && obs_is_num "$occ"; then
		SEEN=$((f - F0 + c - C0))
		[ "$occ" -gt "$PEAK" ] && PEAK=$occ
	fi
	s=$(meminfo Slab) u=$(meminfo SUnreclaim) v=$(meminfo VmallocUsed)
	[ "$s" -gt "$PEAK_SLAB" ] && PEAK_SLAB=$s
	[ "$u" -gt "$PEAK_SUNREC" ] && PEAK_SUNREC=$u
	[ "$v" -gt "$PEAK_VMALLOC" ] && PEAK_VMALLOC=$v
	[ $((el % 30)) -lt 2 ] && ktap_print_msg "flood at $el s: $SEEN flows seen," \
		"occupancy $occ (peak $PEAK), router rx $(($(rx) - RX0)), Slab $s kB"
	# Legitimate connections once the table is full (or a third in).
	if [ -z "$LEGIT_PID" ] && { [ "$PEAK" -ge $((CAP * 9 / 10)) ] ||
	   [ "$SEEN" -ge $((FLOWS / 3)) ] || [ "$el" -ge $((BUDGET / 3)) ]; }; then
		ktap_print_msg "at $el s ($SEEN flows, occupancy $occ): $N_LEGIT legitimate connections"
		read -r _ _ _ LDF LDC _ _ <<<"$(ctr)"
		run_client "$client" "$OBS_TMP/during.json" --addr 10.0.2.3 --port 8080 \
			--count $N_LEGIT --sizes 1000 --parallel 4 --timeout 60 --deadline 400 &
		LEGIT_PID=$! LEGIT_T=$el
	fi
	legit_done=0
	[ -n "$LEGIT_PID" ] && ! kill -0 "$LEGIT_PID" 2>/dev/null && legit_done=1
	[ "$SEEN" -ge "$FLOWS" ] && [ "$legit_done" = 1 ] && break
	[ "$el" -ge "$BUDGET" ] && break
done
kill -INT "$HP"
wait "$HP"
FLOOD_S=$((SECONDS - T0))
RX1=$(rx)
[ -n "$LEGIT_PID" ] && wait "$LEGIT_PID"
read -r f c occ LDF2 LDC2 _ _ <<<"$(ctr)"
if obs_is_num "$f" && obs_is_num "$c" && obs_is_num "$occ"; then
	SEEN=$((f - F0 + c - C0))
	[ "$occ" -gt "$PEAK" ] && PEAK=$occ
fi
SENT=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$OBS_TMP/hping.out")
ktap_print_msg "hping3: $(grep -E 'transmitted|HPING' "$OBS_TMP/hping.out" | tr '\n' ';')"
mem AFTER
ktap_print_msg "figures: flood $FLOOD_S s; new flows seen by the module $SEEN" \
	"(tracked $(d "$F0" "$f"), untracked n_cls $(d "$C0" "$c"));" \
	"$((SEEN / (FLOOD_S > 0 ? FLOOD_S : 1))) flows/s;" \
	"hping3 sent ${SENT:-?} ($(( ${SENT:-0} / (FLOOD_S > 0 ? FLOOD_S : 1) )) pkt/s);" \
	"router rx $((RX1 - RX0)) frames ($(( (RX1 - RX0) / (FLOOD_S > 0 ? FLOOD_S : 1) )) pkt/s);" \
	"table peak $PEAK of $CAP entries"
check_cmp "flood reached $FLOWS new flows within $BUDGET s" "$SEEN" ">=" "$FLOWS"
check_cmp "table occupancy never above flow_entries ($CAP); peak $PEAK" "$PEAK" "<=" "$CAP"
check_cmp "the table filled: flooded SYNs left untracked (n_cls)" "$(d "$C0" "$c")" ">" 0

# Legitimate connections made during the flood.
lok=$(jget "$OBS_TMP/during.json" ok) lfail=$(jget "$OBS_TMP/during.json" failed)
ktap_print_msg "legitimate during the flood (from $LEGIT_T s): $lok ok, $lfail failed;" \
	"module: n_flow +$(d "$LDF" "$LDF2"), n_cls +$(d "$LDC" "$LDC2")"
check_cmp "during the flood: each completed legitimate connection seen (n_flow + n_cls >= $lok)" \
	"$(add "$(d "$LDF" "$LDF2")" "$(d "$LDC" "$LDC2")")" ">=" "${lok:-x}"
check_cmp "during the flood: n_flow of the legitimate backend <= $N_LEGIT connections made" \
	"$(d "$LDF" "$LDF2")" "<=" $N_LEGIT

# Timeouts reclaim the table.
T1=$SECONDS
reclaimed() {
	local i o
	for ((i = 0; i < TMO * 6 + 30; i++)); do
		read -r _ _ o _ <<<"$(ctr)"
		[ "$o" = 0 ] && return 0
		sleep 1
	done
	ktap_print_msg "occupancy still $o"
	return 1
}
check "occupancy back to 0 after the timeouts" reclaimed
ktap_print_msg "figures: table emptied $((SECONDS - T1)) s after the flood ended (flow_timeout $TMO s)"
sleep 5
mem LATER
ktap_print_msg "figures: SUnreclaim before/peak/after/later $BASE_SUNREC/$PEAK_SUNREC/$AFTER_SUNREC/$LATER_SUNREC kB;" \
	"Slab $BASE_SLAB/$PEAK_SLAB/$AFTER_SLAB/$LATER_SLAB kB;" \
	"VmallocUsed $BASE_VMALLOC/$PEAK_VMALLOC/$AFTER_VMALLOC/$LATER_VMALLOC kB"
ktap_print_msg "slab caches grown most, before -> later: $(slab_growth BASE LATER)"
ktap_print_msg "slab caches grown most, before -> after: $(slab_growth BASE AFTER)"
check_cmp "SUnreclaim flat after the flood (later - after, kB)" \
	"$(d "$AFTER_SUNREC" "$LATER_SUNREC")" "<=" $SLAB_TOL
check_cmp "SUnreclaim back near the baseline (later - before, kB)" \
	"$(d "$BASE_SUNREC" "$LATER_SUNREC")" "<=" $SLAB_TOL
check_cmp "VmallocUsed flat after the flood (later - after, kB)" \
	"$(d "$AFTER_VMALLOC" "$LATER_VMALLOC")" "<=" $VMALLOC_TOL
check_cmp "VmallocUsed back near the baseline (later - before, kB)" \
	"$(d "$BASE_VMALLOC" "$LATER_VMALLOC")" "<=" $VMALLOC_TOL

# Legitimate connections after the flood are tracked exactly.
read -r _ _ _ AF AC AE _ <<<"$(ctr)"
run_client "$client" "$OBS_TMP/after.json" --addr 10.0.2.3 --port 8080 \
	--count $N_LEGIT --sizes 1000,5000 --parallel 4
client_ok "$N_LEGIT legitimate connections after the flood" "$OBS_TMP/after.json" $N_LEGIT
for ((i = 0; i < 30; i++)); do
	read -r _ _ _ BF BC BE BON <<<"$(ctr)"
	[ "$BE" -ge $((AE + N_LEGIT)) ] 2>/dev/null && [ "$BON" = 0 ] && break
	sleep 1
done
check_eq "after the flood: n_flow/n_fct/n_cls of the legitimate backend grew by $N_LEGIT/$N_LEGIT/0, n_flow_on 0" \
	"$(d "$AF" "$BF")/$(d "$AE" "$BE")/$(d "$AC" "$BC")/$BON" "$N_LEGIT/$N_LEGIT/0/0"
check "rmmod after the flood" timeout 60 rmmod aquarius
ktap_finished
