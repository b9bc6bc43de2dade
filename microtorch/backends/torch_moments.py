"""var, std, var_mean and std_mean on the CPU in PyTorch's order, so that they give PyTorch's
bits (float32 and float64).

PyTorch takes two roads (ReduceOps.cpp, ReduceOpsKernel.cpp):
- var and std with a single output: the mean first (PyTorch's float sum divided by n, in x's
  dtype), then the sum of (x - mean)^2 in float64, in order, one piece per thread; divided by
  max(0, n - correction) and square-rooted in float64, then rounded to x's dtype (`var_all`).
- everything else (var and std over dims, var_mean and std_mean): Welford's running mean and
  m2 in float64, element by element in memory order, for each output (`welford`); a single
  output of at least GRAIN elements is split over the threads and the pieces combined.

The mean's sum is backends/exact_sum.py's, and so is the choice of the Numba kernels
(numba_kernels/torch_moments.py, the same operations in the same order) over NumPy.
"""
import math

import numpy as np

from .._fma import fma_steps
from .. import _layout
from . import exact_sum, numba_dispatch


def var_all(x, correction, take_sqrt):
    """PyTorch's var (std with take_sqrt) of every element of x, as a scalar of x's dtype."""
    n = x.size
    if x.flags.c_contiguous:
        mean = float(exact_sum.contiguous_total(x.reshape(-1)) / x.dtype.type(n))
        x, call = x.reshape(-1), n
    else:                       # PyTorch's sum of the view; the deviations in memory order
        mean = float(exact_sum.exact_sum(x, None, False) / x.dtype.type(n))
        x, call = _walked(x)
    chunk = _chunk(n)
    if call < n and chunk == n:     # its 2-d loop's calls each sum from 0, then added up
        dx = x.reshape(-1, call).astype(np.float64) - mean
        chunk_sums = np.add.accumulate(dx * dx, axis=1)[:, -1].tolist()
    elif exact_sum.use_numba(n):
        kernels = exact_sum.numba_module('torch_moments')
        parallel = chunk < n and numba_dispatch.kernel_pays('reduction', n)
        chunk_sums = (exact_sum.launch(kernels.parallel_squared_deviations, x, mean, chunk)
                      if parallel else kernels.squared_deviations(x, mean, chunk))
    else:
        chunk_sums = []
        for lo in range(0, n, chunk):
            dx = x[lo:lo + chunk].astype(np.float64) - mean
            chunk_sums.append(np.add.accumulate(dx * dx)[-1])      # in order, as PyTorch
    total = 0.0
    for part in chunk_sums:
        total = total + float(part)
    # in Python floats (IEEE double, as float64's): no NumPy scalar calls, no error states
    dof = max(0.0, n - correction)
    if dof:
        var = total / dof
    else:                       # NumPy's division: 0 / 0 the processor's nan, as PyTorch's
        with np.errstate(divide='ignore', invalid='ignore'):
            var = float(np.float64(total) / dof)
    if take_sqrt:
        var = math.sqrt(var)
    if x.dtype == np.float32 and abs(var) > _FLOAT32_MAX:
        with np.errstate(over='ignore'):        # a float64 beyond float32: inf, silently
            return x.dtype.type(var)
    return x.dtype.type(var)


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _walked(x):
    """(x's elements in TensorIterator's order as a 1-d array, the elements of each call of
    its 2-d loop: all of them where x's dims coalesce into two or fewer, else the two
    innermost coalesced dims' product)."""
    order = _layout.memory_order(x.shape, x.strides)
    sizes, stride = [], None                   # coalesced, the innermost first
    for d in reversed(order):
        if x.shape[d] == 1:
            continue
        if sizes and x.strides[d] == stride * sizes[-1]:
            sizes[-1] *= x.shape[d]
        else:
            sizes.append(x.shape[d])
            stride = x.strides[d]
    call = sizes[0] * sizes[1] if len(sizes) > 2 else x.size
    return np.ascontiguousarray(x.transpose(order)).reshape(-1), call


def _chunk(n):
    """exact_sum.thread_chunk of n elements (all of them below GRAIN, whatever the threads)."""
    return n if n < exact_sum.GRAIN else exact_sum.thread_chunk(n, exact_sum.threads())


