#!/usr/bin/env bash
# Builds the test queue worker as one static binary (it also runs in a busybox image) into out/worker and
# prints its path. Rebuilds only when worker.c is newer than the binary.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/out/worker"
mkdir -p "$here/out"
if [[ ! -x "$out" || "$here/worker.c" -nt "$out" ]]; then
    gcc -static -O2 -Wall -Wextra -o "$out.tmp" "$here/worker.c"
    mv "$out.tmp" "$out"
fi
echo "$out"
