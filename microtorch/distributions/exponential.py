"""Exponential(rate): waiting times of a Poisson process."""
import microtorch

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, is_number

__all__ = ['Exponential']


class Exponential(Distribution):
    """The exponential distribution of the given rate (1 / mean)."""
    arg_constraints = {'rate': constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(microtorch.Size() if is_number(rate) else self.rate.size(),
                         validate_args=validate_args)

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return microtorch.zeros_like(self.rate)

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate.pow(-2)

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        unit = microtorch.empty(shape, dtype=self.rate.dtype, device=self.rate.device)
        return unit.exponential_() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - microtorch.exp(-self.rate * value)

    def icdf(self, value):
        return -microtorch.log1p(-value) / self.rate

    def entropy(self):
        return 1.0 - microtorch.log(self.rate)