def _welford_rows(rows):
    """Welford over axis 1 of a 2-D array: (count, mean, m2) of each row in float64."""
    if exact_sum.use_numba(rows.size):
        kernels = exact_sum.numba_module('torch_moments')
        mean, m2 = np.empty(rows.shape[0]), np.empty(rows.shape[0])
        if rows.shape[0] > 1 and numba_dispatch.kernel_pays('reduction', rows.size):
            exact_sum.launch(kernels.parallel_welford_rows, rows, mean, m2)
        else:
            kernels.welford_rows(rows, mean, m2)
        return float(rows.shape[1]), mean, m2
    if rows.shape[0] <= _SCALAR_ROWS:
        return _scalar_welford_rows(rows)
    columns = np.ascontiguousarray(rows.T, np.float64)     # each step's values, contiguous
    mean, m2 = np.zeros(rows.shape[0]), np.zeros(rows.shape[0])
    delta, step = np.empty(rows.shape[0]), np.empty(rows.shape[0])
    for i, value in enumerate(columns):                    # across the rows at once
        np.subtract(value, mean, out=delta)
        mean += np.divide(delta, i + 1, out=step)           # mean + delta / count
        np.subtract(value, mean, out=step)
        step *= delta
        m2 += step                                          # m2 + delta * (value - mean)
    return float(rows.shape[1]), mean, m2


# Up to this many rows Welford's steps run on Python floats, row by row: a step costs ~0.08 us
# there, a column of NumPy calls ~2 us.
_SCALAR_ROWS = 16


def _scalar_welford_rows(rows):
    """_welford_rows on Python floats (C doubles: float64's arithmetic, operand for operand)."""
    means, m2s = [], []
    for row in rows.tolist():
        mean = m2 = 0.0
        for count, value in enumerate(row, 1):
            delta = value - mean
            mean = mean + delta / count
            m2 = m2 + (value - mean) * delta
        means.append(mean)
        m2s.append(m2)
    return float(rows.shape[1]), np.array(means), np.array(m2s)


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
    walk = [d for d in _layout.memory_order(x.shape, x.strides) if d in dims]  # its order
    x = np.ascontiguousarray(x)
    kept_shape = tuple(1 if i in dims else n for i, n in enumerate(x.shape))
    kept = [i for i in range(x.ndim) if i not in dims]
    rows = np.transpose(x, kept + walk).reshape(math.prod(kept_shape), -1)
    chunk = _chunk(rows.size)
    if rows.shape[0] == 1 and chunk < rows.size:
        state = (0.0, np.zeros(1), np.zeros(1))
        for lo in range(0, rows.size, chunk):
            state = _combine(state, _welford_rows(rows[:, lo:lo + chunk]))
    else:
        state = _welford_rows(rows)
    count, mean, m2 = state
    # (over: a float64 beyond float32 is cast to inf without a word)
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        var = m2 / (count - correction if count > correction else 0.0)
        if take_sqrt:
            var = np.sqrt(var)
        return (var.astype(x.dtype).reshape(kept_shape),
                mean.astype(x.dtype).reshape(kept_shape))


# ---- layer_norm's moments (Numba's kernel for float32: numba_kernels/torch_moments.py) ------

def rowwise_moments(x):
    """PyTorch's RowwiseMoments (moments_utils.h) of each row of a 2-D float array: (mean,
    biased variance) in x's dtype, as layer_norm and group_norm take them. Welford on vector
    lanes (fused multiply-adds), 16 vectors a chunk, the chunks combined in a binary cascade,
    then the tail elements one by one (unfused), then the lanes."""
    if x.dtype.char in 'fd' and x.size and exact_sum.use_numba(x.size, emulated=True):
        x = np.ascontiguousarray(x)
        kernels = exact_sum.numba_module('torch_moments')
        mean, var = np.empty(x.shape[0], x.dtype), np.empty(x.shape[0], x.dtype)
        lanes = exact_sum.lanes(x.dtype)
        if x.shape[0] > 1 and numba_dispatch.kernel_pays('reduction', x.size):
            tasks = min(x.shape[0], 4 * exact_sum.threads())
            exact_sum.launch(kernels.rowwise_moments, x, lanes, mean, var, tasks)
        else:
            kernels.rowwise_moments_serial(x, lanes, mean, var, 1)
        return mean, var
    return fma_steps(x.dtype, lambda fma: _rowwise_moments(x, fma))


