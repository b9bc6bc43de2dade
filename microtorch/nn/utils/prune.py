"""Pruning (`nn.utils.prune`), as `torch.nn.utils.prune`.

Pruning the parameter `name` of a module moves it to the parameter `name + '_orig'`, adds the
buffer `name + '_mask'` (1 keeps an entry, 0 prunes it) and registers the pruning method as a
forward pre-hook that sets the plain attribute `name` = mask * orig before each forward, so
the gradient reaches `name_orig` (zero where pruned). Pruning the same tensor again keeps
`name_orig` and combines the masks through a PruningContainer; `remove` makes the pruned
values the parameter `name` again.

    import microtorch.nn.utils.prune as prune
    prune.l1_unstructured(model.fc, 'weight', amount=0.3)    # the 30% smallest |w| -> 0
"""
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

from ...creation import ones_like, rand, rand_like, zeros_like
from ...linalg import matrix_norm
from ...ops import functional as F
from .convert_parameters import parameters_to_vector

__all__ = ['BasePruningMethod', 'PruningContainer', 'Identity', 'RandomUnstructured',
           'L1Unstructured', 'RandomStructured', 'LnStructured', 'CustomFromMask', 'identity',
           'random_unstructured', 'l1_unstructured', 'random_structured', 'ln_structured',
           'global_unstructured', 'custom_from_mask', 'remove', 'is_pruned']


class BasePruningMethod(ABC):
    """A way to choose what to prune. Subclasses define `compute_mask(t, default_mask)` and
    `PRUNING_TYPE` ('unstructured': single entries, 'structured': whole channels along
    `self.dim`, 'global': the whole tensor at once), which tells a PruningContainer on which
    part of an already pruned tensor the next method acts.

    An applied method remembers its tensor's name in `_tensor_name` and is the module's
    forward pre-hook."""

    # _tensor_name is set by apply(); as in PyTorch there is no class-level default, so a
    # method that was never applied has no such attribute.

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t, default_mask):
        """The mask for `t` (its importance scores), keeping the zeros of `default_mask`."""

    def apply_mask(self, module):
        """mask * orig, read from the module's `name_mask` and `name_orig`."""
        if self._tensor_name is None:
            raise AssertionError(f'Module {module} has to be pruned')
        mask = getattr(module, self._tensor_name + '_mask')
        orig = getattr(module, self._tensor_name + '_orig')
        return mask.to(dtype=orig.dtype) * orig

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        """Prune module.<name> with cls(*args, **kwargs), on top of any earlier pruning of it;
        the mask is computed from `importance_scores` (default: the tensor itself). Returns
        the hook now on the module (the method, or the PruningContainer holding it). If
        anything fails the module is left as it was."""
        saved = _ModuleState(module, name)
        try:
            return cls._apply(module, name, args, kwargs, importance_scores)
        except BaseException:
            saved.restore()
            raise

    @classmethod
    def _apply(cls, module, name, args, kwargs, importance_scores):
        earlier = _take_pruning_hook(module, name)
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if isinstance(earlier, PruningContainer):
            earlier.add_pruning_method(method)
            method = earlier
        elif earlier is not None:
            container = PruningContainer(earlier)
            container.add_pruning_method(method)
            method = container

        current = getattr(module, name)
        if importance_scores is None:
            importance_scores = current
        elif importance_scores.shape != current.shape:
            raise AssertionError(f'importance_scores should have the same shape as parameter '
                                 f'{name} of {module}, got {importance_scores.shape} vs '
                                 f'{current.shape}')
        if isinstance(method, PruningContainer):    # already reparametrized: start from its mask
            default_mask = getattr(module, name + '_mask').detach().clone()
        else:
            module.register_parameter(name + '_orig', current)
            del module._parameters[name]
            default_mask = ones_like(current)
        mask = method.compute_mask(importance_scores, default_mask=default_mask)
        module.register_buffer(name + '_mask', mask)
        setattr(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method)
        return method

    def prune(self, t, default_mask=None, importance_scores=None):
        """t with this method's mask applied (not recorded on any module)."""
        if importance_scores is None:
            importance_scores = t
        elif importance_scores.shape != t.shape:
            raise AssertionError('importance_scores should have the same shape as tensor t, '
                                 f'got {importance_scores.shape} vs {t.shape}')
        if default_mask is None:
            default_mask = ones_like(t)
        return t * self.compute_mask(importance_scores, default_mask=default_mask)

    def remove(self, module):
        """Make the pruning permanent: module.<name> becomes a parameter again, holding the
        pruned values (in the Parameter object that was `name_orig`); `name_orig` and
        `name_mask` go. The caller removes the hook (see the function `remove`)."""
        if self._tensor_name is None:
            raise AssertionError(f'Module {module} has to be pruned before pruning can be '
                                 'removed')
        pruned = self.apply_mask(module)
        name = self._tensor_name
        if hasattr(module, name):
            delattr(module, name)
        orig = module._parameters.pop(name + '_orig')
        orig.data = pruned.data
        del module._buffers[name + '_mask']
        setattr(module, name, orig)


