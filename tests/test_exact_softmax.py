"""softmax, log_softmax and cross_entropy of float32 CPU tensors against PyTorch, bit for bit,
forward and gradient (backends/torch_softmax.py: PyTorch's reduce_all over vector lanes,
SLEEF's expf and logf, glibc's expf in the scalar tails), over the last dim and the others,
with the Numba kernels on (from any size) and off."""
import numpy as np
import pytest

import microtorch
from conftest import MKL_ROUNDS_AS_ON_INTEL
import microtorch.nn.functional as F
from microtorch.backends import torch_softmax

from test_exact_losses import same_bits  # the same comparison

COLUMNS = [1, 5, 8, 15, 16, 17, 33, 100, 1000, 40000]
REDUCTIONS = ['mean', 'sum', 'none']


def check(torch, name, x, dim, rng):
    """microtorch's and PyTorch's name(x, dim) and its gradient for a random gy."""
    gy = rng.standard_normal(x.shape).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    mx = microtorch.tensor(x, requires_grad=True)
    ty, my = getattr(torch, name)(tx, dim), getattr(microtorch, name)(mx, dim)
    ty.backward(torch.tensor(gy))
    my.backward(microtorch.tensor(gy))
    assert same_bits(my.detach().numpy(), ty.detach().numpy()), (name, x.shape, dim)
    assert same_bits(mx.grad.numpy(), tx.grad.numpy()), (name, x.shape, dim, 'grad')


