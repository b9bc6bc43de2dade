"""`microtorch.nn`: Module, Parameter, layers and losses, with PyTorch's names.

    import microtorch as torch
    import microtorch.nn.functional as F
    model = torch.nn.Sequential(torch.nn.Linear(1, 64), torch.nn.Sigmoid())

The layers are listed once, in `nn.modules.__all__`; this package exports them all.
"""
from .parameter import Parameter, Buffer, UninitializedParameter, UninitializedBuffer
from . import modules
from .modules import *  # noqa: F401,F403  (every layer and loss: modules.__all__)
from . import functional, init, parameter, utils, parallel, attention
from .parallel import DataParallel

__all__ = (['Parameter', 'Buffer', 'UninitializedParameter', 'UninitializedBuffer', 'modules',
            'functional', 'init', 'utils', 'parallel', 'attention', 'DataParallel'] +
           [name for name in modules.__all__ if name != 'NonDynamicallyQuantizableLinear'])
