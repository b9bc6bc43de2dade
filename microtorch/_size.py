"""`Size` and the argument checks that every shape-taking op shares."""
import operator
from collections.abc import Sequence


class Size(tuple):
    """A tensor's shape: a tuple that prints as PyTorch's torch.Size does."""
    __slots__ = ()

    def __repr__(self):
        return f'microtorch.Size({list(self)})'

    __str__ = __repr__

    # Slices, sums and repeats of a Size are Sizes, as PyTorch's (a shape built from parts,
    # such as sample_shape + batch_shape, still prints as one).
    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f'can only concatenate tuple (not {type(other).__name__}) '
                            f'to torch.Size')
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple(other) + tuple(self))

    def __mul__(self, times):
        return Size(tuple(self) * times)

    __rmul__ = __mul__

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n


def wrap_dim(dim, ndim, op=None):
    """A dim in [-ndim, ndim) as a non-negative index (0-dim tensors accept -1 and 0). op: the
    function's name, for PyTorch's wording of a dim that is not an int."""
    if not isinstance(dim, int) or isinstance(dim, bool):
        if op is not None:
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
        raise TypeError(f'dim must be an int, got {type(dim).__name__}')
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(f'Dimension out of range (expected to be in range of [{-bound}, '
                         f'{bound - 1}], but got {dim})')
    return dim + bound if dim < 0 else dim


def wrap_dims(dims, ndim):
    """None (all dims), an int or a sequence of ints -> a tuple of distinct non-negative dims."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        repeated = next(d for i, d in enumerate(out) if d in out[:i])
        raise RuntimeError(f'dim {repeated} appears multiple times in the list of dims')
    return tuple(d for d in out if d < ndim)     # a 0-dim tensor's dim 0/-1 reduces nothing


def reduction_dims(dims, ndim):
    """wrap_dims for a reduction: PyTorch reads an empty dim list, as None, as every dim."""
    if type(dims) is int and 0 <= dims < ndim:      # `x.sum(0)`: nothing to wrap or check
        return (dims,)
    if isinstance(dims, (tuple, list)) and not dims:
        dims = None
    return wrap_dims(dims, ndim)


def shape_args(args, name='size'):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) or f(Size) and return a tuple of ints."""
    if len(args) == 1 and not isinstance(args[0], int) and not _is_index(args[0]):
        args = args[0]
    try:
        shape = tuple(operator.index(n) for n in args)    # 2.5 is refused, not cut to 2
    except TypeError:
        raise TypeError(f'{name} must be a tuple of ints, but got {args!r}') from None
    for n in shape:
        if n < 0 and n != -1:
            raise RuntimeError(f'Trying to create tensor with negative dimension {n}: '
                               f'{list(shape)}')
    return shape


def _is_index(value):
    """An integer-like single size (a 0-d integer tensor, a NumPy integer)?"""
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def infer_shape(shape, numel):
    """Resolve one -1 in a reshape target; PyTorch's error when the sizes cannot match."""
    shape = tuple(shape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1:
        raise RuntimeError('only one dimension can be inferred')
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 and numel == 0:
            raise RuntimeError(f'cannot reshape tensor of 0 elements into shape {list(shape)} '
                               'because the unspecified dimension size -1 can be any value and '
                               'is ambiguous')
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        i = unknown[0]
        return shape[:i] + (numel // known,) + shape[i + 1:]
    if known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def broadcast_shapes(a, b):
    """NumPy/PyTorch broadcasting of two shapes, with PyTorch's error naming both sizes."""
    n = max(len(a), len(b))
    a = (1,) * (n - len(a)) + tuple(a)
    b = (1,) * (n - len(b)) + tuple(b)
    out = []
    for i in reversed(range(n)):            # PyTorch names the last mismatching dim
        x, y = a[i], b[i]
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise RuntimeError(f'The size of tensor a ({x}) must match the size of tensor b '
                               f'({y}) at non-singleton dimension {i}')
    return tuple(reversed(out))


def broadcast_all(*shapes):
    """torch.broadcast_shapes: the shape that all `shapes` broadcast to (an int n is the shape
    (n,), None is skipped). PyTorch's algorithm, so that its errors name the same argument
    and print the same partly-built result."""
    shapes = [(s,) if isinstance(s, int) else s for s in shapes if s is not None]
    for shape in shapes:
        if not isinstance(shape, Sequence):
            raise RuntimeError('Input shapes should be of type ints, a tuple of ints, or a list '
                               f'of ints, got {shape}')
    out = [1] * max((len(shape) for shape in shapes), default=0)
    for i, shape in enumerate(shapes):
        for d in range(-1, -1 - len(shape), -1):
            n = shape[d]
            if out[d] == 1 and n != 1:
                if n < 0:
                    raise ValueError('Attempting to broadcast a dimension with negative length!')
                out[d] = n
            elif n not in (1, out[d]):
                raise RuntimeError(f'Attempting to broadcast a dimension of length {n} at {d}! '
                                   f'Mismatching argument at index {i} had {shape}; but '
                                   f'expected shape should be broadcastable to {out}')
    return Size(out)
