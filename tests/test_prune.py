"""nn.utils.prune against PyTorch: the deterministic methods (l1_unstructured, ln_structured,
custom_from_mask, global_unstructured, identity) on the same starting weights in both
libraries give the same masks, pruned weights, state_dict keys, forward values and gradients,
also when pruned several times and after remove(). The random methods give PyTorch's masks
after the same seed, and are checked for their structure (how many entries or whole channels
are pruned)."""
import numpy as np
import pytest

import microtorch
import microtorch.nn.utils.prune as prune

INF = float('inf')


@pytest.fixture
def torch(torch):
    """PyTorch, with torch.nn.utils.prune imported (PyTorch imports it only on request)."""
    import torch.nn.utils.prune  # noqa: F401
    return torch


def to_mt(t):
    return microtorch.tensor(t.detach().numpy())


def same(ours, theirs):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12,
                               atol=1e-12)


def pair(torch, make):
    """make(lib) in both libraries, float64, microtorch's state copied from PyTorch's."""
    torch.manual_seed(0)
    theirs, ours = make(torch).double(), make(microtorch).double()
    ours.load_state_dict({k: to_mt(v) for k, v in theirs.state_dict().items()})
    return theirs, ours


def linear(lib):
    return lib.nn.Linear(5, 4)


def conv(lib):
    return lib.nn.Conv2d(3, 4, 2)


def conv1d(lib):
    return lib.nn.Conv1d(3, 4, 2)


def input_for(module, lib):
    if isinstance(module, lib.nn.Linear):
        shape = (2, module.in_features)
    else:
        shape = (2, module.in_channels) + (4,) * len(module.kernel_size)
    return lib.tensor(np.linspace(-1, 1, int(np.prod(shape))).reshape(shape))


def check_same(theirs, ours, torch, names=('weight',)):
    """State dict (keys and values), pruned attributes, hooks, forward and gradients agree."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        same(ours.state_dict()[key], value)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    for name in names:
        same(getattr(ours, name), getattr(theirs, name))
    assert ([type(h).__name__ for h in ours._forward_pre_hooks.values()]
            == [type(h).__name__ for h in theirs._forward_pre_hooks.values()])
    assert prune.is_pruned(ours) == torch.nn.utils.prune.is_pruned(theirs)
    for module, lib in ((theirs, torch), (ours, microtorch)):
        module.zero_grad()
        (module(input_for(module, lib)) ** 2).sum().backward()
    same(ours(input_for(ours, microtorch)), theirs(input_for(theirs, torch)))
    for (name, p_ours), (_, p_theirs) in zip(ours.named_parameters(),
                                             theirs.named_parameters()):
        same(p_ours.grad, p_theirs.grad)


def both(theirs, ours, torch, call):
    """call(prune_module, module) with each library's prune module."""
    got_theirs = call(torch.nn.utils.prune, theirs)
    got_ours = call(prune, ours)
    return got_theirs, got_ours


@pytest.mark.parametrize('make', [linear, conv])
@pytest.mark.parametrize('amount', [0, 3, 0.3, 0.5, 1.0])
def test_l1_unstructured(torch, make, amount):
    theirs, ours = pair(torch, make)
    _, returned = both(theirs, ours, torch,
                       lambda p, m: p.l1_unstructured(m, 'weight', amount=amount))
    assert returned is ours
    assert isinstance(ours.weight_orig, microtorch.nn.Parameter)
    assert 'weight' not in ours._parameters and not isinstance(ours.weight,
                                                               microtorch.nn.Parameter)
    same(ours.weight_mask, theirs.weight_mask)
    check_same(theirs, ours, torch)
    # the gradient of the pruned entries is zero: it flows to weight_orig through the mask
    assert (ours.weight_orig.grad * (1 - ours.weight_mask)).abs().sum().item() == 0


