"""Bessel functions of float64 arrays of any backend (`xp`: NumPy or CuPy): J0, J1, Y0, Y1,
K0, K1 (and e^x K0, e^x K1), the spherical j0 and Airy's Ai. Each picks, per element, one of
a few classic methods, all evaluated on inputs clamped into the method's range (so every
branch is plain elementwise code and `where` picks the answer):

* small arguments: the power series (A&S 9.1.10-11, 9.6.10-11), whose terms shrink fast;
* J and Y from 2 to 25: Miller's backward recurrence J_(n-1) = (2n / x) J_n - J_(n+1) from
  n = 80, normalised by 1 = J_0 + 2 sum J_2k, with Y_0 and Y_1 from Neumann's series in the
  same J_2k (A&S 9.1.88 and its derivative); fractional orders (Airy) likewise, normalised
  by (x/2)^nu = sum_k (nu + 2k) Gamma(nu + k) / k! J_(nu+2k) (A&S 9.1.87);
* K from 2 to 25: e^x K_nu(x) = integral_0^inf exp(-x (cosh t - 1)) cosh(nu t) dt by the
  trapezoidal rule, which converges geometrically for this analytic, rapidly decaying
  integrand (step 0.1 to t = 6);
* above 25: Hankel's asymptotic expansions, whose smallest term there is about e^-50.

The edge values are PyTorch's: see each function.
"""
import math

import numpy as np

_EULER_GAMMA = 0.57721566490153286061
_TWO_OVER_PI = 2.0 / math.pi
_SERIES_TERMS = 30               # (x/2)^2k / (k!)^2 at x = 2: below 1e-60 by k = 30
_MILLER_FROM = 80                # J_80(25) ~ 1e-30
_NEAR, _FAR = 2.0, 25.0
_HANKEL_TERMS = 45
_TRAPEZOID_STEP = 0.1
_TRAPEZOID_POINTS = 61


def _clamp(xp, x, low, high):
    """x limited to [low, high] (nan stays nan), so that every branch sees sane values."""
    return xp.minimum(xp.maximum(x, low), high)


def _harmonic(k):
    return sum(1.0 / j for j in range(1, k + 1))


# ---- the three methods ----------------------------------------------------------------------

