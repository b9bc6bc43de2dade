import timeit, sys, numpy as np
import microtorch as L
from microtorch.backends import numba_dispatch as nd
F, nn = L.nn.functional, L.nn
L.tensor(np.ones(1 << 15, np.float32)).sum()
rng = np.random.default_rng(0)
def adam_step(model, x, y, lr):
    opt = L.optim.Adam(model.parameters(), lr=lr)
    return lambda: (opt.zero_grad(), F.mse_loss(model(x), y).backward(), opt.step())
x1 = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
small = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(), nn.Linear(64, 1))
sgd = L.optim.SGD(small.parameters(), lr=0.05)
x2 = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
main = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(), nn.Linear(256, 1))
big = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 1))
xb = L.tensor(rng.standard_normal((1024, 256)).astype(np.float32))
yb = L.tensor(rng.standard_normal((1024, 1)).astype(np.float32))
a = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
b = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32), requires_grad=True)
g = L.tensor(rng.standard_normal((1024, 1024)).astype(np.float32))
cases = {'small MLP': (lambda: (sgd.zero_grad(), F.mse_loss(small(x1), L.sin(3 * x1)).backward(), sgd.step()), 30),
         'README step': (adam_step(main, x2, L.sin(3 * x2), 3e-3), 8),
         'big MLP': (adam_step(big, xb, yb, 1e-3), 2),
         'matmul f+b': (lambda: (a @ b).backward(g), 2)}
variants = {'as is': (1 << 62, False)}
for v in sys.argv[2:]:
    frm, hold = v.split(':')
    variants[v] = (1 << int(frm), hold == 'hold')
res = {k: {v: [] for v in variants} for k in cases}
names = list(variants)
for r in range(int(sys.argv[1])):
    for v in (names if r % 2 == 0 else names[::-1]):
        nd.POOLED_GEMM_FROM, nd.HOLD_MID = variants[v]
        for k, (f, n) in cases.items():
            f()
            res[k][v].append(min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6)
print('| case | ' + ' | '.join(names) + ' |')
print('|---|' + '---|' * len(names))
for k, by in res.items():
    base = by['as is']
    cells = [f'{np.median(base):.0f}'] + [f'{np.median(by[v]):.0f} ({np.median([x / y for x, y in zip(by[v], base)]):.2f})' for v in names[1:]]
    print(f'| {k} | ' + ' | '.join(cells) + ' |')
