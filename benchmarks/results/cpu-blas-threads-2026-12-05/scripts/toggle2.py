"""In one process, rounds alternate: products on OpenBLAS's threads (as now) against products
in bands on Numba's threads (pooled_gemm.py, wired into cpu.matmul as in
pooled_gemm_wiring.diff) with OpenBLAS held at one thread; three training steps.
Needs the pooled module in place (microtorch/backends/numba_kernels/gemm.py).
"""

import timeit
import numpy as np
import os
import sys
import microtorch as L
from microtorch.backends import numba_dispatch as nd
from microtorch.backends.numba_kernels import gemm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inprocess_steps  # noqa: E402

cases = inprocess_steps.step_cases(L, with_matmul=False)
res = {k: [] for k in cases}
for r in range(5):
    for variant in ('off', 'pool1'):
        if variant == 'off':
            nd.POOLED_GEMM_FROM = 1 << 60
            gemm._set_threads(2)
        else:
            nd.POOLED_GEMM_FROM = 1 << 18
            gemm._set_threads(1)
            gemm._set_threads = lambda n, real=gemm._set_threads: 1  # keep 1
        for k, (f, n) in cases.items():
            f()
            res[k].append(min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6)
        if variant != 'off':
            gemm._set_threads = gemm._set_threads.__defaults__[0]
for k, v in res.items():
    off, on = v[0::2], v[1::2]
    print(
        k,
        'off %.0f pool+blas1 %.0f ratio %.2f'
        % (np.median(off), np.median(on), np.median([b / a for a, b in zip(off, on)])),
    )
