"""x[mask] and masked_select on the CPU: the branch-free kernels (serial and parallel) give
NumPy's boolean index's bits for every dtype and mask, and the gradients' spread gives
PyTorch's bits (x[mask] adds into zeros, masked_select copies: a -0.0 differs)."""
import numpy as np
import pytest

import microtorch as mt
from microtorch.backends import cpu, numba_dispatch

pytest.importorskip('numba')

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int8, np.bool_,
          np.complex64, np.complex128]


def masks(rng, n):
    """Random, sparse, dense, none, all, and Trues only at the start (a long False tail)."""
    head = np.zeros(n, bool)
    head[:n // 3] = rng.random(n // 3) < 0.5
    return {'half': rng.random(n) < 0.5, 'sparse': rng.random(n) < 0.03,
            'dense': rng.random(n) < 0.97, 'none': np.zeros(n, bool),
            'all': np.ones(n, bool), 'head': head}


def values(rng, n, dtype):
    x = rng.standard_normal(n) * 100
    if np.dtype(dtype).kind == 'c':
        x = x + 1j * rng.standard_normal(n)
    x = x.astype(dtype)
    if np.dtype(dtype).kind == 'f':
        x[::7] = -0.0
        x[3::11] = np.nan
    return x


ROUTES = {'numpy': dict(enabled=False),
          'serial': dict(min_size=0, parallel_from={'mask': 1 << 40}),
          'parallel': dict(min_size=0, parallel_from={})}


@pytest.mark.parametrize('route', list(ROUTES))
@pytest.mark.parametrize('n', [0, 1, 7, 100, 4099])
def test_masked_select_kernels_give_numpys_bits(route, n):
    rng = np.random.default_rng(n)
    with numba_dispatch.configure(**ROUTES[route]):
        for dtype in DTYPES:
            x = values(rng, n, dtype)
            for name, mask in masks(rng, n).items():
                got = cpu.masked_select(x, mask)
                want = x[mask]
                assert got.dtype == want.dtype and got.shape == want.shape, (dtype, name)
                assert got.tobytes() == want.tobytes(), (route, dtype, name)


@pytest.mark.parametrize('route', list(ROUTES))
def test_masked_select_broadcasts_and_strides(route):
    rng = np.random.default_rng(1)
    x = values(rng, 6 * 700, np.float32).reshape(6, 700)
    with numba_dispatch.configure(**ROUTES[route]):
        for mask in (rng.random((1, 700)) < 0.5, rng.random((6, 1)) < 0.5,
                     rng.random((700, 6)).T < 0.5):
            full = np.broadcast_to(mask, x.shape)
            assert cpu.masked_select(x, mask).tobytes() == x[full].tobytes()
            assert cpu.masked_select(x.T, mask.T).tobytes() == x.T[full.T].tobytes()
        mask = rng.random(700) < 0.5                   # x (6, 700) with a mask of a row
        assert cpu.masked_select(x, mask).tobytes() == x[np.broadcast_to(mask, x.shape)].tobytes()


@pytest.mark.parametrize('route', list(ROUTES))
@pytest.mark.parametrize('accumulate', [True, False])
def test_mask_spread_gives_the_index_puts_bits(route, accumulate):
    rng = np.random.default_rng(2)
    for n in (0, 1, 9, 5000):
        for dtype in (np.float32, np.float64, np.float16):
            for name, mask in masks(rng, n).items():
                gy = values(rng, int(mask.sum()), dtype)
                want = np.zeros(n, dtype)
                if accumulate:
                    np.add.at(want, np.flatnonzero(mask), gy)        # 0 + g: -0.0 is +0.0
                else:
                    want[mask] = gy
                with numba_dispatch.configure(**ROUTES[route]):
                    got = cpu.mask_spread(gy, mask, (n,), accumulate)
                assert got.tobytes() == want.tobytes(), (route, dtype, name, n)
    mask = rng.random((1, 300)) < 0.5                 # broadcast to (4, 300)
    gy = values(rng, 4 * int(mask.sum()), np.float32)
    want = np.zeros((4, 300), np.float32)
    want[np.broadcast_to(mask, want.shape)] = gy
    with numba_dispatch.configure(**ROUTES[route]):
        assert cpu.mask_spread(gy, mask, (4, 300), False).tobytes() == want.tobytes()


@pytest.mark.parametrize('route', list(ROUTES))
def test_gradients_are_pytorchs(route):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(3)
    with numba_dispatch.configure(**ROUTES[route]):
        for shape, mask_shape in (((5000,), (5000,)), ((40, 130), (40, 130)),
                                  ((40, 130), (1, 130)), ((1, 130), (40, 130))):
            xs = values(rng, int(np.prod(shape)), np.float32).reshape(shape)
            ms = rng.random(mask_shape) < 0.5
            count = int(np.broadcast_to(ms, np.broadcast_shapes(shape, mask_shape)).sum())
            gys = values(rng, count, np.float32)
            for op in ('index', 'masked_select'):
                got = []
                for lib in (mt, torch):
                    x = lib.tensor(xs, requires_grad=True)
                    m = lib.tensor(ms)
                    y = x[m] if op == 'index' and shape == mask_shape else x.masked_select(m)
                    y.backward(lib.tensor(gys))
                    got.append((y.detach().numpy().tobytes(), x.grad.numpy().tobytes(),
                                type(y.grad_fn).__name__))
                assert got[0] == got[1], (op, shape, mask_shape)


def test_masked_select_double_backward():
    x = mt.tensor([1.0, -2.0, 3.0, -4.0], requires_grad=True)
    m = mt.tensor([True, False, True, True])
    (g,) = mt.autograd.grad((x.masked_select(m) ** 2).sum(), x, create_graph=True)
    assert g.tolist() == [2.0, 0.0, 6.0, -8.0]
    (gg,) = mt.autograd.grad(g.sum(), x)
    assert gg.tolist() == [2.0, 0.0, 2.0, 2.0]


def test_masked_select_errors_leave_inputs_alone():
    x = mt.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match='expected BoolTensor for mask'):
        x.masked_select(mt.tensor([1, 0, 1]))
    with pytest.raises(RuntimeError, match='must match the size'):
        x.masked_select(mt.tensor([True, False]))
    assert x.tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize('route', list(ROUTES))
