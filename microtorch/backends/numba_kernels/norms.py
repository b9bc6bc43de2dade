"""Numba twins of backends/torch_norms.py's row-by-row loops: the same roundings in the
same order (fma where PyTorch's compiled kernel fuses), so the same bits as the NumPy path."""
import numba
import numpy as np

from .fma import fma
from .lanes import add_lane_products
from .sleef import glibc_pow, glibc_powf
from .torch_moments import moments_of_rows, moments_scratch
from .twins import serial_twin


_U = np.uint64          # unsigned indices: no wraparound test, so LLVM can vectorise
_COLUMNS = 256         # a task's columns in the parameter buffers (rows stay in order)


@numba.njit(parallel=True, cache=True)
def layer_norm_param_buffers(dy, x, mean, rstd, begins, ends):
    """PyTorch's threads' dgamma and dbeta buffers (pieces, n): piece p's rows, begins[p] to
    ends[p], added in order. Each column's sum is its own, so tasks of (piece, columns) run in
    parallel, in one launch, with the same bits."""
    rows, n = x.shape
    pieces = begins.size
    g_bufs = np.zeros((pieces, n), x.dtype)
    b_bufs = np.zeros((pieces, n), x.dtype)
    column_tasks = (n + _COLUMNS - 1) // _COLUMNS
    for task in numba.prange(pieces * column_tasks):
        p = task // column_tasks
        j0 = (task % column_tasks) * _COLUMNS
        j1 = min(n, j0 + _COLUMNS)
        g_buf = g_bufs[p]
        b_buf = b_bufs[p]
        for i in range(begins[p], ends[p]):
            a = rstd[i]
            b = -a * mean[i]
            for j in range(_U(j0), _U(j1)):
                g_buf[j] = fma(dy[i, j], fma(a, x[i, j], b), g_buf[j])
                b_buf[j] += dy[i, j]
    return g_bufs, b_bufs


@numba.njit(parallel=True, cache=True, error_model='numpy')
def layer_norm_forward_rows(x, lanes, eps, gamma, beta, tasks, mean, rstd, out):
    """torch_norms.layer_norm_forward a row at a time, each row read from memory once: its
    moments (torch_moments' Welford), rstd = 1 / sqrt(var + eps), then y = (x - mean) * rstd
    and fma(., gamma, beta), * gamma or + beta by the parameters given (fma(x - mean, rstd,
    beta) with beta alone, as the scalar loop fuses it); `tasks` runs of rows (float32 or
    float64 x, C-contiguous). gamma and beta are arrays or None: a None compiles its branches away
    (flags tested in the loop made the whole kernel 1.5x slower on short rows)."""
    rows, n = x.shape
    per = (rows + tasks - 1) // tasks
    for t in numba.prange(tasks):
        scratch = moments_scratch(lanes, x)
        end = min(rows, (t + 1) * per)
        for first in range(t * per, end, 4):        # four rows' moments, then their y
            last = min(end, first + 4)
            moments_of_rows(x, first, last, lanes, scratch, mean, rstd)    # (rstd: var)
            for i in range(first, last):
                r = x.dtype.type(1) / np.sqrt(rstd[i] + eps)
                rstd[i] = r
                _normalise_row(x, i, n, mean[i], r, gamma, beta, out)


@numba.njit(inline='always')
def _normalise_row(x, i, n, m, r, gamma, beta, out):
    """Row i of layer_norm_forward_rows' y from its mean m and rstd r."""
    if gamma is None:
        if beta is None:
            for j in range(_U(n)):
                out[i, j] = (x[i, j] - m) * r
        else:
            for j in range(_U(n)):
                out[i, j] = fma(x[i, j] - m, r, beta[j])
    elif beta is None:
        for j in range(_U(n)):
            out[i, j] = (x[i, j] - m) * r * gamma[j]
    else:
        for j in range(_U(n)):
            out[i, j] = fma((x[i, j] - m) * r, gamma[j], beta[j])


# torch_norms.row_dot on float32 or float64 rows, in pieces, with W = one AVX2 vector of
# lanes (8 or 4): from W elements the products rounded, the first W the lanes
# (_first_lanes), each later full vector of them added lane by lane
# (lanes.add_lane_products), the tail fused (fma(p, q, lane); unfused where `fused` is
# False: group_norm's build of it), then AVX2's horizontal add of the lanes (_last_lanes:
# float32's halves, float64's in order); below W the products added in order
# (_ordered_sum). A product is row r of p times row rq of q (2-D C-contiguous arrays of n
# columns), or p alone (has_q False: a row sum); has_a: (a * p rounded) times q
# (layer_norm's dy * x against gamma, without the product's array). Sum s of several keeps
# its lanes in acc[W s:W s + W].

@numba.njit(inline='always')
def _product(a, p, q, r, rq, i, has_a, has_q):
    v = a[r, i] * p[r, i] if has_a else p[r, i]
    return v * q[rq, i] if has_q else v


