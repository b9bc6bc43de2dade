"""The newer torch.* functions and Tensor methods (ops/statistics.py, ops/pointwise.py,
ops/slicing.py, _top_level.py, _more_methods.py) against PyTorch, beyond the op table: nan,
ties, integer and bool inputs, dtypes, gradients (float64, to second order), the in-place
forms (values, versions, history, refusals), and the small utilities."""
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import microtorch as mt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_torch_functions import _gradients  # noqa: E402  (shared: values, grads, grads of grads)

NAN, INF = math.nan, math.inf


def _plain(value):
    """A result in comparable form: tensors as (dtype name, shape, values); tuples and lists
    element by element; dtypes by name; anything else as it is."""
    if isinstance(value, (tuple, list)):
        return type(value).__name__ if not value else [_plain(v) for v in value]
    if hasattr(value, 'detach') and hasattr(value, 'shape'):
        return (str(value.dtype).split('.')[-1], tuple(value.shape),
                value.detach().cpu().numpy())
    if type(value).__name__ == 'dtype':
        return str(value).split('.')[-1]
    return value


def _agree(fn, torch, rtol=1e-12, atol=1e-14):
    """fn(microtorch) and fn(torch) give the same dtypes, shapes and values (nan where nan)."""
    mine, theirs = _plain(fn(mt)), _plain(fn(torch))
    _compare(mine, theirs, rtol, atol)


def _compare(mine, theirs, rtol, atol):
    if isinstance(theirs, list):
        assert isinstance(mine, list) and len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            _compare(m, t, rtol, atol)
    elif isinstance(theirs, tuple):
        assert mine[:2] == theirs[:2], (mine, theirs)
        if theirs[2].dtype.kind == 'f':
            np.testing.assert_allclose(mine[2], theirs[2], rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(mine[2], theirs[2])
    else:
        assert mine == theirs


def _raises_alike(fn, torch):
    """Both libraries refuse fn with the same exception type and message."""
    with pytest.raises(Exception) as mine:
        fn(mt)
    with pytest.raises(Exception) as theirs:
        fn(torch)
    assert type(mine.value) is type(theirs.value)
    assert str(mine.value) == str(theirs.value).replace('torch.', 'microtorch.')


# ---- quantiles, medians, modes ------------------------------------------------------------

WITH_NAN = np.array([[1.0, NAN, 3.0, 2.0, 0.5], [NAN, NAN, NAN, NAN, NAN],
                     [3.0, 3.0, 1.0, 9.0, -4.0], [2.0, 7.0, NAN, -1.0, 5.0]])


@pytest.mark.parametrize('name', ['quantile', 'nanquantile'])
@pytest.mark.parametrize('interpolation', ['linear', 'lower', 'higher', 'midpoint', 'nearest'])
def test_quantiles_with_nan_as_torch(name, interpolation, torch):
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            for q in (0.0, 0.3, 0.5, 1.0, [0.0, 0.25, 0.6, 1.0], 0.75):
                def fn(lib):
                    qs = lib.tensor(q, dtype=lib.float64) if isinstance(q, list) else q
                    return getattr(lib, name)(lib.tensor(WITH_NAN), qs, dim, keepdim,
                                              interpolation=interpolation)
                _agree(fn, torch)


def test_quantile_q_forms_and_float32(torch):
    x = np.array([[1.0, 5.0, 3.0], [4.0, -2.0, 0.5]])
    _agree(lambda lib: lib.tensor(x, dtype=lib.float32).quantile(0.3, 1), torch, rtol=1e-6)
    _agree(lambda lib: lib.quantile(lib.tensor(x), lib.tensor(0.3, dtype=lib.float64), 0),
           torch)
    _agree(lambda lib: lib.quantile(lib.tensor(2.5), 0.5, 0, True), torch)
    _agree(lambda lib: lib.quantile(lib.tensor(2.5), lib.tensor([0.5, 1.0]), 0, True), torch)
    _agree(lambda lib: lib.tensor(x, dtype=lib.float32).nanquantile(True), torch)


def test_quantile_gradients_also_in_q(torch, rng):
    x = rng.permutation(np.linspace(-2, 2, 15)).reshape(3, 5)
    for interpolation in ('linear', 'midpoint', 'nearest'):
        _gradients(lambda lib, x: lib.quantile(x, 0.35, 1, interpolation=interpolation), [x],
                   torch, rng, order=1)
    # (piecewise linear in x: the second derivatives are those in q)
    _gradients(lambda lib, x, q: lib.quantile(x, q, 0), [x, np.array([0.1, 0.7])], torch, rng,
               order=1)
    _gradients(lambda lib, x: lib.nanquantile(x, 0.4), [x], torch, rng, order=1)


def test_nanmedian_as_torch(torch, rng):
    _agree(lambda lib: lib.tensor(WITH_NAN).nanmedian(), torch)
    # (which index an all-nan row gives is PyTorch's sort's accident: those rows left out)
    some = WITH_NAN[[0, 2, 3]]
    for dim in (0, 1):
        for keepdim in (False, True):
            _agree(lambda lib: lib.nanmedian(lib.tensor(some), dim, keepdim), torch)
            _agree(lambda lib: lib.nanmedian(lib.tensor(WITH_NAN), dim, keepdim).values, torch)
    _agree(lambda lib: lib.nanmedian(lib.tensor([3, 1, 2])), torch)
    _agree(lambda lib: lib.nanmedian(lib.tensor([[3, 1], [2, 2]]), 1), torch)
    _agree(lambda lib: lib.nanmedian(lib.tensor(2.0), 0), torch)
    _agree(lambda lib: lib.nanmedian(lib.zeros(0)), torch)
    _agree(lambda lib: lib.nanmedian(lib.zeros(0, 3), 1), torch)
    finite = rng.permutation(np.linspace(-2, 2, 12)).reshape(3, 4)
    finite[0, 1] = NAN              # its gradient goes around the nan
    _gradients(lambda lib, x: lib.nanmedian(x, 1).values, [finite], torch, rng, order=1)
    _gradients(lambda lib, x: lib.nanmedian(x), [finite], torch, rng, order=1)
    assert mt.tensor([[1.0, NAN]], requires_grad=True).nanmedian(1).values.grad_fn.name() == \
        'NanmedianBackward1'


def test_mode_ties_take_the_smallest_value_and_its_last_index(torch, rng):
    m = np.array([[1.0, 2, 2, 1, 3], [3.0, 3, 1, 1, 1], [5, 5, 5, 5, 5], [1, 2, 3, 4, 5]])
    for dim in (0, 1, -1):
        for keepdim in (False, True):
            _agree(lambda lib: lib.mode(lib.tensor(m), dim, keepdim), torch)
            _agree(lambda lib: lib.tensor(m).long().mode(dim, keepdim), torch)
    _agree(lambda lib: lib.tensor([1.0, 2, 2, 1, 3, 1, 2]).mode(), torch)
    _agree(lambda lib: lib.mode(lib.tensor([True, False, False])), torch)
    _agree(lambda lib: lib.mode(lib.tensor(3.0)), torch)
    _agree(lambda lib: lib.mode(lib.zeros(0, 3)), torch)
    _gradients(lambda lib, x: lib.mode(x, 1).values, [m], torch, rng, order=1)
    assert repr(mt.mode(mt.tensor([1, 1]))).startswith('microtorch.return_types.mode(')


# ---- histogram, cumulative_trapezoid ------------------------------------------------------

@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_histogram_as_torch(dtype, torch, rng):
    h = rng.standard_normal(500).astype(dtype).reshape(20, 25)
    w = rng.uniform(0, 2, h.shape).astype(dtype)
    for bins in (1, 7, 30):
        for options in ({}, {'range': (-1.0, 1.5)}, {'density': True},
                        {'range': (-2, 2), 'density': True}):
            _agree(lambda lib: lib.histogram(lib.tensor(h), bins, **options), torch, rtol=1e-5,
                   atol=1e-6)
            _agree(lambda lib: lib.tensor(h).histogram(bins, weight=lib.tensor(w), **options),
                   torch, rtol=1e-5, atol=1e-6)
    edges = np.array([-3.0, -0.5, 0.0, 0.1, 2.5]).astype(dtype)
    for options in ({}, {'density': True}):
        _agree(lambda lib: lib.histogram(lib.tensor(h), lib.tensor(edges), **options), torch,
               rtol=1e-5)
        _agree(lambda lib: lib.histogram(lib.tensor(h), lib.tensor(edges),
                                         weight=lib.tensor(w), **options), torch, rtol=1e-5)
    _agree(lambda lib: lib.histogram(lib.tensor([1.0, 1.0, 2.0]), 2), torch)
    _agree(lambda lib: lib.histogram(lib.tensor([1.0, 1.0]), 2), torch)
    _agree(lambda lib: lib.histogram(lib.zeros(0), 2), torch)
    assert not mt.histogram(mt.ones(3, requires_grad=True), 2).hist.requires_grad


def test_cumulative_trapezoid_as_torch(torch, rng):
    y = rng.standard_normal((3, 5))
    x = np.cumsum(rng.uniform(0.1, 1.0, 5))
    for dim in (0, 1, -1):
        _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor(y), dim=dim), torch)
        _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor(y), dx=0.25, dim=dim), torch)
    _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor(y), lib.tensor(x)), torch)
    _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor(y), lib.tensor(y) * 2), torch)
    _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor(y), lib.tensor(x[:3]), dim=0),
           torch)
    _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor([1, 2, 4])), torch)
    _agree(lambda lib: lib.cumulative_trapezoid(lib.tensor([1, 2, 4]), lib.tensor([1, 2, 5])),
           torch)
    _agree(lambda lib: lib.cumulative_trapezoid(lib.zeros(2, 0)), torch)
    _agree(lambda lib: lib.trapz(lib.tensor(y), lib.tensor(x)), torch)
    _gradients(lambda lib, y, x: lib.cumulative_trapezoid(y, x), [y, x], torch, rng)


