"""Elementwise unary ops, each a fused forward/backward pair.

For op `f`, forward calls `backend.f_forward(x)` and saves x or y, whichever the derivative is
cheaper from. Backward is itself an op, `FGrad`, whose forward is the fused kernel
`backend.f_backward(saved, gy)` (one pass: read saved and gy, write gx) and whose backward - the
second derivative - is written with Tensor ops. So a plain backward costs one kernel per op and
`create_graph=True` still gets exact higher derivatives (Chainer's pattern).
"""
import math

from ..autograd.function import Function


def _unary(name, saves, second_derivative, node_name=None, kernel=None):
    """Build the op class and its backward op for `name`.

    saves: 'x' or 'y' (what backward reads besides gy), or None.
    second_derivative(s, gy, ggx, *params) -> (grad wrt s, grad wrt gy), Tensors or None.
    kernel: the backend pair's name where the op shares another's (celu runs elu's).
    """
    forward_kernel = (kernel or name) + '_forward'
    backward_kernel = (kernel or name) + '_backward'

    def grad_forward(ctx, saved, gy, *params):
        ctx.save_for_backward(saved, gy)
        ctx.params = params
        return getattr(ctx.backend, backward_kernel)(saved, gy, *params)

    def grad_backward(ctx, ggx):
        saved, gy = ctx.saved_tensors
        return second_derivative(saved, gy, ggx, *ctx.params) + (None,) * len(ctx.params)

    title = ''.join(part.capitalize() for part in name.split('_'))
    grad_op = type(title + 'Grad', (Function,), {
        'node_name': title + 'BackwardBackward0',
        'forward': staticmethod(grad_forward),
        'backward': staticmethod(grad_backward),
        'elementwise': True,
        '__module__': __name__,
    })

    saves_x = saves == 'x'

    def forward(ctx, x, *params):
        # (the hot path of the scalar loops: no call with an empty *params, and
        # save_for_backward's assignment without its call)
        kernel = getattr(ctx.backend, forward_kernel)
        if params:
            ctx.params = params
            y = kernel(x, *params)
        else:
            y = kernel(x)
        ctx._to_save = (x,) if saves_x else (y,)
        return y

    def backward(ctx, gy):
        saved, = ctx.saved_tensors
        return (grad_op.apply(saved, gy, *ctx.params),) + (None,) * len(ctx.params)

    def backward_data(ctx, gy):          # grad_op's forward, without the Tensors
        saved, = ctx.saved_data
        # x's gradient alone: the engine reads a lone array as the first input's, and the
        # params (numbers) have none
        params = ctx.params
        if params:
            return getattr(ctx.backend, backward_kernel)(saved, gy, *params)
        return getattr(ctx.backend, backward_kernel)(saved, gy)

    op = type(title, (Function,), {
        'node_name': node_name or title + 'Backward0',
        'forward': staticmethod(forward),
        'backward': staticmethod(backward),
        'backward_data': staticmethod(backward_data),
        'grad_op': grad_op,
        'elementwise': True,
        'plain_forward': forward_kernel,
        '__module__': __name__,
    })
    op._node_cls.params = grad_op._node_cls.params = ()      # forward sets them when given
    return op


class Neg(Function):
    elementwise = True

    @staticmethod
    def forward(ctx, x):
        return ctx.backend.neg_forward(x)

    @staticmethod
    def backward(ctx, gy):
        return Neg.apply(gy)

    @staticmethod
    def backward_data(ctx, gy):
        return ctx.backend.neg_forward(gy)


def _zero(t):
    """f'' of a piecewise-linear f: zeros rather than None, so that a double backward
    reaches x and gives it a zero gradient, as PyTorch's does, instead of finding x unused."""
    from ..creation import zeros_like
    return zeros_like(t)


# Second derivatives: with gx = gy * f'(x), d(gx)/dx = gy * f''(x) and d(gx)/dgy = f'(x).
Abs = _unary('abs', 'x', lambda x, gy, gg: (_zero(x), Abs.grad_op.apply(x, gg)))
Exp = _unary('exp', 'y', lambda y, gy, gg: (gg * gy, gg * y))
Log = _unary('log', 'x', lambda x, gy, gg: (-gg * gy / (x * x), gg / x))
Sqrt = _unary('sqrt', 'y', lambda y, gy, gg: (-gg * gy / (2 * y * y), gg / (2 * y)))
Sin = _unary('sin', 'x', lambda x, gy, gg: (-gg * gy * x.sin(), gg * x.cos()))
Cos = _unary('cos', 'x', lambda x, gy, gg: (-gg * gy * x.cos(), -gg * x.sin()))
Tanh = _unary('tanh', 'y', lambda y, gy, gg: (-2 * gg * gy * y, gg * (1 - y * y)))
Sigmoid = _unary('sigmoid', 'y', lambda y, gy, gg: (gg * gy * (1 - 2 * y), gg * y * (1 - y)))
Relu = _unary('relu', 'y', lambda y, gy, gg: (_zero(y), Relu.grad_op.apply(y, gg)))
Clamp = _unary('clamp', 'x',
               lambda x, gy, gg, lo, hi: (None, Clamp.grad_op.apply(x, gg, lo, hi)),
               node_name='ClampBackward1')
