"""Indexing: x[index] and its backward, a scatter into zeros.

Basic indices (ints, slices, None, Ellipsis) give views; integer arrays and boolean masks give
copies, and their backward adds repeated indices' gradients together (np.add.at semantics).
"""

import numpy as np

from ..autograd.function import Function
from .reduction import Gather


def is_basic(index):
    # True and False are masks (x[True] is x[None] as a copy), not ints
    return all(i is None or i is Ellipsis or type(i) is slice or
               (isinstance(i, int) and not isinstance(i, bool)) for i in index)


def _is_int(part):
    return isinstance(part, int) and not isinstance(part, bool)


def _is_advanced(part):
    return part is not None and part is not Ellipsis and type(part) is not slice and \
        not _is_int(part)


def split_int_selects(index):
    """PyTorch selects the ints of an index first and only then indexes the selected view
    with its advanced (array) parts; NumPy counts the ints as advanced parts. The two place
    the dims differently when an int stands apart from the arrays (x[0, :, idx] has shape
    (4, 2) in PyTorch for x of shape (3, 4, 5), (2, 4) in NumPy), and errors name the view's
    dims. So an index with both returns (the ints as a basic index, the rest for the selected
    view), to index in two steps as PyTorch; else None."""
    if not any(_is_advanced(part) for part in index) or \
            not any(_is_int(part) for part in index):
        return None
    selects, rest = [], []
    for part in index:
        if _is_int(part):
            selects.append(part)
        elif part is None or part is Ellipsis or type(part) is slice:
            selects.append(part)
            rest.append(slice(None) if part is None else part)
        else:                                   # a mask spans as many dims as it has
            ndim = getattr(part, 'ndim', 1) if getattr(part, 'dtype', None) == bool else 1
            selects += [slice(None)] * ndim
            rest.append(part)
    return tuple(selects), tuple(rest)


class GetItem(Function):
    is_view = True      # only when the index is basic; Function.apply checks the storage
    node_name = 'IndexBackward0'

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        mask = _leading_mask(index, x.shape)
        if mask is not None:
            if mask.shape == x.shape:
                return ctx.backend.masked_select(x, mask)           # x[mask]
            return ctx.backend.mask_rows(x, mask)                   # boxes[keep]
        out = x[index]
        if type(out) is not type(x) and all(type(i) is int for i in index):
            out = x[index + (Ellipsis,)]    # one element: NumPy's 0-d view, not a scalar copy
        return out

    @staticmethod
    def backward(ctx, gy):
        return IndexGrad.apply(gy, ctx.index, ctx.shape), None

    @staticmethod
    def backward_data(ctx, gy):         # (an array of its own: a leaf's .grad keeps it)
        index = ctx.index
        return ctx.backend.index_backward(index, gy, ctx.shape, not is_basic(index)), None


class Select(GetItem):
    node_name = 'SelectBackward0'


class Slice(GetItem):
    node_name = 'SliceBackward0'


class UnsqueezeIndex(GetItem):
    node_name = 'UnsqueezeBackward0'


class Alias(GetItem):
    node_name = 'AliasBackward0'


class AsStrided(GetItem):
    """A view read again from its base after an in-place write through it, as PyTorch's view
    then takes its history from the base's."""
    node_name = 'AsStridedBackward0'


def basic_view_op(index, shape):
    """op_for's answer for the common index of Python ints and int slices alone (x[0],
    x[:, :k]), read straight from the index as written; None for any other index (a zero or
    negative step included: the general path gives its error)."""
    if type(index) is not tuple:
        index = (index,)
    if len(index) > len(shape):
        return None
    op = Alias
    for part, size in zip(index, shape):
        kind = type(part)
        if kind is int:
            op = Select
        elif kind is slice and type(part.start) in _BOUNDS and type(part.stop) in _BOUNDS \
                and (part.step is None or type(part.step) is int and part.step > 0):
            if not _spans(part, size):
                op = Slice
        else:
            return None
    return op


_BOUNDS = (type(None), int)


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
            elif not _spans(part, shape[dim]):
                op = Slice
            dim += 1
    return op


