"""Adam and AdamW (Adam with decoupled weight decay), as PyTorch's, amsgrad included."""
from .optimizer import Optimizer, check_implementation_flags, count_step
from ..creation import zeros_like


def check_adam_arguments(lr, eps, betas, weight_decay):
    """PyTorch's checks (and messages) of the Adam family's common hyperparameters."""
    if not 0.0 <= lr:
        raise ValueError(f'Invalid learning rate: {lr}')
    if not 0.0 <= eps:
        raise ValueError(f'Invalid epsilon value: {eps}')
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f'Invalid beta parameter at index 0: {betas[0]}')
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f'Invalid beta parameter at index 1: {betas[1]}')
    if not 0.0 <= weight_decay:
        raise ValueError(f'Invalid weight_decay value: {weight_decay}')


class Adam(Optimizer):
    """m = lerp(m, g, 1 - beta1); v = beta2 * v + (1 - beta2) * g^2;
    p -= lr / (1 - beta1^t) * m / (sqrt(v / (1 - beta2^t)) + eps), where g is the gradient
    (negated when maximize) plus weight_decay * p, or, with decoupled weight decay (AdamW),
    p is first scaled by 1 - lr * weight_decay. amsgrad uses the running max of v."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_adam_arguments(lr, eps, betas, weight_decay)
        check_implementation_flags(foreach, fused, differentiable)
        # capturable (CUDA graphs) changes nothing in the numbers: accepted, like foreach.
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, group):
        lr, eps, weight_decay = float(group['lr']), float(group['eps']),  \
            float(group['weight_decay'])
        beta1, beta2 = (float(b) for b in group['betas'])
        amsgrad, maximize = bool(group['amsgrad']), bool(group['maximize'])
        decoupled = bool(group['decoupled_weight_decay'])
        for p, state in self._params_with_grads(group, 'exp_avg', 'exp_avg_sq'):
            grad = p.grad
            if amsgrad and 'max_exp_avg_sq' not in state:
                state['max_exp_avg_sq'] = zeros_like(p)
            step = count_step(state)
            max_sq = state['max_exp_avg_sq']._data if amsgrad else None
            self._backend(p).adam_step(
                p._data, grad._data, state['exp_avg']._data, state['exp_avg_sq']._data,
                max_sq, step, lr, beta1, beta2, eps, weight_decay, amsgrad,
                maximize, decoupled)
            self._bump(p)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p *= 1 - lr * weight_decay
    before the Adam update, instead of adding weight_decay * p to the gradient."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:         # AdamW's decay stays decoupled
            group['decoupled_weight_decay'] = True
