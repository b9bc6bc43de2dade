"""Back-to-back products per OpenBLAS idle spin: `OPENBLAS_THREAD_TIMEOUT=N python
openblas_products.py N` (without the variable: OpenBLAS's default; NumPy is imported first,
so microtorch's import does not set it). Best of 7 repeats, us a product:
256 x 256 by 256 x 256, 1024 x 256 by 256 x 1024, 256 x 64 by 64 x 64."""
import sys
import timeit

import numpy as np

r = np.random.default_rng(0)
a, b = r.standard_normal((256, 256)).astype(np.float32), r.standard_normal((256, 256)).astype(
    np.float32)
c, d = r.standard_normal((1024, 256)).astype(np.float32), r.standard_normal(
    (256, 1024)).astype(np.float32)
e, f = r.standard_normal((256, 64)).astype(np.float32), r.standard_normal((64, 64)).astype(
    np.float32)


def t(g, n):
    return min(timeit.repeat(g, number=n, repeat=7)) / n * 1e6


print(f'| {sys.argv[1]} | {t(lambda: a @ b, 200):.1f} | {t(lambda: c @ d, 10):.1f} | '
      f'{t(lambda: e @ f, 500):.1f} |')
