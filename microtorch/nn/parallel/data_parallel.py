"""`DataParallel`: PyTorch's single-process wrapper that splits a batch over GPUs.

Without CUDA PyTorch's DataParallel only holds the module and calls it (it sets no dim or
output_device then); so does this one. With CUDA (CuPy) the module moves to device_ids[0]
and the inputs follow it there, as PyTorch does for one GPU. microtorch runs on one GPU at a
time, so with several device_ids the batch is not split: the whole batch runs on the first
(the outputs are the same; only training-mode batch statistics, taken per replica in
PyTorch, would differ), and the output stays there."""
from ... import cuda
from ..._device import device as _device
from ...tensor import Tensor
from ..modules.module import Module


def _device_index(device):
    """The GPU index that an int, 'cuda:N' or a device names (None for plain 'cuda')."""
    if isinstance(device, int):
        return device
    return _device(device).index


def _to_device(value, device):
    """Every tensor inside value (tuples, lists and dicts too) on device."""
    if isinstance(value, Tensor):
        return value.to(device)
    if isinstance(value, (tuple, list)):
        moved = [_to_device(v, device) for v in value]
        return type(value)(moved) if not hasattr(value, '_fields') else type(value)(*moved)
    if isinstance(value, dict):
        return type(value)((k, _to_device(v, device)) for k, v in value.items())
    return value


class DataParallel(Module):
    """module(*inputs, **kwargs) through a wrapper whose state_dict names start with
    'module.' (as PyTorch's, so checkpoints saved from either load into the other)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not cuda.is_available():
            self.module = module
            self.device_ids = []
            return
        if device_ids is None:
            device_ids = list(range(cuda.device_count()))
        if output_device is None:
            output_device = device_ids[0]
        self.dim = dim
        self.module = module
        self.device_ids = [_device_index(d) for d in device_ids]
        self.output_device = _device_index(output_device)
        self.src_device_obj = _device('cuda', self.device_ids[0])
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        for t in [*self.module.parameters(), *self.module.buffers()]:
            if t.device != self.src_device_obj:
                raise RuntimeError('module must have its parameters and buffers on device '
                                   f'{self.src_device_obj} (device_ids[0]) but found one of '
                                   f'them on device: {t.device}')
        return self.module(*_to_device(inputs, self.src_device_obj),
                           **_to_device(kwargs, self.src_device_obj))