# ---- elementwise ------------------------------------------------------------------------------

SPECIAL = [[1.0, -2.0, 0.0, -0.0], [INF, -INF, NAN, 3.5]]


def test_isposinf_isneginf_signbit_all_dtypes(torch):
    for data in (SPECIAL, [1, -2, 0], [True, False]):
        for name in ('isposinf', 'isneginf', 'signbit'):
            _agree(lambda lib: getattr(lib, name)(lib.tensor(data)), torch)
            _agree(lambda lib: getattr(lib.tensor(data), name)(), torch)


def test_copysign_as_torch(torch, rng):
    for other in (-1, 2.0, -0.0, [-0.0, 1.0, -1.0, 2.0]):
        _agree(lambda lib: lib.copysign(lib.tensor(SPECIAL),
                                        lib.tensor(other) if isinstance(other, list) else other),
               torch)
    _agree(lambda lib: lib.tensor([1, -2]).copysign(lib.tensor([-1, 1])), torch)
    _agree(lambda lib: lib.copysign(lib.tensor([True, False]), lib.tensor([True, False])), torch)
    _agree(lambda lib: lib.copysign(lib.tensor([1.0], dtype=lib.float64), lib.tensor([-2])),
           torch)
    x = rng.uniform(-2, 2, (3, 4))
    y = rng.uniform(-2, 2, 4)
    _gradients(lambda lib, x: lib.copysign(x, lib.tensor(y)), [x], torch, rng)
    _gradients(lambda lib, x: x.copysign(-1.5), [x], torch, rng)
    x[0, 0] = 0.0         # the gradient there is 0 (PyTorch's second derivative there: nan)
    _gradients(lambda lib, x: lib.copysign(x, lib.tensor(y)), [x], torch, rng, order=1)
    # other on the graph: PyTorch's zeros for it (its .grad is not None), out's bits kept
    _gradients(lambda lib, x, y: lib.copysign(x, y), [x, y], torch, rng, order=1)
    _agree(lambda lib: lib.copysign(lib.tensor(SPECIAL), lib.tensor(
        [-0.0, 1.0, NAN, -INF], requires_grad=True)).detach(), torch)


def test_gcd_lcm_as_torch(torch):
    a, b = [12, -18, 0, 7, 0], [8, 12, 5, -3, 0]
    for name in ('gcd', 'lcm'):
        _agree(lambda lib: getattr(lib, name)(lib.tensor(a), lib.tensor(b)), torch)
        _agree(lambda lib: getattr(lib.tensor(a, dtype=lib.int32), name)(lib.tensor(b)), torch)
        _agree(lambda lib: getattr(lib.tensor([[4], [6]]), name)(lib.tensor([6, 9])), torch)


def test_ldexp_nextafter_frexp_as_torch(torch, rng):
    _agree(lambda lib: lib.ldexp(lib.tensor(SPECIAL), lib.tensor([1, 2, -1, 3])), torch)
    _agree(lambda lib: lib.ldexp(lib.tensor([1, 2]), lib.tensor([1, 2])), torch)
    _agree(lambda lib: lib.tensor([1.5], dtype=lib.float64).ldexp(lib.tensor([2.5])), torch)
    _agree(lambda lib: lib.nextafter(lib.tensor(SPECIAL), lib.zeros(1)), torch)
    _agree(lambda lib: lib.nextafter(lib.tensor(SPECIAL), lib.tensor(INF, dtype=lib.float64)),
           torch)
    _agree(lambda lib: lib.tensor([1.0, -1.0]).nextafter(lib.tensor([2.0, -2.0])), torch)
    for dtype in ('float32', 'float64'):
        special = [3.0, 0.1, -5e-40, 1e30, NAN, 0.0, -0.0, INF, -INF, -0.75, 1.0]
        _agree(lambda lib: lib.frexp(lib.tensor(special, dtype=getattr(lib, dtype))), torch)
    _agree(lambda lib: lib.tensor([1e-310, -3e300], dtype=lib.float64).frexp(), torch)
    x = rng.uniform(0.2, 3.0, (2, 3)) * rng.choice([-1, 1], (2, 3))
    _gradients(lambda lib, x: lib.frexp(x).mantissa, [x], torch, rng, order=1)
    _gradients(lambda lib, x, e: lib.ldexp(x, e), [x, rng.uniform(-1, 1, 3)], torch, rng)
    # nextafter passes its gradient straight to input
    got = [None, None]
    for i, lib in enumerate((mt, torch)):
        t = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        (lib.nextafter(t, lib.tensor([0.0, 3.0], dtype=lib.float64)) * 3).sum().backward()
        got[i] = t.grad.numpy()
    np.testing.assert_array_equal(*got)


def test_rsub_as_torch(torch, rng):
    _agree(lambda lib: lib.rsub(lib.tensor(SPECIAL), 1), torch)
    _agree(lambda lib: lib.rsub(lib.tensor(SPECIAL), 1, alpha=2), torch)
    _agree(lambda lib: lib.rsub(lib.tensor([1, 2]), lib.tensor([5.0, 1.0]), alpha=3), torch)
    _agree(lambda lib: lib.rsub(lib.tensor([1, 2]), 7), torch)
    _agree(lambda lib: str(lib.rsub(lib.ones(1, requires_grad=True), 2).grad_fn.name()), torch)
    _gradients(lambda lib, x, y: lib.rsub(x, y, alpha=-0.5), [rng.standard_normal(3),
                                                            rng.standard_normal(3)], torch, rng,
               order=1)


