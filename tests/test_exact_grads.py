"""Gradients bit for bit as PyTorch's CPU ones, where they differed by evaluation order.

Each backward is fed the same saved values as PyTorch's (its forward's output where the
derivative reads it), so that a forward still computed differently (exp, tanh, sigmoid, pow:
transcendental functions) does not hide or cause a difference here. Sizes 1 to 40000, float32
and float64, with the Numba kernels off and forced on.
"""
import itertools

import numpy as np
import pytest

import microtorch
from microtorch import backends
from microtorch.backends import cpu, numba_dispatch

SIZES = [1, 7, 100, 1000, 40000]
DTYPES = ['float32', 'float64']


def assert_bits(got, expected):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    same = got.view(f'u{got.itemsize}') == expected.view(f'u{got.itemsize}')
    same |= np.isnan(got) & np.isnan(expected)
    assert same.all(), f'{(~same).sum()} of {same.size} differ, first at {np.argmin(same)}'


@pytest.fixture
def torch_forwards(torch, monkeypatch):
    """Replace `name`_forward of the CPU backend (both twins) by PyTorch's own."""
    def use(name, fn):
        def forward(*args):
            tensors = [torch.tensor(a) if isinstance(a, np.ndarray)
                       else a for a in args]
            return fn(*tensors).numpy()
        for module in (cpu, backends.cpu_numpy):
            monkeypatch.setattr(module, f'{name}_forward', forward)
    return use


def api(t):
    """The library of tensor t."""
    return microtorch if isinstance(t, microtorch.Tensor) else __import__('torch')


def _grads(lib, fn, arrays, seed):
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    return [g.numpy() for g in lib.autograd.grad(out, leaves, lib.tensor(seed))]


def _compare(torch, fn, arrays, seed):
    for got, expected in zip(_grads(microtorch, fn, arrays, seed), _grads(torch, fn, arrays, seed)):
        assert_bits(got, expected)


# ---- the unary backward kernels, on the same saved output -----------------------------------

def _with_small_and_special(y, rng, dt):
    """Values where 1 - y * y rounds twice without a fused multiply-add (|y| < 1/8)."""
    y = y.copy()
    k = min(y.size, 64)
    y[:k // 2] = (rng.uniform(-0.125, 0.125, k // 2)).astype(dt)
    if y.size > 8:
        y[-6:] = np.array([0.0, -0.0, 1.0, -1.0, 2.0 ** -20, np.nan], dt)
    return y


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', SIZES)
@pytest.mark.parametrize('name', ['tanh', 'sigmoid'])
def test_backward_kernels_on_torch_outputs(name, n, dtype, kernels, torch, rng):
    y = rng.uniform(-1 if name == 'tanh' else 0, 1, n).astype(dtype)
    y = _with_small_and_special(y, rng, np.dtype(dtype).type)
    gy = rng.standard_normal(n).astype(dtype)
    expected = getattr(torch.ops.aten, name + '_backward')(torch.tensor(gy), torch.tensor(y))
    assert_bits(getattr(cpu, name + '_backward')(y, gy), expected.numpy())


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', SIZES)
@pytest.mark.parametrize('name', ['tanh', 'sigmoid', 'exp', 'sqrt', 'reciprocal', 'rsqrt'])
def test_unary_gradients_given_torchs_forward(name, n, dtype, kernels, torch, torch_forwards,
                                              rng):
    torch_forwards(name, getattr(torch, name))
    x = rng.uniform(0.1, 3, n).astype(dtype) * (1 if name in ('sqrt', 'rsqrt') else
                                                rng.choice([-1, 1], n).astype(dtype))
    _compare(torch, lambda t: getattr(t, name)(), [x], rng.standard_normal(n).astype(dtype))


@pytest.mark.parametrize('dtype', DTYPES)
def test_one_element_shapes(dtype, torch, torch_forwards):
    """The hot path's shapes: (1,), 0-d, and (1, 1)."""
    torch_forwards('tanh', torch.tanh)
    for shape in [(1,), (), (1, 1)]:
        for v in (0.5, 0.01, -0.1, 0.999):
            x = np.full(shape, v, dtype)
            _compare(torch, lambda t: (t * 1.01 + 0.1).sigmoid().tanh() - 0.2, [x],
                     np.full(shape, 1.0, dtype))


# ---- binary ops ----------------------------------------------------------------------------

@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', SIZES)
def test_div_gradients(n, dtype, kernels, torch, rng):
    a = rng.uniform(-2, 2, n).astype(dtype)
    b = (rng.uniform(0.5, 2, n) * rng.choice([-1, 1], n)).astype(dtype)
    _compare(torch, lambda x, y: x / y, [a, b], rng.standard_normal(n).astype(dtype))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', SIZES)
def test_softsign_gradient_as_autograd_of_its_composite(n, dtype, kernels, torch, rng):
    """PyTorch's softsign is x / (|x| + 1): its gradient, the division's two parts added."""
    x = (rng.standard_normal(n) * 3).astype(dtype)
    x[:min(n, 4)] = np.array([0.0, -0.0, 1e30, np.inf], dtype)[:min(n, 4)]
    _compare(torch, lambda t: api(t).nn.functional.softsign(t), [x],
             rng.standard_normal(n).astype(dtype))


@pytest.mark.parametrize('dtype', DTYPES + ['float16'])
@pytest.mark.parametrize('weight', ['tensor', 0.3, 0.75, -1.5])
def test_lerp_value_and_gradients(dtype, weight, torch, rng):
    """lerp's value (float64 fused as PyTorch's loop) and derivatives.yaml's gradients, in
    the tensors' dtype, summed down to broadcast inputs."""
    for shapes in [[(500,)] * 3, [(3, 4), (4,), (3, 1)], [(1, 4), (3, 4), (4,)]]:
        arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
        arrays[0].reshape(-1)[:3] = np.array([0.0, 1.0, np.inf], dtype)
        arrays[1][..., :3] = np.array([-0.0, 1.0, 1.0], dtype)
        if weight != 'tensor':
            arrays = arrays[:2]
        out = np.broadcast_shapes(*shapes)
        seed = rng.standard_normal(out).astype(dtype)

        def fn(*t):
            return t[0].lerp(t[1], t[2] if weight == 'tensor' else weight)
        _compare(torch, fn, arrays, seed)
        values = [lib.tensor(arrays[0]).lerp(lib.tensor(arrays[1]), lib.tensor(arrays[2])
                                             if weight == 'tensor' else weight).numpy()
                  for lib in (microtorch, torch)]
        assert_bits(*values)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape, options', [((1, 2, 3, 4), dict(scale_factor=2)),
                                            ((2, 3, 5), dict(size=12)),
                                            ((2, 2, 7, 9), dict(size=(13, 5),
                                                                mode='nearest-exact')),
                                            ((1, 2, 3, 4, 5), dict(scale_factor=(2, 1.5, 0.7)))])
