"""Where the Numba kernels start to beat NumPy: the crossover size of each dispatch family.

    python benchmarks/numba_crossover.py [--quick] [--min-exp 8] [--max-exp 20]
                                         [--threads N] [--only NAMES] [--out DIR]

For each family of numba_dispatch.settings.min_size, a few representative routed primitives
are timed through their Numba kernel (called directly) and through the NumPy original
(`.numpy`) at 2^min_exp .. 2^max_exp float32 elements (row-wise ones on a near-square
(rows, cols)). The inputs are fresh random arrays reused across the timed calls, so they sit in
cache the way an op's input does right after the op that produced it. A primitive's crossover
is the smallest size from which the kernel is faster at every larger size measured (None: not
faster at the largest); a family's is the largest of its primitives'. These are the values
for numba_dispatch._MIN_SIZE_MEASURED, per CPU vendor. The kernel side runs as the routers
run it (a family's serial twin below its current crossover), so a lower parallel crossover
shows only with the kernels forced parallel (numba_dispatch.configure(min_size=0)).

Prints a table and writes results.json and summary.md to --out (default
benchmarks/results/numba-crossover-<date>/).
"""
import argparse
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import cpu_speed  # noqa: E402

REPRESENTATIVES = {
    'elementwise': ['mul_forward', 'neg_forward'],
    'elementwise_fused': ['tanh_backward', 'relu_backward'],
    'transcendental': ['sigmoid_forward', 'exp_forward'],
    'reduction': ['sum_forward'],
    'softmax': ['softmax_forward'],
    'loss': ['mse_loss_forward', 'mse_loss_backward'],
    'optim': ['adam_step'],
}


def crossover(rows):
    """The smallest size from which the kernel wins at every larger size, or None."""
    found = None
    for r in reversed(rows):        # largest size first
        if r['kernel_s'] >= r['numpy_s']:
            break
        found = r['size']
    return found


def measure(name, sizes, repeats, repeat_s):
    kernel = cpu_speed.available_kernels([name]).get(name)
    if kernel is None:
        return {'missing': True}
    original = cpu_speed.numpy_original(name)
    rng = np.random.default_rng(0)
    rows = []
    try:
        if isinstance(kernel, Exception):
            raise kernel
        for n in sizes:
            args = cpu_speed.kernel_args(name, n, rng)[0]
            if cpu_speed.declined(name, kernel(*args)):    # the router would run NumPy
                return {'declined': True}
            kernel_s = cpu_speed.calibrated_seconds(lambda i: kernel(*args), repeats, repeat_s)
            numpy_s = cpu_speed.calibrated_seconds(lambda i: original(*args), repeats,
                                                   repeat_s)
            rows.append({'size': n, 'kernel_s': kernel_s, 'numpy_s': numpy_s,
                         'speedup': numpy_s / kernel_s})
    except Exception as error:       # a kernel being written may fail: report, go on
        return {'error': cpu_speed.describe_error(error)}
    return {'rows': rows, 'crossover': crossover(rows)}


def run(sizes, repeats, repeat_s, only=None):
    from microtorch.backends import numba_dispatch
    from microtorch.backends.numba_kernels import ROUTES
    families = {}
    primitives = []
    for family, current in numba_dispatch.settings.min_size.items():
        names = REPRESENTATIVES.get(family) or [n for n, (_, f) in ROUTES.items()
                                                if f == family][:1]
        names = [n for n in names if only is None or n in only]
        if not names:
            continue
        measured = []
        for name in names:
            result = {'primitive': name, 'family': family,
                      **measure(name, sizes, repeats, repeat_s)}
            primitives.append(result)
            if 'rows' in result:
                measured.append(result)
        cross = [m['crossover'] for m in measured]
        families[family] = {'current_min_size': current, 'primitives': names,
                            'measured': [m['primitive'] for m in measured],
                            'crossover': (max(cross) if cross and None not in cross
                                          else None)}
    return {'sizes': sizes, 'primitives': primitives, 'families': families}


def _exp(n):
    return f'2^{n.bit_length() - 1}' if n else '-'


def markdown(results):
    meta = results['meta']
    sizes = results['sizes']
    lines = [f'# Numba kernel vs NumPy crossover ({meta["date"]}, commit {meta["commit"]})\n',
             f'{meta["processor"]}, {meta["cores"]} cores, {meta.get("numba_threads")} Numba '
             f'threads; NumPy {meta["numpy"]}, Numba {meta.get("numba")}. Speedup = NumPy '
             f'time / kernel time (> 1: the kernel wins). {cpu_speed.busy_note(meta)}\n',
             '| family | primitive | crossover | ' + ' | '.join(map(_exp, sizes)) + ' |',
             '|---|---|---|' + '---|' * len(sizes)]
    for p in results['primitives']:
        if 'rows' not in p:
            why = ('no kernel yet' if p.get('missing') else
                   'declined (another route runs)' if p.get('declined') else p['error'])
            lines.append(f'| {p["family"]} | {p["primitive"]} | {why} |' + ' |' * len(sizes))
            continue
        cross = _exp(p['crossover']) if p['crossover'] else 'never'
        lines.append(f'| {p["family"]} | {p["primitive"]} | {cross} | '
                     + ' | '.join(f'{r["speedup"]:.2f}' for r in p['rows']) + ' |')
    lines += ['', '| family | crossover (elements) | current min_size |', '|---|---|---|']
    for family, f in results['families'].items():
        cross = (f'{f["crossover"]} ({_exp(f["crossover"])})' if f['crossover']
                 else 'none measured' if not f['measured'] else
                 f'never up to {sizes[-1]}')
        lines.append(f'| {family} | {cross} | {f["current_min_size"]} |')
    return '\n'.join(lines) + '\n'


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--quick', action='store_true',
                        help='every other power of two, fewer repeats')
    parser.add_argument('--min-exp', type=int, default=8)
    parser.add_argument('--max-exp', type=int, default=20)
    parser.add_argument('--repeats', type=int, default=None)
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--only', default=None,
                        help='comma-separated primitives to measure (default: all)')
    parser.add_argument('--out', default=None, help='folder for results.json and summary.md')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if importlib.util.find_spec('numba') is None:
        raise SystemExit('numba_crossover.py needs Numba')
    step = 2 if args.quick else 1
    sizes = [1 << k for k in range(args.min_exp, args.max_exp + 1, step)]
    repeats = args.repeats or (3 if args.quick else 7)
    info = cpu_speed.machine_info(argparse.Namespace(quick=args.quick, threads=args.threads),
                                  None)
    results = {'meta': info}
    results.update(run(sizes, repeats, 0.005 if args.quick else 0.02,
                       args.only.split(',') if args.only else None))
    results['meta']['load_average_end'] = cpu_speed.load_average()
    out = args.out or os.path.join(HERE, 'results', f'numba-crossover-{info["date"]}'
                                   + ('-quick' if args.quick else ''))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'results.json'), 'w') as f:
        json.dump(results, f, indent=1)
    table = markdown(results)
    with open(os.path.join(out, 'summary.md'), 'w') as f:
        f.write(table)
    print(table)
    print(f'results: {os.path.join(out, "results.json")}')
    return results


if __name__ == '__main__':
    main()
