"""The factorisations of microtorch.linalg beyond the op table, against PyTorch: what each
returns (named tuples, modes, drivers, empty inputs, float32), failures (info, LinAlgError),
the triangle a symmetric input is read from, gradients to second order, and the gradients
PyTorch refuses."""
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import microtorch as mt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_ops import (eigh_signs_fixed, full_rank, qr_signs_fixed,  # noqa: E402
                      spread_spectrum, svd_signs_fixed, symmetric_halves, well_conditioned)
from test_torch_functions import _gradients, _same, _values  # noqa: E402


def _spd(rng, shape):
    a = well_conditioned(rng, shape)
    return a @ a.swapaxes(-1, -2)


def _not_positive_definite():
    """A batch: the identity, then a matrix whose leading minor of order 2 is negative."""
    return [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]]]


# ---- values and dtypes --------------------------------------------------------------------

@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_factors_match_torch(dtype, torch, rng):
    tolerance = {'rtol': 1e-4, 'atol': 1e-5} if dtype == 'float32' else {'rtol': 1e-9,
                                                                        'atol': 1e-11}
    spd = _spd(rng, (2, 3, 3)).astype(dtype)
    tall = spread_spectrum(rng, (2, 4, 3)).astype(dtype)
    wide = full_rank(rng, (3, 5)).astype(dtype)
    sym = symmetric_halves(rng, (2, 3, 3)).astype(dtype)
    rhs = rng.uniform(-1, 1, (2, 3, 2)).astype(dtype)
    tall_rhs = rng.uniform(-1, 1, (2, 4, 2)).astype(dtype)
    checks = [
        lambda lib: lib.linalg.cholesky(lib.tensor(spd)),
        lambda lib: lib.linalg.cholesky(lib.tensor(spd), upper=True),
        lambda lib: lib.linalg.solve_triangular(lib.tensor(spd), lib.tensor(rhs), upper=True),
        lambda lib: lib.cholesky_solve(lib.tensor(rhs), lib.tensor(spd)),
        lambda lib: qr_signs_fixed(lib.linalg.qr(lib.tensor(tall))),
        lambda lib: qr_signs_fixed(lib.linalg.qr(lib.tensor(wide), mode='complete')),
        lambda lib: lib.linalg.qr(lib.tensor(tall), mode='r').R.abs(),
        lambda lib: eigh_signs_fixed(lib.linalg.eigh(lib.tensor(sym + sym.swapaxes(-1, -2)))),
        lambda lib: svd_signs_fixed(lib.linalg.svd(lib.tensor(tall), full_matrices=False)),
        lambda lib: lib.linalg.svdvals(lib.tensor(wide)),
        lambda lib: lib.linalg.pinv(lib.tensor(wide)),
        lambda lib: lib.linalg.matrix_rank(lib.tensor(tall)),
        lambda lib: lib.linalg.cond(lib.tensor(tall)),
        lambda lib: lib.linalg.lstsq(lib.tensor(tall), lib.tensor(tall_rhs)).solution,
    ]
    for check in checks:
        _values(check, torch, **tolerance)


@pytest.mark.filterwarnings('ignore:torch.qr is deprecated')
def test_return_types_print_and_unpack_as_torch(torch):
    a = [[4.0, 2.0], [2.0, 3.0]]
    for make in (lambda lib: lib.linalg.qr(lib.tensor(a)),
                 lambda lib: lib.linalg.eigh(lib.tensor(a)),
                 lambda lib: lib.linalg.svd(lib.tensor(a)),
                 lambda lib: lib.linalg.cholesky_ex(lib.tensor(a)),
                 lambda lib: lib.linalg.lstsq(lib.tensor(a), lib.tensor(a)),
                 lambda lib: lib.svd(lib.tensor(a)),
                 lambda lib: lib.qr(lib.tensor(a))):
        mine, theirs = make(mt), make(torch)
        assert type(mine).__name__ == type(theirs).__name__ and len(mine) == len(theirs)
        for field, value in zip(mine._fields, mine):
            assert getattr(theirs, field).shape == value.shape
    info = mt.linalg.cholesky_ex(mt.tensor(a)).info
    assert info.dtype is mt.int32 and info.shape == mt.Size([]) and info.item() == 0


