"""`microtorch.nn.utils.parametrizations`: weight_norm, spectral_norm and orthogonal as
parametrizations (see parametrize.py), as `torch.nn.utils.parametrizations`."""

import numpy as np

from ... import creation as _creation
from ... import linalg as _linalg
from ...autograd.grad_mode import no_grad
from ...ops.functional import cat as _cat
from ...tensor import Tensor
from .. import functional as F
from ..modules.module import Module
from . import parametrize

__all__ = ['orthogonal', 'spectral_norm', 'weight_norm']


# ---- weight norm ---------------------------------------------------------------------------

def norm_except_dim(v, pow=2, dim=0):
    """The p-norm of v over every dim but `dim` (kept, with size 1 elsewhere); dim=-1: the
    norm of the whole tensor (0-d), as torch.norm_except_dim."""
    if dim == -1:
        return v.norm(pow)
    dim = dim % v.ndim
    others = tuple(d for d in range(v.ndim) if d != dim)
    if not others:
        return v.abs() if pow != 0 else v
    return v.norm(pow, dim=others, keepdim=True)


def _weight_norm(v, g, dim=0):
    """g * v / ||v|| (the norm over every dim but `dim`), as torch._weight_norm."""
    return v * (g / norm_except_dim(v, 2, dim))


class _WeightNorm(Module):
    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name='weight', dim=0):
    """module.<name> = g * v / ||v||, with g (original0: the norm over every dim but `dim`,
    or the whole norm with dim=None) and v (original1) the parameters trained."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

    def load_legacy_keys(state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
        # checkpoints of nn.utils.weight_norm store weight_g / weight_v
        g_key, v_key = f'{prefix}{name}_g', f'{prefix}{name}_v'
        if g_key in state_dict and v_key in state_dict:
            state_dict[f'{prefix}parametrizations.{name}.original0'] = state_dict.pop(g_key)
            state_dict[f'{prefix}parametrizations.{name}.original1'] = state_dict.pop(v_key)

    module._register_load_state_dict_pre_hook(load_legacy_keys)
    return module


# ---- spectral norm -------------------------------------------------------------------------

def _as_matrix(weight, dim):
    """weight with `dim` first, flattened to (size of dim, everything else)."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _set_normalized(buffer, vector, eps):
    """buffer <- vector / max(||vector||, eps), in place (PyTorch's normalize(out=buffer))."""
    buffer.copy_(F.normalize(vector, dim=0, eps=eps))


