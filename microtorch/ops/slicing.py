"""Stacking, splitting and writing into parts of a tensor, made of other ops: dstack, hsplit,
vsplit, dsplit, split_with_sizes, select_scatter, slice_scatter, diagonal_scatter, index_put,
put, narrow_copy; and the product ops chain_matmul, addmv, addr, addbmm, ger. Each returns a
new tensor (the in-place forms are Tensor methods) and checks its arguments with PyTorch's
messages before anything runs.
"""
import builtins
import warnings

from .._autocast import autocast_op
from .. import _dtype
from .._size import wrap_dim
from ..autograd.function import Function, grad_fn_named
from ..autograd.grad_mode import state as _grad_state
from ..tensor import Tensor
from . import composite as C
from . import functional as F


# ---- stacking and splitting ------------------------------------------------------------------

def dstack(tensors):
    """The tensors (made at least 3-d) joined along their third dim."""
    if isinstance(tensors, Tensor):
        raise TypeError("dstack(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        'not Tensor')
    if not tensors:
        raise RuntimeError('dstack expects a non-empty TensorList')
    return F.cat([C.atleast_3d(t) for t in tensors], 2)


def _split_along(name, input, indices_or_sections, dim, least):
    """hsplit, vsplit and dsplit: tensor_split along dim, whose sections must be equal."""
    if input.ndim < least:
        raise RuntimeError(f'microtorch.{name} requires a tensor with at least {least} '
                           f'dimension, but got a tensor with {input.ndim} dimensions!')
    if isinstance(indices_or_sections, Tensor):
        unmatched = ("      didn't match because some of the arguments have invalid types: "
                     '(Tensor, !Tensor!)\n')
        raise TypeError(f'{name}() received an invalid combination of arguments - got '
                        '(Tensor, Tensor), but expected one of:\n * (Tensor input, int '
                        f'sections)\n{unmatched} * (Tensor input, tuple of ints indices)\n'
                        f'{unmatched}')
    if isinstance(indices_or_sections, int) and (
            indices_or_sections == 0 or input.shape[dim] % indices_or_sections):
        raise RuntimeError(f'microtorch.{name} attempted to split along dimension {dim}, but '
                           f'the size of the dimension {input.shape[dim]} is not divisible by '
                           f'the split_size {indices_or_sections}!')
    return C.tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """Split along the columns: dim 1 (dim 0 of a vector)."""
    return _split_along('hsplit', input, indices_or_sections, 0 if input.ndim == 1 else 1, 1)


def vsplit(input, indices_or_sections):
    return _split_along('vsplit', input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    return _split_along('dsplit', input, indices_or_sections, 2, 3)


def split_with_sizes(input, split_sizes, dim=0):
    """Views of input along dim, of the given sizes (which must add up to its size)."""
    sizes = [int(s) for s in split_sizes]
    if builtins.any(s < 0 for s in sizes):
        raise RuntimeError('split_with_sizes expects split_sizes have only non-negative '
                           f'entries, but got split_sizes={sizes}')
    return F.split(input, sizes, dim)


# ---- writes into parts of a copy ---------------------------------------------------------

def _scatter_part(name, input, src, key):
    """input with input[key] replaced by src, which must have the part's shape exactly."""
    F._require_tensor(src, name, 'src')
    part = tuple(input._data[key].shape)
    if tuple(src.shape) != part:
        raise RuntimeError('expected src to have a size equal to the slice of self. src size = '
                           f'{list(src.shape)}, slice size = {list(part)}')
    return F.index_put(input, key, src)


@grad_fn_named('SelectScatterBackward0')
def select_scatter(input, src, dim, index):
    """input with input.select(dim, index) replaced by src."""
    F._require_tensor(src, 'select_scatter', 'src')
    F.select(input, dim, index)                      # PyTorch's errors for dim and index
    dim = wrap_dim(dim, input.ndim)
    return _scatter_part('select_scatter', input, src, (slice(None),) * dim + (index,))


@grad_fn_named('SliceScatterBackward0')
def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """input with input[..., start:end:step, ...] (along dim) replaced by src."""
    F._require_tensor(src, 'slice_scatter', 'src')
    if input.ndim == 0:
        raise IndexError('slice() cannot be applied to a 0-dim tensor.')
    dim = wrap_dim(dim, input.ndim)
    if step <= 0:
        raise RuntimeError('slice step must be positive')
    return _scatter_part('slice_scatter', input, src,
                         (slice(None),) * dim + (slice(start, end, step),))


@grad_fn_named('DiagonalScatterBackward0')
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """input with input.diagonal(offset, dim1, dim2) replaced by src (whose last dim runs
    along the diagonal, as diagonal's does)."""
    F._require_tensor(src, 'diagonal_scatter', 'src')
    part = F.diagonal(input, offset, dim1, dim2)          # PyTorch's errors for the dims
    if tuple(src.shape) != tuple(part.shape):
        raise RuntimeError('expected src to have a size equal to the slice of self. src size = '
                           f'{list(src.shape)}, slice size = {list(part.shape)}')
    dim1, dim2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    length = part.shape[-1]
    key = [slice(None)] * input.ndim
    key[dim1] = F._arange(length, input.device, builtins.max(-offset, 0))
    key[dim2] = F._arange(length, input.device, builtins.max(offset, 0))
    # NumPy's rule for two array indices: their dim stays in place when they are adjacent,
    # else it comes first.
    low, high = sorted((dim1, dim2))
    where = low if high == low + 1 else 0
    return F.index_put(input, tuple(key), C.movedim(src, -1, where))


def _check_indices(input, indices, values):
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors, not "
                        f'{type(indices).__name__}')
    for position, index in enumerate(indices):
        if not isinstance(index, Tensor):
            raise TypeError(f'expected Tensor as element {position} in argument 1, but got '
                            f'{type(index).__name__}')
    F._require_tensor(values, 'index_put', 'values')
    if values.dtype is not input.dtype:
        raise RuntimeError('Index put requires the source and destination dtypes match, got '
                           f'{F.type_name(input.dtype)} for the destination and '
                           f'{F.type_name(values.dtype)} for the source.')
    spanned = builtins.sum(i.ndim if i.dtype is _dtype.bool_ else 1 for i in indices)
    if spanned > input.ndim:
        raise IndexError(f'too many indices for tensor of dimension {input.ndim} '
                         f'(got {len(indices)})')


@grad_fn_named('IndexPutBackward0')
def index_put(input, indices, values, accumulate=False):
    """input with input[indices] = values (indices: a tuple of index tensors); with
    accumulate, values are added there instead, repeated indices adding up."""
    _check_indices(input, indices, values)
    key = tuple(indices)
    if not accumulate:
        _check_values_broadcast(input, key, values)
        return F.index_put(input, key, values)
    # Each element's place in the flattened input: one index_add does the sums.
    places = F.getitem(F._arange(input.numel(), input.device).reshape(input.shape), key)
    _check_values_broadcast(input, key, values, places.shape)
    flat = F.reshape(input, (-1,))
    added = F.index_add(flat, 0, F.reshape(places, (-1,)),
                        F.reshape(F.expand(values, places.shape), (-1,)))
    return F.reshape(added, input.shape)


def _check_values_broadcast(input, key, values, target=None):
    """PyTorch's error for values that do not broadcast to the indexed part."""
    if target is None:
        target = F.getitem(input.detach(), key).shape
    shape = tuple(values.shape)
    fits = len(shape) <= len(target) and builtins.all(
        n in (1, m) for n, m in zip(reversed(shape), reversed(tuple(target))))
    if not fits:
        raise RuntimeError(f'shape mismatch: value tensor of shape {list(shape)} cannot be '
                           f'broadcast to indexing result of shape {list(target)}')


@grad_fn_named('PutBackward0')
def put(input, index, source, accumulate=False):
    """input, seen as a flat vector, with source's values written (or, with accumulate,
    added) at index; negative indices count from the end."""
    F._require_tensor(index, 'put', 'index')
    F._require_tensor(source, 'put', 'source')
    if index.dtype is not _dtype.int64:
        raise RuntimeError(f'put_(): Expected a long tensor for index, but got '
                           f'{F.type_name(index.dtype)}')
    if source.dtype is not input.dtype:
        raise RuntimeError('put_(): self and source expected to have the same dtype, but got '
                           f'self.dtype = {F.type_name(input.dtype)} and source.dtype = '
                           f'{F.type_name(source.dtype)}')
    F.check_same_device(input, index)
    F.check_same_device(input, source)
    if source.numel() != index.numel():
        raise IndexError('put_(): Expected source and index to have the same number of '
                         f'elements, but got source.numel() = {source.numel()}, '
                         f'index.numel() = {index.numel()}')
    n = input.numel()
    if n == 0 and index.numel():
        raise IndexError('put_(): Tried to put elements into an empty tensor')
    places = index._data.reshape(-1)
    outside = (places < -n) | (places >= n)
    if bool(outside.any()):
        bad = int(places[outside][0])
        raise IndexError(f'out of range: tried to access index {bad} on a tensor of {n} '
                         'elements.')
    places = Tensor._make(places % builtins.max(n, 1))
    flat = F.reshape(input, (-1,))
    values = F.reshape(source, (-1,))
    if accumulate:
        out = F.index_add(flat, 0, places, values)
    else:
        out = F.index_put(flat, (places,), values)
    return F.reshape(out, input.shape)


@grad_fn_named('NarrowCopyBackward0')
def narrow_copy(input, dim, start, length):
    """narrow's part, as a new tensor of its own."""
    return F.contiguous(F.clone(F.narrow(input, dim, start, length)))


# ---- products ----------------------------------------------------------------------------

_CHAIN_MATMUL_DEPRECATED = (
    'torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use '
    'torch.linalg.multi_dot instead, which accepts a list of two or more tensors rather than '
    'multiple parameters.')


def chain_matmul(*matrices):
    """The product of the matrices (deprecated in PyTorch, as here: linalg.multi_dot)."""
    warnings.warn(_CHAIN_MATMUL_DEPRECATED.replace('torch.', 'microtorch.'), UserWarning,
                  stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (tuple, list)):
        matrices = tuple(matrices[0])
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f'Tensor dimension is {m.ndim}, expected 2 instead.')
    if not matrices:
        raise RuntimeError('chain_matmul(): Expected one or more matrices')
    if len(matrices) == 1:
        return F.clone(matrices[0])
    return multi_dot(matrices)


