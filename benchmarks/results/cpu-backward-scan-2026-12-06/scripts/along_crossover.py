"""The along-dim scatter-add (gather's and max's backward: one value a row picked into
(rows, cols) zeros) on its Numba kernel against np.add.at, below the 'scatter' family's
4096 elements: medians of 30 calls, after an op has set up microtorch's threads and heap.
Run from the repository root:

    python benchmarks/results/cpu-backward-scan-2026-12-06/scripts/along_crossover.py [RUNS]
"""
import os
import sys

import numpy as np

import microtorch as mt
from microtorch.backends import cpu, numba_dispatch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from timing import upper_median_us                  # noqa: E402

mt.tensor(np.ones(1 << 20, np.float32)).exp()          # threads and heap as in training


def main(runs=3):
    rng = np.random.default_rng(0)
    print('| out (rows, cols), one pick a row | kernel us | np.add.at us | kernel / np.add.at |')
    print('|---|---|---|---|')
    for rows, cols in [(64, 10), (256, 10), (1024, 10), (4096, 10), (64, 256), (128, 256),
                       (256, 256), (512, 256), (1024, 256), (256, 1024)]:
        index = rng.integers(0, cols, (rows, 1))
        values = rng.standard_normal((rows, 1)).astype(np.float32)
        call = lambda: cpu.scatter_add(index, values, 1, (rows, cols))     # noqa: E731
        times = {True: [], False: []}
        for _ in range(runs):
            for on_kernel in (True, False):
                size = 0 if on_kernel else 1 << 40
                with numba_dispatch.configure(min_size={'scatter': size}):
                    times[on_kernel].append(upper_median_us(call, 30))
        k, a = (sorted(times[b])[runs // 2] for b in (True, False))
        print(f'| ({rows}, {cols}) | {k:.1f} | {a:.1f} | {k / a:.2f} |', flush=True)


if __name__ == '__main__':
    main(*map(int, sys.argv[1:]))
