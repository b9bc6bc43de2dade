"""The classical orthogonal polynomials of torch.special, over float arrays of any backend
(`xp`: NumPy or CuPy), computed in the arrays' own dtype as PyTorch's kernels are: Chebyshev
T, U, V, W (and shifted to [0, 1]), Hermite H and He,
Laguerre L and Legendre P, of degree n (an array broadcast with x).

Each follows PyTorch's definition case by case, so that the values agree to rounding:
n is truncated to a whole number (nan, +-inf and values beyond int64 count as negative), a
negative n gives 0; the closed forms at the ends of the interval (x = +-1, or 0 and 1 for
the shifted ones); for Chebyshev polynomials of large degree inside the interval, the
trigonometric forms (T_n(cos t) = cos(n t), ...); otherwise the three-term recurrence, run
for each element up to its own degree (elements leave the loop when done, or when the value
became nan). Hermite's degree is capped as PyTorch's: nan above 512 (128 for float32).
"""
import numpy as np

_INT64_LIMIT = 2.0 ** 63


def degree(xp, n):
    """n as PyTorch casts it to int64: truncated; nan, +-inf and the out-of-range values
    become -1 (they give 0, as PyTorch's out-of-range casts do)."""
    whole = xp.trunc(xp.where(xp.isfinite(n), n, -1.0))
    return xp.where(xp.abs(whole) < _INT64_LIMIT, whole, -1.0)


def _recurrence(xp, x, n, first, step, active):
    """q_n for the elements `active` (n >= 2 there): q_0 = 1, q_1 = first(x), then
    q_(j+1) = step(j, x, q_j, q_(j-1)) for j = 1 ... n - 1. Returns the full-shape values
    (0 outside `active`)."""
    out = xp.zeros(x.shape, x.dtype)       # contiguous: `result` below is a view of it
    index = xp.flatnonzero(active.reshape(-1))
    flat_x, flat_n = x.reshape(-1)[index], n.reshape(-1)[index]
    previous = xp.ones_like(flat_x)
    current = first(flat_x)
    result = out.reshape(-1)
    j = 1
    while index.size:
        done = (flat_n <= j) | xp.isnan(current)
        if bool(done.any()):
            result[index[done]] = current[done]
            keep = ~done
            index, flat_x, flat_n = index[keep], flat_x[keep], flat_n[keep]
            previous, current = previous[keep], current[keep]
            if not index.size:
                break
        previous, current = current, step(j, flat_x, current, previous)
        j += 1
    return result.reshape(x.shape)


def _chebyshev_step(j, x, current, previous):
    return (x + x) * current - previous


_CHEBYSHEV_FIRST = {'t': lambda x: x, 'u': lambda x: x + x,
                    'v': lambda x: x + x - 1.0, 'w': lambda x: x + x + 1.0}


def _chebyshev_ends(kind, xp, n, positive):
    """The value at x = 1 (positive) or x = -1."""
    even = xp.fmod(n, 2.0) == 0
    sign = xp.where(even, 1.0, -1.0)
    if kind == 't':
        return 1.0 if positive else sign
    if kind == 'u':
        return n + 1.0 if positive else sign * (n + 1.0)
    if kind == 'v':
        return 1.0 if positive else sign * (n + n + 1.0)
    return n + n + 1.0 if positive else sign


def _chebyshev_trigonometric(kind, xp, y, n):
    """The trigonometric forms, with PyTorch's fallbacks where their denominator is 0."""
    t = xp.arccos(y)
    with np.errstate(all='ignore'):
        if kind == 't':
            return xp.cos(n * t)
        if kind == 'u':
            s = xp.sin(t)
            return xp.where(s != 0, xp.sin((n + 1.0) * t) / s,
                            (n + 1.0) * xp.cos((n + 1.0) * t) / y)
        fallback = _chebyshev_ends(kind, xp, n, False)
        if kind == 'v':
            return xp.where(xp.sin(t / 2.0) != 1.0, xp.cos((n + 0.5) * t) / xp.cos(t / 2.0),
                            fallback)
        fallback = xp.where(y > 0, n + n + 1.0, fallback)
        return xp.where(xp.cos(t / 2.0) != 1.0, xp.sin((n + 0.5) * t) / xp.sin(t / 2.0),
                        fallback)


