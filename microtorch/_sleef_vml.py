"""PyTorch's CPU float32 expm1 and log1p, bit for bit: at::vml's SLEEF functions.

This PyTorch build sends exp, log, tanh, sin, cos, sqrt to MKL's VML; expm1 and log1p it
computes with vml.h's own loop, vec::map over Vectorized<float>::expm1 / log1p, which are
SLEEF's Sleef_expm1f16_u10 and Sleef_log1pf16_u10 (8 lanes under AVX2, the same values). map
takes the last few elements in a partial vector, so every element, a one-element tensor's too,
gets the SLEEF value; how at::parallel_for splits the work does not matter.

Numba runs them where it is installed and switched on (numba_kernels/sleef.py); otherwise
NumPy does the same steps (microtorch/_sleef_numpy.py), slower (about 60 NumPy calls).
"""
import numpy as np

from . import _sleef

_FLOAT32 = np.dtype(np.float32)
_ndarray = np.ndarray
_PARALLEL_FROM = 1 << 15              # at::vml's grain is 2048; a Numba launch pays later


def expm1(x):
    """expm1 of a float32 array as PyTorch computes it, or None for other arrays."""
    if type(x) is not _ndarray or x.dtype != _FLOAT32:
        return None
    if x.size == 1 and _sleef._use_numba():         # the hot path: one scalar call
        out = np.empty(x.shape, np.float32)
        out.fill((_sleef._kernels or _sleef.kernels()).expm1_one(x.item()))
        return out
    return _map(x, 'expm1')


def log1p(x):
    """log1p of a float32 array as PyTorch computes it, or None for other arrays."""
    if type(x) is not _ndarray or x.dtype != _FLOAT32:
        return None
    if x.size == 1 and _sleef._use_numba():
        out = np.empty(x.shape, np.float32)
        out.fill((_sleef._kernels or _sleef.kernels()).log1p_one(x.item()))
        return out
    return _map(x, 'log1p')


def _map(x, name):
    if not _sleef._use_numba():
        from . import _sleef_numpy
        return getattr(_sleef_numpy, name + 'f')(x)
    k = _sleef.kernels()
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape, np.float32)
    if flat.size < _PARALLEL_FROM:
        getattr(k, name + '_serial')(flat, out)
    else:
        getattr(k, name + '_parallel')(flat, out)
    return out.reshape(x.shape)
