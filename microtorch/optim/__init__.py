"""Optimizers with PyTorch's API: `SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad` on the
`Optimizer` base, and the learning-rate schedules of `lr_scheduler`."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .rmsprop import RMSprop, Adagrad
from . import lr_scheduler

__all__ = ['Optimizer', 'SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'lr_scheduler']
