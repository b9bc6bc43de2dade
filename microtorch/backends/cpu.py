"""CPU backend: NumPy arrays and a forward/backward primitive pair per op.

Ops call these by name (`backend.sigmoid_backward(y, gy)`); the CUDA backend offers the same
names over CuPy arrays and our kernels. Every primitive takes and returns arrays (a Python
scalar is accepted where the op allows one) and never mutates its inputs unless it says so.
"""
import math
import warnings

import numpy as np

from .. import _layout
from .. import _sleef
from .. import _sleef_activations
from .. import _sleef_pow
from .. import _sleef_vml
from .._device import CPU
from . import conv_columns as _conv_columns
from . import cpu_copies as _cpu_copies
from . import cpu_masks as _cpu_masks
from . import exact_sum as _exact_sum
from . import exact_arith as _exact
from . import one_element as _one
from . import sort_ties as _sort_ties
from . import special_functions as _special
from .._fma import fma_in, outer
from . import mkl as _mkl
from . import torch_losses, torch_moments
from . import torch_softmax as _torch_softmax
from .optim_math import adafactor_update as _adafactor_update

name = 'cpu'
xp = np
_FLOAT32 = np.dtype(np.float32)
_ONE32 = np.float32(1)
_ONE = (1,)                     # a one-element vector's shape: the scalar loops'
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


def ones_like(array):
    """backward()'s implicit gradient: empty + fill is 2.5x np.ones_like on tiny arrays."""
    out = np.empty(array.shape, array.dtype)
    if array.ndim:
        out.fill(1)
    else:
        out[()] = 1           # (loss.backward()'s: an index store costs half of `fill`)
    return out


# ---- elementwise unary: <op>_forward(x) and <op>_backward(saved, gy) --------------------
# `saved` is x or y, whichever the derivative is cheaper from (see ops/elementwise.py). A
# forward that is a ufunc is the ufunc itself: the one-element loops pay per Python call.

neg_forward = np.negative


def neg_backward(_unused, gy):
    return np.negative(gy)


abs_forward = np.abs


def abs_backward(x, gy):
    return gy * np.sign(x)


exp_forward = np.exp


def exp_backward(y, gy):
    return gy * y


log_forward = np.log


def log_backward(x, gy):
    return gy / x


sqrt_forward = np.sqrt


def sqrt_backward(y, gy):
    return gy / (y + y)


sin_forward = np.sin


def sin_backward(x, gy):
    return gy * np.cos(x)


cos_forward = np.cos


def cos_backward(x, gy):
    return -gy * np.sin(x)


tanh_forward = np.tanh


def tanh_backward(y, gy):
    # PyTorch's compiled loop fuses 1 - y * y into one fma (rounded once)
    if y.shape == _ONE and gy.shape == _ONE and y.dtype is _FLOAT32 and gy.dtype is _FLOAT32:
        # gy * float32(1 - y^2): a product of two float32 values, exact in a Python float
        # and rounded by the store (one_element.py)
        out = np.empty(y.shape, _FLOAT32)
        out[0] = gy.item() * _one.round32(_exact.one_minus_square_f32(y.item()))
        return out
    return gy * _exact.one_minus_square(y)


def sigmoid_forward(x):
    # float32: PyTorch's own bits (SLEEF's vector exp in blocks, glibc's expf in the tails)
    if type(x) is np.ndarray and x.dtype is _FLOAT32:
        exact = _sleef.sigmoid(x)
        if exact is not None:
            return exact
    # Stable as it stands: for x << 0 exp(-x) overflows to inf and 1 / inf is the right 0
    # (only results below float32's normal range, x < -87, flush to 0). Four ufunc calls, half
    # of a two-branch form's, and tiny tensors pay per call. On tiny ones `out=` costs more
    # than the allocation it saves (NumPy's overlap check: `e += 1` 1.4 us, `e + 1` 0.6 us on
    # one element), and 0-d inputs give NumPy scalars, which have no `out=`.
    e = np.exp(np.negative(x))
    if x.size < 64:
        return np.reciprocal(e + 1)
    e += 1
    return np.reciprocal(e, out=e)


def sigmoid_backward(y, gy):
    if y.shape == _ONE and gy.shape == _ONE and y.dtype is _FLOAT32 and gy.dtype is _FLOAT32:
        # float32 scalars, not three ufunc calls on one element (the seed's scalar loops)
        s = y[0]
        out = np.empty(y.shape, _FLOAT32)
        out[0] = gy[0] * (_ONE32 - s) * s
        return out
    return gy * (1 - y) * y                      # PyTorch's order


def reciprocal_forward(x):
    return 1 / x


def reciprocal_backward(y, gy):
    return -gy * (y * y)                         # PyTorch's order


def log1p_forward(x):
    exact = _sleef_vml.log1p(x)         # float32: PyTorch's bits (SLEEF's log1pf)
    return np.log1p(x) if exact is None else exact


def log1p_backward(x, gy):
    return gy / (1 + x)


def expm1_forward(x):
    exact = _sleef_vml.expm1(x)         # float32: PyTorch's bits (SLEEF's expm1f)
    return np.expm1(x) if exact is None else exact


def expm1_backward(y, gy):
    return gy * (y + 1)


_LN2, _LN10 = math.log(2.0), math.log(10.0)


def log2_forward(x):
    return np.log2(x)


def log2_backward(x, gy):
    return gy / (x * _LN2)


def log10_forward(x):
    return np.log10(x)


def log10_backward(x, gy):
    return gy / (x * _LN10)


def rsqrt_forward(x):
    return 1 / np.sqrt(x)


def rsqrt_backward(y, gy):
    return (-0.5 * gy) * (y * y * y)             # PyTorch's order: -0.5 * gy * y.pow(3)


def tan_forward(x):
    return np.tan(x)


def tan_backward(y, gy):
    return gy * (1 + y * y)


# Hyperbolic and inverse trigonometric functions: f(x), and gy f'(x) from x
sinh_forward, cosh_forward = np.sinh, np.cosh
asin_forward, acos_forward, atan_forward = np.arcsin, np.arccos, np.arctan
asinh_forward, acosh_forward, atanh_forward = np.arcsinh, np.arccosh, np.arctanh


def sinh_backward(x, gy):
    return gy * np.cosh(x)


def cosh_backward(x, gy):
    return gy * np.sinh(x)


def asin_backward(x, gy):
    return gy / np.sqrt(1 - x * x)


def acos_backward(x, gy):
    return -gy / np.sqrt(1 - x * x)


def atan_backward(x, gy):
    return gy / (x * x + 1)


def asinh_backward(x, gy):
    return gy / np.sqrt(x * x + 1)


def acosh_backward(x, gy):
    return gy / np.sqrt(x * x - 1)


def atanh_backward(x, gy):
    return gy / (1 - x * x)


def silu_forward(x):
    exact = _sleef_activations.silu(x)                      # float32: PyTorch's bits
    if exact is not None:
        return exact
    return x * sigmoid_forward(x)


def silu_backward(x, gy):
    exact = _sleef_activations.silu_grad(x, gy)
    if exact is not None:
        return exact
    s = sigmoid_forward(x)
    return gy * s * (1 + x * (1 - s))


def elu_forward(x, alpha, scale, input_scale):
    """scale * x above 0, scale * alpha * (exp(input_scale * x) - 1) below: elu (scales 1),
    selu (PyTorch's constants) and celu (input_scale 1 / alpha) are this one function."""
    exact = _sleef_activations.elu(x, alpha, scale, input_scale)     # float32: PyTorch's bits
    if exact is not None:
        return exact
    below = (scale * alpha) * np.expm1(x * input_scale)
    return _select(x > 0, x * scale, below, x.dtype)


def elu_backward(x, gy, alpha, scale, input_scale):
    exact = _sleef_activations.elu_grad(x, gy, alpha, scale, input_scale)
    if exact is not None:
        return exact
    # x = 0 takes the exponential side, as PyTorch's (x <= 0) does
    below = gy * (scale * alpha * input_scale) * np.exp(x * input_scale)
    return _select(x > 0, gy * scale, below, gy.dtype)


_SQRT1_2, _INV_SQRT_2PI = math.sqrt(0.5), 1 / math.sqrt(2 * math.pi)
_SQRT_2_PI, _GELU_CUBIC = math.sqrt(2 / math.pi), 0.044715


def _normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2 elementwise (NumPy has no erfc: see special_functions),
    without the cancellation of (1 + erf) / 2 in the lower tail."""
    return 0.5 * _special.erfc(-x * _SQRT1_2)


def gelu_forward(x, approximate):
    """x Phi(x) (or its tanh form). A float32 x is worked in float64 and rounded once: the
    Numba kernel (numba_kernels/gelu.py) gives the same values on large arrays."""
    if approximate == 'tanh':
        exact = _sleef_activations.gelu_tanh(x)                  # float32: PyTorch's bits
        if exact is not None:
            return exact
        u = _SQRT_2_PI * (x + _GELU_CUBIC * x * x * x)
        return 0.5 * x * (1 + np.tanh(u))
    wide = x.astype(np.float64, copy=False)
    with np.errstate(invalid='ignore'):            # x = -inf: -inf * 0, a nan as PyTorch's
        return (wide * _normal_cdf(wide)).astype(x.dtype, copy=False)


def gelu_backward(x, gy, approximate):
    if approximate == 'tanh':
        exact = _sleef_activations.gelu_tanh_grad(x, gy)
        if exact is not None:
            return exact
        x2 = x * x
        t = np.tanh(_SQRT_2_PI * (x + _GELU_CUBIC * x2 * x))
        du = _SQRT_2_PI * (1 + 3 * _GELU_CUBIC * x2)
        return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
    wide = x.astype(np.float64, copy=False)
    with np.errstate(invalid='ignore'):            # x = +-inf: inf * 0, a nan as PyTorch's
        slope = _normal_cdf(wide) + wide * (_INV_SQRT_2PI * np.exp(-0.5 * wide * wide))
    return (gy * slope).astype(gy.dtype, copy=False)


# ---- more activations. Gradients at the kinks are PyTorch's: 0 at hardtanh's bounds, at
# +-lambd of the shrinks and at threshold; hardswish's is 0 at -3 and 1 at 3.

def hardtanh_forward(x, min_val, max_val):
    """Clamp to [min_val, max_val] (relu6 is [0, 6]); integer tensors take the bounds
    truncated to their type, as PyTorch's kernel does."""
    t = x.dtype.type
    return np.clip(x, t(min_val), t(max_val))


def hardtanh_backward(x, gy, min_val, max_val):
    outside = (x <= min_val) | (x >= max_val)
    return _select(outside, 0, gy, gy.dtype)


def softsign_forward(x):
    with np.errstate(invalid='ignore'):            # x = +-inf: inf / inf, a nan as PyTorch's
        return x / (1 + np.abs(x))


def softsign_backward(x, gy):
    """PyTorch's autograd of x / (|x| + 1): the divisor's gradient, -gy * ((x / d) / d), comes
    back through abs (times sign(x)) and is added to the dividend's, gy / d."""
    d = np.abs(x) + 1
    with np.errstate(invalid='ignore'):
        return gy / d + (-gy * ((x / d) / d)) * np.sign(x)


def mish_forward(x):
    return x * np.tanh(_softplus_unscaled(x))


def mish_backward(x, gy):
    t = np.tanh(_softplus_unscaled(x))
    return gy * (t + x * sigmoid_forward(x) * (1 - t * t))


def hardsigmoid_forward(x):
    return np.clip(x + 3, 0, 6) / 6


# PyTorch's hardsigmoid backward scales by 1/6 rounded to float32, in float64 too
_ONE_SIXTH_F32 = float(np.float32(1 / 6))


def hardsigmoid_backward(x, gy):
    inside = (x > -3) & (x < 3)
    return _select(inside, gy * _ONE_SIXTH_F32, 0, gy.dtype)


def hardswish_forward(x):
    return x * np.clip(x + 3, 0, 6) / 6


def hardswish_backward(x, gy):
    slope = np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1))
    return (gy * slope).astype(gy.dtype, copy=False)


