// softmax.cu: softmax and log_softmax over one dim, forward and fused backward.
//
//   softmax_forward      y = exp(x - m) / s          m = max(x), s = sum(exp(x - m))
//   log_softmax_forward  y = (x - m) - log(s)
//   softmax_backward     gx = y * (gy - sum(y * gy))
//   log_softmax_backward gx = gy - exp(y) * sum(gy)
// The input is viewed as contiguous [outer, n, inner] and the dim is the middle one. With
// inner == 1 a group (one warp, or the block for long rows) takes a row; else one thread
// takes a column (o, j) and walks it with stride `inner` (coalesced across threads).
// m and s come from one pass ("online" softmax: the running sum is rescaled whenever the
// running max grows), so the forward reads x twice, not three times.
// acc != 0 adds into gx instead of overwriting it.
//
// Bytes moved per element (T = float: 4 bytes):
//   softmax_forward, log_softmax_forward   read x twice, write y        3 * sizeof(T) (12 B)
//   softmax_backward                       read y, gy twice, write gx   5 * sizeof(T) (20 B)
//   log_softmax_backward                   read gy, then y and gy, write 4 * sizeof(T) (16 B)
// A row that fits in L1/L2 is read from cache the second time, so DRAM sees ~2/3 of these.
#include "common.cuh"

namespace mt {

template <typename T> struct SumOp {
    __device__ T operator()(T a, T b) const { return a + b; }
};

template <typename T>
__device__ __forceinline__ void put(T* __restrict__ out, i64 i, T v, int acc) {
    out[i] = acc ? T(out[i] + v) : v;
}

// The rows handled by this thread's group, and the thread's lane in it.
struct Rows {
    i64 first, stride;
    int lane, group;
    __device__ Rows(int g) : group(g) {
        const int warps = blockDim.x >> 5;
        lane = g == 32 ? (int)(threadIdx.x & 31) : (int)threadIdx.x;
        first = g == 32 ? (i64)blockIdx.x * warps + (threadIdx.x >> 5) : (i64)blockIdx.x;
        stride = g == 32 ? (i64)gridDim.x * warps : (i64)gridDim.x;
    }
};

template <typename T, bool LOG>
__device__ void softmax_fwd(const T* __restrict__ x, T* __restrict__ y, i64 outer, i64 n,
                            i64 inner, int group) {
    if (inner == 1) {
        const Rows rows(group);
        for (i64 r = rows.first; r < outer; r += rows.stride) {
            const T* xr = x + r * n;
            T* yr = y + r * n;
            MaxSum<T> a = maxsum_identity<T>();
            for (i64 k = rows.lane; k < n; k += group) maxsum_add(a, xr[k]);
            a = group_reduce(a, MaxSumOp<T>(), maxsum_identity<T>(), group);
            const T logs = log_(a.s);
            for (i64 k = rows.lane; k < n; k += group)
                yr[k] = LOG ? T(xr[k] - a.m - logs) : T(exp_(xr[k] - a.m) / a.s);
        }
    } else {
        MT_GRID_STRIDE(p, outer * inner) {
            const i64 o = p / inner, j = p - o * inner;
            const T* xc = x + o * n * inner + j;
            T* yc = y + o * n * inner + j;
            MaxSum<T> a = maxsum_identity<T>();
            for (i64 k = 0; k < n; ++k) maxsum_add(a, xc[k * inner]);
            const T logs = log_(a.s);
            for (i64 k = 0; k < n; ++k) {
                const T v = xc[k * inner];
                yc[k * inner] = LOG ? T(v - a.m - logs) : T(exp_(v - a.m) / a.s);
            }
        }
    }
}

// softmax: gx = y (gy - sum(y gy));  log_softmax: gx = gy - exp(y) sum(gy)
template <typename T, bool LOG>
__device__ void softmax_bwd(const T* __restrict__ y, const T* __restrict__ gy,
                            T* __restrict__ gx, i64 outer, i64 n, i64 inner, int group,
                            int acc) {
    if (inner == 1) {
        const Rows rows(group);
        for (i64 r = rows.first; r < outer; r += rows.stride) {
            const i64 base = r * n;
            T dot = T(0);
            for (i64 k = rows.lane; k < n; k += group)
                dot += LOG ? gy[base + k] : T(y[base + k] * gy[base + k]);
            dot = group_reduce(dot, SumOp<T>(), T(0), group);
            for (i64 k = rows.lane; k < n; k += group) {
                const T v = y[base + k], g = gy[base + k];
                put(gx, base + k, LOG ? T(g - exp_(v) * dot) : T(v * (g - dot)), acc);
            }
        }
    } else {
        MT_GRID_STRIDE(p, outer * inner) {
            const i64 o = p / inner, j = p - o * inner;
            const i64 base = o * n * inner + j;
            T dot = T(0);
            for (i64 k = 0; k < n; ++k) {
                const i64 q = base + k * inner;
                dot += LOG ? gy[q] : T(y[q] * gy[q]);
            }
            for (i64 k = 0; k < n; ++k) {
                const i64 q = base + k * inner;
                const T v = y[q], g = gy[q];
                put(gx, q, LOG ? T(g - exp_(v) * dot) : T(v * (g - dot)), acc);
            }
        }
    }
}
}  // namespace mt

template <typename T>
__global__ void softmax_forward(const T* __restrict__ x, T* __restrict__ y, i64 outer, i64 n,
                                i64 inner, int group) {
    mt::softmax_fwd<T, false>(x, y, outer, n, inner, group);
}

template <typename T>
__global__ void log_softmax_forward(const T* __restrict__ x, T* __restrict__ y, i64 outer,
                                    i64 n, i64 inner, int group) {
    mt::softmax_fwd<T, true>(x, y, outer, n, inner, group);
}

template <typename T>
__global__ void softmax_backward(const T* __restrict__ y, const T* __restrict__ gy,
                                 T* __restrict__ gx, i64 outer, i64 n, i64 inner, int group,
                                 int acc) {
    mt::softmax_bwd<T, false>(y, gy, gx, outer, n, inner, group, acc);
}

template <typename T>
__global__ void log_softmax_backward(const T* __restrict__ y, const T* __restrict__ gy,
                                     T* __restrict__ gx, i64 outer, i64 n, i64 inner,
                                     int group, int acc) {
    mt::softmax_bwd<T, true>(y, gy, gx, outer, n, inner, group, acc);
}
