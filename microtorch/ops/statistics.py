"""Order statistics and binning made of other ops: quantile, nanquantile, nanmedian, mode,
histogram, cumulative_trapezoid. Values come from a sort (or a gather at computed indices),
so gradients flow back to the elements picked, as in PyTorch. Arguments are checked with
PyTorch's messages before anything runs.
"""
import math

from .._autocast import autocast_op
from .. import _dtype, backends, return_types
from .._size import wrap_dim
from ..autograd.function import grad_fn_named
from ..tensor import Tensor
from . import composite as C
from . import functional as F

_INTERPOLATIONS = ('linear', 'lower', 'higher', 'midpoint', 'nearest')


def _number(value):
    """A double as PyTorch's C++ messages print it (1, 0.5, -0.25, inf, nan)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f'{value:g}'


@autocast_op('quantile')
def quantile(input, q, dim=None, keepdim=False, *, interpolation='linear'):
    """The q-th quantiles along dim (of all elements without dim): between the two sorted
    values around rank q * (n - 1), as `interpolation` says. A row holding nan gives nan.
    q: a number or a 0-d or 1-d tensor of input's dtype (a 1-d q adds a first dim)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


@autocast_op('nanquantile')
def nanquantile(input, q, dim=None, keepdim=False, *, interpolation='linear'):
    """quantile over the values that are not nan (nan where a row has none)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan):
    if not isinstance(q, Tensor) and not 0 <= q <= 1:
        raise RuntimeError(f'quantile() q must be in the range [0, 1] but got {_number(q)}')
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError('quantile() interpolation must be one of linear, lower, higher, '
                           f'midpoint or nearest, but got {interpolation}')
    if input.numel() == 0:
        raise RuntimeError('quantile() input tensor must be non-empty')
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError('quantile() q must be a scalar or 1D tensor')
    if not input.is_floating_point():
        raise RuntimeError('quantile() input tensor must be either float or double dtype')
    if isinstance(q, Tensor):
        if q.dtype is not input.dtype:
            raise RuntimeError('quantile() q tensor must be same dtype as the input tensor')
        F.check_same_device(input, q)
        if not bool(((q >= 0) & (q <= 1)).all()):
            raise RuntimeError('quantile() q values must be in the range [0, 1]')
    else:
        from ..creation import tensor
        q = tensor(float(q), dtype=input.dtype, device=input.device)
    if dim is None:
        rows = F.reshape(input, (-1,))
        out_shape = [1] * input.ndim if keepdim else []
    else:
        dim = wrap_dim(dim, input.ndim)
        rows = C.movedim(input, dim, -1) if input.ndim else F.reshape(input, (1,))
        out_shape = list(input.shape)
        if input.ndim:
            if keepdim:
                out_shape[dim] = 1
            else:
                del out_shape[dim]
    values = _interpolated(F.sort(rows, -1).values, F.reshape(q, (-1,)), interpolation,
                           ignore_nan)
    if q.ndim == 0:
        return F.reshape(values, out_shape)
    return F.reshape(C.movedim(values, -1, 0), [q.shape[0]] + out_shape)


def _interpolated(ordered, q, interpolation, ignore_nan):
    """The quantiles q (1-d) of each row of `ordered` (sorted along its last dim, nan last),
    one per q along a new last dim; computed as PyTorch does, in the input's dtype."""
    n = ordered.shape[-1]
    batch = list(ordered.shape[:-1])
    if ignore_nan:          # ranks among the values that are not nan (none: rank 0, a nan)
        counted = F.sum(F.logical_not(F.isnan(ordered)), -1, keepdim=True)
        ranks = F.mul(q, F.sub(counted, 1))
        ranks = F.where(F.lt(ranks, 0), 0.0, ranks)
    else:                   # a row with a nan takes its last value, a nan
        has_nan = F.any(F.isnan(ordered), -1, keepdim=True)
        ranks = F.where(has_nan, float(n - 1), F.mul(q, n - 1))
    ranks = F.expand(ranks, batch + [q.shape[0]])
    if interpolation in ('lower', 'higher', 'nearest'):
        ranks = {'lower': F.floor, 'higher': F.ceil, 'nearest': F.round}[interpolation](ranks)
    below = F.cast(ranks, _dtype.int64)
    values_below = F.gather(ordered, -1, below)
    if interpolation not in ('linear', 'midpoint'):
        return values_below
    if interpolation == 'midpoint':
        from ..creation import full_like
        weights = full_like(ranks, 0.5)
    else:
        weights = F.sub(ranks, F.cast(below, ranks.dtype))
    values_above = F.gather(ordered, -1, F.cast(F.ceil(ranks), _dtype.int64))
    return F.lerp(values_below, values_above, weights)


@grad_fn_named(lambda input, dim=None, keepdim=False: 'NanmedianBackward0' if dim is None
                else 'NanmedianBackward1')