def shrink_forward(x, lambd, soft):
    """softshrink (soft): x - lambd above lambd, x + lambd below -lambd; hardshrink: x
    outside [-lambd, lambd]; both 0 inside (NaN stays NaN)."""
    if soft:
        out = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0))
    else:
        out = np.where((x >= -lambd) & (x <= lambd), 0, x)
    return out.astype(x.dtype, copy=False)


def shrink_backward(x, gy, lambd, soft):
    inside = (x >= -lambd) & (x <= lambd)
    return _select(inside, 0, gy, gy.dtype)


def threshold_forward(x, threshold, value):
    """value where x <= threshold, else x; both numbers in x's type (integers truncate)."""
    t = x.dtype.type
    return np.where(x <= t(threshold), t(value), x).astype(x.dtype, copy=False)


def threshold_backward(x, gy, threshold, value):
    return _select(x > x.dtype.type(threshold), gy, 0, gy.dtype)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def erf_forward(x):
    return _special.erf(x)              # NumPy has none: see special_functions


def erf_backward(x, gy):
    return gy * (_TWO_OVER_SQRT_PI * np.exp(-(x * x)))


def exp2_forward(x):
    return np.exp2(x)


def exp2_backward(y, gy):
    return gy * (y * _LN2)


def frac_forward(x):
    """x - trunc(x), keeping x's sign; its gradient is 1 (the op passes gy on)."""
    return x - np.trunc(x)


# Special functions (backends/special_functions.py: Numba's ufuncs on large arrays, NumPy
# code on the others). lgamma' = digamma, digamma' = polygamma(1, .), polygamma(n, .)' =
# polygamma(n + 1, .), erfinv' = sqrt(pi)/2 e^(y^2) from y, erfc' = -2/sqrt(pi) e^(-x^2),
# ndtri' = sqrt(2 pi) e^(y^2 / 2) from y.

def lgamma_forward(x):
    return _special.lgamma(x)


def lgamma_backward(x, gy):
    return gy * _special.digamma(x)


def digamma_forward(x):
    return _special.digamma(x)


def digamma_backward(x, gy):
    return gy * _special.polygamma(1, x)


def polygamma_forward(x, n):
    return _special.polygamma(n, x)


def polygamma_backward(x, gy, n):
    return gy * _special.polygamma(n + 1, x)


_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def erfinv_forward(x):
    return _special.erfinv(x)


def erfinv_backward(y, gy):
    return gy * (_HALF_SQRT_PI * np.exp(y * y))


def erfc_forward(x):
    return _special.erfc(x)


def erfc_backward(x, gy):
    return gy * (-_TWO_OVER_SQRT_PI * np.exp(-(x * x)))


_SQRT_2PI = math.sqrt(2 * math.pi)


def ndtri_forward(x):
    return _special.ndtri(x)


def ndtri_backward(y, gy):
    return gy * (_SQRT_2PI * np.exp(0.5 * (y * y)))


# The modified Bessel functions: i0' = i1, i1' = i0 - i1 / x (1/2 at 0)

def i0_forward(x):
    return _special.bessel_i(0, x)


def i0_backward(x, gy):
    return gy * _special.bessel_i(1, x)


def i1_forward(x):
    return _special.bessel_i(1, x)


def i1_backward(x, gy):
    with np.errstate(all='ignore'):
        slope = _special.bessel_i(0, x) - _special.bessel_i(1, x) / x
    return gy * np.where(x == 0, 0.5, slope).astype(x.dtype, copy=False)


# Piecewise-constant ops: forward only; their gradient is zero wherever it exists (PyTorch's
# convention), which the op makes without a kernel. Integer inputs never get here (the op
# returns a copy), so NumPy's float results keep the input's dtype.

def sign_forward(x):
    # PyTorch's (x > 0) - (x < 0): sign(nan) is 0 and sign(-0.0) is 0.0 (NumPy: nan, -0.0)
    return np.subtract(x > 0, x < 0, dtype=x.dtype)


def floor_forward(x):
    return np.floor(x)


def ceil_forward(x):
    return np.ceil(x)


def trunc_forward(x):
    return np.trunc(x)


def round_forward(x, decimals):
    """Half to even, as PyTorch: rint(x * 10^d) / 10^d, or rint(x / 10^-d) * 10^-d."""
    if decimals == 0:
        return np.rint(x)
    ten_pow = x.dtype.type(10.0 ** abs(decimals))
    if decimals > 0:
        return np.rint(x * ten_pow) / ten_pow
    return np.rint(x / ten_pow) * ten_pow


_SELECT_FROM = 2048
_INT_OF_SIZE = {2: np.int16, 4: np.int32, 8: np.int64}


def _select(mask, a, b, dtype):
    """np.where(mask, a, b).astype(dtype) without branches for a float dtype: NumPy's where
    branches on each element and, on a random mask, mispredicts half of them (256 x 128
    float32: 165 us against ~30 for these bitwise ands of the operands' bits, the mask made
    an integer of their width first: an and of int32 with int8 takes NumPy's slow casting
    loop). Below ~2048 elements where's single call costs less than the masks' calls."""
    dtype = np.dtype(dtype)
    if dtype.kind != 'f' or mask.size < _SELECT_FROM:
        return np.where(mask, a, b).astype(dtype, copy=False)
    ints = _INT_OF_SIZE[dtype.itemsize]
    a, b = np.asarray(a, dtype), np.asarray(b, dtype)
    keep = np.asarray(mask).astype(ints)                       # 1 where mask, else 0
    if not b.ndim and not b.view(ints):                        # (..., 0): a's bits kept
        bits = np.bitwise_and(a.view(ints), np.negative(keep, out=keep))
    elif not a.ndim and not a.view(ints):                      # (..., 0, b)
        keep -= 1                                              # 0 where mask, else -1
        bits = np.bitwise_and(b.view(ints), keep)
    else:
        np.negative(keep, out=keep)                            # -1 (every bit) or 0
        bits = np.bitwise_or(np.bitwise_and(a.view(ints), keep),
                             np.bitwise_and(b.view(ints), np.invert(keep)))
    return np.asarray(bits).view(dtype)                         # (0-d: an array, as where's)


def relu_forward(x):
    """0 where x < 0, else x: -0.0 and nan stay (PyTorch's; np.maximum gives +0.0 for -0.0)."""
    return _select(x < 0, 0, x, x.dtype)


def relu_backward(y, gy):
    return _select(y > 0, gy, 0, gy.dtype)


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
    return _select(keep, gy, 0, gy.dtype)


def pow_scalar_forward(x, exponent):
    if exponent == 2:         # what np.power does for 2, without its exponent checks (2.3x)
        return np.square(x)
    if x.dtype.kind == 'f' and x.dtype.itemsize >= 4 and exponent in _POW_AS_PRODUCTS:
        return _POW_AS_PRODUCTS[exponent](x)
    if x.dtype == _FLOAT32 and exponent not in _POW_BY_NUMPY:
        # PyTorch's bits: SLEEF's powf in vector blocks, the double pow in the tails
        exact = _sleef_pow.pow_scalar(x, exponent)
        if exact is not None:
            return exact
    return np.power(x, exponent)


# The exponents PyTorch's CPU pow computes by products and roots rather than by pow (its
# rounding differs from powf's): x ** 3 is x * x * x there.
_POW_AS_PRODUCTS = {3: lambda x: x * x * x,
                    -2: lambda x: np.reciprocal(x * x),
                    -0.5: lambda x: np.reciprocal(np.sqrt(x))}
# ... and those whose kernels give what NumPy's power gives (fill 1, copy, sqrt, reciprocal)
_POW_BY_NUMPY = (0, 1, 0.5, -1)


def pow_scalar_backward(x, gy, exponent):
    if exponent == 0:
        return np.zeros_like(gy)
    if exponent == 2:                   # the squared error's: two ufunc calls, not three
        return gy * (x + x)
    # PyTorch's order: gy * (exponent * x ** (exponent - 1))
    return gy * (pow_scalar_forward(x, exponent - 1) * exponent).astype(gy.dtype, copy=False)


def leaky_relu_forward(x, negative_slope):
    return _select(x > 0, x, x * negative_slope, x.dtype)


def leaky_relu_backward(x, gy, negative_slope):
    return _select(x > 0, gy, gy * negative_slope, gy.dtype)


def _softplus_unscaled(z):
    """log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)): exp never overflows."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def softplus_forward(x, beta, threshold):
    exact = _sleef_activations.softplus(x, beta, threshold)          # float32: PyTorch's bits
    if exact is not None:
        return exact
    # PyTorch's rule: x itself where beta * x > threshold (there the two agree to rounding).
    z = x * beta
    return np.where(z > threshold, x, _softplus_unscaled(z) / beta).astype(x.dtype, copy=False)


def softplus_backward(x, gy, beta, threshold):
    exact = _sleef_activations.softplus_grad(x, gy, beta, threshold)
    if exact is not None:
        return exact
    z = x * beta
    return np.where(z > threshold, gy, gy * sigmoid_forward(z)).astype(gy.dtype, copy=False)


def dropout_mask(generator, shape, p, np_dtype):
    """Inverted dropout's mask as PyTorch makes it: Bernoulli(1 - p) draws in np_dtype (each
    a float64 uniform below 1 - p, whatever the dtype), divided by 1 - p in np_dtype."""
    if p >= 1:
        return np.zeros(shape, np_dtype)
    keep = generator.stream.bernoulli(shape, 1 - p).astype(np_dtype)
    return keep / np.dtype(np_dtype).type(1 - p)


# ---- elementwise binary (broadcasting) ------------------------------------------------

add_forward = np.add
sub_forward = np.subtract
mul_forward = np.multiply
div_forward = np.true_divide
maximum_forward = np.maximum
minimum_forward = np.minimum


def pow_forward(a, b):
    if np.result_type(a, b).kind in 'iu' and np.any(np.less(b, 0)):
        # NumPy refuses integers to negative integer powers. PyTorch gives 1 / a ** |b|
        # truncated toward zero: a ** |b| for a = +-1 (1 or -1 by b's parity), else 0.
        out = np.power(a, np.abs(b))
        return np.where(np.less(b, 0) & (np.abs(a) != 1), 0, out)
    # float32: PyTorch's bits (SLEEF's powf in vector blocks, glibc's powf in the tails)
    exact = _sleef_pow.pow_tensor(a, b)
    return np.power(a, b) if exact is None else exact


# Rounded division and remainders, as PyTorch computes them. An integer division by zero
# raises PyTorch's error (NumPy would give 0 and a warning).

def _check_integer_divisor(a, b):
    if np.result_type(a, b).kind in 'iu' and np.any(np.equal(b, 0)):
        raise RuntimeError('ZeroDivisionError')


def floor_divide_forward(a, b):
    """Python's floor division (NumPy's floats go through fmod, as PyTorch's)."""
    _check_integer_divisor(a, b)
    return np.floor_divide(a, b)


def trunc_divide_forward(a, b):
    _check_integer_divisor(a, b)
    if np.result_type(a, b).kind == 'f':
        return np.trunc(np.true_divide(a, b))
    q = np.floor_divide(a, b)              # floor and trunc differ on inexact negatives
    return q + ((q < 0) & (q * b != a))


def remainder_forward(a, b):
    """The remainder with b's sign. Floats as PyTorch: fmod, then + b where the signs differ
    (so -0.0 % 2 is -0.0; NumPy's remainder gives 0.0)."""
    _check_integer_divisor(a, b)
    if np.result_type(a, b).kind != 'f':
        return np.remainder(a, b)
    mod = np.fmod(a, b)
    fix = (mod != 0) & (np.less(b, 0) != (mod < 0))
    return np.where(fix, mod + b, mod).astype(mod.dtype, copy=False)


def fmod_forward(a, b):
    _check_integer_divisor(a, b)
    return np.fmod(a, b)


atan2_forward = np.arctan2
hypot_forward = np.hypot


def where_forward(cond, a, b):
    """np.where(cond, a, b); a float result by _select's bitwise ands (the same bits)."""
    dtype = np.result_type(a, b)
    if dtype.kind == 'f' and cond.size >= _SELECT_FROM:
        return _select(cond, a, b, dtype)
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

