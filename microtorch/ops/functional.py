"""The public op functions: argument parsing, dtype promotion, checks with PyTorch's errors.

Each function validates its inputs completely before any op runs (a failed call changes
nothing), then calls one op class's `apply`. Tensor methods are these same functions.
"""
import builtins
import collections.abc
import math
import numbers
import operator
import re
import warnings

from .._autocast import autocast_op
from .._caller import user_stacklevel
from .. import _dtype, _layout, return_types
from .._size import (wrap_dim, wrap_dims, reduction_dims, shape_args, infer_shape,
                     broadcast_shapes)
from ..autograd.grad_mode import no_grad
from ..autograd.function import grad_fn_named, _backend_of as _ARRAY_TYPES
from ..autograd.small_apply import apply_with_numbers as _with_numbers, apply_to_pair as _to_pair
from ..tensor import Tensor
from . import elementwise as E
from . import binary as B
from . import reduction as R
from . import shape as S
from . import softmax as SM
from . import linalg as L
from . import indexing as I
from . import fused as _fused

_NUMBER = (int, float, bool)
_NUMBER_TYPES = {int, float}
type_name = _dtype.type_name          # PyTorch's scalar-type names, for error messages


def _as_number(value):
    """A NumPy scalar becomes the Python number it holds; other values pass through."""
    item = getattr(value, 'item', None)
    if item is not None and not isinstance(value, Tensor) and getattr(value, 'ndim', 1) == 0:
        return item()
    return value


def cast(x, dtype):
    """x in `dtype`, recorded (so gradients flow back in x's dtype); x itself if it is."""
    if x._data.dtype == dtype.np:
        return x
    return S.Cast.apply(x, dtype.np)


def check_same_device(a, b):
    if type(a._data) is not type(b._data) or (
            not isinstance(a._data, _NUMPY_ARRAY) and a.device != b.device):
        first, second = sorted((str(a.device), str(b.device)), key=lambda d: d == 'cpu')
        raise RuntimeError('Expected all tensors to be on the same device, but found at least '
                           f'two devices, {first} and {second}!')


def _binary(op, a, b):
    """Apply a broadcasting binary op after PyTorch's type promotion. a or b may be a number."""
    if type(b) is float and type(a) is Tensor and a._data.dtype.kind == 'f':
        return _with_numbers(op, a, b)   # the commonest case, `x * 0.5`: nothing to promote
    a_is_tensor = isinstance(a, Tensor)
    b_is_tensor = isinstance(b, Tensor)
    if a_is_tensor and b_is_tensor:
        a_data, b_data = a._data, b._data
        if a_data.dtype is not b_data.dtype and a_data.dtype != b_data.dtype:
            dtype = _dtype.result_type((a, b))
            a, b = cast(a, dtype), cast(b, dtype)
        if type(a_data) is not _NUMPY_ARRAY or type(b_data) is not _NUMPY_ARRAY:
            check_same_device(a, b)                  # two CPU arrays need no device check
        try:
            return _to_pair(op, a, b)
        except ValueError:
            broadcast_shapes(a._data.shape, b._data.shape)
            raise
    tensor, number = (a, b) if a_is_tensor else (b, a)
    if type(number) is _NUMPY_ARRAY and number.ndim:
        # PyTorch reads an array operand as a (CPU) tensor: the result stays a Tensor, on the
        # graph, instead of NumPy taking over the operator and returning an array.
        from ..creation import as_tensor
        other = as_tensor(number)
        return _binary(op, tensor, other) if a_is_tensor else _binary(op, other, tensor)
    number = _as_number(number)
    if not isinstance(number, _NUMBER):
        return NotImplemented
    category = tensor.dtype._category
    if _dtype.scalar_category(number) > category:
        tensor = cast(tensor, _dtype.result_type((tensor,), (number,)))
    elif category == 1 and type(number) is int:
        number = _dtype.wrap_integer(number, tensor._data.dtype)
    return _with_numbers(op, tensor, number) if a_is_tensor else op.apply(number, tensor)


def _is_floating(value):
    return value.is_floating_point() if isinstance(value, Tensor) else isinstance(value, float)


def _require_tensor(x, name, argument='input'):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{argument}' must be Tensor, not "
                        f'{type(x).__name__}')


def _require_int(value, name, argument):
    """PyTorch's parser: a whole number argument (a bool or an integer tensor is not one)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}(): argument '{argument}' must be int, not "
                        f'{type(value).__name__}')


# ---- arithmetic ----------------------------------------------------------------------------

def add(input, other, alpha=1):
    if type(alpha) is not int or alpha != 1:       # alpha=1.0 still has its checks
        return _with_alpha(B.Add, input, other, alpha)
    return _binary(B.Add, input, other)


def _with_alpha(op, input, other, alpha):
    """input op alpha * other, in the dtype of input op other (PyTorch's rule: alpha takes no
    part in promotion), after PyTorch's checks of alpha against that dtype."""
    alpha = _as_number(alpha)
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    numbers = [_as_number(v) for v in (input, other) if not isinstance(v, Tensor)]
    dtype = None
    if builtins.all(isinstance(n, _NUMBER) for n in numbers):     # else _binary's error
        dtype = _dtype.result_type(tensors, numbers)
        if isinstance(alpha, bool) and dtype is not _dtype.bool_:
            raise RuntimeError('Boolean alpha only supported for Boolean results.')
        if isinstance(alpha, float) and not dtype.is_floating_point:
            raise RuntimeError('For integral input tensors, argument alpha must not be a '
                               'floating point number.')
    if (op is not B.Rsub and type(input) is Tensor and type(other) is Tensor
            and _fused.exact_cpu(input, other) and dtype is input.dtype):
        # one rounding, as PyTorch's add loop (ops/fused.py); float16 takes alpha as float16
        scale = alpha if op is B.Add else -alpha
        forward_scale = float(input._data.dtype.type(scale))
        return (_fused.ScaledAdd if op is B.Add else _fused.SubScaled).apply(
            input, other, forward_scale, scale)
    if (op is not B.Rsub and type(input) is Tensor and type(other) is Tensor
            and dtype in (_dtype.float32, _dtype.float16)
            and input.dtype is dtype and other.dtype is dtype):
        return _scaled_add_fused(input, other, alpha if op is B.Add else -alpha,
                                 'AddBackward0' if op is B.Add else 'SubBackward0')
    result = _binary(op, input, other * alpha)
    return cast(result, dtype) if dtype is not None and isinstance(result, Tensor) else result


def _scaled_add_fused(input, other, alpha, name):
    """input + alpha * other for float32 (or float16) tensors, rounded as PyTorch's add loop
    rounds it: one fused multiply-add. The product of two float32 values is exact in float64
    and the sum rounds there once: the float32 result differs from one rounding only when
    that sum falls exactly halfway between two float32 values, about once in 2^29 elements.
    float16 works in float32 with alpha rounded to float16, as PyTorch's vector loop does
    (its scalar tail, the last n % 32 elements, rounds alpha * other first: not reproduced)."""
    f32, f64 = _dtype.float32, _dtype.float64
    weight = float(input.dtype.np.type(alpha))
    total = add(cast(input, f64), mul(cast(other, f64), weight))
    return grad_fn_named(name)(lambda *_: cast(cast(total, f32), input.dtype))(input, other)


def sub(input, other, alpha=1):
    if type(input) is Tensor and input._data.dtype.kind == 'f' and (
            type(other) is float or type(other) is Tensor and other._data.dtype.kind == 'f'):
        if type(alpha) is not int or alpha != 1:                       # no bools
            return _with_alpha(B.Sub, input, other, alpha)
        if type(other) is float:            # `y - 0.5`: nothing to promote or check
            return B.Sub.apply(input, other)
        return _binary(B.Sub, input, other)
    bools = [isinstance(v, bool) or (isinstance(v, Tensor) and v._data.dtype.kind == 'b')
             for v in (input, other)]
    if bools[0] and bools[1]:
        raise RuntimeError('Subtraction, the `-` operator, with two bool tensors is not '
                           'supported. Use the `^` or `logical_xor()` operator instead.')
    if bools[0] or bools[1]:
        raise RuntimeError('Subtraction, the `-` operator, with a bool tensor is not '
                           'supported. If you are trying to invert a mask, use the `~` or '
                           '`logical_not()` operator instead.')
    op = B.Sub if isinstance(input, Tensor) else B.Rsub
    if type(alpha) is not int or alpha != 1:
        return _with_alpha(op, input, other, alpha)
    return _binary(op, input, other)


def reciprocal(input):
    return _with_numbers(E.Reciprocal, _floating(input))


def rdiv(input, other):
    """number / tensor, computed as PyTorch does: reciprocal(tensor) * number."""
    other = _as_number(other)
    if not isinstance(other, _NUMBER):
        return NotImplemented
    return _binary(B.Mul, reciprocal(input), other)


def mul(input, other):
    return _binary(B.Mul, input, other)


_ROUNDED_DIVISION = {'floor': (B.DivFloor, 'div_floor'), 'trunc': (B.DivTrunc, 'div_trunc')}


def div(input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        if rounding_mode not in _ROUNDED_DIVISION:
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or "
                               f"'floor' but found '{rounding_mode}'")
        op, kernel = _ROUNDED_DIVISION[rounding_mode]
        return _integer_division(op, kernel, input, other)
    if not _is_floating(input) and not _is_floating(other):    # true division: 1 / 2 == 0.5
        if isinstance(input, Tensor):
            input = cast(input, _dtype.default_float)
        else:
            other = cast(other, _dtype.default_float)
    return _binary(B.Div, input, other)


def _integer_division(op, kernel, input, other):
    """A division that keeps integers integers (//, %, fmod, rounded div), after PyTorch's
    promotion; bools have no such kernel. `kernel` is PyTorch's, for its error."""
    tensors = [v for v in (input, other) if isinstance(v, Tensor)]
    numbers = [_as_number(v) for v in (input, other) if not isinstance(v, Tensor)]
    if tensors and builtins.all(isinstance(n, _NUMBER) for n in numbers) and \
            _dtype.result_type(tensors, numbers) is _dtype.bool_:
        _refuse_dtype(tensors[0], f'{kernel}_{tensors[0].device.type}', ('b',))
    return _binary(op, input, other)


def floor_divide(input, other):
    return _integer_division(B.FloorDivide, 'div_floor', input, other)


@grad_fn_named(lambda input, other: 'RemainderBackward1' if isinstance(input, Tensor) and
                isinstance(other, Tensor) else 'RemainderBackward0')
def remainder(input, other):
    op = B.Remainder if isinstance(input, Tensor) else B.RRemainder     # number % tensor
    return _integer_division(op, 'remainder', input, other)


def fmod(input, other):
    _require_tensor(input, 'fmod')
    return _integer_division(B.Fmod, 'fmod', input, other)


def pow(input, exponent):
    if type(exponent) in _NUMBER_TYPES and type(input) is Tensor and \
            input._data.dtype.kind == 'f':
        return _with_numbers(E.PowScalar, input, exponent)     # x ** 2: nothing to promote
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        exponent = _as_number(exponent)
        if not isinstance(exponent, _NUMBER):
            return NotImplemented
        if isinstance(exponent, bool) and input.dtype is _dtype.bool_:
            return bitwise_or(input, not exponent)        # x ** True is x, x ** False is 1
        if _dtype.scalar_category(exponent) > input.dtype._category:
            input = cast(input, _dtype.result_type((input,), (exponent,)))
        if not input.is_floating_point() and exponent < 0:
            raise RuntimeError('Integers to negative integer powers are not allowed.')
        return _with_numbers(E.PowScalar, input, exponent)
    _refuse_bool_pow(input, exponent)
    return _binary(B.Pow, input, exponent)


def rpow(exponent, base):
    """base ** exponent for a number base (Tensor.__rpow__)."""
    _refuse_bool_pow(base, exponent)
    return _binary(B.RPow, base, exponent)


def _refuse_bool_pow(base, exponent):
    """PyTorch has no bool ** bool, whether base is a tensor or Python's True or False."""
    if isinstance(exponent, Tensor) and exponent.dtype is _dtype.bool_ and (
            isinstance(base, bool) or (isinstance(base, Tensor) and base.dtype is _dtype.bool_)):
        _refuse_dtype(exponent, 'pow', 'b')


def neg(input):
    if input.dtype is _dtype.bool_:
        raise RuntimeError('Negation, the `-` operator, on a bool tensor is not supported. If '
                           'you are trying to invert a mask, use the `~` or `logical_not()` '
                           'operator instead.')
    return _with_numbers(E.Neg, input)


def maximum(input, other):
    _require_tensor(other, 'maximum', 'other')
    return _binary(B.Maximum, input, other)


def minimum(input, other):
    _require_tensor(other, 'minimum', 'other')
    return _binary(B.Minimum, input, other)


_NOT_GIVEN = object()


