"""float32 gelu (approximate='none') and its gradient are float32's correctly rounded values,
from the Numba kernel (float64 inside, numba_kernels/gelu.py) and the NumPy form (libm's erfc)
alike; PyTorch's oneDNN kernel is only an approximation of them (test_ops checks it within
tolerance)."""
import math

import numpy as np
import pytest

import microtorch
import microtorch.nn.functional as F
from microtorch.backends import numba_dispatch

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _inputs(n, seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([rng.standard_normal(n) * 3, rng.uniform(-16, 8, n),
                        [0.0, -0.0, 0.66, -0.66, 0.6629, 5.65, -5.66, -9.0, -14.0, 1e-30,
                         -1e-30, 3e38, -3e38]])
    return rng.permutation(x.astype(np.float32))


def _references(x, gy):
    """x Phi(x) and gy (Phi(x) + x phi(x)) in float64 from libm's erfc and exp."""
    wide = x.astype(np.float64)
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in wide.tolist()])
    with np.errstate(over='ignore', invalid='ignore'):
        density = np.exp(-0.5 * wide * wide) * _INV_SQRT_2PI
        return wide * cdf, gy.astype(np.float64) * (cdf + wide * density)


def _ulps(ours, reference):
    """|ours - reference| in units of float32's spacing at the reference."""
    spacing = np.spacing(np.abs(reference).astype(np.float32)).astype(np.float64)
    spacing = np.maximum(spacing, np.float64(2.0 ** -149))
    return np.abs(ours.astype(np.float64) - reference) / spacing


@pytest.mark.parametrize('kernels_on', [True, False], ids=['numba', 'numpy'])
def test_gelu_is_correctly_rounded(kernels_on):
    if kernels_on:
        pytest.importorskip('numba')
    x = _inputs(20000, 1)
    gy = np.random.default_rng(2).standard_normal(x.size).astype(np.float32)
    with numba_dispatch.configure(enabled=kernels_on, min_size=0 if kernels_on else None):
        t = microtorch.tensor(x, requires_grad=True)
        y = F.gelu(t)
        y.backward(microtorch.tensor(gy))
    forward, backward = _references(x, gy)
    finite = np.isfinite(forward) & np.isfinite(backward)
    # half an ulp, and the float64 working values' own error (~1e-15 relative) besides
    assert _ulps(y.detach().numpy()[finite], forward[finite]).max() <= 0.5 + 1e-6
    assert _ulps(t.grad.numpy()[finite], backward[finite]).max() <= 0.5 + 1e-6


def test_gelu_kernel_and_numpy_form_agree():
    pytest.importorskip('numba')
    x = _inputs(50000, 3)
    x = x[np.abs(x) < 1e30][:100002].reshape(-1, 7)         # a sum that stays finite
    results = []
    for on in (True, False):
        with numba_dispatch.configure(enabled=on, min_size=0 if on else None):
            t = microtorch.tensor(x, requires_grad=True)
            y = F.gelu(t)
            (y.sum() * 3).backward()                 # the gradient as one value broadcast
            transposed = F.gelu(microtorch.tensor(x).T).numpy()
            results.append((y.detach().numpy(), t.grad.numpy(), transposed))
    for ours, theirs in zip(*results):
        assert np.array_equal(ours, theirs)


def test_gelu_special_values():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 20.0, -9.0, -14.0, -20.0], np.float32)
    for on in (True, False):
        with numba_dispatch.configure(enabled=on, min_size=0 if on else None):
            t = microtorch.tensor(np.tile(x, 8), requires_grad=True)
            y = F.gelu(t)
            y.sum().backward()
            out, grad = y.detach().numpy()[:9], t.grad.numpy()[:9]
        assert out[0] == np.inf and np.isnan(out[1]) and np.isnan(out[2])
        assert out[3] == 0 and out[5] == 20 and out[8] == 0 and np.signbit(out[8])
        assert -1.1e-18 < out[6] < -1.0e-18 and out[7] < 0        # not flushed to zero
        assert np.isnan(grad[:3]).all() and grad[3] == grad[4] == 0.5 and grad[5] == 1
        assert -9.14e-18 < grad[6] < -9.13e-18            # -9.13894e-18
