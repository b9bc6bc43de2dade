"""`Module`: the base class of layers and models, as in PyTorch.

Assigning a Parameter or a Module to an attribute registers it (in `_parameters` or
`_modules`); `register_buffer` registers tensors that are state but not parameters. Traversal,
train/eval, device and dtype moves, state_dict and repr all follow from those three dicts.
"""
import warnings
from collections import OrderedDict, namedtuple

from ... import _dtype
from ..._device import device as _device
from ...autograd.function import data_rebinds
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from ...utils.hooks import RemovableHandle
from ..parameter import Buffer, Parameter, buffer_persistence, is_lazy
from ._backward_hooks import ModuleBackwardHooks

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


# Every module's hooks, by kind: id -> hook, in call order.
_HOOK_DICTS = ('_forward_hooks', '_forward_pre_hooks', '_backward_hooks', '_backward_pre_hooks',
               '_state_dict_hooks', '_state_dict_pre_hooks', '_load_state_dict_pre_hooks',
               '_load_state_dict_post_hooks')
# The ids of the hooks registered with with_kwargs=True or always_call=True.
_HOOK_MARKS = ('_forward_pre_hooks_with_kwargs', '_forward_hooks_with_kwargs',
               '_forward_hooks_always_called')

# The hooks of every module (register_module_forward_hook, ...).
_global_forward_pre_hooks, _global_forward_hooks = {}, {}
_global_backward_pre_hooks, _global_backward_hooks = {}, {}
_global_hooks = {'forward_pre': _global_forward_pre_hooks, 'forward': _global_forward_hooks,
                 'backward_pre': _global_backward_pre_hooks,
                 'backward': _global_backward_hooks}
_global_marks = {'with_kwargs': set(), 'always_called': set()}


def _add_hook(hooks, hook, prepend=False, marks=()):
    """Store hook under a new id (first in call order with prepend=True); the handle also
    forgets the id in `marks` when removed."""
    handle = RemovableHandle(hooks, extra_dict=list(marks))     # its id: the next key
    key = handle.id
    if prepend:
        rest = list(hooks.items())
        hooks.clear()
        hooks[key] = hook
        hooks.update(rest)
    else:
        hooks[key] = hook
    return handle


