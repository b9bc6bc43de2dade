"""`microtorch.nn.functional`: activations, dropout, linear and losses with PyTorch's
signatures, argument checks and errors (import it as F). The nn modules call these.

As in ops/functional.py, every check runs before any op does, so a failed call changes
nothing; the ops themselves live in ops/elementwise.py, ops/linalg.py and ops/loss.py.
"""
import functools
import itertools
import math
import warnings

import numpy as np

from .._autocast import autocast_op
from .._caller import user_stacklevel
from .. import _dtype
from ..autograd.function import grad_fn_named
from .. import backends as _backends
from ..backends.torch_softmax import classes_in_range
from .._size import broadcast_shapes, wrap_dim
from .._tensor_methods import _inplace
from ..ops import convolution as _Conv
from ..ops import elementwise as _E
from ..ops import linalg as _L
from ..ops import loss as _LS
from ..ops import norms as _norms
from ..ops import pooling as _pooling
from ..ops import shape as _Shape
from ..ops import functional as _F
from ..ops import indexing as _I
from ..ops.functional import sigmoid, tanh, type_name as _type_name
from ..autograd.grad_mode import no_grad as _no_grad
from ..random import default_generator as _generator
from ..tensor import Tensor
from ..creation import memory_order as _memory_order

__all__ = ['linear', 'relu', 'sigmoid', 'tanh', 'leaky_relu', 'softplus', 'dropout',
           'softmax', 'log_softmax', 'mse_loss', 'l1_loss', 'smooth_l1_loss',
           'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy']


def _require_floating(input, kernel):
    if not input.is_floating_point():
        raise NotImplementedError(f'"{kernel}_{input.device.type}" not implemented for '
                                  f"'{_type_name(input.dtype)}'")


# ---- activations -------------------------------------------------------------------------

def relu(input, inplace=False):
    return input.relu_() if inplace else _F.relu(input)


def _activation(op, name, input, inplace, *params):
    """A float-only activation op, applied in place (as PyTorch's inplace=True) or not."""
    _require_floating(input, name)
    if inplace:
        return _inplace(input, lambda x: op.apply(x, *params))
    return op.apply(input, *params)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _activation(_E.LeakyRelu, 'leaky_relu', input, inplace, float(negative_slope))


@autocast_op('softplus')
def softplus(input, beta=1.0, threshold=20.0):
    _require_floating(input, 'softplus')
    return _E.Softplus.apply(input, float(beta), float(threshold))


def silu(input, inplace=False):
    """x * sigmoid(x) (the swish)."""
    return _activation(_E.Silu, 'silu', input, inplace)


def elu(input, alpha=1.0, inplace=False):
    """x above 0, alpha * (exp(x) - 1) below."""
    return _activation(_E.Elu, 'elu', input, inplace, float(alpha), 1.0, 1.0)


def gelu(input, approximate='none'):
    """x * Phi(x), Phi the standard normal CDF; approximate='tanh': PyTorch's tanh form."""
    if approximate not in ('none', 'tanh'):
        raise RuntimeError('approximate argument must be either none or tanh.')
    if not input.is_floating_point():
        raise NotImplementedError('"GeluKernelImpl" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    return _E.Gelu.apply(input, approximate)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]; the gradient is 0 at the bounds (PyTorch's choice).
    Integer tensors take the bounds truncated to their type."""
    if min_val > max_val:
        raise ValueError('min_val cannot be greater than max_val')
    if input.dtype is _dtype.bool_:
        raise RuntimeError('Bool inputs not supported for hardtanh')
    if input.dtype is _dtype.uint8 and int(min_val) < 0:     # truncated, as PyTorch reads it
        raise RuntimeError('cannot do hardtanh on an unsigned type with negative limits')
    if inplace:
        return _inplace(input, lambda x: _E.Hardtanh.apply(x, min_val, max_val))
    return _E.Hardtanh.apply(input, min_val, max_val)


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def softsign(input):
    """x / (1 + |x|); integer tensors give floats."""
    _F._refuse_dtype(input, 'abs_' + input.device.type, ('b',))     # PyTorch's: |x| first
    return _E.Softsign.apply(_F._floating(input))


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return _activation(_E.Mish, 'mish', input, inplace)


# selu's constants (Klambauer et al.), as PyTorch has them
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with selu's fixed alpha and scale."""
    return _activation(_E.Elu, 'elu', input, inplace, _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input, alpha=1.0, inplace=False):
    """x above 0, alpha * (exp(x / alpha) - 1) below."""
    alpha = float(alpha)
    if alpha == 0:
        raise RuntimeError('ZeroDivisionError: alpha cannot be 0 for CELU')
    return _activation(_E.Celu, 'elu', input, inplace, alpha, 1.0, 1 / alpha)


def hardsigmoid(input, inplace=False):
    """clamp(x + 3, 0, 6) / 6."""
    return _activation(_E.Hardsigmoid, 'hardsigmoid', input, inplace)


def hardswish(input, inplace=False):
    """x * clamp(x + 3, 0, 6) / 6."""
    return _activation(_E.Hardswish, 'hardswish', input, inplace)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    if not input.is_floating_point():
        raise NotImplementedError('"softshrink_check" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    lambd = float(lambd)
    largest = float(np.finfo(input._data.dtype).max)
    if not 0 <= lambd <= largest:
        raise RuntimeError(f'lambda must be in range [0, {largest:g}] for input dtype '
                           f'{_type_name(input.dtype)}, but found {lambd:g}')
    return _E.Softshrink.apply(input, lambd, True)


def hardshrink(input, lambd=0.5):
    """x outside [-lambd, lambd], 0 inside."""
    _require_floating(input, 'hardshrink')
    return _E.Hardshrink.apply(input, float(lambd), False)


def tanhshrink(input):
    """x - tanh(x)."""
    return _F.sub(input, _F.tanh(input))


def threshold(input, threshold, value, inplace=False):
    """value where x <= threshold, else x (integer tensors too: both numbers truncated to
    their type); the gradient is 0 at the threshold."""
    if input.dtype is _dtype.bool_:
        raise NotImplementedError(f'"threshold_{input.device.type}" not implemented for '
                                  "'Bool'")
    if not input.is_floating_point():       # both numbers converted, with PyTorch's check
        threshold, value = (_dtype.checked_scalar(v, input._data.dtype)
                            for v in (threshold, value))
    if inplace:
        return _inplace(input, lambda x: _E.Threshold.apply(x, threshold, value))
    return _E.Threshold.apply(input, threshold, value)


def _implicit_dim(name, ndim):
    # The warning names the first frame outside microtorch; softmax's `_stacklevel` (PyTorch's
    # count of frames) stays in the signatures but is not needed.
    warnings.warn(f'Implicit dimension choice for {name} has been deprecated. Change the call '
                  'to include dim=X as an argument.', UserWarning, stacklevel=user_stacklevel())
    return 0 if ndim in (0, 1, 3) else 1


@autocast_op('softmax')
def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim('softmax', input.ndim)
    return _F.softmax(input, dim, dtype)


@autocast_op('log_softmax')
def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _implicit_dim('log_softmax', input.ndim)
    return _F.log_softmax(input, dim, dtype)


@autocast_op('softmin')
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along dim."""
    if dim is None:
        dim = _implicit_dim('softmin', input.ndim)
    return _F.softmax(_F.neg(input), dim, dtype)


@autocast_op('prelu')
def prelu(input, weight):
    """x above 0, weight * x below, with one weight for all channels or one per channel
    (dim 1 of the input; a 1-D input is one channel)."""
    _F._require_tensor(weight, 'prelu', 'weight')
    if input.dtype is not weight.dtype:
        raise RuntimeError('prelu: Type promoting not supported. Got '
                           f'{_type_name(input.dtype)} and {_type_name(weight.dtype)}')
    count = weight.numel()
    if count != 1:
        if input.ndim == 0:
            raise RuntimeError('Not allow zero-dim input tensor.')
        channels = input.shape[1] if input.ndim >= 2 else 1
        if count != channels:
            raise RuntimeError('Mismatch of parameter numbers and input channel size. Found '
                               f'parameter numbers = {count} and channel size = {channels}.')
    if weight.ndim > 1:
        raise RuntimeError('prelu: Expected `weight` to be a scalar or 1D tensor, but got: '
                           f'ndim = {weight.ndim}')
    _require_floating(input, 'prelu')
    _F.check_same_device(input, weight)
    if count != 1 and input.ndim > 2:           # one weight per channel, along dim 1
        weight = weight.reshape((count,) + (1,) * (input.ndim - 2))
    return _F.where(input > 0, input, weight * input)


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: zero each element with probability p and scale the rest by
    1 / (1 - p), drawing from microtorch's generator. Without training (or with p = 0) the
    input itself comes back, as in PyTorch."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')
    if not training or p == 0 or input.numel() == 0:
        return input
    _check_scalable(input, p)
    # PyTorch draws the mask into empty_like(input), which keeps input's order of dims in
    # memory (a transposed input gets a transposed mask), and fills it in memory order
    order = _memory_order(input)
    backend = _backends.for_array(input._data)
    mask = backend.dropout_mask(_generator, tuple(input.shape[d] for d in order), p,
                                input._data.dtype)
    mask = Tensor._make(mask).permute(*np.argsort(order).tolist())
    return input.mul_(mask) if inplace else input * mask


# ---- linear ------------------------------------------------------------------------------

@autocast_op('linear')
def linear(input, weight, bias=None):
    """input @ weight.T + bias, as one op."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError('both arguments to linear need to be at least 1D, but they are '
                           f'{input.ndim}D and {weight.ndim}D')
    if weight.ndim != 2:                         # a vector weight: PyTorch's matmul path
        out = _F.matmul(input, weight.t())
        return out if bias is None else out + bias
    _F.check_same_device(input, weight)
    if input.dtype is not weight.dtype:          # worded as PyTorch's addmm or mm says it
        if bias is not None:
            raise RuntimeError('mat1 and mat2 must have the same dtype, but got '
                               f'{_type_name(input.dtype)} and {_type_name(weight.dtype)}')
        raise RuntimeError('expected m1 and m2 to have the same dtype, but got: '
                           f'{_dtype.c_type_name(input.dtype)} != '
                           f'{_dtype.c_type_name(weight.dtype)}')
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError('self and mat2 must have the same dtype, but got '
                           f'{_type_name(bias.dtype)} and {_type_name(weight.dtype)}')
    out_features, in_features = weight.shape
    if input.shape[-1] != in_features:
        rows = 1
        for n in input.shape[:-1]:
            rows *= n
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({rows}x'
                           f'{input.shape[-1]} and {in_features}x{out_features})')
    if bias is not None:
        _F.check_same_device(input, bias)
        if tuple(bias.shape) != (out_features,):
            _F.expand(bias, tuple(input.shape[:-1]) + (out_features,))   # PyTorch's error
            return _L.linear_op_for(input.ndim, False).apply(input, weight, None) + bias
    _F._refuse_dtype(input, 'addmm_impl_cpu_', 'b')
    return _L.linear_op_for(input.ndim, bias is not None).apply(input, weight, bias)


# ---- losses ------------------------------------------------------------------------------

_REDUCTIONS = ('none', 'mean', 'sum')


def _legacy_reduction(size_average, reduce):
    """The reduction that PyTorch's deprecated size_average/reduce arguments mean."""
    if size_average is None and reduce is None:
        return None
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = 'none' if not reduce else 'mean' if size_average else 'sum'
    warnings.warn('size_average and reduce args will be deprecated, please use '
                  f"reduction='{reduction}' instead.", UserWarning,
                  stacklevel=user_stacklevel())
    return reduction


def _reduction(size_average, reduce, reduction):
    reduction = _legacy_reduction(size_average, reduce) or reduction
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{reduction} is not a valid value for reduction')
    return reduction


def _same_dtype(input, target):
    """input and target cast to their common dtype (PyTorch promotes them, too)."""
    _F.check_same_device(input, target)
    if input.dtype is not target.dtype:
        dtype = _dtype.result_type((input, target))
        input, target = _F.cast(input, dtype), _F.cast(target, dtype)
    return input, target


def _warn_if_broadcast(input, target):
    if target.shape != input.shape:
        warnings.warn(f'Using a target size ({target.size()}) that is different to the input '
                      f'size ({input.size()}). This will likely lead to incorrect results due '
                      'to broadcasting. Please ensure they have the same size.', UserWarning,
                      stacklevel=user_stacklevel())
    broadcast_shapes(input.shape, target.shape)


def _pointwise_inputs(input, target, kernel):
    """mse/l1/smooth_l1: a target of another shape is broadcast, with PyTorch's warning."""
    _warn_if_broadcast(input, target)
    input, target = _same_dtype(input, target)
    _require_floating(input, kernel)
    return input, target


def _weighted(errors, weight, reduction, input):
    """mse_loss and l1_loss with per-element weights (PyTorch composes these, too)."""
    if weight.shape != input.shape:
        raise ValueError('Weights and input must have the same size.')
    weighted = errors * weight
    if reduction == 'none':
        return weighted
    if reduction == 'sum':
        return weighted.sum()
    return weighted.sum() / weight.sum()


@autocast_op('mse_loss')
def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    input, target = _pointwise_inputs(input, target, 'mse')
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, reduction, input)
    return _LS.MseLoss.apply(input, target, reduction)


_L1_OPS = {'mean': _LS.L1Loss, 'sum': _LS.L1LossSum, 'none': _LS.L1LossNone}


@autocast_op('l1_loss')
def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if _dtype.bool_ in (input.dtype, target.dtype) or not (
            input.is_floating_point() or target.is_floating_point()):
        # PyTorch's l1_loss on integers is (input - target).abs() reduced: the same results
        # and errors (bools do not subtract, integers have no mean).
        _warn_if_broadcast(input, target)
        errors = (input - target).abs()
        return errors if reduction == 'none' else getattr(errors, reduction)()
    input, target = _pointwise_inputs(input, target, 'abs')
    if weight is not None:
        return _weighted((input - target).abs(), weight, reduction, input)
    return _L1_OPS[reduction].apply(input, target, reduction)


@autocast_op('smooth_l1_loss')
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean',
                   beta=1.0):
    input, target = _pointwise_inputs(input, target, 'smooth_l1')
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError('smooth_l1_loss does not support negative values for beta.')
    if beta == 0:                       # the quadratic zone vanishes: plain L1
        return _L1_OPS[reduction].apply(input, target, reduction)
    return _LS.SmoothL1Loss.apply(input, target, reduction, float(beta))


def _constant(tensor, input):
    """A class/element weight as a backend array in input's dtype (never differentiated),
    after checking that it broadcasts to input's shape without growing it."""
    if tensor is None:
        return None
    _F.check_same_device(input, tensor)
    shape = broadcast_shapes(input.shape, tensor.shape)
    if shape != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the "
                           f'broadcast shape {list(shape)}')
    return _F.cast(tensor.detach(), input.dtype)._data


def _in_unit_interval(t):
    xp = t._backend_xp()
    return bool(xp.all((t._data >= 0) & (t._data <= 1)))     # NaN fails, as in PyTorch


def _check_expands_to(weight, shape):
    """binary_cross_entropy expands its weight to the input's shape: PyTorch's error for a
    size that is neither 1 nor the input's (more dims: _constant's error)."""
    for back in range(1, min(weight.ndim, len(shape)) + 1):
        size = weight.shape[-back]
        if size not in (1, shape[-back]):
            raise RuntimeError(f'Attempting to broadcast a dimension of length {size} at '
                               f'-{back}! Mismatching argument at index 1 had {weight.size()};'
                               f' but expected shape should be broadcastable to {list(shape)}')


@autocast_op('binary_cross_entropy')
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction='mean'):
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f'Using a target size ({target.size()}) that is different to the '
                         f'input size ({input.size()}) is deprecated. Please ensure they have '
                         'the same size.')
    _F.check_same_device(input, target)
    if target.dtype is not input.dtype:
        raise RuntimeError(f'Found dtype {_type_name(target.dtype)} but expected '
                           f'{_type_name(input.dtype)}')
    if not input.is_floating_point():
        raise NotImplementedError('"binary_cross_entropy" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    if weight is not None:
        _check_expands_to(weight, input.shape)
    weight = _constant(weight, input)
    if not _in_unit_interval(input):
        raise RuntimeError('all elements of input should be between 0 and 1')
    if not _in_unit_interval(target):
        raise RuntimeError('all elements of target should be between 0 and 1')
    return _LS.BinaryCrossEntropy.apply(input, target, reduction, weight)


@autocast_op('binary_cross_entropy_with_logits')
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction='mean', pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f'Target size ({target.size()}) must be the same as input size '
                         f'({input.size()})')
    _F.check_same_device(input, target)
    _require_floating(input, 'log_sigmoid')
    if target.dtype is _dtype.bool_:
        raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not '
                           'supported. Use the `^` or `logical_xor()` operator instead.')
    if not target.is_floating_point():
        raise RuntimeError(f"result type {_type_name(input.dtype)} can't be cast to the "
                           f'desired output type {_type_name(target.dtype)}')
    result_dtype = target.dtype               # PyTorch's, even when input's is wider
    input, target = _same_dtype(input, target)
    if pos_weight is not None:
        broadcast_shapes(pos_weight.shape, input.shape)
    weight = _constant(weight, input)
    pos_weight = _constant(pos_weight, input)
    loss = _LS.BinaryCrossEntropyWithLogits.apply(input, target, reduction, weight, pos_weight)
    return _F.cast(loss, result_dtype)


def _nll_loss_node_name(input, target, weight=None, size_average=None, ignore_index=-100,
                        reduce=None, reduction='mean', label_smoothing=0.0):
    """PyTorch's grad_fn name for nll_loss and cross_entropy with class targets: NllLoss2D
    for inputs with more dims than (N, C), whose unreduced 3-d loss is a view of its 4-d one."""
    if label_smoothing or target.is_floating_point():
        return None
    reduction = _reduction(size_average, reduce, reduction)
    if input.ndim <= 2:
        return 'NllLossBackward0'
    return 'NllLoss2DBackward0' if input.ndim == 4 or reduction != 'none' else 'ViewBackward0'


