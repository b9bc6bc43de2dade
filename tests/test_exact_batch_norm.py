"""batch_norm's CPU numbers are PyTorch's to the bit: the output, the gradients and the running
statistics' update, in training and evaluation (float32 and float64, with and without weight
and bias, (N, C), (N, C, L) and (N, C, H, W) inputs, the Numba kernels on and off)."""
import numpy as np
import pytest

import microtorch
from conftest import MKL_ROUNDS_AS_ON_INTEL
from microtorch.backends import numba_dispatch

SHAPES = [(2, 9), (3, 20), (10, 7), (15, 9), (16, 5), (100, 17), (1000, 3), (1024, 37),
          (257, 64), (4, 3, 1), (5, 2, 3), (8, 6, 17),
          (2, 5, 33), (16, 4, 100), (2, 3, 40000), (4, 3, 5, 7), (3, 4, 14, 14)]


def _batch_norm(lib, x, weight, bias, running, dy, training, momentum):
    X = lib.tensor(x, requires_grad=True)
    params = [None if p is None else lib.tensor(p, requires_grad=True) for p in (weight, bias)]
    stats = [lib.tensor(s) for s in running]
    y = lib.nn.functional.batch_norm(X, *stats, *params, training=training,
                                     momentum=momentum, eps=1e-5)
    y.backward(lib.tensor(dy))
    return ([y.detach().numpy(), X.grad.numpy()] + [s.numpy() for s in stats]
            + [p.grad.numpy() for p in params if p is not None])


def _inputs(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    weight, bias, mean = (rng.standard_normal(shape[1]).astype(dtype) for _ in range(3))
    var = (rng.random(shape[1]) + 0.5).astype(dtype)
    return x, dy, weight, bias, (mean, var)


def _routing(numba):
    """The kernels off, forced parallel, or forced serial (their serial twins: Numba loaded,
    every size below the crossover)."""
    if numba == 'serial':
        pytest.importorskip('numba')
        return numba_dispatch.configure(enabled=True, min_size=1 << 62)
    return numba_dispatch.configure(enabled=numba == 'parallel', min_size=0)


NUMBA_ROUTES = ['off', 'parallel', 'serial']


def assert_same_arrays(ours, theirs):
    """Each of our arrays equals PyTorch's, bit for bit, in its dtype."""
    for a, e in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, e)
        assert a.dtype == e.dtype


def _check(torch, x, weight, bias, running, dy, training, momentum=0.1):
    assert_same_arrays(_batch_norm(microtorch, x, weight, bias, running, dy, training, momentum),
                       _batch_norm(torch, x, weight, bias, running, dy, training, momentum))


@pytest.mark.parametrize('numba', NUMBA_ROUTES)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_batch_norm_bits(torch, numba, dtype, shape):
    x, dy, weight, bias, running = _inputs(shape, dtype)
    with _routing(numba):
        for training in (True, False):
            for w, b in ((None, None), (weight, None), (None, bias), (weight, bias)):
                _check(torch, x, w, b, running, dy, training)


@pytest.mark.parametrize('numba', NUMBA_ROUTES)
@pytest.mark.parametrize('shape', [(100, 17), (1024, 37), (8, 6, 17), (4, 3, 5, 7),
                                   (3, 4, 14, 14), (2, 3, 40000)])
def test_batch_norm_strided_gradient_bits(torch, numba, shape):
    """A gradient that is not contiguous takes PyTorch's generic loop (torch_batch_norm's
    strided_backward): y.sum()'s broadcast ones, and a transposed random gradient."""
    x, dy, weight, bias, running = _inputs(shape, np.float32)
    dy_t = np.ascontiguousarray(np.swapaxes(dy, 0, -1)).swapaxes(0, -1)
    with _routing(numba):
        for training in (True, False):
            for w in (None, weight):
                results = []
                for lib in (microtorch, torch):
                    X = lib.tensor(x, requires_grad=True)
                    W = None if w is None else lib.tensor(w, requires_grad=True)
                    stats = [lib.tensor(s) for s in running]
                    y = lib.nn.functional.batch_norm(X, *stats, W, training=training)
                    y.sum().backward(retain_graph=True)
                    grads = [X.grad.numpy().copy()] + ([] if W is None else [W.grad.numpy().copy()])
                    X.grad = None
                    y.backward(lib.from_numpy(dy_t))
                    results.append(grads + [X.grad.numpy()])
                for a, e in zip(*results):
                    if training or MKL_ROUNDS_AS_ON_INTEL or not isinstance(a, np.ndarray):
                        np.testing.assert_array_equal(a, e)
                    else:    # eval: PyTorch's invstd is at::sqrt's, MKL's, off an ulp there
                        np.testing.assert_allclose(a, e, rtol=2e-6, atol=1e-6)


