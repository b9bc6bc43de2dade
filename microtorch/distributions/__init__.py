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
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .uniform import Uniform

__all__ = ['Distribution', 'Normal', 'Bernoulli', 'Categorical', 'Uniform', 'Exponential',
           'kl_divergence', 'register_kl', 'constraints', 'MultivariateNormal']
