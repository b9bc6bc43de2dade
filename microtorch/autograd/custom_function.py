"""PyTorch's calling convention for the Functions users write.

microtorch's own ops subclass `Function` with a forward on backend arrays (the hot path,
microtorch/autograd/function.py). A user's subclass is written against PyTorch's API instead:
forward gets the Tensors given to `apply` (with grad mode off) and returns Tensors, saves
Tensors with `ctx.save_for_backward`, and backward gets and returns Tensors. `adapt` gives a
user's class that convention when the class is made: its own `apply` notes the arguments,
the shared apply runs, and an adapted forward hands the user's forward those Tensors and
passes the arrays of what it returns and saves back to the shared machinery. The new style
(forward without ctx, plus `setup_context(ctx, inputs, output)`) works too.
"""
import functools
import inspect

from . import function as _function
from .grad_mode import is_grad_enabled, no_grad

_calls = []           # the arguments of the user applies running now, innermost last


def adapt(cls, base):
    """Give cls (a user's subclass of base, microtorch's Function) PyTorch's convention."""
    forward = _user_forward(cls)
    setup_context = cls.setup_context
    new_style = getattr(setup_context, '__func__', setup_context) is not _no_setup_context
    signature = inspect.signature(forward)

    def adapted_forward(ctx, *arrays):
        args = _calls[-1]
        with no_grad():
            if new_style:
                out = forward(*args)
                setup_context(ctx, args, out)
            else:
                out = forward(ctx, *args)
        ctx._to_save = tuple([_array_of(v) for v in ctx._to_save])
        ctx._non_differentiable = tuple([_array_of(v) for v in ctx._non_differentiable])
        if isinstance(out, tuple):
            return tuple([_array_of(v) for v in out])
        return _array_of(out)
    adapted_forward.user_forward = forward

    def apply(*args, **kwargs):
        if kwargs or new_style:    # bound to forward's parameters, defaults filled in
            bound = signature.bind(*((None,) if not new_style else ()), *args, **kwargs)
            bound.apply_defaults()
            args = bound.args[0 if new_style else 1:]
        if not any(isinstance(a, _function.Tensor) for a in args):
            with no_grad():        # nothing to differentiate: forward alone, as in PyTorch
                if new_style:
                    return forward(*args)
                return forward(cls._node_cls(), *args)
        _calls.append(args)
        try:
            return base.apply.__func__(cls, *args)
        finally:
            _calls.pop()
    cls.forward = staticmethod(adapted_forward)
    cls.apply = staticmethod(functools.wraps(forward)(apply))


def _no_setup_context(ctx, inputs, output):
    """Function's default setup_context: forward takes ctx (the older style)."""
    raise NotImplementedError


def _user_forward(cls):
    """The forward the user wrote (a subclass of a user's Function inherits it adapted)."""
    forward = cls.forward
    return getattr(forward, 'user_forward', forward)


def _array_of(value):
    return value._data if isinstance(value, _function.Tensor) else value


def once_differentiable(backward):
    """Decorate a custom Function's backward that is not itself differentiable: it runs with
    grad mode off, and differentiating its results again raises PyTorch's error."""
    @functools.wraps(backward)
    def wrapped(ctx, *grads):
        Tensor = _function.Tensor
        record = is_grad_enabled() and any(isinstance(g, Tensor) and g.requires_grad
                                           for g in grads)
        with no_grad():
            results = backward(ctx, *grads)
        if not record:
            return results
        many = isinstance(results, tuple)
        marked = tuple([_DelayedError.apply(r) if isinstance(r, Tensor) and
                        r.is_floating_point() else r
                        for r in (results if many else (results,))])
        return marked if many else marked[0]
    return wrapped


def _delayed_error_class():
    class DelayedError(_function.Function):
        """The identity, whose backward raises: what once_differentiable's results carry."""
        node_name = 'DelayedError'

        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, gy):
            raise RuntimeError('trying to differentiate twice a function that was marked with '
                               '@once_differentiable')
    return DelayedError


class _DelayedError:
    """Made on first use (function.py imports this module before Function exists)."""
    _made = None

    @classmethod
    def apply(cls, tensor):
        if cls._made is None:
            cls._made = _delayed_error_class()
        return cls._made.apply(tensor)