def _hankel(xp, nu, z):
    """Hankel's P and Q for order nu at z: J_nu = sqrt(2 / (pi z)) (P cos chi - Q sin chi),
    Y_nu = sqrt(2 / (pi z)) (P sin chi + Q cos chi), chi = z - (nu / 2 + 1/4) pi; and with
    the same terms e^z K_nu(z) = sqrt(pi / (2z)) sum_k a_k / z^k (returned third)."""
    mu = 4.0 * nu * nu
    term = xp.ones_like(z)
    p, q, k_sum = term.copy(), xp.zeros_like(z), term.copy()
    for k in range(1, _HANKEL_TERMS):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * z)
        k_sum = k_sum + term
        sign = -1.0 if (k // 2) % 2 else 1.0       # +Q1, -P2, -Q3, +P4, +Q5, ...
        if k % 2:
            q = q + sign * term
        else:
            p = p + sign * term
    return p, q, k_sum


def _miller_integer(xp, x):
    """J0, J1, Y0, Y1 for 2 <= x <= 25 by Miller's recurrence (the module's docstring)."""
    after = xp.zeros_like(x)
    current = xp.full_like(x, 1e-30)
    norm = xp.zeros_like(x)
    neumann_0 = xp.zeros_like(x)       # sum_k>=1 (-1)^k f_2k / k
    neumann_1 = xp.zeros_like(x)       # sum_k>=1 (-1)^k (f_2k-1 - f_2k+1) / k
    values = {}
    for n in range(_MILLER_FROM, 0, -1):
        before = (2.0 * n / x) * current - after     # f_(n-1)
        after, current = current, before
        m = n - 1                                     # current is f_m, after f_(m+1)
        if m % 2 == 0 and m > 0:
            k = m // 2
            sign = -1.0 if k % 2 else 1.0
            norm = norm + 2.0 * current
            neumann_0 = neumann_0 + sign * current / k
            neumann_1 = neumann_1 - sign * after / k          # the -f_(2k+1) part
        elif m % 2 == 1:
            k = (m + 1) // 2                                  # f_m = f_(2k-1)
            sign = -1.0 if k % 2 else 1.0
            neumann_1 = neumann_1 + sign * current / k
        if m <= 1:
            values[m] = current
    norm = norm + values[0]
    j0, j1 = values[0] / norm, values[1] / norm
    log_term = xp.log(0.5 * x) + _EULER_GAMMA
    y0 = _TWO_OVER_PI * (log_term * j0 - 2.0 * neumann_0 / norm)
    y1 = _TWO_OVER_PI * (log_term * j1 - j0 / x + neumann_1 / norm)
    return j0, j1, y0, y1


def _series_integer(xp, x, modified):
    """J0, J1, Y0, Y1 (or I0, I1, K0, K1, modified) by their power series, for 0 < x <= 2."""
    z = 0.25 * x * x
    sign_step = 1.0 if modified else -1.0
    zero_sum = xp.ones_like(x)        # sum (+-z)^k / (k!)^2
    one_sum = xp.ones_like(x)         # sum (+-z)^k / (k! (k+1)!)
    log_sum_0 = xp.zeros_like(x)      # sum_k>=1 H_k (+-z)^k / (k!)^2
    psi_sum = xp.full_like(x, 1.0 - 2.0 * _EULER_GAMMA)   # sum (psi(k+1) + psi(k+2)) ...
    term0 = xp.ones_like(x)
    term1 = xp.ones_like(x)
    for k in range(1, _SERIES_TERMS):
        term0 = term0 * (sign_step * z) / (k * k)
        term1 = term1 * (sign_step * z) / (k * (k + 1))
        zero_sum = zero_sum + term0
        one_sum = one_sum + term1
        log_sum_0 = log_sum_0 + _harmonic(k) * term0
        psi_sum = psi_sum + (_harmonic(k) + _harmonic(k + 1) - 2.0 * _EULER_GAMMA) * term1
    log_half = xp.log(0.5 * x)
    first = zero_sum
    second = 0.5 * x * one_sum
    if modified:    # K0 = -(log(x/2) + gamma) I0 + sum H_k ..., K1 = 1/x + log(x/2) I1 - ...
        k0 = -(log_half + _EULER_GAMMA) * first + log_sum_0
        k1 = 1.0 / x + log_half * second - 0.25 * x * psi_sum
        return first, second, k0, k1
    y0 = _TWO_OVER_PI * ((log_half + _EULER_GAMMA) * first - log_sum_0)
    y1 = -_TWO_OVER_PI / x + _TWO_OVER_PI * log_half * second - x / (2.0 * math.pi) * psi_sum
    return first, second, y0, y1


def _scaled_k_integral(xp, nu, x):
    """e^x K_nu(x) by the trapezoidal rule (2 <= x <= 25)."""
    total = 0.5 * xp.ones_like(x)                  # the t = 0 point, halved
    for i in range(1, _TRAPEZOID_POINTS):
        t = i * _TRAPEZOID_STEP
        total = total + xp.exp(-x * (2.0 * math.sinh(0.5 * t) ** 2)) * math.cosh(nu * t)
    return _TRAPEZOID_STEP * total


# ---- J and Y --------------------------------------------------------------------------------

def _bessel_jy(xp, x):
    """(J0, J1, Y0, Y1) of |x| (J1 is made odd by the callers)."""
    a = xp.abs(x)
    near = _clamp(xp, a, 1e-300, _NEAR)
    middle = _clamp(xp, a, _NEAR, _FAR)
    far = _clamp(xp, a, _FAR, np.inf)
    by_series = _series_integer(xp, near, modified=False)
    by_miller = _miller_integer(xp, middle)
    p0, q0, _ = _hankel(xp, 0.0, far)
    p1, q1, _ = _hankel(xp, 1.0, far)
    # cos and sin of far - pi/4 and far - 3pi/4 from those of far itself (no rounded shift)
    c, s = xp.cos(far), xp.sin(far)
    scale = xp.sqrt(_TWO_OVER_PI / far) * math.sqrt(0.5)
    by_hankel = (scale * (p0 * (c + s) - q0 * (s - c)),
                 scale * (p1 * (s - c) + q1 * (s + c)),
                 scale * (p0 * (s - c) + q0 * (c + s)),
                 scale * (-p1 * (c + s) + q1 * (s - c)))
    out = []
    for series, miller, hankel in zip(by_series, by_miller, by_hankel):
        out.append(xp.where(a <= _NEAR, series, xp.where(a <= _FAR, miller, hankel)))
    return out


def bessel_j0(backend, x):
    """J0: even, 1 at 0, nan at +-inf (PyTorch's)."""
    xp = backend.xp
    j0 = _bessel_jy(xp, x)[0]
    j0 = xp.where(x == 0, 1.0, j0)
    return xp.where(xp.isinf(x), xp.nan, j0)


def bessel_j1(backend, x):
    """J1: odd (+-0 at +-0), nan at +-inf (PyTorch's)."""
    xp = backend.xp
    j1 = _bessel_jy(xp, x)[1]
    j1 = xp.where(x < 0, -j1, j1)
    j1 = xp.where(xp.abs(x) < 1e-300, 0.5 * x, j1)
    return xp.where(xp.isinf(x), xp.nan, j1)


def _bessel_y(backend, x, order):
    """Y0 or Y1: -inf at +-0, nan below 0 and at +-inf (PyTorch's)."""
    xp = backend.xp
    a = xp.maximum(x, 1e-300)
    y = _bessel_jy(xp, a)[2 + order]
    if order:                    # -2 / (pi x) dominates below 1e-300 (and overflows)
        with np.errstate(all='ignore'):
            y = xp.where(x < 1e-300, -_TWO_OVER_PI / x, y)
    else:
        y = xp.where(x < 1e-300, _TWO_OVER_PI * (xp.log(0.5 * x) + _EULER_GAMMA), y)
    y = xp.where(x == 0, -np.inf, y)
    return xp.where((x < 0) | xp.isinf(x), xp.nan, y)


def bessel_y0(backend, x):
    return _bessel_y(backend, x, 0)


def bessel_y1(backend, x):
    return _bessel_y(backend, x, 1)


# ---- K ------------------------------------------------------------------------------------------

def _bessel_k(backend, x, order, scaled):
    """K0 or K1 (e^x K, scaled): inf at +-0, nan below 0 and at -inf, 0 at inf (PyTorch's)."""
    xp = backend.xp
    near = _clamp(xp, x, 1e-300, _NEAR)
    middle = _clamp(xp, x, _NEAR, _FAR)
    far = _clamp(xp, x, _FAR, np.inf)
    series = _series_integer(xp, near, modified=True)[2 + order]
    if scaled:
        series = series * xp.exp(near)
    scaled_k = xp.where(x <= _FAR, _scaled_k_integral(xp, float(order), middle),
                        _hankel(xp, float(order), far)[2] * xp.sqrt(0.5 * math.pi / far))
    if not scaled:
        with np.errstate(all='ignore'):
            scaled_k = scaled_k * xp.exp(-x)
    k = xp.where(x <= _NEAR, series, scaled_k)
    with np.errstate(all='ignore'):
        tiny = -xp.log(0.5 * x) - _EULER_GAMMA if order == 0 else 1.0 / x
    k = xp.where(x < 1e-300, tiny, k)
    k = xp.where(x == 0, np.inf, k)
    k = xp.where(x == np.inf, 0.0, k)
    return xp.where(x < 0, xp.nan, k)


def modified_bessel_k0(backend, x):
    return _bessel_k(backend, x, 0, False)


def modified_bessel_k1(backend, x):
    return _bessel_k(backend, x, 1, False)


def scaled_modified_bessel_k0(backend, x):
    return _bessel_k(backend, x, 0, True)


def scaled_modified_bessel_k1(backend, x):
    return _bessel_k(backend, x, 1, True)


# ---- spherical j0 -------------------------------------------------------------------------------

_SPHERICAL_SERIES = tuple((-1) ** k / math.factorial(2 * k + 1) for k in range(12))


def spherical_bessel_j0(backend, x):
    """sin(x) / x: its Taylor series below |x| = 1/2 (as PyTorch), 0 at +-inf."""
    xp = backend.xp
    near = _clamp(xp, x, -0.5, 0.5)
    z = near * near
    series = xp.zeros_like(x) + _SPHERICAL_SERIES[-1]
    for c in _SPHERICAL_SERIES[-2::-1]:
        series = series * z + c
    with np.errstate(all='ignore'):
        direct = xp.sin(x) / x
    out = xp.where(xp.abs(x) < 0.5, series, direct)
    return xp.where(xp.isinf(x), 0.0, out)


# ---- Airy's Ai ----------------------------------------------------------------------------------

_AI_0 = 0.35502805388781723926           # Ai(0)
_AI_PRIME_0 = -0.25881940379280679840    # Ai'(0)
_AIRY_TERMS = 40


def _airy_series(xp, x):
    """Ai(x) = Ai(0) f(x) + Ai'(0) g(x), f and g its Maclaurin series (|x| <= 2)."""
    cube = x * x * x
    f_term, g_term = xp.ones_like(x), x.copy()
    f, g = f_term.copy(), g_term.copy()
    for k in range(1, _AIRY_TERMS):
        f_term = f_term * cube / ((3 * k - 1) * (3 * k))
        g_term = g_term * cube / ((3 * k) * (3 * k + 1))
        f, g = f + f_term, g + g_term
    return _AI_0 * f + _AI_PRIME_0 * g


def _miller_fractional(xp, nu, z):
    """J_nu(z) for a fractional nu > -1 and 2 <= z <= 25 (Miller, the module's docstring)."""
    after = xp.zeros_like(z)
    current = xp.full_like(z, 1e-30)
    weight = math.gamma(nu + _MILLER_FROM // 2) / math.factorial(_MILLER_FROM // 2)
    norm = (nu + _MILLER_FROM) * weight * current
    for n in range(_MILLER_FROM, 0, -1):
        before = (2.0 * (nu + n) / z) * current - after
        after, current = current, before
        m = n - 1
        if m % 2 == 0:
            k = m // 2                        # Gamma(nu + k) / k! from that of k + 1
            weight = weight * (k + 1) / (nu + k)
            norm = norm + (nu + m) * weight * current
    return current * (0.5 * z) ** nu / norm


def airy_ai(backend, x):
    """Ai(x): the Maclaurin series for |x| <= 2; above, Ai(x) = sqrt(x / 3) K_1/3(zeta) / pi
    with zeta = 2/3 x^3/2; below, Ai(-z) = sqrt(z) (J_1/3(zeta) + J_-1/3(zeta)) / 3. nan at
    +-inf (PyTorch's), 0 once e^-zeta underflows."""
    xp = backend.xp
    near = _clamp(xp, x, -_NEAR, _NEAR)
    series = _airy_series(xp, near)
    z = xp.abs(x)
    zeta = (2.0 / 3.0) * z * xp.sqrt(z)
    middle = _clamp(xp, zeta, 1.8, _FAR)
    far = _clamp(xp, zeta, _FAR, 1e300)
    # x > 2
    p, q, k_sum = _hankel(xp, 1.0 / 3.0, far)
    scaled_k = xp.where(zeta <= _FAR, _scaled_k_integral(xp, 1.0 / 3.0, middle),
                        k_sum * xp.sqrt(0.5 * math.pi / far))
    with np.errstate(all='ignore'):
        above = xp.sqrt(z / 3.0) / math.pi * scaled_k * xp.exp(-zeta)
    above = xp.where(zeta > 1e300, 0.0, above)
    # x < -2: the two Hankel expansions share P and Q (4 nu^2 = 4/9): the sum of J_+-1/3 is
    # sqrt(2 / (pi zeta)) sqrt(3) (P cos(zeta - pi/4) - Q sin(zeta - pi/4))
    c, s = xp.cos(far), xp.sin(far)
    hankel = (xp.sqrt(_TWO_OVER_PI / far) * math.sqrt(1.5)
              * (p * (c + s) - q * (s - c)))
    miller = (_miller_fractional(xp, 1.0 / 3.0, middle)
              + _miller_fractional(xp, -1.0 / 3.0, middle))
    below = xp.sqrt(z) / 3.0 * xp.where(zeta <= _FAR, miller, hankel)
    out = xp.where(xp.abs(x) <= _NEAR, series, xp.where(x > 0, above, below))
    return xp.where(xp.isinf(x), xp.nan, out)
