"""microtorch.nn: Module, Parameter, layers, init and losses, against PyTorch where it is
installed (the `torch` fixture) and against NumPy and first principles everywhere."""
import copy
import math
import pickle
import subprocess
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import microtorch
from conftest import MKL_ROUNDS_AS_ON_INTEL
import microtorch.nn as nn
import microtorch.nn.functional as F
from microtorch.nn import init


def build(lib):
    """The same architecture in microtorch or torch: nested containers, a shared module,
    buffers (one not persistent), an absent parameter and a bare Parameter."""
    tnn = lib.nn

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            self.fc = tnn.Linear(2, 3)
            self.body = tnn.Sequential(tnn.Linear(3, 4), tnn.ReLU(), tnn.Dropout(0.1),
                                       tnn.Linear(4, 2, bias=False))
            self.heads = tnn.ModuleList([tnn.Linear(2, 1), tnn.Linear(2, 1)])
            self.shared = self.fc
            self.register_buffer('running', lib.zeros(3))
            self.register_buffer('scratch', lib.ones(2), persistent=False)
            self.register_parameter('unused', None)
            self.scale = tnn.Parameter(lib.ones(1))

        def forward(self, x):
            h = self.body(self.fc(x).tanh())
            return self.heads[0](h) + self.heads[1](h) * self.scale

    return Net()


def as_torch_message(text):
    return text.replace('torch.', 'microtorch.')


def host(t):
    return t.detach().cpu().numpy()


def copy_weights(theirs, mine):
    """Load a torch model's state into the same microtorch architecture."""
    mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})


def params_snapshot(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


# ---- registration and traversal ----------------------------------------------------------

def test_names_match_torch(torch):
    mine, theirs = build(microtorch), build(torch)
    for method in ('named_parameters', 'named_buffers', 'named_modules', 'named_children'):
        assert [n for n, _ in getattr(mine, method)()] == \
            [n for n, _ in getattr(theirs, method)()], method
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert list(mine.state_dict()) == ['scale', 'running', 'fc.weight', 'fc.bias',
                                       'body.0.weight', 'body.0.bias', 'body.3.weight',
                                       'heads.0.weight', 'heads.0.bias', 'heads.1.weight',
                                       'heads.1.bias', 'shared.weight', 'shared.bias']
    assert len(list(mine.parameters())) == len(list(theirs.parameters())) == 10
    assert len(list(mine.modules())) == len(list(theirs.modules()))
    assert len(list(mine.children())) == len(list(theirs.children()))
    assert [n for n, _ in mine.named_parameters(recurse=False)] == ['scale']


def test_registration_by_assignment():
    model = build(microtorch)
    assert isinstance(model.scale, nn.Parameter) and isinstance(model.scale, microtorch.Tensor)
    assert model.scale.requires_grad and model.scale.is_leaf
    assert model._modules['fc'] is model.fc and 'fc' not in model.__dict__
    assert model.unused is None
    model.fc = nn.Linear(2, 3)              # replacing a child keeps it registered
    assert model.fc is model._modules['fc']
    model.extra = microtorch.zeros(2)        # a plain tensor is just an attribute
    assert 'extra' not in dict(model.named_buffers())
    model.running = microtorch.ones(3)       # a buffer stays a buffer
    assert model.running.tolist() == [1, 1, 1]
    del model.scale
    assert 'scale' not in dict(model.named_parameters())
    assert 'fc' in dir(model)


def test_registration_errors_match_torch(torch):
    def attempts(lib):
        tnn = lib.nn

        class M(tnn.Module):
            def __init__(self):
                super().__init__()
                self.w = tnn.Parameter(lib.zeros(2))
                self.sub = tnn.Linear(1, 1)
                self.register_buffer('b', lib.zeros(1))
        yield lambda: setattr(M(), 'w', lib.zeros(2))
        yield lambda: setattr(M(), 'sub', 3)
        yield lambda: M().register_buffer('b.c', lib.zeros(1))
        yield lambda: M().register_buffer('', lib.zeros(1))
        yield lambda: M().register_buffer('w', lib.zeros(1))
        yield lambda: M().register_buffer(5, lib.zeros(1))
        yield lambda: M().register_parameter('q', lib.zeros(1))
        yield lambda: M().register_parameter('x.y', tnn.Parameter(lib.zeros(1)))
        yield lambda: M().add_module('x.y', tnn.ReLU())
        yield lambda: M().add_module('w', tnn.ReLU())
        yield lambda: M().add_module('z', 5)
        yield lambda: M().nothing
        yield lambda: M().train(1)
        yield lambda: M()(1)
        yield lambda: M().to(lib.int64)

        class Early(tnn.Module):
            def __init__(self):
                self.w = tnn.Parameter(lib.zeros(2))
        yield Early

        class EarlyModule(tnn.Module):
            def __init__(self):
                self.m = tnn.ReLU()
        yield EarlyModule

    for mine, theirs in zip(attempts(microtorch), attempts(torch)):
        with pytest.raises(Exception) as expected:
            theirs()
        with pytest.raises(expected.type) as got:
            mine()
        assert str(got.value) == as_torch_message(str(expected.value))


# ---- state_dict and load_state_dict -----------------------------------------------------

def test_state_dict_values_share_storage():
    model = nn.Linear(2, 3)
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert not state['weight'].requires_grad and state['weight'].grad_fn is None
    with microtorch.no_grad():
        model.weight.fill_(7.0)
    assert state['weight'].tolist() == [[7.0, 7.0]] * 3
    assert model.state_dict(keep_vars=True)['weight'] is model.weight
    assert list(model.state_dict(prefix='lin.')) == ['lin.weight', 'lin.bias']


def test_load_state_dict_round_trip():
    microtorch.manual_seed(0)
    source = build(microtorch)
    microtorch.manual_seed(1)
    target = build(microtorch)
    before = list(target.parameters())
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == '<All keys matched successfully>'
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert all(a is b for a, b in zip(before, target.parameters()))   # loaded in place
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)


def test_load_state_dict_accepts_other_dtypes_and_old_scalars():
    model = nn.Linear(2, 1).double()
    model.register_buffer('count', microtorch.tensor(0))
    state = {'weight': microtorch.ones(1, 2), 'bias': microtorch.tensor([0.5]),
             'count': microtorch.tensor([3])}    # a 0-dim buffer saved as [3] (old files)
    model.load_state_dict(state)
    assert model.weight.dtype is microtorch.float64 and model.weight.tolist() == [[1, 1]]
    assert model.count.item() == 3 and model.count.shape == ()


BAD_STATES = {
    'missing': lambda lib: {'weight': lib.zeros(3, 2)},
    'unexpected': lambda lib: {'weight': lib.zeros(3, 2), 'bias': lib.zeros(3),
                               'extra': lib.zeros(1), 'deep.er': lib.zeros(1)},
    'size': lambda lib: {'weight': lib.zeros(3, 3), 'bias': lib.zeros(3)},
    'not_a_tensor': lambda lib: {'weight': 5, 'bias': lib.zeros(3)},
    'everything': lambda lib: {'weight': lib.zeros(2, 2), 'foo': lib.zeros(1)},
}


@pytest.mark.parametrize('strict', [True, False])
@pytest.mark.parametrize('kind', list(BAD_STATES))
def test_load_state_dict_is_atomic_and_names_every_bad_key(kind, strict, torch):
    mine, theirs = nn.Linear(2, 3), torch.nn.Linear(2, 3)
    before = params_snapshot(mine)
    try:
        expected = theirs.load_state_dict(BAD_STATES[kind](torch), strict=strict)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as got:
            mine.load_state_dict(BAD_STATES[kind](microtorch), strict=strict)
        assert str(got.value) == as_torch_message(str(error))
        after = params_snapshot(mine)
        for name in before:                  # nothing changed, not even the good keys
            np.testing.assert_array_equal(before[name], after[name])
        return
    got = mine.load_state_dict(BAD_STATES[kind](microtorch), strict=strict)
    assert (got.missing_keys, got.unexpected_keys) == \
        (expected.missing_keys, expected.unexpected_keys)
    assert repr(got) == repr(expected)


def test_load_state_dict_unexpected_keys_in_torch_order(torch):
    def state(lib):
        return {'x': lib.zeros(1), '0.foo': lib.zeros(1), 'y': lib.zeros(1),
                '1.weight': lib.zeros(1), '0.weight': lib.zeros(2, 2), '0.bias': lib.zeros(2)}
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    mine = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    with pytest.raises(RuntimeError) as expected:
        theirs.load_state_dict(state(torch))
    with pytest.raises(RuntimeError) as got:
        mine.load_state_dict(state(microtorch))
    assert str(got.value) == as_torch_message(str(expected.value))
    with pytest.raises(TypeError, match='Expected state_dict to be dict-like'):
        mine.load_state_dict([1])


# ---- printing ------------------------------------------------------------------------------

def every_layer(lib):
    tnn = lib.nn
    return tnn.Sequential(
        tnn.Linear(1, 64), tnn.Sigmoid(), tnn.ReLU(), tnn.ReLU(inplace=True), tnn.Tanh(),
        tnn.LeakyReLU(), tnn.LeakyReLU(0.2, inplace=True), tnn.Softplus(),
        tnn.Softplus(beta=2, threshold=10), tnn.Dropout(), tnn.Dropout(0.25, inplace=True),
        tnn.Identity(), tnn.Flatten(), tnn.Flatten(0, 2), tnn.Softmax(dim=1),
        tnn.LogSoftmax(1), tnn.Linear(2, 3, bias=False), tnn.MSELoss(), tnn.L1Loss(),
        tnn.SmoothL1Loss(), tnn.BCELoss(), tnn.BCEWithLogitsLoss(), tnn.CrossEntropyLoss(),
        tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.ReLU(), tnn.Linear(2, 2)]),
        tnn.ModuleList(), tnn.Sequential())


def test_reprs_match_torch(torch):
    assert repr(every_layer(microtorch)) == repr(every_layer(torch))
    assert repr(build(microtorch)) == repr(build(torch))
    assert repr(nn.Sequential(nn.Linear(1, 64), nn.Sigmoid())) == (
        'Sequential(\n  (0): Linear(in_features=1, out_features=64, bias=True)\n'
        '  (1): Sigmoid()\n)')
    for requires_grad in (True, False):
        assert repr(nn.Parameter(microtorch.ones(2), requires_grad)) == \
            repr(torch.nn.Parameter(torch.ones(2), requires_grad))


