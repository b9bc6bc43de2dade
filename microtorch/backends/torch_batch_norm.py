"""batch_norm on the CPU in PyTorch's order, forward and backward, so that it gives PyTorch's
bits (float32 and float64) for a contiguous input (N, C, *).

PyTorch (aten/src/ATen/native/cpu/batch_norm_kernel.cpp, Normalization.cpp) takes one of two
layouts: channel planes (N, C, L) when L > 1, and rows (N, C) when L == 1 (its "channels
last" kernels). W below is AVX2's vector (8 float32 lanes, 4 float64); each `fma` is a fused
step of the compiled kernel, found by comparing with torch on this machine.

Statistics (training), as mean and var_sum (the sum of squared deviations):
- planes: each channel's elements in memory order, summed in float64 one by one; mean = that
  sum / n rounded to the dtype; var_sum the same running float64 sum of (x - mean)^2, the
  square rounded to the dtype (float64: the compiler pairs the plane's elements, and an odd
  plane's last square is fused into the sum);
- rows: one buffer of C per thread (rows split in contiguous chunks), the rows added into it
  in the dtype (the squares fused: buf = fma(d, d, buf)), the buffers then added in float64
  in thread order; with no more rows than threads, one buffer.
- save_invstd = 1 / sqrt(var + eps) in float64, var = var_sum / n rounded to the dtype first;
  running_mean = m * mean + (1 - m) * running_mean in the dtype (m = momentum in the dtype);
  running_var = fma(m, unbiased, (1 - m) * running_var) for float32 (float64: not fused),
  unbiased = var_sum / (n - 1) in float64 rounded to the dtype.

Output: alpha = invstd * weight, beta = fma(-mean, alpha, bias), y = fma(x, alpha, beta); in
evaluation invstd = 1 / sqrt(running_var + eps) in the dtype.

Backward: in evaluation invstd = 1 / sqrt(running_var + eps) in float64 (then rounded), mean
the running mean. sum = the sum of dy, dotp = the sum of (x - mean) * dy:
- planes: per plane a vector reduction (torch_norms.row_dot), the planes' results added in
  float64 in order; rows: per-thread buffers as the statistics' (dotp fused);
- train: k = dotp * invstd * invstd / n, grad_mean = sum / n (rows: in the dtype; planes: k
  from dotp rounded to the dtype, grad_mean from the float64 sum),
  dx = fma(-(x - mean), k, dy - grad_mean) * invstd * w (rows: the C % W channels after the
  last full vector unfused); eval: dx = dy * invstd * w;
- dweight = dotp * invstd, dbias = sum (planes: in float64, then rounded).
"""
import collections

import numpy as np

from .. import _layout
from .._fma import fma_steps
from . import numba_dispatch
from .exact_sum import lanes
from .torch_norms import fma, row_dot, thread_rows, threads

WIDE = np.float64


def _numba_kernels(size):
    """The plane kernels for `size` elements (numba_dispatch.fused_kernels; None: NumPy)."""
    return numba_dispatch.fused_kernels('batch_norm', size)


RowKernels = collections.namedtuple('RowKernels', 'stats sums dx')


def _row_kernels(x):
    """RowKernels for rows (N, C) whenever Numba is on (None when off): NumPy's rows path takes
    a Python step per row and piece (a fused step ~10 us), so the kernels win from 2 rows
    (benchmarks/results/cpu-batch-norm-2026-12-04); below the parallel crossover, their
    serial twins, as a launch of the threads costs ~60 us."""
    if not numba_dispatch.settings.enabled:
        return None
    k = numba_dispatch._kernel_module('batch_norm')      # (a lookup: an import costs ~1 us)
    if not numba_dispatch.parallel_pays('elementwise_fused', x.size):
        return RowKernels(k.row_stats_serial, k.row_sums_serial, k.row_dx_serial)
    numba_dispatch.prepare_threads()
    return RowKernels(k.row_stats, k.row_sums, k.row_dx)


def _piece_bounds(pieces):
    """[(begin, end), ...] as the two index arrays the row kernels take."""
    return tuple(np.array(bounds, np.int64) for bounds in zip(*pieces))


