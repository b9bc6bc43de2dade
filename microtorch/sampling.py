"""Random sampling beyond the creation functions: `normal`, `bernoulli`, `multinomial`,
`poisson`, and the tensors' in-place fills (`uniform_`, `normal_`, `bernoulli_`,
`exponential_`, `geometric_`, `log_normal_`, `cauchy_`, `random_`).

Draws come from microtorch's default generator (or the one given) on the host and are moved
once. A sample is never on the graph: PyTorch records these ops with a zero gradient, which
changes nothing a backward computes.
"""
import numpy as np

from . import _dtype
from . import backends
from ._size import broadcast_shapes
from .creation import _finish
from .random import default_generator
from .tensor import Tensor


def _host(tensor):
    return backends.for_array(tensor._data).to_host(tensor._data)


def _generator(generator):
    return (generator or default_generator).numpy


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std^2): mean and std numbers (with size) or tensors (broadcast)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for t in tensors:
        if not t.is_floating_point():
            raise NotImplementedError(f'"normal_kernel_cpu" not implemented for '
                                      f"'{_dtype.type_name(t.dtype)}'")
    mean_values = _host(mean) if isinstance(mean, Tensor) else mean
    std_values = _host(std) if isinstance(std, Tensor) else std
    if isinstance(std, Tensor) and np.any(std_values < 0):
        raise RuntimeError('normal expects all elements of std >= 0.0')
    if np.any(np.asarray(std_values) < 0):
        raise RuntimeError(f'normal expects std >= 0.0, but found std '
                           f'{np.min(std_values):g}')
    if tensors:
        shapes = [t._data.shape for t in tensors]
        shape = broadcast_shapes(*shapes) if len(shapes) == 2 else shapes[0]
        np_dtype = tensors[-1].dtype if len(tensors) == 1 else _dtype.promote_types(
            *[t.dtype for t in tensors])
        np_dtype = np_dtype.np
        device = tensors[0].device if device is None else device
    else:
        if size is None:
            raise TypeError('normal() missing required argument: size (when mean and std '
                            'are numbers)')
        shape = tuple(size)
        np_dtype = (_dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float).np
    noise = _generator(generator).standard_normal(shape)
    # (np.asarray: 0-d tensors give a NumPy scalar here, not an array)
    return _finish(np.asarray(mean_values + std_values * noise).astype(np_dtype), None, device,
                   requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p), else 0, in input's dtype."""
    if p is None:
        _floating_only(input, f'bernoulli_tensor_{input.device.type}_p_')
        _check_probability(_host(input), _P_IN)
        probability = _host(input)
    else:
        _check_probability(p, f'bernoulli_ expects p to be in [0, 1], but got p={p}')
        probability = p
    draws = np.asarray(_generator(generator).random(input._data.shape) < probability)
    return _finish(draws.astype(input._data.dtype), None, input.device)


_P_IN = ('Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message '
         'be improved?  If so, please report an enhancement request to PyTorch.)')


def _check_probability(probability, message):
    values = np.asarray(probability)
    if np.any((values < 0) | (values > 1)) or np.any(np.isnan(values)):
        raise RuntimeError(message)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples category indices per row of weights input (1-d or 2-d), with or without
    replacement; int64."""
    if input.ndim not in (1, 2):
        raise RuntimeError('prob_dist must be 1 or 2 dim')
    if not input.is_floating_point():
        raise RuntimeError('multinomial only supports floating-point dtypes for input, got: '
                           f'{_dtype.type_name(input.dtype)}')
    if num_samples <= 0:
        raise RuntimeError('cannot sample n_sample <= 0 samples')
    weights = np.atleast_2d(_host(input)).astype(np.float64)
    if not replacement and num_samples > weights.shape[1]:
        raise RuntimeError('cannot sample n_sample > prob_dist.size(-1) samples without '
                           'replacement')
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError('probability tensor contains either `inf`, `nan` or element < 0')
    if np.any(weights.sum(axis=1) <= 0):
        raise RuntimeError('invalid multinomial distribution (sum of probabilities <= 0)')
    rng = _generator(generator)
    rows = []
    for row in weights:
        if replacement:
            rows.append(rng.choice(len(row), num_samples, p=row / row.sum()))
            continue
        # Without replacement: the first num_samples keys of exponential races (weights
        # of zero never win while any positive weight is left).
        with np.errstate(divide='ignore'):
            keys = rng.exponential(size=len(row)) / row
        rows.append(np.argsort(keys, kind='stable')[:num_samples])
    samples = np.array(rows, dtype=np.int64).reshape(len(weights), num_samples)
    return _finish(samples if input.ndim == 2 else samples[0], None, input.device)


def poisson(input, generator=None):
    """Samples of Poisson(rate) for each rate in input, in input's dtype."""
    _floating_only(input, f'poisson_{input.device.type}')
    rates = _host(input)
    if np.any(rates < 0):
        raise RuntimeError('invalid Poisson rate, expected rate to be non-negative')
    draws = np.asarray(_generator(generator).poisson(rates))
    return _finish(draws.astype(input._data.dtype), None, input.device)


