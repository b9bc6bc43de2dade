#!/bin/bash
# The tiny workloads at two checkouts, taking turns, then callgrind's instruction counts.
#   bash ab_tape.sh BEFORE_CHECKOUT AFTER_CHECKOUT OUT_DIR [PAIRS]
# Each checkout is imported through PYTHONPATH (a `git worktree` of each commit will do).
# Nothing else may run meanwhile: the small MLP uses both cores of a 2-core machine.
set -e
before=$(realpath "$1"); after=$(realpath "$2"); out=$(realpath -m "$3"); pairs=${4:-2}
mkdir -p "$out"
export MALLOC_MMAP_THRESHOLD_=134217728 MALLOC_TRIM_THRESHOLD_=536870912
workloads=scalar_sgd_step,elementwise_chain,small_mlp
for r in $(seq "$pairs"); do
  for side in before after; do
    root=${!side}
    (cd "$root" && PYTHONPATH="$root" python benchmarks/cpu_speed.py --sections workloads \
       --rounds 5 --workloads "$workloads" --out "$out/$side$r" > "$out/$side$r.txt" 2>&1)
  done
done
for side in before after; do
  root=${!side}
  (cd "$root" && PYTHONPATH="$root" python benchmarks/instructions.py --steps 300 \
     > "$out/instructions_$side.txt" 2>&1)
done
