"""GeneralizedPareto(loc, scale, concentration): the law of exceedances over a high threshold
(Exponential at concentration 0, a shifted Pareto above it, bounded below it)."""
import math

import microtorch

from . import constraints
from .distribution import Distribution
from .utils import broadcast_params

__all__ = ['GeneralizedPareto']


class GeneralizedPareto(Distribution):
    """Survival function (1 + concentration z)^(-1 / concentration), z = (x - loc) / scale
    (exp(-z) at concentration 0), on [loc, loc - scale / concentration] for negative
    concentration and [loc, inf) otherwise."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive,
                       'concentration': constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        (self.loc, self.scale, self.concentration), batch_shape = broadcast_params(
            loc, scale, concentration)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def support(self):
        upper = microtorch.where(self.concentration < 0,
                                 self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)

    def _at_zero(self, zero=None):
        """Where concentration is (close to) 0, and concentration with those set to 1 (so
        that the other branch stays finite there). PyTorch's scores compare with a float32
        zero (so that they refuse float64 parameters, with isclose's error), its icdf with
        one of the parameters' dtype."""
        zero = microtorch.tensor(0.0) if zero is None else zero
        at_zero = microtorch.isclose(self.concentration, zero)
        safe = microtorch.where(at_zero, microtorch.ones_like(self.concentration),
                                self.concentration)
        return at_zero, safe

    def _z(self, x):
        return (x - self.loc) / self.scale

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        unit = microtorch.rand(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.icdf(unit)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        at_zero, safe = self._at_zero()
        power = 1 / safe + microtorch.ones_like(z)
        nonzero = microtorch.where(power == 0, power, power * microtorch.log1p(safe * z))
        return -self.scale.log() - microtorch.where(at_zero, z, nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        at_zero, safe = self._at_zero()
        return microtorch.where(at_zero, -z, -microtorch.log1p(safe * z) / safe)

    def log_cdf(self, value):
        return microtorch.log1p(-self.log_survival_function(value).exp())

    def cdf(self, value):
        return self.log_cdf(value).exp()

    def icdf(self, value):
        at_zero, safe = self._at_zero(microtorch.zeros_like(self.concentration))
        log_survival = microtorch.log1p(-value)
        nonzero = self.loc + self.scale / safe * microtorch.expm1(-safe * log_survival)
        return microtorch.where(at_zero, self.loc - self.scale * log_survival, nonzero)

    @property
    def mean(self):
        valid = self.concentration < 1                      # (none for concentration >= 1)
        safe = microtorch.where(valid, self.concentration, 0.5)
        return microtorch.where(valid, self.loc + self.scale / (1 - safe), math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5                    # (none for concentration >= 1/2)
        safe = microtorch.where(valid, self.concentration, 0.25)
        variance = self.scale ** 2 / ((1 - safe) ** 2 * (1 - 2 * safe))
        return microtorch.where(valid, variance, math.nan)

    @property
    def mode(self):
        return self.loc

    def entropy(self):
        return (self.scale.log() + self.concentration + 1).broadcast_to(self._batch_shape)
