"""Module hooks and lookups against PyTorch: full backward (pre-)hooks, forward hooks with
kwargs / always_call / prepend, the global module hooks, state_dict and load_state_dict
hooks, get_parameter / get_buffer / set_submodule, named_modules and named_parameters with
remove_duplicate."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import microtorch


def linear_pair(torch, *shape):
    torch.manual_seed(0)
    theirs = torch.nn.Linear(*shape).double()
    ours = microtorch.nn.Linear(*shape).double()
    ours.load_state_dict({k: microtorch.tensor(v.numpy())
                          for k, v in theirs.state_dict().items()})
    return theirs, ours


def as_lists(grads):
    return [None if g is None else np.round(g.detach().numpy(), 12).tolist() for g in grads]


def each(torch, run):
    """run(lib, module) with the same Linear(3, 2) in both libraries; results compared."""
    theirs, ours = linear_pair(torch, 3, 2)
    return run(torch, theirs), run(microtorch, ours)


def test_full_backward_hooks_see_and_replace_gradients(torch):
    def run(lib, module):
        log = []

        def pre_hook(m, grad_output):
            log.append(('pre', as_lists(grad_output)))
            return (grad_output[0] * 2,)

        def hook(m, grad_input, grad_output):
            log.append(('full', as_lists(grad_input), as_lists(grad_output)))
            return (grad_input[0] + 1,)

        module.register_full_backward_pre_hook(pre_hook)
        handle = module.register_full_backward_hook(hook)
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        out = module(x)
        log.append(type(out.grad_fn).__name__)
        (out ** 2).sum().backward()
        log.append(as_lists([x.grad, module.weight.grad, module.bias.grad]))
        handle.remove()
        x.grad = None
        (module(x) ** 2).sum().backward()
        log.append(as_lists([x.grad]))
        return log
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_backward_hooks_with_several_inputs_and_outputs(torch):
    def run(lib, _):
        class Pair(lib.nn.Module):
            def forward(self, a, scale, b):
                return a * scale + b, (a * b).sum()

        module = Pair()
        log = []
        module.register_full_backward_hook(
            lambda m, gi, go: log.append((as_lists(gi), as_lists(go))))
        a = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([3.0, 5.0], dtype=lib.float64)        # no grad: None in grad_input
        first, second = module(a, 3.0, b)
        (first.sum() + second * 2).backward()
        return log, a.grad.tolist()
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_backward_hook_errors_and_the_no_input_grad_warning(torch):
    def run(lib, module):
        results = []
        handle = module.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        x = lib.ones(1, 3, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError) as error:
            module(x).sum().backward()
        results.append(str(error.value))
        handle.remove()
        seen = []
        module.register_full_backward_hook(lambda m, gi, go: seen.append(gi))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            module(lib.ones(1, 3, dtype=lib.float64)).sum().backward()
        results.append([str(w.message) for w in caught if 'Full backward' in str(w.message)])
        results.append(seen)
        pre = module.register_full_backward_pre_hook(lambda m, go: (go[0], go[0]))
        with pytest.raises(RuntimeError) as error:
            module(x).sum().backward()
        results.append(str(error.value))
        pre.remove()
        return results
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_forward_hooks_with_kwargs_prepend_and_always_call(torch):
    def run(lib, _):
        class Scaled(lib.nn.Module):
            def forward(self, x, scale=1.0):
                return x * scale

        module = Scaled()
        log = []
        module.register_forward_pre_hook(
            lambda m, args, kwargs: (args, {'scale': kwargs.get('scale', 1.0) + 1}),
            with_kwargs=True)
        module.register_forward_pre_hook(lambda m, args: log.append('first'), prepend=True)
        module.register_forward_hook(lambda m, args, kwargs, out: out + kwargs['scale'],
                                     with_kwargs=True)
        module.register_forward_hook(lambda m, args, out: out * 10, prepend=True)
        result = module(lib.ones(2), scale=2.0).tolist()

        class Failing(lib.nn.Module):
            def forward(self, x):
                raise ValueError('forward failed')

        failing = Failing()
        failing.register_forward_hook(lambda m, args, out: log.append(('always', out)),
                                      always_call=True)
        failing.register_forward_hook(lambda m, args, out: log.append('never'))
        with pytest.raises(ValueError):
            failing(lib.ones(1))
        bad = Scaled()
        bad.register_forward_pre_hook(lambda m, args, kwargs: 5, with_kwargs=True)
        with pytest.raises(RuntimeError) as error:
            bad(lib.ones(1))
        return result, log, str(error.value)
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_global_module_hooks(torch):
    def run(lib, module):
        hooks = lib.nn.modules.module
        log = []
        handles = [
            hooks.register_module_forward_pre_hook(lambda m, a: log.append('pre')),
            hooks.register_module_forward_hook(lambda m, a, out: log.append('post')),
            hooks.register_module_full_backward_pre_hook(lambda m, go: log.append('bpre')),
            hooks.register_module_full_backward_hook(lambda m, gi, go: log.append('back'))]
        module.register_forward_hook(lambda m, a, out: log.append('own'))
        try:
            x = lib.ones(1, 3, dtype=lib.float64, requires_grad=True)
            module(x).sum().backward()
        finally:
            for handle in handles:
                handle.remove()
        module(x)
        return log
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_state_dict_hooks(torch):
    def run(lib, module):
        log = []
        module.register_state_dict_pre_hook(lambda m, prefix, keep: log.append((prefix, keep)))

        def add_key(m, state, prefix, metadata):
            state[prefix + 'extra'] = 1
        module.register_state_dict_post_hook(add_key)
        outer = lib.nn.Sequential(module)
        keys = list(outer.state_dict(keep_vars=True))
        handle = module._register_state_dict_hook(
            lambda m, state, prefix, metadata: OrderedDict(only=2))
        replaced = dict(module.state_dict())
        handle.remove()
        module.register_state_dict_post_hook(lambda m, state, prefix, metadata: state)
        with pytest.raises(RuntimeError) as error:
            module.state_dict()
        return log, keys, replaced, str(error.value)
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_load_state_dict_hooks(torch):
    def run(lib, module):
        log = []

        def rename(m, state, prefix, metadata, strict, missing, unexpected, errors):
            log.append(prefix)
            if prefix + 'w' in state:
                state[prefix + 'weight'] = state.pop(prefix + 'w')
        module.register_load_state_dict_pre_hook(rename)

        def forgive(m, keys):
            log.append(list(keys.missing_keys))
            keys.missing_keys.clear()
        module.register_load_state_dict_post_hook(forgive)
        outer = lib.nn.Sequential(module)
        weight = lib.ones(2, 3, dtype=lib.float64)
        result = outer.load_state_dict({'0.w': weight})
        return log, repr(result), module.weight.tolist()
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_lookups_by_path(torch):
    def run(lib, _):
        net = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        results = [tuple(net.get_parameter('0.weight').shape),
                   tuple(net.get_buffer('1.running_mean').shape)]
        for call in (lambda: net.get_parameter('0.nothing'),
                     lambda: net.get_parameter('1.running_mean'),
                     lambda: net.get_buffer('1.weight'),
                     lambda: net.get_submodule('0.weight'),
                     lambda: net.set_submodule('', lib.nn.ReLU()),
                     lambda: net.set_submodule('0', 3),
                     lambda: net.set_submodule('2', lib.nn.ReLU(), strict=True),
                     lambda: net.set_submodule('0.weight', lib.nn.ReLU())):
            with pytest.raises((AttributeError, ValueError)) as error:
                call()
            results.append((type(error.value).__name__,
                            str(error.value).replace('microtorch', 'torch')))
        net.set_submodule('1', lib.nn.ReLU())
        net.set_submodule('2', lib.nn.Tanh())
        net.register_module('3', lib.nn.Sigmoid())
        results.append(repr(net))
        return results
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs


def test_named_modules_and_parameters_with_duplicates(torch):
    def run(lib, _):
        shared = lib.nn.Linear(2, 2)
        net = lib.nn.Sequential(shared, lib.nn.ReLU(), shared)
        memo = set()
        return ([name for name, _ in net.named_modules(prefix='net')],
                [name for name, _ in net.named_modules(remove_duplicate=False)],
                [name for name, _ in net.named_modules(memo=memo, prefix='m')] + [len(memo)],
                len(list(net.modules(remove_duplicate=False))),
                [name for name, _ in net.named_parameters(remove_duplicate=False)],
                [name for name, _ in net.named_parameters(prefix='p')],
                net.share_memory() is net)
    ours, theirs = each(torch, run)[::-1]
    assert ours == theirs