STRIDED_INPUTS = {
    'reversed': lambda x: np.ascontiguousarray(x.transpose()).transpose(),
    'channels_in_rows': lambda x: np.ascontiguousarray(np.swapaxes(x, 1, -1)).swapaxes(1, -1),
    'every_other': lambda x: np.repeat(x, 2, axis=-1)[..., ::2],
    'batch_inside': lambda x: np.ascontiguousarray(np.swapaxes(x, 0, 1)).swapaxes(0, 1)}


@pytest.mark.parametrize('numba', NUMBA_ROUTES)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', [(300, 7), (8, 5, 300), (4, 3, 5, 7), (2, 3, 6000)])
@pytest.mark.parametrize('layout', STRIDED_INPUTS)
def test_batch_norm_of_a_strided_input_bits(torch, numba, dtype, shape, layout):
    """A non-contiguous input (a BatchNorm1d of (N, L, C).transpose(1, 2)) takes PyTorch's
    generic loop: the mean by its mean, var_sum in float64 in memory order, the running
    statistics in float64, y = ((x - mean) * invstd) * w + b unfused, C-ordered; backward's
    dot product in memory order."""
    x, dy, weight, bias, running = _inputs(shape, dtype)
    strided = STRIDED_INPUTS[layout](x)
    with _routing(numba):
        for training in (True, False):
            for w, b in ((None, None), (weight, bias)):
                results = []
                for lib in (microtorch, torch):
                    view = lib.from_numpy(strided).requires_grad_()
                    params = [None if p is None else lib.tensor(p, requires_grad=True)
                              for p in (w, b)]
                    stats = [lib.tensor(s) for s in running]
                    y = lib.nn.functional.batch_norm(view, *stats, *params, training=training)
                    y.backward(lib.tensor(dy))
                    results.append([y.detach().numpy(), view.grad.numpy(), y.stride()]
                                   + [s.numpy() for s in stats]
                                   + [p.grad.numpy() for p in params if p is not None])
                for a, e in zip(*results):
                    if training or MKL_ROUNDS_AS_ON_INTEL or not isinstance(a, np.ndarray):
                        np.testing.assert_array_equal(a, e)
                    else:    # eval: PyTorch's invstd is at::sqrt's, MKL's, off an ulp there
                        np.testing.assert_allclose(a, e, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_batch_norm_momentum_and_no_running_stats(torch, dtype):
    x, dy, weight, bias, running = _inputs((6, 5, 9), dtype)
    for momentum in (0.0, 0.01, 0.3, 1.0):
        _check(torch, x, weight, bias, running, dy, True, momentum)
    ours = microtorch.nn.functional.batch_norm(microtorch.tensor(x), None, None, training=True)
    theirs = torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_batch_norm_modules(torch):
    rng = np.random.default_rng(0)
    for dims, shape in ((1, (8, 6)), (1, (8, 6, 11)), (2, (4, 6, 5, 7))):
        x = rng.standard_normal(shape).astype(np.float32)
        ours = getattr(microtorch.nn, f'BatchNorm{dims}d')(6)
        theirs = getattr(torch.nn, f'BatchNorm{dims}d')(6)
        for _ in range(3):                                  # the running stats compound
            y1, y2 = ours(microtorch.tensor(x)), theirs(torch.tensor(x))
            y1.sum().backward()
            y2.sum().backward()
            np.testing.assert_array_equal(y1.detach().numpy(), y2.detach().numpy())
        for name in ('running_mean', 'running_var'):
            np.testing.assert_array_equal(getattr(ours, name).numpy(),
                                          getattr(theirs, name).numpy())
        np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())
        ours.eval()
        theirs.eval()
        np.testing.assert_array_equal(ours(microtorch.tensor(x)).detach().numpy(),
                                      theirs(torch.tensor(x)).detach().numpy())


