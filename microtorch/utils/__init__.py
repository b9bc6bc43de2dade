"""Utilities with PyTorch's names: `microtorch.utils.data` (Dataset, DataLoader, ...)."""
from . import data

__all__ = ['data']
