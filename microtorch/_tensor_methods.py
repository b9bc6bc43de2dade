"""Tensor methods: the op functions bound as methods, the operators, devices, and in-place ops.

In-place ops compute their result out of place, check it (shape, dtype cast, writability),
and only then write it into the tensor's storage: a failed in-place op changes nothing.
"""
import functools

import numpy as np

from . import _dtype
from . import _legacy_types
from . import backends
from ._device import device as _device
from .autograd.function import current_grad_fn
from .autograd.grad_mode import state as _grad_state, no_grad
from .autograd.small_apply import apply_with_numbers as _with_numbers, apply_to_pair as _to_pair
from .ops import composite as C
from .ops import functional as F
from .ops import numeric as N
from .ops import special as S
from .ops import special_more as SM
from .ops.indexing import (op_for as _index_op, split_int_selects as _split_int_selects,
                           write_op_for as _write_op_for, Select, Slice, UnsqueezeIndex,
                           AsStrided, CopySlices, CopyWhole, FillNumber, FillWhole, Zero)
from .tensor import Tensor

# Methods that are the functional op with the tensor as first argument.
for _name in ('add', 'sub', 'mul', 'div', 'pow', 'neg', 'exp', 'log', 'sqrt', 'sin', 'cos',
              'tanh', 'sigmoid', 'relu', 'reciprocal', 'abs', 'clamp', 'clip', 'maximum',
              'minimum', 'sum', 'mean', 'var', 'std', 'max', 'min', 'amax', 'amin', 'argmax',
              'argmin', 'logsumexp', 'softmax', 'log_softmax', 'matmul', 'mm', 'bmm', 'dot',
              'reshape', 'view', 'flatten', 'squeeze', 'unsqueeze', 'transpose', 't',
              'permute', 'expand', 'sum_to_size', 'contiguous', 'clone', 'split', 'chunk',
              'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logical_not', 'isnan', 'isinf',
              'isfinite', 'isclose', 'allclose', 'equal', 'all', 'any', 'gather',
              'bitwise_and', 'bitwise_or', 'bitwise_xor', 'bitwise_not', 'logical_and',
              'logical_or', 'logical_xor', 'log1p', 'expm1', 'log2', 'log10', 'rsqrt', 'tan',
              'square', 'sign', 'floor', 'ceil', 'trunc', 'fix', 'round', 'floor_divide',
              'remainder', 'fmod', 'masked_fill', 'narrow', 'unbind', 'repeat', 'prod',
              'cumsum', 'norm', 'flip', 'tril', 'triu', 'index_select', 'outer', 'diagonal',
              'diag', 'trace', 'masked_select', 'nonzero', 'argwhere', 'addmm', 'clamp_min',
              'clamp_max', 'sort', 'argsort', 'msort', 'topk', 'broadcast_to', 'tile', 'roll',
              'lerp', 'logaddexp', 'hypot', 'median', 'kthvalue', 'repeat_interleave', 'sinh',
              'cosh', 'asin', 'acos', 'atan', 'asinh', 'acosh', 'atanh', 'arcsin', 'arccos',
              'arctan', 'arcsinh', 'arccosh', 'arctanh', 'atan2', 'arctan2', 'unique',
              'scatter', 'scatter_add', 'scatter_reduce', 'index_add', 'index_copy',
              'index_fill', 'take', 'take_along_dim', 'select', 'masked_scatter', 'erf', 'exp2',
              'frac'):
    setattr(Tensor, _name, getattr(F, _name))
del _name

Tensor.subtract, Tensor.multiply, Tensor.divide, Tensor.true_divide = F.sub, F.mul, F.div, F.div
# x.broadcast_to(2, 3) works as x.expand(2, 3) (torch.broadcast_to takes one size)
Tensor.broadcast_to = F.expand

# Methods that are composite ops (ops/composite.py), and their in-place forms.
for _name in ('addcmul', 'addcdiv', 'deg2rad', 'rad2deg', 'nan_to_num', 'nansum', 'nanmean',
              'count_nonzero', 'dist', 'mv', 'inner', 'movedim', 'swapaxes', 'fliplr',
              'flipud', 'rot90', 'tensor_split', 'diff'):
    setattr(Tensor, _name, getattr(C, _name))
