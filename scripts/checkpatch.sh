#!/usr/bin/env bash
# checkpatch.pl (from the test kernel's source) on every kernel-side file.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$("$top/tests/vm/build-kernel.sh")
cp=$kdir/src/scripts/checkpatch.pl
cd "$top"
files=$(ls kmod/*.[ch] uapi/linux/*.h tests/kunit/*.[ch] tests/vm/broken/*.c)
# --no-tree: we are not in a kernel tree. The ignored types are about
# in-tree patches (MAINTAINERS, file moves), not about the code.
perl "$cp" --no-tree --terse --show-types --strict \
	--ignore FILE_PATH_CHANGES,MAINTAINERS_STYLE \
	-f $files | tee build/checkpatch.log || true
if grep -qE '(ERROR|WARNING|CHECK):' build/checkpatch.log; then
	echo "checkpatch: problems found" >&2
	exit 1
fi
echo "checkpatch: clean ($(echo "$files" | wc -w) files)"
