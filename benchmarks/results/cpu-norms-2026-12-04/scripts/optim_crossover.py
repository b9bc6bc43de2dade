"""The optimizer steps below the parallel crossover: NumPy's step (each fused multiply-add
emulated) against the Numba kernels' serial twins, float32, one parameter, in one process
taking turns, three rounds of 200 timed steps each (medians, us).
    python optim_crossover.py      (microtorch importable)
"""
import statistics
import time

import microtorch as mt
from microtorch.backends import numba_dispatch

OPTIMIZERS = {'SGD, momentum 0.9': (mt.optim.SGD, dict(lr=0.01, momentum=0.9)),
              'Adam': (mt.optim.Adam, dict(lr=0.01))}


def stepper(size, make, options):
    param = mt.nn.Parameter(mt.randn(size))
    param.grad = mt.randn(size)
    return make([param], **options).step


def median_us(step, n=200):
    for _ in range(10):
        step()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


print('| optimizer | elements | NumPy us | serial kernel us | kernel / NumPy |')
print('|---|---|---|---|---|')
for name, (make, options) in OPTIMIZERS.items():
    for size in (1, 2, 4, 16, 64, 256, 4096):
        step = stepper(size, make, options)
        times = {'numpy': [], 'kernel': []}
        for _ in range(3):
            for way in times:
                settings = dict(enabled=True, min_size={'optim': 0}) if way == 'kernel' \
                    else dict(enabled=False)
                with numba_dispatch.configure(**settings):
                    times[way].append(median_us(step))
        a, b = (statistics.median(times[k]) for k in ('numpy', 'kernel'))
        print(f'| {name} | {size} | {a:.1f} | {b:.1f} | {b / a:.2f} |', flush=True)
