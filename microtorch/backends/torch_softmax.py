"""PyTorch's CPU float32 softmax, log_softmax (forward and backward) and cross_entropy, to the
bit (aten/src/ATen/native/cpu/SoftMaxKernel.cpp, SoftMax.cpp, LossNLL.cpp); logsumexp as near
as MKL's unpublished exp and log allow.

The last dim (rows; cross_entropy's class dim of (N, C) logits): each row on its own.
- Reductions are functional_base.h's reduce_all over Vec::size() lanes (`width`: 16 float32
  under AVX512, 8 under AVX2): lane j adds (or maxes) elements j, j + width, ... in order, a
  tail of n % width elements into the first lanes, then a shuffle tree joins lane j and
  lane j + width/2, ..., down to lane 0. A row shorter than `width` is folded in order. The
  max is vec::maximum (nan wins).
- log_softmax: m = max; s = sum of exp(x - m) (SLEEF's expf_u10: every element goes through
  the vector code, masked loads included); out = (x - m) - log(s), log = SLEEF's logf_u10.
- softmax: e = exp(x - m) stored; out = e * (1 / sum(e)).
- backward: log_softmax's g - exp(y) sum(g) (one fused multiply-add, as GCC compiles it);
  softmax's (g - sum(g y)) y, the products rounded before they are added.
Another dim (x seen as (outer, dim, inner), a column per (outer, inner) index):
- log_softmax: per column, max skipping nan, a float32 running sum of exp down the column,
  SLEEF's log; the last inner % width columns of each slab (the tail of PyTorch's column
  chunks, whose size is a multiple of width) take glibc's expf (std::exp) instead of SLEEF's.
- softmax: at::parallel_for with grain 0 splits the outer * inner columns into one chunk per
  thread (get_num_threads()); within a chunk, runs of `width` columns of one slab take the
  vector code (vec::maximum, SLEEF's exp), the others the scalar one (std::max, glibc's
  expf); both divide by the running sum.
- backward: running sums down the columns (softmax's g y fused into it); log_softmax's
  exp(y) in the tail columns is glibc's.
cross_entropy: log_softmax over dim 1, then nll_loss (-(logp[t] w) per sample, the cascade
sum of torch_losses for the total and the weights, 'mean' their quotient); its gradient is
nll_loss's (-(gy / total_weight) w[t] at the target, as PyTorch's LossNLL.cpp) through
log_softmax's backward.

Checked on PyTorch 2.13 with AVX512 (torch.backends.cpu.get_cpu_capability()); the AVX2
build's order is the same with width 8 (checked on an AVX2 AMD machine, 2026-12-04). float64
uses SLEEF's double functions, which microtorch does not have: these functions return None for
it (and any non-float32 array), and the caller's own code runs.

Numba runs the kernels when it is on (numba_kernels/torch_softmax.py; parallel from
`numba_dispatch`'s softmax size on), NumPy with glibc's expf through ctypes when it is off:
the same bits either way.
"""
import numpy as np

from .. import _sleef
from .._fma import fma_float32
from .._sleef_numpy import _logf_u1
from . import exact_sum, numba_dispatch, torch_losses

_F = np.float32
_FLOAT32 = np.dtype(np.float32)
_WIDTHS = {'AVX512': 16, 'AVX2': 8}
_width = []                     # Vec<float>::size() on this machine, found once


def vector_width():
    """Vec<float>::size(): 16 under AVX512, 8 under AVX2. (A 'DEFAULT' build's generic
    Vectorized<float> also holds 8, but it reduces them in order and takes std::exp: its
    order is not followed here.)"""
    if not _width:
        from .cpu import get_cpu_capability
        _width.append(_WIDTHS.get(get_cpu_capability(), 8))
    return _width[0]


# ---- entry points: float32 arrays in, new arrays out; None for anything else ------------------

def softmax(x, dim):
    return _forward(x, dim, False)


def log_softmax(x, dim):
    return _forward(x, dim, True)


def softmax_backward(y, gy, dim):
    return _backward(y, gy, dim, False)


def log_softmax_backward(y, gy, dim):
    return _backward(y, gy, dim, True)


