"""The fused Numba kernels against NumPy: fastmath's float32 functions, and each elementwise
kernel against the NumPy primitive it replaces (backends/cpu.py), including the calls it
declines. The first run compiles every kernel (a minute or two; cached on disk after that)."""
import inspect
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

numba = pytest.importorskip('numba')

from microtorch.backends import cpu, numba_dispatch                      # noqa: E402
from microtorch.backends.numba_kernels import ROUTES                     # noqa: E402
from microtorch.backends.numba_kernels import elementwise as ew          # noqa: E402
from microtorch.backends.numba_kernels import fastmath as fm             # noqa: E402

F32 = np.float32
ELEMENTWISE = sorted(name for name, (module, _) in ROUTES.items() if module == 'elementwise')


def _numpy(name, *args):
    """The NumPy original, with routing off (some originals call other routed primitives)."""
    with numba_dispatch.configure(enabled=False):
        return getattr(cpu, name).numpy(*args)


# ---- fastmath ---------------------------------------------------------------------------------

def _mapper(f, name):
    # Module-level functions in the closure and a name per kernel: Numba can cache these, and
    # fastmath.STAMP in the closure recompiles them when fastmath.py changes. Numba's default
    # error_model ('python') on purpose: fastmath must not raise under it.
    stamp = fm.STAMP

    def run(x):
        stamp                                   # in the closure, so in the cache key
        out = np.empty_like(x)
        for i in range(x.size):
            out[i] = f(x[i])
        return out
    run.__name__ = run.__qualname__ = name
    return numba.njit(cache=True, fastmath=ew.FLAGS)(run)


FM = {name: _mapper(getattr(fm, name), 'fm_' + name)
      for name in ('exp', 'log', 'log1p', 'tanh', 'sin_small', 'cos_small')}


def _positive_floats(step):
    """Every `step`-th positive finite float32, denormals included."""
    return np.arange(1, 0x7f800000, step, dtype=np.uint32).view(F32)


def _tiny(n):
    t = np.geomspace(1e-38, 1e-3, n).astype(F32)
    return np.concatenate([t, -t])


def _max_relative_error(name, x, ref_fn):
    got = FM[name](x).astype(np.float64)
    ref = ref_fn(x.astype(np.float64))
    with np.errstate(all='ignore'):
        err = np.abs(got - ref) / np.abs(ref)
    return np.max(np.where(got == ref, 0, err))


@pytest.mark.parametrize('name, domain, ref_fn, bound', [
    ('exp', lambda: np.linspace(-87.3, 88.7, 2_000_001, dtype=F32), np.exp, 2e-7),
    ('exp', lambda: _tiny(100_000), np.exp, 2e-7),
    ('log', lambda: _positive_floats(1 << 10), np.log, 2e-7),
    ('log1p', lambda: np.linspace(-0.9999, 20, 2_000_001, dtype=F32), np.log1p, 4e-7),
    ('log1p', lambda: _tiny(100_000), np.log1p, 4e-7),
    ('log1p', lambda: _positive_floats(1 << 11), np.log1p, 4e-7),
    ('tanh', lambda: np.linspace(-12, 12, 2_000_001, dtype=F32), np.tanh, 6e-7),
    ('tanh', lambda: _tiny(100_000), np.tanh, 3e-7),
])
def test_fastmath_float32_accuracy(name, domain, ref_fn, bound):
    x = domain()
    assert FM[name](x).dtype == F32
    assert _max_relative_error(name, x, ref_fn) < bound


@pytest.mark.parametrize('name, ref_fn', [('sin_small', np.sin), ('cos_small', np.cos)])
def test_fastmath_float32_sin_cos(name, ref_fn):
    x = np.linspace(-fm.TRIG_MAX, fm.TRIG_MAX, 2_000_001, dtype=F32)
    err = np.abs(FM[name](x).astype(np.float64) - ref_fn(x.astype(np.float64)))
    assert err.max() < 1.5e-7


SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-45, -1e-45, 1e-30, 1.0, -1.0, 2.0,
                    -2.0, 9.5, -9.5, 20.0, -20.0, 88.72, 88.73, -87.4, -103.9, -104.0, -200.0,
                    3.4e38, -3.4e38], F32)


@pytest.mark.parametrize('name', ['exp', 'log', 'log1p', 'tanh'])
def test_fastmath_float32_special_values(name):
    with np.errstate(all='ignore'):
        ref = getattr(np, name)(SPECIAL.astype(np.float64)).astype(F32)
    got = FM[name](SPECIAL)
    # Equal nan and inf positions, finite values to 4e-7; exp flushes denormal results to 0.
    tiny = np.finfo(F32).tiny if name == 'exp' else 1.5e-45
    np.testing.assert_allclose(got, ref, rtol=4e-7, atol=tiny)
    np.testing.assert_array_equal(np.signbit(got[np.isinf(ref)]), np.signbit(ref[np.isinf(ref)]))


