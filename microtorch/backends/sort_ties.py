"""PyTorch's choice among equal values in a CPU sort, topk, kthvalue or mode.

Two routes to the same indices. With the Numba kernels on (and Numba loaded, or the input
large enough to load it for), std_order.py's algorithms run compiled on every row: about
PyTorch's own time, and no stable sort first. Otherwise NumPy's stable sort answers, which is
PyTorch's answer wherever no two values that matter tie; the rows where some do run the same
algorithms as Python on lists (a 256-element row sorts in ~1 ms).
"""
import sys

import numpy as np

from . import numba_dispatch as _numba_dispatch
from . import std_order

_KERNELS_FROM = 256          # elements from which the kernels pay for importing Numba
_PARALLEL_FROM = 2048        # ~100 ns an element: two threads pay early (rows >= 2)


def kernels_take(x):
    """Do the compiled algorithms answer for all of x?"""
    return _numba_dispatch.settings.enabled and (x.size >= _KERNELS_FROM
                                                 or 'numba' in sys.modules)


def _code(descending):
    return std_order.DESCENDING if descending else std_order.ASCENDING


def _rows(x, dim):
    """x's rows along dim as a C-contiguous 2-D array whose values the algorithms compare as
    PyTorch does (bool as 0/1, float16 widened exactly)."""
    if x.ndim == 1 and x.dtype.kind in 'iuf' and x.dtype.itemsize > 2:
        return np.ascontiguousarray(x).reshape(1, -1)
    rows = np.moveaxis(x, dim, -1)
    if rows.dtype.kind == 'b':
        rows = rows.view(np.int8)
    elif rows.dtype == np.float16:
        rows = rows.astype(np.float32)
    return np.ascontiguousarray(rows).reshape(-1, max(x.shape[dim], 1))


def _back(found, shape, dim):
    """found (rows, m) as indices of x's shape with m along dim."""
    if len(shape) == 1:
        return found[0]
    lead = list(shape)
    del lead[dim]
    return np.moveaxis(found.reshape(*lead, found.shape[-1]), -1, dim)


def _kernel(name, x2):
    kernels = _numba_dispatch._kernel_module('std_order')
    parallel = x2.shape[0] > 1 and x2.size >= _PARALLEL_FROM
    return getattr(kernels if parallel else kernels.SERIAL, name)


def _same(a, b):
    """a and b equal under the comparators: NaN ties with NaN."""
    if a.dtype.kind != 'f':
        return a == b
    return (a == b) | ((a != a) & (b != b))


def _python_rows(x2, rows, run):
    """run(v, ix) on each listed row of x2 as Python lists; what each returns."""
    n = x2.shape[1]
    return [run(x2[r].tolist(), list(range(n))) for r in rows.tolist()]


def _put_rows(out, dim, rows, found):
    """out (indices with dim along `dim`) with the listed rows replaced by found (2-D)."""
    flat = np.moveaxis(out, dim, -1)
    shape = flat.shape
    flat = np.ascontiguousarray(flat).reshape(-1, shape[-1])
    flat[rows] = found
    return np.moveaxis(flat.reshape(shape), -1, dim)


# ---- the compiled route --------------------------------------------------------------------

def kernel_sort(x, dim, descending):
    x2 = _rows(x, dim)
    out = np.empty(x2.shape, np.int64)
    _kernel('sort_rows', x2)(x2, _code(descending), out)
    return _back(out, x.shape, dim)


def kernel_topk(x, k, dim, largest, in_order):
    x2 = _rows(x, dim)
    out = np.empty((x2.shape[0], k), np.int64)
    _kernel('topk_rows', x2)(x2, k, _code(largest), in_order, out)
    return _back(out, x.shape, dim)


def kernel_kth(x, k, dim):
    x2 = _rows(x, dim)
    out = np.empty(x2.shape[0], np.int64)
    _kernel('kth_rows', x2)(x2, k - 1, out)
    return _back(out[:, None], x.shape, dim)


def kernel_mode(x):
    x2 = _rows(x, 1)
    out = np.empty(x2.shape[0], np.int64)
    _kernel('mode_rows', x2)(x2, out)
    return out


# ---- the stable answer, and Python where ties make it another ------------------------------

def sorted_order(x, order, dim, descending):
    """std::sort's indices along dim where the stable `order` has ties."""
    s = x[order] if x.ndim == 1 else np.take_along_axis(x, order, dim)
    ahead = [slice(None)] * x.ndim
    behind = list(ahead)
    ahead[dim], behind[dim] = slice(1, None), slice(None, -1)
    if not _same(s[tuple(ahead)], s[tuple(behind)]).any():
        return order
    x2 = _rows(x, dim)
    n = x2.shape[1]
    s2 = np.take_along_axis(x2, _rows(order, dim), 1)
    rows = np.flatnonzero(_same(s2[:, 1:], s2[:, :-1]).any(1))
    code = _code(descending)

    def run(v, ix):
        std_order.sort_row(v, ix, 0, n, code)
        return ix
    return _put_rows(order, dim, rows, np.array(_python_rows(x2, rows, run), np.int64))


def top_order(x, chosen, k, dim, largest, in_order):
    """topk's indices where the stable choice `chosen` (k along dim) is not the only one: a
    value tied inside it or with one left out, and every row where sorted=False leaves
    nth_element's order."""
    x2 = _rows(x, dim)
    n = x2.shape[1]
    c2 = _rows(chosen, dim)
    if not in_order and k * 64 > n and k > 2:
        rows = np.arange(x2.shape[0])
    else:
        c = np.take_along_axis(x2, c2, 1)
        kth = c[:, -1:]
        tied = _same(c[:, 1:], c[:, :-1]).any(1)
        tied |= _same(x2, kth).sum(1) > _same(c, kth).sum(1)
        rows = np.flatnonzero(tied)
        if not rows.size:
            return chosen
    code = _code(largest)

    def run(v, ix):
        std_order.topk_row(v, ix, n, k, code, in_order)
        return ix[:k]
    return _put_rows(chosen, dim, rows, np.array(_python_rows(x2, rows, run), np.int64))


def kth_order(x, index, k, dim):
    """kthvalue's index (k from 1; index: the stable one, size 1 along dim) where the k-th
    value has an equal elsewhere in its row."""
    x2 = _rows(x, dim)
    n = x2.shape[1]
    kth = np.take_along_axis(x2, _rows(index, dim), 1)
    rows = np.flatnonzero(_same(x2, kth).sum(1) > 1)
    if not rows.size:
        return index

    def run(v, ix):
        std_order.kth_row(v, ix, n, k - 1)
        return ix[k - 1]
    found = np.array(_python_rows(x2, rows, run), np.int64)
    return _put_rows(index, dim, rows, found[:, None])


def mode_order(flat, index, longest):
    """mode's index per row of flat (2-D): where the most frequent value occurs more than
    once (longest > 1) or the row holds a NaN, the last of its run in std::sort's order."""
    x2 = _rows(flat, 1)
    n = x2.shape[1]
    tied = longest > 1
    if x2.dtype.kind == 'f':
        tied |= np.isnan(x2).any(1)
    rows = np.flatnonzero(tied)
    out = np.array(index, np.int64)
    out[rows] = _python_rows(x2, rows, lambda v, ix: std_order.mode_row(v, ix, n))
    return out
