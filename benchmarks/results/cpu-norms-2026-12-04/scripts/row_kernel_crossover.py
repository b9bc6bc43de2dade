"""batch_norm's rows layout (N, C), forward in training and backward(dy), float32: the NumPy
path (a Python step per row and thread piece) against the Numba row kernels (their serial
twins at these sizes), in one process, taking turns, three rounds of 50 timed steps each.
    python row_kernel_crossover.py      (microtorch importable)
"""
import statistics
import time

import numpy as np

import microtorch as mt
from microtorch.backends import numba_dispatch


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


def median_us(f, n=50):
    for _ in range(5):
        f()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


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
