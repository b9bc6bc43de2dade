"""float32 sigmoid gives PyTorch's bits: SLEEF's vector exp in 2 * Vec::size() blocks, glibc's
expf in each parallel chunk's tail (microtorch/_sleef.py), with the Numba kernels on and off."""
import math

import numpy as np
import pytest

import microtorch
from conftest import MKL_ROUNDS_AS_ON_INTEL
from microtorch import _sleef
from microtorch.backends import numba_dispatch

pytestmark = pytest.mark.skipif(not _sleef.available(), reason='needs Numba')

SIZES = [1, 7, 31, 32, 33, 100, 1000, 40000, 40001, 65537]
SPECIAL = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-40, -1e-40, 3e38,
                    -3e38, 1.0, -1.0, 88.7, 89.0, -87.5, -88.5, -103.9, -104.0, -104.5, 100.0,
                    100.5, 1e30, -1e30, 20.0, -20.0, 1e-8, -1e-8], np.float32)


def _inputs(n, seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.standard_normal(n) * 4, rng.uniform(-110, 110, n),
                        rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
                        .view(np.float32)])
    with np.errstate(invalid='ignore', over='ignore'):
        x = x.astype(np.float32)
    x = rng.permutation(np.concatenate([x, SPECIAL]))[:n]
    return np.ascontiguousarray(x, np.float32)


def _same_bits(a, b):
    return bool(np.all((a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))))


@pytest.mark.parametrize('numba_on', [True, False], ids=['numba', 'numpy'])
@pytest.mark.parametrize('n', SIZES)
def test_sigmoid_bits(torch, threads, n, numba_on):
    x = _inputs(n, n)
    with numba_dispatch.configure(enabled=numba_on, min_size=0 if numba_on else None):
        ours = microtorch.tensor(x).sigmoid().numpy()
    assert _same_bits(ours, torch.from_numpy(x).sigmoid().numpy())


def test_sigmoid_two_dims_and_autograd(torch):
    x = _inputs(3 * 45, 3).reshape(3, 45)
    t = microtorch.tensor(x, requires_grad=True)
    assert _same_bits(t.sigmoid().detach().numpy(), torch.from_numpy(x).sigmoid().numpy())
    assert _same_bits(microtorch.sigmoid(microtorch.tensor(x.T.copy())).numpy(),
                      torch.sigmoid(torch.from_numpy(x.T.copy())).numpy())


@pytest.mark.parametrize('numba_on', [True, False], ids=['numba', 'numpy'])
@pytest.mark.parametrize('shape', [(20, 20), (10, 40), (6, 20000)])
def test_sigmoid_strided_and_transposed(torch, numba_on, shape):
    """A slice whose rows stay contiguous runs each row (cut at the threads' chunks) in vector
    blocks and a scalar tail (rows of 20 or 37: a tail under AVX2's 16-element blocks and
    AVX512's 32); other strides run scalar throughout."""
    x = _inputs(math.prod(shape), 5).reshape(shape)
    views = (lambda a: a[:, ::2], lambda a: a.T, lambda a: a[::3], lambda a: a[1::2, 3:])
    with numba_dispatch.configure(enabled=numba_on, min_size=0 if numba_on else None):
        for view in views:
            ours = _sleef.sigmoid(view(x))
            assert _same_bits(np.ascontiguousarray(ours),
                              view(torch.from_numpy(x)).sigmoid().contiguous().numpy())


def test_sleef_expf_is_within_one_ulp():
    # sigmoid's vector lanes are 1 / (1 + expf_u10(0 - x)); its bits are checked above
    x = np.linspace(-80, 80, 2001, dtype=np.float32)
    expf = _sleef.kernels().expf_one
    ours = np.array([expf(v) for v in x], np.float32)
    exact = np.exp(x.astype(np.float64))
    assert np.all(np.abs(ours - exact) <= np.spacing(np.abs(ours)))
    assert expf(np.float32(-105)) == 0 and expf(np.float32(101)) == np.inf


def test_layout_matches_parallel_for():
    assert _sleef.sigmoid_layout(100, 2, 32) == [(0, 96, 100)]
    assert _sleef.sigmoid_layout(40001, 2, 32) == [(0, 20000, 20001), (20001, 40001, 40001)]
    assert _sleef.sigmoid_layout(32768, 2, 32) == [(0, 32768, 32768)]
    # 3 chunks: no more than ceil(n / GRAIN_SIZE)
    assert _sleef.sigmoid_layout(70000, 4, 16) == [(0, 23328, 23334), (23334, 46662, 46668),
                                                   (46668, 69996, 70000)]


