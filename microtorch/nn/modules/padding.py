"""Padding layers over F.pad: constant (`ConstantPad1d/2d/3d`, `ZeroPad1d/2d/3d`), reflecting
(`ReflectionPad1d/2d/3d`), repeating the edge (`ReplicationPad1d/2d/3d`) and wrapping around
(`CircularPad1d/2d/3d`). padding: an int (every side) or (left, right[, top, bottom[, front,
back]])."""
from .. import functional as F
from .module import Module


def _sides(padding, count):
    return (padding,) * count if isinstance(padding, int) else tuple(padding)


class _ConstantPadNd(Module):
    _sides = 2

    def __init__(self, padding, value):
        super().__init__()
        self.padding = _sides(padding, self._sides)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, 'constant', self.value)

    def extra_repr(self):
        return f'padding={self.padding}, value={self.value}'


class ConstantPad1d(_ConstantPadNd):
    _sides = 2


class ConstantPad2d(_ConstantPadNd):
    _sides = 4


class ConstantPad3d(_ConstantPadNd):
    _sides = 6


class _ZeroPad:
    """A constant padding with zeros, listed by its padding alone."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f'{self.padding}'


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    pass


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    pass


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    pass


class _BorderPadNd(Module):
    """Padding that copies the input's own values, by F.pad's `_mode`."""
    _sides, _mode = 2, None

    def __init__(self, padding):
        super().__init__()
        self.padding = _sides(padding, self._sides)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f'{self.padding}'


class ReflectionPad1d(_BorderPadNd):
    _sides, _mode = 2, 'reflect'


class ReflectionPad2d(_BorderPadNd):
    _sides, _mode = 4, 'reflect'


class ReflectionPad3d(_BorderPadNd):
    _sides, _mode = 6, 'reflect'


class ReplicationPad1d(_BorderPadNd):
    _sides, _mode = 2, 'replicate'


class ReplicationPad2d(_BorderPadNd):
    _sides, _mode = 4, 'replicate'


class ReplicationPad3d(_BorderPadNd):
    _sides, _mode = 6, 'replicate'


class _CircularPadNd(_BorderPadNd):
    """Checks the input's dims itself (with or without a batch dim), as PyTorch's does."""
    _mode = 'circular'

    def forward(self, input):
        dims = self._sides // 2
        if input.ndim not in (dims + 1, dims + 2):
            raise ValueError(f'expected {dims + 1}D or {dims + 2}D input (got {input.ndim}D '
                             'input)')
        return super().forward(input)


class CircularPad1d(_CircularPadNd):
    _sides = 2


class CircularPad2d(_CircularPadNd):
    _sides = 4


class CircularPad3d(_CircularPadNd):
    _sides = 6
