"""Signs of zeros and NaNs in max/min, microtorch's kernels against PyTorch (which must be
installed): whole arrays of random +0/-0 (and one row of normals with a NaN) of sizes around
the 16 lanes and parallel_reduce's 32768-element grain, at 2 and 1 threads (and
NumPy's np.max / np.min on them, the route before); then amax/amin over
rows (the rows route, not changed this session). Prints each mismatch and the count.

    python whole_array_max_bits.py
"""
import numpy as np
import torch

import microtorch as mt
from microtorch.backends import numba_dispatch


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and ((np.isnan(a) & np.isnan(b)) |
                                   ((a == b) & (np.signbit(a) == np.signbit(b)))).all()


def main():
    rng = np.random.default_rng(1)
    bad = {'whole': 0, 'rows': 0, 'numpy': 0}
    tried = {'whole': 0, 'rows': 0}
    for threads in (2, 1):
        torch.set_num_threads(threads)
        mt.set_num_threads(threads)
        for n in (5, 15, 16, 17, 100, 32768, 32769, 40000, 70001, 1 << 20, (1 << 20) + 3):
            for trial in range(6):
                x = np.where(rng.integers(0, 2, n), np.float32(0.0), np.float32(-0.0))
                x = x.astype(np.float32)
                if trial == 5:
                    x = rng.standard_normal(n).astype(np.float32)
                    x[rng.integers(0, n)] = np.nan
                with numba_dispatch.configure(enabled=True, min_size=0):
                    for largest, fn in ((True, torch.max), (False, torch.min)):
                        kernel = numba_dispatch.kernel('max_forward' if largest else
                                                       'min_forward')
                        got = kernel(x, (0,), False)
                        want = fn(torch.from_numpy(x)).numpy()
                        tried['whole'] += 1
                        if not same((np.max if largest else np.min)(x), want):
                            bad['numpy'] += 1         # the route before: NumPy's pass
                        if not same(got, want):
                            bad['whole'] += 1
                            print('whole', threads, n, trial, largest, got, want)
        for cols in (3, 7, 15, 16, 17, 40):
            x = np.where(rng.integers(0, 2, (50, cols)), np.float32(0.0), np.float32(-0.0))
            x = x.astype(np.float32)
            with numba_dispatch.configure(enabled=True, min_size=0):
                for largest, fn in ((True, torch.amax), (False, torch.amin)):
                    kernel = numba_dispatch.kernel('max_forward' if largest else 'min_forward')
                    tried['rows'] += 1
                    if not same(kernel(x, (1,), False), fn(torch.from_numpy(x), 1).numpy()):
                        bad['rows'] += 1
    print(f"whole arrays: {bad['whole']} of {tried['whole']} differ (NumPy's np.max and "
          f"np.min: {bad['numpy']}); rows of +-0: "
          f"{bad['rows']} of {tried['rows']} differ")


if __name__ == '__main__':
    main()