@pytest.mark.parametrize('n', [1, 2, 3, INF, -INF, 'fro', 'nuc', 0.5])
@pytest.mark.parametrize('dim', [0, 1, -1])
@pytest.mark.parametrize('amount', [1, 0.5, 0])
def test_ln_structured(torch, n, dim, amount):
    # 'fro' and 'nuc' on a 3-d weight: over the other two dims they are matrix norms (PyTorch
    # refuses them over three dims)
    theirs, ours = pair(torch, conv1d if isinstance(n, str) else conv)
    both(theirs, ours, torch, lambda p, m: p.ln_structured(m, 'weight', amount, n, dim))
    same(ours.weight_mask, theirs.weight_mask)
    check_same(theirs, ours, torch)


def test_nuclear_norm_needs_two_other_dims(torch):
    for lib, p in ((torch, torch.nn.utils.prune), (microtorch, prune)):
        with pytest.raises(RuntimeError) as error:
            p.ln_structured(lib.nn.Linear(2, 3), 'weight', 1, 'nuc', 0)
        assert str(error.value) == 'linalg.matrix_norm: dim must be a 2-tuple. Got 1'


def test_importance_scores(torch):
    theirs, ours = pair(torch, conv)
    scores = np.arange(48.0)[::-1].reshape(4, 3, 2, 2) % 7 + np.arange(48).reshape(
        4, 3, 2, 2) / 100
    torch.nn.utils.prune.l1_unstructured(theirs, 'weight', 10,
                                         importance_scores=torch.tensor(scores))
    prune.l1_unstructured(ours, 'weight', 10, importance_scores=microtorch.tensor(scores))
    torch.nn.utils.prune.ln_structured(theirs, 'weight', 1, 1, 1,
                                       importance_scores=torch.tensor(scores))
    prune.ln_structured(ours, 'weight', 1, 1, 1, importance_scores=microtorch.tensor(scores))
    same(ours.weight_mask, theirs.weight_mask)
    check_same(theirs, ours, torch)


def test_iterative_pruning_builds_a_container(torch):
    theirs, ours = pair(torch, conv)
    steps = [lambda p, m: p.l1_unstructured(m, 'weight', 0.2),
             lambda p, m: p.ln_structured(m, 'weight', 1, 2, 0),
             lambda p, m: p.l1_unstructured(m, 'weight', 5),
             lambda p, m: p.ln_structured(m, 'weight', 0.5, INF, 1),
             lambda p, m: p.custom_from_mask(m, 'bias', m.bias.detach() > 0),
             lambda p, m: p.l1_unstructured(m, 'bias', 1)]
    for step in steps:
        both(theirs, ours, torch, step)
        same(ours.weight_mask, theirs.weight_mask)
        check_same(theirs, ours, torch, names=('weight', 'bias'))
    (hook_w, hook_b), = [tuple(ours._forward_pre_hooks.values())]
    assert isinstance(hook_w, prune.PruningContainer) and len(hook_w) == 4
    assert [type(m).__name__ for m in hook_w] == ['L1Unstructured', 'LnStructured',
                                                  'L1Unstructured', 'LnStructured']
    assert isinstance(hook_w[1], prune.LnStructured) and hook_w[1].n == 2
    assert hook_w._tensor_name == 'weight' and hook_b._tensor_name == 'bias'
    # the earlier zeros stay zero, and the new ones come from what was left
    assert ours.weight_mask.sum().item() == theirs.weight_mask.sum().item()
    for name in ('weight', 'bias'):
        both(theirs, ours, torch, lambda p, m: p.remove(m, name))
    check_same(theirs, ours, torch, names=('weight', 'bias'))
    assert not prune.is_pruned(ours) and ours._forward_pre_hooks == {}


