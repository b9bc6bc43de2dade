"""microtorch.special and the special functions (ops/special.py) against PyTorch.

- Every name of microtorch.special is torch.special's, with PyTorch's values and gradients
  (float64) on a grid that reaches each function's pieces.
- The values at the poles and edges (0, the negative integers, +-1 for erfinv, 0 and 1 for
  ndtri, +-inf, nan, tiny and huge numbers) are PyTorch's, in float64 and float32, on each
  device: the CPU's NumPy code and its Numba ufuncs (forced), and CUDA where there is one.
- The NumPy and Numba forms agree, and both are accurate, against mpmath where it is there.
- dtypes, Tensor methods and in-place forms as PyTorch's.
"""
import math
import re

import numpy as np
import pytest

import microtorch
from microtorch.backends import numba_dispatch
from microtorch.backends import special_functions as SF


@pytest.fixture(params=['cpu', 'cpu+numba', 'cuda'])
def device(request):
    if request.param == 'cuda':
        yield request.getfixturevalue('cuda_device')
        return
    if request.param == 'cpu':
        with numba_dispatch.configure(enabled=False):
            yield 'cpu'
        return
    pytest.importorskip('numba')
    with numba_dispatch.configure(enabled=True, min_size=0):
        yield 'cpu'


# name -> (call on the library's special module and a tensor, input values)
REAL = np.linspace(-3.3, 4.1, 23)
UNIT = np.linspace(0.03, 0.97, 17)
POSITIVE = np.linspace(0.2, 6.5, 19)
SPECIAL_CALLS = {
    'expit': (lambda sp, x: sp.expit(x), REAL),
    'logit': (lambda sp, x: sp.logit(x, eps=0.1), UNIT),
    'erf': (lambda sp, x: sp.erf(x), REAL),
    'erfc': (lambda sp, x: sp.erfc(x * 2), REAL),
    'erfinv': (lambda sp, x: sp.erfinv(x * 2 - 1), UNIT),
    'gammaln': (lambda sp, x: sp.gammaln(x), REAL + 0.05),
    'digamma': (lambda sp, x: sp.digamma(x), REAL + 0.05),
    'psi': (lambda sp, x: sp.psi(x * 5), POSITIVE),
    'polygamma': (lambda sp, x: sp.polygamma(3, x), REAL + 0.05),
    'multigammaln': (lambda sp, x: sp.multigammaln(x + 1.5, 4), POSITIVE),
    'log_softmax': (lambda sp, x: sp.log_softmax(x.reshape(-1, 1), 0, dtype=x.dtype), REAL),
    'softmax': (lambda sp, x: sp.softmax(x, 0), REAL),
    'logsumexp': (lambda sp, x: sp.logsumexp(x.reshape(1, -1), 1, keepdim=True), REAL),
    'xlogy': (lambda sp, x: sp.xlogy(x, x * x + 0.5), REAL),
    'xlog1py': (lambda sp, x: sp.xlog1py(x, x * x), REAL),
    'sinc': (lambda sp, x: sp.sinc(x), REAL + 0.01),
    'exp2': (lambda sp, x: sp.exp2(x), REAL),
    'expm1': (lambda sp, x: sp.expm1(x), REAL),
    'log1p': (lambda sp, x: sp.log1p(x), POSITIVE - 0.1),
    'round': (lambda sp, x: sp.round(x * 7, decimals=1), REAL + 0.003),
    'entr': (lambda sp, x: sp.entr(x), POSITIVE),
    'ndtr': (lambda sp, x: sp.ndtr(x * 2), REAL),
    'ndtri': (lambda sp, x: sp.ndtri(x), UNIT),
    'log_ndtr': (lambda sp, x: sp.log_ndtr(x * 8), REAL),
    'i0': (lambda sp, x: sp.i0(x * 9), REAL),
    'i1': (lambda sp, x: sp.i1(x * 9), REAL),
}


def test_the_namespace_is_torch_specials(torch):
    import test_special_more         # (its NAMES are tested there)
    assert sorted(microtorch.special.__all__) == sorted([*SPECIAL_CALLS, *test_special_more.NAMES])
    for name in microtorch.special.__all__:
        assert hasattr(torch.special, name), name
        assert callable(getattr(microtorch.special, name))


@pytest.mark.parametrize('name', sorted(SPECIAL_CALLS))
def test_special_values_and_gradients_as_torch(name, torch, rng):
    call, values = SPECIAL_CALLS[name]
    seed = None
    results = []
    for lib in (microtorch, torch):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        y = call(lib.special, x)
        if seed is None:
            seed = rng.standard_normal(tuple(y.shape))
        grad, = lib.autograd.grad(y, x, lib.tensor(seed))
        results.append((y.detach().numpy(), grad.numpy()))
    (y, g), (ty, tg) = results
    np.testing.assert_allclose(y, ty, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g, tg, rtol=1e-10, atol=1e-12)


