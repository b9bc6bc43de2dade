"""Fused losses: mse, l1, smooth_l1, binary_cross_entropy (on probabilities and on logits) and
cross_entropy over class indices, forward and backward, as cpu.py computes them.

A forward reads x and y (and the weights) once and either writes the loss per element
('none') or adds it into float64 partial sums over fixed chunks ('mean', 'sum'; see
reduction.py); a backward reads x, y (and gy for 'none') once and writes the gradient.
Elementwise values are computed in x's dtype with cpu.py's order of operations.

The optional arrays (weight, pos_weight, a per-element gy) are compiled in or out by type: the
helpers below (`at`, `part`, `times`, `seg_end`, `pos_scaled`) turn a None into nothing when
the kernel compiles. A weight may be
broadcast when it repeats a contiguous block of x's trailing dims ((M,) or (1, M) for x of
(N, M), or x's own shape); the kernels then walk x in segments that do not cross the block's
end. Anything else (a weight of (N, 1), a non-contiguous input, another dtype) is declined.

cross_entropy takes x of (N, C) and int64 targets of (N,), row by row as softmax does.
"""
import numba
import numpy as np
from numba import types
from numba.extending import overload

from .fastmath import exp, log, log1p
from .reduction import (BLOCK, CHUNK, FLAGS, RFLAGS, TASKS, block_sum, flat,
                        is_float, row_max)
from .softmax import exp_into, sum_exp
from .twins import serial_twin
from .. import torch_losses

MIN_PERIOD = 64             # a broadcast weight repeating fewer elements than this: declined


def _none(t):
    return isinstance(t, types.NoneType)


def at(a, i, default):
    """a[i], or default where a is None (resolved when the kernel compiles)."""


def part(a, lo, hi):
    """a[lo:hi], or None where a is None."""


def times(v, a, i):
    """v * a[i], or v where a is None."""


def seg_end(i, hi, a, period):
    """Where the segment from i ends: hi, or sooner at the end of a's period."""


def pos_scaled(sp, pw, j, y, one):
    """(1 + (pw[j] - 1) y) sp, or sp where pw is None."""


# Inlined, so a None costs nothing in the loop.

@overload(at, inline='always')
def _at(a, i, default):
    return (lambda a, i, default: default) if _none(a) else (lambda a, i, default: a[i])


@overload(part, inline='always')
def _part(a, lo, hi):
    return (lambda a, lo, hi: None) if _none(a) else (lambda a, lo, hi: a[lo:hi])


@overload(times, inline='always')
def _times(v, a, i):
    return (lambda v, a, i: v) if _none(a) else (lambda v, a, i: v * a[i])


@overload(seg_end, inline='always')
def _seg_end(i, hi, a, period):
    if _none(a):
        return lambda i, hi, a, period: hi
    return lambda i, hi, a, period: min(hi, i + period - i % period)


@overload(pos_scaled, inline='always')
def _pos_scaled(sp, pw, j, y, one):
    if _none(pw):
        return lambda sp, pw, j, y, one: sp
    return lambda sp, pw, j, y, one: (one + (pw[j] - one) * y) * sp


# Kernels run over chunks of CHUNK elements (one float64 partial sum each for 'mean' and
# 'sum'), and within a chunk over slices of at most BLOCK elements (a sum in x's dtype each;
# see reduction.py) that end where a broadcast weight's period does. Loops index slices from
# 0: see reduction.py for why.


# ---- mse, l1, smooth_l1: functions of d = x - y (kind 0, 1, 2) -------------------------------
# One kernel for the three: `kind` is loop invariant, and the loop is memory bound either way.
# It calls no exp/log, so the forward is compiled with 'reassoc' and sums in its loop.

@numba.njit(inline='always')
def _dist(d, kind, half, beta, half_beta):
    if kind == 0:
        return d * d
    a = abs(d)
    if kind == 1:
        return a
    return half * a * a / beta if a < beta else a - half_beta


