"""PyTorch's float32 softmax and log_softmax kernels (forward and backward), bit for bit, in
Numba: the loops of aten/src/ATen/native/cpu/SoftMaxKernel.cpp one float32 rounding at a
time (microtorch/backends/torch_softmax.py describes them and holds the NumPy twins).

A 'lane' array of `width` elements (Vec::size()) stands for a vector register where PyTorch's
order depends on one: its reduce_all. No kernel is compiled with fastmath: every product and
sum rounds where PyTorch's does, and the fused multiply-adds GCC forms there are written as
fma. Rows (last dim) and columns (another dim) are independent, so the kernels split them
among threads as they like; which columns PyTorch sends through its vector code and which
through its scalar tail (which depends on its thread count for softmax) comes in as an array.
"""
import numba
import numpy as np
from numba import prange

from .float64_math import exp64
from .fma import fma
from .lanes import (row_dot_8, row_dot_16, row_max_8, row_max_16, row_sum_8, row_sum_16)
from .sleef import _logf_u1, expf, glibc_expf
from .twins import serial_twin
from .vector_width import wide

_F = np.float32
# _nrt=False: Numba's reference counting off. With it on, every array a helper takes costs an
# incref and a decref (a call and an atomic add each), five pairs a row: ~100 ns of a 1-element
# row's 125. Without it a kernel cannot allocate, so the caller hands in scratch rows.
_OPTIONS = dict(cache=True, error_model='numpy', _nrt=False)
# Unsigned indices where a loop starts at a variable offset: a signed one costs a wraparound
# test per element that keeps LLVM from vectorising (numba_kernels/exact_sum.py).
_U = np.uint64


# ---- reduce_all (aten/src/ATen/cpu/vec/functional_base.h) ------------------------------------

@numba.njit(inline='always')
def vmax(a, b):
    """vec::maximum: _mm512_max_ps (b unless a > b), nan where either is nan."""
    either_nan = (a != a) | (b != b)         # `|`, not `or`: selects, no branch to vectorise
    return _F(np.nan) if either_nan else (a if a > b else b)


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
    if width == 8:                      # AVX2: the lanes in a register throughout
        return row_max_8(x)
    if width == 16:                     # AVX-512
        return row_max_16(x)
    for j in range(width):
        acc[j] = x[j]
    full = n - n % width
    for d in range(_U(width), _U(full), _U(width)):
        for j in range(_U(width)):
            acc[j] = vmax(acc[j], x[d + j])
    for j in range(_U(n - full)):
        acc[j] = vmax(acc[j], x[_U(full) + j])
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
    if width == 8:
        return row_sum_8(v)
    if width == 16:
        return row_sum_16(v)
    for j in range(width):
        acc[j] = v[j]
    full = n - n % width
    for d in range(_U(width), _U(full), _U(width)):
        for j in range(_U(width)):
            acc[j] += v[d + j]
    for j in range(_U(n - full)):
        acc[j] += v[_U(full) + j]
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
    if width == 8:
        return row_dot_8(a, b)
    if width == 16:
        return row_dot_16(a, b)
    for j in range(width):
        acc[j] = a[j] * b[j]
    full = n - n % width
    for d in range(_U(width), _U(full), _U(width)):
        for j in range(_U(width)):
            acc[j] += a[d + j] * b[d + j]
    for j in range(_U(n - full)):
        acc[j] += a[_U(full) + j] * b[_U(full) + j]
    return tree(acc, width, False)


# ---- the last dim: one row at a time ----------------------------------------------------------

@numba.njit(inline='always')
def _exps_and_sum(x, m, e, acc, width):
    """exp(x - m) of a row into e, and their reduce_all(+)."""
    for i in range(x.size):
        e[i] = expf(x[i] - m)
    return lane_sum(e, acc, width)


@numba.njit(inline='always')
def _chunk_maxima(x, c0, c1, acc, maxima, width):
    """Rows c0 to c1 of x: each one's max into maxima[r - c0]."""
    for r in range(c0, c1):
        maxima[r - c0] = row_max(x[r], acc, width)


