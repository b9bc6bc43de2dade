"""layer_norm as one op on the CPU (float32/float64), forward and backward by PyTorch's
kernels' roundings (backends/torch_norms.py), so that its numbers are PyTorch's bits.

A plain backward runs PyTorch's backward kernel (`backward_data`); a backward that builds a
graph (create_graph=True) computes the same gradients from differentiable ops instead:
    xhat = (x - mean) * rstd,  g = dy * gamma,
    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dgamma = sum(dy * xhat),  dbeta = sum(dy)
(the means over the normalised dims, the sums over the others), equal up to rounding.
"""
import math

import numpy as np

from ..autograd.function import Function
from ..backends import torch_norms


def exact_cpu(*arrays):
    """Do these arrays (None: absent) take PyTorch's CPU kernels here: NumPy float32/float64
    arrays, all of one dtype, none empty?"""
    dtype = None
    for a in arrays:
        if a is None:
            continue
        if type(a) is not np.ndarray or a.dtype.char not in 'fd' or a.size == 0:
            return False
        if dtype is not None and a.dtype != dtype:
            return False
        dtype = a.dtype
    return True


class LayerNorm(Function):
    node_name = 'NativeLayerNormBackward0'

    @staticmethod
    def forward(ctx, x, weight, bias, k, eps):
        n = math.prod(x.shape[x.ndim - k:])
        rows = np.ascontiguousarray(x).reshape(-1, n)
        gamma = None if weight is None else weight.reshape(-1)
        beta = None if bias is None else bias.reshape(-1)
        with np.errstate(all='ignore'):          # inf and nan pass through, as in PyTorch
            y, mean, rstd = torch_norms.layer_norm_forward(rows, gamma, beta, eps)
        ctx.save_for_backward(x, weight, bias)
        ctx.mean, ctx.rstd, ctx.k, ctx.eps = mean, rstd, k, eps
        return y.reshape(x.shape)

    @staticmethod
    def backward_data(ctx, gy):
        x, weight, bias = ctx.saved_data
        n = math.prod(x.shape[x.ndim - ctx.k:])
        need = ctx.needs_input_grad
        with np.errstate(all='ignore'):
            dx, dgamma, dbeta = torch_norms.layer_norm_backward(
                np.ascontiguousarray(gy).reshape(-1, n),
                np.ascontiguousarray(x).reshape(-1, n), ctx.mean, ctx.rstd,
                None if weight is None else weight.reshape(-1), need[1], need[2])
        dx = dx.reshape(x.shape) if need[0] else None
        if dgamma is not None:
            dgamma = dgamma.reshape(weight.shape)
        if dbeta is not None:
            dbeta = dbeta.reshape(bias.shape)
        return dx, dgamma, dbeta, None, None

    @staticmethod
    def backward(ctx, gy):
        x, weight, bias = ctx.saved_tensors
        dims = tuple(range(x.ndim - ctx.k, x.ndim))
        lead = tuple(range(x.ndim - ctx.k))
        mean = x.mean(dims, keepdim=True)
        rstd = (x.var(dims, unbiased=False, keepdim=True) + ctx.eps).rsqrt()
        xhat = (x - mean) * rstd
        need = ctx.needs_input_grad
        g = gy if weight is None else gy * weight
        dx = rstd * (g - g.mean(dims, keepdim=True)
                     - xhat * (g * xhat).mean(dims, keepdim=True)) if need[0] else None
        dgamma = (gy * xhat).sum(lead) if need[1] else None
        dbeta = gy.sum(lead) if need[2] else None
        return dx, dgamma, dbeta, None, None