def test_extra_repr_of_a_custom_module():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Tanh()

        def extra_repr(self):
            return 'factor=2'
    assert repr(Scaled()) == 'Scaled(\n  factor=2\n  (inner): Tanh()\n)'


# ---- Parameter ----------------------------------------------------------------------------

def test_parameter_is_a_leaf_tensor_sharing_storage():
    data = microtorch.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert isinstance(p, microtorch.Tensor) and p.requires_grad and p.is_leaf
    with microtorch.no_grad():
        p.mul_(3)
    assert data.tolist() == [3.0, 6.0]
    y = (p * p).sum()
    assert type(y) is microtorch.Tensor and y.grad_fn is not None
    y.backward()
    assert p.grad.tolist() == [6.0, 12.0]
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match='floating point'):
        nn.Parameter(microtorch.tensor([1, 2]))


def test_parameter_copies_keep_the_type():
    model = nn.Linear(2, 2)
    model.weight.grad = microtorch.ones(2, 2)
    clone = copy.deepcopy(model)
    assert isinstance(clone.weight, nn.Parameter) and clone.weight is not model.weight
    assert clone.weight.grad.tolist() == [[1, 1], [1, 1]]
    np.testing.assert_array_equal(host(clone.weight), host(model.weight))
    restored = pickle.loads(pickle.dumps(model.weight))
    assert isinstance(restored, nn.Parameter) and restored.requires_grad


# ---- modes, gradients, devices, dtypes ----------------------------------------------------

def test_train_eval_apply_and_requires_grad():
    model = build(microtorch)
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    seen = []
    model.body.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ['Linear', 'ReLU', 'Dropout', 'Linear', 'Sequential']
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize('set_to_none', [True, False])
def test_zero_grad(set_to_none):
    model = nn.Linear(3, 2)
    model(microtorch.ones(4, 3)).sum().backward()
    grad = model.weight.grad
    assert grad is not None
    model.zero_grad(set_to_none=set_to_none)
    if set_to_none:
        assert model.weight.grad is None and model.bias.grad is None
    else:
        assert model.weight.grad is grad and not grad.any()
        assert not model.bias.grad.any()


def test_zero_grad_default_sets_none():
    model = nn.Linear(3, 2)
    model(microtorch.ones(1, 3)).sum().backward()
    model.zero_grad()
    assert model.weight.grad is None


def test_to_dtype_keeps_parameter_objects():
    model = build(microtorch)
    model.register_buffer('steps', microtorch.tensor(3))
    params = list(model.parameters())
    model(microtorch.ones(1, 2)).sum().backward()
    grads = [p.grad for p in params]
    assert model.double() is model
    assert all(a is b for a, b in zip(params, model.parameters()))
    assert all(p.dtype is microtorch.float64 for p in params)
    assert all(p.grad is g and g.dtype is microtorch.float64 for p, g in zip(params, grads))
    assert model.running.dtype is microtorch.float64
    assert model.steps.dtype is microtorch.int64          # integer buffers keep their dtype
    assert model(microtorch.ones(1, 2, dtype=microtorch.float64)).dtype is microtorch.float64
    model.to(microtorch.float32)
    assert all(p.dtype is microtorch.float32 for p in params)
    model.to(dtype=microtorch.float64).float()
    assert all(p.dtype is microtorch.float32 for p in params)
    assert model.to('cpu') is model and model.cpu() is model
    with pytest.raises(TypeError, match='only accepts floating point'):
        model.to(microtorch.int64)


def test_moving_to_a_missing_device_changes_nothing():
    if microtorch.cuda.is_available():
        pytest.skip('a GPU is present')
    model = nn.Linear(2, 2)
    weight = model.weight._data
    with pytest.raises(RuntimeError):
        model.cuda()
    assert model.weight._data is weight and model.weight.device.type == 'cpu'


def test_module_on_device(device):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).to(device)
    x = microtorch.randn(5, 3, device=device)
    loss = F.cross_entropy(model(x), microtorch.tensor([0, 1, 1, 0, 1], device=device))
    loss.backward()
    assert all(p.grad.device == microtorch.device(device) for p in model.parameters())


def test_forward_hooks():
    model = nn.Linear(2, 2)
    calls = []
    pre = model.register_forward_pre_hook(lambda m, args: calls.append('pre'))
    post = model.register_forward_hook(lambda m, args, out: out * 0)
    assert not model(microtorch.ones(1, 2)).any()
    pre.remove()
    post.remove()
    assert model(microtorch.ones(1, 2)).any() and calls == ['pre']


# ---- containers ----------------------------------------------------------------------------

def test_sequential_and_module_list_like_torch(torch):
    def ops(lib):
        tnn = lib.nn
        seq = tnn.Sequential(tnn.Linear(1, 2), tnn.ReLU(), tnn.Linear(2, 3))
        seq.append(tnn.Tanh())
        del seq[1]
        seq.insert(0, tnn.Identity())
        lst = tnn.ModuleList([tnn.Linear(1, 1)])
        lst.append(tnn.ReLU())
        lst.extend([tnn.Linear(1, 2)])
        lst += [tnn.Tanh()]
        named = tnn.Sequential(OrderedDict([('first', tnn.Linear(2, 2)),
                                            ('act', tnn.ReLU())]))
        return seq, seq[1:], lst, lst[1:], named

    for mine, theirs in zip(ops(microtorch), ops(torch)):
        assert repr(mine) == repr(theirs)
        assert list(mine.state_dict()) == list(theirs.state_dict())
        assert len(mine) == len(theirs)
    seq = ops(microtorch)[0]
    assert seq[-1] is list(seq)[-1] and isinstance(seq[2], nn.Linear)
    with pytest.raises(IndexError, match='index 9 is out of range'):
        seq[9]
    assert seq(microtorch.ones(4, 1)).shape == (4, 3)


# ---- Linear and init -----------------------------------------------------------------------

def test_linear_init_bounds_and_statistics():
    microtorch.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = host(layer.weight), host(layer.bias)
    assert layer.weight.dtype is microtorch.float32 and layer.weight.shape == (300, 400)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound               # the whole range is used
    assert abs(w.mean()) < 0.01 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound     # std of U(-a, a): a/sqrt(3)
    assert nn.Linear(2, 3, dtype=microtorch.float64).weight.dtype is microtorch.float64


def test_linear_init_is_reproducible_with_manual_seed():
    microtorch.manual_seed(123)
    a = build(microtorch)
    microtorch.manual_seed(123)
    b = build(microtorch)
    c = build(microtorch)
    for (name, pa), pb, pc in zip(a.named_parameters(), b.parameters(), c.parameters()):
        np.testing.assert_array_equal(host(pa), host(pb), err_msg=name)
        if pa.numel() > 1:
            assert not np.array_equal(host(pa), host(pc)), name


def test_init_functions():
    microtorch.manual_seed(0)
    w = nn.Parameter(microtorch.empty(200, 300))
    version = w._version
    assert init.uniform_(w, -0.5, 0.25) is w and w.grad_fn is None and w._version > version
    assert -0.5 <= host(w).min() and host(w).max() < 0.25
    init.normal_(w, 1.0, 0.5)
    assert abs(host(w).mean() - 1.0) < 0.01 and abs(host(w).std() - 0.5) < 0.01
    init.constant_(w, 0.3)
    assert np.all(host(w) == np.float32(0.3))
    assert not init.zeros_(w).any() and init.ones_(w).all()
    init.xavier_uniform_(w, gain=2.0)
    assert np.abs(host(w)).max() <= 2.0 * math.sqrt(6 / 500)
    init.xavier_normal_(w)
    assert abs(host(w).std() - math.sqrt(2 / 500)) < 0.02 * math.sqrt(2 / 500)
    init.kaiming_uniform_(w, nonlinearity='relu')
    assert np.abs(host(w)).max() <= math.sqrt(6 / 300)
    init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')
    assert abs(host(w).std() - math.sqrt(2 / 200)) < 0.02 * math.sqrt(2 / 200)
    assert w.requires_grad and w.is_leaf