Tensor.moveaxis, Tensor.swapdims = C.movedim, C.swapaxes
for _name in ('logit', 'sinc', 'logaddexp2', 'aminmax', 'bincount', 'ravel', 'sgn', 'positive'):
    setattr(Tensor, _name, getattr(N, _name))
Tensor.det = lambda self: _linalg().det(self)
Tensor.logdet = lambda self: _linalg().logdet(self)
Tensor.inverse = lambda self: _linalg().inv(self)
Tensor.matrix_power = lambda self, n: _linalg().matrix_power(self, n)
Tensor.slogdet = lambda self: _linalg().signed_log_det(self, 'slogdet')
Tensor.cholesky_solve = lambda self, L, upper=False: _linalg().cholesky_solve(self, L, upper)
Tensor.svd = lambda self, some=True, compute_uv=True: _linalg().legacy_svd(self, some,
                                                                          compute_uv)
Tensor.qr = lambda self, some=True: _linalg().legacy_qr(self, some)
Tensor.pinverse = lambda self, rcond=1e-15: _linalg().pinverse(self, rcond)
Tensor.matrix_exp = lambda self: _linalg().matrix_exp(self)
Tensor.orgqr = lambda self, input2: _linalg().householder_product(self, input2)


def _linalg():
    from . import linalg          # (it imports the ops, which import this module)
    return linalg
for _name in ('cumprod', 'cummax', 'cummin', 'logcumsumexp', 'histc', 'unique_consecutive',
              'kron', 'cross', 'diag_embed', 'diagflat', 'vdot', 'xlogy', 'float_power', 'fmax',
              'fmin', 'heaviside', 'renorm', 'baddbmm', 'unflatten', 'cov', 'corrcoef'):
    setattr(Tensor, _name, getattr(C, _name))
Tensor.ndimension = Tensor.dim
Tensor.negative, Tensor.absolute, Tensor.greater, Tensor.less = F.neg, F.abs, F.gt, F.lt


def _where(self, condition, other):
    return F.where(condition, self, other)


Tensor.where = _where


# ---- operators ---------------------------------------------------------------------------

def _operator(op, general=None, refuses_bool=False):
    """The operator method of a binary op: the common cases go straight to the op, the rest
    to `general` (default: _binary's promotion and checks). refuses_bool: bool tensors take
    `general`, for its error."""
    general = general or functools.partial(_binary, op)

    def method(self, other):
        if type(other) is float and self._data.dtype.kind == 'f':
            return _with_numbers(op, self, other)   # `y * 0.5`: _binary's first case, sooner
        if type(other) is Tensor and type(self._data) is _NUMPY_ARRAY and \
                type(other._data) is _NUMPY_ARRAY and self._data.dtype is other._data.dtype \
                and not (refuses_bool and self._data.dtype.kind == 'b'):
            try:                           # `x * w` on the CPU: nothing to promote or check
                return _to_pair(op, self, other)
            except ValueError:
                F.broadcast_shapes(self._data.shape, other._data.shape)   # PyTorch's error
                raise
        return general(self, other)
    return method


_NUMPY_ARRAY = np.ndarray


_binary = F._binary
Tensor.__add__ = Tensor.__radd__ = _operator(F.B.Add)
Tensor.__sub__ = _operator(F.B.Sub, F.sub, refuses_bool=True)
Tensor.__rsub__ = lambda self, other: F.sub(other, self)
Tensor.__mul__ = Tensor.__rmul__ = _operator(F.B.Mul)
Tensor.__truediv__ = F.div
Tensor.__rtruediv__ = lambda self, other: F.rdiv(self, other)
Tensor.__pow__ = F.pow
Tensor.__rpow__ = F.rpow
Tensor.__floordiv__ = F.floor_divide
Tensor.__rfloordiv__ = lambda self, other: F.floor_divide(other, self)
Tensor.__mod__ = F.remainder
Tensor.__rmod__ = lambda self, other: F.remainder(other, self)
Tensor.__matmul__ = F.matmul
Tensor.__rmatmul__ = lambda self, other: F.matmul(other, self)
Tensor.__neg__ = F.neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = F.abs
Tensor.__eq__ = F.eq
Tensor.__ne__ = F.ne
Tensor.__lt__ = F.lt
Tensor.__le__ = F.le
Tensor.__gt__ = F.gt
Tensor.__ge__ = F.ge
Tensor.__and__ = Tensor.__rand__ = F.bitwise_and
Tensor.__or__ = Tensor.__ror__ = F.bitwise_or
Tensor.__xor__ = Tensor.__rxor__ = F.bitwise_xor
Tensor.__invert__ = F.invert
Tensor.__getitem__ = F.getitem
Tensor.__hash__ = object.__hash__


