"""PyTorch's CPU samplers that draw a variable number of numbers per element: gamma, Dirichlet,
Poisson and binomial, draw for draw.

PyTorch samples these one element after another, in memory order, each element drawing from
the generator until its rejection loop accepts. The functions here do the same on a
`CPUStream` (microtorch/_cpu_stream.py), with its one-at-a-time draws: `double()`, PyTorch's
float64 uniform from 53 bits, and `standard_normal()`, its float64 normal, which uses the value
the generator keeps from the last Box-Muller pair. The arithmetic is PyTorch's, step by step:

- gamma: Marsaglia and Tsang's method; below alpha = 1, a uniform first boosts alpha by one
  and scales the draw by u^(1/alpha). The result is clamped to the dtype's smallest normal
  number (so alpha = 0 gives that number);
- Dirichlet: float64 gammas, divided by their sum over the last dim, clamped to [the smallest
  normal number, the float below 1] in the dtype;
- Poisson: Hoermann's transformed rejection for rates of 10 or more, the product of uniforms
  below, 0 for a rate of 0;
- binomial: the BTRS transformed rejection where count * p >= 10, the inversion of geometric
  waiting times below; for p > 0.5 the count minus a draw with 1 - p.

float32 elements are computed as PyTorch's templates do: the parameter in float32 (and the
steps PyTorch writes in the element's type rounded to float32), the rest in float64. The
C library's functions come from Python's math module (log, log1p, exp, pow, sqrt, which call
it), and lgamma and log1pf from the C library itself through ctypes (Python's math.lgamma is
its own).

Each element is a Python loop over scalar draws: about 2 to 3 us per gamma, Poisson or
Dirichlet element and 4 to 5 us per binomial one (PyTorch's C++ takes 0.2 to 0.3 us), so a
million elements take a few seconds.
"""
import ctypes
import ctypes.util
import math

import numpy as np

from .backends import one_element as _one_element

__all__ = ['standard_gamma', 'sample_dirichlet', 'poisson', 'binomial']

_ONE_THIRD_F = float(np.float32(1.0) / np.float32(3.0))    # PyTorch's 1.0f / 3.0f
_SQUEEZE_F = float(np.float32(0.0331))                        # and its 0.0331f


def _c_function(name, c_type, fallback):
    """The C library's function `name` of one c_type argument, or fallback without one."""
    try:
        function = getattr(ctypes.CDLL(ctypes.util.find_library('m')), name)
    except (OSError, TypeError, AttributeError):
        return fallback
    function.restype, function.argtypes = c_type, [c_type]
    return function


_lgamma = _c_function('lgamma', ctypes.c_double, math.lgamma)
_log1pf = _c_function('log1pf', ctypes.c_float,
                      lambda x: float(np.log1p(np.float32(x))))


def _log(x):
    """The C library's log, with its answers where Python's raises: -inf at 0, NaN below."""
    if x > 0 or x != x:
        return math.log(x)
    return -math.inf if x == 0 else math.nan


def _pow(x, y):
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.inf


# x rounded to float32 (as a Python float): one float32 operation done in float64
_float32 = _one_element.round32


def _same(x):
    return x


def _rounding(np_dtype):
    """The rounding of PyTorch's scalar_t steps: float32's, or none for float64."""
    return _float32 if np.dtype(np_dtype) == np.float32 else _same


def _std_max(low, x):
    """C++'s std::max(low, x): low unless low < x (so NaN gives low)."""
    return x if low < x else low


# ---- gamma and Dirichlet -------------------------------------------------------------------

def _gamma_one(alpha, stream, rounded):
    """One Gamma(alpha, 1) draw before the clamp; alpha a value of the element's type."""
    scale = 1.0
    if alpha < 1.0:
        if alpha == 0.0:
            return 0.0
        scale *= _pow(1.0 - stream.double(), rounded(1.0 / alpha))
        alpha = rounded(alpha + 1.0)
    d = rounded(alpha - _ONE_THIRD_F)
    if not d > 0:
        # (PyTorch's loop never ends here: alpha NaN or at most -2/3)
        return math.nan
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = stream.standard_normal()
        y = 1.0 + c * x
        if y <= 0:
            continue
        v = y * y * y
        u = 1.0 - stream.double()
        xx = x * x
        if u < 1.0 - _SQUEEZE_F * xx * xx:
            return scale * d * v
        if math.log(u) < 0.5 * xx + d * (1.0 - v + math.log(v)):
            return scale * d * v


