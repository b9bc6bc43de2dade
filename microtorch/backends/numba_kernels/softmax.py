"""Fused softmax, log_softmax (forward and backward) and logsumexp.

Row kernels take a C-contiguous float array whose last dim is reduced, seen as 2-D
(rows, cols): one task per row, which stays in L1/L2 between the row's passes, so memory sees
one read of each input and one write of the output. softmax/log_softmax (and backwards) also
take dim 0 of a 2-D array (column kernels: a block of columns per task, passes over all rows;
rarer and slower). logsumexp takes the last dim only.
Every other call is declined (the NumPy original runs).

Stability as in cpu.py: the row max is subtracted before exp (logsumexp shifts by nothing
where the max is not finite). The max skips nans, but a nan still reaches every output of its
row through the row's sum, as NumPy's does through its max. Sums of exp add in x's dtype
over BLOCK elements, then in float64 (see reduction.py, also for why no kernel here is
compiled with 'reassoc').
"""
import numba
import numpy as np

from .fastmath import exp, log
from .reduction import (BLOCK, FLAGS, TASKS, block_sum, dot64, flat, fmax, is_float,
                        row_max, sum64)

# Column kernels: columns per task. Wide, because each row of a block costs a slice per array
# (a block of 64 ran 2x slower than one of 1024 at (4096, 4096)), but two tasks per thread.
COL_BLOCK_MIN = 64
COL_BLOCK_MAX = 1024


@numba.njit(inline='always')
def sum_exp(xs, m, scratch):
    """sum(exp(xs - m)) in float64, the values stored in scratch (BLOCK elements) on the way:
    see reduction.py's block_sum."""
    s = 0.0
    for b in range(0, xs.size, BLOCK):
        xb = xs[b:b + BLOCK]
        sb = scratch[:xb.size]
        for i in range(xb.size):
            sb[i] = exp(xb[i] - m)
        s += block_sum(sb)
    return s


