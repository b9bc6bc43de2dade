"""Reductions: sum, mean, var, std, max/min, logsumexp, and their backwards.

`dims` is always a tuple of non-negative dims (ops/functional.py normalises it). A reduction's
backward first puts the reduced dims back as size 1 (`_unsqueeze_reduced`) and then broadcasts.
"""
import math
import warnings

from .. import _layout
from ..autograd.function import Function
from ..backends import torch_norms, torch_softmax


def _kept_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def _unsqueeze_reduced(g, shape, dims, keepdim):
    """g of the reduced shape -> the same values with the reduced dims as size 1."""
    return g if keepdim else g.reshape(_kept_shape(shape, dims))


def _spread(backend, g, shape):
    """g (reduced dims of size 1) broadcast to `shape`: a reshape when no dim grows (the
    sizes are equal and not 0), since a broadcast view costs 2.4 us on a tiny array."""
    size = g.size
    if size and size == math.prod(shape):
        return g.reshape(shape)
    return backend.xp.broadcast_to(g, shape)


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


class Sum(Function):
    """sum over all dims (SumBackward0); SumDims below is sum over some (SumBackward1)."""
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return ctx.backend.sum_forward(x, dims, keepdim)

    @staticmethod
    def backward(ctx, gy):
        g = _unsqueeze_reduced(gy, ctx.shape, ctx.dims, ctx.keepdim)
        return g.expand(ctx.shape), None, None

    @staticmethod
    def backward_data(ctx, gy):
        shape = ctx.shape
        size = gy.size
        # (the input's gradient alone: dims and keepdim have none)
        if size and size == math.prod(shape):      # no dim grows (a tiny input): one reshape
            return gy.reshape(shape)
        g = _unsqueeze_reduced(gy, shape, ctx.dims, ctx.keepdim)
        return _spread(ctx.backend, g, shape)


class SumDims(Sum):
    node_name = 'SumBackward1'


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return ctx.backend.sum_forward(x, dims, keepdim) / _count(x.shape, dims)

    @staticmethod
    def backward(ctx, gy):
        g = _unsqueeze_reduced(gy, ctx.shape, ctx.dims, ctx.keepdim)
        return (g / _count(ctx.shape, ctx.dims)).expand(ctx.shape), None, None

    @staticmethod
    def backward_data(ctx, gy):
        g = _unsqueeze_reduced(gy, ctx.shape, ctx.dims, ctx.keepdim)
        g = ctx.backend.div_forward(g, _count(ctx.shape, ctx.dims))
        g = _spread(ctx.backend, g, ctx.shape)
        if g.ndim > 1 and not g.flags.c_contiguous:
            # PyTorch divides the expanded gradient: a new tensor, in the order TensorIterator
            # gives it (where later gradients' layouts, and sums' bits, start from)
            g = _layout.in_order(g, _layout.elementwise_order(g.shape, [(g.shape, g.strides)]))
        return g


class MeanDims(Mean):
    node_name = 'MeanBackward1'


class OrderedMean(Mean):
    """mean whose sum adds in PyTorch's order (the CPU's sum_forward does, through
    backends/exact_sum.py; a backend may offer ordered_mean_forward): the mean inside var's
    and std's gradients, which must be PyTorch's to the bit."""
    node_name = 'MeanBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ordered = getattr(ctx.backend, 'ordered_mean_forward', None)
        if ordered is not None:
            return ordered(x, dims, keepdim)
        return ctx.backend.sum_forward(x, dims, keepdim) / _count(x.shape, dims)


class SumToSize(Function):
    """Sum a broadcast gradient back to an input's shape; the engine's un-broadcasting."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return ctx.backend.sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, gy):
        return gy.expand(ctx.shape), None

    @staticmethod
    def backward_data(ctx, gy):
        return _spread(ctx.backend, gy, ctx.shape), None


class Var(Function):
    """var over `dims`, or over the whole tensor where dims is None (PyTorch's dim=None, or a
    0-d input), whose gradient PyTorch computes apart when there are no degrees of freedom."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        return _var_forward(ctx, x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        g = _unsqueeze_reduced(gy, x.shape, ctx.dims, ctx.keepdim)
        return _var_backward(ctx, x, g), None, None, None


