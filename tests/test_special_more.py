"""The newer torch.special functions (ops/special_more.py) against PyTorch.

- Values in float64 on grids of ordinary values plus the edges (+-0, negatives, large
  magnitudes, +-inf, nan), to a relative 1e-10 unless a function's entry says why not; in
  float32 to float32's accuracy; integer (and bool) inputs give the default float dtype.
- Gradients (float64) against PyTorch's for i0e, i1e, erfcx and gammainc/gammaincc (in x);
  PyTorch's NotImplementedError for the derivatives it lacks (igamma's first argument,
  zeta); the Bessel functions and polynomials give results that never require grad.
- Where PyTorch's own values are off (Ai just below -2, the incomplete gamma functions in
  the region where PyTorch uses its asymptotic series), the tolerance is widened there and
  microtorch's values are checked against mpmath instead.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

import microtorch

sys.path.insert(0, str(Path(__file__).resolve().parent))

INF, NAN = np.inf, np.nan
EDGES = [0.0, -0.0, INF, -INF, NAN]


def _values(lib, name, *args, dtype='float64'):
    """name(*args) of lib.special on tensors of dtype (numbers stay numbers), as NumPy."""
    made = [lib.tensor(np.asarray(a), dtype=getattr(lib, dtype)) if isinstance(a, np.ndarray)
            else a for a in args]
    out = getattr(lib.special, name)(*made)
    return out.detach().numpy(), out


def _check(torch, name, *args, rtol=1e-10, atol=0.0, dtype='float64'):
    ours, out = _values(microtorch, name, *args, dtype=dtype)
    theirs, expected = _values(torch, name, *args, dtype=dtype)
    assert str(out.dtype).split('.')[-1] == str(expected.dtype).split('.')[-1]
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True,
                               err_msg=name)
    # the signs of zeros and infinities as well
    same = (ours == theirs) & ((ours == 0) | np.isinf(ours))
    assert np.array_equal(np.signbit(ours[same]), np.signbit(theirs[same])), name


# ---- unary functions --------------------------------------------------------------------------

ORDINARY = np.concatenate([np.linspace(-30, 30, 241), np.geomspace(1e-8, 1e3, 60),
                           -np.geomspace(1e-8, 1e3, 60), [1e-300, -1e-300, 700.0, -700.0,
                                                          800.0, -800.0]])
UNARY = ['i0e', 'i1e', 'erfcx', 'bessel_j0', 'bessel_j1', 'bessel_y0', 'bessel_y1',
         'modified_bessel_i0', 'modified_bessel_i1', 'modified_bessel_k0',
         'modified_bessel_k1', 'scaled_modified_bessel_k0', 'scaled_modified_bessel_k1',
         'spherical_bessel_j0', 'airy_ai']
# The oscillating functions are compared with an absolute floor near their zeros (both
# libraries' errors there are absolute, about 1e-16 of the function's scale).
ABSOLUTE = {'bessel_j0': 1e-12, 'bessel_j1': 1e-12, 'bessel_y0': 1e-12, 'bessel_y1': 1e-12,
            'spherical_bessel_j0': 1e-16, 'airy_ai': 1e-14}
# PyTorch's float32 kernels of these are good to about 1e-6 absolute only
FLOAT32_ABSOLUTE = {'bessel_j0': 2e-6, 'bessel_j1': 2e-6, 'bessel_y0': 2e-6,
                    'bessel_y1': 2e-6, 'airy_ai': 2e-6}


# Where PyTorch's own values are off (against mpmath): |x| in [low, high] is compared with
# PyTorch to the absolute tolerance given (its error there), and with mpmath tightly below.
TORCH_ERROR = {'bessel_j0': (2.0, 16.0, 1e-6), 'bessel_j1': (2.0, 16.0, 1e-6),
               'bessel_y0': (2.0, 16.0, 1e-6), 'bessel_y1': (2.0, 16.0, 1e-6),
               'airy_ai': (2.0, 4.5, 1e-5)}


@pytest.mark.parametrize('name', UNARY)
def test_unary_float64_as_torch(torch, name):
    x = np.concatenate([ORDINARY, EDGES])
    low, high, atol = TORCH_ERROR.get(name, (0.0, 0.0, 0.0))
    off = (np.abs(x) >= low) & (np.abs(x) <= high)
    if name == 'airy_ai':
        off &= x < 0                      # (only below 0 for Ai)
    _check(torch, name, x[~off], atol=ABSOLUTE.get(name, 0.0))
    if off.any():
        _check(torch, name, x[off], rtol=0.0, atol=atol)


def _mpmath_function(mpmath, name):
    return {'i0e': lambda v: mpmath.besseli(0, v) * mpmath.exp(-abs(v)),
            'i1e': lambda v: mpmath.besseli(1, v) * mpmath.exp(-abs(v)),
            'erfcx': lambda v: mpmath.erfc(v) * mpmath.exp(v * v),
            'bessel_j0': lambda v: mpmath.besselj(0, v),
            'bessel_j1': lambda v: mpmath.besselj(1, v),
            'bessel_y0': lambda v: mpmath.bessely(0, v),
            'bessel_y1': lambda v: mpmath.bessely(1, v),
            'modified_bessel_i0': lambda v: mpmath.besseli(0, v),
            'modified_bessel_i1': lambda v: mpmath.besseli(1, v),
            'modified_bessel_k0': lambda v: mpmath.besselk(0, v),
            'modified_bessel_k1': lambda v: mpmath.besselk(1, v),
            'scaled_modified_bessel_k0': lambda v: mpmath.besselk(0, v) * mpmath.exp(v),
            'scaled_modified_bessel_k1': lambda v: mpmath.besselk(1, v) * mpmath.exp(v),
            'spherical_bessel_j0': lambda v: mpmath.sin(v) / v,
            'airy_ai': mpmath.airyai}[name]


@pytest.mark.parametrize('name', UNARY)
def test_unary_against_mpmath(name):
    """microtorch itself is accurate (where PyTorch is not, too): a relative 1e-12, with an
    absolute 1e-15 of the function's scale near the zeros of the oscillating ones."""
    mpmath = pytest.importorskip('mpmath')
    mpmath.mp.dps = 30
    x = np.concatenate([np.linspace(-40, 40, 321), np.geomspace(1e-6, 500, 40)])
    x = x[x != 0]
    if name in ('bessel_y0', 'bessel_y1') or 'bessel_k' in name:
        x = np.abs(x)
    ours, _ = _values(microtorch, name, x)
    exact = np.array([float(_mpmath_function(mpmath, name)(mpmath.mpf(v))) for v in x])
    np.testing.assert_allclose(ours, exact, rtol=1e-12, atol=1e-15 if name in ABSOLUTE else 0)


