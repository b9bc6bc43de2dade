"""float64 exp and the normal distribution's cdf in njit code, written without branches or
calls so that LLVM vectorises the loops around them (libm's exp and erfc are a call per
element). The float32 kernels that use them (logsumexp's exps, gelu) work in float64 and round
once, so their results are float32's correctly rounded ones but where the float64 value lies
within its own error (~10^-14 relative) of a rounding boundary.
"""
import math

import numba
import numpy as np

from .bits import bits_of_f64, f64_from_bits
from .fma import fma

_SHIFT = 6755399441055744.0                 # 1.5 * 2^52: adding it rounds to an integer
_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238                # ln 2 in two parts: k * _LN2_HI is exact
_LN2_LO = 1.9082149292705877e-10
# 1/n! for n = 13 ... 2: with |r| <= ln2/2 the Taylor polynomial's error is below 2^-56
_EXP_TAYLOR = tuple(1.0 / float(np.prod(np.arange(1, n + 1, dtype=np.float64)))
                    for n in range(13, 1, -1))


@numba.njit(inline='always')
def exp64(c):
    """e^c within about an ulp, for float64 c in [-708, 709] (callers clamp: no checks)."""
    t = fma(c, _LOG2E, _SHIFT)           # k = round(c / ln 2) in t's low bits
    k = t - _SHIFT
    r = fma(k, -_LN2_HI, c)
    r = fma(k, -_LN2_LO, r)
    p = _EXP_TAYLOR[0]
    for a in _EXP_TAYLOR[1:]:
        p = fma(p, r, a)
    p = fma(fma(p, r, 1.0), r, 1.0)      # ... + r / 1! + 1
    return p * f64_from_bits((bits_of_f64(t) - bits_of_f64(_SHIFT) + 1023) << 52)


# ---- the normal cdf, from W. J. Cody's rational approximations to erf and erfc (Math. Comp.
# 1969; the coefficients of netlib's specfun CALERF), each good to ~18 digits on its range:
#   z <= 0.46875      erf(z)  = z A(z^2) / B(z^2)
#   0.46875 < z <= 4  erfc(z) = e^(-z^2) C(z) / D(z)
#   z > 4             erfc(z) = e^(-z^2) / z (1/sqrt(pi) - P(w) / (w Q(w))), w = z^2 (P and Q
#                     taken in z^2, which is their form in 1/z^2 times z^10)
# Coefficients from the highest power down; B, D and Q lead with an implicit 1 (A5, C9 and P6
# lead A, C and P).

_A = (0.185777706184603153, 3.16112374387056560, 113.864154151050156, 377.485237685302021,
      3209.37758913846947)
_B = (1.0, 23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062)
_C = (2.15311535474403846e-8, 0.564188496988670089, 8.88314979438837594, 66.1191906371416295,
      298.635138197400131, 881.952221241769090, 1712.04761263407058, 2051.07837782607147,
      1230.33935479799725)
_D = (1.0, 15.7449261107098347, 117.693950891312499, 537.181101862009858,
      1621.38957456669019, 3290.79923573345963, 4362.61909014324716, 3439.36767414372164,
      1230.33935480374942)
# Cody's P and Q for erfc above 4 are polynomials in 1/z^2; here they are P(1/s) s^5 and
# Q(1/s) s^5, polynomials in s = z^2 (his p6 and 1 become the constant terms).
_P = (6.58749161529837803e-4, 0.0160837851487422766, 0.125781726111229246,
      0.360344899949804439, 0.305326634961232344, 0.0163153871373020978)
_Q = (0.00233520497626869185, 0.0605183413124413191, 0.527905102951428412,
      1.87295284992346047, 2.56852019228982242, 1.0)
_INV_SQRT_PI = 1 / math.sqrt(math.pi)
_SQRT1_2 = math.sqrt(0.5)


@numba.njit(inline='always')
def _poly(coefficients, v):
    p = coefficients[0]
    for c in coefficients[1:]:
        p = fma(p, v, c)
    return p


@numba.njit(inline='always')
def normal_cdf(x):
    """(Phi(x), e^(-x^2 / 2)) for float64 x: the standard normal cdf and its density times
    sqrt(2 pi), each within ~10^-15 relative (Phi without cancellation in either tail).
    x^2 / 2 of a float32 x is exact in float64, so the exp's argument carries no error."""
    half_square = 0.5 * x * x
    e = exp64(-half_square if half_square < 708.0 else -708.0)
    e = 0.0 if half_square >= 708.0 else e   # (x = +-inf: 0, which x * e leaves a nan)
    z = abs(x) * _SQRT1_2
    small = z <= 0.46875
    middle = z <= 4.0
    # one division for the three ranges: each one's numerator and denominator, selected
    zs = z if small else 0.46875
    s = zs * zs
    zm = z if middle else 4.0
    zl = z if z > 4.0 else 4.0
    zl = zl if zl < 30.0 else 30.0           # e is 0 beyond: keep the polynomials finite
    w = zl * zl
    q_large = _poly(_Q, w)
    num_large = fma(w * q_large, _INV_SQRT_PI, -_poly(_P, w))
    den_large = w * q_large * zl
    num = _poly(_A, s) if small else (_poly(_C, zm) if middle else num_large)
    den = _poly(_B, s) if small else (_poly(_D, zm) if middle else den_large)
    ratio = num / den
    half_erf = 0.5 * zs * ratio              # small z: erf(z) / 2
    half_erfc = 0.5 * e * ratio              # else: erfc(z) / 2, the tail beyond |x|
    near = 0.5 - half_erf if x < 0.0 else 0.5 + half_erf
    far = half_erfc if x < 0.0 else 1.0 - half_erfc
    cdf = near if small else far
    if x != x:                               # the clamps above would drop a nan
        return x, x
    return cdf, e
