"""Binomial(total_count, probs | logits), Geometric(probs | logits) and
Multinomial(total_count, probs | logits): counts of successes of independent trials."""
import microtorch

from . import constraints
from .categorical import Categorical
from .discrete import BinaryParams, enumerate_values
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ['Binomial', 'Geometric', 'Multinomial']


def _positive_part(x):
    """max(x, 0), with the gradient split in half at 0."""
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(BinaryParams):
    """The number of successes in total_count trials that each succeed with probs."""
    arg_constraints = {'total_count': constraints.nonnegative_integer,
                       'probs': constraints.unit_interval, 'logits': constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        (total_count,), batch_shape = self._set_param(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(batch_shape, validate_args=validate_args)

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self):
        return self.total_count * self.probs

    @property
    def mode(self):
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        with microtorch.no_grad():
            return microtorch.binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        n, logits = self.total_count, self.logits
        # k log p + (n - k) log(1 - p) = k logit - n max(logit, 0) - n log1p(e^-|logit|)
        normalizer = (n * _positive_part(logits) + n * (-logits.abs()).exp().log1p()
                      - (n + 1).lgamma())
        return (value * logits - (value + 1).lgamma() - (n - value + 1).lgamma()
                - normalizer)

    def _homogeneous_count(self, what):
        count = int(self.total_count.max())
        if not self.total_count.min() == count:
            raise NotImplementedError(f'Inhomogeneous total count not supported by `{what}`.')
        return count

    def entropy(self):
        self._homogeneous_count('entropy')
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand=True):
        count = self._homogeneous_count('enumerate_support')
        values = microtorch.arange(1 + count, dtype=self._param.dtype,
                                   device=self._param.device)
        return enumerate_values(values, self._batch_shape, expand)


class Geometric(BinaryParams):
    """The number of failures before the first success of trials that succeed with probs."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        _, batch_shape = self._set_param(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None:
            valid = self.probs > 0
            if not bool(valid.all()):
                raise ValueError(
                    f'Expected parameter probs ({type(self.probs).__name__} of shape '
                    f'{tuple(self.probs.shape)}) of distribution {self!r} to be positive but '
                    f'found invalid values:\n{self.probs.detach()[~valid]}')

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return microtorch.zeros_like(self.probs)

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        tiny = microtorch.finfo(self.probs.dtype).tiny
        with microtorch.no_grad():
            unit = microtorch.rand(shape, dtype=self.probs.dtype, device=self.probs.device)
            return (unit.clamp(min=tiny).log() / (-self.probs).log1p()).floor()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value, probs = broadcast_all(value, self.probs)
        # a certain success at the first trial: 0 * log(0) counts 0
        probs = microtorch.where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        from microtorch.nn import functional
        return functional.binary_cross_entropy_with_logits(
            self.logits, self.probs, reduction='none') / self.probs


class Multinomial(Distribution):
    """Counts per class of total_count draws of a Categorical(probs | logits)."""
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError('inhomogeneous total_count is not supported')
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._blank(_instance)
        batch_shape = microtorch.Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = self._binomial.expand(batch_shape + self._event_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=microtorch.Size()):
        sample_shape = microtorch.Size(sample_shape)
        with microtorch.no_grad():
            draws = self._categorical.sample(microtorch.Size((self.total_count,))
                                             + sample_shape)
            draws = draws.movedim(0, -1)          # the total_count draws last
            counts = microtorch.zeros(self._extended_shape(sample_shape),
                                      dtype=draws.dtype, device=draws.device)
            counts.scatter_add_(-1, draws, microtorch.ones_like(draws))
            return counts.type_as(self.probs)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # a class of probability 0 drawn 0 times adds nothing (not 0 * -inf)
        logits = microtorch.where((value == 0) & (logits == -float('inf')), 0.0, logits)
        return ((value.sum(-1) + 1).lgamma() - (value + 1).lgamma().sum(-1)
                + (logits * value).sum(-1))

    def entropy(self):
        n = microtorch.tensor(self.total_count)
        counts = self._binomial.enumerate_support()
        binomial_probs = self._binomial.log_prob(counts).exp()
        weights = (counts + 1).lgamma()
        return (n * self._categorical.entropy() - (n + 1).lgamma()
                + (binomial_probs * weights).sum([0, -1]))