class _ModuleState:
    """What apply() may change on a module, so that a failed apply changes nothing (PyTorch
    restores only the parameter, at the end of the parameter list, and loses the hooks)."""

    def __init__(self, module, name):
        self.module, self.name = module, name
        self.parameters = dict(module._parameters)
        self.buffers = dict(module._buffers)
        self.hooks = dict(module._forward_pre_hooks)
        self.attribute = module.__dict__.get(name, _ModuleState)
        container = self._container()
        self.methods = None if container is None else container._pruning_methods

    def _container(self):
        for hook in self.module._forward_pre_hooks.values():
            if isinstance(hook, PruningContainer) and hook._tensor_name == self.name:
                return hook
        return None

    def restore(self):
        module = self.module
        for now, before in ((module._parameters, self.parameters),
                            (module._buffers, self.buffers),
                            (module._forward_pre_hooks, self.hooks)):
            now.clear()
            now.update(before)
        if self.attribute is _ModuleState:
            module.__dict__.pop(self.name, None)
        else:
            module.__dict__[self.name] = self.attribute
        if self.methods is not None:
            self._container()._pruning_methods = self.methods


def _take_pruning_hook(module, name):
    """Unregister and return the pruning hook of module.<name> (None if not pruned)."""
    found = [(key, hook) for key, hook in module._forward_pre_hooks.items()
             if isinstance(hook, BasePruningMethod) and hook._tensor_name == name]
    if len(found) > 1:
        raise AssertionError(f'Avoid adding multiple pruning hooks to the same tensor {name} '
                             f'of module {module}. Use a PruningContainer.')
    for key, _ in found:
        del module._forward_pre_hooks[key]
    return found[0][1] if found else None


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after the other to one tensor. Its compute_mask
    applies the latest method to the part of the tensor that is still unpruned: the entries
    where the mask is 1 (unstructured), the channels not entirely zero (structured), or the
    whole tensor (global)."""

    def __init__(self, *args):
        self._pruning_methods = ()
        if len(args) == 1:
            self._tensor_name = args[0]._tensor_name
            self.add_pruning_method(args[0])
        else:
            for method in args:
                self.add_pruning_method(method)

    def add_pruning_method(self, method):
        """Append a method acting on the same tensor."""
        if method is not None and not isinstance(method, BasePruningMethod):
            raise TypeError(f'{type(method)} is not a BasePruningMethod subclass')
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError('Can only add pruning methods acting on the parameter named '
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        """default_mask with the latest method's mask written over the part it acts on."""
        method = self._pruning_methods[-1]
        # Same dtype: `to` returns default_mask itself, which is then updated in place.
        new_mask = default_mask.to(dtype=t.dtype)
        part = _unpruned_part(method, t, default_mask)
        partial = method.compute_mask(t[part], default_mask=default_mask[part])
        new_mask[part] = partial.to(dtype=new_mask.dtype)
        return new_mask


def _unpruned_part(method, t, mask):
    """The index of the part of t on which `method` computes its next mask."""
    kind = method.PRUNING_TYPE
    if kind == 'unstructured':
        return mask == 1
    if kind == 'structured':
        if not hasattr(method, 'dim'):
            raise AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have '
                                 'the attribute `dim` defined.')
        ndim = t.dim()
        dim = method.dim + ndim if method.dim < 0 else method.dim
        if dim < 0:
            raise IndexError(f'Index is out of bounds for tensor with dimensions {ndim}')
        # channels along dim that earlier pruning has not zeroed entirely
        alive = mask.sum(dim=[d for d in range(ndim) if d != dim]) != 0
        return tuple(alive if d == dim else slice(None) for d in range(ndim))
    if kind == 'global':
        return (slice(None),) * len(t.shape)
    raise ValueError(f'Unrecognized PRUNING_TYPE {kind}')


