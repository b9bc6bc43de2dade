"""Public ops made of other public ops: no kernels of their own, so their gradients (and their
CUDA code) are those of the ops they call. Each checks its arguments with PyTorch's messages
before anything runs.
"""
import builtins
import math

from .._autocast import autocast_op
from .._caller import user_stacklevel
from .. import _dtype
from .._device import uses_default_device
from ..autograd.function import grad_fn_named
from .._size import wrap_dim, wrap_dims
from ..tensor import Tensor
from . import functional as F
from . import fused as _fused


# ---- arithmetic ------------------------------------------------------------------------------

@autocast_op('addcmul')
@grad_fn_named('AddcmulBackward0')
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 * tensor2."""
    F.refuse_promoted_dtype('addcmul_cpu_out', 'b', input, tensor1, tensor2)
    if (_same_low_float(input, tensor1, tensor2, kinds=_FLOATS)
            and _fused.exact_cpu(input, tensor1, tensor2)):
        return _fused.Addcmul.apply(input, tensor1, tensor2, value)     # one rounding, CPU
    if _same_low_float(input, tensor1, tensor2):
        # PyTorch's loop: fma(value * tensor1, tensor2, input), worked in float32. Its product
        # with tensor2 is exact in float64, where the sum rounds once (then to float32: one
        # rounding but for a sum exactly halfway between two float32 values, ~2^-29).
        f32, f64 = _dtype.float32, _dtype.float64
        scaled = F.cast(F.mul(F.cast(tensor1, f32), float(f32.np.type(value))), f64)
        total = F.add(F.cast(input, f64), F.mul(scaled, F.cast(tensor2, f64)))
        return F.cast(F.cast(total, f32), input.dtype)
    product = F.mul(tensor1, tensor2)
    value = F.scalar_as(_dtype.result_type((input, product)), value)
    return F.add(input, F.mul(product, value))


_FLOATS = (_dtype.float16, _dtype.float32, _dtype.float64)


def _same_low_float(*tensors, kinds=(_dtype.float32, _dtype.float16)):
    """Are these all Tensors of one dtype among kinds (by default float32 and float16, whose
    loops PyTorch works in float32 and rounds once)?"""
    first = tensors[0]
    return (type(first) is Tensor and first.dtype in kinds
            and all(type(t) is Tensor and t.dtype is first.dtype for t in tensors))


@autocast_op('addcdiv')
@grad_fn_named('AddcdivBackward0')
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value * tensor1 / tensor2 (true division: integer operands are refused)."""
    if not tensor1.is_floating_point() and not tensor2.is_floating_point():
        raise RuntimeError(
            'Integer division with addcdiv is no longer supported, and in a future  release '
            'addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv '
            'behavior can be implemented as (input + value * microtorch.trunc(tensor1 / '
            'tensor2))'
            '.to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) '
            'for float inputs. The future addcdiv behavior is just the latter implementation: '
            '(input + value * tensor1 / tensor2), for all dtypes.')
    if (_same_low_float(input, tensor1, tensor2, kinds=_FLOATS)
            and _fused.exact_cpu(input, tensor1, tensor2)):
        return _fused.Addcdiv.apply(input, tensor1, tensor2, value)     # PyTorch's order, CPU
    if _same_low_float(input, tensor1, tensor2) or _same_low_float(input, tensor1, tensor2,
                                                                    kinds=(_dtype.float64,)):
        # PyTorch's loop: input + (value * tensor1) / tensor2, each step in float32 (float64)
        work = _dtype.float64 if input.dtype is _dtype.float64 else _dtype.float32
        quotient = F.div(F.mul(F.cast(tensor1, work), float(work.np.type(value))),
                         F.cast(tensor2, work))
        return F.cast(F.add(F.cast(input, work), quotient), input.dtype)
    return F.add(input, F.mul(F.div(tensor1, tensor2), value))


def deg2rad(input):
    return F.mul(F._floating(input), math.pi / 180)


def rad2deg(input):
    return F.mul(F._floating(input), 180 / math.pi)