def test_the_triangle_a_symmetric_input_is_read_from(torch, rng):
    """cholesky reads the lower triangle; eigh and eigvalsh the one UPLO names."""
    spd = _spd(rng, (3, 3))
    skewed = spd + np.triu(rng.uniform(-5, 5, (3, 3)), 1)       # junk above the diagonal
    _values(lambda lib: lib.linalg.cholesky(lib.tensor(skewed)), torch, rtol=1e-10)
    _values(lambda lib: lib.linalg.cholesky(lib.tensor(skewed), upper=True), torch, rtol=1e-10)
    for uplo in ('L', 'U', 'l', 'u'):
        _values(lambda lib: lib.linalg.eigvalsh(lib.tensor(skewed), UPLO=uplo), torch,
                rtol=1e-10)
        _values(lambda lib: eigh_signs_fixed(lib.linalg.eigh(lib.tensor(skewed), uplo)), torch,
                rtol=1e-9, atol=1e-12)


def test_solve_triangular_reads_its_triangle_broadcasts_and_casts(torch, rng):
    a = well_conditioned(rng, (2, 1, 3, 3))
    b = rng.uniform(-1, 1, (3, 3, 2))
    for upper in (True, False):
        for unit in (True, False):
            _values(lambda lib: lib.linalg.solve_triangular(
                lib.tensor(a), lib.tensor(b), upper=upper, unitriangular=unit), torch,
                rtol=1e-10, atol=1e-12)
            _values(lambda lib: lib.linalg.solve_triangular(
                lib.tensor(a), lib.tensor(b.swapaxes(-1, -2)), upper=upper, left=False,
                unitriangular=unit), torch, rtol=1e-10, atol=1e-12)
    # B is cast to A's dtype; a zero on the diagonal gives inf and nan, no error
    _values(lambda lib: lib.linalg.solve_triangular(lib.tensor(a[0, 0]).float(),
                                                    lib.tensor(b[0]), upper=False), torch,
            rtol=1e-5)
    _values(lambda lib: lib.linalg.solve_triangular(lib.zeros(3, 3), lib.ones(3, 2),
                                                    upper=False), torch)


def test_cholesky_solve_broadcasts(torch, rng):
    factor = np.linalg.cholesky(_spd(rng, (2, 1, 3, 3)))
    b = rng.uniform(-1, 1, (4, 3, 2))
    for upper in (False, True):
        f = factor.swapaxes(-1, -2) if upper else factor
        _values(lambda lib: lib.cholesky_solve(lib.tensor(b), lib.tensor(f), upper), torch,
                rtol=1e-10, atol=1e-12)


def test_empty_inputs(torch):
    for shape in ((0, 3), (3, 0), (2, 0, 0)):
        _values(lambda lib: tuple(lib.linalg.qr(lib.zeros(*shape))), torch)
        _values(lambda lib: tuple(lib.linalg.qr(lib.zeros(*shape), mode='complete')), torch)
        _values(lambda lib: tuple(lib.linalg.svd(lib.zeros(*shape))), torch)
        _values(lambda lib: lib.linalg.svdvals(lib.zeros(*shape)), torch)
        _values(lambda lib: lib.linalg.pinv(lib.zeros(*shape)), torch)
        _values(lambda lib: lib.linalg.matrix_rank(lib.zeros(*shape)), torch)
    for shape in ((0, 0), (2, 0, 0)):
        _values(lambda lib: lib.linalg.cholesky(lib.zeros(*shape)), torch)
        _values(lambda lib: tuple(lib.linalg.eigh(lib.zeros(*shape))), torch)
        _values(lambda lib: lib.linalg.cond(lib.zeros(*shape), 'fro'), torch)
        _values(lambda lib: lib.linalg.cond(lib.zeros(*shape)), torch)
    _values(lambda lib: lib.linalg.solve_triangular(lib.zeros(0, 0), lib.zeros(0, 4),
                                                    upper=False), torch)


