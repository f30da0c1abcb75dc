#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 900
# Forwarding rate through the router (the VM's initial namespace) with
# each data path of issue 6, in one boot, as ratios to "none":
#   none       plain forwarding
#   conntrack  nf_conntrack with acct and timestamp (an nft rule on
#              forward matches ct state, so every packet is tracked)
#   ipvs       IPVS NAT, scheduler sed, one real server (sloppy_tcp: a
#              flow whose entry expired is scheduled again mid-stream)
#   observe    aquarius observing the backend (all features)
#   nat        aquarius mode nat, scheduler sed
#   ipip       aquarius mode ipip (IPIP to the backend)
# trafgen, pinned to one CPU in the client namespace, sends FLOWS TCP flows
# (trafgen_cfg.py: each a SYN and SEGMENTS data segments of 64 bytes,
# interleaved across the flows, the list repeated) as fast as it can, so
# every data path tracks the flows (conntrack and IPVS entries, aquarius'
# flow table) rather than only parsing. The rate is what reaches the
# sink's device, measured over SECS seconds after a second of warm-up. The
# sink has no address: it drops what it receives (no replies), so only
# the router's path differs between the runs. Each data path is measured
# ROUNDS (5) times, interleaved; pps_summary.py prints the rates by round,
# the medians and ratios to "none", and observe and nat against their
# rivals round by round. `make bench-vm`
# runs it on the debug kernel (KASAN and lockdep inflate every path;
# compare the ratios, not the rates) and on Debian's stock 6.12.
# AQ_BENCH_PATHS chooses the data paths ("none" is always measured first
# in each round); AQ_BENCH_PERF=observe,conntrack profiles those paths
# with perf (cpu-clock, all CPUs) during their last round's measurement
# and prints the top kernel symbols.
. "$(dirname "$0")/../../tests/selftests/lib.sh"
. "$(dirname "$0")/../../tests/selftests/tools/observe_lib.sh"

FLOWS=${AQ_BENCH_FLOWS:-500} SEGMENTS=${AQ_BENCH_SEGMENTS:-4} SECS=${AQ_BENCH_SECS:-4} ROUNDS=${AQ_BENCH_ROUNDS:-5}
BACKEND=10.0.2.2 AQ_VIP=10.0.0.100 IPVS_VIP=10.0.0.101
PATHS="none $(echo "${AQ_BENCH_PATHS:-conntrack,ipvs,observe,nat,ipip}" | tr , ' ' | sed 's/\bnone\b//g')"
PERF_PATHS=$(echo "${AQ_BENCH_PERF:-}" | tr , ' ')
here=$(cd "$(dirname "$0")" && pwd)

ktap_print_header
aq_paths=$(for p in observe nat ipip; do [[ " $PATHS " = *" $p "* ]] && echo $p; done)
ktap_set_plan $(( $(wc -w <<<"$PATHS") + $(wc -w <<<"$aq_paths") + 1 ))
require_cmd "$PY" ip trafgen nft ipvsadm "$AQCTL"
[ -z "$PERF_PATHS" ] || require_cmd perf
setup_topology_root || { ktap_test_fail "topology"; ktap_finished; }
obs_tmpdir || { ktap_test_fail "temporary directory"; ktap_finished; }

# The sink: no address, so the router reaches it through a static
# neighbour entry and it drops every packet after counting it.
sink_mac=$(ip -n "$server" -br link show veth0 | awk '{ print $3 }')
ip -n "$server" addr flush dev veth0
ip neigh replace $BACKEND lladdr "$sink_mac" dev "$ROUTER_SIF" nud permanent
ip route replace $AQ_VIP/32 dev "$ROUTER_SIF"
rx() { ip netns exec "$server" cat /sys/class/net/veth0/statistics/rx_packets; }

smac=$(ip -n "$client" -br link show veth0 | awk '{ print $3 }')
dmac=$(ip -br link show "$ROUTER_CIF" | awk '{ print $3 }')
for dst in $BACKEND $AQ_VIP $IPVS_VIP; do
	"$PY" "$here/trafgen_cfg.py" "$smac" "$dmac" 10.0.1.2 $dst 80 "$FLOWS" "$SEGMENTS" \
		>"$OBS_TMP/$dst.cfg"
done

# measure DST: packets per second reaching the sink with trafgen sending
# to DST:80; prints the rate. trafgen runs under timeout(1), which stops
# it (SIGINT, then SIGKILL 5 s later) together with any process it forked,
# so a measurement is bounded even when the sender does not exit on its
# own.
measure() {
	local a b c0 c1 t0 t1 tg pf=
	# In a writable directory: trafgen writes a temporary file next to it
	# (the VM's root is the host's, read-only).
	(cd "$OBS_TMP" && exec timeout -s INT -k 5 $((SECS + 3)) \
		ip netns exec "$client" taskset -c 1 trafgen \
		--dev veth0 --conf "$OBS_TMP/$1.cfg" --cpus 1 -q -C \
		>"$OBS_TMP/trafgen.out" 2>&1) &
	tg=$!
	sleep 1
	if ! kill -0 "$tg" 2>/dev/null; then
		echo "# trafgen exited: $(tr '\n' ' ' <"$OBS_TMP/trafgen.out" | head -c 400)" >&2
		echo 0
		return
	fi
	c0=$(grep '^cpu1 ' /proc/stat)
	a=$(rx) t0=$(date +%s%N)
	if [ -n "${2:-}" ]; then
		perf record -q -N -a -e cpu-clock -o "$2" -- sleep "$SECS" >/dev/null 2>&1 &
		pf=$!
	fi
	sleep "$SECS"
	b=$(rx) t1=$(date +%s%N)
	c1=$(grep '^cpu1 ' /proc/stat)
	# The sender's CPU: its busy share and softirq share (ticks).
	echo "$c0 $c1" | awk '{ for (i = 2; i <= 11; i++) { t += $(i + 11) - $i }
		idle = $(5 + 11) - $5 + $(6 + 11) - $6; si = $(8 + 11) - $8
		if (t > 0) printf "# cpu1 busy %.0f%%, softirq %.0f%%, user %.0f%%\n", 100 * (t - idle) / t, 100 * si / t, 100 * ($(2 + 11) - $2) / t }' >&2
	[ -z "$pf" ] || wait "$pf"
	wait "$tg" 2>/dev/null
	sleep 0.5
	echo $(( (b - a) * 1000000000 / (t1 - t0) ))
}

