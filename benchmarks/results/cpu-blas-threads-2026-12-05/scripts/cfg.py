"""In one process: sigmoid, tanh and a chain, forward and backward at 2^15-2^18, as routed
now against every family parallel from 2^15 (numba_dispatch.configure).

    [GOMP_SPINCOUNT=3000] python cfg.py
"""

import timeit
import numpy as np
import microtorch as L
from microtorch.backends import numba_dispatch as nd

L.tensor(np.ones(1 << 15, np.float32)).sum()


def t(f, k=200):
    return min(timeit.repeat(f, number=k, repeat=5)) / k * 1e6


rng = np.random.default_rng(0)
cases = {}
for n in (1 << 15, 1 << 16, 1 << 17, 1 << 18):
    xg = L.tensor(rng.standard_normal((n // 256, 256)).astype(np.float32), requires_grad=True)
    gy = L.tensor(rng.standard_normal((n // 256, 256)).astype(np.float32))
    cases[f'sigmoid f+b {n}'] = lambda xg=xg, gy=gy: L.sigmoid(xg).backward(gy)
    cases[f'tanh f+b {n}'] = lambda xg=xg, gy=gy: L.tanh(xg).backward(gy)
    cases[f'chain f+b {n}'] = lambda xg=xg: (L.tanh(L.sigmoid(xg) * xg + 1)).sum().backward()
res = {k: [] for k in cases}
for r in range(3):
    for k, f in cases.items():
        f()
        a = t(f)
        with nd.configure(min_size=1 << 15):
            f()
            b = t(f)
        res[k].append((a, b))
for k, v in res.items():
    print(
        f'{k:22s} now {np.median([a for a, b in v]):7.1f}'
        f'  all-parallel {np.median([b for a, b in v]):7.1f}'
        f'  ratio {np.median([b / a for a, b in v]):.2f}'
    )
