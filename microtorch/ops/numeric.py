"""More torch.* functions made of other ops (no kernels of their own): logit, sinc,
logaddexp2, aminmax, bincount, ravel, sgn, positive. Arguments are checked with PyTorch's
messages before anything runs.
"""
import math

from .. import _dtype, return_types
from .._size import wrap_dim
from ..autograd.function import grad_fn_named
from ..creation import ones_like, zeros
from ..tensor import Tensor
from . import functional as F

_MinMax = return_types.named('aminmax', ('min', 'max'))


def _kernel_name(name, input):
    return f'{name}_cpu' if input.device.type == 'cpu' else f'{name}_cuda'


def logit(input, eps=None):
    """log(p / (1 - p)); with eps, p is clamped to [eps, 1 - eps] first (and the gradient is 0
    outside that range)."""
    p = F._floating(input)
    if eps is not None:
        p = F.clamp(p, eps, 1.0 - eps)
    return F.sub(F.log(p), F.log1p(F.neg(p)))


def sinc(input):
    """sin(pi x) / (pi x), and 1 at x = 0 (where the gradient is 0)."""
    x = F._floating(input)
    at_zero = F.eq(x, 0)
    safe = F.where(at_zero, ones_like(x), x)        # no 0/0 for the branch not taken
    angle = F.mul(safe, math.pi)
    return F.where(at_zero, ones_like(x), F.div(F.sin(angle), angle))


@grad_fn_named('Logaddexp2Backward0')
def logaddexp2(input, other):
    """log2(2^a + 2^b) without overflow: max(a, b) + log2(1 + 2^-|a - b|)."""
    tensor = input if isinstance(input, Tensor) else other
    F.refuse_promoted_dtype(_kernel_name('logaddexp2', tensor), 'iub', input, other)
    input, other = F._in_result_dtype(input, other)
    top = F.maximum(input, other)
    out = F.add(top, F.div(F.log1p(F.exp2(F.neg(F.abs(F.sub(input, other))))), math.log(2)))
    return F.where(F.isinf(top) & F.eq(input, other), top, out)      # inf + inf: not nan


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) of the whole tensor or along dim, as torch.return_types.aminmax."""
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError('aminmax(): cannot compute aminmax over an empty dimension as the '
                               'operation has no identity.')
        if keepdim:
            shape = (1,) * input.ndim
            return _MinMax(F.amin(input).reshape(shape), F.amax(input).reshape(shape))
        return _MinMax(F.amin(input), F.amax(input))
    axis = wrap_dim(dim, input.ndim)
    if input.ndim and input.shape[axis] == 0:
        raise IndexError(f'aminmax: Expected reduction dim {axis} to have non-zero size.')
    return _MinMax(F.amin(input, axis, keepdim), F.amax(input, axis, keepdim))


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ... occurs in a 1-d tensor of non-negative integers (or the
    sum of their weights: float32 weights give float32, other weights float64)."""
    if input._data.dtype.kind in 'fb':
        raise NotImplementedError(f'"{_kernel_name("bincount", input)}" not implemented for '
                                  f"'{F.type_name(input.dtype)}'")
    if minlength < 0:
        raise RuntimeError('minlength should be >= 0')
    if input.ndim != 1 or (input.numel() and F.amin(input).item() < 0):
        raise RuntimeError('bincount only supports 1-d non-negative integral inputs.')
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError('weights should be 1-d and have the same length as input')
    length = max(minlength, F.amax(input).item() + 1 if input.numel() else 0)
    if weights is None:
        counts = zeros(length, dtype=_dtype.int64, device=input.device)
        return F.index_add(counts, 0, input, ones_like(input, dtype=_dtype.int64))
    dtype = _dtype.float32 if weights.dtype is _dtype.float32 else _dtype.float64
    sums = zeros(length, dtype=dtype, device=input.device)
    return F.index_add(sums, 0, input, weights.detach().to(dtype))


def ravel(input):
    """The elements as a 1-d tensor (a view where the layout allows, else a copy)."""
    return F.reshape(input, (-1,))


def sgn(input):
    """sign(x) for real tensors (bools stay bools)."""
    return F.sign(input)


def positive(input):
    """input itself (bools are refused, as `+` on them is)."""
    if input.dtype is _dtype.bool_:
        raise RuntimeError('The `+` operator, on a bool tensor is not supported.')
    return input
