"""Indexing: x[index] and its backward, a scatter into zeros.

Basic indices (ints, slices, None, Ellipsis) give views; integer arrays and boolean masks give
copies, and their backward adds repeated indices' gradients together (np.add.at semantics).
"""
from ..autograd.function import Function


def is_basic(index):
    return all(i is None or i is Ellipsis or isinstance(i, (int, slice)) for i in index)


class GetItem(Function):
    is_view = True      # only when the index is basic; Function.apply checks the storage
    node_name = 'IndexBackward0'

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx, gy):
        return IndexGrad.apply(gy, ctx.index, ctx.shape), None


class Select(GetItem):
    node_name = 'SelectBackward0'


class Slice(GetItem):
    node_name = 'SliceBackward0'


class UnsqueezeIndex(GetItem):
    node_name = 'UnsqueezeBackward0'


class Alias(GetItem):
    node_name = 'AliasBackward0'


def op_for(index, shape):
    """The GetItem whose grad_fn name is PyTorch's: its last view op for a basic index
    (select, slice, unsqueeze; alias when nothing changes), IndexBackward0 otherwise."""
    if not is_basic(index):
        return GetItem
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    op, dim = Alias, 0
    for part in index:
        if part is Ellipsis:
            dim += len(shape) - consumed
        elif part is None:
            op = UnsqueezeIndex
        elif dim >= len(shape):
            return GetItem                  # too many indices: the forward raises
        else:
            if isinstance(part, int):
                op = Select
            elif part.indices(shape[dim]) != (0, shape[dim], 1):
                op = Slice
            dim += 1
    return op


class IndexGrad(Function):
    node_name = 'IndexBackwardBackward0'

    @staticmethod
    def forward(ctx, gy, index, shape):
        ctx.index = index
        return ctx.backend.index_backward(index, gy, shape, not is_basic(index))

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.index), None, None


class IndexPut(Function):
    """out = x with out[index] = value: the out-of-place half of `x[index] = value`."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        ctx.value_shape = getattr(value, 'shape', ())
        out = x.copy()
        out[index] = value
        return out

    @staticmethod
    def backward(ctx, gy):
        need_x, need_value = ctx.needs_input_grad[:2]
        gx = gv = None
        if need_x:
            gx = IndexPut.apply(gy, 0.0, ctx.index)
        if need_value:
            gv = gy[ctx.index]
            if gv.shape != ctx.value_shape:
                gv = gv.sum_to_size(ctx.value_shape)
        return gx, gv, None
