#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# insmod parameters: malformed values make insmod fail with a kernel log
# line naming the bad token; valid ones show up in /proc/net/aquarius.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 15

# rejects NAME TOKEN PARAMS...: insmod fails and the log names TOKEN.
rejects() {
	local name=$1 token=$2
	shift 2
	dmesg -C
	if aq_load "$@" 2>/dev/null; then
		rmmod aquarius
		ktap_test_fail "$name: insmod succeeded"
		return
	fi
	if dmesg | grep -qF -- "$token"; then
		ktap_test_pass "$name"
	else
		ktap_print_msg "log: $(dmesg | tail -3)"
		ktap_test_fail "$name: no log line naming '$token'"
	fi
}

rejects "unknown protocol" "'sctp'" vips=web/sctp/10.0.0.1:80/10.0.2.2:80
rejects "bad address" "'10.0.0.300:80'" vips=web/tcp/10.0.0.300:80/10.0.2.2:80
rejects "port out of range" "'10.0.2.2:70000'" vips=web/tcp/10.0.0.1:80/10.0.2.2:70000
rejects "mixed families" "'[fd00::2]:80'" vips=web/tcp/10.0.0.1:80/[fd00::2]:80
rejects "missing backends" "'web'" vips=web/tcp/10.0.0.1:80
rejects "duplicate VIP name" "cannot add 'web'" \
	"vips=web/tcp/10.0.0.1:80/10.0.2.2:80;web/tcp/10.0.0.2:80/10.0.2.3:80"
rejects "reservoir_slots not a power of two" "reservoir_slots=100" reservoir_slots=100
rejects "flow_entries too small" "flow_entries=10" flow_entries=10
rejects "snapshot_ms too small" "snapshot_ms=1" snapshot_ms=1

many=""
for i in $(seq 64); do many+="${many:+,}10.1.0.$i:80"; done
rejects "65 backends" "'10.1.1.1:80'" "vips=big/tcp/10.0.0.1:80/$many,10.1.1.1:80"

if aq_load "vips=big/tcp/10.0.0.1:80/$many;v6/udp/[fd00::1]:53/[fd00:2::2]:53,-,[fd00:2::3]:53"; then
	n=$(grep -c '^backend' /proc/net/aquarius)
	check "64 + 2 backends listed" [ "$n" = 66 ]
	check "ipv6 udp column 2" grep -qx 'backend 2 fd00:2::3 53 active' /proc/net/aquarius
	rmmod aquarius
else
	ktap_test_fail "valid configuration loads"
	ktap_test_fail "ipv6 udp column 2"
fi
# Weights, mode and scheduler: the same configuration as aqctl reaches.
AQCTL=$AQ_TOP/user/aqctl/aqctl
rejects "unknown mode" "'dsr'" "vips=lb/tcp/10.0.0.1:80/10.0.2.2:80/dsr"
if aq_load "vips=lb/tcp/10.0.0.1:80/10.0.2.2:80@3,10.0.2.3:80@1/nat/sed"; then
	check "insmod weights, mode, scheduler = aqctl's view" bash -c \
		"'$AQCTL' -j vip show lb | python3 -c '
import json, sys
v = json.load(sys.stdin)
ok = (v[\"mode\"], v[\"sched\"], [b[\"weight\"] for b in v[\"backends\"]]) == (\"nat\", \"sed\", [3, 1])
sys.exit(0 if ok else 1)'"
	rmmod aquarius
else
	ktap_test_fail "insmod weights, mode, scheduler = aqctl's view"
fi
check "modinfo documents vips" bash -c "modinfo -p '$AQ_KO' | grep -q '^vips:.*NAME/PROTO'"
ktap_finished
