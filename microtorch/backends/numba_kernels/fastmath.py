"""Elementary functions for the kernels: exp, log, log1p, tanh (and sin/cos for moderate x).

In njit code, `exp(x)` (and the others) on a float32 scalar runs the branch-free float32
version below, which LLVM inlines into the caller's loop and vectorises: Numba has no SVML
here, and libm's expf is scalar (about 3 GB/s for a parallel loop at 2^24 float32 on 2 cores).
On float64 and integers they run NumPy's functions as Numba compiles them (libm). Called from
Python they are NumPy's functions. They are compiled with their own fastmath flags (FMA
contraction, never 'nnan'/'ninf'), keep nan/inf semantics even in a fastmath=True caller, and
never raise under Numba's default error_model.

Float32 accuracy, max relative error against float64 NumPy, measured over 1.2e7 to 2.7e7
float32 points across each domain (tests/test_numba_kernels.py checks looser bounds):
exp 8.4e-8 (|x| <= 88), log 7.9e-8 (every 128th positive float32, denormals included),
log1p 1.8e-7 (the same for |x| < 1e-3), tanh 3.3e-7 (1.5e-7 for |x| < 1e-3); sin_small and
cos_small, |x| <= 8192: absolute error 7.8e-8, relative 1.2e-7 where |y| > 1e-3, as NumPy's
own float32 sin/cos.
Special values follow C: exp(-inf) = 0, exp(inf) = inf, exp(x > 88.7228) = inf; log(0) = -inf,
log(x < 0) = nan, log(inf) = inf; log1p(-1) = -inf; tanh(+-inf) = +-1; nan gives nan. One
departure: exp flushes results below the smallest normal float32 (x < -87.3365) to 0, where
libm returns denormals (at most 1.2e-38 off).
"""
import hashlib

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload, register_jitable

# Numba's cache key covers a cached kernel's own file and closure, not the files it calls
# into: a kernel that calls these functions should hold STAMP in its closure, so that editing
# this file recompiles it instead of loading the old code.
with open(__file__, 'rb') as _source:
    STAMP = hashlib.sha1(_source.read()).hexdigest()[:16]

_F = np.float32
# Compiled with these flags whatever the caller's: FMA contraction, never 'nnan'/'ninf'.
_FLAGS = {'contract', 'afn', 'nsz'}
_ONE = _F(1.0)
_HALF = _F(0.5)
_INF = _F(np.inf)
_NAN = _F(np.nan)

# ---- bit access: ldexp and frexp without libm (LLVM vectorises these casts and shifts) ----


@intrinsic
def _scale2(typingctx, y, n):
    """y * 2.0 ** n by adding n to y's exponent bits: y and the result normal float32s, n an
    integer-valued float32."""
    if y != types.float32 or n != types.float32:
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        k = builder.shl(builder.fptosi(args[1], i32), ir.Constant(i32, 23))
        bits = builder.add(builder.bitcast(args[0], i32), k)
        return builder.bitcast(bits, ir.FloatType())
    return types.float32(types.float32, types.float32), codegen


# log's reduction x = m 2^e with m in [sqrt(1/2), sqrt(2)): adding 1.0's bits minus
# sqrt(1/2)'s carries a significand >= sqrt(2) into the exponent, which picks e.
_BITS_ONE = 0x3f800000
_BITS_SQRT_HALF = 0x3f3504f3


def _log_reduction_bits(builder, x):
    i32 = ir.IntType(32)
    return builder.add(builder.bitcast(x, i32), ir.Constant(i32, _BITS_ONE - _BITS_SQRT_HALF))


@intrinsic
def _log_significand(typingctx, x):
    """m in [sqrt(1/2), sqrt(2)) (x a positive normal float32)."""
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        bits = builder.and_(_log_reduction_bits(builder, args[0]), ir.Constant(i32, 0x007fffff))
        bits = builder.add(bits, ir.Constant(i32, _BITS_SQRT_HALF))
        return builder.bitcast(bits, ir.FloatType())
    return types.float32(types.float32), codegen


@intrinsic
def _log_exponent(typingctx, x):
    """e, as a float32, of x = m 2^e with m as _log_significand's."""
    if x != types.float32:
        return None

    def codegen(context, builder, sig, args):
        i32 = ir.IntType(32)
        bits = builder.lshr(_log_reduction_bits(builder, args[0]), ir.Constant(i32, 23))
        bits = builder.sub(bits, ir.Constant(i32, 127))
        return builder.sitofp(bits, ir.FloatType())
    return types.float32(types.float32), codegen


