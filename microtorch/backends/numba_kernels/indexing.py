"""Indexing kernels: topk's selection and the scatter-add of an advanced index's gradient.

topk, for a few of many (k small against the row): one parallel pass that keeps each row's
best k in a small sorted buffer, as the stable sort would order them (ties keep their original
order; NaN the largest value; descending takes cpu._sort_key's order, where NaN and +inf tie).
Most elements lose to the buffer's worst: a block of them is tested first in a loop LLVM
vectorises, and only a block holding a winner is walked one element at a time.

The scatter-add: out[..., idx, ...] += gy, its additions into each element in np.add.at's
order (gy's, row-major), so the bits are np.add.at's; the threads split out's leading and
trailing dims, which no two of them share.
"""
import numba
import numpy as np
from numba import prange

_OPTIONS = dict(cache=True, error_model='numpy')
_BLOCK = 64


@numba.njit(inline='always')
def _key(v, largest):
    """What the ascending order compares (cpu._sort_key): -v descending, NaN then as -inf."""
    if largest:
        return -np.inf if v != v else -v
    return v


@numba.njit(inline='always')
def _before(a, b):
    """Key a strictly before key b, a NaN key last."""
    return a < b or (b != b and a == a)


@numba.njit(parallel=True, **_OPTIONS)
def top_rows(x, k, largest, out):
    """out[r] = the indices of row r's best k keys of x (2-D), best first."""
    rows, n = x.shape
    for r in prange(rows):
        row = x[r]
        keys = np.empty(k, x.dtype)
        taken = out[r]
        count = 0
        for start in range(0, n, _BLOCK):
            stop = min(n, start + _BLOCK)
            if count == k:
                worst = keys[k - 1]
                wins = False
                for j in range(start, stop):       # the common case: nothing beats it
                    wins |= _before(_key(row[j], largest), worst)
                if not wins:
                    continue
            for j in range(start, stop):
                v = _key(row[j], largest)
                if count < k:
                    p = count
                    count += 1
                elif _before(v, keys[k - 1]):
                    p = k - 1
                else:
                    continue
                while p > 0 and _before(v, keys[p - 1]):   # after equal keys: stable
                    keys[p] = keys[p - 1]
                    taken[p] = taken[p - 1]
                    p -= 1
                keys[p] = v
                taken[p] = j


@numba.njit(parallel=True, **_OPTIONS)
def scatter_add(out, gy, where, chunk):
    """out[l, where[s], t] += gy[l, s, t] (out (L, M, T) uninitialised: zeroed first; gy (L,
    S, T), where (S,) int64), in tasks of one l and `chunk` of the t: each element's
    additions in increasing s."""
    lead, places, trail = gy.shape
    chunks = (trail + chunk - 1) // chunk
    for task in prange(lead * chunks):
        l = task // chunks
        t0 = task % chunks * chunk
        t1 = min(trail, t0 + chunk)
        for m in range(out.shape[1]):      # out comes uninitialised: zero this task's part
            out[l, m, t0:t1] = 0
        for s in range(places):
            row = out[l, where[s], t0:t1]
            src = gy[l, s, t0:t1]
            for t in range(row.size):      # (from 0: a signed start kept it from vectorising)
                row[t] += src[t]


@numba.njit(inline='always')
def _copy_window(x, out, n, c, a, b, e, stride, dilation):
    _, _, _, _, _, k0, k1, k2 = out.shape
    for i in range(k0):
        z = a * stride[0] + i * dilation[0]
        for j in range(k1):
            y = b * stride[1] + j * dilation[1]
            for k in range(k2):       # (indices, not row views: a view costs more than 2 taps)
                out[n, c, a, b, e, i, j, k] = x[n, c, z, y, e * stride[2] + k * dilation[2]]


@numba.njit(parallel=True, **_OPTIONS)
def windows_gather(x, out, stride, dilation, channels_inside):
    """out[n, c, o0, o1, o2, k0, k1, k2] = x[n, c, o0 s0 + k0 d0, ...] (x 5-d, out 8-d, any
    strides; s, d: 3 ints), walking out in its memory order: channels inside the positions
    (a convolution's rows) or outside (pooling's planes)."""
    batch, channels = x.shape[:2]
    n0, n1, n2 = out.shape[2:5]
    if channels_inside:
        for task in prange(batch * n0 * n1):
            n = task // (n0 * n1)
            a = task // n1 % n0
            b = task % n1
            for e in range(n2):
                for c in range(channels):
                    _copy_window(x, out, n, c, a, b, e, stride, dilation)
    else:
        for plane in prange(batch * channels):
            n = plane // channels
            c = plane % channels
            for a in range(n0):
                for b in range(n1):
                    for e in range(n2):
                        _copy_window(x, out, n, c, a, b, e, stride, dilation)


@numba.njit(parallel=True, **_OPTIONS)
def windows_scatter(gy, out, stride, dilation):
    """windows_gather's adjoint: out[n, c, o0 s0 + k0 d0, ...] = the sum of gy[n, c, o0, o1,
    o2, k0, k1, k2] over the windows holding it, added from 0 in gy's row-major order within
    its plane (np.add.at's); out may come uninitialised."""
    batch, channels = out.shape[:2]
    _, _, n0, n1, n2, k0, k1, k2 = gy.shape
    for plane in prange(batch * channels):
        n = plane // channels
        c = plane % channels
        out[n, c] = 0               # out comes uninitialised: its pages are first touched here
        for a in range(n0):
            for b in range(n1):
                for e in range(n2):
                    for i in range(k0):
                        z = a * stride[0] + i * dilation[0]
                        for j in range(k1):
                            y = b * stride[1] + j * dilation[1]
                            for k in range(k2):
                                out[n, c, z, y, e * stride[2] + k * dilation[2]] += \
                                    gy[n, c, a, b, e, i, j, k]