# ---- failures ------------------------------------------------------------------------------

def test_cholesky_ex_reports_info_per_matrix(torch):
    got, expected = (lib.linalg.cholesky_ex(lib.tensor(_not_positive_definite()))
                     for lib in (mt, torch))
    assert got.info.tolist() == expected.info.tolist() == [0, 2]
    assert got.info.dtype is mt.int32
    _same(got.L[0], expected.L[0])
    nan_first = [[math.nan, 0.0], [0.0, 1.0]]
    for lib in (mt, torch):
        assert lib.linalg.cholesky_ex(lib.tensor(nan_first)).info.item() == 1


@pytest.mark.parametrize('make', [
    lambda lib: lib.linalg.cholesky(lib.tensor(_not_positive_definite())),
    lambda lib: lib.linalg.cholesky(lib.tensor(_not_positive_definite()[1]), upper=True),
    lambda lib: lib.linalg.cholesky(lib.tensor([[-1.0, 0.0], [0.0, 1.0]])),
    lambda lib: lib.linalg.cholesky_ex(lib.tensor(_not_positive_definite()), check_errors=True),
    lambda lib: lib.linalg.svd(lib.tensor([[math.nan, 1.0], [1.0, 1.0]])),
    lambda lib: lib.linalg.svdvals(lib.tensor([[[1.0, 0.0], [0.0, 1.0]],
                                               [[math.nan, 1.0], [1.0, 1.0]]])),
    lambda lib: lib.linalg.pinv(lib.tensor([[math.nan, 1.0], [1.0, 1.0]])),
])
def test_failures_raise_torchs_linalg_error(make, torch):
    with pytest.raises(mt.linalg.LinAlgError) as mine:
        make(mt)
    with pytest.raises(torch.linalg.LinAlgError) as theirs:
        make(torch)
    assert str(mine.value) == str(theirs.value)


def test_cond_of_singular_matrices_is_inf(torch):
    singular = [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 4.0]]]
    for p in (1, -1, math.inf, -math.inf, 'fro'):     # (2, -2, 'nuc': rounding noise)
        _values(lambda lib: lib.linalg.cond(lib.tensor(singular), p), torch)
    _values(lambda lib: lib.linalg.cond(lib.zeros(3, 3)), torch)


# ---- lstsq's fields, pinv's and matrix_rank's tolerances -----------------------------------

@pytest.mark.parametrize('driver', [None, 'gelsy', 'gelsd', 'gelss', 'gels'])
def test_lstsq_fields_as_torchs_drivers(driver, torch, rng):
    tall, wide = full_rank(rng, (2, 5, 3)), full_rank(rng, (3, 4))
    cases = [(tall, rng.uniform(-1, 1, (2, 5, 2))), (tall, rng.uniform(-1, 1, (2, 5))),
             (wide, rng.uniform(-1, 1, (3, 2))), (tall[0], rng.uniform(-1, 1, (5, 2)))]
    for a, b in cases:
        _values(lambda lib: tuple(lib.linalg.lstsq(lib.tensor(a), lib.tensor(b),
                                                   driver=driver)), torch,
                rtol=1e-9, atol=1e-11)