def test_nearest_interpolation_gradient_adds_in_the_outputs_order(dtype, shape, options, torch,
                                                                  rng):
    x = rng.standard_normal(shape).astype(dtype)
    out = torch.nn.functional.interpolate(torch.tensor(x), **options).shape
    _compare(torch, lambda t: api(t).nn.functional.interpolate(t, **options), [x],
             rng.standard_normal(tuple(out)).astype(dtype))


@pytest.mark.parametrize('sizes', [(2, 1, 3), (2, 3, 1, 3), (4, 2, 2), (1, 2, 2)])
def test_repeat_gradient_sums_leading_repeats_one_at_a_time(sizes, torch, rng):
    """repeat_backward sums each leading repeat (beyond input's dims) alone, outermost first,
    then the others in one sum."""
    x = rng.standard_normal((30, 40)).astype(np.float32)
    shape = [r * s for r, s in zip(sizes, (1,) * (len(sizes) - 2) + x.shape)]
    _compare(torch, lambda t: t.repeat(*sizes), [x], rng.standard_normal(shape)
             .astype(np.float32))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape, mask_shape', [((1000, 37), (1000, 37)), ((64, 64, 8), (8,)),
                                               ((6, 5000), (6, 1)), ((4, 6), (4, 6))])
def test_fill_value_gradient_is_the_filled_elements_sum(dtype, shape, mask_shape, kernels,
                                                       torch, rng):
    """masked_fill's and index_fill's 0-dim value: grad.masked_select(mask).sum() and
    grad.index_select(dim, unique(index)).sum() (derivatives.yaml), not a sum over every
    element of where(mask, grad, 0)."""
    x = rng.standard_normal(shape).astype(dtype)
    mask = rng.random(mask_shape) < 0.4
    gy = rng.standard_normal(shape).astype(dtype)
    for fill in (lambda lib, t, v: t.masked_fill(lib.tensor(mask), v),
                 lambda lib, t, v: t.index_fill(-1, lib.tensor([0, 3, 2, 3]), v),
                 lambda lib, t, v: t.index_fill(0, lib.tensor([2, 0]), v)):
        grads = []
        for lib in (microtorch, torch):
            t = lib.tensor(x, requires_grad=True)
            v = lib.tensor(0.5, dtype=lib.float64, requires_grad=True)
            grads.append([g.numpy() for g in lib.autograd.grad(fill(lib, t, v), (t, v),
                                                               lib.tensor(gy))])
        for got, expected in zip(*grads):
            assert_bits(got, expected)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', SIZES)
