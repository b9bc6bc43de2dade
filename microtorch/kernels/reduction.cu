// reduction.cu: sum, prod, var, max, min, argmax, argmin and logsumexp over one run of dims.
//
// The backend views the input as contiguous [outer, n, inner] and reduces the middle dim;
// the output is [outer, inner] (row r = o * inner + j). Two layouts:
//   inner == 1  a group of threads per row: one warp (group 32, rows up to ~1024 long) or
//               the whole block (group = blockDim.x), lanes striding along the row;
//   inner > 1   one thread per (o, j), walking the row with stride `inner`: neighbouring
//               threads read neighbouring addresses, so the walk is coalesced.
// A long row with too few rows to fill the GPU is cut into `chunk`-sized pieces: the first
// pass (`first` = 1) writes one partial per piece, laid out [outer, chunks, inner], and a
// second launch of the same kernel reduces those (`first` = 0: read partials). `finish`
// = 1 on the last pass turns the accumulator into the result (scale, log, index).
//
// Bytes moved per input element: read x once, sizeof(T) (4 B in float32); the output and
// partials are a vanishing fraction. var reads x twice (mean first, then squared
// deviations: 2 * sizeof(T)); logsumexp likewise (max, then the sum of exps).
#include "common.cuh"

namespace mt {

// ---- reducers: what is accumulated, how it combines, what is stored ------------------
template <typename T> struct SumR {               // sum_forward: acc * scale
    typedef typename Acc<T>::type acc;
    T scale;
    __device__ acc identity() const { return acc(0); }
    __device__ acc load(T x, i64, i64) const { return acc(x); }
    __device__ acc partial(const T* x, const i64*, i64 p) const { return acc(x[p]); }
    __device__ acc combine(acc a, acc b) const { return a + b; }
    __device__ void store(T* out, i64*, i64 p, acc a, i64, int finish) const {
        out[p] = finish ? T(a * scale) : T(a);
    }
};

template <typename T> struct ProdR {              // prod_forward
    typedef typename Acc<T>::type acc;
    __device__ acc identity() const { return acc(1); }
    __device__ acc load(T x, i64, i64) const { return acc(x); }
    __device__ acc partial(const T* x, const i64*, i64 p) const { return acc(x[p]); }
    __device__ acc combine(acc a, acc b) const { return a * b; }
    __device__ void store(T* out, i64*, i64 p, acc a, i64, int) const { out[p] = T(a); }
};

template <typename T> struct VarR {               // sum of (x - mean[row])^2, then * scale
    typedef T acc;
    T scale;
    const T* mean;
    __device__ acc identity() const { return T(0); }
    __device__ acc load(T x, i64, i64 row) const {
        const T d = x - mean[row];
        return d * d;
    }
    __device__ acc partial(const T* x, const i64*, i64 p) const { return x[p]; }
    __device__ acc combine(acc a, acc b) const { return a + b; }
    __device__ void store(T* out, i64*, i64 p, acc a, i64, int finish) const {
        out[p] = finish ? T(a * scale) : a;
    }
};

template <typename T, bool IS_MAX> struct ExtremeR {       // max_forward / min_forward
    typedef typename Acc<T>::type acc;
    __device__ acc identity() const {
        return IS_MAX ? acc(Lim<T>::lowest()) : acc(Lim<T>::highest());
    }
    __device__ acc load(T x, i64, i64) const { return acc(x); }
    __device__ acc partial(const T* x, const i64*, i64 p) const { return acc(x[p]); }
    __device__ acc combine(acc a, acc b) const {            // NaN wins, as in NumPy
        if (IS_MAX) return (a > b || a != a) ? a : b;
        return (a < b || a != a) ? a : b;
    }
    __device__ void store(T* out, i64*, i64 p, acc a, i64, int) const { out[p] = T(a); }
};

template <typename T> struct LseR {      // sum of exp(x - shift), then log(sum) + shift
    typedef T acc;
    const T* m;                          // the row max; shift = m where finite, else 0
    __device__ T shift(i64 row) const {
        const T v = m[row];
        return is_finite(v) ? v : T(0);
    }
    __device__ acc identity() const { return T(0); }
    __device__ acc load(T x, i64, i64 row) const { return exp_(x - shift(row)); }
    __device__ acc partial(const T* x, const i64*, i64 p) const { return x[p]; }
    __device__ acc combine(acc a, acc b) const { return a + b; }
    __device__ void store(T* out, i64*, i64 p, acc a, i64 row, int finish) const {
        out[p] = finish ? T(log_(a) + shift(row)) : a;
    }
};

// (value, index) for argmax / argmin: the first NaN wins, then the extreme value, and among
// equal values the first index (NumPy's rule)
template <typename V> struct ArgPair {
    V v;
    i64 i;
};
template <typename V>
__device__ __forceinline__ ArgPair<V> shfl_xor(ArgPair<V> p, int lane_mask) {
    ArgPair<V> q;
    q.v = shfl_xor(p.v, lane_mask);
    q.i = shfl_xor(p.i, lane_mask);
    return q;
}

template <typename T, bool IS_MAX> struct ArgR {
    typedef ArgPair<typename Acc<T>::type> acc;
    __device__ acc identity() const {
        acc a;
        a.v = IS_MAX ? Lim<T>::lowest() : Lim<T>::highest();
        a.i = Lim<long long>::highest();
        return a;
    }
    __device__ acc load(T x, i64 k, i64) const {
        acc a;
        a.v = x;
        a.i = k;
        return a;
    }
    __device__ acc partial(const T* x, const i64* xi, i64 p) const {
        acc a;
        a.v = x[p];
        a.i = xi[p];
        return a;
    }
    __device__ acc combine(acc a, acc b) const {
        const bool a_nan = a.v != a.v, b_nan = b.v != b.v;
        if (a_nan || b_nan) {
            if (a_nan && b_nan) return a.i <= b.i ? a : b;
            return a_nan ? a : b;
        }
        const bool b_better = IS_MAX ? b.v > a.v : b.v < a.v;
        return (b_better || (b.v == a.v && b.i < a.i)) ? b : a;
    }
    __device__ void store(T* out, i64* out_i, i64 p, acc a, i64, int finish) const {
        if (!finish) out[p] = T(a.v);
        out_i[p] = a.i;
    }
};

template <typename R> struct Combine {
    const R* r;
    __device__ typename R::acc operator()(typename R::acc a, typename R::acc b) const {
        return r->combine(a, b);
    }
};

// ---- the driver shared by every reduction kernel ----------------------------------------
template <typename T, typename R>
__device__ void reduce_rows(const T* __restrict__ x, const i64* __restrict__ xi,
                            T* __restrict__ out, i64* __restrict__ out_i, i64 outer, i64 n,
                            i64 inner, i64 chunk, int group, int first, int finish,
                            const R& r) {
    typedef typename R::acc A;
    const i64 chunks = (n + chunk - 1) / chunk;
    Combine<R> comb;
    comb.r = &r;
    if (inner == 1) {
        const i64 units = outer * chunks;
        const int warps = blockDim.x >> 5;
        const int lane = group == 32 ? (int)(threadIdx.x & 31) : (int)threadIdx.x;
        const i64 first_unit = group == 32 ? (i64)blockIdx.x * warps + (threadIdx.x >> 5)
                                           : (i64)blockIdx.x;
        const i64 stride = group == 32 ? (i64)gridDim.x * warps : (i64)gridDim.x;
        // the bound is the same for every thread of a group: barriers stay uniform
        for (i64 u = first_unit; u < units; u += stride) {
            const i64 row = u / chunks, c = u - row * chunks;
            const i64 begin = c * chunk;
            const i64 end = begin + chunk < n ? begin + chunk : n;
            A acc = r.identity();
            for (i64 k = begin + lane; k < end; k += group) {
                const i64 p = row * n + k;
                acc = r.combine(acc, first ? r.load(x[p], k, row) : r.partial(x, xi, p));
            }
            acc = group_reduce(acc, comb, r.identity(), group);
            if (lane == 0) r.store(out, out_i, u, acc, row, finish);
        }
    } else {
        const i64 units = outer * chunks * inner;
        MT_GRID_STRIDE(p, units) {
            const i64 j = p % inner, t = p / inner;
            const i64 c = t % chunks, o = t / chunks;
            const i64 row = o * inner + j;
            const i64 begin = c * chunk;
            const i64 end = begin + chunk < n ? begin + chunk : n;
            A acc = r.identity();
            for (i64 k = begin; k < end; ++k) {
                const i64 q = (o * n + k) * inner + j;
                acc = r.combine(acc, first ? r.load(x[q], k, row) : r.partial(x, xi, q));
            }
            r.store(out, out_i, p, acc, row, finish);
        }
    }
}
}  // namespace mt