def _accumulated(reduce, x, **kwargs):
    """A reduction in x's dtype, as PyTorch's: NumPy would widen small integers to int64,
    and float16 is accumulated in float32 (PyTorch's accumulate type), then rounded once."""
    if x.dtype == np.float16:
        return reduce(x, dtype=np.float32, **kwargs).astype(np.float16)
    return reduce(x, dtype=x.dtype, **kwargs)


def sum_forward(x, dims, keepdim):
    """PyTorch's float sums to the bit (backends/exact_sum.py has its order of additions)."""
    char = x.dtype.char
    if char in 'fd':
        if x.size == 1 and (dims is None or len(dims) == x.ndim):
            # 0 + x (-0. sums to 0.) in Python floats: a third of the reduce's time
            index = (0,) * x.ndim if keepdim else ()
            out = np.empty((1,) * len(index), x.dtype)
            out[index] = x.item() + 0.0          # (an index store costs half of `fill`)
            return out
        if x.size <= 4 and (dims is None or len(dims) == x.ndim) and x.flags.c_contiguous:
            # up to 4 elements PyTorch adds in order, as NumPy, from 0: -0. sums to 0. Into
            # an array of its own: a 0-d result would come back as a scalar to convert.
            out = np.empty((1,) * x.ndim if keepdim else (), x.dtype)
            return np.add.reduce(x, axis=dims, keepdims=keepdim, initial=0, out=out)
        return _exact_sum.exact_sum(x, dims, keepdim)
    if x.dtype.kind in 'iu' or char == 'e':     # (ops give bools as int64)
        return _accumulated(np.add.reduce, x, axis=dims, keepdims=keepdim)
    return np.add.reduce(x, axis=dims, keepdims=keepdim)


def sum_to_shape(g, shape):
    """Undo broadcasting: sum `g` down to `shape` (leading dims, then size-1 dims)."""
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    if axes:                    # PyTorch's sum_to_size: a sum over those dims, kept
        g = sum_forward(g, axes, True)
    if lead:
        g = g.reshape(shape)
    return g


def var_forward(x, dims, correction, keepdim, take_sqrt=False):
    if x.dtype.char in 'fd' and x.size:          # PyTorch's order (backends/torch_moments.py)
        return _torch_var(x, dims, correction, keepdim, take_sqrt)
    if math.prod([x.shape[d] for d in dims]) - correction > 0:
        y = np.var(x, axis=dims, ddof=correction, keepdims=keepdim)
    else:
        with warnings.catch_warnings():  # no degrees of freedom: the op warns, as PyTorch
            warnings.simplefilter('ignore', RuntimeWarning)
            y = np.var(x, axis=dims, ddof=correction, keepdims=keepdim)
    return np.sqrt(y) if take_sqrt else y


def std_forward(x, dims, correction, keepdim):
    """std: the square root taken before rounding to x's dtype, as PyTorch's."""
    return var_forward(x, dims, correction, keepdim, take_sqrt=True)


def var_mean_forward(x, dims, correction, keepdim, take_sqrt=False):
    """(var or std, mean) by PyTorch's Welford loop, which gives both (var_mean, std_mean)."""
    if x.dtype.char in 'fd' and x.size:
        var, mean = torch_moments.welford(x, dims, correction, take_sqrt)
        return _unkept(var, dims, keepdim), _unkept(mean, dims, keepdim)
    var = var_forward(x, dims, correction, keepdim, take_sqrt)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        return var, np.mean(x, axis=dims, keepdims=keepdim)


def _unkept(y, dims, keepdim):
    """A keepdim result of a reduction over dims, without them unless keepdim."""
    if keepdim:
        return y
    shape = tuple(n for i, n in enumerate(y.shape) if i not in dims)
    return y.reshape(shape) if shape else y.reshape(()).copy()[()]


def _torch_var(x, dims, correction, keepdim, take_sqrt):
    if x.size == math.prod(x.shape[d] for d in range(x.ndim) if d in dims):
        value = torch_moments.var_all(x, correction, take_sqrt)  # one output: two passes
        shape = tuple(1 for _ in x.shape) if keepdim else tuple(
            n for i, n in enumerate(x.shape) if i not in dims)
        return np.full(shape, value, x.dtype) if shape else value
    var, _ = torch_moments.welford(x, dims, correction, take_sqrt)
    return _unkept(var, dims, keepdim)


def prod_forward(x, dims, keepdim):
    return _accumulated(np.multiply.reduce, x, axis=dims, keepdims=keepdim)


def _cumulative(ufunc, x, dim):
    """A running sum or product along dim as PyTorch's CPU scan: in its accumulate type
    (double for float32, float for float16), one element after another."""
    wide = {'f': np.float64, 'e': np.float32}.get(x.dtype.char)
    if (wide is np.float64 and ufunc in (np.add, np.multiply) and x.size > 1
            and _exact_sum.use_numba(x.size)):
        return _cumulative_kernel(ufunc, x, dim)
    if wide is not None:                 # one cast, then in place: 15% faster than dtype=
        acc = x.astype(wide)
        ufunc.accumulate(acc, axis=dim, out=acc)
        return acc.astype(x.dtype)
    return ufunc.accumulate(x, axis=dim, dtype=x.dtype)


def _cumulative_kernel(ufunc, x, dim):
    """_cumulative of float32 x by the Numba scan, parallel from the fused kernels' crossover
    (4096 x 4096 along the rows: 77 ms for NumPy's casts and one-thread accumulate; NumPy's
    accumulate along short rows costs ~70 ns a row)."""
    dim %= x.ndim
    n = x.shape[dim]
    outer = math.prod(x.shape[:dim])
    inner = x.size // (outer * n)
    out = np.empty(x.shape, np.float32)
    kernels = _numba_dispatch._kernel_module('reduction')
    if inner == 1:                                  # along the last non-unit dim
        x3, name = x.reshape(outer, n), 'cumulative_rows'
    else:
        x3, name = x.reshape(outer, n, inner), 'cumulative'
    args = x3, out.reshape(x3.shape), ufunc is np.add
    if _numba_dispatch.parallel_pays('elementwise_fused', x.size):
        _exact_sum.launch(getattr(kernels, name), *args)
    else:
        getattr(kernels, name + '_serial')(*args)
    return out


def cumsum_forward(x, dim):
    return _cumulative(np.add, x, dim) if x.ndim else x.copy()


def cumsum_backward(gy, dim):
    """The sums from each position to the end: the cumulative sum run backwards (gy itself
    where there is nothing to add, as PyTorch's)."""
    if gy.size <= 1 or gy.shape[dim] == 1:
        return gy.copy()
    return np.flip(_cumulative(np.add, np.flip(gy, dim), dim), dim)


def max_forward(x, dims, keepdim):
    return np.max(x, axis=dims, keepdims=keepdim)


def min_forward(x, dims, keepdim):
    return np.min(x, axis=dims, keepdims=keepdim)


def _sort_key(xp, x, descending):
    """What an ascending stable sort orders x by: NaN counts as the largest value (last
    ascending, first descending), as in PyTorch; bools sort as 0 and 1."""
    if x.dtype.kind == 'b':
        x = x.astype(xp.int8)
    if not descending:
        return x
    if x.dtype.kind == 'f':
        return xp.where(xp.isnan(x), -xp.inf, -x)
    return -x.astype(xp.int64)


def argsort(x, dim, descending, stable=True):
    """int64 indices that sort x along dim: ties in their original order when stable, else
    in the order PyTorch's std::sort leaves them (sort_ties.py); a dim of stride 0 PyTorch
    leaves as it is."""
    if not (stable or x.strides[dim] == 0) and _sort_ties.kernels_take(x):
        return _sort_ties.kernel_sort(x, dim, descending)
    order = _stable_argsort(x, dim, descending)
    if stable or x.strides[dim] == 0:
        return order
    return _sort_ties.sorted_order(x, order, dim, descending)


def _stable_argsort(x, dim, descending):
    if descending and _has_nan_and_inf(x):      # NaN before +inf, which share the key -inf
        return np.lexsort((_sort_key(np, x, True), ~np.isnan(x)), axis=dim)
    return np.argsort(_sort_key(np, x, descending), axis=dim, kind='stable')


def _has_nan_and_inf(x):
    return x.dtype.kind == 'f' and bool(np.isnan(x).any()) and bool(np.isposinf(x).any())


def top_indices(x, k, dim, largest, in_order=True):
    """topk's k indices along dim, best first, as PyTorch's topk picks them among equal
    values (sort_ties.py); in_order=False: nth_element's order where PyTorch leaves it."""
    if not k:
        return np.take(np.zeros(x.shape, np.int64), [], axis=dim)
    if _sort_ties.kernels_take(x):
        return _sort_ties.kernel_topk(x, k, dim, largest, in_order)
    chosen = _stable_top_indices(x, k, dim, largest)
    return _sort_ties.top_order(x, chosen, k, dim, largest, in_order)


def _stable_top_indices(x, k, dim, largest):
    """argsort(x, dim, largest)'s first k along dim, ties in their original order. A few of
    many are selected in one pass (4096 x 4096, k = 5: 830 ms for the full sort)."""
    n = x.shape[dim]
    if 8 * k > n or x.dtype.kind == 'b' or largest and _has_nan_and_inf(x):
        return np.take(argsort(x, dim, largest), np.arange(k), axis=dim)
    if (k <= _TOP_IN_BUFFER and x.dtype.char in 'fd'
            and _numba_dispatch.kernel_pays('reduction', x.size)):
        rows = np.moveaxis(x, dim, -1)
        out = np.empty(rows.shape[:-1] + (k,), np.int64)
        kernels = _numba_dispatch._kernel_module('indexing')
        _exact_sum.launch(kernels.top_rows, np.ascontiguousarray(rows).reshape(-1, n), k,
                          largest, out.reshape(-1, k))
        return np.moveaxis(out, -1, dim)
    return _top_by_partition(x, k, dim, largest)


_TOP_IN_BUFFER = 64          # the kernel's insertion into its best-k buffer costs O(k)


def _top_by_partition(x, k, dim, largest):
    """top_indices by NumPy's partition (linear, 90 ms at 4096 x 4096); rows where ties or
    NaNs make the k-th place ambiguous take the full stable sort."""
    key = np.moveaxis(_sort_key(np, x, largest), dim, -1)
    chosen = np.sort(np.argpartition(key, k - 1, axis=-1)[..., :k], axis=-1)
    values = np.take_along_axis(key, chosen, -1)
    kth = values.max(-1, keepdims=True)           # NaN where one is chosen: ambiguous below
    at_most = np.count_nonzero(key < kth, axis=-1) + np.count_nonzero(key == kth, axis=-1)
    order = np.take_along_axis(chosen, np.argsort(values, axis=-1, kind='stable'), -1)
    ambiguous = at_most != k                      # more ties than places, or a NaN
    if ambiguous.any():
        order[ambiguous] = np.argsort(key[ambiguous], axis=-1, kind='stable')[..., :k]
    return np.moveaxis(order, -1, dim)


def kth_indices(x, k, dim):
    """kthvalue's index along dim (kept, size 1), k from 1: the k-th in the stable order,
    where that value ties with another PyTorch's quickselect's pick (sort_ties.py)."""
    if _sort_ties.kernels_take(x):
        return _sort_ties.kernel_kth(x, k, dim)
    index = np.take(argsort(x, dim, False), [k - 1], axis=dim)
    return _sort_ties.kth_order(x, index, k, dim)


def mode_indices(rows, by_runs):
    """mode's index per row of rows (2-D) as PyTorch's: by_runs() gives the stable order's
    (the last place of the longest run) and the run's length; where that run has more than
    one element, or the row a NaN, the one std::sort leaves last (sort_ties.py)."""
    if _sort_ties.kernels_take(rows):
        return _sort_ties.kernel_mode(rows)
    return _sort_ties.mode_order(rows, *by_runs())


def argmax(x, dim, keepdim):
    return _arg_extreme(x, dim, keepdim, True)


def argmin(x, dim, keepdim):
    return _arg_extreme(x, dim, keepdim, False)