@property
def _transposed(self):
    return self.permute(*reversed(range(self.ndim)))      # a view at any ndim, as in PyTorch


@property
def _matrix_transposed(self):
    if self.ndim < 2:
        raise RuntimeError('tensor.mT is only supported on matrices or batches of matrices. '
                           f'Got {self.ndim}-D tensor.')
    return self.transpose(-2, -1)


Tensor.T = _transposed
Tensor.mT = _matrix_transposed


def _view_as(self, other):
    F._require_tensor(other, 'view_as', 'other')
    return self.view(other.shape)


def _reshape_as(self, other):
    F._require_tensor(other, 'reshape_as', 'other')
    return self.reshape(other.shape)


def _expand_as(self, other):
    F._require_tensor(other, 'expand_as', 'other')
    return self.expand(other.shape)


def _type_as(self, other):
    F._require_tensor(other, 'type_as', 'other')
    return F.cast(self, other.dtype)


Tensor.view_as, Tensor.reshape_as, Tensor.expand_as = _view_as, _reshape_as, _expand_as


# ---- dtype and device --------------------------------------------------------------------

def _to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """to(dtype), to(device), to(device, dtype), to(other_tensor): differentiable."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype, device = arg.dtype, arg.device
        elif isinstance(arg, _dtype.dtype) or arg in (float, int, bool):
            dtype = arg
        elif arg is not None:
            device = arg
    out = self
    if dtype is not None:
        out = F.cast(out, _dtype.to_dtype(dtype))
    if device is not None:
        target = _device(device)
        if target.type == 'cuda' and target.index is None:     # 'cuda': the current GPU
            target = backends.for_device(target).current_device()
        if target != out.device:
            out = _ToDevice.apply(out, target)
    if copy and out is self:
        out = out.clone()
    return out


Tensor.to = _to


Tensor.float = lambda self: F.cast(self, _dtype.float32)
Tensor.double = lambda self: F.cast(self, _dtype.float64)
Tensor.long = lambda self: F.cast(self, _dtype.int64)
Tensor.int = lambda self: F.cast(self, _dtype.int32)
Tensor.bool = lambda self: F.cast(self, _dtype.bool_)
Tensor.half = lambda self: F.cast(self, _dtype.float16)
Tensor.short = lambda self: F.cast(self, _dtype.int16)
Tensor.char = lambda self: F.cast(self, _dtype.int8)
Tensor.byte = lambda self: F.cast(self, _dtype.uint8)
Tensor.type_as = _type_as
Tensor.cpu = lambda self: _to(self, device='cpu')
Tensor.cuda = lambda self, device=None: _to(
    self, device='cuda' if device is None else (f'cuda:{device}' if isinstance(device, int)
                                                  else device))


# PyTorch's legacy tensor-type names: x.type() -> 'torch.FloatTensor', x.type(name) casts
_TYPE_NAMES = _legacy_types.NAMES
_DTYPE_OF_TYPE_NAME = {name: dt for dt, name in _TYPE_NAMES.items()}
_DTYPE_OF_TYPE_NAME['Tensor'] = 'float32'          # 'torch.Tensor': the default type


def _type(self, dtype=None, non_blocking=False):
    if dtype is None:
        prefix = 'torch.' if self.device.type == 'cpu' else 'torch.cuda.'
        return prefix + _TYPE_NAMES[self.dtype.name]
    if isinstance(dtype, _legacy_types._LegacyType):          # x.type(microtorch.ByteTensor)
        return _to(self, dtype=dtype.dtype, device=dtype._device_type)
    if not isinstance(dtype, str):
        return _to(self, dtype=dtype)
    parts = dtype.split('.')
    if len(parts) not in (2, 3) or parts[0] not in ('torch', 'microtorch') or \
            parts[-1] not in _DTYPE_OF_TYPE_NAME or (len(parts) == 3 and parts[1] != 'cuda'):
        raise ValueError(f"invalid type: '{dtype}'")
    device = 'cuda' if len(parts) == 3 else 'cpu'
    return _to(self, dtype=_dtype.to_dtype(_DTYPE_OF_TYPE_NAME[parts[-1]]), device=device)


Tensor.type = _type


def _new_factory(make):
    """x.new_zeros(...) and kin: a tensor made by `make`, in x's dtype and on x's device
    unless the call says otherwise; never on x's graph."""
    def method(self, *args, dtype=None, device=None, requires_grad=False, **kwargs):
        return make(*args, dtype=self.dtype if dtype is None else dtype,
                    device=self.device if device is None else device,
                    requires_grad=requires_grad, **kwargs)
    return method


