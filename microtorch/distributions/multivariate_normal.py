"""MultivariateNormal(loc, covariance_matrix | precision_matrix | scale_tril): the Gaussian of
vectors, carried by the lower Cholesky factor L of its covariance (Sigma = L L^T)."""
import math

import microtorch

from . import constraints
from .distribution import CenteredAtLoc
from .utils import lazy_property

__all__ = ['MultivariateNormal']

LOG_TWO_PI = math.log(2 * math.pi)


def _precision_to_scale_tril(precision):
    """L, lower triangular, with L L^T = P^-1: the Cholesky factor F of P with its rows and
    columns reversed gives P = U U^T with U = flip(F) upper triangular, so L = U^-T."""
    reversed_factor = microtorch.linalg.cholesky(precision.flip(-2, -1))
    inverse_factor = reversed_factor.flip(-2, -1).mT                # R, lower triangular
    identity = microtorch.eye(precision.shape[-1], dtype=precision.dtype,
                              device=precision.device)
    return microtorch.linalg.solve_triangular(inverse_factor, identity, upper=False)


def _mahalanobis(scale_tril, diff):
    """|L^-1 diff|^2 over the last dim, batch dims broadcast. The dims diff has in front of
    L's batch (sample dims) become columns of one triangular solve per matrix of L."""
    n = diff.shape[-1]
    batch = microtorch.broadcast_shapes(scale_tril.shape[:-2], diff.shape[:-1])
    leading = len(batch) - (scale_tril.dim() - 2)
    front, rest = batch[:leading], batch[leading:]
    columns = math.prod(front)
    x = diff.expand(batch + (n,)).reshape((columns,) + rest + (n,)).movedim(0, -1)
    solved = microtorch.linalg.solve_triangular(scale_tril.expand(rest + (n, n)), x,
                                                upper=False)
    return solved.pow(2).sum(-2).movedim(-1, 0).reshape(batch)


class MultivariateNormal(CenteredAtLoc):
    """The normal distribution of vectors (the last dim of loc) with the covariance given
    by exactly one of covariance_matrix, precision_matrix (its inverse) or scale_tril (its
    lower Cholesky factor, positive diagonal). Parameters broadcast over batch dims."""
    arg_constraints = {'loc': constraints.real_vector,
                       'covariance_matrix': constraints.positive_definite,
                       'precision_matrix': constraints.positive_definite,
                       'scale_tril': constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        if loc.dim() < 1:
            raise ValueError('loc must be at least one-dimensional.')
        given = [(name, m) for name, m in (('covariance_matrix', covariance_matrix),
                                           ('precision_matrix', precision_matrix),
                                           ('scale_tril', scale_tril)) if m is not None]
        if len(given) != 1:
            raise ValueError('Exactly one of covariance_matrix or precision_matrix or '
                             'scale_tril may be specified.')
        (name, matrix), = given
        if matrix.dim() < 2:
            what = 'scale_tril matrix' if name == 'scale_tril' else name
            raise ValueError(f'{what} must be at least two-dimensional, with optional leading '
                             'batch dimensions')
        batch_shape = microtorch.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        self.__dict__[name] = matrix.expand(batch_shape + (-1, -1))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == 'scale_tril':
            self._unbroadcasted_scale_tril = matrix
        elif name == 'covariance_matrix':
            self._unbroadcasted_scale_tril = microtorch.linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def _full(self, matrix):
        return matrix.expand(self._batch_shape + self._event_shape + self._event_shape)

    @lazy_property
    def scale_tril(self):
        return self._full(self._unbroadcasted_scale_tril)

    @lazy_property
    def covariance_matrix(self):
        factor = self._unbroadcasted_scale_tril
        return self._full(factor @ factor.mT)

    @lazy_property
    def precision_matrix(self):
        factor = self._unbroadcasted_scale_tril
        identity = microtorch.eye(factor.shape[-1], dtype=factor.dtype, device=factor.device)
        return self._full(microtorch.cholesky_solve(identity.expand(factor.shape), factor))

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            self._batch_shape + self._event_shape)

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        noise = microtorch.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ noise.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self):
        """log sqrt(det Sigma): the sum of the logs of L's diagonal."""
        return self._unbroadcasted_scale_tril.diagonal(0, -2, -1).log().sum(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        k = self._event_shape[0]
        distance = _mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (k * LOG_TWO_PI + distance) - self._half_log_det()

    def entropy(self):
        k = self._event_shape[0]
        entropy = 0.5 * k * (1.0 + LOG_TWO_PI) + self._half_log_det()
        return entropy.expand(self._batch_shape) if len(self._batch_shape) else entropy