@autocast_op('cross_entropy')
@grad_fn_named(_nll_loss_node_name)
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction='mean', label_smoothing=0.0):
    """Class indices (N,) for input (N, C), (N, d...) for (N, C, d...), () for (C,); or
    class probabilities of input's shape."""
    reduction = _reduction(size_average, reduce, reduction)
    if label_smoothing > 1.0:
        raise RuntimeError(f'label_smoothing must be between 0.0 and 1.0. Got: '
                           f'{label_smoothing}')
    probabilities = target.shape == input.shape
    if probabilities and not target.is_floating_point():
        raise RuntimeError('Expected floating point type for target with class '
                           f'probabilities, got {_type_name(target.dtype)}')
    if input.ndim == 0:                # PyTorch's two paths word it differently
        raise IndexError('Dimension specified as 1 but tensor has no dimensions' if probabilities
                         else 'Dimension out of range (expected to be in range of [-1, 0], but '
                         'got 1)')
    class_dim = 0 if input.ndim == 1 else 1
    _check_class_weight(input, weight, input.shape[class_dim])
    if probabilities:
        _require_log_softmax_input(input, class_dim)
        if label_smoothing > 0:               # mix the targets with the uniform distribution
            n_classes = input.shape[class_dim]
            target = target * (1 - label_smoothing) + label_smoothing / n_classes
        return _soft_cross_entropy(input, target, weight, reduction, class_dim)
    _F.check_same_device(input, target)
    _require_log_softmax_input(input, class_dim)
    unbatched = input.ndim == 1
    input, target = _class_targets(input, target, ignore_index)
    out = _LS.CrossEntropy.apply(input, target, reduction,
                                 None if weight is None else weight.detach()._data, ignore_index)
    if label_smoothing > 0:
        out = (1 - label_smoothing) * out + label_smoothing * _smoothing_term(
            input, target, weight, reduction, ignore_index)
    return out.reshape(()) if unbatched and reduction == 'none' else out


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,
                         reduction='mean', ignore_index=None, label_smoothing=0.0,
                         options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...), as PyTorch's:
    input (in_features,) or (N, in_features); linear_weight (C, in_features), or
    (C, d_1, ..., d_K, in_features) for a K-dimensional loss (batched input only), whose
    logits are (N, C, d_1, ..., d_K). ignore_index None means -100, and may not be given
    with class probabilities (a target of the logits' shape). options
    (LinearCrossEntropyOptions) chooses PyTorch's chunked path, which microtorch does not
    have: it is accepted (with PyTorch's warning where PyTorch would ignore it) and the
    reference path runs."""
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f'expected input with dimensionality 1 or 2, got {input.dim()}')
    if linear_weight.dim() < 2:
        raise RuntimeError('expected linear_weight with dimensionality at least 2, got '
                           f'{linear_weight.dim()}')
    batch, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError('expected equal input and linear_weight last dimensions '
                           f'(in_features), got {in_features} and {linear_weight.shape[-1]}, '
                           'respectively')
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f'expected linear_bias shape {(num_classes, *out_features)}, got '
                           f'{tuple(linear_bias.shape)}')
    if out_features and not batch:
        raise RuntimeError('K-dimensional loss defined by linear_weight shape '
                           f'{tuple(linear_weight.shape)} requires batched input, '
                           f'(N, {in_features}), got unbatched input with shape '
                           f'{tuple(input.shape)}')
    logits_shape = (*batch, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError('ignore_index cannot be specified when target contains '
                           'probabilities')
    if options is not None and (out_features or reduction not in ('mean', 'sum', 'none')
                                or label_smoothing != 0.0
                                or target.dtype is not _dtype.int64):
        bias_shape = None if linear_bias is None else tuple(linear_bias.shape)
        warnings.warn("linear_cross_entropy: ``options`` ignored; chunked path needs "
                      "reduction in {'mean','sum','none'}, label_smoothing == 0, "
                      "target.dtype == int64, out_features == (). Got "
                      f'reduction={reduction!r}, label_smoothing={label_smoothing}, '
                      f'target.dtype={target.dtype}, out_features={out_features}, '
                      f'tracing=False, linear_bias.shape={bias_shape}.',
                      stacklevel=user_stacklevel())
    rows = math.prod(out_features, start=num_classes)
    if out_features:                 # one linear map to all C * d_1 ... d_K logits
        linear_weight = linear_weight.reshape(rows, in_features)
        linear_bias = None if linear_bias is None else linear_bias.reshape(rows)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)


def _smoothing_term(input, target, weight, reduction, ignore_index):
    """label_smoothing's share, PyTorch's: -sum_c w_c log_softmax(input)_c / C per sample (0
    where ignored); its mean divides by the kept targets' weights (or their count)."""
    logp = _F.log_softmax(input, 1)
    if weight is not None:
        logp = logp * weight.detach().reshape([1, -1] + [1] * (input.ndim - 2))
    keep = target != ignore_index
    loss = (-logp.sum(1)).masked_fill(keep.logical_not(), 0.0) / input.shape[1]
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    kept = keep.to(input.dtype)
    if weight is not None:
        kept = kept * weight.detach()[target.where(keep, 0)]
    return loss.sum() / kept.sum()


def _check_class_weight(input, weight, n_classes):
    if weight is None:
        return
    _F.check_same_device(input, weight)
    if weight.ndim != 1 or weight.numel() != n_classes:
        raise RuntimeError(f'weight tensor should be defined either for all {n_classes} '
                           f'classes or no classes but got weight tensor of shape: '
                           f'{list(weight.shape)}')
    if weight.dtype is not input.dtype:
        raise RuntimeError(f'expected scalar type {_type_name(input.dtype)} but found '
                           f'{_type_name(weight.dtype)}')


def _class_targets(input, target, ignore_index):
    """input (N, C, d...) and target (N, d...) of class indices, after PyTorch's checks; an
    unbatched (C,) input and its () or (1,) target come back as a batch of one."""
    if input.ndim == 1:
        if target.ndim > 1:
            raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
        if target.numel() != 1:
            raise ValueError('For 1D input, 1D target must have size 1, but got target size: '
                             f'{target.numel()}')
        input, target = input.unsqueeze(0), target.reshape(1)
    _check_class_target_shape(input, target)
    if target.dtype is not _dtype.int64:
        raise RuntimeError('expected target dtype to be Long or Byte, but got '
                           f'{_type_name(target.dtype)}')
    _check_class_target_values(input, target, ignore_index)
    return input, target


@autocast_op('nll_loss')
@grad_fn_named(_nll_loss_node_name)
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction='mean'):
    """The negative log likelihood of class targets, given log-probabilities (log_softmax's
    output): -weight[t] * input[n, t] per sample, the mean divided by the targets' weights
    (ops/loss.NllLoss: a kernel pair)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input.ndim == 0:
        raise ValueError('Expected 1 or more dimensions (got 0)')
    _check_class_weight(input, weight, input.shape[0 if input.ndim == 1 else 1])
    _F.check_same_device(input, target)
    if not input.is_floating_point():
        raise NotImplementedError('"nll_loss_out_frame" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    unbatched = input.ndim == 1
    input, target = _class_targets(input, target, ignore_index)
    losses = _LS.NllLoss.apply(input, target, reduction,
                               None if weight is None else weight.detach()._data, ignore_index)
    return losses.reshape(()) if unbatched and reduction == 'none' else losses


def _require_log_softmax_input(input, class_dim):
    """PyTorch's error for integer logits (its log_softmax kernel's)."""
    if not input.is_floating_point():
        kernel = 'log_softmax_lastdim' if class_dim == input.ndim - 1 else 'log_softmax'
        raise NotImplementedError(f'"{kernel}_kernel_impl" not implemented for '
                                  f"'{_type_name(input.dtype)}'")


def _check_class_target_shape(input, target):
    n = input.shape[0]
    if target.ndim == 0 or target.shape[0] != n:
        raise ValueError(f'Expected input batch_size ({n}) to match target batch_size '
                         f'({target.shape[0] if target.ndim else 0}).')
    if input.ndim == 2:
        if target.ndim != 1:
            raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    elif input.ndim == 4 and tuple(target.shape) != (n,) + tuple(input.shape[2:]):
        if target.ndim != 3:              # PyTorch's nll_loss2d words the 4-D case itself
            raise RuntimeError('only batches of spatial targets supported (3D tensors) but '
                               f'got targets of dimension: {target.ndim}')
        raise RuntimeError(f'size mismatch (got input: {list(input.shape)} , target: '
                           f'{list(target.shape)}')
    elif tuple(target.shape) != (n,) + tuple(input.shape[2:]):
        raise RuntimeError(f'Expected target size {[n] + list(input.shape[2:])}, got '
                           f'{list(target.shape)}')


def _check_class_target_values(input, target, ignore_index):
    data = target._data
    if type(data) is np.ndarray and data.size and classes_in_range(data, input.shape[1]):
        return              # every target a class (the common case): one reduction, not 5
    xp = target._backend_xp()
    bad = (data != ignore_index) & ((data < 0) | (data >= input.shape[1]))
    if bool(xp.any(bad)):
        first = int(data.reshape(-1)[int(xp.argmax(bad.reshape(-1)))])
        raise IndexError(f'Target {first} is out of bounds.')


def _soft_cross_entropy(input, target, weight, reduction, class_dim):
    """Class probabilities: -sum_c w_c target_c log_softmax(input)_c, per sample."""
    input, target = _same_dtype(input, target)
    logp = _F.log_softmax(input, class_dim)
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = -1
        logp = logp * weight.reshape(shape)
    loss = -(target * logp).sum(class_dim)
    if reduction == 'none':
        return loss
    return loss.sum() if reduction == 'sum' else loss.mean()


# ---- normalisation and embedding: composites of the elementwise ops and reductions ---------

def _per_channel(t, ndim):
    """A (C,) tensor shaped to broadcast along dim 1 of an ndim-dim input: (1, C, 1, ...)."""
    return t.reshape((1, -1) + (1,) * (ndim - 2))


def _same_float_dtype(input, *params):
    """Are input and the params given (None: absent) of one floating dtype? Then a norm's
    dtype checks have nothing to refuse (1.6 us saved on a small layer_norm's 14)."""
    dtype = input._data.dtype
    if dtype.kind != 'f':
        return False
    for p in params:
        if p is not None and p._data.dtype is not dtype:
            return False
    return True


def _check_norm_dtypes(input, kernel, params, integers_first):
    """A normalisation's dtype rules, PyTorch's messages and order: floating-point input
    only (refused before or after the parameters, as each PyTorch kernel does), and on the
    CPU parameters in the input's dtype. PyTorch takes a first parameter of another dtype
    than the input for its mixed-precision path, which needs float32 parameters and a
    reduced-precision input (none here)."""
    if integers_first:
        _refuse_integers(input, kernel)
    defined = [p for p in params if p is not None]
    on_cpu = input.device.type == 'cpu'
    if on_cpu and defined and defined[0].dtype is not input.dtype:
        if any(p.dtype is not _dtype.float32 for p in defined):
            raise RuntimeError('mixed dtype (CPU): expect parameter to have scalar type of Float')
        raise RuntimeError('mixed dtype (CPU): all inputs must share same datatype.')
    _refuse_integers(input, kernel)
    other = next((p for p in defined if p.dtype is not input.dtype), None)
    if on_cpu and other is not None:
        raise RuntimeError(f'expected scalar type {_type_name(input.dtype)} but found '
                           f'{_type_name(other.dtype)}')


def _check_batch_norm(input, running_mean, running_var, weight, bias, training):
    """batch_norm's argument checks, PyTorch's messages (BatchNorm runs them before it
    counts the batch, so that a failed call changes nothing)."""
    shape = input._data.shape
    channels = shape[1] if len(shape) > 1 else 1
    for name, stat in (('running_mean', running_mean), ('running_var', running_var),
                       ('weight', weight), ('bias', bias)):
        if stat is not None and stat._data.size != channels:
            raise RuntimeError(f'{name} should contain {channels} elements not {stat.numel()}')
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError('running_mean must be defined in evaluation mode')
    if training and shape[0] * math.prod(shape[2:]) == 1:   # an empty batch passes
        raise ValueError('Expected more than 1 value per channel when training, got input '
                         f'size {input.shape!r}')
    params = (weight, bias, running_mean, running_var)
    if not _same_float_dtype(input, *params):
        _check_norm_dtypes(input, 'batch_norm', params, True)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalise each channel (dim 1) by its mean and variance: the batch's in training
    (updating the running statistics in place, the variance's unbiased), the running ones
    otherwise."""
    _check_batch_norm(input, running_mean, running_var, weight, bias, training)
    return checked_batch_norm(input, running_mean, running_var, weight, bias, training,
                              momentum, eps)


def checked_batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                       eps):
    """batch_norm after _check_batch_norm (the BatchNorm modules check before they count)."""
    if input.numel() == 0:       # nothing to normalise, no statistics to track; weight and
        out = input.clone()      # bias stay on the graph (zero gradients, as PyTorch's)
        if weight is not None:
            out = out * _per_channel(weight, input.ndim)
        return out if bias is None else out + _per_channel(bias, input.ndim)
    if _norms.channel_norm_exact(input, weight, bias, running_mean, running_var):
        return _norms.batch_norm(input, running_mean, running_var, weight, bias, training,
                                 momentum, eps)                         # PyTorch's bits
    dims = (0,) + tuple(range(2, input.ndim))
    if training:
        count = input.numel() // input.shape[1]
        mean, var = input.mean(dims), input.var(dims, unbiased=False)
        if running_mean is not None:
            with _no_grad():
                running_mean.mul_(1 - momentum).add_(mean.detach() * momentum)
            if running_var is not None:
                with _no_grad():
                    unbiased = var.detach() * (count / (count - 1))
                    running_var.mul_(1 - momentum).add_(unbiased * momentum)
    else:
        mean, var = running_mean, running_var
    ndim = input.ndim
    out = (input - _per_channel(mean, ndim)) * _per_channel((var + eps).rsqrt(), ndim)
    if weight is not None:
        out = out * _per_channel(weight, ndim)
    if bias is not None:
        out = out + _per_channel(bias, ndim)
    return out


@autocast_op('layer_norm')
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dims: (x - mean) * rsqrt(var + eps), the
    variance biased, then weight and bias."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    shape = input._data.shape
    if shape[len(shape) - k:] != normalized_shape or len(shape) < k:
        raise RuntimeError(f'Given normalized_shape={list(normalized_shape)}, expected input '
                           f'with shape [*, {", ".join(map(str, normalized_shape))}], but got '
                           f'input of size{list(shape)}')
    if not _same_float_dtype(input, weight, bias):
        _check_norm_dtypes(input, 'LayerNormKernelImpl', (weight, bias), False)
    if _norms.exact_cpu(input._data, None if weight is None else weight._data,
                        None if bias is None else bias._data):
        return _norms.LayerNorm.apply(input, weight, bias, k, eps)     # PyTorch's bits
    return _layer_norm_composite(input, k, weight, bias, eps)


@grad_fn_named('NativeLayerNormBackward0')
def _layer_norm_composite(input, k, weight, bias, eps):
    """layer_norm made of other ops (off the CPU, or float16): its grad_fn renamed as
    PyTorch's."""
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    var = input.var(dims, unbiased=False, keepdim=True)
    out = (input - mean) * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of weight picked by the integer tensor input (its shape + (embedding_dim,)); the
    row padding_idx gets no gradient. max_norm renormalises the rows input names in place
    first (weight changes, as in PyTorch); scale_grad_by_freq divides each row's gradient by
    how often input names it."""
    if sparse:
        raise NotImplementedError('embedding: sparse gradients are not supported by microtorch')
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           'following scalar types: Long, Int; but got '
                           f'micro{input.type()} instead (while checking arguments for '
                           'embedding)')
    if (max_norm is None and not scale_grad_by_freq and weight.ndim == 2
            and type(input._data) is type(weight._data)):
        # the common call: one op (EmbeddingBackward0, as PyTorch's)
        data = input._data
        if data.size and not weight.shape[0]:
            raise RuntimeError('index_select(): self indexing axis dim should be positive')
        if data.size and (data.min() < 0 or data.max() >= weight.shape[0]):
            raise IndexError('index out of range in self')
        if padding_idx is not None and padding_idx < 0:
            padding_idx += weight.shape[0]
        return _I.Embedding.apply(weight, data, padding_idx)
    if max_norm is not None or scale_grad_by_freq:
        named = _host_array(input).reshape(-1)
        outside = (named < 0) | (named >= weight.shape[0])
        if outside.any():                  # worded by the renorm or the lookup, as PyTorch's
            if max_norm is None:
                raise IndexError('index out of range in self')
            raise IndexError(f'select(): index {named[outside.argmax()]} out of range for '
                             f'tensor of size {list(weight.shape)} at dimension 0')
    if max_norm is not None:
        _embedding_renorm_(weight, named, max_norm, norm_type)
    rows = _F.index_select(weight, 0, input.reshape(-1))
    if scale_grad_by_freq:                      # the forward value unchanged, its grad scaled
        from ..creation import tensor
        frequency = np.bincount(named, minlength=weight.shape[0])[named]
        scale = tensor(1.0 / np.maximum(frequency, 1), dtype=weight.dtype, device=weight.device)
        rows = rows.detach() + (rows - rows.detach()) * scale.unsqueeze(1)
    rows = rows.reshape(tuple(input.shape) + (weight.shape[1],))
    if padding_idx is not None:
        if padding_idx < 0:
            padding_idx += weight.shape[0]
        at_padding = (input == padding_idx).unsqueeze(-1)
        rows = _F.where(at_padding, rows.detach(), rows)
    return rows


def _host_array(t):
    """A tensor's values as a NumPy array on the host (copied from the GPU)."""
    return _backends.for_array(t._data).to_host(t._data)


def _tensor_type_name(dtype, device):
    """PyTorch's legacy type name of a tensor of dtype on device: 'microtorch.LongTensor'."""
    kind = 'cuda.' if device.type == 'cuda' else ''
    return f'microtorch.{kind}{_dtype.type_name(dtype)}Tensor'


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """In place, without history: each row of weight named in indices (host integers) whose
    norm_type-norm exceeds max_norm is scaled by max_norm / (norm + 1e-7), in float64 as
    PyTorch's embedding_renorm_ computes the scale."""
    from ..creation import tensor
    rows_named = tensor(np.unique(indices), device=weight.device)
    with _no_grad():
        rows = weight.index_select(0, rows_named)
        norms = rows.norm(p=norm_type, dim=1).double()
        scale = _F.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
        weight.index_copy_(0, rows_named, rows * scale.to(weight.dtype).unsqueeze(1))


def _check_embedding_bag_call(input, weight, offsets, mode, scale_grad_by_freq, sparse,
                              per_sample_weights):
    """F.embedding_bag's checks of shapes, offsets and mode, PyTorch's messages in its order.
    Returns input, offsets and per_sample_weights with a 2-D input's bags made explicit."""
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f'embedding_bag: If per_sample_weights ({per_sample_weights.shape}) '
                         'is not None, then it must have the same shape as the input '
                         f'({input.shape})')
    if weight.ndim != 2:
        raise ValueError(f'weight has to be a 2D Tensor, but got Tensor of dimension '
                         f'{weight.ndim}')
    if input.ndim == 2:                         # equal bags, one per row
        if offsets is not None:
            kind = "<class 'microtorch.Tensor'>" if isinstance(offsets, Tensor) else \
                str(type(offsets))
            raise ValueError('if input is 2D, then offsets has to be None, as input is treated '
                             'is a mini-batch of fixed length sequences. However, found offsets '
                             f'of type {kind}')
        from ..creation import arange
        offsets = arange(0, input.numel(), input.shape[1], dtype=input.dtype,
                         device=input.device)
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError('offsets has to be a 1D Tensor but got None')
        if offsets.ndim != 1:
            raise ValueError('offsets has to be a 1D Tensor')
    else:
        raise ValueError(f'input has to be 1D or 2D Tensor, but got Tensor of dimension '
                         f'{input.ndim}')
    if mode not in ('sum', 'mean', 'max'):
        raise ValueError('mode has to be one of sum, mean or max')
    if mode == 'max' and scale_grad_by_freq:
        raise ValueError('max mode does not support scaling the gradient by the frequency')
    if mode == 'max' and sparse:
        raise ValueError('max mode does not support sparse weights')
    if per_sample_weights is not None and mode != 'sum':
        raise NotImplementedError('embedding_bag: per_sample_weights was not None. '
                                  "per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    if sparse:
        raise NotImplementedError('embedding_bag: sparse gradients are not supported by '
                                  'microtorch')
    return input, offsets, per_sample_weights


def _embedding_bag_bounds(input, weight, offsets, per_sample_weights, include_last_offset,
                          padding_idx):
    """The checks PyTorch's kernel makes, in its order, on the values of indices and offsets.
    Returns (padding_idx wrapped, host indices, host bag starts, the end of the last bag)."""
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise RuntimeError(f'padding_idx must be within the number of embeddings, -{rows} '
                               f'through {rows - 1}, but got {padding_idx}')
        padding_idx %= rows
    index_dtype = _dtype.promote_types(input.dtype, offsets.dtype)
    if index_dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           'following scalar types: Long, Int; but got '
                           f'{_tensor_type_name(index_dtype, input.device)} instead (while '
                           'checking arguments for embedding_bag)')
    if not weight.is_floating_point():
        raise RuntimeError("Expected tensor for argument #1 'weight' to have one of the "
                           'following scalar types: Half, BFloat16, Float, Double; but got '
                           f'{_tensor_type_name(weight.dtype, weight.device)} instead (while '
                           'checking arguments for embedding_bag)')
    indices = _host_array(input).astype(np.int64)
    bounds = _host_array(offsets).astype(np.int64)
    if bounds.size and bounds[0] != 0:
        raise RuntimeError('offsets[0] has to be 0, i.e., the first sequence in the mini-batch '
                           f'has to start from position 0. However, got {bounds[0]}\n'
                           f'[ {_tensor_type_name(index_dtype, offsets.device)}{{}} ]')
    if bounds.size and bounds[-1] > indices.size:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length "
                           f'{indices.size} but got offsets[-1] of {bounds[-1]}')
    if per_sample_weights is not None and per_sample_weights.dtype is not weight.dtype:
        raise RuntimeError("Expected tensor for argument #1 'weight' to have the same type as "
                           "tensor for argument #1 'per_sample_weights'; but type "
                           f'{_tensor_type_name(weight.dtype, weight.device)} does not equal '
                           f'{_tensor_type_name(per_sample_weights.dtype, weight.device)} '
                           '(while checking arguments for embedding_bag)')
    if include_last_offset and not bounds.size:
        raise RuntimeError('include_last_offset: number of offset should be at least 1')
    drops = np.flatnonzero(np.diff(bounds) < 0)
    if drops.size:                              # PyTorch fails inside its kernel, or not at all
        i = int(drops[0]) + 1
        raise RuntimeError(f'embedding_bag: offsets must not decrease, but offsets[{i}] = '
                           f'{bounds[i]} follows offsets[{i - 1}] = {bounds[i - 1]}')
    starts = bounds[:-1] if include_last_offset else bounds
    end = int(bounds[-1]) if include_last_offset else indices.size if starts.size else 0
    outside = np.flatnonzero((indices[:end] < 0) | (indices[:end] >= rows))
    if outside.size:
        i = int(outside[0])
        raise RuntimeError(f'Index {i} of input takes value {indices[i]} which is not in the '
                           f'valid range [0, {rows})')
    return padding_idx, indices[:end], starts, end


