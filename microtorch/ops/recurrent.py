"""An LSTM step's gates as one op, for the recurrent layers' time loop.

After the step's two products, x_part = x W_ih^T + b_ih and h_part = h W_hh^T + b_hh:
    i, f, g, o = chunks of x_part + h_part through sigmoid, sigmoid, tanh, sigmoid
    c = f c_prev + i g,    h = o tanh(c)
As separate ops that was eleven nodes a step on the tape; here it is one. Forward and backward
call the backend primitives the separate ops call, in their order, and add the gradients that
reach c in the order the engine added them (the later use's first), so the numbers are the
same. A backward that builds a graph computes the same formulas with differentiable ops.
"""
from ..autograd.function import Function
from . import functional as _F


class LSTMGates(Function):
    """(x_part, h_part, c_prev) -> (h, c)."""
    node_name = 'LstmGatesBackward0'

    @staticmethod
    def forward(ctx, x_part, h_part, c_prev):
        b = ctx.backend
        gates = b.add_forward(x_part, h_part)
        n = gates.shape[-1] // 4
        i, f, g, o = (gates[..., k * n:(k + 1) * n] for k in range(4))
        i, f, o = b.sigmoid_forward(i), b.sigmoid_forward(f), b.sigmoid_forward(o)
        g = b.tanh_forward(g)
        c = b.add_forward(b.mul_forward(f, c_prev), b.mul_forward(i, g))
        tc = b.tanh_forward(c)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x_part, h_part, c_prev)
        ctx.gates = (i, f, g, o, tc)
        return b.mul_forward(o, tc), c

    @staticmethod
    def backward_data(ctx, dh, dc):
        b = ctx.backend
        i, f, g, o, tc = ctx.gates
        c_prev = ctx.saved_data[2]
        mul = b.mul_forward
        d_o = None
        if dh is not None:
            d_o = mul(dh, tc)
            through_h = b.tanh_backward(tc, mul(dh, o))
            dc = through_h if dc is None else b.add_forward(dc, through_h)
        if dc is None:
            return None, None, None
        pieces = [b.sigmoid_backward(i, mul(dc, g)), b.sigmoid_backward(f, mul(dc, c_prev)),
                  b.tanh_backward(g, mul(dc, i)),
                  b.sigmoid_backward(o, d_o) if d_o is not None else b.zeros(o.shape, o.dtype)]
        d_gates = b.concatenate(pieces, -1)
        return d_gates, d_gates, mul(dc, f)

    @staticmethod
    def backward(ctx, dh, dc):
        from ..creation import zeros_like
        x_part, h_part, c_prev = ctx.saved_tensors
        i, f, g, o = (x_part + h_part).chunk(4, -1)
        i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
        tc = (f * c_prev + i * g).tanh()
        d_o = None
        if dh is not None:
            d_o = dh * tc
            through_h = dh * o * (1 - tc * tc)
            dc = through_h if dc is None else dc + through_h
        if dc is None:
            return None, None, None
        d_go = d_o * (1 - o) * o if d_o is not None else zeros_like(o)
        d_gates = _F.cat([dc * g * (1 - i) * i, dc * c_prev * (1 - f) * f,
                          dc * i * (1 - g * g), d_go], -1)
        return d_gates, d_gates, dc * f
