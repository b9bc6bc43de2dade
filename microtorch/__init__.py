"""microtorch: a small autograd framework with PyTorch's API.

    import microtorch as torch
    w = torch.tensor([1.0], requires_grad=True)
    loss = (w * 1.0 - 2.0) ** 2
    loss.backward()          # w.grad == tensor([-2.])
"""
__version__ = '0.1.0'

import math as _math
import warnings as _warnings

from . import _openblas_idle  # noqa: F401  (first: before NumPy loads OpenBLAS, see there)
from ._device import device
from ._dtype import dtype, promote_types, can_cast
from ._size import Size, broadcast_all as broadcast_shapes
from .tensor import Tensor, is_tensor
from . import _tensor_methods  # noqa: F401  (binds ops as Tensor methods)
from . import autograd
from .autograd import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled, inference_mode,
                       is_inference_mode_enabled)
from .random import (Generator, manual_seed, seed, initial_seed, get_rng_state,
                     set_rng_state, default_generator)
from .creation import (tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange,
                       linspace, eye, rand, randn, randint, randperm, zeros_like, ones_like,
                       full_like, empty_like, rand_like, randn_like, randint_like)
from .ops.functional import (
    add, sub, mul, div, pow, neg, exp, log, sqrt, sin, cos, tanh, sigmoid, relu, reciprocal, abs,
    clamp, clip, maximum, minimum, where, eq, ne, lt, le, gt, ge, logical_not, logical_and,
    logical_or, logical_xor, bitwise_and, bitwise_or, bitwise_xor, bitwise_not, isnan, isinf,
    isfinite, isclose, allclose, equal, all, any, sum, mean, var, std, max, min, amax, amin, argmax,
    argmin, logsumexp, softmax, log_softmax, matmul, mm, bmm, dot, reshape, flatten, squeeze,
    unsqueeze, transpose, t, permute, cat, concat, concatenate, stack, split, chunk, gather,
    clone, log1p, expm1, log2, log10, rsqrt, tan, square, sign, floor, ceil, trunc, fix, round,
    floor_divide, remainder, fmod, masked_fill, narrow, unbind, prod, cumsum, norm, flip, tril,
    triu, index_select, outer, diagonal, diag, trace, masked_select, nonzero, argwhere, addmm,
    clamp_min, clamp_max, sort, argsort, msort, topk, broadcast_to, broadcast_tensors, hstack,
    vstack, row_stack, column_stack, tile, roll, meshgrid, var_mean, std_mean, lerp, logaddexp,
    hypot, median, kthvalue, repeat_interleave, sinh, cosh, asin, acos, atan, asinh, acosh,
    atanh, arcsin, arccos, arctan, arcsinh, arccosh, arctanh, atan2, arctan2, unique,
    erf, exp2, frac)
from .ops.composite import (
    addcmul, addcdiv, deg2rad, rad2deg, nan_to_num, nansum, nanmean, count_nonzero, dist, mv,
    inner, tensordot, einsum, movedim, swapaxes, fliplr, flipud, rot90, atleast_1d, atleast_2d,
    atleast_3d, tensor_split, diff)
from .sampling import normal, bernoulli, multinomial, poisson, binomial
from ._dtype import finfo, iinfo
from .ops.functional import (
    scatter, scatter_add, scatter_reduce, index_add, index_copy, index_fill, take,
    take_along_dim, select, masked_scatter)
from .ops.composite import (
    cumprod, cummax, cummin, logcumsumexp, searchsorted, bucketize, histc, isin,
    unique_consecutive, tril_indices, triu_indices, logspace, vander, cartesian_prod,
    combinations, block_diag, kron, cross, diag_embed, diagflat, vdot, trapezoid, xlogy,
    float_power, fmax, fmin, heaviside, renorm, cov, corrcoef, cdist, baddbmm, unflatten,
    cosine_similarity, pairwise_distance, dropout)
from .ops.numeric import logit, sinc, logaddexp2, aminmax, bincount, ravel, sgn, positive
from .ops.composite import (
    pixel_shuffle, pixel_unshuffle, pdist, rms_norm, rrelu, alpha_dropout, feature_alpha_dropout,
    cosine_embedding_loss, margin_ranking_loss, hinge_embedding_loss, triplet_margin_loss,
    poisson_nll_loss)
