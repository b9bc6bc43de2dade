"""The sets that parameters and values must lie in, as PyTorch's `constraints`.

`check(value)` returns a bool tensor (per element, or per event for `Simplex` and
`IndependentConstraint`); the reprs are the ones PyTorch prints in its error messages.
"""

__all__ = ['Constraint', 'Real', 'GreaterThan', 'GreaterThanEq', 'LessThan', 'Interval',
           'HalfOpenInterval', 'Boolean', 'IntegerInterval', 'Simplex', 'IndependentConstraint',
           'real', 'real_vector', 'positive', 'nonnegative', 'unit_interval', 'boolean',
           'simplex', 'greater_than', 'greater_than_eq', 'less_than', 'interval',
           'half_open_interval', 'integer_interval', 'independent', 'Square', 'Symmetric',
           'PositiveDefinite', 'LowerTriangular', 'LowerCholesky', 'square', 'symmetric',
           'positive_definite', 'lower_triangular', 'lower_cholesky', 'IntegerGreaterThan',
           'OneHot', 'Multinomial', 'integer_greater_than', 'nonnegative_integer',
           'positive_integer', 'one_hot', 'multinomial', 'MixtureSameFamilyConstraint',
           'CorrCholesky', 'PositiveSemidefinite', 'Cat', 'Stack', 'Dependent',
           'DependentProperty', 'corr_cholesky', 'positive_semidefinite', 'cat', 'stack',
           'dependent', 'dependent_property', 'is_dependent']


class Constraint:
    """A region of valid values. event_dim: how many rightmost dims make one event."""
    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self):
        return type(self).__name__ + '()'


class Dependent(Constraint):
    """A placeholder for a set that depends on other values (a distribution's support that
    its parameters fix): it has no check, and is_discrete and event_dim only when given."""

    def __init__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    @property
    def is_discrete(self):
        if self._is_discrete is NotImplemented:
            raise NotImplementedError('.is_discrete cannot be determined statically')
        return self._is_discrete

    @property
    def event_dim(self):
        if self._event_dim is NotImplemented:
            raise NotImplementedError('.event_dim cannot be determined statically')
        return self._event_dim

    def __call__(self, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        """dependent(is_discrete=..., event_dim=...): a copy with these attributes known."""
        if is_discrete is NotImplemented:
            is_discrete = self._is_discrete
        if event_dim is NotImplemented:
            event_dim = self._event_dim
        return Dependent(is_discrete=is_discrete, event_dim=event_dim)

    def check(self, value):
        raise ValueError('Cannot determine validity of dependent constraint')


def is_dependent(constraint):
    """Whether constraint is a Dependent one (a set that no check can test on its own)."""
    return isinstance(constraint, Dependent)


class DependentProperty(property, Dependent):
    """A property on instances and a Dependent constraint on the class:

        @constraints.dependent_property(is_discrete=False, event_dim=0)
        def support(self):
            return constraints.interval(self.low, self.high)
    """

    def __init__(self, fn=None, *, is_discrete=NotImplemented, event_dim=NotImplemented):
        super().__init__(fn)
        self._is_discrete = is_discrete
        self._event_dim = event_dim

    def __call__(self, fn):
        return DependentProperty(fn, is_discrete=self._is_discrete, event_dim=self._event_dim)


class Real(Constraint):
    def check(self, value):
        return value == value            # False only at NaN


class GreaterThan(Constraint):
    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return value > self.lower_bound

    def __repr__(self):
        return f'{type(self).__name__}(lower_bound={self.lower_bound})'


class GreaterThanEq(GreaterThan):
    def check(self, value):
        return value >= self.lower_bound


class LessThan(Constraint):
    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return value < self.upper_bound

    def __repr__(self):
        return f'{type(self).__name__}(upper_bound={self.upper_bound})'


class Interval(Constraint):
    """[lower_bound, upper_bound]."""
    def __init__(self, lower_bound, upper_bound):
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self):
        return (f'{type(self).__name__}(lower_bound={self.lower_bound}, '
                f'upper_bound={self.upper_bound})')