def test_fastmath_float64_is_numpy():
    x = np.concatenate([np.linspace(-50, 50, 10_001), [np.nan, np.inf, -np.inf, 0.0]])
    for name in ('exp', 'tanh'):
        np.testing.assert_allclose(FM[name](x), getattr(np, name)(x), rtol=1e-15)
    for name in ('log', 'log1p'):
        with np.errstate(all='ignore'):
            np.testing.assert_allclose(FM[name](np.abs(x)), getattr(np, name)(np.abs(x)),
                                       rtol=1e-15)


# ---- the routed elementwise kernels against NumPy -------------------------------------------

def test_every_routed_name_has_a_kernel_with_numpys_signature():
    for name in ELEMENTWISE:
        original = getattr(cpu, name).numpy
        n = (original.nin if isinstance(original, np.ufunc)
             else len(inspect.signature(original).parameters))
        assert len(inspect.signature(getattr(ew, name)).parameters) == n, name


@pytest.fixture(scope='module')
def data():
    """x, y, gy with nan/inf/0 entries; xt with |x| beyond fastmath.TRIG_MAX (libm's part)."""
    rng = np.random.default_rng(0)
    n = 10_001
    x = rng.standard_normal(n) * 3
    x[:9] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, 30.0, -30.0, 1.0]
    y = rng.standard_normal(n) * 3
    y[9:13] = [np.nan, 0.0, np.inf, -np.inf]
    y[20:60] = x[20:60]                                 # ties for maximum's gradient
    gy = rng.standard_normal(n)
    gy[13] = np.nan
    xt = x.copy()
    xt[100::997] = rng.uniform(-1e5, 1e5, xt[100::997].size)
    return {'x': x, 'y': y, 'gy': gy, 'xp': np.abs(x), 'xt': xt, 'xs': 1 / (1 + np.exp(-y))}


# (primitive, argument names (arrays from `data`) or values, float32 atol for cancellation)
CASES = [
    ('neg_forward', ['x']), ('abs_forward', ['x']), ('exp_forward', ['x']),
    ('log_forward', ['x']), ('log_forward', ['xp']), ('sqrt_forward', ['x']),
    ('sin_forward', ['xt'], 2e-7), ('cos_forward', ['xt'], 2e-7), ('tanh_forward', ['x']),
    ('sigmoid_forward', ['x']), ('reciprocal_forward', ['x']), ('relu_forward', ['x']),
    ('clamp_forward', ['x', -1, 2.5]), ('clamp_forward', ['x', None, 0.5]),
    ('clamp_forward', ['x', -0.5, None]),
    *[('pow_scalar_forward', ['x', e]) for e in (0, 1, 2, 3, 0.5, -0.5, -1, -2, 1.7, 2.5)],
    ('leaky_relu_forward', ['x', 0.01]), ('softplus_forward', ['x', 1.0, 20.0]),
    ('softplus_forward', ['x', 2.0, 3.0]), ('softplus_forward', ['x', 0.5, 1.0]),
    ('neg_backward', [None, 'gy']), ('abs_backward', ['x', 'gy']),
    ('exp_backward', ['x', 'gy']), ('log_backward', ['x', 'gy']),
    ('sqrt_backward', ['xp', 'gy']), ('sin_backward', ['xt', 'gy'], 1e-6),
    ('cos_backward', ['xt', 'gy'], 1e-6), ('tanh_backward', ['x', 'gy'], 1e-6),
    ('tanh_backward', ['xs', 'gy'], 1e-6), ('sigmoid_backward', ['xs', 'gy']),
    ('reciprocal_backward', ['x', 'gy']), ('relu_backward', ['x', 'gy']),
    ('clamp_backward', ['x', 'gy', -1, 2.5]), ('clamp_backward', ['x', 'gy', None, 0.5]),
    *[('pow_scalar_backward', ['x', 'gy', e]) for e in (1, 2, 3, 1.5, 0.5, -1, 2.5)],
    ('leaky_relu_backward', ['x', 'gy', 0.2]), ('softplus_backward', ['x', 'gy', 1.0, 20.0]),
    ('hardtanh_forward', ['x', -1.0, 1.0]), ('hardtanh_forward', ['x', 0.0, 6.0]),
    ('hardtanh_backward', ['x', 'gy', -1.0, 1.0]), ('hardtanh_backward', ['x', 'gy', 0.0, 6.0]),
    ('softplus_backward', ['x', 'gy', 2.0, 3.0]),
    *[(f'{op}_forward', args) for op in ('add', 'sub', 'mul', 'div', 'maximum', 'minimum')
      for args in (['x', 'y'], ['x', 2.5], [3, 'y'], ['x', 'y1'], ['y0d', 'x'])],
    ('pow_forward', ['xp', 'y']), ('pow_forward', ['x', 2]), ('pow_forward', ['xp', 0.5]),
    ('pow_forward', ['x', 0.5]), ('pow_forward', [2.0, 'y']), ('pow_forward', ['x', 'y1']),
    *[(f'{op}_backward', args) for op in ('maximum', 'minimum')
      for args in (['x', 'y', 'gy'], ['x', 0.5, 'gy'], [1, 'y', 'gy'], ['x', 'y1', 'gy'])],
    *[('where_forward', args) for args in (['c', 'x', 'y'], ['c', 'x', 0.0], ['c', 2.5, 'y'],
                                          ['c', 'x', 'y1'], ['c', 'y0d', 'x'], ['c', 'x', 'ye'],
                                          ['c', 'ye', 0.0])],
]


