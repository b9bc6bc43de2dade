"""The closed forms of KL(p || q) that PyTorch registers for Pareto, ContinuousBernoulli and
LowRankMultivariateNormal: with their own kind and with the families of kl.py (infinite where
q has no mass on part of p's support)."""
import math

import microtorch

from .continuous_bernoulli import ContinuousBernoulli
from .dirichlet import Beta
from .exponential import Exponential
from .gamma import Gamma
from .kl import _infinite_like, register_kl
from .laplace import Laplace
from .lowrank_multivariate_normal import (LowRankMultivariateNormal, _lowrank_logdet,
                                          _lowrank_mahalanobis)
from .multivariate_normal import MultivariateNormal, _mahalanobis
from .normal import Normal
from .transformed_distribution import Gumbel
from .uniform import Uniform
from .weibull import Pareto

__all__ = []


def _x_log_x(x):
    return x * x.log()


def _trace_x_xt(x):
    """tr(X X^T) of each matrix of a batch: the sum of its squares."""
    return x.pow(2).sum((-2, -1))


# ---- Pareto ---------------------------------------------------------------------------------

@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p, q):
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return microtorch.where(p.scale < q.scale, math.inf, result)   # p below q's support


@register_kl(Pareto, Exponential)
def _kl_pareto_exponential(p, q):
    scale_rate = p.scale * q.rate
    result = ((p.alpha / scale_rate).log() - p.alpha.reciprocal()
              + p.alpha * scale_rate / (p.alpha - 1) - 1)
    return microtorch.where(p.alpha <= 1, math.inf, result)        # (p has no mean)


@register_kl(Pareto, Gamma)
def _kl_pareto_gamma(p, q):
    mean_log = p.scale.log() + p.alpha.reciprocal()                # E[log X]
    result = (p.alpha.log() - mean_log
              + q.concentration.lgamma() - q.concentration * q.rate.log()
              + (1 - q.concentration) * mean_log
              + q.rate * p.alpha * p.scale / (p.alpha - 1) - 1)
    return microtorch.where(p.alpha <= 1, math.inf, result)


@register_kl(Pareto, Normal)
def _kl_pareto_normal(p, q):
    shifted = p.scale / (p.alpha - 1)
    result = ((math.sqrt(2 * math.pi) * q.scale * p.alpha / p.scale).log()
              - p.alpha.reciprocal()
              + (p.alpha * shifted.pow(2) / (p.alpha - 2) + (p.alpha * shifted - q.loc).pow(2))
              / (2 * q.scale.pow(2)) - 1)
    return microtorch.where(p.alpha <= 2, math.inf, result)        # (p has no variance)


@register_kl(Uniform, Pareto)
def _kl_uniform_pareto(p, q):
    width = p.high - p.low
    result = ((_x_log_x(p.high) - _x_log_x(p.low) - width) / width * (q.alpha + 1)
              - (q.alpha * q.scale.pow(q.alpha) * width).log())
    return microtorch.where(p.low < q.scale, math.inf, result)


# ---- ContinuousBernoulli --------------------------------------------------------------------

def _continuous_bernoulli_cross_entropy(mean, q):
    """-E[log q(X)] for X in [0, 1] of the given mean."""
    return -mean * q.logits - (-q.probs).log1p() - q._cont_bern_log_norm()


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_continuous_bernoulli_continuous_bernoulli(p, q):
    return (p.mean * (p.logits - q.logits) + p._cont_bern_log_norm() + (-p.probs).log1p()
            - q._cont_bern_log_norm() - (-q.probs).log1p())