def _rowwise_moments(x, fma):
    t = x.dtype.type
    rows, n_all = x.shape
    lanes = exact_sum.lanes(x.dtype)      # the AVX2 kernel: PyTorch registers no AVX512 one
    n = n_all // lanes
    chunks = -(-n // 16)
    depth = max(1, (chunks - 1).bit_length()) if chunks else 1
    zero = np.zeros((rows, lanes), x.dtype)
    stack = [[0, zero, zero] for _ in range(depth)]
    for i, (count, m1, m2) in enumerate(_chunk_moments(x[:, :n * lanes], lanes, t, fma)):
        _add_moments_vec(count, m1, m2, stack[0], t, fma)
        mask, level = i + 1, 1
        while level < depth and not mask & 1:
            _add_moments_vec(*stack[level - 1], stack[level], t, fma)
            stack[level - 1] = [0, zero, zero]
            mask >>= 1
            level += 1
    for level in range(1, depth):
        _add_moments_vec(*stack[level], stack[0], t, fma)
    count, mean, m2 = 0, np.zeros(rows, x.dtype), np.zeros(rows, x.dtype)
    for i in range(n * lanes, n_all):
        value = x[:, i]
        delta = value - mean
        count += 1
        mean = mean + delta / t(count)
        m2 = m2 + delta * (value - mean)
    if n == 0:
        # every lane empty: share is 0 and both fused products below are 0 * something
        # (0, or nan from inf or nan), exact; the eight steps are the same as one
        delta = t(0) - mean
        mean = t(0) * delta + mean
        m2 = m2 + ((delta * delta * t(0)) * t(count) + t(0))
        return mean, m2 / t(n_all)
    for k in range(lanes):
        total = count + n
        share = t(n) / t(total)
        delta = stack[0][1][:, k] - mean
        if count == 0:          # share is 1 and the second product's factor 0: exact products
            mean = delta + mean
            m2 = m2 + ((delta * delta) * t(0) + stack[0][2][:, k])
        else:
            mean = fma(share, delta, mean)
            m2 = m2 + fma(delta * delta * share, t(count), stack[0][2][:, k])
        count = total
    return mean, m2 / t(n_all)


def _chunk_moments(x, lanes, t, fma):
    """(count, m1, m2) of each chunk of 16 vectors of the rows of x (the last chunk maybe
    shorter), m1 and m2 (rows, lanes): Welford's steps on the lanes. The chunks start afresh,
    so the full ones step together, as one array."""
    rows, n = x.shape[0], x.shape[1] // lanes
    full, rest = divmod(n, 16)
    moments = []
    if full:
        m1, m2 = _welford_steps(x[:, :full * 16 * lanes].reshape(rows, full, 16, lanes), t, fma)
        moments += [(16, m1[:, i], m2[:, i]) for i in range(full)]
    if rest:
        m1, m2 = _welford_steps(x[:, full * 16 * lanes:].reshape(rows, 1, rest, lanes), t, fma)
        moments.append((rest, m1[:, 0], m2[:, 0]))
    return moments


def _welford_steps(blocks, t, fma):
    """m1 and m2 over axis 2 of blocks (rows, chunks, steps, lanes), from zero."""
    zero = np.zeros(blocks[:, :, 0].shape, blocks.dtype)
    # the first step unfused: m1 = 1 * delta + 0 and m2 = delta * (value - m1) + 0, value - m1
    # being 0 (nan for an infinite value), are exact products
    value = blocks[:, :, 0]
    delta = value - zero
    m1 = delta + zero
    m2 = delta * (value - m1) + zero
    for j in range(1, blocks.shape[2]):
        value = blocks[:, :, j]
        delta = value - m1
        m1 = fma(t(1) / t(j + 1), delta, m1)
        m2 = fma(delta, value - m1, m2)
    return m1, m2


def _add_moments_vec(count_add, m1_add, m2_add, into, t, fma):
    """PyTorch's AddMomentsVec: the lanes' (count, mean, m2) in `into` joined by another's."""
    count, m1, m2 = into
    total = count + count_add
    share = t(count_add) / t(total) if total else t(0)
    delta = m1_add - m1
    share_delta = share * delta
    if count == 0:              # the product delta * 0 * share_delta: exact, unfused
        into[:] = [total, m1 + share_delta, (delta * t(0)) * share_delta + (m2 + m2_add)]
    else:
        into[:] = [total, m1 + share_delta, fma(delta * t(count), share_delta, m2 + m2_add)]