from .ops.composite import channel_shuffle
from .ops.special import lgamma, digamma, polygamma, erfinv, erfc, mvlgamma, i0
from .ops.special_more import igamma, igammac
from . import linalg
from . import special
from . import func
from . import return_types
from .linalg import det, logdet, matrix_power
inverse = linalg.inv


def slogdet(A):
    """(sign, log |det|), as torch.return_types.slogdet."""
    return linalg.signed_log_det(A, 'slogdet')


from .linalg import cholesky_solve, pinverse
svd, qr = linalg.legacy_svd, linalg.legacy_qr
lu, lu_solve, cholesky = linalg.legacy_lu, linalg.legacy_lu_solve, linalg.legacy_cholesky
from .linalg import lu_unpack, matrix_exp
orgqr = linalg.householder_product
from . import cuda
from .cuda import OutOfMemoryError
from . import amp
from .amp import autocast
from . import profiler
from .amp.autocast_mode import is_autocast_enabled, get_autocast_dtype


def get_autocast_gpu_dtype():
    return get_autocast_dtype('cuda')


def get_autocast_cpu_dtype():
    return get_autocast_dtype('cpu')



from .serialization import save, load
from ._tensor_str import set_printoptions

from ._out import with_out as _with_out  # noqa: E402
add, sub, mul, div = (_with_out(add, 'add'), _with_out(sub, 'sub'), _with_out(mul, 'mul'),
                      _with_out(div, 'div'))
matmul, mm = _with_out(matmul, 'matmul', same_dtype=True), _with_out(mm, 'mm', same_dtype=True)
subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
moveaxis, swapdims = movedim, swapaxes
absolute = abs
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan


def __getattr__(name):
    # `nn`, `optim`, `utils`, `distributions`, `testing`, `jit` and `distributed` are imported
    # on first use (microtorch.nn, import microtorch.nn, from microtorch import nn), so
    # `import microtorch` costs no more.
    if name in ('nn', 'optim', 'utils', 'distributions', 'testing', 'jit', 'distributed'):
        import importlib
        return importlib.import_module('.' + name, __name__)
    if name in ('_standard_gamma', '_sample_dirichlet'):      # (made by distributions)
        from .distributions import dirichlet, gamma_functions
        return {'_standard_gamma': gamma_functions.standard_gamma,
                '_sample_dirichlet': dirichlet._sample_dirichlet}[name]
    raise AttributeError(f"module 'microtorch' has no attribute '{name}'")


def numel(input):
    return input.numel()


def get_default_dtype():
    return _dtype.default_float


def set_default_dtype(d):
    """The dtype of Python floats and of floating creation functions without dtype= (float32
    unless set; float32 or float64). Tensors that exist keep theirs."""
    if not isinstance(d, _dtype.dtype):
        raise TypeError('invalid dtype object: only floating-point types are supported as the '
                        'default type')
    if not d.is_floating_point:
        raise TypeError('only floating-point types are supported as the default type')
    _dtype.default_float = d


def set_default_tensor_type(t):
    """The deprecated form of set_default_dtype: a legacy type or its name
    ('torch.DoubleTensor'); CPU types only, as no default device is set this way here."""
    _warnings.warn('microtorch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please '
                  'use microtorch.set_default_dtype() instead.', UserWarning, stacklevel=2)
    if isinstance(t, str):
        name = t.split('.')[-1]
        if name not in _legacy_types.CPU:
            raise AttributeError(f"module 'microtorch' has no attribute '{name}'")
        t = _legacy_types.CPU[name]
    if not isinstance(t, _legacy_types._LegacyType):
        raise TypeError('invalid type object: only floating-point types are supported as the '
                        'default type')
    if not t.dtype.is_floating_point:
        raise TypeError('only floating-point types are supported as the default type')
    if t.is_cuda:
        raise TypeError('set_default_tensor_type: microtorch keeps no default device; make '
                        "tensors with device='cuda' instead")
    _dtype.default_float = t.dtype


