#!/usr/bin/env bash
# Rounds of fresh processes, taking turns: the session's first tree (BEFORE), this tree
# (AFTER), PyTorch. Usage: ab.sh BEFORE_TREE AFTER_TREE ROUNDS OUTDIR
# PyTorch runs with the heap thresholds microtorch sets for itself (backends/heap.py): with
# glibc's defaults its 64 MiB outputs are fresh pages each call, and page faults.
set -eu
before=$1 after=$2 rounds=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
mkdir -p "$out"
for r in $(seq 1 "$rounds"); do
  (cd "$before" && PYTHONPATH="$before" "$py" "$here/ops.py" > "$out/before_$r.txt")
  (cd "$after" && PYTHONPATH="$after" "$py" "$here/ops.py" > "$out/after_$r.txt")
  MALLOC_MMAP_THRESHOLD_=134217728 MALLOC_TRIM_THRESHOLD_=536870912 LIB=torch \
    "$py" "$here/ops.py" > "$out/torch_$r.txt"
done
