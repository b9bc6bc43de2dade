"""`Function.apply` for the commonest calls, without its loop over the arguments.

Scalar training loops (the seed tutorials) spend most of their time in apply's bookkeeping:
an op on a one-element tensor is ~0.5 us of NumPy and ~2 us of Python around it. The general
apply walks `*args` and asks every argument what it is; the callers here already know (a
Tensor and numbers, or two Tensors), so these two unroll that walk. They take only the case
they were written for - our elementwise ops and reductions (one output, not a view; the
pair: elementwise ops) on NumPy arrays below
Numba's crossover, not float16, no anomaly mode or graph observers, no input that is a view
whose grad_fn may need to be made again - and hand anything else to `cls.apply` before
running forward. What they record is what apply records, field for field, but for a float
number an op takes as a kernel operand (number_as_operand): its float32 array, below.
"""
import numpy as _np

from . import function as _function
from .function import accumulator_of, _scalar_output, _wrap_output
from .grad_mode import state as _grad_state
from .anomaly_mode import state as _anomaly_state

_make = None                # microtorch.tensor sets this to Tensor._make (as function.Tensor)

_ndarray = _np.ndarray
_HALF = _np.dtype(_np.float16)
_FLOAT32 = _np.dtype(_np.float32)
_CPU_NUMPY = _function._CPU_NUMPY
_NUMPY_PRIMITIVES = vars(_CPU_NUMPY)       # (a replaced primitive is seen: setattr writes here)
_numpy_below = _function._numpy_below
_in_elementwise_layout = _function._in_elementwise_layout
_sequence = _function._sequence
_observers = _function.record_observers
_NO_EDGES = [[None] * n for n in range(8)]
_NOTHING_NEEDED = _function._NOTHING_NEEDED
_data_rebinds = _function.data_rebinds


def apply_with_numbers(cls, a, *numbers):
    """cls.apply(a, *numbers) for a Tensor `a` and non-Tensor arguments (`x * 0.5`,
    `x.pow(2)`, `x.tanh()`, `x.clamp(lo, hi)`, `x.sum()`): an elementwise op or a reduction."""
    data = a._data
    if type(data) is not _ndarray or data.size >= _numpy_below[0] or data.dtype is _HALF:
        return cls.apply(a, *numbers)
    recording = a._requires_grad and _grad_state.enabled
    if recording and (a._base is not None or _anomaly_state.enabled or _observers):
        return cls.apply(a, *numbers)
    if cls.number_as_operand and data.dtype is _FLOAT32 and type(numbers[0]) is float:
        # (a cached operand is never 0 (-0.0 would find 0.0's), so it is true)
        numbers = (_float32_operands.get(numbers[0]) or _float32_operand(numbers[0]),)
    if recording:
        ctx = cls._node_cls()
        ctx.backend = _CPU_NUMPY
        fn = a._grad_fn
        edge = ((accumulator_of(a), 0, data.shape, data.dtype, a) if fn is None else
                (fn, a._output_nr, data.shape, data.dtype))
        if numbers:
            ctx._next = [edge, None] if len(numbers) == 1 else [edge] + _NO_EDGES[len(numbers)]
            out = cls.forward(ctx, data, *numbers)
        else:                                # `x.tanh()`: no list to join, no *() to unpack
            ctx._next = [edge]
            out = cls.forward(ctx, data)
        if out.ndim > 1 and not data.flags.c_contiguous and cls.elementwise:
            out = _in_elementwise_layout(ctx, out, (data,))
        return _recorded(cls, ctx, out, (a,))
    plain = cls._plain_name
    if plain is not None and data.ndim < 2:          # (no layout to make)
        return _plain_result(_NUMPY_PRIMITIVES[plain](data, *numbers))
    ctx = cls._node_cls()
    ctx.backend = _CPU_NUMPY
    ctx._needs = _NOTHING_NEEDED[len(numbers) + 1]
    out = cls.forward(ctx, data, *numbers)
    if out.ndim > 1 and not data.flags.c_contiguous and cls.elementwise:
        out = _in_elementwise_layout(ctx, out, (data,))
    if type(out) is _ndarray:
        return _make(out, False, None, 0, [0])
    return _wrap_output(cls, ctx, out, 0, a, False)


