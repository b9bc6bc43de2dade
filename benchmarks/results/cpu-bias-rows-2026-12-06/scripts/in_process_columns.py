"""In one process (3 passes, medians of the best of 7): a matrix and a column repeated across
it (x - x.mean(1, keepdim=True)), NumPy's broadcast against the routed kernel."""
import timeit
import numpy as np
import microtorch as L
from microtorch.backends import cpu
L.tensor(np.ones(1 << 15, np.float32)).sum()
rng = np.random.default_rng(0)


def t(f, n=40):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6


for shape in ((1024, 256), (1024, 1024), (4096, 1024)):
    h = rng.standard_normal(shape).astype(np.float32)
    c = rng.standard_normal((shape[0], 1)).astype(np.float32)
    rows = []
    for r in range(3):
        rows.append((t(lambda: h - c), t(lambda: cpu.sub_forward(h, c)),
                     t(lambda: h / c), t(lambda: cpu.div_forward(h, c))))
    med = np.median(np.array(rows), axis=0)
    print(shape, 'h - c: NumPy %.0f kernel %.0f | h / c: NumPy %.0f kernel %.0f' % tuple(med))
