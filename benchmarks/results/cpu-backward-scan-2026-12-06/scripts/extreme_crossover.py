"""Where max over rows or columns on microtorch's kernels beats NumPy's np.max, and where
the parallel kernel beats its serial twin: float32 (R, C), upper medians of fresh calls,
NumPy, serial and parallel taking turns in one process (after an op has set up microtorch's
threads and heap, as in training).

    python benchmarks/results/cpu-backward-scan-2026-12-06/scripts/extreme_crossover.py [ROUNDS]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..'))
import microtorch as L                                     # noqa: E402
from timing import upper_median_us                        # noqa: E402
from microtorch.backends.numba_kernels import reduction as R   # noqa: E402

L.tensor(np.ones(1 << 20, np.float32)).exp()              # threads and heap as in training


def cases():
    for cols in (16, 256, 4096):                          # reduce over the last dim
        for log in range(10, 23, 2):
            if (1 << log) >= cols:
                yield 'rows', (1 << log) // cols, cols
    for cols in (16, 256, 4096):                          # reduce over the first dim
        for log in range(10, 23, 2):
            if (1 << log) >= cols:
                yield 'cols', (1 << log) // cols, cols


def main(rounds=5):
    rng = np.random.default_rng(0)
    print('| reduce over | shape | NumPy us | serial us | parallel us | serial / NumPy '
          '| parallel / serial |')
    print('|---|---|---|---|---|---|---|')
    for form, rows, cols in cases():
        x = rng.standard_normal((rows, cols)).astype(np.float32)
        xf = x.reshape(-1)
        axis = 1 if form == 'rows' else 0
        if form == 'rows':
            out = np.empty(rows, np.float32)
            ser = lambda: R.extreme_rows_serial(xf, cols, True, out)      # noqa: E731
            par = lambda: R.extreme_rows(xf, cols, True, out)             # noqa: E731
        else:
            per = max(16, -(-rows // max(1, R.COL_TASKS // -(-cols // R.COL_BLOCK))))
            nrc = -(-rows // per)
            parts = np.empty(nrc * cols, np.float32)
            whole = np.empty(cols, np.float32)
            ser = lambda: R.extreme_cols_serial(xf, rows, cols, True, rows, whole)  # noqa
            par = lambda: R.extreme_cols(xf, rows, cols, True, per, parts)  # noqa: E731
        ref = np.max(x, axis=axis)
        ser()
        par()
        assert np.array_equal(ref, out if form == 'rows' else whole)
        n = max(3, min(2000, (1 << 22) // x.size))
        times = {'np': [], 'ser': [], 'par': []}
        for _ in range(rounds):
            times['np'].append(upper_median_us(lambda: np.max(x, axis=axis), n))
            times['ser'].append(upper_median_us(ser, n))
            times['par'].append(upper_median_us(par, n))
        a, s, p = (sorted(times[k])[rounds // 2] for k in ('np', 'ser', 'par'))
        print(f'| {"dim 1" if form == "rows" else "dim 0"} | ({rows}, {cols}) | {a:.1f} | '
              f'{s:.1f} | {p:.1f} | {s / a:.2f} | {p / s:.2f} |', flush=True)


if __name__ == '__main__':
    main(*map(int, sys.argv[1:]))
