"""Seconds to compile the sums' Numba kernels from an empty cache, for two source trees in
turn (fresh processes, each with a cache directory of its own).

    python compile_sums.py TREE_A TREE_B ROUNDS
"""
import os
import subprocess
import sys
import tempfile

CHILD = r'''
import sys, time, numpy as np
sys.path.insert(0, sys.argv[1])
import microtorch as mt
start = time.perf_counter()
for dtype in (np.float32, np.float64):
    for shape, dims in (((256, 1024), 1), ((1024, 256), 1), ((1024, 256), 0),
                        ((1024, 256), None), ((2048, 1024), 1), ((64, 64, 64), (0, 2))):
        mt.tensor(np.ones(shape, dtype)).sum(dims)
print(time.perf_counter() - start)
'''


def main():
    a, b, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for r in range(rounds):
        for tree in (a, b) if r % 2 == 0 else (b, a):
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, NUMBA_CACHE_DIR=cache)
                out = subprocess.run([sys.executable, '-c', CHILD, tree], env=env, check=True,
                                     capture_output=True, text=True).stdout
            print(f'{tree}: {float(out):.1f} s', flush=True)


if __name__ == '__main__':
    main()
