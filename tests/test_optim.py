"""microtorch.optim: updates against hand-computed formulas and torch.optim, zero_grad,
state_dict round trips, and PyTorch's errors (after which nothing has changed)."""
import copy
import math
import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch import optim

W0 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
GRADS = [np.array([[0.1, -0.2, 0.3], [0.4, -0.5, 0.6]]),
         np.array([[-0.3, 0.1, 0.2], [0.0, 0.7, -0.1]]),
         np.array([[0.2, 0.2, -0.4], [-0.6, 0.1, 0.3]])]


def host(t):
    return t.detach().cpu().numpy()


def run_steps(make, device='cpu', dtype=mt.float64, grads=GRADS):
    """Apply `grads` one step each to a leaf holding W0; returns (param, optimizer)."""
    p = mt.tensor(W0, dtype=dtype, device=device, requires_grad=True)
    opt = make([p])
    for g in grads:
        p.grad = mt.tensor(g, dtype=dtype, device=device)
        opt.step()
    return p, opt


# ---- hand-computed references ---------------------------------------------------------------

def sgd_reference(lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0,
                  maximize=False):
    w, buf = W0.copy(), None
    for g in GRADS:
        d = (-g if maximize else g) + weight_decay * w
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        w = w - lr * d
    return w


def adam_reference(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                   maximize=False, decoupled=False):
    b1, b2 = betas
    w, m, v, vmax = W0.copy(), 0.0, 0.0, 0.0
    for t, g in enumerate(GRADS, 1):
        g = -g if maximize else g
        if decoupled:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        vhat = (vmax if amsgrad else v) / (1 - b2 ** t)
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(vhat) + eps)
    return w


def rmsprop_reference(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False, maximize=False):
    w, s = W0.copy(), np.zeros_like(W0)
    buf, avg_g = np.zeros_like(W0), np.zeros_like(W0)
    for g in GRADS:
        g = (-g if maximize else g) + weight_decay * w
        s = alpha * s + (1 - alpha) * g * g
        if centered:
            avg_g = avg_g + (g - avg_g) * (1 - alpha)
            avg = np.sqrt(s - avg_g ** 2) + eps
        else:
            avg = np.sqrt(s) + eps
        if momentum:
            buf = momentum * buf + g / avg
            w = w - lr * buf
        else:
            w = w - lr * g / avg
    return w


def adagrad_reference(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                      eps=1e-10, maximize=False):
    w, total = W0.copy(), np.full_like(W0, initial_accumulator_value)
    for t, g in enumerate(GRADS, 1):
        g = (-g if maximize else g) + weight_decay * w
        total = total + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(total) + eps)
    return w


RMSPROP_OPTIONS = [dict(lr=0.01), dict(lr=0.01, alpha=0.9, eps=1e-3),
                   dict(lr=0.01, momentum=0.9), dict(lr=0.01, centered=True),
                   dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)]
ADAGRAD_OPTIONS = [dict(lr=0.1), dict(lr=0.1, lr_decay=0.05),
                   dict(lr=0.1, weight_decay=0.2, initial_accumulator_value=0.3),
                   dict(lr=0.1, eps=1e-3, maximize=True)]


