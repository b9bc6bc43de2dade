"""Optimizers with PyTorch's API: `SGD`, `Adam`, `AdamW`, `Adamax`, `NAdam`, `RAdam`,
`RMSprop`, `Adagrad`, `Adadelta`, `ASGD`, `Rprop`, `Adafactor`, `Muon`, `LBFGS` on the `Optimizer`
base, the learning-rate schedules of `lr_scheduler` and the weight averaging of `swa_utils`."""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .rmsprop import RMSprop, Adagrad, Adadelta
from .lbfgs import LBFGS
from .asgd import ASGD, Rprop
from .adafactor import Adafactor
from .muon import Muon
from . import lr_scheduler, swa_utils

__all__ = ['Optimizer', 'SGD', 'Adam', 'AdamW', 'Adamax', 'NAdam', 'RAdam', 'RMSprop',
           'Adagrad', 'Adadelta', 'lr_scheduler', 'swa_utils', 'LBFGS', 'ASGD', 'Rprop',
           'Adafactor', 'Muon']
