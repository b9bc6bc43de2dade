"""NegativeBinomial(total_count, probs | logits): the number of successes before
total_count failures, drawn as a Poisson of gamma-distributed rate."""
import microtorch

from . import constraints
from .discrete import BinaryParams
from .gamma import Gamma
from .utils import lazy_property

__all__ = ['NegativeBinomial']


def _log_sigmoid(x):
    return microtorch.nn.functional.logsigmoid(x)


class NegativeBinomial(BinaryParams):
    """Successes (each of probability probs) counted until total_count failures; total_count
    may be any non-negative real (the Poisson-gamma mixture)."""
    arg_constraints = {'total_count': constraints.greater_than_eq(0),
                       'probs': constraints.half_open_interval(0.0, 1.0),
                       'logits': constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (total_count,), batch_shape = self._set_param(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new.__dict__.pop('_gamma', None)             # (made again, over the new batch)
        return new

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / microtorch.sigmoid(-self.logits)

    @lazy_property
    def _gamma(self):
        # the rate of the Poisson: Gamma(total_count, scale p / (1 - p))
        return Gamma(self.total_count, (-self.logits).exp(), validate_args=False)

    def sample(self, sample_shape=microtorch.Size()):
        with microtorch.no_grad():
            return microtorch.poisson(self._gamma.sample(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        unnormalized = (self.total_count * _log_sigmoid(-self.logits)
                        + value * _log_sigmoid(self.logits))
        normalization = (-(self.total_count + value).lgamma() + (1.0 + value).lgamma()
                         + self.total_count.lgamma())
        # no failures needed and none seen: probability 1, whatever lgamma(0) says
        normalization = normalization.masked_fill(self.total_count + value == 0.0, 0.0)
        return unnormalized - normalization