def test_init_helpers_match_torch(torch):
    for args in [('linear',), ('sigmoid',), ('tanh',), ('relu',), ('leaky_relu',),
                 ('leaky_relu', 0.2), ('leaky_relu', math.sqrt(5)), ('selu',)]:
        assert init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)
    for shape in [(3, 4), (5, 2, 3, 3)]:
        assert init._calculate_fan_in_and_fan_out(microtorch.empty(shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    bad = [lambda lib: lib.nn.init.calculate_gain('foo'),
           lambda lib: lib.nn.init.calculate_gain('leaky_relu', 'a'),
           lambda lib: lib.nn.init.xavier_uniform_(lib.zeros(3)),
           lambda lib: lib.nn.init.kaiming_uniform_(lib.zeros(3, 3), mode='foo'),
           lambda lib: lib.nn.init.uniform_(lib.zeros(3, 3), 2, 1)]
    for call in bad:
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(expected.type) as got:
            call(microtorch)
        assert str(got.value) == str(expected.value)
    with pytest.warns(UserWarning, match='zero-element'):
        init.kaiming_uniform_(microtorch.zeros(0, 3))


def test_structured_initialisers(torch):
    """trunc_normal_, orthogonal_, sparse_, dirac_, eye_: their structure and statistics, the
    deterministic ones equal to PyTorch's, PyTorch's errors, and the deprecated names."""
    microtorch.manual_seed(0)
    t = init.trunc_normal_(microtorch.empty(100000, dtype=microtorch.float64), 1.0, 2.0, 0.0, 3.0)
    assert 0.0 <= host(t).min() and host(t).max() <= 3.0
    assert abs(host(t).mean() - 1.4132) < 0.01          # the truncated normal's mean
    for shape, gain in [((3, 5), 1.0), ((6, 2, 2), 2.0), ((4, 4), 0.5)]:
        w = host(init.orthogonal_(microtorch.empty(shape, dtype=microtorch.float64), gain))
        flat = w.reshape(shape[0], -1)
        small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
        assert np.allclose(small, gain ** 2 * np.eye(small.shape[0]), atol=1e-12)
    s = host(init.sparse_(microtorch.empty(10, 4), 0.3))
    assert ((s == 0).sum(0) >= 3).all() and abs(s).max() < 0.1
    for shape, groups in [((4, 2, 3), 1), ((4, 2, 3, 3), 2), ((2, 3, 1, 2, 3), 1)]:
        assert host(init.dirac_(microtorch.empty(shape), groups)).tolist() == \
            torch.nn.init.dirac_(torch.empty(shape), groups).tolist()
    assert host(init.eye_(microtorch.empty(2, 3))).tolist() == \
        torch.nn.init.eye_(torch.empty(2, 3)).tolist()
    assert init.orthogonal_(microtorch.empty(0, 3)).shape == (0, 3)
    bad = [lambda lib: lib.nn.init.orthogonal_(lib.empty(3)),
           lambda lib: lib.nn.init.sparse_(lib.empty(3, 4, 5), 0.5),
           lambda lib: lib.nn.init.dirac_(lib.empty(3, 3)),
           lambda lib: lib.nn.init.dirac_(lib.empty(3, 2, 3), groups=2),
           lambda lib: lib.nn.init.eye_(lib.empty(2, 3, 4))]
    for call in bad:
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(expected.type) as got:
            call(microtorch)
        assert str(got.value) == str(expected.value)
    with pytest.warns(UserWarning, match='mean is more than 2 std'):
        init.trunc_normal_(microtorch.empty(3), mean=5.0)
    with pytest.warns(FutureWarning, match='`nn.init.xavier_uniform` is now deprecated'):
        init.xavier_uniform(microtorch.empty(2, 3))


# ---- dropout -------------------------------------------------------------------------------

def test_dropout_train_and_eval():
    layer = nn.Dropout(0.25)
    x = microtorch.ones(200, 100, requires_grad=True)
    microtorch.manual_seed(0)
    y = layer(x)
    kept = host(y) != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(host(y)[kept], 1 / 0.75, rtol=1e-6)   # survivors scaled up
    y.sum().backward()
    np.testing.assert_array_equal(host(x.grad), host(y))      # the grad is the mask
    microtorch.manual_seed(0)
    np.testing.assert_array_equal(host(layer(x)), host(y))   # a seed gives the same mask
    layer.eval()
    assert layer(x) is x                                     # identity, as in PyTorch
    assert F.dropout(x, 0.0) is x and F.dropout(x, 0.5, training=False) is x
    assert not F.dropout(x, 1.0).any()
    with pytest.raises(ValueError, match='between 0 and 1, but got 1.5'):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match='between 0 and 1, but got -0.1'):
        F.dropout(x, -0.1)


def test_dropout_follows_the_model_mode():
    model = nn.Sequential(nn.Linear(10, 10), nn.Dropout(0.5))
    x = microtorch.ones(8, 10)
    model.eval()
    np.testing.assert_array_equal(host(model(x)), host(model[0](x)))
    model.train()
    assert (host(model(x)) == 0).any()


# ---- losses --------------------------------------------------------------------------------

EXTREME = np.array([1e4, -1e4, 1e4, -1e4, 0.0, 3.0], np.float32)
TARGET01 = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.5], np.float32)

# Calls at |logits| = 1e4 in float32: (name, fn(F, lib, x), input array).
EXTREME_CALLS = [
    ('bce_with_logits', lambda F, lib, x: F.binary_cross_entropy_with_logits(
        x, lib.tensor(TARGET01)), EXTREME),
    ('bce_with_logits_pos_weight', lambda F, lib, x: F.binary_cross_entropy_with_logits(
        x, lib.tensor(TARGET01), pos_weight=lib.tensor(3.0), reduction='sum'), EXTREME),
    ('bce_with_logits_none', lambda F, lib, x: F.binary_cross_entropy_with_logits(
        x, lib.tensor(TARGET01), reduction='none'), EXTREME),
    ('cross_entropy', lambda F, lib, x: F.cross_entropy(
        x.reshape(2, 3), lib.tensor([1, 0])), EXTREME),
    ('cross_entropy_none', lambda F, lib, x: F.cross_entropy(
        x.reshape(3, 2), lib.tensor([1, 0, 1]), reduction='none'), EXTREME),
    ('bce_at_0_and_1', lambda F, lib, x: F.binary_cross_entropy(x, lib.tensor(TARGET01)),
     np.array([0.0, 1.0, 1.0, 0.0, 0.5, 0.25], np.float32)),
    ('softplus', lambda F, lib, x: F.softplus(x), EXTREME),
    ('softplus_beta', lambda F, lib, x: F.softplus(x, beta=-0.5, threshold=5), EXTREME),
    ('log_softmax', lambda F, lib, x: F.log_softmax(x.reshape(2, 3), 1), EXTREME),
    ('mse', lambda F, lib, x: F.mse_loss(x, lib.tensor(TARGET01)), EXTREME),
]


@pytest.mark.parametrize('name, fn, array', EXTREME_CALLS, ids=[c[0] for c in EXTREME_CALLS])
def test_losses_at_extreme_logits_float32(name, fn, array, torch):
    x = microtorch.tensor(array, requires_grad=True)
    tx = torch.tensor(array, requires_grad=True)
    out, expected = fn(F, microtorch, x), fn(torch.nn.functional, torch, tx)
    assert out.dtype is microtorch.float32
    seed = np.linspace(0.5, 1.5, out.numel(), dtype=np.float32).reshape(tuple(out.shape))
    out.backward(microtorch.tensor(seed))
    expected.backward(torch.tensor(seed))
    np.testing.assert_allclose(host(out), expected.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert np.isfinite(host(x.grad)).all()
    np.testing.assert_allclose(host(x.grad), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_extreme_logits_values_from_first_principles():
    logits = microtorch.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(logits, microtorch.tensor([1]))
    assert loss.item() == 2e4
    loss.backward()
    assert logits.grad.tolist() == [[1.0, -1.0, 0.0]]
    x = microtorch.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    y = microtorch.tensor([1.0, 0.0, 0.0, 1.0])
    per = F.binary_cross_entropy_with_logits(x, y, reduction='none')
    assert per.tolist() == [0.0, 0.0, 1e4, 1e4]
    per.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, -1.0]
    p = microtorch.tensor([0.0, 1.0])
    assert F.binary_cross_entropy(p, microtorch.tensor([1.0, 0.0]), reduction='none') \
        .tolist() == [100.0, 100.0]                          # logs clamped at -100


def _numpy_losses(x, y, t):
    """float64 NumPy references: (name, microtorch call, value)."""
    p = 1 / (1 + np.exp(-x))
    logp = x - x.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    d = x - y
    return [
        ('mse', lambda a, b: F.mse_loss(a, b), (d ** 2).mean()),
        ('l1_sum', lambda a, b: F.l1_loss(a, b, reduction='sum'), np.abs(d).sum()),
        ('smooth_l1_beta', lambda a, b: F.smooth_l1_loss(a, b, beta=0.7),
         np.where(np.abs(d) < 0.7, 0.5 * d * d / 0.7, np.abs(d) - 0.35).mean()),
        ('bce', lambda a, b: F.binary_cross_entropy(a.sigmoid(), b.sigmoid()),
         -(1 / (1 + np.exp(-y)) * np.log(p) + (1 - 1 / (1 + np.exp(-y))) * np.log(1 - p))
         .mean()),
        ('bce_logits', lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
         -(1 / (1 + np.exp(-y)) * np.log(p) + (1 - 1 / (1 + np.exp(-y))) * np.log(1 - p))
         .mean()),
        ('cross_entropy', lambda a, b: F.cross_entropy(a, microtorch.tensor(t)),
         -logp[np.arange(len(t)), t].mean()),
    ]


def _loss_and_grads(lib, fn, arrays):
    """fn(lib, *tensors) on float64 leaves made from arrays: the loss and every leaf's grad."""
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    loss = fn(lib, *leaves)
    weights = lib.tensor(np.random.default_rng(4).standard_normal(tuple(loss.shape)))
    (loss * weights).sum().backward()
    return [loss.detach()] + [t.grad for t in leaves]


LOGITS = np.random.default_rng(6).standard_normal((4, 3, 2))
# Losses PyTorch computes in ways that were missing or differed: (fn(lib, *leaves), arrays).
LOSS_GRAD_CASES = {
    **{f'label-smoothing-{reduction}': (lambda lib, x, reduction=reduction: (
        lib.nn.functional.cross_entropy(x, lib.tensor([[0, 2], [1, 1], [2, 0], [1, 2]]),
                                        weight=lib.tensor([0.5, 2.0, 1.0], dtype=x.dtype),
                                        ignore_index=1, reduction=reduction,
                                        label_smoothing=0.2)), [LOGITS])
       for reduction in ('none', 'mean', 'sum')},
    'label-smoothing-unbatched-module': (lambda lib, x: lib.nn.CrossEntropyLoss(
        label_smoothing=0.4)(x[0, :, 0], lib.tensor(2)), [LOGITS]),
    'label-smoothing-probabilities': (lambda lib, x, p: lib.nn.functional.cross_entropy(
        x, p.softmax(1), label_smoothing=0.3, weight=lib.tensor([1.0, 3.0, 0.5],
                                                                 dtype=x.dtype)),
        [LOGITS, LOGITS[::-1].copy()]),
    # every target ignored: NaN, with zero gradients
    'nll-all-ignored': (lambda lib, x: lib.nn.functional.nll_loss(
        x, lib.tensor([[1, 1]] * 4), ignore_index=1), [LOGITS]),
    # the target's gradient, -logit(input), unclamped at inputs of 0 and 1
    'bce-target-at-0-and-1': (lambda lib, x, t: lib.nn.functional.binary_cross_entropy(
        x, t, reduction='sum'), [np.array([0.0, 1.0, 0.3, 1e-200]),
                                 np.array([1.0, 0.0, 0.5, 1.0])]),
    # xlogy's gradient at a target of 0 (NaN in PyTorch)
    'kl-div-zero-target': (lambda lib, x, t: lib.nn.functional.kl_div(
        x, t * lib.tensor([[0.0, 1.0, 1.0]] * 2, dtype=t.dtype), reduction='batchmean'),
        [np.log(np.full((2, 3), 0.3)), np.full((2, 3), 0.5)]),
}


@pytest.mark.parametrize('name', list(LOSS_GRAD_CASES))
def test_loss_values_and_gradients_match_torch(name, torch):
    fn, arrays = LOSS_GRAD_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        mine, theirs = _loss_and_grads(microtorch, fn, arrays), _loss_and_grads(torch, fn, arrays)
    for m, t in zip(mine, theirs):        # NaN where PyTorch has NaN
        np.testing.assert_allclose(host(m), t.numpy(), rtol=1e-8, atol=1e-12)


def test_label_smoothing_above_one_is_refused_as_torch(torch):
    for target in (lambda lib: lib.tensor([1, 0]), lambda lib: lib.ones(2, 3) / 3):
        with pytest.raises(RuntimeError) as expected:
            torch.nn.functional.cross_entropy(torch.ones(2, 3), target(torch),
                                              label_smoothing=1.5)
        with pytest.raises(RuntimeError) as got:
            F.cross_entropy(microtorch.ones(2, 3), target(microtorch), label_smoothing=1.5)
        assert str(got.value) == str(expected.value)


def test_losses_against_numpy():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    t = np.array([3, 0, 1, 1, 2])
    for name, call, expected in _numpy_losses(x, y, t):
        got = call(microtorch.tensor(x), microtorch.tensor(y))
        assert got.dtype is microtorch.float64
        np.testing.assert_allclose(got.item(), expected, rtol=1e-12, err_msg=name)


# Losses whose result dtype or integer handling follows PyTorch's own composition.
LOSS_DTYPE_CASES = {
    'bce-logits-target-float32': lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True),
        lib.tensor([1.0, 0.0])),
    'bce-logits-target-float64': lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(
        lib.tensor([0.5, -1.0], requires_grad=True), lib.tensor([1.0, 0.0], dtype=lib.float64),
        reduction='none'),
    'l1-int-sum': lambda lib: lib.nn.functional.l1_loss(lib.tensor([1, 5]), lib.tensor([3, 2]),
                                                        reduction='sum'),
    'l1-int-none': lambda lib: lib.nn.functional.l1_loss(lib.tensor([1, 5]), lib.tensor([3, 2]),
                                                         reduction='none'),
    'l1-float-int': lambda lib: lib.nn.functional.l1_loss(lib.tensor([1.5, 5.0]),
                                                          lib.tensor([3, 2])),
}


