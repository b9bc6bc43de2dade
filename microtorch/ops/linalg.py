"""Matrix products (NumPy's BLAS on the CPU, cuBLAS through CuPy on a GPU).

matmul follows NumPy/PyTorch: 1-D operands are promoted to matrices and the added dim removed,
batch dims broadcast. Backward is written with matmul itself (so it is twice differentiable);
the engine sums broadcast batch dims back to each input's shape.
"""
import math

from ..autograd.function import Function


class Matmul(Function):
    node_name = 'MmBackward0'

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.matmul(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gb = None
        if a.ndim == 1 and b.ndim == 1:            # dot product: gy is a scalar
            ga = gy * b if need_a else None
            gb = gy * a if need_b else None
        elif a.ndim == 1:                          # (k) @ (..., k, n) -> (..., n)
            g = gy.unsqueeze(-2)
            ga = (g @ b.mT).squeeze(-2) if need_a else None
            gb = a.unsqueeze(-1) @ g if need_b else None
        elif b.ndim == 1:                          # (..., m, k) @ (k) -> (..., m)
            g = gy.unsqueeze(-1)
            ga = g @ b.unsqueeze(-2) if need_a else None
            gb = (a.mT @ g).squeeze(-1) if need_b else None
        else:
            ga = gy @ b.mT if need_a else None
            gb = a.mT @ gy if need_b else None
        return ga, gb

    @staticmethod
    def backward_data(ctx, gy):
        a, b = ctx.saved_data
        if a.ndim == 1 or b.ndim == 1:
            return None                            # vector cases: the Tensor backward
        need_a, need_b = ctx.needs_input_grad
        matmul, swap = ctx.backend.matmul, ctx.backend.xp.swapaxes
        ga = matmul(gy, swap(b, -2, -1)) if need_a else None
        gb = matmul(swap(a, -2, -1), gy) if need_b else None
        return ga, gb


# PyTorch names the node after the kernel that ran; learners see these names in reprs.
class Dot(Matmul):
    node_name = 'DotBackward0'


class Mv(Matmul):
    node_name = 'MvBackward0'


class Bmm(Matmul):
    node_name = 'BmmBackward0'


class VectorMatrix(Matmul):        # PyTorch runs (1, k) @ (k, n) and squeezes
    node_name = 'SqueezeBackward4'


class Batched(Matmul):             # PyTorch folds batch dims into one mm and views back
    node_name = 'UnsafeViewBackward0'


class Linear(Function):
    """nn.Linear's y = x @ W^T + b as one node and one backend call; backward is made of
    matmuls and a sum, so it is differentiable again."""
    node_name = 'AddmmBackward0'

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        return ctx.backend.linear_forward(x, weight, bias)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = w.shape
        gx = gy.matmul(w) if need_x else None
        gw = gb = None
        if need_w or need_b:
            # batch dims folded into one (a 2-D input, the common case, needs no reshape op)
            rows = gy if gy.ndim == 2 else gy.reshape(-1, out_features)
            if need_w:
                gw = rows.t().mm(x if x.ndim == 2 else x.reshape(-1, in_features))
            gb = rows.sum(0) if need_b else None
        return gx, gw, gb

    @staticmethod
    def backward_data(ctx, gy):
        x, w = ctx.saved_data
        if x.ndim != 2:
            return None                            # batch dims to fold: the Tensor backward
        need_x, need_w, need_b = ctx.needs_input_grad
        backend = ctx.backend
        gx = backend.matmul(gy, w) if need_x else None
        gw = backend.matmul(gy.T, x) if need_w else None
        gb = backend.sum_forward(gy, (0,), False) if need_b else None
        return gx, gw, gb


# PyTorch's node for linear depends on the input's dims and the bias (addmm, mm, views).
class LinearMm(Linear):
    node_name = 'MmBackward0'


class LinearView(Linear):
    node_name = 'ViewBackward0'


class LinearUnsafeView(Linear):
    node_name = 'UnsafeViewBackward0'


class LinearSqueeze(Linear):
    node_name = 'SqueezeBackward4'


def linear_op_for(input_ndim, has_bias):
    if input_ndim == 2:
        return Linear if has_bias else LinearMm
    if has_bias:
        return LinearView
    return LinearSqueeze if input_ndim == 1 else LinearUnsafeView


def op_for(a_ndim, b_ndim):
    if a_ndim == 1:
        return Dot if b_ndim == 1 else VectorMatrix if b_ndim == 2 else Batched
    if a_ndim == 2 and b_ndim <= 2:
        return Mv if b_ndim == 1 else Matmul
    return Batched


# ---- inverse, determinant, solve: LAPACK through numpy.linalg (cuSOLVER through cupy.linalg
# on a GPU). Backward is written with these ops and matmul, so it is differentiable again.

class Inv(Function):
    node_name = 'LinalgInvExBackward0'

    @staticmethod
    def forward(ctx, a):
        out = ctx.backend.xp.linalg.inv(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, gy):
        inverse, = ctx.saved_tensors
        # d(A^-1) = -A^-1 dA A^-1, so grad_A = -A^-T grad A^-T
        return -(inverse.mT @ gy @ inverse.mT)


class Det(Function):
    node_name = 'LinalgDetBackward0'

    @staticmethod
    def forward(ctx, a):
        out = ctx.backend.xp.linalg.det(a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        import numpy as np
        a, det = ctx.saved_tensors
        # PyTorch's test for a (nearly) singular matrix, where A^-1 is of no use
        if bool((det.abs() < 100 * np.finfo(a.dtype.np).eps).any()):
            return _singular_det_backward(gy, a)
        # d det(A) = det(A) tr(A^-1 dA): grad_A = grad det(A) A^-T (A invertible)
        scale = (gy * det).unsqueeze(-1).unsqueeze(-1)
        return scale * Inv.apply(a).mT


def _singular_det_backward(gy, a):
    """det's gradient for any matrix, from A = U diag(s) Vh: det A = det U det Vh prod(s), so
    grad_A = U diag(grad det U det Vh prod_{j != i} s_j) Vh (the cofactors, without A^-1)."""
    from .composite import cumprod
    from .functional import cat, full_like
    n = a.shape[-1]
    if n == 0:
        return a * 0
    u, s, vh = Svd.apply(a, False)
    sign = Det.apply(u) * Det.apply(vh)
    one = full_like(s[..., :1], 1.0)
    before = cat([one, cumprod(s[..., :-1], -1)], -1)           # prod of s_j, j < i
    after = cat([one, cumprod(s.flip(-1)[..., :-1], -1)], -1).flip(-1)      # j > i
    others = before * after
    return (u * (gy * sign).unsqueeze(-1).unsqueeze(-1) * others.unsqueeze(-2)) @ vh


class Slogdet(Function):
    """(sign, log |det|) of each square matrix: log |det| without det's overflow. Only
    log |det| has a gradient (the sign of a real matrix is piecewise constant)."""
    node_name = 'LinalgSlogdetBackward0'

    @staticmethod
    def forward(ctx, a):
        sign, logabsdet = ctx.backend.xp.linalg.slogdet(a)
        ctx.save_for_backward(a)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, gsign, glogabsdet):
        import numpy as np
        a, = ctx.saved_tensors
        if glogabsdet is None:
            return None
        # d log|det A| = tr(A^-1 dA): grad_A = grad A^-T (A invertible)
        try:
            inverse = Inv.apply(a)
        except np.linalg.LinAlgError:          # CuPy raises NumPy's class too
            raise NotImplementedError('linalg.slogdet: the gradient at a singular matrix is '
                                      'infinite (PyTorch returns inf); microtorch does not '
                                      'compute it') from None
        return glogabsdet.unsqueeze(-1).unsqueeze(-1) * inverse.mT


class Solve(Function):
    node_name = 'LinalgSolveExBackward0'

    @staticmethod
    def forward(ctx, a, b, vector):
        solve = ctx.backend.xp.linalg.solve
        out = solve(a, b[..., None])[..., 0] if vector else solve(a, b)
        ctx.vector = vector
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, gx):
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        # A X = B: grad_B solves A^T grad_B = grad_X, and grad_A = -grad_B X^T
        gb = Solve.apply(a.mT, gx, ctx.vector)
        ga = None
        if need_a:
            ga = -(gb.unsqueeze(-1) @ x.unsqueeze(-2)) if ctx.vector else -(gb @ x.mT)
        return ga, gb if need_b else None, None


