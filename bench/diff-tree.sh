#!/bin/bash
# rewind diff's comparison engine on the host (no VM, no root): two trees of FILES files (default
# 100000, in directories of 1000) in a temporary directory, the second a copy (cp -a: same
# mtimes) with about 1% changed: 0.4% modified, 0.3% removed, 0.3% added. Prints paths/s, cold
# (caches dropped only when root) and warm. make bench-diff; not part of make check.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${FILES:-100000}
bin=${1:-build/bench/diff-tree}
tmp=$(mktemp -d /tmp/rewind-bench-diff.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

echo "Building $files files in $tmp ..."
mkdir "$tmp/old"
python3 - "$tmp/old" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for d in range((n + 999) // 1000):
    p = os.path.join(root, "d%03d" % d)
    os.mkdir(p)
    for f in range(min(1000, n - d * 1000)):
        with open(os.path.join(p, "file-%04d.conf" % f), "w") as fh:
            fh.write("x" * (f % 64))
PY
cp -a "$tmp/old" "$tmp/new"
python3 - "$tmp/new" "$files" <<'PY'
import os, sys, random
root, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
paths = [os.path.join(root, "d%03d" % (i // 1000), "file-%04d.conf" % (i % 1000)) for i in range(n)]
pick = random.sample(paths, n // 100)
k = len(pick)
for p in pick[: k * 4 // 10]:
    with open(p, "a") as fh:
        fh.write("changed")
for p in pick[k * 4 // 10 : k * 7 // 10]:
    os.unlink(p)
for p in pick[k * 7 // 10 :]:
    with open(p + ".new", "w") as fh:
        fh.write("new")
PY
if [ "$(id -u)" = 0 ]; then
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo -n "cold: "
	"$bin" "$tmp/old" "$tmp/new"
fi
for i in 1 2 3; do
	echo -n "warm: "
	"$bin" "$tmp/old" "$tmp/new"
done
echo -n "warm, --checksum: "
"$bin" --checksum "$tmp/old" "$tmp/new"
