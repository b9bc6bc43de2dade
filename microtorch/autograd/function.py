"""`Function` (an op: forward + backward) and `Node` (its record on the tape).

An op is a `Function` subclass with two static methods, written once for every device:

    forward(ctx, *args)      -> array or tuple of arrays   (args: backend arrays and Python values)
    backward(ctx, *grads)    -> one Tensor (or None) per forward argument

`forward` runs on raw arrays through the backend's primitives, so it records nothing and costs
little. `backward` works on Tensors with Tensor ops: during an ordinary backward grad mode is off
and nothing is recorded; with `create_graph=True` the same code records, which is how higher
derivatives come for free. `Function.apply(*args)` runs forward and, when grad mode is on and an
input requires grad, records a `Node` - the ctx that forward saw - as the outputs' `grad_fn`.
"""
import itertools
import re
import weakref

import numpy as _np

from . import custom_function
from .grad_mode import state as _grad_state
from . import anomaly_mode as _anomaly
from .anomaly_mode import state as _anomaly_state
from .. import _layout, backends as _backends
from ..backends import heap as _heap
from ..backends.numba_dispatch import broadcast_below as _broadcast_below, \
    broadcast_size as _broadcast_size

Tensor = None     # microtorch.tensor sets this once Tensor exists (the modules import each other)

_sequence = itertools.count()     # the tape's order: each recorded node takes the next number
_leaf_sequence = itertools.count(-1, -1)     # AccumulateGrad nodes: below every recorded one

_FREED = ('Trying to backward through the graph a second time (or directly access saved tensors '
          'after they have already been freed). Saved intermediate values of the graph are freed '
          'when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to '
          'backward through the graph a second time or if you need to access saved tensors after '
          'calling backward.')


# A tensor's version counter is a one-element list, [in-place writes so far], shared by the
# tensor and its views. (A list, not an object with a `value`: every op's output gets one, and
# a list is made in a third of the time.)


class Node:
    """A recorded op. It is the `grad_fn` of the op's outputs and the `ctx` its methods get:
    forward stores what backward needs on it (`save_for_backward`, or plain attributes for
    Python values such as dims)."""

    _fn = None                      # the Function class; set on each generated subclass
    _seq = -1
    # Per forward argument, the tape's edge: None, or for a Tensor that requires grad, its
    # producer (node, output_nr) and the (shape, dtype) its gradient must have.
    _next = ()
    _needs = None                   # needs_input_grad, once computed
    _saved = None                   # what forward saved; None once a backward released it
    _saved_sources = ()
    _saved_versions = ()
    _saved_epoch = 0                # data_rebinds[0] when forward saved
    _hooks = None                   # output_nr -> [hook]: tensor hooks of non-leaf outputs
    _retained = None                # output_nr -> weakref of a tensor that retains its grad
    _n_outputs = 1
    # Must the engine's lone-chain loop hand this node back to the general replay? True for
    # a leaf's AccumulateGrad, a node of several outputs, one with hooks or retained grads
    # (set where those are made): one read in place of four per node of a chain.
    _ends_chain = False
    _to_save = ()
    _non_differentiable = ()
    _wide_copies = None             # float16 work: {id(float32 copy): the float16 array}
    _widened = False                # forward ran float16 inputs in float32: backward does too
    _view_args = None               # a view op's arguments, to make the view again (below)
    _view_version = 0               # the storage's version when this view op ran
    _materialize_grads = True       # missing output grads reach backward as zeros

    def save_for_backward(self, *arrays):
        """Keep forward inputs or outputs (or other arrays) for backward."""
        self._to_save = arrays

    def mark_non_differentiable(self, *arrays):
        self._non_differentiable = arrays

    def set_materialize_grads(self, value):
        """False: a user backward gets None, not zeros, for outputs no gradient reached."""
        self._materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        raise NotImplementedError('microtorch: a custom Function cannot modify its inputs in '
                                  'place (mark_dirty); return new Tensors instead')

    @property
    def saved_tensors(self):
        saved = self.saved_data                 # the released and in-place checks
        return tuple([_unpack(self, value, source)
                      for value, source in zip(saved, self._saved_sources)])

    @property
    def saved_data(self):
        """The saved values as backend arrays (or the Python values they were), for
        `backward_data`: the same checks as `saved_tensors`, no Tensors made."""
        saved = self._saved
        if saved is None:                      # released by a backward
            raise RuntimeError(_FREED)
        for counter, version in self._saved_versions:
            if counter[0] != version:
                _raise_modified(self)
        if self._saved_epoch != data_rebinds[0]:     # some `x.data = ...` since forward
            return tuple([source._data if isinstance(source, Tensor) else value
                          for value, source in zip(saved, self._saved_sources)])
        return saved

    @property
    def needs_input_grad(self):
        """Per forward argument: does backward have to compute its gradient?"""
        needs = self._needs
        if needs is None:
            edges = self._next
            if len(edges) == 2:                 # binary ops: no comprehension to run
                needs = (edges[0] is not None, edges[1] is not None)
            else:
                needs = tuple([edge is not None for edge in edges])
            self._needs = needs
        return needs

    @property
    def next_functions(self):
        return tuple((edge[0], edge[1]) if edge else (None, 0) for edge in self._next)

    def name(self):
        return type(self).__name__

    def register_hook(self, hook):      # PyTorch's Node.register_hook: hook(grad_inputs, ...)
        raise NotImplementedError('hooks on grad_fn are not supported; use Tensor.register_hook')

    def __repr__(self):
        return f'<{type(self).__name__} object at {id(self):#x}>'


