"""Backward per node on one element: 2000 graphs of 20 ops then sum, backward timed alone
(best of 7), less a sum-only graph's, over 20. `PYTHONPATH=<tree> python backward_per_node.py`.
The graphs are built first, so the times include freeing each node's saved arrays."""
import timeit

import microtorch as torch

x = torch.tensor([0.5], requires_grad=True)


def T(build, n=2000):
    best = 1e9
    for _ in range(7):
        ys = [build() for _ in range(n)]
        t0 = timeit.default_timer()
        for y in ys:
            y.backward()
        best = min(best, (timeit.default_timer() - t0) / n)
        x.grad = None
    return best * 1e6


def chain(op, k=20):
    def build():
        y = x
        for _ in range(k):
            y = op(y)
        return y.sum()
    return build


base = T(chain(lambda y: y, 0))
print('sum-only backward', round(base, 2))
for name, op in [('tanh', lambda y: y.tanh()), ('sigmoid', lambda y: y.sigmoid()),
                 ('mul', lambda y: y * 1.01), ('add', lambda y: y + 0.1),
                 ('sub', lambda y: y - 0.2)]:
    print(name, 'per node', round((T(chain(op)) - base) / 20, 3))
