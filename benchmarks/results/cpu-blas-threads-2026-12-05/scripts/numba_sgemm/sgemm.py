"""Prototype float32 gemm in Numba around micro.py's micro-kernel (not used by microtorch):
B packed in 32-column panels per block of kc rows, A in 12-row panels; row panels in
parallel. KC (default 384) and NC from the environment. `python sgemm.py` checks and times
six shapes.
"""

import sys, time
import numpy as np, numba
from numba import prange

sys.path.insert(0, __import__('os').path.dirname(__import__('os').path.abspath(__file__)))
from micro import micro_tile, MR, NR

KC = int(__import__("os").environ.get("KC", 384))
NC = int(__import__("os").environ.get("NC", 1024))


@numba.njit(parallel=True)
def pack_b(b, pc, kc, jc, nc, ub):
    """ub[panel][k][i] = b[pc + k, jc + panel*MR + i] (zero beyond nc)."""
    panels = -(-nc // MR)
    for p in prange(panels):
        base = p * kc * MR
        j0 = jc + p * MR
        w = min(MR, jc + nc - j0)
        for kk in range(kc):
            row = base + kk * MR
            for i in range(w):
                ub[row + i] = b[pc + kk, j0 + i]
            for i in range(w, MR):
                ub[row + i] = 0


@numba.njit(parallel=True)
def sgemm(a, b, c):
    m, k = a.shape
    n = b.shape[1]
    ub = np.empty(-(-min(n, NC) // MR) * MR * KC, np.float32)
    row_panels = -(-m // NR)
    for jc in range(0, n, NC):
        nc = min(NC, n - jc)
        col_panels = -(-nc // MR)
        for pc in range(0, k, KC):
            kc = min(KC, k - pc)
            pack_b(b, pc, kc, jc, nc, ub)
            acc = pc > 0
            parts = numba.get_num_threads()
            per = -(-col_panels // parts)
            for t in prange(parts):
                wp = np.empty(KC * NR, np.float32)
                tile = np.empty(NR * MR, np.float32)
                for rp in range(row_panels):
                    i0 = rp * NR
                    h = min(NR, m - i0)
                    for kk in range(kc):
                        for j in range(h):
                            wp[kk * NR + j] = a[i0 + j, pc + kk]
                        for j in range(h, NR):
                            wp[kk * NR + j] = 0
                    for cp in range(t * per, min(col_panels, t * per + per)):
                        j0 = jc + cp * MR
                        w = min(MR, jc + nc - j0)
                        uaddr = ub.ctypes.data + cp * kc * MR * 4
                        if h == NR and w == MR:
                            micro_tile(kc, uaddr, wp.ctypes.data, c[i0:, j0:].ctypes.data, n, acc)
                        else:
                            micro_tile(kc, uaddr, wp.ctypes.data, tile.ctypes.data, MR, False)
                            for j in range(h):
                                for i in range(w):
                                    if acc:
                                        c[i0 + j, j0 + i] += tile[j * MR + i]
                                    else:
                                        c[i0 + j, j0 + i] = tile[j * MR + i]


def matmul(a, b):
    c = np.empty((a.shape[0], b.shape[1]), np.float32)
    sgemm(a, b, c)
    return c


if __name__ == '__main__':
    rng = np.random.default_rng(0)
    for m, k, n in [
        (37, 70, 45),
        (1024, 1024, 1024),
        (1024, 256, 256),
        (256, 1024, 256),
        (1024, 256, 1024),
        (500, 1001, 333),
    ]:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        c = matmul(a, b)
        ref = a.astype(np.float64) @ b.astype(np.float64)
        err = np.abs(c - ref).max()
        err_np = np.abs(a @ b - ref).max()

        def q(f, n=7):
            f()
            ts = []
            for _ in range(n):
                t = time.perf_counter()
                f()
                ts.append(time.perf_counter() - t)
            return sorted(ts)[n // 2]

        tn, to = q(lambda: matmul(a, b)), q(lambda: a @ b)
        print(
            f'{m}x{k}x{n}: err {err:.2e} (numpy {err_np:.2e})  '
            f'ours {tn*1e3:.2f} ms {2*m*n*k/tn/1e9:.0f} GF/s  '
            f'numpy {to*1e3:.2f} ms {2*m*n*k/to/1e9:.0f} GF/s  ratio {tn/to:.2f}'
        )
