"""`microtorch.cuda`: GPU queries. Without a CUDA backend (no CuPy, no GPU) every query
answers as PyTorch's does on a machine without CUDA, and asking for a device says why."""
from . import backends


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
    return _cuda


def synchronize(device=None):
    _require().synchronize(device)


def manual_seed(seed):
    if is_available():
        _require().manual_seed(seed)


manual_seed_all = manual_seed
