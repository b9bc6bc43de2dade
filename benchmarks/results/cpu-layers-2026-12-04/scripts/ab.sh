#!/bin/bash
# Three rounds of SCRIPT (conv_ab.py or pool_ab.py), the libraries taking turns in fresh
# processes, each with the heap thresholds microtorch sets for itself.
# Usage: ab.sh SCRIPT BEFORE_CHECKOUT AFTER_CHECKOUT OUT_DIR (the checkouts' folder names tag
# the files; PyTorch's are torch.<round>.json).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
script=$1 before=$2 after=$3 out=$4
mkdir -p "$out"
for round in 1 2 3; do
  for lib in "$before" "$after" torch; do
    MALLOC_MMAP_THRESHOLD_=134217728 MALLOC_TRIM_THRESHOLD_=536870912 \
      python "$here/$script" "$lib" > "$out/$(basename "$lib").$round.json"
  done
done
python "$here/summarize.py" "$out" "$(basename "$before")" "$(basename "$after")"
