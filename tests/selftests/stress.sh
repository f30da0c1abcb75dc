#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 660
# aq-manual: runs STRESS_SECONDS (300) of load plus about 3 minutes of checks; run with tests/vm/run.sh tests/selftests/stress.sh
# Stress: for STRESS_SECONDS (default 300; AQ_STRESS_SECONDS=S through
# tests/vm/run.sh), all at once on the VM's CPUs:
#  - TCP traffic (tools/traffic.py) from a client namespace through the
#    router (the initial namespace) to an observed VIP (clients address the
#    backends, 10.0.2.2/3:8080) and to a nat VIP (10.0.0.100:80 balanced to
#    10.0.2.2/3:8081), two client loops of 4 parallel connections each;
#  - a netlink loop (aqctl): weights, drain on/off, scheduler changes,
#    backend removal and re-adding, a VIP created and removed, reads;
#  - a reader mapping and unmapping every region (tools/stress_map.py),
#    checking each header it maps;
#  - aquariusd started and stopped (SIGTERM) over and over;
#  - the module unloaded and loaded again every RELOAD_EVERY seconds
#    (rmmod retried while a mapping or an open descriptor holds it; no
#    daemon is started while a reload is pending, as an administrator
#    stops aquariusd around a reload, and the mapper pauses longer).
# Every loop tolerates the module being absent. Afterwards: the module is
# loaded and configured again; every loop ended cleanly (no aqctl usage
# error or hang, no bad mapping, every daemon exit 0 on SIGTERM and none
# died by itself); each stress actually happened (reloads, traffic,
# netlink writes, maps, restarts); per backend n_fct <= n_flow and
# n_flow_on == n_flow - n_fct; n_flow_on back to 0 once flows time out;
# then new connections are tracked exactly and rmmod works. The VM's judge
# fails the run on any kernel warning, sanitizer or lockdep report or leak.
# The counts (reload cycles, netlink ops, map/unmap cycles, daemon
# restarts, connections) are printed as "# figures: ..." lines.
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (lib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

STRESS_SECONDS=${AQ_STRESS_SECONDS:-${STRESS_SECONDS:-300}}
RELOAD_EVERY=${RELOAD_EVERY:-20}
TMO=5		# flow_timeout: flows left by a broken connection end soon
AQD=${AQD:-$AQ_TOP/user/aquariusd/aquariusd}
VIPS="obs/tcp/10.0.0.10:80/10.0.2.2:8080,10.0.2.3:8080"
VIPS+=";lb/tcp/10.0.0.100:80/10.0.2.2:8081,10.0.2.3:8081/nat"
PARAMS=("vips=$VIPS" "flow_timeout=$TMO" "snapshot_ms=100")
N_FINAL=20	# connections per VIP after the stress, counted exactly

ktap_print_header
obs_plan 20
require_cmd "$PY" ip jq "$AQCTL" "$AQD"
ktap_print_msg "stress for $STRESS_SECONDS s, a reload every $RELOAD_EVERY s, $(nproc) CPUs"

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second server address"
obs_tmpdir || obs_bail "temporary directory"
STOP=$OBS_TMP/stop
RELOAD_PENDING=$OBS_TMP/reload.pending	# exists while the reload loop wants rmmod
defer 'touch "$STOP"'

check "insmod" aq_load "${PARAMS[@]}"
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"
servers() {
	local life=$((STRESS_SECONDS + 600))
	start_server s80 "$server" serve 0.0.0.0 8080 --lifetime "$life" --timeout 20 &&
	start_server s81 "$server" serve 0.0.0.0 8081 --lifetime "$life" --timeout 20
}
check "servers on ports 8080 (observed) and 8081 (nat)" servers

stopped() { [ -e "$STOP" ]; }
# aqj ARGS...: aqctl -j, bounded in time (a hang shows as status 124).
aqj() { timeout 20 "$AQCTL" -j "$@"; }

# --- the loops; each writes its counts to $OBS_TMP/<name>.res -----------------
traffic_loop() {
	local name=$1 runs=0 ok=0 failed=0 nosum=0 o f
	shift
	while ! stopped; do
		run_client "$client" "$OBS_TMP/$name.json" "$@" --count 40 \
			--sizes 1000,20000 --parallel 4 --timeout 10 --deadline 60
		runs=$((runs + 1))
		o=$(jq -r '.ok' "$OBS_TMP/$name.json" 2>/dev/null)
		f=$(jq -r '.failed' "$OBS_TMP/$name.json" 2>/dev/null)
		if obs_is_num "$o" && obs_is_num "$f"; then
			ok=$((ok + o)) failed=$((failed + f))
		else
			nosum=$((nosum + 1))
		fi
	done
	echo "runs=$runs ok=$ok failed=$failed nosum=$nosum" >"$OBS_TMP/$name.res"
}

# The netlink loop's batch: ROUNDS rounds of 12 writes and 3 reads, one
# aqctl process (under TCG starting a process takes about a second).
NL_ROUNDS=10
netlink_batch() {
	local i scheds=(sed lsq random maglev)
	for ((i = 1; i <= NL_ROUNDS; i++)); do
		echo "weights lb $((i % 4 + 1)) $(((i + 2) % 4 + 1))"
		echo "backend set lb column 0 drain on"
		echo "vip set lb sched ${scheds[$((i % 4))]}"
		echo "backend set lb column 0 drain off"
		echo "backend del lb column 1"
		echo "backend add lb 10.0.2.3 8081 weight 2"
		echo "backend set obs 10.0.2.3 8080 weight $((i % 5))"
		echo "backend del obs 10.0.2.3 8080"
		echo "backend add obs 10.0.2.3 8080"
		echo "vip add tmp udp 10.0.0.200 53"
		echo "backend add tmp 10.0.2.4 5353"
		echo "vip del tmp"
		echo "vip show lb"
		echo "show obs"
		echo "list"
	done
}

netlink_loop() {
	local i=0 ops=0 okc=0 refused=0 usage=0 hung=0 rc line
	local n
	n=$(grep -c . "$OBS_TMP/batch")
	# aqctl -b stops at the first failing line and names it on stderr
	# ("aqctl: FILE:LINE: ..."); status 1 refused by the kernel or no
	# module, 2 usage error (a bug of this script), 124 a hang.
	while ! stopped; do
		i=$((i + 1))
		timeout 120 "$AQCTL" -b "$OBS_TMP/batch" >/dev/null 2>"$OBS_TMP/nl.err"
		rc=$?
		line=$(sed -n 's/^aqctl: [^:]*:\([0-9]*\): .*/\1/p' "$OBS_TMP/nl.err" | head -1)
		case $rc in
		0) ops=$((ops + n)) okc=$((okc + n)) ;;
		1) if obs_is_num "$line"; then
			ops=$((ops + line)) okc=$((okc + line - 1))
		   else
			ops=$((ops + 1))
		   fi
		   refused=$((refused + 1)) ;;
		124) hung=$((hung + 1)) ;;
		*) usage=$((usage + 1)) ;;
		esac
		[ "$rc" = 0 ] || head -c 200 "$OBS_TMP/nl.err" >>"$OBS_TMP/netlink.err"
		sleep 1
	done
	echo "batches=$i ops=$ops ok=$okc refused=$refused usage=$usage hung=$hung" \
		>"$OBS_TMP/netlink.res"
}