@pytest.mark.parametrize('name', list(LOSS_DTYPE_CASES))
def test_loss_dtypes_match_torch(name, torch):
    ours, theirs = LOSS_DTYPE_CASES[name](microtorch), LOSS_DTYPE_CASES[name](torch)
    assert str(ours.dtype).split('.')[1] == str(theirs.dtype).split('.')[1]
    np.testing.assert_allclose(host(ours), theirs.detach().numpy(), rtol=1e-6)


def test_loss_modules_call_the_functions():
    rng = np.random.default_rng(2)
    x = microtorch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    y = microtorch.tensor(rng.uniform(0, 1, (4, 3)))
    t = microtorch.tensor([0, 2, 1, 2])
    w = microtorch.tensor([1.0, 2.0, 0.5], dtype=microtorch.float64)
    pairs = [
        (nn.MSELoss(reduction='sum')(x, y), F.mse_loss(x, y, reduction='sum')),
        (nn.L1Loss()(x, y), F.l1_loss(x, y)),
        (nn.SmoothL1Loss(beta=0.5)(x, y), F.smooth_l1_loss(x, y, beta=0.5)),
        (nn.BCELoss(weight=w)(x.sigmoid(), y), F.binary_cross_entropy(x.sigmoid(), y, w)),
        (nn.BCEWithLogitsLoss(pos_weight=w)(x, y),
         F.binary_cross_entropy_with_logits(x, y, pos_weight=w)),
        (nn.CrossEntropyLoss(weight=w, reduction='none')(x, t),
         F.cross_entropy(x, t, w, reduction='none')),
        (nn.CrossEntropyLoss(ignore_index=2)(x, t), F.cross_entropy(x, t, ignore_index=2)),
        (nn.NLLLoss(weight=w)(x.log_softmax(1), t), F.nll_loss(x.log_softmax(1), t, w)),
        (nn.NLLLoss(ignore_index=2, reduction='sum')(x, t),
         F.nll_loss(x, t, ignore_index=2, reduction='sum')),
    ]
    for module_out, functional_out in pairs:
        np.testing.assert_array_equal(host(module_out), host(functional_out))
    assert list(nn.CrossEntropyLoss(weight=w).state_dict()) == ['weight']
    assert list(nn.NLLLoss(weight=w).state_dict()) == ['weight']
    # cross entropy is log_softmax followed by the negative log likelihood
    np.testing.assert_allclose(host(F.nll_loss(x.log_softmax(1), t, w)),
                               host(F.cross_entropy(x, t, w)), rtol=1e-12)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.MSELoss(size_average=False).reduction == 'sum'


def test_second_derivatives_through_a_model_match_torch(torch):
    """A gradient penalty: d/dw of |d loss / d x|^2 through Linear, softplus and a loss."""
    def run(lib, model):
        fn = lib.nn.functional
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
        out = model(x)
        loss = fn.cross_entropy(out, lib.tensor([0, 1, 1, 0])) + \
            fn.binary_cross_entropy_with_logits(out[:, 0], lib.tensor([0.0, 1.0, 0.5, 1.0]))
        gx, = lib.autograd.grad(loss, x, create_graph=True)
        (gx ** 2).sum().backward()
        return [p.grad for p in model.parameters()]

    def model(lib):
        tnn = lib.nn
        return tnn.Sequential(tnn.Linear(3, 5), tnn.Softplus(beta=2), tnn.Linear(5, 4),
                              tnn.LeakyReLU(0.1), tnn.Linear(4, 2)).double()

    theirs = model(torch)
    mine = model(microtorch)
    copy_weights(theirs, mine)
    for g, e in zip(run(microtorch, mine), run(torch, theirs)):
        np.testing.assert_allclose(host(g), e.numpy(), rtol=1e-10, atol=1e-12)


def test_training_matches_torch_step_by_step(torch):
    """Same initial weights, same data, plain SGD: the same losses, step after step."""
    def train(lib, model):
        fn = lib.nn.functional
        rng = np.random.default_rng(3)
        x = lib.tensor(rng.standard_normal((16, 2)))
        y = lib.tensor(rng.standard_normal((16, 1)))
        losses = []
        for _ in range(5):
            model.zero_grad()
            loss = fn.mse_loss(model(x), y) + fn.smooth_l1_loss(model(x), y, beta=0.5)
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
            losses.append(loss.item())
        return losses

    theirs = build(torch).double().eval()
    mine = build(microtorch).double().eval()
    copy_weights(theirs, mine)
    np.testing.assert_allclose(train(microtorch, mine), train(torch, theirs), rtol=1e-10)


