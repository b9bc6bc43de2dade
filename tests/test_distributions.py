"""microtorch.distributions: values, gradients and errors against PyTorch's (where it is
installed), samples checked statistically (the random streams differ), and by-hand checks."""
import math
import re

import numpy as np
import pytest

import microtorch as mt
from microtorch import distributions as D


def _values(t):
    return np.array(t.detach().tolist(), dtype=float)


def _close(mine, theirs, rtol=1e-7, atol=1e-9):
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).split('.')[-1] == str(theirs.dtype).split('.')[-1]
    np.testing.assert_allclose(_values(mine), _values(theirs), rtol=rtol, atol=atol)


# ---- one table of distributions, built alike in both libraries ----------------------------
# Each case: (name, params as nested lists (float64, requiring grad), make(lib, *params),
# values to score as nested lists).
CASES = [
    ('normal', ([0.5, -1.0, 2.0], [1.5, 0.3, 2.0]),
     lambda d, loc, scale: d.Normal(loc, scale), [[0.1, -0.7, 4.0], [2.0, 0.0, -1.0]]),
    ('normal-float-scale', ([[0.5], [-1.0]],), lambda d, loc: d.Normal(loc, 2.0),
     [1.0, -3.0, 0.0]),
    ('bernoulli-probs', ([0.2, 0.9, 0.5],), lambda d, p: d.Bernoulli(probs=p),
     [[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]]),
    ('bernoulli-logits', ([-2.0, 0.3, 4.0],), lambda d, z: d.Bernoulli(logits=z),
     [1.0, 0.0, 1.0]),
    ('categorical-probs', ([[0.2, 0.5, 0.3], [1.0, 2.0, 5.0]],),
     lambda d, p: d.Categorical(probs=p), [[2.0, 0.0], [1.0, 1.0]]),
    ('categorical-logits', ([[0.3, -1.0, 2.0], [0.0, 0.0, 0.0]],),
     lambda d, z: d.Categorical(logits=z), [0.0, 2.0]),
    ('uniform', ([-1.0, 0.0], [2.0, 0.5]), lambda d, lo, hi: d.Uniform(lo, hi),
     [[0.5, 0.25], [-1.0, 0.1]]),
    ('exponential', ([0.5, 2.0, 3.0],), lambda d, rate: d.Exponential(rate),
     [[0.1, 2.0, 0.0], [5.0, 0.3, 0.7]]),
    ('mvn-covariance', ([[0.5, -1.0], [2.0, 0.3]], [[2.0, 0.3], [0.3, 1.0]]),
     lambda d, loc, cov: d.MultivariateNormal(loc, covariance_matrix=cov),
     [[[0.1, -0.7], [2.0, 0.0]], [[1.0, 1.0], [-1.0, 0.5]], [[0.0, 0.0], [3.0, -2.0]]]),
    ('mvn-scale-tril', ([0.5, -1.0, 0.2], [[1.5, 0.0, 0.0], [0.4, 0.8, 0.0], [-0.3, 0.2, 1.1]]),
     lambda d, loc, tril: d.MultivariateNormal(loc, scale_tril=tril),
     [[0.1, -0.7, 0.4], [2.0, 0.0, -1.0]]),
    ('mvn-precision', ([[0.5, -1.0]], [[[2.0, -0.4], [-0.4, 0.7]], [[1.0, 0.2], [0.2, 3.0]]]),
     lambda d, loc, precision: d.MultivariateNormal(loc, precision_matrix=precision),
     [0.3, -0.2]),
]


def _build(lib, case):
    _, params, make, values = case
    leaves = [lib.tensor(p, dtype=lib.float64, requires_grad=True) for p in params]
    dist = make(lib.distributions, *leaves)
    dtype = lib.int64 if 'categorical' in case[0] else lib.float64
    return dist, leaves, lib.tensor(values, dtype=lib.float64).to(dtype)


