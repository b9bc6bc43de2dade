"""How long a parallel kernel's launch takes after the main thread was busy for a while, with
Numba's OpenMP workers as the environment sets them (run once per GOMP_SPINCOUNT):

    GOMP_SPINCOUNT=3000 python omp_spin_gap.py

A parallel `a * b` on 2^12 elements (every size forced through the kernels), after a busy
wait of each gap; the median of 280 launches per gap, in microseconds.
"""
import os
import statistics
import time

import numpy as np

import microtorch as torch
from microtorch.backends import numba_dispatch

a = torch.tensor(np.ones(1 << 12, np.float32))
b = a * 1
clock = time.perf_counter
medians = []
with numba_dispatch.configure(min_size=0):
    for gap_us in (0, 5, 20, 50, 100, 200, 500, 1000, 3000):
        launches = []
        for i in range(300):
            start = clock()
            while (clock() - start) * 1e6 < gap_us:
                pass
            begin = clock()
            a * b
            launches.append((clock() - begin) * 1e6)
        medians.append(f'{gap_us}:{statistics.median(launches[20:]):.1f}')
print(os.environ.get('GOMP_SPINCOUNT', '-'), os.environ.get('OMP_WAIT_POLICY', '-'),
      ' '.join(medians))
