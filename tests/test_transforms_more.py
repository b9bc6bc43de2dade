"""The transforms beyond the elementwise ones (simplex, matrix, composite), the constraints
they map onto, biject_to / transform_to for those constraints, LogisticNormal and
OneHotCategoricalStraightThrough: values, inverses, log|det J|, shapes and float64 gradients
against PyTorch's on the same inputs, and PyTorch's errors."""
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import microtorch as mt
from microtorch import distributions as D

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_distributions import _close, _values  # noqa: E402


def _tensor(lib, values, grad=False):
    return lib.tensor(values, dtype=lib.float64, requires_grad=grad)


def _weights(lib, like):
    """Fixed, uneven weights of like's shape: a loss that reads every entry differently."""
    n = like.numel()
    return lib.arange(n, dtype=lib.float64).mul(0.7).cos().reshape(like.shape)


def _outcome(call):
    """call()'s value, or the type and message it raises."""
    try:
        return 'value', call()
    except (ValueError, NotImplementedError) as error:
        return type(error), str(error)


_X2 = [[-3.0, 0.5, 1.2], [4.0, 0.1, -0.4]]
_MATRICES = [[[0.3, 2.0, -1.0], [0.5, -0.2, 0.7], [-1.1, 0.4, 0.9]],
             [[1.5, 0.0, 0.3], [-0.6, 0.8, 1.0], [0.2, -0.9, -0.3]]]

# ---- one table of transforms, built alike in both libraries -------------------------------
# Each case: (name, make(lib) -> transform, x (float64), whether PyTorch has its log|det J|,
# whether t.inv(t(x)) gives x back).
CASES = [
    ('softplus', lambda lib, t: t.SoftplusTransform(), _X2, True, True),
    ('softplus-linear-above-20', lambda lib, t: t.SoftplusTransform(), [[25.0, 19.0, -30.0]],
     True, True),
    ('softmax', lambda lib, t: t.SoftmaxTransform(), _X2, False, False),
    ('stick-breaking', lambda lib, t: t.StickBreakingTransform(), _X2, True, True),
    ('stick-breaking-inv', lambda lib, t: t.StickBreakingTransform().inv,
     [[0.2, 0.3, 0.1, 0.4], [0.05, 0.05, 0.7, 0.2]], True, True),
    ('lower-cholesky', lambda lib, t: t.LowerCholeskyTransform(), _MATRICES, False, False),
    ('positive-definite', lambda lib, t: t.PositiveDefiniteTransform(), _MATRICES, False,
     False),
    ('corr-cholesky', lambda lib, t: t.CorrCholeskyTransform(),
     [[0.3, -1.2, 2.0, 0.1, 0.7, -0.5], [1.5, 0.0, -0.3, 2.2, -2.5, 0.05]], True, True),
    ('corr-cholesky-2x2', lambda lib, t: t.CorrCholeskyTransform(), [[0.4], [-1.3]], True,
     True),
    ('independent-exp', lambda lib, t: t.IndependentTransform(t.ExpTransform(), 1), _X2,
     True, True),
    ('independent-softplus-2', lambda lib, t: t.IndependentTransform(t.SoftplusTransform(),
                                                                      2), _X2, True, True),
    ('independent-stick-breaking', lambda lib, t: t.IndependentTransform(
        t.StickBreakingTransform(), 1), _X2, True, True),
    ('reshape', lambda lib, t: t.ReshapeTransform((2, 3), (3, 2)), [_X2, _X2], True, True),
    ('reshape-flatten', lambda lib, t: t.ReshapeTransform((3,), (3, 1)), _X2, True, True),
    ('cat-last-dim', lambda lib, t: t.CatTransform(
        [t.ExpTransform(), t.identity_transform, t.AffineTransform(1.0, -2.0)], dim=-1,
        lengths=[1, 1, 1]), _X2, True, True),
    ('cat-batch-dim', lambda lib, t: t.CatTransform(
        [t.SoftplusTransform(), t.AffineTransform(0.5, 3.0)], dim=0), _X2, True, True),
    ('cat-event-parts', lambda lib, t: t.CatTransform(
        [t.ExpTransform(), t.IndependentTransform(t.SoftplusTransform(), 1)], dim=0,
        lengths=[1, 2]),
     [[0.3, -0.2], [1.0, 0.4], [-0.7, 2.0]], True, True),
    ('cat-lengths', lambda lib, t: t.CatTransform(
        [t.SigmoidTransform(), t.SoftplusTransform()], dim=1, lengths=[2, 1]), _X2, True,
     True),
    ('stack-dim-1', lambda lib, t: t.StackTransform(
        [t.ExpTransform(), t.SoftplusTransform(), t.identity_transform], dim=1), _X2, True,
     True),
    ('stack-last-dim', lambda lib, t: t.StackTransform(
        [t.TanhTransform(), t.AffineTransform(1.0, 2.0), t.SigmoidTransform()], dim=-1),
     _X2, True, True),
    ('cdf-normal', lambda lib, t: t.CumulativeDistributionTransform(
        lib.distributions.Normal(_tensor(lib, 0.5), _tensor(lib, 2.0))), _X2, True, True),
    ('cdf-laplace-inv', lambda lib, t: t.CumulativeDistributionTransform(
        lib.distributions.Laplace(_tensor(lib, -1.0), _tensor(lib, 0.5))).inv,
     [[0.1, 0.5, 0.93]], True, True),
    ('compose-affine-stick-breaking', lambda lib, t: t.ComposeTransform(
        [t.AffineTransform(0.5, 2.0), t.StickBreakingTransform()]), _X2, True, True),
    ('compose-softplus-then-reshape', lambda lib, t: t.ComposeTransform(
        [t.SoftplusTransform(), t.ReshapeTransform((3,), (1, 3))]), _X2, True, True),
]


