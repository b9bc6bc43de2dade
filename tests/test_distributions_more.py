"""The distributions beyond the first six (Gamma, Beta, Dirichlet, Poisson, Laplace, LogNormal,
Independent, ... TransformedDistribution and its transforms): values, float64 gradients and
errors against PyTorch's (where it is installed), samples checked statistically (the random
streams differ), the implicit gradients of gamma draws against the CDF identity."""
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import microtorch as mt
from microtorch import distributions as D

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_distributions import N, _close, _values  # noqa: E402

# ---- one table of distributions, built alike in both libraries ----------------------------
# Each case: (name, params (float64 leaves requiring grad), make(lib.distributions, *params),
# values to score, methods that PyTorch has for it).
_ALL = ('mean', 'variance', 'stddev', 'mode', 'log_prob', 'entropy')
_NO_ENTROPY = ('mean', 'variance', 'stddev', 'mode', 'log_prob')
CASES = [
    ('gamma', ([0.5, 2.0, 7.5], [1.5, 0.3, 2.0]), lambda d, c, r: d.Gamma(c, r),
     [[0.1, 2.0, 4.0], [3.0, 0.5, 1.0]], _ALL + ('cdf',)),
    ('gamma-float-rate', ([[0.8], [3.0]],), lambda d, c: d.Gamma(c, 2.0), [1.0, 0.2, 5.0],
     _ALL + ('cdf',)),
    ('chi2', ([1.0, 3.5, 10.0],), lambda d, df: d.Chi2(df), [[0.5, 2.0, 12.0]],
     _ALL + ('cdf',)),
    ('beta', ([0.5, 2.0, 3.0], [1.5, 0.7, 3.0]), lambda d, a, b: d.Beta(a, b),
     [[0.1, 0.9, 0.5], [0.3, 0.2, 0.99]], _ALL),
    ('dirichlet', ([[0.5, 2.0, 3.0], [1.5, 1.0, 4.0]],), lambda d, c: d.Dirichlet(c),
     [[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], [[0.6, 0.3, 0.1], [0.3, 0.3, 0.4]]], _ALL),
    ('dirichlet-below-one', ([[0.5, 0.2, 0.9], [0.5, 2.0, 3.0]],), lambda d, c: d.Dirichlet(c),
     [[0.2, 0.3, 0.5]], _ALL),
    ('poisson', ([0.5, 2.0, 13.2],), lambda d, rate: d.Poisson(rate),
     [[0.0, 2.0, 11.0], [3.0, 1.0, 20.0]], _NO_ENTROPY),
    ('laplace', ([0.5, -1.0, 2.0], [1.5, 0.3, 2.0]), lambda d, loc, s: d.Laplace(loc, s),
     [[0.1, -0.7, 4.0], [2.0, 0.0, -1.0]], _ALL + ('cdf', 'icdf')),
    ('cauchy', ([0.5, -1.0], [1.5, 0.3]), lambda d, loc, s: d.Cauchy(loc, s),
     [[0.1, -0.7], [2.0, 0.0]], _ALL + ('cdf', 'icdf')),
    ('lognormal', ([0.5, -1.0, 0.2], [1.5, 0.3, 0.8]), lambda d, loc, s: d.LogNormal(loc, s),
     [[0.1, 0.7, 4.0], [2.0, 0.2, 1.0]], _ALL + ('cdf', 'icdf')),
    ('halfnormal', ([1.5, 0.3, 2.0],), lambda d, s: d.HalfNormal(s),
     [[0.1, 0.7, 4.0], [2.0, 0.0, 1.0]], _ALL + ('cdf', 'icdf')),
    ('halfcauchy', ([1.5, 0.3],), lambda d, s: d.HalfCauchy(s), [[0.1, 0.7], [2.0, 0.0]],
     _ALL + ('cdf', 'icdf')),
    ('gumbel', ([0.5, -1.0, 2.0], [1.5, 0.3, 2.0]), lambda d, loc, s: d.Gumbel(loc, s),
     [[0.1, -0.7, 4.0], [2.0, 0.0, -1.0]], _ALL + ('cdf', 'icdf')),
    ('studentt', ([0.7, 1.5, 3.0, 8.0], [0.5, -1.0, 2.0, 0.0], [1.5, 0.3, 2.0, 1.0]),
     lambda d, df, loc, s: d.StudentT(df, loc, s), [[0.1, -0.7, 4.0, 1.0]], _ALL),
    ('studentt-df-only', ([2.5],), lambda d, df: d.StudentT(df), [0.3, -2.0], _ALL),
    ('binomial-probs', ([0.2, 0.9, 0.5],), lambda d, p: d.Binomial(5, probs=p),
     [[1.0, 5.0, 3.0], [0.0, 4.0, 2.0]], _ALL),
    ('binomial-logits', ([-2.0, 0.3, 4.0],),
     lambda d, z: d.Binomial(d.Binomial(1, z.sigmoid()).total_count * 7, logits=z),
     [2.0, 0.0, 7.0], _ALL),
    ('geometric-probs', ([0.2, 0.9, 0.5],), lambda d, p: d.Geometric(probs=p),
     [[1.0, 0.0, 3.0], [7.0, 2.0, 0.0]], _ALL),
    ('geometric-logits', ([-2.0, 0.3, 4.0],), lambda d, z: d.Geometric(logits=z),
     [1.0, 0.0, 5.0], _ALL),
    ('onehot-probs', ([[0.2, 0.5, 0.3], [1.0, 2.0, 5.0]],),
     lambda d, p: d.OneHotCategorical(probs=p),
     [[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]], _ALL),
    ('onehot-logits', ([0.3, -1.0, 2.0],), lambda d, z: d.OneHotCategorical(logits=z),
     [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], _ALL),
    ('multinomial', ([[0.2, 0.5, 0.3], [1.0, 2.0, 5.0]],),
     lambda d, p: d.Multinomial(4, probs=p), [[1.0, 2.0, 1.0], [0.0, 0.0, 4.0]],
     ('mean', 'variance', 'stddev', 'log_prob', 'entropy')),
    ('multinomial-logits', ([0.3, -1.0, 2.0],), lambda d, z: d.Multinomial(3, logits=z),
     [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0]], ('mean', 'variance', 'log_prob', 'entropy')),
    ('independent-normal', ([[0.5, -1.0, 2.0], [0.0, 1.0, 0.3]], [1.5, 0.3, 2.0]),
     lambda d, loc, s: d.Independent(d.Normal(loc, s), 1),
     [[0.1, -0.7, 4.0], [2.0, 0.0, -1.0]], _ALL),
    ('independent-gamma-2', ([[0.5, 2.0], [3.0, 1.2]],),
     lambda d, c: d.Independent(d.Gamma(c, 2.0), 2), [[0.1, 2.0], [3.0, 1.0]], _ALL),
    ('transformed-affine-exp', ([0.5, -1.0], [1.5, 0.3]),
     lambda d, loc, s: d.TransformedDistribution(
         d.Normal(loc, s), [d.transforms.AffineTransform(1.0, 2.0),
                            d.transforms.ExpTransform()]),
     [[0.5, 2.0], [9.0, 0.2]], ('log_prob', 'cdf', 'icdf')),
    ('transformed-sigmoid', ([0.5, -1.0], [1.5, 0.3]),
     lambda d, loc, s: d.TransformedDistribution(d.Normal(loc, s),
                                                 d.transforms.SigmoidTransform()),
     [[0.3, 0.9], [0.01, 0.5]], ('log_prob', 'cdf', 'icdf')),
    ('transformed-tanh-negative-affine', ([0.5, -1.0], [1.5, 0.3]),
     lambda d, loc, s: d.TransformedDistribution(
         d.Normal(loc, s), [d.transforms.TanhTransform(),
                            d.transforms.AffineTransform(loc.detach(), -s.detach())]),
     [[0.1, -1.2], [0.8, -0.9]], ('log_prob', 'cdf', 'icdf')),
    ('transformed-power', ([0.5, 2.0],),
     lambda d, c: d.TransformedDistribution(d.Gamma(c, 1.0),
                                            d.transforms.PowerTransform(c.detach())),
     [[0.3, 0.9], [1.5, 4.0]], ('log_prob',)),
    ('transformed-events', ([[0.5, -1.0], [0.2, 0.1]],),
     lambda d, loc: d.TransformedDistribution(
         d.Normal(loc, 1.0), d.transforms.AffineTransform(0.0, loc.detach().exp(),
                                                          event_dim=1)),
     [[0.3, 0.9], [1.5, 4.0]], ('log_prob',)),
]