def where(condition, input=_NOT_GIVEN, other=_NOT_GIVEN):
    """Elementwise `input if condition else other`; either value may be a number. With the
    condition alone: its nonzero indices, one tensor per dim (nonzero(as_tuple=True))."""
    if input is _NOT_GIVEN and other is _NOT_GIVEN:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor) or condition.dtype is not _dtype.bool_:
        got = (type_name(condition.dtype) if isinstance(condition, Tensor)
               else type(condition).__name__)
        raise RuntimeError('where expected condition to be a boolean tensor, but got a tensor '
                           f'with dtype {got}')
    tensors = [t for t in (input, other) if isinstance(t, Tensor)]
    numbers = [_as_number(v) for v in (input, other) if not isinstance(v, Tensor)]
    for t in tensors:
        check_same_device(condition, t)
    dtype = _dtype.result_type(tensors, numbers) if tensors else (
        _dtype.result_type([], numbers))
    if isinstance(input, Tensor):
        input = cast(input, dtype)
    if isinstance(other, Tensor):
        other = cast(other, dtype)
    if not tensors:
        from ..creation import full
        input = full((), input, dtype=dtype, device=condition.device)
    try:
        return B.Where.apply(condition, input, other)
    except ValueError:
        shapes = [condition.shape] + [t.shape for t in (input, other) if isinstance(t, Tensor)]
        out = ()
        for s in shapes:
            out = broadcast_shapes(out, s)
        raise


# ---- comparisons and logic (no gradient) ----------------------------------------------------

def _compare(ufunc_name, a, b):
    if isinstance(b, Tensor):
        check_same_device(a, b)
        other = b._data
    else:
        other = _as_number(b)
        if not isinstance(other, _NUMBER):
            return NotImplemented
        if type(other) is int and a._data.dtype.kind in 'iu':   # PyTorch wraps: x < 256
            other = _dtype.wrap_integer(other, a._data.dtype)
    xp = a._backend_xp()
    try:
        return elementwise_tensor(xp.asarray(getattr(xp, ufunc_name)(a._data, other)),
                                  a._data, other)                    # (asarray: 0-d gives a scalar)
    except ValueError:
        broadcast_shapes(a._data.shape, other.shape)
        raise


def elementwise_tensor(out, *inputs):
    """A Tensor of an unrecorded elementwise op's result (comparisons, logical and bitwise
    ops), laid out as PyTorch lays it out (recorded ops: Function.elementwise)."""
    return Tensor._make(_layout.elementwise_result(out, inputs, _ARRAY_TYPES))


def eq(input, other):
    return _compare('equal', input, other)


def ne(input, other):
    return _compare('not_equal', input, other)


def lt(input, other):
    return _compare('less', input, other)


def le(input, other):
    return _compare('less_equal', input, other)


def gt(input, other):
    return _compare('greater', input, other)


def ge(input, other):
    return _compare('greater_equal', input, other)


def _bitwise(name, a, b):
    """`&`, `|`, `^` (bitwise_and, _or, _xor): bitwise on integers and logical on bools, in the
    promoted dtype, as PyTorch; floating point has no bits to combine."""
    if isinstance(b, Tensor):
        check_same_device(a, b)
        broadcast_shapes(a._data.shape, b._data.shape)            # PyTorch's error
        dtype = _dtype.result_type((a, b))
        other = b._data.astype(dtype.np, copy=False)
    elif isinstance(b, (bool, int, float)):
        dtype = _dtype.result_type((a,), (b,))
        other = b
    else:
        return NotImplemented
    if dtype.is_floating_point:
        raise NotImplementedError(f'"{name}_{a.device.type}" not implemented for '
                                  f"'{type_name(dtype)}'")
    xp = a._backend_xp()
    return elementwise_tensor(xp.asarray(getattr(xp, name)(a._data.astype(dtype.np, copy=False),
                                                           other)), a._data, other)


def _named(implementation, name):
    """The public function `name`: implementation(name, input, other)."""
    def function(input, other):
        return implementation(name, input, other)
    function.__name__ = function.__qualname__ = name
    return function


bitwise_and, bitwise_or, bitwise_xor = (_named(_bitwise, 'bitwise_' + op)
                                        for op in ('and', 'or', 'xor'))


def bitwise_not(input):
    """Bitwise on integers, logical on bools."""
    _refuse_dtype(input, 'bitwise_not_' + input.device.type, 'f')
    xp = input._backend_xp()
    return Tensor._make(xp.asarray(xp.invert(input._data)))


def _logical(name, input, other):
    """logical_and, _or, _xor: any dtype, nonzero is True; a bool result."""
    _require_tensor(other, name, 'other')
    check_same_device(input, other)
    broadcast_shapes(input._data.shape, other._data.shape)        # PyTorch's error
    other = other._data
    xp = input._backend_xp()
    return elementwise_tensor(xp.asarray(getattr(xp, name)(input._data, other)), input._data,
                              other)


logical_and, logical_or, logical_xor = (_named(_logical, 'logical_' + op)
                                        for op in ('and', 'or', 'xor'))


def invert(input):
    """`~input`: bitwise_not, with Python's error for floating point."""
    if input._data.dtype.kind == 'f':
        raise TypeError('~ (operator.invert) is only implemented on integer and Boolean-type '
                        'tensors')
    return bitwise_not(input)


def logical_not(input):
    xp = input._backend_xp()
    return Tensor._make(xp.asarray(xp.logical_not(input._data)))


def isnan(input):
    xp = input._backend_xp()
    return Tensor._make(xp.asarray(xp.isnan(input._data)))


def isfinite(input):
    xp = input._backend_xp()
    return Tensor._make(xp.asarray(xp.isfinite(input._data)))


def isinf(input):
    xp = input._backend_xp()
    return Tensor._make(xp.asarray(xp.isinf(input._data)))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise (no gradient)."""
    _require_tensor(other, 'isclose', 'other')
    if input.dtype is not other.dtype:
        raise RuntimeError(f'{type_name(input.dtype)} did not match {type_name(other.dtype)}')
    check_same_device(input, other)
    broadcast_shapes(input.shape, other.shape)
    xp = input._backend_xp()
    return elementwise_tensor(xp.asarray(xp.isclose(input._data, other._data, rtol, atol,
                                                    equal_nan)), input._data, other._data)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    _require_tensor(other, 'equal', 'other')
    return input.shape == other.shape and bool((input == other).all())


def _logical_reduction(name, input, dim, keepdim):
    dims = None if dim is None else wrap_dims(dim, input._data.ndim)   # PyTorch's errors
    xp = input._backend_xp()
    return Tensor._make(xp.asarray(getattr(xp, name)(input._data, axis=dims, keepdims=keepdim)))


def _numpy_names(dim, axis, keepdim, keepdims):
    """NumPy's `axis` and `keepdims`, which PyTorch reads as `dim` and `keepdim`."""
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    return _logical_reduction('all', input, dim, keepdim)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    return _logical_reduction('any', input, dim, keepdim)


# ---- unary math ----------------------------------------------------------------------------

def _floating(x):
    """Math functions give floats for integer inputs (exp(int tensor) is float32)."""
    return x if x._data.dtype.kind == 'f' else cast(x, _dtype.default_float)


def exp(input):
    return _with_numbers(E.Exp, _floating(input))


def log(input):
    return _with_numbers(E.Log, _floating(input))


def sqrt(input):
    return _with_numbers(E.Sqrt, _floating(input))


def sin(input):
    return _with_numbers(E.Sin, _floating(input))


def cos(input):
    return _with_numbers(E.Cos, _floating(input))


def tanh(input):
    return _with_numbers(E.Tanh, input if input._data.dtype.kind == 'f' else _floating(input))


def sigmoid(input):
    return _with_numbers(E.Sigmoid, input if input._data.dtype.kind == 'f' else _floating(input))


def log1p(input):
    return E.Log1p.apply(_floating(input))


def expm1(input):
    return E.Expm1.apply(_floating(input))


def log2(input):
    return E.Log2.apply(_floating(input))


def log10(input):
    return E.Log10.apply(_floating(input))


def rsqrt(input):
    return _with_numbers(E.Rsqrt, _floating(input))


def tan(input):
    return E.Tan.apply(_floating(input))


def sinh(input):
    return E.Sinh.apply(_floating(input))


def cosh(input):
    return E.Cosh.apply(_floating(input))


def asin(input):
    return E.Asin.apply(_floating(input))


def acos(input):
    return E.Acos.apply(_floating(input))


def atan(input):
    return E.Atan.apply(_floating(input))


def asinh(input):
    return E.Asinh.apply(_floating(input))


def acosh(input):
    return E.Acosh.apply(_floating(input))


def atanh(input):
    return E.Atanh.apply(_floating(input))


arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh


def erf(input):
    return E.Erf.apply(_floating(input))


def exp2(input):
    return E.Exp2.apply(_floating(input))


def frac(input):
    """x - trunc(x), of float tensors only (PyTorch has no integer kernel)."""
    _refuse_dtype(input, 'frac_' + input.device.type, ('b', 'i', 'u'))
    return E.Frac.apply(input)


@autocast_op('atan2')
def atan2(input, other):
    """The angle of (other, input) in (-pi, pi]; integers give floats."""
    _require_tensor(other, 'atan2', 'other')
    if not _is_floating(input) and not _is_floating(other):
        input = cast(input, _dtype.default_float)
    return _binary(B.Atan2, input, other)


arctan2 = atan2


def square(input):
    """x * x as PyTorch computes it: pow(x, 2) (PowBackward0); bools square to int64."""
    if input._data.dtype.kind == 'b':
        input = cast(input, _dtype.int64)
    return pow(input, 2)


def sign(input):
    if input._data.dtype.kind == 'b':
        return clone(input)                      # sign(True) is True
    return E.Sign.apply(input)


def _step_input(input, name):
    """floor, ceil, trunc and round of an integer tensor are a copy of it; bools are refused
    with PyTorch's kernel name."""
    kind = input._data.dtype.kind
    if kind == 'b':
        kernel = f'{name}_vml_cpu' if input.device.type == 'cpu' else f'{name}_cuda'
        _refuse_dtype(input, kernel, ('b',))
    return kind == 'f'


def floor(input):
    return E.Floor.apply(input) if _step_input(input, 'floor') else clone(input)


def ceil(input):
    return E.Ceil.apply(input) if _step_input(input, 'ceil') else clone(input)


def trunc(input):
    return E.Trunc.apply(input) if _step_input(input, 'trunc') else clone(input)


fix = trunc


def round(input, *, decimals=0):
    if type(decimals) is not int:
        raise TypeError("round() received an invalid combination of arguments - argument "
                        f"'decimals' must be int, not {type(decimals).__name__}")
    if not _step_input(input, 'round'):
        if decimals:
            _refuse_dtype(input, 'round_' + input.device.type, ('i', 'u'))
        return clone(input)
    return E.Round.apply(input, decimals)


def relu(input):
    if input._data.dtype.kind == 'b':
        raise RuntimeError('Boolean inputs not supported for relu')
    return _with_numbers(E.Relu, input)


def abs(input):
    _refuse_dtype(input, 'abs_' + input.device.type, ('b',))
    return _with_numbers(E.Abs, input)


def _device_type(*operands):
    """'cpu' or 'cuda': where an op on these operands runs (for PyTorch's kernel names)."""
    return next((t.device.type for t in operands if isinstance(t, Tensor)), 'cpu')


def refuse_promoted_dtype(kernel, kinds, *operands):
    """PyTorch's error for an op whose kernel has no version for the dtype its operands
    (tensors and numbers) promote to, when that dtype's NumPy kind is in `kinds`."""
    tensors = [t for t in operands if isinstance(t, Tensor)]
    numbers = [_as_number(v) for v in operands if not isinstance(v, Tensor)]
    dtype = _dtype.result_type(tensors, numbers)
    if dtype.np.kind in kinds:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_name(dtype)}\'')


def _refuse_dtype(input, kernel, kinds):
    """PyTorch's error for a dtype its kernel `kernel` has no version for."""
    if input._data.dtype.kind in kinds:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{type_name(input.dtype)}'")


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min if isinstance(min, Tensor) else full_like(out, min))
        if max is not None:
            out = minimum(out, max if isinstance(max, Tensor) else full_like(out, max))
        return out
    bounds = [v for v in (min, max) if v is not None]
    if builtins.any(isinstance(v, float) for v in bounds) and not input.is_floating_point():
        input = cast(input, _dtype.default_float)
    elif input._data.dtype.kind in 'iu':
        min, max = (v if type(v) is not int else _dtype.wrap_integer(v, input._data.dtype)
                    for v in (min, max))
    return _with_numbers(E.Clamp, input, min, max)


clip = clamp


def full_like(input, fill_value):
    from ..creation import full_like as _full_like
    return _full_like(input, fill_value)


# ---- reductions ----------------------------------------------------------------------------

