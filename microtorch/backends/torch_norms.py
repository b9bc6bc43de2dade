"""layer_norm, group_norm and batch_norm on the CPU in PyTorch's order, forward and backward,
so that they give PyTorch's bits (float32 and float64).

PyTorch's kernels (aten/src/ATen/native/cpu/layer_norm_kernel.cpp, group_norm_kernel.cpp,
batch_norm_kernel.cpp) run here with AVX2's vectors (W = 32 bytes of the dtype), and the
compiler fused some of their multiply-adds into single roundings; each `fma` below is one
such fused step, found by comparing with torch on this machine:

- a row's mean and variance: torch_moments.rowwise_moments (Welford on W lanes);
- layer_norm's output: fma((x - mean) * rstd, gamma, beta), rstd = 1 / sqrt(var + eps)
  (without gamma: fma(x - mean, rstd, beta));
- a row's dot product (`row_dot`, vec::map2_reduce_all): the first W products are the lane
  accumulators, every later full vector of products added to them, the last partial vector
  fused (acc = fma(p, q, acc) on its lanes), then the lanes added as AVX2's horizontal sum;
- layer_norm's backward: ds = row_dot(dy * x, gamma), db = row_dot(dy, gamma),
  b = fma(db, mean, -ds) * rstd^3 / N, c = fma(-b, mean, -(db * rstd / N)),
  dx = fma(b, x, rstd * dy * gamma) + c; dgamma and dbeta are summed in one buffer per
  thread (rows split in contiguous chunks), dgamma's step fma(dy, fma(rstd, x, -rstd *
  mean), buffer), and the buffers added in thread order.
"""
import itertools
import math
import operator

import numpy as np

from .._fma import fma_in, fma_steps
from . import exact_sum, numba_dispatch
from .exact_sum import (GRAIN, dim_order, flat_memory, lanes, launch, remember, thread_chunk,
                        use_numba)
from .torch_moments import rowwise_moments


def fma(a, b, c):
    """a * b + c rounded once, in the dtype of a, b and c (NumPy arrays or scalars)."""
    return fma_in(np.result_type(a, b, c), a, b, c)


def threads():
    """microtorch.get_num_threads(), through exact_sum's (which imports it once: an import
    statement here cost ~1.7 us a call, 4% of a small layer_norm's forward and backward)."""
    return exact_sum.threads()