SHIFTED = [1, -2, 7, 3, -9]


@pytest.mark.parametrize('dtype', ['int32', 'int64'])
def test_shifts_as_torch_also_past_the_width(dtype, torch):
    for count in (0, 1, 3, 31, 32, 63, 64, 65, -1, -40):
        _agree(lambda lib: lib.tensor(SHIFTED, dtype=getattr(lib, dtype)) << count, torch)
        _agree(lambda lib: lib.tensor(SHIFTED, dtype=getattr(lib, dtype)) >> count, torch)
    counts = [1, 40, -1, 31, 2]
    _agree(lambda lib: lib.bitwise_left_shift(lib.tensor(SHIFTED, dtype=getattr(lib, dtype)),
                                              lib.tensor(counts, dtype=getattr(lib, dtype))),
           torch)
    _agree(lambda lib: lib.tensor(SHIFTED, dtype=getattr(lib, dtype)).bitwise_right_shift(
        lib.tensor(counts)), torch)


def test_shift_operators_and_numbers_on_either_side(torch):
    _agree(lambda lib: 1 << lib.tensor([1, 2, 70, -3]), torch)
    _agree(lambda lib: 100 >> lib.tensor([1, 2, 70, -3]), torch)
    _agree(lambda lib: lib.bitwise_left_shift(3, lib.tensor([1, 2])), torch)
    _agree(lambda lib: lib.tensor([True, False]) << 1, torch)

    def in_place(lib):
        t = lib.tensor([4, -6])
        t <<= 2
        t >>= 1
        return t, t._version
    _agree(in_place, torch)


def test_comparison_aliases(torch):
    for name in ('not_equal', 'greater_equal', 'greater', 'less_equal', 'less'):
        _agree(lambda lib: getattr(lib, name)(lib.tensor([1.0, 2.0, 3.0]), 2), torch)
        _agree(lambda lib: getattr(lib.tensor([1, 2, 3]), name)(lib.tensor([2, 2, 2])), torch)


# ---- stacking, splitting, writes into parts ------------------------------------------------

def _x(lib):
    return lib.arange(12.0, dtype=lib.float64).reshape(3, 4)


def test_dstack_and_the_splits(torch):
    _agree(lambda lib: lib.dstack([lib.tensor([1, 2]), lib.tensor([3, 4])]), torch)
    _agree(lambda lib: lib.dstack((lib.ones(1, 2), _x(lib)[:1, :2])), torch)
    _agree(lambda lib: lib.dstack((lib.tensor(1.0), lib.tensor(2.0))), torch)
    for sections in (2, 4, [1, 3], (0, 2, 9)):
        _agree(lambda lib: lib.hsplit(_x(lib), sections), torch)
    _agree(lambda lib: lib.hsplit(lib.arange(6), 3), torch)
    _agree(lambda lib: lib.vsplit(_x(lib), 3), torch)
    _agree(lambda lib: _x(lib).vsplit([1]), torch)
    _agree(lambda lib: lib.dsplit(_x(lib).reshape(1, 3, 4), [1, 3]), torch)
    _agree(lambda lib: _x(lib).split_with_sizes([1, 0, 3], 1), torch)
    _agree(lambda lib: lib.split_with_sizes(_x(lib), [2, 1]), torch)


def test_scatters_as_torch(torch, rng):
    _agree(lambda lib: lib.select_scatter(_x(lib), lib.ones(4, dtype=lib.float64), 0, -1),
           torch)
    _agree(lambda lib: lib.select_scatter(_x(lib).float(), lib.ones(3, dtype=lib.float64), 1,
                                          2), torch)
    _agree(lambda lib: lib.slice_scatter(_x(lib), lib.zeros(3, 2, dtype=lib.float64), 1, 1, 3),
           torch)
    _agree(lambda lib: _x(lib).slice_scatter(lib.zeros(3, 2, dtype=lib.float64), 1, step=2),
           torch)
    _agree(lambda lib: lib.slice_scatter(_x(lib), lib.zeros(0, 4, dtype=lib.float64), start=7),
           torch)
    _agree(lambda lib: lib.slice_scatter(_x(lib), lib.zeros(3, 4).int()), torch)
    for offset, dim1, dim2 in ((0, 0, 1), (1, 0, 1), (-2, 1, 0), (0, 2, 0), (1, 1, 2)):
        def fn(lib):
            base = lib.arange(60.0, dtype=lib.float64).reshape(3, 4, 5)
            part = base.diagonal(offset, dim1, dim2)
            return lib.diagonal_scatter(base, -lib.ones_like(part), offset, dim1, dim2)
        _agree(fn, torch)
    x, s = rng.standard_normal((3, 4, 5)), rng.standard_normal((4, 3))
    _gradients(lambda lib, x, s: lib.diagonal_scatter(x, s, -1, 2, 0), [x, s], torch, rng,
               order=1)
    _gradients(lambda lib, x, s: lib.slice_scatter(x, s, 2, 1, None, 2), [x, x[:, :, :2]],
               torch, rng, order=1)
    _gradients(lambda lib, x, s: x.select_scatter(s, 1, -2), [x, x[:, 0]], torch, rng,
               order=1)
    assert mt.select_scatter(mt.ones(2, requires_grad=True), mt.tensor(2.0), 0, 0).grad_fn.name() \
        == 'SelectScatterBackward0'


def test_index_put_and_put_as_torch(torch, rng):
    rows, cols = [0, 2, 0, 2], [1, 1, 1, 3]
    for accumulate in (False, True):
        _agree(lambda lib: lib.index_put(_x(lib), (lib.tensor(rows[:2]),),
                                         lib.ones(4, dtype=lib.float64), accumulate), torch)
        _agree(lambda lib: _x(lib).index_put((lib.tensor(rows), lib.tensor(cols)),
                                             lib.tensor(5.0, dtype=lib.float64), accumulate),
               torch)
        _agree(lambda lib: _x(lib).index_put([_x(lib) > 6], lib.tensor([1.0, 2, 3, 4, 5],
                                             dtype=lib.float64), accumulate), torch)
        _agree(lambda lib: lib.put(_x(lib), lib.tensor([[0, 5], [-1, 5]]),
                                   lib.tensor([1.0, 2, 3, 4], dtype=lib.float64), accumulate),
               torch)
        _agree(lambda lib: lib.tensor([1, 2, 3]).put(lib.tensor([2, 2]), lib.tensor([7, 8]),
                                                     accumulate), torch)
    _agree(lambda lib: lib.put(_x(lib), lib.tensor([], dtype=lib.int64),
                               lib.tensor([], dtype=lib.float64)), torch)
    x, v = rng.standard_normal((3, 4)), rng.standard_normal(4)
    _gradients(lambda lib, x, v: lib.index_put(x, (lib.tensor(rows), lib.tensor(cols)), v,
                                               True), [x, v], torch, rng, order=1)
    _gradients(lambda lib, x, v: x.put(lib.tensor([1, 1, 11, 0]), v, accumulate=True), [x, v],
               torch, rng, order=1)


def test_in_place_index_put_and_put(torch):
    def fn(lib):
        x = lib.zeros(2, 3)
        x.index_put_((lib.tensor([1, 1]), lib.tensor([0, 0])), lib.tensor([2.0, 3.0]), True)
        x.put_(lib.tensor([5]), lib.tensor([9.0]))
        return x, x._version
    _agree(fn, torch)
    _agree(lambda lib: lib.index_put_(lib.zeros(2), (lib.tensor([1]),), lib.tensor(4.0)), torch)


