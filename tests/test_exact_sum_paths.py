"""The routes of backends/exact_sum.py that tests/test_exact_sum.py's forced settings do not
take, against PyTorch bit for bit: the Numba kernels below the parallel crossover (one block
for C-contiguous row and column sums, the threads' parts of other sums one after another,
the threads' chunks of a full sum added on one thread),
and the NumPy fast paths at sizes around the cascade's level steps."""
import numpy as np
import pytest

import microtorch
from microtorch.backends import exact_sum, numba_dispatch

import test_exact_sum as _sums


# the same comparison and the same thread settings (PyTorch's and ours) as those tests
same_bits = _sums.same_bits


SIZES = [5, 7, 8, 9, 31, 32, 33, 127, 128, 129, 511, 512, 513, 4095, 4096, 4097, 32767,
         32768, 32769, 40000, 65537, 300001]
SHAPES = [(3, 5), (5, 3), (17, 33), (100, 37), (256, 64), (64, 256), (1000, 7), (7, 1000),
          (4, 6, 7), (300, 130), (3000, 40), (1024, 257), (333, 1001)]


@pytest.fixture(params=['numpy', 'numba-serial'])
def route(request):
    if request.param == 'numpy':
        with numba_dispatch.configure(enabled=False):
            yield request.param
        return
    pytest.importorskip('numba')
    exact_sum._numba_kernels()                  # loaded: every size takes the kernels
    with numba_dispatch.configure(enabled=True, min_size={'reduction': 1 << 40}):
        yield request.param


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_whole_sums(torch, threads, route, dtype):
    rng = np.random.default_rng(3)
    for n in SIZES:
        a = (rng.standard_normal(n) * rng.choice([1e-3, 1.0, 1e3], n)).astype(dtype)
        want = torch.from_numpy(a).sum().numpy()
        assert same_bits(microtorch.from_numpy(a).sum().numpy(), want), n


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_row_and_column_sums(torch, threads, route, dtype, shape):
    rng = np.random.default_rng(4)
    a = (rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 1e3], shape)).astype(dtype)
    t, x = torch.from_numpy(a), microtorch.from_numpy(a)
    for dims in [(0,), (a.ndim - 1,), tuple(range(a.ndim - 1)), tuple(range(1, a.ndim))]:
        want = t.sum(dims).numpy()
        assert same_bits(x.sum(dims).numpy(), want), dims


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_whole_sums_of_views(torch, threads, route, dtype, shape):
    """Transposed and sliced arrays summed whole: each thread's part into a partial sum, then
    combined (on the serial route the parallel kernel's twin takes the parts in turn)."""
    rng = np.random.default_rng(6)
    a = (rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 1e3], shape)).astype(dtype)
    for v in _sums.views(a):
        want = torch.from_numpy(v).sum().numpy()
        assert same_bits(microtorch.from_numpy(v).sum().numpy(), want), v.strides


def test_numpy_adds_leading_axes_in_order():
    """The NumPy paths rest on np.add.reduce adding row after row over a non-inner axis."""
    rng = np.random.default_rng(5)
    for dtype in (np.float32, np.float64):
        for rows in (2, 3, 9, 17, 130, 1000):
            for lanes in (2, 4, 8, 32, 1024):
                a = (rng.standard_normal((rows, lanes)) * 1e4 ** rng.standard_normal(
                    (rows, lanes))).astype(dtype)
                acc = a[0].copy()
                for row in a[1:]:
                    acc += row
                assert same_bits(np.add.reduce(a, axis=0), acc)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_moments_on_these_routes(torch, threads, route, dtype):
    """var and var_mean (backends/torch_moments.py) on the same routes: the two-pass var's
    chunks and Welford's rows, serial kernels or NumPy."""
    rng = np.random.default_rng(6)
    for shape, dims in [((40000,), None), ((70000,), None), ((100, 37), (1,)),
                        ((100, 37), (0,)), ((3, 40000), (1,)), ((1, 50000), (1,))]:
        a = (rng.standard_normal(shape) * 3 + 1.5).astype(dtype)
        t, x = torch.from_numpy(a), microtorch.from_numpy(a)
        assert same_bits(x.var(dims).numpy(), t.var(dims).numpy()), (shape, dims)
        for ours, theirs in zip(microtorch.var_mean(x, dims), torch.var_mean(t, dims)):
            assert same_bits(ours.numpy(), theirs.numpy()), (shape, dims)


