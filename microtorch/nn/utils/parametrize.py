"""`microtorch.nn.utils.parametrize`: a parameter or buffer computed by modules from the
stored tensor (`register_parametrization`), as `torch.nn.utils.parametrize`.

After `register_parametrization(module, 'weight', P())` the module's class is a subclass
named 'Parametrized<Class>' whose `weight` is a property: reading it runs
`module.parametrizations.weight` (a ParametrizationList: P and any later parametrizations,
applied in order to `module.parametrizations.weight.original`); assigning to it stores
right_inverse(value) in `original`. State dict keys follow ('parametrizations.weight.original').
"""
from collections.abc import Sequence
from contextlib import contextmanager
import copy

from ...autograd.function import data_rebinds
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..modules.container import ModuleDict, ModuleList
from ..parameter import Parameter

_cache_depth = 0           # how many cached() blocks are open
_cache = {}                # (id(module), tensor_name) -> the tensor computed in them


@contextmanager
def cached():
    """Inside this block each parametrized tensor is computed once, at its first use."""
    global _cache_depth, _cache
    _cache_depth += 1
    try:
        yield
    finally:
        _cache_depth -= 1
        if not _cache_depth:
            _cache = {}


def _register_parameter_or_buffer(module, name, value):
    if isinstance(value, Parameter):
        module.register_parameter(name, value)
    else:
        module.register_buffer(name, value)


def _set_data(dest, src):
    """dest takes src's values (shape included), staying the same object: the set_ that
    PyTorch uses here. Graphs that saved dest see the write (its version moves on)."""
    if dest is src:
        return
    dest._data = src._data
    dest._version_counter[0] += 1
    data_rebinds[0] += 1


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, with the tensor they start from in `original`
    (or `original0`, `original1`, ... when the first right_inverse returns several)."""

    def __init__(self, modules, original, unsafe=False):
        if len(modules) == 0:
            raise ValueError('ParametrizationList requires one or more modules.')
        super().__init__(modules)
        self.unsafe = unsafe
        original_shape, original_dtype = original.shape, original.dtype
        with no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, 'right_inverse'):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError("'right_inverse' must return a Tensor or a Sequence of tensors "
                             f'(list, tuple...). Got {type(new).__name__}')
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        parts = [new] if self.is_tensor else list(new)
        if self.is_tensor:
            if original.dtype != new.dtype:
                raise ValueError('When `right_inverse` outputs one tensor, it may not change '
                                 f'the dtype.\noriginal.dtype: {original.dtype}\n'
                                 f'right_inverse(original).dtype: {new.dtype}')
            if original.device != new.device:
                raise ValueError('When `right_inverse` outputs one tensor, it may not change '
                                 f'the device.\noriginal.device: {original.device}\n'
                                 f'right_inverse(original).device: {new.device}')
        else:
            for i, part in enumerate(parts):
                if not isinstance(part, Tensor):
                    raise ValueError("'right_inverse' must return a Tensor or a Sequence of "
                                     'tensors (list, tuple...). Got element '
                                     f'{i} of the sequence with type {type(part).__name__}.')
        if not self.unsafe:
            # checked on what `original` will hold, before anything is stored: a refused
            # parametrization leaves the module's tensor as it was
            self._check_result(self._apply_all(parts), original_shape, original_dtype)
        if self.is_tensor:
            with no_grad():
                _set_data(original, new)
            _register_parameter_or_buffer(self, 'original', original)
        else:
            for i, part in enumerate(parts):
                if isinstance(original, Parameter):
                    part = Parameter(part, original.requires_grad)
                part.requires_grad_(original.requires_grad)
                _register_parameter_or_buffer(self, f'original{i}', part)

    @staticmethod
    def _check_result(value, original_shape, original_dtype):
        if not isinstance(value, Tensor):
            raise ValueError(f'A parametrization must return a tensor. Got '
                             f'{type(value).__name__}.')
        if value.dtype != original_dtype:
            raise ValueError('Registering a parametrization may not change the dtype of the '
                             'tensor, unless `unsafe` flag is enabled.\n'
                             f'unparametrized dtype: {original_dtype}\n'
                             f'parametrized dtype: {value.dtype}')
        if value.shape != original_shape:
            raise ValueError('Registering a parametrization may not change the shape of the '
                             'tensor, unless `unsafe` flag is enabled.\n'
                             f'unparametrized shape: {original_shape}\n'
                             f'parametrized shape: {value.shape}')

    def right_inverse(self, value):
        """Store what the parametrizations map to `value` (module.weight = value)."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, 'right_inverse'):
                    raise RuntimeError(f'parametrization {type(module).__name__} does not '
                                       'implement right_inverse.')
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError('`right_inverse` should return a tensor. Got '
                                     f'{type(value).__name__}')
                if value.dtype != self.original.dtype:
                    raise ValueError(f'The tensor returned by `right_inverse` has dtype '
                                     f'{value.dtype} while `original` has dtype '
                                     f'{self.original.dtype}')
                _set_data(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError("'right_inverse' must return a sequence of tensors. Got "
                                 f'{type(value).__name__}.')
            if len(value) != self.ntensors:
                raise ValueError("'right_inverse' must return a sequence of tensors of length "
                                 f'{self.ntensors}. Got a sequence of length {len(value)}.')
            originals = [getattr(self, f'original{i}') for i in range(self.ntensors)]
            for i, (part, original) in enumerate(zip(value, originals)):
                if not isinstance(part, Tensor):
                    raise ValueError("'right_inverse' must return a sequence of tensors or "
                                     'reference-type opaques. Got element '
                                     f'{i} of type {type(part).__name__}.')
                if part.dtype != original.dtype:
                    raise ValueError(f'Tensor {i} returned by `right_inverse` has dtype '
                                     f'{part.dtype} while `original{i}` has dtype '
                                     f'{original.dtype}')
            for part, original in zip(value, originals):
                _set_data(original, part)

    def _apply_all(self, originals):
        """The parametrizations applied in turn, the first to the tensors `originals`."""
        modules = list(self)
        value = modules[0](*originals)
        for module in modules[1:]:
            value = module(value)
        return value

    def forward(self):
        if self.is_tensor:
            return self._apply_all([self.original])
        return self._apply_all([getattr(self, f'original{i}') for i in range(self.ntensors)])


def _deepcopy_module(self, memo):
    found = memo.get(id(self))
    if found is not None:
        return found
    replica = self.__new__(type(self))
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    return replica


def _refuse_pickling(self):
    raise RuntimeError('Serialization of parametrized modules is only supported through '
                       'state_dict(). See:\nhttps://pytorch.org/tutorials/beginner/'
                       'saving_loading_models.html#saving-loading-a-general-checkpoint-for-'
                       'inference-and-or-resuming-training')


def _inject_new_class(module):
    """module's class becomes a subclass of its own (each parametrized module gets its own
    class, since the parametrized tensors are properties on it)."""
    cls = type(module)
    namespace = {'__getstate__': _refuse_pickling}
    if not hasattr(cls, '__deepcopy__'):
        namespace['__deepcopy__'] = _deepcopy_module
    module.__class__ = type(f'Parametrized{cls.__name__}', (cls,), namespace)


def _inject_property(module, tensor_name):
    if hasattr(module, tensor_name):
        raise AssertionError(f"Module already has an attribute named '{tensor_name}'")

    def get_parametrized(self):
        parametrization = self.parametrizations[tensor_name]
        if not _cache_depth:
            return parametrization()
        key = (id(self), tensor_name)
        value = _cache.get(key)
        if value is None:
            value = _cache[key] = parametrization()
        return value

    def set_original(self, value):
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get_parametrized, set_original))


