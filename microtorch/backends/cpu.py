"""CPU backend: NumPy arrays and a forward/backward primitive pair per op.

Ops call these by name (`backend.sigmoid_backward(y, gy)`); the CUDA backend offers the same
names over CuPy arrays and our kernels. Every primitive takes and returns arrays (a Python
scalar is accepted where the op allows one) and never mutates its inputs unless it says so.
"""
import warnings

import numpy as np

from .._device import CPU

name = 'cpu'
xp = np
device = CPU

# NumPy warns on log(0), 1/0, overflow...; PyTorch returns inf/nan silently, and so do we.
# The filter matches only warnings raised from microtorch's modules (ufuncs warn from their
# caller's frame), so users' own NumPy code keeps its warnings.
warnings.filterwarnings('ignore', category=RuntimeWarning, module=r'microtorch\.')


def asarray(value, np_dtype=None):
    return np.asarray(value, dtype=np_dtype)


def to_host(array):
    return array


def from_host(array, device=None):
    return array


def device_of(array):
    return CPU


def empty(shape, np_dtype):
    return np.empty(shape, np_dtype)


def zeros(shape, np_dtype):
    return np.zeros(shape, np_dtype)


def full(shape, value, np_dtype):
    return np.full(shape, value, np_dtype)


# ---- elementwise unary: <op>_forward(x) and <op>_backward(saved, gy) --------------------
# `saved` is x or y, whichever the derivative is cheaper from (see ops/elementwise.py).

def neg_forward(x):
    return np.negative(x)


def neg_backward(_unused, gy):
    return np.negative(gy)


def abs_forward(x):
    return np.abs(x)


def abs_backward(x, gy):
    return gy * np.sign(x)


def exp_forward(x):
    return np.exp(x)


def exp_backward(y, gy):
    return gy * y


def log_forward(x):
    return np.log(x)


def log_backward(x, gy):
    return gy / x


def sqrt_forward(x):
    return np.sqrt(x)


def sqrt_backward(y, gy):
    return gy / (y + y)


def sin_forward(x):
    return np.sin(x)


def sin_backward(x, gy):
    return gy * np.cos(x)


def cos_forward(x):
    return np.cos(x)


def cos_backward(x, gy):
    return -gy * np.sin(x)


def tanh_forward(x):
    return np.tanh(x)


def tanh_backward(y, gy):
    return gy * (1 - y * y)


def sigmoid_forward(x):
    # exp(-|x|) never overflows: x >= 0 gives 1/(1+e), x < 0 gives e/(1+e).
    e = np.exp(-np.abs(x))
    y = 1 / (1 + e)
    return np.where(x >= 0, y, e * y)


def sigmoid_backward(y, gy):
    return gy * y * (1 - y)


def reciprocal_forward(x):
    return 1 / x


def reciprocal_backward(y, gy):
    return -gy * y * y


def relu_forward(x):
    return np.maximum(x, 0)


def relu_backward(y, gy):
    return np.where(y > 0, gy, 0).astype(gy.dtype, copy=False)


def clamp_forward(x, lo, hi):
    if lo is not None:
        x = np.maximum(x, lo)
    if hi is not None:
        x = np.minimum(x, hi)
    return x


def clamp_backward(x, gy, lo, hi):
    keep = np.ones(x.shape, bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    return np.where(keep, gy, 0).astype(gy.dtype, copy=False)


def pow_scalar_forward(x, exponent):
    return np.power(x, exponent)


def pow_scalar_backward(x, gy, exponent):
    if exponent == 0:
        return np.zeros_like(gy)
    return gy * exponent * np.power(x, exponent - 1)


# ---- elementwise binary (broadcasting) ------------------------------------------------

add_forward = np.add
sub_forward = np.subtract
mul_forward = np.multiply
div_forward = np.true_divide
pow_forward = np.power
maximum_forward = np.maximum
minimum_forward = np.minimum


def where_forward(cond, a, b):
    return np.where(cond, a, b)


def compare(op, a, b):
    return op(a, b)


def maximum_backward(a, b, gy):
    """Grads of maximum(a, b): the larger side takes gy, ties split it in half (PyTorch)."""
    half = gy * 0.5
    ga = np.where(a > b, gy, np.where(a == b, half, 0)).astype(gy.dtype, copy=False)
    gb = np.where(b > a, gy, np.where(a == b, half, 0)).astype(gy.dtype, copy=False)
    return ga, gb


def minimum_backward(a, b, gy):
    return maximum_backward(b, a, gy)


# ---- reductions --------------------------------------------------------------------------

def sum_forward(x, dims, keepdim):
    return np.sum(x, axis=dims, keepdims=keepdim)


def sum_to_shape(g, shape):
    """Undo broadcasting: sum `g` down to `shape` (leading dims, then size-1 dims)."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if lead:
        g = g.reshape(shape)
    return g


def var_forward(x, dims, correction, keepdim):
    return np.var(x, axis=dims, ddof=correction, keepdims=keepdim)


def max_forward(x, dims, keepdim):
    return np.max(x, axis=dims, keepdims=keepdim)


def min_forward(x, dims, keepdim):
    return np.min(x, axis=dims, keepdims=keepdim)


def argmax(x, dim, keepdim):
    return np.argmax(x, axis=dim, keepdims=keepdim)


def argmin(x, dim, keepdim):
    return np.argmin(x, axis=dim, keepdims=keepdim)


def _along_dim_index(index, dim):
    """The full NumPy index that picks x[..., index[i...], ...] along dim at each i."""
    grids = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    grids[dim] = index
    return tuple(grids)


def gather(x, index, dim):
    return x[_along_dim_index(index, dim)]


def scatter_add(index, values, dim, shape):
    """Zeros of `shape` plus `values` added at `index` along `dim`; repeated indices add."""
    out = np.zeros(shape, values.dtype)
    np.add.at(out, _along_dim_index(index, dim), values)
    return out


def logsumexp_forward(x, dims, keepdim):
    m = np.max(x, axis=dims, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)          # all -inf (or inf) rows: shift by nothing
    out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dims)


def softmax_forward(x, dim):
    e = np.exp(x - np.max(x, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def softmax_backward(y, gy, dim):
    yg = y * gy
    return yg - y * np.sum(yg, axis=dim, keepdims=True)


def log_softmax_forward(x, dim):
    shifted = x - np.max(x, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def log_softmax_backward(y, gy, dim):
    return gy - np.exp(y) * np.sum(gy, axis=dim, keepdims=True)


# ---- matrix products, shapes, indexing ---------------------------------------------------

matmul = np.matmul


def concatenate(arrays, dim):
    return np.concatenate(arrays, axis=dim)


def stack(arrays, dim):
    return np.stack(arrays, axis=dim)


def index_backward(index, gy, shape, accumulate):
    """Zeros of `shape` with gy written at `index`; repeated indices add when accumulate."""
    out = np.zeros(shape, gy.dtype)
    if accumulate:
        np.add.at(out, index, gy)
    else:
        out[index] = gy
    return out
