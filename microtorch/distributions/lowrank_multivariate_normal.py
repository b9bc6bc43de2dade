"""LowRankMultivariateNormal(loc, cov_factor, cov_diag): the Gaussian of vectors whose
covariance is W W^T + diag(D) for an n x m factor W (m small).

Scores never form the n x n covariance: with the m x m capacitance C = I + W^T D^-1 W,
Woodbury's identity gives (W W^T + D)^-1 = D^-1 - D^-1 W C^-1 W^T D^-1 and the matrix
determinant lemma det(W W^T + D) = det C det D."""
import math

import microtorch

from . import constraints
from .distribution import CenteredAtLoc
from .multivariate_normal import _mahalanobis
from .utils import lazy_property

__all__ = ['LowRankMultivariateNormal']

LOG_TWO_PI = math.log(2 * math.pi)


def _identity(n, like):
    return microtorch.eye(n, dtype=like.dtype, device=like.device)


def _capacitance_tril(factor, diag):
    """The lower Cholesky factor of C = I + W^T D^-1 W."""
    m = factor.shape[-1]
    scaled = factor.mT / diag.unsqueeze(-2)
    return microtorch.linalg.cholesky(scaled @ factor + _identity(m, factor))


def _lowrank_logdet(factor, diag, capacitance_tril):
    """log det(W W^T + D) = log det C + log det D."""
    return (2 * capacitance_tril.diagonal(0, -2, -1).log().sum(-1) + diag.log().sum(-1))


def _lowrank_mahalanobis(factor, diag, x, capacitance_tril):
    """x^T (W W^T + D)^-1 x, by Woodbury: x^T D^-1 x - |L_C^-1 W^T D^-1 x|^2."""
    projected = ((factor.mT / diag.unsqueeze(-2)) @ x.unsqueeze(-1)).squeeze(-1)
    return (x.pow(2) / diag).sum(-1) - _mahalanobis(capacitance_tril, projected)


class LowRankMultivariateNormal(CenteredAtLoc):
    """Vectors (the last dim of loc) of covariance cov_factor @ cov_factor.mT +
    diag(cov_diag); the parameters' batch dims broadcast."""
    arg_constraints = {'loc': constraints.real_vector,
                       'cov_factor': constraints.independent(constraints.real, 2),
                       'cov_diag': constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, cov_factor, cov_diag, validate_args=None):
        if loc.dim() < 1:
            raise ValueError('loc must be at least one-dimensional.')
        event_shape = loc.shape[-1:]
        if cov_factor.dim() < 2:
            raise ValueError('cov_factor must be at least two-dimensional, with optional '
                             'leading batch dimensions')
        if cov_factor.shape[-2:-1] != event_shape:
            raise ValueError('cov_factor must be a batch of matrices with shape '
                             f'{event_shape[0]} x m')
        if cov_diag.shape[-1:] != event_shape:
            raise ValueError(f'cov_diag must be a batch of vectors with shape {event_shape}')
        # loc and cov_diag broadcast with cov_factor as its columns do
        try:
            loc_, self.cov_factor, diag_ = microtorch.broadcast_tensors(
                loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1))
        except RuntimeError as error:
            raise ValueError(f'Incompatible batch shapes: loc {loc.shape}, cov_factor '
                             f'{cov_factor.shape}, cov_diag {cov_diag.shape}') from error
        self.loc, self.cov_diag = loc_[..., 0], diag_[..., 0]
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)
        super().__init__(self.loc.shape[:-1], event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = microtorch.Size(batch_shape)
        new = self._blank(_instance)
        new.__dict__.update(self.__dict__)
        for name in ('variance', 'scale_tril', 'covariance_matrix', 'precision_matrix'):
            new.__dict__.pop(name, None)
        shape = batch_shape + self._event_shape
        new.loc, new.cov_diag = self.loc.expand(shape), self.cov_diag.expand(shape)
        new.cov_factor = self.cov_factor.expand(shape + self.cov_factor.shape[-1:])
        return self._finish_expand(new, batch_shape)

    def _square(self, matrix):
        return matrix.expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def variance(self):
        return (self._unbroadcasted_cov_factor.pow(2).sum(-1)
                + self._unbroadcasted_cov_diag).expand(self._batch_shape + self._event_shape)

    @lazy_property
    def scale_tril(self):
        # Sigma = D^1/2 (I + D^-1/2 W W^T D^-1/2) D^1/2: D^1/2 times the inner factor
        n = self._event_shape[0]
        root = self._unbroadcasted_cov_diag.sqrt().unsqueeze(-1)
        whitened = self._unbroadcasted_cov_factor / root
        inner = whitened @ whitened.mT + _identity(n, whitened)
        return self._square(root * microtorch.linalg.cholesky(inner))

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_cov_factor
        return self._square(factor @ factor.mT
                            + microtorch.diag_embed(self._unbroadcasted_cov_diag))

    @lazy_property
    def precision_matrix(self):
        diag = self._unbroadcasted_cov_diag
        scaled = self._unbroadcasted_cov_factor.mT / diag.unsqueeze(-2)
        solved = microtorch.linalg.solve_triangular(self._capacitance_tril, scaled,
                                                    upper=False)
        return self._square(microtorch.diag_embed(diag.reciprocal()) - solved.mT @ solved)

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        options = dict(dtype=self.loc.dtype, device=self.loc.device)
        factor_noise = microtorch.randn(shape[:-1] + self.cov_factor.shape[-1:], **options)
        diag_noise = microtorch.randn(shape, **options)
        return (self.loc
                + (self._unbroadcasted_cov_factor @ factor_noise.unsqueeze(-1)).squeeze(-1)
                + self._unbroadcasted_cov_diag.sqrt() * diag_noise)

    def _log_det(self):
        return _lowrank_logdet(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                               self._capacitance_tril)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        distance = _lowrank_mahalanobis(self._unbroadcasted_cov_factor,
                                        self._unbroadcasted_cov_diag, value - self.loc,
                                        self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * LOG_TWO_PI + self._log_det() + distance)

    def entropy(self):
        entropy = 0.5 * (self._event_shape[0] * (1.0 + LOG_TWO_PI) + self._log_det())
        return entropy.expand(self._batch_shape) if len(self._batch_shape) else entropy
