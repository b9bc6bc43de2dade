"""The recording under the profilers: timing wrappers, swapped in while a profiler is active.

Nothing here runs while no profiler is active. `Function.apply` and the engine's per-node
calls (`_call_backward_data`, `_call_backward`, `_accumulate`) are the hot path of every op
and carry no test for a profiler; instead, the first active collector replaces them with
wrappers that time each call, and the last one to stop puts the originals back. The places
that cached a bound `apply` at import time (the closures behind `Tensor.__mul__` and the
like), the Function subclasses that define their own `apply` and the holders of
small_apply's shortcuts around it are swapped as well.

An event is opened and closed around each call; the events open at a time form a stack, so
each knows its parent. A closed event goes to every collector that was active when it
opened and still is.
"""
import re
import sys
import threading
import time

from . import engine as _engine
from . import function as _function

_clock = time.perf_counter_ns
_local = threading.local()               # .stack: the events open in this thread
_collectors = []                         # the active collectors, oldest first
_wants = {'shapes': False, 'cuda': False}     # what any active collector records
_swapped = []                            # (restore, ...) for each swap in place


class Collector:
    """The events one profiler records between `start()` and `stop()`."""

    def __init__(self, record_shapes=False, use_cuda=False):
        self.record_shapes = record_shapes
        self.use_cuda = use_cuda
        self.events = []                 # RawEvents, in the order they closed
        self.active = False
        self.base_ns = time.time_ns() - _clock()     # wall time = base_ns + a clock reading

    def start(self):
        if not _collectors:
            _install()
        self.active = True
        _collectors.append(self)
        _refresh_wants()

    def stop(self):
        if not self.active:
            return
        self.active = False
        _collectors.remove(self)
        _refresh_wants()
        if not _collectors:
            _uninstall()


class RawEvent:
    """One timed interval: a call of an op, a backward node or a record_function block."""
    __slots__ = ('name', 'kind', 'start', 'end', 'shapes', 'parent', 'owner', 'cuda',
                 'collectors', 'thread', 'seq')

    def device_time_us(self):
        """The GPU time between its CuPy events (0 when it ran on the CPU)."""
        if self.cuda is None:
            return 0.0
        import cupy
        begin, end = self.cuda
        end.synchronize()
        return cupy.cuda.get_elapsed_time(begin, end) * 1000.0


def _refresh_wants():
    _wants['shapes'] = any(c.record_shapes for c in _collectors)
    _wants['cuda'] = any(c.use_cuda for c in _collectors)


def _stack():
    stack = getattr(_local, 'stack', None)
    if stack is None:
        stack = _local.stack = []
    return stack


def open_event(name, kind='cpu_op', args=(), owner=None, seq=-1):
    """Start timing `name`; returns the event, for close_event (None: nothing records)."""
    if not _collectors:
        return None
    stack = _stack()
    event = RawEvent()
    event.name, event.kind, event.owner, event.seq = name, kind, owner, seq
    event.parent = stack[-1] if stack else None
    event.collectors = tuple(_collectors)
    event.thread = threading.get_native_id()
    event.shapes = _shapes_of(args) if _wants['shapes'] else None
    event.cuda = _cuda_events(args) if _wants['cuda'] else None
    stack.append(event)
    event.start = _clock()
    return event


def close_event(event):
    if event is None:
        return
    event.end = _clock()
    if event.cuda is not None:
        event.cuda[1].record()
    stack = _stack()
    while stack:                          # (an exception may have left inner ones open)
        if stack.pop() is event:
            break
    for collector in event.collectors:
        if collector.active:
            collector.events.append(event)


def _shapes_of(args):
    """PyTorch's input_shapes: a tensor's shape, [] for anything else (a list of tensors
    too)."""
    Tensor = _function.Tensor
    shapes = []
    for a in args:
        if isinstance(a, Tensor):
            shapes.append(list(a._data.shape))
        elif hasattr(a, 'shape') and hasattr(a, 'dtype'):          # a backend array
            shapes.append(list(a.shape))
        else:
            shapes.append([])
    return shapes


def _cuda_events(args):
    """A started pair of CuPy events when the first tensor argument is on a GPU."""
    for a in args:
        data = getattr(a, '_data', a)
        if hasattr(data, 'shape') and hasattr(data, 'dtype'):
            if not type(data).__module__.startswith('cupy'):
                return None
            import cupy
            begin, end = cupy.cuda.Event(), cupy.cuda.Event()
            begin.record()
            return begin, end
    return None


# ---- names ---------------------------------------------------------------------------------

# microtorch's ops whose grad_fn name is not the op PyTorch's profiler shows on top
_FORWARD_NAMES = {
    'Linear': 'aten::linear', 'LinearMm': 'aten::linear', 'LinearView': 'aten::linear',
    'LinearUnsafeView': 'aten::linear', 'LinearSqueeze': 'aten::linear',
    'Matmul': 'aten::matmul', 'VectorMatrix': 'aten::matmul', 'Batched': 'aten::matmul',
    'Cast': 'aten::to', '_ToDevice': 'aten::to', 'Contiguous': 'aten::clone',
    'CopyWhole': 'aten::copy_', 'FillWhole': 'aten::fill_', 'FillNumber': 'aten::fill_',
    'Reshape': 'aten::view',
}
_names = {}


