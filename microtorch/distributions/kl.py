"""kl_divergence(p, q) and register_kl: closed forms of KL(p || q) looked up by type."""
import math

import microtorch

from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .multivariate_normal import MultivariateNormal, _mahalanobis
from .normal import Normal
from .uniform import Uniform

__all__ = ['register_kl', 'kl_divergence']

_KL_REGISTRY = {}      # (type of p, type of q) -> function(p, q)
_KL_CACHE = {}         # the same for the exact types looked up so far


def register_kl(type_p, type_q):
    """A decorator that makes kl_divergence use the function for p of type_p and q of type_q
    (and their subclasses, unless a more specific pair is registered)."""
    for given in (type_p, type_q):
        if not (isinstance(given, type) and issubclass(given, Distribution)):
            raise TypeError(f'Expected a Distribution subclass but got {given}')

    def decorator(function):
        _KL_REGISTRY[type_p, type_q] = function
        _KL_CACHE.clear()                 # a new pair may be a closer match for cached ones
        return function
    return decorator


def _closest_match(type_p, type_q):
    """The registered function of the pair nearest (type_p, type_q) in their MROs, p first."""
    found = [(type_p.__mro__.index(super_p), type_q.__mro__.index(super_q), function)
             for (super_p, super_q), function in _KL_REGISTRY.items()
             if issubclass(type_p, super_p) and issubclass(type_q, super_q)]
    return min(found, key=lambda match: match[:2])[2] if found else None


def kl_divergence(p, q):
    """KL(p || q), batched over the distributions' batch shape."""
    key = type(p), type(q)
    if key not in _KL_CACHE:
        _KL_CACHE[key] = _closest_match(*key)
    function = _KL_CACHE[key]
    if function is None:
        raise NotImplementedError(f'No KL(p || q) is implemented for p type '
                                  f'{type(p).__name__} and q type {type(q).__name__}')
    return function(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    variance_ratio = (p.scale / q.scale).pow(2)
    mean_term = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (variance_ratio + mean_term - 1 - variance_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    softplus = microtorch.nn.functional.softplus
    # Where p puts no mass a term is 0; where only q puts none, it is infinite.
    ones = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    ones = microtorch.where(q.probs == 0, math.inf, ones)
    ones = microtorch.where(p.probs == 0, 0.0, ones)
    zeros = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    zeros = microtorch.where(q.probs == 1, math.inf, zeros)
    zeros = microtorch.where(p.probs == 1, 0.0, zeros)
    return ones + zeros


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    terms = p.probs * (p.logits - q.logits)
    terms = microtorch.where(q.probs == 0, math.inf, terms)
    terms = microtorch.where(p.probs == 0, 0.0, terms)
    return terms.sum(-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    outside = (q.low > p.low) | (q.high < p.high)     # p has mass where q has none
    return microtorch.where(outside, math.inf, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p, q):
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - rate_ratio.log()


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariate_normal(p, q):
    if p.event_shape != q.event_shape:
        # (PyTorch's message keeps the indent of its source's continued line)
        raise ValueError('KL-divergence between two Multivariate Normals with' + ' ' * 26 +
                         'different event shapes cannot be computed')
    n = p.event_shape[0]
    p_factor, q_factor = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    # KL = log(det L_q / det L_p) + (tr(Sigma_q^-1 Sigma_p) + Mahalanobis(mu_q - mu_p) - n) / 2
    log_ratio = q._half_log_det() - p._half_log_det()
    batch = microtorch.broadcast_shapes(q_factor.shape[:-2], p_factor.shape[:-2]) + (n, n)
    whitened = microtorch.linalg.solve_triangular(q_factor.expand(batch), p_factor.expand(batch),
                                                  upper=False)
    trace = whitened.pow(2).sum((-2, -1))
    return log_ratio + 0.5 * (trace + _mahalanobis(q_factor, q.loc - p.loc) - n)


# ---- the families of gamma.py, dirichlet.py, poisson.py, laplace.py, binomial.py,
# one_hot_categorical.py, independent.py and transformed_distribution.py ---------------------

from .binomial import Binomial, Geometric                         # noqa: E402
from .dirichlet import Beta, Dirichlet                            # noqa: E402
from .gamma import Gamma                                          # noqa: E402
from .independent import Independent                              # noqa: E402
from .laplace import Cauchy, Laplace                              # noqa: E402
from .one_hot_categorical import OneHotCategorical                # noqa: E402
from .poisson import Poisson                                      # noqa: E402
from .transformed_distribution import (EULER_GAMMA, Gumbel, HalfNormal,  # noqa: E402
                                       TransformedDistribution)
from .transforms import sum_rightmost                             # noqa: E402


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p, q):
    return (q.concentration * (p.rate / q.rate).log()
            + q.concentration.lgamma() - p.concentration.lgamma()
            + (p.concentration - q.concentration) * p.concentration.digamma()
            + (q.rate - p.rate) * (p.concentration / p.rate))


@register_kl(Exponential, Gamma)
def _kl_exponential_gamma(p, q):
    rate_ratio = q.rate / p.rate
    return (-q.concentration * rate_ratio.log() + rate_ratio + q.concentration.lgamma()
            + q.concentration * EULER_GAMMA - (1 + EULER_GAMMA))


@register_kl(Gamma, Exponential)
def _kl_gamma_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * (p.concentration / p.rate)


def _dirichlet_kl(p_alpha, q_alpha):
    """KL between Dirichlets of concentrations p_alpha and q_alpha (the last dim)."""
    p_total, q_total = p_alpha.sum(-1), q_alpha.sum(-1)
    return (p_total.lgamma() - q_total.lgamma()
            - (p_alpha.lgamma() - q_alpha.lgamma()).sum(-1)
            + ((p_alpha - q_alpha) * (p_alpha.digamma()
                                      - p_total.digamma().unsqueeze(-1))).sum(-1))


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p, q):
    return _dirichlet_kl(p.concentration, q.concentration)


@register_kl(Beta, Beta)
def _kl_beta_beta(p, q):
    return _dirichlet_kl(p._dirichlet.concentration, q._dirichlet.concentration)


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p, q):
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p, q):
    scale_ratio = p.scale / q.scale
    distance = (p.loc - q.loc).abs()
    return (-scale_ratio.log() + distance / q.scale
            + scale_ratio * (-distance / p.scale).exp() - 1)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p, q):
    return (((p.scale + q.scale).pow(2) + (p.loc - q.loc).pow(2)).log()
            - (4 * p.scale * q.scale).log())


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p, q):
    scale_ratio = p.scale / q.scale
    shift = (p.loc - q.loc) / q.scale
    return (-scale_ratio.log() + shift + scale_ratio * EULER_GAMMA
            + (-shift + (1 + scale_ratio).lgamma()).exp() - (1 + EULER_GAMMA))


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p, q):
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p, q):
    if bool((p.total_count < q.total_count).any()):
        raise NotImplementedError('KL between Binomials where q.total_count > p.total_count '
                                  'is not implemented')
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    # more trials in p than in q: p puts mass where q has none
    return microtorch.where(p.total_count > q.total_count, math.inf, kl)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p, q):
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p, q):
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Independent, Independent)
def _kl_independent_independent(p, q):
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p, q):
    if p.transforms != q.transforms or p.event_shape != q.event_shape:
        raise NotImplementedError
    return kl_divergence(p.base_dist, q.base_dist)


