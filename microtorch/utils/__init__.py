"""Utilities with PyTorch's names: `microtorch.utils.data` (Dataset, DataLoader, ...) and
`microtorch.utils.checkpoint` (recompute activations in backward instead of keeping them)."""
from . import data
from . import checkpoint

__all__ = ['data', 'checkpoint']