def _grads(loss, leaves):
    for leaf in leaves:
        leaf.grad = None
    loss.backward(retain_graph=True)      # (the scores share lazily made probs or logits)
    return [leaf.grad for leaf in leaves]


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(case, torch):
    mine, mine_leaves, mine_value = _build(mt, case)
    theirs, their_leaves, their_value = _build(torch, case)
    assert mine.batch_shape == theirs.batch_shape and mine.event_shape == theirs.event_shape
    assert repr(mine).replace('microtorch.', 'torch.') == repr(theirs)
    for name in ('mean', 'variance', 'stddev', 'mode'):
        _close(getattr(mine, name), getattr(theirs, name))
    for score in (lambda d, v: d.log_prob(v), lambda d, v: d.entropy(),
                  lambda d, v: d.perplexity()):
        a, b = score(mine, mine_value), score(theirs, their_value)
        _close(a, b)
        assert a.requires_grad == b.requires_grad
        if not a.requires_grad:
            continue
        weights = np.linspace(0.5, 1.5, max(a.numel(), 1)).reshape(tuple(a.shape))
        mine_grads = _grads((a * mt.tensor(weights)).sum(), mine_leaves)
        their_grads = _grads((b * torch.tensor(weights)).sum(), their_leaves)
        for g, h in zip(mine_grads, their_grads):
            assert (g is None) == (h is None)     # (a parameter the score ignores)
            if g is not None:
                _close(g, h)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_shapes_and_dtypes_of_samples(case, torch):
    mine, _, _ = _build(mt, case)
    theirs, _, _ = _build(torch, case)
    for shape in ((), (4,), (2, 3)):
        a, b = mine.sample(shape), theirs.sample(shape)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[-7:] == str(b.dtype)[-7:]
        assert not a.requires_grad
        if mine.has_rsample:
            r = mine.rsample(shape)
            assert r.requires_grad and tuple(r.shape) == tuple(theirs.rsample(shape).shape)
        assert mine.has_rsample == theirs.has_rsample
    big = mine.expand((5,) + tuple(mine.batch_shape))
    assert big.batch_shape == theirs.expand((5,) + tuple(theirs.batch_shape)).batch_shape
    assert tuple(big.sample().shape) == (5,) + tuple(mine.batch_shape + mine.event_shape)


KL_PAIRS = [
    ('normal', lambda d, a, b: (d.Normal(a, b.exp()), d.Normal(b, a.exp() + 0.5))),
    ('bernoulli', lambda d, a, b: (d.Bernoulli(logits=a), d.Bernoulli(probs=b.sigmoid()))),
    ('categorical', lambda d, a, b: (d.Categorical(logits=a.reshape(2, 2)),
                                     d.Categorical(probs=b.exp().reshape(2, 2)))),
    ('uniform', lambda d, a, b: (d.Uniform(a - 1, a + 1), d.Uniform(a - 2 + b.abs() * 0.1,
                                                                      a + 3))),
    ('exponential', lambda d, a, b: (d.Exponential(a.exp()), d.Exponential(b.exp()))),
    ('mvn', lambda d, a, b: (
        d.MultivariateNormal(a[:3], scale_tril=(a[:3, None] * b[None, :3]).tril(-1)
                             + a[1:].exp().diag_embed()),
        d.MultivariateNormal(b[1:], covariance_matrix=(b[:3, None] * a[None, :3])
                             @ (b[:3, None] * a[None, :3]).mT + b[:3].exp().diag_embed()))),
    ('mvn-batched-precision', lambda d, a, b: (
        d.MultivariateNormal(a.reshape(2, 2), covariance_matrix=b[:2].exp().diag_embed()),
        d.MultivariateNormal(b[2:], precision_matrix=0.1 * (a[None, :2] * b[2:, None]
                                                            + a[:2, None] * b[None, 2:])
                             + (a.reshape(2, 2).exp() + 2).diag_embed()))),
]


