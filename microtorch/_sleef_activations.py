"""PyTorch's CPU float32 elu (selu and celu too), softplus and silu, with their gradients, bit
for bit.

Both are cpu_kernel_vec loops (cpu/Activation.cpp, Elu.h), laid out as the sigmoid's
(microtorch/_sleef.py): vector blocks of 2 * Vec::size() elements, each parallel chunk's last
few in the scalar loop. With float32 parameters (Scalar.to<float>()):

    elu      vector  a >= 0 ? a * scale : Sleef_expm1f_u10(a * input_scale) * (alpha * scale)
             scalar  a < 0 ? expm1f(a * input_scale) * (alpha * scale) : a * scale  (glibc's)
    softplus vector  a * beta > threshold ? a : Sleef_log1pf_u10(Sleef_expf_u10(a * beta)) / beta
             scalar  the same with glibc's log1pf and expf
    its grad vector  z = Sleef_expf_u10(x * beta); x * beta > threshold ? gy : gy * z / (z + 1)
             scalar  z = glibc's expf(x * beta), the same formula
    elu grad vector  x > 0 ? gy * scale : gy * input_scale * (alpha * scale) * Sleef_expf_u10(
                         x * input_scale)
             scalar  x <= 0 ? (the same with glibc's expf) : gy * scale      (NaN: gy * scale)
    silu     vector  x / (1 + Sleef_expf_u10(-x))
             scalar  the same with glibc's expf
    its grad vector  s = 1 / (1 + Sleef_expf_u10(-x)); gy * s * fma(x, 1 - s, 1)
             scalar  the same with glibc's expf

    gelu     vector  0.5 x (1 + Sleef_tanhf_u10(beta fma(kappa, x^3, x)))   (approximate='tanh';
                     beta = sqrt(2 / pi), kappa = 0.044715; the erf form goes to oneDNN)
             scalar  the same with glibc's tanhf
    its grad vector  gy (0.5 (1 + t) + 0.5 x fma(-t, t, 1) (beta fma(3 kappa, x^2, 1))), t the
                     tanh above
             scalar  the same with glibc's tanhf

The fma in silu's gradient is GCC's: it contracts `1 + x * (1 - s)` (-ffp-contract=fast, its
default) in the vector loop and the scalar one alike; without it 16% of the bits differ.

Numba maps the vector formula over every element in parallel and redoes the tails with the
scalar one (numba_kernels/sleef.py); NumPy does the same where the kernels are off.
"""
import math

import numpy as np

from . import _sleef
from . import _sleef_pow
from ._fma import fma_float32, fma_float32_number

_FLOAT32 = np.dtype(np.float32)
_ndarray = np.ndarray
_F = np.float32
_ZERO, _ONE = _F(0), _F(1)


def elu(x, alpha, scale, input_scale):
    """PyTorch's float32 elu of array x, or None for other arrays (then NumPy's runs)."""
    params = (_F(_F(alpha) * _F(scale)), _F(scale), _F(input_scale))
    return _run(x, None, params, _elu_vector, _elu_scalar, 'elu_map')


def softplus(x, beta, threshold):
    """PyTorch's float32 softplus of array x, or None."""
    return _run(x, None, (_F(beta), _F(threshold)), _softplus_vector, _softplus_scalar,
                'softplus_map')


def softplus_grad(x, gy, beta, threshold):
    """PyTorch's float32 softplus backward (gy, x of one shape), or None."""
    gy = _gradient(x, gy)
    return None if gy is None else _run(x, gy, (_F(beta), _F(threshold)), _grad_vector,
                                        _grad_scalar, 'softplus_grad_map')


def elu_grad(x, gy, alpha, scale, input_scale):
    """PyTorch's float32 elu_backward (of the input, not the result), or None."""
    gy = _gradient(x, gy)
    params = (_F(_F(alpha) * _F(scale)), _F(scale), _F(input_scale))
    return None if gy is None else _run(x, gy, params, _elu_grad_vector, _elu_grad_scalar,
                                        'elu_grad_map')


def silu(x):
    """PyTorch's float32 silu of array x, or None."""
    return _run(x, None, (), _silu_vector, _silu_scalar, 'silu_map')


def silu_grad(x, gy):
    """PyTorch's float32 silu_backward, or None."""
    gy = _gradient(x, gy)
    return None if gy is None else _run(x, gy, (), _silu_grad_vector, _silu_grad_scalar,
                                        'silu_grad_map')


def gelu_tanh(x):
    """PyTorch's float32 gelu(x, approximate='tanh'), or None."""
    return _run(x, None, (), _gelu_tanh_vector, _gelu_tanh_scalar, 'gelu_tanh_map')


