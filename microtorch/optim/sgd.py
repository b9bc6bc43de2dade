"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize, as PyTorch's."""
from .optimizer import Optimizer, check_implementation_flags
from ..tensor import Tensor


class SGD(Optimizer):
    """p -= lr * d, with d = g + weight_decay * p (g negated when maximize), smoothed by
    momentum: buf = momentum * buf + (1 - dampening) * d (buf = d on the first step), and
    d = buf, or d + momentum * buf with nesterov."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr < 0.0:
            raise ValueError(f'Invalid learning rate: {lr}')
        if momentum < 0.0:
            raise ValueError(f'Invalid momentum value: {momentum}')
        if weight_decay < 0.0:
            raise ValueError(f'Invalid weight_decay value: {weight_decay}')
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError('Nesterov momentum requires a momentum and zero dampening')
        check_implementation_flags(foreach, fused, differentiable)
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, momentum = float(group['lr']), float(group['momentum'])
        dampening, weight_decay = float(group['dampening']), float(group['weight_decay'])
        nesterov, maximize = bool(group['nesterov']), bool(group['maximize'])
        for p in group['params']:
            grad = p.grad
            if grad is None:
                continue
            state = self.state[p] if momentum else None
            buf = state.get('momentum_buffer') if momentum else None
            new_buf = self._backend(p).sgd_step(
                p._data, grad._data, None if buf is None else buf._data, lr, momentum,
                dampening, nesterov, weight_decay, maximize)
            if momentum and buf is None:
                state['momentum_buffer'] = Tensor._make(new_buf)
            self._bump(p)
