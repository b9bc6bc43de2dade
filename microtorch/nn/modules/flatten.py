"""`Flatten`: dims start_dim..end_dim into one (by default all but the batch dim)."""
from ...ops import composite
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
        return composite.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f'dim={self.dim}, unflattened_size={self.unflattened_size}'
