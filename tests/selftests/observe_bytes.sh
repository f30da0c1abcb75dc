#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# byte_f is exact: each flow's sample is the number of bytes the server sent
# (acknowledged by the client, its SYN and FIN not counted), so with known
# response sizes the distinct values in a backend's reservoir are exactly
# the sizes it served, and one sample is offered per flow. Bytes uploaded by
# the client do not count. The raw slots are read by tools/region.py, which
# parses the region from the uapi layout on its own (not with libaquarius).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tools/observe_lib.sh"

# Column 1 is left empty ("-"): the backends are in columns 0, 2 and 3.
VIPS="web/tcp/10.0.0.10:80/10.0.2.2:8080,-,10.0.2.3:8081,10.0.2.2:8082"
# Sizes around one and two MSS (1448 with timestamps), 1 byte, and larger.
SIZES0=1,100,1448,1449,4096,65535	# column 0
SIZES2=2,1000,2896,10000,131072		# column 2
SIZES3=7,3000				# column 3, each request uploads 20000 B
REPS=4					# connections per size
# 1024 slots: a sample is lost to a later one with probability < 1/30, all
# REPS samples of one size with probability < 1e-6.
SLOTS=1024

ktap_print_header
obs_plan 16
require_cmd "$PY" ip

setup_topology_root || obs_bail "topology"
ip -n "$server" addr add 10.0.2.3/24 dev veth0 || obs_bail "second server address"
obs_tmpdir || obs_bail "temporary directory"

servers() {
	start_server c0 "$server" serve 10.0.2.2 8080 --size-list "$SIZES0" &&
	start_server c2 "$server" serve 10.0.2.3 8081 --size-list "$SIZES2" &&
	start_server c3 "$server" serve 10.0.2.2 8082 --size-list "$SIZES3"
}
check "servers listening" servers
check "insmod" aq_load "vips=$VIPS" reservoir_slots=$SLOTS snapshot_ms=100
defer 'aq_loaded && rmmod aquarius'
aq_loaded || obs_bail "module not loaded"

region_read web --settle 1
check_eq "backends in columns 0, 2, 3, all active" "$BACKENDS/$ACTIVE" "0 2 3/13"

# shellcheck disable=SC2086 # split on the commas
count() { local IFS=,; set -- $1; echo $(($# * REPS)); }
sorted() { tr , '\n' <<<"$1" | sort -n | tr '\n' ' ' | sed 's/ $//'; }
n0=$(count $SIZES0) n2=$(count $SIZES2) n3=$(count $SIZES3)

run_client "$client" "$OBS_TMP/c0.json" --addr 10.0.2.2 --port 8080 \
	--count "$n0" --sizes $SIZES0 --parallel 4
client_ok "$n0 downloads from column 0" "$OBS_TMP/c0.json" "$n0"
run_client "$client" "$OBS_TMP/c2.json" --addr 10.0.2.3 --port 8081 \
	--count "$n2" --sizes $SIZES2 --parallel 4
client_ok "$n2 downloads from column 2" "$OBS_TMP/c2.json" "$n2"
run_client "$client" "$OBS_TMP/c3.json" --addr 10.0.2.2 --port 8082 \
	--count "$n3" --sizes $SIZES3 --upload 20000 --parallel 4
client_ok "$n3 uploads+downloads with column 3" "$OBS_TMP/c3.json" "$n3"

total=$((n0 + n2 + n3))
region_read web --until "TOT_N_FCT >= $total" --timeout 30 --settle 2 \
	--values byte_f
check_eq "n_flow/n_fct of columns 0, 2, 3" \
	"$B0_N_FLOW/$B0_N_FCT $B2_N_FLOW/$B2_N_FCT $B3_N_FLOW/$B3_N_FCT" \
	"$n0/$n0 $n2/$n2 $n3/$n3"
check_eq "column 0: one byte_f sample offered per flow" "$B0_BYTE_F_OFFERED" "$n0"
check_eq "column 2: one byte_f sample offered per flow" "$B2_BYTE_F_OFFERED" "$n2"
check_eq "column 3: one byte_f sample offered per flow" "$B3_BYTE_F_OFFERED" "$n3"
ktap_print_msg "column 0 byte_f: $B0_BYTE_F_SAMPLES samples, values {$B0_BYTE_F_SET}"
ktap_print_msg "column 2 byte_f: $B2_BYTE_F_SAMPLES samples, values {$B2_BYTE_F_SET}"
ktap_print_msg "column 3 byte_f: $B3_BYTE_F_SAMPLES samples, values {$B3_BYTE_F_SET}"
check_eq "column 0: byte_f values are exactly the sizes served" \
	"$B0_BYTE_F_SET" "$(sorted $SIZES0)"
check_eq "column 2: byte_f values are exactly the sizes served" \
	"$B2_BYTE_F_SET" "$(sorted $SIZES2)"
check_eq "column 3: byte_f values are the sizes served, uploads not counted" \
	"$B3_BYTE_F_SET" "$(sorted $SIZES3)"
check_eq "every slot time in [1, now] and samples <= offered" "$BAD_SLOTS" 0

if [ -x "$AQCTL" ]; then
	check "aqctl -j show agrees with region.py (counters, samples, offered, mean)" \
		aqctl_matches web
else
	ktap_test_skip "aqctl -j show agrees with region.py: no $AQCTL"
fi
check "rmmod" aq_unload
ktap_finished
