"""group_norm on the CPU in PyTorch's order, forward and backward, so that float32 and float64
give PyTorch's bits: its contiguous kernels (aten/src/ATen/native/cpu/group_norm_kernel.cpp,
AVX2's vectors of W = 32 bytes of the dtype), with the multiply-adds that its build fuses
(each `fma` below; found by comparing with torch). x is (N, C, HxW), C-contiguous; a group
(n, g) is the D * HxW elements of its D = C / G channels, one row of x.reshape(N * G, -1).

forward:  mean, var = RowwiseMoments(row) (Welford, torch_moments);
          rstd = 1 / sqrt(max(var, 0) + eps) in float64 (eps stays a double), rounded;
          no gamma nor beta: y = (x - mean) * rstd; else per channel c of group g:
          scale = rstd * gamma[c], bias = fma(-scale, mean, beta[c]), y = fma(scale, x, bias).
backward: ds[n, c] = sum dy * x, db[n, c] = sum dy over HxW (map2_reduce_all, reduce_all);
          per group: ds_g, db_g = sum_c ds * gamma, sum_c db * gamma (W lanes fused, the
          lanes added in order from 0, then the last D % W channels fused);
          c2 = fma(db_g, mean, -ds_g) * rstd * rstd * rstd * s (s = 1 / (D * HxW)),
          c3 = fma(-(db_g * rstd), s, -c2 * mean), dx = fma(rstd * gamma[c], dy, c2 * x) + c3;
          dgamma[c] = sum_n fma(fma(-db, mean, ds), rstd, acc), dbeta[c] = sum_n db (in n's
          order from 0).
Rows and channels are independent, so the bits do not depend on the thread count. Numba's
kernels (numba_kernels/group_norm.py) run the elementwise passes and the (N, C) loops when
numba_dispatch.fused_kernels gives them; NumPy's arrays the same steps otherwise.
"""
import numpy as np

from . import numba_dispatch
from .exact_sum import lanes, launch
from .torch_moments import rowwise_moments
from .torch_norms import fma, row_dot


def forward(x, groups, gamma, beta, eps):
    """(y, mean, rstd) of an (N, C, HxW) x; gamma and beta (C,) arrays or None; mean and
    rstd (N * groups,)."""
    n, c, hw = x.shape
    t = x.dtype.type
    mean, var = rowwise_moments(x.reshape(n * groups, -1))
    kernels = numba_dispatch.fused_kernels('group_norm', x.size)
    if kernels is not None:          # (NumPy's five calls for rstd took ~4 us of a small call)
        rstd = kernels.group_rstd(var, float(eps))
    else:
        rstd = _rstd(var, eps)
    if kernels is not None:
        y = np.empty(x.shape, x.dtype)
        launch(kernels.normalize, x, mean.reshape(n, groups), rstd.reshape(n, groups),
               np.ones(c, x.dtype) if gamma is None else gamma,
               np.zeros(c, x.dtype) if beta is None else beta,
               gamma is not None or beta is not None, y)
        return y, mean, rstd
    if gamma is None and beta is None:
        y = (x.reshape(n * groups, -1) - mean[:, None]) * rstd[:, None]
        return y.reshape(x.shape), mean, rstd
    scale = np.repeat(rstd.reshape(n, groups), c // groups, axis=1)       # (N, C)
    if gamma is not None:
        scale = scale * gamma
    centre = np.repeat(mean.reshape(n, groups), c // groups, axis=1)
    bias = -scale * centre + t(0) if beta is None else fma(-scale, centre, beta)
    return fma(scale[:, :, None], x, bias[:, :, None]), mean, rstd


def _rstd(var, eps):
    """1 / sqrt(max(var, 0) + eps) in float64, rounded to var's dtype."""
    return (1.0 / np.sqrt(np.maximum(var, 0).astype(np.float64) + eps)).astype(var.dtype)


def backward(dy, x, mean, rstd, gamma, groups, need_dx, need_gamma, need_beta):
    """(dx, dgamma, dbeta) of forward (None where not needed); dy and x (N, C, HxW)."""
    n, c, hw = x.shape
    t = x.dtype.type
    pairs = (n * c, hw)
    # float32's build rounds the last partial vector's products before adding them
    ds = row_dot(dy.reshape(pairs), x.reshape(pairs),
                 fused_tail=x.dtype == np.float64).reshape(n, c)
    db = row_dot(dy.reshape(pairs)).reshape(n, c)
    mean, rstd = mean.reshape(n, groups), rstd.reshape(n, groups)
    kernels = numba_dispatch.fused_kernels('group_norm', x.size)
    dx = dgamma = dbeta = None
    if need_dx:
        dx = _input_grad(dy, x, mean, rstd, gamma, ds, db, groups, kernels)
    if not (need_gamma or need_beta):
        return dx, None, None
    if kernels is not None:
        dgamma, dbeta = kernels.param_grads(ds, db, mean, rstd)
    else:
        per_channel = c // groups
        centre = np.repeat(mean, per_channel, axis=1)
        scale = np.repeat(rstd, per_channel, axis=1)
        terms = fma(-db, centre, ds)
        dgamma = np.zeros(c, x.dtype)
        for i in range(n):
            dgamma = fma(terms[i], scale[i], dgamma)
        # in order from +0 (the + 0: a sum of -0s is +0)
        dbeta = np.add.accumulate(db, axis=0)[-1] + t(0)
    return dx, dgamma if need_gamma else None, dbeta if need_beta else None


def _input_grad(dy, x, mean, rstd, gamma, ds, db, groups, kernels):
    n, c, hw = x.shape
    t = x.dtype.type
    per_channel = c // groups
    s = t(1) / t(per_channel * hw)
    weights = np.ones(c, x.dtype) if gamma is None else gamma
    if kernels is not None:
        ds_g, db_g = kernels.group_sums(ds, db, weights, groups, lanes(x.dtype))
        dx = np.empty(x.shape, x.dtype)
        launch(kernels.input_grad, dy, x, mean, rstd, weights, ds_g, db_g, s, dx)
        return dx
    ds_g, db_g = _group_sums(ds, db, weights, groups)
    c2 = fma(db_g, mean, -ds_g) * rstd * rstd * rstd * s
    c3 = fma(-(db_g * rstd), np.broadcast_to(s, rstd.shape), -c2 * mean)
    c1, c2, c3 = (np.repeat(v, per_channel, axis=1)[:, :, None] for v in (rstd, c2, c3))
    return fma(c1 * weights[:, None], dy, c2 * x) + c3


def _group_sums(ds, db, gamma, groups):
    """CalcDsDb and its tail: each group's sums of ds * gamma and db * gamma over its
    channels, (N, G) each (numba_kernels/group_norm.group_sums' steps)."""
    n, c = ds.shape
    t = ds.dtype.type
    per_channel = c // groups
    w = lanes(ds.dtype)
    vectors = per_channel - per_channel % w
    ds, db = ds.reshape(n, groups, per_channel), db.reshape(n, groups, per_channel)
    g = gamma.reshape(groups, per_channel)
    sums = []
    for part in (ds, db):
        acc = np.zeros((n, groups, w), ds.dtype)
        for j in range(0, vectors, w):
            acc = fma(part[:, :, j:j + w], np.broadcast_to(g[:, j:j + w], acc.shape), acc)
        total = np.full((n, groups), t(0))
        for lane in range(w):
            total = total + acc[:, :, lane]
        for j in range(vectors, per_channel):
            total = fma(part[:, :, j], np.broadcast_to(g[:, j], total.shape), total)
        sums.append(total)
    return sums
