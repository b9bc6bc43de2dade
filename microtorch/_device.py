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

    # `with device(...):` sets the default device for the block (defined below)


CPU = device('cpu')


# ---- the default device of factory functions ----------------------------------------------
# None means the CPU. `set_default_device` sets it; `with device(...)` sets it for a block.
_default = [None]
_entered = []


def set_default(spec):
    chosen = None if spec is None else device(spec)
    _default[0] = None if chosen is None or chosen.type == 'cpu' else chosen


def get_default():
    return _default[0] if _default[0] is not None else CPU


def _enter(self):
    _entered.append(_default[0])
    set_default(self)
    return self


def _exit(self, *exc_info):
    _default[0] = _entered.pop()


device.__enter__, device.__exit__ = _enter, _exit


def uses_default_device(function):
    """Mark a factory function: called without a device, it makes its tensor on the default
    device (PyTorch's set_default_device), a CPU tensor while none is set."""
    import functools
    import inspect
    parameters = list(inspect.signature(function).parameters.values())
    names = [p.name for p in parameters]
    keyword_only = parameters[names.index('device')].kind is inspect.Parameter.KEYWORD_ONLY
    # how many positional arguments leave device unnamed (all of them if it is keyword-only)
    position = float('inf') if keyword_only else names.index('device')

    @functools.wraps(function)
    def factory(*args, **kwargs):
        if _default[0] is not None and kwargs.get('device') is None and len(args) <= position:
            kwargs['device'] = _default[0]
        return function(*args, **kwargs)
    return factory
