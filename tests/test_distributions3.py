"""The third set of distributions (Weibull, Pareto, NegativeBinomial, ContinuousBernoulli,
FisherSnedecor, VonMises, LowRankMultivariateNormal, MixtureSameFamily, RelaxedBernoulli,
RelaxedOneHotCategorical): values and float64 gradients against PyTorch's, shapes of draws
and of expand, sample moments over many draws (the random streams differ), and errors."""
import math
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import microtorch as mt
from microtorch import distributions as D

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_distributions import _close, _values, check_kl_pair  # noqa: E402
from test_distributions_more import (  # noqa: E402
    _PROBS, _build, _check_cdf, _check_mean_and_variance, _grads, check_samples_and_expand,
    check_score_gradients, check_structure)

N = 40000

# ---- one table of distributions, built alike in both libraries ----------------------------
# Each case: (name, params (float64 leaves requiring grad), make(lib.distributions, *params),
# values to score, methods to compare).
_MOMENTS = ('mean', 'variance', 'stddev', 'mode')
_ALL = _MOMENTS + ('log_prob', 'entropy')
CASES = [
    ('weibull', ([1.5, 0.3, 2.0], [0.5, 1.0, 3.5]), lambda d, s, k: d.Weibull(s, k),
     [[0.1, 2.0, 4.0], [3.0, 0.5, 1.0]], _ALL + ('cdf', 'icdf')),
    ('weibull-float-scale', ([[0.8], [3.0]],), lambda d, k: d.Weibull(2.0, k),
     [1.0, 0.2, 5.0], _ALL + ('cdf', 'icdf')),
    ('pareto', ([1.5, 0.3, 2.0], [0.5, 1.5, 3.5]), lambda d, s, a: d.Pareto(s, a),
     [[1.6, 2.0, 4.0], [3.0, 0.5, 2.0]], _ALL + ('cdf', 'icdf')),
    ('negative-binomial-probs', ([0.5, 3.0, 7.5], [0.2, 0.6, 0.9]),
     lambda d, n, p: d.NegativeBinomial(n, probs=p), [[0.0, 2.0, 14.0], [3.0, 0.0, 40.0]],
     _MOMENTS + ('log_prob',)),
    ('negative-binomial-logits', ([2.0, 0.7], [-1.0, 2.5]),
     lambda d, n, z: d.NegativeBinomial(n, logits=z), [[1.0, 5.0], [0.0, 12.0]],
     _MOMENTS + ('log_prob',)),
    ('continuous-bernoulli-probs', ([0.1, 0.4995, 0.5, 0.7, 0.98],),
     lambda d, p: d.ContinuousBernoulli(p),
     [[0.1, 0.3, 0.5, 0.9, 0.99], [0.0, 1.0, 0.25, 0.4, 0.6]],
     ('mean', 'variance', 'stddev', 'log_prob', 'entropy', 'cdf', 'icdf')),
    ('continuous-bernoulli-logits', ([-3.0, 0.001, 1.2],),
     lambda d, z: d.ContinuousBernoulli(logits=z), [[0.1, 0.5, 0.8]],
     ('mean', 'variance', 'log_prob', 'entropy', 'cdf', 'icdf')),
    ('fishersnedecor', ([1.0, 3.5, 10.0, 6.0], [3.0, 5.0, 12.0, 1.5]),
     lambda d, a, b: d.FisherSnedecor(a, b), [[0.5, 2.0, 1.2, 0.3]],
     ('mean', 'variance', 'mode', 'log_prob')),
    ('vonmises', ([0.5, -1.0, 2.0, 3.0], [0.3, 1.0, 3.7, 12.0]),
     lambda d, loc, k: d.VonMises(loc, k), [[0.1, -0.7, 4.0, 9.0], [2.0, 0.0, -1.0, 3.1]],
     ('mean', 'variance', 'stddev', 'mode', 'log_prob')),
    ('lowrank-mvn', ([[0.5, -1.0, 2.0], [0.0, 1.0, 0.3]],
                     [[[1.0, 0.2], [0.3, -0.5], [0.0, 0.7]]], [1.5, 0.3, 2.0]),
     lambda d, loc, w, diag: d.LowRankMultivariateNormal(loc, w, diag),
     [[0.1, -0.7, 4.0], [2.0, 0.0, -1.0]], _ALL),
    ('mixture-normal', ([[0.2, 0.5, 0.3], [1.0, 2.0, 0.5]], [[0.5, -1.0, 2.0], [0.0, 1.0, 0.3]],
                        [1.5, 0.3, 2.0]),
     lambda d, p, loc, s: d.MixtureSameFamily(d.Categorical(p), d.Normal(loc, s)),
     [[0.1, -0.7], [4.0, 1.0]], ('mean', 'variance', 'stddev', 'log_prob', 'cdf')),
    ('mixture-mvn', ([0.3, -1.0], [[0.5, -1.0], [2.0, 0.3]]),
     lambda d, z, loc: d.MixtureSameFamily(
         d.Categorical(logits=z), d.Independent(d.Normal(loc, loc.detach().abs() + 0.5), 1)),
     [[0.1, -0.7], [4.0, 1.0], [0.0, 0.0]], ('mean', 'variance', 'log_prob')),
    ('relaxed-bernoulli', ([0.5, 2.0], [0.2, 0.7]),
     lambda d, t, p: d.RelaxedBernoulli(t, probs=p), [[0.1, 0.7], [0.5, 0.99]],
     ('log_prob',)),
    ('relaxed-bernoulli-logits', ([0.8], [-1.0, 2.0]),
     lambda d, t, z: d.RelaxedBernoulli(t, logits=z), [0.3, 0.6], ('log_prob',)),
    ('relaxed-onehot', ([1.5], [[0.2, 0.5, 0.3], [1.0, 2.0, 5.0]]),
     lambda d, t, p: d.RelaxedOneHotCategorical(t, probs=p),
     [[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], [[0.6, 0.3, 0.1], [0.3, 0.3, 0.4]]], ('log_prob',)),
    ('relaxed-onehot-logits', ([0.5], [0.3, -1.0, 2.0]),
     lambda d, t, z: d.RelaxedOneHotCategorical(t, logits=z), [[0.2, 0.3, 0.5]],
     ('log_prob',)),
    ('kumaraswamy', ([0.5, 2.0, 3.0, 1.5], [1.5, 0.7, 3.0, 2.5]),
     lambda d, a, b: d.Kumaraswamy(a, b), [[0.1, 0.9, 0.5, 0.3], [0.3, 0.2, 0.99, 0.6]],
     _ALL + ('cdf', 'icdf')),
    ('inverse-gamma', ([0.5, 2.0, 7.5], [1.5, 0.3, 2.0]), lambda d, c, r: d.InverseGamma(c, r),
     [[0.1, 2.0, 4.0], [3.0, 0.5, 1.0]], _ALL),
]

