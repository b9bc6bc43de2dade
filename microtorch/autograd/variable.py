"""`Variable`, the wrapper PyTorch merged into Tensor in 0.4: old tutorials still write
`Variable(x, requires_grad=True)`. Calling it gives a Tensor (a detached alias of the data,
a leaf); every Tensor is an instance of it."""
import warnings

from . import function as _function


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, _function.Tensor)

    def __call__(cls, data=None, requires_grad=False, volatile=False):
        if volatile:
            warnings.warn('volatile was removed and now has no effect. Use `with '
                          'microtorch.no_grad():` instead.', UserWarning, stacklevel=2)
        if data is None:
            from ..creation import empty
            data = empty(0)
        elif not isinstance(data, _function.Tensor):
            raise TypeError('Variable data has to be a tensor, but got '
                            f'{type(data).__name__}')
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out


class Variable(metaclass=_VariableMeta):
    pass
