"""LogisticNormal(loc, scale): a Normal pushed onto the simplex by StickBreakingTransform."""
from . import constraints
from .normal import Normal
from .simplex_transforms import StickBreakingTransform
from .transformed_distribution import TransformedDistribution

__all__ = ['LogisticNormal']


class LogisticNormal(TransformedDistribution):
    """X on the simplex of K+1 coordinates with log(X / (1 - X.cumsum(-1)))[..., :-1] ~
    Normal(loc, scale) (K = loc's last dim; scalar parameters give K = 1)."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        base_dist = Normal(loc, scale, validate_args=validate_args)
        if not base_dist.batch_shape:
            base_dist = base_dist.expand([1])
        super().__init__(base_dist, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self):
        return self.base_dist.base_dist.loc

    @property
    def scale(self):
        return self.base_dist.base_dist.scale