def _check_added_parametrization(module, tensor_name, parametrization):
    """register_parametrization's checks for a tensor that is parametrized already."""
    current = getattr(module, tensor_name)
    value = parametrization(current)
    if not isinstance(value, Tensor):
        raise ValueError(f'A parametrization must return a tensor. Got {type(value).__name__}.')
    for what in ('dtype', 'shape'):
        if getattr(value, what) != getattr(current, what):
            raise ValueError(
                f'Registering a parametrization may not change the {what} of the tensor, '
                f'unless the `unsafe` flag is enabled.\nmodule.{tensor_name}.{what}: '
                f'{getattr(current, what)}\nparametrization(module.{tensor_name}).{what}: '
                f'{getattr(value, what)}')
    if not hasattr(parametrization, 'right_inverse'):
        return
    try:
        inverse = parametrization.right_inverse(value)
    except NotImplementedError:
        return
    if not isinstance(inverse, Tensor):
        raise ValueError('parametrization.right_inverse must return a tensor. Got: '
                         f'{type(inverse).__name__}')
    for what in ('dtype', 'shape'):
        if getattr(inverse, what) != getattr(current, what):
            raise ValueError(
                f'The tensor returned by parametrization.right_inverse must have the same '
                f'{what} as module.{tensor_name}, unless the `unsafe` flag is enabled.\n'
                f'module.{tensor_name}.{what}: {getattr(current, what)}\n'
                f'returned {what}: {getattr(inverse, what)}')


def register_parametrization(module, tensor_name, parametrization, *, unsafe=False):
    """module.<tensor_name> becomes parametrization(original) (and, registered again,
    parametrizations applied in turn). unsafe=True skips the checks that the result keeps
    the tensor's shape and dtype."""
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            _check_added_parametrization(module, tensor_name, parametrization)
        module.parametrizations[tensor_name].append(parametrization)
        module.parametrizations[tensor_name].unsafe |= unsafe
    elif tensor_name in module._buffers or tensor_name in module._parameters:
        original = getattr(module, tensor_name)
        parametrizations = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = parametrizations
    else:
        raise ValueError(f"Module '{module}' does not have a parameter, a buffer, or a "
                         f"parametrized element with name '{tensor_name}'")
    return module


def is_parametrized(module, tensor_name=None):
    """Does module have parametrizations (on tensor_name, when given)?"""
    parametrizations = getattr(module, 'parametrizations', None)
    if parametrizations is None or not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(module, tensor_name, leave_parametrized=True):
    """Undo register_parametrization: tensor_name becomes a plain parameter or buffer again,
    holding its current parametrized value (leave_parametrized=True) or `original`."""
    if not is_parametrized(module, tensor_name):
        raise ValueError(f'Module {module} does not have a parametrization on {tensor_name}')
    parametrizations = module.parametrizations[tensor_name]
    if parametrizations.is_tensor:
        original = parametrizations.original
        if leave_parametrized:
            with no_grad():
                _set_data(original, getattr(module, tensor_name))
    elif leave_parametrized:
        value = getattr(module, tensor_name)
        original = Parameter(value.detach()) if value.requires_grad else value
    else:
        raise ValueError('Cannot leave unparametrized (`leave_parametrized=False`) a tensor '
                         'that is parametrized in terms of a sequence of tensors.')
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, 'parametrizations')
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module):
    """module's class as it was before it was parametrized."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


__all__ = ['register_parametrization', 'remove_parametrizations', 'is_parametrized', 'cached',
           'type_before_parametrizations', 'ParametrizationList']
