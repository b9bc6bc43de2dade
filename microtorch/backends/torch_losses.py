"""PyTorch's CPU loss arithmetic to the bit: the orders of its reductions and gradient loops.

- nll_loss (LossNLL.cpp, LossNLL2d.cpp) adds the picked losses and their weights itself, not
  with sum(): a cascade of 8 partial sums over the samples (spatial positions included) in
  order. Sample b is added into partial 0; then, while b's base-2^p digit j is 0 (p =
  max(4, CeilLog2(count) / 8)), partial j is added into partial j + 1 and cleared. An ignored
  sample adds nothing and flushes nothing. The result is 0 + partial 0 + ... + partial 7.
- The elementwise losses reduce with the tensor sum (exact_sum's order) and mean = sum / n.
- Their gradient kernels are cpu_kernel_vec loops: blocks of Vec::size() elements take the
  vector lambda, each parallel chunk's rest the scalar one, and the two may round differently
  (`vector_mask`).
"""
import sys

import numpy as np

from .. import _sleef
from . import exact_sum, numba_dispatch

CASCADE_LEVELS = 8


def _ceil_log2(n):
    return 0 if n <= 1 else (n - 1).bit_length()


def _sequential_segment_sums(values, segment, count):
    """Per segment (ids non-decreasing), its values added in order from +0."""
    sums = np.zeros(count, values.dtype)
    if not values.size:
        return sums
    starts = np.flatnonzero(np.r_[True, segment[1:] != segment[:-1]])
    lengths = np.diff(np.r_[starts, values.size])
    position = np.arange(values.size) - np.repeat(starts, lengths)
    order = np.argsort(position, kind='stable')
    bounds = np.r_[0, np.cumsum(np.bincount(position))]
    for k in range(bounds.size - 1):        # the k-th value of every segment at once
        picked = order[bounds[k]:bounds[k + 1]]
        sums[segment[picked]] += values[picked]
    return sums


