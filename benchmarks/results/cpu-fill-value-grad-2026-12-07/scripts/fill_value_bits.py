"""Calls whose 0-dim value gradient differs from PyTorch's, masked_fill and index_fill:
    PYTHONPATH=TREE python fill_value_bits.py
100 random inputs each (float32 and float64, 1-d to 3-d, up to 40,000 elements, masks of
1-90% True, some broadcast from the last dim)."""
import numpy as np
import torch

import microtorch

rng = np.random.default_rng(0)
counts = {}
for case in range(200):
    dtype = (np.float32, np.float64)[case % 2]
    ndim = int(rng.integers(1, 4))
    shape = tuple(int(v) for v in rng.integers(1, 60, size=ndim))
    if case % 4 == 0:
        shape = shape[:-1] + (int(rng.integers(100, 700)),)
    x = rng.standard_normal(shape).astype(dtype)
    gy = rng.standard_normal(shape).astype(dtype)
    mask = rng.random(shape[-1:] if case % 3 == 0 else shape) < rng.uniform(0.01, 0.9)
    index = rng.integers(0, shape[-1], size=int(rng.integers(1, 6)))
    for op, fill in (('masked_fill', lambda lib, t, v: t.masked_fill(lib.tensor(mask), v)),
                     ('index_fill', lambda lib, t, v: t.index_fill(-1, lib.tensor(index), v))):
        grads = []
        for lib in (microtorch, torch):
            t = lib.tensor(x, requires_grad=True)
            v = lib.tensor(0.5, dtype=t.dtype, requires_grad=True)
            grads.append(lib.autograd.grad(fill(lib, t, v), v, lib.tensor(gy))[0].item())
        total = counts.setdefault((op, np.dtype(dtype).name), [0, 0])
        total[0] += grads[0] != grads[1]
        total[1] += 1
print('| op | dtype | value gradients differing | of |')
print('|---|---|---|---|')
for (op, dtype), (bad, n) in sorted(counts.items()):
    print(f'| {op} | {dtype} | {bad} | {n} |')
