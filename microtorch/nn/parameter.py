"""`Parameter`: a Tensor that a Module registers as a parameter when assigned to it."""
import weakref

from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor (requires_grad=True by default) sharing `data`'s storage.

    Ops on a Parameter return plain Tensors; only the object itself is a Parameter. (A Tensor
    subclass gets a __dict__ beside Tensor's slots: users may set attributes on parameters.)
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f'Parameter() expects a Tensor as data, got {type(data).__name__}')
        if requires_grad and not data.is_floating_point():        # PyTorch's wording here
            raise RuntimeError('Only Tensors of floating point and complex dtype can require '
                               'gradients')
        self = object.__new__(cls)
        self._init(data._data, False, None, 0, data._version_counter)
        if requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data=None, requires_grad=True):
        pass            # all done in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        memo[id(self)] = out
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        if self.__dict__:
            import copy
            out.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach(), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


# ---- lazy (uninitialised) parameters and buffers, and nn.Buffer ------------------------------

_USE_BEFORE_INIT = ('Attempted to use an uninitialized parameter in {}. This error happens '
                    'when you are using a `LazyModule` or explicitly manipulating '
                    '`microtorch.nn.parameter.{}` objects. When using LazyModules Call `forward` '
                    'with a dummy batch to initialize the parameters before calling torch '
                    'functions')

# What PyTorch lets an uninitialised tensor do (all else raises): ask its size and kind, and
# convert it (to(), float(), cuda(), ... give an empty tensor of the new type).
_ALLOWED_ON_UNINITIALIZED = {
    'size', 'copy_', 'is_complex', 'is_floating_point', 'half', 'float', 'double', 'char',
    'short', 'int', 'long', 'cuda', 'cpu', 'to', 'get_device',
    # Python's object protocol and the parameter's own machinery
    '__init__', '__new__', '__repr__', '__hash__', '__reduce_ex__', '__deepcopy__',
    '__setattr__', '__getattribute__', '__delattr__', '__dir__', '__init_subclass__',
    '__subclasshook__', '__class__', '__eq__', '__ne__', '__format__', '__sizeof__',
    '__reduce__', '__getstate__', '__setstate__', '__str__', '__array__', '__bool__',
    '__array_priority__', '__doc__', '__module__', '__slots__', '__weakref__',
}


def _use_before_init(name):
    """A Tensor method of an uninitialised tensor: raises PyTorch's ValueError."""
    shown = name.strip('_') if name.startswith('__') else name
    where = f"<method '{shown}' of 'microtorch.Tensor' objects>"

    def refuse(self, *args, **kwargs):
        raise ValueError(_USE_BEFORE_INIT.format(where, type(self).__name__))
    refuse.__name__ = name
    return refuse


class UninitializedTensorMixin:
    """An uninitialised tensor: its shape is not known until `materialize(shape)`, which gives
    it storage and turns it into `cls_to_become`. Until then only the methods PyTorch allows
    work; shape raises RuntimeError and any other method ValueError, as in PyTorch."""
    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Allocate (uninitialised) storage of `shape`, keeping device and dtype unless
        given, and become an ordinary Parameter or Tensor."""
        data = empty(shape, device=device if device is not None else Tensor.device.fget(self),
                     dtype=dtype if dtype is not None else Tensor.dtype.fget(self))
        self._data = data._data
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. "
                           'This error usually happens in `load_state_dict` when trying to '
                           'load an uninitialized parameter into an initialized one. Call '
                           '`forward` to initialize the parameters before accessing their '
                           'attributes.')

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           '`forward` to initialize the parameters before calling '
                           '`module.share_memory()`.')

    def __repr__(self):
        return f'<{type(self).__name__}>'

    def __reduce_ex__(self, protocol):
        return (type(self), (self._requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self._requires_grad, Tensor.device.fget(self),
                                        Tensor.dtype.fget(self))
        return memo[id(self)]


def _block_tensor_methods(mixin):
    """Give the mixin a refusing version of every Tensor method PyTorch does not allow."""
    own = set(vars(mixin))
    for name in dir(Tensor):
        value = getattr(Tensor, name, None)
        if name in own or name in _ALLOWED_ON_UNINITIALIZED or isinstance(value, property):
            continue
        if name.startswith('_') and not (name.startswith('__') and name.endswith('__')):
            continue                # private helpers: the library's own plumbing
        if callable(value) and not isinstance(value, type):
            setattr(mixin, name, _use_before_init(name))


_block_tensor_methods(UninitializedTensorMixin)


def is_lazy(param):
    """Whether param is an uninitialised parameter or buffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape a lazy module infers at its first forward."""
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        self = object.__new__(cls)
        data = empty(0, device=device, dtype=dtype)
        self._init(data._data, False, None, 0, data._version_counter)
        if requires_grad:
            Tensor.requires_grad_(self, True)
        return self

    def __init__(self, *args, **kwargs):
        pass            # all done in __new__


# persistent flag of each tensor made by Buffer(...) or UninitializedBuffer(...), by id: a
# plain Tensor has no room for attributes, so the mark lives here while the tensor lives.
_buffer_marks = {}


def _mark_buffer(t, persistent):
    key = id(t)
    _buffer_marks[key] = (weakref.ref(t, lambda _: _buffer_marks.pop(key, None)), persistent)
    return t


def buffer_persistence(t):
    """persistent of a tensor marked by Buffer(...), or None when it is not marked."""
    mark = _buffer_marks.get(id(t))
    if mark is None or mark[0]() is not t:
        return None
    return mark[1]


class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        if cls is Buffer:
            return isinstance(instance, Tensor) and buffer_persistence(instance) is not None
        return super().__instancecheck__(instance)


class Buffer(metaclass=_BufferMeta):
    """Buffer(data, persistent=True): marks a tensor as a buffer; assigned as a module
    attribute it is registered with register_buffer (persistent or not). Returns a detached
    Tensor (keeping requires_grad), as PyTorch's."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        out = data.detach().requires_grad_(data.requires_grad)
        return _mark_buffer(out, persistent)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape a lazy module infers at its first forward."""
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        self = object.__new__(cls)
        data = empty(0, device=device, dtype=dtype)
        self._init(data._data, False, None, 0, data._version_counter)
        if requires_grad:
            Tensor.requires_grad_(self, True)
        return _mark_buffer(self, persistent)

    def __init__(self, *args, **kwargs):
        pass

    @property
    def persistent(self):
        return buffer_persistence(self)