def test_lstsq_rank_deficient_and_rcond(torch, rng):
    a = rng.uniform(-1, 1, (5, 3))
    a[:, 2] = a[:, 0] - a[:, 1]
    b = rng.uniform(-1, 1, (5, 2))
    for driver in ('gelsy', 'gelsd', 'gelss'):
        _values(lambda lib: tuple(lib.linalg.lstsq(lib.tensor(a), lib.tensor(b),
                                                   driver=driver)), torch,
                rtol=1e-9, atol=1e-11)
    spread = spread_spectrum(rng, (4, 3))            # singular values about 3, 2, 1
    _values(lambda lib: tuple(lib.linalg.lstsq(lib.tensor(spread), lib.tensor(b[:4]), 0.5,
                                               driver='gelsd')), torch, rtol=1e-9, atol=1e-11)


def test_pinv_and_matrix_rank_tolerances(torch, rng):
    spread = spread_spectrum(rng, (2, 4, 3))         # singular values about 3, 2, 1
    sym = symmetric_halves(rng, (3, 3))
    sym = sym + sym.T
    for kwargs in ({}, {'atol': 1.5}, {'rtol': 0.5}, {'atol': 0.1, 'rtol': 0.5},
                   {'atol': 0.0}, {'atol': -1.0}):
        _values(lambda lib: lib.linalg.pinv(lib.tensor(spread), **kwargs), torch,
                rtol=1e-10, atol=1e-12)
        _values(lambda lib: lib.linalg.matrix_rank(lib.tensor(spread), **kwargs), torch)
        _values(lambda lib: lib.linalg.pinv(lib.tensor(sym), hermitian=True, **kwargs), torch,
                rtol=1e-10, atol=1e-12)
        _values(lambda lib: lib.linalg.matrix_rank(lib.tensor(sym), hermitian=True, **kwargs),
                torch)
    _values(lambda lib: lib.linalg.pinv(lib.tensor(spread), lib.tensor([0.5, 0.05])), torch,
            rtol=1e-10, atol=1e-12)
    _values(lambda lib: lib.linalg.pinv(lib.tensor(spread), atol=lib.tensor([[1.5], [0.1]])),
            torch, rtol=1e-10, atol=1e-12)
    _values(lambda lib: lib.linalg.matrix_rank(lib.tensor(spread), 1.5), torch)
    _values(lambda lib: lib.linalg.matrix_rank(lib.tensor(spread), tol=1.5), torch)
    _values(lambda lib: lib.pinverse(lib.tensor(spread), 0.5), torch, rtol=1e-10, atol=1e-12)


def test_legacy_svd_shapes_and_zeros(torch, rng):
    a = spread_spectrum(rng, (4, 3))
    for kwargs in ({'some': False}, {'compute_uv': False}, {'some': False, 'compute_uv': False}):
        mine, theirs = mt.svd(mt.tensor(a), **kwargs), torch.svd(torch.tensor(a), **kwargs)
        for m, t in zip(mine, theirs):
            assert tuple(m.shape) == tuple(t.shape)
        _same(mine.S, theirs.S)
        if not kwargs.get('compute_uv', True):
            assert not mine.U.any() and not mine.V.any()


# ---- gradients -----------------------------------------------------------------------------

