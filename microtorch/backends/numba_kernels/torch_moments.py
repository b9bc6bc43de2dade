"""Numba twins of backends/torch_moments.py's loops, for PyTorch's var and std to the bit:
Welford's running (mean, m2) in float64, element by element, and the two-pass sum of squared
deviations in float64, in order. Compiled without fastmath: no fused multiply-adds, no
reassociation, so each step rounds as PyTorch's scalar loop does."""
import numba
import numpy as np


@numba.njit(cache=True)
def _welford_row(rows, r, mean, m2):
    m, s = 0.0, 0.0
    for i in range(rows.shape[1]):
        value = np.float64(rows[r, i])
        delta = value - m
        m += delta / (i + 1)
        s += delta * (value - m)
    mean[r] = m
    m2[r] = s


@numba.njit(cache=True)
def welford_rows(rows, mean, m2):
    """Welford over axis 1 of a 2-D array, into float64 mean and m2 (one per row)."""
    for r in range(rows.shape[0]):
        _welford_row(rows, r, mean, m2)


@numba.njit(parallel=True, cache=True)
def parallel_welford_rows(rows, mean, m2):
    """welford_rows with the rows shared out over the threads (each row is one thread's)."""
    for r in numba.prange(rows.shape[0]):
        _welford_row(rows, r, mean, m2)


@numba.njit(cache=True)
def _squares(x, lo, hi, mean):
    total = 0.0
    for i in range(lo, hi):
        d = np.float64(x[i]) - mean
        total += d * d
    return total


@numba.njit(cache=True)
def squared_deviations(x, mean, chunk):
    """The sums of (x - mean)^2 in float64 over each chunk of a contiguous 1-D x, in order."""
    n = x.size
    out = np.empty((n + chunk - 1) // chunk)
    for p in range(out.size):
        out[p] = _squares(x, p * chunk, min(n, (p + 1) * chunk), mean)
    return out


@numba.njit(parallel=True, cache=True)
def parallel_squared_deviations(x, mean, chunk):
    """squared_deviations with a chunk per thread."""
    n = x.size
    out = np.empty((n + chunk - 1) // chunk)
    for p in numba.prange(out.size):
        out[p] = _squares(x, p * chunk, min(n, (p + 1) * chunk), mean)
    return out
