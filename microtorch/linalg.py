"""microtorch.linalg: PyTorch's linear-algebra names over microtorch's ops (norms, products,
cross, diagonal, inv, det, slogdet, solve, matrix_power). Decompositions (svd, eig, qr) and the
norms that need them are not here."""
import math

from . import return_types
from ._size import wrap_dim
from .ops import composite as _C
from .ops import functional as _F

matmul = _F.matmul


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The vector ord-norm over dim (every element by default, or with dim=())."""
    if isinstance(ord, bool) or not isinstance(ord, (int, float)):
        raise TypeError("linalg_vector_norm(): argument 'ord' must be Number, not "
                        f'{type(ord).__name__}')
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    return _F.norm(x, ord, dim, keepdim, dtype)


def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None):
    """'fro', or the largest (smallest) column sum (ord 1, -1) or row sum (inf, -inf) of
    absolute values. The nuclear and spectral norms need an SVD: not implemented."""
    if not isinstance(ord, str) and ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f'linalg.matrix_norm: Order {_C._number(ord)} not supported.')
    if isinstance(ord, str) and ord not in ('fro', 'nuc'):
        raise RuntimeError(f'linalg.matrix_norm: Order {ord} not supported.')
    if A.ndim < 2:
        raise RuntimeError('linalg.matrix_norm: The input tensor A must have at least 2 '
                           'dimensions.')
    _F.check_norm_dtypes(A, dtype, 'matrix_norm')
    dim = [dim] if isinstance(dim, int) else list(dim)
    if len(dim) != 2:
        raise RuntimeError('linalg.matrix_norm: dim must be a 2-tuple. Got '
                           f'{" ".join(str(d) for d in dim)}')
    rows, cols = (wrap_dim(d, A.ndim) for d in dim)
    if rows == cols:
        raise RuntimeError(f'linalg.matrix_norm: dims must be different. Got {tuple(dim)}')
    if ord in ('nuc', 2, -2):
        raise NotImplementedError(f'linalg.matrix_norm(ord={ord!r}) needs a singular value '
                                  'decomposition, which microtorch does not implement')
    if ord == 'fro':
        return _F.norm(A, 2, (rows, cols), keepdim, dtype)
    if dtype is not None:
        A = _F.cast(A, _dtype_of(dtype))
    summed, kept = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = _F.sum(_F.abs(A), summed, keepdim=True)
    # the largest of no sums is 0 for PyTorch (the smallest raises, as amin does)
    pick = _F.amax if ord > 0 else _F.amin
    out = _F.sum(sums, kept, keepdim=True) if ord > 0 and not sums.shape[kept] else \
        pick(sums, kept, keepdim=True)
    return out if keepdim else _F.squeeze(out, sorted((rows, cols), reverse=True))


def _dtype_of(dtype):
    from . import _dtype
    return _dtype.to_dtype(dtype)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Without ord: the 2-norm of the vector (dim=None: all elements). With ord: a vector norm
    (1-D input or one dim) or a matrix norm (2-D input or a pair of dims)."""
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None and len(dim) not in (1, 2):
        raise RuntimeError('linalg.norm: If dim is specified, it must be of length 1 or 2. Got '
                           f'{list(dim)}')
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError('linalg.norm: If dim is not specified but ord is, the input must '
                               f'be 1D or 2D. Got {A.ndim}D.')
        if A.ndim == 2 or isinstance(ord, str):
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    elif isinstance(ord, str) or len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def vecdot(x, y, *, dim=-1):
    """The dot products of vectors along dim (batch dims broadcast)."""
    if x.dtype is not y.dtype:
        raise RuntimeError('linalg.vecdot: Expected x and y to have the same dtype, but found '
                           f'x of type {_F.type_name(x.dtype)} and y of type '
                           f'{_F.type_name(y.dtype)} instead')
    if not x.is_floating_point():
        raise RuntimeError('linalg.vecdot: Expected a floating point or complex tensor as input. '
                           f'Got {_F.type_name(x.dtype)}')
    return _F.sum(_F.mul(x, y), dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    return _F.diagonal(A, offset, dim1, dim2)


cross = _C.linalg_cross


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle (singular, for inv and solve)."""


def _square_matrices(A, name, floating=True):
    """name: how PyTorch's message names the function ('linalg.det', 'logdet')."""
    if '.' not in name and name != 'logdet':
        name = 'linalg.' + name
    if A.ndim < 2:
        raise RuntimeError(f'{name}: The input tensor A must have at least 2 dimensions.')
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f'{name}: A must be batches of square matrices, but they are '
                           f'{A.shape[-2]} by {A.shape[-1]} matrices')
    if floating and not A.is_floating_point():
        raise RuntimeError(f'{name}: Expected a floating point or complex tensor as '
                           f'input. Got {_F.type_name(A.dtype)}')


def _first_zero_pivot(matrix):
    """LAPACK's getrf info for one matrix: the 1-based index of the first exact zero on U's
    diagonal in an LU factorisation with partial pivoting (0 when there is none)."""
    import numpy as np
    u = np.array(matrix, copy=True)
    n = u.shape[0]
    for k in range(n):
        pivot = k + int(np.argmax(np.abs(u[k:, k])))
        if u[pivot, k] == 0:
            return k + 1
        u[[k, pivot]] = u[[pivot, k]]
        u[k + 1:, k:] -= np.outer(u[k + 1:, k] / u[k, k], u[k, k:])
    return 0


