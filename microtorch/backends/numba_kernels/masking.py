"""Boolean masks: x[mask] (the selected elements, in order), its inverse (a gradient spread
back to the mask's places, zeros elsewhere) and the writes x[mask] = values or a value.

NumPy's boolean index branches on each mask byte: a random mask mispredicts half of them
(~4 ns an element, 2^18 float32 in ~1.1 ms). These loops do not branch: every element is
stored at the output's next free place and the place moves on by the mask byte, so a False
element is overwritten by the next one. Stopping at the last True keeps the stores inside the
output. The spread reads the gradient the same way: each place takes the value at the read
position or a zero by a select, and the position moves on by the mask byte.

Elements are moved as unsigned integers of their width (the callers view any dtype so), so
the bits are NumPy's for every dtype. Parallel: the mask is cut into chunks, whose Trues
NumPy counts first; their running sum gives each chunk's place in the output.
"""
import types

import numba
from numba import prange

from .twins import serial_twin

_OPTIONS = dict(cache=True, error_model='numpy')


@numba.njit(inline='always')
def _chunk_span(mask, c, chunk):
    """Chunk c of the mask: (its start, its stop, the index of its last True, start - 1 when
    it has none). Every kernel's work in a chunk ends at that last True."""
    start = c * chunk
    stop = min(mask.size, start + chunk)
    last = stop - 1
    while last >= start and mask[last] == 0:
        last -= 1
    return start, stop, last


@numba.njit(parallel=True, **_OPTIONS)
def compact(x, mask, chunk, offsets, out):
    """out[offsets[c]:offsets[c + 1]] = chunk c of x where mask (x, mask and out flat; offsets
    the running sum of the chunks' Trues, from 0)."""
    for c in prange(offsets.size - 1):
        start, _, last = _chunk_span(mask, c, chunk)
        _compact_run(x[start:last + 1], mask[start:last + 1], out[offsets[c]:])


@numba.njit(inline='always')
def _compact_run(x, mask, out):
    # (indices that start at 0 in slices: from a variable start LLVM keeps a test for negative
    # indices in the loop, 2.5x the time)
    j = 0
    for i in range(x.size):
        out[j] = x[i]
        j += mask[i]


@numba.njit(parallel=True, **_OPTIONS)
def compact_rows(x, mask, chunk, offsets, out):
    """compact for short rows: x (M, R) and out (Trues, R); mask (M,) picks x's rows. (A twin
    of compact, not its general form: elements as rows of 1 took 3.8x compact's time, and
    Numba types both branches of an `if x.ndim == 1`.)"""
    for c in prange(offsets.size - 1):
        start, _, last = _chunk_span(mask, c, chunk)
        _compact_rows_run(x[start:last + 1], mask[start:last + 1], out[offsets[c]:])


@numba.njit(inline='always')
def _compact_rows_run(x, mask, out):
    j = 0
    for i in range(x.shape[0]):
        for k in range(x.shape[1]):
            out[j, k] = x[i, k]
        j += mask[i]


@numba.njit(parallel=True, **_OPTIONS)
def spread_rows(gy, mask, chunk, offsets, sign, out):
    """spread for short rows: gy (Trues, R) into out (M, R), zero rows where mask is False."""
    for c in prange(offsets.size - 1):
        start, stop, last = _chunk_span(mask, c, chunk)
        _spread_rows_run(gy[offsets[c]:], mask[start:last + 1], sign, out[start:last + 1])
        out[last + 1:stop] = 0


@numba.njit(inline='always')
def _spread_rows_run(gy, mask, sign, out):
    zero = out.dtype.type(0)
    j = 0
    for i in range(out.shape[0]):
        keep = mask[i]
        for k in range(out.shape[1]):
            v = gy[j, k]
            if v == sign:
                v = zero
            out[i, k] = v if keep else zero
        j += keep


@numba.njit(parallel=True, **_OPTIONS)
def spread(gy, mask, chunk, offsets, sign, out):
    """compact's inverse: out[i] = the next unread gy where mask[i], else 0 (all flat, as
    unsigned integers). sign: a float's sign bit, for a negative zero to become +0 as 0 + g
    makes it (an index's backward adds into zeros), or 0 to copy the bits as they are."""
    for c in prange(offsets.size - 1):
        start, stop, last = _chunk_span(mask, c, chunk)
        _spread_run(gy[offsets[c]:], mask[start:last + 1], sign, out[start:last + 1], False)
        out[last + 1:stop] = 0


@numba.njit(parallel=True, **_OPTIONS)
def put(values, mask, chunk, offsets, out):
    """out[mask] = values in place: out[i] = the next unread value where mask[i], else out[i]
    as it was (all flat, as unsigned integers)."""
    for c in prange(offsets.size - 1):
        start, _, last = _chunk_span(mask, c, chunk)
        _spread_run(values[offsets[c]:], mask[start:last + 1], values.dtype.type(0),
                    out[start:last + 1], True)


@numba.njit(inline='always')
def _spread_run(gy, mask, sign, out, keep):
    zero = out.dtype.type(0)
    j = 0
    for i in range(out.size):
        v = gy[j]
        if v == sign:
            v = zero
        if keep:                        # (a constant: LLVM keeps one of the two loops)
            out[i] = v if mask[i] else out[i]
        else:
            out[i] = v if mask[i] else zero
        j += mask[i]


@numba.njit(parallel=True, **_OPTIONS)
def fill(value, mask, chunk, out):
    """out[mask] = value in place (out and mask flat, value out's element as its unsigned
    integer): a select an element, which LLVM vectorises."""
    for c in prange((out.size + chunk - 1) // chunk):
        part = out[c * chunk:(c + 1) * chunk]
        flags = mask[c * chunk:(c + 1) * chunk]
        for i in range(part.size):
            part[i] = value if flags[i] else part[i]


@numba.njit(parallel=True, **_OPTIONS)
def fill_rows(value, mask, chunk, out):
    """fill for short rows: out (M, R), mask (M,) picks the rows that take value."""
    m = out.shape[0]
    for c in prange((m + chunk - 1) // chunk):
        part = out[c * chunk:(c + 1) * chunk]
        flags = mask[c * chunk:(c + 1) * chunk]
        for i in range(part.shape[0]):
            # all ones where the row takes value, else 0: written as a select LLVM made a
            # branch a row, which a random mask mispredicts (rows of 1 or 2: 3.4 ns a row)
            take = out.dtype.type(0) - out.dtype.type(flags[i])
            for k in range(part.shape[1]):
                part[i, k] = (value & take) | (part[i, k] & ~take)


# Below the parallel crossover: the same loops without threads (one chunk).
SERIAL = types.SimpleNamespace(compact=serial_twin(compact), spread=serial_twin(spread),
                               put=serial_twin(put), fill=serial_twin(fill),
                               compact_rows=serial_twin(compact_rows),
                               spread_rows=serial_twin(spread_rows),
                               fill_rows=serial_twin(fill_rows))
