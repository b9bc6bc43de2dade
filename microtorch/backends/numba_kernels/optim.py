"""Fused optimizer steps: sgd_step, adam_step, asgd_step and rprop_step, each one parallel
pass that updates the parameter and its state in place, with cpu.py's operations in cpu.py's
order.

Hyper-parameters arrive in the parameter's dtype, rounded as NumPy rounds a Python float
against a float32 array, and the kernels are compiled without fastmath: no reciprocal for a
division, and a fused multiply-add exactly where PyTorch's loops have one (fma.py), so a step
gives the same bits as cpu.py's NumPy step and, but for sqrt, PyTorch's
(tests/test_exact_optim.py). A call is declined (DECLINED, before
anything is written) unless param, grad and the state arrays share one C-contiguous float
layout. Parameters below PARALLEL_FROM elements take each kernel's serial twin: a launch of
the threads would cost more than the step, and NumPy's steps, each fused multiply-add
emulated, cost ~100 us on a 64 x 64 parameter.

The steps return what cpu.py's return (adam_step: None), so a decline is the DECLINED
marker instead of None: the router runs these in-place primitives' NumPy originals only on it.
"""
import numba
import numpy as np

from . import DECLINED
from .fma import fma
from .reduction import flat
from .twins import serial_twin

PARALLEL_FROM = 1 << 14     # the parallel kernels' crossover against NumPy (numba_dispatch)

@numba.njit(parallel=True, cache=True)
def _sgd(p, g, buf, minus_lr, momentum, keep, weight_decay, decay, use_buf, nesterov,
         maximize, first):
    """d = g (-g) + wd p; buf = d (first step) or momentum buf + keep d; d = buf or
    d + momentum buf; p += -lr d; each 'x + a y' one fma, as PyTorch's add with alpha.
    keep = 1 - dampening. The flags are cpu.py's tests of the Python values (a weight decay
    of 1e-50 is 0 in float32 but still adds p * 0).
    Moves 3 * sizeof(T) bytes per element without momentum (read p, g, write p), else 5."""
    for i in numba.prange(p.size):
        param = p[i]
        d = -g[i] if maximize else g[i]
        if decay:                      # skipped at 0 as in cpu.py: inf * 0 would be nan
            d = fma(param, weight_decay, d)
        if use_buf:
            if first:
                b = d
            else:
                b = fma(d, keep, buf[i] * momentum)
            buf[i] = b
            if nesterov:
                d = fma(b, momentum, d)
            else:
                d = b
        p[i] = fma(d, minus_lr, param)


@numba.njit(parallel=True, cache=True)
def _adam(p, g, m, v, vmax, decay, weight_decay, one_m_beta1, rest_beta1, beta2, one_m_beta2,
          bc2_sqrt, eps, minus_step_size, amsgrad, maximize, coupled, shrink):
    """Adam/AdamW, as cpu.py: coupled: g += wd p; shrink (AdamW): p *= decay = 1 - lr wd;
    m.lerp_(g, 1 - beta1); v = fma((1 - beta2) g, g, beta2 v); bc2_sqrt = sqrt(1 - beta2^t);
    p += (-step_size m) / (sqrt(v) / bc2_sqrt + eps), step_size = lr / (1 - beta1^t).
    rest_beta1 = 1 - one_m_beta1, in the parameter's dtype. vmax is read and written only
    with amsgrad.
    Moves 7 * sizeof(T) bytes per element (read p, g, m, v, write p, m, v), 9 with amsgrad."""
    small_weight = abs(one_m_beta1) < 0.5
    for i in numba.prange(p.size):
        param = p[i]
        grad = -g[i] if maximize else g[i]
        if coupled:
            grad = fma(param, weight_decay, grad)
        elif shrink:
            param *= decay
        mi = m[i]
        if small_weight:               # PyTorch's lerp: two forms, each one fma
            mi = fma(one_m_beta1, grad - mi, mi)
        else:
            mi = fma(mi - grad, rest_beta1, grad)
        m[i] = mi
        vi = fma(grad * one_m_beta2, grad, v[i] * beta2)
        v[i] = vi
        if amsgrad:
            vm = vmax[i]
            if vm > vi or vm != vm:    # np.maximum's: a nan on either side wins
                vi = vm
            vmax[i] = vi
        p[i] = param + (mi * minus_step_size) / (np.sqrt(vi) / bc2_sqrt + eps)