def test_narrow_copy_is_a_copy(torch):
    for lib in (mt, torch):
        x = lib.arange(6.0).reshape(2, 3)
        part = lib.narrow_copy(x, 1, 1, 2)
        part[0, 0] = 100.0
        assert x[0, 1].item() == 1.0 and part.is_contiguous()
    _agree(lambda lib: lib.arange(6.0).reshape(2, 3).t().narrow_copy(0, -1, 1), torch)


@pytest.mark.parametrize('shape, wrap', [((3, 4), False), ((5, 2), True), ((7, 2), True),
                                         ((7, 3), True), ((7, 2), False), ((2, 5), True),
                                         ((3, 3, 3), False), ((0, 2), True)])
def test_fill_diagonal_(shape, wrap, torch):
    def fn(lib):
        x = lib.zeros(shape)
        out = x.fill_diagonal_(7.5, wrap)
        return x, out is x, x._version
    _agree(fn, torch)
    _agree(lambda lib: lib.zeros(2, 2, dtype=lib.int64).fill_diagonal_(7.5), torch)
    _agree(lambda lib: lib.zeros(2, 2).fill_diagonal_(lib.tensor(True)), torch)


def test_fill_diagonal_records_a_copy_slices(torch):
    grads = []
    for lib in (mt, torch):
        leaf = lib.ones(3, 3, dtype=lib.float64, requires_grad=True)
        y = leaf * 2
        y.fill_diagonal_(0.0)
        assert y.grad_fn.name().endswith('CopySlices')
        (y * lib.arange(9.0, dtype=lib.float64).reshape(3, 3)).sum().backward()
        grads.append(leaf.grad.numpy())
    np.testing.assert_array_equal(*grads)


# ---- products --------------------------------------------------------------------------------

def test_chain_matmul_warns_and_multiplies(torch, rng):
    a, b, c = (rng.standard_normal(s) for s in ((2, 3), (3, 4), (4, 5)))
    with pytest.warns(UserWarning, match='chain_matmul is deprecated'):
        got = mt.chain_matmul(mt.tensor(a), mt.tensor(b), mt.tensor(c))
    np.testing.assert_allclose(got.numpy(), a @ b @ c, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        _agree(lambda lib: lib.chain_matmul(lib.tensor(a)), torch)
        _gradients(lambda lib, a, b, c: lib.chain_matmul(a, b, c), [a, b, c], torch, rng)


def test_addmv_addr_addbmm_ger_as_torch(torch, rng):
    m, v, w = _x, (lambda lib: lib.ones(4, dtype=lib.float64)), \
        (lambda lib: lib.arange(3.0, dtype=lib.float64))
    _agree(lambda lib: lib.addmv(w(lib), m(lib), v(lib)), torch)
    _agree(lambda lib: lib.addmv(lib.tensor(1.0, dtype=lib.float64), m(lib), v(lib), beta=0.5),
           torch)
    _agree(lambda lib: lib.addmv(lib.tensor([NAN, 1, INF], dtype=lib.float64), m(lib), v(lib),
                                 beta=0, alpha=2), torch)
    _agree(lambda lib: lib.tensor([1, 2, 3]).addmv(m(lib).long(), v(lib).long(), alpha=2),
           torch)
    _agree(lambda lib: lib.addr(m(lib), w(lib), v(lib), beta=2, alpha=-1), torch)
    _agree(lambda lib: lib.addr(m(lib), w(lib).float(), v(lib).int()), torch)
    _agree(lambda lib: lib.addr(m(lib).long(), w(lib).long(), v(lib).long(), beta=3), torch)
    _agree(lambda lib: lib.addr(lib.tensor([[NAN]]), w(lib), v(lib), beta=0), torch)
    for beta, alpha in ((True, True), (False, True), (True, False)):
        _agree(lambda lib: lib.addr(m(lib) > 5, w(lib) > 0, v(lib) > 0, beta=beta,
                                    alpha=alpha), torch)
    b1, b2 = (lambda lib: lib.ones(2, 3, 5, dtype=lib.float64)), \
        (lambda lib: lib.arange(40.0, dtype=lib.float64).reshape(2, 5, 4))
    _agree(lambda lib: lib.addbmm(m(lib), b1(lib), b2(lib), beta=0.5, alpha=2), torch)
    _agree(lambda lib: lib.addbmm(v(lib), b1(lib), b2(lib)), torch)
    _agree(lambda lib: lib.ger(w(lib), v(lib)), torch)
    i, mat, vec = rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal(4)
    _gradients(lambda lib, i, mat, vec: lib.addmv(i, mat, vec, beta=-1, alpha=0.5),
               [i, mat, vec], torch, rng, order=1)
    _gradients(lambda lib, i, a, b: i.addr(a, b, alpha=3), [mat, i, vec], torch, rng, order=1)


@pytest.mark.parametrize('name, args', [
    ('addmm_', lambda lib: (lib.ones(3, 2, dtype=lib.float64), lib.ones(2, 4,
                                                                     dtype=lib.float64))),
    ('addmv_', lambda lib: (lib.ones(4, 2, dtype=lib.float64)[:, 0:1].squeeze(1).reshape(1, 4)
                            .expand(3, 4), lib.ones(4, dtype=lib.float64))),
    ('addbmm_', lambda lib: (lib.ones(2, 3, 5, dtype=lib.float64), lib.ones(2, 5, 4,
                                                                         dtype=lib.float64))),
])
def test_in_place_products(name, args, torch):
    def fn(lib):
        x = lib.arange(12.0, dtype=lib.float64).reshape(3, 4)
        if name == 'addmv_':
            x = x[:, 0].clone()
        getattr(x, name)(*args(lib), beta=0.5, alpha=2)
        return x, x._version
    _agree(fn, torch)


# ---- in-place forms ------------------------------------------------------------------------

UNIT = [0.2, 0.5, 0.7]
UNARY_IN_PLACE = ['asin', 'acos', 'atan', 'asinh', 'atanh', 'arcsin', 'arccos', 'arctan',
                  'arcsinh', 'arctanh', 'sinh', 'cosh', 'logit', 'sinc', 'sgn', 'negative',
                  'logical_not']
BINARY_IN_PLACE = ['atan2', 'arctan2', 'hypot', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'greater',
                   'greater_equal', 'less', 'less_equal', 'not_equal', 'logical_and',
                   'logical_or', 'logical_xor', 'copysign', 'nextafter', 'divide', 'multiply',
                   'subtract', 'true_divide']


@pytest.mark.parametrize('name', UNARY_IN_PLACE + BINARY_IN_PLACE)
def test_in_place_form_as_torch(name, torch, rng):
    """x.op_() writes op(x) into x (version up, same object), and records op's history on a
    tensor that requires grad (the same gradient as PyTorch's)."""
    other = [0.5, 0.1, 0.9] if name in BINARY_IN_PLACE else None

    def fn(lib):
        x = lib.tensor(UNIT, dtype=lib.float64)
        args = () if other is None else (lib.tensor(other, dtype=lib.float64),)
        out = getattr(x, name + '_')(*args)
        return x, out is x, x._version
    _agree(fn, torch)
    if name in ('eq', 'ne', 'lt', 'le', 'gt', 'ge', 'greater', 'greater_equal', 'less',
                'less_equal', 'not_equal', 'logical_and', 'logical_or', 'logical_xor',
                'logical_not', 'sgn'):
        return                                       # no gradient to compare
    seed = rng.standard_normal(3)
    grads = []
    for lib in (mt, torch):
        leaf = lib.tensor(UNIT, dtype=lib.float64, requires_grad=True)
        y = leaf * 1
        args = () if other is None else (lib.tensor(other, dtype=lib.float64),)
        if lib is torch and name in ('asinh', 'atanh', 'arcsinh', 'arctanh'):
            y = getattr(y, name)(*args)      # PyTorch has no derivative for these in place
        else:
            getattr(y, name + '_')(*args)
        grads.append(lib.autograd.grad(y, leaf, lib.tensor(seed))[0].numpy())
    np.testing.assert_allclose(*grads, rtol=1e-12)


def test_in_place_forms_of_integers(torch):
    cases = [('gcd_', [6, 9]), ('lcm_', [6, 9]), ('bitwise_left_shift_', 1),
             ('bitwise_right_shift_', 1), ('bitwise_and_', 3), ('bitwise_or_', 3),
             ('bitwise_xor_', 3), ('eq_', 4), ('cumsum_', 0)]
    for name, arg in cases:
        def fn(lib):
            x = lib.tensor([4, 6], dtype=lib.int32)
            getattr(x, name)(lib.tensor(arg) if isinstance(arg, list) else arg)
            return x, x._version
        _agree(fn, torch)
    _agree(lambda lib: lib.tensor([True, False]).bitwise_not_(), torch)
    _agree(lambda lib: lib.tensor([1.0, 2.0]).lerp_(lib.ones(2), 0.3), torch)
    _agree(lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64).float_power_(2), torch)
    _agree(lambda lib: lib.tensor([1.0, 2.0]).ldexp_(lib.tensor([1, -1])), torch)


