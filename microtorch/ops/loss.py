"""Losses, each a fused forward/backward pair.

A loss op `L` runs `backend.<kernel>_forward(x, y, reduction, *options)` and saves x and y.
Its backward is the op `L.grad_op`, whose forward is the fused kernel
`backend.<kernel>_backward(x, y, gy, reduction, *options)` (one pass: read x, y, gy; write the
input's gradient) and whose backward - the second derivative - is written with Tensor ops.
The target's gradient, where it has one, is a Tensor expression of the same values.

The input's gradient is linear in gy, so the grad op's derivative with respect to gy is the
grad op itself applied to the incoming gradient (the engine sums it down to gy's shape).
`options` are Python values and backend arrays (class weights): constants, never
differentiated.
"""
import math

from ..autograd.function import Function
from ..tensor import Tensor
from ..backends import torch_losses
from .elementwise import Softplus


def _per_element(g, reduction, n):
    """g divided by n for 'mean': the factor the loss's elementwise derivative gets."""
    return g / n if reduction == 'mean' else g


def _constant(array):
    return None if array is None else Tensor._make(array)


def _backend_primitive(backend, kernel, way):
    return getattr(backend, kernel + way)


class _Loss(Function):
    kernel = ''               # the backend pair's name: <kernel>_forward, <kernel>_backward
    grad_op = None

    @classmethod
    def primitive(cls, backend, way):
        """The backend's <kernel><way> ('_forward' or '_backward')."""
        return _backend_primitive(backend, cls.kernel, way)

    @staticmethod
    def forward(ctx, x, y, reduction, *options):
        ctx.save_for_backward(x, y)
        ctx.reduction, ctx.options = reduction, options
        return ctx._fn.primitive(ctx.backend, '_forward')(x, y, reduction, *options)

    @staticmethod
    def backward(ctx, gy):
        x, y = ctx.saved_tensors[:2]          # (cross_entropy may keep a third: CrossEntropy)
        fn = ctx._fn
        gx = fn.grad_op.apply(x, y, gy, ctx.reduction, *ctx.options)
        gt = fn.target_grad(ctx, x, y, gy, gx) if ctx.needs_input_grad[1] else None
        return (gx, gt, None) + (None,) * len(ctx.options)

    @staticmethod
    def backward_data(ctx, gy):
        if ctx.needs_input_grad[1]:
            return None                  # the target's gradient: the Tensor backward
        x, y = ctx.saved_data[:2]
        gx = ctx._fn.primitive(ctx.backend, '_backward')(x, y, gy, ctx.reduction,
                                                         *ctx.options)
        return (gx, None, None) + (None,) * len(ctx.options)

    @staticmethod
    def target_grad(ctx, x, y, gy, gx):
        return -gx                 # losses of x - y: the target's gradient is the input's, negated


class _LossGrad(Function):
    kernel = ''
    primitive = classmethod(_Loss.primitive.__func__)

    @staticmethod
    def forward(ctx, x, y, gy, reduction, *options):
        ctx.save_for_backward(x, y, gy)
        ctx.reduction, ctx.options = reduction, options
        return ctx._fn.primitive(ctx.backend, '_backward')(x, y, gy, reduction, *options)

    @staticmethod
    def backward(ctx, gg):
        x, y, gy = ctx.saved_tensors
        fn = ctx._fn
        need_x, need_y, need_gy = ctx.needs_input_grad[:3]
        g_x = g_y = g_gy = None
        if need_x or need_y:
            g_x, g_y = fn.second(ctx, x, y, gy, gg)
        if need_gy:
            g_gy = fn.gy_grad(ctx, x, y, gy, gg)
        return (g_x if need_x else None, g_y if need_y else None, g_gy, None) + \
            (None,) * len(ctx.options)

    @staticmethod
    def second(ctx, x, y, gy, gg):
        """(d/dx, d/dy) of sum(gg * grad_op(x, y, gy)); None where zero almost everywhere."""
        return None, None

    @staticmethod
    def gy_grad(ctx, x, y, gy, gg):
        """d/dgy of sum(gg * grad_op(x, y, gy)): the grad is linear in gy, elementwise, so
        this is the grad op itself with gg for gy (the engine sums it to gy's shape)."""
        return ctx._fn.apply(x, y, gg, ctx.reduction, *ctx.options)


