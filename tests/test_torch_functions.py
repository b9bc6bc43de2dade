"""The torch.* functions of ops/composite.py and microtorch.linalg beyond the op table, against
PyTorch: zeros, ties and nan, integer and bool inputs, the ops without a gradient (searching,
counting, building index tensors), dtypes, and the singular matrices of linalg."""
import math
import warnings

import numpy as np
import pytest

import microtorch as mt

NAN = math.nan


def _name(dtype):
    return str(dtype).split('.')[-1]


def _same(mine, theirs, rtol=1e-12, atol=1e-14):
    mine = mine if isinstance(mine, tuple) else (mine,)
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs):
        assert tuple(m.shape) == tuple(t.shape)
        assert _name(m.dtype) == _name(t.dtype)
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def _values(fn, torch, **tolerance):
    _same(fn(mt), fn(torch), **tolerance)


def _gradients(fn, arrays, torch, rng, order=2):
    """fn's values and its first (and second) derivatives, in both libraries, float64."""
    results = []
    seeds = None
    for lib in (mt, torch):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = fn(lib, *xs)
        outs = out if isinstance(out, tuple) else (out,)
        outs = [o for o in outs if o.is_floating_point()]
        if seeds is None:
            seeds = [rng.standard_normal(tuple(o.shape)) for o in outs]
            second = [rng.standard_normal(a.shape) for a in arrays]
        grads = lib.autograd.grad(outs, xs, [lib.tensor(s) for s in seeds],
                                  create_graph=order > 1)
        found = [o.detach().numpy() for o in outs] + [g.detach().numpy() for g in grads]
        if order > 1:
            total = sum((g * lib.tensor(s)).sum() for g, s in zip(grads, second))
            found += [g.numpy() for g in lib.autograd.grad(total, xs)]
        results.append(found)
    for m, t in zip(*results):
        np.testing.assert_allclose(m, t, rtol=1e-10, atol=1e-12)


# ---- scans ---------------------------------------------------------------------------------

@pytest.mark.parametrize('dim', [0, 1, -1])
def test_cumprod_through_zeros_to_second_order(dim, torch, rng):
    x = rng.uniform(-2, 2, (4, 7))
    x[0, 2] = x[1, 1] = x[1, 4] = x[2, 6] = x[3, 0] = x[3, 1] = 0.0
    _gradients(lambda lib, x: lib.cumprod(x, dim), [x], torch, rng)


def test_cumprod_dtypes(torch):
    for make in (lambda lib: lib.tensor([1, 3, 3, 2]), lambda lib: lib.tensor([True, False]),
                 lambda lib: lib.tensor([1.5, -2.0], dtype=lib.float32),
                 lambda lib: lib.tensor(3.0)):
        _values(lambda lib: make(lib).cumprod(0), torch)
    _values(lambda lib: lib.cumprod(lib.tensor([1, 2, 3]), 0, dtype=lib.float64), torch)


@pytest.mark.parametrize('name', ['cummax', 'cummin'])
def test_cummax_cummin_ties_nan_and_gradient(name, torch, rng):
    x = np.array([[1.0, 3.0, 3.0, NAN, 2.0, NAN, 5.0], [2.0, 2.0, 0.0, 0.0, 4.0, 4.0, -1.0]])
    for dim in (0, 1):
        _values(lambda lib: getattr(lib, name)(lib.tensor(x), dim), torch)
    finite = np.nan_to_num(x, nan=1.0)
    _gradients(lambda lib, x: getattr(lib, name)(x, 1).values, [finite], torch, rng, order=1)
    _values(lambda lib: getattr(lib.tensor([1, 3, 3, 2]), name)(0), torch)
    _values(lambda lib: getattr(lib, name)(lib.tensor(2.5), 0), torch)


def test_logcumsumexp_is_stable(torch, rng):
    x = rng.uniform(-2, 2, (3, 6)) * 400          # exp overflows; the scan does not
    _values(lambda lib: lib.logcumsumexp(lib.tensor(x), 1), torch, rtol=1e-12)
    _values(lambda lib: lib.tensor(x, dtype=lib.float32).logcumsumexp(0), torch, rtol=1e-6)
    _gradients(lambda lib, x: lib.logcumsumexp(x, 1), [x / 100], torch, rng)


# ---- searching and counting ----------------------------------------------------------------

