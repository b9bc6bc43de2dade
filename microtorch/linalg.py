"""microtorch.linalg: PyTorch's linear-algebra names over microtorch's ops (norms, products,
cross, diagonal, inv, det, slogdet, solve, matrix_power), the factorisations (cholesky, qr,
eigh, svd, lu) with triangular, least-squares and LU solves, and what they give (pinv,
matrix_rank, cond, the _ex forms, tensorinv, tensorsolve), matrix_exp, householder_product and
vander. The general eigendecomposition (eig, complex in general) is not here."""
import functools
import math

import numpy as np

from . import return_types
from .tensor import Tensor
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
    """'fro', the largest (smallest) column sum (ord 1, -1) or row sum (inf, -inf) of
    absolute values, or from the singular values: their sum ('nuc'), the largest (2) or the
    smallest (-2)."""
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
        return _singular_value_norm(A, ord, rows, cols, keepdim, dtype)
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


def _singular_value_norm(A, ord, rows, cols, keepdim, dtype):
    """The nuclear norm (the singular values' sum) or the largest (ord 2) or smallest (-2)
    singular value of the matrices in dims (rows, cols)."""
    if dtype is not None:
        A = _F.cast(A, _dtype_of(dtype))
    if A.dtype.itemsize < 4 and A.is_floating_point():
        raise RuntimeError('linalg.matrix_norm: Low precision dtypes not supported. Got '
                           f'{_F.type_name(A.dtype)}')
    values = svdvals(_C.movedim(A, (rows, cols), (-2, -1)))
    if ord == 'nuc' or (ord == 2 and not values.shape[-1]):      # (no values: 0, as PyTorch)
        out = _F.sum(values, -1)
    else:
        out = (_F.amax if ord == 2 else _F.amin)(values, -1)
    if keepdim:
        for d in sorted((rows, cols)):
            out = _F.unsqueeze(out, d)
    return out


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
    matrices = _host_array(A).reshape(-1, A.shape[-1], A.shape[-1])
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
    where = ''
    if A.ndim > 2:
        matrices = _host_array(A).reshape(-1, A.shape[-1], A.shape[-1])
        batch = next((b for b, m in enumerate(matrices) if _first_zero_pivot(m)), 0)
        where = f'(Batch element {batch}): '
    return (f'microtorch.linalg.solve: {where}The solver failed because the input matrix is '
            'singular.')


# ---- factorisations: Cholesky, triangular solves, QR, eigh, SVD and what they give ----------

def _matrices(A, name, message_name=None):
    """A batch of matrices (>= 2 dims) of floats, as PyTorch checks a factorisation's input."""
    message_name = message_name or f'linalg.{name}'
    if A.ndim < 2:
        raise RuntimeError(f'{message_name}: The input tensor A must have at least 2 dimensions.')
    if not A.is_floating_point():
        raise RuntimeError(f'{message_name}: Expected a floating point or complex tensor as '
                           f'input. Got {_F.type_name(A.dtype)}')


def _host_array(t):
    import numpy as np
    return np.asarray(t.detach().cpu().numpy())


def _factorisation_info(A, upper):
    from .ops.linalg import Cholesky
    _square_matrices(A, 'cholesky')
    return Cholesky.apply(A, upper)


def _raise_unless_factored(info, name, prefix='linalg.'):
    """LinAlgError, in PyTorch's words, for the first matrix whose Cholesky stopped (one
    look at info on the host, as PyTorch's check takes); prefix + name starts the message."""
    import numpy as np
    orders = _host_array(info)
    failed = np.flatnonzero(orders.reshape(-1))
    if failed.size:
        where = f'(Batch element {failed[0]}): ' if orders.ndim else ''
        raise LinAlgError(f'{prefix}{name}: {where}The factorization could not be completed '
                          'because the input is not positive-definite (the leading minor of '
                          f'order {orders.reshape(-1)[failed[0]]} is not positive-definite).')


def cholesky(A, *, upper=False):
    """L, lower triangular with a positive diagonal, with A = L L^T for symmetric
    positive-definite A (only its lower triangle is read); upper=True gives U = L^T (from
    A's upper triangle)."""
    factor, info = _factorisation_info(A, upper)
    _raise_unless_factored(info, 'cholesky')
    return factor


def cholesky_ex(A, *, upper=False, check_errors=False):
    """(L, info) as torch.return_types.linalg_cholesky_ex: info (int32) is 0 for each matrix
    that factored, else the order of its first leading minor that is not positive-definite
    (L is then unspecified). No error unless check_errors."""
    factor, info = _factorisation_info(A, upper)
    if check_errors:
        _raise_unless_factored(info, 'cholesky_ex')
    return return_types.named('linalg_cholesky_ex', ('L', 'info'))(factor, info)


def _not_for_integers(A, kernel):
    if not A.is_floating_point():
        raise NotImplementedError(f'"{kernel}_cpu" not implemented for '
                                  f"'{_F.type_name(A.dtype)}'")


def solve_triangular(A, B, *, upper=None, left=True, unitriangular=False):
    """X with A X = B (left=False: X A = B) for A upper or lower triangular (only that
    triangle is read; unitriangular: its diagonal is taken as ones). Batch dims broadcast;
    B is cast to A's dtype, as PyTorch does."""
    from .ops.linalg import solve_triangular as solve
    if upper is None:                       # (keyword-only and required, as PyTorch's)
        raise TypeError('linalg_solve_triangular() missing 1 required positional arguments: '
                        '"upper"')
    name = 'linalg.solve_triangular'
    for label, t in (('A', A), ('B', B)):
        if t.ndim < 2:
            raise RuntimeError(f'{name}: The input tensor {label} must have at least 2 '
                               'dimensions.')
    _square_matrices(A, 'solve_triangular', floating=False)
    n = A.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f'{name}: Incompatible shapes of A and B for the equation '
                           f'{"AX = B" if left else "XA = B"} ({n}x{n} and '
                           f'{B.shape[-2]}x{B.shape[-1]})')
    _F.broadcast_shapes(B.shape[:-2], A.shape[:-2])          # PyTorch's message, B first
    _not_for_integers(A, 'triangular_solve')
    if B.dtype is not A.dtype:
        B = _F.cast(B, A.dtype)
    return solve(A, B, upper, left, unitriangular)


