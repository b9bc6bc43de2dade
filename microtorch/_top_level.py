"""Small torch.* functions: tests of a tensor (is_nonzero, is_same_size, is_signed),
result_type, scalar_tensor, range, fill, asarray, the thread count, window functions, the
torch.<name>_ in-place functions, and the nn.functional ops PyTorch also has at top level
(with the argument order and integer reductions of those top-level forms).
"""
import math
import os
import warnings

import numpy as np

from . import _dtype
from ._caller import user_stacklevel
from ._device import device as _device, uses_default_device
from .autograd.function import grad_fn_named
from .autograd.grad_mode import no_grad
from .creation import tensor as _tensor, from_numpy as _from_numpy, _finish
from .ops import functional as F
from .ops.indexing import FillNumber, FillWhole
from .tensor import Tensor

# ---- tests of a tensor -------------------------------------------------------------------


def is_nonzero(input):
    """Whether a one-element tensor is not zero (False and 0 are zero)."""
    F._require_tensor(input, 'is_nonzero')
    if input.numel() == 0:
        raise RuntimeError('Boolean value of Tensor with no values is ambiguous')
    if input.numel() > 1:
        raise RuntimeError('Boolean value of Tensor with more than one value is ambiguous')
    return bool(input.item() != 0)


def is_same_size(input, other):
    F._require_tensor(other, 'is_same_size', 'other')
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input):
    """Whether input's dtype has negative values (every dtype but bool)."""
    return input.dtype.is_signed


def result_type(tensor, other):
    """The dtype an op on these two (tensors or Python numbers) computes in."""
    operands = (tensor, other)
    if not all(isinstance(v, (Tensor, bool, int, float)) for v in operands):
        raise TypeError(_no_overload('result_type', operands, (
            (('Tensor', 'tensor'), ('Tensor', 'other')),
            (('Number', 'scalar'), ('Tensor', 'tensor')),
            (('Tensor', 'tensor'), ('Number', 'other')),
            (('Number', 'scalar1'), ('Number', 'scalar2')))))
    return _dtype.result_type([v for v in operands if isinstance(v, Tensor)],
                              [v for v in operands if not isinstance(v, Tensor)])


def _no_overload(name, arguments, overloads):
    """PyTorch's TypeError for arguments that fit none of a function's signatures: each
    signature, with the arguments of the wrong kind between exclamation marks."""
    def described(value):
        if isinstance(value, (list, tuple)):
            kinds = ', '.join(dict.fromkeys(type(v).__name__ for v in value))
            return f'{type(value).__name__} of [{kinds}]'
        return type(value).__name__

    def fits(value, kind):
        return isinstance(value, Tensor) if kind == 'Tensor' else \
            isinstance(value, (bool, int, float))
    got = ', '.join(type(v).__name__ for v in arguments)
    lines = [f'{name}() received an invalid combination of arguments - got ({got}), but '
             'expected one of:']
    for signature in overloads:
        lines.append(' * (' + ', '.join(f'{kind} {arg}' for kind, arg in signature) + ')')
        marked = ', '.join(described(v) if fits(v, kind) else f'!{described(v)}!'
                           for v, (kind, _) in zip(arguments, signature))
        lines.append("      didn't match because some of the arguments have invalid types: "
                     f'({marked})')
    return '\n'.join(lines) + '\n'


# ---- making tensors ------------------------------------------------------------------------

@uses_default_device
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding s, in the default float dtype unless dtype says otherwise."""
    dtype = _dtype.default_float if dtype is None else dtype
    return _tensor(s, dtype=dtype, device=device, requires_grad=requires_grad)


_RANGE_DEPRECATED = ('torch.range is deprecated and will be removed in a future release '
                     "because its behavior is inconsistent with Python's range builtin. "
                     'Instead, use torch.arange, which produces values in [start, end).')


@uses_default_device
def range_(start, end, step=1, *, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... up to end included, in the default float dtype (deprecated,
    as in PyTorch: arange leaves end out)."""
    warnings.warn(_RANGE_DEPRECATED.replace('torch.', 'microtorch.'), UserWarning,
                  stacklevel=user_stacklevel())
    if dtype is not None and _dtype.to_dtype(dtype) is _dtype.bool_:
        raise NotImplementedError('"range_cpu" not implemented for \'Bool\'')
    if step == 0:
        raise RuntimeError('step must be nonzero')
    if (end - start) * step < 0:
        raise RuntimeError('upper bound and lower bound inconsistent with step sign')
    count = int(math.floor((end - start) / step)) + 1
    values = start + np.arange(count, dtype=np.float64) * step
    return _finish(values, _dtype.default_float if dtype is None else dtype, device,
                   requires_grad)


