"""PyTorch's CPU summation order, for the statistics that need the very sum PyTorch takes
(var's mean, the mean in var's gradient, layer_norm's gradient sums). Plain sum and mean do
not use this module: it is a private copy of the order, kept apart for the moments.

PyTorch adds floats in their own dtype (float32 stays float32) with a cascade: partial sums
over 2^p rows at a time are added into a next level, four levels deep (`cascade`). A
contiguous run is read as vectors of `lanes()` elements (16 float32 with AVX512, 8 with AVX2),
four vectors side by side (`row_sum`); the lanes are then added one by one. Large reductions
are split over the threads in fixed chunks (`GRAIN`, `threads()`), whose sums are added last.
"""
import math

import numpy as np

GRAIN = 32768               # at::internal::GRAIN_SIZE: the smallest piece worth a thread
_VECTOR_BYTES = {'AVX512': 32, 'AVX2': 32}


def lanes(dtype):
    """Elements of `dtype` in one vector register of this CPU (PyTorch's Vectorized size)."""
    from .cpu import get_cpu_capability
    return _VECTOR_BYTES.get(get_cpu_capability(), 16) // np.dtype(dtype).itemsize


def threads():
    from .._top_level import get_num_threads
    return max(1, get_num_threads())


def thread_chunks(n):
    """PyTorch's parallel_for(0, n, GRAIN) pieces: [(begin, end), ...] in thread order."""
    count = min(threads(), -(-n // GRAIN)) if n > GRAIN else 1
    size = -(-n // count)
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _sequential(blocks):
    """blocks[0] + blocks[1] + ... in order (axis 0), in their dtype."""
    total = blocks[0].copy()
    for block in blocks[1:]:
        total += block
    return total


def cascade(rows):
    """PyTorch's multi_row_sum: the sum over axis 0 of `rows` (any trailing shape), in four
    levels of 2^p rows each (p = max(4, ceil(log2 n) / 4))."""
    n = rows.shape[0]
    tail_shape = rows.shape[1:]
    zero = np.zeros(tail_shape, rows.dtype)
    if n == 0:
        return zero
    step = 1 << max(4, math.ceil(math.log2(n)) // 4 if n > 1 else 0)
    full = n - n % step
    level = rows[:full].reshape((-1, step) + tail_shape)
    left = [_sequential(rows[full:]) if full < n else zero]       # level 0: the tail rows
    sums = _sequential(level.swapaxes(0, 1)) if full else rows[:0]
    for depth in (1, 2):
        k = sums.shape[0]
        done = k - k % step
        left.append(_sequential(sums[done:]) if done < k else zero)
        sums = (_sequential(sums[:done].reshape((-1, step) + tail_shape).swapaxes(0, 1))
                if done else sums[:0])
    left.append(_sequential(sums) if sums.shape[0] else zero)
    total = left[0]
    for part in left[1:]:
        total = total + part
    return total


def row_sum(rows):
    """PyTorch's row_sum: the sum over axis 0 of `rows`, read as four interleaved columns
    summed by `cascade`, the rows left over added to the first, then the four added."""
    n = rows.shape[0]
    quads = n // 4
    parts = cascade(rows[:quads * 4].reshape((quads, 4) + rows.shape[1:]))
    parts = np.moveaxis(parts, 0, 0).copy()
    first = parts[0]
    for i in range(quads * 4, n):
        first = first + rows[i]
    for k in (1, 2, 3):
        first = first + parts[k]
    return first


def inner_sums(x):
    """The sum of each row of a C-contiguous 2-D array x, as PyTorch adds a contiguous run:
    vectors of lanes() elements by `row_sum`, then the tail elements, then the lanes."""
    rows, n = x.shape
    width = lanes(x.dtype)
    if n < width:
        return row_sum(x.T)
    vec = n // width
    lane_sums = row_sum(x[:, :vec * width].reshape(rows, vec, width).transpose(1, 0, 2))
    total = np.zeros(rows, x.dtype)
    for i in range(vec * width, n):
        total = total + x[:, i]
    for k in range(width):
        total = total + lane_sums[:, k]
    return total


def outer_sums(x):
    """The sum of each column of a C-contiguous 2-D array x (reducing its rows), as PyTorch:
    blocks of 4 vectors of columns (4 columns when there are fewer than a vector's) by
    `cascade`, the columns after them by `row_sum`."""
    rows, cols = x.shape
    width = lanes(x.dtype)
    out = np.empty(cols, x.dtype)
    for lo, hi in _column_pieces(rows, cols, x.dtype.itemsize):
        piece = x[:, lo:hi]
        group = 4 * width if hi - lo >= width else 4      # vector or scalar columns
        wide = (hi - lo) // group * group
        if wide:
            out[lo:lo + wide] = cascade(piece[:, :wide])
        if wide < hi - lo:
            out[lo + wide:hi] = row_sum(piece[:, wide:])
    return out


def _column_pieces(rows, cols, itemsize):
    """The columns each thread sums (parallel_dim_reduction: pieces rounded to 128 bytes)."""
    if rows * cols < GRAIN or threads() == 1 or cols == 1:
        return [(0, cols)]
    per = 128 // itemsize
    size = -(-cols // min(threads(), cols))
    pieces = []
    for lo in range(0, cols, size):
        hi = min(lo + size, cols)
        lo -= lo % per
        hi = hi if hi == cols else hi - hi % per
        if lo < hi:
            pieces.append((lo, hi))
    return pieces


def sum_all(x):
    """PyTorch's sum of every element of x (C order), in x's dtype: one piece per thread."""
    flat = np.ascontiguousarray(x).reshape(1, -1)
    if flat.size < GRAIN or threads() == 1:
        return inner_sums(flat)[0]
    total = x.dtype.type(0)
    for lo, hi in thread_chunks(flat.size):
        total = total + inner_sums(flat[:, lo:hi])[0]
    return total


def sums(x, dims):
    """PyTorch's sum of x over `dims` (keepdim shape), or None where this module does not
    know PyTorch's order for the layout."""
    x = np.ascontiguousarray(x)
    dims = sorted(set(dims))
    kept = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
    if x.size == 0:
        return np.zeros(kept, x.dtype)
    shape = [n for n in x.shape]
    live = [i for i, n in enumerate(shape) if n != 1]
    red = [i for i in live if i in dims]
    if not red:
        return x.reshape(kept).copy()
    if red == live:
        return np.full(kept, sum_all(x), x.dtype)
    first, last = red[0], red[-1]
    if red != [i for i in live if first <= i <= last]:
        return None                        # reduced dims not adjacent: not known here
    before = math.prod(shape[:first])
    n = math.prod(shape[first:last + 1])
    after = math.prod(shape[last + 1:])
    if after == 1:
        return inner_sums(x.reshape(before, n)).reshape(kept)
    if before == 1:
        return outer_sums(x.reshape(n, after)).reshape(kept)
    blocks = x.reshape(before, n, after)
    return np.stack([outer_sums(block) for block in blocks]).reshape(kept)


def means(x, dims):
    """PyTorch's mean over dims (keepdim shape): its sum divided by the count, in x's dtype;
    None where `sums` is."""
    total = sums(x, dims)
    if total is None:
        return None
    count = math.prod(x.shape[d] for d in dims)
    return total / x.dtype.type(count)
