"""DROPPED (kept for the record; see ../README.md): matrix products on Numba's threads, each
thread running OpenBLAS's gemm, single-threaded, on a band of the result (rows, or columns
when the result is wide and short). Wired in as pooled_gemm_wiring.diff shows, as
microtorch/backends/numba_kernels/gemm.py.

The idea: NumPy's matmul runs on OpenBLAS's own threads, which keep polling for the next
product after each one (2^28 cycles, ~0.1 s, unless microtorch was imported before NumPy and
shortened it: _openblas_idle.py), so a parallel kernel that follows a product may share its
cores with a polling thread; on Numba's threads, products and kernels would take turns on the
same workers. Measured, it made the training steps slower (../README.md).

A band is computed by OpenBLAS's single-threaded driver: NumPy's bits for the shapes tried
with inner dimensions 64-1024 in every layout, not for inner dimensions 500 and 1001 or for
results with a dim under 32 (NumPy's threads block the inner dimension otherwise, and
OpenBLAS answers one-row products with gemv). OpenBLAS is found in NumPy's own wheel
(scipy-openblas64, NumPy 2); with another BLAS, `available()` is False.
"""
import ctypes
import glob
import os

import numba
import numpy as np
from numba import prange, types

_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _find_openblas():
    """(path, ctypes library) of NumPy's scipy-openblas64 with the symbols used, or None."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, 'numpy.libs')
    for path in sorted(glob.glob(os.path.join(folder, 'libscipy_openblas64_*.so'))):
        try:
            lib = ctypes.CDLL(path)
            for name in ('scipy_cblas_sgemm64_', 'scipy_cblas_dgemm64_',
                         'openblas_set_num_threads_local'):
                getattr(lib, name)
        except (OSError, AttributeError):
            continue
        return path, lib
    return None


_FOUND = _find_openblas()


def available():
    return _FOUND is not None


if _FOUND is not None:
    import llvmlite.binding as _llvm
    _llvm.load_library_permanently(_FOUND[0])      # the kernels call it by name (cacheable)
    # Sets OpenBLAS's thread count and returns the one before. (In this build it holds for
    # every thread, not just the caller; a band's gemm on one thread. openblas_set_num_threads
    # itself made the two bands take turns: 21 against 11 ms for 1024^3.)
    _set_threads = _FOUND[1].openblas_set_num_threads_local
    _set_threads.argtypes, _set_threads.restype = [ctypes.c_int], ctypes.c_int

# (addresses as integers: the same registers as pointers in the x86-64 and arm64 calls)
_i32, _i64, _ptr = types.int32, types.int64, types.uintp
_sgemm = types.ExternalFunction('scipy_cblas_sgemm64_', types.void(
    _i32, _i32, _i32, _i64, _i64, _i64, types.float32, _ptr, _i64, _ptr, _i64, types.float32,
    _ptr, _i64))
_dgemm = types.ExternalFunction('scipy_cblas_dgemm64_', types.void(
    _i32, _i32, _i32, _i64, _i64, _i64, types.float64, _ptr, _i64, _ptr, _i64, types.float64,
    _ptr, _i64))


@numba.njit(inline='always')
def _gemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc):
    """c = op(a) @ op(b), row-major, through the cblas of c's dtype (pointers as integers)."""
    if c.itemsize == 4:                 # (float32 or float64: matmul's check)
        _sgemm(np.int32(_ROW_MAJOR), np.int32(ta), np.int32(tb), m, n, k, np.float32(1),
               a, lda, b, ldb, np.float32(0), c.ctypes.data, ldc)
    else:
        _dgemm(np.int32(_ROW_MAJOR), np.int32(ta), np.int32(tb), m, n, k, np.float64(1),
               a, lda, b, ldb, np.float64(0), c.ctypes.data, ldc)


@numba.njit(parallel=True, cache=True)
def gemm_bands(ta, a, lda, tb, b, ldb, k, c, by_rows, parts):
    """c (m, n, C order) = op(a) @ op(b) in `parts` bands of rows (by_rows) or of columns;
    a, b: the operands' addresses, op a transpose where ta / tb say _TRANS. A band of rows
    starting at row r of op(a) starts r rows into a, or r elements where op(a) is a's
    transpose (and the same for columns of op(b))."""
    m, n = c.shape
    item = c.itemsize
    step = -(-(m if by_rows else n) // parts)
    for p in prange(parts):
        start = p * step
        stop = min(m if by_rows else n, start + step)
        if stop > start:
            if by_rows:
                shift = start * (1 if ta == _TRANS else lda) * item
                _gemm(ta, tb, stop - start, n, k, a + shift, lda, b, ldb, c[start:], n)
            else:
                shift = start * (ldb if tb == _TRANS else 1) * item
                _gemm(ta, tb, m, stop - start, k, a, lda, b + shift, ldb, c[:, start:], n)


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _operand(x):
    """(transpose flag, leading dim) for BLAS of a 2-D array whose rows or columns are dense
    (C or Fortran order, or a slice of one), or None."""
    item = x.itemsize
    s0, s1 = x.strides
    if s1 == item and s0 % item == 0 and s0 // item >= max(1, x.shape[1]):
        return _NO_TRANS, s0 // item
    if s0 == item and s1 % item == 0 and s1 // item >= max(1, x.shape[0]):
        return _TRANS, s1 // item
    return None


def matmul(a, b, parts):
    """a @ b for 2-D float32 or float64 arrays of one dtype, in `parts` bands, as a new C-order
    array; None where BLAS cannot read an operand as it lies (NumPy copies those)."""
    if a.dtype not in _FLOATS or b.dtype is not a.dtype and b.dtype != a.dtype:
        return None
    pa, pb = _operand(a), _operand(b)
    if pa is None or pb is None:
        return None
    m, k = a.shape
    n = b.shape[1]
    c = np.empty((m, n), a.dtype)
    previous = _set_threads(1)
    try:
        gemm_bands(pa[0], a.ctypes.data, pa[1], pb[0], b.ctypes.data, pb[1], k, c, m >= n,
                   parts)
    finally:
        _set_threads(previous)
    return c
