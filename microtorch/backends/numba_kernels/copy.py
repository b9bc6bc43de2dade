"""Copies on the kernels' threads.

NumPy copies on one thread (copyto, astype, concatenate, a slice's assignment); PyTorch's
copies run on all of them. A copy is bound by memory: it reads and writes each element once
(8 bytes a float32 element, 12 for a float32 -> float64 cast), so two cores' L2 and load
ports take it in about half the time from ~2^17 elements (numba_dispatch's 'copy' family).

One kernel serves every copy whose two sides merge into rows (backends/cpu_copies.py finds
them): the destination's rows are dense, the source's rows are dense or one value repeated
(a broadcast dim), and each side's rows start a fixed step apart. Both sides come in as flat
buffers; the threads split the (row, column) space into equal runs, so one long row and many
short ones both keep every thread busy.

The inner loops take slices and index from 0: a loop over `range(lo, hi)` on a whole buffer
keeps Numba's negative-index wraparound, which stops LLVM from vectorising it (2.5-4x slower
than np.copyto in a first try).
"""
import numba
from numba import prange

_OPTIONS = dict(cache=True, error_model='numpy')


@numba.njit(inline='always')
def _copy(src, dst):
    for k in range(dst.size):
        dst[k] = src[k]


@numba.njit(inline='always')
def _fill(value, dst):
    for k in range(dst.size):
        dst[k] = value


@numba.njit(parallel=True, **_OPTIONS)
def copy_rows(src, src_row, src_step, dst, dst_row, rows, cols, tasks):
    """dst[i * dst_row + j] = src[i * src_row + j * src_step] for i < rows, j < cols
    (src_step 1, or 0 for a repeated value), converted to dst's dtype as NumPy's unsafe
    casting does between floats; `tasks` equal runs of the rows' elements."""
    n = rows * cols
    for task in prange(tasks):
        at = n * task // tasks
        end = n * (task + 1) // tasks
        while at < end:
            i = at // cols
            j = at - i * cols
            stop = min(cols, j + end - at)
            d = i * dst_row
            s = i * src_row
            if src_step:
                _copy(src[s + j:s + stop], dst[d + j:d + stop])
            else:
                _fill(src[s], dst[d + j:d + stop])
            at += stop - j