@numba.njit(inline='always')
def exp_into(xs, m, out):
    """out[:] = exp(xs - m), returning their sum in float64 (block sums, as sum_exp)."""
    s = 0.0
    for b in range(0, xs.size, BLOCK):
        xb = xs[b:b + BLOCK]
        ob = out[b:b + BLOCK]
        for i in range(xb.size):
            ob[i] = exp(xb[i] - m)
        s += block_sum(ob)
    return s


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _softmax_rows(x, log_out, out):
    """Per row: exp(x - max) / sum, or (x - max) - log(sum) when log_out.
    Moves 2 * sizeof(T) bytes per element: read x, write out."""
    for r in numba.prange(x.shape[0]):
        xr = x[r]
        orow = out[r]
        m = row_max(xr)
        st = out.dtype.type(exp_into(xr, m, orow))
        if log_out:
            ls = log(st)
            for i in range(xr.size):
                orow[i] = (xr[i] - m) - ls
        else:
            for i in range(orow.size):
                orow[i] /= st


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _softmax_cols(x, block, log_out, m, s, out):
    """The same over the columns of x: m (x's dtype) and s (float64) are scratch, one per
    column. Three passes over a block of columns (max; exp and sum; scale): 2 * sizeof(T)
    bytes per element from memory when the block's rows fit in cache, up to 5 when not."""
    rows, cols = x.shape
    for b in numba.prange((cols + block - 1) // block):
        j0 = b * block
        j1 = min(j0 + block, cols)
        mb = m[j0:j1]
        sb = s[j0:j1]
        for j in range(mb.size):
            mb[j] = x[0, j0 + j]
            sb[j] = 0.0
        for i in range(rows):
            xs = x[i, j0:j1]
            for j in range(mb.size):
                mb[j] = fmax(mb[j], xs[j])
        for i in range(rows):
            xs = x[i, j0:j1]
            os = out[i, j0:j1]
            for j in range(mb.size):
                v = xs[j] - mb[j]
                e = exp(v)
                os[j] = v if log_out else e
                sb[j] += e
        for j in range(mb.size):        # mb now holds what divides or is subtracted
            mb[j] = log(out.dtype.type(sb[j])) if log_out else out.dtype.type(sb[j])
        for i in range(rows):
            os = out[i, j0:j1]
            for j in range(mb.size):
                if log_out:
                    os[j] -= mb[j]
                else:
                    os[j] /= mb[j]


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _softmax_backward_rows(y, gy, log_in, out):
    """Per row: softmax: y gy - y sum(y gy); log_softmax: gy - exp(y) sum(gy).
    Moves 3 * sizeof(T) bytes per element: read y and gy, write out."""
    for r in numba.prange(y.shape[0]):
        yr = y[r]
        gr = gy[r]
        orow = out[r]
        st = out.dtype.type(sum64(gr) if log_in else dot64(yr, gr))
        if log_in:
            for i in range(gr.size):
                orow[i] = gr[i] - exp(yr[i]) * st
        else:
            for i in range(gr.size):
                yi = yr[i]
                orow[i] = yi * gr[i] - yi * st


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _softmax_backward_cols(y, gy, block, log_in, s, st, out):
    """The same over the columns of y: s (float64) and st (y's dtype) are scratch, one per
    column. Two passes over a block of columns: 3 * sizeof(T) bytes per element from memory
    when the block's rows fit in cache, up to 5 when not."""
    rows, cols = y.shape
    for b in numba.prange((cols + block - 1) // block):
        j0 = b * block
        j1 = min(j0 + block, cols)
        sb = s[j0:j1]
        tb = st[j0:j1]
        for j in range(sb.size):
            sb[j] = 0.0
        for i in range(rows):
            ys = y[i, j0:j1]
            gs = gy[i, j0:j1]
            for j in range(sb.size):
                sb[j] += gs[j] if log_in else ys[j] * gs[j]
        for j in range(sb.size):
            tb[j] = sb[j]
        for i in range(rows):
            ys = y[i, j0:j1]
            gs = gy[i, j0:j1]
            os = out[i, j0:j1]
            for j in range(sb.size):
                if log_in:
                    os[j] = gs[j] - exp(ys[j]) * tb[j]
                else:
                    os[j] = ys[j] * gs[j] - ys[j] * tb[j]


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _logsumexp_rows(x, tasks, scratch, out):
    """Per row: log(sum(exp(x - m))) + m, m = the row max (0 where it is not finite). A task
    takes a run of rows and BLOCK elements of scratch.
    Moves sizeof(T) bytes per element: read x (out is cols times smaller)."""
    rows = x.shape[0]
    per = (rows + tasks - 1) // tasks
    for g in numba.prange(tasks):
        sc = scratch[g * BLOCK:(g + 1) * BLOCK]
        for r in range(g * per, min((g + 1) * per, rows)):
            xr = x[r]
            m = row_max(xr)
            if not np.isfinite(m):
                m = out.dtype.type(0)
            out[r] = log(out.dtype.type(sum_exp(xr, m, sc))) + m


def _block(cols):
    """Columns per task in the column kernels (a multiple of 16: whole cache lines)."""
    per_task = -(-cols // (2 * numba.get_num_threads()))
    return max(COL_BLOCK_MIN, min(COL_BLOCK_MAX, -(-per_task // 16) * 16))


def _rows(x, dim):
    """x as 2-D (rows, cols) when dim is its last dim, x as it is when it is 2-D and dim is
    0 (then 'cols'), with the layout's name; None when the kernels do not take it."""
    if not is_float(x) or not x.flags.c_contiguous or x.size == 0 or dim is None:
        return None
    if x.dtype == np.float32:        # cpu.py's own (backends/torch_softmax.py): PyTorch's bits
        return None
    if dim < 0:                      # the ops pass wrapped dims; a direct caller may not
        dim += x.ndim
    if dim == x.ndim - 1:
        return x.reshape(-1, x.shape[-1]), 'rows'
    return (x, 'cols') if dim == 0 and x.ndim == 2 else None


def _softmax(x, dim, log_out):
    found = _rows(x, dim)
    if found is None:
        return None
    x2, layout = found
    out = np.empty_like(x)
    o2 = out.reshape(x2.shape)
    if layout == 'rows':
        _softmax_rows(x2, log_out, o2)
    else:
        cols = x2.shape[1]
        m, s = np.empty(cols, x.dtype), np.empty(cols, np.float64)
        _softmax_cols(x2, _block(cols), log_out, m, s, o2)
    return out


def _softmax_backward(y, gy, dim, log_in):
    found = _rows(y, dim)
    if found is None or flat(gy, y.shape, y.dtype) is None:
        return None
    y2, layout = found
    g2 = gy.reshape(y2.shape)
    out = np.empty_like(y)
    o2 = out.reshape(y2.shape)
    if layout == 'rows':
        _softmax_backward_rows(y2, g2, log_in, o2)
    else:
        cols = y2.shape[1]
        s, st = np.empty(cols, np.float64), np.empty(cols, y.dtype)
        _softmax_backward_cols(y2, g2, _block(cols), log_in, s, st, o2)
    return out


def softmax_forward(x, dim):
    return _softmax(x, dim, False)


def log_softmax_forward(x, dim):
    return _softmax(x, dim, True)


def softmax_backward(y, gy, dim):
    return _softmax_backward(y, gy, dim, False)


def log_softmax_backward(y, gy, dim):
    return _softmax_backward(y, gy, dim, True)


def logsumexp_forward(x, dims, keepdim):
    if (not is_float(x) or x.dtype == np.float32 or not x.flags.c_contiguous or x.size == 0
            or x.ndim == 0 or tuple(d % x.ndim for d in dims) != (x.ndim - 1,)):
        return None                 # (float32: cpu.py's own, PyTorch's steps)
    out = np.empty(x.shape[:-1] + ((1,) if keepdim else ()), x.dtype)
    x2 = x.reshape(-1, x.shape[-1])
    tasks = min(TASKS, x2.shape[0])
    _logsumexp_rows(x2, tasks, np.empty(tasks * BLOCK, x.dtype), out.reshape(-1))
    return out
