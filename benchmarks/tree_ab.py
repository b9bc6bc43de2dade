"""A/B of two source trees on the same cases: fresh processes of each tree taking turns, so
that both halves of a round see the same machine speed; the median of each case's per-round
times and of the rounds' own ratios, as a markdown table.

    python benchmarks/tree_ab.py TREE_A TREE_B ROUNDS CASES_FILE

CASES_FILE is Python run in each child after this preamble: `mt` (and `L`) is the tree's
microtorch (with Numba's kernels loaded, as in training), `rng` a seeded generator, `res` the
dict of microseconds to fill, `t(f, n)` the best of 7 repeats of n calls, per call. The child
prints nothing itself; the preamble's epilogue prints `res` as JSON. (benchmarks/vs_torch.py
runs a cases file written with `L` against PyTorch.)
"""
import json
import statistics
import subprocess
import sys

PREAMBLE = r'''
import sys, timeit, json, numpy as np
sys.path.insert(0, sys.argv[1])
import microtorch as mt
mt.tensor(np.ones(1 << 15, np.float32)).sum()          # Numba's kernels loaded
L = mt
rng = np.random.default_rng(0)
res = {}
def t(f, n):
    return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6
'''
EPILOGUE = '\nprint(json.dumps(res))\n'


def compare(a, b, rounds, cases):
    """{case: [(a_us, b_us) per round]} for the child body `cases`."""
    return in_turns(PREAMBLE + cases + EPILOGUE, a, b, rounds)


def in_turns(child, a, b, rounds):
    """{case: [(a_us, b_us) per round]}: the Python program `child` run in fresh processes
    with argument a, then b (b first in odd rounds), each printing a JSON dict of times."""
    pairs = {}
    for r in range(rounds):
        got = {}
        for side in ((a, b) if r % 2 == 0 else (b, a)):
            out = subprocess.run([sys.executable, '-c', child, side], capture_output=True,
                                 text=True, check=True).stdout
            got[side] = json.loads(out.strip().splitlines()[-1])
        for case in got[a]:
            pairs.setdefault(case, []).append((got[a][case], got[b][case]))
    return pairs


def table(pairs):
    lines = ['| case | A us | B us | B / A |', '|---|---|---|---|']
    for case, v in pairs.items():
        lines.append(f'| {case} | {statistics.median(p[0] for p in v):.1f} | '
                     f'{statistics.median(p[1] for p in v):.1f} | '
                     f'{statistics.median(p[1] / p[0] for p in v):.2f} |')
    return '\n'.join(lines)


def main(argv=None):
    a, b, rounds, cases_file = (argv or sys.argv[1:])[:4]
    with open(cases_file) as f:
        print(table(compare(a, b, int(rounds), f.read())))


if __name__ == '__main__':
    main()