def sum(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
    if dim is None and dtype is None and axis is None and keepdims is None and \
            input._data.dtype.kind == 'f':          # `loss.sum()`: nothing to check or cast
        return _with_numbers(R.Sum, input, _ALL_DIMS[input._data.ndim], keepdim)
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    dims = reduction_dims(dim, input._data.ndim)
    if dtype is not None:
        input = cast(input, _dtype.to_dtype(dtype))
    elif input._data.dtype.kind in 'biu':
        input = cast(input, _dtype.int64)        # PyTorch sums integers and bools as int64
    return (R.Sum if dim is None else R.SumDims).apply(input, dims, keepdim)


_ALL_DIMS = [tuple(range(ndim)) for ndim in range(65)]      # sum()'s dims, by ndim


def _integers_as_int64(input, dtype):
    """prod's and cumsum's input: in `dtype` when given, else integers and bools as int64
    (PyTorch's rule, as for sum)."""
    if dtype is not None:
        return cast(input, _dtype.to_dtype(dtype))
    if input._data.dtype.kind in 'biu':
        return cast(input, _dtype.int64)
    return input


def prod(input, dim=None, keepdim=False, *, dtype=None):
    input = _integers_as_int64(input, dtype)
    ndim = input._data.ndim
    if dim is None:
        return R.Prod.apply(input, tuple(range(ndim)), False)
    dim = wrap_dim(dim, ndim, 'prod')
    return R.ProdDims.apply(input, (dim,) if ndim else (), keepdim)


def norm(input, p='fro', dim=None, keepdim=False, dtype=None):
    """The vector p-norm over dim (every dim by default): p a number (0, 1, 2, inf, -inf or
    any other) or 'fro' (2). Matrix norms ('nuc') are not implemented."""
    if isinstance(p, str):
        if p != 'fro':
            if p == 'nuc':
                raise NotImplementedError("norm(p='nuc'), the nuclear norm, is not "
                                          'implemented in microtorch')
            raise RuntimeError(f'linalg.matrix_norm: Order {p} not supported.')
        p = 2
    elif p is None:
        p = 2
    check_norm_dtypes(input, dtype, 'vector_norm')
    if dtype is not None:
        input = cast(input, _dtype.to_dtype(dtype))
    if p < 0 or p == math.inf:              # max and min have no identity: empty refused
        _refuse_empty_norm(input, p, dim)
    ndim = input._data.ndim
    dims = tuple(range(ndim)) if dim is None else wrap_dims(dim, ndim)
    return R.VectorNorm.apply(input, float(p), dims, keepdim)


def _refuse_empty_norm(x, ord, dim):
    """PyTorch's error for a max or min norm (inf, or ord < 0) over an empty dim."""
    shown = str(int(ord)) if float(ord).is_integer() else f'{ord:g}'
    if dim is None:
        if x.numel() == 0:
            raise RuntimeError(f'linalg.vector_norm cannot compute the {shown} norm on an empty '
                               'tensor because the operation does not have an identity')
        return
    for d in ([dim] if isinstance(dim, int) else dim):     # in order, as PyTorch
        if x.ndim and x.shape[wrap_dim(d, x.ndim)] == 0:
            raise RuntimeError(f'linalg.vector_norm cannot compute the {shown} norm on the '
                               f'dimension {d}because this dimension is empty and the '
                               'operation does not have an identity')


def check_norm_dtypes(x, dtype, name):
    """A floating-point input, and a dtype= that is floating point and not narrower."""
    if not x.is_floating_point():
        raise RuntimeError(f'linalg.{name}: Expected a floating point or complex tensor as '
                           f'input. Got {type_name(x.dtype)}')
    if dtype is None:
        return
    dtype = _dtype.to_dtype(dtype)
    if not dtype.is_floating_point:
        raise RuntimeError(f'linalg.{name}: dtype should be floating point or complex, but got '
                           f'{type_name(dtype)}')
    if _dtype.promote_types(x.dtype, dtype) is not dtype:
        raise RuntimeError(f'linalg.{name}: the dtype of the input ({type_name(x.dtype)}) '
                           'should be convertible without narrowing to the specified dtype '
                           f'({type_name(dtype)})')


def cumsum(input, dim, *, dtype=None):
    input = _integers_as_int64(input, dtype)
    return R.Cumsum.apply(input, wrap_dim(dim, input._data.ndim, 'cumsum'))


def _require_floating(input, name):
    if input._data.dtype.kind != 'f':
        raise RuntimeError(f'{name}(): could not infer output dtype. Input dtype must be either '
                           f'a floating point or complex dtype. Got: {type_name(input.dtype)}')


def mean(input, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    if dtype is not None:
        input = cast(input, _dtype.to_dtype(dtype))
    _require_floating(input, 'mean')
    op = R.Mean if dim is None else R.MeanDims
    return _with_numbers(op, input, reduction_dims(dim, input._data.ndim), keepdim)


def _correction(unbiased, correction):
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _require_var_input(input):
    if input._data.dtype.kind != 'f':
        raise RuntimeError('std and var only support floating point and complex dtypes')


def _var_dims(input, dim):
    """Var's and Std's dims: None for the whole tensor (no dim, or a 0-d input)."""
    dims = reduction_dims(dim, input._data.ndim)
    return None if dim is None or not input._data.ndim else dims


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    if isinstance(dim, bool):                    # var(unbiased) - PyTorch's old signature
        dim, unbiased = None, dim
    _require_var_input(input)
    return R.Var.apply(input, _var_dims(input, dim), _correction(unbiased, correction),
                       keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    _require_var_input(input)
    return R.Std.apply(input, _var_dims(input, dim), _correction(unbiased, correction),
                       keepdim)


def _return_type(name):
    """PyTorch's named tuples: torch.return_types.max(values=..., indices=...)."""
    return return_types.named(name)


def _extreme(input, dim, keepdim, other, name):
    op, pick = (R.Amax, 'argmax') if name == 'max' else (R.Amin, 'argmin')
    if isinstance(dim, Tensor):                  # max(a, b) is maximum(a, b)
        dim, other = None, dim
    if other is not None:
        return maximum(input, other) if name == 'max' else minimum(input, other)
    if dim is None:
        if input._data.size == 0:
            raise _no_reduction_dim_error(name)
        return op.apply(input, tuple(range(input._data.ndim)), False)
    dim = wrap_dim(dim, input._data.ndim, name)
    if input._data.ndim == 0:
        return _return_type(name)(input.clone(), zeros_index(input))
    if input._data.shape[dim] == 0:
        raise _empty_dim_error(name, dim)
    xp = input._backend_xp()
    index = getattr(_backend_of_data(input), pick)(input._data, dim, True)
    values = (R.MaxDim if name == 'max' else R.MinDim).apply(input, index, dim, keepdim)
    indices = Tensor._make(index if keepdim else xp.squeeze(index, axis=dim))
    return _return_type(name)(values, indices)


def _no_reduction_dim_error(name):
    return RuntimeError(f'{name}(): Expected reduction dim to be specified for input.numel() == '
                        "0. Specify the reduction dim with the 'dim' argument.")


def _empty_dim_error(name, dim):
    return IndexError(f'{name}(): Expected reduction dim {dim} to have non-zero size.')


def _check_extreme_of_empty(input, dim, name):
    """amax/amin pick an element, which no element has (PyTorch's zero_numel_check_dims: it
    names a dim as given, and runs before the check for repeated dims)."""
    if input._data.size:
        return
    dims = () if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        raise _no_reduction_dim_error(name)
    for d in dims:
        if input._data.shape[wrap_dim(d, input._data.ndim)] == 0:
            raise _empty_dim_error(name, d)


def zeros_index(input):
    return Tensor._make(input._backend_xp().zeros((), dtype='int64'))


def max(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    return _extreme(input, dim, keepdim, other, 'max')


def min(input, dim=None, keepdim=False, *, other=None, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    return _extreme(input, dim, keepdim, other, 'min')


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    _check_extreme_of_empty(input, dim, 'amax')
    return R.AmaxDims.apply(input, reduction_dims(dim, input.ndim), keepdim)


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    _check_extreme_of_empty(input, dim, 'amin')
    return R.AminDims.apply(input, reduction_dims(dim, input.ndim), keepdim)


def _arg_extreme(input, dim, keepdim, name):
    if dim is not None and not isinstance(dim, int):     # the argument's type first
        wrap_dim(dim, input._data.ndim, name)            # raises PyTorch's TypeError
    if input._data.dtype.kind == 'b':
        raise RuntimeError(f'{name}(): does not support bool input')
    xp = input._backend_xp()
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f'{name}(): Expected reduction dim to be specified for '
                             'input.numel() == 0.')
        out = getattr(xp, name)(input._data.reshape(-1))
        if keepdim:
            out = xp.reshape(out, (1,) * input._data.ndim)
    else:
        dim = wrap_dim(dim, input._data.ndim)
        if input._data.ndim and input._data.shape[dim] == 0:   # other dims may be empty
            raise _empty_dim_error(name, dim)
        data = input._data if input._data.ndim else input._data.reshape(1)
        out = getattr(xp, name)(data, axis=dim, keepdims=keepdim)
        if not input._data.ndim:
            out = out.reshape(())
    return Tensor._make(xp.asarray(out, dtype='int64'))


def argmax(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    return _arg_extreme(input, dim, keepdim, 'argmax')


def argmin(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    return _arg_extreme(input, dim, keepdim, 'argmin')


def logsumexp(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    dim, keepdim = _numpy_names(dim, axis, keepdim, keepdims)
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    input = _floating(input)
    return R.LogSumExp.apply(input, reduction_dims(dim, input._data.ndim), keepdim)


def _softmax_input(name, input, dim, dtype):
    """input in `dtype` when given, and dim wrapped; PyTorch's error for integers and bools."""
    if dtype is not None:
        input = cast(input, _dtype.to_dtype(dtype))
    dim = wrap_dim(dim, input._data.ndim)
    last = input.ndim == 0 or dim == input.ndim - 1
    _refuse_dtype(input, name + ('_lastdim_kernel_impl' if last else '_kernel_impl'), 'biu')
    return input, (dim if input.ndim else None)


@autocast_op('softmax')
def softmax(input, dim, dtype=None):
    return SM.Softmax.apply(*_softmax_input('softmax', input, dim, dtype))


@autocast_op('log_softmax')
def log_softmax(input, dim, dtype=None):
    return SM.LogSoftmax.apply(*_softmax_input('log_softmax', input, dim, dtype))


# ---- matrix products -----------------------------------------------------------------------

def _same_dtype(a, b, names=('mat1', 'mat2')):
    if a.dtype is not b.dtype:
        raise RuntimeError(f'expected {names[0]} and {names[1]} to have the same dtype, but '
                           f'got: {_dtype.c_type_name(a.dtype)} != '
                           f'{_dtype.c_type_name(b.dtype)}')


@autocast_op('matmul')
def matmul(input, other):
    _require_tensor(other, 'matmul', 'other')
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError('both arguments to matmul need to be at least 1D, but they are '
                           f'{input.ndim}D and {other.ndim}D')
    check_same_device(input, other)
    if input.dtype is other.dtype is _dtype.bool_:     # PyTorch names the kernel it took
        kernel = ('dot' if input.ndim == other.ndim == 1 else 'bmm' if other.ndim > 2 else
                  'addmv_impl_cpu' if other.ndim == 1 else 'addmm_impl_cpu_')   # 3-D @ 2-D: mm
        _refuse_dtype(input, kernel, 'b')
    if input.dtype is not other.dtype:       # PyTorch's wording names the path it takes
        if input.ndim == 1 and other.ndim == 1:
            raise RuntimeError('dot : expected both vectors to have same dtype, but found '
                               f'{type_name(input.dtype)} and {type_name(other.dtype)}')
        if other.ndim > 2:
            raise RuntimeError(f'expected scalar type {type_name(input.dtype)} but found '
                               f'{type_name(other.dtype)}')
        _same_dtype(input, other, ('m1', 'm2'))
    k_a = input.shape[-1]
    k_b = other.shape[-2] if other.ndim > 1 else other.shape[0]
    if k_a != k_b:
        if input.ndim == 1 and other.ndim == 1:
            raise RuntimeError(f'inconsistent tensor size, expected tensor [{k_a}] and src '
                               f'[{k_b}] to have the same number of elements, but got {k_a} '
                               f'and {k_b} elements respectively')
        rows = input.numel() // k_a if k_a else (input.shape[-2] if input.ndim > 1 else 1)
        if other.ndim == 1:              # PyTorch's wording names the path it took: mv
            raise RuntimeError(f'size mismatch, got input ({rows}), mat ({rows}x{k_a}), vec '
                               f'({k_b})')
        if other.ndim > 2:               # ... bmm
            batch = 1
            for n in broadcast_shapes(input.shape[:-2], other.shape[:-2]):
                batch *= n
            raise RuntimeError('Expected size for first two dimensions of batch2 tensor to be: '
                               f'[{batch}, {k_a}] but got: [{batch}, {k_b}].')
        cols = other.shape[-1] if other.ndim > 1 else 1
        raise RuntimeError(f'mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and '
                           f'{k_b}x{cols})')
    if input.ndim > 2 or other.ndim > 2:
        broadcast_shapes(input.shape[:-2], other.shape[:-2])
    return L.op_for(input.ndim, other.ndim).apply(input, other)


@autocast_op('mm')
def mm(input, mat2):
    _require_tensor(mat2, 'mm', 'mat2')
    if input.ndim != 2:
        raise RuntimeError('self must be a matrix')
    if mat2.ndim != 2:
        raise RuntimeError('mat2 must be a matrix')
    return matmul(input, mat2)


@autocast_op('bmm')
def bmm(input, mat2):
    _require_tensor(mat2, 'bmm', 'mat2')
    if input.ndim != 3:
        raise RuntimeError('batch1 must be a 3D tensor')
    if mat2.ndim != 3:
        raise RuntimeError('batch2 must be a 3D tensor')
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError('Expected size for first two dimensions of batch2 tensor to be: '
                           f'[{input.shape[0]}, {input.shape[2]}] but got: '
                           f'[{mat2.shape[0]}, {mat2.shape[1]}].')
    check_same_device(input, mat2)
    if input.dtype is not mat2.dtype:
        raise RuntimeError(f'expected scalar type {type_name(input.dtype)} but found '
                           f'{type_name(mat2.dtype)}')
    _refuse_dtype(input, 'bmm', 'b')
    return L.Bmm.apply(input, mat2)


@autocast_op('dot')
def dot(input, other):
    _require_tensor(other, 'dot', 'tensor')
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f'1D tensors expected, but got {input.ndim}D and {other.ndim}D '
                           'tensors')
    return matmul(input, other)


# ---- shapes --------------------------------------------------------------------------------

def reshape(input, *sizes, shape=None):
    shape = infer_shape(shape_args(sizes if shape is None else (shape,), 'shape'),
                        input._data.size)
    return S.Reshape.apply(input, shape)


def view(input, *shape, size=None):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        return _view_as_dtype(input, shape[0])
    shape = infer_shape(shape_args(shape if size is None else (size,), 'shape'),
                        input._data.size)
    try:
        input._backend_xp().reshape(input._data, shape, copy=False)
    except ValueError:
        raise _view_error() from None
    except TypeError:            # CuPy's reshape has no copy=: a copy starts elsewhere
        data = input._data
        if data.size > 1 and data.reshape(shape).data.ptr != data.data.ptr:
            raise _view_error() from None
    return S.Reshape.apply(input, shape)


def _view_as_dtype(input, dtype):
    """input's bytes read as `dtype` (x.view(torch.int16)), sharing its memory and version
    counter, outside the graph as in PyTorch; a dtype of another size rescales the last dim."""
    data, old = input._data, input.dtype
    if dtype.itemsize != old.itemsize:
        words = (f'to view {_dtype.type_name(old)} as {_dtype.type_name(dtype)} (different '
                 'element sizes)')
        if data.ndim == 0:
            raise RuntimeError(f'self.dim() cannot be 0 {words}')
        ratio = dtype.itemsize // old.itemsize           # 0 when the new type is smaller
        if ratio and data.shape[-1] % ratio:
            raise RuntimeError(f'self.size(-1) must be divisible by {ratio} {words}, but got '
                               f'{data.shape[-1]}')
        if data.shape[-1] > 1 and data.strides[-1] != data.itemsize:
            raise RuntimeError(f'self.stride(-1) must be 1 {words}, but got '
                               f'{data.strides[-1] // data.itemsize}')
    return Tensor._make(data.view(dtype.np), False, None, 0, input._version_counter)


def _view_error():
    return RuntimeError('view size is not compatible with input tensor\'s size and stride '
                        '(at least one dimension spans across two contiguous subspaces). '
                        'Use .reshape(...) instead.')


def flatten(input, start_dim=0, end_dim=-1):
    start = wrap_dim(start_dim, input.ndim)
    end = wrap_dim(end_dim, input.ndim)
    if input.ndim == 0:
        return S.Reshape.apply(input, (1,))
    if start > end:
        raise RuntimeError('flatten() has invalid args: start_dim cannot come after end_dim')
    shape = input._data.shape
    n = 1
    for d in shape[start:end + 1]:
        n *= d
    return S.Reshape.apply(input, shape[:start] + (n,) + shape[end + 1:])


def squeeze(input, dim=None):
    shape = input._data.shape
    if dim is None:
        dims = builtins.range(len(shape))
    else:
        dims = wrap_dims(dim, input.ndim)
    new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    op = S.SqueezeAll if dim is None else S.Squeeze if isinstance(dim, int) else S.SqueezeDims
    return op.apply(input, new)


def unsqueeze(input, dim):
    ndim = input._data.ndim
    if not -ndim - 1 <= dim <= ndim:
        raise IndexError(f'Dimension out of range (expected to be in range of [{-ndim - 1}, '
                         f'{ndim}], but got {dim})')
    dim = dim + ndim + 1 if dim < 0 else dim
    shape = input._data.shape
    return S.Unsqueeze.apply(input, shape[:dim] + (1,) + shape[dim:])


def transpose(input, dim0, dim1):
    ndim = input._data.ndim
    return S.Transpose.apply(input, wrap_dim(dim0, ndim), wrap_dim(dim1, ndim))


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f't() expects a tensor with <= 2 dimensions, but self is '
                           f'{input.ndim}D')
    # (a 0-d or 1-d tensor is its own transpose, still a TBackward0 view, as in PyTorch)
    return S.T.apply(input, 0, builtins.max(input.ndim - 1, 0))


def permute(input, *order, dims=None):
    dims = order if dims is None else (dims,)
    dims = shape_args(dims, 'dims') if not (len(dims) == 1 and isinstance(dims[0], int)) \
        else dims
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError('permute(sparse_coo): number of dimensions in the tensor input does '
                           f'not match the length of the desired ordering of dimensions i.e. '
                           f'input.dim() = {ndim} is not equal to len(dims) = {len(dims)}')
    dims = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError('permute(): duplicate dims are not allowed.')
    return S.Permute.apply(input, dims)


def expand(input, *sizes, size=None):
    sizes = shape_args(sizes if size is None else (size,), 'size')
    shape = input._data.shape
    if len(sizes) < len(shape):
        kind = type_name(input.dtype) + 'Tensor'
        raise RuntimeError(f'expand(microtorch.{kind}{{{list(shape)}}}, '
                           f'size={list(sizes)}): the number of sizes provided ({len(sizes)}) '
                           'must be greater or equal to the number of dimensions in the tensor '
                           f'({len(shape)})')
    lead = len(sizes) - len(shape)
    target = []
    for i, n in enumerate(sizes):
        have = shape[i - lead] if i >= lead else None
        if n == -1:
            if have is None:
                raise RuntimeError('The expanded size of the tensor (-1) isn\'t allowed in a '
                                   'leading, non-existing dimension ' + str(i))
            n = have
        elif have is not None and have != n and have != 1:
            raise RuntimeError(f'The expanded size of the tensor ({n}) must match the existing '
                               f'size ({have}) at non-singleton dimension {i}.  Target sizes: '
                               f'{list(sizes)}.  Tensor sizes: {list(shape)}')
        target.append(n)
    return S.Expand.apply(input, tuple(target))


def sum_to_size(input, *size):
    size = shape_args(size, 'size')
    if tuple(size) == input._data.shape:
        return input
    if not _expandable(size, input._data.shape):
        raise RuntimeError(f'size {{{list(size)}}} is not expandable to size '
                           f'{{{list(input._data.shape)}}}.')
    return R.SumToSize.apply(input, tuple(size))


def _expandable(shape, target):
    """Whether expand could take shape to target (a size-1 dim or a missing one grows)."""
    if len(shape) > len(target):
        return False
    return builtins.all(n in (1, m) for n, m in zip(reversed(shape), reversed(target)))


def contiguous(input):
    if input._data.flags.c_contiguous:
        return input
    return S.Contiguous.apply(input)


def clone(input):
    return S.Clone.apply(input)


def cat(tensors, dim=0, *, axis=None):
    dim = dim if axis is None else axis
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        'Tensor')
    tensors = list(tensors)
    if not tensors:
        raise ValueError('torch.cat(): expected a non-empty list of Tensors')
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f'expected Tensor as element {i} in argument 0, but got '
                            f'{type(t).__name__}')
        if t.ndim == 0:
            raise RuntimeError(f'zero-dimensional tensor (at position {i}) cannot be '
                               'concatenated')
        check_same_device(tensors[0], t)
    # PyTorch's legacy rule: 1-D empty tensors are left out, whatever the others' shapes.
    kept = [(i, t) for i, t in enumerate(tensors) if not S.skipped_by_cat(t.shape)]
    if kept:
        first = kept[0][1]
        ndim = first.ndim
        dim = wrap_dim(dim, ndim)
    else:
        dim = 0                                  # all empty: an empty 1-D result, any dim
    for i, t in kept[1:]:
        if t.ndim != ndim:
            raise RuntimeError(f'Tensors must have same number of dimensions: got {ndim} and '
                               f'{t.ndim}')
        for d in builtins.range(ndim):
            if d != dim and t.shape[d] != first.shape[d]:
                raise RuntimeError(f'Sizes of tensors must match except in dimension {dim}. '
                                   f'Expected size {first.shape[d]} but got size {t.shape[d]} '
                                   f'for tensor number {i} in the list.')
    dtype = _dtype.result_type(tensors)          # left-out tensors take part, as in PyTorch
    tensors = [cast(t, dtype) for t in tensors]
    return S.Cat.apply(*tensors, dim)


concat = concatenate = cat


def stack(tensors, dim=0, *, axis=None):
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError('stack expects a non-empty TensorList')
    dim = wrap_dim(dim, tensors[0].ndim + 1)         # PyTorch checks the dim first
    for i, t in enumerate(tensors[1:], 1):
        if t.shape != tensors[0].shape:
            raise RuntimeError('stack expects each tensor to be equal size, but got '
                               f'{list(tensors[0].shape)} at entry 0 and {list(t.shape)} at '
                               f'entry {i}')
    first = tensors[0]
    for t in tensors[1:]:
        check_same_device(first, t)
    dtype = _dtype.result_type(tensors)
    return S.Stack.apply(*[cast(t, dtype) for t in tensors], dim)


def split(tensor, split_size_or_sections, dim=0):
    if tensor.ndim == 0:
        raise RuntimeError('split expects at least a 1-dimensional tensor')
    if isinstance(split_size_or_sections, int) and split_size_or_sections < 0:
        raise RuntimeError('split expects split_size be non-negative, but got '
                           f'split_size={split_size_or_sections}')
    dim = wrap_dim(dim, tensor.ndim)
    n = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step == 0 and n:
            raise RuntimeError(f'split_size can only be 0 if dimension size is 0, but got '
                               f'dimension size of {n}')
        sizes = [builtins.min(step, n - s) for s in builtins.range(0, n, step)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if builtins.sum(sizes) != n:
            raise RuntimeError(f'split_with_sizes expects split_sizes to sum exactly to {n} '
                               f"(input tensor's size at dimension {dim}), but got "
                               f'split_sizes={sizes}')
    pieces = S.Split.apply(tensor, tuple(sizes), dim)
    return pieces if isinstance(pieces, tuple) else (pieces,)


def chunk(input, chunks, dim=0):
    if input.ndim == 0:
        raise RuntimeError('chunk expects at least a 1-dimensional tensor')
    if chunks <= 0:
        raise RuntimeError(f'chunk expects `chunks` to be greater than 0, got: {chunks}')
    n = input.shape[wrap_dim(dim, input.ndim)]
    if n == 0:                       # PyTorch keeps the count: `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


# ---- indexing ------------------------------------------------------------------------------

def _index_part(part, xp):
    if isinstance(part, Tensor):
        data = part._data
        if data.dtype.kind == 'f' or data.dtype.kind == 'i' and data.dtype.itemsize < 4:
            raise IndexError('tensors used as indices must be long, int, byte or bool tensors')
        if data.dtype.kind == 'u':           # a byte tensor is an old-style mask
            warnings.warn('indexing with dtype microtorch.uint8 is now deprecated, please use '
                          'a dtype microtorch.bool instead.', UserWarning,
                          stacklevel=user_stacklevel())
            data = data.astype(bool)
        if data.ndim == 0 and data.dtype.kind == 'i':
            return int(data)                 # PyTorch selects with a 0-d integer tensor
        if type(data) is not xp.ndarray:     # an index on another device than the tensor
            if xp.ndarray is _NUMPY_ARRAY:
                raise RuntimeError('indices should be either on cpu or on the same device as '
                                   'the indexed tensor (cpu)')
            data = xp.asarray(data)          # a CPU index for a GPU tensor: moved, as PyTorch
        return data
    if isinstance(part, (list, tuple, range)):
        # PyTorch makes a list an int64 index (floats truncated, [] empty) unless it holds
        # only bools, which make a mask.
        array = xp.asarray(part)
        return array if array.dtype.kind == 'b' else array.astype('int64', copy=False)
    if isinstance(part, slice):
        if part.step == 0:
            raise ValueError('slice step cannot be zero')
        if part.step is not None and part.step < 0:
            raise ValueError('step must be greater than zero')
        return part
    if part is None or part is Ellipsis or isinstance(part, (int, bool)):
        return part
    if isinstance(part, _NUMPY_INTEGER) or (type(part) is _NUMPY_ARRAY and part.ndim == 0
                                            and part.dtype.kind == 'i'):
        return int(part)                     # NumPy's ints select, as Python's (PyTorch)
    if hasattr(part, 'dtype') and hasattr(part, 'shape'):     # an array from the backend
        return part
    if hasattr(part, '__index__'):
        return part.__index__()
    raise IndexError('only integers, slices (`:`), ellipsis (`...`), None and long or byte '
                     'Variables are valid indices (got ' + type(part).__name__ + ')')


def _is_sequence(obj):
    """Python's PySequence_Check, as PyTorch's indexing asks it: lists, tuples, ranges,
    strings, arrays and tensors are sequences; NumPy scalars are not."""
    return isinstance(obj, collections.abc.Sequence) or (
        hasattr(obj, 'shape') and hasattr(obj, '__len__'))


_SEQUENCE_AS_TUPLE = ('Using a non-tuple sequence for multidimensional indexing is deprecated '
                      'and will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. '
                      'In pytorch 2.9 this will be interpreted as tensor index, '
                      'x[microtorch.tensor(seq)], which will result either in an error or a '
                      'different result')


def _sequence_as_tuple(index):
    """PyTorch's treatSequenceAsTuple (NumPy's old rule): a list of fewer than 32 items that
    holds a sequence, slice, tensor, None or Ellipsis is a tuple of indices, so
    x[[[0, 1], [2, 0]]] is x[[0, 1], [2, 0]]. PyTorch warns that this will change."""
    if hasattr(index, 'shape') or not isinstance(index, collections.abc.Sequence) or \
            len(index) >= 32:
        return False
    return builtins.any(i is None or i is Ellipsis or isinstance(i, slice) or _is_sequence(i)
                        for i in index)


def normalize_index(input, index, stacklevel=3):
    """The index as a tuple of backend arrays, ints, slices, None and Ellipsis. stacklevel:
    how far up the user's line is, for the warning about a list read as a tuple."""
    xp = input._backend_xp()
    if not isinstance(index, tuple):
        if _sequence_as_tuple(index):
            warnings.warn(_SEQUENCE_AS_TUPLE, UserWarning, stacklevel=stacklevel)
            index = tuple(index)
        else:
            index = (index,)
    return tuple(_index_part(p, xp) for p in index)


_MASK_MISMATCH = re.compile(r'boolean index did not match indexed array along (?:axis|dimension) '
                            r'(\d+); size of (?:axis|dimension) is (\d+) but size of '
                            r'corresponding boolean (?:axis|dimension) is (\d+)')


def _index_error(error, input, index=()):
    """PyTorch's IndexError for NumPy's (or CuPy's) `error` on input[index]."""
    message = str(error)
    mismatch = _MASK_MISMATCH.match(message)
    if mismatch:
        dim, size, mask_size = (int(n) for n in mismatch.groups())
        for mask in (index if isinstance(index, tuple) else (index,)):
            if getattr(mask, 'dtype', None) != bool:
                continue
            for mask_dim, n in enumerate(mask.shape):      # the mask's dim that meets `dim`
                if n == mask_size and 0 <= dim - mask_dim and input.shape[dim] == size:
                    return IndexError(f'The shape of the mask {list(mask.shape)} at index '
                                      f'{mask_dim} does not match the shape of the indexed '
                                      f'tensor {list(input.shape)} at index {dim}')
    if message.startswith('too many indices') and input.ndim == 0:
        return IndexError('invalid index of a 0-dim tensor. Use `tensor.item()` in Python or '
                          '`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number')
    if message.startswith('too many indices'):
        return IndexError(f'too many indices for tensor of dimension {input.ndim}')
    out_of_bounds = _OUT_OF_BOUNDS.match(message)
    if out_of_bounds and isinstance(index, tuple):
        value, axis, size = (int(n) for n in out_of_bounds.groups())
        dim = _index_array_dim(index, input.ndim, axis)
        if dim is not None:
            return IndexError(f'index {value} is out of bounds for dimension {dim} with size '
                              f'{size}')
    unbroadcast = _INDEX_SHAPES.match(message)
    if unbroadcast:
        shapes = ', '.join(str(list(_parse_shape(shape))) for shape in
                           re.findall(r'\([\d, ]*\)', unbroadcast.group(1)))
        return IndexError('shape mismatch: indexing tensors could not be broadcast together '
                          f'with shapes {shapes}')
    return IndexError(message.replace('axis', 'dimension'))


_OUT_OF_BOUNDS = re.compile(r'index (-?\d+) is out of bounds for axis (\d+) with size (\d+)')
_INDEX_SHAPES = re.compile(r'shape mismatch: indexing arrays could not be broadcast together '
                           r'with shapes (.*)$')


def _parse_shape(text):
    """NumPy's printed shape '(2, 3)' or '(2,)' as a tuple of ints."""
    return tuple(int(n) for n in text.strip('()').split(',') if n.strip())


def _index_array_dim(index, ndim, axis):
    """PyTorch names an index tensor's bad value by the tensor's place among the index's
    tensors (a mask counting one per dim), not by the indexed dim. None: axis is not indexed
    by an array."""
    consumed = builtins.sum(getattr(part, 'ndim', 1) if getattr(part, 'dtype', None) == bool
                            else 1 for part in index if part is not None and part is not Ellipsis)
    dim = ordinal = 0
    for part in index:
        if part is Ellipsis:
            dim += ndim - consumed
            continue
        if part is None:
            continue
        is_array = hasattr(part, 'shape') and not isinstance(part, bool)
        span = part.ndim if is_array and part.dtype == bool else 1
        if dim <= axis < dim + span:
            return ordinal + axis - dim if is_array else None
        if is_array:
            ordinal += span
        dim += span
    return None


def getitem(input, index):
    single_slice = type(index) is slice
    op = I.basic_view_op(index, input._data.shape)
    if op is not None:                  # ints and slices: nothing to convert or split
        if single_slice and op is I.Alias:
            op = I.Slice
        index = index if type(index) is tuple else (index,)
        try:
            return op.apply(input, index)
        except IndexError as error:
            raise _index_error(error, input, index) from None
    index = normalize_index(input, index)
    two_steps = I.split_int_selects(index)
    if two_steps is not None:
        return getitem(getitem(input, two_steps[0]), two_steps[1])
    try:
        op = I.op_for(index, input._data.shape)
        if single_slice and op is I.Alias:
            op = I.Slice                  # PyTorch slices x[:] (but not x[:, :]) all the same
        return op.apply(input, index)
    except IndexError as error:
        raise _index_error(error, input, index) from None


def index_put(input, index, value, op=I.IndexPut):
    """Out-of-place `input[index] = value` (the in-place form is Tensor.__setitem__). op: the
    IndexPut that names the grad_fn as PyTorch names the write."""
    index = normalize_index(input, index)
    if isinstance(value, Tensor):
        check_same_device(input, value)
        value = cast(value, input.dtype)
    try:
        return op.apply(input, value, index)
    except IndexError as error:
        raise _index_error(error, input, index) from None
    except ValueError:
        raise setitem_shape_error(input, index, value) from None


def setitem_shape_error(input, index, value):
    """PyTorch's error for `input[index] = value` when value's shape does not broadcast."""
    target = input._data[index].shape
    if not I.is_basic(index):
        shape = list(getattr(value, 'shape', ()))
        return RuntimeError(f'shape mismatch: value tensor of shape {shape} cannot be '
                            f'broadcast to indexing result of shape {list(target)}')
    if not isinstance(value, Tensor):
        value = Tensor._make(input._backend_xp().asarray(value))
    try:
        expand(value, target)
    except RuntimeError as error:     # a basic index writes through a view, expanding value
        return error
    return RuntimeError(f'shape mismatch: cannot write shape {list(value.shape)} into '
                        f'{list(target)}')


def gather(input, dim, index):
    """`out[i][j] = input[index[i][j]][j]` for dim 0 (and likewise for any dim)."""
    _require_tensor(index, 'gather', 'index')
    dim = wrap_dim(dim, input.ndim)
    if index.dtype is not _dtype.int64 and index.dtype is not _dtype.int32:
        raise RuntimeError('gather(): Expected dtype int32/int64 for index')
    if builtins.max(index.ndim, 1) != builtins.max(input.ndim, 1):    # 0-dim counts as 1-D
        raise RuntimeError('Index tensor must have the same number of dimensions as input '
                           'tensor')
    for d in builtins.range(input.ndim):
        if d != dim and index.shape[d] > input.shape[d]:
            raise RuntimeError(f'Size does not match at dimension {d} expected index '
                               f'{list(index.shape)} to be no larger than self '
                               f'{list(input.shape)} apart from dimension {dim}')
    check_same_device(input, index)
    _check_index_range(index, input.shape[dim] if input.ndim else 1, dim)   # no negatives
    return R.Gather.apply(input, cast(index, _dtype.int64), dim)    # the kernels take int64


_NUMPY_ARRAY = __import__('numpy').ndarray
_NUMPY_INTEGER = __import__('numpy').integer


# ---- composites: ops made of other ops (their kernels are those ops') ------------------------

@grad_fn_named(lambda input, mask, value: 'MaskedFillBackward1' if isinstance(value, Tensor)
                else 'MaskedFillBackward0')
def masked_fill(input, mask, value):
    """value where mask is True, input elsewhere: where(mask, value, input), with value in
    input's dtype (a float into an integer tensor is cut toward 0, as PyTorch)."""
    _require_tensor(mask, 'masked_fill', 'mask')
    if mask._data.dtype.kind != 'b':
        raise RuntimeError('masked_fill_ only supports boolean masks, but got mask with dtype '
                           f'{_dtype.c_type_name(mask.dtype)}')
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError('masked_fill_ only supports a 0-dimensional value tensor, but '
                               f'got tensor with {value._data.ndim} dimension(s).')
        if value.device != input.device and value.device.type != 'cpu':
            check_same_device(input, value)
        value = cast(value.to(input.device), input.dtype)
        return B.MaskedFill.apply(mask, value, input)      # the value's gradient: its own
    else:
        number = _as_number(value)
        if not isinstance(number, _NUMBER):
            raise TypeError('masked_fill() received an invalid combination of arguments - got '
                            f'(Tensor, {type(value).__name__}), but expected one of: (Tensor '
                            'mask, Tensor value) or (Tensor mask, Number value)')
        from ..creation import full
        value = full((), number, dtype=input.dtype, device=input.device)
    return where(mask, value, input)


def narrow(input, dim, start, length):
    """A view of `length` entries of dim from `start` (PyTorch's checks, in its order)."""
    if not input._data.ndim:
        raise RuntimeError('narrow() cannot be applied to a 0-dim tensor.')
    if length < 0:
        raise RuntimeError('narrow(): length must be non-negative.')
    dim = wrap_dim(dim, input._data.ndim, 'narrow')
    size = input._data.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f'start out of range (expected to be in range of [{-size}, {size}], '
                         f'but got {start})')
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f'start ({start}) + length ({length}) exceeds dimension size '
                           f'({size}).')
    return getitem(input, (slice(None),) * dim + (slice(start, start + length),))


@grad_fn_named('UnbindBackward0')
def unbind(input, dim=0):
    """The slices of dim, as a tuple of views."""
    if not input._data.ndim:
        raise IndexError('Dimension specified as 0 but tensor has no dimensions')
    dim = wrap_dim(dim, input._data.ndim, 'unbind')
    if input._data.shape[dim] == 0:
        return ()
    pieces = S.Unbind.apply(input, dim)
    return pieces if isinstance(pieces, tuple) else (pieces,)


@grad_fn_named('RepeatBackward0')
def repeat(input, *sizes):
    """Tiles of input, sizes[i] along dim i: x viewed as (1, s0, 1, s1, ...), expanded to
    (r0, s0, r1, s1, ...) and copied contiguous; backward sums the tiles (expand's). Leading
    repeats beyond input's dims are one expand each, so that backward sums them one at a
    time, outermost first, before the others as one sum (PyTorch's repeat_backward)."""
    if len(sizes) == 1 and not isinstance(sizes[0], int):
        sizes = tuple(sizes[0])
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError('Number of dimensions of repeat dims can not be smaller than number '
                           'of dimensions of tensor')
    padded = (1,) * (len(sizes) - len(shape)) + tuple(shape)
    out_shape = [r * s for r, s in zip(sizes, padded)]
    for n in out_shape:
        if n < 0:
            raise RuntimeError(f'Trying to create tensor with negative dimension {n}: '
                               f'{out_shape}')
    if tuple(sizes) == (1,) * len(sizes):    # no tiling: still a new tensor, not a view
        return clone(reshape(input, out_shape))
    leading = len(sizes) - len(shape)
    if tuple(sizes[:leading]) != (1,) * leading:
        inner = repeat(input, *sizes[leading:])
        for r in reversed(sizes[:leading]):
            inner = expand(unsqueeze(inner, 0), (r,) + tuple(inner._data.shape))
        return contiguous(inner)
    interleaved = reshape(input, [n for s in padded for n in (1, s)])
    tiles = expand(interleaved, [n for r, s in zip(sizes, padded) for n in (r, s)])
    return reshape(tiles, out_shape)


def _arange(n, device, start=0, step=1):
    from ..creation import arange
    return arange(start, start + n * step, step, device=device) if n else \
        arange(0, device=device)


def flip(input, *dims):
    """The elements in reverse order along each of dims (a copy, in the input's layout)."""
    if len(dims) == 1 and not isinstance(dims[0], int):
        dims = tuple(dims[0])
    ndim = input._data.ndim
    dims = tuple(d for d in wrap_dims(dims, ndim) if ndim) if dims else ()
    return S.Flip.apply(input, dims)


def _triangle(op, name, input, diagonal):
    if not hasattr(type(diagonal), '__index__'):
        raise TypeError(f"{name}(): argument 'diagonal' (position 1) must be int, not "
                        f'{type(diagonal).__name__}')
    if input._data.ndim < 2:
        raise RuntimeError(f'{name}: input tensor must have at least 2 dimensions')
    return op.apply(input, operator.index(diagonal))


def tril(input, diagonal=0):
    """The lower triangle (on and below the `diagonal`-th diagonal); zeros above it."""
    return _triangle(S.Tril, 'tril', input, diagonal)


def triu(input, diagonal=0):
    return _triangle(S.Triu, 'triu', input, diagonal)


def index_select(input, dim, index):
    """The entries `index` (a vector) along dim, in its order, repeats included."""
    _require_tensor(index, 'index_select', 'index')
    data = index._data
    if data.dtype.kind not in 'iu':
        raise RuntimeError('index_select(): Expected dtype int32 or int64 for index')
    if data.ndim > 1:
        raise IndexError('index_select(): Index is supposed to be a vector')
    ndim = input._data.ndim
    dim = wrap_dim(dim, ndim, 'index_select')
    size = input._data.shape[dim] if ndim else 1
    if not ndim and data.size != 1:
        raise RuntimeError('index_select(): Index to scalar can have only 1 value, got '
                           f'{data.size} value(s)')
    if not size and data.size:
        raise RuntimeError('index_select(): self indexing axis dim should be positive')
    if data.size and not (data.min() >= 0 and data.max() < size):     # (no masks made)
        # PyTorch words it by path: its dim 1 (and empty input) kernel names the index and size
        if ndim < 2 or (dim != 1 and input._data.size):
            raise IndexError('index out of range in self')
        bad = (data < 0) | (data >= size)
        first = int(data.reshape(-1)[int(bad.reshape(-1).argmax())])
        raise RuntimeError(f'INDICES element is out of DATA bounds, id={first} '
                           f'axis_dim={size}')
    if ndim and type(data) is type(input._data):
        return I.IndexSelect.apply(input, dim, data.reshape(-1))
    return _index_select_by_getitem(input, dim, index)


@grad_fn_named('IndexSelectBackward0')
def _index_select_by_getitem(input, dim, index):
    """A 0-d input, or an index on another device (getitem's checks and moves)."""
    if not input._data.ndim:
        return getitem(input.reshape(1), (index.reshape(-1),)).reshape(())
    return getitem(input, (slice(None),) * dim + (index.reshape(-1),))


def outer(input, vec2):
    for name, t in (('self', input), ('vec2', vec2)):
        _require_tensor(t, 'outer', name)
        if t._data.ndim != 1:
            raise RuntimeError(f'outer: Expected 1-D argument {name}, but got '
                               f'{t._data.ndim}-D')
    return mul(input.unsqueeze(1), vec2.unsqueeze(0))


@grad_fn_named('DiagonalBackward0')
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The `offset`-th diagonal of the matrices in dims dim1, dim2, as the last dim: a view,
    as PyTorch's (writes into it reach the input)."""
    _require_int(offset, 'diagonal', 'offset')
    ndim = input._data.ndim
    d1, d2 = wrap_dim(dim1, ndim, 'diagonal'), wrap_dim(dim2, ndim, 'diagonal')
    if d1 == d2:
        raise RuntimeError(f'diagonal dimensions cannot be identical {dim1}, {dim2}')
    rows, cols = input._data.shape[d1], input._data.shape[d2]
    n = builtins.max(0, builtins.min(rows + builtins.min(offset, 0),
                                   cols - builtins.max(offset, 0)))
    return S.Diagonal.apply(input, offset, d1, d2, n)


_diagonal = diagonal           # for diag, whose argument `diagonal` hides the function


@grad_fn_named(lambda input, diagonal=0: 'DiagonalBackward0_copy' if input.ndim == 2 else
                'DiagEmbedBackward0')
def diag(input, diagonal=0):
    """A vector's square matrix with it on the `diagonal`-th diagonal, or a copy of a
    matrix's diagonal (not a view: PyTorch's diag copies)."""
    _require_int(diagonal, 'diag', 'diagonal')
    ndim = input._data.ndim
    if ndim == 2:
        return clone(_diagonal(input, diagonal))
    if ndim != 1:
        raise RuntimeError(f'diag(): Supports 1D or 2D tensors. Got {ndim}D')
    n = input._data.shape[0]
    size = n + builtins.abs(diagonal)
    from ..creation import zeros
    square = zeros(size, size, dtype=input.dtype, device=input.device)
    r = _arange(n, input.device, builtins.max(-diagonal, 0))
    c = _arange(n, input.device, builtins.max(diagonal, 0))
    return index_put(square, (r, c), input)


@autocast_op('trace')
@grad_fn_named('TraceBackward0')
def trace(input):
    _refuse_dtype(input, 'trace', 'b')
    if input._data.ndim != 2:
        raise RuntimeError(f'trace: expected a matrix, but got tensor with dim '
                           f'{input._data.ndim}')
    return sum(diagonal(input))


def masked_select(input, mask):
    """The elements where mask (broadcast with input) is True, as a vector."""
    _require_tensor(mask, 'masked_select', 'mask')
    if mask._data.dtype.kind != 'b':
        raise RuntimeError('masked_select: expected BoolTensor for mask')
    check_same_device(input, mask)
    broadcast_shapes(input._data.shape, mask._data.shape)        # PyTorch's error
    return I.MaskedSelect.apply(input, mask)


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements, one row each (int64, no gradient)."""
    xp = input._backend_xp()
    data = input._data if input._data.ndim else input._data.reshape(1)
    found = xp.argwhere(data).astype('int64')
    if not input._data.ndim:
        found = found[:, :0]
    if as_tuple:
        columns = found.T if input._data.ndim else xp.zeros((1, found.shape[0]), 'int64')
        return tuple(Tensor._make(xp.ascontiguousarray(c)) for c in columns)
    return Tensor._make(found)


argwhere = nonzero


@autocast_op('addmm')
@grad_fn_named('AddmmBackward0')
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2); beta = 0 ignores input (nan and inf too)."""
    if _is_linear(input, mat1, mat2, beta, alpha):
        # nn.Linear's op: its product and bias in one backend call (an outer product and
        # its bias in one pass), the same values as the steps below
        return L.Linear.apply(mat1, mat2.t(), input)
    out = mm(mat1, mat2)
    beta, alpha = (scalar_as(out.dtype, v) for v in (beta, alpha))
    if alpha != 1:
        out = mul(out, alpha)
    input = expand(input, out._data.shape)          # input broadcasts to the product's shape
    if beta == 0:
        return out
    return add(out, input if beta == 1 else mul(input, beta))


def _is_linear(input, mat1, mat2, beta, alpha):
    """Is addmm(input, mat1, mat2) a Linear layer's forward: beta and alpha 1, a bias row
    as long as the product's rows, all three of one float dtype on one device?"""
    if beta != 1 or alpha != 1 or type(beta) is bool or type(alpha) is bool:
        return False
    if not (isinstance(input, Tensor) and isinstance(mat1, Tensor)
            and isinstance(mat2, Tensor)):
        return False
    a, b, bias = mat1._data, mat2._data, input._data
    return (a.ndim == 2 and b.ndim == 2 and bias.ndim == 1 and a.shape[1] == b.shape[0]
            and bias.shape[0] == b.shape[1] and type(a) is type(b) is type(bias)
            and a.dtype == b.dtype == bias.dtype and a.dtype.kind == 'f'
            and mat1.device == mat2.device == input.device)


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def _sort_indices(input, dim, descending, stable=True):
    """The indices (int64 Tensor, no gradient) that sort input along dim; ties in their
    order when stable, else as PyTorch's sort leaves them."""
    data = input._data
    if not data.ndim:
        return Tensor._make(input._backend_xp().zeros((), 'int64'))
    return Tensor._make(_backend_of_data(input).argsort(data, dim, descending, stable))


def _backend_of_data(input):
    from .. import backends
    return backends.for_array(input._data)


@grad_fn_named('SortBackward0')
def sort(input, dim=-1, descending=False, stable=False):
    """(values, indices) along dim, ascending unless descending; NaN counts as the largest
    value; equal values in their order if stable, else in the order PyTorch's CPU sort
    gives them. values = gather(input, dim, indices), so gradients flow back to where each
    value came from."""
    dim = wrap_dim(dim, input._data.ndim, 'sort')
    indices = _sort_indices(input, dim, descending, stable)
    values = gather(input, dim, indices) if input._data.ndim else clone(input)
    return _return_type('sort')(values, indices)


def argsort(input, dim=-1, descending=False, stable=False):
    dim = wrap_dim(dim, input._data.ndim, 'argsort')
    return _sort_indices(input, dim, descending, stable)


def msort(input):
    return sort(input, 0).values


@grad_fn_named('TopkBackward0')
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) values along dim and their indices, in order."""
    if input.dtype is _dtype.bool_:
        raise RuntimeError('topk does not support bool dtypes on CPU')
    dim = wrap_dim(dim, input._data.ndim, 'topk')
    size = input._data.shape[dim] if input._data.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError('selected index k out of range')
    if input._data.ndim:
        indices = Tensor._make(_backend_of_data(input).top_indices(input._data, k, dim,
                                                                   largest, sorted))
        values = gather(input, dim, indices)
    else:
        indices = _sort_indices(input, dim, largest)
        values = clone(input)
    return _return_type('topk')(values, indices)



# ---- more composites: stacking, tiling, rolling, grids, statistics ---------------------------

def broadcast_to(input, size):
    return expand(input, size)


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        shape = broadcast_shapes(shape, t._data.shape)
    # As PyTorch's: a tensor that has the shape already comes back itself, not as a view.
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def _at_least(t, ndim):
    """t with leading size-1 dims up to ndim dims (atleast_1d/2d); 1-D becomes (1, n)."""
    missing = ndim - t._data.ndim
    return t.reshape((1,) * missing + tuple(t._data.shape)) if missing > 0 else t


def hstack(tensors):
    tensors = [_at_least(t, 1) for t in tensors]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1)


def vstack(tensors):
    return cat([_at_least(t, 2) for t in tensors], 0)


row_stack = vstack


def column_stack(tensors):
    return cat([t.reshape(-1, 1) if t._data.ndim <= 1 else t for t in tensors], 1)


def tile(input, dims):
    dims = tuple(dims) if not isinstance(dims, int) else (dims,)
    ndim = input._data.ndim
    return repeat(input, (1,) * (ndim - len(dims)) + dims)


@grad_fn_named('RollBackward0')
def roll(input, shifts, dims=None):
    """Elements shifted along dims, those falling off one end coming back at the other; with
    no dims, over the flattened tensor."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, '
                               'dims:0')
        return roll(input.reshape(-1), shifts, 0).reshape(input._data.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f'shifts and dimensions must align. shifts: {len(shifts)}, '
                           f'dims:{len(dims)}')
    ndim = input._data.ndim
    dims = tuple(wrap_dim(dim, ndim, 'roll') for dim in dims)
    sizes = input._data.shape
    # each shift taken modulo its dim's size, as PyTorch takes it (an empty dim: none)
    shifts = tuple(shift % sizes[dim] if sizes[dim] else 0 for shift, dim in zip(shifts, dims))
    return S.Roll.apply(input, shifts, dims)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: with indexing='ij' output i varies along dim i; 'xy' swaps the
    first two dims (Cartesian). PyTorch warns when indexing is not given, and uses 'ij'."""
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn('microtorch.meshgrid: in an upcoming release, it will be required to pass '
                      'the indexing argument.', UserWarning, stacklevel=2)
        indexing = 'ij'
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError('meshgrid expects all tensors to have the same dtype')
    if indexing not in ('ij', 'xy'):
        raise RuntimeError('microtorch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    sizes = [t.numel() for t in tensors]
    swap = indexing == 'xy' and len(tensors) >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, t in enumerate(tensors):
        axis = {0: 1, 1: 0}.get(i, i) if swap else i
        shape = [1] * len(tensors)
        shape[axis] = -1
        grids.append(expand(t.reshape(shape), sizes))
    return tuple(grids)


def _refuse_integers(input, name):
    """PyTorch's error for var_mean and std_mean of integers or bools."""
    if not input.is_floating_point():
        raise RuntimeError(f'{name} only support floating point and complex dtypes')


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _refuse_integers(input, 'var_mean')
    return _var_mean(input, dim, unbiased, keepdim, correction, False)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    _refuse_integers(input, 'std_mean')
    return _var_mean(input, dim, unbiased, keepdim, correction, True)