def cascade_sum(values, kept):
    """nll_loss's sum of values (1-D, float32/float64) over the positions where kept is true,
    in its cascade order (see the module's docstring). Numba runs PyTorch's loop when it is
    on (256 samples: ~10 us against ~1.5 ms for the NumPy form below, the same bits)."""
    dtype = values.dtype.type
    power = max(4, _ceil_log2(kept.size) // CASCADE_LEVELS)
    if _sleef.available() and numba_dispatch.settings.enabled:
        if not _cascade_kernel:
            _cascade_kernel.append(numba_dispatch._kernel_module('loss').nll_cascade_sum)
        return dtype(_cascade_kernel[0](values, kept, power, CASCADE_LEVELS))
    return _cascade_sum_numpy(values, kept, power)


_cascade_kernel = []            # the Numba loop, imported on first use


def _cascade_sum_numpy(values, kept, power):
    """cascade_sum vectorised over the samples: each level's runs summed in order at once."""
    index = np.flatnonzero(kept)
    level = values[index]
    dtype = values.dtype.type
    mask = (1 << power) - 1
    depth = np.zeros(index.size, np.int64)   # how many partials each sample flushes up
    alive = np.ones(index.size, bool)
    for j in range(CASCADE_LEVELS - 1):
        alive &= ((index >> (j * power)) & mask) == 0
        depth += alive
    total = dtype(0)
    for j in range(CASCADE_LEVELS):
        ends = depth > j                     # the samples after which partial j moves up
        segment = np.cumsum(ends) - ends     # which run of partial j each value falls in
        sums = _sequential_segment_sums(level, segment, int(ends.sum()) + 1)
        total = dtype(total + sums[-1])      # what partial j holds at the end
        level, depth = sums[:-1], depth[ends]
    return total


def reduce(loss, reduction, sum_forward):
    """PyTorch's apply_loss_reduction: the tensor sum (sum_forward), mean = sum / n."""
    if reduction == 'none':
        return loss
    if reduction == 'mean' and not loss.size:
        return np.asarray(np.nan, loss.dtype)
    total = sum_forward(loss, None, False)
    if reduction == 'mean':
        total = total / loss.dtype.type(loss.size)
    return np.asarray(total, loss.dtype)


def norm(reduction, n, scale, dtype):
    """A gradient kernel's `norm` (scale / n for 'mean', in double) as its dtype."""
    return dtype.type(scale / n if reduction == 'mean' else scale)


def _block(dtype):
    """The loss gradients' vector step: 2 * Vec<T>::size() of the AVX2 build, 64 bytes of
    dtype, on AVX2 and AVX512 CPUs alike (PyTorch builds these kernels without AVX512).
    Measured: 16 float32 and 8 float64 elements on both."""
    return 64 // dtype.itemsize


def vector_mask(shape, dtype, contiguous=True):
    """Which elements of a cpu_kernel_vec loop over `shape` take the vector lambda (all false
    where the loop is not contiguous: PyTorch's basic loop is scalar)."""
    n = int(np.prod(shape))
    out = np.zeros(n, bool)
    if contiguous:
        threads = _sleef._threads() if n > _sleef.GRAIN_SIZE else 1
        for begin, vector_end, _ in _sleef.sigmoid_layout(n, threads, _block(dtype)):
            out[begin:vector_end] = True
    return out.reshape(shape)


def _contiguous(*arrays):
    return all(a.flags.c_contiguous for a in arrays if a.ndim)


def mse_backward(x, y, gy, reduction):
    """norm * (x - y) * gy, left to right, norm = 2 (/ n)."""
    return norm(reduction, x.size, 2.0, x.dtype) * (x - y) * gy


def smooth_l1_backward(x, y, gy, reduction, beta):
    """Vector: norm * (+-1 beyond beta, else d / beta) * gy, beta a float; scalar: +-norm * gy
    beyond beta, else norm * d * gy / beta, beta a double (compared and divided by)."""
    dt = x.dtype.type
    nv = norm(reduction, x.size, 1.0, x.dtype)
    if (fused := _lane_kernel(0, x, y, gy, nv, beta)) is not None:
        return fused
    d = x - y

    def vector():
        b = dt(beta)
        if not beta > 0:
            outside = np.where(d > 0, dt(1), dt(-1))
            return nv * np.where(np.abs(d) >= b, outside, d / b) * gy
        # with beta > 0 no zero (and no nan) is beyond it, so +-1 is d's sign: fewer calls
        slope = d / b
        np.copysign(dt(1), d, out=slope, where=np.abs(d) >= b)
        slope *= nv
        return slope * gy

    def scalar():                   # beta stays a double: the comparisons too
        inside = ((nv * d * gy).astype(np.float64) / beta).astype(x.dtype)
        wide = d.astype(np.float64)
        return np.where(wide <= -beta, -nv * gy, np.where(wide >= beta, nv * gy, inside))
    return _by_lane(vector, scalar, x, y, gy)


def huber_forward(x, y, reduction, delta, sum_forward):
    """0.5 z z where z = |x - y| < delta, else delta (z - 0.5 delta), in the dtype."""
    dt = x.dtype.type
    z = np.abs(x - y)
    half = dt(0.5)
    loss = np.where(z < dt(delta), half * z * z, dt(delta) * (z - half * dt(delta)))
    return reduce(loss.astype(x.dtype, copy=False), reduction, sum_forward)


def huber_backward(x, y, gy, reduction, delta):
    """Vector: norm * (+-delta beyond delta, else d) * gy, delta a float; scalar: +-norm * gy
    * delta (the last product in double) beyond, else norm * d * gy, delta a double."""
    dt = x.dtype.type
    nv = norm(reduction, x.size, 1.0, x.dtype)
    if (fused := _lane_kernel(1, x, y, gy, nv, delta)) is not None:
        return fused
    d = x - y

    def vector():
        sign = np.where(d > 0, dt(1), dt(-1))
        return nv * np.where(np.abs(d) >= dt(delta), sign * dt(delta), d) * gy

    def scalar():                   # delta stays a double: the comparisons too
        beyond = ((nv * gy).astype(np.float64) * delta).astype(x.dtype)
        wide = d.astype(np.float64)
        return np.where(wide <= -delta, -beyond, np.where(wide >= delta, beyond, nv * d * gy))
    return _by_lane(vector, scalar, x, y, gy)


def _lane_kernel(kind, x, y, gy, nv, param):
    """smooth_l1's (kind 0) or huber's (kind 1) gradient by numba_kernels/loss.py's
    lane_grads, the same bits as the NumPy forms here in one pass (2^20 float32, 'mean':
    25 ms in NumPy); None where those run: Numba off, or not loaded and x small, or a
    layout the kernel does not take (anything but contiguous x with a y of its shape, or a
    one-element y beside a whole gy; gy whole or one value; one float dtype)."""
    size = x.size
    parallel = numba_dispatch.parallel_pays('elementwise_fused', size)
    if not numba_dispatch.kernel_pays('elementwise_fused', size) and not (
            numba_dispatch.settings.enabled and 'numba' in sys.modules
            and size >= numba_dispatch.SERIAL_FROM['elementwise_fused']):
        return None
    gy = np.asarray(gy)
    dtype = x.dtype
    if (dtype not in _FLOATS or y.dtype != dtype or gy.dtype != dtype or type(x) is not
            np.ndarray or type(y) is not np.ndarray or not _contiguous(x, y, gy)):
        return None
    whole_gy = gy.shape == x.shape
    if not (y.shape == x.shape or (y.size == 1 and whole_gy)) or not (whole_gy or gy.size == 1):
        return None
    threads = _sleef._threads() if size > _sleef.GRAIN_SIZE else 1
    layout = np.array(_sleef.sigmoid_layout(size, threads, _block(dtype)),
                      np.int64).reshape(-1, 3)
    out = np.empty(x.shape, dtype)
    kernels = numba_dispatch._kernel_module('loss')
    ys, gys = y.reshape(-1), gy.reshape(-1)
    args = (kind, x.reshape(-1), ys if y.size > 1 else None, ys[0], gys if whole_gy else None,
            gys[0], nv, float(param), layout, out.reshape(-1))
    if parallel:
        exact_sum.launch(kernels.lane_grads, *args)
    else:
        kernels.lane_grads_serial(*args)
    return out


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _by_lane(vector, scalar, x, y, gy):
    """vector() where PyTorch's loop takes the vector lambda, scalar() elsewhere, at x's
    shape and dtype; each is computed only when some element takes it (a small tensor of whole
    blocks is all vector, a broadcast one all scalar). The loop is vectorised when at most one
    operand (x, y, gy) is a broadcast scalar: a one-element y with a whole gy ('none') is laid
    out as equal shapes; a broadcast y with a 0-d gy, or other broadcasts, are scalar."""
    if x.shape != y.shape and not (y.size == 1 and np.shape(gy) == x.shape):
        lanes = False
    elif x.size <= _sleef.GRAIN_SIZE and _contiguous(x, y):    # one chunk: blocks, then a tail
        vector_end = x.size // _block(x.dtype) * _block(x.dtype)
        lanes = True if vector_end == x.size else False if vector_end == 0 else None
    else:
        lanes = None
    if lanes is None:
        lanes = vector_mask(x.shape, x.dtype, _contiguous(x, y))
        out = np.where(lanes, vector(), scalar())
    else:
        out = vector() if lanes else scalar()
    return out.astype(x.dtype, copy=False)