def apply_to_pair(cls, a, b):
    """cls.apply(a, b) for two Tensors (`x * w`)."""
    a_data = a._data
    b_data = b._data
    size = a_data.size
    if a_data.shape != b_data.shape:
        size *= b_data.size         # (a bound on the broadcast's size)
    if type(a_data) is not _ndarray or type(b_data) is not _ndarray or \
            size >= _numpy_below[0] or a_data.dtype is _HALF:
        return cls.apply(a, b)
    if (a._requires_grad or b._requires_grad) and _grad_state.enabled:
        if a._base is not None or b._base is not None or _anomaly_state.enabled or _observers:
            return cls.apply(a, b)
        ctx = cls._node_cls()
        ctx.backend = _CPU_NUMPY
        ctx._next = [_edge(a, a_data), _edge(b, b_data)]
        out = cls.forward(ctx, a_data, b_data)
        if out.ndim > 1 and not (a_data.flags.c_contiguous and b_data.flags.c_contiguous):
            out = _in_elementwise_layout(ctx, out, (a_data, b_data))
        return _recorded(cls, ctx, out, (a, b))
    plain = cls._plain_name
    if plain is not None and a_data.ndim < 2 and b_data.ndim < 2:
        return _plain_result(_NUMPY_PRIMITIVES[plain](a_data, b_data))
    ctx = cls._node_cls()
    ctx.backend = _CPU_NUMPY
    ctx._needs = _NOTHING_NEEDED[2]
    out = cls.forward(ctx, a_data, b_data)
    if out.ndim > 1 and not (a_data.flags.c_contiguous and b_data.flags.c_contiguous):
        out = _in_elementwise_layout(ctx, out, (a_data, b_data))
    if type(out) is _ndarray:
        return _make(out, False, None, 0, [0])
    return _wrap_output(cls, ctx, out, 0, a, False)


def _plain_result(out):
    """The Tensor of an op's unrecorded result (Function.plain_forward's), as _wrap_output
    makes it: a 0-d input's NumPy scalar becomes a 0-d array."""
    return _make(out if type(out) is _ndarray else _np.asarray(out), False, None, 0, [0])


# A Python float's float32 0-d array, for ops whose number is a kernel operand: NumPy takes
# `x * 0.5` on one element in ~560 ns, `x * array(0.5, float32)` in ~300 (the weak scalar's
# promotion), and a float32 input casts the float to float32 either way (NEP 50).
_float32_operands = {}
_OPERANDS_KEPT = 256            # (a learning rate schedule makes new floats each step)


def _float32_operand(number):
    """number's float32 0-d array, kept in _float32_operands, or number itself where the
    array would not serve as a key's value: zeros (0.0 == -0.0), NaN (never equal), numbers
    float32 cannot hold (NumPy's cast warns; the ufunc's own path decides)."""
    if number == 0.0 or number != number or not -3.4028234663852886e38 <= number <= \
            3.4028234663852886e38:
        return number
    if len(_float32_operands) >= _OPERANDS_KEPT:
        _float32_operands.clear()
    operand = _float32_operands[number] = _np.array(number, _FLOAT32)
    operand.flags.writeable = False
    return operand


def _edge(tensor, data):
    """The tape's edge to a Tensor, as apply makes it (None when it needs no gradient)."""
    if not tensor._requires_grad:
        return None
    fn = tensor._grad_fn
    if fn is None:              # a leaf: its edge keeps it (its node does not)
        return (accumulator_of(tensor), 0, data.shape, data.dtype, tensor)
    return (fn, tensor._output_nr, data.shape, data.dtype)


def _recorded(cls, ctx, out, tensors):
    """The output of a recorded op, and the node's last fields: apply's tail for one output
    (`tensors`: the op's Tensor arguments, in order)."""
    if type(out) is not _ndarray:
        out = _scalar_output(ctx, out)       # a 0-d input's NumPy scalar
    dtype = out.dtype
    if ctx._non_differentiable or (dtype is not _FLOAT32 and dtype.kind != 'f'):
        result = _wrap_output(cls, ctx, out, 0, tensors[0], True)
        ctx._non_differentiable = ()         # (read by the wrapping alone)
        counter = result._version_counter
    else:
        counter = [0]
        result = _make(out, True, ctx, 0, counter)
    ctx._seq = next(_sequence)
    to_save = ctx._to_save
    if not to_save:
        ctx._saved = ()
        return result
    # function._resolve_saved's matching, for what these calls can save (no float16 copies;
    # the numbers match nothing): each array is an input's or the output's, else nobody's
    if len(to_save) == 1 and to_save[0] is out:      # (tanh's, sigmoid's, exp's y: no loop)
        sources = [(0, counter)]
        versions = [(counter, counter[0])]
    else:
        sources = []
        versions = []
        for item in to_save:
            for tensor in tensors:
                if tensor._data is item:
                    tensor_counter = tensor._version_counter
                    sources.append(tensor)
                    versions.append((tensor_counter, tensor_counter[0]))
                    break
            else:
                if item is out:
                    sources.append((0, counter))
                    versions.append((counter, counter[0]))
                else:
                    sources.append(None)
    ctx._saved = to_save
    ctx._to_save = ()
    ctx._saved_sources = sources
    ctx._saved_versions = versions
    ctx._saved_epoch = _data_rebinds[0]
    return result
