import os, sys, time
os.environ.setdefault('OPENBLAS_NUM_THREADS', '2')
sys.path.insert(0, os.getcwd())
import numpy as np, microtorch as mt
# Usage: PYTHONPATH=<tree> python big_ops.py [case ...]; MT_ONLY=1: microtorch alone (PyTorch
# timed in the same process after Numba's kernels was erratic here: 4 ms or 130 ms for exp).
torch = None if os.environ.get('MT_ONLY') else __import__('torch')
if torch is not None:
    torch.set_num_threads(2)
rng = np.random.default_rng(0)
X = rng.standard_normal((4096, 4096)).astype(np.float32)
T = rng.integers(0, 4096, 4096)
V = rng.standard_normal(1 << 24).astype(np.float32)
def med(f, r=5):
    f(); ts = []
    for _ in range(r):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts)//2] * 1e3
def cases(lib):
    x = lib.tensor(X); t = lib.tensor(T); v = lib.tensor(V); F = lib.nn.functional
    vp = lib.tensor(np.abs(V) + 0.1)
    xg = lib.tensor(X, requires_grad=True); vg = lib.tensor(V, requires_grad=True)
    return {
      'softplus': lambda: F.softplus(v),
      'pow 2.5': lambda: vp ** 2.5,
      'pow 3': lambda: v ** 3,
      'sum(-1)': lambda: x.sum(-1),
      'sum all': lambda: x.sum(),
      'softmax': lambda: x.softmax(-1),
      'log_softmax': lambda: x.log_softmax(-1),
      'logsumexp': lambda: x.logsumexp(-1),
      'cross_entropy': lambda: F.cross_entropy(x, t),
      'sigmoid': lambda: v.sigmoid(),
      'exp': lambda: v.exp(),
      'log': lambda: vp.log(),
      'tanh': lambda: v.tanh(),
      'softmax(0)': lambda: x.softmax(0),
      'softmax f+b': lambda: xg.softmax(-1).sum().backward(),
      'ce f+b': lambda: F.cross_entropy(xg, t).backward(),
      'lsm f+b': lambda: xg.log_softmax(-1).sum().backward(),
      'sigmoid f+b': lambda: vg.sigmoid().sum().backward(),
      'softplus f+b': lambda: F.softplus(vg).sum().backward(),
      'mse f+b': lambda: F.mse_loss(vg, v).backward(),
    }
a, b = cases(mt), (cases(torch) if torch is not None else None)
only = sys.argv[1:]
for k in a:
    if only and k not in only: continue
    m = med(a[k])
    if b is None:
        print(f'{k:14s} mt {m:7.2f} ms')
        continue
    t = med(b[k])
    print(f'{k:14s} mt {m:7.2f} ms torch {t:7.2f} ms ratio {m/t:5.2f}')
