"""In one process (3 passes, medians of the best of 7), NumPy's broadcast against the routed
kernels: a matrix plus a repeated row and `y += row` in place (elementwise.add_row_in_place,
what nn.Linear's forward calls), or a matrix and a repeated column (x - x.mean(1,
keepdim=True)).

    python in_process.py [rows | columns]
"""
import sys
import timeit
import numpy as np
import microtorch as L
from microtorch.backends import cpu
from microtorch.backends.numba_kernels import elementwise as E
L.tensor(np.ones(1 << 15, np.float32)).sum()
rng = np.random.default_rng(0)
columns = sys.argv[1:] == ['columns']


def t(f, n=40):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6


for shape in ((1024, 256), (1024, 1024), (4096, 1024)):
    h = rng.standard_normal(shape).astype(np.float32)
    if columns:
        c = rng.standard_normal((shape[0], 1)).astype(np.float32)
        cases = (lambda: h - c, lambda: cpu.sub_forward(h, c),
                 lambda: h / c, lambda: cpu.div_forward(h, c))
        form = 'h - c: NumPy %.0f kernel %.0f | h / c: NumPy %.0f kernel %.0f'
    else:
        b = rng.standard_normal(shape[1]).astype(np.float32)
        y = h.copy()
        cases = (lambda: h + b, lambda: cpu.add_forward(h, b),
                 lambda: np.add(y, b, out=y), lambda: E.add_row_in_place(y, b))
        form = 'h + b: NumPy %.0f kernel %.0f | y += b: NumPy %.0f kernel %.0f'
    med = np.median(np.array([[t(f) for f in cases] for _ in range(3)]), axis=0)
    print(shape, form % tuple(med))
