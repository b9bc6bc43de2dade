"""Max pooling as one op: the values of each window's max, given where each came from.

The backend finds the values and their indices in one pass (backend.max_pool_forward, outside
the tape, as max(dim) finds its argmax); the op records the values, whose gradient goes back
to the elements the indices name (backend.max_pool_backward). That gradient is itself an op
(MaxPoolGrad) whose own gradient gathers at the same indices, so it differentiates again.
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
