"""An LSTM step's gates as one op, and a GRU step's, for the recurrent layers' time loop.

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


class GRUGates(Function):
    """(x_part, h_part, h) -> h': r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z),
    n = tanh(x_n + r h_n), h' = n + z (h - n). The gradient that reaches n from both of its
    uses adds as the engine added it: the last use's (h' = n + ...) first."""
    node_name = 'GruGatesBackward0'

    @staticmethod
    def forward(ctx, x_part, h_part, h):
        b = ctx.backend
        n = x_part.shape[-1] // 3
        x_r, x_z, x_n = (x_part[..., k * n:(k + 1) * n] for k in range(3))
        h_r, h_z, h_n = (h_part[..., k * n:(k + 1) * n] for k in range(3))
        reset = b.sigmoid_forward(b.add_forward(x_r, h_r))
        update = b.sigmoid_forward(b.add_forward(x_z, h_z))
        new = b.tanh_forward(b.add_forward(x_n, b.mul_forward(reset, h_n)))
        apart = b.sub_forward(h, new)
        ctx.save_for_backward(x_part, h_part, h)
        ctx.gates = (reset, update, new, apart, h_n)
        return b.add_forward(new, b.mul_forward(update, apart))

    @staticmethod
    def backward_data(ctx, gy):
        b = ctx.backend
        reset, update, new, apart, h_n = ctx.gates
        mul = b.mul_forward
        g_apart = mul(gy, update)                   # (h - n)'s: to h, and minus it to n
        g_update = b.sigmoid_backward(update, mul(gy, apart))
        g_new = b.tanh_backward(new, b.add_forward(gy, b.neg_forward(g_apart)))
        g_reset = b.sigmoid_backward(reset, mul(g_new, h_n))
        d_x = b.concatenate([g_reset, g_update, g_new], -1)
        d_h = b.concatenate([g_reset, g_update, mul(g_new, reset)], -1)
        return d_x, d_h, g_apart

    @staticmethod
    def backward(ctx, gy):
        x_part, h_part, h = ctx.saved_tensors
        x_r, x_z, x_n = x_part.chunk(3, -1)
        h_r, h_z, h_n = h_part.chunk(3, -1)
        reset, update = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
        new = (x_n + reset * h_n).tanh()
        g_apart = gy * update
        g_update = gy * (h - new) * (1 - update) * update
        g_new = (gy - g_apart) * (1 - new * new)
        g_reset = g_new * h_n * (1 - reset) * reset
        return (_F.cat([g_reset, g_update, g_new], -1),
                _F.cat([g_reset, g_update, g_new * reset], -1), g_apart)
