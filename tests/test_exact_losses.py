"""Losses and running sums of float32/float64 CPU tensors against PyTorch, bit for bit, forward
and gradient: nll_loss (its cascade of partial sums, backends/torch_losses.py), the
elementwise losses' reductions and gradients (mse, l1, smooth_l1, huber; binary_cross_entropy's
gradient) and cumsum (accumulated in double for float32), with the Numba kernels on (from any
size) and off."""
import numpy as np
import pytest

import microtorch
import microtorch.nn.functional as F
from microtorch.backends import torch_losses

SIZES = [1, 5, 16, 17, 33, 100, 1000, 40000]
DTYPES = [np.float32, np.float64]
REDUCTIONS = ['mean', 'sum', 'none']


def same_bits(got, want):
    """Equal bits, any NaN equal to any other (a NaN's sign is not compared)."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    got, want = got.reshape(-1), want.reshape(-1)
    nan = np.isnan(got)
    return bool((nan == np.isnan(want)).all()) and \
        got[~nan].tobytes() == want[~nan].tobytes()


def both_ways(torch, t_fn, m_fn, arrays, grads, gy):
    """Run t_fn on torch tensors and m_fn on microtorch ones; the outputs and the gradients of
    the inputs listed in `grads`, as NumPy arrays (torch's first)."""
    ts = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    ms = [microtorch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    ty, my = t_fn(*ts), m_fn(*ms)
    if grads:
        g = gy(ty.shape)
        ty.backward(torch.tensor(g))
        my.backward(microtorch.tensor(g))
    return ([ty.detach().numpy()] + [ts[i].grad.numpy() for i in grads],
            [my.detach().numpy()] + [ms[i].grad.numpy() for i in grads])


def check(torch, t_fn, m_fn, arrays, grads, rng):
    dtype = arrays[0].dtype
    want, got = both_ways(torch, t_fn, m_fn, arrays, grads,
                          lambda shape: rng.standard_normal(shape).astype(dtype))
    for w, g in zip(want, got):
        assert same_bits(g, w)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('name, options', [('mse_loss', {}), ('l1_loss', {}),
                                           ('smooth_l1_loss', {'beta': 0.7}),
                                           ('smooth_l1_loss', {}),
                                           ('huber_loss', {'delta': 0.8}),
                                           ('huber_loss', {})])
def test_distance_losses(torch, kernels, rng, dtype, reduction, name, options):
    for n in SIZES:
        x = rng.standard_normal(n).astype(dtype)
        y = rng.standard_normal(n).astype(dtype)
        check(torch, lambda a, b: getattr(torch.nn.functional, name)(
            a, b, reduction=reduction, **options),
            lambda a, b: getattr(F, name)(a, b, reduction=reduction, **options),
            [x, y], (0, 1), rng)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_distance_losses_2d(torch, kernels, rng, dtype, reduction):
    x = rng.standard_normal((33, 70)).astype(dtype)
    y = rng.standard_normal((33, 70)).astype(dtype)
    for name in ('mse_loss', 'smooth_l1_loss', 'huber_loss'):
        check(torch, lambda a, b: getattr(torch.nn.functional, name)(a, b, reduction=reduction),
              lambda a, b: getattr(F, name)(a, b, reduction=reduction), [x, y], (0, 1), rng)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_binary_cross_entropy_gradient(torch, kernels, rng, dtype, reduction):
    for n in SIZES:
        p = rng.uniform(0.01, 0.99, n).astype(dtype)
        t = rng.uniform(0, 1, n).astype(dtype)
        w = rng.uniform(0.1, 2, n).astype(dtype)
        for weight in (None, w):
            want, got = both_ways(
                torch, lambda a, b: torch.nn.functional.binary_cross_entropy(
                    a, b, None if weight is None else torch.tensor(weight),
                    reduction=reduction),
                lambda a, b: F.binary_cross_entropy(
                    a, b, None if weight is None else microtorch.tensor(weight),
                    reduction=reduction),
                [p, t], (0,), lambda shape: rng.standard_normal(shape).astype(dtype))
            assert same_bits(got[1], want[1])
            if reduction == 'none':      # the forward's logs are std::log's, ours NumPy's
                np.testing.assert_allclose(got[0], want[0], rtol=1e-5)


def _nll_inputs(rng, dtype, shape, ignore_share):
    n, c = shape[0], shape[1]
    logp = rng.standard_normal(shape).astype(dtype)
    target = rng.integers(0, c, (n,) + shape[2:])
    target[rng.random(target.shape) < ignore_share] = -100
    return logp, target, rng.uniform(0.1, 2, c).astype(dtype)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('shape', [(1, 3), (17, 5), (300, 7), (40000, 3), (4, 5, 6, 7),
                                   (3, 4, 50), (2, 3, 4, 5, 6)])
def test_nll_loss(torch, rng, dtype, reduction, shape):
    for ignore_share in (0.0, 0.3):
        logp, target, w = _nll_inputs(rng, dtype, shape, ignore_share)
        for weight in (None, w):
            check(torch, lambda a, t: torch.nn.functional.nll_loss(
                a, t, None if weight is None else torch.tensor(weight), reduction=reduction),
                lambda a, t: F.nll_loss(
                    a, t, None if weight is None else microtorch.tensor(weight),
                    reduction=reduction),
                [logp, target], (0,), rng)


@pytest.mark.parametrize('dtype', DTYPES)
def test_cascade_sum_matches_total_weight(torch, kernels, rng, dtype):
    """The weights' cascade is PyTorch's total_weight (ignored samples flush nothing)."""
    for n in (1, 16, 17, 257, 4097, 70000):
        logp, target, w = _nll_inputs(rng, dtype, (n, 4), 0.3)
        _, total_weight = torch.ops.aten.nll_loss_forward(
            torch.tensor(logp), torch.tensor(target), torch.tensor(w), 1, -100)
        kept = target != -100
        got = torch_losses.cascade_sum(w[np.where(kept, target, 0)], kept)
        assert same_bits(got, total_weight.numpy())


def test_cascade_sum_loop_and_numpy_form_agree(rng):
    """Numba's sample-at-a-time loop and the NumPy form's levels at once: the same bits, with
    ignored samples, nan, infinities and signed zeros, up to 3 levels of flushes."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    for n in (1, 15, 16, 17, 256, 4097, 70000):
        for dtype in DTYPES:
            v = (rng.standard_normal(n) * 10.0 ** rng.uniform(-3, 3, n)).astype(dtype)
            v[rng.integers(0, n, max(1, n // 50))] = rng.choice([np.nan, np.inf, -0.0, 0.0])
            kept = rng.random(n) > 0.2
            sums = []
            for enabled in (False, True):
                with numba_dispatch.configure(enabled=enabled):
                    sums.append(torch_losses.cascade_sum(v, kept))
            assert type(sums[0]) is type(sums[1]) and same_bits(*sums), (n, dtype)


@pytest.mark.parametrize('dtype', DTYPES)
def test_cumsum(torch, kernels, rng, dtype):
    for n in SIZES:
        x = rng.standard_normal(n).astype(dtype)
        check(torch, lambda a: torch.cumsum(a, 0), lambda a: microtorch.cumsum(a, 0), [x],
              (0,), rng)
    x = rng.standard_normal((40, 300)).astype(dtype)
    for dim in (0, 1):
        check(torch, lambda a: torch.cumsum(a, dim), lambda a: microtorch.cumsum(a, dim),
              [x], (0,), rng)


def test_one_element_losses(torch, rng):
    """The hot path: one-element tensors."""
    x = np.array([0.3], np.float32)
    y = np.array([-0.45], np.float32)
    for name in ('mse_loss', 'l1_loss', 'smooth_l1_loss', 'huber_loss'):
        check(torch, getattr(torch.nn.functional, name), getattr(F, name), [x, y], (0, 1),
              rng)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', [32, 37, 3])
def test_smooth_l1_and_huber_gradients_at_the_edges(torch, kernels, rng, dtype, n):
    """Differences of 0 and -0, exactly +-beta (delta), nan and inf, in whole vector blocks,
    with a scalar tail, and all scalar; and broadcast (the scalar formula everywhere)."""
    edges = np.array([0.0, -0.0, 0.7, -0.7, 1.0, -1.0, np.nan, np.inf, -np.inf], dtype)
    x = rng.standard_normal(n).astype(dtype)
    x[:min(n, edges.size)] = edges[:n]
    y = np.zeros(n, dtype)
    for name, options in (('smooth_l1_loss', {'beta': 0.7}), ('smooth_l1_loss', {}),
                          ('huber_loss', {'delta': 0.7})):
        for reduction in ('none', 'mean'):
            for target in (y, y[:1]):
                check(torch, lambda a, b: getattr(torch.nn.functional, name)(
                    a, b, reduction=reduction, **options),
                    lambda a, b: getattr(F, name)(a, b, reduction=reduction, **options),
                    [x, target], (0,), rng)