@numba.njit(inline='always')
def _dist_grad(d, kind, one, beta):
    if kind == 0:
        return d                       # mse: its 2 is in the factor, as cpu.py has it
    if kind == 1:
        return np.sign(d)
    v = d / beta
    if v < -one:                       # np.clip's: nan stays nan
        v = -one
    elif v > one:
        v = one
    return v


@numba.njit(parallel=True, cache=True, fastmath=RFLAGS)
def _dist_forward(x, y, kind, half, beta, half_beta, write, out, partials):
    """Moves 3 * sizeof(T) bytes per element for 'none' (read x, y, write the loss), else 2."""
    n = x.size
    zero = x.dtype.type(0)
    for c in numba.prange(partials.size):
        hi = min(c * CHUNK + CHUNK, n)
        s = 0.0
        for b in range(c * CHUNK, hi, BLOCK):
            e = min(b + BLOCK, hi)
            xs = x[b:e]
            ys = y[b:e]
            if write:
                os = out[b:e]
                for i in range(xs.size):
                    os[i] = _dist(xs[i] - ys[i], kind, half, beta, half_beta)
            else:
                t = zero
                for i in range(xs.size):
                    t += _dist(xs[i] - ys[i], kind, half, beta, half_beta)
                s += t
        partials[c] = s


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _dist_backward(x, y, kind, two, one, beta, g, gs, out):
    """grad(d) * per-element factor (g[i], or gs for 'mean'/'sum').
    Moves 3 * sizeof(T) bytes per element (read x, y, write out), 4 with a per-element g."""
    n = x.size
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        xs = x[lo:hi]
        ys = y[lo:hi]
        fs = part(g, lo, hi)
        os = out[lo:hi]
        for i in range(xs.size):
            f = at(fs, i, gs)
            if kind == 0:              # PyTorch's norm * (x - y) * gy, norm = 2 (/ n) in `two`
                os[i] = two * (xs[i] - ys[i]) * f
            else:
                os[i] = _dist_grad(xs[i] - ys[i], kind, one, beta) * f


# ---- binary cross entropy on probabilities ----------------------------------------------------

# The kernels that call exp/log/log1p are compiled without 'reassoc' (see reduction.py) and
# call each once: Numba inlining fastmath's functions twice into one kernel trips an internal
# check (NumbaIRAssumptionWarning), and a helper it does not inline is a call per element. So
# the values go to out ('none') or to a task's scratch, which block_sum adds up.

@numba.njit(inline='always')
def _bce(x, y, one, floor):
    lx = log(x)
    l1x = log1p(-x)
    lx = floor if lx < floor else lx           # clamp at -100; nan stays nan
    l1x = floor if l1x < floor else l1x
    return (y - one) * l1x - y * lx


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _bce_forward(x, y, w, w_period, one, floor, write, scratch, out, partials):
    """Moves 3 * sizeof(T) bytes per element for 'none' (read x, y, write), else 2; a full-shape
    weight adds one read."""
    n = x.size
    tasks = scratch.size // BLOCK
    per = (partials.size + tasks - 1) // tasks
    for g in numba.prange(tasks):
        sc = scratch[g * BLOCK:(g + 1) * BLOCK]
        for c in range(g * per, min((g + 1) * per, partials.size)):
            i = c * CHUNK
            hi = min(i + CHUNK, n)
            s = 0.0
            while i < hi:
                e = seg_end(i, min(i + BLOCK, hi), w, w_period)
                xs = x[i:e]
                ys = y[i:e]
                ws = part(w, i % w_period, i % w_period + e - i)
                os = out[i:e] if write else sc[:e - i]
                for k in range(xs.size):
                    os[k] = times(_bce(xs[k], ys[k], one, floor), ws, k)
                if not write:
                    s += block_sum(os)
                i = e
            partials[c] = s


# ---- binary cross entropy on logits ---------------------------------------------------------