class PostAccumulateKey:
    """The key a post-accumulate hook is kept under in a leaf's `_hooks` (the engine runs
    these after accumulating, with the tensor, and the others before, with the grad)."""
    __slots__ = ()


class AccumulateGrad(Node):
    """The node behind a leaf that requires grad: it adds the incoming grad into `.grad`.

    The leaf keeps its node for life and the node refers to the leaf weakly: a step's graph
    dies with the step, and making the node again each step cost the seed's scalar step 2% of
    its instructions. A graph keeps its leaves alive through their edges (function.py's
    apply), so `variable` is there while a graph can reach the node."""

    _ends_chain = True

    def __init__(self, variable):
        self._variable = weakref.ref(variable)
        # Negative, so it runs after every node that feeds it; unique, so that the engine's
        # heap never has to compare two nodes.
        self._seq = next(_leaf_sequence)

    @property
    def variable(self):
        return self._variable()


# How many times a tensor's storage has been swapped for another (`x.data = y`, a module's
# `.to()`). Saved inputs are read through their Tensors then, as PyTorch reads them: an input
# whose `.data` was set between forward and backward gives backward its new values.
data_rebinds = [0]

# What forward saved is kept as it was given (arrays and Python values, in `_saved`), beside
# where each value came from (`_saved_sources`: the input Tensor, (output_nr, version counter)
# for an output, or None for anything else) and the version each Tensor's storage was at
# (`_saved_versions`: (counter, version) pairs). An output is kept as its array, not its Tensor:
# a Tensor would point back at the node through grad_fn, a cycle only the garbage collector
# could free.


def _unpack(node, value, source):
    """A saved value as backward's Tensor code sees it."""
    if source is None:
        if value is None or isinstance(value, (bool, int, float)):
            return value          # a Python scalar operand stays a Python scalar
        return Tensor._make(value, False, None, 0, [0])
    if type(source) is tuple:                      # an output of this node
        nr, counter = source
        return Tensor._make(value, True, node, nr, counter)
    return source


def _raise_modified(node):
    """The error for the first saved value whose storage an in-place op has written since."""
    for value, source in zip(node._saved, node._saved_sources):
        if source is None:
            continue
        if type(source) is tuple:
            nr, counter = source
            tensor, grad_fn, output_nr = Tensor._make(value, False, None, 0, counter), node, nr
        else:
            tensor, grad_fn, output_nr = source, source._grad_fn, source._output_nr
        for saved_counter, version in node._saved_versions:
            if saved_counter is tensor._version_counter and saved_counter[0] != version:
                raise RuntimeError(_modified_message(tensor, grad_fn, output_nr, version))