def test_kept_plans_follow_layout_and_threads(torch, route):
    """A sum's plan and route are kept per layout and thread count: the same shape with other
    strides, or summed with another thread count, gets its own (PyTorch splits by threads),
    and the kept plans stay bounded."""
    rng = np.random.default_rng(6)
    a = rng.standard_normal((40, 30, 50)).astype(np.float32)
    views = [a, a.transpose(2, 0, 1), a[:, ::2], a[::-1]]
    saved, saved_torch = microtorch.get_num_threads(), torch.get_num_threads()
    try:
        for threads in (1, 2, 1):
            microtorch.set_num_threads(threads)
            torch.set_num_threads(threads)
            for v in views:
                for dims in [(0,), (1, 2), (0, 2)]:
                    want = torch.from_numpy(np.ascontiguousarray(v)).sum(dims).numpy()
                    assert same_bits(microtorch.tensor(v).sum(dims).numpy(), want), dims
    finally:
        microtorch.set_num_threads(saved)
        torch.set_num_threads(saved_torch)
    for n in range(1, 2 * exact_sum._PLANS_KEPT):
        exact_sum.exact_sum(np.ones((n, 2), np.float32), (0,), False)
    assert len(exact_sum._plans) <= exact_sum._PLANS_KEPT
    assert len(exact_sum._routes) <= exact_sum._PLANS_KEPT


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_short_column_sums(torch, route, dtype):
    """Columns of fewer than 8 rows: each of row_sum's partials is one row, so a column is
    one sequence (signed zeros, inf and nan included)."""
    rng = np.random.default_rng(8)
    for rows in range(1, 9):
        for cols in (1, 3, 4, 5, 8, 13, 33):
            a = (rng.standard_normal((rows, cols)) * rng.choice([1e-3, 1.0, 1e4], (rows, cols)))
            a[rng.random(a.shape) < 0.1] = rng.choice([0.0, -0.0, np.inf, np.nan])
            a = a.astype(dtype)
            want = torch.from_numpy(a).sum(0).numpy()
            assert same_bits(microtorch.from_numpy(a).sum(0).numpy(), want), (rows, cols)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_wide_column_sums_agree_across_routes(dtype):
    """Column sums of wide rows, whose lanes the kernels hold in registers a chunk at a time
    (numba_kernels/exact_sum.py: wide_multi_row), give the NumPy route's bits; without PyTorch.
    Shapes: whole chunks, chunks and a remainder, one chunk, every cascade level."""
    pytest.importorskip('numba')
    rng = np.random.default_rng(9)
    for shape in [(4100, 64), (300, 1000), (17, 130), (1024, 257), (70000, 64), (5, 4, 96)]:
        a = rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 1e4], shape)
        a[rng.random(shape) < 0.01] = rng.choice([0.0, -0.0, np.inf, np.nan])
        a = a.astype(dtype)
        with numba_dispatch.configure(enabled=False):
            want = microtorch.from_numpy(a).sum(0).numpy()
        exact_sum._numba_kernels()
        with numba_dispatch.configure(enabled=True, min_size={'reduction': 1 << 40}):
            assert same_bits(microtorch.from_numpy(a).sum(0).numpy(), want), shape
        with numba_dispatch.configure(enabled=True, min_size=0):        # parallel parts
            assert same_bits(microtorch.from_numpy(a).sum(0).numpy(), want), shape
