"""The CPU primitives' one-element paths (Python floats and float32 scalars in place of ufunc
calls, for the scalar loops) give the bits of their array paths, specials included."""
import numpy as np
import pytest

from microtorch import _sleef, backends
from microtorch.backends import exact_arith, one_element

cpu = backends.cpu_numpy
SPECIALS = [0.0, -0.0, 1.0, -1.0, 0.5, 1 - 2 ** -24, 2 ** -149, 1e-30, 3e38, -3e38,
            np.inf, -np.inf, np.nan]


def _values(n, seed):
    """float32 values over the whole range (and in [0, 1], a sigmoid's), and the specials."""
    rng = np.random.default_rng(seed)
    wide = rng.standard_normal(n) * 10.0 ** rng.integers(-40, 39, n)
    with np.errstate(over='ignore'):
        return np.concatenate([wide, rng.random(n), rng.random(n) ** 30,
                               SPECIALS]).astype(np.float32)


def _same(got, want):
    assert type(got) is np.ndarray and got.shape == want.shape and got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()


def _pairs(seed):
    ys = _values(1500, seed)
    return zip(ys, np.random.default_rng(seed + 1).permutation(_values(1500, seed + 2)))


def test_round32_is_numpy_cast():
    values = [float(v) for v in _values(3000, 0)] + [1e39, -1e39, 3.4028235677973366e38]
    with np.errstate(over='ignore'):
        want = np.array(values).astype(np.float32)
    got = np.array([one_element.round32(v) for v in values], np.float32)
    assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize('name, reference', [
    ('sigmoid_backward', lambda y, gy: gy * (1 - y) * y),
    ('tanh_backward', lambda y, gy: gy * exact_arith.one_minus_square(y)),
])
def test_unary_backward_one_element(name, reference):
    primitive = getattr(cpu, name)
    with np.errstate(all='ignore'):
        for y, g in _pairs(7):
            # the reference on two elements takes the array path; its first is the answer
            want = reference(np.array([y, 0.5], np.float32), np.array([g, 1], np.float32))
            _same(primitive(np.array([y], np.float32), np.array([g], np.float32)), want[:1])


def test_sigmoid_forward_one_element():
    with np.errstate(all='ignore'):
        for x in _values(3000, 3):
            one = np.float32(1)
            want = one / (one + np.float32(_sleef._glibc_expf()(-float(x))))
            _same(cpu.sigmoid_forward(np.array([x], np.float32)), np.array([want]))


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape, dims, keepdim', [
    ((1,), None, False), ((1,), (0,), True), ((), None, False), ((1, 1), (0, 1), False),
    ((1, 1), (0, 1), True)])
def test_sum_one_element(dtype, shape, dims, keepdim):
    for x in SPECIALS + [-2.5, 7e-45]:
        array = np.full(shape, x, dtype)
        want = np.add.reduce(array, axis=dims, keepdims=keepdim, initial=0)
        _same(cpu.sum_forward(array, dims, keepdim), np.asarray(want))
