"""The prototype sgemm against NumPy on three shapes, with B's packing timed apart.

KC=256 PF=8 python probe.py
"""

import sys, time, numpy as np

sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
import sgemm
from sgemm import pack_b, MR, KC


def q(f, n=9):
    f()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[n // 2] * 1e3


rng = np.random.default_rng(0)
for m, k, n in [(1024, 256, 1024), (1024, 1024, 1024), (1024, 256, 256)]:
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ub = np.empty(-(-min(n, 1024) // MR) * MR * KC, np.float32)
    print(
        m,
        k,
        n,
        'pack_b %.3f ms' % q(lambda: pack_b(b, 0, min(KC, k), 0, min(n, 1024), ub)),
        'gemm %.3f ms' % q(lambda: sgemm.matmul(a, b)),
        'numpy %.3f' % q(lambda: a @ b),
    )