ERROR_CALLS = [
    lambda F, lib: F.mse_loss(lib.ones(3, 4), lib.ones(3, 4), reduction='foo'),
    lambda F, lib: F.mse_loss(lib.ones(3, 4), lib.ones(5)),
    lambda F, lib: F.mse_loss(lib.tensor([1, 2]), lib.tensor([1, 2])),
    lambda F, lib: F.smooth_l1_loss(lib.ones(3), lib.ones(3), beta=-1),
    lambda F, lib: F.binary_cross_entropy(lib.ones(3, 4) / 2, lib.ones(4)),
    lambda F, lib: F.binary_cross_entropy(lib.ones(3) * 2, lib.ones(3)),
    lambda F, lib: F.binary_cross_entropy(lib.ones(3) / 2, lib.ones(3) * 3),
    lambda F, lib: F.binary_cross_entropy_with_logits(lib.ones(3, 4), lib.ones(4)),
    lambda F, lib: F.binary_cross_entropy_with_logits(lib.ones(3, 4), lib.ones(3, 4),
                                                      pos_weight=lib.ones(5)),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([0, 1])),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 5])),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, -1])),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([0.0, 1.0, 2.0])),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.ones(3, 4, dtype=lib.int64)),
    lambda F, lib: F.cross_entropy(lib.ones(2, 3, 5), lib.zeros(2, 4, dtype=lib.int64)),
    lambda F, lib: F.cross_entropy(lib.ones(3), lib.tensor([1, 2])),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2]), lib.ones(3)),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([0, 1, 2], dtype=lib.int32)),
    lambda F, lib: F.leaky_relu(lib.tensor([1, 2])),
    lambda F, lib: F.softplus(lib.tensor([1, 2])),
    lambda F, lib: F.linear(lib.ones(3, 3), lib.ones(5, 4), lib.ones(5)),
    lambda F, lib: F.linear(lib.ones(2, 2, 3), lib.ones(5, 4)),
    lambda F, lib: F.linear(lib.ones(3, 4, dtype=lib.float64), lib.ones(5, 4)),
    lambda F, lib: F.linear(lib.ones(3, 4, dtype=lib.float64), lib.ones(5, 4), lib.ones(5)),
    lambda F, lib: F.linear(lib.ones(3, 4), lib.ones(5, 4), lib.ones(5, dtype=lib.float64)),
    lambda F, lib: F.linear(lib.ones(3, 4), lib.ones(5, 4), lib.ones(4)),
    lambda F, lib: F.linear(lib.tensor(1.0), lib.ones(5, 4)),
    lambda F, lib: F.dropout(lib.ones(2), 1.5),
    lambda F, lib: F.nll_loss(lib.ones(3, 4), lib.tensor([0, 1, 5])),
    lambda F, lib: F.nll_loss(lib.tensor(1.0), lib.tensor(0)),
    lambda F, lib: F.gelu(lib.ones(2), approximate='exact'),
    lambda F, lib: F.batch_norm(lib.ones(2, 3), None, None),
    lambda F, lib: F.batch_norm(lib.ones(2, 4), lib.zeros(3), lib.ones(3)),
    lambda F, lib: F.batch_norm(lib.ones(1, 3), lib.zeros(3), lib.ones(3), training=True),
    lambda F, lib: F.layer_norm(lib.ones(2, 3), (4,)),
    lambda F, lib: F.embedding(lib.tensor([5]), lib.ones(5, 2)),
    lambda F, lib: F.embedding(lib.tensor([1.0]), lib.ones(5, 2)),
    lambda F, lib: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5)),
    lambda F, lib: lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4)),
    lambda F, lib: lib.nn.LayerNorm(3)(lib.ones(2, 4)),
    lambda F, lib: lib.nn.Embedding(5, 2, padding_idx=5),
    lambda F, lib: F.one_hot(lib.tensor([0.0, 2.0])),
    lambda F, lib: F.one_hot(lib.tensor([0, -1])),
    lambda F, lib: F.one_hot(lib.tensor([0, 3]), 3),
    lambda F, lib: F.one_hot(lib.tensor([], dtype=lib.int64)),
    lambda F, lib: F.huber_loss(lib.ones(2), lib.zeros(2), delta=0.0),
    lambda F, lib: F.logsigmoid(lib.tensor([1, 2])),
    lambda F, lib: F.pad(lib.ones(2, 3), (1,)),
    lambda F, lib: F.pad(lib.ones(2, 3), (1, 1, 1, 1, 1, 1)),
    lambda F, lib: F.pad(lib.ones(2, 3), (-2, -2)),
    lambda F, lib: lib.nn.Conv2d(3, 4, 3)(lib.ones(2, 2, 5, 5)),
    lambda F, lib: lib.nn.Conv2d(3, 4, 3, padding='same', stride=2),
    lambda F, lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    lambda F, lib: F.conv2d(lib.ones(1, 3, 2, 2), lib.ones(4, 3, 3, 3)),
    lambda F, lib: F.conv2d(lib.ones(3, 5), lib.ones(4, 3, 3, 3)),
    lambda F, lib: F.max_pool2d(lib.ones(1, 1, 1, 1), 2),
    lambda F, lib: F.max_pool2d(lib.ones(1, 1, 4, 4), 2, padding=2),
    lambda F, lib: F.avg_pool2d(lib.ones(1, 1, 4, 4), 3, padding=2),
    lambda F, lib: F.conv2d(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3), padding='foo'),
    lambda F, lib: F.conv2d(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3)),
    lambda F, lib: F.conv2d(lib.ones(1, 3, 5, 5), lib.ones(4, 3, 3, 3), stride=(1, 1, 1)),
    lambda F, lib: F.avg_pool2d(lib.ones(1, 1, 4, 4), 2, stride=0),
    lambda F, lib: lib.nn.Conv1d(3, 4, 3)(lib.ones(2, 2, 5)),
    lambda F, lib: lib.nn.Conv1d(3, 4, 3, padding='same', stride=2),
    lambda F, lib: lib.nn.Conv1d(3, 4, 3, groups=2),
    lambda F, lib: F.conv1d(lib.ones(1, 3, 2), lib.ones(4, 3, 3)),
    lambda F, lib: F.conv1d(lib.ones(3, 5, 5, 5), lib.ones(4, 3, 3)),
    lambda F, lib: F.conv1d(lib.ones(3, 5), lib.ones(4, 3, 3, 3)),
    lambda F, lib: F.conv1d(lib.ones(1, 3, 5), lib.ones(4, 3, 3), stride=(1, 1)),
    lambda F, lib: F.conv1d(lib.ones(1, 3, 5), lib.ones(4, 3, 3), padding=(1, 1)),
    lambda F, lib: F.conv1d(lib.ones(1, 3, 5), lib.ones(4, 3, 3), padding='foo'),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 1), 2),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 4), 2, padding=2),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, padding=2, dilation=2),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 1, 4), 2),
    lambda F, lib: F.max_pool1d(lib.ones(4), 2),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 4), (2, 2)),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, stride=(1, 1)),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, stride=0),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 0),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, padding=(1, 1)),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, padding=-1),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, dilation=0),
    lambda F, lib: F.max_pool1d(lib.ones(1, 1, 9), 3, dilation=(1, 1)),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 1), 2),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 4), 3, padding=2),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 1, 4), 2),
    lambda F, lib: F.avg_pool1d(lib.ones(4), 2),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 4), (2, 2)),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 9), 3, stride=(1, 1)),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 9), 3, padding=(1, 1)),
    lambda F, lib: F.avg_pool1d(lib.ones(1, 1, 9), 3, stride=0),
    lambda F, lib: F.binary_cross_entropy(lib.ones(3, 4) / 2, lib.ones(3, 4), lib.ones(3)),
    lambda F, lib: F.binary_cross_entropy(lib.ones(3, 4) / 2, lib.ones(3, 4), lib.ones(4, 1)),
    lambda F, lib: F.binary_cross_entropy(lib.ones(3, 4) / 2, lib.ones(3, 4),
                                          lib.ones(5, 3, 4)),
    lambda F, lib: F.cross_entropy(lib.ones(3, 4), lib.tensor([1, 2, 5]), label_smoothing=0.1),
]


@pytest.mark.parametrize('call', ERROR_CALLS, ids=range(len(ERROR_CALLS)))
def test_errors_match_torch(call, torch):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(Exception) as expected:
            call(torch.nn.functional, torch)
        with pytest.raises(expected.type) as got:
            call(F, microtorch)
    assert str(got.value) == as_torch_message(str(expected.value))


def test_broadcast_warning_matches_torch(torch):
    with pytest.warns(UserWarning) as expected:
        theirs = torch.nn.functional.mse_loss(torch.ones(3, 4), torch.arange(4.0))
    with pytest.warns(UserWarning) as got:
        mine = F.mse_loss(microtorch.ones(3, 4), microtorch.arange(4.0))
    assert str(got[0].message) == as_torch_message(str(expected[0].message))
    assert got[0].filename == __file__                  # it points at the caller's line
    assert mine.item() == theirs.item()


def test_linear_node_names_match_torch(torch):
    for in_shape in [(3, 4), (2, 3, 4), (4,)]:
        for bias in (True, False):
            def out(lib):
                return lib.nn.functional.linear(lib.ones(in_shape, requires_grad=True),
                                                lib.ones(5, 4), lib.ones(5) if bias else None)
            assert type(out(microtorch).grad_fn).__name__ == \
                type(out(torch).grad_fn).__name__, (in_shape, bias)


# nn.Linear's one-input-feature products (_fma.outer): NumPy's, the serial kernel's, the
# parallel kernel's
OUTER_PATHS = pytest.mark.parametrize(
    'numba', [{'enabled': False}, {'enabled': True}, {'enabled': True, 'min_size': 0}],
    ids=['numpy', 'serial-kernel', 'parallel-kernel'])


def _outer_path(numba):
    if numba['enabled']:
        pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    return numba_dispatch.configure(**numba)


@OUTER_PATHS
def test_one_input_linear_and_outer_matmul_keep_torchs_bits(torch, numba):
    # An inner dim of 1 is a broadcast multiply: each result one product, a zero's sign kept
    # as PyTorch keeps it (OpenBLAS's product adds it to +0), the bias added after (in the
    # same rounding on Intel CPUs: the test below). A one-output Linear's input gradient
    # (gy @ W) is such a product too.
    rng = np.random.default_rng(0)

    def array(*shape, zero=0.0, every=5):
        a = rng.standard_normal(shape).astype(np.float32)
        a[::every] = zero
        return a
    x, w, b, gy = array(256, 1, every=7), array(64, 1, zero=-0.0), array(64, zero=-0.0), \
        array(256, 1, every=4)
    h, w1 = array(256, 64), array(1, 64, zero=-0.0, every=1)
    w1[0, ::2] = rng.standard_normal(32)
    for bias in (b, None):
        def run(lib):
            y = lib.nn.functional.linear(lib.tensor(x), lib.tensor(w),
                                         None if bias is None else lib.tensor(bias))
            outer = lib.tensor(gy) @ lib.tensor(w).t()
            ht = lib.tensor(h, requires_grad=True)
            lib.nn.functional.linear(ht, lib.tensor(w1)).backward(lib.tensor(gy))
            return [t.numpy().view(np.int32) for t in (y, outer, ht.grad)]
        with _outer_path(numba):
            mine = run(microtorch)
        theirs = run(torch)
        for name, m, t in zip(('linear', 'outer', 'input grad'), mine, theirs):
            assert np.array_equal(m, t), (name, bias is None)


@OUTER_PATHS
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('x_shape, out_features', [((300, 1), 64), ((2, 128, 1), 16),
                                                   ((1000, 1), 1), ((1, 1), 500), ((5, 1), 3)])
def test_one_input_linear_with_bias_keeps_torchs_bits(torch, dtype, x_shape, out_features,
                                                      numba):
    # On Intel CPUs PyTorch's MKL adds each product to the bias in one rounding where the
    # product is a gemm (rows and columns both more than 1), elsewhere (its gemv; AMD's
    # CPUs) in two (cpu.linear_forward). Checked on an Intel Xeon; on AMD's CPUs only the
    # test above's float32 (256, 1) case was.
    if not MKL_ROUNDS_AS_ON_INTEL:
        pytest.skip("these shapes were checked against PyTorch's MKL on Intel CPUs only")
    rng = np.random.default_rng(0)
    x, w, b = (rng.standard_normal(shape).astype(dtype)
               for shape in (x_shape, (out_features, 1), (out_features,)))
    with _outer_path(numba):
        mine = F.linear(microtorch.tensor(x), microtorch.tensor(w), microtorch.tensor(b))
    theirs = torch.nn.functional.linear(torch.tensor(x), torch.tensor(w), torch.tensor(b))
    assert np.array_equal(mine.numpy(), theirs.numpy())


# ---- import ------------------------------------------------------------------------------

def test_nn_is_imported_on_first_use():
    code = ('import sys, microtorch; assert "microtorch.nn" not in sys.modules; '
            'assert microtorch.nn.Linear is sys.modules["microtorch.nn"].Linear; '
            'from microtorch import nn; import microtorch.nn.functional as F')
    subprocess.run([sys.executable, '-c', code], check=True)


def test_implicit_softmax_dim_warns_at_the_callers_line():
    x = microtorch.ones(2, 3)
    for call in (lambda: F.softmax(x), lambda: nn.Softmax()(x), lambda: nn.LogSoftmax()(x)):
        with pytest.warns(UserWarning, match='Implicit dimension choice') as record:
            assert call().shape == (2, 3)
        assert record[0].filename == __file__


def _with_grads(lib, grads):
    params = [lib.nn.Parameter(lib.zeros(len(g))) for g in grads]
    for p, g in zip(params, grads):
        p.grad = lib.tensor(g)
    return params


