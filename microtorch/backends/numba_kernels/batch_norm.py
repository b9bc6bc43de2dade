"""Numba twins of backends/torch_batch_norm.py's loops: the same roundings in the same order
(fma where PyTorch's compiled kernel fuses), so the same bits as the NumPy path. Channel
planes (N, C, L) run a channel (or plane) per task, as PyTorch's parallel_for over them; rows
(N, C) run a piece of rows per task, each with its own buffer of C, as PyTorch's rows kernel."""
import types

import numba
import numpy as np

from .fma import fma
from .twins import serial_twin

_U = np.uint64


@numba.njit(cache=True, parallel=True)
def plane_stats(x, fused_from):
    """(mean, var_sum) per channel of x (N, C, L): float64 running sums in memory order, the
    squares from index fused_from of each plane on fused into the sum."""
    n_batch, channels, size = x.shape
    mean = np.empty(channels, x.dtype)
    var_sum = np.empty(channels, x.dtype)
    for c in numba.prange(channels):
        total = 0.0
        for i in range(n_batch):
            for j in range(size):
                total += x[i, c, j]
        mean[c] = total / (n_batch * size)
        m = mean[c]
        total = 0.0
        for i in range(n_batch):
            for j in range(size):
                d = x[i, c, j] - m
                if j >= fused_from:
                    total = fma(np.float64(d), np.float64(d), total)
                else:
                    total += d * d
        var_sum[c] = total
    return mean, var_sum


@numba.njit(cache=True, parallel=True)
def affine(x, alpha, beta):
    """fma(x, alpha[c], beta[c]) over x (N, C, L)."""
    n_batch, channels, size = x.shape
    out = np.empty_like(x)
    if size == 1:                                   # rows: a row per task, not an element
        for i in numba.prange(n_batch):
            for c in range(channels):
                out[i, c, 0] = fma(x[i, c, 0], alpha[c], beta[c])
        return out
    for p in numba.prange(n_batch * channels):
        i, c = p // channels, p % channels
        a, b = alpha[c], beta[c]
        for j in range(size):
            out[i, c, j] = fma(x[i, c, j], a, b)
    return out


@numba.njit(cache=True)
def _lane_total(acc):
    """Vectorized::reduce_add: AVX2's horizontal add for 8 float32 lanes, in order for 4."""
    if acc.size == 8:
        h0, h1, h2, h3 = acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]
        return (h0 + h2) + (h1 + h3)
    total = acc[0]
    for k in range(1, acc.size):
        total += acc[k]
    return total


@numba.njit(cache=True)
def _plane_reduce(x, dy, m, lanes, dot):
    """vec::reduce_all of dy (dot False) or vec::map2_reduce_all of (x - m) * dy (dot True)
    over one plane."""
    size = dy.size
    if size < lanes:
        total = (x[0] - m) * dy[0] if dot else dy[0]
        for j in range(1, size):
            total += (x[j] - m) * dy[j] if dot else dy[j]
        return total
    acc = np.empty(lanes, dy.dtype)
    for j in range(lanes):
        acc[j] = (x[j] - m) * dy[j] if dot else dy[j]
    full = size - size % lanes
    # unsigned indices: a signed one costs a wraparound test per element that keeps LLVM
    # from vectorising (numba_kernels/exact_sum.py)
    for start in range(_U(lanes), _U(full), _U(lanes)):
        for j in range(_U(lanes)):
            acc[j] += (x[start + j] - m) * dy[start + j] if dot else dy[start + j]
    for j in range(_U(size - full)):
        if dot:
            acc[j] = fma(x[_U(full) + j] - m, dy[_U(full) + j], acc[j])
        else:
            acc[j] += dy[_U(full) + j]
    return _lane_total(acc)


@numba.njit(cache=True, parallel=True)
def plane_sums(dy, x, mean, lanes):
    """(sum of dy, sum of (x - mean) * dy) per channel in float64: each plane reduced in
    vectors of `lanes`, the planes added in order."""
    n_batch, channels, size = x.shape
    total = np.empty(channels)
    dotp = np.empty(channels)
    for c in numba.prange(channels):
        s = 0.0
        d = 0.0
        m = mean[c]
        for i in range(n_batch):
            s += _plane_reduce(x[i, c], dy[i, c], m, lanes, False)
            d += _plane_reduce(x[i, c], dy[i, c], m, lanes, True)
        total[c] = s
        dotp[c] = d
    return total, dotp


@numba.njit(cache=True, parallel=True)
def plane_dx(dy, x, mean, k, grad_mean, invstd, w):
    """Training's dx = fma(mean - x, k, dy - grad_mean) * invstd * w over x (N, C, L)."""
    n_batch, channels, size = x.shape
    out = np.empty_like(x)
    for p in numba.prange(n_batch * channels):
        i, c = p // channels, p % channels
        for j in range(size):
            out[i, c, j] = fma(mean[c] - x[i, c, j], k[c], dy[i, c, j] - grad_mean[c]) \
                * invstd[c] * w[c]
    return out