def _init_creation_methods():
    from . import creation as C
    Tensor.new_zeros = _new_factory(C.zeros_of_shape)
    Tensor.new_ones = _new_factory(C.ones)
    Tensor.new_empty = _new_factory(C.empty)
    Tensor.new_full = _new_factory(C.full)
    Tensor.new_tensor = _new_factory(C.tensor)

    def new(self, *args, device=None):
        """The legacy `x.new(...)`: data or a shape, in x's dtype and on x's device."""
        return Tensor._make(C.legacy_tensor_data(args, None, device or self.device,
                                                 self.dtype))
    Tensor.new = new


_init_creation_methods()

from .autograd.function import Function as _Function   # noqa: E402


class _ToDevice(_Function):
    """Copy to another device; the gradient goes back to the input's device."""
    node_name = 'ToCopyBackward0'

    @staticmethod
    def forward(ctx, x, target):
        source = backends.for_array(x)
        ctx.source_device = source.device_of(x)
        return backends.for_device(target).from_host(source.to_host(x), target)

    @staticmethod
    def backward(ctx, gy):
        return _ToDevice.apply(gy, ctx.source_device), None


# ---- in-place ops ------------------------------------------------------------------------

_LEAF_MESSAGE = 'a leaf Variable that requires grad is being used in an in-place operation.'
_VIEW_OF_LEAF_MESSAGE = 'a view of ' + _LEAF_MESSAGE


def _records(self, args):
    return _grad_state.enabled and (self._requires_grad or any(
        isinstance(a, Tensor) and a._requires_grad for a in args))


_NO_GRAD_VIEW_MESSAGE = (
    'created in no_grad mode and is being modified inplace with grad mode enabled. Given that '
    "this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
    "moving both the view and the inplace either both inside the no_grad block (if you don't "
    'want the inplace to be tracked) or both outside (if you want the inplace to be tracked).')


def _check_no_grad_view(self, recording, op_name=None):
    """PyTorch's refusal of an in-place op, recorded or on a base that requires grad, on a
    view taken in no_grad mode (or a view of one): whether the write should reach the base's
    graph is ambiguous. op_name: the view op `self[index] = v` goes through, as PyTorch names
    it."""
    made_in_no_grad = getattr(self, '_no_grad_view', None)
    if made_in_no_grad is None or not _grad_state.enabled or not (
            recording or self._base._requires_grad):
        return
    if made_in_no_grad is True and op_name is None:
        raise RuntimeError('A view was ' + _NO_GRAD_VIEW_MESSAGE)
    op_name = op_name or made_in_no_grad
    raise RuntimeError(f'Output 0 of {op_name} is a view of a view which was '
                       + _NO_GRAD_VIEW_MESSAGE)


def _check_writable(self, recording):
    if recording and self._requires_grad and self._grad_fn is None:
        raise RuntimeError(_LEAF_MESSAGE)
    base = self._base
    if base is not None:
        _check_no_grad_view(self, recording)
    if recording and base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(_VIEW_OF_LEAF_MESSAGE)
    if recording and base is not None and _is_split_output(self):
        op = self._grad_fn.name()[:-len('Backward0')]
        raise RuntimeError(f'Output {self._output_nr} of {op} is a view and is being modified '
                           'inplace. This view is the output of a function that returns '
                           'multiple views. Such functions do not allow the output views to be '
                           'modified inplace. You should replace the inplace operation by an '
                           'out-of-place one.')
    _check_memory_writable(self)


def _check_memory_writable(self):
    writeable = getattr(self._data.flags, 'writeable', None)
    if writeable is None:       # CuPy has no such flag: a broadcast (stride 0) view is not
        writeable = all(s or n == 1 for n, s in zip(self._data.shape, self._data.strides))
    if not writeable:
        raise RuntimeError('unsupported operation: more than one element of the written-to '
                           'tensor refers to a single memory location. Please clone() the '
                           'tensor before performing the operation.')


