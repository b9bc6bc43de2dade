"""linspace's points as PyTorch's CPU kernel computes them, bit for bit.

For a floating dtype PyTorch takes step = (end - start) / (steps - 1) in that dtype, then
gives point i as start + step * i in the first half and end - step * (steps - 1 - i) in the
second, each one fused multiply-add (one rounding, microtorch/_fma.py). NumPy's linspace
rounds differently, so a program printing torch.linspace(-pi, pi, 2000) or training on it
would drift by an ulp here and there.
"""
import numpy as np

from ._fma import fused_multiply_add


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
    return fused_multiply_add(scale, factor, base, kind)