_PROBS = (0.05, 0.3, 0.75)       # for icdf


def _build(lib, case):
    _, params, make, values, _ = case
    leaves = [lib.tensor(p, dtype=lib.float64, requires_grad=True) for p in params]
    return make(lib.distributions, *leaves), leaves, lib.tensor(values, dtype=lib.float64)


def _scores(dist, value, methods, lib):
    """(name, tensor) for each method the case lists."""
    out = []
    for name in methods:
        if name == 'log_prob':
            out.append((name, dist.log_prob(value)))
        elif name == 'entropy':
            out.append((name, dist.entropy()))
        elif name == 'cdf':
            out.append((name, dist.cdf(value)))
        elif name == 'icdf':
            probs = lib.tensor(_PROBS, dtype=lib.float64)
            out.append((name, dist.icdf(probs.reshape((3,) + (1,) * len(dist.batch_shape)))))
        else:
            out.append((name, getattr(dist, name)))
    return out


def _grads(total, leaves):
    for leaf in leaves:
        leaf.grad = None
    total.backward(retain_graph=True)
    return [leaf.grad for leaf in leaves]


def check_structure(mine, theirs):
    """Shapes, repr, support, rsample/enumerate flags and parameter names: PyTorch's."""
    assert mine.batch_shape == theirs.batch_shape and mine.event_shape == theirs.event_shape
    assert repr(mine).replace('microtorch.', 'torch.') == repr(theirs)
    assert repr(mine.support).replace('microtorch.', 'torch.') == repr(theirs.support)
    assert mine.has_rsample == theirs.has_rsample
    assert mine.has_enumerate_support == theirs.has_enumerate_support
    assert sorted(mine.arg_constraints) == sorted(theirs.arg_constraints)