def multi_dot(tensors):
    """The product of two or more matrices, left to right; the first may be a vector (a row)
    and the last a vector (a column), whose dim the result then leaves out."""
    if isinstance(tensors, Tensor):
        raise TypeError("linalg_multi_dot(): argument 'tensors' (position 1) must be tuple of "
                        'Tensors, not Tensor')
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f'multi_dot(): expected at least 2 tensors but got {n}')
    for position, where in ((0, 'first'), (n - 1, 'last')):
        if tensors[position].ndim not in (1, 2):
            raise RuntimeError(f'multi_dot(): the {where} tensor must be 1D or 2D but got '
                               f'{tensors[position].ndim}D')
    for i in builtins.range(1, n - 1):
        if tensors[i].ndim != 2:
            raise RuntimeError(f'multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D')
    matrices = list(tensors)
    matrices[0] = F.unsqueeze(tensors[0], 0) if tensors[0].ndim == 1 else tensors[0]
    matrices[-1] = F.unsqueeze(tensors[-1], 1) if tensors[-1].ndim == 1 else tensors[-1]
    for i in builtins.range(1, n):
        if tensors[i].dtype is not tensors[0].dtype:
            raise RuntimeError('multi_dot(): all tensors must have be the same dtype but tensor '
                               f'0 is {_dtype.c_type_name(tensors[0].dtype)} and tensor {i} '
                               f'{_dtype.c_type_name(tensors[i].dtype)}')
        F.check_same_device(tensors[0], tensors[i])
        if matrices[i - 1].shape[-1] != matrices[i].shape[0]:
            raise RuntimeError(f'multi_dot(): tensors {i - 1} and {i} with shapes '
                               f'{list(tensors[i - 1].shape)} and {list(tensors[i].shape)} '
                               'cannot be multiplied')
    out = matrices[0]
    for m in matrices[1:]:
        out = F.mm(out, m)
    shape = [t.shape[k] for t, k in ((tensors[0], 0), (tensors[-1], 1)) if t.ndim == 2]
    return F.reshape(out, shape)


