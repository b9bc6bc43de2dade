"""More of torch.special: i0e, i1e, erfcx (differentiable), gammainc/gammaincc (igamma,
igammac: differentiable in x only), zeta (differentiable in q only), and the forward-only Bessel
functions and orthogonal polynomials. The numerics are backend array code in float64
(backends/special_arrays.py, bessel_arrays.py, orthogonal_polynomials.py); here are
PyTorch's argument rules, dtypes, gradients and errors.
"""
import math

import numpy as np

from .. import _dtype
from ..autograd.function import Function, grad_fn_named
from ..backends import bessel_arrays as _bessel
from ..backends import orthogonal_polynomials as _poly
from ..backends import special_arrays as _arrays
from ..backends import for_array as _backend_for
from ..creation import full_like
from ..tensor import Tensor
from . import functional as F
from .special import lgamma


def _refuse(kernel, tensor, dtype, half=True):
    """PyTorch's error for a dtype the kernel lacks: (half) the 16-bit floats, which
    PyTorch's kernels of these functions skip."""
    if half and dtype.is_floating_point and dtype.itemsize == 2:
        raise NotImplementedError(f'"{kernel}_{tensor.device.type}" not implemented for '
                                  f"'{F.type_name(dtype)}'")


def _wide(array):
    return array.astype(np.float64, copy=False)


# ---- the differentiable unary functions -----------------------------------------------------

class _ScaledBessel(Function):
    elementwise = True

    @staticmethod
    def forward(ctx, x, order):
        ctx.save_for_backward(x)
        ctx.order = order
        with np.errstate(all='ignore'):
            return _arrays.bessel_ie(ctx.backend, order, _wide(x)).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        if ctx.order == 0:                  # i0e' = i1e - sgn(x) i0e
            return F.mul(gy, F.sub(i1e(x), F.mul(F.sign(x), i0e(x)))), None
        # i1e' = i0e - i1e (sgn(x) + 1/x), 1/2 at 0
        at_zero = F.eq(x, 0)
        safe = F.where(at_zero, 1.0, x)
        slope = F.sub(i0e(x), F.mul(i1e(x), F.add(F.sign(x), F.reciprocal(safe))))
        return F.mul(gy, F.where(at_zero, 0.5, slope)), None


class SpecialI0E(_ScaledBessel):
    node_name = 'SpecialI0EBackward0'


class SpecialI1E(_ScaledBessel):
    node_name = 'SpecialI1EBackward0'


def i0e(input):
    """e^-|x| I_0(x), the exponentially scaled modified Bessel function of order 0."""
    x = F._floating(input)
    return SpecialI0E.apply(x, 0)


def i1e(input):
    """e^-|x| I_1(x), the exponentially scaled modified Bessel function of order 1."""
    x = F._floating(input)
    return SpecialI1E.apply(x, 1)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class SpecialErfcx(Function):
    elementwise = True
    node_name = 'SpecialErfcxBackward0'

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with np.errstate(all='ignore'):
            return _arrays.erfcx(ctx.backend, _wide(x)).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors                 # erfcx' = 2 x erfcx(x) - 2 / sqrt(pi)
        return F.mul(gy, F.sub(F.mul(F.mul(x, 2.0), erfcx(x)), _TWO_OVER_SQRT_PI))


def erfcx(input):
    """exp(x^2) erfc(x), the scaled complementary error function (no overflow for large x)."""
    x = F._floating(input)
    _refuse('erfcx', x, x.dtype)
    return SpecialErfcx.apply(x)


# ---- the incomplete gamma functions ---------------------------------------------------------

def _require_tensors(function, names, first_position, *values):
    for position, (name, value) in enumerate(zip(names, values), first_position):
        if not isinstance(value, Tensor):
            raise TypeError(f"{function}(): argument '{name}' (position {position}) must be "
                            f'Tensor, not {type(value).__name__}')


class _IncompleteGamma(Function):
    elementwise = True
    upper = False

    @staticmethod
    def forward(ctx, a, x, upper):
        ctx.save_for_backward(a, x)
        ctx.upper = upper
        with np.errstate(all='ignore'):
            return _arrays.incomplete_gamma(ctx.backend, _wide(a), _wide(x), upper).astype(
                x.dtype)

    @staticmethod
    def backward(ctx, gy):
        a, x = ctx.saved_tensors
        name = 'igammac' if ctx.upper else 'igamma'
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{name}: input' is not "
                                      'implemented.')
        # dP/dx = x^(a-1) e^-x / Gamma(a) = -dQ/dx
        density = F.exp(F.sub(F.sub(F.mul(F.sub(a, 1.0), F.log(x)), x), lgamma(a)))
        grad = F.mul(gy, density)
        return None, (F.neg(grad) if ctx.upper else grad), None