def check_score_gradients(name, a, b, mine_leaves, their_leaves, torch):
    """The gradients of a weighted sum of score `a` (microtorch) and `b` (PyTorch) with
    respect to each library's parameters agree (non-finite entries weighted out)."""
    weights = np.linspace(0.5, 1.5, max(a.numel(), 1)).reshape(tuple(a.shape))
    finite = np.isfinite(_values(a))
    weights = np.where(finite, weights, 0.0)
    masked = [mt.where(mt.tensor(finite), a, 0.0), torch.where(torch.tensor(finite), b, 0.0)]
    mine_grads = _grads((masked[0] * mt.tensor(weights)).sum(), mine_leaves)
    their_grads = _grads((masked[1] * torch.tensor(weights)).sum(), their_leaves)
    for g, h in zip(mine_grads, their_grads):
        if g is None or h is None:        # (a score that ignores a parameter)
            assert g is None or not _values(g).any(), name
            assert h is None or not _values(h).any(), name
            continue
        _close(g, h, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(case, torch):
    mine, mine_leaves, mine_value = _build(mt, case)
    theirs, their_leaves, their_value = _build(torch, case)
    check_structure(mine, theirs)
    for (name, a), (_, b) in zip(_scores(mine, mine_value, case[4], mt),
                                 _scores(theirs, their_value, case[4], torch)):
        if name == 'cdf':                 # (series and continued fractions: not bit for bit)
            _close(a, b, rtol=1e-8)
        else:
            _close(a, b, rtol=1e-9, atol=1e-10)
        assert a.requires_grad == b.requires_grad, name
        if not a.requires_grad or (name == 'cdf' and case[0].startswith(('gamma', 'chi2'))):
            continue                      # (PyTorch's igamma has no gradient: see below)
        check_score_gradients(name, a, b, mine_leaves, their_leaves, torch)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_shapes_of_samples_and_expand(case, torch):
    check_samples_and_expand(_build(mt, case)[0], _build(torch, case)[0], torch)


def check_samples_and_expand(mine, theirs, torch):
    """Draws of three sample shapes, and the distribution expanded over a new batch dim,
    against PyTorch's: shapes, dtypes, support, and the expanded scores."""
    for shape in ((), (4,), (2, 3)):
        a, b = mine.sample(shape), theirs.sample(shape)
        assert tuple(a.shape) == tuple(b.shape) and str(a.dtype)[-7:] == str(b.dtype)[-7:]
        assert not a.requires_grad
        if mine.has_rsample:
            r = mine.rsample(shape)
            assert r.requires_grad and tuple(r.shape) == tuple(theirs.rsample(shape).shape)
        assert bool(mine.support.check(a).all())
    wide = (5,) + tuple(mine.batch_shape)
    big, their_big = mine.expand(wide), theirs.expand(wide)
    assert big.batch_shape == their_big.batch_shape and big.event_shape == mine.event_shape
    assert type(big) is type(mine)
    assert tuple(big.sample((2,)).shape) == (2,) + wide + tuple(mine.event_shape)
    # the expanded distribution scores as the original, broadcast
    value = mine.sample()
    _close(big.log_prob(value), mine.log_prob(value).expand(wide).contiguous())
    assert tuple(their_big.log_prob(torch.tensor(value.tolist(), dtype=torch.float64)).shape) \
        == tuple(big.log_prob(value).shape)


def test_enumerate_support_matches_torch(torch):
    def make(lib):
        d = lib.distributions
        probs = lib.tensor([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], dtype=lib.float64)
        return [d.Binomial(3, probs=probs[0]), d.OneHotCategorical(probs),
                d.Independent(d.Bernoulli(probs), 0)]
    for mine, theirs in zip(make(mt), make(torch)):
        for expand in (True, False):
            _close(mine.enumerate_support(expand), theirs.enumerate_support(expand))


# ---- KL divergences -----------------------------------------------------------------------

KL_PAIRS = [
    ('gamma', lambda d, a, b: (d.Gamma(a.exp(), b.exp()), d.Gamma(b.exp() + 0.3, a.exp()))),
    ('chi2-gamma', lambda d, a, b: (d.Chi2(a.exp()), d.Gamma(b.exp(), 0.7))),
    ('exponential-gamma', lambda d, a, b: (d.Exponential(a.exp()), d.Gamma(b.exp(), a.exp()))),
    ('gamma-exponential', lambda d, a, b: (d.Gamma(b.exp(), a.exp()), d.Exponential(a.exp()))),
    ('beta', lambda d, a, b: (d.Beta(a.exp(), b.exp()), d.Beta(b.exp() + 1, a.exp()))),
    ('dirichlet', lambda d, a, b: (d.Dirichlet(a.exp().reshape(2, 2)),
                                   d.Dirichlet(b.exp().reshape(2, 2) + 0.5))),
    ('poisson', lambda d, a, b: (d.Poisson(a.exp()), d.Poisson(b.exp()))),
    ('laplace', lambda d, a, b: (d.Laplace(a, b.exp()), d.Laplace(b, a.exp() + 0.5))),
    ('cauchy', lambda d, a, b: (d.Cauchy(a, b.exp()), d.Cauchy(b, a.exp() + 0.5))),
    ('gumbel', lambda d, a, b: (d.Gumbel(a, b.exp()), d.Gumbel(b, a.exp() + 0.5))),
    ('halfnormal', lambda d, a, b: (d.HalfNormal(a.exp()), d.HalfNormal(b.exp()))),
    ('lognormal', lambda d, a, b: (d.LogNormal(a, b.exp()), d.LogNormal(b, a.exp()))),
    ('binomial', lambda d, a, b: (d.Binomial(4, logits=a), d.Binomial(4, probs=b.sigmoid()))),
    ('geometric', lambda d, a, b: (d.Geometric(logits=a), d.Geometric(probs=b.sigmoid()))),
    ('onehot', lambda d, a, b: (d.OneHotCategorical(logits=a.reshape(2, 2)),
                                d.OneHotCategorical(probs=b.exp().reshape(2, 2)))),
    ('independent', lambda d, a, b: (d.Independent(d.Normal(a.reshape(2, 2), b[:2].exp()), 1),
                                     d.Independent(d.Normal(b.reshape(2, 2), 1.0), 1))),
    ('transformed', lambda d, a, b: (
        d.TransformedDistribution(d.Normal(a, 1.0), d.transforms.SigmoidTransform()),
        d.TransformedDistribution(d.Normal(b, a.exp()), d.transforms.SigmoidTransform()))),
    # different families
    ('bernoulli-poisson', lambda d, a, b: (d.Bernoulli(logits=a), d.Poisson(b.exp()))),
    ('beta-exponential', lambda d, a, b: (d.Beta(a.exp(), b.exp()), d.Exponential(a.exp()))),
    ('beta-gamma', lambda d, a, b: (d.Beta(a.exp(), b.exp()), d.Gamma(b.exp(), a.exp()))),
    ('beta-normal', lambda d, a, b: (d.Beta(a.exp(), b.exp()), d.Normal(a, b.exp()))),
    ('beta-uniform', lambda d, a, b: (d.Beta(a.exp(), b.exp()), d.Uniform(b - 3, b + 1.5))),
    ('exponential-gumbel', lambda d, a, b: (d.Exponential(a.exp()), d.Gumbel(b, a.exp()))),
    ('exponential-normal', lambda d, a, b: (d.Exponential(a.exp()), d.Normal(b, a.exp()))),
    ('gamma-gumbel', lambda d, a, b: (d.Gamma(a.exp(), b.exp()), d.Gumbel(b, a.exp()))),
    ('gamma-normal', lambda d, a, b: (d.Gamma(a.exp(), b.exp()), d.Normal(b, a.exp()))),
    ('gumbel-normal', lambda d, a, b: (d.Gumbel(a, b.exp()), d.Normal(b, a.exp()))),
    ('laplace-normal', lambda d, a, b: (d.Laplace(a, b.exp()), d.Normal(b, a.exp()))),
    ('normal-gumbel', lambda d, a, b: (d.Normal(a, b.exp()), d.Gumbel(b, a.exp() + 0.5))),
    ('normal-laplace', lambda d, a, b: (d.Normal(a, b.exp()), d.Laplace(b, a.exp()))),
    ('uniform-beta', lambda d, a, b: (d.Uniform(a.sigmoid() / 2, 0.5 + b.sigmoid() / 2),
                                      d.Beta(a.exp(), b.exp()))),
    ('uniform-exponential', lambda d, a, b: (d.Uniform(a.exp(), a.exp() + b.exp()),
                                             d.Exponential(b.exp()))),
    ('uniform-gamma', lambda d, a, b: (d.Uniform(a.exp(), a.exp() + b.exp()),
                                       d.Gamma(b.exp(), a.exp()))),
    ('uniform-gumbel', lambda d, a, b: (d.Uniform(a, a + b.exp()), d.Gumbel(b, a.exp()))),
    ('uniform-normal', lambda d, a, b: (d.Uniform(a, a + b.exp()), d.Normal(b, a.exp()))),
]


@pytest.mark.parametrize('pair', KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_divergence_and_its_gradients_match_torch(pair, torch):
    results = []
    for lib in (mt, torch):
        a = lib.tensor([0.3, -1.2, 0.7, 2.0], dtype=lib.float64, requires_grad=True)
        b = lib.tensor([-0.5, 0.4, 1.1, 0.0], dtype=lib.float64, requires_grad=True)
        p, q = pair[1](lib.distributions, a, b)
        kl = lib.distributions.kl_divergence(p, q)
        kl.sum().backward()
        results.append((kl, a.grad, b.grad))
    for mine, theirs in zip(*results):
        _close(mine, theirs, rtol=1e-9, atol=1e-10)


def test_kl_special_values_match_torch(torch):
    def kls(lib):
        d = lib.distributions
        wide = d.Uniform(lib.tensor([-0.5, 0.2]), 0.7)      # (partly below 0)
        results = [
            d.kl_divergence(d.Binomial(lib.tensor([5.0, 3.0]), lib.tensor([0.3, 0.5])),
                            d.Binomial(lib.tensor([3.0, 3.0]), lib.tensor([0.6, 0.5]))),
            d.kl_divergence(d.Poisson(lib.tensor([2.0, 0.5])), d.Poisson(3.0)),
            d.kl_divergence(wide, d.Beta(2.0, 3.0)), d.kl_divergence(wide, d.Exponential(2.0)),
            d.kl_divergence(wide, d.Gamma(2.0, 3.0))]
        for p in (d.Exponential(lib.ones(2)), d.Gamma(lib.ones(2), 1.0),
                  d.Gumbel(lib.zeros(2), 1.0), d.Laplace(lib.zeros(2), 1.0),
                  d.Normal(lib.zeros(2), 1.0), d.Poisson(lib.ones(2))):
            for q in (d.Beta(2.0, 3.0), d.Uniform(0.0, 1.0), d.Exponential(1.0),
                      d.Gamma(1.0, 1.0), d.Bernoulli(0.3), d.Binomial(3, lib.tensor(0.3))):
                try:
                    results.append(d.kl_divergence(p, q))
                except NotImplementedError:
                    results.append(None)
        return results
    mine, theirs = kls(mt), kls(torch)
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b, rtol=1e-6)         # (float32)


# ---- errors: PyTorch's types and messages (the catalogue registers these too) --------------

def error_calls(lib):
    d = lib.distributions
    t = d.transforms
    return [
        lambda: d.Gamma(-1.0, 1.0),
        lambda: d.Gamma(1.0, 1.0).log_prob(lib.tensor(-1.0)),
        lambda: d.Chi2(lib.tensor([-1.0, 2.0])),
        lambda: d.Beta(-1.0, 1.0),
        lambda: d.Beta(2.0, 2.0).log_prob(lib.tensor(1.5)),
        lambda: d.Dirichlet(lib.tensor(1.0)),
        lambda: d.Dirichlet(lib.tensor([1.0, -1.0])),
        lambda: d.Dirichlet(lib.ones(3)).log_prob(lib.tensor([0.5, 0.6, 0.1])),
        lambda: d.Poisson(lib.tensor([-1.0])),
        lambda: d.Poisson(2.0).log_prob(lib.tensor(1.5)),
        lambda: d.Laplace(0.0, 0.0),
        lambda: d.Cauchy(0.0, -1.0),
        lambda: d.LogNormal(0.0, -1.0),
        lambda: d.LogNormal(0.0, 1.0).log_prob(lib.tensor(-1.0)),
        lambda: d.HalfNormal(-1.0),
        lambda: d.HalfNormal(1.0).log_prob(lib.tensor(-1.0)),
        lambda: d.HalfCauchy(0.0),
        lambda: d.Gumbel(0.0, -1.0),
        lambda: d.StudentT(-1.0),
        lambda: d.StudentT(2.0, 0.0, -1.0),
        lambda: d.Binomial(lib.tensor([2.5]), probs=lib.tensor([0.3])),
        lambda: d.Binomial(3, probs=lib.tensor([0.3])).log_prob(lib.tensor([4.0])),
        lambda: d.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.3, 0.4])).entropy(),
        lambda: d.Binomial(lib.tensor([2.0, 3.0]), lib.tensor([0.3, 0.4])).enumerate_support(),
        lambda: d.kl_divergence(d.Binomial(2, lib.tensor(0.3)), d.Binomial(3, lib.tensor(0.3))),
        lambda: d.Geometric(probs=lib.tensor([0.0, 0.5])),
        lambda: d.Geometric(probs=1.5),
        lambda: d.Geometric(0.5).log_prob(lib.tensor(-1.0)),
        lambda: d.OneHotCategorical(lib.tensor([0.3, -0.2])),
        lambda: d.OneHotCategorical(lib.tensor([0.3, 0.7])).log_prob(lib.tensor([1.0, 1.0])),
        lambda: d.Multinomial(lib.tensor(3), lib.tensor([0.3, 0.7])),
        lambda: d.Multinomial(3, lib.tensor([0.3, 0.7])).log_prob(lib.tensor([2.0, 2.0])),
        lambda: d.Independent(d.Normal(lib.zeros(2), 1.0), 2),
        lambda: d.Independent(d.Bernoulli(lib.ones(2) / 2), 1).enumerate_support(),
        lambda: d.TransformedDistribution(d.Normal(0.0, 1.0), [t.ExpTransform(), 3]),
        lambda: d.TransformedDistribution(d.Normal(0.0, 1.0), 'exp'),
        lambda: d.TransformedDistribution(d.Normal(0.0, 1.0),
                                          t.AffineTransform(0.0, 1.0, event_dim=1)),
        lambda: t.ExpTransform(cache_size=2),
        lambda: d.biject_to(d.constraints.boolean),
        lambda: d.Gamma(lib.tensor([1.0, 2.0]), 1.0).cdf(lib.tensor([1.0, -2.0])),
        lambda: d.Laplace(0.0, 1.0).log_prob([0.5]),
    ]


