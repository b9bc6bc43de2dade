"""More elementwise torch.* functions: isposinf, isneginf, signbit, copysign, gcd, lcm, ldexp,
nextafter, frexp, rsub and the bit shifts. The differentiable ones are made of other ops (or,
for nextafter, pass the gradient straight to input), with PyTorch's dtypes and errors.
"""
import math

from .. import _dtype, return_types
from ..autograd.function import grad_fn_named
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import functional as F
from .shape import GradToFirst


def isposinf(input):
    """Where input is +inf (never, for integers and bools)."""
    return F.eq(input, math.inf)


def isneginf(input):
    return F.eq(input, -math.inf)


def signbit(input):
    """Whether the sign bit is set: x < 0, and also -0.0 and a negative nan."""
    xp = input._backend_xp()
    if input._data.dtype.kind == 'b':
        return Tensor._make(xp.zeros(input._data.shape, bool))
    if input._data.dtype.kind != 'f':
        return F.lt(input, 0)
    return Tensor._make(xp.asarray(xp.signbit(input._data)))


def _float_result(input, other):
    """The dtype input and other promote to, a float one for integers and bools."""
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    numbers = [F._as_number(v) for v in (input, other) if not isinstance(v, Tensor)]
    dtype = _dtype.result_type(tensors, numbers)
    return dtype if dtype.is_floating_point else _dtype.default_float


@grad_fn_named(lambda input, other: 'CopysignBackward0' if isinstance(other, Tensor)
                else 'CopysignBackward1')
def copysign(input, other):
    """|input| with the sign of other (its sign bit: -0.0 counts as negative), as floats.
    The gradient goes to input (0 where input is 0); other gets zeros, as PyTorch's."""
    F._require_tensor(input, 'copysign')
    dtype = _float_result(input, other)
    magnitude = F.abs(F.cast(input, dtype))
    if isinstance(other, Tensor):
        F.check_same_device(input, other)
        F.broadcast_shapes(input.shape, other.shape)          # named in PyTorch's order
        out = F.where(signbit(other), F.neg(magnitude), magnitude)
        if other.requires_grad and is_grad_enabled():
            # other on the graph with a zero gradient: sign's, through an exact +0.0
            # (NaN's masked) subtracted, which keeps every bit of out, -0.0 included
            sign = other.sign()
            out = out - (sign - sign.detach()).masked_fill(sign.isnan(), 0.0)
        return out
    other = F._as_number(other)
    return F.neg(magnitude) if math.copysign(1.0, other) < 0 else magnitude


def _integer_pair(name, input, other):
    """gcd and lcm: two integer tensors, in their promoted dtype, as arrays."""
    F._require_tensor(other, name, 'other')
    F.check_same_device(input, other)
    F.broadcast_shapes(input.shape, other.shape)              # PyTorch's error
    dtype = _dtype.result_type((input, other))
    if dtype.np.kind in 'fb':
        raise NotImplementedError(f'"{name}_{input.device.type}" not implemented for '
                                  f"'{F.type_name(dtype)}'")
    return input._data.astype(dtype.np, copy=False), other._data.astype(dtype.np, copy=False)


def gcd(input, other):
    """The greatest common divisor of each pair (non-negative; gcd(0, 0) is 0)."""
    xp = input._backend_xp()
    pair = _integer_pair('gcd', input, other)
    return F.elementwise_tensor(xp.asarray(xp.gcd(*pair)), *pair)


def lcm(input, other):
    """The least common multiple of each pair (non-negative; 0 when either is 0)."""
    xp = input._backend_xp()
    pair = _integer_pair('lcm', input, other)
    return F.elementwise_tensor(xp.asarray(xp.lcm(*pair)), *pair)


@grad_fn_named('LdexpBackward0')
def ldexp(input, other):
    """input * 2 ** other (as floats), differentiable in both."""
    F._require_tensor(other, 'ldexp', 'other')
    dtype = _dtype.result_type((input, other))          # integers give the default float
    out = F.mul(input, F.rpow(other, 2.0))
    return F.cast(out, dtype) if dtype.is_floating_point else out


class _NextAfter(GradToFirst):
    """The next representable value after input towards other. Its gradient, as PyTorch's,
    is the incoming one for input (and none for other)."""
    elementwise = True
    node_name = 'NextafterBackward0'

    @staticmethod
    def forward(ctx, x, y):
        return ctx.backend.xp.nextafter(x, y)


