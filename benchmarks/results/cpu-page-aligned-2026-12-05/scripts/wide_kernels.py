"""Each kernel that calls vector_width.wide(), compiled twice in one process: as written
(512-bit vectors on AVX-512 hosts) and with `wide` bound to vector_width.as_tuned (LLVM's
own width). Checks the outputs have the same bits, then times the two in turns: 7 rounds,
each the best of 3 x k calls; prints the median of the rounds' ratios (wide / as tuned).

    python wide_kernels.py
"""
import statistics
import timeit
import types

import numba
import numpy as np

from microtorch.backends.numba_kernels import gelu, sleef, vector_width

N = 1 << 16
rng = np.random.default_rng(0)
x = rng.standard_normal(N).astype(np.float32)
gy = rng.standard_normal(N).astype(np.float32)
tails = np.zeros((0, 2), np.int64)            # no scalar tails: the vector loop only
F = np.float32
CASES = [  # (module, kernel name, arguments before out, arguments after out)
    (sleef, 'expm1_serial', (x,), ()),
    (sleef, 'log1p_serial', (np.abs(x),), ()),
    (sleef, 'elu_map', (x,), (F(1.0), F(1.0), F(1.0), tails)),
    (sleef, 'softplus_map', (x,), (F(1.0), F(20.0), tails)),
    (sleef, 'softplus_grad_map', (gy, x), (F(1.0), F(20.0), tails)),
    (sleef, 'elu_grad_map', (gy, x), (F(1.0), F(1.0), F(1.0), tails)),
    (gelu, '_forward', (x,), ()),
    (gelu, '_backward', (x, gy), ()),
]


def _twins(module, name):
    kernel = getattr(module, name)
    options = {k: v for k, v in kernel.targetoptions.items() if k not in ('cache', 'nopython')}
    source = kernel.py_func
    tuned = types.FunctionType(source.__code__, dict(source.__globals__,
                                                     wide=vector_width.as_tuned), name)
    return numba.njit(**options)(tuned), numba.njit(**options)(source)


print('| kernel (2^16 float32) | as tuned us | wide / as tuned |')
print('|---|---|---|')
for module, name, before, after in CASES:
    tuned, wide = _twins(module, name)
    a, b = np.empty(N, np.float32), np.empty(N, np.float32)
    tuned(*before, a, *after)
    wide(*before, b, *after)
    assert np.array_equal(a.view(np.int32), b.view(np.int32)), name
    k = 200
    ratios, times = [], []
    for _ in range(7):
        t0 = min(timeit.repeat(lambda: tuned(*before, a, *after), number=k, repeat=3)) / k
        t1 = min(timeit.repeat(lambda: wide(*before, b, *after), number=k, repeat=3)) / k
        ratios.append(t1 / t0)
        times.append(t0 * 1e6)
    print(f'| {module.__name__.rsplit(".", 1)[1]}.{name} | {statistics.median(times):.1f} | '
          f'{statistics.median(ratios):.2f} |')
