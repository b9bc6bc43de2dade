"""`microtorch.nn.init`: PyTorch's initialisers, in place and under no_grad, drawing from
microtorch's generator (or the one given) as PyTorch's draw: after `manual_seed` a model's
initial weights are PyTorch's.
"""
import math
import warnings

from ..autograd.grad_mode import no_grad

__all__ = ['calculate_gain', 'uniform_', 'normal_', 'constant_', 'ones_', 'zeros_',
           'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_', 'kaiming_normal_',
           'trunc_normal_', 'orthogonal_', 'sparse_', 'dirac_', 'eye_']

_LINEAR = ('linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
           'conv_transpose3d', 'sigmoid')


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through `nonlinearity`."""
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == 'tanh':
        return 5.0 / 3
    if nonlinearity == 'relu':
        return math.sqrt(2.0)
    if nonlinearity == 'leaky_relu':
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f'negative_slope {param} not a valid number')
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == 'selu':
        return 3.0 / 4
    raise ValueError(f'Unsupported nonlinearity {nonlinearity}')


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight shaped (out, in, *kernel)."""
    if tensor.dim() < 2:
        raise ValueError('Fan in and fan out can not be computed for tensor with fewer than 2 '
                         'dimensions')
    receptive_field = 1
    for n in tensor.shape[2:]:
        receptive_field *= n
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    modes = ['fan_in', 'fan_out']
    if mode not in modes:
        raise ValueError(f'Mode {mode} not supported, please use one of {modes}')
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == 'fan_in' else fan_out


def _write(tensor, values):
    with no_grad():
        return tensor.copy_(values)


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with U(a, b) (the tensor's own uniform_, so PyTorch's numbers for a seed)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with N(mean, std^2)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    return constant_(tensor, 0.0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def _zero_elements(tensor):
    if tensor.numel() == 0:
        warnings.warn('Initializing zero-element tensors is a no-op', UserWarning, stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015). nn.Linear uses a=sqrt(5)."""
    if _zero_elements(tensor):
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    if _zero_elements(tensor):
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) restricted to [a, b], by PyTorch 2.13's rejection sampling, draw for
    draw (so a seed gives its numbers). When [a, b] holds more than 30% of the mass, the
    values outside it are replaced from fresh whole-tensor normal draws until none is left;
    otherwise uniform candidates on [a, b] are kept with probability density / peak density,
    the rejected ones drawn again."""
    from ..ops.functional import where
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn('mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The '
                      'distribution of values may be incorrect.', UserWarning, stacklevel=2)

    def cdf(x):                          # standard normal
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0
    with no_grad():
        if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
            low, high = tensor.new_tensor(a).item(), tensor.new_tensor(b).item()
            result = tensor.normal_(mean, std, generator=generator)
            while True:
                outside = (result < low) | (result > high)
                if not outside.any():
                    break
                fresh = tensor.new_empty(tensor.shape).normal_(mean, std, generator=generator)
                result = where(outside, fresh, result)
            return tensor.copy_(result) if result is not tensor else tensor
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2

        def rejected(candidates):        # log u > log(density / peak), each step in the dtype
            log_ratio = ((candidates - mean) / std) ** 2 * -0.5 - log_peak
            return tensor.new_empty(tensor.shape).uniform_(generator=generator).log() > log_ratio
        result = tensor.uniform_(a, b, generator=generator)
        pending = rejected(result)
        while pending.any():
            candidates = tensor.new_empty(tensor.shape).uniform_(a, b, generator=generator)
            result = where(pending, candidates, result)
            pending = where(pending, rejected(candidates), pending)
        return tensor.copy_(result) if result is not tensor else tensor


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix, the dims after the first flattened (Saxe et al., 2013):
    Q of the QR factorisation of a normal draw, its columns' signs fixed by R's diagonal so
    that the distribution is uniform."""
    from .. import linalg
    if tensor.ndim < 2:
        raise ValueError('Only tensors with 2 or more dimensions are supported')
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    draw = tensor.new_empty((rows, cols))
    normal_(draw, 0.0, 1.0, generator)
    if rows < cols:
        draw = draw.t()
    q, r = linalg.qr(draw)
    q = q * r.diagonal().sign()
    if rows < cols:
        q = q.t()
    return _write(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """N(0, std^2) with a fraction `sparsity` of each column's entries (rounded up) zeroed,
    at rows drawn at random (Martens, 2010)."""
    from ..creation import randperm
    if tensor.ndim != 2:
        raise ValueError('Only tensors with 2 dimensions are supported')
    rows, cols = tensor.shape
    zeros_per_column = int(math.ceil(sparsity * rows))
    normal_(tensor, 0.0, std, generator)
    with no_grad():
        for column in range(cols):
            chosen = randperm(rows, generator=generator, device=tensor.device)
            tensor[chosen[:zeros_per_column], column] = 0
    return tensor


def dirac_(tensor, groups=1):
    """The identity of a convolution: 1 at the centre of the kernel that maps input channel
    d to output channel d (within each of `groups` groups), 0 elsewhere."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError('Only tensors with 3, 4, or 5 dimensions are supported')
    out_channels = tensor.shape[0]
    if out_channels % groups != 0:
        raise ValueError('dim 0 must be divisible by groups')
    per_group = out_channels // groups
    centre = tuple(n // 2 for n in tensor.shape[2:])
    with no_grad():
        tensor.zero_()
        for group in range(groups):
            for channel in range(min(per_group, tensor.shape[1])):
                tensor[(group * per_group + channel, channel) + centre] = 1
    return tensor


def eye_(tensor):
    """The identity matrix (ones on the main diagonal of a rectangular one too)."""
    from ..creation import eye
    if tensor.ndim != 2:
        raise ValueError('Only tensors with 2 dimensions are supported')
    return _write(tensor, eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))


def _deprecated(new):
    """The old name of an initialiser (PyTorch keeps them, with a FutureWarning)."""
    old = new.__name__[:-1]

    def initialiser(*args, **kwargs):
        warnings.warn(f'`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.',
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)
    initialiser.__name__ = initialiser.__qualname__ = old
    initialiser.__doc__ = f'{new.__name__} under its deprecated name.'
    return initialiser


uniform, normal, constant, xavier_uniform, xavier_normal, kaiming_uniform, kaiming_normal, \
    orthogonal, sparse, dirac, eye = (
        _deprecated(f) for f in (uniform_, normal_, constant_, xavier_uniform_, xavier_normal_,
                                 kaiming_uniform_, kaiming_normal_, orthogonal_, sparse_,
                                 dirac_, eye_))