_NO_DOF = ('{}(): degrees of freedom is <= 0. Correction should be strictly less than the '
           'reduction factor (input numel divided by output numel).')


def _var_forward(ctx, x, dims, correction, keepdim, take_sqrt=False, name=None):
    ctx.whole = dims is None
    ctx.dims = dims = tuple(range(x.ndim)) if dims is None else dims
    ctx.correction, ctx.keepdim = correction, keepdim
    b = ctx.backend
    # (the CPU's std is rooted before rounding, as PyTorch's)
    y = (b.std_forward if take_sqrt else b.var_forward)(x, dims, correction, keepdim)
    _warn_no_dof(x, y, correction, name or ctx._fn.__name__.lower())
    return y


def _warn_no_dof(x, y, correction, name):
    if x.size // max(y.size, 1) - correction <= 0:      # PyTorch's test and warning
        warnings.warn(_NO_DOF.format(name), UserWarning, stacklevel=6)


def _var_backward(ctx, x, g):
    """d var / dx = 2 (x - mean) / (N - correction), times g (reduced dims kept): PyTorch's
    formula, also where N - correction <= 0 (an infinite or negative factor)."""
    mean = OrderedMean.apply(x, ctx.dims, True)
    dof = _count(x.shape, ctx.dims) - ctx.correction
    if dof > 0 or not ctx.whole:
        return (x - mean) * (g * (2.0 / dof if dof else math.inf))
    # Over the whole tensor PyTorch gives g times an unsigned inf, nan where x is the mean.
    return (g * math.inf).where(x != mean, math.nan)


class VarMean(Function):
    """var_mean and std_mean (take_sqrt): both from one pass, PyTorch's Welford loop on the
    CPU, whose mean is Welford's running mean rather than sum / n."""

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim, take_sqrt):
        ctx.whole = dims is None
        ctx.dims = dims = tuple(range(x.ndim)) if dims is None else dims
        ctx.correction, ctx.keepdim, ctx.take_sqrt = correction, keepdim, take_sqrt
        b = ctx.backend
        y, mean = b.var_mean_forward(x, dims, correction, keepdim, take_sqrt)
        _warn_no_dof(x, y, correction, 'std_mean' if take_sqrt else 'var_mean')
        ctx.save_for_backward(x, y)
        return y, mean

    @staticmethod
    def backward(ctx, gy, gmean):
        x, y = ctx.saved_tensors
        if ctx.take_sqrt:
            gy = _std_to_var_grad(y, gy)
        g = _var_backward(ctx, x, _unsqueeze_reduced(gy, x.shape, ctx.dims, ctx.keepdim))
        gmean = _unsqueeze_reduced(gmean, x.shape, ctx.dims, ctx.keepdim).expand(x.shape)
        return g + gmean / _count(x.shape, ctx.dims), None, None, None, None


class StdMean(VarMean):
    node_name = 'StdMeanBackward0'


def _std_to_var_grad(y, gy):
    """var's grad from std's, gy / (2 std), which PyTorch sets to 0 where std is 0 (no
    spread: std has no derivative there). Dividing by 1 there, not 0, keeps 0 / 0 (and
    NumPy's warning) out of this and of the second derivative with respect to gy."""
    spread = y != 0
    return (gy / (2 * y).where(spread, 1.0)).where(spread, 0.0)


class Std(Function):
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        y = _var_forward(ctx, x, dims, correction, keepdim, take_sqrt=True)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        g = _unsqueeze_reduced(_std_to_var_grad(y, gy), x.shape, ctx.dims, ctx.keepdim)
        return _var_backward(ctx, x, g), None, None, None


class Amax(Function):
    """max over dims (values only); backward spreads the grad evenly over ties, as PyTorch."""
    kernel = 'max_forward'
    node_name = 'MaxBackward1'

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        y = getattr(ctx.backend, type(ctx)._fn.kernel)(x, dims, keepdim)
        ctx.save_for_backward(x, y)
        ctx.dims, ctx.keepdim = dims, keepdim
        return y

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors
        y = _unsqueeze_reduced(y, x.shape, ctx.dims, ctx.keepdim)
        g = _unsqueeze_reduced(gy, x.shape, ctx.dims, ctx.keepdim)
        winners = (x == y).to(x.dtype)
        return winners * (g / winners.sum(ctx.dims, keepdim=True)), None, None