def test_searchsorted_and_bucketize(torch, rng):
    s = np.sort(rng.uniform(-2, 2, (3, 6)), 1)
    s[0, 3] = s[0, 2]
    v = rng.uniform(-2, 2, (3, 4))
    v[0, 0], v[1, 1] = s[0, 2], NAN
    for options in ({}, {'right': True}, {'side': 'right'}, {'side': 'left'},
                    {'out_int32': True}):
        _values(lambda lib: lib.searchsorted(lib.tensor(s), lib.tensor(v), **options), torch)
        _values(lambda lib: lib.searchsorted(lib.tensor(s[0]), lib.tensor(v), **options), torch)
    for options in ({}, {'right': True}, {'out_int32': True}):
        _values(lambda lib: lib.bucketize(lib.tensor(v), lib.tensor(s[0]), **options), torch)
    unsorted = s[0][::-1].copy()
    _values(lambda lib: lib.searchsorted(lib.tensor(unsorted), lib.tensor(v),
                                         sorter=lib.tensor(np.argsort(unsorted))), torch)
    _values(lambda lib: lib.searchsorted(lib.tensor([1.0, 2.0, 3.0]), 2), torch)
    _values(lambda lib: lib.bucketize(3, lib.tensor([1.0, 2.0, 3.0]), right=True), torch)
    _values(lambda lib: lib.searchsorted(lib.tensor([1, 5, 9]), lib.tensor([[4.5, 9.0]])), torch)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_histc(dtype, torch, rng):
    h = rng.standard_normal(2000).astype(dtype)
    for args in ((), (17,), (10, -1, 1), (7, -0.3, 0.9), (4, 0, 0)):
        _values(lambda lib: lib.histc(lib.tensor(h), *args), torch)
    _values(lambda lib: lib.tensor(h).histc(3, 1, 1), torch)
    _values(lambda lib: lib.histc(lib.tensor([1.0, 1.0, 1.0]), 4), torch)
    _values(lambda lib: lib.histc(lib.tensor([0.0, 1.0, 2.0, 3.0, NAN]), 3, 0, 3), torch)
    x = mt.tensor(h, requires_grad=True)
    assert not mt.histc(x).requires_grad


def test_isin_and_unique_consecutive(torch):
    _values(lambda lib: lib.isin(lib.tensor([1, 2, 3, 4]), lib.tensor([2, 4, 7])), torch)
    _values(lambda lib: lib.isin(lib.tensor([[1, 2], [3, 4]]), 2, invert=True), torch)
    _values(lambda lib: lib.isin(2, lib.tensor([1, 2])), torch)
    _values(lambda lib: lib.isin(lib.tensor([1.0, 2.5]), lib.tensor([1, 2])), torch)
    for flags in ({}, {'return_inverse': True}, {'return_counts': True},
                  {'return_inverse': True, 'return_counts': True}):
        _values(lambda lib: lib.unique_consecutive(lib.tensor([[1, 1, 2], [2, 3, 1]]), **flags),
                torch)
        _values(lambda lib: lib.tensor([[1, 1], [1, 1], [2, 2], [1, 1]]).unique_consecutive(
            dim=0, **flags), torch)
        _values(lambda lib: lib.unique_consecutive(lib.tensor([[1.0, 1, 1], [1, 2, 2]]), dim=1,
                                                   **flags), torch)


# ---- building tensors ----------------------------------------------------------------------

def test_index_and_range_builders(torch):
    for row, col, offset in ((3, 4, 1), (4, 3, -2), (0, 3, 0), (3, 3, 5), (3, 3, -5)):
        _values(lambda lib: lib.tril_indices(row, col, offset), torch)
        _values(lambda lib: lib.triu_indices(row, col, offset, dtype=lib.int32), torch)
    for options in ({}, {'base': 2}, {'dtype': 'float64'}, {'dtype': 'int64'}):
        def build(lib):
            kw = {k: getattr(lib, v) if k == 'dtype' else v for k, v in options.items()}
            return lib.logspace(-1, 2.5, 6, **kw)
        _values(build, torch, rtol=1e-6)
    _values(lambda lib: lib.logspace(0, 1, 0), torch)