def _pair(name, kernel, second=None, target_grad=None, node_name=None, gy_grad=None,
          primitive=_backend_primitive):
    """The loss op class and its grad op, named as PyTorch names their nodes; `primitive`
    (backend, kernel, way) finds their forward and backward arrays functions."""
    def find(cls, backend, way):
        return primitive(backend, cls.kernel, way)
    grad_attrs = {'kernel': kernel, '__module__': __name__, 'primitive': classmethod(find),
                  'node_name': name + 'BackwardBackward0'}
    if second is not None:
        grad_attrs['second'] = staticmethod(second)
    if gy_grad is not None:
        grad_attrs['gy_grad'] = staticmethod(gy_grad)
    grad_op = type(name + 'Grad', (_LossGrad,), grad_attrs)
    attrs = {'kernel': kernel, 'grad_op': grad_op, '__module__': __name__,
             'primitive': classmethod(find)}
    if target_grad is not None:
        attrs['target_grad'] = staticmethod(target_grad)
    if node_name is not None:
        attrs['node_name'] = node_name
    return type(name, (_Loss,), attrs)


# ---- mse, l1, smooth_l1: functions of d = x - y --------------------------------------------

def _mse_second(ctx, x, y, gy, gg):
    g = _per_element(gg * gy * 2, ctx.reduction, gg.numel())
    return g, -g


def _smooth_l1_second(ctx, x, y, gy, gg):
    beta, = ctx.options
    inside = (x - y).abs() < beta                  # the quadratic zone: f'' = 1 / beta
    g = _per_element(gg * gy / beta, ctx.reduction, gg.numel()) * inside
    return g, -g


def _huber_second(ctx, x, y, gy, gg):
    delta, = ctx.options
    inside = (x - y).abs() < delta                 # the quadratic zone: f'' = 1
    g = _per_element(gg * gy, ctx.reduction, gg.numel()) * inside
    return g, -g


MseLoss = _pair('MseLoss', 'mse_loss', _mse_second)
def _huber_primitive(backend, kernel, way):
    """PyTorch's huber kernels (backends/torch_losses.py): the CPU's only."""
    if way == '_backward':
        return torch_losses.huber_backward
    return lambda x, y, reduction, delta: torch_losses.huber_forward(
        x, y, reduction, delta, backend.sum_forward)


HuberLoss = _pair('HuberLoss', 'huber_loss', _huber_second, primitive=_huber_primitive)
SmoothL1Loss = _pair('SmoothL1Loss', 'smooth_l1_loss', _smooth_l1_second)
# PyTorch's l1_loss is abs() then mean() or sum(): its node is named after the last of them.
L1Loss = _pair('L1Loss', 'l1_loss', node_name='MeanBackward0')
L1LossSum = type('L1LossSum', (L1Loss,), {'node_name': 'SumBackward0', '__module__': __name__})
L1LossNone = type('L1LossNone', (L1Loss,), {'node_name': 'AbsBackward0',
                                            '__module__': __name__})


# ---- binary cross entropy on probabilities ----------------------------------------------------

_BCE_EPS = 1e-12        # the backend kernel's floor for x (1 - x)


def _bce_target_grad(ctx, x, y, gy, gx):
    # d/dy of (y - 1) log(1 - x) - y log(x): -logit(x), unclamped as PyTorch's (infinite at
    # x = 0 or 1, where the forward clamps each log at -100)
    weight, = ctx.options
    g = (1 - x).log() - x.log()
    g = _per_element(g * gy, ctx.reduction, gx.numel())
    return g if weight is None else g * _constant(weight)


def _bce_second(ctx, x, y, gy, gg):
    # grad = (x - y) / (x (1 - x)):
    #   d/dx = (x^2 - 2xy + y) / (x (1 - x))^2,  d/dy = -1 / (x (1 - x))
    weight, = ctx.options
    common = _per_element(gg * gy, ctx.reduction, gg.numel())
    if weight is not None:
        common = common * _constant(weight)
    denom = (x * (1 - x)).clamp(min=_BCE_EPS)
    return common * (x * x - 2 * x * y + y) / (denom * denom), -common / denom


