"""var, std, var_mean, std_mean (values and gradients) on the CPU give PyTorch's bits, float32
and float64, with the Numba kernels on and off; and the summation order and layer_norm
moments they are built on (backends/exact_sum.py, backends/torch_moments.py) match it."""
import warnings

import numpy as np
import pytest

import microtorch
from microtorch.backends import exact_sum, torch_moments

SIZES = [1, 2, 3, 4, 5, 7, 37, 100, 1000, 40000]
SHAPES_DIMS = [((100, 37), 1), ((100, 37), 0), ((7, 5), (0,)), ((4, 6, 7), (1,)),
               ((4, 6, 7), (0, 1)), ((4, 6, 7), (1, 2)), ((2, 40000), 1), ((3, 1000), -1),
               ((1000, 1), 0)]


def _data(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 3 + 1.5).astype(dtype)


def _same_bits(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    nan = np.isnan(ours)                          # a nan's sign bit is not compared
    np.testing.assert_array_equal(nan, np.isnan(theirs))
    np.testing.assert_array_equal(ours[~nan].view(f'u{ours.itemsize}'),
                                  theirs[~nan].view(f'u{theirs.itemsize}'))


def _both(torch, array, op, grad_seed):
    """op on microtorch and torch tensors of `array`, then backward with the same grads:
    (ours, theirs) for each output and for the input's gradient."""
    results = []
    for lib in (microtorch, torch):
        x = lib.tensor(array, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', UserWarning)
            out = op(lib, x)
        outs = out if isinstance(out, tuple) else (out,)
        rng = np.random.default_rng(grad_seed)
        grads = [lib.tensor(rng.standard_normal(tuple(o.shape)).astype(array.dtype))
                 for o in outs]
        lib.autograd.backward(list(outs), grads)
        results.append([o.detach().numpy() for o in outs] + [x.grad.numpy()])
    return zip(*results)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('name', ['var', 'std'])
@pytest.mark.parametrize('correction', [0, 1, 2.5])
def test_whole_tensor_var_and_std(torch, kernels, dtype, size, name, correction):
    x = _data((size,), dtype, size)
    for ours, theirs in _both(torch, x, lambda lib, t: getattr(t, name)(correction=correction),
                              size + 1):
        _same_bits(ours, theirs)


WHOLE_LAYOUTS = {'transposed': lambda a: np.ascontiguousarray(a.T).T,
                 'strided': lambda a: np.repeat(a, 2, axis=-1)[..., ::2],
                 'rows_strided': lambda a: np.repeat(a, 2, axis=0)[::2]}


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', [(5, 7), (64, 48), (6, 5, 7), (300, 300)])
@pytest.mark.parametrize('layout', WHOLE_LAYOUTS)
def test_whole_tensor_var_of_strided_views(torch, kernels, dtype, shape, layout):
    """PyTorch's var of a whole view: the mean by its sum of the view, the squared deviations
    in memory order, one partial sum per call of its 2-d loop where the dims do not coalesce
    into two."""
    x = WHOLE_LAYOUTS[layout](_data(shape, dtype, 3))
    for correction in (0, 1):
        ours = microtorch.from_numpy(x).var(correction=correction).numpy()
        theirs = torch.from_numpy(x).var(correction=correction).numpy()
        _same_bits(ours, theirs)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('dims', [(0,), (1,), (0, 1), (1, 2), (0, 2)])
@pytest.mark.parametrize('layout', ['reversed', 'permuted'])
def test_welford_walks_the_reduced_dims_in_memory_order(torch, kernels, dtype, dims, layout):
    """var, var_mean over dims of a transposed input: each output's Welford loop takes its
    elements in the memory order of the reduced dims, as TensorIterator walks them."""
    a = _data((4, 6, 5), dtype, 4)
    perm = (2, 1, 0) if layout == 'reversed' else (1, 2, 0)
    x = np.ascontiguousarray(a.transpose(perm)).transpose(np.argsort(perm))
    for lib_results in zip(*[(lib.from_numpy(x).var(dims), *lib.var_mean(lib.from_numpy(x), dims))
                             for lib in (microtorch, torch)]):
        _same_bits(*[r.numpy() for r in lib_results])


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape, dim', SHAPES_DIMS)
@pytest.mark.parametrize('name', ['var', 'std'])
@pytest.mark.parametrize('keepdim', [False, True])
@pytest.mark.parametrize('unbiased', [False, True])
def test_var_and_std_over_dims(torch, kernels, dtype, shape, dim, name, keepdim, unbiased):
    x = _data(shape, dtype, len(shape))

    def op(lib, t):
        return getattr(t, name)(dim, unbiased=unbiased, keepdim=keepdim)
    for ours, theirs in _both(torch, x, op, 7):
        _same_bits(ours, theirs)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape, dim', SHAPES_DIMS + [((40000,), None), ((5,), None)])
@pytest.mark.parametrize('name', ['var_mean', 'std_mean'])
@pytest.mark.parametrize('correction', [0, 1])
def test_var_mean_and_std_mean(torch, kernels, dtype, shape, dim, name, correction):
    x = _data(shape, dtype, 3)

    def op(lib, t):
        return getattr(lib, name)(t, dim, correction=correction)
    for ours, theirs in _both(torch, x, op, 8):
        _same_bits(ours, theirs)


def test_var_mean_names_its_node_as_pytorch(torch):
    x = microtorch.ones(3, requires_grad=True)
    assert type(microtorch.var_mean(x)[0].grad_fn).__name__ == 'VarMeanBackward0'
    assert type(microtorch.std_mean(x)[1].grad_fn).__name__ == 'StdMeanBackward0'


def test_no_degrees_of_freedom_still_warns_and_matches(torch):
    x = _data((1,), np.float32, 0)
    with pytest.warns(UserWarning, match='degrees of freedom'):
        ours = microtorch.tensor(x).var()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        theirs = torch.tensor(x).var()
    _same_bits(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape, dims', [((1000,), (0,)), ((5,), (0,)), ((40000,), (0,)),
                                         ((100000,), (0,)), ((100, 37), (1,)),
                                         ((100, 37), (0,)), ((7, 5), (0,)),
                                         ((1000, 100), (0,)), ((4, 6, 7), (1,)),
                                         ((4, 6, 7), (0, 1)), ((300, 130), (0,))])
def test_sum_order_is_pytorchs(torch, dtype, shape, dims):
    x = _data(shape, dtype, 5)
    total = exact_sum.exact_sum(x, dims, True)
    _same_bits(total, torch.tensor(x).sum(dims, keepdim=True).numpy())
    count = x.dtype.type(np.prod([x.shape[d] for d in dims]))
    _same_bits(total / count, torch.tensor(x).mean(dims, keepdim=True).numpy())


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('n', [1, 2, 5, 7, 9, 16, 37, 100, 1000, 1024, 4100])
def test_rowwise_moments_are_layer_norms(torch, dtype, n):
    x = _data((20, n), dtype, n)
    _, mean, rstd = torch.native_layer_norm(torch.tensor(x), (n,), None, None, 1e-5)
    ours_mean, ours_var = torch_moments.rowwise_moments(x)
    _same_bits(ours_mean, mean.numpy().ravel())
    _same_bits(dtype(1) / np.sqrt(ours_var + dtype(1e-5)), rstd.numpy().ravel())


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('n', [8, 37, 100, 128, 129, 512, 520, 1000, 2049])
@pytest.mark.parametrize('tasks', [1, 3])
def test_rowwise_moments_kernel_routes_agree(dtype, n, tasks):
    """The Numba kernel's routes (four short rows at once, four chunks at once, chunk by
    chunk; rows left over in a task) give the NumPy form's bits, special values included."""
    kernels = exact_sum.numba_module('torch_moments')
    x = _data((23, n), dtype, n)
    x[5, n // 2], x[9, 0], x[10, -1] = np.inf, np.nan, -np.inf
    x[11] = 0.0
    with np.errstate(invalid='ignore', over='ignore'):
        want_mean, want_var = torch_moments.fma_steps(
            x.dtype, lambda fma: torch_moments._rowwise_moments(x, fma))
    lanes = exact_sum.lanes(x.dtype)
    for kernel in (kernels.rowwise_moments, kernels.rowwise_moments_serial):
        mean, var = np.empty(23, dtype), np.empty(23, dtype)
        kernel(x, lanes, mean, var, tasks)
        _same_bits(mean, want_mean)
        _same_bits(var, want_var)
