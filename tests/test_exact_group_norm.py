"""group_norm's CPU numbers are PyTorch's to the bit: the output and the gradients (float32 and
float64, with and without weight and bias, 2-d to 5-d inputs, one group to one per channel,
the Numba kernels on and off, strided inputs)."""
import numpy as np
import pytest

import microtorch
from test_exact_batch_norm import NUMBA_ROUTES, _routing, assert_same_arrays

SHAPES = [(2, 4), (5, 6, 1), (3, 4, 33), (2, 6, 5, 7), (1, 32, 3, 3), (4, 8, 16, 16),
          (2, 12, 100), (2, 40, 9), (3, 48, 2, 2), (2, 6, 2, 3, 4), (2, 16, 4096)]


def _inputs(shape, dtype):
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    dy = rng.standard_normal(shape).astype(dtype)
    weight, bias = (rng.standard_normal(shape[1]).astype(dtype) for _ in range(2))
    return x, dy, weight, bias


def _group_norm(lib, x, groups, weight, bias, dy):
    """(y, the input's gradient, the parameters' gradients). PyTorch's backward fails on a
    bias that needs a gradient without a weight ('tensor does not have a device'), so the
    bias asks for one only with a weight."""
    X = lib.from_numpy(x).requires_grad_()
    W = None if weight is None else lib.tensor(weight, requires_grad=True)
    B = None if bias is None else lib.tensor(bias, requires_grad=W is not None)
    y = lib.nn.functional.group_norm(X, groups, W, B, eps=1e-5)
    inputs = [t for t in (X, W, B) if t is not None and t.requires_grad]
    grads = lib.autograd.grad(y, inputs, lib.tensor(dy))
    return [y.detach().numpy()] + [g.numpy() for g in grads]


def _check(torch, x, groups, weight, bias, dy):
    assert_same_arrays(_group_norm(microtorch, x, groups, weight, bias, dy),
                       _group_norm(torch, x, groups, weight, bias, dy))


@pytest.mark.parametrize('numba', NUMBA_ROUTES)
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', SHAPES)
def test_group_norm_bits(torch, numba, dtype, shape):
    x, dy, weight, bias = _inputs(shape, dtype)
    channels = shape[1]
    with _routing(numba):
        for groups in sorted({1, 2, channels}):
            for w, b in ((None, None), (weight, None), (None, bias), (weight, bias)):
                _check(torch, x, groups, w, b, dy)


def test_group_norm_special_values_bits(torch):
    x, dy, weight, bias = _inputs((2, 4, 9), np.float32)
    x[0, 0, :3] = (np.inf, np.nan, 1e30)            # group 0 of sample 0: nan throughout
    x[1, 2:] = 0.0                                   # a constant group: rstd = 1 / sqrt(eps)
    for groups in (2, 4):
        _check(torch, x, groups, weight, bias, dy)


@pytest.mark.parametrize('layout', ['transposed', 'sliced'])
def test_group_norm_of_a_strided_input_bits(torch, layout):
    # PyTorch's kernel takes a contiguous copy, as here
    x, dy, weight, bias = _inputs((4, 4, 10), np.float32)
    view = (lambda a: a.transpose(1, 0, 2)) if layout == 'transposed' else (lambda a: a[..., ::2])
    _check(torch, view(x), 2, weight, bias, np.ascontiguousarray(view(dy)))


def test_group_norm_bias_gradient_without_a_weight(torch):
    # PyTorch raises here (see _group_norm); dbias does not depend on the weight, so it is
    # PyTorch's dbias with a weight of ones
    x, dy, weight, bias = _inputs((3, 4, 5), np.float32)
    X, B = microtorch.tensor(x), microtorch.tensor(bias, requires_grad=True)
    microtorch.nn.functional.group_norm(X, 2, None, B).backward(microtorch.tensor(dy))
    W, Bt = torch.ones(4, requires_grad=True), torch.tensor(bias, requires_grad=True)
    torch.nn.functional.group_norm(torch.tensor(x), 2, W, Bt).backward(torch.tensor(dy))
    np.testing.assert_array_equal(B.grad.numpy(), Bt.grad.numpy())


def test_group_norm_grad_fn_and_double_backward(torch):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((4, 6, 5)), rng.standard_normal(6)
    results = []
    for lib in (microtorch, torch):
        X, W = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
        y = lib.nn.functional.group_norm(X, 3, W, None)
        assert type(y.grad_fn).__name__ == 'NativeGroupNormBackward0'
        gx, gw = lib.autograd.grad((y * y * y).sum(), (X, W), create_graph=True)
        ggx, ggw = lib.autograd.grad(gx.pow(2).sum() + gw.sum(), (X, W))
        results.append([t.detach().numpy() for t in (gx, gw, ggx, ggw)])
    for a, e in zip(*results):
        np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-11)


def test_group_norm_other_paths_unchanged(torch):
    # float16, empty and channels-last inputs keep the composite (values within rounding)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 5, 3, 4)).astype(np.float32)
    ours = microtorch.nn.functional.group_norm(microtorch.tensor(x).permute(0, 3, 1, 2), 2)
    theirs = torch.nn.functional.group_norm(torch.tensor(x).permute(0, 3, 1, 2), 2)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)
    half = microtorch.nn.functional.group_norm(microtorch.tensor(x[..., 0]).half(), 5)
    assert half.dtype == microtorch.float16
    empty = microtorch.nn.functional.group_norm(microtorch.zeros(0, 4, 5), 2)
    assert tuple(empty.shape) == (0, 4, 5)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_rstd_kernel_keeps_the_numpy_forms_bits(dtype):
    # group_norm's rstd by its kernel (Numba loaded) and by NumPy: negative, -0.0, zero, nan
    # and inf variances, eps 0 too
    pytest.importorskip('numba')
    from microtorch.backends import torch_group_norm
    from microtorch.backends.numba_kernels.group_norm import group_rstd
    rng = np.random.default_rng(5)
    var = np.concatenate([rng.random(40) * 10.0 ** rng.integers(-30, 30, 40),
                          [-1e-7, -0.0, 0.0, np.nan, np.inf, -np.inf]]).astype(dtype)
    bits = f'u{np.dtype(dtype).itemsize}'
    with np.errstate(all='ignore'):
        for eps in (1e-5, 0.0, 0.5):
            np.testing.assert_array_equal(group_rstd(var, eps).view(bits),
                                          torch_group_norm._rstd(var, eps).view(bits))