class HalfOpenInterval(Interval):
    """[lower_bound, upper_bound)."""
    def check(self, value):
        return (value >= self.lower_bound) & (value < self.upper_bound)


class IntegerInterval(Interval):
    is_discrete = True

    def check(self, value):
        return (value % 1 == 0) & super().check(value)


class Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class Simplex(Constraint):
    """Non-negative vectors (the last dim) that sum to 1."""
    event_dim = 1

    def check(self, value):
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class IndependentConstraint(Constraint):
    """base_constraint over events of reinterpreted_batch_ndims rightmost dims."""
    def __init__(self, base_constraint, reinterpreted_batch_ndims):
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        valid = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            valid = valid.all(-1)
        return valid

    def __repr__(self):
        return (f'{type(self).__name__}({self.base_constraint!r}, '
                f'{self.reinterpreted_batch_ndims})')


class MixtureSameFamilyConstraint(Constraint):
    """A mixture's support: base_constraint (its components') checked against each
    component, the value given back its rightmost batch dim (the components')."""
    def __init__(self, base_constraint):
        self.base_constraint = base_constraint

    @property
    def is_discrete(self):
        return self.base_constraint.is_discrete

    @property
    def event_dim(self):
        return self.base_constraint.event_dim

    def check(self, value):
        event_dim = self.event_dim
        valid = self.base_constraint.check(value.unsqueeze(-1 - event_dim))
        if value.dim() < event_dim:
            raise ValueError(f'Expected value.dim() >= {event_dim} but got {value.dim()}')
        kept = value.dim() - event_dim
        return valid.reshape(tuple(valid.shape[:kept]) + (-1,)).all(-1)

    def __repr__(self):
        return f'{type(self).__name__}({self.base_constraint!r})'


class Square(Constraint):
    """Square matrices (the last two dims); one answer per matrix."""
    event_dim = 2

    def check(self, value):
        import microtorch
        return microtorch.full(value.shape[:-2], value.shape[-2] == value.shape[-1],
                               dtype=microtorch.bool, device=value.device)


class Symmetric(Square):
    """Square matrices equal to their transposes (within 1e-6)."""
    def check(self, value):
        import microtorch
        square = super().check(value)
        if not bool(square.all()):
            return square
        return microtorch.isclose(value, value.mT, atol=1e-6).all(-2).all(-1)


class PositiveDefinite(Symmetric):
    """Symmetric matrices with a Cholesky factor."""
    def check(self, value):
        import microtorch
        symmetric = super().check(value)
        if not bool(symmetric.all()):
            return symmetric
        return microtorch.linalg.cholesky_ex(value).info == 0


class LowerTriangular(Constraint):
    """Square matrices with zeros above the diagonal."""
    event_dim = 2

    def check(self, value):
        return (value.tril() == value).all(-1).all(-1)


class LowerCholesky(LowerTriangular):
    """Lower triangular matrices with a positive diagonal (Cholesky factors)."""
    def check(self, value):
        return super().check(value) & (value.diagonal(0, -2, -1) > 0).all(-1)


class CorrCholesky(Constraint):
    """Cholesky factors of correlation matrices: lower triangular, a positive diagonal and
    rows of unit length (within 10 * n machine epsilons)."""
    event_dim = 2

    def check(self, value):
        import microtorch
        tolerance = microtorch.finfo(value.dtype).eps * value.size(-1) * 10
        row_norm = microtorch.linalg.norm(value.detach(), dim=-1)
        unit_rows = (row_norm - 1.0).abs().le(tolerance).all(-1)
        return LowerCholesky().check(value) & unit_rows