def test_vander_combinations_block_diag_kron_dtypes(torch):
    _values(lambda lib: lib.vander(lib.tensor([1, 2, 3])), torch)
    _values(lambda lib: lib.vander(lib.tensor([1.0, 0.0, 3.0]), 0), torch)
    _values(lambda lib: lib.vander(lib.tensor([1.0, 0.0, 3.0]), 2, increasing=True), torch)
    _values(lambda lib: lib.combinations(lib.tensor([1, 2, 3]), 0), torch)
    _values(lambda lib: lib.combinations(lib.tensor([1, 2, 3]), 4), torch)
    _values(lambda lib: lib.combinations(lib.tensor([1, 2, 3]), 3, True), torch)
    _values(lambda lib: lib.cartesian_prod(lib.tensor([1, 2]), lib.tensor([3, 4, 5]),
                                           lib.tensor([6])), torch)
    _values(lambda lib: lib.block_diag(lib.tensor(1), lib.tensor([2.0, 3.0]),
                                       lib.ones(2, 1, dtype=lib.int32)), torch)
    _values(lambda lib: lib.block_diag(), torch)
    _values(lambda lib: lib.kron(lib.ones(2), lib.ones(2, 2, dtype=lib.int64)), torch)
    _values(lambda lib: lib.kron(lib.tensor(2), lib.tensor([[1, 2]])), torch)


def test_vander_has_a_gradient_at_zero(rng):
    x = mt.tensor([0.0, 1.5, -2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda x: mt.vander(x), [x])
    assert mt.autograd.gradgradcheck(lambda x: mt.vander(x, 4, True), [x])


# ---- pointwise -----------------------------------------------------------------------------

def test_xlogy_at_zero_and_nan_as_torch(torch, rng):
    x = np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0, -1.5])
    y = np.array([NAN, 0.0, 0.0, -1.0, 3.0, 2.0, math.inf])
    _values(lambda lib: lib.xlogy(lib.tensor(x), lib.tensor(y)), torch)
    _values(lambda lib: lib.xlogy(2, lib.tensor([1, 2])), torch)
    _values(lambda lib: lib.xlogy(lib.tensor([1, 2]), 3), torch)
    _values(lambda lib: lib.xlogy(lib.tensor([0.0, 2.0], dtype=lib.float32), 3.5), torch,
            rtol=1e-6)
    # the gradient where x is 0: log(y) for x (0 where y <= 0), x / y for y
    xs = np.array([0.0, 0.0, 1.0, 0.0, -2.0])
    ys = np.array([2.0, -1.0, 0.5, 0.3, 1.5])
    _gradients(lambda lib, x, y: lib.xlogy(x, y), [xs, ys], torch, rng, order=1)
    # Second order where other > 0. (At input 0, other <= 0 PyTorch's two mixed second
    # derivatives differ from each other - no function has them - and microtorch's are 0.)
    _gradients(lambda lib, x, y: lib.xlogy(x, y), [xs, np.abs(ys)], torch, rng)


def test_float_power_is_float64(torch, rng):
    _values(lambda lib: lib.float_power(lib.tensor([1, 2]), 2), torch)
    _values(lambda lib: lib.float_power(2, lib.tensor([1, 2])), torch)
    _values(lambda lib: lib.tensor([1.5, 2.0], dtype=lib.float32).float_power(
        lib.tensor([2, -1])), torch)
    x = mt.tensor([1.5, 2.0], dtype=mt.float32, requires_grad=True)
    mt.float_power(x, 2.0).sum().backward()
    assert x.grad.dtype is mt.float32 and x.grad.tolist() == [3.0, 4.0]


@pytest.mark.parametrize('name', ['fmax', 'fmin'])
def test_fmax_fmin_ignore_nan_and_give_ties_to_input(name, torch, rng):
    a = np.array([1.0, NAN, 3.0, NAN, 2.0, -1.0])
    b = np.array([2.0, 1.0, NAN, NAN, 2.0, -3.0])
    _values(lambda lib: getattr(lib, name)(lib.tensor(a), lib.tensor(b)), torch)
    _values(lambda lib: getattr(lib, name)(lib.tensor([1, 5]), lib.tensor([2.0, NAN])), torch)
    ties = np.array([1.0, 2.0, 3.0])
    _gradients(lambda lib, x, y: getattr(lib, name)(x, y), [ties, ties.copy()], torch, rng,
               order=1)
    _gradients(lambda lib, x, y: getattr(x, name)(y), [np.nan_to_num(a), b[:1]], torch, rng,
               order=1)