def test_clip_grad_norm_scales_every_gradient_by_one_factor():
    params = _with_grads(microtorch, [[3.0, 4.0], [12.0]])
    total = nn.utils.clip_grad_norm_(params, 1.0)
    assert total.item() == pytest.approx(13.0)
    scale = 1.0 / (13.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.numpy(), [3 * scale, 4 * scale], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.numpy(), [12 * scale], rtol=1e-6)
    untouched = _with_grads(microtorch, [[0.3, 0.4]])
    assert nn.utils.clip_grad_norm_(untouched, 1.0).item() == pytest.approx(0.5)
    assert untouched[0].grad.tolist() == pytest.approx([0.3, 0.4])        # below max_norm
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_value_clamps_each_element():
    params = _with_grads(microtorch, [[3.0, -4.0, 0.5]])
    nn.utils.clip_grad_value_(params, 2.5)
    assert params[0].grad.tolist() == [2.5, -2.5, 0.5]


@pytest.mark.parametrize('norm_type', [2.0, 1, 'inf', 0.5, 3])
def test_clip_grad_norm_matches_torch(norm_type, torch):
    grads = [[3.0, -4.0, 0.25], [12.0], [-0.5, 2.0]]
    mine, theirs = _with_grads(microtorch, grads), _with_grads(torch, grads)
    total = nn.utils.clip_grad_norm_(mine, 1.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 1.5, norm_type=norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-6)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    nn.utils.clip_grad_value_(mine, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_parameters_as_one_vector_and_back(torch):
    results = []
    for lib in (microtorch, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Linear(3, 1))
        vec = lib.nn.utils.parameters_to_vector(model.parameters())
        (vec * lib.arange(13.0)).sum().backward()               # the gradient reaches them
        grads = [p.grad.tolist() for p in model.parameters()]
        lib.nn.utils.vector_to_parameters(lib.arange(14.0), model.parameters())  # one spare
        weights = [p.tolist() for p in model.parameters()]
        results.append((list(vec.shape), vec.grad_fn.name(), grads, weights))
    assert results[0] == results[1]
    short = [nn.Parameter(microtorch.ones(2, 2)), nn.Parameter(microtorch.ones(3))]
    with pytest.raises(RuntimeError, match=r"shape '\[3\]' is invalid for input of size 1"):
        nn.utils.vector_to_parameters(microtorch.arange(5.0), short)
    assert short[0].tolist() == [[1.0, 1.0], [1.0, 1.0]]         # none changed
    with pytest.raises(TypeError, match='expected microtorch.Tensor, but got: list'):
        nn.utils.vector_to_parameters([1.0], short)


@pytest.mark.parametrize('batch_first', [False, True])
@pytest.mark.parametrize('side', ['right', 'left'])
def test_pad_sequence_matches_torch(side, batch_first, torch):
    rng = np.random.default_rng(0)
    lengths = [3, 1, 4]
    values = [rng.standard_normal((n, 2)) for n in lengths]
    results = []
    for lib in (microtorch, torch):
        seqs = [lib.tensor(v, requires_grad=True) for v in values]
        padded = lib.nn.utils.rnn.pad_sequence(seqs, batch_first=batch_first,
                                               padding_value=-7.0, padding_side=side)
        weights = lib.arange(float(padded.numel()), dtype=lib.float64).reshape(padded.shape)
        (padded * weights).sum().backward()
        result = [list(padded.shape), padded.tolist(), [s.grad.tolist() for s in seqs]]
        if side == 'right':        # (PyTorch's unpad_sequence transposes its input in place)
            result.append([p.tolist() for p in lib.nn.utils.rnn.unpad_sequence(
                padded, lib.tensor(lengths), batch_first=batch_first)])
        results.append(result)
    assert results[0] == results[1]
    mixed = nn.utils.rnn.pad_sequence([microtorch.ones(2),
                                       microtorch.ones(1, dtype=microtorch.int64)])
    assert mixed.dtype == microtorch.float32 and mixed.tolist() == [[1.0, 1.0], [1.0, 0.0]]


PAD_ERRORS = [
    ('received an empty list of sequences', lambda lib: lib.nn.utils.rnn.pad_sequence([])),
    ('The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1',
     lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2, 3), lib.ones(2, 4)])),
    ('Expected padding_side to be one of left or right, but got middle.',
     lambda lib: lib.nn.utils.rnn.pad_sequence([lib.ones(2)], padding_side='middle')),
]


@pytest.mark.parametrize('message, call', PAD_ERRORS, ids=[m[:30] for m, _ in PAD_ERRORS])
def test_pad_sequence_errors(message, call, torch):
    for lib in (microtorch, torch):
        with pytest.raises(RuntimeError) as info:
            call(lib)
        assert str(info.value) == message


def test_norm_of_zeros_has_a_zero_gradient(torch):
    """Where the norm is 0 its derivative does not exist; PyTorch gives 0 (not nan)."""
    for p in (2, 3, 1.5, 0.5):
        x = microtorch.zeros(2, 3, requires_grad=True)
        x.norm(p, dim=1).sum().backward()
        t = torch.zeros(2, 3, requires_grad=True)
        t.norm(p, dim=1).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def _normalisation_run(lib):
    """BatchNorm1d over three training steps and then in eval, LayerNorm and Embedding with
    padding: outputs, running statistics and gradients."""
    bn = lib.nn.BatchNorm1d(3, momentum=0.3)
    bn.weight.data = lib.tensor([1.0, 2.0, 0.5])
    bn.bias.data = lib.tensor([0.1, -0.2, 0.3])
    x = lib.tensor(np.arange(24.0).reshape(4, 3, 2) ** 1.5 / 7, dtype=lib.float32,
                   requires_grad=True)
    out = []
    for k in range(3):
        y = bn(x * (k + 1))
        (y * lib.arange(24.0).reshape(4, 3, 2)).sum().backward()
        out += [y, bn.running_mean, bn.running_var, bn.num_batches_tracked]
    out += [x.grad, bn.weight.grad, bn.bias.grad]
    bn.eval()
    out.append(bn(x))
    ln = lib.nn.LayerNorm((3, 2))
    ln.weight.data = lib.arange(6.0).reshape(3, 2)
    z = ln(x)
    (z * z).sum().backward()
    out += [z, ln.weight.grad, ln.bias.grad]
    emb = lib.nn.Embedding(4, 3, padding_idx=1)
    emb.weight.data = lib.arange(12.0).reshape(4, 3)
    w = emb(lib.tensor([[1, 2], [3, 1]]))
    (w * w).sum().backward()
    return out + [w, emb.weight.grad]


def test_normalisation_layers_match_torch(torch):
    for mine, theirs in zip(_normalisation_run(microtorch), _normalisation_run(torch)):
        np.testing.assert_allclose(host(mine.detach()), theirs.detach().numpy(), rtol=1e-5,
                                   atol=1e-5)


def test_batch_norm_by_hand():
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = microtorch.tensor([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]])
    y = bn(x)
    np.testing.assert_allclose(host(y.mean(0)), [0, 0], atol=1e-6)
    np.testing.assert_allclose(host(y.var(0, unbiased=False)), [1, 1], rtol=1e-4)
    # running stats: halfway from (0, 1) to the batch's mean and unbiased variance
    np.testing.assert_allclose(host(bn.running_mean), [1.5, 15.0], rtol=1e-6)
    np.testing.assert_allclose(host(bn.running_var), [0.5 + 2.0, 0.5 + 200.0], rtol=1e-6)
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    np.testing.assert_allclose(host(bn(x))[:, 0], (np.array([1, 3, 5]) - 1.5) /
                               np.sqrt(2.5 + 1e-5), rtol=1e-5)
    assert list(bn.state_dict()) == ['weight', 'bias', 'running_mean', 'running_var',
                                     'num_batches_tracked']
    with pytest.raises(ValueError, match='Expected more than 1 value per channel'):
        nn.BatchNorm1d(2).train()(microtorch.ones(1, 2))
    stats = nn.BatchNorm1d(2, momentum=None)
    for scale in (1.0, 3.0):                 # momentum None: the plain average of the batches
        stats(x * scale)
    np.testing.assert_allclose(host(stats.running_mean), [6.0, 60.0], rtol=1e-6)


def test_layer_norm_and_embedding_by_hand():
    x = microtorch.tensor([[1.0, 2.0, 3.0], [2.0, 2.0, 2.0]])
    y = nn.LayerNorm(3)(x)
    np.testing.assert_allclose(host(y)[0], [-1.2247, 0.0, 1.2247], atol=1e-4)
    np.testing.assert_allclose(host(y)[1], [0.0, 0.0, 0.0], atol=1e-6)
    emb = nn.Embedding(4, 2, padding_idx=0)
    assert host(emb.weight)[0].tolist() == [0.0, 0.0]
    rows = emb(microtorch.tensor([[0, 3], [3, 2]]))
    assert tuple(rows.shape) == (2, 2, 2)
    rows.sum().backward()
    assert host(emb.weight.grad).tolist() == [[0, 0], [0, 0], [1, 1], [2, 2]]
    frozen = nn.Embedding.from_pretrained(microtorch.ones(3, 2))
    assert not frozen.weight.requires_grad and not frozen(microtorch.tensor([2])).requires_grad


def _containers(lib):
    nn_ = lib.nn
    owner = nn_.Module()
    owner.blocks = nn_.ModuleDict({'lin': nn_.Linear(2, 3), 'act': nn_.ReLU()})
    owner.scales = nn_.ParameterList([nn_.Parameter(lib.ones(2, 3)), lib.zeros(4)])
    owner.extra = nn_.ParameterDict({'a': lib.ones(2), 'b': lib.zeros(3, dtype=lib.float64)})
    return owner


def test_dict_and_parameter_containers():
    owner = _containers(microtorch)
    assert list(owner.state_dict()) == ['blocks.lin.weight', 'blocks.lin.bias', 'scales.0',
                                        'scales.1', 'extra.a', 'extra.b']
    assert len(list(owner.parameters())) == 6
    assert isinstance(owner.scales[1], nn.Parameter) and owner.scales[-1].shape == (4,)
    assert 'lin' in owner.blocks and list(owner.blocks) == ['lin', 'act']
    owner.blocks['out'] = nn.Linear(3, 1)
    assert list(owner.blocks.keys()) == ['lin', 'act', 'out']
    assert isinstance(owner.blocks.pop('act'), nn.ReLU) and len(owner.blocks) == 2
    owner.scales.append(microtorch.ones(1))
    assert len(owner.scales) == 3 and 'scales.2' in owner.state_dict()
    with pytest.raises(KeyError):
        owner.blocks['missing']
    with pytest.raises(IndexError, match='index 5 is out of range'):
        owner.scales[5]


