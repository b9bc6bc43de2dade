"""Fused sums, and max and min over rows, columns or every element: sum_forward (sum_to_shape, the
engine's un-broadcasting, stays on NumPy: a kernel for it never beat np.sum up to 2^20 elements
in benchmarks/numba_crossover.py); max_forward and min_forward (below).

It sees a C-contiguous float array as 2-D (R, C) - the reduced dims must be a leading run
(column sums: bias gradients, (N, M) -> (M,)) or a trailing run (row sums, (N, M) -> (N, 1))
of the non-unit dims, or all of them - and decline anything else (the NumPy original runs).

Accumulation is in float64 for both dtypes, in partial sums over fixed chunks: reading x is
the bottleneck, so widening float32 costs nothing, and the result is then as accurate as
NumPy's pairwise float32 sum or better; the chunks depend on the shape only (never on the
thread count), so a sum gives the same bits on every machine. (The loss and softmax kernels,
whose loops are bound by exp and log rather than by memory, store the values they sum, add
them in x's dtype over BLOCK elements (`block_sum`) and add those sums in float64: a float64
accumulator in the loop would halve its vector width.) The shared pieces (flags, `flat`,
`row_max`, `block_sum`, `finish_sum`...) serve those modules too.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .. import exact_sum, numba_dispatch
from .lanes import row_max_16, row_min_16
from .twins import serial_twin

# A subset of fastmath that keeps nan and inf (no 'nnan'/'ninf') and never the full set.
FLAGS = {'contract', 'afn', 'nsz'}
# 'reassoc' lets LLVM split a running sum over vector lanes; only kernels that reduce get it.
RFLAGS = FLAGS | {'reassoc'}
CHUNK = 1 << 14             # elements per partial sum (a fixed number: see the docstring)
COL_BLOCK = 2048            # columns per task in column sums: 16 KiB of float64 sums in L1
COL_TASKS = 64              # column sums: about this many tasks (row chunks x column blocks)
BLOCK = 1024                # fused loops: elements added in x's dtype before float64
TASKS = 64                  # tasks for kernels that need a BLOCK of scratch each


def is_float(a):
    return type(a) is np.ndarray and a.dtype.char in 'fd'


def flat(a, shape, dtype):
    """a as a 1-D view when it is a C-contiguous array of `shape` and `dtype`, else None."""
    if (type(a) is np.ndarray and a.shape == shape and a.dtype == dtype
            and a.flags.c_contiguous):
        return a.reshape(-1)
    return None


@intrinsic
def fmax(typingctx, a, b):
    """LLVM's maxnum: the larger of two floats, the other one where one is nan. Unlike a
    compare-and-select, a running maxnum is vectorised with 'reassoc' alone (no 'nnan')."""
    if not (isinstance(a, types.Float) and a == b):
        return None

    def codegen(context, builder, sig, args):
        t = args[0].type
        fn = builder.module.declare_intrinsic('llvm.maxnum', [t], ir.FunctionType(t, [t, t]))
        return builder.call(fn, args)
    return a(a, b), codegen


# The helpers below are compiled on their own with 'reassoc' (which a running sum or max needs
# to be vectorised) and called once per row or block: kernels that compute exp/log/log1p are
# compiled without it, as it would let LLVM reassociate the range reductions inside those
# functions (Cody-Waite's x - n ln2_hi - n ln2_lo, log1p's (1 + x) - 1) and undo them.

@numba.njit(cache=True, fastmath=RFLAGS)
def row_max(xs):
    """The largest element of a non-empty 1-D array, skipping nans (nan if all are): a row
    with a nan still gets nan outputs, through its sum."""
    m = xs[0]
    for i in range(xs.size):
        m = fmax(m, xs[i])
    return m


@numba.njit(cache=True, fastmath=RFLAGS)
def block_sum(xs):
    """The sum of a 1-D array of at most BLOCK elements, in its dtype."""
    s = xs.dtype.type(0)
    for i in range(xs.size):
        s += xs[i]
    return s


@numba.njit(cache=True, fastmath=RFLAGS)
def sum64(xs):
    """The sum of a 1-D array in float64."""
    s = 0.0
    for i in range(xs.size):
        s += xs[i]
    return s


@numba.njit(cache=True, fastmath=RFLAGS)
def dot64(xs, ys):
    """sum(xs * ys) in float64, each product rounded to the arrays' dtype first (as NumPy's
    xs * ys)."""
    s = 0.0
    for i in range(xs.size):
        s += xs[i] * ys[i]
    return s


# Loops below run over slices from 0 (`xs = x[lo:hi]; for i in range(xs.size)`), not over
# range(lo, hi): an index that may be negative costs a wraparound select per element, which
# keeps LLVM from vectorising the loop (4x slower for a sum).

@numba.njit(parallel=True, cache=True, fastmath=RFLAGS)
def row_partials(x, rows, cols, k, partials):
    """partials[r * k + c] = sum of chunk c of row r of x (flat, rows x cols).
    Moves sizeof(T) bytes per element: one read."""
    for t in numba.prange(rows * k):
        r = t // k
        lo = r * cols + (t - r * k) * CHUNK
        xs = x[lo:min(lo + CHUNK, (r + 1) * cols)]
        s = 0.0
        for i in range(xs.size):
            s += xs[i]
        partials[t] = s


@numba.njit(inline='always')
def _column_task(t, ncb, cols, partials):
    """Task t of a column kernel (ncb blocks of COL_BLOCK columns a row chunk): its row chunk
    c, its columns j0 to j1, and its slice of partials (chunk c's values of those columns)."""
    c = t // ncb
    j0 = (t - c * ncb) * COL_BLOCK
    j1 = min(j0 + COL_BLOCK, cols)
    return c, j0, j1, partials[c * cols + j0:c * cols + j1]


@numba.njit(parallel=True, cache=True, fastmath=FLAGS)
def _col_partials(x, rows, cols, nrc, partials):
    """partials[c * cols + j] = sum over row chunk c of column j of x (flat, rows x cols).
    A task adds one row chunk of one block of columns into its slice of partials (in L1).
    Moves sizeof(T) bytes per element: one read (partials are rows/nrc times smaller)."""
    ncb = (cols + COL_BLOCK - 1) // COL_BLOCK
    per = (rows + nrc - 1) // nrc
    for t in numba.prange(nrc * ncb):
        c, j0, j1, ps = _column_task(t, ncb, cols, partials)
        for j in range(ps.size):
            ps[j] = 0.0
        for i in range(c * per, min((c + 1) * per, rows)):
            xs = x[i * cols + j0:i * cols + j1]
            for j in range(ps.size):
                ps[j] += xs[j]


def finish_sum(partials):
    """The float64 total of a kernel's partial sums (pairwise, as np.sum adds)."""
    return partials[0] if partials.size == 1 else np.sum(partials)


def _sum_rows(x, rows, cols):
    """float64 sums of the rows of x (flat, rows x cols)."""
    k = -(-cols // CHUNK)
    partials = np.empty(rows * k, np.float64)
    row_partials(x, rows, cols, k, partials)
    return partials if k == 1 else partials.reshape(rows, k).sum(axis=1)


def _sum_cols(x, rows, cols):
    """float64 sums of the columns of x (flat, rows x cols)."""
    ncb = -(-cols // COL_BLOCK)
    # Row chunks of >= 16 rows, enough of them to give about COL_TASKS tasks in all.
    nrc = max(1, min(-(-rows // 16), COL_TASKS // ncb))
    partials = np.empty(nrc * cols, np.float64)
    _col_partials(x, rows, cols, nrc, partials)
    return partials if nrc == 1 else partials.reshape(nrc, cols).sum(axis=0)


def _runs(x, reduced):
    """How x reduces over the dims flagged in `reduced`, seen as 2-D (rows, cols): ('all',
    1, size), ('cols', rows, cols) when they are a leading run of its non-unit dims (reduce
    over rows), ('rows', rows, cols) when a trailing run (reduce over cols); None otherwise,
    for an empty or non-contiguous x, or nothing to reduce."""
    if not is_float(x) or not x.flags.c_contiguous or x.size == 0:
        return None
    flags = [r for n, r in zip(x.shape, reduced) if n != 1]
    k = sum(flags)
    if not k:
        return None                                 # nothing to reduce: NumPy's copy
    n_red = 1
    for n, r in zip(x.shape, reduced):
        n_red *= n if r else 1
    n_kept = x.size // n_red
    if k == len(flags):
        return 'all', 1, x.size
    if flags[k:] == [False] * (len(flags) - k):     # reduced, then kept
        return 'cols', n_red, n_kept
    if flags[:len(flags) - k] == [False] * (len(flags) - k):
        return 'rows', n_kept, n_red               # kept, then reduced
    return None


def _sum_runs(x, reduced):
    """Sum x over the dims flagged in `reduced`, when those are a leading or trailing run of
    its non-unit dims: the float64 sums, in the order of the kept dims; None otherwise."""
    runs = _runs(x, reduced)
    if runs is None:
        return None
    form, rows, cols = runs
    xf = x.reshape(-1)
    if form == 'cols':
        return _sum_cols(xf, rows, cols)
    return _sum_rows(xf, rows, cols)                 # (every element: one long row)


def sum_forward(x, dims, keepdim):
    """Declined for now: cpu.sum_forward adds in PyTorch's order (backends/exact_sum.py),
    which these float64 partial sums do not reproduce."""
    if type(x) is not np.ndarray or x.dtype.char in 'fd':
        return None
    dims = range(x.ndim) if dims is None else dims
    reduced = [i in dims for i in range(x.ndim)]
    sums = _sum_runs(x, reduced)
    if sums is None:
        return None
    if not keepdim and all(reduced):
        return x.dtype.type(sums[0])                # NumPy gives a scalar here
    shape = tuple(1 if r else n for n, r in zip(x.shape, reduced) if keepdim or not r)
    return sums.astype(x.dtype, copy=False).reshape(shape)


# ---- max and min over a trailing or leading run of dims (amax, amin, logsumexp's shift) ------
# NumPy reduces along the last axis a row at a time, ~150 ns a row plus the row: np.max over
# the rows of a (1024, 256) float32 array took 160 us on the Xeon VM, its whole-array max 19.
# A row here is PyTorch's vec_reduce_all (lanes.row_max_16: nan if any element is nan), in
# registers. A whole-array max is PyTorch's max_all: parallel_reduce's one range a thread
# (exact_sum.thread_chunk), each range's vec_reduce_all, the ranges' results combined in
# order; NumPy's pass is one thread's (0.62 of the parallel copy on the Xeon VM).

@numba.njit(cache=True)
def _short_extreme(xs, largest):
    """The max (or min) of a non-empty row shorter than the lanes' 16; nan if any is."""
    m = xs[0]
    for i in range(xs.size):
        v = xs[i]
        if v != v:
            return v
        if (v > m) if largest else (v < m):
            m = v
    return m


@numba.njit(parallel=True, cache=True)
def extreme_rows(x, cols, largest, out):
    """out[r] = max (or min) of row r of x (flat, out.size rows of cols > 0; the last row
    may be shorter: a whole-array max's last range). Moves sizeof(T) bytes per element."""
    for r in numba.prange(out.size):
        xs = x[r * cols:min(x.size, (r + 1) * cols)]
        if cols < 16:
            out[r] = _short_extreme(xs, largest)
        elif largest:
            out[r] = row_max_16(xs)
        else:
            out[r] = row_min_16(xs)


@numba.njit(parallel=True, cache=True)
def extreme_cols(x, rows, cols, largest, per, partials):
    """partials[c * cols + j] = max (or min) over row chunk c (`per` rows) of column j of x
    (flat, rows x cols), nan where one is; a task takes a chunk of a block of columns.
    Moves sizeof(T) bytes per element: one read."""
    ncb = (cols + COL_BLOCK - 1) // COL_BLOCK
    nrc = (rows + per - 1) // per
    for t in numba.prange(nrc * ncb):
        c, j0, j1, ps = _column_task(t, ncb, cols, partials)
        r0 = c * per
        first = x[r0 * cols + j0:r0 * cols + j1]
        for j in range(ps.size):
            ps[j] = first[j]
        for i in range(r0 + 1, min(r0 + per, rows)):
            xs = x[i * cols + j0:i * cols + j1]
            if largest:                      # a nan, once met, stays: it is never < or >
                for j in range(ps.size):
                    m, v = ps[j], xs[j]
                    ps[j] = v if v > m or v != v else m
            else:
                for j in range(ps.size):
                    m, v = ps[j], xs[j]
                    ps[j] = v if v < m or v != v else m


extreme_rows_serial = serial_twin(extreme_rows)
extreme_cols_serial = serial_twin(extreme_cols)


def _extreme(x, dims, keepdim, largest):
    """max (or min) of x over dims when they are a trailing or leading run of its non-unit
    dims, or all of them; None otherwise."""
    if type(x) is not np.ndarray:
        return None
    ndim = x.ndim
    dims = [d % ndim for d in dims] if ndim else []
    reduced = [i in dims for i in range(ndim)]
    runs = _runs(x, reduced)
    if runs is None:
        return None
    form, rows, cols = runs
    xf = x.reshape(-1)
    shape = tuple(1 if r else n for n, r in zip(x.shape, reduced) if keepdim or not r)
    if form == 'all':                                # (NumPy's scalar where no dim is left)
        value = _extreme_all(xf, largest)
        return np.full(shape, value) if shape else value
    # rows go parallel from the family's size; columns, the sums' column work, from theirs
    parallel = numba_dispatch.parallel_pays('extreme' if form == 'rows' else 'reduction',
                                            x.size)
    if form == 'rows':
        out = np.empty(rows, x.dtype)
        (extreme_rows if parallel else extreme_rows_serial)(xf, cols, largest, out)
    else:
        # row chunks of >= 16 rows, two a thread (one chunk when serial): their maxima are
        # then combined by NumPy (64 chunks, as the sums take, cost more than they saved)
        nrc = max(1, min(-(-rows // 16), 2 * numba.get_num_threads())) if parallel else 1
        per = -(-rows // nrc)
        nrc = -(-rows // per)
        out = np.empty(nrc * cols, x.dtype)
        (extreme_cols if parallel else extreme_cols_serial)(xf, rows, cols, largest, per, out)
        if nrc > 1:
            out = (np.max if largest else np.min)(out.reshape(nrc, cols), axis=0)
    return out.reshape(shape)


def _extreme_all(xf, largest):
    """PyTorch's max_all (min_all) of flat x, as a NumPy scalar (np.max's type): the ranges
    parallel_reduce gives the threads, each one's vec_reduce_all, then its combine in order
    from the identity (max_impl)."""
    size = exact_sum.thread_chunk(xf.size, exact_sum.threads())
    parts = np.empty(-(-xf.size // size), xf.dtype)
    kernel = extreme_rows if numba_dispatch.parallel_pays('extreme', xf.size) else \
        extreme_rows_serial
    kernel(xf, size, largest, parts)
    result = xf.dtype.type(-np.inf if largest else np.inf)
    for part in parts:              # max_impl: nan if either is, else std::max (ties: result)
        if result == result and (part != part or (part > result if largest else
                                                  part < result)):
            result = part
    return result


def max_forward(x, dims, keepdim):
    return _extreme(x, dims, keepdim, True)


def min_forward(x, dims, keepdim):
    return _extreme(x, dims, keepdim, False)


_COLUMNS = 1024                      # columns a task of `cumulative` takes (dims after dim)


@numba.njit(parallel=True, cache=True)
def cumulative(x, out, is_sum):
    """PyTorch's CPU scan of float32 x (outer, n, inner; any strides) along axis 1 into out:
    a running float64 sum (is_sum) or product, in order, each step rounded to float32 - the
    bits of cpu._cumulative's NumPy form, the rows and blocks of columns shared out."""
    outer, n, inner = x.shape
    blocks = (inner + _COLUMNS - 1) // _COLUMNS
    for t in numba.prange(outer * blocks):
        o = t // blocks
        j0 = (t % blocks) * _COLUMNS
        width = min(inner, j0 + _COLUMNS) - j0
        acc = np.empty(width, np.float64)
        for j in range(width):
            acc[j] = np.float64(x[o, 0, j0 + j])
            out[o, 0, j0 + j] = np.float32(acc[j])
        for k in range(1, n):
            for j in range(width):
                v = np.float64(x[o, k, j0 + j])
                acc[j] = acc[j] + v if is_sum else acc[j] * v
                out[o, k, j0 + j] = np.float32(acc[j])


@numba.njit(parallel=True, cache=True)
def cumulative_rows(x, out, is_sum):
    """cumulative along the last dim of x (rows, n; any strides): a row a task, its running
    value in a register (cumulative's array of one column makes each step a store and a
    load: 5 ns an element against 1.5)."""
    rows, n = x.shape
    for r in numba.prange(rows):
        acc = np.float64(x[r, 0])
        out[r, 0] = np.float32(acc)
        for k in range(1, n):
            v = np.float64(x[r, k])
            acc = acc + v if is_sum else acc * v
            out[r, k] = np.float32(acc)


cumulative_serial = serial_twin(cumulative)
cumulative_rows_serial = serial_twin(cumulative_rows)