def check_kl_pair(make, torch, **tolerance):
    """KL(p || q) of make(distributions, a, b) and its gradients in a and b (its finite
    entries') equal PyTorch's."""
    results = []
    for lib in (mt, torch):
        a = lib.tensor([0.3, -1.2, 0.7, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([-0.5, 0.4, 1.1, 0.0], dtype=lib.float64, requires_grad=True)
        p, q = make(lib.distributions, a, b)
        kl = lib.distributions.kl_divergence(p, q)
        lib.where(kl.detach().isfinite(), kl, 0.0).sum().backward()
        results.append((kl, a.grad, b.grad))
    for mine, theirs in zip(*results):
        _close(mine, theirs, **tolerance)


@pytest.mark.parametrize('pair', KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_divergence_and_its_gradients_match_torch(pair, torch):
    check_kl_pair(pair[1], torch)


def test_kl_infinite_where_q_has_no_mass(torch):
    def kls(lib):
        d = lib.distributions
        return [d.kl_divergence(d.Bernoulli(lib.tensor([0.2, 0.0, 1.0])),
                                d.Bernoulli(lib.tensor([0.0, 0.4, 0.5]))),
                d.kl_divergence(d.Categorical(lib.tensor([0.2, 0.0, 0.8])),
                                d.Categorical(lib.tensor([0.3, 0.7, 0.0]))),
                d.kl_divergence(d.Uniform(0.0, lib.tensor([1.0, 3.0])), d.Uniform(-1.0, 2.0))]
    for mine, theirs in zip(kls(mt), kls(torch)):
        _close(mine, theirs)


def test_rsample_gradient_is_the_reparameterization():
    """d(loc + eps*scale)/d loc = 1 and /d scale = eps; for Uniform and Exponential alike."""
    mt.manual_seed(3)
    loc = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    scale = mt.tensor([0.5, 3.0], dtype=mt.float64, requires_grad=True)
    x = D.Normal(loc, scale).rsample((7,))
    x.sum().backward()
    assert _values(loc.grad).tolist() == [7.0, 7.0]
    np.testing.assert_allclose(_values(scale.grad), _values(((x - loc) / scale).sum(0)))
    rate = mt.tensor([2.0], dtype=mt.float64, requires_grad=True)
    y = D.Exponential(rate).rsample((5,))
    y.sum().backward()
    np.testing.assert_allclose(_values(rate.grad), [-_values(y).sum() / 2.0])
    low = mt.tensor(1.0, dtype=mt.float64, requires_grad=True)
    z = D.Uniform(low, 4.0).rsample((6,))
    z.sum().backward()
    np.testing.assert_allclose(_values(low.grad), 6 - _values((z - 1) / 3).sum())


# ---- samples: statistics over many draws (~5 sigma), reproducible with manual_seed ----------

N = 40000


def _check_moments(draws, mean, variance, fourth_central=None):
    """Sample mean and variance within 5 standard errors of the true ones."""
    draws = _values(draws)
    assert abs(draws.mean(0) - mean).max() <= 5 * np.sqrt(np.max(variance) / len(draws))
    if fourth_central is not None:
        spread = np.sqrt((np.asarray(fourth_central) - np.asarray(variance) ** 2) / len(draws))
        # (+5/n: a fair coin's sample variance varies at second order only)
        assert (abs(draws.var(0) - variance) <= 5 * spread + 5 / len(draws)).all()


def test_sample_statistics():
    mt.manual_seed(0)
    loc, scale = np.array([0.5, -2.0]), np.array([1.5, 0.2])
    normal = D.Normal(mt.tensor(loc), mt.tensor(scale))
    for draws in (normal.sample((N,)), normal.rsample((N,)).detach()):
        _check_moments(draws, loc, scale ** 2, 3 * scale ** 4)
    p = np.array([0.1, 0.5, 0.85])
    coin = D.Bernoulli(mt.tensor(p)).sample((N,))
    assert set(_values(coin).ravel()) <= {0.0, 1.0}
    _check_moments(coin, p, p * (1 - p), p * (1 - p) * (1 - 3 * p * (1 - p)))
    rate = np.array([0.5, 4.0])
    waits = D.Exponential(mt.tensor(rate)).sample((N,))
    assert (_values(waits) >= 0).all()
    _check_moments(waits, 1 / rate, rate ** -2.0, 9 * rate ** -4.0)
    low, high = np.array([-1.0, 2.0]), np.array([1.0, 2.5])
    flat = D.Uniform(mt.tensor(low), mt.tensor(high)).sample((N,))
    assert ((_values(flat) >= low) & (_values(flat) < high)).all()
    width = high - low
    _check_moments(flat, (low + high) / 2, width ** 2 / 12, width ** 4 / 80)


def test_categorical_sample_frequencies():
    mt.manual_seed(1)
    probs = np.array([[0.1, 0.6, 0.3], [0.5, 0.0, 0.5]])
    draws = _values(D.Categorical(mt.tensor(probs) * 4).sample((N,)))
    assert draws.shape == (N, 2)
    for row in range(2):
        counts = np.bincount(draws[:, row].astype(int), minlength=3) / N
        sigma = np.sqrt(probs[row] * (1 - probs[row]) / N)
        assert (abs(counts - probs[row]) <= 5 * sigma + 1e-12).all()


def test_manual_seed_makes_samples_reproducible():
    def draw():
        mt.manual_seed(7)
        return [_values(D.Normal(0.0, 1.0).sample((3,))),
                _values(D.Categorical(mt.ones(4)).sample((5,))),
                _values(D.Uniform(0.0, 1.0).rsample((2,)))]
    for a, b in zip(draw(), draw()):
        assert a.tolist() == b.tolist()


# ---- by hand, without PyTorch ------------------------------------------------------------

def test_by_hand_values():
    normal = D.Normal(0.0, 1.0)
    assert normal.batch_shape == mt.Size() and normal.loc.dtype is mt.float32
    assert math.isclose(normal.log_prob(mt.tensor(0.0)).item(), -0.5 * math.log(2 * math.pi),
                        rel_tol=1e-6)
    assert math.isclose(normal.entropy().item(), 0.5 * math.log(2 * math.pi * math.e),
                        rel_tol=1e-6)
    coin = D.Bernoulli(logits=0.0)
    assert math.isclose(coin.probs.item(), 0.5) and math.isnan(coin.mode.item())
    assert math.isclose(coin.log_prob(mt.tensor(1.0)).item(), math.log(0.5), rel_tol=1e-6)
    dice = D.Categorical(mt.tensor([1.0, 1.0, 2.0]))
    assert _values(dice.probs).tolist() == [0.25, 0.25, 0.5]
    assert math.isclose(dice.log_prob(mt.tensor(2)).item(), math.log(0.5), rel_tol=1e-6)
    assert dice.enumerate_support().tolist() == [0, 1, 2]
    assert math.isclose(D.Uniform(1.0, 5.0).entropy().item(), math.log(4.0), rel_tol=1e-6)
    assert D.Uniform(0.0, 1.0).log_prob(mt.tensor(1.0)).item() == -math.inf
    assert math.isclose(D.Exponential(2.0).log_prob(mt.tensor(1.0)).item(),
                        math.log(2.0) - 2.0, rel_tol=1e-6)
    kl = D.kl_divergence(D.Normal(1.0, 1.0), D.Normal(0.0, 1.0))
    assert math.isclose(kl.item(), 0.5, rel_tol=1e-6)
    assert isinstance(mt.distributions.Normal(mt.zeros(2), 1.0), D.Distribution)


def test_parameters_broadcast_and_keep_dtype():
    d = D.Normal(mt.zeros(3, 1, dtype=mt.float64), 2.0).expand((3, 4))
    assert d.batch_shape == mt.Size([3, 4]) and d.scale.dtype is mt.float64
    assert d.log_prob(mt.zeros(2, 1, 1)).shape == mt.Size([2, 3, 4])
    assert D.Normal(1, 2).loc.dtype is mt.float32


def test_validation_can_be_turned_off():
    assert D.Bernoulli(0.3, validate_args=False).log_prob(mt.tensor(0.5)).shape == mt.Size()
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0)               # no check
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args(3)


def test_register_kl_picks_the_closest_pair():
    class Wide(D.Normal):
        pass

    @D.register_kl(Wide, D.Normal)
    def _wide(p, q):
        return mt.tensor(-1.0)
    try:
        assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == -1.0
        assert D.kl_divergence(D.Normal(0.0, 1.0), Wide(0.0, 1.0)).item() == 0.0
    finally:
        from microtorch.distributions import kl
        del kl._KL_REGISTRY[Wide, D.Normal]
        kl._KL_CACHE.clear()


# ---- errors: PyTorch's types and messages (the catalogue registers these too) --------------

def error_calls(lib):
    d = lib.distributions
    return [
        lambda: d.Bernoulli(probs=0.3, logits=0.2),
        lambda: d.Categorical(probs=lib.tensor(0.3)),
        lambda: d.Categorical(logits=lib.tensor(0.3)),
        lambda: d.Normal(0.0, 1.0).log_prob([1.0]),
        lambda: d.Normal(lib.zeros(2), 1.0).log_prob(lib.zeros(3)),
        lambda: d.kl_divergence(d.Normal(0.0, 1.0), d.Categorical(lib.ones(2))),
        lambda: d.Normal('a', 1.0),
        lambda: d.Normal(lib.tensor([0.0, 1.0]), lib.tensor([1.0, -1.0])),
        lambda: d.Bernoulli(probs=0.3).log_prob(lib.tensor(0.5)),
        lambda: d.Categorical(probs=lib.tensor([-0.3, 1.0])),
        lambda: d.Uniform(1.0, 0.0),
        lambda: d.Exponential(1.0).log_prob(lib.tensor(-2.0)),
        lambda: d.Categorical(lib.tensor([0.3, 0.2])).log_prob(lib.tensor(2)),
        lambda: d.MultivariateNormal(lib.zeros(2)),
        lambda: d.MultivariateNormal(lib.tensor(0.0), lib.eye(2)),
        lambda: d.MultivariateNormal(lib.zeros(2), lib.ones(2)),
        lambda: d.MultivariateNormal(lib.zeros(2), scale_tril=lib.ones(2)),
        lambda: d.MultivariateNormal(lib.zeros(2), precision_matrix=lib.ones(2)),
        lambda: d.MultivariateNormal(lib.zeros(2, 2), lib.eye(2).expand(3, 2, 2)),
        lambda: d.MultivariateNormal(lib.zeros(2), lib.tensor([[1.0, 2.0], [0.0, 1.0]])),
        lambda: d.MultivariateNormal(lib.zeros(2), precision_matrix=-lib.eye(2)),
        lambda: d.MultivariateNormal(lib.zeros(2), scale_tril=lib.tensor([[1.0, 0.0],
                                                                         [0.5, -1.0]])),
        lambda: d.MultivariateNormal(lib.zeros(2), lib.eye(2)).log_prob(lib.zeros(3)),
        lambda: d.MultivariateNormal(lib.zeros(2), lib.eye(2)).log_prob(
            lib.tensor([math.nan, 0.0])),
        lambda: d.kl_divergence(d.MultivariateNormal(lib.zeros(2), lib.eye(2)),
                                d.MultivariateNormal(lib.zeros(3), lib.eye(3))),
    ]


_VALUES = '\n<the values>'
ERRORS = [
    (ValueError, 'Either `probs` or `logits` must be specified, but not both.'),
    (ValueError, '`probs` parameter must be at least one-dimensional.'),
    (ValueError, '`logits` parameter must be at least one-dimensional.'),
    (ValueError, 'The value argument to log_prob must be a Tensor'),
    (ValueError, 'Value is not broadcastable with batch_shape+event_shape: '
     'microtorch.Size([3]) vs microtorch.Size([2]).'),
    (NotImplementedError, 'No KL(p || q) is implemented for p type Normal and q type '
     'Categorical'),
    (ValueError, 'Input arguments must all be instances of Number, microtorch.Tensor or '
     'objects implementing __torch_function__.'),
    (ValueError, 'Expected parameter scale (Tensor of shape (2,)) of distribution '
     'Normal(loc: microtorch.Size([2]), scale: microtorch.Size([2])) to satisfy the '
     'constraint GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the support '
     '(Boolean()) of the distribution Bernoulli(probs: 0.30000001192092896), but found '
     'invalid values:' + _VALUES),
    (ValueError, 'Expected parameter probs (Tensor of shape (2,)) of distribution '
     'Categorical(probs: microtorch.Size([2])) to satisfy the constraint Simplex(), but '
     'found invalid values:' + _VALUES),
    (ValueError, 'Expected parameter low (Tensor of shape ()) of distribution Uniform(low: '
     '1.0, high: 0.0) to satisfy the constraint LessThan(upper_bound=0.0), but found invalid '
     'values:' + _VALUES),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the support '
     '(GreaterThanEq(lower_bound=0.0)) of the distribution Exponential(rate: 1.0), but found '
     'invalid values:' + _VALUES),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the support '
     '(IntegerInterval(lower_bound=0, upper_bound=1)) of the distribution Categorical(probs: '
     'microtorch.Size([2])), but found invalid values:' + _VALUES),
    (ValueError, 'Exactly one of covariance_matrix or precision_matrix or scale_tril may be '
     'specified.'),
    (ValueError, 'loc must be at least one-dimensional.'),
    (ValueError, 'covariance_matrix must be at least two-dimensional, with optional leading '
     'batch dimensions'),
    (ValueError, 'scale_tril matrix must be at least two-dimensional, with optional leading '
     'batch dimensions'),
    (ValueError, 'precision_matrix must be at least two-dimensional, with optional leading '
     'batch dimensions'),
    (RuntimeError, 'Attempting to broadcast a dimension of length 2 at -1! Mismatching argument '
     'at index 1 had microtorch.Size([2]); but expected shape should be broadcastable to [3]'),
    (ValueError, 'Expected parameter covariance_matrix (Tensor of shape (2, 2)) of distribution '
     'MultivariateNormal(loc: microtorch.Size([2]), covariance_matrix: microtorch.Size([2, 2])) '
     'to satisfy the constraint PositiveDefinite(), but found invalid values:' + _VALUES),
    (ValueError, 'Expected parameter precision_matrix (Tensor of shape (2, 2)) of distribution '
     'MultivariateNormal(loc: microtorch.Size([2]), precision_matrix: microtorch.Size([2, 2])) '
     'to satisfy the constraint PositiveDefinite(), but found invalid values:' + _VALUES),
    (ValueError, 'Expected parameter scale_tril (Tensor of shape (2, 2)) of distribution '
     'MultivariateNormal(loc: microtorch.Size([2]), scale_tril: microtorch.Size([2, 2])) to '
     'satisfy the constraint LowerCholesky(), but found invalid values:' + _VALUES),
    (ValueError, 'The right-most size of value must match event_shape: microtorch.Size([3]) vs '
     'microtorch.Size([2]).'),
    (ValueError, 'Expected value argument (Tensor of shape (2,)) to be within the support '
     '(IndependentConstraint(Real(), 1)) of the distribution MultivariateNormal(loc: '
     'microtorch.Size([2]), covariance_matrix: microtorch.Size([2, 2])), but found invalid '
     'values:' + _VALUES),
    (ValueError, 'KL-divergence between two Multivariate Normals with' + ' ' * 26 + 'different '
     'event shapes cannot be computed'),
]

