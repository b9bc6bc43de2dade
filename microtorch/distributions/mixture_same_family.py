"""MixtureSameFamily(mixture_distribution, component_distribution): a mixture of the
components in the rightmost batch dim of one distribution, weighted by a Categorical."""
import microtorch

from . import constraints
from .categorical import Categorical
from .distribution import Distribution

__all__ = ['MixtureSameFamily']


class MixtureSameFamily(Distribution):
    """Draws a component index k from mixture_distribution, then a draw of component k of
    component_distribution (whose last batch dim holds the components)."""
    arg_constraints = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        # (PyTorch's first message has these stray spaces)
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(' The Mixture distribution needs to be an  instance of '
                             'microtorch.distributions.Categorical')
        if not isinstance(component_distribution, Distribution):
            raise ValueError('The Component distribution needs to be an instance of '
                             'microtorch.distributions.Distribution')
        mixture_batch = mixture_distribution.batch_shape
        component_batch = component_distribution.batch_shape[:-1]
        for size1, size2 in zip(reversed(mixture_batch), reversed(component_batch)):
            if size1 != 1 and size2 != 1 and size1 != size2:
                raise ValueError(f'`mixture_distribution.batch_shape` ({mixture_batch}) is not '
                                 'compatible with `component_distribution.batch_shape`'
                                 f'({component_batch})')
        mixture_count = mixture_distribution.logits.shape[-1]
        component_count = component_distribution.batch_shape[-1]
        if mixture_count != component_count:
            raise ValueError(f'`mixture_distribution component` ({mixture_count}) does not '
                             'equal `component_distribution.batch_shape[-1]` '
                             f'({component_count})')
        self._num_component = mixture_count
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(component_batch, component_distribution.event_shape,
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = microtorch.Size(batch_shape)
        new = self._blank(_instance)
        new._component_distribution = self._component_distribution.expand(
            batch_shape + (self._num_component,))
        new._mixture_distribution = self._mixture_distribution.expand(batch_shape)
        new._num_component, new._event_ndims = self._num_component, self._event_ndims
        return self._finish_expand(new, batch_shape)

    @property
    def support(self):
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self):
        return self._mixture_distribution

    @property
    def component_distribution(self):
        return self._component_distribution

    def _pad(self, x):
        """x with a components dim in front of the event dims."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, probs):
        """The mixture's weights shaped to broadcast against the components' moments."""
        mixture_batch_ndims = len(self.mixture_distribution.batch_shape)
        pad = 0 if mixture_batch_ndims == 1 else len(self._batch_shape) - mixture_batch_ndims
        shape = tuple(probs.shape)
        return probs.reshape(shape[:-1] + (1,) * pad + shape[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self):
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        return (probs * self.component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self):
        # the law of total variance: E[Var(X | k)] + Var(E[X | k])
        probs = self._pad_mixture_dimensions(self.mixture_distribution.probs)
        within = (probs * self.component_distribution.variance).sum(-1 - self._event_ndims)
        between = (probs * (self.component_distribution.mean - self._pad(self.mean)).pow(2)
                   ).sum(-1 - self._event_ndims)
        return within + between

    def cdf(self, x):
        component_cdfs = self.component_distribution.cdf(self._pad(x))
        return (component_cdfs * self.mixture_distribution.probs).sum(-1)

    def log_prob(self, x):
        if self._validate_args:
            self._validate_sample(x)
        component_log_probs = self.component_distribution.log_prob(self._pad(x))
        log_weights = microtorch.log_softmax(self.mixture_distribution.logits, dim=-1)
        return (component_log_probs + log_weights).logsumexp(-1)

    def sample(self, sample_shape=microtorch.Size()):
        sample_shape = microtorch.Size(sample_shape)
        with microtorch.no_grad():
            gather_dim = len(sample_shape) + len(self._batch_shape)
            event_shape = tuple(self._event_shape)
            chosen = self.mixture_distribution.sample(sample_shape)
            draws = self.component_distribution.sample(sample_shape)
            index = chosen.reshape(tuple(chosen.shape) + (1,) * (len(event_shape) + 1))
            index = index.repeat((1,) * chosen.dim() + (1,) + event_shape)
            return draws.gather(gather_dim, index).squeeze(gather_dim)

    def __repr__(self):
        return (f'MixtureSameFamily(\n  {self.mixture_distribution},\n'
                f'  {self.component_distribution})')