@grad_fn_named('NanToNumBackward0')
def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced by numbers (by default 0 and the dtype's largest and
    smallest finite values); the gradient flows to the finite elements only."""
    if not input.is_floating_point():
        return F.clone(input)
    info = _dtype.finfo(input.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    out = F.where(F.isnan(input), nan, input)
    out = F.where(F.eq(input, math.inf), posinf, out)
    return F.where(F.eq(input, -math.inf), neginf, out)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum counting nan as 0."""
    if input.is_floating_point():
        input = F.where(F.isnan(input), 0.0, input)
    return F.sum(input, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not nan (nan where all are)."""
    if not input.is_floating_point():            # even with a float dtype=, as PyTorch
        raise RuntimeError('nanmean(): expected input to have floating point or complex '
                           f'dtype but got {F.type_name(input.dtype)}')
    counted = F.logical_not(F.isnan(input))
    return F.div(nansum(input, dim, keepdim, dtype=dtype), F.sum(counted, dim, keepdim))


def count_nonzero(input, dim=None):
    """How many elements are not zero (int64), over dim(s) or all."""
    dims = None if dim is None else wrap_dims(dim, input.ndim)
    return F.sum(F.ne(input, 0), dims)


@autocast_op('dist')
@grad_fn_named('DistBackward0')
def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    F._require_tensor(other, 'dist', 'other')
    if isinstance(p, bool) or not isinstance(p, (int, float)):
        raise TypeError(f"dist(): argument 'p' must be Number, not {type(p).__name__}")
    dtype = _dtype.result_type([input, other])
    if dtype in (_dtype.int32, _dtype.int64):        # bools: sub's error comes first
        raise RuntimeError('norm(): input dtype should be either floating point or complex. '
                           f'Got {_dtype.type_name(dtype)} instead.')
    return F.norm(F.sub(input, other), p)


# ---- products --------------------------------------------------------------------------------

@autocast_op('mv')
def mv(input, vec):
    """Matrix @ vector."""
    F._require_tensor(vec, 'mv', 'vec')
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError('vector + matrix @ vector expected, got 1, '
                           f'{input.ndim}, {vec.ndim}')
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(f'size mismatch, got input ({input.shape[0]}), mat '
                           f'({input.shape[0]}x{input.shape[1]}), vec ({vec.shape[0]})')
    return F.matmul(input, vec)


def inner(input, other):
    """Sums of products over the last dim of each: out[i..., j...] = sum_k a[i..., k] b[j..., k]
    (a product with a 0-d operand)."""
    F._require_tensor(other, 'inner', 'other')
    if input.ndim == 0 or other.ndim == 0:
        return F.mul(input, other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError('inner() the last dimension must match on both input tensors but '
                           f'got shapes {list(input.shape)} and {list(other.shape)}')
    return tensordot(input, other, ([-1], [-1]))


@autocast_op('tensordot')
def tensordot(a, b, dims=2):
    """Contract dims of a with dims of b (the last `dims` of a with the first of b, or two
    lists): one matrix product of the two, permuted and flattened."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f'tensordot expects dims >= 0, but got dims={dims}')
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f'tensordot expects dims < ndim_a or ndim_b, but got dims={dims}')
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(dims_a) != len(dims_b):
            raise RuntimeError('both dimension lists should have same length')
    if a.dtype is not b.dtype:
        raise RuntimeError('both inputs should have same dtype')
    for da, db in zip(dims_a, dims_b):          # the message names the dims as given
        if a.shape[wrap_dim(da, a.ndim)] != b.shape[wrap_dim(db, b.ndim)]:
            raise RuntimeError(f'contracted dimensions need to match, but first has size '
                               f'{a.shape[da]} in dim {da} and second has size {b.shape[db]} '
                               f'in dim {db}')
    dims_a, dims_b = list(wrap_dims(dims_a, a.ndim)), list(wrap_dims(dims_b, b.ndim))
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = math.prod(a.shape[d] for d in dims_a)
    rows, cols = [a.shape[d] for d in free_a], [b.shape[d] for d in free_b]
    left = F.reshape(F.permute(a, free_a + dims_a), (math.prod(rows), size))
    right = F.reshape(F.permute(b, dims_b + free_b), (size, math.prod(cols)))
    return F.reshape(F.mm(left, right), rows + cols)


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: 'ij,jk->ik', implicit output (the subscripts seen
    once, sorted), '...' for broadcast dims, repeated subscripts within an operand (its
    diagonal). Operands are contracted left to right, each pair by one batched matrix
    product after the subscripts only one side has are summed out."""
    if isinstance(equation, Tensor):            # einsum(op, sublist, op, sublist, [out])
        equation, operands = _sublist_equation((equation,) + operands)
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse_einsum(equation, operands)
    terms = []
    for n, (subscripts, operand) in enumerate(zip(inputs, operands)):
        terms.append(_einsum_diagonal(subscripts, operand, n))
    counts = {}
    for subscripts, _ in terms:
        for s in set(subscripts):
            counts[s] = counts.get(s, 0) + 1
    sizes = {}
    for n, (subscripts, operand) in enumerate(terms):
        for s, size in zip(subscripts, operand.shape):
            seen = sizes.get(s, 1)
            if seen != 1 and size != 1 and size != seen:
                raise RuntimeError(f'einsum(): subscript {_show(s)} has size {size} for '
                                   f'operand {n} which does not broadcast with previously '
                                   f'seen size {seen}')
            if size != 1 or s not in sizes:
                sizes[s] = size
    subscripts, result = terms[0]
    for other_subscripts, other in terms[1:]:
        for s in subscripts:
            counts[s] -= 1
        for s in other_subscripts:
            counts[s] -= 1
        keep = {s for s in set(subscripts) | set(other_subscripts) if s in output or counts[s]}
        subscripts, result = _einsum_pair(subscripts, result, other_subscripts, other, keep)
        for s in subscripts:
            counts[s] += 1
    # Sum out what the output lacks, broadcast what it has at size 1, in the output's order.
    summed = [i for i, s in enumerate(subscripts) if s not in output]
    if summed:
        result = F.sum(result, summed)
        subscripts = [s for s in subscripts if s in output]
    result = F.permute(result, [subscripts.index(s) for s in output]) if output else result
    shape = [sizes[s] for s in output]
    return F.expand(result, shape) if list(result.shape) != shape else result


_ELLIPSIS = '.'       # internal subscripts for broadcast dims are ('.', k) pairs


def _sublist_equation(arguments):
    """einsum's sublist format (operand, [0, 1], operand, [1, 2], [0, 2]) as an equation
    string and the operands: 0-25 are A-Z, 26-51 are a-z, Ellipsis is '...'."""
    def letters(sublist):
        out = ''
        for s in sublist:
            if s is Ellipsis:
                out += '...'
            elif not 0 <= s < 52:
                raise ValueError('einsum(): subscript in subscript list is not within the valid '
                                 'range [0, 52)')
            else:
                out += chr(ord('A') + s) if s < 26 else chr(ord('a') + s - 26)
        return out
    operands = arguments[0::2][:len(arguments) // 2]
    equation = ','.join(letters(sublist) for sublist in arguments[1::2])
    if len(arguments) % 2:
        equation += '->' + letters(arguments[-1])
    return equation, operands


def _broadcast(sizes, other_sizes):
    return [y if x == 1 else x for x, y in zip(sizes, other_sizes)]


def _show(subscript):
    return '...' if isinstance(subscript, tuple) else subscript


def _parse_einsum(equation, operands):
    """The subscripts of each operand and of the output, as lists (an ellipsis expanded into
    one ('.', k) subscript per broadcast dim, aligned from the right)."""
    equation = equation.replace(' ', '')
    arrow_at = equation.find('->')
    for i, ch in enumerate(equation):
        allowed = (ch.isascii() and ch.isalpha()) or ch in ',.' or (
            arrow_at >= 0 and i in (arrow_at, arrow_at + 1))
        if not allowed:
            raise RuntimeError(f'einsum(): invalid subscript given at index {i} in the '
                               'equation string, subscripts must be in [a-zA-Z]')
    left, arrow, right = equation.partition('->')
    parts = left.split(',')
    for where, part in [(f'operand {n}', p) for n, p in enumerate(parts)] + [('output', right)]:
        _check_dots(part, where)
    if len(parts) > len(operands):
        raise RuntimeError('einsum(): fewer operands were provided than specified in the '
                           'equation')
    if len(parts) < len(operands):
        raise RuntimeError('einsum(): more operands were provided than specified in the '
                           'equation')
    inputs = []
    broadcast_dims = 0
    for n, (part, operand) in enumerate(zip(parts, operands)):
        letters = part.replace('...', '')
        if '...' in part:
            dims = operand.ndim - len(letters)
            if dims < 0:
                raise RuntimeError(f'einsum(): the number of subscripts in the equation '
                                   f'({len(letters)}) is more than the number of dimensions '
                                   f'({operand.ndim}) for operand {n}')
            before, after = part.split('...')
            subscripts = list(before) + [(_ELLIPSIS, k) for k in range(dims)] + list(after)
            broadcast_dims = builtins.max(broadcast_dims, dims)
        else:
            if len(part) != operand.ndim:
                raise RuntimeError(f'einsum(): the number of subscripts in the equation '
                                   f'({len(part)}) does not match the number of dimensions '
                                   f'({operand.ndim}) for operand {n} and no ellipsis was '
                                   'given')
            subscripts = list(part)
        inputs.append(subscripts)
    # Broadcast dims are aligned from the right: ('.', k) of an operand with fewer becomes
    # ('.', k + the difference).
    for subscripts in inputs:
        dims = [s for s in subscripts if isinstance(s, tuple)]
        shift = broadcast_dims - len(dims)
        for i, s in enumerate(subscripts):
            if isinstance(s, tuple):
                subscripts[i] = (_ELLIPSIS, s[1] + shift)
    ellipsis = [(_ELLIPSIS, k) for k in range(broadcast_dims)]
    if arrow:
        output = []
        before, dots, after = right.partition('...')
        for s in before + '\0' + after if dots else right:
            if s == '\0':
                output += ellipsis
                continue
            if s in output:
                raise RuntimeError(f'einsum(): output subscript {s} appears more than once in '
                                   'the output')
            if not builtins.any(s in subscripts for subscripts in inputs):
                raise RuntimeError(f'einsum(): output subscript {s} does not appear in the '
                                   'equation for any input operand')
            output.append(s)
    else:                   # implicit: the broadcast dims, then the letters seen once, sorted
        seen = [s for subscripts in inputs for s in subscripts if not isinstance(s, tuple)]
        output = ellipsis + sorted(s for s in set(seen) if seen.count(s) == 1)
    return inputs, output


def _check_dots(part, where):
    """PyTorch's errors for a '.' that does not start an ellipsis, or follows one."""
    suffix = ' (...)' if where == 'output' else ''
    i, seen = 0, False
    while i < len(part):
        if part[i] == '.':
            if seen:
                joint = ' but an ellipsis (...) was' if where == 'output' else \
                    ' for which an ellipsis was'
                raise RuntimeError(f"einsum(): found '.' for {where}{joint} already found")
            if part[i:i + 3] != '...':
                raise RuntimeError(f"einsum(): found '.' for {where} that is not part of any "
                                   f'ellipsis{suffix}')
            seen, i = True, i + 3
        else:
            i += 1