def test_failed_in_place_forms_change_nothing(torch):
    for lib in (mt, torch):
        x = lib.tensor([1.5, 2.5])
        for call in (lambda: x.gcd_(x), lambda: x.float_power_(2),
                     lambda: x.bitwise_left_shift_(1), lambda: x.index_put_((x,), x),
                     lambda: x.put_(lib.tensor([5]), lib.tensor([1.0])),
                     lambda: x.addmv_(lib.ones(3, 2), lib.ones(2))):
            with pytest.raises((RuntimeError, NotImplementedError, IndexError)):
                call()
        assert x.tolist() == [1.5, 2.5] and x._version == 0
        leaf = lib.tensor([0.5], requires_grad=True)
        with pytest.raises(RuntimeError, match='a leaf Variable that requires grad'):
            leaf.asin_()
        with pytest.raises(RuntimeError, match='a leaf Variable that requires grad'):
            leaf.unsqueeze_(0)
        assert leaf.shape == (1,) and leaf._version == 0


def test_top_level_in_place_functions(torch):
    names = ['abs_', 'acos_', 'asin_', 'ceil_', 'cos_', 'exp_', 'relu_', 'sigmoid_', 'sqrt_',
             'tanh_', 'sinc_', 'logit_', 'zero_', 'neg_', 'negative_', 'square_', 'trunc_',
             'frac_', 'deg2rad_', 'rad2deg_', 'nan_to_num_', 'round_', 'rsqrt_', 'log_',
             'log2_', 'expm1_', 'erf_', 'exp2_', 'fix_', 'floor_', 'reciprocal_', 'tan_']
    for name in names:
        def fn(lib):
            x = lib.tensor(UNIT)
            out = getattr(lib, name)(x)
            return x, out is x, x._version
        _agree(fn, torch, rtol=1e-6)
    _agree(lambda lib: lib.clamp_(lib.tensor(UNIT), 0.3, 0.6), torch)
    _agree(lambda lib: lib.fill_(lib.tensor(UNIT), 2), torch)
    _agree(lambda lib: lib.xlogy_(lib.tensor(UNIT), lib.tensor(UNIT)), torch, rtol=1e-6)
    _agree(lambda lib: lib.gcd_(lib.tensor([4]), lib.tensor([6])), torch)
    _agree(lambda lib: lib.lcm_(lib.tensor([4]), lib.tensor([6])), torch)
    _agree(lambda lib: lib.ldexp_(lib.tensor([4.0]), lib.tensor([2])), torch)
    _agree(lambda lib: lib.index_put_(lib.tensor(UNIT), (lib.tensor([0]),), lib.tensor(5.0)),
           torch)
    _agree(lambda lib: lib.addmv_(lib.ones(2), lib.ones(2, 3), lib.ones(3)), torch)
    _agree(lambda lib: lib.selu_(lib.tensor(UNIT) - 0.5), torch, rtol=1e-6)
    _agree(lambda lib: lib.celu_(lib.tensor(UNIT) - 0.5, 2.0), torch, rtol=1e-6)
    _agree(lambda lib: lib.threshold_(lib.tensor(UNIT), 0.4, -1.0), torch)
    _agree(lambda lib: lib.dropout_(lib.tensor(UNIT), 0.0, True), torch)
    _agree(lambda lib: lib.detach_(lib.tensor(UNIT, requires_grad=True) * 1).requires_grad,
           torch)


def test_in_place_view_ops(torch):
    def fn(lib):
        t = lib.ones(2, 1, 3)
        shapes = [tuple(t.squeeze_(1).shape), tuple(t.unsqueeze_(0).shape),
                  tuple(t.transpose_(0, 2).shape), tuple(t.squeeze_().shape),
                  tuple(t.t_().shape), tuple(t.swapaxes_(0, 1).shape),
                  tuple(t.swapdims_(1, 0).shape)]
        return shapes, t._version
    _agree(fn, torch)
    grads = []
    for lib in (mt, torch):
        a = lib.tensor([[1.0, 2.0, 3.0]], dtype=lib.float64, requires_grad=True)
        b = a * 2
        b.squeeze_(0)
        b.unsqueeze_(1)
        (b * lib.tensor([[1.0], [2.0], [3.0]], dtype=lib.float64)).sum().backward()
        grads.append((a.grad.numpy(), tuple(b.shape)))
    np.testing.assert_array_equal(grads[0][0], grads[1][0])
    assert grads[0][1] == grads[1][1]


def test_in_place_view_op_on_a_view_then_a_write_to_its_base(torch):
    """The view's history is made again after its base is written: through the slice it
    was taken by and the unsqueeze_ it had since, to the base's new history."""
    def fn(lib):
        leaf = lib.arange(6.0, dtype=lib.float64, requires_grad=True)
        base = leaf * 1
        view = base[0:2]
        view.unsqueeze_(0)
        base.mul_(2)
        (view * lib.tensor([[1.0, 5.0]], dtype=lib.float64)).sum().backward()
        return leaf.grad, view, view._version
    _agree(fn, torch)


# ---- utilities ----------------------------------------------------------------------------

def test_tests_of_a_tensor(torch):
    for data in ([[0.5]], [False], [0], 3.0):
        _agree(lambda lib: lib.is_nonzero(lib.tensor(data)), torch)
        _agree(lambda lib: lib.tensor(data).is_nonzero(), torch)
    for data in ([True], [1], [1.5]):
        _agree(lambda lib: lib.is_signed(lib.tensor(data)), torch)
        _agree(lambda lib: lib.tensor(data).is_signed(), torch)
    _agree(lambda lib: lib.is_same_size(lib.ones(2), lib.ones(1, 2)), torch)
    _agree(lambda lib: lib.ones(2, 3).is_same_size(lib.zeros(2, 3)), torch)


def test_result_type_and_scalar_tensor(torch):
    pairs = [(lambda lib: lib.tensor([1]), 1.0), (1, 1.0), (1, True),
             (lambda lib: lib.tensor(1.0, dtype=lib.float64),
              lambda lib: lib.tensor([1], dtype=lib.int32)),
             (lambda lib: lib.tensor([True]), lambda lib: lib.tensor(2))]
    for a, b in pairs:
        _agree(lambda lib: lib.result_type(a(lib) if callable(a) else a,
                                           b(lib) if callable(b) else b), torch)
    for value in (3, True, 2.5):
        _agree(lambda lib: lib.scalar_tensor(value), torch)
    _agree(lambda lib: lib.scalar_tensor(3, dtype=lib.int64), torch)
    _agree(lambda lib: lib.scalar_tensor(3, requires_grad=True).requires_grad, torch)