# ---- the generic loop's backward (dy not contiguous: a broadcast, as sum's gradient) --------

@numba.njit(cache=True, parallel=True)
def strided_dotp(dy, x, mean):
    """Per channel of x (N, C, L), the float64 running sum, in memory order, of the float32
    products (x - mean) * dy (dy: any strides)."""
    n_batch, channels, size = x.shape
    dotp = np.empty(channels)
    for c in numba.prange(channels):
        m = mean[c]
        acc = 0.0
        for i in range(n_batch):
            for j in range(size):
                acc += np.float64((x[i, c, j] - m) * dy[i, c, j])
        dotp[c] = acc
    return dotp


@numba.njit(cache=True, parallel=True)
def strided_dx(dy, x, mean, k, grad_mean, invstd, w, train):
    """dx = ((dy - grad_mean) - (x - mean) * k) * invstd * w in training, else
    dy * invstd * w, rounded step by step as the NumPy expressions of strided_backward."""
    n_batch, channels, size = x.shape
    out = np.empty(x.shape, x.dtype)
    if size == 1:                                   # rows: a row per task, not an element
        for i in numba.prange(n_batch):
            for c in range(channels):
                if train:
                    out[i, c, 0] = ((dy[i, c, 0] - grad_mean[c]) - (x[i, c, 0] - mean[c])
                                    * k[c]) * invstd[c] * w[c]
                else:
                    out[i, c, 0] = dy[i, c, 0] * invstd[c] * w[c]
        return out
    for p in numba.prange(n_batch * channels):
        i, c = p // channels, p % channels
        m, kc, gm, s, wc = mean[c], k[c], grad_mean[c], invstd[c], w[c]
        for j in range(size):
            if train:
                out[i, c, j] = ((dy[i, c, j] - gm) - (x[i, c, j] - m) * kc) * s * wc
            else:
                out[i, c, j] = dy[i, c, j] * s * wc
    return out


# ---- the generic loop on a strided input: x3 (A, C, B) walks each channel's elements in the
# order (a, b), TensorIterator's memory order; the channels innermost here (a transposed
# input's channels are adjacent in memory), each channel's float64 sum still in that order.

@numba.njit(cache=True, parallel=True)
def walk_sums(dy, x, mean, chunks, squares):
    """Per channel, the float64 running sum of (x - mean)^2 with x and mean widened first
    (squares: the statistics' var_sum), else of the float32 products (x - mean) * dy (the
    backward's dot product); the channels in `chunks` tasks."""
    outer, channels, inner = x.shape
    total = np.zeros(channels)
    for chunk in numba.prange(chunks):
        begin, end = chunk * channels // chunks, (chunk + 1) * channels // chunks
        for a in range(outer):
            for b in range(inner):
                for c in range(begin, end):
                    if squares:
                        d = np.float64(x[a, c, b]) - np.float64(mean[c])
                        total[c] += d * d
                    else:
                        total[c] += np.float64((x[a, c, b] - mean[c]) * dy[a, c, b])
    return total


@numba.njit(cache=True, parallel=True)
def strided_affine(x, mean, invstd, w, b):
    """y = ((x - mean) * invstd) * w + b of x (N, C, L) (any strides), each step rounded,
    into a new C-ordered array."""
    n_batch, channels, size = x.shape
    out = np.empty(x.shape, x.dtype)
    for p in numba.prange(n_batch * channels):
        i, c = p // channels, p % channels
        m, s, wc, bc = mean[c], invstd[c], w[c], b[c]
        for j in range(size):
            out[i, c, j] = ((x[i, c, j] - m) * s) * wc + bc
    return out


# ---- rows (N, C): PyTorch's "channels last" kernels ---------------------------------------
# `begins`/`ends` are the rows' pieces (torch_batch_norm picks them: at::parallel_for's); each
# piece adds its rows into its own buffer of C in the dtype, and the buffers are then added in
# float64 in piece order. A piece per task keeps each row's C channels one vector loop.

@numba.njit(cache=True)
def _in_piece_order(buffers):
    """The pieces' buffers (pieces, C) added in float64, in piece order."""
    total = np.zeros(buffers.shape[1])
    for p in range(buffers.shape[0]):
        for c in range(buffers.shape[1]):
            total[c] += np.float64(buffers[p, c])
    return total