# ---- pow: SLEEF's powf_u10 in vector blocks, glibc's pow (number exponent) or powf (tensor
# exponent) in the tails (microtorch/_sleef_pow.py) ------------------------------------------------

POW_SIZES = [1, 7, 31, 32, 33, 100, 1000, 40000, 40001]
EXPONENTS = [4, 2.5, -1.7, 0.1, 7, -3, 1e-3, 37.5, 3, -2, 2, -0.5, -1, 0, 1]
POW_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, np.inf, -np.inf, np.nan,
                        1e-45, -1e-45, 3e38, -3e38, 16777216.0, 16777217.0, 2.0 ** 31, 1.5,
                        -1.5, 3.0, -3.0, 1e-10, 1 - 2.0 ** -24, 88.0, -104.0, 1e20, -7.0],
                       np.float32)


def _pow_inputs(n, seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.standard_normal(n) * 3, rng.uniform(0, 50, n),
                        rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
                        .view(np.float32)])
    with np.errstate(invalid='ignore', over='ignore'):
        x = x.astype(np.float32)
    return np.ascontiguousarray(rng.permutation(np.concatenate([x, POW_SPECIAL]))[:n])


@pytest.fixture(params=[True, False], ids=['numba', 'numpy'])
def numba_on(request):
    with numba_dispatch.configure(enabled=request.param,
                                  min_size=0 if request.param else None):
        yield request.param


@pytest.mark.parametrize('n', POW_SIZES)
def test_pow_number_exponent_bits(torch, threads, numba_on, n):
    x = _pow_inputs(n, n)
    for p in EXPONENTS:
        ours = (microtorch.tensor(x) ** p).numpy()
        assert _same_bits(ours, (torch.from_numpy(x) ** p).numpy()), p


@pytest.mark.parametrize('n', POW_SIZES)
def test_pow_tensor_exponent_bits(torch, threads, numba_on, n):
    x, y = _pow_inputs(n, n), _pow_inputs(n, n + 1)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    mx, my = microtorch.tensor(x), microtorch.tensor(y)
    assert _same_bits((mx ** my).numpy(), (tx ** ty).numpy())
    assert _same_bits((2.5 ** my).numpy(), (2.5 ** ty).numpy())          # a number base
    for p in (2.5, 3.0, 0.5, 2.0):         # a 0-d exponent: powf's, no formula of its own
        assert _same_bits((mx ** microtorch.tensor(np.float32(p))).numpy(),
                          (tx ** torch.tensor(p)).numpy()), p


def test_pow_special_values_grid(torch, numba_on):
    x, y = np.repeat(POW_SPECIAL, POW_SPECIAL.size), np.tile(POW_SPECIAL, POW_SPECIAL.size)
    x, y = np.concatenate([x, x[:5]]), np.concatenate([y, y[:5]])    # a tail too
    ours = (microtorch.tensor(x) ** microtorch.tensor(y)).numpy()
    assert _same_bits(ours, (torch.from_numpy(x) ** torch.from_numpy(y)).numpy())
    for p in POW_SPECIAL.tolist():
        ours = (microtorch.tensor(x) ** p).numpy()
        theirs = (torch.from_numpy(x) ** p).numpy()
        if p == 0.5 and not MKL_ROUNDS_AS_ON_INTEL:     # PyTorch's x ** 0.5 is MKL's sqrt
            assert _within_an_ulp(ours, theirs), p
        else:
            assert _same_bits(ours, theirs), p


def _within_an_ulp(a, b):
    """float32 arrays equal but for one-ulp differences between finite values of one sign."""
    same = (a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))
    close = (np.abs(a.view(np.int32).astype(np.int64) - b.view(np.int32)) <= 1) \
        & np.isfinite(a) & np.isfinite(b)
    return bool(np.all(same | close))


@pytest.mark.parametrize('shapes', [((40, 50), (50,)), ((40, 1), (1, 50)), ((3, 70, 40), (70, 1)),
                                    ((300, 200), (300, 1)), ((700, 100), (100,))])
