"""ASGD (averaged SGD) and Rprop (resilient backpropagation), as PyTorch's."""
from .optimizer import Optimizer, check_implementation_flags, count_step, scalar_dtype
from .rmsprop import _check
from ..creation import full_like


class ASGD(Optimizer):
    """Averaged SGD (Polyak and Juditsky): p = p (1 - lambd eta) - eta g, with g the gradient
    (negated when maximize) plus weight_decay * p; eta = lr / (1 + lambd lr t)^alpha after step
    t; ax, the running average of p, starts averaging after t0 steps (mu = 1 / (t - t0)).
    eta and mu are 0-dim tensors of scalar_dtype() in the state, as PyTorch's."""

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check(lr=lr, weight_decay=weight_decay)
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, lambd, alpha = float(group['lr']), float(group['lambd']), float(group['alpha'])
        t0, weight_decay = float(group['t0']), float(group['weight_decay'])
        for p, state in self._params_with_grads(group, ('eta', lr), ('mu', 1.0), 'ax'):
            step = count_step(state)
            eta, mu = state['eta']._data, state['mu']._data
            self._backend(p).asgd_step(p._data, p.grad._data, state['ax']._data, float(eta),
                                       lambd, float(mu), weight_decay,
                                       bool(group['maximize']))
            # the next step's rate and averaging weight: PyTorch makes each a tensor of the
            # scalar dtype (rounding it to float32 by default), then copies it into the state
            rounded = scalar_dtype().np.type
            eta[...] = rounded(lr / ((1 + lambd * lr * step) ** alpha))
            mu[...] = rounded(1 / max(1.0, step - t0))
            self._bump(p)


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller and Braun): every element has its own step size
    (from lr), multiplied by etas[1] while its gradient keeps its sign and by etas[0] when the
    sign flips (that step then skipped), kept within step_sizes; p -= sign(g) step_size."""

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f'Invalid eta values: {etas[0]}, {etas[1]}')
        check_implementation_flags(foreach, None, differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach,
                        maximize=maximize, differentiable=differentiable,
                        capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, group):
        etaminus, etaplus = (float(e) for e in group['etas'])
        smallest, largest = (float(s) for s in group['step_sizes'])
        lr = float(group['lr'])
        for p, state in self._params_with_grads(group, 'prev',
                                                ('step_size', lambda p: full_like(p, lr))):
            count_step(state)
            self._backend(p).rprop_step(p._data, p.grad._data, state['prev']._data,
                                        state['step_size']._data, etaminus, etaplus,
                                        smallest, largest, bool(group['maximize']))
            self._bump(p)
