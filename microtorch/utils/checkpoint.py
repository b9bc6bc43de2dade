"""`microtorch.utils.checkpoint`: trade compute for memory, as `torch.utils.checkpoint`.

`checkpoint(function, *args, use_reentrant=...)` keeps none of function's intermediate values
for backward: backward runs function again (with the random state it first ran with, so
dropout drops the same elements) and backpropagates through that second run.

use_reentrant=True: function runs under no_grad; one node stands for the whole call, its
gradients go to the tensor arguments, and the parameters function uses get theirs from a
nested backward (so autograd.grad does not reach them).
use_reentrant=False: function runs with grad mode on and the graph it records is dropped at
once; the node stands for it with an edge to every tensor that graph read from outside (the
arguments, parameters, tensors captured by closures), so autograd.grad works too.
"""
import warnings

from .. import random as _random
from ..autograd import grad as _grad
from ..autograd import backward as _backward
from ..autograd import function as _function
from ..autograd.function import Function
from ..autograd.grad_mode import enable_grad, is_grad_enabled, no_grad
from ..tensor import Tensor

__all__ = ['checkpoint', 'checkpoint_sequential']


def _flat_tensors(value):
    """The tensors in a function's result (a tensor, or tuples / lists of them and other
    values), in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in _flat_tensors(item)]
    return []


def _replace_tensors(value, new):
    """value with its tensors replaced by those of the iterator `new`, in order."""
    if isinstance(value, Tensor):
        return next(new)
    if isinstance(value, (tuple, list)):
        return type(value)(_replace_tensors(item, new) for item in value)
    return value


class _Recompute:
    """One checkpointed call: the function, its arguments and the random state it ran with."""

    def __init__(self, function, args, kwargs, preserve_rng_state):
        self.function = function
        self.args = args
        self.kwargs = kwargs
        self.rng_state = _random.get_rng_state() if preserve_rng_state else None

    def run_again(self, args):
        """function(*args) with grad mode on, from the random state of the first run (the
        current state is put back after)."""
        if self.rng_state is None:
            with enable_grad():
                return self.function(*args, **self.kwargs)
        current = _random.get_rng_state()
        _random.set_rng_state(self.rng_state)
        try:
            with enable_grad():
                return self.function(*args, **self.kwargs)
        finally:
            _random.set_rng_state(current)


# ---- use_reentrant=True ----------------------------------------------------------------------

class CheckpointFunction(Function):
    node_name = 'CheckpointFunctionBackward'

    @staticmethod
    def forward(ctx, call, *arrays):
        ctx.call = call
        ctx.save_for_backward(*[a for a in arrays if a is not None])
        with no_grad():
            outputs = call.function(*call.args)
        ctx.single = isinstance(outputs, Tensor)
        if ctx.single:
            return outputs._data
        if not (isinstance(outputs, tuple) and all(isinstance(o, Tensor) for o in outputs)):
            raise TypeError('checkpoint with use_reentrant=True: microtorch needs the function '
                            'to return a Tensor or a tuple of Tensors, got '
                            f'{type(outputs).__name__}')
        return tuple(o._data for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        call = ctx.call
        saved = iter(ctx.saved_tensors)
        inputs = [next(saved).detach().requires_grad_(arg.requires_grad)
                  if isinstance(arg, Tensor) else arg for arg in call.args]
        outputs = call.run_again(inputs)
        outputs = (outputs,) if isinstance(outputs, Tensor) else outputs
        with_grad = [(o, g) for o, g in zip(outputs, grads)
                     if isinstance(o, Tensor) and o.requires_grad]
        if not with_grad:
            raise RuntimeError('none of output has requires_grad=True, this checkpoint() is '
                               'not necessary')
        _backward([o for o, _ in with_grad], [g for _, g in with_grad],
                  create_graph=is_grad_enabled())
        return (None, *[inp.grad if isinstance(inp, Tensor) else None for inp in inputs])


def _checkpoint_reentrant(function, args, preserve_rng_state):
    tensors = [a for a in args if isinstance(a, Tensor)]
    if not any(t.requires_grad for t in tensors):
        warnings.warn('None of the inputs have requires_grad=True. Gradients will be None',
                      stacklevel=3)
    if not tensors:                        # no tensor for the node to hang on: just run it
        with no_grad():
            return function(*args)
    call = _Recompute(function, args, {}, preserve_rng_state)
    # Non-tensor arguments reach forward as themselves; it saves only the tensors' arrays.
    return CheckpointFunction.apply(call, *[a if isinstance(a, Tensor) else None
                                            for a in args])


# ---- use_reentrant=False ---------------------------------------------------------------------

class _CheckpointNode(Function):
    """Stands for a checkpointed call whose graph was dropped: forward hands over the
    outputs already computed; backward recomputes and differentiates the second run."""

    node_name = 'CheckpointBackward'

    @staticmethod
    def forward(ctx, call, outputs, *arrays):
        ctx.call = call
        return tuple(o._data for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        call = ctx.call
        with _as_leaves(call.externals):
            outputs = _flat_tensors(call.run_again(call.args))
            pairs = [(o, g) for o, g in zip(outputs, grads) if o.requires_grad]
            found = _grad([o for o, _ in pairs], call.externals, [g for _, g in pairs],
                          allow_unused=True, create_graph=is_grad_enabled()) if pairs else \
                [None] * len(call.externals)
        return (None, None, *found)


class _as_leaves:
    """Within the block, the given non-leaf tensors act as leaves: a second run's backward
    stops at them instead of running on into (and freeing) the graph that made them."""

    _FIELDS = ('_grad_fn', '_output_nr', '_accumulator', '_base')

    def __init__(self, tensors):
        self.tensors = [t for t in tensors if t._grad_fn is not None]

    def __enter__(self):
        self.kept = [tuple(getattr(t, f) for f in self._FIELDS) for t in self.tensors]
        for t in self.tensors:
            t._grad_fn, t._output_nr, t._accumulator, t._base = None, 0, None, None

    def __exit__(self, *exc):
        for t, kept in zip(self.tensors, self.kept):
            for field, value in zip(self._FIELDS, kept):
                setattr(t, field, value)


def _checkpoint_without_reentrant(function, args, kwargs, preserve_rng_state):
    if not is_grad_enabled():
        return function(*args, **kwargs)
    call = _Recompute(function, args, kwargs, preserve_rng_state)
    recorded, read = set(), {}

    def observe(node, op_args):              # every op the call records, and what it reads
        recorded.add(node)
        for a in op_args:
            if isinstance(a, Tensor) and a.requires_grad:
                read.setdefault(id(a), a)

    _function.record_observers.append(observe)
    try:
        result = function(*args, **kwargs)
    finally:
        _function.record_observers.remove(observe)
    # tensors read from outside the call: leaves, or made by ops recorded before it
    call.externals = [t for t in read.values() if t._grad_fn not in recorded]
    outputs = _flat_tensors(result)
    if not call.externals or not outputs:
        return result
    differentiable = [o for o in outputs if o.requires_grad]
    if not differentiable:
        return result
    new = iter(_CheckpointNode.apply(call, differentiable, *call.externals))
    return _replace_tensors(result, (next(new) if o.requires_grad else o.detach()
                                     for o in outputs))


# ---- the entry points ------------------------------------------------------------------------

def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check='default',
               debug=False, early_stop=True, **kwargs):
    """function(*args, **kwargs), its intermediate values recomputed in backward instead of
    kept. preserve_rng_state=True (the default) replays the random draws of the first run."""
    if use_reentrant is None:
        warnings.warn('microtorch.utils.checkpoint: the use_reentrant parameter should be '
                      'passed explicitly. Starting in PyTorch 2.9, calling checkpoint without '
                      'use_reentrant will raise an exception. use_reentrant=False is '
                      'recommended, but if you need to preserve the current default behavior, '
                      'you can pass use_reentrant=True. Refer to docs for more details on the '
                      'differences between the two variants.', stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop('preserve_rng_state', True)
    if kwargs and use_reentrant:
        raise ValueError('Unexpected keyword arguments: ' + ','.join(kwargs))
    if use_reentrant:
        if context_fn is not None or debug is not False:
            raise ValueError('Passing `context_fn` or `debug` is only supported when '
                             'use_reentrant=False.')
        return _checkpoint_reentrant(function, args, preserve)
    if context_fn is not None:
        raise NotImplementedError('checkpoint: context_fn is not supported by microtorch')
    return _checkpoint_without_reentrant(function, args, kwargs, preserve)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run functions (a list or Sequential) in `segments` checkpointed chunks; the last
    chunk runs as usual."""
    if use_reentrant is None:
        warnings.warn('microtorch.utils.checkpoint.checkpoint_sequential: the use_reentrant '
                      'parameter should be passed explicitly. In version 2.9 we will raise an '
                      'exception if use_reentrant is not passed. use_reentrant=False is '
                      'recommended, but if you need to preserve the current default behavior, '
                      'you can pass use_reentrant=True. Refer to docs for more details on the '
                      'differences between the two variants.', stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop('preserve_rng_state', True)
    if kwargs:
        raise ValueError('Unexpected keyword arguments: ' + ','.join(kwargs))
    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())

    def run(start, end):
        def forward(value):
            for j in range(start, end + 1):
                value = functions[j](value)
            return value
        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant,
                           preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
