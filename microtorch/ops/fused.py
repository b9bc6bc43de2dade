"""add/sub with alpha, addcmul, addcdiv and lerp on the CPU as one op each, rounded as PyTorch's
loops round them (add: fma(other, alpha, input); addcmul: fma(value * t1, t2, input), one
fused multiply-add; addcdiv: input + (value * t1) / t2), and their gradients by
derivatives.yaml's formulas in the tensors' own dtype (other: grad * alpha; addcmul's t1:
grad * (t2 * value); addcdiv's t2: -grad * (value * t1 / (t2 * t2)); ...), summed down to
each input's shape in PyTorch's order. float16 is worked in float32 and rounded once, as
PyTorch's vector loops do.
"""
import math

import numpy as np

from .._fma import fma_in
from ..autograd.function import Function
from ..backends import cpu
from ..tensor import Tensor


def exact_cpu(*tensors):
    """Do these take the fused op: Tensors of one float dtype, NumPy arrays, none empty?"""
    first = tensors[0]._data
    if type(first) is not np.ndarray or first.dtype.char not in 'efd':
        return False
    return all(type(t) is Tensor and type(t._data) is np.ndarray and t._data.dtype == first.dtype
               and t._data.size for t in tensors)


def _opmath(dtype):
    return np.float32 if dtype == np.float16 else dtype.type


def _rounded(gradient, dtype, shape):
    """A gradient worked in float32 for float16 (rounded once), summed down to `shape`."""
    return cpu.sum_to_shape(np.asarray(gradient).astype(dtype, copy=False), shape)


class ScaledAdd(Function):
    """input + alpha * other, one rounding. alpha: the number the forward multiplies by (for
    float16 rounded to float16 first, as add's loop takes it); grad_alpha: the one the
    gradient is multiplied by (mul's: float32 for float16)."""
    elementwise = True
    node_name = 'AddBackward0'

    @staticmethod
    def forward(ctx, input, other, alpha, grad_alpha):
        ctx.shapes, ctx.grad_alpha = (input.shape, other.shape), grad_alpha
        mantissa, exponent = math.frexp(alpha)
        if abs(mantissa) == 0.5 and -60 < exponent < 60:   # a power of two: +-1, 2, 0.5, ...
            out = _power_of_two_scaled_add(input, other, alpha)
            if out is not None:
                return out
        return np.asarray(fma_in(input.dtype, other, alpha, input), input.dtype)

    @staticmethod
    def backward_data(ctx, gy):
        need = ctx.needs_input_grad
        dtype = gy.dtype
        g_input = cpu.sum_to_shape(gy, ctx.shapes[0]) if need[0] else None
        g_other = (_rounded(gy * _opmath(dtype)(ctx.grad_alpha), dtype, ctx.shapes[1])
                   if need[1] else None)
        return g_input, g_other, None, None

    @staticmethod
    def backward(ctx, gy):
        need = ctx.needs_input_grad
        return (gy.sum_to_size(ctx.shapes[0]) if need[0] else None,
                (gy * ctx.grad_alpha).sum_to_size(ctx.shapes[1]) if need[1] else None,
                None, None)


def _power_of_two_scaled_add(input, other, alpha):
    """fma(other, alpha, input) for alpha a power of two, as two plain ops: other * alpha is
    exact unless it overflows or loses bits below the normal range, so the sum is then the
    only rounding (two ufunc calls and a check instead of the fma emulation's dozen, whose
    float64 sums of such exact products often look like halfway cases). None when the
    product was not exact (or holds a nan): the caller takes the fma path."""
    work = _opmath(input.dtype)
    product = np.multiply(other, work(alpha), dtype=work)
    if not (product * work(1 / alpha) == other).all():   # inf, lost bits, or a nan
        return None
    return np.asarray(np.add(input, product, dtype=work), input.dtype)


class SubScaled(ScaledAdd):
    node_name = 'SubBackward0'


def _backward_inputs(ctx, gy):
    """What addcmul's and addcdiv's backward_data share: their saved tensors, which inputs
    need a gradient, the dtype, value in the loops' type, and the input's gradient."""
    need = ctx.needs_input_grad
    g_input = cpu.sum_to_shape(gy, ctx.shapes[0]) if need[0] else None
    return (*ctx.saved_data, need, gy.dtype, _opmath(gy.dtype)(ctx.value), g_input)


class Addcmul(Function):
    """input + value * tensor1 * tensor2, one rounding: fma(value * tensor1, tensor2, input)."""
    elementwise = True
    node_name = 'AddcmulBackward0'

    @staticmethod
    def forward(ctx, input, tensor1, tensor2, value):
        work = _opmath(input.dtype)
        scaled = np.multiply(tensor1, work(value), dtype=work)
        ctx.save_for_backward(tensor1, tensor2)
        ctx.shapes, ctx.value = (input.shape, tensor1.shape, tensor2.shape), value
        return np.asarray(fma_in(input.dtype, scaled, tensor2, input), input.dtype)

    @staticmethod
    def backward_data(ctx, gy):
        tensor1, tensor2, need, dtype, value, g_input = _backward_inputs(ctx, gy)
        g1 = (_rounded(gy * (tensor2 * value).astype(dtype, copy=False), dtype, ctx.shapes[1])
              if need[1] else None)
        g2 = (_rounded(gy * (tensor1 * value).astype(dtype, copy=False), dtype, ctx.shapes[2])
              if need[2] else None)
        return g_input, g1, g2, None

    @staticmethod
    def backward(ctx, gy):
        tensor1, tensor2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (gy.sum_to_size(ctx.shapes[0]) if need[0] else None,
                (gy * (tensor2 * ctx.value)).sum_to_size(ctx.shapes[1]) if need[1] else None,
                (gy * (tensor1 * ctx.value)).sum_to_size(ctx.shapes[2]) if need[2] else None,
                None)


