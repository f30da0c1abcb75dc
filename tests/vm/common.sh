# Shared settings of the VM runner; sourced, not run.
# shellcheck shell=bash

AQ_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AQ_TOP=$(cd "$AQ_VM_DIR/../.." && pwd)
# The kernel cache lives outside the repo and survives fresh clones.
AQ_CACHE=${AQ_CACHE:-/var/cache/aquarius}
AQ_KSRC_TARBALL=${AQ_KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

# The cache key: Debian's source version, the fragment and the build recipe.
aq_kernel_key() {
	local ver
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null || echo unknown)
	{ echo "$ver"; cat "$AQ_VM_DIR/kernel.config" "$AQ_VM_DIR/build-kernel.sh"; } |
		sha256sum | cut -c1-16
}

aq_kernel_dir() { echo "$AQ_CACHE/kernel-$(aq_kernel_key)"; }

# Delete cached kernels of other keys (stale fragments or sources), unless
# a build of theirs is under way. Each entry takes about 2 GB.
aq_prune_kernels() {
	local keep d
	keep=$(aq_kernel_dir)
	for d in "$AQ_CACHE"/kernel-*; do
		[ -d "$d" ] && [ "$d" != "$keep" ] || continue
		(
			exec 9>"$d.lock"
			flock -n 9 || exit 0
			rm -rf "$d"
			rm -f "$d.lock"
		)
	done
}

# aq_stock_version SERIES|VERSION: the newest Debian kernel of a series
# (6.1, 6.12) or an exact version (6.1.0-56-amd64) with both its image
# (/boot/vmlinuz-*) and its modules and headers (/lib/modules/*/) installed.
aq_stock_version() {
	local v best=""
	for v in /boot/vmlinuz-"$1"*; do
		v=${v#/boot/vmlinuz-}
		case "$v" in "$1"|"$1".*-amd64|"$1"-*-amd64) ;; *) continue ;; esac
		if [ -d "/lib/modules/$v/build" ] && [ -d "/lib/modules/$v/kernel" ]; then
			best=$(printf '%s\n%s\n' "$best" "$v" | sort -V | tail -n1)
		fi
	done
	[ -n "$best" ] || {
		echo "no stock kernel $1 with image and headers installed" \
			"(linux-image-$1*-amd64 and linux-headers-$1*-amd64)" >&2
		return 1
	}
	echo "$best"
}