def test_gradients_to_second_order(torch, rng):
    spd_half = well_conditioned(rng, (2, 3, 3))
    tall, wide = spread_spectrum(rng, (2, 4, 3)), spread_spectrum(rng, (3, 5))
    sym = symmetric_halves(rng, (2, 3, 3))
    rhs = rng.uniform(-1, 1, (3, 2))
    _gradients(lambda lib, a: lib.linalg.cholesky(a @ a.mT), [spd_half], torch, rng)
    _gradients(lambda lib, a: lib.linalg.cholesky(a @ a.mT, upper=True), [spd_half], torch, rng)
    _gradients(lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=True), [spd_half, rhs],
               torch, rng)
    _gradients(lambda lib, b, a: lib.cholesky_solve(b, a.tril()), [rhs, spd_half], torch, rng)
    _gradients(lambda lib, a: qr_signs_fixed(lib.linalg.qr(a)), [tall], torch, rng)
    _gradients(lambda lib, a: qr_signs_fixed(lib.linalg.qr(a)), [wide], torch, rng)
    _gradients(lambda lib, a: eigh_signs_fixed(lib.linalg.eigh(a + a.mT)), [sym], torch, rng)
    _gradients(lambda lib, a: lib.linalg.eigvalsh(a + a.mT), [sym], torch, rng)
    _gradients(lambda lib, a: svd_signs_fixed(lib.linalg.svd(a, False)), [tall], torch, rng)
    _gradients(lambda lib, a: svd_signs_fixed(lib.linalg.svd(a, False)), [wide], torch, rng)
    _gradients(lambda lib, a: lib.linalg.svdvals(a), [wide], torch, rng)
    _gradients(lambda lib, a: lib.linalg.pinv(a), [tall], torch, rng)
    _gradients(lambda lib, a: lib.linalg.pinv(a + a.mT, hermitian=True), [sym], torch, rng)
    _gradients(lambda lib, a, b: lib.linalg.lstsq(a, b).solution,
               [tall, rng.uniform(-1, 1, (2, 4))], torch, rng)
    _gradients(lambda lib, a: lib.linalg.matrix_norm(a, 'nuc'), [tall], torch, rng)


def test_full_matrices_gradient_ignores_the_extra_columns_as_torch(torch, rng):
    """PyTorch differentiates the reduced factors of svd(full_matrices=True): a loss on U's
    extra columns (or Vh's extra rows) contributes nothing."""
    for shape in ((4, 2), (2, 4)):
        a = spread_spectrum(rng, shape)
        grads = []
        for lib in (mt, torch):
            x = lib.tensor(a, requires_grad=True)
            u, s, vh = lib.linalg.svd(x)
            k = s.shape[-1]
            d = u[..., :1, :k].sign()          # the reduced pairs' signs fixed; the rest raw
            loss = (u[..., :k] * d).sum() + (vh[..., :k, :] * d.mT).sum() + s.sum() \
                + u[..., k:].abs().sum() + vh[..., k:, :].abs().sum()
            grads.append(lib.autograd.grad(loss, x)[0])
        _same(*grads, rtol=1e-10, atol=1e-12)


def test_eigh_gradient_is_symmetric_and_torchs(torch, rng):
    """Only the skew part of V^T grad_V moves orthonormal eigenvectors: PyTorch's gradient
    of a loss on raw eigenvectors is symmetric, and so is microtorch's."""
    a = symmetric_halves(rng, (3, 3))
    a = a + a.T
    seed = rng.standard_normal((3, 3))
    grads = []
    for lib in (mt, torch):
        x = lib.tensor(a, requires_grad=True)
        w, v = eigh_signs_fixed(lib.linalg.eigh(x))
        grads.append(lib.autograd.grad((v * lib.tensor(seed)).sum() + w.sum(), x)[0])
    _same(*grads, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads[0].numpy(), grads[0].numpy().T, atol=1e-12)


@pytest.mark.parametrize('make', [
    lambda lib, x: lib.linalg.qr(x, mode='r').R.sum(),
    lambda lib, x: lib.linalg.qr(x, mode='complete').Q.sum(),
])
def test_qr_gradients_torch_refuses(make, torch):
    messages = []
    for lib in (mt, torch):
        x = lib.ones(4, 3, dtype=lib.float64) + lib.eye(4, 3, dtype=lib.float64)
        x.requires_grad_()
        with pytest.raises(RuntimeError) as info:
            make(lib, x).backward()
        assert x.grad is None
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_eigvalsh_and_svdvals_outside_autograd_skip_the_vectors(rng):
    a = mt.tensor(symmetric_halves(rng, (3, 3)), requires_grad=True)
    assert mt.linalg.eigvalsh(a).grad_fn.name() == 'LinalgEighBackward0'
    assert mt.linalg.svdvals(a).grad_fn.name() == 'LinalgSvdBackward0'
    with mt.no_grad():
        assert mt.linalg.eigvalsh(a).grad_fn is None and mt.linalg.svdvals(a).grad_fn is None
    np.testing.assert_allclose(mt.linalg.eigvalsh(a.detach()).numpy(),
                               mt.linalg.eigvalsh(a).detach().numpy(), rtol=1e-12)