#define MT_REDUCE_ARGS \
    i64 outer, i64 n, i64 inner, i64 chunk, int group, int first, int finish

template <typename T>
__global__ void sum_forward(const T* __restrict__ x, T* __restrict__ out, MT_REDUCE_ARGS,
                            T scale) {
    mt::SumR<T> r;
    r.scale = scale;
    mt::reduce_rows(x, (const i64*)0, out, (i64*)0, outer, n, inner, chunk, group, first,
                    finish, r);
}

template <typename T>
__global__ void prod_forward(const T* __restrict__ x, T* __restrict__ out, MT_REDUCE_ARGS) {
    mt::ProdR<T> r;
    mt::reduce_rows(x, (const i64*)0, out, (i64*)0, outer, n, inner, chunk, group, first,
                    finish, r);
}
// mean: [outer, inner], the rows' means (sum_forward with scale 1/n)
template <typename T>
__global__ void var_forward(const T* __restrict__ x, T* __restrict__ out, MT_REDUCE_ARGS,
                            T scale, const T* __restrict__ mean) {
    mt::VarR<T> r;
    r.scale = scale;
    r.mean = mean;
    mt::reduce_rows(x, (const i64*)0, out, (i64*)0, outer, n, inner, chunk, group, first,
                    finish, r);
}

