"""softmax and log_softmax over one dim, each with a fused backward op.

softmax:     y = exp(x - max) / sum(exp(x - max));  gx = y * (gy - sum(y * gy))
log_softmax: y = (x - max) - log(sum(exp(x - max)));  gx = gy - exp(y) * sum(gy)
Both forwards subtract the row max, so |x| = 1e4 in float32 stays finite.
"""
from ..autograd.function import Function


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        y = ctx.backend.softmax_forward(x, dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        y, = ctx.saved_tensors
        return SoftmaxGrad.apply(y, gy, ctx.dim), None

    @staticmethod
    def backward_data(ctx, gy):
        y, = ctx.saved_data
        return ctx.backend.softmax_backward(y, gy, ctx.dim), None


class SoftmaxGrad(Function):
    node_name = 'SoftmaxBackwardDataBackward0'

    @staticmethod
    def forward(ctx, y, gy, dim):
        ctx.save_for_backward(y, gy)
        ctx.dim = dim
        return ctx.backend.softmax_backward(y, gy, dim)

    @staticmethod
    def backward(ctx, gg):
        # gx_i = y_i (gy_i - S), S = sum_j y_j gy_j. For L = sum_i gg_i gx_i:
        # dL/dgy = softmax_backward(y, gg);  dL/dy = gg (gy - S) - sum(gg y) gy.
        y, gy = ctx.saved_tensors
        dim = ctx.dim
        need_y, need_gy = ctx.needs_input_grad[:2]
        g_y = None
        if need_y:
            s = (y * gy).sum(dim, keepdim=True)
            g_y = gg * (gy - s) - (gg * y).sum(dim, keepdim=True) * gy
        g_gy = SoftmaxGrad.apply(y, gg, dim) if need_gy else None
        return g_y, g_gy, None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        y = ctx.backend.log_softmax_forward(x, dim)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, gy):
        y, = ctx.saved_tensors
        return LogSoftmaxGrad.apply(y, gy, ctx.dim), None

    @staticmethod
    def backward_data(ctx, gy):
        y, = ctx.saved_data
        return ctx.backend.log_softmax_backward(y, gy, ctx.dim), None


class LogSoftmaxGrad(Function):
    node_name = 'LogSoftmaxBackwardDataBackward0'

    @staticmethod
    def forward(ctx, y, gy, dim):
        ctx.save_for_backward(y, gy)
        ctx.dim = dim
        return ctx.backend.log_softmax_backward(y, gy, dim)

    @staticmethod
    def backward(ctx, gg):
        # gx_i = gy_i - exp(y_i) T, T = sum_j gy_j. For L = sum_i gg_i gx_i:
        # dL/dgy = gg - sum(gg exp(y));  dL/dy = -gg exp(y) T.
        y, gy = ctx.saved_tensors
        dim = ctx.dim
        need_y, need_gy = ctx.needs_input_grad[:2]
        p = y.exp()
        g_y = -gg * p * gy.sum(dim, keepdim=True) if need_y else None
        g_gy = gg - (gg * p).sum(dim, keepdim=True) if need_gy else None
        return g_y, g_gy, None