def _scores(dist, value, methods, lib):
    """(name, tensor) for each method the case lists."""
    out = []
    for name in methods:
        if name in ('log_prob', 'cdf'):
            out.append((name, getattr(dist, name)(value)))
        elif name == 'entropy':
            out.append((name, dist.entropy()))
        elif name == 'icdf':
            probs = lib.tensor(_PROBS, dtype=lib.float64)
            out.append((name, dist.icdf(probs.reshape((3,) + (1,) * len(dist.batch_shape)))))
        else:
            out.append((name, getattr(dist, name)))
    return out


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(case, torch):
    mine, mine_leaves, mine_value = _build(mt, case)
    theirs, their_leaves, their_value = _build(torch, case)
    check_structure(mine, theirs)
    for (name, a), (_, b) in zip(_scores(mine, mine_value, case[4], mt),
                                 _scores(theirs, their_value, case[4], torch)):
        _close(a, b, rtol=1e-9, atol=1e-10)
        if not (a.requires_grad and b.requires_grad):
            assert a.requires_grad == b.requires_grad, name
            continue
        check_score_gradients(name, a, b, mine_leaves, their_leaves, torch)


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_shapes_of_samples_and_expand(case, torch):
    mine, _, _ = _build(mt, case)
    theirs, _, _ = _build(torch, case)
    check_samples_and_expand(mine, theirs, torch)
    wide = (5,) + tuple(mine.batch_shape)
    big, their_big = mine.expand(wide), theirs.expand(wide)
    value = mine.sample()
    for name in ('mean', 'variance'):
        if name in case[4]:
            _close(getattr(big, name), getattr(mine, name).expand(
                wide + tuple(mine.event_shape)).contiguous())
    their_value = torch.tensor(value.tolist(), dtype=torch.float64)
    _close(big.log_prob(value), their_big.log_prob(their_value), rtol=1e-9)