@pytest.mark.parametrize('options', RMSPROP_OPTIONS, ids=str)
def test_rmsprop_matches_hand_computed_updates(options, device):
    p, _ = run_steps(lambda ps: optim.RMSprop(ps, **options), device)
    np.testing.assert_allclose(host(p), rmsprop_reference(**options), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('options', ADAGRAD_OPTIONS, ids=str)
def test_adagrad_matches_hand_computed_updates(options, device):
    p, _ = run_steps(lambda ps: optim.Adagrad(ps, **options), device)
    np.testing.assert_allclose(host(p), adagrad_reference(**options), rtol=1e-12, atol=1e-14)


def adam_variant_reference(rule, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                           maximize=False, decoupled_weight_decay=False, momentum_decay=4e-3):
    """Adamax, NAdam or RAdam (rule) from their papers' formulas, in float64 throughout."""
    b1, b2 = betas
    w, m, v, mu_product = W0.copy(), 0.0, 0.0, 1.0
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(GRADS, 1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            w = w * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * w
        m = b1 * m + (1 - b1) * g
        if rule == 'Adamax':
            v = np.maximum(b2 * v, np.abs(g) + eps)          # the infinity norm
            w = w - lr / (1 - b1 ** t) * m / v
            continue
        v = b2 * v + (1 - b2) * g * g
        if rule == 'NAdam':
            mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
            mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
            mu_product *= mu
            denom = np.sqrt(v / (1 - b2 ** t)) + eps
            w = w - lr * (1 - mu) / (1 - mu_product) * g / denom \
                - lr * mu_next / (1 - mu_product * mu_next) * m / denom
            continue
        rho = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        m_hat = m / (1 - b1 ** t)
        if rho > 5:
            r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
            w = w - lr * m_hat * r * math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
        else:
            w = w - lr * m_hat
    return w


def adadelta_reference(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    w, s, a = W0.copy(), 0.0, 0.0
    for g in GRADS:
        g = (-g if maximize else g) + weight_decay * w
        s = rho * s + (1 - rho) * g * g
        delta = np.sqrt(a + eps) / np.sqrt(s + eps) * g
        a = rho * a + (1 - rho) * delta * delta
        w = w - lr * delta
    return w


ADAMAX_OPTIONS = [dict(lr=0.1), dict(lr=0.05, betas=(0.8, 0.9), eps=1e-3),
                  dict(lr=0.1, weight_decay=0.2, maximize=True)]
NADAM_OPTIONS = [dict(lr=0.1), dict(lr=0.05, momentum_decay=0.05, weight_decay=0.1),
                 dict(lr=0.1, weight_decay=0.2, decoupled_weight_decay=True, maximize=True)]
# beta2 = 0.5 makes rho_t > 5 from the second step: both kinds of RAdam step are taken
RADAM_OPTIONS = [dict(lr=0.1), dict(lr=0.1, betas=(0.9, 0.5)),
                 dict(lr=0.05, betas=(0.8, 0.5), weight_decay=0.1, maximize=True),
                 dict(lr=0.05, betas=(0.8, 0.5), weight_decay=0.2, decoupled_weight_decay=True)]
ADADELTA_OPTIONS = [dict(), dict(lr=0.5, rho=0.5, eps=1e-3),
                    dict(lr=2.0, weight_decay=0.1, maximize=True)]
ADAM_VARIANT_CASES = ([('Adamax', o) for o in ADAMAX_OPTIONS]
                      + [('NAdam', o) for o in NADAM_OPTIONS]
                      + [('RAdam', o) for o in RADAM_OPTIONS])


@pytest.mark.parametrize('rule,options', ADAM_VARIANT_CASES,
                         ids=[f'{n}-{o}' for n, o in ADAM_VARIANT_CASES])
def test_adam_variants_match_hand_computed_updates(rule, options, device):
    p, _ = run_steps(lambda ps: getattr(optim, rule)(ps, **options), device)
    np.testing.assert_allclose(host(p), adam_variant_reference(rule, **options), rtol=1e-6,
                               atol=1e-12)     # rtol: NAdam keeps its mu product in float32


@pytest.mark.parametrize('options', ADADELTA_OPTIONS, ids=str)
def test_adadelta_matches_hand_computed_updates(options, device):
    p, _ = run_steps(lambda ps: optim.Adadelta(ps, **options), device)
    np.testing.assert_allclose(host(p), adadelta_reference(**options), rtol=1e-12, atol=1e-14)


SGD_OPTIONS = [dict(lr=0.1), dict(lr=0.1, momentum=0.9),
               dict(lr=0.05, momentum=0.8, dampening=0.3),
               dict(lr=0.1, momentum=0.9, nesterov=True),
               dict(lr=0.1, weight_decay=0.2), dict(lr=0.1, maximize=True),
               dict(lr=0.1, momentum=0.5, weight_decay=0.1, nesterov=True, maximize=True)]
ADAM_OPTIONS = [dict(lr=0.1), dict(lr=0.01, betas=(0.8, 0.95), eps=1e-3),
                dict(lr=0.1, weight_decay=0.3), dict(lr=0.1, amsgrad=True),
                dict(lr=0.1, maximize=True),
                dict(lr=0.05, weight_decay=0.1, amsgrad=True, maximize=True)]


@pytest.mark.parametrize('options', SGD_OPTIONS, ids=str)
def test_sgd_matches_hand_computed_updates(options, device):
    p, _ = run_steps(lambda ps: optim.SGD(ps, **options), device)
    np.testing.assert_allclose(host(p), sgd_reference(**options), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize('options', ADAM_OPTIONS, ids=str)
@pytest.mark.parametrize('cls', [optim.Adam, optim.AdamW])
def test_adam_matches_hand_computed_updates(cls, options, device):
    p, _ = run_steps(lambda ps: cls(ps, **options), device)
    options = dict(options)
    if cls is optim.AdamW:
        options.setdefault('weight_decay', 1e-2)       # AdamW's default decay
    expected = adam_reference(decoupled=cls is optim.AdamW, **options)
    np.testing.assert_allclose(host(p), expected, rtol=1e-10, atol=1e-12)


def test_adam_decoupled_weight_decay_flag_is_adamw():
    a, _ = run_steps(lambda ps: optim.Adam(ps, lr=0.1, weight_decay=0.2,
                                           decoupled_weight_decay=True))
    b, _ = run_steps(lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.2))
    np.testing.assert_array_equal(host(a), host(b))


# ---- against torch.optim --------------------------------------------------------------------

CASES = ([('SGD', o) for o in SGD_OPTIONS] + [('Adam', o) for o in ADAM_OPTIONS]
         + [('AdamW', o) for o in ADAM_OPTIONS] + [('RMSprop', o) for o in RMSPROP_OPTIONS]
         + [('Adagrad', o) for o in ADAGRAD_OPTIONS] + ADAM_VARIANT_CASES
         + [('Adadelta', o) for o in ADADELTA_OPTIONS])


@pytest.mark.parametrize('dtype', ['float64', 'float32'])
@pytest.mark.parametrize('name,options', CASES, ids=[f'{n}-{o}' for n, o in CASES])
def test_matches_torch_optim(torch, name, options, dtype):
    rng = np.random.default_rng(1)
    w0 = [rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal(5).astype(dtype)]
    grads = [[rng.standard_normal(w.shape).astype(dtype) for w in w0] for _ in range(5)]
    ours = [mt.tensor(w, requires_grad=True) for w in w0]
    theirs = [torch.tensor(w, requires_grad=True) for w in w0]
    opt_ours = getattr(optim, name)(ours, **options)
    opt_theirs = getattr(torch.optim, name)(theirs, **options)
    for gs in grads:
        for p, q, g in zip(ours, theirs, gs):
            p.grad, q.grad = mt.tensor(g), torch.tensor(g)
        opt_ours.step()
        opt_theirs.step()
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-6, atol=1e-6)
    for p, q in zip(ours, theirs):
        for key, value in opt_theirs.state[q].items():
            np.testing.assert_allclose(host(opt_ours.state[p][key]), value.numpy(),
                                       rtol=1e-6, atol=1e-6)


LAYOUT_OPTIONS = {'SGD': dict(lr=0.1, momentum=0.9), 'Adam': dict(lr=0.1, amsgrad=True),
                  'AdamW': dict(lr=0.1, amsgrad=True),
                  'RMSprop': dict(lr=0.1, momentum=0.9, centered=True),
                  'Adagrad': dict(lr=0.1, lr_decay=0.01), 'Adamax': dict(lr=0.1),
                  'NAdam': dict(lr=0.1, decoupled_weight_decay=True),
                  'RAdam': dict(lr=0.1, weight_decay=0.1), 'Adadelta': dict(rho=0.8)}


@pytest.mark.parametrize('name', list(LAYOUT_OPTIONS))
def test_state_dict_layout_matches_torch(torch, name):
    options = LAYOUT_OPTIONS[name]
    ours = [mt.ones(2, requires_grad=True), mt.ones(3, requires_grad=True)]
    theirs = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
    opt_ours = getattr(optim, name)([{'params': ours[:1]}, {'params': ours[1:], 'lr': 0.5}],
                                    **options)
    opt_theirs = getattr(torch.optim, name)(
        [{'params': theirs[:1]}, {'params': theirs[1:], 'lr': 0.5}], **options)
    for p, q in zip(ours, theirs):
        p.grad, q.grad = mt.ones(p.shape), torch.ones(q.shape)
    opt_ours.step()
    opt_theirs.step()
    a, b = opt_ours.state_dict(), opt_theirs.state_dict()
    assert list(a) == list(b) == ['state', 'param_groups']
    assert [sorted(g) for g in a['param_groups']] == [sorted(g) for g in b['param_groups']]
    for ga, gb in zip(a['param_groups'], b['param_groups']):
        assert {k: v for k, v in ga.items()} == {k: v for k, v in gb.items()}
    assert list(a['state']) == list(b['state']) == [0, 1]
    for i in a['state']:
        assert list(a['state'][i]) == list(b['state'][i])
        for key, value in b['state'][i].items():
            assert a['state'][i][key].dtype.name == str(value.dtype).split('.')[-1]
            assert tuple(a['state'][i][key].shape) == tuple(value.shape)
    assert repr(opt_ours).replace('microtorch', 'torch') == repr(opt_theirs)


# ---- what a step does and doesn't do ----------------------------------------------------------

@pytest.mark.parametrize('make', [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: optim.Adam(ps, lr=0.1),
                                  lambda ps: optim.AdamW(ps, lr=0.1)],
                         ids=['SGD', 'Adam', 'AdamW'])
def test_step_is_in_place_without_history(make, device):
    p = mt.tensor(W0, device=device, requires_grad=True)
    storage = p._data
    view = p.detach()                    # shares storage and version counter
    opt = make([p])
    (p * p).sum().backward()
    grad = p.grad
    grad_values = host(grad).copy()
    version = p._version
    opt.step()
    assert opt.param_groups[0]['params'][0] is p and p._data is storage
    assert p.is_leaf and p.grad_fn is None and p.requires_grad
    assert p._version == version + 1 and view._version == version + 1
    np.testing.assert_array_equal(host(view), host(p))
    assert p.grad is grad
    np.testing.assert_array_equal(host(grad), grad_values)
    assert not np.allclose(host(p), W0)
    loss = (p * p).sum()                 # the updated parameter still trains
    loss.backward()
    np.testing.assert_allclose(host(p.grad), grad_values + 2 * host(p))


def test_parameters_without_grad_are_skipped():
    a = mt.ones(2, requires_grad=True)
    b = mt.ones(2, requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = mt.ones(2)
    opt.step()
    np.testing.assert_array_equal(b.detach().numpy(), [1, 1])
    assert b not in opt.state and b._version == 0
    assert a in opt.state and float(opt.state[a]['step']) == 1.0


def test_sgd_without_momentum_keeps_no_state():
    p, opt = run_steps(lambda ps: optim.SGD(ps, lr=0.1))
    assert opt.state_dict()['state'] == {}


def test_param_groups_have_their_own_options():
    a = mt.zeros(2, requires_grad=True)
    b = mt.zeros(2, requires_grad=True)
    opt = optim.SGD([{'params': [a]}, {'params': b, 'lr': 1.0}], lr=0.1, momentum=0.5)
    assert opt.param_groups[0]['lr'] == 0.1 and opt.param_groups[1]['lr'] == 1.0
    assert opt.param_groups[1]['momentum'] == 0.5 and opt.param_groups[1]['params'] == [b]
    a.grad, b.grad = mt.ones(2), mt.ones(2)
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [-0.1, -0.1])
    np.testing.assert_allclose(b.detach().numpy(), [-1.0, -1.0])
    opt.param_groups[0]['lr'] = 0.0          # what an lr schedule does
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), [-0.1, -0.1])