class Embedding(Function):
    """nn.functional.embedding's lookup: the rows of weight that an integer array names, one
    copy shaped as the array plus (embedding_dim,); backward adds the gradients of each row
    named into zeros of weight's shape (repeats in the array's order, as index_select's),
    the padding row's left at zero."""
    node_name = 'EmbeddingBackward0'

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        flat = indices.reshape(-1)
        ctx.shape, ctx.flat, ctx.padding_idx = weight.shape, flat, padding_idx
        rows = ctx.backend.xp.take(weight, flat, axis=0)
        return rows.reshape(indices.shape + weight.shape[1:])

    @staticmethod
    def backward(ctx, gy):
        rows = gy.reshape(-1, ctx.shape[1])
        if ctx.padding_idx is not None:         # the padding row gets no gradient
            from .functional import masked_fill
            hit = ctx.flat == ctx.padding_idx
            rows = masked_fill(rows, type(gy)._make(hit[:, None]), 0)
        return IndexGrad.apply(rows, (ctx.flat,), ctx.shape), None, None

    @staticmethod
    def backward_data(ctx, gy):
        grad = ctx.backend.index_backward((ctx.flat,), gy.reshape(-1, ctx.shape[1]), ctx.shape,
                                          True)
        if ctx.padding_idx is not None:
            grad[ctx.padding_idx] = 0
        return grad, None, None


class IndexSelect(Function):
    """index_select: the entries an integer vector names along dim, in its order, as one
    C-contiguous copy (PyTorch's layout); backward adds gy's slices back into zeros of x's
    shape, repeats in the vector's order (IndexGrad's scatter-add)."""
    node_name = 'IndexSelectBackward0'

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.index = x.shape, (slice(None),) * dim + (index,)
        return ctx.backend.xp.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        return IndexGrad.apply(gy, ctx.index, ctx.shape), None, None

    @staticmethod
    def backward_data(ctx, gy):
        return ctx.backend.index_backward(ctx.index, gy, ctx.shape, True), None, None


class IndexGrad(Function):
    node_name = 'IndexBackwardBackward0'
    # float16 gradients add up in float16, each sum rounded, as PyTorch's CPU index_put_
    # (accumulate) adds them; the CUDA kernel runs them in float32 (cuda.py's _WIDER).
    widens = False

    @staticmethod
    def forward(ctx, gy, index, shape):
        ctx.index = index
        return ctx.backend.index_backward(index, gy, shape, not is_basic(index))

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.index), None, None


class MaskedSelect(Function):
    """masked_select: x's elements where mask (broadcast together) is True, as a vector. Its
    gradient is copied back into zeros (PyTorch's masked_scatter) and summed down to x's
    shape: a -0.0 stays -0.0, where x[mask]'s gradient is added to zeros (IndexBackward0)."""

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask, ctx.shape = mask, _broadcast_shape(x.shape, mask.shape)
        return ctx.backend.masked_select(x, mask)

    @staticmethod
    def backward(ctx, gy):
        return MaskedSpread.apply(gy, ctx.mask, ctx.shape), None

    @staticmethod
    def backward_data(ctx, gy):
        return ctx.backend.mask_spread(gy, ctx.mask, ctx.shape, False), None


class MaskedSpread(Function):
    """masked_select's gradient as an op, for a graph of the backward: gy's elements in the
    True places of mask broadcast to `shape`, zeros elsewhere."""
    node_name = 'MaskedScatterBackward0'

    @staticmethod
    def forward(ctx, gy, mask, shape):
        ctx.mask = mask
        return ctx.backend.mask_spread(gy, mask, shape, False)

    @staticmethod
    def backward(ctx, gg):
        return MaskedSelect.apply(gg, ctx.mask), None, None


def _leading_mask(index, shape):
    """The mask of x[mask] (x[mask, :], x[mask, ...]): a bool array of x's leading dims first,
    full slices after; else None."""
    mask = index[0] if index else None
    if getattr(mask, 'dtype', None) != bool or mask.shape != shape[:mask.ndim]:
        return None
    for part in index[1:]:
        if part is not Ellipsis and (type(part) is not slice or part != slice(None)):
            return None
    return mask