def _einsum_diagonal(subscripts, operand, n):
    """An operand whose subscripts repeat (ii) replaced by its diagonal over them."""
    subscripts = list(subscripts)
    while len(set(subscripts)) != len(subscripts):
        s = next(s for s in subscripts if subscripts.count(s) > 1)
        first = subscripts.index(s)
        second = subscripts.index(s, first + 1)
        if operand.shape[first] != operand.shape[second]:
            raise RuntimeError(f'einsum(): subscript {_show(s)} is repeated for operand {n} but '
                               f'the sizes don\'t match, {operand.shape[second]} != '
                               f'{operand.shape[first]}')
        operand = F.diagonal(operand, 0, first, second)      # the diagonal goes last
        subscripts = [x for i, x in enumerate(subscripts) if i not in (first, second)] + [s]
    return subscripts, operand


def _einsum_pair(sub_a, a, sub_b, b, keep):
    """Contract two operands, keeping the subscripts in `keep`: (subscripts, result)."""
    only_a = [s for s in sub_a if s not in sub_b and s not in keep]
    only_b = [s for s in sub_b if s not in sub_a and s not in keep]
    if only_a:
        a = F.sum(a, [sub_a.index(s) for s in only_a])
        sub_a = [s for s in sub_a if s not in only_a]
    if only_b:
        b = F.sum(b, [sub_b.index(s) for s in only_b])
        sub_b = [s for s in sub_b if s not in only_b]
    batch = [s for s in sub_a if s in sub_b and s in keep]
    contracted = [s for s in sub_a if s in sub_b and s not in keep]
    left = [s for s in sub_a if s not in sub_b]
    right = [s for s in sub_b if s not in sub_a]
    # Size-1 dims broadcast against each other; then one bmm of (batch, left, contracted)
    # by (batch, contracted, right).
    a = F.permute(a, [sub_a.index(s) for s in batch + left + contracted])
    b = F.permute(b, [sub_b.index(s) for s in batch + contracted + right])
    nb, nl, nc = len(batch), len(left), len(contracted)
    batch_shape = _broadcast(a.shape[:nb], b.shape[:nb])
    contracted_shape = _broadcast(a.shape[nb + nl:], b.shape[nb:nb + nc])
    left_shape, right_shape = list(a.shape[nb:nb + nl]), list(b.shape[nb + nc:])
    a = F.expand(a, batch_shape + left_shape + contracted_shape)
    b = F.expand(b, batch_shape + contracted_shape + right_shape)
    batch_size, size = math.prod(batch_shape), math.prod(contracted_shape)
    rows, cols = math.prod(left_shape), math.prod(right_shape)
    if not contracted:              # an outer product, by mul as PyTorch (it promotes dtypes)
        out = F.mul(F.reshape(a, (batch_size, rows, 1)), F.reshape(b, (batch_size, 1, cols)))
    else:
        out = F.bmm(F.reshape(a, (batch_size, rows, size)), F.reshape(b, (batch_size, size, cols)))
    return batch + left + right, F.reshape(out, batch_shape + left_shape + right_shape)


# ---- arranging -------------------------------------------------------------------------------

def movedim(input, source, destination):
    """input with dims `source` moved to positions `destination`, the rest in order (a view)."""
    ndim = input.ndim
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    if len(source) != len(destination):
        raise RuntimeError(f'movedim: Invalid source or destination dims: source ({source} '
                           f'dims) should contain the same number of dims as destination '
                           f'({destination} dims)')
    wrapped_source = [wrap_dim(d, ndim) for d in source]
    wrapped_destination = [wrap_dim(d, ndim) for d in destination]
    if len(set(wrapped_source)) != len(source):
        raise RuntimeError(f'movedim: repeated dim in `source` ({source})')
    if len(set(wrapped_destination)) != len(destination):
        raise RuntimeError(f'movedim: repeated dim in `destination` ({destination})')
    if not ndim:                                   # dims 0 and -1 of a 0-d tensor
        return F.permute(input, [])
    order = [None] * ndim
    for s, d in zip(wrapped_source, wrapped_destination):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in wrapped_source)
    order = [next(rest) if d is None else d for d in order]
    return F.permute(input, order)


def swapaxes(input, axis0, axis1):
    return F.transpose(input, axis0, axis1)


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError('Input must be >= 2-d.')
    return F.flip(input, 1)


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError('Input must be >= 1-d.')
    return F.flip(input, 0)