def standard_gamma(alphas, stream):
    """Gamma(alpha, 1) draws for a float32 or float64 array of alphas, in its dtype."""
    alphas = np.asarray(alphas)
    rounded = _rounding(alphas.dtype)
    tiny = float(np.finfo(alphas.dtype).tiny)
    draws = [_std_max(tiny, rounded(_gamma_one(alpha, stream, rounded)))
             for alpha in alphas.ravel().tolist()]
    return np.array(draws, alphas.dtype).reshape(alphas.shape)


def sample_dirichlet(concentrations, stream):
    """Dirichlet draws along the last dim of a float32 or float64 array: float64 gammas,
    each over its row's sum, clamped to [tiny, the float below 1] in the array's dtype.
    Returns (the draws, the gammas, their sums with the last dim kept)."""
    concentrations = np.asarray(concentrations)
    dtype = concentrations.dtype
    gammas = np.array([_std_max(2.0 ** -1022, _gamma_one(alpha, stream, _same))
                       for alpha in concentrations.ravel().tolist()], np.float64)
    gammas = gammas.reshape(concentrations.shape)
    rows = gammas.reshape(-1, gammas.shape[-1] if gammas.ndim else 1)
    totals = np.array([_reduced_sum(row) for row in rows])
    totals = totals.reshape(gammas.shape[:-1] + (1,) if gammas.ndim else ())
    with np.errstate(invalid='ignore', over='ignore'):
        ratios = (gammas / totals).astype(dtype)
    below_one = np.nextafter(dtype.type(1), dtype.type(0))
    tiny = np.finfo(dtype).tiny
    # std::min(below_one, std::max(tiny, ratio)), which gives tiny for NaN
    above = np.where(tiny < ratios, ratios, tiny)
    draws = np.where(above < below_one, above, below_one).astype(dtype)
    return draws, gammas, totals


# PyTorch's float64 sums add vectors of 4 (its sum kernel skips AVX-512, so even there)
_LANES = 4


def _reduced_sum(row):
    """The sum of a contiguous float64 row in PyTorch's order: whole vectors of _LANES
    values summed lane by lane (as four interleaved accumulators), then the values left
    over one by one, then the lanes in order; a row shorter than a vector goes through the
    four accumulators one value at a time."""
    n = len(row)
    if n < _LANES:
        return float(_interleaved_sum(row.reshape(n, 1))[0])
    whole = n - n % _LANES
    lanes = _interleaved_sum(row[:whole].reshape(-1, _LANES))
    total = 0.0
    for value in row[whole:].tolist() + lanes.tolist():
        total += value
    return total


def _interleaved_sum(items):
    """PyTorch's row_sum of items (rows of lanes, added lane by lane): the items in groups of
    four, each position of a group into its own accumulator (in cascading levels for long
    rows), the items left over into the first, then the other three into the first."""
    groups = len(items) // 4
    accumulators = _cascade_sum(items[:4 * groups].reshape(groups, 4, items.shape[1]))
    first = accumulators[0]
    for item in items[4 * groups:]:
        first = first + item
    for other in accumulators[1:]:
        first = first + other
    return first


def _cascade_sum(groups, levels=4):
    """PyTorch's multi_row_sum: the groups added one after another into a level-0
    accumulator, which after each 2^p groups is emptied into level 1, and so on up (level j
    kept until 2^(p j) groups are in), p = max(4, ceil(log2 n) // 4); the levels added at the
    end."""
    n = len(groups)
    power = max(4, (n - 1).bit_length() // levels) if n else 4
    step = 1 << power
    acc = [np.zeros(groups.shape[1:]) for _ in range(levels)]
    i = 0
    while i + step <= n:
        for _ in range(step):
            acc[0] = acc[0] + groups[i]
            i += 1
        for j in range(1, levels):
            acc[j] = acc[j] + acc[j - 1]
            acc[j - 1] = np.zeros_like(acc[j - 1])
            if i & ((step - 1) << (j * power)):
                break
    for group in groups[i:]:
        acc[0] = acc[0] + group
    for j in range(1, levels):
        acc[0] = acc[0] + acc[j]
    return acc[0]


# ---- Poisson -------------------------------------------------------------------------------

def _poisson_one(rate, stream):
    """One Poisson(rate) draw, rate a float64 >= 0."""
    if rate >= 10:
        root, log_rate = math.sqrt(rate), math.log(rate)
        b = 0.931 + 2.53 * root
        a = -0.059 + 0.02483 * b
        inverse_alpha = 1.1239 + 1.1328 / (b - 3.4)
        v_r = 0.9277 - 3.6224 / (b - 2)
        while True:
            u, v, us = _proposal(stream)
            k = math.floor((2 * a / us + b) * u + rate + 0.43)
            if us >= 0.07 and v <= v_r:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if (_log(v) + math.log(inverse_alpha) - math.log(a / (us * us) + b)
                    <= -rate + k * log_rate - _lgamma(k + 1.0)):
                return k
    if rate == 0:
        return 0
    limit = math.exp(-rate)
    count, product = 0, 1.0
    while True:
        product *= stream.double()
        if product <= limit:
            return count
        count += 1


def poisson(rates, stream):
    """Poisson draws for an array of rates (each >= 0), in its dtype."""
    rates = np.asarray(rates)
    draws = [_poisson_one(rate, stream) for rate in rates.astype(np.float64).ravel().tolist()]
    return np.array(draws, np.float64).astype(rates.dtype).reshape(rates.shape)


# ---- binomial ------------------------------------------------------------------------------

_STIRLING_TAILS = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                   0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                   0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                   0.00833056343336287)