range_.__name__ = range_.__qualname__ = 'range'


@grad_fn_named('FillBackward0')
def fill(input, value):
    """A tensor of input's shape and dtype holding value (a number or a 0-d tensor, whose
    gradient is the sum of the incoming one)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError('fill_ only supports 0-dimension value tensor but got tensor with '
                           f'{value.ndim} dimensions.')
    return F.index_put(input, Ellipsis, value,
                       FillWhole if isinstance(value, Tensor) else FillNumber)


@uses_default_device
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """obj as a tensor, sharing memory with a tensor or NumPy array where dtype and device
    allow (a copy with copy=True; copy=False refuses to copy)."""
    if isinstance(obj, Tensor):
        source = obj
    elif isinstance(obj, np.ndarray) and obj.dtype in _dtype._BY_NP:
        source = _from_numpy(obj)
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        return _tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    out = source.to(dtype=dtype, device=device)
    shared = out._data is source._data
    if copy is False and out.dtype is not source.dtype:
        raise ValueError(f"can't alias tensor with dtype '{F.type_name(source.dtype)}' into "
                         f"dtype '{F.type_name(out.dtype)}'.")
    if copy is False and not shared:
        raise ValueError(f"can't alias tensor from device '{source.device}' to "
                         f"'{out.device}'.")
    if copy and shared:
        out = out.clone()
    if requires_grad:
        out = out.detach() if out is obj else out
        out.requires_grad_()
    return out


# ---- threads ---------------------------------------------------------------------------------

_threads = [None]       # what set_num_threads asked for


def set_num_threads(n):
    """The number of threads microtorch's CPU kernels use: Numba's parallel kernels (capped
    at the cores Numba started with), and NumPy's BLAS pool where threadpoolctl is
    installed (else BLAS keeps the size OMP_NUM_THREADS gave it when NumPy loaded)."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise RuntimeError(f'set_num_threads expects an int, but got {type(n).__name__}')
    if n <= 0:
        raise RuntimeError('set_num_threads expects a positive integer')
    _threads[0] = n
    from .backends import numba_dispatch
    if numba_dispatch.settings.enabled:
        numba_dispatch.prepare_threads()
        import numba
        numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        import threadpoolctl
    except ImportError:
        return
    threadpoolctl.threadpool_limits(n, user_api='blas')


def get_num_threads():
    """The count set_num_threads set, else the number of cores."""
    return _threads[0] if _threads[0] is not None else _CORES


# os.cpu_count() reads /sys on every call (~3 us); every exact sum asks for the thread count.
_CORES = os.cpu_count() or 1


# ---- windows -------------------------------------------------------------------------------

def _window(name, window_length, periodic, dtype, device, requires_grad, shape):
    """A window of window_length points: shape(n) gives the N symmetric points of a length-N
    window (N = window_length + 1 when periodic, the last point then dropped)."""
    if not isinstance(window_length, int) or isinstance(window_length, bool):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, not "
                        f'{type(window_length).__name__}')
    if window_length < 0:
        raise RuntimeError(f'{name} requires non-negative window_length, got '
                           f'window_length={window_length}')
    dtype = _dtype.default_float if dtype is None else _dtype.to_dtype(dtype)
    if not dtype.is_floating_point:
        where = 'cpu' if device is None else str(_device(device))
        raise RuntimeError(f'{name} expects floating point dtypes, got: TensorOptions(dtype='
                           f'{_dtype.c_type_name(dtype)}, device={where}, layout=Strided '
                           '(default), requires_grad=false (default), pinned_memory=false, '
                           'memory_format=(nullopt))')
    if window_length <= 1:
        values = np.ones(window_length)
    else:
        n = window_length + 1 if periodic else window_length
        values = shape(n)[:window_length]
    return _finish(values, dtype, device, requires_grad)


