"""Special functions over any backend's float64 arrays (NumPy on the CPU, CuPy on the GPU):
the exponentially scaled modified Bessel functions i0e and i1e, erfcx, the regularized
incomplete gamma functions P and Q (gammainc, gammaincc) and the Hurwitz zeta function.

Each takes the backend (for its array module `xp` and its own lgamma and erfc kernels) and
float64 arrays, and returns a float64 array; the ops round it to the input's dtype. The code
is elementwise ufuncs, `where` and boolean masks only, so that it runs on either module.
The values at the edges are PyTorch's (see each function).
"""
import math

import numpy as np

from .special_functions import _LGAMMA_NEAR_TWO, _ZETA_TAIL, _bessel_i_numpy

_ONE_OVER_SQRT_PI = 1.0 / math.sqrt(math.pi)


def bessel_ie(backend, order, x):
    """e^-|x| I_order(x), order 0 or 1: 1 (i0e) or +-0 (i1e) at 0, 0 at +-inf."""
    return _bessel_i_numpy(order, x, scaled=True, xp=backend.xp)


# ---- erfcx ------------------------------------------------------------------------------------

_ERFCX_FRACTION_FROM = 2.0
_ERFCX_FRACTION_TERMS = 120        # Laplace's fraction at x = 2: 1e-17 after ~100 terms


def erfcx(backend, x):
    """exp(x^2) erfc(x): for 0 <= x <= 2 directly (erfc keeps its relative accuracy there);
    above, Laplace's continued fraction erfc(x) = e^-x^2 / sqrt(pi) / (x + (1/2) / (x + 1 /
    (x + (3/2) / (x + ...)))), so nothing underflows (0 at inf); below 0 the reflection
    erfcx(x) = 2 exp(x^2) - erfcx(-x) (inf once exp(x^2) overflows, as PyTorch's)."""
    xp = backend.xp
    a = xp.abs(x)
    near = xp.minimum(a, _ERFCX_FRACTION_FROM)
    direct = xp.exp(near * near) * backend.erfc_forward(near)
    far = xp.maximum(a, _ERFCX_FRACTION_FROM)
    denominator = far
    for k in range(_ERFCX_FRACTION_TERMS, 0, -1):        # evaluated from the bottom up
        denominator = far + (0.5 * k) / denominator
    fraction = _ONE_OVER_SQRT_PI / denominator
    positive = xp.where(a <= _ERFCX_FRACTION_FROM, direct, fraction)
    out = xp.where(x < 0, 2.0 * xp.exp(x * x) - positive, positive)
    return xp.where(xp.isnan(x), x, out)


# ---- the regularized incomplete gamma functions -------------------------------------------

def _horner(xp, coefficients, z):
    out = xp.zeros_like(z) + coefficients[-1]
    for c in coefficients[-2::-1]:
        out = out * z + c
    return out


def _lgamma1p(xp, a):
    """lgamma(1 + a) for 0 < a <= 1.5 without rounding 1 + a: the series of lgamma about 2
    (log Gamma(2 + t), |t| <= 1/2), at t = a - 1 or, below 1/2, at t = a less log1p(a)."""
    low = xp.minimum(a, 0.5)
    high = xp.maximum(a - 1.0, -0.5)
    return xp.where(a < 0.5, _horner(xp, _LGAMMA_NEAR_TWO, low) - xp.log1p(low),
                    _horner(xp, _LGAMMA_NEAR_TWO, high))


_UPPER_SERIES_TERMS = 40           # x <= 1.1: the terms x^n / n! are below 1e-17 by then


def _upper_series(xp, a, x):
    """Q(a, x) for x <= 1.1 and a <= 1.21: 1 - x^a / Gamma(a + 1) - x^a / Gamma(a)
    sum_n>=1 (-x)^n / (n! (a + n)), the first part as -expm1 (no cancellation as a -> 0)."""
    log_x = xp.log(x)
    lead = a * log_x - _lgamma1p(xp, a)                 # log(x^a / Gamma(a + 1))
    term = xp.ones_like(x)
    total = xp.zeros_like(x)
    for n in range(1, _UPPER_SERIES_TERMS):
        term = term * -x / n
        total = total + term / (a + n)
    return -xp.expm1(lead) - a * xp.exp(lead) * total