def test_generalized_pareto_matches_torch_in_float32(torch):
    """PyTorch's GeneralizedPareto scores float32 parameters only (it compares the
    concentration with a float32 zero by isclose, which refuses float64): values and
    gradients in float32, and float64's error."""
    params = ([0.5, -1.0, 2.0, 0.0], [1.5, 0.3, 2.0, 1.0], [0.3, 0.0, -0.4, 0.7])
    values = [[0.6, -0.7, 4.0, 1.0], [2.0, 0.0, 6.5, 0.1]]
    results = []
    for lib in (mt, torch):
        leaves = [lib.tensor(p, requires_grad=True) for p in params]
        dist = lib.distributions.GeneralizedPareto(*leaves)
        value = lib.tensor(values)
        probs = lib.tensor(_PROBS).reshape(3, 1)
        scores = [dist.log_prob(value), dist.cdf(value), dist.icdf(probs), dist.entropy(),
                  dist.mean, dist.variance, dist.mode]
        total = sum((lib.where(s.isfinite(), s, 0.0) * (i + 1)).sum()
                    for i, s in enumerate(scores))
        total.backward()
        results.append((scores, [leaf.grad for leaf in leaves], dist))
    (mine, mine_grads, mine_dist), (theirs, their_grads, their_dist) = results
    for a, b in zip(mine + mine_grads, theirs + their_grads):
        _close(a, b, rtol=2e-5, atol=1e-6)
    assert repr(mine_dist.support).replace('microtorch.', 'torch.') == repr(their_dist.support)
    assert tuple(mine_dist.rsample((4,)).shape) == (4, 4)
    assert tuple(mine_dist.expand((3, 4)).sample((2,)).shape) == (2, 3, 4)

    def score_float64(lib):
        d = lib.distributions.GeneralizedPareto(lib.zeros(2, dtype=lib.float64), 1.0, 0.5)
        return d.log_prob(lib.ones(2, dtype=lib.float64))
    assert _raised(lambda: score_float64(mt)) == _raised(lambda: score_float64(torch))
    assert _raised(lambda: score_float64(mt)) == ('RuntimeError', 'Double did not match Float')


def test_lowrank_matrices_match_torch(torch):
    def make(lib):
        loc = lib.tensor([[0.5, -1.0, 2.0], [0.0, 1.0, 0.3]], dtype=lib.float64)
        factor = lib.tensor([[1.0, 0.2], [0.3, -0.5], [0.0, 0.7]], dtype=lib.float64,
                            requires_grad=True)
        diag = lib.tensor([[1.5, 0.3, 2.0], [0.2, 1.0, 0.4]], dtype=lib.float64,
                          requires_grad=True)
        return lib.distributions.LowRankMultivariateNormal(loc, factor, diag), factor, diag
    (mine, *mine_leaves), (theirs, *their_leaves) = make(mt), make(torch)
    for name in ('covariance_matrix', 'precision_matrix', 'scale_tril'):
        a, b = getattr(mine, name), getattr(theirs, name)
        _close(a, b, rtol=1e-10)
        for g, h in zip(_grads((a * a).sum(), mine_leaves),
                        _grads((b * b).sum(), their_leaves)):
            _close(g, h, rtol=1e-8)
    # it scores as the full-covariance MultivariateNormal
    full = D.MultivariateNormal(mine.loc, mine.covariance_matrix)
    value = mt.tensor([[0.3, 0.2, -1.0]], dtype=mt.float64)
    _close(mine.log_prob(value), full.log_prob(value), rtol=1e-12)
    _close(mine.entropy(), full.entropy(), rtol=1e-12)


def test_continuous_bernoulli_taylor_region_is_continuous():
    """Inside lims the Taylor forms take over; they meet the exact forms at the edges."""
    for edge in (0.499, 0.501):
        probs = mt.tensor([edge - 1e-9, edge + 1e-9], dtype=mt.float64)
        dist = D.ContinuousBernoulli(probs)
        for values in (dist.mean, dist.variance, dist._cont_bern_log_norm(),
                       dist.entropy()):
            assert abs(np.diff(_values(values))).max() < 1e-6


# ---- samples: moments over many draws (~5 standard errors), and their CDFs ----------------