def test_pow_broadcast_rows(torch, threads, numba_on, shapes):
    rng = np.random.default_rng(7)
    a = (np.abs(rng.standard_normal(shapes[0])) + 0.5).astype(np.float32)
    b = (rng.standard_normal(shapes[1]) * 2).astype(np.float32)
    ours = (microtorch.tensor(a) ** microtorch.tensor(b)).numpy()
    assert _same_bits(ours, (torch.from_numpy(a) ** torch.from_numpy(b)).numpy())


def test_pow_strided_transposed_and_grads(torch, numba_on):
    x = np.abs(_pow_inputs(60 * 70, 9)).reshape(60, 70)
    x = np.where(np.isfinite(x) & (x < 1e6), x, np.float32(1.5)).astype(np.float32)
    for view in (lambda a: a.T, lambda a: a[:, ::2], lambda a: a[::3]):
        ours = (view(microtorch.tensor(x)) ** 2.5).contiguous().numpy()
        assert _same_bits(ours, (view(torch.from_numpy(x)) ** 2.5).contiguous().numpy())
    for p in (4, 2.5):            # backward: gy * (p * x ** (p - 1)), the same pow inside
        t, r = microtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (t ** p).sum().backward()
        (r ** p).sum().backward()
        assert _same_bits(t.grad.numpy(), r.grad.numpy()), p


LAYOUTS = {'transposed': lambda a: a.T, 'strided': lambda a: a[:, ::2],
           'transposed_strided': lambda a: a[::2].T, 'rows': lambda a: a[::3],
           'permuted_3d': lambda a: a.reshape(6, 10, 70).permute(2, 0, 1)}


@pytest.mark.parametrize('layout', LAYOUTS)
def test_pow_tensor_exponent_in_any_layout(torch, numba_on, layout):
    """TensorIterator walks the operands in memory order (rows of one stride take vector
    blocks, other rows the scalar powf); a number base's result is C-ordered first (pow.Scalar),
    so it walks in C order and keeps that layout."""
    view = LAYOUTS[layout]
    rng = np.random.default_rng(3)
    a = (np.abs(rng.standard_normal((60, 70))) + 0.1).astype(np.float32)
    b = (rng.standard_normal((60, 70)) * 2).astype(np.float32)
    mt_a, mt_b = view(microtorch.tensor(a)), view(microtorch.tensor(b))
    t_a, t_b = view(torch.from_numpy(a)), view(torch.from_numpy(b))
    for ours, theirs in ((mt_a ** mt_b, t_a ** t_b), (2.5 ** mt_b, 2.5 ** t_b),
                         (mt_a ** mt_b[:1], t_a ** t_b[:1]),
                         (mt_a[:, :1] ** mt_b, t_a[:, :1] ** t_b)):
        assert ours.stride() == theirs.stride()
        assert _same_bits(ours.numpy(), theirs.numpy())


def test_sleef_powf_numpy_matches_numba():
    from microtorch import _sleef_numpy
    x, y = _pow_inputs(5000, 1), _pow_inputs(5000, 2)
    powf = _sleef.kernels().powf_one
    ours = np.array([powf(a, b) for a, b in zip(x, y)], np.float32)
    assert _same_bits(_sleef_numpy.powf(x, y), ours)


def test_row_length_follows_tensor_iterator():
    from microtorch._sleef_pow import row_length
    assert row_length((40, 50), (50, 1), (0, 1)) == (50, True)
    assert row_length((40, 50), (50, 1), (50, 1)) == (2000, True)
    assert row_length((40, 50), (1, 0), (0, 1)) == (50, True)
    assert row_length((3, 1, 4), (4, 4, 1), (0, 0, 0)) == (12, True)
    assert row_length((20, 10), (40, 2)) == (10, False)


# ---- expm1 and log1p: at::vml's SLEEF functions on every element (microtorch/_sleef_vml.py) ---

VML_SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 88.7, 88.73,
                        89.0, -16.6, -16.7, -104.0, -105.0, 1e38, 2e38, 3.4e38, -1 + 2.0 ** -24,
                        -1 - 2.0 ** -23, 1e-8, -1e-8, -0.5, 0.5], np.float32)


@pytest.mark.parametrize('n', POW_SIZES)
def test_expm1_log1p_bits(torch, threads, numba_on, n):
    x = _pow_inputs(n, n)
    for x in (x, np.abs(x), (x % 3).astype(np.float32), VML_SPECIAL):
        for op in ('expm1', 'log1p'):
            ours = getattr(microtorch.tensor(x), op)().numpy()
            assert _same_bits(ours, getattr(torch.from_numpy(x), op)().numpy()), op


