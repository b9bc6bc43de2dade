"""Categorical(probs=None, logits=None): one of K classes, by weight or by log weight."""
import microtorch

from . import constraints
from .discrete import enumerate_values, nan_full, require_one_of
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits

__all__ = ['Categorical']


class Categorical(Distribution):
    """Draws a class index in [0, K), K = the size of the last dim of probs or logits (the
    other dims are the batch). probs are normalised to sum to 1 along the last dim, logits to
    logsumexp 0; `probs` and `logits` return the normalised values."""
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        require_one_of(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError('`probs` parameter must be at least one-dimensional.')
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            if logits.dim() < 1:
                raise ValueError('`logits` parameter must be at least one-dimensional.')
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = self._param.size()[:-1] if self._param.dim() > 1 else microtorch.Size()
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return nan_full(self)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return nan_full(self)

    def sample(self, sample_shape=microtorch.Size()):
        sample_shape = microtorch.Size(sample_shape)
        with microtorch.no_grad():
            rows = self.probs.reshape(-1, self._num_events)
            draws = microtorch.multinomial(rows, sample_shape.numel(), True).T
            return draws.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = microtorch.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        # -inf logits (classes of probability 0) count 0, not nan (0 * -inf).
        logits = self.logits.clamp(min=microtorch.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = microtorch.arange(self._num_events, dtype=microtorch.int64,
                                   device=self._param.device)
        return enumerate_values(values, self._batch_shape, expand)