def nextafter(input, other):
    F._require_tensor(other, 'nextafter', 'other')
    F.check_same_device(input, other)
    dtype = _dtype.result_type((input, other))
    if not dtype.is_floating_point:
        raise NotImplementedError(f'"nextafter_{input.device.type}" not implemented for '
                                  f"'{F.type_name(dtype)}'")
    F.broadcast_shapes(input.shape, other.shape)
    return _NextAfter.apply(F.cast(input, dtype), F.cast(other, dtype))


@grad_fn_named('FrexpBackward0')
def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2 ** exponent, |mantissa| in [0.5, 1)
    (0, inf and nan keep exponent 0); exponent is int32. The mantissa's gradient is the
    incoming one over 2 ** exponent."""
    if not input.is_floating_point():
        raise RuntimeError('microtorch.frexp() only supports floating-point dtypes')
    xp = input._backend_xp()
    _, exponent = xp.frexp(input._data)
    exponent = xp.asarray(exponent).astype('int32')      # a 0-d input gives a scalar
    # Two exact scalings by powers of two: one alone would overflow for subnormal inputs.
    half = exponent // 2
    kind = input._data.dtype
    first = Tensor._make(xp.asarray(xp.ldexp(xp.ones((), kind), -half), dtype=kind))
    second = Tensor._make(xp.asarray(xp.ldexp(xp.ones((), kind), half - exponent), dtype=kind))
    mantissa = F.mul(F.mul(input, first), second)
    return return_types.named('frexp', ('mantissa', 'exponent'))(mantissa,
                                                                 Tensor._make(exponent))


@grad_fn_named(lambda input, other, alpha=1: 'RsubBackward0' if isinstance(other, Tensor)
                else None)
def rsub(input, other, alpha=1):
    """other - alpha * input (the reversed sub)."""
    F._require_tensor(input, 'rsub')
    return F.sub(other, input, alpha=alpha)


def _shift(name, kernel, input, other):
    """A bit shift of integers (bools promote with an int to int64); by a negative count or
    one past the width: 0 to the left, the sign bits to the right."""
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    numbers = [F._as_number(v) for v in (input, other) if not isinstance(v, Tensor)]
    if not tensors or not all(isinstance(n, (int, float, bool)) for n in numbers):
        return NotImplemented
    dtype = _dtype.result_type(tensors, numbers)
    if dtype.np.kind in 'fb':
        raise NotImplementedError(f'"{kernel}_{F._device_type(*tensors)}" not implemented for '
                                  f"'{F.type_name(dtype)}'")
    if len(tensors) == 2:
        F.check_same_device(*tensors)
        F.broadcast_shapes(tensors[0].shape, tensors[1].shape)
    xp = tensors[0]._backend_xp()
    a, b = (v._data.astype(dtype.np, copy=False) if isinstance(v, Tensor)
            else xp.asarray(v, dtype=dtype.np) for v in (input, other))
    bits = dtype.itemsize * 8
    outside = (b < 0) | (b >= bits)
    count = xp.clip(b, 0, bits - 1)
    if name == 'left':
        out = xp.where(outside, 0, xp.left_shift(a, count))
    else:
        out = xp.where(outside, xp.right_shift(a, bits - 1), xp.right_shift(a, count))
    return Tensor._make(xp.asarray(out.astype(dtype.np, copy=False)))


def bitwise_left_shift(input, other):
    """input << other, elementwise on integers."""
    return _checked_shift('bitwise_left_shift', _shift('left', 'lshift', input, other), other)


def bitwise_right_shift(input, other):
    """input >> other (arithmetic: the sign bit fills in)."""
    return _checked_shift('bitwise_right_shift', _shift('right', 'rshift', input, other), other)


def _checked_shift(name, result, other):
    """The function's TypeError where the operator would give way to the other operand."""
    if result is NotImplemented:
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(other).__name__}")
    return result


def shift_operator(direction):
    """`<<` or `>>` (and their reflected forms): NotImplemented for what is not a number."""
    kernel = 'lshift' if direction == 'left' else 'rshift'

    def operator(input, other):
        return _shift(direction, kernel, input, other)
    return operator