# General powers run NumPy's vectorised pow: the kernels decline them (elementwise.py says why).
GENERAL_POWERS = {('pow_scalar_forward', ('x', 1.7)), ('pow_scalar_forward', ('x', 2.5)),
            ('pow_scalar_backward', ('x', 'gy', 2.5)), ('pow_forward', ('xp', 'y')),
            ('pow_forward', (2.0, 'y')), ('pow_forward', ('x', 'y1'))}

# Float32 primitives whose PyTorch loops cpu.py reproduces bit for bit: the kernels decline them.
EXACT_FLOAT32 = {'pow_forward', 'softplus_forward', 'softplus_backward'}


def _args(names, data, dtype):
    def one(v):
        if not isinstance(v, str):
            return v
        if v == 'y1':                                   # a size-1 array, broadcast
            return data['y'][14:15].astype(dtype)
        if v == 'y0d':
            return np.asarray(data['y'][15], dtype)
        if v == 'ye':                                   # one number expanded (strides 0)
            return np.broadcast_to(data['y'][15].astype(dtype), data['y'].shape)
        if v == 'c':                                    # a condition
            return data['x'] > data['y']
        return data[v].astype(dtype)
    return [one(v) for v in names]


def test_crossovers_are_the_ones_measured_on_this_cpu_vendor():
    """Each machine measured gives every family a crossover; this CPU takes its vendor's
    table, another vendor the first machine's."""
    from microtorch.backends.mkl import cpu_vendor
    tables = numba_dispatch._MIN_SIZE_MEASURED
    families = set(tables['AuthenticAMD'])
    assert all(set(t) == families for t in tables.values())
    assert families == set(numba_dispatch.settings.min_size)
    want = tables.get(cpu_vendor(), tables['AuthenticAMD'])
    assert numba_dispatch.DEFAULT_MIN_SIZE == want
    assert tables['GenuineIntel']['transcendental'] > tables['AuthenticAMD']['transcendental']


def test_parallel_from_sits_at_or_above_the_family_size_and_configure_overrides_it():
    """Where a family's parallel kernels overtake their serial twins (measured apart on
    the Xeon and on an AMD Zen 4) is never below the family's size; a size given to
    configure() sends that family parallel from it (the tests' min_size=0 reaches every
    parallel kernel), and parallel_from={} puts every family back to its size."""
    tables = numba_dispatch._PARALLEL_FROM_MEASURED
    for vendor, table in tables.items():
        assert set(table) <= set(numba_dispatch._MIN_SIZE_MEASURED[vendor])
        assert all(n >= numba_dispatch._MIN_SIZE_MEASURED[vendor][f] for f, n in table.items())
    sizes = numba_dispatch.settings.min_size
    for family in sizes:
        assert numba_dispatch.parallel_pays(family, 1 << 40)
        assert numba_dispatch.parallel_pays(family, numba_dispatch._parallel_from[family])
        assert numba_dispatch._parallel_from[family] >= numba_dispatch._from_size[family]
    with numba_dispatch.configure(min_size=0):
        assert all(numba_dispatch.parallel_pays(f, 1) for f in sizes)
    with numba_dispatch.configure(min_size={'softmax': 0}):
        assert numba_dispatch.parallel_pays('softmax', 1)
        assert not numba_dispatch.parallel_pays('elementwise_fused',
                                                numba_dispatch._from_size['elementwise_fused']
                                                - 1)
    with numba_dispatch.configure(parallel_from={}):
        assert numba_dispatch._parallel_from == numba_dispatch._from_size
    with numba_dispatch.configure(enabled=False):
        assert not any(numba_dispatch.parallel_pays(f, 1 << 40) for f in sizes)
    assert numba_dispatch.settings.parallel_from == numba_dispatch.DEFAULT_PARALLEL_FROM


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('case', CASES, ids=lambda c: f'{c[0]}{c[1]}')
def test_kernel_matches_numpy(case, dtype, data):
    """The parallel kernels and their serial twins (elementwise._Twins) against NumPy, and
    the twins against each other bit for bit."""
    name, names, atol = (*case, 0.0)[:3]
    args = _args(names, data, dtype)
    with np.errstate(all='ignore'):
        with numba_dispatch.configure(enabled=True, min_size=0):
            got = numba_dispatch.kernel(name)(*args)
        with numba_dispatch.configure(enabled=True, min_size=1 << 40):
            serial = numba_dispatch.kernel(name)(*args)
        ref = _numpy(name, *args)
    if (name, tuple(names)) in GENERAL_POWERS or (name in EXACT_FLOAT32 and
                                                   dtype == np.float32):
        assert got is None and serial is None    # float32: PyTorch's loop, in cpu.py
        return
    assert got is not None and serial is not None, 'declined'
    got, ref, serial = ((got, ref, serial) if isinstance(ref, tuple) else
                        ((got,), (ref,), (serial,)))
    for g, t in zip(got, serial):
        np.testing.assert_array_equal(g.view(f'u{g.itemsize}'), t.view(f'u{t.itemsize}'))
    for g, r in zip(got, ref):
        assert type(g) is np.ndarray and g.dtype == r.dtype and g.shape == r.shape
        if dtype == np.float32:
            np.testing.assert_allclose(g, r, rtol=2e-6, atol=atol)
        else:
            np.testing.assert_allclose(g, r, rtol=1e-10, atol=atol * 1e-8)