def test_expm1_log1p_tanh_numpy_matches_numba():
    from microtorch import _sleef_numpy
    x = _pow_inputs(5000, 4)
    k = _sleef.kernels()
    for op in ('expm1', 'log1p', 'tanh'):
        ours = np.empty_like(x)
        getattr(k, op + '_serial')(x, ours)
        assert _same_bits(getattr(_sleef_numpy, op + 'f')(x), ours), op


# ---- elu (selu, celu), softplus, silu and gelu's tanh form: SLEEF's expm1f / expf, log1pf and
# tanhf in vector blocks, glibc's in the tails (microtorch/_sleef_activations.py) ---

ACTIVATIONS = (('elu', {}), ('elu', {'alpha': 0.7}), ('selu', {}), ('celu', {}),
               ('celu', {'alpha': 0.3}), ('softplus', {}),
               ('softplus', {'beta': 2.0, 'threshold': 5.0}), ('silu', {}),
               ('gelu', {'approximate': 'tanh'}))


@pytest.mark.parametrize('n', POW_SIZES)
def test_elu_softplus_silu_bits(torch, threads, numba_on, n):
    import torch.nn.functional as TF
    import microtorch.nn.functional as MF
    x = np.concatenate([(_pow_inputs(n, n) % 40).astype(np.float32)[:n - n // 3],
                        np.random.default_rng(n).standard_normal(n // 3).astype(np.float32)])
    gy = np.random.default_rng(n + 1).standard_normal(n).astype(np.float32)
    for name, kwargs in ACTIVATIONS + (('softplus', {'beta': 1.5}),):
        t, r = microtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ours, theirs = getattr(MF, name)(t, **kwargs), getattr(TF, name)(r, **kwargs)
        assert _same_bits(ours.detach().numpy(), theirs.detach().numpy()), name
        ours.backward(microtorch.tensor(gy))
        theirs.backward(torch.from_numpy(gy))
        assert _same_bits(t.grad.numpy(), r.grad.numpy()), name
        t.grad = r.grad = None                  # a sum's gradient: one value broadcast
        (getattr(MF, name)(t, **kwargs).sum() * 3).backward()
        (getattr(TF, name)(r, **kwargs).sum() * 3).backward()
        assert _same_bits(t.grad.numpy(), r.grad.numpy()), name


def test_elu_softplus_transposed_and_special(torch, numba_on):
    import torch.nn.functional as TF
    import microtorch.nn.functional as MF
    x = np.resize(VML_SPECIAL, 40 * 30).reshape(40, 30) * np.float32(0.5)
    for name in ('elu', 'softplus', 'silu'):
        for view in (lambda a: a, lambda a: a.T):
            t, r = microtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            ours, theirs = getattr(MF, name)(view(t)), getattr(TF, name)(view(r))
            assert _same_bits(ours.contiguous().detach().numpy(),
                              theirs.contiguous().detach().numpy()), name
            ours.sum().backward()
            theirs.sum().backward()
            assert _same_bits(t.grad.numpy(), r.grad.numpy()), name


@pytest.mark.parametrize('shape', [(12, 40), (6, 20000)])
def test_activations_of_slices_bits(torch, numba_on, shape):
    """A slice whose rows stay contiguous runs each row (cut at the threads' chunks) in vector
    blocks and a scalar tail; a slice with other strides runs scalar throughout. The gradient
    is a random one of the slice's shape, so that it too is laid out row by row."""
    import torch.nn.functional as TF
    import microtorch.nn.functional as MF
    rng = np.random.default_rng(sum(shape))
    x = (rng.standard_normal(shape) * 4).astype(np.float32)
    views = (lambda a: a[::3], lambda a: a[:, 3:], lambda a: a[:, ::2])
    for name, kwargs in ACTIVATIONS:
        for view in views:
            t, r = microtorch.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            ours, theirs = getattr(MF, name)(view(t), **kwargs), getattr(TF, name)(view(r),
                                                                                  **kwargs)
            assert _same_bits(ours.contiguous().detach().numpy(),
                              theirs.contiguous().detach().numpy()), name
            gy = rng.standard_normal(tuple(ours.shape)).astype(np.float32)
            ours.backward(microtorch.tensor(gy))
            theirs.backward(torch.from_numpy(gy))
            assert _same_bits(t.grad.numpy(), r.grad.numpy()), name