class Addcdiv(Function):
    """input + (value * tensor1) / tensor2, as PyTorch's loop evaluates it (float16 worked in
    float32, rounded once)."""
    elementwise = True
    node_name = 'AddcdivBackward0'

    @staticmethod
    def forward(ctx, input, tensor1, tensor2, value):
        work = _opmath(input.dtype)
        quotient = np.divide(np.multiply(tensor1, work(value), dtype=work), tensor2, dtype=work)
        ctx.save_for_backward(tensor1, tensor2)
        ctx.shapes, ctx.value = (input.shape, tensor1.shape, tensor2.shape), value
        return np.add(input, quotient, dtype=work).astype(input.dtype, copy=False)

    @staticmethod
    def backward_data(ctx, gy):
        tensor1, tensor2, need, dtype, value, g_input = _backward_inputs(ctx, gy)
        g1 = g2 = None
        if need[1]:                                   # grad * (value / tensor2)
            g1 = _rounded(gy * (value / tensor2).astype(dtype, copy=False), dtype,
                          ctx.shapes[1])
        if need[2]:                                   # -grad * (value * t1 / (t2 * t2))
            ratio = ((tensor1 * value).astype(dtype, copy=False) / (tensor2 * tensor2))
            g2 = _rounded(-gy * ratio.astype(dtype, copy=False), dtype, ctx.shapes[2])
        return g_input, g1, g2, None

    @staticmethod
    def backward(ctx, gy):
        tensor1, tensor2 = ctx.saved_tensors
        need = ctx.needs_input_grad
        value = ctx.value
        return (gy.sum_to_size(ctx.shapes[0]) if need[0] else None,
                (gy * (value / tensor2)).sum_to_size(ctx.shapes[1]) if need[1] else None,
                (-gy * (value * tensor1 / (tensor2 * tensor2))).sum_to_size(ctx.shapes[2])
                if need[2] else None,
                None)


class Lerp(Function):
    """input + weight * (end - input), its value as functional._lerp_value rounds it, its
    gradients by derivatives.yaml: input grad * (1 - weight), end grad * weight, weight
    grad * (end - input), each in the tensors' dtype (a number weight in the loops' type)
    and summed down to its input's shape."""
    elementwise = True
    node_name = 'LerpBackward1'
    widens = False                  # float16 gradients rounded in float16, as derivatives.yaml

    @staticmethod
    def forward(ctx, input, end, weight):
        from .functional import _lerp_value
        tensor_weight = isinstance(weight, np.ndarray)
        ctx.save_for_backward(input, end, weight if tensor_weight else None)
        ctx.shapes = (input.shape, end.shape, weight.shape if tensor_weight else None)
        ctx.weight = None if tensor_weight else weight
        with np.errstate(invalid='ignore', over='ignore'):    # inf - inf: nan, as PyTorch's
            if input.dtype == np.float64:
                return _lerp_float64(input, end, weight)
            return _lerp_value(Tensor._make(input), Tensor._make(end),
                               Tensor._make(weight) if tensor_weight else weight)._data

    @staticmethod
    def backward_data(ctx, gy):
        with np.errstate(invalid='ignore', over='ignore'):
            return Lerp._gradients(ctx, gy)

    @staticmethod
    def _gradients(ctx, gy):
        input, end, weight = ctx.saved_data
        need = ctx.needs_input_grad
        dtype = gy.dtype
        if weight is None:                            # a number: in the loops' type
            work = _opmath(dtype)
            start_factor, end_factor = work(1 - ctx.weight), work(ctx.weight)
        else:
            start_factor, end_factor = (1 - weight).astype(dtype, copy=False), weight
        g_input = _rounded(gy * start_factor, dtype, ctx.shapes[0]) if need[0] else None
        g_end = _rounded(gy * end_factor, dtype, ctx.shapes[1]) if need[1] else None
        g_weight = (_rounded(gy * (end - input).astype(dtype, copy=False), dtype,
                             ctx.shapes[2]) if weight is not None and need[2] else None)
        return g_input, g_end, g_weight

    @staticmethod
    def backward(ctx, gy):
        input, end, weight = ctx.saved_tensors
        need = ctx.needs_input_grad
        weight = ctx.weight if weight is None else weight
        return ((gy * (1 - weight)).sum_to_size(ctx.shapes[0]) if need[0] else None,
                (gy * weight).sum_to_size(ctx.shapes[1]) if need[1] else None,
                (gy * (end - input)).sum_to_size(ctx.shapes[2])
                if ctx.shapes[2] is not None and need[2] else None)


def _lerp_float64(start, end, weight):
    """PyTorch's float64 lerp: fma(weight, end - start, start) where |weight| < 0.5, else
    fma(1 - weight, start - end, end) (its `end - (end - start) * (1 - weight)` fused: a
    signed zero as PyTorch's), one rounding each."""
    small = np.abs(weight) < 0.5
    if isinstance(weight, np.ndarray):
        coefficient = np.where(small, weight, 1 - weight)
        difference = np.where(small, end - start, start - end)
        base = np.where(small, start, end)
    else:
        coefficient, difference, base = ((weight, end - start, start) if small
                                         else (1 - weight, start - end, end))
    out_shape = np.broadcast_shapes(start.shape, end.shape, np.shape(weight))
    return np.asarray(fma_in(np.dtype(np.float64), np.broadcast_to(coefficient, out_shape),
                             difference, base), np.float64)