def test_custom_from_mask_and_identity(torch):
    theirs, ours = pair(torch, linear)
    mask = [[1, 0, 1, 1, 0], [0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0]]
    torch.nn.utils.prune.custom_from_mask(theirs, 'weight', torch.tensor(mask))
    prune.custom_from_mask(ours, 'weight', microtorch.tensor(mask))
    torch.nn.utils.prune.identity(theirs, 'bias')
    prune.identity(ours, 'bias')
    assert ours.weight_mask.dtype == microtorch.float64    # the dtype of the ones it starts from
    assert ours.bias_mask.tolist() == [1.0] * 4
    check_same(theirs, ours, torch, names=('weight', 'bias'))


@pytest.mark.parametrize('amount', [7, 0.4])
def test_global_unstructured(torch, amount):
    def make(lib):
        return lib.nn.Sequential(lib.nn.Linear(5, 4), lib.nn.ReLU(), lib.nn.Linear(4, 3))
    theirs, ours = pair(torch, make)
    for p, model in ((torch.nn.utils.prune, theirs), (prune, ours)):
        p.l1_unstructured(model[2], 'weight', 2)      # one of them pruned before
        pairs = [(model[0], 'weight'), (model[0], 'bias'), (model[2], 'weight')]
        assert p.global_unstructured(pairs, pruning_method=p.L1Unstructured,
                                     amount=amount) is None
    for i in (0, 2):
        check_same(theirs[i], ours[i], torch, names=('weight',))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    total = sum(m.sum().item() for m in ours.buffers())
    assert total == sum(m.sum().item() for m in theirs.buffers())
    assert isinstance(ours[2]._forward_pre_hooks[next(iter(ours[2]._forward_pre_hooks))],
                      prune.PruningContainer)


def test_global_unstructured_with_importance_scores(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Sequential(lib.nn.Linear(3, 2),
                                                             lib.nn.Linear(2, 2)))
    scores = np.array([[5.0, 1.0, 3.0], [0.5, 4.0, 2.5]])
    for lib, p, model in ((torch, torch.nn.utils.prune, theirs), (microtorch, prune, ours)):
        p.global_unstructured([(model[0], 'weight'), (model[1], 'weight')],
                              p.L1Unstructured, importance_scores={
                                  (model[0], 'weight'): lib.tensor(scores)}, amount=0.5)
    for i in (0, 1):
        check_same(theirs[i], ours[i], torch)


def test_forward_pre_hook_recomputes_the_pruned_tensor(torch):
    theirs, ours = pair(torch, linear)
    both(theirs, ours, torch, lambda p, m: p.l1_unstructured(m, 'weight', 6))
    for lib, module in ((torch, theirs), (microtorch, ours)):
        with lib.no_grad():
            module.weight_orig.mul_(-2)          # training updates weight_orig in place
        module(input_for(module, lib))
    same(ours.weight, theirs.weight)
    same(ours.weight, ours.weight_orig * ours.weight_mask)


def test_load_state_dict_of_a_pruned_module(torch):
    theirs, ours = pair(torch, linear)
    torch.nn.utils.prune.l1_unstructured(theirs, 'weight', 8)
    fresh = linear(microtorch).double()
    prune.identity(fresh, 'weight')
    fresh.load_state_dict({k: to_mt(v) for k, v in theirs.state_dict().items()})
    fresh(input_for(fresh, microtorch))
    same(fresh.weight, theirs.weight)


def test_prune_method_and_container_api(torch):
    values = np.array([[0.3, -2.0, 1.0], [-0.1, 4.0, 0.2]])
    results = []
    for lib, p in ((torch, torch.nn.utils.prune), (microtorch, prune)):
        t = lib.tensor(values)
        results.append([
            p.L1Unstructured(amount=2).prune(t),
            p.L1Unstructured(1).prune(t, default_mask=lib.tensor([[1.0, 1, 0], [1, 1, 1]])),
            p.LnStructured(1, n=1, dim=0).prune(t, importance_scores=-t.flip(0)),
            p.CustomFromMask(lib.tensor([[0, 1, 1], [1, 1, 0]])).prune(t)])
    for theirs, ours in zip(*results):
        same(ours, theirs)
    first, second = prune.L1Unstructured(1), prune.Identity()
    first._tensor_name = second._tensor_name = 'w'
    container = prune.PruningContainer(first)
    container.add_pruning_method(second)
    assert len(container) == 2 and list(container) == [first, second]
    assert container[1] is second and container._tensor_name == 'w'