def _broadcast(v):
    """A (C,) array as (C, 1): NumPy's broadcasting lays it along dim 1 of an (N, C, L)."""
    return v[:, None]


# ---- statistics ------------------------------------------------------------------------

def collect_stats(x):
    """(mean, var_sum) per channel of a contiguous x (N, C, L), in x's dtype."""
    if x.shape[2] == 1:
        return _row_stats(x[:, :, 0])
    kernels = _numba_kernels(x.size)
    if kernels is not None:
        size = x.shape[2]
        odd_fused = size - size % 2 if x.dtype == np.float64 else size
        return kernels.plane_stats(x, odd_fused)
    return _plane_stats(x)


def _plane_stats(x):
    n_batch, channels, size = x.shape
    t = x.dtype.type
    planes = np.ascontiguousarray(x.transpose(1, 0, 2)).reshape(channels, -1)
    mean = (np.add.accumulate(planes.astype(WIDE), axis=1)[:, -1] / planes.shape[1]).astype(t)
    d = planes - mean[:, None]
    if x.dtype == np.float32 or size % 2 == 0:
        total = np.add.accumulate((d * d).astype(WIDE), axis=1)[:, -1]
    else:                                       # each plane's last square fused
        total = np.zeros(channels)
        for i in range(n_batch):
            part = d[:, i * size:(i + 1) * size - 1]
            run = np.concatenate([total[:, None], part * part], axis=1)
            last = d[:, (i + 1) * size - 1]
            total = fma(last, last, np.add.accumulate(run, axis=1)[:, -1])
    return mean, total.astype(t)


def strided_stats(x, eps):
    """(mean, var_sum, invstd) per channel of a non-contiguous x (N, C, *), as PyTorch's
    generic loop: mean = PyTorch's mean over dims (0, 2, ...); var_sum the float64 running sum
    of (x - mean)^2 (x and mean widened first) over each channel in memory order; invstd =
    1 / sqrt(var_sum / n + eps) in float64. (Its running statistics: running_update_wide.)"""
    from .exact_sum import exact_sum
    t = x.dtype.type
    channels = x.shape[1]
    n = x.size // channels
    mean = (np.asarray(exact_sum(x, _other_dims(x), False), x.dtype) / t(n)).astype(x.dtype)
    kernels = _numba_kernels(x.size)
    if kernels is not None:
        (x3,) = walk_cubes(x)
        var_sum = kernels.walk_sums(x3, x3, mean, min(channels, threads()), True)
    else:
        (walked,) = walk_planes(x)
        d = walked.astype(WIDE) - mean.astype(WIDE)[:, None]
        var_sum = np.add.accumulate(d * d, axis=1)[:, -1]
    invstd = (1.0 / np.sqrt(var_sum / n + eps)).astype(x.dtype)
    return mean, var_sum, invstd


def running_update_wide(running_mean, running_var, mean, var_sum, n, momentum):
    """The generic loop's running statistics: float64 throughout, then rounded."""
    t = mean.dtype.type
    new_mean = new_var = None
    if running_mean is not None:
        new_mean = (momentum * mean.astype(WIDE) + (1 - momentum) *
                    running_mean.astype(WIDE)).astype(t)
    if running_var is not None:
        with np.errstate(divide='ignore', invalid='ignore'):
            unbiased = var_sum / (n - 1)
        new_var = (momentum * unbiased + (1 - momentum) * running_var.astype(WIDE)).astype(t)
    return new_mean, new_var


def walk_planes(x, *others):
    """x (N, C, *) and others of its shape, each as a dense (C, elements) array (a copy where
    needed) whose rows hold a channel's elements in the order TensorIterator walks them."""
    walk = _walk_order(x, others)
    return [np.ascontiguousarray(a.transpose([1] + walk)).reshape(x.shape[1], -1)
            for a in (x,) + others]


def walk_cubes(x, *others):
    """The same walk as (A, C, B) arrays (views where the dims merge), for the kernels: each
    channel's elements in the order (a, b)."""
    walk = _walk_order(x, others)
    perm = [walk[0], 1] + walk[1:]
    return [a.transpose(perm).reshape(x.shape[walk[0]], x.shape[1], -1)
            for a in (x,) + others]