@pytest.mark.parametrize('name', ['softmax', 'log_softmax'])
def test_last_dim(torch, kernels, rng, name):
    for cols in COLUMNS:
        rows = max(1, min(7, 100000 // cols))
        x = (rng.standard_normal((rows, cols)) * 3).astype(np.float32)
        check(torch, name, x, -1, rng)
    check(torch, name, np.float32(rng.standard_normal(17)), 0, rng)          # 1-D
    check(torch, name, np.asarray(np.float32(1.5)), 0, rng)                   # 0-D


@pytest.mark.parametrize('name', ['softmax', 'log_softmax'])
@pytest.mark.parametrize('shape, dim', [((4, 10), 0), ((32, 17), 0), ((3, 1000), 0),
                                        ((5, 3, 37), 0), ((5, 3, 37), 1), ((2, 3, 4, 5), 1),
                                        ((2, 3, 4, 5), 2), ((4, 10, 1), 1), ((40000, 3), 0),
                                        ((7, 33, 40), 1)])
def test_other_dims(torch, kernels, threads, rng, name, shape, dim):
    # softmax's forward splits its columns by the thread count, which decides their code
    x = (rng.standard_normal(shape) * 3).astype(np.float32)
    check(torch, name, x, dim, rng)


@pytest.mark.parametrize('name', ['softmax', 'log_softmax'])
@pytest.mark.parametrize('dim', [-1, 0])
def test_special_values(torch, kernels, rng, name, dim):
    specials = np.float32([np.inf, -np.inf, np.nan, 1e30, -1e30, 88.0, -104.0, 0.0, -0.0])
    for cols in (3, 17, 40):
        x = (rng.standard_normal((40, cols)) * 3).astype(np.float32)
        x.reshape(-1)[rng.integers(0, x.size, x.size // 5)] = rng.choice(specials, x.size // 5)
        x[0] = -np.inf                                   # a row of -inf: nan, as PyTorch's
        check(torch, name, x, dim, rng)
    check(torch, name, np.float32([[1e-45, 3e38, -3e38, 100.0, -100.0]]), dim, rng)


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('weighted', [False, True])
def test_cross_entropy(torch, kernels, rng, reduction, weighted):
    for shape in [(1, 5), (4, 10), (32, 17), (3, 1000), (7, 40000), (20, 7), (6, 5, 9)]:
        n, c = shape[:2]
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        target = rng.integers(0, c, (n,) + shape[2:])
        target.reshape(-1)[rng.random(target.size) < 0.2] = -100        # some ignored
        weight = rng.random(c).astype(np.float32) + 0.5 if weighted else None
        tx = torch.tensor(x, requires_grad=True)
        mx = microtorch.tensor(x, requires_grad=True)
        ty = torch.nn.functional.cross_entropy(
            tx, torch.tensor(target), None if weight is None else torch.tensor(weight),
            reduction=reduction)
        my = F.cross_entropy(mx, microtorch.tensor(target),
                             None if weight is None else microtorch.tensor(weight),
                             reduction=reduction)
        gy = rng.standard_normal(ty.shape).astype(np.float32) if reduction == 'none' \
            else np.float32(0.7)
        ty.backward(torch.tensor(gy))
        my.backward(microtorch.tensor(gy))
        assert same_bits(my.detach().numpy(), ty.detach().numpy()), shape
        assert same_bits(mx.grad.numpy(), tx.grad.numpy()), (shape, 'grad')


def test_cross_entropy_all_ignored(torch, kernels):
    x = np.float32([[1.0, 2.0, 3.0]] * 3)
    target = np.array([-100] * 3)
    ty = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(target))
    my = F.cross_entropy(microtorch.tensor(x), microtorch.tensor(target))
    assert np.isnan(my.item()) and np.isnan(ty.item())


@pytest.mark.parametrize('width', [8, 16])
def test_numpy_twins_match_numba(rng, width):
    """Under AVX2's width (8) too, which no machine here checks against PyTorch: the NumPy
    and Numba kernels agree, so MICROTORCH_NUMBA=0 gives the same bits on either build."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    saved = list(torch_softmax._width)
    torch_softmax._width[:] = [width]
    try:
        for shape, dim in [((9, 7), -1), ((9, 45), -1), ((3, 1000), -1), ((30, 21), 0),
                           ((4, 9, 11), 1)]:
            x = (rng.standard_normal(shape) * 3).astype(np.float32)
            gy = rng.standard_normal(shape).astype(np.float32)
            target = rng.integers(0, shape[1], shape[0])
            target[1] = -100
            results = []
            for enabled in (False, True):
                with numba_dispatch.configure(enabled=enabled, min_size=0):
                    results.append([torch_softmax.softmax(x, dim),
                                    torch_softmax.log_softmax(x, dim),
                                    torch_softmax.softmax_backward(x, gy, dim),
                                    torch_softmax.log_softmax_backward(x, gy, dim)])
                    if x.ndim == 2 and dim == -1:       # cross_entropy's fused rows kernel
                        weight = np.linspace(0.5, 2, shape[1], dtype=np.float32)
                        for w in (None, weight):      # and its forward's
                            results[-1] += [
                                torch_softmax.cross_entropy_forward(x, target, 'none', w, -100),
                                torch_softmax.cross_entropy_backward(
                                    x, target, np.float32(0.7), 'mean', w, -100),
                                torch_softmax.cross_entropy_backward(
                                    x, target, gy[:, 0], 'none', w, -100)]
                            # the forward keeping log_softmax(x), the backward taking it
                            loss, log_probs = torch_softmax.cross_entropy_forward(
                                x, target, 'sum', w, -100, keep_log_probs=True)
                            assert same_bits(log_probs, torch_softmax.log_softmax(x, 1))
                            results[-1] += [loss, torch_softmax.cross_entropy_backward(
                                x, target, np.float32(0.7), 'sum', w, -100, log_probs)]
            for a, b in zip(*results):
                assert same_bits(a, b), (shape, dim)
    finally:
        torch_softmax._width[:] = saved


def test_declines_other_dtypes():
    x = np.zeros((2, 3))
    assert torch_softmax.softmax(x, 1) is None
    assert torch_softmax.log_softmax_backward(x, x, 1) is None
    assert torch_softmax.softmax(np.zeros((0, 3), np.float32), 1) is None


def test_logsumexp_rows_kernel_gives_the_numpy_exps(kernels):
    """logsumexp's exps over rows: the Numba kernel's own float64 exp, rounded to float32, is
    NumPy's to the bit, across float32's range (beyond it 0 and inf), infinities and nan."""
    grid = np.concatenate([np.linspace(-110, 95, 400_400), -np.logspace(-30, 2, 20_020),
                           np.logspace(-30, 1.95, 20_020)]).astype(np.float32)
    x = grid.reshape(-1, 1001)          # 440 rows
    x[0, :6] = [-np.inf, np.inf, np.nan, 0, -0.0, 88.72]
    shift = np.max(x, axis=1)
    shift[::3] = 0
    shift[1] = np.nan
    out = np.empty_like(x)
    with np.errstate(all='ignore'):
        torch_softmax._run('rows_shifted_exp', x.size, x, shift, out)
        want = np.exp((x - shift[:, None]).astype(np.float64)).astype(np.float32)
    assert same_bits(out, want)


# a column of -inf alone: 0 / 0 in the softmax form of the gradient (nan, as PyTorch's)
@pytest.mark.filterwarnings('ignore:invalid value encountered:RuntimeWarning')
@pytest.mark.parametrize('dim, keepdim', [(-1, False), (0, True), ((0, 1), False)])
def test_logsumexp_near_pytorch(torch, kernels, rng, dim, keepdim):
    """PyTorch's steps with correctly rounded exp and log for MKL's (unpublished) ones: mostly
    the same bits, else an ulp of exp apart (more ulps of a logsumexp near 0)."""
    for shape in [(1, 5), (4, 10), (32, 17), (3, 1000), (7, 4000)]:
        x = (rng.standard_normal(shape) * 3).astype(np.float32)
        x[0, 0] = -np.inf
        tx = torch.tensor(x, requires_grad=True)
        mx = microtorch.tensor(x, requires_grad=True)
        ty, my = tx.logsumexp(dim, keepdim), mx.logsumexp(dim, keepdim)
        gy = rng.standard_normal(ty.shape).astype(np.float32)
        ty.backward(torch.tensor(gy))
        my.backward(microtorch.tensor(gy))
        for got, want, share in [(my.detach().numpy(), ty.detach().numpy(), 0.99),
                                 (mx.grad.numpy(), tx.grad.numpy(), 0.95)]:
            assert got.shape == want.shape
            nan = np.isnan(want)                   # -inf - -inf: nan in both
            assert (np.isnan(got) == nan).all(), shape
            tolerance = 3e-7
            if not MKL_ROUNDS_AS_ON_INTEL:
                # MKL's log there: 8.5% of results an ulp off, and each moves its gradients
                tolerance = 1e-6
                share = 0.85 if share == 0.99 and got.size >= 100 else 0.0
            np.testing.assert_allclose(got[~nan], want[~nan], rtol=tolerance, atol=tolerance)
            assert np.mean((got == want) | nan) >= share, shape


@pytest.mark.parametrize('bad', [-1, 5])
def test_cross_entropy_target_out_of_range(kernels, bad):
    """A target outside [0, C) that is not ignore_index raises PyTorch's IndexError (the
    rows kernel indexes unchecked); ignored targets (-100) among the others do not."""
    x = microtorch.zeros(3, 5, requires_grad=True)
    F.cross_entropy(x, microtorch.tensor([0, -100, 4])).backward()
    with pytest.raises(IndexError, match=f'^Target {bad} is out of bounds.$'):
        F.cross_entropy(x, microtorch.tensor([0, bad, -100]))
    assert np.array_equal(x.detach().numpy(), np.zeros((3, 5), np.float32))


def test_router_hands_float32_only_where_the_kernels_decline_it():
    """numba_kernels.CPU_FLOAT32: the router skips these kernels for float32 arrays, which
    is only right while each of them declines float32 (returns None) itself."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    from microtorch.backends.numba_kernels import CPU_FLOAT32
    x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8)
    target, gy = np.array([0, 7, 3, 1]), np.array(1, np.float32)
    calls = {'softmax_forward': (x, 1), 'log_softmax_forward': (x, 1),
             'softmax_backward': (x, x, 1), 'log_softmax_backward': (x, x, 1),
             'logsumexp_forward': (x, (1,), False),
             'cross_entropy_backward': (x, target, gy, 'mean', None, -100)}
    assert set(calls) == CPU_FLOAT32
    for name, args in calls.items():
        assert numba_dispatch.kernel(name)(*args) is None, name
        assert numba_dispatch.kernel(name)(*(a.astype(np.float64) if type(a) is np.ndarray
                                           and a.dtype == np.float32 else a
                                           for a in args)) is not None, name


@pytest.mark.filterwarnings('ignore::RuntimeWarning')     # inf - inf, as the loop's
def test_short_nll_sum_is_the_running_sum(rng):
    """Up to 16 samples nll_loss's sum is a float32 running sum (torch_softmax._nll_sum):
    the same bits as the loop, signed zeros, infinities and nans included."""
    specials = np.float32([0.0, -0.0, np.inf, -np.inf, np.nan, 1e38, -1e38, 1e-45])
    for n in range(1, 17):
        for _ in range(40):
            values = rng.standard_normal(n).astype(np.float32) * np.float32(10) ** rng.integers(
                -8, 8, n).astype(np.float32)
            pick = rng.random(n) < 0.3
            values[pick] = rng.choice(specials, pick.sum())
            kept = rng.random(n) < 0.8
            got = torch_softmax._nll_sum(values, kept)
            want = torch_softmax._nll_sum_reference(values, kept)
            assert got.dtype == np.float32
            assert np.array_equal(np.float32(got).view(np.int32), np.float32(want).view(np.int32)) \
                or (np.isnan(got) and np.isnan(want)), (values, kept)
    zeros = np.float32([-0.0] * 5)
    for kept in (np.ones(5, bool), np.array([False, True, True, False, True])):
        assert np.signbit(torch_softmax._nll_sum(zeros, kept)) == \
            np.signbit(torch_softmax._nll_sum_reference(zeros, kept))
