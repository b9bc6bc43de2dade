"""Gradient clipping: scale every gradient so that their joint norm is at most max_norm, or
clamp each gradient element into [-clip_value, clip_value]. In place, outside the graph."""
import math

from ...autograd.grad_mode import no_grad
from ...ops import functional as F
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of `parameters` in place by max_norm / (total norm + 1e-6) when
    that is below 1, where the total norm is the norm of all gradients taken as one vector.
    Returns the total norm (before clipping), as a tensor."""
    norm_type = float(norm_type)
    grads = _grads(parameters)
    if not grads:
        from ...creation import tensor
        return tensor(0.0)
    with no_grad():
        norms = [F.norm(g, norm_type) for g in grads]
        if len(grads) > 1 and len({g.device for g in grads}) > 1:
            norms = [n.to(grads[0].device) for n in norms]
        total = F.norm(F.stack(norms), norm_type)
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(
                f'The total norm of order {norm_type} for gradients from `parameters` is '
                'non-finite, so it cannot be clipped. To disable this error and scale the '
                'gradients by the non-finite norm anyway, set `error_if_nonfinite=False`')
        scale = F.clamp(max_norm / (total + 1e-6), max=1.0)
        for g in grads:
            g.mul_(scale.to(g.device))
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of `parameters` into [-clip_value, clip_value], in
    place."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
