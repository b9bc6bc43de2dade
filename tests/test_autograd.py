"""The tape and its engine: backward, autograd.grad, higher-order gradients, grad mode, hooks,
freeing of saved tensors and graphs, in-place ops, custom Functions and gradcheck itself."""
import gc
import math
import re
import sys
import weakref

import numpy as np
import pytest

import microtorch
from microtorch.autograd import Function, GradcheckError, Node, gradcheck, gradgradcheck

TAPE_SECOND_TIME = 'Trying to backward through the graph a second time'
MODIFIED_INPLACE = ('one of the variables needed for gradient computation has been modified '
                    'by an inplace operation')


def T(data, device='cpu', dtype=microtorch.float64, requires_grad=False):
    return microtorch.tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def host(t):
    return t.detach().cpu().numpy()


def close(t, expected, rtol=1e-7, atol=1e-10):
    np.testing.assert_allclose(host(t), np.asarray(expected, dtype=np.float64), rtol=rtol,
                               atol=atol)


# ---- the tape: reverse order, accumulation into leaves ---------------------------------

def test_diamond_graph(device):
    x = T([1.0, 2.0, -3.0], device, requires_grad=True)
    a = x * 2
    b = x * 3
    y = (a * b).sum()                       # 6 x**2
    y.backward()
    close(x.grad, 12 * np.array([1.0, 2.0, -3.0]))
    assert x.grad.device == x.device


def test_tensor_used_many_times(device):
    x = T(1.5, device, requires_grad=True)
    y = x * x * x + x * 4 - x / 2 + x.exp() * x    # 3x^2 + 4 - 1/2 + e^x (1 + x)
    y.backward()
    close(x.grad, 3 * 1.5 ** 2 + 3.5 + math.exp(1.5) * 2.5)


def test_nodes_run_in_reverse_recording_order(device):
    # y feeds z and w directly; its node must run only once, after all of its gradient arrived.
    x = T([1.0, 2.0], device, requires_grad=True)
    y = x * 2
    z = y * 3
    w = y + z
    assert y.grad_fn._seq < z.grad_fn._seq < w.grad_fn._seq
    order = []
    seen_y = []

    def y_hook(g):
        order.append('y')
        seen_y.append(host(g))
    y.register_hook(y_hook)
    z.register_hook(lambda g: order.append('z'))
    w.register_hook(lambda g: order.append('w'))
    w.sum().backward()
    assert order == ['w', 'z', 'y']
    assert len(seen_y) == 1
    np.testing.assert_array_equal(seen_y[0], [4.0, 4.0])      # 1 from w, 3 through z
    close(x.grad, [8.0, 8.0])


def test_grads_accumulate_across_backward_calls_in_the_same_object(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    (x * x).sum().backward()
    first = x.grad
    close(first, [2.0, 4.0])
    (x * 3).sum().backward()
    assert x.grad is first                   # accumulated in place, as PyTorch does
    close(x.grad, [5.0, 7.0])
    x.grad = None
    (x * 3).sum().backward()
    close(x.grad, [3.0, 3.0])


def test_grad_accumulation_matches_torch(torch):
    results = []
    for lib in (microtorch, torch):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        (x.sin() * x).sum().backward()
        grad = x.grad
        (x ** 3).mean().backward()
        results.append((x.grad is grad, x.grad.detach().numpy().copy()))
    assert results[0][0] and results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)



@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
def test_one_element_accumulation_keeps_the_bits_of_an_array_sum(dtype):
    # One element is summed as Python numbers (engine._add_in_place): the same bits as
    # NumPy's sum of the two arrays, near overflow, at ties, for -0.0, inf and nan too.
    rng = np.random.default_rng(7)
    np_dtype = np.dtype(dtype)
    finfo = np.finfo(np_dtype)
    real = [finfo.max, -finfo.max, finfo.tiny, finfo.smallest_subnormal, -0.0, 0.0,
            np.inf, -np.inf, np.nan, 1.0, finfo.eps / 2, 1 + finfo.eps]
    real += list(rng.standard_normal(40) * 10.0 ** rng.integers(-8, 8, 40))
    for first in real[::3] + real[1::5]:
        for second in real:
            with np.errstate(all='ignore'):
                grad, incoming = np.array([first], np_dtype), np.array([second], np_dtype)
                expected = grad + incoming
            x = microtorch.tensor(np.zeros(1, np_dtype), requires_grad=True)
            x.grad = microtorch.tensor(grad)
            kept = x.grad
            with np.errstate(all='ignore'):
                microtorch.autograd.backward(x * 1, microtorch.tensor(incoming))
            assert x.grad is kept
            np.testing.assert_array_equal(x.grad.numpy().view(f'u{np_dtype.itemsize}'),
                                          expected.view(f'u{np_dtype.itemsize}'))

def test_leaf_grad_does_not_alias_the_incoming_gradient(device):
    # a + b passes the same gradient on to both inputs: each leaf must get its own buffer.
    a = T([1.0, 2.0], device, requires_grad=True)
    b = T([3.0, 4.0], device, requires_grad=True)
    (a + b).sum().backward()
    (a * 2).sum().backward()
    close(a.grad, [3.0, 3.0])
    close(b.grad, [1.0, 1.0])


def test_leaf_grad_summed_by_the_engine_is_kept_and_owned(device):
    # x reaches the loss twice: its .grad is the engine's sum, kept without a copy. It must
    # still be the leaf's own: a second backward (retain_graph) adds into it in place, and
    # nothing of the graph or the gradient given may change with it.
    x = T([1.0, 2.0], device, requires_grad=True)
    given = T([1.0, 10.0], device)
    y = x * 2 + x * x
    y.backward(given, retain_graph=True)
    first = x.grad
    close(first, [4.0, 60.0])                       # (2 + 2x) * given
    y.backward(given)
    assert x.grad is first
    close(x.grad, [8.0, 120.0])
    close(given, [1.0, 10.0])
    close(y, [3.0, 8.0])


def test_leaf_grad_sum_of_big_arrivals():
    # Above the Numba crossover the engine's sum runs the backend's parallel add.
    n = (1 << 20) + 3
    values = np.random.default_rng(0).standard_normal(n).astype(np.float32)
    x = microtorch.tensor(values, requires_grad=True)
    (x.sigmoid() * x).sum().backward()
    s = 1 / (1 + np.exp(-values.astype(np.float64)))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 - s) * values + s, rtol=2e-5, atol=1e-6)


# A leaf's first .grad keeps, without a copy, a big array that only the engine holds (the
# engine's _owned_by_engine); every array that someone else may hold is copied.
BIG = (64, 64)                  # 4,096 elements: engine.OWN_FROM


def _first_grads_kept(monkeypatch):
    """Records, for each leaf's first 2-D .grad, whether it was kept without a copy."""
    from microtorch import _layout
    kept = []
    real = _layout.leaf_grad

    def spy(variable, grad, owned):
        kept.append(owned)
        return real(variable, grad, owned)
    monkeypatch.setattr(_layout, 'leaf_grad', spy)
    return kept


def _big(rng, requires_grad=False):
    return T(rng.standard_normal(BIG), requires_grad=requires_grad)


def test_leaf_grad_made_by_a_backward_is_kept(monkeypatch, rng):
    kept = _first_grads_kept(monkeypatch)
    x, gy = _big(rng, True), _big(rng)
    given = host(gy).copy()
    y = x.sin()                 # its backward makes gy * cos(x): no one else holds that
    y.backward(gy, retain_graph=True)
    assert kept == [True]
    first = x.grad
    close(first, np.cos(host(x)) * given)
    y.backward(gy)              # in place into the kept array; the graph and gy unchanged
    assert x.grad is first
    close(x.grad, 2 * np.cos(host(x)) * given)
    close(gy, given)
    close(y, np.sin(host(x)))


