"""float32 sigmoid gives PyTorch's bits: SLEEF's vector exp in 2 * Vec::size() blocks, glibc's
expf in each parallel chunk's tail (microtorch/_sleef.py), with the Numba kernels on and off."""
import numpy as np
import pytest

import microtorch
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


@pytest.fixture(params=[1, 2], ids=['1-thread', '2-threads'])
def threads(request, torch):
    saved, saved_torch = microtorch.get_num_threads(), torch.get_num_threads()
    microtorch.set_num_threads(request.param)
    torch.set_num_threads(request.param)
    yield request.param
    microtorch.set_num_threads(saved)
    torch.set_num_threads(saved_torch)


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


def test_sigmoid_strided_and_transposed(torch):
    x = _inputs(2 * 200, 5).reshape(20, 20)
    for view in (lambda a: a[:, ::2], lambda a: a.T, lambda a: a[::3]):
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
