"""`microtorch.device`: PyTorch's device names ('cpu', 'cuda', 'cuda:N')."""


class device:
    __slots__ = ('type', 'index')

    def __new__(cls, spec, index=None):
        if isinstance(spec, device):
            return spec
        if isinstance(spec, int):            # device(0) means cuda:0, as in PyTorch
            spec, index = 'cuda', spec
        if not isinstance(spec, str):
            raise TypeError(f'device() expects a string, an int or a device, got {spec!r}')
        kind, _, number = spec.partition(':')
        if kind not in ('cpu', 'cuda'):
            raise RuntimeError('Expected one of cpu, cuda device type at start of device '
                               f'string: {spec}')
        if number:
            if index is not None:
                raise RuntimeError(f'device string {spec!r} already names an index')
            if not number.isdigit():
                raise RuntimeError(f'Invalid device string: {spec!r}')
            index = int(number)
        if kind == 'cpu':
            index = None
        self = object.__new__(cls)
        object.__setattr__(self, 'type', kind)
        object.__setattr__(self, 'index', index)
        return self

    def __setattr__(self, name, value):
        raise AttributeError('device is immutable')

    def __str__(self):
        return self.type if self.index is None else f'{self.type}:{self.index}'

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


CPU = device('cpu')