def incomplete_gamma(backend, a, x, upper):
    """P(a, x) (upper False: gammainc) or Q(a, x) = 1 - P (upper True: gammaincc), for
    broadcast float64 arrays, with PyTorch's choice of which of the two is computed
    directly and which as 1 minus the other: for x > 1.1, P by its series below x = a and Q
    by its continued fraction above (gamma_functions' two expansions); for x <= 1.1, P by the
    series where a is large enough (a > -0.4 / log x up to 1/2, a > 1.1 x above), else Q by
    its own series. Edges as PyTorch's: nan for a < 0 or x < 0 (and nan), P(0, x > 0) = 1,
    P(a, 0) = 0, P(inf, x) = 0 (nan for x = inf), P(a, inf) = 1."""
    # (imported here: microtorch.distributions imports microtorch, which imports this)
    from ..distributions.gamma_functions import _fraction_log_q, _series_log_p
    xp = backend.xp
    a, x = xp.broadcast_arrays(a, x)
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    p = xp.full(a.shape, xp.nan)
    q = xp.full(a.shape, xp.nan)
    inner = (a > 0) & (x > 0) & (a < xp.inf) & (x < xp.inf)
    with np.errstate(all='ignore'):
        log_x = xp.log(x)
        small_x_p = xp.where(x <= 0.5, -0.4 / log_x < a, x * 1.1 < a)
    by_p = inner & xp.where(x > 1.1, x < a, small_x_p)
    by_fraction = inner & (x > 1.1) & ~by_p
    by_q_series = inner & (x <= 1.1) & ~by_p
    if bool(by_p.any()):
        log_p, _, _ = _series_log_p(backend, a[by_p], x[by_p])
        p[by_p] = xp.exp(log_p)
        q[by_p] = -xp.expm1(log_p)
    if bool(by_fraction.any()):
        log_q, _, _ = _fraction_log_q(backend, a[by_fraction], x[by_fraction])
        q[by_fraction] = xp.exp(log_q)
        p[by_fraction] = -xp.expm1(log_q)
    if bool(by_q_series.any()):
        value = _upper_series(xp, a[by_q_series], x[by_q_series])
        q[by_q_series] = value
        p[by_q_series] = 1.0 - value
    # the edges, in PyTorch's order of precedence (the first that applies wins)
    edges = ((x == xp.inf, 1.0), (a == xp.inf, xp.where(x == xp.inf, xp.nan, 0.0)),
             (x == 0, 0.0), (a == 0, xp.where(x > 0, 1.0, xp.nan)), ((x < 0) | (a < 0), xp.nan))
    for where, value in edges:
        p = xp.where(where, value, p)
        q = xp.where(where, 1.0 - value, q)
    return (q if upper else p).reshape(shape)


# ---- the Hurwitz zeta function --------------------------------------------------------------

def zeta(backend, x, q):
    """The Hurwitz zeta function sum_k>=0 (q + k)^-x, for broadcast float64 arrays, as
    PyTorch computes it: the first terms of the sum up to w = q + n (n >= 9, w > 9), then the
    Euler-Maclaurin tail at w (as polygamma's zeta_numpy, with x an array). PyTorch's edges:
    inf at x = 1 and at the poles q = 0, -1, ..., -inf; nan for x < 1, for q < 0 with x not
    whole, and at q = inf; at x = inf the sum's terms alone (1 at q = 1, inf where some
    |q + k| < 1), nan where they are all 0."""
    xp = backend.xp
    x, q = xp.broadcast_arrays(x, q)
    shape = x.shape
    x, q = x.reshape(-1), q.reshape(-1)
    pole = (q <= 0) & (q == xp.floor(q))
    # how many terms PyTorch adds before the tail: the least n >= 9 with q + n > 9
    with np.errstate(all='ignore'):
        steps = xp.maximum(9.0, xp.floor(9.0 - q) + 1.0)
    steps = xp.where(pole | ~xp.isfinite(steps), 9.0, steps)
    total = sum((q + k) ** -x for k in range(9))
    active = xp.flatnonzero(steps > 9)
    k = 9
    while active.size:                   # only very negative q needs these terms
        total[active] += (q[active] + k) ** -x[active]
        k += 1
        active = active[steps[active] > k]
    sum_of_terms = total + (q + steps) ** -x
    w = q + steps
    total += w ** (1.0 - x) / (x - 1.0) + 0.5 * w ** -x
    rising = x * w ** (-x - 1.0)         # x (x+1) ... (x+2j-2) w^(-x-2j+1), j = 1
    inv_w2 = 1.0 / (w * w)
    for j, c in enumerate(_ZETA_TAIL, 1):
        total += c * rising
        rising *= (x + 2 * j - 1.0) * (x + 2 * j) * inv_w2
    at_inf = xp.where(sum_of_terms == 0, xp.nan, sum_of_terms)
    total = xp.where(x == xp.inf, at_inf, total)
    total = xp.where(q == xp.inf, xp.nan, total)
    total = xp.where((q < 0) & (x != xp.floor(x)), xp.nan, total)
    total = xp.where(pole, xp.inf, total)
    total = xp.where(x < 1, xp.nan, total)
    total = xp.where(x == 1, xp.inf, total)
    return total.reshape(shape)