@numba.njit(parallel=True, **_OPTIONS)
def columns_gather(x, columns, stride, dilation):
    """columns[n, c, k0, k1, k2, o0, o1, o2] = x[n, c, o0 s0 + k0 d0, ...] (x 5-d, any
    strides; columns C-contiguous; s, d: 3 ints): a convolution's windows as columns, a task
    per (n, c) plane. A copy: its values do not depend on the kernel. Bytes per column
    element: 4 or 8 read (from the cache: each input element is read once per tap), as many
    written."""
    batch, channels, t0, t1, t2, n0, n1, n2 = columns.shape
    for plane in prange(batch * channels):
        n = plane // channels
        c = plane % channels
        for i in range(t0):
            for j in range(t1):
                for k in range(t2):
                    start = k * dilation[2]
                    for a in range(n0):
                        z = a * stride[0] + i * dilation[0]
                        for b in range(n1):
                            row = x[n, c, z, b * stride[1] + j * dilation[1]]
                            dst = columns[n, c, i, j, k, a, b]
                            if stride[2] == 1:          # (a loop LLVM vectorises)
                                part = row[start:start + n2]
                                for e in range(n2):
                                    dst[e] = part[e]
                            else:
                                for e in range(n2):
                                    dst[e] = row[start + e * stride[2]]


@numba.njit(parallel=True, **_OPTIONS)
def columns_scatter(columns, out, stride, dilation):
    """out[n, c, o0 s0 + k0 d0, ...] += columns[n, c, k0, k1, k2, o0, o1, o2] (out 5-d, any
    strides; s, d: 3 ints): a convolution's columns added back onto its input, a task per
    (n, c) plane, each element's taps last to first (np.add.at's order of the windows, and
    backends/conv_columns.py's NumPy form)."""
    batch, channels, t0, t1, t2, n0, n1, n2 = columns.shape
    for plane in prange(batch * channels):
        n = plane // channels
        c = plane % channels
        for i in range(t0 - 1, -1, -1):
            for j in range(t1 - 1, -1, -1):
                for k in range(t2 - 1, -1, -1):
                    start = k * dilation[2]
                    for a in range(n0):
                        z = a * stride[0] + i * dilation[0]
                        for b in range(n1):
                            row = out[n, c, z, b * stride[1] + j * dilation[1]]
                            src = columns[n, c, i, j, k, a, b]
                            if stride[2] == 1:          # (a loop LLVM vectorises)
                                part = row[start:start + n2]
                                for e in range(n2):
                                    part[e] += src[e]
                            else:
                                for e in range(n2):
                                    row[start + e * stride[2]] += src[e]


_TILE = 32


@numba.njit(parallel=True, **_OPTIONS)
def tiled_copy(source, out):
    """out[b, i, j] = source[b, i, j] (3-d, source any strides, out C-contiguous) in 32 x 32
    tiles: a transposed source's rows are read a tile at a time, not once an element."""
    batch, rows, cols = source.shape
    bands = (rows + _TILE - 1) // _TILE
    for task in prange(batch * bands):
        b = task // bands
        i0 = task % bands * _TILE
        i1 = min(rows, i0 + _TILE)
        for j0 in range(0, cols, _TILE):
            j1 = min(cols, j0 + _TILE)
            for i in range(i0, i1):
                for j in range(j0, j1):
                    out[b, i, j] = source[b, i, j]


@numba.njit(parallel=True, **_OPTIONS)
def row_extremes(x, largest, out):
    """out[r] = np.argmax(x[r]) (np.argmin's if not largest): the first extreme, or the
    first NaN (x: 2-d, rows not empty)."""
    rows, n = x.shape
    for r in prange(rows):
        row = x[r]
        best = row[0]
        at = 0
        if best == best:
            for j in range(1, n):
                v = row[j]
                if v != v:
                    at = j
                    break
                if (v > best) if largest else (v < best):
                    best = v
                    at = j
        out[r] = at


@numba.njit(parallel=True, **_OPTIONS)
def scatter_add_along(index, values, out):
    """out[o, index[o, j, i], i] += values[o, j, i] (out (O, N, I) uninitialised: zeroed
    first; index entries in [-N, N)), each o a task: each element's additions in increasing j,
    np.add.at's order."""
    outer, picks, inner = index.shape
    n = out.shape[1]
    for o in prange(outer):
        out[o] = 0
        for j in range(picks):
            for i in range(inner):
                m = index[o, j, i]
                out[o, m + n if m < 0 else m, i] += values[o, j, i]


@numba.njit(parallel=True, **_OPTIONS)
def gather_along(x, index, out):
    """out[o, j, i] = x[o, index[o, j, i], i] (x (O, N, I), index entries in [-N, N))."""
    outer, picks, inner = index.shape
    n = x.shape[1]
    for o in prange(outer):
        for j in range(picks):
            for i in range(inner):
                m = index[o, j, i]
                out[o, j, i] = x[o, m + n if m < 0 else m, i]
