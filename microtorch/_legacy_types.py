"""PyTorch's legacy tensor types: `FloatTensor([1, 2])`, `LongTensor(3)`, `isinstance(x,
FloatTensor)`, and their `cuda.` twins. Each is a name for a (dtype, device type) pair, not a
subclass: calling one makes a plain Tensor, and isinstance asks the tensor's dtype and device."""
from . import _dtype
from .tensor import Tensor

# PyTorch's class name of each dtype (x.type() prints 'torch.' + it).
NAMES = {'float32': 'FloatTensor', 'float64': 'DoubleTensor', 'float16': 'HalfTensor',
         'int32': 'IntTensor', 'int64': 'LongTensor', 'int16': 'ShortTensor',
         'int8': 'CharTensor', 'uint8': 'ByteTensor', 'bool': 'BoolTensor'}


class _LegacyType(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and \
            obj.device.type == cls._device_type

    def __call__(cls, *args, device=None):
        from .creation import legacy_tensor_data
        if device is None and cls._device_type == 'cuda':
            device = 'cuda'
        return Tensor._make(legacy_tensor_data(args, None, device, cls.dtype))

    def __repr__(cls):
        return f"<class 'microtorch.{cls.__qualname__}'>"


def _make(dtype_name, device_type):
    name = NAMES[dtype_name]
    qualname = name if device_type == 'cpu' else 'cuda.' + name
    return _LegacyType(name, (), {'dtype': getattr(_dtype, dtype_name.replace('bool', 'bool_')),
                                  '_device_type': device_type, 'is_cuda': device_type == 'cuda',
                                  '__qualname__': qualname, '__module__': 'microtorch'})


CPU = {NAMES[name]: _make(name, 'cpu') for name in NAMES}
CUDA = {NAMES[name]: _make(name, 'cuda') for name in NAMES}
