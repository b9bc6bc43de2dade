// common.cuh: what every kernel file shares. Included by each kernels/*.cu; the loader
// (microtorch/backends/cuda_kernels.py) pastes it in before NVRTC sees the file, so the
// file's text alone decides CuPy's cache key.
//
// Conventions of every kernel:
//   - element counts and offsets are 64-bit (`i64`); loops are grid-stride, so any grid
//     size is correct and the launcher picks one that fills the GPU;
//   - dtypes come from templates, instantiated by name (`sigmoid_backward<float>`);
//   - no standard headers: NVRTC compiles these without a host toolchain;
//   - valid C++14 (no `if constexpr`), whatever dialect NVRTC or nvcc defaults to.
#pragma once

typedef long long i64;

#define MT_FULL_MASK 0xffffffffu

// for (i64 i = first index of this thread; i < n; i += all threads of the grid)
#define MT_GRID_STRIDE(i, n)                                                   \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (i64)(n);    \
         i += (i64)blockDim.x * gridDim.x)

namespace mt {

// The grid-stride loop of the memory-bound kernels: each thread takes four elements per
// step (i, i + stride, ...; each of the four accesses is coalesced across the warp). With
// __restrict__ pointers the compiler issues the four loads before the first store (seen in
// the SASS for sm_90), so a thread keeps four times the bytes in flight of a plain loop:
// that is what lets scalar loads approach copy bandwidth without any alignment condition.
template <typename F> __device__ __forceinline__ void grid_stride_x4(i64 n, F f) {
    const i64 stride = (i64)blockDim.x * gridDim.x;
    i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    for (; i + 3 * stride < n; i += 4 * stride) {
        f(i);
        f(i + stride);
        f(i + 2 * stride);
        f(i + 3 * stride);
    }
    for (; i < n; i += stride) f(i);
}

// ---- math overloads: a template calls exp_(x) and gets expf or exp by type ------------
__device__ __forceinline__ float exp_(float x) { return expf(x); }
__device__ __forceinline__ double exp_(double x) { return exp(x); }
__device__ __forceinline__ float log_(float x) { return logf(x); }
__device__ __forceinline__ double log_(double x) { return log(x); }
__device__ __forceinline__ float log1p_(float x) { return log1pf(x); }
__device__ __forceinline__ double log1p_(double x) { return log1p(x); }
__device__ __forceinline__ float sqrt_(float x) { return sqrtf(x); }
__device__ __forceinline__ double sqrt_(double x) { return sqrt(x); }
__device__ __forceinline__ float sin_(float x) { return sinf(x); }
__device__ __forceinline__ double sin_(double x) { return sin(x); }
__device__ __forceinline__ float cos_(float x) { return cosf(x); }
__device__ __forceinline__ double cos_(double x) { return cos(x); }
__device__ __forceinline__ float tanh_(float x) { return tanhf(x); }
__device__ __forceinline__ double tanh_(double x) { return tanh(x); }
__device__ __forceinline__ float pow_(float x, float y) { return powf(x, y); }
__device__ __forceinline__ double pow_(double x, double y) { return pow(x, y); }
#define MT_MATH_PAIR(name)                                                                  \
    __device__ __forceinline__ float name##_(float x) { return name##f(x); }                \
    __device__ __forceinline__ double name##_(double x) { return name(x); }
MT_MATH_PAIR(expm1)
MT_MATH_PAIR(log2)
MT_MATH_PAIR(log10)
MT_MATH_PAIR(tan)
MT_MATH_PAIR(floor)
MT_MATH_PAIR(ceil)
MT_MATH_PAIR(trunc)
MT_MATH_PAIR(rint)
MT_MATH_PAIR(erf)
MT_MATH_PAIR(sinh)
MT_MATH_PAIR(cosh)
MT_MATH_PAIR(asin)
MT_MATH_PAIR(acos)
MT_MATH_PAIR(atan)
MT_MATH_PAIR(asinh)
MT_MATH_PAIR(acosh)
MT_MATH_PAIR(atanh)
MT_MATH_PAIR(exp2)
MT_MATH_PAIR(lgamma)
MT_MATH_PAIR(erfc)
MT_MATH_PAIR(erfinv)
MT_MATH_PAIR(erfcinv)
MT_MATH_PAIR(cyl_bessel_i0)
MT_MATH_PAIR(cyl_bessel_i1)
#undef MT_MATH_PAIR
__device__ __forceinline__ float atan2_(float y, float x) { return atan2f(y, x); }
__device__ __forceinline__ double atan2_(double y, double x) { return atan2(y, x); }
// sqrt(x^2 + y^2) scaled so that neither square overflows; inf if either is inf (even nan)
__device__ __forceinline__ float hypot_(float x, float y) { return hypotf(x, y); }
__device__ __forceinline__ double hypot_(double x, double y) { return hypot(x, y); }
__device__ __forceinline__ float copysign_(float x, float y) { return copysignf(x, y); }
__device__ __forceinline__ double copysign_(double x, double y) { return copysign(x, y); }
__device__ __forceinline__ float fabs_(float x) { return fabsf(x); }
__device__ __forceinline__ double fabs_(double x) { return fabs(x); }

template <typename T> __device__ __forceinline__ bool is_nan(T x) { return x != x; }
// x - x is 0 for finite x and NaN for +-inf and NaN (no fast-math: the compare is exact)
template <typename T> __device__ __forceinline__ bool is_finite(T x) { return x - x == T(0); }

// ---- limits: the identities of max and min ---------------------------------------------
template <typename T> struct Lim;
template <> struct Lim<float> {
    __device__ static float lowest() { return -__int_as_float(0x7f800000); }    // -inf
    __device__ static float highest() { return __int_as_float(0x7f800000); }    // +inf
};
template <> struct Lim<double> {
    __device__ static double lowest() { return -__longlong_as_double(0x7ff0000000000000LL); }
    __device__ static double highest() { return __longlong_as_double(0x7ff0000000000000LL); }
};
template <> struct Lim<int> {
    __device__ static int lowest() { return -2147483647 - 1; }
    __device__ static int highest() { return 2147483647; }
};
template <> struct Lim<long long> {
    __device__ static long long lowest() { return -9223372036854775807LL - 1; }
    __device__ static long long highest() { return 9223372036854775807LL; }
};
template <> struct Lim<bool> {
    __device__ static bool lowest() { return false; }
    __device__ static bool highest() { return true; }
};

// What a reduction over T accumulates in: bool has no shuffle, so it counts in int.
template <typename T> struct Acc { typedef T type; };
template <> struct Acc<bool> { typedef int type; };

// ---- warp and block reductions ---------------------------------------------------------
// shfl_xor for every accumulator type (pairs are shuffled field by field)
template <typename T> __device__ __forceinline__ T shfl_xor(T v, int lane_mask) {
    return __shfl_xor_sync(MT_FULL_MASK, v, lane_mask);
}

// Every lane of the warp gets the reduction of the 32 lanes' values.
template <typename T, typename Op>
__device__ __forceinline__ T warp_reduce(T v, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, shfl_xor(v, o));
    return v;
}