def test_heaviside_trapezoid_renorm(torch, rng):
    _values(lambda lib: lib.heaviside(lib.tensor([-1.0, 0.0, 2.0]), lib.tensor([0.5])), torch)
    _values(lambda lib: lib.tensor([-1, 0, 2]).heaviside(lib.tensor(7)), torch)
    assert not mt.heaviside(mt.zeros(2, requires_grad=True), mt.ones(1)).requires_grad
    _values(lambda lib: lib.trapezoid(lib.tensor([1, 2, 4])), torch)
    _values(lambda lib: lib.trapezoid(lib.ones(2, 0)), torch)
    _values(lambda lib: lib.trapezoid(lib.ones(2, 1), dx=3.0), torch)
    x = rng.uniform(-2, 2, (3, 4, 2))
    for p, maxnorm in ((2, 1.0), (1, 0.5), (3.5, 100.0), (math.inf, 1.0)):
        _gradients(lambda lib, x: lib.renorm(x, p, 1, maxnorm), [x], torch, rng,
                   order=1 if math.isinf(p) else 2)


# ---- statistics, distances, products -------------------------------------------------------

def test_cov_and_corrcoef(torch, rng):
    _values(lambda lib: lib.cov(lib.tensor([1, 2, 4])), torch, rtol=1e-6)
    _values(lambda lib: lib.corrcoef(lib.tensor([1.0, 2.0, 4.0])), torch)
    _values(lambda lib: lib.cov(lib.tensor([[1.0, 2.0, 4.0]]), correction=2), torch)
    for lib in (mt, torch):
        with pytest.warns(UserWarning, match='degrees of freedom is <= 0'):
            assert math.isinf(lib.cov(lib.tensor([1.0, 2.0, 4.0]), correction=3).item())
    x = rng.uniform(-2, 2, (3, 6))
    _gradients(lambda lib, x: lib.cov(x, correction=0), [x], torch, rng)
    _gradients(lambda lib, x: lib.corrcoef(x), [x], torch, rng)


@pytest.mark.parametrize('p', [0.0, 0.5, 1.0, 2.0, 3.0, math.inf])
def test_cdist(p, torch, rng):
    a, b = rng.uniform(-2, 2, (2, 4, 3)), rng.uniform(-2, 2, (1, 5, 3))
    b[0, 0] = a[0, 0]                                  # a zero distance
    # PyTorch's cdist has no second derivative; first derivatives against it
    if p != 0.0:
        _gradients(lambda lib, x, y: lib.cdist(x, y, p), [a, b], torch, rng, order=1)
    _values(lambda lib: lib.cdist(lib.tensor(a), lib.tensor(b), p), torch)


def test_baddbmm_beta_zero_ignores_input(torch):
    _values(lambda lib: lib.baddbmm(lib.tensor([NAN]), lib.ones(1, 2, 2), lib.ones(1, 2, 2),
                                    beta=0), torch)


def test_aliases_and_unflatten(torch, rng):
    x = rng.uniform(-2, 2, (3, 4))
    _values(lambda lib: lib.absolute(lib.tensor(x)), torch)
    _values(lambda lib: lib.cosine_similarity(lib.tensor(x), lib.tensor(x[::-1].copy())), torch)
    _values(lambda lib: lib.pairwise_distance(lib.tensor(x), lib.tensor(x[::-1].copy())), torch)
    _values(lambda lib: lib.dropout(lib.tensor(x), 0.5, False), torch)
    _values(lambda lib: lib.dropout(lib.tensor(x), 0.0, True), torch)
    _values(lambda lib: lib.unflatten(lib.tensor(x), -1, (2, -1)), torch)
    assert mt.tensor(x).unflatten(0, [1, 3]).shape == (1, 3, 4)
    assert mt.nn.Unflatten(1, (2, 2))(mt.ones(3, 4)).shape == (3, 2, 2)


def test_cross_without_dim_warns_and_takes_the_first_dim_of_size_3(torch, rng):
    a, b = rng.uniform(-2, 2, (3, 3)), rng.uniform(-2, 2, (3, 3))
    with pytest.warns(UserWarning, match='without specifying the dim arg is deprecated'):
        ours = mt.cross(mt.tensor(a), mt.tensor(b))
    # PyTorch warns once per process (TORCH_WARN_ONCE), so only its values are compared.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        theirs = torch.cross(torch.tensor(a), torch.tensor(b))
    _same(ours, theirs)


# ---- linalg --------------------------------------------------------------------------------