def test_range_warns_and_includes_the_end(torch):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        for args, options in (((1, 4), {}), ((1, 4, 0.5), {}), ((4, 1, -1.5), {}),
                              ((0, 1, 0.1), {}), ((1, 4), {'dtype': 'int64'}),
                              ((2, 3), {'dtype': 'float64'})):
            _agree(lambda lib: lib.range(*args, **{k: getattr(lib, v)
                                                  for k, v in options.items()}), torch)
    with pytest.warns(UserWarning, match='microtorch.range is deprecated'):
        mt.range(0, 1)


def test_fill_is_out_of_place_with_the_gradient_of_fill(torch, rng):
    _agree(lambda lib: lib.fill(lib.ones(2, 3), 7), torch)
    _agree(lambda lib: lib.fill(lib.ones(2, dtype=lib.int64), 2.5), torch)
    _agree(lambda lib: lib.fill(lib.ones(2), lib.tensor(3.0, dtype=lib.float64)), torch)
    _gradients(lambda lib, x, v: lib.fill(x, v), [rng.standard_normal((2, 3)),
                                                  np.array(1.5)], torch, rng, order=1)
    assert mt.fill(mt.ones(2, requires_grad=True), 3).grad_fn.name() == 'FillBackward0'


def test_asarray_shares_memory_where_it_can(torch):
    for lib in (mt, torch):
        array = np.zeros(3)
        shared = lib.asarray(array)
        array[0] = 5.0
        assert shared[0].item() == 5.0 and shared.dtype == lib.float64
        source = lib.zeros(3)
        alias, copy = lib.asarray(source), lib.asarray(source, copy=True)
        source[1] = 2.0
        assert alias[1].item() == 2.0 and copy[1].item() == 0.0
        assert lib.asarray(source, dtype=lib.float64).dtype == lib.float64
        assert lib.asarray([1, 2], requires_grad=False).dtype == lib.int64
        assert lib.asarray([1.5], dtype=lib.float64, requires_grad=True).requires_grad


def test_num_threads():
    before = mt.get_num_threads()
    try:
        mt.set_num_threads(1)
        assert mt.get_num_threads() == 1
    finally:
        mt.set_num_threads(before)
    assert mt.get_num_threads() == before


def test_openblas_idle_threads_sleep_soon_unless_numpy_or_the_user_set_them():
    """microtorch's import shortens OpenBLAS's idle spin (microtorch/_openblas_idle.py) where
    it comes before NumPy's, and keeps the user's own setting; after NumPy's it cannot."""
    import os
    import subprocess
    from microtorch import _openblas_idle

    def timeout_after(code, **env):
        environ = {k: v for k, v in os.environ.items() if k != 'OPENBLAS_THREAD_TIMEOUT'}
        environ.update(env)
        return subprocess.run(
            [sys.executable, '-c', code + '; import os; '
             'print(os.environ.get("OPENBLAS_THREAD_TIMEOUT"))'],
            env=environ, check=True, capture_output=True, text=True).stdout.strip()
    assert timeout_after('import microtorch') == _openblas_idle.IDLE_SPIN_LOG2_CYCLES
    assert timeout_after('import microtorch', OPENBLAS_THREAD_TIMEOUT='20') == '20'
    assert timeout_after('import numpy, microtorch') == 'None'


@pytest.mark.parametrize('name', ['hann_window', 'hamming_window', 'blackman_window',
                                  'bartlett_window', 'kaiser_window'])
def test_windows_as_torch(name, torch):
    for length in (0, 1, 2, 5, 8, 31):
        for periodic in (True, False):
            _agree(lambda lib: getattr(lib, name)(length, periodic), torch, rtol=1e-6,
                   atol=1e-6)
            _agree(lambda lib: getattr(lib, name)(length, periodic, dtype=lib.float64), torch,
                   rtol=1e-12, atol=1e-12)
    _agree(lambda lib: getattr(lib, name)(4, requires_grad=True).requires_grad, torch)


def test_window_parameters(torch):
    _agree(lambda lib: lib.hamming_window(6, True, 0.5, 0.4, dtype=lib.float64), torch)
    _agree(lambda lib: lib.hamming_window(6, False, 0.6), torch, rtol=1e-6, atol=1e-7)
    _agree(lambda lib: lib.kaiser_window(7, False, 5.0, dtype=lib.float64), torch)


def test_what_a_tensor_is(torch):
    _agree(lambda lib: lib.ones(2).get_device(), torch)
    _agree(lambda lib: lib.ones(2).is_cpu, torch)
    _agree(lambda lib: lib.ones(3)[1:].storage_offset(), torch)
    _agree(lambda lib: lib.ones(2, 3).t()[1].storage_offset(), torch)
    _agree(lambda lib: lib.ones(2, 3)[1][1:].storage_offset(), torch)
    _agree(lambda lib: lib.ones(2).storage_offset(), torch)
    _agree(lambda lib: (lib.ones(2, requires_grad=True) * 1).output_nr, torch)
    _agree(lambda lib: lib.ones(2).max(0)[0].output_nr, torch)
    _agree(lambda lib: [t.output_nr for t in
                        lib.ones(3, 2, requires_grad=True).unbind(1)], torch)
    _agree(lambda lib: [t.output_nr for t in lib.ones(5, requires_grad=True).split(2)], torch)

    def strided(lib):
        t = lib.ones(2, dtype=lib.float64).new_empty_strided((2, 3), (1, 2))
        return t.stride(), tuple(t.shape), t.dtype
    _agree(strided, torch)


# ---- nn.functional at top level --------------------------------------------------------------

def test_top_level_nn_ops_as_torch(torch, rng):
    x1 = rng.standard_normal((2, 3, 8))
    w1, b = rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    x2, w2 = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    _agree(lambda lib: lib.conv1d(lib.tensor(x1), lib.tensor(w1), lib.tensor(b), 2, 1), torch)
    _agree(lambda lib: lib.conv2d(lib.tensor(x2), lib.tensor(w2), None, 1, 1, 1, 1), torch)
    _agree(lambda lib: lib.conv_transpose1d(lib.tensor(x1), lib.tensor(w1.transpose(1, 0, 2)),
                                            None, 2), torch)
    _agree(lambda lib: lib.conv_transpose2d(lib.tensor(x2), lib.tensor(w2.transpose(1, 0, 2, 3))),
           torch)
    _agree(lambda lib: lib.max_pool1d(lib.tensor(x1), 2), torch)
    _agree(lambda lib: lib.max_pool2d(lib.tensor(x2), 3, 2, 1), torch)
    _agree(lambda lib: lib.avg_pool1d(lib.tensor(x1), 3, 2), torch)
    _agree(lambda lib: lib.adaptive_avg_pool1d(lib.tensor(x1), 3), torch)
    _agree(lambda lib: lib.adaptive_max_pool1d(lib.tensor(x1), 3), torch)
    _agree(lambda lib: lib.batch_norm(lib.tensor(x1), lib.ones(3, dtype=lib.float64),
                                      lib.zeros(3, dtype=lib.float64), None, None, True, 0.1,
                                      1e-5, True), torch)
    _agree(lambda lib: lib.layer_norm(lib.tensor(x1), (8,), None, None, 1e-5, True), torch)
    _agree(lambda lib: lib.group_norm(lib.tensor(x1), 3), torch)
    _agree(lambda lib: lib.instance_norm(lib.tensor(x1), None, None, None, None, True, 0.1, 1e-5,
                                         True), torch)
    _agree(lambda lib: lib.embedding(lib.arange(12.0).reshape(4, 3), lib.tensor([[1, 3]])),
           torch)
    for name, args in (('selu', ()), ('celu', (2.0,)), ('hardshrink', (0.3,)),
                       ('threshold', (0.1, 2.0))):
        _agree(lambda lib: getattr(lib, name)(lib.tensor(x1), *args), torch)
    _agree(lambda lib: lib.prelu(lib.tensor(x1), lib.tensor([0.25], dtype=lib.float64)), torch)
    _agree(lambda lib: lib.tensor(x1).prelu(lib.tensor([0.25], dtype=lib.float64)), torch)
    _agree(lambda lib: lib.tensor(x1).hardshrink(), torch)
    target = rng.uniform(size=x1.shape)
    for reduction in ((), (0,), (1,), (2,)):
        _agree(lambda lib: lib.binary_cross_entropy_with_logits(lib.tensor(x1), lib.tensor(target),
                                                                None, None, *reduction), torch)
        _agree(lambda lib: lib.kl_div(lib.tensor(x1), lib.tensor(target), *reduction), torch)
    _agree(lambda lib: lib.kl_div(lib.tensor(x1), lib.tensor(x1), log_target=True), torch)


