"""Small ops, one library per process: python small_ops.py torch|microtorch, printing
`case microseconds` (best of 7 repeats of 300 calls, under no_grad)."""
import sys
import timeit

import numpy as np

from libraries import library

L = library(sys.argv[1])
F = L.nn.functional
rng = np.random.default_rng(0)
x10 = L.tensor(rng.standard_normal((256, 10)).astype(np.float32))
x64 = L.tensor(rng.standard_normal((256, 64)).astype(np.float32))
tg = L.tensor(rng.integers(0, 10, 256))
w = L.tensor(rng.standard_normal((64, 64)).astype(np.float32))
cases = {
    'softmax(256,10)': lambda: x10.softmax(1),
    'log_softmax(256,10)': lambda: x10.log_softmax(1),
    'cross_entropy(256,10)': lambda: F.cross_entropy(x10, tg),
    'layer_norm(256,64)': lambda: F.layer_norm(x64, (64,)),
    'sum1(256,64)': lambda: x64.sum(1),
    'relu(256,64)': lambda: x64.relu(),
    'mul(256,64)': lambda: x64 * x64,
    'matmul(256,64)x(64,64)': lambda: x64 @ w,
    'sigmoid(256,64)': lambda: x64.sigmoid(),
    'tanh(256,64)': lambda: x64.tanh(),
    'mean(256,64)': lambda: x64.mean(),
    'amax1(256,64)': lambda: x64.amax(1),
}
with L.no_grad():
    for name, f in cases.items():
        f()
        t = min(timeit.repeat(f, number=300, repeat=7)) / 300 * 1e6
        print(f'{name} {t:.1f}')