def test_pow_gradients_given_torchs_pow(n, dtype, kernels, torch, torch_forwards, rng):
    for name, fn in (('pow', torch.pow), ('pow_scalar', torch.pow), ('log', torch.log)):
        torch_forwards(name, fn)
    a = rng.uniform(0.5, 2, n).astype(dtype)
    b = rng.uniform(-2, 2, n).astype(dtype)
    b[:n // 5] = 0                                   # PyTorch's 0 where the exponent is 0
    seed = rng.standard_normal(n).astype(dtype)
    _compare(torch, lambda x, y: x ** y, [a, b], seed)
    _compare(torch, lambda y: 2.0 ** y, [b], seed)
    _compare(torch, lambda y: 0.3 ** y, [b], seed)


# ---- reductions and losses -----------------------------------------------------------------

@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(1,), (7,), (10, 10), (40, 25), (200, 200)])
@pytest.mark.parametrize('p', [2, float('inf'), -float('inf')])
def test_norm_gradients(shape, p, dtype, kernels, torch, rng):
    x = rng.uniform(-2, 2, shape).astype(dtype)
    if x.size > 4:
        x.flat[:2] = x.flat[2]                       # ties share the inf norms' gradient
    for dim in (None, -1):
        fn = (lambda t: t.norm(p)) if dim is None else (lambda t: t.norm(p, dim))
        out_shape = () if dim is None else shape[:-1]
        seed = rng.standard_normal(out_shape).astype(dtype)
        if p == 2 and not np.array_equal(fn(microtorch.tensor(x)).numpy(),
                                         fn(torch.tensor(x)).numpy()):
            continue          # the forward's sum order differs (not this test's subject)
        _compare(torch, fn, [x], seed)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(1,), (3,), (4,), (7,), (12,), (13,), (15,), (10, 10),
                                   (40, 25), (7, 1003), (1024, 256)])
def test_two_norm_forward_and_gradient_bits(shape, dtype, kernels, torch, rng):
    """norm() and norm(dim=-1) of a contiguous x: ReduceOpsKernel's lanes (AVX2's), then
    its tail (whole groups of 4 squared and added, the last 1 to 3 fused) - PyTorch's bits,
    and so its gradient's, gy * (x / norm)."""
    x = (rng.standard_normal(shape) * rng.uniform(0.1, 10)).astype(dtype)
    for dim in (None, -1):
        fn = (lambda t: t.norm()) if dim is None else (lambda t: t.norm(dim=dim))
        assert_bits(fn(microtorch.tensor(x)).numpy(), fn(torch.tensor(x)).numpy())
        seed = rng.standard_normal(() if dim is None else shape[:-1]).astype(dtype)
        _compare(torch, fn, [x], seed)


def _layouts(x):
    """x, transposed, every other column, every other row: the same values in four layouts."""
    return [x, x.T, x[..., ::2], x[::2]] if x.ndim > 1 else [x, x[::2]]


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('shape', [(7,), (70000,), (5, 6), (40, 70), (300, 130), (3, 50000),
                                   (2, 3, 4), (4, 1, 9, 6)], ids=str)
