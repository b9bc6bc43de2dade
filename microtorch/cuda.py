"""`microtorch.cuda`: GPU queries. Without a CUDA backend (no CuPy, no GPU) every query
answers as PyTorch's does on a machine without CUDA, and asking for a device says why.

Memory figures come from CuPy's memory pool, which is microtorch's allocator on the GPU:
memory_allocated() is the bytes in use, memory_reserved() the bytes the pool holds, and
empty_cache() gives the pool's unused blocks back to the driver."""
from . import backends
from .backends.cuda_memory import OutOfMemoryError  # noqa: F401  (torch.cuda's name too)
from ._legacy_types import CUDA as _LEGACY_TYPES

globals().update(_LEGACY_TYPES)            # cuda.FloatTensor, cuda.LongTensor, ...


def is_available():
    return backends.cuda_unavailable_reason() is None


def unavailable_reason():
    """Why CUDA cannot be used here, in words (None when it can)."""
    return backends.cuda_unavailable_reason()


def device_count():
    if not is_available():
        return 0
    from .backends import cuda as _cuda
    return _cuda.device_count()


def _require():
    reason = backends.cuda_unavailable_reason()
    if reason is not None:
        raise RuntimeError(f'CUDA is not available: {reason}')
    from .backends import cuda as _cuda
    _cuda.for_device('cuda')
    return _cuda


def current_device():
    """The index of the current GPU (the one 'cuda' means)."""
    return _require().current_device().index


def set_device(device):
    """Make `device` (an index, 'cuda:N' or a device) the one 'cuda' means."""
    from ._device import device as _device
    cuda = _require()
    index = device if isinstance(device, int) else _device(device).index
    if index is not None:
        cuda.for_device(_device('cuda', index))
        cuda.cp.cuda.Device(index).use()


def get_device_name(device=None):
    cuda = _require()
    name = cuda.cp.cuda.runtime.getDeviceProperties(cuda._index(device))['name']
    return name.decode() if isinstance(name, bytes) else name


def synchronize(device=None):
    """Wait until every kernel queued on the device has finished."""
    _require().synchronize(device)


def manual_seed(seed):
    if is_available():
        _require().manual_seed(seed)


manual_seed_all = manual_seed


def memory_allocated(device=None):
    """Bytes of GPU memory held by arrays now (CuPy's pool: used bytes)."""
    return _require().memory_allocated(device) if is_available() else 0


def max_memory_allocated(device=None):
    """The peak of memory_allocated() since the start or reset_peak_memory_stats()."""
    return _require().max_memory_allocated(device) if is_available() else 0


def reset_peak_memory_stats(device=None):
    if is_available():
        _require().reset_peak_memory_stats(device)


def memory_reserved(device=None):
    """Bytes the memory pool holds, in use or cached for reuse."""
    return _require().memory_reserved(device) if is_available() else 0


def empty_cache():
    """Give the memory pool's unused blocks back to the driver."""
    if is_available():
        _require().empty_cache()


def _deprecated_amp():
    """`microtorch.cuda.amp`: PyTorch's older names of autocast and GradScaler for CUDA, kept
    as a module so that `from microtorch.cuda.amp import autocast, GradScaler` works."""
    import sys
    import types
    import warnings
    from . import amp as _amp

    def autocast(enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`microtorch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`microtorch.amp.autocast('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        return _amp.autocast('cuda', dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)

    def GradScaler(init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                   growth_interval=2000, enabled=True):
        warnings.warn("`microtorch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`microtorch.amp.GradScaler('cuda', args...)` instead.", FutureWarning,
                      stacklevel=2)
        return _amp.GradScaler('cuda', init_scale, growth_factor, backoff_factor,
                               growth_interval, enabled)

    def custom_fwd(fwd=None, *, cast_inputs=None):
        warnings.warn("`microtorch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                      "`microtorch.amp.custom_fwd(args..., device_type='cuda')` instead.",
                      FutureWarning, stacklevel=2)
        return _amp.custom_fwd(fwd, device_type='cuda', cast_inputs=cast_inputs)

    def custom_bwd(bwd):
        warnings.warn("`microtorch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                      "`microtorch.amp.custom_bwd(args..., device_type='cuda')` instead.",
                      FutureWarning, stacklevel=2)
        return _amp.custom_bwd(bwd, device_type='cuda')

    module = types.ModuleType(__name__ + '.amp', _deprecated_amp.__doc__)
    module.autocast, module.GradScaler = autocast, GradScaler
    module.custom_fwd, module.custom_bwd = custom_fwd, custom_bwd
    sys.modules[module.__name__] = module
    return module


amp = _deprecated_amp()