class _ReturnsAGlobal(Function):
    kept = None

    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, gy):
        return _ReturnsAGlobal.kept


def test_leaf_grad_reshaped_by_a_backward_is_kept(monkeypatch, rng):
    # layer_norm's backward returns its kernel's (rows, n) output reshaped: all of a fresh array
    kept = _first_grads_kept(monkeypatch)
    x, gy = _big(rng, True), _big(rng)
    microtorch.nn.functional.layer_norm(x, BIG[1:]).backward(gy)
    assert kept == [True]
    assert x.grad._data.flags.writeable and x.grad._data.flags.c_contiguous


@pytest.mark.parametrize('case', ['add', 'clone', 'reshape', 'hook', 'retain_grad',
                                  'function'])
def test_leaf_grad_someone_else_holds_is_copied(monkeypatch, rng, case):
    kept = _first_grads_kept(monkeypatch)
    x, other, gy = _big(rng, True), _big(rng, True), _big(rng)
    held = []                   # arrays that must stay apart from x.grad
    if case == 'add':           # both inputs get gy itself, the caller's
        (x + other).backward(gy)
        held += [gy, other.grad]
    elif case == 'clone':       # clone passes gy on
        x.clone().backward(gy)
        held.append(gy)
    elif case == 'reshape':     # views of gy, all of its memory
        x.reshape(-1).reshape(BIG).backward(gy)
        held.append(gy)
    elif case in ('hook', 'retain_grad'):   # the user sees the array clone passes on
        h = x.clone()
        if case == 'hook':
            h.register_hook(held.append)
        else:
            h.retain_grad()
        (h * 3).backward(gy)
        if case == 'retain_grad':
            held.append(h.grad)
    else:                       # a user's Function returns a Tensor it keeps
        _ReturnsAGlobal.kept = held_grad = _big(rng)
        _ReturnsAGlobal.apply(x).backward(gy)
        held.append(held_grad)
    assert True not in kept
    for array in held:
        assert not np.shares_memory(x.grad._data, array._data), case
    before = [host(a).copy() for a in held]
    x.grad += 1                 # in place: nothing held elsewhere changes with it
    for array, values in zip(held, before):
        close(array, values)


# ---- backward(gradient=, retain_graph=, create_graph=, inputs=) ----------------------------

def test_backward_with_gradient(device):
    x = T([1.0, 2.0, 3.0], device, requires_grad=True)
    y = x * x
    y.backward(gradient=T([1.0, 0.1, 0.01], device))
    close(x.grad, [2.0, 0.4, 0.06])


def test_backward_of_non_scalar_needs_gradient(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    with pytest.raises(RuntimeError, match='grad can be implicitly created only for scalar'):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match='Mismatch in shape'):
        (x * 2).backward(T([1.0, 2.0, 3.0], device))


