"""Numba twins of backends/torch_group_norm.py's loops: the same roundings in the same order
(fma where PyTorch's build fuses), so the same bits as its NumPy path, float32 and float64.
The elementwise kernels take (sample, channel) rows of HxW, a row per task step as PyTorch's
parallel_for over them; the (N, C) steps between them are small and run serially."""
import types

import numba
import numpy as np

from .fma import fma
from .twins import serial_twin

_U = np.uint64          # unsigned indices: no wraparound test, so LLVM can vectorise


@numba.njit(cache=True, parallel=True)
def normalize(x, mean, rstd, gamma, beta, affine, out):
    """out = fma(scale, x, bias) on each (sample, channel) row of x (N, C, HxW), scale =
    rstd * gamma[c] and bias = fma(-scale, mean, beta[c]) from its group's mean and rstd
    (N, G); not affine: out = (x - mean) * rstd."""
    n, channels, size = x.shape
    per = channels // mean.shape[1]
    for row in numba.prange(n * channels):
        i, c = row // channels, row % channels
        m, r = mean[i, c // per], rstd[i, c // per]
        if affine:
            scale = r * gamma[c]
            bias = fma(-scale, m, beta[c])
            for k in range(_U(size)):
                out[i, c, k] = fma(scale, x[i, c, k], bias)
        else:
            for k in range(_U(size)):
                out[i, c, k] = (x[i, c, k] - m) * r


@numba.njit(cache=True, parallel=True)
def input_grad(dy, x, mean, rstd, gamma, ds_g, db_g, s, out):
    """out = fma(c1, dy, c2 * x) + c3 on each (sample, channel) row (N, C, HxW): c1 = rstd *
    gamma[c], c2 = fma(db_g, mean, -ds_g) * rstd^3 * s and c3 = fma(-(db_g * rstd), s,
    -c2 * mean) from its group's values (N, G)."""
    n, channels, size = x.shape
    per = channels // mean.shape[1]
    for row in numba.prange(n * channels):
        i, c = row // channels, row % channels
        g = c // per
        m, r, sum_dx, sum_d = mean[i, g], rstd[i, g], ds_g[i, g], db_g[i, g]
        c1 = r * gamma[c]
        c2 = fma(sum_d, m, -sum_dx) * r * r * r * s
        c3 = fma(-(sum_d * r), s, -c2 * m)
        for k in range(_U(size)):
            out[i, c, k] = fma(c1, dy[i, c, k], c2 * x[i, c, k]) + c3


@numba.njit(cache=True)
def group_sums(ds, db, gamma, groups, lanes):
    """(ds_g, db_g), (N, G) each: each group's sums of ds * gamma and db * gamma over its
    channels (ds, db (N, C)), as CalcDsDb: W lanes fused, the lanes added in order from 0,
    then the last D % W channels fused."""
    n, channels = ds.shape
    per = channels // groups
    vectors = per - per % lanes
    zero = ds.dtype.type(0)
    ds_g = np.empty((n, groups), ds.dtype)
    db_g = np.empty((n, groups), ds.dtype)
    acc_s = np.empty(lanes, ds.dtype)
    acc_b = np.empty(lanes, ds.dtype)
    for i in range(n):
        for g in range(groups):
            acc_s[:] = zero
            acc_b[:] = zero
            base = g * per
            for j in range(0, vectors, lanes):
                for lane in range(lanes):
                    c = base + j + lane
                    acc_s[lane] = fma(ds[i, c], gamma[c], acc_s[lane])
                    acc_b[lane] = fma(db[i, c], gamma[c], acc_b[lane])
            total_s = zero
            total_b = zero
            for lane in range(lanes):
                total_s += acc_s[lane]
                total_b += acc_b[lane]
            for j in range(vectors, per):
                c = base + j
                total_s = fma(ds[i, c], gamma[c], total_s)
                total_b = fma(db[i, c], gamma[c], total_b)
            ds_g[i, g] = total_s
            db_g[i, g] = total_b
    return ds_g, db_g


@numba.njit(cache=True)
def param_grads(ds, db, mean, rstd):
    """(dgamma, dbeta): per channel, fma(fma(-db, mean, ds), rstd, acc) and acc + db over the
    samples in order from 0 (ds, db (N, C); mean, rstd (N, G))."""
    n, channels = ds.shape
    per = channels // mean.shape[1]
    dgamma = np.zeros(channels, ds.dtype)
    dbeta = np.zeros(channels, ds.dtype)
    for i in range(n):
        for c in range(channels):
            g = c // per
            dgamma[c] = fma(fma(-db[i, c], mean[i, g], ds[i, c]), rstd[i, g], dgamma[c])
            dbeta[c] += db[i, c]
    return dgamma, dbeta


@numba.njit(cache=True, error_model='numpy')      # (x / 0: inf, as NumPy)
def group_rstd(var, eps):
    """1 / sqrt(max(var, 0) + eps) in float64, rounded to var's dtype (nan stays nan, as
    np.maximum keeps it)."""
    out = np.empty_like(var)
    for i in range(var.size):
        v = np.float64(var[i])
        if v < 0:
            v = 0.0
        out[i] = 1.0 / np.sqrt(v + eps)
    return out


SERIAL = types.SimpleNamespace(normalize=serial_twin(normalize),
                               input_grad=serial_twin(input_grad),
                               group_sums=group_sums, param_grads=param_grads,
                               group_rstd=group_rstd)
