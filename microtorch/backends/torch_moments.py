"""var, std, var_mean and std_mean on the CPU in PyTorch's order, so that they give PyTorch's
bits (float32 and float64).

PyTorch takes two roads (ReduceOps.cpp, ReduceOpsKernel.cpp):
- var and std with a single output: the mean first (PyTorch's float sum divided by n, in x's
  dtype), then the sum of (x - mean)^2 in float64, in order, one piece per thread; divided by
  max(0, n - correction) and square-rooted in float64, then rounded to x's dtype (`var_all`).
- everything else (var and std over dims, var_mean and std_mean): Welford's running mean and
  m2 in float64, element by element in memory order, for each output (`welford`); a single
  output of at least GRAIN elements is split over the threads and the pieces combined.
"""
import math
import warnings

import numpy as np

from . import torch_order


def var_all(x, correction, take_sqrt):
    """PyTorch's var (std with take_sqrt) of every element of x, as a scalar of x's dtype."""
    x = np.ascontiguousarray(x).reshape(-1)
    mean = float(torch_order.means(x, (0,))[0])
    total = 0.0
    for lo, hi in torch_order.thread_chunks(x.size):
        dx = x[lo:hi].astype(np.float64) - mean
        total = total + float(np.add.accumulate(dx * dx)[-1])     # in order, as PyTorch
    with np.errstate(divide='ignore', invalid='ignore'):
        var = np.float64(total) / max(0.0, x.size - correction)
        if take_sqrt:
            var = np.sqrt(var)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)   # a float64 beyond float32: inf
        return x.dtype.type(var)


def _welford_rows(rows):
    """Welford over axis 1 of a 2-D array: (count, mean, m2) of each row in float64."""
    mean = np.zeros(rows.shape[0])
    m2 = np.zeros(rows.shape[0])
    for i in range(rows.shape[1]):
        value = rows[:, i].astype(np.float64)
        delta = value - mean
        mean = mean + delta / (i + 1)
        m2 = m2 + delta * (value - mean)
    return float(rows.shape[1]), mean, m2


def _combine(a, b):
    """PyTorch's WelfordOps.combine of two (count, mean, m2)."""
    if a[0] == 0:
        return b
    if b[0] == 0:
        return a
    delta = b[1] - a[1]
    count = a[0] + b[0]
    share = b[0] / count
    return count, a[1] + delta * share, a[2] + b[2] + delta * delta * a[0] * share


def welford(x, dims, correction, take_sqrt):
    """PyTorch's (var or std, mean) over dims, keepdim shapes, in x's dtype."""
    x = np.ascontiguousarray(x)
    kept_shape = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
    kept = [i for i in range(x.ndim) if i not in dims]
    rows = np.transpose(x, kept + sorted(dims)).reshape(math.prod(kept_shape), -1)
    if rows.shape[0] == 1 and rows.size >= torch_order.GRAIN and torch_order.threads() > 1:
        state = (0.0, np.zeros(1), np.zeros(1))
        for lo, hi in torch_order.thread_chunks(rows.size):
            state = _combine(state, _welford_rows(rows[:, lo:hi]))
    else:
        state = _welford_rows(rows)
    count, mean, m2 = state
    with np.errstate(divide='ignore', invalid='ignore'):
        var = m2 / (count - correction if count > correction else 0.0)
        if take_sqrt:
            var = np.sqrt(var)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)
        return (var.astype(x.dtype).reshape(kept_shape),
                mean.astype(x.dtype).reshape(kept_shape))