@numba.njit(inline='always')
def _forward_row(x, out, acc, width, log):
    m = row_max(x, acc, width)
    if log:                             # _vec_log_softmax_lastdim (out holds the exps a while)
        ls = _logf_u1(_exps_and_sum(x, m, out, acc, width))
        for i in range(x.size):
            out[i] = (x[i] - m) - ls
    else:                               # _vec_softmax_lastdim: exp stored, times 1 / sum
        r = _F(1) / _exps_and_sum(x, m, out, acc, width)
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


ROW_CHUNK = 16          # rows_forward's rows a phase


@numba.njit(parallel=True, **_OPTIONS)
def rows_forward(x, out, width, log, scratch):
    """Each row of x (2-D float32) to out (_forward_row's steps); a run of rows per row of
    scratch (width lanes, then ROW_CHUNK maxima and ROW_CHUNK sums). The steps go a chunk
    of rows at a time, one step for every row of it before the next: a row's steps are one
    chain of waits (~180 ns for 10 elements, its log ~100 cycles of it), while the rows of a
    step are independent, so their waits overlap."""
    rows, tasks = x.shape[0], scratch.shape[0]
    per = (rows + tasks - 1) // tasks
    n = x.shape[1]
    for t in prange(tasks):
        wide()                          # exps: 512-bit vectors (vector_width.py)
        acc = scratch[t, :width]
        maxima = scratch[t, width:width + ROW_CHUNK]
        sums = scratch[t, width + ROW_CHUNK:width + 2 * ROW_CHUNK]
        for c0 in range(t * per, min(rows, (t + 1) * per), ROW_CHUNK):
            c1 = min(min(rows, (t + 1) * per), c0 + ROW_CHUNK)
            _chunk_maxima(x, c0, c1, acc, maxima, width)
            for r in range(c0, c1):
                sums[r - c0] = _exps_and_sum(x[r], maxima[r - c0], out[r], acc, width)
            for k in range(c1 - c0):
                sums[k] = _logf_u1(sums[k]) if log else _F(1) / sums[k]
            for r in range(c0, c1):
                m = maxima[r - c0]
                v = sums[r - c0]
                if log:                 # (x - max) - log(sum)
                    for i in range(n):
                        out[r, i] = (x[r, i] - m) - v
                else:                   # exp times 1 / sum
                    for i in range(n):
                        out[r, i] *= v


@numba.njit(parallel=True, **_OPTIONS)
def rows_backward(y, g, out, width, log, scratch):
    rows, tasks = y.shape[0], scratch.shape[0]
    per = (rows + tasks - 1) // tasks
    for t in prange(tasks):
        wide()                          # exps: 512-bit vectors (vector_width.py)
        acc = scratch[t]
        for r in range(t * per, min(rows, (t + 1) * per)):
            _backward_row(y[r], g[r], out[r], acc, width, log)


# ---- another dim: x seen as (outer, dim, inner), a column per inner index -------------------
# A task takes a block of columns of one slab and walks down the dim row by row (contiguous
# reads), a running max and sum per column; `vector` (uint8, (outer, inner)) says which
# columns PyTorch sends through its vector code (SLEEF's exp, vec::maximum) and which through
# its scalar tail (glibc's expf, std::max).

@numba.njit(inline='always')
def _blocks(inner, block):
    return (inner + block - 1) // block


@numba.njit(inline='always')
def _block_at(t, nb, inner, block):
    """Task t's outer index, first column and columns (nb blocks of columns per outer)."""
    j0 = (t % nb) * block
    return t // nb, j0, min(inner, j0 + block) - j0


