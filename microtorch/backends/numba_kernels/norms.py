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
