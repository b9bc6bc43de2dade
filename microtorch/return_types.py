"""The named tuples some functions return, as torch.return_types: `max(values=, indices=)`,
`aminmax(min=, max=)`, ... Each is made once, on first use, and kept here under its name (so
that pickle finds it); it prints as PyTorch's does, one field per line."""
import collections
import sys

_module = sys.modules[__name__]


def _repr(self):
    fields = ',\n'.join(f'{name}={value!r}' for name, value in zip(self._fields, self))
    return f'microtorch.return_types.{type(self).__name__}(\n{fields})'


def named(name, fields=('values', 'indices')):
    """The return type `name` with these fields."""
    cls = getattr(_module, name, None)
    if cls is None:
        cls = collections.namedtuple(name, fields)
        cls.__module__ = __name__
        cls.__repr__ = cls.__str__ = _repr
        setattr(_module, name, cls)
    return cls
