"""microtorch._fma's fast float32 paths round a * b + c once, as its exact emulation does:
fma_float32 (checked per call) and fma_steps (a chain of steps checked once at the end)."""
import math

import numpy as np
import pytest

from microtorch import _fma

# float32(a * b + c) that rounds twice through float64: the exact value sits 2^-60 below the
# float32 midpoint 1 + 2^-23 + 2^-24, which float64 rounds onto it, and the tie then goes up
TWICE = (np.float32(1 + 2.0 ** -18), np.float32(2.0 ** -24 * (1 - 2.0 ** -18)),
         np.float32(1 + 2.0 ** -23))


def _exact(a, b, c):
    """The slow emulation (a sum rounded to odd), the reference."""
    a, b, c = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, c)))
    return _fma._fma_into_float32(a.reshape(-1), b.reshape(-1), c.reshape(-1)).reshape(a.shape)


def _bits(x):
    return np.asarray(x, np.float32).view(np.int32)


def _operands(rng, n):
    """float32 triples rich in ties, cancellations, tiny and subnormal results."""
    a = rng.standard_normal(n).astype(np.float32)
    b = rng.standard_normal(n).astype(np.float32)
    c = rng.standard_normal(n).astype(np.float32)
    quarter = n // 4
    b[:quarter] = np.float32(0.5)                            # halfway sums, exact in float64
    c[quarter:2 * quarter] = -(a * b)[quarter:2 * quarter]   # cancellation to the rounding error
    a[2 * quarter:3 * quarter] *= np.float32(1e-20)          # results near float32's subnormals
    b[2 * quarter:3 * quarter] *= np.float32(1e-20)
    c[2 * quarter:3 * quarter] *= np.float32(1e-39)
    return a, b, c


@pytest.fixture(autouse=True)
def _numpy_emulation():
    """These tests check NumPy's emulation and fma_steps' deferred checks: with Numba on and
    loaded, small 1-d steps take the serial kernel instead (tested on its own below)."""
    from microtorch.backends import numba_dispatch
    with numba_dispatch.configure(enabled=False):
        yield


def test_the_double_rounding_case_rounds_twice_through_float64():
    a, b, c = TWICE
    naive = np.float32(np.float64(a) * np.float64(b) + np.float64(c))
    assert naive == np.float32(1 + 2.0 ** -22)
    assert _exact(a, b, c) == np.float32(1 + 2.0 ** -23)


def test_fma_float32_is_the_exact_emulation():
    rng = np.random.default_rng(0)
    a, b, c = _operands(rng, 4000)
    a[:3], b[:3], c[:3] = TWICE
    np.testing.assert_array_equal(_bits(_fma.fma_float32(a, b, c)), _bits(_exact(a, b, c)))


@pytest.mark.parametrize('shapes', [((), (5,), (5,)), ((5,), (), (5,)), ((4, 1), (1, 3), (3,)),
                                    ((2, 3), (2, 3), ()), ((2, 3), (3,), (2, 1)),
                                    ((6000,), (6000,), (1,))])
def test_fma_float32_broadcasts_numbers_and_arrays(shapes):
    rng = np.random.default_rng(1)
    a, b, c = (rng.standard_normal(s).astype(np.float32) for s in shapes)
    out = _fma.fma_float32(a, b, c)
    assert out.shape == np.broadcast_shapes(*shapes) and out.dtype == np.float32
    np.testing.assert_array_equal(_bits(out), _bits(_exact(a, b, c)))
    scalar = _fma.fma_float32(*TWICE)                    # numbers: a number, or a 0-d array
    assert np.ndim(scalar) == 0 and scalar.dtype == np.float32
    assert scalar == np.float32(1 + 2.0 ** -23)


@pytest.mark.parametrize('shapes', [((4000,), (4000,), (4000,)), ((40, 100), (100,), (40, 1)),
                                    ((3, 4, 50), (1, 4, 50), ()), ((8, 9), (8, 9), (1, 9))])
