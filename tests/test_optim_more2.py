"""optim.ASGD, optim.Rprop and optim.Adafactor against torch.optim: parameters and state after
10 steps over their options (NumPy steps and the Numba kernels forced), state_dict layouts,
loading each other's state dicts, param groups, empty parameters and PyTorch's errors."""
import copy

import numpy as np
import pytest

import microtorch as mt
from microtorch import optim
from microtorch.backends import numba_dispatch

CASES = [
    ('ASGD', dict()),
    ('ASGD', dict(lr=0.05, lambd=0.1, alpha=0.5, t0=3)),
    ('ASGD', dict(lr=0.02, t0=0, weight_decay=0.1, maximize=True)),
    ('ASGD', dict(lr=0.01, lambd=1.0, t0=5.5, foreach=False)),
    ('Rprop', dict()),
    ('Rprop', dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ('Rprop', dict(lr=0.1, etas=(0.7, 1.1), step_sizes=(0.05, 1.0), maximize=True)),
    ('Rprop', dict(lr=0.01, step_sizes=(0.5, 0.1), foreach=False)),    # min > max: max wins
    ('Adafactor', dict()),
    ('Adafactor', dict(lr=0.5, beta2_decay=-0.5, eps=(1e-3, 1e-2), d=1.5)),
    ('Adafactor', dict(lr=0.05, weight_decay=0.2, maximize=True)),
    ('Adafactor', dict(lr=0.01, beta2_decay=0.0, eps=(1e-30, 0.0), d=1.0)),
    ('Adafactor', dict(lr=2.0, eps=(None, 0.5), foreach=False)),
]
IDS = [f'{name}-{options}' for name, options in CASES]
SHAPES = [(4, 3), (5,), (2, 3, 4), (), (1, 6)]


def host(t):
    return t.detach().cpu().numpy()


def train(lib, name, options, dtype='float64', device='cpu', steps=10, seed=1):
    """Parameters of every SHAPE trained `steps` steps on drawn gradients (some
    zeros, some repeated, so that Rprop sees kept, flipped and zero signs)."""
    rng = np.random.default_rng(seed)
    kw = {} if lib is not mt else {'device': device}
    params = [lib.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True, **kw)
              for s in SHAPES]
    opt = getattr(lib.optim, name)(params, **options)
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(steps)]
    for i, gs in enumerate(grads):
        for p, g in zip(params, gs):
            g = grads[i - 1][SHAPES.index(tuple(p.shape))] if i % 3 == 2 else g
            g = g * (rng.random(g.shape) < 0.8)
            p.grad = lib.tensor(g, **kw)
        opt.step()
    return params, opt


@pytest.fixture(params=['numpy', 'numba'])
def cpu_path(request):
    """The CPU steps through NumPy, and through the Numba kernels at every size."""
    with numba_dispatch.configure(enabled=request.param == 'numba', min_size=0):
        yield request.param


