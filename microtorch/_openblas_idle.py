"""How long OpenBLAS's idle threads spin, set before NumPy loads OpenBLAS.

After each threaded product OpenBLAS's worker threads poll for the next one for 2^28 cycles
(~0.1 s) before they sleep. microtorch's parallel Numba kernels run on threads of their own,
so one that follows a product shares the cores with the polling worker. In the README's
example's training step (1-256-256-1 tanh MLP, batch 1024, 2-core Xeon VM) its first tanh, a
parallel kernel on (1024, 256), took 141-194 us with NumPy imported first (OpenBLAS's
default), 96-145 with microtorch imported first and 115-135 with NumPy first and
OPENBLAS_THREAD_TIMEOUT=14; a (1024, 1024) log_softmax right after a 256 x 256 product took
1.4-1.5x its time alone, and 1.01-1.07x at 14. 2^14 cycles (~6 us) still catch
back-to-back products, whose wake-ups would otherwise cost (a 256 x 64 by 64 x 64 product
took 1.23x its time at 2^4).
benchmarks/results/cpu-linear-rows-2026-12-05 has the runs.

OpenBLAS reads OPENBLAS_THREAD_TIMEOUT (log2 of the cycles) once, when it loads: this sets it
only where NumPy is not loaded yet, and never over the user's own setting. A script that
imports NumPy first keeps OpenBLAS's default unless it sets the variable itself."""
import os
import sys

IDLE_SPIN_LOG2_CYCLES = '14'

if 'numpy' not in sys.modules:
    os.environ.setdefault('OPENBLAS_THREAD_TIMEOUT', IDLE_SPIN_LOG2_CYCLES)