def test_zero_dim_arrays():
    x = np.asarray(F32(0.5))
    for name in ('exp_forward', 'sigmoid_forward', 'relu_forward'):
        got = numba_dispatch.kernel(name)(x)
        assert got.shape == () and got.dtype == F32
        np.testing.assert_allclose(got, _numpy(name, x), rtol=2e-6)
    got = numba_dispatch.kernel('mul_forward')(x, x)
    assert got.shape == () and got.dtype == F32 and got == F32(0.25)


def test_python_scalars_keep_float32():
    x = np.linspace(-3, 3, 1001, dtype=F32)
    for name, args in [('mul_forward', (x, 0.1)), ('add_forward', (1e-3, x)),
                       ('div_forward', (x, 3)), ('sub_forward', (True, x)),
                       ('maximum_forward', (x, 0.1)), ('leaky_relu_forward', (x, 0.1)),
                       ('clamp_forward', (x, -0.1, 0.3)), ('pow_scalar_forward', (x, 3))]:
        got = numba_dispatch.kernel(name)(*args)
        assert got.dtype == F32, name
        # The scalar is rounded to float32 first, as NumPy 2 does: the same numbers (x ** 3
        # as x * x * x is within an ulp or two of powf).
        np.testing.assert_allclose(got, _numpy(name, *args), rtol=3e-7 if 'pow' in name else 0,
                                   atol=0, err_msg=name)


# ---- calls the kernels decline still get NumPy's answer through the router ------------------

DECLINED = [
    ('add_forward', lambda: (np.arange(20_000), np.arange(20_000))),             # int64
    ('exp_forward', lambda: (np.arange(20_000, dtype=np.int32) % 50,)),
    ('add_forward', lambda: (np.ones(40_000, bool), np.ones(40_000, bool))),
    ('sigmoid_forward', lambda: (np.linspace(-5, 5, 40_000, dtype=F32)[::2],)),   # strided
    ('relu_backward', lambda: (np.ones((200, 200), F32).T, np.ones((200, 200), F32))),
    # broadcasts whose dims merge into 4 alternating groups (3 and fewer: the grid kernels)
    ('mul_forward', lambda: (np.ones((50, 1, 7, 1), F32), np.ones((1, 6, 1, 9), F32))),
    ('maximum_forward', lambda: (np.ones((2, 1, 100, 1), F32), np.zeros((3, 1, 20), F32))),
    ('add_forward', lambda: (np.ones(20_000, F32), np.ones(20_000))),            # mixed dtypes
    ('mul_forward', lambda: (np.ones(20_000, F32), np.float64(0.5))),            # NumPy scalar
    ('exp_forward', lambda: (np.ones(20_000, np.float16),)),
    ('exp_backward', lambda: (np.ones(20_000, F32), np.ones(20_000))),
    ('sigmoid_backward', lambda: (np.ones(20_000, F32), np.asarray(F32(1)))),     # 0-d gy
    ('maximum_backward', lambda: (np.ones((2, 20_000), F32), np.zeros(20_000, F32),
                                  np.ones((2, 20_000), F32))),
    ('pow_scalar_backward', lambda: (np.ones(20_000, F32), np.ones(20_000, F32), 0)),
    ('pow_scalar_forward', lambda: (np.linspace(0.5, 2, 20_000, dtype=F32), 2.5)),  # general
    ('add_forward', lambda: (np.ones(20_000, F32), 10 ** 400)),                   # too large
    ('where_forward', lambda: (np.ones(20_000, bool), np.ones(20_000, F32),
                               np.asarray(0.5))),                                 # mixed dtypes
    ('where_forward', lambda: (np.ones(20_000, bool), np.ones((2, 20_000), F32),
                               np.zeros((2, 20_000), F32))),                     # cond broadcast
]


@pytest.mark.parametrize('dtype', [np.float16, np.float32, np.float64])
def test_numpy_where_gives_np_where_bits(dtype):
    """cpu.where_forward's NumPy original selects floats by their bits (cpu._select): the
    dtype, shape and every bit of np.where's result, nan payloads and signed zeros included,
    for arrays, numbers, a broadcast condition and expanded operands."""
    rng = np.random.default_rng(7)
    n = 5000
    x = rng.standard_normal(n).astype(dtype)
    y = rng.standard_normal(n).astype(dtype)
    x[:4] = [np.nan, -0.0, np.inf, -np.inf]
    y[:4] = [-np.nan, 0.0, -0.0, np.nan]
    c = rng.standard_normal(n) > 0
    mat, cond_row = x.reshape(50, 100), c[:100]
    for args in [(c, x, y), (c, x, 0.0), (c, 0.0, y), (c, -0.0, y), (c, x, -0.0),
                 (c, dtype(2.5), y), (c, x, np.asarray(np.nan, dtype)),
                 (cond_row, mat, 1.0), (c, np.broadcast_to(y[5], (n,)), x),
                 (c.reshape(50, 100), mat.T.copy().T, y.reshape(50, 100))]:
        want = np.where(*args)
        got = _numpy('where_forward', *args)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()


