#!/usr/bin/env bash
# Test the DKMS packaging on Debian's stock kernels (root; changes the
# machine's DKMS tree and /lib/modules/<kernel>/updates, and undoes it):
#   scripts/dkms-check.sh [--vm ITEM...] [--] [KERNEL...]
# KERNEL: a series (6.1, 6.12: the newest installed headers of it) or a
# full version; default 6.1 and 6.12. For each: dkms add (the sources of
# `make dkms-src`, copied to /usr/src/aquarius-<version>), dkms build (its
# make.log must have no warning), dkms install (the module must land under
# /lib/modules/<kernel>/, be what `modinfo -k <kernel> aquarius` finds, and
# carry the kernel's vermagic), then dkms remove (the module must be gone).
# --vm ITEM...: also boot each kernel in the test VM (tests/vm/run.sh
# --kernel stock-<version>) and run ITEMs with the DKMS-built module
# (under `flock $AQ_VM_LOCK` if that is set).
# Prints KTAP and ends with "dkms: N passed, N failed, N skipped".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

vm_items=() kernels=()
while [ $# -gt 0 ]; do
	case "$1" in
	--vm) shift
	      while [ $# -gt 0 ] && [ "$1" != -- ]; do vm_items+=("$1"); shift; done
	      continue ;;
	--) ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	*) kernels+=("$1") ;;
	esac
	shift
done
[ ${#kernels[@]} -gt 0 ] || kernels=(6.1 6.12)

pass=0 fail=0 skip=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
finish() {
	echo "1..$n"
	echo "dkms: $pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
	exit
}
echo "TAP version 13"

# A kernel series resolves to the newest header package installed for it.
resolve() {
	local h
	case "$1" in
	*-amd64) echo "$1" ;;
	*) h=$(ls -d /usr/src/linux-headers-"$1".*-amd64 2>/dev/null | sort -V | tail -n1)
	   [ -n "$h" ] && echo "${h#/usr/src/linux-headers-}" ;;
	esac
}

if ! command -v dkms >/dev/null; then
	echo "# installing dkms"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dkms >/dev/null
fi
check "dkms is installed" bash -c "command -v dkms >/dev/null"
command -v dkms >/dev/null || finish

name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$top/dkms.conf")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
mkver=$(sed -n 's/^VERSION := //p' "$top/Makefile")
check "dkms.conf version $ver is the Makefile's ($mkver)" test -n "$ver" -a "$ver" = "$mkver"
if dkms status -m "$name" -v "$ver" | grep -q .; then
	echo "# $name/$ver is already in the DKMS tree: remove it first" \
		"(dkms remove $name/$ver --all; rm -rf /usr/src/$name-$ver)"
	notok "$name/$ver not yet registered"
	finish
fi

work=$(mktemp -d)
cleanup() {
	dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1
	rm -rf "/usr/src/$name-$ver" "$work"
}
trap cleanup EXIT

# dkms add copies the folder it is given to /usr/src/<name>-<version>.
make -s -C "$top" dkms-src DKMS_SRC="$work/$name-$ver"
if dkms add "$work/$name-$ver" >"$work/add.log" 2>&1; then
	ok "dkms add (sources in /usr/src/$name-$ver)"
else
	sed 's/^/# /' "$work/add.log"
	notok "dkms add"
	finish
fi