def _make(case, lib):
    return case[1](lib, lib.distributions.transforms)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_values_inverses_and_jacobians(case, torch):
    _, _, x, has_jacobian, round_trips = case
    mine, theirs = _make(case, mt), _make(case, torch)
    a, b = _tensor(mt, x), _tensor(torch, x)
    ya, yb = mine(a), theirs(b)
    _close(ya, yb, rtol=1e-12, atol=1e-14)
    _close(mine.inv(ya), theirs.inv(yb), rtol=1e-10, atol=1e-12)
    if round_trips:
        _close(mine.inv(ya), b, rtol=1e-9, atol=1e-10)
    if has_jacobian:
        _close(mine.log_abs_det_jacobian(a, ya), theirs.log_abs_det_jacobian(b, yb),
               rtol=1e-12, atol=1e-13)
    else:
        for t, u, v in ((mine, a, ya), (theirs, b, yb)):
            with pytest.raises(NotImplementedError):
                t.log_abs_det_jacobian(u, v)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_gradients_through_forward_and_jacobian(case, torch):
    _, _, x, has_jacobian, _ = case
    grads = []
    for lib in (mt, torch):
        t = _make(case, lib)
        a = _tensor(lib, x, grad=True)
        y = t(a)
        loss = (y * _weights(lib, y)).sum()
        if has_jacobian:
            ladj = t.log_abs_det_jacobian(a, y)
            loss = loss + (ladj * _weights(lib, ladj)).sum()
        loss.backward()
        grads.append(a.grad)
    _close(*grads, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_sets_shapes_and_attributes(case, torch):
    _, _, x, _, _ = case
    mine, theirs = _make(case, mt), _make(case, torch)
    assert type(mine).__name__ == type(theirs).__name__
    assert repr(mine).replace('microtorch.', 'torch.') == repr(theirs)
    assert repr(mine.domain) == repr(theirs.domain)
    assert repr(mine.codomain) == repr(theirs.codomain)
    assert mine.domain.event_dim == theirs.domain.event_dim
    assert mine.codomain.event_dim == theirs.codomain.event_dim
    assert mine.bijective == theirs.bijective
    assert _outcome(lambda: mine.event_dim) == _outcome(lambda: theirs.event_dim)
    sign, their_sign = _outcome(lambda: mine.sign), _outcome(lambda: theirs.sign)
    if sign[0] == 'value' and hasattr(sign[1], 'shape'):
        assert (_values(sign[1]) == _values(their_sign[1])).all()
    else:
        assert sign == their_sign
    shape = tuple(np.shape(x))
    forward, their_forward = mine.forward_shape(shape), theirs.forward_shape(shape)
    assert tuple(forward) == tuple(their_forward)
    assert tuple(forward) == tuple(mine(_tensor(mt, x)).shape)
    assert tuple(mine.inverse_shape(forward)) == tuple(theirs.inverse_shape(their_forward))
    assert tuple(mine.inverse_shape(forward)) == shape


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_a_cached_transform_gives_back_its_input(case):
    t = _make(case, mt).with_cache(1)
    assert t._cache_size == 1 and t.with_cache(1) is t
    assert t.with_cache(0)._cache_size == 0
    x = _tensor(mt, case[2])
    y = t(x)
    assert t(x) is y and t.inv(y) is x


def test_equality_as_pytorchs(torch):
    for lib in (mt, torch):
        t = lib.distributions.transforms
        for kind in (t.SoftplusTransform, t.SoftmaxTransform, t.StickBreakingTransform,
                     t.LowerCholeskyTransform, t.PositiveDefiniteTransform):
            assert kind() == kind() and not kind() != kind()
            assert kind().inv == kind().inv
            assert kind() != t.ExpTransform()
        # those without an __eq__ are equal only to themselves
        for make in (t.CorrCholeskyTransform, lambda: t.ReshapeTransform((2,), (2, 1)),
                     lambda: t.IndependentTransform(t.ExpTransform(), 1),
                     lambda: t.CatTransform([t.ExpTransform()]),
                     lambda: t.StackTransform([t.ExpTransform()])):
            first = make()
            assert first == first and first != make()
        assert t.ComposeTransform([t.SoftplusTransform(), t.StickBreakingTransform()]) == \
            t.ComposeTransform([t.SoftplusTransform(), t.StickBreakingTransform()])


def test_cache_reaches_the_parts():
    t = D.transforms
    for whole in (t.CatTransform([t.ExpTransform(), t.SoftplusTransform()], cache_size=1),
                  t.StackTransform([t.ExpTransform(), t.SoftplusTransform()], cache_size=1),
                  t.IndependentTransform(t.SoftplusTransform(), 1, cache_size=1)):
        parts = getattr(whole, 'transforms', None) or [whole.base_transform]
        assert all(part._cache_size == 1 for part in parts)
    cdf = t.CumulativeDistributionTransform(D.Normal(0.0, 1.0))
    assert cdf.with_cache(1).distribution is cdf.distribution


# ---- constraints ---------------------------------------------------------------------------

def _constraint_cases(lib):
    c = lib.distributions.constraints
    f64 = dict(dtype=lib.float64)
    corr = lib.tensor([[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]], **f64)
    return [
        (c.corr_cholesky, corr),
        (c.corr_cholesky, corr * 1.01),
        (c.corr_cholesky, lib.stack([corr, corr.mT, -corr])),
        (c.corr_cholesky, lib.eye(2, dtype=lib.float32)),
        (c.positive_semidefinite, lib.tensor([[2.0, 1.0], [1.0, 0.5]], **f64)),
        (c.positive_semidefinite, lib.tensor([[[1.0, 2.0], [2.0, 1.0]],
                                              [[1.0, 0.0], [0.0, 0.0]]], **f64)),
        (c.positive_semidefinite, lib.tensor([[1.0, 2.0], [0.0, 1.0]], **f64)),
        (c.positive_semidefinite, lib.ones(2, 3)),
        (c.cat([c.positive, c.real, c.unit_interval], dim=-1, lengths=[1, 2, 1]),
         lib.tensor([[0.5, -3.0, 2.0, 0.3], [-0.5, 1.0, 1.0, 1.5]], **f64)),
        (c.cat([c.simplex, c.simplex], dim=0), lib.tensor([[0.3, 0.7], [0.5, 0.6]], **f64)),
        (c.cat([c.simplex, c.real_vector], dim=-1, lengths=[2, 1]),
         lib.tensor([[0.3, 0.7, 5.0], [0.5, 0.6, 1.0]], **f64)),
        (c.stack([c.positive, c.interval(-1.0, 1.0)], dim=-1),
         lib.tensor([[0.5, 0.3], [-0.5, 0.3], [1.0, 2.0]], **f64)),
        (c.stack([c.simplex, c.real_vector], dim=0),
         lib.tensor([[0.3, 0.7], [-4.0, 0.6]], **f64)),
        (c.stack([c.lower_cholesky, c.corr_cholesky], dim=0),
         lib.stack([lib.eye(2) * 2, lib.eye(2)])),
    ]


def test_constraint_checks_as_pytorchs(torch):
    for (mine, value), (theirs, their_value) in zip(_constraint_cases(mt),
                                                    _constraint_cases(torch)):
        assert repr(mine) == repr(theirs)
        assert mine.event_dim == theirs.event_dim
        assert mine.is_discrete == theirs.is_discrete
        got, expected = mine.check(value), theirs.check(their_value)
        assert tuple(got.shape) == tuple(expected.shape)
        assert got.tolist() == expected.tolist()


def test_stack_and_cat_event_dims(torch):
    for lib in (mt, torch):
        c = lib.distributions.constraints
        assert c.stack([c.simplex, c.real], dim=-1).event_dim == 1
        assert c.stack([c.simplex, c.real], dim=-2).event_dim == 2
        assert c.stack([c.real, c.real], dim=0).event_dim == 0
        assert c.cat([c.real, c.lower_cholesky]).event_dim == 2
        assert c.cat([c.boolean, c.real]).is_discrete
        assert not c.stack([c.real, c.positive]).is_discrete


def test_dependent_constraints(torch):
    for lib in (mt, torch):
        c = lib.distributions.constraints
        assert repr(c.dependent) == 'Dependent()'
        assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)
        known = c.dependent(is_discrete=True, event_dim=1)
        assert known.is_discrete is True and known.event_dim == 1
        assert c.is_dependent(known)
        partly = known(event_dim=2)
        assert partly.is_discrete is True and partly.event_dim == 2

        class Box:
            def __init__(self, low):
                self.low = low

            @c.dependent_property(is_discrete=False, event_dim=0)
            def support(self):
                return c.greater_than(self.low)

            @c.dependent_property
            def other(self):
                return c.real

        assert repr(Box(2.0).support) == 'GreaterThan(lower_bound=2.0)'
        assert c.is_dependent(Box.support) and Box.support.event_dim == 0
        assert not Box.support.is_discrete
        assert repr(Box.support) == 'DependentProperty()'
        assert c.is_dependent(Box.other) and repr(Box(0).other) == 'Real()'


