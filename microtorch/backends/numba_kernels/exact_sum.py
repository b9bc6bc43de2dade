"""Numba twins of backends/exact_sum.py's additions: the same blocks, loops and order, so the
same bits as its NumPy path. Compiled without fastmath: no reassociation, no contraction.

A plan is a table of thread parts (`exact_sum.part_table`): one row per part, holding the
part's coalesced iteration (sizes, input and output strides, fastest dim first), where its
input and output start, and its range of elements. `serial_sum` walks one part's 2-D blocks
as serial_for_each does and sums each block with the loop cascade_sum picks for it;
`parallel_sum` runs the parts one per thread (parts that add into the output own disjoint
outputs; the parts of a full reduction each fill a partial sum, which `combined` adds).
"""
import numba
import numpy as np

from .lanes import (LANE_BYTES, add_rows, add_wide_rows, fold_lanes, fold_wide_lanes,
                    row_total, short_row_total, zero_lanes)
from .twins import serial_twin

ILP = 4                     # row_sum's interleaved partial sums
# Element indices computed from offsets are made unsigned in the hot loops: a signed index
# costs a wraparound test per element that keeps LLVM from vectorising (a 4096 x 4096 row or
# column sum on one thread: 6.1 -> 2.7 ms). Unsigned arithmetic wraps as two's complement, so
# a negative stride still lands on the right (non-negative) index.
_U = np.uint64
# part table columns: ndim, in0, out0, begin, end, then sizes, input and output strides
NDIM, IN0, OUT0, BEGIN, END, DIMS = range(6)


