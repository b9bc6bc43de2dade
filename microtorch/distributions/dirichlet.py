"""Dirichlet(concentration) over the simplex, and Beta(concentration1, concentration0), the
first coordinate of a two-class Dirichlet."""
import microtorch

from . import constraints
from .distribution import Distribution
from .gamma_functions import standard_gamma
from .utils import broadcast_params, is_number

__all__ = ['Dirichlet', 'Beta']


class Dirichlet(Distribution):
    """Probability vectors (the last dim of concentration, which must be positive)."""
    arg_constraints = {'concentration': constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError('`concentration` parameter must be at least one-dimensional.')
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:],
                         validate_args=validate_args)

    def rsample(self, sample_shape=()):
        # Normalised gamma draws; their implicit gradients carry through the division.
        shape = self._extended_shape(sample_shape)
        draws = standard_gamma(self.concentration.expand(shape))
        simplex = draws / draws.sum(-1, keepdim=True)
        simplex.detach().clamp_(min=microtorch.finfo(simplex.dtype).tiny)   # (no log(0))
        return simplex

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        total = self.concentration.sum(-1)
        return (microtorch.xlogy(self.concentration - 1.0, value).sum(-1) + total.lgamma()
                - self.concentration.lgamma().sum(-1))

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        above_one = (self.concentration - 1).clamp(min=0.0)
        mode = above_one / above_one.sum(-1, keepdim=True)
        # Every concentration below 1: the density peaks at the corners; as PyTorch, the
        # corner of the first class (the argmax of the 0/0 above).
        corner = microtorch.nn.functional.one_hot(mode.argmax(-1), mode.shape[-1])
        all_below = (self.concentration < 1).all(-1, keepdim=True)
        return microtorch.where(all_below, corner.to(mode.dtype), mode)

    @property
    def variance(self):
        total = self.concentration.sum(-1, keepdim=True)
        return (self.concentration * (total - self.concentration)
                / (total.pow(2) * (total + 1)))

    def entropy(self):
        k = self.concentration.size(-1)
        total = self.concentration.sum(-1)
        return (self.concentration.lgamma().sum(-1) - total.lgamma()
                - (k - total) * total.digamma()
                - ((self.concentration - 1.0) * self.concentration.digamma()).sum(-1))


class Beta(Distribution):
    """The beta distribution on [0, 1], density proportional to
    x^(concentration1 - 1) (1 - x)^(concentration0 - 1)."""
    arg_constraints = {'concentration1': constraints.positive,
                       'concentration0': constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if is_number(concentration1) and is_number(concentration0):
            both = microtorch.tensor([float(concentration1), float(concentration0)])
        else:
            (concentration1, concentration0), _ = broadcast_params(concentration1,
                                                                   concentration0)
            both = microtorch.stack([concentration1, concentration0], -1)
        self._dirichlet = Dirichlet(both, validate_args=validate_args)
        super().__init__(self._dirichlet._batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        both = microtorch.stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(both)

    def entropy(self):
        return self._dirichlet.entropy()