def test_a_dependent_argument_is_not_checked(torch):
    """A distribution skips the dependent entries of its arg_constraints, as PyTorch's."""
    for lib in (mt, torch):
        d = lib.distributions

        class Shifted(d.Normal):
            arg_constraints = dict(d.Normal.arg_constraints, loc=d.constraints.dependent)

        assert Shifted(lib.tensor(1.0), lib.tensor(2.0), validate_args=True).loc == 1.0


# ---- biject_to and transform_to ------------------------------------------------------------

def _registry_cases(lib):
    c = lib.distributions.constraints
    return [
        (c.simplex, [[0.3, -1.2, 2.0], [0.1, 0.1, 0.1]]),
        (c.independent(c.simplex, 1), [[0.3, -1.2, 2.0], [0.1, 0.1, 0.1]]),
        (c.lower_cholesky, _MATRICES),
        (c.positive_definite, _MATRICES),
        (c.positive_semidefinite, _MATRICES),
        (c.corr_cholesky, [[0.3, -1.2, 2.0], [1.5, 0.0, -0.3]]),
        (c.cat([c.positive, c.real, c.unit_interval], dim=-1, lengths=[1, 2, 1]),
         [[0.5, -3.0, 2.0, 0.3], [-0.5, 1.0, 1.0, 1.5]]),
        (c.cat([c.interval(-1.0, 2.0), c.less_than(3.0)], dim=0), [[0.5, -3.0], [2.0, 0.3]]),
        (c.stack([c.positive, c.interval(-1.0, 1.0)], dim=-1), [[0.5, 0.3], [-0.5, 0.3]]),
        (c.stack([c.greater_than(1.0), c.real], dim=0), [[0.5, 0.3], [-0.5, 0.3]]),
    ]


