"""Functions users write (subclasses of autograd.Function) follow PyTorch's convention:
forward gets the Tensors given to apply, with grad mode off, and returns Tensors; backward gets
and returns Tensors. Each case is written once, run in both libraries, compared."""
import math

import numpy as np
import pytest

import microtorch


def _relu(L):
    class MyReLU(L.autograd.Function):                 # PyTorch's tutorial
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input
    return MyReLU


def _legendre(L):
    class LegendrePolynomial3(L.autograd.Function):   # PyTorch's tutorial
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)
    return LegendrePolynomial3


def _scaled_sum(L):
    """Two Tensor inputs, a number, two outputs; needs_input_grad; a saved output."""
    class ScaledExpAndSum(L.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, scale):
            ctx.scale = scale
            ctx.seen = [ctx.needs_input_grad, x.requires_grad, L.is_grad_enabled()]
            e = (x * w * scale).exp()
            ctx.save_for_backward(x, w, e)
            return e, x.sum() * scale

        @staticmethod
        def backward(ctx, grad_e, grad_total):
            x, w, e = ctx.saved_tensors
            common = grad_e * e * ctx.scale
            grad_x = common * w + grad_total * ctx.scale if ctx.needs_input_grad[0] else None
            grad_w = common * x if ctx.needs_input_grad[1] else None
            return grad_x, grad_w, None
    return ScaledExpAndSum


def _new_style(L):
    class Cube(L.autograd.Function):
        @staticmethod
        def forward(x, power=3):
            return x ** power

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, power = inputs
            ctx.power = power
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * ctx.power * x ** (ctx.power - 1), None
    return Cube


def _sort_with_indices(L):
    class Sort(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return values, indices

        @staticmethod
        def backward(ctx, grad_values, grad_indices):
            indices, = ctx.saved_tensors
            grad = L.zeros_like(grad_values)
            grad[indices] = grad_values
            return grad
    return Sort


def _run(L, case):
    L.manual_seed(0)
    x = L.tensor([-1.5, 0.25, 2.0], dtype=L.float64, requires_grad=True)
    w = L.tensor([0.5, -1.0, 0.75], dtype=L.float64, requires_grad=True)
    if case == 'relu':
        out = _relu(L).apply(x)
        out.sum().backward()
        return [out, x.grad]
    if case == 'legendre':
        out = _legendre(L).apply(x)
        (out * w).sum().backward()
        return [out, x.grad]
    if case == 'two outputs':
        fn = _scaled_sum(L)
        e, total = fn.apply(x, w, 0.5)
        (e.sum() + 3 * total).backward()
        return [e, total, x.grad, w.grad, L.tensor(e.grad_fn.seen[0]),
                L.tensor(e.grad_fn.seen[1:])]
    if case == 'one output used':
        e, total = _scaled_sum(L).apply(x, w.detach(), 2.0)
        e.sum().backward()                 # total's gradient never arrives: zeros
        return [x.grad]
    if case == 'new style and keywords':
        cube = _new_style(L)
        out = cube.apply(x, power=4)
        out.sum().backward()
        return [out, x.grad, cube.apply(w)]
    if case == 'non-differentiable output':
        values, indices = _sort_with_indices(L).apply(x * w)
        (values * L.arange(3.0, dtype=L.float64)).sum().backward()
        return [values, indices, L.tensor(indices.requires_grad), x.grad]
    if case == 'double backward':
        out = _legendre(L).apply(x)
        grad, = L.autograd.grad(out.sum(), x, create_graph=True)
        grad.sum().backward()
        return [grad, x.grad]
    if case == 'no tensor inputs':
        return [_new_style(L).apply(L.tensor(2.0), 3).requires_grad and 1 or 0,
                _new_style(L).apply(3.0)]
    raise AssertionError(case)


CASES = ['relu', 'legendre', 'two outputs', 'one output used', 'new style and keywords',
         'non-differentiable output', 'double backward', 'no tensor inputs']


@pytest.mark.parametrize('case', CASES)
def test_user_functions_as_in_pytorch(torch, case):
    ours, theirs = _run(microtorch, case), _run(torch, case)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        a = a.detach().numpy() if isinstance(a, microtorch.Tensor) else np.asarray(a)
        b = b.detach().numpy() if isinstance(b, torch.Tensor) else np.asarray(b)
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_the_tutorials_training_loop_gives_pytorchs_losses(torch):
    """PyTorch's 'Defining new autograd functions' tutorial, 200 steps."""
    def train(L):
        x = L.linspace(-math.pi, math.pi, 200, dtype=L.float64)
        y = L.sin(x)
        a, b, c, d = (L.full((), v, dtype=L.float64, requires_grad=True)
                      for v in (0.0, -1.0, 0.0, 0.3))
        P3 = _legendre(L).apply
        losses = []
        for _ in range(200):
            loss = (a + b * P3(c + d * x) - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with L.no_grad():
                for p in (a, b, c, d):
                    p -= 5e-6 * p.grad
                    p.grad = None
        return losses
    np.testing.assert_allclose(train(microtorch), train(torch), rtol=1e-9)


def test_materialize_grads_off_hands_backward_none(torch):
    def run(L):
        seen = []

        class Pair(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1 is None, g2 is None))
                return g1 * 2
        x = L.ones(2, requires_grad=True)
        Pair.apply(x)[0].sum().backward()
        return seen, x.grad.tolist()
    assert run(microtorch) == run(torch)


def test_once_differentiable_refuses_a_second_derivative(torch):
    def run(L):
        class Square(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @L.autograd.function.once_differentiable
            def backward(ctx, grad):
                x, = ctx.saved_tensors
                return 2 * x * grad
        x = L.tensor([1.0, 2.0], requires_grad=True)
        grad, = L.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
        first = grad.tolist()
        with pytest.raises(RuntimeError) as error:
            grad.sum().backward()
        return first, str(error.value)
    assert run(microtorch) == run(torch)


def test_a_saved_input_changed_in_place_is_caught(torch):
    def run(L):
        x = L.tensor([1.0, -2.0], requires_grad=True)
        y = x * 1
        out = _relu(L).apply(y)
        y.add_(1)
        with pytest.raises(RuntimeError) as error:
            out.sum().backward()
        return str(error.value)
    ours, theirs = run(microtorch), run(torch)
    assert ours == theirs.replace('torch.', 'microtorch.')


def test_the_wrong_number_of_gradients_is_refused(torch):
    def run(L):
        class TooMany(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, grad):
                return grad, grad
        with pytest.raises(RuntimeError) as error:
            TooMany.apply(L.ones(1, requires_grad=True)).sum().backward()
        return str(error.value)
    assert run(microtorch) == run(torch)
