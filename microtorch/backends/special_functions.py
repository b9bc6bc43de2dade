"""Special functions of NumPy arrays for the CPU backend: erf, erfc, erfinv, ndtri, lgamma,
digamma, polygamma(n, x) (digamma for n = 0, trigamma for n = 1, the Hurwitz zeta function
above), and the modified Bessel functions i0 and i1.

NumPy has none of them. Each has a scalar form, a function of Python floats that Numba
compiles into a ufunc (numba.vectorize, cached on disk) for arrays large enough for the
'transcendental' kernels of numba_dispatch, and a NumPy form for the others (and for every
array with MICROTORCH_NUMBA=0): vectorised array code for lgamma, digamma and zeta; the
scalar function element by element for the libm ones (erf, erfc) and for erfinv and ndtri,
which are built on them. Both forms compute in float64 (float32 arrays are widened and the
result rounded), so they agree to rounding. Trigamma has the NumPy form only, in the
array's dtype, and so have i0 and i1 (in float64).

The values at poles and edges are PyTorch's: lgamma is inf at 0 and the negative integers,
digamma(+-0) is -+inf and nan at the negative integers, polygamma(n >= 2, x) is +-inf there
and nan at +inf; trigamma is PyTorch's formula (6 steps of the recurrence and a 5-term
asymptotic series, good to about 1e-9 in float64), so that digamma's gradient is PyTorch's.
"""
import math

import numpy as np

from . import numba_dispatch as _numba_dispatch


# The Bernoulli numbers B_2, B_4, ..., B_24 as (numerator, denominator); the series below
# divide them as integers (Python rounds an int / int quotient once, correctly).
_BERNOULLI = ((1, 6), (-1, 30), (1, 42), (-1, 30), (5, 66), (-691, 2730), (7, 6),
              (-3617, 510), (43867, 798), (-174611, 330), (854513, 138), (-236364091, 2730))
# digamma's asymptotic series: psi(x) ~ log x - 1/(2x) - sum B_2k / (2k x^2k)
_DIGAMMA_SERIES = tuple(p / (q * 2 * k) for k, (p, q) in enumerate(_BERNOULLI[:7], 1))
# lgamma's (Stirling's): (x - 1/2) log x - x + log(2 pi)/2 + sum B_2k / (2k (2k-1) x^(2k-1))
_STIRLING_SERIES = tuple(p / (q * 2 * k * (2 * k - 1))
                         for k, (p, q) in enumerate(_BERNOULLI[:7], 1))
# the Euler-Maclaurin tail of the Hurwitz zeta function: B_2j / (2j)!
_ZETA_TAIL = tuple(p / (q * math.factorial(2 * k)) for k, (p, q) in enumerate(_BERNOULLI, 1))
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_EULER_GAMMA = 0.57721566490153286061
_PI_SQUARED = math.pi * math.pi
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# ---- scalar forms (Numba compiles these; each stands alone, calling only math) -------------

def erf_scalar(x):
    return math.erf(x)


def erfc_scalar(x):
    return math.erfc(x)


def lgamma_scalar(x):
    # libm's lgamma is inf at the poles; Python's math.lgamma raises there (never called so)
    return math.lgamma(x)


def digamma_scalar(x):
    """psi(x): the reflection psi(x) = psi(1 - x) - pi / tan(pi x) below 0, the recurrence
    psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series."""
    if x == 0.0:
        return math.copysign(math.inf, -x)
    total = 0.0
    if x < 0.0:
        if x == -math.inf or np.fmod(x, 1.0) == 0.0:
            return math.nan
        # tan has period pi: the fractional part keeps pi x small and exact
        total = -math.pi / math.tan(math.pi * np.fmod(x, 1.0))
        x = 1.0 - x
    while x < 10.0:
        total -= 1.0 / x
        x += 1.0
    z = 1.0 / (x * x)
    series = 0.0
    for i in range(len(_DIGAMMA_SERIES) - 1, -1, -1):
        series = series * z + _DIGAMMA_SERIES[i]
    return total + math.log(x) - 0.5 / x - series * z


def zeta_scalar(s, q):
    """The Hurwitz zeta function sum_k (q + k)^-s for s > 1 a whole number: the sum's first
    terms (at least 9, and up to q + k >= 10), then the Euler-Maclaurin tail at w = q + k:
    w^(1-s)/(s-1) + w^-s/2 + sum_j B_2j/(2j)! s (s+1) ... (s+2j-2) w^(-s-2j+1)."""
    if q <= 0.0 and (q == -math.inf or np.fmod(q, 1.0) == 0.0):
        return math.inf                  # a pole
    if q == math.inf:
        return math.nan                  # PyTorch's value (the limit is 0)
    total = 0.0
    k = 0
    w = q
    while k < 9 or w < 10.0:
        total += w ** -s
        w += 1.0
        k += 1
    total += w ** (1.0 - s) / (s - 1.0) + 0.5 * w ** -s
    rising = s * w ** (-s - 1.0)         # s (s+1) ... (s+2j-2) w^(-s-2j+1), j = 1
    inv_w2 = 1.0 / (w * w)
    j2 = 2.0
    for c in _ZETA_TAIL:
        total += c * rising
        rising *= (s + j2 - 1.0) * (s + j2) * inv_w2
        j2 += 2.0
    return total


