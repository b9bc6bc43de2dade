"""Utilities with PyTorch's names: `microtorch.utils.data` (Dataset, DataLoader, ...) and
`microtorch.utils.checkpoint` (recompute activations in backward instead of keeping them) and
`microtorch.utils.hooks` (RemovableHandle, what register_*_hook returns)."""
from . import data
from . import checkpoint
from . import hooks

__all__ = ['data', 'checkpoint', 'hooks']