class Amin(Amax):
    kernel = 'min_forward'
    node_name = 'MinBackward1'


class AmaxDims(Amax):                 # amax(dim): PyTorch names its node apart from max()
    node_name = 'AmaxBackward0'


class AminDims(Amin):
    node_name = 'AminBackward0'


class Gather(Function):
    """out[..., i, ...] = x[..., index[..., i, ...], ...] along `dim` (PyTorch's gather);
    `index` may be smaller than x in the other dims."""

    @staticmethod
    def forward(ctx, x, index, dim):
        ctx.save_for_backward(index)
        ctx.shape, ctx.dim = x.shape, dim
        if x.ndim and index.ndim:
            return ctx.backend.gather(x, index, dim)
        # PyTorch takes a 0-dim input or index as 1-D of one element (then dim is 0)
        return ctx.backend.gather(x.reshape(-1), index.reshape(-1), 0).reshape(index.shape)

    @staticmethod
    def backward(ctx, gy):
        index, = ctx.saved_tensors
        return ScatterAdd.apply(gy, index, ctx.dim, ctx.shape), None, None

    @staticmethod
    def backward_data(ctx, gy):
        index, = ctx.saved_data
        return _scatter_added(ctx.backend, gy, index, ctx.dim, ctx.shape), None, None


def _scatter_added(backend, g, index, dim, shape):
    """Zeros of `shape` plus g added at `index` along dim."""
    if len(shape) and index.ndim:
        return backend.scatter_add(index, g, dim, shape)
    flat = backend.scatter_add(index.reshape(-1), g.reshape(-1), 0, (math.prod(shape),))
    return flat.reshape(shape)                 # a 0-dim input or index, as in Gather


class ScatterAdd(Function):
    """Zeros of `shape` plus g added at `index` along dim (repeats add): gather's backward."""

    @staticmethod
    def forward(ctx, g, index, dim, shape):
        ctx.save_for_backward(index)
        ctx.dim = dim
        return _scatter_added(ctx.backend, g, index, dim, shape)

    @staticmethod
    def backward(ctx, ggx):
        index, = ctx.saved_tensors
        return Gather.apply(ggx, index, ctx.dim), None, None, None


class MaxDim(Function):
    """The values of max(dim) given the argmax indices (kept dim): the grad goes to them."""
    node_name = 'MaxBackward0'

    @staticmethod
    def forward(ctx, x, index, dim, keepdim):
        ctx.save_for_backward(index)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        values = ctx.backend.gather(x, index, dim)
        return values if keepdim else values.squeeze(dim)

    @staticmethod
    def backward(ctx, gy):
        index, = ctx.saved_tensors
        g = gy if ctx.keepdim else gy.unsqueeze(ctx.dim)
        return ScatterAdd.apply(g, index, ctx.dim, ctx.shape), None, None, None


class MinDim(MaxDim):
    node_name = 'MinBackward0'


class LogSumExp(Function):
    node_name = 'LogsumexpBackward0'

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        y = ctx.backend.logsumexp_forward(x, dims, keepdim)
        ctx.save_for_backward(x, y)           # (PyTorch's backward reads the result too)
        ctx.dims, ctx.keepdim = dims, keepdim
        return y

    @staticmethod
    def backward(ctx, gy):
        x = ctx.saved_tensors[0]
        g = _unsqueeze_reduced(gy, x.shape, ctx.dims, ctx.keepdim)
        if not ctx.dims or not x.numel():     # over no dims it is x itself; empty x: no grad
            return g.expand(x.shape), None, None
        if _pytorch_result(ctx, *ctx.saved_data) is not None:
            # float32 on the CPU: PyTorch's own gy * exp(x - y), its exp rounded from
            # float64's (backends/torch_softmax.py), where every |y| < 32: y's rounding
            # (< 2^-20) moves exp(x - y) by a few ulps at most. y again, as a Tensor of x:
            # its derivative is part of the second's.
            y = x.logsumexp(ctx.dims, keepdim=True)
            return g * (x - y).double().exp().float(), None, None
        # d/dx = softmax(x) over dims, as exp(x - m) / sum(exp(x - m)) with m = max(x): not
        # exp(x - y), whose y = m + log(sum) is rounded to m's ulp (1e-3 at 1e4 in float32).
        # m is a constant (softmax is shift invariant), so create_graph stays exact.
        m = x.detach().amax(ctx.dims, keepdim=True)
        m = m.where(m.isfinite(), 0.0)         # all -inf (or inf): shift by nothing, as forward
        e = (x - m).exp()
        return g * (e / e.sum(ctx.dims, keepdim=True)), None, None

    @staticmethod
    def backward_data(ctx, gy):
        # backward's numbers without Tensors, in PyTorch's case (else backward runs)
        x, y = ctx.saved_data
        y = _pytorch_result(ctx, x, y)
        if y is None:
            return None
        g = _unsqueeze_reduced(gy, x.shape, ctx.dims, ctx.keepdim)
        gx = torch_softmax.logsumexp_backward(x, y, g, ctx.backend.exp_forward)
        return None if gx is None else (gx, None, None)


