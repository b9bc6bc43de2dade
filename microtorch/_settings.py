"""torch.* settings and small utilities that code written for PyTorch calls: the default
device, matmul precision, deterministic-algorithm and warn-always flags, `typename`,
`compile` (microtorch has no compiler: the model or function comes back as it is), and index
arithmetic (`unravel_index`).
"""
import builtins
import math
import warnings

from . import _device as _device_module
from ._device import device as _device
from ._dtype import dtype as _dtype_class
from .ops import functional as F
from .tensor import Tensor

_flags = {'deterministic': False, 'warn_only': False, 'debug_mode': 0, 'warn_always': False,
          'matmul_precision': 'highest'}


def set_default_device(device):
    """Factory functions called without a device (tensor, zeros, rand, ..., and so the
    parameters of modules built afterwards) make their tensors on `device`; None: the CPU."""
    _device_module.set_default(device)


def get_default_device():
    default = _device_module.get_default()
    if default.type == 'cuda' and default.index is None:     # the current CUDA device
        return _current_cuda_device()
    return default


def _current_cuda_device():
    from . import cuda
    return _device('cuda', cuda.current_device())


def get_float32_matmul_precision():
    return _flags['matmul_precision']


def set_float32_matmul_precision(precision):
    """Recorded for get_float32_matmul_precision: NumPy and cuBLAS through CuPy compute
    float32 products in float32 whatever it says (no TF32 here)."""
    if precision not in ('highest', 'high', 'medium'):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      'setFloat32MatmulPrecision call has no effect.', UserWarning, stacklevel=2)
        return
    _flags['matmul_precision'] = precision


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded only: every microtorch kernel is deterministic already (no atomics whose
    order changes a sum)."""
    if not isinstance(mode, builtins.bool):
        raise TypeError("_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f'bool, not {type(mode).__name__}')
    _flags['deterministic'], _flags['warn_only'] = mode, bool(warn_only)


def are_deterministic_algorithms_enabled():
    return _flags['deterministic']


def is_deterministic_algorithms_warn_only_enabled():
    return _flags['warn_only']


def set_deterministic_debug_mode(debug_mode):
    names = {'default': 0, 'warn': 1, 'error': 2}
    level = names.get(debug_mode, debug_mode) if isinstance(debug_mode, str) else debug_mode
    if level not in (0, 1, 2):
        raise RuntimeError('invalid value of debug_mode, expected one of `default`, `warn`, '
                           f'`error`, but got {debug_mode}')
    _flags['debug_mode'] = level
    use_deterministic_algorithms(level > 0, warn_only=level == 1)


def get_deterministic_debug_mode():
    return 2 if _flags['deterministic'] and not _flags['warn_only'] else \
        1 if _flags['deterministic'] else 0


def set_warn_always(b):
    _flags['warn_always'] = builtins.bool(b)


def is_warn_always_enabled():
    return _flags['warn_always']


def typename(obj):
    """'microtorch.FloatTensor' for a tensor, else the object's qualified type name."""
    if isinstance(obj, Tensor):
        return obj.type()
    if isinstance(obj, _dtype_class):      # PyTorch's dtype class lives in the torch module
        return 'microtorch.dtype'
    module = getattr(type(obj), '__module__', '') or ''
    name = type(obj).__qualname__
    return name if module in ('builtins', '__builtin__') else f'{module}.{name}'


def compile(model=None, **options):
    """The model or function itself: microtorch runs eagerly and has no compiler, so code
    that calls torch.compile keeps working (as a decorator too, with or without options)."""
    if model is None:
        return lambda fn: fn
    return model


def unravel_index(indices, shape):
    """The coordinates in a tensor of `shape` of each flat index (negative ones counted from
    the end), as a tuple of int64 tensors of indices' shape."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be integer dtype, but got {type(indices)}")
    if indices.is_floating_point() or indices.dtype is F._dtype.bool_:
        raise TypeError(f"expected 'indices' to be integer dtype, but got "
                        f'{indices.dtype}')
    shape = (shape,) if isinstance(shape, builtins.int) else tuple(shape)
    if builtins.any(n < 0 for n in shape):
        raise ValueError('\'shape\' cannot have negative values, but got '
                         f'{tuple(shape)}')
    total = math.prod(shape)
    if total == 0:                          # PyTorch's own wording of its division by 0
        raise RuntimeError('ZeroDivisionError')
    flat = F.remainder(F.cast(indices, F._dtype.int64), total)
    coordinates = []
    for n in reversed(shape):
        coordinates.append(F.remainder(flat, n))
        flat = F.floor_divide(flat, n)
    return tuple(reversed(coordinates))
