"""Dirichlet(concentration) over the simplex, and Beta(concentration1, concentration0), the
first coordinate of a two-class Dirichlet."""
import numpy as np

import microtorch
from microtorch import _rejection_samplers, backends
from microtorch.autograd.function import Function
from microtorch.random import default_generator

from . import constraints
from .distribution import Distribution
from .gamma_functions import standard_gamma_grad
from .utils import broadcast_params, is_number

__all__ = ['Dirichlet', 'Beta']


def _host_dirichlet(concentration):
    """PyTorch's _sample_dirichlet on the host: (the samples, the float64 gammas, their
    sums over the last dim)."""
    host = np.asarray(backends.for_array(concentration).to_host(concentration))
    if host.dtype not in (np.float32, np.float64):
        host = host.astype(np.float64)
    return _rejection_samplers.sample_dirichlet(host, default_generator.stream)


class _DirichletSample(Function):
    """PyTorch's Dirichlet draws: float64 gammas over their sum. The gradient is the gamma
    draws' implicit one carried through that division: with G the gammas, S their sum and
    x = G / S, d loss / d alpha_i = (dG_i / d alpha_i) (g_i - sum_j g_j x_j) / S."""
    node_name = '_DirichletBackward'

    @staticmethod
    def forward(ctx, concentration):
        backend = backends.for_array(concentration)
        samples, gammas, totals = _host_dirichlet(concentration)
        device = backend.device_of(concentration)
        out = backend.from_host(samples.astype(concentration.dtype, copy=False), device)
        ctx.save_for_backward(concentration, backend.from_host(gammas, device),
                              backend.from_host(totals, device))
        return out

    @staticmethod
    def backward(ctx, grad):
        concentration, gammas, totals = ctx.saved_data
        derivative = standard_gamma_grad(concentration.astype(np.float64), gammas) / totals
        derivative = microtorch.Tensor._make(derivative.astype(concentration.dtype))
        fractions = microtorch.Tensor._make((gammas / totals).astype(concentration.dtype))
        return derivative * (grad - (grad * fractions).sum(-1, keepdim=True))


def _sample_dirichlet(concentration, generator=None):
    """PyTorch's torch._sample_dirichlet: one draw per row (the last dim) of concentration,
    not differentiable."""
    stream = (generator or default_generator).stream
    host = np.asarray(backends.for_array(concentration._data).to_host(concentration._data))
    samples, _, _ = _rejection_samplers.sample_dirichlet(host, stream)
    return microtorch.tensor(samples, dtype=concentration.dtype, device=concentration.device)


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
        shape = self._extended_shape(sample_shape)
        return _DirichletSample.apply(self.concentration.expand(shape))

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
