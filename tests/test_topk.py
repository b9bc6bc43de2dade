"""topk selects a few of many without sorting the rest (cpu._stable_top_indices: a Numba pass,
or NumPy's partition), and gives what the full stable sort's first k would: ties in their
original order, NaN the largest value, on every dim and dtype. (Rows with ties then take
PyTorch's order: tests/test_sort_ties.py.)"""
import numpy as np
import pytest

import microtorch
from microtorch.backends import cpu, numba_dispatch


def _inputs(rng, shape, kind, dtype):
    x = rng.standard_normal(shape)
    if kind == 'ties':
        x = np.round(x * 2) / 2
    elif kind == 'specials':
        x[rng.random(shape) < 0.01] = np.inf
        x[rng.random(shape) < 0.01] = -np.inf
        x[rng.random(shape) < 0.01] = np.nan
    if np.dtype(dtype).kind in 'iu':
        x = np.abs(np.round(np.nan_to_num(x, posinf=200, neginf=100) * 3))
    return x.astype(dtype)


def _first_k_of_the_sort(x, k, dim, largest):
    return np.take(cpu.argsort(x, dim, largest), np.arange(k), axis=dim)


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16', 'int64', 'uint8'])
@pytest.mark.parametrize('kind', ['normal', 'ties', 'specials'])
def test_top_indices_are_the_sorts_first_k(kernels, dtype, kind):
    rng = np.random.default_rng(0)
    for shape, dim in (((40, 1000), -1), ((300, 20), 0), ((3, 200, 9), 1)):
        x = _inputs(rng, shape, kind, dtype)
        for k in (1, 3, 10, 64):
            for largest in (True, False):
                expected = _first_k_of_the_sort(x, k, dim, largest)
                assert np.array_equal(cpu._stable_top_indices(x, k, dim, largest), expected)
                # (largest with NaN and +inf, which share its key, takes the full sort)
                if 8 * k <= x.shape[dim] and not (largest and cpu._has_nan_and_inf(x)):
                    assert np.array_equal(cpu._top_by_partition(x, k, dim, largest), expected)


def test_topk_values_indices_and_gradient():
    x = np.random.default_rng(1).standard_normal((64, 4096)).astype(np.float32)
    t = microtorch.tensor(x, requires_grad=True)
    with numba_dispatch.configure(min_size=0):
        values, indices = t.topk(5, -1)
    expected = np.argsort(-x, axis=-1, kind='stable')[:, :5]
    assert np.array_equal(indices.numpy(), expected)
    assert np.array_equal(values.detach().numpy(), np.take_along_axis(x, expected, -1))
    values.sum().backward()
    grad = np.zeros_like(x)
    np.put_along_axis(grad, expected, 1, -1)
    assert np.array_equal(t.grad.numpy(), grad)


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'int64', 'int32'])
def test_argmax_argmin_along_rows_are_numpys(kernels, dtype):
    rng = np.random.default_rng(4)
    for cols in (1, 4, 33, 500):
        x = np.round(rng.standard_normal((300, cols)) * 2)          # ties
        if dtype.startswith('float'):
            x[rng.random(x.shape) < 0.02] = np.nan
            x[rng.random(x.shape) < 0.02] = np.inf
        x = x.astype(dtype)
        for keepdim in (False, True):
            assert np.array_equal(cpu.argmax(x, -1, keepdim), np.argmax(x, -1, keepdims=keepdim))
            assert np.array_equal(cpu.argmin(x, 1, keepdim), np.argmin(x, 1, keepdims=keepdim))
        assert np.array_equal(cpu.argmax(x, 0, False), np.argmax(x, 0))