def test_grad_fn_names_as_torch(torch, rng):
    a = full_rank(rng, (3, 3))
    for make in (lambda lib, x: lib.linalg.cholesky(x @ x.mT),
                 lambda lib, x: lib.linalg.solve_triangular(x, x, upper=True),
                 lambda lib, x: lib.cholesky_solve(x, x),
                 lambda lib, x: lib.linalg.qr(x).Q,
                 lambda lib, x: lib.linalg.eigh(x).eigenvectors,
                 lambda lib, x: lib.linalg.svd(x).U,
                 lambda lib, x: lib.linalg.pinv(x)):
        names = [make(lib, lib.tensor(a, requires_grad=True)).grad_fn.name()
                 for lib in (mt, torch)]
        assert names[0] == names[1]


# ---- LU and the rest of torch.linalg -------------------------------------------------------

def _pivoted(rng, shape):
    """Rows to swap: full_rank matrices with their rows reversed."""
    return full_rank(rng, shape)[..., ::-1, :].copy()


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_lu_family_matches_torch(dtype, torch, rng):
    tolerance = {'rtol': 1e-4, 'atol': 1e-5} if dtype == 'float32' else {'rtol': 1e-9,
                                                                        'atol': 1e-11}
    square = _pivoted(rng, (2, 3, 3)).astype(dtype)
    tall = rng.uniform(-1, 1, (2, 5, 3)).astype(dtype)
    wide = rng.uniform(-1, 1, (3, 4)).astype(dtype)
    rhs = rng.uniform(-1, 1, (2, 3, 2)).astype(dtype)
    small = (0.3 * rng.uniform(-1, 1, (2, 4, 4))).astype(dtype)
    checks = [lambda lib, a=a: tuple(lib.linalg.lu_factor_ex(lib.tensor(a)))
              for a in (square, tall, wide)]
    checks += [lambda lib, a=a: tuple(lib.linalg.lu(lib.tensor(a))) for a in (square, tall, wide)]
    checks += [
        lambda lib: tuple(lib.lu_unpack(*lib.linalg.lu_factor(lib.tensor(tall)))),
        lambda lib: lib.linalg.lu_solve(*lib.linalg.lu_factor(lib.tensor(square)),
                                        lib.tensor(rhs), adjoint=True),
        lambda lib: lib.linalg.matrix_exp(lib.tensor(square)),
        lambda lib: lib.linalg.matrix_exp(lib.tensor(small)),
        lambda lib: lib.linalg.householder_product(lib.tensor(tall), lib.tensor(rhs[..., 0])),
        lambda lib: tuple(lib.linalg.inv_ex(lib.tensor(square))),
        lambda lib: tuple(lib.linalg.solve_ex(lib.tensor(square), lib.tensor(rhs))),
        lambda lib: lib.linalg.vander(lib.tensor(wide), N=3),
    ]
    for check in checks:
        _values(check, torch, **tolerance)


