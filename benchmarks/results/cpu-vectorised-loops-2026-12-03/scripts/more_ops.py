"""Ops on 4096 x 4096 float32, median ms of 5 calls after one.
    PYTHONPATH=<tree> python more_ops.py [case ...]            # microtorch
    LIB=torch python more_ops.py [case ...]                    # PyTorch, 2 threads
(PyTorch was run alone with MALLOC_MMAP_THRESHOLD_=134217728 MALLOC_TRIM_THRESHOLD_=536870912,
the heap thresholds microtorch sets for itself.)"""
import os
import sys
import time

import numpy as np

lib = __import__(os.environ.get('LIB', 'microtorch'))
if lib.__name__ == 'torch':
    lib.set_num_threads(2)
X = np.random.default_rng(0).standard_normal((4096, 4096)).astype(np.float32)


def med(f, r=5):
    f()
    ts = []
    for _ in range(r):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1e3


x = lib.tensor(X)
xg = lib.tensor(X, requires_grad=True)
F = lib.nn.functional
w = lib.ones(4096, requires_grad=True)
b = lib.zeros(4096, requires_grad=True)
cases = {'mean(-1)': lambda: x.mean(-1), 'var(-1)': lambda: x.var(-1),
         'std(-1)': lambda: x.std(-1), 'var all': lambda: x.var(),
         'layer_norm': lambda: F.layer_norm(x, (4096,)),
         'layer_norm f+b': lambda: F.layer_norm(xg, (4096,), w, b).sum().backward(),
         'amax(-1)': lambda: x.amax(-1), 'max(-1)': lambda: x.max(-1), 'norm': lambda: x.norm(),
         'relu f+b': lambda: xg.relu().sum().backward(), 'gelu': lambda: F.gelu(x),
         'silu': lambda: F.silu(x), 'x*y+z': lambda: x * x + x,
         'where': lambda: lib.where(x > 0, x, 0.0), 'clamp': lambda: x.clamp(-1, 1),
         'cumsum(-1)': lambda: x.cumsum(-1), 'transpose copy': lambda: x.t().contiguous()}
only = sys.argv[1:]
for k, f in cases.items():
    if not only or k in only:
        print(f'{k:16s} {med(f):7.2f} ms')
