"""Boolean masks on the CPU: x[mask] and its gradient's spread, by numba_kernels/masking.py's
branch-free loops from the measured size, NumPy's boolean index below it.

NumPy's index branches on every mask byte: on a random mask 2^18 float32 took 1.18 ms, the
serial kernel 0.11; on masks of 5% or 95% Trues, whose branches predict, NumPy's took
0.25-0.32 ms and the kernel 0.11-0.16 (results/cpu-masks-2026-12-07/crossover.md). Both give
the same bits: the kernels move elements as unsigned integers of their width.
"""
import math

import numpy as np

from . import exact_sum as _exact_sum
from . import numba_dispatch as _numba_dispatch

_BITS = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32),
         8: np.dtype(np.uint64)}
# Each thread's share of the mask is cut into this many chunks (a chunk's Trues may be few).
_CHUNKS_A_THREAD = 4
# Rows up to this many elements go to the rows kernels (x[mask] of leading dims).
SHORT_ROW = 16


def masked_select(x, mask):
    """The elements of x where mask (a bool array of x's shape, or one that broadcasts with it)
    is True, in row-major order, as a new 1-D array."""
    if x.shape != mask.shape:
        shape = np.broadcast_shapes(x.shape, mask.shape)
        x, mask = np.broadcast_to(x, shape), np.broadcast_to(mask, shape)
    bits = _BITS.get(x.itemsize)
    if bits is None or not _numba_dispatch.kernel_pays('mask', x.size):
        return x[mask]
    flags = np.ascontiguousarray(mask).reshape(-1).view(np.uint8)
    kernels, chunk, offsets = _chunks(flags)
    out = np.empty(offsets[-1], x.dtype)
    _exact_sum.launch(kernels.compact, np.ascontiguousarray(x).reshape(-1).view(bits), flags,
                      chunk, offsets, out.view(bits))
    return out


def mask_rows(x, mask):
    """x[mask] for a bool mask of x's leading dims: the blocks of x's trailing dims where mask
    is True, in order, shape (Trues,) + those dims. Short rows (up to 16 elements: boxes,
    points) by the kernels, which copy every row and keep the Trues' (a branch a row would
    mispredict); longer ones by NumPy, whose copy of a row outweighs its branch."""
    rest = x.shape[mask.ndim:]
    row = x.size // max(mask.size, 1) if mask.size else 0
    if not 0 < row <= SHORT_ROW or not _numba_dispatch.kernel_pays('mask', x.size):
        return x[mask]
    # a row's bytes as the widest unsigned integers that divide them: (N, 4) float32 as 2
    # uint64, not 4 uint32
    row_bytes = row * x.itemsize
    width = next(w for w in (8, 4, 2, 1) if row_bytes % w == 0)
    flags = np.ascontiguousarray(mask).reshape(-1).view(np.uint8)
    kernels, chunk, offsets = _chunks(flags, x.size)
    out = np.empty((offsets[-1],) + rest, x.dtype)
    _exact_sum.launch(kernels.compact_rows,
                      np.ascontiguousarray(x).reshape(flags.size, row).view(_BITS[width]),
                      flags, chunk, offsets, out.reshape(-1, row).view(_BITS[width]))
    return out


def mask_rows_spread(gy, mask, shape, accumulate):
    """mask_rows' inverse: zeros of `shape` with gy's rows where mask (x's leading dims) is
    True; accumulate as mask_spread's."""
    row = math.prod(shape[mask.ndim:])
    bits = _BITS.get(gy.itemsize)
    if (bits is None or gy.dtype.kind != 'f' or not 0 < row <= SHORT_ROW
            or not _numba_dispatch.kernel_pays('mask', mask.size * row)):
        out = np.zeros(shape, gy.dtype)
        out[mask] = gy + gy.dtype.type(0) if accumulate else gy
        return out
    flags = np.ascontiguousarray(mask).reshape(-1).view(np.uint8)
    kernels, chunk, offsets = _chunks(flags, flags.size * row)
    out = np.empty(shape, gy.dtype)
    sign = bits.type(1 << (8 * gy.itemsize - 1)) if accumulate else bits.type(0)
    _exact_sum.launch(kernels.spread_rows,
                      np.ascontiguousarray(gy).reshape(-1, row).view(bits), flags, chunk,
                      offsets, sign, out.reshape(-1, row).view(bits))
    return out