def _arg_extreme(x, dim, keepdim, largest):
    """NumPy's argmax/argmin (the first extreme, the first NaN where there is one). Along a
    short last dim NumPy pays per row (max_pool2d's 2 x 2 windows of 16 x 16 x 256 x 256: 63
    ms); many short rows go to a parallel Numba kernel (long rows: NumPy's SIMD loop)."""
    if (dim is not None and x.ndim and dim % x.ndim == x.ndim - 1
            and 0 < x.shape[-1] <= _SHORT_ROW and x.dtype.char in 'fdlqi' and x.flags.c_contiguous
            and _numba_dispatch.kernel_pays('reduction', x.size)):
        out = np.empty(x.shape[:-1], np.int64)
        _exact_sum.launch(_numba_dispatch._kernel_module('indexing').row_extremes,
                          x.reshape(-1, x.shape[-1]), largest, out.reshape(-1))
        return out[..., None] if keepdim else out
    pick = np.argmax if largest else np.argmin
    return pick(x, axis=dim, keepdims=keepdim)


_SHORT_ROW = 64                 # rows of 4096: NumPy 2.9 ms, the kernel's scalar loop 17 ms


def _along_dim_index(index, dim):
    """The full NumPy index that picks x[..., index[i...], ...] along dim at each i: index
    along dim, an arange shaped to broadcast along each other dim (np.ogrid's grids, made
    without its Python: 21 -> 3 us for a (1024, 1) index)."""
    ndim = index.ndim
    dim = dim % ndim if ndim else dim
    grids = [index if d == dim else np.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1))
             for d, n in enumerate(index.shape)]
    return tuple(grids) if grids else (index,)


def gather(x, index, dim):
    if (x.ndim and index.shape[:dim % x.ndim] == x.shape[:dim % x.ndim]
            and index.shape[dim % x.ndim + 1:] == x.shape[dim % x.ndim + 1:]
            and x.dtype.char in 'fd' and _numba_dispatch.kernel_pays('reduction', index.size)):
        # sizes but along dim as x's (max's values, pooling's): a parallel kernel, where
        # NumPy's fancy index over every dim costs 26 ms for 16 x 16 x 128 x 128 picks
        d = dim % x.ndim
        outer, inner = math.prod(x.shape[:d]), math.prod(x.shape[d + 1:])
        out = np.empty(index.shape, x.dtype)
        _exact_sum.launch(_numba_dispatch._kernel_module('indexing').gather_along,
                          x.reshape(outer, -1, inner), index.reshape(outer, -1, inner),
                          out.reshape(outer, -1, inner))
        return out
    return x[_along_dim_index(index, dim)]


def scatter_add(index, values, dim, shape):
    """Zeros of `shape` plus `values` added at `index` along `dim`; repeated indices add."""
    out = _scatter_add_along_by_kernel(index, values, dim, shape)
    if out is None:
        out = np.zeros(shape, values.dtype)
        np.add.at(out, _along_dim_index(index, dim), values)
    return out


def _scatter_add_along_by_kernel(index, values, dim, shape):
    """scatter_add by a parallel Numba kernel, in np.add.at's order (the same bits), where
    index and values have shape's sizes but along dim (max's and gather's gradients); None
    otherwise. (max_pool2d's 16 x 16 x 128 x 128 windows: 68 ms in np.add.at.)"""
    if (values.dtype.char not in 'fd' or index.shape != values.shape or not len(shape)
            or not _numba_dispatch.kernel_pays('scatter', values.size)):
        return None
    dim %= len(shape)
    if any(a != b for d, (a, b) in enumerate(zip(index.shape, shape)) if d != dim):
        return None
    outer, inner = math.prod(shape[:dim]), math.prod(shape[dim + 1:])
    out = np.empty(shape, values.dtype)          # the kernel zeroes it, in parallel
    _exact_sum.launch(_numba_dispatch._kernel_module('indexing').scatter_add_along,
                      np.ascontiguousarray(index).reshape(outer, -1, inner),
                      np.ascontiguousarray(values).reshape(outer, -1, inner),
                      out.reshape(outer, -1, inner))
    return out


def _flat_if_scalar(x, index):
    """(x, index, shape to give back): a 0-dim x or index taken as 1-D (PyTorch's rule)."""
    if x.ndim and index.ndim:
        return x, index, None
    return x.reshape(-1), index.reshape(-1), x.shape


def _leading_block(src, shape):
    """src's elements at the positions of an array of `shape`: src may be larger."""
    src = src.reshape(-1) if src.ndim == 0 else src
    return src[tuple(slice(n) for n in shape)]


def scatter(x, index, src, dim):
    """A copy of x with src[p] (or the number src) at p with p[dim] = index[p]."""
    if not index.size:                          # src's shape may not fit an empty index's
        return x.copy()
    x, index, shape = _flat_if_scalar(x, index)
    out = x.copy()
    if isinstance(src, np.ndarray):
        src = _leading_block(src, index.shape)
    out[_along_dim_index(index, dim)] = src
    return out if shape is None else out.reshape(shape)


_SCATTER_UFUNCS = {'sum': np.add, 'prod': np.multiply, 'amax': np.maximum,
                   'amin': np.minimum}


def scatter_reduce(x, index, src, dim, reduce):
    """A copy of x with src[p] combined into p with p[dim] = index[p] ('sum', 'prod',
    'amax', 'amin'; every repeat counts)."""
    if not index.size:
        return x.copy()
    x, index, shape = _flat_if_scalar(x, index)
    out = x.copy()
    _SCATTER_UFUNCS[reduce].at(out, _along_dim_index(index, dim),
                               _leading_block(src, index.shape))
    return out if shape is None else out.reshape(shape)


def logsumexp_forward(x, dims, keepdim):
    if (exact := _torch_softmax.logsumexp(x, dims, keepdim, sum_forward,
                                          max_forward)) is not None:
        return exact                                # float32: PyTorch's steps
    # initial=-inf: over a size-0 dim the max is -inf (and the result -inf, as PyTorch)
    m = np.max(x, axis=dims, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0)          # all -inf (or inf) rows: shift by nothing
    out = np.log(np.sum(np.exp(x - m), axis=dims, keepdims=True)) + m
    return out if keepdim else np.squeeze(out, axis=dims)


def softmax_forward(x, dim):
    if (exact := _torch_softmax.softmax(x, dim)) is not None:  # float32
        return exact
    e = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))   # -inf: size-0 dim
    return e / np.sum(e, axis=dim, keepdims=True)


def softmax_backward(y, gy, dim):
    if (exact := _torch_softmax.softmax_backward(y, gy, dim)) is not None:  # float32
        return exact
    yg = y * gy
    return yg - y * np.sum(yg, axis=dim, keepdims=True)


def log_softmax_forward(x, dim):
    if (exact := _torch_softmax.log_softmax(x, dim)) is not None:  # float32
        return exact
    shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def log_softmax_backward(y, gy, dim):
    if (exact := _torch_softmax.log_softmax_backward(y, gy, dim)) is not None:  # float32
        return exact
    return gy - np.exp(y) * np.sum(gy, axis=dim, keepdims=True)


# ---- losses: <loss>_forward(x, y, reduction, *options), <loss>_backward(x, y, gy, ...) ------
# The backward reads x, y and gy once and writes the input's gradient: gy is 0-d for 'mean'
# and 'sum', and has the loss's shape for 'none'. Gradients come out at the broadcast shape
# (the engine sums them down to each input's shape).

def _reduce(loss, reduction):
    return torch_losses.reduce(loss, reduction, sum_forward)


def _per_element(gy, reduction, n):
    """What each element's derivative is multiplied by: gy, divided by n for 'mean'."""
    return gy / n if reduction == 'mean' else gy


def mse_loss_forward(x, y, reduction):
    d = x - y
    return _reduce(d * d, reduction)


def mse_loss_backward(x, y, gy, reduction):
    return torch_losses.mse_backward(x, y, gy, reduction)


def l1_loss_forward(x, y, reduction):
    return _reduce(np.abs(x - y), reduction)


def l1_loss_backward(x, y, gy, reduction):
    s = np.sign(x - y)
    return s * _per_element(gy, reduction, s.size)


def smooth_l1_loss_forward(x, y, reduction, beta):
    d = np.abs(x - y)
    loss = np.where(d < beta, 0.5 * d * d / beta, d - 0.5 * beta).astype(d.dtype, copy=False)
    return _reduce(loss, reduction)


def smooth_l1_loss_backward(x, y, gy, reduction, beta):
    return torch_losses.smooth_l1_backward(x, y, gy, reduction, beta)


_BCE_EPS = 1e-12


def binary_cross_entropy_forward(x, y, reduction, weight):
    # Each log is clamped at -100 (as PyTorch): x = 0 or 1 gives a finite loss.
    with np.errstate(divide='ignore'):
        log_x = np.maximum(np.log(x), -100)
        log_1mx = np.maximum(np.log1p(-x), -100)
    loss = (y - 1) * log_1mx - y * log_x
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_backward(x, y, gy, reduction, weight):
    """PyTorch's: gy (x - y) / max((1 - x) x, float32(1e-12)), then * weight, then / n."""
    dt = x.dtype.type
    g = gy * (x - y) / np.maximum((dt(1) - x) * x, dt(np.float32(_BCE_EPS)))
    if weight is not None:
        g = g * weight
    return g / dt(g.size) if reduction == 'mean' else g


def binary_cross_entropy_with_logits_forward(x, y, reduction, weight, pos_weight):
    # (1 - y) x + (1 + (pw - 1) y) softplus(-x): finite and exact at any |x|.
    sp = _softplus_unscaled(-x)
    loss = (1 - y) * x + (sp if pos_weight is None else (1 + (pos_weight - 1) * y) * sp)
    return _reduce(loss if weight is None else loss * weight, reduction)


def binary_cross_entropy_with_logits_backward(x, y, gy, reduction, weight, pos_weight):
    s = sigmoid_forward(x)
    if pos_weight is None:
        g = s - y
    else:
        py = pos_weight * y
        g = (py + 1 - y) * s - py
    g = g * gy                                   # PyTorch's order: times gy, the weight,
    if weight is not None:                       # then / n for 'mean'
        g = g * weight
    return g / g.size if reduction == 'mean' else g


def cross_entropy_weights(target, weight, ignore_index, np_dtype):
    """Each sample's weight (weight[target], 0 where target == ignore_index) and the targets
    with ignored ones replaced by 0, safe to index with."""
    ignored = target == ignore_index
    safe = np.where(ignored, 0, target)
    w = np.ones(target.shape, np_dtype) if weight is None else weight[safe]
    return np.where(ignored, 0, w).astype(np_dtype, copy=False), safe



def nll_loss_forward(x, target, reduction, weight, ignore_index):
    """x: (N, C, ...) log-probabilities; target: (N, ...) class indices. (loss, total
    weight): -(x[n, t] w[t]) per sample (+0 where ignored), PyTorch's cascade sum of those
    for 'sum', divided by the sum of the weights for 'mean' (nan when every target is
    ignored); the total weight, which the backward divides by, for 'mean' alone."""
    kept = target != ignore_index
    w, safe = _nll_weights(target, kept, weight, x.dtype)
    picked = _picked(x, safe)
    losses = -picked if w is None else -(picked * w)
    if reduction == 'none':
        return np.where(kept, losses, x.dtype.type(0)), None
    kept = kept.reshape(-1)
    total = torch_losses.cascade_sum(losses.reshape(-1), kept)
    if reduction == 'sum':
        return np.asarray(total, x.dtype), None
    if w is None and kept.size < 1 << 24:      # a cascade of ones: the count, exactly
        total_weight = np.asarray(np.count_nonzero(kept), x.dtype)
    else:
        total_weight = np.asarray(torch_losses.cascade_sum(
            (np.ones(kept.size, x.dtype) if w is None else w).reshape(-1), kept), x.dtype)
    with np.errstate(invalid='ignore'):                 # 0 / 0: every target ignored
        return np.asarray(total / total_weight, x.dtype), total_weight


def _nll_weights(target, kept, weight, np_dtype):
    """(w[t] per sample, 0 where ignored; None for no class weights), and the targets with
    ignored ones replaced by 0, safe to index with (the targets themselves when none is)."""
    safe = target if kept.all() else np.where(kept, target, 0)
    if weight is None:
        return None, safe
    return np.where(kept, weight[safe], np_dtype.type(0)).astype(np_dtype, copy=False), safe


