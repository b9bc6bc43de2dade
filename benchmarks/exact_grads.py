"""How far microtorch's CPU numbers are from PyTorch's, bit for bit, op by op.

    python benchmarks/exact_grads.py [--numba] [--only NAME ...] [--all] [--seeds 2]

Runs every row of the op table (tests/test_ops.py's OPS) whose inputs all have one shape at the
sizes 1, 7, 100, 1000 and (25, 40) (rows with mixed shapes at their own shapes), in float32 and
float64, with the same inputs and the same random cotangent on both sides, and prints per row
the fraction of forward elements and of each input's gradient elements that differ from torch
(nan equal to nan, +0 different from -0). Rows where everything agrees are left out unless
--all. --numba forces every size through the fused Numba kernels (configure(min_size=0)).
"""
import argparse
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, 'tests')]

import microtorch  # noqa: E402
from microtorch.backends import numba_dispatch  # noqa: E402

SHAPES = [(1,), (7,), (100,), (1000,), (25, 40)]


def differing(a, b):
    """(elements of a that differ from b bit for bit, elements); nan equals nan."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return a.size or 1, a.size or 1
    if a.dtype.kind != 'f':
        return int((a != b).sum()), a.size
    same = (a.view(f'u{a.itemsize}') == b.view(f'u{b.itemsize}')) | (np.isnan(a) & np.isnan(b))
    return int((~same).sum()), a.size


def _shapes_for(row):
    """The survey's shapes for a row whose inputs share one shape and whose outputs are no
    larger than an input (elementwise ops, reductions); the row's own shapes otherwise."""
    if len(set(row.shapes)) != 1:
        return [None]
    rng = np.random.default_rng(0)
    try:
        arrays = row.domain(rng, row.shapes)
        outputs = _as_list(row.fn(*[microtorch.tensor(a) for a in arrays]))
    except Exception:
        return [None]
    if max(o.numel() for o in outputs) > int(np.prod(row.shapes[0])):
        return [None]
    return SHAPES


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def compare_row(row, torch, dtype_name, seeds):
    """{'forward': [diff, n], 'grad0': [diff, n], ...} over the sizes and seeds; None when the
    row cannot run (its shapes are fixed)."""
    counts = {}

    def add(key, d_n):
        c = counts.setdefault(key, [0, 0])
        c[0] += d_n[0]
        c[1] += d_n[1]

    fn_t = row.torch_fn or row.fn
    for shape in _shapes_for(row):
        shapes = row.shapes if shape is None else (shape,) * len(row.shapes)
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            try:
                arrays = [np.asarray(a).astype(dtype_name) for a in row.domain(rng, shapes)]
                mine = [microtorch.tensor(a, requires_grad=row.grad) for a in arrays]
                theirs = [torch.tensor(a, requires_grad=row.grad) for a in arrays]
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    got, expected = _as_list(row.fn(*mine)), _as_list(fn_t(*theirs))
            except Exception:                  # a shape the row cannot take
                continue
            for g, e in zip(got, expected):
                add('forward', differing(g.detach().numpy(), e.detach().numpy()))
            if not row.grad:
                continue
            pairs = [(g, e) for g, e in zip(got, expected)
                     if e.requires_grad and e.dtype.is_floating_point]
            cots = [rng.standard_normal(tuple(e.shape)).astype(dtype_name) for _, e in pairs]
            try:
                my_grads = microtorch.autograd.grad(
                    [g for g, _ in pairs], mine, [microtorch.tensor(c) for c in cots],
                    allow_unused=True)
                their_grads = torch.autograd.grad(
                    [e for _, e in pairs], theirs, [torch.tensor(c) for c in cots],
                    allow_unused=True)
            except Exception:
                continue
            for i, (g, e) in enumerate(zip(my_grads, their_grads)):
                if e is None or g is None:
                    continue
                add(f'grad{i}', differing(g.numpy(), e.numpy()))
    return counts or None


def survey(torch, names=None, seeds=2, show_all=False, out=sys.stdout):
    import test_ops
    rows = [r for r in test_ops.OPS if names is None or r.name in names or r.op in names]
    results = {}
    for row in rows:
        for dtype_name in ('float32', 'float64'):
            counts = compare_row(row, torch, dtype_name, seeds)
            if counts is None:
                continue
            fractions = {k: d / n if n else 0.0 for k, (d, n) in counts.items()}
            results[row.name, dtype_name] = fractions
            if show_all or any(fractions.values()):
                cells = '  '.join(f'{k} {v:.3f}' for k, v in fractions.items())
                print(f'{row.name:36s} {dtype_name:8s} {cells}', file=out, flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--numba', action='store_true', help='force the Numba kernels')
    parser.add_argument('--only', nargs='*', help='row names or op names')
    parser.add_argument('--all', action='store_true', help='print rows that agree too')
    parser.add_argument('--seeds', type=int, default=2)
    args = parser.parse_args()
    import torch
    settings = dict(enabled=True, min_size=0) if args.numba else dict(enabled=False)
    with numba_dispatch.configure(**settings):
        survey(torch, args.only, args.seeds, args.all)


if __name__ == '__main__':
    main()