@grad_fn_named('EmbeddingBagBackward0')
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode='mean', sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """The sum, mean or max of each bag of rows of weight: input is 2-D (one bag of indices
    per row) or 1-D with offsets, the start of each bag (and, with include_last_offset, the
    end of the last, which should be len(input)). An empty bag gives zeros; entries equal to
    padding_idx are left out of their bag; per_sample_weights (mode='sum') scales each entry;
    max's gradient goes to the first entry that holds the maximum. max_norm renormalises the
    named rows of weight in place first; scale_grad_by_freq divides a row's gradient by how
    often input names it. Made of index_select, index_add and a max over padded bags."""
    from ..creation import full, tensor, zeros
    if weight.dtype is _dtype.int64 and input.is_floating_point():
        warnings.warn('Argument order of nn.functional.embedding_bag was changed. Usage '
                      '`embedding_bag(weight, input, ...)` is deprecated, and should now be '
                      '`embedding_bag(input, weight, ...)`.', stacklevel=3)
        weight, input = input, weight
    input, offsets, per_sample_weights = _check_embedding_bag_call(
        input, weight, offsets, mode, scale_grad_by_freq, sparse, per_sample_weights)
    padding_idx, indices, starts, end = _embedding_bag_bounds(
        input, weight, offsets, per_sample_weights, include_last_offset, padding_idx)
    if max_norm is not None:
        _embedding_renorm_(weight, indices, max_norm, norm_type)

    device, dtype = weight.device, weight.dtype
    bags, width = starts.size, weight.shape[1]
    sizes = np.diff(np.append(starts, end))
    bag_of = np.repeat(np.arange(bags), sizes)             # each used entry's bag
    kept = indices != padding_idx if padding_idx is not None else np.ones(end, bool)
    counts = np.bincount(bag_of[kept], minlength=bags)     # entries left in each bag
    rows = _F.index_select(weight, 0, tensor(indices, device=device))
    if scale_grad_by_freq:                      # the forward value unchanged, its grad scaled
        frequency = np.bincount(indices, minlength=weight.shape[0])[indices]
        scale = tensor(1.0 / np.maximum(frequency, 1), dtype=dtype, device=device)
        rows = rows.detach() + (rows - rows.detach()) * scale.unsqueeze(1)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights[:end].unsqueeze(1)
    left_out = None if kept.all() else tensor(~kept, device=device).unsqueeze(1)
    if mode != 'max':
        if left_out is not None:
            rows = _F.where(left_out, 0.0, rows)
        out = zeros((bags, width), dtype=dtype, device=device).index_add(
            0, tensor(bag_of, device=device), rows)
        if mode == 'mean':
            out = out / tensor(np.maximum(counts, 1), dtype=dtype, device=device).unsqueeze(1)
        return out
    # max: the bags as rows of an (bags, longest, width) block padded with -inf, whose max
    # picks the first entry holding it (PyTorch's choice among ties)
    if left_out is not None:
        rows = _F.where(left_out, -math.inf, rows)
    longest = max(int(sizes.max()) if bags else 0, 1)
    slot = np.full(bags * longest, end)                      # end: the -inf row
    slot[bag_of * longest + np.arange(end) - starts[bag_of]] = np.arange(end)
    table = _F.cat([rows, full((1, width), -math.inf, dtype=dtype, device=device)])
    block = _F.index_select(table, 0, tensor(slot, device=device))
    best = block.reshape(bags, longest, width).max(1).values
    return _F.where(tensor(counts == 0, device=device).unsqueeze(1), 0.0, best)


# ---- small composites: one_hot, normalize, huber_loss, logsigmoid, pad ----------------------

def one_hot(tensor, num_classes=-1):
    """int64 class indices -> int64 indicator vectors of length num_classes (max + 1 by
    default), as a last dim."""
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError('one_hot is only applicable to index tensor of type LongTensor.')
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError('Can not infer total number of classes from empty tensor.')
        num_classes = int(tensor.max().item()) + 1
    if tensor.numel():
        if tensor.min().item() < 0:
            raise RuntimeError('Class values must be non-negative.')
        if tensor.max().item() >= num_classes:
            raise RuntimeError('Class values must be smaller than num_classes.')
    from ..creation import arange
    classes = arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()


@autocast_op('normalize')
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(its p-norm along dim, eps)."""
    if out is not None:
        raise NotImplementedError('normalize: out= is not supported by microtorch')
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    return input / denom


@autocast_op('huber_loss')
@grad_fn_named('HuberLossBackward0')
def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, delta (|d| - delta / 2) beyond: delta times smooth_l1 with
    beta = delta."""
    if weight is not None:
        raise NotImplementedError('huber_loss: weight is not supported by microtorch')
    if delta <= 0:
        raise RuntimeError('huber_loss does not support non-positive values for delta.')
    if input.device.type == 'cpu':       # PyTorch's own kernel, rounded as its
        input, target = _pointwise_inputs(input, target, 'huber')
        return _LS.HuberLoss.apply(input, target, _reduction(None, None, reduction),
                                   float(delta))
    loss = smooth_l1_loss(input, target, reduction=reduction, beta=delta)
    return loss if delta == 1 else loss * delta


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), finite for large |x|."""
    if not input.is_floating_point():
        raise NotImplementedError('"log_sigmoid_cpu" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    return -softplus(-input)


def _border_sources(size, before, after, mode):
    """The input positions a reflect / replicate / circular padding of one dim reads."""
    positions = np.arange(-before, size + after)
    if mode == 'replicate':
        return np.clip(positions, 0, size - 1)
    if mode == 'circular':
        return positions % size
    return (size - 1) - np.abs((size - 1) - np.abs(positions))       # reflect about the ends


def _pad_by_gathers(input, pad, mode):
    """reflect / replicate / circular padding: one gather of computed positions per dim,
    after PyTorch's checks."""
    from ..creation import tensor
    dims = len(pad) // 2
    if dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f'Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n'
            'Supported combinations for non-constant padding:\n'
            '  - 2D or 3D input: padding size = 2 (pads last dimension)\n'
            '  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n'
            '  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)')
    if mode != 'circular' and 0 in input.shape[input.ndim - dims - 1:]:
        raise RuntimeError(f'Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with '
                           'possibly 0 batch size and other non-zero dimensions for input, but '
                           f'got: {list(input.shape)}')
    out = input
    for i in range(dims):
        dim, (before, after) = input.ndim - 1 - i, pad[2 * i:2 * i + 2]
        size = input.shape[dim]
        if mode == 'reflect' and (before >= size or after >= size):
            raise RuntimeError(f'Argument #{4 + 2 * i}: Padding size should be less than the '
                               'corresponding input dimension, but got: padding '
                               f'({before}, {after}) at dimension {dim} of input '
                               f'{list(input.shape)}')
        if mode == 'circular' and (before > size or after > size):
            raise RuntimeError('Padding value causes wrapping around more than once.')
        if mode == 'circular' and min(before, after) < 0:     # crop first, then wrap that
            start = max(-before, 0)
            out = out.narrow(dim, start, size - start - max(-after, 0))
            size, before, after = out.shape[dim], max(before, 0), max(after, 0)
        where = _border_sources(size, before, after, mode)
        out = out.index_select(dim, tensor(where, device=input.device))
    return out


def _pad_node_name(input, pad, mode='constant', value=None):
    """PyTorch's grad_fn name for each padding mode (circular pads by slice copies)."""
    if mode in ('reflect', 'replicate'):
        kind = 'Reflection' if mode == 'reflect' else 'Replication'
        return f'{kind}Pad{len(pad) // 2}DBackward0'
    return 'CopySlices' if mode == 'circular' else 'ConstantPadNdBackward0'