def inverse_erf_scalar(normal, x):
    """erf^-1(x) (normal = 0), or the standard normal quantile ndtri(x) (normal = 1), which is
    -sqrt 2 erfc^-1(2x) below 1/2 and sqrt 2 erf^-1(2x - 1) above: both solve erf(y) = a,
    with q = 1 - a known exactly where a >= 1/2 (2x itself, in ndtri's lower half), so that
    the tails keep their digits. A closed-form first guess (relative error under 2e-3), then
    Halley steps on erf(y) = a, or on erfc(y) = q where a >= 1/2."""
    if normal:
        if not 0.0 <= x <= 1.0:
            return math.nan
        if x < 0.5:
            sign, q = -1.0, 2.0 * x
            a = 1.0 - q
        else:
            sign, a = 1.0, 2.0 * x - 1.0
            q = 1.0 - a
        scale = math.sqrt(2.0)
    else:
        if not abs(x) <= 1.0:
            return math.nan              # |x| > 1 and nan
        if x == 0.0:
            return x                     # keeps the sign of -0.0
        sign, a, scale = math.copysign(1.0, x), abs(x), 1.0
        q = 1.0 - a
    if q == 0.0:
        return sign * math.inf
    if a == 0.0:
        return 0.0
    # log(1 - a^2) = log(q (1 + a))
    log_1ma2 = math.log(q * (1.0 + a)) if a >= 0.5 else math.log1p(-a * a)
    t = 2.0 / (math.pi * 0.147) + 0.5 * log_1ma2
    y = math.sqrt(math.sqrt(t * t - log_1ma2 / 0.147) - t)
    for _ in range(3):
        if a >= 0.5:
            residual = q - math.erfc(y)          # erf(y) - a, from the small side
        else:
            residual = math.erf(y) - a
        u = residual / (_TWO_OVER_SQRT_PI * math.exp(-y * y))     # over erf'(y)
        y -= u / (1.0 + y * u)                   # Halley: erf''/erf' = -2y
    return sign * scale * y


# ---- NumPy forms (vectorised over float64 arrays) -------------------------------------------

def _horner(coefficients, z):
    """coefficients[0] + coefficients[1] z + ... (an array or a number z)."""
    out = np.zeros_like(z) + coefficients[-1]
    for c in coefficients[-2::-1]:
        out = out * z + c
    return out


def _is_whole(x):
    """x is a whole number (or -inf, whose digamma and zeta are poles too)."""
    return (x == np.floor(x)) | (x == -np.inf)


def digamma_numpy(x):
    out = np.empty_like(x)
    reflect = (x < 0) & ~_is_whole(x)
    z = np.where(reflect, 1.0 - x, x)
    total = np.where(reflect, -np.pi / np.tan(np.pi * np.fmod(x, 1.0)), 0.0)
    small = z < 10.0                      # nan and the poles are replaced below
    zs = z[small]
    total[small] -= sum(1.0 / (zs + k) for k in range(10))
    z[small] = zs + 10.0
    inv2 = 1.0 / (z * z)
    np.copyto(out, total + np.log(z) - 0.5 / z - _horner((0.0,) + _DIGAMMA_SERIES, inv2))
    out[(x < 0) & _is_whole(x)] = np.nan
    zero = x == 0
    out[zero] = np.copysign(np.inf, -x[zero])
    return out


def trigamma_numpy(x):
    """psi'(x) as PyTorch computes it, in x's own dtype (as PyTorch does; so the huge values
    it gives at the poles, from sin(pi x) not quite 0, are PyTorch's too): the reflection
    psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x) below 1/2, six steps of psi'(x) = psi'(x + 1)
    + 1/x^2, then the asymptotic series 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7).
    Loop-free, so it needs no Numba form."""
    reflect = x < 0.5
    s = np.sin(np.pi * x)
    total = np.where(reflect, -_PI_SQUARED / (s * s), 0.0)
    z = np.where(reflect, 1.0 - x, x)
    for _ in range(6):
        total += 1.0 / (z * z)
        z = z + 1.0
    inv2 = 1.0 / (z * z)
    total += (1.0 + 0.5 / z + inv2 * (1.0 / 6.0 - inv2 * (1.0 / 30.0 - inv2 / 42.0))) / z
    return np.where(reflect, -total, total)


