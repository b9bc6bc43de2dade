"""`BatchNorm1d`, `BatchNorm2d` and `LayerNorm`, with PyTorch's parameters, buffers and
state-dict keys."""
import warnings

from ...creation import empty, ones, zeros, tensor
from ... import _dtype
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter, UninitializedBuffer, UninitializedParameter, is_lazy
from .lazy import LazyModuleMixin
from .module import Module


class _BatchNorm(Module):
    """Per-channel normalisation (dim 1) with learnable weight and bias (affine) and running
    mean and variance (track_running_stats) used in eval mode."""
    _input_dims = ()

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.has_bias = affine and bias
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter('bias', None)
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
        if track_running_stats:
            self.register_buffer('running_mean', zeros(num_features, device=device,
                                                       dtype=dtype))
            self.register_buffer('running_var', ones(num_features, device=device, dtype=dtype))
            self.register_buffer('num_batches_tracked',
                                 tensor(0, dtype=_dtype.int64, device=device))
        else:
            for name in ('running_mean', 'running_var', 'num_batches_tracked'):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        if input.ndim not in self._input_dims:
            wanted = ' or '.join(f'{d}D' for d in self._input_dims)
            raise ValueError(f'expected {wanted} input (got {input.ndim}D input)')

    def forward(self, input):
        self._check_input_dim(input)
        tracking = self.training and self.track_running_stats
        use_batch = self.training or self.running_mean is None
        keep_stats = not self.training or self.track_running_stats
        running_mean = self.running_mean if keep_stats else None
        running_var = self.running_var if keep_stats else None
        # checked before the counter moves: a failed call changes nothing
        F._check_batch_norm(input, running_mean, running_var, self.weight, self.bias,
                            use_batch)
        factor = 0.0 if self.momentum is None else self.momentum
        if tracking:
            _count_batch(self.num_batches_tracked)
            if self.momentum is None:                  # a cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked.item())
        return F.checked_batch_norm(input, running_mean, running_var, self.weight, self.bias,
                                    use_batch, factor, self.eps)

    def extra_repr(self):
        return (f'{self.num_features}, eps={self.eps}, momentum={self.momentum}, '
                f'affine={self.affine}, bias={self.has_bias}, '
                f'track_running_stats={self.track_running_stats}')


def _count_batch(counter):
    """counter.add_(1) under no_grad: straight into a plain buffer's array (add_'s checks
    cost about a tenth of a small batch's forward), through add_ for anything else."""
    if counter._base is None and not counter._requires_grad and counter._data.ndim == 0:
        counter._data += 1
        counter._version_counter[0] += 1
        return
    with no_grad():
        counter.add_(1)