class Identity(BasePruningMethod):
    """Prunes nothing: the reparametrization with a mask of ones."""

    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        return default_mask

    @classmethod
    def apply(cls, module, name):
        return super().apply(module, name)


def _zero_the_top(default_mask, count, scores, largest):
    """default_mask with 0 at the count entries of largest (or smallest) score."""
    mask = default_mask.clone()
    if count != 0:
        chosen = F.topk(scores.view(-1), k=count, largest=largest).indices
        mask.view(-1)[chosen] = 0
    return mask


class _UnstructuredByAmount(BasePruningMethod):
    """A method that prunes `amount` entries (an int: how many; a float: the fraction)."""

    PRUNING_TYPE = 'unstructured'

    def __init__(self, amount):
        _check_amount(amount)
        self.amount = amount


class RandomUnstructured(_UnstructuredByAmount):
    """Prunes `amount` entries chosen at random."""

    def compute_mask(self, t, default_mask):
        count = _count_to_prune(self.amount, t.nelement())
        return _zero_the_top(default_mask, count, rand_like(t), largest=True)

    @classmethod
    def apply(cls, module, name, amount):
        return super().apply(module, name, amount=amount)


class L1Unstructured(_UnstructuredByAmount):
    """Prunes the `amount` entries of smallest absolute value."""

    def compute_mask(self, t, default_mask):
        count = _count_to_prune(self.amount, t.nelement())
        return _zero_the_top(default_mask, count, t.abs(), largest=False)

    @classmethod
    def apply(cls, module, name, amount, importance_scores=None):
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


class RandomStructured(BasePruningMethod):
    """Prunes `amount` whole channels along `dim` (an int: how many; a float: the fraction),
    chosen at random."""

    PRUNING_TYPE = 'structured'

    def __init__(self, amount, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.dim = dim

    def compute_mask(self, t, default_mask):
        channels = _count_channels(t, self.dim)
        count = _count_to_prune(self.amount, channels)
        if count == 0:
            return default_mask
        # a uniform draw per channel (on the CPU, as PyTorch); the `count` lowest go
        draw = rand(channels)
        keep = draw > F.kthvalue(draw, k=count).values
        mask = _channels_mask(t, self.dim, keep.to(t.device))
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name, amount, dim=-1):
        return super().apply(module, name, amount=amount, dim=dim)