# ---- poles and edges ----------------------------------------------------------------------

GAMMA_EDGES = [0.0, -0.0, -1.0, -2.0, -7.0, 1.0, 2.0, 3.0, -0.5, -2.5, -7.3, 0.5, 3.7, 9.75,
               10.0, 12.0, math.inf, -math.inf, math.nan, 1e-30, -1e-30, 1e-8, 1e30, -1e30,
               1e17, 170.5, -170.5]
UNIT_EDGES = [-1.0, 1.0, 1.5, -1.5, 0.0, -0.0, 0.5, -0.999999, 0.9999999, 1e-30, math.nan,
              math.inf, -math.inf]
PROBABILITY_EDGES = [0.0, 1.0, 0.5, 1e-30, 1e-10, 1e-5, 0.25, 0.75, 0.999, 1 - 1e-7, -0.1,
                     1.1, math.nan]
EDGE_CALLS = {
    'lgamma': (lambda lib, x: lib.lgamma(x), GAMMA_EDGES),
    'digamma': (lambda lib, x: lib.digamma(x), GAMMA_EDGES),
    **{f'polygamma/{n}': (lambda lib, x, n=n: lib.polygamma(n, x), GAMMA_EDGES)
       for n in (0, 1, 2, 3, 4)},
    'mvlgamma': (lambda lib, x: lib.mvlgamma(x, 2), GAMMA_EDGES),
    'erfinv': (lambda lib, x: lib.erfinv(x), UNIT_EDGES),
    'erfc': (lambda lib, x: lib.erfc(x), [-30.0, -3.0, 0.0, 0.5, 5.0, 9.0, 27.0, math.inf,
                                          -math.inf, math.nan]),
    'ndtri': (lambda lib, x: lib.special.ndtri(x), PROBABILITY_EDGES),
    'ndtr': (lambda lib, x: lib.special.ndtr(x), [-40.0, -9.0, -1.0, 0.0, 3.0, 40.0,
                                                  math.inf, -math.inf, math.nan]),
    'log_ndtr': (lambda lib, x: lib.special.log_ndtr(x), [
        -1e5, -40.0, -20.5, -19.5, -10.5, -9.5, -5.0, -1.0, 0.0, 5.0, 40.0, math.inf,
        -math.inf, math.nan]),
    'entr': (lambda lib, x: lib.special.entr(x), [0.0, -0.0, 0.5, 1.0, -1.0, 1e-300, math.inf,
                                                  -math.inf, math.nan]),
    **{name: (lambda lib, x, name=name: getattr(lib.special, name)(x), [
        0.0, -0.0, 1e-30, 0.5, -3.0, 19.99, 20.01, -25.0, 80.0, 88.5, 89.0, -90.0, 700.0,
        709.5, 710.0, -712.0,
        math.inf, -math.inf, math.nan]) for name in ('i0', 'i1')},
}
# Where float32 needs its own tolerance: trigamma at the poles is 1 / sin(pi x)^2 of a
# rounded sin.
FLOAT32_RTOL = {'polygamma/1': 1e-4}
# polygamma(4, -170.5) goes through the reflection formula, whose terms cancel to 1e-9 of their
# size: the last digits move with the libm NumPy was built against (NumPy 2.4.6: 6e-9 apart).
FLOAT64_RTOL = {'polygamma/4': 1e-8}


@pytest.mark.parametrize('dtype', ['float64', 'float32'])
@pytest.mark.parametrize('name', sorted(EDGE_CALLS))
def test_poles_and_edges_as_torch(name, dtype, device, torch):
    call, values = EDGE_CALLS[name]
    if device != 'cpu' and name == 'polygamma/1':
        values = [v for v in values if abs(v) < 1e20]       # sin(pi x) of a huge x: libm's
    got = call(microtorch, microtorch.tensor(values, dtype=getattr(microtorch, dtype),
                                             device=device))
    expected = call(torch, torch.tensor(values, dtype=getattr(torch, dtype)))
    assert got.dtype is getattr(microtorch, dtype)
    got, expected = got.cpu().numpy(), expected.numpy()
    rtol = FLOAT64_RTOL.get(name, 1e-10) if dtype == 'float64' else FLOAT32_RTOL.get(name, 2e-6)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=1e-300 if dtype == 'float64'
                               else 2e-6)
    same_infinities = np.isinf(expected) == np.isinf(got)
    assert same_infinities.all(), (np.array(values)[~same_infinities], got, expected)
    infinite = np.isinf(expected)
    assert (np.sign(got[infinite]) == np.sign(expected[infinite])).all()