map_loop() {
	"$PY" "$OBS_TOOLS/stress_map.py" --stop "$STOP" \
		--slow-file "$RELOAD_PENDING" >"$OBS_TMP/map.json" 2>"$OBS_TMP/map.err"
	echo "rc=$?" >"$OBS_TMP/map.res"
}

daemon_loop() {
	local starts=0 clean=0 died=0 bad=0 pid rc
	while ! stopped; do
		# No new daemon while a reload waits for the module to be free
		# (as an administrator stops aquariusd around a reload: a
		# running daemon holds the device, so rmmod is refused).
		while [ -e "$RELOAD_PENDING" ] && ! stopped; do sleep 1; done
		"$AQD" -c "$OBS_TMP/aqd.conf" >"$OBS_TMP/aqd.log" 2>&1 &
		pid=$!
		starts=$((starts + 1))
		sleep $((5 + starts % 6))
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			died=$((died + 1))
			echo "start $starts: died by itself, status $rc; $(tail -3 "$OBS_TMP/aqd.log")" \
				>>"$OBS_TMP/aqd.err"
			continue
		fi
		kill -TERM "$pid"
		wait "$pid"
		rc=$?
		if [ "$rc" = 0 ]; then clean=$((clean + 1)); else
			bad=$((bad + 1))
			echo "start $starts: status $rc after SIGTERM; $(tail -3 "$OBS_TMP/aqd.log")" \
				>>"$OBS_TMP/aqd.err"
		fi
	done
	echo "starts=$starts clean=$clean died=$died bad=$bad" >"$OBS_TMP/daemon.res"
}

