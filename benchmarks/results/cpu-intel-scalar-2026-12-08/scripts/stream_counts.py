"""What a parallel pass over 2^24 float32 elements gets from memory as it reads and writes
more arrays at once, beside maximum_backward's kernel (reads a, b, gy; writes ga, gb: 20 B an
element): trivial prange kernels of 2 streams (a copy), 3 (a + b) and 5 (3 read, 2 written),
each into existing arrays, upper median of 21 calls (timing.upper_median_us), GB/s counting
every byte once.

    python stream_counts.py
"""
import os
import sys

import numba
import numpy as np

from microtorch.backends.numba_kernels import elementwise

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), *['..'] * 3))
import timing  # noqa: E402  (benchmarks/timing.py)


@numba.njit(parallel=True)
def copy2(a, out):
    for i in numba.prange(a.size):
        out[i] = a[i]


@numba.njit(parallel=True)
def add3(a, b, out):
    for i in numba.prange(a.size):
        out[i] = a[i] + b[i]


@numba.njit(parallel=True)
def five(a, b, gy, ga, gb):
    for i in numba.prange(gy.size):
        ga[i] = a[i] + gy[i]
        gb[i] = b[i] + gy[i]


def main():
    n = 1 << 24
    rng = np.random.default_rng(0)
    a, b, gy = (rng.uniform(-2, 2, n).astype(np.float32) for _ in range(3))
    ga, gb = np.empty_like(a), np.empty_like(a)
    cases = [('copy: 1 read, 1 write', 8, lambda: copy2(a, ga)),
             ('a + b: 2 reads, 1 write', 12, lambda: add3(a, b, ga)),
             ('3 reads, 2 writes (trivial)', 20, lambda: five(a, b, gy, ga, gb)),
             ('maximum_backward kernel, into existing arrays', 20,
              lambda: elementwise._EXTREME_GRADS(a, b, gy, ga, gb)),
             ('maximum_backward primitive, new outputs', 20,
              lambda: elementwise.maximum_backward(a, b, gy))]
    print('| pass | bytes an element | GB/s |')
    print('|---|---|---|')
    for name, per, call in cases:
        print(f'| {name} | {per} | {per * n / timing.upper_median_us(call, 21) / 1e3:.1f} |')


if __name__ == '__main__':
    main()
