"""PyTorch against microtorch on the same cases: fresh processes of each library taking
turns (tree_ab.in_turns), as a markdown table of medians and of the rounds' ratios.

    python benchmarks/vs_torch.py ROUNDS CASES_FILE [THREADS]

CASES_FILE is Python run in each child after this preamble (tree_ab.py's, with the library
for the tree): `L` is PyTorch on THREADS threads (default 2) or this checkout's microtorch
with Numba's kernels loaded, `rng` a seeded generator, `res` the dict of microseconds to
fill, `t(f, n)` the best of 7 repeats of n calls, per call. A is PyTorch, B microtorch.
"""
import os
import sys

import tree_ab

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
PREAMBLE = r'''
import sys, timeit, json, numpy as np
if sys.argv[1] == 'torch':
    import torch as L
    L.set_num_threads(THREADS)
else:
    sys.path.insert(0, ROOT)
    import microtorch as L
    L.tensor(np.ones(1 << 15, np.float32)).sum()          # Numba's kernels loaded
rng = np.random.default_rng(0)
res = {}
def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6
'''


def compare(rounds, cases, threads=2):
    """{case: [(torch_us, microtorch_us) per round]} for the child body `cases`."""
    child = (PREAMBLE.replace('THREADS', str(threads)).replace('ROOT', repr(ROOT)) + cases
             + tree_ab.EPILOGUE)
    return tree_ab.in_turns(child, 'torch', 'microtorch', rounds)


def main(argv=None):
    args = (argv or sys.argv[1:])
    rounds, cases_file = int(args[0]), args[1]
    threads = int(args[2]) if len(args) > 2 else 2
    with open(cases_file) as f:
        print(tree_ab.table(compare(rounds, f.read(), threads)))


if __name__ == '__main__':
    main()
