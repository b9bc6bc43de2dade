"""The float32 Box-Muller kernel, serial against parallel, by the number of normals: the
crossover behind microtorch._avx_mathfun.PARALLEL_FROM. Run from the repository root:

    python benchmarks/results/cpu-conv-pad-2026-12-06/scripts/box_muller_crossover.py
"""
import os
import sys

import numpy as np

import microtorch as mt
from microtorch.backends.numba_kernels import box_muller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
import timing                                         # noqa: E402

mt.tensor(np.ones(1 << 20, np.float32)).exp()          # threads set up as in training
F = np.float32



print('| normals | serial us | parallel us | parallel / serial |')
print('|---|---|---|---|')
for k in range(10, 21, 2):
    u = np.random.default_rng(0).random((1 << (k - 4), 16)).astype(np.float32)
    a, b = np.empty_like(u), np.empty_like(u)
    serial = timing.upper_median_us(lambda: box_muller.sixteens(u, a, F(0), F(1)), 50)
    parallel = timing.upper_median_us(
        lambda: box_muller.sixteens_parallel(u, b, F(0), F(1)), 50)
    assert (a == b).all()
    print(f'| 2^{k} | {serial:.1f} | {parallel:.1f} | {parallel / serial:.2f} |')