def test_continuous_sample_moments_and_cdfs(torch):
    mt.manual_seed(0)
    scale, k = np.array([1.5, 0.3]), np.array([0.8, 3.0])
    weibull = D.Weibull(mt.tensor(scale), mt.tensor(k))
    draws = weibull.rsample((N,)).detach()
    _check_mean_and_variance(draws, _values(weibull.mean), _values(weibull.variance))
    _check_cdf(draws, weibull)
    pareto = D.Pareto(mt.tensor([1.0, 2.0]), mt.tensor([5.0, 9.0]))
    draws = pareto.sample((N,))
    _check_mean_and_variance(draws, _values(pareto.mean), _values(pareto.variance))
    _check_cdf(draws, pareto)
    bern = D.ContinuousBernoulli(mt.tensor([0.1, 0.5, 0.8], dtype=mt.float64))
    draws = bern.rsample((N,)).detach()
    _check_mean_and_variance(draws, _values(bern.mean), _values(bern.variance))
    _check_cdf(draws, bern)
    f = D.FisherSnedecor(mt.tensor([4.0, 10.0]), mt.tensor([12.0, 30.0]))
    for draws in (f.sample((N,)), f.rsample((N,)).detach()):
        _check_mean_and_variance(draws, _values(f.mean), _values(f.variance))
    # von Mises: the circular mean and variance, and PyTorch's CDF-free check by moments
    loc, kappa = np.array([0.5, -2.5, 3.0]), np.array([0.2, 2.0, 40.0])
    draws = _values(D.VonMises(mt.tensor(loc), mt.tensor(kappa)).sample((N,)))
    assert ((draws >= -math.pi) & (draws < math.pi)).all()
    resultant = np.exp(1j * draws).mean(0)
    variance = _values(D.VonMises(mt.tensor(loc), mt.tensor(kappa)).variance)
    assert (abs(1 - abs(resultant) - variance) < 5 / np.sqrt(N)).all()
    assert abs(np.angle(resultant[1:] * np.exp(-1j * loc[1:]))).max() < 0.02
    lowrank = D.LowRankMultivariateNormal(mt.tensor([0.5, -1.0, 2.0]),
                                          mt.tensor([[1.0, 0.2], [0.3, -0.5], [0.0, 0.7]]),
                                          mt.tensor([1.5, 0.3, 2.0]))
    draws = lowrank.rsample((N,)).detach()
    _check_mean_and_variance(draws, _values(lowrank.mean), _values(lowrank.variance))
    covariance = np.cov(_values(draws).T)
    assert abs(covariance - _values(lowrank.covariance_matrix)).max() < 0.1
    mixture = D.MixtureSameFamily(D.Categorical(mt.tensor([0.2, 0.5, 0.3])),
                                  D.Normal(mt.tensor([-2.0, 0.0, 3.0]), mt.tensor([0.5, 1, 2])))
    draws = mixture.sample((N,))
    _check_mean_and_variance(draws, _values(mixture.mean), _values(mixture.variance))
    _check_cdf(draws, mixture)
    # a relaxed Bernoulli's logit, times the temperature, less the logits: standard logistic
    relaxed = D.RelaxedBernoulli(mt.tensor(0.5, dtype=mt.float64),
                                 mt.tensor([0.2, 0.7], dtype=mt.float64))
    draws = _values(relaxed.rsample((N,)))
    noise = 0.5 * np.log(draws / (1 - draws)) - _values(relaxed.logits)
    _check_mean_and_variance(mt.tensor(noise), np.zeros(2), np.full(2, math.pi ** 2 / 3))
    # the Concrete draws of a relaxed one-hot: argmax is a draw of the categorical
    probs = np.array([0.1, 0.6, 0.3])
    points = _values(D.RelaxedOneHotCategorical(mt.tensor(0.3), mt.tensor(probs)).rsample((N,)))
    np.testing.assert_allclose(points.sum(-1), 1.0, rtol=1e-6)
    hot = np.eye(3)[points.argmax(-1)]
    _check_mean_and_variance(mt.tensor(hot), probs, probs * (1 - probs))


def test_more_continuous_sample_moments_and_cdfs():
    mt.manual_seed(4)
    kumaraswamy = D.Kumaraswamy(mt.tensor([0.5, 2.0, 3.0]), mt.tensor([1.5, 0.7, 3.0]))
    draws = kumaraswamy.rsample((N,)).detach()
    _check_mean_and_variance(draws, _values(kumaraswamy.mean), _values(kumaraswamy.variance))
    _check_cdf(draws, kumaraswamy)
    inverse = D.InverseGamma(mt.tensor([4.5, 9.0], dtype=mt.float64),
                             mt.tensor([1.5, 0.3], dtype=mt.float64))
    draws = inverse.rsample((N,)).detach()
    _check_mean_and_variance(draws, _values(inverse.mean), _values(inverse.variance))
    _check_cdf(draws, inverse)
    pareto = D.GeneralizedPareto(mt.tensor([0.5, -1.0, 2.0]), mt.tensor([1.5, 0.3, 2.0]),
                                 mt.tensor([0.1, 0.0, -0.4]))
    draws = pareto.rsample((N,)).detach()
    assert bool(pareto.support.check(draws).all())
    _check_mean_and_variance(draws, _values(pareto.mean), _values(pareto.variance))
    _check_cdf(draws, pareto)


