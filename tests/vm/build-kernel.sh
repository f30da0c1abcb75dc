#!/usr/bin/env bash
# Build (once) the debug test kernel from Debian's linux-source-6.12 and the
# committed fragment kernel.config. The result is cached in
# $AQ_CACHE/kernel-<key>/ (key: source version, fragment, this script):
#   obj/            the O= build tree, used to build out-of-tree modules
#   obj/arch/x86/boot/bzImage
#   modroot/        modules_install of the in-tree modules (conntrack, IPVS...)
#   ok              written last: the cache entry is complete
# Prints the cache directory on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

dir=$(aq_kernel_dir)
mkdir -p "$AQ_CACHE"
exec 9>"$dir.lock"
flock 9

if [ -f "$dir/ok" ]; then
	echo "$dir"
	exit 0
fi

log() { echo "build-kernel: $*" >&2; }
[ -f "$AQ_KSRC_TARBALL" ] || { log "missing $AQ_KSRC_TARBALL (run scripts/install-deps.sh)"; exit 1; }

rm -rf "$dir"
mkdir -p "$dir"
log "extracting $(basename "$AQ_KSRC_TARBALL") into $dir/src"
tar -C "$dir" -xf "$AQ_KSRC_TARBALL"
mv "$dir/linux-source-6.12" "$dir/src"

jobs=$(( $(nproc) + 1 ))
kmake() { make -C "$dir/src" O="$dir/obj" ARCH=x86_64 -j"$jobs" "$@"; }

kmake tinyconfig >/dev/null
cat "$AQ_VM_DIR/kernel.config" >>"$dir/obj/.config"
kmake olddefconfig >"$dir/config.log" 2>&1 || { cat "$dir/config.log" >&2; exit 1; }

# Every line of the fragment must have survived olddefconfig.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) grep -qxF "$line" "$dir/obj/.config" || { log "dropped by Kconfig: $line"; bad=1; } ;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		if grep -q "^$opt=" "$dir/obj/.config"; then log "forced on by Kconfig: $opt"; bad=1; fi ;;
	esac
done <"$AQ_VM_DIR/kernel.config"
[ "$bad" = 0 ] || exit 1

log "building bzImage and modules with -j$jobs (about 10 minutes)"
start=$(date +%s)
kmake bzImage modules >"$dir/build.log" 2>&1 || { tail -50 "$dir/build.log" >&2; exit 1; }
kmake INSTALL_MOD_PATH="$dir/modroot" modules_install >/dev/null
log "built in $(( $(date +%s) - start )) s"
# The sources are only needed through obj/source for module builds; keep them.
touch "$dir/ok"
echo "$dir"