_VALUES = '\n<the values>'
# (type, message, the invalid values that PyTorch prints at the message's end)
ERRORS = [
    (ValueError, 'Expected parameter concentration (Tensor of shape ()) of '
     'distribution Gamma(concentration: -1.0, rate: 1.0) to satisfy '
     'the constraint GreaterThan(lower_bound=0.0), but found invalid '
     'values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the '
     'support (GreaterThanEq(lower_bound=0.0)) of the distribution '
     'Gamma(concentration: 1.0, rate: 1.0), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter df (Tensor of shape (2,)) of distribution '
     'Chi2() to satisfy the constraint GreaterThan(lower_bound=0.0), '
     'but found invalid values:' + _VALUES,
     'tensor([-1.,  2.])'),
    (ValueError, 'Expected parameter concentration (Tensor of shape (2,)) of '
     'distribution Dirichlet(concentration: microtorch.Size([2])) to '
     'satisfy the constraint '
     'IndependentConstraint(GreaterThan(lower_bound=0.0), 1), but '
     'found invalid values:' + _VALUES,
     'tensor([-1.,  1.])'),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the '
     'support (Interval(lower_bound=0.0, upper_bound=1.0)) of the '
     'distribution Beta(), but found invalid values:' + _VALUES,
     '1.5'),
    (ValueError, '`concentration` parameter must be at least one-dimensional.', None),
    (ValueError, 'Expected parameter concentration (Tensor of shape (2,)) of '
     'distribution Dirichlet(concentration: microtorch.Size([2])) to '
     'satisfy the constraint '
     'IndependentConstraint(GreaterThan(lower_bound=0.0), 1), but '
     'found invalid values:' + _VALUES,
     'tensor([ 1., -1.])'),
    (ValueError, 'Expected value argument (Tensor of shape (3,)) to be within the '
     'support (Simplex()) of the distribution Dirichlet(concentration:'
     ' microtorch.Size([3])), but found invalid values:' + _VALUES,
     'tensor([0.5000, 0.6000, 0.1000])'),
    (ValueError, 'Expected parameter rate (Tensor of shape (1,)) of distribution '
     'Poisson(rate: tensor([-1.])) to satisfy the constraint '
     'GreaterThanEq(lower_bound=0.0), but found invalid values:' + _VALUES,
     'tensor([-1.])'),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the '
     'support (IntegerGreaterThan(lower_bound=0)) of the distribution '
     'Poisson(rate: 2.0), but found invalid values:' + _VALUES,
     '1.5'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'Laplace(loc: 0.0, scale: 0.0) to satisfy the constraint '
     'GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES,
     '0.0'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'Cauchy(loc: 0.0, scale: -1.0) to satisfy the constraint '
     'GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'Normal(loc: 0.0, scale: -1.0) to satisfy the constraint '
     'GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the '
     'support (GreaterThan(lower_bound=0.0)) of the distribution '
     'LogNormal(), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'HalfNormal() to satisfy the constraint '
     'GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the '
     'support (GreaterThanEq(lower_bound=0.0)) of the distribution '
     'HalfNormal(), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'HalfCauchy() to satisfy the constraint '
     'GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES,
     '0.0'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'Gumbel(loc: 0.0, scale: -1.0) to satisfy the constraint '
     'GreaterThan(lower_bound=0.0), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter df (Tensor of shape ()) of distribution '
     'Chi2() to satisfy the constraint GreaterThan(lower_bound=0.0), '
     'but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter scale (Tensor of shape ()) of distribution '
     'StudentT(df: 2.0, loc: 0.0, scale: -1.0) to satisfy the '
     'constraint GreaterThan(lower_bound=0.0), but found invalid '
     'values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter total_count (Tensor of shape (1,)) of '
     'distribution Binomial(total_count: tensor([2.5000]), probs: '
     'tensor([0.3000])) to satisfy the constraint '
     'IntegerGreaterThan(lower_bound=0), but found invalid values:' + _VALUES,
     'tensor([2.5000])'),
    (ValueError, 'Expected value argument (Tensor of shape (1,)) to be within the '
     'support (IntegerInterval(lower_bound=0, '
     'upper_bound=tensor([3.]))) of the distribution '
     'Binomial(total_count: tensor([3.]), probs: tensor([0.3000])), '
     'but found invalid values:' + _VALUES,
     'tensor([4.])'),
    (NotImplementedError, 'Inhomogeneous total count not supported by `entropy`.', None),
    (NotImplementedError, 'Inhomogeneous total count not supported by '
     '`enumerate_support`.', None),
    (NotImplementedError, 'KL between Binomials where q.total_count > p.total_count is '
     'not implemented', None),
    (ValueError, 'Expected parameter probs (Tensor of shape (2,)) of distribution '
     'Geometric(probs: microtorch.Size([2])) to be positive but found '
     'invalid values:' + _VALUES,
     'tensor([0.])'),
    (ValueError, 'Expected parameter probs (Tensor of shape ()) of distribution '
     'Geometric(probs: 1.5) to satisfy the constraint '
     'Interval(lower_bound=0.0, upper_bound=1.0), but found invalid '
     'values:' + _VALUES,
     '1.5'),
    (ValueError, 'Expected value argument (Tensor of shape ()) to be within the '
     'support (IntegerGreaterThan(lower_bound=0)) of the distribution '
     'Geometric(probs: 0.5), but found invalid values:' + _VALUES,
     '-1.0'),
    (ValueError, 'Expected parameter probs (Tensor of shape (2,)) of distribution '
     'Categorical(probs: microtorch.Size([2])) to satisfy the '
     'constraint Simplex(), but found invalid values:' + _VALUES,
     'tensor([ 3.0000, -2.0000])'),
    (ValueError, 'Expected value argument (Tensor of shape (2,)) to be within the '
     'support (OneHot()) of the distribution OneHotCategorical(), but '
     'found invalid values:' + _VALUES,
     'tensor([1., 1.])'),
    (NotImplementedError, 'inhomogeneous total_count is not supported', None),
    (ValueError, 'Expected value argument (Tensor of shape (2,)) to be within the '
     'support (Multinomial()) of the distribution Multinomial(), but '
     'found invalid values:' + _VALUES,
     'tensor([2., 2.])'),
    (ValueError, 'Expected reinterpreted_batch_ndims <= '
     'len(base_distribution.batch_shape), actual 2 vs 1', None),
    (NotImplementedError, 'Enumeration over cartesian product is not implemented', None),
    (ValueError, 'transforms must be a Transform or a list of Transforms', None),
    (ValueError, 'transforms must be a Transform or list, but was exp', None),
    (ValueError, 'base_distribution needs to have shape with size at least 1, '
     'but got microtorch.Size([]).', None),
    (ValueError, 'cache_size must be 0 or 1', None),
    (NotImplementedError, 'Cannot transform _Boolean constraints', None),
    (ValueError, 'Expected value argument (Tensor of shape (2,)) to be within the '
     'support (GreaterThanEq(lower_bound=0.0)) of the distribution '
     'Gamma(concentration: microtorch.Size([2]), rate: '
     'microtorch.Size([2])), but found invalid values:' + _VALUES,
     'tensor([ 1., -2.])'),
    (ValueError, 'The value argument to log_prob must be a Tensor', None),
]