@pytest.mark.parametrize('registry', ['biject_to', 'transform_to'])
def test_registries_choose_pytorchs_transforms(registry, torch):
    for (mine, x), (theirs, _) in zip(_registry_cases(mt), _registry_cases(torch)):
        outcome = _outcome(lambda: getattr(D, registry)(mine))
        their_outcome = _outcome(lambda: getattr(torch.distributions, registry)(theirs))
        if their_outcome[0] != 'value':
            assert outcome == their_outcome
            continue
        t, u = outcome[1], their_outcome[1]
        assert type(t).__name__ == type(u).__name__
        assert repr(t).replace('microtorch.', 'torch.') == repr(u)
        a, b = _tensor(mt, x), _tensor(torch, x)
        ya, yb = t(a), u(b)
        _close(ya, yb, rtol=1e-12, atol=1e-14)
        assert bool(mine.check(ya).all())
        if u.bijective:
            _close(t.inv(ya), b, rtol=1e-9, atol=1e-10)
            _close(t.log_abs_det_jacobian(a, ya), u.log_abs_det_jacobian(b, yb),
                   rtol=1e-12, atol=1e-13)


def test_registry_misses_are_pytorchs(torch):
    for lib, name in ((mt, 'microtorch'), (torch, 'torch')):
        c = lib.distributions.constraints
        for call, message in (
                (lambda: lib.distributions.biject_to(c.lower_cholesky),
                 'Cannot transform _LowerCholesky constraints'),
                (lambda: lib.distributions.biject_to(c.positive_definite),
                 'Cannot transform _PositiveDefinite constraints'),
                (lambda: lib.distributions.transform_to(c.dependent),
                 'Cannot transform _Dependent constraints')):
            with pytest.raises(NotImplementedError, match=re.escape(message)):
                call()


