"""`Conv1d`, `Conv2d`, `MaxPool1d`, `MaxPool2d`, `AvgPool1d` and `AvgPool2d`, with PyTorch's
arguments, initialisation and listings. The work is in nn.functional (conv1d/conv2d, ...; the
1-d forms run the 2-d code with a height of 1)."""
from ..._size import Size
from ...autograd.grad_mode import no_grad
from .. import functional as F
from ..parameter import UninitializedParameter
from .lazy import LazyModuleMixin
from .linear import add_weight_and_bias, reset_weight_and_bias
from .module import Module


_PADDING_MODES = ('zeros', 'reflect', 'replicate', 'circular')


def _ntuple(value, dims):
    return (value,) * dims if isinstance(value, int) else tuple(value)


class _ConvNd(Module):
    """Convolution over `_dims` spatial dims: weight (out_channels, in_channels / groups,
    *kernel_size), initialised as PyTorch's (kaiming_uniform_ with a = sqrt(5); bias from
    +-1/sqrt(fan_in))."""
    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode='zeros', device=None, dtype=None):
        super().__init__()
        if groups <= 0:
            raise ValueError('groups must be a positive integer')
        if in_channels % groups:
            raise ValueError('in_channels must be divisible by groups')
        if out_channels % groups:
            raise ValueError('out_channels must be divisible by groups')
        dims = self._dims
        self.stride, self.dilation = _ntuple(stride, dims), _ntuple(dilation, dims)
        if isinstance(padding, str):
            if padding not in ('same', 'valid'):
                # a set, as PyTorch words it: its order is the process's string hashing's
                raise ValueError(f"Invalid padding string '{padding}', should be one of "
                                 f"{ {'same', 'valid'} }")
            if padding == 'same' and self.stride != (1,) * dims:
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, dims)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f'padding_mode must be one of {set(_PADDING_MODES)}, but got '
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.groups = _ntuple(kernel_size, dims), groups
        self.padding_mode = padding_mode
        add_weight_and_bias(self, self._weight_shape(in_channels, out_channels, groups),
                            bias, device, dtype, out_channels)

    def _weight_shape(self, in_channels, out_channels, groups):
        return (out_channels, in_channels // groups) + self.kernel_size

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def _border_padding(self):
        """F.pad's amounts (last dim first) for a padding_mode other than 'zeros'."""
        if self.padding == 'valid':
            return (0, 0) * self._dims
        if self.padding == 'same':
            pairs = F._same_padding(self.kernel_size, self.dilation)
        else:
            pairs = [(p, p) for p in self.padding]
        return tuple(amount for pair in reversed(pairs) for amount in pair)

    def forward(self, input):
        if self.padding_mode != 'zeros':
            input = F.pad(input, self._border_padding(), mode=self.padding_mode)
            return F._conv(input, self.weight, self.bias, self.stride, (0,) * self._dims,
                           self.dilation, self.groups, self._dims)
        return F._conv(input, self.weight, self.bias, self.stride, self.padding,
                       self.dilation, self.groups, self._dims)

    def extra_repr(self):
        text = (f'{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, '
                f'stride={self.stride}')
        if self.padding != (0,) * self._dims:
            text += f', padding={self.padding}'
        if self.dilation != (1,) * self._dims:
            text += f', dilation={self.dilation}'
        output_padding = getattr(self, 'output_padding', None)      # transposed ones only
        if output_padding is not None and output_padding != (0,) * self._dims:
            text += f', output_padding={output_padding}'
        if self.groups != 1:
            text += f', groups={self.groups}'
        if self.bias is None:
            text += ', bias=False'
        if self.padding_mode != 'zeros':
            text += f', padding_mode={self.padding_mode}'
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) or (C, L): weight (out_channels, in_channels / groups,
    k)."""
    _dims = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) or (C, H, W): weight (out_channels, in_channels /
    groups, kh, kw)."""
    _dims = 2


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)

    def extra_repr(self):
        return (f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, '
                f'dilation={self.dilation}, ceil_mode={self.ceil_mode}')


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'


class MaxPool1d(MaxPool2d):
    def forward(self, input):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool1d(Module):
    """Its window arguments are kept as 1-tuples, as in PyTorch."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _ntuple(kernel_size, 1)
        self.stride = _ntuple(stride if stride is not None else kernel_size, 1)
        self.padding = _ntuple(padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f'kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}'


class _AdaptiveAvgPoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f'output_size={self.output_size}'


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """output_size: an int, or (H, W) where None keeps the input's size."""

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)


