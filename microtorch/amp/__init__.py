"""`microtorch.amp`: automatic mixed precision, as torch.amp. `autocast` runs matrix products
and convolutions in float16 and losses in float32 (microtorch/_autocast.py has the lists);
`GradScaler` scales the loss so that float16 gradients do not underflow, and skips the steps
whose gradients overflowed."""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ['autocast', 'custom_bwd', 'custom_fwd', 'is_autocast_available', 'GradScaler']
