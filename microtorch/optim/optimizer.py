"""`Optimizer`: parameter groups, per-parameter state, zero_grad, state_dict, as PyTorch's.

Subclasses implement `_update(group)`; `step` runs it under no_grad for every group. The update
of one parameter is one backend primitive (`backend.sgd_step`, `backend.adam_step`) working in
place on the parameter's storage, so the Parameter objects stay the same and no autograd
history is recorded; each update bumps the parameter's version counter, as an in-place op does.
"""
from collections import defaultdict
from itertools import chain
import warnings

from .. import backends
from ..autograd.grad_mode import enable_grad, no_grad
from ..creation import tensor, zeros_like
from .. import _dtype
from ..tensor import Tensor


class _RequiredParameter:
    def __repr__(self):
        return '<required parameter>'


required = _RequiredParameter()

def _typename(obj):
    """PyTorch's torch.typename, for its error messages."""
    if isinstance(obj, Tensor):
        return 'micro' + obj.type()              # 'microtorch.FloatTensor'
    kind = type(obj)
    module = kind.__module__
    return kind.__qualname__ if module == 'builtins' else f'{module}.{kind.__qualname__}'


def check_implementation_flags(foreach, fused, differentiable):
    """foreach and fused only choose PyTorch's kernels (each update here is already one pass
    per parameter), so they are accepted; differentiable updates are not supported."""
    if differentiable:
        raise NotImplementedError('differentiable=True is not supported by microtorch: '
                                  'optimizer updates are never recorded by autograd')
    if fused and foreach:
        raise RuntimeError('`fused` and `foreach` cannot be `True` together.')


def scalar_dtype():
    """The dtype of an optimizer's scalar state (the step counter, NAdam's mu_product), as
    PyTorch's: float64 when that is the default dtype, else float32."""
    return _dtype.float64 if _dtype.default_float is _dtype.float64 else _dtype.float32


def count_step(state):
    """The 0-dim step counter PyTorch keeps, advanced by one; its new value."""
    step = state.get('step')
    if not isinstance(step, Tensor):              # a plain number from an older state dict
        step = state['step'] = tensor(float(step or 0), dtype=scalar_dtype())
    step._data += 1
    return float(step._data)