def _broadcast_shape(a, b):
    return a if a == b else np.broadcast_shapes(a, b)


class Windows(Function):
    """The sliding windows of x (N, C, *sizes) (convolution's im2col, pooling): (N, C, *outs,
    *kernel), or (N, *outs, C, *kernel) with channels_inside, the rows of a convolution's
    matmul. The windows overlap, so the gradient is a scatter-add (backend.windows_backward)."""
    node_name = 'IndexBackward0'            # the gather it stands for

    @staticmethod
    def forward(ctx, x, kernel, stride, dilation, channels_inside):
        ctx.windows = (x.shape, kernel, stride, dilation, channels_inside)
        return ctx.backend.windows_forward(x, kernel, stride, dilation, channels_inside)

    @staticmethod
    def backward(ctx, gy):
        return (WindowsGrad.apply(gy, *ctx.windows),) + (None,) * 4

    @staticmethod
    def backward_data(ctx, gy):
        return (ctx.backend.windows_backward(gy, *ctx.windows),) + (None,) * 4


class WindowsGrad(Function):
    node_name = 'IndexBackwardBackward0'

    @staticmethod
    def forward(ctx, gy, shape, kernel, stride, dilation, channels_inside):
        ctx.windows = (kernel, stride, dilation, channels_inside)
        return ctx.backend.windows_backward(gy, shape, kernel, stride, dilation,
                                            channels_inside)

    @staticmethod
    def backward(ctx, gg):
        return (Windows.apply(gg, *ctx.windows),) + (None,) * 5


class IndexPut(Function):
    """out = x with out[index] = value: the out-of-place half of `x[index] = value`."""

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.index = index
        ctx.value_shape = getattr(value, 'shape', ())
        out = x.copy()
        ctx.backend.setitem(out, index, value)
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


# PyTorch names a write `x[index] = value` by what it did: a write into a view of x that the
# index selected (ints, None, part of a dim) is CopySlices; a write of the whole of x is a fill
# (a number or a 0-d value) or a copy; fill_, zero_ and copy_ have their own names.

class CopySlices(IndexPut):
    node_name = 'CopySlices'


class FillWhole(IndexPut):
    node_name = 'FillBackward3'          # x[:] = 2.0 or x.fill_(0-d tensor)


class FillNumber(IndexPut):
    node_name = 'FillBackward2'          # x.fill_(2.0)


class Zero(IndexPut):
    node_name = 'ZeroBackward0'


class CopyWhole(IndexPut):
    node_name = 'CopyBackwards'          # x.copy_(y), x[...] = y


def _selects_a_view(index, shape):
    """Does the basic part of the index (ints, None, slices not spanning their dim) take a
    view of x before anything is written? True and False count: PyTorch adds a dim for them."""
    consumed = sum(getattr(part, 'ndim', 1) if _is_advanced(part) and
                   getattr(part, 'dtype', None) == bool else 1
                   for part in index if part is not None and part is not Ellipsis and
                   not isinstance(part, bool))
    dim = 0
    for part in index:
        if part is Ellipsis:
            dim += len(shape) - consumed
        elif part is None or isinstance(part, bool) or _is_int(part):
            return True
        elif type(part) is slice:
            if dim < len(shape) and not _spans(part, shape[dim]):
                return True
            dim += 1
        else:
            dim += getattr(part, 'ndim', 1) if getattr(part, 'dtype', None) == bool else 1
    return False


def _spans(part, size):
    """PyTorch's test for a slice that keeps its dim whole, on the slice as written: x[-3:] of
    3 rows takes a view, x[0:100] does not."""
    return part.start in (None, 0) and (part.stop is None or part.stop >= size) and \
        part.step in (None, 1)


def write_op_for(index, shape, value):
    """The IndexPut whose grad_fn name is PyTorch's for `x[index] = value`."""
    if _selects_a_view(index, shape):
        return CopySlices
    if not is_basic(index):
        return IndexPut
    return CopyWhole if getattr(value, 'ndim', 0) else FillWhole


# ---- scatters along a dim: scatter, scatter_add, scatter_reduce (and index_add, index_copy,
# index_fill through them). Their backwards are gathers and scatters of the gradient.

