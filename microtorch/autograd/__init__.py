"""Automatic differentiation: the tape (function.py), the engine (engine.py), grad mode,
and the public entry points `backward`, `grad`, `gradcheck`, `gradgradcheck`, `functional`
(jacobian, hessian and their products), and the debugging tools `detect_anomaly` /
`set_detect_anomaly` (anomaly_mode.py)."""
from .function import Function, Node
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                        is_inference_mode_enabled)
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,
                           is_anomaly_check_nan_enabled)
from .variable import Variable
from . import engine as _engine
from . import function as _function
from .. import backends as _backends


def _as_tuple(value):
    if value is None:
        return None
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _make_grads(outputs, grad_outputs):
    Tensor = _function.Tensor
    grads = []
    for i, out in enumerate(outputs):
        given = grad_outputs[i] if grad_outputs is not None else None
        if given is None:
            if out._requires_grad and out._data.size != 1:
                raise RuntimeError('grad can be implicitly created only for scalar outputs')
            given = Tensor._make(_backends.for_array(out._data).ones_like(out._data))
        elif not isinstance(given, Tensor):
            raise TypeError(f'gradient must be a Tensor, got {type(given).__name__}')
        elif given.shape != out.shape:
            raise RuntimeError(f'Mismatch in shape: grad_output[{i}] has a shape of '
                               f'{given.shape} and output[{i}] has a shape of {out.shape}.')
        elif given.device != out.device:
            raise RuntimeError(f'invalid gradient at index {i} - expected device {out.device} '
                               f'but got {given.device}')
        grads.append(given)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` into the leaves' `.grad` (Tensor.backward)."""
    tensors = _as_tuple(tensors)
    grads = _make_grads(tensors, _as_tuple(grad_tensors))
    if retain_graph is None:
        retain_graph = create_graph
    inputs = _as_tuple(inputs)
    if inputs is not None and not inputs:
        raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    captured = _engine.run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                                    accumulate=True, allow_unused=True)
    for tensor, got in zip(inputs or (), captured):
        if got is not None and tensor._grad_fn is not None:    # non-leaf inputs get .grad too
            _engine._accumulate_into(tensor, got, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, returned (no `.grad` is touched).
    is_grads_batched: dim 0 of each grad_output runs over a batch of vectors, and each input's
    gradient gains that dim (one backward pass per vector: microtorch has no batching rule)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if not inputs:
        raise RuntimeError('`inputs` argument to `grad()` cannot be empty.')
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _batched_grad(outputs, inputs, _as_tuple(grad_outputs), retain_graph,
                             create_graph, allow_unused, materialize_grads)
    grads = _make_grads(outputs, _as_tuple(grad_outputs))
    allow = bool(allow_unused) or materialize_grads
    captured = _engine.run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                                    accumulate=False, allow_unused=allow)
    if materialize_grads:
        from ..creation import zeros_like
        captured = [g if g is not None else zeros_like(t) for g, t in zip(captured, inputs)]
    return tuple(captured)


def _batched_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """grad() once per vector along dim 0 of the grad_outputs, the results stacked."""
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is not None and tuple(g.shape[1:]) != tuple(out.shape):
            raise RuntimeError(
                'If `is_grads_batched=True`, we interpret the first dimension of each '
                'grad_output as the batch dimension. The sizes of the remaining dimensions are '
                'expected to match the shape of corresponding output, but a mismatch was '
                f'detected: grad_output[{i}] has a shape of {g.shape[1:]!r} and output[{i}] '
                f'has a shape of {out.shape!r}. If you only want some tensors in `grad_output` '
                'to be considered batched, consider using vmap.')
    sizes = {g.shape[0] for g in grad_outputs if g is not None}
    if not sizes:
        raise RuntimeError('grad can be implicitly created only for scalar outputs')
    count = sizes.pop()
    if count == 0:
        raise IndexError('index 0 is out of bounds for dimension 0 with size 0')
    rows = [grad(outputs, inputs, [None if g is None else g[b] for g in grad_outputs],
                 retain_graph=retain_graph or b < count - 1, create_graph=create_graph,
                 allow_unused=allow_unused, materialize_grads=materialize_grads)
            for b in range(count)]
    from ..ops.functional import stack
    return tuple(None if column[0] is None else stack(list(column), 0)
                 for column in zip(*rows))


__all__ = ['Function', 'Node', 'backward', 'grad', 'no_grad', 'enable_grad',
           'set_grad_enabled', 'is_grad_enabled', 'inference_mode', 'is_inference_mode_enabled',
           'gradcheck', 'gradgradcheck', 'GradcheckError', 'detect_anomaly', 'set_detect_anomaly',
           'is_anomaly_enabled', 'is_anomaly_check_nan_enabled', 'functional']

from . import functional  # noqa: E402  (jacobian, hessian, vjp, ...: built on grad above)
from . import profiler, profiler_util  # noqa: E402,F401  (profile, record_function, emit_nvtx)
