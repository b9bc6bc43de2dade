"""Containers: `Sequential` (modules applied in order), `ModuleList` (a list of modules
that registers them), `ModuleDict`, and `ParameterList` / `ParameterDict` (parameters the owner
registers). List children are keyed '0', '1', ... as in PyTorch's state dicts."""
import operator
from collections import OrderedDict

from .module import Module, _indent


def _key_at(module, idx):
    """The child key at a (possibly negative) integer position."""
    n = len(module._modules)
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f'index {idx} is out of range')
    return list(module._modules)[idx % n]


def _renumber(module):
    """Keys back to '0', '1', ... after a deletion (so indexing and state dicts agree)."""
    module._modules = {str(i): m for i, m in enumerate(module._modules.values())}


def _insert(module, index, new):
    if not isinstance(new, Module):
        raise AssertionError(f'module should be of type: {Module}')
    n = len(module._modules)
    if not -n <= index <= n:
        raise IndexError(f'Index out of range: {index}')
    if index < 0:
        index += n
    children = list(module._modules.values())
    children.insert(index, new)
    module._modules = {str(i): m for i, m in enumerate(children)}


class _IndexedModules(Module):
    """What Sequential and ModuleList share: children keyed '0', '1', ... by position."""

    def __setitem__(self, idx, module):
        setattr(self, _key_at(self, idx), module)

    def __delitem__(self, idx):
        keys = list(self._modules)[idx] if isinstance(idx, slice) else [_key_at(self, idx)]
        for key in keys:
            del self._modules[key]
        _renumber(self)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_IndexedModules):
    """Sequential(m1, m2, ...) or Sequential(OrderedDict(name=module)): forward feeds each
    module's output to the next."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):               # keeps the keys, as PyTorch does
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[_key_at(self, idx)]

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError('add operator supports only objects of Sequential class, but '
                             f'{type(other)} is given.')
        return Sequential(*self, *other)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index, module):
        _insert(self, index, module)
        return self

    def extend(self, sequential):
        for module in sequential:
            self.append(module)
        return self

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_IndexedModules):
    """A list of modules, registered as children (so their parameters are the owner's)."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):               # renumbered from 0, as PyTorch does
            return type(self)(list(self._modules.values())[idx])
        return self._modules[_key_at(self, idx)]

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        return ModuleList(list(self) + list(other))

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index, module):
        _insert(self, index, module)

    def extend(self, modules):
        if not hasattr(modules, '__iter__'):
            raise TypeError('ModuleList.extend should be called with an iterable, but got '
                            + type(modules).__name__)
        offset = len(self)
        for i, module in enumerate(modules):
            self.add_module(str(offset + i), module)
        return self

    def pop(self, key):
        module = self[key]
        del self[key]
        return module

    def _child_lines(self):
        # Runs of equal children print once, as PyTorch does: '(0-2): 3 x Linear(...)'.
        lines = []
        reprs = [repr(m) for m in self._modules.values()]
        start = 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            label = f'({start}): ' if end == start else f'({start}-{end}): {end - start + 1} x '
            lines.append(_indent(label + reprs[start], 2))
            start = end + 1
        return lines


class _Dict(Module):
    """What ModuleDict and ParameterDict share: a dict view of one of the module's registries
    (`_modules` or `_parameters`, named by `_registry`); `__setitem__` registers."""
    _registry = '_modules'

    def __init__(self, items=None):
        super().__init__()
        if items is not None:
            self.update(items)

    def _items(self):
        return getattr(self, self._registry)

    def __getitem__(self, key):
        return self._items()[key]

    def __delitem__(self, key):
        del self._items()[key]

    def __len__(self):
        return len(self._items())

    def __iter__(self):
        return iter(self._items())

    def __contains__(self, key):
        return key in self._items()

    def keys(self):
        return self._items().keys()

    def items(self):
        return self._items().items()

    def values(self):
        return self._items().values()

    def update(self, items):
        pairs = items.items() if hasattr(items, 'items') else items
        for key, value in pairs:
            self[key] = value

    def pop(self, key):
        value = self._items()[key]
        del self._items()[key]
        return value

    def clear(self):
        self._items().clear()


class ModuleDict(_Dict):
    """A dict of modules, registered as children under their keys."""

    def __setitem__(self, key, module):
        self.add_module(key, module)


def _as_parameter(value):
    """A tensor put into a ParameterList/Dict becomes a Parameter, as in PyTorch."""
    from ...tensor import Tensor
    from ..parameter import Parameter
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        value = Parameter(value)
    return value


def _parameters_repr(module):
    """PyTorch's listing of a ParameterList/Dict: one line per parameter, 4 spaces in (a
    single one on the module's own line); the list names the dtype, the dict the legacy tensor
    type, as PyTorch's do."""
    lines = []
    for key, p in module._parameters.items():
        device = '' if p.device.type == 'cpu' else f' ({p.device})'
        size = 'x'.join(str(n) for n in p.shape)
        kind = p.dtype if isinstance(module, ParameterList) else 'micro' + p.type()
        lines.append(f'  ({key}): Parameter containing: [{kind} of size {size}{device}]')
    if len(lines) == 1:              # one line stays on the module's line, as in PyTorch
        return f'{type(module).__name__}({lines[0]})'
    return type(module).__name__ + ('(\n' + '\n'.join('  ' + line for line in lines) + '\n)'
                                    if lines else '()')


class ParameterList(Module):
    """A list of parameters, registered under '0', '1', ... (tensors become Parameters)."""

    def __init__(self, values=None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._parameters.values())[idx])
        return self._parameters[_parameter_key(self, idx)]

    def __setitem__(self, idx, value):
        setattr(self, _parameter_key(self, idx), _as_parameter(value))

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __iadd__(self, values):
        return self.extend(values)

    def append(self, value):
        setattr(self, str(len(self)), _as_parameter(value))
        return self

    def extend(self, values):
        for value in values:
            self.append(value)
        return self

    __repr__ = _parameters_repr


def _parameter_key(module, idx):
    n = len(module._parameters)
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f'index {idx} is out of range')
    return str(idx % n)


class ParameterDict(_Dict):
    """A dict of parameters, registered under their keys (tensors become Parameters)."""
    _registry = '_parameters'

    def __setitem__(self, key, value):
        setattr(self, key, _as_parameter(value))

    __repr__ = _parameters_repr