# ---- pairs of different families: KL = -H(p) + the cross-entropy of q under p --------------
# Each cross-entropy -E_p[log q(X)] needs only a few moments of p.

def _normal_cross_entropy(mean, second_moment, q):
    """-E[log N(X; q.loc, q.scale)] for X of the given mean and E[X^2]."""
    spread = second_moment - 2 * q.loc * mean + q.loc.pow(2)     # E[(X - loc)^2]
    return q.scale.log() + 0.5 * math.log(2 * math.pi) + spread / (2 * q.scale.pow(2))


def _gumbel_cross_entropy(mean, laplace_transform, q):
    """-E[log Gumbel(X; q.loc, q.scale)] for X of the given mean and E[exp(-X / q.scale)]."""
    return (q.scale.log() + (mean - q.loc) / q.scale
            + (q.loc / q.scale).exp() * laplace_transform)


def _gamma_cross_entropy(mean, mean_log, q):
    """-E[log Gamma(X; q.concentration, q.rate)] for X of the given E[X] and E[log X]."""
    return (-q.concentration * q.rate.log() - (q.concentration - 1) * mean_log
            + q.rate * mean + q.concentration.lgamma())


def _beta_moments(p):
    """E[X], E[X^2] and E[log X] of a Beta."""
    a, b = p.concentration1, p.concentration0
    total = a + b
    mean = a / total
    return mean, mean.pow(2) + a * b / (total.pow(2) * (total + 1)), a.digamma() - total.digamma()


def _uniform_mean_log(low, high):
    """E[log X] for X uniform on [low, high] (x log x is 0 at 0)."""
    return (microtorch.xlogy(high, high) - microtorch.xlogy(low, low)) / (high - low) - 1


def _infinite_like(tensor):
    return microtorch.full_like(tensor, math.inf)