def test_containers_match_torch(torch):
    mine, theirs = _containers(microtorch), _containers(torch)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for name in ('blocks', 'scales', 'extra'):
        assert repr(getattr(mine, name)) == as_torch_message(repr(getattr(theirs, name)))


SMALL_COMPOSITES = {
    'one_hot': lambda lib, x: lib.nn.functional.one_hot(lib.tensor([[0, 2], [3, 1]])),
    'one_hot-classes': lambda lib, x: lib.nn.functional.one_hot(lib.tensor([1, 0]), 4),
    'one_hot-0d': lambda lib, x: lib.nn.functional.one_hot(lib.tensor(1), 3),
    'normalize': lambda lib, x: lib.nn.functional.normalize(x),
    'normalize-zero-row': lambda lib, x: lib.nn.functional.normalize(x * lib.tensor(
        [[0.0], [1.0], [1.0]], dtype=x.dtype), dim=1),
    'normalize-p1-dim0': lambda lib, x: lib.nn.functional.normalize(x, p=1, dim=0),
    'huber': lambda lib, x: lib.nn.functional.huber_loss(x, x.flip(0)),
    'huber-delta': lambda lib, x: lib.nn.HuberLoss(reduction='sum', delta=0.5)(x, x * 0.2),
    'logsigmoid': lambda lib, x: lib.nn.LogSigmoid()(x * 40),
    'pad': lambda lib, x: lib.nn.functional.pad(x, (1, 2)),
    'pad-two-dims-value': lambda lib, x: lib.nn.functional.pad(x, (0, 1, 2, 0), value=-1.5),
    'pad-crop': lambda lib, x: lib.nn.functional.pad(x, (-1, 2, 1, -1)),
}


@pytest.mark.parametrize('name', list(SMALL_COMPOSITES))
def test_small_composites_match_torch(name, torch):
    """Values, dtypes and (for float results) gradients against PyTorch."""
    values = np.array([[0.5, -1.25, 2.0, 0.0], [1.5, 0.25, -0.75, 3.0], [-2.0, 1.0, 0.5, 0.1]])
    results = []
    for lib in (microtorch, torch):
        x = lib.tensor(values, requires_grad=True)
        y = SMALL_COMPOSITES[name](lib, x)
        grad = None
        if y.is_floating_point():
            grad, = lib.autograd.grad((y * y).sum(), x, allow_unused=True)
        results.append((y, grad))
    (mine, my_grad), (theirs, their_grad) = results
    assert repr(mine.dtype) == repr(theirs.dtype).replace('torch.', 'microtorch.')
    np.testing.assert_allclose(host(mine), theirs.detach().numpy(), rtol=1e-12, atol=1e-12)
    if their_grad is not None:
        np.testing.assert_allclose(host(my_grad), their_grad.numpy(), rtol=1e-10, atol=1e-12)



def _tiny_cnn(lib):
    """Conv, ReLU, max pool, conv, average pool, Linear: one forward and backward, weights
    taken from a seeded NumPy generator so both libraries compute the same thing."""
    nn_ = lib.nn
    model = nn_.Sequential(nn_.Conv2d(2, 4, 3, padding=1), nn_.ReLU(), nn_.MaxPool2d(2),
                           nn_.Conv2d(4, 3, 2, stride=1, bias=False), nn_.AvgPool2d(2),
                           nn_.Flatten(), nn_.Linear(3, 1))
    rng = np.random.default_rng(5)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=p.dtype))
    x = lib.tensor(rng.standard_normal((3, 2, 8, 8)), dtype=lib.float32)
    loss = (model(x) ** 2).mean()
    loss.backward()
    return [loss] + [p.grad for p in model.parameters()], model


def test_conv_layers_match_torch(torch):
    (mine, model), (theirs, their_model) = _tiny_cnn(microtorch), _tiny_cnn(torch)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(host(m), t.detach().numpy(), rtol=2e-5, atol=1e-6)
    assert list(model.state_dict()) == list(their_model.state_dict())
    assert repr(model) == repr(their_model)


def test_conv2d_by_hand():
    x = microtorch.arange(16.0).reshape(1, 1, 4, 4)
    w = microtorch.ones(1, 1, 2, 2)
    y = nn.functional.conv2d(x, w, stride=2)
    assert y.tolist() == [[[[10.0, 18.0], [42.0, 50.0]]]]     # each 2x2 block's sum
    pooled, where = nn.functional.max_pool2d(x, 2, return_indices=True)
    assert pooled.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    assert where.tolist() == [[[[5, 7], [13, 15]]]]
    conv = nn.Conv2d(3, 8, 3)
    bound = 1 / math.sqrt(3 * 3 * 3)                           # PyTorch's initialisation
    assert float(conv.weight.abs().max()) <= bound and float(conv.bias.abs().max()) <= bound


def _tiny_cnn_1d(lib, dtype_name):
    """Conv1d, max pool, conv with groups and 'same' padding, average pool, in float32 or
    float64: the outputs and the gradients of the input and of every parameter."""
    nn_ = lib.nn
    model = nn_.Sequential(nn_.Conv1d(2, 4, 3, padding=1, stride=2), nn_.Tanh(),
                           nn_.MaxPool1d(3, stride=2, padding=1, dilation=1),
                           nn_.Conv1d(4, 6, 3, padding='same', dilation=2, groups=2),
                           nn_.AvgPool1d(2, padding=1, count_include_pad=False),
                           nn_.Conv1d(6, 3, 1, bias=False))
    dtype = getattr(lib, dtype_name)
    model = model.to(dtype)
    rng = np.random.default_rng(7)
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=dtype))
    x = lib.tensor(rng.standard_normal((3, 2, 17)), dtype=dtype, requires_grad=True)
    out = model(x)
    (out * lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=dtype)).sum().backward()
    pooled, where = lib.nn.functional.max_pool1d(x[0], 4, 3, 2, return_indices=True)
    return [out, x.grad] + [p.grad for p in model.parameters()] + [pooled, where], model


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
def test_conv1d_layers_match_torch(dtype_name, torch):
    (mine, model), (theirs, their_model) = (_tiny_cnn_1d(microtorch, dtype_name),
                                            _tiny_cnn_1d(torch, dtype_name))
    tol = dict(rtol=2e-5, atol=2e-6) if dtype_name == 'float32' else dict(rtol=1e-11, atol=0)
    for m, t in zip(mine, theirs):
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(host(m), t.detach().numpy(), **tol)
    assert list(model.state_dict()) == list(their_model.state_dict())
    assert [tuple(p.shape) for p in model.parameters()] == \
        [tuple(p.shape) for p in their_model.parameters()]
    assert repr(model) == repr(their_model)


def test_conv1d_initialisation_bounds():
    microtorch.manual_seed(0)
    conv = nn.Conv1d(6, 40, 5, groups=2)
    bound = 1 / math.sqrt(3 * 5)                   # fan_in = in_channels / groups * k
    for p in (conv.weight, conv.bias):
        values = host(p)
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.5 * bound and values.max() > 0.5 * bound


# Layers and functions over one or two float inputs: (shapes, function of (lib, *inputs)).
LAYER_CASES = {
    'adaptive_avg_pool2d': (((2, 3, 5, 7),), lambda lib, x: lib.nn.AdaptiveAvgPool2d((2, 3))(x)),
    'adaptive_avg_pool2d-none-unbatched': (((3, 5, 7),),
                                           lambda lib, x: lib.nn.AdaptiveAvgPool2d((None, 4))(x)),
    'adaptive_avg_pool2d-upsample': (((1, 2, 3, 2),),
                                     lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, 5)),
    'adaptive_avg_pool1d': (((2, 3, 10),), lambda lib, x: lib.nn.AdaptiveAvgPool1d(4)(x)),
    'adaptive_avg_pool1d-unbatched': (((3, 7),),
                                      lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, 3)),
    'group_norm': (((2, 6, 3, 2),),
                   lambda lib, x: _seeded(lib, lib.nn.GroupNorm(3, 6, dtype=x.dtype))(x)),
    'group_norm-2d-no-affine': (((4, 6),), lambda lib, x: lib.nn.GroupNorm(2, 6, affine=False)(x)),
    'group_norm-functional': (((2, 4, 5), (4,), (4,)), lambda lib, x, w, b:
                              lib.nn.functional.group_norm(x, 2, w, b, eps=1e-3)),
    'unflatten': (((4, 6, 5),), lambda lib, x: lib.nn.Unflatten(1, (2, 3))(x)),
    'unflatten-inferred-last': (((4, 5, 6),), lambda lib, x: lib.nn.Unflatten(-1, [3, -1])(x)),
    'zero_pad2d': (((2, 3, 4),), lambda lib, x: lib.nn.ZeroPad2d((1, 2, 0, 3))(x)),
    'zero_pad1d': (((2, 3, 4),), lambda lib, x: lib.nn.ZeroPad1d(2)(x)),
    'constant_pad1d': (((2, 3),), lambda lib, x: lib.nn.ConstantPad1d((2, -1), 3.5)(x)),
    'constant_pad2d': (((1, 2, 3),), lambda lib, x: lib.nn.ConstantPad2d(1, -1.0)(x)),
    'cosine_similarity': (((4, 5), (4, 5)), lambda lib, a, b: lib.nn.CosineSimilarity()(a, b)),
    'cosine_similarity-broadcast-dim0': (((3, 4), (3, 1)), lambda lib, a, b:
                                         lib.nn.functional.cosine_similarity(a, b, 0)),
    'cosine_similarity-tiny': (((2, 3), (2, 3)), lambda lib, a, b:
                               lib.nn.functional.cosine_similarity(a * 1e-9, b, eps=1e-6)),
    'pairwise_distance': (((4, 5), (4, 5)), lambda lib, a, b: lib.nn.PairwiseDistance()(a, b)),
    'pairwise_distance-p1-keepdim': (((2, 3, 4), (4,)), lambda lib, a, b:
                                     lib.nn.PairwiseDistance(p=1, keepdim=True)(a, b)),
    'pairwise_distance-1d': (((5,), (5,)), lambda lib, a, b:
                             lib.nn.functional.pairwise_distance(a, b, 3.0)),
    'kl_div-batchmean': (((3, 4), (3, 4)), lambda lib, a, b: lib.nn.KLDivLoss(
        reduction='batchmean')(a.log_softmax(1), b.softmax(1))),
    'kl_div-sum-log-target': (((3, 4), (3, 4)), lambda lib, a, b: lib.nn.KLDivLoss(
        reduction='sum', log_target=True)(a.log_softmax(1), b.log_softmax(1))),
    'kl_div-none-zero-target': (((2, 3),), lambda lib, a: lib.nn.functional.kl_div(
        a, lib.tensor([[0.0, 0.5, 0.5], [0.25, 0.0, 0.75]], dtype=a.dtype), reduction='none')),
    'kl_div-mean': (((2, 3), (2, 3)), lambda lib, a, b: lib.nn.functional.kl_div(
        a, b.sigmoid())),
    # ceil_mode: a last, partial window when it starts inside the input or its left padding
    'max_pool2d-ceil': (((2, 3, 7, 8),), lambda lib, x: lib.nn.MaxPool2d(
        3, 2, 1, dilation=(2, 1), ceil_mode=True)(x)),
    'max_pool1d-ceil-unbatched': (((3, 9),), lambda lib, x: lib.nn.functional.max_pool1d(
        x, 2, 3, 1, ceil_mode=True)),
    'avg_pool2d-ceil-count-pad': (((2, 3, 7, 8),), lambda lib, x: lib.nn.AvgPool2d(
        (3, 2), (2, 3), (1, 0), ceil_mode=True)(x)),
    'avg_pool2d-ceil-exclude-pad': (((1, 2, 5, 6),), lambda lib, x: lib.nn.functional.avg_pool2d(
        x, 2, 2, 1, ceil_mode=True, count_include_pad=False)),
    'avg_pool2d-ceil-divisor': (((1, 2, 5, 5),), lambda lib, x: lib.nn.functional.avg_pool2d(
        x, 3, 3, ceil_mode=True, divisor_override=2)),
    'avg_pool1d-ceil': (((2, 3, 9),), lambda lib, x: lib.nn.AvgPool1d(
        3, 2, 1, ceil_mode=True, count_include_pad=False)(x)),
}