# The invalid values that the multi-line messages end with, as PyTorch prints them.
PRINTED_VALUES = {7: 'tensor([ 1., -1.])', 8: '0.5', 9: 'tensor([-0.4286,  1.4286])',
                  10: '1.0', 11: '-2.0', 12: '2',
                  19: 'tensor([[1., 2.],\n        [0., 1.]])',
                  20: 'tensor([[-1., -0.],\n        [-0., -1.]])',
                  21: 'tensor([[ 1.0000,  0.0000],\n        [ 0.5000, -1.0000]])',
                  23: 'tensor([nan, 0.])'}


def _message(index):
    return ERRORS[index][1].replace(_VALUES, '\n' + PRINTED_VALUES.get(index, ''))


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m in ERRORS])
def test_errors(index):
    exc, _ = ERRORS[index]
    with pytest.raises(exc) as info:
        error_calls(mt)[index]()
    assert type(info.value) is exc and str(info.value) == _message(index)


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m in ERRORS])
def test_errors_are_pytorchs(index, torch):
    exc, _ = ERRORS[index]
    with pytest.raises(exc) as info:
        error_calls(torch)[index]()
    assert type(info.value) is exc
    assert str(info.value) == re.sub(r'\bmicrotorch\.', 'torch.', _message(index))


def test_messages_print_tensors_as_pytorch(torch):
    """Longer and grad-requiring parameters and values print inside the message as PyTorch's."""
    def calls(lib):
        d = lib.distributions
        return [lambda: d.Normal(lib.tensor([0.0], requires_grad=True), lib.tensor([-1.0])),
                lambda: d.Uniform(lib.zeros(2), lib.ones(2)).log_prob(lib.tensor([2.0, 0.5])),
                lambda: d.Bernoulli(logits=lib.tensor([0.3, float('nan')])),
                lambda: d.Categorical(logits=lib.tensor([[0.0, float('nan')]]))]
    for mine, theirs in zip(calls(mt), calls(torch)):
        with pytest.raises(ValueError) as a:
            mine()
        with pytest.raises(ValueError) as b:
            theirs()
        assert str(a.value).replace('microtorch.', 'torch.') == str(b.value)


