"""The column sums' kernel alone (numba_kernels/exact_sum.block: one 2-D block summed over its
rows, as sum(0) of a C-contiguous float32 matrix runs below the parallel crossover), two
source trees in fresh processes taking turns; microseconds, best of 9 repeats.

    python block_ab.py TREE_A TREE_B ROUNDS
"""
import json
import statistics
import subprocess
import sys

SHAPES = [(1024, 32), (1024, 256), (256, 1024), (4096, 64), (1024, 1024), (100, 70)]
CHILD = r'''
import sys, timeit, json, numpy as np
sys.path.insert(0, sys.argv[1])
from microtorch.backends.numba_kernels import exact_sum as ek
rng = np.random.default_rng(0)
res = {}
for rows, cols in SHAPES:
    x = rng.standard_normal((rows, cols)).astype(np.float32).ravel()
    out = np.zeros(cols, np.float32)
    ek.block(x, 0, 0, rows, cols, cols, 1, 0, 1, 8, out)
    k = max(20, int(2e6 // x.size))
    res[str((rows, cols))] = min(timeit.repeat(
        lambda: ek.block(x, 0, 0, rows, cols, cols, 1, 0, 1, 8, out), number=k,
        repeat=9)) / k * 1e6
print(json.dumps(res))
'''.replace('SHAPES', repr(SHAPES))


def main():
    a, b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    times = {a: [], b: []}
    for r in range(rounds):
        for tree in ((a, b) if r % 2 == 0 else (b, a)):
            out = subprocess.run([sys.executable, '-c', CHILD, tree], capture_output=True,
                                 text=True, check=True).stdout
            times[tree].append(json.loads(out.strip().splitlines()[-1]))
    print('| (rows, cols) | A us | B us | B / A |\n|---|---|---|---|')
    for case in times[a][0]:
        ta = [t[case] for t in times[a]]
        tb = [t[case] for t in times[b]]
        ratio = statistics.median(y / x for x, y in zip(ta, tb))
        print(f'| {case} | {statistics.median(ta):.1f} | {statistics.median(tb):.1f} | '
              f'{ratio:.2f} |')


if __name__ == '__main__':
    main()
