"""Creation functions: tensor(), zeros(), arange(), rand() ... with dtype=, device=,
requires_grad= as in PyTorch. Arrays are made on the host with NumPy and moved once."""
import math
import operator

import numpy as np

from . import _dtype
from . import _layout
from . import _linspace
from . import backends
from ._caller import user_stacklevel
from ._device import device as _device, uses_default_device
from ._size import Size, shape_args
from .random import default_generator
from .tensor import Tensor


def _finish(array, dtype=None, device=None, requires_grad=False):
    """Cast a host (or device) array, move it to `device` and wrap it."""
    if dtype is not None:
        array = array.astype(_dtype.to_dtype(dtype).np, copy=False)
    elif array.dtype not in _dtype._BY_NP:      # e.g. uint16: the nearest dtype we have
        array = array.astype(_dtype.from_numpy_dtype(array.dtype).np)
    if device is not None:
        backend = backends.for_device(device)
        if backends.for_array(array) is not backend:
            array = backend.from_host(backends.for_array(array).to_host(array), _device(device))
    if requires_grad and array.dtype.kind != 'f':
        raise RuntimeError('Only Tensors of floating point and complex dtype can require '
                           'gradients')
    out = Tensor._make(array)
    if requires_grad:
        out.requires_grad_(True)
    return out


def _infer_array(data, keep_float64=False):
    """A host array from Python data with PyTorch's inference: each element has a dtype (Python
    floats the default float, ints int64, bools bool; NumPy scalars and 0-d tensors their own)
    and the array has theirs promoted together. NumPy arrays keep their dtype. keep_float64:
    Python floats stay float64 (a dtype= is given: cast once from the exact values)."""
    if isinstance(data, Tensor):
        return backends.for_array(data._data).to_host(data._data).copy()
    if isinstance(data, np.ndarray):
        return data.copy()
    inferred, has_tensors = _element_dtypes(data)
    if has_tensors:
        if any(isinstance(x, Tensor) and x.requires_grad for x in _flat(data)):
            from .tensor import warn_scalar_of_grad_tensor
            # (read by float() in PyTorch: the warning names the user's call of tensor())
            warn_scalar_of_grad_tensor(stacklevel=user_stacklevel())
        data = _replace_tensors(data)
    try:
        array = np.array(data)
    except ValueError:
        raise _ragged_error(data) from None
    kind = array.dtype.kind
    if kind == 'u' and inferred is _dtype.int64 or kind == 'O' and any(
            type(x) is int and not -2 ** 63 <= x < 2 ** 63 for x in _flat(data)):
        raise ValueError('Overflow when unpacking long long')     # beyond int64's range
    if kind not in 'fiub':
        odd = next((x for x in _flat(data) if not isinstance(x, (bool, int, float, np.generic))),
                   _first(data))
        if isinstance(odd, str):
            # PyTorch reads a string as a sequence when it sizes the data (along the first
            # elements) and refuses one anywhere else, when it infers the dtype
            if isinstance(data, str) or not isinstance(_first(data), str):
                raise TypeError("new(): invalid data type 'str'")
            raise ValueError("too many dimensions 'str'")
        raise RuntimeError(f'Could not infer dtype of {type(odd).__name__}')
    if keep_float64 and kind == 'f':
        return array
    if inferred is not None:
        return array.astype(inferred.np, copy=False)
    # An element of a dtype microtorch lacks (float16, uint8, ...): the nearest it has.
    return array.astype(_dtype.default_float.np if kind == 'f' else
                        np.int64 if kind in 'iu' else np.bool_, copy=False)


def _element_dtypes(data):
    """(the promoted dtype of data's elements, or None if one has a dtype microtorch lacks;
    whether data holds tensors)."""
    result, has_tensors = None, False
    for x in _flat(data):
        kind = type(x)
        if kind is float:
            d = _dtype.default_float
        elif kind is int:
            d = _dtype.int64
        elif kind is bool:
            d = _dtype.bool_
        elif isinstance(x, Tensor):
            d, has_tensors = x.dtype, True
        elif isinstance(x, (np.generic, np.ndarray)) and x.dtype in _dtype._BY_NP:
            d = _dtype.from_numpy_dtype(x.dtype)        # arrays in a list keep their dtype
        else:
            return None, has_tensors or any(isinstance(y, Tensor) for y in _flat(data))
        if result is not d:
            result = d if result is None else _dtype.promote_types(result, d)
    return result, has_tensors