# ---- factorisations: Cholesky, triangular solves, QR, eigh, SVD, pseudo-inverse -------------
# Forward runs LAPACK through numpy.linalg (cuSOLVER through CuPy on a GPU, backends' cholesky,
# qr and solve_triangular); backward is made of these ops, matmul and elementwise ops, so it is
# differentiable again. The formulas are the standard adjoints of each factorisation, with
# PyTorch's conventions: symmetric gradients for the symmetric inputs of cholesky and eigh, and
# the extra columns of full_matrices=True ignored in svd's.

def _identity_like(t, n):
    from ..creation import eye
    return eye(n, dtype=t.dtype, device=t.device)


def solve_triangular(a, b, upper, left=True, unitriangular=False):
    """The Tensor form of SolveTriangular for backward code: batch dims broadcast."""
    batch = list(_broadcast_batch(a, b))
    if list(a.shape[:-2]) != batch:
        a = a.expand(batch + list(a.shape[-2:]))
    if list(b.shape[:-2]) != batch:
        b = b.expand(batch + list(b.shape[-2:]))
    return SolveTriangular.apply(a, b, upper, left, unitriangular)


def _broadcast_batch(a, b):
    from .functional import broadcast_shapes
    return broadcast_shapes(a.shape[:-2], b.shape[:-2])


