"""StudentT(df, loc=0., scale=1.): the heavy-tailed law of a normal over the root of a
scaled chi-squared."""
import math

import microtorch

from . import constraints
from .distribution import Distribution
from .gamma import Chi2
from .utils import broadcast_params

__all__ = ['StudentT']


class StudentT(Distribution):
    """Student's t with df degrees of freedom, shifted by loc and scaled by scale."""
    arg_constraints = {'df': constraints.positive, 'loc': constraints.real,
                       'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        (self.df, self.loc, self.scale), batch_shape = broadcast_params(df, loc, scale)
        self._chi2 = Chi2(self.df)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self):
        # no mean for df <= 1
        return microtorch.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        df = self.df
        finite = self.scale.pow(2) * df / microtorch.where(df > 2, df - 2, 1.0)
        infinite_or_nan = microtorch.where(df > 1, math.inf, math.nan)
        return microtorch.where(df > 2, finite, infinite_or_nan)

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        normal = microtorch.randn(shape, dtype=self.df.dtype, device=self.df.device)
        chi2 = self._chi2.rsample(sample_shape)
        # (PyTorch's order of operations, so that the values round as there)
        return self.loc + self.scale * (normal * (chi2 / self.df).rsqrt())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        half_df = 0.5 * self.df
        log_normalizer = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
                          + half_df.lgamma() - (half_df + 0.5).lgamma())
        return -0.5 * (self.df + 1.0) * (y.pow(2) / self.df).log1p() - log_normalizer

    def entropy(self):
        half_df = 0.5 * self.df
        log_beta = half_df.lgamma() + math.lgamma(0.5) - (half_df + 0.5).lgamma()
        return (self.scale.log() + (half_df + 0.5) * ((half_df + 0.5).digamma()
                                                      - half_df.digamma())
                + 0.5 * self.df.log() + log_beta)
