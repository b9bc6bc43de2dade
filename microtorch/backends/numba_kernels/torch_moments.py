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
def _welford_four(rows, r, mean, m2):
    """_welford_row of rows r..r+3 at once: four independent chains, so that a division's
    latency overlaps the others' (each row's operations and order are unchanged)."""
    m0 = m1 = m2_ = m3 = 0.0
    s0 = s1 = s2 = s3 = 0.0
    for i in range(rows.shape[1]):
        count = np.float64(i + 1)
        v0, v1 = np.float64(rows[r, i]), np.float64(rows[r + 1, i])
        v2, v3 = np.float64(rows[r + 2, i]), np.float64(rows[r + 3, i])
        d0, d1, d2, d3 = v0 - m0, v1 - m1, v2 - m2_, v3 - m3
        m0 += d0 / count
        m1 += d1 / count
        m2_ += d2 / count
        m3 += d3 / count
        s0 += d0 * (v0 - m0)
        s1 += d1 * (v1 - m1)
        s2 += d2 * (v2 - m2_)
        s3 += d3 * (v3 - m3)
    mean[r], mean[r + 1], mean[r + 2], mean[r + 3] = m0, m1, m2_, m3
    m2[r], m2[r + 1], m2[r + 2], m2[r + 3] = s0, s1, s2, s3


@numba.njit(cache=True)
def welford_rows(rows, mean, m2):
    """Welford over axis 1 of a 2-D array, into float64 mean and m2 (one per row)."""
    quads = rows.shape[0] // 4
    for q in range(quads):
        _welford_four(rows, 4 * q, mean, m2)
    for r in range(4 * quads, rows.shape[0]):
        _welford_row(rows, r, mean, m2)


@numba.njit(parallel=True, cache=True)
def parallel_welford_rows(rows, mean, m2):
    """welford_rows with the rows shared out over the threads (four rows a task)."""
    quads = rows.shape[0] // 4
    for q in numba.prange(quads):
        _welford_four(rows, 4 * q, mean, m2)
    for r in range(4 * quads, rows.shape[0]):
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