def gelu_tanh_grad(x, gy):
    """PyTorch's float32 gelu_backward(approximate='tanh'), or None."""
    gy = _gradient(x, gy)
    return None if gy is None else _run(x, gy, (), _gelu_tanh_grad_vector,
                                        _gelu_tanh_grad_scalar, 'gelu_tanh_grad_map')


def _gradient(x, gy):
    """gy as the kernels take it (float32, x's shape), or None."""
    if type(gy) is not _ndarray or gy.shape != x.shape or gy.dtype != _FLOAT32:
        return None
    if gy.size > 1 and not any(gy.strides):
        # one value broadcast (the gradient of a sum): PyTorch's loop reads it as a scalar
        # operand and walks x in memory order, so its values laid out as x's give the same bits
        gy = np.full_like(x, gy.flat[0])
    return gy


def _run(x, gy, params, vector, scalar, kernel):
    if type(x) is not _ndarray or x.dtype != _FLOAT32:
        return None
    if x.size == 1:                               # the hot path: the scalar formula
        out = np.empty(x.shape, np.float32)
        args = (x.item(),) if gy is None else (gy.item(), x.item())
        out.fill(scalar(*(_F(a) for a in args), *params))
        return out
    operands = (x,) if gy is None else (x, gy)
    row = x.size                                  # elements a vectorised inner loop runs
    if not all(a.flags.c_contiguous for a in operands):
        if all(a.flags.f_contiguous for a in operands):
            out = _run(x.T, None if gy is None else gy.T, params, vector, scalar, kernel)
            return None if out is None else out.T
        # rows still contiguous (a slice): TensorIterator's inner loop is each row; any other
        # strides: its basic loop, scalar throughout
        rows = x.ndim > 1 and all(a.strides[-1] == a.itemsize for a in operands)
        row = x.shape[-1] if rows else 0
        x = np.ascontiguousarray(x)
        gy = None if gy is None else np.ascontiguousarray(gy)
    flat = x.reshape(-1)
    grads = None if gy is None else gy.reshape(-1)
    block = _sleef_pow._block()
    n = flat.size
    if row == 0:
        tails = [(0, n)]
    elif row == n and n <= _sleef.GRAIN_SIZE:     # one chunk: whole blocks, then a tail
        tails = [(n // block * block, n)] if n % block else []
    else:
        tails = [(v, e) for _, v, e in _sleef_pow._segments(n, block, row) if e > v]
    out = np.empty(flat.shape, np.float32)
    if n >= block and _sleef._use_numba():
        k = _sleef.kernels()
        fn = getattr(k, kernel if n > _sleef.GRAIN_SIZE else kernel + '_serial')
        fn(*((flat,) if grads is None else (grads, flat)), out, *params,
           np.array(tails, np.int64).reshape(-1, 2))
        return out.reshape(x.shape)
    tail = _TAILS[scalar]
    with np.errstate(all='ignore'):
        if n >= block:                            # some vector blocks
            out[:] = vector(*((flat,) if grads is None else (grads, flat)), *params)
        for begin, end in tails:                  # the scalar loop's elements, at once
            part = slice(begin, end)
            out[part] = tail(*((flat[part],) if grads is None else (grads[part], flat[part])),
                             *params)
    return out.reshape(x.shape)


# ---- the formulas, NumPy arrays (vector) and float32 scalars (scalar) ---------------------------

def _elu_vector(a, neg, pos, ipt):
    from ._sleef_numpy import expm1f
    return np.where(a >= 0, a * pos, expm1f(a * ipt) * neg)


def _elu_scalar(a, neg, pos, ipt):
    return _F(_libm('expm1f')(a * ipt)) * neg if a < 0 else a * pos


def _softplus_vector(a, beta, threshold):
    from ._sleef_numpy import log1pf
    z = a * beta
    return np.where(z > threshold, a, log1pf(_sleef.expf_numpy(z)) / beta)


def _softplus_scalar(a, beta, threshold):
    z = a * beta
    return a if z > threshold else _F(_libm('log1pf')(_libm('expf')(z))) / beta


def _grad_vector(gy, x, beta, threshold):
    z = _sleef.expf_numpy(x * beta)
    return np.where(x * beta > threshold, gy, gy * z / (z + _ONE))


def _grad_scalar(gy, x, beta, threshold):
    z = _F(_libm('expf')(x * beta))
    return gy if x * beta > threshold else gy * z / (z + _ONE)


def _elu_grad_vector(gy, x, neg, pos, ipt):
    return np.where(x > 0, gy * pos, gy * ipt * neg * _sleef.expf_numpy(x * ipt))


def _elu_grad_scalar(gy, x, neg, pos, ipt):
    return gy * ipt * neg * _F(_libm('expf')(x * ipt)) if x <= 0 else gy * pos


def _silu_vector(x):
    return x / (_ONE + _sleef.expf_numpy(-x))


def _silu_scalar(x):
    return x / (_ONE + _F(_libm('expf')(-x)))


def _silu_grad_vector(gy, x):
    return _silu_grad(gy, x, _sleef.expf_numpy(-x))


def _silu_grad_scalar(gy, x):
    s = _ONE / (_ONE + _F(_libm('expf')(-x)))
    return gy * s * fma_float32_number(x, _ONE - s, _ONE)


def _silu_grad(gy, x, exp_minus_x):
    s = _ONE / (_ONE + exp_minus_x)
    return gy * s * fma_float32(x, _ONE - s, _ONE)


_BETA = _F(math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5)
_KAPPA = _F(0.044715)
_KAPPA3 = _F(_F(3) * _KAPPA)
_HALF = _F(0.5)


def _gelu_inner(x):
    return _BETA * fma_float32(_KAPPA, x * x * x, x)


def _gelu_tanh_vector(x):
    from ._sleef_numpy import tanhf
    return _HALF * x * (_ONE + tanhf(_gelu_inner(x)))


def _gelu_tanh_scalar(x):
    inner = _BETA * fma_float32_number(_KAPPA, x * x * x, x)
    return _HALF * x * (_ONE + _F(_libm('tanhf')(inner)))


def _gelu_tanh_grad_vector(gy, x):
    from ._sleef_numpy import tanhf
    return _gelu_tanh_grad(gy, x, tanhf(_gelu_inner(x)))


def _gelu_tanh_grad_scalar(gy, x):
    t = _F(_libm('tanhf')(_BETA * fma_float32_number(_KAPPA, x * x * x, x)))
    slope = (_BETA * fma_float32_number(_KAPPA3, x * x, _ONE))
    return gy * (_HALF * (_ONE + t) + _HALF * x * fma_float32_number(-t, t, _ONE) * slope)


def _gelu_tanh_grad(gy, x, t):
    slope = _BETA * fma_float32(_KAPPA3, x * x, _ONE)
    return gy * (_HALF * (_ONE + t) + _HALF * x * fma_float32(-t, t, _ONE) * slope)


# The scalar formulas on arrays (a parallel chunk's tail): the same float32 steps, glibc's
# functions called on each element through ctypes.

def _elu_tail(a, neg, pos, ipt):
    out = a * pos
    below = a < 0
    out[below] = _each('expm1f', a[below] * ipt) * neg
    return out


def _softplus_tail(a, beta, threshold):
    z = a * beta
    out = a.copy()
    formula = ~(z > threshold)
    out[formula] = _each('log1pf', _each('expf', z[formula])) / beta
    return out


def _grad_tail(gy, x, beta, threshold):
    z = _each('expf', x * beta)
    return np.where(x * beta > threshold, gy, gy * z / (z + _ONE))


def _elu_grad_tail(gy, x, neg, pos, ipt):
    return np.where(x <= 0, gy * ipt * neg * _each('expf', x * ipt), gy * pos)


def _silu_tail(x):
    return x / (_ONE + _each('expf', -x))


def _silu_grad_tail(gy, x):
    return _silu_grad(gy, x, _each('expf', -x))


def _gelu_tanh_tail(x):
    return _HALF * x * (_ONE + _each('tanhf', _gelu_inner(x)))


def _gelu_tanh_grad_tail(gy, x):
    return _gelu_tanh_grad(gy, x, _each('tanhf', _gelu_inner(x)))


_TAILS = {_elu_scalar: _elu_tail, _softplus_scalar: _softplus_tail, _grad_scalar: _grad_tail,
          _elu_grad_scalar: _elu_grad_tail, _silu_scalar: _silu_tail,
          _silu_grad_scalar: _silu_grad_tail, _gelu_tanh_scalar: _gelu_tanh_tail,
          _gelu_tanh_grad_scalar: _gelu_tanh_grad_tail}


def _each(name, values):
    """glibc's float32 function `name` of each element of a float32 array."""
    return np.fromiter(map(_libm(name), values.tolist()), np.float32, values.size)


_LIBM = {}


def _libm(name):
    """glibc's float32 function `name` through ctypes."""
    fn = _LIBM.get(name)
    if fn is None:
        import ctypes
        import ctypes.util
        fn = getattr(ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6'), name)
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        _LIBM[name] = fn
    return fn
