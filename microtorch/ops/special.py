"""The gamma family and the error function's relatives: lgamma, digamma, polygamma, erfinv,
erfc, ndtri, i0, i1 (fused kernel pairs, ops/elementwise.py), and the composites built on them and
on other ops: mvlgamma, xlog1py, entr, ndtr, log_ndtr. Arguments are checked with
PyTorch's messages before anything runs. microtorch.special gives them torch.special's names.
"""
import math
import operator

from .. import _dtype
from ..autograd.function import Function
from ..creation import arange
from ..tensor import Tensor
from . import composite as C
from . import elementwise as E
from . import functional as F


def _whole(value, function, name, position):
    """An int argument as PyTorch's parser takes it (bool refused, an index-like accepted)."""
    if isinstance(value, bool) or not hasattr(type(value), '__index__'):
        raise TypeError(f"{function}(): argument '{name}' (position {position}) must be int, "
                        f'not {type(value).__name__}')
    return operator.index(value)


def lgamma(input):
    """log |Gamma(x)|: inf at 0 and the negative integers."""
    return E.Lgamma.apply(F._floating(input))


def digamma(input):
    """Gamma'(x) / Gamma(x): -inf at +0 (+inf at -0), nan at the negative integers."""
    return E.Digamma.apply(F._floating(input))


def polygamma(n, input, *, _function='polygamma', _position=1):
    """The n-th derivative of digamma (n >= 0; polygamma(0, x) is digamma(x))."""
    n = _whole(n, _function, 'n', _position)
    if n < 0:
        raise RuntimeError('polygamma(n, x) does not support negative n.')
    return E.Polygamma.apply(F._floating(input), n)


def polygamma_method(self, n):
    """Tensor.polygamma(n): polygamma(n, self)."""
    return polygamma(n, self)


def erfinv(input):
    """The inverse of erf on [-1, 1]: +-inf at +-1, nan outside."""
    return E.Erfinv.apply(F._floating(input))


def erfc(input):
    """1 - erf(x), without the cancellation for large x."""
    return E.Erfc.apply(F._floating(input))


def mvlgamma(input, p, *, _function='mvlgamma', _position=2):
    """The multivariate log-gamma function of dimension p: the sum of lgamma(x - i/2) over
    i < p, plus p (p - 1) / 4 log(pi)."""
    p = _whole(p, _function, 'p', _position)
    if input.dtype is _dtype.bool_:
        raise RuntimeError('The input tensor may not be a boolean tensor.')
    if p < 1:
        raise RuntimeError('p has to be greater than or equal to 1')
    x = F._floating(input)
    halves = F.mul(arange(p, dtype=x.dtype, device=x.device), -0.5)
    terms = lgamma(F.add(F.unsqueeze(x, -1), halves))
    return F.add(F.sum(terms, -1), p * (p - 1) / 4 * math.log(math.pi))


def mvlgamma_method(self, p):
    """Tensor.mvlgamma(p) (its p is argument 1)."""
    return mvlgamma(self, p, _position=1)


def xlog1py(input, other):
    """input * log1p(other), 0 where input is 0 (unless other is nan); the gradients as
    PyTorch's (see composite.xlogy)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError('special_xlog1py() received an invalid combination of arguments - got '
                        f'({type(input).__name__}, {type(other).__name__}), but expected one '
                        'of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n'
                        ' * (Number self, Tensor other, *, Tensor out = None)\n'
                        ' * (Tensor input, Number other, *, Tensor out = None)\n')
    return C.x_times_log(input, other, F.log1p, -1)


class Entr(Function):
    """-x log x for x > 0, 0 at 0, -inf below; its gradient is -(1 + log x) everywhere, as
    PyTorch's (inf at 0, nan below 0)."""
    elementwise = True
    node_name = 'SpecialEntrBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        b = ctx.backend
        y = b.neg_forward(b.mul_forward(x, b.log_forward(x)))
        y = b.where_forward(b.compare(b.xp.less, x, 0), -math.inf, y)
        return b.where_forward(b.compare(b.xp.equal, x, 0), 0, y)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        return F.mul(gy, F.neg(F.add(F.log(x), 1)))

    @staticmethod
    def backward_data(ctx, gy):
        x, = ctx.saved_data
        b = ctx.backend
        return b.mul_forward(gy, b.neg_forward(b.add_forward(b.log_forward(x), 1)))


def entr(input):
    """The elementwise entropy -x log x (0 at 0, -inf for x < 0)."""
    return Entr.apply(F._floating(input))


_SQRT1_2 = math.sqrt(0.5)


def ndtr(input):
    """The standard normal CDF, (1 + erf(x / sqrt 2)) / 2 as PyTorch computes it (0 below
    about -8.3 in float64, where 1 + erf rounds to 0)."""
    return F.mul(F.add(F.erf(F.mul(F._floating(input), _SQRT1_2)), 1), 0.5)


def ndtri(input):
    """The standard normal quantile (the inverse of ndtr): -inf at 0, inf at 1, nan outside
    [0, 1]; accurate in both tails."""
    return E.Ndtri.apply(F._floating(input))


# log_ndtr below LOW uses the asymptotic series of the normal tail (erfc would underflow):
# Phi(x) = phi(x) / -x * sum_k (-1)^k (2k-1)!! / x^2k, to 12 terms (1e-17 at -20, 3e-10 at -10)
_LOW = {_dtype.float64: -20.0, _dtype.float32: -10.0}
_TAIL_TERMS = 12
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def log_ndtr(input):
    """log Phi(x) without underflow: log1p(-erfc(x / sqrt 2) / 2) from -1 up, log(erfc(-x /
    sqrt 2) / 2) below, and the tail's asymptotic series far below. Each piece sees inputs
    clamped to its range, so the others' values never reach the gradient."""
    x = F._floating(input)
    low = _LOW.get(x.dtype, -10.0)
    upper = F.log1p(F.mul(erfc(F.mul(F.clamp(x, min=-1.0), _SQRT1_2)), -0.5))
    middle = F.log(F.mul(erfc(F.mul(F.clamp(x, low, -1.0), -_SQRT1_2)), 0.5))
    far = F.clamp(x, max=low)
    w = F.reciprocal(F.mul(far, far))
    series = 1.0
    for k in range(_TAIL_TERMS, 0, -1):          # Horner: 1 - w (1 - 3 w (1 - 5 w (...)))
        series = F.add(F.neg(F.mul(F.mul(w, 2 * k - 1), series)), 1.0)
    tail = F.sub(F.sub(F.mul(F.mul(far, far), -0.5), F.log(F.neg(far))), _HALF_LOG_2PI)
    tail = F.add(tail, F.log(series))
    return F.where(F.lt(x, -1.0), F.where(F.lt(x, low), tail, middle), upper)


def i0(input):
    """The modified Bessel function of the first kind of order 0."""
    return E.I0.apply(F._floating(input))


def i1(input):
    """The modified Bessel function of the first kind of order 1."""
    return E.I1.apply(F._floating(input))


def special_round(input, *, decimals=0):
    """torch.special.round: round of floating-point tensors (integers are refused)."""
    F._refuse_dtype(input, 'round_vml_cpu' if input.device.type == 'cpu' else 'round_cuda',
                    ('b', 'i', 'u'))
    return F.round(input, decimals=decimals)
