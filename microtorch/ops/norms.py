"""layer_norm, batch_norm and group_norm as one op each on the CPU (float32/float64), forward
and backward by PyTorch's kernels' roundings (backends/torch_norms.py, torch_batch_norm.py,
torch_group_norm.py), so that their numbers are PyTorch's bits.

A plain backward runs PyTorch's backward kernel (`backward_data`); a backward that builds a
graph (create_graph=True) computes the same gradients from differentiable ops instead:
    xhat = (x - mean) * rstd,  g = dy * gamma,
    dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dgamma = sum(dy * xhat),  dbeta = sum(dy)
(the means over the normalised dims, the sums over the others), equal up to rounding;
batch_norm's the same over dims (0, 2, 3, ...) in training, dx = dy * rstd * gamma in
evaluation (the running statistics are constants there); group_norm's means over each
sample's group of channels and positions, gamma per channel.
"""
import math

import numpy as np

from .. import _layout
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..backends import torch_batch_norm, torch_group_norm, torch_norms
from ..tensor import Tensor


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



# ---- batch_norm ----------------------------------------------------------------------------

def channel_norm_exact(x, *params):
    """Does this batch_norm or group_norm take PyTorch's CPU kernels here: float32/float64
    arrays of one dtype (params: tensors or None), an input of at least 2 dims, none empty,
    the input C-contiguous or in no layout that PyTorch gives kernels of their own (channels
    last: not written here)?"""
    data = x._data
    return (data.ndim >= 2 and type(data) is np.ndarray
            and (data.flags.c_contiguous or not _channels_last(data))
            and exact_cpu(data, *(None if t is None else t._data for t in params)))


def _channels_last(a):
    """Is a 4-d or 5-d array dense with its channels innermost (PyTorch's channels last)?"""
    if a.ndim not in (4, 5):
        return False
    return _layout.is_dense_in(a, (0,) + tuple(range(2, a.ndim)) + (1,))


def _planes(a):
    """An (N, C, *) array as contiguous (N, C, L)."""
    return np.ascontiguousarray(a).reshape(a.shape[0], a.shape[1], -1)


def _vector(t):
    return None if t is None else np.ascontiguousarray(t._data).reshape(-1)


def batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps):
    """F.batch_norm by PyTorch's kernels: the statistics (and the running ones' update, in
    place) here, the normalisation and its gradients in BatchNorm."""
    data = x._data
    with np.errstate(all='ignore'):          # inf and nan pass through, as in PyTorch
        if training:
            n = data.size // data.shape[1]
            if data.flags.c_contiguous:
                mean, var_sum = torch_batch_norm.collect_stats(_planes(data))
                invstd = torch_batch_norm.save_invstd(var_sum, n, eps)
                update = torch_batch_norm.running_update
            else:                            # PyTorch's generic loop, in float64
                mean, var_sum, invstd = torch_batch_norm.strided_stats(data, eps)
                update = torch_batch_norm.running_update_wide
            new_mean, new_var = update(_vector(running_mean), _vector(running_var), mean,
                                       var_sum, n, momentum)
            for stat, new in ((running_mean, new_mean), (running_var, new_var)):
                if stat is not None:
                    _store_running(stat, new)
        else:
            mean = _vector(running_mean)
            invstd = torch_batch_norm.eval_invstd(_vector(running_var), eps)
    return BatchNorm.apply(x, weight, bias, mean, invstd, training, _vector(running_var), eps)


def _store_running(stat, new):
    """stat.copy_(new) under no_grad: straight into a plain buffer's array (a copy_ costs a
    small batch's forward ~40 us), through copy_'s checks for anything else (a view)."""
    data = stat._data
    if stat._base is None and not stat._requires_grad and data.flags.writeable:
        data[...] = new.reshape(data.shape)
        stat._version_counter[0] += 1
        return
    with no_grad():
        stat.copy_(Tensor._make(new.reshape(stat.shape)))


