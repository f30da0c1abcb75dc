#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module on a router between a client and a server: it loads, real TCP
# transfers (IPv4 and IPv6) pass through it byte for byte, and it unloads.
. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 6
require_cmd socat sha256sum

setup_topology || { ktap_test_fail "topology"; ktap_finished; }
head -c 1048576 /dev/urandom >/tmp/forward.data
want=$(sha256sum </tmp/forward.data)

check "insmod" aq_load
defer 'aq_loaded && rmmod aquarius'

transfer() { # 4|6 ADDR PORT
	ip netns exec "$server" socat -u FILE:/tmp/forward.data \
		"TCP$1-LISTEN:$3,reuseaddr" 2>/dev/null &
	local spid=$! got
	wait_listen "$server" "$3" || return 1
	got=$(ip netns exec "$client" timeout 30 socat -u "TCP$1:$2:$3" STDOUT | sha256sum)
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	[ "$got" = "$want" ]
}

check "ipv4 transfer through the router" transfer 4 10.0.2.2 8080
check "ipv6 transfer through the router" transfer 6 '[fd00:2::2]' 8081
check "module still loaded" aq_loaded
check "rmmod" aq_unload
check "ipv4 transfer after rmmod" transfer 4 10.0.2.2 8082
ktap_finished
