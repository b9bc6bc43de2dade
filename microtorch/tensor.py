"""`Tensor`: a backend array plus what autograd needs to know about it.

The array (`_data`) is a NumPy array on the CPU or a CuPy array on a GPU; its type picks the
backend. Everything an op does lives in `ops/`; this module holds state, properties and the
Python protocol (numbers, printing, iteration), and binds the op functions as methods.
"""
import warnings

from . import _dtype
from . import backends as _backends
from ._device import CPU
from ._size import Size, wrap_dim
from .autograd.function import PostAccumulateKey, accumulator_of, current_grad_fn
from .autograd.grad_mode import is_grad_enabled

_NON_LEAF_GRAD_WARNING = (
    'The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad '
    'attribute won\'t be populated during autograd.backward(). If you indeed want the .grad '
    'field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. '
    'If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor '
    'instead.')

_SCALAR_OF_GRAD_TENSOR_WARNING = (
    'Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n'
    'Consider using tensor.detach() first.')
_scalar_warning_given = [False]


def warn_scalar_of_grad_tensor(stacklevel):
    """PyTorch's warning, once per process, when float() reads a tensor that requires grad
    (not under no_grad: LBFGS reads its closure's loss so)."""
    if not _scalar_warning_given[0] and is_grad_enabled():
        _scalar_warning_given[0] = True
        warnings.warn(_SCALAR_OF_GRAD_TENSOR_WARNING, UserWarning, stacklevel=stacklevel + 1)