@uses_default_device
def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   device=None, requires_grad=False):
    """alpha - beta cos(2 pi k / (N - 1))."""
    return _window('hamming_window', window_length, periodic, dtype, device, requires_grad,
                   lambda n: alpha - beta * np.cos(2 * math.pi * np.arange(n) / (n - 1)))


@uses_default_device
def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """0.5 - 0.5 cos(2 pi k / (N - 1))."""
    return _window('hann_window', window_length, periodic, dtype, device, requires_grad,
                   lambda n: 0.5 - 0.5 * np.cos(2 * math.pi * np.arange(n) / (n - 1)))


@uses_default_device
def blackman_window(window_length, periodic=True, *, dtype=None, device=None,
                    requires_grad=False):
    """0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))."""
    def shape(n):
        angle = math.pi * np.arange(n) / (n - 1)
        return 0.08 * np.cos(4 * angle) - 0.5 * np.cos(2 * angle) + 0.42
    return _window('blackman_window', window_length, periodic, dtype, device, requires_grad,
                   shape)


@uses_default_device
def bartlett_window(window_length, periodic=True, *, dtype=None, device=None,
                    requires_grad=False):
    """The triangle 1 - |2k / (N - 1) - 1|."""
    return _window('bartlett_window', window_length, periodic, dtype, device, requires_grad,
                   lambda n: 1 - np.abs(2 * np.arange(n) / (n - 1) - 1))


@uses_default_device
def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None,
                  requires_grad=False):
    """I0(beta sqrt(1 - (2k / (N - 1) - 1)^2)) / I0(beta), I0 the modified Bessel function of
    order 0."""
    return _window('kaiser_window', window_length, periodic, dtype, device, requires_grad,
                   lambda n: np.i0(beta * np.sqrt(np.abs(1 - (2 * np.arange(n) / (n - 1) - 1)
                                                         ** 2))) / np.i0(beta))


# ---- nn.functional ops at top level ----------------------------------------------------------

_REDUCTIONS = {1: 'mean', 2: 'sum'}        # any other int: none, as PyTorch reads them


def _nn():
    from .nn import functional
    return functional


def _reduction(reduction):
    return _REDUCTIONS.get(reduction, 'none')