reload_loop() {
	local cycles=0 busy=0 stuck=0 loadfail=0 t
	while ! stopped; do
		# Timed by the clock: under TCG each sleep process takes long.
		t=$((SECONDS + RELOAD_EVERY))
		while [ "$SECONDS" -lt "$t" ]; do
			stopped && break 2
			sleep 1
		done
		# In use while a region is mapped or the device is open: retry
		# for up to 30 s. The daemon loop starts no daemon meanwhile
		# (its running one ends within 10 s); the mapper goes on, with
		# 500 ms pauses instead of 20 ms, so it still races the unload.
		touch "$RELOAD_PENDING"
		t=$((SECONDS + 30))
		until rmmod aquarius 2>/dev/null; do
			busy=$((busy + 1))
			[ "$SECONDS" -lt "$t" ] || break
			sleep 0.05
		done
		if aq_loaded; then
			stuck=$((stuck + 1)); rm -f "$RELOAD_PENDING"; continue
		fi
		sleep 1
		if aq_load "${PARAMS[@]}" 2>>"$OBS_TMP/reload.err"; then
			cycles=$((cycles + 1))
		else
			loadfail=$((loadfail + 1))
		fi
		rm -f "$RELOAD_PENDING"
	done
	echo "cycles=$cycles busy=$busy stuck=$stuck loadfail=$loadfail" >"$OBS_TMP/reload.res"
}

cat >"$OBS_TMP/aqd.conf" <<-CONF
	shm_mode = 0600
	shm_group = 0
	resync_ms = 500
	listen = 127.0.0.1:9470
CONF

netlink_batch >"$OBS_TMP/batch"
ktap_print_msg "$(date +%T) stress starts"
t0=$SECONDS
traffic_loop obs --target 10.0.2.2:8080 --target 10.0.2.3:8080 &
P_OBS=$!
traffic_loop lb --addr 10.0.0.100 --port 80 &
P_LB=$!
netlink_loop &
P_NL=$!
map_loop &
P_MAP=$!
daemon_loop &
P_AQD=$!
reload_loop &
P_REL=$!
defer "kill $P_OBS $P_LB $P_NL $P_MAP $P_AQD $P_REL 2>/dev/null"

while [ $((SECONDS - t0)) -lt "$STRESS_SECONDS" ]; do
	sleep 10
	ktap_print_msg "at $((SECONDS - t0)) s: module $(aq_loaded && echo loaded || echo absent)," \
		"$(grep -c '^vip' /proc/net/aquarius 2>/dev/null || echo 0) VIPs"