@intrinsic
def _fdiv(typingctx, a, b):
    """a / b in IEEE arithmetic whatever the caller's error_model: Numba's default ('python')
    would test for a zero divisor and raise, which also stops LLVM vectorising the loop."""
    if a != types.float32 or b != types.float32:
        return None

    def codegen(context, builder, sig, args):
        return builder.fdiv(args[0], args[1])
    return types.float32(types.float32, types.float32), codegen


# ---- exp: Cephes' reduction x = n ln2 + r, |r| <= ln2/2, and a degree-6 polynomial -------

_LOG2E = _F(1.4426950408889634)
_LN2_HI = _F(0.693359375)            # few bits: n * _LN2_HI is exact for |n| < 2^15
_LN2_LO = _F(-2.12194440e-4)
_EXP_HI = _F(88.72283)               # the largest x whose exp is finite
_EXP_LO = _F(-87.33654)              # the smallest x whose exp is a normal float32
_EXP_P = (_F(1.9875691500e-4), _F(1.3981999507e-3), _F(8.3334519073e-3),
          _F(4.1665795894e-2), _F(1.6666665459e-1), _F(5.0000001201e-1))


def _expf(x):
    # nan computes as 0 (fptosi of nan is undefined) and is put back last.
    c = _EXP_HI if _EXP_HI < x else x
    c = _EXP_LO if _EXP_LO > c else c
    c = c if x == x else _F(0.0)
    n = np.floor(c * _LOG2E + _HALF)
    r = c - n * _LN2_HI - n * _LN2_LO
    # Estrin's scheme (here and in log): shorter dependency chains than Horner's, 5% faster.
    p0, p1, p2, p3, p4, p5 = _EXP_P
    z = r * r
    p = ((p0 * r + p1) * z + (p2 * r + p3)) * z + (p4 * r + p5)
    p = p * z + r + _ONE
    # For x in [_EXP_LO, _EXP_HI], n is in [-126, 128] and p 2^n a normal float32: scale by
    # adding n to p's exponent bits. Beyond, inf, and 0 rather than denormals (which would
    # need a second scaling: 17% more time).
    y = _scale2(p, n)
    y = _INF if x > _EXP_HI else y
    y = _F(0.0) if x < _EXP_LO else y
    return y if x == x else x


# ---- log: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) from Cephes' polynomial -------

_MIN_NORMAL = _F(1.17549435e-38)
_TWO23 = _F(8388608.0)
_LOG_P = (_F(7.0376836292e-2), _F(-1.1514610310e-1), _F(1.1676998740e-1),
          _F(-1.2420140846e-1), _F(1.4249322787e-1), _F(-1.6668057665e-1),
          _F(2.0000714765e-1), _F(-2.4999993993e-1), _F(3.3333331174e-1))


def _logf(x):
    tiny = x < _MIN_NORMAL                   # denormals: scale into the normals first
    s = x * _TWO23 if tiny else x
    e = _log_exponent(s) - (_F(23.0) if tiny else _F(0.0))
    f = _log_significand(s) - _ONE
    z = f * f
    z2 = z * z
    p0, p1, p2, p3, p4, p5, p6, p7, p8 = _LOG_P
    p = (((p1 * f + p2) * z + (p3 * f + p4)) * z2 + ((p5 * f + p6) * z + (p7 * f + p8))
         + p0 * (z2 * z2))
    y = f * z * p + e * _LN2_LO - _HALF * z
    y = f + y + e * _LN2_HI
    # Zero, negatives, inf and nan went through the bit tricks as garbage: select the answer.
    y = -_INF if x == _F(0.0) else y
    y = _NAN if x < _F(0.0) else y
    return y if x < _INF else x


def _log1pf(x):
    # log(u) * x / (u - 1) with u = 1 + x rounded: the quotient corrects u's rounding error,
    # so small x keep their relative accuracy (Goldberg's trick).
    u = _ONE + x
    d = u - _ONE
    y = log(u) * _fdiv(x, d)                 # the public log, float32 here
    y = x if d == _F(0.0) else y             # |x| below half an ulp of 1 (and +-0)
    return u if u == _INF else y             # inf / inf above


# ---- tanh: x P(x^2) / Q(x^2), a [9/8] rational fitted (minimax relative error) on [0, 9] ----

_TANH_CLAMP = _F(9.1)                        # the fit rounds above 1 there: clipped to 1
_TANH_P = (_F(1.3233912e-08), _F(2.0514628e-05), _F(0.003489545), _F(0.13375846))
_TANH_Q = (_F(7.724963e-07), _F(0.00032759612), _F(0.025853701), _F(0.4670916))


