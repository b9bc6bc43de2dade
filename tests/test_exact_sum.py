"""sum and mean of float32/float64 CPU tensors against PyTorch, bit for bit: whole tensors and
every subset of dims, keepdim, transposed and sliced inputs, 1 and 2 threads, with the Numba
kernels on (from any size) and off (backends/exact_sum.py has the order of additions)."""
import itertools

import numpy as np
import pytest

import microtorch

SIZES = [1, 2, 3, 4, 5, 16, 17, 33, 64, 100, 1000, 40000, 100000]
SHAPES = [(3, 5), (17, 33), (7, 1000), (1000, 7), (5, 4, 300), (300, 5, 40), (3, 40000)]


def same_bits(got, want):
    got, want = np.asarray(got), np.asarray(want)
    return (got.shape == want.shape and got.dtype == want.dtype
            and got.reshape(-1).view(np.uint8).tobytes()
            == want.reshape(-1).view(np.uint8).tobytes())


def views(a):
    yield a
    yield a.T
    yield a[..., 1:]
    yield a[::2]


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_whole_sums(torch, threads, kernels, dtype):
    rng = np.random.default_rng(0)
    for n in SIZES:
        for _ in range(3):
            a = rng.standard_normal(n).astype(dtype)
            t = torch.from_numpy(a)
            x = microtorch.tensor(a)
            assert same_bits(x.sum().numpy(), t.sum().numpy()), n
            assert same_bits(x.mean().numpy(), t.mean().numpy()), n


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_dim_sums(torch, threads, kernels, dtype, shape):
    rng = np.random.default_rng(1)
    a = rng.standard_normal(shape).astype(dtype)
    for v in views(a):
        t = torch.from_numpy(v)
        x = microtorch.from_numpy(v)
        for r in range(1, v.ndim + 1):
            for dims in itertools.combinations(range(v.ndim), r):
                for keepdim in (False, True):
                    want = t.sum(dims, keepdim=keepdim).numpy()
                    assert same_bits(x.sum(dims, keepdim=keepdim).numpy(), want), (v.shape, dims)
                want = t.mean(dims).numpy()
                assert same_bits(x.mean(dims).numpy(), want), (v.shape, dims)
        assert same_bits(x.sum().numpy(), t.sum().numpy()), v.shape


def test_dtype_argument_and_signed_zeros(torch):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((17, 33)).astype(np.float32)
    t, x = torch.from_numpy(a), microtorch.tensor(a)
    assert same_bits(x.sum(1, dtype=microtorch.float64).numpy(),
                     t.sum(1, dtype=torch.float64).numpy())
    assert same_bits(x.mean(dtype=microtorch.float64).numpy(),
                     t.mean(dtype=torch.float64).numpy())
    for z in ([-0.0], [-0.0, -0.0], [[-0.0], [-0.0]], [-0.0] * 20):
        za = np.array(z, np.float32)
        assert same_bits(microtorch.tensor(za).sum().numpy(), torch.tensor(za).sum().numpy())
        assert same_bits(microtorch.tensor(za).sum(0).numpy(), torch.tensor(za).sum(0).numpy())
