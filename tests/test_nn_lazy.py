"""Lazy modules, uninitialised parameters and buffers, and nn.Buffer, against PyTorch."""
import copy
import pickle

import numpy as np
import pytest

import microtorch as mt
from microtorch.nn.parameter import is_lazy

# (lazy class, its arguments, eager class, eager arguments given the input, input shape)
LAZY = [
    ('LazyLinear', (3,), 'Linear', lambda c: (c, 3), (2, 4)),
    ('LazyConv1d', (4, 3), 'Conv1d', lambda c: (c, 4, 3), (2, 2, 7)),
    ('LazyConv2d', (4, 3), 'Conv2d', lambda c: (c, 4, 3), (2, 3, 5, 6)),
    ('LazyConv2d', (4, 3), 'Conv2d', lambda c: (c, 4, 3), (3, 5, 6)),       # unbatched
    ('LazyConv3d', (2, 2), 'Conv3d', lambda c: (c, 2, 2), (1, 2, 3, 4, 3)),
    ('LazyConvTranspose1d', (4, 3), 'ConvTranspose1d', lambda c: (c, 4, 3), (2, 2, 5)),
    ('LazyConvTranspose2d', (4, 3), 'ConvTranspose2d', lambda c: (c, 4, 3), (2, 3, 4, 4)),
    ('LazyConvTranspose3d', (2, 2), 'ConvTranspose3d', lambda c: (c, 2, 2), (1, 2, 3, 2, 3)),
    ('LazyBatchNorm1d', (), 'BatchNorm1d', lambda c: (c,), (4, 3)),
    ('LazyBatchNorm2d', (), 'BatchNorm2d', lambda c: (c,), (2, 3, 4, 4)),
    ('LazyBatchNorm3d', (), 'BatchNorm3d', lambda c: (c,), (2, 3, 2, 2, 2)),
    ('LazyInstanceNorm1d', (), 'InstanceNorm1d', lambda c: (c, 1e-5, 0.1, True, True),
     (2, 3, 5)),
    ('LazyInstanceNorm2d', (), 'InstanceNorm2d', lambda c: (c, 1e-5, 0.1, True, True),
     (2, 3, 4, 4)),
    ('LazyInstanceNorm3d', (), 'InstanceNorm3d', lambda c: (c, 1e-5, 0.1, True, True),
     (2, 3, 2, 2, 3)),
]


def channels(name, shape):
    if name == 'LazyLinear':
        return shape[-1]
    if 'BatchNorm' in name:
        return shape[1]
    unbatched = {'1d': 2, '2d': 3, '3d': 4}[name[-2:]]
    return shape[0] if len(shape) == unbatched else shape[1]


def ids(case):
    return f'{case[0]}-{len(case[4])}d'


