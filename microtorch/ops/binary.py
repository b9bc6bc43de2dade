"""Elementwise binary ops with broadcasting. Either side may be a Python scalar.

Backward returns gradients of the broadcast shape; the engine sums them down to each input's
shape (ops never undo broadcasting themselves). Dtype promotion happens before these run
(ops/functional.py), so both sides already have the result dtype.
"""
import math

from ..autograd.function import Function


class Add(Function):
    elementwise = True
    number_as_operand = True
    plain_forward = 'add_forward'

    @staticmethod
    def forward(ctx, a, b):
        return ctx.backend.add_forward(a, b)

    @staticmethod
    def backward(ctx, gy):
        return gy, gy

    @staticmethod
    def backward_data(ctx, gy):
        # (a lone array is the first input's gradient: the engine's short way, for `x + 0.5`;
        # a recorded node's needs_input_grad is its edges', read here without the property)
        return gy if ctx._next[1] is None else (gy, gy)


class Sub(Function):
    elementwise = True
    number_as_operand = True
    plain_forward = 'sub_forward'

    @staticmethod
    def forward(ctx, a, b):
        return ctx.backend.sub_forward(a, b)

    @staticmethod
    def backward(ctx, gy):
        return gy, (-gy if ctx.needs_input_grad[1] else None)

    @staticmethod
    def backward_data(ctx, gy):
        return gy if ctx._next[1] is None else (gy, ctx.backend.neg_forward(gy))


class Rsub(Sub):                      # number - tensor
    node_name = 'RsubBackward1'