def _message(index):
    _, message, printed = ERRORS[index]
    return message.replace(_VALUES, '\n' + (printed or ''))


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m, _ in ERRORS])
def test_errors(index):
    exc = ERRORS[index][0]
    with pytest.raises(exc) as info:
        error_calls(mt)[index]()
    assert type(info.value) is exc and str(info.value) == _message(index)


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m, _ in ERRORS])
def test_errors_are_pytorchs(index, torch):
    exc = ERRORS[index][0]
    with pytest.raises(exc) as info:
        error_calls(torch)[index]()
    assert type(info.value) is exc
    assert str(info.value) == re.sub(r'\bmicrotorch\.', 'torch.', _message(index))


def test_kl_of_independents_of_other_ndims_is_not_implemented(torch):
    for lib in (mt, torch):
        d = lib.distributions
        with pytest.raises(NotImplementedError):
            d.kl_divergence(d.Independent(d.Normal(lib.zeros(2, 2), 1.0), 1),
                            d.Independent(d.Normal(lib.zeros(2, 2), 1.0), 2))


def test_failed_construction_leaves_parameters_alone():
    concentration = mt.tensor([1.0, -1.0], requires_grad=True)
    for make in (lambda: D.Gamma(concentration, 1.0), lambda: D.Dirichlet(concentration),
                 lambda: D.Beta(concentration, 2.0), lambda: D.Chi2(concentration)):
        with pytest.raises(ValueError):
            make()
        assert concentration.grad is None and concentration.tolist() == [1.0, -1.0]