def _transformed_cases(lib):
    d, t, f64 = lib.distributions, lib.distributions.transforms, lib.float64
    return [
        (d.Normal(lib.zeros(4, 3, dtype=f64), 1.0), [t.CorrCholeskyTransform()],
         t.CorrCholeskyTransform()(lib.tensor([[0.3, -0.2, 0.5]] * 4, dtype=f64))),
        (d.Normal(lib.zeros(5, 6, dtype=f64), 1.0), [t.ReshapeTransform((6,), (2, 3))],
         lib.linspace(-1.0, 1.0, 30, dtype=f64).reshape(5, 2, 3)),
        (d.Normal(lib.zeros(2, 3, dtype=f64), 1.0),
         [t.StackTransform([t.ExpTransform(), t.SoftplusTransform()], dim=0)],
         lib.linspace(0.5, 2.0, 6, dtype=f64).reshape(2, 3)),
        (d.Normal(lib.zeros(3, dtype=f64), 1.0), [t.StickBreakingTransform()],
         lib.tensor([0.1, 0.2, 0.3, 0.4], dtype=f64)),
    ]


def test_transformed_distributions_of_the_new_transforms(torch):
    for (base, parts, value), (their_base, their_parts, their_value) in zip(
            _transformed_cases(mt), _transformed_cases(torch)):
        mine = D.TransformedDistribution(base, parts)
        theirs = torch.distributions.TransformedDistribution(their_base, their_parts)
        assert tuple(mine.batch_shape) == tuple(theirs.batch_shape)
        assert tuple(mine.event_shape) == tuple(theirs.event_shape)
        _close(mine.log_prob(value), theirs.log_prob(their_value), rtol=1e-12)
        assert tuple(mine.sample().shape) == tuple(theirs.sample().shape)


# ---- LogisticNormal and OneHotCategoricalStraightThrough ----------------------------------

@pytest.mark.parametrize('params', [([0.5, -1.0, 2.0], [1.5, 0.3, 2.0]),
                                    ([[0.5, -1.0], [0.0, 0.2]], [0.7, 1.1]),
                                    (0.3, 2.0)])
def test_logistic_normal(params, torch):
    results = []
    for lib in (mt, torch):
        loc, scale = (_tensor(lib, p, grad=True) for p in params)
        dist = lib.distributions.LogisticNormal(loc, scale)
        k = dist.event_shape[0]
        value = lib.arange(1, k + 1, dtype=lib.float64).flip(0)
        value = (value / value.sum()).expand(dist.batch_shape + (k,))
        log_prob = dist.log_prob(value)
        log_prob.sum().backward()
        draw = dist.rsample((5,))
        results.append((dist, log_prob, loc.grad, scale.grad, draw))
    (mine, lp, gl, gs, draw), (theirs, tlp, tgl, tgs, _) = results
    assert mine.batch_shape == tuple(theirs.batch_shape)
    assert mine.event_shape == tuple(theirs.event_shape)
    assert repr(mine.support) == repr(theirs.support)
    _close(lp, tlp, rtol=1e-12)
    _close(gl, tgl, rtol=1e-10)
    _close(gs, tgs, rtol=1e-10)
    _close(mine.loc, theirs.loc)
    _close(mine.scale, theirs.scale)
    assert tuple(draw.shape) == (5,) + tuple(theirs.batch_shape + theirs.event_shape)
    assert bool(mine.support.check(draw).all())
    expanded = mine.expand((4,) + tuple(mine.batch_shape))
    assert type(expanded) is D.LogisticNormal
    assert tuple(expanded.sample().shape) == (4,) + tuple(mine.batch_shape + mine.event_shape)