BinaryCrossEntropy = _pair('BinaryCrossEntropy', 'binary_cross_entropy', _bce_second,
                           _bce_target_grad)


# ---- binary cross entropy on logits ------------------------------------------------------------

def _bce_logits_target_grad(ctx, x, y, gy, gx):
    # d/dy of (1 - y) x + (1 + (pw - 1) y) softplus(-x) = -x + (pw - 1) softplus(-x)
    weight, pos_weight = ctx.options
    g = -x
    if pos_weight is not None:
        g = g + (_constant(pos_weight) - 1) * Softplus.apply(-x, 1.0, math.inf)
    g = _per_element(g * gy, ctx.reduction, gx.numel())
    return g if weight is None else g * _constant(weight)


def _bce_logits_second(ctx, x, y, gy, gg):
    # grad = (1 + (pw - 1) y) sigmoid(x) - pw y  (pw = 1 without pos_weight)
    weight, pos_weight = ctx.options
    common = _per_element(gg * gy, ctx.reduction, gg.numel())
    if weight is not None:
        common = common * _constant(weight)
    s = x.sigmoid()
    ds = s * (1 - s)
    if pos_weight is None:
        return common * ds, -common
    pw = _constant(pos_weight)
    return common * (1 + (pw - 1) * y) * ds, common * ((pw - 1) * s - pw)


BinaryCrossEntropyWithLogits = _pair('BinaryCrossEntropyWithLogits',
                                     'binary_cross_entropy_with_logits', _bce_logits_second,
                                     _bce_logits_target_grad)


# ---- cross entropy over class indices ------------------------------------------------------

# grad = c (p - onehot(t)) along dim 1, with p = softmax(x, 1) and per sample
# c = gy w[t] (divided by the sum of w[t] for 'mean'; w = 0 where t == ignore_index).

def _sample_weights(ctx, target, x):
    """w[t] per sample (already divided for 'mean'), and t with ignored entries set to 0."""
    weight, ignore_index = ctx.options
    w, safe = ctx.backend.cross_entropy_weights(target._data, weight, ignore_index,
                                                x._data.dtype)
    if ctx.reduction == 'mean':
        w = w / w.sum()
    return Tensor._make(w), Tensor._make(safe)


def _cross_entropy_second(ctx, x, target, gy, gg):
    # d/dx of sum(gg * grad) = c p (gg - sum_k p_k gg_k); c = 0 for an ignored sample, as in
    # grad, even where 'mean' divides by a total weight of 0 (every target ignored)
    w, _ = _sample_weights(ctx, target, x)
    c = (gy * w).where(target != ctx.options[1], 0.0)
    p = x.softmax(1)
    return c.unsqueeze(1) * p * (gg - (p * gg).sum(1, keepdim=True)), None


def _cross_entropy_gy_grad(ctx, x, target, gy, gg):
    # d/dgy of sum(gg * grad) = w (sum_k p_k gg_k - gg_t), per sample
    w, safe = _sample_weights(ctx, target, x)
    p = x.softmax(1)
    return ((p * gg).sum(1) - gg.gather(1, safe.unsqueeze(1)).squeeze(1)) * w


_CrossEntropyPair = _pair('CrossEntropy', 'cross_entropy', _cross_entropy_second,
                         gy_grad=_cross_entropy_gy_grad)


class CrossEntropy(_CrossEntropyPair):
    """PyTorch's cross_entropy is nll_loss(log_softmax(x)); its node is NllLossBackward0.
    When x's gradient is wanted the backend may keep log_softmax(x) for it, as PyTorch does
    (the CPU's float32 rows kernel: cross_entropy_forward_keeping)."""
    node_name = 'NllLossBackward0'

    @staticmethod
    def forward(ctx, x, target, reduction, weight, ignore_index):
        if ctx.needs_input_grad[0]:
            loss, log_probs = ctx.backend.cross_entropy_forward_keeping(
                x, target, reduction, weight, ignore_index)
        else:
            loss = ctx.backend.cross_entropy_forward(x, target, reduction, weight,
                                                     ignore_index)
            log_probs = None
        ctx.save_for_backward(x, target, log_probs)
        ctx.reduction, ctx.options = reduction, (weight, ignore_index)
        return loss

    @staticmethod
    def backward_data(ctx, gy):
        x, target, log_probs = ctx.saved_data
        if log_probs is None:
            return _Loss.backward_data(ctx, gy)
        gx = ctx.backend.cross_entropy_backward(x, target, gy, ctx.reduction, *ctx.options,
                                                log_probs)
        return gx, None, None, None, None