def test_lu_pivots_info_and_return_types_as_torch(torch):
    singular = [[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]],
                [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]
    for make in (lambda lib: lib.linalg.lu_factor_ex(lib.tensor(singular)),
                 lambda lib: lib.linalg.lu_factor(lib.tensor(singular[0][1:])),
                 lambda lib: lib.linalg.lu(lib.tensor(singular)),
                 lambda lib: lib.lu_unpack(*lib.linalg.lu_factor_ex(
                     lib.tensor(singular[0][:2]))[:2]),
                 lambda lib: lib.linalg.inv_ex(lib.tensor(singular)),
                 lambda lib: lib.linalg.solve_ex(lib.tensor(singular[1]),
                                                 lib.ones(2, 3, 1))):
        mine, theirs = make(mt), make(torch)
        assert type(mine).__name__ == type(theirs).__name__ and len(mine) == len(theirs)
        for field, m in zip(mine._fields, mine):
            t = getattr(theirs, field)
            assert tuple(m.shape) == tuple(t.shape) and str(m.dtype)[-5:] == str(t.dtype)[-5:]
            if not m.is_floating_point() or m.isfinite().all():
                np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6, atol=1e-7)
    info = mt.linalg.lu_factor_ex(mt.tensor(singular)).info
    assert info.tolist() == torch.linalg.lu_factor_ex(torch.tensor(singular)).info.tolist()
    assert info.tolist() == [3, 1]


def test_lu_unpack_flags_and_empty_inputs(torch):
    a = [[1.0, 2.0], [3.0, 4.0]]
    for make in (lambda lib: lib.lu_unpack(*lib.linalg.lu_factor(lib.tensor(a)),
                                           unpack_data=False),
                 lambda lib: lib.lu_unpack(*lib.linalg.lu_factor(lib.tensor(a)),
                                           unpack_pivots=False),
                 lambda lib: tuple(lib.linalg.lu_factor_ex(lib.zeros(2, 0, 3))),
                 lambda lib: tuple(lib.linalg.lu(lib.zeros(0, 3, 3))),
                 lambda lib: lib.linalg.matrix_exp(lib.zeros(2, 0, 0)),
                 lambda lib: tuple(lib.linalg.inv_ex(lib.zeros(0, 2, 2)))):
        mine, theirs = make(mt), make(torch)
        assert [tuple(m.shape) for m in mine] == [tuple(t.shape) for t in theirs]


def test_singular_lu_errors_as_torch(torch):
    zeros = [[[1.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]]]
    for make in (lambda lib: lib.linalg.inv_ex(lib.tensor(zeros), check_errors=True),
                 lambda lib: lib.linalg.inv_ex(lib.tensor(zeros[1]), check_errors=True),
                 lambda lib: lib.linalg.solve_ex(lib.tensor(zeros), lib.ones(2),
                                                 check_errors=True),
                 lambda lib: lib.linalg.solve_ex(lib.tensor(zeros[1]), lib.ones(2),
                                                 check_errors=True),
                 lambda lib: lib.linalg.tensorinv(lib.zeros(2, 2, 2, 2))):
        with pytest.raises(mt.linalg.LinAlgError) as mine:
            make(mt)
        with pytest.raises(torch.linalg.LinAlgError) as theirs:
            make(torch)
        assert str(mine.value) == str(theirs.value).replace('torch.', 'microtorch.')


def test_lu_family_gradients_to_second_order(torch, rng):
    square = _pivoted(rng, (2, 3, 3))
    tall, wide = _pivoted(rng, (4, 3)), _pivoted(rng, (2, 3, 5))
    rhs = rng.uniform(-1, 1, (3, 2))
    for fn, arrays in (
            (lambda lib, a: lib.linalg.lu_factor(a).LU, [tall]),
            (lambda lib, a: lib.linalg.lu(a)[1:], [wide]),
            (lambda lib, a, b: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b.mT, left=False),
             [square, rhs]),
            (lambda lib, a: lib.linalg.matrix_exp(a), [0.5 * square]),
            (lambda lib, a, t: lib.linalg.householder_product(a, t), [0.3 * tall, rhs[:, 0]]),
            (lambda lib, a, b: lib.linalg.solve_ex(a, b).result, [square, rhs]),
            (lambda lib, a: lib.linalg.tensorinv(a, ind=2),
             [well_conditioned(rng, (6, 6)).reshape(3, 2, 3, 2)]),
    ):
        _gradients(fn, arrays, torch, rng)