def test_fma_float32_by_the_numba_kernel(shapes):
    """Large float32 operands take the parallel kernel (one true fma each): the same bits."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    rng = np.random.default_rng(2)
    a, b, c = _operands(rng, 4000)
    a[:3], b[:3], c[:3] = TWICE
    a, b, c = (np.resize(v, s).astype(np.float32) for v, s in zip((a, b, c), shapes))
    c = np.float32(0.25) if c.shape == () else c
    with numba_dispatch.configure(enabled=True, min_size=0):
        assert _fma._kernel_fma(a, b, c) is not None
        out = _fma.fma_float32(a, b, c)
    assert out.shape == np.broadcast_shapes(*shapes) and out.dtype == np.float32
    np.testing.assert_array_equal(_bits(out), _bits(_exact(a, b, c)))
    with numba_dispatch.configure(enabled=True, min_size=0):
        assert _fma._kernel_fma(a, b, 0.1) is None          # a Python float: NumPy's path


def test_small_vectors_by_the_serial_kernel_once_numba_is_loaded():
    """1-d float32 operands below the parallel crossover take the serial kernel where Numba
    is on and loaded: the same bits, and no second run of an fma_steps chain."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    a, b, c = _rounding_twice_in_lane(7, 6, 4, 2)
    body, calls = _chain(a, b, c)
    with numba_dispatch.configure(enabled=True):
        assert _fma._kernel_fma(a[0], b[0], c) is not None
        assert _fma._kernel_fma(a[0], b[0], 0.5) is None     # a Python float: NumPy's path
        out = _fma.fma_steps(np.float32, body)
    assert len(calls) == 1
    np.testing.assert_array_equal(_bits(out), _bits(_chain_exact(a, b, c)))


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_broadcast_operands_by_the_serial_kernel(dtype):
    """nn.Linear's one-input-feature product, x's column times the weights plus the bias,
    below the parallel crossover: the serial kernel where Numba is on (loaded for it at this
    size), rounding once as the exact emulations do, in float32 and float64."""
    pytest.importorskip('numba')
    from microtorch.backends import numba_dispatch
    rng = np.random.default_rng(3)
    x = rng.standard_normal((256, 1)).astype(dtype)
    w = rng.standard_normal((1, 64)).astype(dtype)
    bias = rng.standard_normal(64).astype(dtype)
    bias[:8] = -(x[0, 0] * w[0, :8])                    # cancellation: only one rounding keeps
    with numba_dispatch.configure(enabled=True):
        assert _fma._kernel_fma(x, w, bias, dtype) is not None
        out = _fma.fma_in(dtype, x, w, bias)
        other = np.float64 if dtype == np.float32 else np.float32
        assert _fma._kernel_fma(x, w, bias.astype(other), dtype) is None   # mixed dtypes
    assert out.shape == (256, 64) and out.dtype == dtype
    with numba_dispatch.configure(enabled=False):
        reference = _fma.fma_in(dtype, x, w, bias)
    np.testing.assert_array_equal(out.view(np.uint8), reference.view(np.uint8))
    assert np.count_nonzero(out[0, :8]) > 0


def test_fma_float32_keeps_infinities_and_nans():
    a = np.array([np.inf, 0, np.nan, 1, 3e38], np.float32)
    b = np.array([1, np.inf, 1, np.inf, 3e38], np.float32)
    c = np.array([-np.inf, 1, 1, -np.inf, 0], np.float32)
    expected = np.array([np.nan, np.nan, np.nan, np.nan, np.inf], np.float32)
    with np.errstate(all='ignore'):              # (NumPy's own words on inf - inf and 0 * inf)
        out = _fma.fma_float32(a, b, c)
    np.testing.assert_array_equal(out, expected)


def test_fma_float32_number_is_the_exact_emulation():
    rng = np.random.default_rng(3)
    a, b, c = _operands(rng, 4000)
    a[:3], b[:3], c[:3] = TWICE
    a[3:8] = [np.inf, 0, np.nan, 1, 3e38]
    b[3:8] = [1, np.inf, 1, np.inf, 3e38]
    c[3:8] = [-np.inf, 1, 1, -np.inf, 0]
    with np.errstate(all='ignore'):
        ours = np.array([_fma.fma_float32_number(*v) for v in zip(a, b, c)], np.float32)
        exact = _exact(a, b, c)
    same = (_bits(ours) == _bits(exact)) | (np.isnan(ours) & np.isnan(exact))
    assert same.all()
    assert _fma.fma_float32_number(*TWICE) == np.float32(1 + 2.0 ** -23)


def _chain(a, b, c):
    """A chain of dependent steps, as rowwise_moments' loops are."""
    def body(fma):
        calls.append(fma)
        acc = c
        for i in range(len(a)):
            acc = fma(a[i], b[i], acc)
        return acc
    calls = []
    return body, calls


def _chain_exact(a, b, c):
    acc = c
    for i in range(len(a)):
        acc = _exact(a[i], b[i], acc)
    return acc