def _ragged_error(data):
    """PyTorch's error for nested sequences that do not make a box: each level must have the
    length of the first sequence at that depth."""
    sizes = []
    level = data
    while isinstance(level, (list, tuple)):
        sizes.append(len(level))
        level = level[0] if level else None

    def check(seq, dim):
        for x in seq:
            if dim + 1 < len(sizes):
                if not isinstance(x, (list, tuple)):
                    return TypeError('not a sequence')
                if len(x) != sizes[dim + 1]:
                    return ValueError(f'expected sequence of length {sizes[dim + 1]} at dim '
                                      f'{dim + 1} (got {len(x)})')
                error = check(x, dim + 1)
                if error is not None:
                    return error
            elif isinstance(x, (list, tuple)):
                return TypeError(f"'{type(x).__name__}' object cannot be interpreted as an "
                                 'integer')
        return None
    return check(data, 0) or ValueError('expected a sequence of equal-length sequences')


def _flat(data):
    if isinstance(data, (list, tuple)):
        for x in data:
            yield from _flat(x)
    else:
        yield data


def _first(data):
    return next(_flat(data), data)


def _replace_tensors(data):
    if isinstance(data, Tensor):         # PyTorch reads a tensor in a list as one number
        if data._data.size != 1:
            raise ValueError('only one element tensors can be converted to Python scalars')
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_replace_tensors(x) for x in data]
    return data