def test_logistic_normal_checks_its_scale(torch):
    for lib in (mt, torch):
        with pytest.raises(ValueError, match='Expected parameter scale'):
            lib.distributions.LogisticNormal(0.0, -1.0, validate_args=True)


def test_straight_through_one_hot(torch):
    logits = mt.tensor([[0.3, -1.0, 2.0], [0.0, 0.5, 0.1]], dtype=mt.float64,
                       requires_grad=True)
    dist = D.OneHotCategoricalStraightThrough(logits=logits)
    assert dist.has_rsample and isinstance(dist, D.OneHotCategorical)
    draw = dist.rsample((7,))
    assert tuple(draw.shape) == (7, 2, 3)
    np.testing.assert_allclose(_values(draw).sum(-1), 1.0)
    assert set(_values(draw).ravel().round(12)) <= {0.0, 1.0}
    weights = _weights(mt, draw)
    (draw * weights).sum().backward()
    # the gradient is the one of the probs, each draw contributing once
    expected = logits.detach().requires_grad_()
    (D.OneHotCategorical(logits=expected).probs * weights.sum(0)).sum().backward()
    _close(logits.grad, expected.grad, rtol=1e-12)
    theirs = torch.distributions.OneHotCategoricalStraightThrough(
        logits=torch.tensor(logits.tolist(), dtype=torch.float64))
    _close(dist.log_prob(draw[0]), theirs.log_prob(torch.tensor(draw[0].tolist(),
                                                                dtype=torch.float64)))


def test_utils_tril_vectors(torch):
    for diag, size in ((0, 6), (-1, 6), (-2, 6), (1, 8), (0, 1)):
        vec = np.arange(1.0, 2 * size + 1).reshape(2, size).tolist()
        mine = D.utils.vec_to_tril_matrix(_tensor(mt, vec), diag)
        theirs = torch.distributions.utils.vec_to_tril_matrix(_tensor(torch, vec), diag)
        _close(mine, theirs)
        _close(D.utils.tril_matrix_to_vec(mine, diag),
               torch.distributions.utils.tril_matrix_to_vec(theirs, diag))


# ---- errors: PyTorch's types and messages --------------------------------------------------

def error_calls(lib):
    d = lib.distributions
    t, c = d.transforms, d.constraints
    x = lib.ones(2, 3)
    return [
        lambda: t.IndependentTransform(t.StickBreakingTransform(), 1)(lib.ones(3)),
        lambda: t.IndependentTransform(t.ExpTransform(), 2).inv(lib.ones(3)),
        lambda: t.ReshapeTransform((2, 3), (4,)),
        lambda: t.ReshapeTransform((2, 3), (3, 2)).forward_shape(lib.Size([3])),
        lambda: t.ReshapeTransform((2, 3), (3, 2)).forward_shape(lib.Size([3, 2])),
        lambda: t.ReshapeTransform((2, 3), (3, 2)).inverse_shape(lib.Size([2, 3])),
        lambda: t.StickBreakingTransform().forward_shape(lib.Size([])),
        lambda: t.SoftmaxTransform().inverse_shape(lib.Size([])),
        lambda: t.CorrCholeskyTransform().forward_shape(lib.Size([4])),
        lambda: t.CorrCholeskyTransform().inverse_shape(lib.Size([2, 3])),
        lambda: t.CorrCholeskyTransform().inverse_shape(lib.Size([3])),
        lambda: t.CorrCholeskyTransform()(lib.ones(5)),
        lambda: t.CatTransform([t.ExpTransform(), 'exp']),
        lambda: t.CatTransform([t.ExpTransform()], lengths=[1, 2]),
        lambda: t.CatTransform([t.ExpTransform()], dim=2)(x),
        lambda: t.CatTransform([t.ExpTransform()], dim=1)(x),
        lambda: t.CatTransform([t.ExpTransform()], dim=1).inv(x),
        lambda: t.CatTransform([t.ExpTransform()], dim=-3).log_abs_det_jacobian(x, x),
        lambda: t.CatTransform([t.ExpTransform()], dim=1).log_abs_det_jacobian(
            x[:, :1], x),
        lambda: t.StackTransform([t.ExpTransform(), 3]),
        lambda: t.StackTransform([t.ExpTransform()], dim=2).inv(x),
        lambda: t.StackTransform([t.ExpTransform()])(x),
        lambda: t.StackTransform([t.ExpTransform()] * 2).log_abs_det_jacobian(x, x.mT),
        lambda: t.StackTransform([t.ExpTransform()] * 3, dim=1).log_abs_det_jacobian(
            x, lib.ones(2)),
        lambda: c.cat([c.real, 'real']),
        lambda: c.cat([c.real], lengths=[1, 1]),
        lambda: c.cat([c.real], dim=2).check(x),
        lambda: c.stack([c.real, None]),
        lambda: c.stack([c.real], dim=-3).check(x),
        lambda: c.dependent.check(x),
        lambda: c.dependent.event_dim,
        lambda: c.dependent(event_dim=1).is_discrete,
        lambda: d.utils.vec_to_tril_matrix(lib.ones(5)),
        lambda: d.utils.tril_matrix_to_vec(lib.ones(3, 3), diag=3),
    ]


