# A cases file for benchmarks/tree_ab.py (np, L, rng, t, res from the preamble): the tiny
# steps of benchmarks/overhead.py, whose every op passes Function.apply's size checks.
import os, sys
sys.path.insert(0, os.path.join(sys.argv[1], 'benchmarks'))
import overhead
for name in ('scalar_sgd_step', 'elementwise_chain'):
    step = getattr(overhead, name)(L)
    for _ in range(200):
        step()
    res[name] = t(step, 300)
