"""Gamma draws that gradients flow through, and the regularized incomplete gamma function.

`standard_gamma(alpha)` draws X ~ Gamma(alpha, 1) (PyTorch's sampler, microtorch/
_rejection_samplers.py, on the host from microtorch's generator, moved once, as the other
samplers do) and its backward is the implicit reparameterization: with F(x; alpha) the CDF
held fixed at the draw, dX/dalpha = -(dF/dalpha) / f(X; alpha).
dF/dalpha comes from differentiating, term by term and exactly, the two classic expansions of
the incomplete gamma function (forward-mode through each recurrence):

* x < alpha + 1: P(alpha, x) = x^alpha e^-x / Gamma(alpha + 1) * S, S = sum_n t_n with
  t_0 = 1, t_n = t_(n-1) x / (alpha + n); then P / f = x S / alpha.
* otherwise: Q(alpha, x) = 1 - P = x^alpha e^-x / Gamma(alpha) * h with h the continued
  fraction 1 / (x + 1 - alpha - 1 (1 - alpha) / (x + 3 - alpha - 2 (2 - alpha) / ...)),
  evaluated by Lentz's method; then Q / f = x h.

Both run on the backend's array module (NumPy or CuPy: elementwise ufuncs and boolean masks
only, lgamma and digamma from the backend's own kernels) in float64, until every element has
converged (checked every few steps: one device sync per check).
"""
import numpy as np

import microtorch
from microtorch import _rejection_samplers, backends
from microtorch.autograd.function import Function
from microtorch.random import default_generator

__all__ = ['standard_gamma', 'regularized_gamma_p']

_EPS = 1e-15           # relative size of the last term kept (a few ulps of 1)
_TINY = 1e-300         # Lentz's stand-in for a zero denominator
_CHECK_EVERY = 8
_MAX_STEPS = 200_000


def _converged(xp, change):
    # (a NaN, from a NaN input, counts as done: it stays NaN)
    return change.size == 0 or bool(xp.all(~(change >= _EPS)))


def _series_log_p(backend, a, x):
    """log P(a, x), d log P / da and P / f(x) for x < a + 1 (float64 arrays)."""
    xp = backend.xp
    term, d_term = xp.ones_like(a), xp.zeros_like(a)
    total, d_total = xp.ones_like(a), xp.zeros_like(a)
    for n in range(1, _MAX_STEPS):
        step = x / (a + n)
        term = term * step
        d_term = d_term * step - term / (a + n)
        total = total + term
        d_total = d_total + d_term
        if n % _CHECK_EVERY == 0 and _converged(xp, (
                term + xp.abs(d_term) / xp.maximum(total, xp.abs(d_total))) / total):
            break
    log_x = xp.log(x)
    log_p = a * log_x - x - backend.lgamma_forward(a + 1) + xp.log(total)
    d_log_p = log_x - backend.digamma_forward(a + 1) + d_total / total
    return log_p, d_log_p, x * total / a


def _fraction_log_q(backend, a, x):
    """log Q(a, x), d log Q / da and Q / f(x) for x >= a + 1 (float64 arrays)."""
    xp = backend.xp
    b = x + 1 - a                         # d b / d a = -1 throughout
    c, d_c = xp.full_like(a, 1 / _TINY), xp.zeros_like(a)
    d = 1 / b
    d_d = d * d
    h, d_h = d, d_d
    for i in range(1, _MAX_STEPS):
        an = -i * (i - a)                 # d an / d a = i
        b = b + 2
        denominator = an * d + b
        d_denominator = i * d + an * d_d - 1
        denominator = xp.where(xp.abs(denominator) < _TINY, _TINY, denominator)
        d, d_d = 1 / denominator, -d_denominator / denominator ** 2
        numerator = b + an / c
        d_numerator = -1 + i / c - (an / c) * (d_c / c)
        numerator = xp.where(xp.abs(numerator) < _TINY, _TINY, numerator)
        c, d_c = numerator, d_numerator
        factor = d * c
        d_factor = d_d * c + d * d_c
        h, d_h = h * factor, d_h * factor + h * d_factor
        if i % _CHECK_EVERY == 0 and _converged(xp, xp.abs(factor - 1) + xp.abs(d_factor)
                                                / xp.maximum(1, xp.abs(d_h / h))):
            break
    log_x = xp.log(x)
    log_q = a * log_x - x - backend.lgamma_forward(a) + xp.log(h)
    d_log_q = log_x - backend.digamma_forward(a) + d_h / h
    return log_q, d_log_q, x * h


