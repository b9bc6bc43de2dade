"""Ops on 4096 x 4096 float32 (pooling and convolution on the same 2^24 elements as
16 x 16 x 256 x 256, topk and embedding on its rows), median ms of 5 calls after one.
    PYTHONPATH=<tree> python ops.py [case ...]         # microtorch (the tree's)
    LIB=torch python ops.py [case ...]                 # PyTorch, 2 threads
Each library (and tree) in processes of its own: PyTorch timed in a process after Numba's
kernels was erratic here (sixteenth session)."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from timing import median_seconds     # noqa: E402  (benchmarks/timing.py)

lib = __import__(os.environ.get('LIB', 'microtorch'))
if lib.__name__ == 'torch':
    lib.set_num_threads(2)
X = np.random.default_rng(0).standard_normal((4096, 4096)).astype(np.float32)
IDX = np.random.default_rng(1).integers(0, 4096, 4096)


def med(f):
    return median_seconds(lambda i: f(), 'cpu', repeats=5, warmup=1) * 1e3


x = lib.tensor(X)
xg = lib.tensor(X, requires_grad=True)
x4 = x.view(16, 16, 256, 256)
x4g = lib.tensor(X.reshape(16, 16, 256, 256), requires_grad=True)
w = lib.ones(16, 16, 3, 3, requires_grad=True)
idx = lib.tensor(IDX)
F = lib.nn.functional
ln_w, ln_b = lib.ones(4096, requires_grad=True), lib.zeros(4096, requires_grad=True)
cases = {
    'silu': lambda: F.silu(x),
    'silu f+b': lambda: F.silu(xg).sum().backward(),
    'elu f+b': lambda: F.elu(xg).sum().backward(),
    'gelu': lambda: F.gelu(x),
    'gelu f+b': lambda: F.gelu(xg).sum().backward(),
    'gelu tanh': lambda: F.gelu(x, approximate='tanh'),
    'gelu tanh f+b': lambda: F.gelu(xg, approximate='tanh').sum().backward(),
    'topk 5': lambda: x.topk(5, -1),
    'transpose copy': lambda: x.t().contiguous(),
    'where': lambda: lib.where(x > 0, x, 0.0),
    'dropout': lambda: F.dropout(x, 0.1),
    'max_pool2d': lambda: F.max_pool2d(x4, 2),
    'max_pool2d f+b': lambda: F.max_pool2d(x4g, 2).sum().backward(),
    'conv2d': lambda: F.conv2d(x4[:4], w),
    'conv2d f+b': lambda: F.conv2d(x4g[:4], w).sum().backward(),
    'embedding f+b': lambda: F.embedding(idx, xg).sum().backward(),
    'layer_norm': lambda: F.layer_norm(x, (4096,)),
    'layer_norm f+b': lambda: F.layer_norm(xg, (4096,), ln_w, ln_b).sum().backward(),
    'sum(-1)': lambda: x.sum(-1),                       # unchanged: a reference
}
only = sys.argv[1:]
for k, f in cases.items():
    if not only or k in only:
        print(f'{k:16s} {med(f):8.2f} ms', flush=True)
