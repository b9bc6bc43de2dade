"""Where a small column sum's time goes: one (16, 256) float32 sum(0) timed through each layer
of its path, in one process with Numba's kernels loaded; microseconds, best of 7 repeats.

    python sum_layers.py [TREE]
"""
import sys
import timeit

if len(sys.argv) > 1:
    sys.path.insert(0, sys.argv[1])
import numpy as np  # noqa: E402

import microtorch as mt  # noqa: E402
from microtorch.backends import cpu, exact_sum  # noqa: E402


def best(f, k=20000):
    return min(timeit.repeat(f, number=k, repeat=7)) / k * 1e6


kernels = exact_sum._numba_kernels()
mt.tensor(np.ones(1 << 20, np.float32)).sum()              # the kernels' code loaded
a = np.random.default_rng(0).standard_normal((16, 256)).astype(np.float32)
g, flat, out = mt.tensor(a), a.reshape(-1), np.zeros(256, np.float32)
with mt.no_grad():
    print(f'g.sum(0) under no_grad            {best(lambda: g.sum(0)):6.2f}')
print(f'cpu.sum_forward (the router)      {best(lambda: cpu.sum_forward(a, (0,), False)):6.2f}')
print(f'exact_sum.exact_sum               {best(lambda: exact_sum.exact_sum(a, (0,), False)):6.2f}')
print(f'the kernel (block), from Python   '
      f'{best(lambda: kernels.block(flat, 0, 0, 16, 256, 256, 1, 0, 1, 8, out)):6.2f}')
print(f'np.add.reduce(a, 0)               {best(lambda: np.add.reduce(a, 0)):6.2f}')