# ---- in-place fills ----------------------------------------------------------------------------

def _fill_with(tensor, values):
    """Write host values into tensor in place, as `tensor[...] = values` does (its checks:
    a leaf that requires grad is refused in grad mode)."""
    from ._tensor_methods import _setitem
    values = Tensor._make(backends.for_array(tensor._data).from_host(
        np.ascontiguousarray(values, dtype=tensor._data.dtype), tensor.device))
    return _setitem(tensor, Ellipsis, values)


def _floating_only(tensor, kernel):
    if not tensor.is_floating_point():
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_dtype.type_name(tensor.dtype)}'")


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    _floating_only(self, 'check_uniform_bounds')
    if a > b:
        raise RuntimeError(f'uniform_ expects to return a [from, to) range, but found '
                           f'from={a:g} > to={b:g}')
    return _fill_with(self, _generator(generator).uniform(a, b, self._data.shape))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    _floating_only(self, 'normal_kernel_cpu')
    if std < 0:
        raise RuntimeError(f'normal expects std >= 0.0, but found std {std:g}')
    return _fill_with(self, _generator(generator).normal(mean, std, self._data.shape))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _floating_only(self, 'log_normal_cpu')
    if std <= 0:
        raise RuntimeError(f'log_normal_ expects std > 0.0, but found std={std:g}')
    return _fill_with(self, _generator(generator).lognormal(mean, std, self._data.shape))


def bernoulli_(self, p=0.5, *, generator=None):
    probability = _host(p) if isinstance(p, Tensor) else p
    _check_probability(probability, _P_IN if isinstance(p, Tensor) else
                       f'bernoulli_ expects p to be in [0, 1], but got p={p}')
    draws = _generator(generator).random(self._data.shape) < probability
    return _fill_with(self, draws)


def _continuous_only(tensor, name, type_name):
    if not tensor.is_floating_point():
        raise RuntimeError(f'{name} distribution is a continuous probability distribution. dtype '
                           f'must be a floating point but you specified {type_name(tensor.dtype)}')


def exponential_(self, lambd=1.0, *, generator=None):
    _continuous_only(self, 'Exponential', _dtype.type_name)
    if not lambd > 0:
        raise RuntimeError(f'exponential_ expects lambda > 0.0, but found lambda={lambd:g}')
    return _fill_with(self, _generator(generator).exponential(1 / lambd, self._data.shape))


def geometric_(self, p, *, generator=None):
    if self.dtype is _dtype.bool_:
        raise NotImplementedError(f'"geometric_{self.device.type}" not implemented for '
                                  "'Bool'")
    if not 0 < p < 1:
        raise RuntimeError(f'geometric_ expects p to be in (0, 1), but got p={p:g}')
    return _fill_with(self, _generator(generator).geometric(p, self._data.shape))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _continuous_only(self, 'Cauchy', _dtype.c_type_name)
    if not sigma > 0:
        raise RuntimeError(f'cauchy_ expects sigma > 0.0, but found sigma={sigma:g}')
    draws = median + sigma * _generator(generator).standard_cauchy(self._data.shape)
    return _fill_with(self, draws)


def random_(self, from_=None, to=None, *, generator=None):
    """Integers drawn uniformly from [from, to) (random_(to): [0, to); random_(): [0, 2^mantissa]
    for floats, [0, max] for integers)."""
    if from_ is not None and to is None:
        from_, to = 0, from_
    low = 0 if from_ is None else from_
    if to is None:
        if self.is_floating_point():
            to = 2 ** (np.finfo(self._data.dtype).nmant + 1) + 1
        else:
            to = int(np.iinfo(self._data.dtype).max) if self.dtype is not _dtype.bool_ else 2
    if low >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f'from={low} >= to={to}')
    return _fill_with(self, _generator(generator).integers(low, to, self._data.shape))


for _fill in (uniform_, normal_, log_normal_, bernoulli_, exponential_, geometric_, cauchy_,
              random_):
    setattr(Tensor, _fill.__name__, _fill)
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial
del _fill
