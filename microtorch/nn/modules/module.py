"""`Module`: the base class of layers and models, as in PyTorch.

Assigning a Parameter or a Module to an attribute registers it (in `_parameters` or
`_modules`); `register_buffer` registers tensors that are state but not parameters. Traversal,
train/eval, device and dtype moves, state_dict and repr all follow from those three dicts.
"""
from collections import OrderedDict, namedtuple

from ... import _dtype
from ..._device import device as _device
from ...autograd.function import data_rebinds
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ..parameter import Parameter

_TENSOR_TYPE_NAMES = {'float32': 'Float', 'float64': 'Double', 'int64': 'Long',
                      'int32': 'Int', 'bool': 'Bool'}


def _typename(value):
    """torch.typename: 'microtorch.FloatTensor' for a tensor, the type's name otherwise."""
    if isinstance(value, Tensor):
        return f'microtorch.{_TENSOR_TYPE_NAMES[value.dtype.name]}Tensor'
    cls = type(value)
    if cls.__module__ == 'builtins':
        return cls.__qualname__
    return f'{cls.__module__}.{cls.__qualname__}'


def _indent(text, spaces):
    """Indent every line of text but the first (a child's repr inside its parent's)."""
    return text.replace('\n', '\n' + ' ' * spaces)


class _IncompatibleKeys(namedtuple('IncompatibleKeys', ['missing_keys', 'unexpected_keys'])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return '<All keys matched successfully>'
        return (f'_IncompatibleKeys(missing_keys={self.missing_keys}, '
                f'unexpected_keys={self.unexpected_keys})')

    __str__ = __repr__


class RemovableHandle:
    """Returned by register_*_hook: remove() unregisters the hook."""

    def __init__(self, hooks, key):
        self._hooks = hooks
        self.id = key

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Module:
    """Base class for all neural network modules: subclass it, assign layers and parameters
    in __init__ (after super().__init__()), and define forward()."""

    training = True
    _hook_ids = 0

    def __init__(self):
        set_ = object.__setattr__
        set_(self, 'training', True)
        set_(self, '_parameters', {})
        set_(self, '_buffers', {})
        set_(self, '_non_persistent_buffers_set', set())
        set_(self, '_modules', {})
        set_(self, '_forward_hooks', {})
        set_(self, '_forward_pre_hooks', {})

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_hooks or self._forward_pre_hooks):
            return self.forward(*args, **kwargs)
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    def _add_hook(self, hooks, hook):
        Module._hook_ids += 1
        hooks[Module._hook_ids] = hook
        return RemovableHandle(hooks, Module._hook_ids)

    def register_forward_pre_hook(self, hook):
        """hook(module, args) runs before forward; a returned value replaces args."""
        return self._add_hook(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """hook(module, args, output) runs after forward; a returned value replaces output."""
        return self._add_hook(self._forward_hooks, hook)

    # ---- registration ------------------------------------------------------------------

    def _check_new_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f'{kind} name should be a string. Got {type(name).__name__}')
        if '.' in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == '':
            raise KeyError(f'{kind} name can\'t be empty string ""')

    def _check_free(self, name, own):
        if hasattr(self, name) and name not in own:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a parameter (a Parameter, or None for an absent one such as bias=False)."""
        if '_parameters' not in self.__dict__:
            raise AttributeError('cannot assign parameter before Module.__init__() call')
        self._check_new_name(name, 'parameter')
        self._check_free(name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{_typename(param)}' object to parameter "
                            f"'{name}' (microtorch.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not a parameter (saved in state_dict unless
        persistent=False; moved by to())."""
        if '_buffers' not in self.__dict__:
            raise AttributeError('cannot assign buffer before Module.__init__() call')
        self._check_new_name(name, 'buffer')
        self._check_free(name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' "
                            '(microtorch.Tensor or None required)')
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        if module is not None and not isinstance(module, Module):
            raise TypeError(f'{_typename(module)} is not a Module subclass')
        if not isinstance(name, str):
            raise TypeError(f'module name should be a string. Got {type(name).__name__}')
        if '.' in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == '':
            raise KeyError('module name can\'t be empty string ""')
        self._check_free(name, self._modules)
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get('_parameters')
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError('cannot assign parameters before Module.__init__() call')
            self._forget(name)
            params[name] = value
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as parameter '{name}' "
                                '(microtorch.nn.Parameter or None expected)')
            params[name] = None
        elif isinstance(value, Module):
            if d.get('_modules') is None:
                raise AttributeError('cannot assign module before Module.__init__() call')
            self._forget(name)
            d['_modules'][name] = value
        elif d.get('_modules') is not None and name in d['_modules']:
            if value is not None:
                raise TypeError(f"cannot assign '{_typename(value)}' as child module "
                                f"'{name}' (microtorch.nn.Module or None expected)")
            d['_modules'][name] = None
        elif d.get('_buffers') is not None and name in d['_buffers']:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                '(microtorch.Tensor or None expected)')
            d['_buffers'][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        """Drop `name` from wherever it is registered, before it is registered anew."""
        d = self.__dict__
        d.pop(name, None)
        for key in ('_parameters', '_buffers', '_modules'):
            registry = d.get(key)
            if registry is not None:
                registry.pop(name, None)
        d['_non_persistent_buffers_set'].discard(name)

    def __getattr__(self, name):
        # Called only when ordinary lookup fails: registered things live in the three dicts.
        d = self.__dict__
        for key in ('_parameters', '_buffers', '_modules'):
            registry = d.get(key)
            if registry is not None and name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for key in ('_parameters', '_buffers', '_modules'):
            registry = self.__dict__.get(key)
            if registry is not None and name in registry:
                del registry[name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    # ---- traversal ---------------------------------------------------------------------

    def named_modules(self, memo=None, prefix='', remove_duplicate=True):
        """(name, module) for this module and every descendant, depth first; a module
        reachable twice is listed once unless remove_duplicate=False."""
        if memo is None:
            memo = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if module in memo:
                    continue
                memo.add(module)
            yield name, module
            children = [(name + ('.' if name else '') + key, child)
                        for key, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ('.' if module_prefix else '') + name, value

    def named_parameters(self, prefix='', recurse=True, remove_duplicate=True):
        """(name, parameter) pairs, named as state_dict names them ('0.weight');
        a parameter shared by two modules is listed once."""
        return self._named_members('_parameters', prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix='', recurse=True, remove_duplicate=True):
        return self._named_members('_buffers', prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target):
        module = self
        if target == '':
            return module
        for part in target.split('.'):
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f'{type(module).__name__} has no attribute `{part}`')
            module = module._modules[part]
        return module

    def apply(self, fn):
        """Call fn on every descendant, then on this module (e.g. to initialise weights)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients -------------------------------------------------------------

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError('training mode is expected to be boolean')
        self.training = mode
        for module in self.children():
            module.train(mode)         # through train(): a subclass may override it
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's .grad: to None (the default), or to zeros in place."""
        for param in self.parameters():
            grad = param._grad
            if grad is None:
                continue
            if set_to_none:
                param._grad = None
                continue
            if grad._grad_fn is not None:
                grad.detach_()
            else:
                grad.requires_grad_(False)
            grad.zero_()

    # ---- devices and dtypes ------------------------------------------------------------

    def _apply(self, fn):
        """Replace every parameter's, grad's and buffer's data with fn(tensor). Parameters
        and grads stay the same objects (optimizers keep holding them); all results are
        computed before any is stored, so a failing fn changes nothing."""
        params = [p for _, p in self.named_parameters(remove_duplicate=True)]
        grads = [p._grad for p in params if p._grad is not None]
        owners = [(m, name, b) for m in self.modules() for name, b in m._buffers.items()
                  if b is not None]
        with no_grad():
            new_params = [fn(p)._data for p in params]
            new_grads = [fn(g)._data for g in grads]
            new_buffers = [fn(b) for _, _, b in owners]
        for p, data in zip(params, new_params):
            p._data = data
        for g, data in zip(grads, new_grads):
            g._data = data
        for (module, name, _), value in zip(owners, new_buffers):
            module._buffers[name] = value
        data_rebinds[0] += 1            # graphs recorded before read the new data (function.py)
        return self

    def to(self, *args, **kwargs):
        """to(device), to(dtype), to(device, dtype), to(tensor): move and/or cast, in place.
        Only floating point parameters and buffers change dtype."""
        device, dtype = _parse_to(args, kwargs)
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError('nn.Module.to only accepts floating point or complex dtypes, but '
                            f'got desired dtype={dtype!r}')

        def convert(t):
            return t.to(device=device, dtype=dtype if t.is_floating_point() else None)
        return self._apply(convert)

    def cuda(self, device=None):
        if device is None:
            return self.to('cuda')
        return self.to(f'cuda:{device}' if isinstance(device, int) else device)

    def cpu(self):
        return self.to('cpu')

    def float(self):
        return self._apply(lambda t: t.float() if t.is_floating_point() else t)

    def double(self):
        return self._apply(lambda t: t.double() if t.is_floating_point() else t)

    def type(self, dst_type):
        return self._apply(lambda t: t.to(dst_type))

    # ---- state dict --------------------------------------------------------------------

    def _walk(self, prefix=''):
        """(prefix, module) pairs in state_dict order: depth first, shared modules repeated
        (as state_dict and load_state_dict see them)."""
        stack = [(prefix, self)]
        while stack:
            prefix, module = stack.pop()
            yield prefix, module
            stack.extend(reversed([(prefix + name + '.', child)
                                   for name, child in module._modules.items()
                                   if child is not None]))

    def _local_state(self):
        """This module's own entries: parameters, then persistent buffers."""
        for name, param in self._parameters.items():
            if param is not None:
                yield name, param
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                yield name, buf

    def state_dict(self, *args, destination=None, prefix='', keep_vars=False):
        """An OrderedDict of every parameter and persistent buffer by its dotted name
        ('fc.weight'); values are detached tensors sharing the module's storage."""
        if args:                 # PyTorch's positional form: state_dict(destination, prefix)
            destination = args[0]
            prefix = args[1] if len(args) > 1 else prefix
        if destination is None:
            destination = OrderedDict()
        for module_prefix, module in self._walk(prefix):
            for name, value in module._local_state():
                destination[module_prefix + name] = value if keep_vars else value.detach()
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy parameters and buffers from state_dict. All keys, types and shapes are checked
        first: on any error nothing is copied, and the RuntimeError names every bad key.
        With strict=False, missing and unexpected keys are returned rather than raised."""
        from collections.abc import Mapping
        if not isinstance(state_dict, Mapping):
            raise TypeError(f'Expected state_dict to be dict-like, got {type(state_dict)}.')
        own = OrderedDict()
        for module_prefix, module in self._walk():
            for name, value in module._local_state():
                own[module_prefix + name] = value
        missing = [key for key in own if key not in state_dict]
        unexpected = self._unexpected_keys(state_dict, own)
        errors, copies = [], []
        for key, target in own.items():
            if key not in state_dict:
                continue
            source = state_dict[key]
            if not isinstance(source, Tensor):
                errors.append(f'While copying the parameter named "{key}", expected '
                              'microtorch.Tensor or Tensor-like object from checkpoint but '
                              f'received {type(source)}')
                continue
            if target.ndim == 0 and source.ndim == 1 and source.numel() == 1:
                source = source.reshape(())          # old checkpoints stored scalars as [1]
            if source.shape != target.shape:
                errors.append(f'size mismatch for {key}: copying a param with shape '
                              f'{source.shape} from checkpoint, the shape in current model is '
                              f'{target.shape}.')
                continue
            copies.append((target, source))
        if strict:
            if unexpected:
                errors.insert(0, 'Unexpected key(s) in state_dict: '
                              + ', '.join(f'"{k}"' for k in unexpected) + '. ')
            if missing:
                errors.insert(0, 'Missing key(s) in state_dict: '
                              + ', '.join(f'"{k}"' for k in missing) + '. ')
        if errors:
            raise RuntimeError(f'Error(s) in loading state_dict for {type(self).__name__}:\n\t'
                               + '\n\t'.join(errors))
        with no_grad():
            for target, source in copies:
                target.copy_(source)
        return _IncompatibleKeys(missing, unexpected)

    def _unexpected_keys(self, state_dict, own):
        """Keys no module takes, in PyTorch's order: module by module (depth first), each in
        the state dict's order."""
        unexpected = []
        for module_prefix, module in self._walk():
            for key in state_dict:
                if not key.startswith(module_prefix) or key in own:
                    continue
                head, dot, _ = key[len(module_prefix):].partition('.')
                child = module._modules.get(head) if dot else None
                if child is None and key not in unexpected:
                    unexpected.append(key)
        return unexpected

    # ---- printing ----------------------------------------------------------------------

    def extra_repr(self):
        """The part of repr inside the parentheses (e.g. 'in_features=2, ...'); override."""
        return ''

    def _get_name(self):
        return type(self).__name__

    def _child_lines(self):
        return [f'({key}): ' + _indent(repr(module), 2)
                for key, module in self._modules.items()]

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split('\n') if extra else []
        child_lines = self._child_lines()
        body = ''
        if len(extra_lines) == 1 and not child_lines:
            body = extra_lines[0]
        elif extra_lines or child_lines:
            body = '\n  ' + '\n  '.join(extra_lines + child_lines) + '\n'
        return self._get_name() + '(' + body + ')'


def _parse_to(args, kwargs):
    """device and dtype from Module.to's arguments (PyTorch's forms)."""
    device = kwargs.pop('device', None)
    dtype = kwargs.pop('dtype', None)
    kwargs.pop('non_blocking', None)
    if kwargs:
        raise TypeError(f'to() got an unexpected keyword argument {next(iter(kwargs))!r}')
    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.dtype
        elif isinstance(arg, _dtype.dtype):
            dtype = arg
        elif isinstance(arg, bool):               # non_blocking, positionally
            continue
        elif arg is not None:
            device = arg
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
    if device is not None:
        device = _device(device)
    return device, dtype