def _picked(x, safe):
    """x[n, safe[n, ...], ...]: each sample's value at its class (dim 1)."""
    if x.ndim == 2:                           # fancy indexing: a third of take_along_axis's
        return x[np.arange(x.shape[0]), safe]
    return np.take_along_axis(x, np.expand_dims(safe, 1), axis=1).squeeze(1)


def nll_loss_backward(target, gy, shape, dtype, reduction, weight, ignore_index,
                      total_weight):
    """nll_loss's gradient (of `shape`): zeros but at each sample's target, -(gy /
    total_weight) w[t] for 'mean' (PyTorch's order), -gy w[t] otherwise; an ignored
    sample's stays 0."""
    kept = target != ignore_index
    w, safe = _nll_weights(target, kept, weight, dtype)
    gy = np.asarray(gy)
    with np.errstate(divide='ignore', invalid='ignore'):
        coef = -(gy / total_weight) if reduction == 'mean' else -gy
        picked = coef if w is None else coef * w
    picked = np.where(kept, picked, dtype.type(0)).astype(dtype, copy=False)
    gx = np.zeros(shape, dtype)
    if len(shape) == 2:
        gx[np.arange(shape[0]), safe] = picked
    else:
        np.put_along_axis(gx, np.expand_dims(safe, 1), np.expand_dims(picked, 1), axis=1)
    return gx


def cross_entropy_forward(x, target, reduction, weight, ignore_index):
    """x: (N, C, ...) logits; target: (N, ...) class indices. -w[t] log_softmax(x)[t], with
    'mean' dividing by the sum of the weights (PyTorch's nll_loss)."""
    exact = _torch_softmax.cross_entropy_forward(x, target, reduction, weight, ignore_index)
    if exact is not None:                                   # float32: PyTorch's bits
        return exact
    w, safe = cross_entropy_weights(target, weight, ignore_index, x.dtype)
    logp = log_softmax_forward(x, 1)
    loss = -w * np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
    # An ignored sample adds 0, even where its logits give nan (an inf among them): PyTorch
    # skips it rather than weighting it by 0.
    loss = np.where(target == ignore_index, 0, loss).astype(x.dtype, copy=False)
    if reduction == 'none':
        return loss
    total = np.sum(loss)
    return np.asarray(total / np.sum(w) if reduction == 'mean' else total, x.dtype)


def cross_entropy_forward_keeping(x, target, reduction, weight, ignore_index):
    """(loss, log_probs): cross_entropy_forward, and the log_softmax(x, 1) it made where the
    float32 (N, C) kernel made it, for cross_entropy_backward (None elsewhere). Keeping it
    saves the backward a log_softmax: one exp an element rather than two and a log."""
    kept = _torch_softmax.cross_entropy_forward(x, target, reduction, weight, ignore_index,
                                                keep_log_probs=True)
    if kept is not None:
        return kept
    return cross_entropy_forward(x, target, reduction, weight, ignore_index), None


def cross_entropy_backward(x, target, gy, reduction, weight, ignore_index, log_probs=None):
    """(softmax(x) - onehot(target)) * w[target] * gy, with softmax recomputed from x
    unless the forward kept log_probs (cross_entropy_forward_keeping)."""
    exact = _torch_softmax.cross_entropy_backward(x, target, gy, reduction, weight, ignore_index,
                                                  log_probs)
    if exact is not None:                                   # float32: PyTorch's bits
        return exact
    w, safe = cross_entropy_weights(target, weight, ignore_index, x.dtype)
    coef = gy * w
    if reduction == 'mean':
        coef = coef / np.sum(w)
    # An ignored sample's is 0 even where the others' are nan (every target ignored: 'mean'
    # divides by a total weight of 0): PyTorch skips it.
    coef = np.where(target == ignore_index, 0, coef)
    coef = coef[:, None].astype(x.dtype, copy=False)
    g = softmax_forward(x, 1)
    index = safe[:, None]
    picked = np.take_along_axis(g, index, axis=1)
    g *= coef
    np.put_along_axis(g, index, (picked - 1) * coef, axis=1)
    return g


# ---- CTC: the alpha (forward) and beta (backward) recursions over the extended labels ------

def _ctc_extended(log_probs, targets, target_lengths, blank):
    """The extended label sequences (N, 2S + 1): blank, l1, blank, l2, ..., blank; the
    log-probabilities of their labels (T, N, 2S + 1); which positions may be reached by
    skipping the one before (a label unlike the one two back); which lie within each
    sample's 2L + 1."""
    n, width = targets.shape
    extended = np.full((n, 2 * width + 1), blank, np.int64)
    extended[:, 1::2] = targets
    picked = np.take_along_axis(log_probs, np.broadcast_to(extended[None], (
        log_probs.shape[0],) + extended.shape), axis=2)
    skip = np.zeros(extended.shape, bool)
    # a label position (odd s) unlike the label before it; a target equal to the blank counts
    # as a label there, as in PyTorch
    skip[:, 3::2] = extended[:, 3::2] != extended[:, 1:-2:2]
    inside = np.arange(extended.shape[1])[None, :] < 2 * target_lengths[:, None] + 1
    return extended, picked, skip, inside


def _log_add3(a, b, c):
    """log(e^a + e^b + e^c), shifted by their maximum (by 0 where all are -inf)."""
    top = np.maximum(np.maximum(a, b), c)
    top = np.where(top == -np.inf, 0, top)
    with np.errstate(divide='ignore'):
        return np.log(np.exp(a - top) + np.exp(b - top) + np.exp(c - top)) + top


def _shifted(values, by, fill=-np.inf):
    """values moved `by` places along the last axis (towards higher s for by > 0)."""
    out = np.full(values.shape, fill, values.dtype)
    if by > 0:
        out[..., by:] = values[..., :-by]
    else:
        out[..., :by] = values[..., -by:]
    return out


def ctc_loss_forward(log_probs, targets, input_lengths, target_lengths, blank):
    """log_probs (T, N, C); targets (N, S) padded int64; lengths (N,) int64. The negative log
    likelihood of each sample's target (N,) and the log-alphas (T, N, 2S + 1) backward
    reuses: alpha_t(s) = lp_t(l'_s) + log(alpha_{t-1}(s) + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2)
    where l'_s may be skipped to]), -inf outside each sample's lengths."""
    steps = log_probs.shape[0]
    _, picked, skip, inside = _ctc_extended(log_probs, targets, target_lengths, blank)
    alpha = np.full(picked.shape, -np.inf, log_probs.dtype)
    if steps:
        alpha[0, :, 0] = picked[0, :, 0]
        if alpha.shape[2] > 1:                               # some target is not empty
            alpha[0, :, 1] = np.where(target_lengths > 0, picked[0, :, 1], -np.inf)
        alpha[0] = np.where(inside & (input_lengths[:, None] > 0), alpha[0], -np.inf)
    for t in range(1, steps):
        before = alpha[t - 1]
        two_back = np.where(skip, _shifted(before, 2), -np.inf)
        step = _log_add3(before, _shifted(before, 1), two_back) + picked[t]
        alpha[t] = np.where(inside & (t < input_lengths[:, None]), step, -np.inf)
    batch = np.arange(targets.shape[0])
    last = alpha[np.maximum(input_lengths - 1, 0), batch]              # (N, 2S + 1)
    end = 2 * target_lengths
    final_blank = last[batch, end]
    final_label = np.where(target_lengths > 0, last[batch, np.maximum(end - 1, 0)], -np.inf)
    likelihood = _log_add3(final_blank, final_label, np.full_like(final_blank, -np.inf))
    # no steps: the empty target has probability 1, any other 0
    likelihood = np.where(input_lengths == 0, np.where(target_lengths == 0, 0.0, -np.inf),
                          likelihood)
    return (-likelihood).astype(log_probs.dtype, copy=False), alpha


def ctc_loss_backward(gy, log_probs, targets, input_lengths, target_lengths, nll, log_alpha,
                      blank, zero_infinity):
    """PyTorch's gradient: (exp(lp_t(c)) - exp(log(sum of alpha_t(s) beta_t(s) over the s
    whose label is c) + nll - lp_t(c))) * gy for t within the input, 0 after it (and for a
    whole sample of infinite loss with zero_infinity). beta runs the recursion from each
    sample's end, lp_t(l'_s) included as in alpha."""
    steps, n, classes = log_probs.shape
    extended, picked, skip, inside = _ctc_extended(log_probs, targets, target_lengths, blank)
    beta = np.full(picked.shape, -np.inf, log_probs.dtype)
    width = picked.shape[2]
    positions = np.arange(width)[None, :]
    ends = (positions == 2 * target_lengths[:, None]) | \
        ((positions == 2 * target_lengths[:, None] - 1) & (target_lengths[:, None] > 0))
    skip_from = _shifted(skip, -2, False)           # s + 2 may be skipped to from s
    for t in range(steps - 1, -1, -1):
        start = np.where(ends, picked[t], -np.inf)
        if t + 1 < steps:
            after = beta[t + 1]
            two_on = np.where(skip_from, _shifted(after, -2), -np.inf)
            step = _log_add3(after, _shifted(after, -1), two_on) + picked[t]
        else:
            step = start
        last_step = (t == input_lengths - 1)[:, None]
        within = (t < input_lengths - 1)[:, None]
        beta[t] = np.where(inside & last_step, start, np.where(inside & within, step, -np.inf))
    both = log_alpha + beta                                            # (T, N, 2S + 1)
    # PyTorch's last step writes the final label's term over the final blank's when that
    # label is the blank itself (a target holding the blank): the same here
    batch = np.arange(n)
    overwritten = (target_lengths > 0) & (input_lengths > 0) & (
        extended[batch, np.maximum(2 * target_lengths - 1, 0)] == blank)
    both[np.maximum(input_lengths - 1, 0)[overwritten], batch[overwritten],
         2 * target_lengths[overwritten]] = -np.inf
    top = both.max(axis=2, keepdims=True) if width else np.zeros((steps, n, 1))
    top = np.where(top == -np.inf, 0, top)
    shares = np.exp(both - top)
    summed = np.zeros(log_probs.shape, log_probs.dtype)
    for s in range(width):            # one position of every sample: (b, label) pairs differ
        summed[:, batch, extended[:, s]] += shares[:, :, s]
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        per_class = np.log(summed) + top
        grad = (np.exp(log_probs) - np.exp(per_class + nll[None, :, None] - log_probs)) \
            * gy[None, :, None]
    keep = np.arange(steps)[:, None] < input_lengths[None, :]           # (T, N)
    if zero_infinity:
        keep = keep & (nll != np.inf)[None, :]
    return np.where(keep[:, :, None], grad, 0).astype(log_probs.dtype, copy=False)


# ---- matrix products, shapes, indexing ---------------------------------------------------

def matmul(a, b):
    """a @ b. With an inner dim of 1 (a (m, 1) by (1, n) outer product, as a 1-input Linear
    and a one-output Linear's input gradient make) each result is one product: _fma.outer
    gives it in a fraction of BLAS's time and, as PyTorch's, keeps its sign where it is zero
    (OpenBLAS adds it to +0)."""
    if a.ndim == 2 and b.ndim == 2 and a.shape[1] == 1 and b.shape[0] == 1:
        return outer(a[:, 0], b[0])
    return np.matmul(a, b)


_FMA_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def linear_forward(x, weight, bias):
    """x @ weight.T + bias (nn.Linear); the bias is added into the product's fresh array.
    With one input feature on an Intel CPU, PyTorch's MKL adds each product to the bias in
    one fused multiply-add where the product is a gemm (more than one row and column); its
    gemv, and its paths on AMD's CPUs, round the product first."""
    if (bias is not None and x.shape[-1] == 1 and 1 < x.size and 1 < weight.shape[0]
            and x.dtype in _FMA_DTYPES and _mkl.takes_intel_paths()):
        y = outer(x.reshape(-1), weight[:, 0], bias)
        return y.reshape(x.shape[:-1] + y.shape[-1:])
    y = matmul(x, weight.T)
    if bias is not None and not (_numba_dispatch.kernel_pays('elementwise', y.size)
                                 and _add_bias_rows(y, bias)):
        y += bias
    return y


