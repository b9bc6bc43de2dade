"""RMSprop and Adagrad, as PyTorch's: per-element step sizes from running squared gradients."""
from .optimizer import Optimizer, check_implementation_flags, count_step, scalar_dtype
from ..creation import full_like, tensor, zeros_like


def _check(**values):
    """PyTorch's messages for hyperparameters below 0 (keyword order is check order)."""
    names = {'lr': 'learning rate', 'eps': 'epsilon value'}
    for key, value in values.items():
        if not 0.0 <= value:
            raise ValueError(f'Invalid {names.get(key, key + " value")}: {value}')


class RMSprop(Optimizer):
    """s = alpha s + (1 - alpha) g^2; p -= lr g / (sqrt(s) + eps), with g the gradient
    (negated when maximize) plus weight_decay * p; centered subtracts the square of the
    running mean gradient from s; momentum accumulates g / (sqrt(s) + eps) first."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, capturable=capturable,
                        foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, alpha, eps = float(group['lr']), float(group['alpha']), float(group['eps'])
        weight_decay, momentum = float(group['weight_decay']), float(group['momentum'])
        centered, maximize = bool(group['centered']), bool(group['maximize'])
        for p, state in self._params_with_grads(group, 'square_avg'):
            if momentum and 'momentum_buffer' not in state:
                state['momentum_buffer'] = zeros_like(p)
            if centered and 'grad_avg' not in state:
                state['grad_avg'] = zeros_like(p)
            count_step(state)
            buf, avg = state.get('momentum_buffer'), state.get('grad_avg')
            self._backend(p).rmsprop_step(
                p._data, p.grad._data, state['square_avg']._data,
                None if buf is None else buf._data, None if avg is None else avg._data, lr,
                alpha, eps, weight_decay, momentum, centered, maximize)
            self._bump(p)


class Adagrad(Optimizer):
    """sum += g^2; p -= lr / (1 + (t - 1) lr_decay) * g / (sqrt(sum) + eps), with g the
    gradient (negated when maximize) plus weight_decay * p. The state (step and sum, from
    initial_accumulator_value) exists from construction, as in PyTorch."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
               initial_accumulator_value=initial_accumulator_value, eps=eps)
        check_implementation_flags(foreach, fused, differentiable)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group['params']:
                state = self.state[p]
                state['step'] = tensor(0.0, dtype=scalar_dtype())
                state['sum'] = full_like(p, group['initial_accumulator_value'])

    def _update(self, group):
        lr, lr_decay, eps = float(group['lr']), float(group['lr_decay']), float(group['eps'])
        weight_decay, maximize = float(group['weight_decay']), bool(group['maximize'])
        for p in group['params']:
            if p.grad is None:
                continue
            state = self.state[p]
            step = count_step(state)
            clr = lr / (1 + (step - 1) * lr_decay)
            self._backend(p).adagrad_step(p._data, p.grad._data, state['sum']._data, clr, eps,
                                          weight_decay, maximize)
            self._bump(p)


class Adadelta(Optimizer):
    """s = rho s + (1 - rho) g^2; delta = sqrt(a + eps) / sqrt(s + eps) * g;
    a = rho a + (1 - rho) delta^2; p -= lr delta, with g the gradient (negated when maximize)
    plus weight_decay * p: a step size from the running sizes of past updates (Zeiler)."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f'Invalid rho value: {rho}')
        _check(eps=eps, weight_decay=weight_decay)
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, rho, eps = float(group['lr']), float(group['rho']), float(group['eps'])
        for p, state in self._params_with_grads(group, 'square_avg', 'acc_delta'):
            count_step(state)
            self._backend(p).adadelta_step(
                p._data, p.grad._data, state['square_avg']._data, state['acc_delta']._data,
                lr, rho, eps, float(group['weight_decay']), bool(group['maximize']))
            self._bump(p)
