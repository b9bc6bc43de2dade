"""What one-element ops cost alone and taking turns with another, unrecorded (a float32
tensor of one element, no grad): best of 7 repeats of 50,000 calls, in microseconds. A pair's
'extra' is its time less the two ops' times alone: the cost of running different ops'
code in turn (every op has a node class of its own, and the shared code's attribute reads
and writes on them are not specialised by CPython 3.11).

    python alternating_ops.py
"""
import timeit

import microtorch as torch


def best(call, n=50000):
    return min(timeit.repeat(call, number=n, repeat=7)) / n * 1e6


def main():
    x = torch.tensor([0.6])
    ops = {'sigmoid': lambda: x.sigmoid(), 'tanh': lambda: x.tanh(), 'exp': lambda: x.exp(),
           'neg': lambda: -x, 'abs': lambda: x.abs(), 'mul': lambda: x * 1.01,
           'add': lambda: x + 0.1}
    alone = {name: best(op) for name, op in ops.items()}
    print('| ops | alone, summed | in turns | extra |')
    print('|---|---|---|---|')
    for a, b in [('sigmoid', 'tanh'), ('exp', 'tanh'), ('neg', 'abs'), ('mul', 'add'),
                 ('sigmoid', 'exp'), ('tanh', 'tanh')]:
        first, second = ops[a], ops[b]

        def pair():
            first()
            second()
        both = best(pair)
        summed = alone[a] + alone[b]
        print(f'| {a}, {b} | {summed:.2f} | {both:.2f} | {both - summed:+.2f} |')


if __name__ == '__main__':
    main()
