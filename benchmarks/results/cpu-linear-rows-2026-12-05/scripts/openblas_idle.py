"""A parallel Numba kernel right after OpenBLAS's threaded product, against the same kernel
alone, in one process (OpenBLAS's idle spin is read when NumPy loads: run it as
`OPENBLAS_THREAD_TIMEOUT=N python openblas_idle.py N`, or without the variable).

    for r in 1 2 3; do for v in 28 4 10 14; do OPENBLAS_THREAD_TIMEOUT=$v \
        python openblas_idle.py $v; done; done
"""
import sys
import time
import timeit

import numpy as np

sys.path.insert(0, sys.argv[2] if len(sys.argv) > 2 else '.')
import microtorch as L  # noqa: E402

F = L.nn.functional
rng = np.random.default_rng(0)
x = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
a = rng.standard_normal((256, 256)).astype(np.float32)


def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6


def after_product():
    a @ a
    F.log_softmax(x, 1)


F.log_softmax(x, 1)
product = t(lambda: a @ a, 20)
time.sleep(0.3)
print(f'| {sys.argv[1]} | {t(after_product, 10) - product:.0f} | '
      f'{t(lambda: F.log_softmax(x, 1), 10):.0f} | {product:.0f} |')