// Every thread of the block gets the reduction of all threads' values. All threads of the
// block must call it (it has barriers); blockDim.x is a multiple of 32, at most 1024.
template <typename T, typename Op>
__device__ T block_reduce(T v, Op op, T identity) {
    __shared__ T part[32];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int warps = blockDim.x >> 5;
    v = warp_reduce(v, op);
    __syncthreads();                    // a previous call may still be reading part[]
    if (lane == 0) part[warp] = v;
    __syncthreads();
    v = lane < warps ? part[lane] : identity;
    return warp_reduce(v, op);          // every warp reduces the partials: no third barrier
}

// A reduction over a group of threads: one warp (group == 32) or the whole block.
template <typename T, typename Op>
__device__ __forceinline__ T group_reduce(T v, Op op, T identity, int group) {
    return group == 32 ? warp_reduce(v, op) : block_reduce(v, op, identity);
}

// ---- operands of broadcasting ops (binary.cu, loss.cu) -----------------------------------
// An operand is contiguous (kind 0: p[i]), a number passed by value (1: s), one element
// (2: p[0]) or strided (3: p[off]). meta = [ndim, shape[ndim], strides of operand 0 [ndim],
// strides of operand 1 [ndim], ...] in elements, 0 on broadcast dims.
// Offsets of output element i in each of NOPS operands (meta as above). I is the index
// type: 32-bit when the output has < 2^31 elements (divisions are much cheaper), else 64.
template <int NOPS, typename I>
__device__ __forceinline__ void strided_offsets(I i, const i64* __restrict__ meta,
                                                i64* off) {
    const int nd = (int)meta[0];
#pragma unroll
    for (int k = 0; k < NOPS; ++k) off[k] = 0;
    for (int d = nd - 1; d >= 0; --d) {
        const I size = (I)meta[1 + d];
        const I q = i / size;
        const I r = i - q * size;
#pragma unroll
        for (int k = 0; k < NOPS; ++k) off[k] += (i64)r * meta[1 + nd * (k + 1) + d];
        i = q;
    }
}

template <typename T>
__device__ __forceinline__ T load(const T* __restrict__ p, int kind, T s, i64 i, i64 off) {
    return kind == 0 ? p[i] : kind == 1 ? s : kind == 2 ? p[0] : p[off];
}

// ---- online softmax (softmax.cu, loss.cu) ---------------------------------------------
// running (max, sum of exp(x - max)) of a softmax row
template <typename T> struct MaxSum {
    T m, s;
};
template <typename T>
__device__ __forceinline__ MaxSum<T> shfl_xor(MaxSum<T> a, int lane_mask) {
    MaxSum<T> b;
    b.m = shfl_xor(a.m, lane_mask);
    b.s = shfl_xor(a.s, lane_mask);
    return b;
}

template <typename T> __device__ __forceinline__ MaxSum<T> maxsum_identity() {
    MaxSum<T> a;
    a.m = Lim<T>::lowest();
    a.s = T(0);
    return a;
}

// add one element; -inf contributes nothing (and must not meet a -inf max: exp(nan))
template <typename T> __device__ __forceinline__ void maxsum_add(MaxSum<T>& a, T x) {
    if (x == Lim<T>::lowest()) return;
    if (x > a.m) {
        a.s = a.s * exp_(a.m - x) + T(1);
        a.m = x;
    } else {
        a.s += exp_(x - a.m);              // NaN x: s becomes NaN, as NumPy's result
    }
}

template <typename T> struct MaxSumOp {
    __device__ MaxSum<T> operator()(MaxSum<T> a, MaxSum<T> b) const {
        if (a.s == T(0)) return b;         // an empty side (or all -inf) adds nothing
        if (b.s == T(0)) return a;
        MaxSum<T> c;
        c.m = a.m > b.m ? a.m : b.m;
        c.s = a.s * exp_(a.m - c.m) + b.s * exp_(b.m - c.m);
        return c;
    }
};

}  // namespace mt
