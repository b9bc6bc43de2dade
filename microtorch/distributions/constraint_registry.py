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
    return transforms.IndependentTransform(biject_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


def _to_independent_any(constraint):
    return transforms.IndependentTransform(transform_to(constraint.base_constraint),
                                           constraint.reinterpreted_batch_ndims)


def _to_simplex_bijectively(constraint):
    return transforms.StickBreakingTransform()


def _to_simplex(constraint):
    return transforms.SoftmaxTransform()


def _to_lower_cholesky(constraint):
    return transforms.LowerCholeskyTransform()


def _to_positive_definite(constraint):
    return transforms.PositiveDefiniteTransform()


def _to_corr_cholesky(constraint):
    return transforms.CorrCholeskyTransform()


def _to_cat(constraint):
    return transforms.CatTransform([biject_to(c) for c in constraint.cseq], constraint.dim,
                                   constraint.lengths)


def _to_cat_any(constraint):
    return transforms.CatTransform([transform_to(c) for c in constraint.cseq], constraint.dim,
                                   constraint.lengths)


def _to_stack(constraint):
    return transforms.StackTransform([biject_to(c) for c in constraint.cseq], constraint.dim)


def _to_stack_any(constraint):
    return transforms.StackTransform([transform_to(c) for c in constraint.cseq],
                                     constraint.dim)


for _registry in (biject_to, transform_to):
    _registry.register(constraints.Real, _to_real)
    _registry.register(constraints.GreaterThan, _to_greater_than)
    _registry.register(constraints.GreaterThanEq, _to_greater_than)
    _registry.register(constraints.LessThan, _to_less_than)
    _registry.register(constraints.Interval, _to_interval)
    _registry.register(constraints.HalfOpenInterval, _to_interval)
    _registry.register(constraints.CorrCholesky, _to_corr_cholesky)
biject_to.register(constraints.IndependentConstraint, _to_independent)
transform_to.register(constraints.IndependentConstraint, _to_independent_any)
biject_to.register(constraints.Simplex, _to_simplex_bijectively)
transform_to.register(constraints.Simplex, _to_simplex)
# (no bijection onto the Cholesky factors or the positive (semi)definite matrices)
transform_to.register(constraints.LowerCholesky, _to_lower_cholesky)
transform_to.register(constraints.PositiveDefinite, _to_positive_definite)
transform_to.register(constraints.PositiveSemidefinite, _to_positive_definite)
biject_to.register(constraints.Cat, _to_cat)
transform_to.register(constraints.Cat, _to_cat_any)
biject_to.register(constraints.Stack, _to_stack)
transform_to.register(constraints.Stack, _to_stack_any)
del _registry