def _add_bias_rows(y, bias):
    """y += bias on the kernels' threads (NumPy's broadcast add runs on one: 311 us against
    93 for (1024, 1024) on the 2-core Xeon); False where the kernel declines."""
    kernel = _numba_dispatch._kernel_module('elementwise').add_row_in_place
    return _exact_sum.launch(kernel, y, bias) is not None


def contiguous(x):
    """x as a C-contiguous array (x itself when it is one). Where x's last dim is strided (a
    transpose), NumPy's copy walks the source with a cache miss per element (4096 x 4096 .T:
    136 ms, against 12 ms for a plain copy); large ones take a tiled parallel copy, and
    large rows of a dense last dim the copy kernel (cpu_copies.py)."""
    if x.flags.c_contiguous:
        return x
    if _numba_dispatch.kernel_pays('elementwise_fused', x.size):
        out = _tiled_copy(x)
        if out is not None:
            return out
    return _cpu_copies.copy(x)            # (rows of a dense last dim: the copy kernel's)


def reshape(x, shape):
    """x.reshape(shape): a view where the strides allow, else contiguous(x)'s copy."""
    if x.size < _TILED_FROM or x.flags.c_contiguous:
        return x.reshape(shape)
    try:
        return np.reshape(x, shape, copy=False)
    except ValueError:                      # a copy is needed
        return contiguous(x).reshape(shape)
    except TypeError:                       # NumPy before 2.1: no copy argument
        return x.reshape(shape)


_TILED_FROM = 1 << 16           # below: NumPy's reshape without asking (the tiny tensors' path)


def _tiled_copy(x):
    """contiguous(x) by the Numba kernel when x's dims merge into at most 3 and the last is
    strided; None otherwise (NumPy's copy is fine when the last dim is dense)."""
    shape, strides = [], []
    for n, st in zip(x.shape, x.strides):
        if n == 1:
            continue
        if shape and strides[-1] == st * n:        # mergeable with the dim before
            shape[-1] *= n
            strides[-1] = st
        else:
            shape.append(n)
            strides.append(st)
    if not shape or len(shape) > 3 or strides[-1] == x.itemsize or x.itemsize not in (1, 2, 4, 8):
        return None
    pad = 3 - len(shape)
    bits = np.dtype(f'u{x.itemsize}')
    source = np.lib.stride_tricks.as_strided(x.view(bits), (1,) * pad + tuple(shape),
                                             (0,) * pad + tuple(strides), writeable=False)
    out = np.empty(x.shape, x.dtype)
    _exact_sum.launch(_numba_dispatch._kernel_module('indexing').tiled_copy, source,
                      out.view(bits).reshape(source.shape))
    return out


def concatenate(arrays, dim):
    """np.concatenate; each piece of a large result copied in on the kernels' threads."""
    first = arrays[0]
    if not _numba_dispatch.kernel_pays('copy', sum(a.size for a in arrays)) or \
            not first.ndim or not -first.ndim <= dim < first.ndim:
        return np.concatenate(arrays, axis=dim)
    dim %= first.ndim
    if any(a.ndim != first.ndim or a.shape[:dim] != first.shape[:dim] or
           a.shape[dim + 1:] != first.shape[dim + 1:] for a in arrays):
        return np.concatenate(arrays, axis=dim)      # (which names the bad shape)
    shape = list(first.shape)
    shape[dim] = sum(a.shape[dim] for a in arrays)
    out = np.empty(shape, np.result_type(*arrays))
    lead = (slice(None),) * dim
    start = 0
    for a in arrays:
        stop = start + a.shape[dim]
        _cpu_copies.copyto(out[lead + (slice(start, stop),)], a)
        start = stop
    return out


def stack(arrays, dim):
    """np.stack, through concatenate."""
    if arrays and all(a.shape == arrays[0].shape for a in arrays):
        dim = dim if dim >= 0 else dim + arrays[0].ndim + 1
        return concatenate([np.expand_dims(a, dim) for a in arrays], dim)
    return np.stack(arrays, axis=dim)


def cast(x, np_dtype):
    """x in np_dtype (a copy), laid out as PyTorch's `to` lays it out: a dense input's
    strides kept, any other C-ordered."""
    if x.flags.c_contiguous:
        return _cpu_copies.copy(x, np_dtype)
    if _layout.is_non_overlapping_and_dense(x):
        return x.astype(np_dtype)
    return x.astype(np_dtype, order='C')


# ---- sliding windows (convolution's im2col, pooling): a gather and its scatter-add ----------

def _window_index(xp, shape, kernel, stride, dilation, channels_inside):
    """The advanced index that gathers the windows of an (N, C, *sizes) array: x[index] is
    (N, C, *outs, *kernel), or with channels_inside (N, *outs, C, *kernel)."""
    dims = len(kernel)
    inside = int(channels_inside)
    width = 2 * dims + inside
    positions = []
    for d, (n, k, s, dil) in enumerate(zip(shape[2:], kernel, stride, dilation)):
        count = (n - dil * (k - 1) - 1) // s + 1
        starts = [1] * width
        starts[d] = count
        offsets = [1] * width
        offsets[dims + inside + d] = k
        positions.append((xp.arange(count) * s).reshape(starts)
                         + (xp.arange(k) * dil).reshape(offsets))
    if not channels_inside:
        return (slice(None), slice(None)) + tuple(positions)
    channel = [1] * width
    channel[dims] = shape[1]
    return (slice(None), xp.arange(shape[1]).reshape(channel)) + tuple(positions)


def windows_forward(x, kernel, stride, dilation, channels_inside):
    """x (N, C, *sizes) -> its sliding windows (N, C, *outs, *kernel), or (N, *outs, C,
    *kernel) with channels_inside: the rows of a convolution's matmul, with no copy between."""
    dims = len(kernel)
    view = np.lib.stride_tricks.as_strided(
        x, x.shape[:2] + _window_counts(x.shape, kernel, stride, dilation) + tuple(kernel),
        x.strides[:2] + tuple(st * s for st, s in zip(x.strides[2:], stride))
        + tuple(st * d for st, d in zip(x.strides[2:], dilation)), writeable=False)
    if channels_inside:
        view = np.moveaxis(view, 1, 1 + dims)
    if not _windows_by_kernel(x, view.size):
        return np.ascontiguousarray(view)
    out = np.empty(view.shape, x.dtype)
    canonical = np.moveaxis(out, 1 + dims, 1) if channels_inside else out
    _exact_sum.launch(_numba_dispatch._kernel_module('indexing').windows_gather,
                      *_as_3d(x, canonical, kernel, stride, dilation), channels_inside)
    return out


def windows_backward(gy, shape, kernel, stride, dilation, channels_inside):
    """The windows' gradient onto x's shape: each window added back where it came from, in
    np.add.at's order (which the kernel keeps: the same bits either way)."""
    if not _scatters_by_kernel(gy, gy.size):
        out = np.zeros(shape, gy.dtype)
        np.add.at(out, _window_index(np, shape, kernel, stride, dilation, channels_inside), gy)
        return out
    out = np.empty(shape, gy.dtype)          # the kernel zeroes it, in parallel
    dims = len(kernel)
    canonical = np.moveaxis(gy, 1 + dims, 1) if channels_inside else gy
    x3, gy3, *steps = _as_3d(out, canonical, kernel, stride, dilation)
    _exact_sum.launch(_numba_dispatch._kernel_module('indexing').windows_scatter, gy3, x3,
                      *steps)
    return out


def max_pool_forward(x, kernel, stride, padding, dilation, outs):
    """Max pooling of x (N, C, *sizes), 2 or 3 spatial dims: `outs` windows a dim (ceil_mode's
    counted by the caller), padding outside the input and never read. The values (N, C,
    *outs) and the int64 index of each in its (N, C) plane, as PyTorch's CPU kernel picks it:
    the first of equal maxima, the last NaN, the window's first element inside the input when
    nothing beats the lowest value (numba_kernels/pooling.py; the NumPy form below agrees)."""
    shape = x.shape[:2] + tuple(outs)
    lowest = _lowest(x.dtype)
    # The kernel was faster at every size measured (74 against 87 us at 64 elements, 1.5
    # against 25 ms at 2^20: results/cpu-layers-2026-12-04/pool_crossover.txt); the
    # smallest family crossover (4,096) keeps tiny tensors off the thread pool all the same
    if not (x.dtype.char in 'fd' or x.dtype.kind in 'iu') or \
            not _numba_dispatch.kernel_pays('softmax', x.size):
        return _max_pool_numpy(x, kernel, stride, padding, dilation, shape, lowest)
    values = np.empty(shape, x.dtype)
    index = np.empty(shape, np.int64)
    if values.size:
        planes, three = _pool_planes(x.ndim)
        _exact_sum.launch(_numba_dispatch._kernel_module('pooling').max_pool_planes,
                          x.reshape(planes + x.shape[2:]), values.reshape(planes + shape[2:]),
                          index.reshape(planes + shape[2:]), three(kernel, 1),
                          three(stride, 1), three(padding, 0), three(dilation, 1), lowest)
    return values, index


def _lowest(dtype):
    """Where PyTorch's max pooling starts each window: -inf, or an integer type's least."""
    return dtype.type(-np.inf) if dtype.kind == 'f' else np.iinfo(dtype).min


def _max_pool_numpy(x, kernel, stride, padding, dilation, shape, lowest):
    """max_pool_forward's NumPy form: every window gathered (padding holds `lowest`), its max
    (NaN wins), and the index by PyTorch's rules from which of the window's taps hold it."""
    if not math.prod(shape):
        return np.empty(shape, x.dtype), np.empty(shape, np.int64)
    outs, sizes = shape[2:], x.shape[2:]
    padded = _pool_padded(x, kernel, stride, padding, outs, dilation, lowest)
    steps = padded.strides[2:]
    windows = np.lib.stride_tricks.as_strided(
        padded, shape + tuple(kernel), padded.strides[:2]
        + tuple(t * s for t, s in zip(steps, stride))
        + tuple(t * d for t, d in zip(steps, dilation)), writeable=False)
    windows = windows.reshape(shape + (-1,))
    values = windows.max(-1)
    # each tap's place along each dim, (*outs, taps), and whether it is inside the input
    dims, places = len(outs), []
    for d, (o, s, p, k, t) in enumerate(zip(outs, stride, padding, kernel, dilation)):
        view = [1] * (2 * dims)
        view[d], view[dims + d] = o, k
        place = np.add.outer(np.arange(o) * s - p, np.arange(k) * t).reshape(view)
        places.append(np.broadcast_to(place, tuple(outs) + tuple(kernel)).reshape(
            tuple(outs) + (-1,)))
    inside = np.logical_and.reduce([(q >= 0) & (q < n) for q, n in zip(places, sizes)])
    tap = (values[..., None] == windows).argmax(-1)
    tap = np.where(values == lowest, inside.argmax(-1), tap)
    if x.dtype.kind == 'f':
        nan = np.isnan(windows)
        last_nan = nan.shape[-1] - 1 - nan[..., ::-1].argmax(-1)
        tap = np.where(nan.any(-1), last_nan, tap)
    index = np.zeros(shape, np.int64)
    for place, n in zip(places, sizes):
        index = index * n + np.take_along_axis(
            np.broadcast_to(place, shape + place.shape[-1:]), tap[..., None], -1)[..., 0]
    return values, index


def max_pool_backward(gy, index, shape):
    """max_pool_forward's gradient onto x's shape: each output's gy added to the element its
    index names, plane by plane in the outputs' order (np.add.at's, PyTorch's)."""
    planes = shape[0] * shape[1]
    grads = gy.reshape(planes, math.prod(gy.shape[2:]))         # (no -1: planes may be 0)
    where = index.reshape(grads.shape)
    # np.add.at costs ~9 ns an output: the kernel pays from about 8,000 of them (90 against
    # 152 us at 16,384, pool_crossover.txt), the transcendental family's crossover
    if gy.dtype.char in 'fd' and _numba_dispatch.kernel_pays('transcendental', gy.size):
        out = np.empty((planes, math.prod(shape[2:])), gy.dtype)
        if out.size:
            _exact_sum.launch(_numba_dispatch._kernel_module('pooling').max_pool_scatter,
                              grads, where, out)
        return out.reshape(shape)
    out = np.zeros((planes, math.prod(shape[2:])), gy.dtype)
    np.add.at(out, (np.arange(planes)[:, None], where), grads)
    return out.reshape(shape)