def test_negative_binomial_sample_moments():
    mt.manual_seed(1)
    n, p = np.array([0.5, 3.0, 20.0]), np.array([0.3, 0.5, 0.9])
    dist = D.NegativeBinomial(mt.tensor(n), mt.tensor(p))
    counts = dist.sample((N,))
    assert (_values(counts) % 1 == 0).all() and (_values(counts) >= 0).all()
    _check_mean_and_variance(counts, n * p / (1 - p), n * p / (1 - p) ** 2)


def test_samples_follow_manual_seed():
    def draw():
        mt.manual_seed(5)
        return [_values(D.VonMises(mt.tensor([0.0, 1.0]), mt.tensor(2.0)).sample((3,))),
                _values(D.NegativeBinomial(4.0, mt.tensor(0.3)).sample((4,))),
                _values(D.Weibull(1.0, 2.0).sample((2,)))]
    for a, b in zip(draw(), draw()):
        assert a.tolist() == b.tolist()


# ---- gradients of draws: in expectation, against d E[f(X)] / d theta ------------------------

def _expected_gradient(parameter, statistic_of_draws, expected, batches=40, size=1000):
    estimates = []
    for _ in range(batches):
        parameter.grad = None
        statistic_of_draws(parameter, size).backward()
        estimates.append(_values(parameter.grad))
    estimates = np.array(estimates)
    error = 5 * estimates.std(0) / np.sqrt(batches) + 1e-12
    assert (abs(estimates.mean(0) - expected) <= error).all(), (estimates.mean(0), expected)


def test_rsample_gradients_in_expectation(torch):
    """d E[X] / d theta from rsample's gradients against the gradient of PyTorch's mean."""
    mt.manual_seed(3)

    def their_mean_grad(make, values):
        leaf = torch.tensor(values, dtype=torch.float64, requires_grad=True)
        make(torch.distributions, leaf).mean.sum().backward()
        return leaf.grad.numpy()

    for make, values in [
            (lambda d, k: d.Weibull(1.5, k), [0.8, 2.0]),
            (lambda d, a: d.Pareto(2.0, a), [3.0, 6.0]),
            # (inside lims, about 1/2, PyTorch's draws do not depend on probs)
            (lambda d, p: d.ContinuousBernoulli(p), [0.2, 0.9]),
            (lambda d, df: d.FisherSnedecor(3.0, df), [6.0, 11.0]),
            (lambda d, a: d.Kumaraswamy(a, 2.5), [0.7, 3.0]),
            (lambda d, c: d.InverseGamma(c, 2.0), [2.5, 6.0]),
            (lambda d, w: d.LowRankMultivariateNormal(
                d.Normal(w, 1.0).mean * 0, w.reshape(2, 1), w.detach().abs() + 1), [1.0, 2.0])]:
        leaf = mt.tensor(values, dtype=mt.float64, requires_grad=True)
        expected = their_mean_grad(make, values)
        _expected_gradient(leaf, lambda p, n: make(D, p).rsample((n,)).mean(0).sum(), expected)
    # the variance of the low-rank normal: d E[X^2] / d W = 2 W
    leaf = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    _expected_gradient(leaf, lambda w, n: D.LowRankMultivariateNormal(
        mt.zeros(2, dtype=mt.float64), w.reshape(2, 1), mt.ones(2, dtype=mt.float64)).rsample(
        (n,)).pow(2).mean(0).sum(), 2 * _values(leaf))


