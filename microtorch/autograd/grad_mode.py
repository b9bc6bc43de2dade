"""Grad mode: whether ops record themselves on the tape.

One process-wide flag (PyTorch's is per thread; microtorch runs ops from one thread).
`no_grad`, `enable_grad`, `set_grad_enabled` and `inference_mode` work as context managers and
decorators.
"""
import functools


class _State:
    __slots__ = ('enabled', 'inference')

    def __init__(self):
        self.enabled = True
        self.inference = False


state = _State()


def is_grad_enabled():
    return state.enabled


class _GradModeContext:
    """Base: set the flag on entry, restore the previous value on exit; also a decorator."""
    _mode = True

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self._mode

    def __exit__(self, *exc):
        state.enabled = self._previous
        return False

    def __call__(self, func):
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            previous = state.enabled
            state.enabled = mode
            try:
                return func(*args, **kwargs)
            finally:
                state.enabled = previous
        return wrapper


class _BareDecoratorContext(_GradModeContext):
    """Also usable bare, as `@no_grad` (PyTorch accepts both spellings)."""

    def __new__(cls, func=None):
        self = super().__new__(cls)
        return self(func) if callable(func) else self

    def __init__(self, func=None):
        pass


class no_grad(_BareDecoratorContext):
    _mode = False


class enable_grad(_BareDecoratorContext):
    _mode = True


class set_grad_enabled(_GradModeContext):
    """Sets the mode at once when called (as PyTorch does), and restores it on `__exit__`."""

    def __init__(self, mode):
        self._previous = state.enabled
        self._mode = bool(mode)
        state.enabled = self._mode

    def __enter__(self):
        pass

    def __call__(self, func):
        state.enabled = self._previous      # decorating must not change the mode now
        return super().__call__(func)


class inference_mode(_GradModeContext):
    """no_grad for code that only evaluates, with PyTorch's spelling: `inference_mode()` or
    `inference_mode(False)`, as a context manager or a decorator (also bare). Unlike PyTorch,
    tensors made inside are ordinary tensors: nothing refuses them to autograd later."""

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):                      # @inference_mode, without parentheses
            self.__init__()
            return self(mode)
        return self

    def __init__(self, mode=True):
        self._inference = True if callable(mode) else bool(mode)
        self._mode = not self._inference

    def __enter__(self):
        self._previous_inference = state.inference
        state.inference = self._inference
        super().__enter__()

    def __exit__(self, *exc):
        state.inference = self._previous_inference
        return super().__exit__(*exc)

    def __call__(self, func):
        context = self

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with inference_mode(context._inference):
                return func(*args, **kwargs)
        return wrapper


def is_inference_mode_enabled():
    return state.inference
