"""Numerically stable forms: at |x| = 1e4 in float32 the ops that exponentiate internally
(sigmoid, softplus, logsumexp, log_softmax, binary_cross_entropy_with_logits, cross_entropy)
give finite values and gradients that match float64 references computed stably in NumPy.
A naive form (exp(x) / (1 + exp(x)), log(sum(exp(x)))) overflows at x = 89 in float32."""
import math
import re
import warnings

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn.functional as F
from microtorch.backends import numba_dispatch

BIG = 1e4
# Rows mix huge, moderate and tiny logits, of both signs; row 2 is all huge (shift needed),
# row 3 has the two extremes side by side.
VALUES = np.array([[-BIG, -100.0, -20.5, -1.0, 0.0, 1.0, 20.5],
                   [100.0, BIG - 1, BIG, 3.0, -0.5, 88.8, -88.8],
                   [BIG, BIG, BIG, BIG, BIG, BIG, BIG],
                   [-BIG, BIG, -BIG, BIG, 0.0, -BIG, 1e-3]])


def upstream(shape):
    """The gradient fed to backward: not all ones, so the checks see the whole Jacobian."""
    return np.linspace(-1.0, 2.0, int(np.prod(shape))).reshape(shape)


WEIGHTS = upstream(VALUES.shape)


def _leaf(values, device):
    return mt.tensor(values.astype(np.float32), device=device, requires_grad=True)


def _host(t):
    return t.detach().cpu().numpy()


def _run(f, device):
    """f(x) in float32 on device; returns (f(x), d sum(upstream * f(x)) / dx) in float64."""
    x = _leaf(VALUES, device)
    y = f(x)
    assert y.dtype is mt.float32
    w = mt.tensor(upstream(y.shape), dtype=mt.float32, device=device)
    (y * w).sum().backward()
    out, grad = _host(y).astype(np.float64), _host(x.grad).astype(np.float64)
    assert np.isfinite(out).all(), out
    assert np.isfinite(grad).all(), grad
    return out, grad


def _close(got, want, scale=1.0):
    # float32 keeps ~7 digits: compare relative to the magnitudes involved
    np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6 * scale)