def test_failed_construction_leaves_parameters_alone():
    scale = mt.tensor([1.0, -1.0], requires_grad=True)
    with pytest.raises(ValueError):
        D.Normal(mt.zeros(2), scale)
    assert scale.grad is None and scale.tolist() == [1.0, -1.0] and scale.grad_fn is None


# ---- MultivariateNormal beyond the tables ---------------------------------------------------

_COVARIANCE = np.array([[2.0, 0.3, -0.4], [0.3, 1.0, 0.2], [-0.4, 0.2, 1.5]])


@pytest.mark.parametrize('form', ['covariance_matrix', 'precision_matrix', 'scale_tril'])
def test_multivariate_normal_forms_give_each_other_as_torch(form, torch):
    """Each form of the covariance gives the other two on demand; expand keeps them and
    scores with the expanded batch; float32 stays float32."""
    given = {'covariance_matrix': _COVARIANCE, 'precision_matrix': np.linalg.inv(_COVARIANCE),
             'scale_tril': np.linalg.cholesky(_COVARIANCE)}[form]
    loc = np.array([[0.5, -1.0, 0.2], [0.0, 2.0, -0.3]])
    for dtype, tolerance in (('float64', 1e-9), ('float32', 1e-5)):
        results = []
        for lib in (mt, torch):
            d = lib.distributions.MultivariateNormal(
                lib.tensor(loc, dtype=getattr(lib, dtype)),
                **{form: lib.tensor(given, dtype=getattr(lib, dtype))})
            big = d.expand((4, 2))
            value = lib.tensor(loc[::-1].copy(), dtype=getattr(lib, dtype))
            results.append([d.covariance_matrix, d.precision_matrix, d.scale_tril, d.variance,
                            d.entropy(), d.log_prob(value), big.log_prob(value),
                            big.covariance_matrix, big.entropy(), big.mean])
            assert tuple(big.batch_shape) == (4, 2) and tuple(big.event_shape) == (3,)
        for mine, theirs in zip(*results):
            _close(mine, theirs, rtol=tolerance, atol=tolerance)