def test_linalg_norms(torch, rng):
    x = rng.uniform(-2, 2, (2, 3, 4))
    for ord in ('fro', 1, -1, math.inf, -math.inf, 'nuc', 2, -2):
        _values(lambda lib: lib.linalg.matrix_norm(lib.tensor(x), ord, dim=(2, 0),
                                                   keepdim=True), torch)
        _values(lambda lib: lib.linalg.norm(lib.tensor(x[0]), ord), torch)
    for ord in (2, 1, 0, 3.5, math.inf, -math.inf):
        _values(lambda lib: lib.linalg.vector_norm(lib.tensor(x), ord, dim=1), torch)
    _values(lambda lib: lib.linalg.norm(lib.tensor(x)), torch)
    _values(lambda lib: lib.linalg.norm(lib.tensor(x), 3, dim=-1), torch)
    _values(lambda lib: lib.linalg.norm(lib.tensor(x), dim=(0, 1)), torch)
    _values(lambda lib: lib.linalg.vector_norm(lib.tensor([3.0, 4.0]), dtype=lib.float64), torch)
    for ord in ('nuc', 2):              # no singular values: 0, as PyTorch
        _values(lambda lib: lib.linalg.matrix_norm(lib.zeros(0, 3), ord), torch)


def test_linalg_products_and_views(torch, rng):
    x, y = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4,))
    _values(lambda lib: lib.linalg.vecdot(lib.tensor(x), lib.tensor(y)), torch)
    _values(lambda lib: lib.linalg.matmul(lib.tensor(x), lib.tensor(y)), torch)
    _values(lambda lib: lib.linalg.diagonal(lib.tensor(x), offset=-1), torch)


def _invertible(rng, shape):
    return rng.uniform(-1, 1, shape) + 3 * np.eye(shape[-1])


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_inv_det_solve_values_and_dtypes(dtype, torch, rng):
    a = _invertible(rng, (2, 3, 3)).astype(dtype)
    b = rng.uniform(-1, 1, (2, 3, 2)).astype(dtype)
    tolerance = {'rtol': 1e-5, 'atol': 1e-6} if dtype == 'float32' else {'rtol': 1e-10}
    _values(lambda lib: lib.linalg.inv(lib.tensor(a)), torch, **tolerance)
    _values(lambda lib: lib.linalg.det(lib.tensor(a)), torch, **tolerance)
    _values(lambda lib: lib.linalg.solve(lib.tensor(a), lib.tensor(b)), torch, **tolerance)
    _values(lambda lib: lib.linalg.solve(lib.tensor(a), lib.tensor(b[..., 0])), torch,
            **tolerance)
    _values(lambda lib: lib.linalg.solve(lib.tensor(a[0]), lib.tensor(b)), torch, **tolerance)


def test_inv_det_solve_gradients_to_second_order(torch, rng):
    a = _invertible(rng, (2, 3, 3))
    _gradients(lambda lib, a: lib.linalg.inv(a), [a], torch, rng)
    _gradients(lambda lib, a: lib.linalg.det(a), [a], torch, rng)
    _gradients(lambda lib, a, b: lib.linalg.solve(a, b), [a, rng.uniform(-1, 1, (3,))], torch,
               rng)
    _gradients(lambda lib, a, b: lib.linalg.solve(a, b), [a[0], rng.uniform(-1, 1, (2, 3, 2))],
               torch, rng)


@pytest.mark.parametrize('make, name', [
    (lambda lib: lib.linalg.inv(lib.zeros(2, 2)), 'inv'),
    (lambda lib: lib.linalg.inv(lib.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 1.0, 1.0]])),
     'inv'),
    (lambda lib: lib.linalg.inv(lib.tensor([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [1.0, 2.0]]])),
     'inv'),
    (lambda lib: lib.linalg.solve(lib.tensor([[1.0, 2.0], [2.0, 4.0]]), lib.ones(2)), 'solve'),
])
def test_singular_matrices_raise_torchs_linalg_error(make, name, torch):
    with pytest.raises(mt.linalg.LinAlgError) as mine:
        make(mt)
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        make(torch)
    assert isinstance(mine.value, RuntimeError)
    assert str(mine.value) == str(theirs.value).replace('torch.', 'microtorch.')