def _is_split_output(view):
    node = view._grad_fn
    return node is not None and node._view_args is not None and node._n_outputs > 1


def _snapshot(self):
    """A copy of self standing in for its old value in the graph (PyTorch's original_self):
    ops that save their input keep this, not the storage about to be overwritten."""
    out = Tensor._make(self._data.copy(), self._requires_grad, current_grad_fn(self),
                       self._output_nr)
    return out


def _write_through_base(view, result):
    """A recorded in-place op on a view: the base takes the history `base[where the view
    is] = result` (an index_put, as PyTorch's CopySlices), and the view, whose memory that
    writes, takes result's."""
    base = view._base
    if result.dtype is not view.dtype:
        result = F.cast(result, view.dtype)
    where = F.normalize_index(base, _index_in_base(view))
    _setitem(base, where, result, CopySlices)
    # The view's elements now come from the base's new history (PyTorch: AsStridedBackward0)
    read_again = AsStrided.apply(base, where)
    view._grad_fn, view._output_nr = read_again._grad_fn, read_again._output_nr
    view._requires_grad = read_again._requires_grad
    return view


def _index_in_base(view):
    """Integer index tensors that pick, from the base, the elements the view shows, in the
    view's shape: found by where each element sits in the base's memory."""
    base_data, data = view._base._data, view._data
    start = (_address(data) - _address(base_data)) // data.itemsize
    in_view = _element_offsets(data, start)
    if base_data.flags.c_contiguous:
        flat = in_view                        # the offset is the base's flat index
    else:                                     # look the offsets up in the base's layout
        in_base = _element_offsets(base_data, 0)
        low = int(in_base.min())
        lookup = np.empty(int(in_base.max()) - low + 1, np.int64)
        lookup[(in_base - low).ravel()] = np.arange(base_data.size)
        flat = lookup[in_view - low]
    backend = backends.for_array(base_data)
    device = backend.device_of(base_data)
    return tuple(Tensor._make(backend.from_host(i, device))
                 for i in np.unravel_index(flat, base_data.shape))


