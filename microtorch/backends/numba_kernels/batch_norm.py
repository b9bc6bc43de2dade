"""Numba twins of backends/torch_batch_norm.py's channel-plane loops: the same roundings in
the same order (fma where PyTorch's compiled kernel fuses), so the same bits as the NumPy
path; the channels (or planes) run in parallel, as PyTorch's parallel_for over them."""
import numba
import numpy as np

from .fma import fma

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
    for p in numba.prange(n_batch * channels):
        i, c = p // channels, p % channels
        m, kc, gm, s, wc = mean[c], k[c], grad_mean[c], invstd[c], w[c]
        for j in range(size):
            if train:
                out[i, c, j] = ((dy[i, c, j] - gm) - (x[i, c, j] - m) * kc) * s * wc
            else:
                out[i, c, j] = dy[i, c, j] * s * wc
    return out
