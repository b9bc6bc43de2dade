"""In one process, rounds alternate: products on OpenBLAS's threads (as now) against products
in bands on Numba's threads (pooled_gemm.py, wired into cpu.matmul as in
pooled_gemm_wiring.diff) with OpenBLAS held at one thread; three training steps.
Needs the pooled module in place (microtorch/backends/numba_kernels/gemm.py).
"""
import timeit
import numpy as np
import microtorch as L
from microtorch.backends import numba_dispatch as nd
from microtorch.backends.numba_kernels import gemm
F, nn = L.nn.functional, L.nn
L.tensor(np.ones(1 << 15, np.float32)).sum()
rng = np.random.default_rng(0)
def adam_step(model, x, y, lr):
    opt = L.optim.Adam(model.parameters(), lr=lr)
    return lambda: (opt.zero_grad(), F.mse_loss(model(x), y).backward(), opt.step())
x1 = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
small = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(), nn.Linear(64, 1))
sgd = L.optim.SGD(small.parameters(), lr=0.05)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, 1))
big = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1))
xb = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
yb = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
cases = {'small': (lambda: (sgd.zero_grad(), F.mse_loss(small(x1), L.sin(3 * x1)).backward(), sgd.step()), 30),
         'readme': (adam_step(main, x2, L.sin(3 * x2), 3e-3), 8),
         'big': (adam_step(big, xb, yb, 1e-3), 2)}
res = {k: [] for k in cases}
for r in range(5):
    for variant in ('off', 'pool1'):
        if variant == 'off':
            nd.POOLED_GEMM_FROM = 1 << 60; gemm._set_threads(2)
        else:
            nd.POOLED_GEMM_FROM = 1 << 18; gemm._set_threads(1)
            gemm._set_threads = lambda n, real=gemm._set_threads: 1   # keep 1
        for k, (f, n) in cases.items():
            f()
            res[k].append(min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6)
        if variant != 'off':
            gemm._set_threads = gemm._set_threads.__defaults__[0]
for k, v in res.items():
    off, on = v[0::2], v[1::2]
    print(k, 'off %.0f pool+blas1 %.0f ratio %.2f' % (np.median(off), np.median(on), np.median([b / a for a, b in zip(off, on)])))