def _singular_inv_message(A):
    import numpy as np
    matrices = np.asarray(A.detach().cpu().numpy()).reshape(-1, A.shape[-1], A.shape[-1])
    for batch, matrix in enumerate(matrices):
        index = _first_zero_pivot(matrix)
        if index:
            where = f'(Batch element {batch}): ' if A.ndim > 2 else ''
            return (f'linalg.inv: {where}The diagonal element {index} is zero, the inversion '
                    'could not be completed because the input matrix is singular.')
    return 'linalg.inv: the input matrix is singular.'


def _numpy_linalg_error():
    # CuPy raises NumPy's class too
    import numpy as np
    return np.linalg.LinAlgError


def inv(A):
    """The inverse of each square matrix (LinAlgError for a singular one)."""
    from .ops.linalg import Inv
    _square_matrices(A, 'inv')
    try:
        return Inv.apply(A)
    except _numpy_linalg_error():
        raise LinAlgError(_singular_inv_message(A)) from None


def det(A):
    """The determinant of each square matrix. Its gradient needs A invertible (PyTorch's
    also covers singular matrices, through an SVD microtorch does not have)."""
    from .ops.linalg import Det
    _square_matrices(A, 'det')
    return Det.apply(A)


def slogdet(A):
    """(sign, log |det|) of each square matrix, as torch.return_types.linalg_slogdet."""
    return signed_log_det(A, 'linalg_slogdet')


def signed_log_det(A, type_name):
    """slogdet's result as the named tuple `type_name` (torch.slogdet's is 'slogdet')."""
    from .ops.linalg import Slogdet
    _square_matrices(A, 'slogdet')
    return return_types.named(type_name, ('sign', 'logabsdet'))(*Slogdet.apply(A))


def logdet(A):
    """log det A: nan where det < 0, -inf where it is 0."""
    from .ops.linalg import Slogdet
    _square_matrices(A, 'logdet')
    sign, logabsdet = Slogdet.apply(A)
    return _F.where(_F.lt(sign, 0), _F.full_like(logabsdet, math.nan), logabsdet)


def matrix_power(A, n):
    """A @ A @ ... (n times) by repeated squaring; the identity for n = 0, powers of the
    inverse for n < 0."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("linalg_matrix_power(): argument 'n' (position 2) must be int, not "
                        f'{type(n).__name__}')
    _square_matrices(A, 'matrix_power', floating=False)
    if n == 0:
        from .creation import eye
        identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
        return _F.expand(identity, list(A.shape)).clone()
    base = inv(A) if n < 0 else A
    result, n = None, abs(n)
    while n:                                   # the binary digits of n, lowest first
        if n & 1:
            result = base if result is None else _F.matmul(result, base)
        n >>= 1
        if n:
            base = _F.matmul(base, base)
    return result


def solve(A, B, *, left=True):
    """X with A X = B (left=False: X A = B); B a vector or a batch of matrices, batch dims
    broadcast."""
    from .ops.linalg import Solve
    if A.dtype is not B.dtype:
        raise RuntimeError('linalg.solve: Expected A and B to have the same dtype, but found A '
                           f'of type {_F.type_name(A.dtype)} and B of type '
                           f'{_F.type_name(B.dtype)} instead')
    if not A.is_floating_point():           # solve checks the dtype first
        raise RuntimeError('linalg.solve: Expected a floating point or complex tensor as '
                           f'input. Got {_F.type_name(A.dtype)}')
    _square_matrices(A, 'solve')
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    rows, cols = (B.shape[-1], 1) if vector else (B.shape[-2], B.shape[-1])
    if (rows if left else cols) != A.shape[-1]:
        raise RuntimeError('linalg.solve: Incompatible shapes of A and B for the equation '
                           f'{"AX = B" if left else "XA = B"} ({A.shape[-2]}x{A.shape[-1]} and '
                           f'{rows}x{cols})')
    if vector and not left:
        raise RuntimeError('linalg.solve: Vector broadcasting of the left hand side is not '
                           'supported for left=False. In this case linalg.solve is equivalent '
                           'to B / A.squeeze(-1)')
    if not left:                            # X A = B is A^T X^T = B^T
        return _F.transpose(solve(_F.transpose(A, -2, -1), _F.transpose(B, -2, -1)), -2, -1)
    if not vector:
        batch = list(_F.broadcast_shapes(A.shape[:-2], B.shape[:-2]))
        A = _F.expand(A, batch + list(A.shape[-2:]))
        B = _F.expand(B, batch + list(B.shape[-2:]))
    try:
        return Solve.apply(A, B, vector)
    except _numpy_linalg_error():
        raise LinAlgError(_singular_solve_message(A)) from None


def _singular_solve_message(A):
    import numpy as np
    where = ''
    if A.ndim > 2:
        matrices = np.asarray(A.detach().cpu().numpy()).reshape(-1, A.shape[-1], A.shape[-1])
        batch = next((b for b, m in enumerate(matrices) if _first_zero_pivot(m)), 0)
        where = f'(Batch element {batch}): '
    return (f'microtorch.linalg.solve: {where}The solver failed because the input matrix is '
            'singular.')