@grad_fn_named('Rot90Backward0')
def rot90(input, k=1, dims=(0, 1)):
    """Rotation by k quarter turns in the plane of dims, from the first towards the second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f'expected total rotation dims == 2, but got dims = {len(dims)}')
    if input.ndim < 2:
        raise RuntimeError(f'expected total dims >= 2, but got total dims = {input.ndim}')
    d0, d1 = (wrap_dim(d, input.ndim) for d in dims)
    if d0 == d1:
        raise RuntimeError(f'expected rotation dims to be different, but got dim0 = {dims[0]} '
                           f'and dim1 = {dims[1]}')
    k %= 4
    if k == 1:
        return F.transpose(F.flip(input, d1), d0, d1)
    if k == 2:
        return F.flip(input, d0, d1)
    if k == 3:
        return F.flip(F.transpose(input, d0, d1), d1)
    return F.clone(input)


def atleast_1d(*tensors):
    return _at_least(tensors, 1)


def atleast_2d(*tensors):
    return _at_least(tensors, 2)


def atleast_3d(*tensors):
    return _at_least(tensors, 3)


def _at_least(tensors, ndim):
    """Each tensor viewed with at least ndim dims (NumPy's placement of the new ones)."""
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    out = []
    for t in tensors:
        shape = tuple(t.shape)
        if len(shape) < ndim:
            if ndim == 3 and len(shape) == 2:
                shape = shape + (1,)
            elif ndim == 3 and len(shape) == 1:
                shape = (1,) + shape + (1,)
            else:
                shape = (1,) * (ndim - len(shape)) + shape
            t = F.reshape(t, shape)
        out.append(t)
    return out[0] if single else tuple(out)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Views of input split along dim: into n nearly equal parts (the first ones one longer)
    or at the given indices (PyTorch's keyword names: sections, indices,
    tensor_indices_or_sections)."""
    for named in (sections, indices, tensor_indices_or_sections):
        if named is not None:
            indices_or_sections = named
    if input.ndim == 0:
        raise RuntimeError('tensor_split expected at least a 1-dimensional tensor, but got a '
                           'tensor with 0 dims')
    if isinstance(indices_or_sections, Tensor):
        given = indices_or_sections
        if given.ndim > 1:
            raise RuntimeError('tensor_split expected tensor_indices_or_sections to be a '
                               'zero-dimensional or one-dimensional tensor, but got a tensor '
                               f'with {given.ndim} dims')
        if given.dtype is not _dtype.int64:
            raise RuntimeError('tensor_split expected tensor_indices_or_sections to have dtype '
                               f'of long, but got {F.type_name(given.dtype)}')
        indices_or_sections = given.item() if given.ndim == 0 else given.tolist()
    dim = wrap_dim(dim, input.ndim)
    n = input.shape[dim]
    if isinstance(indices_or_sections, bool) or not isinstance(indices_or_sections,
                                                               (int, list, tuple)):
        raise TypeError('tensor_split(): argument \'indices_or_sections\' must be int, tuple '
                        f'of ints or Tensor, not {type(indices_or_sections).__name__}')
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f'number of sections must be larger than 0, got {sections}')
        small, extra = divmod(n, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + small + (1 if i < extra else 0))
    else:
        bounds = [0] + [builtins.min(builtins.max(i if i >= 0 else i + n, 0), n)
                        for i in indices_or_sections] + [n]
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index = (slice(None),) * dim + (slice(start, builtins.max(start, stop)),)
        pieces.append(F.getitem(input, index))
    return tuple(pieces)


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim, after prepend and append are joined on."""
    if input.ndim == 0:
        raise RuntimeError('diff expects input to be at least one-dimensional')
    if n < 0:
        raise RuntimeError(f'order must be non-negative but got {n}')
    for name, extra in (('prepend', prepend), ('append', append)):
        if extra is not None and not isinstance(extra, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not "
                            f'{type(extra).__name__}')
    parts = [extra for extra in (prepend, input, append) if extra is not None]
    if n == 0 and len(parts) == 1:          # PyTorch returns input as it is, any dim
        return F.clone(input)
    dim = wrap_dim(dim, input.ndim)
    if builtins.any(extra.ndim != input.ndim for extra in parts):
        raise RuntimeError('diff expects prepend or append to be the same dimension as input')
    if n == 0:
        return F.clone(input)               # prepend/append are checked, not joined on
    out = F.cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = out.shape[dim]
        if length == 0:
            break
        later = F.narrow(out, dim, 1, length - 1)
        earlier = F.narrow(out, dim, 0, length - 1)
        out = F.logical_xor(later, earlier) if out.dtype is _dtype.bool_ else F.sub(later,
                                                                                    earlier)
    return out


# ---- scans: cumprod, cummax/cummin, logcumsumexp ---------------------------------------------
# Each is an inclusive scan in ceil(log2(n)) rounds: every element combined with the one
# 2**k places before it. Built from recorded ops only, so cumprod's gradient is exact through
# zeros (only products are taken) and every derivative order follows from those ops.

def _scan(input, dim, combine):
    n = input.shape[dim] if input.ndim else 1
    out, shift = input, 1
    while shift < n:
        earlier = F.narrow(out, dim, 0, n - shift)
        later = F.narrow(out, dim, shift, n - shift)
        out = F.cat([F.narrow(out, dim, 0, shift), combine(earlier, later)], dim)
        shift *= 2
    return F.clone(out) if out is input else out


@grad_fn_named('CumprodBackward0')
def cumprod(input, dim, *, dtype=None):
    """Running products along dim (integers and bools as int64, as cumsum)."""
    input = F._integers_as_int64(input, dtype)
    dim = wrap_dim(dim, input.ndim, 'cumprod')
    return _scan(input, dim, F.mul)


def logcumsumexp(input, dim):
    """log(cumsum(exp(input))) without overflow: a scan of logaddexp."""
    dim = wrap_dim(dim, input.ndim, 'logcumsumexp')
    if not input.is_floating_point():
        raise NotImplementedError(f'"logcumsumexp_out_{input.device.type}" not implemented for '
                                  f"'{F.type_name(input.dtype)}'")
    return _scan(input, dim, F.logaddexp)


@grad_fn_named('CummaxBackward0')
def cummax(input, dim):
    return _running_extreme(input, dim, 'cummax')


@grad_fn_named('CumminBackward0')
def cummin(input, dim):
    return _running_extreme(input, dim, 'cummin')


def _running_extreme(input, dim, name):
    """(values, indices): the running max (min) along dim and where it was taken: the last
    position of the extreme (of the last nan once one is seen), as PyTorch. The values are a
    gather at those positions, so the gradient goes to them."""
    if input.ndim == 0 and dim not in (0, -1):
        raise IndexError(f'{name}(): Expected reduction dim -1 or 0 for scalar but got {dim}')
    dim = wrap_dim(dim, input.ndim, name)
    xp = input._backend_xp()
    data = input._data
    if data.ndim == 0:
        return F._return_type(name)(F.clone(input), F.zeros_index(input))
    n = data.shape[dim]
    shape = [1] * data.ndim
    shape[dim] = n
    indices = xp.broadcast_to(xp.arange(n).reshape(shape), data.shape)
    values = data
    better = xp.greater_equal if name == 'cummax' else xp.less_equal
    floating = data.dtype.kind == 'f'
    shift = 1
    while shift < n:
        head = _along(dim, 0, shift)
        earlier, later = _along(dim, 0, n - shift), _along(dim, shift, n)
        take_later = better(values[later], values[earlier])
        if floating:
            take_later = (take_later & ~xp.isnan(values[earlier])) | xp.isnan(values[later])
        values = xp.concatenate(
            [values[head], xp.where(take_later, values[later], values[earlier])], dim)
        indices = xp.concatenate(
            [indices[head], xp.where(take_later, indices[later], indices[earlier])], dim)
        shift *= 2
    index = Tensor._make(xp.ascontiguousarray(indices).astype('int64'))
    return F._return_type(name)(F.gather(input, dim, index), index)


def _along(dim, start, stop):
    return (slice(None),) * dim + (slice(start, stop),)


# ---- searching and counting (no gradient) ----------------------------------------------------

def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Where each value would be inserted in the last dim of sorted_sequence (1-D, or with
    input's leading dims) to keep it sorted: the first such place, or the last with right=True
    or side='right'."""
    F.refuse_promoted_dtype('searchsorted_out_cpu', 'b', sorted_sequence, input)
    if side is not None and side not in ('left', 'right'):
        raise RuntimeError("microtorch.searchsorted(): side can only be 'left' or 'right' but "
                           f'got {side}')
    if side == 'left' and right:
        raise RuntimeError("microtorch.searchsorted(): side and right can't be set to "
                           'opposites, got side of left while right was True')
    boundaries = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    if scalar and boundaries.ndim != 1:
        raise RuntimeError('microtorch.searchsorted(): input value can be a scalar only when '
                           'boundaries tensor dimension is 1, but we got boundaries tensor '
                           f"dim({boundaries.ndim}) and input value's dim(0) numel(1)")
    if boundaries.ndim == 0:
        raise RuntimeError('microtorch.searchsorted(): boundaries tensor should have positive '
                           'dimension, but got 0 dimension')
    xp = sorted_sequence._backend_xp()
    values = xp.asarray(input) if scalar else input._data
    if sorter is not None:
        if sorter.dtype is not _dtype.int64:
            raise RuntimeError('microtorch.searchsorted(): sorter must be a tensor of long dtype '
                               f'but got dtype {F.type_name(sorter.dtype)}')
        if tuple(sorter.shape) != tuple(sorted_sequence.shape):
            raise RuntimeError('microtorch.searchsorted(): boundary and sorter must have the same '
                               f'size, but got boundary tensor {list(sorted_sequence.shape)}and '
                               f'got sorter tensor {list(sorter.shape)}')
        boundaries = xp.take_along_axis(boundaries, sorter._data, -1)
    if boundaries.ndim != 1 and (values.ndim != boundaries.ndim or
                                 values.shape[:-1] != boundaries.shape[:-1]):
        raise RuntimeError('microtorch.searchsorted(): boundaries tensor should be 1 dimension or '
                           'the first N-1 dimensions of boundaries tensor and input value tensor '
                           f'must match, but we got boundaries tensor {list(boundaries.shape)} '
                           f'and input value tensor {list(values.shape)}')
    if boundaries.dtype.kind == 'b' and values.dtype.kind == 'b' and values.size:
        raise NotImplementedError(f'"searchsorted_out_{sorted_sequence.device.type}" not '
                                  "implemented for 'Bool'")        # PyTorch searches as bools
    side = 'right' if right or side == 'right' else 'left'
    if boundaries.ndim == 1:
        out = xp.searchsorted(boundaries, values, side)
    else:                                      # one search per row of the leading dims
        rows = boundaries.reshape(-1, boundaries.shape[-1])
        wanted = values.reshape(rows.shape[0], -1)
        out = xp.stack([xp.searchsorted(r, w, side) for r, w in zip(rows, wanted)])
        out = out.reshape(values.shape)
    return Tensor._make(xp.asarray(out).astype('int32' if out_int32 else 'int64'))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among 1-D sorted boundaries (searchsorted of the values)."""
    if boundaries.ndim != 1:
        raise RuntimeError('boundaries tensor must be 1 dimension, but got '
                           f'dim({boundaries.ndim})')
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):
    """Counts in `bins` equal bins over [min, max] (the data's range when min == max), as
    input's float dtype; values outside (and nan) are left out, max falls in the last bin."""
    if bins <= 0:
        raise RuntimeError(f'microtorch.histogram(): bins must be > 0, but got {bins} for '
                           'dimension 0')
    if min > max:
        raise RuntimeError('microtorch.histc: max must be larger than min')
    if not (math.isfinite(min) and math.isfinite(max)):     # checked before the dtype
        raise RuntimeError(f'microtorch.histc: range of [{_number(min)}, {_number(max)}] is '
                           'not finite')
    if not input.is_floating_point():
        raise NotImplementedError(f'"histogram_{input.device.type}" not implemented for '
                                  f"'{F.type_name(input.dtype)}'")
    xp, data = input._backend_xp(), input._data
    low, high = data.dtype.type(min), data.dtype.type(max)
    if low == high and data.size:
        low, high = data.min(), data.max()
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f'microtorch.histc: range of [{_number(low)}, {_number(high)}] is not '
                           'finite')
    if low == high:
        low, high = low - 1, high + 1
    inside = data[(data >= low) & (data <= high)]
    # The bin as PyTorch computes it, in the input's dtype.
    position = ((inside - low) * data.dtype.type(bins) / (high - low)).astype('int64')
    position = xp.minimum(position, bins - 1)
    counts = xp.bincount(position, minlength=bins)
    return Tensor._make(counts.astype(data.dtype))