LeakyRelu = _unary('leaky_relu', 'x',
                   lambda x, gy, gg, slope: (_zero(x), LeakyRelu.grad_op.apply(x, gg, slope)))
# PyTorch's backward kernels of these read the saved tensor before the gradient
# (threshold_backward(self, grad), leaky_relu_backward, clamp's where(mask, grad, 0)):
# the gradient's layout follows the saved tensor first (autograd/engine.py)
for _op in (Relu, Clamp, LeakyRelu):
    _op.saved_first_in_grad = True


def _softplus_second(x, gy, gg, beta, threshold):
    # f'(x) = sigmoid(beta x) below the threshold, 1 above; f''(x) = beta s (1 - s), or 0.
    z = x * beta
    s = z.sigmoid()
    g_x = (gg * gy * beta * s * (1 - s)).where(z <= threshold, 0.0)
    return g_x, Softplus.grad_op.apply(x, gg, beta, threshold)


Softplus = _unary('softplus', 'x', _softplus_second)
Reciprocal = _unary('reciprocal', 'y', lambda y, gy, gg: (-2 * gg * gy * y, -gg * y * y))
PowScalar = _unary(
    'pow_scalar', 'x',
    lambda x, gy, gg, p: (gg * gy * p * (p - 1) * x ** (p - 2) if p not in (0, 1) else None,
                          PowScalar.grad_op.apply(x, gg, p)),
    node_name='PowBackward0')
Log1p = _unary('log1p', 'x', lambda x, gy, gg: (-gg * gy / ((1 + x) * (1 + x)), gg / (1 + x)),
               node_name='Log1PBackward0')
Expm1 = _unary('expm1', 'y', lambda y, gy, gg: (gg * gy, gg * (y + 1)))
_LN2, _LN10 = math.log(2.0), math.log(10.0)
Log2 = _unary('log2', 'x', lambda x, gy, gg: (-gg * gy / (x * x * _LN2), gg / (x * _LN2)))
Log10 = _unary('log10', 'x', lambda x, gy, gg: (-gg * gy / (x * x * _LN10), gg / (x * _LN10)))
# rsqrt: gx = -gy y^3 / 2, so d(gx)/dy = -3 gy y^2 / 2
Rsqrt = _unary('rsqrt', 'y', lambda y, gy, gg: (-1.5 * gg * gy * y * y, -0.5 * gg * y * y * y))
Tan = _unary('tan', 'y', lambda y, gy, gg: (2 * gg * gy * y, gg * (1 + y * y)))


# Hyperbolic and inverse trigonometric functions (all save x): f'' as Tensor ops
Sinh = _unary('sinh', 'x', lambda x, gy, gg: (gg * gy * x.sinh(), gg * x.cosh()))
Cosh = _unary('cosh', 'x', lambda x, gy, gg: (gg * gy * x.cosh(), gg * x.sinh()))
Asin = _unary('asin', 'x', lambda x, gy, gg: (gg * gy * x * (1 - x * x) ** -1.5,
                                              gg * (1 - x * x).rsqrt()))
Acos = _unary('acos', 'x', lambda x, gy, gg: (-gg * gy * x * (1 - x * x) ** -1.5,
                                              -gg * (1 - x * x).rsqrt()))
Atan = _unary('atan', 'x', lambda x, gy, gg: (-2 * gg * gy * x / ((1 + x * x) * (1 + x * x)),
                                              gg / (1 + x * x)))
Asinh = _unary('asinh', 'x', lambda x, gy, gg: (-gg * gy * x * (x * x + 1) ** -1.5,
                                                gg * (x * x + 1).rsqrt()))
Acosh = _unary('acosh', 'x', lambda x, gy, gg: (-gg * gy * x * (x * x - 1) ** -1.5,
                                                gg * (x * x - 1).rsqrt()))
Atanh = _unary('atanh', 'x', lambda x, gy, gg: (2 * gg * gy * x / ((1 - x * x) * (1 - x * x)),
                                                gg / (1 - x * x)))