@pytest.mark.parametrize('name,options', CASES, ids=IDS)
def test_matches_torch_after_10_steps(torch, name, options, cpu_path):
    ours, opt = train(mt, name, options)
    theirs, ref = train(torch, name, options)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-10, atol=1e-12)
        assert list(opt.state[p]) == list(ref.state[q])
        for key, value in ref.state[q].items():
            mine = opt.state[p][key]
            assert mine.dtype.name == str(value.dtype).split('.')[-1], key
            assert tuple(mine.shape) == tuple(value.shape), key
            np.testing.assert_allclose(host(mine), value.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('name,options', CASES[::2], ids=IDS[::2])
def test_float32_matches_torch(torch, name, options):
    ours, _ = train(mt, name, options, dtype='float32')
    theirs, _ = train(torch, name, options, dtype='float32')
    for p, q in zip(ours, theirs):
        assert p.dtype is mt.float32
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize('name,options', CASES[::3], ids=IDS[::3])
def test_on_every_device_matches_torch(torch, name, options, device):
    ours, _ = train(mt, name, options, device=device, steps=6)
    theirs, _ = train(torch, name, options, steps=6)
    for p, q in zip(ours, theirs):
        assert str(p.device).startswith(device.split(':')[0])
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_numba_kernels_give_numpys_bits():
    results = []
    for enabled in (False, True):
        with numba_dispatch.configure(enabled=enabled, min_size=0):
            results.append([[host(p) for p in train(mt, name, options, dtype='float32')[0]]
                            for name, options in CASES if name != 'Adafactor'])
    for ours, numba in zip(*results):
        for a, b in zip(ours, numba):
            np.testing.assert_array_equal(a, b)


# ---- state dicts -------------------------------------------------------------------------

LAYOUT = [('ASGD', dict(t0=2)), ('Rprop', dict(etas=(0.4, 1.3))),
          ('Adafactor', dict(eps=(None, 1e-3), d=2.0))]


def convert(state_dict, lib):
    """A deep copy of state_dict with its tensors made by lib (through NumPy)."""
    def value(v):
        if hasattr(v, 'detach'):
            return lib.tensor(v.detach().cpu().numpy().copy())
        return copy.deepcopy(v)
    return {'state': {i: {k: value(v) for k, v in s.items()}
                      for i, s in state_dict['state'].items()},
            'param_groups': copy.deepcopy(state_dict['param_groups'])}


@pytest.mark.parametrize('name,options', LAYOUT, ids=[n for n, _ in LAYOUT])
def test_state_dict_layout_and_repr_are_torchs(torch, name, options):
    _, opt = train(mt, name, options, steps=2)
    _, ref = train(torch, name, options, steps=2)
    a, b = opt.state_dict(), ref.state_dict()
    assert a['param_groups'] == b['param_groups']
    assert list(a['state']) == list(b['state'])
    for i, state in b['state'].items():
        assert list(a['state'][i]) == list(state)
        assert float(a['state'][i]['step']) == float(state['step']) == 2
    assert repr(opt).replace('microtorch', 'torch') == repr(ref)


@pytest.mark.parametrize('name,options', LAYOUT, ids=[n for n, _ in LAYOUT])
@pytest.mark.parametrize('source', ['torch', 'microtorch'])
def test_load_state_dict_from_either_library_continues_as_torch(torch, name, options,
                                                                 source):
    """Train 4 steps in one library, load its state dict into a fresh optimizer of the other,
    go on 6 steps: the same parameters and state as torch loading torch's own state dict
    (loading casts ASGD's float32 eta and mu to the parameter's dtype, in both)."""
    libs = {'torch': torch, 'microtorch': mt}
    target = 'microtorch' if source == 'torch' else 'torch'
    rng = np.random.default_rng(5)
    w0 = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(10)]

    def steps(lib, params, opt, gs):
        for g_step in gs:
            for p, g in zip(params, g_step):
                p.grad = lib.tensor(g)
            opt.step()

    def interrupted(first_lib, second_lib):
        first = [first_lib.tensor(w, requires_grad=True) for w in w0]
        opt1 = getattr(first_lib.optim, name)(first, **options)
        steps(first_lib, first, opt1, grads[:4])
        second = [second_lib.tensor(p.detach().cpu().numpy().copy(), requires_grad=True)
                  for p in first]
        opt2 = getattr(second_lib.optim, name)(second, lr=123.0)
        opt2.load_state_dict(convert(opt1.state_dict(), second_lib))
        assert opt2.param_groups[0]['lr'] == options.get('lr', opt1.defaults['lr'])
        steps(second_lib, second, opt2, grads[4:])
        return second, opt2

    second, opt2 = interrupted(libs[source], libs[target])
    reference, ref_opt = interrupted(torch, torch)
    for p, q in zip(second, reference):
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        for key, value in ref_opt.state[q].items():
            mine = opt2.state[p][key]
            assert str(mine.dtype).split('.')[-1] == str(value.dtype).split('.')[-1], key
            np.testing.assert_allclose(mine.detach().cpu().numpy(), value.numpy(),
                                       rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('name,options', LAYOUT, ids=[n for n, _ in LAYOUT])
def test_state_dict_round_trip_continues_identically(name, options):
    first, opt = train(mt, name, options, steps=3)
    saved = copy.deepcopy(opt.state_dict())
    second = [mt.tensor(host(p), requires_grad=True) for p in first]
    opt2 = getattr(optim, name)(second, lr=9.0)
    opt2.load_state_dict(saved)
    rng = np.random.default_rng(7)
    for _ in range(4):
        for p, q in zip(first, second):
            g = rng.standard_normal(tuple(p.shape))
            p.grad, q.grad = mt.tensor(g), mt.tensor(g)
        opt.step()
        opt2.step()
    for p, q in zip(first, second):
        np.testing.assert_array_equal(host(p), host(q))
        for key, value in opt.state[p].items():
            assert opt2.state[q][key] is not value


def test_asgd_scalars_are_float32_state_and_take_the_parameters_dtype_when_loaded(torch):
    kinds = []
    for lib in (mt, torch):
        p = lib.ones(2, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.ASGD([p], lr=0.1, t0=0)
        p.grad = lib.ones(2, dtype=lib.float64)
        opt.step()
        q = lib.ones(2, dtype=lib.float64, requires_grad=True)
        loaded = lib.optim.ASGD([q])
        loaded.load_state_dict(copy.deepcopy(opt.state_dict()))
        kinds.append([str(s[k].dtype).split('.')[-1] for s in (opt.state[p], loaded.state[q])
                      for k in ('step', 'eta', 'mu', 'ax')]
                     + [float(opt.state[p]['eta']), float(opt.state[p]['mu'])])
    assert kinds[0] == kinds[1]


# ---- groups, empty parameters, flags, errors --------------------------------------------

@pytest.mark.parametrize('name,options', LAYOUT, ids=[n for n, _ in LAYOUT])
def test_param_groups_and_add_param_group_match_torch(torch, name, options):
    results = []
    for lib in (mt, torch):
        rng = np.random.default_rng(3)
        a, b, c = (lib.tensor(rng.standard_normal(s), requires_grad=True)
                   for s in ((3, 2), (4,), (2, 2)))
        opt = getattr(lib.optim, name)([{'params': [a]}, {'params': [b], 'lr': 0.2}],
                                       **options)
        for step in range(5):
            if step == 2:
                opt.add_param_group({'params': c, 'lr': 0.05})
            for p in (a, b, c):
                p.grad = lib.tensor(rng.standard_normal(tuple(p.shape)))
            opt.step()
        results.append(([p.detach().numpy().copy() for p in (a, b, c)],
                        opt.state_dict()['param_groups']))
    (ours, our_groups), (theirs, their_groups) = results
    assert our_groups == their_groups
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('name', ['ASGD', 'Rprop'])
def test_empty_parameters_step_as_torchs(torch, name):
    for shape in ((0,), (0, 3), (2, 0)):
        states = []
        for lib in (mt, torch):
            p = lib.zeros(shape, dtype=lib.float64, requires_grad=True)
            opt = getattr(lib.optim, name)([p])
            for _ in range(2):
                p.grad = lib.ones(shape, dtype=lib.float64)
                opt.step()
            states.append({k: (tuple(v.shape), float(v) if v.dim() == 0 else None)
                           for k, v in opt.state[p].items()})
        assert states[0] == states[1]


def test_adafactor_empty_parameter_fails_as_torch_before_any_change(torch):
    for lib in (mt, torch):
        a = lib.ones(3, dtype=lib.float64, requires_grad=True)
        empty = lib.zeros((0, 2), dtype=lib.float64, requires_grad=True)
        opt = lib.optim.Adafactor([a, empty])
        a.grad, empty.grad = lib.ones(3, dtype=lib.float64), lib.ones((0, 2), dtype=lib.float64)
        with pytest.raises(ZeroDivisionError, match='float division by zero'):
            opt.step()
    assert float(a.detach().sum()) != 3      # torch had updated the first parameter already
    a = mt.ones(3, dtype=mt.float64, requires_grad=True)
    empty = mt.zeros((0, 2), dtype=mt.float64, requires_grad=True)
    opt = optim.Adafactor([a, empty])
    a.grad, empty.grad = mt.ones(3, dtype=mt.float64), mt.ones((0, 2), dtype=mt.float64)
    version = a._version
    with pytest.raises(ZeroDivisionError):
        opt.step()
    assert a._version == version and float(a.detach().sum()) == 3 and not opt.state


def test_implementation_flags_are_accepted_as_torchs():
    p = mt.ones(2, requires_grad=True)
    optim.ASGD([p], foreach=True, capturable=True)
    optim.Rprop([p], foreach=True, capturable=True)
    optim.Adafactor([p], foreach=True)
    for cls in (optim.ASGD, optim.Rprop):
        with pytest.raises(NotImplementedError, match='differentiable'):
            cls([p], differentiable=True)
    with pytest.raises(TypeError):
        optim.Adafactor([p], differentiable=True)      # not an Adafactor option in torch


ERRORS = [
    (lambda O, ps: O.ASGD(ps, lr=-0.1), 'Invalid learning rate: -0.1'),
    (lambda O, ps: O.ASGD(ps, weight_decay=-0.5), 'Invalid weight_decay value: -0.5'),
    (lambda O, ps: O.Rprop(ps, lr=-1.0), 'Invalid learning rate: -1.0'),
    (lambda O, ps: O.Rprop(ps, etas=(1.5, 2.0)), 'Invalid eta values: 1.5, 2.0'),
    (lambda O, ps: O.Rprop(ps, etas=(0.5, 1.0)), 'Invalid eta values: 0.5, 1.0'),
    (lambda O, ps: O.Rprop(ps, etas=(0.0, 1.2)), 'Invalid eta values: 0.0, 1.2'),
    (lambda O, ps: O.Adafactor(ps, lr=-0.01), 'Learning rate should be >= 0 but is: -0.01'),
    (lambda O, ps: O.Adafactor(ps, beta2_decay=0.5),
     'beta2_decay should be <= 0 but is: 0.5'),
    (lambda O, ps: O.Adafactor(ps, eps=(-1e-3, 1e-3)), 'epsilon1 should be >= 0 but is: -0.001'),
    (lambda O, ps: O.Adafactor(ps, eps=(None, -1.0)), 'epsilon2 should be >= 0 but is: -1.0'),
    (lambda O, ps: O.Adafactor(ps, d=0.5), 'Clipping threshold d should be >= 1 but is: 0.5'),
    (lambda O, ps: O.Adafactor(ps, weight_decay=-0.1),
     'weight_decay should be >= 0 but is: -0.1'),
]


@pytest.mark.parametrize('make,message', ERRORS, ids=[m[:40] for _, m in ERRORS])
def test_constructor_errors_are_torchs(torch, make, message):
    for lib in (mt, torch):
        p = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        p.grad = lib.ones(2, 3, dtype=lib.float64)
        with pytest.raises(ValueError) as info:
            make(lib.optim, [p])
        assert str(info.value) == message
        assert float(p.detach().sum()) == 6 and p._version == 0