@grad_fn_named(_pad_node_name)
def pad(input, pad, mode='constant', value=None):
    """pad = (left, right) for the last dim, then the dim before, ...: constant (negative
    amounts crop), reflect, replicate or circular."""
    if mode not in ('constant', 'reflect', 'replicate', 'circular'):
        raise NotImplementedError(f'Unrecognised padding mode {mode}')
    if len(pad) % 2:
        raise RuntimeError('Padding length must be divisible by 2')
    if len(pad) // 2 > input.ndim:
        raise RuntimeError('Padding length should be less than or equal to two times the '
                           f'input dimension but got padding length {len(pad)} and input of '
                           f'dimension {input.ndim}')
    if mode != 'constant':
        if value is not None and value != 0:
            raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
        return _pad_by_gathers(input, tuple(pad), mode)
    pad = tuple(pad)
    for i in range(len(pad) // 2):
        if input.shape[input.ndim - 1 - i] + pad[2 * i] + pad[2 * i + 1] < 0:
            raise RuntimeError('narrow(): length must be non-negative.')     # PyTorch's
    # (constant_pad_nd refuses -1 for uint8, where fill_ wraps it)
    value = 0 if value is None else _dtype.checked_scalar(value, input._data.dtype,
                                                          wrap_unsigned=False)
    return _Shape.ConstantPad.apply(input, pad, value)


# ---- convolution and pooling: windows gathered by indexing (im2col), then matmul or max --------

def _ntuple(value, name, dims=2, wanted=None):
    """An int (repeated dims times) or a sequence of `wanted` (default: dims) ints, as a tuple
    (PyTorch's error otherwise)."""
    values = (value,) * dims if isinstance(value, int) else tuple(value)
    wanted = dims if wanted is None else wanted
    if len(values) == 1:
        values = values * wanted
    if len(values) != wanted:
        raise RuntimeError(f'expected {name} to be a single integer value or a list of {wanted} '
                           f'values to match the convolution dimensions, but got '
                           f'{name}={list(values)}')
    return values


def _pair(value, name):
    return _ntuple(value, name, 2)


def _windows(x, kernel, stride, dilation, channels_inside=False):
    """x (N, C, *sizes) -> its windows (N, C, *out_sizes, *kernel) in one pass (the windows
    overlap: the backward adds their gradients up). channels_inside: (N, *out_sizes, C,
    *kernel) instead, the rows of a convolution's matmul with no copy between."""
    from ..ops.indexing import Windows
    return Windows.apply(x, *(tuple(int(v) for v in a) for a in (kernel, stride, dilation)),
                         channels_inside)


def _batched(input, name, dims=4):
    """input with a batch dim (an unbatched (C, H, W) input gets one), and whether it had."""
    if input.ndim == dims - 1:
        return input.unsqueeze(0), True
    if input.ndim != dims:
        raise RuntimeError(f'Expected {dims - 1}D (unbatched) or {dims}D (batched) input to '
                           f'{name}, but got input of size: {list(input.shape)}')
    return input, False


def _same_padding(kernel, dilation):
    """'same' padding per side (before, after) of each spatial dim: the extra goes after."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return pads


def _check_groups_divide(weight, groups):
    """A weight's first dim holds `groups` equal slices (output channels of a convolution,
    input channels of a transposed one)."""
    if groups <= 0:
        raise RuntimeError('non-positive groups is not supported')
    if weight.shape[0] < groups:
        raise RuntimeError(f'Given groups={groups}, expected weight to be at least {groups} at '
                           f'dimension 0, but got weight of size {list(weight.shape)} instead')
    if weight.shape[0] % groups:     # PyTorch's message prints the size in double brackets
        raise RuntimeError(f'Given groups={groups}, expected weight to be divisible by {groups} '
                           f'at dimension 0, but got weight of size [{list(weight.shape)}] '
                           'instead')


def _conv(input, weight, bias, stride, padding, dilation, groups, dims):
    """conv1d, conv2d and conv3d (dims 1, 2, 3): checks worded for the caller's dims, then the
    1-d case runs as 2-d with a height of 1."""
    x, unbatched = _batched(input, f'conv{dims}d', dims + 2)
    # PyTorch sizes the window arguments by the weight before it compares the two
    weight_dims = max(weight.ndim - 2, 1)
    stride = _ntuple(stride, 'stride', dims, weight_dims)
    dilation = _ntuple(dilation, 'dilation', dims, weight_dims)
    if weight.ndim != dims + 2:
        raise RuntimeError(f'Expected {weight.ndim}-dimensional input for {weight.ndim}-'
                           f'dimensional weight {list(weight.shape)}, but got {x.ndim}-'
                           f'dimensional input of size {list(x.shape)} instead')
    out_channels, group_channels = weight.shape[:2]
    _check_groups_divide(weight, groups)
    kernel = tuple(weight.shape[2:])
    channels = x.shape[1]
    if channels != group_channels * groups:
        raise RuntimeError(f'Given groups={groups}, weight of size {list(weight.shape)}, '
                           f'expected input{list(x.shape)} to have {group_channels * groups} '
                           f'channels, but got {channels} channels instead')
    if isinstance(padding, str):
        if padding not in ('same', 'valid'):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == 'same' and stride != (1,) * dims:
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        sides = (_same_padding(kernel, dilation) if padding == 'same' else [(0, 0)] * dims)
    else:
        sides = [(p, p) for p in _ntuple(padding, 'padding', dims, weight_dims)]
    amounts = [amount for side in reversed(sides) for amount in side]   # F.pad's order
    if any(amounts):
        x = pad(x, amounts)
    sizes, spans = x.shape[2:], [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(n < span for n, span in zip(sizes, spans)):
        raise RuntimeError(f'Calculated padded input size per channel: '
                           f'({" x ".join(map(str, sizes))}). Kernel size: '
                           f'({" x ".join(map(str, spans))}). Kernel size can\'t be greater '
                           'than actual input size')
    if dims == 1:                                # (N, C, L) as (N, C, 1, L)
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        kernel, stride, dilation = (1,) + kernel, (1,) + stride, (1,) + dilation
    if _one_op_convolves(x, weight, bias, out_channels):
        out = _Conv.Convolution.apply(x, weight, bias, stride, dilation, groups)
    else:
        out = _conv_by_windows(x, weight, bias, kernel, stride, dilation, groups)
    if dims == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def _one_op_convolves(x, weight, bias, channels):
    """Do the ops of ops/convolution.py take this call: float32 or float64 operands of one
    dtype on one device, a bias of one per output channel? (Anything else goes the composite
    way, which promotes, or raises PyTorch's errors.)"""
    if x.dtype not in (_dtype.float32, _dtype.float64):
        return False
    operands = (weight,) if bias is None else (weight, bias)
    if any(t.dtype != x.dtype or t.device != x.device for t in operands):
        return False
    return bias is None or tuple(bias.shape) == (channels,)


def _conv_by_windows(x, weight, bias, kernel, stride, dilation, groups):
    """conv as the composite of the windows op and a batched matmul (x padded)."""
    out_channels, group_channels = weight.shape[:2]
    windows = _windows(x, kernel, stride, dilation, True)     # (N, *outs, C, *kernel)
    n, outs = windows.shape[0], tuple(windows.shape[1:1 + len(kernel)])
    positions, taps = math.prod(outs), math.prod(kernel)
    # -> (G, N, positions, C / G * taps), one matmul per group (a view for one group)
    columns = windows.reshape(n, positions, groups, group_channels * taps)   # no -1: N may be 0
    columns = columns.permute(2, 0, 1, 3)
    kernels = weight.reshape(groups, 1, out_channels // groups, group_channels * taps)
    kernels = kernels.transpose(-1, -2)
    out = columns @ kernels                                   # (G, N, positions, O / G)
    out = out.permute(1, 0, 3, 2).reshape((n, out_channels) + outs)
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * len(outs))
    return out


@autocast_op('conv2d')
@grad_fn_named('ConvolutionBackward0')
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as PyTorch's conv2d: windows of the (zero-padded) input times
    the weight (out_channels, in_channels / groups, kh, kw), as one batched matmul."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


@autocast_op('conv1d')
@grad_fn_named('ConvolutionBackward0')
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over (N, C, L) or (C, L) inputs, weight (out_channels,
    in_channels / groups, k): conv2d's windows and matmul with a height of 1."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


@autocast_op('conv3d')
@grad_fn_named('ConvolutionBackward0')
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D cross-correlation over (N, C, D, H, W) or (C, D, H, W) inputs, weight
    (out_channels, in_channels / groups, kd, kh, kw): windows by one gather, one matmul."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def _pool_out_size(size, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooled length; ceil_mode keeps a last, partial window when it starts inside
    the input or its left padding."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _ceil_overhang(x, kernel, stride, padding, dilation, ceil_mode):
    """How far ceil_mode's last windows reach past the padded input, per spatial dim."""
    if not ceil_mode:
        return (0,) * len(kernel)
    return tuple(max((_pool_out_size(n, k, s, p, d, True) - 1) * s + d * (k - 1) + 1
                     - (n + 2 * p), 0)
                 for n, k, s, p, d in zip(x.shape[2:], kernel, stride, padding, dilation))


def _check_pool_padding(kernel, padding, dilation):
    for p, k, d in zip(padding, kernel, dilation):
        if p * 2 > d * (k - 1) + 1:
            raise RuntimeError(f'pad should be at most half of effective kernel size, but got '
                               f'pad={p}, kernel_size={k} and dilation={d}')


def _pool_shape_check(x, kernel, stride, padding, dilation, ceil_mode=False):
    _check_pool_padding(kernel, padding, dilation)
    sizes = [_pool_out_size(n, k, s, p, d, ceil_mode) for n, p, d, k, s in
             zip(x.shape[2:], padding, dilation, kernel, stride)]
    if min(sizes) < 1:
        given = 'x'.join(map(str, x.shape[1:]))
        got = 'x'.join(map(str, [x.shape[1]] + sizes))
        raise RuntimeError(f'Given input size: ({given}). Calculated output size: ({got}). '
                           'Output size is too small')


def _pool_padding(padding, overhang):
    """F.pad's amounts (last dim first): padding on both sides, ceil_mode's overhang after."""
    return [amount for p, e in reversed(list(zip(padding, overhang))) for amount in (p, p + e)]


def _max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    """The max of each window of a batched (N, C, *sizes) input (padding never read); with
    return_indices, also where each came from as an index into the input's flattened
    spatial dims, PyTorch's (backends/numba_kernels/pooling.py says how it picks)."""
    outs = tuple(_pool_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                 zip(x.shape[2:], kernel, stride, padding, dilation))
    backend = _backends.for_array(x._data)
    values, index = backend.max_pool_forward(x._data, kernel, stride, padding, dilation, outs)
    op = _pooling.MaxPool3D if len(kernel) == 3 else _pooling.MaxPool
    out = op.apply(x, values, index)
    return (out, Tensor._make(index)) if return_indices else out


def _avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """The mean of each window of a batched (N, C, *sizes) input; zero padding counts in the
    mean unless count_include_pad is False (ceil_mode's overhang past the padding never
    counts); divisor_override replaces the count."""
    from ..creation import ones
    dims = len(kernel)
    if not x.is_floating_point() and x.dtype is not _dtype.int64:   # PyTorch's kernels' types
        kernel_name = 'avg_pool3d_out_frame' if dims == 3 else 'avg_pool2d'
        raise NotImplementedError(f'"{kernel_name}" not implemented for '
                                  f"'{_type_name(x.dtype)}'")
    if x.dtype in (_dtype.float32, _dtype.float64):
        outs = tuple(_pool_out_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in
                     zip(x.shape[2:], kernel, stride, padding))
        factors = _avg_pool_factors(tuple(x.shape[2:]), outs, kernel, stride, padding,
                                    count_include_pad, divisor_override, x.dtype.np)
        op = _pooling.AvgPool3D if dims == 3 else _pooling.AvgPool
        return op.apply(x, kernel, stride, padding, factors)
    unit = (1,) * dims
    overhang = _ceil_overhang(x, kernel, stride, padding, unit, ceil_mode)
    amounts = _pool_padding(padding, overhang)
    padded = pad(x, amounts) if any(amounts) else x
    window_dims = tuple(range(-dims, 0))
    total = _windows(padded, kernel, stride, unit).sum(window_dims)
    if not x.is_floating_point():              # integers keep their dtype, as C's division
        total = total.to(x.dtype)
        divide = functools.partial(_F.div, rounding_mode='trunc')
    else:
        divide = _F.div
    if divisor_override:
        return divide(total, divisor_override)
    if not any(overhang) and (count_include_pad or not any(padding)):
        return divide(total, math.prod(kernel))
    # count what the mean takes in of each window
    sizes = tuple(x.shape[2:])
    if count_include_pad:
        counted = pad(ones((1, 1) + tuple(n + 2 * p for n, p in zip(sizes, padding)),
                           dtype=x.dtype, device=x.device),
                      _pool_padding((0,) * dims, overhang))
    else:
        counted = pad(ones((1, 1) + sizes, dtype=x.dtype, device=x.device), amounts)
    return divide(total, _windows(counted, kernel, stride, unit).sum(window_dims))


def _avg_pool_factors(sizes, outs, kernel, stride, padding, count_include_pad, divisor,
                      np_dtype):
    """What each output position of an average pool divides its sum by, as PyTorch's kernel
    counts: the window's size with its padding (not ceil_mode's overhang past it), or only
    its part inside the input, or the divisor given. An (*outs) NumPy array of np_dtype."""
    if divisor:
        return np.full(outs, divisor, np_dtype)
    counts = []
    for n, o, k, s, p in zip(sizes, outs, kernel, stride, padding):
        first = np.arange(o) * s - p
        end = np.minimum(first + k, n + p)
        counts.append(end - first if count_include_pad else
                      np.minimum(end, n) - np.maximum(first, 0))
    factors = counts[0]
    for more in counts[1:]:
        factors = np.multiply.outer(factors, more)
    return factors.astype(np_dtype)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The largest value of each window (its first, if several); padding counts as -inf. With
    return_indices, where each came from, as an index into the input's H * W."""
    x, unbatched = _batched(input, 'max_pool2d')
    kernel = _pair(kernel_size, 'kernel_size')
    stride = kernel if stride is None or stride == [] else _pair(stride, 'stride')
    padding, dilation = _pair(padding, 'padding'), _pair(dilation, 'dilation')
    _pool_shape_check(x, kernel, stride, padding, dilation, ceil_mode)
    _F._refuse_dtype(x, 'max_pool2d', 'b')
    out = _max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices)
    if not unbatched:
        return out
    return tuple(t.squeeze(0) for t in out) if return_indices else out.squeeze(0)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each window (see _avg_pool)."""
    x, unbatched = _batched(input, 'avg_pool2d')
    kernel = _pair(kernel_size, 'kernel_size')
    stride = kernel if stride is None or stride == [] else _pair(stride, 'stride')
    padding = _pair(padding, 'padding')
    if 0 in stride:
        raise RuntimeError('stride should not be zero')
    _pool_shape_check(x, kernel, stride, padding, (1, 1), ceil_mode)
    out = _avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return out.squeeze(0) if unbatched else out


def _one_value(name, arg, value, wording):
    """A 1-d pooling argument: an int or a sequence of one int."""
    values = (value,) if isinstance(value, int) else tuple(value)
    if len(values) != 1:
        if wording is None:                       # worded by PyTorch's argument parser
            raise RuntimeError(f"{name}() argument '{arg}' should contain one int (got "
                               f'{len(values)})')
        raise RuntimeError(f'{name}() {arg} must be {wording} of size 1 but got size '
                           f'{len(values)}')
    return values[0]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """max_pool2d over (N, C, L) or (C, L) inputs seen with a height of 1, after PyTorch's
    1-d checks (their wording differs from the 2-d ones)."""
    if input.ndim not in (2, 3):
        raise RuntimeError('max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 '
                           f'dim batch size for input, but got:{list(input.shape)}')
    ints = 'an int, list of ints or tuple of ints'
    kernel = _one_value('max_pool1d', 'kernel_size', kernel_size, ints)
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel
    else:
        stride = _one_value('max_pool1d', 'stride', stride,
                            'None, an int, list of ints, or tuple of ints')
    padding = _one_value('max_pool1d', 'padding', padding,
                         'an int, list of ints, or tuple of ints')
    dilation = _one_value('max_pool1d', 'dilation', dilation, ints)
    for arg, value in (('kernel_size', kernel), ('stride', stride)):
        if value <= 0:
            raise RuntimeError(f'max_pool1d() {arg} must be greater than zero, but got {value}')
    if padding < 0:
        raise RuntimeError(f'max_pool1d() padding must be non-negative, but got {padding}')
    if padding > kernel // 2:
        raise RuntimeError('max_pool1d() padding should be at most half of kernel size, but '
                           f'got padding={padding} and kernel_size={kernel}')
    if dilation <= 0:
        raise RuntimeError(f'max_pool1d() dilation must be greater than zero, but got '
                           f'{dilation}')
    length = _pool_out_size(input.shape[-1], kernel, stride, padding, dilation, ceil_mode)
    if length < 1:
        raise RuntimeError(f'max_pool1d() Invalid computed output size: {length}')
    if not return_indices:          # PyTorch's own 1-d kernel, floats only (with indices: 2-d's)
        _refuse_integers(input, 'max_pool1d_impl')
    out = max_pool2d(input.unsqueeze(-2), (1, kernel), (1, stride), (0, padding),
                     (1, dilation), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """avg_pool2d over (N, C, L) or (C, L) inputs seen with a height of 1."""
    kernel = _one_value('avg_pool1d', 'kernel_size', kernel_size, None)
    stride = kernel if stride is None else _one_value('avg_pool1d', 'stride', stride, None)
    padding = _one_value('avg_pool1d', 'padding', padding, None)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'Expected 2 to 3 dimensions, but got {input.ndim}-dimensional '
                           "tensor for argument #1 'self' (while checking arguments for "
                           'avg_pool1d)')
    out = avg_pool2d(input.unsqueeze(-2), (1, kernel), (1, stride), (0, padding), ceil_mode,
                     count_include_pad)
    return out.squeeze(-2)


# ---- adaptive pooling, group norm, similarities and kl_div: composites -----------------------

def _adaptive_mean(x, dim, out_size):
    """The means of PyTorch's adaptive windows along dim (positions floor(i * n / out) up to
    ceil((i + 1) * n / out); they may overlap): each window gathered, its padding masked out
    by where (a product by 0 would turn an inf elsewhere in the row into nan), summed, and
    divided by its length."""
    from ..creation import tensor
    size = x.shape[dim]
    starts = [(i * size) // out_size for i in range(out_size)]
    ends = [-((-(i + 1) * size) // out_size) for i in range(out_size)]
    widest = max((e - s for s, e in zip(starts, ends)), default=1)
    table = np.array([[min(s + k, e - 1) for k in range(widest)] for s, e in zip(starts, ends)],
                     dtype=np.int64).reshape(out_size, widest)
    inside = np.arange(widest) < (np.array(ends) - np.array(starts))[:, None]
    trailing = (1,) * (x.ndim - 1 - dim)
    picked = x.index_select(dim, tensor(table.reshape(-1), device=x.device))
    picked = picked.reshape(tuple(x.shape[:dim]) + (out_size, widest) + tuple(x.shape[dim + 1:]))
    mask = tensor(inside.reshape((out_size, widest) + trailing), device=x.device)
    lengths = tensor((np.array(ends) - np.array(starts)).reshape((out_size,) + trailing),
                     dtype=x.dtype, device=x.device)
    return picked.where(mask, 0.0).sum(dim + 1) / lengths


@grad_fn_named(lambda input, output_size: 'MeanBackward1' if _all_ones(output_size)
                else 'AdaptiveAvgPool2DBackward0')
def adaptive_avg_pool2d(input, output_size):
    """The mean over PyTorch's adaptive windows: rows and columns each averaged by a fixed
    (out, in) matrix, out = A_h @ x @ A_w^T (two matmuls); None keeps that size."""
    sizes = (output_size,) * 2 if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError('adaptive_avg_pool2d: output_size must be 2')
    if input.ndim not in (3, 4):
        raise RuntimeError(f'adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got '
                           f'{list(input.shape)}')
    for dim in range(input.ndim - 2, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError('adaptive_avg_pool2d(): Expected input to have non-zero size for '
                               f'non-batch dimensions, but input has sizes {list(input.shape)} '
                               f'with dimension {dim} being empty')
    height, width = input.shape[-2:]
    out_h, out_w = (height if sizes[0] is None else sizes[0],
                    width if sizes[1] is None else sizes[1])
    if out_h < 0 or out_w < 0:
        raise RuntimeError('adaptive_avg_pool2d: elements of output_size must be greater than '
                           f'or equal to 0 but received {{{out_h}, {out_w}}}')
    _refuse_adaptive_average(input, (out_h, out_w), 'adaptive_avg_pool2d')
    if (out_h, out_w) == (1, 1):                 # PyTorch's shortcut: a mean (its bits, name)
        return input.mean((-1, -2), keepdim=True)
    return _adaptive_mean(_adaptive_mean(input, input.ndim - 2, out_h), input.ndim - 1, out_w)


def _all_ones(output_size):
    """An adaptive average to one value per channel: PyTorch takes a mean() there."""
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,)
    return all(n == 1 for n in sizes)


def _refuse_adaptive_average(input, outs, kernel):
    """PyTorch averages integers nowhere: an output of ones is its mean(), else its kernel."""
    if input.is_floating_point():
        return
    if all(n == 1 for n in outs):
        _F._require_floating(input, 'mean')
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(input.dtype)}\'')


def adaptive_avg_pool1d(input, output_size):
    """adaptive_avg_pool2d over (N, C, L) or (C, L) seen with a height of 1."""
    size = _one_value('adaptive_avg_pool1d', 'output_size', output_size, None)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'Expected 2 to 3 dimensions, but got {input.ndim}-dimensional '
                           "tensor for argument #1 'self' (while checking arguments for "
                           'adaptive_avg_pool1d)')
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


@autocast_op('group_norm')
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in num_groups groups (mean and biased variance over
    the group's channels and positions), then a per-channel weight and bias."""
    shape = input._data.shape
    if len(shape) < 2:
        raise RuntimeError(f'Expected at least 2 dimensions for input tensor but received '
                           f'{len(shape)}')
    channels = shape[1]
    # PyTorch's test, before the others: one value per (sample, group) statistic
    stats_size = [shape[0] * channels // num_groups, num_groups] + list(shape[2:])
    if stats_size[0] * math.prod(stats_size[2:]) == 1:
        raise ValueError('Expected more than 1 value per channel when training, got input '
                         f'size {stats_size}')
    if channels % num_groups:
        raise RuntimeError('Expected number of channels in input to be divisible by '
                           f'num_groups, but got input of shape {list(shape)} and '
                           f'num_groups={num_groups}')
    for name, param in (('weight', weight), ('bias', bias)):
        if param is not None and (param._data.ndim != 1 or param._data.size != channels):
            raise RuntimeError(f'Expected {name} to be a vector of size equal to the number of '
                               f'channels in input, but got {name} of shape '
                               f'{list(param.shape)} and input of shape {list(shape)}')
    if not _same_float_dtype(input, weight, bias):
        _check_norm_dtypes(input, 'GroupNormKernelImpl', (weight, bias), False)
    if _norms.channel_norm_exact(input, weight, bias):
        return _norms.GroupNorm.apply(input, weight, bias, num_groups, eps)   # PyTorch's bits
    grouped = input.reshape(input.shape[0], num_groups,                # no -1: N may be 0
                            (channels // num_groups) * math.prod(input.shape[2:]))
    mean = grouped.mean(-1, keepdim=True)
    var = grouped.var(-1, unbiased=False, keepdim=True)
    out = ((grouped - mean) * (var + eps).rsqrt()).reshape(input.shape)
    if weight is not None:
        out = out * _per_channel(weight, input.ndim)
    if bias is not None:
        out = out + _per_channel(bias, input.ndim)
    return out


def _floating_pair(x1, x2):
    """x1 and x2 in their common dtype, which must be floating point."""
    dtype = _dtype.result_type((x1, x2))
    if not dtype.is_floating_point:
        raise RuntimeError('expected common dtype to be floating point, yet common dtype is '
                           f'{_type_name(dtype)}')
    return _F.cast(x1, dtype), _F.cast(x2, dtype)


@autocast_op('cosine_similarity')
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 / max(|x1|, eps) * x2 / max(|x2|, eps)) along dim, x1 and x2 broadcast. As in
    PyTorch the clamp is left out of the gradient: it flows as if through |x|."""
    x1, x2 = _floating_pair(x1, x2)
    shape = broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = x1.expand(shape), x2.expand(shape)

    def unit(x):
        length = x.norm(2, dim, keepdim=True)
        # eps below, |x| itself above (an inf too: adding inf - inf back would give nan)
        return x / length.where(length >= eps, length + (eps - length).detach())
    return (unit(x1) * unit(x2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dim (of the broadcast shape)."""
    difference = x1 - x2 + eps
    if difference.ndim == 0:
        return difference.abs()
    return difference.norm(p, -1, keepdim=keepdim)


_KL_REDUCTIONS = ('none', 'mean', 'sum', 'batchmean')


@autocast_op('kl_div')
def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """Pointwise target * (log(target) - input), input holding log-probabilities (target too,
    with log_target); 0 where target is 0. 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    elif reduction == 'mean':
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                      "the support size.'batchmean' divides only by the batch size, and aligns "
                      "with the KL div math definition.'mean' will be changed to behave the "
                      "same as 'batchmean' in the next major release.", UserWarning,
                      stacklevel=2)
    if reduction not in _KL_REDUCTIONS:
        raise ValueError(f'{reduction} is not a valid value for reduction')
    if not (input.is_floating_point() and target.is_floating_point()):
        raise RuntimeError('kl_div: Integral inputs not supported.')
    broadcast_shapes(target.shape, input.shape)
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        # xlogy: 0 at target 0, and there PyTorch's gradient of the target (NaN)
        pointwise = target.xlogy(target) - target * input
    if reduction == 'none':
        return pointwise
    if reduction == 'mean':
        return pointwise.mean()
    total = pointwise.sum()
    if reduction == 'batchmean' and input.ndim:
        return total / input.shape[0]
    return total


# ---- channel dropout, adaptive max pooling, instance norm: composites -----------------------

def _feature_dropout(input, p, training, inplace):
    """Zero whole channels: one draw per (sample, channel), dims 0 and 1 of input, the mask
    broadcast over the rest and scaled by 1 / (1 - p) as dropout's."""
    if input.ndim < 2:
        raise RuntimeError('Feature dropout requires at least 2 dimensions in the input')
    if not training or p == 0 or input.numel() == 0:
        return input
    _check_scalable(input, p)
    backend = _backends.for_array(input._data)
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    mask = Tensor._make(backend.dropout_mask(_generator, shape, p, input._data.dtype))
    return input.mul_(mask) if inplace else input * mask


def _check_scalable(input, p):
    """Dropout's 1 / (1 - p) scale is a float: an integer or bool input cannot hold it."""
    if p < 1 and not input.is_floating_point():
        raise RuntimeError("result type Float can't be cast to the desired output type "
                           f'{_type_name(input.dtype)}')


def _check_dropout_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f'dropout probability has to be between 0 and 1, but got {p}')


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of an (N, C, L) or (C, L) input with probability p."""
    _check_dropout_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'dropout1d: Expected 2D or 3D input, but received a {input.ndim}D '
                           'input. Note that dropout1d exists to provide channel-wise dropout '
                           'on inputs with 1 spatial dimension, a channel dimension, and an '
                           'optional batch dimension (i.e. 2D or 3D inputs).')
    if input.ndim == 3 or not training:
        return _feature_dropout(input, p, training, inplace)
    if inplace:                   # the unbatched in-place form writes through a view
        _feature_dropout(input.unsqueeze(0), p, training, True)
        return input
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero each channel (dim 1) of an (N, C, H, W) input with probability p. As in PyTorch a
    3-D input is taken as (N, C, L), with its warning, and other ranks are warned about."""
    _check_dropout_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(f'dropout2d: Received a {input.ndim}-D input to dropout2d, which is '
                      'deprecated and will result in an error in a future release. To retain '
                      'the behavior and silence this warning, please use dropout instead. Note '
                      'that dropout2d exists to provide channel-wise dropout on inputs with 2 '
                      'spatial dimensions, a channel dimension, and an optional batch dimension '
                      '(i.e. 3D or 4D inputs).', UserWarning, stacklevel=2)
    if input.ndim == 3:
        warnings.warn('dropout2d: Received a 3D input to dropout2d and assuming that '
                      'channel-wise 1D dropout behavior is desired - input is interpreted as '
                      'shape (N, C, L), where C is the channel dim. This behavior will change '
                      'in a future release to interpret the input as one without a batch '
                      'dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout '
                      'behavior, please switch to using dropout1d instead.', UserWarning,
                      stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def _adaptive_windows(size, out_size, device):
    """PyTorch's adaptive windows as an (out_size, widest) index table: row i holds positions
    floor(i * size / out_size) .. ceil((i + 1) * size / out_size) - 1, a shorter window
    padded with its last position (a repeat changes neither the max nor where it is)."""
    from ..creation import tensor
    starts = [(i * size) // out_size for i in range(out_size)]
    ends = [-((-(i + 1) * size) // out_size) for i in range(out_size)]
    widest = max((e - s for s, e in zip(starts, ends)), default=1)
    table = [[min(s + k, e - 1) for k in range(widest)] for s, e in zip(starts, ends)]
    return tensor(np.array(table, dtype=np.int64).reshape(out_size, widest), device=device)


def _check_adaptive_input(input, name, dims):
    for dim in range(input.ndim - dims, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(f'{name}(): Expected input to have non-zero size for non-batch '
                               f'dimensions, but input has sizes {list(input.shape)} with '
                               f'dimension {dim} being empty')


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The largest value of each of PyTorch's adaptive windows (the first, if several), by one
    gather of the windows and a max; with return_indices, where each came from (an index into
    the input's H * W). None in output_size keeps that size."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f'adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: '
                           f'{list(input.shape)}')
    sizes = (output_size,) * 2 if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(sizes) != 2:
        raise RuntimeError('adaptive_max_pool2d(): internal error: output_size.size() must be 2')
    _check_adaptive_input(input, 'adaptive_max_pool2d', 2)
    _refuse_integers(input, 'adaptive_max_pool2d')
    height, width = input.shape[-2:]
    out_h, out_w = (height if sizes[0] is None else sizes[0],
                    width if sizes[1] is None else sizes[1])
    if out_h < 0 or out_w < 0:
        shape = list(input.shape[:-2]) + [out_h, out_w]
        raise RuntimeError(f'Trying to create tensor with negative dimension '
                           f'{min(out_h, out_w)}: {shape}')
    rows = _adaptive_windows(height, out_h, input.device)            # (oh, kh)
    cols = _adaptive_windows(width, out_w, input.device)             # (ow, kw)
    kh, kw = rows.shape[1], cols.shape[1]
    windows = input[..., rows.reshape(out_h, 1, kh, 1), cols.reshape(1, out_w, 1, kw)]
    values, where_in = windows.reshape(tuple(input.shape[:-2]) + (out_h, out_w, kh * kw)).max(-1)
    if not return_indices:
        return values
    row_of = rows.reshape(out_h, 1, kh, 1).expand(out_h, out_w, kh, kw).reshape(out_h, out_w, -1)
    col_of = cols.reshape(1, out_w, 1, kw).expand(out_h, out_w, kh, kw).reshape(out_h, out_w, -1)
    flat = (row_of * width + col_of).expand(tuple(where_in.shape) + (kh * kw,))
    return values, flat.gather(-1, where_in.unsqueeze(-1)).squeeze(-1)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """adaptive_max_pool2d over (N, C, L) or (C, L) seen with a height of 1."""
    size = _one_value('adaptive_max_pool1d', 'output_size', output_size, None)
    if input.ndim not in (2, 3):
        raise RuntimeError(f'Expected 2 to 3 dimensions, but got {input.ndim}-dimensional '
                           "tensor for argument #1 'self' (while checking arguments for "
                           'adaptive_max_pool1d)')
    _check_adaptive_input(input, 'adaptive_max_pool1d', 1)
    if size < 0:
        raise RuntimeError(f'Trying to create tensor with negative dimension {size}: '
                           f'{list(input.shape[:-1]) + [1, size]}')
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each sample's channel over its positions: batch_norm of the input seen as
    one batch of N * C channels, the per-channel weight, bias and statistics (and running
    updates: the mean over the samples) shared by the N copies, as PyTorch folds it."""
    if input.ndim < 2:
        raise ValueError('Expected 2 or more dimensions (got 1)' if input.ndim == 1 else
                         'Expected 2 or more dimensions (got 0)')
    n, channels = input.shape[:2]
    if use_input_stats:
        spatial = math.prod(input.shape[2:])     # an empty batch or empty positions pass
        if spatial == 1:
            raise ValueError('Expected more than 1 spatial element when training, got input '
                             f'size {input.shape!r}')
    for name, stat in (('running_mean', running_mean), ('running_var', running_var),
                       ('weight', weight), ('bias', bias)):
        if stat is not None and stat.numel() != channels:     # worded for the N copies
            raise RuntimeError(f'{name} should contain {n * channels} elements not '
                               f'{n * stat.numel()}')
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError('Expected running_mean and running_var to be defined when '
                           'use_input_stats is false')
    _check_norm_dtypes(input, 'batch_norm', (weight, bias, running_mean, running_var), True)
    from ..creation import zeros
    # PyTorch folds a contiguous copy: a strided input takes batch_norm's contiguous kernels
    folded = input.contiguous().reshape((1, n * channels) + tuple(input.shape[2:]))

    def repeated(stat):
        return None if stat is None else stat.repeat(n)
    if use_input_stats:
        # batch_norm updates copies; their mean over the samples goes back into the originals
        means, variances = repeated(running_mean), repeated(running_var)
        if means is None and variances is not None:
            means = zeros(n * channels, dtype=input.dtype, device=input.device)
        out = batch_norm(folded, means, variances, repeated(weight), repeated(bias), True,
                         momentum, eps)
        with _no_grad():
            if running_mean is not None:
                running_mean.copy_(means.reshape(n, channels).mean(0))
            if running_var is not None:
                running_var.copy_(variances.reshape(n, channels).mean(0))
    else:
        out = batch_norm(folded, repeated(running_mean), repeated(running_var),
                         repeated(weight), repeated(bias), False, momentum, eps)
    return out.reshape(input.shape)


# ---- transposed convolution: zeros between the input's elements, then a plain convolution -----

def _transposed_to_conv_weight(weight, groups, dims):
    """A transposed convolution's weight (in, out / G, *k) as the equivalent convolution's
    (out, in / G, *k): each group's in/out roles swapped and the kernel turned around."""
    in_channels, group_out = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    grouped = weight.reshape((groups, in_channels // groups, group_out) + kernel)
    swapped = grouped.transpose(1, 2).reshape((groups * group_out, in_channels // groups)
                                              + kernel)
    return swapped.flip(tuple(range(2, 2 + dims)))


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation,
                    dims):
    """conv_transpose1d/2d/3d, the adjoint (the input gradient) of conv with the same arguments:
    stride - 1 zeros go between neighbouring input elements, the borders get
    dilation * (k - 1) - padding zeros (output_padding more after; a negative amount crops),
    and a stride-1 convolution with the swapped, flipped kernel runs over that."""
    name = f'conv_transpose{dims}d'
    x, unbatched = _batched(input, name, dims + 2)
    weight_dims = max(weight.ndim - 2, 1)
    stride = _ntuple(stride, 'stride', dims, weight_dims)
    padding = _ntuple(padding, 'padding', dims, weight_dims)
    output_padding = _ntuple(output_padding, 'output_padding', dims, weight_dims)
    dilation = _ntuple(dilation, 'dilation', dims, weight_dims)
    if weight.ndim != dims + 2:
        raise RuntimeError(f'Expected {weight.ndim}-dimensional input for {weight.ndim}-'
                           f'dimensional weight {list(weight.shape)}, but got {x.ndim}-'
                           f'dimensional input of size {list(x.shape)} instead')
    if min(stride) <= 0:
        raise RuntimeError('non-positive stride is not supported')
    if min(padding) < 0:
        raise RuntimeError('negative padding is not supported')
    # PyTorch words the 1-d checks as 2-d ones with a height of 1
    as_2d = [(1, 0, 1)] * (2 - dims) + list(zip(stride, output_padding, dilation))
    if any(o >= s and o >= d for s, o, d in as_2d):
        axes = ('depth', 'height', 'width')[-len(as_2d):]
        raise RuntimeError('output padding must be smaller than either stride or dilation, but '
                           'got ' + ' '.join(f'{what}_{axis}: {as_2d[k][j]}'
                                             for j, what in ((1, 'output_padding'),
                                                             (0, 'stride'), (2, 'dilation'))
                                             for k, axis in enumerate(axes)))
    in_channels, group_out = weight.shape[:2]
    _check_groups_divide(weight, groups)
    if x.shape[1] != in_channels:
        raise RuntimeError(f'Given transposed=1, weight of size {list(weight.shape)}, expected '
                           f'input{list(x.shape)} to have {in_channels} channels, but got '
                           f'{x.shape[1]} channels instead')
    out_channels = group_out * groups
    if bias is not None and (bias.ndim != 1 or bias.numel() != out_channels):
        raise RuntimeError(f'Given transposed=1, weight of size {list(weight.shape)}, expected '
                           f'bias to be 1-dimensional with {out_channels} elements, but got '
                           f'bias of size {list(bias.shape)} instead')
    kernel, sizes = tuple(weight.shape[2:]), tuple(x.shape[2:])
    out_sizes = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                 zip(sizes, stride, padding, dilation, kernel, output_padding)]
    if min(out_sizes) < 1:
        shown = [1] * (2 - dims)
        raise RuntimeError(f'Given input size per channel: '
                           f'({" x ".join(map(str, shown + list(sizes)))}). Calculated output '
                           f'size per channel: ({" x ".join(map(str, shown + out_sizes))}). '
                           'Output size is too small')
    if (_one_op_convolves(x, weight, bias, out_channels)
            and all(o < s for o, s in zip(output_padding, stride))):
        out = _transposed_by_input_grad(x, weight, bias, stride, padding, output_padding,
                                        groups, dilation)
        return out.squeeze(0) if unbatched else out
    # each element followed by stride - 1 zeros (an extra unit dim padded, then merged)
    if max(stride) > 1:
        spread = x.reshape(tuple(x.shape[:2]) + tuple(v for n in sizes for v in (n, 1)))
        spread = pad(spread, [v for s in reversed(stride) for v in (0, s - 1, 0, 0)])
        x = spread.reshape(tuple(x.shape[:2]) + tuple(n * s for n, s in zip(sizes, stride)))
    borders = []
    for s, p, d, k, o in reversed(list(zip(stride, padding, dilation, kernel,
                                            output_padding))):
        edge = d * (k - 1) - p
        borders += [edge, edge + o - (s - 1)]        # the last element's zeros are dropped
    if any(borders):
        x = pad(x, borders)
    out = _conv(x, _transposed_to_conv_weight(weight, groups, dims), bias, 1, 0, dilation,
                groups, dims)
    return out.squeeze(0) if unbatched else out


def _transposed_by_input_grad(x, weight, bias, stride, padding, output_padding, groups,
                              dilation):
    """conv_transpose as the input gradient of the convolution it transposes (x batched): the
    full output, (n - 1) s + d (k - 1) + 1 + output_padding long (the padding's rows get no
    window: zeros), then the padding cut from both sides. Takes output_padding < stride,
    where that full length gives back x's sizes as the convolution's output."""
    if x.ndim == 3:                              # (N, C, L) as (N, C, 1, L)
        out = _transposed_by_input_grad(x.unsqueeze(2), weight.unsqueeze(2), bias,
                                        (1,) + stride, (0,) + padding, (0,) + output_padding,
                                        groups, (1,) + dilation)
        return out.squeeze(2)
    kernel = tuple(weight.shape[2:])
    full = tuple((n - 1) * s + d * (k - 1) + 1 + o for n, s, d, k, o in
                 zip(x.shape[2:], stride, dilation, kernel, output_padding))
    shape = (x.shape[0], weight.shape[1] * groups) + full
    out = _Conv.InputGrad.apply(x, weight, shape, stride, dilation, groups)
    if any(padding):
        out = out[(slice(None), slice(None))
                  + tuple(slice(p, n - p) for p, n in zip(padding, full))]
    if bias is not None:
        out = out + bias.reshape((1, -1) + (1,) * len(full))
    return out


@autocast_op('conv_transpose2d')
@grad_fn_named('ConvolutionBackward0')
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution over (N, C, H, W) or (C, H, W), weight (in_channels,
    out_channels / groups, kh, kw)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


@autocast_op('conv_transpose1d')
@grad_fn_named('ConvolutionBackward0')
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution over (N, C, L) or (C, L), weight (in_channels,
    out_channels / groups, k)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)


@autocast_op('conv_transpose3d')
@grad_fn_named('ConvolutionBackward0')
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution over (N, C, D, H, W) or (C, D, H, W), weight (in_channels,
    out_channels / groups, kd, kh, kw)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3)


# ---- interpolation: source positions computed on the host, then gathers (and lerps) ----------

_INTERPOLATING_MODES = ('linear', 'bilinear', 'bicubic', 'trilinear')
# the input dims each mode takes (None: 3-D to 5-D)
_MODE_DIMS = {'nearest': None, 'nearest-exact': None, 'area': None, 'linear': 3,
              'bilinear': 4, 'trilinear': 5, 'bicubic': 4}


def _interpolate_sizes(input, size, scale_factor, recompute_scale_factor):
    """Output sizes and the scale factors the kernels see (None: in / out), as PyTorch's
    interpolate works them out."""
    dims = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError('only one of size or scale_factor should be defined')
    if size is not None:
        if recompute_scale_factor:
            raise ValueError('recompute_scale_factor is not meaningful with an explicit size.')
        if isinstance(size, (list, tuple)):
            if len(size) != dims:
                raise ValueError('Input and output must have the same number of spatial '
                                 'dimensions, but got input with spatial dimensions of '
                                 f'{list(input.shape[2:])} and output size of {size}. Please '
                                 'provide input tensor in (N, C, d1, d2, ...,dK) format and '
                                 'output size in (o1, o2, ...,oK) format.')
            if not all(isinstance(n, (int, np.integer)) for n in size):
                raise TypeError('expected size to be one of int or Tuple[int] or Tuple[int, '
                                'int] or Tuple[int, int, int], but got size with types '
                                f'{[type(n) for n in size]}')
            return [int(n) for n in size], [None] * dims
        return [size] * dims, [None] * dims
    if scale_factor is None:
        raise ValueError('either size or scale_factor should be defined')
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != dims:
            raise ValueError('Input and scale_factor must have the same number of spatial '
                             'dimensions, but got input with spatial dimensions of '
                             f'{list(input.shape[2:])} and scale_factor of shape {scale_factor}'
                             '. Please provide input tensor in (N, C, d1, d2, ...,dK) format '
                             'and scale_factor in (s1, s2, ...,sK) format.')
        factors = list(scale_factor)
    else:
        factors = [scale_factor] * dims
    sizes = [int(math.floor(n * f)) for n, f in zip(input.shape[2:], factors)]
    return sizes, [None] * dims if recompute_scale_factor else factors


def _nearest_sources(size, out_size, factor, exact=False):
    """floor(dst * scale) clamped to the input ('nearest-exact': floor((dst + 0.5) * scale)),
    scale in float32 as PyTorch's kernel has it."""
    scale = np.float32(1.0 / factor) if factor else np.float32(size) / np.float32(out_size)
    dst = np.arange(out_size, dtype=np.float32) + np.float32(0.5 if exact else 0)
    return np.minimum(np.floor(dst * scale).astype(np.int64), size - 1)


def _nearest(input, sizes, factors, exact):
    """Each output element is the input's at its nearest source: one gather over the
    flattened spatial dims, so that backward adds each input element's gradients in the
    output's order, as PyTorch's upsample_nearest backward loop does."""
    from ..creation import tensor
    flat = np.zeros((), np.int64)
    for n, out_n, factor in zip(input.shape[2:], sizes, factors):
        flat = flat[..., None] * n + _nearest_sources(n, out_n, factor, exact)
    lead = tuple(input.shape[:2])
    rows = input.reshape(*lead, math.prod(input.shape[2:]))
    out = rows.index_select(2, tensor(flat.reshape(-1), device=input.device))
    return out.reshape(*lead, *sizes)


def _source_positions(size, out_size, factor, align_corners, np_dtype, cubic=False):
    """Each output position's (fractional) position in the input."""
    dst = np.arange(out_size, dtype=np_dtype)
    if align_corners:
        scale = np_dtype((size - 1) / (out_size - 1)) if out_size > 1 else np_dtype(0)
        return dst * scale
    scale = np_dtype(1.0 / factor) if factor and factor > 0 else np_dtype(size / out_size)
    src = scale * (dst + np_dtype(0.5)) - np_dtype(0.5)
    return src if cubic else np.maximum(src, np_dtype(0))


def _linear_sources(size, out_size, factor, align_corners, np_dtype):
    """The two neighbours and the weight of the second, for each output position."""
    src = _source_positions(size, out_size, factor, align_corners, np_dtype)
    low = src.astype(np.int64)
    high = np.where(low < size - 1, low + 1, low)
    return low, high, np.minimum(src - low, np_dtype(1))


def _cubic_sources(size, out_size, factor, align_corners, np_dtype):
    """The four neighbours (clamped to the input) and their weights: Keys' cubic convolution
    with a = -0.75, as PyTorch's bicubic."""
    src = _source_positions(size, out_size, factor, align_corners, np_dtype, cubic=True)
    floor = np.floor(src)
    t = src - floor
    a = np_dtype(-0.75)

    def near(x):                                  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):                                   # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    first = floor.astype(np.int64) - 1
    return ([np.clip(first + k, 0, size - 1) for k in range(4)],
            [far(t + 1), near(t), near(1 - t), far(2 - t)])


def _check_interpolate_input(input, mode, sizes):
    """PyTorch's dtype and size checks of each mode's kernel."""
    dims = input.ndim - 2
    # PyTorch resizes byte images by nearest modes, and by bilinear or bicubic in 2d
    images = mode in ('nearest', 'nearest-exact') or dims == 2 and mode != 'area'
    if not input.is_floating_point() and not (input.dtype is _dtype.uint8 and images):
        kind = {'nearest': 'nearest', 'nearest-exact': 'nearest', 'linear': 'linear',
                'bilinear': 'linear', 'trilinear': 'linear', 'bicubic': 'cubic'}.get(mode)
        if mode == 'area':
            kernel = 'adaptive_avg_pool3d_cpu' if dims == 3 else 'adaptive_avg_pool2d'
        elif dims == 2 and kind != 'cubic':
            kernel = f"upsample_{'nearest' if kind == 'nearest' else 'bilinear'}2d_channels_last"
        else:
            kernel = f'compute_indices_weights_{kind}'
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_type_name(input.dtype)}'")
    if mode == 'area':
        if dims == 3:
            for dim in range(1, 5):
                if input.shape[dim] == 0:
                    raise RuntimeError('adaptive_avg_pool3d(): Expected input to have non-zero '
                                       'size for non-batch dimensions, but input has sizes '
                                       f'{list(input.shape)} with dimension {dim} being empty')
        return
    if min(input.shape[2:]) <= 0 or min(sizes) <= 0:
        names = 'DHW'[3 - dims:]
        shown = [', '.join(f'{name}: {n}' for name, n in zip(names, ns))
                 for ns in (input.shape[2:], sizes)]
        raise RuntimeError('Input and output sizes should be greater than 0, but got input '
                           f"({shown[0]}) {'and ' if dims == 1 else ''}output ({shown[1]})")
    if input.shape[1] == 0:
        raise RuntimeError(f'Non-empty {input.ndim}D data tensor expected but got a tensor with '
                           f'sizes {list(input.shape)}')


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of (N, C, L), (N, C, H, W) or (N, C, D, H, W) inputs one dim
    after the other: 'nearest' picks floor(dst * in / out) ('nearest-exact' rounds instead),
    'area' averages PyTorch's adaptive windows, 'linear'/'bilinear'/'trilinear' mix the two
    neighbours of each source position and 'bicubic' four (align_corners: the corner pixels'
    centres line up)."""
    from ..creation import tensor
    if mode in ('nearest', 'area', 'nearest-exact'):
        if align_corners is not None:
            raise ValueError('align_corners option can only be set with the interpolating '
                             'modes: linear | bilinear | bicubic | trilinear')
    elif align_corners is None:
        align_corners = False
    sizes, factors = _interpolate_sizes(input, size, scale_factor, recompute_scale_factor)
    if antialias:
        if mode not in ('bilinear', 'bicubic', 'lanczos') or input.ndim != 4:
            raise ValueError('Anti-alias option is restricted to bilinear, bicubic, and lanczos '
                             'modes and requires a 4-D tensor as input')
        raise NotImplementedError('interpolate: antialias is not supported by microtorch')
    if mode == 'lanczos' and input.ndim == 4:
        raise ValueError('Lanczos mode requires antialias=True')
    wanted = _MODE_DIMS.get(mode)
    if input.ndim not in (3, 4, 5) or mode not in _MODE_DIMS or (
            wanted == 4 and input.ndim != 4 and mode == 'bicubic'):
        raise NotImplementedError('Input Error: Only 3D, 4D and 5D input Tensors supported (got '
                                  f'{input.ndim}D) for the modes: nearest | linear | bilinear | '
                                  f'bicubic | trilinear | lanczos | area | nearest-exact (got '
                                  f'{mode})')
    if wanted is not None and input.ndim != wanted:
        raise NotImplementedError(f'Got {input.ndim}D input, but {mode} mode needs {wanted}D '
                                  'input')
    _check_interpolate_input(input, mode, sizes)
    if input.dtype is _dtype.uint8 and mode not in ('nearest', 'nearest-exact'):
        # images: interpolated in float32, then rounded and clamped back to bytes
        out = interpolate(input.float(), size, scale_factor, mode, align_corners,
                          recompute_scale_factor, antialias)
        return out.round().clamp(0, 255).to(_dtype.uint8)
    if mode == 'area' and input.ndim < 5:        # PyTorch's own route, with its checks
        pool = adaptive_avg_pool1d if input.ndim == 3 else adaptive_avg_pool2d
        return pool(input, sizes[0] if input.ndim == 3 else sizes)
    if mode in ('nearest', 'nearest-exact'):
        return _nearest(input, sizes, factors, mode == 'nearest-exact')
    out = input
    np_dtype = np.dtype(input._data.dtype).type
    for axis, (n, out_n, factor) in enumerate(zip(input.shape[2:], sizes, factors)):
        dim = 2 + axis
        if mode == 'area':                        # the sizes alone set the windows
            out = _adaptive_mean(out, dim, out_n)
            continue
        shape = (out_n,) + (1,) * (input.ndim - 1 - dim)

        def along(index, weight=None):            # the input at index, times weight
            picked = out.index_select(dim, tensor(index, device=input.device))
            return picked if weight is None else picked * tensor(
                weight.reshape(shape), dtype=input.dtype, device=input.device)
        if mode == 'bicubic':
            indices, weights = _cubic_sources(n, out_n, factor, align_corners, np_dtype)
            terms = [along(index, weight) for index, weight in zip(indices, weights)]
            out = terms[0] + terms[1] + terms[2] + terms[3]
            continue
        low, high, weight = _linear_sources(n, out_n, factor, align_corners, np_dtype)
        # the weighted sum, as PyTorch: low + t * (high - low) turns an inf at low into nan
        out = along(low, 1 - weight) + along(high, weight)
    return out


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    """interpolate under its old, deprecated name (warns, as PyTorch's)."""
    _deprecated_upsample('upsample')
    return interpolate(input, size, scale_factor, mode, align_corners)


# ---- bilinear and attention ---------------------------------------------------------------

@autocast_op('bilinear')
def bilinear(input1, input2, weight, bias=None):
    """y_k = x1 A_k x2 + b_k for weight (out, in1, in2): one matmul of x1 with the weight laid
    out (in1, out * in2), then a product with x2 summed over in2."""
    named = [('input1', input1), ('input2', input2), ('weight', weight)] + \
        ([('bias', bias)] if bias is not None else [])
    if len({t.dtype for _, t in named}) > 1:
        raise RuntimeError('All tensors must have the same dtype, got ' + ', '.join(
            f'{name}: {_dtype.c_type_name(t.dtype)}' for name, t in named))
    if input1.ndim != input2.ndim:
        raise RuntimeError(f'bilinear(): input dimensions do not match: got {input1.ndim} and '
                           f'{input2.ndim}')
    for dim, (a, b) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
        if a != b:
            raise RuntimeError(f'bilinear(): input batch dimensions do not match at dim {dim}: '
                               f'got {a} and {b}')
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f'bilinear(): input1 size does not match weight size: got '
                           f'{input1.shape[-1]} but expected {weight.shape[1]}')
    if weight.ndim != 3:
        raise RuntimeError('number of dimensions must match')
    out_features, in1, in2 = weight.shape
    if input2.shape[-1] != in2:
        raise RuntimeError(f'bilinear(): input2 size does not match weight size: got '
                           f'{input2.shape[-1]} but expected {in2}')
    if bias is not None and (bias.ndim == 0 or bias.shape[0] != out_features):
        raise RuntimeError(f'bilinear(): bias size does not match weight size: got '
                           f'{bias.shape[0] if bias.ndim else 0} but expected {out_features}')
    mixed = input1 @ weight.permute(1, 0, 2).reshape(in1, out_features * in2)
    mixed = mixed.reshape(tuple(input1.shape[:-1]) + (out_features, in2))
    out = (mixed * input2.unsqueeze(-2)).sum(-1, dtype=mixed.dtype)     # ints stay ints
    return out if bias is None else out + bias


def _safe_softmax(scores):
    """softmax over the last dim, except that a row masked out entirely (all -inf) gets zero
    weights and zero gradients, as PyTorch's attention gives, instead of NaN."""
    dead = (scores == -math.inf).all(-1, keepdim=True)
    return _F.softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)


@autocast_op('scaled_dot_product_attention')
def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(q k^T * scale + mask) v over the last two dims, scale 1/sqrt(E) by default; a
    bool mask keeps the True positions, a float mask is added, is_causal keeps the lower
    triangle (a query whose keys are all masked out gets zeros); dropout_p drops attention
    weights (always: F.sdpa has no train flag); enable_gqa shares each key/value head among
    a group of query heads (dim -3)."""
    if query.dtype is not key.dtype or query.dtype is not value.dtype:
        raise RuntimeError('Expected query, key, and value to have the same dtype, but got '
                           f'query.dtype: {_dtype.c_type_name(query.dtype)} key.dtype: '
                           f'{_dtype.c_type_name(key.dtype)} and value.dtype: '
                           f'{_dtype.c_type_name(value.dtype)} instead.')
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError('Expected query, key, and value to all be  at least 2 dimensional, '
                           f'but got query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: '
                           f'{value.ndim} instead.')
    if (attn_mask is not None and attn_mask.dtype is not _dtype.bool_
            and attn_mask.dtype is not query.dtype):
        raise RuntimeError('Expected attn_mask dtype to be bool or float or to match query '
                           'dtype, but got attn_mask.dtype: '
                           f'{_dtype.c_type_name(attn_mask.dtype)} and  query.dtype: '
                           f'{_dtype.c_type_name(query.dtype)} instead.')
    if dropout_p > 1.0:
        raise RuntimeError(f'dropout probability has to be between 0 and 1, but got '
                           f'{dropout_p}')
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f'Expected query and key to have the same embedding dimension, got '
                           f'{query.shape[-1]} and {key.shape[-1]}')
    if is_causal and attn_mask is not None:
        raise RuntimeError('_scaled_dot_product_attention: Explicit attn_mask should not be set '
                           'when is_causal=True')
    if enable_gqa:           # grouped-query: each key/value head serves a group of queries
        heads = query.shape[wrap_dim(-3, query.ndim)]
        if heads % key.shape[-3] or heads % value.shape[-3]:
            raise RuntimeError('Number of heads in key and value must divide the number of '
                               'heads in ')
        key = key.repeat_interleave(heads // key.shape[-3], -3)
        value = value.repeat_interleave(heads // value.shape[-3], -3)
    from ..creation import ones
    length, source = query.shape[-2], key.shape[-2]
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * factor
    if is_causal:
        attn_mask = ones(length, source, dtype=_dtype.bool_, device=query.device).tril()
    if attn_mask is not None:
        if attn_mask.dtype is _dtype.bool_:
            scores = scores.masked_fill(attn_mask.logical_not(), -math.inf)
        else:
            scores = scores + attn_mask
    weights = _safe_softmax(scores)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    return weights @ value


# ---- more losses: composites of the elementwise ops, gathers and reductions -----------------

def _reduce_loss(loss, reduction):
    if reduction == 'none':
        return loss
    return loss.sum() if reduction == 'sum' else loss.mean()


_EMBEDDING_EPS = 1e-12          # keeps cosine_embedding_loss's norms away from 0, as PyTorch


@autocast_op('cosine_embedding_loss')
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction='mean'):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1 (0
    elsewhere); cos along the last dim of (N, D) inputs (target (N,)) or (D,) (target ())."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.ndim > 1:
        raise RuntimeError('0D or 1D target tensor expected, multi-target not supported')
    wanted = target.ndim + 1
    if input1.ndim != wanted or input2.ndim != wanted:
        raise RuntimeError(f'{target.ndim}D target tensor expects {wanted}D input tensors, but '
                           f'found inputs with sizes {list(input1.shape)} and '
                           f'{list(input2.shape)}.')
    dim = target.ndim
    dot = (input1 * input2).sum(dim)
    squares = ((input1 * input1).sum(dim) + _EMBEDDING_EPS) * (
        (input2 * input2).sum(dim) + _EMBEDDING_EPS)
    cos = dot / squares.sqrt()
    similar = _F.where(target == 1, 1 - cos, 0.0)
    dissimilar = _F.where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce_loss(similar + dissimilar, reduction)


@autocast_op('margin_ranking_loss')
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction='mean'):
    """max(0, -target * (x1 - x2) + margin): target 1 wants x1 above x2, -1 below."""
    reduction = _reduction(size_average, reduce, reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError('margin_ranking_loss : All input tensors should have same dimension '
                           f'but got sizes: input1: {input1.size()}, input2: {input2.size()}, '
                           f'target: {target.size()} ')
    return _ranking_loss(input1, input2, target, margin, reduction)


def _ranking_loss(input1, input2, target, margin, reduction):
    return _reduce_loss((-target * (input1 - input2) + margin).clamp_min(0), reduction)


@autocast_op('hinge_embedding_loss')
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction='mean'):
    """x where target is 1, max(0, margin - x) where it is -1 (both terms for any other
    target, as PyTorch's)."""
    reduction = _reduction(size_average, reduce, reduction)
    below_margin = _F.where(target != 1, (margin - input).clamp_min(0), 0.0)
    return _reduce_loss(below_margin + _F.where(target != -1, input, 0.0), reduction)


@autocast_op('soft_margin_loss')
@grad_fn_named('SoftMarginLossBackward0')
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """log(1 + exp(-target * x)) (softplus: finite for large products)."""
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce_loss(softplus(-input * target), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction='mean'):
    """Binary cross entropy with logits per class (the last dim), weighted, averaged over the
    classes: one loss per sample."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.size(class_dim)
    if reduction not in _REDUCTIONS:           # PyTorch checks after it has computed
        raise ValueError(f'{reduction} is not valid')
    return _reduce_loss(loss, reduction)


def _check_margin_input(input):
    ndim = input.ndim
    if not (ndim == 0 or (ndim in (1, 2) and input.shape[-1] != 0)):
        raise RuntimeError('Expected non-empty vector or matrix with optional 0-dim batch '
                           f'size, but got: {list(input.shape)}')


def _refuse_integers(input, kernel):
    """PyTorch's error for a kernel that has no integer or bool form."""
    _F._refuse_dtype(input, kernel, ('b', 'i', 'u'))


def _check_long_target(target):
    if target.dtype is not _dtype.int64:
        raise RuntimeError(f'expected scalar type Long but found {_type_name(target.dtype)}')


def _any_outside(target, low, high):
    xp = target._backend_xp()
    return bool(xp.any((target._data < low) | (target._data >= high)))


@autocast_op('multi_margin_loss')
@grad_fn_named('MultiMarginLossBackward0')
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction='mean'):
    """Per sample: sum over the classes i other than the target y of max(0, margin - x[y] +
    x[i]) ** p, times weight[y], over the number of classes."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError('only p == 1 and p == 2 supported')
    if weight is not None and weight.ndim != 1:
        raise ValueError('weight must be one-dimensional')
    _check_margin_input(input)
    samples = input.shape[0] if input.ndim == 2 else 1
    classes = input.shape[-1] if input.ndim else 1
    if target.ndim > 1 or target.numel() != samples:
        raise RuntimeError('multi_margin_loss: target tensor should be 1-D with size equal to '
                           'the number of input samples (batch size). Expected target size '
                           f'[{samples}], but got {list(target.shape)}. Input has shape '
                           f'{list(input.shape)}.')
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f'inconsistent weight size, expected {classes} but got '
                           f'{list(weight.shape)}')
    _refuse_integers(input, f'multi_margin_loss_{input.device.type}_kernel')
    _check_long_target(target)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f'expected scalar type {_type_name(input.dtype)} but found '
                           f'{_type_name(weight.dtype)}')
    _F.check_same_device(input, target)
    if _any_outside(target, 0, classes):
        raise RuntimeError('target out of range')
    scores = input.reshape(samples, classes)
    labels = target.reshape(samples, 1)
    from ..creation import arange
    is_label = labels == arange(classes, device=input.device)
    gaps = (margin - scores.gather(1, labels) + scores).clamp_min(0)
    if p == 2:
        gaps = gaps * gaps
    if weight is not None:
        gaps = gaps * weight.detach()[labels]
    loss = gaps.masked_fill(is_label, 0.0).sum(1) / classes
    if reduction == 'none':
        return loss.reshape(target.shape) if input.ndim < 2 else loss
    return _reduce_loss(loss, reduction)


@autocast_op('multilabel_margin_loss')
@grad_fn_named('MultilabelMarginLossBackward0')
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """Per sample: target lists class indices (up to the first -1); the sum over the listed
    classes j and the unlisted i of max(0, 1 - (x[j] - x[i])), over the number of classes."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_margin_input(input)
    classes = input.shape[-1] if input.ndim else 1
    if input.ndim <= 1:
        fits = target.ndim <= 1 and target.numel() == classes
    else:
        fits = tuple(target.shape) == tuple(input.shape)
    if not fits:
        raise RuntimeError(f'inconsistent target size: {list(target.shape)} for input of size: '
                           f'{list(input.shape)}')
    _refuse_integers(input, 'multilabel_margin_loss_forward_out_frame')
    _check_long_target(target)
    _F.check_same_device(input, target)
    if _any_outside(target, -1, classes):
        raise RuntimeError("argument #2 'target' is out of range")
    samples = input.shape[0] if input.ndim == 2 else 1
    scores, labels = input.reshape(samples, classes), target.reshape(samples, classes)
    listed = (labels != -1).to(_dtype.int64).cumprod(1) == 1     # up to the first -1
    safe_labels = labels.where(listed, 0)
    from ..creation import zeros
    counts = zeros(samples, classes, dtype=_dtype.int64, device=input.device)
    is_label = counts.scatter_add(1, safe_labels, listed.to(_dtype.int64)) > 0
    label_scores = scores.gather(1, safe_labels)
    # (sample, listed slot j, class i)
    gaps = (1 - label_scores.unsqueeze(2) + scores.unsqueeze(1)).clamp_min(0)
    pairs = listed.unsqueeze(2).logical_and(is_label.logical_not().unsqueeze(1))
    loss = gaps.masked_fill(pairs.logical_not(), 0.0).sum((1, 2)) / classes
    if reduction == 'none':
        return loss.reshape(()) if input.ndim < 2 else loss
    return _reduce_loss(loss, reduction)


def _check_triplet_dims(anchor, positive, negative):
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError('The anchor, positive, and negative tensors are expected to have the '
                           f'same number of dimensions, but got: anchor {anchor.ndim}D, '
                           f'positive {positive.ndim}D, and negative {negative.ndim}D inputs')


def _triplet_loss(anchor, positive, negative, distance, margin, swap, reduction):
    closer = distance(anchor, positive)
    farther = distance(anchor, negative)
    if swap:                             # the positive may be nearer the negative
        farther = _F.minimum(farther, distance(positive, negative))
    return _reduce_loss((margin + closer - farther).clamp_min(0), reduction)


@autocast_op('triplet_margin_loss')
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction='mean'):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)), d the p-norm distance
    (pairwise_distance); swap: d(anchor, negative) or d(positive, negative), the smaller."""
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f'margin must be greater than 0, got {margin}')
    _check_triplet_dims(anchor, positive, negative)
    return _triplet_loss(anchor, positive, negative,
                         lambda a, b: pairwise_distance(a, b, p, eps), margin, swap, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction='mean'):
    """triplet_margin_loss with any distance (pairwise_distance by default)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{reduction} is not a valid value for reduction')
    if margin <= 0:
        raise ValueError(f'margin must be greater than 0, got {margin}')
    _check_triplet_dims(anchor, positive, negative)
    return _triplet_loss(anchor, positive, negative, distance_function or pairwise_distance,
                         margin, swap, reduction)