@pytest.mark.parametrize('name', UNARY)
def test_unary_float32_and_integers_as_torch(torch, name):
    x = np.concatenate([np.linspace(-20, 20, 81), EDGES, [1e-30, 80.0, -80.0]])
    # float32: rounding of the same values (PyTorch computes in float: a few ulps apart)
    atol = FLOAT32_ABSOLUTE.get(name, 1e-7 if name in ABSOLUTE else 0.0)
    _check(torch, name, x, rtol=2e-6, atol=atol, dtype='float32')
    whole = np.arange(-6, 7)
    _check(torch, name, whole, rtol=2e-6, atol=max(atol, 1e-7), dtype='int64')
    _check(torch, name, np.array([True, False]), rtol=2e-6, dtype='bool')


@pytest.mark.parametrize('name', ['i0e', 'i1e', 'erfcx'])
def test_unary_gradients_as_torch(torch, name):
    x = np.concatenate([np.linspace(-12, 12, 49), [0.0, -0.0, 1e-8, 30.0, -30.0]])
    grads = []
    for lib in (microtorch, torch):
        t = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        y = getattr(lib.special, name)(t)
        g, = lib.autograd.grad(y, t, lib.ones_like(y), create_graph=True)
        gg, = lib.autograd.grad(g.sum(), t)
        grads.append((type(y.grad_fn).__name__, g.detach().numpy(), gg.numpy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(grads[0][2], grads[1][2], rtol=1e-9, atol=1e-14)


@pytest.mark.parametrize('name', UNARY[3:])
def test_forward_only_functions_never_require_grad(torch, name):
    x = microtorch.tensor([0.5, 1.5], requires_grad=True)
    out = getattr(microtorch.special, name)(x)
    assert not out.requires_grad and out.grad_fn is None


# ---- the incomplete gamma functions ----------------------------------------------------------

GAMMA_GRID = np.concatenate([np.geomspace(1e-3, 1e3, 37), [0.5, 1.0, 2.0, 1e-12]])


def _torch_asymptotic_region(a, x):
    """Where PyTorch uses its asymptotic series (good to about 1e-9 only)."""
    with np.errstate(all='ignore'):
        ratio = np.abs(x - a) / a
        return ((a > 20) & (a < 200) & (ratio < 0.3)) | ((a > 200) & (ratio < 4.5 / np.sqrt(a)))


@pytest.mark.parametrize('name', ['gammainc', 'gammaincc'])
def test_incomplete_gamma_float64_as_torch(torch, name):
    a, x = (g.ravel() for g in np.meshgrid(np.concatenate([GAMMA_GRID, EDGES, [-1.0]]),
                                           np.concatenate([GAMMA_GRID, EDGES, [-1.0]])))
    # (PyTorch loses digits of Q for a below 1e-8: those points are checked with mpmath)
    tiny = a < 1e-8
    asymptotic = _torch_asymptotic_region(a, x) & ~tiny
    plain = ~asymptotic & ~tiny
    _check(torch, name, a[plain], x[plain], atol=1e-300)     # (PyTorch: 0 for subnormals)
    _check(torch, name, a[asymptotic], x[asymptotic], rtol=1e-8)


def test_incomplete_gamma_against_mpmath(torch):
    mpmath = pytest.importorskip('mpmath')
    a = np.array([1e-10, 1e-3, 0.3, 2.5, 20.3, 41.2, 150.0, 500.0])
    x = np.array([1e-5, 0.7, 1.05, 3.0, 14.25, 41.2, 160.0, 480.0])
    for name, upper in (('gammainc', False), ('gammaincc', True)):
        ours, _ = _values(microtorch, name, a, x)
        exact = [float(mpmath.gammainc(s, *((z, mpmath.inf) if upper else (0, z)),
                                       regularized=True)) for s, z in zip(a, x)]
        np.testing.assert_allclose(ours, exact, rtol=1e-11)


def test_incomplete_gamma_float32_dtypes_and_aliases(torch):
    a = np.array([0.5, 1.0, 3.0, 10.0])
    x = np.array([0.2, 1.0, 2.5, 12.0])
    for name in ('gammainc', 'gammaincc'):
        _check(torch, name, a, x, rtol=1e-5, dtype='float32')
    for lib in (microtorch, torch):
        f32 = lib.tensor(a, dtype=lib.float32)
        i64 = lib.tensor([1, 2, 3, 4])
        out = lib.igamma(f32, i64)
        assert str(out.dtype).endswith('float32')
        assert str(lib.igammac(f32, f32.double()).dtype).endswith('float64')
    ours = microtorch.tensor(a)
    theirs = torch.tensor(a)
    np.testing.assert_allclose(ours.igamma(ours + 1).numpy(), theirs.igamma(theirs + 1).numpy(),
                               rtol=1e-6)
    np.testing.assert_allclose(ours.igammac(ours).numpy(), theirs.igammac(theirs).numpy(),
                               rtol=1e-6)
    # the in-place forms return self, with the out-of-place values
    for method in ('igamma_', 'igammac_'):
        ours_out, theirs_out = ours.clone(), theirs.clone()
        assert getattr(ours_out, method)(ours.double()) is ours_out
        getattr(theirs_out, method)(theirs.double())
        np.testing.assert_allclose(ours_out.numpy(), theirs_out.numpy(), rtol=1e-6)


@pytest.mark.parametrize('name', ['gammainc', 'gammaincc'])
def test_incomplete_gamma_gradient_in_x_as_torch(torch, name):
    a = np.array([0.5, 1.0, 2.5, 7.0, 30.0])
    x = np.array([[0.3], [1.0], [4.0]])
    grads = []
    for lib in (microtorch, torch):
        ta = lib.tensor(a, dtype=lib.float64)
        tx = lib.tensor(x, dtype=lib.float64, requires_grad=True)
        y = getattr(lib.special, name)(ta, tx)
        g, = lib.autograd.grad(y, tx, lib.ones_like(y), create_graph=True)
        gg, = lib.autograd.grad(g.sum(), tx)
        grads.append((type(y.grad_fn).__name__, g.detach().numpy(), gg.numpy()))
    assert grads[0][0] == grads[1][0]
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-10)
    np.testing.assert_allclose(grads[0][2], grads[1][2], rtol=1e-9)


# ---- zeta --------------------------------------------------------------------------------------

def test_zeta_float64_as_torch(torch):
    s = np.array([1.0, 1.0001, 1.5, 2.0, 3.0, 4.5, 10.0, 50.0, 0.5, -2.0, INF, NAN])
    q = np.array([-7.5, -3.5, -2.0, -0.5, 0.0, -0.0, 1e-3, 0.3, 1.0, 2.0, 10.0, 1e3, 1e9,
                  INF, -INF, NAN])
    x, y = (g.ravel() for g in np.meshgrid(s, q))
    _check(torch, 'zeta', x, y)
    _check(torch, 'zeta', x, y, rtol=1e-5, dtype='float32')
    _check(torch, 'zeta', np.array([2, 3, 4]), np.array([1, 2, 3]), rtol=1e-6, dtype='int64')


def test_zeta_numbers_and_broadcasting(torch):
    q = np.array([[0.5], [1.0], [2.5]])
    for first, second in ((2, q), (q, 3.0), (np.array([2.0, 3.0]), q)):
        _check(torch, 'zeta', first, second)


def test_zeta_has_a_derivative_in_q_only(torch):
    grads = []
    for lib in (microtorch, torch):
        x = lib.tensor([2.0, 3.0], requires_grad=True)
        for y, node in ((lib.special.zeta(x, x), 'SpecialZetaBackward0'),
                        (lib.special.zeta(x, 2.0), 'SpecialZetaBackward2')):
            assert type(y.grad_fn).__name__ == node
            with pytest.raises(NotImplementedError, match="the derivative for 'zeta' is not"):
                y.sum().backward()
        q = lib.tensor([0.5, 2.0, 7.5], dtype=lib.float64, requires_grad=True)
        y = lib.special.zeta(2.5, q)
        assert type(y.grad_fn).__name__ == 'SpecialZetaBackward1'
        g, = lib.autograd.grad(y.sum(), q, create_graph=True)
        gg, = lib.autograd.grad(g.sum(), q)
        y = lib.special.zeta(lib.tensor([3.0, 4.0], dtype=lib.float64), q[:2])
        g2, = lib.autograd.grad(y.sum(), q)
        grads.append([g.detach().numpy(), gg.numpy(), g2.numpy()])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10)


