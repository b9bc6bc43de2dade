"""The gathers behind convolution, pooling and x[idx], and their scatter-add gradients: the
Numba kernels give np.add.at's bits (its order of additions), as the NumPy forms do."""
import numpy as np
import pytest

from microtorch.backends import cpu, numba_dispatch

WINDOWS = [((2, 3, 9, 11), (3, 2), (1, 2), (1, 2)),       # overlapping, strided, dilated
           ((2, 3, 13), (3,), (2,), (1,)),
           ((2, 3, 5, 6, 7), (2, 3, 2), (1, 2, 1), (2, 1, 1)),
           ((1, 1, 4, 4), (4, 4), (1, 1), (1, 1)),
           ((3, 2, 8, 8), (2, 2), (2, 2), (1, 1))]


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'int64'])
@pytest.mark.parametrize('channels_inside', [False, True])
@pytest.mark.parametrize('case', WINDOWS)
def test_windows_are_the_gather_and_its_scatter_add(kernels, case, channels_inside, dtype):
    shape, kernel, stride, dilation = case
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 10).astype(dtype)
    index = cpu._window_index(np, shape, kernel, stride, dilation, channels_inside)
    windows = cpu.windows_forward(x, kernel, stride, dilation, channels_inside)
    assert windows.flags.c_contiguous
    assert np.array_equal(windows, x[index])
    gy = (rng.standard_normal(windows.shape) * 10).astype(dtype)
    expected = np.zeros(shape, dtype)
    np.add.at(expected, index, gy)
    grad = cpu.windows_backward(gy, shape, kernel, stride, dilation, channels_inside)
    assert np.array_equal(grad, expected)
    transposed = np.swapaxes(np.swapaxes(x, 0, 1).copy(), 0, 1)      # a strided input
    assert np.array_equal(cpu.windows_forward(transposed, kernel, stride, dilation,
                                              channels_inside), x[index])


def _indices(rng):
    """Advanced indices of x (6, 7, 8): leading and trailing full slices, negative entries,
    broadcast arrays, an Ellipsis, a bare array; repeats everywhere."""
    i = rng.integers(-6, 6, (50, 3))
    j = rng.integers(-7, 7, (1, 3))
    k = rng.integers(0, 8, 40)
    return [(i,), i, (i, j), (slice(None), j), (slice(None), slice(None), k),
            (Ellipsis, k), (i, j, slice(None)), (slice(None), k[:, None] % 7, k[None, :4])]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_index_backward_adds_as_np_add_at(dtype):
    rng = np.random.default_rng(1)
    x = np.zeros((6, 7, 8), dtype)
    for index in _indices(rng):
        gy = rng.standard_normal(x[index].shape).astype(dtype)
        expected = np.zeros(x.shape, dtype)
        np.add.at(expected, index, gy)
        with numba_dispatch.configure(enabled=True, min_size=0):
            ours = cpu.index_backward(index, gy, x.shape, True)
        assert np.array_equal(ours, expected), index


def test_index_backward_takes_a_strided_gradient():
    rng = np.random.default_rng(2)
    index = (slice(None), rng.integers(0, 7, (30, 2)))
    gy = np.swapaxes(rng.standard_normal((2, 30, 6)), 0, 2).astype(np.float32)   # (6, 30, 2)
    expected = np.zeros((6, 7), np.float32)
    np.add.at(expected, index, gy)
    with numba_dispatch.configure(enabled=True, min_size=0):
        assert np.array_equal(cpu.index_backward(index, gy, (6, 7), True), expected)
    gy = np.broadcast_to(np.float32(3), (6, 30, 2))             # a sum's gradient
    expected = np.zeros((6, 7), np.float32)
    np.add.at(expected, index, gy)
    with numba_dispatch.configure(enabled=True, min_size=0):
        assert np.array_equal(cpu.index_backward(index, gy, (6, 7), True), expected)


LAYOUTS = [lambda a: a.T, lambda a: a[::2, 1::3].T, lambda a: a[::-1].T,
           lambda a: a.reshape(8, 32, 4, 64).transpose(0, 2, 3, 1),
           lambda a: a.reshape(16, 16, 16, 16).transpose(3, 1, 0, 2)[:, 3:],
           lambda a: a.reshape(4, 64, 256).transpose(0, 2, 1), lambda a: a[:, ::2]]


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'int8', 'float16', 'bool', 'complex128'])
def test_contiguous_and_reshape_copy_any_layout(kernels, dtype):
    a = (np.random.default_rng(3).standard_normal((256, 256)) * 50).astype(dtype)
    for layout in LAYOUTS:
        x = layout(a)
        ours = cpu.contiguous(x)
        assert ours.flags.c_contiguous and ours.dtype == x.dtype
        assert np.array_equal(ours, x)
        assert np.array_equal(cpu.reshape(x, (-1,)), x.reshape(-1))
    view = a.reshape(16, 16, 256)[:, ::2]                   # a reshape that needs no copy
    assert np.shares_memory(cpu.reshape(view, (16, 8, 16, 16)), a)
    assert cpu.contiguous(a) is a


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_scatter_add_along_a_dim_adds_as_np_add_at(kernels, dtype):
    rng = np.random.default_rng(6)
    for shape, dim, picks in (((40, 7, 9), 1, 5), ((40, 7, 9), -1, 12), ((6, 300), 0, 20),
                              ((500, 4), 1, 1)):
        index_shape = list(shape)
        index_shape[dim] = picks
        n = shape[dim]
        index = rng.integers(-n, n, index_shape)
        values = rng.standard_normal(index_shape).astype(dtype)
        expected = np.zeros(shape, dtype)
        np.add.at(expected, cpu._along_dim_index(np.where(index < 0, index + n, index),
                                                 dim % len(shape)), values)
        assert np.array_equal(cpu.scatter_add(index, values, dim, shape), expected)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_gather_along_a_dim_is_numpys(kernels, dtype):
    rng = np.random.default_rng(7)
    for shape, dim, picks in (((40, 7, 9), 1, 5), ((40, 7, 9), -1, 12), ((6, 300), 0, 20)):
        x = rng.standard_normal(shape).astype(dtype)
        index_shape = list(shape)
        index_shape[dim] = picks
        index = rng.integers(-shape[dim], shape[dim], index_shape)
        assert np.array_equal(cpu.gather(x, index, dim),
                              np.take_along_axis(x, index % shape[dim], dim))
        strided = np.swapaxes(np.swapaxes(x, 0, -1).copy(), 0, -1)     # not C-contiguous
        assert np.array_equal(cpu.gather(strided, index, dim),
                              np.take_along_axis(x, index % shape[dim], dim))