def _check_gaussian_var_shape(input, var):
    """var of input's shape, of its shape less the last dim (one variance per sample), or
    broadcasting to it along one dim of size 1, as PyTorch allows."""
    if var.shape == input.shape:
        return var
    if var.shape == input.shape[:-1]:
        return var.unsqueeze(-1)
    if var.ndim == input.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1:
        return var
    raise ValueError('var is of incorrect size')


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    """0.5 * (log(var) + (input - target) ** 2 / var) (+ 0.5 log(2 pi) with full), var
    clamped below at eps - in value only: its gradient flows as if unclamped (PyTorch's)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError('var has negative entry/entries')
        from ..creation import full as filled
        var = filled(tuple(input.shape), var, dtype=input.dtype, device=input.device)
    elif bool((var < 0).any()):
        raise ValueError('var has negative entry/entries')
    var = _check_gaussian_var_shape(input, var)
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{reduction} is not valid')
    var = var + (var.clamp_min(eps) - var).detach()
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce_loss(loss, reduction)


@autocast_op('poisson_nll_loss')
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction='mean'):
    """exp(x) - target * x for a log-rate x (log_input), else x - target * log(x + eps);
    full adds Stirling's approximation of log(target!) where target > 1."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{reduction} is not a valid value for reduction')
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        stirling = stirling.masked_fill(target <= 1, 0.0)
        # PyTorch adds it in place: the loss keeps its floating dtype
        loss = loss + (stirling.to(loss.dtype) if loss.is_floating_point() else stirling)
    return _reduce_loss(loss, reduction)


