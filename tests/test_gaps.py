"""PyTorch 2.13 names microtorch lacked: optim.Muon, nn.functional.linear_cross_entropy and
nn.LinearCrossEntropyLoss, utils.data.DistributedSampler, utils.hooks.RemovableHandle and
nn.attention's SDPBackend / sdpa_kernel, each against PyTorch."""
import copy

import numpy as np
import pytest

import microtorch as mt

# ---- optim.Muon --------------------------------------------------------------------------

MUON_OPTIONS = [
    {},
    dict(lr=0.02, nesterov=False),
    dict(lr=0.1, weight_decay=0.0, momentum=0.5, adjust_lr_fn='match_rms_adamw'),
    dict(lr=0.05, adjust_lr_fn='original', ns_steps=3, ns_coefficients=(2.0, -1.5, 0.5),
         eps=1e-3),
    dict(momentum=0.0, ns_steps=0),
]
MUON_SHAPES = [(4, 6), (7, 3), (5, 5), (1, 8)]


def _muon_run(lib, dtype, options, steps=4, seed=0):
    """Muon's parameters (and optimizer) after `steps` steps on drawn gradients; the third
    step leaves the last parameter without a gradient."""
    rng = np.random.default_rng(seed)
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
              for s in MUON_SHAPES]
    opt = lib.optim.Muon(params, **options)
    for i in range(steps):
        for p in params:
            p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)).astype(dtype))
        if i == 2:
            params[-1].grad = None
        opt.step()
    return [p.detach().numpy() for p in params], opt


@pytest.mark.parametrize('options', MUON_OPTIONS, ids=str)
@pytest.mark.parametrize('dtype, tol', [('float64', 1e-10), ('float32', 1e-5)])
def test_muon_matches_pytorch(torch, options, dtype, tol):
    ours, opt = _muon_run(mt, dtype, options)
    theirs, topt = _muon_run(torch, dtype, options)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=0, atol=tol)
    for p, q in zip(opt.param_groups[0]['params'], topt.param_groups[0]['params']):
        np.testing.assert_allclose(opt.state[p]['momentum_buffer'].numpy(),
                                   topt.state[q]['momentum_buffer'].numpy(), atol=tol)


def test_muon_state_dict_round_trip(torch):
    _, opt = _muon_run(mt, 'float64', dict(lr=0.03))
    saved = copy.deepcopy(opt.state_dict())
    _, ref = _muon_run(torch, 'float64', dict(lr=0.03))
    theirs = ref.state_dict()
    assert saved['param_groups'][0].keys() == theirs['param_groups'][0].keys()
    assert set(saved['state'][0]) == set(theirs['state'][0]) == {'momentum_buffer'}
    # a fresh optimizer loaded with the state continues exactly as the original
    rng = np.random.default_rng(5)
    params = [mt.tensor(p.detach().numpy().copy(), requires_grad=True)
              for p in opt.param_groups[0]['params']]
    fresh = mt.optim.Muon(params)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]['lr'] == 0.03
    for p, q in zip(params, opt.param_groups[0]['params']):
        g = rng.standard_normal(tuple(p.shape))
        p.grad, q.grad = mt.tensor(g), mt.tensor(g)
    fresh.step()
    opt.step()
    for p, q in zip(params, opt.param_groups[0]['params']):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())


def test_muon_zero_gradient_and_repr():
    w = mt.ones(3, 2, requires_grad=True)
    opt = mt.optim.Muon([w], weight_decay=0.0)
    w.grad = mt.zeros(3, 2)
    opt.step()                                   # norm 0: clamped to eps, the update is 0
    assert np.array_equal(w.detach().numpy(), np.ones((3, 2), np.float32))
    assert 'ns_coefficients: (3.4445, -4.775, 2.0315)' in repr(opt)


def test_muon_bad_step_changes_nothing():
    w, v = mt.ones(2, 3, requires_grad=True), mt.ones(4, requires_grad=True)
    opt = mt.optim.Muon([w])
    opt.add_param_group({'params': [v]})         # PyTorch checks 2-D only at construction
    w.grad, v.grad = mt.ones(2, 3), mt.ones(4)
    with pytest.raises(ValueError, match='Param gradient must be a 2D matrix'):
        opt.step()
    assert not opt.state and np.array_equal(w.detach().numpy(), np.ones((2, 3)))


