"""One sum kernel of numba_kernels/exact_sum.py alone, two source trees in fresh processes
taking turns; microseconds, best of 9 repeats, as a markdown table.

    python kernel_ab.py block|inner_rows|long_rows TREE_A TREE_B ROUNDS

block: one 2-D block summed over its rows, as sum(0) of a C-contiguous float32 matrix runs
below the parallel crossover (block_ab.md). inner_rows: rows summed along their contiguous
dim, the serial row sums (inner_ab.md, rows_inner_ab.md). long_rows: the same kernel on rows
of 1024 elements and more, down to one row of 2^20 (../cpu-long-rows-2026-12-06/).
"""
import json
import statistics
import subprocess
import sys

KERNELS = {
    'block': ([(1024, 32), (1024, 256), (256, 1024), (4096, 64), (1024, 1024), (100, 70)],
              'x = rng.standard_normal((rows, n)).astype(np.float32).ravel()\n'
              'out = np.zeros(n, np.float32)\n'
              'call = lambda: ek.block(x, 0, 0, rows, n, n, 1, 0, 1, 8, out)\n'),
    'inner_rows': ([(1024, 32), (1024, 64), (1024, 256), (4096, 64), (256, 1024), (1, 4096)],
                   'x = rng.standard_normal(rows * n).astype(np.float32)\n'
                   'out = np.zeros(rows, np.float32)\n'
                   'call = lambda: ek.inner_rows(x, 0, n, rows, n, 8, out, 0, 1)\n'),
}
KERNELS['long_rows'] = ([(256, 1024), (64, 4096), (16, 65536), (1, 1 << 20), (1024, 256),
                         (1024, 32)], KERNELS['inner_rows'][1])
CHILD = r'''
import sys, timeit, json, numpy as np
sys.path.insert(0, sys.argv[1])
from microtorch.backends.numba_kernels import exact_sum as ek
rng = np.random.default_rng(0)
res = {}
for rows, n in SHAPES:
    exec(SETUP)
    call()
    k = max(20, int(2e6 // x.size))
    res[str((rows, n))] = min(timeit.repeat(call, number=k, repeat=9)) / k * 1e6
print(json.dumps(res))
'''


def main():
    kernel, a, b, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    shapes, setup = KERNELS[kernel]
    child = CHILD.replace('SHAPES', repr(shapes)).replace('SETUP', repr(setup))
    times = {a: [], b: []}
    for r in range(rounds):
        for tree in ((a, b) if r % 2 == 0 else (b, a)):
            out = subprocess.run([sys.executable, '-c', child, tree], capture_output=True,
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