def test_add_param_group():
    a = mt.zeros(2, requires_grad=True)
    c = mt.zeros(3, requires_grad=True)
    opt = optim.Adam([a], lr=0.1, betas=(0.5, 0.6))
    group = {'params': [c], 'lr': 0.2}
    opt.add_param_group(group)
    assert len(opt.param_groups) == 2 and opt.param_groups[1] is group
    assert group['betas'] == (0.5, 0.6) and group['lr'] == 0.2 and group['params'] == [c]
    c.grad = mt.ones(3)
    opt.step()
    np.testing.assert_allclose(c.detach().numpy(), [-0.2] * 3)


@pytest.mark.parametrize('which', ['microtorch', 'torch'])
def test_named_parameters(which, request):
    lib = mt if which == 'microtorch' else request.getfixturevalue('torch')
    module = optim if which == 'microtorch' else lib.optim
    a, b = lib.ones(2, requires_grad=True), lib.ones(3, requires_grad=True)
    opt = module.SGD([('w', a), ('b', b)], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]['params'] == [a, b]
    assert opt.state_dict()['param_groups'][0]['param_names'] == ['w', 'b']
    with pytest.raises(ValueError, match='cannot add param group without names'):
        opt.add_param_group({'params': [lib.ones(1, requires_grad=True)]})
    with pytest.raises(ValueError, match='Some param names are missing'):
        module.SGD([('w', a), b], lr=0.1)


