"""NumPy's OpenBLAS against PyTorch's MKL in one process, on one and two threads: GFLOP/s of
float32 products, best of 7 repeats, three passes (gemm_threads.txt).

    python gemm_threads.py
"""
import timeit

import numpy as np
import torch
from threadpoolctl import threadpool_limits

rng = np.random.default_rng(0)


def best(f, k=3):
    return min(timeit.repeat(f, number=k, repeat=7)) / k


for m, k, n in [(1024, 1024, 1024), (1024, 256, 256)]:
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    out = np.empty((m, n), np.float32)
    tout = torch.from_numpy(out.copy())
    gflop = 2 * m * n * k / 1e9
    for _ in range(3):
        row = []
        for threads in (1, 2):
            with threadpool_limits(threads, user_api='blas'):
                openblas = best(lambda: np.matmul(a, b, out=out))
            torch.set_num_threads(threads)
            mkl = best(lambda: torch.mm(ta, tb, out=tout))
            row.append(f'{threads}t openblas {gflop / openblas:.0f} mkl {gflop / mkl:.0f}')
        print((m, k, n), '; '.join(row))