def test_incomplete_gamma_has_no_derivative_in_a(torch):
    for lib in (microtorch, torch):
        a = lib.tensor([2.0, 3.0], requires_grad=True)
        with pytest.raises(NotImplementedError, match="'igammac: input' is not implemented"):
            lib.special.gammaincc(a, lib.tensor([1.0, 2.0])).sum().backward()


# ---- orthogonal polynomials --------------------------------------------------------------------

POLYNOMIALS = [f'{shift}chebyshev_polynomial_{kind}' for shift in ('', 'shifted_')
               for kind in 'tuvw'] + ['hermite_polynomial_h', 'hermite_polynomial_he',
                                      'laguerre_polynomial_l', 'legendre_polynomial_p']
DEGREES = np.array([-3.0, -0.5, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0,
                    20.0, 60.0, 2.7, 1e20, INF, -INF, NAN])


@pytest.mark.parametrize('name', POLYNOMIALS)
def test_polynomials_float64_as_torch(torch, name):
    x = np.concatenate([np.linspace(-1.5, 1.5, 31), [-1.0, 1.0, 0.0, -0.0, 1e-3, 3.0, -4.0,
                                                      INF, -INF]])
    if name.startswith('shifted'):
        x = np.concatenate([(x + 1) / 2, [0.0, 1.0]])
    a, n = (g.ravel() for g in np.meshgrid(x, DEGREES))
    # a relative 1e-9 (the recurrences and trigonometric forms lose a few digits at high
    # degree, in both libraries alike), with an absolute floor at the polynomials' zeros
    _check(torch, name, a, n, rtol=1e-9, atol=1e-10)
    # (at x = nan some of PyTorch's kernels return an uninitialised value: not compared)