@pytest.mark.parametrize('width', [1, 8, 5000])
def test_fma_steps_is_the_exact_chain(width):
    rng = np.random.default_rng(width)
    a = rng.standard_normal((12, width)).astype(np.float32)
    b = rng.standard_normal((12, width)).astype(np.float32)
    b[::2] = np.float32(0.5)                     # halfway sums that float64 adds exactly
    c = rng.standard_normal(width).astype(np.float32)
    body, calls = _chain(a, b, c)
    out = _fma.fma_steps(np.float32, body)
    np.testing.assert_array_equal(_bits(out), _bits(_chain_exact(a, b, c)))
    assert len(calls) == 1                       # exact halfway sums need no second run


def _rounding_twice_in_lane(seed, rows, lanes, lane):
    """Random float32 (a, b, c) for a chain of rows, whose first step rounds twice through
    float64 in `lane`."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((rows, lanes)).astype(np.float32)
    b = rng.standard_normal((rows, lanes)).astype(np.float32)
    c = rng.standard_normal(lanes).astype(np.float32)
    c[lane] = TWICE[2]
    a[0, lane], b[0, lane] = TWICE[:2]
    return a, b, c


def test_fma_steps_runs_again_where_a_step_rounded_twice():
    a, b, c = _rounding_twice_in_lane(7, 6, 4, 2)
    body, calls = _chain(a, b, c)
    out = _fma.fma_steps(np.float32, body)
    assert len(calls) == 2
    np.testing.assert_array_equal(_bits(out), _bits(_chain_exact(a, b, c)))


def test_fma_steps_in_float64_is_fma_in():
    a, b, c = (np.array([0.1, 1e100, -3.0]), np.array([3.0, 1e10, 1 / 3]), np.array([1.0]))
    out = _fma.fma_steps(np.float64, lambda fma: fma(a, b, c))
    np.testing.assert_array_equal(out, _fma.fma_in(np.float64, a, b, c))


def test_fma_steps_checks_the_values_c_had_when_given():
    """A body may write a step's result into the array it gave as c (row_dot does)."""
    a, b, c = _rounding_twice_in_lane(8, 5, 3, 1)

    def body(fma):
        calls.append(fma)
        acc = c.copy()
        for i in range(len(a)):
            acc[:] = fma(a[i], b[i], acc)
        return acc
    calls = []
    out = _fma.fma_steps(np.float32, body)
    assert len(calls) == 2
    np.testing.assert_array_equal(_bits(out), _bits(_chain_exact(a, b, c)))


def _exact_float64(a, b, c):
    """a * b + c rounded once, from exact rationals (float() of a Fraction rounds once)."""
    from fractions import Fraction
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:                              # IEEE's signed zeros
        return a * b + c if a * b == 0 else 0.0
    try:
        return float(exact)
    except OverflowError:                       # rounds beyond the largest float64
        return math.inf if exact > 0 else -math.inf


def test_float64_huge_operands_scale_only_their_own_elements():
    """An operand beyond 2^960 would overflow Veltkamp's split: those elements are computed at
    2^-64 of the scale, the others (tiny addends among them) as they are."""
    rng = np.random.default_rng(7)
    huge = [1e308, -1.7e308, 2.0 ** 1000, 3e300, -2.0 ** 961, 2.0 ** 960 * (1 + 2.0 ** -52)]
    small = [1e-300, 3.0, -0.3, 0.0, -0.0, 1.5, 2.0 ** 600 / 3]
    a, b = (rng.choice(np.array(huge + small), 3000) for _ in range(2))
    c = rng.choice(np.array(huge + small + [2.0 ** -1060, 5e-324]), 3000)
    with np.errstate(over='ignore'):
        subnormal = (a * b != 0) & (np.abs(a * b) < 2.0 ** -900)    # (not this test's subject)
    a[subnormal] = 1.0
    with np.errstate(over='ignore'):
        cancel = rng.random(3000) < 0.2              # c near -a * b: the sum cancels
        c[cancel] = -(a * b)[cancel] * rng.choice([1.0, 1 + 2.0 ** -52], cancel.sum())
    c[~np.isfinite(c)] = 1.0
    got = _fma.fused_multiply_add(a, b, c, np.float64)
    want = np.array([_exact_float64(*abc) for abc in zip(a, b, c)])
    assert got.view(np.int64).tolist() == want.view(np.int64).tolist()