@pytest.mark.parametrize('name, make', DECLINED, ids=[d[0] for d in DECLINED])
def test_declined_calls_run_numpy(name, make):
    args = make()
    assert numba_dispatch.kernel(name)(*args) is None
    try:
        ref = _numpy(name, *args)
    except OverflowError:                       # NumPy's own answer to 10 ** 400
        with numba_dispatch.configure(enabled=True, min_size=0), pytest.raises(OverflowError):
            getattr(cpu, name)(*args)
        return
    with numba_dispatch.configure(enabled=True, min_size=0):
        got = getattr(cpu, name)(*args)
    got, ref = (got, ref) if isinstance(ref, tuple) else ((got,), (ref,))
    for g, r in zip(got, ref):
        assert g.dtype == r.dtype and g.shape == r.shape
        np.testing.assert_array_equal(g, r)


ROW_OPS = [('add_forward', np.add), ('sub_forward', np.subtract), ('mul_forward', np.multiply),
           ('div_forward', np.divide), ('maximum_forward', np.maximum),
           ('minimum_forward', np.minimum)]
ROW_SHAPES = [((300, 257), (257,)), ((257,), (300, 257)), ((4, 50, 6), (50, 6)),
              ((4, 50, 6), (1, 1, 6)), ((3, 2, 70), (1, 1, 70)), ((7, 3), (1, 3)),
              ((300, 257), (300, 1)), ((300, 1), (300, 257)), ((4, 50, 6), (4, 50, 1)),
              ((1, 4, 50, 6), (4, 50, 1))]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name, ufunc', ROW_OPS, ids=[o[0] for o in ROW_OPS])
def test_row_and_column_broadcasts_match_numpy(name, ufunc, dtype):
    """A binary op of a matrix and a row repeated over it (a bias) or a column repeated across
    it (a per-row statistic) runs the rows or columns kernels, parallel and serial, with
    NumPy's bits, specials included."""
    rng = np.random.default_rng(3)
    for sa, sb in ROW_SHAPES:
        a = rng.standard_normal(sa).astype(dtype)
        b = rng.standard_normal(sb).astype(dtype)
        a.flat[:4] = [np.nan, np.inf, -0.0, 0.0]
        b.flat[:2] = [-np.inf, -0.0]
        with np.errstate(all='ignore'):
            ref = ufunc(a, b)
            with numba_dispatch.configure(enabled=True, min_size=0):
                got = numba_dispatch.kernel(name)(a, b)
            with numba_dispatch.configure(enabled=True, min_size=1 << 40):
                serial = numba_dispatch.kernel(name)(a, b)
        for g in (got, serial):
            assert g is not None and g.shape == ref.shape and g.dtype == ref.dtype, (sa, sb)
            np.testing.assert_array_equal(g.view(f'u{g.itemsize}'),
                                          ref.view(f'u{ref.itemsize}'))


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name, ufunc', ROW_OPS[:4], ids=[o[0] for o in ROW_OPS[:4]])
def test_expanded_operands_take_the_row_kernels(name, ufunc, dtype):
    """The same ops with the row or column given expanded to the matrix's shape (stride 0,
    as Tensor.expand and addmm's input make it): the rows or columns kernels take it as the
    row or column it repeats, NumPy's bits; both operands expanded, or one merely strided,
    are declined (None: the router then runs NumPy)."""
    rng = np.random.default_rng(5)
    for sa, sb in ROW_SHAPES:
        a = rng.standard_normal(sa).astype(dtype)
        b = rng.standard_normal(sb).astype(dtype)
        a.flat[:2] = [np.nan, -0.0]
        shape = np.broadcast_shapes(sa, sb)
        a, b = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
        with np.errstate(all='ignore'):
            ref = ufunc(a, b)
            for limit in (0, 1 << 40):              # parallel and serial
                with numba_dispatch.configure(enabled=True, min_size=limit):
                    got = numba_dispatch.kernel(name)(a, b)
                assert got is not None and got.shape == ref.shape, (sa, sb)
                np.testing.assert_array_equal(got.view(f'u{got.itemsize}'),
                                              ref.view(f'u{ref.itemsize}'))
    row = np.broadcast_to(rng.standard_normal(257).astype(dtype), (300, 257))
    column = np.broadcast_to(rng.standard_normal((300, 1)).astype(dtype), (300, 257))
    strided = rng.standard_normal((257, 300)).astype(dtype).T
    with numba_dispatch.configure(enabled=True, min_size=0):
        for a, b in ((row, column), (row, row), (strided, row)):
            assert numba_dispatch.kernel(name)(a, b) is None
            assert np.array_equal(getattr(cpu, name)(a, b), ufunc(a, b))