# ---- nn.functional.linear_cross_entropy and nn.LinearCrossEntropyLoss -------------------

LCE_CASES = [   # (input shape, linear_weight shape, target kind, keyword arguments)
    ((5, 4), (3, 4), 'index', {}),
    ((5, 4), (3, 4), 'index', dict(reduction='sum', label_smoothing=0.2)),
    ((5, 4), (3, 4), 'index', dict(reduction='none', ignore_index=1, bias=True)),
    ((5, 4), (3, 4), 'index', dict(weight=True, bias=True)),
    ((4,), (3, 4), 'index', dict(bias=True)),
    ((5, 4), (3, 4), 'prob', dict(label_smoothing=0.1)),
    ((4,), (3, 4), 'prob', dict(reduction='none')),
    ((5, 4), (3, 2, 2, 4), 'index', dict(bias=True, weight=True)),
    ((5, 4), (3, 2, 4), 'prob', dict(reduction='sum')),
]


def _lce_inputs(lib, input_shape, weight_shape, kind, options, seed=0):
    rng = np.random.default_rng(seed)
    options = dict(options)
    x = lib.tensor(rng.standard_normal(input_shape), requires_grad=True)
    w = lib.tensor(rng.standard_normal(weight_shape), requires_grad=True)
    logits_shape = input_shape[:-1] + weight_shape[:1] + weight_shape[1:-1]
    if kind == 'index':
        shape = input_shape[:-1] + weight_shape[1:-1]
        target = lib.tensor(rng.integers(0, weight_shape[0], shape))
    else:
        target = lib.tensor(rng.random(logits_shape)).softmax(len(input_shape) - 1)
    if options.pop('bias', False):
        options['linear_bias'] = lib.tensor(rng.standard_normal(weight_shape[:-1]),
                                            requires_grad=True)
    if options.get('weight'):
        options['weight'] = lib.tensor(rng.random(weight_shape[0]) + 0.5)
    return x, w, target, options


@pytest.mark.parametrize('case', LCE_CASES, ids=str)
def test_linear_cross_entropy_matches_pytorch(torch, case):
    results = []
    for lib in (mt, torch):
        x, w, target, options = _lce_inputs(lib, *case)
        loss = lib.nn.functional.linear_cross_entropy(x, w, target, **options)
        loss.sum().backward()
        leaves = [x, w] + ([options['linear_bias']] if 'linear_bias' in options else [])
        results.append([loss.detach().numpy()] + [t.grad.numpy() for t in leaves])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_linear_cross_entropy_options_warn_and_take_the_reference_path(torch):
    x, w, target, _ = _lce_inputs(mt, (5, 4), (3, 4), 'index', {})
    options = mt.nn.LinearCrossEntropyOptions(batch_chunk_size=2)
    plain = mt.nn.functional.linear_cross_entropy(x, w, target)
    chunked = mt.nn.functional.linear_cross_entropy(x, w, target, options=options)
    assert np.array_equal(plain.detach().numpy(), chunked.detach().numpy())
    messages = []
    for lib in (mt, torch):
        x, w, target, _ = _lce_inputs(lib, (5, 4), (3, 4), 'index', {})
        with pytest.warns(UserWarning) as record:
            lib.nn.functional.linear_cross_entropy(
                x, w, target, label_smoothing=0.1,
                options=lib.nn.LinearCrossEntropyOptions())
        message = str(record[0].message)
        messages.append(message if lib is mt else message.replace('torch.', 'microtorch.'))
    assert messages[0] == messages[1]


@pytest.mark.parametrize('kwargs', [dict(), dict(out_features=(2, 3), bias=True,
                                                 reduction='none', ignore_index=0),
                                    dict(bias=True, label_smoothing=0.3, weight=True)],
                         ids=str)