def _number(value):
    """A float as C++ streams it into PyTorch's messages (1, 0.5, nan)."""
    value = float(value)
    return str(int(value)) if value.is_integer() else f'{value:g}'


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of elements is among test_elements (either may be a number)."""
    tensor = elements if isinstance(elements, Tensor) else test_elements
    xp = tensor._backend_xp()
    wanted = elements._data if isinstance(elements, Tensor) else xp.asarray(elements)
    pool = test_elements._data if isinstance(test_elements, Tensor) else \
        xp.asarray(test_elements)
    return Tensor._make(xp.asarray(xp.isin(wanted, pool, invert=invert)))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """input with each run of equal values (slices along dim) kept once; on request the
    index of each element's run (input's shape, or dim's size) and the runs' lengths."""
    xp, data = input._backend_xp(), input._data
    if dim is None:
        rows = data.reshape(-1, 1)
    else:
        dim = wrap_dim(dim, data.ndim, 'unique_consecutive')
        F.check_unique_dim(data.shape, dim)
        width = math.prod(n for d, n in enumerate(data.shape) if d != dim)   # no -1: may be 0
        rows = xp.moveaxis(data, dim, 0).reshape(data.shape[dim], width)
    starts = xp.ones(rows.shape[0], dtype=bool)
    if rows.shape[0] > 1:
        starts[1:] = xp.any(rows[1:] != rows[:-1], axis=1)
    first = xp.flatnonzero(starts)
    if dim is None:
        values = data.reshape(-1)[first]
    else:
        values = xp.take(data, first, axis=dim)
    out = [Tensor._make(values)]
    if return_inverse:
        inverse = xp.cumsum(starts) - 1
        out.append(Tensor._make(inverse.reshape(data.shape if dim is None else -1)
                                .astype('int64')))
    if return_counts:
        ends = xp.concatenate([first[1:], xp.asarray([rows.shape[0]])])
        out.append(Tensor._make((ends - first).astype('int64')))
    return out[0] if len(out) == 1 else tuple(out)


# ---- building tensors --------------------------------------------------------------------

@uses_default_device
def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The (row, col) indices of the lower triangle of a row x col matrix, as a 2 x N tensor
    in row-major order."""
    return _triangle_indices('tril_indices', row, col, offset, dtype, device)


@uses_default_device
def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _triangle_indices('triu_indices', row, col, offset, dtype, device)


def _triangle_indices(name, row, col, offset, dtype, device):
    import numpy as np
    from ..creation import tensor
    if row < 0:
        raise RuntimeError(f'row must be non-negative, got{row}')
    if col < 0:
        raise RuntimeError(f'col must be non-negative, got{col}')
    dtype = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    if dtype.is_floating_point or dtype is _dtype.bool_:
        raise NotImplementedError(f'"{name}" not implemented for \'{F.type_name(dtype)}\'')
    pick = np.tril_indices if name == 'tril_indices' else np.triu_indices
    rows, cols = pick(row, offset, col)
    return tensor(np.stack([rows, cols]).reshape(2, -1), dtype=dtype, device=device)


@uses_default_device
def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """steps values from base**start to base**end, evenly spaced in the exponent."""
    import numpy as np
    from ..creation import tensor
    if steps < 0:
        raise RuntimeError('number of steps must be non-negative')
    dtype = _dtype.default_float if dtype is None else _dtype.to_dtype(dtype)
    if not dtype.is_floating_point:          # the ends in the integer dtype, as PyTorch
        start, end = int(start), int(end)
    values = np.power(float(base), np.linspace(float(start), float(end), steps))
    if not dtype.is_floating_point:
        values = np.trunc(values)
    return tensor(values, dtype=dtype, device=device, requires_grad=requires_grad)


def vander(x, N=None, increasing=False):
    """Columns x**(N-1), ..., x, 1 (reversed with increasing=True): a running product, so
    differentiable at x = 0 too. Integers give int64."""
    if x.ndim != 1:
        raise RuntimeError('x must be a one-dimensional tensor.')
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError('N must be non-negative.')
    x = F._integers_as_int64(x, None)
    column = F.unsqueeze(x, 1)
    if n == 0:                                   # no columns (a new tensor, as always)
        return F.clone(F.narrow(column, 1, 0, 0))
    ones = F.full_like(column, 1)
    powers = cumprod(F.cat([ones, F.expand(column, (x.shape[0], n - 1))], 1), 1)
    return powers if increasing else F.flip(powers, 1)


