"""The layer_norm kernels on one core, data in cache: python kernels_one_core.py TREE old|new
(old: 539f983's row_dots_of_products signature). Prints ns an element per kernel."""
import sys
import timeit

import numpy as np

sys.path.insert(0, sys.argv[1])
from microtorch.backends.numba_kernels import norms, torch_moments as tm
from microtorch.backends import torch_norms
rng = np.random.default_rng(0)
R, N = 32, 1024
x = rng.standard_normal((R, N)).astype(np.float32)
dy = rng.standard_normal((R, N)).astype(np.float32)
y, mean, rstd = torch_norms.layer_norm_forward(x, None, None, 1e-5)
out = np.empty(R, np.float32); var = np.empty(R, np.float32)
begins = np.array([0, R//2], np.int64); ends = np.array([R//2, R], np.int64)
old = sys.argv[2] == 'old'
cases = [('copy', lambda: np.copyto(y, x)),
         ('moments', lambda: tm.rowwise_moments_serial(x, 8, mean, var, 1)),
         ('param buffers',
          lambda: norms.layer_norm_param_buffers_serial(dy, x, mean, rstd, begins, ends))]
if old:
    cases.append(('row_dot',
                  lambda: norms.row_dots_of_products_serial(dy, dy, x, False, True, out)))
else:
    cases.append(('row_dot', lambda: norms.row_dots_of_products_serial(dy, x, True, False, out)))
for name, f in cases:
    f()
    t = min(timeit.repeat(f, number=200, repeat=9)) / 200 / x.size * 1e9
    print(f'{name:16s} {t:6.3f}', end=' | ')
print()