class BatchNorm(Function):
    node_name = 'NativeBatchNormBackward0'

    @staticmethod
    def forward(ctx, x, weight, bias, mean, invstd, training, running_var, eps):
        with np.errstate(all='ignore'):
            if x.flags.c_contiguous:
                y = torch_batch_norm.forward(_planes(x), mean, invstd, _flat(weight),
                                             _flat(bias))
            else:                    # PyTorch's generic loop
                y = torch_batch_norm.strided_forward(x, mean, invstd, _flat(weight),
                                                     _flat(bias))
        ctx.save_for_backward(x, weight, bias)
        if not training:                     # the backward kernel's own rounding of it
            with np.errstate(all='ignore'):
                invstd = torch_batch_norm.backward_eval_invstd(running_var, eps)
        ctx.mean, ctx.invstd, ctx.training, ctx.eps = mean, invstd, training, eps
        return y.reshape(x.shape)

    @staticmethod
    def backward_data(ctx, gy):
        x, weight, bias = ctx.saved_data
        need = ctx.needs_input_grad
        with np.errstate(all='ignore'):
            if gy.flags.c_contiguous and x.flags.c_contiguous:
                dx, dweight, dbias = torch_batch_norm.backward(
                    _planes(gy), _planes(x), _flat(weight), ctx.mean, ctx.invstd,
                    ctx.training, need[0])
            else:         # a broadcast gradient, a strided input: PyTorch's generic loop
                dx, dweight, dbias = torch_batch_norm.strided_backward(
                    gy, x, _flat(weight), ctx.mean, ctx.invstd, ctx.training, need[0])
        return _shaped_grads(need, (x, weight, bias), (dx, dweight, dbias)) + (None,) * 5

    @staticmethod
    def backward(ctx, gy):
        x, weight, bias = ctx.saved_tensors
        dims = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        need = ctx.needs_input_grad
        if ctx.training:
            mean = x.mean(dims, keepdim=True)
            rstd = (x.var(dims, unbiased=False, keepdim=True) + ctx.eps).rsqrt()
        else:
            mean = Tensor._make(ctx.mean.reshape(shape))
            rstd = Tensor._make(ctx.invstd.reshape(shape))
        xhat = (x - mean) * rstd
        g = gy if weight is None else gy * weight.reshape(shape)
        dx = None
        if need[0]:
            dx = rstd * (g - g.mean(dims, keepdim=True)
                         - xhat * (g * xhat).mean(dims, keepdim=True)) if ctx.training \
                else g * rstd
        dweight = (gy * xhat).sum(dims) if need[1] else None
        dbias = gy.sum(dims) if need[2] else None
        return dx, dweight, dbias, None, None, None, None, None


def _shaped_grads(need, inputs, grads):
    """The gradients of (input, weight, bias) in their shapes, None where not needed."""
    return tuple(g.reshape(a.shape) if wanted else None
                 for wanted, a, g in zip(need, inputs, grads))


def _flat(a):
    return None if a is None else np.ascontiguousarray(a).reshape(-1)


# ---- group_norm ----------------------------------------------------------------------------

class GroupNorm(Function):
    node_name = 'NativeGroupNormBackward0'

    @staticmethod
    def forward(ctx, x, weight, bias, groups, eps):
        with np.errstate(all='ignore'):          # inf and nan pass through, as in PyTorch
            y, mean, rstd = torch_group_norm.forward(_planes(x), groups, _flat(weight),
                                                     _flat(bias), eps)
        ctx.save_for_backward(x, weight, bias)
        ctx.mean, ctx.rstd, ctx.groups, ctx.eps = mean, rstd, groups, eps
        return y.reshape(x.shape)

    @staticmethod
    def backward_data(ctx, gy):
        x, weight, bias = ctx.saved_data
        need = ctx.needs_input_grad
        with np.errstate(all='ignore'):
            dx, dweight, dbias = torch_group_norm.backward(
                _planes(gy), _planes(x), ctx.mean, ctx.rstd, _flat(weight), ctx.groups,
                need[0], need[1], need[2])
        return _shaped_grads(need, (x, weight, bias), (dx, dweight, dbias)) + (None, None)

    @staticmethod
    def backward(ctx, gy):
        x, weight, bias = ctx.saved_tensors
        grouped = (x.shape[0], ctx.groups, -1)
        xg = x.reshape(grouped)
        mean = xg.mean(-1, keepdim=True)
        rstd = (xg.var(-1, unbiased=False, keepdim=True) + ctx.eps).rsqrt()
        xhat = (xg - mean) * rstd
        need = ctx.needs_input_grad
        dx = None
        if need[0]:
            channels = (1, -1) + (1,) * (x.ndim - 2)
            g = (gy if weight is None else gy * weight.reshape(channels)).reshape(grouped)
            dx = (rstd * (g - g.mean(-1, keepdim=True)
                          - xhat * (g * xhat).mean(-1, keepdim=True))).reshape(x.shape)
        dims = (0,) + tuple(range(2, x.ndim))
        dweight = (gy * xhat.reshape(x.shape)).sum(dims) if need[1] else None
        dbias = gy.sum(dims) if need[2] else None
        return dx, dweight, dbias, None, None