class Mul(Function):
    elementwise = True
    number_as_operand = True
    plain_forward = 'mul_forward'

    @staticmethod
    def forward(ctx, a, b):
        ctx._to_save = (a, b)          # save_for_backward's, without its call (scalar loops)
        return ctx.backend.mul_forward(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (gy * b if need_a else None), (gy * a if need_b else None)

    @staticmethod
    def backward_data(ctx, gy):
        a, b = ctx.saved_data
        mul = ctx.backend.mul_forward
        if ctx._saved_sources[1] is None:
            # `x * 0.5` (b a number, or its float32 array: number_as_operand): the first
            # input's alone. (A Tensor b that needs no gradient still gets both: the engine
            # would lay a lone one out as a unary op's, not as PyTorch lays out gy * b.)
            return mul(gy, b)
        need_a, need_b = ctx.needs_input_grad
        return (mul(gy, b) if need_a else None), (mul(gy, a) if need_b else None)


class Div(Function):
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.div_forward(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = gy / b if need_a else None
        gb = -gy * ((a / b) / b) if need_b else None         # PyTorch's order
        return ga, gb

    @staticmethod
    def backward_data(ctx, gy):
        a, b = ctx.saved_data
        need_a, need_b = ctx.needs_input_grad
        backend = ctx.backend
        ga = backend.div_forward(gy, b) if need_a else None
        gb = None
        if need_b:                           # the same operations, in backward's order
            div = backend.div_forward
            gb = backend.mul_forward(backend.neg_forward(gy), div(div(a, b), b))
        return ga, gb


class Pow(Function):
    """a ** b with a tensor exponent (a scalar exponent is the unary PowScalar)."""
    elementwise = True
    node_name = 'PowBackward1'

    @staticmethod
    def forward(ctx, a, b):
        y = ctx.backend.pow_forward(a, b)
        ctx.save_for_backward(a, b, y)
        return y

    @staticmethod
    def backward(ctx, gy):
        from .functional import where
        a, b, y = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        ga = None
        if need_a:                           # PyTorch's order, and 0 where b == 0
            ga = where(b == 0, 0.0, gy * (b * a ** (b - 1)))
        gb = None
        if need_b:
            # d(a**b)/db = a**b * log(a); PyTorch defines it as 0 where a == 0 and b >= 0.
            if isinstance(a, (int, float)):
                gb = gy * (y * _log(a)) if a != 0 else where(b >= 0, 0.0, gy * (y * -math.inf))
            else:
                gb = gy * where((a == 0) & (b >= 0), 0.0, y * a.log())
        return ga, gb


def _log(a):
    """log of a Python number as a tensor's log gives it: nan below 0 (math.log raises)."""
    return math.log(a) if a >= 0 else math.nan


class RPow(Pow):
    """number ** tensor: PyTorch's pow.Scalar makes its result C-ordered before computing it,
    whatever the exponent's layout (a tensor base's result follows the operands')."""
    node_name = 'PowBackward2'
    elementwise = False

    @staticmethod
    def forward(ctx, a, b):
        y = ctx.backend.pow_forward(a, b)
        if not y.flags.c_contiguous:
            y = ctx.backend.xp.ascontiguousarray(y)
        ctx.save_for_backward(a, b, y)
        return y


class Atan2(Function):
    """atan2(a, b), the angle of the point (b, a): d/da = b / r^2, d/db = -a / r^2."""
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.atan2_forward(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        scale = gy / (a * a + b * b)
        return (scale * b if need_a else None), (-scale * a if need_b else None)


class Hypot(Function):
    """hypot(a, b) = sqrt(a^2 + b^2) without overflow: d/da = a / r, d/db = b / r."""
    elementwise = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.hypot_forward(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        r = Hypot.apply(a, b)
        return (gy * a / r if need_a else None), (gy * b / r if need_b else None)


class DivFloor(Function):
    """div(a, b, rounding_mode='floor'); DivTrunc: 'trunc'. Piecewise constant, so their
    gradients are zero (PyTorch's DivBackward2)."""
    elementwise = True
    node_name = 'DivBackward2'
    kernel = 'floor_divide_forward'

    @staticmethod
    def forward(ctx, a, b):
        return getattr(ctx.backend, ctx._fn.kernel)(a, b)

    @staticmethod
    def backward(ctx, gy):
        from ..creation import zeros_like
        need_a, need_b = ctx.needs_input_grad
        return (zeros_like(gy) if need_a else None), (zeros_like(gy) if need_b else None)

    @staticmethod
    def backward_data(ctx, gy):
        need_a, need_b = ctx.needs_input_grad
        zeros = ctx.backend.zeros
        return ((zeros(gy.shape, gy.dtype) if need_a else None),
                (zeros(gy.shape, gy.dtype) if need_b else None))


class DivTrunc(DivFloor):
    kernel = 'trunc_divide_forward'


class Remainder(Function):
    """a - floor(a / b) * b (Fmod: with trunc): d/da = 1, d/db = -floor(a / b)."""
    elementwise = True
    kernel = 'remainder_forward'
    quotient = DivFloor

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return getattr(ctx.backend, ctx._fn.kernel)(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        gb = -gy * ctx._fn.quotient.apply(a, b).detach() if need_b else None
        return (gy if need_a else None), gb

    @staticmethod
    def backward_data(ctx, gy):
        a, b = ctx.saved_data
        need_a, need_b = ctx.needs_input_grad
        backend = ctx.backend
        gb = None
        if need_b:
            quotient = getattr(backend, ctx._fn.quotient.kernel)(a, b)
            gb = backend.mul_forward(backend.neg_forward(gy), quotient)
        return (gy if need_a else None), gb


class Fmod(Remainder):
    kernel = 'fmod_forward'
    quotient = DivTrunc


class FloorDivide(Function):
    """a // b. PyTorch defines no derivative for it (nor for number % tensor, RRemainder):
    the output requires grad, and a backward through it raises. So does this one."""
    elementwise = True
    node_name = 'NotImplemented'
    kernel, aten_name = 'floor_divide_forward', 'floor_divide'

    @staticmethod
    def forward(ctx, a, b):
        return getattr(ctx.backend, ctx._fn.kernel)(a, b)

    @staticmethod
    def backward(ctx, gy):
        raise RuntimeError(f'derivative for aten::{ctx._fn.aten_name} is not implemented')

    backward_data = backward


class RRemainder(FloorDivide):
    kernel, aten_name = 'remainder_forward', 'remainder'


class Maximum(Function):
    elementwise = True
    saved_first_in_grad = True         # (a mask of the inputs, then gy)

    kernel = 'maximum'

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return getattr(ctx.backend, type(ctx)._fn.kernel + '_forward')(a, b)

    @staticmethod
    def backward(ctx, gy):
        a, b = ctx.saved_tensors
        ga, gb = ExtremeGrad.apply(a, b, gy, type(ctx)._fn.kernel)
        need_a, need_b = ctx.needs_input_grad
        return (ga if need_a else None), (gb if need_b else None)

    @staticmethod
    def backward_data(ctx, gy):
        a, b = ctx.saved_data
        ga, gb = getattr(ctx.backend, ctx._fn.kernel + '_backward')(a, b, gy)
        need_a, need_b = ctx.needs_input_grad
        return (ga if need_a else None), (gb if need_b else None)


class Minimum(Maximum):
    kernel = 'minimum'


class ExtremeGrad(Function):
    """Both grads of maximum/minimum in one fused pass (`<kernel>_backward`): the winning side
    takes gy and a tie gives each side half (PyTorch's rule). They are piecewise constant in
    a and b, so the second derivative only flows to gy, through the same weights."""
    node_name = 'MaximumBackwardBackward0'

    @staticmethod
    def forward(ctx, a, b, gy, kernel):
        ctx.save_for_backward(a, b)
        ctx.kernel = kernel
        return getattr(ctx.backend, kernel + '_backward')(a, b, gy)

    @staticmethod
    def backward(ctx, gga, ggb):
        from .functional import where
        a, b = ctx.saved_tensors
        a_wins = a > b if ctx.kernel == 'maximum' else a < b
        tie = a == b
        weight_a = where(a_wins, 1.0, where(tie, 0.5, 0.0))
        return None, None, gga * weight_a + ggb * (1 - weight_a), None


class Where(Function):
    elementwise = True
    saved_first_in_grad = True         # (a mask of the inputs, then gy)

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.save_for_backward(condition)
        return ctx.backend.where_forward(condition, a, b)

    @staticmethod
    def backward(ctx, gy):
        from .functional import where
        condition, = ctx.saved_tensors
        _, need_a, need_b = ctx.needs_input_grad
        ga = where(condition, gy, 0.0) if need_a else None
        gb = where(condition, 0.0, gy) if need_b else None
        return None, ga, gb

    @staticmethod
    def backward_data(ctx, gy):
        condition, = ctx.saved_data
        _, need_a, need_b = ctx.needs_input_grad
        where = ctx.backend.where_forward
        return (None, where(condition, gy, 0.0) if need_a else None,
                where(condition, 0.0, gy) if need_b else None)


class MaskedFill(Where):
    """where(mask, value, input) for masked_fill (and index_fill) with a 0-dim tensor value:
    the value's gradient is derivatives.yaml's grad.masked_select(mask).sum(), the filled
    elements added in order, where Where's adds every element of where(mask, grad, 0)
    (another order: other bits)."""
    node_name = 'MaskedFillBackward1'

    @staticmethod
    def backward(ctx, gy):
        from .functional import where
        mask, = ctx.saved_tensors
        _, need_value, need_input = ctx.needs_input_grad
        return (None, gy[mask.expand(gy.shape)].sum() if need_value else None,
                where(mask, 0.0, gy) if need_input else None)

    @staticmethod
    def backward_data(ctx, gy):
        mask, = ctx.saved_data
        _, need_value, need_input = ctx.needs_input_grad
        value_grad = None
        if need_value:             # (NumPy's gy[mask] took 4x flatnonzero and take)
            xp = ctx.backend.xp
            filled = xp.ravel(gy).take(xp.flatnonzero(xp.broadcast_to(mask, gy.shape)))
            value_grad = ctx.backend.sum_to_shape(filled, ())
        return (None, value_grad,
                ctx.backend.where_forward(mask, 0.0, gy) if need_input else None)
