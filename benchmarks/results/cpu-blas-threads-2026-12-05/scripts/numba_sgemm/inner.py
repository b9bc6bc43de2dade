"""The micro-kernel over a strip of C: a 12-row panel of A in L1, 32-column panels of B
streamed from L2 (n = 256 to 2048), one thread.

    KC=256 PF=8 python inner.py
"""

import sys, time, os, numpy as np, numba

sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
from micro import micro_tile, MR, NR


@numba.njit
def inner(kc, ub, wp, c, n, panels, reps, acc):
    for r in range(reps):
        for cp in range(panels):
            micro_tile(
                kc,
                ub.ctypes.data + cp * kc * MR * 4,
                wp.ctypes.data,
                c[0:, cp * MR :].ctypes.data,
                n,
                acc,
            )


kc = int(os.environ.get('KC', 256))
for n in (256, 512, 1024, 2048):
    panels = n // MR
    ub = np.random.rand(panels * kc * MR).astype(np.float32)
    wp = np.random.rand(kc * NR).astype(np.float32)
    c = np.zeros((NR, n), np.float32)
    inner(kc, ub, wp, c, n, panels, 1, True)
    reps = max(1, 20000 // panels)
    best = 1e9
    for _ in range(5):
        t = time.perf_counter()
        inner(kc, ub, wp, c, n, panels, reps, True)
        best = min(best, time.perf_counter() - t)
    print(
        f'n={n} U={ub.nbytes >> 10} KiB: {2.0 * MR * NR * kc * panels * reps / best / 1e9:.0f} GF/s'
    )
