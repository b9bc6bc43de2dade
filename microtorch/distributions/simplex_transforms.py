"""Transforms from real vectors onto the probability simplex, as PyTorch's:
SoftmaxTransform (exp and normalise: not a bijection, kind to coordinate-wise optimisers) and
StickBreakingTransform (a bijection onto the simplex of one more dim, for samplers)."""
import microtorch

from . import constraints
from .transforms import ParameterFreeTransform

__all__ = ['SoftmaxTransform', 'StickBreakingTransform']


def _check_has_a_dim(shape):
    if len(shape) < 1:
        raise ValueError('Too few dimensions on input')


def _clipped_sigmoid(x):
    """sigmoid(x) kept inside (0, 1) by the dtype's tiny and eps."""
    info = microtorch.finfo(x.dtype)
    return microtorch.sigmoid(x).clamp(min=info.tiny, max=1.0 - info.eps)


class SoftmaxTransform(ParameterFreeTransform):
    """y = exp(x) / sum(exp(x)) over the last dim; the inverse is log(y) (one of the many x
    that give y). No log_abs_det_jacobian: the map is not a bijection."""
    domain = constraints.real_vector
    codomain = constraints.simplex

    def _call(self, x):
        probs = (x - x.max(-1, True)[0]).exp()
        return probs / probs.sum(-1, True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        _check_has_a_dim(shape)
        return shape

    def inverse_shape(self, shape):
        _check_has_a_dim(shape)
        return shape


def _offset_logs(x):
    """log(K - k) for k = 0 .. K-1 along x's last dim (K its size): subtracting them centres
    the stick-breaking map (x = 0 gives the simplex's centre)."""
    size = x.shape[-1]
    return (size + 1 - x.new_ones(size).cumsum(-1)).log()


class StickBreakingTransform(ParameterFreeTransform):
    """The K-vector x onto the (K+1)-simplex: the k-th coordinate takes the fraction
    sigmoid(x_k - log(K - k)) of what the previous ones left."""
    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def _call(self, x):
        pad = microtorch.nn.functional.pad
        z = _clipped_sigmoid(x - _offset_logs(x))
        left = (1 - z).cumprod(-1)
        return pad(z, [0, 1], value=1) * pad(left, [1, 0], value=1)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        offset = (y.shape[-1] - y.new_ones(y_crop.shape[-1]).cumsum(-1)).log()
        # what is left of the stick, kept positive where rounding takes it to 0 or below
        left = (1 - y_crop.cumsum(-1)).clamp(min=microtorch.finfo(y.dtype).tiny)
        return y_crop.log() - left.log() + offset

    def log_abs_det_jacobian(self, x, y):
        x = x - _offset_logs(x)
        # 1 - sigmoid(x) = exp(-x) sigmoid(x)
        logsigmoid = microtorch.nn.functional.logsigmoid
        return (-x + logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        _check_has_a_dim(shape)
        return shape[:-1] + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        _check_has_a_dim(shape)
        return shape[:-1] + (shape[-1] - 1,)