def test_validation_can_be_turned_off():
    assert D.Gamma(-1.0, 1.0, validate_args=False).batch_shape == mt.Size()
    scored = D.Poisson(2.0, validate_args=False).log_prob(mt.tensor(-1.5)).item()
    assert math.isclose(scored, -1.5 * math.log(2.0) - 2.0 - math.lgamma(-0.5), rel_tol=1e-6)
    assert D.LogNormal(0.0, 1.0, validate_args=False).log_prob(mt.tensor(-1.0)).isnan()


# ---- samples: moments over many draws (~5 standard errors), and their CDFs ----------------

def _check_mean_and_variance(draws, mean, variance):
    """Sample mean and variance within 5 standard errors (the variance's from the draws'
    own fourth central moment)."""
    x = _values(draws)
    n = len(x)
    assert (abs(x.mean(0) - mean) <= 5 * np.sqrt(np.asarray(variance) / n)).all()
    centred = x - x.mean(0)
    fourth = (centred ** 4).mean(0)
    spread = np.sqrt(np.maximum(fourth - centred.var(0) ** 2, 0) / n)
    assert (abs(centred.var(0) - variance) <= 5 * spread + 1e-12).all()


def _check_cdf(draws, dist):
    """The largest gap between the draws' empirical CDF and dist.cdf (Kolmogorov-Smirnov,
    per batch element) below the 1e-4 level's critical value."""
    x = np.sort(_values(draws), axis=0)
    n = len(x)
    model = _values(dist.cdf(mt.tensor(x, dtype=dist.mean.dtype)))
    steps = np.arange(1, n + 1).reshape((n,) + (1,) * (x.ndim - 1)) / n
    gap = np.maximum(abs(steps - model), abs(steps - 1 / n - model)).max(0)
    assert (gap < 2.0 / np.sqrt(n)).all(), gap


def test_continuous_sample_moments_and_cdfs():
    mt.manual_seed(0)
    c, r = np.array([0.3, 2.0, 15.0]), np.array([1.0, 0.5, 3.0])
    gamma = D.Gamma(mt.tensor(c), mt.tensor(r))
    for draws in (gamma.sample((N,)), gamma.rsample((N,)).detach()):
        assert (_values(draws) > 0).all()
        _check_mean_and_variance(draws, c / r, c / r ** 2)
        _check_cdf(draws, gamma)
    df = np.array([1.0, 7.0])
    chi2 = D.Chi2(mt.tensor(df))
    _check_mean_and_variance(chi2.sample((N,)), df, 2 * df)
    a, b = np.array([0.4, 2.0, 5.0]), np.array([0.6, 3.0, 1.5])
    beta = D.Beta(mt.tensor(a), mt.tensor(b)).rsample((N,)).detach()
    assert ((_values(beta) > 0) & (_values(beta) < 1)).all()
    _check_mean_and_variance(beta, a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1)))
    alpha = np.array([0.5, 2.0, 4.0])
    simplex = D.Dirichlet(mt.tensor(alpha)).sample((N,))
    np.testing.assert_allclose(_values(simplex).sum(-1), 1.0, rtol=1e-12)
    total = alpha.sum()
    _check_mean_and_variance(simplex, alpha / total,
                             alpha * (total - alpha) / (total ** 2 * (total + 1)))
    loc, scale = np.array([0.5, -2.0]), np.array([1.5, 0.2])
    for make, mean, variance in [
            (D.Laplace, loc, 2 * scale ** 2),
            (D.LogNormal, np.exp(loc + scale ** 2 / 2),
             np.expm1(scale ** 2) * np.exp(2 * loc + scale ** 2)),
            (D.Gumbel, loc + scale * np.euler_gamma, (np.pi * scale) ** 2 / 6)]:
        dist = make(mt.tensor(loc), mt.tensor(scale))
        draws = dist.rsample((N,)).detach() if dist.has_rsample else dist.sample((N,))
        _check_mean_and_variance(draws, mean, variance)
        _check_cdf(draws, dist)
    half = D.HalfNormal(mt.tensor(scale))
    draws = half.rsample((N,)).detach()
    _check_mean_and_variance(draws, scale * np.sqrt(2 / np.pi), scale ** 2 * (1 - 2 / np.pi))
    _check_cdf(draws, half)
    for heavy in (D.Cauchy(mt.tensor(loc), mt.tensor(scale)), D.HalfCauchy(mt.tensor(scale))):
        _check_cdf(heavy.rsample((N,)).detach(), heavy)
    df, loc, scale = np.array([5.0, 12.0]), np.array([1.0, -1.0]), np.array([2.0, 0.5])
    t = D.StudentT(mt.tensor(df), mt.tensor(loc), mt.tensor(scale))
    for draws in (t.sample((N,)), t.rsample((N,)).detach()):
        _check_mean_and_variance(draws[:, 1:], loc[1:], (scale ** 2 * df / (df - 2))[1:])
        assert abs(np.median(_values(draws), 0) - loc).max() < 0.05