@pytest.mark.parametrize('case', LAZY, ids=ids)
def test_lazy_module_before_and_after_forward_matches_torch(case, torch):
    name, args, eager, eager_args, shape = case
    mine, theirs = getattr(mt.nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [repr(v) for v in mine.state_dict().values()] == \
        [repr(v) for v in theirs.state_dict().values()]
    assert mine.has_uninitialized_params() and theirs.has_uninitialized_params()
    x = np.random.default_rng(0).standard_normal(shape)
    out_mine = mine(mt.tensor(x, dtype=mt.float32))
    out_theirs = theirs(torch.tensor(x, dtype=torch.float32))
    assert type(mine) is getattr(mt.nn, eager) and type(theirs) is getattr(torch.nn, eager)
    assert repr(mine) == repr(theirs)
    assert not mine.has_uninitialized_params() if hasattr(mine, 'has_uninitialized_params') \
        else True
    got, want = mine.state_dict(), theirs.state_dict()
    assert list(got) == list(want)
    assert all(tuple(got[k].shape) == tuple(want[k].shape) for k in got)
    assert all(type(p) is mt.nn.Parameter for p in mine.parameters())
    assert all(type(b) is mt.Tensor for b in mine.buffers())
    assert out_mine.shape == tuple(out_theirs.shape)


@pytest.mark.parametrize('case', LAZY, ids=ids)
def test_lazy_module_initialises_as_the_eager_one(case):
    """Same seed, same draws: the materialised parameters equal a fresh eager module's."""
    name, args, eager, eager_args, shape = case
    x = mt.randn(*shape)
    mt.manual_seed(5)
    lazy = getattr(mt.nn, name)(*args)
    lazy(x)
    mt.manual_seed(5)
    reference = getattr(mt.nn, eager)(*eager_args(channels(name, shape)))
    for (k, a), (k2, b) in zip(lazy.state_dict().items(), reference.state_dict().items()):
        assert k == k2
        if k not in ('running_mean', 'running_var', 'num_batches_tracked'):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize('case', LAZY, ids=ids)
def test_lazy_module_values_and_float64_grads_match_torch(case, torch):
    name, args, _, _, shape = case
    x = np.random.default_rng(1).standard_normal(shape)
    mine = getattr(mt.nn, name)(*args, dtype=mt.float64)
    theirs = getattr(torch.nn, name)(*args, dtype=torch.float64)
    xm = mt.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    mine(xm)
    theirs(xt)
    with torch.no_grad():                           # the same parameters on both sides
        for p_mine, p_theirs in zip(mine.parameters(), theirs.parameters()):
            p_theirs.copy_(torch.tensor(p_mine.detach().numpy()))
    om, ot = mine(xm), theirs(xt)
    np.testing.assert_allclose(om.detach().numpy(), ot.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    weight = np.random.default_rng(2).standard_normal(tuple(ot.shape))
    (om * mt.tensor(weight)).sum().backward()
    (ot * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-10)
    for p_mine, p_theirs in zip(mine.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p_mine.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-9,
                                   atol=1e-10)


@pytest.mark.parametrize('case', LAZY, ids=ids)
def test_load_state_dict_materialises_an_uninitialised_module(case, torch):
    name, args, eager, eager_args, shape = case
    source = getattr(mt.nn, eager)(*eager_args(channels(name, shape)))
    lazy = getattr(mt.nn, name)(*args)
    lazy.load_state_dict(source.state_dict())
    theirs = getattr(torch.nn, name)(*args)
    theirs.load_state_dict({k: torch.tensor(v.numpy())
                            for k, v in source.state_dict().items()})
    assert type(lazy).__name__ == type(theirs).__name__ == name      # still lazy until forward
    assert repr(lazy) == repr(theirs)
    assert not lazy.has_uninitialized_params()
    for k, v in source.state_dict().items():
        np.testing.assert_array_equal(lazy.state_dict()[k].numpy(), v.numpy())
    # PyTorch leaves num_features / in_channels at 0 here (in_features is fixed at forward):
    # the instance norms then refuse the input, as PyTorch's do
    x = np.random.default_rng(0).standard_normal(shape)
    failed = _error(lambda: lazy(mt.tensor(x, dtype=mt.float32)))
    assert failed == _error(lambda: theirs(torch.tensor(x, dtype=torch.float32)))
    assert repr(lazy) == repr(theirs)
    if failed is None:
        assert type(lazy) is getattr(mt.nn, eager)
        for k, v in source.state_dict().items():
            if k not in ('running_mean', 'running_var', 'num_batches_tracked'):
                np.testing.assert_array_equal(lazy.state_dict()[k].numpy(), v.numpy())


def test_lazy_linear_loaded_then_given_another_width(torch):
    results = []
    for lib in (mt, torch):
        layer = lib.nn.LazyLinear(2)
        layer.load_state_dict(lib.nn.Linear(3, 2).state_dict())
        results.append(_error(lambda: layer(lib.ones(1, 4))))
    assert results[0] == results[1] and results[0][0] == 'AssertionError'


def test_lazy_norm_options_match_torch(torch):
    for kwargs in ({'affine': False}, {'bias': False}, {'track_running_stats': False},
                   {'affine': False, 'track_running_stats': False}):
        for name in ('LazyBatchNorm1d', 'LazyInstanceNorm1d'):
            mine, theirs = getattr(mt.nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
            assert repr(mine) == repr(theirs)
            assert list(mine.state_dict()) == list(theirs.state_dict())
            mine(mt.randn(4, 3, 2))
            theirs(torch.randn(4, 3, 2))
            assert repr(mine) == repr(theirs)
            assert list(mine.state_dict()) == list(theirs.state_dict())


def test_lazy_linear_without_bias_and_lazy_conv_options_match_torch(torch):
    cases = [('LazyLinear', (2,), {'bias': False}, (3, 5)),
             ('LazyConv2d', (4, 3), {'stride': 2, 'padding': 1, 'groups': 2, 'bias': False},
              (1, 6, 7, 7)),
             ('LazyConvTranspose2d', (4, 3), {'stride': 2, 'output_padding': 1},
              (1, 2, 3, 3))]
    for name, args, kwargs, shape in cases:
        mine = getattr(mt.nn, name)(*args, **kwargs)
        theirs = getattr(torch.nn, name)(*args, **kwargs)
        assert repr(mine) == repr(theirs)
        assert list(mine.state_dict()) == list(theirs.state_dict())
        assert mine(mt.randn(*shape)).shape == tuple(theirs(torch.randn(*shape)).shape)
        assert repr(mine) == repr(theirs)


def test_hooks_removed_and_no_reinitialisation_after_first_forward():
    layer = mt.nn.LazyLinear(2)
    layer(mt.ones(1, 3))
    assert not layer._forward_pre_hooks and not layer._load_state_dict_pre_hooks
    weight = layer.weight.detach().clone()
    layer(mt.ones(1, 3))
    np.testing.assert_array_equal(layer.weight.detach().numpy(), weight.numpy())
    assert not hasattr(layer, '_initialize_hook')


def test_lazy_module_in_sequential_and_optimizer_after_init():
    net = mt.nn.Sequential(mt.nn.LazyLinear(4), mt.nn.ReLU(), mt.nn.LazyLinear(1))
    x = mt.randn(5, 3)
    net(x)
    assert [type(m).__name__ for m in net] == ['Linear', 'ReLU', 'Linear']
    opt = mt.optim.SGD(net.parameters(), lr=0.1)
    net(x).sum().backward()
    opt.step()
    assert net[0].weight.shape == (4, 3) and net[2].weight.shape == (1, 4)


def test_lazy_module_to_dtype_before_forward(torch):
    mine = mt.nn.LazyLinear(2).double()
    theirs = torch.nn.LazyLinear(2).double()
    assert is_lazy(mine.weight)
    assert str(mine.weight.dtype) == str(theirs.weight.dtype).replace('torch', 'microtorch')
    mine(mt.ones(1, 3, dtype=mt.float64))
    assert mine.weight.dtype == mt.float64


def test_lazy_norm_to_dtype_before_forward_keeps_its_buffers_lazy(torch):
    mine = mt.nn.LazyBatchNorm1d().double()
    theirs = torch.nn.LazyBatchNorm1d().double()
    assert [type(b).__name__ for b in mine.buffers()] == \
        [type(b).__name__ for b in theirs.buffers()]
    assert str(mine.running_mean.dtype) == 'microtorch.float64'
    mine(mt.randn(4, 3, dtype=mt.float64))
    theirs(torch.randn(4, 3, dtype=torch.float64))
    assert repr(mine) == repr(theirs)
    assert mine.running_var.dtype == mt.float64 and mine.running_var.shape == (3,)


def test_failed_first_forward_leaves_the_module_lazy():
    conv = mt.nn.LazyConv2d(4, 3, groups=2)
    with pytest.raises(ValueError, match='in_channels must be divisible by groups'):
        conv(mt.randn(1, 3, 5, 5))
    assert conv.in_channels == 0 and is_lazy(conv.weight)
    with pytest.raises(RuntimeError, match='Expected 3D'):
        conv(mt.randn(5, 5))
    norm = mt.nn.LazyBatchNorm2d()
    with pytest.raises(ValueError, match='expected 4D input'):
        norm(mt.randn(2, 3))
    assert type(norm) is mt.nn.LazyBatchNorm2d and norm.has_uninitialized_params()
    conv(mt.randn(1, 4, 5, 5))
    assert type(conv) is mt.nn.Conv2d and conv.weight.shape == (4, 2, 3, 3)


def test_unbatched_lazy_instance_norm_takes_the_channel_dim():
    norm = mt.nn.LazyInstanceNorm1d()
    out = norm(mt.randn(3, 5))
    assert norm.num_features == 3 and out.shape == (3, 5)


# ---- UninitializedParameter / UninitializedBuffer ---------------------------------------

def _error(call):
    try:
        call()
    except Exception as error:              # noqa: BLE001 - the error is what is compared
        return type(error).__name__, str(error)
    return None


def test_uninitialised_parameter_matches_torch(torch):
    for cls in ('UninitializedParameter', 'UninitializedBuffer'):
        mine = getattr(mt.nn.parameter, cls)()
        theirs = getattr(torch.nn.parameter, cls)()
        assert repr(mine) == repr(theirs)
        assert mine.requires_grad == theirs.requires_grad
        assert isinstance(mine, mt.Tensor)
        assert (cls == 'UninitializedParameter') == isinstance(mine, mt.nn.Parameter)
        assert tuple(mine.size()) == tuple(theirs.size())
        assert mine.ndim == theirs.ndim and mine.is_floating_point()
        assert str(mine.dtype) == 'microtorch.float32'
        assert _error(lambda: mine.shape) == _error(lambda: theirs.shape)
        for call in (lambda t: t + 1, lambda t: t.sum(), lambda t: t.detach(),
                     lambda t: t.numel(), lambda t: t.mul_(2)):
            kind, text = _error(lambda: call(mine))
            their_kind, their_text = _error(lambda: call(theirs))
            assert kind == their_kind == 'ValueError'
            head, tail = text.split(' in <', 1)
            assert their_text.startswith(head)
            assert their_text.split('objects>', 1)[1].replace('torch.nn', 'microtorch.nn') == \
                tail.split('objects>', 1)[1]
        assert isinstance(mine, mt.nn.Buffer) == isinstance(theirs, torch.nn.Buffer)


def test_materialise(torch):
    mine, theirs = mt.nn.parameter.UninitializedParameter(), \
        torch.nn.parameter.UninitializedParameter()
    mine.materialize((2, 3), dtype=mt.float64)
    theirs.materialize((2, 3), dtype=torch.float64)
    assert type(mine) is mt.nn.Parameter and type(theirs) is torch.nn.Parameter
    assert mine.shape == (2, 3) and mine.dtype == mt.float64 and mine.requires_grad
    buf = mt.nn.parameter.UninitializedBuffer(persistent=False)
    assert buf.persistent is False and not buf.requires_grad
    buf.materialize(4)
    assert type(buf) is mt.Tensor and buf.shape == (4,)


def test_uninitialised_copies_and_pickles():
    p = mt.nn.parameter.UninitializedParameter(requires_grad=False, dtype=mt.float64)
    q = copy.deepcopy(p)
    assert type(q) is type(p) and q is not p and q.dtype == mt.float64
    assert not q.requires_grad
    r = pickle.loads(pickle.dumps(p))
    assert type(r) is type(p) and not r.requires_grad
    layer = copy.deepcopy(mt.nn.LazyLinear(3))
    assert type(layer) is mt.nn.LazyLinear and is_lazy(layer.weight)
    layer(mt.ones(1, 2))
    assert type(layer) is mt.nn.Linear


def test_loading_an_uninitialised_parameter_into_an_initialised_module(torch):
    mine = _error(lambda: mt.nn.Linear(2, 3).load_state_dict(mt.nn.LazyLinear(3).state_dict()))
    theirs = _error(lambda: torch.nn.Linear(2, 3).load_state_dict(
        torch.nn.LazyLinear(3).state_dict()))
    assert mine == theirs


def test_use_before_forward_error_matches_torch(torch):
    mine = _error(lambda: mt.nn.LazyLinear(3).weight.t())
    theirs = _error(lambda: torch.nn.LazyLinear(3).weight.t())
    assert mine[0] == theirs[0] == 'ValueError'
    assert mine[1].split(' in <')[0] == theirs[1].split(' in <')[0]


# ---- nn.Buffer ------------------------------------------------------------------------

def test_buffer_assignment_registers_a_buffer(torch):
    for lib in (mt, torch):
        module = lib.nn.Module()
        module.stats = lib.nn.Buffer(lib.ones(2))
        module.scratch = lib.nn.Buffer(lib.zeros(3), persistent=False)
        module.plain = lib.ones(1)
        assert list(dict(module.named_buffers())) == ['stats', 'scratch']
        assert list(module.state_dict()) == ['stats']
        module.stats = lib.nn.Buffer(lib.ones(2), persistent=False)
        assert list(module.state_dict()) == []
        module.register_buffer('kept', lib.nn.Buffer(lib.ones(1), persistent=False))
        assert list(module.state_dict()) == ['kept']       # register_buffer's own argument
        assert type(module.kept) is lib.Tensor
        assert isinstance(module.kept, lib.nn.Buffer) and not isinstance(module.plain,
                                                                         lib.nn.Buffer)


def test_buffer_detaches_and_keeps_requires_grad(torch):
    for lib in (mt, torch):
        t = lib.ones(2, requires_grad=True)
        b = lib.nn.Buffer(t * 2)
        assert b.requires_grad and b.is_leaf and b.grad_fn is None
        assert lib.nn.Buffer().shape == (0,)


def test_buffer_assignment_errors_match_torch(torch):
    results = []
    for lib in (mt, torch):
        module = lib.nn.Linear(2, 2)
        module.taken = 3
        module.register_buffer('stats', lib.ones(1))
        results.append([_error(lambda: setattr(module, 'weight', lib.nn.Buffer(lib.ones(1)))),
                        _error(lambda: setattr(module, 'taken', lib.nn.Buffer(lib.ones(1)))),
                        _error(lambda: setattr(module, 'stats', 3))])
    mine, theirs = results
    assert [m[0] for m in mine] == [t[0] for t in theirs]
    assert [m[1] for m in mine] == [t[1].replace('torch.', 'microtorch.') for t in theirs]


def test_lazy_modules_materialise_on_their_device(device):
    conv = mt.nn.LazyConv2d(4, 3, device=device, dtype=mt.float64)
    norm = mt.nn.LazyBatchNorm2d(device=device)
    x = mt.randn(2, 3, 6, 6, device=device)
    conv(x.double())
    norm(x)
    assert conv.weight.device == x.device and conv.weight.dtype == mt.float64
    assert norm.running_mean.device == x.device and norm.num_batches_tracked.device == x.device
    assert type(conv) is mt.nn.Conv2d and type(norm) is mt.nn.BatchNorm2d
