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
//   windows_forward(x, out, n, meta)          out = the sliding windows of x (N, C, D, H, W):
//                                             (N, C, oD, oH, oW, kD, kH, kW), or (N, oD, oH,
//                                             oW, C, kD, kH, kW) (convolution's matmul rows)
//   windows_backward(g, out, n, meta)         out (x's shape) = each window's g added back, a
//                                             thread per element of out summing the windows
//                                             that read it: no atomics, and the additions in
//                                             the CPU's (np.add.at's) order
//   max_pool_forward(x, out, index, n, meta)  out, index = each window's max and its place
//                                             in x's (N, C) plane, as PyTorch's CPU kernel
//                                             picks it (first of equal maxima, last NaN)
//   max_pool_backward(gy, index, out, n, plane)  out[plane of i][index[i]] += gy[i]
//   avg_pool_forward(x, factors, out, n, meta)   out = each window's sum / its factor, the
//                                             sum from 0 in row-major order (PyTorch's CPU's)
//   avg_pool_backward(gy, factors, out, n, meta) out (x's shape) = gy / factor summed over
//                                             the windows holding each element, a thread an
//                                             element, in the windows' order (the CPU's bits)
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
//   windows_forward   per element of out: write out, read x (each element of x read once a
//                     window that holds it, mostly from cache): 2 * sizeof(T) (8 B)
//   windows_backward  per element of g: read g (out written once an element of x): 4 B plus
//                     4 B per element of x
//   max_pool_forward  per output: write out and index, 4 + 8 B, plus each element of x read
//                     once (4 B; the windows that share it read it from cache)
//   max_pool_backward per output: read index and gy, an atomic add into out: 12 B, plus
//                     the zeroing of out (4 B an element of x); overlapping windows that
//                     picked one element add in any order
//   avg_pool_forward  per output: write out (4 B), its factor from cache, plus each element
//                     of x read once (4 B)
//   avg_pool_backward per element of x: write out (4 B), plus each gy read once (4 B)
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

// Windows meta: [0] channels_inside, [1..5] x's sizes (N, C, D, H, W), [6..8] window counts
// (oD, oH, oW), [9..11] kernel, [12..14] strides, [15..17] dilations, [18..22] x's element
// strides (windows_forward; windows_backward's out is contiguous).
__device__ __forceinline__ i64 window_source(i64 i, const i64* __restrict__ meta) {
    i64 tap[3], pos[3];
    for (int d = 2; d >= 0; --d) {
        tap[d] = i % meta[9 + d];
        i /= meta[9 + d];
    }
    i64 c = 0;
    if (meta[0]) {
        c = i % meta[2];
        i /= meta[2];
    }
    for (int d = 2; d >= 0; --d) {
        pos[d] = i % meta[6 + d];
        i /= meta[6 + d];
    }
    if (!meta[0]) {
        c = i % meta[2];
        i /= meta[2];
    }
    i64 off = i * meta[18] + c * meta[19];
    for (int d = 0; d < 3; ++d)
        off += (pos[d] * meta[12 + d] + tap[d] * meta[15 + d]) * meta[20 + d];
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

template <typename T>
__global__ void windows_forward(const T* __restrict__ x, T* __restrict__ out, i64 n,
                                const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) out[i] = x[mt::window_source(i, meta)];
}

// Element (n, c, z) of x is read by tap t of the window at p wherever p * s + t * dil = z.
// np.add.at adds those in the order of the windows' elements, (p, t) row-major; p falls as
// t rises, so that is each tap dim from its last value down.
template <typename T>
__global__ void windows_backward(const T* __restrict__ g, T* __restrict__ out, i64 n,
                                 const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) {
        i64 z[3], rest = i;
        for (int d = 2; d >= 0; --d) {
            z[d] = rest % meta[3 + d];
            rest /= meta[3 + d];
        }
        const i64 c = rest % meta[2], b = rest / meta[2];
        const i64 o0 = meta[6], o1 = meta[7], o2 = meta[8];
        const i64 k0 = meta[9], k1 = meta[10], k2 = meta[11];
        T acc = T(0);
        for (i64 t0 = k0 - 1; t0 >= 0; --t0) {
            const i64 r0 = z[0] - t0 * meta[15];
            if (r0 < 0 || r0 % meta[12] || r0 / meta[12] >= o0) continue;
            for (i64 t1 = k1 - 1; t1 >= 0; --t1) {
                const i64 r1 = z[1] - t1 * meta[16];
                if (r1 < 0 || r1 % meta[13] || r1 / meta[13] >= o1) continue;
                for (i64 t2 = k2 - 1; t2 >= 0; --t2) {
                    const i64 r2 = z[2] - t2 * meta[17];
                    if (r2 < 0 || r2 % meta[14] || r2 / meta[14] >= o2) continue;
                    const i64 p0 = r0 / meta[12], p1 = r1 / meta[13], p2 = r2 / meta[14];
                    const i64 taps = (t0 * k1 + t1) * k2 + t2;
                    const i64 place = (p0 * o1 + p1) * o2 + p2;
                    const i64 at = meta[0]
                        ? ((b * o0 * o1 * o2 + place) * meta[2] + c) * k0 * k1 * k2 + taps
                        : ((b * meta[2] + c) * o0 * o1 * o2 + place) * k0 * k1 * k2 + taps;
                    acc += g[at];
                }
            }
        }
        out[i] = acc;
    }
}


