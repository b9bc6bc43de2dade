"""microtorch.special: torch.special's names over microtorch's ops.

The gamma family (gammaln, digamma/psi, polygamma, multigammaln), the error function and its
relatives (erf, erfc, erfinv, ndtr, ndtri, log_ndtr), expit/logit, entr, xlogy/xlog1py,
the modified Bessel functions i0 and i1, sinc, exp2, expm1, log1p, round, and
softmax/log_softmax/logsumexp, with PyTorch's values, gradients and errors; and from
ops/special_more.py: i0e, i1e, erfcx, gammainc/gammaincc, zeta, the Bessel functions
(bessel_j0/j1/y0/y1, modified_bessel_i0/i1/k0/k1, scaled_modified_bessel_k0/k1,
spherical_bessel_j0, airy_ai) and the orthogonal polynomials (Chebyshev, shifted
Chebyshev, Hermite, Laguerre, Legendre).
"""
from .ops import composite as _C
from .ops import functional as _F
from .ops import numeric as _N
from .ops import special as _S
from .ops import special_more as _M

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
i0e = _M.i0e
i1e = _M.i1e
erfcx = _M.erfcx
gammainc = _M.gammainc
gammaincc = _M.gammaincc
zeta = _M.zeta
bessel_j0 = _M.bessel_j0
bessel_j1 = _M.bessel_j1
bessel_y0 = _M.bessel_y0
bessel_y1 = _M.bessel_y1
modified_bessel_i0 = _M.modified_bessel_i0
modified_bessel_i1 = _M.modified_bessel_i1
modified_bessel_k0 = _M.modified_bessel_k0
modified_bessel_k1 = _M.modified_bessel_k1
scaled_modified_bessel_k0 = _M.scaled_modified_bessel_k0
scaled_modified_bessel_k1 = _M.scaled_modified_bessel_k1
spherical_bessel_j0 = _M.spherical_bessel_j0
airy_ai = _M.airy_ai
chebyshev_polynomial_t = _M.chebyshev_polynomial_t
chebyshev_polynomial_u = _M.chebyshev_polynomial_u
chebyshev_polynomial_v = _M.chebyshev_polynomial_v
chebyshev_polynomial_w = _M.chebyshev_polynomial_w
shifted_chebyshev_polynomial_t = _M.shifted_chebyshev_polynomial_t
shifted_chebyshev_polynomial_u = _M.shifted_chebyshev_polynomial_u
shifted_chebyshev_polynomial_v = _M.shifted_chebyshev_polynomial_v
shifted_chebyshev_polynomial_w = _M.shifted_chebyshev_polynomial_w
hermite_polynomial_h = _M.hermite_polynomial_h
hermite_polynomial_he = _M.hermite_polynomial_he
laguerre_polynomial_l = _M.laguerre_polynomial_l
legendre_polynomial_p = _M.legendre_polynomial_p


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
           'multigammaln', 'ndtr', 'ndtri', 'log_ndtr', 'entr', 'xlogy', 'xlog1py', 'sinc', 'exp2',
           'expm1', 'log1p', 'round', 'softmax', 'log_softmax', 'logsumexp', 'i0', 'i1', 'i0e',
           'i1e', 'erfcx', 'gammainc', 'gammaincc', 'zeta', 'bessel_j0', 'bessel_j1', 'bessel_y0',
           'bessel_y1', 'modified_bessel_i0', 'modified_bessel_i1', 'modified_bessel_k0',
           'modified_bessel_k1', 'scaled_modified_bessel_k0', 'scaled_modified_bessel_k1',
           'spherical_bessel_j0', 'airy_ai', 'chebyshev_polynomial_t', 'chebyshev_polynomial_u',
           'chebyshev_polynomial_v', 'chebyshev_polynomial_w', 'shifted_chebyshev_polynomial_t',
           'shifted_chebyshev_polynomial_u', 'shifted_chebyshev_polynomial_v',
           'shifted_chebyshev_polynomial_w', 'hermite_polynomial_h', 'hermite_polynomial_he',
           'laguerre_polynomial_l', 'legendre_polynomial_p']