def cholesky_solve(B, L, upper=False):
    """X with A X = B, given A's Cholesky factor L (A = L L^T; upper: A = U^T U). The
    gradient is PyTorch's, of (L L^T)^-1 B for every entry of L."""
    from .ops.linalg import CholeskySolve
    _F._require_tensor(L, 'cholesky_solve', 'input2')
    for label, t in (('b', B), ('u', L)):
        if t.ndim < 2:
            raise RuntimeError(f'{label} should have at least 2 dimensions, but has {t.ndim} '
                               'dimensions instead')
    if B.dtype is not L.dtype:
        raise RuntimeError('Expected b and A to have the same dtype, but found b of type '
                           f'{_F.type_name(B.dtype)} and A of type {_F.type_name(L.dtype)} '
                           'instead.')
    if L.shape[-1] != L.shape[-2]:
        raise RuntimeError(f'A must be batches of square matrices, but they are {L.shape[-2]} '
                           f'by {L.shape[-1]} matrices')
    if L.shape[-1] != B.shape[-2]:
        raise RuntimeError(f'Incompatible matrix sizes for cholesky_solve: each A matrix is '
                           f'{L.shape[-2]} by {L.shape[-1]} but each b matrix is {B.shape[-2]} '
                           f'by {B.shape[-1]}')
    batch = list(_F.broadcast_shapes(B.shape[:-2], L.shape[:-2]))
    _not_for_integers(L, 'cholesky_solve')
    B = _F.expand(B, batch + list(B.shape[-2:]))
    L = _F.expand(L, batch + list(L.shape[-2:]))
    return CholeskySolve.apply(B, L, upper)


def qr(A, mode='reduced'):
    """(Q, R) with A = QR, Q with orthonormal columns and R upper triangular, as
    torch.return_types.linalg_qr. mode 'reduced': k = min(m, n) columns of Q; 'complete':
    Q square; 'r': R only (Q empty, and no gradient)."""
    from .ops.linalg import Qr
    if not isinstance(mode, str):
        raise TypeError("linalg_qr(): argument 'mode' (position 2) must be str, not "
                        f'{type(mode).__name__}')
    _matrices(A, 'qr')
    if mode not in ('reduced', 'complete', 'r'):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    return return_types.named('linalg_qr', ('Q', 'R'))(*Qr.apply(A, mode))


def _symmetric_input(A, UPLO, kernel):
    _square_matrices(A, 'eigh', floating=False)
    if not isinstance(UPLO, str) or UPLO.upper() not in ('L', 'U'):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    _not_for_integers(A, kernel)
    return UPLO.upper()


def eigh(A, UPLO='L'):
    """(eigenvalues ascending, eigenvectors as columns) of symmetric matrices, read from
    their lower (UPLO='L') or upper triangle, as torch.return_types.linalg_eigh."""
    from .ops.linalg import Eigh
    uplo = _symmetric_input(A, UPLO, 'linalg_eigh')
    return return_types.named('linalg_eigh', ('eigenvalues', 'eigenvectors'))(
        *Eigh.apply(A, uplo))


def _records(A):
    from .autograd.grad_mode import is_grad_enabled
    return A.requires_grad and is_grad_enabled()


def eigvalsh(A, UPLO='L'):
    """The eigenvalues of symmetric matrices, ascending (their gradient needs the
    eigenvectors, which are then computed too)."""
    from .ops.linalg import Eigh, EigenvaluesOnly
    uplo = _symmetric_input(A, UPLO, 'linalg_eigh')
    return Eigh.apply(A, uplo)[0] if _records(A) else EigenvaluesOnly.apply(A, uplo)


def _check_svd_driver(driver):
    if driver is not None:
        raise RuntimeError('microtorch.linalg.svd: keyword argument `driver=` is only supported '
                           'on CUDA inputs with cuSOLVER backend.')


def _nonfinite_svd_message(A):
    import numpy as np
    matrices = _host_array(A).reshape((-1,) + tuple(A.shape[-2:]))
    bad = next((i for i, m in enumerate(matrices) if not np.isfinite(m).all()), 0)
    where = f'(Batch element {bad}): ' if A.ndim > 2 else ''
    return (f'linalg.svd: {where}The algorithm failed to converge because the input matrix '
            'contained non-finite values.')


def _svd(op, *args):
    try:
        return op.apply(*args)
    except _numpy_linalg_error():            # LAPACK's gesdd does not converge on nan
        raise LinAlgError(_nonfinite_svd_message(args[0])) from None


