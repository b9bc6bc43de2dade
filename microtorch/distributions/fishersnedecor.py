"""FisherSnedecor(df1, df2): the F distribution, the ratio of two scaled chi-squares."""
import math

import microtorch

from . import constraints
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_params

__all__ = ['FisherSnedecor']


class FisherSnedecor(Distribution):
    """(X1 / df1) / (X2 / df2) for independent chi-squares X1, X2 of df1 and df2 degrees of
    freedom; rsample's gradients are the gamma draws' implicit ones."""
    arg_constraints = {'df1': constraints.positive, 'df2': constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1, df2, validate_args=None):
        (self.df1, self.df2), batch_shape = broadcast_params(df1, df2)
        # Gamma(df / 2, rate df) = chi-square / df (and they check df first, as PyTorch's)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._gamma1 = self._gamma1.expand(batch_shape)
        new._gamma2 = self._gamma2.expand(batch_shape)
        return new

    @property
    def mean(self):
        df2 = self.df2.masked_fill(self.df2 <= 2, math.nan)            # none for df2 <= 2
        return df2 / (df2 - 2)

    @property
    def mode(self):
        df1, df2 = self.df1, self.df2
        mode = (df1 - 2) / df1 * df2 / (df2 + 2)
        return microtorch.where(df1 > 2, mode, math.nan)               # none for df1 <= 2

    @property
    def variance(self):
        # none for df2 <= 4 (NaN there, in df1's gradient too, as PyTorch's)
        df1, df2 = self.df1, self.df2.masked_fill(self.df2 <= 4, math.nan)
        return 2 * df2.pow(2) * (df1 + df2 - 2) / (df1 * (df2 - 2).pow(2) * (df2 - 4))

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        numerator = self._gamma1.rsample(sample_shape).reshape(shape)
        denominator = self._gamma2.rsample(sample_shape).reshape(shape)
        tiny = microtorch.finfo(denominator.dtype).tiny
        ratio = numerator / denominator.clamp(min=tiny)
        ratio.detach().clamp_(min=tiny)                  # (no log(0) when scored)
        return ratio

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        half1, half2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        log_beta = (half1 + half2).lgamma() - half1.lgamma() - half2.lgamma()
        return (log_beta + half1 * ratio.log() + (half1 - 1) * value.log()
                - (half1 + half2) * microtorch.log1p(ratio * value))
