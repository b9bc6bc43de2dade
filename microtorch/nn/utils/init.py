"""`skip_init`: build a module without its initialisation, as torch.nn.utils.skip_init.

PyTorch builds the module on the meta device (no memory, no random draws) and then gives it
uninitialised memory with to_empty. microtorch has no meta device; instead the module is built
on its device while every initialiser in microtorch.nn.init and every in-place random fill of
a tensor (uniform_, normal_, ...) does nothing, and then to_empty gives every parameter and
buffer uninitialised memory, as PyTorch's. So, as there, no random numbers are drawn (the
generator's state after the call is the one before it) and no value is meaningful until the
caller writes one. Other work the constructor does still runs, once, on real memory."""
import contextlib
import inspect

from .. import init as _init
from ...tensor import Tensor

_RANDOM_FILLS = ('uniform_', 'normal_', 'random_', 'bernoulli_', 'exponential_',
                 'geometric_', 'cauchy_', 'log_normal_')


def _unchanged(tensor, *args, **kwargs):
    return tensor


@contextlib.contextmanager
def _no_initialisation():
    """nn.init's initialisers and Tensor's random fills as no-ops, for the block."""
    saved = [(_init, name, getattr(_init, name)) for name in dir(_init)
             if name.endswith('_') and not name.startswith('_')]
    saved += [(Tensor, name, Tensor.__dict__[name]) for name in _RANDOM_FILLS
              if name in Tensor.__dict__]
    try:
        for owner, name, _ in saved:
            setattr(owner, name, _unchanged)
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def skip_init(module_cls, *args, **kwargs):
    """module_cls(*args, **kwargs) with parameters and buffers left uninitialised (as
    microtorch.empty makes them). The class must take a `device` argument."""
    from ..modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f'Expected a Module; got {module_cls}')
    if 'device' not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop('device', 'cpu')
    with _no_initialisation():
        module = module_cls(*args, **kwargs)
    return module.to_empty(device=final_device)


__all__ = ['skip_init']