# ---- as_strided ------------------------------------------------------------------------------

def test_as_strided_reads_the_storage_as_torch(torch):
    for size, stride, offset in (((2, 2), (1, 2), 1), ((3, 2), (1, 1), None), ((2, 2), (0, 1), 0),
                                 ((0,), (1,), 100), ((), (), 4), ((6,), (1,), 0)):
        _agree(lambda lib: lib.arange(6.0).as_strided(size, stride, offset), torch)
    _agree(lambda lib: lib.arange(6.0)[2:].as_strided((2,), (1,)), torch)
    _agree(lambda lib: lib.arange(6.0)[2:].as_strided((2,), (1,), 0), torch)
    # the storage in memory order: of a transposed copy, of a result laid out as its input
    _agree(lambda lib: lib.arange(6.0).view(2, 3).t().contiguous().t().as_strided((2,), (1,)),
           torch)
    _agree(lambda lib: (lib.arange(6.0).view(2, 3).t() * 1).as_strided((3,), (1,)), torch)


def test_as_strided_gradients_add_up_where_elements_share_a_place(torch, rng):
    x = rng.standard_normal(6)
    _gradients(lambda lib, x: (x * 1).as_strided((3, 2), (1, 1)), [x], torch, rng, order=1)
    _gradients(lambda lib, x: lib.as_strided(x.view(2, 3).t(), (2, 2), (2, 1), 1), [x], torch,
               rng, order=1)
    assert mt.ones(2, requires_grad=True).as_strided((1,), (1,)).grad_fn.name() == \
        'AsStridedBackward0'


def test_as_strided_gradients_follow_pytorchs_four_steps(torch, rng):
    """Written, not added, where the output's places cannot repeat (a -0.0 stays -0.0); a
    broadcast dim's gradients summed first; divided by how often an input that reads places
    twice (an expanded tensor) reads each, so its own backward does not count them twice."""
    cases = [(lambda x: x.as_strided((2, 3), (1, 2), 0), (3, 2), -np.zeros((2, 3))),
             (lambda x: x.as_strided((2, 1, 3), (0, 5, 1), 1), (3, 2), None),
             (lambda x: x.as_strided((4, 3), (1, 1), 0), (3, 2), None),
             (lambda x: x.expand(2, 3).as_strided((3,), (1,), 0), (3,), None),
             (lambda x: x.expand(2, 3).as_strided((2, 2), (1, 1), 0), (3,), None)]
    for view, shape, seed in cases:
        x = rng.standard_normal(shape).astype(np.float32)
        grads = []
        for lib in (mt, torch):
            leaf = lib.tensor(x, requires_grad=True)
            out = view(leaf)
            g = seed if seed is not None else \
                np.random.default_rng(1).standard_normal(tuple(out.shape))
            out.backward(lib.tensor(g.astype(np.float32)))
            grads.append(leaf.grad.numpy())
        np.testing.assert_array_equal(grads[0].view(np.uint32), grads[1].view(np.uint32))


def test_as_strided_is_a_view_both_ways(torch):
    def fn(lib):
        base = lib.zeros(6)
        view = base.as_strided((2,), (2,), 1)
        view.fill_(1.0)
        base[3] = 5.0
        return base, view, base._version, view._base is base

    def through_the_view(lib):            # recorded: the gradient goes through the write
        leaf = lib.arange(6.0, dtype=lib.float64, requires_grad=True)
        y = leaf * 1
        y.as_strided((2,), (3,)).mul_(10)
        y.sum().backward()
        return leaf.grad

    def into_the_base(lib):                # a write to the base after the view was taken
        leaf = lib.arange(6.0, dtype=lib.float64, requires_grad=True)
        y = leaf * 1
        view = y.as_strided((2,), (2,), 1)
        y.mul_(3)
        view.sum().backward()
        return leaf.grad
    for check in (fn, through_the_view, into_the_base):
        _agree(check, torch)
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match='more than one element of the written-to'):
            lib.zeros(6).as_strided((3, 2), (0, 1)).add_(1)


# ---- on every device -----------------------------------------------------------------------

ON_DEVICE = [
    lambda lib, d: lib.histogram(lib.tensor([0.5, 1.5, 1.7, 3.0], device=d), 3),
    lambda lib, d: lib.histogram(lib.tensor([0.5, 1.5, 1.7, 3.0], device=d),
                                 lib.tensor([0.0, 1.0, 4.0], device=d),
                                 weight=lib.tensor([1.0, 2.0, 3.0, 4.0], device=d),
                                 density=True),
    lambda lib, d: lib.mode(lib.tensor([[1, 2, 2], [3, 3, 1]], device=d), 1),
    lambda lib, d: lib.nanmedian(lib.tensor([[1.0, NAN, 2.0, 0.0]], device=d), 1),
    lambda lib, d: lib.quantile(lib.tensor([[1.0, 5.0, 2.0]], device=d),
                                lib.tensor([0.2, 0.9], device=d), 1),
    lambda lib, d: lib.gcd(lib.tensor([12, 18], device=d), lib.tensor([8, 4], device=d)),
    lambda lib, d: lib.lcm(lib.tensor([12, 18], device=d), lib.tensor([8, 4], device=d)),
    lambda lib, d: lib.tensor([1, -8, 3], device=d) << lib.tensor([1, 70, -1], device=d),
    lambda lib, d: 64 >> lib.tensor([1, 2, 3], device=d),
    lambda lib, d: lib.frexp(lib.tensor([3.0, -0.1, 0.0], device=d)),
    lambda lib, d: lib.nextafter(lib.tensor([1.0, 2.0], device=d), lib.zeros(2, device=d)),
    lambda lib, d: lib.signbit(lib.tensor([-0.0, 1.0, -2.0], device=d)),
    lambda lib, d: lib.copysign(lib.tensor([1.0, 2.0], device=d), lib.tensor([-1.0, 0.0],
                                                                           device=d)),
    lambda lib, d: lib.put(lib.zeros(2, 2, device=d), lib.tensor([3, 3], device=d),
                           lib.tensor([1.0, 2.0], device=d), True),
    lambda lib, d: lib.index_put(lib.zeros(3, device=d), (lib.tensor([2, 2], device=d),),
                                 lib.tensor([1.0, 2.0], device=d), True),
    lambda lib, d: lib.diagonal_scatter(lib.zeros(2, 3, device=d), lib.ones(2, device=d), 1),
    lambda lib, d: lib.zeros(5, 2, device=d).fill_diagonal_(3.0, True),
    lambda lib, d: lib.hann_window(5, device=d),
    lambda lib, d: lib.addbmm(lib.ones(2, 2, device=d), lib.ones(3, 2, 4, device=d),
                              lib.ones(3, 4, 2, device=d)),
    lambda lib, d: lib.cumulative_trapezoid(lib.tensor([1.0, 2.0, 4.0], device=d)),
    lambda lib, d: lib.ones(3, device=d)[1:].storage_offset(),
    lambda lib, d: lib.arange(6.0, device=d).as_strided((2, 2), (1, 2), 1),
]


