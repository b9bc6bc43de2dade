"""Where max pooling's Numba kernels overtake their NumPy forms: max_pool2d(x, 2) on
(1, planes, side, side) float32, medians of 21 calls, microseconds (x's size first; the
backward scatters x.size / 4 outputs). One process:
    PYTHONPATH=<checkout> python pool_crossover.py > pool_crossover.txt
"""
import numpy as np

from library import median_ms
from microtorch.backends import cpu, numba_dispatch


def median_us(f):
    return median_ms(f, repeats=21, warmup=1) * 1e3


rng = np.random.default_rng(0)
for planes, side in ((1, 8), (4, 16), (16, 16), (16, 32), (64, 32), (64, 64), (256, 64)):
    x = rng.standard_normal((1, planes, side, side)).astype(np.float32)
    args = (x, (2, 2), (2, 2), (0, 0), (1, 1), (side // 2, side // 2))
    values, index = cpu.max_pool_forward(*args)
    times = []
    for enabled in (False, True):
        with numba_dispatch.configure(enabled=enabled, min_size=0):
            times.append(median_us(lambda: cpu.max_pool_forward(*args)))
            times.append(median_us(lambda: cpu.max_pool_backward(values, index, x.shape)))
    print(x.size, 'fwd numpy %.0f kernel %.0f us; bwd numpy %.0f kernel %.0f us'
          % (times[0], times[2], times[1], times[3]))
