"""Average pooling as one op (ops/pooling.py): PyTorch's values (each clipped window summed
from 0 in row-major order, then divided by its factor), gradients and grad_fn names, with
the Numba kernels and without, and the gradient twice."""
import itertools

import numpy as np
import pytest

import microtorch as mt
from microtorch.backends import numba_dispatch

SPATIAL = {1: (13,), 2: (9, 10), 3: (5, 6, 7)}
CASES = [case for case in itertools.product((1, 2, 3), (2, 3), (1, 2), (0, 1), (False, True),
                                            (False, True), (None, 5))
         if case[3] * 2 <= case[1] and not (case[0] == 1 and case[6])]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('dims,kernel,stride,padding,ceil_mode,count_pad,divisor', CASES)
def test_values_gradients_and_names_are_pytorchs(dims, kernel, stride, padding, ceil_mode,
                                                 count_pad, divisor, dtype):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(dims * 1000 + kernel * 100 + stride * 10 + padding)
    x0 = rng.standard_normal((3, 4) + SPATIAL[dims]).astype(dtype)
    args = (kernel, stride, padding, ceil_mode, count_pad) + ((divisor,) if dims > 1 else ())
    name = f'avg_pool{dims}d'
    x = torch.tensor(x0, requires_grad=True)
    want = getattr(torch.nn.functional, name)(x, *args)
    gy = rng.standard_normal(tuple(want.shape)).astype(dtype)
    want.backward(torch.tensor(gy))
    for forced in (False, True):
        with numba_dispatch.configure(enabled=forced, min_size=0 if forced else None):
            ours = mt.tensor(x0, requires_grad=True)
            got = getattr(mt.nn.functional, name)(ours, *args)
            got.backward(mt.tensor(gy))
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        np.testing.assert_array_equal(ours.grad.numpy(), x.grad.numpy())
        assert type(got.grad_fn).__name__ == type(want.grad_fn).__name__


def test_twice_by_finite_differences():
    rng = np.random.default_rng(2)
    x = mt.tensor(rng.standard_normal((2, 3, 7, 6)), requires_grad=True)

    def pool(x):
        return mt.nn.functional.avg_pool2d(x, 3, 2, 1, True, False)
    assert mt.autograd.gradcheck(pool, (x,))
    assert mt.autograd.gradgradcheck(pool, (x,))


def test_a_sums_broadcast_gradient_an_empty_batch_and_integers():
    x = mt.arange(2 * 3 * 4 * 4, dtype=mt.float32).reshape(2, 3, 4, 4).requires_grad_()
    mt.nn.functional.avg_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3, 4, 4), 0.25, np.float32))
    empty = mt.zeros(0, 2, 4, 4, requires_grad=True)
    y = mt.nn.functional.avg_pool2d(empty, 2)
    y.sum().backward()
    assert tuple(y.shape) == (0, 2, 2, 2) and tuple(empty.grad.shape) == (0, 2, 4, 4)
    ints = mt.nn.functional.avg_pool2d(mt.arange(16).reshape(1, 1, 4, 4), 2)
    assert ints.dtype == mt.int64 and ints.flatten().tolist() == [2, 4, 10, 12]