def _element_offsets(array, start):
    """Each element's place in memory, in elements from `start`, from the array's strides."""
    offsets = np.full(array.shape, start, np.int64)
    for axis, (n, stride) in enumerate(zip(array.shape, array.strides)):
        shape = [1] * array.ndim
        shape[axis] = n
        offsets += (np.arange(n, dtype=np.int64) * (stride // array.itemsize)).reshape(shape)
    return offsets


def _address(array):
    """Where an array's first element sits in memory (NumPy and CuPy)."""
    pointer = getattr(array.data, 'ptr', None)
    return array.__array_interface__['data'][0] if pointer is None else pointer


def _data_ptr(self):
    """The address of the tensor's first element (host or device memory)."""
    return _address(self._data)


Tensor.data_ptr = _data_ptr


def _write(self, result, recording):
    """Store `result` (already checked) into self and, when recording, take its history."""
    if recording and result.dtype is not self.dtype:
        result = F.cast(result, self.dtype)
    self._data[...] = result._data
    self._version_counter[0] += 1
    if recording:
        self._grad_fn = result._grad_fn
        self._output_nr = result._output_nr
        self._requires_grad = result._requires_grad
    return self


def _inplace(self, op, *args, check_cast=True):
    """self = op(self, *args), in place, with PyTorch's checks and errors."""
    recording = _records(self, args)
    _check_writable(self, recording)
    source = _snapshot(self) if recording else self     # ops may save self: keep its value
    if recording:
        result = op(source, *args)
    else:
        with no_grad():
            result = op(source, *args)
    if result is NotImplemented:
        return NotImplemented
    if result._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f'shape {list(result.shape)}')
    if check_cast and not _dtype.can_cast(result.dtype, self.dtype):
        raise RuntimeError(f"result type {F.type_name(result.dtype)} can't be cast to the "
                           f'desired output type {F.type_name(self.dtype)}')
    if recording and self._base is not None:
        return _write_through_base(self, result)
    return _write(self, result, recording)


def _inplace_method(op):
    def method(self, *args, **kwargs):
        return _inplace(self, lambda s, *a: op(s, *a, **kwargs), *args)
    return method


Tensor.add_ = _inplace_method(F.add)
Tensor.sub_ = _inplace_method(F.sub)
Tensor.mul_ = _inplace_method(F.mul)
Tensor.div_ = _inplace_method(F.div)
Tensor.pow_ = _inplace_method(F.pow)
Tensor.clamp_ = _inplace_method(F.clamp)
Tensor.clip_ = Tensor.clamp_
Tensor.neg_ = _inplace_method(F.neg)
Tensor.exp_ = _inplace_method(F.exp)
Tensor.relu_ = _inplace_method(F.relu)
Tensor.sigmoid_ = _inplace_method(F.sigmoid)
Tensor.tanh_ = _inplace_method(F.tanh)
for _name in ('abs', 'log', 'sqrt', 'sin', 'cos', 'reciprocal', 'log1p', 'expm1', 'log2',
              'log10', 'rsqrt', 'tan', 'square', 'sign', 'floor', 'ceil', 'trunc', 'fix',
              'round', 'floor_divide', 'remainder', 'fmod', 'masked_fill', 'tril', 'triu',
              'clamp_min', 'clamp_max', 'scatter', 'scatter_add', 'scatter_reduce', 'index_add',
              'index_copy', 'index_fill', 'masked_scatter', 'erf', 'exp2', 'frac'):
    setattr(Tensor, _name + '_', _inplace_method(getattr(F, _name)))
del _name
for _name in ('addcmul', 'addcdiv', 'deg2rad', 'rad2deg', 'nan_to_num'):
    setattr(Tensor, _name + '_', _inplace_method(getattr(C, _name)))
del _name
for _name in ('cumprod', 'xlogy', 'heaviside', 'renorm', 'baddbmm'):
    setattr(Tensor, _name + '_', _inplace_method(getattr(C, _name)))
del _name
Tensor.absolute_ = Tensor.abs_

# The special functions (ops/special.py) and their in-place forms.
for _name in ('lgamma', 'digamma', 'erfinv', 'erfc', 'i0'):
    setattr(Tensor, _name, getattr(S, _name))
    setattr(Tensor, _name + '_', _inplace_method(getattr(S, _name)))
del _name
Tensor.polygamma, Tensor.mvlgamma = S.polygamma_method, S.mvlgamma_method
Tensor.polygamma_ = _inplace_method(S.polygamma_method)
Tensor.mvlgamma_ = _inplace_method(S.mvlgamma_method)
Tensor.igamma, Tensor.igammac = SM.igamma_method, SM.igammac_method
Tensor.igamma_ = _inplace_method(SM.igamma_inplace)
Tensor.igammac_ = _inplace_method(SM.igammac_inplace)


def _augmented(op):
    """`x += y` is in place, as in PyTorch (`w -= lr * w.grad` updates w's storage)."""
    def method(self, other):
        return _inplace(self, op, other)
    return method


Tensor.__iadd__ = _augmented(F.add)
Tensor.__isub__ = _augmented(F.sub)
Tensor.__imul__ = _augmented(F.mul)
Tensor.__itruediv__ = _augmented(F.div)
Tensor.__ifloordiv__ = _augmented(F.floor_divide)
Tensor.__imod__ = _augmented(F.remainder)
Tensor.__ipow__ = _augmented(F.pow)


_VIEW_INDEX_OPS = (Select, Slice, UnsqueezeIndex)


def _index_arrays_agree(index):
    """Whether index holds integer index arrays, and they broadcast (else indexing names the
    mismatch first)."""
    arrays = [part for part in index
              if getattr(part, 'dtype', None) is not None and part.dtype.kind in 'iu']
    if not arrays:
        return False
    try:
        np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        return False
    return True


def _setitem(self, index, value, op=None):
    """self[index] = value, in place; recorded when self or value requires grad. op: the
    IndexPut that names the recorded write (by default PyTorch's name for a setitem)."""
    if isinstance(value, Tensor):
        F.check_same_device(self, value)
    elif type(value) is int or type(value) is float and self._data.dtype != np.float16:
        value = _dtype.checked_scalar(value, self._data.dtype)   # PyTorch's half lets inf in
    # Its warning skips normalize_index, this function and __setitem__ to the user's line.
    index = F.normalize_index(self, index, stacklevel=4)
    if isinstance(value, Tensor) and value.dtype is not self.dtype and _index_arrays_agree(
            index):                    # an integer index: PyTorch's index_put, no casting
        raise RuntimeError('Index put requires the source and destination dtypes match, got '
                           f'{F.type_name(self.dtype)} for the destination and '
                           f'{F.type_name(value.dtype)} for the source.')
    two_steps = _split_int_selects(index)
    if two_steps is not None:            # write through the view the ints select, as PyTorch
        _setitem(F.getitem(self, two_steps[0]), two_steps[1], value)
        return self
    recording = _records(self, (value,))
    view_op = _index_op(index, self.shape)
    if recording and self._requires_grad and self._grad_fn is None and \
            view_op in _VIEW_INDEX_OPS:
        raise RuntimeError(_VIEW_OF_LEAF_MESSAGE)   # x[0] = v writes through a view, as PyTorch
    if self._base is not None and self._base._requires_grad and view_op in _VIEW_INDEX_OPS:
        _check_no_grad_view(self, recording, view_op._node_cls.__name__[:-len('Backward0')])
    _check_writable(self, recording)
    if recording:
        op = op or _write_op_for(index, self._data.shape, value)
        _inplace(self, lambda x, i, v: F.index_put(x, i, v, op), index, value,
                 check_cast=False)
        return self
    # The common case (masks, zero_(), updates under no_grad): write straight into storage.
    data = self._data
    try:
        backends.for_array(data).setitem(data, index, value._data if isinstance(value, Tensor)
                                         else value)
    except IndexError as error:
        raise F._index_error(error, self, index) from None
    except (ValueError, TypeError):        # NumPy's TypeError: a mask's values misshaped
        raise F.setitem_shape_error(self, index, value) from None
    self._version_counter[0] += 1
    return self


def _fill_(self, value, op=None):
    if type(value) in (int, float, bool) and not (_grad_state.enabled and self._requires_grad):
        # the common case (the seeds' `w.grad.data.zero_()`): no index to parse, one fill
        if self._base is not None:
            _check_no_grad_view(self, False)
        value = value if value == 0 else _dtype.checked_scalar(value, self._data.dtype)
        if type(self._data) is not np.ndarray:
            _check_memory_writable(self)
        try:
            self._data.fill(value)
        except ValueError:          # NumPy's read-only array (asked only then: reading
            _check_memory_writable(self)    # `flags` cost the scalar step ~0.4 us)
            raise
        self._version_counter[0] += 1
        return self
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError('fill_ only supports 0-dimension value tensor but got tensor '
                           f'with {value.ndim} dimensions.')
    return _setitem(self, Ellipsis, value,
                    op or (FillWhole if isinstance(value, Tensor) else FillNumber))


def _zero_(self):
    return _fill_(self, 0, Zero)


def _copy_(self, src, non_blocking=False):
    if not isinstance(src, Tensor):
        raise TypeError("copy_(): argument 'other' (position 1) must be Tensor, not "
                        f'{type(src).__name__}')
    if src.device != self.device:
        src = src.to(self.device)
    F.broadcast_shapes(self._data.shape, src._data.shape)
    if len(src.shape) > self.ndim or F.broadcast_shapes(self._data.shape, src._data.shape) \
            != self._data.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast "
                           f'shape {list(src.shape)}')
    return _setitem(self, Ellipsis, src, CopyWhole)


def _assigned_type_name(value):
    """The type's name as CPython's tp_name gives it: 'list', 'numpy.ndarray', 'Fraction'."""
    kind = type(value)
    heap_type = kind.__flags__ & (1 << 9)            # a class written in Python
    if heap_type or kind.__module__ == 'builtins':
        return kind.__name__
    return f'{kind.__module__}.{kind.__name__}'


def _index_setitem(self, index, value):
    if isinstance(value, Tensor):
        # PyTorch drops the value's leading 1-sized dims: x[i] = model(v) with shape [1] works
        leading = 0
        while leading < value.ndim and value.shape[leading] == 1:
            leading += 1
        if leading:
            value = value.reshape(value.shape[leading:])
    elif not isinstance(value, (int, float, complex, np.integer)) or \
            isinstance(value, np.bool_):
        raise TypeError(f"can't assign a {_assigned_type_name(value)} to a "
                        f'micro{self.type()}')
    _setitem(self, index, value)


Tensor.fill_ = _fill_
Tensor.zero_ = _zero_
Tensor.copy_ = _copy_
Tensor.__setitem__ = _index_setitem
