"""`microtorch.nn.attention`: `SDPBackend` and the `sdpa_kernel` context manager, as PyTorch's.

PyTorch chooses among several kernels for F.scaled_dot_product_attention (flash, memory
efficient, cuDNN, the math reference); microtorch has one implementation. sdpa_kernel records
the choice (enabled backends and, with set_priority, their order) for the duration of the
block and restores it after, so code written for PyTorch runs unchanged, but the choice has
no effect on what scaled_dot_product_attention computes."""
import contextlib
import enum

__all__ = ['SDPBackend', 'sdpa_kernel', 'WARN_FOR_UNFUSED_KERNELS']

WARN_FOR_UNFUSED_KERNELS = False       # PyTorch's switch for warnings microtorch never gives


class SDPBackend(enum.Enum):
    """The backends of scaled dot product attention, with PyTorch's names and numbers (for
    sdpa_kernel). int(backend) is its number; unlike an IntEnum it does not equal it."""

    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4

    def __int__(self):
        return self.value

    __index__ = __int__


# What sdpa_kernel records, starting as PyTorch's defaults: every backend enabled, and
# PyTorch's priority order (by number).
_KERNELS = (SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION,
            SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH, SDPBackend.OVERRIDEABLE)
_enabled = set(_KERNELS)
_priority = [1, 2, 0, 3, 4]


def _cur_sdpa_kernel_backends(with_priority=False):
    """The enabled backends (in priority order with with_priority), as PyTorch's helper."""
    backends = [b for b in _KERNELS if b in _enabled]
    if with_priority:
        backends.sort(key=lambda b: _priority.index(int(b)))
    return backends


def _set_sdpa_kernel(backends, set_priority):
    global _priority
    _enabled.clear()
    _enabled.update(b for b in _KERNELS if b in backends)
    if set_priority:
        order = [int(b) for b in backends]
        _priority = order + [p for p in _priority if p not in order]


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block, only `backends` (an SDPBackend or a list of them) are enabled for
    scaled_dot_product_attention, in their order when set_priority; the previous choice comes
    back after. Recorded only: microtorch's one implementation runs whatever is chosen."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError('Backend must be an instance of SDPBackend or a list of '
                             f'SDPBackend instances, got {type(backends).__name__}')
    if isinstance(backends, SDPBackend):
        backends = [backends]
    backends = list(dict.fromkeys(backends))
    previous = _cur_sdpa_kernel_backends(with_priority=set_priority)
    try:
        _set_sdpa_kernel(backends, set_priority)
        yield {}
    finally:
        _set_sdpa_kernel(previous, set_priority)
