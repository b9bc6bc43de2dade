"""Numba twins of backends/exact_sum.py's additions, for long contiguous rows (a whole
contiguous tensor's sum): the same additions in the same order, so the same bits as the NumPy
path. Compiled without fastmath: no reassociation, no contraction."""
import numba
import numpy as np


@numba.njit(cache=True)
def multi_row(x, off, rows, rs, nl):
    """multi_row_sum: rows of nl contiguous lanes, rs elements apart, from x[off]."""
    ceil_log2 = 1 if rows <= 2 else 64 - _clz(rows - 1)
    lp = max(4, ceil_log2 // 4)
    step = 1 << lp
    mask = step - 1
    acc = np.zeros((4, nl), x.dtype)
    a0 = acc[0]
    i = 0
    while i + step <= rows:
        for _ in range(step):
            xs = x[off + i * rs:off + i * rs + nl]
            for lane in range(nl):
                a0[lane] += xs[lane]
            i += 1
        for lev in range(1, 4):
            hi, lo = acc[lev], acc[lev - 1]
            for lane in range(nl):
                hi[lane] += lo[lane]
                lo[lane] = 0
            if i & (mask << (lev * lp)):
                break
    while i < rows:
        xs = x[off + i * rs:off + i * rs + nl]
        for lane in range(nl):
            a0[lane] += xs[lane]
        i += 1
    for lev in range(1, 4):
        for lane in range(nl):
            a0[lane] += acc[lev, lane]
    return a0


@numba.njit(cache=True)
def _clz(v):
    n = 0
    while v:
        v >>= 1
        n += 1
    return 64 - n


@numba.njit(cache=True)
def inner_row(x, off, n, w):
    """vectorized_inner_sum of one contiguous row of n >= w elements from x[off]: W lanes
    by row_sum, then the scalar tail and the lanes, in order, from 0."""
    nv = n // w
    m = nv // 4
    parts = multi_row(x, off, m, 4 * w, 4 * w)
    p0 = parts[:w].copy()
    for r in range(m * 4, nv):
        xs = x[off + r * w:off + r * w + w]
        for lane in range(w):
            p0[lane] += xs[lane]
    for k in range(1, 4):
        for lane in range(w):
            p0[lane] += parts[k * w + lane]
    total = x.dtype.type(0)
    for t in range(nv * w, n):
        total += x[off + t]
    for lane in range(w):
        total += p0[lane]
    return total
