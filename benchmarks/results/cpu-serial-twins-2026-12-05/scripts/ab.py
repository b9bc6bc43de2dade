"""A/B of small ops in fresh processes of two trees taking turns, Numba's kernels loaded as in
training: the median of each case's per-round times and of the rounds' ratios.

    python ab.py TREE_A TREE_B ROUNDS {softmax|ops}
"""
import json
import statistics
import subprocess
import sys

COMMON = r'''
import sys, timeit, json, numpy as np
sys.path.insert(0, sys.argv[1])
import microtorch as mt
mt.tensor(np.ones(1 << 15, np.float32)).sum()          # Numba's kernels loaded
rng = np.random.default_rng(0)
res = {}
def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6
'''
SOFTMAX = r'''
from microtorch.backends import torch_softmax as ts
for shape in [(256, 10), (4096, 10), (256, 1000), (1024, 1000), (64, 10, 16)]:
    x = rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    n = max(20, int(2e5 / x.size))
    y = ts.log_softmax(x, 1)
    res[f'{shape} log_softmax'] = t(lambda: ts.log_softmax(x, 1), n)
    res[f'{shape} softmax'] = t(lambda: ts.softmax(x, 1), n)
    res[f'{shape} log_softmax backward'] = t(lambda: ts.log_softmax_backward(y, g, 1), n)
    if len(shape) == 2:
        k = rng.integers(0, shape[1], shape[0])
        res[f'{shape} cross_entropy backward'] = t(
            lambda: ts.cross_entropy_backward(x, k, np.float32(1), 'mean', None, -100), n)
print(json.dumps(res))
'''
OPS = r'''
for shape in [(256, 10), (256, 64), (4096, 10)]:
    x = mt.tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)
    ln = mt.nn.LayerNorm(shape[1])
    def fb():
        ln(x).sum().backward()
        x.grad = None
    n = 200 if shape[0] < 1000 else 50
    res[f'{shape} layer_norm'] = t(lambda: mt.nn.functional.layer_norm(x, (shape[1],)), n)
    res[f'{shape} LayerNorm fwd+bwd'] = t(fb, n)
    res[f'{shape} sum(0)'] = t(lambda: x.sum(0), n)
    res[f'{shape} sum(1)'] = t(lambda: x.sum(1), n)
    res[f'{shape} cumsum(1)'] = t(lambda: x.cumsum(1), n)
    res[f'{shape} relu fwd+bwd'] = t(lambda: mt.relu(x).backward(x), n)
    res[f'{shape} tanh fwd+bwd'] = t(lambda: mt.tanh(x).backward(x), n)
print(json.dumps(res))
'''


def main():
    a, b, rounds, which = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    child = COMMON + {'softmax': SOFTMAX, 'ops': OPS}[which]
    pairs = {}
    for r in range(rounds):
        got = {}
        for tree in ((a, b) if r % 2 == 0 else (b, a)):
            out = subprocess.run([sys.executable, '-c', child, tree], capture_output=True,
                                 text=True, check=True).stdout
            got[tree] = json.loads(out)
        for case in got[a]:
            pairs.setdefault(case, []).append((got[a][case], got[b][case]))
    print('| case | A us | B us | B / A |')
    print('|---|---|---|---|')
    for case, v in pairs.items():
        print(f'| {case} | {statistics.median(p[0] for p in v):.1f} | '
              f'{statistics.median(p[1] for p in v):.1f} | '
              f'{statistics.median(p[1] / p[0] for p in v):.2f} |')


main()
