"""OpenBLAS's idle polling shortened at run time (NumPy imported first): in one process,
rounds alternate OPENBLAS_THREAD_TIMEOUT 28 (OpenBLAS's default) and 14, each set by
re-reading the environment (openblas_read_env) and restarting OpenBLAS's threads
(blas_thread_shutdown_), and time four steps.

    python pollab.py ROUNDS
"""

import os, sys, ctypes, glob, timeit
import numpy as np
import microtorch as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import inprocess_steps  # noqa: E402

lib = ctypes.CDLL(
    glob.glob(os.path.dirname(np.__file__) + '/../numpy.libs/libscipy_openblas64_*.so')[0]
)


def set_timeout(v):
    os.environ['OPENBLAS_THREAD_TIMEOUT'] = v
    lib.openblas_read_env()
    lib.blas_thread_shutdown_()


cases = inprocess_steps.step_cases(L)
res = {k: [] for k in cases}
for r in range(int(sys.argv[1])):
    for v in (('28', '14') if r % 2 == 0 else ('14', '28')):
        set_timeout(v)
        for k, (f, n) in cases.items():
            f()
            res[k].append((v, min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6))
for k, v in res.items():
    d = {'28': [t for x, t in v if x == '28'], '14': [t for x, t in v if x == '14']}
    ratios = [b / a for a, b in zip(d['28'], d['14'])]
    print(
        f'| {k} | {np.median(d["28"]):.0f} | {np.median(d["14"]):.0f} | '
        f'{np.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) |'
    )
