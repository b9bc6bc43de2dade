"""Poisson(rate): counts of events at a mean rate."""
import microtorch

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, broadcast_params

__all__ = ['Poisson']


class Poisson(Distribution):
    """Non-negative integer counts of mean and variance rate (rate >= 0)."""
    arg_constraints = {'rate': constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,), batch_shape = broadcast_params(rate)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        with microtorch.no_grad():
            return microtorch.poisson(self.rate.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return microtorch.xlogy(value, rate) - rate - (value + 1).lgamma()
