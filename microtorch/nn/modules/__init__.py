"""The layer classes of microtorch.nn, one family per module."""
from .module import Module
from .container import Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict
from .linear import Identity, Linear
from .activation import (ReLU, Sigmoid, Tanh, LeakyReLU, Softplus, Softmax, LogSoftmax, SiLU,
                         ELU, GELU, LogSigmoid)
from .dropout import Dropout
from .flatten import Flatten
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .sparse import Embedding
from .conv import Conv2d, MaxPool2d, AvgPool2d
from .loss import (MSELoss, L1Loss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss,
                   NLLLoss, HuberLoss)
from .activation import (ReLU6, Hardtanh, Softsign, Mish, SELU, CELU, Hardsigmoid, Hardswish,
                         Softshrink, Hardshrink, Tanhshrink, Threshold, Softmin, PReLU)

__all__ = ['Module', 'Sequential', 'ModuleList', 'Identity', 'Linear', 'ReLU', 'Sigmoid',
           'Tanh', 'LeakyReLU', 'Softplus', 'Softmax', 'LogSoftmax', 'Dropout', 'Flatten',
           'MSELoss', 'L1Loss', 'SmoothL1Loss', 'BCELoss', 'BCEWithLogitsLoss',
           'CrossEntropyLoss', 'NLLLoss', 'SiLU', 'ELU', 'GELU', 'BatchNorm1d', 'BatchNorm2d',
           'LayerNorm', 'Embedding', 'ModuleDict', 'ParameterList', 'ParameterDict',
           'LogSigmoid', 'HuberLoss', 'Conv2d', 'MaxPool2d', 'AvgPool2d', 'ReLU6', 'Hardtanh',
           'Softsign', 'Mish', 'SELU', 'CELU', 'Hardsigmoid', 'Hardswish', 'Softshrink',
           'Hardshrink', 'Tanhshrink', 'Threshold', 'Softmin', 'PReLU']