def _require_vector(input):
    if input.ndim != 1:
        raise RuntimeError(f'Expect a 1D vector, but got shape {list(input.shape)}')


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, one per row."""
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        tensors = tuple(tensors[0])
    for t in tensors:
        _require_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = F.meshgrid(*tensors, indexing='ij')
    return F.stack([F.reshape(g, (-1,)) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """The r-element combinations of a 1-D tensor's elements, one per row (in order)."""
    import itertools
    from ..creation import tensor
    _require_vector(input)
    if r < 0:
        raise RuntimeError(f'Expect a non-negative number, but got {r}')
    if r == 0:                                   # PyTorch gives an empty vector
        return F.clone(F.narrow(input, 0, 0, 0))
    choose = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    picks = [i for combination in choose(range(input.shape[0]), r) for i in combination]
    index = tensor(picks, dtype=_dtype.int64, device=input.device)
    return F.reshape(F.index_select(input, 0, index), (-1, r))


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d, as 1x1, 1xn, mxn blocks) along the diagonal of one matrix,
    zeros elsewhere, in their promoted dtype."""
    from ..creation import zeros
    for n, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError('microtorch.block_diag: Input tensors must have 2 or fewer '
                               f'dimensions. Input {n} has {t.ndim} dimensions')
    if not tensors:
        return zeros(1, 0)
    dtype = _dtype.result_type(tensors)
    blocks = [F.reshape(F.cast(t, dtype), (1, -1)) if t.ndim < 2 else F.cast(t, dtype)
              for t in tensors]
    width = builtins.sum(b.shape[1] for b in blocks)
    rows, before = [], 0
    device = tensors[0].device
    for b in blocks:
        height, cols = b.shape
        rows.append(F.cat([zeros(height, before, dtype=dtype, device=device), b,
                           zeros(height, width - before - cols, dtype=dtype, device=device)],
                          1))
        before += cols
    return F.cat(rows, 0)


def kron(input, other):
    """The Kronecker product: every element of input times all of other, in blocks."""
    F._require_tensor(other, 'kron', 'other')
    ndim = builtins.max(input.ndim, other.ndim)
    a_shape = [1] * (ndim - input.ndim) + list(input.shape)
    b_shape = [1] * (ndim - other.ndim) + list(other.shape)
    a = F.reshape(input, [n for size in a_shape for n in (size, 1)])
    b = F.reshape(other, [n for size in b_shape for n in (1, size)])
    return F.reshape(F.mul(a, b), [x * y for x, y in zip(a_shape, b_shape)])


# ---- products and geometry -------------------------------------------------------------------

@autocast_op('cross')
def cross(input, other, dim=None):
    """The cross product of 3-vectors along dim (without dim: the first dim of size 3, with
    PyTorch's deprecation warning)."""
    F._require_tensor(other, 'cross', 'other')
    if dim is None:
        import warnings
        warnings.warn('Using microtorch.cross without specifying the dim arg is deprecated.\n'
                      'Please either pass the dim explicitly or simply use '
                      'microtorch.linalg.cross.\nThe default value of dim will change to agree '
                      'with that of linalg.cross in a future release.', UserWarning,
                      stacklevel=user_stacklevel())
        if input.ndim != other.ndim:
            return linalg_cross(input, other)      # its error
        sizes = list(F.broadcast_shapes(input.shape, other.shape))
        if 3 not in sizes:
            raise RuntimeError('no dimension of size 3 in input')
        dim = sizes.index(3)
    return linalg_cross(input, other, dim=dim)


def linalg_cross(input, other, *, dim=-1):
    from ..creation import tensor
    if input.ndim != other.ndim:
        raise RuntimeError('linalg.cross: inputs must have the same number of dimensions.')
    if input.ndim == other.ndim:
        size_a = input.shape[wrap_dim(dim, input.ndim)]
        size_b = other.shape[wrap_dim(dim, other.ndim)]
        if size_a != 3 or size_b != 3:
            raise RuntimeError(f'linalg.cross: inputs dimension {dim} must have length 3. Got '
                               f'{size_a} and {size_b}')
    F._refuse_dtype(input, 'cross', 'b')
    if input.dtype is not other.dtype:
        raise RuntimeError(f'expected scalar type {F.type_name(input.dtype)} but found '
                           f'{F.type_name(other.dtype)}')
    input, other = F.broadcast_tensors(input, other)
    dim = wrap_dim(dim, input.ndim)
    next_one = tensor([1, 2, 0], device=input.device)
    next_two = tensor([2, 0, 1], device=input.device)

    def turn(t, order):
        return F.index_select(t, dim, order)
    return F.sub(F.mul(turn(input, next_one), turn(other, next_two)),
                 F.mul(turn(input, next_two), turn(other, next_one)))


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices (in dims dim1, dim2 of the output) with input's last dim on their
    offset-th diagonal and zeros elsewhere: one scatter into zeros."""
    from ..creation import zeros, arange
    ndim = input.ndim + 1
    first, second = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if first == second:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    n = input.shape[-1] if input.ndim else 1
    size = n + builtins.abs(offset)
    steps = arange(n, device=input.device)
    rows = F.add(steps, builtins.max(-offset, 0))
    cols = F.add(steps, builtins.max(offset, 0))
    lead = list(input.shape[:-1])
    flat_index = F.expand(F.add(F.mul(rows, size), cols), lead + [n])
    out = zeros(lead + [size * size], dtype=input.dtype, device=input.device)
    source = input if input.ndim else F.reshape(input, (1,))
    out = F.reshape(F.scatter(out, -1, flat_index, source), lead + [size, size])
    return movedim(out, (-2, -1), (first, second))


def diagflat(input, offset=0):
    return diag_embed(F.reshape(input, (-1,)), offset)


def vdot(input, other):
    """The dot product of two vectors (the first conjugated: the same for real ones)."""
    F._require_tensor(other, 'vdot', 'other')
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f'1D tensors expected, but got {input.ndim}D and {other.ndim}D '
                           'tensors')
    if input.dtype is not other.dtype:
        raise RuntimeError('dot : expected both vectors to have same dtype, but found '
                           f'{F.type_name(input.dtype)} and {F.type_name(other.dtype)}')
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(f'inconsistent tensor size, expected tensor [{input.shape[0]}] and '
                           f'src [{other.shape[0]}] to have the same number of elements, but '
                           f'got {input.shape[0]} and {other.shape[0]} elements respectively')
    return F.dot(input, other)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim: with sample points x (1-D or y's shape) or a spacing
    dx (1 by default)."""
    dim = wrap_dim(dim, y.ndim)
    if x is None and y.dtype is _dtype.bool_:
        raise RuntimeError('trapezoid: received a bool input for `y`, but bool is not supported')
    if x is not None and _dtype.bool_ in (x.dtype, y.dtype):
        raise RuntimeError('trapezoid: received a bool input for `x` or `y`, but bool is not '
                           'supported')
    y = F._floating(y)
    n = y.shape[dim]
    if x is None:
        spacing = 1 if dx is None else dx
        if n == 0:
            return F.mul(F.sum(y, dim), 0)
        ends = F.add(F.select(y, dim, 0), F.select(y, dim, -1))
        return F.mul(F.sub(F.sum(y, dim), F.mul(ends, 0.5)), spacing)
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError('trapezoid: There must be one `x` value for each sample point')
        steps = F.reshape(diff(x), [-1] + [1] * (y.ndim - dim - 1))
    else:
        steps = diff(x, dim=dim)
    if n == 0:
        return F.mul(F.sum(y, dim), 0)
    pairs = F.add(F.narrow(y, dim, 1, n - 1), F.narrow(y, dim, 0, n - 1))
    return F.div(F.sum(F.mul(steps, pairs), dim), 2.0)


# ---- pointwise -------------------------------------------------------------------------------

@grad_fn_named(lambda input, other: 'XlogyBackward0' if isinstance(input, Tensor) and
                isinstance(other, Tensor) else 'XlogyBackward2' if isinstance(input, Tensor)
                else 'XlogyBackward1')
def xlogy(input, other):
    """input * log(other), 0 where input is 0 (unless other is nan). The gradient as
    PyTorch's: log(other) for input (also where input is 0, unless other <= 0 there),
    input / other for other."""
    return x_times_log(input, other, F.log, 0)


def x_times_log(input, other, log, pole):
    """input * log(other) for a log whose argument must be above `pole` (xlogy, and
    xlog1py with log1p): where input is 0 and log(other) is not finite (other at or below the
    pole, or inf), a log of 0 keeps the product 0."""
    input, other = _both_tensors(input, other)
    no_log = F.logical_and(F.eq(input, 0), F.logical_or(F.le(other, pole),
                                                        F.eq(other, math.inf)))
    return F.mul(input, F.where(no_log, 0.0, log(other)))


def _both_tensors(input, other):
    """Both operands as tensors of their result dtype (a float one for integers), on the
    tensor's device: a Python number becomes a 0-d tensor of that dtype, so nothing is
    computed in a narrower one."""
    from ..creation import tensor
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    dtype = _dtype.result_type(tensors, [v for v in (input, other) if not isinstance(v, Tensor)])
    if not dtype.is_floating_point:
        dtype = _dtype.default_float
    device = tensors[0].device

    def as_tensor(value):
        if isinstance(value, Tensor):
            return F.cast(value, dtype)
        return tensor(value, dtype=dtype, device=device)
    return as_tensor(input), as_tensor(other)


def float_power(input, exponent):
    """input ** exponent in float64."""
    def widened(v):
        return F.cast(v, _dtype.float64) if isinstance(v, Tensor) else v
    if not isinstance(input, Tensor):
        from ..creation import tensor
        input = tensor(input, dtype=_dtype.float64, device=exponent.device)
    return F.pow(widened(input), widened(exponent))


def fmax(input, other):
    """The larger of each pair, ignoring nan (nan only where both are); ties take input's
    value and gradient, as PyTorch."""
    F._require_tensor(other, 'fmax', 'other')
    pick_input = F.logical_or(F.ge(input, other), F.isnan(other))
    return F.where(pick_input, input, other)


def fmin(input, other):
    F._require_tensor(other, 'fmin', 'other')
    pick_input = F.logical_or(F.le(input, other), F.isnan(other))
    return F.where(pick_input, input, other)


def heaviside(input, values):
    """0 below zero, values at zero, 1 above (no derivative, as PyTorch)."""
    if not isinstance(values, Tensor):
        raise TypeError("heaviside(): argument 'values' (position 2) must be Tensor, not "
                        f'{type(values).__name__}')
    if input.dtype is not values.dtype:
        raise RuntimeError('heaviside is not yet implemented for tensors with different '
                           'dtypes.')
    input, values = input.detach(), values.detach()
    step = F.cast(F.gt(input, 0), input.dtype)
    return F.where(F.eq(input, 0), values, step)


@autocast_op('renorm')
def renorm(input, p, dim, maxnorm):
    """Each slice along dim whose p-norm exceeds maxnorm scaled down to norm maxnorm (by
    maxnorm / (norm + 1e-7), as PyTorch; the gradient goes through the norm)."""
    if p <= 0:
        raise RuntimeError('renorm: non-positive-norm not supported')
    if maxnorm < 0:
        raise RuntimeError(f'renorm: expected maxnorm to be >= 0 but got {_number(maxnorm)}')
    if input.ndim <= 1:
        raise RuntimeError(f'renorm: input needs at least 2 dimensions, got {input.ndim} '
                           'dimensions')
    dim = wrap_dim(dim, input.ndim)
    others = [d for d in range(input.ndim) if d != dim]
    norms = F.norm(input, p, others, keepdim=True)
    scale = F.where(F.gt(norms, maxnorm), F.div(maxnorm, F.add(norms, 1e-7)), 1.0)
    return F.mul(input, scale)


# ---- statistics and distances ----------------------------------------------------------------

def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance of the variables in input's rows (observations in columns)."""
    import warnings
    if input.dtype is _dtype.bool_:
        raise RuntimeError('cov(): bool dtype is not supported for input')
    if input.ndim > 2:
        raise RuntimeError('cov(): expected input to have two or fewer dimensions but got an '
                           f'input with {input.ndim} dimensions')
    if input.dtype is _dtype.bool_:
        raise RuntimeError('cov(): bool dtype is not supported for input')
    observations = input.shape[-1] if input.ndim else 1
    for name, w, kind in (('fweights', fweights, 'integral'),
                          ('aweights', aweights, 'floating point')):
        if w is not None:
            _check_cov_weights(name, w, kind, observations)
    x = F.reshape(F._floating(input), (1, -1)) if input.ndim < 2 else F._floating(input)
    weights = fweights if aweights is None else aweights if fweights is None else \
        F.mul(fweights, aweights)
    if weights is None:
        centred = F.sub(x, F.mean(x, 1, keepdim=True))
        dof = observations - correction
        weighted = centred
    else:
        total = F.sum(weights)
        if total.item() == 0:
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
        centred = F.sub(x, F.unsqueeze(F.div(F.sum(F.mul(x, weights), 1), total), 1))
        weighted = F.mul(centred, weights)
        dof = F.cast(total, centred.dtype)      # a tensor: aweights' gradient goes through it
        if correction and aweights is not None:
            dof = F.sub(dof, F.div(F.mul(F.sum(F.mul(weights, aweights)), correction), total))
        elif correction:
            dof = F.sub(dof, correction)
    if (dof.item() if isinstance(dof, Tensor) else dof) <= 0:
        warnings.warn('cov(): degrees of freedom is <= 0. Correction should be strictly less '
                      'than the number of observations.', UserWarning, stacklevel=2)
        dof = F.mul(dof, 0) if isinstance(dof, Tensor) else 0
    return F.squeeze(F.div(F.mm(centred, F.t(weighted)), dof))


def _check_cov_weights(name, weights, kind, observations):
    """PyTorch's checks of cov's fweights (integers) or aweights (floats), in its order."""
    if weights.ndim > 1:
        raise RuntimeError(f'cov(): expected {name} to have one or fewer dimensions but got '
                           f'{name} with {weights.ndim} dimensions')
    integral = weights.dtype is not _dtype.bool_ and not weights.is_floating_point()
    if (kind == 'integral') != integral:
        raise RuntimeError(f'cov(): expected {name} to have {kind} dtype but got {name} with '
                           f'{F.type_name(weights.dtype)} dtype')
    if weights.numel() != observations:
        raise RuntimeError(f'cov(): expected {name} to have the same numel as there are '
                           f'observations in the input but got {weights.numel()} != '
                           f'{observations}')
    if weights.numel() and F.amin(weights).item() < 0:
        raise RuntimeError(f'cov(): {name} cannot be negative')


def corrcoef(input):
    """Pearson's correlation coefficients of input's rows, clamped to [-1, 1]."""
    if input.ndim > 2:
        raise RuntimeError('corrcoef(): expected input to have two or fewer dimensions but got '
                           f'an input with {input.ndim} dimensions')
    c = cov(input)
    if c.ndim == 0:
        return F.div(c, c)
    spread = F.sqrt(F.diagonal(c))
    c = F.div(F.div(c, F.unsqueeze(spread, 1)), F.unsqueeze(spread, 0))
    return F.clamp(c, -1, 1)


@autocast_op('cdist')
@grad_fn_named('CdistBackward0')
def cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary'):
    """The p-norm distance between each row of x1 and each row of x2 (batch dims broadcast),
    computed from the differences (PyTorch's exact path)."""
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f'{compute_mode} is not a valid value for compute_mode')
    for name, x in (('X1', x1), ('X2', x2)):
        if x.ndim < 2:
            raise RuntimeError(f'cdist only supports at least 2D tensors, {name} got: '
                               f'{x.ndim}D')
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f'X1 and X2 must have the same number of columns. X1: '
                           f'{x1.shape[-1]} X2: {x2.shape[-1]}')
    for name, x in (('X1', x1), ('X2', x2)):
        if not x.is_floating_point():
            raise RuntimeError(f'cdist only supports floating-point dtypes, {name} got: '
                               f'{F.type_name(x.dtype)}')
    if p < 0:
        raise RuntimeError('cdist only supports non-negative p values')
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f'expected scalar type {F.type_name(x1.dtype)} but found '
                           f'{F.type_name(x2.dtype)}')
    differences = F.sub(F.unsqueeze(x1, -2), F.unsqueeze(x2, -3))
    if not x1.shape[-1]:                    # no columns: every distance is 0, for any p
        return F.sum(differences, -1)
    return F.norm(differences, p, -1)