class _AdaptiveMaxPoolNd(Module):
    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def extra_repr(self):
        return f'output_size={self.output_size}'


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """output_size: an int, or (H, W) where None keeps the input's size."""

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class _ConvTransposeNd(_ConvNd):
    """Transposed convolution: weight (in_channels, out_channels / groups, *kernel_size),
    initialised as the convolutions' are (by the fan-in PyTorch computes from that shape)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros',
                 device=None, dtype=None):
        if padding_mode != 'zeros':
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f'{type(self).__name__}')
        if isinstance(padding, str):
            raise NotImplementedError(f'{type(self).__name__}: string padding is not '
                                      'supported by microtorch')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype)
        self.output_padding = _ntuple(output_padding, self._dims)

    def _weight_shape(self, in_channels, out_channels, groups):
        return (in_channels, out_channels // groups) + self.kernel_size   # roles swapped

    def _output_padding(self, input, output_size):
        """output_padding, or what reaches output_size (PyTorch's range check)."""
        if output_size is None:
            return self.output_padding
        dims = self._dims
        leading = 2 if input.ndim == dims + 2 else 1
        if len(output_size) == leading + dims:    # kept as given: PyTorch's message shows it
            output_size = output_size[leading:]
        if len(output_size) != dims:
            raise ValueError(f'ConvTranspose{dims}D: for {input.ndim}D input, output_size must '
                             f'have {dims} or {leading + dims} elements (got '
                             f'{len(output_size)})')
        smallest = [(input.shape[leading + d] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(dims)]
        largest = [n + s - 1 for n, s in zip(smallest, self.stride)]
        for size, low, high in zip(output_size, smallest, largest):
            if size < low or size > high:
                raise ValueError(f'requested an output size of {output_size}, but valid sizes '
                                 f'range from {smallest} to {largest} (for an input of '
                                 f'{Size(input.shape[2:])})')       # [2:] even unbatched
        return tuple(size - low for size, low in zip(output_size, smallest))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F._conv_transpose(input, self.weight, self.bias, self.stride, self.padding,
                                 output_padding, self.groups, self.dilation, self._dims)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over (N, C, L) or (C, L)."""
    _dims = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over (N, C, H, W) or (C, H, W)."""
    _dims = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over (N, C, D, H, W) or (C, D, H, W)."""
    _dims = 3


class Conv3d(_ConvNd):
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W): weight (out_channels,
    in_channels / groups, kd, kh, kw)."""
    _dims = 3


class MaxPool3d(MaxPool2d):
    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """output_size: an int, or (D, H, W) where None keeps the input's size."""

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """output_size: an int, or (D, H, W) where None keeps the input's size."""

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class _LazyConvMixin(LazyModuleMixin):
    """in_channels from the first input's channel dim (dim 1 batched, 0 unbatched)."""

    def _lazy_init(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _get_in_channels(self, input):
        unbatched = self._dims + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise RuntimeError(f'Expected {unbatched}D (unbatched) or {unbatched + 1}D '
                               f'(batched) input to {type(self).__name__}, but got input of '
                               f'size: {input.shape}')
        return input.shape[1] if input.ndim == unbatched + 1 else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs):
        if not self.has_uninitialized_params():
            return
        in_channels = self._get_in_channels(input)
        if in_channels % self.groups:       # checked first: a failed call changes nothing
            raise ValueError('in_channels must be divisible by groups')
        self.in_channels = in_channels
        with no_grad():
            self.weight.materialize(self._weight_shape(in_channels, self.out_channels,
                                                       self.groups))
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class _LazyConvNd(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode='zeros', device=None, dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class _LazyConvTransposeNd(_LazyConvMixin):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode='zeros', device=None,
                 dtype=None):
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode, device, dtype)
        self._lazy_init(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConvNd, Conv1d):
    """Conv1d with in_channels from the first input; becomes a Conv1d then."""
    cls_to_become = Conv1d


class LazyConv2d(_LazyConvNd, Conv2d):
    """Conv2d with in_channels from the first input; becomes a Conv2d then."""
    cls_to_become = Conv2d


class LazyConv3d(_LazyConvNd, Conv3d):
    """Conv3d with in_channels from the first input; becomes a Conv3d then."""
    cls_to_become = Conv3d


class LazyConvTranspose1d(_LazyConvTransposeNd, ConvTranspose1d):
    """ConvTranspose1d with in_channels from the first input; becomes one then."""
    cls_to_become = ConvTranspose1d


class LazyConvTranspose2d(_LazyConvTransposeNd, ConvTranspose2d):
    """ConvTranspose2d with in_channels from the first input; becomes one then."""
    cls_to_become = ConvTranspose2d


class LazyConvTranspose3d(_LazyConvTransposeNd, ConvTranspose3d):
    """ConvTranspose3d with in_channels from the first input; becomes one then."""
    cls_to_become = ConvTranspose3d
