"""Numba twins of backends/torch_norms.py's row-by-row loops: the same roundings in the
same order (fma where PyTorch's compiled kernel fuses), so the same bits as the NumPy path."""
import numba
import numpy as np

from .fma import fma


@numba.njit(cache=True)
def layer_norm_param_buffers(dy, x, mean, rstd):
    """One thread's dgamma and dbeta buffers: its rows added in order."""
    rows, n = x.shape
    g_buf = np.zeros(n, x.dtype)
    b_buf = np.zeros(n, x.dtype)
    for i in range(rows):
        a = rstd[i]
        b = -a * mean[i]
        for j in range(n):
            g_buf[j] = fma(dy[i, j], fma(a, x[i, j], b), g_buf[j])
            b_buf[j] += dy[i, j]
    return g_buf, b_buf


_U = np.uint64          # unsigned indices: no wraparound test, so LLVM can vectorise


@numba.njit(parallel=True, cache=True)
def row_dots(p, q, has_q, out):
    """torch_norms.row_dot of float32 rows (8 lanes, p and q 2-D of one shape, q any strides;
    has_q False: the row sums of p): products rounded, added lane by lane, the tail fused,
    then AVX2's horizontal add (halves)."""
    rows, n = p.shape
    w = 8
    full = n - n % w
    for r in numba.prange(rows):
        acc = np.empty(w, np.float32)
        for lane in range(w):
            acc[lane] = p[r, lane] * q[r, lane] if has_q else p[r, lane]
        for start in range(_U(w), _U(full), _U(w)):
            for lane in range(_U(w)):
                i = start + lane
                acc[lane] += p[r, i] * q[r, i] if has_q else p[r, i]
        for lane in range(n - full):
            i = full + lane
            acc[lane] = fma(p[r, i], q[r, i], acc[lane]) if has_q else acc[lane] + p[r, i]
        h0, h1, h2, h3 = acc[0] + acc[4], acc[1] + acc[5], acc[2] + acc[6], acc[3] + acc[7]
        out[r] = (h0 + h2) + (h1 + h3)