// Max pooling meta: [0..4] x's sizes (N, C, D, H, W), [5..7] outputs a dim (oD, oH, oW),
// [8..10] kernel, [11..13] strides, [14..16] padding, [17..19] dilations (x contiguous).
// A window is clipped to the input: it starts at its first element inside, from the lowest
// value, and takes an element larger than the best so far, or NaN.
namespace mt {
// output i's place in its plane, o (3 dims; meta[5..7] the outputs a dim), and its plane
__device__ __forceinline__ i64 pool_output(i64 i, const i64* __restrict__ meta, i64* o) {
    for (int d = 2; d >= 0; --d) {
        o[d] = i % meta[5 + d];
        i /= meta[5 + d];
    }
    return i;
}

__device__ __forceinline__ i64 pool_first(i64 o, const i64* __restrict__ meta, int d) {
    i64 first = o * meta[11 + d] - meta[14 + d];
    while (first < 0) first += meta[17 + d];
    return first;
}

__device__ __forceinline__ i64 pool_end(i64 o, const i64* __restrict__ meta, int d) {
    const i64 end = o * meta[11 + d] - meta[14 + d] + (meta[8 + d] - 1) * meta[17 + d] + 1;
    return end < meta[2 + d] ? end : meta[2 + d];
}
}  // namespace mt

template <typename T>
__global__ void max_pool_forward(const T* __restrict__ x, T* __restrict__ out,
                                 i64* __restrict__ index, i64 n, const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) {
        i64 o[3];
        const i64 height = meta[3], width = meta[4];
        const T* plane = x + mt::pool_output(i, meta, o) * meta[2] * height * width;
        const i64 z0 = mt::pool_first(o[0], meta, 0), z1 = mt::pool_end(o[0], meta, 0);
        const i64 y0 = mt::pool_first(o[1], meta, 1), y1 = mt::pool_end(o[1], meta, 1);
        const i64 x0 = mt::pool_first(o[2], meta, 2), x1 = mt::pool_end(o[2], meta, 2);
        T best = mt::Lim<T>::lowest();
        i64 at = (z0 * height + y0) * width + x0;
        for (i64 z = z0; z < z1; z += meta[17])
            for (i64 y = y0; y < y1; y += meta[18])
                for (i64 w = x0; w < x1; w += meta[19]) {
                    const i64 k = (z * height + y) * width + w;
                    const T v = plane[k];
                    if (v > best || mt::is_nan(v)) {
                        best = v;
                        at = k;
                    }
                }
        out[i] = best;
        index[i] = at;
    }
}

// out (x's shape) comes zeroed; i runs over the outputs, `outputs` of them a plane
template <typename T>
__global__ void max_pool_backward(const T* __restrict__ gy, const i64* __restrict__ index,
                                  T* __restrict__ out, i64 n, i64 outputs, i64 plane) {
    MT_GRID_STRIDE(i, n) atomicAdd(out + i / outputs * plane + index[i], gy[i]);
}


// Average pooling meta: [0..4] x's sizes (N, C, D, H, W), [5..7] outputs a dim, [8..10]
// kernel, [11..13] strides, [14..16] padding (x and gy contiguous); factors (oD, oH, oW).
namespace mt {
__device__ __forceinline__ void avg_span(i64 o, const i64* __restrict__ meta, int d,
                                         i64* first, i64* end) {
    const i64 start = o * meta[11 + d] - meta[14 + d];
    const i64 stop = start + meta[8 + d];
    *first = start < 0 ? 0 : start;
    *end = stop < meta[2 + d] ? stop : meta[2 + d];
}
}  // namespace mt

template <typename T>
__global__ void avg_pool_forward(const T* __restrict__ x, const T* __restrict__ factors,
                                 T* __restrict__ out, i64 n, const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) {
        i64 o[3];
        const i64 height = meta[3], width = meta[4];
        const T* plane = x + mt::pool_output(i, meta, o) * meta[2] * height * width;
        i64 z0, z1, y0, y1, x0, x1;
        mt::avg_span(o[0], meta, 0, &z0, &z1);
        mt::avg_span(o[1], meta, 1, &y0, &y1);
        mt::avg_span(o[2], meta, 2, &x0, &x1);
        T total = T(0);
        for (i64 z = z0; z < z1; ++z)
            for (i64 y = y0; y < y1; ++y)
                for (i64 w = x0; w < x1; ++w) total += plane[(z * height + y) * width + w];
        out[i] = total / factors[(o[0] * meta[6] + o[1]) * meta[7] + o[2]];
    }
}

// Element z of x is in the window at o along a dim when o * s - p <= z < o * s - p + k: the
// windows from the first such o up, in row-major order, as the CPU's loop adds them.
template <typename T>
__global__ void avg_pool_backward(const T* __restrict__ gy, const T* __restrict__ factors,
                                  T* __restrict__ out, i64 n, const i64* __restrict__ meta) {
    MT_GRID_STRIDE(i, n) {
        i64 z[3], lo[3], hi[3], rest = i;
        for (int d = 2; d >= 0; --d) {
            z[d] = rest % meta[2 + d];
            rest /= meta[2 + d];
        }
        for (int d = 0; d < 3; ++d) {       // o * s - p <= z and o * s - p + k > z
            const i64 s = meta[11 + d], shifted = z[d] + meta[14 + d];
            const i64 above = shifted - meta[8 + d] + 1;      // o * s >= above
            lo[d] = above <= 0 ? 0 : (above + s - 1) / s;
            const i64 top = shifted / s;                      // o * s <= shifted
            hi[d] = top < meta[5 + d] - 1 ? top : meta[5 + d] - 1;
        }
        const i64 outputs = meta[5] * meta[6] * meta[7];
        const T* g = gy + rest * outputs;
        T acc = T(0);
        for (i64 a = lo[0]; a <= hi[0]; ++a)
            for (i64 b = lo[1]; b <= hi[1]; ++b)
                for (i64 e = lo[2]; e <= hi[2]; ++e) {
                    const i64 place = (a * meta[6] + b) * meta[7] + e;
                    acc += g[place] / factors[place];
                }
        out[i] = acc;
    }
}
