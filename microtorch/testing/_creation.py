"""`make_tensor`: a tensor of random test values, as torch.testing.make_tensor makes them."""
import collections.abc
import math
import warnings

from .. import _dtype

_BOOL_OR_INTEGER = [_dtype.bool_, _dtype.uint8, _dtype.int8, _dtype.int16, _dtype.int32,
                    _dtype.int64]
_FLOATING = [_dtype.float16, _dtype.float32, _dtype.float64]


def _bounds(low, high, dtype, lowest, highest, default_low, default_high):
    """[low, high) from the arguments (the dtype's defaults for None), checked as PyTorch
    checks them, then clamped to [lowest, highest]; integer bounds rounded up."""
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(value, float) and math.isnan(value) for value in (low, high)):
        raise ValueError(f'`low` and `high` cannot be NaN, but got {low=} and {high=}')
    if low == high and dtype in _FLOATING:
        warnings.warn('Passing `low==high` to `microtorch.testing.make_tensor` for floating or '
                      'complex types is deprecated since 2.1 and will be removed in 2.3. Use '
                      '`microtorch.full(...)` instead.', FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f'`low` must be less than `high`, but got {low} >= {high}')
    elif high < lowest or low >= highest:
        raise ValueError(f'The value interval specified by `low` and `high` is [{low}, {high}), '
                         f'but {dtype} only supports [{lowest}, {highest})')
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if dtype in _BOOL_OR_INTEGER:     # randint's high is exclusive: round both up
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of `shape` with values drawn uniformly from [low, high), as
    torch.testing.make_tensor: by default [0, 2) for bool, [0, 10) for uint8, [-9, 10) for
    the other integers and [-9, 9) for floating dtypes; bounds beyond the dtype's finite range
    are clamped to it. Drawn with microtorch's generator, so manual_seed repeats the values
    (they are not PyTorch's).

    noncontiguous=True returns a view that skips every other element of the last dim (for
    two elements or more); exclude_zero=True replaces zeros with 1 (bool, integers) or the
    dtype's smallest normal number. memory_format must be None: microtorch has no memory
    formats.
    """
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError('The parameters `noncontiguous` and `memory_format` are mutually '
                         f'exclusive, but got {noncontiguous=} and {memory_format=}')
    if requires_grad and dtype in _BOOL_OR_INTEGER:
        raise ValueError('`requires_grad=True` is not supported for boolean and integral '
                         f'dtypes, but got {dtype=}')
    if memory_format is not None:
        raise ValueError('microtorch has no memory formats (its tensors are row-major), so '
                         f'make_tensor() takes memory_format=None only, but got {memory_format=}')
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:       # twice the last dim, then every other element from the second
        shape = (*shape[:-1], 2 * shape[-1])

    from .. import creation
    if dtype in _BOOL_OR_INTEGER:
        if dtype is _dtype.bool_:
            lowest, highest = 0, 2
        else:
            info = _dtype.iinfo(dtype)
            # randint cannot draw int64's maximum, so int64's range stops one short of it
            lowest, highest = info.min, info.max + (dtype is not _dtype.int64)
        low, high = _bounds(low, high, dtype, lowest, highest, 0 if dtype is _dtype.bool_ else -9,
                            2 if dtype is _dtype.bool_ else 10)
        result = creation.randint(low, high, shape, dtype=dtype, device=device)
    elif dtype in _FLOATING:
        info = _dtype.finfo(dtype)
        low, high = _bounds(low, high, dtype, info.min, info.max, -9, 9)
        result = creation.empty(shape, dtype=dtype, device=device)
        if high - low >= info.max:      # the width overflows the dtype: draw half, double it
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        'microtorch.testing.make_tensor().')

    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = 1 if dtype in _BOOL_OR_INTEGER else _dtype.finfo(dtype).tiny
    if dtype in _FLOATING:
        result.requires_grad = requires_grad
    return result
