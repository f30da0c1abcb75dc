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