@pytest.mark.parametrize('name', POLYNOMIALS)
def test_polynomials_float32_numbers_and_integers_as_torch(torch, name):
    x = np.linspace(0.05, 0.95, 7) if name.startswith('shifted') else np.linspace(-0.9, 0.9, 7)
    n = np.array([0.0, 1.0, 2.0, 5.0])[:, None]
    _check(torch, name, x, n, rtol=1e-4, atol=1e-5, dtype='float32')
    _check(torch, name, x, 3)
    _check(torch, name, 0.5, n)
    _check(torch, name, np.array([0, 1, 2]), np.array([3, 2, 1]), dtype='int64')
    out = getattr(microtorch.special, name)(microtorch.tensor(x, requires_grad=True), 3)
    assert not out.requires_grad


def test_hermite_degree_limits(torch):
    n = np.array([127.0, 128.0, 129.0, 512.0, 513.0])
    for name in ('hermite_polynomial_h', 'hermite_polynomial_he'):
        _check(torch, name, np.full(5, 0.3), n, rtol=1e-8)
        ours, _ = _values(microtorch, name, np.full(5, 0.3), n, dtype='float32')
        theirs, _ = _values(torch, name, np.full(5, 0.3), n, dtype='float32')
        assert np.array_equal(np.isnan(ours), np.isnan(theirs))


# ---- names ---------------------------------------------------------------------------------------

NAMES = UNARY + ['gammainc', 'gammaincc', 'zeta'] + POLYNOMIALS


def test_names_and_exports(torch):
    for name in NAMES:
        assert name in microtorch.special.__all__ and hasattr(torch.special, name)
    for name in ('igamma', 'igammac'):
        assert callable(getattr(microtorch, name))
        for method in (name, name + '_'):
            assert callable(getattr(microtorch.Tensor, method))