# the degree above which the trigonometric form is used, unshifted and shifted (PyTorch's)
_TRIGONOMETRIC_FROM = {'t': (6, 6), 'u': (8, 6), 'v': (8, 6), 'w': (8, 4)}


def chebyshev(backend, kind, x, n, shifted=False):
    """T, U, V or W (kind 't', 'u', 'v', 'w') of degree n at x, or at 2x - 1 (shifted)."""
    xp = backend.xp
    x, n = xp.broadcast_arrays(x, degree(xp, n))
    y = x + x - 1.0 if shifted else x
    at_one = (x == 1.0) if shifted else (y == 1.0)
    at_minus_one = (x == 0.0) if shifted else (y == -1.0)
    inside = xp.abs(y) < 1.0
    trigonometric = (n > _TRIGONOMETRIC_FROM[kind][shifted]) & inside
    with np.errstate(all='ignore'):
        first = _CHEBYSHEV_FIRST[kind](y)
        out = xp.where(n == 0, 1.0, first)
        clamped = xp.where(inside, y, 0.0)
        out = xp.where(trigonometric, _chebyshev_trigonometric(kind, xp, clamped, n), out)
        out = xp.where(at_minus_one, _chebyshev_ends(kind, xp, n, False), out)
        out = xp.where(at_one, _chebyshev_ends(kind, xp, n, True), out)
        special = at_one | at_minus_one | trigonometric
        loop = (n >= 2) & ~special
        looped = _recurrence(xp, y, n, _CHEBYSHEV_FIRST[kind], _chebyshev_step, loop)
    out = xp.where(loop, looped, out)
    return xp.where(n < 0, 0.0, out)


def hermite(backend, x, n, probabilists, limit):
    """H_n(x) (He_n, probabilists); nan above degree `limit`."""
    xp = backend.xp
    x, n = xp.broadcast_arrays(x, degree(xp, n))
    if probabilists:
        first = lambda x: x                                            # noqa: E731
        step = lambda j, x, q, p: x * q - j * p                          # noqa: E731
    else:
        first = lambda x: x + x                                        # noqa: E731
        step = lambda j, x, q, p: (x + x) * q - (2.0 * j) * p            # noqa: E731
    with np.errstate(all='ignore'):
        out = xp.where(n == 0, 1.0, first(x))
        loop = (n >= 2) & (n <= limit)
        out = xp.where(loop, _recurrence(xp, x, n, first, step, loop), out)
    out = xp.where(n > limit, xp.nan, out)
    return xp.where(n < 0, 0.0, out)


def laguerre(backend, x, n):
    """L_n(x): 1 at x = 0."""
    xp = backend.xp
    x, n = xp.broadcast_arrays(x, degree(xp, n))
    first = lambda x: 1.0 - x                                          # noqa: E731
    step = lambda j, x, q, p: ((j + j + (1.0 - x)) * q - j * p) / (j + 1)   # noqa: E731
    with np.errstate(all='ignore'):
        out = xp.where(n == 0, 1.0, first(x))
        loop = (n >= 2) & (x != 0)
        out = xp.where(loop, _recurrence(xp, x, n, first, step, loop), out)
    out = xp.where(x == 0, 1.0, out)
    return xp.where(n < 0, 0.0, out)


def legendre(backend, x, n):
    """P_n(x): +-1 at x = +-1."""
    xp = backend.xp
    x, n = xp.broadcast_arrays(x, degree(xp, n))
    first = lambda x: x                                                # noqa: E731
    step = lambda j, x, q, p: ((j + j + 1) * x * q - j * p) / (j + 1)  # noqa: E731
    ends = xp.abs(x) == 1.0
    with np.errstate(all='ignore'):
        out = xp.where(n == 0, 1.0, x)
        loop = (n >= 2) & ~ends
        out = xp.where(loop, _recurrence(xp, x, n, first, step, loop), out)
    sign = xp.where((x > 0) | (xp.fmod(n, 2.0) == 0), 1.0, -1.0)
    out = xp.where(ends, sign, out)
    return xp.where(n < 0, 0.0, out)