def test_lu_without_pivoting_is_for_cuda_only_as_torch():
    a = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match='LU without pivoting is not implemented on the CPU'):
        mt.linalg.lu_factor_ex(a, pivot=False)


def test_orthogonal_parametrization_uses_the_public_functions(torch, rng):
    """matrix_exp and householder_product are linalg's (one piece of code for each)."""
    import microtorch.nn.utils.parametrizations as parametrizations
    assert not hasattr(parametrizations, '_matrix_exp')
    assert not hasattr(parametrizations, '_householder_product')
    for orthogonal_map in ('matrix_exp', 'householder'):
        layer = mt.nn.utils.parametrizations.orthogonal(mt.nn.Linear(3, 4).double(),
                                                         orthogonal_map=orthogonal_map)
        q = layer.weight
        np.testing.assert_allclose((q.mT @ q).detach().numpy(), np.eye(3), atol=1e-12)


def _symmetric_with_small_diagonal(rng, shape, scale):
    a = rng.standard_normal(shape)
    a = a + a.swapaxes(-1, -2)
    a[..., np.arange(shape[-1]), np.arange(shape[-1])] *= scale
    return a


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_ldl_factor_and_solve_match_torch(dtype, torch, rng):
    """Bunch-Kaufman's 1x1 and 2x2 pivots and swaps, LD, info and the solve as LAPACK's."""
    tolerance = {'rtol': 1e-4, 'atol': 1e-4} if dtype == 'float32' else {'rtol': 1e-9,
                                                                        'atol': 1e-10}
    for n, scale in ((1, 1.0), (2, 0.01), (5, 1.0), (6, 0.01), (7, 0.1), (70, 0.01)):
        a = _symmetric_with_small_diagonal(rng, (3, n, n), scale).astype(dtype)
        b = rng.standard_normal((3, n, 2)).astype(dtype)
        mine, theirs = (lib.linalg.ldl_factor_ex(lib.tensor(a)) for lib in (mt, torch))
        assert mine.pivots.tolist() == theirs.pivots.tolist()
        assert mine.info.tolist() == theirs.info.tolist() == [0, 0, 0]
        assert mine.pivots.dtype is mt.int32
        _same(mine.LD, theirs.LD, **tolerance)
        _values(lambda lib: lib.linalg.ldl_solve(*lib.linalg.ldl_factor(lib.tensor(a)),
                                                 lib.tensor(b), hermitian=True), torch,
                **tolerance)
    assert any(p < 0 for p in mine.pivots.reshape(-1).tolist())     # 2x2 blocks were taken


def test_ldl_singular_info_broadcast_and_no_derivative(torch):
    singular = [[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [3.0, 6.0, 10.0]],
                [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]
    mine, theirs = (lib.linalg.ldl_factor_ex(lib.tensor(singular)) for lib in (mt, torch))
    assert mine.info.tolist() == theirs.info.tolist() == [2, 1]
    assert mine.pivots.tolist() == theirs.pivots.tolist()
    _same(mine.LD, theirs.LD)
    with pytest.raises(RuntimeError, match=r'^microtorch.linalg.ldl_factor: Unknown error code: '
                                           r'2\.$'):
        mt.linalg.ldl_factor(mt.tensor(singular))
    for lib in (mt, torch):                   # B's batch broadcasts against LD's
        ld, pivots = lib.linalg.ldl_factor(lib.eye(3, dtype=lib.float64) * 2)
        assert lib.linalg.ldl_solve(ld, pivots, lib.ones(4, 3, 1, dtype=lib.float64)).shape \
            == (4, 3, 1)
        assert tuple(lib.linalg.ldl_factor(lib.zeros(0, 0)).LD.shape) == (0, 0)
    x = mt.eye(3, requires_grad=True)
    with pytest.raises(RuntimeError, match='derivative for aten::linalg_ldl_factor_ex is not '
                                           'implemented'):
        mt.linalg.ldl_factor(x * 2).LD.sum().backward()
