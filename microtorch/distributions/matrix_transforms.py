"""Transforms onto sets of matrices, as PyTorch's: LowerCholeskyTransform (Cholesky factors),
PositiveDefiniteTransform (covariance matrices) and CorrCholeskyTransform (Cholesky factors of
correlation matrices, from real vectors)."""
import math

import microtorch

from . import constraints
from .transforms import ParameterFreeTransform, Transform
from .utils import tril_matrix_to_vec, vec_to_tril_matrix

__all__ = ['LowerCholeskyTransform', 'PositiveDefiniteTransform', 'CorrCholeskyTransform']


class LowerCholeskyTransform(ParameterFreeTransform):
    """Square matrices -> the strictly lower part kept, exp of the diagonal on the diagonal
    (the upper part dropped, so not a bijection)."""
    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def _call(self, x):
        return x.tril(-1) + x.diagonal(0, -2, -1).exp().diag_embed()

    def _inverse(self, y):
        return y.tril(-1) + y.diagonal(0, -2, -1).log().diag_embed()


class PositiveDefiniteTransform(ParameterFreeTransform):
    """Square matrices -> L L^T, L their LowerCholeskyTransform."""
    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def _call(self, x):
        factor = LowerCholeskyTransform()(x)
        return factor @ factor.mT

    def _inverse(self, y):
        return LowerCholeskyTransform().inv(microtorch.linalg.cholesky(y))


class CorrCholeskyTransform(Transform):
    """Real vectors of D(D-1)/2 entries -> D x D Cholesky factors of correlation matrices.

    The vector fills the strictly lower triangle row by row, through tanh into (-1, 1); each
    row is then made of unit length by a signed stick-breaking: entry j keeps its sign and
    takes the share r_j^2 of what the entries before it left, the diagonal the rest.
    """
    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def _call(self, x):
        x = x.tanh()
        eps = microtorch.finfo(x.dtype).eps
        r = vec_to_tril_matrix(x.clamp(min=-1 + eps, max=1 - eps), diag=-1)
        # y_ij = r_ij * sqrt(prod_{k<j} (1 - r_ik^2)), with r_ii = 1 on the diagonal
        left = (1 - r ** 2).sqrt().cumprod(-1)
        r = r + microtorch.eye(r.shape[-1], dtype=r.dtype, device=r.device)
        return r * microtorch.nn.functional.pad(left[..., :-1], [1, 0], value=1)

    def _inverse(self, y):
        left = 1 - (y * y).cumsum(-1)
        left_before = microtorch.nn.functional.pad(left[..., :-1], [1, 0], value=1)
        r = tril_matrix_to_vec(y, diag=-1) / tril_matrix_to_vec(left_before, diag=-1).sqrt()
        return (r.log1p() - r.neg().log1p()) / 2            # atanh

    def log_abs_det_jacobian(self, x, y, intermediates=None):
        # The vector and the matrix have different sizes: this is the Jacobian of x onto the
        # strictly lower triangle of y (the rest follows from it).
        left = 1 - (y * y).cumsum(-1)
        # diag=-2 reads each entry's share of what the entries before it left
        stick_breaking = 0.5 * tril_matrix_to_vec(left, diag=-2).log().sum(-1)
        softplus = microtorch.nn.functional.softplus
        tanh = -2 * (x + softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick_breaking + tanh

    def forward_shape(self, shape):
        if len(shape) < 1:
            raise ValueError('Too few dimensions on input')
        size = shape[-1]
        dim = round((0.25 + 2 * size) ** 0.5 + 0.5)
        if dim * (dim - 1) // 2 != size:
            raise ValueError('Input is not a flattened lower-diagonal number')
        return shape[:-1] + (dim, dim)

    def inverse_shape(self, shape):
        if len(shape) < 2:
            raise ValueError('Too few dimensions on input')
        if shape[-2] != shape[-1]:
            raise ValueError('Input is not square')
        dim = shape[-1]
        return shape[:-2] + (dim * (dim - 1) // 2,)