def _incomplete_gamma(alpha, x):
    """(P(alpha, x), dP/dalpha, P/f) as float64 arrays of alpha's backend, elementwise
    (alpha, x > 0, broadcast to one shape)."""
    backend = backends.for_array(alpha)
    xp = backend.xp
    a, x = xp.broadcast_arrays(alpha.astype(np.float64), x.astype(np.float64))
    a, x = a.copy(), x.copy()
    value, d_value, ratio = (xp.zeros_like(a) for _ in range(3))
    lower = x < a + 1
    upper = ~lower
    if bool(lower.any()):
        log_p, d_log_p, p_over_f = _series_log_p(backend, a[lower], x[lower])
        p = xp.exp(log_p)
        value[lower], d_value[lower], ratio[lower] = p, p * d_log_p, p_over_f * d_log_p
    if bool(upper.any()):
        log_q, d_log_q, q_over_f = _fraction_log_q(backend, a[upper], x[upper])
        q = xp.exp(log_q)
        value[upper], d_value[upper], ratio[upper] = 1 - q, -q * d_log_q, -q_over_f * d_log_q
    return value, d_value, ratio


def standard_gamma_grad(alpha, x):
    """dX/dalpha of a Gamma(alpha, 1) draw X = x (arrays of one backend): -dP/dalpha / f."""
    _, _, ratio = _incomplete_gamma(alpha, x)
    return (-ratio).astype(alpha.dtype)


class _StandardGamma(Function):
    node_name = 'StandardGammaBackward0'

    @staticmethod
    def forward(ctx, alpha):
        backend = backends.for_array(alpha)
        host = np.asarray(backend.to_host(alpha))
        if host.dtype not in (np.float32, np.float64):
            host = host.astype(np.float64)
        # PyTorch's sampler, draw for draw (clamped to the smallest normal number, as there)
        draws = _rejection_samplers.standard_gamma(host, default_generator.stream)
        out = backend.from_host(np.ascontiguousarray(draws.astype(alpha.dtype, copy=False)),
                                backend.device_of(alpha))
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        alpha, x = ctx.saved_data
        derivative = microtorch.Tensor._make(standard_gamma_grad(alpha, x))
        return grad * derivative


def standard_gamma(alpha):
    """Draws of Gamma(alpha, 1), one per element of alpha, with implicit gradients."""
    return _StandardGamma.apply(alpha)


class _RegularizedGammaP(Function):
    node_name = 'IgammaBackward0'

    @staticmethod
    def forward(ctx, alpha, x):
        value, d_value, _ = _incomplete_gamma(alpha, x)
        ctx.save_for_backward(alpha, x, d_value)
        return value.astype(np.result_type(alpha.dtype, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        alpha, x, d_value = (microtorch.Tensor._make(a) for a in ctx.saved_data)
        alpha64, x64 = alpha.double(), x.double()
        # dP/dx is the density x^(a-1) e^-x / Gamma(a)
        density = ((alpha64 - 1) * x64.log() - x64 - alpha64.lgamma()).exp()
        return ((grad * d_value.to(grad.dtype)) if ctx.needs_input_grad[0] else None,
                (grad * density.to(grad.dtype)) if ctx.needs_input_grad[1] else None)


def regularized_gamma_p(alpha, x):
    """P(alpha, x) = the Gamma(alpha, 1) CDF at x (x >= 0); differentiable in both."""
    alpha, x = microtorch.broadcast_tensors(alpha, x)
    positive = x > 0
    value = _RegularizedGammaP.apply(alpha, x.clamp(min=microtorch.finfo(x.dtype).tiny))
    return microtorch.where(positive, value, microtorch.zeros_like(value))
