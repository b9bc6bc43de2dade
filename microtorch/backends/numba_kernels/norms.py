"""Numba twins of backends/torch_norms.py's row-by-row loops: the same roundings in the
same order (fma where PyTorch's compiled kernel fuses), so the same bits as the NumPy path."""
import numba
import numpy as np

from .fma import fma
from .twins import serial_twin


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
            for j in range(j0, j1):
                g_buf[j] = fma(dy[i, j], fma(a, x[i, j], b), g_buf[j])
                b_buf[j] += dy[i, j]
    return g_bufs, b_bufs


@numba.njit(parallel=True, cache=True)
def layer_norm_rows(x, mean, rstd, gamma, beta, has_gamma, has_beta, out):
    """torch_norms.layer_norm_forward's y in one pass: (x - mean) * rstd, then fma(., gamma,
    beta), * gamma or + beta by the parameters given; fma(x - mean, rstd, beta) with beta
    alone, as the scalar loop fuses it."""
    rows, n = x.shape
    for i in numba.prange(rows):
        m = mean[i]
        r = rstd[i]
        for j in range(n):
            centred = x[i, j] - m
            if has_beta and not has_gamma:
                out[i, j] = fma(centred, r, beta[j])
            elif has_gamma and has_beta:
                out[i, j] = fma(centred * r, gamma[j], beta[j])
            elif has_gamma:
                out[i, j] = centred * r * gamma[j]
            else:
                out[i, j] = centred * r


@numba.njit(parallel=True, cache=True)
def layer_norm_dx(dy, x, gamma, has_gamma, rstd, b, c, out):
    """layer_norm's dx: fma(b, x, rstd * dy (* gamma)) + c, row by row (b, c, rstd per row)."""
    rows, n = x.shape
    for i in numba.prange(rows):
        r = rstd[i]
        bi = b[i]
        ci = c[i]
        for j in range(n):
            a_dy = r * dy[i, j] * gamma[j] if has_gamma else r * dy[i, j]
            out[i, j] = fma(bi, x[i, j], a_dy) + ci


_U = np.uint64          # unsigned indices: no wraparound test, so LLVM can vectorise


@numba.njit(parallel=True, cache=True)
def row_dots_of_products(a, p, q, has_a, has_q, out):
    """torch_norms.row_dot of float32 rows (8 lanes; p and q 2-D of one shape, q any strides;
    has_q False: the row sums of p): products rounded, added lane by lane, the tail fused,
    then AVX2's horizontal add (halves). has_a: the rows of (a * p rounded) and q instead
    (layer_norm's dy * x against gamma, without the product's array)."""
    rows, n = p.shape
    w = 8
    full = n - n % w
    for r in numba.prange(rows):
        acc = np.empty(w, np.float32)
        for lane in range(w):
            v = a[r, lane] * p[r, lane] if has_a else p[r, lane]
            acc[lane] = v * q[r, lane] if has_q else v
        for start in range(_U(w), _U(full), _U(w)):
            for lane in range(_U(w)):
                i = start + lane
                v = a[r, i] * p[r, i] if has_a else p[r, i]
                acc[lane] += v * q[r, i] if has_q else v
        for lane in range(n - full):
            i = full + lane
            v = a[r, i] * p[r, i] if has_a else p[r, i]
            acc[lane] = fma(v, q[r, i], acc[lane]) if has_q else acc[lane] + v
        h0, h1, h2, h3 = acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]
        out[r] = (h0 + h2) + (h1 + h3)


# below the parallel crossover, once Numba is loaded anyway: the same loops on one thread
layer_norm_param_buffers_serial = serial_twin(layer_norm_param_buffers)
layer_norm_rows_serial = serial_twin(layer_norm_rows)
layer_norm_dx_serial = serial_twin(layer_norm_dx)
row_dots_of_products_serial = serial_twin(row_dots_of_products)