done
touch "$STOP"
ktap_print_msg "$(date +%T) stop asked after $((SECONDS - t0)) s; waiting for the loops"
wait $P_OBS $P_LB $P_NL $P_MAP $P_AQD $P_REL
ktap_print_msg "$(date +%T) all loops ended after $((SECONDS - t0)) s"

# res NAME KEY: a count from $OBS_TMP/NAME.res.
res() { sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" "$OBS_TMP/$1.res" 2>/dev/null; }
for r in reload netlink daemon obs lb map; do
	ktap_print_msg "$r: $(cat "$OBS_TMP/$r.res" 2>/dev/null)"
done
ktap_print_msg "map: $(cat "$OBS_TMP/map.json" 2>/dev/null) $(head -c 300 "$OBS_TMP/map.err" 2>/dev/null)"
[ -s "$OBS_TMP/netlink.err" ] && ktap_print_msg "aqctl errors (last 5): $(sort "$OBS_TMP/netlink.err" | uniq -c | sort -rn | head -5 | tr '\n' ';')"
[ -s "$OBS_TMP/aqd.err" ] && ktap_print_msg "daemon: $(head -c 600 "$OBS_TMP/aqd.err")"
[ -s "$OBS_TMP/reload.err" ] && ktap_print_msg "insmod: $(head -c 300 "$OBS_TMP/reload.err")"

MAPS=$(jq -r '.maps' "$OBS_TMP/map.json" 2>/dev/null)
UNMAPS=$(jq -r '.unmaps' "$OBS_TMP/map.json" 2>/dev/null)
ktap_print_msg "figures: $STRESS_SECONDS s; reload cycles $(res reload cycles)" \
	"(rmmod refused while in use $(res reload busy) times);" \
	"netlink ops $(res netlink ops) in $(res netlink batches) batches (done $(res netlink ok), refused $(res netlink refused));" \
	"map/unmap cycles $MAPS/$UNMAPS; daemon restarts $(res daemon starts);" \
	"connections observed VIP $(res obs ok) ok $(res obs failed) failed," \
	"nat VIP $(res lb ok) ok $(res lb failed) failed"

check_cmp "module reloaded at least $((STRESS_SECONDS / RELOAD_EVERY / 2)) times" \
	"$(res reload cycles)" ">=" $((STRESS_SECONDS / RELOAD_EVERY / 2))
check_eq "every rmmod went through within 30 s, every insmod loaded" \
	"$(res reload stuck)/$(res reload loadfail)" "0/0"
check_cmp "netlink writes done" "$(res netlink ok)" ">" 0
check_eq "no aqctl usage error or hang" "$(res netlink usage)/$(res netlink hung)" "0/0"
check_cmp "regions mapped and unmapped" "$MAPS" ">" 0
check_eq "every mapping showed a valid header; every map unmapped" \
	"$(jq -r '.bad' "$OBS_TMP/map.json" 2>/dev/null)/$(res map rc)/$UNMAPS" "0/0/$MAPS"
check_cmp "aquariusd restarted" "$(res daemon starts)" ">" 1
check_eq "aquariusd: every SIGTERM exit 0, none died by itself" \
	"$(res daemon died)/$(res daemon bad)/$(res daemon clean)" "0/0/$(res daemon starts)"
check_cmp "connections through the observed VIP completed" "$(res obs ok)" ">" 0
check_cmp "connections through the nat VIP completed" "$(res lb ok)" ">" 0

# --- afterwards ---------------------------------------------------------------
aq_loaded || aq_load "${PARAMS[@]}"
# The netlink loop may have stopped anywhere: the configuration again.
"$AQCTL" vip del tmp >/dev/null 2>&1
"$AQCTL" backend add obs 10.0.2.3 8080 >/dev/null 2>&1
"$AQCTL" backend add lb 10.0.2.3 8081 >/dev/null 2>&1
restore() {
	"$AQCTL" backend set obs 10.0.2.3 8080 weight 1 >/dev/null &&
	"$AQCTL" backend set lb column 0 drain off >/dev/null &&
	"$AQCTL" weights lb 1 1 >/dev/null &&
	"$AQCTL" vip set lb sched maglev >/dev/null &&
	[ "$(aqj vip show lb | jq -r '[.backends[] | "\(.weight)\(.drain)"] | join(",")')" = "1false,1false" ]
}
check "module loaded, VIPs obs and lb with two backends each again" restore
ktap_print_msg "$(tr '\n' ';' </proc/net/aquarius)"

# rows VIP: "column n_flow n_fct n_flow_on" per active backend.
rows() {
	aqj show "$1" | jq -r '.backends[] |
		"\(.column) \(.counters.n_flow) \(.counters.n_fct) \(.counters.n_flow_on)"'
}
# all_idle: n_flow_on of every backend of both VIPs is 0.
all_idle() {
	local v c f e on
	for v in obs lb; do
		rows "$v" >"$OBS_TMP/rows" || return 1
		[ -s "$OBS_TMP/rows" ] || return 1
		while read -r c f e on; do
			[ "$on" = 0 ] || return 1
		done <"$OBS_TMP/rows"
	done
}
idle_wait() {
	local i
	for ((i = 0; i < 60; i++)); do all_idle && return 0; sleep 1; done
	return 1
}
check "n_flow_on back to 0 on every backend (flow_timeout $TMO s)" idle_wait
consistent() {
	local v c f e on bad=0
	for v in obs lb; do
		rows "$v" >"$OBS_TMP/rows" || return 1
		while read -r c f e on; do
			ktap_print_msg "$v column $c: n_flow $f n_fct $e n_flow_on $on"
			if ! [ "$e" -le "$f" ] || [ "$on" != $((f - e)) ]; then bad=1; fi
		done <"$OBS_TMP/rows"
	done
	return "$bad"
}
check "per backend: n_fct <= n_flow and n_flow_on == n_flow - n_fct" consistent

# sum VIP FIELD: a counter summed over the VIP's active backends.
sum() { aqj show "$1" | jq "[.backends[].counters.$2] | add"; }
b_obs_f=$(sum obs n_flow) b_obs_e=$(sum obs n_fct)
b_lb_f=$(sum lb n_flow) b_lb_e=$(sum lb n_fct)
run_client "$client" "$OBS_TMP/f_obs.json" --target 10.0.2.2:8080 \
	--target 10.0.2.3:8080 --count $N_FINAL --sizes 1000,20000 --parallel 4
run_client "$client" "$OBS_TMP/f_lb.json" --addr 10.0.0.100 --port 80 \
	--count $N_FINAL --sizes 1000,20000 --parallel 4
client_ok "$N_FINAL connections to the observed VIP after the stress" "$OBS_TMP/f_obs.json" $N_FINAL
client_ok "$N_FINAL connections through the nat VIP after the stress" "$OBS_TMP/f_lb.json" $N_FINAL
idle_wait
delta() { obs_is_num "$1" && obs_is_num "$2" && echo $(($2 - $1)); }
check_eq "observed VIP after the stress: n_flow/n_fct grew by $N_FINAL, n_flow_on 0" \
	"$(delta "$b_obs_f" "$(sum obs n_flow)")/$(delta "$b_obs_e" "$(sum obs n_fct)")/$(sum obs n_flow_on)" \
	"$N_FINAL/$N_FINAL/0"
check_eq "nat VIP after the stress: n_flow/n_fct grew by $N_FINAL, n_flow_on 0" \
	"$(delta "$b_lb_f" "$(sum lb n_flow)")/$(delta "$b_lb_e" "$(sum lb n_fct)")/$(sum lb n_flow_on)" \
	"$N_FINAL/$N_FINAL/0"
check "rmmod after the stress" timeout 60 rmmod aquarius
ktap_finished