@numba.njit(parallel=True, **_OPTIONS)
def columns_forward(x, out, vector, log, block, scratch):
    """_vec_logsoftmax (log) or _vec_softmax over dim 1 of x (outer, dim, inner).
    log_softmax: max skipping nan (x > max), sum of exp, SLEEF's log, (x - max) - log.
    softmax: max from row 0 (vec::maximum or std::max), exp stored, divided by the sum.
    scratch (2, tasks, min(block, inner)) float32 holds each task's columns' max and sum
    (whole rows of it, which Numba knows to be contiguous)."""
    outer, dim, inner = x.shape
    nb = _blocks(inner, block)
    for t in prange(outer * nb):
        a, j0, n = _block_at(t, nb, inner, block)
        vec = vector[a, j0:j0 + n]
        m = scratch[0, t]
        s = scratch[1, t]
        for j in range(n):
            s[j] = 0
            m[j] = -np.inf if log else x[a, 0, j0 + j]
        if log:
            for d in range(dim):
                xs = x[a, d, j0:j0 + n]
                for j in range(n):
                    m[j] = xs[j] if xs[j] > m[j] else m[j]
        else:
            for d in range(1, dim):
                xs = x[a, d, j0:j0 + n]
                for j in range(n):
                    v = xs[j]
                    m[j] = vmax(m[j], v) if vec[j] else (v if m[j] < v else m[j])
        for d in range(dim):
            xs = x[a, d, j0:j0 + n]
            os = out[a, d, j0:j0 + n]
            for j in range(n):
                e = expf(xs[j] - m[j]) if vec[j] else glibc_expf(xs[j] - m[j])
                if not log:
                    os[j] = e
                s[j] += e
        if log:
            for j in range(n):
                s[j] = _logf_u1(s[j])
        for d in range(dim):
            xs = x[a, d, j0:j0 + n]
            os = out[a, d, j0:j0 + n]
            for j in range(n):
                os[j] = (xs[j] - m[j]) - s[j] if log else os[j] / s[j]


@numba.njit(parallel=True, **_OPTIONS)
def columns_backward(y, g, out, vector, log, block, scratch):
    """_vec_log_softmax_backward (log: g - exp(y) sum(g), fused) or _vec_softmax_backward
    (y (g - sum(g y)), g y fused into the sum) over dim 1 of y (outer, dim, inner); each
    column's sum in scratch[0] (scratch as columns_forward's)."""
    outer, dim, inner = y.shape
    nb = _blocks(inner, block)
    for t in prange(outer * nb):
        a, j0, n = _block_at(t, nb, inner, block)
        vec = vector[a, j0:j0 + n]
        s = scratch[0, t]
        for j in range(n):
            s[j] = 0
        for d in range(dim):
            ys = y[a, d, j0:j0 + n]
            gs = g[a, d, j0:j0 + n]
            for j in range(n):
                s[j] = s[j] + gs[j] if log else fma(gs[j], ys[j], s[j])
        for d in range(dim):
            ys = y[a, d, j0:j0 + n]
            gs = g[a, d, j0:j0 + n]
            os = out[a, d, j0:j0 + n]
            for j in range(n):
                if log:
                    e = expf(ys[j]) if vec[j] else glibc_expf(ys[j])
                    os[j] = fma(-e, s[j], gs[j])
                else:
                    os[j] = ys[j] * (gs[j] - s[j])


@numba.njit(parallel=True, **_OPTIONS)
def rows_cross_entropy_backward(x, log_probs, target, weight, ignore_index, scales, out, width,
                                lanes, logps, grads):
    """cross_entropy's gradient on (N, C) logits x: nll_loss's gradient (w scales[r] at the
    row's target, w = weight[t] or 1; 0 elsewhere) through log_softmax's backward, a row at a
    time on scratch rows, so that the one-hot gradient never goes out to memory. The log
    probabilities are the forward's (log_probs) or, where it is None, each row's made again
    from x (rows_forward's steps). An ignored row (t == ignore_index) goes through with a
    zero gradient, as PyTorch's does (its nan stays nan). A run of rows per task, with a row
    of each scratch array: lanes (width), logps and grads (C float32). weight and log_probs:
    arrays or None, whose branches compile away."""
    rows, classes = x.shape
    tasks = lanes.shape[0]
    per = (rows + tasks - 1) // tasks
    for t in prange(tasks):
        wide()                          # exps: 512-bit vectors (vector_width.py)
        acc = lanes[t]
        g = grads[t]
        for j in range(classes):
            g[j] = 0
        for r in range(t * per, min(rows, (t + 1) * per)):
            if log_probs is None:
                logp = logps[t]
                _forward_row(x[r], logp, acc, width, True)
            else:
                logp = log_probs[r]
            k = target[r]
            if k == ignore_index:
                k = 0
            else:
                g[k] = scales[r] if weight is None else weight[k] * scales[r]
            _backward_row(logp, g, out[r], acc, width, True)
            g[k] = 0