GRID_SHAPES = [((64, 1, 33), (1, 10, 33)), ((64, 1), (1, 33)), ((2, 3, 1, 5), (1, 1, 4, 5)),
               ((40, 1, 1), (1, 6, 7)), ((1, 6, 1), (40, 1, 7)), ((40, 6, 1), (1, 6, 7)),
               ((9, 1, 1, 1), (4, 5, 1)), ((1, 1, 1), (3, 4, 5))]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('name, ufunc', ROW_OPS, ids=[o[0] for o in ROW_OPS])
def test_operands_that_both_broadcast_take_the_grid_kernels(name, ufunc, dtype):
    """Both operands broadcast ((n, 1, d) * (1, m, d), an outer product, a gradient expanded
    from a sum times a broadcast operand): the grid kernels, parallel and serial, NumPy's bits,
    specials included (both operands may repeat along the rows: the gradient of (n, 1) * (1, m)
    for its first operand). Dims that merge into more than 3 alternating groups are declined."""
    rng = np.random.default_rng(11)
    cases = [(rng.standard_normal(sa).astype(dtype), rng.standard_normal(sb).astype(dtype))
             for sa, sb in GRID_SHAPES]
    one = np.broadcast_to(dtype(0.75), (40, 6, 7))          # an expanded gradient
    cases += [(one, cases[5][1]), (cases[5][1], one)]
    cases += [(one, cases[5][0]), (cases[3][0], one)]       # each repeats along the rows
    for a, b in cases:
        if a.flags.writeable:
            a.flat[:3] = [np.nan, np.inf, -0.0]
        with np.errstate(all='ignore'):
            ref = ufunc(a, b)
            for limit in (0, 1 << 40):              # parallel and serial
                with numba_dispatch.configure(enabled=True, min_size=limit):
                    got = numba_dispatch.kernel(name)(a, b)
                assert got is not None and got.shape == ref.shape, (a.shape, b.shape)
                assert got.dtype == ref.dtype and got.flags.c_contiguous
                np.testing.assert_array_equal(got.view(f'u{got.itemsize}'),
                                              ref.view(f'u{ref.itemsize}'))
    a = rng.standard_normal((5, 1, 7, 1)).astype(dtype)
    b = rng.standard_normal((1, 6, 1, 9)).astype(dtype)
    with numba_dispatch.configure(enabled=True, min_size=0):
        assert numba_dispatch.kernel(name)(a, b) is None
        assert np.array_equal(getattr(cpu, name)(a, b), ufunc(a, b))



def _broadcasting_operand(rng, shape, dtype):
    """An array that broadcasts to `shape`: some dims 1 or dropped, and dense, transposed,
    strided, expanded from fewer elements, or one number expanded."""
    dims = [1 if rng.random() < 0.35 else n for n in shape]
    dims = dims[rng.integers(0, len(dims) + 1):] if rng.random() < 0.3 else dims
    kind = rng.integers(0, 5)
    if kind == 1:
        small = [1 if rng.random() < 0.5 else n for n in dims]
        return np.broadcast_to(rng.standard_normal(small).astype(dtype), dims)
    if kind == 2 and len(dims) >= 2:
        return rng.standard_normal(dims[::-1]).astype(dtype).T
    if kind == 3:
        wide = rng.standard_normal([2 * n for n in dims]).astype(dtype)
        return wide[tuple(slice(None, None, 2) for _ in dims)]
    if kind == 4:
        return np.broadcast_to(dtype(rng.standard_normal()), dims)
    return rng.standard_normal(dims).astype(dtype)


def test_binary_kernels_on_random_layouts_give_numpys_bits():
    """Every kernel a binary op can reach (dense, rows, columns, grid) against NumPy, with
    operands of random shapes and layouts that broadcast together, each kernel taking what it
    accepts (min_size 0). A grid case read past an operand's row once (both operands
    repeating along the rows)."""
    rng = np.random.default_rng(5)
    for _ in range(300):
        shape = [int(rng.choice([1, 2, 3, 5, 8, 17, 64])) for _ in range(rng.integers(1, 5))]
        dtype = rng.choice([np.float32, np.float64])
        a = _broadcasting_operand(rng, shape, dtype)
        b = _broadcasting_operand(rng, shape, dtype)
        for name, ufunc in ROW_OPS:
            with numba_dispatch.configure(enabled=True, min_size=0):
                got = getattr(cpu, name)(a, b)
            ref = ufunc(a, b)
            assert got.shape == ref.shape and got.dtype == ref.dtype
            assert np.array_equal(got, ref), (name, a.shape, a.strides, b.shape, b.strides)

