// indexing.cu: gather along a dim and its backward (a scatter-add), and the backward of
// advanced indexing (x[int_tensor], x[mask]).
//
//   gather_forward(x, index, out, n, meta)    out[p] = x[p with p[dim] = index[p]]
//   gather_backward(g, index, out, n, meta)   out[p with p[dim] = index[p]] += g[p]
//   index_backward(pos, gy, out, n)           out.flat[pos[i]] += gy[i]
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
// plus the zeroing of `out` by the backend (sizeof(T) per element of out).
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
