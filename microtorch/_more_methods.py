"""Tensor methods for the newer torch.* functions (ops/statistics.py, ops/pointwise.py,
ops/slicing.py), the shift operators, more in-place forms, and torch.<name>_ functions.

In-place forms go through _tensor_methods' `_inplace` (compute out of place, check, then
write: a failed one changes nothing; PyTorch's errors for a leaf that requires grad).
"""
import math

import numpy as np

from . import _dtype
from .autograd.grad_mode import state as _grad_state
from .ops import composite as C
from .ops import functional as F
from .ops import numeric as N
from .ops import pointwise as P
from .ops import slicing as SL
from .ops import statistics as ST
from .ops.indexing import CopySlices
from .tensor import Tensor
from ._tensor_methods import (_inplace, _inplace_method, _setitem, _LEAF_MESSAGE,
                              _VIEW_OF_LEAF_MESSAGE)

# ---- the functions as methods ------------------------------------------------------------

for _module, _names in (
        (ST, ('quantile', 'nanquantile', 'nanmedian', 'mode', 'histogram')),
        (P, ('isposinf', 'isneginf', 'signbit', 'copysign', 'gcd', 'lcm', 'ldexp',
             'nextafter', 'frexp', 'bitwise_left_shift', 'bitwise_right_shift')),
        (SL, ('hsplit', 'vsplit', 'dsplit', 'split_with_sizes', 'select_scatter',
              'slice_scatter', 'diagonal_scatter', 'index_put', 'put', 'narrow_copy', 'addmv',
              'addr', 'addbmm', 'ger', 'as_strided'))):
    for _name in _names:
        setattr(Tensor, _name, getattr(_module, _name))
del _module, _names, _name

# PyTorch's longer names of the comparisons
Tensor.not_equal, Tensor.greater_equal, Tensor.less_equal = F.ne, F.ge, F.le


def _hardshrink(self, lambd=0.5):
    from .nn import functional as nnF
    return nnF.hardshrink(self, lambd)


def _prelu(self, weight):
    from .nn import functional as nnF
    return nnF.prelu(self, weight)


Tensor.hardshrink, Tensor.prelu = _hardshrink, _prelu

# ---- operators: << and >> ----------------------------------------------------------------

_left, _right = P.shift_operator('left'), P.shift_operator('right')
Tensor.__lshift__, Tensor.__rshift__ = _left, _right
Tensor.__rlshift__ = lambda self, other: _left(other, self)
Tensor.__rrshift__ = lambda self, other: _right(other, self)
Tensor.__ilshift__ = lambda self, other: _inplace(self, _left, other)
Tensor.__irshift__ = lambda self, other: _inplace(self, _right, other)

# ---- in-place forms ------------------------------------------------------------------------

_INPLACE = {
    F: ('asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'arcsin', 'arccos', 'arctan',
        'arcsinh', 'arccosh', 'arctanh', 'sinh', 'cosh', 'atan2', 'arctan2', 'hypot', 'lerp',
        'neg', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_and', 'logical_or',
        'logical_xor', 'logical_not', 'bitwise_and', 'bitwise_or', 'bitwise_xor',
        'bitwise_not', 'cumsum', 'addmm'),
    N: ('logit', 'sinc', 'sgn'),
    P: ('copysign', 'gcd', 'lcm', 'ldexp', 'nextafter', 'bitwise_left_shift',
        'bitwise_right_shift'),
    SL: ('index_put', 'put', 'addmv', 'addr', 'addbmm'),
}
for _module, _names in _INPLACE.items():
    for _name in _names:
        setattr(Tensor, _name + '_', _inplace_method(getattr(_module, _name)))
del _module, _names, _name

for _alias, _name in (('negative', 'neg'), ('not_equal', 'ne'), ('greater', 'gt'),
                      ('greater_equal', 'ge'), ('less', 'lt'), ('less_equal', 'le'),
                      ('divide', 'div'), ('multiply', 'mul'), ('subtract', 'sub'),
                      ('true_divide', 'div')):
    setattr(Tensor, _alias + '_', getattr(Tensor, _name + '_'))
del _alias, _name


def _float_power_(self, exponent):
    """In place only into float64: the result of float_power always is."""
    if self.dtype is not _dtype.float64:
        raise RuntimeError(f'the base given to float_power_ has dtype {F.type_name(self.dtype)} '
                           "but the operation's result requires dtype Double")
    return _inplace(self, C.float_power, exponent)


Tensor.float_power_ = _float_power_


