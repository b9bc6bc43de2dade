"""The prototype sgemm against NumPy in GFLOP/s on five shapes (median of 9, two passes).

[NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1] KC=256 PF=8 python bench.py
"""

import sys, time, numpy as np

sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
import sgemm


def q(f, n=9):
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[n // 2]


rng = np.random.default_rng(0)
for m, k, n in [
    (1024, 1024, 1024),
    (1024, 256, 1024),
    (1024, 256, 256),
    (256, 1024, 256),
    (500, 1001, 333),
]:
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    row = []
    for r in range(2):
        tn, to = q(lambda: sgemm.matmul(a, b)), q(lambda: a @ b)
        row.append(f'{2*m*n*k/tn/1e9:.0f}/{2*m*n*k/to/1e9:.0f}')
    print(f'{m}x{k}x{n}: GF/s ours/numpy', ' '.join(row))
