"""Calls whose indices differ from PyTorch's, microtorch at the tree on PYTHONPATH: sort,
argsort, topk, kthvalue and mode on rows with many ties (and NaN, infinities, signed zeros),
float32 and int64, along the last dim and dim 0. Run it at A and at B."""
import numpy as np
import torch

import microtorch as mt

rng = np.random.default_rng(0)
CASES = {
    'sort': lambda x, d, k: x.sort(d).indices,
    'sort(descending=True)': lambda x, d, k: x.sort(d, descending=True).indices,
    'topk(k)': lambda x, d, k: x.topk(k, d).indices,
    'topk(k, largest=False)': lambda x, d, k: x.topk(k, d, largest=False).indices,
    'topk(k, sorted=False)': lambda x, d, k: x.topk(k, d, sorted=False).indices,
    'kthvalue(k)': lambda x, d, k: x.kthvalue(k, d).indices,
    'mode': lambda x, d, k: x.mode(d).indices,
}
counts = {name: [0, 0] for name in CASES}
for trial in range(200):
    n = int(rng.choice([5, 16, 17, 64, 130, 1000]))
    a = rng.integers(0, int(rng.choice([2, 5, 50])), (3, n)).astype(np.float64)
    if trial % 2:
        a[rng.random(a.shape) < 0.05] = np.nan
        a[rng.random(a.shape) < 0.05] = np.inf
        a = a.astype(np.float32)
    else:
        a = a.astype(np.int64)
    k = int(rng.integers(1, n + 1))
    for array, dim in ((a, 1), (np.ascontiguousarray(a.T), 0)):
        for name, f in CASES.items():
            p = f(mt.from_numpy(array), dim, k).numpy()
            q = f(torch.from_numpy(array), dim, k).numpy()
            counts[name][0] += not np.array_equal(p, q)
            counts[name][1] += 1
print('| call (200 inputs, 2 dims each) | calls whose indices differ | calls |')
print('|---|---|---|')
for name, (bad, total) in counts.items():
    print(f'| {name} | {bad} | {total} |')