def test_digamma_of_signed_zeros_is_signed_infinity():
    x = microtorch.tensor([0.0, -0.0])
    assert x.digamma().tolist() == [-math.inf, math.inf]
    assert microtorch.polygamma(0, x).tolist() == [-math.inf, math.inf]


# ---- the CPU's two forms ----------------------------------------------------------------------

def _wide_sample(rng):
    return np.concatenate([rng.uniform(-30, 30, 400), rng.uniform(0, 3, 200),
                           np.geomspace(1e-300, 1e300, 40), -np.geomspace(1e-300, 1e14, 40),
                           [0.0, -0.0, -1.0, -4.0, 1.0, 2.0, np.inf, -np.inf, np.nan]])


@pytest.mark.parametrize('name', ['lgamma', 'digamma', 'polygamma1', 'polygamma2',
                                  'polygamma5', 'erfinv', 'ndtri', 'erfc', 'erf'])
def test_numpy_and_numba_forms_agree(name, rng):
    pytest.importorskip('numba')
    x = _wide_sample(rng)
    x = x[np.abs(x) < 1e38]                   # float32's range (x is cast below)
    if name in ('erfinv', 'ndtri'):
        x = np.concatenate([rng.uniform(-1.1, 1.1, 500), 1 - np.geomspace(1e-16, 0.5, 50),
                            np.geomspace(1e-300, 0.5, 50), [0.0, 1.0, -1.0, np.nan]])
    elif name.startswith('polygamma'):
        x = x[np.abs(x) < 1e6]          # the direct sum of a very negative x is long
    fn = {'polygamma1': lambda v: SF.polygamma(1, v), 'polygamma2': lambda v: SF.polygamma(2, v),
          'polygamma5': lambda v: SF.polygamma(5, v)}.get(name) or getattr(SF, name)
    results = []
    for enabled in (False, True):
        with numba_dispatch.configure(enabled=enabled, min_size=0):
            results.append((fn(x), fn(x.astype(np.float32))))
    (a64, a32), (b64, b32) = results
    assert a64.dtype == np.float64 and a32.dtype == np.float32
    np.testing.assert_allclose(a64, b64, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(a32, b32, rtol=1e-6, atol=1e-7)


MP_CASES = {
    'lgamma': (SF.lgamma, lambda mp, v: mp.re(mp.loggamma(v)), 1e-12),
    'digamma': (SF.digamma, lambda mp, v: mp.digamma(v), 1e-12),
    'polygamma2': (lambda x: SF.polygamma(2, x), lambda mp, v: mp.polygamma(2, v), 1e-13),
    'polygamma4': (lambda x: SF.polygamma(4, x), lambda mp, v: mp.polygamma(4, v), 1e-13),
    'erfinv': (SF.erfinv, lambda mp, v: mp.erfinv(v), 1e-15),
    'ndtri': (SF.ndtri, lambda mp, v: mp.sqrt(2) * mp.erfinv(2 * v - 1), 1e-14),
}


@pytest.mark.parametrize('numba_on', [False, True], ids=['numpy', 'numba'])
@pytest.mark.parametrize('name', sorted(MP_CASES))
def test_accuracy_against_mpmath(name, numba_on, rng):
    """Relative error, or absolute error near the functions' zeros (lgamma at 1, 2 and
    between the negative poles, digamma at its roots)."""
    mpmath = pytest.importorskip('mpmath')
    if numba_on:
        pytest.importorskip('numba')
    fn, ref_fn, bound = MP_CASES[name]
    if name in ('erfinv', 'ndtri'):
        x = np.concatenate([rng.uniform(-1, 1, 200) if name == 'erfinv' else
                            rng.uniform(0, 1, 200), 1 - np.geomspace(1e-16, 0.5, 30),
                            np.geomspace(1e-300 if name == 'erfinv' else 1e-30, 0.4, 30)])
    else:
        x = np.concatenate([rng.uniform(-12, 12, 150), rng.uniform(0, 3, 100),
                            np.geomspace(1e-200, 1e200, 25)])
        x = x[(x != np.round(x)) & (np.abs(x) < (1e4 if name.startswith('poly') else 1e300))]
    with mpmath.workdps(60):               # ndtri's reference: 2p - 1 of p down to 1e-30
        ref = np.array([float(ref_fn(mpmath, mpmath.mpf(v))) for v in x])
    with numba_dispatch.configure(enabled=numba_on, min_size=0):
        got = fn(x)
    with np.errstate(invalid='ignore'):            # inf - inf where both overflow
        error = np.where(got == ref, 0.0, np.abs(got - ref) / np.maximum(np.abs(ref), 1.0))
    assert error.max() < bound, (x[np.argmax(error)], got[np.argmax(error)], ref[np.argmax(error)])


def test_trigamma_is_pytorchs_formula(torch, rng):
    """PyTorch's trigamma is good to about 1e-9 (its series is short); digamma's gradient and
    polygamma(1, x) are PyTorch's numbers, not closer ones."""
    x = np.concatenate([rng.uniform(-5, 5, 300), rng.uniform(0, 1, 100)])
    got = microtorch.polygamma(1, microtorch.tensor(x)).numpy()
    expected = torch.polygamma(1, torch.tensor(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-13)


# ---- dtypes, methods, in place ----------------------------------------------------------------

@pytest.mark.parametrize('call', [
    lambda lib, x: lib.lgamma(x), lambda lib, x: lib.digamma(x),
    lambda lib, x: lib.polygamma(2, x), lambda lib, x: lib.erfinv(x),
    lambda lib, x: lib.erfc(x), lambda lib, x: lib.mvlgamma(x, 1),
    lambda lib, x: lib.special.entr(x), lambda lib, x: lib.special.ndtr(x),
    lambda lib, x: lib.special.ndtri(x), lambda lib, x: lib.special.log_ndtr(x),
    lambda lib, x: lib.special.xlog1py(x, x), lambda lib, x: lib.special.gammaln(x),
    lambda lib, x: lib.i0(x), lambda lib, x: lib.special.i1(x)])
@pytest.mark.parametrize('values', [[1, 2, 0], [True, False, True]], ids=['int', 'bool'])
def test_integers_and_bools_give_floats_as_torch(call, values, torch):
    try:
        expected = call(torch, torch.tensor(values))
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=re.escape(str(error))):
            call(microtorch, microtorch.tensor(values))
        return
    got = call(microtorch, microtorch.tensor(values))
    assert str(got.dtype).split('.')[-1] == str(expected.dtype).split('.')[-1]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize('name, args', [('lgamma', ()), ('digamma', ()), ('erfinv', ()),
                                        ('erfc', ()), ('polygamma', (2,)), ('mvlgamma', (2,)),
                                        ('i0', ())])
def test_methods_and_in_place_forms_as_torch(name, args, torch, rng):
    values = rng.uniform(0.1, 0.9, 5) + (1.0 if name == 'mvlgamma' else 0.0)
    results = []
    for lib in (microtorch, torch):
        x = lib.tensor(values, dtype=lib.float64)
        y = getattr(x, name)(*args)
        z = x.clone()
        assert getattr(z, name + '_')(*args) is z
        results.append((y.numpy(), z.numpy(), y.grad_fn))
    (y, z, _), (ty, tz, _) = results
    np.testing.assert_allclose(y, ty, rtol=1e-10)
    np.testing.assert_allclose(z, tz, rtol=1e-10)


def test_grad_fn_names_as_torch(torch):
    for name, call in [('LgammaBackward0', lambda lib, x: x.lgamma()),
                       ('DigammaBackward0', lambda lib, x: lib.special.psi(x)),
                       ('PolygammaBackward0', lambda lib, x: x.polygamma(0)),
                       ('ErfinvBackward0', lambda lib, x: x.erfinv()),
                       ('ErfcBackward0', lambda lib, x: lib.special.erfc(x)),
                       ('SpecialNdtriBackward0', lambda lib, x: lib.special.ndtri(x)),
                       ('SpecialEntrBackward0', lambda lib, x: lib.special.entr(x)),
                       ('I0Backward0', lambda lib, x: x.i0()),
                       ('SpecialI1Backward0', lambda lib, x: lib.special.i1(x))]:
        for lib in (microtorch, torch):
            y = call(lib, lib.tensor([0.3], requires_grad=True))
            assert type(y.grad_fn).__name__ == name


def test_gradients_at_the_edges_as_torch(torch):
    """entr's gradient -(1 + log x) is inf at 0 and nan below; erfinv's and ndtri's are inf
    at their ends; lgamma's is digamma's value at a pole."""
    cases = [(lambda lib, x: lib.special.entr(x), [0.0, -1.0, 2.0]),
             (lambda lib, x: lib.erfinv(x), [1.0, -1.0, 0.5]),
             (lambda lib, x: lib.special.ndtri(x), [0.0, 1.0, 0.5]),
             (lambda lib, x: lib.lgamma(x), [0.0, -2.0, 0.5]),
             (lambda lib, x: lib.special.xlog1py(x, lib.tensor([-1.0, -2.0, 0.5],
                                                               dtype=x.dtype)), [0.0, 0.0, 0.0])]
    for call, values in cases:
        grads = []
        for lib in (microtorch, torch):
            x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
            grads.append(lib.autograd.grad(call(lib, x).sum(), x)[0].numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
