"""`Parameter`: a Tensor that a Module registers as a parameter when assigned to it."""
from ..creation import empty
from ..tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor (requires_grad=True by default) sharing `data`'s storage.

    Ops on a Parameter return plain Tensors; only the object itself is a Parameter. (A Tensor
    subclass gets a __dict__ beside Tensor's slots: users may set attributes on parameters.)
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f'Parameter() expects a Tensor as data, got {type(data).__name__}')
        if requires_grad and not data.is_floating_point():        # PyTorch's wording here
            raise RuntimeError('Only Tensors of floating point and complex dtype can require '
                               'gradients')
        self = object.__new__(cls)
        self._init(data._data, False, None, 0, data._version_counter)
        if requires_grad:
            self.requires_grad_(True)
        return self

    def __init__(self, data=None, requires_grad=True):
        pass            # all done in __new__ (Tensor.__init__ is the legacy constructor)

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(Tensor._make(self._data.copy()), self._requires_grad)
        memo[id(self)] = out
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        if self.__dict__:
            import copy
            out.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach(), self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)
