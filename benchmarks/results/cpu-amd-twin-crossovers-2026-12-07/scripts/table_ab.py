"""In-process A/B of the AMD parallel crossovers: each family parallel from its size (old, the
table before this session) against CANDIDATE, taking turns (run from the repository root).

    python benchmarks/results/cpu-amd-twin-crossovers-2026-12-07/scripts/table_ab.py ROUNDS
"""
import os
import statistics
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *['..'] * 4))
sys.path[:0] = [ROOT, os.path.join(ROOT, 'benchmarks')]
import timing  # noqa: E402

import microtorch as torch  # noqa: E402
import microtorch.nn as nn  # noqa: E402
import microtorch.nn.functional as F  # noqa: E402
from microtorch.backends import numba_dispatch as D  # noqa: E402

OLD = {}                                        # parallel from each family's size
CANDIDATE = {'elementwise_fused': 1 << 20, 'transcendental': 1 << 20, 'softmax': 1 << 20,
             'reduction': 1 << 22}
rng = np.random.default_rng(0)


def T(shape, grad=False):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=grad)


def mlp_step(layers, act, batch, opt_cls, lr):
    torch.manual_seed(0)
    mods = []
    for i in range(len(layers) - 1):
        mods.append(nn.Linear(layers[i], layers[i + 1]))
        if i < len(layers) - 2:
            mods.append(act())
    model = nn.Sequential(*mods)
    opt = opt_cls(model.parameters(), lr=lr)
    x, y = T((batch, layers[0])), T((batch, 1))
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
    return step


cases = {
    'README step 1-256-256-1 tanh Adam 1024': mlp_step([1, 256, 256, 1], nn.Tanh, 1024,
                                                      torch.optim.Adam, 3e-3),
    'MLP 1-64-64-1 sigmoid SGD 256': mlp_step([1, 64, 64, 1], nn.Sigmoid, 256,
                                              torch.optim.SGD, 0.05),
    'MLP 256-1024-1024-1 relu Adam 1024': mlp_step([256, 1024, 1024, 1], nn.ReLU, 1024,
                                                   torch.optim.Adam, 1e-3),
}
for shape in [(256, 64), (512, 256), (1024, 1024)]:
    x = T(shape, True)
    cases[f'softmax f+b {shape}'] = lambda x=x: F.softmax(x, dim=1).sum().backward()
for e in (16, 18, 20, 22):
    x = T(1 << e, True)
    cases[f'tanh(sigmoid(x) * x + 1).sum() f+b 2^{e}'] = \
        lambda x=x: (torch.sigmoid(x) * x + 1).tanh().sum().backward()
for e in (18, 20, 22):
    s = T(1 << e)
    cases[f'sum 2^{e}'] = lambda s=s: s.sum()
bn = nn.BatchNorm2d(16)
xb = T((32, 16, 16, 16), True)
cases['batch_norm2d f+b (32,16,16,16)'] = lambda: bn(xb).sum().backward()
ln = nn.LayerNorm(128)
xl = T((1024, 128), True)
cases['layer_norm f+b (1024,128)'] = lambda: ln(xl).sum().backward()
gn = nn.GroupNorm(8, 32)
xg = T((8, 32, 16, 16), True)
cases['group_norm f+b (8,32,16,16)'] = lambda: gn(xg).sum().backward()
xg2 = T((32, 64, 32, 32), True)
gn2 = nn.GroupNorm(32, 64)
cases['group_norm f+b (32,64,32,32)'] = lambda: gn2(xg2).sum().backward()
res = {k: [] for k in cases}
for name, f in cases.items():
    for tab in (OLD, CANDIDATE):
        with D.configure(parallel_from=tab):
            f()
            f()
for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
    for name, f in cases.items():
        with D.configure(parallel_from=OLD):
            o = timing.first_quartile_us(f, 15)
        with D.configure(parallel_from=CANDIDATE):
            n = timing.first_quartile_us(f, 15)
        res[name].append((o, n))
print('| case | old us | candidate us | candidate / old |\n|---|---|---|---|')
for name, v in res.items():
    old, new = statistics.median(o for o, n in v), statistics.median(n for o, n in v)
    print(f'| {name} | {old:.1f} | {new:.1f} | {statistics.median(n / o for o, n in v):.2f} |')
