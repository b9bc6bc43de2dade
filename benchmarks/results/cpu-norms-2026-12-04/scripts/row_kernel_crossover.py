"""batch_norm's rows layout (N, C), forward in training and backward(dy), float32: the NumPy
path (a Python step per row and thread piece) against the Numba row kernels (their serial
twins at these sizes), in one process, taking turns, three rounds of 50 timed steps each.
    python row_kernel_crossover.py      (microtorch importable)
"""
import os
import statistics
import sys

import numpy as np

import microtorch as mt
from microtorch.backends import numba_dispatch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from timing import median_seconds     # noqa: E402  (benchmarks/timing.py)


def step(rows, channels):
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((rows, channels)).astype(np.float32), requires_grad=True)
    weight, bias = mt.ones(channels, requires_grad=True), mt.zeros(channels, requires_grad=True)
    dy = mt.tensor(rng.standard_normal((rows, channels)).astype(np.float32))
    running_mean, running_var = mt.zeros(channels), mt.ones(channels)

    def run():
        mt.nn.functional.batch_norm(x, running_mean, running_var, weight, bias,
                                    training=True).backward(dy)
    return run


def median_us(run):
    """benchmarks/timing.py's median of 50 timed calls after 5 warm-ups, in us."""
    return median_seconds(lambda i: run(), 'cpu', repeats=50, warmup=5) * 1e6


print('| rows x channels | NumPy path us | kernels us | kernels / NumPy |')
print('|---|---|---|---|')
for channels in (8, 64, 512):
    for rows in (2, 4, 8, 16, 32, 64):
        run = step(rows, channels)
        times = {'numpy': [], 'kernels': []}
        for _ in range(3):
            for name in times:
                with numba_dispatch.configure(enabled=name == 'kernels'):
                    times[name].append(median_us(run))
        a, b = (statistics.median(times[k]) for k in ('numpy', 'kernels'))
        print(f'| {rows} x {channels} | {a:.0f} | {b:.0f} | {b / a:.2f} |', flush=True)