def avg_pool_forward(x, kernel, stride, padding, factors):
    """Average pooling of x (N, C, *sizes), 2 or 3 spatial dims, as PyTorch's CPU kernel:
    each window clipped to the input, summed in x's dtype from 0 in row-major order, divided
    by its factor (factors: x's dtype, one per output position: the window's size with or
    without its padding, or the divisor given). numba_kernels/pooling.py; the NumPy form
    below sums the same way (the padding's zeros it adds leave every partial sum as it is)."""
    shape = x.shape[:2] + factors.shape
    if x.dtype.char in 'fd' and _numba_dispatch.kernel_pays('softmax', x.size):
        out = np.empty(shape, x.dtype)
        if out.size:
            planes, three = _pool_planes(x.ndim)
            _exact_sum.launch(_numba_dispatch._kernel_module('pooling').avg_pool_planes,
                              x.reshape(planes + x.shape[2:]), out.reshape(planes + shape[2:]),
                              factors.reshape(planes[1:] + factors.shape), three(kernel, 1),
                              three(stride, 1), three(padding, 0), x.dtype.type(0))
        return out
    total = np.zeros(shape, x.dtype)
    if total.size:
        padded = _pool_padded(x, kernel, stride, padding, factors.shape)
        for tap in np.ndindex(*kernel):                 # row-major, as the kernel's walk
            total += _pool_tap_view(padded, tap, stride, shape, False)
    return total / factors


def avg_pool_backward(gy, shape, kernel, stride, padding, factors):
    """avg_pool_forward's gradient onto x's shape: gy / factor added to each element of each
    window, the outputs in order (PyTorch's CPU loop's)."""
    if gy.dtype.char in 'fd' and _numba_dispatch.kernel_pays('softmax', gy.size):
        out = np.empty(shape, gy.dtype)
        if out.size:
            planes, three = _pool_planes(len(shape))
            _exact_sum.launch(_numba_dispatch._kernel_module('pooling').avg_pool_scatter,
                              gy.reshape(planes + gy.shape[2:]), factors.reshape(
                                  planes[1:] + factors.shape), out.reshape(planes + shape[2:]),
                              three(kernel, 1), three(stride, 1), three(padding, 0))
        return out
    share = gy / factors
    padded = _pool_padded(np.zeros(shape, gy.dtype), kernel, stride, padding, factors.shape)
    if share.size:
        # each element takes its windows in their order: its taps from the last one back
        for tap in reversed(list(np.ndindex(*kernel))):
            view = _pool_tap_view(padded, tap, stride, share.shape, True)
            view += share
    inside = tuple(slice(p, p + n) for p, n in zip(padding, shape[2:]))
    return np.ascontiguousarray(padded[(slice(None), slice(None)) + inside])


def _pool_planes(ndim):
    """(N, C, *sizes) as (planes, D, H, W): the reshape's leading part, and a function that
    writes a per-dim tuple as the kernels' 3 dims (`missing` in front)."""
    front = 5 - ndim

    def three(values, missing):
        return np.array((missing,) * front + tuple(values))
    return (-1,) + (1,) * front, three


def _pool_padded(x, kernel, stride, padding, outs, dilation=None, value=0):
    """x with `padding` values in front of each spatial dim, and after it as many as the
    last of `outs` windows reaches past the input."""
    dilation = dilation or (1,) * len(kernel)
    after = [max(0, (o - 1) * s + d * (k - 1) + 1 - p - n) for o, s, d, k, p, n in
             zip(outs, stride, dilation, kernel, padding, x.shape[2:])]
    return np.pad(x, ((0, 0), (0, 0)) + tuple(zip(padding, after)), constant_values=value)


def _pool_tap_view(padded, tap, stride, shape, writeable):
    """The element each window of `shape` (N, C, *outs) reads at `tap`: a strided view."""
    corner = padded[(slice(None), slice(None)) + tuple(slice(t, None) for t in tap)]
    return np.lib.stride_tricks.as_strided(
        corner, shape, corner.strides[:2] + tuple(st * s for st, s in
                                                   zip(corner.strides[2:], stride)),
        writeable=writeable)


# A convolution and its two gradients (x padded): matrix products over columns of windows,
# a chunk at a time (conv_columns.py).
convolution = _conv_columns.convolution
convolution_input_grad = _conv_columns.convolution_input_grad
convolution_weight_grad = _conv_columns.convolution_weight_grad


def _window_counts(shape, kernel, stride, dilation):
    return _conv_columns.output_size(shape[2:], kernel, stride, dilation)


def _windows_by_kernel(array, size):
    return (array.dtype.char in 'fd' or array.dtype.kind in 'iu') and \
        _numba_dispatch.kernel_pays('reduction', size)


def _scatters_by_kernel(array, size):
    """_windows_by_kernel for the scatter-add back: np.add.at costs ~20 ns an element."""
    return (array.dtype.char in 'fd' or array.dtype.kind in 'iu') and \
        _numba_dispatch.kernel_pays('scatter', size)


def _as_3d(x, windows, kernel, stride, dilation):
    """x (N, C, *sizes) and its windows (N, C, *outs, *kernel) with 3 spatial dims (size-1
    dims in front of fewer), and the stride and dilation as 3-tuples: the kernels' form."""
    dims = len(kernel)
    missing = 3 - dims
    front = tuple(range(2, 2 + missing))            # (views, never copies: kernels write them)
    x3 = np.expand_dims(x, front)
    w3 = np.expand_dims(windows, front + tuple(range(2 + missing + dims, 5 + missing)))
    ones = (1,) * missing
    return x3, w3, np.array(ones + tuple(stride)), np.array(ones + tuple(dilation))


# x[mask] and masked_select, and their gradients (cpu_masks.py: branch-free kernels from a
# measured size)
masked_select = _cpu_masks.masked_select
mask_spread = _cpu_masks.mask_spread
mask_rows = _cpu_masks.mask_rows                    # x[mask] of x's leading dims
mask_rows_spread = _cpu_masks.mask_rows_spread


def setitem(x, index, value):
    """x[index] = value in place (index normalised: a tuple)."""
    if _full_mask(index, x.shape):
        _cpu_masks.mask_put(x, index[0], value)
    elif (_one_mask(index) and type(index[0]) is np.ndarray and np.size(value) == 1
            and index[0].shape == x.shape[:index[0].ndim]):
        _cpu_masks.mask_rows_fill(x, index[0], value)          # boxes[drop] = 0
    else:
        x[index] = value


def _full_mask(index, shape):
    """Is index (mask,), a bool array of the whole shape?"""
    return (type(index) is tuple and len(index) == 1 and type(index[0]) is np.ndarray
            and index[0].dtype == bool and index[0].shape == tuple(shape))


def _one_mask(index):
    """Is index one bool array among full slices (x[mask] of leading dims, x[:, mask])?"""
    if type(index) is not tuple:
        return False
    masks = 0
    for part in index:
        if type(part) is np.ndarray and part.dtype == bool:
            masks += 1
        elif part is not Ellipsis and (type(part) is not slice or part != slice(None)):
            return False
    return masks == 1


def index_backward(index, gy, shape, accumulate):
    """Zeros of `shape` with gy written at `index`; repeated indices add when accumulate."""
    if _full_mask(index, shape):
        return mask_spread(gy, index[0], shape, accumulate)      # x[mask]'s
    if accumulate and _one_mask(index):     # (rows): no place twice, so a write, not add.at
        if type(index[0]) is np.ndarray and index[0].shape == tuple(shape[:index[0].ndim]):
            return mask_rows_spread(gy, index[0], shape, True)
        out = np.zeros(shape, gy.dtype)
        out[index] = gy + gy.dtype.type(0)                       # 0 + g, as add.at's
        return out
    if accumulate:
        out = _scatter_add_by_kernel(shape, index, gy)
        if out is not None:
            return out
    out = np.zeros(shape, gy.dtype)
    if not accumulate:
        view = (out[index] if _numba_dispatch.kernel_pays('copy', gy.size) and
                _is_basic(index) else None)
        if type(view) is np.ndarray:                # (all ints give a NumPy scalar)
            _cpu_copies.copyto(view, gy)            # a large gy on the kernels' threads
        else:
            out[index] = gy
    else:
        np.add.at(out, index, gy)
    return out


def _is_basic(index):
    return type(index) is tuple and all(
        type(i) is slice or type(i) is int or i is None or i is Ellipsis for i in index)


def _scatter_add_by_kernel(shape, index, gy):
    """np.add.at(zeros(shape), index, gy) by the parallel Numba kernel, with its bits, where
    index is full slices around one block of integer arrays (x[idx] with idx a tensor); None
    for other indices, dtypes and sizes. (4 x 16 x 256 x 256's 3x3 windows took 285 ms in
    np.add.at when conv2d gathered them by such an index.)"""
    if type(index) is np.ndarray:
        index = (index,)
    if (gy.dtype.char not in 'fd' or type(index) is not tuple
            or not _numba_dispatch.kernel_pays('scatter', gy.size)):
        return None
    layout = _advanced_block(index, len(shape))
    if layout is None:
        return None
    begin, arrays = layout
    end = begin + len(arrays)
    try:
        picked = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        return None
    if gy.shape != tuple(shape[:begin]) + picked + tuple(shape[end:]):
        return None
    where, step = 0, 1              # the flat places in out's indexed dims, built broadcast
    for a, n in zip(reversed(arrays), reversed(shape[begin:end])):
        where = where + np.where(a < 0, a + n, a) * step
        step *= n
    where = np.broadcast_to(where, picked).reshape(-1)
    lead, trail = math.prod(shape[:begin]), math.prod(shape[end:])
    threads = max(1, _numba_threads())
    chunk = trail if lead >= 4 * threads else max(256, -(-trail // (4 * threads)))
    out = np.empty(shape, gy.dtype)          # the kernel zeroes it, in parallel
    kernels = _numba_dispatch._kernel_module('indexing')
    _exact_sum.launch(kernels.scatter_add, out.reshape(lead, -1, trail),
                      reshape(gy, (lead, where.size, trail)), where, chunk)
    return out


def _advanced_block(index, ndim):
    """(first dim, integer arrays) when index is full slices (an Ellipsis too), one block of
    integer arrays, then full slices; else None."""
    if any(part is Ellipsis for part in index):
        at = index.index(Ellipsis)
        index = index[:at] + (slice(None),) * (ndim - len(index) + 1) + index[at + 1:]
    arrays = [i for i, part in enumerate(index) if type(part) is not slice]
    if not arrays or len(index) > ndim or arrays[-1] - arrays[0] + 1 != len(arrays):
        return None
    if any(part != slice(None) for part in index if type(part) is slice):
        return None
    parts = [index[i] for i in arrays]
    if not all(type(p) is np.ndarray and p.dtype.kind in 'iu' for p in parts):
        return None
    return arrays[0], parts


def _numba_threads():
    import numba
    return numba.get_num_threads()


# ---- optimizer updates: in place, one call per parameter ---------------------------------
# These write into `param` and the state arrays (they say so). The CUDA backend does each
# in one fused kernel. Here each step is PyTorch's own sequence of tensor ops (its
# single-tensor path, which CPU parameters take), rounded as PyTorch's compiled CPU loops
# round them: add with alpha, addcmul and lerp are one fused multiply-add, addcdiv is
# self + (value * t1) / t2, and scalars act in the parameter's dtype. Only sqrt can differ:
# PyTorch's comes from MKL's vector library, about 0.7% of float32 results one ulp low.

def _owned_copy(grad, negate):
    """A new array holding grad (or -grad); an array even when 0-d (ufuncs return scalars)."""
    return np.negative(grad, out=np.empty_like(grad)) if negate else np.array(grad, copy=True)


def _opmath(array):
    """The type a multiplier or divisor takes in PyTorch's loops over `array` (mul, addcmul,
    addcdiv, lerp): its own, float32 for float16."""
    return np.float32 if array.dtype == np.float16 else array.dtype.type


def _alpha(array, value):
    """An added number or add's alpha as PyTorch's add loops over `array` take it: in its
    dtype, then (float16) worked in float32."""
    return np.float32(np.float16(value)) if array.dtype == np.float16 else array.dtype.type(value)


def _fma(a, b, c):
    """a * b + c rounded once, in c's dtype (a float array; float16 as PyTorch's loops)."""
    return fma_in(c.dtype, a, b, c)


def _add_scaled(target, other, alpha):
    """target.add_(other, alpha=alpha): target = fma(other, alpha, target), in place."""
    target[...] = _fma(other, _alpha(target, alpha), target)


def _lerp(start, end, weight):
    """start.lerp_(end, weight) for a number weight, in place: start + w (end - start) below
    |w| = 0.5, else end - (end - start)(1 - w), each one fused multiply-add."""
    w = _opmath(start)(weight)
    if abs(w) < 0.5:
        start[...] = _fma(w, np.subtract(end, start, dtype=type(w)), start)
    else:
        start[...] = _fma(np.subtract(start, end, dtype=type(w)), 1 - w, end)


def _scale_and_add_square(average, decay, g, weight):
    """average.mul_(decay).addcmul_(g, g, value=weight), in place: the running mean of g^2."""
    dt = _opmath(average)
    average *= dt(decay)
    average[...] = _fma(g * dt(weight), g, average)


def _step_over(param, numerator, denominator, value):
    """param.addcdiv_(numerator, denominator, value=value), in place: (value * numerator) /
    denominator, added (worked in float32 for float16, rounded once)."""
    param += (numerator * _opmath(param)(value)) / denominator


def _direction(param, grad, weight_decay, maximize):
    """grad (negated when maximize) plus weight_decay * param, fused as PyTorch's
    grad.add(param, alpha=weight_decay); grad itself when neither applies."""
    g = -grad if maximize else grad
    return _fma(param, _alpha(param, weight_decay), g) if weight_decay else g


def _decayed_direction(param, grad, lr, weight_decay, maximize, decoupled):
    """_direction, or with decoupled weight decay (AdamW's) the plain gradient (negated when
    maximize), param being scaled by 1 - lr * weight_decay in place instead."""
    if weight_decay and decoupled:
        param *= _opmath(param)(1 - lr * weight_decay)
        return -grad if maximize else grad
    return _direction(param, grad, weight_decay, maximize)


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, nesterov, weight_decay,
             maximize):
    """torch.optim.SGD's update of one parameter, in place. Returns the momentum buffer: the
    one given, updated, or a new one on the first step (None when momentum is 0)."""
    d = _direction(param, grad, weight_decay, maximize)       # the step direction
    if momentum:
        if momentum_buffer is None:
            momentum_buffer = np.array(d, copy=True)           # the first step takes d as is
        else:
            momentum_buffer *= _opmath(param)(momentum)
            _add_scaled(momentum_buffer, d, 1 - dampening)
        d = (_fma(momentum_buffer, _alpha(param, momentum), d) if nesterov
             else momentum_buffer)
    _add_scaled(param, d, -lr)
    return momentum_buffer


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled_weight_decay):
    """torch.optim.Adam's update of one parameter (AdamW's when decoupled_weight_decay),
    in place on param and the moment arrays; `step` counts this update (1 on the first).
    max_exp_avg_sq is used only with amsgrad."""
    dt = _opmath(param)
    g = _decayed_direction(param, grad, lr, weight_decay, maximize, decoupled_weight_decay)
    _lerp(exp_avg, g, 1 - beta1)
    _scale_and_add_square(exp_avg_sq, beta2, g, 1 - beta2)
    second = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second = max_exp_avg_sq
    denom = np.sqrt(second)                       # sqrt(v) / sqrt(1 - beta2^t) + eps
    denom /= dt((1 - beta2 ** step) ** 0.5)
    denom += _alpha(param, eps)
    _step_over(param, exp_avg, denom, -(lr / (1 - beta1 ** step)))


