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