def _var_mean(input, dim, unbiased, keepdim, correction, take_sqrt):
    if isinstance(dim, bool):                    # var_mean(unbiased): the old signature
        dim, unbiased = None, dim
    op = R.StdMean if take_sqrt else R.VarMean
    return op.apply(input, _var_dims(input, dim), _correction(unbiased, correction), keepdim,
                    take_sqrt)


@grad_fn_named(lambda input, end, weight: 'LerpBackward1' if isinstance(weight, Tensor)
                else 'LerpBackward0')
def lerp(input, end, weight):
    """input + weight * (end - input), computed from the nearer end as PyTorch does (exact at
    weight 0 and 1)."""
    if isinstance(end, Tensor) and end.dtype is not input.dtype:
        raise RuntimeError(f'expected dtype {_dtype.c_type_name(input.dtype)} for `end` but got '
                           f'dtype {_dtype.c_type_name(end.dtype)}')
    refuse_promoted_dtype('lerp_kernel_tensor' if isinstance(weight, Tensor)
                          else 'lerp_kernel_scalar', 'iub', input, end)
    broadcast_shapes(input.shape, end.shape)           # named in PyTorch's order
    tensors = (input, end, weight) if isinstance(weight, Tensor) else (input, end)
    if _fused.exact_cpu(*tensors):
        return _fused.Lerp.apply(input, end, weight)   # derivatives.yaml's gradients
    return _lerp_value(input, end, weight)


