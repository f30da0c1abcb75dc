#!/usr/bin/env bash
# Test `make install` into a scratch DESTDIR (host only, nothing installed
# on the machine): scripts/install-check.sh [KDIR]
# KDIR: a kernel build tree (default: the newest Debian 6.12 headers).
# Lists every file installed and checks each expected one, the module's
# vermagic, the unit's ExecStart, that the tools run, and that a C program
# builds against the installed headers and library alone.
# Prints KTAP and ends with "install: N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:-$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -n1)}

pass=0 fail=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
finish() {
	echo "1..$n"
	echo "install: $pass passed, $fail failed, 0 skipped"
	[ "$fail" = 0 ]
	exit
}
echo "TAP version 13"
[ -n "$kdir" ] && [ -f "$kdir/Makefile" ] || { notok "a kernel build tree (linux-headers-6.12.*)"; finish; }
krel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")

d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
prefix=/usr/local
if nice -n 19 make -s -C "$top" install DESTDIR="$d" KDIR="$kdir" >"$d.log" 2>&1; then
	ok "make install DESTDIR=... KDIR=$kdir"
else
	sed 's/^/# /' "$d.log"
	notok "make install DESTDIR=... KDIR=$kdir"
	rm -f "$d.log"
	finish
fi
# What kbuild says on the way, for the record (no System.map in a header
# package: it skips depmod).
sed 's/^/# make: /' "$d.log"
rm -f "$d.log"
(cd "$d" && find . ! -type d | sort | sed 's/^\./# installed: /')

for f in "$prefix/sbin/aqctl" "$prefix/sbin/aquariusd"; do
	check "$f, mode 755" test "$(stat -c %a "$d$f" 2>/dev/null)" = 755
done
for f in "$prefix/share/man/man8/aqctl.8" "$prefix/share/man/man8/aquariusd.8" \
	"$prefix/share/doc/aquarius/aquariusd.conf.example" \
	/lib/systemd/system/aquariusd.service "$prefix/lib/libaquarius.a" \
	"$prefix/include/libaquarius.h" "$prefix/include/aquarius_shm.h" \
	"$prefix/include/linux/aquarius.h"; do
	check "$f, mode 644" test "$(stat -c %a "$d$f" 2>/dev/null)" = 644
done
ko=$(find "$d/lib/modules/$krel/updates" -name 'aquarius.ko*' 2>/dev/null | head -n1)
check "module in /lib/modules/$krel/updates (${ko#"$d"})" test -n "$ko"
if [ -n "$ko" ]; then
	vm=$(modinfo -F vermagic "$ko" | awk '{print $1}')
	check "module vermagic $vm" test "$vm" = "$krel"
fi
check "nothing outside /lib and $prefix" \
	test -z "$(cd "$d" && find . ! -type d ! -path './lib/*' ! -path ".$prefix/*")"
unit=$d/lib/systemd/system/aquariusd.service
check "unit: ExecStart=$prefix/sbin/aquariusd" grep -q "^ExecStart=$prefix/sbin/aquariusd " "$unit"
check "unit: no @placeholder@ left" bash -c "! grep -q '@[A-Z]*@' '$unit'"
if command -v man >/dev/null; then
	for m in aqctl aquariusd; do
		check "man page $m.8 renders" bash -c \
			"MANWIDTH=80 man -l '$d$prefix/share/man/man8/$m.8' 2>&1 | grep -q '^NAME'"
	done
fi
# aqctl: usage errors exit 2 (aqctl.8); aquariusd -h prints its usage.
"$d$prefix/sbin/aqctl" --no-such-option >/dev/null 2>&1
check "installed aqctl runs (usage error exits 2)" test $? = 2
check "installed aquariusd runs (-h)" bash -c "'$d$prefix/sbin/aquariusd' -h 2>&1 | grep -qi usage"

# A reader built from the installed files only.
cat >"$d/reader.c" <<'EOF'
#include <libaquarius.h>
#include <aquarius_shm.h>
int main(void)
{
	struct aq_vip_list list = { 0 };

	aq_vip_list_free(&list);
	return aq_decay(0) == 1.0 ? 0 : 1;
}
EOF
check "a C program builds and runs against the installed headers and library" bash -c \
	"cc -Wall -Werror -I'$d$prefix/include' -o '$d/reader' '$d/reader.c' \
	 '$d$prefix/lib/libaquarius.a' -lm && '$d/reader'"
finish
