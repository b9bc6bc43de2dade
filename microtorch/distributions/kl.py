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