# ---- GLU, RMS norm, local response norm -----------------------------------------------------

@grad_fn_named('GluBackward0')
def glu(input, dim=-1):
    """The first half of input along dim, gated by the sigmoid of the second half."""
    if input.ndim == 0:
        raise RuntimeError('glu does not support scalars because halving size must be even')
    dim = wrap_dim(dim, input.ndim)
    if input.shape[dim] % 2:
        raise RuntimeError(f'Halving dimension must be even, but dimension {dim} is size '
                           f'{input.shape[dim]}')
    _require_floating(input, 'glu')
    value, gate = input.chunk(2, dim)
    return value * gate.sigmoid()


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the last len(normalized_shape) dims, times weight; eps
    None: the machine epsilon of input's dtype."""
    if isinstance(normalized_shape, int):
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of "
                        'ints, not int')
    normalized_shape = tuple(normalized_shape)
    count = len(normalized_shape)
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise RuntimeError('Expected weight to be of same shape as normalized_shape, but got '
                           f'weight of shape {list(weight.shape)} and normalized_shape = '
                           f'{list(normalized_shape)}')
    if input.ndim < count or tuple(input.shape[input.ndim - count:]) != normalized_shape:
        raise RuntimeError(f'Given normalized_shape={list(normalized_shape)}, expected input '
                           f'with shape [*{", ".join(map(str, normalized_shape))}], but got '
                           f'input of size{list(input.shape)}')
    _refuse_integers(input, 'rms_norm')
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.ndim - count, input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    if weight is None:
        return out
    out = out * weight
    # a half input with a float weight: PyTorch's mixed kernel writes the input's dtype
    return out.to(input.dtype) if input.dtype.itemsize < 4 else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels) ** beta, the window
    running from size // 2 channels before to (size - 1) // 2 after (zeros past the ends)."""
    if input.ndim < 3:
        raise ValueError('Expected 3D or higher dimensionality                          input '
                         f'(got {input.ndim} dimensions)')
    if input.numel() == 0:
        return input
    window = _channel_window_sum(input * input, size // 2, (size - 1) // 2)
    return input / (window * (alpha / size) + k) ** beta


def _channel_window_sum(squares, before, after):
    """The sum of squares over channels c - before .. c + after (dim 1; zeros past the
    ends)."""
    padded = pad(squares.movedim(1, -1), (before, after))
    channels = squares.shape[1]
    window = padded.narrow(-1, 0, channels)
    for shift in range(1, before + after + 1):
        window = window + padded.narrow(-1, shift, channels)
    return window.movedim(-1, 1)


# ---- pixel shuffles, fold and unfold: reshapes, permutes and gathers ------------------------

def _check_shuffle(input, name, factor, factor_name):
    if input.ndim < 3:
        raise RuntimeError(f'{name} expects input to have at least 3 dimensions, but got input '
                           f'with {input.ndim} dimension(s)')
    if factor <= 0:
        raise RuntimeError(f'{name} expects a positive {factor_name}, but got {factor}')


@grad_fn_named('PixelShuffleBackward0')
def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each channel's r x r group becomes a block."""
    r = upscale_factor
    _check_shuffle(input, 'pixel_shuffle', r, 'upscale_factor')
    channels, height, width = input.shape[-3:]
    if channels % (r * r):
        raise RuntimeError("pixel_shuffle expects its input's 'channel' dimension to be "
                           'divisible by the square of upscale_factor, but input.size(-3)='
                           f'{channels} is not divisible by {r * r}')
    lead = tuple(input.shape[:-3])
    n = len(lead)
    blocks = input.reshape(lead + (channels // (r * r), r, r, height, width))
    blocks = blocks.permute(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return blocks.reshape(lead + (channels // (r * r), height * r, width * r))


@grad_fn_named('PixelUnshuffleBackward0')
def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W): pixel_shuffle undone."""
    r = downscale_factor
    _check_shuffle(input, 'pixel_unshuffle', r, 'downscale_factor')
    channels, height, width = input.shape[-3:]
    for name, size, dim in (('height', height, -2), ('width', width, -1)):
        if size % r:
            raise RuntimeError(f'pixel_unshuffle expects {name} to be divisible by '
                               f'downscale_factor, but input.size({dim})={size} is not '
                               f'divisible by {r}')
    lead = tuple(input.shape[:-3])
    n = len(lead)
    blocks = input.reshape(lead + (channels, height // r, r, width // r, r))
    blocks = blocks.permute(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return blocks.reshape(lead + (channels * r * r, height // r, width // r))


def _int_pair(value, name):
    """An int or a sequence of two, as PyTorch's argument parser takes an int[2]."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2:
        raise RuntimeError(f'It is expected {name} equals to 2, but got size {len(values)}')
    return tuple(int(v) for v in values)


def _check_block_arguments(kernel, dilation, padding, stride):
    """im2col's and col2im's checks of their window arguments (PyTorch's order)."""
    for name, (a, b), low in (('kernel size', kernel, 1), ('dilation', dilation, 1)):
        if min(a, b) < low:
            raise RuntimeError(f'{name} should be greater than zero, but got '
                               f"{name.split()[0]}_height: {a} {name.split()[0]}_width: {b}")
    if min(padding) < 0:
        raise RuntimeError('padding should be non-negative, but got pad_height: '
                           f'{padding[0]} pad_width: {padding[1]}')
    if min(stride) < 1:
        raise RuntimeError('stride should be greater than zero, but got stride_height: '
                           f'{stride[0]} stride_width: {stride[1]}')


def _block_counts(sizes, kernel, dilation, padding, stride):
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, d, p, s in zip(sizes, kernel, dilation, padding, stride))


def _described_blocks(sizes, kernel, dilation, padding, stride=None):
    text = (f'({sizes[0]}, {sizes[1]}), kernel_size=({kernel[0]}, {kernel[1]}), dilation='
            f'({dilation[0]}, {dilation[1]}), padding=({padding[0]}, {padding[1]})')
    return text if stride is None else text + f', stride=({stride[0]}, {stride[1]})'


@grad_fn_named('Im2ColBackward0')
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C * kh * kw, L), column l the l-th window (row-major over
    the output positions), its rows channel by channel, each kernel row by row."""
    kernel, dilation = _int_pair(kernel_size, 'kernel_size'), _int_pair(dilation, 'dilation')
    padding, stride = _int_pair(padding, 'padding'), _int_pair(stride, 'stride')
    _check_block_arguments(kernel, dilation, padding, stride)
    if input.ndim < 3:
        wrap_dim(2, input.ndim)                  # PyTorch reads size(2) first: its IndexError
    if input.ndim not in (3, 4) or 0 in input.shape[input.ndim - 3:]:
        raise RuntimeError('Expected 3D or 4D (batch mode) tensor with possibly 0 batch size '
                           'and other non-zero dimensions for input, but got: '
                           f'{list(input.shape)}')
    sizes = tuple(input.shape[-2:])
    counts = _block_counts(sizes, kernel, dilation, padding, stride)
    if min(counts) < 1:
        raise RuntimeError(f'Given input with spatial size '
                           f'{_described_blocks(sizes, kernel, dilation, padding)}, calculated '
                           f'shape of the array of sliding blocks as ({counts[0]}, {counts[1]}),'
                           ' but its components must be at least one.')
    _F._refuse_dtype(input, 'im2col_out_' + input.device.type, 'iu')   # floats and bools
    x, unbatched = _batched(input, 'unfold')
    if any(padding):
        x = pad(x, (padding[1], padding[1], padding[0], padding[0]))
    windows = _windows(x, kernel, stride, dilation)           # (N, C, Ho, Wo, kh, kw)
    n, channels = windows.shape[:2]
    columns = windows.permute(0, 1, 4, 5, 2, 3).reshape(
        n, channels * kernel[0] * kernel[1], counts[0] * counts[1])
    return columns.squeeze(0) if unbatched else columns


@grad_fn_named('Col2ImBackward0')
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, unfold's adjoint: (N, C * kh * kw, L) -> (N, C, H, W), each column's values
    added into its window of the (padded) output; the padding is cut off at the end."""
    sizes = _int_pair(output_size, 'output_size')
    kernel, dilation = _int_pair(kernel_size, 'kernel_size'), _int_pair(dilation, 'dilation')
    padding, stride = _int_pair(padding, 'padding'), _int_pair(stride, 'stride')
    _check_block_arguments(kernel, dilation, padding, stride)
    if input.ndim not in (2, 3) or 0 in input.shape[input.ndim - 2:]:
        raise RuntimeError('Expected 2D or 3D (batch mode) tensor for input with possibly 0 '
                           'batch size and non-zero dimensions for input, but got: '
                           f'{list(input.shape)}')
    rows, length = input.shape[-2:]
    per_block = kernel[0] * kernel[1]
    if rows % per_block:
        raise RuntimeError("Expected size of input's dimension 1 to be divisible by the product "
                           f'of kernel_size, but got input.size(1)={rows} and kernel_size='
                           f'({kernel[0]}, {kernel[1]}).')
    counts = _block_counts(sizes, kernel, dilation, padding, stride)
    described = _described_blocks(sizes, kernel, dilation, padding, stride)
    if length != counts[0] * counts[1]:
        raise RuntimeError(f'Given output_size={described}, expected size of input\'s dimension '
                           f'2 to match the calculated number of sliding blocks {counts[0]} * '
                           f'{counts[1]} = {counts[0] * counts[1]}, but got input.size(2)='
                           f'{length}.')
    if min(counts) < 1:
        raise RuntimeError(f'Given output_size={described}, calculated shape of the array of '
                           f'sliding blocks as ({counts[0]}, {counts[1]}), which is too small '
                           '(non-positive)')
    _F._refuse_dtype(input, 'col2im_out_' + input.device.type, 'iu')   # floats and bools
    from ..creation import tensor, zeros
    x = input.unsqueeze(0) if input.ndim == 2 else input
    n, channels = x.shape[0], rows // per_block
    height, width = sizes[0] + 2 * padding[0], sizes[1] + 2 * padding[1]
    # where each (kernel row, kernel column, block row, block column) element lands in the
    # padded output, as a flat index
    top = np.arange(kernel[0])[:, None] * dilation[0] + np.arange(counts[0]) * stride[0]
    left = np.arange(kernel[1])[:, None] * dilation[1] + np.arange(counts[1]) * stride[1]
    flat = (top[:, None, :, None] * width + left[None, :, None, :]).reshape(-1)
    where = tensor(flat, device=input.device)
    out = zeros(n, channels, height * width, dtype=input.dtype, device=input.device)
    out = out.index_add(2, where, x.reshape(n, channels, per_block * length))
    out = out.reshape(n, channels, height, width)
    out = out[:, :, padding[0]:padding[0] + sizes[0], padding[1]:padding[1] + sizes[1]]
    return out.squeeze(0) if input.ndim == 2 else out


# ---- alpha dropout and randomized leaky ReLU: draws from the generator, then composites ----

# SELU's negative saturation value, -scale * alpha: where alpha dropout sends dropped inputs
_ALPHA_DROPPED = _SELU_ALPHA * _SELU_SCALE


def _alpha_dropout(input, p, training, inplace, feature):
    """Dropped elements (or whole channels) go to SELU's saturation value, then an affine map
    a * x + b restores the mean and variance of a standard normal input."""
    _check_dropout_p(p)
    if feature and input.ndim < 2 and training:
        raise RuntimeError('Feature dropout requires at least 2 dimensions in the input')
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:                              # PyTorch multiplies by zero
        return input.mul_(0.0) if inplace else input * 0.0
    from ..creation import empty, memory_order
    if feature:
        shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
        keep = empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)
    else:                                   # drawn in input's memory order, as dropout's mask
        order = memory_order(input)
        keep = empty(tuple(input.shape[d] for d in order), dtype=input.dtype,
                     device=input.device).bernoulli_(1 - p).permute(*np.argsort(order).tolist())
    a = 1.0 / math.sqrt((_ALPHA_DROPPED ** 2 * p + 1) * (1 - p))
    shift = (keep - 1) * (_ALPHA_DROPPED * a) + _ALPHA_DROPPED * a * p
    if inplace:
        return input.mul_(keep * a).add_(shift)
    return input * (keep * a) + shift


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: keeps a standard normal input's mean and variance."""
    return _alpha_dropout(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels (dim 1 of an (N, C, ...) input)."""
    return _alpha_dropout(input, p, training, inplace, feature=True)


@grad_fn_named('RreluWithNoiseBackward0')
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x above 0; below, x times a slope drawn uniformly from [lower, upper] per element in
    training, (lower + upper) / 2 otherwise."""
    if lower > upper:
        raise RuntimeError('Lower bound should be less than or equal to the upper bound')
    if not training:
        if not input.is_floating_point():
            raise NotImplementedError(f'"leaky_relu_{input.device.type}" not implemented for '
                                      f"'{_type_name(input.dtype)}'")
        return leaky_relu(input, (lower + upper) / 2, inplace)
    _require_floating(input, 'rrelu_with_noise_out')
    # As PyTorch: one float64 uniform per element <= 0, in order, between the bounds
    # rounded to the op's float type (float32 below float64); the others' slope is 1.
    backend = _backends.for_array(input._data)
    np_dtype = input._data.dtype
    bound = np.float64 if np_dtype == np.float64 else np.float32
    at_most_zero = np.asarray(backend.to_host(input._data)) <= 0
    host_slopes = np.ones(at_most_zero.shape, np_dtype)
    host_slopes[at_most_zero] = _generator.stream.uniform(
        (int(at_most_zero.sum()),), np.float64, float(bound(lower)),
        float(bound(upper))).astype(np_dtype)
    slopes = Tensor._make(backend.from_host(host_slopes, backend.device_of(input._data)))
    if inplace:
        return _inplace(input, lambda x: _F.where(x > 0, x, x * slopes))
    return _F.where(input > 0, input, input * slopes)


# ---- power-average pooling, max unpooling -------------------------------------------------

def _lp_root(averages, count, norm_type):
    """(count * average) ** (1 / p), negative averages (from odd p) sent to 0 first."""
    return (averages.sign() * averages.abs().relu()).mul(count).pow(1.0 / norm_type)


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, dims, average_pool):
    """(sum of x ** p over each window) ** (1 / p): the windows' means of x ** p by the
    average pool of `dims` dims, times the window's size."""
    kernel = (kernel_size,) * dims if isinstance(kernel_size, int) else kernel_size
    count = math.prod(_unpack_exactly(kernel, dims))
    averages = average_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_root(averages, count, norm_type)


def _unpack_exactly(values, count):
    """values as a tuple of count, failing as Python's unpacking of that many does."""
    values = tuple(values)
    if len(values) != count:
        raise ValueError(f'not enough values to unpack (expected {count}, got {len(values)})'
                         if len(values) < count else
                         f'too many values to unpack (expected {count})')
    return values


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x ** p over each window) ** (1 / p), by avg_pool1d."""
    averages = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_root(averages, kernel_size, norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x ** p over each window) ** (1 / p), by avg_pool2d."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 2, avg_pool2d)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum of x ** p over each window) ** (1 / p), by avg_pool3d."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, 3, avg_pool3d)


def _unpool_sizes(input, kernel, stride, padding, output_size):
    """PyTorch's output size of max_unpool, checked against the one asked for."""
    dims = len(kernel)
    default = [(input.shape[input.ndim - dims + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(dims)]
    if output_size is None:
        return default
    if len(output_size) == dims + 2:
        output_size = output_size[2:]
    if len(output_size) != dims:
        raise ValueError(f'output_size should be a sequence containing {dims} or {dims + 2} '
                         f"elements, but it has a length of '{len(output_size)}'")
    for d in range(dims):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between '
                             f'{low} and {high})')
    return list(output_size)


def _max_unpool(input, indices, sizes, stride=None):
    """Each value written at its index into zeros of `sizes` per channel (2 or 3 dims); the
    rest stays 0. As PyTorch's max_unpool2d/3d kernels (max_unpool1d runs the 2-d one with a
    width of 1), with their checks in their order."""
    dims = len(sizes)
    if indices.dtype is not _dtype.int64:
        raise RuntimeError('elements in indices should be type int64' + (
            f' but got: {_type_name(indices.dtype)}' if dims == 2 else ''))
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f'Input to max_unpooling{dims}d should be a {dims + 1}d or '
                           f'{dims + 2}d Tensor, but got a tensor with {input.ndim} dimensions.')
    if stride is not None and min(stride) <= 0:        # only the 3-d kernel takes strides
        raise RuntimeError(f'strides should be greater than zero, but got stride: '
                           f'{list(stride)}')
    if indices.shape != input.shape:
        raise RuntimeError('Expected shape of indices to be same as that of the input tensor '
                           f'({list(input.shape)}) but got indices tensor with shape: '
                           f'{list(indices.shape)}')
    _F.check_same_device(input, indices)
    _refuse_integers(input, f'max_unpool{dims}d')
    volume = math.prod(sizes)
    data = indices._data
    bad = (data < 0) | (data >= volume)
    xp = indices._backend_xp()
    if bool(xp.any(bad)):                # PyTorch's kernel names the last one it meets
        last = int(data.reshape(-1)[bad.size - 1 - int(xp.argmax(bad.reshape(-1)[::-1]))])
        raise RuntimeError(f'Found an invalid max index: {last} (output volumes are of size '
                           f'{"x".join(map(str, sizes))})')
    from ..creation import zeros
    lead = tuple(input.shape[:-dims])
    out = zeros(lead + (volume,), dtype=input.dtype, device=input.device)
    out = out.scatter(-1, indices.flatten(-dims), input.flatten(-dims))
    return out.reshape(lead + tuple(sizes))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_pool1d undone: each value back where max_pool1d's indices say, zeros elsewhere."""
    kernel = _ntuple(kernel_size, 'kernel_size', 1)
    stride = kernel if stride is None else _ntuple(stride, 'stride', 1)
    padding = _ntuple(padding, 'padding', 1)
    length, = _unpool_sizes(input, kernel, stride, padding, output_size)
    return _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), (length, 1)).squeeze(-1)