ERRORS = [
    (ValueError, 'Too few dimensions on input'),
    (ValueError, 'Too few dimensions on input'),
    (ValueError, 'in_shape, out_shape have different numbers of elements'),
    (ValueError, 'Too few dimensions on input'),
    (ValueError, 'Shape mismatch: expected microtorch.Size([3, 2]) but got '
     'microtorch.Size([2, 3])'),
    (ValueError, 'Shape mismatch: expected microtorch.Size([2, 3]) but got '
     'microtorch.Size([3, 2])'),
    (ValueError, 'Too few dimensions on input'),
    (ValueError, 'Too few dimensions on input'),
    (ValueError, 'Input is not a flattened lower-diagonal number'),
    (ValueError, 'Input is not square'),
    (ValueError, 'Too few dimensions on input'),
    (ValueError, 'The size of last dimension is 5 which cannot be expressed as the lower '
     'triangular part of a square D x D matrix.'),
    (AssertionError, 'All elements of tseq must be Transform instances'),
    (AssertionError, 'lengths (2) must match transforms (1)'),
    (AssertionError, 'dim 2 out of range for tensor with 2 dimensions'),
    (AssertionError, 'x.size(1) = 3 must equal length 1'),
    (AssertionError, 'y.size(1) = 3 must equal length 1'),
    (AssertionError, 'dim -3 out of range for x with 2 dimensions'),
    (AssertionError, 'y.size(1) = 3 must equal length 1'),
    (AssertionError, 'All elements of tseq must be Transform instances'),
    (AssertionError, 'dim 2 out of range for tensor with 2 dimensions'),
    (AssertionError, 'x.size(0) = 2 must equal len(transforms) 1'),
    (AssertionError, 'y.size(0) = 3 must equal len(transforms) 2'),
    (AssertionError, 'dim 1 out of range for y with 1 dimensions'),
    (AssertionError, 'All elements of cseq must be Constraint instances'),
    (AssertionError, 'lengths (2) must match cseq (1)'),
    (AssertionError, 'dim 2 out of range for value with 2 dimensions'),
    (AssertionError, 'All elements of cseq must be Constraint instances'),
    (AssertionError, 'dim -3 out of range for value with 2 dimensions'),
    (ValueError, 'Cannot determine validity of dependent constraint'),
    (NotImplementedError, '.event_dim cannot be determined statically'),
    (NotImplementedError, '.is_discrete cannot be determined statically'),
    (ValueError, 'The size of last dimension is 5 which cannot be expressed as the lower '
     'triangular part of a square D x D matrix.'),
    (ValueError, 'diag (3) provided is outside [-3, 2].'),
]


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m in ERRORS])
def test_errors(index):
    exc, message = ERRORS[index]
    with pytest.raises(exc) as info:
        error_calls(mt)[index]()
    assert type(info.value) is exc and str(info.value) == message


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m in ERRORS])
def test_errors_are_pytorchs(index, torch):
    exc, message = ERRORS[index]
    with pytest.raises(exc) as info:
        error_calls(torch)[index]()
    assert type(info.value) is exc
    assert str(info.value) == re.sub(r'\bmicrotorch\.', 'torch.', message)


def test_error_table_lines_up():
    assert len(error_calls(mt)) == len(ERRORS)