@pytest.mark.parametrize('case', range(len(ON_DEVICE)))
def test_on_every_device_as_on_the_cpu(case, device):
    """The same results on the device (the GPU, or the CPU emulator) as on the CPU."""
    on_device, on_cpu = (_plain(ON_DEVICE[case](mt, d)) for d in (device, 'cpu'))
    _compare(on_device, on_cpu, 1e-6, 1e-7)


def test_diagonal_is_a_view_and_diag_a_copy(torch):
    """Writes into diagonal() reach the input (with the autograd history of a write into a
    view); diag() of a matrix copies."""
    def fill(lib):
        z = lib.zeros(3, 4)
        z.diagonal().add_(2)
        z.diagonal(1).mul_(5)
        z.diagonal(-1).fill_(3)
        lib.diag(z).fill_(9)
        return z
    _agree(fill, torch)
    _agree(lambda lib: lib.arange(24.0).reshape(2, 3, 4).transpose(0, 2).diagonal(1, 2, 0),
           torch)

    def through_graph(lib):
        w = lib.ones(3, 3, dtype=lib.float64, requires_grad=True)
        v = w * lib.arange(1.0, 10.0, dtype=lib.float64).reshape(3, 3)
        v.diagonal().mul_(3)
        (v * v).sum().backward()
        return w.grad, v.grad_fn.name().replace('torch::autograd::', '')
    _agree(through_graph, torch)
    _agree(lambda lib: lib.diag(lib.ones(3, 3, requires_grad=True)).grad_fn.name(), torch)


def test_tensor_unfold_is_a_view(torch):
    """Tensor.unfold's windows share the input's memory: writes through non-overlapping
    windows reach it; overlapping ones refuse in-place writes (PyTorch adds into the shared
    elements once per window, an order it leaves undefined)."""
    def write(lib):
        x = lib.arange(6.0)
        x.unfold(0, 2, 2).mul_(10)
        return x
    _agree(write, torch)
    _agree(lambda lib: lib.arange(24.0).reshape(2, 3, 4).transpose(0, 2).unfold(1, 2, 1), torch)
    windows = mt.arange(6.0).unfold(0, 3, 1)
    with pytest.raises(RuntimeError, match='more than one element of the written-to tensor'):
        windows.add_(1)


def test_complex_api_on_real_tensors(torch):
    """conj/real/resolve_* give the tensor itself, angle is pi or 0 (nan kept, gradient 0),
    H/mH/adjoint transpose, isreal is all True, imag is refused."""
    def values(lib):
        x = lib.tensor([-1.0, 0.0, 2.0, math.nan, math.inf, -math.inf], dtype=lib.float64,
                       requires_grad=True)
        phase = lib.angle(x)
        phase.sum().backward()
        a = lib.arange(6.0).reshape(2, 3)
        return (phase, x.grad, lib.angle(lib.tensor([-1, 2])), x.isreal(), a.H, a.mH,
                lib.adjoint(lib.ones(2, 3, 4)), [x.conj() is x, lib.real(x) is x, x.real is x,
                                                 x.resolve_conj() is x, x.resolve_neg() is x,
                                                 x.is_complex(), lib.is_conj(x), x.is_neg()])
    _agree(values, torch)


def test_settings_and_index_helpers(torch):
    _agree(lambda lib: list(lib.unravel_index(lib.tensor([4, 7, -1, 30]), (3, 4))), torch)
    _agree(lambda lib: list(lib.unravel_index(lib.tensor([[3, 5]]), 4)), torch)
    _agree(lambda lib: [lib.typename(lib.ones(2)), lib.typename(1),
                        lib.typename(lib.float32).replace('micro', ''),
                        str(lib.get_default_device()), lib.get_float32_matmul_precision(),
                        lib.are_deterministic_algorithms_enabled(),
                        lib.is_warn_always_enabled()], torch)
    mt.use_deterministic_algorithms(True, warn_only=True)
    assert mt.are_deterministic_algorithms_enabled() and mt.get_deterministic_debug_mode() == 1
    mt.set_deterministic_debug_mode('default')
    assert not mt.are_deterministic_algorithms_enabled()
    mt.set_float32_matmul_precision('high')
    assert mt.get_float32_matmul_precision() == 'high'
    with pytest.warns(UserWarning, match="bad is not one of 'highest', 'high', or 'medium'"):
        mt.set_float32_matmul_precision('bad')
    assert mt.get_float32_matmul_precision() == 'high'
    mt.set_float32_matmul_precision('highest')

    def model(x):
        return x * 2
    assert mt.compile(model) is model and mt.compile(mode='max-autotune')(model) is model
    assert mt.vmap(lambda v: v.sum())(mt.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize('call', [
    lambda lib, f, x, g: lib.gradient(f),
    lambda lib, f, x, g: lib.gradient(f, spacing=2.0),
    lambda lib, f, x, g: lib.gradient(f, edge_order=2),
    lambda lib, f, x, g: lib.gradient(f, spacing=(x,)),
    lambda lib, f, x, g: lib.gradient(f, spacing=(x,), edge_order=2),
    lambda lib, f, x, g: lib.gradient(g),
    lambda lib, f, x, g: lib.gradient(g, dim=1),
    lambda lib, f, x, g: lib.gradient(g, spacing=[2.0, 3.0]),
    lambda lib, f, x, g: lib.gradient(g, spacing=2.0, dim=(0,)),
    lambda lib, f, x, g: lib.gradient(g, spacing=(x[:3], x[1:]), edge_order=2),
    lambda lib, f, x, g: lib.gradient(g, spacing=(x[:4],), dim=-1),
    lambda lib, f, x, g: lib.gradient(lib.tensor([1, 2, 4])),
])
def test_gradient(call, torch):
    """torch.gradient: uniform spacings, coordinates, both edge orders, chosen dims; and the
    result is differentiable."""
    def run(lib):
        f = lib.tensor([1.0, 4.0, 9.0, 16.0, 25.0], dtype=lib.float64, requires_grad=True)
        x = lib.tensor([0.0, 1.0, 3.0, 4.0, 7.0], dtype=lib.float64)
        g = lib.arange(12.0, dtype=lib.float64).reshape(3, 4) ** 2
        out = list(call(lib, f, x, g))
        total = sum(t.sum() for t in out)
        return out + ([lib.autograd.grad(total, f)[0]] if total.requires_grad else [])
    _agree(run, torch, rtol=1e-12, atol=1e-12)


def test_logit_eps_as_pytorch_clamps(torch):
    """logit(x, eps) clamps as PyTorch does (below eps, then above 1 - eps), which differs
    from clamp when eps > 0.5; the gradient is 0 outside [eps, 1 - eps]."""
    def run(lib):
        x = lib.tensor([0.2, 0.7, -1.0, 2.0, 0.5, 0.1], dtype=lib.float64, requires_grad=True)
        out = []
        for eps in (0.6, 0.1, 0.5):
            y = x.logit(eps)
            out += [y, lib.autograd.grad(y.sum(), x)[0]]
        return out
    _agree(run, torch)