class SolveTriangular(Function):
    """X with A X = B (left=False: X A = B) for triangular A; batch dims alike."""
    node_name = 'LinalgSolveTriangularBackward0'

    @staticmethod
    def forward(ctx, a, b, upper, left, unitriangular):
        backend = ctx.backend
        if left:
            x = backend.solve_triangular(a, b, upper, unitriangular)
        else:                                   # X A = B is A^T X^T = B^T
            swap = backend.xp.swapaxes
            x = swap(backend.solve_triangular(swap(a, -2, -1), swap(b, -2, -1), not upper,
                                              unitriangular), -2, -1)
        ctx.upper, ctx.left, ctx.unitriangular = upper, left, unitriangular
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, gx):
        a, x = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        upper, left = ctx.upper, ctx.left
        # A X = B: grad_B solves A^T grad_B = grad_X and grad_A = -grad_B X^T, on A's triangle
        gb = SolveTriangular.apply(a.mT, gx, not upper, left, ctx.unitriangular)
        ga = None
        if need_a:
            ga = -(gb @ x.mT) if left else -(x.mT @ gb)
            skip = int(ctx.unitriangular)       # a unit diagonal is not read
            ga = ga.triu(skip) if upper else ga.tril(-skip)
        return ga, gb if need_b else None, None, None, None


def _cholesky_each(backend, a):
    """(factors, info) one matrix at a time on the host, after a batch failed: LAPACK's
    factor where it exists; else info, the order of the first leading minor that is not
    positive-definite, and the partial factor of an unblocked Cholesky."""
    import numpy as np
    host = np.asarray(backend.to_host(a))
    n = host.shape[-1]
    matrices = host.reshape((-1, n, n))
    factors = np.zeros_like(matrices)
    info = np.zeros(len(matrices), np.int32)
    for i, matrix in enumerate(matrices):
        try:
            factors[i] = np.linalg.cholesky(matrix)
            if np.all(np.diagonal(factors[i]) > 0):
                continue
        except np.linalg.LinAlgError:
            pass
        factors[i], info[i] = _partial_cholesky(matrix)
    device = backend.device_of(a)
    return (backend.from_host(factors.reshape(host.shape), device),
            backend.from_host(info.reshape(host.shape[:-2]), device))


def _partial_cholesky(matrix):
    """Column by column until a pivot is not positive (or is nan): (the factor so far, with
    that pivot on its diagonal, and 1 + its index)."""
    import numpy as np
    n = matrix.shape[0]
    factor = np.zeros_like(matrix)
    for j in range(n):
        pivot = matrix[j, j] - factor[j, :j] @ factor[j, :j]
        if not pivot > 0:
            factor[j, j] = pivot
            return factor, j + 1
        factor[j, j] = np.sqrt(pivot)
        below = matrix[j + 1:, j] - factor[j + 1:, :j] @ factor[j, :j]
        factor[j + 1:, j] = below / factor[j, j]
    return factor, 0


class Cholesky(Function):
    """(L, info): A = L L^T with L lower, reading A's lower triangle (upper: A = U^T U with U
    upper, reading A's upper triangle); info per matrix is 0, or where the factorisation
    stopped (the factor is then unspecified)."""
    node_name = 'LinalgCholeskyExBackward0'

    @staticmethod
    def forward(ctx, a, upper):
        import numpy as np
        backend = ctx.backend
        xp = backend.xp
        if upper:                               # U^T from the lower factor of A^T: A's upper
            a = xp.swapaxes(a, -2, -1)          # triangle is read, as LAPACK's 'U' reads it
        try:
            lower = backend.cholesky(a)
            # (OpenBLAS passes a nan pivot: one look at the diagonal catches it)
            failed = not bool(xp.all(xp.diagonal(lower, 0, -2, -1) > 0))
        except np.linalg.LinAlgError:           # CuPy raises NumPy's class too
            failed = True
        if failed:
            lower, info = _cholesky_each(backend, a)
        else:
            info = xp.zeros_like(a, shape=a.shape[:-2], dtype=np.int32)
        factor = xp.swapaxes(lower, -2, -1) if upper else lower
        ctx.upper = upper
        ctx.save_for_backward(factor)
        return factor, info

    @staticmethod
    def backward(ctx, g_factor, _g_info):
        factor, = ctx.saved_tensors
        lower, grad = (factor.mT, g_factor.mT) if ctx.upper else (factor, g_factor)
        # A = L L^T: grad_A = L^-T S L^-1, S the symmetric part of tril(L^T grad_L) with its
        # diagonal halved (the adjoint of dL = L tril_half(L^-1 dA L^-T))
        product = (lower.mT @ grad).tril()
        middle = 0.5 * (product + product.tril(-1).mT)
        left = solve_triangular(lower.mT, middle, upper=True)
        return solve_triangular(lower, left, upper=False, left=False), None


