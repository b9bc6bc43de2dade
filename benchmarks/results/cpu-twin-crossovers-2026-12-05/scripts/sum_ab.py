"""In-process A/B of exact_sum's parallel crossover on the Xeon: sums taking the parallel
split from the reduction family's size (old, 2^18) against from the measured 2^19 (new).

    python sum_ab.py ROUNDS
"""
import statistics
import sys

import numpy as np

sys.path.insert(0, '/work/main/benchmarks')
import timing  # noqa: E402
import microtorch as torch  # noqa: E402
from microtorch.backends import numba_dispatch as D  # noqa: E402

NEW = dict(D.settings.parallel_from)
OLD = {f: n for f, n in NEW.items() if f != 'reduction'}
rng = np.random.default_rng(0)
cases = {}
for shape in [(1 << 18,), (512, 512), (1024, 256), (1 << 17,), (1 << 19,), (1024, 512)]:
    x = torch.tensor(rng.standard_normal(shape).astype(np.float32))
    cases[f'sum {shape}'] = lambda x=x: x.sum()
for shape, dim in [((1024, 256), 1), ((1024, 256), 0), ((256, 1024), 1), ((512, 512), 1)]:
    x = torch.tensor(rng.standard_normal(shape).astype(np.float32))
    cases[f'sum {shape} dim {dim}'] = lambda x=x, d=dim: x.sum(d)
x = torch.tensor(rng.standard_normal((512, 512)).astype(np.float32), requires_grad=True)
cases['mse_loss f+b (512, 512)'] = lambda: (x * x).mean().backward()
res = {k: [] for k in cases}
for f in cases.values():
    for tab in (OLD, NEW):
        with D.configure(parallel_from=tab):
            f()
            f()
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
    for name, f in cases.items():
        with D.configure(parallel_from=OLD):
            o = timing.first_quartile_us(f, 21)
        with D.configure(parallel_from=NEW):
            n = timing.first_quartile_us(f, 21)
        res[name].append((o, n))
print('| case | old us | new us | new / old |\n|---|---|---|---|')
for name, v in res.items():
    old, new = statistics.median(o for o, n in v), statistics.median(n for o, n in v)
    print(f'| {name} | {old:.1f} | {new:.1f} | {statistics.median(n / o for o, n in v):.2f} |')
