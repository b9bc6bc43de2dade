"""inner_rows (numba_kernels/exact_sum.py: rows summed along their contiguous dim, the serial
row sums' kernel) alone, two source trees in fresh processes taking turns; microseconds, best
of 9 repeats.

    python inner_ab.py TREE_A TREE_B ROUNDS
"""
import json
import statistics
import subprocess
import sys

SHAPES = [(1024, 32), (1024, 64), (1024, 256), (4096, 64), (256, 1024), (1, 4096)]
CHILD = r'''
import sys, timeit, json, numpy as np
sys.path.insert(0, sys.argv[1])
from microtorch.backends.numba_kernels import exact_sum as ek
rng = np.random.default_rng(0)
res = {}
for rows, n in SHAPES:
    x = rng.standard_normal(rows * n).astype(np.float32)
    out = np.zeros(rows, np.float32)
    ek.inner_rows(x, 0, n, rows, n, 8, out, 0, 1)
    k = max(20, int(2e6 // x.size))
    res[str((rows, n))] = min(timeit.repeat(
        lambda: ek.inner_rows(x, 0, n, rows, n, 8, out, 0, 1), number=k,
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
    print('| (rows, n) | A us | B us | B / A |\n|---|---|---|---|')
    for case in times[a][0]:
        ta = [t[case] for t in times[a]]
        tb = [t[case] for t in times[b]]
        ratio = statistics.median(y / x for x, y in zip(ta, tb))
        print(f'| {case} | {statistics.median(ta):.1f} | {statistics.median(tb):.1f} | '
              f'{ratio:.2f} |')


if __name__ == '__main__':
    main()
