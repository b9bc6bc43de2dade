"""microtorch.distributions: the probability distributions of torch.distributions that
policy gradients, VAEs and likelihood models use, built from microtorch's ops (gradients flow
through log_prob, entropy, rsample and kl_divergence).

    import microtorch as torch
    from microtorch.distributions import Normal, kl_divergence
    loc = torch.zeros(3, requires_grad=True)
    policy = Normal(loc, 1.0)
    action = policy.sample()
    loss = -policy.log_prob(action).sum()
"""
from . import constraints
from . import transforms
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform
from .binomial import Binomial, Geometric, Multinomial
from .dirichlet import Beta, Dirichlet
from .gamma import Chi2, Gamma
from .independent import Independent
from .laplace import Cauchy, Laplace
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .studentt import StudentT
from .transformed_distribution import (Gumbel, HalfCauchy, HalfNormal, LogNormal,
                                       TransformedDistribution)
from .transforms import (AbsTransform, AffineTransform, CatTransform, ComposeTransform,
                         CorrCholeskyTransform, CumulativeDistributionTransform, ExpTransform,
                         IndependentTransform, LowerCholeskyTransform,
                         PositiveDefiniteTransform, PowerTransform, ReshapeTransform,
                         SigmoidTransform, SoftmaxTransform, SoftplusTransform, StackTransform,
                         StickBreakingTransform, TanhTransform, Transform, identity_transform)
from .constraint_registry import biject_to, transform_to
from .weibull import Pareto, Weibull
from .negative_binomial import NegativeBinomial
from .continuous_bernoulli import ContinuousBernoulli
from .fishersnedecor import FisherSnedecor
from .von_mises import VonMises
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .relaxed import RelaxedBernoulli, RelaxedOneHotCategorical
from .kumaraswamy import Kumaraswamy
from .inverse_gamma import InverseGamma
from .generalized_pareto import GeneralizedPareto
from .logistic_normal import LogisticNormal
from . import kl_more           # registers the new families' KL divergences
del kl_more

__all__ = ['Distribution', 'Normal', 'Bernoulli', 'Categorical', 'Uniform', 'Exponential',
           'kl_divergence', 'register_kl', 'constraints', 'MultivariateNormal',
           'Gamma', 'Chi2', 'Beta', 'Dirichlet', 'Poisson', 'Laplace', 'Cauchy', 'HalfNormal',
           'HalfCauchy', 'LogNormal', 'Gumbel', 'StudentT', 'Binomial', 'Geometric',
           'OneHotCategorical', 'Multinomial', 'Independent', 'TransformedDistribution',
           'transforms', 'Transform', 'ComposeTransform', 'ExpTransform', 'AffineTransform',
           'SigmoidTransform', 'TanhTransform', 'PowerTransform', 'AbsTransform', 'biject_to',
           'transform_to', 'Weibull', 'Pareto', 'NegativeBinomial', 'ContinuousBernoulli',
           'FisherSnedecor', 'VonMises', 'LowRankMultivariateNormal', 'MixtureSameFamily',
           'RelaxedBernoulli', 'RelaxedOneHotCategorical', 'Kumaraswamy', 'InverseGamma',
           'GeneralizedPareto', 'SoftplusTransform', 'SoftmaxTransform',
           'StickBreakingTransform', 'LowerCholeskyTransform', 'PositiveDefiniteTransform',
           'CorrCholeskyTransform', 'CumulativeDistributionTransform', 'IndependentTransform',
           'ReshapeTransform', 'CatTransform', 'StackTransform', 'identity_transform',
           'LogisticNormal', 'OneHotCategoricalStraightThrough']