def test_linear_cross_entropy_loss_module(torch, kwargs):
    kwargs = dict(kwargs)
    rng = np.random.default_rng(3)
    class_weight = rng.random(4) + 0.5 if kwargs.pop('weight', False) else None
    x = rng.standard_normal((6, 5))
    shape = (6,) + kwargs.get('out_features', ())
    target = rng.integers(0, 4, shape)
    torch.manual_seed(0)
    results, modules = [], []
    for lib in (torch, mt):
        weight = None if class_weight is None else lib.tensor(class_weight)
        module = lib.nn.LinearCrossEntropyLoss(5, 4, weight=weight, dtype=lib.float64,
                                               **kwargs)
        if modules:                    # PyTorch's initial weights, copied
            module.load_state_dict({k: mt.tensor(v.detach().numpy())
                                    for k, v in modules[0].state_dict().items()})
        modules.append(module)
        xs = lib.tensor(x, requires_grad=True)
        loss = module(xs, lib.tensor(target))
        loss.sum().backward()
        results.append([loss.detach().numpy(), xs.grad.numpy()] +
                       [p.grad.numpy() for p in module.parameters()])
    assert repr(modules[1]) == repr(modules[0])
    assert list(modules[1].state_dict()) == list(modules[0].state_dict())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ---- utils.data.DistributedSampler -------------------------------------------------------

SAMPLER_GRID = [(n, replicas, drop_last) for n in (0, 1, 2, 5, 7, 10, 12)
                for replicas in (1, 2, 3, 4, 8) for drop_last in (False, True)]


def test_distributed_sampler_is_exported():
    from microtorch.utils.data import distributed
    assert mt.utils.data.DistributedSampler is distributed.DistributedSampler