@numba.njit(cache=True, parallel=True)
def row_stats(x, begins, ends):
    """(mean, var_sum) per channel of x (N, C): the rows summed per piece, the squares of
    (x - mean) fused into a second buffer per piece."""
    rows, channels = x.shape
    buffers = np.zeros((begins.size, channels), x.dtype)
    for p in numba.prange(begins.size):
        for i in range(begins[p], ends[p]):
            for c in range(channels):
                buffers[p, c] += x[i, c]
    mean = (_in_piece_order(buffers) / rows).astype(x.dtype)
    squares = np.zeros((begins.size, channels), x.dtype)
    for p in numba.prange(begins.size):
        for i in range(begins[p], ends[p]):
            for c in range(channels):
                d = x[i, c] - mean[c]
                squares[p, c] = fma(d, d, squares[p, c])
    return mean, _in_piece_order(squares).astype(x.dtype)


@numba.njit(cache=True, parallel=True)
def row_sums(dy, x, mean, begins, ends):
    """(sum of dy, sum of (x - mean) * dy, the products fused) per channel of (N, C), in
    float64."""
    channels = x.shape[1]
    sums = np.zeros((begins.size, channels), x.dtype)
    dots = np.zeros((begins.size, channels), x.dtype)
    for p in numba.prange(begins.size):
        for i in range(begins[p], ends[p]):
            for c in range(channels):
                sums[p, c] += dy[i, c]
                dots[p, c] = fma(x[i, c] - mean[c], dy[i, c], dots[p, c])
    return _in_piece_order(sums), _in_piece_order(dots)


@numba.njit(cache=True, parallel=True)
def row_dx(dy, x, mean, k, grad_mean, invstd, w, fused_up_to):
    """Training's dx = fma(-(x - mean), k, dy - grad_mean) * invstd * w over (N, C); the
    channels from fused_up_to on (the vector loop's tail) unfused: ((dy - grad_mean) -
    (x - mean) * k) * invstd * w."""
    rows, channels = x.shape
    out = np.empty_like(x)
    for i in numba.prange(rows):
        for c in range(fused_up_to):
            out[i, c] = fma(-(x[i, c] - mean[c]), k[c], dy[i, c] - grad_mean[c]) \
                * invstd[c] * w[c]
        for c in range(fused_up_to, channels):
            out[i, c] = ((dy[i, c] - grad_mean[c]) - (x[i, c] - mean[c]) * k[c]) \
                * invstd[c] * w[c]
    return out


@numba.njit(cache=True, error_model='numpy')      # (x / 0: inf, as NumPy)
def save_invstd(var_sum, n, eps):
    """torch_batch_norm.save_invstd per channel: var = var_sum / n in float64 rounded to the
    dtype, then 1 / sqrt(var + eps) in float64 (0 where var and eps are both 0), rounded."""
    out = np.empty_like(var_sum)
    for c in range(var_sum.size):
        var = np.float64(var_sum.dtype.type(np.float64(var_sum[c]) / n))
        if eps == 0 and var == 0:
            out[c] = 0
        else:
            out[c] = 1.0 / np.sqrt(var + eps)
    return out


@numba.njit(cache=True)
def affine_rows(x, mean, invstd, weight, bias):
    """torch_batch_norm._forward of rows (N, C) in one pass: alpha = invstd * weight, beta =
    fma(-mean, alpha, bias) per channel (weight 1 and bias 0 where None: alpha is invstd,
    beta fma(-mean, alpha, 0)), then fma(x, alpha, beta)."""
    rows, channels = x.shape
    alpha = invstd.copy()
    beta = np.zeros_like(mean)
    for c in range(channels):
        if weight is not None:
            alpha[c] = invstd[c] * weight[c]
        if bias is not None:
            beta[c] = bias[c]
        beta[c] = fma(-mean[c], alpha[c], beta[c])
    out = np.empty_like(x)
    for i in range(rows):
        for c in range(channels):
            out[i, c] = fma(x[i, c], alpha[c], beta[c])
    return out


# below the parallel crossover a launch of the threads costs more than the work
affine_serial = serial_twin(affine)
row_stats_serial = serial_twin(row_stats)
row_sums_serial = serial_twin(row_sums)
row_dx_serial = serial_twin(row_dx)

# The channel-plane kernels under the names torch_batch_norm calls, without threads (each
# channel's or plane's work is its own, so the same bits): planes of 2^16 to 2^18 elements
# ran 2x slower in NumPy than here once the parallel crossover rose to 2^18 on the Xeon
# (benchmarks/results/cpu-twin-crossovers-2026-12-05).
SERIAL = types.SimpleNamespace(plane_stats=serial_twin(plane_stats), affine=affine_serial,
                               plane_sums=serial_twin(plane_sums),
                               plane_dx=serial_twin(plane_dx),
                               strided_dotp=serial_twin(strided_dotp),
                               strided_dx=serial_twin(strided_dx),
                               walk_sums=serial_twin(walk_sums),
                               strided_affine=serial_twin(strided_affine))
