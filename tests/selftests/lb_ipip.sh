#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 1200
# Mode ipip, configured with aqctl, with direct server return: the router
# (the VM's initial namespace) wraps connections to the VIP in IPIP (IPv4)
# or IP6IP6 (IPv6) to one of two backend namespaces. Each backend holds the
# VIP on lo (not announced), decapsulates on a tunnel device (tun0, tun6)
# and answers the client directly through its default route: the router
# only forwards the replies.
#  - IPv4 and IPv6 TCP transfers arrive byte for byte in both directions
#    (the client checks the replies, the servers the uploads), bulk ones
#    (GSO packets encapsulated) included;
#  - weights 3:1 split 1000 new IPv4 flows (handshakes only: cheap under
#    TCG) 75/25 within 5 points, counted by the servers, and the module's
#    n_flow per backend agrees exactly, as it does for 100 flows with data;
#  - the servers see the VIP as their address and the client as the peer;
#  - every packet the module forwarded arrived through the backend's tunnel
#    (tunnel rx >= module n_packet), and no reply left through a tunnel;
#  - the router's input routing drops no IPIP packet as a martian source
#    (the outer source is one of the router's own addresses).
# Each family starts with 8 small connections; if they fail, the checks
# that need traffic of that family fail without running it.
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (printf -v)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

N_SPLIT=1000 N_DATA=100 N_V6=100
VIP4=10.0.0.200 VIP6=fd00::200
# Dual-stack servers (bound to ::) log IPv4 peers as mapped addresses.
LOCAL4="::ffff:$VIP4:80" PEER4="::ffff:10.0.1.2:" LOCAL6="$VIP6:80" PEER6="fd00:1::2:"

ktap_print_header
obs_plan 34
require_cmd "$PY" ip "$AQCTL"
if ! modprobe ipip 2>/dev/null || ! modprobe ip6_tunnel 2>/dev/null; then
	ktap_test_skip "needs the ipip and ip6_tunnel modules"
	ktap_finished
fi

# backend NS ADDR4 ADDR6: the VIP on lo, not announced; tunnels that take
# IPIP and IP6IP6 packets sent to ADDR4 and ADDR6 from anywhere; reverse
# path filtering off (the inner source is routed through veth0, not tun0).
backend() {
	ip -n "$1" addr add "$VIP4/32" dev lo &&
	ip -n "$1" addr add "$VIP6/128" dev lo &&
	ip netns exec "$1" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 &&
	ip -n "$1" tunnel add tun0 mode ipip local "$2" remote any &&
	ip -n "$1" -6 tunnel add tun6 mode ip6ip6 local "$3" remote any &&
	ip netns exec "$1" sysctl -qw net.ipv4.conf.tun0.rp_filter=0 \
		net.ipv4.conf.veth0.rp_filter=0 &&
	ip -n "$1" link set tun0 up &&
	ip -n "$1" link set tun6 up
}

# The topology of setup_topology_root plus a second backend namespace,
# server2 on 10.0.3.2/24, fd00:3::2/64. Router-backend links have an MTU
# of 1600, room for the outer header of a full-sized client packet.
topology() {
	local ti
	ti=aqt-$(mktemp -u XXXX)
	setup_topology_root || return 1
	setup_ns server2 || return 1
	ip link add "$ti" type veth peer name veth0 netns "$server2" || return 1
	ROUTER_S2IF=$ti
	ip addr add 10.0.3.1/24 dev "$ti"
	ip addr add fd00:3::1/64 dev "$ti" nodad
	ip -n "$server2" addr add 10.0.3.2/24 dev veth0
	ip -n "$server2" addr add fd00:3::2/64 dev veth0 nodad
	ip link set "$ROUTER_SIF" mtu 1600 &&
	ip -n "$server" link set veth0 mtu 1600 &&
	ip link set "$ti" mtu 1600 up &&
	ip -n "$server2" link set veth0 mtu 1600 up || return 1
	ip -n "$server2" route add default via 10.0.3.1
	ip -n "$server2" -6 route add default via fd00:3::1
	backend "$server" 10.0.2.2 fd00:2::2 &&
	backend "$server2" 10.0.3.2 fd00:3::2
}
check "two backends: VIP on lo, tun0 (ipip) and tun6 (ip6ip6) up" topology
obs_tmpdir || obs_bail "temporary directory"
# The router forwards replies from the VIP, which it has no route back to.
rpf=$(sysctl -n net.ipv4.conf.all.rp_filter)
defer "sysctl -qw net.ipv4.conf.all.rp_filter=$rpf"
sysctl -qw net.ipv4.conf.all.rp_filter=0 "net.ipv4.conf.$ROUTER_SIF.rp_filter=0" \
	"net.ipv4.conf.$ROUTER_S2IF.rp_filter=0"

