"""PyTorch's CPU float32 pow, bit for bit: tensor ** number and tensor ** tensor.

PowKernel.cpp gives six exponent numbers formulas of their own (0.5 sqrt, -0.5 rsqrt, -1
reciprocal, 2 and 3 products, -2 the reciprocal of a square; Pow.cpp fills 1 for 0 and copies
for 1): microtorch's backends compute those already. Any other number p runs cpu_kernel_vec:
vector blocks of 2 * Vec::size() elements take Vectorized<float>::pow(float(p)), which is
SLEEF's Sleef_powf16_u10 (powf8 under AVX2), and each parallel chunk's scalar tail takes
std::pow(float, double): glibc's double pow, rounded to float32. A tensor exponent (or a number
base, which PyTorch wraps as a 0-d tensor) takes powf_u10 in the blocks and glibc's powf in the
tails. The layout is the sigmoid's (microtorch/_sleef.py), per row of TensorIterator's inner
loop when broadcasting leaves rows (a (n, m) tensor ** a (m,) one: rows of m elements).

Numba runs the loops where the kernels are on (numba_kernels/sleef.py); NumPy and ctypes do the
same steps otherwise (microtorch/_sleef_numpy.py), and for arrays too small for one block.
"""
import itertools
import math
import operator

import numpy as np

from . import _layout
from . import _sleef

_FLOAT32 = np.dtype(np.float32)
_ndarray = np.ndarray
_F, _F64 = np.float32, np.float64
_FLT_MAX = float(np.finfo(np.float32).max)
_NO_BLOCKS = 1 << 62                     # a block size no row reaches: scalar throughout


def row_length(shape, *element_strides):
    """(elements in a row of TensorIterator's inner loop, can the row take vector blocks?) for
    operands of `shape` (broadcast) with these strides in elements, C order: its inner
    dimension absorbs the next ones while every operand's strides allow (size-1 dims always),
    and the row is vectorised when each operand's inner stride is 1 or 0."""
    dims = [d for d, size in enumerate(shape) if size != 1]
    if not dims:
        return 1, True
    inner = dims[-1]
    steps = [s[inner] for s in element_strides]
    length = shape[inner]
    for d in reversed(dims[:-1]):
        if any(s[d] != step * length for s, step in zip(element_strides, steps)):
            break
        length *= shape[d]
    return length, all(step in (0, 1) for step in steps)