class Tensor:
    # `_no_grad_view` is set only on a view taken while grad mode was off (True), or on a view
    # of such a view (its op's name); other tensors never set it, so read it with getattr.
    __slots__ = ('_data', '_requires_grad', '_grad', '_grad_fn', '_output_nr',
                 '_version_counter', '_base', '_hooks', '_accumulator', '_no_grad_view',
                 '__weakref__')
    # Above NumPy's own: `np.float64(3) * t` and `array * t` call Tensor's reflected operator
    # (as PyTorch's tensors do) instead of NumPy turning t into an array and dropping the graph.
    __array_priority__ = 1000

    # ---- construction -------------------------------------------------------------------

    def __init__(self, *args, dtype=None, device=None):
        """Legacy constructor, as `torch.Tensor(...)`: float32 data from a sequence or an
        array, or an uninitialised tensor of a shape: `Tensor([1.0])`, `Tensor(2, 3)`."""
        from .creation import legacy_tensor_data
        data = legacy_tensor_data(args, dtype, device)
        self._init(data, False, None, 0, [0])

    def _init(self, data, requires_grad, grad_fn, output_nr, counter):
        self._data = data
        self._requires_grad = requires_grad
        self._grad = None
        self._grad_fn = grad_fn
        self._output_nr = output_nr
        self._version_counter = counter
        self._base = None
        self._hooks = None
        self._accumulator = None

    @staticmethod
    def _make(data, requires_grad=False, grad_fn=None, output_nr=0, counter=None):
        """Wrap a backend array without copying (the internal constructor)."""
        t = object.__new__(Tensor)
        t._data = data
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = grad_fn
        t._output_nr = output_nr
        t._version_counter = counter if counter is not None else [0]   # see function.py
        t._base = None
        t._hooks = None
        t._accumulator = None
        return t

    # ---- what the tensor is -------------------------------------------------------------

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        backend = _backends.for_array(self._data)
        return CPU if backend.name == 'cpu' else backend.device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == 'cuda'

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if not self._data.ndim and isinstance(dim, int):
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        from ._size import wrap_dim
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def is_floating_point(self):
        return self._data.dtype.kind == 'f'

    def is_contiguous(self):
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        """Steps in elements between neighbours along each dim (0 along an expanded one)."""
        data = self._data
        if not data.size:            # NumPy may give an empty array 0 steps; PyTorch row-major
            strides, step = [], 1
            for n in reversed(data.shape):
                strides.insert(0, step)
                step *= max(n, 1)
            strides = tuple(strides)
        else:
            strides = tuple(step // data.itemsize for step in data.strides)
        if dim is None:
            return strides
        if not strides:
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        return strides[wrap_dim(dim, len(strides))]

    def _backend_xp(self):
        """The array module of this tensor's backend (numpy or cupy)."""
        return _backends.for_array(self._data).xp

    @property
    def _version(self):
        return self._version_counter[0]

    # ---- autograd state -----------------------------------------------------------------

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and self._data.dtype.kind != 'f':     # PyTorch words each path differently
            raise RuntimeError('only Tensors of floating point and complex dtype can require '
                               'gradients')
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        requires_grad = bool(requires_grad)
        if self._grad_fn is not None and not requires_grad:
            raise RuntimeError('you can only change requires_grad flags of leaf variables. If '
                               'you want to use a computed variable in a subgraph that doesn\'t '
                               'require differentiation use var_no_grad = var.detach().')
        if requires_grad and self._data.dtype.kind != 'f':
            raise RuntimeError('only Tensors of floating point dtype can require gradients')
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return current_grad_fn(self)

    @property
    def grad(self):
        if self._grad_fn is not None and self._grad is None and not self._retains_grad():
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f'assigned grad expected to be a Tensor or None but got grad '
                                f'of type {type(value).__name__}')
            if value._data.shape != self._data.shape:
                raise RuntimeError(f'attempting to assign a gradient of size '
                                   f"'{list(value._data.shape)}' to a tensor of size "
                                   f"'{list(self._data.shape)}'. Please ensure that the "
                                   'gradient and the tensor are the same size')
            if value.dtype is not self.dtype:        # PyTorch's words, less its grad_dtype
                raise RuntimeError(                   # advice (microtorch has no grad_dtype)
                    'attempting to assign a gradient with dtype '
                    f"'{_dtype.c_type_name(value.dtype)}' to a tensor with grad_dtype "
                    f"'{_dtype.type_name(self.dtype)}'. The gradient must match the tensor's "
                    "grad_dtype (defaults to the tensor's dtype).")
            if value.device != self.device:
                raise RuntimeError('assigned grad has data located on a different device')
        self._grad = value

    def _retains_grad(self):
        node = self._grad_fn
        return bool(node is not None and node._retained and self._output_nr in node._retained)

    @property
    def retains_grad(self):
        return self._retains_grad()

    def retain_grad(self):
        """Keep this non-leaf's gradient in `.grad` after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        node = self._grad_fn
        if node is None:
            return
        import weakref
        if node._retained is None:
            node._retained = {}
            node._ends_chain = True
        node._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a handle whose remove() unregisters the hook."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               'gradient')
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
            key = object()
            hooks[key] = hook
            return _HookHandle(hooks, key)
        node = self._grad_fn
        if node._hooks is None:
            node._hooks = {}
            node._ends_chain = True
        hooks = node._hooks.setdefault(self._output_nr, [])
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) after a backward has accumulated into this leaf's `.grad` (to step
        an optimizer per parameter during backward, say). Returns a removable handle."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               'gradient')
        if self._grad_fn is not None:
            raise RuntimeError('post accumulate grad hooks cannot be registered on non-leaf '
                               'tensors')
        if self._hooks is None:
            self._hooks = {}
        key = PostAccumulateKey()
        self._hooks[key] = hook
        return _HookHandle(self._hooks, key)

    def _accumulator_node(self):
        return accumulator_of(self)

    def detach(self):
        """The same storage, cut from the graph (shares the version counter, as PyTorch). Not
        a view for autograd (PyTorch's `_base` is None too): an in-place op on it gives it a
        history of its own and leaves the graph of the tensor it came from alone."""
        return Tensor._make(self._data, False, None, 0, self._version_counter)

    def detach_(self):
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The same storage, invisible to autograd: writes through it bump no version."""
        return Tensor._make(self._data, False, None, 0, [0])

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f'data must be a Tensor, got {type(value).__name__}')
        self._data = value._data
        _autograd._function.data_rebinds[0] += 1    # saved inputs are read anew (function.py)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if (gradient is None and inputs is None and not create_graph
                and self._requires_grad):               # `loss.backward()`: the short way
            _autograd._engine.backward_from_scalar(self, bool(retain_graph))
            return
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ---- conversion to Python and NumPy -------------------------------------------------

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f'a Tensor with {self._data.size} elements cannot be converted '
                               'to Scalar')
        return _backends.for_array(self._data).to_host(self._data).reshape(()).item()

    def tolist(self):
        return _backends.for_array(self._data).to_host(self._data).tolist()

    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               'tensor.detach().numpy() instead.')
        if not force and _backends.for_array(self._data).name != 'cpu':
            raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                            'Tensor.cpu() to copy the tensor to host memory first.')
        return _backends.for_array(self._data).to_host(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self.detach().numpy()
        return array if dtype is None else array.astype(dtype)

    def _scalar(self, kind):
        if self._data.size != 1:
            raise ValueError('only one element tensors can be converted to Python scalars')
        return kind(self.item())

    def __float__(self):
        if self._requires_grad:
            warn_scalar_of_grad_tensor(stacklevel=2)
        return self._scalar(float)

    def __int__(self):
        return self._scalar(int)

    def __index__(self):
        if self._data.dtype.kind not in 'iub' or self._data.size != 1:
            raise TypeError('only integer tensors of a single element can be converted to an '
                            'index')
        return int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f'Boolean value of Tensor with '
                               f'{"no values" if self._data.size == 0 else "more than one value"}'
                               ' is ambiguous')
        return bool(self.item())

    def __format__(self, spec):
        # One-element tensors format as their number: '{:+.2f}'.format(w) works. A 0-d one
        # does even with no spec, as in PyTorch: f'{loss}' gives '0.25', not 'tensor(0.2500)'.
        # A Parameter formats as its repr, as in PyTorch (which checks for Tensor itself).
        if (spec or self._data.ndim == 0) and self._data.size == 1 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError('len() of a 0-d tensor')
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError('iteration over a 0-d tensor')
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self):
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self.detach().cpu().numpy().copy(), self._requires_grad))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError('Only Tensors created explicitly by the user (graph leaves) '
                               'support the deepcopy protocol at the moment.')
        out = Tensor._make(self._data.copy(), self._requires_grad)
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = out
        return out


def _rebuild(array, requires_grad):
    return Tensor._make(array, requires_grad)


class _HookHandle:
    def __init__(self, container, key):
        self._container = container
        self._key = key

    def remove(self):
        container = self._container
        if isinstance(container, dict):
            container.pop(self._key, None)
        elif self._key in container:
            container.remove(self._key)


def is_tensor(obj):
    return isinstance(obj, Tensor)


from .autograd import function as _function, small_apply as _small_apply  # noqa: E402
from . import autograd as _autograd  # noqa: E402
_function.Tensor = Tensor          # the tape wraps outputs without importing this module
_small_apply._make = Tensor._make