def svd(A, full_matrices=True, *, driver=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending, as torch.return_types.linalg_svd.
    full_matrices: U and Vh square (their extra columns and rows get no gradient, as in
    PyTorch); else k = min(m, n) of each."""
    from .ops.linalg import Svd
    _matrices(A, 'svd')
    _check_svd_driver(driver)
    return return_types.named('linalg_svd', ('U', 'S', 'Vh'))(*_svd(Svd, A, full_matrices))


def svdvals(A, *, driver=None):
    """The singular values, descending."""
    from .ops.linalg import Svd, SingularValuesOnly
    _matrices(A, 'svd')
    _check_svd_driver(driver)
    if _records(A):
        return _svd(Svd, A, False)[1]
    return _svd(SingularValuesOnly, A)


def _tolerances(A, atol, rtol):
    """PyTorch's (atol, rtol) for pinv and matrix_rank, as floats or float64 tensors on A's
    device (to broadcast over the batch): rtol defaults to eps * max(m, n), or to 0 where a
    given atol is positive."""
    from ._dtype import finfo
    default = finfo(A.dtype).eps * max(A.shape[-2], A.shape[-1])
    if rtol is None:
        if atol is None:
            rtol = default
        elif isinstance(atol, Tensor):
            rtol = _F.le(atol, 0).double() * default
        else:
            rtol = 0.0 if atol > 0 else default

    def value(given):
        if isinstance(given, Tensor):
            return _F.cast(given.detach(), _dtype_of('float64')).to(A.device)
        return float(given)
    return value(0.0 if atol is None else atol), value(rtol)


def pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None):
    """The Moore-Penrose pseudo-inverse, from the singular values above
    max(atol, rtol * the largest) (hermitian: from eigh, reading A's lower triangle).
    rcond, the older name, is rtol with atol = 0."""
    from .ops.linalg import Pinv
    if A.ndim < 2 or not A.is_floating_point() or A.dtype.itemsize < 4:
        raise RuntimeError(f'linalg.pinv({_F.type_name(A.dtype)}{{{list(A.shape)}}}): expected '
                           'a tensor with 2 or more dimensions of float, double, cfloat or '
                           'cdouble types')
    if hermitian:
        _square_matrices(A, 'eigh')
    if rcond is not None:
        atol, rtol = 0.0, rcond
    if A.numel() == 0:
        from .creation import zeros
        return zeros(*A.shape[:-2], A.shape[-1], A.shape[-2], dtype=A.dtype, device=A.device)
    return _svd(Pinv, A, *_tolerances(A, atol, rtol), hermitian)


def _rank_input(A):
    if A.ndim < 2:
        raise RuntimeError('microtorch.linalg.matrix_rank: The input tensor input must have at '
                           'least 2 dimensions.')
    if not A.is_floating_point():
        raise RuntimeError("This function doesn't handle types other than float and double")


def _count_above(values, atol, rtol):
    """How many of the (non-negative) values exceed max(atol, rtol * the largest), per row
    (int64); atol and rtol as _tolerances gives them."""
    largest = _F.amax(values, -1, keepdim=True) if values.shape[-1] else values
    atol, rtol = (_F.unsqueeze(b, -1) if isinstance(b, Tensor) else b for b in (atol, rtol))
    tolerance = _F.maximum(_F.full_like(largest, 0.0) + atol, largest * rtol)
    return _F.sum(_F.gt(values, tolerance), -1)


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None):
    """The number of singular values (hermitian: |eigenvalues|) above max(atol,
    rtol * the largest), as int64; tol, the older name, is atol with rtol = 0."""
    _rank_input(A)
    if tol is not None:
        atol, rtol = tol, 0.0
    with _no_grad():
        values = _F.abs(eigvalsh(A)) if hermitian else svdvals(A)
        return _count_above(values, *_tolerances(A, atol, rtol))


def _no_grad():
    from .autograd.grad_mode import no_grad
    return no_grad()


_COND_NUMBERS = (2, -2, 1, -1, math.inf, -math.inf)


def _cond_order_name(p):
    return f'{p:f}' if isinstance(p, float) else str(p)


def cond(A, p=None):
    """The condition number ||A|| ||A^-1|| in the norm p: 2 (the default) and -2 by the
    singular values (any shape), 'fro', 'nuc', 1, -1, inf, -inf for square matrices (inf for
    a singular one, as PyTorch)."""
    if isinstance(p, str):
        name = f'linalg.cond(ord={p})'
        _square_matrices(A, name, floating=False)
        if p not in ('fro', 'nuc'):
            raise RuntimeError(f'linalg.cond got an invalid norm type: {p}')
    else:
        if A.ndim < 2:
            raise RuntimeError('linalg.cond: The input tensor must have at least 2 dimensions.')
        p = 2 if p is None else p
        if p not in _COND_NUMBERS:
            raise RuntimeError(f'linalg.cond got an invalid norm type: {_C._number(p)}')
    if A.numel() == 0:                      # NumPy's 0 for no matrix at all
        from .creation import zeros
        return zeros(*A.shape[:-2], dtype=A.dtype, device=A.device)
    if p in (2, -2) or p == 'nuc':
        values = svdvals(A)
        if p == 'nuc':
            return _F.sum(values, -1) * _F.sum(_F.reciprocal(values), -1)
        largest, smallest = values[..., 0], values[..., -1]
        return largest / smallest if p == 2 else smallest / largest
    if not isinstance(p, str):
        _square_matrices(A, f'linalg.cond(ord={_cond_order_name(p)})', floating=False)
    inverse = _inverse_or_inf(A)
    product = matrix_norm(A, p) * matrix_norm(inverse, p)
    return _C.nan_to_num(product, math.inf, math.inf, -math.inf)


def _inverse_or_inf(A):
    """inv(A), with every entry inf for a singular matrix (PyTorch's inv_ex and fill)."""
    import numpy as np
    from .creation import eye
    try:
        return inv(A)
    except LinAlgError:
        pass
    matrices = _host_array(A).reshape((-1,) + tuple(A.shape[-2:]))
    singular = np.array([_first_zero_pivot(m) > 0 for m in matrices]).reshape(A.shape[:-2])
    from .creation import tensor
    mask = _F.unsqueeze(_F.unsqueeze(tensor(singular, device=A.device), -1), -1)
    identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
    return _F.where(mask, math.inf, inv(_F.where(mask, identity, A)))


_LSTSQ_DRIVERS = ('gels', 'gelsy', 'gelsd', 'gelss')


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution of A X = B (batch dims broadcast; B may be a batch of
    vectors), as torch.return_types.linalg_lstsq(solution, residuals, rank,
    singular_values), each field filled as PyTorch's driver fills it (default 'gelsy' on
    the CPU, 'gels' on CUDA). Every driver's solution is computed from the SVD, as gelsd's:
    singular values at most rcond (default eps * max(m, n)) times the largest are dropped.
    Gradients flow into the solution as PyTorch's (and into residuals, which PyTorch does
    not differentiate)."""
    from .ops.linalg import Pinv
    name = 'microtorch.linalg.lstsq'
    if A.ndim < 2:
        raise RuntimeError(f'{name}: input must have at least 2 dimensions.')
    if A.dtype is not B.dtype:
        raise RuntimeError(f"{name}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {_F.type_name(A.dtype)} and other's dtype "
                           f'{_F.type_name(B.dtype)}')
    if not A.is_floating_point():
        raise RuntimeError("This function doesn't handle types other than float and double")
    if not 0 <= A.ndim - B.ndim <= 1:
        raise RuntimeError(f'{name}: input.dim() must be greater or equal to other.dim() and '
                           '(input.dim() - other.dim()) <= 1')
    on_cuda = A.device.type == 'cuda'
    if driver is None:
        driver = 'gels' if on_cuda else 'gelsy'
    elif driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f'{name}: parameter `driver` should be one of (gels, gelsy, gelsd, '
                           'gelss)')
    if on_cuda and driver != 'gels':
        raise RuntimeError(f'{name}: `driver` other than `gels` is not supported on CUDA')
    vector = A.ndim - B.ndim == 1
    rhs = _F.unsqueeze(B, -1) if vector else B
    batch = list(_F.broadcast_shapes(A.shape[:-2], rhs.shape[:-2]))
    m, n = A.shape[-2], A.shape[-1]
    if rhs.shape[-2] != m:
        raise RuntimeError(f'{name}: input.size(-2) should match other.size('
                           f'{-1 if vector else -2})')
    A = _F.expand(A, batch + [m, n])
    rhs = _F.expand(rhs, batch + list(rhs.shape[-2:]))
    from ._dtype import finfo
    eps = finfo(A.dtype).eps
    rcond = eps * max(m, n) if rcond is None else (eps if rcond < 0 else float(rcond))
    if A.numel() == 0:
        from .creation import zeros
        pseudo = zeros(*batch, n, m, dtype=A.dtype, device=A.device)
    else:
        pseudo = _svd(Pinv, A, 0.0, rcond, False)
    solution = _F.matmul(pseudo, rhs)
    from .creation import empty, tensor
    nothing = empty(0, dtype=A.dtype, device=A.device)
    values = rank = None
    if driver != 'gels':
        with _no_grad():
            values = svdvals(A)
            rank = _count_above(values, 0.0, rcond)
    residuals = nothing
    if m > n and driver != 'gelsy' and (rank is None or bool(_F.eq(rank, n).all())):
        residuals = _F.sum(_F.square(_F.matmul(A, solution) - rhs), -2)
    if vector:
        solution = _F.squeeze(solution, -1)
    if rank is None:
        rank = tensor([], dtype=_dtype_of('int64'), device=A.device)
    if driver not in ('gelsd', 'gelss'):
        values = nothing
    return return_types.named('linalg_lstsq', ('solution', 'residuals', 'rank',
                                               'singular_values'))(solution, residuals, rank,
                                                                   values)


# ---- torch.* forms of the factorisations --------------------------------------------------

def legacy_svd(A, some=True, compute_uv=True):
    """torch.svd: (U, S, V) with A = U diag(S) V^T, as torch.return_types.svd. some=False:
    U and V square; compute_uv=False: U and V zero-filled square matrices."""
    if A.ndim < 2:
        raise RuntimeError('linalg.svd: input should have at least 2 dimensions, but has '
                           f'{A.ndim} dimensions instead')
    result = return_types.named('svd', ('U', 'S', 'V'))
    if not compute_uv:
        from .creation import zeros
        m, n, batch = A.shape[-2], A.shape[-1], A.shape[:-2]
        values = svdvals(A)
        return result(zeros(*batch, m, m, dtype=A.dtype, device=A.device), values,
                      zeros(*batch, n, n, dtype=A.dtype, device=A.device))
    u, s, vh = svd(A, full_matrices=not some)
    return result(u, s, vh.mT)


def legacy_qr(A, some=True):
    """torch.qr: (Q, R), reduced (some=True) or complete, as torch.return_types.qr."""
    return return_types.named('qr', ('Q', 'R'))(*qr(A, 'reduced' if some else 'complete'))


def pinverse(A, rcond=1e-15):
    """torch.pinverse: pinv with rtol = rcond."""
    return pinv(A, rcond)


def _deprecated(message):
    """PyTorch's warning for its old factorisation functions, in its words."""
    import warnings
    from ._caller import user_stacklevel
    warnings.warn(message.replace('torch.', 'microtorch.'), UserWarning,
                  stacklevel=user_stacklevel())


def _into(out, results):
    """Write results into the tensors of out (resized to fit), as out= does; returns out."""
    if len(out) != len(results):
        raise TypeError(f'expected tuple of {len(results)} elements but got {len(out)}')
    for target, value in zip(out, results):
        target.resize_(*value.shape).copy_(value)
    return out


def legacy_cholesky(A, upper=False, *, out=None):
    """torch.cholesky (deprecated for linalg.cholesky, with PyTorch's warning): L with
    A = L L^T, or U = L^T with upper=True, read from A's lower (upper) triangle."""
    from .ops.linalg import Cholesky
    _deprecated('torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be '
                'removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be '
                'replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, '
                'upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis '
                'transform will produce equivalent results for all valid (symmetric positive '
                'definite) inputs.')
    if A.ndim < 2:
        raise RuntimeError('cholesky: The input tensor A must have at least 2 dimensions.')
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f'cholesky: A must be batches of square matrices, but they are '
                           f'{A.shape[-2]} by {A.shape[-1]} matrices')
    _not_for_integers(A, 'cholesky')
    factor, info = Cholesky.apply(A, upper)
    _raise_unless_factored(info, 'cholesky', prefix='')
    return factor if out is None else _into((out,), (factor,))[0]