def _pytorch_result(ctx, x, y):
    """The forward's result y with the reduced dims kept, where logsumexp's backward takes
    PyTorch's formula - float32 x (an array) on the CPU, every result under 32 in size -
    else None."""
    if ctx.backend.name != 'cpu' or x.dtype.char != 'f' or not ctx.dims or not x.size:
        return None
    y = y.reshape(_kept_shape(x.shape, ctx.dims))
    return y if (abs(y) < 32).all() else None


def _input_output_grad(ctx, gy):
    """A reduction's saved input x and output y, and gy, both with the reduced dims back as
    size 1 (so they broadcast against x)."""
    x, y = ctx.saved_tensors
    shape = x.shape
    return (x, _unsqueeze_reduced(y, shape, ctx.dims, ctx.keepdim),
            _unsqueeze_reduced(gy, shape, ctx.dims, ctx.keepdim))


class Prod(Function):
    """The product over dims (ProdBackward0 over all, ProdDims: ProdBackward1 over one).
    Its gradient is the product of the other elements. As PyTorch computes it: result / x
    where no element is 0; else, in a plain backward, the product of the rest at a lone 0
    and 0 everywhere else; and when the backward is itself recorded (create_graph), each
    element's product of the others outright, so that second derivatives are right too."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        y = ctx.backend.prod_forward(x, dims, keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        from ..autograd.grad_mode import is_grad_enabled
        from .functional import where
        x, y, g = _input_output_grad(ctx, gy)
        dims, shape = ctx.dims, x.shape
        is_zero = x == 0
        if not is_zero.any().item():
            return g * (y / x), None, None
        if is_grad_enabled():
            return g * _products_of_the_others(x, dims), None, None
        zeros = is_zero.sum(dims, keepdim=True)
        safe_x = where(is_zero, 1.0, x)
        rest = safe_x.prod(dims[0]) if len(dims) == 1 else safe_x.prod()
        rest = _unsqueeze_reduced(rest, shape, dims, False)     # the nonzero elements'
        lone_zero = where(is_zero & (zeros == 1), g * rest, 0.0)
        return where(zeros == 0, g * (y / safe_x), lone_zero), None, None


def _products_of_the_others(x, dims):
    """For each element, the product of the other elements of its run along dims, with
    Tensor ops only: an n x n copy of each run whose diagonal is 1, reduced along its rows.
    (n^2 memory per run: only a recorded backward through zeros builds it.)"""
    from ..creation import eye
    from .functional import where
    if len(dims) == 1:
        runs = x.transpose(dims[0], -1) if x.dim() else x.reshape(1)
    else:
        runs = x.reshape(-1)
    n = runs.shape[-1]
    square = runs.unsqueeze(-2).expand(*runs.shape[:-1], n, n)
    others = where(eye(n, dtype=_bool(), device=x.device), 1.0, square).prod(-1)
    if len(dims) == 1 and x.dim():
        return others.transpose(dims[0], -1)
    return others.reshape(x.shape)


def _bool():
    from .._dtype import bool_
    return bool_


class ProdDims(Prod):
    node_name = 'ProdBackward1'


class Cumsum(Function):
    """Running sums along dim (`cumsum_forward`); the gradient is the running sum of gy from
    the end (`cumsum_backward`), CumsumGrad, whose own gradient is a forward cumsum again."""
    kernel, adjoint = 'cumsum_forward', 'CumsumGrad'

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return getattr(ctx.backend, ctx._fn.kernel)(x, dim)

    @staticmethod
    def backward(ctx, gy):
        return globals()[ctx._fn.adjoint].apply(gy, ctx.dim), None

    @staticmethod
    def backward_data(ctx, gy):
        return getattr(ctx.backend, globals()[ctx._fn.adjoint].kernel)(gy, ctx.dim), None


class CumsumGrad(Cumsum):
    node_name = 'CumsumBackwardBackward0'
    kernel, adjoint = 'cumsum_backward', 'Cumsum'


class VectorNorm(Function):
    """(sum |x|^p)^(1/p) over dims, with p = 0 (the count of nonzeros), 1, 2, inf, -inf or
    any other number (LinalgVectorNormBackward0). The backward follows PyTorch's cases, and
    gives 0, not nan, where the norm is 0."""
    node_name = 'LinalgVectorNormBackward0'

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        b = ctx.backend
        if p == 0:
            nonzero = b.xp.asarray(b.compare(b.xp.not_equal, x, 0)).astype(x.dtype)
            y = b.sum_forward(nonzero, dims, keepdim)
        elif p == 1:
            y = torch_norms.vector_norm(x, 1, dims, keepdim)     # the CPU's, PyTorch's order
            if y is None:
                y = b.sum_forward(b.abs_forward(x), dims, keepdim)
        elif p == math.inf:
            y = b.max_forward(b.abs_forward(x), dims, keepdim)
        elif p == -math.inf:
            y = b.min_forward(b.abs_forward(x), dims, keepdim)
        elif p == 2:
            y = torch_norms.vector_norm(x, 2, dims, keepdim, not ctx._widened)
            if y is None:
                y = b.sqrt_forward(b.sum_forward(b.mul_forward(x, x), dims, keepdim))
        else:
            y = torch_norms.vector_norm(x, p, dims, keepdim)     # the CPU's, PyTorch's order
            if y is None:
                total = b.sum_forward(b.pow_scalar_forward(b.abs_forward(x), p), dims, keepdim)
                y = b.pow_scalar_forward(total, 1.0 / p)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward_data(ctx, gy):
        # the 2-norm's gy * (x / norm) in two passes, on the CPU where no norm is 0 (else
        # backward's masked form runs; on a GPU the check would wait for the device)
        if ctx.p != 2 or ctx.backend.name != 'cpu':
            return None
        x, y = ctx.saved_data
        shape = _kept_shape(x.shape, ctx.dims)
        y = y.reshape(shape)
        if not (y != 0).all():
            return None
        b = ctx.backend
        return b.mul_forward(gy.reshape(shape), b.div_forward(x, y)), None, None, None

    @staticmethod
    def backward(ctx, gy):
        from .functional import where
        x, y, g = _input_output_grad(ctx, gy)
        p = ctx.p
        if p == 0:                  # a count: PyTorch's graph gives x no gradient at all
            return None, None, None, None
        if p == 1:
            return x.sign() * g, None, None, None
        if p in (math.inf, -math.inf):
            # the elements that reach the norm share the gradient evenly (ties included)
            reached = (x.abs() == y)
            count = reached.sum(ctx.dims, keepdim=True)
            return x.sign() * ((g / count) * reached), None, None, None     # PyTorch's order
        zero_norm = y == 0
        if p == 2:                          # PyTorch's order: gy * (x / norm), 0 at norm 0
            return g * where(zero_norm, 0.0, x / where(zero_norm, 1.0, y)), None, None, None
        if p < 1:
            scaled = where(x == 0, 0.0, x.sign() * x.abs() ** (p - 1))
            return scaled * g * where(zero_norm, 0.0, y) ** (1 - p), None, None, None
        scale = where(zero_norm, 0.0, g / where(zero_norm, 1.0, y) ** (p - 1))
        if p < 2:
            return x.sign() * x.abs() ** (p - 1) * scale, None, None, None
        return x * x.abs() ** (p - 2) * scale, None, None, None