def _layout(x, dim):
    """(outer, dim_size, inner, is dim the last) of x about dim (a 0-d x is one row), or
    None when the kernels do not take x."""
    if type(x) is not np.ndarray or x.dtype != _FLOAT32 or x.size == 0:
        return None
    if x.ndim <= 1:
        return 1, x.size, 1, True
    if dim is None:
        return None
    dim = dim % x.ndim
    shape = x.shape
    outer = 1
    for n in shape[:dim]:
        outer *= n
    return outer, shape[dim], x.size // (outer * shape[dim]), dim == x.ndim - 1


def _forward(x, dim, log):
    found = _layout(x, dim)
    if found is None:
        return None
    outer, size, inner, last = found
    out = np.empty(x.shape, _F)
    x = np.ascontiguousarray(x)
    width = vector_width()
    if last:
        rows, out_rows = x, out
        if x.ndim != 2:                 # (reshaping a 2-D x costs ~0.3 us for nothing)
            rows, out_rows = x.reshape(outer, size), out.reshape(outer, size)
        _run('rows_forward', x.size, rows, out_rows, width, log)
    else:
        x3 = x.reshape(outer, size, inner)
        vector = (_log_vector_columns(outer, inner, width) if log else
                  _softmax_vector_columns(outer, inner, width, _softmax_chunk(outer * inner)))
        _run('columns_forward', x.size, x3, out.reshape(x3.shape), vector, log)
    return out


def _backward(y, gy, dim, log):
    found = _layout(y, dim)
    if (found is None or type(gy) is not np.ndarray or gy.dtype != _FLOAT32
            or gy.shape != y.shape):
        return None
    outer, size, inner, last = found
    out = np.empty(y.shape, _F)
    y, gy = np.ascontiguousarray(y), np.ascontiguousarray(gy)
    width = vector_width()
    if last:
        arrays = y, gy, out
        if y.ndim != 2:
            arrays = tuple([a.reshape(outer, size) for a in arrays])
        _run('rows_backward', y.size, *arrays, width, log)
    else:
        shape = (outer, size, inner)
        _run('columns_backward', y.size, y.reshape(shape), gy.reshape(shape),
             out.reshape(shape), _log_vector_columns(outer, inner, width), log)
    return out