def rmsprop_step(param, grad, square_avg, momentum_buffer, grad_avg, lr, alpha, eps,
                 weight_decay, momentum, centered, maximize):
    """torch.optim.RMSprop's update of one parameter, in place on param and the state arrays
    (momentum_buffer used with a momentum, grad_avg when centered)."""
    g = _direction(param, grad, weight_decay, maximize)
    _scale_and_add_square(square_avg, alpha, g, 1 - alpha)
    if centered:
        _lerp(grad_avg, g, 1 - alpha)
        avg = np.sqrt(_fma(-grad_avg, grad_avg, square_avg))   # v - mean^2
    else:
        avg = np.sqrt(square_avg)
    avg += _alpha(param, eps)
    if momentum:
        momentum_buffer *= _opmath(param)(momentum)
        _step_over(momentum_buffer, g, avg, 1)
        _add_scaled(param, momentum_buffer, -lr)
    else:
        _step_over(param, g, avg, -lr)


def adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize):
    """torch.optim.Adagrad's update of one parameter, in place on param and state_sum; clr is
    the step's decayed learning rate."""
    g = _direction(param, grad, weight_decay, maximize)
    state_sum[...] = _fma(g, g, state_sum)
    std = np.sqrt(state_sum)
    std += _alpha(param, eps)
    _step_over(param, g, std, -clr)


def adamax_step(param, grad, exp_avg, exp_inf, clr, beta1, beta2, eps, weight_decay,
                maximize):
    """torch.optim.Adamax's update of one parameter, in place on param and the state arrays;
    clr = lr / (1 - beta1^t)."""
    g = _direction(param, grad, weight_decay, maximize)
    _lerp(exp_avg, g, 1 - beta1)
    exp_inf *= _opmath(param)(beta2)
    np.maximum(exp_inf, np.abs(g) + _alpha(param, eps), out=exp_inf)
    _step_over(param, exp_avg, exp_inf, -clr)

def nadam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, bias_correction2, eps,
               weight_decay, grad_coef, avg_coef, maximize, decoupled_weight_decay):
    """torch.optim.NAdam's update of one parameter, in place: with denom = sqrt(v / bc2) + eps,
    p += grad_coef * g / denom + avg_coef * m / denom (the momentum schedule's coefficients
    come from the caller)."""
    dt = _opmath(param)
    g = _decayed_direction(param, grad, lr, weight_decay, maximize, decoupled_weight_decay)
    _lerp(exp_avg, g, 1 - beta1)
    _scale_and_add_square(exp_avg_sq, beta2, g, 1 - beta2)
    denom = np.sqrt(exp_avg_sq / dt(bias_correction2))
    denom += _alpha(param, eps)
    _step_over(param, g, denom, grad_coef)
    _step_over(param, exp_avg, denom, avg_coef)

def radam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, bias_correction1,
               adaptive_coef, eps, weight_decay, maximize, decoupled_weight_decay):
    """torch.optim.RAdam's update of one parameter, in place. adaptive_coef is
    sqrt(1 - beta2^t) times the variance rectification term when that is defined (rho_t > 5),
    else None: the step is then the bias-corrected momentum alone."""
    g = _decayed_direction(param, grad, lr, weight_decay, maximize, decoupled_weight_decay)
    _lerp(exp_avg, g, 1 - beta1)
    _scale_and_add_square(exp_avg_sq, beta2, g, 1 - beta2)
    update = (exp_avg / bias_correction1) * lr
    if adaptive_coef is not None:
        denom = np.sqrt(exp_avg_sq)
        denom += eps
        update *= adaptive_coef / denom
    param -= update


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """torch.optim.Adadelta's update of one parameter, in place on param and the state."""
    g = _direction(param, grad, weight_decay, maximize)
    _scale_and_add_square(square_avg, rho, g, 1 - rho)
    std = np.sqrt(square_avg + _alpha(param, eps))
    delta = np.sqrt(acc_delta + _alpha(param, eps))
    delta /= std
    delta *= g
    _scale_and_add_square(acc_delta, rho, delta, 1 - rho)
    _add_scaled(param, delta, -lr)

def asgd_step(param, grad, ax, eta, lambd, mu, weight_decay, maximize):
    """torch.optim.ASGD's update of one parameter, in place on param and its average ax:
    p = p (1 - lambd eta) - eta g, then ax moves towards p by mu (ax = p while mu is 1)."""
    g = _direction(param, grad, weight_decay, maximize)
    param *= _opmath(param)(1 - lambd * eta)
    _add_scaled(param, g, -eta)
    if mu != 1:
        ax += (param - ax) * _opmath(param)(mu)
    else:
        np.copyto(ax, param)

def rprop_step(param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max,
               maximize):
    """torch.optim.Rprop's update of one parameter, in place: each step size grows by etaplus
    where the gradient kept its sign, shrinks by etaminus where it flipped (that gradient then
    counts as 0), is clipped to [min, max]; p -= sign(g) step_size, prev = g."""
    g = _owned_copy(grad, maximize)
    product = g * prev
    factor = np.where(product > 0, param.dtype.type(etaplus),
                      np.where(product < 0, param.dtype.type(etaminus),
                               np.where(product == 0, param.dtype.type(1), product)))
    step_size *= factor
    np.clip(step_size, step_size_min, step_size_max, out=step_size)
    g[product < 0] = 0
    param -= np.sign(g) * step_size
    np.copyto(prev, g)


def adafactor_step(param, grad, row_var, col_var, variance, beta2_weight, lr, rho, eps1, eps2,
                   d, weight_decay, maximize):
    """torch.optim.Adafactor's update of one non-empty parameter, in place: the second moment
    is the row and column means of g^2 (row_var, col_var) for 2 or more dims, else the full
    variance, each lerped by beta2_weight = t^beta2_decay; the step g / sqrt(v) is scaled down
    to RMS d at most, times max(eps2, RMS(p)) rho."""
    def precondition(scale):
        estimate = variance.copy() if scale is None else row_var * col_var / scale
        estimate[estimate < eps1 * eps1] = eps1 * eps1      # clamp_(min=eps1^2), a nan kept
        with np.errstate(divide='ignore', invalid='ignore'):   # eps1 = 0: inf, nan as torch's
            update = 1 / np.sqrt(estimate)
            update *= -grad if maximize else grad
        return update
    _adafactor_update(param, grad, row_var, col_var, variance, beta2_weight, lr, rho, eps1,
                      eps2, d, weight_decay, precondition)


# ---- matrix factorisations (LAPACK through numpy.linalg) -----------------------------------
# Batches of matrices in the last two dims; eigh and svd are numpy.linalg's own (xp.linalg).

def cholesky(a):
    """The lower Cholesky factors (only the lower triangles are read); numpy.linalg's
    LinAlgError when a matrix is not positive-definite."""
    return np.linalg.cholesky(a)


def qr(a, mode):
    """(Q, R), or R alone for mode 'r'."""
    return np.linalg.qr(a, mode)


def solve_triangular(a, b, upper, unitriangular):
    """X with A X = B, for triangular A (only its upper or lower triangle is read, and not
    its diagonal when unitriangular) and batch dims already alike. Substitution, one row of X
    per step as a batched product with the rows found before; a zero on the diagonal gives
    inf and nan, as LAPACK's trsm does."""
    n = a.shape[-1]
    x = np.empty(b.shape, np.result_type(a, b))
    with np.errstate(divide='ignore', invalid='ignore'):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            known = slice(i + 1, n) if upper else slice(0, i)
            row = b[..., i, :] - np.matmul(a[..., i:i + 1, known], x[..., known, :])[..., 0, :]
            x[..., i, :] = row if unitriangular else row / a[..., i, i, None]
    return x


# ---- fused Numba kernels -------------------------------------------------------------------
# On large arrays the hot primitives above hand over to one-pass parallel kernels
# (numba_dispatch.py); below the measured crossover, and with MICROTORCH_NUMBA=0, NumPy runs.
from . import numba_dispatch as _numba_dispatch      # noqa: E402  (needs the names above)

_numba_dispatch.install(globals())


def get_cpu_capability():
    """PyTorch's torch.backends.cpu.get_cpu_capability(): the widest vector instructions the
    CPU has ('AVX512', 'AVX2' or 'DEFAULT' on x86), as NumPy detected them."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:                                   # NumPy 1
        from numpy.core._multiarray_umath import __cpu_features__ as features
    if features.get('AVX512F') and features.get('AVX512BW') and features.get('AVX512VL'):
        return 'AVX512'
    if features.get('AVX2'):
        return 'AVX2'
    return 'DEFAULT'
