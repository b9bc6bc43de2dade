"""The optimizer steps below the parallel crossover: NumPy's step (each fused multiply-add
emulated) against the Numba kernels' serial twins, float32, one parameter, in one process
taking turns, three rounds of 200 timed steps each (medians, us).
    python optim_crossover.py      (microtorch importable)
"""
import os
import statistics
import sys

import microtorch as mt
from microtorch.backends import numba_dispatch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
from timing import median_seconds     # noqa: E402  (benchmarks/timing.py)

OPTIMIZERS = {'SGD, momentum 0.9': (mt.optim.SGD, dict(lr=0.01, momentum=0.9)),
              'Adam': (mt.optim.Adam, dict(lr=0.01))}


def stepper(size, make, options):
    param = mt.nn.Parameter(mt.randn(size))
    param.grad = mt.randn(size)
    return make([param], **options).step


def median_us(run):
    """benchmarks/timing.py's median of 200 timed calls after 10 warm-ups, in us."""
    return median_seconds(lambda i: run(), 'cpu', repeats=200, warmup=10) * 1e6


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