class Igamma(_IncompleteGamma):
    node_name = 'IgammaBackward0'


class Igammac(_IncompleteGamma):
    node_name = 'IgammacBackward0'


def _incomplete_gamma(input, other, upper, function, first_position=1):
    _require_tensors(function, ('input', 'other'), first_position, input, other)
    F.check_same_device(input, other)
    dtype = _dtype.result_type([input, other])
    kernel = 'igammac' if upper else 'igamma'
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{kernel}_{input.device.type}" not implemented for '
                                  f"'{F.type_name(dtype)}'")
    a, x = F.broadcast_tensors(F.cast(input, dtype), F.cast(other, dtype))
    return (Igammac if upper else Igamma).apply(a, x, upper)


def gammainc(input, other):
    """The regularized lower incomplete gamma function P(input, other) (torch.igamma)."""
    return _incomplete_gamma(input, other, False, 'special_gammainc')


def gammaincc(input, other):
    """The regularized upper incomplete gamma function Q(input, other) = 1 - P."""
    return _incomplete_gamma(input, other, True, 'special_gammaincc')


def igamma(input, other):
    return _incomplete_gamma(input, other, False, 'igamma')


def igammac(input, other):
    return _incomplete_gamma(input, other, True, 'igammac')


def igamma_method(self, other):
    """Tensor.igamma(other) (its other is argument 1)."""
    _require_tensors('igamma', ('other',), 1, other)
    return igamma(self, other)


def igammac_method(self, other):
    _require_tensors('igammac', ('other',), 1, other)
    return igammac(self, other)


# ---- zeta ----------------------------------------------------------------------------------

def _binary_operands(function, names, first, second):
    """Two operands, a Tensor and a Tensor or a number (PyTorch's three overloads), made
    Tensors of their common dtype (the default float one for integers and bools)."""
    if not isinstance(first, Tensor) and not isinstance(second, Tensor):
        raise TypeError(f'{function}() received an invalid combination of arguments - got '
                        f'({type(first).__name__}, {type(second).__name__}), but expected one '
                        f'of:\n * (Tensor {names[0]}, Tensor {names[1]}, *, Tensor out = None)\n'
                        f' * (Number {names[2]}, Tensor {names[1]}, *, Tensor out = None)\n'
                        f' * (Tensor {names[0]}, Number {names[1]}, *, Tensor out = None)\n')
    tensors = [v for v in (first, second) if isinstance(v, Tensor)]
    numbers = [F._as_number(v) for v in (first, second) if not isinstance(v, Tensor)]
    if len(tensors) == 2:
        F.check_same_device(*tensors)
    dtype = _dtype.result_type(tensors, numbers)
    return tensors[0], dtype, [
        F.cast(v, dtype) if isinstance(v, Tensor) else full_like(tensors[0], v, dtype=dtype)
        for v in (first, second)]


class SpecialZeta(Function):
    elementwise = True
    node_name = 'SpecialZetaBackward0'

    @staticmethod
    def forward(ctx, x, q):
        ctx.save_for_backward(x, q)
        with np.errstate(all='ignore'):
            return _arrays.zeta(ctx.backend, _wide(x), _wide(q)).astype(x.dtype)

    @staticmethod
    def backward(ctx, gy):
        if ctx.needs_input_grad[0]:           # PyTorch has no derivative in x
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        x, q = ctx.saved_tensors              # d/dq zeta(x, q) = -x zeta(x + 1, q)
        return None, F.mul(gy, F.neg(F.mul(x, zeta(F.add(x, 1.0), q))))


@grad_fn_named(lambda input, other: 'SpecialZetaBackward0' if isinstance(input, Tensor)
                and isinstance(other, Tensor) else 'SpecialZetaBackward1'
                if isinstance(other, Tensor) else 'SpecialZetaBackward2')
def zeta(input, other):
    """The Hurwitz zeta function sum_k (other + k)^-input; differentiable in other only,
    as PyTorch's."""
    first, dtype, (x, q) = _binary_operands('special_zeta', ('input', 'other', 'self'),
                                            input, other)
    if not dtype.is_floating_point:
        dtype = _dtype.default_float
        x, q = F.cast(x, dtype), F.cast(q, dtype)
    _refuse('zeta', first, dtype)
    x, q = F.broadcast_tensors(x, q)
    return SpecialZeta.apply(x, q)


# ---- forward-only functions ----------------------------------------------------------------

def _forward_only(compute, *arrays_of, dtype, within=np.float64):
    """compute(backend, *arrays in the dtype `within`) in the given dtype, as a Tensor
    outside autograd (PyTorch defines no derivative for these: their results never require
    grad)."""
    first = arrays_of[0]
    backend = _backend_for(first._data)
    with np.errstate(all='ignore'):
        out = compute(backend, *(t._data.astype(within, copy=False) for t in arrays_of))
    return Tensor._make(backend.xp.asarray(out.astype(dtype.np)))


