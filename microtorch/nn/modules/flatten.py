"""`Flatten`: dims start_dim..end_dim into one (by default all but the batch dim)."""
from ..._size import wrap_dim
from .module import Module


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f'start_dim={self.start_dim}, end_dim={self.end_dim}'


class Unflatten(Module):
    """Splits dim `dim` into unflattened_size (a tuple or list of ints; one may be -1)."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, int):
            raise TypeError('invalid argument type for dim parameter')
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError('unflattened_size must be a tuple of ints, but found type '
                            f'{type(unflattened_size).__name__}')
        for position, size in enumerate(unflattened_size):
            if not isinstance(size, int):
                raise TypeError('unflattened_size must be tuple of ints, but found element of '
                                f'type {type(size).__name__} at pos {position}')
        self.dim, self.unflattened_size = dim, unflattened_size

    def forward(self, input):
        dim = wrap_dim(self.dim, input.ndim)
        sizes = list(self.unflattened_size)
        known = 1
        for size in sizes:
            known *= size if size != -1 else 1
        length = input.shape[dim]
        if -1 in sizes and known and length % known == 0:
            sizes[sizes.index(-1)] = length // known
        product = 1
        for size in sizes:
            product *= size
        if product != length or sizes.count(-1):
            raise RuntimeError(f'unflatten: Provided sizes {list(self.unflattened_size)} '
                               f"don't multiply up to the size of dim {dim} ({length}) in "
                               'the input tensor')
        shape = tuple(input.shape[:dim]) + tuple(sizes) + tuple(input.shape[dim + 1:])
        return input.reshape(shape)

    def extra_repr(self):
        return f'dim={self.dim}, unflattened_size={self.unflattened_size}'