def _scaled_sum(input, product, beta, alpha):
    """beta * input + alpha * product; input ignored (nan and inf too) when beta is 0."""
    beta, alpha = (F.scalar_as(product.dtype, v) for v in (beta, alpha))
    if alpha != 1:
        product = F.mul(product, alpha)
    if beta == 0:
        return product
    return F.add(F.mul(input, beta) if beta != 1 else input, product)


@autocast_op('addmv')
@grad_fn_named('AddmvBackward0')
def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec)."""
    if mat.ndim != 2 or vec.ndim != 1 or input.ndim > 1:
        raise RuntimeError('vector + matrix @ vector expected, got '
                           f'{input.ndim}, {mat.ndim}, {vec.ndim}')
    if mat.shape[1] != vec.shape[0] or input.numel() not in (1, mat.shape[0]):
        raise RuntimeError(f'size mismatch, got input ({input.shape[0] if input.ndim else 1}), '
                           f'mat ({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})')
    if input.dtype is not mat.dtype or mat.dtype is not vec.dtype:
        raise RuntimeError('addmv input tensors must have the same dtype, but got '
                           f'{F.type_name(input.dtype)}, {F.type_name(mat.dtype)}, and '
                           f'{F.type_name(vec.dtype)}')
    if input.dtype is _dtype.bool_:
        F._refuse_dtype(input, f'addmv_impl_{input.device.type}', 'b')
    product = F.matmul(mat, vec)
    return _scaled_sum(F.expand(input, product.shape), product, beta, alpha)


def _check_scalar(dtype, value, name):
    """addr's check of beta and alpha against the result's dtype."""
    if isinstance(value, bool) and dtype is not _dtype.bool_:
        raise RuntimeError(f'Boolean {name} only supported for Boolean results.')
    if isinstance(value, float) and not dtype.is_floating_point:
        raise RuntimeError(f'For integral input tensors, argument {name} must not be a floating '
                           'point number.')


@autocast_op('addr')
@grad_fn_named('AddrBackward0')
def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2), in the dtype the three promote to."""
    for name, vec in (('vec1', vec1), ('vec2', vec2)):
        if vec.ndim != 1:
            raise RuntimeError(f'addr: Expected 1-D argument {name}, but got {vec.ndim}-D')
    shape = (vec1.shape[0], vec2.shape[0])
    F.expand(input, shape)                               # PyTorch's error for the shapes
    dtype = _dtype.result_type((input, vec1, vec2))
    _check_scalar(dtype, beta, 'beta')
    _check_scalar(dtype, alpha, 'alpha')
    input, vec1, vec2 = (F.cast(t, dtype) for t in (input, vec1, vec2))
    if dtype is _dtype.bool_:                          # and / or in place of * and +
        product = F.logical_and(F.unsqueeze(vec1, 1), F.unsqueeze(vec2, 0))
        kept = F.expand(input, shape)
        product, kept = (t if flag else F.ne(t, t) for t, flag in ((product, alpha),
                                                                    (kept, beta)))
        return F.logical_or(product, kept)
    return _scaled_sum(F.expand(input, shape), F.outer(vec1, vec2), beta, alpha)