def test_a_pruning_method_of_ones_own(torch):
    """A subclass with compute_mask and PRUNING_TYPE works like the built-in methods."""
    def every_other(lib, p):
        class EveryOther(p.BasePruningMethod):
            PRUNING_TYPE = 'unstructured'

            def compute_mask(self, t, default_mask):
                mask = default_mask.clone()
                mask.view(-1)[::2] = 0
                return mask
        return EveryOther
    theirs, ours = pair(torch, linear)
    for lib, p, module in ((torch, torch.nn.utils.prune, theirs), (microtorch, prune, ours)):
        p.l1_unstructured(module, 'weight', 3)
        every_other(lib, p).apply(module, 'weight')
    check_same(theirs, ours, torch)


def test_remove_makes_pruning_permanent(torch):
    theirs, ours = pair(torch, linear)
    both(theirs, ours, torch, lambda p, m: p.ln_structured(m, 'weight', 2, 2, 0))
    orig = ours.weight_orig
    assert prune.remove(ours, 'weight') is ours
    torch.nn.utils.prune.remove(theirs, 'weight')
    assert ours.weight is orig                 # the same Parameter, now holding pruned values
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ['bias', 'weight']
    assert 'weight' not in ours.__dict__ and not prune.is_pruned(ours)
    check_same(theirs, ours, torch)


def test_is_pruned_looks_at_submodules():
    model = microtorch.nn.Sequential(microtorch.nn.Linear(2, 2), microtorch.nn.ReLU())
    assert not prune.is_pruned(model)
    prune.identity(model[0], 'bias')
    assert prune.is_pruned(model) and prune.is_pruned(model[0])
    assert not prune.is_pruned(model[1])


@pytest.mark.parametrize('rounds', [1, 2])
def test_a_failed_pruning_changes_nothing(rounds):
    """(PyTorch puts the parameter back at the end of the list and drops the earlier hook.)"""
    module = microtorch.nn.Linear(3, 2)
    for _ in range(rounds):
        prune.l1_unstructured(module, 'weight', 1)
    hooks = dict(module._forward_pre_hooks)
    hook = next(iter(hooks.values()))
    methods = list(hook) if rounds == 2 else None
    before = (list(module._parameters.items()), list(module._buffers.items()),
              module.__dict__['weight'])
    for call in (lambda: prune.l1_unstructured(module, 'weight', 7),
                 lambda: prune.l1_unstructured(module, 'bias', 3),
                 lambda: prune.random_structured(module, 'bias', 1, 0),
                 lambda: prune.l1_unstructured(module, 'weight', -1),
                 lambda: prune.ln_structured(module, 'weight', 1, 2, 5)):
        with pytest.raises((ValueError, IndexError)):
            call()
        assert (list(module._parameters.items()), list(module._buffers.items()),
                module.__dict__['weight']) == before
        assert module._forward_pre_hooks == hooks
        assert 'bias' not in module.__dict__
        if methods is not None:
            assert list(hook) == methods


# ---- the random methods ------------------------------------------------------------------

def test_random_methods_give_pytorchs_masks_after_the_same_seed(torch):
    def masks(lib, methods):
        lib.manual_seed(0)
        module = lib.nn.Conv2d(3, 4, 2)
        methods.random_unstructured(module, 'weight', 0.3)
        methods.random_structured(module, 'weight', 1, dim=0)
        methods.random_structured(module, 'weight', 0.5, dim=1)
        methods.random_unstructured(module, 'bias', 2)
        return [module.weight_mask, module.bias_mask]
    for ours, theirs in zip(masks(microtorch, prune), masks(torch, torch.nn.utils.prune)):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize('amount, pruned', [(5, 5), (0.25, 5), (0, 0), (20, 20)])