def _check_power_iterations(n_power_iterations):
    if n_power_iterations <= 0:
        raise ValueError('Expected n_power_iterations to be positive, but got '
                         f'n_power_iterations={n_power_iterations}')


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f'Dimension out of range (expected to be in range of [-{ndim}, '
                             f'{ndim - 1}] but got {dim})')
        _check_power_iterations(n_power_iterations)
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = _as_matrix(weight, self.dim)
            rows, cols = matrix.shape
            with no_grad():
                u = matrix.new_empty(rows).normal_(0, 1)
                v = matrix.new_empty(cols).normal_(0, 1)
                self.register_buffer('_u', F.normalize(u, dim=0, eps=self.eps))
                self.register_buffer('_v', F.normalize(v, dim=0, eps=self.eps))
            self._power_method(matrix, 15)

    def _power_method(self, matrix, n_power_iterations):
        """Move _u and _v (in place) towards the top singular vectors of matrix."""
        with no_grad():
            for _ in range(n_power_iterations):
                _set_normalized(self._u, matrix.mv(self._v), self.eps)
                _set_normalized(self._v, matrix.mT.mv(self._u), self.eps)

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        matrix = _as_matrix(weight, self.dim)
        if self.training:
            self._power_method(matrix, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(matrix.mv(v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def _spectral_dim(module, dim):
    """The default dim: 1 for transposed convolutions (their weight is (in, out, ...)), 0
    otherwise."""
    if dim is not None:
        return dim
    from ..modules import conv
    transposed = tuple(getattr(conv, name) for name in
                       ('ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d')
                       if hasattr(conv, name))
    return 1 if isinstance(module, transposed) else 0


def spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None):
    """module.<name> = W / sigma(W), sigma the largest singular value estimated by power
    iteration (n_power_iterations steps per forward in training mode, none in eval);
    u and v are buffers of the parametrization ('parametrizations.weight.0._u')."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, _spectral_dim(module, dim), eps))
    return module


# ---- orthogonal ----------------------------------------------------------------------------

def _geqrf(A):
    """LAPACK's geqrf (R and the reflectors in one matrix, and their taus), on the host."""
    host = A.detach().cpu().numpy()
    flat = host.reshape(-1, *host.shape[-2:])
    packed, taus = [], []
    for matrix in flat:
        h, tau = np.linalg.qr(matrix, mode='raw')
        packed.append(h.T)
        taus.append(tau)
    shape = host.shape
    packed = np.stack(packed).reshape(shape)
    taus = np.stack(taus).reshape(*shape[:-2], -1)
    return (_creation.tensor(packed, device=A.device),
            _creation.tensor(taus, device=A.device))


def _is_orthogonal(Q):
    n, k = Q.shape[-2], Q.shape[-1]
    eye = _creation.eye(k, dtype=Q.dtype, device=Q.device)
    return bool((Q.mT @ Q).allclose(eye, atol=10.0 * n * np.finfo(Q.dtype.np).eps))


def _make_orthogonal(A):
    """The Q of A = QR with R's diagonal positive (unique for A of full rank)."""
    Q, R = _linalg.qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)


_ORTHOGONAL_MAPS = ('matrix_exp', 'cayley', 'householder')


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, *, use_trivialization=True):
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer('base', None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ('matrix_exp', 'cayley'):
            X = X.tril()
            if n != k:
                X = _cat([X, X.new_zeros(n, n - k).expand(*X.shape[:-2], -1, -1)],
                                  dim=-1)
            A = X - X.mT
            if self.orthogonal_map == 'matrix_exp':
                Q = _linalg.matrix_exp(A)
            else:
                eye = _creation.eye(n, dtype=A.dtype, device=A.device)
                Q = _linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _linalg.householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, 'base'):
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        if Q.shape != self.shape:
            raise ValueError(f'Expected a matrix or batch of matrices of shape {self.shape}. '
                             f'Got a tensor of shape {Q.shape}.')
        with no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q):
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transpose = n < k
        if transpose:
            Q = Q.mT
            n, k = k, n
        if not hasattr(self, 'base'):
            if self.orthogonal_map in ('matrix_exp', 'cayley'):
                raise NotImplementedError('It is not possible to assign to the matrix '
                                          'exponential or the Cayley parametrizations when '
                                          'use_trivialization=False.')
            A, tau = _geqrf(Q)
            diagonal = A.diagonal(dim1=-2, dim2=-1)
            signs = diagonal.sign()
            signs = signs * (1 - 2 * (tau == 0).to(signs.dtype))     # flipped where tau is 0
            on_diagonal = _creation.eye(*A.shape[-2:], dtype=A.dtype, device=A.device)
            A = A * (1 - on_diagonal) + on_diagonal * signs.unsqueeze(-2)
            return A.mT if transpose else A
        if n == k:
            Q = _make_orthogonal(Q) if not _is_orthogonal(Q) else Q.clone()
        else:      # complete Q to a square orthogonal matrix with random columns
            extra = _creation.randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(_cat([Q, extra], dim=-1))
        self.base = Q
        eye = _creation.eye(*Q_init.shape[-2:], dtype=Q_init.dtype, device=Q_init.device)
        return -eye.expand(*Q_init.shape).clone()


def orthogonal(module, name='weight', orthogonal_map=None, *, use_trivialization=True):
    """module.<name> becomes an orthogonal matrix (or batch of them): the image of the
    stored tensor under matrix_exp (default for square), cayley or householder (default
    otherwise)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError('Expected a matrix or batch of matrices. Got a tensor of '
                         f'{weight.ndim} dimensions.')
    if orthogonal_map is None:
        orthogonal_map = 'matrix_exp' if weight.shape[-2] == weight.shape[-1] else \
            'householder'
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError('orthogonal_map has to be one of "matrix_exp", "cayley", '
                         f'"householder". Got: {orthogonal_map}')
    parametrize.register_parametrization(
        module, name, _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization),
        unsafe=True)
    return module
