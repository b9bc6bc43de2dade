"""gelu (approximate='none') on float32: x Phi(x) and its gradient gy (Phi(x) + x phi(x)), each
worked in float64 (float64_math.normal_cdf) and rounded once, in one parallel pass.

PyTorch sends contiguous float32 gelu to oneDNN's JIT kernels, whose erf approximation depends
on the machine's vector width (and flushes results below ~1e-18 to zero): its bits cannot be
followed. These are float32's correctly rounded values instead, as the NumPy form in cpu.py
gives from libm's erfc; the two differ only where the float64 value lies within ~10^-15 of a
float32 rounding boundary. Other dtypes and the tanh form run the NumPy form.

Bytes per element: forward 8 (x in, y out), backward 12 (x, gy in, gx out); about 60 float64
flops and one division each, so the kernels are bound by arithmetic, not memory.
"""
import math

import numba
import numpy as np
from numba import prange

from .float64_math import normal_cdf

_FLOAT32 = np.dtype(np.float32)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_OPTIONS = dict(cache=True, error_model='numpy')


def gelu_forward(x, approximate):
    if approximate != 'none' or x.dtype != _FLOAT32:
        return None
    if not x.flags.c_contiguous:
        return gelu_forward(x.T, approximate).T if x.flags.f_contiguous else None
    out = np.empty(x.shape, np.float32)
    _forward(x.reshape(-1), out.reshape(-1))
    return out


def gelu_backward(x, gy, approximate):
    if (approximate != 'none' or x.dtype != _FLOAT32 or type(gy) is not np.ndarray
            or gy.dtype != _FLOAT32 or gy.shape != x.shape):
        return None
    if not x.flags.c_contiguous:
        return None
    out = np.empty(x.shape, np.float32)
    if not any(gy.strides):                     # one value broadcast: a sum's gradient
        _backward_one_gy(x.reshape(-1), gy.reshape(-1)[:1], out.reshape(-1))
    elif gy.flags.c_contiguous:
        _backward(x.reshape(-1), gy.reshape(-1), out.reshape(-1))
    else:
        return None
    return out


@numba.njit(parallel=True, **_OPTIONS)
def _forward(x, out):
    for i in prange(x.size):
        v = np.float64(x[i])
        cdf, _ = normal_cdf(v)
        out[i] = np.float32(v * cdf)


@numba.njit(inline='always')
def _slope(v):
    """gelu'(v) = Phi(v) + v phi(v), in float64."""
    cdf, e = normal_cdf(v)
    return cdf + v * (e * _INV_SQRT_2PI)


@numba.njit(parallel=True, **_OPTIONS)
def _backward(x, gy, out):
    for i in prange(x.size):
        out[i] = np.float32(np.float64(gy[i]) * _slope(np.float64(x[i])))


@numba.njit(parallel=True, **_OPTIONS)
def _backward_one_gy(x, gy, out):
    g = np.float64(gy[0])
    for i in prange(x.size):
        out[i] = np.float32(g * _slope(np.float64(x[i])))