def legacy_lu(A, pivot=True, get_infos=False, out=None):
    """torch.lu (deprecated for linalg.lu_factor(_ex), with PyTorch's warning): (LU, pivots),
    and info with get_infos (as torch.return_types._lu_with_info); a singular matrix is no
    error, its info says where U's diagonal has a zero."""
    _deprecated('torch.lu is deprecated in favor of torch.linalg.lu_factor / '
                'torch.linalg.lu_factor_ex and will be removed in a future PyTorch release.\n'
                'LU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\n'
                'LU, pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\n'
                'LU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n'
                'should be replaced with\n'
                'LU, pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)')
    packed, pivots, info = _lu_factor_op(A, 'microtorch.lu_factor', pivot)
    results = (packed, pivots, info) if get_infos else (packed, pivots)
    if out is not None:
        results = tuple(_into(out, results))
    if get_infos:
        return return_types.named('_lu_with_info', ('LU', 'pivots', 'info'))(*results)
    return results


def legacy_lu_solve(b, LU_data, LU_pivots, *, out=None):
    """torch.lu_solve (deprecated for linalg.lu_solve, whose arguments come the other way
    round; with PyTorch's warning): X with A X = b for A = P L U given by lu."""
    _deprecated('torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be '
                'removed in a future PyTorch release.\nNote that torch.linalg.lu_solve has its '
                'arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced '
                'with\nX = torch.linalg.lu_solve(LU, pivots, B)')
    solution = lu_solve(LU_data, LU_pivots, b)
    return solution if out is None else _into((out,), (solution,))[0]


