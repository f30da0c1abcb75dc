#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 420
# aquariusd, the shm bridge (user/aquariusd, format in user/lib/aquarius_shm.h):
#  - a VIP added with aqctl gets /dev/shm/aquarius-<name>, with the
#    configured mode and group;
#  - under traffic, the copy's frames equal the kernel's for the same
#    sequence number, byte for byte, and the copy is at most ~1 snapshot old
#    (tools/shm_check.py compare);
#  - weights written to the action area reach the kernel (aqctl -j vip
#    show); bad requests (weight above 65535, a backend left without a
#    weight) are rejected with a status and a message, nothing applied;
#  - GET /metrics is well formed and its counters equal aqctl -j show's;
#  - SIGHUP reloads the configuration (new shm mode);
#  - VIP removal unlinks the object; rmmod works while the daemon runs (it
#    maps regions only while copying) and its objects go; after insmod it
#    reconnects and creates them again; SIGTERM unlinks them and exits 0.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

AQD=${AQD:-$AQ_TOP/user/aquariusd/aquariusd}
PORT=9470
SNAP_MS=250
SHM=/dev/shm/aquarius-web

ktap_print_header
obs_plan 26
require_cmd "$PY" ip "$AQCTL" "$AQD"

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second address"
obs_tmpdir || obs_bail "temporary directory"

shm_check() { "$PY" "$OBS_TOOLS/shm_check.py" "$@"; }
# gone FILE SECONDS: wait for FILE to disappear.
gone() {
	local i
	for ((i = 0; i < $2 * 20; i++)); do
		[ -e "$1" ] || return 0
		sleep 0.05
	done
	return 1
}
# probe NAME CMD...: one KTAP line, the command's output as comments.
probe() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && ktap_print_msg "$out"
	if [ "$rc" = 0 ]; then ktap_test_pass "$name"; else ktap_test_fail "$name"; fi
}
weights_of() {
	"$AQCTL" -j vip show web | "$PY" -c '
import json, sys
print(",".join(str(b["weight"]) for b in json.load(sys.stdin)["backends"]))'
}
mode_of() { stat -c %a:%g "$1" 2>/dev/null; }
# Where the VM time goes (TCG): seconds since the script started.
stamp() { ktap_print_msg "at ${SECONDS} s: $*"; }

CONF=$OBS_TMP/aquariusd.conf
cat >"$CONF" <<-CONF
	# selftest configuration
	shm_mode = 0640
	shm_group = 1
	rate_limit_ms = 100
	resync_ms = 500
	listen = 127.0.0.1:$PORT
CONF

check "insmod" aq_load
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"
check "server listening" eval \
	'start_server b0 "$server" serve 10.0.2.2 8080 --timeout 120 &&
	 start_server b1 "$server" serve 10.0.2.3 8080 --timeout 120'

"$AQD" -c "$CONF" -d 2>"$OBS_TMP/aqd.log" &
AQD_PID=$!
defer 'kill $AQD_PID 2>/dev/null; sed "s/^/# aquariusd: /" "$OBS_TMP/aqd.log" | tail -40'

stamp "daemon started"
check "aqctl: nat VIP web with two backends" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 mode nat snapshot $SNAP_MS &&
	 "$AQCTL" backend add web 10.0.2.2 8080 weight 1 &&
	 "$AQCTL" backend add web 10.0.2.3 8080 weight 1'
check "$SHM created" wait_file "$SHM" 30
check_eq "shm mode 0640, group 1 (configured)" "$(mode_of "$SHM")" "640:1"

stamp "shm created"
run_client "$client" "$OBS_TMP/c1.json" --addr 10.0.0.100 --port 80 \
	--count 30 --parallel 4 --sizes 2000 &
CLIENT=$!
probe "shm frames equal the kernel's for the same sequence, under traffic" \
	shm_check compare web --frames 4 --timeout 90
wait $CLIENT
check_eq "client: 30 connections completed" "$(jget "$OBS_TMP/c1.json" ok)" 30

stamp "frames compared"
probe "weights 3,1 through the action area: applied (status 0)" \
	shm_check weights web 3 1
check_eq "kernel weights after the request (aqctl -j vip show)" "$(weights_of)" "3,1"
probe "weight 70000: rejected with -ERANGE and a message" \
	shm_check weights web 70000 1 --expect 34
probe "backend without a weight: rejected with -EINVAL" \
	shm_check weights web 5 --expect 22
check_eq "nothing applied by the rejected requests" "$(weights_of)" "3,1"
# The copy shows the new weights set (weights_seq protocol).
sleep 1
probe "shm header equals the kernel's again (new weights copied)" \
	shm_check compare web --frames 2 --timeout 30

sleep 1	# traffic over: counters still for the scrape and aqctl
probe "GET /metrics: well formed, counters equal aqctl -j show" \
	shm_check metrics "http://127.0.0.1:$PORT/metrics" web --aqctl "$AQCTL"

stamp "metrics compared"
sed -i 's/^shm_mode = 0640/shm_mode = 0604/' "$CONF"
kill -HUP "$AQD_PID"
check "SIGHUP: shm mode 0604 applied" eval \
	'for i in $(seq 100); do [ "$(mode_of "$SHM")" = 604:1 ] && break; sleep 0.05; done;
	 [ "$(mode_of "$SHM")" = 604:1 ]'

check "aqctl vip del: shm unlinked" eval '"$AQCTL" vip del web && gone "$SHM" 10'
check "aqctl vip add again: shm back" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 mode nat snapshot $SNAP_MS &&
	 "$AQCTL" backend add web 10.0.2.2 8080 && wait_file "$SHM" 30'

# rmmod: the daemon holds no mapping between copies; a try may still hit
# one (EBUSY): a few tries.
unload() {
	local i
	for i in $(seq 20); do
		rmmod aquarius 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}
check "rmmod while the daemon runs" unload
check "module gone: daemon unlinked its shm" gone "$SHM" 15
check "daemon still running after rmmod" kill -0 "$AQD_PID"
check "insmod again" aq_load
check "daemon reconnects: VIP added after insmod gets its shm" eval \
	'"$AQCTL" vip add web tcp 10.0.0.100 80 snapshot $SNAP_MS &&
	 "$AQCTL" backend add web 10.0.2.2 8080 && wait_file "$SHM" 30'
probe "after the reconnect the copy equals the kernel's" \
	shm_check compare web --frames 2 --timeout 30

stamp "reconnected"
kill -TERM "$AQD_PID"
check "SIGTERM: shm unlinked" gone "$SHM" 10
wait "$AQD_PID"
check_eq "SIGTERM: daemon exited 0" "$?" 0
check "no aquarius-* object left" eval '! ls /dev/shm/aquarius-* 2>/dev/null'
ktap_print_msg "$(grep -c . "$OBS_TMP/aqd.log") log lines; $(grep -ci 'error' "$OBS_TMP/aqd.log") errors"
ktap_finished