def test_bias_added_in_place_by_the_rows_kernel():
    """nn.Linear's `y += bias` above the crossover: the rows kernel, NumPy's bits, in y;
    what it does not take (another dtype, a read-only y, a column) is left as it was."""
    from microtorch.backends.numba_kernels import elementwise
    rng = np.random.default_rng(4)
    y = rng.standard_normal((513, 300)).astype(F32)
    bias = rng.standard_normal(300).astype(F32)
    ref = y + bias
    assert elementwise.add_row_in_place(y, bias) is y
    np.testing.assert_array_equal(y, ref)
    frozen = y.copy()
    frozen.flags.writeable = False
    for target, row in ((y, bias.astype(np.float64)), (frozen, bias),
                        (y, np.ones((513, 1), F32))):
        before = target.copy()
        assert elementwise.add_row_in_place(target, row) is None
        np.testing.assert_array_equal(target, before)
    x = rng.standard_normal((600, 64)).astype(F32)
    w = rng.standard_normal((512, 64)).astype(F32)
    b = rng.standard_normal(512).astype(F32)
    with numba_dispatch.configure(enabled=True, min_size=0):
        got = cpu.linear_forward(x, w, b)
    np.testing.assert_array_equal(got, np.matmul(x, w.T) + b)


def test_second_process_loads_kernels_from_cache():
    # float64: float32 sigmoid runs microtorch/_sleef.py's kernel for PyTorch's bits; 1000
    # elements: the serial twin (below the parallel crossover), cached under its own name
    x = np.linspace(-5, 5, 1000)
    ew.sigmoid_forward(x)                       # compiled (and cached) here if it was not
    code = ('import numpy as np\n'
            'from microtorch.backends.numba_kernels import elementwise as ew\n'
            'ew.sigmoid_forward(np.ones(1000))\n'
            "print(sum(ew._K['sigmoid_fwd'].serial.stats.cache_hits.values()))\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True, cwd=pathlib.Path(__file__).parents[1])
    assert out.stdout.strip() == '1'


def test_math_bound_kernels_take_512_bit_vectors_where_the_cpu_has_them():
    # numba_kernels/vector_width.py: exp's loop in zmm registers on AVX-512 hosts, neg's (a
    # memory-bound one) in LLVM's default width for the host: 256 bits on Intel's AVX-512
    # CPUs ('prefer-256-bit'), 512 on AMD's Zen 4 and 5, which LLVM tunes for them.
    import llvmlite.binding as llvm
    import numba
    from microtorch.backends.numba_kernels import vector_width
    llvm_goes_wide = llvm.get_host_cpu_name().startswith('znver')
    x = np.linspace(-3, 3, 4096, dtype=np.float32)
    for key, wide in (('exp_fwd', True), ('neg_fwd', llvm_goes_wide)):
        kernel = ew._K[key].parallel
        options = {k: v for k, v in kernel.targetoptions.items() if k != 'cache'}
        fresh = numba.njit(**options)(kernel.py_func)        # cached code has no assembly
        fresh(x, (), np.empty_like(x))
        uses_zmm = 'zmm' in fresh.inspect_asm(fresh.signatures[0])
        assert uses_zmm == (wide and vector_width._has_avx512()), key


def _python(code, **env):
    root = str(pathlib.Path(__file__).resolve().parent.parent)
    full = {k: v for k, v in os.environ.items() if k != 'MICROTORCH_NUMBA'}
    full.update(PYTHONPATH=root, **env)
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          env=full, timeout=300)


def test_import_does_not_import_numba():
    proc = _python('import sys, microtorch as mt\n'
                   'x = mt.ones(3, requires_grad=True); (x.sigmoid() * 2).sum().backward()\n'
                   'print("numba" in sys.modules)')
    assert proc.returncode == 0 and proc.stdout.strip() == 'False', proc.stderr[-2000:]


def test_environment_switch_turns_the_kernels_off():
    """MICROTORCH_NUMBA=0: NumPy runs everything, Numba is never imported, same numbers."""
    code = ('import sys, numpy as np, microtorch as mt\n'
            'from microtorch.backends import numba_dispatch as d\n'
            'x = mt.tensor(np.linspace(-5, 5, 1 << 20, dtype=np.float32), requires_grad=True)\n'
            'y = (x.sigmoid() * x).tanh().sum(); y.backward()\n'
            'print(d.settings.enabled, "numba" in sys.modules, repr(y.item()),\n'
            '      repr(float(x.grad.double().sum())))')
    off = _python(code, MICROTORCH_NUMBA='0')
    on = _python(code)
    assert off.returncode == 0 and on.returncode == 0, off.stderr[-2000:] + on.stderr[-2000:]
    off_enabled, off_imported, *off_values = off.stdout.split()
    on_enabled, on_imported, *on_values = on.stdout.split()
    assert (off_enabled, off_imported) == ('False', 'False')
    assert (on_enabled, on_imported) == ('True', 'True')
    np.testing.assert_allclose([float(v) for v in on_values], [float(v) for v in off_values],
                               rtol=1e-5)


@pytest.mark.parametrize('name', ['tanh_backward', 'sigmoid_backward', 'exp_backward',
                                  'relu_backward', 'abs_backward'])
def test_backward_reads_a_broadcast_gradient_without_copying_it(name):
    """The gradient of a sum arrives as one value broadcast (stride 0): the kernel reads it in
    place and gives NumPy's numbers."""
    rng = np.random.default_rng(1)
    saved = rng.uniform(0.1, 0.9, (37, 301)).astype(np.float32)
    gy = np.broadcast_to(np.float32(1.5), saved.shape)
    got = numba_dispatch.kernel(name)(saved, gy)
    assert got is not None and got.flags.c_contiguous and got.dtype == np.float32
    np.testing.assert_allclose(got, getattr(cpu, name).numpy(saved, gy), rtol=2e-6)