def test_random_unstructured_prunes_that_many(amount, pruned):
    microtorch.manual_seed(0)
    module = microtorch.nn.Linear(5, 4)
    prune.random_unstructured(module, 'weight', amount)
    assert (module.weight_mask == 0).sum().item() == pruned
    assert (module.weight == module.weight_orig * module.weight_mask).all().item()
    if pruned < 20:       # a second round prunes among the entries still unpruned
        before = module.weight_mask.clone()
        prune.random_unstructured(module, 'weight', 0.5)
        left = 20 - pruned
        assert (module.weight_mask == 0).sum().item() == pruned + round(0.5 * left)
        assert ((before == 0) <= (module.weight_mask == 0)).all().item()


@pytest.mark.parametrize('dim', [0, 1, -1, 2])
def test_random_structured_prunes_whole_channels(dim):
    microtorch.manual_seed(0)
    module = microtorch.nn.Conv2d(3, 4, 2)
    prune.random_structured(module, 'weight', 1, dim=dim)
    mask = module.weight_mask
    others = [d for d in range(4) if d != dim % 4]
    per_channel = mask.sum(dim=others)
    size = mask.numel() // mask.shape[dim]
    assert sorted(per_channel.tolist()) == [0.0] + [float(size)] * (mask.shape[dim] - 1)
    # the next round prunes another whole channel, among those left
    prune.random_structured(module, 'weight', 0.5, dim=dim)
    per_channel = module.weight_mask.sum(dim=others).tolist()
    pruned = 1 + round(0.5 * (mask.shape[dim] - 1))
    assert sorted(per_channel) == [0.0] * pruned + [float(size)] * (mask.shape[dim] - pruned)
    assert isinstance(next(iter(module._forward_pre_hooks.values())), prune.PruningContainer)


def test_random_structured_after_unstructured_keeps_the_earlier_zeros():
    microtorch.manual_seed(1)
    module = microtorch.nn.Linear(6, 4)
    prune.l1_unstructured(module, 'weight', 5)
    before = module.weight_mask.clone()
    prune.random_structured(module, 'weight', 2, dim=0)
    mask = module.weight_mask
    assert ((before == 0) <= (mask == 0)).all().item()
    assert (mask.sum(dim=1) == 0).sum().item() >= 2


def test_module_attribute_and_import():
    import microtorch.nn.utils.prune as imported
    assert microtorch.nn.utils.prune is imported is prune
    assert set(prune.__all__) >= {'BasePruningMethod', 'global_unstructured', 'is_pruned'}


def test_pruning_on_the_device(device):
    """Each method keeps the mask on the parameter's device (the random structured draw is
    made on the CPU, as PyTorch does, then moved)."""
    microtorch.manual_seed(0)
    module = microtorch.nn.Conv2d(3, 4, 2).to(device)
    prune.l1_unstructured(module, 'weight', 5)
    prune.ln_structured(module, 'weight', 1, 2, 0)
    prune.random_structured(module, 'weight', 1, 1)
    prune.random_unstructured(module, 'bias', 2)
    prune.global_unstructured([(module, 'weight'), (module, 'bias')], prune.L1Unstructured,
                              amount=3)
    for name in ('weight', 'bias'):
        assert getattr(module, name + '_mask').device == microtorch.device(device)
    module(microtorch.ones(1, 3, 3, 3, device=device)).sum().backward()
    assert module.weight_orig.grad.device == microtorch.device(device)
    kept = module.weight_mask.cpu()
    assert (kept.sum(dim=[1, 2, 3]) == 0).sum().item() >= 1      # a whole output channel
    assert (kept.sum(dim=[0, 2, 3]) == 0).sum().item() >= 1      # a whole input channel
    prune.remove(module, 'weight')
    assert module.weight.device == microtorch.device(device)