def test_relaxed_rsample_gradients_by_finite_differences():
    """The same noise (the same seed) drawn at theta +- h: rsample's gradient is the
    derivative of the draw itself."""
    for make, theta in [(lambda z: D.RelaxedBernoulli(mt.tensor(0.7, dtype=mt.float64),
                                                      logits=z), [0.3, -1.2]),
                        (lambda z: D.RelaxedOneHotCategorical(
                            mt.tensor(0.7, dtype=mt.float64), logits=z), [0.3, -1.2, 0.5]),
                        (lambda z: D.ContinuousBernoulli(logits=z), [0.3, -1.2]),
                        (lambda z: D.Weibull(z.exp(), 1.7), [0.3, -1.2])]:
        leaf = mt.tensor(theta, dtype=mt.float64, requires_grad=True)
        mt.manual_seed(11)
        make(leaf).rsample((5,)).pow(2).sum().backward()
        h = 1e-6
        numeric = []
        for i in range(len(theta)):
            shifted = []
            for sign in (1, -1):
                moved = list(theta)
                moved[i] += sign * h
                mt.manual_seed(11)
                shifted.append(make(mt.tensor(moved, dtype=mt.float64)).rsample((5,))
                               .pow(2).sum().item())
            numeric.append((shifted[0] - shifted[1]) / (2 * h))
        np.testing.assert_allclose(_values(leaf.grad), numeric, rtol=1e-5, atol=1e-8)


# ---- KL divergences -----------------------------------------------------------------------

def _lowrank(d, loc, factor_values, diag_values):
    return d.LowRankMultivariateNormal(loc.reshape(2, 2), factor_values.reshape(2, 2, 1),
                                       diag_values.reshape(2, 2).exp())


KL_PAIRS = [
    ('pareto', lambda d, a, b: (d.Pareto(a.exp(), b.exp() + 0.5), d.Pareto(b.exp(), a.exp()))),
    ('pareto-exponential', lambda d, a, b: (d.Pareto(a.exp(), b.exp() + 0.5),
                                            d.Exponential(a.exp()))),
    ('pareto-gamma', lambda d, a, b: (d.Pareto(a.exp(), b.exp() + 0.5),
                                      d.Gamma(b.exp(), a.exp()))),
    ('pareto-normal', lambda d, a, b: (d.Pareto(a.exp(), b.exp() + 1.5), d.Normal(b, a.exp()))),
    ('uniform-pareto', lambda d, a, b: (d.Uniform(a.exp(), a.exp() + b.exp()),
                                        d.Pareto(a.exp() * 0.9 + b.sigmoid() * 0.2 - 0.1,
                                                 b.exp()))),
    ('continuous-bernoulli', lambda d, a, b: (d.ContinuousBernoulli(logits=a),
                                              d.ContinuousBernoulli(b.sigmoid()))),
    ('beta-continuous-bernoulli', lambda d, a, b: (d.Beta(a.exp(), b.exp()),
                                                   d.ContinuousBernoulli(logits=a))),
    ('uniform-continuous-bernoulli', lambda d, a, b: (
        d.Uniform(a.sigmoid() / 2, 0.5 + b.sigmoid() / 2), d.ContinuousBernoulli(logits=b))),
    ('continuous-bernoulli-exponential', lambda d, a, b: (d.ContinuousBernoulli(logits=a),
                                                          d.Exponential(b.exp()))),
    ('continuous-bernoulli-normal', lambda d, a, b: (d.ContinuousBernoulli(logits=a),
                                                     d.Normal(b, a.exp()))),
    ('continuous-bernoulli-uniform', lambda d, a, b: (d.ContinuousBernoulli(logits=a),
                                                      d.Uniform(b - 3, b + 1.5))),
    ('lowrank', lambda d, a, b: (_lowrank(d, a, b, a), _lowrank(d, b, a.sin(), b))),
    ('normal-lowrank', lambda d, a, b: (
        d.MultivariateNormal(a.reshape(2, 2), d.LowRankMultivariateNormal(
            b.reshape(2, 2), a.reshape(2, 2, 1), b.exp().reshape(2, 2)).covariance_matrix),
        _lowrank(d, b, a.cos(), a))),
    ('lowrank-normal', lambda d, a, b: (
        _lowrank(d, b, a.cos(), a), d.MultivariateNormal(a[:2], scale_tril=d.transforms.
                                                         ExpTransform()(b).diag()[:2, :2]))),
]


@pytest.mark.parametrize('pair', KL_PAIRS, ids=[p[0] for p in KL_PAIRS])
def test_kl_divergence_and_its_gradients_match_torch(pair, torch):
    check_kl_pair(pair[1], torch, rtol=1e-9, atol=1e-10)


