"""How long OpenBLAS's idle threads spin, set before NumPy loads OpenBLAS.

After each threaded product OpenBLAS's worker threads poll for the next one for 2^28 cycles
(~0.1 s) before they sleep. microtorch's parallel Numba kernels run on threads of their own,
so one that follows a product (a classifier's log_softmax after its last Linear) shares the
cores with the polling worker: on the 2-core Xeon VM a (1024, 1024) log_softmax right after a
256 x 256 product took 1.3-2.2x its time alone, and 1.05-1.08x with 2^14 cycles (~6 us),
which still catch back-to-back products (at 2^4 each wake-up costs: a 256 x 64 by 64 x 64
product took 1.23x its time). benchmarks/results/cpu-linear-rows-2026-12-05 has the runs.

OpenBLAS reads OPENBLAS_THREAD_TIMEOUT (log2 of the cycles) once, when it loads: this sets it
only where NumPy is not loaded yet, and never over the user's own setting."""
import os
import sys

IDLE_SPIN_LOG2_CYCLES = '14'

if 'numpy' not in sys.modules:
    os.environ.setdefault('OPENBLAS_THREAD_TIMEOUT', IDLE_SPIN_LOG2_CYCLES)
