"""What the discrete distributions share: one of probs or logits, and their supports."""
from .distribution import Distribution
from .utils import broadcast_params, lazy_property, logits_to_probs, probs_to_logits

__all__ = ['require_one_of', 'enumerate_values', 'BinaryParams']


def require_one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError('Either `probs` or `logits` must be specified, but not both.')


def enumerate_values(values, batch_shape, expand):
    """The support's values along dim 0, over (expand) or broadcastable to the batch."""
    values = values.reshape((-1,) + (1,) * len(batch_shape))
    if expand:
        values = values.expand((-1,) + tuple(batch_shape))
    return values


def nan_full(distribution):
    """mean and variance of a distribution over unordered classes: undefined (NaN)."""
    return distribution._full(float('nan'), distribution.probs)


class BinaryParams(Distribution):
    """A family of trials that succeed with probs, given as probs or as logits (log-odds),
    exactly one of the two; the other is made when asked for (Bernoulli, Binomial,
    Geometric)."""

    def _set_param(self, probs, logits, *others):
        """Store the given one of probs and logits, broadcast with the other parameters;
        returns those others as tensors and the batch shape."""
        require_one_of(probs, logits)
        given = probs if probs is not None else logits
        tensors, batch_shape = broadcast_params(*others, given)
        param = tensors[-1]
        if probs is not None:
            self.probs = param
        else:
            self.logits = param
        self._param = param
        return tensors[:-1], batch_shape

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.size()
