"""Autocast's state and its per-op casting policies (PyTorch's torch.autocast).

Inside `autocast(device_type, dtype)`, an op on that device's tensors first casts its
floating-point arguments by the op's policy for that device, as PyTorch's autocast lists do:

- 'lower': matrix products and convolutions run in the autocast dtype (float32 arguments
  become float16; float64 ones are left alone);
- 'float32': losses and softmaxes run in float32 (float16 arguments become float32);
- 'promote' (CUDA only, as in PyTorch): ops that need one dtype take the widest of their
  arguments'.

An op opts in with the `autocast_op(name)` decorator; outside autocast the decorator costs one
list lookup per call. microtorch's float32 list covers the losses, softmax, log_softmax, the
normalisations and distances; PyTorch's CUDA list also names elementwise math (exp, log,
pow, sum, cumsum, ...), which microtorch leaves out so that the elementwise hot path never
pays for autocast: given float16 inputs under autocast these return float16 (computed in
float32 and rounded once, as every float16 op is here).
"""
import functools

# device type -> the dtype autocast casts to there (None: autocast off on that device)
dtype_of = {'cpu': None, 'cuda': None}
active = [False]                 # autocast on for some device: the decorated ops' one test

_LOWER_BOTH = ('matmul', 'mm', 'bmm', 'addmm', 'addbmm', 'baddbmm', 'linear', 'conv1d',
               'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d',
               'prelu', 'scaled_dot_product_attention')
_FLOAT32_BOTH = ('mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss', 'cross_entropy',
                 'nll_loss', 'binary_cross_entropy_with_logits', 'kl_div', 'poisson_nll_loss',
                 'cosine_embedding_loss', 'hinge_embedding_loss', 'margin_ranking_loss',
                 'soft_margin_loss', 'multilabel_margin_loss', 'multi_margin_loss',
                 'triplet_margin_loss', 'ctc_loss', 'cdist')
_PROMOTE = ('addcdiv', 'addcmul', 'atan2', 'bilinear', 'cross', 'dot', 'tensordot')

POLICIES = {
    'cuda': {**{name: 'lower' for name in _LOWER_BOTH + ('addmv', 'addr', 'mv')},
             **{name: 'float32' for name in _FLOAT32_BOTH + (
                 'softmax', 'log_softmax', 'softmin', 'layer_norm', 'group_norm', 'softplus',
                 'cosine_similarity', 'pdist', 'dist', 'normalize', 'renorm')},
             **{name: 'promote' for name in _PROMOTE + ('grid_sample',)}},
    'cpu': {**{name: 'lower' for name in _LOWER_BOTH},
            **{name: 'float32' for name in _FLOAT32_BOTH + (
                'binary_cross_entropy', 'grid_sample', 'avg_pool3d', 'max_pool3d',
                'adaptive_avg_pool3d', 'adaptive_max_pool3d', 'fractional_max_pool2d',
                'fractional_max_pool3d', 'quantile', 'nanquantile', 'trace')}},
}
_UNSAFE = {('cuda', 'binary_cross_entropy'): (
    'microtorch.nn.functional.binary_cross_entropy and microtorch.nn.BCELoss are unsafe to '
    'autocast.\nMany models use a sigmoid layer right before the binary cross entropy layer.\n'
    'In this case, combine the two layers using microtorch.nn.functional.'
    'binary_cross_entropy_with_logits\nor microtorch.nn.BCEWithLogitsLoss.  '
    'binary_cross_entropy_with_logits and BCEWithLogits are\nsafe to autocast.')}


def autocast_op(name):
    """Give op `name` its autocast policy (looked up per device when it is called)."""
    def decorate(fn):
        @functools.wraps(fn)
        def op(*args, **kwargs):
            if not active[0]:
                return fn(*args, **kwargs)
            return _cast_call(name, fn, args, kwargs)
        return op
    return decorate


def _cast_call(name, fn, args, kwargs):
    from .tensor import Tensor
    first = next((a for a in args if isinstance(a, Tensor)), None)
    if first is None:
        return fn(*args, **kwargs)
    device = first.device.type
    target = dtype_of.get(device)
    if target is None:
        return fn(*args, **kwargs)
    if (device, name) in _UNSAFE:
        raise RuntimeError(_UNSAFE[(device, name)])
    policy = POLICIES[device].get(name)
    if policy is None:
        return fn(*args, **kwargs)
    from . import _dtype
    if policy == 'lower':
        def cast(t):             # float32 (not float64) tensors of this device
            return t.to(target) if t.dtype is _dtype.float32 and \
                t.device.type == device else t
    elif policy == 'float32':
        def cast(t):
            return t.float() if t.is_floating_point() and t.dtype.itemsize < 4 and \
                t.device.type == device else t
    else:
        floats = [a.dtype for a in list(args) + list(kwargs.values())
                  if isinstance(a, Tensor) and a.is_floating_point()]
        widest = max(floats, key=lambda d: d.itemsize) if floats else None

        def cast(t):
            return t.to(widest) if t.is_floating_point() and t.dtype is not widest else t
    args = [cast(a) if isinstance(a, Tensor) else a for a in args]
    kwargs = {k: cast(v) if isinstance(v, Tensor) else v for k, v in kwargs.items()}
    return fn(*args, **kwargs)