def _modified_message(tensor, grad_fn, output_nr, expected):
    """PyTorch's message; it names the tensor's grad_fn (its producer, now) as PyTorch 2.x
    does, 'Exp' for ExpBackward0, and leaves the clause out for a tensor without one."""
    shape = list(tensor._data.shape)
    kind = tensor.dtype.name.capitalize().replace('Float32', 'Float').replace('Float64', 'Double')
    kind = {'Float': 'FloatTensor', 'Double': 'DoubleTensor', 'Int64': 'LongTensor',
            'Int32': 'IntTensor', 'Bool': 'BoolTensor'}.get(kind, kind)
    producer = ''
    if grad_fn is not None:
        name = re.sub(r'Backward\d*$', '', type(grad_fn).__name__)
        producer = f', which is output {output_nr} of {name},'
    if _anomaly_state.enabled:          # PyTorch's hint depends on anomaly mode too
        hint = ('the backtrace further above shows the operation that failed to compute its '
                'gradient. The variable in question was changed in there or anywhere later. '
                'Good luck!')
    else:
        hint = ('enable anomaly detection to find the operation that failed to compute its '
                'gradient, with microtorch.autograd.set_detect_anomaly(True, check_nan=False).')
    return ('one of the variables needed for gradient computation has been modified by an '
            f'inplace operation: [microtorch.{kind} {shape}]{producer} is at version '
            f'{tensor._version_counter[0]}; expected '
            f'version {expected} instead. Hint: {hint}')