def _qr_tall_backward(q, r, gq, gr):
    """A = QR with m >= n: grad_A = (grad_Q + Q copyltu(M)) R^-T, M = R grad_R^T -
    grad_Q^T Q, copyltu copying M's lower triangle onto its upper one."""
    m = None
    if gr is not None:
        m = r @ gr.mT
    if gq is not None:
        m = -(gq.mT @ q) if m is None else m - gq.mT @ q
    grad = q @ (m.tril() + m.tril(-1).mT)
    if gq is not None:
        grad = grad + gq
    return solve_triangular(r.mT, grad, upper=False, left=False)


class Qr(Function):
    """(Q, R) with A = QR; mode 'r' returns an empty Q, as PyTorch does."""
    node_name = 'LinalgQrBackward0'

    @staticmethod
    def forward(ctx, a, mode):
        backend = ctx.backend
        if mode == 'r':
            r = backend.qr(a, 'r')
            q = backend.xp.zeros_like(a, shape=(0,))
        else:
            q, r = backend.qr(a, mode)
        ctx.mode = mode
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        if ctx.mode == 'r':
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               'are going to differentiate through linalg.qr.')
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == 'complete' and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               'and nrows > ncols.')
        if m >= n:
            return _qr_tall_backward(q, r, gq, gr), None
        # m < n: A = [X | Y] with X = Q U (U square) and Y = Q V. Y's part is Q grad_V, and
        # Y = Q V feeds grad_Q the term Y grad_V^T
        u, v = r[..., :m], r[..., m:]
        gu = gv = None
        if gr is not None:
            gu, gv = gr[..., :m], gr[..., m:]
            extra = (q @ v) @ gv.mT
            gq = extra if gq is None else gq + extra
        gx = _qr_tall_backward(q, u, gq, gu)
        from .functional import cat, full_like
        gy = q @ gv if gv is not None else full_like(v, 0.0)   # (Q is square: Y has V's shape)
        return cat([gx, gy], -1), None


class Eigh(Function):
    """(eigenvalues ascending, eigenvectors) of symmetric matrices, from the triangle UPLO."""
    node_name = 'LinalgEighBackward0'

    @staticmethod
    def forward(ctx, a, uplo):
        values, vectors = ctx.backend.xp.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(values, vectors)
        return values, vectors

    @staticmethod
    def backward(ctx, g_values, g_vectors):
        values, vectors = ctx.saved_tensors
        # grad_A = V (diag(grad_w) + skew(V^T grad_V) / 2 / (w_j - w_i)) V^T: symmetric, as
        # PyTorch's (only the skew part of V^T grad_V moves orthonormal eigenvectors)
        inner = None
        if g_vectors is not None:
            turn = vectors.mT @ g_vectors
            gaps = values.unsqueeze(-2) - values.unsqueeze(-1)
            gaps = gaps + _identity_like(gaps, gaps.shape[-1])      # (0/1 on the diagonal)
            inner = 0.5 * (turn - turn.mT) / gaps
        if g_values is not None:
            inner = g_values.diag_embed() if inner is None else inner + g_values.diag_embed()
        return vectors @ inner @ vectors.mT, None


class EigenvaluesOnly(Function):
    """eigvalsh where no gradient is recorded (LAPACK skips the eigenvectors)."""

    @staticmethod
    def forward(ctx, a, uplo):
        return ctx.backend.xp.linalg.eigvalsh(a, UPLO=uplo)


class SingularValuesOnly(Function):
    """svdvals where no gradient is recorded."""

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.xp.linalg.svd(a, compute_uv=False)


def _svd_backward(u, s, vh, gu, gs, gvh):
    """The reduced SVD's adjoint (k = min(m, n) columns of U and rows of Vh)."""
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        return (u * gs.unsqueeze(-2)) @ vh
    s_row, s_col = s.unsqueeze(-2), s.unsqueeze(-1)
    squares = s * s
    gaps = squares.unsqueeze(-2) - squares.unsqueeze(-1)        # [j, k] = s_k^2 - s_j^2
    gaps = gaps + _identity_like(gaps, gaps.shape[-1])
    inner = None
    if gu is not None:
        turn = u.mT @ gu
        inner = (turn - turn.mT) * s_row / gaps
    if gvh is not None:
        turn = vh @ gvh.mT
        term = s_col * (turn - turn.mT) / gaps
        inner = term if inner is None else inner + term
    if gs is not None:
        inner = inner + gs.diag_embed()
    if m > n and gu is not None:        # grad_U's part outside span(U): (I - U U^T) grad_U S^-1
        scaled = gu / s_row
        return (u @ inner + scaled - u @ (u.mT @ scaled)) @ vh
    if m < n and gvh is not None:       # and grad_Vh's outside span(V)
        scaled = gvh / s_col
        return u @ (inner @ vh + scaled - (scaled @ vh.mT) @ vh)
    return u @ inner @ vh


