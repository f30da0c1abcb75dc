#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The generic netlink family: every command with bad input gets the
# documented errno and extack and changes nothing; without CAP_NET_ADMIN
# writes get EPERM; every write is announced on the events group; two
# namespaces see only their own VIPs. The cases are in tools/genl_cases.py.
. "$(dirname "$0")/lib.sh"
TOOLS=$(dirname "$0")/tools

ktap_print_header
require_cmd setpriv python3
aq_load || { ktap_test_fail "insmod"; ktap_finished; }
defer aq_unload
setup_ns ns_a ns_b || { ktap_test_fail "namespaces"; ktap_finished; }

run_cases "ns_a bad input" ip netns exec "$ns_a" python3 "$TOOLS/genl_cases.py" bad
run_cases "ns_a unprivileged" ip netns exec "$ns_a" \
	setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
	python3 "$TOOLS/genl_cases.py" eperm
run_cases "ns_b" ip netns exec "$ns_b" python3 "$TOOLS/genl_cases.py" empty
run_cases "ns_b" ip netns exec "$ns_b" python3 "$TOOLS/genl_cases.py" create base 10.9.0.100
run_cases "init ns" python3 "$TOOLS/genl_cases.py" empty
run_cases "ns_a events" ip netns exec "$ns_a" python3 "$TOOLS/genl_cases.py" events
check "ns_a lists only its base in /proc" \
	bash -c "[ \$(ip netns exec '$ns_a' grep -c '^vip' /proc/net/aquarius) = 1 ]"
check "ns_a's base has 64 backends, ns_b's one" \
	bash -c "[ \$(ip netns exec '$ns_a' grep -c '^backend' /proc/net/aquarius) = 64 ] &&
		 [ \$(ip netns exec '$ns_b' grep -c '^backend' /proc/net/aquarius) = 1 ]"
ktap_finished