def is_floating_point(input):
    return input.is_floating_point()


from . import _dtype  # noqa: E402
from . import _legacy_types  # noqa: E402
globals().update(_legacy_types.CPU)        # FloatTensor, LongTensor, ...

# type(x) prints <class 'microtorch.Tensor'> as PyTorch prints <class 'torch.Tensor'>; pickle
# finds each class under the same name here.
for _public_type in (Tensor, Size, dtype, device, finfo, iinfo):
    _public_type.__module__ = __name__
del _public_type

# The newer torch.* functions (ops/statistics.py, ops/pointwise.py, ops/slicing.py,
# _top_level.py) and their Tensor methods (_more_methods.py).
from . import _more_methods  # noqa: E402,F401  (binds them as Tensor methods)
from .ops.statistics import (  # noqa: E402
    quantile, nanquantile, nanmedian, mode, histogram, cumulative_trapezoid, trapz)
from .ops.pointwise import (  # noqa: E402
    isposinf, isneginf, signbit, copysign, gcd, lcm, ldexp, nextafter, frexp, rsub,
    bitwise_left_shift, bitwise_right_shift)
from .ops.slicing import (  # noqa: E402
    dstack, hsplit, vsplit, dsplit, split_with_sizes, select_scatter, slice_scatter,
    diagonal_scatter, index_put, put, narrow_copy, chain_matmul, addmv, addr, addbmm, ger)
from .ops.slicing import multi_dot as _multi_dot, as_strided  # noqa: E402
linalg.multi_dot = _multi_dot
from ._top_level import (  # noqa: E402
    is_nonzero, is_same_size, is_signed, result_type, scalar_tensor, fill, asarray,
    set_num_threads, get_num_threads, hann_window, hamming_window, blackman_window,
    bartlett_window, kaiser_window, conv1d, conv2d, conv_transpose1d, conv_transpose2d,
    max_pool1d, max_pool2d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d, batch_norm,
    layer_norm, group_norm, instance_norm, embedding, selu, celu, prelu, hardshrink, threshold,
    binary_cross_entropy_with_logits, kl_div, selu_, celu_, threshold_, dropout_, conv3d,
    conv_transpose3d, max_pool3d, bilinear, constant_pad_nd, detach, native_dropout,
    native_layer_norm, cholesky_inverse, triangular_solve, frobenius_norm, nuclear_norm,
    empty_strided, index_reduce, nonzero_static, unsafe_chunk, unsafe_split,
    unsafe_split_with_sizes, get_device, rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell)
from ._view_copies import FUNCTIONS as _VIEW_COPIES  # noqa: E402
globals().update(_VIEW_COPIES)
from ._real_only import (  # noqa: E402  (the complex-number API on real tensors)
    is_complex, is_conj, is_neg, conj, conj_physical, resolve_conj, resolve_neg, real, imag,
    angle, isreal, adjoint)
from ._settings import (  # noqa: E402
    get_default_device, set_default_device, get_float32_matmul_precision,
    set_float32_matmul_precision,
    use_deterministic_algorithms, are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled, set_deterministic_debug_mode,
    get_deterministic_debug_mode, set_warn_always, is_warn_always_enabled, typename, compile,
    unravel_index)
from .func import vmap  # noqa: E402
from .ops.numeric import gradient  # noqa: E402


from ._top_level import rrelu_  # noqa: E402
from ._top_level import range_ as range, INPLACE as _INPLACE_FUNCTIONS  # noqa: E402
globals().update(_INPLACE_FUNCTIONS)
not_equal, greater_equal, greater, less_equal, less = ne, ge, gt, le, lt
del _INPLACE_FUNCTIONS

# Dtype names last: `float`, `int` and `bool` shadow the builtins inside this module only.
float32 = float = _dtype.float32
float64 = double = _dtype.float64
int64 = long = _dtype.int64
int32 = int = _dtype.int32
float16 = half = _dtype.float16
int16 = short = _dtype.int16
int8 = _dtype.int8
uint8 = _dtype.uint8
bool = _dtype.bool_