# aq_on MODE: the module with one VIP, $AQ_VIP:80 with the sink as its
# backend, in MODE (observe: the packets to the backend are attributed).
aq_on() {
	aq_load &&
	"$AQCTL" vip add obs tcp $AQ_VIP 80 mode "$1" sched sed &&
	"$AQCTL" backend add obs $BACKEND 80
}

# setup PATH / teardown PATH: the router's data path for one measurement.
setup() {
	case $1 in
	none) ;;
	conntrack)
		modprobe nf_conntrack &&
		sysctl -qw net.netfilter.nf_conntrack_acct=1 \
			net.netfilter.nf_conntrack_timestamp=1 &&
		nft add table ip aqbench &&
		nft add chain ip aqbench forward_ct '{ type filter hook forward priority 0; }' &&
		nft add rule ip aqbench forward_ct ct state new,established counter accept ;;
	ipvs)
		modprobe ip_vs && modprobe ip_vs_sed &&
		sysctl -qw net.ipv4.vs.sloppy_tcp=1 &&
		ip addr add $IPVS_VIP/32 dev lo &&
		ipvsadm -A -t $IPVS_VIP:80 -s sed &&
		ipvsadm -a -t $IPVS_VIP:80 -r $BACKEND:80 -m ;;
	observe) aq_on observe ;;
	nat) aq_on nat ;;
	ipip) aq_on ipip ;;
	esac
}
teardown() {
	case $1 in
	conntrack) nft delete table ip aqbench ;;
	ipvs) ipvsadm -C; ip addr del $IPVS_VIP/32 dev lo ;;
	observe|nat|ipip) aq_unload ;;
	esac
}
dst_of() {
	case $1 in
	ipvs) echo $IPVS_VIP ;;
	nat|ipip) echo $AQ_VIP ;;
	*) echo $BACKEND ;;
	esac
}

declare -A RATES NFLOWS
ok=1
for ((r = 1; r <= ROUNDS; r++)); do
	for p in $PATHS; do
		if ! setup "$p" >"$OBS_TMP/setup.err" 2>&1; then
			ktap_print_msg "$p: setup failed: $(head -c 300 "$OBS_TMP/setup.err")"
			ok=0; teardown "$p" 2>/dev/null; continue
		fi
		ktap_print_msg "round $r: $p: measuring"
		pd=
		[ "$r" -lt "$ROUNDS" ] || [[ " $PERF_PATHS " != *" $p "* ]] || pd="$OBS_TMP/perf.$p.data"
		v=$(measure "$(dst_of "$p")" "$pd")
		if [ -n "$pd" ]; then
			# Before the teardown, while the module's symbols are in
			# /proc/kallsyms: the share of each CPU, then the symbols
			# of the sender's CPU (trafgen on CPU 1; the router's
			# path runs in its softirq).
			{ perf report -i "$pd" --stdio --no-children --sort cpu
			  perf report -i "$pd" --stdio --no-children -C 1 --sort sym
			} 2>/dev/null | grep -v '^#' | grep . | head -n 40 |
				while read -r l; do
				ktap_print_msg "perf $p: $l"
			done
		fi
		# The module must have seen the packets (observed or balanced).
		if [ "$p" = observe ] || [ "$p" = nat ] || [ "$p" = ipip ]; then
			region_read obs --timeout 10
			ktap_print_msg "$p: module n_packet $B0_N_PACKET, n_flow $B0_N_FLOW"
			NFLOWS[$p]+="${B0_N_FLOW:-unread} "
		fi
		teardown "$p" >/dev/null 2>&1
		RATES[$p]+="$v "
		echo "round $r: $p $v pps" >>"$OBS_TMP/rounds"
		ktap_print_msg "round $r: $p $v pps"
	done
done

# The table: rates by round, medians, ratios to "none" (of the medians
# and per round), observe and nat against their rivals round by round.
"$PY" "$here/pps_summary.py" "$OBS_TMP/rounds" | while read -r l; do ktap_print_msg "$l"; done
median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for p in $PATHS; do
	m=$(median "${RATES[$p]}")
	check_cmp "$p: packets reached the sink" "${m:-0}" ">" 0
done
# The fewest flows the module started in any round; a failed read sorts
# first ("unread") and fails the check.
fewest() { tr ' ' '\n' <<<"$1" | grep . | sort -n | head -n1; }
for p in $aq_paths; do
	check_cmp "$p: the module started every flow in each round (n_flow)" \
		"$(fewest "${NFLOWS[$p]:-}")" ">=" "$FLOWS"
done
check_eq "every data path set up" "$ok" 1
ktap_finished
