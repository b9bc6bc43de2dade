"""Shape ops. Most are views (`is_view`): the output shares the input's storage and version
counter, so an in-place write through either is seen by autograd's checks on both."""
from .. import _layout
from ..autograd.function import Function
from ..tensor import Tensor


class Reshape(Function):
    """reshape/view/flatten/squeeze/unsqueeze: a view when the strides allow, else a copy."""
    is_view = True
    node_name = 'ViewBackward0'

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return ctx.backend.reshape(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.reshape(ctx.shape), None

    @staticmethod
    def backward_data(ctx, gy):
        return ctx.backend.reshape(gy, ctx.shape), None


class Squeeze(Reshape):
    node_name = 'SqueezeBackward1'       # squeeze(dim); PyTorch numbers its overloads


class SqueezeAll(Reshape):
    node_name = 'SqueezeBackward0'       # squeeze()


class SqueezeDims(Reshape):
    node_name = 'SqueezeBackward2'       # squeeze((dim, ...))


class Unsqueeze(Reshape):
    node_name = 'UnsqueezeBackward0'


class Transpose(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = dim0, dim1
        return _swapaxes(ctx.backend.xp, x, ctx.dims)

    @staticmethod
    def backward(ctx, gy):
        return gy.transpose(*ctx.dims), None, None

    @staticmethod
    def backward_data(ctx, gy):
        return _swapaxes(ctx.backend.xp, gy, ctx.dims), None, None


def _swapaxes(xp, x, dims):
    # A 0-dim tensor's dims 0 and -1 are the one it does not have: swapping them is a view.
    return xp.swapaxes(x, *dims) if x.ndim else x[...]


class T(Transpose):
    node_name = 'TBackward0'


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, gy):
        return gy.permute(_layout.inverse(ctx.dims)), None

    @staticmethod
    def backward_data(ctx, gy):
        return gy.transpose(_layout.inverse(ctx.dims)), None


class Expand(Function):
    """A broadcast view (read-only: its elements alias each other)."""
    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return ctx.backend.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.sum_to_size(ctx.shape), None

    @staticmethod
    def backward_data(ctx, gy):
        return ctx.backend.sum_to_shape(gy, ctx.shape), None


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return _layout.copy_in_layout(x)     # PyTorch's clone keeps the layout

    @staticmethod
    def backward(ctx, gy):
        return gy

    @staticmethod
    def backward_data(ctx, gy):
        return gy


class Contiguous(Clone):
    node_name = 'CloneBackward0'

    @staticmethod
    def forward(ctx, x):
        return ctx.backend.contiguous(x)


class GradToFirst(Function):
    """An op whose gradient is gy, for its first input alone (the others are not Tensors)."""
    @staticmethod
    def backward(ctx, gy):
        return gy, None

    @staticmethod
    def backward_data(ctx, gy):
        return gy, None


class LayoutCopy(GradToFirst):
    """A copy whose dims lie in memory in `order`, recorded: a leaf's first `.grad` under
    create_graph, laid out by the gradient layout contract (PyTorch's copy_ there)."""
    node_name = 'CopyBackwards'

    @staticmethod
    def forward(ctx, x, order):
        return _layout.in_order(x, order)


class Cast(GradToFirst):     # (the engine casts gy back to the input's dtype)
    node_name = 'ToCopyBackward0'
    widens = False                  # its output dtype is the one asked for

    @staticmethod
    def forward(ctx, x, np_dtype):
        return ctx.backend.cast(x, np_dtype)


def skipped_by_cat(shape):
    """cat leaves out 1-D empty tensors, whatever the other tensors' shapes (PyTorch's
    legacy rule, so that `torch.cat([torch.tensor([]), x])` can start an accumulation)."""
    return shape == (0,)


class Roll(Function):
    """Elements shifted along dims, those falling off one end coming back at the other: a
    C-contiguous copy (PyTorch rolls a contiguous copy of its input); the gradient is rolled
    back."""
    node_name = 'RollBackward0'

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        xp = ctx.backend.xp
        return xp.roll(xp.ascontiguousarray(x), shifts, dims)

    @staticmethod
    def backward(ctx, gy):
        return Roll.apply(gy, tuple(-s for s in ctx.shifts), ctx.dims), None, None

    @staticmethod
    def backward_data(ctx, gy):
        xp = ctx.backend.xp
        return xp.roll(gy, tuple(-s for s in ctx.shifts), ctx.dims), None, None


class Flip(Function):
    """The elements in reverse order along dims: a copy in the input's layout (PyTorch's flip
    preserves it); the gradient is flipped back."""
    node_name = 'FlipBackward0'

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return _flipped(ctx.backend.xp, x, dims)

    @staticmethod
    def backward(ctx, gy):
        return Flip.apply(gy, ctx.dims), None

    @staticmethod
    def backward_data(ctx, gy):
        return _flipped(ctx.backend.xp, gy, ctx.dims), None


def _flipped(xp, x, dims):
    view = xp.flip(x, dims) if dims else x
    if x.flags.c_contiguous or x.ndim < 2:
        return xp.ascontiguousarray(view) if dims else view.copy()
    return _layout.in_order(view, _layout.memory_order(x.shape, x.strides))


class ConstantPad(Function):
    """F.pad's constant mode: `pad` is (before, after) per dim from the last one back, a
    negative amount crops. A copy whose borders alone are filled, laid out as PyTorch's (C
    order, or channels-last for such an input; a crop alone is a clone of that part); the
    gradient pads gy with the amounts negated (crops it where x was padded, zeros where x was
    cropped), as PyTorch's formula does."""
    node_name = 'ConstantPadNdBackward0'

    @staticmethod
    def forward(ctx, x, pad, value):
        ctx.pad = pad
        return _padded(ctx.backend, x, pad, value)

    @staticmethod
    def backward(ctx, gy):
        return ConstantPad.apply(gy, _negated(ctx.pad), 0), None, None

    @staticmethod
    def backward_data(ctx, gy):
        return _padded(ctx.backend, gy, _negated(ctx.pad), 0), None, None


# PyTorch's suggest_memory_format: 4-d and 5-d inputs laid out channels-last stay so
_CHANNELS_LAST = {4: [0, 2, 3, 1], 5: [0, 2, 3, 4, 1]}


def _negated(pad):
    return tuple(-amount for amount in pad)


def _padded(backend, x, pad, value):
    """x with `pad` applied (the sizes were checked: none comes out negative)."""
    ndim = x.ndim
    shape, source, target = list(x.shape), [slice(None)] * ndim, [slice(None)] * ndim
    for i in range(len(pad) // 2):
        dim, (before, after) = ndim - 1 - i, pad[2 * i:2 * i + 2]
        size = x.shape[dim]
        shape[dim] = size + before + after
        source[dim] = slice(max(-before, 0), size - max(-after, 0))
        target[dim] = slice(max(before, 0), shape[dim] - max(after, 0))
    if all(amount <= 0 for amount in pad):          # a crop: a clone of that part
        return _layout.copy_in_layout(x[tuple(source)])
    order = _CHANNELS_LAST.get(x.ndim)
    if order is not None and _layout.memory_order(x.shape, x.strides) != order:
        order = None
    if order is None:
        out = backend.empty(tuple(shape), x.dtype)
    else:
        out = backend.empty(tuple(shape[d] for d in order), x.dtype).transpose(
            _layout.inverse(order))
    out[tuple(target)] = x[tuple(source)]
    for i in range(len(pad) // 2):             # the borders, one slab per side of each dim
        dim, kept = ndim - 1 - i, target[ndim - 1 - i]
        for border in (slice(0, kept.start), slice(kept.stop, shape[dim])):
            if border.stop > border.start:
                out[(slice(None),) * dim + (border,)] = value
    return out


class Tril(Function):
    """The lower triangle of the last two dims, on and below the `diagonal`-th diagonal, zeros
    above it (C-contiguous, as PyTorch's); the gradient is the same triangle of gy."""
    node_name = 'TrilBackward0'
    keep = 'tril'

    @classmethod
    def forward(cls, ctx, x, diagonal):
        ctx.diagonal = diagonal
        return _triangle(ctx.backend.xp, cls.keep, x, diagonal)

    @classmethod
    def backward(cls, ctx, gy):
        return cls.apply(gy, ctx.diagonal), None

    @classmethod
    def backward_data(cls, ctx, gy):
        return _triangle(ctx.backend.xp, cls.keep, gy, ctx.diagonal), None


class Triu(Tril):
    """The upper triangle, on and above the `diagonal`-th diagonal."""
    node_name = 'TriuBackward0'
    keep = 'triu'


def _triangle(xp, keep, x, diagonal):
    return xp.ascontiguousarray(getattr(xp, keep)(x, diagonal))


class Cat(Function):
    """cat(*tensors, dim): backward hands each input its slice of gy (views, no copies), and
    each left-out empty input an empty gradient."""

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ctx.dim = dim
        ctx.sizes = [None if skipped_by_cat(a.shape) else a.shape[dim] for a in arrays]
        kept = [a for a in arrays if not skipped_by_cat(a.shape)]
        return ctx.backend.concatenate(kept or arrays, dim)

    @staticmethod
    def backward(ctx, gy):
        return _cat_grads(ctx, gy, gy._data.dtype, Tensor._make)

    @staticmethod
    def backward_data(ctx, gy):
        return _cat_grads(ctx, gy, gy.dtype, lambda array: array)


def _cat_grads(ctx, gy, np_dtype, wrap):
    """Cat's gradients: gy's slices (Tensors or arrays, as gy), and for each left-out input
    an empty array of np_dtype, made what gy is by `wrap`."""
    grads = []
    start = 0
    lead = (slice(None),) * ctx.dim
    for size, needed in zip(ctx.sizes, ctx.needs_input_grad):
        if not needed:
            grads.append(None)
        elif size is None:                   # left out: an empty grad, as PyTorch's
            grads.append(wrap(ctx.backend.zeros((0,), np_dtype)))
        else:
            grads.append(gy[lead + (slice(start, start + size),)])
        start += size or 0
    return tuple(grads) + (None,)


class Stack(Function):
    """stack(*tensors, dim): backward hands each input its index of gy along dim (views)."""

    @staticmethod
    def forward(ctx, *args):
        *arrays, dim = args
        ctx.dim = dim
        return ctx.backend.stack(arrays, dim)

    @staticmethod
    def backward(ctx, gy):                  # (gy a Tensor or, as backward_data, an array)
        lead = (slice(None),) * ctx.dim
        return tuple(gy[lead + (i,)] if needed else None
                     for i, needed in enumerate(ctx.needs_input_grad[:-1])) + (None,)

    backward_data = backward


class Diagonal(Function):
    """The offset-th diagonal of the matrices in dims dim1, dim2, as the last dim: a strided
    view of x's memory (the two dims' strides added), so writes reach x as in PyTorch;
    backward scatters gy onto that diagonal of zeros."""
    is_view = True
    node_name = 'DiagonalBackward0'

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2, length):
        ctx.options, ctx.shape = (offset, dim1, dim2), x.shape
        corner = [slice(None)] * x.ndim
        corner[dim1] = slice(max(-offset, 0), None)
        corner[dim2] = slice(max(offset, 0), None)
        xp = ctx.backend.xp
        if xp.__name__ != 'numpy':       # CuPy's diagonal is a writeable view already
            return xp.diagonal(x, offset, dim1, dim2)
        start = x[tuple(corner)] if length else x
        rest = [d for d in range(x.ndim) if d not in (dim1, dim2)]
        shape = [x.shape[d] for d in rest] + [length]
        strides = [x.strides[d] for d in rest] + [x.strides[dim1] + x.strides[dim2]]
        return xp.lib.stride_tricks.as_strided(start, shape, strides)

    @staticmethod
    def backward(ctx, gy):
        from . import slicing
        from ..creation import zeros
        offset, dim1, dim2 = ctx.options
        grad = zeros(ctx.shape, dtype=gy.dtype, device=gy.device)
        return slicing.diagonal_scatter(grad, gy, offset, dim1, dim2), None, None, None, None


class Unfold(Function):
    """Tensor.unfold(dim, size, step): every window of `size` along dim, `step` apart, as a
    new last dim; a strided view of x on NumPy (read-only where windows overlap: an in-place
    write would reach one element several times), a copy on CuPy, whose strided arrays keep
    no link to their base. Backward adds each window's gradient back where it came from."""
    is_view = True
    node_name = 'UnfoldBackward0'

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.options, ctx.shape = (dim, size, step), x.shape
        count = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + \
            (x.strides[dim],)
        xp = ctx.backend.xp
        if xp.__name__ != 'numpy':
            return xp.ascontiguousarray(xp.lib.stride_tricks.as_strided(x, shape, strides))
        overlap = step < size and count > 1
        return xp.lib.stride_tricks.as_strided(x, shape, strides, writeable=not overlap)

    @staticmethod
    def backward(ctx, gy):
        from . import functional as F
        from ..creation import zeros
        dim, size, step = ctx.options
        count = gy.shape[dim]
        places = (F._arange(count, gy.device) * step).unsqueeze(1) + F._arange(size, gy.device)
        windows = gy.movedim(-1, dim + 1)              # each window beside its place
        flat = windows.reshape(ctx.shape[:dim] + (count * size,) + ctx.shape[dim + 1:])
        grad = zeros(ctx.shape, dtype=gy.dtype, device=gy.device)
        return F.index_add(grad, dim, places.reshape(-1), flat), None, None, None


class Unbind(Function):
    """unbind(x, dim): the slices of dim as views, one output each (so each knows its
    output_nr, as PyTorch's); backward stacks the grads (missing ones are zeros)."""
    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        return tuple(x[lead + (i,)] for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return Stack.apply(*grads, ctx.dim), None

    @staticmethod
    def backward_data(ctx, *grads):
        return ctx.backend.stack(grads, ctx.dim), None


class Split(Function):
    """split into pieces of `sizes` along dim, each a view; backward concatenates the grads
    (pieces that received none contribute zeros)."""
    is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        lead = (slice(None),) * dim
        pieces = []
        start = 0
        for size in sizes:
            pieces.append(x[lead + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        return Cat.apply(*grads, ctx.dim), None, None

    @staticmethod
    def backward_data(ctx, *grads):
        return ctx.backend.concatenate(grads, ctx.dim), None, None
