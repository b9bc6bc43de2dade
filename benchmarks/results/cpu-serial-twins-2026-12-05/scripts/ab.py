"""A/B of small ops in fresh processes of two trees taking turns, Numba's kernels loaded as in
training: the median of each case's per-round times and of the rounds' ratios.

    python ab.py TREE_A TREE_B ROUNDS {softmax|ops}

(The turns and the table are benchmarks/tree_ab.py's, written after this run from this
script's own.)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
import tree_ab  # noqa: E402

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
'''


def main():
    a, b, rounds, which = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    cases = {'softmax': SOFTMAX, 'ops': OPS}[which]
    print(tree_ab.table(tree_ab.compare(a, b, rounds, cases)))


main()