def _walk_order(x, others):
    """x's dims other than C in the order TensorIterator walks them, the outermost first: the
    memory order of x's (ties told apart by the others')."""
    dims = _other_dims(x)
    order = _layout.elementwise_order([x.shape[d] for d in dims], [
        ([a.shape[d] for d in dims], [a.strides[d] for d in dims]) for a in (x,) + others])
    return [dims[i] for i in order]


def _other_dims(x):
    return (0,) + tuple(range(2, x.ndim))


def _row_pieces(rows):
    nthreads = threads()
    return thread_rows(rows, nthreads) if rows > nthreads else [(0, rows)]


def _row_stats(x):
    rows, channels = x.shape
    kernels = _row_kernels(x)
    if kernels is not None:
        return kernels.stats(x, *_piece_bounds(_row_pieces(rows)))
    t = x.dtype.type
    total = np.zeros(channels)
    for begin, end in _row_pieces(rows):
        total = total + np.add.accumulate(x[begin:end], axis=0)[-1]
    mean = (total / rows).astype(t)
    return mean, fma_steps(x.dtype, lambda fma: _row_var_sum(x - mean, fma)).astype(t)


def _row_var_sum(centred, fma):
    """The squares of the rows' deviations, fused into one buffer a thread, in float64."""
    total = np.zeros(centred.shape[1])
    for begin, end in _row_pieces(centred.shape[0]):
        buf = np.zeros(centred.shape[1], centred.dtype)
        for d in centred[begin:end]:
            buf = fma(d, d, buf)
        total = total + buf
    return total


def save_invstd(var_sum, n, eps):
    """PyTorch's InvStd of var_sum / n: 0 where the variance and eps are both 0. A few
    channels' worth of ufunc calls costs ~5 us: once Numba is loaded, its kernel (~1)."""
    if numba_dispatch.settings.enabled and numba_dispatch.kernels_loaded():
        return numba_dispatch._kernel_module('batch_norm').save_invstd(var_sum, n, float(eps))
    var = (var_sum.astype(WIDE) / n).astype(var_sum.dtype).astype(WIDE)
    with np.errstate(divide='ignore', invalid='ignore'):
        invstd = 1.0 / np.sqrt(var + eps)
    if eps == 0:
        invstd = np.where(var == 0, 0.0, invstd)
    return invstd.astype(var_sum.dtype)


def running_update(running_mean, running_var, mean, var_sum, n, momentum):
    """The new running_mean and running_var (None where the old one is None)."""
    t = mean.dtype.type
    m = t(momentum)
    new_mean = new_var = None
    if running_mean is not None:
        new_mean = m * mean + (t(1) - m) * running_mean
    if running_var is not None:
        with np.errstate(divide='ignore', invalid='ignore'):
            unbiased = (var_sum.astype(WIDE) / (n - 1)).astype(t)
        kept = (t(1) - m) * running_var
        if mean.dtype == np.float32:
            new_var = fma(m, unbiased, kept)
        else:
            new_var = m * unbiased + kept
    return new_mean, new_var


def eval_invstd(running_var, eps):
    """The forward kernel's 1 / sqrt(running_var + eps), in the dtype."""
    t = running_var.dtype.type
    return t(1) / np.sqrt(running_var + t(eps))


def backward_eval_invstd(running_var, eps):
    """The backward kernel's 1 / sqrt(running_var + eps): in float64, then rounded."""
    return (1.0 / np.sqrt(running_var.astype(WIDE) + eps)).astype(running_var.dtype)


# ---- output -------------------------------------------------------------------------------

def forward(x, mean, invstd, weight, bias):
    """y = fma(x, alpha, beta) of a contiguous x (N, C, L). Rows (L = 1) below the parallel
    crossover, once Numba is loaded: one kernel for alpha, beta and y (the three steps' calls
    took ~12 us at (16, 8))."""
    if (x.shape[2] == 1 and numba_dispatch.settings.enabled and numba_dispatch.kernels_loaded()
            and not numba_dispatch.parallel_pays('elementwise_fused', x.size)):
        kernels = numba_dispatch._kernel_module('batch_norm')
        return kernels.affine_rows(x[:, :, 0], mean, invstd, weight, bias)[:, :, None]
    return fma_steps(x.dtype, lambda fma: _forward(x, mean, invstd, weight, bias, fma))


