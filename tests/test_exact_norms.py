"""layer_norm's CPU numbers are PyTorch's to the bit, forward and gradients (float32 and
float64, with and without weight and bias, the Numba kernels on and off)."""
import numpy as np
import pytest

import microtorch
import microtorch.nn.functional as F
from microtorch.backends import exact_sum, numba_dispatch

SHAPES = [(1, 1), (3, 2), (7, 5), (9, 17), (33, 100), (4, 1000), (2, 40000), (64, 3),
          (5, 33), (2, 3, 8), (4, 2, 3, 5)]


def _kernels(which):
    """The routing for 'numpy' (Numba off), 'parallel' (every size through the parallel
    kernels) or 'serial' (Numba loaded, the default sizes: small arrays take the kernels'
    serial twins)."""
    if which == 'serial':
        pytest.importorskip('numba')
        exact_sum.numba_module('exact_sum')
        return numba_dispatch.configure(enabled=True, min_size=1 << 40)
    return numba_dispatch.configure(enabled=which == 'parallel', min_size=0)


def _layer_norm(lib, x, k, weight, bias, dy):
    X = lib.tensor(x, requires_grad=True)
    params = [None if p is None else lib.tensor(p, requires_grad=True) for p in (weight, bias)]
    y = lib.nn.functional.layer_norm(X, x.shape[x.ndim - k:], *params, eps=1e-5)
    y.backward(lib.tensor(dy))
    return [y.detach().numpy(), X.grad.numpy()] + [p.grad.numpy() for p in params
                                                   if p is not None]


@pytest.mark.parametrize('kernels', ['numpy', 'parallel', 'serial'])
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_layer_norm_bits(torch, kernels, dtype, shape):
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    k = 1 if len(shape) < 3 else 2
    normalized = shape[len(shape) - k:]
    weight = rng.standard_normal(normalized).astype(dtype)
    bias = rng.standard_normal(normalized).astype(dtype)
    with _kernels(kernels):
        for w, b in ((None, None), (weight, None), (None, bias), (weight, bias)):
            ours = _layer_norm(microtorch, x, k, w, b, dy)
            theirs = _layer_norm(torch, x, k, w, b, dy)
            for a, e in zip(ours, theirs):
                np.testing.assert_array_equal(a, e)
                assert a.dtype == e.dtype


def test_layer_norm_special_values(torch):
    x = np.array([[0., 0., 0., 0.], [1e30, -1e30, 1., 2.], [np.inf, 1., 2., 3.],
                  [np.nan, 1., 2., 3.], [1., 1., 1., 1.]], np.float32)
    ours = F.layer_norm(microtorch.tensor(x), (4,)).numpy()
    theirs = torch.nn.functional.layer_norm(torch.tensor(x), (4,)).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_layer_norm_names_and_double_backward(torch):
    x = microtorch.randn(3, 5, requires_grad=True)
    w = microtorch.randn(5, requires_grad=True)
    y = F.layer_norm(x, (5,), w)
    assert type(y.grad_fn).__name__ == 'NativeLayerNormBackward0'
    gx, = microtorch.autograd.grad((y * y).sum(), x, create_graph=True)
    gx.sum().backward()                  # differentiable: the create_graph path
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (5,), tw)
    tgx, = torch.autograd.grad((ty * ty).sum(), tx, create_graph=True)
    tgx.sum().backward()
    np.testing.assert_allclose(gx.detach().numpy(), tgx.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize('kernels', ['numpy', 'parallel', 'serial'])
def test_layer_norm_sum_gradient_bits(torch, kernels):
    """y.sum()'s gradient reaches the backward as one value broadcast (zero strides)."""
    x = (np.random.default_rng(5).standard_normal((64, 520)) * 2).astype(np.float32)
    weight = np.linspace(0.5, 1.5, 520, dtype=np.float32)
    results = []
    for lib in (microtorch, torch):
        X, W, B = (lib.tensor(a, requires_grad=True) for a in (x, weight, -weight))
        with _kernels(kernels):
            y = lib.nn.functional.layer_norm(X, (520,), W, B)
            (y.sum() * 3).backward()
        results.append([y.detach().numpy(), X.grad.numpy(), W.grad.numpy(), B.grad.numpy()])
    for a, e in zip(*results):
        np.testing.assert_array_equal(a, e)


def test_small_norms_load_the_kernels_and_small_sums_do_not(monkeypatch):
    # As in a process that has loaded no kernels yet: a sum below NUMBA_FROM stays NumPy's,
    # the norms' rows (whose NumPy forms emulate fused multiply-adds, 20-50x the kernels'
    # time) load them at any size, and once any kernel module is loaded every sum takes them.
    from microtorch.backends import torch_norms
    monkeypatch.setattr(exact_sum, '_loaded', [])
    monkeypatch.setattr(numba_dispatch, 'kernels_loaded', lambda: False)
    rows = np.ones((8, 32), np.float32)
    with numba_dispatch.configure(enabled=True):
        assert not exact_sum.use_numba(rows.size)
        assert exact_sum.use_numba(exact_sum.NUMBA_FROM)
        assert torch_norms._rows_kernel_takes(rows)
        monkeypatch.setattr(numba_dispatch, 'kernels_loaded', lambda: True)
        assert exact_sum.use_numba(rows.size)
    with numba_dispatch.configure(enabled=False):
        assert not torch_norms._rows_kernel_takes(rows)
        assert not exact_sum.use_numba(rows.size)