def _same_as_nn(name):
    """torch.<name>, which takes nn.functional.<name>'s arguments (nn imported on first use)."""
    def function(*args, **kwargs):
        return getattr(_nn(), name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f'microtorch.nn.functional.{name}, at top level as in PyTorch.'
    return function


conv1d, conv2d, conv3d = (_same_as_nn(f'conv{n}d') for n in (1, 2, 3))
conv_transpose1d, conv_transpose2d, conv_transpose3d = (
    _same_as_nn(f'conv_transpose{n}d') for n in (1, 2, 3))
bilinear = _same_as_nn('bilinear')


def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """The pooled values alone (stride () or None: the kernel size)."""
    return _nn().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _nn().max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    return _nn().avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def adaptive_avg_pool1d(input, output_size):
    return _nn().adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input, output_size):
    """(values, indices), always."""
    return tuple(_nn().adaptive_max_pool1d(input, output_size, return_indices=True))


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
               cudnn_enabled=True):
    return _nn().batch_norm(input, running_mean, running_var, weight, bias, training,
                            momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5, cudnn_enable=True):
    return _nn().layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    return _nn().group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                  eps, cudnn_enabled=True):
    return _nn().instance_norm(input, running_mean, running_var, weight, bias,
                               use_input_stats, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """weight's rows at indices (note the order: weight first); a negative padding_idx is
    none, as at this level in PyTorch."""
    return _nn().embedding(indices, weight, None if padding_idx < 0 else padding_idx,
                           scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def selu(input):
    return _nn().selu(input)


def celu(input, alpha=1.0):
    return _nn().celu(input, alpha)


def prelu(input, weight):
    return _nn().prelu(input, weight)


def hardshrink(input, lambd=0.5):
    return _nn().hardshrink(input, lambd)


def threshold(input, threshold, value):
    return _nn().threshold(input, threshold, value)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    """reduction as an int: 0 none (what PyTorch's top-level form does by default), 1 mean,
    2 sum."""
    return _nn().binary_cross_entropy_with_logits(input, target, weight,
                                                  reduction=_reduction(reduction),
                                                  pos_weight=pos_weight)


def kl_div(input, target, reduction=0, *, log_target=False):
    """reduction as an int (0 none by default, 1 mean, 2 sum); 'mean' here is the plain mean,
    without nn.functional's warning about it."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        return _nn().kl_div(input, target, reduction=_reduction(reduction),
                            log_target=log_target)


# ---- torch.<name>_: the in-place methods as functions ------------------------------------

_INPLACE_FUNCTIONS = (
    'abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'arccos', 'arccosh', 'arcsin',
    'arcsinh', 'arctan', 'arctanh', 'ceil', 'clamp', 'clamp_max', 'clamp_min', 'clip', 'cos',
    'cosh', 'deg2rad', 'erf', 'exp', 'exp2', 'expm1', 'fill', 'fix', 'floor', 'frac', 'gcd',
    'index_put', 'lcm', 'ldexp', 'log', 'log10', 'log1p', 'log2', 'logit', 'nan_to_num', 'neg',
    'negative', 'rad2deg', 'reciprocal', 'relu', 'round', 'rsqrt', 'sigmoid', 'sin', 'sinc',
    'sinh', 'sqrt', 'square', 'tan', 'tanh', 'trunc', 'xlogy', 'zero', 'addmv', 'detach')


def _inplace_function(name):
    method_name = name + '_'

    def function(input, *args, **kwargs):
        return getattr(input, method_name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = method_name
    function.__doc__ = f'input.{method_name}(...): {name} in place.'
    return function


INPLACE = {name + '_': _inplace_function(name) for name in _INPLACE_FUNCTIONS}


def selu_(input):
    return _nn().selu(input, inplace=True)


def celu_(input, alpha=1.0):
    return _nn().celu(input, alpha, inplace=True)


def threshold_(input, threshold, value):
    return _nn().threshold(input, threshold, value, inplace=True)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return _nn().rrelu(input, lower, upper, training, inplace=True)


def dropout_(input, p, train):
    return _nn().dropout(input, p, train, inplace=True)


# ---- more of torch.*: nn forms, old linalg names, index_reduce, the RNN cells --------------

def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return _nn().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


def constant_pad_nd(input, pad, value=0):
    return _nn().pad(input, pad, 'constant', value)


def detach(input):
    return input.detach()


def native_dropout(input, p, train):
    """(output, mask): dropout's output and its keep mask (all True when not training)."""
    from .creation import ones_like, rand
    if not train or p == 0:
        return input.clone(), ones_like(input, dtype=_dtype.bool_)
    keep = rand(input.shape, device=input.device) >= p
    return input * keep / (1 - p), keep


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(output, mean, rstd): layer_norm's output and the statistics it used, kept over the
    normalised dims."""
    dims = tuple(range(input.ndim - len(normalized_shape), input.ndim))
    with no_grad():
        mean = input.mean(dims, keepdim=True)
        rstd = (input.var(dims, unbiased=False, keepdim=True) + eps).rsqrt()
    out = _nn().layer_norm(input, normalized_shape, weight, bias, eps)
    return out, mean, rstd


def cholesky_inverse(L, upper=False):
    """The inverse of A from its Cholesky factor (A = L L^T, or U^T U with upper=True)."""
    from .creation import eye
    from .linalg import cholesky_solve
    return cholesky_solve(eye(L.shape[-1], dtype=L.dtype, device=L.device), L, upper)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """(solution, cloned_coefficient): X with op(A) X = b, op(A) = A or A^T; the old form of
    linalg.solve_triangular."""
    from . import return_types
    from .linalg import solve_triangular
    matrix = A.mT if transpose else A
    solution = solve_triangular(matrix, b, upper=upper != transpose,
                                unitriangular=unitriangular)
    return return_types.named('triangular_solve', ('solution', 'cloned_coefficient'))(
        solution, A.clone())


def frobenius_norm(input, dim=(-2, -1), keepdim=False):
    from .linalg import vector_norm
    return vector_norm(input, 2, dim, keepdim)


def nuclear_norm(input, dim=None, keepdim=False):
    """The sum of the singular values (nuclear_norm(input, keepdim) or (input, dim,
    keepdim))."""
    from .linalg import matrix_norm
    if isinstance(dim, bool):                 # nuclear_norm(input, keepdim)
        dim, keepdim = None, dim
    return matrix_norm(input, 'nuc', (-2, -1) if dim is None else dim, keepdim)


@uses_default_device
def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of `size` laid out with element strides `stride`."""
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.default_float
    if len(size) != len(stride):
        raise RuntimeError(f'dimensionality of sizes ({len(size)}) must match dimensionality '
                           f'of strides ({len(stride)})')
    extent = 1 + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    array = np.lib.stride_tricks.as_strided(
        np.empty(max(extent, 1), dtype.np), tuple(size),
        tuple(s * dtype.itemsize for s in stride))
    return _finish(array, None, device, requires_grad)


_INDEX_REDUCTIONS = ('prod', 'mean', 'amax', 'amin')


def index_reduce(input, dim, index, source, reduce, *, include_self=True):
    """input with source's slices combined by `reduce` into the slices `index` names along
    dim: scatter_reduce with the index spread over source's other dims."""
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError('index_reduce(): Expected reduce to be one of prod, mean, amax or '
                           f'amin but got {reduce}.')
    F._require_tensor(index, 'index_reduce', 'index')
    dim = F.wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError('index_reduce_(): Index is supposed to be a vector, but got dim: '
                         f'{index.ndim} with type: {F.type_name(index.dtype)} and size: '
                         f'{list(index.shape)}')
    shape = [1] * source.ndim
    if source.ndim:
        shape[dim] = -1
    spread = index.reshape(shape).expand(source.shape) if source.ndim else index.reshape(())
    return input.scatter_reduce(dim, spread, source, reduce, include_self=include_self)


def nonzero_static(input, *, size, fill_value=-1):
    """nonzero()'s rows, cut or padded with fill_value to exactly `size` rows."""
    found = input.nonzero()
    if found.shape[0] >= size:
        return found[:size]
    from .creation import full
    padding = full((size - found.shape[0], found.shape[1]), fill_value, dtype=found.dtype,
                   device=found.device)
    return F.cat([found, padding])


def unsafe_chunk(input, chunks, dim=0):
    return input.chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):
    return input.split(split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    return input.split(list(split_sizes), dim)


def get_device(input):
    return input.get_device()


def _gates(input, hx, w_ih, w_hh, b_ih, b_hh):
    nnF = _nn()
    return nnF.linear(input, w_ih, b_ih), nnF.linear(hx, w_hh, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    return (gi + gh).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h', c') of one LSTM step; hx = (h, c); the gates in PyTorch's order i, f, g, o."""
    h, c = hx
    gi, gh = _gates(input, h, w_ih, w_hh, b_ih, b_hh)
    i, f, g, o = (gi + gh).chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c.tanh(), c


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' of one GRU step; the gates in PyTorch's order r, z, n."""
    gi, gh = _gates(input, hx, w_ih, w_hh, b_ih, b_hh)
    i_r, i_z, i_n = gi.chunk(3, -1)
    h_r, h_z, h_n = gh.chunk(3, -1)
    r, z = (i_r + h_r).sigmoid(), (i_z + h_z).sigmoid()
    n = (i_n + r * h_n).tanh()
    return (1 - z) * n + z * hx