def _lerp_value(input, end, weight):
    """lerp's value, rounded as PyTorch's loops round it."""
    if input._data.dtype.kind == 'f' and input._data.dtype.itemsize <= 4:
        return _lerp_fused(input, end, weight)
    difference = sub(end, input)
    if isinstance(weight, Tensor):
        near_start = add(input, mul(weight, difference))
        near_end = sub(end, mul(difference, sub(1, weight)))
        return where(abs(weight) < 0.5, near_start, near_end)
    if builtins.abs(weight) < 0.5:
        return add(input, mul(difference, weight))
    return sub(end, mul(difference, 1 - weight))


def _lerp_fused(input, end, weight):
    """PyTorch's float32 (and float16) lerp, bit for bit: the difference and 1 - weight in
    float32, then one fused multiply-add, whose exact product float64 holds; rounded once."""
    f32, f64 = _dtype.float32, _dtype.float64
    start, end = cast(input, f32), cast(end, f32)
    difference = cast(sub(end, start), f64)
    if isinstance(weight, Tensor):
        weight = cast(weight, f32)
        near_start = add(cast(start, f64), mul(cast(weight, f64), difference))
        near_end = sub(cast(end, f64), mul(difference, cast(sub(1.0, weight), f64)))
        out = where(abs(weight) < 0.5, near_start, near_end)
    else:
        weight = f32.np.type(weight)                  # NumPy's float32 scalar
        if builtins.abs(weight) < 0.5:
            out = add(cast(start, f64), mul(difference, float(weight)))
        else:
            out = sub(cast(end, f64), mul(difference, float(f32.np.type(1) - weight)))
    return cast(cast(out, f32), input.dtype)          # float16: via float32, as PyTorch's