def _seeded(lib, module):
    """Give a module's parameters values from a fixed NumPy generator."""
    rng = np.random.default_rng(11)
    with lib.no_grad():
        for p in module.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=p.dtype))
    return module


def _layer_case(lib, name, dtype_name):
    shapes, fn = LAYER_CASES[name]
    rng = np.random.default_rng(2)
    dtype = getattr(lib, dtype_name)
    inputs = [lib.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True)
              for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = fn(lib, *inputs)
    weights = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=dtype)
    grads = lib.autograd.grad((out * weights).sum(), inputs)
    return out, grads


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(LAYER_CASES))
def test_layers_and_functions_match_torch(name, dtype_name, torch):
    (mine, my_grads), (theirs, their_grads) = (_layer_case(microtorch, name, dtype_name),
                                               _layer_case(torch, name, dtype_name))
    tol = dict(rtol=2e-5, atol=2e-6) if dtype_name == 'float32' else dict(rtol=1e-10,
                                                                           atol=1e-12)
    assert repr(mine.dtype) == repr(theirs.dtype).replace('torch.', 'microtorch.')
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(host(mine), theirs.detach().numpy(), **tol)
    for m, t in zip(my_grads, their_grads):
        np.testing.assert_allclose(host(m), t.numpy(), **tol)


def _new_modules(lib):
    nn_ = lib.nn
    return [nn_.AdaptiveAvgPool2d((2, None)), nn_.AdaptiveAvgPool1d(3), nn_.GroupNorm(2, 4),
            nn_.GroupNorm(2, 4, eps=1e-3, affine=False), nn_.GroupNorm(1, 3, bias=False),
            nn_.Unflatten(1, (2, 3)), nn_.Unflatten(1, [2, 3]), nn_.ZeroPad2d(1),
            nn_.ZeroPad2d((1, 2, 3, 4)), nn_.ZeroPad1d(2), nn_.ConstantPad1d(2, 3.5),
            nn_.ConstantPad1d((1, 2), 0), nn_.ConstantPad2d(1, -1),
            nn_.CosineSimilarity(dim=0, eps=1e-3), nn_.PairwiseDistance(p=1, keepdim=True),
            nn_.KLDivLoss(reduction='batchmean', log_target=True)]


def test_new_modules_listings_and_state_match_torch(torch):
    for mine, theirs in zip(_new_modules(microtorch), _new_modules(torch)):
        assert repr(mine) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        for attr in ('padding', 'value', 'output_size', 'eps', 'norm', 'log_target'):
            if hasattr(theirs, attr):
                assert getattr(mine, attr) == getattr(theirs, attr), (mine, attr)
    norm = nn.GroupNorm(2, 4)
    assert host(norm.weight).tolist() == [1.0] * 4 and host(norm.bias).tolist() == [0.0] * 4


def test_kl_div_mean_warns_as_torch(torch):
    with pytest.warns(UserWarning) as expected:
        torch.nn.functional.kl_div(torch.zeros(2), torch.ones(2) / 2)
    with pytest.warns(UserWarning) as got:
        F.kl_div(microtorch.zeros(2), microtorch.ones(2) / 2)
    assert str(got[0].message) == str(expected[0].message)


LAYER_ERROR_CALLS = [
    lambda F, lib: F.adaptive_avg_pool2d(lib.ones(5, 7), 2),
    lambda F, lib: F.adaptive_avg_pool2d(lib.ones(1, 3, 5, 7), (2, 3, 4)),
    lambda F, lib: F.adaptive_avg_pool2d(lib.ones(1, 3, 0, 7), 2),
    lambda F, lib: F.adaptive_avg_pool2d(lib.ones(1, 3, 5, 7), -1),
    lambda F, lib: F.adaptive_avg_pool1d(lib.ones(5), 2),
    lambda F, lib: F.adaptive_avg_pool1d(lib.ones(1, 3, 5), (2, 2)),
    lambda F, lib: F.adaptive_avg_pool1d(lib.ones(1, 1, 3, 5), 2),
    lambda F, lib: lib.nn.GroupNorm(2, 5),
    lambda F, lib: F.group_norm(lib.ones(2, 5, 3), 2),
    lambda F, lib: F.group_norm(lib.ones(2, 4, 3), 2, lib.ones(3)),
    lambda F, lib: F.group_norm(lib.ones(4), 2),
    lambda F, lib: lib.nn.GroupNorm(2, 4)(lib.ones(2, 6, 3)),
    lambda F, lib: F.group_norm(lib.ones(1, 4), 4),
    lambda F, lib: F.group_norm(lib.ones(1, 6), 4),          # before the divisibility test
    lambda F, lib: lib.nn.GroupNorm(4, 4)(lib.ones(1, 4, 1, 1)),
    lambda F, lib: lib.nn.Unflatten(1, (2, 4))(lib.ones(4, 6, 5)),
    lambda F, lib: lib.nn.Unflatten(-1, (2, 4))(lib.ones(4, 6)),
    lambda F, lib: lib.nn.Unflatten(1, 2),
    lambda F, lib: lib.nn.Unflatten(1, (2.0, 3)),
    lambda F, lib: lib.nn.ZeroPad2d(1)(lib.ones(3)),
    lambda F, lib: F.cosine_similarity(lib.ones(2, 3), lib.ones(2, 4)),
    lambda F, lib: F.cosine_similarity(lib.ones(2, 3), lib.ones(2, 3), dim=2),
    lambda F, lib: F.cosine_similarity(lib.tensor([1, 2]), lib.tensor([1, 2])),
    lambda F, lib: F.pairwise_distance(lib.ones(2, 3), lib.ones(2, 4)),
    lambda F, lib: F.kl_div(lib.ones(2, 3), lib.ones(2, 3), reduction='foo'),
    lambda F, lib: F.kl_div(lib.ones(2, 3), lib.ones(4), reduction='sum'),
]


@pytest.mark.parametrize('call', LAYER_ERROR_CALLS, ids=range(len(LAYER_ERROR_CALLS)))
def test_layer_errors_match_torch(call, torch):
    test_errors_match_torch(call, torch)


PARAMETER_CONTAINERS = {
    'list-empty': lambda nn, lib: nn.ParameterList([]),
    'list-one': lambda nn, lib: nn.ParameterList([nn.Parameter(lib.ones(2))]),
    'list-two': lambda nn, lib: nn.ParameterList([nn.Parameter(lib.ones(2)),
                                                  nn.Parameter(lib.ones(3, 2))]),
    'dict-one': lambda nn, lib: nn.ParameterDict({'a': nn.Parameter(lib.ones(2))}),
    'dict-two': lambda nn, lib: nn.ParameterDict({'a': nn.Parameter(lib.ones(2)),
                                                  'b': nn.Parameter(lib.ones(1))}),
    'nested-one': lambda nn, lib: nn.Sequential(nn.Linear(1, 1), nn.ParameterList(
        [nn.Parameter(lib.ones(2))])),
}


@pytest.mark.parametrize('name', list(PARAMETER_CONTAINERS))
def test_parameter_containers_print_as_torch(name, torch):
    ours = repr(PARAMETER_CONTAINERS[name](nn, microtorch)).replace('microtorch.', 'torch.')
    assert ours == repr(PARAMETER_CONTAINERS[name](torch.nn, torch))


@pytest.mark.parametrize('options', [dict(max_norm=2.0), dict(max_norm=1.5, norm_type=1.0),
                                     dict(scale_grad_by_freq=True),
                                     dict(max_norm=2.0, scale_grad_by_freq=True, padding_idx=0)])
def test_embedding_max_norm_and_frequency_scaling(options, torch):
    """max_norm rescales the named rows of the weight in place before the lookup;
    scale_grad_by_freq divides each row's gradient by its count in the batch."""
    start = np.arange(12.0).reshape(4, 3) / 4
    index = [[1, 1, 3], [0, 1, 2]]
    results = []
    for lib in (microtorch, torch):
        layer = lib.nn.Embedding(4, 3, **options)
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(start))
        out = layer(lib.tensor(index))
        (out * lib.arange(18.0).reshape(2, 3, 3)).sum().backward()
        results.append((repr(layer), out.detach().numpy(), layer.weight.detach().numpy(),
                        layer.weight.grad.numpy()))
    (mine, *mine_arrays), (theirs, *their_arrays) = results
    assert mine == theirs
    for a, b in zip(mine_arrays, their_arrays):
        assert np.allclose(a, b, rtol=1e-6, atol=1e-7)