@register_kl(Bernoulli, Poisson)
def _kl_bernoulli_poisson(p, q):
    return (p.probs * (p.probs.log() - q.rate.log()) + (1 - p.probs) * (-p.probs).log1p()
            + q.rate)


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Gamma)
def _kl_beta_gamma(p, q):
    mean, _, mean_log = _beta_moments(p)
    return -p.entropy() + _gamma_cross_entropy(mean, mean_log, q)


@register_kl(Beta, Normal)
def _kl_beta_normal(p, q):
    mean, second, _ = _beta_moments(p)
    return -p.entropy() + _normal_cross_entropy(mean, second, q)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    return microtorch.where((q.low > 0) | (q.high < 1), math.inf, result)


@register_kl(Exponential, Gumbel)
def _kl_exponential_gumbel(p, q):
    rate_scale = p.rate * q.scale
    return -p.entropy() + _gumbel_cross_entropy(p.mean, rate_scale / (rate_scale + 1), q)


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(p.mean, 2 * p.rate.pow(-2), q)


@register_kl(Gamma, Gumbel)
def _kl_gamma_gumbel(p, q):
    transform = (1 + (p.rate * q.scale).reciprocal()).pow(-p.concentration)
    return -p.entropy() + _gumbel_cross_entropy(p.mean, transform, q)


@register_kl(Gamma, Normal)
def _kl_gamma_normal(p, q):
    second = p.concentration * (p.concentration + 1) / p.rate.pow(2)
    return -p.entropy() + _normal_cross_entropy(p.mean, second, q)


@register_kl(Gumbel, Normal)
def _kl_gumbel_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(p.mean, p.variance + p.mean.pow(2), q)


@register_kl(Laplace, Normal)
def _kl_laplace_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(p.loc, p.variance + p.loc.pow(2), q)


@register_kl(Normal, Gumbel)
def _kl_normal_gumbel(p, q):
    transform = (-p.loc / q.scale + p.scale.pow(2) / (2 * q.scale.pow(2))).exp()
    return -p.entropy() + _gumbel_cross_entropy(p.loc, transform, q)


@register_kl(Normal, Laplace)
def _kl_normal_laplace(p, q):
    # E|X - loc| of a normal: a folded normal's mean
    shift = p.loc - q.loc
    absolute = (p.scale * math.sqrt(2 / math.pi) * (-shift.pow(2) / (2 * p.scale.pow(2))).exp()
                + shift * microtorch.erf(shift / (p.scale * math.sqrt(2))))
    return -p.entropy() + (2 * q.scale).log() + absolute / q.scale


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p, q):
    a, b = q.concentration1, q.concentration0
    log_beta = a.lgamma() + b.lgamma() - (a + b).lgamma()
    cross = (log_beta - (a - 1) * _uniform_mean_log(p.low, p.high)
             - (b - 1) * _uniform_mean_log(1 - p.high, 1 - p.low))
    result = -p.entropy() + cross
    return microtorch.where((p.low < 0) | (p.high > 1), math.inf, result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p, q):
    result = -p.entropy() - q.rate.log() + q.rate * p.mean
    return microtorch.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gamma)
def _kl_uniform_gamma(p, q):
    result = -p.entropy() + _gamma_cross_entropy(p.mean, _uniform_mean_log(p.low, p.high), q)
    return microtorch.where(p.low < 0, math.inf, result)


@register_kl(Uniform, Gumbel)
def _kl_uniform_gumbel(p, q):
    transform = q.scale * ((-p.low / q.scale).exp() - (-p.high / q.scale).exp()) / (p.high
                                                                                   - p.low)
    return -p.entropy() + _gumbel_cross_entropy(p.mean, transform, q)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p, q):
    return -p.entropy() + _normal_cross_entropy(p.mean, p.variance + p.mean.pow(2), q)


# Pairs where q has no mass on part of p's support: KL is infinite (p's parameter's shape).
for _p_type, _q_types, _param in [
        (Exponential, (Beta, Uniform), 'rate'), (Gamma, (Beta, Uniform), 'concentration'),
        (Gumbel, (Beta, Exponential, Gamma, Uniform), 'loc'),
        (Laplace, (Beta, Exponential, Gamma, Uniform), 'loc'),
        (Normal, (Beta, Exponential, Gamma, Uniform), 'loc'),
        (Poisson, (Bernoulli, Binomial), 'rate')]:
    for _q_type in _q_types:
        register_kl(_p_type, _q_type)(
            lambda p, q, name=_param: _infinite_like(getattr(p, name)))
del _p_type, _q_types, _param, _q_type