class Function:
    """Base class of every op. Subclasses define `forward` and `backward` (static methods)."""

    is_view = False            # output 0 shares input 0's storage (reshape, transpose, ...)
    node_name = None           # the grad_fn's name; default: '<ClassName>Backward0'
    # float16 inputs reach forward and backward as float32 and the float results are rounded
    # to float16 once (PyTorch's "opmath"): NumPy's half ufuncs round after every step, and
    # the CUDA kernels have no half instances. False where the output dtype is not the
    # input's (Cast); views and user Functions are never widened.
    widens = True
    # An elementwise op: its result is laid out as PyTorch's TensorIterator lays it out
    # (microtorch/_layout.py), not as NumPy's order='K' does where the inputs' layouts differ.
    elementwise = False
    # Does PyTorch's backward formula read the saved tensors before the incoming gradient
    # (relu's threshold_backward(self, grad))? Its gradients' layouts follow that order.
    saved_first_in_grad = False
    # Does the op use its one number argument only as a kernel operand, in the input's
    # dtype (NumPy's and PyTorch's rule for a Python scalar)? Then small_apply may pass a
    # float32 input a float32 0-d array of it instead: the same bits, half the ufunc's cost.
    number_as_operand = False
    # The backend primitive that is all of forward but what it saves ('mul_forward': forward
    # is `save (a, b); return backend.mul_forward(a, b)`), or None: where nothing records,
    # small_apply calls NumPy's without making a node (a fifth of a no-grad op on one
    # element). Declared by each class itself: a subclass may change forward. (Looked up by
    # name at each call, as forward looks it up, so that a replaced primitive is seen.)
    plain_forward = None
    _plain_name = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # PyTorch names a user-defined Function's node '<ClassName>Backward' (no 0)
        ours = cls.__module__.startswith('microtorch.')
        suffix = 'Backward0' if ours else 'Backward'
        name = cls.__dict__.get('node_name') or cls.__name__ + suffix
        cls._node_cls = type(name, (Node,), {'_fn': cls, '__module__': cls.__module__})
        cls._widens = ours and cls.widens and not cls.is_view
        cls._plain_name = cls.__dict__.get('plain_forward')
        if not ours:              # a user's Function: PyTorch's convention (Tensors)
            custom_function.adapt(cls, Function)

    # The newer style of user Functions: forward(*args) without ctx, and this to fill ctx.
    setup_context = staticmethod(custom_function._no_setup_context)

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    # Optional: `backward_data(ctx, *grads)`, the same gradients computed on backend arrays
    # (ctx.saved_data) and returned as arrays: one per forward argument, or a lone array,
    # the first argument's (the others need none). A plain backward (no create_graph) calls
    # it instead of `backward` and makes no Tensors; it may return None to hand a case it
    # does not cover to `backward`. Ops without it (user Functions) always take `backward`.
    backward_data = None

    @classmethod
    def apply(cls, *args):
        # The hot path of every op: one pass over the arguments that collects their arrays
        # and, while grad mode is on, the tape's edges; forward; then the outputs, recorded
        # when an input requires grad.
        ctx = cls._node_cls()
        first = None
        datas = []
        below = _numpy_below[0]
        small = True                        # every tensor below Numba's crossovers?
        total = 1       # small tensors' sizes multiplied: for two, a bound on their broadcast
        record = False
        if _grad_state.enabled:
            edges = []
            for a in args:
                if isinstance(a, Tensor):
                    data = a._data
                    datas.append(data)
                    size = data.size
                    if size >= below:
                        small = False
                    elif total < below:         # (bounded: cat of 10^4 tensors)
                        total *= size
                    if first is None:
                        first = a
                    if a._requires_grad:
                        record = True
                        fn = a._grad_fn
                        if a._base is not None and fn is not None and \
                                fn._view_version != a._version_counter[0]:
                            fn = current_grad_fn(a)       # its base was written in place
                        if fn is None:      # a leaf: its edge keeps it (its node does not)
                            edges.append((accumulator_of(a), 0, data.shape, data.dtype, a))
                        else:
                            edges.append((fn, a._output_nr, data.shape, data.dtype))
                        continue
                else:
                    datas.append(a)
                edges.append(None)
        else:
            for a in args:
                if isinstance(a, Tensor):
                    data = a._data
                    datas.append(data)
                    size = data.size
                    if size >= below:
                        small = False
                    elif total < below:         # (bounded: cat of 10^4 tensors)
                        total *= size
                    if first is None:
                        first = a
                else:
                    datas.append(a)
        if small and total >= below and cls.elementwise and len(datas) == 2:
            small = _small_broadcast(datas[0], datas[1], total)    # (2048, 1) * (1, 512)
        first_data = first._data
        backend = _backend_of[type(first_data)]
        ctx.backend = _CPU_NUMPY if small and backend is _CPU else backend
        if not small and not _heap_kept:
            _keep_heap()
        if record:
            ctx._next = edges
        else:
            try:                                # (free in 3.11 when nothing is raised)
                ctx._needs = _NOTHING_NEEDED[len(args)]
            except IndexError:                  # cat/stack of many tensors
                ctx._needs = (False,) * len(args)
        if first_data.dtype is not _HALF or not cls._widens:
            out = cls.forward(ctx, *datas)
        else:
            out = _forward_in_float32(cls, ctx, datas)
        if cls.elementwise and out.ndim > 1:          # (elementwise ops make one output)
            for data in datas:      # C-ordered inputs: PyTorch's result is C-ordered, as ours
                if type(data) in _backend_of and not data.flags.c_contiguous:
                    out = _in_elementwise_layout(ctx, out, datas)
                    break

        if not record:
            if type(out) is tuple:
                return tuple([_wrap_output(cls, ctx, o, i, first, False)
                              for i, o in enumerate(out)])
            if type(out) is type(first_data) and not cls.is_view:
                return Tensor._make(out, False, None, 0, [0])
            return _wrap_output(cls, ctx, out, 0, first, False)

        if type(out) is tuple:
            result = outputs = tuple([_wrap_output(cls, ctx, o, i, first, True)
                                      for i, o in enumerate(out)])
            ctx._n_outputs = len(outputs)
            ctx._ends_chain = True
            ctx._output_meta = tuple((o._data.shape, o.dtype) for o in outputs)
        else:
            if type(out) not in _backend_of:
                out = _scalar_output(ctx, out)
            if cls.is_view or ctx._non_differentiable or out.dtype.kind != 'f':
                result = _wrap_output(cls, ctx, out, 0, first, True)
            else:                                                 # the common case
                result = Tensor._make(out, True, ctx, 0, [0])
            outputs = (result,)
        if cls.is_view and outputs and outputs[0]._base is not None:   # a view, not a copy:
            ctx._view_args = args                           # how to make it again
            ctx._view_version = first._version_counter[0]
        ctx._seq = next(_sequence)
        if _anomaly_state.enabled:
            _anomaly.record(ctx)
        if record_observers:                   # viz.trace(): sees each recorded op's arguments
            for observer in record_observers:
                observer(ctx, args)
        to_save = ctx._to_save
        if to_save:
            _resolve_saved(ctx, to_save, args, outputs)
        else:
            ctx._saved = ()
        if ctx._non_differentiable:
            ctx._non_differentiable = ()
        return result