_CDIST_MODES = ('use_mm_for_euclid_dist_if_necessary', 'use_mm_for_euclid_dist',
                'donot_use_mm_for_euclid_dist')


@autocast_op('baddbmm')
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2), batch by batch (input ignored when beta
    is 0)."""
    for name, b in (('batch1', batch1), ('batch2', batch2)):
        if b.ndim != 3:
            raise RuntimeError(f'{name} must be a 3D tensor')
    expected = [batch1.shape[0], batch1.shape[2]]
    if list(batch2.shape[:2]) != expected:
        raise RuntimeError('Expected size for first two dimensions of batch2 tensor to be: '
                           f'{expected} but got: {list(batch2.shape[:2])}.')
    out_shape = [batch1.shape[0], batch1.shape[1], batch2.shape[2]]
    scaled = F.expand(input, out_shape)
    F._refuse_dtype(batch1, 'baddbmm', 'b')
    product = F.bmm(batch1, batch2)
    beta, alpha = (F.scalar_as(product.dtype, v) for v in (beta, alpha))
    if alpha != 1:
        product = F.mul(product, alpha)
    if beta == 0:
        return product
    return F.add(F.mul(scaled, beta) if beta != 1 else scaled, product)


# ---- shapes and aliases of nn.functional ---------------------------------------------------

def unflatten(input, dim, sizes):
    """dim split into sizes (one of them may be -1): a view where input's layout allows."""
    dim = wrap_dim(dim, input.ndim)
    given, sizes = list(sizes), list(sizes)
    if not sizes:
        raise RuntimeError('unflatten: sizes must be non-empty')
    length = input.shape[dim]
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) == 1 and known and length % known == 0:
        sizes[sizes.index(-1)] = length // known
    if math.prod(sizes) != length or -1 in sizes:
        raise RuntimeError(f"unflatten: Provided sizes {given} don't multiply up to the size "
                           f'of dim {dim} ({length}) in the input tensor')
    return F.reshape(input, list(input.shape[:dim]) + sizes + list(input.shape[dim + 1:]))


