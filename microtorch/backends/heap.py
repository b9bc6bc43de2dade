"""Keep freed large arrays in the C heap, so that the next step's temporaries reuse them.

glibc's malloc serves a block above its mmap threshold (a threshold it raises towards the
largest block freed, to at most 32 MiB) with fresh pages from the kernel, and gives the heap's
free top back to the kernel beyond twice that. A training step on large arrays allocates the
same temporaries every step; with several 16 MiB arrays alive at once, the heap was trimmed
and refilled each step: the 2^22-element float32 chain of benchmarks/cpu_speed.py faulted in
about 1,000 fresh pages a step and took 17 ms (54 ms for its first ten steps, on this
2-core VM), against 12 ms with fixed thresholds (benchmarks/results/
cpu-small-tensor-costs-2026-12-03). PyTorch's performance guide suggests a caching allocator
(jemalloc, tcmalloc) for the same reason.

So when an op first meets a large array (Function.apply: one at least as large as the
smallest Numba crossover, so never with Numba off) or a fused kernel first loads
(numba_dispatch), microtorch fixes the thresholds with mallopt: blocks up to MMAP_FROM come
from the heap, and up to KEEP bytes of free heap top stay in the process. Skipped when
MICROTORCH_MALLOC_TUNING=0, when the user has tuned malloc (MALLOC_*_ variables or
GLIBC_TUNABLES), and where the C library is not glibc.
"""
import ctypes
import ctypes.util
import os

MMAP_FROM = 128 << 20
KEEP = 512 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3       # glibc's malloc.h

_state = []


def keep_large_blocks():
    """Fix glibc's thresholds, once a process; True when they are set (now or before)."""
    if not _state:
        _state.append(_tune())
    return _state[0]


def _tune():
    env = os.environ
    if env.get('MICROTORCH_MALLOC_TUNING', '1') == '0' or 'GLIBC_TUNABLES' in env or any(
            k.startswith('MALLOC_') and k.endswith('_') for k in env):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        mallopt = libc.mallopt
    except (OSError, AttributeError):                # not glibc: nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_FROM) and mallopt(_M_TRIM_THRESHOLD, KEEP))
