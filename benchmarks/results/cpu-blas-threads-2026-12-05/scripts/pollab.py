"""OpenBLAS's idle polling shortened at run time (NumPy imported first): in one process,
rounds alternate OPENBLAS_THREAD_TIMEOUT 28 (OpenBLAS's default) and 14, each set by
re-reading the environment (openblas_read_env) and restarting OpenBLAS's threads
(blas_thread_shutdown_), and time four steps.

    python pollab.py ROUNDS
"""
import os, sys, ctypes, glob, timeit
import numpy as np
import microtorch as L
F, nn = L.nn.functional, L.nn
L.tensor(np.ones(1 << 15, np.float32)).sum()
lib = ctypes.CDLL(glob.glob(os.path.dirname(np.__file__) + '/../numpy.libs/libscipy_openblas64_*.so')[0])
def set_timeout(v):
    os.environ['OPENBLAS_THREAD_TIMEOUT'] = v
    lib.openblas_read_env(); lib.blas_thread_shutdown_()
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
a = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
b = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
cases = {'small MLP': (lambda: (sgd.zero_grad(), F.mse_loss(small(x1), L.sin(3 * x1)).backward(), sgd.step()), 30),
         'README step': (adam_step(main, x2, L.sin(3 * x2), 3e-3), 8),
         'big MLP': (adam_step(big, xb, yb, 1e-3), 2),
         'matmul f+b': (lambda: (a @ b).backward(g), 2)}
res = {k: [] for k in cases}
for r in range(int(sys.argv[1])):
    for v in (('28', '14') if r % 2 == 0 else ('14', '28')):
        set_timeout(v)
        for k, (f, n) in cases.items():
            f()
            res[k].append((v, min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6))
for k, v in res.items():
    d = {'28': [t for x, t in v if x == '28'], '14': [t for x, t in v if x == '14']}
    ratios = [b / a for a, b in zip(d['28'], d['14'])]
    print(f'| {k} | {np.median(d["28"]):.0f} | {np.median(d["14"]):.0f} | {np.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |')