def zeta_numpy(s, q):
    """zeta_scalar(s, q) over an array q (s a whole number > 1). The sum's terms are added
    for the elements that still need them only: a very negative q needs many."""
    shape = q.shape
    q = q.reshape(-1)
    pole = (q <= 0) & _is_whole(q)
    steps = np.maximum(9.0, np.ceil(10.0 - q))
    steps[pole | ~np.isfinite(steps)] = 9.0
    total = sum((q + k) ** -s for k in range(9))
    active = np.flatnonzero(steps > 9)
    k = 9
    while active.size:
        total[active] += (q[active] + k) ** -s
        k += 1
        active = active[steps[active] > k]
    w = q + steps
    total += w ** (1.0 - s) / (s - 1.0) + 0.5 * w ** -s
    rising = s * w ** (-s - 1.0)
    inv_w2 = 1.0 / (w * w)
    for j, c in enumerate(_ZETA_TAIL, 1):
        total += c * rising
        rising *= (s + 2 * j - 1.0) * (s + 2 * j) * inv_w2
    total[pole] = np.inf
    total[q == np.inf] = np.nan
    return total.reshape(shape)


def _lgamma_near_two(t):
    """lgamma(2 + t) for |t| <= 1/2: its Taylor series, (1 - gamma) t +
    sum_k>=2 (-1)^k (zeta(k) - 1) / k t^k, whose terms shrink like 4^-k/k."""
    return _horner(_LGAMMA_NEAR_TWO, t)


# (zeta(k) - 1) = zeta(k, 2), from the Hurwitz zeta above; 30 terms reach 1e-17 at |t| = 1/2
_LGAMMA_NEAR_TWO = (0.0, 1.0 - _EULER_GAMMA) + tuple(
    (-1) ** k * zeta_scalar(float(k), 2.0) / k for k in range(2, 31))


def _lgamma_positive(z):
    """lgamma of positive z (not inf): the series about 2 for z < 5/2 (shifted there by
    lgamma(z) = lgamma(z + 1) - log z; no cancellation near the zeros at 1 and 2), else
    Stirling's series, after the recurrence up to z >= 10."""
    out = np.empty_like(z)
    tiny = z < 0.5                        # lgamma(z + 2) - log(z (z + 1))
    out[tiny] = _lgamma_near_two(z[tiny]) - np.log(z[tiny] * (z[tiny] + 1.0))
    near_one = (z >= 0.5) & (z < 1.5)     # lgamma(z + 1) - log z, log z = log1p(z - 1)
    t = z[near_one] - 1.0
    out[near_one] = _lgamma_near_two(t) - np.log1p(t)
    near_two = (z >= 1.5) & (z < 2.5)
    out[near_two] = _lgamma_near_two(z[near_two] - 2.0)
    large = z >= 2.5
    w = z[large]
    shift = np.zeros_like(w)
    small = w < 10.0
    ws = w[small]
    product = ws.copy()
    for k in range(1, 10):
        product *= ws + k
    shift[small] = np.log(product)
    w[small] = ws + 10.0
    log_w = np.log(w)
    series = _horner(_STIRLING_SERIES, 1.0 / (w * w)) / w
    out[large] = w * (log_w - 1.0) - 0.5 * log_w + _HALF_LOG_2PI + series - shift
    return out


def lgamma_numpy(x):
    """log|Gamma(x)|: the reflection lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x) below
    0, inf at the poles (0, the negative integers, +-inf)."""
    out = np.full_like(x, np.inf)
    out[np.isnan(x)] = np.nan
    positive = (x > 0) & (x < np.inf)
    out[positive] = _lgamma_positive(x[positive])
    negative = (x < 0) & ~_is_whole(x)
    v = x[negative]
    sin_pi = np.abs(np.sin(np.pi * (v - np.round(v))))     # exact argument, |.| <= pi/2
    out[negative] = np.log(np.pi / sin_pi) - _lgamma_positive(1.0 - v)
    return out


