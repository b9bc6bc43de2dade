"""Elements whose bits differ from PyTorch's, microtorch at the tree on PYTHONPATH: softsign's
gradient, repeat's gradient with leading repeats, lerp's value and gradients. Run it at A and
at B."""
import numpy as np
import torch

import microtorch as mt

rng = np.random.default_rng(0)


def differ(ours, theirs):
    p, q = (np.ascontiguousarray(v.detach().numpy()) for v in (ours, theirs))
    u = {2: np.uint16, 4: np.uint32, 8: np.uint64}[p.itemsize]
    same = (p.view(u) == q.view(u)) | (np.isnan(p) & np.isnan(q))
    return int(p.size - same.sum()), p.size


def grads(fn, arrays, seed):
    out = {}
    for lib in (mt, torch):
        leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
        y = fn(lib, *leaves)
        out[lib] = [y, *lib.autograd.grad(y, leaves, lib.tensor(seed))]
    return [differ(p, q) for p, q in zip(out[mt], out[torch])]


def row(name, results):
    print(f'| {name} | {sum(d for d, _ in results)} | {sum(n for _, n in results)} |')


print('| case (value and gradients) | elements that differ | elements |')
print('|---|---|---|')
for dtype in ('float32', 'float64'):
    x = (rng.standard_normal(10000) * 3).astype(dtype)
    row(f'softsign, {dtype}', grads(lambda lib, t: lib.nn.functional.softsign(t), [x],
                                    rng.standard_normal(10000).astype(dtype)))
x = rng.standard_normal((30, 40)).astype(np.float32)
row('repeat(2, 3, 1, 3) of (30, 40), float32',
    grads(lambda lib, t: t.repeat(2, 3, 1, 3), [x],
          rng.standard_normal((2, 3, 30, 120)).astype(np.float32)))
for dtype in ('float16', 'float32', 'float64'):
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((64, 64), (64,), (64, 1))]
    seed = rng.standard_normal((64, 64)).astype(dtype)
    row(f'lerp, tensor weight, broadcast, {dtype}',
        grads(lambda lib, a, b, w: a.lerp(b, w), arrays, seed))
    row(f'lerp, weight 0.75, {dtype}',
        grads(lambda lib, a, b: a.lerp(b, 0.75), arrays[:2], seed))
