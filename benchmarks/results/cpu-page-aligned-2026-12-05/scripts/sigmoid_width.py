"""PyTorch's float32 sigmoid loop (numba_kernels/sleef.py's vector blocks and scalar tails),
compiled twice in one process: as LLVM tunes it, and with vector_width.wide() (512-bit
vectors). Checks the bits are the same, then times them in turns: 9 rounds, each the best of
3 x k calls of either; prints the median of the rounds' ratios (wide / as tuned).

    python sigmoid_width.py
"""
import statistics
import timeit

import numba
import numpy as np

from microtorch.backends.numba_kernels.sleef import _OPTIONS, _sigmoid_scalar, _sigmoid_vector
from microtorch.backends.numba_kernels.vector_width import wide

options = {k: v for k, v in _OPTIONS.items() if k != 'cache'}


def _loop(x, out, block):
    n = x.size
    vector_end = n // block * block
    for i in range(vector_end):
        out[i] = _sigmoid_vector(x[i])
    for i in range(vector_end, n):
        out[i] = _sigmoid_scalar(x[i])


as_tuned = numba.njit(**options)(_loop)


@numba.njit(**options)
def widened(x, out, block):
    wide()
    _loop_inlined(x, out, block)


_loop_inlined = numba.njit(inline='always', **options)(_loop)

print('| elements | as tuned us | wide / as tuned |')
print('|---|---|---|')
for n in (1 << 12, 1 << 14, 1 << 16):
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    a, b = np.empty_like(x), np.empty_like(x)
    as_tuned(x, a, 16)
    widened(x, b, 16)
    assert np.array_equal(a.view(np.int32), b.view(np.int32))
    k = max(20, int(2e6 // n))
    ratios, tuned = [], []
    for _ in range(9):
        t0 = min(timeit.repeat(lambda: as_tuned(x, a, 16), number=k, repeat=3)) / k
        t1 = min(timeit.repeat(lambda: widened(x, b, 16), number=k, repeat=3)) / k
        ratios.append(t1 / t0)
        tuned.append(t0 * 1e6)
    print(f'| 2^{n.bit_length() - 1} | {statistics.median(tuned):.1f} | '
          f'{statistics.median(ratios):.2f} |')
