"""Backends: one module per device type, offering the same primitive names.

`for_array(array)` picks the backend of an array by its type (one dictionary hit); the CUDA
backend registers CuPy's array type when it is first asked for, so `import microtorch` never
imports CuPy.
"""
import numpy as np

from . import cpu
from .numba_dispatch import numpy_below, numpy_twin as _numpy_twin
from .._device import device as _device

_BY_ARRAY_TYPE = {np.ndarray: cpu}

# The CPU backend of an op whose tensors are all smaller than `numpy_below[0]` elements (no
# Numba kernel would run): NumPy's primitives without the routers in front of them.
cpu_numpy = _numpy_twin(cpu)


def for_array(array):
    return _BY_ARRAY_TYPE[type(array)]


def register(array_type, backend):
    _BY_ARRAY_TYPE[array_type] = backend


def cuda_unavailable_reason():
    """Why there is no CUDA backend here, in words, or None when there is one."""
    try:
        from . import cuda          # imports no CuPy; its answer is computed once
    except ImportError:
        return 'this build of microtorch has no CUDA backend'
    return cuda.unavailable_reason()


def for_device(dev):
    """The backend module for a device, or a RuntimeError that says why there is none."""
    dev = _device(dev)
    if dev.type == 'cpu':
        return cpu
    reason = cuda_unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"Cannot use device '{dev}': {reason}. Use device='cpu'.")
    from . import cuda
    return cuda.for_device(dev)


# PyTorch's torch.backends namespaces that scripts set or ask (cudnn.benchmark,
# mps.is_available(), cuda.matmul.allow_tf32, ...), loaded when first named.
_NAMESPACES = ('cuda', 'cudnn', 'mps', 'mkl', 'mkldnn', 'openmp', 'opt_einsum')


def __getattr__(name):
    if name in _NAMESPACES:
        import importlib
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
