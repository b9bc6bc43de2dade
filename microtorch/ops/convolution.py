"""Convolution as one op, with its two gradients as ops of their own.

y = conv(x, w) is linear in x and in w, so its gradients are convolutions too, and the three
ops below differentiate into one another (as PyTorch's convolution_backward does):
    Convolution(x, w)            -> gx = InputGrad(gy, w),   gw = WeightGrad(gy, x)
    InputGrad(gy, w)   (the gx)  -> ggy = Convolution(gg, w), gw = WeightGrad(gy, gg)
    WeightGrad(gy, x)  (the gw)  -> ggy = Convolution(x, gg), gx = InputGrad(gy, gg)
x arrives padded; stride, dilation and groups are those of the forward throughout. The
backends run them their own way (backends/conv_columns.py on the CPU: column GEMMs by chunks;
the windows kernels and cuBLAS on a GPU).
"""
from ..autograd.function import Function


class Convolution(Function):
    node_name = 'ConvolutionBackward0'

    @staticmethod
    def forward(ctx, x, weight, bias, stride, dilation, groups):
        ctx.conv = (stride, dilation, groups)
        ctx.save_for_backward(x, weight)
        return ctx.backend.convolution(x, weight, bias, stride, dilation, groups)

    @staticmethod
    def backward(ctx, gy):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = InputGrad.apply(gy, weight, tuple(x.shape), *ctx.conv) if need_x else None
        gw = WeightGrad.apply(gy, x, tuple(weight.shape), *ctx.conv) if need_w else None
        gb = _bias_grad(gy) if need_b else None
        return gx, gw, gb, None, None, None

    @staticmethod
    def backward_data(ctx, gy):
        x, weight = ctx.saved_data
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        backend = ctx.backend
        gx = backend.convolution_input_grad(gy, weight, x.shape, *ctx.conv) if need_x else None
        gw = (backend.convolution_weight_grad(gy, x, weight.shape, *ctx.conv)
              if need_w else None)
        gb = None
        if need_b:      # the sum a broadcast bias's gradient takes, as when the add was apart
            gb = backend.sum_to_shape(gy, (1, gy.shape[1]) + (1,) * (gy.ndim - 2))
            gb = gb.reshape(gy.shape[1])
        return gx, gw, gb, None, None, None


def _bias_grad(gy):
    return gy.sum_to_size((1, gy.shape[1]) + (1,) * (gy.ndim - 2)).reshape(gy.shape[1])


class _ConvolutionGrad(Function):
    """A gradient of Convolution, from gy and the forward's other operand (the weight for the
    input's gradient, the input for the weight's), as `kernel` computes it. Its own gradient
    for gy is a Convolution of gg with that operand; for the operand, the partner gradient op
    of gy and gg."""
    node_name = 'ConvolutionBackwardBackward0'
    kernel = partner = None
    gg_is_input = True               # in the Convolution that differentiates gy: gg is x, not w

    @staticmethod
    def forward(ctx, gy, other, shape, stride, dilation, groups):
        ctx.conv = (stride, dilation, groups)
        ctx.save_for_backward(gy, other)
        return getattr(ctx.backend, ctx._fn.kernel)(gy, other, shape, stride, dilation, groups)

    @staticmethod
    def backward(ctx, gg):
        gy, other = ctx.saved_tensors
        op = ctx._fn
        need_gy, need_other = ctx.needs_input_grad[:2]
        ggy = (Convolution.apply(*((gg, other) if op.gg_is_input else (other, gg)), None,
                                 *ctx.conv) if need_gy else None)
        g_other = (op.partner.apply(gy, gg, tuple(other.shape), *ctx.conv) if need_other
                   else None)
        return ggy, g_other, None, None, None, None


class InputGrad(_ConvolutionGrad):
    """The gradient of Convolution for its input x (of `shape`), from gy and the weight."""
    kernel = 'convolution_input_grad'


class WeightGrad(_ConvolutionGrad):
    """The gradient of Convolution for its weight (of `shape`), from gy and the input x."""
    kernel = 'convolution_weight_grad'
    gg_is_input = False


InputGrad.partner, WeightGrad.partner = WeightGrad, InputGrad
