"""The Concrete (Gumbel-softmax) relaxations of the Bernoulli and the one-hot categorical
(Maddison et al. 2017; Jang et al. 2017): draws in (0, 1) or on the simplex that gradients
flow through, sharper as the temperature falls.

RelaxedBernoulli is the sigmoid of a LogitRelaxedBernoulli, RelaxedOneHotCategorical the exp
of an ExpRelaxedCategorical (the log of a point of the simplex), as in PyTorch."""
import microtorch

from . import constraints
from .categorical import Categorical
from .discrete import BinaryParams
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform, SigmoidTransform
from .utils import broadcast_all, clamp_probs

__all__ = ['LogitRelaxedBernoulli', 'RelaxedBernoulli', 'ExpRelaxedCategorical',
           'RelaxedOneHotCategorical']


def _logit(p):
    return p.log() - (-p).log1p()


class LogitRelaxedBernoulli(BinaryParams):
    """The logit of a RelaxedBernoulli: (logits + logistic noise) / temperature."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.real

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self.temperature = temperature
        _, batch_shape = self._set_param(probs, logits)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new.temperature = self.temperature               # (not a batched parameter)
        return new

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        probs = clamp_probs(self.probs.expand(shape))
        uniforms = clamp_probs(microtorch.rand(shape, dtype=probs.dtype, device=probs.device))
        return (_logit(uniforms) + _logit(probs)) / self.temperature

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class _BaseParameters:
    """temperature, logits and probs of a relaxed distribution: its base distribution's."""

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs


class RelaxedBernoulli(_BaseParameters, TransformedDistribution):
    """sigmoid of a LogitRelaxedBernoulli(temperature, probs | logits): values in (0, 1)."""
    arg_constraints = {'probs': constraints.unit_interval, 'logits': constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)


class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical: log-softmax of (logits + Gumbel noise) /
    temperature, over the last dim."""
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}
    support = constraints.real_vector           # (in truth a submanifold of it)
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        batch_shape = microtorch.Size(batch_shape)
        new = self._blank(_instance)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        return self._finish_expand(new, batch_shape)

    @property
    def param_shape(self):
        return self._categorical.param_shape

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def probs(self):
        return self._categorical.probs

    def rsample(self, sample_shape=microtorch.Size()):
        shape = self._extended_shape(sample_shape)
        uniforms = clamp_probs(microtorch.rand(shape, dtype=self.logits.dtype,
                                               device=self.logits.device))
        gumbels = -(-uniforms.log()).log()
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value):
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        # log((K - 1)!) + (K - 1) log(temperature)
        log_scale = (microtorch.full_like(self.temperature, float(k)).lgamma()
                     + (k - 1) * self.temperature.log())
        score = logits - value * self.temperature
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(_BaseParameters, TransformedDistribution):
    """exp of an ExpRelaxedCategorical(temperature, probs | logits): points of the
    simplex."""
    arg_constraints = {'probs': constraints.simplex, 'logits': constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)
