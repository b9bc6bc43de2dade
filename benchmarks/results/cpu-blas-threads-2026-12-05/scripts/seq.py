"""sigmoid forward, its backward and a leaf-style `+=`, one after another as a backward runs
them, each timed in place: NumPy's in-place add, a parallel Numba add, a serial one.
"""

import time, numpy as np, numba
from numba import prange
import microtorch as L
from microtorch.backends import cpu

L.tensor(np.ones(1 << 15, np.float32)).sum()


@numba.njit(parallel=True)
def padd(a, b):
    for i in prange(a.size):
        a[i] += b[i]


@numba.njit
def sadd(a, b):
    for i in range(a.size):
        a[i] += b[i]


for n in (1 << 16, 1 << 17, 1 << 18):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n // 256, 256)).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    cur = g.copy()
    padd(cur.reshape(-1), g.reshape(-1))
    sadd(cur.reshape(-1), g.reshape(-1))
    for mode in ('numpy add', 'parallel add', 'serial add'):
        ts = np.zeros(3)
        reps = 300
        best = None
        for rep in range(5):
            ts = np.zeros(3)
            for i in range(reps):
                t0 = time.perf_counter()
                y = cpu.sigmoid_forward(x)
                t1 = time.perf_counter()
                gx = cpu.sigmoid_backward(y, g)
                t2 = time.perf_counter()
                if mode == 'numpy add':
                    cur += gx
                elif mode == 'parallel add':
                    padd(cur.reshape(-1), gx.reshape(-1))
                else:
                    sadd(cur.reshape(-1), gx.reshape(-1))
                t3 = time.perf_counter()
                ts += (t1 - t0, t2 - t1, t3 - t2)
            ts = ts / reps * 1e6
            if best is None or ts.sum() < best.sum():
                best = ts
        print(
            n,
            f'{mode:13s} fwd {best[0]:6.1f} bwd {best[1]:6.1f} '
            f'add {best[2]:6.1f} total {best.sum():6.1f}',
        )