def forward_name(cls):
    """The event name of an op: PyTorch's 'aten::<op>' for microtorch's own (from its grad_fn
    name: MulBackward0 -> aten::mul), the class name for a user's Function (as PyTorch)."""
    name = _names.get(cls)
    if name is None:
        if not cls.__module__.startswith('microtorch.'):
            name = cls.__name__
        elif cls.__name__ in _FORWARD_NAMES:
            name = _FORWARD_NAMES[cls.__name__]
        else:
            base = re.sub(r'Backward\d*$', '', cls._node_cls.__name__)
            if base == 'NotImplemented':
                base = cls.__name__.lstrip('_')
            name = 'aten::' + re.sub(r'(?<=[a-z])(?=[A-Z])', '_', base).lower()
        _names[cls] = name
    return name


_EVALUATE = 'autograd::engine::evaluate_function: '
_ACCUMULATE = 'torch::autograd::AccumulateGrad'


# ---- the wrappers ----------------------------------------------------------------------------

def _timed(func, owner_cls=None):
    """func(cls, *args) (an apply) timed; owner_cls: the class whose own apply it is."""
    def timed_apply(cls, *args):
        stack = getattr(_local, 'stack', None)
        if owner_cls is None and stack and stack[-1].owner is cls:
            return func(cls, *args)        # a subclass's own apply called the base's
        event = open_event(forward_name(cls), 'cpu_op', args, cls if owner_cls else None)
        try:
            return func(cls, *args)
        finally:
            close_event(event)
    timed_apply.__wrapped__ = func
    return timed_apply


def _timed_node(call):
    """An engine call (node, grads) timed as PyTorch's engine names it: the evaluate_function
    event around the node's own."""
    def timed_call(node, grads):
        stack = getattr(_local, 'stack', None)
        if stack and stack[-1].owner is node:
            return call(node, grads)       # _call_backward_data handing over to _call_backward
        name = type(node).__name__
        outer = open_event(_EVALUATE + name, seq=node._seq)
        inner = open_event(name, 'cpu_op', grads, node, node._seq)
        try:
            return call(node, grads)
        finally:
            close_event(inner)
            close_event(outer)
    timed_call.__wrapped__ = call
    return timed_call


def _timed_accumulate(accumulate):
    def timed_accumulate(tensor, grad, *rest):
        outer = open_event(_EVALUATE + _ACCUMULATE)
        inner = open_event(_ACCUMULATE, 'cpu_op', (grad,))
        try:
            return accumulate(tensor, grad, *rest)
        finally:
            close_event(inner)
            close_event(outer)
    timed_accumulate.__wrapped__ = accumulate
    return timed_accumulate


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _install():
    Function = _function.Function
    original = Function.__dict__['apply']
    swaps = [(Function, 'apply', original, classmethod(_timed(original.__func__)))]
    for sub in _subclasses(Function):               # subclasses with an apply of their own
        own = sub.__dict__.get('apply')
        if isinstance(own, classmethod):
            swaps.append((sub, 'apply', own, classmethod(_timed(own.__func__, sub))))
        elif isinstance(own, staticmethod):
            swaps.append((sub, 'apply', own, staticmethod(
                _timed_static(own.__func__, sub))))
    for name, make in (('_call_backward_data', _timed_node), ('_call_backward', _timed_node),
                       ('_accumulate', _timed_accumulate)):
        current = getattr(_engine, name)
        swaps.append((_engine, name, current, make(current)))
    swaps += _small_apply_swaps()
    for owner, name, _, new in swaps:
        setattr(owner, name, new)
    _swapped.append(('attr', swaps))
    cells = _cached_apply_cells(original.__func__)
    for cell, bound in cells:
        cell.cell_contents = Function.apply.__func__.__get__(bound.__self__, type(bound.__self__))
    _swapped.append(('cells', cells))


def _small_apply_swaps():
    """The module globals that hold small_apply's functions (the operators' and functional's
    way around apply), each swapped for a hand-over to the timed `cls.apply`."""
    from . import small_apply
    functions = (small_apply.apply_with_numbers, small_apply.apply_to_pair)
    swaps = []
    for module in list(sys.modules.values()):
        if getattr(module, '__name__', '').startswith('microtorch.'):
            for name, value in list(vars(module).items()):
                if any(value is f for f in functions):
                    swaps.append((module, name, value, _by_apply))
    return swaps


def _by_apply(cls, *args):
    return cls.apply(*args)


def _timed_static(func, owner):
    def timed_static(*args):
        event = open_event(forward_name(owner), 'cpu_op', args, owner)
        try:
            return func(*args)
        finally:
            close_event(event)
    timed_static.__wrapped__ = func
    return timed_static


def _cached_apply_cells(apply_function):
    """The closure cells of Tensor's methods that hold an op's bound `apply` (taken at import
    time, so that `y * 0.5` reaches the op one call sooner), with what each holds."""
    found = {}
    for value in vars(_function.Tensor).values():
        for cell in getattr(value, '__closure__', None) or ():
            try:
                held = cell.cell_contents
            except ValueError:                       # an empty cell
                continue
            if getattr(held, '__func__', None) is apply_function:
                found[id(cell)] = (cell, held)
    return list(found.values())


def _uninstall():
    while _swapped:
        kind, items = _swapped.pop()
        if kind == 'cells':
            for cell, bound in items:
                cell.cell_contents = bound
        else:
            for owner, name, original, _ in reversed(items):
                setattr(owner, name, original)