def test_closure_runs_with_grad_and_returns_the_loss():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)
    seen = []

    def closure():
        opt.zero_grad()
        seen.append(mt.is_grad_enabled())
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = opt.step(closure)
    assert seen == [True] and loss.item() == 5.0
    np.testing.assert_allclose(w.detach().numpy(), [0.5, 1.0])
    assert mt.is_grad_enabled()


def test_training_loop_converges():
    mt.manual_seed(0)
    x = mt.randn(64, 3)
    y = x @ mt.tensor([1.5, -2.0, 0.5]) + 0.3
    w = mt.zeros(3, requires_grad=True)
    b = mt.zeros(1, requires_grad=True)
    opt = optim.Adam([w, b], lr=0.1)
    for _ in range(200):
        opt.zero_grad()
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-4


# ---- zero_grad ----------------------------------------------------------------------------

def test_zero_grad_sets_to_none_by_default():
    p = mt.ones(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    opt.zero_grad()
    assert p.grad is None


def test_zero_grad_to_zeros_in_place():
    p = mt.ones(3, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(grad.numpy(), [0, 0, 0])
    (p * 3).sum().backward()                 # accumulates into the zeroed gradient
    np.testing.assert_array_equal(p.grad.numpy(), [3, 3, 3])


def test_zero_grad_detaches_a_gradient_with_history():
    p = mt.ones(2, requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    (p * p).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None and not p.grad.requires_grad
    np.testing.assert_array_equal(p.grad.numpy(), [0, 0])


# ---- state_dict ---------------------------------------------------------------------------

MAKERS = {'SGD': lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
          'Adam': lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True),
          'AdamW': lambda ps: optim.AdamW(ps, lr=0.1, weight_decay=0.1),
          'RMSprop': lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.9, centered=True),
          'Adagrad': lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.1),
          'Adamax': lambda ps: optim.Adamax(ps, lr=0.1, weight_decay=0.1),
          'NAdam': lambda ps: optim.NAdam(ps, lr=0.1, momentum_decay=0.1),
          'RAdam': lambda ps: optim.RAdam(ps, lr=0.1, betas=(0.9, 0.5)),
          'Adadelta': lambda ps: optim.Adadelta(ps, lr=0.1, rho=0.5)}