@autocast_op('addbmm')
@grad_fn_named('AddbmmBackward0')
def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (the sum over the batch of batch1[i] @ batch2[i])."""
    # PyTorch's order: input expanded to the product's shape, then the batches checked
    shape = (batch1.shape[wrap_dim(1, batch1.ndim)], batch2.shape[wrap_dim(2, batch2.ndim)])
    scaled = F.expand(input, shape)
    for name, b in (('batch1', batch1), ('batch2', batch2)):
        if b.ndim != 3:
            raise RuntimeError(f'{name} must be a 3D tensor')
    if batch1.shape[0] != batch2.shape[0]:
        raise RuntimeError('batch1 and batch2 must have same number of batches, got '
                           f'{batch1.shape[0]} and {batch2.shape[0]}')
    if batch1.shape[2] != batch2.shape[1]:
        raise RuntimeError(f'Incompatible matrix sizes for bmm ({batch1.shape[1]}x'
                           f'{batch1.shape[2]} and {batch2.shape[1]}x{batch2.shape[2]})')
    for first, second in ((batch1, batch2), (input, batch1)):
        if first.dtype is not second.dtype:
            raise RuntimeError('self and mat2 must have the same dtype, but got '
                               f'{F.type_name(first.dtype)} and {F.type_name(second.dtype)}')
    F._refuse_dtype(batch1, 'addmm_impl_cpu_', 'b')      # PyTorch's path: one mm
    return _scaled_sum(scaled, F.sum(F.bmm(batch1, batch2), 0, dtype=batch1.dtype), beta, alpha)


def ger(input, vec2):
    """The older name of outer."""
    return F.outer(input, vec2)


# ---- as_strided: a view of the storage with any sizes and strides ---------------------------

class _AsStrided(Function):
    """The view of `storage` (input's memory, as one flat block) with element sizes, strides
    and offset. Its gradient follows PyTorch's as_strided_backward: the output's gradient is
    written at its places in a zero storage (added up where its places may repeat), divided
    by how often input reads each place where input's may, and read at input's places."""
    is_view = True
    node_name = 'AsStridedBackward0'

    @staticmethod
    def forward(ctx, x, storage, size, stride, offset, x_offset):
        itemsize = storage.itemsize
        xp = ctx.backend.xp
        if not builtins.all(size):
            view = xp.empty(size, storage.dtype)
        else:
            view = xp.lib.stride_tricks.as_strided(storage[offset:], size,
                                                   [s * itemsize for s in stride])
            if hasattr(view.flags, 'writeable') and builtins.any(
                    s == 0 and n > 1 for n, s in zip(size, stride)):
                view.flags.writeable = False      # in-place ops refuse it, as PyTorch's
        ctx.storage_size, ctx.x_shape, ctx.x_offset = storage.size, x.shape, x_offset
        ctx.size, ctx.stride, ctx.offset = size, stride, offset
        ctx.x_strides = [s // itemsize for s in x.strides]
        ctx.x_overlaps = _may_overlap(x.shape, ctx.x_strides)
        return view

    @staticmethod
    def backward_data(ctx, gy):
        # The common case on arrays: neither geometry reads a place twice, so the gradient is
        # written into zeros and read back through input's geometry (views, no index arrays).
        if ctx.x_overlaps or _may_overlap(ctx.size, ctx.stride) or not builtins.all(ctx.size) \
                or not builtins.all(ctx.x_shape):
            return None                     # (the Tensor backward: sums and divisions)
        xp = ctx.backend.xp
        total = xp.zeros(ctx.storage_size, gy.dtype)
        itemsize = total.itemsize
        xp.lib.stride_tricks.as_strided(total[ctx.offset:], ctx.size,
                                        [s * itemsize for s in ctx.stride])[...] = gy
        gx = xp.lib.stride_tricks.as_strided(total[ctx.x_offset:], ctx.x_shape,
                                             [s * itemsize for s in ctx.x_strides])
        return gx, None, None, None, None, None

    @staticmethod
    def backward(ctx, gy):
        from ..creation import ones_like, zeros, zeros_like
        xp = gy._backend_xp()
        size, stride = [], []
        for d in reversed(range(len(ctx.size))):  # PyTorch's simplified output geometry
            if ctx.size[d] == 1:
                gy = F.squeeze(gy, d)
            elif ctx.stride[d] == 0:
                gy = F.sum(gy, d)                 # a broadcast dim: its gradients summed first
            else:
                size.insert(0, ctx.size[d])
                stride.insert(0, ctx.stride[d])
        places = Tensor._make(xp.asarray(_places(size, stride, ctx.offset).reshape(-1)))
        total = zeros(ctx.storage_size, dtype=gy.dtype, device=gy.device)
        write = F.index_add if _may_overlap(size, stride) else F.index_copy
        total = write(total, 0, places, F.reshape(gy, (-1,)))
        x_places = Tensor._make(xp.asarray(_places(ctx.x_shape, ctx.x_strides, ctx.x_offset)))
        if ctx.x_overlaps:                  # each place's gradient shared by its readers
            flat = F.reshape(x_places, (-1,))
            readers = F.index_add(zeros_like(total), 0, flat, ones_like(flat, dtype=gy.dtype))
            total = F.div(total, readers)
        return F.getitem(total, (x_places,)), None, None, None, None, None


def _may_overlap(size, stride):
    """PyTorch's test for memory a geometry may read twice (conservative: strides sorted, each
    must pass the farthest place the smaller ones reach). Dims of size 1 never count."""
    reach = 0
    for s, n in sorted((s, n) for n, s in zip(size, stride) if n != 1):
        if s <= reach:
            return True
        reach += s * (n - 1)
    return False


def _places(size, stride, offset):
    """Each element's place in the storage, in elements (a host int64 array of shape size)."""
    import numpy as np
    places = np.full(size, offset, np.int64)
    for axis, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[axis] = n
        places += (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return places


def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage (the memory of the tensor it is a view of, as one block in
    memory order) with these sizes and element strides, from storage_offset (input's own by
    default). Elements may repeat (stride 0 or overlapping strides); an in-place op on a view
    whose elements overlap writes each result once (PyTorch leaves that order unspecified, and
    refuses a stride of 0, as here)."""
    from .._tensor_methods import _address
    size, stride = [int(n) for n in size], [int(s) for s in stride]
    if len(size) != len(stride):
        raise RuntimeError('mismatch in length of strides and shape')
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError('as_strided: Negative strides are not supported at the moment, got '
                           f'strides: {stride}')
    if builtins.any(n < 0 for n in size):
        raise RuntimeError(f'Storage size calculation overflowed with sizes={size} and '
                           f'strides={stride}')
    root = input._base if input._base is not None else input
    storage = _storage_of(root._data)
    itemsize = storage.itemsize
    own_offset = (_address(input._data) - _address(storage)) // itemsize
    offset = own_offset if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f'Tensor: invalid storage offset {offset}')
    needed = 0 if not builtins.all(size) else \
        offset + 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride))
    if needed > storage.size:
        raise RuntimeError(f'setStorage: sizes {size}, strides {stride}, storage offset '
                           f'{offset}, and itemsize {itemsize} requiring a storage size of '
                           f'{needed * itemsize} are out of bounds for storage of size '
                           f'{storage.size * itemsize}')
    out = _AsStrided.apply(input, storage, tuple(size), tuple(stride), offset, own_offset)
    # The view shares root's memory (and version counter), whichever array NumPy or CuPy
    # says it hangs from; it is made again from input after a write to root, as other views.
    out._base, out._version_counter = root, root._version_counter
    if not _grad_state.enabled:               # its in-place ops are refused in grad mode
        out._no_grad_view = True
    node = out._grad_fn
    if node is not None:
        node._view_args = (input, storage, tuple(size), tuple(stride), offset, own_offset)
        node._view_version = input._version_counter[0]
    return out


def _storage_of(data):
    """A tensor's memory as a flat array in memory order: the memory of a dense array (C or
    Fortran order or a permutation of either, strides not negative)."""
    order = sorted((s, n) for s, n in zip(data.strides, data.shape) if n > 1 and data.size)
    expected = data.itemsize
    for s, n in order:
        if s != expected:
            raise RuntimeError('as_strided: the tensor does not own one dense block of memory '
                               '(an array with gaps or negative strides, as from_numpy can '
                               'give); clone() it first')
        expected *= n
    from .. import backends
    xp = backends.for_array(data).xp
    if data.size == 0:
        return xp.empty(0, data.dtype)
    return xp.lib.stride_tricks.as_strided(data, (data.size,), (data.itemsize,))
