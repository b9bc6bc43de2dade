"""Gamma(concentration, rate) and Chi2(df) = Gamma(df / 2, 1 / 2)."""
import microtorch

from . import constraints
from .distribution import Distribution
from .gamma_functions import regularized_gamma_p, standard_gamma
from .utils import broadcast_params

__all__ = ['Gamma', 'Chi2']


class Gamma(Distribution):
    """The gamma distribution of shape `concentration` and inverse scale `rate` (mean
    concentration / rate). rsample's gradients w.r.t. concentration are the implicit
    reparameterization's (see gamma_functions)."""
    arg_constraints = {'concentration': constraints.positive, 'rate': constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        (self.concentration, self.rate), batch_shape = broadcast_params(concentration, rate)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        draws = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        draws.detach().clamp_(min=microtorch.finfo(draws.dtype).tiny)     # (no log(0))
        return draws

    def log_prob(self, value):
        value = microtorch.as_tensor(value, dtype=self.rate.dtype, device=self.rate.device)
        if self._validate_args:
            self._validate_sample(value)
        return (microtorch.xlogy(self.concentration, self.rate)
                + microtorch.xlogy(self.concentration - 1, value)
                - self.rate * value - self.concentration.lgamma())

    def entropy(self):
        return (self.concentration - self.rate.log() + self.concentration.lgamma()
                + (1.0 - self.concentration) * self.concentration.digamma())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return regularized_gamma_p(self.concentration, self.rate * value)


class Chi2(Gamma):
    """The chi-squared distribution with df degrees of freedom."""
    arg_constraints = {'df': constraints.positive}
    _expanded_params = ('concentration', 'rate')

    def __init__(self, df, validate_args=None):
        (df,), _ = broadcast_params(df)
        super().__init__(0.5 * df, 0.5, validate_args=validate_args)

    @property
    def df(self):
        return self.concentration * 2
