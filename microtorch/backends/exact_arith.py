"""Expressions PyTorch's compiled CPU loops evaluate with a fused multiply-add, for NumPy.

GCC contracts `1 - y * y` in tanh's backward loop (scalar and vectorised alike) into one
fma, rounded once; NumPy rounds the product and then the difference. These helpers give the
fused result bit for bit, fast on the one-element tensors of the hot path.
"""
import math
import struct

import numpy as np

from .._fma import _two_product, _two_sum, fused_multiply_add

_GRID = 2.0 ** 28          # adding and subtracting it rounds [0, 2^-6) to multiples of 2^-24
_SMALL = 2.0 ** -6
_HUGE = 2.0 ** 500


def one_minus_square_f32(s):
    """float32(1 - s * s) rounded once, for a float32 value s as a Python float. The square
    is exact in float64; 1 - s^2 is exact there too unless s^2 < 2^-6, where the float32
    result lies in [1 - 2^-6, 1] on the grid of 2^-24, so s^2 rounded to that grid (ties to
    even, which is the result's own parity) gives it."""
    p = s * s
    if p < _SMALL:
        p = (p + _GRID) - _GRID
    return 1.0 - p


def one_minus_square(y):
    """1 - y * y rounded once (fma(-y, y, 1)) elementwise, in y's float dtype: an array of
    y's shape, or a NumPy scalar when y has one element (it broadcasts as y would)."""
    if y.dtype == np.float32:
        if y.size == 1:                  # the hot path: Python floats, no ufunc calls
            return np.float32(one_minus_square_f32(y.item()))
        p = np.square(y, dtype=np.float64)
        small = np.flatnonzero(p < _SMALL)
        if small.size:
            p.flat[small] = (p.flat[small] + _GRID) - _GRID
        np.subtract(1.0, p, out=p)
        return p.astype(np.float32)
    if y.size == 1:
        v = y.item()
        if abs(v) < _HUGE:
            return np.float64(_fma_scalar(-v, v, 1.0))
    out = fused_multiply_add(-y, y, 1.0, y.dtype).reshape(y.shape)
    huge = ~(np.abs(y) < _HUGE)          # inf, nan, or a square near overflow: the emulation's
    if huge.any():                       # splitting fails there, and 1 is lost in y * y
        out = np.where(huge, 1.0 - y * y, out)
    return out


# The same fused a * b + c for one float64 (Python floats: the hot path's one-element tensors,
# where the array emulation's dozens of ufunc calls would cost ~30 us): the exact product as
# a sum of two floats (Veltkamp and Dekker), exact sums (Knuth), and the last addition's
# error rounded to odd so that the final rounding is the only one.

def _fma_scalar(a, b, c):
    """a * b + c rounded once, for finite floats whose product does not overflow."""
    product, error = _two_product(a, b)
    sum_high, sum_low = _two_sum(c, error)
    top, rest = _two_sum(product, sum_high)
    tail, tail_error = _two_sum(sum_low, rest)
    if tail_error != 0 and not struct.unpack('<q', struct.pack('<d', tail))[0] & 1:
        tail = math.nextafter(tail, math.inf if tail_error > 0 else -math.inf)
    return top + tail