def mask_spread(gy, mask, shape, accumulate):
    """masked_select's inverse: zeros of `shape` with gy's elements, in order, where mask
    (broadcast to shape) is True. accumulate: added to the zeros, as an index's backward adds
    (a -0.0 becomes +0.0); else copied as they are (masked_select's backward, PyTorch's
    masked_scatter into zeros)."""
    shape = tuple(shape)
    if mask.shape != shape:
        mask = np.broadcast_to(mask, shape)
    bits = _BITS.get(gy.itemsize)
    if (bits is None or gy.dtype.kind != 'f'
            or not _numba_dispatch.kernel_pays('mask', mask.size)):
        out = np.zeros(shape, gy.dtype)
        out[mask] = gy + gy.dtype.type(0) if accumulate else gy
        return out
    flags = np.ascontiguousarray(mask).reshape(-1).view(np.uint8)
    kernels, chunk, offsets = _chunks(flags)
    out = np.empty(shape, gy.dtype)
    sign = bits.type(1 << (8 * gy.itemsize - 1)) if accumulate else bits.type(0)
    _exact_sum.launch(kernels.spread, np.ascontiguousarray(gy).reshape(-1).view(bits), flags,
                      chunk, offsets, sign, out.reshape(-1).view(bits))
    return out


def mask_put(x, mask, value):
    """x[mask] = value in place, as NumPy's assignment writes it: mask a bool array of x's
    shape; value a number, an array of one element, or one of as many as mask has Trues."""
    bits = _BITS.get(x.itemsize)
    if (bits is None or not x.flags.c_contiguous or not mask.flags.c_contiguous
            or not _numba_dispatch.kernel_pays('mask', x.size)):
        x[mask] = value
        return
    flat, flags = x.reshape(-1).view(bits), mask.reshape(-1).view(np.uint8)
    if type(value) is np.ndarray and value.size != 1:
        kernels, chunk, offsets = _chunks(flags)
        if value.shape != (offsets[-1],):
            x[mask] = value                          # NumPy's broadcast, or its error
            return
        values = np.ascontiguousarray(value.astype(x.dtype, copy=False)).view(bits)
        _exact_sum.launch(kernels.put, values, flags, chunk, offsets, flat)
        return
    kernels, chunk = _fill_kernels(flat.size, flat.size)
    _exact_sum.launch(kernels.fill, _element_bits(value, x.dtype, bits), flags, chunk, flat)


def mask_rows_fill(x, mask, value):
    """x[mask] = value in place for one value and a mask of x's leading dims, whose rows are
    short (up to SHORT_ROW elements; NumPy's fill a row wins on longer ones)."""
    bits = _BITS.get(x.itemsize)
    row = x.size // max(mask.size, 1)
    if (bits is None or not x.flags.c_contiguous or not 0 < row <= SHORT_ROW
            or not _numba_dispatch.kernel_pays('mask', x.size)):
        x[mask] = value
        return
    if row == 1:                                      # (N, 1) by (N,): the elements' fill
        mask_put(x, np.ascontiguousarray(mask).reshape(x.shape), value)
        return
    kernels, chunk = _fill_kernels(mask.size, x.size)
    _exact_sum.launch(kernels.fill_rows, _element_bits(value, x.dtype, bits),
                      np.ascontiguousarray(mask).reshape(-1).view(np.uint8), chunk,
                      x.reshape(-1, row).view(bits))


def _element_bits(value, dtype, bits):
    """A number (or an array of one) as an element of dtype, seen as the unsigned integer."""
    return np.asarray(value).reshape(()).astype(dtype).view(bits)[()]


def _fill_kernels(rows, size):
    """(fill's kernels, parallel or serial by `size` elements; the chunk of `rows`)."""
    module = _numba_dispatch._kernel_module('masking')
    if _numba_dispatch.parallel_pays('mask', size):
        return module, max(1, -(-rows // (_exact_sum.threads() * _CHUNKS_A_THREAD)))
    return module.SERIAL, max(rows, 1)


def _chunks(flags, size=None):
    """(the kernels, parallel or serial; the chunk size; each chunk's first place in the
    output, then the total) for the mask bytes `flags` over `size` elements (default one a
    byte)."""
    n = flags.size
    module = _numba_dispatch._kernel_module('masking')
    if not _numba_dispatch.parallel_pays('mask', n if size is None else size):
        return module.SERIAL, max(n, 1), np.array([0, np.count_nonzero(flags)])
    chunk = max(1, -(-n // (_exact_sum.threads() * _CHUNKS_A_THREAD)))
    starts = range(0, n, chunk)
    offsets = np.zeros(len(starts) + 1, np.int64)      # (NumPy counts: one launch, not two)
    np.cumsum([np.count_nonzero(flags[start:start + chunk]) for start in starts],
              out=offsets[1:])
    return module, chunk, offsets
