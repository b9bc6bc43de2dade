"""NumPy against the Numba kernels forced serial and forced parallel, per size: where the
parallel kernel overtakes NumPy on this machine (numba_crossover.py times the kernels as the
routers run them, so it cannot see a crossover below the current one).

    python crossover_parallel.py [TREE]
"""
import sys
import timeit

import numpy as np

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else '.')
from microtorch.backends import cpu, numba_dispatch  # noqa: E402

kernels = numba_dispatch._kernel_module('elementwise')
rng = np.random.default_rng(0)


def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6


print('| primitive | elements | NumPy us | serial kernel us | parallel kernel us |')
print('|---|---|---|---|---|')
for name, arity in (('mul_forward', 2), ('add_forward', 2), ('neg_forward', 1),
                    ('div_forward', 2), ('exp_forward', 1), ('log_forward', 1),
                    ('tanh_forward', 1), ('sin_forward', 1)):
    for e in range(13, 20):
        n = 1 << e
        args = [(np.abs(rng.standard_normal(n)) + 0.1).astype(np.float32)
                for _ in range(arity)]
        k = max(5, int(5e6 // n))
        numpy_fn, kernel = getattr(cpu, name).numpy, getattr(kernels, name)
        times = [t(lambda: numpy_fn(*args), k)]
        for min_size in (1 << 40, 0):
            with numba_dispatch.configure(enabled=True, min_size=min_size):
                kernel(*args)
                times.append(t(lambda: kernel(*args), k))
        print(f'| {name} | 2^{e} | ' + ' | '.join(f'{v:.1f}' for v in times) + ' |')