def test_failed_calls_change_nothing():
    x = mt.ones(2, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for call in (lambda: mt.linalg.inv(x), lambda: mt.cdist(x, x[:, :2]),
                     lambda: mt.renorm(x, -1, 0, 1), lambda: mt.cross(x[:, :2], x[:, :2])):
            with pytest.raises(RuntimeError):
                call()
    assert x.grad is None and x._version == 0


@pytest.mark.parametrize('name, args', [
    ('cumprod_', (1,)), ('xlogy_', (2.0,)), ('renorm_', (2, 0, 1.0)), ('absolute_', ()),
    ('heaviside_', ('values',)), ('baddbmm_', ('batches',)),
])
def test_in_place_forms_as_torch(name, args, torch, rng):
    x0 = rng.uniform(-2, 2, (1, 3, 3))
    x0[0, 0, 1] = 0.0
    out = []
    for lib in (mt, torch):
        x = lib.tensor(x0)
        actual = [lib.tensor([0.5]) if a == 'values' else
                  (lib.ones(1, 3, 2, dtype=lib.float64), lib.ones(1, 2, 3, dtype=lib.float64))
                  if a == 'batches' else a for a in args]
        flat = [v for a in actual for v in (a if isinstance(a, tuple) else (a,))]
        x = x.double() if name != 'heaviside_' else x.float()
        if name == 'heaviside_':
            flat = [flat[0].float()]
        version = x._version
        assert getattr(x, name)(*flat) is x and x._version == version + 1
        out.append(x)
    _same(*out)


def test_det_of_a_singular_matrix_and_its_gradient(torch, rng):
    """The value is PyTorch's 0; the gradient there comes from the SVD (the cofactors), as
    PyTorch's, to second order where the singular values are distinct (in a batch with an
    invertible matrix too). slogdet's gradient there is infinite: microtorch says so."""
    _values(lambda lib: lib.linalg.det(lib.zeros(2, 2, dtype=lib.float64)), torch)
    singular = np.array([[1.0, 2.0, 0.5], [2.0, 4.0, 1.0], [0.3, 0.2, 1.0]])
    _gradients(lambda lib, a: lib.linalg.det(a), [singular[:2, :2]], torch, rng)
    _gradients(lambda lib, a: lib.linalg.det(a), [np.stack([singular, _invertible(rng, (3, 3))])],
               torch, rng)
    _gradients(lambda lib, a: lib.linalg.det(a), [np.zeros((3, 3))], torch, rng, order=1)
    a = mt.tensor(singular, requires_grad=True)
    with pytest.raises(NotImplementedError, match='singular matrix'):
        mt.linalg.slogdet(a).logabsdet.backward()


# ---- found by a differential audit against PyTorch -----------------------------------------

def test_cov_weights_values_and_gradients(torch, rng):
    x = rng.uniform(-2, 2, (3, 5))
    frequencies, weights = np.array([1, 2, 0, 1, 3]), rng.uniform(0.1, 1, 5)
    for correction in (0, 1, 2):
        _values(lambda lib: lib.cov(lib.tensor(x), correction=correction,
                                    fweights=lib.tensor(frequencies)), torch)
        _gradients(lambda lib, x, w: lib.cov(x, correction=correction,
                                             fweights=lib.tensor(frequencies), aweights=w),
                   [x, weights], torch, rng, order=1)
    _values(lambda lib: lib.cov(lib.tensor([1, 2, 4]), aweights=lib.tensor([0.5, 1.0, 2.0])),
            torch, rtol=1e-6)


def test_einsum_sublist_format(torch, rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    _gradients(lambda lib, a, b: lib.einsum(a, [0, 1], b, [1, 2], [0, 2]), [a, b], torch, rng)
    _gradients(lambda lib, a, b: lib.einsum(a, [Ellipsis, 30], b, [30, 51]), [a, b], torch,
               rng)
    _values(lambda lib: lib.einsum(lib.tensor(a), [0, 1]), torch)


def test_norms_over_no_dims_and_empty_columns(torch, rng):
    x = rng.standard_normal((2, 3))
    _gradients(lambda lib, x: lib.linalg.vector_norm(x, 3, dim=()), [x], torch, rng)
    _values(lambda lib: lib.linalg.vector_norm(lib.tensor(x), 2, dim=[], keepdim=True), torch)
    _values(lambda lib: lib.cdist(lib.zeros(3, 0), lib.zeros(2, 0), p=math.inf), torch)
    _values(lambda lib: lib.linalg.matrix_norm(lib.zeros(0, 3), 1, dim=(1, 0)), torch)


def test_diff_of_order_zero_returns_the_input(torch):
    for lib in (mt, torch):
        x = lib.tensor([1.0, 2.0, 4.0])
        assert lib.diff(x, n=0, dim=5).tolist() == [1.0, 2.0, 4.0]
        assert lib.diff(x, n=0, prepend=lib.zeros(2)).tolist() == [1.0, 2.0, 4.0]


def test_tensor_split_keywords_and_movedim_of_a_scalar(torch):
    for kwargs in ({'sections': 2}, {'indices': [1, 2]},
                   {'tensor_indices_or_sections': 'tensor'}):
        def split(lib, kwargs=kwargs):
            kwargs = {k: lib.tensor([1, 3]) if v == 'tensor' else v for k, v in kwargs.items()}
            return lib.tensor_split(lib.arange(5.0), **kwargs)
        _same(split(mt), split(torch))
    _values(lambda lib: lib.movedim(lib.tensor(2.0), -1, 0), torch)


def test_scatter_reduce_amax_of_bools_without_self(torch):
    def call(lib, reduce):
        x = lib.tensor([True, True, False])
        return x.scatter_reduce(0, lib.tensor([0, 0, 1]), lib.tensor([False, False, True]),
                                reduce, include_self=False)
    for reduce in ('amax', 'amin'):
        assert call(mt, reduce).tolist() == call(torch, reduce).tolist()


def test_solve_from_the_right_batched(torch, rng):
    a = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((4, 3))
    _gradients(lambda lib, a, b: lib.linalg.solve(a, b, left=False), [a, b], torch, rng)


def test_out_writes_into_the_given_tensor(torch):
    for lib in (mt, torch):
        a, b = lib.tensor([[1.0, 2.0], [3.0, 4.0]]), lib.tensor([[0.5, 1.0], [1.5, 2.0]])
        for fn, expected in ((lib.matmul, a @ b), (lib.mm, a @ b), (lib.mul, a * b),
                             (lib.add, a + b), (lib.sub, a - b), (lib.div, a / b)):
            out = lib.zeros(2, 2)
            view = out[0]
            assert fn(a, b, out=out) is out
            assert out.tolist() == expected.tolist()
            assert view.tolist() == expected[0].tolist()         # written in place
        out = lib.zeros(2, dtype=lib.float64)              # float32 result, cast into float64
        assert lib.mul(lib.ones(2), 3, out=out).dtype == lib.float64
        out = lib.zeros(4)[::2]                            # a strided out keeps its strides
        lib.add(lib.ones(2), 1, alpha=2, out=out)
        assert out.tolist() == [3.0, 3.0] and out.stride() == (2,)
        with lib.no_grad():                                # no grad mode: no error
            w = lib.ones(2, requires_grad=True)
            assert lib.mul(w, 2, out=lib.empty(0)).tolist() == [2.0, 2.0]


def test_out_of_another_shape_is_resized_with_pytorchs_warning(torch):
    messages = []
    for lib in (mt, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            empty = lib.empty(0)
            assert lib.mul(lib.ones(2), 2, out=empty).shape == (2,)      # empty: silently
            assert not caught
            out = lib.zeros(3)
            assert lib.mul(lib.ones(2), 2, out=out).tolist() == [2.0, 2.0]
        messages.append(str(caught[0].message).split(' (Triggered')[0])
        assert caught[0].category is UserWarning and caught[0].filename == __file__
    assert messages[0] == messages[1]


def test_linspace_points_are_pytorchs_bit_for_bit(torch, rng):
    for _ in range(200):
        start, end = rng.uniform(-10, 10, 2) * 10.0 ** rng.integers(-4, 5)
        steps = int(rng.integers(0, 300))
        for name in ('float32', 'float64'):
            mine = mt.linspace(start, end, steps, dtype=getattr(mt, name)).numpy()
            theirs = torch.linspace(start, end, steps, dtype=getattr(torch, name)).numpy()
            assert mine.dtype == theirs.dtype and mine.tobytes() == theirs.tobytes()
    mine, theirs = mt.linspace(-math.pi, math.pi, 2000), torch.linspace(-math.pi, math.pi, 2000)
    assert mine.numpy().tobytes() == theirs.numpy().tobytes()
    assert mt.linspace(2, 2, 1).tolist() == [2.0] and mt.linspace(0, 1, 0).shape == (0,)
