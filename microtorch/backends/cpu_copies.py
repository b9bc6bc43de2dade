"""Large NumPy copies on the kernels' threads (numba_kernels/copy.py), NumPy's below.

NumPy copies on one thread: 2^22 float32 elements took 1.6 ms against 0.85 for a two-thread
copy, called back to back (this 2-core Xeon). Each launch wakes the kernels' sleeping workers
(16-31 us), so between other work the kernel pays later: from 2^19 for casts and strided
rows, 2^20 for a plain copy, 2^21 for a broadcast source (below). Here: copies, casts between
float32 and float64, broadcasts written out, and the pieces of cat and stack, where both
sides merge into at most 2 dims with dense destination rows. Anything else (3 dims that do
not merge, negative strides, other casts) is NumPy's, with the same result.
"""
import numpy as np

from . import exact_sum as _exact_sum
from . import numba_dispatch as _numba_dispatch

# Casts the kernel makes, besides copying a dtype to itself: its conversions round as C's
# (and NumPy's) do between these.
_CASTS = {(np.dtype(np.float32), np.dtype(np.float64)),
          (np.dtype(np.float64), np.dtype(np.float32))}
_BITS = {1: np.dtype(np.uint8), 2: np.dtype(np.uint16), 4: np.dtype(np.uint32),
         8: np.dtype(np.uint64)}
_strided = np.lib.stride_tricks.as_strided


def copy(array, np_dtype=None):
    """A C-ordered copy of a NumPy array, cast to np_dtype when given (NumPy's unsafe
    casting)."""
    if _numba_dispatch.kernel_pays('copy', array.size) and (
            0 not in array.strides or _pays(array.size, _BROADCAST)):
        out = np.empty(array.shape, np_dtype or array.dtype)
        if _by_kernel(out, array):
            return out
    return array.copy() if np_dtype is None else array.astype(np_dtype, order='C')


def copyto(dst, src):
    """dst[...] = src: src (an array or a number) broadcast to dst's shape, cast to dst's dtype
    as NumPy's unsafe casting casts."""
    if not (_numba_dispatch.kernel_pays('copy', dst.size) and _by_kernel(dst, src)):
        np.copyto(dst, src, casting='unsafe')


def _by_kernel(dst, src):
    """The copy by the kernel, or False where the layouts or dtypes are not its."""
    if type(src) is not np.ndarray or not dst.size:
        return False
    if src.shape != dst.shape:
        try:
            src = np.broadcast_to(src, dst.shape)
        except ValueError:
            return False                    # NumPy's copyto says why
    if src.dtype == dst.dtype:
        bits = _BITS.get(src.itemsize)
        if bits is None:
            return False
        src, dst = src.view(bits), dst.view(bits)
    elif (src.dtype, dst.dtype) not in _CASTS:
        return False
    if src.flags.c_contiguous and dst.flags.c_contiguous:        # (shapes equal by now)
        if src.dtype == dst.dtype and not _pays(dst.size, _DENSE_COPY):
            return False
        count, cols, src_row, src_step, dst_row = 1, dst.size, 0, 1, 0
        src_flat, dst_flat = src.reshape(-1), dst.reshape(-1)
    else:
        rows = _rows(dst, src)
        if rows is None:
            return False
        count, cols, src_row, src_step, dst_row = rows
        if (src_step == 0 or (src_row == 0 and count > 1)) and \
                not _pays(dst.size, _BROADCAST):
            return False
        src_flat = _strided(src, ((count - 1) * src_row + (cols - 1) * src_step + 1,),
                            (src.itemsize,), writeable=False)
        dst_flat = _strided(dst, ((count - 1) * dst_row + cols,), (dst.itemsize,))
    if np.may_share_memory(dst_flat, src_flat):
        return False
    kernels = _numba_dispatch._kernel_module('copy')
    _exact_sum.launch(kernels.copy_rows, src_flat, src_row, src_step, dst_flat, dst_row,
                      count, cols, _numba_threads())
    return True


# Alternating with NumPy's copies (copy_crossover.md), the kernel took 0.80-0.85 of their
# time for casts and strided rows at 2^19 elements (the family's size), 0.57-0.62 at 2^21;
# a dense copy of one dtype (NumPy's memcpy) 1.26 at 2^19 and 0.75 at 2^20, a broadcast
# source (NumPy reads it from L1) 1.03-1.38 at 2^19 and 0.62-0.72 at 2^21: those two take
# the kernel from these multiples of the family's size.
_DENSE_COPY, _BROADCAST = 2, 4


def _pays(size, times):
    return _numba_dispatch.kernel_pays('copy', size // times)


def _rows(dst, src):
    """(rows, cols, src_row, src_step, dst_row), steps in elements, when the two arrays'
    dims merge into rows of dense destination elements whose source is dense or one value
    (src_step 1 or 0); None otherwise."""
    sizes, dst_steps, src_steps = [], [], []
    for n, d, s in zip(dst.shape, dst.strides, src.strides):
        if n == 1:
            continue
        if sizes and dst_steps[-1] == d * n and src_steps[-1] == s * n:    # merges
            sizes[-1] *= n
            dst_steps[-1], src_steps[-1] = d, s
        else:
            sizes.append(n)
            dst_steps.append(d)
            src_steps.append(s)
    if not sizes or len(sizes) > 2:
        return None
    if len(sizes) == 1:
        sizes.insert(0, 1)
        dst_steps.insert(0, 0)
        src_steps.insert(0, 0)
    item, src_item = dst.itemsize, src.itemsize
    if dst_steps[1] != item or src_steps[1] not in (0, src_item) or \
            (sizes[0] > 1 and dst_steps[0] < item * sizes[1]) or src_steps[0] < 0 or \
            dst_steps[0] % item or src_steps[0] % src_item:
        return None                 # (destination rows that overlap, or go backwards)
    return (sizes[0], sizes[1], src_steps[0] // src_item, src_steps[1] // src_item,
            dst_steps[0] // item)


def _numba_threads():
    import numba                # (loaded by then: the kernel module imports it)
    return numba.get_num_threads()