@grad_fn_named('MaxUnpool2DBackward0')
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_pool2d undone: each value back where max_pool2d's indices say, zeros elsewhere."""
    kernel = _pair(kernel_size, 'kernel_size')
    stride = kernel if stride is None else _pair(stride, 'stride')
    padding = _pair(padding, 'padding')
    sizes = _unpool_sizes(input, kernel, stride, padding, output_size)
    return _max_unpool(input, indices, sizes)


@grad_fn_named('MaxUnpool3DBackward0')
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_pool3d undone: each value back where max_pool3d's indices say, zeros elsewhere."""
    def triple(value):
        return (value,) * 3 if isinstance(value, int) else tuple(value)
    kernel = triple(kernel_size)
    stride = kernel if stride is None else triple(stride)
    padding = triple(padding)
    sizes = _unpool_sizes(input, kernel, stride, padding, output_size)
    if len(sizes) != 3:
        raise RuntimeError('There should be exactly three elements (depth, height, width) in '
                           f'output_size, but got {len(sizes)} elements.')
    return _max_unpool(input, indices, sizes, stride)


# ---- Gumbel-softmax, pdist --------------------------------------------------------------------

def gumbel_softmax(logits, tau=1.0, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) along dim, g standard Gumbel noise; hard: the one-hot of
    its largest entry, with the soft sample's gradient (straight through)."""
    if eps != 1e-10:
        warnings.warn('`eps` parameter is deprecated and has no effect.', UserWarning,
                      stacklevel=2)
    from ..creation import empty, zeros
    noise = empty(tuple(logits.shape), dtype=logits.dtype, device=logits.device)
    gumbels = -noise.exponential_().log()
    soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    top = soft.argmax(dim, keepdim=True)
    one_hot = zeros(tuple(logits.shape), dtype=logits.dtype,
                    device=logits.device).scatter(dim, top, 1.0)
    return one_hot - soft.detach() + soft


@autocast_op('pdist')
@grad_fn_named('PdistBackward0')
def pdist(input, p=2):
    """The p-norm distances between the rows of an (N, M) input, pairs (i, j) with i < j in
    row-major order: N (N - 1) / 2 of them."""
    if input.ndim != 2:
        raise RuntimeError(f'pdist only supports 2D tensors, got: {input.ndim}D')
    if not input.is_floating_point():
        raise RuntimeError('pdist only supports floating-point dtypes')
    if p < 0:
        raise RuntimeError('pdist only supports non-negative p values')
    from ..ops.composite import triu_indices
    first, second = triu_indices(input.shape[0], input.shape[0], 1, device=input.device)
    return (input[first] - input[second]).norm(p, -1)


# ---- affine grids and grid sampling: coordinates computed with ops, then gathers ------------

def _warn_align_corners():
    warnings.warn('Default grid_sample and affine_grid behavior has changed to '
                  'align_corners=False since 1.3.0. Please specify align_corners=True if the old '
                  'behavior is desired. See the documentation of grid_sample for details.',
                  UserWarning, stacklevel=user_stacklevel())


def _grid_axis(steps, align_corners, like):
    """steps positions spanning [-1, 1] (pixel corners) or the pixel centres within it."""
    from ..creation import linspace, zeros
    if steps <= 1:
        return zeros(steps, dtype=like.dtype, device=like.device)
    axis = linspace(-1.0, 1.0, steps, dtype=like.dtype, device=like.device)
    return axis if align_corners else axis * ((steps - 1) / steps)


@grad_fn_named('AffineGridGeneratorBackward0')
def affine_grid(theta, size, align_corners=None):
    """The sampling grid of a batch of affine maps theta (N, 2, 3) for an output of size (N,
    C, H, W), or (N, 3, 4) for (N, C, D, H, W): each output position's (x, y[, z]) in [-1, 1]
    coordinates, mapped by theta."""
    if align_corners is None:
        _warn_align_corners()
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f'Expected theta to have floating point type, but got {theta.dtype}')
    dims = len(size) - 2
    if dims in (2, 3):
        if theta.ndim != 3 or tuple(theta.shape[-2:]) != (dims, dims + 1):
            raise ValueError(f'Expected a batch of {dims}D affine matrices of shape '
                             f'Nx{dims}x{dims + 1} for size {size}. Got {theta.shape}.')
    else:
        raise NotImplementedError('affine_grid only supports 4D and 5D sizes, for 2D and 3D '
                                  f'affine transforms, respectively. Got size {size}.')
    spatial = tuple(size[2:])
    if align_corners and min(spatial) == 1:
        warnings.warn('Since version 1.3.0, affine_grid behavior has changed for unit-size '
                      'grids when align_corners=True. This is not an intended use case of '
                      'affine_grid. See the documentation of affine_grid for details.',
                      UserWarning, stacklevel=3)
    elif min(size) <= 0:
        raise ValueError(f'Expected non-zero, positive output size. Got {size}')
    from ..creation import ones
    # (x, y[, z], 1) at every output position, x along the last dim
    axes = [_grid_axis(n, align_corners, theta) for n in spatial]
    columns = []
    for k in range(dims):
        shape = [1] * dims
        shape[dims - 1 - k] = spatial[dims - 1 - k]
        columns.append(axes[dims - 1 - k].reshape(shape).expand(spatial))
    columns.append(ones(spatial, dtype=theta.dtype, device=theta.device))
    base = _F.stack(columns, -1).reshape(1, -1, dims + 1).expand(size[0], -1, dims + 1)
    return base.bmm(theta.transpose(1, 2)).reshape((size[0],) + spatial + (dims,))


def _reflect(coords, twice_low, twice_high):
    """Coordinates reflected about low and high (given doubled) until they fall between."""
    if twice_low == twice_high:
        return coords * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coords - low).abs()
    extra = distance.fmod(span)
    flips = (distance / span).floor()
    return _F.where(flips.remainder(2) == 0, extra + low, span - extra + low)


def _padded(coords, size, padding_mode, align_corners):
    """Input positions along a dim of `size` after padding_mode's clipping or reflection
    ('zeros': left as they are; out-of-range taps read 0)."""
    if padding_mode == 'reflection':
        coords = (_reflect(coords, 0, 2 * (size - 1)) if align_corners
                  else _reflect(coords, -1, 2 * size - 1))
    if padding_mode in ('border', 'reflection'):     # fmin/fmax as PyTorch's: nan goes to 0
        coords = coords.clamp(0, size - 1).masked_fill(coords.isnan(), 0.0)
    return coords


def _source_coordinates(grid_part, size, align_corners):
    """grid values in [-1, 1] as (fractional) input positions along a dim of `size`."""
    if align_corners:
        return (grid_part + 1) * ((size - 1) / 2)
    return ((grid_part + 1) * size - 1) / 2


def _taps(flat, positions, sizes):
    """The input values at integer positions (one tensor per spatial dim, each (N, *out)),
    0 where a position falls outside: a gather from flat (N, C, prod(sizes))."""
    inside, index = None, None
    for position, size in zip(positions, sizes):
        ok = (position >= 0).logical_and(position < size)
        inside = ok if inside is None else inside.logical_and(ok)
        safe = position.where(ok, 0)              # nan or inf: no index to cast, read 0
        index = safe if index is None else index * size + safe
    n, channels = flat.shape[:2]
    out_shape = tuple(index.shape[1:])
    index = index.reshape(n, 1, -1).to(_dtype.int64).expand(n, channels, index[0].numel())
    values = flat.gather(2, index).reshape((n, channels) + out_shape)
    return values.masked_fill(inside.logical_not().unsqueeze(1), 0.0)


def _cubic_weights(t):
    """Keys' cubic convolution (a = -0.75) weights of the four taps around t in [0, 1)."""
    a = -0.75

    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