class LnStructured(BasePruningMethod):
    """Prunes the `amount` channels along `dim` (an int: how many; a float: the fraction) of
    smallest L`n` norm (n as `p` of `microtorch.norm`: a number, inf, -inf, 'fro' or 'nuc')."""

    PRUNING_TYPE = 'structured'

    def __init__(self, amount, n, dim=-1):
        _check_amount(amount)
        self.amount = amount
        self.n = n
        self.dim = dim

    def compute_mask(self, t, default_mask):
        channels = _count_channels(t, self.dim)
        count = _count_to_prune(self.amount, channels)
        dim = self.dim + t.dim() if self.dim < 0 else self.dim
        norms = _channel_norms(t, self.n, [d for d in range(t.dim()) if d != dim])
        kept = F.topk(norms, k=channels - count, largest=True).indices
        if count == 0:
            return default_mask
        mask = _channels_mask(t, self.dim, kept)
        mask *= default_mask.to(dtype=mask.dtype)
        return mask

    @classmethod
    def apply(cls, module, name, amount, n, dim, importance_scores=None):
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given mask is 0."""

    PRUNING_TYPE = 'global'

    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        if default_mask.shape != self.mask.shape:
            raise AssertionError(f'default_mask shape {default_mask.shape} must match '
                                 f'self.mask shape {self.mask.shape}')
        return default_mask * self.mask.to(dtype=default_mask.dtype)

    @classmethod
    def apply(cls, module, name, mask):
        return super().apply(module, name, mask=mask)


# ---- the functions ----------------------------------------------------------------------

def identity(module, name):
    """Reparametrize module.<name> as name_orig * name_mask with a mask of ones."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune `amount` random unpruned entries of module.<name>; returns the module."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the `amount` unpruned entries of module.<name> of smallest absolute value (of
    `importance_scores`, if given); returns the module."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    """Prune `amount` random unpruned channels of module.<name> along `dim`."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the `amount` unpruned channels of module.<name> along `dim` of smallest L`n`
    norm (of `importance_scores`, if given)."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune the (module, name) pairs of `parameters` together: `pruning_method` (a class
    of PRUNING_TYPE 'unstructured', built with **kwargs, e.g. amount=) sees all their
    entries as one vector. importance_scores: a dict {(module, name): tensor}."""
    if not isinstance(parameters, Iterable):
        raise TypeError('global_unstructured(): parameters is not an Iterable')
    if importance_scores is None:
        importance_scores = {}
    if not isinstance(importance_scores, dict):
        raise TypeError('global_unstructured(): importance_scores must be of type dict')
    # (iterated several times, like PyTorch: a generator is used up by the first pass)
    scores = parameters_to_vector([importance_scores.get((module, name), getattr(module, name))
                                   for module, name in parameters])
    masks = parameters_to_vector([getattr(module, name + '_mask',
                                          ones_like(getattr(module, name)))
                                  for module, name in parameters])
    container = PruningContainer()
    container._tensor_name = 'temp'
    method = pruning_method(**kwargs)
    method._tensor_name = 'temp'
    if method.PRUNING_TYPE != 'unstructured':
        raise TypeError('Only "unstructured" PRUNING_TYPE supported for the `pruning_method`. '
                        f'Found method {pruning_method} of type {method.PRUNING_TYPE}')
    container.add_pruning_method(method)
    mask = container.compute_mask(scores, masks)
    start = 0
    for module, name in parameters:
        param = getattr(module, name)
        custom_from_mask(module, name, mask=mask[start:start + param.numel()].view_as(param))
        start += param.numel()


def custom_from_mask(module, name, mask):
    """Prune module.<name> where `mask` is 0; returns the module."""
    CustomFromMask.apply(module, name, mask)
    return module


def remove(module, name):
    """Make the pruning of module.<name> permanent and drop its hook; returns the module."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     'can be removed')


def is_pruned(module):
    """Whether any submodule of `module` (itself included) has a pruning hook."""
    return any(isinstance(hook, BasePruningMethod)
               for _, submodule in module.named_modules()
               for hook in submodule._forward_pre_hooks.values())


# ---- checks and counts ------------------------------------------------------------------

def _check_amount(amount):
    """An int >= 0 or a float in [0, 1] (checked when the method is built)."""
    if not isinstance(amount, numbers.Real):
        raise TypeError(f'Invalid type for amount: {amount}. Must be int or float.')
    if isinstance(amount, numbers.Integral):
        bad = amount < 0
    else:
        bad = float(amount) > 1.0 or float(amount) < 0.0
    if bad:
        raise ValueError(f'amount={amount} should either be a float in the range [0, 1] or a '
                         'non-negative integer')


def _count_to_prune(amount, size):
    """How many of `size` units to prune: amount itself if an int, else round(amount * size);
    no more than size."""
    count = amount if isinstance(amount, numbers.Integral) else round(amount * size)
    if isinstance(count, numbers.Integral) and count > size:
        raise ValueError(f'amount={count} should be smaller than the number of parameters to '
                         f'prune={size}')
    return count


def _count_channels(t, dim):
    """The number of channels of t along dim, for structured pruning (t at least 2-D)."""
    if len(t.shape) <= 1:
        raise ValueError('Structured pruning can only be applied to multidimensional tensors. '
                         f'Found tensor of shape {t.shape} with {len(t.shape)} dims')
    if dim >= t.dim():
        raise IndexError(f'Invalid index {dim} for tensor of size {t.shape}')
    return t.shape[dim]


def _channel_norms(t, n, dims):
    """The L`n` norm of t over `dims` (all but the channel dim); 'nuc' (a matrix norm: two
    dims) goes to linalg.matrix_norm, as torch.norm sends it."""
    if isinstance(n, str) and n == 'nuc':
        return matrix_norm(t, 'nuc', dims)
    return F.norm(t, p=n, dim=dims)


def _channels_mask(t, dim, channels):
    """Zeros like t with ones in the given channels along dim (an index or a bool mask)."""
    mask = zeros_like(t)
    mask[tuple(channels if d == dim % t.dim() else slice(None) for d in range(t.dim()))] = 1
    return mask
