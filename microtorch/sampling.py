"""Random sampling beyond the creation functions: `normal`, `bernoulli`, `multinomial`,
`poisson`, `binomial`, and the tensors' in-place fills (`uniform_`, `normal_`, `bernoulli_`,
`exponential_`, `geometric_`, `log_normal_`, `cauchy_`, `random_`).

Draws come from microtorch's default generator (or the one given) on the host and are moved
once. A sample is never on the graph: PyTorch records these ops with a zero gradient, which
changes nothing a backward computes.
"""
import numpy as np

from . import _dtype
from . import _rejection_samplers
from . import backends
from ._device import uses_default_device
from ._size import broadcast_shapes
from .creation import _finish
from .random import default_generator
from .tensor import Tensor


def _host(tensor):
    return backends.for_array(tensor._data).to_host(tensor._data)


def _stream(generator):
    return (generator or default_generator).stream


@uses_default_device
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std^2): mean and std numbers (with size) or tensors (broadcast).
    As PyTorch: standard normals in the output's dtype (N(0, std^2) when only mean is a
    tensor), then times std, then plus mean, each rounded to that dtype."""
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
    stream = _stream(generator)
    if not tensors:
        if size is None:
            raise TypeError('normal() missing required argument: size (when mean and std '
                            'are numbers)')
        np_dtype = (_dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float).np
        return _finish(stream.normal(tuple(size), np_dtype, mean, std), None, device,
                       requires_grad)
    shapes = [t._data.shape for t in tensors]
    shape = broadcast_shapes(*shapes) if len(shapes) == 2 else shapes[0]
    np_dtype = tensors[-1].dtype if len(tensors) == 1 else _dtype.promote_types(
        *[t.dtype for t in tensors])
    np_dtype = np_dtype.np
    device = tensors[0].device if device is None else device
    # (np.asarray: 0-d tensors give NumPy scalars here, not arrays)
    if isinstance(std, Tensor):
        noise = stream.normal(shape, np_dtype)
        values = noise * np.asarray(std_values, np_dtype) + np.asarray(mean_values, np_dtype)
    else:
        noise = stream.normal(shape, np_dtype, 0.0, std)
        values = noise + np.asarray(mean_values, np_dtype)
    return _finish(np.asarray(values, np_dtype), None, device, requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p), else 0, in input's dtype."""
    if p is None:
        _floating_only(input, f'bernoulli_tensor_{input.device.type}_p_')
        _check_probability(_host(input), _P_IN)
        draws = _stream(generator).bernoulli_tensor(_host(input))
    else:
        _check_probability(p, f'bernoulli_ expects p to be in [0, 1], but got p={p}')
        draws = _stream(generator).bernoulli(input._data.shape, p)
    return _finish(np.asarray(draws).astype(input._data.dtype), None, input.device)


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
    stream = _stream(generator)
    if replacement and num_samples > 1:
        samples = np.array([stream.categorical_with_replacement(row, num_samples)
                            for row in weights], np.int64).reshape(len(weights), num_samples)
    else:
        # PyTorch's race of exponential clocks: the largest weight / Exp(1) wins, drawn in
        # the input's dtype (weights of zero never win while a positive one is left).
        np_dtype = input._data.dtype
        clocks = stream.exponential(weights.shape, 1.0).astype(np_dtype)
        with np.errstate(divide='ignore', invalid='ignore'):
            keys = weights.astype(np_dtype) / clocks
        samples = np.argsort(-keys, axis=1, kind='stable')[:, :num_samples].astype(np.int64)
    return _finish(samples if input.ndim == 2 else samples[0], None, input.device)


def poisson(input, generator=None):
    """Samples of Poisson(rate) for each rate in input, in input's dtype."""
    _floating_only(input, f'poisson_{input.device.type}')
    rates = _host(input)
    if not np.all(rates >= 0):
        raise RuntimeError('invalid Poisson rate, expected rate to be non-negative')
    draws = _rejection_samplers.poisson(rates, _stream(generator))
    return _finish(draws, None, input.device)


def binomial(count, prob, generator=None):
    """Samples of Binomial(count, prob) (float tensors of one dtype, broadcast), in that
    dtype: PyTorch's sampler, draw for draw."""
    for name, position, value in (('count', 1, count), ('prob', 2, prob)):
        if not isinstance(value, Tensor):
            raise TypeError(f"binomial(): argument '{name}' (position {position}) must be "
                            f'Tensor, not {type(value).__name__}')
    for name, value in (('count', count), ('prob', prob)):
        if not value.is_floating_point():
            raise ValueError(f'binomial only supports floating-point dtypes for {name}, got: '
                             f'{_dtype.type_name(value.dtype)}')
    if prob.dtype is not count.dtype:
        raise RuntimeError(f'Found dtype {_dtype.type_name(prob.dtype)} but expected '
                           f'{_dtype.type_name(count.dtype)}')
    if count.dtype not in (_dtype.float32, _dtype.float64):
        raise NotImplementedError(f'"binomial_{count.device.type}" not implemented for '
                                  f"'{_dtype.type_name(count.dtype)}'")
    counts, probs = np.broadcast_arrays(_host(count), _host(prob))
    draws = _rejection_samplers.binomial(counts, probs, _stream(generator))
    return _finish(draws, None, count.device)


