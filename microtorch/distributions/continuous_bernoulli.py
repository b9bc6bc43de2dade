"""ContinuousBernoulli(probs | logits, lims=(0.499, 0.501)): the density on [0, 1]
proportional to probs^x (1 - probs)^(1 - x).

Its normalising constant, mean and variance have the form 0/0 at probs = 1/2; inside lims
they come from Taylor expansions about 1/2 instead, as PyTorch's do."""
import math

import microtorch

from . import constraints
from .discrete import BinaryParams
from .utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ['ContinuousBernoulli']


class ContinuousBernoulli(BinaryParams):
    """The continuous Bernoulli of parameter probs (or its log-odds, logits), with
    reparameterized draws by its inverse CDF."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        _, batch_shape = self._set_param(probs, logits)
        if probs is not None:
            # PyTorch checks probs whenever validate_args is given (even False), then keeps
            # them an epsilon inside (0, 1)
            if validate_args is not None and not bool(
                    self.arg_constraints['probs'].check(self.probs).all()):
                raise ValueError('The parameter probs has invalid values')
            self.probs = self._param = clamp_probs(self.probs)
        self._lims = lims
        super().__init__(batch_shape, validate_args=validate_args)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        """probs, with those inside lims replaced by lims[0] (their exact forms unused)."""
        return microtorch.where(self._outside_unstable_region(), self.probs,
                                microtorch.full_like(self.probs, self._lims[0]))

    def _cont_bern_log_norm(self):
        """log C(probs), C = 2 atanh(1 - 2 p) / (1 - 2 p), the normalising constant."""
        cut = self._cut_probs()
        below = microtorch.where(cut <= 0.5, cut, microtorch.zeros_like(cut))
        above = microtorch.where(cut >= 0.5, cut, microtorch.ones_like(cut))
        log_norm = ((microtorch.log1p(-cut) - cut.log()).abs().log()
                    - microtorch.where(cut <= 0.5, microtorch.log1p(-2.0 * below),
                                       (2.0 * above - 1.0).log()))
        x = (self.probs - 0.5).pow(2)
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return microtorch.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        cut = self._cut_probs()
        exact = cut / (2.0 * cut - 1.0) + 1.0 / (microtorch.log1p(-cut) - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x.pow(2)) * x
        return microtorch.where(self._outside_unstable_region(), exact, taylor)

    @property
    def variance(self):
        cut = self._cut_probs()
        exact = (cut * (cut - 1.0) / (1.0 - 2.0 * cut).pow(2)
                 + 1.0 / (microtorch.log1p(-cut) - cut.log()).pow(2))
        x = (self.probs - 0.5).pow(2)
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return microtorch.where(self._outside_unstable_region(), exact, taylor)

    def sample(self, sample_shape=microtorch.Size()):
        with microtorch.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        unit = microtorch.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
        return self.icdf(unit)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        cross_entropy = microtorch.nn.functional.binary_cross_entropy_with_logits(
            logits, value, reduction='none')
        return -cross_entropy + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        cut = self._cut_probs()
        exact = (cut.pow(value) * (1.0 - cut).pow(1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        inside = microtorch.where(self._outside_unstable_region(), exact, value)
        return microtorch.where(value <= 0.0, microtorch.zeros_like(value),
                                microtorch.where(value >= 1.0, microtorch.ones_like(value),
                                                 inside))

    def icdf(self, value):
        cut = self._cut_probs()
        exact = ((microtorch.log1p(-cut + value * (2.0 * cut - 1.0)) - microtorch.log1p(-cut))
                 / (cut.log() - microtorch.log1p(-cut)))
        return microtorch.where(self._outside_unstable_region(), exact, value)

    def entropy(self):
        log_probs0, log_probs1 = microtorch.log1p(-self.probs), self.probs.log()
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0
