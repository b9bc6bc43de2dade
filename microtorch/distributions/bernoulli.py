"""Bernoulli(probs=None, logits=None): a coin that shows 1 with probability probs."""
import math

import microtorch

from . import constraints
from .discrete import BinaryParams, enumerate_values
from .utils import broadcast_all

__all__ = ['Bernoulli']


def _binary_cross_entropy_with_logits(logits, target):
    from microtorch.nn import functional
    return functional.binary_cross_entropy_with_logits(logits, target, reduction='none')


class Bernoulli(BinaryParams):
    """Draws 1 with probability probs (or sigmoid(logits)) and 0 otherwise; give one of the
    two, a float or a tensor."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        _, batch_shape = self._set_param(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs)
        mode[self.probs == 0.5] = math.nan        # a fair coin has no single mode
        return mode

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        with microtorch.no_grad():
            return microtorch.bernoulli(self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -_binary_cross_entropy_with_logits(logits, value)

    def entropy(self):
        return _binary_cross_entropy_with_logits(self.logits, self.probs)

    def enumerate_support(self, expand=True):
        values = microtorch.arange(2, dtype=self._param.dtype, device=self._param.device)
        return enumerate_values(values, self._batch_shape, expand)
