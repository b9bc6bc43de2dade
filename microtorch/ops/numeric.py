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
    if eps is not None:     # PyTorch's order, which differs from clamp's when eps > 0.5
        low, high = eps, 1.0 - eps
        p = F.where(F.lt(p, low), low, F.where(F.gt(p, high), high, p))
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
    input = input.long()                    # (uint8, int8, int16 values index as int64)
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


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """The derivative of input estimated along each dim by central differences (second order
    inside, one-sided of order edge_order at the ends), over a uniform `spacing` (a number
    per dim) or over sample coordinates (a 1-d tensor per dim), as numpy.gradient; one tensor
    per dim."""
    dims = list(range(input.ndim)) if dim is None else \
        [dim] if isinstance(dim, int) else list(dim)
    dims = [wrap_dim(d, input.ndim) for d in dims]
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f'dim {d} appears multiple times in the list of dims')
    if edge_order not in (1, 2):
        raise RuntimeError('microtorch.gradient only supports edge_order=1 and edge_order=2.')
    spacings = _gradient_spacings(input, spacing, dim, dims)
    for d in dims:
        if input.shape[d] < edge_order + 1:
            raise RuntimeError('microtorch.gradient expected each dimension size to be at least '
                               'edge_order+1')
    values = F._floating(input)
    return tuple(_gradient_along(values, d, h, edge_order) for d, h in zip(dims, spacings))


def _gradient_spacings(input, spacing, dim, dims):
    """One spacing per dim: a number (uniform samples) or a 1-d tensor of coordinates."""
    if not isinstance(spacing, (list, tuple)):
        return [spacing] * len(dims)
    if len(spacing) != len(dims):
        if dim is None:
            raise RuntimeError('microtorch.gradient expected spacing to be unspecified, a scalar, '
                               "or a list of length equal to 'self.dim() = "
                               f"{input.ndim}', since dim argument was not given, but got a "
                               f'list of length {len(spacing)}')
        raise RuntimeError('microtorch.gradient expected spacing to be unspecified, a scalar or '
                           "it's spacing and dim arguments to have the same length, but got a "
                           f'spacing argument of length {len(spacing)} and a dim argument of '
                           f'length {len(dims)}.')
    for h in spacing:
        if isinstance(h, Tensor) and h.ndim != 1:
            raise RuntimeError('microtorch.gradient expected each element of spacing to have one '
                               f'dimension, but got an element with {h.ndim} dimensions!')
    return list(spacing)


def _gradient_along(f, d, h, edge_order):
    n = f.shape[d]

    def part(start, stop):                     # f[start:stop] along d
        return F.narrow(f, d, start, stop - start)

    def along(coefficients):                   # a 1-d tensor laid out along d
        return F.reshape(coefficients, [-1] + [1] * (f.ndim - d - 1))
    if not isinstance(h, Tensor):
        inner = F.div(F.sub(part(2, n), part(0, n - 2)), 2 * h)
        if edge_order == 1:
            first = F.div(F.sub(part(1, 2), part(0, 1)), h)
            last = F.div(F.sub(part(n - 1, n), part(n - 2, n - 1)), h)
        else:
            first = F.div(F.add(F.sub(F.mul(part(1, 2), 4), F.mul(part(0, 1), 3)),
                                F.neg(part(2, 3))), 2 * h)
            last = F.div(F.add(F.sub(F.mul(part(n - 1, n), 3), F.mul(part(n - 2, n - 1), 4)),
                               part(n - 3, n - 2)), 2 * h)
        return F.cat([first, inner, last], d)
    x = F.cast(h, f.dtype)
    dx = F.sub(x[1:], x[:-1])
    hd, hs = dx[:-1], dx[1:]                    # the steps before and after each inner point
    a = F.div(F.neg(hs), F.mul(hd, F.add(hd, hs)))
    b = F.div(F.sub(hs, hd), F.mul(hd, hs))
    c = F.div(hd, F.mul(hs, F.add(hd, hs)))
    inner = F.add(F.add(F.mul(along(a), part(0, n - 2)), F.mul(along(b), part(1, n - 1))),
                  F.mul(along(c), part(2, n)))
    if edge_order == 1:
        first = F.div(F.sub(part(1, 2), part(0, 1)), along(dx[:1]))
        last = F.div(F.sub(part(n - 1, n), part(n - 2, n - 1)), along(dx[-1:]))
    else:
        d1, d2 = dx[0], dx[1]
        first = F.add(F.add(F.mul(part(0, 1), F.neg(F.div(F.add(F.mul(d1, 2), d2),
                                                           F.mul(d1, F.add(d1, d2))))),
                            F.mul(part(1, 2), F.div(F.add(d1, d2), F.mul(d1, d2)))),
                      F.mul(part(2, 3), F.neg(F.div(d1, F.mul(d2, F.add(d1, d2))))))
        d1, d2 = dx[-2], dx[-1]
        last = F.add(F.add(F.mul(part(n - 3, n - 2), F.div(d2, F.mul(d1, F.add(d1, d2)))),
                           F.mul(part(n - 2, n - 1), F.neg(F.div(F.add(d1, d2),
                                                                  F.mul(d1, d2))))),
                     F.mul(part(n - 1, n), F.div(F.add(F.mul(d2, 2), d1),
                                                 F.mul(d2, F.add(d1, d2)))))
    return F.cat([first, inner, last], d)