def _views(param, *arrays):
    """1-D views of param and arrays (None stays None) when all share param's C-contiguous
    float layout; None otherwise."""
    if type(param) is not np.ndarray or param.dtype.char not in 'fd':
        return None
    views = [flat(param, param.shape, param.dtype)]
    for a in arrays:
        views.append(None if a is None else flat(a, param.shape, param.dtype))
        if a is not None and views[-1] is None:
            return None
    return None if views[0] is None else views


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, nesterov, weight_decay,
             maximize):
    views = _views(param, grad, momentum_buffer if momentum else None)
    if views is None:
        return DECLINED
    first = bool(momentum) and momentum_buffer is None
    if first:
        momentum_buffer = np.empty_like(param)
        views[2] = momentum_buffer.reshape(-1)
    p, g, buf = views
    dt = param.dtype.type
    # buf: the parameter itself stands in without momentum (the kernel never touches it then)
    step = _pick(_sgd, p)
    step(p, g, p if buf is None else buf, dt(-lr), dt(momentum), dt(1 - dampening),
         dt(weight_decay), bool(weight_decay), bool(momentum), bool(nesterov), bool(maximize),
         first)
    return momentum_buffer if momentum else None


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, lr, beta1, beta2, eps,
              weight_decay, amsgrad, maximize, decoupled_weight_decay):
    views = _views(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else None)
    if views is None:
        return DECLINED
    p, g, m, v, vmax = views
    dt = param.dtype.type
    update = _pick(_adam, p)
    update(p, g, m, v, p if vmax is None else vmax, dt(1 - lr * weight_decay),
           dt(weight_decay), dt(1 - beta1), dt(1) - dt(1 - beta1), dt(beta2), dt(1 - beta2),
           dt((1 - beta2 ** step) ** 0.5), dt(eps), dt(-(lr / (1 - beta1 ** step))),
           bool(amsgrad), bool(maximize), bool(weight_decay) and not decoupled_weight_decay,
           bool(weight_decay) and bool(decoupled_weight_decay))
    return None


@numba.njit(parallel=True, cache=True)
def _asgd(p, g, ax, weight_decay, shrink, minus_eta, mu, decay, maximize, average):
    """ASGD, as cpu.py: g (-g) + wd p (decay flag; one fma), p = fma(g, -eta, p shrink) with
    shrink = 1 - lambd eta; ax += (p - ax) mu, or ax = p while mu is 1 (average False).
    Moves 5 * sizeof(T) bytes per element (read p, g, ax, write p, ax); 4 without averaging."""
    for i in numba.prange(p.size):
        param = p[i]
        grad = -g[i] if maximize else g[i]
        if decay:
            grad = fma(param, weight_decay, grad)
        param = fma(grad, minus_eta, param * shrink)
        p[i] = param
        if average:
            a = ax[i]
            ax[i] = a + (param - a) * mu
        else:
            ax[i] = param


@numba.njit(parallel=True, cache=True)
def _rprop(p, g, prev, size, etaminus, etaplus, smallest, largest, maximize):
    """Rprop, as cpu.py: the step size is scaled by etaplus (same sign as the last gradient),
    etaminus (flipped: this gradient then counts as 0) or 1, clipped to [smallest, largest]
    (nan stays nan); p -= sign(g) size; prev = g.
    Moves 7 * sizeof(T) bytes per element (read p, g, prev, size, write p, prev, size)."""
    one = p.dtype.type(1)
    zero = p.dtype.type(0)
    for i in numba.prange(p.size):
        grad = -g[i] if maximize else g[i]
        product = grad * prev[i]
        if product > 0:
            factor = etaplus
        elif product < 0:
            factor = etaminus
            grad = zero
        elif product == 0:
            factor = one
        else:
            factor = product
        s = size[i] * factor
        if s < smallest:
            s = smallest
        if s > largest:
            s = largest
        size[i] = s
        if grad > 0:
            p[i] -= s
        elif grad < 0:
            p[i] += s
        elif grad != grad:
            p[i] = grad
        else:
            p[i] -= zero * s
        prev[i] = grad


def asgd_step(param, grad, ax, eta, lambd, mu, weight_decay, maximize):
    views = _views(param, grad, ax)
    if views is None:
        return DECLINED
    p, g, a = views
    dt = param.dtype.type
    step = _pick(_asgd, p)
    step(p, g, a, dt(weight_decay), dt(1 - lambd * eta), dt(-eta), dt(mu),
         bool(weight_decay), bool(maximize), mu != 1)
    return None


def rprop_step(param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max,
               maximize):
    views = _views(param, grad, prev, step_size)
    if views is None:
        return DECLINED
    p, g, last, size = views
    dt = param.dtype.type
    step = _pick(_rprop, p)
    step(p, g, last, size, dt(etaminus), dt(etaplus), dt(step_size_min), dt(step_size_max),
         bool(maximize))
    return None


_SERIAL = {kernel: serial_twin(kernel) for kernel in (_sgd, _adam, _asgd, _rprop)}


def _pick(kernel, p):
    """The parallel kernel for a large parameter, its serial twin for a small one."""
    return kernel if p.size >= PARALLEL_FROM else _SERIAL[kernel]