def _fill_diagonal_(self, fill_value, wrap=False):
    """The main diagonal (i, i, ...) set to fill_value. A tall matrix with wrap=True starts
    over below it every width + 1 rows, as in PyTorch (counted in row-major order)."""
    if self.ndim < 2:
        raise RuntimeError('dimensions must larger than 1')
    if self.ndim > 2 and any(n != self.shape[0] for n in self.shape):
        raise RuntimeError('all dimensions of input must be of equal length')
    if isinstance(fill_value, Tensor):
        if fill_value.ndim:
            raise TypeError("fill_diagonal_(): argument 'fill_value' (position 1) must be "
                            'Number, not Tensor')
        fill_value = fill_value.item()
    # PyTorch fills through a strided view of self: a leaf that requires grad refuses that
    if _grad_state.enabled and self._requires_grad and self._grad_fn is None:
        raise RuntimeError(_VIEW_OF_LEAF_MESSAGE)
    height, width = self.shape[0], self.shape[1]
    if self.ndim > 2:
        return _setitem(self, (F._arange(height, self.device),) * self.ndim, fill_value,
                        CopySlices)
    size = min(height, width)
    _fill_places(self, 0, size, fill_value)
    if wrap and height > width + 1:          # a second write, as PyTorch's (version + 2)
        _fill_places(self, size, -(-self.numel() // (width + 1)), fill_value)
    return self


def _fill_places(self, first, stop, fill_value):
    """Fill the matrix at row-major places first * (width + 1), ..., below stop."""
    width = self.shape[1]
    places = (self._backend_xp().arange(first, stop, dtype='int64') * (width + 1))
    rows, cols = (places // width, places % width) if places.size else (places, places)
    _setitem(self, (Tensor._make(rows), Tensor._make(cols)), fill_value, CopySlices)


Tensor.fill_diagonal_ = _fill_diagonal_


def _inplace_view(op):
    """squeeze_, unsqueeze_, t_, transpose_, swapaxes_: self becomes op(self), a view of
    the same memory with another shape (recorded as that view op when self requires grad)."""
    def method(self, *args, **kwargs):
        recording = _grad_state.enabled and self._requires_grad
        if recording and self._grad_fn is None:
            raise RuntimeError(_LEAF_MESSAGE)
        # op applies to an alias of self as it is now: the view's recorded history must lead
        # to self's old one (and to its base), not back to self
        alias = Tensor._make(self._data, self._requires_grad, self._grad_fn, self._output_nr,
                             self._version_counter)
        alias._base = self._base
        result = op(alias, *args, **kwargs)
        self._data = result._data
        self._version_counter[0] += 1
        if recording:
            self._grad_fn, self._output_nr = result._grad_fn, result._output_nr
        return self
    return method


for _name, _op in (('squeeze', F.squeeze), ('unsqueeze', F.unsqueeze), ('t', F.t),
                   ('transpose', F.transpose), ('swapaxes', C.swapaxes),
                   ('swapdims', C.swapaxes)):
    setattr(Tensor, _name + '_', _inplace_view(_op))
del _name, _op


# ---- what a tensor is --------------------------------------------------------------------

Tensor.is_cpu = property(lambda self: self.device.type == 'cpu')


def _get_device(self):
    """-1 on the CPU, the GPU's index on CUDA."""
    return -1 if self.device.type == 'cpu' else self.device.index


def _storage_offset(self):
    """Where the first element sits in the storage, counted in elements from its start."""
    from ._tensor_methods import _address
    base = self._base
    if base is None:
        return 0
    return (_address(self._data) - _address(base._data)) // self._data.itemsize


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor (zeros here) of size with the given element strides."""
    from .creation import zeros
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f'dimensionality of sizes ({len(size)}) must match dimensionality '
                           f'of strides ({len(stride)})')
    extent = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    storage = zeros(extent, dtype=self.dtype if dtype is None else dtype,
                    device=self.device if device is None else device)
    xp = storage._backend_xp()
    data = xp.lib.stride_tricks.as_strided(
        storage._data, size, tuple(s * storage._data.itemsize for s in stride))
    out = Tensor._make(data)
    out._base = storage
    if requires_grad:
        out.requires_grad_()
    return out


def _is_nonzero(self):
    from ._top_level import is_nonzero
    return is_nonzero(self)


def _is_same_size(self, other):
    from ._top_level import is_same_size
    return is_same_size(self, other)


Tensor.is_nonzero = _is_nonzero
Tensor.is_same_size = _is_same_size
Tensor.is_signed = lambda self: self.dtype.is_signed
Tensor.get_device = _get_device
Tensor.output_nr = property(lambda self: self._output_nr)
Tensor.storage_offset = _storage_offset
Tensor.new_empty_strided = _new_empty_strided


def _unfold(self, dimension, size, step):
    """Every window of `size` elements along `dimension`, `step` apart, as a new last dim (a
    view on the CPU); not nn.functional.unfold, which gathers convolution patches."""
    from ._size import wrap_dim
    F._require_int(dimension, 'unfold', 'dimension')
    F._require_int(size, 'unfold', 'size')
    F._require_int(step, 'unfold', 'step')
    if self.ndim == 0:                     # a 0-d tensor is one window of one element
        if dimension not in (0, -1):
            wrap_dim(dimension, 0)         # PyTorch's range error
        if size > 1:
            raise RuntimeError(f'maximum size for tensor at dimension 0 is 1 but size is '
                               f'{size}')
        if step <= 0:
            raise RuntimeError(f'step is {step} but must be > 0')
        return self.reshape(1) if size == 1 else self.reshape(1)[:0]
    dim = wrap_dim(dimension, self.ndim)
    if size > self.shape[dim]:
        raise RuntimeError(f'maximum size for tensor at dimension {dim} is {self.shape[dim]} '
                           f'but size is {size}')
    if size < 0:
        raise RuntimeError(f'size is {size} but must be >= 0')
    if step <= 0:
        raise RuntimeError(f'step is {step} but must be > 0')
    from .ops.shape import Unfold
    return Unfold.apply(self, dim, size, step)


Tensor.unfold = _unfold


def _index_reduce(self, dim, index, source, reduce, *, include_self=True):
    from ._top_level import index_reduce
    return index_reduce(self, dim, index, source, reduce, include_self=include_self)


Tensor.index_reduce = _index_reduce
Tensor.index_reduce_ = _inplace_method(_index_reduce)


def _resize_(self, *sizes):
    """self with a new shape: its first elements (in row-major order) kept, any new ones
    uninitialised, as PyTorch's resize_ (a new storage, as `x.data = ...` gives)."""
    from ._size import shape_args
    shape = shape_args(sizes)
    if self._requires_grad:
        raise RuntimeError('cannot resize variables that require grad')
    old = self._data.reshape(-1)
    xp = self._backend_xp()
    new = xp.empty(math.prod(shape), old.dtype)
    kept = min(old.size, new.size)
    new[:kept] = old[:kept]
    self.data = Tensor._make(new.reshape(shape))
    return self


Tensor.resize_ = _resize_
Tensor.resize_as_ = lambda self, other: _resize_(self, *other.shape)


def _apply_(self, callable):
    """Each element replaced by callable(element), in place (CPU tensors, as PyTorch)."""
    _check_map(self, 'apply_', ())
    return _map_elements(self, lambda values: [callable(v) for v in values])


def _map_(self, tensor, callable):
    """Each element replaced by callable(element, tensor's element), tensor broadcast to self's
    shape; in place (CPU tensors)."""
    _check_map(self, 'map_', ((tensor, 'other', 1),))
    other = _elements(tensor, self.shape)
    return _map_elements(self, lambda values: [callable(a, b) for a, b in zip(values, other)])


def _map2_(self, x, y, callable):
    """Each element replaced by callable(element, x's element, y's element), x and y
    broadcast to self's shape; in place (CPU tensors)."""
    _check_map(self, 'map2_', ((x, 'x', 1), (y, 'y', 2)))
    xs, ys = _elements(x, self.shape), _elements(y, self.shape)
    return _map_elements(self, lambda values: [callable(a, b, c)
                                                 for a, b, c in zip(values, xs, ys)])


def _check_map(self, name, others):
    """PyTorch's checks of apply_ / map_ / map2_, in its order; others are (tensor,
    argument name, position) triples."""
    for other, argument, position in others:
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument '{argument}' (position {position}) must be "
                            f'Tensor, not {type(other).__name__}')
    if self.device.type != 'cpu':
        raise TypeError(f'{name} is only implemented on CPU tensors')
    # refused in no_grad mode too: the callable runs outside any graph
    if any(t._requires_grad for t in (self, *(other for other, _, _ in others))):
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f'var.detach().{name}() instead.')
    for other, argument, _ in others:
        if other.dtype is not self.dtype:
            # map_ names its argument without the word, map2_ with it (PyTorch's messages)
            label = f"'{argument}'" if name == 'map_' else f"argument '{argument}'"
            raise TypeError(f'{name}: expected {_type_name(self)} for {label} (got '
                            f'{_type_name(other)})')


def _type_name(tensor):
    """'microtorch.FloatTensor': x.type() as PyTorch's messages print it, ours named."""
    return 'micro' + tensor.type()


def _elements(tensor, shape):
    """tensor's elements broadcast to shape, as a flat Python list (its expand error)."""
    return F.expand(tensor, shape).detach().reshape(-1).tolist()


def _map_elements(self, over):
    """self's elements replaced by over(its elements as a flat list); all are computed
    before any is written, so a callable that raises changes nothing."""
    values = over(self._data.reshape(-1).tolist())
    self._data[...] = np.asarray(values, dtype=self._data.dtype).reshape(self._data.shape)
    self._version_counter[0] += 1
    return self


Tensor.apply_ = _apply_
Tensor.map_ = _map_
Tensor.map2_ = _map2_


def _tensor_forms():
    from . import _top_level as T
    for name in ('cholesky_inverse', 'triangular_solve', 'unsafe_chunk', 'unsafe_split',
                 'unsafe_split_with_sizes', 'nonzero_static'):
        setattr(Tensor, name, getattr(T, name))


_tensor_forms()


# ---- as_strided_ ---------------------------------------------------------------------------

_as_strided_view = _inplace_view(SL.as_strided)


def _as_strided_(self, size, stride, storage_offset=None):
    """self becomes a view of its own storage with these sizes and element strides (from
    storage_offset, self's own by default), as PyTorch's as_strided_."""
    owner = None
    if self._base is None:
        # self owned its storage: an alias keeps it, whole and dense, for self to be a view of
        # (so storage_offset and later as_strided calls still see the whole storage)
        owner = Tensor._make(self._data, False, None, 0, self._version_counter)
    _as_strided_view(self, size, stride, storage_offset)
    if owner is not None:
        self._base = owner
    return self


Tensor.as_strided_ = _as_strided_


# ---- memory: pinned and shared ---------------------------------------------------------------

def _deprecated_device_argument(method, device):
    if device is not None:
        import warnings
        from ._caller import user_stacklevel
        warnings.warn(f"The argument 'device' of Tensor.{method}() is deprecated. Please do "
                      'not pass this argument.', DeprecationWarning, stacklevel=user_stacklevel())


def _is_pinned(self, device=None):
    """Whether self lives in page-locked host memory (only pin_memory puts it there, and only
    with CUDA through CuPy)."""
    _deprecated_device_argument('is_pinned', device)
    from . import backends
    if self.device.type != 'cpu' or backends.cuda_unavailable_reason() is not None:
        return False
    from .backends import cuda as _cuda
    pinned, array = _cuda.cp.cuda.PinnedMemoryPointer, self._data
    while array is not None:                 # the buffer at the end of the array's bases
        if isinstance(array, pinned):
            return True
        array = getattr(array, 'base', getattr(array, 'obj', None))
    return False


def _pin_memory(self, device=None):
    """A copy of self in page-locked host memory (self if it is there already), which CUDA
    copies from asynchronously. Without CUDA there is no such memory: PyTorch's error."""
    _deprecated_device_argument('pin_memory', device)
    from . import backends
    from ._device import device as _device
    if device is not None and _device(device).type == 'cpu':
        raise RuntimeError('CPU device type not an accelerator.')
    if backends.cuda_unavailable_reason() is not None:
        raise RuntimeError('Cannot access accelerator device when none is available.')
    if self.device.type != 'cpu':
        raise RuntimeError(f"cannot pin '{_type_name(self)}' only dense CPU tensors can be "
                           'pinned')
    if _is_pinned(self):
        return self
    import cupyx
    buffer = cupyx.empty_pinned(self._data.shape, self._data.dtype)
    buffer[...] = self._data
    return Tensor._make(buffer, self._requires_grad and _grad_state.enabled)


def _share_memory_(self):
    """self, unchanged. PyTorch moves a CPU tensor's storage into shared memory here so that
    worker processes see its writes; microtorch has no multiprocessing support that passes
    tensors to other processes, so nothing moves and is_shared() stays False (the truth)."""
    return self


Tensor.is_pinned = _is_pinned
Tensor.pin_memory = _pin_memory
Tensor.share_memory_ = _share_memory_
Tensor.is_shared = lambda self: False


# ---- the deprecated factorisations as methods ------------------------------------------------

def _linalg():
    from . import linalg
    return linalg


Tensor.lu = lambda self, pivot=True, get_infos=False: _linalg().legacy_lu(self, pivot,
                                                                          get_infos)
Tensor.lu_solve = lambda self, LU_data, LU_pivots: _linalg().legacy_lu_solve(self, LU_data,
                                                                             LU_pivots)
Tensor.cholesky = lambda self, upper=False: _linalg().legacy_cholesky(self, upper)