def nanmedian(input, dim=None, keepdim=False):
    """The lower median of the values that are not nan (nan where there are none); with dim,
    (values, indices) as torch.return_types.nanmedian."""
    F._refuse_dtype(input, 'median_cpu' if dim is None else 'median_out', 'b')
    if dim is None:
        if input.numel() == 0:
            from ..creation import full
            return full((), math.nan, dtype=input.dtype, device=input.device)
        return nanmedian(F.reshape(input, (-1,)), 0).values
    ndim = input.ndim
    dim = wrap_dim(dim, ndim, 'nanmedian')
    if not ndim:
        return F._order_statistic(input, dim, keepdim, None, 'nanmedian')
    n = input.shape[dim]
    if n == 0:
        raise IndexError(f'median(): Expected reduction dim {dim} to have non-zero size.')
    counted = F.sub(n, F.sum(F.isnan(input), dim, keepdim=True))
    position = F.where(F.gt(counted, 0), F.floor_divide(F.sub(counted, 1), 2), 0)
    return F._order_statistic(input, dim, keepdim, position, 'nanmedian')


def _mode_by_runs(input, flat):
    """Each row's mode by the stable sort (rows of flat, 2-D): the index that ends the first
    longest run of equal values, and that run's length."""
    xp = input._backend_xp()
    n = flat.shape[1]
    order = F._sort_indices(Tensor._make(flat), 1, False)._data
    ordered = xp.take_along_axis(flat, order, 1)
    starts = xp.ones(flat.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = xp.cumsum(starts, 1) - 1                          # each sorted value's run
    offsets = (xp.arange(flat.shape[0]) * n)[:, None]
    lengths = xp.bincount((run + offsets).reshape(-1), minlength=flat.size)
    lengths = lengths.reshape(flat.shape)
    best = xp.argmax(lengths, 1)                           # the first longest run: smallest
    last = (run <= best[:, None]).sum(1) - 1               # where that run ends
    index = xp.take_along_axis(order, last[:, None], 1)[:, 0].astype('int64')
    return index, xp.take_along_axis(lengths, best[:, None], 1)[:, 0]


@grad_fn_named('ModeBackward0')
def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest of those tied) and an index where it
    occurs (on the CPU PyTorch's: the last in its std::sort order), as
    torch.return_types.mode."""
    ndim = input.ndim
    dim = wrap_dim(dim, ndim, 'mode')
    result = return_types.named('mode')
    if not ndim:
        return result(F.clone(input), F.zeros_index(input))
    n = input.shape[dim]
    if n == 0:
        raise IndexError(f'mode(): Expected reduction dim {dim} to have non-zero size.')
    rows = C.movedim(input, dim, -1).detach()
    out_shape = list(rows.shape[:-1])
    flat = rows._data.reshape(-1, n)
    index = backends.for_array(flat).mode_indices(flat, lambda: _mode_by_runs(input, flat))
    indices = Tensor._make(index.reshape(out_shape).copy())
    values = F.gather(input, dim, F.unsqueeze(indices, dim))
    if keepdim:
        return result(values, F.unsqueeze(indices, dim))
    return result(F.squeeze(values, dim), indices)


def histogram(input, bins=100, *, range=None, weight=None, density=False):
    """Counts (or summed weights) of input's values in bins: `bins` equal bins over `range`
    (the values' own range by default) or the bins between the edges of a 1-d tensor; the
    last bin holds its right edge. Returns (hist, bin_edges) in input's dtype, no gradient."""
    _check_histogram(input, bins, range, weight)
    xp, data = input._backend_xp(), input.detach()._data.reshape(-1)
    kind = data.dtype.type
    if isinstance(bins, Tensor):
        edges = bins.detach()._data
    else:
        if range is not None:
            low, high = float(range[0]), float(range[1])
        elif data.size:
            low, high = float(data.min()), float(data.max())
        else:
            low, high = 0.0, 1.0                    # no values: numpy's range
        if not (math.isfinite(low) and math.isfinite(high)):
            raise RuntimeError(f"microtorch.histogramdd: dimension 0's range [{_number(low)}, "
                               f'{_number(high)}] is not finite')
        if low > high:
            raise RuntimeError('microtorch.histogramdd: min should not exceed max, but got min '
                               f'{_number(low)} max {_number(high)} for dimension 0')
        if low == high:
            low, high = low - 0.5, high + 0.5
        edges = _linspace(xp, kind(low), kind(high), bins + 1)
    count = edges.shape[0] - 1
    inside = (data >= edges[0]) & (data <= edges[-1])
    position = xp.searchsorted(edges, data[inside], side='right') - 1
    position = xp.minimum(position, count - 1)
    weights = None if weight is None else weight.detach()._data.reshape(-1)[inside]
    hist = xp.bincount(position, weights, minlength=count).astype(kind)
    if density:
        hist = hist / hist.sum()
        hist = hist / xp.diff(edges)
    return return_types.named('histogram', ('hist', 'bin_edges'))(
        Tensor._make(xp.ascontiguousarray(hist)), Tensor._make(xp.array(edges)))


def _check_histogram(input, bins, range, weight):
    if not input.is_floating_point():
        raise NotImplementedError(f'"histogramdd" not implemented for '
                                  f"'{F.type_name(input.dtype)}'")
    if isinstance(bins, Tensor):
        if bins.ndim != 1:
            raise RuntimeError('microtorch.histogramdd: bins tensor should have one dimension, '
                               f'but got {bins.ndim} dimensions in the bins tensor for '
                               'dimension 0')
        if bins.dtype is not input.dtype:
            raise RuntimeError('microtorch.histogramdd: input tensor and bins tensors should '
                               'have the same dtype, but got input with dtype '
                               f'{_dtype.c_type_name(input.dtype)} and bins for dimension 0 '
                               f'with dtype {_dtype.c_type_name(bins.dtype)}')
        F.check_same_device(input, bins)
    elif bins <= 0:
        raise RuntimeError(f'microtorch.histogram(): bins must be > 0, but got {bins} for '
                           'dimension 0')
    if range is not None and len(range) != 2:
        raise RuntimeError('microtorch.histogramdd: for a 1-dimensional histogram range should '
                           f'have 2 elements, but got {len(range)}')
    if weight is not None:
        if weight.dtype is not input.dtype:
            raise RuntimeError('microtorch.histogramdd: if weight tensor is provided, input '
                               'tensor and weight tensor should have the same dtype, but got '
                               f'input({_dtype.c_type_name(input.dtype)}), and '
                               f'weight({_dtype.c_type_name(weight.dtype)})')
        if tuple(weight.shape) != tuple(input.shape):
            raise RuntimeError('microtorch.histogramdd: if weight tensor is provided it should '
                               'have the same shape as the input tensor excluding its innermost '
                               f'dimension, but got input with shape [{input.numel()}, 1] and '
                               f'weight with shape {list(weight.shape)}')
        F.check_same_device(input, weight)


def _linspace(xp, start, end, steps):
    """PyTorch's linspace in the dtype of start and end: the first half counted up from start,
    the second down from end, so that both ends are exact."""
    kind = type(start)
    step = (end - start) / kind(steps - 1)
    i = xp.arange(steps)
    up = start + step * i.astype(kind)
    down = end - step * (steps - 1 - i).astype(kind)
    return xp.where(i < steps // 2, up, down).astype(kind)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=None):
    """The running trapezoidal rule along dim (the last by default; one value fewer than y
    there): with sample points x (1-d, or broadcasting with y) or a spacing dx (1 by
    default)."""
    if x is not None and dx is not None:
        keywords = sorted([('dx', dx)] + ([] if dim is None else [('dim', dim)]))
        got = ', '.join(['Tensor', 'Tensor'] + [f'{k}={type(v).__name__}' for k, v in keywords])
        unmatched = '' if dim is None else ("      didn't match because some of the keywords "
                                            'were incorrect: dim, dx\n')
        raise TypeError('cumulative_trapezoid() received an invalid combination of arguments - '
                        f'got ({got}), but expected one of:\n'
                        f' * (Tensor y, Tensor x, *, int dim = -1)\n{unmatched}'
                        f' * (Tensor y, *, Number dx = 1, int dim = -1)\n{unmatched}')
    dim = -1 if dim is None else dim
    if x is None and isinstance(dx, bool):
        raise RuntimeError('cumulative_trapezoid: Currently, we only support dx as a real '
                           'number.')
    if x is None and y.dtype is _dtype.bool_:
        raise RuntimeError('cumulative_trapezoid: received a bool input for `y`, but bool is '
                           'not supported')
    dim = wrap_dim(dim, y.ndim)
    n = y.shape[dim] if y.ndim else 1
    left = F.narrow(y, dim, 0, max(n - 1, 0))
    right = F.narrow(y, dim, min(n, 1), max(n - 1, 0))
    if x is None:
        return F.cumsum(F.mul(F.add(left, right), (1 if dx is None else dx) / 2.0), dim)
    for t in (y, x):
        if t.dtype is _dtype.bool_:
            raise RuntimeError('cumulative_trapezoid: received a bool input for `x` or `y`, '
                               'but bool is not supported')
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError('cumulative_trapezoid: There must be one `x` value for each '
                               'sample point')
        x = F.reshape(x, [n if d == dim else 1 for d in range(y.ndim)])
    elif x.ndim < y.ndim:
        x = F.reshape(x, [1] * (y.ndim - x.ndim) + list(x.shape))
    m = x.shape[dim]
    steps = F.sub(F.narrow(x, dim, min(m, 1), max(m - 1, 0)), F.narrow(x, dim, 0, max(m - 1, 0)))
    return F.div(F.cumsum(F.mul(steps, F.add(left, right)), dim), 2.0)


def trapz(y, x=None, *, dx=None, dim=-1):
    """The older name of trapezoid."""
    return C.trapezoid(y, x, dx=dx, dim=dim)
