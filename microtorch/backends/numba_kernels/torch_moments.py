"""Numba twins of backends/torch_moments.py's loops, for PyTorch's var and std to the bit:
Welford's running (mean, m2) in float64, element by element, and the two-pass sum of squared
deviations in float64, in order. Compiled without fastmath: no fused multiply-adds, no
reassociation, so each step rounds as PyTorch's scalar loop does."""
import numba
import numpy as np

from .fma import fma
from .lanes import (clear_moment_lanes, join_moment_lanes, welford_steps,
                    welford_steps_4)
from .twins import serial_twin


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


# ---- RowwiseMoments (layer_norm's and group_norm's mean and variance) ----------------------
# backends/torch_moments.rowwise_moments's steps per row, one rounding at a time: Welford on
# `lanes` vector lanes, 16 vectors a chunk, the chunks joined in a binary cascade, the tail
# unfused, then the lanes. Its NumPy form steps every row at once with emulated fused
# multiply-adds (393 ms for 4096 x 4096); here the rows go to the threads.

_U = np.uint64          # unsigned indices: no wraparound test, so LLVM can vectorise


@numba.njit(inline='always')
def _join(count_add, m1_add, m2_add, counts, m1s, m2s, k):
    """AddMomentsVec: stack level k's lanes (count, m1, m2) joined by another's."""
    t = m1s.dtype.type
    count = counts[k]
    total = count + count_add
    share = t(count_add) / t(total) if total else t(0)
    join_moment_lanes(m1s[k], m2s[k], m1_add, m2_add, share, t(count))
    counts[k] = total


@numba.njit(inline='always')
def _push(count, m1, m2, counts, m1s, m2s, c, depth):
    """Chunk c's lanes onto the cascade's stack, then the binary carries its index makes."""
    _join(count, m1, m2, counts, m1s, m2s, 0)
    mask, level = c + 1, 1
    while level < depth and not mask & 1:
        _join(counts[level - 1], m1s[level - 1], m2s[level - 1], counts, m1s, m2s, level)
        counts[level - 1] = 0
        clear_moment_lanes(m1s[level - 1], m2s[level - 1])
        mask >>= 1
        level += 1


@numba.njit(inline='always')
def moments_scratch(lanes, like):
    """row_moments' scratch for rows of array like's dtype, made once per task: the
    cascade's 64 levels of (count, m1 and m2 lanes), and four chunks' m1 and m2 lanes."""
    return (np.zeros(64, np.int64), np.zeros((64, lanes), like.dtype),
            np.zeros((64, lanes), like.dtype), np.empty((4, lanes), like.dtype),
            np.empty((4, lanes), like.dtype))


@numba.njit(inline='always')
def row_moments(row, lanes, scratch):
    """(mean, biased variance) of one float32 or float64 row, RowwiseMoments' order
    (scratch: moments_scratch's)."""
    counts, m1s, m2s, cm1, cm2 = scratch
    n_all = row.size
    n = n_all // lanes
    chunks = (n + 15) // 16
    depth = 1
    if chunks > 1:
        depth = 0
        v = chunks - 1
        while v:
            depth += 1
            v >>= 1
    for k in range(depth):
        counts[k] = 0
        for lane in range(lanes):
            m1s[k, lane] = 0
            m2s[k, lane] = 0
    quads = n // 64                     # four full chunks' steps at once where they are
    for q in range(quads):
        welford_steps_4(row, _U(q * 64 * lanes), 16, lanes, 16 * lanes, cm1, cm2)
        for k in range(4):
            _push(16, cm1[k], cm2[k], counts, m1s, m2s, 4 * q + k, depth)
    for c in range(4 * quads, chunks):
        cnt = min(16, n - c * 16)
        welford_steps(row, _U(c * 16 * lanes), cnt, lanes, 0, cm1, cm2)
        _push(cnt, cm1[0], cm2[0], counts, m1s, m2s, c, depth)
    for level in range(1, depth):
        _join(counts[level], m1s[level], m2s[level], counts, m1s, m2s, 0)
    return _row_result(row, n, m1s[0], m2s[0])


@numba.njit(inline='always')
def _row_result(row, n, m1, m2_lanes):
    """(mean, biased variance) of a row whose n vectors' moments are the lanes m1, m2_lanes:
    the tail after them, unfused, then the lanes joined in."""
    t = row.dtype.type
    n_all = row.size
    lanes = m1.size
    count = 0
    mean = t(0)
    m2 = t(0)
    for i in range(_U(n * lanes), _U(n_all)):            # the tail, unfused
        value = row[i]
        delta = value - mean
        count += 1
        mean = mean + delta / t(count)
        m2 = m2 + delta * (value - mean)
    if n == 0:
        delta = t(0) - mean
        mean = t(0) * delta + mean
        m2 = m2 + ((delta * delta * t(0)) * t(count) + t(0))
        return mean, m2 / t(n_all)
    for k in range(lanes):
        total = count + n
        share = t(n) / t(total)
        delta = m1[k] - mean
        if count == 0:
            mean = delta + mean
            m2 = m2 + ((delta * delta) * t(0) + m2_lanes[k])
        else:
            mean = fma(share, delta, mean)
            m2 = m2 + fma(delta * delta * share, t(count), m2_lanes[k])
        count = total
    return mean, m2 / t(n_all)


@numba.njit(inline='always')
def _four_short_rows(x, r, lanes, scratch, mean, var):
    """row_moments of rows r to r + 3 of x, rows of one chunk (1 to 16 vectors): the four
    chunks' steps at once, as row_moments' long rows take four chunks (each row's
    operations and order unchanged). Rows of 128 float32: 0.53 of the time row by row."""
    counts, m1s, m2s, cm1, cm2 = scratch
    n = x.shape[1] // lanes
    welford_steps_4(x[r], _U(0), n, lanes, x.shape[1], cm1, cm2)
    for k in range(4):
        counts[0] = 0
        clear_moment_lanes(m1s[0], m2s[0])
        _join(n, cm1[k], cm2[k], counts, m1s, m2s, 0)
        mean[r + k], var[r + k] = _row_result(x[r + k], n, m1s[0], m2s[0])


@numba.njit(inline='always')
def moments_of_rows(x, first, end, lanes, scratch, mean, var):
    """mean[r], var[r] = row_moments(x[r]) for rows first to end - 1, four at once where
    x's rows are of one chunk (a loop of its own: one loop that chose per four rows took
    1.27x the time on rows of 128 float32)."""
    r = first
    if 0 < x.shape[1] // lanes <= 16:
        while r + 4 <= end:
            _four_short_rows(x, r, lanes, scratch, mean, var)
            r += 4
    for r in range(r, end):
        mean[r], var[r] = row_moments(x[r], lanes, scratch)


@numba.njit(parallel=True, cache=True)
def rowwise_moments(x, lanes, mean, var, tasks):
    """(mean, biased variance) of each row of x (2-D float32 or float64, C-contiguous) into
    mean and var, `tasks` runs of rows."""
    rows = x.shape[0]
    per = (rows + tasks - 1) // tasks
    for t in numba.prange(tasks):
        scratch = moments_scratch(lanes, x)
        moments_of_rows(x, t * per, min(rows, (t + 1) * per), lanes, scratch, mean, var)


rowwise_moments_serial = serial_twin(rowwise_moments)