def test_backward_of_tensor_without_grad_raises(device):
    x = T([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match='does not require grad and does not have a grad_fn'):
        x.sum().backward()


def test_backward_retain_graph(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    close(x.grad, 2 * np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))


def test_backward_create_graph(device):
    x = T(2.0, device, requires_grad=True)
    y = x ** 3
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad and g.grad_fn is not None
    close(g, 12.0)
    x.grad = None
    g.backward()
    close(x.grad, 12.0)                         # d/dx 3x^2 = 6x


def test_backward_inputs(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    w = T([3.0, 4.0], device, requires_grad=True)
    y = (x * w).sum()
    y.backward(inputs=[x], retain_graph=True)
    close(x.grad, [3.0, 4.0])
    assert w.grad is None
    y.backward(inputs=w)
    close(w.grad, [1.0, 2.0])
    close(x.grad, [3.0, 4.0])
    with pytest.raises(RuntimeError, match='cannot be empty'):
        (x * w).sum().backward(inputs=[])


def test_backward_inputs_non_leaf(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    a = x * 2
    y = (a * a).sum()
    y.backward(inputs=[a])
    close(a.grad, [4.0, 8.0])
    assert x.grad is None


# ---- autograd.grad ------------------------------------------------------------------------

def test_grad_several_inputs_and_outputs(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    w = T([3.0, -1.0], device, requires_grad=True)
    y1 = (x * w).sum()
    y2 = (x * x).sum()
    gx, gw = microtorch.autograd.grad([y1, y2], [x, w])
    close(gx, [3.0 + 2.0, -1.0 + 4.0])
    close(gw, [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_grad_outputs(device):
    x = T([1.0, 2.0, 3.0], device, requires_grad=True)
    y = x.sin()
    v = T([1.0, -2.0, 0.5], device)
    gx, = microtorch.autograd.grad(y, x, grad_outputs=v)
    close(gx, np.cos([1.0, 2.0, 3.0]) * [1.0, -2.0, 0.5])
    assert x.grad is None


def test_grad_allow_unused_and_unused_error(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    unused = T([5.0], device, requires_grad=True)
    with pytest.raises(RuntimeError, match='appears to not have been used in the graph'):
        microtorch.autograd.grad((x * 2).sum(), [x, unused])
    gx, gu = microtorch.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    close(gx, [2.0, 2.0])
    assert gu is None
    gx, gu = microtorch.autograd.grad((x * 2).sum(), [x, unused], materialize_grads=True)
    close(gu, [0.0])
    assert unused.grad is None and x.grad is None


def test_grad_non_leaf_inputs(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    a = x * 3
    y = (a ** 2).sum()
    ga, gx = microtorch.autograd.grad(y, [a, x])
    close(ga, [6.0, 12.0])
    close(gx, [18.0, 36.0])
    assert x.grad is None
    with pytest.raises(RuntimeError, match=TAPE_SECOND_TIME):
        microtorch.autograd.grad(y, x)


def test_grad_stops_at_a_non_leaf_input(device):
    # The gradient is taken as it reaches `a`; a's own node does not run, so the graph
    # behind a keeps its saved tensors for later passes (PyTorch's engine does the same).
    x = T([1.0, 2.0], device, requires_grad=True)
    a = x.tanh()
    ga, = microtorch.autograd.grad((a * 2).sum(), [a])
    close(ga, [2.0, 2.0])
    ga, = microtorch.autograd.grad((a * 3).sum(), [a])
    close(ga, [3.0, 3.0])
    (a * 4).sum().backward(inputs=[a])
    close(a.grad, [4.0, 4.0])
    assert x.grad is None
    (a * 4).sum().backward()
    close(x.grad, 4 * (1 - np.tanh([1.0, 2.0]) ** 2), rtol=1e-5)
    seen = []
    b = x.sin()
    b.register_hook(lambda g: seen.append(g))
    c = b * b
    gc, = microtorch.autograd.grad(c.sum() + b.sum(), [c])      # b's hook never fires:
    close(gc, [1.0, 1.0])                                        # b's node is not reached
    assert seen == []
    gb, gx = microtorch.autograd.grad((b * 2).sum(), [b, x])      # b between: b's node runs
    close(gb, [2.0, 2.0])
    close(gx, 2 * np.cos([1.0, 2.0]), rtol=1e-5)
    assert len(seen) == 1


def test_grad_stops_at_a_non_leaf_input_as_torch_does(torch):
    results = []
    for lib in (microtorch, torch):
        x = lib.tensor([0.5, -1.0], requires_grad=True)
        a = x.exp()
        first, = lib.autograd.grad((a * a).sum(), a)
        second, = lib.autograd.grad(a.sum(), a)
        a.sum().backward()
        results.append([t.detach().numpy().copy() for t in (first, second, x.grad)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_grad_does_not_touch_existing_grad(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    (x * 5).sum().backward()
    before = x.grad
    g, = microtorch.autograd.grad((x * x).sum(), x)
    close(g, [2.0, 4.0])
    assert x.grad is before
    close(x.grad, [5.0, 5.0])


def test_grad_of_input_not_requiring_grad_raises(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    c = T([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match='does not require grad'):
        microtorch.autograd.grad((x * c).sum(), c)


# ---- higher-order gradients -----------------------------------------------------------------

X0 = [-1.5, -0.3, 0.4, 2.0]


def _second_derivative(f, device):
    x = T(X0, device, requires_grad=True)
    g, = microtorch.autograd.grad(f(x).sum(), x, create_graph=True)
    assert g.requires_grad
    gg, = microtorch.autograd.grad(g.sum(), x)
    return host(g), host(gg)


_X = np.array(X0)
_S = 1 / (1 + np.exp(-_X))
_TH = np.tanh(_X)


@pytest.mark.parametrize('f, first, second', [
    (lambda x: x ** 3, 3 * _X ** 2, 6 * _X),
    (lambda x: x.sin(), np.cos(_X), -np.sin(_X)),
    (lambda x: microtorch.sigmoid(x), _S * (1 - _S), _S * (1 - _S) * (1 - 2 * _S)),
    (lambda x: x.tanh(), 1 - _TH ** 2, -2 * _TH * (1 - _TH ** 2)),
    (lambda x: x.exp(), np.exp(_X), np.exp(_X)),
    (lambda x: x.cos() * x, np.cos(_X) - _X * np.sin(_X), -2 * np.sin(_X) - _X * np.cos(_X)),
    (lambda x: 1 / (x * x + 1), -2 * _X / (_X ** 2 + 1) ** 2,
     (6 * _X ** 2 - 2) / (_X ** 2 + 1) ** 3),
], ids=['cube', 'sin', 'sigmoid', 'tanh', 'exp', 'x_cos', 'rational'])
def test_second_derivatives(device, f, first, second):
    g, gg = _second_derivative(f, device)
    np.testing.assert_allclose(g, first, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gg, second, rtol=1e-10, atol=1e-12)


def test_third_derivative(device):
    x = T(0.7, device, requires_grad=True)
    y = x ** 4
    g1, = microtorch.autograd.grad(y, x, create_graph=True)
    g2, = microtorch.autograd.grad(g1, x, create_graph=True)
    g3, = microtorch.autograd.grad(g2, x)
    close(g1, 4 * 0.7 ** 3)
    close(g2, 12 * 0.7 ** 2)
    close(g3, 24 * 0.7)


def test_hessian_vector_product(device):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 4))
    x0 = rng.standard_normal(4)
    v0 = rng.standard_normal(4)
    A = T(a, device)
    x = T(x0, device, requires_grad=True)
    v = T(v0, device)
    # f = x.A.x / 2 + sum(x**3) / 3: grad = (A + A^T) x / 2 + x**2; H = (A + A^T) / 2 + 2 diag(x)
    f = (x @ A @ x) / 2 + (x ** 3).sum() / 3
    g, = microtorch.autograd.grad(f, x, create_graph=True)
    np.testing.assert_allclose(host(g), (a + a.T) @ x0 / 2 + x0 ** 2, rtol=1e-10)
    hv, = microtorch.autograd.grad((g * v).sum(), x)
    expected = ((a + a.T) / 2 + 2 * np.diag(x0)) @ v0
    np.testing.assert_allclose(host(hv), expected, rtol=1e-10)


def test_double_backward_through_matmul(device):
    rng = np.random.default_rng(2)
    x0, w0 = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    x = T(x0, device, requires_grad=True)
    w = T(w0, device, requires_grad=True)
    loss = ((x @ w) ** 2).sum()
    gw, = microtorch.autograd.grad(loss, w, create_graph=True)
    np.testing.assert_allclose(host(gw), 2 * x0.T @ (x0 @ w0), rtol=1e-10)
    # d/dx sum(gw) = d/dx sum_ij 2 (x^T x w)_ij = 2 (x (w 1 1^T)^T + x 1 1^T w^T)-ish: check
    # against the closed form 2 * (x @ (w @ 1_2) 1_4^T + x @ 1_4 (w @ 1_2)^T)
    gx, = microtorch.autograd.grad(gw.sum(), x)
    s = w0 @ np.ones(2)                     # (4,)
    expected = 2 * (np.outer(x0 @ s, np.ones(4)) + np.outer(x0 @ np.ones(4), s))
    np.testing.assert_allclose(host(gx), expected, rtol=1e-10)


@pytest.mark.parametrize('f', [lambda lib, x: x.relu(), lambda lib, x: x.abs(),
                               lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1)],
                         ids=['relu', 'abs', 'leaky_relu'])
def test_double_backward_of_piecewise_linear_ops_is_zero(device, f, torch):
    # Their second derivative is zero, but x is on the first derivative's graph: a double
    # backward must give zeros, not call x unused (PyTorch gives zeros for relu and
    # leaky_relu; for abs it returns a zero tensor that cannot even be printed).
    for lib in (microtorch, torch):
        x = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        g, = lib.autograd.grad(f(lib, x).sum(), x, create_graph=True)
        assert g.requires_grad
        h, = lib.autograd.grad((g * g).sum(), x)
        if lib is microtorch:
            np.testing.assert_array_equal(h.numpy(), [0.0, 0.0, 0.0])
    x = T([1.0, -2.0, 0.5], device, requires_grad=True)
    g, = microtorch.autograd.grad(f(microtorch, x).sum(), x, create_graph=True)
    h, = microtorch.autograd.grad((g * g).sum(), x)
    close(h, [0.0, 0.0, 0.0])
    assert h.device == x.device


def test_double_backward_through_softmax_matches_torch(device, torch):
    rng = np.random.default_rng(3)
    x0, w0, c0 = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.random((2, 4))
    results = []
    for lib, dev in ((microtorch, device), (torch, 'cpu')):
        x = lib.tensor(x0, requires_grad=True, device=dev)
        w = lib.tensor(w0, requires_grad=True, device=dev)
        c = lib.tensor(c0, device=dev)
        y = lib.softmax(x @ w, dim=1)
        loss = (y * c).sum() + (lib.log_softmax(x @ w, dim=1) * c).sum()
        gx, gw = lib.autograd.grad(loss, [x, w], create_graph=True)
        ggx, ggw = lib.autograd.grad((gx ** 2).sum() + (gw * gw).sum(), [x, w])
        results.append([t.detach().cpu().numpy() for t in (gx, gw, ggx, ggw)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_gradgradcheck_softmax_matmul():
    rng = np.random.default_rng(4)
    x = T(rng.standard_normal((2, 3)), requires_grad=True)
    w = T(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradgradcheck(lambda a, b: microtorch.softmax(a @ b, dim=1), (x, w))
    assert gradgradcheck(lambda a, b: (a @ b).sigmoid().tanh(), (x, w))


# ---- grad mode ---------------------------------------------------------------------------

def test_no_grad_context_manager(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    assert microtorch.is_grad_enabled()
    with microtorch.no_grad():
        assert not microtorch.is_grad_enabled()
        y = x * 2
        z = y.sin().sum()
    assert microtorch.is_grad_enabled()
    for t in (y, z):
        assert not t.requires_grad and t.grad_fn is None and t.is_leaf
    assert x.requires_grad


def test_no_grad_restored_after_exception():
    with pytest.raises(ValueError):
        with microtorch.no_grad():
            raise ValueError
    assert microtorch.is_grad_enabled()


def test_no_grad_decorator_with_and_without_parentheses(device):
    x = T([1.0], device, requires_grad=True)

    @microtorch.no_grad()
    def f(t):
        assert not microtorch.is_grad_enabled()
        return t * 2

    @microtorch.no_grad
    def g(t):
        """doc of g"""
        assert not microtorch.is_grad_enabled()
        return t * 3

    assert not f(x).requires_grad
    assert not g(x).requires_grad
    assert g.__name__ == 'g' and g.__doc__ == 'doc of g'
    assert microtorch.is_grad_enabled()
    assert (x * 2).requires_grad


def test_enable_grad_inside_no_grad(device):
    x = T([1.0], device, requires_grad=True)
    with microtorch.no_grad():
        with microtorch.enable_grad():
            assert microtorch.is_grad_enabled()
            y = x * 2
        z = x * 2
        assert not microtorch.is_grad_enabled()

        @microtorch.enable_grad
        def h(t):
            return t * 4
        w = h(x)
    assert y.requires_grad and y.grad_fn is not None
    assert not z.requires_grad
    assert w.requires_grad
    y.backward()
    close(x.grad, [2.0])


def test_set_grad_enabled(device):
    x = T([1.0], device, requires_grad=True)
    microtorch.set_grad_enabled(False)
    try:
        assert not microtorch.is_grad_enabled()
        assert (x * 2).grad_fn is None
    finally:
        microtorch.set_grad_enabled(True)
    assert microtorch.is_grad_enabled()
    with microtorch.set_grad_enabled(False):
        assert not microtorch.is_grad_enabled()
        assert not (x * 2).requires_grad
        with microtorch.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not microtorch.is_grad_enabled()
    assert microtorch.is_grad_enabled()

    @microtorch.set_grad_enabled(False)
    def f(t):
        return t * 2
    assert microtorch.is_grad_enabled()      # decorating does not change the mode
    assert not f(x).requires_grad
    assert microtorch.is_grad_enabled()


def test_no_grad_in_autograd_namespace():
    assert microtorch.autograd.no_grad is microtorch.no_grad
    assert microtorch.autograd.enable_grad is microtorch.enable_grad
    assert microtorch.autograd.set_grad_enabled is microtorch.set_grad_enabled


# ---- retain_grad and hooks ----------------------------------------------------------------

def test_retain_grad(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    a = x * 3
    a.retain_grad()
    assert a.retains_grad and not x.retains_grad
    y = (a * a).sum()
    y.backward(retain_graph=True)
    close(a.grad, [6.0, 12.0])
    y.backward()
    close(a.grad, [12.0, 24.0])
    close(x.grad, [36.0, 72.0])


def test_non_leaf_grad_warns_without_retain_grad(device):
    x = T([1.0], device, requires_grad=True)
    a = x * 2
    a.sum().backward()
    with pytest.warns(UserWarning, match='retain_grad'):
        assert a.grad is None


def test_hook_on_leaf(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(host(g)))
    (x * 3).sum().backward()
    np.testing.assert_array_equal(seen[0], [3.0, 3.0])
    handle.remove()
    (x * 3).sum().backward()
    assert len(seen) == 1
    close(x.grad, [6.0, 6.0])


def test_hook_replaces_gradient(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    close(x.grad, [30.0, 30.0])

    w = T([1.0, 2.0], device, requires_grad=True)
    a = w * 2
    handle = a.register_hook(lambda g: g * 0 + 1)      # replace the grad reaching a with ones
    (a * 5).sum().backward(retain_graph=True)
    close(w.grad, [2.0, 2.0])
    handle.remove()
    (a * 5).sum().backward()
    close(w.grad, [12.0, 12.0])


def test_chain_through_a_node_of_two_outputs(device):
    # the engine's lone-chain loop hands a node of several outputs (unbind's) back to the
    # general replay, which puts the grad at its output's place, and the chain goes on
    x = T([0.5, -1.0], device, requires_grad=True)
    first, second = (x * 2).unbind(0)
    (second.tanh() * 3 + 1).backward()
    close(x.grad, [0.0, 3 * (1 - math.tanh(-2.0) ** 2) * 2])
    x.grad = None
    a = x.sigmoid()
    a.retain_grad()
    (a * 2).tanh().sum().backward()                    # a retained grad mid-chain
    close(a.grad, 2 * (1 - np.tanh(2 / (1 + np.exp([-0.5, 1.0]))) ** 2))



@pytest.mark.parametrize('case', ['data_times_weight', 'broadcast_weight', 'leaf_hook',
                                  'retained_root', 'leaf_root', 'twice'])
def test_chain_to_a_second_input(device, case):
    # `x * w` with data x: the backward sends the second input's gradient alone, which the
    # engine's lone-chain loop takes as such (or, broadcast, sums down the general way), and
    # backward() reaches the leaf without the replay's heap; the results are autograd.grad's,
    # which takes the general replay
    x, y = T([2.0, -3.0], device), T([4.0, 1.0], device)
    w = T([1.5] if case == 'broadcast_weight' else [1.5, 0.5], device, requires_grad=True)
    seen = []
    if case == 'leaf_hook':
        w.register_hook(lambda g: seen.append(host(g)))

    def loss():
        out = ((x * w - y) ** 2).sum()
        if case == 'retained_root':
            out.retain_grad()
        return out
    expected, = microtorch.autograd.grad(loss(), w)
    if case == 'leaf_root':
        w.sum().backward()
        close(w.grad, np.ones(w.shape))
        return
    out = loss()
    out.backward()
    close(w.grad, host(expected))
    if case == 'twice':                 # the second adds into the first in place
        first = w.grad
        loss().backward()
        assert w.grad is first
        close(w.grad, 2 * host(expected))
    if case == 'leaf_hook':
        np.testing.assert_allclose(seen[-1], host(expected))
    if case == 'retained_root':
        close(out.grad, 1.0)

def test_hook_on_non_leaf_sees_gradient(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    a = x.exp()
    seen = []
    a.register_hook(lambda g: seen.append(host(g)))
    (a * a).sum().backward()
    np.testing.assert_allclose(seen[0], 2 * np.exp([1.0, 2.0]))
    close(x.grad, 2 * np.exp([2.0, 4.0]))


def test_hook_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require"):
        T([1.0]).register_hook(lambda g: g)


# ---- saved tensors are freed as backward passes them --------------------------------------

def test_second_backward_raises_and_retain_graph_allows_it(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = (x.sin() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=TAPE_SECOND_TIME):
        y.backward()
    x.grad = None
    y = (x.sin() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    x0 = np.array([1.0, 2.0])
    close(x.grad, 2 * (np.cos(x0) * x0 + np.sin(x0)))


def test_saved_tensors_are_freed_by_backward():
    x = T(np.ones(1_000_000) * 0.5, requires_grad=True)
    h = x * 3                   # h is saved by sin() only (mul saves its inputs, not output)
    ref = weakref.ref(h._data)
    freed_when_h_grad_arrived = []
    h.register_hook(lambda g: freed_when_h_grad_arrived.append(ref() is None))
    y = h.sin()
    del h
    gc.collect()
    assert ref() is not None                    # only the graph keeps it alive
    y.sum().backward()
    assert ref() is None                        # freed without any gc.collect()
    # and freed during the pass, right after sin's backward ran: peak memory falls
    assert freed_when_h_grad_arrived == [True]
    np.testing.assert_allclose(host(x.grad), 3 * np.cos(1.5))


def test_saved_tensors_kept_with_retain_graph():
    x = T(np.ones(1000), requires_grad=True)
    h = x * 3
    ref = weakref.ref(h._data)
    y = h.sin().sum()           # sin saves its input h
    del h
    y.backward(retain_graph=True)
    assert ref() is not None
    y.backward()
    assert ref() is None


def test_saved_output_freed_by_backward():
    x = T(np.ones(100_000), requires_grad=True)
    y = x.exp()                 # exp saves its output
    ref = weakref.ref(y._data)
    z = y.sum()
    del y
    assert ref() is not None
    z.backward()
    assert ref() is None


def test_saved_tensors_freed_by_autograd_grad():
    x = T(np.ones(10_000), requires_grad=True)
    h = x * 2
    ref = weakref.ref(h._data)
    y = h.tanh().sum()
    del h
    microtorch.autograd.grad(y, x)
    assert ref() is None


# ---- deep graphs -------------------------------------------------------------------------

DEPTH = 100_000


def test_deep_graph_backward_and_delete():
    limit = sys.getrecursionlimit()
    x = T(1.0, requires_grad=True)
    y = x * 1.0001
    first = weakref.ref(y.grad_fn)
    for _ in range(DEPTH - 1):
        y = y * 1.0001
    last = weakref.ref(y.grad_fn)
    y.backward(retain_graph=True)           # keeps every saved tensor: the graph stays whole
    assert x.grad.item() == pytest.approx(1.0001 ** DEPTH, rel=1e-9)
    assert first() is not None
    del y                       # dropping a 10^5-long chain must not overflow the C stack
    assert last() is None and first() is None
    assert sys.getrecursionlimit() == limit


# ---- graphs are freed by reference counting ----------------------------------------------

def test_unused_graph_freed_without_gc(device):
    x = T(np.ones((100, 100)), device, requires_grad=True)
    w = T(np.ones((100, 100)) * 0.01, device, requires_grad=True)
    # Once first: a kernel's first call may compile it (Numba on the CPU, NVRTC on a GPU), and
    # a compiler may leave frames in reference cycles that only the collector frees.
    microtorch.softmax((x @ w).sigmoid() * 2, dim=1).log().sum()
    gc.collect()
    gc.disable()
    try:
        h = (x @ w).sigmoid()
        ref_array = weakref.ref(h._data) if device == 'cpu' else None
        y = microtorch.softmax(h * 2, dim=1).log().sum()
        ref_node = weakref.ref(y.grad_fn)
        ref_inner = weakref.ref(h.grad_fn)
        del h, y
        assert ref_node() is None and ref_inner() is None
        if ref_array is not None:
            assert ref_array() is None
    finally:
        gc.enable()


def _microtorch_garbage(step):
    """Run step() and return the microtorch objects it left in reference cycles."""
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        step()
        gc.collect()
        found = [o for o in gc.garbage if isinstance(o, (microtorch.Tensor, Node))
                 or type(o).__module__.startswith('microtorch')]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    return found


def test_training_steps_create_no_reference_cycles():
    rng = np.random.default_rng(0)
    x = T(rng.standard_normal((8, 3)), dtype=microtorch.float32)
    target = T(rng.integers(0, 2, (8, 1)), dtype=microtorch.float32)
    w1 = T(rng.standard_normal((3, 5)) * 0.5, dtype=microtorch.float32, requires_grad=True)
    b1 = T(np.zeros(5), dtype=microtorch.float32, requires_grad=True)
    w2 = T(rng.standard_normal((5, 1)) * 0.5, dtype=microtorch.float32, requires_grad=True)
    params = (w1, b1, w2)

    def step():
        for i in range(5):
            h = microtorch.sigmoid(x @ w1 + b1)
            h.retain_grad()
            out = (h @ w2).tanh()
            logits = microtorch.log_softmax(microtorch.cat([out, -out], dim=1), dim=1)
            loss = ((out - target) ** 2).mean() - logits[:, 0].mean() * 0.1
            loss.backward()
            with microtorch.no_grad():
                for p in params:
                    p -= 0.1 * p.grad
                    p.grad.zero_()
            unused = (x @ w1).relu().sum()      # a graph that is never backpropagated
            del unused

    # Once first: the first call of a Numba kernel in the process compiles it, and the
    # compiler leaves cycles (weak proxies among them) that are not the steps' own.
    step()
    garbage = _microtorch_garbage(step)
    assert garbage == [], f'reference cycles among {len(garbage)} objects: {garbage[:5]}'


def test_custom_function_creates_no_reference_cycles():
    def step():
        x = T([1.0, 2.0], requires_grad=True)
        y = _Square.apply(x)
        y.sum().backward()
        z = _Square.apply(x * 2)
        del z

    assert _microtorch_garbage(step) == []


# ---- in-place semantics ------------------------------------------------------------------

def test_inplace_on_leaf_requiring_grad_raises(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.sigmoid_(),
               lambda: x.__setitem__(0, 5.0), lambda: x.zero_()):
        with pytest.raises(RuntimeError, match='a leaf Variable that requires grad is being '
                                               'used in an in-place operation'):
            op()
    close(x, [1.0, 2.0])
    assert x._version == 0


def test_inplace_on_leaf_under_no_grad(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    v = x._version
    with microtorch.no_grad():
        x.mul_(3)
        x += 1
        x[0] = 0.5
    assert x._version == v + 3
    assert x.requires_grad and x.is_leaf and x.grad_fn is None
    close(x, [0.5, 7.0])
    (x * x).sum().backward()
    close(x.grad, [1.0, 14.0])


def test_inplace_on_non_leaf_is_recorded(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = x * 2
    y.mul_(3)
    assert y.grad_fn is not None and not y.is_leaf
    y.sum().backward()
    close(x.grad, [6.0, 6.0])


def test_inplace_add_of_tensor_requiring_grad(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    z = T([3.0, 4.0], device, requires_grad=True)
    y = x * 2
    y.add_(z * z)
    (y * y).sum().backward()
    y0 = 2 * np.array([1.0, 2.0]) + np.array([9.0, 16.0])
    close(x.grad, 4 * y0)
    close(z.grad, 2 * y0 * 2 * np.array([3.0, 4.0]))


def test_inplace_on_tensor_not_requiring_grad_with_grad_operand(device):
    z = T([3.0, 4.0], device, requires_grad=True)
    y = T([1.0, 1.0], device)
    y.mul_(z)
    assert y.requires_grad and y.grad_fn is not None
    (y * y).sum().backward()
    close(z.grad, [6.0, 8.0])


def _inplace_programs(lib):
    """Programs of in-place ops on non-leaves; each returns the leaves whose grads to compare."""
    def sigmoid_(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 2
        y.sigmoid_()
        (y * y).sum().backward()
        return [x.grad]

    def mask(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * x
        y[y > 1] = 0
        y.sum().backward()
        return [x.grad]

    def setitem_tensor(x0):
        x = lib.tensor(x0, requires_grad=True)
        z = lib.tensor(0.5, requires_grad=True)
        y = x * 3
        y[0] = z * z
        (y * lib.arange(1.0, 5.0, dtype=y.dtype)).sum().backward()
        return [x.grad, z.grad]

    def setitem_into_plain(x0):
        z = lib.tensor([0.5, 2.0], dtype=lib.float64, requires_grad=True)
        y = lib.zeros(2, 4, dtype=z.dtype)
        y[:, 1] = z.exp()
        (y * y).sum().backward()
        return [z.grad]

    def chain(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 1.5
        y.mul_(2).add_(x)
        y -= x * x
        y.pow_(2)
        y.div_(3).tanh_()
        y.sum().backward()
        return [x.grad]

    # A view taken before its base is written in place reads the new values: its gradient
    # must go through the in-place op as well.
    def slice_of_written_base(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 1.5
        v = y[1:3]
        y.mul_(x)
        (v * v).sum().backward()
        return [x.grad, v.detach()]

    def view_of_zeroed_base(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 2
        v = y.view(2, 2)
        y.zero_()
        (v + x.reshape(2, 2)).sum().backward()
        return [x.grad]

    def view_of_view(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x + 1
        v = y.view(2, 2).t()[0]
        y.add_(x * x)
        w = v.exp()
        y.mul_(3)                     # a second write, after the first regeneration
        (w + v * v).sum().backward()
        return [x.grad]

    def base_written_without_grad(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 2
        v = y[::2]
        with lib.no_grad():
            y.mul_(4)
        (v * v).sum().backward()
        return [x.grad]

    # In-place ops on views: the base takes the write into its graph (PyTorch's CopySlices).
    def column_times_3(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x.reshape(2, 2) * 2
        y[:, 1] *= 3
        (y * y).sum().backward()
        return [x.grad, y.detach()]

    def slice_add_(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * x
        y[1:].add_(x[:3])
        y.exp().sum().backward()
        return [x.grad]

    def transposed_row_mul_(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x.reshape(2, 2) + 1
        row = y.t()[1]
        row.mul_(x[:2])
        (y.sin() + row).sum().backward()
        return [x.grad, y.detach(), row.detach()]

    def plain_base_takes_grad(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = lib.zeros(6, dtype=x.dtype)
        y[1:5].add_(x.tanh())
        assert y.requires_grad
        (y * lib.arange(6.0, dtype=x.dtype)).sum().backward()
        return [x.grad]

    def detached_view_takes_grad(x0):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(5.0, dtype=x.dtype, requires_grad=True)
        y = x * 2
        d = y[1:].detach()
        d.add_(w)                     # d's own history: y's graph does not take the write
        (y.sum() + (d * d).sum()).backward()
        return [x.grad, w.grad, y.detach()]

    def detached_view_of_leaf(x0):
        x = lib.tensor(x0, requires_grad=True)
        w = lib.tensor(5.0, dtype=x.dtype, requires_grad=True)
        d = x[1:].detach()            # not a view for autograd: x stays a leaf, untouched
        d.add_(w)
        (d * d).sum().backward()
        assert x.grad is None and x.is_leaf
        return [w.grad, x.detach()]

    def view_and_write_both_in_no_grad(x0):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 2
        with lib.no_grad():
            v = y[1:]
            v.mul_(3)
        (y * y).sum().backward()
        return [x.grad, y.detach()]

    def no_grad_view_of_plain_base(x0):
        x = lib.tensor(x0, requires_grad=True)
        base = lib.ones(4, dtype=x.dtype)
        with lib.no_grad():
            v = base[1:]
        v.mul_(3)                     # nothing requires grad: allowed in grad mode
        (base * x).sum().backward()
        return [x.grad, base]

    return [sigmoid_, mask, setitem_tensor, setitem_into_plain, chain, slice_of_written_base,
            view_of_zeroed_base, view_of_view, base_written_without_grad, column_times_3,
            slice_add_, transposed_row_mul_, plain_base_takes_grad, detached_view_takes_grad,
            detached_view_of_leaf, view_and_write_both_in_no_grad, no_grad_view_of_plain_base]


_INPLACE_PROGRAMS = ['sigmoid_', 'mask', 'setitem_tensor', 'setitem_plain', 'chain',
                     'slice_of_written_base', 'view_of_zeroed_base', 'view_of_view',
                     'base_written_without_grad', 'column_times_3', 'slice_add_',
                     'transposed_row_mul_', 'plain_base_takes_grad', 'detached_view_takes_grad',
                     'detached_view_of_leaf', 'view_and_write_both_in_no_grad',
                     'no_grad_view_of_plain_base']


@pytest.mark.parametrize('index', range(len(_INPLACE_PROGRAMS)), ids=_INPLACE_PROGRAMS)
def test_inplace_on_non_leaf_matches_torch(torch, index):
    x0 = np.array([0.3, -1.2, 0.9, 1.6])
    ours = _inplace_programs(microtorch)[index](x0)
    theirs = _inplace_programs(torch)[index](x0)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(host(a), b.numpy(), rtol=1e-12, atol=1e-14)


def test_inplace_analytic_values(device):
    x = T([0.3, -1.2, 0.9, 1.6], device, requires_grad=True)
    y = x * x
    y[y > 1] = 0
    y.sum().backward()
    close(x.grad, [0.6, 0.0, 1.8, 0.0])

    x.grad = None
    z = T(0.5, device, requires_grad=True)
    y = x * 3
    y[0] = z
    (y * T([1.0, 2.0, 3.0, 4.0], device)).sum().backward()
    close(z.grad, 1.0)
    close(x.grad, [0.0, 6.0, 9.0, 12.0])

    x.grad = None
    y = x * 2
    y.sigmoid_()
    y.sum().backward()
    s = 1 / (1 + np.exp(-2 * np.array([0.3, -1.2, 0.9, 1.6])))
    close(x.grad, 2 * s * (1 - s))


def test_inplace_on_a_view_rewrites_its_base(device):
    x = T([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], device, requires_grad=True)
    y = x.reshape(2, 3) * 2
    y[:, 1] *= 3                                # a view of y: y's graph takes the write
    y.t()[2].add_(x[:2])
    close(y, [[2.0, 12.0, 7.0], [8.0, 30.0, 14.0]])
    (y * y).sum().backward()
    # d/dx of sum(y^2): 2y * dy/dx through every path
    close(x.grad, [4 * 2 + 2 * 7, 2 * 12 * 6 + 2 * 14, 4 * 7,
                   4 * 8, 2 * 30 * 6, 4 * 14])


def test_inplace_on_a_view_of_a_base_in_any_layout():
    # The base's memory order is not C's: the view's elements are found by their place in it.
    data = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    x = microtorch.from_numpy(data).requires_grad_()
    y = x * 1
    assert not y._data.flags.c_contiguous
    y[:, 1:].mul_(x[:, :2])
    (y * y).sum().backward()
    close(y, [[0.0, 0.0, 2.0], [3.0, 12.0, 20.0]])
    close(x.grad, [[0.0, 8.0, 4.0], [102.0, 272.0, 160.0]])


def test_modifying_a_saved_input_raises_at_backward(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    a = x * 2
    b = a.sin()                 # saves a
    a.mul_(3)
    with pytest.raises(RuntimeError, match=MODIFIED_INPLACE):
        b.sum().backward()


def test_modifying_a_saved_output_raises_at_backward(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = x.exp()                 # saves its output
    y.add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED_INPLACE + r'.*version 1; expected version 0'):
        y.sum().backward()


def test_modifying_a_saved_leaf_under_no_grad_raises_at_backward(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = (x * x).sum()
    with microtorch.no_grad():
        x.add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED_INPLACE):
        y.backward()


def test_version_error_message_matches_torch(torch):
    messages = []
    for lib in (microtorch, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.add_(1)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        messages.append(str(info.value).replace('torch.', 'microtorch.', 1)
                        if lib is torch else str(info.value))
    assert messages[0].split('Hint')[0] == messages[1].split('Hint')[0]


def test_data_writes_bump_no_version(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = (x * x).sum()
    x.data.mul_(2)              # invisible to autograd, as in PyTorch
    assert x._version == 0
    y.backward()
    close(x.grad, [4.0, 8.0])   # uses the (modified) storage


@pytest.mark.parametrize('create_graph', [False, True])
def test_setting_data_between_forward_and_backward_reads_the_new_data(device, create_graph):
    """As in PyTorch: `w.data = v` swaps w's storage, and backward reads a saved w through w,
    so it sees v (x.grad = v here). A module's .double() swaps its parameters' storage too."""
    w = T([1.0, 2.0], device, requires_grad=True)
    x = T([3.0, 4.0], device, requires_grad=True)
    loss = (x * w).sum()
    w.data = T([5.0, 6.0], device)
    loss.backward(create_graph=create_graph)
    close(x.grad, [5.0, 6.0])
    close(w.grad, [3.0, 4.0])

    layer = microtorch.nn.Linear(2, 1, bias=False).to(device).double()
    x = T([[3.0, 4.0]], device, requires_grad=True)
    out = layer(x).sum()
    layer.weight.data = T([[7.0, 8.0]], device)
    out.backward()
    close(x.grad, [[7.0, 8.0]])
    x.grad = None
    out = layer(x).sum()                         # recorded after the swap: read as saved
    out.backward()
    close(x.grad, [[7.0, 8.0]])


def test_setting_data_is_what_pytorch_does(torch):
    results = []
    for lib in (microtorch, torch):
        w = lib.tensor([1.0], requires_grad=True)
        x = lib.tensor([2.0], requires_grad=True)
        loss = (x * w).sum()
        w.data = lib.tensor([5.0])
        loss.backward()
        results.append((x.grad.tolist(), w.grad.tolist()))
    assert results == [([5.0], [2.0])] * 2


# ---- custom Functions, gradcheck and gradgradcheck ---------------------------------------

class _Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        return 2 * x * gy


class _WrongSin(Function):
    """sin with a gradient that is wrong at element 2 only."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, gy):
        x, = ctx.saved_tensors
        bump = microtorch.zeros_like(x)
        bump[2] = 0.5
        return gy * x.cos() + bump * gy


class _ScaleBy(Function):
    """x * s with s a second tensor input; records what it is told about its inputs."""
    seen = []

    @staticmethod
    def forward(ctx, x, s):
        _ScaleBy.seen.append(('forward', tuple(ctx.needs_input_grad)))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, gy):
        _ScaleBy.seen.append(('backward', tuple(ctx.needs_input_grad)))
        x, s = ctx.saved_tensors
        return (gy * s if ctx.needs_input_grad[0] else None,
                gy * x if ctx.needs_input_grad[1] else None)


def test_custom_function_like_torch(device):
    x = T([1.0, -2.0, 3.0], device, requires_grad=True)
    y = _Square.apply(x)
    assert isinstance(y, microtorch.Tensor)
    assert y.requires_grad and type(y.grad_fn).__name__ == '_SquareBackward'
    assert y.grad_fn.name() == '_SquareBackward'
    close(y, [1.0, 4.0, 9.0])
    y.sum().backward()
    close(x.grad, [2.0, -4.0, 6.0])
    with microtorch.no_grad():
        assert _Square.apply(x).grad_fn is None
    assert _Square.apply(T([2.0], device)).grad_fn is None


def test_custom_function_repr_matches_torch(torch):
    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            return gy

    class MyCube(Function):
        @staticmethod
        def forward(ctx, x):
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            return gy

    theirs = repr(Cube.apply(torch.tensor([1.0, 2.0], requires_grad=True)))
    ours = repr(MyCube.apply(microtorch.tensor([1.0, 2.0], requires_grad=True)))
    assert ours == theirs.replace('CubeBackward', 'MyCubeBackward')


def test_custom_function_needs_input_grad(device):
    _ScaleBy.seen.clear()
    x = T([1.0, 2.0], device, requires_grad=True)
    s = T([3.0, 4.0], device)
    y = _ScaleBy.apply(x, s)
    y.sum().backward()
    close(x.grad, [3.0, 4.0])
    assert _ScaleBy.seen == [('forward', (True, False)), ('backward', (True, False))]
    _ScaleBy.seen.clear()
    s.requires_grad_()
    gs, = microtorch.autograd.grad(_ScaleBy.apply(x, s).sum(), s)
    close(gs, [1.0, 2.0])
    assert _ScaleBy.seen == [('forward', (True, True)), ('backward', (True, True))]


def test_custom_function_saved_tensors_freed(device):
    x = T([1.0, 2.0], device, requires_grad=True)
    y = _Square.apply(x * 1.0)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match=TAPE_SECOND_TIME):
        node.saved_tensors


def test_custom_function_double_backward(device):
    x = T([1.0, -2.0], device, requires_grad=True)
    g, = microtorch.autograd.grad(_Square.apply(x).sum(), x, create_graph=True)
    gg, = microtorch.autograd.grad(g.sum(), x)
    close(g, [2.0, -4.0])
    close(gg, [2.0, 2.0])
    assert gradcheck(_Square.apply, (T([0.3, -0.7], device, requires_grad=True),))
    assert gradgradcheck(_Square.apply, (T([0.3, -0.7], device, requires_grad=True),))


def test_gradcheck_passes_on_correct_functions():
    rng = np.random.default_rng(5)
    a = T(rng.standard_normal((3, 4)), requires_grad=True)
    b = T(rng.standard_normal((4,)), requires_grad=True)
    c = T(rng.random((3, 4)) + 0.5, requires_grad=True)
    assert gradcheck(lambda a, b: (a * b).sin() + (a / (b * b + 1)).exp(), (a, b))
    assert gradcheck(lambda a, c: (a @ c.t()).tanh().sum(dim=0) * c.log().mean(), (a, c))
    assert gradcheck(lambda a: microtorch.softmax(a, dim=1), (a,))
    assert gradgradcheck(lambda a, b: (a * b).sin() * a, (a, b))
    assert gradgradcheck(lambda c: c.sqrt() * c.log(), (c,))


def test_gradcheck_fails_on_a_wrong_function_and_names_the_worst_element():
    x = T([0.1, 0.5, -0.4, 1.2], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(_WrongSin.apply, (x,))
    message = str(info.value)
    assert re.search(r'output 0 with respect to input 0', message)
    assert re.search(r'd output\[2\] / d input\[2\]', message), message
    numerical, analytical = re.search(r'numerical ([-\d.e]+), analytical ([-\d.e]+)',
                                      message).groups()
    assert float(numerical) == pytest.approx(math.cos(-0.4), rel=1e-6)
    assert float(analytical) == pytest.approx(math.cos(-0.4) + 0.5, rel=1e-6)
    assert gradcheck(_WrongSin.apply, (x,), raise_exception=False) is False
    assert isinstance(info.value, RuntimeError)


def test_gradcheck_names_the_worst_of_several_wrong_elements():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, gy):
            a, b = ctx.saved_tensors
            bump = microtorch.zeros_like(a)
            bump[1, 0] = 0.01
            bump[0, 2] = 2.0            # the worst
            return gy * b, (a + bump) * gy

    a = T(np.arange(6.0).reshape(2, 3) / 7, requires_grad=True)
    b = T(np.arange(6.0).reshape(2, 3) / 5 + 1, requires_grad=True)
    assert gradcheck(Wrong.apply, (a, b.detach()))        # the wrong part is not checked
    with pytest.raises(GradcheckError, match=r'with respect to input 1: worst element '
                                             r'd output\[0, 2\] / d input\[0, 2\]'):
        gradcheck(Wrong.apply, (a, b))


def test_gradgradcheck_fails_on_a_wrong_second_derivative():
    class WrongDouble(Function):
        """Right first derivative (3x^2), but its backward is built from detached values,
        so its own derivative is wrong."""
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, gy):
            x, = ctx.saved_tensors
            return gy * (3 * x * x).detach() * 1.0 + 0 * x

    x = T([0.5, -1.0, 2.0], requires_grad=True)
    assert gradcheck(WrongDouble.apply, (x,))
    with pytest.raises(GradcheckError, match='worst element'):
        gradgradcheck(WrongDouble.apply, (x,))


def test_gradcheck_warns_on_float32():
    x = T([0.5, 1.0], dtype=microtorch.float32, requires_grad=True)
    with pytest.warns(UserWarning, match='double precision'):
        gradcheck(lambda t: t * 2, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


# ---- dtype and shape of gradients --------------------------------------------------------

def test_grad_keeps_dtype_of_float64_leaf_in_float32_expression(device, torch):
    results = []
    for lib, dev in ((microtorch, device), (torch, 'cpu')):
        x64 = lib.tensor(2.0, dtype=lib.float64, requires_grad=True, device=dev)
        w32 = lib.tensor([1.0, 2.0, 3.0], requires_grad=True, device=dev)
        y = w32 * x64
        y.sum().backward()
        results.append((str(y.dtype).split('.')[-1], str(x64.grad.dtype).split('.')[-1],
                        str(w32.grad.dtype).split('.')[-1], x64.grad.item(),
                        w32.grad.tolist()))
    assert results[0] == results[1] == ('float32', 'float64', 'float32', 6.0, [2.0] * 3)


def test_grad_dtype_follows_the_leaf(device):
    x32 = T([1.0, 2.0], device, dtype=microtorch.float32, requires_grad=True)
    y64 = T([3.0, 4.0], device, requires_grad=True)
    z = x32 * y64
    assert z.dtype == microtorch.float64
    z.sum().backward()
    assert x32.grad.dtype == microtorch.float32 and y64.grad.dtype == microtorch.float64
    close(x32.grad, [3.0, 4.0])
    h = x32.double() * 2
    h.sum().backward()
    assert x32.grad.dtype == microtorch.float32
    close(x32.grad, [5.0, 6.0])


def test_grad_shape_under_broadcasting(device):
    a = T(np.arange(3.0).reshape(3, 1), device, requires_grad=True)
    b = T(np.arange(4.0).reshape(1, 4), device, requires_grad=True)
    c = T(2.0, device, requires_grad=True)
    d = T(np.ones(4), device, requires_grad=True)
    y = (a * b + c) * d
    assert y.shape == (3, 4)
    y.sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    assert c.grad.shape == () and d.grad.shape == (4,)
    close(a.grad, np.full((3, 1), 6.0))
    close(b.grad, np.full((1, 4), 3.0))
    close(c.grad, 12.0)
    close(d.grad, np.arange(3.0).sum() * np.arange(4.0) + 3 * 2.0)


def test_grad_shape_under_broadcasting_matches_torch(torch):
    rng = np.random.default_rng(6)
    a0, b0 = rng.standard_normal((2, 1, 3)), rng.standard_normal((4, 1))
    results = []
    for lib in (microtorch, torch):
        a = lib.tensor(a0, requires_grad=True)
        b = lib.tensor(b0, requires_grad=True)
        ((a - b) ** 2 / (b * b + 1)).sum().backward()
        results.append((a.grad.numpy(), b.grad.numpy()))
    for ours, theirs in zip(*results):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_plain_backward_makes_tensors_only_for_what_the_user_sees(monkeypatch):
    """backward() passes arrays between nodes (the ops' backward_data): the only Tensors it
    makes are the leaves' .grad (the implicit gradient stays an array); create_graph makes one
    per op."""
    x = microtorch.tensor([0.5, 1.5], requires_grad=True)
    w = microtorch.tensor([2.0, 3.0], requires_grad=True)

    def loss():
        return (((x * w).sigmoid().tanh() - 0.5) ** 2 / 3).exp().mean()

    made = []
    make = microtorch.Tensor._make

    def counting_make(*args, **kwargs):
        made.append(1)
        return make(*args, **kwargs)

    out = loss()
    monkeypatch.setattr(microtorch.Tensor, '_make', staticmethod(counting_make))
    out.backward()
    assert len(made) == 2
    plain = (x.grad.numpy().copy(), w.grad.numpy().copy())
    x.grad = w.grad = None
    out = loss()
    made.clear()
    out.backward(create_graph=True)
    assert len(made) > 10
    np.testing.assert_allclose(x.grad.detach().numpy(), plain[0], rtol=1e-6)
    np.testing.assert_allclose(w.grad.detach().numpy(), plain[1], rtol=1e-6)


def test_plain_backward_hooks_see_tensors_and_replace_the_gradient():
    x = microtorch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(type(g)) or g * 2)
    x.register_hook(lambda g: seen.append(type(g)))
    y.retain_grad()
    y.sum().backward()
    assert seen == [microtorch.Tensor, microtorch.Tensor]
    assert y.grad.tolist() == [2.0, 2.0]          # retain_grad sees the hook's result
    assert x.grad.tolist() == [6.0, 6.0]


def _inference_mode_trace(lib):
    """What grad mode and recording look like in and around inference_mode, each spelling."""
    x = lib.ones(2, requires_grad=True)
    seen = []
    with lib.inference_mode():
        seen.append(((x * 2).requires_grad, lib.is_grad_enabled(),
                     lib.is_inference_mode_enabled()))
        with lib.inference_mode(False):
            seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled(),
                         (x * 2).requires_grad))
    seen.append((lib.is_grad_enabled(), lib.is_inference_mode_enabled()))

    @lib.inference_mode()
    def called(a):
        return (a * 2).requires_grad, lib.is_inference_mode_enabled()

    @lib.inference_mode
    def bare(a):
        return (a * 2).requires_grad, lib.is_inference_mode_enabled()
    seen.append((called(x), bare(x), bare.__name__, lib.is_inference_mode_enabled()))
    with lib.no_grad(), lib.inference_mode(False):
        seen.append(((x * 2).requires_grad, lib.is_grad_enabled()))
    return seen


def test_inference_mode():
    assert _inference_mode_trace(microtorch) == [
        (False, False, True), (True, False, True), (True, False),
        ((False, True), (False, True), 'bare', False), (True, True)]


def test_inference_mode_as_pytorch(torch):
    assert _inference_mode_trace(microtorch) == _inference_mode_trace(torch)


def test_grad_with_batched_grad_outputs():
    """is_grads_batched: one vector-Jacobian product per row of grad_outputs, stacked; the
    graph is kept between rows and freed after the last unless retain_graph."""
    f64 = microtorch.float64
    x = microtorch.tensor([1.0, 2.0, 3.0], dtype=f64, requires_grad=True)
    y = x ** 2
    rows, = microtorch.autograd.grad(y, x, microtorch.eye(3, dtype=f64), is_grads_batched=True)
    assert rows.tolist() == [[2.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 6.0]]
    with pytest.raises(RuntimeError, match='backward through the graph a second time'):
        microtorch.autograd.grad(y, x, microtorch.eye(3, dtype=f64), is_grads_batched=True)
    z = x * 3
    unused = microtorch.ones(3, dtype=f64, requires_grad=True)
    rows, none = microtorch.autograd.grad(z, [x, unused], microtorch.ones(2, 3, dtype=f64),
                                          is_grads_batched=True, allow_unused=True,
                                          create_graph=True)
    assert rows.tolist() == [[3.0] * 3] * 2 and none is None and rows.requires_grad is False


def test_t_and_T_of_a_vector_or_scalar_are_views_as_in_pytorch(torch):
    import warnings
    for shape in ((), (3,)):
        for lib in (microtorch, torch):
            x = lib.ones(shape, requires_grad=True)
            t = x.t()
            assert type(t.grad_fn).__name__ == 'TBackward0' and t._base is x
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')         # PyTorch's .T-on-a-vector deprecation
                T = x.T
            assert type(T.grad_fn).__name__ == 'PermuteBackward0' and T._base is x
            (t.sum() + T.sum()).backward()
            assert x.grad.tolist() == lib.full(shape, 2.0).tolist()
