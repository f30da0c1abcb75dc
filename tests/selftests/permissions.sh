#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# aq-timeout: 400
# Permissions of the export and the control plane:
#  - the device is 0444 (the module's miscdevice mode; no udev rule
#    changes it): user nobody opens it read-only and maps a region, but
#    cannot open it for writing; with the mode set to 0400 nobody cannot
#    open it at all, root still can;
#  - PROT_WRITE (shared or private, with O_RDONLY or O_RDWR descriptors),
#    a later mprotect() to write and mremap() past the region fail;
#  - offsets not page aligned (EINVAL), inside a region or of no VIP
#    (ENXIO), lengths past a region or spanning two regions (EINVAL) fail;
#  - netlink writes get EPERM as user nobody, and as root of a user
#    namespace of its own (CAP_NET_ADMIN there, not in the initial user
#    namespace); lb_netlink.sh covers root without CAP_NET_ADMIN;
#  - a process in another network namespace sees none of the host's VIPs:
#    /proc/net/aquarius, the netlink dump and mmap at the host's offsets;
#    after it creates a VIP of its own, offset 0 maps that VIP, not the
#    host's.
# Helpers: tools/perm_check.py (mmap, mprotect, mremap, open cases),
# tools/genl_cases.py (netlink EPERM).
# shellcheck disable=SC2154 # the namespaces are set by setup_ns (lib.sh)
. "$(dirname "$0")/lib.sh"
TOOLS=$(cd "$(dirname "$0")/tools" && pwd)
PY=/usr/bin/python3
VIPS="web/tcp/10.0.0.10:80/10.0.2.2:8080;web6/tcp/[fd00::10]:80/[fd00:2::2]:8080"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
	--bounding-set=-all)

ktap_print_header
require_cmd setpriv unshare "$PY"

# The unprivileged runs use a copy every user can read.
public_copy PUB "$TOOLS" || { ktap_test_fail "readable copy of the tools"; ktap_finished; }
aq_load "vips=$VIPS" || { ktap_test_fail "insmod"; ktap_finished; }
defer 'aq_loaded && rmmod aquarius'
check "/proc/net/aquarius is 0444" \
	bash -c '[ "$(stat -c %a /proc/net/aquarius)" = 444 ]'

run_cases "nobody" "${NOBODY[@]}" "$PY" "$PUB/perm_check.py" reader web
run_cases "root" "$PY" "$TOOLS/perm_check.py" writer web
run_cases "nobody" "${NOBODY[@]}" "$PY" "$PUB/perm_check.py" ranges web
run_cases "root" "$PY" "$TOOLS/perm_check.py" ranges web6

# An administrator may restrict the device; the mode is what counts.
chmod 0400 /dev/aquarius
run_cases "mode 0400, nobody" "${NOBODY[@]}" "$PY" "$PUB/perm_check.py" no-open
check "mode 0400, root still maps web" bash -c \
	"'$PY' '$TOOLS/perm_check.py' own web >/dev/null"
chmod 0444 /dev/aquarius

run_cases "netlink as nobody" "${NOBODY[@]}" "$PY" "$PUB/genl_cases.py" eperm
run_cases "netlink as root of a new user namespace" \
	unshare --user --map-root-user "$PY" "$TOOLS/genl_cases.py" eperm
# In a user namespace and a network namespace of its own, still EPERM:
# the family needs CAP_NET_ADMIN in the initial user namespace.
out=$(unshare --user --map-root-user --net "$PY" - "$TOOLS" <<-'EOF' 2>&1
	import sys
	sys.path.insert(0, sys.argv[1])
	from genl import A, CMD, Aquarius, addr, string, u8, u16, ERRNO
	nl = Aquarius()
	err, ext, _ = nl.request(CMD["VIP_NEW"], string(A["VIP_NAME"], "mine"),
	                         addr(A["VIP_ADDR"], "10.9.9.9"),
	                         u16(A["VIP_PORT"], 80), u8(A["VIP_PROTO"], 6))
	print(ERRNO.get(err, err) if err else "success")
	EOF
)
check_out() { [ "$out" = EPERM ] || { ktap_print_msg "got: $out"; false; }; }
check "VIP_NEW in its own user and network namespace: EPERM" check_out

# Another network namespace: none of the host's VIPs.
setup_ns other || { ktap_test_fail "namespace"; ktap_finished; }
offs=$(awk '$1 == "vip" { print $7 }' /proc/net/aquarius | tr '\n' ' ')
ktap_print_msg "host regions at: $offs"
# shellcheck disable=SC2086 # one argument per offset
run_cases "other netns" ip netns exec "$other" "${NOBODY[@]}" \
	"$PY" "$PUB/perm_check.py" foreign $offs
run_cases "other netns" ip netns exec "$other" "$PY" "$TOOLS/genl_cases.py" \
	create mine 10.9.0.100
run_cases "other netns" ip netns exec "$other" "$PY" "$TOOLS/perm_check.py" own mine
check "other netns lists only its own VIP" bash -c \
	"[ \"\$(ip netns exec '$other' awk '\$1 == \"vip\" { print \$2 }' /proc/net/aquarius)\" = mine ]"
check "the host still lists exactly web and web6" bash -c \
	"[ \"\$(awk '\$1 == \"vip\" { print \$2 }' /proc/net/aquarius | sort | tr '\n' ' ')\" = 'web web6 ' ]"
ktap_finished