@numba.njit(parallel=True, **_OPTIONS)
def rows_cross_entropy_forward(x, target, weight, ignore_index, losses, kept, weights,
                               log_probs, width, scratch):
    """nll_loss of log_softmax on (N, C) logits x, per sample: losses -(logp[t] w) (w = 1
    without class weights), +0 where t == ignore_index, and kept and weights (0 where ignored)
    for the caller's sums. logp as rows_forward makes it (the same steps, a chunk of ROW_CHUNK
    rows at a time), written to log_probs (N, C) for the backward, or, where that is None,
    made at the targets only: then nothing (N, C) goes out to memory. A scratch row per task:
    the lanes, ROW_CHUNK maxima and logs, then C exps. weight (float32) and log_probs: arrays
    or None, whose branches compile away."""
    rows, n = x.shape
    tasks = scratch.shape[0]
    per = (rows + tasks - 1) // tasks
    for t in prange(tasks):
        wide()                          # exps: 512-bit vectors (vector_width.py)
        acc = scratch[t, :width]
        maxima = scratch[t, width:width + ROW_CHUNK]
        logs = scratch[t, width + ROW_CHUNK:width + 2 * ROW_CHUNK]
        exps = scratch[t, width + 2 * ROW_CHUNK:]
        for c0 in range(t * per, min(rows, (t + 1) * per), ROW_CHUNK):
            c1 = min(min(rows, (t + 1) * per), c0 + ROW_CHUNK)
            _chunk_maxima(x, c0, c1, acc, maxima, width)
            for r in range(c0, c1):
                logs[r - c0] = _exps_and_sum(x[r], maxima[r - c0], exps, acc, width)
            for k in range(c1 - c0):
                logs[k] = _logf_u1(logs[k])
            if log_probs is not None:
                for r in range(c0, c1):
                    m = maxima[r - c0]
                    v = logs[r - c0]
                    for i in range(n):
                        log_probs[r, i] = (x[r, i] - m) - v
            for r in range(c0, c1):
                k = target[r]
                if k == ignore_index:           # PyTorch skips the sample: +0, even if nan
                    kept[r] = False
                    weights[r] = 0
                    losses[r] = 0
                else:
                    w = _F(1) if weight is None else weight[k]
                    kept[r] = True
                    weights[r] = w
                    losses[r] = -(((x[r, k] - maxima[r - c0]) - logs[r - c0]) * w)


rows_forward_serial = serial_twin(rows_forward)
rows_cross_entropy_forward_serial = serial_twin(rows_cross_entropy_forward)
rows_cross_entropy_backward_serial = serial_twin(rows_cross_entropy_backward)
rows_backward_serial = serial_twin(rows_backward)
columns_forward_serial = serial_twin(columns_forward)
columns_backward_serial = serial_twin(columns_backward)


# ---- logsumexp over the last dim: the exps, correctly rounded to float32 ----------------------
# backends/torch_softmax.logsumexp takes exp(x - max) in float64 and rounds it to float32 (the
# correctly rounded exp stands in for MKL's). NumPy does that in four passes on one thread
# (100 ms at 4096 x 4096); this is one parallel pass, with a float64 exp that LLVM vectorises
# (float64_math.exp64): libm's exp is a call per element.

@numba.njit(inline='always')
def _exp64_to_f32(v):
    """float32(e^v) for float64 v, the exponential within about an ulp of float64, so that
    its rounding to float32 is the correct one but where e^v lies within 2^-51 of a rounding
    boundary (once in ~10^8 values). No branches: LLVM vectorises the loop around it."""
    c = v if v > -104.0 else -104.0      # beyond: 0 or inf in float32 (set below); selects,
    c = c if c < 89.0 else 89.0          # where min and max would branch
    e = _F(exp64(c))
    e = _F(0) if v < -104.0 else e
    e = _F(np.inf) if v > 89.0 else e
    return _F(v) if v != v else e


@numba.njit(parallel=True, **_OPTIONS)
def rows_shifted_exp(x, shift, out, tasks):
    """out = float32(exp(float64(x - shift))) per row of x (2-D float32), x - shift rounded
    to float32 first (shift: a float32 per row)."""
    rows, cols = x.shape
    per = (rows + tasks - 1) // tasks
    for t in prange(tasks):
        for r in range(t * per, min(rows, (t + 1) * per)):
            xs = x[r]
            os = out[r]
            m = shift[r]
            for j in range(cols):
                os[j] = _exp64_to_f32(np.float64(xs[j] - m))


rows_shifted_exp_serial = serial_twin(rows_shifted_exp)
