"""Elements of group_norm's output and gradients that differ from PyTorch's, per dtype:
    PYTHONPATH=TREE python group_norm_bits.py
200 random inputs: shapes (N, C, *) with 1 to 3 spatial dims, groups 1, 2 or C, weight and
bias present or not (a bias alone takes no gradient: PyTorch's backward raises there),
skipping the draws with one value per statistic (both libraries raise there)."""
import numpy as np
import torch

import microtorch

rng = np.random.default_rng(0)
counts = {}
for case in range(200):
    dtype = (np.float32, np.float64)[case % 2]
    n, c = int(rng.integers(1, 9)), int(rng.choice([2, 4, 6, 8, 12, 16, 32]))
    spatial = tuple(int(v) for v in rng.integers(1, 12, size=int(rng.integers(0, 4))))
    shape = (n, c) + spatial
    groups = int(rng.choice([1, 2, c]))
    if n * c // groups * int(np.prod(spatial)) == 1:
        continue                            # one value per statistic: both libraries raise
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(c).astype(dtype) if case % 3 else None
    b = rng.standard_normal(c).astype(dtype) if case % 5 else None
    results = []
    for lib in (microtorch, torch):
        X = lib.tensor(x, requires_grad=True)
        W = None if w is None else lib.tensor(w, requires_grad=True)
        B = None if b is None else lib.tensor(b, requires_grad=W is not None)
        y = lib.nn.functional.group_norm(X, groups, W, B)
        wanted = [t for t in (X, W, B) if t is not None and t.requires_grad]
        grads = lib.autograd.grad(y, wanted, lib.tensor(dy))
        results.append([y.detach().numpy()] + [g.numpy() for g in grads])
    names = ['y', 'dx', 'dweight', 'dbias'][:len(results[0])]
    if w is None:
        names = names[:2]
    for name, ours, theirs in zip(names, *results):
        total = counts.setdefault((np.dtype(dtype).name, name), [0, 0])
        total[0] += int((ours != theirs).sum())
        total[1] += ours.size
print('| dtype | result | elements differing | of |')
print('|---|---|---|---|')
for (dtype, name), (bad, size) in sorted(counts.items()):
    print(f'| {dtype} | {name} | {bad} | {size} |')