def test_p_norms_over_any_dims_and_layout(shape, dtype, kernels, threads, torch, rng):
    """vector_norm with p 1, 2, 3 and 0.5 over every set of dims, in four layouts: PyTorch's
    lanes where the reduced dims make one contiguous run (2-norm), else its fold of each
    output from 0 in the iteration's order (the C library's pow for other p), a whole
    reduction of 32768 elements or more in the threads' ranges (torch_norms.vector_norm)."""
    x = (rng.standard_normal(shape) * rng.choice([1e-3, 1.0, 1e3], shape)).astype(dtype)
    for view in _layouts(x):
        mine, theirs = microtorch.from_numpy(view), torch.from_numpy(view)
        for r in range(1, view.ndim + 1):
            for dims in itertools.combinations(range(view.ndim), r):
                for p in (1, 2, 3, 0.5):
                    assert_bits(microtorch.linalg.vector_norm(mine, p, dims).numpy(),
                                torch.linalg.vector_norm(theirs, p, dims).numpy())


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', SIZES)
@pytest.mark.parametrize('reduction', ['mean', 'sum', 'none'])
@pytest.mark.parametrize('weights', ['', 'weight', 'pos_weight'])
def test_bce_with_logits_gradient_given_torchs_sigmoid(n, dtype, reduction, weights, kernels,
                                                       torch, torch_forwards, rng, monkeypatch):
    torch_forwards('sigmoid', torch.sigmoid)
    if kernels == 'numba':                    # its kernel computes sigmoid itself
        monkeypatch.setattr(numba_dispatch.settings, 'min_size',
                            {**numba_dispatch.settings.min_size, 'loss': 1 << 40})
        numba_dispatch._sync_sizes()
    x = (rng.standard_normal(n) * 3).astype(dtype)
    y = rng.uniform(0, 1, n).astype(dtype)
    extra = rng.uniform(0.5, 2, n).astype(dtype)

    def fn(t, lib):
        kw = {weights: lib.tensor(extra)} if weights else {}
        return lib.nn.functional.binary_cross_entropy_with_logits(
            t, lib.tensor(y), reduction=reduction, **kw)
    seed = rng.standard_normal(n if reduction == 'none' else ()).astype(dtype)
    got, = _grads(microtorch, lambda t: fn(t, microtorch), [x], seed)
    expected, = _grads(torch, lambda t: fn(t, torch), [x], seed)
    assert_bits(got, expected)
    numba_dispatch._sync_sizes()


def test_bce_with_logits_kernel_agrees_with_numpy(rng):
    """The Numba kernel keeps PyTorch's order too (its sigmoid aside: compared at x where
    every sigmoid is exact, 0, 1/2 and 1)."""
    pytest.importorskip('numba')
    kernel = numba_dispatch.kernel('binary_cross_entropy_with_logits_backward')
    numpy_fn = cpu.binary_cross_entropy_with_logits_backward.numpy
    for dtype in DTYPES:
        x = rng.choice([-800.0, 0.0, 800.0], 5000).astype(dtype)
        y = rng.uniform(0, 1, 5000).astype(dtype)
        w = rng.uniform(0.5, 2, 5000).astype(dtype)
        for reduction in ('mean', 'sum', 'none'):
            gy = rng.standard_normal(() if reduction != 'none' else 5000).astype(dtype)
            for weight in (None, w):
                assert_bits(kernel(x, y, gy, reduction, weight, None),
                            numpy_fn(x, y, gy, reduction, weight, None))


# ---- the activations' branch-free select (cpu._select) ----------------------------------------

@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
def test_select_gives_wheres_bits(dtype):
    """np.where(mask, a, b).astype(dtype) by masking bits, above _SELECT_FROM elements: the
    same bits (nan, signed zeros, subnormals), shapes and dtypes, for arrays of any
    strides, broadcast masks, one value broadcast and numbers on either side."""
    rng = np.random.default_rng(7)
    dt = np.dtype(dtype).type
    rows = -(-cpu._SELECT_FROM // 33) + 1
    x = rng.standard_normal((rows, 33)).astype(dt)
    g = rng.standard_normal((rows, 33)).astype(dt)
    specials = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, np.finfo(dt).smallest_subnormal],
                        dt)
    x[0, :6] = g[1, :6] = specials
    for mask in (x > 0, (x > 0)[:, :1], x[0, 0] > 0):
        for a, b in ((g, 0), (0, g), (g, g * dt(0.5)), (g.T.copy().T, -0.0),
                     (np.broadcast_to(dt(-2), x.shape), 0), (g, 1.5), (x[0, 1], g[:, 0:1])):
            expected = np.where(mask, a, b).astype(dt, copy=False)
            got = cpu._select(mask, a, b, dt)
            assert type(got) is np.ndarray
            assert_bits(got, expected)
    ints = np.arange(x.size).reshape(x.shape)                     # not a float: where itself
    np.testing.assert_array_equal(cpu._select(x > 0, ints, 0, np.int64), np.where(x > 0, ints, 0))


@pytest.mark.parametrize('n', [1, 3000, 40000])
def test_relu_keeps_negative_zero_and_nan(n, kernels, torch):
    """relu(-0.0) is -0.0 and relu(nan) nan, as PyTorch's (np.maximum(-0.0, 0) is +0.0), by
    the NumPy form and the kernels alike."""
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32)
    x[:3] = [-0.0, np.nan, 0.0][:n]
    assert_bits(microtorch.relu(microtorch.tensor(x)).numpy(), torch.relu(torch.tensor(x)).numpy())
