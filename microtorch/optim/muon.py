"""Muon (Jordan et al.), as PyTorch's: momentum, then the update orthogonalised by a
Newton-Schulz iteration, for the 2-D parameters of hidden layers."""
import math

from .optimizer import Optimizer
from ..backends.optim_math import newton_schulz
from ..creation import zeros_like
from ..tensor import Tensor

# Keller Jordan's constants, PyTorch's defaults
EPS = 1e-7
DEFAULT_A, DEFAULT_B, DEFAULT_C = 3.4445, -4.7750, 2.0315
DEFAULT_NS_STEPS = 5


def _adjusted_lr(lr, adjust_lr_fn, shape):
    """lr scaled so that orthogonalised updates of any shape have comparable RMS: Keller's
    sqrt(max(1, A / B)) ('original', the default) or Moonshot's 0.2 sqrt(max(A, B))
    ('match_rms_adamw'), for an A x B parameter."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == 'original':
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == 'match_rms_adamw':
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


class Muon(Optimizer):
    """B = momentum B + g (kept as buf.lerp_(g, 1 - momentum), as PyTorch's); the update is
    g.lerp(B, momentum) with nesterov, else B; O = Newton-Schulz(update) (ns_steps rounds with
    ns_coefficients (a, b, c), in bfloat16 as PyTorch's); p *= 1 - lr weight_decay;
    p -= adjusted_lr O. Only 2-D parameters: others belong to an optimizer such as AdamW.

    PyTorch's iteration runs in bfloat16; microtorch has no bfloat16 and emulates it (see
    backends.optim_math.newton_schulz), giving PyTorch's bits except where a float32 sum lies
    at a bfloat16 rounding tie (then one element differs by one bfloat16 step)."""

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=(DEFAULT_A, DEFAULT_B, DEFAULT_C), eps=EPS,
                 ns_steps=DEFAULT_NS_STEPS, adjust_lr_fn=None):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError('Tensor lr must be 1-element')
        if not 0.0 <= lr:
            raise ValueError(f'Learning rate should be >= 0 but is: {lr}')
        if not 0.0 <= momentum:
            raise ValueError(f'momentum should be >= 0 but is: {momentum}')
        if not 0.0 <= weight_decay:
            raise ValueError(f'weight decay should be >= 0 but is: {weight_decay}')
        if adjust_lr_fn is not None and adjust_lr_fn not in ('original', 'match_rms_adamw'):
            raise ValueError(f'Adjust learning rate function {adjust_lr_fn} is not supported')
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps,
                        adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group['params']:
                if p.ndim != 2:
                    raise ValueError('Muon only supports 2D parameters whereas we found a '
                                     f'parameter with size: {p.size()}')

    def step(self, closure=None):
        # PyTorch checks these while it updates, group by group; here every group is
        # checked first, so that a bad one changes nothing.
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                if p.grad.ndim != 2:
                    raise ValueError('Param gradient must be a 2D matrix')
                if group['ns_steps'] >= 100:
                    raise ValueError('Number of steps must be less than 100 for '
                                     'computational efficiency')
                if len(group['ns_coefficients']) != 3:
                    raise ValueError('Coefficients must be a tuple of exactly 3 values')
        return super().step(closure)

    def _update(self, group):
        lr, weight_decay = float(group['lr']), float(group['weight_decay'])
        momentum = float(group['momentum'])
        for p in group['params']:
            if p.grad is None:
                continue
            state = self.state[p]
            if 'momentum_buffer' not in state:
                state['momentum_buffer'] = zeros_like(p.grad)
            buf, grad = state['momentum_buffer'], p.grad
            buf.lerp_(grad, 1 - momentum)
            update = grad.lerp(buf, momentum) if group['nesterov'] else buf
            backend = self._backend(p)
            ortho = newton_schulz(backend.xp, update._data, group['ns_coefficients'],
                                  int(group['ns_steps']), float(group['eps']))
            p.mul_(1 - lr * weight_decay)
            _add_scaled(p._data, ortho, -_adjusted_lr(lr, group['adjust_lr_fn'], p.shape))
            self._bump(p)


def _add_scaled(param, update, alpha):
    """param.add_(update, alpha=alpha) for a float32 update of bfloat16 values, as PyTorch's
    kernel: one fused multiply-add, for float32 and float16 parameters exact in float64
    (alpha rounded to float32) and rounded once."""
    if param.dtype.itemsize == 8:
        param += update.astype(param.dtype) * alpha
    else:
        alpha = float(update.dtype.type(alpha))            # PyTorch's float32 opmath
        param[...] = (param.astype('float64') + update.astype('float64') * alpha).astype(
            param.dtype)
