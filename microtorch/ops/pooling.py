"""Max and average pooling as one op each.

Max pooling records the values of each window's max, given where each came from: the backend
finds the values and their indices in one pass (backend.max_pool_forward, outside the tape,
as max(dim) finds its argmax), and the values' gradient goes back to the elements the
indices name (backend.max_pool_backward). That gradient is itself an op (MaxPoolGrad) whose
own gradient gathers at the same indices, so it differentiates again.
Average pooling's gradient spreads gy / factor over each window; that spread's own gradient is
the average pooling again.
"""
import math

from ..autograd.function import Function
from ..tensor import Tensor


class MaxPool(Function):
    """x (N, C, *sizes), with values and index (N, C, *outs) from max_pool_forward."""
    node_name = 'MaxPool2DWithIndicesBackward0'
    widens = False                   # a max is exact in float16: no float32 round trip

    @staticmethod
    def forward(ctx, x, values, index):
        ctx.pool = (index, x.shape)
        return values

    @staticmethod
    def backward(ctx, gy):
        index, shape = ctx.pool
        return MaxPoolGrad.apply(gy, index, shape), None, None

    @staticmethod
    def backward_data(ctx, gy):
        index, shape = ctx.pool
        return ctx.backend.max_pool_backward(gy, index, shape), None, None


class MaxPool3D(MaxPool):
    node_name = 'MaxPool3DWithIndicesBackward0'


class MaxPoolGrad(Function):
    """max pooling's gradient onto x's shape; its own gradient reads gg at the indices."""
    node_name = 'MaxPool2DWithIndicesBackwardBackward0'
    widens = False

    @staticmethod
    def forward(ctx, gy, index, shape):
        ctx.pool = (index, shape)
        return ctx.backend.max_pool_backward(gy, index, shape)

    @staticmethod
    def backward(ctx, gg):
        index, shape = ctx.pool
        planes = gg.reshape(shape[0], shape[1], math.prod(shape[2:]))
        where = Tensor._make(index.reshape(index.shape[0], index.shape[1], -1))
        return planes.gather(2, where).reshape(index.shape), None, None


class AvgPool(Function):
    """x (N, C, *sizes) -> each window's mean, PyTorch's (backend.avg_pool_forward); factors:
    what each output position divides by, in x's dtype."""
    node_name = 'AvgPool2DBackward0'

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, factors):
        ctx.pool = (x.shape, kernel, stride, padding, factors)
        return ctx.backend.avg_pool_forward(x, kernel, stride, padding, factors)

    @staticmethod
    def backward(ctx, gy):
        return (AvgPoolGrad.apply(gy, *ctx.pool),) + (None,) * 4

    @staticmethod
    def backward_data(ctx, gy):
        return (ctx.backend.avg_pool_backward(gy, *ctx.pool),) + (None,) * 4


class AvgPool3D(AvgPool):
    node_name = 'AvgPool3DBackward0'


class AvgPoolGrad(Function):
    """average pooling's gradient onto x's shape; its own gradient is the pooling of gg."""
    node_name = 'AvgPool2DBackwardBackward0'

    @staticmethod
    def forward(ctx, gy, shape, kernel, stride, padding, factors):
        ctx.pool = (kernel, stride, padding, factors)
        return ctx.backend.avg_pool_backward(gy, shape, kernel, stride, padding, factors)

    @staticmethod
    def backward(ctx, gg):
        return (AvgPool.apply(gg, *ctx.pool),) + (None,) * 5
