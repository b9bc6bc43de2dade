"""float32 products in fresh processes taking turns: NumPy's OpenBLAS against PyTorch's MKL, on
one and two threads, in GFLOP/s (2mnk over the median of 15 products after 3 warm-ups).

    python gemm_processes.py ROUNDS

Each process times one library on one thread count, so that neither library's threads share
the cores with the other's; the order of the four processes alternates between rounds.
"""
import statistics
import subprocess
import sys

CHILD = r'''
import statistics, sys, time, numpy as np
lib, threads = sys.argv[1], int(sys.argv[2])
if lib == 'numpy':
    import ctypes, glob, os
    blas = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, 'numpy.libs',
                                  'libscipy_openblas64_*.so'))[0]
    ctypes.CDLL(blas).scipy_openblas_set_num_threads64_(threads)
rng = np.random.default_rng(0)
out = []
for m, k, n in ((1024, 1024, 1024), (1024, 256, 256), (1024, 256, 1024)):
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    if lib == 'torch':
        import torch
        torch.set_num_threads(threads)
        a, b = torch.from_numpy(a), torch.from_numpy(b)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(15):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    out.append(2 * m * n * k / statistics.median(times) / 1e9)
print(' '.join(f'{x:.1f}' for x in out))
'''
SHAPES = ('1024x1024x1024', '1024x256x256', '1024x256x1024')


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    runs = [('numpy', 1), ('torch', 1), ('numpy', 2), ('torch', 2)]
    got = {run: [] for run in runs}
    for r in range(rounds):
        for lib, threads in (runs if r % 2 == 0 else runs[::-1]):
            line = subprocess.run([sys.executable, '-c', CHILD, lib, str(threads)],
                                  capture_output=True, text=True, check=True).stdout.split()
            got[(lib, threads)].append([float(x) for x in line])
    print('| product (m x k x n) | threads | OpenBLAS GFLOP/s | MKL GFLOP/s | OpenBLAS / MKL '
          'time |')
    print('|---|---|---|---|---|')
    for i, shape in enumerate(SHAPES):
        for threads in (1, 2):
            ours = [row[i] for row in got[('numpy', threads)]]
            theirs = [row[i] for row in got[('torch', threads)]]
            ratio = statistics.median(t / o for o, t in zip(ours, theirs))
            print(f'| {shape} | {threads} | {statistics.median(ours):.0f} | '
                  f'{statistics.median(theirs):.0f} | {ratio:.2f} |')


if __name__ == '__main__':
    main()
