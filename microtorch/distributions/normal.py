"""Normal(loc, scale): the Gaussian."""
import math

import microtorch

from . import constraints
from .distribution import CenteredAtLoc
from .utils import broadcast_all, is_number

__all__ = ['Normal']

HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


class Normal(CenteredAtLoc):
    """The normal distribution of mean loc and standard deviation scale (floats or tensors
    that broadcast together)."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        scalar = is_number(loc) and is_number(scale)
        super().__init__(microtorch.Size() if scalar else self.loc.size(),
                         validate_args=validate_args)

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale.pow(2)

    def sample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        with microtorch.no_grad():
            return microtorch.normal(self.loc.expand(shape), self.scale.expand(shape))

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        noise = microtorch.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + noise * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (-((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log()
                - HALF_LOG_TWO_PI)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + microtorch.erf((value - self.loc) / self.scale / math.sqrt(2)))

    def icdf(self, value):
        return self.loc + self.scale * microtorch.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self):
        return 0.5 + HALF_LOG_TWO_PI + microtorch.log(self.scale)
