"""VonMises(loc, concentration): the circular normal distribution of angles.

The log Bessel functions log I0 and log I1 are the polynomial approximations of Abramowitz
and Stegun (9.8.1 - 9.8.4), the ones PyTorch evaluates, so that scores agree with its."""
import math

import microtorch

from . import constraints
from .distribution import CenteredAtLoc
from .utils import broadcast_all, lazy_property

__all__ = ['VonMises']

# coefficients in powers of (x / 3.75)^2 below x = 3.75, and of 3.75 / x above it
_SMALL = {0: (1.0, 3.5156229, 3.0899424, 1.2067492, 0.2659732, 0.360768e-1, 0.45813e-2),
          1: (0.5, 0.87890594, 0.51498869, 0.15084934, 0.2658733e-1, 0.301532e-2,
              0.32411e-3)}
_LARGE = {0: (0.39894228, 0.1328592e-1, 0.225319e-2, -0.157565e-2, 0.916281e-2,
              -0.2057706e-1, 0.2635537e-1, -0.1647633e-1, 0.392377e-2),
          1: (0.39894228, -0.3988024e-1, -0.362018e-2, 0.163801e-2, -0.1031555e-1,
              0.2282967e-1, -0.2895312e-1, 0.1787654e-1, -0.420059e-2)}


def _polynomial(y, coefficients):
    """sum_i c_i y^i by Horner's rule."""
    result = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        result = c + y * result
    return result


def _log_bessel_i(x, order):
    """log I_order(x) for x > 0, order 0 or 1."""
    small = _polynomial((x / 3.75).pow(2), _SMALL[order])
    if order == 1:
        small = x.abs() * small
    large = x - 0.5 * x.log() + _polynomial(3.75 / x, _LARGE[order]).log()
    return microtorch.where(x < 3.75, small.log(), large)


def _rejection_sample(loc, concentration, proposal_r, shape):
    """Best and Fisher's (1979) wrapped-Cauchy envelope: all elements are proposed again
    until each has had a proposal accepted, then shifted by loc and wrapped into [-pi, pi).
    As in PyTorch, a later accepted proposal replaces an earlier one (each is a sample of
    the distribution), so a seed gives PyTorch's numbers."""
    angles = microtorch.zeros(shape, dtype=loc.dtype, device=loc.device)
    done = microtorch.zeros(shape, dtype=microtorch.bool, device=loc.device)
    while not bool(done.all()):
        u1, u2, u3 = microtorch.rand((3,) + tuple(shape), dtype=loc.dtype,
                                     device=loc.device).unbind()
        z = (math.pi * u1).cos()
        f = (1 + proposal_r * z) / (proposal_r + z)
        c = concentration * (proposal_r - f)
        accept = ((c * (2 - c) - u2) > 0) | ((c / u2).log() + 1 - c >= 0)
        angles = microtorch.where(accept, (u3 - 0.5).sign() * f.acos(), angles)
        done = done | accept
    return (angles + math.pi + loc) % (2 * math.pi) - math.pi


class VonMises(CenteredAtLoc):
    """Angles (any real, read modulo 2 pi) about loc, the tighter the larger concentration.
    mean and variance are the circular ones."""
    arg_constraints = {'loc': constraints.real, 'concentration': constraints.positive}
    support = constraints.real
    has_rsample = False

    def __init__(self, loc, concentration, validate_args=None):
        self.loc, self.concentration = broadcast_all(loc, concentration)
        super().__init__(self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new.__dict__.pop('variance', None)           # (computed again, over the new batch)
        return new

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (self.concentration * (value - self.loc).cos() - math.log(2 * math.pi)
                - _log_bessel_i(self.concentration, 0))

    def _proposal_r(self, kappa):
        """The envelope's parameter r (1 / kappa + kappa, its limit, for tiny kappa)."""
        tau = 1 + (1 + 4 * kappa.pow(2)).sqrt()
        rho = (tau - (2 * tau).sqrt()) / (2 * kappa)
        return microtorch.where(kappa < 1e-5, 1 / kappa + kappa, (1 + rho.pow(2)) / (2 * rho))

    def sample(self, sample_shape=microtorch.Size()):
        # in float64 throughout: float32's rounding stalls the loop for tiny concentrations
        with microtorch.no_grad():
            loc, kappa = self.loc.double(), self.concentration.double()
            draws = _rejection_sample(loc, kappa, self._proposal_r(kappa),
                                      self._extended_shape(sample_shape))
            return draws.to(self.loc.dtype)

    @lazy_property
    def variance(self):
        return 1 - (_log_bessel_i(self.concentration, 1)
                    - _log_bessel_i(self.concentration, 0)).exp()