_THREADING_LAYER = ('import ctypes, os, sys\n'
                    '{preload}'
                    'import numpy as np, microtorch as mt, numba\n'
                    'x = mt.tensor(np.linspace(-1, 1, 1 << 20, dtype=np.float32))\n'
                    'y = x.sigmoid()\n'            # above the crossover: a parallel kernel
                    'print(numba.threading_layer(), os.environ["OMP_WAIT_POLICY"])\n')


def _threading_layer(preload=''):
    env = {k: v for k, v in os.environ.items()
           if k not in ('OMP_WAIT_POLICY', 'NUMBA_THREADING_LAYER')}
    root = str(pathlib.Path(__file__).resolve().parent.parent)
    proc = subprocess.run([sys.executable, '-c', _THREADING_LAYER.format(preload=preload)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(env, PYTHONPATH=root))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split()


def test_openmp_workers_sleep_between_kernels():
    layer, policy = _threading_layer()
    assert policy == 'PASSIVE'
    assert layer != 'workqueue'           # Numba's first choice (OpenMP here, or TBB)


def test_openmp_loaded_first_means_numbas_own_pool():
    """An OpenMP runtime loaded before microtorch (PyTorch loads libgomp on import) has read
    its wait policy already: the kernels then run on Numba's workqueue pool."""
    import ctypes.util
    if ctypes.util.find_library('gomp') is None:
        pytest.skip('no libgomp on this machine')
    layer, _ = _threading_layer("ctypes.CDLL('libgomp.so.1', mode=ctypes.RTLD_GLOBAL)\n")
    assert layer == 'workqueue'


def test_kernel_launches_are_serialised_on_the_workqueue_pool(monkeypatch):
    """That pool is not safe for launches from several threads: the routers take a lock."""
    calls = []

    class Lock:
        def __enter__(self):
            calls.append('enter')

        def __exit__(self, *exc):
            calls.append('exit')

    monkeypatch.setattr(numba_dispatch, 'launch_lock', Lock())
    monkeypatch.setattr(numba_dispatch.settings, 'threading_layer', 'workqueue')
    x = np.linspace(-1, 1, 4096, dtype=F32)
    with numba_dispatch.configure(enabled=True, min_size=0):
        got = cpu.sigmoid_forward(x)
    np.testing.assert_allclose(got, cpu.sigmoid_forward.numpy(x), rtol=1e-6)
    assert calls == ['enter', 'exit']


def test_binary_routers_size_a_broadcast_by_its_result():
    """(512, 1, 64) - (1, 256, 64): each operand below the elementwise crossover, the result
    (2^23 elements) above it; the router sizes the call by the result, so the grid kernel
    takes it, with NumPy's bits. Shapes that do not broadcast keep the first's size (and
    NumPy's error)."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((512, 1, 64)).astype(F32)
    b = rng.standard_normal((1, 256, 64)).astype(F32)
    assert numba_dispatch.broadcast_size(a, b, a.size) == 512 * 256 * 64
    assert numba_dispatch.broadcast_size(a, b[:, :, :3], a.size) == a.size
    assert numba_dispatch.broadcast_size(a, 2.0, a.size) == a.size
    calls = []
    kernel = ew._GRID['sub_2']
    original = kernel.parallel
    kernel.parallel = lambda *args: calls.append(1) or original(*args)
    try:
        got = cpu.sub_forward(a, b)
    finally:
        kernel.parallel = original
    assert calls and np.array_equal(got, np.subtract(a, b))
    with pytest.raises(ValueError):
        cpu.sub_forward(a, b[:, :, :3])


def test_small_operands_with_a_large_broadcast_take_the_routed_backend():
    """(2048, 1) * (1, 512): both inputs below every crossover, so Function.apply would give
    the op NumPy's twin; their result has 2^20 elements, so the op takes the routed backend,
    forward (the grid kernel) and backward, with NumPy's bits. Tensors of one shape stay on
    the twin."""
    import microtorch as mt
    from microtorch.backends import cpu_numpy
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2048, 1)).astype(F32)
    b = rng.standard_normal((1, 512)).astype(F32)
    u, v = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    calls = []
    kernel = ew._GRID['mul_2']
    original = kernel.parallel
    kernel.parallel = lambda *args: calls.append(1) or original(*args)
    try:
        with numba_dispatch.configure(enabled=True):
            out = u * v
            out.sum().backward()
            same = u * u
    finally:
        kernel.parallel = original
    assert out.grad_fn.backend is cpu
    assert same.grad_fn.backend is cpu_numpy
    assert len(calls) == 3                  # the product and each operand's gradient
    assert np.array_equal(out.detach().numpy(), np.multiply(a, b))
    np.testing.assert_allclose(u.grad.numpy(), np.full((2048, 1), b.sum(dtype=np.float64)),
                               rtol=1e-5)
    np.testing.assert_allclose(v.grad.numpy(), np.full((1, 512), a.sum(dtype=np.float64)),
                               rtol=1e-5)
