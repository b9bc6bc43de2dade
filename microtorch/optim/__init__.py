"""Optimizers with PyTorch's API: `SGD`, `Adam`, `AdamW` on the `Optimizer` base."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW

__all__ = ['Optimizer', 'SGD', 'Adam', 'AdamW']