class Svd(Function):
    """(U, S, Vh) with A = U diag(S) Vh, S descending."""
    node_name = 'LinalgSvdBackward0'

    @staticmethod
    def forward(ctx, a, full_matrices):
        u, s, vh = ctx.backend.xp.linalg.svd(a, full_matrices=full_matrices)
        ctx.full_matrices = full_matrices
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        if ctx.full_matrices:              # PyTorch differentiates the reduced factors only
            k = s.shape[-1]
            u, vh = u[..., :k], vh[..., :k, :]
            gu = None if gu is None else gu[..., :k]
            gvh = None if gvh is None else gvh[..., :k, :]
        return _svd_backward(u, s, vh, gu, gs, gvh), None


class Pinv(Function):
    """The Moore-Penrose pseudo-inverse: 1/sigma for the singular values above
    max(atol, rtol * largest) (hermitian: |eigenvalues|, from eigh), 0 for the others."""
    node_name = 'LinalgPinvBackward0'

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        xp = ctx.backend.xp
        if hermitian:
            values, vectors = xp.linalg.eigh(a)
            sizes = xp.abs(values)
            left, right = vectors, xp.swapaxes(vectors, -2, -1)
        else:
            left, values, right = xp.linalg.svd(a, full_matrices=False)
            sizes = values
        largest = sizes.max(-1, keepdims=True) if sizes.shape[-1] else sizes[..., :1]
        tolerance = xp.maximum(xp.asarray(atol)[..., None], xp.asarray(rtol)[..., None] * largest)
        kept = sizes > tolerance
        inverse = xp.where(kept, 1 / xp.where(kept, values, 1), 0).astype(a.dtype)
        out = xp.matmul(xp.swapaxes(right, -2, -1) * inverse[..., None, :],
                        xp.swapaxes(left, -2, -1))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        # dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P, so grad_A =
        # -P^T g P^T + (I - A P) g^T P P^T + P^T P g^T (I - P A)
        pt, gt = p.mT, g.mT
        small = p @ gt                                      # n x n
        out = -(pt @ (g @ pt)) + (gt - a @ small) @ (p @ pt)
        weighted = pt @ small                               # P^T P g^T
        return out + weighted - (weighted @ p) @ a, None, None, None


class CholeskySolve(Function):
    """X with A X = B for A = L L^T (upper: A = U^T U), reading the factor's triangle."""
    node_name = 'CholeskySolveBackward0'

    @staticmethod
    def forward(ctx, b, factor, upper):
        backend = ctx.backend
        swap = backend.xp.swapaxes
        # L L^T X = B: L Y = B, then L^T X = Y (upper: U^T Y = B, then U X = Y)
        first, second = (swap(factor, -2, -1), factor) if upper else (factor, swap(factor, -2, -1))
        y = backend.solve_triangular(first, b, False, False)
        x = backend.solve_triangular(second, y, True, False)
        ctx.upper = upper
        ctx.save_for_backward(factor, x)
        return x

    @staticmethod
    def backward(ctx, gx):
        factor, x = ctx.saved_tensors
        need_b, need_factor = ctx.needs_input_grad[:2]
        # PyTorch's gradient, of (L L^T)^-1 B for every entry of L (the other triangle too)
        gb = CholeskySolve.apply(gx, factor, ctx.upper)
        g_factor = None
        if need_factor:
            common = gb @ x.mT
            common = common + common.mT
            g_factor = -(factor @ common) if ctx.upper else -(common @ factor)
        return gb if need_b else None, g_factor, None


# ---- LU with partial pivoting (LAPACK's getrf, vectorised over the batch), matrix_exp -------
# NumPy has no LU: one column per step, every matrix of the batch at once, in xp's own array
# operations (so the same code runs on CuPy).

def _swap(x, first, second):
    """Exchange two equally shaped slices of x (rows, columns or elements)."""
    held = x[first].copy()
    x[first] = x[second]
    x[second] = held


def lu_packed(xp, a, pivot=True):
    """getrf's (LU, pivots, info) for a batch: L's multipliers below the diagonal and U on and
    above it in one matrix, the 1-based row swaps (int32) and per matrix the 1-based index of
    U's first exact zero on the diagonal (0 if none). Without pivot, no rows are swapped."""
    import numpy as np
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    count = math.prod(batch)
    lu = a.reshape((count, m, n)).copy()
    pivots = xp.empty((count, k), np.int32)
    info = xp.zeros(count, np.int32)
    every = xp.arange(count)
    for j in range(k):
        if pivot and count:
            chosen = j + xp.argmax(xp.abs(lu[:, j:, j]), axis=1)
            _swap(lu, (every, j), (every, chosen))
            pivots[:, j] = chosen + 1
        else:
            pivots[:, j] = j + 1
        head = lu[:, j, j]
        zero = head == 0
        info = xp.where((info == 0) & zero, np.int32(j + 1), info)
        # a zero pivot leaves its column as it is (LAPACK's getf2 skips the scaling)
        lu[:, j + 1:, j] /= xp.where(zero, 1, head)[:, None]
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return (lu.reshape(batch + (m, n)), pivots.reshape(batch + (k,)),
            info.reshape(batch))