@grad_fn_named('LogaddexpBackward0')
def logaddexp(input, other):
    """log(exp(a) + exp(b)) without overflow: max(a, b) + log1p(exp(-|a - b|))."""
    refuse_promoted_dtype(f'logaddexp_{_device_type(input, other)}', 'iub', input, other)
    input, other = _in_result_dtype(input, other)     # a bool operand: no bool subtraction
    top = maximum(input, other)
    out = add(top, log1p(exp(neg(abs(sub(input, other))))))
    return where(isinf(top) & eq(input, other), top, out)      # inf + inf: not nan


@grad_fn_named('HypotBackward0')
def hypot(input, other):
    refuse_promoted_dtype(f'hypot_{_device_type(input, other)}', 'iub', input, other)
    return _binary(B.Hypot, input, other)


def scalar_as(dtype, value):
    """A Python scalar argument (alpha, beta, value) as PyTorch reads it for a result of
    dtype: truncated to an integer for integer results (addmm(..., alpha=2.5) scales by 2)."""
    if dtype.np.kind in 'iu' and (type(value) is float or type(value) is int):
        return int(_dtype.checked_scalar(value, dtype.np))     # PyTorch's overflow check
    return value


def _in_result_dtype(*operands):
    """The tensors among operands cast to the dtype they promote to with the numbers."""
    tensors = [t for t in operands if isinstance(t, Tensor)]
    dtype = _dtype.result_type(tensors, [_as_number(v) for v in operands
                                         if not isinstance(v, Tensor)])
    return tuple(cast(v, dtype) if isinstance(v, Tensor) else v for v in operands)