def _sigmoid64(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _log_softmax64(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def test_sigmoid(device):
    out, grad = _run(lambda x: x.sigmoid(), device)
    s = _sigmoid64(VALUES)
    _close(out, s)
    _close(grad, WEIGHTS * s * (1 - s))


@pytest.mark.parametrize('beta', [1.0, 2.0])
def test_softplus(device, beta):
    out, grad = _run(lambda x: F.softplus(x, beta=beta), device)
    z = beta * VALUES
    # PyTorch's rule: x itself above the threshold (20), where the two agree to rounding
    want = np.where(z > 20, VALUES, np.logaddexp(0.0, z) / beta)
    _close(out, want, scale=BIG)
    _close(grad, WEIGHTS * np.where(z > 20, 1.0, _sigmoid64(z)))


@pytest.mark.parametrize('dim', [0, 1])
def test_logsumexp(device, dim):
    out, grad = _run(lambda x: x.logsumexp(dim), device)
    lse = np.logaddexp.reduce(VALUES, axis=dim)
    _close(out, lse, scale=BIG)
    w = np.expand_dims(upstream(lse.shape), dim)
    _close(grad, w * np.exp(VALUES - np.expand_dims(lse, dim)))


@pytest.mark.parametrize('dim', [0, 1])
def test_log_softmax(device, dim):
    out, grad = _run(lambda x: x.log_softmax(dim), device)
    want = _log_softmax64(VALUES, dim)
    _close(out, want, scale=BIG)
    p = np.exp(want)
    _close(grad, WEIGHTS - p * WEIGHTS.sum(axis=dim, keepdims=True), scale=10)


def test_softmax(device):
    out, grad = _run(lambda x: x.softmax(1), device)
    p = np.exp(_log_softmax64(VALUES, 1))
    _close(out, p)
    _close(grad, p * (WEIGHTS - (p * WEIGHTS).sum(axis=1, keepdims=True)))


@pytest.mark.parametrize('pos_weight', [None, 3.0])
@pytest.mark.parametrize('reduction', ['mean', 'none'])
def test_binary_cross_entropy_with_logits(device, pos_weight, reduction):
    target = np.linspace(0.0, 1.0, VALUES.size).reshape(VALUES.shape)
    y = mt.tensor(target, dtype=mt.float32, device=device)
    pw = None if pos_weight is None else mt.full((VALUES.shape[1],), pos_weight,
                                                 device=device)
    out, grad = _run(lambda x: F.binary_cross_entropy_with_logits(
        x, y, pos_weight=pw, reduction=reduction), device)
    pw64 = 1.0 if pos_weight is None else pos_weight
    # (1 - y) x + (1 + (pw - 1) y) softplus(-x), softplus(-x) = logaddexp(0, -x)
    loss = (1 - target) * VALUES + (1 + (pw64 - 1) * target) * np.logaddexp(0.0, -VALUES)
    dloss = (1 + (pw64 - 1) * target) * _sigmoid64(VALUES) - pw64 * target
    if reduction == 'mean':
        _close(out, loss.mean(), scale=BIG)
        _close(grad, upstream(()) * dloss / VALUES.size)
    else:
        _close(out, loss, scale=BIG)
        _close(grad, WEIGHTS * dloss, scale=10)


@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_cross_entropy(device, reduction):
    target = np.array([0, 2, 4, 1])
    t = mt.tensor(target, device=device)
    out, grad = _run(lambda x: F.cross_entropy(x, t, reduction=reduction), device)
    logp = _log_softmax64(VALUES, 1)
    picked = -logp[np.arange(4), target]
    onehot = np.eye(VALUES.shape[1])[target]
    dlogits = np.exp(logp) - onehot
    if reduction == 'none':
        _close(out, picked, scale=BIG)
        _close(grad, upstream(picked.shape)[:, None] * dlogits)
    else:
        n = 4 if reduction == 'mean' else 1
        _close(out, picked.sum() / n, scale=BIG)
        _close(grad, upstream(()) * dlogits / n)


SECOND = {
    'sigmoid': lambda x: x.sigmoid(),
    'softplus': lambda x: F.softplus(x),
    'logsumexp': lambda x: x.logsumexp(1),
    'log_softmax': lambda x: x.log_softmax(1),
    'bce': lambda x: F.binary_cross_entropy_with_logits(x, mt.full_like(x.detach(), 0.25)),
    'cross_entropy': lambda x: F.cross_entropy(x, mt.tensor([0, 2, 4, 1], device=x.device)),
}


@pytest.mark.parametrize('op', sorted(SECOND))
def test_second_derivatives_are_finite(device, op):
    """create_graph through the same ops: the backward ops' own backwards stay finite too."""
    x = _leaf(VALUES, device)
    y = SECOND[op](x)
    w = mt.tensor(upstream(y.shape), dtype=mt.float32, device=device)
    g, = mt.autograd.grad((y * w).sum(), x, create_graph=True)
    (g * mt.tensor(WEIGHTS, dtype=mt.float32, device=device)).sum().backward()
    assert np.isfinite(_host(g)).all()
    assert np.isfinite(_host(x.grad)).all()


# var and std with no degrees of freedom (N - correction <= 0): PyTorch's nan or inf, and its
# gradients - an unsigned inf (nan at the mean) over the whole tensor, the formula's own
# signed or negative factor over given dims.
NO_DOF = [
    ([1.5], 'var', {}),
    ([1.5], 'std', {}),
    (1.5, 'var', {}),
    (1.5, 'std', {'dim': 0}),
    ([[1.0, 2.0, 3.0]], 'var', {'dim': 0}),
    ([[1.0, 2.0, 3.0]], 'std', {'dim': 0, 'keepdim': True}),
    ([], 'var', {}),
    ([], 'std', {'correction': 0}),
    (np.zeros((0, 3)), 'var', {'dim': 0}),
    ([1.0, 2.0], 'var', {'correction': 2}),
    ([1.0, 1.0], 'var', {'correction': 2}),
    ([1.0, 2.0], 'var', {'dim': 0, 'correction': 2}),
    ([1.0, 2.0], 'var', {'dim': 0, 'correction': 3}),
    ([1.0, 5.0], 'std', {'correction': 3}),
    ([1.0, 2.0], 'std', {'dim': 0, 'correction': 3}),
]


@pytest.mark.filterwarnings('ignore::RuntimeWarning')       # NumPy's, on the nans on purpose
@pytest.mark.parametrize('values, op, kwargs', NO_DOF, ids=lambda v: str(v).replace(' ', ''))
def test_var_std_without_degrees_of_freedom(device, torch, values, op, kwargs):
    x = mt.tensor(values, dtype=mt.float64, device=device, requires_grad=True)
    with pytest.warns(UserWarning, match=re.escape(f'{op}(): degrees of freedom is <= 0.')):
        y = getattr(x, op)(**kwargs)
    seed = upstream(tuple(y.shape))
    y.backward(mt.tensor(seed, device=device))
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        want = getattr(t, op)(**kwargs)
    want.backward(torch.tensor(seed))
    np.testing.assert_array_equal(_host(y), want.detach().numpy())
    np.testing.assert_array_equal(_host(x.grad), t.grad.numpy())


# cross_entropy where targets equal ignore_index: PyTorch's loss (nan for 'mean' when every
# target is ignored: 0 / 0) and no gradient from the ignored samples, even then - but nan from
# a sample whose class weight makes the total 0, and with respect to gy.
IGNORED = [
    ((2, 3), [-100, -100], {}),
    ((2, 3), [-100, -100], {'reduction': 'sum'}),
    ((2, 3), [-100, -100], {'reduction': 'none'}),
    ((2, 3), [1, 1], {'ignore_index': 1}),
    ((2, 3), [-100, -100], {'weight': [1.0, 2.0, 3.0]}),
    ((2, 3), [0, -100], {'weight': [0.0, 2.0, 3.0]}),
    ((2, 3), [2, -100], {}),
    ((1, 3, 4), [[-100] * 4], {}),
]


@pytest.mark.filterwarnings('ignore::RuntimeWarning')       # NumPy's, on the nans on purpose
@pytest.mark.parametrize('numba', [False, True], ids=['numpy', 'numba'])
@pytest.mark.parametrize('shape, target, kwargs', IGNORED, ids=lambda v: str(v).replace(' ', ''))
def test_cross_entropy_ignored_targets(device, torch, numba, shape, target, kwargs):
    """Loss, gradient and second derivatives (create_graph) as PyTorch's, on the NumPy and
    the Numba kernels (every size sent to them) and on the device."""
    if numba:
        if device != 'cpu':
            pytest.skip('the Numba kernels are the CPU backend')
        pytest.importorskip('numba')
    x0 = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 4
    ggx = upstream(shape)

    def run(lib, F, dev=None):
        x = lib.tensor(x0, requires_grad=True, device=dev)
        options = {k: lib.tensor(v, dtype=lib.float64, device=dev) if k == 'weight' else v
                   for k, v in kwargs.items()}
        loss = F.cross_entropy(x, lib.tensor(target, device=dev), **options)
        gy = lib.ones_like(loss, requires_grad=True)
        gx, = lib.autograd.grad(loss, x, gy, create_graph=True)
        second = lib.autograd.grad((gx * lib.tensor(ggx, device=dev)).sum(), [x, gy])
        return [loss, gx, *second]

    with numba_dispatch.configure(enabled=numba, min_size=0):
        got = run(mt, F, device)
    want = run(torch, torch.nn.functional)
    for g, w in zip(got, want):
        np.testing.assert_allclose(_host(g), w.detach().numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.filterwarnings('ignore::RuntimeWarning')       # NumPy's, on the nans on purpose
@pytest.mark.parametrize('numba', [False, True], ids=['numpy', 'numba'])
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
def test_cross_entropy_ignored_sample_with_inf_logit(device, torch, numba, reduction):
    """An ignored sample adds nothing to the loss even where its log_softmax is nan (an inf
    logit): PyTorch skips it instead of weighting it by 0. Its gradient row stays nan, as
    PyTorch's (the softmax backward of that row)."""
    if numba:
        if device != 'cpu':
            pytest.skip('the Numba kernels are the CPU backend')
        pytest.importorskip('numba')
    x0 = [[math.inf, 0.0, 1.0], [1.0, 2.0, 3.0]]

    def run(lib, dev=None):
        x = lib.tensor(x0, dtype=lib.float64, requires_grad=True, device=dev)
        loss = lib.nn.functional.cross_entropy(x, lib.tensor([-100, 1], device=dev),
                                               reduction=reduction)
        loss.sum().backward()
        return loss, x.grad

    with numba_dispatch.configure(enabled=numba, min_size=0 if numba else None):
        got = run(mt, device)
    for g, w in zip(got, run(torch)):
        np.testing.assert_allclose(_host(g), w.detach().numpy(), rtol=1e-12)
    assert np.isfinite(_host(got[0])).all()


@pytest.mark.filterwarnings('ignore::RuntimeWarning')       # NumPy's, on the nans on purpose
@pytest.mark.parametrize('base', [-2.0, -2, -math.inf, 0.0, -0.0, 0])
def test_number_to_a_tensor_power_below_zero(device, torch, base):
    """A base below 0 has no real log: PyTorch's d/dx of base ** x is nan there (log(-2) is
    nan), and at base 0, 0 where x >= 0 and -inf * base ** x elsewhere."""
    exponent = [1.0, 2.0, 0.5, 0.0, -1.0]
    x = mt.tensor(exponent, dtype=mt.float64, device=device, requires_grad=True)
    y = base ** x
    y.sum().backward()
    t = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    want = base ** t
    want.sum().backward()
    np.testing.assert_array_equal(_host(y), want.detach().numpy())
    np.testing.assert_array_equal(_host(x.grad), t.grad.numpy())