@pytest.mark.parametrize('name', list(MAKERS))
def test_state_dict_round_trip_continues_identically(name):
    first, opt = run_steps(MAKERS[name], grads=GRADS[:2])
    saved = copy.deepcopy(opt.state_dict())
    second = mt.tensor(host(first), requires_grad=True)
    opt2 = MAKERS[name]([second])
    opt2.param_groups[0]['lr'] = 123.0              # overwritten by the loaded options
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]['lr'] == 0.1 and opt2.param_groups[0]['params'][0] is second
    # Loading casts NAdam's float32 mu_product to the parameter's dtype, as PyTorch's loading
    # does, so that its product goes on in float64: equal to rounding, not to the bit.
    same = (np.testing.assert_array_equal if name != 'NAdam' else
            lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-6))
    for g in GRADS[2:] * 2:
        for p, o in ((first, opt), (second, opt2)):
            p.grad = mt.tensor(g, dtype=mt.float64)
            o.step()
        same(host(first), host(second))
    for key, value in opt.state[first].items():     # and the state did not become shared
        assert opt2.state[second][key] is not value
        same(host(opt2.state[second][key]), host(value))


def test_loaded_nadam_mu_product_takes_the_parameters_dtype_as_torchs(torch):
    dtypes = []
    for lib in (mt, torch):
        p = lib.ones(2, dtype=lib.float64, requires_grad=True)
        opt = lib.optim.NAdam([p])
        p.grad = lib.ones(2, dtype=lib.float64)
        opt.step()
        q = lib.ones(2, dtype=lib.float64, requires_grad=True)
        loaded = lib.optim.NAdam([q])
        loaded.load_state_dict(copy.deepcopy(opt.state_dict()))
        dtypes.append([str(loaded.state[q][k].dtype).split('.')[-1]
                       for k in ('step', 'mu_product')])
    assert dtypes[0] == dtypes[1] == ['float32', 'float64']


