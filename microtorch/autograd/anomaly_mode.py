"""Anomaly mode: find the forward line behind a backward that fails or makes nan.

While it is on, every node recorded keeps the Python stack of the forward call that made it,
and the engine runs each node's backward through `call_backward` below:

- with `check_nan`, each gradient the backward returns is checked: a nan raises PyTorch's
  `RuntimeError: Function 'MulBackward0' returned nan values in its 0th output.`, and an inf
  the same error with 'inf' (PyTorch checks nan only; an inf gradient is where most nans
  start, so microtorch stops there already);
- any error raised in a node's backward (that one, a modified saved tensor, ...) is reported
  with the node's forward traceback: a UserWarning 'Error detected in MulBackward0. Traceback
  of forward call that caused the error: ...' as PyTorch emits, also attached to the
  exception as a note, so the traceback Python prints shows it even where warnings are off.

Off (the default), it costs one flag test per recorded node and one per node in backward.
"""
import functools
import os
import sys
import traceback
import warnings

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _State:
    __slots__ = ('enabled', 'check_nan', 'parent')

    def __init__(self):
        self.enabled = False
        self.check_nan = True
        self.parent = None          # the node whose backward is running (create_graph records)


state = _State()


def is_anomaly_enabled():
    """Whether anomaly mode is on."""
    return state.enabled


def is_anomaly_check_nan_enabled():
    """Whether anomaly mode checks backward's gradients for nan (and inf)."""
    return state.check_nan


def _set(mode, check_nan):
    state.enabled = bool(mode)
    state.check_nan = bool(check_nan)


class detect_anomaly:
    """Context manager and decorator that turns anomaly mode on (see the module's docstring).

        with microtorch.autograd.detect_anomaly():
            loss = model(x).sum()
            loss.backward()      # a nan gradient raises, naming the op and its forward line

    Only for debugging: every recorded op then stores a stack trace and every gradient is
    checked, which is slow. Entering it warns so, as PyTorch does.

    Args:
        check_nan: raise when a backward returns a gradient with a nan or an inf.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        self._previous = []
        warnings.warn('Anomaly Detection has been enabled. This mode will increase the runtime '
                      'and should only be enabled for debugging.', UserWarning, stacklevel=2)

    def __enter__(self):
        self._previous.append((state.enabled, state.check_nan))
        _set(True, self.check_nan)

    def __exit__(self, *exc):
        _set(*self._previous.pop())
        return False

    def __call__(self, func):
        check_nan = self.check_nan

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            previous = state.enabled, state.check_nan
            _set(True, check_nan)
            try:
                return func(*args, **kwargs)
            finally:
                _set(*previous)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly mode on or off: at once when called, and back on `__exit__` when used as a
    context manager (PyTorch's `set_detect_anomaly(mode, check_nan=True)`).

    Args:
        mode: True to turn anomaly mode on, False to turn it off.
        check_nan: raise when a backward returns a gradient with a nan or an inf.
    """

    def __init__(self, mode, check_nan=True):
        self._previous = state.enabled, state.check_nan
        _set(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _set(*self._previous)
        return False


# ---- used by the tape and the engine, only while anomaly mode is on -------------------------

def record(node):
    """Keep the forward call's stack (and, in a create_graph backward, the node whose backward
    made this one) on a node being recorded."""
    node._anomaly_trace = traceback.extract_stack()
    node._anomaly_parent = state.parent


def _user_frames(stack):
    """The stack without microtorch's own innermost frames (apply, the op wrappers): it ends at
    the line that called into microtorch."""
    end = len(stack)
    while end > 1 and os.path.abspath(stack[end - 1].filename).startswith(_PACKAGE):
        end -= 1
    return stack[:end]


def forward_trace(node):
    """PyTorch's report of where a node's op ran in forward (with the chain of backward calls
    that recorded it, for nodes of a create_graph backward)."""
    stack = getattr(node, '_anomaly_trace', None)
    if stack is None:
        return (f'Error detected in {node.name()}. No forward pass information available. '
                'Enable detect anomaly during forward pass for more information.')
    text = (f'Error detected in {node.name()}. Traceback of forward call that caused the '
            'error:\n' + ''.join(traceback.format_list(_user_frames(stack))))
    parent = node._anomaly_parent
    while parent is not None and getattr(parent, '_anomaly_trace', None) is not None:
        text += (f'\n\nPrevious calculation was induced by {parent.name()}. Traceback of '
                 'forward call that induced the previous calculation:\n'
                 + ''.join(traceback.format_list(_user_frames(parent._anomaly_trace))))
        parent = parent._anomaly_parent
    return text


def check_gradients(node, grads):
    """Raise PyTorch's error for the first gradient that holds a nan; then, for an inf.
    (nan first: where PyTorch raises, the message is the same.)"""
    for kind in ('nan', 'inf'):
        for i, grad in enumerate(grads):
            if grad is None or grad._data.dtype.kind != 'f':
                continue
            xp = grad._backend_xp()
            if bool(getattr(xp, 'is' + kind)(grad._data).any()):
                raise RuntimeError(f"Function '{node.name()}' returned {kind} values in its "
                                   f'{i}th output.')


def _outside_stacklevel():
    """The stacklevel of the innermost frame outside microtorch (where the warning points)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def call_backward(call, node, grads):
    """`call(node, grads)` (the engine's backward of one node) with anomaly mode's checks."""
    previous = state.parent
    state.parent = node
    try:
        result = call(node, grads)
        if state.check_nan:
            check_gradients(node, result)
        return result
    except Exception as error:
        if not getattr(error, '_microtorch_anomaly_reported', False):
            error._microtorch_anomaly_reported = True
            report = forward_trace(node)
            warnings.warn(report, UserWarning, stacklevel=_outside_stacklevel())
            if hasattr(error, 'add_note'):          # Python 3.11+
                error.add_note(report)
        raise
    finally:
        state.parent = previous
