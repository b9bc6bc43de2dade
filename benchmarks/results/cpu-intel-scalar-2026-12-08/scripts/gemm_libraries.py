"""One float32 GEMM of n x n by n x n, NumPy's BLAS (scipy-openblas) against PyTorch's (MKL),
each library in fresh processes of its own at 1 and 2 threads, rounds taking turns: the
matmul workload of cpu_speed.py is three such GEMMs (forward, both gradients), so their ratio
bounds microtorch / PyTorch there.

    python gemm_libraries.py [--n 1024] [--rounds 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r'''
import json, os, sys, time
lib, n = sys.argv[1], int(sys.argv[2])
if lib == 'numpy':
    import numpy as np
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    gemm = lambda: a @ b
else:
    import torch
    torch.set_num_threads(int(os.environ['THREADS']))
    a, b = torch.randn(n, n), torch.randn(n, n)
    gemm = lambda: a @ b
for _ in range(5):
    gemm()
times = []
for _ in range(30):
    start = time.perf_counter()
    gemm()
    times.append(time.perf_counter() - start)
times.sort()
print(json.dumps(times[len(times) // 2]))
'''


def seconds(lib, n, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), THREADS=str(threads))
    out = subprocess.run([sys.executable, '-c', CHILD, lib, str(n)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--n', type=int, default=1024)
    parser.add_argument('--rounds', type=int, default=5)
    args = parser.parse_args()
    flops = 2 * args.n ** 3
    print('| threads | NumPy (OpenBLAS) GFLOP/s | PyTorch (MKL) GFLOP/s | NumPy / PyTorch time |')
    print('|---|---|---|---|')
    for threads in (1, 2):
        rows = []
        for r in range(args.rounds):
            order = ('numpy', 'torch') if r % 2 == 0 else ('torch', 'numpy')
            got = {lib: seconds(lib, args.n, threads) for lib in order}
            rows.append(got)
        numpy_s = statistics.median(g['numpy'] for g in rows)
        torch_s = statistics.median(g['torch'] for g in rows)
        ratio = statistics.median(g['numpy'] / g['torch'] for g in rows)
        print(f'| {threads} | {flops / numpy_s / 1e9:.0f} | {flops / torch_s / 1e9:.0f} | '
              f'{ratio:.2f} |')


if __name__ == '__main__':
    main()
