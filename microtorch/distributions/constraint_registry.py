"""biject_to(constraint) and transform_to(constraint): the transform from the reals onto a
constraint's set, for the constraints that the distributions here use as supports and
parameter sets (optimise an unconstrained tensor, map it with these)."""
from . import constraints, transforms

__all__ = ['biject_to', 'transform_to', 'ConstraintRegistry']


class ConstraintRegistry:
    """Constraint type -> factory(constraint) -> Transform."""

    def __init__(self):
        self._registry = {}

    def register(self, constraint, factory=None):
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not (isinstance(constraint, type) and issubclass(constraint,
                                                            constraints.Constraint)):
            raise TypeError('Expected constraint to be either a Constraint subclass or '
                            f'instance, but got {constraint}')
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint):
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            name = type(constraint).__name__
            if type(constraint).__module__ == constraints.__name__:
                name = '_' + name             # (PyTorch's own constraint classes are private)
            raise NotImplementedError(f'Cannot transform {name} constraints') from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _to_real(constraint):
    return transforms.identity_transform


def _to_greater_than(constraint):
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.lower_bound, 1)])


def _to_less_than(constraint):
    return transforms.ComposeTransform([transforms.ExpTransform(),
                                        transforms.AffineTransform(constraint.upper_bound, -1)])


def _to_interval(constraint):
    # the unit interval needs no affine step
    unit = constraint.lower_bound == 0 and constraint.upper_bound == 1
    if isinstance(unit, bool) and unit:
        return transforms.SigmoidTransform()
    scale = constraint.upper_bound - constraint.lower_bound
    return transforms.ComposeTransform([transforms.SigmoidTransform(),
                                        transforms.AffineTransform(constraint.lower_bound,
                                                                   scale)])


def _to_independent(constraint):
    base = biject_to(constraint.base_constraint)
    return _independent_transform(base, constraint.reinterpreted_batch_ndims)


def _to_independent_any(constraint):
    base = transform_to(constraint.base_constraint)
    return _independent_transform(base, constraint.reinterpreted_batch_ndims)


def _independent_transform(base, reinterpreted_batch_ndims):
    """base applied elementwise, its Jacobian summed over events of the given dims."""
    return _IndependentTransform(base, reinterpreted_batch_ndims)


class _IndependentTransform(transforms.Transform):
    """A transform of elements read over events of reinterpreted_batch_ndims dims."""

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

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
        return self.base_transform(x)

    def _inverse(self, y):
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return transforms.sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y),
                                        self.reinterpreted_batch_ndims)

    def __repr__(self):
        return (f'IndependentTransform({self.base_transform!r}, '
                f'{self.reinterpreted_batch_ndims})')


for _registry in (biject_to, transform_to):
    _registry.register(constraints.Real, _to_real)
    _registry.register(constraints.GreaterThan, _to_greater_than)
    _registry.register(constraints.GreaterThanEq, _to_greater_than)
    _registry.register(constraints.LessThan, _to_less_than)
    _registry.register(constraints.Interval, _to_interval)
    _registry.register(constraints.HalfOpenInterval, _to_interval)
biject_to.register(constraints.IndependentConstraint, _to_independent)
transform_to.register(constraints.IndependentConstraint, _to_independent_any)
del _registry