def _element_strides(a):
    return tuple(s // a.itemsize for s in a.strides)


# ---- tensor ** number --------------------------------------------------------------------------

def pow_scalar(x, p):
    """x ** p for a float32 array x and a number p without a formula of its own, as PyTorch
    computes it; None when x is not a float32 array."""
    if type(x) is not _ndarray or x.dtype != _FLOAT32:
        return None
    p = float(p)
    if x.size == 1:                  # the hot path: PyTorch's scalar loop, the double pow
        out = np.empty(x.shape, np.float32)
        out.fill(_rounded(_pow(x.item(), p)))
        return out
    if x.flags.c_contiguous:
        return _pow_scalar_flat(x.reshape(-1), p, x.size, True).reshape(x.shape)
    order, row, vector, (flat,) = _iteration(x.shape, (x,))     # PyTorch's memory order
    return _in_shape(_pow_scalar_flat(flat, p, row, vector), x.shape, order)


def _pow_scalar_flat(flat, p, row, vector):
    """pow_scalar of the 1-d array `flat` in iteration order, in rows of `row` elements (which
    take vector blocks where `vector`)."""
    out = np.empty(flat.shape, np.float32)
    block = _block() if vector else _NO_BLOCKS
    if flat.size < _block() or not _sleef._use_numba():     # (rows without blocks: Numba's)
        _pow_scalar_numpy(flat, p, out, block, row)
    else:
        k = _sleef.kernels()
        chunk = _chunk(flat.size)
        if chunk == flat.size:
            k.pow_scalar_serial(flat, p, out, block, row)
        else:
            k.pow_scalar_chunks(flat, p, out, chunk, block, row)
    return out


def _pow(v, p):
    """glibc's pow(v, p) for Python floats: math.pow calls it but raises where C gives inf or
    nan; NumPy's float64 scalar power calls it too, and warns instead (microtorch's modules
    silence the warning)."""
    try:
        return math.pow(v, p)
    except (OverflowError, ValueError):
        return float(_F64(v) ** _F64(p))


def _rounded(v):
    """A Python float rounded to float32 as C rounds it (beyond float32's range: inf)."""
    return v if -_FLT_MAX <= v <= _FLT_MAX or v != v else math.copysign(math.inf, v)


def _pow_scalar_numpy(flat, p, out, block, row):
    p32 = _F(p)
    for begin, vector_end, end in _segments(flat.size, block, row):
        if vector_end > begin:
            from ._sleef_numpy import powf
            out[begin:vector_end] = powf(flat[begin:vector_end], p32)
        for i in range(vector_end, end):
            out[i] = _rounded(_pow(float(flat[i]), p))


# ---- tensor ** tensor ------------------------------------------------------------------------

def pow_tensor(a, b):
    """a ** b where either is a float32 array and the other a float32 array or a number, the
    result float32, as PyTorch computes it; None for other operands (other dtypes, strided
    arrays): the caller's NumPy power runs then."""
    if type(a) is _ndarray and type(b) is _ndarray and a.size == 1 and b.size == 1 and \
            a.dtype == _FLOAT32 and b.dtype == _FLOAT32:      # the hot path: glibc's powf
        out = np.empty(a.shape if a.ndim >= b.ndim else b.shape, np.float32)
        out.fill(_F(a.item()) ** _F(b.item()))
        return out
    number_base = type(a) in _NUMBERS     # PyTorch's pow.Scalar: a C-ordered result
    a, b = _operand(a), _operand(b)
    if a is None or b is None:
        return None
    if a.size == 1 and b.size == 1:
        out = np.empty(a.shape if a.ndim >= b.ndim else b.shape, np.float32)
        out.fill(_powf(a.item(), b.item()))
        return out
    shape = _broadcast_shape(a, b)
    n = math.prod(shape)
    if not (a.size == 1 or a.flags.c_contiguous) or not (b.size == 1 or b.flags.c_contiguous):
        if not number_base and all(v.size == 1 or v.shape == shape and v.flags.f_contiguous
                                   for v in (a, b)):
            return pow_tensor(a.T, b.T).T           # memory order: the C walk of the transposes
        order, row, vector, flats = _iteration(shape, (a, b), number_base)
        a, b = (np.full(n, v.reshape(-1)[0]) if v.size == 1 else flat
                for v, flat in zip((a, b), flats))
        return _in_shape(_pow_tensor_flat(a, b, row, vector), shape, order)
    if n < _block() and (a.size == 1 or a.shape == shape) and (b.size == 1 or b.shape == shape):
        return _powf_each(a, b, n).reshape(shape)       # less than a block: all scalar tail
    row, vector = n, True
    if a.shape != shape and a.size != 1 or b.shape != shape and b.size != 1:
        row, vector = row_length(shape, *(_broadcast_strides(v.shape, shape) for v in (a, b)))
        a, b = (v if v.size == 1 else _expanded(v, shape) for v in (a, b))
    a, b = (np.full(n, v.reshape(-1)[0]) if v.size == 1 else v.reshape(-1) for v in (a, b))
    return _pow_tensor_flat(a, b, row, vector).reshape(shape)


def _pow_tensor_flat(a, b, row, vector):
    """a ** b of two 1-d float32 arrays in iteration order, in rows of `row` elements."""
    n = a.size
    out = np.empty(n, np.float32)
    block = _block() if vector else _NO_BLOCKS
    if n < _block() or not _sleef._use_numba():       # (rows without blocks: Numba's)
        _pow_tensor_numpy(a, b, out, block, row)
    else:
        k = _sleef.kernels()
        chunk = _chunk(n)
        if chunk == n:
            k.pow_serial(a, b, out, block, row)
        else:
            k.pow_chunks(a, b, out, chunk, block, row)
    return out


def _iteration(shape, operands, c_order=False):
    """How TensorIterator walks strided operands broadcast to `shape`: (the dims' order, from
    the outermost, the memory order its result gets (C order where the result is made so
    before the walk); elements per row of its inner loop; can a row take vector blocks?; each
    operand as a 1-d array in that order, None for size 1)."""
    order = list(range(len(shape))) if c_order else \
        _layout.elementwise_order(shape, [(v.shape, v.strides) for v in operands])
    walked = [np.broadcast_to(v, shape).transpose(order) for v in operands]
    row, vector = row_length(walked[0].shape, *(_element_strides(v) for v in walked))
    flats = [None if v.size == 1 else np.ascontiguousarray(w).reshape(-1)
             for v, w in zip(operands, walked)]
    return order, row, vector, flats


def _in_shape(flat, shape, order):
    """The result of a walk in `order` (the 1-d `flat`) as an array of `shape`, laid out in
    that order."""
    return flat.reshape([shape[d] for d in order]).transpose(_layout.inverse(order))


_NUMBERS = (float, int, bool)


def _operand(v):
    """A float32 array for a float32 array or a Python number; None for anything else."""
    if type(v) is _ndarray:
        return v if v.dtype == _FLOAT32 else None
    if type(v) in _NUMBERS:
        return np.array(v, np.float32) if abs(v) <= _FLT_MAX or v != v else None
    return None


def _broadcast_shape(a, b):
    """np.broadcast_shapes(a.shape, b.shape), without its cost in the common cases."""
    if a.shape == b.shape or b.size == 1 and b.ndim <= a.ndim:
        return a.shape
    if a.size == 1 and a.ndim <= b.ndim:
        return b.shape
    return np.broadcast_shapes(a.shape, b.shape)


def _broadcast_strides(operand_shape, shape):
    """The element strides of a C-contiguous array of operand_shape broadcast to shape."""
    strides, step = [0] * len(shape), 1
    for d in range(1, len(operand_shape) + 1):
        size = operand_shape[-d]
        if size != 1:
            strides[-d] = step
        step *= size
    return tuple(strides)


def _expanded(v, shape):
    """v broadcast to shape, as a new C-contiguous array (one copy, no broadcast_to)."""
    out = np.empty(shape, v.dtype)
    out[...] = v
    return out


def _powf_each(a, b, n):
    """glibc's powf on each of n elements (a size-1 operand repeated), as one float32 array:
    NumPy's float32 scalars' power calls it (its array power may take SIMD code instead)."""
    a, b = (itertools.repeat(v.reshape(-1)[0], n) if v.size == 1 else v.reshape(-1)
            for v in (a, b))
    return np.fromiter(map(operator.pow, a, b), np.float32, n)


def _pow_tensor_numpy(a, b, out, block, row):
    scalar = []
    for begin, vector_end, end in _segments(out.size, block, row):
        if vector_end > begin:
            from ._sleef_numpy import powf as sleef_powf
            out[begin:vector_end] = sleef_powf(a[begin:vector_end], b[begin:vector_end])
        if end > vector_end:
            scalar.append((vector_end, end))
    if not scalar:
        return
    if all(begin == end for (_, end), (begin, _) in zip(scalar, scalar[1:])):
        where = slice(scalar[0][0], scalar[-1][1])          # one run (rows too short for blocks)
    else:
        where = np.concatenate([np.arange(begin, end) for begin, end in scalar])
    tail_a = a[where]
    out[where] = _powf_each(tail_a, b[where], tail_a.size)


# ---- the layout --------------------------------------------------------------------------------

def _block():
    if not _sleef._block:
        _sleef._block.append(_sleef.vector_block())
    return _sleef._block[0]


def _chunk(n):
    """Elements per parallel chunk of at::parallel_for (n itself for one chunk)."""
    if n <= _sleef.GRAIN_SIZE:
        return n
    begin, _, end = _sleef.sigmoid_layout(n, _sleef._threads(), 1)[0]
    return end - begin


def _segments(n, block, row):
    """[(begin, vector_end, end)]: each parallel chunk cut at row ends, each piece in vector
    blocks from its start and a scalar tail."""
    out = []
    for begin, _, end in _sleef.sigmoid_layout(n, _sleef._threads() if n > _sleef.GRAIN_SIZE
                                               else 1, 1):
        start = begin
        while start < end:
            stop = min(end, (start // row + 1) * row)
            out.append((start, start + (stop - start) // block * block, stop))
            start = stop
    return out


def _powf(a, b):
    """glibc's powf: NumPy's float32 scalar power calls it (npy_powf)."""
    return _F(a) ** _F(b)
