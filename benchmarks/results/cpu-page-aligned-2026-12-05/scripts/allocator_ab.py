"""The page-aligned allocator against NumPy's own in one process, taking turns: each round
builds every case afresh under one allocator (its arrays, its model), times it, then does the
same under the other; the heap's thresholds are fixed for both (as microtorch fixes them).

    python allocator_ab.py [ROUNDS]

Prints a markdown table: per case the median of the rounds' best times under each allocator
and the median of the rounds' ratios (page-aligned / NumPy's). Separate processes taking
turns (benchmarks/tree_ab.py) see this VM's speed change by 1.3x between them; here both
halves of a round are seconds apart.
"""
import statistics
import sys
import timeit

import numpy as np

import microtorch as L
from microtorch.backends import heap

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 7
F, nn = L.nn.functional, L.nn
L.tensor(np.ones(1 << 15, np.float32)).sum()        # Numba's kernels loaded, heap tuned
assert heap.page_aligned, 'the allocator was not installed'
rng = np.random.default_rng(0)


def _randn(*shape, grad=False):
    return L.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=grad)


def _adam_step(model, x, y, lr):
    opt = L.optim.Adam(model.parameters(), lr=lr)
    return lambda: (opt.zero_grad(), F.mse_loss(model(x), y).backward(), opt.step())


def scalar_sgd():
    w = L.tensor([1.0], requires_grad=True)
    x, y = L.tensor([2.0]), L.tensor([4.0])

    def step():
        loss = (x * w - y) ** 2
        loss.backward()
        w.data = w.data - 0.01 * w.grad.data
        w.grad.data.zero_()
    return step, 1000


def small_mlp_step():
    x = L.tensor(rng.uniform(-2, 2, (256, 1)).astype(np.float32))
    model = nn.Sequential(nn.Linear(1, 64), nn.Sigmoid(), nn.Linear(64, 64), nn.Sigmoid(),
                          nn.Linear(64, 1))
    sgd = L.optim.SGD(model.parameters(), lr=0.05)
    y = L.sin(3 * x)
    return lambda: (sgd.zero_grad(), F.mse_loss(model(x), y).backward(), sgd.step()), 50


def readme_step():
    x = L.tensor(rng.uniform(-2, 2, (1024, 1)).astype(np.float32))
    model = nn.Sequential(nn.Linear(1, 256), nn.Tanh(), nn.Linear(256, 256), nn.Tanh(),
                          nn.Linear(256, 1))
    return _adam_step(model, x, L.sin(3 * x), 3e-3), 10


def big_mlp_step():
    model = nn.Sequential(nn.Linear(256, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                          nn.Linear(1024, 1))
    return _adam_step(model, _randn(1024, 256), _randn(1024, 1), 1e-3), 3


def matmul():
    a, b, g = _randn(1024, 1024, grad=True), _randn(1024, 1024, grad=True), _randn(1024, 1024)
    return lambda: (a @ b).backward(g), 3


def chain():
    x = _randn(1 << 22, grad=True)
    return lambda: (x.sigmoid() * x + 1).tanh().sum().backward(), 3


def unary(n, name):
    def make():
        u = _randn(n)
        return {'2 * x': lambda: 2 * u, 'exp': u.exp}[name], max(5, int(2e6 // n))
    return make


def log_softmax():
    s = _randn(1024, 1024)
    return lambda: F.log_softmax(s, 1), 10


def softmax_step():
    s, g = _randn(1024, 1024, grad=True), _randn(1024, 1024)
    return lambda: F.softmax(s, 1).backward(g), 10


CASES = {'scalar SGD step': scalar_sgd,
         'MLP 1-64-64-1 sigmoid SGD step, batch 256': small_mlp_step,
         "README example's step (1-256-256-1 tanh, Adam, 1024)": readme_step,
         'MLP 256-1024-1024-1 ReLU Adam step, batch 1024': big_mlp_step,
         'matmul 1024 f+b': matmul,
         'tanh(sigmoid(x)*x+1).sum() f+b, 2^22': chain,
         **{f'{op}, 2^{k}': unary(1 << k, op) for k in (16, 18, 20) for op in ('2 * x', 'exp')},
         'log_softmax (1024, 1024)': log_softmax,
         'softmax f+b (1024, 1024)': softmax_step}

times = {name: {True: [], False: []} for name in CASES}
ours = heap.page_aligned[0]
for r in range(ROUNDS):
    for name, make in CASES.items():
        for aligned in ((True, False) if r % 2 == 0 else (False, True)):
            heap.set_numpy_allocator(ours if aligned else None)
            f, n = make()
            f()                                          # first call: compile, allocate
            times[name][aligned].append(min(timeit.repeat(f, number=n, repeat=5)) / n * 1e6)
            del f
heap.set_numpy_allocator(ours)

print('| case | NumPy\'s allocator us | page-aligned us | page-aligned / NumPy\'s |')
print('|---|---|---|---|')
for name, t in times.items():
    ratio = statistics.median(a / b for a, b in zip(t[True], t[False]))
    print(f'| {name} | {statistics.median(t[False]):.1f} | {statistics.median(t[True]):.1f} '
          f'| {ratio:.2f} |')
