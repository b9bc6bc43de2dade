"""linspace's points as PyTorch's CPU kernel computes them, bit for bit.

For a floating dtype PyTorch takes step = (end - start) / (steps - 1) in that dtype, then
gives point i as start + step * i in the first half and end - step * (steps - 1 - i) in the
second, each one fused multiply-add (one rounding). NumPy's linspace rounds differently, so a
program printing torch.linspace(-pi, pi, 2000) or training on it would drift by an ulp here
and there. NumPy has no fma: float32's is exact in float64 up to the final sum (rounded to odd
so the cast to float32 rounds once); float64's is Boldo and Melquiond's emulation from exact
products and sums.
"""
import numpy as np


def points(start, end, steps, np_dtype):
    """PyTorch's linspace values for a float32 or float64 `np_dtype` (an array of it)."""
    kind = np.dtype(np_dtype).type
    start, end = kind(start), kind(end)
    if steps <= 1:
        return np.full(steps, start, kind)
    step = kind(kind(end - start) / kind(steps - 1))
    index = np.arange(steps, dtype=np.float64)
    first = index < steps // 2
    factor = np.where(first, index, steps - 1 - index)
    scale = np.where(first, step, -step).astype(np.float64)
    base = np.where(first, start, end).astype(np.float64)
    fma = _fma_into_float32 if kind is np.float32 else _fma_float64
    return fma(scale, factor, base)


def _fma_into_float32(a, b, c):
    """float32(a * b + c), rounded once, for float32 values a, b, c held in float64."""
    return _sum_rounded_to_odd(a * b, c).astype(np.float32)    # a * b is exact in float64


def _fma_float64(a, b, c):
    high, low = _two_product(a, b)
    sum_high, sum_low = _two_sum(c, low)
    top, rest = _two_sum(high, sum_high)
    return top + _sum_rounded_to_odd(sum_low, rest)


def _two_sum(a, b):
    """(a + b rounded, its exact error)."""
    total = a + b
    b_part = total - a
    return total, (a - (total - b_part)) + (b - b_part)


def _two_product(a, b):
    """(a * b rounded, its exact error), by Veltkamp's splitting into 26-bit halves."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _split(a):
    scaled = 134217729.0 * a                 # 2**27 + 1
    high = scaled - (scaled - a)
    return high, a - high


def _sum_rounded_to_odd(a, b):
    """a + b rounded to odd: an inexact sum whose last bit came out even moves one ulp
    toward the exact value, so a later rounding to fewer bits rounds only once."""
    total, error = _two_sum(a, b)
    bump = (error != 0) & ((total.view(np.int64) & 1) == 0)
    total[bump] = np.nextafter(total[bump], np.where(error[bump] > 0, np.inf, -np.inf))
    return total