template <typename T>
__global__ void max_forward(const T* __restrict__ x, T* __restrict__ out, MT_REDUCE_ARGS) {
    mt::ExtremeR<T, true> r;
    mt::reduce_rows(x, (const i64*)0, out, (i64*)0, outer, n, inner, chunk, group, first,
                    finish, r);
}

template <typename T>
__global__ void min_forward(const T* __restrict__ x, T* __restrict__ out, MT_REDUCE_ARGS) {
    mt::ExtremeR<T, false> r;
    mt::reduce_rows(x, (const i64*)0, out, (i64*)0, outer, n, inner, chunk, group, first,
                    finish, r);
}

// m: [outer, inner], the rows' max (max_forward)
template <typename T>
__global__ void logsumexp_forward(const T* __restrict__ x, T* __restrict__ out,
                                  MT_REDUCE_ARGS, const T* __restrict__ m) {
    mt::LseR<T> r;
    r.m = m;
    mt::reduce_rows(x, (const i64*)0, out, (i64*)0, outer, n, inner, chunk, group, first,
                    finish, r);
}

// xi: the partial indices (first = 0); out: partial values; out_i: indices (int64)
template <typename T>
__global__ void argmax_forward(const T* __restrict__ x, const i64* __restrict__ xi,
                               T* __restrict__ out, i64* __restrict__ out_i,
                               MT_REDUCE_ARGS) {
    mt::ArgR<T, true> r;
    mt::reduce_rows(x, xi, out, out_i, outer, n, inner, chunk, group, first, finish, r);
}

template <typename T>
__global__ void argmin_forward(const T* __restrict__ x, const i64* __restrict__ xi,
                               T* __restrict__ out, i64* __restrict__ out_i,
                               MT_REDUCE_ARGS) {
    mt::ArgR<T, false> r;
    mt::reduce_rows(x, xi, out, out_i, outer, n, inner, chunk, group, first, finish, r);
}