def _stirling_tail(k):
    """log(k!) less Stirling's approximation of it: tabled below 10, else its series."""
    if k < 10:
        return _STIRLING_TAILS[int(k)]
    square = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / square) / square) / (k + 1)


def _binomial_inversion(count, p, stream, rounded):
    """The number of geometric waiting times (each ceil(log u / log(1 - p))) that fit in
    count trials."""
    log_q = _log1pf(-p) if rounded is _float32 else math.log1p(-p)
    total, successes = 0.0, 0.0
    while True:
        wait = _log(stream.double()) / log_q
        total += math.ceil(wait) if math.isfinite(wait) else wait
        if total > count:
            return successes
        successes += 1


def _btrs(count, p, stream, rounded):
    """Hoermann's transformed rejection with squeeze (count * p >= 10, p <= 1/2)."""
    mean = rounded(count * p)
    spread = math.sqrt(rounded(mean * rounded(1 - p)))
    spread = rounded(spread)
    b = 1.15 + 2.53 * spread
    a = -0.0873 + 0.0248 * b + 0.01 * p
    c = mean + 0.5
    v_r = 0.92 - 4.2 / b
    r = rounded(p / rounded(1 - p))
    alpha = (2.83 + 5.1 / b) * spread
    m = math.floor(rounded(rounded(count + 1) * p))
    while True:
        u, v, us = _proposal(stream)
        k = rounded(_floor((2 * a / us + b) * u + c))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = _log(v * alpha / (a / (us * us) + b))
        rest = rounded(rounded(count - k) + 1)
        bound = ((m + 0.5) * _log((m + 1) / (r * (count - m + 1)))
                 + rounded(count + 1) * _log((count - m + 1) / rest)
                 + (k + 0.5) * _log(r * rest / rounded(k + 1))
                 + _stirling_tail(m) + _stirling_tail(count - m)
                 - _stirling_tail(k) - _stirling_tail(rounded(count - k)))
        if v <= bound:
            return k


def _floor(x):
    """C's floor of a float64: infinities and NaN stay as they are."""
    return float(math.floor(x)) if math.isfinite(x) else x


def _binomial_one(count, p, stream, rounded):
    if count <= 0 or p <= 0:
        return 0.0
    if p >= 1:
        return count
    if count != count:
        return math.nan        # (PyTorch's inversion would never end)
    if p <= 0.5:
        if rounded(count * p) >= 10:
            return _btrs(count, p, stream, rounded)
        return _binomial_inversion(count, p, stream, rounded)
    if p > 0.5:
        q = rounded(1.0 - p)
        if rounded(count * q) >= 10:
            return rounded(count - _btrs(count, q, stream, rounded))
        return rounded(count - _binomial_inversion(count, q, stream, rounded))
    return math.nan


def binomial(counts, probabilities, stream):
    """Binomial(count, p) draws for float32 or float64 arrays of one dtype and shape."""
    counts = np.asarray(counts)
    rounded = _rounding(counts.dtype)
    draws = [_binomial_one(count, p, stream, rounded)
             for count, p in zip(counts.ravel().tolist(), np.asarray(
                 probabilities).ravel().tolist())]
    return np.array(draws, np.float64).astype(counts.dtype).reshape(counts.shape)


def _proposal(stream):
    """The two uniforms of one try of a transformed rejection (Hormann's, in both PyTorch's
    Poisson and binomial samplers): u - 1/2, v and 1/2 - |u - 1/2|, the tries whose last is 0
    (a draw of -inf) refused."""
    while True:
        u = stream.double() - 0.5
        v = stream.double()
        us = 0.5 - abs(u)
        if us != 0:
            return u, v, us