def permutation_of(xp, pivots, m, dtype):
    """P (m x m) with A = P L U, from getrf's 1-based row swaps: row i of L U is row perm[i]
    of A, so P[perm[i], i] = 1."""
    batch, k = pivots.shape[:-1], pivots.shape[-1]
    count = math.prod(batch)
    swaps = pivots.reshape((count, k)).astype(xp.int64) - 1
    perm = xp.broadcast_to(xp.arange(m), (count, m)).copy()
    every = xp.arange(count)
    for j in range(k):
        _swap(perm, (every, j), (every, swaps[:, j]))
    p = (xp.arange(m)[:, None] == perm[:, None, :]).astype(dtype)
    return p.reshape(batch + (m, m))


class LuPermutation(Function):
    """P from pivots (no gradient: a function of integers)."""

    @staticmethod
    def forward(ctx, pivots, m, dtype):
        return permutation_of(ctx.backend.xp, pivots, m, dtype)


def lu_backward(p, lower, upper, g_lower, g_upper):
    """grad_A for A = P L U (L m x k unit lower triangular, U k x n upper, k = min(m, n)) from
    grad_L and grad_U (either may be None). With X = L^-1 P^T dA U^-1 split into its strict
    lower part (L^-1 dL) and its upper part (dU U^-1), the square case is
    grad_A = P L^-T (tril_-1(L^T grad_L) + triu(grad_U U^T)) U^-T; the extra rows of a tall
    L (columns of a wide U) enter through their own terms."""
    from .functional import cat, full_like
    m, k, n = lower.shape[-2], lower.shape[-1], upper.shape[-1]
    if m >= n:                               # tall: L = [L1; L2], U square
        top, rest = lower[..., :k, :], lower[..., k:, :]
        inner = g_upper @ upper.mT if g_upper is not None else None
        below = None
        if g_lower is not None:
            g_top, below = g_lower[..., :k, :], g_lower[..., k:, :]
            strict = (top.mT @ g_top).tril(-1)
            inner = strict if inner is None else inner.triu() + strict
            if m > k:
                inner = inner - (rest.mT @ below).triu()
        else:
            inner = inner.triu()
        grad = solve_triangular(top.mT, inner, upper=True, unitriangular=True)
        if m > k:
            grad = cat([grad, below if below is not None else full_like(rest, 0.0)], -2)
        grad = solve_triangular(upper.mT, grad, upper=False, left=False)
        return p @ grad
    # wide: U = [U1 | U2], L square
    left, right = upper[..., :, :k], upper[..., :, k:]
    strict = (lower.mT @ g_lower) if g_lower is not None else None
    g_right = None
    inner = None
    if g_upper is not None:
        g_left, g_right = g_upper[..., :, :k], g_upper[..., :, k:]
        inner = (g_left @ left.mT).triu()
        turn = g_right @ right.mT
        strict = -turn if strict is None else strict - turn
    inner = strict.tril(-1) if inner is None else inner + strict.tril(-1)
    grad = solve_triangular(left.mT, inner, upper=False, left=False)
    grad = cat([grad, g_right if g_right is not None else full_like(right, 0.0)], -1)
    return p @ solve_triangular(lower.mT, grad, upper=True, unitriangular=True)


def lu_factors(packed, p):
    """(L, U) from getrf's packed matrix, as Tensor ops (differentiable)."""
    from ..creation import eye
    m, n = packed.shape[-2:]
    k = min(m, n)
    lower = packed[..., :, :k].tril(-1) + eye(m, k, dtype=packed.dtype, device=packed.device)
    return lower, packed[..., :k, :].triu()


class LuFactor(Function):
    """(LU, pivots, info) of getrf for matrices of any shape; the gradient reaches A through
    LU (L's multipliers and U)."""
    node_name = 'LinalgLuFactorExBackward0'

    @staticmethod
    def forward(ctx, a, pivot):
        xp = ctx.backend.xp
        packed, pivots, info = lu_packed(xp, a, pivot)
        ctx.save_for_backward(packed, permutation_of(xp, pivots, a.shape[-2], a.dtype))
        return packed, pivots, info

    @staticmethod
    def backward(ctx, g_packed, _g_pivots, _g_info):
        packed, p = ctx.saved_tensors
        if 0 in packed.shape:
            return packed * 0, None
        lower, upper = lu_factors(packed, p)
        k = lower.shape[-1]
        g_lower = g_packed[..., :, :k].tril(-1)
        g_upper = g_packed[..., :k, :].triu()
        return lu_backward(p, lower, upper, g_lower, g_upper), None


