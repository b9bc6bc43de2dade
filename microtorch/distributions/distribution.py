"""`Distribution`: shapes, argument checks and the methods every distribution shares."""
import microtorch

from . import constraints
from .utils import lazy_property

__all__ = ['Distribution']


class Distribution:
    """A batch of probability distributions of one family.

    batch_shape: the shape over which the parameters are batched; event_shape: the shape of
    one draw. validate_args: check the parameters here and the values given to log_prob (None:
    the class default, True unless changed by `set_default_validate_args`).
    """
    has_rsample = False
    has_enumerate_support = False
    _validate_args = True
    arg_constraints = {}
    support = None

    @staticmethod
    def set_default_validate_args(value):
        """Turn argument checks on or off for distributions made without validate_args."""
        if value not in (True, False):
            raise ValueError
        Distribution._validate_args = value

    def __init__(self, batch_shape=microtorch.Size(), event_shape=microtorch.Size(),
                 validate_args=None):
        self._batch_shape = microtorch.Size(batch_shape)
        self._event_shape = microtorch.Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self):
        for name, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue                  # (a set that depends on the other parameters)
            if name not in self.__dict__ and isinstance(getattr(type(self), name, None),
                                                        lazy_property):
                continue                  # the other form of a parameter given one way
            value = getattr(self, name)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f'Expected parameter {name} ({type(value).__name__} of shape '
                    f'{tuple(value.shape)}) of distribution {self!r} to satisfy the '
                    f'constraint {constraint!r}, but found invalid values:\n{value}')

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f'{self.__class__} does not implement mode')

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    def sample(self, sample_shape=microtorch.Size()):
        """Draws of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with microtorch.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=microtorch.Size()):
        """Draws that gradients flow through (the reparameterization trick)."""
        raise NotImplementedError

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def perplexity(self):
        return microtorch.exp(self.entropy())

    def expand(self, batch_shape, _instance=None):
        """The same distribution with its parameters expanded (not copied) to batch_shape;
        the trailing event dims of a parameter (Categorical's classes) stay as they are."""
        batch_shape = microtorch.Size(batch_shape)
        new = self._blank(_instance)
        new.__dict__.update(self.__dict__)
        for name in getattr(self, '_expanded_params', self.arg_constraints):
            if name in self.__dict__:
                value = self.__dict__[name]
                event_dims = value.shape[len(self._batch_shape):]
                new.__dict__[name] = value.expand(batch_shape + event_dims)
        if '_param' in self.__dict__:
            new._param = next(new.__dict__[name] for name in self.arg_constraints
                              if self.__dict__.get(name) is self._param)
        return self._finish_expand(new, batch_shape)

    def _blank(self, _instance=None):
        """The instance an expand fills in: the one given (a subclass's), or a new one."""
        return type(self).__new__(type(self)) if _instance is None else _instance

    def _finish_expand(self, new, batch_shape):
        """new's shapes set to batch_shape and this event, its checks as this one's."""
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _full(self, value, like):
        """batch_shape + event_shape filled with value, in like's dtype and device (the
        mean or variance of a family that has none)."""
        return microtorch.full(self._extended_shape(), value, dtype=like.dtype,
                               device=like.device)

    def _extended_shape(self, sample_shape=microtorch.Size()):
        """sample_shape + batch_shape + event_shape."""
        return microtorch.Size(sample_shape) + self._batch_shape + self._event_shape

    def _validate_sample(self, value):
        """PyTorch's checks of a value to score: a tensor, of a shape that broadcasts with
        batch_shape + event_shape, inside the support."""
        if not isinstance(value, microtorch.Tensor):
            raise ValueError('The value argument to log_prob must be a Tensor')
        event_start = value.dim() - len(self._event_shape)
        if value.size()[event_start:] != self._event_shape:
            raise ValueError('The right-most size of value must match event_shape: '
                             f'{value.size()} vs {self._event_shape}.')
        expected = self._batch_shape + self._event_shape
        for got, want in zip(reversed(value.size()), reversed(expected)):
            if got != 1 and want != 1 and got != want:
                raise ValueError('Value is not broadcastable with batch_shape+event_shape: '
                                 f'{value.size()} vs {expected}.')
        support = self.support
        if support is None:               # (a subclass that names no support: shapes only)
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f'Expected value argument ({type(value).__name__} of shape '
                f'{tuple(value.shape)}) to be within the support ({support!r}) of the '
                f'distribution {self!r}, but found invalid values:\n{value}')

    def __repr__(self):
        shown = []
        for name in self.arg_constraints:
            if name in self.__dict__:
                value = self.__dict__[name]
                shown.append(f'{name}: {value if value.numel() == 1 else value.size()}')
        return f"{type(self).__name__}({', '.join(shown)})"


class CenteredAtLoc(Distribution):
    """A distribution whose mean and mode are its `loc` (Normal, the multivariate normals,
    VonMises)."""

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc
