"""Laplace(loc, scale) and Cauchy(loc, scale): two location-scale families with heavier
tails than the normal."""
import math

import microtorch

from . import constraints
from .distribution import Distribution
from .utils import broadcast_params

__all__ = ['Laplace', 'Cauchy']


class _LocationScale(Distribution):
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        (self.loc, self.scale), batch_shape = broadcast_params(loc, scale)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mode(self):
        return self.loc

    def _empty(self, sample_shape):
        return microtorch.empty(self._extended_shape(sample_shape), dtype=self.loc.dtype,
                                device=self.loc.device)


class Laplace(_LocationScale):
    """The double exponential: density exp(-|x - loc| / scale) / (2 scale)."""

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return math.sqrt(2) * self.scale

    def rsample(self, sample_shape=microtorch.Size()):
        # u uniform on (-1, 1), kept off -1 so that log1p(-|u|) stays finite
        eps = microtorch.finfo(self.loc.dtype).eps
        unit = self._empty(sample_shape).uniform_(eps - 1, 1)
        return self.loc - self.scale * unit.sign() * microtorch.log1p(-unit.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -microtorch.log(2 * self.scale) - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        offset = value - self.loc
        return 0.5 - 0.5 * offset.sign() * microtorch.expm1(-offset.abs() / self.scale)

    def icdf(self, value):
        centred = value - 0.5
        return self.loc - self.scale * centred.sign() * microtorch.log1p(-2 * centred.abs())

    def entropy(self):
        return 1 + microtorch.log(2 * self.scale)


class Cauchy(_LocationScale):
    """The Cauchy (Lorentz) distribution: no mean, no variance."""

    @property
    def mean(self):
        return self._full(math.nan, self.loc)

    @property
    def variance(self):
        return self._full(math.inf, self.loc)

    def rsample(self, sample_shape=microtorch.Size()):
        return self.loc + self._empty(sample_shape).cauchy_() * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - (((value - self.loc) / self.scale) ** 2).log1p())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return microtorch.atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return microtorch.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()