@numba.njit(inline='always')
def _ordered_sum(a, p, q, r, rq, has_a, has_q):
    total = p.dtype.type(0)
    for i in range(p.shape[1]):
        v = _product(a, p, q, r, rq, i, has_a, has_q)
        total = v if i == 0 else total + v
    return total


@numba.njit(inline='always')
def _first_lanes(a, p, q, r, rq, has_a, has_q, acc, s, w):
    for lane in range(w):
        acc[w * s + lane] = _product(a, p, q, r, rq, lane, has_a, has_q)


@numba.njit(inline='always')
def _last_lanes(a, p, q, r, rq, has_a, has_q, acc, s, fused, w):
    n = p.shape[1]
    full = n - n % w
    o = w * s
    for lane in range(n - full):
        i = full + lane
        v = a[r, i] * p[r, i] if has_a else p[r, i]
        if not has_q:
            acc[o + lane] += v
        elif fused:
            acc[o + lane] = fma(v, q[rq, i], acc[o + lane])
        else:
            acc[o + lane] += v * q[rq, i]
    if w == 4:
        return ((acc[o] + acc[o + 1]) + acc[o + 2]) + acc[o + 3]
    h0, h1 = acc[o] + acc[o + 4], acc[o + 1] + acc[o + 5]
    h2, h3 = acc[o + 2] + acc[o + 6], acc[o + 3] + acc[o + 7]
    return (h0 + h2) + (h1 + h3)