def test_state_dict_indices_and_references():
    a, b, c = (mt.ones(2, requires_grad=True) for _ in range(3))
    opt = optim.SGD([{'params': [a, b]}, {'params': [c], 'lr': 0.5}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = mt.ones(2)
    opt.step()
    sd = opt.state_dict()
    assert [g['params'] for g in sd['param_groups']] == [[0, 1], [2]]
    assert sorted(sd['state']) == [0, 2]
    assert sd['state'][0]['momentum_buffer'] is opt.state[a]['momentum_buffer']
    assert sd['param_groups'][1]['lr'] == 0.5


def test_load_state_dict_casts_state_to_the_parameters_dtype():
    _, opt = run_steps(MAKERS['Adam'], grads=GRADS[:1])
    p = mt.tensor(W0, dtype=mt.float32, requires_grad=True)
    opt2 = MAKERS['Adam']([p])
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[p]['exp_avg'].dtype is mt.float32
    assert opt2.state[p]['step'].dtype is mt.float32 and float(opt2.state[p]['step']) == 1


def test_load_state_dict_mismatches():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    one_group = optim.SGD([a], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        one_group.load_state_dict(sd)
    two_groups = optim.SGD([{'params': [a]}, {'params': [b]}], lr=0.1)
    with pytest.raises(ValueError, match='different number of parameter groups'):
        two_groups.load_state_dict(sd)
    assert one_group.param_groups[0]['params'] == [a]


# ---- errors -------------------------------------------------------------------------------

def watch(*tensors):
    return [(t._data.tobytes(), t._version, t._grad, t.requires_grad) for t in tensors]


ERRORS = [   # (make(optim_module, params), exception, message)
    (lambda O, ps: O.RMSprop(ps, alpha=-0.5), ValueError, 'Invalid alpha value: -0.5'),
    (lambda O, ps: O.RMSprop(ps, momentum=-1), ValueError, 'Invalid momentum value: -1'),
    (lambda O, ps: O.Adagrad(ps, lr_decay=-0.1), ValueError, 'Invalid lr_decay value: -0.1'),
    (lambda O, ps: O.Adagrad(ps, initial_accumulator_value=-1), ValueError,
     'Invalid initial_accumulator_value value: -1'),
    (lambda O, ps: O.Adagrad(ps, eps=-1e-10), ValueError, 'Invalid epsilon value: -1e-10'),
    (lambda O, ps: O.SGD(ps, lr=-1), ValueError, 'Invalid learning rate: -1'),
    (lambda O, ps: O.Adamax(ps, betas=(0.9, -0.1)), ValueError,
     'Invalid beta parameter at index 1: -0.1'),
    (lambda O, ps: O.NAdam(ps, momentum_decay=-1e-3), ValueError,
     'Invalid momentum_decay value: -0.001'),
    (lambda O, ps: O.NAdam(ps, lr=-0.5), ValueError, 'Invalid learning rate: -0.5'),
    (lambda O, ps: O.RAdam(ps, weight_decay=-1), ValueError, 'Invalid weight_decay value: -1'),
    (lambda O, ps: O.Adadelta(ps, rho=1.5), ValueError, 'Invalid rho value: 1.5'),
    (lambda O, ps: O.Adadelta(ps, eps=-1), ValueError, 'Invalid epsilon value: -1'),
    (lambda O, ps: O.SGD(ps, lr=0.1, momentum=-0.1), ValueError,
     'Invalid momentum value: -0.1'),
    (lambda O, ps: O.SGD(ps, lr=0.1, weight_decay=-1e-3), ValueError,
     'Invalid weight_decay value: -0.001'),
    (lambda O, ps: O.SGD(ps, lr=0.1, nesterov=True), ValueError,
     'Nesterov momentum requires a momentum and zero dampening'),
    (lambda O, ps: O.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     'Nesterov momentum requires a momentum and zero dampening'),
    (lambda O, ps: O.Adam(ps, lr=-1), ValueError, 'Invalid learning rate: -1'),
    (lambda O, ps: O.Adam(ps, betas=(1.5, 0.9)), ValueError,
     'Invalid beta parameter at index 0: 1.5'),
    (lambda O, ps: O.Adam(ps, betas=(0.9, 1.0)), ValueError,
     'Invalid beta parameter at index 1: 1.0'),
    (lambda O, ps: O.AdamW(ps, eps=-1e-8), ValueError, 'Invalid epsilon value: -1e-08'),
    (lambda O, ps: O.AdamW(ps, weight_decay=-0.5), ValueError,
     'Invalid weight_decay value: -0.5'),
    (lambda O, ps: O.SGD([], lr=0.1), ValueError, 'optimizer got an empty parameter list'),
    (lambda O, ps: O.Adam(iter([])), ValueError, 'optimizer got an empty parameter list'),
    (lambda O, ps: O.SGD(ps[0], lr=0.1), TypeError,
     'params argument given to the optimizer should be an iterable of Tensors or dicts, but '
     'got microtorch.DoubleTensor'),
    (lambda O, ps: O.SGD([ps[0] * 2], lr=0.1), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda O, ps: O.Adam([{'params': ps}, {'params': [ps[0] + 1]}]), ValueError,
     "can't optimize a non-leaf Tensor"),
    (lambda O, ps: O.SGD([ps[0], 1.0], lr=0.1), TypeError,
     'optimizer can only optimize Tensors, but one of the params is float'),
    (lambda O, ps: O.SGD([{'params': {ps[0]}}], lr=0.1), TypeError,
     'optimizer parameters need to be organized in ordered collections, but the ordering of '
     'tensors in sets will change between runs. Please use a list instead.'),
    (lambda O, ps: O.SGD([{'params': [ps[0]]}, {'params': [ps[0]]}], lr=0.1), ValueError,
     'some parameters appear in more than one parameter group'),
]
ERROR_IDS = [message[:40] for _, _, message in ERRORS]


def error_params(lib):
    p = lib.tensor(W0, requires_grad=True)
    p.grad = lib.ones(2, 3, dtype=lib.float64)
    return [p]


@pytest.mark.parametrize('make,exc,message', ERRORS, ids=ERROR_IDS)
def test_constructor_errors(make, exc, message):
    params = error_params(mt)
    before = watch(*params)
    with pytest.raises(exc) as info:
        make(optim, params)
    assert str(info.value) == message
    assert watch(*params) == before


@pytest.mark.parametrize('make,exc,message', ERRORS, ids=ERROR_IDS)
def test_constructor_errors_are_torchs(make, exc, message, torch):
    with pytest.raises(exc) as info:
        make(torch.optim, error_params(torch))
    assert str(info.value) == message.replace('microtorch', 'torch')


def test_failed_add_param_group_changes_nothing():
    a, b = mt.ones(2, requires_grad=True), mt.ones(2, requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    groups = copy.copy(opt.param_groups)
    for group, message in [({'params': [a]}, 'some parameters appear in more than one'),
                           ({'params': [b * 1]}, "can't optimize a non-leaf Tensor"),
                           ({'params': [b, 'w']}, 'optimizer can only optimize Tensors')]:
        with pytest.raises((ValueError, TypeError), match=message):
            opt.add_param_group(group)
        assert opt.param_groups == groups and len(opt.param_groups[0]) == 10
    with pytest.raises(TypeError, match='param_group must be a dict'):
        opt.add_param_group([b])


def test_required_option_must_be_given():
    class Plain(optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {'lr': optim.optimizer.required})

    with pytest.raises(ValueError, match="didn't specify a value of required optimization "
                                         'parameter lr'):
        Plain([mt.ones(1, requires_grad=True)])
    assert Plain([{'params': [mt.ones(1, requires_grad=True)], 'lr': 1}]).defaults


def test_duplicate_parameters_warn():
    a = mt.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match='duplicate parameters'):
        optim.SGD([a, a], lr=0.1)


def test_retained_non_leaf_is_accepted():
    a = mt.ones(2, requires_grad=True)
    b = a * 2
    b.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        optim.SGD([b], lr=0.1)


def test_implementation_flags():
    p = mt.ones(1, requires_grad=True)
    for cls in (optim.SGD, optim.Adam, optim.AdamW):
        cls([p], lr=0.1, foreach=True)
        cls([p], lr=0.1, fused=True)
        with pytest.raises(RuntimeError, match='`fused` and `foreach` cannot be `True`'):
            cls([p], lr=0.1, fused=True, foreach=True)
        with pytest.raises(NotImplementedError, match='differentiable'):
            cls([p], lr=0.1, differentiable=True)


def test_backend_primitives_first_momentum_step_and_returned_buffer():
    from microtorch.backends import cpu
    param = np.array([1.0, 2.0])
    buf = cpu.sgd_step(param, np.array([0.5, -0.5]), None, 0.1, 0.9, 0.5, False, 0.0, False)
    np.testing.assert_allclose(buf, [0.5, -0.5])          # no dampening on the first step
    np.testing.assert_allclose(param, [0.95, 2.05])
    assert cpu.sgd_step(param, np.array([1.0, 1.0]), buf, 0.1, 0.9, 0.5, False, 0, False) \
        is buf
    np.testing.assert_allclose(buf, [0.95, 0.05])
    scalar = np.array(1.0)                                # 0-d arrays stay arrays
    out = cpu.sgd_step(scalar, np.array(2.0), None, 0.5, 0.9, 0.0, True, 0.1, True)
    assert isinstance(out, np.ndarray) and out.shape == ()
    assert math.isclose(float(scalar), 1.0 - 0.5 * (-1.9 + 0.9 * -1.9))