def test_kl_infinite_pairs_match_torch(torch):
    def kls(lib):
        d = lib.distributions
        pareto, bern = d.Pareto(lib.ones(2), 3.0), d.ContinuousBernoulli(lib.tensor([0.2, 0.7]))
        others = [d.Beta(2.0, 3.0), d.Exponential(lib.ones(2)), d.Gamma(lib.ones(2), 1.0),
                  d.Gumbel(lib.zeros(2), 1.0), d.Laplace(lib.zeros(2), 1.0),
                  d.Normal(lib.zeros(2), 1.0), d.Uniform(lib.zeros(2), 1.0)]
        results = []
        for p in others + [pareto, bern]:
            for q in (pareto, bern, d.Uniform(0.0, 1.0), d.Uniform(-1.0, 2.0), d.Beta(2.0, 3.0)):
                try:
                    results.append(d.kl_divergence(p, q))
                except NotImplementedError:
                    results.append(None)
        return results
    mine, theirs = kls(mt), kls(torch)
    for a, b in zip(mine, theirs):
        assert (a is None) == (b is None)
        if a is not None:
            _close(a, b, rtol=1e-5, atol=1e-6)      # (float32, summed in other orders)


# ---- errors: PyTorch's types and messages ---------------------------------------------------

def error_calls(lib):
    d = lib.distributions
    normal = d.Normal(lib.zeros(2, 3), 1.0)
    return [
        lambda: d.Weibull(-1.0, 1.0),
        lambda: d.Weibull(1.0, 0.0),
        lambda: d.Weibull(1.0, 2.0).log_prob(lib.tensor(-1.0)),
        lambda: d.Pareto(1.0, -2.0),
        lambda: d.Pareto(lib.tensor([1.0, -1.0]), 2.0),
        lambda: d.Pareto(2.0, 3.0).log_prob(lib.tensor(1.0)),
        lambda: d.NegativeBinomial(-1.0, probs=lib.tensor(0.3)),
        lambda: d.NegativeBinomial(2.0, probs=lib.tensor([0.3, 1.0])),
        lambda: d.NegativeBinomial(2.0, logits=lib.tensor(0.3)).log_prob(lib.tensor(1.5)),
        lambda: d.NegativeBinomial(2.0),
        lambda: d.ContinuousBernoulli(lib.tensor([0.3, 1.5])),
        lambda: d.ContinuousBernoulli(lib.tensor([0.3, 1.5]), validate_args=True),
        lambda: d.ContinuousBernoulli(0.3).log_prob(lib.tensor(1.5)),
        lambda: d.ContinuousBernoulli(),
        lambda: d.FisherSnedecor(-1.0, 2.0),
        lambda: d.FisherSnedecor(1.0, 2.0).log_prob(lib.tensor(-1.0)),
        lambda: d.VonMises(0.0, -1.0),
        lambda: d.VonMises(lib.tensor(float('nan')), 1.0),
        lambda: d.LowRankMultivariateNormal(lib.tensor(0.0), lib.ones(1, 1), lib.ones(1)),
        lambda: d.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2), lib.ones(2)),
        lambda: d.LowRankMultivariateNormal(lib.zeros(2), lib.ones(3, 1), lib.ones(2)),
        lambda: d.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(3)),
        lambda: d.LowRankMultivariateNormal(lib.zeros(3, 2), lib.ones(4, 2, 1), lib.ones(2)),
        lambda: d.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), -lib.ones(2)),
        lambda: d.MixtureSameFamily(d.Normal(0.0, 1.0), normal),
        lambda: d.MixtureSameFamily(d.Categorical(lib.ones(3)), 'normal'),
        lambda: d.MixtureSameFamily(d.Categorical(lib.ones(4, 3)), normal),
        lambda: d.MixtureSameFamily(d.Categorical(lib.ones(2)), normal),
        lambda: d.MixtureSameFamily(d.Categorical(lib.ones(3)), d.Gamma(lib.ones(3), 1.0))
        .log_prob(lib.tensor(-1.0)),
        lambda: d.RelaxedBernoulli(lib.tensor(0.5), probs=lib.tensor(1.5)),
        lambda: d.RelaxedBernoulli(lib.tensor(0.5), lib.tensor(0.3), lib.tensor(0.2)),
        lambda: d.RelaxedBernoulli(lib.tensor(0.5), lib.tensor(0.3)).log_prob(lib.tensor(2.0)),
        lambda: d.RelaxedOneHotCategorical(lib.tensor(0.5), probs=lib.tensor([0.3, -0.2])),
        lambda: d.RelaxedOneHotCategorical(lib.tensor(0.5), lib.tensor([0.3, 0.7]))
        .log_prob(lib.tensor([0.5, 0.6])),
        lambda: d.Kumaraswamy(-1.0, 1.0),
        lambda: d.Kumaraswamy(lib.tensor([1.0, 2.0]), 0.0),
        lambda: d.Kumaraswamy(1.0, 2.0).log_prob(lib.tensor(1.5)),
        lambda: d.InverseGamma(-1.0, 1.0),
        lambda: d.InverseGamma(1.0, 2.0).log_prob(lib.tensor(0.0)),
        lambda: d.GeneralizedPareto(0.0, -1.0, 0.5),
        lambda: d.GeneralizedPareto(0.0, 1.0, lib.tensor(float('nan'))),
        lambda: d.GeneralizedPareto(0.0, 1.0, -0.5).log_prob(lib.tensor(3.0)),
        lambda: d.kl_divergence(
            d.LowRankMultivariateNormal(lib.zeros(2), lib.ones(2, 1), lib.ones(2)),
            d.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(3))),
        lambda: d.kl_divergence(
            d.MultivariateNormal(lib.zeros(2), lib.eye(2)),
            d.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(3))),
        lambda: d.kl_divergence(
            d.LowRankMultivariateNormal(lib.zeros(3), lib.ones(3, 1), lib.ones(3)),
            d.MultivariateNormal(lib.zeros(2), lib.eye(2))),
    ]


