"""PyTorch's float32 softmax and log_softmax kernels (forward and backward), bit for bit, in
Numba: the loops of aten/src/ATen/native/cpu/SoftMaxKernel.cpp one float32 rounding at a
time (microtorch/backends/torch_softmax.py describes them and holds the NumPy twins).

A 'lane' array of `width` elements (Vec::size()) stands for a vector register where PyTorch's
order depends on one: its reduce_all. No kernel is compiled with fastmath: every product and
sum rounds where PyTorch's does, and the fused multiply-adds GCC forms there are written as
fma. Rows (last dim) are independent, so their kernels run parallel over rows as they like;
the softmax forward over another dim follows PyTorch's split of the work among threads,
which decides which columns take the vector code.
"""
import numba
import numpy as np
from numba import prange

from .fma import fma
from .sleef import _logf_u1, _serial_twin, expf, glibc_expf

_F = np.float32
_OPTIONS = dict(cache=True, error_model='numpy')


# ---- reduce_all (aten/src/ATen/cpu/vec/functional_base.h) ------------------------------------

@numba.njit(inline='always')
def vmax(a, b):
    """vec::maximum: _mm512_max_ps (b unless a > b), nan where either is nan."""
    if a != a or b != b:
        return _F(np.nan)
    return a if a > b else b


@numba.njit(inline='always')
def tree(acc, width, is_max):
    """vec_reduce_all's shuffle tree: lane j takes lane j + w, for w = width/2, ..., 1."""
    w = width >> 1
    while w > 0:
        for j in range(w):
            acc[j] = vmax(acc[j], acc[j + w]) if is_max else acc[j] + acc[j + w]
        w >>= 1
    return acc[0]


@numba.njit(inline='always')
def row_max(x, acc, width):
    """reduce_all(vec::maximum) of a row."""
    n = x.size
    if n < width:                       # the slow path: lane 0 only, in order
        m = x[0]
        for i in range(1, n):
            m = vmax(m, x[i])
        return m
    for j in range(width):
        acc[j] = x[j]
    full = n - n % width
    for d in range(width, full, width):
        for j in range(width):
            acc[j] = vmax(acc[j], x[d + j])
    for j in range(n - full):
        acc[j] = vmax(acc[j], x[full + j])
    return tree(acc, width, True)


@numba.njit(inline='always')
def lane_sum(v, acc, width):
    """reduce_all(+) of a row (or of values stored in one)."""
    n = v.size
    if n < width:
        s = v[0]
        for i in range(1, n):
            s += v[i]
        return s
    for j in range(width):
        acc[j] = v[j]
    full = n - n % width
    for d in range(width, full, width):
        for j in range(width):
            acc[j] += v[d + j]
    for j in range(n - full):
        acc[j] += v[full + j]
    return tree(acc, width, False)


@numba.njit(inline='always')
def exp_sum(x, m, acc, width):
    """map_reduce_all: the sum of exp(x - m) (SLEEF's expf), in reduce_all's order."""
    n = x.size
    if n < width:
        s = expf(x[0] - m)
        for i in range(1, n):
            s += expf(x[i] - m)
        return s
    for j in range(width):
        acc[j] = expf(x[j] - m)
    full = n - n % width
    for d in range(width, full, width):
        for j in range(width):
            acc[j] += expf(x[d + j] - m)
    for j in range(n - full):
        acc[j] += expf(x[full + j] - m)
    return tree(acc, width, False)


@numba.njit(inline='always')
def dot_sum(a, b, acc, width):
    """map2_reduce_all(x * y, +): the products rounded, then added in reduce_all's order."""
    n = a.size
    if n < width:
        s = a[0] * b[0]
        for i in range(1, n):
            s += a[i] * b[i]
        return s
    for j in range(width):
        acc[j] = a[j] * b[j]
    full = n - n % width
    for d in range(width, full, width):
        for j in range(width):
            acc[j] += a[d + j] * b[d + j]
    for j in range(n - full):
        acc[j] += a[full + j] * b[full + j]
    return tree(acc, width, False)


# ---- the last dim: one row at a time ----------------------------------------------------------

@numba.njit(inline='always')
def _forward_row(x, out, acc, width, log):
    m = row_max(x, acc, width)
    if log:                             # _vec_log_softmax_lastdim
        ls = _logf_u1(exp_sum(x, m, acc, width))
        for i in range(x.size):
            out[i] = (x[i] - m) - ls
    else:                               # _vec_softmax_lastdim: exp stored, times 1 / sum
        for i in range(x.size):
            out[i] = expf(x[i] - m)
        r = _F(1) / lane_sum(out, acc, width)
        for i in range(x.size):
            out[i] *= r


@numba.njit(inline='always')
def _backward_row(y, g, out, acc, width, log):
    if log:                             # g - exp(y) * sum(g), one fused multiply-add
        s = lane_sum(g, acc, width)
        for i in range(y.size):
            out[i] = fma(-expf(y[i]), s, g[i])
    else:                               # (g - sum(g y)) y
        s = dot_sum(g, y, acc, width)
        for i in range(y.size):
            out[i] = (g[i] - s) * y[i]


