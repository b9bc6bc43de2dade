"""The autocast context manager (and decorator), and PyTorch's queries of its state."""
import functools
import warnings

from .. import _autocast, _dtype
from .. import backends
from .._device import device


def is_autocast_available(device_type):
    return device(device_type).type in _autocast.dtype_of


class autocast:
    """Inside `with autocast('cuda')` (or 'cpu', with dtype=float16), ops on that device's
    tensors cast their arguments by their autocast policy. It nests, it can be switched off
    inside (enabled=False), and it decorates functions. There is no bfloat16 here, so CPU
    autocast needs dtype=float16 (PyTorch's CPU default is bfloat16). cache_enabled is
    accepted and has no effect: casts are not cached."""

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
        device_type = device(device_type).type     # ('cuda:0' is 'cuda'; 'tpu' an error)
        self.device = device_type
        self.fast_dtype = _dtype.float16 if dtype is None else _dtype.to_dtype(dtype)
        self._enabled = bool(enabled)
        if self._enabled and device_type == 'cpu' and dtype is None:
            warnings.warn('In CPU autocast, but the target dtype is not supported. Disabling '
                          'autocast.\nmicrotorch has no bfloat16 (PyTorch\'s CPU default): pass '
                          'dtype=microtorch.float16.', UserWarning, stacklevel=2)
            self._enabled = False
        elif self._enabled and self.fast_dtype is not _dtype.float16:
            warnings.warn(f'In {device_type.upper()} autocast, but the target dtype is not '
                          'supported. Disabling autocast.\nmicrotorch autocast supports '
                          'microtorch.float16 only.', UserWarning, stacklevel=2)
            self._enabled = False
        elif self._enabled and device_type == 'cuda' and \
                backends.cuda_unavailable_reason() is not None:
            warnings.warn("User provided device_type of 'cuda', but CUDA is not available. "
                          'Disabling', UserWarning, stacklevel=2)
            self._enabled = False
        self._previous = []

    def __enter__(self):
        self._previous.append(_autocast.dtype_of[self.device])
        _autocast.dtype_of[self.device] = self.fast_dtype if self._enabled else None
        _autocast.active[0] = any(d is not None for d in _autocast.dtype_of.values())
        return self

    def __exit__(self, *exc):
        _autocast.dtype_of[self.device] = self._previous.pop()
        _autocast.active[0] = any(d is not None for d in _autocast.dtype_of.values())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def decorated(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return decorated


def is_autocast_enabled(device_type=None):
    """Is autocast on for device_type (CUDA's when none is given, as in PyTorch)?"""
    return _autocast.dtype_of.get(device_type or 'cuda') is not None


def get_autocast_dtype(device_type):
    return _autocast.dtype_of.get(device_type) or _dtype.float16


def custom_fwd(fwd=None, *, device_type, cast_inputs=None):
    """Decorate a custom autograd Function's forward for autocast: with cast_inputs, inside
    an autocast region its floating tensors on device_type (not float64 ones) are cast to
    cast_inputs and forward runs with autocast off; without, forward runs under the region's
    state. Either way the state is noted on ctx for custom_bwd."""
    if not isinstance(device_type, str):
        raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorated(ctx, *args, **kwargs):
        ctx._dtype = get_autocast_dtype(device_type)
        in_region = is_autocast_enabled(device_type)
        if cast_inputs is None or not in_region:
            ctx._fwd_used_autocast = in_region and cast_inputs is None
            return fwd(ctx, *args, **kwargs)
        ctx._fwd_used_autocast = False
        with autocast(device_type, enabled=False):
            return fwd(ctx, *_cast(args, device_type, cast_inputs),
                       **_cast(kwargs, device_type, cast_inputs))
    return decorated


def custom_bwd(bwd=None, *, device_type):
    """Decorate the matching backward: it runs with the autocast state forward ran with."""
    if not isinstance(device_type, str):
        raise ValueError(f'Expected `device_type` of type `str`, got: `{type(device_type)}`')
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorated(ctx, *args, **kwargs):
        with autocast(device_type, enabled=ctx._fwd_used_autocast, dtype=ctx._dtype):
            return bwd(ctx, *args, **kwargs)
    return decorated


def _cast(value, device_type, dtype):
    """value with its floating tensors on device_type (float64 excepted) cast to dtype,
    through lists, tuples and dicts."""
    from ..tensor import Tensor
    if isinstance(value, Tensor):
        eligible = (value.is_floating_point() and value.device.type == device_type
                    and value.dtype is not _dtype.float64)
        return value.to(dtype) if eligible else value
    if isinstance(value, dict):
        return {_cast(k, device_type, dtype): _cast(v, device_type, dtype)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        cast = [_cast(v, device_type, dtype) for v in value]
        return type(value)(cast) if isinstance(value, list) else tuple(cast)
    return value
