"""Transforms built from other transforms or objects, as PyTorch's: IndependentTransform
(more dims read as one event), ReshapeTransform (events of another shape), CatTransform and
StackTransform (a transform per block or slice of a dim) and CumulativeDistributionTransform
(a distribution's cdf)."""
import microtorch

from . import constraints
from .transforms import Transform, sum_rightmost
from .utils import lazy_property

__all__ = ['IndependentTransform', 'ReshapeTransform', 'CatTransform', 'StackTransform',
           'CumulativeDistributionTransform']


class IndependentTransform(Transform):
    """base_transform as it is, its log|det J| summed over reinterpreted_batch_ndims more of
    the rightmost dims (read as part of each event)."""

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims,
                                    cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(self.base_transform.domain,
                                       self.reinterpreted_batch_ndims)

    @property
    def codomain(self):
        return constraints.independent(self.base_transform.codomain,
                                       self.reinterpreted_batch_ndims)

    @property
    def bijective(self):
        return self.base_transform.bijective

    @property
    def sign(self):
        return self.base_transform.sign

    def _call(self, x):
        if x.dim() < self.domain.event_dim:
            raise ValueError('Too few dimensions on input')
        return self.base_transform(x)

    def _inverse(self, y):
        if y.dim() < self.codomain.event_dim:
            raise ValueError('Too few dimensions on input')
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y),
                             self.reinterpreted_batch_ndims)

    def __repr__(self):
        return (f'{type(self).__name__}({self.base_transform!r}, '
                f'{self.reinterpreted_batch_ndims})')

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)


class ReshapeTransform(Transform):
    """Events of in_shape reshaped to out_shape (as many elements); log|det J| = 0."""
    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape = microtorch.Size(in_shape)
        self.out_shape = microtorch.Size(out_shape)
        if self.in_shape.numel() != self.out_shape.numel():
            raise ValueError('in_shape, out_shape have different numbers of elements')
        super().__init__(cache_size=cache_size)

    @property
    def domain(self):
        return constraints.independent(constraints.real, len(self.in_shape))

    @property
    def codomain(self):
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        batch_shape = x.shape[:x.dim() - len(self.in_shape)]
        return x.reshape(batch_shape + self.out_shape)

    def _inverse(self, y):
        batch_shape = y.shape[:y.dim() - len(self.out_shape)]
        return y.reshape(batch_shape + self.in_shape)

    def log_abs_det_jacobian(self, x, y):
        return x.new_zeros(x.shape[:x.dim() - len(self.in_shape)])

    def forward_shape(self, shape):
        return _swap_event_shape(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape):
        return _swap_event_shape(shape, self.out_shape, self.in_shape)


def _swap_event_shape(shape, old, new):
    """shape with its rightmost dims, which must be old, replaced by new."""
    if len(shape) < len(old):
        raise ValueError('Too few dimensions on input')
    cut = len(shape) - len(old)
    if shape[cut:] != old:
        raise ValueError(f'Shape mismatch: expected {shape[cut:]} but got {old}')
    return shape[:cut] + new


def _check_dim(dim, value, name):
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(f'dim {dim} out of range for {name} with {value.dim()} '
                             'dimensions')


class CatTransform(Transform):
    """tseq[i] on the i-th block of lengths[i] slices along dim (1 each when lengths is not
    given), the results joined again by microtorch.cat."""

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError('All elements of tseq must be Transform instances')
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise AssertionError(f'lengths ({len(self.lengths)}) must match transforms '
                                 f'({len(self.transforms)})')
        self.dim = dim

    @lazy_property
    def event_dim(self):
        return max(t.event_dim for t in self.transforms)

    @lazy_property
    def length(self):
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _check(self, value, name, what='tensor'):
        _check_dim(self.dim, value, what)
        if value.size(self.dim) != self.length:
            raise AssertionError(f'{name}.size({self.dim}) = {value.size(self.dim)} must equal '
                                 f'length {self.length}')

    def _blocks(self, value):
        start = 0
        for length in self.lengths:
            yield value.narrow(self.dim, start, length)
            start = start + length

    def _call(self, x):
        self._check(x, 'x')
        return microtorch.cat([t(block) for t, block in zip(self.transforms, self._blocks(x))],
                              dim=self.dim)

    def _inverse(self, y):
        self._check(y, 'y')
        return microtorch.cat([t.inv(block)
                               for t, block in zip(self.transforms, self._blocks(y))],
                              dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        self._check(x, 'x', 'x')
        self._check(y, 'y', 'y')
        terms = []
        for t, x_block, y_block in zip(self.transforms, self._blocks(x), self._blocks(y)):
            term = t.log_abs_det_jacobian(x_block, y_block)
            if t.event_dim < self.event_dim:
                term = sum_rightmost(term, self.event_dim - t.event_dim)
            terms.append(term)
        # Blocks along a batch dim keep their own terms; blocks inside the events add up.
        dim = self.dim - x.dim() if self.dim >= 0 else self.dim
        dim = dim + self.event_dim
        if dim < 0:
            return microtorch.cat(terms, dim=dim)
        return sum(terms)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """tseq[i] on the i-th slice along dim, the results joined again by microtorch.stack."""

    def __init__(self, tseq, dim=0, cache_size=0):
        if not all(isinstance(t, Transform) for t in tseq):
            raise AssertionError('All elements of tseq must be Transform instances')
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.dim = dim

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slice(self, value):
        return [value.select(self.dim, i) for i in range(value.size(self.dim))]

    def _check(self, value, name, what='tensor'):
        _check_dim(self.dim, value, what)
        if value.size(self.dim) != len(self.transforms):
            raise AssertionError(f'{name}.size({self.dim}) = {value.size(self.dim)} must equal '
                                 f'len(transforms) {len(self.transforms)}')

    def _call(self, x):
        self._check(x, 'x')
        return microtorch.stack([t(part) for part, t in zip(self._slice(x), self.transforms)],
                                dim=self.dim)

    def _inverse(self, y):
        self._check(y, 'y')
        return microtorch.stack([t.inv(part)
                                 for part, t in zip(self._slice(y), self.transforms)],
                                dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        self._check(x, 'x', 'x')
        self._check(y, 'y', 'y')
        return microtorch.stack([t.log_abs_det_jacobian(x_part, y_part) for x_part, y_part, t
                                 in zip(self._slice(x), self._slice(y), self.transforms)],
                                dim=self.dim)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


class CumulativeDistributionTransform(Transform):
    """y = distribution.cdf(x), from the distribution's support onto [0, 1]; the inverse is
    its icdf and log|dy/dx| its log_prob."""
    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        return self.distribution.support

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)