@register_kl(Beta, ContinuousBernoulli)
def _kl_beta_continuous_bernoulli(p, q):
    return -p.entropy() + _continuous_bernoulli_cross_entropy(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _kl_uniform_continuous_bernoulli(p, q):
    result = -p.entropy() + _continuous_bernoulli_cross_entropy(p.mean, q)
    # (PyTorch's test: infinite unless p lies strictly inside (0, 1))
    return microtorch.where((p.high >= 1) | (p.low <= 0), math.inf, result)


@register_kl(ContinuousBernoulli, Exponential)
def _kl_continuous_bernoulli_exponential(p, q):
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _kl_continuous_bernoulli_normal(p, q):
    return (-p.entropy() + 0.5 * (math.log(2.0 * math.pi) + (q.loc / q.scale).square())
            + q.scale.log()
            + (p.variance + p.mean.square() - 2.0 * q.loc * p.mean) / (2.0 * q.scale.square()))


@register_kl(ContinuousBernoulli, Uniform)
def _kl_continuous_bernoulli_uniform(p, q):
    result = -p.entropy() + (q.high - q.low).log()
    # (PyTorch's test, as it writes it: infinite if q.low >= 0 or q.high <= 1)
    return microtorch.where((q.low >= 0) | (q.high <= 1), math.inf, result)


# Pairs where q has no mass on part of p's support: KL is infinite (p's parameter's shape).
for _p_type, _q_types, _param in [
        (Beta, (Pareto,), 'concentration1'), (ContinuousBernoulli, (Pareto,), 'probs'),
        (Exponential, (ContinuousBernoulli, Pareto), 'rate'),
        (Gamma, (ContinuousBernoulli, Pareto), 'concentration'),
        (Gumbel, (ContinuousBernoulli, Pareto), 'loc'),
        (Laplace, (ContinuousBernoulli, Pareto), 'loc'),
        (Normal, (ContinuousBernoulli, Pareto), 'loc'),
        (Pareto, (Beta, ContinuousBernoulli, Uniform), 'scale')]:
    for _q_type in _q_types:
        register_kl(_p_type, _q_type)(
            lambda p, q, name=_param: _infinite_like(getattr(p, name)))
del _p_type, _q_types, _param, _q_type


# ---- LowRankMultivariateNormal --------------------------------------------------------------
# KL = (log det Sigma_q - log det Sigma_p + tr(Sigma_q^-1 Sigma_p)
#       + Mahalanobis_q(mu_q - mu_p) - n) / 2, with Woodbury's inverse for a low-rank q.

def _check_event_shapes(p, q, which):
    if p.event_shape != q.event_shape:
        # (PyTorch's message keeps the indent of its source's continued line)
        raise ValueError(f'KL-divergence between two {which} Normals with' + ' ' * 26
                         + 'different event shapes cannot be computed')


def _woodbury_factor(q):
    """A = L_C^-1 W^T D^-1, so that Sigma_q^-1 = D^-1 - A^T A."""
    scaled = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return microtorch.linalg.solve_triangular(q._capacitance_tril, scaled, upper=False)


def _lowrank_log_det(d):
    return _lowrank_logdet(d._unbroadcasted_cov_factor, d._unbroadcasted_cov_diag,
                           d._capacitance_tril)


def _lowrank_distance(q, diff):
    return _lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, diff,
                                q._capacitance_tril)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrank_lowrank(p, q):
    _check_event_shapes(p, q, 'Low Rank Multivariate')
    log_ratio = _lowrank_log_det(q) - _lowrank_log_det(p)
    woodbury = _woodbury_factor(q)
    p_factor, p_diag = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    q_diag = q._unbroadcasted_cov_diag
    # tr(Sigma_q^-1 Sigma_p), Sigma_p = W_p W_p^T + D_p, term by term
    trace = ((p_diag / q_diag).sum(-1) + _trace_x_xt(p_factor * q_diag.rsqrt().unsqueeze(-1))
             - _trace_x_xt(woodbury * p_diag.sqrt().unsqueeze(-2))
             - _trace_x_xt(woodbury @ p_factor))
    return 0.5 * (log_ratio + trace + _lowrank_distance(q, q.loc - p.loc) - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_normal_lowrank(p, q):
    _check_event_shapes(p, q, '(Low Rank) Multivariate')
    p_tril = p._unbroadcasted_scale_tril
    log_ratio = _lowrank_log_det(q) - 2 * p_tril.diagonal(0, -2, -1).log().sum(-1)
    trace = (_trace_x_xt(p_tril * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
             - _trace_x_xt(_woodbury_factor(q) @ p_tril))
    return 0.5 * (log_ratio + trace + _lowrank_distance(q, q.loc - p.loc) - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrank_normal(p, q):
    _check_event_shapes(p, q, '(Low Rank) Multivariate')
    q_tril = q._unbroadcasted_scale_tril
    log_ratio = 2 * q_tril.diagonal(0, -2, -1).log().sum(-1) - _lowrank_log_det(p)
    n = p.event_shape[0]
    batch = microtorch.broadcast_shapes(q_tril.shape[:-2],
                                        p._unbroadcasted_cov_factor.shape[:-2])
    q_tril = q_tril.expand(batch + (n, n))
    p_factor = p._unbroadcasted_cov_factor.expand(batch + (n, p.cov_factor.size(-1)))
    p_root_diag = microtorch.diag_embed(p._unbroadcasted_cov_diag.sqrt()).expand(
        batch + (n, n))
    trace = (_trace_x_xt(microtorch.linalg.solve_triangular(q_tril, p_factor, upper=False))
             + _trace_x_xt(microtorch.linalg.solve_triangular(q_tril, p_root_diag,
                                                              upper=False)))
    return 0.5 * (log_ratio + trace + _mahalanobis(q._unbroadcasted_scale_tril, q.loc - p.loc)
                  - n)