@pytest.mark.parametrize('n, replicas, drop_last', SAMPLER_GRID)
def test_distributed_sampler_in_order_matches_pytorch(torch, n, replicas, drop_last):
    from torch.utils.data.distributed import DistributedSampler as Theirs
    for rank in range(replicas):
        ours = mt.utils.data.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                                drop_last=drop_last)
        theirs = Theirs(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


def _shuffled_expectation(n, replicas, rank, seed, epoch, drop_last):
    order = mt.randperm(n, generator=mt.Generator().manual_seed(seed + epoch)).tolist()
    sampler = mt.utils.data.DistributedSampler(range(n), replicas, rank, drop_last=drop_last)
    total = sampler.total_size
    padded = order[:total] if drop_last else (order * (total // max(n, 1) + 1))[:total]
    return padded[rank::replicas]


@pytest.mark.parametrize('n, replicas, drop_last', [(10, 3, False), (10, 3, True),
                                                    (7, 4, False), (2, 5, False),
                                                    (12, 4, True)])
def test_distributed_sampler_shuffles_by_seed_and_epoch(n, replicas, drop_last):
    for epoch in (0, 1, 5):
        shares = []
        for rank in range(replicas):
            sampler = mt.utils.data.DistributedSampler(range(n), replicas, rank, seed=7,
                                                       drop_last=drop_last)
            sampler.set_epoch(epoch)
            shares.append(list(sampler))
            assert shares[-1] == list(sampler)                  # the same again
            assert shares[-1] == _shuffled_expectation(n, replicas, rank, 7, epoch,
                                                       drop_last)
            assert len(shares[-1]) == len(sampler)
        seen = sorted(i for share in shares for i in share)
        if drop_last:                     # each index at most once, the tail dropped
            assert len(set(seen)) == len(seen) == replicas * (n // replicas)
        else:                             # each index at least once, padded to a multiple
            assert set(seen) == set(range(n)) and len(seen) % replicas == 0
            assert len(seen) - n < replicas


def test_distributed_sampler_shuffle_matches_pytorch(torch):
    from torch.utils.data.distributed import DistributedSampler as Theirs
    for epoch in (0, 3):
        for rank in range(3):
            ours = mt.utils.data.DistributedSampler(range(11), 3, rank, seed=2)
            theirs = Theirs(range(11), 3, rank, seed=2)
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs)


def test_distributed_sampler_in_a_data_loader():
    data = mt.utils.data.TensorDataset(mt.arange(10.0))
    sampler = mt.utils.data.DistributedSampler(data, num_replicas=2, rank=1, shuffle=False)
    loader = mt.utils.data.DataLoader(data, batch_size=2, sampler=sampler)
    assert [batch[0].tolist() for batch in loader] == [[1.0, 3.0], [5.0, 7.0], [9.0]]


# ---- utils.hooks.RemovableHandle ---------------------------------------------------------

def test_module_hooks_return_the_utils_handle():
    from microtorch.utils.hooks import RemovableHandle
    layer = mt.nn.Linear(2, 2)
    calls = []
    first = layer.register_forward_hook(lambda *args: calls.append('a'))
    second = layer.register_forward_pre_hook(lambda *args, **kw: calls.append('b'),
                                              with_kwargs=True)
    assert isinstance(first, RemovableHandle) and second.id == first.id + 1
    assert RemovableHandle.next_id == second.id + 1
    with second:
        layer(mt.ones(2))
    assert calls == ['b', 'a'] and not layer._forward_pre_hooks_with_kwargs
    first.remove()
    first.remove()                                # twice: nothing left to remove
    layer(mt.ones(2))
    assert calls == ['b', 'a']


def test_removable_handle_on_its_own(torch):
    from microtorch.utils.hooks import RemovableHandle
    for lib_handle in (RemovableHandle, torch.utils.hooks.RemovableHandle):
        from collections import OrderedDict
        hooks, extra, more = OrderedDict(), OrderedDict(), OrderedDict()
        handle = lib_handle(hooks, extra_dict=[extra, more])
        hooks[handle.id] = extra[handle.id] = more[handle.id] = 'hook'
        other = lib_handle(hooks, extra_dict=extra)
        hooks[other.id] = extra[other.id] = 'other'
        assert other.id == handle.id + 1
        with handle as entered:
            assert entered is handle
        assert list(hooks.values()) == list(extra.values()) == ['other'] and not more


# ---- nn.attention: SDPBackend and sdpa_kernel --------------------------------------------

def test_sdp_backend_names_and_numbers(torch):
    ours, theirs = mt.nn.attention.SDPBackend, torch.nn.attention.SDPBackend
    assert list(ours.__members__) == list(theirs.__members__)
    for name in theirs.__members__:
        a, b = getattr(ours, name), getattr(theirs, name)
        assert (int(a), repr(a), str(a)) == (int(b), repr(b), str(b))
        assert ours(int(a)) is a
    assert ours.MATH != 0 and (theirs.MATH != 0)


@pytest.mark.parametrize('backends, set_priority', [
    ('MATH', False), (['FLASH_ATTENTION', 'MATH', 'FLASH_ATTENTION'], False),
    (['MATH', 'CUDNN_ATTENTION'], True), ([], False), ('ERROR', False)])
def test_sdpa_kernel_records_the_choice_as_pytorch(torch, backends, set_priority):
    seen = []
    for lib in (mt, torch):
        attention = lib.nn.attention
        chosen = (getattr(attention.SDPBackend, backends) if isinstance(backends, str)
                  else [getattr(attention.SDPBackend, b) for b in backends])
        order = (lambda: lib._C._get_sdp_priority_order()) if lib is torch else (
            lambda: list(attention._priority))
        with attention.sdpa_kernel(chosen, set_priority=set_priority) as value:
            inside = [b.name for b in attention._cur_sdpa_kernel_backends(True)]
            inside_order = order()
        after = [b.name for b in attention._cur_sdpa_kernel_backends(True)]
        seen.append((value, inside, inside_order, after, order()))
    assert seen[0] == seen[1]


def test_sdpa_kernel_has_no_effect_on_the_values():
    q = mt.randn(1, 2, 3, 4)
    plain = mt.nn.functional.scaled_dot_product_attention(q, q, q)
    with mt.nn.attention.sdpa_kernel(mt.nn.attention.SDPBackend.FLASH_ATTENTION):
        chosen = mt.nn.functional.scaled_dot_product_attention(q, q, q)
    assert mt.equal(plain, chosen)
