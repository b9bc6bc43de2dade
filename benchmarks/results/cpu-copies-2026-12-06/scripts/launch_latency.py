"""What one parallel launch costs on this VM: the copy kernel on 16 elements (no work), after
a pause of 0, 20, 100 and 500 us of the main thread (a spin on perf_counter), the median of
1,000 launches. Run it as it is (microtorch sets OMP_WAIT_POLICY=PASSIVE) and with
OMP_WAIT_POLICY=ACTIVE GOMP_SPINCOUNT=N in the environment.
    python launch_latency.py"""
import os
import time

import numpy as np

import microtorch as mt
from microtorch.backends import numba_dispatch as nd

mt.tensor(np.ones(1 << 20, np.float32)).exp()           # kernels loaded, threads started
copy_rows = nd._kernel_module('copy').copy_rows
a = np.ones(16, np.float32)
d = np.empty_like(a)
pc = time.perf_counter


def pause(us):
    end = pc() + us * 1e-6
    while pc() < end:
        pass


cells = []
for gap in (0, 20, 100, 500):
    times = []
    for _ in range(1000):
        pause(gap)
        start = pc()
        copy_rows(a, 0, 1, d, 0, 1, 16, 2)
        times.append(pc() - start)
    cells.append(f'pause {gap} us: {np.median(times) * 1e6:.1f}')
print(os.environ.get('OMP_WAIT_POLICY'), os.environ.get('GOMP_SPINCOUNT'), ' | '.join(cells))