def thread_rows(rows, nthreads):
    """at::parallel_for(0, rows, 1)'s pieces: one contiguous [begin, end) per thread."""
    used = max(1, min(nthreads, rows))
    chunk = -(-rows // used)
    return [(t * chunk, min(rows, (t + 1) * chunk)) for t in range(used)
            if t * chunk < rows]


def lane_sum(acc):
    """Vectorized::reduce_add of the last axis (W lanes), as AVX2's horizontal add: halves
    added for float32 (lanes i and i + 4, then i and i + 2, then 0 and 1), in order for
    float64."""
    if acc.dtype == np.float32:
        half = acc[..., :4] + acc[..., 4:]
        quarter = half[..., :2] + half[..., 2:]
        return quarter[..., 0] + quarter[..., 1]
    total = acc[..., 0]
    for k in range(1, acc.shape[-1]):
        total = total + acc[..., k]
    return total


def row_dot(p, q=None, fma=fma, fused_tail=True):
    """vec::map2_reduce_all(x * y, x + y) of each row of p and q (2-D, or q a row broadcast;
    q None: the row sums of p, vec::reduce_all); fma: fma_steps' when in a chain of them;
    fused_tail False: the last partial vector's products rounded before they are added (as
    group_norm's build of the template adds them)."""
    rows, n = p.shape
    w = lanes(p.dtype)
    if n >= w and _rows_kernel_takes(p, q):
        out = np.empty(rows, p.dtype)
        p = np.ascontiguousarray(p)
        has_q = q is not None
        q = np.broadcast_to(q, p.shape) if has_q else p
        q_is_row = has_q and q.strides[0] == 0          # one row against each of p's
        q = np.ascontiguousarray(q[:1] if q_is_row else q)
        _run('row_dots_of_products', p, q, has_q, q_is_row, fused_tail, out)
        return out
    products = p if q is None else p * q
    if n < w:                       # one partial vector, its lanes added in order
        total = products[:, 0]
        for k in range(1, n):
            total = total + products[:, k]
        return total
    acc = products[:, :w].copy()
    full = n - n % w
    for start in range(w, full, w):
        acc += products[:, start:start + w]
    if full < n:
        tail = n - full
        if q is None or not fused_tail:
            acc[:, :tail] += products[:, full:]
        else:
            q_tail = q[..., full:]
            acc[:, :tail] = fma(p[:, full:], np.broadcast_to(q_tail, (rows, tail)),
                                acc[:, :tail])
    return lane_sum(acc)


# ---- layer_norm --------------------------------------------------------------------------

def layer_norm_forward(x, gamma, beta, eps):
    """(y, mean, rstd) of a 2-D x (rows normalised), gamma and beta (N,) arrays or None; inf
    and nan pass through without NumPy's warnings, as in PyTorch."""
    t = x.dtype.type
    if _rows_kernel_takes(x, gamma, beta):      # a row at a time: each row read once
        x = np.ascontiguousarray(x)
        rows = x.shape[0]
        y = np.empty(x.shape, x.dtype)
        mean, rstd = np.empty(rows, x.dtype), np.empty(rows, x.dtype)
        tasks = min(rows, 4 * threads()) if _parallel(x.size) else 1
        _run('layer_norm_forward_rows', x, lanes(x.dtype), t(eps), gamma, beta, tasks, mean,
             rstd, y)
        return y, mean, rstd
    with np.errstate(all='ignore'):     # (only NumPy's arithmetic warns: ~1 us to set it)
        return _layer_norm_forward_numpy(x, gamma, beta, t(eps))


def _layer_norm_forward_numpy(x, gamma, beta, eps):
    t = x.dtype.type
    mean, var = rowwise_moments(x)
    rstd = t(1) / np.sqrt(var + eps)
    centred = x - mean[:, None]
    if gamma is None and beta is not None:      # the scalar loop fuses the other product
        y = fma(centred, np.broadcast_to(rstd[:, None], x.shape), beta)
    else:
        y = centred * rstd[:, None]
        if gamma is not None:
            y = fma(y, gamma, beta) if beta is not None else y * gamma
    return y, mean, rstd


def layer_norm_backward(dy, x, mean, rstd, gamma, need_gamma, need_beta):
    """(dx, dgamma, dbeta) of layer_norm_forward (2-D dy and x; None for the parameter
    gradients not needed)."""
    return fma_steps(x.dtype, lambda fma: _layer_norm_backward(
        dy, x, mean, rstd, gamma, need_gamma, need_beta, fma))


def _layer_norm_backward(dy, x, mean, rstd, gamma, need_gamma, need_beta, fma):
    t = x.dtype.type
    rows, n = x.shape
    scale = t(1) / t(n)
    need_params = need_gamma or need_beta
    pieces = thread_rows(rows, threads())
    dgamma = dbeta = None
    if _rows_kernel_takes(x, gamma, dy):        # a row at a time: each row read once
        dy, x = np.ascontiguousarray(dy), np.ascontiguousarray(x)
        dx = np.empty(x.shape, x.dtype)
        gamma_row = (x[:1] if gamma is None else np.ascontiguousarray(gamma)).reshape(1, n)
        g_bufs, b_bufs = (np.zeros((len(pieces), n if need_params else 0), x.dtype)
                          for _ in range(2))
        _run('layer_norm_backward_rows', dy, x, gamma_row, gamma is not None, mean, rstd,
             scale, *_bounds(pieces), need_params, dx, g_bufs, b_bufs)
        if need_params:
            dgamma, dbeta = _buffers_added(zip(g_bufs, b_bufs), len(pieces), x)
    else:
        if gamma is None:
            ds, db = row_dot(dy, x, fma=fma), row_dot(dy)
        else:
            ds, db = row_dot(dy * x, gamma, fma=fma), row_dot(dy, gamma, fma=fma)
        b = fma(db, mean, -ds) * rstd * rstd * rstd * scale
        c = fma(-b, mean, -(db * rstd * scale))
        a_dy = rstd[:, None] * dy if gamma is None else rstd[:, None] * dy * gamma
        dx = fma(b[:, None], x, a_dy) + c[:, None]
        if need_params:
            dgamma, dbeta = _parameter_grads(dy, x, mean, rstd, fma, pieces)
    return dx, dgamma if need_gamma else None, dbeta if need_beta else None


def _bounds(pieces):
    """(begins, ends) of thread_rows' pieces, as int64 arrays for the kernels."""
    return tuple(np.array(bounds, np.int64) for bounds in zip(*pieces))


def _parameter_grads(dy, x, mean, rstd, fma, pieces):
    """layer_norm's dgamma and dbeta: per-thread buffers of rows (pieces: thread_rows')."""
    if use_numba(x.size, emulated=True):
        buffers = zip(*_run('layer_norm_param_buffers', dy, x, mean, rstd, *_bounds(pieces)))
    else:                               # fma(rstd, x, -rstd * mean) of every row at once
        centred = fma(rstd[:, None], x, (-rstd * mean)[:, None])
        buffers = (_param_buffers(dy[begin:end], centred[begin:end], fma)
                   for begin, end in pieces)
    return _buffers_added(buffers, len(pieces), x)


def _buffers_added(buffers, used, x):
    """dgamma and dbeta: the threads' (g_buf, b_buf) added in thread order; `used` of
    threads() had rows."""
    t = x.dtype.type
    dgamma = np.zeros(x.shape[1], x.dtype)
    dbeta = np.zeros(x.shape[1], x.dtype)
    for g_buf, b_buf in buffers:
        dgamma += g_buf
        dbeta += b_buf
    if used < threads():                # the idle threads' zero buffers: + 0 (-0 to 0)
        dgamma += t(0)
        dbeta += t(0)
    return dgamma, dbeta


def _param_buffers(dy, centred, fma):
    """One thread's buffers: dgamma's fma(dy, centred, buffer) and dbeta's sum of dy, row by
    row from zero."""
    g_buf = np.zeros(centred.shape[1], centred.dtype)
    for i in range(centred.shape[0]):
        g_buf = fma(dy[i], centred[i], g_buf)
    # dbeta's running sum from +0 is NumPy's in-order accumulate but for the zero's sign
    # (-0 only where every term is -0): the + 0 gives the +0 the sum from zero gives
    b_buf = np.add.accumulate(dy, axis=0)[-1] + dy.dtype.type(0)
    return g_buf, b_buf



# ---- vector norms (ReduceOpsKernel.cpp's norm_kernel_tensor_iterator_impl) ------------------

def vector_norm(x, p, dims, keepdim, vectorised=True):
    """PyTorch's p-norm of float32 or float64 x over dims for p other than 0 and +-inf (whose
    results are exact in any order); None for those, other dtypes, empty or 0-d arrays and
    negative strides. Two loops, chosen by TensorIterator's plan of the reduction
    (exact_sum.dim_order):
    - the 2-norm whose reduced dims make one contiguous run (stride 1: a C-contiguous x's
      last dim or all of it, a transposed x's first), unless not `vectorised` (PyTorch has
      this loop for float32 and float64, not float16): each row's squares in W lanes, the
      lanes added in order, then the tail (numba_kernels/norms.norm2_rows says how);
    - anything else: binary_kernel_reduce's, which folds each output's |x|, x * x or
      pow(|x|, p) (each rounded; the C library's pow) one at a time from 0, the reduced dims
      in iteration order (the smallest stride fastest); a whole reduction of GRAIN elements
      or more is cut into the threads' ranges, each folded from 0, and these added in thread
      order; then sqrt, or pow(sum, 1 / p) with 1 / p rounded to the dtype.
    Only dims of size 1 reduced: |x|, PyTorch's shortcut."""
    if (type(x) is not np.ndarray or x.dtype.char not in 'fd' or p in (0, math.inf, -math.inf)
            or x.size == 0 or x.ndim == 0 or any(s < 0 for s in x.strides)):
        return None
    kind = p if p in (1, 2) else 0
    key = (x.shape, x.strides, x.dtype.char, dims, keepdim, kind, vectorised, threads())
    plan = _norm_plans.get(key) or remember(_norm_plans, key,
                                            _NormPlan(x, kind, dims, keepdim, vectorised))
    route = plan.route
    if route == 'abs':
        return np.abs(x).reshape(plan.shape)
    if route == 'rows':
        rows = x.transpose(plan.kept + plan.fold).reshape(plan.outputs, -1)
        return _norm2_by_rows(rows).reshape(plan.shape)
    if route == 'kernel' and use_numba(x.size):
        acc = _folds_by_kernel(x, p, plan)
    else:
        acc = _folds_by_numpy(x, p, plan)
    if p == 2:
        acc = np.sqrt(acc)
    elif p != 1:
        one = x.dtype.type(1)
        _libm_pow(acc, one / x.dtype.type(p))
    return acc.reshape(plan.shape)


class _NormPlan:
    """How vector_norm reduces one layout, kept per layout (as exact_sum keeps its plans: on
    a (32, 32) array planning took twice the norm). route: 'abs' (only dims of size 1
    reduced), 'rows' (the vectorised 2-norm), 'kernel' (norm_folds, each output's chain
    along memory), 'columns' (np.add.reduce row after row: the outputs lie side by side in
    memory, each fold strided, so the folds go vectorised across outputs)."""
    __slots__ = ('shape', 'kept', 'fold', 'outputs', 'route', 'folds')

    def __init__(self, x, kind, dims, keepdim, vectorised):
        nd = x.ndim
        reduced = [d in dims for d in range(nd)]
        step = [s // x.itemsize for s in x.strides]
        perm, _ = dim_order(list(x.shape), step, reduced)
        fold = [d for d in reversed(perm) if reduced[d]]            # slowest first
        kept = [d for d in range(nd) if not reduced[d]]
        self.shape = [1 if r else n for r, n in zip(reduced, x.shape) if keepdim or not r]
        self.outputs = outputs = x.size // math.prod(x.shape[d] for d in fold)
        self.kept, self.fold, self.folds = kept, fold, None
        if outputs == x.size:
            self.route = 'abs'
        elif kind == 2 and vectorised and _one_contiguous_run(x, fold):
            self.route = 'rows'
        elif outputs >= 8 and min(step[d] for d in kept if x.shape[d] > 1) < min(
                step[d] for d in fold if x.shape[d] > 1):
            self.route = 'columns'
        else:
            self.route = 'kernel'
            if not kind:                        # the kernel reads |x|^p, made C-contiguous
                step = [s // x.itemsize for s in np.empty(x.shape, x.dtype).strides]
            self.folds = _fold_geometry(x.shape, step, kept, fold, outputs, x.size)


_norm_plans = {}


def _fold_geometry(shape, step, kept, fold, outputs, size):
    """norm_folds' arguments after the memory: where each output (or, for one output of
    GRAIN elements or more, each thread's range) starts and its range of positions, the
    reduced dims fastest first (merged where they can be), and whether it runs parallel."""
    sizes, strides = [], []
    for d in reversed(fold):
        if shape[d] == 1:
            continue
        if sizes and strides[-1] * sizes[-1] == step[d]:
            sizes[-1] *= shape[d]
        else:
            sizes.append(shape[d])
            strides.append(step[d])
    count = math.prod(sizes)
    bases = np.zeros([shape[d] for d in kept], np.int64)
    for axis, d in enumerate(kept):             # where each output starts, C order
        bases += (np.arange(shape[d]) * step[d]).reshape(
            [-1 if a == axis else 1 for a in range(len(kept))])
    bases = bases.reshape(-1)
    begins = np.zeros(outputs, np.int64)
    ends = np.full(outputs, count, np.int64)
    if outputs == 1 and count >= GRAIN and threads() > 1:
        begins = np.arange(0, count, thread_chunk(count, threads()), dtype=np.int64)
        ends = np.append(begins[1:], count).astype(np.int64)
        bases = np.zeros(begins.size, np.int64)
    parallel = bases.size > 1 and numba_dispatch.parallel_pays('reduction', size)
    return (bases, begins, ends, np.array(sizes, np.int64), np.array(strides, np.int64),
            parallel)


def _folds_by_kernel(x, p, plan):
    """Each output's terms folded from 0 in order (numba_kernels/norms.norm_folds); a whole
    reduction's thread ranges added in thread order."""
    kind = p if p in (1, 2) else 0
    if not kind:                                # |x|^p first, the C library's pow
        x = np.abs(x, order='C')
        _libm_pow(x, x.dtype.type(p))
    bases, begins, ends, sizes, strides, parallel = plan.folds
    out = np.empty(bases.size, x.dtype)
    kernels = _numba_kernels()
    args = (flat_memory(x)[0], bases, begins, ends, sizes, strides, kind, out)
    if parallel:
        launch(kernels.norm_folds, *args)
    else:
        kernels.norm_folds_serial(*args)
    if plan.outputs == 1 and out.size > 1:      # the threads' partial sums, in order
        total = np.zeros(1, x.dtype)
        for partial in out:
            total += partial
        return total
    return out


def _folds_by_numpy(x, p, plan):
    """The folds with NumPy: np.add.reduce adds row after row (in order) for 8 outputs or
    more, np.cumsum in order along a row for fewer (one output: in the threads' ranges)."""
    outputs = plan.outputs
    columns = outputs >= 8
    view = x.transpose(plan.fold + plan.kept if columns else plan.kept + plan.fold)
    terms = np.empty(view.shape, x.dtype)   # C order: the fold down columns, or along rows
    if p == 2:
        np.multiply(view, view, out=terms)
    else:
        np.abs(view, out=terms)
        if p != 1:
            _libm_pow(terms, x.dtype.type(p))
    if columns:
        return np.add.reduce(terms.reshape(-1, outputs), axis=0)
    rows = terms.reshape(outputs, -1)
    count = rows.shape[1]
    chunk = thread_chunk(count, threads()) if outputs == 1 else count
    acc = np.zeros(outputs, x.dtype)
    for begin in range(0, count, chunk):
        acc += np.cumsum(rows[:, begin:begin + chunk], axis=1)[:, -1]
    return acc


def _libm_pow(a, e):
    """a[...] = pow(a, e) element by element, in place (a C-contiguous, e of its dtype), by
    the C library's powf or pow: NumPy's vector power rounds ~20% of float32 results
    differently. NumPy's scalars call the same functions, for arrays without Numba."""
    flat = a.reshape(-1)
    if use_numba(flat.size):
        kernels = _numba_kernels()
        (kernels.libm_powf if a.dtype == np.float32 else kernels.libm_pow)(flat, e)
        return
    with np.errstate(all='ignore'):
        flat[...] = np.fromiter(map(operator.pow, flat, itertools.repeat(e)), a.dtype,
                                flat.size)


def _one_contiguous_run(x, fold):
    """is_reduce_lastdim: do the reduced dims (slowest first) coalesce into one run of
    stride 1?"""
    step = x.itemsize
    for d in reversed(fold):
        if x.shape[d] == 1:
            continue
        if x.strides[d] != step:
            return False
        step *= x.shape[d]
    return True


def _norm2_by_rows(rows):
    """norm2_rows of a 2-D array (outputs, reduced elements), C-contiguous after a copy if
    need be."""
    rows = np.ascontiguousarray(rows)
    if use_numba(rows.size):
        out = np.empty(rows.shape[0], rows.dtype)
        kernels = _numba_kernels()
        # one row takes one thread, as PyTorch's; rows a reduction's parallel crossover
        if rows.shape[0] > 1 and numba_dispatch.parallel_pays('reduction', rows.size):
            launch(kernels.norm2_rows, rows, out)
        else:
            kernels.norm2_rows_serial(rows, out)
        return out
    return _norm2_rows(rows)


def _norm2_rows(x):
    """norm2_rows' roundings with NumPy (cumsum adds in order)."""
    rows, n = x.shape
    width = lanes(x.dtype)
    full = n - n % width
    grouped = full + 4 * ((n - full) // 4)
    squares = x[:, :full].reshape(rows, -1, width)
    squares = squares * squares
    acc = (np.cumsum(squares, axis=1)[:, -1] if full else
           np.zeros((rows, width), x.dtype))
    total = acc[:, 0]
    for j in range(1, width):
        total = total + acc[:, j]
    for i in range(full, grouped):
        total = total + x[:, i] * x[:, i]
    for i in range(grouped, n):
        total = fma(x[:, i], x[:, i], total)
    return np.sqrt(total)

def _rows_kernel_takes(x, *others):
    """Do the rows kernels (layer_norm's forward and backward, row_dot's) take x (float32 or
    float64) and others (x's dtype, or None; any strides), Numba being on (at any size: the
    NumPy forms emulate fused multiply-adds)? Their lanes are one AVX2 vector of x's dtype.
    (float64 went through NumPy's loops with emulated fused multiply-adds until session 42:
    layer_norm's forward and backward of (64, 1024) took 9.1x PyTorch's time.)"""
    return (x.dtype.char in 'fd' and all(a is None or a.dtype == x.dtype for a in others)
            and use_numba(x.size, emulated=True))


def _run(name, *args):
    """The kernel `name` of numba_kernels/norms.py on args, whose first array sizes it: its
    parallel launch from the fused kernels' crossover, below it its serial twin (a launch
    costs ~10 us: layer_norm of (256, 10) took 105 us with NumPy's loops, 2x PyTorch's
    roundings emulated; the serial kernels take ~10)."""
    kernels = _numba_kernels()
    if _parallel(args[0].size):
        return launch(getattr(kernels, name), *args)
    return getattr(kernels, name + '_serial')(*args)


def _parallel(size):
    """Do the rows kernels of `size` elements run on the threads? A row's Welford steps or
    dot products cost more an element than a fused elementwise pass, so from the reduction
    family's size, as rowwise_moments (on the AMD Zen 4 VM layer_norm's forward of 2^19
    elements took 281 us on two threads, 410 on one; the fused kernels pay from 2^20 there)."""
    return numba_dispatch.kernel_pays('reduction', size)


def _numba_kernels():
    return numba_dispatch._kernel_module('norms')