@numba.njit(parallel=True, **_OPTIONS)
def rows_forward(x, out, width, log, tasks):
    """Each row of x (2-D float32) to out; `tasks` runs of rows, a lane array each."""
    rows = x.shape[0]
    per = (rows + tasks - 1) // tasks
    for t in prange(tasks):
        acc = np.empty(width, np.float32)
        for r in range(t * per, min(rows, (t + 1) * per)):
            _forward_row(x[r], out[r], acc, width, log)


@numba.njit(parallel=True, **_OPTIONS)
def rows_backward(y, g, out, width, log, tasks):
    rows = y.shape[0]
    per = (rows + tasks - 1) // tasks
    for t in prange(tasks):
        acc = np.empty(width, np.float32)
        for r in range(t * per, min(rows, (t + 1) * per)):
            _backward_row(y[r], g[r], out[r], acc, width, log)


# ---- another dim: x seen as (outer, dim, inner), a column per inner index -------------------

@numba.njit(inline='always')
def _log_column(x, out, a, j, vector):
    """_vec_logsoftmax for column j of slab a: max (nan skipped), sum of exp (glibc's expf in
    the scalar tail), SLEEF's log for every column."""
    dim = x.shape[1]
    m = _F(-np.inf)
    for d in range(dim):
        v = x[a, d, j]
        m = v if v > m else m
    s = _F(0)
    for d in range(dim):
        s += expf(x[a, d, j] - m) if vector else glibc_expf(x[a, d, j] - m)
    ls = _logf_u1(s)
    for d in range(dim):
        out[a, d, j] = (x[a, d, j] - m) - ls


@numba.njit(inline='always')
def _softmax_column(x, out, a, j, vector):
    """_vec_softmax for column j of slab a: the vector code (vec::maximum, SLEEF's exp) or
    the scalar one (std::max, glibc's expf); both divide by the sum."""
    dim = x.shape[1]
    m = x[a, 0, j]
    for d in range(1, dim):
        v = x[a, d, j]
        if vector:
            m = vmax(m, v)
        else:
            m = v if m < v else m
    s = _F(0)
    for d in range(dim):
        e = expf(x[a, d, j] - m) if vector else glibc_expf(x[a, d, j] - m)
        out[a, d, j] = e
        s += e
    for d in range(dim):
        out[a, d, j] /= s


@numba.njit(inline='always')
def _backward_column(y, g, out, a, j, vector, log):
    """_vec_log_softmax_backward / _vec_softmax_backward for one column (GCC fuses the
    products into the sums there)."""
    dim = y.shape[1]
    s = _F(0)
    for d in range(dim):
        s = s + g[a, d, j] if log else fma(g[a, d, j], y[a, d, j], s)
    for d in range(dim):
        if log:
            e = expf(y[a, d, j]) if vector else glibc_expf(y[a, d, j])
            out[a, d, j] = fma(-e, s, g[a, d, j])
        else:
            out[a, d, j] = y[a, d, j] * (g[a, d, j] - s)


@numba.njit(parallel=True, **_OPTIONS)
def columns_log_forward(x, out, scalar_from, tasks):
    """log_softmax over dim 1 of x (outer, dim, inner): columns from scalar_from on take
    the scalar tail's exp. `tasks` runs of (slab, column) pairs."""
    outer, _, inner = x.shape
    n = outer * inner
    per = (n + tasks - 1) // tasks
    for t in prange(tasks):
        for k in range(t * per, min(n, (t + 1) * per)):
            a, j = k // inner, k % inner
            _log_column(x, out, a, j, j < scalar_from)


@numba.njit(parallel=True, **_OPTIONS)
def columns_backward(y, g, out, scalar_from, log, tasks):
    outer, _, inner = y.shape
    n = outer * inner
    per = (n + tasks - 1) // tasks
    for t in prange(tasks):
        for k in range(t * per, min(n, (t + 1) * per)):
            a, j = k // inner, k % inner
            _backward_column(y, g, out, a, j, j < scalar_from, log)


@numba.njit(parallel=True, **_OPTIONS)
def columns_softmax_forward(x, out, width, chunk):
    """_vec_softmax over dim 1 of x (outer, dim, inner), PyTorch's parallel_for chunks of
    `chunk` (slab, column) indices: in each, runs of `width` columns within one slab and
    within the chunk take the vector code, the rest the scalar code."""
    outer, _, inner = x.shape
    n = outer * inner
    for c in prange((n + chunk - 1) // chunk):
        idx = c * chunk
        end = min(n, idx + chunk)
        while idx < end:
            j = idx % inner
            if j + width <= inner and idx + width <= end:
                a = idx // inner
                for i in range(width):
                    _softmax_column(x, out, a, j + i, True)
                idx += width
            else:
                tail = end - idx if idx + width > end else inner - j
                for i in range(tail):
                    k = idx + i
                    _softmax_column(x, out, k // inner, k % inner, False)
                idx += tail


rows_forward_serial = _serial_twin(rows_forward)
rows_backward_serial = _serial_twin(rows_backward)
columns_log_forward_serial = _serial_twin(columns_log_forward)
columns_backward_serial = _serial_twin(columns_backward)
columns_softmax_forward_serial = _serial_twin(columns_softmax_forward)