@uses_default_device
def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data` (a number, nested sequence, array or tensor)."""
    array = _infer_array(data, dtype is not None)
    if dtype is not None and array.size and not isinstance(data, (np.ndarray, Tensor)):
        _check_fits(array, _dtype.to_dtype(dtype))
    return _finish(array, dtype, device, requires_grad)


def _check_fits(array, dtype):
    """PyTorch's check of Python numbers given to tensor() with a small integer dtype: ints
    from minus the maximum of an unsigned type (they wrap), floats within the range."""
    if dtype.np.kind not in 'iu' or dtype is _dtype.int64 or array.dtype.kind not in 'iuf':
        return
    info = np.iinfo(dtype.np)
    low = -int(info.max) if dtype.np.kind == 'u' and array.dtype.kind != 'f' else info.min
    if not low <= array.min() <= array.max() <= info.max:     # nan fails too
        raise RuntimeError(f'value cannot be converted to type {dtype.name} without overflow')
    if dtype.np.kind == 'u' and array.dtype.kind != 'f':
        array %= 256                                        # wrapped in place: -1 -> 255


@uses_default_device
def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor when it can."""
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.to(_dtype.to_dtype(dtype))
        return out.to(device) if device is not None else out
    if isinstance(data, np.ndarray) and (device is None or _device(device).type == 'cpu'):
        return _finish(data, dtype)
    return tensor(data, dtype, device)


def from_numpy(array):
    """A tensor sharing `array`'s memory: writes through either are seen by both."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f'expected np.ndarray (got {type(array).__name__})')
    _dtype.from_numpy_dtype(array.dtype)      # refuses dtypes microtorch has no name for
    if array.dtype not in _dtype._BY_NP:
        raise TypeError(f"can't convert np.ndarray of type {array.dtype}. The only supported "
                        'types are: float64, float32, float16, int64, int32, int16, int8, '
                        'uint8, and bool.')
    return Tensor._make(array)


def legacy_tensor_data(args, dtype, device, legacy=None):
    """Data for `Tensor(...)`, `FloatTensor(...)` and `x.new(...)`: `legacy` (by default the
    default float dtype) from a sequence or an array, or uninitialised of a shape."""
    default = legacy or _dtype.default_float
    if dtype is not None and _dtype.to_dtype(dtype) is not default:
        raise TypeError(f'legacy constructor: only {default.name} (the default dtype; use '
                        'microtorch.tensor for others)')
    if len(args) == 1 and isinstance(args[0], Tensor) and args[0].dtype is not default:
        raise TypeError(f'expected {_options(default, device or "cpu")} (got '   # no casting
                        f'{_options(args[0].dtype, args[0].device)})')
    if len(args) == 1 and not isinstance(args[0], (int, Size)):    # Tensor(Size) is a shape
        data = args[0]
        array = _infer_array(data).astype(default.np)
    else:
        shape = shape_args(args) if args else (0,)
        negative = next((n for n in shape if n < 0), None)
        if negative is not None:
            raise RuntimeError(f'Trying to create tensor with negative dimension {negative}: '
                               f'{list(shape)}')
        array = np.empty(shape, default.np)
    if device is not None:
        array = _finish(array, None, device)._data
    return array


def _options(dtype, device):
    """PyTorch's printed TensorOptions of a dtype and device, for the legacy constructors."""
    return (f'TensorOptions(dtype={_dtype.c_type_name(dtype)}, device={device}, '
            'layout=Strided, requires_grad=false (default), pinned_memory=false (default), '
            'memory_format=(nullopt))')


def _is_size_item(value):
    """An int for a size as PyTorch's parser takes one: no bools, no floats."""
    if isinstance(value, (bool, np.bool_)):
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _check_size_types(op, shape, size, one_int=True):
    """PyTorch's TypeError, worded as its argument parser words it, for sizes that are not
    ints: zeros(2.5), zeros(2, 2.5), zeros([2.5]). one_int: a lone int is a size (zeros(2)
    but not full(2, 1.0))."""
    keyword = size is not None
    where = "argument 'size'" if keyword else "argument 'size' (position 1)"
    if keyword or len(shape) == 1:
        value = size if keyword else shape[0]
        if one_int and _is_size_item(value):
            return
        if not isinstance(value, (tuple, list)):
            raise TypeError(f'{op}(): {where} must be tuple of ints, not '
                            f'{type(value).__name__}')
        items = value
    else:
        items = shape
    for position, item in enumerate(items):
        if _is_size_item(item):
            continue
        kind = type(item).__name__
        if position:
            raise TypeError(f"{op}(): argument 'size' failed to unpack the object at pos "
                            f'{position + 1} with error "type must be tuple of ints,but got '
                            f'{kind}"')
        if items is shape:                    # zeros(2.5, 3): not a size, so two arguments
            raise TypeError(f'{op}() takes 1 positional argument but {len(shape)} were given')
        if keyword:
            raise TypeError(f'{op}(): {where} must be tuple of ints, not {type(items).__name__}')
        raise TypeError(f'{op}(): {where} must be tuple of ints, but found element of type '
                        f'{kind} at pos 0')


def _shape(shape, size, negative_message=None, op=None, one_int=True):
    """zeros(2, 3), zeros((2, 3)) and zeros(size=(2, 3)) all mean the same. negative_message:
    the function's own error for a negative size, where PyTorch has one. op: the function's
    name, for PyTorch's errors for sizes that are not ints."""
    if op is not None:
        _check_size_types(op, shape, size, one_int)
    try:
        shape = shape_args((size,) if size is not None else shape)
    except RuntimeError:
        if negative_message is None:
            raise
        raise RuntimeError(negative_message) from None
    if -1 in shape:          # shape_args lets -1 through for reshape; a new tensor can't have it
        raise RuntimeError(negative_message or
                           f'Trying to create tensor with negative dimension -1: {list(shape)}')
    return shape


def _filled(shape, value, dtype, device, requires_grad):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float
    if value != 0 and isinstance(value, (int, float)):        # zeros() skips the check
        value = _dtype.checked_scalar(value, dtype.np)
    if device is not None and _device(device).type != 'cpu':     # filled there: no copy
        array = backends.for_device(device).full_on(shape, value, dtype.np, _device(device))
        return _finish(array, None, None, requires_grad)
    if type(value) is int and value == 0:            # calloc's zeros: 27 us for 1 MiB, not 42
        return _finish(np.zeros(shape, dtype.np), None, device, requires_grad)
    return _finish(np.full(shape, value, dtype.np), None, device, requires_grad)


@uses_default_device
def zeros(*shape, size=None, dtype=None, device=None, requires_grad=False):
    shape = _shape(shape, size, 'zeros: Dimension size must be non-negative.', 'zeros')
    return _filled(shape, 0, dtype, device, requires_grad)


def zeros_of_shape(*shape, size=None, dtype=None, device=None, requires_grad=False):
    """zeros() with the message every other maker gives for a negative size (new_zeros)."""
    return _filled(_shape(shape, size), 0, dtype, device, requires_grad)


@uses_default_device
def ones(*shape, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(_shape(shape, size, op='ones'), 1, dtype, device, requires_grad)


@uses_default_device
def empty(*shape, size=None, dtype=None, device=None, requires_grad=False):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float
    if device is not None and _device(device).type != 'cpu':     # made there: no copy
        array = backends.for_device(device).empty_on(_shape(shape, size, op='empty'), dtype.np,
                                                      _device(device))
        return _finish(array, None, None, requires_grad)
    return _finish(np.empty(_shape(shape, size, op='empty'), dtype.np), None, device,
                   requires_grad)


@uses_default_device
def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if not isinstance(fill_value, (bool, int, float, np.number)) and not (
            isinstance(fill_value, Tensor) and fill_value.ndim == 0):
        raise TypeError("full(): argument 'fill_value' (position 2) must be Number, not "
                        f'{type(fill_value).__name__}')
    if dtype is None:        # PyTorch infers the dtype from the fill value
        dtype = _dtype.result_type([], [fill_value])
    shape = _shape((size,), None, op='full', one_int=False)
    return _filled(shape, fill_value, dtype, device, requires_grad)


def _like(input, dtype, device):
    return (dtype if dtype is not None else input.dtype,
            device if device is not None else input.device)


def _in_layout_of(input, make):
    """make(shape), a new C-ordered Tensor, called with input's shape in input's memory order
    and its dims then put back: PyTorch's *_like keep the input's layout (preserve_format),
    so `ones_like(x.t())` is laid out as x.t() is, which decides the bits of ops on both."""
    if input._data.flags.c_contiguous or input.ndim < 2:
        return make(input.shape)
    order = memory_order(input)
    if order == sorted(order):
        return make(input.shape)
    out = make(tuple(input.shape[d] for d in order))
    out._data = out._data.transpose(_layout.inverse(order))   # (a fresh leaf: no one else
    return out                                                # holds its array)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return _in_layout_of(input, lambda shape: zeros(shape, dtype=dtype, device=device,
                                                    requires_grad=requires_grad))


def ones_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return _in_layout_of(input, lambda shape: ones(shape, dtype=dtype, device=device,
                                                   requires_grad=requires_grad))


def empty_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return _in_layout_of(input, lambda shape: empty(shape, dtype=dtype, device=device,
                                                    requires_grad=requires_grad))


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    return _in_layout_of(input, lambda shape: full(shape, fill_value, dtype=dtype,
                                                   device=device, requires_grad=requires_grad))


def memory_order(input):
    """input's dims from the outermost in memory, as PyTorch orders them for a tensor made like
    input (empty_like keeps input's layout) and filled in memory order."""
    return _layout.memory_order(input.shape, input._data.strides)


def _drawn_like(input, draw):
    """A host array of input's shape from draw(shape, contiguous), drawn as PyTorch's *_like
    functions draw: into a tensor with input's order of dims in memory, in memory order."""
    order = memory_order(input)
    moved = [d for d in order if input.shape[d] != 1]
    array = draw(tuple(input.shape[d] for d in order), moved == sorted(moved))
    return np.transpose(array, np.argsort(order))


def rand_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    dtype = _float_dtype(dtype, 'check_uniform_bounds')
    array = _drawn_like(input, lambda shape, _: default_generator.stream.uniform(shape,
                                                                                  dtype.np))
    return _finish(array, dtype, device, requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    dtype, device = _like(input, dtype, device)
    dtype = _float_dtype(dtype, 'normal_kernel_cpu')
    array = _drawn_like(input, lambda shape, contiguous: default_generator.stream.normal(
        shape, dtype.np, contiguous=contiguous))
    return _finish(array, dtype, device, requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None):
    dtype, device = _like(input, dtype, device)
    if high is None:
        low, high = 0, low
    if low >= high:
        raise RuntimeError(f'random_ expects \'from\' to be less than \'to\', but got '
                           f'from={low} >= to={high}')
    array = _drawn_like(input, lambda shape, _: default_generator.stream.integers(low, high,
                                                                                   shape))
    return _finish(array, dtype, device)


def _integral(value):
    """Does arange keep int64 for this bound? Python ints and bools, NumPy integers and
    integer or bool tensors do; floats, NumPy floats (and NumPy bools) do not."""
    if isinstance(value, Tensor):
        return not value.is_floating_point()
    return isinstance(value, (int, np.integer))


def _refuse_bool(dtype, name, device):
    """PyTorch has no bool version of the range kernels."""
    if dtype is _dtype.bool_:
        kernel = f'{name}_{_device(device if device is not None else "cpu").type}'
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


@uses_default_device
def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    bounds = (start, end, step)
    if dtype is None:
        dtype = _dtype.int64 if all(_integral(v) for v in bounds) else _dtype.default_float
    dtype = _dtype.to_dtype(dtype)
    _refuse_bool(dtype, 'arange', device)
    start, end, step = (v.item() if hasattr(v, 'item') else v for v in bounds)
    # PyTorch checks the bounds as doubles, whatever the dtype.
    if step == 0:
        raise RuntimeError('step must be nonzero')
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f'unsupported range: {float(start):g} -> {float(end):g}')
    if (end - start) * step < 0:
        raise RuntimeError('upper bound and lower bound inconsistent with step sign')
    n = math.ceil((end - start) / step)
    if dtype.is_floating_point:
        array = _scaled_count(n, np.float64, start, step)
    else:
        # Integers count in int64 from the bounds cut towards 0; int64 also takes its length
        # from them (arange(1, 2.5, dtype=int64) is [1]), other dtypes from the doubles.
        start, end, step = int(start), int(end), int(step)
        if dtype is _dtype.int64:
            if step == 0:
                raise ValueError('step must be nonzero')
            n = -(-(end - start) // step)
        array = _scaled_count(n, np.int64, start, step)
    return _finish(array, dtype, device, requires_grad)


def _scaled_count(n, np_dtype, start, step):
    """start + i * step for i < n, in one array (each step in place: a range of 2^18 took
    3 passes and 2 temporaries, 4.9x PyTorch's time)."""
    array = np.arange(n, dtype=np_dtype)
    if step != 1:
        array *= step
    if start != 0:
        array += start
    return array


@uses_default_device
def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    if not isinstance(steps, int) and not hasattr(steps, '__index__'):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError('number of steps must be non-negative')
    if dtype is not None:
        _refuse_bool(_dtype.to_dtype(dtype), 'linspace', device)
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float
    if dtype in (_dtype.float32, _dtype.float64):
        array = _linspace.points(float(start), float(end), steps, dtype.np)
    else:
        array = np.linspace(float(start), float(end), steps)
    return _finish(array, dtype, device, requires_grad)


@uses_default_device
def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f'n must be greater or equal to 0, got {n}')
    array = np.eye(n, n if m is None else m)
    return _finish(array, dtype if dtype is not None else _dtype.default_float, device,
                   requires_grad)


def _float_dtype(dtype, name):
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_dtype.type_name(dtype)}'")
    return dtype


@uses_default_device
def rand(*shape, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    dtype = _float_dtype(dtype, 'check_uniform_bounds')
    gen = generator or default_generator
    array = gen.stream.uniform(_shape(shape, size, op='rand'), dtype.np)
    return _finish(array, dtype, device, requires_grad)


@uses_default_device
def randn(*shape, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    dtype = _float_dtype(dtype, 'normal_kernel_cpu')
    gen = generator or default_generator
    array = gen.stream.normal(_shape(shape, size, op='randn'), dtype.np)
    return _finish(array, dtype, device, requires_grad)


@uses_default_device
def randint(low=0, high=None, size=None, dtype=None, device=None, generator=None,
            requires_grad=False):
    if size is None:                 # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        raise TypeError('randint() missing required argument: high')
    if low >= high:
        raise RuntimeError(f'random_ expects \'from\' to be less than \'to\', but got '
                           f'from={low} >= to={high}')
    gen = generator or default_generator
    array = gen.stream.integers(low, high, _shape((size,), None))
    return _finish(array, dtype, device, requires_grad)


@uses_default_device
def randperm(n, dtype=None, device=None, generator=None):
    gen = generator or default_generator
    return _finish(gen.stream.permutation(n), dtype, device)