def _tanhf(x):
    # nan passes through: each select keeps its last operand when a comparison is with nan
    # (and compiles to minps/maxps, which do the same).
    c = _TANH_CLAMP if _TANH_CLAMP < x else x
    c = -_TANH_CLAMP if -_TANH_CLAMP > c else c
    z = c * c
    p0, p1, p2, p3 = _TANH_P
    q0, q1, q2, q3 = _TANH_Q
    p = (((p0 * z + p1) * z + p2) * z + p3) * z + _ONE
    q = (((q0 * z + q1) * z + q2) * z + q3) * z + _ONE
    y = _fdiv(c * p, q)
    y = _ONE if _ONE < y else y                     # tanh rounds to 1 from 9.011 on
    return -_ONE if -_ONE > y else y


# ---- sin, cos for |x| <= 8192: x = q pi/2 + r, |r| <= pi/4, Cephes' polynomials in r -------

TRIG_MAX = 8192.0                # sin_small/cos_small's float32 domain: libm beyond
_TRIG_MAX = _F(TRIG_MAX)
_2_OVER_PI = _F(0.63661977236758134)
_PIO2 = (_F(1.5703125), _F(4.837512969970703125e-4), _F(7.54978995489188216e-8))  # 8+11+24 bits
_SIN_P = (_F(-1.9515295891e-4), _F(8.3321608736e-3), _F(-1.6666654611e-1))
_COS_P = (_F(2.443315711809948e-5), _F(-1.388731625493765e-3), _F(4.166664568298827e-2))


@register_jitable(fastmath=_FLAGS)
def _sin_cos_reduced(x):
    """(sin r, cos r, q mod 4) with x = q pi/2 + r. q pi/2 splits into three parts whose
    products with q (|q| < 2^13) are exact, so r keeps its accuracy up to |x| = 8192."""
    c = x if (x <= _TRIG_MAX) & (x >= -_TRIG_MAX) else _F(0.0)   # nan, inf, big: the caller's
    q = np.floor(c * _2_OVER_PI + _HALF)
    p1, p2, p3 = _PIO2
    r = c - q * p1 - q * p2 - q * p3
    z = r * r
    s0, s1, s2 = _SIN_P
    c0, c1, c2 = _COS_P
    sin_r = ((s0 * z + s1) * z + s2) * z * r + r
    cos_r = ((c0 * z + c1) * z + c2) * z * z - _HALF * z + _ONE
    return sin_r, cos_r, q - _F(4.0) * np.floor(q * _F(0.25))


def _sinf_small(x):
    s, c, q = _sin_cos_reduced(x)
    y = c if (q == _ONE) | (q == _F(3.0)) else s
    return -y if q >= _F(2.0) else y


def _cosf_small(x):
    s, c, q = _sin_cos_reduced(x)
    y = s if (q == _ONE) | (q == _F(3.0)) else c
    return -y if (q == _ONE) | (q == _F(2.0)) else y


# ---- the public names: float32 -> the versions above, anything else -> NumPy's ------------

def exp(x):
    """e ** x (NumPy's np.exp when called from Python)."""
    return np.exp(x)


def log(x):
    """Natural logarithm (NumPy's np.log when called from Python)."""
    return np.log(x)


def log1p(x):
    """log(1 + x), accurate for small x (NumPy's np.log1p when called from Python)."""
    return np.log1p(x)


def tanh(x):
    """Hyperbolic tangent (NumPy's np.tanh when called from Python)."""
    return np.tanh(x)


def sin_small(x):
    """sin(x); in float32 only for |x| <= TRIG_MAX (else a wrong number: callers send those
    elements to np.sin). np.sin when called from Python."""
    return np.sin(x)


def cos_small(x):
    """cos(x); in float32 only for |x| <= TRIG_MAX, as sin_small."""
    return np.cos(x)


def _register(stub, float32_impl, numpy_fn):
    def typer(x):
        if x == types.float32:
            return float32_impl
        if isinstance(x, (types.Float, types.Integer, types.Boolean)):
            return lambda x: numpy_fn(x)
        return None
    overload(stub, jit_options={'fastmath': _FLAGS})(typer)


_register(exp, _expf, np.exp)
_register(log, _logf, np.log)
_register(log1p, _log1pf, np.log1p)
_register(tanh, _tanhf, np.tanh)
_register(sin_small, _sinf_small, np.sin)
_register(cos_small, _cosf_small, np.cos)
