"""`microtorch.nn.parallel`: DataParallel, as `torch.nn.parallel` (one device: see its
docstring)."""
from .data_parallel import DataParallel

__all__ = ['DataParallel']
