"""What Bernoulli and Categorical share: one of probs or logits, and their supports."""
import microtorch

__all__ = ['require_one_of', 'enumerate_values']


def require_one_of(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError('Either `probs` or `logits` must be specified, but not both.')


def enumerate_values(values, batch_shape, expand):
    """The support's values along dim 0, over (expand) or broadcastable to the batch."""
    values = values.reshape((-1,) + (1,) * len(batch_shape))
    if expand:
        values = values.expand((-1,) + tuple(batch_shape))
    return values


def param_dtype_device(param):
    return dict(dtype=param.dtype, device=param.device)


def nan_full(distribution):
    """mean and variance of a distribution over unordered classes: undefined (NaN)."""
    return microtorch.full(distribution._extended_shape(), float('nan'),
                           **param_dtype_device(distribution.probs))
