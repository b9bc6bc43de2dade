"""Small norms in a fresh process, where nothing has loaded Numba yet: the first call (what
loading costs, if it loads) and then the best of 7 repeats per call, forward + backward.

    python fresh_norms.py TREE          (prints a JSON dict of microseconds)
    python benchmarks/tree_ab.py's in_turns runs it for two trees: see ab.py
"""
import json
import sys
import time
import timeit

import numpy as np

sys.path.insert(0, sys.argv[1])
import microtorch as mt                    # noqa: E402  (the tree's, from argv)

F = mt.nn.functional
rng = np.random.default_rng(0)
res = {}


def tensor(*shape):
    return mt.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)


def case(name, step, calls):
    start = time.perf_counter()
    step()
    if not res:
        res['first call, ' + name] = (time.perf_counter() - start) * 1e6
    res[name] = min(timeit.repeat(step, number=calls, repeat=7)) / calls * 1e6


def layer_norm(rows, n):
    x, w, b = tensor(rows, n), tensor(n), tensor(n)
    return lambda: F.layer_norm(x, (n,), w, b).sum().backward()


def group_norm(shape, groups):
    x, w, b = tensor(*shape), tensor(shape[1]), tensor(shape[1])
    return lambda: F.group_norm(x, groups, w, b).sum().backward()


def batch_norm(shape):
    x, w, b = tensor(*shape), tensor(shape[1]), tensor(shape[1])
    return lambda: F.batch_norm(x, None, None, w, b, training=True).sum().backward()


def toy_step():
    """Linear(32, 32), LayerNorm, ReLU, Linear(32, 1) on a batch of 8, MSE, Adam."""
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(32, 32), mt.nn.LayerNorm(32), mt.nn.ReLU(),
                             mt.nn.Linear(32, 1))
    opt = mt.optim.Adam(model.parameters(), lr=1e-3)
    x, y = mt.randn(8, 32), mt.randn(8, 1)

    def step():
        opt.zero_grad()
        F.mse_loss(model(x), y).backward()
        opt.step()
    return step


case('layer_norm f+b (8, 32)', layer_norm(8, 32), 20)
case('layer_norm f+b (256, 10)', layer_norm(256, 10), 20)
case('layer_norm f+b (16, 64)', layer_norm(16, 64), 20)
case('group_norm f+b (4, 8, 4, 4) G=2', group_norm((4, 8, 4, 4), 2), 20)
case('group_norm f+b (2, 16, 8) G=4', group_norm((2, 16, 8), 4), 20)
case('batch_norm f+b (16, 8)', batch_norm((16, 8)), 20)
case('toy LayerNorm MLP step, batch 8', toy_step(), 20)
print(json.dumps(res))