# ---- in-place fills ----------------------------------------------------------------------------

def _fill_with(tensor, values):
    """Write host values into tensor in place, as `tensor[...] = values` does (its checks:
    a leaf that requires grad is refused in grad mode)."""
    from ._tensor_methods import _setitem
    values = Tensor._make(backends.for_array(tensor._data).from_host(
        np.ascontiguousarray(values, dtype=tensor._data.dtype), tensor.device))
    return _setitem(tensor, Ellipsis, values)


def _fill_drawn(tensor, draw, per_element=None):
    """Fill tensor with draw(shape) (or draw(per_element) for values given per element),
    drawn in the order of tensor's memory, which is PyTorch's order for a strided tensor."""
    data = tensor._data
    if data.flags.c_contiguous:
        order = range(data.ndim)
    else:
        order = sorted(range(data.ndim), key=lambda d: -abs(data.strides[d]))
    if per_element is None:
        values = draw(tuple(data.shape[d] for d in order))
    else:
        values = draw(np.transpose(per_element, order))
    return _fill_with(tensor, np.transpose(values, np.argsort(order)))


def _floating_only(tensor, kernel):
    if not tensor.is_floating_point():
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_dtype.type_name(tensor.dtype)}'")


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    _floating_only(self, 'check_uniform_bounds')
    if a > b:
        raise RuntimeError(f'uniform_ expects to return a [from, to) range, but found '
                           f'from={a:g} > to={b:g}')
    stream, np_dtype = _stream(generator), self._data.dtype
    return _fill_drawn(self, lambda shape: stream.uniform(shape, np_dtype, a, b))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    _floating_only(self, 'normal_kernel_cpu')
    if std < 0:
        raise RuntimeError(f'normal expects std >= 0.0, but found std {std:g}')
    stream, np_dtype = _stream(generator), self._data.dtype
    contiguous = self._data.flags.c_contiguous
    return _fill_drawn(self, lambda shape: stream.normal(shape, np_dtype, mean, std, contiguous))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    _floating_only(self, 'log_normal_cpu')
    if std <= 0:
        raise RuntimeError(f'log_normal_ expects std > 0.0, but found std={std:g}')
    stream = _stream(generator)
    return _fill_drawn(self, lambda shape: stream.log_normal(shape, mean, std))


def bernoulli_(self, p=0.5, *, generator=None):
    probability = _host(p) if isinstance(p, Tensor) else p
    _check_probability(probability, _P_IN if isinstance(p, Tensor) else
                       f'bernoulli_ expects p to be in [0, 1], but got p={p}')
    stream = _stream(generator)
    if isinstance(p, Tensor):
        probability = np.broadcast_to(probability, self._data.shape)
        return _fill_drawn(self, stream.bernoulli_tensor, probability)
    return _fill_drawn(self, lambda shape: stream.bernoulli(shape, p))


def _continuous_only(tensor, name, type_name):
    if not tensor.is_floating_point():
        raise RuntimeError(f'{name} distribution is a continuous probability distribution. dtype '
                           f'must be a floating point but you specified {type_name(tensor.dtype)}')


def exponential_(self, lambd=1.0, *, generator=None):
    _continuous_only(self, 'Exponential', _dtype.type_name)
    if not lambd > 0:
        raise RuntimeError(f'exponential_ expects lambda > 0.0, but found lambda={lambd:g}')
    stream = _stream(generator)
    return _fill_drawn(self, lambda shape: stream.exponential(shape, lambd))


def geometric_(self, p, *, generator=None):
    if self.dtype is _dtype.bool_:
        raise NotImplementedError(f'"geometric_{self.device.type}" not implemented for '
                                  "'Bool'")
    if not 0 < p < 1:
        raise RuntimeError(f'geometric_ expects p to be in (0, 1), but got p={p:g}')
    stream = _stream(generator)
    return _fill_drawn(self, lambda shape: stream.geometric(shape, p))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    _continuous_only(self, 'Cauchy', _dtype.c_type_name)
    if not sigma > 0:
        raise RuntimeError(f'cauchy_ expects sigma > 0.0, but found sigma={sigma:g}')
    stream = _stream(generator)
    return _fill_drawn(self, lambda shape: stream.cauchy(shape, median, sigma))


def random_(self, from_=None, to=None, *, generator=None):
    """Integers drawn uniformly from [from, to) (random_(to): [0, to); random_(): [0, 2^mantissa]
    for floats, [0, max] for integers)."""
    stream = _stream(generator)
    if from_ is None and to is None:
        np_dtype = self._data.dtype
        return _fill_drawn(self, lambda shape: stream.full_range(shape, np_dtype))
    if to is None:
        from_, to = 0, from_
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f'from={from_} >= to={to}')
    return _fill_drawn(self, lambda shape: stream.integers(from_, to, shape))


for _fill in (uniform_, normal_, log_normal_, bernoulli_, exponential_, geometric_, cauchy_,
              random_):
    setattr(Tensor, _fill.__name__, _fill)
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial
del _fill