# ---- LU and what it gives: lu_factor(_ex), lu, lu_solve, lu_unpack, inv_ex, solve_ex -------

def _lu_factor_op(A, name, pivot):
    """LuFactor's (LU, pivots, info) after PyTorch's checks; name as its messages say it."""
    from .ops.linalg import LuFactor
    if A.ndim < 2:
        raise RuntimeError(f'{name}: Expected tensor with 2 or more dimensions. Got size: '
                           f'{list(A.shape)} instead')
    _not_for_integers(A, 'lu')
    if not pivot and A.device.type == 'cpu':
        raise RuntimeError('linalg.lu_factor: LU without pivoting is not implemented on the '
                           'CPU')
    return LuFactor.apply(A, pivot)


def _raise_if_zero_pivot(info, name):
    """PyTorch's error for the first matrix whose U has a zero on its diagonal."""
    batch, index = _singular_where(info)
    if batch is not None:
        where = f'(Batch element {batch}): ' if info.ndim else ''
        raise RuntimeError(f'{name}: {where}U[{index},{index}] is zero and using it on lu_solve '
                           'would result in a division by zero. If you still want to perform '
                           'the factorization, consider calling linalg.lu(A, pivot) or '
                           'linalg.lu_factor_ex(A, pivot)')


def lu_factor(A, *, pivot=True):
    """(LU, pivots) of A = P L U with partial pivoting, as torch.return_types.linalg_lu_factor:
    L's multipliers below the diagonal and U on and above it in one matrix, and LAPACK's
    1-based row swaps (int32). A matrix whose U has a zero on its diagonal raises."""
    packed, pivots, info = _lu_factor_op(A, 'microtorch.lu_factor', pivot)
    _raise_if_zero_pivot(info, 'microtorch.linalg.lu_factor')
    return return_types.named('linalg_lu_factor', ('LU', 'pivots'))(packed, pivots)


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """(LU, pivots, info) as torch.return_types.linalg_lu_factor_ex: info (int32) is 0, or
    the 1-based index of U's first zero on the diagonal. No error unless check_errors."""
    packed, pivots, info = _lu_factor_op(A, 'microtorch.lu_factor', pivot)
    if check_errors:
        _raise_if_zero_pivot(info, 'microtorch.linalg.lu_factor_ex')
    return return_types.named('linalg_lu_factor_ex', ('LU', 'pivots', 'info'))(
        packed, pivots, info)


def _permutation(pivots, m, dtype):
    from .ops.linalg import LuPermutation
    return LuPermutation.apply(pivots, m, dtype.np)


def lu(A, *, pivot=True):
    """(P, L, U) with A = P L U, L unit lower triangular (m x k), U upper (k x n),
    k = min(m, n), as torch.return_types.linalg_lu; singular matrices factor too."""
    from .ops.linalg import lu_factors
    packed, pivots, _ = _lu_factor_op(A, 'linalg.lu', pivot)
    p = _permutation(pivots, A.shape[-2], A.dtype)
    return return_types.named('linalg_lu', ('P', 'L', 'U'))(p, *lu_factors(packed, p))