def _silu_second(x, gy, gg):
    # f' = s (1 + x (1 - s)), f'' = s (1 - s) (2 + x (1 - 2 s)), s = sigmoid(x)
    s = x.sigmoid()
    return gg * gy * s * (1 - s) * (2 + x * (1 - 2 * s)), Silu.grad_op.apply(x, gg)


def _elu_second_of(op):
    """The second derivative of elu with scales (celu and selu too), for the op class that
    op() returns: f'' = scale alpha input_scale^2 e^(input_scale x) below 0, else 0 (at 0
    too, as PyTorch, where f' takes the exponential side)."""
    def second(x, gy, gg, alpha, scale, input_scale):
        curve = (scale * alpha * input_scale * input_scale) * (x * input_scale).exp()
        return ((gg * gy * curve).where(x < 0, 0.0),
                op().grad_op.apply(x, gg, alpha, scale, input_scale))
    return second


_INV_SQRT_2PI, _SQRT_2_PI, _GELU_CUBIC = 1 / math.sqrt(2 * math.pi), math.sqrt(2 / math.pi), \
    0.044715


def _gelu_second(x, gy, gg, approximate):
    if approximate == 'tanh':
        # u = k (x + c x^3), t = tanh(u): f'' = (1 - t^2) (u' + x (u'' - 2 t u'^2) / 2)
        t = (_SQRT_2_PI * (x + _GELU_CUBIC * x * x * x)).tanh()
        du = _SQRT_2_PI * (1 + 3 * _GELU_CUBIC * x * x)
        d2u = 6 * _SQRT_2_PI * _GELU_CUBIC * x
        second = (1 - t * t) * (du + 0.5 * x * (d2u - 2 * t * du * du))
    else:
        # f' = Phi(x) + x phi(x), f'' = phi(x) (2 - x^2), phi the normal density
        second = _INV_SQRT_2PI * (-0.5 * x * x).exp() * (2 - x * x)
    return gg * gy * second, Gelu.grad_op.apply(x, gg, approximate)


Silu = _unary('silu', 'x', _silu_second)
Elu = _unary('elu', 'x', _elu_second_of(lambda: Elu))
Gelu = _unary('gelu', 'x', _gelu_second)


Celu = _unary('celu', 'x', _elu_second_of(lambda: Celu), kernel='elu')


def _piecewise_linear(name, node_name=None, kernel=None):
    """An op whose f' is piecewise constant: f'' is 0 (zeros, so a double backward reaches
    x), and d(gx)/d(gy) is the op's own backward applied to gg."""
    def second(x, gy, gg, *params):
        return _zero(x), op.grad_op.apply(x, gg, *params)
    op = _unary(name, 'x', second, node_name, kernel)
    return op


Hardtanh = _piecewise_linear('hardtanh')
Hardsigmoid = _piecewise_linear('hardsigmoid')
Softshrink = _piecewise_linear('softshrink', kernel='shrink')
Hardshrink = _piecewise_linear('hardshrink', kernel='shrink')
Threshold = _piecewise_linear('threshold')


def _softsign_second(x, gy, gg):
    # f' = 1 / (1 + |x|)^2, f'' = -2 sign(x) / (1 + |x|)^3
    d = 1 + x.abs()
    return -2 * gg * gy * x.sign() / (d * d * d), Softsign.grad_op.apply(x, gg)


def _mish_second(x, gy, gg):
    # t = tanh(softplus(x)), s = sigmoid(x), t' = s (1 - t^2):
    # f' = t + x s (1 - t^2), f'' = s (1 - t^2) (2 + x (1 - s) - 2 x s t)
    s = x.sigmoid()
    t = (x.relu() + (-x.abs()).exp().log1p()).tanh()       # softplus, without overflow
    second = s * (1 - t * t) * (2 + x * (1 - s) - 2 * x * s * t)
    return gg * gy * second, Mish.grad_op.apply(x, gg)


def _hardswish_second(x, gy, gg):
    # f' = x / 3 + 1/2 strictly inside (-3, 3), so f'' = 1/3 there and 0 elsewhere
    return ((gg * gy) / 3).where((x > -3) & (x < 3), 0.0), Hardswish.grad_op.apply(x, gg)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


def _erf_second(x, gy, gg):
    # f' = 2/sqrt(pi) e^(-x^2), f'' = -2 x f'
    slope = _TWO_OVER_SQRT_PI * (-(x * x)).exp()
    return -2 * gg * gy * x * slope, gg * slope


