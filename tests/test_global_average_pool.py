"""adaptive_avg_pool1d/2d/3d to a single output is PyTorch's shortcut: the mean over the
spatial dims, with its bits and its grad_fn (MeanBackward1)."""
import numpy as np
import pytest

import microtorch as mt
from microtorch.backends import numba_dispatch

CASES = [((2, 3, 5, 6), 'adaptive_avg_pool2d'), ((8, 64, 7, 7), 'adaptive_avg_pool2d'),
         ((3, 9, 11), 'adaptive_avg_pool2d'), ((4, 16, 96, 64), 'adaptive_avg_pool2d'),
         ((2, 3, 4, 5, 6), 'adaptive_avg_pool3d'), ((3, 4, 5, 6), 'adaptive_avg_pool3d'),
         ((2, 3, 7), 'adaptive_avg_pool1d'), ((8, 64, 1000), 'adaptive_avg_pool1d')]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('shape,name', CASES)
def test_a_single_output_is_pytorchs_mean(shape, name, dtype):
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(len(shape) * 7 + shape[-1])
    x0 = rng.standard_normal(shape).astype(dtype)
    x = torch.tensor(x0, requires_grad=True)
    want = getattr(torch.nn.functional, name)(x, 1)
    gy = rng.standard_normal(tuple(want.shape)).astype(dtype)
    want.backward(torch.tensor(gy))
    for forced in (False, True):
        with numba_dispatch.configure(enabled=forced, min_size=0 if forced else None):
            ours = mt.tensor(x0, requires_grad=True)
            got = getattr(mt.nn.functional, name)(ours, 1)
            got.backward(mt.tensor(gy))
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
        np.testing.assert_array_equal(ours.grad.numpy(), x.grad.numpy())
        assert type(got.grad_fn).__name__ == type(want.grad_fn).__name__


def test_other_output_sizes_keep_the_averaging_matrices():
    x = mt.arange(2 * 3 * 4 * 6, dtype=mt.float64).reshape(2, 3, 4, 6)
    y = mt.nn.functional.adaptive_avg_pool2d(x, (1, 2))
    np.testing.assert_allclose(y.numpy(), x.numpy().reshape(2, 3, 4, 2, 3).mean((2, 4))[
        :, :, None], rtol=1e-15)
