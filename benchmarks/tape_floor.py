"""How fast can a Python tape over NumPy be on tiny tensors? A floor for the overhead targets.

    python benchmarks/tape_floor.py [--repeats 21] [--steps 500]

The two tiny workloads of benchmarks/overhead.py (the seed tutorial's scalar SGD step and a
chain of ten elementwise ops with backward) run three ways in one process, taking turns as
overhead.py's do: on the minimal tape below, on microtorch, and on PyTorch when it is
installed. The minimal tape makes the same
NumPy calls microtorch's CPU backend makes for these ops and nothing else: no dtype promotion,
no version counters, no hooks, no anomaly mode, no devices, no broadcasting undone, no checks.
Its time is what NumPy plus the least Python a tape needs costs, so a target below its ratio
to PyTorch cannot be met by a tape that calls NumPy once per elementwise operation.
"""
import heapq
import itertools
import statistics

import numpy as np

import overhead

_sequence = itertools.count()


class Value:
    """A tensor of the minimal tape: an array, its grad, and the node that made it."""
    __slots__ = ('data', 'grad', 'node', 'requires_grad')

    def __init__(self, data, requires_grad=False, node=None):
        self.data = data
        self.grad = None
        self.node = node
        self.requires_grad = requires_grad


class Node:
    """A recorded op: its number on the tape, its inputs, and backward(node, gy) -> grads."""
    __slots__ = ('seq', 'inputs', 'backward', 'saved')

    def __init__(self, inputs, backward, saved):
        self.seq = next(_sequence)
        self.inputs = inputs
        self.backward = backward
        self.saved = saved


def _record(data, inputs, backward, saved=None):
    if not any(v.requires_grad for v in inputs):
        return Value(data)
    return Value(data, True, Node(inputs, backward, saved))


def mul(a, b):
    if isinstance(b, Value):
        return _record(a.data * b.data, (a, b), lambda n, g: (g * n.saved[1], g * n.saved[0]),
                       (a.data, b.data))
    return _record(a.data * b, (a,), lambda n, g: (g * n.saved,), b)


def add(a, b):
    return _record(a.data + b, (a,), lambda n, g: (g,))


def sub(a, b):
    if isinstance(b, Value):
        return _record(a.data - b.data, (a, b), lambda n, g: (g, -g))
    return _record(a.data - b, (a,), lambda n, g: (g,))


def square(a):
    return _record(a.data * a.data, (a,), lambda n, g: (g * 2 * n.saved,), a.data)


def sigmoid(a):
    y = np.reciprocal(np.exp(np.negative(a.data)) + 1)
    return _record(y, (a,), lambda n, g: (g * n.saved * (1 - n.saved),), y)


def tanh(a):
    y = np.tanh(a.data)
    return _record(y, (a,), lambda n, g: (g * (1 - n.saved * n.saved),), y)


def total(a):
    return _record(np.add.reduce(a.data, axis=None), (a,), _total_backward, a.data.shape)


def _total_backward(node, g):
    shape = node.saved
    if g.size == np.prod(shape):        # nothing grows: a reshape, as microtorch does
        return (np.reshape(g, shape),)
    return (np.broadcast_to(g, shape),)


def backward(root):
    """Replay the tape from `root` in reverse: the node recorded last runs first."""
    grads = {root.node: np.ones_like(root.data)}
    heap = [(-root.node.seq, root.node)]
    while heap:
        node = heapq.heappop(heap)[1]
        for value, grad in zip(node.inputs, node.backward(node, grads.pop(node))):
            if not value.requires_grad:
                continue
            if value.node is None:                          # a leaf
                value.grad = grad.copy() if value.grad is None else value.grad + grad
            elif value.node in grads:
                grads[value.node] = grads[value.node] + grad
            else:
                grads[value.node] = grad
                heapq.heappush(heap, (-value.node.seq, value.node))


def scalar_sgd_step():
    w = Value(np.array([1.0], np.float32), requires_grad=True)
    x, y = Value(np.array([2.0], np.float32)), Value(np.array([4.0], np.float32))

    def step():
        backward(square(sub(mul(x, w), y)))
        w.data = w.data - 0.01 * w.grad
        w.grad.fill(0)
    return step


def elementwise_chain():
    x = Value(np.array([0.5], np.float32), requires_grad=True)

    def step():
        y = x
        for _ in range(2):
            y = sub(tanh(sigmoid(add(mul(y, 1.01), 0.1))), 0.2)
        backward(total(y))
        x.grad = None
    return step


def main(argv=None):
    args, microtorch, torch = overhead.parse_and_import(argv, __doc__.splitlines()[0])
    print('| workload | minimal tape us | microtorch us | PyTorch us | floor / PyTorch '
          '| microtorch / PyTorch |')
    print('|---|---|---|---|---|---|')
    rows = {}
    for floor_step, workload in ((scalar_sgd_step, overhead.scalar_sgd_step),
                                 (elementwise_chain, overhead.elementwise_chain)):
        contenders = {'floor': floor_step(), 'microtorch': workload(microtorch)}
        if torch is not None:
            contenders['torch'] = workload(torch)
        times = overhead.interleaved_us(contenders, args.steps, args.repeats)
        floor, mine = (statistics.median(times[k]) for k in ('floor', 'microtorch'))
        theirs = statistics.median(times['torch']) if torch else None
        ratios = 'n/a | n/a'
        if torch is not None:          # each a median of the rounds' own ratios
            ratios = (f'{overhead.ratio_summary(times["floor"], times["torch"])["ratio"]:.2f} | '
                      f'{overhead.ratio_summary(times["microtorch"], times["torch"])["ratio"]:.2f}')
        shown = f'{theirs:.1f}' if theirs else 'n/a'
        print(f'| {workload.__name__} | {floor:.1f} | {mine:.1f} | {shown} | {ratios} |')
        rows[workload.__name__] = (floor, mine, theirs)
    return rows


if __name__ == '__main__':
    main()