def _check_pivots(LU_data, LU_pivots, message):
    """Pivots in 1 ... LU.size(-2) (one look on the host, as PyTorch's check)."""
    if LU_pivots.numel():
        values = _host_array(LU_pivots)
        if values.min() < 1 or values.max() > LU_data.shape[-2]:
            raise RuntimeError(message)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """torch.lu_unpack: (P, L, U) from lu_factor's (LU, pivots), as
    torch.return_types.lu_unpack; unpack_data=False leaves L and U empty, unpack_pivots=False
    leaves P empty. L and U are differentiable in LU."""
    from .ops.linalg import lu_factors
    from .creation import empty
    if LU_data.ndim < 2:
        raise RuntimeError('microtorch.lu_unpack: Expected tensor with 2 or more dimensions. '
                           f'Got size: {list(LU_data.shape)} instead')
    if LU_pivots.dtype is not _dtype_of('int32'):
        raise RuntimeError('microtorch.lu_unpack: LU_pivots is expected to be a contiguous '
                           'tensor of microtorch.int32 dtype.\nNote: this function is intended '
                           'to be used with the output produced by microtorch.linalg.lu_factor')
    m, n = LU_data.shape[-2:]
    if unpack_pivots:
        if LU_pivots.ndim == 0 or LU_pivots.shape[-1] != min(m, n):
            raise RuntimeError('pivots passed to lu_unpack must be between 1 and LU.size(-2) '
                               'inclusive.Did you properly pass the result of lu_factor?')
        _check_pivots(LU_data, LU_pivots, 'pivots passed to lu_unpack must be between 1 and '
                      'LU.size(-2) inclusive.Did you properly pass the result of lu_factor?')
    nothing = empty(0, dtype=LU_data.dtype, device=LU_data.device)
    p = _permutation(LU_pivots, m, LU_data.dtype) if unpack_pivots else nothing
    lower, upper = lu_factors(LU_data, p) if unpack_data else (nothing, nothing)
    return return_types.named('lu_unpack', ('P', 'L', 'U'))(p, lower, upper)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (adjoint: A^T X = B; left=False: X A = B or X A^T = B) for A = P L U
    given by lu_factor; batch dims broadcast. A composite of triangular solves, so the
    gradient reaches LU (the entries lu_factor wrote) and B."""
    name = 'linalg.lu_solve'
    if LU.ndim < 2:
        raise RuntimeError(f'{name}: The input tensor LU must have at least 2 dimensions.')
    if B.ndim < 2:
        raise RuntimeError(f'{name}: The input tensor B must have at least 2 dimensions.')
    if LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f'microtorch.{name}: A must be batches of square matrices, but they '
                           f'are {LU.shape[-2]} by {LU.shape[-1]} matrices')
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(f'{name}: Incompatible shapes of A and B for the equation '
                           f'{"AX = B" if left else "XA = B"} ({n}x{n} and '
                           f'{B.shape[-2]}x{B.shape[-1]})')
    if LU.dtype is not B.dtype:
        raise RuntimeError(f'{name}: Expected LU and B to have the same dtype, but found LU of '
                           f'type {_F.type_name(LU.dtype)} and B of type '
                           f'{_F.type_name(B.dtype)} instead')
    if pivots.dtype is not _dtype_of('int32'):
        raise RuntimeError(f'{name}: pivots should be a Tensor of scalar type microtorch.int32')
    if pivots.ndim == 0 or pivots.shape[-1] != n:
        raise RuntimeError(f'{name}: Number of pivots per batch should be same as the '
                           'dimension of the matrix')
    _not_for_integers(LU, 'lu_solve')
    _check_pivots(LU, pivots, 'Pivots given to lu_solve must all be smaller or equal to '
                  'LU.size(-2). Did you properly pass the result of lu_factor?')
    if not left:                            # X A = B is A^T X^T = B^T (and X A^T = B alike)
        return _F.transpose(lu_solve(LU, pivots, _F.transpose(B, -2, -1),
                                     adjoint=not adjoint), -2, -1)
    from .ops.linalg import lu_factors, solve_triangular as solve
    p = _permutation(pivots, n, LU.dtype)
    lower, upper = lu_factors(LU, p)
    if adjoint:                             # U^T L^T P^T X = B
        y = solve(upper.mT, B, upper=False)
        return _F.matmul(p, solve(lower.mT, y, upper=True, unitriangular=True))
    y = solve(lower, _F.matmul(p.mT, B), upper=False, unitriangular=True)
    return solve(upper, y, upper=True)


def _singular_where(info):
    """The first batch element whose info is not 0 (None if there is none), and its info."""
    import numpy as np
    codes = _host_array(info).reshape(-1)
    failed = np.flatnonzero(codes)
    return (int(failed[0]), int(codes[failed[0]])) if failed.size else (None, 0)


def _zero_info(A, batch):
    from .creation import zeros
    return zeros(*batch, dtype=_dtype_of('int32'), device=A.device)


def inv_ex(A, *, check_errors=False):
    """(inverse, info) as torch.return_types.linalg_inv_ex: info (int32) is 0 for each
    invertible matrix, else the 1-based index of the first zero on U's diagonal of its LU
    (its inverse is then not finite). No error unless check_errors."""
    try:
        return return_types.named('linalg_inv_ex', ('inverse', 'info'))(
            inv(A), _zero_info(A, A.shape[:-2]))
    except LinAlgError:
        pass
    factors = lu_factor_ex(A)
    batch, code = _singular_where(factors.info)
    if check_errors:
        where = f'(Batch element {batch}): ' if A.ndim > 2 else ''
        raise LinAlgError(f'linalg.inv_ex: {where}The diagonal element {code} is zero, the '
                          'inversion could not be completed because the input matrix is '
                          'singular.')
    from .creation import eye
    identity = eye(A.shape[-1], dtype=A.dtype, device=A.device)
    # (what the factors give: infs and nans, as LAPACK's getri)
    inverse = lu_solve(factors.LU, factors.pivots, _F.expand(identity, list(A.shape)))
    return return_types.named('linalg_inv_ex', ('inverse', 'info'))(inverse, factors.info)


def solve_ex(A, B, *, left=True, check_errors=False):
    """(result, info) as torch.return_types.linalg_solve_ex: solve's result, and info (int32)
    per matrix of the broadcast batch as lu_factor_ex's. No error unless check_errors."""
    result_type = return_types.named('linalg_solve_ex', ('result', 'info'))
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    try:
        result = solve(A, B, left=left)
    except LinAlgError:
        pass
    else:
        return result_type(result, _zero_info(A, A.shape[:-2]))
    factors = lu_factor_ex(A)
    if check_errors:
        where = f'(Batch element {_singular_where(factors.info)[0]}): ' if A.ndim > 2 else ''
        raise LinAlgError(f'microtorch.linalg.solve_ex: {where}The solver failed because the '
                          'input matrix is singular.')
    # (what the factors give: infs and nans; lu_solve broadcasts the batch)
    rhs = _F.unsqueeze(B, -1) if vector else B
    result = lu_solve(factors.LU, factors.pivots, rhs, left=left)
    return result_type(_F.squeeze(result, -1) if vector else result, factors.info)


# ---- matrix_exp, householder_product, tensorinv, tensorsolve, vander ------------------------