@numba.njit(parallel=True, cache=True)
def row_dots_of_products(p, q, has_q, q_is_row, fused_tail, out):
    """row_dot of every row of p (and q; q_is_row: q's one row against each of p's) into out;
    fused_tail: the tail's products fused into their lanes."""
    rows, n = p.shape
    w = 32 // p.itemsize
    lanes = np.empty((rows, w), p.dtype)    # (an array a row inside the loop: 2.2x the time
    for r in numba.prange(rows):            # of (2048, 64) float32's dot products)
        rq = r - r if q_is_row else r      # (a literal 0 and prange's index unify to float)
        if n < w:
            out[r] = _ordered_sum(p, p, q, r, rq, False, has_q)
            continue
        acc = lanes[r]
        _first_lanes(p, p, q, r, rq, False, has_q, acc, 0, w)
        if has_q:
            add_lane_products(acc, ((p, q),), ((r, rq),), w, n // w - 1)
        else:
            add_lane_products(acc, ((p,),), ((r,),), w, n // w - 1)
        out[r] = _last_lanes(p, p, q, r, rq, False, has_q, acc, 0, fused_tail, w)


@numba.njit(parallel=True, cache=True)
def layer_norm_backward_rows(dy, x, gamma, has_gamma, mean, rstd, scale, begins, ends,
                             with_params, out, g_bufs, b_bufs):
    """layer_norm's backward a row at a time, as PyTorch's layer_norm_backward_frame runs it,
    so that each row comes from memory once: ds and db (row_dot, in one loop), the row's b
    and c, dx = fma(b, x, rstd * dy (* gamma)) + c, and with_params the rows' steps of piece
    p's buffers g_bufs[p] and b_bufs[p] (layer_norm_param_buffers'). Pieces p run in
    parallel, rows begins[p] to ends[p] in order. gamma: the weight as one row, (1, n)."""
    n = x.shape[1]
    w = 32 // x.itemsize
    for p in numba.prange(begins.size):
        acc = np.empty(2 * w, x.dtype)
        for r in range(begins[p], ends[p]):
            if n < w and has_gamma:
                ds = _ordered_sum(dy, x, gamma, r, 0, True, True)
                db = _ordered_sum(dy, dy, gamma, r, 0, False, True)
            elif n < w:
                ds = _ordered_sum(dy, dy, x, r, r, False, True)
                db = _ordered_sum(dy, dy, dy, r, r, False, False)
            elif has_gamma:
                _first_lanes(dy, x, gamma, r, 0, True, True, acc, 0, w)
                _first_lanes(dy, dy, gamma, r, 0, False, True, acc, 1, w)
                add_lane_products(acc, ((dy, x, gamma), (dy, gamma)), ((r, r, 0), (r, 0)), w,
                                  n // w - 1)
                ds = _last_lanes(dy, x, gamma, r, 0, True, True, acc, 0, True, w)
                db = _last_lanes(dy, dy, gamma, r, 0, False, True, acc, 1, True, w)
            else:
                _first_lanes(dy, dy, x, r, r, False, True, acc, 0, w)
                _first_lanes(dy, dy, dy, r, r, False, False, acc, 1, w)
                add_lane_products(acc, ((dy, x), (dy,)), ((r, r), (r,)), w, n // w - 1)
                ds = _last_lanes(dy, dy, x, r, r, False, True, acc, 0, True, w)
                db = _last_lanes(dy, dy, dy, r, r, False, False, acc, 1, True, w)
            m = mean[r]
            a = rstd[r]
            b = fma(db, m, -ds) * a * a * a * scale
            c = fma(-b, m, -(db * a * scale))
            if has_gamma:           # (two loops: a load under a condition stays scalar)
                for j in range(_U(n)):
                    out[r, j] = fma(b, x[r, j], a * dy[r, j] * gamma[0, j]) + c
            else:
                for j in range(_U(n)):
                    out[r, j] = fma(b, x[r, j], a * dy[r, j]) + c
            if with_params:
                shift = -a * m
                for j in range(_U(n)):
                    g_bufs[p, j] = fma(dy[r, j], fma(a, x[r, j], shift), g_bufs[p, j])
                    b_bufs[p, j] += dy[r, j]


# below the parallel crossover, once Numba is loaded anyway: the same loops on one thread
# torch_norms.vector_norm: PyTorch's 2-norm of each row, ReduceOpsKernel's vectorised loop
# over AVX2's W = 32 bytes of lanes (each square rounded, then added to its lane), the lanes
# added in order, then the tail: whole groups of 4 elements squared and added, the last
# 1 to 3 fused (fma), as found against torch on this machine.

@numba.njit(parallel=True, cache=True)
def norm2_rows(x, out):
    """out[r] = sqrt of the sum of squares of row r of x (2-D, C-contiguous, float32 or
    float64), in PyTorch's order. Moves sizeof(T) bytes per element: one read."""
    rows, n = x.shape
    width = 32 // x.itemsize
    full = n - n % width
    grouped = full + 4 * ((n - full) // 4)
    lanes = np.zeros((rows, width), x.dtype)       # (an array a row inside the loop: 2x)
    for r in numba.prange(rows):
        acc = lanes[r]
        add_lane_products(acc, ((x, x),), ((r, r),), 0, n // width)
        total = acc[0]
        for j in range(1, width):
            total += acc[j]
        for i in range(full, grouped):
            total += x[r, i] * x[r, i]
        for i in range(grouped, n):
            total = fma(x[r, i], x[r, i], total)
        out[r] = np.sqrt(total)


# The p-norms' terms |x|^p and their root: the C library's powf and pow by name, as
# PyTorch's scalar norm loop calls them (Numba's ** could take a vector library's instead).

@numba.njit(cache=True)
def libm_powf(a, e):
    """a[i] = powf(a[i], e) on a 1-D float32 array, in place."""
    for i in range(a.size):
        a[i] = glibc_powf(a[i], e)


@numba.njit(cache=True)
def libm_pow(a, e):
    """a[i] = pow(a[i], e) on a 1-D float64 array, in place."""
    for i in range(a.size):
        a[i] = glibc_pow(a[i], e)


# PyTorch's scalar norm loop (binary_kernel_reduce): each output's terms folded from 0, one
# at a time in the iteration's order. Each fold is a chain of dependent additions (one per
# element, ~4 cycles each), as PyTorch's is; outputs (or a whole reduction's thread ranges)
# run one per thread.

@numba.njit(parallel=True, cache=True)
def norm_folds(x, bases, begins, ends, sizes, strides, kind, out):
    """out[o] = the sum from 0, in order, of term(x[e]) for the elements e at positions
    [begins[o], ends[o]) of the reduced iteration that starts at x[bases[o]]: sizes and
    strides (in elements, of the 1-D memory x) of its dims, fastest first; term |v| (kind
    1), v * v (kind 2, rounded) or v (kind 0)."""
    nd = sizes.size
    for o in numba.prange(bases.size):
        idx = np.zeros(nd, np.int64)
        rem = begins[o]
        off = bases[o]
        for d in range(nd):
            idx[d] = rem % sizes[d]
            rem //= sizes[d]
            off += idx[d] * strides[d]
        acc = x.dtype.type(0)
        i, end, s0 = begins[o], ends[o], strides[0]
        while i < end:
            run = min(sizes[0] - idx[0], end - i)
            if kind == 1:
                for k in range(run):
                    acc += abs(x[off + k * s0])
            elif kind == 2:
                for k in range(run):
                    v = x[off + k * s0]
                    acc += v * v
            else:
                for k in range(run):
                    acc += x[off + k * s0]
            i += run
            off += run * s0
            idx[0] += run
            d = 0
            while d < nd - 1 and idx[d] == sizes[d]:       # carry into the slower dims
                off += strides[d + 1] - sizes[d] * strides[d]
                idx[d] = 0
                d += 1
                idx[d] += 1
        out[o] = acc


layer_norm_param_buffers_serial = serial_twin(layer_norm_param_buffers)
layer_norm_forward_rows_serial = serial_twin(layer_norm_forward_rows)
layer_norm_backward_rows_serial = serial_twin(layer_norm_backward_rows)
row_dots_of_products_serial = serial_twin(row_dots_of_products)
norm2_rows_serial = serial_twin(norm2_rows)
norm_folds_serial = serial_twin(norm_folds)