class BatchNorm1d(_BatchNorm):
    """Over (N, C) or (N, C, L) inputs."""
    _input_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Over (N, C, H, W) inputs."""
    _input_dims = (4,)


class LayerNorm(Module):
    """Normalises over the last dims (normalized_shape), with elementwise weight and bias."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self.has_bias = elementwise_affine and bias
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(zeros(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter('bias', None)
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f'{self.normalized_shape}, eps={self.eps}, '
                f'elementwise_affine={self.elementwise_affine}, bias={self.has_bias}')


class GroupNorm(Module):
    """Normalises each sample over groups of channels; per-channel weight (ones) and bias
    (zeros) when affine."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f'num_channels ({num_channels}) must be divisible by num_groups '
                             f'({num_groups})')
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(empty(num_channels, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_channels, device=device, dtype=dtype))
            else:
                self.register_parameter('bias', None)
        else:
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f'{self.num_groups}, {self.num_channels}, eps={self.eps}, '
                f'affine={self.affine}, bias={self.bias is not None}')


class _InstanceNorm(_BatchNorm):
    """Per-sample, per-channel normalisation over the positions; by default without weight,
    bias or running statistics (PyTorch's defaults), which eval mode uses when tracked."""
    _spatial_dims = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias)

    def _check_input_dim(self, input):
        if input.ndim not in self._input_dims:
            raise ValueError(f'expected {self._input_dims[0]}D or {self._input_dims[1]}D input '
                             f'(got {input.ndim}D input)')

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.ndim - self._spatial_dims - 1
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f'num_features ({self.num_features}), but got: '
                                 f'{input.shape[feature_dim]}.')
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          'can silence this warning by not passing in num_features, which is '
                          'not used because affine=False', UserWarning, stacklevel=2)
        unbatched = input.ndim == self._spatial_dims + 1
        out = F.instance_norm(input.unsqueeze(0) if unbatched else input, self.running_mean,
                              self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Over (N, C, L) or (C, L) inputs."""
    _input_dims, _spatial_dims = (2, 3), 1


class InstanceNorm2d(_InstanceNorm):
    """Over (N, C, H, W) or (C, H, W) inputs."""
    _input_dims, _spatial_dims = (3, 4), 2


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the last dims (normalized_shape), times a weight (ones)
    when elementwise_affine; eps None: the machine epsilon of the input's dtype."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter('weight', None)

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f'{self.normalized_shape}, eps={self.eps}, '
                f'elementwise_affine={self.elementwise_affine}')


class LocalResponseNorm(Module):
    """Each channel divided by (k + alpha * mean of x^2 over `size` neighbouring channels)
    ** beta."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f'{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}'


class BatchNorm3d(_BatchNorm):
    """Over (N, C, D, H, W) inputs."""
    _input_dims = (5,)


class SyncBatchNorm(_BatchNorm):
    """Batch norm over (N, C, +) inputs whose statistics PyTorch gathers from every process
    of a process group while training. microtorch runs in one process (there is no
    torch.distributed here), which is PyTorch's own case when no process group is set up:
    the statistics are the local batch's, exactly as a BatchNorm*d's."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None, *,
                 bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         device=device, dtype=dtype, bias=bias)
        self.process_group = process_group

    def _check_input_dim(self, input):
        if input.ndim < 2:
            raise ValueError(f'expected at least 2D input (got {input.ndim}D input)')
        if input.shape[1] == 0:
            raise ValueError('SyncBatchNorm number of input channels should be non-zero')

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """`module` with every BatchNorm*d inside it replaced by a SyncBatchNorm that shares
        its parameters and buffers (a BatchNorm*d itself gives a new SyncBatchNorm)."""
        converted = module
        if isinstance(module, _BatchNorm) and not isinstance(module, _InstanceNorm):
            converted = SyncBatchNorm(module.num_features, module.eps, module.momentum,
                                      module.affine, module.track_running_stats, process_group,
                                      bias=module.bias is not None)
            if module.affine:
                converted.weight, converted.bias = module.weight, module.bias
            converted.running_mean = module.running_mean
            converted.running_var = module.running_var
            converted.num_batches_tracked = module.num_batches_tracked
            converted.training = module.training
            if hasattr(module, 'qconfig'):
                converted.qconfig = module.qconfig
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class InstanceNorm3d(_InstanceNorm):
    """Over (N, C, D, H, W) or (C, D, H, W) inputs."""
    _input_dims, _spatial_dims = (4, 5), 3


class _LazyNormBase(LazyModuleMixin):
    """num_features from the first input's channel dim. PyTorch's lazy norms default to
    affine=True and track_running_stats=True, the instance norms' too."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        # built without parameters or statistics: the uninitialised ones replace them
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        self.has_bias = affine and bias
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=_dtype.int64, device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def _feature_dim(self, input):
        return 1

    def initialize_parameters(self, input):
        if not self.has_uninitialized_params():
            return
        self._check_input_dim(input)        # before anything changes
        num_features = input.shape[self._feature_dim(input)]
        self.num_features = num_features
        with no_grad():
            for value in (*self._parameters.values(), *self._buffers.values()):
                if is_lazy(value):
                    value.materialize((num_features,))
            self.reset_parameters()


class _LazyInstanceNorm(_LazyNormBase):
    def _feature_dim(self, input):
        # unbatched input has its channels first (PyTorch reads dim 1 even there)
        return 0 if input.ndim == self._spatial_dims + 1 else 1


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """BatchNorm1d with num_features from the first input; becomes a BatchNorm1d then."""
    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """BatchNorm2d with num_features from the first input; becomes a BatchNorm2d then."""
    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """BatchNorm3d with num_features from the first input; becomes a BatchNorm3d then."""
    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyInstanceNorm, InstanceNorm1d):
    """InstanceNorm1d with num_features from the first input; becomes one then."""
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm, InstanceNorm2d):
    """InstanceNorm2d with num_features from the first input; becomes one then."""
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm, InstanceNorm3d):
    """InstanceNorm3d with num_features from the first input; becomes one then."""
    cls_to_become = InstanceNorm3d


class CrossMapLRN2d(Module):
    """Local response normalisation across channels of (N, C, H, W) input (the legacy form:
    the window is (size - 1) // 2 channels either side, the sum divided by size)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F._cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f'{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}'