_TAYLOR_DEGREE = 18          # with ||A|| <= 1/2 the remainder is far below float64's eps


def matrix_exp_array(xp, a):
    """exp(A) for a batch of square matrices: a Taylor series of A / 2^s (Horner's form), s per
    matrix making its inf-norm at most 1/2, then squared s times (each matrix its own s)."""
    if a.size == 0:
        return a.copy()
    sizes = xp.abs(a).sum(-1).max(-1)
    largest = float(sizes.max())
    if not math.isfinite(largest):          # (every matrix's entries nan, as PyTorch's)
        return xp.full_like(a, math.nan)
    # s = ceil(log2(size)) + 1, or 0 for a size of at most 1/2
    squarings = xp.ceil(xp.log2(xp.maximum(sizes, 0.25))) + 1
    squarings = xp.maximum(squarings, 0).astype(xp.int64)
    x = a / (2.0 ** squarings).astype(a.dtype)[..., None, None]
    identity = xp.eye(a.shape[-1], dtype=a.dtype)
    result = identity + x / _TAYLOR_DEGREE
    for k in range(_TAYLOR_DEGREE - 1, 0, -1):      # I + X/1 (I + X/2 (I + ...))
        result = identity + xp.matmul(x, result) / k
    for step in range(int(squarings.max())):
        squared = xp.matmul(result, result)
        result = xp.where((squarings > step)[..., None, None], squared, result)
    return result.astype(a.dtype, copy=False)


