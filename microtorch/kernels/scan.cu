// scan.cu: cumulative sums along one dim, cumsum_forward / cumsum_backward.
//
// The backend views the input as contiguous [outer, n, inner] and scans the middle dim.
//   cumsum_forward   y[k] = x[0] + ... + x[k]
//   cumsum_backward  gx[k] = gy[k] + ... + gy[n - 1]   (the same scan, run from the end)
// Two layouts, as in reduction.cu:
//   inner == 1  a block per row, in tiles of blockDim.x elements: a shared-memory scan of
//               each tile (log2(blockDim.x) steps), plus the carry of the tiles before it;
//               reads and writes are coalesced;
//   inner > 1   one thread per (o, j), walking the row with stride `inner` (coalesced
//               across neighbouring threads).
// A single very long row gets a single block: the scan is then bound by one SM, not by
// memory (a multi-block scan with a pass over block totals would lift that).
//
// Bytes moved per element: read one, write one, 2 * sizeof(T) (8 B in float32).
#include "common.cuh"

namespace mt {
template <typename T, bool REVERSE>
__device__ void scan_rows(const T* __restrict__ x, T* __restrict__ y, i64 outer, i64 n,
                          i64 inner) {
    if (inner == 1) {
        __shared__ double storage[256];              // room for any T (blockDim.x <= 256)
        T* buf = reinterpret_cast<T*>(storage);
        const int t = (int)threadIdx.x, width = (int)blockDim.x;
        for (i64 row = blockIdx.x; row < outer; row += gridDim.x) {   // uniform per block
            const T* xr = x + row * n;
            T* yr = y + row * n;
            T carry = T(0);
            for (i64 base = 0; base < n; base += width) {
                const i64 k = base + t, at = REVERSE ? n - 1 - k : k;
                buf[t] = k < n ? xr[at] : T(0);
                __syncthreads();
                for (int offset = 1; offset < width; offset <<= 1) {     // Hillis-Steele
                    const T add = t >= offset ? buf[t - offset] : T(0);
                    __syncthreads();
                    buf[t] += add;
                    __syncthreads();
                }
                if (k < n) yr[at] = T(carry + buf[t]);
                carry += buf[width - 1];
                __syncthreads();                     // every thread read buf: next tile
            }
        }
    } else {
        MT_GRID_STRIDE(p, outer * inner) {
            const i64 j = p % inner, o = p / inner;
            T acc = T(0);
            for (i64 k = 0; k < n; ++k) {
                const i64 q = (o * n + (REVERSE ? n - 1 - k : k)) * inner + j;
                acc += x[q];
                y[q] = acc;
            }
        }
    }
}
}  // namespace mt

template <typename T>
__global__ void cumsum_forward(const T* __restrict__ x, T* __restrict__ y, i64 outer, i64 n,
                               i64 inner) {
    mt::scan_rows<T, false>(x, y, outer, n, inner);
}
template <typename T>
__global__ void cumsum_backward(const T* __restrict__ gy, T* __restrict__ gx, i64 outer,
                                i64 n, i64 inner) {
    mt::scan_rows<T, true>(gy, gx, outer, n, inner);
}
