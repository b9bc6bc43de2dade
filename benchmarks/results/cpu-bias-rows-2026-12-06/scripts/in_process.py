"""In one process (3 passes, medians of the best of 7): a matrix plus a repeated row, NumPy's
broadcast against the routed kernel, and `y += row` in place, NumPy against
elementwise.add_row_in_place (what nn.Linear's forward now calls).
"""
import timeit, numpy as np
import microtorch as L
from microtorch.backends import cpu
from microtorch.backends.numba_kernels import elementwise as E
L.tensor(np.ones(1 << 15, np.float32)).sum()
rng = np.random.default_rng(0)
def t(f, n=40):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6
for shape in ((1024, 256), (1024, 1024), (4096, 1024)):
    h = rng.standard_normal(shape).astype(np.float32)
    b = rng.standard_normal(shape[1]).astype(np.float32)
    y = h.copy()
    rows = []
    for r in range(3):
        rows.append((t(lambda: h + b), t(lambda: cpu.add_forward(h, b)),
                     t(lambda: np.add(y, b, out=y)), t(lambda: E.add_row_in_place(y, b))))
    med = np.median(np.array(rows), axis=0)
    print(shape, 'h + b: NumPy %.0f kernel %.0f | y += b: NumPy %.0f kernel %.0f' % tuple(med))