def test_discrete_sample_moments():
    mt.manual_seed(1)
    rate = np.array([0.5, 4.0, 30.0])
    _check_mean_and_variance(D.Poisson(mt.tensor(rate)).sample((N,)), rate, rate)
    n, p = np.array([1.0, 6.0, 20.0]), np.array([0.3, 0.5, 0.9])
    counts = D.Binomial(mt.tensor(n), mt.tensor(p)).sample((N,))
    assert (_values(counts) <= n).all() and (_values(counts) % 1 == 0).all()
    _check_mean_and_variance(counts, n * p, n * p * (1 - p))
    q = np.array([0.2, 0.7])
    fails = D.Geometric(mt.tensor(q)).sample((N,))
    _check_mean_and_variance(fails, (1 - q) / q, (1 - q) / q ** 2)
    probs = np.array([0.1, 0.6, 0.3])
    counts = D.Multinomial(5, mt.tensor(probs)).sample((N,))
    assert (_values(counts).sum(-1) == 5).all()
    _check_mean_and_variance(counts, 5 * probs, 5 * probs * (1 - probs))
    hot = D.OneHotCategorical(mt.tensor(probs)).sample((N,))
    assert (_values(hot).sum(-1) == 1).all()
    _check_mean_and_variance(hot, probs, probs * (1 - probs))


def test_samples_follow_manual_seed():
    def draw():
        mt.manual_seed(5)
        return [_values(D.Gamma(2.0, 1.0).rsample((3,))),
                _values(D.Dirichlet(mt.ones(3)).sample((2,))),
                _values(D.Binomial(4, mt.tensor(0.3)).sample((4,)))]
    for a, b in zip(draw(), draw()):
        assert a.tolist() == b.tolist()


# ---- gradients of gamma draws: the implicit reparameterization ------------------------------

def _gamma_cdf_derivative(torch, alpha, x):
    """dP(alpha, x)/dalpha by central differences of PyTorch's gammainc (float64)."""
    step = 1e-6 * np.maximum(alpha, 1e-3)
    a, x = torch.tensor(alpha), torch.tensor(x)
    h = torch.tensor(step)
    return ((torch.special.gammainc(a + h, x) - torch.special.gammainc(a - h, x)).numpy()
            / (2 * step))


def test_gamma_draws_keep_their_cdf_fixed(torch):
    """x(alpha) holds F(x; alpha) fixed: dx/dalpha = -(dF/dalpha) / f(x), for draws over small,
    middling and large concentrations (both expansions of the incomplete gamma function)."""
    mt.manual_seed(2)
    alpha = mt.tensor([0.05, 0.4, 1.0, 3.0, 9.5, 60.0, 700.0], dtype=mt.float64,
                      requires_grad=True)
    draws = D.Gamma(alpha, 1.0).rsample((40,))
    draws.sum().backward(inputs=[alpha])
    a = np.broadcast_to(_values(alpha), (40, 7))
    x = _values(draws)
    density = np.exp((a - 1) * np.log(x) - x - np.vectorize(math.lgamma)(a))
    implicit = -_gamma_cdf_derivative(torch, a, x) / density
    from microtorch.distributions.gamma_functions import standard_gamma_grad
    mine = standard_gamma_grad(np.ascontiguousarray(a), x)
    np.testing.assert_allclose(mine, implicit, rtol=2e-5, atol=1e-300)
    np.testing.assert_allclose(_values(alpha.grad), mine.sum(0), rtol=1e-12)
    # PyTorch approximates the same derivative to a few parts in 10^4
    theirs = torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(mine, theirs, rtol=3e-3)