class PositiveSemidefinite(Symmetric):
    """Symmetric matrices without negative eigenvalues."""
    def check(self, value):
        import microtorch
        symmetric = super().check(value)
        if not bool(symmetric.all()):
            return symmetric
        return microtorch.linalg.eigvalsh(value).ge(0).all(-1)


def _check_dim(dim, value):
    if not -value.dim() <= dim < value.dim():
        raise AssertionError(f'dim {dim} out of range for value with {value.dim()} dimensions')


class Cat(Constraint):
    """cseq[i] on the i-th block of lengths[i] slices along dim (blocks as microtorch.cat
    joins them; lengths: 1 each when not given)."""

    def __init__(self, cseq, dim=0, lengths=None):
        if not all(isinstance(c, Constraint) for c in cseq):
            raise AssertionError('All elements of cseq must be Constraint instances')
        self.cseq = list(cseq)
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise AssertionError(f'lengths ({len(self.lengths)}) must match cseq '
                                 f'({len(self.cseq)})')
        self.dim = dim

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        return max(c.event_dim for c in self.cseq)

    def check(self, value):
        import microtorch
        _check_dim(self.dim, value)
        checks, start = [], 0
        for constraint, length in zip(self.cseq, self.lengths):
            checks.append(constraint.check(value.narrow(self.dim, start, length)))
            start = start + length
        return microtorch.cat(checks, self.dim)


class Stack(Constraint):
    """cseq[i] on the i-th slice along dim (slices as microtorch.stack joins them)."""

    def __init__(self, cseq, dim=0):
        if not all(isinstance(c, Constraint) for c in cseq):
            raise AssertionError('All elements of cseq must be Constraint instances')
        self.cseq = list(cseq)
        self.dim = dim

    @property
    def is_discrete(self):
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self):
        event_dim = max(c.event_dim for c in self.cseq)
        if self.dim + event_dim < 0:        # (stacked inside the events: one more dim)
            event_dim += 1
        return event_dim

    def check(self, value):
        import microtorch
        _check_dim(self.dim, value)
        slices = [value.select(self.dim, i) for i in range(value.size(self.dim))]
        return microtorch.stack([constraint.check(v)
                                 for v, constraint in zip(slices, self.cseq)], self.dim)


class IntegerGreaterThan(Constraint):
    """Integers >= lower_bound."""
    is_discrete = True

    def __init__(self, lower_bound):
        self.lower_bound = lower_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self):
        return f'{type(self).__name__}(lower_bound={self.lower_bound})'


class OneHot(Constraint):
    """Vectors (the last dim) of zeros with a single one."""
    is_discrete = True
    event_dim = 1

    def check(self, value):
        zero_or_one = ((value == 0) | (value == 1)).all(-1)
        return zero_or_one & (value.sum(-1) == 1)


class Multinomial(Constraint):
    """Count vectors (the last dim): non-negative, summing to at most upper_bound."""
    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound):
        self.upper_bound = upper_bound

    def check(self, value):
        return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)


greater_than = GreaterThan
greater_than_eq = GreaterThanEq
less_than = LessThan
interval = Interval
half_open_interval = HalfOpenInterval
integer_interval = IntegerInterval
independent = IndependentConstraint
integer_greater_than = IntegerGreaterThan
multinomial = Multinomial
cat = Cat
stack = Stack
dependent_property = DependentProperty

dependent = Dependent()

real = Real()
real_vector = IndependentConstraint(real, 1)
positive = GreaterThan(0.0)
nonnegative = GreaterThanEq(0.0)
unit_interval = Interval(0.0, 1.0)
boolean = Boolean()
simplex = Simplex()
square = Square()
symmetric = Symmetric()
positive_definite = PositiveDefinite()
lower_triangular = LowerTriangular()
lower_cholesky = LowerCholesky()
corr_cholesky = CorrCholesky()
positive_semidefinite = PositiveSemidefinite()
nonnegative_integer = IntegerGreaterThan(0)
positive_integer = IntegerGreaterThan(1)
one_hot = OneHot()