def _raised(call):
    """(the exception's type name, its message with torch. for microtorch.), or None."""
    try:
        call()
    except Exception as error:      # noqa: BLE001  (any type: compared below)
        # (PyTorch's LinAlgError is torch._C._LinAlgError)
        return (type(error).__name__.lstrip('_'),
                re.sub(r'\bmicrotorch\.', 'torch.', str(error)))
    return None


def test_errors_match_torch(torch):
    """Each call raises PyTorch's type and message; ContinuousBernoulli's probs outside
    [0, 1] pass unchecked unless validate_args is given (they are clamped first)."""
    for index, (mine, theirs) in enumerate(zip(error_calls(mt), error_calls(torch))):
        expected = _raised(theirs)
        assert _raised(mine) == expected, index
        assert (expected is None) == (index == 10)


def test_failed_construction_leaves_parameters_alone():
    factor = mt.ones(2, 1, requires_grad=True)
    diag = mt.tensor([1.0, -1.0], requires_grad=True)
    for make in (lambda: D.LowRankMultivariateNormal(mt.zeros(2), factor, diag),
                 lambda: D.Weibull(diag, 1.0), lambda: D.FisherSnedecor(diag, 2.0),
                 lambda: D.ContinuousBernoulli(diag, validate_args=False)):
        with pytest.raises(ValueError):
            make()
        assert diag.grad is None and diag.tolist() == [1.0, -1.0]
        assert factor.grad is None and factor.tolist() == [[1.0], [1.0]]


def test_draws_and_scores_on_every_device(device):
    """Each family draws on its parameters' device and scores there."""
    mt.manual_seed(7)
    x = mt.tensor([0.3, 2.0], dtype=mt.float64, device=device)
    probs = mt.tensor([0.3, 0.7], dtype=mt.float64, device=device)
    for dist in (D.Weibull(x, 1.5), D.Pareto(x, 3.0), D.NegativeBinomial(x, probs),
                 D.ContinuousBernoulli(probs), D.FisherSnedecor(x, 5.0), D.VonMises(x, x),
                 D.LowRankMultivariateNormal(x, x.reshape(2, 1), x),
                 D.MixtureSameFamily(D.Categorical(probs), D.Normal(x, 1.0)),
                 D.RelaxedBernoulli(x[0], probs), D.RelaxedOneHotCategorical(x[0], probs),
                 D.Kumaraswamy(x, 2.0), D.InverseGamma(x, 2.0)):
        draw = dist.sample((3,))
        assert draw.device == x.device, type(dist).__name__
        assert dist.log_prob(draw).device == x.device, type(dist).__name__
        if dist.has_rsample:
            dist.rsample((2,)).sum()
    p = D.LowRankMultivariateNormal(x, x.reshape(2, 1), x)
    q = D.MultivariateNormal(x, p.covariance_matrix + mt.eye(2, dtype=mt.float64,
                                                              device=device))
    assert D.kl_divergence(p, q).device == x.device