# Both at once: an interpreter takes long to start in the VM.
servers() {
	local p0 p1 p2 p3
	start_server b0 "$server" serve :: 80 --timeout 120 & p0=$!
	start_server b1 "$server2" serve :: 80 --timeout 120 & p1=$!
	start_server a0 "$server" accept :: 81 --count-file "$OBS_TMP/a0.n" & p2=$!
	start_server a1 "$server2" accept :: 81 --count-file "$OBS_TMP/a1.n" & p3=$!
	wait $p0 && wait $p1 && wait $p2 && wait $p3
}
check "servers listening in both backends" servers
check "insmod" aq_load
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

# devstat NS DEV COUNTER: a statistics counter of a device of a namespace.
devstat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3" 2>/dev/null; }
# served FROM0 FROM1 WANT: wait (10 s at most) until the servers have
# logged WANT connections past lines FROM0 and FROM1; the new lines are
# then in $OBS_TMP/new0 and new1, their numbers in D0 and D1.
served() {
	local i
	for ((i = 0; i < 100; i++)); do
		D0=$(($(nlines "$OBS_TMP/b0.log") - $1))
		D1=$(($(nlines "$OBS_TMP/b1.log") - $2))
		[ $((D0 + D1)) -ge "$3" ] && break
		sleep 0.1
	done
	tail -n +$(($1 + 1)) "$OBS_TMP/b0.log" >"$OBS_TMP/new0"
	tail -n +$(($2 + 1)) "$OBS_TMP/b1.log" >"$OBS_TMP/new1"
}
# as_sent LOCAL PEER: lines of new0 and new1 of a connection served in
# full, to LOCAL, from PEER (a prefix).
as_sent() {
	cat "$OBS_TMP/new0" "$OBS_TMP/new1" |
		grep -F "\"local\": \"$1\"" | grep -F "\"peer\": \"$2" |
		grep -c '"ok": true'
}
# martian_src: packets the router's input routing dropped as martian
# source so far (/proc/net/stat/rt_cache, one hex line per CPU).
martian_src() {
	local -a h v
	local i n=0
	{
		read -ra h
		for i in "${!h[@]}"; do [ "${h[$i]}" = in_martian_src ] && break; done
		while read -ra v; do n=$((n + 16#${v[$i]})); done
	} </proc/net/stat/rt_cache
	echo $n
}
# tunnels DEV: "rx0 rx1 tx0 tx1" of tunnel DEV in the two backends.
tunnels() {
	echo "$(devstat "$server" "$1" rx_packets) $(devstat "$server2" "$1" rx_packets)" \
		"$(devstat "$server" "$1" tx_packets) $(devstat "$server2" "$1" tx_packets)"
}

# probe NAME ADDR FAMILY: 8 small connections first, so that a path that
# does not work fails in seconds and not in minutes (the checks that need
# traffic then fail without running it); returns their status.
probe() {
	local a0 a1
	a0=$(nlines "$OBS_TMP/b0.log") a1=$(nlines "$OBS_TMP/b1.log")
	run_client "$client" "$OBS_TMP/$1.json" --addr "$2" --port 80 \
		--count 8 --sizes 100 --upload 100 --parallel 4 --timeout 5 --deadline 60
	conns_ok "$3: 8 first connections through the VIP" "$OBS_TMP/$1.json" 8
	grep -q '"ok": 8, "failed": 0,' "$OBS_TMP/$1.json" || return 1
	served "$a0" "$a1" 8
}
# fail_rest N WHY: the N next planned checks fail, not run.
fail_rest() {
	local i
	for ((i = 0; i < $1; i++)); do ktap_test_fail "$2"; done
}

# --- IPv4 ---------------------------------------------------------------------
check "aqctl: ipip VIP with backends weighted 3:1" eval \
	'"$AQCTL" vip add web tcp $VIP4 80 mode ipip &&
	 "$AQCTL" backend add web 10.0.2.2 80 weight 3 &&
	 "$AQCTL" backend add web 10.0.3.2 80 weight 1'
check_eq "aqctl -j vip show: mode, scheduler, weights" \
	"$("$AQCTL" -j vip show web | "$PY" -c '
import json, sys
v = json.load(sys.stdin)
print(v["mode"], v["sched"], ",".join(str(b["weight"]) for b in v["backends"]))')" \
	"ipip maglev 3,1"

# accepted NAME: connections the accept server NAME counted so far.
accepted() { cat "$OBS_TMP/$1.n" 2>/dev/null || echo 0; }

ipv4() {
	local t0=$SECONDS n0 n1 b0 b1 rx0 rx1 tx0 tx1 i
	# The split, on a second VIP (port 81) to the accept servers.
	check "aqctl: ipip VIP split (port 81), backends weighted 3:1" eval \
		'"$AQCTL" vip add split tcp $VIP4 81 mode ipip &&
		 "$AQCTL" backend add split 10.0.2.2 81 weight 3 &&
		 "$AQCTL" backend add split 10.0.3.2 81 weight 1'
	check "$N_SPLIT IPv4 connections to the VIP established" \
		ip netns exec "$client" "$PY" "$OBS_TOOLS/traffic.py" connect \
		--addr $VIP4 --port 81 --count $N_SPLIT --parallel 16 --timeout 400
	for ((i = 0; i < 100; i++)); do
		[ $(($(accepted a0) + $(accepted a1))) -ge $N_SPLIT ] && break
		sleep 0.2
	done
	n0=$(accepted a0) n1=$(accepted a1)
	ktap_print_msg "IPv4 split 3:1 over $N_SPLIT flows: backend 0 $n0, backend 1 $n1 ($((SECONDS - t0)) s)"
	check_range "weights 3:1: backend 0 got 75% +-5 of the flows (servers' count)" \
		"$((100 * n0 / N_SPLIT))" 70 80
	check_eq "every flow reached a backend" "$((n0 + n1))" $N_SPLIT
	region_read split --until "TOT_N_FCT >= $N_SPLIT" --timeout 30 --settle 1
	check_eq "split: module n_flow per backend = servers' counts" \
		"$B0_N_FLOW/$B1_N_FLOW" "$n0/$n1"
	check_eq "split: all flows completed, none in progress, untracked or dropped" \
		"$TOT_N_FCT/$TOT_N_FLOW_ON/$TOT_N_CLS/$VC_DROPPED" "$N_SPLIT/0/0/0"

	# Connections with data, every byte checked, on the VIP of port 80.
	b0=$(nlines "$OBS_TMP/b0.log") b1=$(nlines "$OBS_TMP/b1.log") t0=$SECONDS
	run_client "$client" "$OBS_TMP/data.json" --addr $VIP4 --port 80 \
		--count $N_DATA --sizes 100,3000,20000 --upload 3000 --parallel 8 \
		--timeout 20 --deadline 300
	conns_ok "$N_DATA IPv4 connections to the VIP, every byte checked" \
		"$OBS_TMP/data.json" $N_DATA
	served "$b0" "$b1" $N_DATA
	ktap_print_msg "IPv4 data over $N_DATA flows: backend 0 $D0, backend 1 $D1 ($((SECONDS - t0)) s)"
	check_eq "every flow served in full, to the VIP, from the client" \
		"$((D0 + D1))/$(as_sent "$LOCAL4" "$PEER4")" "$N_DATA/$N_DATA"
	# All IPv4 connections so far, the probe's included.
	n0=$(nlines "$OBS_TMP/b0.log") n1=$(nlines "$OBS_TMP/b1.log")
	region_read web --until "TOT_N_FCT >= $((n0 + n1))" --timeout 30 --settle 1
	check_eq "web: module n_flow per backend = servers' counts" "$B0_N_FLOW/$B1_N_FLOW" "$n0/$n1"
	check_eq "all flows completed, none in progress, untracked or dropped" \
		"$TOT_N_FCT/$TOT_N_FLOW_ON/$TOT_N_CLS/$VC_DROPPED" "$((n0 + n1))/0/0/0"
	check_eq "region header: mode ipip (2), weights 3 1" "$MODE/$WEIGHTS" "2/3 1"

	# Bulk transfers: GSO packets wrapped.
	b0=$n0 b1=$n1 t0=$SECONDS
	run_client "$client" "$OBS_TMP/bulk4.json" --addr $VIP4 --port 80 \
		--count 4 --sizes 1000000 --upload 1000000 --parallel 4 \
		--timeout 10 --deadline 120
	conns_ok "4 IPv4 transfers of 1 MB each way, every byte checked" \
		"$OBS_TMP/bulk4.json" 4
	served "$b0" "$b1" 4
	ktap_print_msg "IPv4 bulk: backend 0 $D0, backend 1 $D1 ($((SECONDS - t0)) s)"
	check_eq "the servers verified the 4 uploads" \
		"$(cat "$OBS_TMP/new0" "$OBS_TMP/new1" | grep -F '"upload": 1000000' | grep -c '"ok": true')" 4

	region_read web --until "TOT_N_FCT >= $((b0 + b1 + 4))" --timeout 30 --settle 1
	read -r rx0 rx1 tx0 tx1 <<<"$(tunnels tun0)"
	ktap_print_msg "tun0 rx packets $rx0 / $rx1, tx $tx0 / $tx1; module n_packet $B0_N_PACKET / $B1_N_PACKET"
	check "every packet to the VIP arrived through tun0 (rx >= module n_packet, both backends)" \
		eval '[ "${rx0:-0}" -ge "${B0_N_PACKET:-1}" ] && [ "${B0_N_PACKET:-0}" -gt 0 ] &&
		      [ "${rx1:-0}" -ge "${B1_N_PACKET:-1}" ] && [ "${B1_N_PACKET:-0}" -gt 0 ]'
	check_eq "direct return: no reply through a tunnel, none dropped by the module" \
		"$tx0/$tx1/$VC_DROPPED/$TOT_N_FLOW_ON" "0/0/0/0"
	# Each flow's replies (SYN-ACK, data, FIN) left the backend by veth0.
	check_cmp "replies left the backends by veth0 (at least 3 packets a flow)" \
		"$(( $(devstat "$server" veth0 tx_packets) + $(devstat "$server2" veth0 tx_packets) ))" \
		">=" $((3 * (b0 + b1 + 4)))
}

m0=$(martian_src)
if probe probe4 $VIP4 IPv4; then p4=1; else p4=0; fi
# The outer source is the router's own address: its input routing must
# still forward the packet (not drop it as a martian source).
check_eq "router: no IPIP packet dropped as martian source" "$(($(martian_src) - m0))" 0
if [ $p4 = 1 ]; then
	ipv4
else
	fail_rest 16 "IPv4 through the VIP (not run: the first connections failed)"
fi

# --- IPv6 ---------------------------------------------------------------------
check "aqctl: IPv6 ipip VIP, two backends of equal weight" eval \
	'"$AQCTL" vip add web6 tcp $VIP6 80 mode ipip &&
	 "$AQCTL" backend add web6 fd00:2::2 80 &&
	 "$AQCTL" backend add web6 fd00:3::2 80'

ipv6() {
	local t0=$SECONDS n0 n1 b0 b1 rx0 rx1 tx0 tx1
	run_client "$client" "$OBS_TMP/v6.json" --addr $VIP6 --port 80 \
		--count $N_V6 --sizes 100,3000,50000 --upload 3000 --parallel 8 \
		--timeout 10 --deadline 120
	conns_ok "$N_V6 IPv6 connections to the VIP, every byte checked" "$OBS_TMP/v6.json" $N_V6
	served "$v0" "$v1" $N_V6
	n0=$D0 n1=$D1
	ktap_print_msg "IPv6 split 1:1 over $N_V6 flows: backend 0 $n0, backend 1 $n1 ($((SECONDS - t0)) s)"
	# 25% is 5 standard deviations below an even split of 100 flows.
	check_range "weights 1:1: each backend got at least 25% of the IPv6 flows" \
		"$((100 * n0 / N_V6))" 25 75
	check_eq "every IPv6 flow served in full, to the VIP, from the client" \
		"$((n0 + n1))/$(as_sent "$LOCAL6" "$PEER6")" "$N_V6/$N_V6"
	# All IPv6 connections so far, the probe's included.
	n0=$(($(nlines "$OBS_TMP/b0.log") - p0)) n1=$(($(nlines "$OBS_TMP/b1.log") - p1))
	region_read web6 --until "TOT_N_FCT >= $((n0 + n1))" --timeout 30 --settle 1
	check_eq "IPv6: module n_flow per backend = servers' counts" "$B0_N_FLOW/$B1_N_FLOW" "$n0/$n1"

	b0=$(nlines "$OBS_TMP/b0.log") b1=$(nlines "$OBS_TMP/b1.log") t0=$SECONDS
	run_client "$client" "$OBS_TMP/bulk6.json" --addr $VIP6 --port 80 \
		--count 4 --sizes 1000000 --upload 1000000 --parallel 4 \
		--timeout 10 --deadline 120
	conns_ok "4 IPv6 transfers of 1 MB each way, every byte checked" \
		"$OBS_TMP/bulk6.json" 4
	served "$b0" "$b1" 4
	ktap_print_msg "IPv6 bulk: backend 0 $D0, backend 1 $D1 ($((SECONDS - t0)) s)"
	check_eq "the servers verified the 4 IPv6 uploads" \
		"$(cat "$OBS_TMP/new0" "$OBS_TMP/new1" | grep -F '"upload": 1000000' | grep -c '"ok": true')" 4

	region_read web6 --until "TOT_N_FCT >= $((n0 + n1 + 4))" --timeout 30 --settle 1
	read -r rx0 rx1 tx0 tx1 <<<"$(tunnels tun6)"
	ktap_print_msg "tun6 rx packets $rx0 / $rx1, tx $tx0 / $tx1; module n_packet $B0_N_PACKET / $B1_N_PACKET"
	check "every IPv6 packet to the VIP arrived through tun6 (rx >= module n_packet, both backends)" \
		eval '[ "${rx0:-0}" -ge "${B0_N_PACKET:-1}" ] && [ "${B0_N_PACKET:-0}" -gt 0 ] &&
		      [ "${rx1:-0}" -ge "${B1_N_PACKET:-1}" ] && [ "${B1_N_PACKET:-0}" -gt 0 ]'
	check_eq "IPv6 direct return: no reply through a tunnel; all flows completed, none dropped" \
		"$tx0/$tx1/$TOT_N_FCT/$TOT_N_FLOW_ON/$TOT_N_CLS/$VC_DROPPED" "0/0/$((n0 + n1 + 4))/0/0/0"
}

p0=$(nlines "$OBS_TMP/b0.log") p1=$(nlines "$OBS_TMP/b1.log")
if probe probe6 $VIP6 IPv6; then
	# The IPv6 connections start after the probe's.
	v0=$(nlines "$OBS_TMP/b0.log") v1=$(nlines "$OBS_TMP/b1.log")
	ipv6
else
	fail_rest 8 "IPv6 through the VIP (not run: the first connections failed)"
fi

check "rmmod" aq_unload
ktap_finished