vm_kernels=()
for k in "${kernels[@]}"; do
	kv=$(resolve "$k")
	if [ -z "$kv" ] || [ ! -d "/lib/modules/$kv/build" ]; then
		notok "$k: headers installed (linux-headers-$k*-amd64)"
		continue
	fi
	t=$(date +%s)
	if nice -n 19 dkms build -m "$name" -v "$ver" -k "$kv" >"$work/build-$kv.log" 2>&1; then
		ok "$kv: dkms build ($(( $(date +%s) - t )) s)"
	else
		sed 's/^/# /' "$work/build-$kv.log"
		notok "$kv: dkms build"
		continue
	fi
	mlog=/var/lib/dkms/$name/$ver/$kv/$(uname -m)/log/make.log
	if grep -E 'warning:|error:' "$mlog"; then
		notok "$kv: no compiler warning in $mlog"
	else
		ok "$kv: no compiler warning in the build log"
	fi
	if ! dkms install -m "$name" -v "$ver" -k "$kv" >"$work/install-$kv.log" 2>&1; then
		sed 's/^/# /' "$work/install-$kv.log"
		notok "$kv: dkms install"
		continue
	fi
	ok "$kv: dkms install"
	check "$kv: dkms status says installed" \
		bash -c "dkms status -m '$name' -v '$ver' -k '$kv' 2>/dev/null | grep -q ': installed'"
	# Debian's dkms installs to updates/dkms (over DEST_MODULE_LOCATION) and
	# compresses like the kernel's own modules (xz on 6.12).
	f=$(find "/lib/modules/$kv/updates/dkms" "/lib/modules/$kv/kernel/net/netfilter" \
		-name "$name.ko*" 2>/dev/null | head -n1)
	echo "# installed: ${f:-nothing}"
	check "$kv: module installed under /lib/modules/$kv" test -n "$f"
	[ -n "$f" ] || continue
	found=$(modinfo -k "$kv" -n "$name" 2>/dev/null)
	check "$kv: depmod knows it (modinfo -k $kv -n $name: $found)" test "$found" = "$f"
	vm=$(modinfo -F vermagic "$f" | awk '{print $1}')
	check "$kv: vermagic $vm" test "$vm" = "$kv"
	# The module loads nowhere on the host: its parameters must be readable.
	check "$kv: modinfo lists the vips parameter" bash -c "modinfo -F parm '$f' | grep -q '^vips:'"
	if [ ${#vm_items[@]} -gt 0 ]; then
		mkdir -p "$work/vm-$kv"
		case "$f" in
		*.xz) xz -dc "$f" >"$work/vm-$kv/$name.ko" ;;
		*) cp "$f" "$work/vm-$kv/$name.ko" ;;
		esac
		vm_kernels+=("$kv")
	fi
done

# AQ_VM_LOCK: a lock file that serialises VM runs with other users; held
# once for all the kernels' runs.
if [ ${#vm_kernels[@]} -gt 0 ] && [ -n "${AQ_VM_LOCK:-}" ]; then
	exec 9>>"$AQ_VM_LOCK"
	echo "# waiting for $AQ_VM_LOCK"
	flock 9
fi
for kv in "${vm_kernels[@]}"; do
	echo "# VM run on $kv with the DKMS-built module: ${vm_items[*]}"
	log=$work/vm-$kv.log
	# The runner's module folder must be readable in the guest: keep the
	# copy in the build tree, not under a tmpfs-hidden /tmp.
	mdir=$top/build/dkms-vm/$kv
	rm -rf "$mdir"; mkdir -p "$mdir"; cp "$work/vm-$kv/$name.ko" "$mdir/"
	AQ_VM_MODULE_DIR=$mdir "$top/tests/vm/run.sh" --kernel "stock-$kv" "${vm_items[@]}" 2>&1 |
		tee "$log" | sed 's/^/# /'
	line=$(grep -E '^vm: [0-9]+ passed' "$log" | tail -n1)
	check "$kv: VM run (${line#vm: })" grep -qE '^vm: [0-9]+ passed, 0 failed' "$log"
done
exec 9>&-

for kv in "${kernels[@]}"; do
	kv=$(resolve "$kv") || continue
	[ -n "$kv" ] || continue
	dkms remove -m "$name" -v "$ver" -k "$kv" >"$work/remove-$kv.log" 2>&1 ||
		sed 's/^/# /' "$work/remove-$kv.log"
	left=$(find "/lib/modules/$kv" -name "$name.ko*" 2>/dev/null)
	check "$kv: dkms remove leaves no $name.ko${left:+ (left: $left)}" test -z "$left"
done
dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1
check "the DKMS tree has no $name/$ver left" bash -c "! dkms status -m '$name' -v '$ver' | grep -q ."
finish
