"""In-process A/B of the Xeon's parallel crossovers: each family parallel from its size (old)
against the measured numba_dispatch._PARALLEL_FROM_MEASURED (new), taking turns.

    python table_ab.py ROUNDS
"""
import numpy as np, statistics, sys
sys.path.insert(0, '/work/main/benchmarks')
import timing
import microtorch as torch
import microtorch.nn as nn
import microtorch.nn.functional as F
from microtorch.backends import numba_dispatch as D
OLD = {}                                        # parallel from each family's size
NEW = dict(D.settings.parallel_from)            # the measured table
rng = np.random.default_rng(0)
def T(shape, grad=False):
    return torch.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=grad)
def mlp_step(layers, act, batch, opt_cls, lr):
    torch.manual_seed(0)
    mods = []
    for i in range(len(layers) - 1):
        mods.append(nn.Linear(layers[i], layers[i + 1]))
        if i < len(layers) - 2: mods.append(act())
    model = nn.Sequential(*mods); opt = opt_cls(model.parameters(), lr=lr)
    x, y = T((batch, layers[0])), T((batch, 1)); loss_fn = nn.MSELoss()
    def step():
        opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
    return step
cases = {}
cases['README step 1-256-256-1 tanh Adam 1024'] = mlp_step([1, 256, 256, 1], nn.Tanh, 1024,
                                                   torch.optim.Adam, 3e-3)
cases['MLP 1-64-64-1 sigmoid SGD 256'] = mlp_step([1, 64, 64, 1], nn.Sigmoid, 256,
                                           torch.optim.SGD, 0.05)
for shape in [(256, 64), (512, 256)]:
    x = T(shape, True); t = torch.tensor(rng.integers(0, shape[1], shape[0]))
    cases[f'log_softmax {shape}'] = lambda x=x: F.log_softmax(x, dim=1)
    cases[f'softmax f+b {shape}'] = lambda x=x: F.softmax(x, dim=1).sum().backward()
    cases[f'cross_entropy f+b {shape}'] = lambda x=x, t=t: F.cross_entropy(x, t).backward()
for e in (16, 17):
    x = T(1 << e, True)
    cases[f'tanh f+b 2^{e}'] = lambda x=x: x.tanh().sum().backward()
bn = nn.BatchNorm2d(16); xb = T((32, 16, 16, 16), True)
cases['batch_norm2d f+b (32,16,16,16)'] = lambda: bn(xb).sum().backward()
bn8 = nn.BatchNorm2d(16); xb8 = T((16, 16, 16, 16), True)
cases['batch_norm2d f+b (16,16,16,16)'] = lambda: bn8(xb8).sum().backward()
ln = nn.LayerNorm(128); xl = T((1024, 128), True)
cases['layer_norm f+b (1024,128)'] = lambda: ln(xl).sum().backward()
a, b = T(1 << 17, True), T(1 << 17)
cases['mse_loss f+b 2^17'] = lambda: F.mse_loss(a, b).backward()
s = T((512, 512))
cases['sum (512,512)'] = lambda: s.sum()
xp = T((16, 16, 32, 32), True)
cases['max_pool2d f+b (16,16,32,32)'] = lambda: F.max_pool2d(xp, 2).sum().backward()
cases['avg_pool2d f+b (16,16,32,32)'] = lambda: F.avg_pool2d(xp, 2).sum().backward()
xt = T((256, 512))
cases['contiguous of a transpose (256,512)'] = lambda: xt.t().contiguous()
xc = T((512, 256), True)
cases['cumsum f+b (512,256) dim 1'] = lambda: xc.cumsum(1).sum().backward()
res = {k: [] for k in cases}
for name, f in cases.items():
    for tab in (OLD, NEW):
        with D.configure(parallel_from=tab): f(); f()
for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
    for name, f in cases.items():
        with D.configure(parallel_from=OLD): o = timing.first_quartile_us(f, 15)
        with D.configure(parallel_from=NEW): n = timing.first_quartile_us(f, 15)
        res[name].append((o, n))
print('| case | old us | new us | new / old |\n|---|---|---|---|')
for name, v in res.items():
    old, new = statistics.median(o for o, n in v), statistics.median(n for o, n in v)
    print(f'| {name} | {old:.1f} | {new:.1f} | {statistics.median(n / o for o, n in v):.2f} |')