def _softmax_chunk(columns):
    """The columns of each of at::parallel_for's chunks (grain 0: one per thread)."""
    threads = exact_sum.threads()         # (imported once there: an import here cost 1.1 us)
    if columns <= 1 or threads <= 1:
        return max(columns, 1)
    return -(-columns // threads)


def _log_vector_columns(outer, inner, width):
    """Which columns (uint8, (outer, inner)) the log_softmax kernels over another dim send
    through the vector code: all but the last inner % width of each slab."""
    vector = np.ones((outer, inner), np.uint8)
    vector[:, inner - inner % width:] = 0
    return vector


def _softmax_vector_columns(outer, inner, width, chunk):
    """Which columns _vec_softmax's walk sends through the vector code. It walks each chunk
    of `chunk` (slab, column) indices taking runs of `width` columns that stay within one
    slab and the chunk; so in each piece of a chunk within one slab, the first whole runs."""
    if inner < width:
        return np.zeros((outer, inner), np.uint8)
    i = np.arange(outer * inner)
    start = np.maximum(i // chunk * chunk, i // inner * inner)
    stop = np.minimum(np.minimum((i // chunk + 1) * chunk, (i // inner + 1) * inner), i.size)
    return ((i - start) < (stop - start) // width * width).astype(np.uint8).reshape(outer, inner)


# ---- cross_entropy with class targets: log_softmax over dim 1, then nll_loss -----------------

def _sample_weights(target, weight, ignore_index):
    """Each sample's weight (0 where ignored), whether it is kept, and safe targets."""
    kept = target != ignore_index
    safe = np.where(kept, target, 0)
    w = kept.astype(_F) if weight is None else np.where(kept, weight[safe], _F(0))
    return w.astype(_F, copy=False), kept, safe


def _nll_sum(values, kept):
    """nll_loss's cascade sum of values where kept (torch_losses.cascade_sum). Up to 16
    samples it comes down to a running sum of samples 1... from +0, then sample 0 (which
    flushed its partial sum to the last level) if it is kept: done here, without the
    cascade's fixed cost (~0.15 ms). np.add.accumulate is that running sum in float32 (~1
    us, a Python loop ~5). Starting from the first term rather than from +0 changes one sum
    only, every term -0 (-0, where the loop gives +0): the final + 0 makes it +0."""
    values, kept = values.reshape(-1), kept.reshape(-1)
    if kept.size > 16:
        return _F(torch_losses.cascade_sum(values, kept))
    total = _F(0)
    rest = values[1:][kept[1:]]
    if rest.size:
        total = np.add.accumulate(rest)[-1] + total
    return _F(total + values[0]) if kept[0] else total


def _nll_sum_reference(values, kept):
    """_nll_sum's order as a plain loop (for the tests)."""
    total = _F(0)
    for v, k in zip(values[1:].tolist(), kept[1:].tolist()):
        if k:
            total = _F(total + _F(v))
    return _F(total + values[0]) if kept[0] else total


def _total_weight(w, kept, weight):
    """nll_loss's total weight: the kept samples' count without class weights (whole
    numbers, exact in any order up to 2^24), else their weights' cascade sum."""
    if weight is None and kept.size <= 1 << 24:
        return _F(np.count_nonzero(kept))
    return _nll_sum(w, kept)


def cross_entropy_forward(x, target, reduction, weight, ignore_index, keep_log_probs=False):
    """x (N, C, ...) float32 logits, target (N, ...) class indices; None for other dtypes.
    keep_log_probs: (loss, log_softmax(x, 1)) for the backward (PyTorch keeps it too) where
    the (N, C) rows kernel made it, else (loss, None)."""
    if weight is not None and weight.dtype != _FLOAT32:
        return None
    if _layout(x, 1) is None:
        return None
    log_probs = None
    if _takes_rows(x, target, ignore_index):
        if keep_log_probs:
            log_probs = np.empty(x.shape, _F)
        losses, kept, w = _rows_nll(x, target, weight, ignore_index, log_probs)
    else:
        w, kept, safe = _sample_weights(target, weight, ignore_index)
        picked = np.take_along_axis(log_softmax(x, 1), safe[:, None], axis=1)[:, 0]
        losses = np.where(kept, -(picked * w), _F(0)).astype(_F, copy=False)  # ignored: +0
    loss = _reduced(losses, kept, w, reduction, weight)
    return (loss, log_probs) if keep_log_probs else loss


def _reduced(losses, kept, w, reduction, weight):
    if reduction == 'none':
        return losses
    total = _nll_sum(losses, kept)
    if reduction == 'sum':
        return np.asarray(total, _F)
    return np.asarray(_quotient(total, _total_weight(w, kept, weight)), _F)


def _quotient(a, b):
    """a / b without NumPy's warnings (0 / 0 is nan, as PyTorch's): a zero, infinite or nan
    divisor (every target ignored) alone takes np.errstate, which costs ~3 us a call."""
    if 0 < abs(b) < _INF:
        return a / b
    with np.errstate(divide='ignore', invalid='ignore'):
        return a / b


_INF = float('inf')


def _takes_rows(x, target, ignore_index):
    """Do the (N, C) rows kernels take these logits (and an ignore_index they can hold)? They
    index rows by target unchecked, so a target out of range raises here first."""
    if x.ndim != 2 or not _INT64_MIN <= ignore_index <= _INT64_MAX:
        return False
    if target.size and not classes_in_range(target, x.shape[1]):
        bad = (target != ignore_index) & ((target < 0) | (target >= x.shape[1]))
        if bad.any():
            raise IndexError(f'Target {target[bad][0]} is out of bounds.')
    return True


_INT64_MIN, _INT64_MAX = -1 << 63, (1 << 63) - 1


def classes_in_range(target, classes):
    """Is every class index of target (a NumPy array, not empty) in [0, classes)? (As
    unsigned, a negative int64 is huge: one pass finds both kinds.)"""
    if target.dtype == np.int64:
        return target.view(np.uint64).max() < classes
    return target.min() >= 0 and target.max() < classes


def _rows_nll(x, target, weight, ignore_index, log_probs):
    """(N, C) logits: each sample's loss, whether it is kept and its weight, from the rows
    kernel, which fills log_probs too unless it is None."""
    n = x.shape[0]
    losses, kept, w = np.empty(n, _F), np.empty(n, np.bool_), np.empty(n, _F)
    _run('rows_cross_entropy_forward', x.size, np.ascontiguousarray(x),
         np.ascontiguousarray(target), _contiguous_or_none(weight), np.int64(ignore_index),
         losses, kept, w, log_probs, vector_width())
    return losses, kept, w


def _contiguous_or_none(array):
    return None if array is None else np.ascontiguousarray(array)


def _mean_divisor(target, weight, ignore_index):
    """'mean''s divisor: the kept targets' count, or their weights' sum (_total_weight)."""
    if weight is None and target.size <= 1 << 24:
        return _F(np.count_nonzero(target != ignore_index))
    w, kept, _ = _sample_weights(target, weight, ignore_index)
    return _total_weight(w, kept, weight)


def cross_entropy_backward(x, target, gy, reduction, weight, ignore_index, log_probs=None):
    """nll_loss's gradient at each target, through log_softmax's backward over dim 1: on the
    forward's log_probs (cross_entropy_forward's keep_log_probs), or log_softmax(x, 1) made
    again where they are None."""
    gy = np.asarray(gy)
    if (weight is not None and weight.dtype != _FLOAT32) or gy.dtype != _FLOAT32:
        return None
    if _layout(x, 1) is None:
        return None
    if reduction == 'mean':
        scale = -_quotient(gy, _mean_divisor(target, weight, ignore_index))
    else:
        scale = -gy                 # each sample's gradient at its target: w scale (w = 1)
    if _takes_rows(x, target, ignore_index):      # (N, C): a row at a time in one kernel
        n = x.shape[0]
        scales = np.ascontiguousarray(scale) if reduction == 'none' else np.full(n, scale, _F)
        out = np.empty(x.shape, _F)
        _run('rows_cross_entropy_backward', x.size, np.ascontiguousarray(x),
             _contiguous_or_none(log_probs), np.ascontiguousarray(target),
             _contiguous_or_none(weight), np.int64(ignore_index), scales, out, vector_width())
        return out
    w, kept, safe = _sample_weights(target, weight, ignore_index)
    g = w * scale if weight is not None else np.broadcast_to(scale, w.shape)
    # an ignored sample's gradient stays 0 (PyTorch skips it, even where scale is nan)
    picked = np.where(kept, g, _F(0)).astype(_F, copy=False)
    grad = np.zeros(x.shape, _F)
    np.put_along_axis(grad, safe[:, None], picked[:, None], axis=1)
    return log_softmax_backward(log_softmax(x, 1), grad, 1)


# ---- logsumexp: a composite of tensor ops in PyTorch (ReduceOps.cpp) -------------------------

def logsumexp(x, dims, keepdim, sum_forward, max_forward):
    """PyTorch's logsumexp of float32 x: m = amax over dims (`max_forward`, the backend's;
    0 where infinite), then log(sum(exp(x - m))) + m with the tensor sum (`sum_forward`:
    exact_sum's order). Its exp and log are at::vml's, MKL's VML in this build, whose
    algorithms are not published: the correctly rounded exp and log stand in for them (they
    differ on ~1% of exps, ~0.03% of logs; a sum of many rarely shows it). None for anything
    but float32 over some dims."""
    if type(x) is not np.ndarray or x.dtype != _FLOAT32 or x.size == 0 or not dims:
        return None
    dims = tuple(d % x.ndim for d in dims)          # sum_forward takes dims >= 0
    with np.errstate(all='ignore'):
        m = max_forward(x, dims, True)
        m = np.where(np.abs(m) == np.inf, _F(0), m)
        if dims == (x.ndim - 1,) and x.flags.c_contiguous:      # rows: one parallel pass
            rows = x.reshape(-1, x.shape[-1])
            e = np.empty_like(rows)
            _run('rows_shifted_exp', x.size, rows, m.reshape(-1), e)
            e = e.reshape(x.shape)
        else:
            e = _exp_rounded(x - m)
        s = sum_forward(e, dims, True)
        out = np.log(s.astype(np.float64)).astype(_F) + m
    return out if keepdim else np.squeeze(out, axis=dims)


def logsumexp_backward(x, y, gy, exp64):
    """PyTorch's logsumexp gradient gy * exp(x - y) (gy and y with the reduced dims kept),
    its exp correctly rounded from float64's, `exp64` (the backend's: a Tensor backward
    taking x.double().exp() gets the same bits); None but for float32."""
    if x.dtype != _FLOAT32 or y.dtype != _FLOAT32 or np.asarray(gy).dtype != _FLOAT32:
        return None
    with np.errstate(all='ignore'):
        if x.ndim and x.flags.c_contiguous and y.shape == x.shape[:-1] + (1,):
            rows = x.reshape(-1, x.shape[-1])          # over the last dim: forward's kernel
            e = np.empty_like(rows)
            _run('rows_shifted_exp', x.size, rows, y.reshape(-1), e)
            return gy * e.reshape(x.shape)
        return gy * exp64((x - y).astype(np.float64)).astype(_F)


def _exp_rounded(v):
    return np.exp(v.astype(np.float64)).astype(_F)


# ---- running the kernels: Numba when it is on, the NumPy twins below otherwise ---------------

_kernels = []                   # the Numba kernels' module, imported on first use


def _run(name, size, *args):
    settings = numba_dispatch.settings
    if not (settings.enabled and _sleef.available()):
        return _NUMPY[name](*args)
    if not _kernels:
        _kernels.append(numba_dispatch._kernel_module('torch_softmax'))
    module = _kernels[0]
    if not numba_dispatch.parallel_pays('softmax', size):    # no parallel launch
        getattr(module, name + '_serial')(*_with_tasks(name, args, 1))
        return
    args = _with_tasks(name, args, 4 * exact_sum.threads())
    if settings.threading_layer == 'workqueue':
        with numba_dispatch.launch_lock:
            getattr(module, name)(*args)
    else:
        getattr(module, name)(*args)


def _with_tasks(name, args, tasks):
    """The kernel's last arguments: the rows kernels' scratch rows, a row per task (the
    kernels allocate nothing: numba_kernels/torch_softmax.py), or task count; the column
    kernels' columns a task and scratch."""
    if name == 'rows_forward' or name == 'rows_backward':    # maxima and sums after the lanes
        return args + (np.empty((tasks, args[-2] + 2 * _kernels[0].ROW_CHUNK), _F),)
    if name.startswith('columns'):
        outer, _, inner = args[0].shape
        block = min(COLUMN_BLOCK, inner)
        return args + (COLUMN_BLOCK, np.empty((2, outer * -(-inner // block), block), _F))
    if name == 'rows_shifted_exp':
        return args + (tasks,)
    if name == 'rows_cross_entropy_forward':      # lanes, maxima, logs, then a row's exps
        chunk, classes = _kernels[0].ROW_CHUNK, args[0].shape[1]
        return args + (np.empty((tasks, args[-1] + 2 * chunk + classes), _F),)
    if name == 'rows_cross_entropy_backward':     # (x, target, ..., out, width): lanes, rows
        classes = args[0].shape[1]
        return args + (np.empty((tasks, args[-1]), _F), np.empty((tasks, classes), _F),
                       np.empty((tasks, classes), _F))
    raise ValueError(f'no kernel {name}')


COLUMN_BLOCK = 256              # columns a task of the column kernels (1 KiB of each row)


# ---- the NumPy twins (the same roundings, vectorised over rows or columns) ------------------

def _vmax(a, b):
    """vec::maximum: b unless a > b; nan where either is nan."""
    return np.where((a > b) | (a != a), a, b)


def _reduce_rows(v, width, op):
    """reduce_all(op) of each row of v (2-D): its lanes, tail and shuffle tree."""
    rows, n = v.shape
    if n < width:
        acc = v[:, 0]
        for i in range(1, n):
            acc = op(acc, v[:, i])
        return acc
    full = n - n % width
    acc = v[:, :width].copy()
    for d in range(width, full, width):
        acc = op(acc, v[:, d:d + width])
    if full < n:
        acc[:, :n - full] = op(acc[:, :n - full], v[:, full:])
    w = width >> 1
    while w:
        acc = op(acc[:, :w], acc[:, w:2 * w])
        w >>= 1
    return acc[:, 0]


def _rows_forward(x, out, width, log):
    with np.errstate(all='ignore'):
        m = _reduce_rows(x, width, _vmax)[:, None]
        e = _sleef.expf_numpy(x - m)
        if log:
            ls = _logf_u1(_reduce_rows(e, width, np.add))[:, None]
            out[...] = (x - m) - ls
        else:
            r = _F(1) / _reduce_rows(e, width, np.add)
            out[...] = e * r[:, None]


def _rows_backward(y, g, out, width, log):
    with np.errstate(all='ignore'):
        if log:
            s = _reduce_rows(g, width, np.add)[:, None]
            e = _sleef.expf_numpy(y)
            out[...] = fma_float32(-e, np.broadcast_to(s, e.shape), g)
        else:
            s = _reduce_rows(g * y, width, np.add)[:, None]
            out[...] = (g - s) * y


def _exp(v, vector):
    """SLEEF's expf where `vector` (v's shape) is set, glibc's expf elsewhere: the exps of a
    whole array at once (expf_numpy costs ~0.2 ms a call on small arrays)."""
    scalar = vector == 0
    if not scalar.any():
        return _sleef.expf_numpy(v)
    out = np.empty(v.shape, _F)
    if not scalar.all():
        out[~scalar] = _sleef.expf_numpy(v[~scalar])
    expf = _sleef._glibc_expf()
    out[scalar] = [expf(a) for a in v[scalar].tolist()]
    return out


def _columns_forward(x, out, vector, log):
    with np.errstate(all='ignore'):
        if log:
            m = np.full((x.shape[0], x.shape[2]), -np.inf, _F)
            for d in range(x.shape[1]):
                m = np.where(x[:, d] > m, x[:, d], m)
        else:
            m = x[:, 0].copy()
            for d in range(1, x.shape[1]):
                v = x[:, d]
                m = np.where(vector != 0, _vmax(m, v), np.where(m < v, v, m))
        e = _exp(x - m[:, None], np.broadcast_to(vector[:, None], x.shape))
        s = np.zeros(m.shape, _F)
        for d in range(x.shape[1]):            # a running sum down each column
            s = s + e[:, d]
        if log:
            out[...] = (x - m[:, None]) - _logf_u1(s)[:, None]
        else:
            out[...] = e / s[:, None]


def _columns_backward(y, g, out, vector, log):
    with np.errstate(all='ignore'):
        s = np.zeros((y.shape[0], y.shape[2]), _F)
        for d in range(y.shape[1]):
            s = s + g[:, d] if log else fma_float32(g[:, d], y[:, d], s)
        if log:
            e = _exp(y, np.broadcast_to(vector[:, None], y.shape))
            out[...] = fma_float32(-e, np.broadcast_to(s[:, None], e.shape), g)
        else:
            out[...] = y * (g - s[:, None])


def _rows_shifted_exp(x, shift, out):
    out[...] = _exp_rounded(x - shift[:, None])


def _rows_cross_entropy_forward(x, target, weight, ignore_index, losses, kept, w, log_probs,
                                width):
    logp = np.empty(x.shape, _F) if log_probs is None else log_probs
    _rows_forward(x, logp, width, True)
    weights, kept[...], safe = _sample_weights(target, weight, ignore_index)
    w[...] = weights
    picked = logp[np.arange(x.shape[0]), safe]
    losses[...] = np.where(kept, -(picked * weights), _F(0))


def _rows_cross_entropy_backward(x, log_probs, target, weight, ignore_index, scales, out,
                                 width):
    logp = log_probs
    if logp is None:
        logp = np.empty(x.shape, _F)
        _rows_forward(x, logp, width, True)
    w, kept, safe = _sample_weights(target, weight, ignore_index)
    grad = np.zeros(x.shape, _F)
    picked = w * scales if weight is not None else scales
    grad[np.arange(x.shape[0]), safe] = np.where(kept, picked, _F(0))
    _rows_backward(logp, grad, out, width, True)


_NUMPY = {'rows_forward': _rows_forward, 'rows_backward': _rows_backward,
          'columns_forward': _columns_forward, 'columns_backward': _columns_backward,
          'rows_shifted_exp': _rows_shifted_exp,
          'rows_cross_entropy_forward': _rows_cross_entropy_forward,
          'rows_cross_entropy_backward': _rows_cross_entropy_backward}