def matrix_exp(A):
    """exp(A) of each square matrix (scaling and squaring of a Taylor series); its gradient
    is exact and differentiable again."""
    from .ops.linalg import MatrixExp
    _square_matrices(A, 'matrix_exp')
    return MatrixExp.apply(A)


def householder_product(A, tau):
    """The first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i column i of A
    below the diagonal and 1 on it (LAPACK's orgqr: Q from geqrf's reflectors). Built from
    differentiable ops, so the gradient reaches A's strict lower triangle and tau."""
    from .creation import eye
    name = 'microtorch.linalg.householder_product'
    if A.ndim < 2:
        raise RuntimeError(f'{name}: input must have at least 2 dimensions.')
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f'{name}: input.shape[-2] must be greater than or equal to '
                           'input.shape[-1]')
    if tau.ndim == 0:
        raise IndexError('Dimension specified as -1 but tensor has no dimensions')
    if n < tau.shape[-1]:
        raise RuntimeError(f'{name}: input.shape[-1] must be greater than or equal to '
                           'tau.shape[-1]')
    if tau.ndim != A.ndim - 1:
        raise RuntimeError(f'{name}: Expected tau to have one dimension less than input, but '
                           f'got tau.ndim equal to {tau.ndim} and input.ndim is equal to '
                           f'{A.ndim}')
    if tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f'{name}: Expected batch dimensions of tau to be equal to '
                           f'input.shape[:-2], but got {list(tau.shape[:-1])}')
    if tau.dtype is not A.dtype:
        raise RuntimeError(f'{name}: tau dtype {_F.type_name(tau.dtype)} does not match input '
                           f'dtype {_F.type_name(A.dtype)}')
    _not_for_integers(A, 'orgqr')
    reflectors = A.tril(-1) + eye(m, n, dtype=A.dtype, device=A.device)
    q = _F.expand(eye(m, dtype=A.dtype, device=A.device), list(A.shape[:-2]) + [m, m])
    for i in range(tau.shape[-1]):          # Q H_i = Q - tau_i (Q v_i) v_i^T
        v = reflectors[..., :, i:i + 1]
        q = q - (q @ v) @ v.mT * _F.unsqueeze(tau[..., i:i + 1], -1)
    return q[..., :, :n]


def _positive_int(value, name, function):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{function}(): argument '{name}' must be int, not "
                        f'{type(value).__name__}')


