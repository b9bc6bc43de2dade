"""backends/std_order.py's algorithms compiled, and parallel loops over the rows that need them.

The functions are std_order's own code (one source for both modes): each is recompiled here
under globals in which its callees are the compiled ones. The row loops copy each row of x (2-D,
C-contiguous) with its indices and write the indices out.
"""
import types

import numba
import numpy as np
from numba import prange

from .. import std_order
from .twins import serial_twin

_OPTIONS = dict(cache=True, error_model='numpy')
_NAMES = ('_comes_before', '_swap', '_log2', '_move_median_to_first', '_partition_pivot',
          '_linear_insert', '_insertion_sort', '_adjust_heap', '_pop_heap', '_heap_select',
          '_partial_sort', 'sort_row', 'nth_element_row', 'topk_row', '_greater_or_nan',
          'kth_row', 'mode_row')


def _compiled(module, names):
    space = dict(vars(module))
    for name in names:
        fn = getattr(module, name)
        space[name] = numba.njit(**_OPTIONS)(
            types.FunctionType(fn.__code__, space, name, fn.__defaults__))
    return types.SimpleNamespace(**{name: space[name] for name in names})


_std = _compiled(std_order, _NAMES)
_sort_row, _topk_row = _std.sort_row, _std.topk_row
_kth_row, _mode_row = _std.kth_row, _std.mode_row


@numba.njit(parallel=True, **_OPTIONS)
def sort_rows(x, code, out):
    """out[r] = the indices std::sort leaves in row r of x."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        ix = np.arange(n)
        _sort_row(x[r].copy(), ix, 0, n, code)
        out[r] = ix


@numba.njit(parallel=True, **_OPTIONS)
def topk_rows(x, k, code, in_order, out):
    """out[r] = topk's k indices of row r of x."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        ix = np.arange(n)
        _topk_row(x[r].copy(), ix, n, k, code, in_order)
        out[r] = ix[:k]


@numba.njit(parallel=True, **_OPTIONS)
def kth_rows(x, k, out):
    """out[r] = kthvalue's index in row r of x (k from 0)."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        ix = np.arange(n)
        _kth_row(x[r].copy(), ix, n, k)
        out[r] = ix[k]


@numba.njit(parallel=True, **_OPTIONS)
def mode_rows(x, out):
    """out[r] = mode's index in row r of x."""
    n = x.shape[1]
    for r in prange(x.shape[0]):
        out[r] = _mode_row(x[r].copy(), np.arange(n), n)

SERIAL = types.SimpleNamespace(sort_rows=serial_twin(sort_rows),
                               topk_rows=serial_twin(topk_rows),
                               kth_rows=serial_twin(kth_rows), mode_rows=serial_twin(mode_rows))
