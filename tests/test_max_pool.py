"""Max pooling as one op (ops/pooling.py): PyTorch's values and indices (the first of equal
maxima, the last NaN, a window's first element inside the input when it holds nothing but
-inf), the same with the Numba kernel and without, and the gradient twice."""
import itertools

import numpy as np
import pytest

import microtorch as mt
from microtorch.backends import cpu, numba_dispatch

SPATIAL = {1: (9,), 2: (7, 8), 3: (5, 6, 7)}
CASES = [case for case in itertools.product((1, 2, 3), (2, 3), (1, 2), (0, 1), (1, 2),
                                            (False, True))
         if case[3] * 2 <= case[4] * (case[1] - 1) + 1]


def _draw(rng, shape, kind):
    x = rng.standard_normal(shape).astype(np.float32)
    if kind == 'nan':
        x[rng.random(shape) < 0.2] = np.nan
    elif kind == '-inf':
        x[rng.random(shape) < 0.7] = -np.inf
    elif kind == 'ties':
        x = rng.integers(0, 2, shape).astype(np.float32)
    return x


def _pool(lib, dims, x, *args):
    return getattr(lib.nn.functional, f'max_pool{dims}d')(x, *args, return_indices=True)


@pytest.mark.parametrize('kind', ['plain', 'nan', '-inf', 'ties'])
@pytest.mark.parametrize('dims,kernel,stride,padding,dilation,ceil_mode', CASES)
def test_values_indices_and_gradients_are_pytorchs(dims, kernel, stride, padding, dilation,
                                                   ceil_mode, kind):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(kernel * 100 + stride * 10 + dilation)
    x0 = _draw(rng, (2, 3) + SPATIAL[dims], kind)
    args = (kernel, stride, padding, dilation, ceil_mode)
    x = torch.tensor(x0, requires_grad=True)
    values, indices = _pool(torch, dims, x, *args)
    gy = rng.standard_normal(tuple(values.shape)).astype(np.float32)
    values.backward(torch.tensor(gy))
    for forced in (False, True):
        with numba_dispatch.configure(enabled=forced, min_size=0 if forced else None):
            ours = mt.tensor(x0, requires_grad=True)
            got, where = _pool(mt, dims, ours, *args)
            got.backward(mt.tensor(gy))
        np.testing.assert_array_equal(got.detach().numpy(), values.detach().numpy())
        np.testing.assert_array_equal(where.numpy(), indices.numpy())
        np.testing.assert_array_equal(ours.grad.numpy(), x.grad.numpy())
        assert type(got.grad_fn).__name__ == type(values.grad_fn).__name__


@pytest.mark.parametrize('dtype', ['float64', 'int32', 'int64', 'uint8', 'float16'])
def test_the_kernel_and_numpy_agree_on_other_dtypes(dtype):
    rng = np.random.default_rng(4)
    x = rng.integers(0, 4, (3, 2, 9, 8)).astype(dtype)       # many ties; uint8's lowest is 0
    if dtype == 'float64':
        x[0, 0, :3] = np.nan
    args = (x, (3, 2), (2, 1), (1, 1), (1, 2), (5, 7))
    with numba_dispatch.configure(enabled=False):
        want = cpu.max_pool_forward(*args)
    with numba_dispatch.configure(enabled=True, min_size=0):
        got = cpu.max_pool_forward(*args)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_backward_adds_overlapping_picks_in_output_order_either_way():
    rng = np.random.default_rng(6)
    gy = (rng.standard_normal((2, 3, 4, 5)) * 10.0 ** rng.integers(-8, 8, (2, 3, 4, 5)))
    index = rng.integers(0, 6, (2, 3, 4, 5))                 # many outputs, few elements
    with numba_dispatch.configure(enabled=False):
        want = cpu.max_pool_backward(gy, index, (2, 3, 2, 3))
    with numba_dispatch.configure(enabled=True, min_size=0):
        got = cpu.max_pool_backward(gy, index, (2, 3, 2, 3))
    np.testing.assert_array_equal(got, want)
    expected = np.zeros((6, 6))
    for p, j in itertools.product(range(6), range(20)):
        expected[p, index.reshape(6, 20)[p, j]] += gy.reshape(6, 20)[p, j]
    np.testing.assert_array_equal(want.reshape(6, 6), expected)


def test_twice_by_finite_differences():
    rng = np.random.default_rng(8)
    x = mt.tensor(rng.permutation(2 * 3 * 7 * 6).reshape(2, 3, 7, 6) / 10.0,
                  requires_grad=True)                  # distinct values: no ties to flip

    def pool(x):
        return mt.nn.functional.max_pool2d(x, (3, 2), (2, 1), 1, (1, 2), True)
    assert mt.autograd.gradcheck(pool, (x,))
    assert mt.autograd.gradgradcheck(pool, (x,))


def test_an_empty_batch_and_a_strided_input():
    x = mt.zeros(0, 2, 6, 6, requires_grad=True)
    y = mt.nn.functional.max_pool2d(x, 2)
    assert tuple(y.shape) == (0, 2, 3, 3)
    y.sum().backward()
    assert tuple(x.grad.shape) == (0, 2, 6, 6)
    base = np.arange(2 * 3 * 6 * 5, dtype=np.float64).reshape(2, 3, 6, 5)
    t = mt.tensor(base.transpose(0, 1, 3, 2).copy()).transpose(2, 3)
    np.testing.assert_array_equal(mt.nn.functional.max_pool2d(t, 2).numpy(),
                                  base[:, :, 1::2, 1:5:2])
