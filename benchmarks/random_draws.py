"""What PyTorch's random numbers cost microtorch: its draws against PyTorch's and NumPy's.

    python benchmarks/random_draws.py [--rounds 7] [--json PATH]

microtorch draws PyTorch's numbers (microtorch/_cpu_stream.py): the same Mersenne Twister
words, turned into each distribution by PyTorch's rules with NumPy array code, and the
per-element rejection samplers (gamma, Poisson, binomial) by Python loops. Each workload runs
in microtorch, in PyTorch (one thread, when installed) and as the nearest NumPy call on its
default generator (PCG64, not the same numbers: what microtorch drew before), taking turns
within each round; a time is the median of the rounds and a ratio the median of the rounds'
ratios (this shared machine's speed drifts, the halves of a round see the same speed).
"""
import argparse
import json
import statistics
import time

import numpy as np

N = 1 << 20


def workloads(lib):
    """name -> a call drawing from lib (microtorch or torch)."""
    return {
        'rand 2^20 float32': lambda: lib.rand(N),
        'randn 2^20 float32': lambda: lib.randn(N),
        'randn 2^20 float64': lambda: lib.randn(N, dtype=lib.float64),
        'randint 2^20': lambda: lib.randint(0, 1000, (N,)),
        'randperm 60,000': lambda: lib.randperm(60000),
        'dropout 2^20': lambda: lib.nn.functional.dropout(ones[lib], 0.5),
        'randn 8 (tiny)': lambda: lib.randn(8),
        'gamma 10,000': lambda: lib._standard_gamma(alphas[lib]),
    }


def numpy_workloads(rng):
    return {
        'rand 2^20 float32': lambda: rng.random(N, dtype=np.float32),
        'randn 2^20 float32': lambda: rng.standard_normal(N, dtype=np.float32),
        'randn 2^20 float64': lambda: rng.standard_normal(N),
        'randint 2^20': lambda: rng.integers(0, 1000, N),
        'randperm 60,000': lambda: rng.permutation(60000),
        'dropout 2^20': lambda: (rng.random(N) >= 0.5) / 0.5,
        'randn 8 (tiny)': lambda: rng.standard_normal(8),
        'gamma 10,000': lambda: rng.standard_gamma(np.full(10000, 2.0)),
    }


ones, alphas = {}, {}


def timed(call, repeats):
    best = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best.append(time.perf_counter() - start)
    return min(best)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--json', default=None)
    args = parser.parse_args(argv)
    import microtorch
    libraries = {'microtorch': microtorch}
    try:
        import torch
        torch.set_num_threads(1)
        libraries['torch'] = torch
    except ImportError:
        pass
    for lib in libraries.values():
        ones[lib], alphas[lib] = lib.ones(N), lib.full((10000,), 2.0)
    calls = {name: workloads(lib) for name, lib in libraries.items()}
    calls['numpy'] = numpy_workloads(np.random.default_rng(0))
    results = {}
    for workload in calls['microtorch']:
        times = {name: [] for name in calls}
        for _ in range(args.rounds):
            for name in calls:
                repeats = 200 if 'tiny' in workload else 3
                times[name].append(timed(calls[name][workload], repeats))
        row = {name + '_ms': statistics.median(t) * 1e3 for name, t in times.items()}
        for other in ('torch', 'numpy'):
            if other in times:
                row['over_' + other] = statistics.median(
                    a / b for a, b in zip(times['microtorch'], times[other]))
        results[workload] = row
    print('| draw | microtorch ms | PyTorch ms | NumPy (PCG64) ms | / PyTorch | / NumPy |')
    print('|---|---|---|---|---|---|')
    for workload, row in results.items():
        print(f"| {workload} | {row['microtorch_ms']:.3f} | {row.get('torch_ms', float('nan')):.3f}"
              f" | {row['numpy_ms']:.3f} | {row.get('over_torch', float('nan')):.2f} | "
              f"{row['over_numpy']:.2f} |")
    if args.json:
        with open(args.json, 'w') as out:
            json.dump(results, out, indent=1)
    return results


if __name__ == '__main__':
    main()