def test_multivariate_normal_sample_statistics():
    mt.manual_seed(0)
    loc = np.array([0.5, -2.0, 1.0])
    d = D.MultivariateNormal(mt.tensor(loc), mt.tensor(_COVARIANCE))
    variances = np.diag(_COVARIANCE)
    for draws in (d.sample((N,)), d.rsample((N,)).detach()):
        values = _values(draws)
        assert values.shape == (N, 3)
        _check_moments(draws, loc, variances, 3 * variances ** 2)
        centred = values - loc
        sample_covariance = centred.T @ centred / N
        spread = np.sqrt((np.outer(variances, variances) + _COVARIANCE ** 2) / N)
        assert (abs(sample_covariance - _COVARIANCE) <= 5 * spread).all()


def test_multivariate_normal_rsample_is_the_reparameterization():
    """x = loc + L eps: d/d loc is 1 per draw and d/dL[i, j] the sum of the draws' eps_j."""
    mt.manual_seed(4)
    loc = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    tril = mt.tensor([[0.5, 0.0], [0.3, 2.0]], dtype=mt.float64, requires_grad=True)
    x = D.MultivariateNormal(loc, scale_tril=tril).rsample((7,))
    x.sum().backward()
    assert _values(loc.grad).tolist() == [7.0, 7.0]
    noise = np.linalg.solve(_values(tril), (_values(x) - _values(loc)).T)     # (2, 7)
    np.testing.assert_allclose(_values(tril.grad), np.tile(noise.sum(1), (2, 1)), rtol=1e-10)


def test_multivariate_normal_without_validation_factors_anyway(torch):
    """validate_args=False skips the constraint; the Cholesky factorisation still fails."""
    for lib in (mt, torch):
        with pytest.raises(lib.linalg.LinAlgError, match='leading minor of order 1'):
            lib.distributions.MultivariateNormal(lib.zeros(2), -lib.eye(2), validate_args=False)
    d = D.MultivariateNormal(mt.zeros(3), mt.eye(2))          # no size check, as PyTorch
    assert d.event_shape == mt.Size([3])