def _forward(x, mean, invstd, weight, bias, fma):
    alpha = invstd if weight is None else invstd * weight
    beta = fma(-mean, alpha, np.zeros_like(mean) if bias is None else bias)
    kernels = _numba_kernels(x.size)
    if kernels is not None:
        return kernels.affine(x, alpha, beta)
    if numba_dispatch.settings.enabled and x.shape[2] == 1:   # rows: Numba is loaded anyway
        kernels = numba_dispatch._kernel_module('batch_norm')
        return kernels.affine_serial(x, alpha, beta)          # (NumPy's fma: ~20 us more)
    return fma(x, _broadcast(alpha), _broadcast(beta))


def strided_forward(x, mean, invstd, weight, bias):
    """y of a non-contiguous x (N, C, *), C-ordered, as PyTorch's generic loop computes it:
    ((x - mean) * invstd) * weight + bias, each step rounded (weight 1 and bias 0 where
    absent: -0.0 comes out +0.0)."""
    t = x.dtype.type
    kernels = _numba_kernels(x.size)
    if kernels is not None:
        w = np.ones(x.shape[1], x.dtype) if weight is None else weight
        b = np.zeros(x.shape[1], x.dtype) if bias is None else bias
        return kernels.strided_affine(x.reshape(x.shape[:2] + (-1,)), mean, invstd, w,
                                      b).reshape(x.shape)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    y = np.subtract(x, mean.reshape(shape), order='C')
    y *= invstd.reshape(shape)
    y *= t(1) if weight is None else weight.reshape(shape)
    y += t(0) if bias is None else bias.reshape(shape)
    return y


# ---- backward -----------------------------------------------------------------------------