once_differentiable = custom_function.once_differentiable     # PyTorch's place for it
_NOTHING_NEEDED = [(False,) * n for n in range(64)]
record_observers = []             # functions (ctx, args) called for each op recorded
_backend_of = _backends._BY_ARRAY_TYPE
_CPU, _CPU_NUMPY, _numpy_below = _backends.cpu, _backends.cpu_numpy, _backends.numpy_below
_ndarray = _np.ndarray


def _small_broadcast(a, b, bound):
    """Is the broadcast of a and b (at most `bound` elements) below the size from which the
    elementwise kernels take a binary op? Else the op takes the routed backend, whose
    primitives size it by its result."""
    if bound < _broadcast_below[0] or type(a) is not _ndarray or type(b) is not _ndarray \
            or a.shape == b.shape:
        return True
    return _broadcast_size(a, b, 0) < _broadcast_below[0]


def _in_elementwise_layout(ctx, out, datas):
    laid = _layout.elementwise_result(out, datas, _backend_of)
    if laid is not out and ctx._to_save:        # forward saved its result: save the copy
        ctx._to_save = tuple([laid if s is out else s for s in ctx._to_save])
    return laid


_heap_kept = False


def _keep_heap():
    """The first op on a large array fixes malloc's thresholds (backends/heap.py): without,
    each step's large temporaries, a matmul's output or a kernel's, fault in fresh pages."""
    global _heap_kept
    _heap_kept = True
    _heap.keep_large_blocks()


_HALF = _np.dtype(_np.float16)
# Has any op run widened? The engine asks this before the node's own flag (a lookup on the
# many node classes costs a plain float32 backward ~300 instructions per node).
widened_any = [False]


def _forward_in_float32(cls, ctx, datas):
    """forward on float16 arrays made float32, its float32 results rounded to float16; the
    widened copies are noted, so that what forward saves is traced to its Tensors."""
    wide = ctx._wide_copies = {}
    ctx._widened = widened_any[0] = True
    widened = []
    for d in datas:
        if type(d) in _backend_of and d.dtype is _HALF:
            w = d.astype(_np.float32)
            wide[id(w)] = d
            d = w
        widened.append(d)
    out = cls.forward(ctx, *widened)
    if type(out) is tuple:
        return tuple([_narrowed(ctx, o, wide) for o in out])
    return _narrowed(ctx, out, wide)


def _narrowed(ctx, out, wide):
    if getattr(out, 'dtype', None) != _np.float32:
        return out
    if type(out) not in _backend_of:          # a NumPy scalar: its 0-d array, saved as such
        out = _scalar_output(ctx, out)
    narrow = out.astype(_np.float16)
    wide[id(out)] = narrow
    return narrow


def _wrap_output(cls, ctx, array, index, first, record):
    if type(array) not in _backend_of:
        array = _scalar_output(ctx, array)
    differentiable = record and array.dtype.kind == 'f'
    if differentiable and ctx._non_differentiable:
        differentiable = not any(array is a for a in ctx._non_differentiable)
    grad_fn = ctx if differentiable else None
    if cls.is_view and _aliases(array, first._data):
        out = Tensor._make(array, differentiable, grad_fn, index, first._version_counter)
        out._base = first._base if first._base is not None else first
        if not _grad_state.enabled:         # its in-place ops are refused in grad mode
            out._no_grad_view = True
        elif getattr(first, '_no_grad_view', None) is not None:       # ... and its views'
            out._no_grad_view = re.sub(r'Backward\d*$', '', cls._node_cls.__name__)
        return out
    return Tensor._make(array, differentiable, grad_fn, index, [0])


def _scalar_output(ctx, scalar):
    """NumPy reductions to 0-d return scalars: the 0-d array instead, and the same swap in
    what forward saved or marked (matched by identity), so backward gets the output."""
    array = ctx.backend.asarray(scalar)
    if ctx._to_save:
        ctx._to_save = tuple([array if s is scalar else s for s in ctx._to_save])
    if ctx._non_differentiable:
        ctx._non_differentiable = tuple([array if a is scalar else a
                                         for a in ctx._non_differentiable])
    return array


def _aliases(view, array):
    """Does `view` share `array`'s memory? (NumPy and CuPy keep the owner in `.base`; a
    strided view made by as_strided holds it a few links down the chain.)"""
    base, owner = view.base, array.base
    for _ in range(4):
        if base is None:
            return False
        if base is array or base is owner:
            return True
        base = getattr(base, 'base', None)
    return False