@numba.njit(inline='always')
def _bce_logits(x, y, pw, j, zero, one):
    """(1 - y) x + (1 + (pw - 1) y) softplus(-x), with softplus(-x) written as
    max(-x, 0) + log1p(exp(-|x|)): exp never overflows, and the loss is finite at any |x|."""
    z = -x
    sp = (zero if z < zero else z) + log1p(exp(-abs(x)))
    return (one - y) * x + pos_scaled(sp, pw, j, y, one)


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _bce_logits_forward(x, y, w, w_period, pw, pw_period, zero, one, write, scratch, out,
                        partials):
    """The loss above [* w]. Moves 3 * sizeof(T) bytes per element for 'none', else 2
    (+ 1 per full-shape weight)."""
    n = x.size
    tasks = scratch.size // BLOCK
    per = (partials.size + tasks - 1) // tasks
    for g in numba.prange(tasks):
        sc = scratch[g * BLOCK:(g + 1) * BLOCK]
        for c in range(g * per, min((g + 1) * per, partials.size)):
            i = c * CHUNK
            hi = min(i + CHUNK, n)
            s = 0.0
            while i < hi:
                e = seg_end(i, seg_end(i, min(i + BLOCK, hi), w, w_period), pw, pw_period)
                xs = x[i:e]
                ys = y[i:e]
                ws = part(w, i % w_period, i % w_period + e - i)
                ps = part(pw, i % pw_period, i % pw_period + e - i)
                os = out[i:e] if write else sc[:e - i]
                for k in range(xs.size):
                    os[k] = times(_bce_logits(xs[k], ys[k], ps, k, zero, one), ws, k)
                if not write:
                    s += block_sum(os)
                i = e
            partials[c] = s


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _bce_logits_backward(x, y, w, w_period, pw, pw_period, g, gs, count, zero, one, out):
    """sigmoid(x) - y, or (pw y + 1 - y) sigmoid(x) - pw y; * gy [* w] / count, in PyTorch's
    order (count: n for 'mean', else 1). sigmoid: exp(-|x|) never overflows.
    Moves 3 * sizeof(T) bytes per element (read x, y, write out), + 1 per full-size w or g."""
    n = x.size
    for c in numba.prange((n + CHUNK - 1) // CHUNK):
        i = c * CHUNK
        hi = min(i + CHUNK, n)
        while i < hi:
            e = seg_end(i, seg_end(i, hi, w, w_period), pw, pw_period)
            xs = x[i:e]
            ys = y[i:e]
            os = out[i:e]
            ws = part(w, i % w_period, i % w_period + e - i)
            ps = part(pw, i % pw_period, i % pw_period + e - i)
            fs = part(g, i, e)
            for k in range(xs.size):
                xk = xs[k]
                yk = ys[k]
                ex = exp(-abs(xk))
                r = one / (one + ex)
                sg = r if xk >= zero else ex * r
                if pw is None:
                    d = sg - yk
                else:
                    py = ps[k] * yk
                    d = (py + one - yk) * sg - py
                os[k] = times(d * at(fs, k, gs), ws, k) / count
            i = e


# ---- cross entropy over class indices: x (N, C) ---------------------------------------------

@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _ce_weights(target, weight, ignore_index, classes, zero, one, w):
    """w[r] = weight[target[r]] (1 without weights), 0 where target == ignore_index; returns how
    many targets are out of range (the caller declines, so NumPy raises its IndexError)."""
    bad = 0
    for r in numba.prange(target.size):
        t = target[r]
        v = zero
        if t != ignore_index:
            if 0 <= t < classes:
                v = at(weight, t, one)
            else:
                bad += 1
        w[r] = v
    return bad


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _ce_forward(x, target, ignore_index, w, tasks, scratch, loss):
    """loss[r] = -w[r] log_softmax(x[r])[t]; a task takes a run of rows and BLOCK elements
    of scratch. Moves sizeof(T) bytes per element: read x."""
    rows = x.shape[0]
    per = (rows + tasks - 1) // tasks
    for g in numba.prange(tasks):
        sc = scratch[g * BLOCK:(g + 1) * BLOCK]
        for r in range(g * per, min((g + 1) * per, rows)):
            t = target[r]
            if t == ignore_index:       # 0, even for logits that would give nan (PyTorch's)
                loss[r] = 0
                continue
            xr = x[r]
            m = row_max(xr)
            ls = log(loss.dtype.type(sum_exp(xr, m, sc)))
            loss[r] = -w[r] * ((xr[t] - m) - ls)


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _ce_backward(x, target, ignore_index, w, g, gs, mean, w_sum, out):
    """(softmax(x[r]) - onehot(t)) * c[r], c[r] = factor * w[r] (/ w_sum for 'mean'), or 0
    for an ignored row. Moves 2 * sizeof(T) bytes per element: read x, write out."""
    zero, one = out.dtype.type(0), out.dtype.type(1)
    for r in numba.prange(x.shape[0]):
        xr = x[r]
        orow = out[r]
        t = target[r]
        if t == ignore_index:       # c = 0, even where w_sum is 0 (every target ignored)
            t, c = 0, zero
        else:
            c = at(g, r, gs) * w[r]
            if mean:
                c = c / w_sum
        m = row_max(xr)
        st = out.dtype.type(exp_into(xr, m, orow))
        p = orow[t] / st
        for i in range(orow.size):
            orow[i] = orow[i] / st * c
        orow[t] = (p - one) * c


# ---- wrappers ---------------------------------------------------------------------------------

def _pair(x, y):
    """Flat views of x and y when both are C-contiguous, non-empty, of one float dtype and
    shape; else None."""
    if not is_float(x) or x.size == 0:
        return None
    xf, yf = flat(x, x.shape, x.dtype), flat(y, x.shape, x.dtype)
    return None if xf is None or yf is None else (xf, yf)


def _periodic(w, x):
    """(flat view, period) of a weight that repeats a contiguous block of x's trailing dims,
    (None, 1) for no weight, or None (decline)."""
    if w is None:
        return None, 1
    if type(w) is not np.ndarray or w.dtype != x.dtype or not w.flags.c_contiguous:
        return None
    shape = w.shape
    while shape and shape[0] == 1:
        shape = shape[1:]
    if w.ndim > x.ndim or (shape and x.shape[x.ndim - len(shape):] != shape):
        return None
    if w.size < MIN_PERIOD and w.size != x.size:
        return None
    return w.reshape(-1), w.size


def _factor(gy, reduction, x):
    """The backward's per-element factor as (array or None, scalar): gy itself for 'none'
    (a scalar where gy is one value broadcast), gy / n for 'mean'; None to decline."""
    dt = x.dtype.type
    if type(gy) is not np.ndarray or gy.dtype != x.dtype:
        return None
    if reduction != 'none':
        if gy.shape != ():
            return None
        return None, dt(gy / x.size if reduction == 'mean' else gy)
    if gy.shape != x.shape:
        return None
    if not any(gy.strides):                        # one value broadcast (sum's backward)
        return None, dt(gy.reshape(-1)[0])
    g = flat(gy, x.shape, x.dtype)
    return None if g is None else (g, dt(0))


def _forward(x, reduction, run):
    """Run a forward kernel as `run(write, scratch, out, partials)` writing every element's
    loss, and reduce them as PyTorch does (its sum's order of additions, mean = sum / n)."""
    out = np.empty(x.shape, x.dtype)
    partials = np.empty(-(-x.size // CHUNK), np.float64)
    scratch = np.empty(min(TASKS, partials.size) * BLOCK, x.dtype)
    run(True, scratch, out.reshape(-1), partials)
    from .. import cpu
    # the unrouted sum: this runs under the router's launch lock, which is not reentrant
    return torch_losses.reduce(out, reduction, getattr(cpu.sum_forward, 'numpy',
                                                       cpu.sum_forward))


def _dist_pair_forward(x, y, reduction, kind, beta=1.0):
    xy = _pair(x, y)
    if xy is None:
        return None
    dt = x.dtype.type
    return _forward(x, reduction, lambda write, scratch, out, partials: _dist_forward(
        *xy, kind, dt(0.5), dt(beta), dt(0.5 * beta), write, out, partials))


def _dist_pair_backward(x, y, gy, reduction, kind, beta=1.0):
    xy = _pair(x, y)
    factor = _factor(gy, reduction, x) if xy else None
    if factor is None:
        return None
    dt = x.dtype.type
    out = np.empty_like(x)
    _dist_backward(*xy, kind, dt(2), dt(1), dt(beta), *factor, out.reshape(-1))
    return out


def mse_loss_forward(x, y, reduction):
    return _dist_pair_forward(x, y, reduction, 0)


def mse_loss_backward(x, y, gy, reduction):
    xy = _pair(x, y)
    factor = _factor(gy, 'sum' if reduction == 'mean' else reduction, x) if xy else None
    if factor is None:
        return None
    dt = x.dtype.type
    out = np.empty_like(x)
    _dist_backward(*xy, 0, torch_losses.norm(reduction, x.size, 2.0, x.dtype), dt(1), dt(1),
                   *factor, out.reshape(-1))
    return out


def l1_loss_forward(x, y, reduction):
    return _dist_pair_forward(x, y, reduction, 1)


def l1_loss_backward(x, y, gy, reduction):
    return _dist_pair_backward(x, y, gy, reduction, 1)


def smooth_l1_loss_forward(x, y, reduction, beta):
    return _dist_pair_forward(x, y, reduction, 2, beta)


# ---- smooth_l1 and huber gradients, PyTorch's vector blocks and scalar tails --------------
# torch_losses.smooth_l1_backward and huber_backward in one pass: kind 0 is smooth_l1 (param:
# beta), kind 1 huber (param: delta). Each layout row is one of PyTorch's parallel chunks:
# [begin, vector_end) by its vector formula, in the dtype, written with selects so that it
# vectorises; [vector_end, end) by its scalar one, the parameter a double. ys and gys are the
# whole arrays, or None for one value (y0, g0). No fastmath: PyTorch's loops do not fuse.
# Moves 12 bytes per float32 element (x, y in; out), 16 with a per-element gy.

@numba.njit(inline='always')
def _vector_slopes(kind, x, ys, y0, gys, g0, nv, p, begin, end, out):
    one = x.dtype.type(1)
    for i in range(np.uint64(begin), np.uint64(end)):   # unsigned: no wraparound test
        d = x[i] - at(ys, i, y0)
        outside = one if d > 0 else -one
        beyond = abs(d) >= p
        if kind == 0:
            inside = d / p
            v = outside if beyond else inside
        else:
            scaled = outside * p
            v = scaled if beyond else d
        out[i] = nv * v * at(gys, i, g0)


@numba.njit(parallel=True, cache=True, error_model='numpy')
def lane_grads(kind, x, ys, y0, gys, g0, nv, param, layout, out):
    dt = x.dtype.type
    p = dt(param)
    for c in numba.prange(layout.shape[0]):
        begin, vector_end, end = layout[c, 0], layout[c, 1], layout[c, 2]
        if kind == 0:                       # (a loop each: kind is not tested per element)
            _vector_slopes(0, x, ys, y0, gys, g0, nv, p, begin, vector_end, out)
        else:
            _vector_slopes(1, x, ys, y0, gys, g0, nv, p, begin, vector_end, out)
        for i in range(vector_end, end):
            d = x[i] - at(ys, i, y0)
            g = at(gys, i, g0)
            if kind == 0:
                inside = dt(np.float64(nv * d * g) / param)
                big = nv * g
            else:
                inside = nv * d * g
                big = dt(np.float64(nv * g) * param)
            wide = np.float64(d)
            out[i] = -big if wide <= -param else (big if wide >= param else inside)


lane_grads_serial = serial_twin(lane_grads)


def binary_cross_entropy_forward(x, y, reduction, weight):
    xy, w = _pair(x, y), _periodic(weight, x)
    if xy is None or w is None:
        return None
    dt = x.dtype.type
    return _forward(x, reduction, lambda *buffers: _bce_forward(
        *xy, *w, dt(1), dt(-100), *buffers))


def binary_cross_entropy_with_logits_forward(x, y, reduction, weight, pos_weight):
    xy, w, pw = _pair(x, y), _periodic(weight, x), _periodic(pos_weight, x)
    if xy is None or w is None or pw is None:
        return None
    dt = x.dtype.type
    return _forward(x, reduction, lambda *buffers: _bce_logits_forward(
        *xy, *w, *pw, dt(0), dt(1), *buffers))


def binary_cross_entropy_with_logits_backward(x, y, gy, reduction, weight, pos_weight):
    xy, w, pw = _pair(x, y), _periodic(weight, x), _periodic(pos_weight, x)
    # gy itself (not gy / n): PyTorch divides the product by n last
    factor = _factor(gy, 'sum' if reduction == 'mean' else reduction, x) \
        if xy and w and pw else None
    if factor is None:
        return None
    dt = x.dtype.type
    out = np.empty_like(x)
    count = dt(x.size if reduction == 'mean' else 1)
    _bce_logits_backward(*xy, *w, *pw, *factor, count, dt(0), dt(1), out.reshape(-1))
    return out


def _ce_prepare(x, target, weight, ignore_index):
    """The per-sample weights for x (N, C) and int64 targets (N,), or None (decline)."""
    if type(x) is np.ndarray and x.dtype == np.float32:
        return None                 # cpu.py's own (backends/torch_softmax.py): PyTorch's bits
    if (not is_float(x) or x.ndim != 2 or x.size == 0 or not x.flags.c_contiguous
            or type(target) is not np.ndarray or target.dtype != np.int64
            or target.shape != x.shape[:1] or not target.flags.c_contiguous):
        return None
    if weight is not None and (type(weight) is not np.ndarray or weight.dtype != x.dtype
                               or weight.shape != x.shape[1:]
                               or not weight.flags.c_contiguous):
        return None
    w = np.empty(x.shape[0], x.dtype)
    dt = x.dtype.type
    if _ce_weights(target, weight, ignore_index, x.shape[1], dt(0), dt(1), w):
        return None                         # a target out of range: NumPy raises
    return w


def cross_entropy_forward(x, target, reduction, weight, ignore_index):
    w = _ce_prepare(x, target, weight, ignore_index)
    if w is None:
        return None
    loss = np.empty(x.shape[0], x.dtype)
    tasks = min(TASKS, x.shape[0])
    _ce_forward(x, target, ignore_index, w, tasks, np.empty(tasks * BLOCK, x.dtype), loss)
    if reduction == 'none':
        return loss
    total = np.sum(loss, dtype=np.float64)
    if reduction == 'mean':
        with np.errstate(divide='ignore', invalid='ignore'):
            total = total / np.sum(w, dtype=np.float64)       # all ignored: 0 / 0 = nan
    return np.asarray(total, x.dtype)


def cross_entropy_backward(x, target, gy, reduction, weight, ignore_index, log_probs=None):
    # (log_probs: the float32 forward's, cpu.cross_entropy_forward_keeping; float32 is declined)
    w = _ce_prepare(x, target, weight, ignore_index)
    if w is None or type(gy) is not np.ndarray or gy.dtype != x.dtype:
        return None
    dt = x.dtype.type
    if reduction == 'none':
        g = flat(gy, w.shape, x.dtype)
        if g is None:
            return None
        gs = dt(0)
    elif gy.shape == ():
        g, gs = None, dt(gy)
    else:
        return None
    out = np.empty_like(x)
    w_sum = dt(np.sum(w, dtype=np.float64))
    _ce_backward(x, target, ignore_index, w, g, gs, reduction == 'mean', w_sum, out)
    return out


@numba.njit(cache=True)
def nll_cascade_sum(values, kept, power, levels):
    """nll_loss's cascade sum (torch_losses.cascade_sum) one sample at a time, as PyTorch's
    loop runs it: a kept sample b goes into partial 0, then while b's base-2^power digit j is
    0, partial j goes into partial j + 1 and is cleared; at the end 0 + partial 0 + ..."""
    partial = np.zeros(levels, values.dtype)
    mask = (1 << power) - 1
    for b in range(values.size):
        if kept[b]:
            partial[0] += values[b]
            j = 0
            while j < levels - 1 and (b >> (j * power)) & mask == 0:
                partial[j + 1] += partial[j]
                partial[j] = 0
                j += 1
    total = np.zeros(1, values.dtype)
    for j in range(levels):
        total[0] += partial[j]
    return total[0]