class MatrixExp(Function):
    """exp(A) of square matrices. Its gradient is the adjoint of the Frechet derivative,
    the top right block of exp([[A^T, G], [0, A^T]]), this op again (so differentiable to
    any order)."""
    node_name = 'LinalgMatrixExpBackward0'

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return matrix_exp_array(ctx.backend.xp, a)

    @staticmethod
    def backward(ctx, g):
        from .functional import cat
        a, = ctx.saved_tensors
        n = a.shape[-1]
        g = g.expand(*a.shape) if tuple(g.shape) != tuple(a.shape) else g
        zeros = a * 0
        block = cat([cat([a.mT, g], -1), cat([zeros, a.mT], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


# ---- LDL^T with Bunch-Kaufman pivoting (LAPACK's sytf2 and sytrs, lower triangle) ----------
# Each step's pivot (a 1x1 or a 2x2 block) depends on the matrix's values, so the matrices are
# factored one at a time on the host. PyTorch has no derivative for either (nor has this).

_BUNCH_KAUFMAN_ALPHA = (1.0 + math.sqrt(17.0)) / 8.0


def ldl_factor_matrix(a):
    """sytf2 on a copy of one symmetric matrix (its lower triangle read): (LD, pivots, info) -
    L's multipliers below D's blocks, D's 1x1 and 2x2 blocks on and below the diagonal, the
    1-based interchanges (negative twice for a 2x2 block) and 1 + the index of the first zero
    block (0 if none)."""
    import numpy as np
    a = np.tril(a).astype(a.dtype, copy=True)
    n = a.shape[0]
    pivots = np.zeros(n, np.int32)
    info = 0
    k = 0
    while k < n:
        step = 1
        diagonal = abs(a[k, k])
        below = k + 1 + int(np.argmax(np.abs(a[k + 1:, k]))) if k < n - 1 else k
        column_max = abs(a[below, k]) if k < n - 1 else 0.0
        if max(diagonal, column_max) == 0 or np.isnan(diagonal):
            info = info or k + 1                # a zero column: leave it, note it
            chosen = k
        else:
            if diagonal >= _BUNCH_KAUFMAN_ALPHA * column_max:
                chosen = k
            else:                               # the largest off the diagonal of row `below`
                row_max = np.max(np.abs(a[below, k:below]))
                if below < n - 1:
                    row_max = max(row_max, np.max(np.abs(a[below + 1:, below])))
                if diagonal >= _BUNCH_KAUFMAN_ALPHA * column_max * (column_max / row_max):
                    chosen = k
                elif abs(a[below, below]) >= _BUNCH_KAUFMAN_ALPHA * row_max:
                    chosen = below
                else:
                    chosen, step = below, 2
            last = k + step - 1                 # the row and column `chosen` moves to
            if chosen != last:                  # (only the lower triangle is kept)
                _swap(a, (slice(chosen + 1, n), last), (slice(chosen + 1, n), chosen))
                _swap(a, (slice(last + 1, chosen), last), (chosen, slice(last + 1, chosen)))
                _swap(a, (last, last), (chosen, chosen))
                if step == 2:
                    _swap(a, (k + 1, k), (chosen, k))
            if step == 1 and k < n - 1:
                reciprocal = 1.0 / a[k, k]
                column = a[k + 1:, k]
                a[k + 1:, k + 1:] -= np.outer(column, reciprocal * column)
                a[k + 1:, k] = column * reciprocal
            elif step == 2 and k < n - 2:
                off = a[k + 1, k]
                first, second = a[k + 1, k + 1] / off, a[k, k] / off
                scale = 1.0 / (first * second - 1.0) / off
                near, far = a[k + 2:, k], a[k + 2:, k + 1]
                w_near = scale * (first * near - far)
                w_far = scale * (second * far - near)
                a[k + 2:, k + 2:] -= np.outer(near, w_near) + np.outer(far, w_far)
                a[k + 2:, k], a[k + 2:, k + 1] = w_near, w_far
        pivots[k:k + step] = chosen + 1 if step == 1 else -(chosen + 1)
        k += step
    return np.tril(a), pivots, info


def ldl_solve_matrix(ld, pivots, b):
    """sytrs: X with A X = B for A = L D L^T as ldl_factor_matrix gives it (one matrix)."""
    import numpy as np
    n = ld.shape[0]
    x = np.array(b, copy=True)
    k = 0
    while k < n:                                # L D Y = B, the interchanges on the way
        if pivots[k] > 0:
            chosen = pivots[k] - 1
            if chosen != k:
                _swap(x, k, chosen)
            x[k + 1:] -= np.outer(ld[k + 1:, k], x[k])
            x[k] /= ld[k, k]
            k += 1
            continue
        chosen = -pivots[k] - 1
        if chosen != k + 1:
            _swap(x, k + 1, chosen)
        x[k + 2:] -= np.outer(ld[k + 2:, k], x[k]) + np.outer(ld[k + 2:, k + 1], x[k + 1])
        off = ld[k + 1, k]
        first, second = ld[k, k] / off, ld[k + 1, k + 1] / off
        denominator = first * second - 1.0
        top, bottom = x[k] / off, x[k + 1] / off
        x[k], x[k + 1] = ((second * top - bottom) / denominator,
                          (first * bottom - top) / denominator)
        k += 2
    k = n - 1
    while k >= 0:                               # L^T X = Y, undoing the interchanges
        x[k] -= ld[k + 1:, k] @ x[k + 1:]
        if pivots[k] > 0:
            chosen = pivots[k] - 1
            k_next = k - 1
        else:
            x[k - 1] -= ld[k + 1:, k - 1] @ x[k + 1:]
            chosen = -pivots[k] - 1
            k_next = k - 2
        if chosen != k:
            _swap(x, k, chosen)
        k = k_next
    return x


class LdlFactor(Function):
    """(LD, pivots, info) of symmetric matrices; no derivative, as in PyTorch."""
    node_name = 'NotImplemented'

    @staticmethod
    def forward(ctx, a):
        import numpy as np
        backend = ctx.backend
        host = np.asarray(backend.to_host(a))
        n = host.shape[-1]
        matrices = host.reshape((math.prod(host.shape[:-2]), n, n))
        packed = np.zeros_like(matrices)
        pivots = np.zeros(matrices.shape[:2], np.int32)
        info = np.zeros(len(matrices), np.int32)
        for i, matrix in enumerate(matrices):
            packed[i], pivots[i], info[i] = ldl_factor_matrix(matrix)
        device = backend.device_of(a)
        batch = host.shape[:-2]
        return (backend.from_host(packed.reshape(host.shape), device),
                backend.from_host(pivots.reshape(batch + (n,)), device),
                backend.from_host(info.reshape(batch), device))

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError('derivative for aten::linalg_ldl_factor_ex is not implemented')


class LdlSolve(Function):
    """X with A X = B from ldl_factor's (LD, pivots), batch dims alike; no derivative."""
    node_name = 'NotImplemented'

    @staticmethod
    def forward(ctx, ld, pivots, b):
        import numpy as np
        backend = ctx.backend
        ld_host, b_host = np.asarray(backend.to_host(ld)), np.asarray(backend.to_host(b))
        pivots_host = np.asarray(backend.to_host(pivots))
        n, count = ld_host.shape[-1], math.prod(ld_host.shape[:-2])
        flat_ld = ld_host.reshape((count, n, n))
        flat_pivots = pivots_host.reshape((count, n))
        flat_b = b_host.reshape((count,) + b_host.shape[-2:])
        out = np.empty_like(flat_b)
        for i in range(len(flat_b)):
            out[i] = ldl_solve_matrix(flat_ld[i], flat_pivots[i], flat_b[i])
        return backend.from_host(out.reshape(b_host.shape), backend.device_of(b))

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError('derivative for aten::linalg_ldl_solve is not implemented')