def test_batch_norm_grad_fn_and_double_backward(torch):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 5))
    for training in (True, False):
        results = []
        for lib in (microtorch, torch):
            X = lib.tensor(x, requires_grad=True)
            W = lib.tensor(rng.standard_normal(3) if lib is microtorch else results[0][2],
                           requires_grad=True)
            y = lib.nn.functional.batch_norm(X, lib.zeros(3, dtype=lib.float64),
                                             lib.ones(3, dtype=lib.float64), W, None, training)
            assert type(y.grad_fn).__name__ == 'NativeBatchNormBackward0'
            (gx,) = lib.autograd.grad((y * y).sum(), X, create_graph=True)
            (ggx,) = lib.autograd.grad(gx.pow(2).sum(), X)
            results.append((gx.detach().numpy(), ggx.numpy(), W.detach().numpy()))
        np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-7, atol=1e-10)


def test_batch_norm_other_paths_unchanged(torch):
    # float16, empty and channels-last inputs keep the composite path (values within rounding)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 4, 5, 3)).astype(np.float32)
    ours = microtorch.nn.functional.batch_norm(microtorch.tensor(x).permute(0, 3, 1, 2), None,
                                               None, training=True)
    theirs = torch.nn.functional.batch_norm(torch.tensor(x).permute(0, 3, 1, 2), None, None,
                                            training=True)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)
    x = x[..., 0]
    half = microtorch.nn.functional.batch_norm(microtorch.tensor(x).half(), None, None,
                                               training=True)
    assert half.dtype == microtorch.float16
    empty = microtorch.nn.functional.batch_norm(microtorch.zeros(0, 4, 5), microtorch.zeros(4),
                                                microtorch.ones(4))
    assert tuple(empty.shape) == (0, 4, 5)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('layout', ['contiguous'] + list(STRIDED_INPUTS))
def test_instance_norm_bits(torch, dtype, layout):
    """instance_norm is PyTorch's fold: a contiguous copy of the input as one batch of N * C
    channels, weight, bias and running statistics repeated N times into batch_norm."""
    x, dy, weight, bias, (mean, var) = _inputs((2, 3, 40), dtype)
    x = x if layout == 'contiguous' else STRIDED_INPUTS[layout](x)
    for use_input_stats in (True, False):
        results = []
        for lib in (microtorch, torch):
            X = lib.from_numpy(x).requires_grad_()
            W, B = (lib.tensor(p, requires_grad=True) for p in (weight, bias))
            stats = [lib.tensor(s) for s in (mean, var)]
            y = lib.nn.functional.instance_norm(X, *stats, W, B, use_input_stats)
            grads = lib.autograd.grad(y, (X, W, B), lib.tensor(dy))
            results.append([y.detach().numpy()] + [g.numpy() for g in grads]
                           + [s.numpy() for s in stats])
        for a, e in zip(*results):
            np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_row_kernels_keep_the_numpy_forms_bits(dtype):
    # save_invstd's kernel and the rows' one-pass affine (alpha, beta and y in one kernel)
    # against the NumPy forms they replace once Numba is loaded: eps 0 with zero variances,
    # nan and inf, weight and bias each given or None.
    pytest.importorskip('numba')
    from microtorch.backends import torch_batch_norm as bn
    kernels = numba_dispatch._kernel_module('batch_norm')
    bits = f'u{np.dtype(dtype).itemsize}'
    rng = np.random.default_rng(3)
    var_sum = np.concatenate([rng.random(29) * 10.0 ** rng.integers(-30, 30, 29),
                              [0.0, np.inf, np.nan]]).astype(dtype)
    for eps in (1e-5, 0.0, 0.1):
        with numba_dispatch.configure(enabled=False):
            expected = bn.save_invstd(var_sum, 7, eps)
        np.testing.assert_array_equal(kernels.save_invstd(var_sum, 7, eps).view(bits),
                                      expected.view(bits))
    x = (rng.standard_normal((13, 32)) * 3).astype(dtype)
    x[0, :3] = np.nan, np.inf, -0.0
    mean, invstd, weight, bias = (rng.standard_normal(32).astype(dtype) for _ in range(4))
    for w in (weight, None):
        for b in (bias, None):
            with numba_dispatch.configure(enabled=False):
                expected = bn.forward(x[:, :, None], mean, invstd, w, b)[:, :, 0]
            got = kernels.affine_rows(x, mean, invstd, w, b)
            np.testing.assert_array_equal(got.view(bits), expected.view(bits))
