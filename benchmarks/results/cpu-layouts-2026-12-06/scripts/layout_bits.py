"""Elements whose bits differ from PyTorch's, microtorch at the tree on PYTHONPATH: pow with
tensor exponents, batch_norm and instance_norm (outputs, gradients, running statistics) and
as_strided's gradient, on strided and transposed float32 inputs. Run it at A and at B."""
import numpy as np
import torch

import microtorch as mt

rng = np.random.default_rng(0)
LAYOUTS = {'transposed': lambda a: np.ascontiguousarray(a.T).T,
           'strided': lambda a: np.repeat(a, 2, axis=-1)[..., ::2]}


def differ(ours, theirs):
    p, q = (np.ascontiguousarray(v.detach().numpy()) for v in (ours, theirs))
    same = (p.view(np.uint32) == q.view(np.uint32)) | (np.isnan(p) & np.isnan(q))
    return int(p.size - same.sum()), p.size


def row(name, results):
    bad = sum(d for d, _ in results)
    total = sum(n for _, n in results)
    print(f'| {name} | {bad} | {total} |')


print('| case | elements that differ | elements |')
print('|---|---|---|')
a = (np.abs(rng.standard_normal((64, 48))) + 0.1).astype(np.float32)
b = rng.standard_normal((64, 48)).astype(np.float32)
for layout, lay in LAYOUTS.items():
    x = {lib: lib.from_numpy(lay(a)) for lib in (mt, torch)}
    y = {lib: lib.from_numpy(lay(b)) for lib in (mt, torch)}
    row(f'{layout}: a ** b, 2.5 ** b, a ** b[:1], forward',
        [differ(f(x[mt], y[mt]), f(x[torch], y[torch])) for f in
         (lambda p, q: p ** q, lambda p, q: 2.5 ** q, lambda p, q: p ** q[:1])])

x = (rng.standard_normal((8, 5, 300)) * 3 + 1).astype(np.float32)
dy = rng.standard_normal(x.shape).astype(np.float32)
for layout, lay in LAYOUTS.items():
    for training in (True, False):
        out = {}
        for lib in (mt, torch):
            view = lib.from_numpy(lay(x)).requires_grad_()
            w, bias = lib.ones(5, requires_grad=True), lib.zeros(5, requires_grad=True)
            stats = [lib.zeros(5), lib.ones(5)]
            y = lib.nn.functional.batch_norm(view, *stats, w, bias, training)
            out[lib] = [y, *lib.autograd.grad(y, (view, w, bias), lib.from_numpy(dy)), *stats]
        row(f'{layout}: batch_norm, training={training}: y, 3 gradients, running stats',
            [differ(p, q) for p, q in zip(out[mt], out[torch])])
    out = {}
    for lib in (mt, torch):
        view = lib.from_numpy(lay(x)).requires_grad_()
        w = lib.tensor([0.5, 2.0, -1.0, 1.5, 0.25], requires_grad=True)
        y = lib.nn.functional.instance_norm(view, weight=w, bias=w)
        out[lib] = [y, *lib.autograd.grad(y, (view, w), lib.from_numpy(dy))]
    row(f'{layout}: instance_norm with weight and bias: y, 2 gradients',
        [differ(p, q) for p, q in zip(out[mt], out[torch])])

out = {}
for lib in (mt, torch):
    leaf = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = leaf.expand(2, 3).as_strided((3,), (1,), 0)
    out[lib] = lib.autograd.grad(v, leaf, lib.tensor([1.0, 10.0, 100.0]))
row('expand(2, 3).as_strided((3,), (1,)): gradient', [differ(out[mt][0], out[torch][0])])

a64 = rng.standard_normal((6, 5, 7)) + 3                   # float64: var's float64 sums show
for layout, perm in (('transposed', (2, 1, 0)), ('permuted', (1, 2, 0))):
    view = np.ascontiguousarray(a64.transpose(perm)).transpose(np.argsort(perm))
    results = []
    for dims in (None, (0, 1), (1, 2), (0, 2)):
        t = {lib: lib.from_numpy(view) for lib in (mt, torch)}
        f = (lambda v: v.var()) if dims is None else (lambda v: v.var(dims))
        p, q = (np.ascontiguousarray(f(t[lib]).numpy()) for lib in (mt, torch))
        results.append((int((p.view(np.uint64) != q.view(np.uint64)).sum()), p.size))
    row(f'{layout}, float64: var over all, (0, 1), (1, 2), (0, 2)', results)