_PLAIN_VALUES = {type(None), bool, int, float}


def _resolve_saved(ctx, items, args, outputs):
    """Find the input or output Tensor each saved array is, by identity, and note its
    version; what forward saved moves from `_to_save` to `_saved`."""
    sources = []
    versions = []
    wide = ctx._wide_copies                  # float16 work done in float32: the copies
    for item in items:
        if type(item) in _PLAIN_VALUES:
            sources.append(None)
            continue
        if wide is not None:
            item = wide.get(id(item), item)      # (traced by the array they stand for)
        for a in args:
            if isinstance(a, Tensor) and a._data is item:
                counter = a._version_counter
                sources.append(a)
                break
        else:
            for nr, out in enumerate(outputs):
                if out._data is item:
                    counter = out._version_counter
                    sources.append((nr, counter))
                    break
            else:
                sources.append(None)
                continue
        versions.append((counter, counter[0]))
    ctx._saved = items                       # (a tuple: save_for_backward's *arrays)
    ctx._to_save = ()
    ctx._saved_sources = sources
    ctx._saved_versions = versions
    ctx._saved_epoch = data_rebinds[0]


def current_grad_fn(tensor):
    """tensor's grad_fn, made again when it is a view whose storage an in-place op has
    written since the view was taken: the view ops are applied again to its base as the base
    is now, so that gradients flow through the in-place op as well (PyTorch regenerates a view's
    grad_fn the same way). A view's own in-place ops are refused (_tensor_methods.py), so this
    is a write to its base or to another view of it."""
    node = tensor._grad_fn
    if tensor._base is None or node is None or node._view_version == tensor._version_counter[0]:
        return node
    steps = []                              # (op, its other arguments, output_nr), view first
    view = tensor
    while view._base is not None and view._grad_fn is not None and \
            view._grad_fn._view_args is not None:
        args = view._grad_fn._view_args
        steps.append((view._grad_fn._fn, args[1:], view._output_nr))
        view = args[0]
    if view is not tensor._base:            # a step of the chain was not recorded: keep it
        return node
    previous_mode = _grad_state.enabled
    _grad_state.enabled = True
    try:
        for op, rest, nr in reversed(steps):
            view = op.apply(view, *rest)
            if type(view) is tuple:
                view = view[nr]
    finally:
        _grad_state.enabled = previous_mode
    tensor._grad_fn, tensor._output_nr = view._grad_fn, view._output_nr
    tensor._requires_grad = view._requires_grad
    return view._grad_fn


def accumulator_of(tensor):
    """The AccumulateGrad node of a leaf, made once and kept by the leaf."""
    node = tensor._accumulator
    if node is None:
        node = tensor._accumulator = AccumulateGrad(tensor)
    return node


_RENAMED_NODES = {}


def grad_fn_named(name):
    """For an op made of other ops: the grad_fn of its output (of each output when it returns
    several tensors, as unbind) takes PyTorch's name for the op, so that printing the result
    shows `grad_fn=<MaskedFillBackward0>` and not the name of the op's last step. name: the
    name, or a function of the op's arguments that returns it (None: leave the name)."""
    def decorate(op):
        def named(*args, **kwargs):
            out = op(*args, **kwargs)
            outputs = out if type(out) is tuple else (out,) if isinstance(out, Tensor) else \
                out[:1] if isinstance(out, tuple) else ()       # (values, indices): values
            for result in outputs:
                node = getattr(result, '_grad_fn', None)
                if node is None:
                    continue
                new_name = name if isinstance(name, str) else name(*args, **kwargs)
                cls = type(node)
                if new_name is None or new_name == cls.__name__:
                    continue                       # PyTorch's name is the last step's here
                if any(result is a or node is getattr(a, '_grad_fn', None) for a in args):
                    continue                       # not made by this call: leave it alone
                renamed = _RENAMED_NODES.get((cls, new_name))
                if renamed is None:
                    renamed = _RENAMED_NODES[cls, new_name] = type(
                        new_name, (cls,), {'__module__': cls.__module__})
                node.__class__ = renamed
            return out
        named.__name__, named.__qualname__, named.__doc__ = \
            op.__name__, op.__qualname__, op.__doc__
        named.__wrapped__ = op
        return named
    return decorate
