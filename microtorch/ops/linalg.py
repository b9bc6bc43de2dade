"""Matrix products (NumPy's BLAS on the CPU, cuBLAS through CuPy on a GPU).

matmul follows NumPy/PyTorch: 1-D operands are promoted to matrices and the added dim removed,
batch dims broadcast. Backward is written with matmul itself (so it is twice differentiable);
the engine sums broadcast batch dims back to each input's shape.
"""
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
        # d det(A) = det(A) tr(A^-1 dA): grad_A = grad det(A) A^-T (A invertible)
        scale = (gy * det).unsqueeze(-1).unsqueeze(-1)
        try:
            inverse = Inv.apply(a)
        except np.linalg.LinAlgError:          # CuPy raises NumPy's class too
            raise NotImplementedError('linalg.det: the gradient at a singular matrix needs an '
                                      'SVD, which microtorch does not implement') from None
        return scale * inverse.mT


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
            raise NotImplementedError('linalg.slogdet: the gradient at a singular matrix '
                                      'needs an SVD, which microtorch does not implement') from None
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