def _require_nonempty_dim(size, dim, name):
    if size == 0:
        raise IndexError(f'{name}(): Expected reduction dim {dim} to have non-zero size.')


def _order_statistic(input, dim, keepdim, position, name):
    """The values (and indices) at sorted `position` along dim, NaN counting as largest."""
    ndim = input._data.ndim
    dim = wrap_dim(dim, ndim, name)
    if not ndim:
        return _return_type(name)(clone(input), _sort_indices(input, 0, False))
    order = _sort_indices(input, dim, False)
    return _at_indices(input, dim, keepdim, gather(order, dim, position), name)


def _at_indices(input, dim, keepdim, indices, name):
    """(values, indices) of an order statistic: input's values at indices (size 1 along
    dim), as the op's return type."""
    values = gather(input, dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return _return_type(name)(values, indices)


@grad_fn_named(lambda input, dim=None, keepdim=False: 'MedianBackward0' if dim is None
                else 'MedianBackward1')
def median(input, dim=None, keepdim=False):
    """The lower median (of an even count, the smaller middle value); NaN if the values hold a
    NaN (the first NaN's index). Without dim: over all elements, the value alone."""
    _refuse_dtype(input, 'median_cpu' if dim is None else 'median_out', 'b')
    if dim is None:
        if not input._data.size:       # PyTorch: NaN, cast to the dtype (an integer's minimum)
            import numpy as np
            from ..creation import full
            if input.is_floating_point():       # still on the graph: a zero-size grad
                return add(mul(input.sum(), 0), math.nan)
            return full((), int(np.iinfo(input._data.dtype).min), dtype=input.dtype,
                        device=input.device)
        return median(input.reshape(-1), 0).values
    ndim = input._data.ndim
    dim = wrap_dim(dim, ndim, 'median')
    n = input._data.shape[dim] if ndim else 1
    _require_nonempty_dim(n, dim, 'median')
    if not ndim:
        return _order_statistic(input, dim, keepdim, None, 'median')
    nans = isnan(input).sum(dim, keepdim=True)
    position = where(nans > 0, n - nans, (n - 1) // 2)
    return _order_statistic(input, dim, keepdim, position, 'median')


@grad_fn_named('KthvalueBackward0')
def kthvalue(input, k, dim=-1, keepdim=False):
    """The k-th smallest value along dim (k from 1) and its index."""
    _refuse_dtype(input, 'kthvalue_cpu', 'b')
    ndim = input._data.ndim
    dim = wrap_dim(dim, ndim, 'kthvalue')
    n = input._data.shape[dim] if ndim else 1
    _require_nonempty_dim(n, dim, 'kthvalue')
    if not 1 <= k <= n:
        raise RuntimeError(f'kthvalue(): selected number k out of range for dimension {dim}')
    if not ndim:
        return _order_statistic(input, dim, keepdim, None, 'kthvalue')
    index = Tensor._make(_backend_of_data(input).kth_indices(input._data, k, dim))
    return _at_indices(input, dim, keepdim, index, 'kthvalue')


def repeat_interleave(input, repeats, dim=None):
    """Each element (or slice along dim) repeated: `repeats` times, or repeats[i] times."""
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = wrap_dim(dim, input._data.ndim, 'repeat_interleave')
    n = input._data.shape[dim]
    xp = input._backend_xp()
    counts = repeats._data if isinstance(repeats, Tensor) else xp.full(n, repeats)
    counts = counts.reshape(-1)
    if counts.size == 1 and n != 1:
        counts = xp.full(n, int(counts[0]))
    if counts.size != n:
        raise RuntimeError('repeats must have the same size as input along dim, but got '
                           f'repeats.size(0) = {counts.size} and input.size({dim}) = {n}')
    if bool((counts < 0).any()):
        raise RuntimeError('repeats can not be negative')
    source = Tensor._make(xp.repeat(xp.arange(n), counts).astype('int64'))
    return getitem(input, (slice(None),) * dim + (source,))


def check_unique_dim(shape, dim):
    """Slices along dim are compared whole: empty ones (a 0 elsewhere) have nothing to
    compare, unless dim itself is empty too."""
    if 0 in shape and shape[dim] != 0:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           'cannot be applied')


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (always in ascending order), and on request the index of each
    input element in them (input's shape) and their counts; with dim, distinct slices.
    No gradient, as in PyTorch."""
    xp = input._backend_xp()
    data = input._data
    if dim is not None:
        if xp is not _NUMPY:
            raise NotImplementedError('unique(dim=...) is not supported on CUDA by microtorch')
        dim = wrap_dim(dim, data.ndim, 'unique')
        check_unique_dim(data.shape, dim)
        values, inverse, counts = _NUMPY.unique(data, axis=dim, return_inverse=True,
                                                return_counts=True)
    else:
        values, inverse, counts = xp.unique(data.reshape(-1), return_inverse=True,
                                            return_counts=True)
        inverse = inverse.reshape(data.shape)
    out = [Tensor._make(values)]
    if return_inverse:
        out.append(Tensor._make(inverse.reshape(-1).astype('int64').reshape(inverse.shape)))
    if return_counts:
        out.append(Tensor._make(counts.astype('int64')))
    return out[0] if len(out) == 1 else tuple(out)


_NUMPY = __import__('numpy')


# ---- scatters along a dim, index_add/index_copy/index_fill, take, select, masked_scatter ---

def _check_scatter(input, dim, index, src=None):
    """PyTorch's checks of a scatter's arguments, in its order; the dim, non-negative."""
    dim = wrap_dim(dim, input._data.ndim)
    if index._data.dtype.kind not in 'iu' or index._data.dtype.itemsize not in (4, 8):
        raise RuntimeError('scatter(): Expected dtype int32/int64 for index')
    if src is not None and src.dtype is not input.dtype:
        raise RuntimeError('scatter(): Expected self.dtype to be equal to src.dtype')
    ndim = builtins.max(input._data.ndim, 1)
    if builtins.max(index._data.ndim, 1) != ndim:          # 0-dim counts as 1-D
        raise RuntimeError('Index tensor must have the same number of dimensions as self '
                           'tensor')
    if src is not None and builtins.max(src._data.ndim, 1) != ndim:
        raise RuntimeError('Index tensor must have the same number of dimensions as src '
                           'tensor')
    index_shape = index._data.shape if index._data.ndim else (1,)
    self_shape = input._data.shape if input._data.ndim else (1,)
    src_shape = None if src is None else (src._data.shape if src._data.ndim else (1,))
    if index._data.size and (builtins.any(
            d != dim and k > n for d, (k, n) in enumerate(zip(index_shape, self_shape))) or (
            src_shape is not None and builtins.any(
                k > n for k, n in zip(index_shape, src_shape)))):
        message = (f'Expected index {list(index.shape)} to be no larger than self '
                   f'{list(input.shape)} apart from dimension {dim}')
        if src is not None:
            message += f' and to be no larger size than src {list(src.shape)}'
        raise RuntimeError(message)
    check_same_device(input, index)
    if src is not None:
        check_same_device(input, src)
    _check_index_range(index, self_shape[dim], dim)
    return dim


def _check_index_range(index, size, dim, error=RuntimeError, prefix='', low=0):
    """PyTorch's error for the first index (in order) outside [low, size) along dim."""
    data = index._data
    if not data.size or (data.min() >= low and data.max() < size):    # (two passes, no masks)
        return
    outside = (data < low) | (data >= size)
    if bool(outside.any()):
        first = int(data.reshape(-1)[int(outside.reshape(-1).argmax())])
        raise error(f'{prefix}index {first} is out of bounds for dimension {dim} with size '
                    f'{size}')


def _as_index(index):
    return cast(index, _dtype.int64)            # the kernels take int64


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src[p] (or a number, `value`) written at p with p[dim] = index[p].
    reduce='add' or 'multiply' (deprecated in PyTorch) combines instead of writing."""
    _require_tensor(index, 'scatter', 'index')
    if src is None and value is None:
        raise TypeError("scatter() missing required argument 'src' (or 'value')")
    if not isinstance(src, Tensor) and src is not None:
        src, value = None, src                  # scatter(dim, index, number)
    if reduce is not None:
        if reduce not in ('add', 'multiply'):
            raise RuntimeError('reduce argument must be either add or multiply.')
        if src is not None:
            warnings.warn('The reduce argument of torch.scatter with Tensor src is deprecated '
                          'and will be removed in a future PyTorch release. Use '
                          'torch.scatter_reduce instead for more reduction options.',
                          UserWarning, stacklevel=2)
    dim = _check_scatter(input, dim, index, src)
    if src is None:
        value = _as_number(value)
        if not isinstance(value, _NUMBER):
            raise TypeError(f"scatter(): argument 'value' must be Number, not "
                            f'{type(value).__name__}')
        value = input.dtype.np.type(value)      # in input's dtype: 2.7 into int64 is 2
        if reduce is None:
            return I.ScatterFill.apply(input, _as_index(index), dim, value)
        from ..creation import full
        src = full(index.shape, value.item(), dtype=input.dtype, device=input.device)
    if reduce is not None:
        return I.ScatterWithReduce.apply(input, src, _as_index(index), dim,
                                         'sum' if reduce == 'add' else 'prod', True)
    return I.Scatter.apply(input, src, _as_index(index), dim)


def scatter_add(input, dim, index, src):
    """input plus src[p] added at p with p[dim] = index[p] (repeats add up)."""
    _require_tensor(index, 'scatter_add', 'index')
    _require_tensor(src, 'scatter_add', 'src')
    dim = _check_scatter(input, dim, index, src)
    return I.ScatterAddSrc.apply(input, src, _as_index(index), dim, 'sum', True)


_SCATTER_REDUCTIONS = {'sum': 'sum', 'prod': 'prod', 'mean': 'mean', 'amax': 'amax',
                       'amin': 'amin', 'max': 'amax', 'min': 'amin'}   # PyTorch takes both


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """input with src[p] combined into p with p[dim] = index[p] by `reduce` ('sum', 'prod',
    'mean', 'amax', 'amin'); include_self=False leaves input's value out where index
    points. 'mean' is a sum over a count (integers: floored), both scatter-adds."""
    _require_tensor(index, 'scatter_reduce', 'index')
    _require_tensor(src, 'scatter_reduce', 'src')
    dim = _check_scatter(input, dim, index, src)
    if reduce not in _SCATTER_REDUCTIONS:
        raise RuntimeError('reduce argument must be either sum, prod, mean, amax or amin, '
                           f'got {reduce}')
    reduce, index = _SCATTER_REDUCTIONS[reduce], _as_index(index)
    if reduce == 'mean' and input.dtype is _dtype.bool_:
        raise NotImplementedError(f'"scatter_gather_tensor_{input.device.type}_reduce_mean" not '
                                  "implemented for 'Bool'")
    if reduce != 'mean':
        return I.ScatterReduce.apply(input, src, index, dim, reduce, bool(include_self))
    from ..creation import ones, zeros
    start = ones if include_self else zeros
    with no_grad():                             # how many values meet at each position
        count = I.ScatterReduce.apply(
            start(input.shape, dtype=input.dtype, device=input.device),
            ones(index.shape, dtype=input.dtype, device=input.device), index, dim, 'sum', True)
        count = masked_fill(count, count == 0, 1)           # untouched: input as it is
    return I.ScatterMean.apply(input, src, index, count, dim, bool(include_self))


def _along_dim(index, shape, dim):
    """A vector of indices along dim as a full index of `shape` for the scatters (each
    index repeated over the other dims)."""
    view = [1] * len(shape)
    view[dim] = -1
    return expand(index.reshape(view), shape)


def _check_index_vector(name, index):
    if index._data.ndim > 1:
        raise IndexError(f'{name}(): Index is supposed to be a vector, but got dim: '
                         f'{index._data.ndim} with type: {type_name(index.dtype)} '
                         f'and size: {list(index.shape)}')


def index_add(input, dim, index, source, *, alpha=1):
    """input plus alpha * source's slices added along dim at the positions index lists."""
    _require_tensor(index, 'index_add', 'index')
    _require_tensor(source, 'index_add', 'source')
    dim = wrap_dim(dim, input._data.ndim)
    _check_index_vector('index_add_', index)
    if index._data.dtype.kind not in 'iu' or index._data.dtype.itemsize not in (4, 8):
        raise RuntimeError('index_add_(): Expected dtype int32/int64 for index but got: '
                           f'{type_name(index.dtype)}')
    self_shape = list(input.shape) or [1]
    source_shape = list(source.shape) or [1]
    n = index._data.size
    if source.dtype is not input.dtype:             # PyTorch's order of checks
        raise RuntimeError(f'index_add_(): self ({type_name(input.dtype)}) and '
                           f'source ({type_name(source.dtype)}) must have the same '
                           'scalar type')
    if source._data.ndim and dim >= source._data.ndim:
        raise RuntimeError(f'index_add_(): Indexing dim {dim} is out of bounds of the source '
                           f'tensor with dim {source._data.ndim}')
    if n != (source.shape[dim] if source._data.ndim else 1):
        if not source._data.ndim:                   # PyTorch's message asks its size there
            raise IndexError(f'Dimension specified as {dim} but tensor has no dimensions')
        raise RuntimeError(f'index_add_(): Number of indices ({n}) should be equal to '
                           f'source.size(dim): ({source_shape[dim]}), for dim: {dim}')
    if source._data.ndim != input._data.ndim or builtins.any(
            a != b for d, (a, b) in enumerate(zip(self_shape, source_shape)) if d != dim):
        raise RuntimeError('source tensor shape must match self tensor shape, excluding the '
                           f'specified dimension. Got self.shape = {list(input.shape)} '
                           f'source.shape = {list(source.shape)}')
    check_same_device(input, index)
    check_same_device(input, source)
    if input._data.ndim <= 1 or 0 < dim < input._data.ndim - 1:   # PyTorch words it by path
        data = index._data
        if data.size and bool(((data < 0) | (data >= self_shape[dim])).any()):
            raise IndexError('index out of range in self')
    _check_index_range(index, self_shape[dim], dim)
    alpha = scalar_as(input.dtype, alpha)
    if type(alpha) is not int or alpha != 1:
        source = mul(source, alpha) if input.is_floating_point() else \
            cast(mul(source, alpha), input.dtype)
    full_index = _along_dim(_as_index(index).reshape(-1), source_shape, dim)
    if not source._data.ndim:                   # a 0-dim source's gradient is 0-dim too
        full_index = full_index.reshape(())
    return I.IndexAdd.apply(input, source, full_index, dim, 'sum', True)


def index_copy(input, dim, index, source):
    """input with source's slices along dim written at the positions index lists."""
    _require_tensor(index, 'index_copy', 'index')
    _require_tensor(source, 'index_copy', 'source')
    dim = wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise IndexError('index_copy_(): Index should have dimension 1 or 0 (got '
                         f'{index._data.ndim})')
    n = index._data.size
    ndim, source_ndim = input._data.ndim, source._data.ndim
    if ndim and source_ndim and ndim != source_ndim:
        raise IndexError('index_copy_(): When source and destination are not scalars, their '
                         f'dimensionality must match. Source dimensionality ({source_ndim}), '
                         f'destination dimensionality ({ndim})')
    source_shape = list(source.shape) or [1]
    self_shape = list(input.shape) or [1]
    if not source_ndim and n != 1:
        raise IndexError('index_copy_(): When source is scalar, index should have one element '
                         f'(got {n})')
    if n != source_shape[dim]:
        raise IndexError(f'index_copy_(): Number of indices ({n}) should be equal to '
                         f'source.size(dim) ({source_shape[dim]})')
    for d, (a, b) in enumerate(zip(self_shape, source_shape)):
        if d != dim and a != b:
            raise RuntimeError('index_copy_(): Source/destination tensor must have same slice '
                               f'shapes. Destination slice shape: {a} at dimension {d} and '
                               f'source slice shape: {b} at dimension {d}.')
    if index.dtype is not _dtype.int64:
        raise RuntimeError('index_copy_(): Expected a long tensor for index, but got '
                           f'{type_name(index.dtype)}')
    if source.dtype is not input.dtype:
        raise RuntimeError('index_copy_(): self and source expected to have the same dtype, '
                           f'but got (self) {type_name(input.dtype)} and (source) '
                           f'{type_name(source.dtype)}')
    check_same_device(input, index)
    check_same_device(input, source)
    _check_index_range(index, self_shape[dim], dim, IndexError, 'index_copy_(): ')
    full_index = _along_dim(index.reshape(-1), source_shape, dim)
    if not source._data.ndim:
        full_index = full_index.reshape(())
    return I.IndexCopy.apply(input, source, full_index, dim)


@grad_fn_named(lambda input, dim, index, value: 'IndexFillBackward1'
                if isinstance(value, Tensor) else 'IndexFillBackward0')
def index_fill(input, dim, index, value):
    """input with `value` (a number or a 0-dim tensor) at the positions index lists along
    dim: masked_fill with a mask scattered from index, so that a tensor value gets the
    gradients of the positions filled (each once, however often index names it)."""
    _require_tensor(index, 'index_fill', 'index')
    if index.dtype is not _dtype.int64:
        raise IndexError('index_fill_(): Expected dtype int64 for index.')
    dim = wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise RuntimeError('Index has to be a vector/scalar')
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError('index_fill_ only supports a 0-dimensional value tensor, but got '
                           f'tensor with {value._data.ndim} dimension(s).')
    if not isinstance(value, Tensor) and not isinstance(_as_number(value), _NUMBER):
        raise TypeError('index_fill() received an invalid combination of arguments - got '
                        f'(int, Tensor, {type(value).__name__}), but expected one of: (int '
                        'dim, Tensor index, Tensor value) or (int dim, Tensor index, Number '
                        'value)')
    check_same_device(input, index)
    size = input._data.shape[dim] if input._data.ndim else 1
    _check_index_range(index, size, dim, IndexError, low=-size)
    index = index.reshape(-1)
    index = where(index < 0, index + size, index)       # index_fill counts from the end
    from ..creation import zeros
    shape = [1] * input._data.ndim
    if shape:
        shape[dim] = size
    flat = zeros(size, dtype=_dtype.bool_, device=input.device)
    mask = I.ScatterFill.apply(flat, index, 0, True).reshape(shape)
    return masked_fill(input, mask, value)


@grad_fn_named('TakeBackward0')
def take(input, index):
    """input's elements at the flat positions `index` (negatives count from the end), in
    index's shape."""
    _require_tensor(index, 'take', 'index')
    if index.dtype is not _dtype.int64:
        raise RuntimeError('take(): Expected a long tensor for index, but got '
                           f'{type_name(index.dtype)}')
    check_same_device(input, index)
    n = input._data.size
    data = index._data
    if data.size and not n:
        raise IndexError('take(): tried to take from an empty tensor')
    outside = (data < -n) | (data >= n)
    if data.size and bool(outside.any()):
        first = int(data.reshape(-1)[int(outside.reshape(-1).argmax())])
        raise IndexError(f'out of range: tried to access index {first} on a tensor of {n} '
                         'elements.')
    return getitem(reshape(input, -1), (index,))


def take_along_dim(input, indices, dim=None):
    """gather after broadcasting input and indices in every dim but `dim`; with no dim, both
    are taken flat."""
    _require_tensor(indices, 'take_along_dim', 'indices')
    if dim is None:                             # gather's checks (int32 indices too)
        return gather(reshape(input, -1), 0, reshape(indices, -1))
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError('microtorch.take_along_dim(): input and indices should have the same '
                           f'number of dimensions, but got {input._data.ndim} dimensions for '
                           f'input, and {indices._data.ndim} dimensions for indices')
    if indices.dtype is not _dtype.int64:
        raise RuntimeError('microtorch.take_along_dim(): dtype of indices should be Long but got '
                           f'{type_name(indices.dtype)}')
    if not input._data.ndim:
        raise IndexError(f'Dimension specified as {wrap_dim(dim, 0)} but tensor has no '
                         'dimensions')
    dim = wrap_dim(dim, input._data.ndim)
    ins, ids = list(input.shape), list(indices.shape)
    ins[dim] = ids[dim] = 1
    shape = list(broadcast_shapes(tuple(ins), tuple(ids)))
    input_shape, index_shape = list(shape), list(shape)
    if input._data.ndim:
        input_shape[dim], index_shape[dim] = input.shape[dim], indices.shape[dim]
    return gather(expand(input, input_shape), dim, expand(indices, index_shape))


def select(input, dim, index):
    """The slice of dim at `index`, without dim: a view (PyTorch's SelectBackward0)."""
    if not input._data.ndim:
        raise IndexError('select() cannot be applied to a 0-dim tensor.')
    dim = wrap_dim(dim, input._data.ndim, 'select')
    index = _as_number(index)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f'select(): index {index} out of range for tensor of size '
                         f'{list(input.shape)} at dimension {dim}')
    return getitem(input, (slice(None),) * dim + (int(index),))


def masked_scatter(input, mask, source):
    """input with source's leading elements, in order, written where mask (broadcast with
    input) is True."""
    _require_tensor(mask, 'masked_scatter', 'mask')
    _require_tensor(source, 'masked_scatter', 'source')
    if mask._data.dtype.kind != 'b':
        raise RuntimeError('masked_scatter_ only supports boolean masks, but got mask with '
                           f'dtype {type_name(mask.dtype)}')
    if source.dtype is not input.dtype:
        raise RuntimeError('masked_scatter: expected self and source to have same dtypes but '
                           f'got{type_name(input.dtype)} and '
                           f'{type_name(source.dtype)}')
    check_same_device(input, mask)
    check_same_device(input, source)
    shape = broadcast_shapes(input._data.shape, mask._data.shape)
    mask = expand(mask, shape)
    count = int(mask._data.sum())
    if source._data.size < count:
        raise RuntimeError('Number of elements of source < number of ones in mask')
    values = getitem(reshape(source, -1), (slice(0, count),))
    return index_put(expand(input, shape), (mask,), values)
