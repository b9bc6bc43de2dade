# row_dots_of_products_serial alone: PYTHONPATH-free, python row_dots.py TREE (float64 needs a
# tree from 5bde3d0 on)
import sys, timeit, numpy as np
sys.path.insert(0, sys.argv[1])
from microtorch.backends.numba_kernels import norms as nk
rng = np.random.default_rng(0)
for dt in (np.float32, np.float64):
    for shape in ((2048, 64), (256, 1024), (8192, 16)):
        p = rng.standard_normal(shape).astype(dt); q = rng.standard_normal(shape).astype(dt)
        out = np.empty(shape[0], dt)
        f = lambda: nk.row_dots_of_products_serial(p, q, True, False, True, out)
        f()
        print(dt.__name__, shape, round(min(timeit.repeat(f, number=100, repeat=7)) / 100 * 1e6, 1))
