"""Gradient clipping: scale every gradient so that their joint norm is at most max_norm, or
clamp each gradient element into [-clip_value, clip_value]. In place, outside the graph.

clip_grad_norm_ is get_total_norm followed by clip_grads_with_norm_, as in PyTorch, so code
that needs the norm first (to log it, or to reduce it across workers) can split the two."""
import math
import types
import warnings

from ...autograd.grad_mode import no_grad
from ...ops import functional as F
from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of `tensors` (one tensor or an iterable) taken together as one vector: the
    norm of their norms, on the first tensor's device. foreach is accepted and changes nothing
    here (each tensor's norm is one whole-array reduction either way)."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        from ...creation import tensor
        return tensor(0.0)
    first_device = tensors[0].device
    with no_grad():
        norms = [F.norm(t, norm_type).to(first_device) for t in tensors]
        total = F.norm(F.stack(norms), norm_type)
    if error_if_nonfinite and not math.isfinite(total.item()):
        raise RuntimeError(
            f'The total norm of order {norm_type} for gradients from `parameters` is '
            'non-finite, so it cannot be clipped. To disable this error and scale the '
            'gradients by the non-finite norm anyway, set `error_if_nonfinite=False`')
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of `parameters` in place by min(max_norm / (total_norm + 1e-6), 1),
    with total_norm given (as get_total_norm computes it). Returns None."""
    grads = _grads(parameters)
    max_norm = float(max_norm)
    if not grads:
        return
    with no_grad():
        scale = F.clamp(max_norm / (total_norm + 1e-6), max=1.0)
        for g in grads:
            g.mul_(scale.to(g.device))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients of `parameters` in place by max_norm / (total norm + 1e-6) when
    that is below 1, where the total norm is the norm of all gradients taken as one vector.
    Returns the total norm (before clipping), as a tensor."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        from_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)             # a generator is read once only
        if from_generator and not parameters:
            warnings.warn('`parameters` is an empty generator, no gradient clipping will '
                          'occur.', stacklevel=2)
    total = get_total_norm(_grads(parameters), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """The deprecated name of clip_grad_norm_ (with PyTorch's FutureWarning)."""
    warnings.warn('`torch.nn.utils.clip_grad_norm` is now deprecated in favor of '
                  '`torch.nn.utils.clip_grad_norm_`.', FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of `parameters` into [-clip_value, clip_value], in
    place."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
