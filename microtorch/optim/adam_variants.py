"""Adamax, NAdam and RAdam, as PyTorch's: Adam's moments with another step rule each."""
import math

from .adam import check_adam_arguments
from .optimizer import Optimizer, check_implementation_flags, count_step


class Adamax(Optimizer):
    """Adam with the infinity norm: m = lerp(m, g, 1 - beta1); u = max(beta2 u, |g| + eps);
    p -= lr / (1 - beta1^t) * m / u, with g the gradient (negated when maximize) plus
    weight_decay * p."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        check_adam_arguments(lr, eps, betas, weight_decay)
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay = (float(group[k]) for k in ('lr', 'eps', 'weight_decay'))
        beta1, beta2 = (float(b) for b in group['betas'])
        for p, state in self._params_with_grads(group, 'exp_avg', 'exp_inf'):
            step = count_step(state)
            self._backend(p).adamax_step(
                p._data, p.grad._data, state['exp_avg']._data, state['exp_inf']._data,
                lr / (1 - beta1 ** step), beta1, beta2, eps, weight_decay,
                bool(group['maximize']))
            self._bump(p)


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat), whose momentum coefficient warms up as
    mu_t = beta1 (1 - 0.96^(t momentum_decay) / 2): with denom = sqrt(v / (1 - beta2^t)) + eps,
    p -= lr (1 - mu_t) / (1 - prod mu) g / denom + lr mu_(t+1) / (1 - prod mu * mu_(t+1))
    m / denom. The running product of the mu is kept (a 0-dim tensor of scalar_dtype(), as
    PyTorch's) in the state as 'mu_product'."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        check_adam_arguments(lr, eps, betas, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f'Invalid momentum_decay value: {momentum_decay}')
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay = (float(group[k]) for k in ('lr', 'eps', 'weight_decay'))
        beta1, beta2 = (float(b) for b in group['betas'])
        momentum_decay = float(group['momentum_decay'])
        for p, state in self._params_with_grads(group, ('mu_product', 1.0), 'exp_avg',
                                                'exp_avg_sq'):
            step = count_step(state)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
            product = state['mu_product']._data
            product *= mu                        # in its own dtype, as PyTorch's
            product = float(product)
            self._backend(p).nadam_step(
                p._data, p.grad._data, state['exp_avg']._data, state['exp_avg_sq']._data,
                lr, beta1, beta2, 1 - beta2 ** step, eps, weight_decay,
                -lr * (1.0 - mu) / (1.0 - product), -lr * mu_next / (1.0 - product * mu_next),
                bool(group['maximize']), bool(group['decoupled_weight_decay']))
            self._bump(p)


class RAdam(Optimizer):
    """Rectified Adam (Liu et al.): Adam's moments; while the variance of the adaptive step
    is undefined (rho_t <= 5, the first steps) p -= lr m / (1 - beta1^t), after that
    p -= lr m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t, with r_t the
    rectification term."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        check_adam_arguments(lr, eps, betas, weight_decay)
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay = (float(group[k]) for k in ('lr', 'eps', 'weight_decay'))
        beta1, beta2 = (float(b) for b in group['betas'])
        rho_inf = 2 / (1 - beta2) - 1
        for p, state in self._params_with_grads(group, 'exp_avg', 'exp_avg_sq'):
            step = count_step(state)
            bias_correction2 = 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
            adaptive = None
            if rho_t > 5.0:
                rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                 / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                adaptive = math.sqrt(bias_correction2) * rect
            self._backend(p).radam_step(
                p._data, p.grad._data, state['exp_avg']._data, state['exp_avg_sq']._data,
                lr, beta1, beta2, 1 - beta1 ** step, adaptive, eps, weight_decay,
                bool(group['maximize']), bool(group['decoupled_weight_decay']))
            self._bump(p)