def test_mask_put_writes_numpys_bits(route):
    rng = np.random.default_rng(4)
    with numba_dispatch.configure(**ROUTES[route]):
        for n in (0, 1, 9, 5000):
            for dtype in DTYPES:
                x = values(rng, n, dtype)
                for name, mask in masks(rng, n).items():
                    count = int(mask.sum())
                    kind = np.dtype(dtype).kind
                    number = True if kind == 'b' else (-0.0 if kind in 'fc' else 7)
                    for value in (number, values(rng, count, dtype), values(rng, 1, dtype),
                                  values(rng, count, np.float64)):
                        got, want = x.copy(), x.copy()
                        with np.errstate(invalid='ignore'):          # (nan into integers)
                            want[mask] = value
                            cpu.setitem(got, (mask,), value)
                        assert got.tobytes() == want.tobytes(), (route, dtype, name, n)


def test_mask_writes_through_tensors():
    rng = np.random.default_rng(5)
    xs = values(rng, 20000, np.float32)
    ms = rng.random(20000) < 0.5
    x = mt.tensor(xs)
    x[mt.tensor(ms)] = 0.0
    want = xs.copy()
    want[ms] = 0.0
    assert x.numpy().tobytes() == want.tobytes()
    with pytest.raises(RuntimeError, match='shape mismatch'):
        x[mt.tensor(ms)] = mt.ones(3)
    assert x.numpy().tobytes() == want.tobytes()
    w = mt.tensor(xs, requires_grad=True)       # recorded: IndexPut's forward and backward
    v = mt.tensor(values(rng, int(ms.sum()), np.float32), requires_grad=True)
    y = w * 1.0
    y[mt.tensor(ms)] = v
    y.sum().backward()
    assert w.grad.numpy().tolist() == np.where(ms, 0.0, 1.0).tolist()
    assert v.grad.numpy().tolist() == [1.0] * int(ms.sum())


@pytest.mark.parametrize('route', list(ROUTES))
def test_row_masks_give_numpys_and_pytorchs_bits(route):
    """x[mask] of leading dims (boxes[keep]): short rows by the rows kernels, longer by NumPy;
    the gradient added into zeros (IndexBackward0)."""
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(6)
    with numba_dispatch.configure(**ROUTES[route]):
        for shape, k in (((3000, 4), 1), ((40, 30, 3), 2), ((500, 2, 2), 1), ((300, 40), 1),
                         ((0, 4), 1), ((5, 0), 1), ((1, 16), 1)):
            xs = values(rng, int(np.prod(shape)), np.float32).reshape(shape)
            for dtype in (np.float64, np.int16, np.bool_, np.complex64):
                x = values(rng, xs.size, dtype).reshape(shape)
                mask = rng.random(shape[:k]) < 0.5
                assert cpu.mask_rows(x, mask).tobytes() == x[mask].tobytes(), (shape, dtype)
            ms = rng.random(shape[:k]) < 0.5
            gys = values(rng, int(ms.sum()) * int(np.prod(shape[k:])), np.float32)
            got = []
            for lib in (mt, torch):
                x = lib.tensor(xs, requires_grad=True)
                y = x[lib.tensor(ms), ...]
                y.backward(lib.tensor(gys.reshape(y.shape)))
                got.append((y.detach().numpy().tobytes(), x.grad.numpy().tobytes()))
            assert got[0] == got[1], (route, shape, k)


@pytest.mark.parametrize('route', list(ROUTES))
def test_one_value_into_rows(route):
    rng = np.random.default_rng(7)
    with numba_dispatch.configure(**ROUTES[route]):
        for shape, k in (((3000, 4), 1), ((40, 30, 3), 2), ((7, 0), 1)):
            for dtype in (np.float32, np.int64, np.bool_):
                x = values(rng, int(np.prod(shape)), dtype).reshape(shape)
                mask = rng.random(shape[:k]) < 0.5
                for value in (True if dtype is np.bool_ else 3, np.ones(1, dtype)):
                    got, want = x.copy(), x.copy()
                    want[mask] = value
                    cpu.setitem(got, (mask,), value)
                    assert got.tobytes() == want.tobytes(), (shape, dtype)