# ---- nll_loss over log-probabilities ---------------------------------------------------------

class NllLoss(Function):
    """-(x[n, t] w[t]) per sample of log-probabilities x (N, C, d...) and class indices
    target (N, d...), summed, or divided by the sum of w[t] for 'mean' (backend
    nll_loss_forward). The gradient is zeros but at the targets (nll_loss_backward): linear
    in gy, constant in x. weight: a backend array or None; ignored samples weigh 0."""
    node_name = 'NllLossBackward0'

    @staticmethod
    def forward(ctx, x, target, reduction, weight, ignore_index):
        loss, total_weight = ctx.backend.nll_loss_forward(x, target, reduction, weight,
                                                          ignore_index)
        ctx.save_for_backward(target)
        ctx.shape, ctx.dtype = x.shape, x.dtype
        ctx.options = (reduction, weight, ignore_index, total_weight)
        return loss

    @staticmethod
    def backward_data(ctx, gy):
        target, = ctx.saved_data
        gx = ctx.backend.nll_loss_backward(target, gy, ctx.shape, ctx.dtype, *ctx.options)
        return gx, None, None, None, None

    @staticmethod
    def backward(ctx, gy):
        # create_graph: the same numbers as Tensor ops of gy (the gradient's only input)
        from .reduction import ScatterAdd
        target, = ctx.saved_tensors
        reduction, weight, ignore_index, total_weight = ctx.options
        w, safe = ctx.backend.cross_entropy_weights(target._data, weight, ignore_index,
                                                    ctx.dtype)
        coef = -(gy / Tensor._make(total_weight)) if reduction == 'mean' else -gy
        picked = (coef * Tensor._make(w)).masked_fill(target == ignore_index, 0.0)
        gx = ScatterAdd.apply(picked.unsqueeze(1), Tensor._make(safe).unsqueeze(1), 1,
                              ctx.shape)
        return gx, None, None, None, None


# ---- CTC: a fused forward (the alpha recursion) and backward (the beta recursion) ----------

class CtcLoss(Function):
    """Each sample's negative log likelihood of its target under log_probs (T, N, C), by
    `backend.ctc_loss_forward`; the log-alphas it finds are kept for the backward kernel.
    targets (N, S) int64 padded, lengths (N,) int64: constants."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        nll, log_alpha = ctx.backend.ctc_loss_forward(log_probs, targets, input_lengths,
                                                      target_lengths, blank)
        ctx.save_for_backward(log_probs, targets, input_lengths, target_lengths, nll,
                              log_alpha)
        ctx.blank, ctx.zero_infinity = blank, zero_infinity
        return nll

    @staticmethod
    def backward(ctx, gy):
        saved = ctx.saved_data
        log_probs = ctx.saved_tensors[0]
        gx = CtcLossGrad.apply(gy, log_probs, *saved[1:], ctx.blank, ctx.zero_infinity)
        return gx, None, None, None, None, None

    @staticmethod
    def backward_data(ctx, gy):
        log_probs, *rest = ctx.saved_data
        gx = ctx.backend.ctc_loss_backward(gy, log_probs, *rest, ctx.blank, ctx.zero_infinity)
        return gx, None, None, None, None, None


class CtcLossGrad(Function):
    """PyTorch's CTC gradient (see the backends' ctc_loss_backward); like PyTorch's, it has
    no derivative of its own."""
    node_name = 'CtcLossBackwardBackward0'

    @staticmethod
    def forward(ctx, gy, log_probs, targets, input_lengths, target_lengths, nll, log_alpha,
                blank, zero_infinity):
        return ctx.backend.ctc_loss_backward(gy, log_probs, targets, input_lengths,
                                             target_lengths, nll, log_alpha, blank,
                                             zero_infinity)

    @staticmethod
    def backward(ctx, gg):
        raise RuntimeError('derivative for aten::_ctc_loss_backward is not implemented')
