"""`microtorch.jit`: TorchScript's decorators and entry points, for code written for PyTorch.

microtorch has no compiler (as `microtorch.compile`, these return what they are given):
`script` and `trace` give back the function or module itself, which runs eagerly with the
same results; the decorators that steer the TorchScript compiler (`ignore`, `unused`,
`export`, ...) change nothing; `is_scripting()` and `is_tracing()` are False. Saving and loading
TorchScript archives is refused: save a `state_dict` with `microtorch.save` instead.
"""
import typing

Final = typing.Final


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """The function or module itself (no TorchScript compiler here)."""
    return obj


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-05, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """The function or module itself: it runs eagerly on every call, as a traced one would
    on inputs like example_inputs (without a trace's freezing of Python control flow)."""
    return func


def trace_module(mod, inputs, *args, **kwargs):
    return mod


def script_if_tracing(fn):
    return fn


def _identity_decorator(fn=None, **kwargs):
    if fn is None:
        return lambda f: f
    return fn


ignore = unused = export = interface = _identity_decorator


def is_scripting():
    return False


def is_tracing():
    return False


def annotate(the_type, the_value):
    return the_value


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    return mod


def optimize_for_inference(mod, other_methods=None):
    return mod


class Future:
    """What `fork` returns: the call has already run (no threads), `wait` gives its value."""

    def __init__(self, value):
        self._value = value

    def wait(self):
        return self._value

    def value(self):
        return self._value

    def done(self):
        return True


def fork(func, *args, **kwargs):
    """Run func now and hand back its result as a Future (TorchScript would run it on
    another thread; the values are the same)."""
    return Future(func(*args, **kwargs))


def wait(future):
    return future.wait()


def _no_archives(*args, **kwargs):
    raise RuntimeError('microtorch has no TorchScript, so it cannot save or load TorchScript '
                       'archives: save the state_dict with microtorch.save and load it into '
                       'the model')


save = load = _no_archives
ScriptModule = ScriptFunction = object