class Optimizer:
    """Base class: holds `param_groups` (dicts of 'params' plus options, missing options taken
    from `defaults`) and `state` (a dict per parameter, keyed by the parameter)."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError('params argument given to the optimizer should be an iterable of '
                            'Tensors or dicts, but got ' + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError('optimizer got an empty parameter list')
        if not isinstance(groups[0], dict):
            groups = [{'params': groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (e.g. a layer to fine-tune at a
        smaller lr). Everything is checked before anything changes."""
        if not isinstance(param_group, dict):
            raise TypeError(f'param_group must be a dict, but got {type(param_group)}')
        params = param_group['params']
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError('optimizer parameters need to be organized in ordered collections, '
                            'but the ordering of tensors in sets will change between runs. '
                            'Please use a list instead.')
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]    # from named_parameters()
        if names:
            if len(names) != len(params):
                raise ValueError('all optimizer params should be with/without names. Some '
                                 'param names are missing')
            params = [p[1] for p in params]
        for group in self.param_groups:
            if bool(names) != ('param_names' in group):
                raise ValueError('all optimizer param groups should be with/without names. '
                                 'cannot add param group '
                                 f'{"with" if names else "without"} names to the optimizer')
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError('optimizer can only optimize Tensors, but one of the params is '
                                + _typename(p))
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f'optimization parameter {name}')
        ids = {id(p) for p in params}
        if any(id(p) in ids for group in self.param_groups for p in group['params']):
            raise ValueError('some parameters appear in more than one parameter group')
        if len(ids) != len(params):
            warnings.warn('optimizer contains a parameter group with duplicate parameters; '
                          'in future, this will cause an error; see '
                          'github.com/pytorch/pytorch/issues/40967 for more information',
                          stacklevel=3)
        param_group['params'] = params
        if names:
            param_group['param_names'] = names
        for name, default in self.defaults.items():
            param_group.setdefault(name, default)
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Reset the parameters' gradients: to None (the default), or to zeros in place."""
        for p in chain.from_iterable(g['params'] for g in self.param_groups):
            grad = p.grad
            if grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                if grad.grad_fn is not None:
                    grad.detach_()
                else:
                    grad.requires_grad_(False)
                grad.zero_()

    def step(self, closure=None):
        """One update of every parameter that has a gradient. `closure` re-evaluates the
        model and returns the loss (run with grad enabled); step returns what it returns."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._update(group)
        return loss

    def _update(self, group):
        raise NotImplementedError

    def _params_with_grads(self, group, *state_names):
        """(param, state) for each parameter of group that has a grad. Its first step makes
        the state as PyTorch's does: the step counter, then each named entry: an array of
        zeros like the parameter, or for a (name, value) pair a scalar (both scalar_dtype()),
        or for a (name, make) pair make(param)."""
        for p in group['params']:
            if p.grad is None:
                continue
            state = self.state[p]
            if not state:
                state['step'] = tensor(0.0, dtype=scalar_dtype())
                for name in state_names:
                    if isinstance(name, tuple) and callable(name[1]):
                        state[name[0]] = name[1](p)
                    elif isinstance(name, tuple):
                        state[name[0]] = tensor(float(name[1]), dtype=scalar_dtype())
                    else:
                        state[name] = zeros_like(p)
            yield p, state

    @staticmethod
    def _bump(p):
        p._version_counter[0] += 1       # an in-place write, as PyTorch's add_ records

    @staticmethod
    def _backend(p):
        return backends.for_array(p._data)

    # ---- state_dict ----------------------------------------------------------------------

    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{options..., 'params': [indices]}]}:
        parameters are numbered in group order. The state's tensors are the optimizer's own
        (not copies), as in PyTorch; save or deepcopy the dict to keep a snapshot."""
        index = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != 'params'}
            for i, p in enumerate(group['params'], start):
                index.setdefault(id(p), i)
            packed['params'] = [index[id(p)] for p in group['params']]
            start += len(packed['params'])
            groups.append(packed)
        state = {(index[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {'state': state, 'param_groups': groups}

    def load_state_dict(self, state_dict):
        """Take the options and state of `state_dict` (from state_dict()) for this
        optimizer's parameters, matched by position. State tensors are copied, cast to their
        parameter's dtype and device ('step' stays as saved), so the loaded optimizer never
        shares a buffer with the dict's source (PyTorch shares those already matching)."""
        saved_groups = state_dict['param_groups']
        if len(saved_groups) != len(self.param_groups):
            raise ValueError('loaded state dict has a different number of parameter groups')
        if any(len(g['params']) != len(s['params'])
               for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        params = dict(zip(chain.from_iterable(s['params'] for s in saved_groups),
                          chain.from_iterable(g['params'] for g in self.param_groups)))
        state = defaultdict(dict)
        for key, value in state_dict['state'].items():
            if key in params:
                state[params[key]] = {k: _cast(params[key], v, k) for k, v in value.items()}
            else:
                state[key] = value
        groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = {k: _copy_option(v) for k, v in saved.items() if k != 'params'}
            new['params'] = group['params']
            if 'param_names' in group:
                new.setdefault('param_names', group['param_names'])
            groups.append(self._upgrade_group(new))
        self.state = state
        self.param_groups = groups

    def _upgrade_group(self, group):
        """Fill options an older state dict lacks with this optimizer's defaults."""
        for name, default in self.defaults.items():
            if default is not required:
                group.setdefault(name, default)
        return group

    def __repr__(self):
        text = self.__class__.__name__ + ' ('
        for i, group in enumerate(self.param_groups):
            text += f'\nParameter Group {i}\n'
            text += ''.join(f'    {key}: {group[key]}\n' for key in sorted(group)
                            if key != 'params')
        return text + ')'


def _cast(param, value, key):
    """A copy of a state value for `param`: tensors on its device, floating ones in its dtype
    (but 'step', the counter, kept as it is)."""
    if isinstance(value, Tensor):
        value = value.detach()
        if key != 'step' and param.is_floating_point() and value.is_floating_point():
            value = value.to(dtype=param.dtype, device=param.device)
        elif key != 'step':
            value = value.to(device=param.device)
        return value.clone()
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v, key) for v in value)
    return value


def _copy_option(value):
    return list(value) if isinstance(value, list) else value