def strided_backward(dy, x, weight, mean, invstd, train, need_input):
    """The backward of PyTorch's generic loop, taken when dy or x is not contiguous (a
    broadcast, as sum's gradient; a transposed input): sum = PyTorch's sum of dy over dims
    (0, 2, ...), dotp = the float64 running sum of (x - mean) * dy over each channel in the
    order TensorIterator walks x and dy, gi = (x - mean) * k stored, then
    dx = (dy - grad_mean - gi) * invstd * w (grad_mean = sum / n in the dtype)."""
    from .exact_sum import exact_sum
    channels = x.shape[1]
    t = x.dtype.type
    total = np.asarray(exact_sum(dy, _other_dims(x), False), x.dtype).reshape(channels)
    kernels = _numba_kernels(x.size)
    if x.flags.c_contiguous:                    # walked in C order: (N, C, L) views
        planes = x.shape[:2] + (-1,)
        x3, dy3 = x.reshape(planes), dy.reshape(planes)
        if kernels is not None:
            dotp = kernels.strided_dotp(dy3, x3, mean)
    elif kernels is not None:
        x3, dy3 = walk_cubes(x, dy)
        dotp = kernels.walk_sums(dy3, x3, mean, min(channels, threads()), False)
    else:
        x3, dy3 = (a[None] for a in walk_planes(x, dy))
    if kernels is None:
        products = np.moveaxis((x3 - _broadcast(mean)) * dy3, 1, 0).reshape(channels, -1)
        dotp = np.add.accumulate(products.astype(WIDE), axis=1)[:, -1]
    w = np.ones(channels, x.dtype) if weight is None else weight
    dx = None
    if need_input:
        n = t(x.size // channels)
        k = dotp.astype(t) * invstd * invstd / n if train else invstd
        grad_mean = total / n if train else invstd
        if kernels is not None:
            planes = x.shape[:2] + (-1,)
            dx = kernels.strided_dx(dy.reshape(planes), x.reshape(planes), mean, k,
                                    grad_mean, invstd, w, train).reshape(x.shape)
        else:
            shape = (1, channels) + (1,) * (x.ndim - 2)
            invstd_w = (invstd.reshape(shape), w.reshape(shape))
            if train:
                gi = (x - mean.reshape(shape)) * k.reshape(shape)
                dx = (dy - grad_mean.reshape(shape) - gi) * invstd_w[0] * invstd_w[1]
            else:
                dx = dy * invstd_w[0] * invstd_w[1]
    return dx, (dotp * invstd.astype(WIDE)).astype(t), total


def backward(dy, x, weight, mean, invstd, train, need_input):
    """(dx or None, dweight, dbias) of contiguous dy and x (N, C, L)."""
    if x.shape[2] == 1:
        return _row_backward(dy[:, :, 0], x[:, :, 0], weight, mean, invstd, train,
                             need_input)
    n_batch, channels, size = x.shape
    n = n_batch * size
    t = x.dtype.type
    kernels = _numba_kernels(x.size)
    if kernels is not None:
        total, dotp = kernels.plane_sums(dy, x, mean, lanes(x.dtype))
    else:
        flat_dy = dy.reshape(-1, size)
        plane_sums = row_dot(flat_dy).reshape(n_batch, channels)
        centred = (x - _broadcast(mean)).reshape(-1, size)
        plane_dots = row_dot(centred, flat_dy).reshape(n_batch, channels)
        total = np.add.accumulate(plane_sums.astype(WIDE), axis=0)[-1]
        dotp = np.add.accumulate(plane_dots.astype(WIDE), axis=0)[-1]
    w = np.ones(channels, x.dtype) if weight is None else weight
    dx = None
    if need_input:
        if train:
            k = dotp.astype(t) * invstd * invstd / t(n)
            grad_mean = (total / n).astype(t)
            if kernels is not None:
                dx = kernels.plane_dx(dy, x, mean, k, grad_mean, invstd, w)
            else:
                shift = dy - _broadcast(grad_mean)
                dx = fma(_broadcast(mean) - x, _broadcast(k), shift)
                dx = dx * _broadcast(invstd) * _broadcast(w)
        else:
            dx = dy * _broadcast(invstd) * _broadcast(w)
    dweight = (dotp * invstd.astype(WIDE)).astype(t)
    return dx, dweight, total.astype(t)


def _row_backward(dy, x, weight, mean, invstd, train, need_input):
    rows, channels = x.shape
    t = x.dtype.type
    kernels = _row_kernels(x)
    if kernels is not None:
        pieces = _piece_bounds(thread_rows(rows, threads()))
        total, dotp = kernels.sums(dy, x, mean, *pieces)
    else:
        centred = x - mean
        total, dotp = fma_steps(x.dtype, lambda fma: _row_sums(dy, centred, fma))
    total, dotp = total.astype(t), dotp.astype(t)
    w = np.ones(channels, x.dtype) if weight is None else weight
    dx = None
    if need_input:
        if train:
            k = dotp * invstd * invstd / t(rows)
            grad_mean = total / t(rows)
            full = channels - channels % lanes(x.dtype)      # the vector tail: unfused
            if kernels is not None:
                dx = kernels.dx(dy, x, mean, k, grad_mean, invstd, w, full)
                return dx[:, :, None], dotp * invstd, total
            dx = fma(-centred, np.broadcast_to(k, x.shape), dy - grad_mean)
            tail = (dy[:, full:] - grad_mean[full:]) - centred[:, full:] * k[full:]
            dx[:, full:] = tail
            dx = dx * invstd * w
        else:
            dx = dy * invstd * w
    return dx[:, :, None] if dx is not None else None, dotp * invstd, total


def _row_sums(dy, centred, fma):
    """The sums of dy and of centred * dy (fused) over the rows: one buffer a thread, the
    buffers added in float64."""
    channels = dy.shape[1]
    total = np.zeros(channels)
    dotp = np.zeros(channels)
    for begin, end in thread_rows(dy.shape[0], threads()):
        total = total + np.add.accumulate(dy[begin:end], axis=0)[-1]
        buf = np.zeros(channels, dy.dtype)
        for i in range(begin, end):
            buf = fma(centred[i], dy[i], buf)
        dotp = dotp + buf
    return total, dotp