def tensorinv(A, ind=2):
    """The inverse of A seen as a matrix with the first ind dims as rows: shape
    A.shape[ind:] + A.shape[:ind] (tensordot(result, A, ind) is the identity)."""
    _positive_int(ind, 'ind', 'linalg_tensorinv')
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = list(A.shape[:ind]), list(A.shape[ind:])
    if math.prod(rows) != math.prod(cols):
        raise RuntimeError('Expected self to satisfy the requirement prod(self.shape[ind:]) == '
                           f'prod(self.shape[:ind]), but got {math.prod(cols)} != '
                           f'{math.prod(rows)}')
    try:
        inverse = inv(_F.reshape(A, [math.prod(rows), math.prod(cols)]))
    except LinAlgError as error:            # PyTorch's message names the inv it calls
        raise LinAlgError(str(error).replace('linalg.inv: ', 'inv: ', 1)) from None
    return _F.reshape(inverse, cols + rows)


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B: A's leading dims (B's shape) as rows, the rest
    (X's shape) as columns; dims: A's dims to move to the end first."""
    if dims is not None:
        dims = [dims] if isinstance(dims, int) else list(dims)
        A = _C.movedim(A, dims, list(range(A.ndim - len(dims), A.ndim)))
    unknowns = list(A.shape[B.ndim:])
    if math.prod(unknowns) != B.numel():
        raise RuntimeError('Expected self to satisfy the requirement prod(self.shape[other.ndim:])'
                           ' == prod(self.shape[:other.ndim]), but got '
                           f'{math.prod(unknowns)} != {B.numel()}')
    matrix = _F.reshape(A, [B.numel(), math.prod(unknowns)])
    return _F.reshape(solve(matrix, _F.reshape(B, [B.numel()])), unknowns)


def vander(x, *, N=None):
    """The Vandermonde matrices of the vectors in x's last dim: columns x^0, x^1, ...,
    x^(N-1) (N: x's last size by default); integers give int64. A running product, so
    differentiable at 0 too."""
    from .ops.composite import cumprod
    if x.dtype is _dtype_of('bool'):
        raise RuntimeError('linalg.vander supports floating point, complex, and integer '
                           'tensors, but got Bool')
    size = (x.shape[-1] if x.ndim else 1) if N is None else N
    if size <= 1:
        raise RuntimeError('N must be greater than 1.')
    x = _F._integers_as_int64(x, None)
    column = _F.unsqueeze(x, -1)
    ones = _F.full_like(column, 1)
    repeated = _F.expand(column, list(x.shape) + [size - 1])
    return cumprod(_F.cat([ones, repeated], -1), -1)


# ---- LDL^T: ldl_factor(_ex), ldl_solve ------------------------------------------------------

def _ldl(A, name):
    from .ops.linalg import LdlFactor
    _square_matrices(A, f'microtorch.linalg.{name}')
    return LdlFactor.apply(A)


def _raise_unless_ldl_factored(info, name):
    """PyTorch's (internal-assert) words for a singular D: the info code of the first
    matrix that has one."""
    _, code = _singular_where(info)
    if code:
        raise RuntimeError(f'microtorch.linalg.{name}: Unknown error code: {code}.')


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """(LD, pivots, info) of symmetric A = P L D L^T P^T by Bunch-Kaufman pivoting (LAPACK's
    sytrf, from A's lower triangle), as torch.return_types.linalg_ldl_factor_ex: L's
    multipliers below D's 1x1 and 2x2 blocks in LD, pivots 1-based (a 2x2 block's two
    negative), info 0 or 1 + the index of D's first zero block. hermitian is the same for real
    matrices. No derivative, as in PyTorch."""
    packed, pivots, info = _ldl(A, 'ldl_factor_ex')
    if check_errors:
        _raise_unless_ldl_factored(info, 'ldl_factor_ex')
    return return_types.named('linalg_ldl_factor_ex', ('LD', 'pivots', 'info'))(
        packed, pivots, info)


def ldl_factor(A, *, hermitian=False):
    """(LD, pivots) as ldl_factor_ex's, raising where D is singular."""
    packed, pivots, info = _ldl(A, 'ldl_factor_ex')
    _raise_unless_ldl_factored(info, 'ldl_factor')
    return return_types.named('linalg_ldl_factor', ('LD', 'pivots'))(packed, pivots)


def ldl_solve(LD, pivots, B, *, hermitian=False):
    """X with A X = B from ldl_factor's (LD, pivots) (LAPACK's sytrs); B's batch dims
    broadcast against LD's. No derivative, as in PyTorch."""
    from .ops.linalg import LdlSolve
    name = 'microtorch.linalg.ldl_solve'
    _square_matrices(LD, name)
    if B.ndim < 2:                          # (PyTorch reads B.size(-2) unchecked)
        top = max(B.ndim, 1)
        raise IndexError(f'Dimension out of range (expected to be in range of [{-top}, '
                         f'{top - 1}], but got -2)')
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f'{name}: Expected LD.shape[:-1] and pivots.shape to be the same, '
                           f'but got pivots with shape {list(pivots.shape)} instead')
    if B.dtype is not LD.dtype:
        raise RuntimeError('Expected b and A to have the same dtype, but found b of type '
                           f'{_F.type_name(B.dtype)} and A of type {_F.type_name(LD.dtype)} '
                           'instead.')
    if B.shape[-2] != LD.shape[-1]:
        raise RuntimeError(f'Incompatible matrix sizes for {name}: each A matrix is '
                           f'{LD.shape[-2]} by {LD.shape[-1]} but each b matrix is '
                           f'{B.shape[-2]} by {B.shape[-1]}')
    batch = list(_F.broadcast_shapes(LD.shape[:-2], B.shape[:-2]))
    n = LD.shape[-1]
    LD = _F.expand(LD, batch + [n, n])
    pivots = _F.expand(pivots, batch + [n])
    B = _F.expand(B, batch + list(B.shape[-2:]))
    return LdlSolve.apply(LD, pivots, B)


# float16 (PyTorch's Half): LAPACK has no half precision, and PyTorch refuses it in each of
# these, with the exception and words below; checked before anything else.
_LU = (NotImplementedError, '"lu_cpu" not implemented for \'Half\'')
_SVD = (NotImplementedError, '"linalg_svd_cpu" not implemented for \'Half\'')
_EIGH = (NotImplementedError, '"linalg_eigh_cpu" not implemented for \'Half\'')
_INV = (RuntimeError, 'linalg.inv: Low precision dtypes not supported. Got Half')
_FLOAT_OR_DOUBLE = (RuntimeError, "This function doesn't handle types other than float and "
                                  'double')
_HALF_REFUSALS = {
    'inv': _INV, 'inv_ex': _INV, 'tensorinv': _INV, 'det': _LU, 'solve': _LU, 'solve_ex': _LU,
    'tensorsolve': _LU, 'lu_factor': _LU, 'lu_factor_ex': _LU, 'lu': _LU, 'lu_solve': _LU,
    'slogdet': (RuntimeError, 'linalg.slogdet: Low precision dtypes not supported. Got Half'),
    'signed_log_det': (RuntimeError, 'linalg.slogdet: Low precision dtypes not supported. '
                                     'Got Half'),
    'logdet': (RuntimeError, 'logdet: Low precision dtypes not supported. Got Half'),
    'cholesky': (NotImplementedError, '"cholesky_cpu" not implemented for \'Half\''),
    'cholesky_ex': (NotImplementedError, '"cholesky_cpu" not implemented for \'Half\''),
    'cholesky_solve': (NotImplementedError,
                       '"cholesky_solve_cpu" not implemented for \'Half\''),
    'solve_triangular': (NotImplementedError,
                         '"triangular_solve_cpu" not implemented for \'Half\''),
    'qr': (NotImplementedError, '"geqrf_cpu" not implemented for \'Half\''),
    'eigh': _EIGH, 'eigvalsh': _EIGH, 'svd': _SVD, 'svdvals': _SVD, 'cond': _SVD,
    'matrix_rank': _FLOAT_OR_DOUBLE, 'lstsq': _FLOAT_OR_DOUBLE,
    'householder_product': (NotImplementedError, '"orgqr_cpu" not implemented for \'Half\''),
    'vander': (RuntimeError, 'linalg.vander supports floating point, complex, and integer '
                             'tensors, but got Half'),
    'ldl_factor': (NotImplementedError, '"ldl_factor_kernel_cpu" not implemented for \'Half\''),
    'ldl_factor_ex': (NotImplementedError,
                      '"ldl_factor_kernel_cpu" not implemented for \'Half\''),
    'ldl_solve': (NotImplementedError, '"ldl_factor_kernel_cpu" not implemented for \'Half\''),
}


# Where PyTorch looks at the first matrix's dtype before comparing it with the others'.
_HALF_FIRST = ('lu_solve', 'ldl_solve', 'solve_triangular')


def _refusing_half(fn, error, message, first_only):
    @functools.wraps(fn)
    def checked(*args, **kwargs):
        tensors = [a for a in args if isinstance(a, _F.Tensor)]
        if tensors and tensors[0]._data.dtype == np.float16 and (
                first_only or all(a._data.dtype == np.float16 for a in tensors)):
            raise error(message)
        return fn(*args, **kwargs)
    return checked


for _name, (_error, _message) in _HALF_REFUSALS.items():
    globals()[_name] = _refusing_half(globals()[_name], _error, _message, _name in _HALF_FIRST)
