"""microtorch.special: torch.special's names over microtorch's ops.

The gamma family (gammaln, digamma/psi, polygamma, multigammaln), the error function and its
relatives (erf, erfc, erfinv, ndtr, ndtri, log_ndtr), expit/logit, entr, xlogy/xlog1py,
the modified Bessel functions i0 and i1, sinc, exp2, expm1, log1p, round, and
softmax/log_softmax/logsumexp, with PyTorch's values, gradients and errors.
"""
from .ops import composite as _C
from .ops import functional as _F
from .ops import numeric as _N
from .ops import special as _S

expit = _F.sigmoid
logit = _N.logit
erf = _F.erf
erfc = _S.erfc
erfinv = _S.erfinv
gammaln = _S.lgamma
digamma = psi = _S.digamma
ndtr = _S.ndtr
ndtri = _S.ndtri
log_ndtr = _S.log_ndtr
entr = _S.entr
xlogy = _C.xlogy
xlog1py = _S.xlog1py
sinc = _N.sinc
exp2 = _F.exp2
expm1 = _F.expm1
log1p = _F.log1p
round = _S.special_round
i0 = _S.i0
i1 = _S.i1


def polygamma(n, input):
    """The n-th derivative of digamma (n >= 0)."""
    return _S.polygamma(n, input, _function='special_polygamma')


def multigammaln(input, p):
    """The multivariate log-gamma function of dimension p (torch.mvlgamma)."""
    return _S.mvlgamma(input, p, _function='special_multigammaln')


def softmax(input, dim, *, dtype=None):
    return _F.softmax(input, dim, dtype)


def log_softmax(input, dim, *, dtype=None):
    return _F.log_softmax(input, dim, dtype)


def logsumexp(input, dim, keepdim=False):
    return _F.logsumexp(input, dim, keepdim)


__all__ = ['expit', 'logit', 'erf', 'erfc', 'erfinv', 'gammaln', 'digamma', 'psi', 'polygamma',
           'multigammaln', 'ndtr', 'ndtri', 'log_ndtr', 'entr', 'xlogy', 'xlog1py', 'sinc',
           'exp2', 'expm1', 'log1p', 'round', 'softmax', 'log_softmax', 'logsumexp', 'i0',
           'i1']
