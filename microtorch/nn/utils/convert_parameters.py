"""All parameters as one flat vector and back, as torch.nn.utils: for code that treats a model
as a point in parameter space (line searches, weight averaging, second-order methods)."""
from ...ops import functional as F
from ...tensor import Tensor


def _one_device(parameters):
    parameters = list(parameters)
    if len({p.device for p in parameters}) > 1:
        raise TypeError('Found two parameters on different devices, this is currently not '
                        'supported.')
    return parameters


def parameters_to_vector(parameters):
    """The parameters flattened and joined into one new 1-d tensor (on the graph)."""
    return F.cat([p.reshape(-1) for p in _one_device(parameters)])


def vector_to_parameters(vec, parameters):
    """Each parameter's `.data` becomes its slice of `vec`, in order (sharing vec's memory).
    Every slice is cut before any parameter changes, so a vector too short changes none."""
    if not isinstance(vec, Tensor):
        raise TypeError(f'expected microtorch.Tensor, but got: {type(vec).__name__}')
    parameters = _one_device(parameters)
    pieces, start = [], 0
    for p in parameters:
        pieces.append(vec[start:start + p.numel()].view_as(p))
        start += p.numel()
    for p, piece in zip(parameters, pieces):
        p.data = piece.data