def register_module_forward_pre_hook(hook):
    """hook(module, args) before every module's forward (before the module's own)."""
    return _add_hook(_global_hooks['forward_pre'], hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """hook(module, args, output) after every module's forward (before the module's own)."""
    handle = _add_hook(_global_hooks['forward'], hook,
                       marks=(_global_marks['with_kwargs'], _global_marks['always_called']))
    if with_kwargs:
        _global_marks['with_kwargs'].add(handle.id)
    if always_call:
        _global_marks['always_called'].add(handle.id)
    return handle


def register_module_full_backward_pre_hook(hook):
    """hook(module, grad_output) for every module (before the module's own)."""
    return _add_hook(_global_hooks['backward_pre'], hook)


def register_module_full_backward_hook(hook):
    """hook(module, grad_input, grad_output) for every module (before the module's own)."""
    return _add_hook(_global_hooks['backward'], hook)


class Module:
    """Base class for all neural network modules: subclass it, assign layers and parameters
    in __init__ (after super().__init__()), and define forward()."""

    training = True

    def __init__(self):
        set_ = object.__setattr__
        set_(self, 'training', True)
        set_(self, '_parameters', {})
        set_(self, '_buffers', {})
        set_(self, '_non_persistent_buffers_set', set())
        set_(self, '_modules', {})
        for name in _HOOK_DICTS:
            set_(self, name, {})
        for name in _HOOK_MARKS:
            set_(self, name, set())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  '"forward" function')

    def __call__(self, *args, **kwargs):
        if not (self._forward_hooks or self._forward_pre_hooks or self._backward_hooks
                or self._backward_pre_hooks or _global_forward_pre_hooks
                or _global_forward_hooks or _global_backward_pre_hooks
                or _global_backward_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        """forward with the pre-hooks, hooks and backward hooks around it, in PyTorch's
        order (global ones first); always_call hooks run even when forward raises."""
        result = None
        ran = set()                      # always_call hooks that already ran
        try:
            for key, hook in (*_global_hooks['forward_pre'].items(),
                              *self._forward_pre_hooks.items()):
                if key in self._forward_pre_hooks_with_kwargs:
                    got = hook(self, args, kwargs)
                    if got is not None:
                        if not (isinstance(got, tuple) and len(got) == 2):
                            raise RuntimeError('forward pre-hook must return None or a tuple '
                                               f'of (new_args, new_kwargs), but got {got}.')
                        args, kwargs = got
                else:
                    got = hook(self, args)
                    if got is not None:
                        args = got if isinstance(got, tuple) else (got,)
            backward_hooks = [*_global_hooks['backward'].values(),
                              *self._backward_hooks.values()]
            backward_pre_hooks = [*_global_hooks['backward_pre'].values(),
                                  *self._backward_pre_hooks.values()]
            tracker = None
            if backward_hooks or backward_pre_hooks:
                tracker = ModuleBackwardHooks(self, backward_hooks, backward_pre_hooks)
                args = tracker.wrap_inputs(args)
            result = self.forward(*args, **kwargs)
            for key, hook in (*_global_hooks['forward'].items(),
                              *self._forward_hooks.items()):
                if key in self._forward_hooks_always_called or \
                        key in _global_marks['always_called']:
                    ran.add(key)
                if key in self._forward_hooks_with_kwargs or \
                        key in _global_marks['with_kwargs']:
                    got = hook(self, args, kwargs, result)
                else:
                    got = hook(self, args, result)
                if got is not None:
                    result = got
            if tracker is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn('For backward hooks to be called, module output should be a '
                                  'Tensor or a tuple of Tensors but received '
                                  f'{type(result)}', stacklevel=2)
                result = tracker.wrap_outputs(result)
            return result
        except Exception:
            self._run_always_called(args, kwargs, result, ran)
            raise

    def _run_always_called(self, args, kwargs, result, ran):
        """After forward (or a hook) raised: the always_call forward hooks that did not run
        yet; their own errors become warnings so that the first error is the one raised."""
        for kind, hooks, marks, with_kwargs in (
                ('global module', _global_hooks['forward'], _global_marks['always_called'],
                 ()),
                ('module', self._forward_hooks, self._forward_hooks_always_called,
                 self._forward_hooks_with_kwargs)):
            for key, hook in list(hooks.items()):
                if key not in marks or key in ran:
                    continue
                try:
                    got = hook(self, args, kwargs, result) if key in with_kwargs else \
                        hook(self, args, result)
                    if got is not None:
                        result = got
                except Exception as error:
                    warnings.warn(f'{kind} forward hook with ``always_call=True`` raised an '
                                  'exception that was silenced as another error was raised in '
                                  f'forward: {error}', stacklevel=2)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) runs before forward; a returned value replaces args. With
        with_kwargs=True: hook(module, args, kwargs), returning None or (args, kwargs)."""
        handle = _add_hook(self._forward_pre_hooks, hook, prepend,
                           (self._forward_pre_hooks_with_kwargs,))
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """hook(module, args, output) runs after forward; a returned value replaces output.
        with_kwargs=True: hook(module, args, kwargs, output); always_call=True: it runs even
        when forward raises."""
        handle = _add_hook(self._forward_hooks, hook, prepend,
                           (self._forward_hooks_with_kwargs, self._forward_hooks_always_called))
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) runs when the gradients of the module's outputs are
        known; a returned tuple replaces grad_output."""
        return _add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) runs when the gradients of the module's
        inputs are known; a returned tuple replaces grad_input."""
        return _add_hook(self._backward_hooks, hook, prepend)

    def register_state_dict_pre_hook(self, hook):
        """hook(module, prefix, keep_vars) runs before state_dict() collects this module."""
        return _add_hook(self._state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata) runs after state_dict() collected
        this module and its children; it may change state_dict in place only."""
        hook._from_public_api = True
        return _add_hook(self._state_dict_hooks, hook)

    def _register_state_dict_hook(self, hook):
        """The older post-hook: like register_state_dict_post_hook, but a state dict it
        returns replaces the result (respected on the module state_dict() is called on)."""
        if getattr(hook, '_from_public_api', False):
            raise RuntimeError('Cannot register the same function as the state dict post hook '
                               'that was previously registered via '
                               'register_state_dict_post_hook')
        return _add_hook(self._state_dict_hooks, hook)

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        """As register_load_state_dict_pre_hook; with_module=False: hook is called without
        the module (hook(state_dict, prefix, ...))."""
        if not with_module:
            def without_module(module, *args, _hook=hook):
                return _hook(*args)
            without_module.hook = hook
            return _add_hook(self._load_state_dict_pre_hooks, without_module)
        return _add_hook(self._load_state_dict_pre_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs) runs before load_state_dict() reads this module's keys;
        it may change state_dict (a copy of the caller's) and the three lists in place."""
        return _add_hook(self._load_state_dict_pre_hooks, hook)

    def register_load_state_dict_post_hook(self, hook):
        """hook(module, incompatible_keys) runs after load_state_dict(); it may remove keys
        from incompatible_keys.missing_keys / unexpected_keys in place."""
        return _add_hook(self._load_state_dict_post_hooks, hook)

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
        elif isinstance(value, Buffer):           # nn.Buffer(t, persistent=...) registers
            self.register_buffer(name, value, buffer_persistence(value))
        elif d.get('_buffers') is not None and name in d['_buffers']:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{_typename(value)}' as buffer '{name}' "
                                '(microtorch.nn.Buffer, microtorch.Tensor or None expected)')
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

    def modules(self, remove_duplicate=True):
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
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
        """The submodule at a dotted path ('net.0'); '' is this module."""
        module = self
        if target == '':
            return module
        for part in target.split('.'):
            if not hasattr(module, part):
                raise AttributeError(f'{module._get_name()} has no attribute `{part}`')
            module = getattr(module, part)
            if not isinstance(module, Module):
                raise AttributeError(f'`{part}` is not an nn.Module')
        return module

    def set_submodule(self, target, module, strict=False):
        """Put module at a dotted path whose parent exists (with strict=True: only where a
        submodule already is)."""
        if target == '':
            raise ValueError('Cannot set the submodule without a target name!')
        if not isinstance(module, Module):
            raise ValueError(f'`module` is not an nn.Module, found {type(module)}')
        parent_path, _, name = target.rpartition('.')
        parent = self.get_submodule(parent_path)
        if strict and not hasattr(parent, name):
            raise AttributeError(f'{parent._get_name()} has no attribute `{name}`')
        if hasattr(parent, name) and not isinstance(getattr(parent, name), Module):
            raise AttributeError(f'`{name}` is not an nn.Module')
        setattr(parent, name, module)

    def _get_member(self, target):
        module_path, _, name = target.rpartition('.')
        module = self.get_submodule(module_path)
        if not hasattr(module, name):
            raise AttributeError(f'{module._get_name()} has no attribute `{name}`')
        return module, name

    def get_parameter(self, target):
        """The parameter at a dotted path ('fc.weight')."""
        module, name = self._get_member(target)
        param = getattr(module, name)
        if not isinstance(param, Parameter):
            raise AttributeError(f'`{name}` is not an nn.Parameter')
        return param

    def get_buffer(self, target):
        """The buffer at a dotted path ('bn.running_mean')."""
        module, name = self._get_member(target)
        value = getattr(module, name)
        if name not in module._buffers:
            raise AttributeError(f'`{name}` is not a buffer')
        return value

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

    def _apply(self, fn, recurse=True):
        """Replace every parameter's, grad's and buffer's data with fn(tensor) (this module's
        own only, without recurse). Parameters and grads stay the same objects (optimizers
        keep holding them); all results are computed before any is stored, so a failing fn
        changes nothing."""
        params = [p for _, p in self.named_parameters(recurse=recurse, remove_duplicate=True)]
        grads = [p._grad for p in params if p._grad is not None]
        owners = [(m, name, b) for m in (self.modules() if recurse else [self])
                  for name, b in m._buffers.items() if b is not None]
        with no_grad():
            new_params = [fn(p)._data for p in params]
            new_grads = [fn(g)._data for g in grads]
            new_buffers = [fn(b) for _, _, b in owners]
        for p, data in zip(params, new_params):
            p._data = data
        for g, data in zip(grads, new_grads):
            g._data = data
        for (module, name, old), value in zip(owners, new_buffers):
            if is_lazy(old):            # stays an uninitialised buffer, of the new type
                old._data = value._data
            else:
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

    def to_empty(self, *, device, recurse=True):
        """Every parameter and buffer replaced by an uninitialised tensor of its shape and
        dtype on `device` (None: where it is), as PyTorch's to_empty; nothing is copied."""
        from ...creation import empty_like
        return self._apply(lambda t: empty_like(t, device=device), recurse=recurse)

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

    def half(self):
        return self._apply(lambda t: t.half() if t.is_floating_point() else t)

    def type(self, dst_type):
        return self._apply(lambda t: t.to(dst_type))

    def share_memory(self):
        """Returns self. PyTorch moves CPU storages into shared memory here for worker
        processes; microtorch starts no processes that share tensors, so nothing moves."""
        return self

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
        if args:        # PyTorch's positional form: state_dict(destination, prefix, keep_vars)
            destination = args[0] if destination is None else destination
            prefix = args[1] if len(args) > 1 and prefix == '' else prefix
            keep_vars = args[2] if len(args) > 2 and keep_vars is False else keep_vars
        if destination is None:
            destination = OrderedDict()
        for hook in self._state_dict_pre_hooks.values():
            hook(self, prefix, keep_vars)
        for name, value in self._local_state():
            # an uninitialised (lazy) one goes in as it is: it has nothing to detach
            keep = keep_vars or is_lazy(value)
            destination[prefix + name] = value if keep else value.detach()
        for name, child in self._modules.items():
            if child is not None:
                child.state_dict(destination=destination, prefix=prefix + name + '.',
                                 keep_vars=keep_vars)
        metadata = {'version': getattr(self, '_version', 1)}
        for hook in self._state_dict_hooks.values():
            got = hook(self, destination, prefix, metadata)
            if not getattr(hook, '_from_public_api', False):
                if got is not None:
                    destination = got
            elif got is not None:
                raise RuntimeError('state_dict post-hook must return None')
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy parameters and buffers from state_dict. All keys, types and shapes are checked
        first: on any error nothing is copied, and the RuntimeError names every bad key.
        With strict=False, missing and unexpected keys are returned rather than raised."""
        from collections.abc import Mapping
        if not isinstance(state_dict, Mapping):
            raise TypeError(f'Expected state_dict to be dict-like, got {type(state_dict)}.')
        state_dict = OrderedDict(state_dict)        # pre-hooks may change it, not the caller's
        hook_missing, hook_unexpected, hook_errors = [], [], []
        for module_prefix, module in self._walk():
            for hook in list(module._load_state_dict_pre_hooks.values()):
                hook(module, state_dict, module_prefix, {}, True, hook_missing,
                     hook_unexpected, hook_errors)
        own = OrderedDict()
        for module_prefix, module in self._walk():
            for name, value in module._local_state():
                own[module_prefix + name] = value
        missing = hook_missing + [key for key in own if key not in state_dict]
        unexpected = hook_unexpected + self._unexpected_keys(state_dict, own)
        errors, copies = list(hook_errors), []
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
        post_hooks = [(module, hook) for module in self._modules_children_first()
                      for hook in module._load_state_dict_post_hooks.values()]
        if post_hooks and not errors:
            # The hooks see the loaded module and may forgive missing or unexpected keys.
            self._copy_loaded(copies)
            copies = []
            keys = _IncompatibleKeys(missing, unexpected)
            for module, hook in post_hooks:
                if hook(module, keys) is not None:
                    raise AssertionError(
                        'Hooks registered with ``register_load_state_dict_post_hook`` are not '
                        'expected to return new values, if incompatible_keys need to be '
                        'modified, it should be done inplace.')
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
        self._copy_loaded(copies)
        return _IncompatibleKeys(missing, unexpected)

    @staticmethod
    def _copy_loaded(copies):
        with no_grad():
            for target, source in copies:
                target.copy_(source)

    def _modules_children_first(self):
        """Every module as load_state_dict visits it (shared ones repeated), each after its
        children: the order its post-hooks run in."""
        for child in self._modules.values():
            if child is not None:
                yield from child._modules_children_first()
        yield self

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