def _src_grad(ctx, gy, index, dim):
    """The gradient of a scatter's src: gy gathered at index. It has index's shape (PyTorch's
    rule), so a src that does not broadcast to index's shape cannot take it: PyTorch's error
    then (_fit_src sums it down for one that does)."""
    src_shape = ctx.src_shape
    if not _expandable(src_shape, tuple(index.shape)) and ctx.needs_input_grad[1]:
        raise RuntimeError(f'Function {ctx.name()} returned an invalid gradient at index 1 - '
                           f'got {list(index.shape)} but expected shape compatible with '
                           f'{list(src_shape)}')
    return Gather.apply(gy, index, dim)


def _expandable(shape, target):
    """Whether `shape` broadcasts to `target` (the engine then sums the gradient back)."""
    if len(shape) > len(target):
        return False
    return all(n in (1, m) for n, m in zip(reversed(shape), reversed(target)))


def _fit_src(ctx, gsrc):
    """src's gradient of index's shape summed to src's, as PyTorch's engine does."""
    if gsrc is None or tuple(gsrc.shape) == tuple(ctx.src_shape):
        return gsrc
    return gsrc.sum_to_size(ctx.src_shape)


class ScatterFill(Function):
    """x with the number `value` written at index along dim: x.scatter(dim, index, value)."""
    node_name = 'ScatterBackward1'

    @staticmethod
    def forward(ctx, x, index, dim, value):
        ctx.save_for_backward(index)
        ctx.dim = dim
        return ctx.backend.scatter(x, index, value, dim)

    @staticmethod
    def backward(ctx, gy):
        index, = ctx.saved_tensors
        return ScatterFill.apply(gy, index, ctx.dim, 0), None, None, None


class Scatter(Function):
    """x with src[p] written at p with p[dim] = index[p]: x.scatter(dim, index, src)."""
    node_name = 'ScatterBackward0'

    @staticmethod
    def forward(ctx, x, src, index, dim):
        ctx.save_for_backward(index)
        ctx.dim, ctx.src_shape = dim, src.shape
        return ctx.backend.scatter(x, index, src, dim)

    @staticmethod
    def backward(ctx, gy):
        index, = ctx.saved_tensors
        need_x, need_src = ctx.needs_input_grad[:2]
        gx = ScatterFill.apply(gy, index, ctx.dim, 0) if need_x else None
        gsrc = _src_grad(ctx, gy, index, ctx.dim) if need_src else None
        return gx, _fit_src(ctx, gsrc), None, None


class IndexCopy(Scatter):
    node_name = 'IndexCopyBackward0'


_IDENTITY = {'sum': 0, 'prod': 1, 'amax': -float('inf'), 'amin': float('inf')}


def _identity(reduce, dtype):
    """The value a reduction starts from, in dtype (ints: their extreme values)."""
    import numpy as np
    value = _IDENTITY[reduce]
    if dtype.kind == 'b' and reduce in ('amax', 'amin'):
        return reduce == 'amin'                 # False is the smallest bool, True the largest
    if dtype.kind in 'iu' and value in (float('inf'), -float('inf')):
        info = np.iinfo(dtype)
        return info.min if value < 0 else info.max
    return value