@autocast_op('grid_sample')
@grad_fn_named(lambda input, *args, **kwargs: f'GridSampler{input.ndim - 2}DBackward0')
def grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None):
    """out[n, c, *p] = input[n, c] read at grid[n, *p] ((x, y[, z]) in [-1, 1], -1 the first
    pixel's centre, or its outer edge without align_corners): the nearest pixel, the
    bilinear (trilinear) mix of the 2^d around it, or the bicubic mix of 4 x 4 (4-D only);
    padding_mode sets what positions outside read."""
    if mode not in ('bilinear', 'nearest', 'bicubic'):
        raise ValueError("nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ('zeros', 'border', 'reflection'):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        _warn_align_corners()
        align_corners = False
    shown = f'input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}'
    if input.shape[:1] != grid.shape[:1]:
        raise RuntimeError(f'grid_sampler(): expected grid and input to have same batch size, '
                           f'but got {shown}')
    dims = input.ndim - 2
    if grid.shape[-1] != dims:
        raise RuntimeError(f'grid_sampler(): expected grid to have size {dims} in last '
                           f'dimension, but got grid with sizes {list(grid.shape)}')
    for dim in range(2, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError('grid_sampler(): expected input to have non-empty spatial '
                               f'dimensions, but input has sizes {list(input.shape)} with '
                               f'dimension {dim} being empty')
    wanted = 4 if input.ndim == 4 else 5
    if input.ndim != wanted or grid.ndim != wanted:
        raise RuntimeError(f'grid_sampler(): expected {wanted}D input and grid with same number '
                           f'of dimensions, but got {shown}')
    if dims == 3 and mode == 'bicubic':
        raise RuntimeError('grid_sampler(): bicubic interpolation only supports 4D input')
    _refuse_integers(input, f'grid_sampler_2d_{input.device.type}_kernel_impl' if dims == 2
                     else f'grid_sampler3d_{input.device.type}')
    _F.check_same_device(input, grid)
    if grid.dtype is not input.dtype:
        raise RuntimeError(f'expected scalar type {_type_name(input.dtype)} but found '
                           f'{_type_name(grid.dtype)}')
    sizes = tuple(input.shape[2:])
    flat = input.reshape(input.shape[0], input.shape[1], -1)
    # grid's last dim is (x, y[, z]): x runs along the input's last dim
    parts = [grid[..., dims - 1 - k] for k in range(dims)]
    if mode == 'bicubic':
        return _bicubic_sample(flat, parts, sizes, padding_mode, align_corners)
    coords = [_padded(_source_coordinates(part, n, align_corners), n, padding_mode,
                      align_corners) for part, n in zip(parts, sizes)]
    if mode == 'nearest':
        nearest = [c.round() for c in coords]
        # grid gets PyTorch's zero gradient (rounding's), through an exact zero added
        zero = sum((r - r.detach()).masked_fill(~r.isfinite(), 0.0) for r in nearest).unsqueeze(1)
        return _taps(flat, nearest, sizes) + zero
    lows = [c.floor() for c in coords]
    fractions = [c - low for c, low in zip(coords, lows)]
    out = None
    for corner in itertools.product((0, 1), repeat=dims):
        weight = None
        for bit, fraction in zip(corner, fractions):
            factor = fraction if bit else 1 - fraction
            weight = factor if weight is None else weight * factor
        term = _taps(flat, [low + bit for low, bit in zip(lows, corner)], sizes) * \
            weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _bicubic_sample(flat, parts, sizes, padding_mode, align_corners):
    """4 x 4 taps around each position, each tap's pixel padded on its own."""
    coords = [_source_coordinates(part, n, align_corners) for part, n in zip(parts, sizes)]
    lows = [c.floor() for c in coords]
    weights = [_cubic_weights(c - low) for c, low in zip(coords, lows)]
    out = None
    for i in range(4):
        for j in range(4):
            taps = [_padded(low + (k - 1), n, padding_mode, align_corners)
                    for low, k, n in zip(lows, (i, j), sizes)]
            term = _taps(flat, taps, sizes) * (weights[0][i] * weights[1][j]).unsqueeze(1)
            out = term if out is None else out + term
    return out


# ---- 3-d pooling and channel dropout: the n-d window code with PyTorch's 3-d checks ---------

def _three(value, name, arg, wording):
    """A 3-d pooling argument: an int or a sequence of one or three ints."""
    values = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) not in (1, 3):
        raise RuntimeError(f'{name}: {arg} must {wording}')
    return tuple(int(v) for v in values) * (3 // len(values))


def _check_pool3d(input, name, kernel, stride, padding, dilation, divisor_override=None):
    """PyTorch's 3-d pooling checks, in its order; the input batched, and whether it was."""
    if input.ndim not in (4, 5):
        raise RuntimeError('non-empty 4D or 5D (batch mode) tensor expected for input')
    if 0 in stride:
        raise RuntimeError('stride should not be zero')
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError('divisor must be not zero')
    for p in padding:
        if p < 0:
            raise RuntimeError(f'pad must be non-negative, but got pad: {p}')
    _check_pool_padding(kernel, padding, dilation)
    if min(kernel) <= 0:
        raise RuntimeError('kernel size should be greater than zero, but got kT: {} kH: {} '
                           'kW: {}'.format(*kernel))
    if min(dilation) <= 0:
        raise RuntimeError('dilation should be greater than zero, but got dilationT: {} '
                           'dilationH: {} dilationW: {}'.format(*dilation))
    for size in input.shape[input.ndim - 4:]:
        if size == 0:
            where = 'max_pool3d_with_indices_out_cpu_template' if name == 'max_pool3d' else name
            raise RuntimeError(f"{where}(): Expected input's non-batch dimensions to have "
                               f'positive length, but input has a shape of {list(input.shape)} '
                               f'and non-batch dimension {size} has length zero!')
    unbatched = input.ndim == 4
    return (input.unsqueeze(0) if unbatched else input), unbatched


@autocast_op('max_pool3d')
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The largest value of each (D, H, W) window (its first, if several); padding counts as
    -inf. With return_indices, where each came from, as an index into the input's D * H * W."""
    kernel = _three(kernel_size, 'max_pool3d', 'kernel_size',
                    'either be a single int, or a tuple of three ints')
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel
    else:
        stride = _three(stride, 'max_pool3d', 'stride',
                        'either be omitted, a single int, or a tuple of three ints')
    padding = _three(padding, 'max_pool3d', 'padding',
                     'either be a single int, or a tuple of three ints')
    dilation = _three(dilation, 'max_pool3d', 'dilation',
                      'be either a single int, or a tuple of three ints')
    x, unbatched = _check_pool3d(input, 'max_pool3d', kernel, stride, padding, dilation)
    _pool_shape_check(x, kernel, stride, padding, dilation, ceil_mode)
    _F._refuse_dtype(x, 'max_pool3d', 'b')
    out = _max_pool(x, kernel, stride, padding, dilation, ceil_mode, return_indices)
    if not unbatched:
        return out
    return tuple(t.squeeze(0) for t in out) if return_indices else out.squeeze(0)


@autocast_op('avg_pool3d')
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each (D, H, W) window (see _avg_pool)."""
    kernel = _three(kernel_size, 'avg_pool3d', 'kernel_size',
                    'be a single int, or a tuple of three ints')
    if stride is None or (not isinstance(stride, int) and len(stride) == 0):
        stride = kernel
    else:
        stride = _three(stride, 'avg_pool3d', 'stride',
                        'be omitted, a single int, or a tuple of three ints')
    padding = _three(padding, 'avg_pool3d', 'padding', 'be a single int, or a tuple of three ints')
    x, unbatched = _check_pool3d(input, 'avg_pool3d', kernel, stride, padding, (1, 1, 1),
                                 divisor_override)
    if any(n < k for n, k in zip(x.shape[2:], kernel)):
        raise RuntimeError('input image (T: {} H: {} W: {}) smaller than kernel size (kT: {} '
                           'kH: {} kW: {})'.format(*x.shape[2:], *kernel))
    _pool_shape_check(x, kernel, stride, padding, (1, 1, 1), ceil_mode)
    out = _avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return out.squeeze(0) if unbatched else out


def _adaptive_sizes(input, output_size, dims):
    """output_size as `dims` sizes, None keeping the input's."""
    sizes = (output_size,) * dims if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    return sizes, [n if s is None else s for n, s in zip(input.shape[input.ndim - dims:],
                                                         sizes)]


@grad_fn_named(lambda input, output_size: 'MeanBackward1' if _all_ones(output_size)
                else 'AdaptiveAvgPool3DBackward0')
@autocast_op('adaptive_avg_pool3d')
def adaptive_avg_pool3d(input, output_size):
    """The mean over PyTorch's adaptive windows of the last three dims: one averaging matrix
    applied along each dim (three matmuls); None keeps that size."""
    sizes, outs = _adaptive_sizes(input, output_size, 3)
    if len(sizes) != 3:
        raise RuntimeError('adaptive_avg_pool3d: output_size must be 3')
    if input.ndim not in (4, 5):
        raise RuntimeError(f'adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got '
                           f'{list(input.shape)}')
    _check_adaptive_input(input, 'adaptive_avg_pool3d', 4)
    if min(outs) < 0:
        raise RuntimeError('adaptive_avg_pool3d: elements of output_size must be greater than '
                           'or equal to 0 but received {{{}, {},{}}}'.format(*outs))
    _refuse_adaptive_average(input, outs, f'adaptive_avg_pool3d_{input.device.type}')
    if tuple(outs) == (1, 1, 1):                 # PyTorch's shortcut: a mean (its bits, name)
        return input.mean((-1, -2, -3), keepdim=True)
    out = input
    for k, out_n in enumerate(outs):
        dim = input.ndim - 3 + k
        out = _adaptive_mean(out, dim, out_n)
    return out


@autocast_op('adaptive_max_pool3d')
def adaptive_max_pool3d(input, output_size, return_indices=False):
    """The largest value of each of PyTorch's adaptive (D, H, W) windows (the first, if
    several), by one gather and a max; with return_indices, where each came from (an index
    into the input's D * H * W). None in output_size keeps that size."""
    if input.ndim not in (4, 5):
        raise RuntimeError(f'adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: '
                           f'{list(input.shape)}')
    sizes, outs = _adaptive_sizes(input, output_size, 3)
    if len(sizes) != 3:
        raise RuntimeError('adaptive_max_pool3d(): internal error: output_size.size() must be 3')
    _check_adaptive_input(input, 'adaptive_max_pool3d', 3)
    _refuse_integers(input, f'adaptive_max_pool3d_{input.device.type}')
    if min(outs) < 0:
        raise RuntimeError(f'Trying to create tensor with negative dimension {min(outs)}: '
                           f'{list(input.shape[:-3]) + outs}')
    _refuse_integers(input, f'adaptive_max_pool3d_{input.device.type}')
    tables = [_adaptive_windows(n, out_n, input.device)          # (out, widest)
              for n, out_n in zip(input.shape[-3:], outs)]
    widths = [table.shape[1] for table in tables]
    picks = []
    for d, table in enumerate(tables):
        shape = [1] * 6
        shape[d], shape[3 + d] = outs[d], widths[d]
        picks.append(table.reshape(shape))
    windows = input[(Ellipsis,) + tuple(picks)]      # (..., od, oh, ow, kd, kh, kw)
    lead = tuple(input.shape[:-3]) + tuple(outs)
    values, where_in = windows.reshape(lead + (math.prod(widths),)).max(-1)
    if not return_indices:
        return values
    depth, height, width = input.shape[-3:]
    flat = (picks[0] * height + picks[1]) * width + picks[2]
    flat = flat.expand(tuple(outs) + tuple(widths)).reshape(tuple(outs) + (-1,))
    return values, flat.expand(lead + (flat.shape[-1],)).gather(-1, where_in.unsqueeze(-1)) \
        .squeeze(-1)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero each channel of an (N, C, D, H, W) or (C, D, H, W) input with probability p (other
    ranks are warned about, as in PyTorch)."""
    _check_dropout_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(f'dropout3d: Received a {input.ndim}-D input to dropout3d, which is '
                      'deprecated and will result in an error in a future release. To retain '
                      'the behavior and silence this warning, please use dropout instead. Note '
                      'that dropout3d exists to provide channel-wise dropout on inputs with 3 '
                      'spatial dimensions, a channel dimension, and an optional batch dimension '
                      '(i.e. 4D or 5D inputs).', UserWarning, stacklevel=2)
    if input.ndim == 5:
        return _feature_dropout(input, p, training, inplace)
    if inplace:                   # the unbatched in-place form writes through a view
        _feature_dropout(input.unsqueeze(0), p, training, True)
        return input
    return _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)


# ---- CTC loss: the fused alpha/beta kernel pair of ops/loss.py -------------------------------

_CTC_SIGNATURES = (
    ('tuple of ints input_lengths, tuple of ints target_lengths', False),
    ('Tensor input_lengths, Tensor target_lengths', True))


def _parser_type(value, detailed):
    """A Python value's type as PyTorch's argument parser names it."""
    if isinstance(value, Tensor):
        return 'Tensor'
    if isinstance(value, (list, tuple)) and detailed:
        inner = ', '.join(_parser_type(v, False) for v in value)
        return (f'list of [{inner}]' if isinstance(value, list) else
                f'tuple of ({inner})')
    return type(value).__name__


def _ctc_lengths_error(input_lengths, target_lengths):
    """PyTorch's TypeError for lengths that are neither two tensors nor two int sequences."""
    lengths = (input_lengths, target_lengths)
    got = ', '.join(['Tensor', 'Tensor'] + [_parser_type(v, False) for v in lengths] +
                    ['int', 'int', 'bool'])
    lines = [f'ctc_loss() received an invalid combination of arguments - got ({got}), but '
             'expected one of:']
    for names, tensors in _CTC_SIGNATURES:
        lines.append(f' * (Tensor log_probs, Tensor targets, {names}, int blank = 0, int '
                     'reduction = at::Reduction::Mean, bool zero_infinity = False)')
        marked = [_parser_type(v, True) if tensors and isinstance(v, Tensor)
                  else f'!{_parser_type(v, True)}!' for v in lengths]
        lines.append("      didn't match because some of the arguments have invalid types: "
                     f"(Tensor, Tensor, {', '.join(marked)}, !int!, !int!, !bool!)")
    return TypeError('\n'.join(lines) + '\n')


def _ctc_length_list(lengths, name):
    """Lengths as Python ints: a tensor of integers (0-d or 1-d) or a sequence of ints."""
    if isinstance(lengths, Tensor):
        if lengths.is_floating_point() or lengths.dtype.np.kind == "b":
            raise RuntimeError(f'{name} must be integral')
        return [int(v) for v in np.asarray(lengths.detach().cpu()._data).reshape(-1)]
    return [int(v) for v in lengths]


def _ctc_checked_targets(targets, input_lengths, target_lengths, steps, batch):
    """PyTorch's checks of the targets and lengths (ctc_loss_allocate_outputs, its order),
    then the targets padded to (N, longest target) on the host."""
    where = ' (while checking arguments for ctc_loss_allocate_outputs)'
    if len(input_lengths) != batch:
        raise RuntimeError('input_lengths must be of size batch_size')
    if len(target_lengths) != batch:
        raise RuntimeError('target_lengths must be of size batch_size')
    for length in target_lengths:
        if length < 0:
            raise RuntimeError(f'Expected target_lengths to have value at least 0, but got '
                               f'value {length}{where}')
    longest = max(target_lengths, default=0)
    values = np.asarray(targets.detach().cpu()._data)
    if targets.ndim == 1:                                   # concatenated
        if values.shape[0] != sum(target_lengths):
            raise RuntimeError(f'Expected tensor to have size {sum(target_lengths)} at '
                               f'dimension 0, but got size {values.shape[0]} for argument #2 '
                               f"'targets'{where}")
        padded = np.zeros((batch, longest), np.int64)
        starts = np.cumsum([0] + target_lengths)
        for b, length in enumerate(target_lengths):
            padded[b, :length] = values[starts[b]:starts[b] + length]
    else:
        if values.shape[0] != batch:
            raise RuntimeError(f'Expected tensor to have size {batch} at dimension 0, but got '
                               f"size {values.shape[0]} for argument #2 'targets'{where}")
        if values.shape[1] < longest:
            raise RuntimeError(f'Expected tensor to have size at least {longest} at dimension '
                               f"1, but got size {values.shape[1]} for argument #2 'targets'"
                               f'{where}')
        padded = values[:, :longest].astype(np.int64)
    for length in input_lengths:
        if length < 0:
            raise RuntimeError(f'Expected input_lengths to have value at least 0, but got '
                               f'value {length}{where}')
        if length > steps:
            raise RuntimeError(f'Expected input_lengths to have value at most {steps}, but got '
                               f'value {length}{where}')
    return padded


@autocast_op('ctc_loss')
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction='mean',
             zero_infinity=False):
    """The Connectionist Temporal Classification loss: -log of the probability that
    log_probs (T, N, C) or (T, C) (log-softmax outputs) emit each target (padded (N, S) or
    concatenated 1-d) along any alignment with blanks and repeats. 'mean' divides each
    sample's loss by its target length (at least 1), then averages; zero_infinity turns the
    infinite losses of impossible targets (and their gradients) to 0. The gradient is
    PyTorch's: exp(log_probs) minus the posterior of each label (see ctc_loss_backward)."""
    if reduction not in _REDUCTIONS:
        raise ValueError(f'{reduction} is not a valid value for reduction')
    both_tensors = isinstance(input_lengths, Tensor) and isinstance(target_lengths, Tensor)
    both_ints = all(isinstance(v, (list, tuple)) and
                    all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in v)
                    for v in (input_lengths, target_lengths))
    if not (both_tensors or both_ints):
        raise _ctc_lengths_error(input_lengths, target_lengths)
    input_list = _ctc_length_list(input_lengths, 'input_lengths')
    target_list = _ctc_length_list(target_lengths, 'target_lengths')
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if unbatched and targets.ndim == 1:
        targets = targets.unsqueeze(0)
    _refuse_integers(lp, f'ctc_loss_{lp.device.type}')
    if lp.numel() == 0:
        raise RuntimeError('log_probs tensor must not be empty')
    if targets.ndim not in (1, 2):
        raise RuntimeError(f'Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional '
                           "tensor for argument #2 'targets' (while checking arguments for "
                           'ctc_loss_allocate_outputs)')
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError('blank must be in label range')
    padded = _ctc_checked_targets(targets, input_list, target_list, steps, batch)
    if padded.size and (padded.min() < 0 or padded.max() >= classes):
        bad = int(padded[(padded < 0) | (padded >= classes)][0])
        raise RuntimeError(f'ctc_loss(): target {bad} is out of the label range [0, {classes}) '
                           '(PyTorch reads outside log_probs here)')
    from ..creation import tensor
    device = lp.device
    nll = _LS.CtcLoss.apply(
        lp, tensor(padded, device=device), tensor(input_list, dtype=_dtype.int64, device=device),
        tensor(target_list, dtype=_dtype.int64, device=device), int(blank), bool(zero_infinity))
    if zero_infinity:
        nll = _F.where(nll == math.inf, nll.new_zeros(()), nll)
    if reduction == 'mean':
        divisors = tensor(target_list, dtype=nll.dtype, device=device).clamp_min(1)
        return (nll / divisors).mean()
    if reduction == 'sum':
        return nll.sum()
    return nll.squeeze(0) if unbatched else nll


# ---- channel shuffle: a reshape, a transpose and a reshape back -----------------------------

@grad_fn_named('ChannelShuffleBackward0')
def channel_shuffle(input, groups):
    """(N, C, *) with C = g * k: channel i * k + j goes to j * g + i (the groups' channels
    interleaved), as ShuffleNet mixes grouped convolutions' outputs."""
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError("channel_shuffle(): argument 'groups' (position 2) must be int, not "
                        f'{type(groups).__name__}')
    if input.ndim <= 2:
        raise RuntimeError('channel_shuffle expects input with > 2 dims, but got input with '
                           f'sizes {list(input.shape)}')
    if groups <= 0:
        raise RuntimeError('Number of groups to divide channels in must be positive. Value of '
                           f'groups:{groups}')
    channels = input.shape[1]
    if channels % groups:
        raise RuntimeError(f'Number of channels must be divisible by groups. Got {channels} '
                           f'channels and {groups} groups.')
    lead, rest = tuple(input.shape[:1]), tuple(input.shape[2:])
    grouped = input.reshape(lead + (int(groups), channels // int(groups)) + rest)
    return grouped.transpose(1, 2).reshape(tuple(input.shape))


# ---- in-place activations, *_with_indices pools, deprecated upsampling names ---------------

def relu_(input):
    """relu in place."""
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    """elu in place."""
    return elu(input, alpha, inplace=True)


def celu_(input, alpha=1.0):
    """celu in place."""
    return celu(input, alpha, inplace=True)


def selu_(input):
    """selu in place."""
    return selu(input, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place."""
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh in place."""
    return hardtanh(input, min_val, max_val, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """rrelu in place."""
    return rrelu(input, lower, upper, training, inplace=True)


def threshold_(input, threshold, value):
    """threshold in place."""
    return globals()['threshold'](input, threshold, value, inplace=True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool1d's (values, indices), whatever return_indices says (PyTorch's)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool2d's (values, indices), whatever return_indices says (PyTorch's)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """max_pool3d's (values, indices), whatever return_indices says (PyTorch's)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool1d's (values, indices)."""
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool2d's (values, indices)."""
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """adaptive_max_pool3d's (values, indices)."""
    return adaptive_max_pool3d(input, output_size, True)


def _deprecated_upsample(name):
    warnings.warn(f'`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` '
                  'instead.', UserWarning, stacklevel=3)


def upsample_nearest(input, size=None, scale_factor=None):
    """interpolate(mode='nearest') under its deprecated name (warns)."""
    _deprecated_upsample('upsample_nearest')
    return interpolate(input, size, scale_factor, mode='nearest')


def upsample_bilinear(input, size=None, scale_factor=None):
    """interpolate(mode='bilinear', align_corners=True) under its deprecated name (warns)."""
    _deprecated_upsample('upsample_bilinear')
    return interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)


# ---- multi_head_attention_forward -------------------------------------------------------

def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """MultiheadAttention's forward with its weights as arguments: (L, N, E) or (L, E)
    query, (S, N, E) or (S, E) key and value; static_k / static_v ((N * heads, S, head_dim))
    replace the projected keys / values. Returns (output, weights or None)."""
    from .modules.transformer import MultiheadAttention, GivenAttentionWeights
    if embed_dim_to_check % num_heads:
        raise AssertionError(f'embed_dim {embed_dim_to_check} not divisible by num_heads '
                             f'{num_heads}')
    if use_separate_proj_weight:
        for name, weight in (('q_proj_weight', q_proj_weight), ('k_proj_weight', k_proj_weight),
                             ('v_proj_weight', v_proj_weight)):
            if weight is None:
                raise AssertionError(f'use_separate_proj_weight is True but {name} is None')
    elif in_proj_weight is None:
        raise AssertionError('use_separate_proj_weight is False but in_proj_weight is None')
    if bias_k is not None and bias_v is None:
        raise AssertionError('bias_k is set but bias_v is None')
    if bias_v is not None and bias_k is None:
        raise AssertionError('bias_v is set but bias_k is None')
    given = GivenAttentionWeights(
        embed_dim_to_check, num_heads, (in_proj_weight, in_proj_bias, use_separate_proj_weight,
                                        q_proj_weight, k_proj_weight, v_proj_weight),
        bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight, out_proj_bias, training,
        static_k, static_v)
    return MultiheadAttention.forward(given, query, key, value, key_padding_mask, need_weights,
                                      attn_mask, average_attn_weights, is_causal)


# ---- fractional max pooling ---------------------------------------------------------------

def _fractional_starts(samples, size, out_size, kernel, np_dtype):
    """Window starts for each plane (one sample in [0, 1) each), Graham's pseudo-random
    sequence as PyTorch computes it, in the input's floating type: start i =
    int((i + u) * alpha) - int(u * alpha), alpha = (size - kernel) / (out_size - 1), and the
    last window ends at the input's end."""
    samples = samples.astype(np_dtype)
    starts = np.empty(samples.shape + (out_size,), dtype=np.int64)
    if out_size > 1:
        alpha = np_dtype(size - kernel) / np_dtype(out_size - 1)
        steps = np.arange(out_size - 1, dtype=np_dtype)
        scaled = ((steps + samples[..., None]) * alpha).astype(np_dtype)
        starts[..., :-1] = np.trunc(scaled).astype(np.int64) - \
            np.trunc((samples * alpha).astype(np_dtype)).astype(np.int64)[..., None]
    if out_size > 0:
        starts[..., -1] = size - kernel
    return starts


def _fractional_max_pool(input, kernel_size, output_size, output_ratio, samples, dims):
    """Fractional max pooling over the last `dims` dims of a (N, C, *sizes) or (C, *sizes)
    input: (values, indices into each plane's flattened positions)."""
    name = f'fractional_max_pool{dims}d'
    if output_size is None and output_ratio is None:
        raise ValueError(f'{name} requires specifying either an output_size or an '
                         'output_ratio')
    if output_size is None:
        if dims == 2 and len(output_ratio) > 2:      # a bare number: len's TypeError too
            raise ValueError('fractional_max_pool2d requires output_ratio to either be a '
                             'single Int or tuple of Ints.')
        ratios = (output_ratio,) * dims if isinstance(output_ratio, (int, float)) \
            else tuple(output_ratio)
        output_size = [int(input.size(d - dims) * r) for d, r in enumerate(ratios)]
    if samples is None:
        from ..creation import rand
        batch = 1 if input.ndim == dims + 1 else input.size(0)
        samples = rand(batch, input.size(-dims - 1), dims, dtype=input.dtype,
                       device=input.device)
    kernel = _ntuple(kernel_size, 'kernel_size', dims)
    outs = tuple(_ntuple(output_size, 'output_size', dims))
    if samples.dtype is not input.dtype:
        raise RuntimeError('Expect _random_samples to have the same dtype as input')
    if samples.ndim != 3:
        raise RuntimeError(f'Expect _random_samples to have 3 dimensions, got {samples.ndim}')
    batched = input.ndim != dims + 1           # as PyTorch reads it, before the dims check
    batch, channels = (input.shape[0], input.shape[1]) if batched else (1, input.shape[0])
    if samples.shape[0] < batch:
        raise RuntimeError('Expect _random_samples.size(0) no less then input batch size.')
    if samples.shape[1] != channels:
        raise RuntimeError('Expect _random_samples.size(1) equals to input channel size.')
    if samples.shape[2] != dims:
        raise RuntimeError(f'Expect _random_samples.size(2) equals to {dims}; got '
                           f'{samples.shape[2]}.')
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f'{name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: '
                           f'{list(input.shape)}')
    sizes = tuple(input.shape[-dims:])
    words = ('height', 'width') if dims == 2 else ('time', 'height', 'width')
    where = name + ('()' if dims == 2 else '_out()')
    for word, k, n, out_n in zip(words, kernel, sizes, outs):
        if out_n + k - 1 > n:
            raise RuntimeError(f'{where}: pool {word} {k} too large relative to input '
                               f'{word} {n}')
    _refuse_integers(input, f'{name}_out_frame')
    x = input if batched else input.unsqueeze(0)
    np_dtype = np.dtype(x._data.dtype).type
    # PyTorch's samples run (width, height) in 2-d and (time, height, width) in 3-d
    order = (1, 0) if dims == 2 else (0, 1, 2)
    host = _host_array(samples)[:batch]
    flat = np.zeros((batch, channels) + outs + kernel, dtype=np.int64)
    for d in range(dims):
        starts = _fractional_starts(host[..., order[d]], sizes[d], outs[d], kernel[d],
                                    np_dtype)
        shape = [batch, channels] + [1] * (2 * dims)
        shape[2 + d] = outs[d]
        offsets = [1] * (2 + 2 * dims)
        offsets[2 + dims + d] = kernel[d]
        position = starts.reshape(shape) + np.arange(kernel[d]).reshape(offsets)
        flat = flat * sizes[d] + position
    from ..creation import tensor as _tensor
    taps = math.prod(kernel)
    index = _tensor(flat.reshape(batch, channels, math.prod(outs) * taps),  # no -1: N may
                    device=x.device)                                        # be 0
    windows = x.reshape(batch, channels, math.prod(sizes)).gather(-1, index)
    values, best = windows.reshape((batch, channels) + outs + (taps,)).max(-1)
    indices = index.reshape((batch, channels) + outs + (taps,)).gather(
        -1, best.unsqueeze(-1)).squeeze(-1)
    if not batched:
        return values.squeeze(0), indices.squeeze(0)
    return values, indices


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """fractional_max_pool2d's (values, indices)."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio,
                                _random_samples, 2)


@autocast_op('fractional_max_pool2d')
def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """The max of kernel_size windows placed at Graham's pseudo-random fractional steps, to
    output_size (or output_ratio of the input's size); _random_samples (N, C, 2), one pair
    in [0, 1) per plane, fixes the steps (drawn with rand when not given)."""
    out = _fractional_max_pool(input, kernel_size, output_size, output_ratio,
                               _random_samples, 2)
    return out if return_indices else out[0]


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """fractional_max_pool3d's (values, indices)."""
    return _fractional_max_pool(input, kernel_size, output_size, output_ratio,
                                _random_samples, 3)


@autocast_op('fractional_max_pool3d')
def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """fractional_max_pool2d over (T, H, W); _random_samples is (N, C, 3)."""
    out = _fractional_max_pool(input, kernel_size, output_size, output_ratio,
                               _random_samples, 3)
    return out if return_indices else out[0]


def _cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """CrossMapLRN2d: x / (k + alpha / size * sum of x^2 over the (size - 1) // 2 channels
    either side) ** beta, over (N, C, H, W)."""
    if input.ndim != 4:
        raise ValueError(f'CrossMapLRN2d: Expected input to be 4D, got {input.ndim}D instead.')
    half = (size - 1) // 2
    squares = input * input
    window = _channel_window_sum(squares, half, half)
    # PyTorch's running sum never takes channel 0 out again: past `half`, it stays counted
    from ..creation import arange
    beyond = (arange(input.shape[1], device=input.device) > half).to(input.dtype)
    window = window + squares.narrow(1, 0, 1) * beyond.reshape(1, -1, 1, 1)
    return input * (window * (alpha / size) + k) ** -beta