def test_gamma_draw_gradients_in_expectation():
    """d E[f(X)] / d theta estimated from rsample's gradients, within 5 standard errors."""
    mt.manual_seed(3)
    n = 20000

    def check(parameter, draws_of, expected):
        estimates = []
        for draw in draws_of(parameter):
            parameter.grad = None
            draw.backward(retain_graph=True)
            estimates.append(_values(parameter.grad))
        estimates = np.array(estimates)
        error = 5 * estimates.std(0) / np.sqrt(len(estimates))
        assert (abs(estimates.mean(0) - expected) <= error).all(), (estimates.mean(0),
                                                                     expected)

    def per_draw(values, statistic):
        """40 means of the statistic, each over a batch of the n draws: the backward of
        each gives one estimate of the gradient."""
        batches = values.reshape((40, n // 40) + tuple(values.shape[1:]))
        return [statistic(batch).mean() for batch in batches]

    alpha = mt.tensor([0.3, 2.0, 25.0], dtype=mt.float64, requires_grad=True)
    rate = 1.5
    # E[X^2] = alpha (alpha + 1) / rate^2
    check(alpha, lambda a: per_draw(D.Gamma(a, rate).rsample((n,)),
                                    lambda b: (b ** 2).sum(-1)),
          (2 * _values(alpha) + 1) / rate ** 2)
    # Beta: E[X] = a / (a + b)
    a = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    check(a, lambda a: per_draw(D.Beta(a, 3.0).rsample((n,)), lambda b: b), 3.0 / 25.0)
    # Dirichlet: E[X_0^2] = a0 (a0 + 1) / (A (A + 1)), A the total
    conc = mt.tensor([1.5, 0.5, 2.0], dtype=mt.float64, requires_grad=True)
    c = _values(conc)
    total = c.sum()

    def second_moment(c0, rest):
        t = c0 + rest
        return c0 * (c0 + 1) / (t * (t + 1))
    step = 1e-6
    expected = np.array([(second_moment(c[0] + step, total - c[0])
                          - second_moment(c[0] - step, total - c[0])) / (2 * step)]
                        + [(second_moment(c[0], total - c[0] + step)
                            - second_moment(c[0], total - c[0] - step)) / (2 * step)] * 2)
    check(conc, lambda c: per_draw(D.Dirichlet(c).rsample((n,)), lambda b: b[..., 0] ** 2),
          expected)
    # Chi2: E[X] = df; StudentT: E[X^2] = df / (df - 2)
    df = mt.tensor(3.0, dtype=mt.float64, requires_grad=True)
    check(df, lambda d: per_draw(D.Chi2(d).rsample((n,)), lambda b: b), 1.0)
    df = mt.tensor(7.0, dtype=mt.float64, requires_grad=True)
    check(df, lambda d: per_draw(D.StudentT(d).rsample((n,)), lambda b: b ** 2), -2 / 25.0)


def test_gamma_cdf_gradients(torch):
    """Gamma.cdf's gradients w.r.t. rate and value as PyTorch's; w.r.t. concentration
    (which PyTorch does not differentiate) as central differences of its gammainc."""
    results = []
    for lib in (mt, torch):
        rate = lib.tensor([1.5, 0.3, 2.0], dtype=lib.float64, requires_grad=True)
        value = lib.tensor([0.4, 9.0, 3.0], dtype=lib.float64, requires_grad=True)
        cdf = lib.distributions.Gamma(lib.tensor([0.5, 2.0, 7.5], dtype=lib.float64),
                                      rate).cdf(value)
        cdf.sum().backward()
        results.append((cdf, rate.grad, value.grad))
    for mine, theirs in zip(*results):
        _close(mine, theirs, rtol=1e-9)
    alpha = mt.tensor([0.5, 2.0, 7.5, 200.0], dtype=mt.float64, requires_grad=True)
    x = np.array([0.4, 9.0, 3.0, 190.0])
    D.Gamma(alpha, 1.0).cdf(mt.tensor(x)).sum().backward()
    np.testing.assert_allclose(_values(alpha.grad),
                               _gamma_cdf_derivative(torch, _values(alpha), x), rtol=1e-5)


def test_transforms_invert_and_cache(torch):
    """Each transform's inverse, log|det J|, sign and shapes against PyTorch's; with
    cache_size=1 the inverse of an output is the very input."""
    def make(lib):
        t = lib.distributions.transforms
        scale = lib.tensor([2.0, -0.5], dtype=lib.float64)
        return [t.ExpTransform(), t.AffineTransform(1.0, scale), t.SigmoidTransform(),
                t.TanhTransform(), t.PowerTransform(lib.tensor(2.5, dtype=lib.float64)),
                t.ComposeTransform([t.AffineTransform(0.5, 3.0), t.ExpTransform()]),
                t.ExpTransform().inv, t.AffineTransform(0.0, scale, event_dim=1)]
    x = [[0.3, 1.2], [0.7, 0.1]]
    for mine, theirs in zip(make(mt), make(torch)):
        a, b = mt.tensor(x, dtype=mt.float64), torch.tensor(x, dtype=torch.float64)
        ya, yb = mine(a), theirs(b)
        _close(ya, yb)
        _close(mine.inv(ya), theirs.inv(yb))
        _close(mine.log_abs_det_jacobian(a, ya), theirs.log_abs_det_jacobian(b, yb))
        assert repr(mine.domain) == repr(theirs.domain)
        assert repr(mine.codomain) == repr(theirs.codomain)
        assert repr(mine).replace('microtorch.', 'torch.') == repr(theirs)
        assert mine.bijective == theirs.bijective
        assert tuple(mine.forward_shape((3, 2))) == tuple(theirs.forward_shape((3, 2)))
        sign = mine.sign
        their_sign = theirs.sign
        assert (_values(sign) == _values(their_sign)).all() if hasattr(sign, 'shape') \
            else sign == their_sign
    cached = D.transforms.ExpTransform(cache_size=1)
    x = mt.tensor([0.2, 0.3])
    assert cached.inv(cached(x)) is x
    assert D.transforms.ExpTransform() == D.transforms.ExpTransform()
    assert D.transforms.AffineTransform(0.0, 2.0) != D.transforms.AffineTransform(0.0, 3.0)


def test_biject_to_maps_the_reals_onto_each_constraint(torch):
    constraints = D.constraints
    cases = [constraints.real, constraints.positive, constraints.greater_than(2.0),
             constraints.less_than(-1.0), constraints.unit_interval,
             constraints.interval(-1.0, 3.0), constraints.nonnegative,
             constraints.independent(constraints.positive, 1)]
    their_cases = [torch.distributions.constraints.real, torch.distributions.constraints.positive,
                   torch.distributions.constraints.greater_than(2.0),
                   torch.distributions.constraints.less_than(-1.0),
                   torch.distributions.constraints.unit_interval,
                   torch.distributions.constraints.interval(-1.0, 3.0),
                   torch.distributions.constraints.nonnegative,
                   torch.distributions.constraints.independent(
                       torch.distributions.constraints.positive, 1)]
    x = [[-3.0, 0.5], [2.0, 0.0]]
    for mine, theirs in zip(cases, their_cases):
        for registry, their_registry in ((D.biject_to, torch.distributions.biject_to),
                                         (D.transform_to, torch.distributions.transform_to)):
            t, u = registry(mine), their_registry(theirs)
            a, b = mt.tensor(x, dtype=mt.float64), torch.tensor(x, dtype=torch.float64)
            _close(t(a), u(b))
            assert bool(mine.check(t(a)).all())
            _close(t.log_abs_det_jacobian(a, t(a)), u.log_abs_det_jacobian(b, u(b)))
            assert repr(t).replace('microtorch.', 'torch.') == repr(u)


def test_draws_scores_and_gradients_on_every_device(device):
    """On each device: gamma draws (host draws moved once) with their implicit gradients
    computed on the device's arrays, Gamma.cdf, and the discrete samplers' devices."""
    from microtorch.distributions.gamma_functions import standard_gamma_grad
    mt.manual_seed(6)
    alpha = mt.tensor([0.3, 2.0, 40.0], dtype=mt.float64, device=device, requires_grad=True)
    draws = D.Gamma(alpha, 1.0).rsample((8,))
    draws.sum().backward()
    host_alpha = np.broadcast_to(_values(alpha), (8, 3)).copy()
    expected = standard_gamma_grad(host_alpha, _values(draws)).sum(0)
    np.testing.assert_allclose(_values(alpha.grad), expected, rtol=1e-10)
    value = mt.tensor([0.2, 2.5, 39.0], dtype=mt.float64, device=device)
    cpu_cdf = D.Gamma(alpha.detach().cpu(), 1.0).cdf(value.cpu())
    _close(D.Gamma(alpha.detach(), 1.0).cdf(value).cpu(), cpu_cdf, rtol=1e-12)
    probs = mt.tensor([0.3, 0.7], device=device)
    for dist in (D.Beta(alpha, 2.0), D.Dirichlet(alpha), D.StudentT(alpha), D.Poisson(alpha),
                 D.Binomial(3, probs), D.Geometric(probs), D.Multinomial(3, probs),
                 D.OneHotCategorical(probs), D.Laplace(alpha, 1.0), D.Gumbel(alpha, 1.0),
                 D.LogNormal(alpha, 1.0), D.HalfCauchy(alpha)):
        draw = dist.sample((2,))
        assert draw.device == alpha.device
        assert dist.log_prob(draw).device == alpha.device