def _bessel_i_numpy(order, x, scaled=False, xp=np):
    """The modified Bessel function I_order(x), order 0 or 1 (or e^-|x| I_order(x), scaled):
    its power series sum_k (x/2)^(2k+order) / (k! (k+order)!) up to |x| = 20 (positive
    terms: no cancellation), above it the asymptotic series e^|x| / sqrt(2 pi |x|) sum_k
    (-1)^k a_k / |x|^k with a_k = prod_j<=k (4 order^2 - (2j-1)^2) / (k! 8^k). I_1 is odd.
    Unscaled: nan at +-inf, as PyTorch's; inf once e^|x| overflows (|x| > 709.78), as
    PyTorch's. Scaled: 0 at +-inf (-0 at -inf for order 1). xp: NumPy or CuPy."""
    a = xp.abs(x)
    out = xp.full_like(x, xp.nan)
    near = a <= 20.0
    half = a[near] * 0.5
    term = half.copy() if order else xp.ones_like(half)
    total = term.copy()
    quarter_square = half * half
    for k in range(1, 60):                # 60 terms: below 1e-17 of the sum at |x| = 20
        term = term * quarter_square / (k * (k + order))
        total += term
    out[near] = total * xp.exp(-a[near]) if scaled else total
    far = (a > 20.0) & (a < xp.inf)
    v = a[far]
    mu = 4.0 * order * order
    term = xp.ones_like(v)
    total = term.copy()
    for k in range(1, 40):
        term = term * -(mu - (2 * k - 1) ** 2) / (k * 8.0 * v)
        total += term
    growth = 1.0 if scaled else xp.exp(v)
    out[far] = growth * total / xp.sqrt(2.0 * np.pi * v)
    if scaled:
        out[a == xp.inf] = 0.0
    return xp.where(x < 0, -out, out) if order else out


def bessel_i(order, x):
    """I_0 or I_1 of array x, in float64 (NumPy code only: no Numba form), in x's dtype;
    +-inf where e^|x| overflows that dtype, as PyTorch's (whose float32 form runs in float)."""
    x = np.asarray(x)
    with np.errstate(all='ignore'):
        out = _bessel_i_numpy(order, x.astype(np.float64, copy=False))
        overflow = (np.abs(x) > np.log(np.finfo(x.dtype).max)) & np.isfinite(x)
        out[overflow] = np.inf if order == 0 else np.copysign(np.inf, x[overflow])
        return np.asarray(out, dtype=x.dtype)


# ---- dispatch ---------------------------------------------------------------------------------

_ufuncs = {}


def _ufunc(scalar, nargs):
    """The Numba ufunc of a scalar form above (float64), compiled on first use."""
    ufunc = _ufuncs.get(scalar)
    if ufunc is None:
        import numba
        signature = 'float64(' + ', '.join(['float64'] * nargs) + ')'
        ufunc = _ufuncs[scalar] = numba.vectorize([signature], cache=True)(scalar)
    return ufunc


_object_ufuncs = {}


def _element_by_element(scalar, *args):
    ufunc = _object_ufuncs.get(scalar)
    if ufunc is None:
        ufunc = _object_ufuncs[scalar] = np.frompyfunc(scalar, len(args), 1)
    return np.asarray(ufunc(*args), dtype=np.float64)      # a 0-d input gives a scalar


def _apply(scalar, x, numpy_form=None, parameter=None):
    """scalar's function over array x (and a number `parameter`, its first argument, if
    given), in float64, returned in x's dtype (an array, 0-d too): Numba's ufunc where the
    array is large enough for a kernel, else the NumPy form (the scalar function element by
    element where there is none)."""
    x = np.asarray(x)
    wide = x.astype(np.float64, copy=False)
    args = (wide,) if parameter is None else (parameter, wide)
    with np.errstate(all='ignore'):
        if _numba_dispatch.kernel_pays('transcendental', x.size):
            out = _ufunc(scalar, len(args))(*args)
        elif numpy_form is not None:
            out = numpy_form(*args)
        else:
            out = _element_by_element(scalar, *args)
        return np.asarray(out, dtype=x.dtype)


def erf(x):
    return _apply(erf_scalar, x)


def erfc(x):
    return _apply(erfc_scalar, x)


def erfinv(x):
    return _apply(inverse_erf_scalar, x, parameter=0.0)


def ndtri(x):
    return _apply(inverse_erf_scalar, x, parameter=1.0)


def lgamma(x):
    return _apply(lgamma_scalar, x, lgamma_numpy)


def digamma(x):
    return _apply(digamma_scalar, x, digamma_numpy)


def polygamma(n, x):
    """psi^(n)(x) for a whole n >= 0: digamma, trigamma, or (-1)^(n+1) n! zeta(n + 1, x)."""
    if n == 0:
        return digamma(x)
    if n == 1:
        with np.errstate(all='ignore'):
            return np.asarray(trigamma_numpy(np.asarray(x)))
    x = np.asarray(x)
    wide = x.astype(np.float64, copy=False)
    factorial = float(math.factorial(n)) if n <= 170 else math.inf
    s = float(n + 1)
    with np.errstate(all='ignore'):
        if _numba_dispatch.kernel_pays('transcendental', x.size):
            zeta = _ufunc(zeta_scalar, 2)(s, wide)
        else:
            zeta = zeta_numpy(s, wide)
        out = (factorial if n % 2 else -factorial) * zeta
        return np.asarray(out, dtype=x.dtype)
