"""What each op of the op table costs on small tensors, forward plus backward, against PyTorch.

    python benchmarks/op_costs.py [--numel 32] [--only NAME ...] [--json PATH]
                                  [--tree PATH] [--baseline JSON] [--no-torch]

Learners' tensors hold tens of elements, where an op's cost is its Python and NumPy call
overhead, not its arithmetic. For every row of tests/test_ops.py's OPS (float32; rows whose
inputs share one shape take `--numel` elements, the others their own shapes) this times one
forward and its backward (`autograd.grad` with a fixed random cotangent) in microtorch and in
PyTorch, in turn, row by row, and reports the median time per call and the ratio.

--tree runs another checkout's microtorch and op table (an older commit, to see what a change
cost); --baseline adds a column with the ratio to a previous run's JSON (this script's output).
"""
import argparse
import json
import os
import statistics
import sys
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import timing  # noqa: E402


def _listed(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def row_call(lib, row, numel, fn):
    """A call(i) running the row's forward and backward once on fixed inputs, or None when
    the row cannot run in this library at these shapes."""
    shapes = row.shapes if len(set(row.shapes)) != 1 else ((numel,),) * len(row.shapes)
    rng = np.random.default_rng(0)
    try:
        arrays = [np.asarray(a).astype(np.float32) for a in row.domain(rng, shapes)]
        inputs = [lib.tensor(a, requires_grad=row.grad) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            outs = [o for o in _listed(fn(*inputs))
                    if row.grad and o.requires_grad and o.dtype.is_floating_point]
        cotangents = [lib.tensor(rng.standard_normal(tuple(o.shape)).astype(np.float32))
                      for o in outs]

        def call(i):
            outs = [o for o in _listed(fn(*inputs))
                    if row.grad and o.requires_grad and o.dtype.is_floating_point]
            if outs:
                lib.autograd.grad(outs, inputs, cotangents, allow_unused=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            call(0)
    except Exception:                          # a shape or dtype this row does not take
        return None
    return call


def _seconds(call, repeats):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return timing.median_seconds(call, 'cpu', repeats=repeats, warmup=3, inner=20)


def measure(rows, microtorch, torch, numel, repeats):
    """[{'op', 'microtorch_s', 'torch_s', 'ratio'}] for the rows both libraries run."""
    results = []
    for row in rows:
        mine = row_call(microtorch, row, numel, row.fn)
        if mine is None:
            continue
        entry = {'op': row.name, 'microtorch_s': _seconds(mine, repeats)}
        theirs = None if torch is None else row_call(torch, row, numel, row.torch_fn or row.fn)
        if theirs is not None:
            entry['torch_s'] = _seconds(theirs, repeats)
            entry['ratio'] = entry['microtorch_s'] / entry['torch_s']
        results.append(entry)
    return results


def quartiles(values):
    q = statistics.quantiles(values, n=4) if len(values) > 1 else values * 3
    return q[0], statistics.median(values), q[2]


def markdown(results, baseline=None, worst=25):
    """A summary and the rows with the highest ratio to PyTorch (or to the baseline)."""
    lines = []
    ratios = [r['ratio'] for r in results if 'ratio' in r]
    if ratios:
        q1, med, q3 = quartiles(ratios)
        lines.append(f'{len(results)} ops; microtorch / PyTorch per op: median {med:.2f} '
                     f'(q1-q3 {q1:.2f}-{q3:.2f}); {sum(r <= 1 for r in ratios)} ops at most 1.0.')
    before = {r['op']: r['microtorch_s'] for r in baseline or []}
    changes = [r['microtorch_s'] / before[r['op']] for r in results if r['op'] in before]
    if changes:
        q1, med, q3 = quartiles(changes)
        lines.append(f'Against the baseline, per op: median {med:.2f} (q1-q3 {q1:.2f}-{q3:.2f})'
                     f'; {sum(c > 1.2 for c in changes)} ops more than 1.2x slower.')
    key = ((lambda r: r['microtorch_s'] / before.get(r['op'], r['microtorch_s']))
           if changes else (lambda r: r.get('ratio', 0)))
    lines += ['', '| op | microtorch us | PyTorch us | ratio |'
              + (' baseline us | vs baseline |' if changes else ''),
              '|---|---|---|---|' + ('---|---|' if changes else '')]
    for r in sorted(results, key=key, reverse=True)[:worst]:
        cells = [r['op'], f"{r['microtorch_s'] * 1e6:.1f}",
                 f"{r['torch_s'] * 1e6:.1f}" if 'torch_s' in r else '-',
                 f"{r['ratio']:.2f}" if 'ratio' in r else '-']
        if changes:
            b = before.get(r['op'])
            cells += [f'{b * 1e6:.1f}', f"{r['microtorch_s'] / b:.2f}"] if b else ['-', '-']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--numel', type=int, default=32, help='elements of same-shape inputs')
    parser.add_argument('--only', nargs='*', help='row names')
    parser.add_argument('--json', help='write the rows here')
    parser.add_argument('--tree', default=os.path.dirname(HERE),
                        help='the checkout whose microtorch and op table to time')
    parser.add_argument('--baseline', help="a previous run's JSON, to compare with")
    parser.add_argument('--no-torch', action='store_true')
    parser.add_argument('--repeats', type=int, default=7)
    parser.add_argument('--worst', type=int, default=25, help='rows in the table')
    args = parser.parse_args(argv)
    tree = os.path.abspath(args.tree)
    sys.path[:0] = [tree, os.path.join(tree, 'tests')]
    import microtorch
    import test_ops
    torch = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            torch = None
    rows = [r for r in test_ops.OPS if not args.only or r.name in args.only]
    saved = torch and torch.get_num_threads()
    try:
        if torch:                                 # the same thread count on both sides
            torch.set_num_threads(microtorch.get_num_threads())
        results = measure(rows, microtorch, torch, args.numel, args.repeats)
    finally:
        if torch:
            torch.set_num_threads(saved)
    baseline = json.load(open(args.baseline)) if args.baseline else None
    print(markdown(results, baseline, args.worst))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
