// indexing.cu: gather along a dim and its backward (a scatter-add), the backward of
// advanced indexing (x[int_tensor], x[mask]), and the scatters along a dim (scatter,
// scatter_add, scatter_reduce; index_add/index_copy/index_fill go through them too).
//
//   gather_forward(x, index, out, n, meta)    out[p] = x[p with p[dim] = index[p]]
//   gather_backward(g, index, out, n, meta)   out[p with p[dim] = index[p]] += g[p]
//   index_backward(pos, gy, out, n)           out.flat[pos[i]] += gy[i]
//   scatter_forward(src, index, out, n, meta) out[p with p[dim] = index[p]] = src[p]
//   scatter_reduce_forward(src, index, out, n, meta, mode)
//                                             out[p with p[dim] = index[p]] op= src[p], op by
//                                             mode: 0 sum, 1 prod, 2 amax, 3 amin
// (The scatters' backwards are gathers: gather_forward and gather_backward above.)
// index, g, gy, pos and out are contiguous; x may be any strided view. Index values may be
// negative (counted from the end, as NumPy's take_along_axis). Repeated indices add up:
// the scatters use atomicAdd (float64 atomics need sm_60+; we build for sm_80 and newer),
// so the order of the additions - and the last bits of a sum - may vary between runs.
// meta = [ndim, dim, size of x (or out) along dim, index shape[ndim], x (or out) element
// strides[ndim]].
//
// Bytes moved per element of the index (T = float: 4 bytes, indices int64):
//   gather_forward    read index, read x (a gather), write out   8 + 2 * sizeof(T) (16 B)
//   gather_backward   read index, g, atomic add into out          8 + 2 * sizeof(T) (16 B)
//   index_backward    read pos, gy, atomic add into out           8 + 2 * sizeof(T) (16 B)
//   scatter_forward   read index, src, write out (a scatter)     8 + 2 * sizeof(T) (16 B)
//   scatter_reduce_forward  read index, src, a compare-and-swap loop on out: 16 B, more
//                     when threads contend for one destination
// plus the zeroing (gathers) or copy (scatters) of `out` by the backend (sizeof(T) or
// 2 * sizeof(T) per element of out). Where several sources hit one destination, scatter
// keeps one of them (which one is not defined, as in PyTorch on CUDA); the reductions
// combine all of them, in an order that may vary (float sums and products may differ in
// their last bits between runs). amax/amin propagate NaN.
#include "common.cuh"

namespace mt {
// offset in x (or out) of index element i, whose own value (the position along dim) is k
__device__ __forceinline__ i64 along_dim_offset(i64 i, i64 k, const i64* __restrict__ meta) {
    const int nd = (int)meta[0];
    const int dim = (int)meta[1];
    const i64 dim_size = meta[2];
    if (k < 0) k += dim_size;
    i64 off = 0;
    for (int d = nd - 1; d >= 0; --d) {
        const i64 size = meta[3 + d];
        const i64 q = i / size;
        const i64 pos = d == dim ? k : i - q * size;
        off += pos * meta[3 + nd + d];
        i = q;
    }
    return off;
}

// A value's bits as the unsigned word atomicCAS swaps, and back.
template <typename T> struct Bits;
template <> struct Bits<float> {
    typedef unsigned int U;
    __device__ static U of(float v) { return __float_as_uint(v); }
    __device__ static float value(U u) { return __uint_as_float(u); }
};
template <> struct Bits<double> {
    typedef unsigned long long U;
    __device__ static U of(double v) { return (U)__double_as_longlong(v); }
    __device__ static double value(U u) { return __longlong_as_double((long long)u); }
};
template <> struct Bits<int> {
    typedef unsigned int U;
    __device__ static U of(int v) { return (U)v; }
    __device__ static int value(U u) { return (int)u; }
};
template <> struct Bits<long long> {
    typedef unsigned long long U;
    __device__ static U of(long long v) { return (U)v; }
    __device__ static long long value(U u) { return (long long)u; }
};

// a op b for scatter_reduce's modes (0 sum, 1 prod, 2 amax, 3 amin); NaN wins amax/amin
template <typename T> __device__ __forceinline__ T combine(T a, T b, int mode) {
    if (mode == 0) return a + b;
    if (mode == 1) return a * b;
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    if (mode == 2) return a < b ? b : a;
    return b < a ? b : a;
}

// *address = combine(*address, v), atomically: retry until no other thread wrote between
// our read and our swap. An unchanged value needs no write (max of a smaller v, sum of 0).
template <typename T> __device__ __forceinline__ void atomic_combine(T* address, T v,
                                                                     int mode) {
    typedef typename Bits<T>::U U;
    U* word = reinterpret_cast<U*>(address);
    U seen = *word;
    while (true) {
        const U wanted = Bits<T>::of(combine(Bits<T>::value(seen), v, mode));
        if (wanted == seen) return;
        const U before = atomicCAS(word, seen, wanted);
        if (before == seen) return;
        seen = before;
    }
}
}  // namespace mt

template <typename T>
__global__ void gather_forward(const T* __restrict__ x, const i64* __restrict__ index,
                               T* __restrict__ out, i64 n, const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) out[i] = x[mt::along_dim_offset(i, index[i], meta)];
}

template <typename T>
__global__ void gather_backward(const T* __restrict__ g, const i64* __restrict__ index,
                                T* __restrict__ out, i64 n, const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) atomicAdd(out + mt::along_dim_offset(i, index[i], meta), g[i]);
}

template <typename T>
__global__ void index_backward(const i64* __restrict__ pos, const T* __restrict__ gy,
                               T* __restrict__ out, i64 n) {
    MT_GRID_STRIDE(i, n) atomicAdd(out + pos[i], gy[i]);
}

template <typename T>
__global__ void scatter_forward(const T* __restrict__ src, const i64* __restrict__ index,
                                T* __restrict__ out, i64 n, const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) out[mt::along_dim_offset(i, index[i], meta)] = src[i];
}

template <typename T>
__global__ void scatter_reduce_forward(const T* __restrict__ src,
                                       const i64* __restrict__ index, T* __restrict__ out,
                                       i64 n, const i64* __restrict__ meta, int mode) {
    MT_GRID_STRIDE(i, n) mt::atomic_combine(out + mt::along_dim_offset(i, index[i], meta),
                                            src[i], mode);
}
