#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 1800
# aq-manual: floods 1,000,000 distinct flows (13 to 17 minutes under TCG: 1,000 to 1,300 flows/s in the VM), then waits for the timeouts; make stress, or tests/vm/run.sh tests/selftests/syn_flood.sh (syn_flood_short.sh is the make check variant)
# SYN flood from the client namespace through the router (the initial
# namespace) to backend 0 (10.0.2.2:8080) of an observed VIP, until the
# module has seen AQ_FLOOD_FLOWS (1,000,000) new flows (n_flow + n_cls of
# backend 0: every flooded SYN is a 4-tuple of its own) or
# AQ_FLOOD_SECONDS (1200) have passed since the first SYN. Senders:
#  - hping3 -S --flood --rand-source (AQ_FLOOD_HPING=0: none);
#  - AQ_FLOOD_GENERATORS (default: one per CPU) processes of
#    tools/aq_synflood (built by tests/vm/run.sh): crafted SYNs written
#    straight to the client's veth (AF_PACKET, no qdisc, sendmmsg), with
#    source 100.64.0.0/10 and ports chosen so that no two SYNs of the run
#    share a 4-tuple.
# From the second probe on (see below), the packets go to a sink right after the
# module's hook: a /32 route sends 10.0.2.2 to a dummy device (built in,
# no ARP, it frees what it is given), so neither the veth to the server
# nor the server's stack (a reset to a random address per SYN) spends CPU
# on them; POST_ROUTING, where the module observes, comes before the
# device as for any forwarded packet. Why that matters: under TCG with
# the debug kernel, hping3 alone reached 152 SYNs/s through the server's
# stack (run 20261126-073516-MiNv); see docs/RELIABILITY.md. With
# AQ_FLOOD_PROBE_SECONDS > 0 (default 10) the flood starts with probes of
# that length that measure each sender alone (hping3 through to the
# server, hping3 into the sink, one generator, all generators,
# one generator sending from the router itself through a raw socket): the
# module's rate, sender counts, CPU split (/proc/stat) and hping3's own
# CPU time, as "# probe:" lines. Their flows count (they are distinct
# flows too), and so does their time against AQ_FLOOD_SECONDS.
# AQ_FLOOD_LOCAL=1 makes the generators of the flood proper send from the
# router too (not the default: the flood should cross the router as an
# attack would).
# The table has the minimum flow_entries (1024), so the flood saturates it;
# flows end after flow_timeout (10 s here) without a packet (no separate
# SYN timeout). One process (tools/region.py watch) samples the counters
# from the region and /proc/meminfo every second during the flood (under
# TCG a process start costs about a second of CPU: the flood loop itself
# starts none). Checks:
#  - the module saw AQ_FLOOD_FLOWS new flows within AQ_FLOOD_SECONDS;
#  - every flood packet the sink got had passed the module's hook
#    (n_packet of backend 0 grew by at least the sink's tx_packets);
#  - the flow table stays bounded: its occupancy (the sum of n_flow_on
#    over the namespace's backends) never exceeds flow_entries, sampled
#    all along (at least one sample per 3 s of flood), and the table did
#    fill (SYNs found their bucket full: n_cls > 0);
#  - timeouts reclaim the entries: occupancy back to 0;
#  - slab (SUnreclaim) and vmalloc (VmallocUsed) use, sampled after
#    shrinking every slab cache (which also empties KASAN's quarantine), are
#    flat between right after the flood and after the timeouts, and back
#    near the pre-flood baseline: within 16 MiB and 4 MiB (a leak of 17
#    bytes per flow of a million-flow flood would exceed the first);
#  - legitimate connections to backend 1 (10.0.2.3:8080) during the flood
#    are each accounted for (n_flow + n_cls >= completed, n_flow <= made);
#    after the flood they are tracked exactly (n_flow, n_fct, n_cls).
# Figures printed: flows seen, flows/s, packets sent per sender, table
# peak, slab and vmalloc before/peak/after, as "# figures: ..." lines.
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (lib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

FLOWS=${AQ_FLOOD_FLOWS:-1000000}
BUDGET=${AQ_FLOOD_SECONDS:-1200}
PROBE=${AQ_FLOOD_PROBE_SECONDS:-10}
NCPU=$(nproc)
GENS=${AQ_FLOOD_GENERATORS:-$NCPU}
HPING=${AQ_FLOOD_HPING:-1}
FPATH=forward
[ "${AQ_FLOOD_LOCAL:-0}" = 1 ] && FPATH=local
SYNFLOOD=${AQ_SYNFLOOD:-$AQ_TOP/build/selftest-tools/aq_synflood}
ENTRIES=1024	# flow_entries (a power of two: the table's capacity)
TMO=10		# flow_timeout, seconds
N_LEGIT=40
SLAB_TOL=16384	# kB
VMALLOC_TOL=4096	# kB

ktap_print_header
obs_plan 17
require_cmd "$PY" ip jq hping3 "$AQCTL" "$SYNFLOOD"
ktap_print_msg "flood: $FLOWS flows or $BUDGET s; hping3 $HPING, $GENS generators ($FPATH), $NCPU CPUs," \
	"probes of $PROBE s; flow_entries $ENTRIES, flow_timeout $TMO s"

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second server address"
# The server answers SYNs from random sources with resets (in the probe
# that lets them through): drop those at its routing instead of sending
# them back through the router.
if ! ip -n "$server" route replace blackhole default ||
   ! ip -n "$server" route add 10.0.1.0/24 via 10.0.2.1; then
	obs_bail "server routes"
fi
# Random sources are not reachable back through the client's link.
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
	"net.ipv4.conf.$ROUTER_CIF.rp_filter=0"
obs_tmpdir || obs_bail "temporary directory"
# The sink after the module's hook: the device now (before the memory
# baseline; no IPv6, so that it sends nothing of its own), the route when
# the flood starts.
SINK=aqsink0
if ! ip link add $SINK type dummy ||
   ! sysctl -qw "net.ipv6.conf.$SINK.disable_ipv6=1" ||
   ! ip link set $SINK up; then
	obs_bail "sink device"
fi
defer "ip link del $SINK"
sink_tx() { local v; read -r v <"/sys/class/net/$SINK/statistics/tx_packets"; echo "$v"; }
drop_on() { SINK0=$(sink_tx) && ip route add 10.0.2.2/32 dev $SINK; }
# A sleep without a process: read with a timeout on a FIFO nobody writes
# (a FIFO, not <(...): the VM has no /dev/fd; opened read-write, so the
# open does not wait for a writer).
mkfifo "$OBS_TMP/nap" && exec {NAP_FD}<>"$OBS_TMP/nap" || obs_bail "nap FIFO"
nap() { read -rt "$1" -u "$NAP_FD" _ || :; }

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

# --- senders -------------------------------------------------------------------
DMAC=$(<"/sys/class/net/$ROUTER_CIF/address")
SMAC=$(ip netns exec "$client" cat /sys/class/net/veth0/address)
SENDERS=() HP_PID=""
# start_senders TAG HPING GENERATORS BASE [local]: hping3 (HPING 1) and
# GENERATORS aq_synflood processes, which send the flows BASE, BASE + 1,
# ... between them, the k-th pinned to CPU k mod NCPU; from the client's
# link, or with "local" from the router itself (a raw socket there: the
# SYNs take the router's output path to the same POST_ROUTING hook).
start_senders() {
	local k
	HP_PID=""
	if [ "$2" = 1 ]; then
		ip netns exec "$client" hping3 -S -p 8080 --flood --rand-source 10.0.2.2 \
			>"$OBS_TMP/hping.$1" 2>&1 &
		HP_PID=$!
		SENDERS+=("$!")
	fi
	for ((k = 0; k < $3; k++)); do
		if [ "${5:-}" = local ]; then
			"$SYNFLOOD" --raw --dst 10.0.2.2 --dport 8080 --start $(($4 + k)) \
				--step "$3" --cpu $((k % NCPU)) >"$OBS_TMP/gen.$1.$k" 2>&1 &
		else
			ip netns exec "$client" "$SYNFLOOD" --dev veth0 --smac "$SMAC" \
				--dmac "$DMAC" --dst 10.0.2.2 --dport 8080 --start $(($4 + k)) \
				--step "$3" --cpu $((k % NCPU)) >"$OBS_TMP/gen.$1.$k" 2>&1 &
		fi
		SENDERS+=("$!")
	done
}
stop_senders() {
	[ ${#SENDERS[@]} -gt 0 ] || return 0
	kill -INT "${SENDERS[@]}" 2>/dev/null
	wait "${SENDERS[@]}" 2>/dev/null
	SENDERS=()
}
defer stop_senders
# hping_sent TAG / gen_sent TAG: frames sent by a phase's senders.
hping_sent() { sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$OBS_TMP/hping.$1" 2>/dev/null; }
gen_sent() {
	cat "$OBS_TMP/gen.$1".* 2>/dev/null |
		sed -n 's/.* sent \([0-9]*\) frames.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'
}
# proc_cpu PID: its utime + stime in clock ticks.
proc_cpu() {
	local st
	read -r -a st <"/proc/$1/stat" 2>/dev/null || { echo 0; return; }
	echo $((st[13] + st[14]))
}
# cpu_now: the "cpu" line of /proc/stat (user nice system idle iowait irq softirq).
cpu_now() { local c r; read -r c r </proc/stat; echo "$r"; }
# cpu_split A B: where the CPUs' time went between two cpu_now.
cpu_split() {
	local a b t
	read -r -a a <<<"$1"; read -r -a b <<<"$2"
	t=$(( (b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6]) - (a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6]) ))
	[ "$t" -gt 0 ] || t=1
	echo "user $(( (b[0] + b[1] - a[0] - a[1]) * 100 / t ))%" \
		"system $(( (b[2] - a[2]) * 100 / t ))%" \
		"softirq $(( (b[6] - a[6]) * 100 / t ))%" \
		"idle $(( (b[3] + b[4] - a[3] - a[4]) * 100 / t ))%"
}
# softnet_drops: packets the CPUs' backlogs dropped (/proc/net/softnet_stat).
softnet_drops() {
	local d s=0
	while read -r _ d _; do s=$((s + 16#$d)); done </proc/net/softnet_stat
	echo "$s"
}
rx() { local v; read -r v <"/sys/class/net/$ROUTER_CIF/statistics/rx_packets"; echo "$v"; }

# The counters and memory, sampled every second by one process.
WATCH=$OBS_TMP/watch WSTOP=$OBS_TMP/watch.stop
"$PY" "$OBS_TOOLS/region.py" watch web --out "$WATCH" --every 1 --stop "$WSTOP" \
	2>"$OBS_TMP/watch.err" &
W_PID=$!
defer "touch '$WSTOP'; kill $W_PID 2>/dev/null; wait $W_PID"
# The sink's route sends 10.0.2.2 nowhere: the first thing to undo (the
# cleanups run last registered first), so that a killed run cannot leave
# it to the tests after it.
defer "ip link del $SINK"
for ((i = 0; i < 120; i++)); do [ -e "$WATCH" ] && break; nap 1; done
[ -e "$WATCH" ] || obs_bail "region.py watch: $(head -c 300 "$OBS_TMP/watch.err")"
# shellcheck source=/dev/null
wread() { . "$WATCH"; }

mem BASE
read -r F0 C0 OCC0 L0F L0C _ _ <<<"$(ctr)"
wread
P0=$B0_N_PACKET
ktap_print_msg "before: b0 n_flow $F0 n_cls $C0 n_packet $P0, occupancy $OCC0; b1 n_flow $L0F n_cls $L0C"
RX0=$(rx) SN0=$(softnet_drops)
T0=$SECONDS
PHASE=0

# probe TAG HPING GENERATORS [local]: those senders alone for PROBE seconds (after
# 2 s for them to start); prints what the module saw and where the CPU
# time went (USER_HZ is 100 on x86: a tick is 10 ms).
probe() {
	local s0 m0 c0 c1 h0=0 h1=0 seen ms hs
	PHASE=$((PHASE + 1))
	start_senders "$1" "$2" "$3" $((PHASE * 100000000)) "${4:-}"
	nap 2
	wread
	s0=$((B0_N_FLOW + B0_N_CLS)) m0=$MONO_MS c0=$(cpu_now)
	[ -n "$HP_PID" ] && h0=$(proc_cpu "$HP_PID")
	nap "$PROBE"
	wread
	c1=$(cpu_now)
	[ -n "$HP_PID" ] && h1=$(proc_cpu "$HP_PID")
	seen=$((B0_N_FLOW + B0_N_CLS - s0)) ms=$((MONO_MS - m0))
	[ "$ms" -gt 0 ] || ms=1
	stop_senders
	hs=$(hping_sent "$1")
	ktap_print_msg "probe $1: the module saw $seen new flows in $ms ms, $((seen * 1000 / ms)) flows/s;" \
		"sent in all: hping3 ${hs:-0}, generators $(gen_sent "$1");" \
		"CPUs: $(cpu_split "$c0" "$c1"); hping3 used $(( (h1 - h0) * 1000 / ms ))% of a CPU"
}

if [ "$PROBE" -gt 0 ]; then
	[ "$HPING" = 1 ] && probe hping3-to-server 1 0
	drop_on || obs_bail "sink route"
	[ "$HPING" = 1 ] && probe hping3-to-sink 1 0
	[ "$GENS" -gt 0 ] && probe generator-x1 0 1
	[ "$GENS" -gt 1 ] && probe "generator-x$GENS" 0 "$GENS"
	[ "$GENS" -gt 0 ] && probe generator-local-x1 0 1 local
else
	drop_on || obs_bail "sink route"
fi

# The flood proper: every sender at once.
PHASE=$((PHASE + 1))
start_senders main "$HPING" "$GENS" $((PHASE * 100000000)) "$FPATH"
TM=$SECONDS CM=$(cpu_now)
PEAK=0 SEEN=0 LEGIT_PID="" LEGIT_T=""
while :; do
	nap 2
	el=$((SECONDS - T0))
	wread
	SEEN=$((B0_N_FLOW - F0 + B0_N_CLS - C0)) occ=$TOT_N_FLOW_ON PEAK=$PEAK_TOT_N_FLOW_ON
	[ $((el % 30)) -lt 2 ] && ktap_print_msg "flood at $el s: $SEEN flows seen," \
		"occupancy $occ (peak $PEAK), router rx $(($(rx) - RX0)), Slab $SLAB kB"
	# Legitimate connections once the table is full (or a third in).
	if [ -z "$LEGIT_PID" ] && { [ "$PEAK" -ge $((CAP * 9 / 10)) ] ||
	   [ "$SEEN" -ge $((FLOWS / 3)) ] || [ "$el" -ge $((BUDGET / 3)) ]; }; then
		ktap_print_msg "at $el s ($SEEN flows, occupancy $occ): $N_LEGIT legitimate connections"
		LDF=$B1_N_FLOW LDC=$B1_N_CLS
		run_client "$client" "$OBS_TMP/during.json" --addr 10.0.2.3 --port 8080 \
			--count $N_LEGIT --sizes 1000 --parallel 4 --timeout 60 --deadline 400 &
		LEGIT_PID=$! LEGIT_T=$el
	fi
	legit_done=0
	[ -n "$LEGIT_PID" ] && ! kill -0 "$LEGIT_PID" 2>/dev/null && legit_done=1
	[ "$SEEN" -ge "$FLOWS" ] && [ "$legit_done" = 1 ] && break
	[ "$el" -ge "$BUDGET" ] && break
done
CM1=$(cpu_now)
stop_senders
FLOOD_S=$((SECONDS - T0)) MAIN_S=$((SECONDS - TM))
RX1=$(rx) SN1=$(softnet_drops)
[ -n "$LEGIT_PID" ] && wait "$LEGIT_PID"
# The last snapshot (every 200 ms) and sample (every second) after the last SYN.
nap 3
wread
P1=$B0_N_PACKET SAMPLES_N=${SAMPLES:-0} PEAK=$PEAK_TOT_N_FLOW_ON
PEAK_SUNREC=$PEAK_SUNRECLAIM PEAK_VMALLOC=$PEAK_VMALLOCUSED
touch "$WSTOP"
wait "$W_PID"
read -r f c occ LDF2 LDC2 _ _ <<<"$(ctr)"
if obs_is_num "$f" && obs_is_num "$c" && obs_is_num "$occ"; then
	SEEN=$((f - F0 + c - C0))
	[ "$occ" -gt "$PEAK" ] && PEAK=$occ
fi
DROPPED=$(d "$SINK0" "$(sink_tx)")
HP_SENT=0 GEN_SENT=0
for t in hping3-to-server hping3-to-sink generator-x1 "generator-x$GENS" generator-local-x1 main; do
	v=$(hping_sent "$t"); HP_SENT=$((HP_SENT + ${v:-0}))
	v=$(gen_sent "$t"); GEN_SENT=$((GEN_SENT + ${v:-0}))
done
[ "$GENS" = 1 ] && GEN_SENT=$((GEN_SENT - $(gen_sent generator-x1)))	# counted twice
ktap_print_msg "hping3, main flood: $(grep -E 'transmitted|HPING' "$OBS_TMP/hping.main" 2>/dev/null | tr '\n' ';')"
ktap_print_msg "generators, main flood: $(cat "$OBS_TMP"/gen.main.* 2>/dev/null | tr '\n' ';')"
mem AFTER
per_s() { echo $(( $1 / ($2 > 0 ? $2 : 1) )); }
ktap_print_msg "figures: flood $FLOOD_S s (main phase $MAIN_S s, probes before it);" \
	"new flows seen by the module $SEEN (tracked $(d "$F0" "$f"), untracked n_cls $(d "$C0" "$c"));" \
	"$(per_s "$SEEN" "$FLOOD_S") flows/s;" \
	"sent: hping3 $HP_SENT, generators $GEN_SENT ($(per_s $((HP_SENT + GEN_SENT)) "$FLOOD_S") pkt/s);" \
	"router rx $((RX1 - RX0)) frames; backlog drops $((SN1 - SN0));" \
	"n_packet of backend 0 +$((P1 - P0)), sent to the sink after the hook ${DROPPED:-?};" \
	"table peak $PEAK of $CAP entries ($SAMPLES_N samples)"
ktap_print_msg "figures: main phase CPUs: $(cpu_split "$CM" "$CM1")"
check_cmp "flood reached $FLOWS new flows within $BUDGET s" "$SEEN" ">=" "$FLOWS"
check_cmp "every SYN the sink got had passed the hook (n_packet of backend 0 +$((P1 - P0)))" \
	"$((P1 - P0))" ">=" "${DROPPED:-x}"
check_cmp "table occupancy never above flow_entries ($CAP); peak $PEAK" "$PEAK" "<=" "$CAP"
check_cmp "occupancy sampled all along the flood (samples, one per 3 s at least)" \
	"$SAMPLES_N" ">=" $((FLOOD_S / 3))
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