Softsign = _unary('softsign', 'x', _softsign_second)
Mish = _unary('mish', 'x', _mish_second)
Hardswish = _unary('hardswish', 'x', _hardswish_second)
Erf = _unary('erf', 'x', _erf_second)
# exp2 saves y: gx = gy y ln2, whose derivative in y is gy ln2 (y carries it on to x)
Exp2 = _unary('exp2', 'y', lambda y, gy, gg: (gg * gy * _LN2, gg * (_LN2 * y)))


class Frac(Function):
    """x - trunc(x): its gradient is 1, so backward passes gy on as it is."""
    @staticmethod
    def forward(ctx, x):
        return ctx.backend.frac_forward(x)

    @staticmethod
    def backward(ctx, gy):
        return gy

    @staticmethod
    def backward_data(ctx, gy):
        return gy


def _step(name, node_name=None):
    """A piecewise-constant op (sign, floor, ...): its forward kernel, and a zero gradient
    wherever the derivative exists, as PyTorch gives (a zero-filled buffer, no kernel). The
    zero does not depend on x, so a double backward finds nothing to differentiate."""
    forward_kernel = name + '_forward'

    def forward(ctx, x, *params):
        ctx.nparams = len(params)
        return getattr(ctx.backend, forward_kernel)(x, *params)

    def backward(ctx, gy):
        from ..creation import zeros_like
        return (zeros_like(gy),) + (None,) * ctx.nparams

    def backward_data(ctx, gy):
        gx = ctx.backend.zeros(gy.shape, gy.dtype)
        return (gx,) + (None,) * ctx.nparams if ctx.nparams else gx

    title = name.capitalize()
    return type(title, (Function,), {
        'node_name': node_name or title + 'Backward0',
        'forward': staticmethod(forward),
        'backward': staticmethod(backward),
        'backward_data': staticmethod(backward_data),
        '__module__': __name__,
    })


Sign = _step('sign')
Floor = _step('floor')
Ceil = _step('ceil')
Trunc = _step('trunc')
Round = _step('round')


# Special functions. Each derivative is another of them, so every order of derivative is a
# kernel: lgamma' = digamma, digamma' = polygamma(1, x), polygamma(n, x)' = polygamma(n + 1, x).
Lgamma = _unary('lgamma', 'x', lambda x, gy, gg: (gg * gy * Polygamma.apply(x, 1),
                                                  Lgamma.grad_op.apply(x, gg)))
Digamma = _unary('digamma', 'x', lambda x, gy, gg: (gg * gy * Polygamma.apply(x, 2),
                                                    Digamma.grad_op.apply(x, gg)))
Polygamma = _unary('polygamma', 'x',
                   lambda x, gy, gg, n: (gg * gy * Polygamma.apply(x, n + 2),
                                         Polygamma.grad_op.apply(x, gg, n)))
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def _erfinv_second(y, gy, gg):
    # gx = gy c e^(y^2), c = sqrt(pi)/2: d(gx)/dy = 2 y gy c e^(y^2) (y carries it on to x)
    slope = _HALF_SQRT_PI * (y * y).exp()
    return 2 * gg * gy * y * slope, gg * slope


def _erfc_second(x, gy, gg):
    # f' = -2/sqrt(pi) e^(-x^2), f'' = -2 x f'
    slope = _TWO_OVER_SQRT_PI * (-(x * x)).exp()
    return 2 * gg * gy * x * slope, -gg * slope


Erfinv = _unary('erfinv', 'y', _erfinv_second)
Erfc = _unary('erfc', 'x', _erfc_second)


def _ndtri_second(y, gy, gg):
    # gx = gy sqrt(2 pi) e^(y^2 / 2): d(gx)/dy = y gx (y carries it on to x)
    slope = _SQRT_2PI * (0.5 * (y * y)).exp()
    return gg * gy * y * slope, gg * slope


_SQRT_2PI = math.sqrt(2 * math.pi)
Ndtri = _unary('ndtri', 'y', _ndtri_second, node_name='SpecialNdtriBackward0')


def _i1_second(x, gy, gg):
    # i1' = i0 - i1/x, so i1'' = i1 - i0/x + 2 i1/x^2 (0 at x = 0, i1 being odd)
    at_zero = x == 0
    safe = x.where(~at_zero, 1.0)
    second = I1.apply(x) - I0.apply(x) / safe + 2 * I1.apply(x) / (safe * safe)
    return (gg * gy * second).where(~at_zero, 0.0), I1.grad_op.apply(x, gg)


# i0' = i1, whose derivative is i1's backward kernel applied to gy: I1.grad_op
I0 = _unary('i0', 'x', lambda x, gy, gg: (I1.grad_op.apply(x, gg * gy),
                                          I0.grad_op.apply(x, gg)))
I1 = _unary('i1', 'x', _i1_second, node_name='SpecialI1Backward0')