@autocast_op('cosine_similarity')
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    from ..nn import functional as nnF
    return nnF.cosine_similarity(x1, x2, dim, eps)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    from ..nn import functional as nnF
    return nnF.pairwise_distance(x1, x2, p, eps, keepdim)


def dropout(input, p, train):
    """nn.functional.dropout, whose bad p is a RuntimeError here (a ValueError there), as
    in PyTorch."""
    from ..nn import functional as nnF
    _checked_dropout_p(p)
    return nnF.dropout(input, p, train)


# ---- the later nn.functional ops at the top level, with PyTorch's top-level signatures (a
# reduction there is an int: 0 none, 1 mean, 2 sum; any other int leaves the loss unreduced,
# and so does leaving it out: PyTorch's parser reads its default, Mean, as 0)

def _reduction_of(name, reduction, position):
    if not isinstance(reduction, int) or isinstance(reduction, bool):
        raise TypeError(f"{name}(): argument 'reduction' (position {position}) must be int, not "
                        f'{type(reduction).__name__}')
    return {1: 'mean', 2: 'sum'}.get(reduction, 'none')


def pixel_shuffle(input, upscale_factor):
    from ..nn import functional as nnF
    return nnF.pixel_shuffle(input, upscale_factor)


def pixel_unshuffle(input, downscale_factor):
    from ..nn import functional as nnF
    return nnF.pixel_unshuffle(input, downscale_factor)


def channel_shuffle(input, groups):
    from ..nn import functional as nnF
    return nnF.channel_shuffle(input, groups)


@autocast_op('pdist')
def pdist(input, p=2):
    from ..nn import functional as nnF
    return nnF.pdist(input, p)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    from ..nn import functional as nnF
    return nnF.rms_norm(input, normalized_shape, weight, eps)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    from ..nn import functional as nnF
    if generator is not None:
        raise NotImplementedError('rrelu: generator= is not supported by microtorch')
    return nnF.rrelu(input, lower, upper, training)


def _checked_dropout_p(p):
    if not 0 <= p <= 1:             # a RuntimeError at the top level, as in PyTorch
        raise RuntimeError(f'dropout probability has to be between 0 and 1, but got {p}')


def alpha_dropout(input, p, train):
    from ..nn import functional as nnF
    _checked_dropout_p(p)
    return nnF.alpha_dropout(input, p, train)


def feature_alpha_dropout(input, p, train):
    from ..nn import functional as nnF
    _checked_dropout_p(p)
    return nnF.feature_alpha_dropout(input, p, train)


@autocast_op('cosine_embedding_loss')
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    from ..nn import functional as nnF
    reduction = _reduction_of('cosine_embedding_loss', reduction, 5)
    return nnF.cosine_embedding_loss(input1, input2, target, margin, reduction=reduction)


@autocast_op('margin_ranking_loss')
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    """nn.functional's, without its check of the dims (PyTorch's broadcasts them here)."""
    from ..nn import functional as nnF
    reduction = _reduction_of('margin_ranking_loss', reduction, 5)
    return nnF._ranking_loss(input1, input2, target, margin, reduction)


@autocast_op('hinge_embedding_loss')
def hinge_embedding_loss(input, target, margin=1.0, reduction=0):
    from ..nn import functional as nnF
    reduction = _reduction_of('hinge_embedding_loss', reduction, 4)
    return nnF.hinge_embedding_loss(input, target, margin, reduction=reduction)


@autocast_op('triplet_margin_loss')
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        reduction=0):
    """nn.functional's, without its check that margin is positive (PyTorch's has none here)."""
    from ..nn import functional as nnF
    reduction = _reduction_of('triplet_margin_loss', reduction, 8)
    nnF._check_triplet_dims(anchor, positive, negative)
    return nnF._triplet_loss(anchor, positive, negative,
                             lambda a, b: nnF.pairwise_distance(a, b, p, eps), margin, swap,
                             reduction)


@autocast_op('poisson_nll_loss')
def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    from ..nn import functional as nnF
    reduction = _reduction_of('poisson_nll_loss', reduction, 6)
    return nnF.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=reduction)