def _unary(kernel, compute):
    def function(input):
        x = F._floating(input)
        _refuse(kernel, x, x.dtype)
        return _forward_only(compute, x, dtype=x.dtype)
    function.__name__ = kernel
    function.__doc__ = f'torch.special.{kernel} (no derivative, as PyTorch\'s).'
    return function


bessel_j0 = _unary('bessel_j0', _bessel.bessel_j0)
bessel_j1 = _unary('bessel_j1', _bessel.bessel_j1)
bessel_y0 = _unary('bessel_y0', _bessel.bessel_y0)
bessel_y1 = _unary('bessel_y1', _bessel.bessel_y1)
modified_bessel_i0 = _unary('modified_bessel_i0',
                            lambda backend, x: _arrays._bessel_i_numpy(0, x, xp=backend.xp))
modified_bessel_i1 = _unary('modified_bessel_i1',
                            lambda backend, x: _arrays._bessel_i_numpy(1, x, xp=backend.xp))
modified_bessel_k0 = _unary('modified_bessel_k0', _bessel.modified_bessel_k0)
modified_bessel_k1 = _unary('modified_bessel_k1', _bessel.modified_bessel_k1)
scaled_modified_bessel_k0 = _unary('scaled_modified_bessel_k0',
                                   _bessel.scaled_modified_bessel_k0)
scaled_modified_bessel_k1 = _unary('scaled_modified_bessel_k1',
                                   _bessel.scaled_modified_bessel_k1)
spherical_bessel_j0 = _unary('spherical_bessel_j0', _bessel.spherical_bessel_j0)
airy_ai = _unary('airy_ai', _bessel.airy_ai)


def _polynomial(kernel, compute):
    def function(input, n):
        first, dtype, (x, degree) = _binary_operands(f'special_{kernel}', ('x', 'n', 'x'),
                                                     input, n)
        if not dtype.is_floating_point:
            dtype = _dtype.default_float
        _refuse(kernel, first, dtype)
        x, degree = F.broadcast_tensors(x, degree)
        # in the dtype itself, as PyTorch's kernels: float32 overflows where they do
        return _forward_only(lambda backend, x, n: compute(backend, x, n, dtype),
                             x, degree, dtype=dtype, within=dtype.np)
    function.__name__ = kernel
    function.__doc__ = f'torch.special.{kernel}(x, n) (forward only, as PyTorch\'s).'
    return function


def _chebyshev(kind, shifted):
    return lambda backend, x, n, dtype: _poly.chebyshev(backend, kind, x, n, shifted)


def _hermite(probabilists):
    def compute(backend, x, n, dtype):
        # PyTorch's degree limit is its kernel's: 128 in float32, 512 in float64
        return _poly.hermite(backend, x, n, probabilists, 512 if dtype.itemsize == 8 else 128)
    return compute


chebyshev_polynomial_t = _polynomial('chebyshev_polynomial_t', _chebyshev('t', False))
chebyshev_polynomial_u = _polynomial('chebyshev_polynomial_u', _chebyshev('u', False))
chebyshev_polynomial_v = _polynomial('chebyshev_polynomial_v', _chebyshev('v', False))
chebyshev_polynomial_w = _polynomial('chebyshev_polynomial_w', _chebyshev('w', False))
shifted_chebyshev_polynomial_t = _polynomial('shifted_chebyshev_polynomial_t',
                                             _chebyshev('t', True))
shifted_chebyshev_polynomial_u = _polynomial('shifted_chebyshev_polynomial_u',
                                             _chebyshev('u', True))
shifted_chebyshev_polynomial_v = _polynomial('shifted_chebyshev_polynomial_v',
                                             _chebyshev('v', True))
shifted_chebyshev_polynomial_w = _polynomial('shifted_chebyshev_polynomial_w',
                                             _chebyshev('w', True))
hermite_polynomial_h = _polynomial('hermite_polynomial_h', _hermite(False))
hermite_polynomial_he = _polynomial('hermite_polynomial_he', _hermite(True))
laguerre_polynomial_l = _polynomial('laguerre_polynomial_l',
                                    lambda backend, x, n, dtype: _poly.laguerre(backend, x, n))
legendre_polynomial_p = _polynomial('legendre_polynomial_p',
                                    lambda backend, x, n, dtype: _poly.legendre(backend, x, n))


def igamma_inplace(self, other):
    """Tensor.igamma_(other): the out-of-place value, which _inplace writes back."""
    _require_tensors('igamma_', ('other',), 1, other)
    return igamma(self, other)


def igammac_inplace(self, other):
    _require_tensors('igammac_', ('other',), 1, other)
    return igammac(self, other)