@numba.njit(cache=True)
def _level_power(rows):
    """log2 of multi_row's block: max(4, CeilLog2(rows) // 4)."""
    ceil_log2 = 1
    if rows > 2:
        ceil_log2 = 0
        v = rows - 1
        while v:
            v >>= 1
            ceil_log2 += 1
    return max(4, ceil_log2 // 4)


# A wide row's lanes (a column sum's: a row of the kept dim) are added and carried in chunks
# held in registers, each lane's additions in the same order (3x faster than the lanes in
# memory). They have a multi_row of their own: beside the other loops in one function, they
# made the 4-vector path (every contiguous sum) 1.5x slower.
@numba.njit(inline='always')
def _add_wide_rows(acc, x, p, count, rs, nsub, ss, nl, ls):
    """_add_rows of contiguous lanes (ls == 1), nl >= 2 L of them."""
    wide = 2 * LANE_BYTES // x.itemsize
    held = nl - nl % wide
    for k in range(nsub):
        for c in range(0, held, wide):
            add_wide_rows(acc, k * nl + c, x, p + k * ss + c, count, rs)
        for i in range(count):
            q = _U(p + i * rs + k * ss)
            b = _U(k * nl)
            for lane in range(_U(held), _U(nl)):
                acc[0, b + lane] += x[q + lane]


@numba.njit(inline='always')
def _carry_wide(acc, dst, src, width, clear, fast):
    """_carry of width >= 2 L lanes."""
    wide = 2 * LANE_BYTES // acc.itemsize
    held = width - width % wide
    for c in range(0, held, wide):
        fold_wide_lanes(acc, dst, src, c, clear)
    for lane in range(held, width):
        acc[dst, lane] += acc[src, lane]
        if clear:
            acc[src, lane] = 0


@numba.njit(inline='always')
def _add_rows(acc, x, p, count, rs, nsub, ss, nl, ls):
    """count rows rs apart from x[p] into level 0, in order: acc[0, k * nl + l] +=
    x[p + k * ss + l * ls]. One branch per call, so the inner loops vectorise over lanes.
    (Indices, never views: a view costs a reference count in the loop. Inlined: a
    1024-element row summed in 0.24 ns an element as a call, 0.18 inlined.)"""
    if ls == 1 and nsub == 1 and nl == LANE_BYTES // x.itemsize:
        add_rows(acc, x, p, count, rs)          # 4 AVX2 vectors: in registers (lanes.py)
    elif ls == 1:
        for i in range(count):
            for k in range(nsub):
                q = _U(p + i * rs + k * ss)
                b = _U(k * nl)
                for lane in range(_U(nl)):
                    acc[0, b + lane] += x[q + lane]
    else:
        for i in range(count):
            for k in range(nsub):
                q = _U(p + i * rs + k * ss)
                b = _U(k * nl)
                for lane in range(_U(nl)):
                    acc[0, b + lane] += x[q + lane * _U(ls)]


@numba.njit(inline='always')
def _clear(acc, row, width, fast):
    """acc[row, :width] = 0 (fast: width is the lanes' vector, lanes.py)."""
    if fast:
        zero_lanes(acc, row)
    else:
        for lane in range(width):
            acc[row, lane] = 0


@numba.njit(inline='always')
def _carry(acc, dst, src, width, clear, fast):
    """acc[dst, :width] += acc[src, :width], then acc[src, :width] = 0 if clear."""
    if fast:
        fold_lanes(acc, dst, src, 0, clear)
    else:
        for lane in range(width):
            acc[dst, lane] += acc[src, lane]
            if clear:
                acc[src, lane] = 0


@numba.njit(cache=True)
def multi_row(x, off, rows, rs, nsub, ss, nl, ls, acc):
    """multi_row_sum over `rows` rows rs apart from x[off]; a row's lanes are nsub groups ss
    apart of nl lanes ls apart. acc: scratch of (4, >= nsub * nl), whose row 0 ends with the
    nsub * nl lane sums. With 4 vectors of lanes, the levels' carries run in registers too:
    looped over lanes they cost twice the additions (a 1024-element row: 285 -> 94 ns)."""
    _cascade(_add_rows, _carry, x, off, rows, rs, nsub, ss, nl, ls, acc)


@numba.njit(cache=True)
def wide_multi_row(x, off, rows, rs, nl, acc):
    """multi_row of one group of nl >= 2 L contiguous lanes (a column sum's row)."""
    _cascade(_add_wide_rows, _carry_wide, x, off, rows, rs, 1, 0, nl, 1, acc)


@numba.njit(inline='always')
def _cascade(add, carry, x, off, rows, rs, nsub, ss, nl, ls, acc):
    """multi_row's blocks and levels, adding rows with `add` and carrying with `carry`."""
    lp = _level_power(rows)
    step = 1 << lp
    mask = step - 1
    width = nsub * nl
    fast = width == LANE_BYTES // x.itemsize
    single = rows < step                        # one partial block: level 0 alone
    _clear(acc, 0, width, fast)
    if not single:
        for lev in range(1, 4):
            _clear(acc, lev, width, fast)
    # Whole blocks, each carried up the levels, then the rest (maybe none): one loop, so
    # that the inlined _add_rows is compiled once here (three copies took 12 s more to
    # compile the sums from an empty cache).
    i = 0
    while True:
        count = min(step, rows - i)
        add(acc, x, off + i * rs, count, rs, nsub, ss, nl, ls)
        if count < step:
            break
        i += step
        for lev in range(1, 4):
            carry(acc, lev, lev - 1, width, True, fast)
            if i & (mask << (lev * lp)):
                break
    if not single:
        for lev in range(1, 4):
            carry(acc, 0, lev, width, False, fast)


@numba.njit(cache=True)
def row_sum(x, off, n, rs, nl, ls, acc):
    """row_sum over n rows rs apart of nl lanes ls apart: rows 4i + k into partial k (the
    0-3 left over into partial 0), then partials 1, 2, 3 added to partial 0. acc: scratch of
    (4, >= 4 nl), whose row 0 starts with the nl sums."""
    m = n // ILP
    if ls == 1 and rs == nl:                    # contiguous rows: 4 rows are one of 4 nl lanes
        multi_row(x, off, m, ILP * rs, 1, 0, ILP * nl, 1, acc)
    else:
        multi_row(x, off, m, ILP * rs, ILP, rs, nl, ls, acc)
    for r in range(m * ILP, n):
        q = off + r * rs
        for lane in range(nl):
            acc[0, lane] += x[q + lane * ls]
    for k in range(1, ILP):
        for lane in range(nl):
            acc[0, lane] += acc[0, k * nl + lane]


@numba.njit(cache=True)
def inner_rows(x, oin, n, rows, is1, w, out, oout, os1):
    """vectorized_inner_sum of `rows` contiguous rows of n >= w elements, is1 apart from
    x[oin], each added into out[oout + j * os1]: W lanes by row_sum (its multi_row over rows
    of 4 vectors), then the scalar tail and the lanes, in order, from 0. Each row is summed
    in registers (lanes.row_total: a 1024-element float32 row 2x faster than with the lanes
    in a scratch array); rows below multi_row's step have a loop of their own."""
    m = n // w // ILP
    if m < 16:
        short_rows(x, oin, n, rows, is1, out, oout, os1)
        return
    lp = _level_power(m)
    for j in range(rows):
        out[oout + j * os1] += row_total(x, oin + j * is1, n, lp)


@numba.njit(cache=True)
def short_rows(x, oin, n, rows, is1, out, oout, os1):
    """inner_rows of rows below multi_row's step (fewer than 16 groups of 4 vectors), by
    lanes.short_row_total (rows of 32 to 256 float32 elements 2-3x faster than with their
    lanes in memory). A function of its own: beside the longer rows' loop, the loop over
    short rows ran 1.2-1.7x slower."""
    for j in range(rows):
        out[oout + j * os1] += short_row_total(x, oin + j * is1, n)


@numba.njit(cache=True)
def scalar_rows(x, oin, n, is0, rows, is1, out, oout, os1):
    """The scalar inner loop over `rows` rows of n elements is0 apart (rows is1 apart), each
    added into out[oout + j * os1]: row_sum of one lane, written out for short rows."""
    m = n // ILP
    acc = np.empty((4, ILP), x.dtype)
    for j in range(rows):
        off = oin + j * is1
        if m < 16:                              # below multi_row's smallest step: level 0
            for k in range(ILP):
                acc[0, k] = 0
            for i in range(m):
                for k in range(ILP):
                    acc[0, k] += x[off + (i * ILP + k) * is0]
            for r in range(m * ILP, n):
                acc[0, 0] += x[off + r * is0]
            for k in range(1, ILP):
                acc[0, 0] += acc[0, k]
        else:
            row_sum(x, off, n, is0, 1, 1, acc)
        out[oout + j * os1] += acc[0, 0]


@numba.njit(cache=True)
def block(x, oin, oout, size0, size1, is0, is1, os0, os1, w, out):
    """One 2-D block's sums added into out, by the loop cascade_sum picks from its strides
    (exact_sum._kind), the reduced dim first."""
    if os0 != 0 and os1 == 0:
        size0, size1, is0, is1, os1 = size1, size0, is1, is0, os0
    if is0 == 1 and size0 >= w:                                 # inner, vectorised
        inner_rows(x, oin, size0, size1, is1, w, out, oout, os1)
        return
    if is0 < is1 and not (is1 == 1 and size1 >= w):             # inner, scalar
        scalar_rows(x, oin, size0, is0, size1, is1, out, oout, os1)
        return
    width = ILP * w if is1 == 1 and size1 >= w else ILP         # outer
    g = size1 // width * width
    acc = np.empty((4, max(g, ILP * (size1 - g))), x.dtype)
    if g:
        if is1 == 1 and g >= 2 * LANE_BYTES // x.itemsize:
            wide_multi_row(x, oin, size0, is0, g, acc)
        else:
            multi_row(x, oin, size0, is0, 1, 0, g, is1, acc)
        for j in range(g):
            out[oout + j * os1] += acc[0, j]
    if g < size1:
        row_sum(x, oin + g * is1, size0, is0, size1 - g, is1, acc)
        for j in range(size1 - g):
            out[oout + (g + j) * os1] += acc[0, j]


@numba.njit(cache=True)
def serial_sum(x, part, w, out):
    """serial_for_each over one part (a row of the part table): its blocks, in order."""
    nd = part[NDIM]
    sizes = part[DIMS:DIMS + nd]
    ins = part[DIMS + nd:DIMS + 2 * nd]
    outs = part[DIMS + 2 * nd:DIMS + 3 * nd]
    n0 = sizes[0]
    n1 = sizes[1] if nd > 1 else 1
    is1 = ins[1] if nd > 1 else 0
    os1 = outs[1] if nd > 1 else 0
    offset, end = part[BEGIN], part[END]
    while offset < end:
        rem, oin, oout = offset, part[IN0], part[OUT0]
        v0 = v1 = 0
        for d in range(nd):
            v = rem % sizes[d]
            rem //= sizes[d]
            if d == 0:
                v0 = v
            elif d == 1:
                v1 = v
            oin += v * ins[d]
            oout += v * outs[d]
        step0 = min(n0 - v0, end - offset)
        step1 = 1
        if step0 == n0:
            step1 = min(n1 - v1, (end - offset) // n0)
        block(x, oin, oout, step0, step1, ins[0], is1, outs[0], os1, w, out)
        offset += step0 * step1


@numba.njit(cache=True)
def combined(partials, w):
    """The final pass of a two-pass sum: the partial sums as one contiguous row, + 0."""
    return contiguous_sum(partials, w) + partials.dtype.type(0)


@numba.njit(cache=True)
def serial_parts(x, table, w, out):
    """The parts one after another (one thread), adding into out."""
    for p in range(table.shape[0]):
        serial_sum(x, table[p], w, out)


@numba.njit(parallel=True, cache=True)
def parallel_parts(x, table, w, out):
    """The parts one per thread; each adds into outputs no other part touches."""
    for p in numba.prange(table.shape[0]):
        serial_sum(x, table[p], w, out)


@numba.njit(parallel=True, cache=True)
def parallel_whole(x, table, w):
    """A full reduction's parts one per thread, each into its partial sum, then combined."""
    partials = np.zeros(table.shape[0], x.dtype)
    for p in numba.prange(table.shape[0]):
        serial_sum(x, table[p], w, partials[p:p + 1])
    return combined(partials, w)


serial_whole = serial_twin(parallel_whole)  # the same parts and partials, no launch: small sums


@numba.njit(cache=True)
def contiguous_sum(x, w):
    """A serial full sum of a contiguous 1-D x (one block: inner vectorised, or the scalar
    outer loop of a single column below w elements), from 0."""
    n = x.size
    if n >= w:
        total = np.zeros(1, x.dtype)
        inner_rows(x, 0, n, 1, 0, w, total, 0, 0)
        return total[0]
    acc = np.empty((4, ILP), x.dtype)
    row_sum(x, 0, n, 1, 1, 1, acc)
    return x.dtype.type(0) + acc[0, 0]


@numba.njit(cache=True)
def split_sum(x, chunk, w):
    """A full sum of a contiguous 1-D x as PyTorch's threads take it (chunks of `chunk`
    elements summed from 0, then combined), on one thread: the same bits, no launch."""
    n = x.size
    partials = np.empty((n + chunk - 1) // chunk, x.dtype)
    for p in range(partials.size):
        partials[p] = contiguous_sum(x[p * chunk:min(n, (p + 1) * chunk)], w)
    return combined(partials, w)


@numba.njit(parallel=True, cache=True)
def parallel_split_sum(x, chunk, w):
    """split_sum with a chunk per thread."""
    n = x.size
    partials = np.empty((n + chunk - 1) // chunk, x.dtype)
    for p in numba.prange(partials.size):
        partials[p] = contiguous_sum(x[p * chunk:min(n, (p + 1) * chunk)], w)
    return combined(partials, w)
