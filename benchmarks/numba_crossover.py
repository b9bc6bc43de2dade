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

--routed measures the routed primitive (cpu.py's, as an op calls it) with its family's size
at 0 against at infinity (configure(min_size=...), which sets where it goes parallel too),
the two taking turns --rounds times in one process (the speedup is the median of the rounds'
ratios: this VM's speed drifts more between minutes than the gaps measured). For the
families whose kernels have serial twins (numba_dispatch.SERIAL_FROM) and for softmax, whose
float32 rows kernels have them too, that is the parallel kernel against the serial one: the
values for numba_dispatch._PARALLEL_FROM_MEASURED; for the others, the kernel against NumPy.

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
import timing  # noqa: E402

REPRESENTATIVES = {
    'elementwise': ['mul_forward', 'neg_forward'],
    'elementwise_fused': ['tanh_backward', 'relu_backward'],
    # (float32 sigmoid follows PyTorch's chunks, not the family's size: tanh and log do)
    'transcendental': ['sigmoid_forward', 'exp_forward', 'tanh_forward', 'log_forward'],
    'reduction': ['sum_forward'],
    'softmax': ['softmax_forward'],
    'loss': ['mse_loss_forward', 'mse_loss_backward'],
    'optim': ['adam_step'],
}


def crossover(rows):
    """The smallest size from which the kernel wins at every larger size, or None."""
    found = None
    for r in reversed(rows):        # largest size first
        if (r['speedup'] if 'speedup' in r else r['numpy_s'] / r['kernel_s']) <= 1:
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


_NEVER = 1 << 62                    # a family size no array reaches


def measure_routed(name, family, sizes, rounds, calls=31):
    """The routed primitive with `family`'s size at 0 (kernel_s) and at infinity
    (baseline_s: the serial twin or NumPy), taking turns; speedup: the median ratio. Each
    call is timed alone and a turn's figure is the first quartile of `calls`: on a VM whose
    hypervisor takes a core now and then (steal time), a parallel kernel stalls until its
    thread runs again, and a mean over back-to-back calls carries those stalls.
    (The first try, means of calibrated loops, put softmax's and log's parallel kernels
    behind their serial twins at every size up to 2^20 in a run with 6% steal.)"""
    import statistics
    from microtorch.backends import numba_dispatch
    primitive = getattr(cpu_speed.cpu_backend(), name)
    try:
        numba_dispatch.kernel(name)          # Numba loaded: below the size, twins run
    except (ModuleNotFoundError, AttributeError):
        return {'missing': True}
    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        args = cpu_speed.kernel_args(name, n, rng)[0]
        times = {'kernel_s': [], 'baseline_s': []}
        for _ in range(rounds):
            for key, size in (('kernel_s', 0), ('baseline_s', _NEVER)):
                with numba_dispatch.configure(min_size={family: size}):
                    times[key].append(timing.first_quartile_us(
                        lambda: primitive(*args), repeats=calls) / 1e6)
        ratios = [b / k for k, b in zip(times['kernel_s'], times['baseline_s'])]
        rows.append({'size': n, 'kernel_s': statistics.median(times['kernel_s']),
                     'baseline_s': statistics.median(times['baseline_s']),
                     'speedup': statistics.median(ratios)})
    return {'rows': rows, 'crossover': crossover(rows)}


def run(sizes, repeats, repeat_s, only=None, rounds=None):
    """Each family's primitives measured; rounds: --routed's turns (None: kernel vs NumPy)."""
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
                      **(measure(name, sizes, repeats, repeat_s) if rounds is None else
                         measure_routed(name, family, sizes, rounds))}
            primitives.append(result)
            if 'rows' in result:
                measured.append(result)
        cross = [m['crossover'] for m in measured]
        families[family] = {'current_min_size': current,
                            'current_parallel_from': numba_dispatch._parallel_from[family],
                            'primitives': names,
                            'measured': [m['primitive'] for m in measured],
                            'crossover': (max(cross) if cross and None not in cross
                                          else None)}
    return {'sizes': sizes, 'primitives': primitives, 'families': families,
            'routed': rounds is not None}


def _exp(n):
    return f'2^{n.bit_length() - 1}' if n else '-'


def markdown(results):
    meta = results['meta']
    sizes = results['sizes']
    if results.get('routed'):
        title = 'each family from size 0 vs never, routed'
        speedup = ('time with the family\'s size at infinity (serial twin, else NumPy) / '
                   'time at 0, the median of the rounds\' ratios')
    else:
        title, speedup = 'Numba kernel vs NumPy crossover', 'NumPy time / kernel time'
    lines = [f'# {title} ({meta["date"]}, commit {meta["commit"]})\n',
             f'{meta["processor"]}, {meta["cores"]} cores, {meta.get("numba_threads")} Numba '
             f'threads; NumPy {meta["numpy"]}, Numba {meta.get("numba")}. Speedup = '
             f'{speedup} (> 1: the kernel wins). {cpu_speed.busy_note(meta)}\n',
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
    lines += ['', '| family | crossover (elements) | current min_size | current parallel from |',
              '|---|---|---|---|']
    for family, f in results['families'].items():
        cross = (f'{f["crossover"]} ({_exp(f["crossover"])})' if f['crossover']
                 else 'none measured' if not f['measured'] else
                 f'never up to {sizes[-1]}')
        lines.append(f'| {family} | {cross} | {f["current_min_size"]} | '
                     f'{f.get("current_parallel_from", "")} |')
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
    parser.add_argument('--routed', action='store_true',
                        help="each family's routed primitives with its size at 0 against at "
                             'infinity (parallel kernel vs serial twin where there is one)')
    parser.add_argument('--rounds', type=int, default=5, help="--routed's turns")
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
                       args.only.split(',') if args.only else None,
                       args.rounds if args.routed else None))
    results['meta']['load_average_end'] = cpu_speed.load_average()
    results['meta']['steal_s_end'] = cpu_speed.steal_seconds()
    out = args.out or os.path.join(HERE, 'results', f'numba-crossover-{info["date"]}'
                                   + ('-routed' if args.routed else '')
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
