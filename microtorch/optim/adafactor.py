"""Adafactor (Shazeer and Stern), as PyTorch's: a factored second moment for matrices."""
from .optimizer import Optimizer, check_implementation_flags, count_step
from .. import _dtype
from ..creation import zeros, zeros_like


class Adafactor(Optimizer):
    """With t the step, rho = min(lr, 1 / sqrt(t)) and g the gradient (negated when maximize):
    for a parameter of 2 or more dims, row_var and col_var (the means of g^2 over the last and
    second-to-last dim) are lerped towards this step's means by t^beta2_decay and
    v = row_var col_var / max(mean(row_var), eps1); a vector keeps the full v (variance).
    u = g / sqrt(max(v, eps1^2)), scaled down to an RMS of d at most;
    p -= max(eps2, RMS(p)) rho u, after p *= 1 - lr weight_decay. eps1 None is the machine
    epsilon of the parameter's dtype."""

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                 weight_decay=0.0, *, foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f'Learning rate should be >= 0 but is: {lr}')
        if not 0.0 >= beta2_decay:
            raise ValueError(f'beta2_decay should be <= 0 but is: {beta2_decay}')
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f'epsilon1 should be >= 0 but is: {eps[0]}')
        if not 0.0 <= eps[1]:
            raise ValueError(f'epsilon2 should be >= 0 but is: {eps[1]}')
        if not 1.0 <= d:
            raise ValueError(f'Clipping threshold d should be >= 1 but is: {d}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'weight_decay should be >= 0 but is: {weight_decay}')
        check_implementation_flags(foreach, None, False)
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d,
                        weight_decay=weight_decay, foreach=foreach, maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        # PyTorch divides RMS(p) by sqrt(numel) in Python: an empty parameter fails with
        # Python's error; here before anything changes.
        for group in self.param_groups:
            if any(p.grad is not None and p.numel() == 0 for p in group['params']):
                raise ZeroDivisionError('float division by zero')
        return super().step(closure)

    def _update(self, group):
        lr, beta2_decay, d = float(group['lr']), float(group['beta2_decay']), float(group['d'])
        eps1, eps2 = group['eps']
        for p, state in self._params_with_grads(group):
            if len(state) == 1:                       # only the step counter: a first step
                if p.dim() > 1:
                    state['row_var'] = zeros(p.shape[:-1] + (1,), dtype=p.dtype,
                                             device=p.device)
                    state['col_var'] = zeros(p.shape[:-2] + (1, p.shape[-1]), dtype=p.dtype,
                                             device=p.device)
                else:
                    state['variance'] = zeros_like(p)
            if eps1 is None:            # as PyTorch's: the first parameter's dtype decides
                eps1 = _dtype.finfo(p.dtype).eps
            step = count_step(state)
            row, col, var = (state[k]._data if k in state else None
                             for k in ('row_var', 'col_var', 'variance'))
            self._backend(p).adafactor_step(
                p._data, p.grad._data, row, col, var, step ** beta2_decay, lr,
                min(lr, 1 / step ** 0.5), float(eps1), float(eps2), d,
                float(group['weight_decay']), bool(group['maximize']))
            self._bump(p)