class ScatterReduce(Function):
    """x with src combined into it at index along dim: x.scatter_reduce(dim, index, src,
    reduce, include_self) for 'sum', 'prod', 'amax', 'amin' ('mean' is sum / count, in
    functional.py). Without include_self the positions index hits start from the reduction's
    identity instead of x."""
    node_name = 'ScatterReduceBackward0'

    @staticmethod
    def forward(ctx, x, src, index, dim, reduce, include_self):
        base = x
        if not include_self:
            base = ctx.backend.scatter(x, index, _identity(reduce, x.dtype), dim)
        out = ctx.backend.scatter_reduce(base, index, src, dim, reduce)
        ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
        ctx.src_shape = src.shape
        if reduce == 'sum':
            ctx.save_for_backward(index)
        else:
            ctx.save_for_backward(index, x, src, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        dim, reduce = ctx.dim, ctx.reduce
        saved = ctx.saved_tensors
        index = saved[0]
        if reduce == 'sum':
            gx, gsrc = gy, _src_grad(ctx, gy, index, dim)
        elif reduce == 'prod':
            gx, gsrc = _prod_grads(ctx, gy, *saved, dim, ctx.include_self)
        else:
            gx, gsrc = _extreme_grads(ctx, gy, *saved, dim)
        if not ctx.include_self:                # x's value at the positions hit was unused
            gx = ScatterFill.apply(gx, index, dim, 0)
        return gx, _fit_src(ctx, gsrc), None, None, None, None


class ScatterAddSrc(ScatterReduce):
    node_name = 'ScatterAddBackward0'


class IndexAdd(ScatterReduce):
    node_name = 'IndexAddBackward0'


class ScatterMean(Function):
    """scatter_reduce(..., 'mean'): the sum over `count`, the number of values combined at
    each position (at least 1: where index never points, x stays as it is); integers round
    down, as PyTorch's."""
    node_name = 'ScatterReduceBackward0'

    @staticmethod
    def forward(ctx, x, src, index, count, dim, include_self):
        backend = ctx.backend
        base = x if include_self else backend.scatter(x, index, x.dtype.type(0), dim)
        total = backend.scatter_reduce(base, index, src, dim, 'sum')
        ctx.save_for_backward(index, count)
        ctx.dim, ctx.include_self, ctx.src_shape = dim, include_self, src.shape
        if x.dtype.kind == 'f':
            return backend.div_forward(total, count)
        return backend.floor_divide_forward(total, count)

    @staticmethod
    def backward(ctx, gy):
        index, count = ctx.saved_tensors
        share = gy / count
        gx = share if ctx.include_self else ScatterFill.apply(share, index, ctx.dim, 0)
        return gx, _fit_src(ctx, _src_grad(ctx, share, index, ctx.dim)), None, None, None, None


class ScatterWithReduce(ScatterReduce):
    """scatter(..., reduce='add' or 'multiply'): PyTorch defines no derivative for it (the
    output requires grad; a backward through it raises)."""
    node_name = 'NotImplemented'

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError('derivative for aten::scatter is not implemented')

    backward_data = backward


def _block_of(t, shape):
    """t's leading block of `shape` (all of t when the shapes agree), on the graph."""
    if tuple(t.shape) == tuple(shape) or not t.ndim:
        return t
    return GetItem.apply(t, tuple(slice(n) for n in shape))


def _extreme_grads(ctx, gy, index, x, src, out, dim):
    """amax/amin: the gradient goes to every input equal to the result, split evenly among
    the ties (x counted even without include_self, as PyTorch counts it)."""
    src = _block_of(src, index.shape)
    value = Gather.apply(out, index, dim)
    x_wins = (x == out).to(x.dtype)
    src_wins = (src == value).to(x.dtype)
    ties = ScatterReduce.apply(x_wins, src_wins, index, dim, 'sum', True)
    share = gy / ties
    return x_wins * share, src_wins * _src_grad(ctx, share, index, dim)


def _prod_grads(ctx, gy, index, x, src, out, dim, include_self):
    """prod: the product of the others, also where x or src holds a zero (the result over
    the inputs with that zero taken as 1)."""
    src = _block_of(src, index.shape)
    x_ones = x.masked_fill(x == 0, 1)
    without_x = ScatterReduce.apply(x_ones, src, index, dim, 'prod', include_self)
    gx = gy * without_x / x_ones
    src_zero = src == 0
    zeros_there = ScatterReduce.apply(x.new_zeros(x.shape), src_zero.to(x.dtype), index, dim,
                                      'sum', True)
    lone_zero = src_zero & (Gather.apply(zeros_there, index, dim) == 1)
    without_src = ScatterReduce.apply(x, src.masked_fill(lone_zero, 1), index, dim, 'prod',
                                      include_self)
    through_others = _src_grad(ctx, gy * without_src, index, dim)
    through_out = Gather.apply(gy * out, index, dim) / src.masked_fill(src_zero, 1)
    return gx, through_others.where(lone_zero, through_out)
