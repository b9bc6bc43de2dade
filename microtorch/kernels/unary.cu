// unary.cu: elementwise unary ops, one <op>_forward / <op>_backward pair each.
//
//   <op>_forward(x, y, n, params...)             y = f(x)
//   <op>_backward(s, gy, gx, n, kgy, params..., acc)
//                                  gx = gy * f'(x), s is x or y (whichever f' is cheaper
//                                  from; ops/elementwise.py)
// acc != 0 adds into gx (gx += ...) instead of overwriting it, for a gradient buffer that
// already exists. All arrays are contiguous with n elements, except that gy may be a single
// element standing for all (kgy = 2: the expanded gradient of a sum or mean, read once).
//
// Bytes moved per element (T = float: 4 bytes, double: 8):
//   every forward   read x, write y                  2 * sizeof(T)   (8 B in float32)
//   every backward  read s and gy, write gx          3 * sizeof(T)   (12 B in float32)
//                   with acc, gx is read too         4 * sizeof(T)
// None of these does enough arithmetic to matter next to the memory traffic, except
// sin/cos/pow in float64, which are compute-bound on GPUs with few FP64 units.
#include "common.cuh"

namespace mt {
// gy may be one element broadcast over all (kgy = 2: the expanded gradient of a sum)
template <typename T>
__device__ __forceinline__ T at(const T* __restrict__ gy, int kgy, i64 i) {
    return kgy ? gy[0] : gy[i];
}

template <typename T>
__device__ __forceinline__ void put(T* __restrict__ out, i64 i, T v, int acc) {
    out[i] = acc ? T(out[i] + v) : v;
}

// sigmoid without overflow: e = exp(-|x|) <= 1; x >= 0 gives 1/(1+e), x < 0 gives e/(1+e)
template <typename T> __device__ __forceinline__ T sigmoid(T x) {
    const T e = exp_(-fabs_(x));
    const T y = T(1) / (T(1) + e);
    return x >= T(0) ? y : e * y;
}

// log(1 + exp(z)) as max(z, 0) + log1p(exp(-|z|)): exp never overflows
template <typename T> __device__ __forceinline__ T softplus(T z) {
    return (z > T(0) ? z : T(0)) + log1p_(exp_(-fabs_(z)));
}

// |x| for floats (clears the sign of -0.0 too) and integers
__device__ __forceinline__ float abs_(float x) { return fabsf(x); }
__device__ __forceinline__ double abs_(double x) { return fabs(x); }
__device__ __forceinline__ int abs_(int x) { return x < 0 ? -x : x; }
__device__ __forceinline__ long long abs_(long long x) { return x < 0 ? -x : x; }

// x ** e: floats through pow; integers by squaring (e >= 0; NumPy's wrap-around on overflow)
__device__ __forceinline__ float powi_(float x, double e) { return powf(x, (float)e); }
__device__ __forceinline__ double powi_(double x, double e) { return pow(x, e); }
template <typename I> __device__ __forceinline__ I ipow(I x, long long e) {
    I r = 1;
    while (e > 0) {
        if (e & 1) r *= x;
        x *= x;
        e >>= 1;
    }
    return r;
}
__device__ __forceinline__ int powi_(int x, double e) { return ipow(x, (long long)e); }
__device__ __forceinline__ long long powi_(long long x, double e) {
    return ipow(x, (long long)e);
}
}  // namespace mt

// ---- neg: y = -x; gx = -gy (the saved array is unused) --------------------------------
template <typename T>
__global__ void neg_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = -x[i]; });
}
template <typename T>
__global__ void neg_backward(const T* __restrict__ s, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) { mt::put(gx, i, T(-mt::at(gy, kgy, i)), acc); });
}

// ---- abs: y = |x|; gx = gy * sign(x) (sign(0) = 0, NaN stays NaN) ----------------------
template <typename T>
__global__ void abs_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::abs_(x[i]); });
}
template <typename T>
__global__ void abs_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], g = mt::at(gy, kgy, i);
        const T r = v > T(0) ? g : v < T(0) ? T(-g) : v == T(0) ? T(0) : T(v * g);
        mt::put(gx, i, r, acc);
    });
}

// ---- exp: y = e^x; gx = gy * y ----------------------------------------------------------
template <typename T>
__global__ void exp_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::exp_(x[i]); });
}
template <typename T>
__global__ void exp_backward(const T* __restrict__ y, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) { mt::put(gx, i, T(mt::at(gy, kgy, i) * y[i]), acc); });
}

// ---- log: y = ln x; gx = gy / x ---------------------------------------------------------
template <typename T>
__global__ void log_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::log_(x[i]); });
}
template <typename T>
__global__ void log_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) { mt::put(gx, i, T(mt::at(gy, kgy, i) / x[i]), acc); });
}

// ---- sqrt: y = sqrt x; gx = gy / (2y) ---------------------------------------------------
template <typename T>
__global__ void sqrt_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::sqrt_(x[i]); });
}
template <typename T>
__global__ void sqrt_backward(const T* __restrict__ y, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = y[i];
        mt::put(gx, i, T(mt::at(gy, kgy, i) / (v + v)), acc);
    });
}

// ---- sin: gx = gy cos x; cos: gx = -gy sin x ---------------------------------------------
template <typename T>
__global__ void sin_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::sin_(x[i]); });
}
template <typename T>
__global__ void sin_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(mt::at(gy, kgy, i) * mt::cos_(x[i])), acc);
    });
}
template <typename T>
__global__ void cos_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::cos_(x[i]); });
}
template <typename T>
__global__ void cos_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(-mt::at(gy, kgy, i) * mt::sin_(x[i])), acc);
    });
}

// ---- tanh: gx = gy (1 - y^2) --------------------------------------------------------------
template <typename T>
__global__ void tanh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::tanh_(x[i]); });
}
template <typename T>
__global__ void tanh_backward(const T* __restrict__ y, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = y[i];
        mt::put(gx, i, T(mt::at(gy, kgy, i) * (T(1) - v * v)), acc);
    });
}

// ---- sigmoid: gx = gy y (1 - y) -----------------------------------------------------------
template <typename T>
__global__ void sigmoid_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::sigmoid(x[i]); });
}
template <typename T>
__global__ void sigmoid_backward(const T* __restrict__ y, const T* __restrict__ gy,
                                 T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = y[i];
        mt::put(gx, i, T(mt::at(gy, kgy, i) * v * (T(1) - v)), acc);
    });
}

// ---- reciprocal: y = 1/x; gx = -gy y^2 ----------------------------------------------------
template <typename T>
__global__ void reciprocal_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = T(1) / x[i]; });
}
template <typename T>
__global__ void reciprocal_backward(const T* __restrict__ y, const T* __restrict__ gy,
                                    T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = y[i];
        mt::put(gx, i, T(-mt::at(gy, kgy, i) * v * v), acc);
    });
}

// ---- relu: y = max(x, 0) (NaN stays NaN); gx = gy where y > 0 -----------------------------
template <typename T>
__global__ void relu_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = v < T(0) ? T(0) : v;
    });
}
template <typename T>
__global__ void relu_backward(const T* __restrict__ y, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, y[i] > T(0) ? mt::at(gy, kgy, i) : T(0), acc);
    });
}

// ---- clamp: y = min(max(x, lo), hi), each bound optional; gx = gy inside [lo, hi] --------
template <typename T>
__global__ void clamp_forward(const T* __restrict__ x, T* __restrict__ y, i64 n, T lo, T hi,
                              int has_lo, int has_hi) {
    mt::grid_stride_x4(n, [&](i64 i) {
        T v = x[i];
        if (has_lo && v < lo) v = lo;              // NaN compares false: it stays NaN
        if (has_hi && v > hi) v = hi;
        y[i] = v;
    });
}
template <typename T>
__global__ void clamp_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, T lo, T hi, int has_lo,
                               int has_hi, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        const bool keep = (!has_lo || v >= lo) && (!has_hi || v <= hi);
        mt::put(gx, i, keep ? mt::at(gy, kgy, i) : T(0), acc);
    });
}

// ---- pow_scalar: y = x^e (e a number); gx = gy e x^(e-1), 0 when e == 0 -----------------
template <typename T>
__global__ void pow_scalar_forward(const T* __restrict__ x, T* __restrict__ y, i64 n,
                                   double e) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::powi_(x[i], e); });
}
template <typename T>
__global__ void pow_scalar_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                    T* __restrict__ gx, i64 n, int kgy, double e, int acc) {
    const T te = T(e), em1 = T(e - 1.0);
    mt::grid_stride_x4(n, [&](i64 i) {
        const T r = e == 0.0 ? T(0) : T(mt::at(gy, kgy, i) * te * mt::pow_(x[i], em1));
        mt::put(gx, i, r, acc);
    });
}

// ---- leaky_relu: y = x if x > 0 else slope x; gx = gy or slope gy -------------------------
template <typename T>
__global__ void leaky_relu_forward(const T* __restrict__ x, T* __restrict__ y, i64 n,
                                   T slope) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = v > T(0) ? v : T(v * slope);
    });
}
template <typename T>
__global__ void leaky_relu_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                    T* __restrict__ gx, i64 n, int kgy, T slope, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T g = mt::at(gy, kgy, i);
        mt::put(gx, i, x[i] > T(0) ? g : T(g * slope), acc);
    });
}

// ---- softplus: y = log(1 + e^(beta x)) / beta, x itself where beta x > threshold ---------
//      gx = gy sigmoid(beta x), gy itself above the threshold
template <typename T>
__global__ void softplus_forward(const T* __restrict__ x, T* __restrict__ y, i64 n, T beta,
                                 T threshold) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], z = v * beta;
        y[i] = z > threshold ? v : T(mt::softplus(z) / beta);
    });
}
template <typename T>
__global__ void softplus_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                  T* __restrict__ gx, i64 n, int kgy, T beta, T threshold,
                                  int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T z = x[i] * beta, g = mt::at(gy, kgy, i);
        mt::put(gx, i, z > threshold ? g : T(g * mt::sigmoid(z)), acc);
    });
}

// ---- log1p: y = ln(1 + x); gx = gy / (1 + x) -----------------------------------------------
template <typename T>
__global__ void log1p_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::log1p_(x[i]); });
}
template <typename T>
__global__ void log1p_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(mt::at(gy, kgy, i) / (T(1) + x[i])), acc);
    });
}

// ---- expm1: y = e^x - 1 (exact near 0); gx = gy (y + 1) ------------------------------------
template <typename T>
__global__ void expm1_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::expm1_(x[i]); });
}
template <typename T>
__global__ void expm1_backward(const T* __restrict__ y, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(mt::at(gy, kgy, i) * (y[i] + T(1))), acc);
    });
}

// ---- log2, log10: gx = gy / (x ln b) -------------------------------------------------------
template <typename T>
__global__ void log2_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::log2_(x[i]); });
}
template <typename T>
__global__ void log2_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T ln2 = T(0.693147180559945309417232121458176568);
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(mt::at(gy, kgy, i) / (x[i] * ln2)), acc);
    });
}
template <typename T>
__global__ void log10_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::log10_(x[i]); });
}
template <typename T>
__global__ void log10_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T ln10 = T(2.30258509299404568401799145468436421);
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(mt::at(gy, kgy, i) / (x[i] * ln10)), acc);
    });
}

// ---- rsqrt: y = 1 / sqrt x (correctly rounded sqrt, then divide, as the CPU does);
//      gx = -gy y^3 / 2 ---------------------------------------------------------------------
template <typename T>
__global__ void rsqrt_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = T(1) / mt::sqrt_(x[i]); });
}
template <typename T>
__global__ void rsqrt_backward(const T* __restrict__ y, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = y[i];
        mt::put(gx, i, T(T(-0.5) * mt::at(gy, kgy, i) * v * v * v), acc);
    });
}

// ---- tan: gx = gy (1 + y^2) ----------------------------------------------------------------
template <typename T>
__global__ void tan_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::tan_(x[i]); });
}
template <typename T>
__global__ void tan_backward(const T* __restrict__ y, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = y[i];
        mt::put(gx, i, T(mt::at(gy, kgy, i) * (T(1) + v * v)), acc);
    });
}

// ---- hyperbolic and inverse trigonometric functions: y = f(x); gx = gy f'(x) from x ------
//   sinh' = cosh, cosh' = sinh, asin' = 1/sqrt(1 - x^2), acos' = -1/sqrt(1 - x^2),
//   atan' = 1/(1 + x^2), asinh' = 1/sqrt(x^2 + 1), acosh' = 1/sqrt(x^2 - 1), atanh' = 1/(1 - x^2)
namespace mt {
template <typename T> __device__ __forceinline__ T inv_sqrt(T v) { return T(1) / sqrt_(v); }
// y = f(x) and gx = gy f'(x) (from x) for a pair whose f and f' are one expression each
template <typename T, typename F>
__device__ __forceinline__ void map_x(const T* __restrict__ x, T* __restrict__ y, i64 n, F f) {
    grid_stride_x4(n, [&](i64 i) { y[i] = f(x[i]); });
}
template <typename T, typename D>
__device__ __forceinline__ void grad_from_x(const T* __restrict__ x, const T* __restrict__ gy,
                                            T* __restrict__ gx, i64 n, int kgy, int acc,
                                            D derivative) {
    grid_stride_x4(n, [&](i64 i) { put(gx, i, T(at(gy, kgy, i) * derivative(x[i])), acc); });
}
}  // namespace mt

template <typename T>
__global__ void sinh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::sinh_(v)); });
}
template <typename T>
__global__ void sinh_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(mt::cosh_(v)); });
}
template <typename T>
__global__ void cosh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::cosh_(v)); });
}
template <typename T>
__global__ void cosh_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(mt::sinh_(v)); });
}
template <typename T>
__global__ void asin_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::asin_(v)); });
}
template <typename T>
__global__ void asin_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(mt::inv_sqrt(T(T(1) - v * v))); });
}
template <typename T>
__global__ void acos_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::acos_(v)); });
}
template <typename T>
__global__ void acos_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc,
                    [](T v) { return T(-mt::inv_sqrt(T(T(1) - v * v))); });
}
template <typename T>
__global__ void atan_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::atan_(v)); });
}
template <typename T>
__global__ void atan_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(T(T(1) / (v * v + T(1)))); });
}
template <typename T>
__global__ void asinh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::asinh_(v)); });
}
template <typename T>
__global__ void asinh_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(mt::inv_sqrt(T(v * v + T(1)))); });
}
template <typename T>
__global__ void acosh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::acosh_(v)); });
}
template <typename T>
__global__ void acosh_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(mt::inv_sqrt(T(v * v - T(1)))); });
}
template <typename T>
__global__ void atanh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::atanh_(v)); });
}
template <typename T>
__global__ void atanh_backward(const T* __restrict__ x, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return T(T(T(1) / (T(1) - v * v))); });
}

// ---- silu: y = x sigmoid(x); gx = gy s (1 + x (1 - s)) -------------------------------------
template <typename T>
__global__ void silu_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = T(v * mt::sigmoid(v));
    });
}
template <typename T>
__global__ void silu_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], s = mt::sigmoid(v);
        mt::put(gx, i, T(mt::at(gy, kgy, i) * s * (T(1) + v * (T(1) - s))), acc);
    });
}

// ---- elu: y = scale x for x > 0, scale alpha (e^(input_scale x) - 1) below; gx = gy scale,
//      or gy scale alpha input_scale e^(input_scale x) (x = 0 too). selu and celu are elu
//      with other scales (ops/elementwise.py) ---------------------------------------------
template <typename T>
__global__ void elu_forward(const T* __restrict__ x, T* __restrict__ y, i64 n, T alpha,
                            T scale, T input_scale) {
    const T neg_scale = T(alpha * scale);
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = v > T(0) ? T(v * scale) : T(neg_scale * mt::expm1_(T(v * input_scale)));
    });
}
template <typename T>
__global__ void elu_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, T alpha, T scale,
                             T input_scale, int acc) {
    const T neg_slope = T(alpha * scale * input_scale);
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], g = mt::at(gy, kgy, i);
        const T d = v > T(0) ? scale : T(neg_slope * mt::exp_(T(v * input_scale)));
        mt::put(gx, i, T(g * d), acc);
    });
}

// ---- gelu: y = x Phi(x), Phi the normal CDF (tanh = 1: PyTorch's tanh approximation of
//      it); gx = gy (Phi(x) + x phi(x)), phi the normal density --------------------------------
namespace mt {
template <typename T> struct Gelu {
    static constexpr double kSqrt1_2 = 0.707106781186547524400844362104849039;
    static constexpr double kInvSqrt2Pi = 0.398942280401432677939946059934381868;
    static constexpr double kSqrt2_Pi = 0.797884560802865355879892119868763737;   // sqrt(2/pi)
    static constexpr double kCubic = 0.044715;
    __device__ static T forward(T x, int tanh) {
        if (tanh) {
            const T u = T(kSqrt2_Pi) * (x + T(kCubic) * x * x * x);
            return T(T(0.5) * x * (T(1) + tanh_(u)));
        }
        return T(T(0.5) * x * (T(1) + erf_(T(x * T(kSqrt1_2)))));
    }
    __device__ static T derivative(T x, int tanh) {
        if (tanh) {
            const T x2 = x * x;
            const T t = tanh_(T(T(kSqrt2_Pi) * (x + T(kCubic) * x2 * x)));
            const T du = T(kSqrt2_Pi) * (T(1) + T(3 * kCubic) * x2);
            return T(T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du);
        }
        const T cdf = T(0.5) * (T(1) + erf_(T(x * T(kSqrt1_2))));
        return T(cdf + x * T(kInvSqrt2Pi) * exp_(T(T(-0.5) * x * x)));
    }
};
}  // namespace mt
template <typename T>
__global__ void gelu_forward(const T* __restrict__ x, T* __restrict__ y, i64 n, int tanh) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::Gelu<T>::forward(x[i], tanh); });
}
template <typename T>
__global__ void gelu_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int tanh, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, T(mt::at(gy, kgy, i) * mt::Gelu<T>::derivative(x[i], tanh)), acc);
    });
}

// ---- hardtanh: y = clamp(x, lo, hi) (relu6: lo 0, hi 6; integers too, NaN stays NaN);
//      gx = gy strictly inside (lo, hi), 0 at and beyond the bounds (PyTorch's choice) ------
template <typename T>
__global__ void hardtanh_forward(const T* __restrict__ x, T* __restrict__ y, i64 n, T lo,
                                 T hi) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = v < lo ? lo : v > hi ? hi : v;
    });
}
template <typename T>
__global__ void hardtanh_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                  T* __restrict__ gx, i64 n, int kgy, T lo, T hi, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        mt::put(gx, i, (v <= lo || v >= hi) ? T(0) : mt::at(gy, kgy, i), acc);
    });
}

// ---- softsign: y = x / (1 + |x|); gx = gy / (1 + |x|)^2 ------------------------------------
template <typename T>
__global__ void softsign_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = T(v / (T(1) + mt::fabs_(v)));
    });
}
template <typename T>
__global__ void softsign_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                  T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T d = T(1) + mt::fabs_(x[i]);
        mt::put(gx, i, T(mt::at(gy, kgy, i) / (d * d)), acc);
    });
}

// ---- mish: y = x tanh(softplus(x)); gx = gy (t + x sigmoid(x) (1 - t^2)), t = tanh(sp(x)) --
template <typename T>
__global__ void mish_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = T(v * mt::tanh_(mt::softplus(v)));
    });
}
template <typename T>
__global__ void mish_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], t = mt::tanh_(mt::softplus(v));
        const T d = T(t + v * mt::sigmoid(v) * (T(1) - t * t));
        mt::put(gx, i, T(mt::at(gy, kgy, i) * d), acc);
    });
}

// ---- hardsigmoid: y = clamp(x + 3, 0, 6) / 6; gx = gy / 6 strictly inside (-3, 3), else 0
//      hardswish: y = x hardsigmoid(x); gx = 0 up to -3, gy (x / 3 + 1/2) below 3, gy from 3
template <typename T>
__global__ void hardsigmoid_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T u = T(x[i] + T(3));
        y[i] = T((u < T(0) ? T(0) : u > T(6) ? T(6) : u) / T(6));
    });
}
template <typename T>
__global__ void hardsigmoid_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                     T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        const bool inside = v > T(-3) && v < T(3);
        // 1/6 rounded to float in double too, as PyTorch's kernel scales it
        mt::put(gx, i, inside ? T(mt::at(gy, kgy, i) * T(1.0f / 6.0f)) : T(0), acc);
    });
}
template <typename T>
__global__ void hardswish_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], u = T(v + T(3));
        y[i] = T(v * (u < T(0) ? T(0) : u > T(6) ? T(6) : u) / T(6));
    });
}
template <typename T>
__global__ void hardswish_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                   T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i], g = mt::at(gy, kgy, i);
        const T r = v <= T(-3) ? T(0) : v < T(3) ? T(g * (v / T(3) + T(0.5))) : g;
        mt::put(gx, i, r, acc);
    });
}

// ---- softshrink (soft = 1): y = x - lambd above lambd, x + lambd below -lambd;
//      hardshrink (soft = 0): y = x outside [-lambd, lambd]; both 0 inside, where (bounds
//      included) gx = 0, elsewhere gx = gy ------------------------------------------------------
template <typename T>
__global__ void shrink_forward(const T* __restrict__ x, T* __restrict__ y, i64 n, T lambd,
                               int soft) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        if (soft)
            y[i] = v > lambd ? T(v - lambd) : v < -lambd ? T(v + lambd) : T(v * T(0));
        else
            y[i] = (v >= -lambd && v <= lambd) ? T(0) : v;
    });
}
template <typename T>
__global__ void shrink_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                T* __restrict__ gx, i64 n, int kgy, T lambd, int soft,
                                int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        mt::put(gx, i, (v >= -lambd && v <= lambd) ? T(0) : mt::at(gy, kgy, i), acc);
    });
}

// ---- threshold: y = value where x <= threshold, else x (integers too);
//      gx = gy where x > threshold, else 0 ------------------------------------------------------
template <typename T>
__global__ void threshold_forward(const T* __restrict__ x, T* __restrict__ y, i64 n,
                                  T threshold, T value) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = v <= threshold ? value : v;
    });
}
template <typename T>
__global__ void threshold_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                   T* __restrict__ gx, i64 n, int kgy, T threshold, T value,
                                   int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        mt::put(gx, i, x[i] > threshold ? mt::at(gy, kgy, i) : T(0), acc);
    });
}

// ---- erf: gx = gy 2/sqrt(pi) e^(-x^2); exp2: y = 2^x, gx = gy y ln 2 ----------------------
template <typename T>
__global__ void erf_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::erf_(v)); });
}
template <typename T>
__global__ void erf_backward(const T* __restrict__ x, const T* __restrict__ gy,
                             T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T two_over_sqrt_pi = T(1.12837916709551257389615890312154517);
    mt::grad_from_x(x, gy, gx, n, kgy, acc,
                    [=](T v) { return T(two_over_sqrt_pi * mt::exp_(T(-v * v))); });
}
template <typename T>
__global__ void exp2_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::exp2_(v)); });
}
template <typename T>
__global__ void exp2_backward(const T* __restrict__ y, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T ln2 = T(0.693147180559945309417232121458176568);
    mt::grad_from_x(y, gy, gx, n, kgy, acc, [=](T v) { return T(v * ln2); });
}

// ---- frac: y = x - trunc(x) (forward only: its gradient is gy itself, passed on) ----------
template <typename T>
__global__ void frac_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(v - mt::trunc_(v)); });
}

// ---- piecewise-constant ops: forward only. Their gradient is zero wherever it exists
// (PyTorch's convention), a zero-filled buffer: no backward kernel to run.
// sign: -1, 0 or 1 (0 for NaN, as PyTorch); floor, ceil, trunc; round: half to even (rint), with
// `decimals` as PyTorch: rint(x * 10^d) / 10^d, or rint(x / 10^-d) * 10^-d for d < 0.
template <typename T>
__global__ void sign_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = T(T(v > T(0)) - T(v < T(0)));      // PyTorch's: sign(NaN) and sign(-0.0) are 0
    });
}
template <typename T>
__global__ void floor_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::floor_(x[i]); });
}
template <typename T>
__global__ void ceil_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::ceil_(x[i]); });
}
template <typename T>
__global__ void trunc_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::grid_stride_x4(n, [&](i64 i) { y[i] = mt::trunc_(x[i]); });
}
template <typename T>
__global__ void round_forward(const T* __restrict__ x, T* __restrict__ y, i64 n,
                              T ten_pow, int decimals) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T v = x[i];
        y[i] = decimals == 0 ? mt::rint_(v)
             : decimals > 0 ? T(mt::rint_(T(v * ten_pow)) / ten_pow)
                            : T(mt::rint_(T(v / ten_pow)) * ten_pow);
    });
}

// ---- special functions: lgamma (gx = gy digamma(x)), digamma (gx = gy trigamma(x)),
//      polygamma(order, x) (gx = gy polygamma(order + 1, x)), erfc (gx = -gy 2/sqrt(pi)
//      e^(-x^2)), and two that save y: erfinv (gx = gy sqrt(pi)/2 e^(y^2)) and ndtri, the
//      normal quantile (gx = gy sqrt(2 pi) e^(y^2/2)). The values at the poles are
//      PyTorch's. Digamma, trigamma and the Hurwitz zeta function loop a few times per
//      element: still 8 and 12 B/elem in float32, but more arithmetic than the others here
//      (and polygamma of order 2 and up is in double, as the CPU backend's).
namespace mt {
template <typename T> __device__ __forceinline__ T not_a_number() {
    return Lim<T>::highest() - Lim<T>::highest();
}
// psi(x): psi(x) = psi(1 - x) - pi / tan(pi x) below 0 (by the exact fractional part),
// psi(x) = psi(x + 1) - 1/x up to x >= 10, then log x - 1/(2x) - sum B_2k / (2k x^2k)
template <typename T> __device__ T digamma(T x) {
    const T pi = T(3.14159265358979323846);
    if (x == T(0)) return copysign_(Lim<T>::highest(), -x);      // -inf at +0, inf at -0
    T total = T(0);
    if (x < T(0)) {
        const T fraction = T(x - trunc_(x));
        if (fraction == T(0) || !is_finite(x)) return not_a_number<T>();
        total = T(-pi / tan_(T(pi * fraction)));
        x = T(T(1) - x);
    }
    while (x < T(10)) {
        total -= T(1) / x;
        x += T(1);
    }
    const T z = T(1) / (x * x);
    const T series = z * (T(1.0 / 12) + z * (T(-1.0 / 120) + z * (T(1.0 / 252) + z * (
        T(-1.0 / 240) + z * (T(1.0 / 132) + z * (T(-691.0 / 32760) + z * T(1.0 / 12)))))));
    return T(total + log_(x) - T(0.5) / x - series);
}
// psi'(x) as PyTorch computes it: psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x) below 1/2, six
// steps of psi'(x) = psi'(x + 1) + 1/x^2, then 1/x + 1/(2x^2) + 1/(6x^3) - 1/(30x^5) + 1/(42x^7)
template <typename T> __device__ T trigamma(T x) {
    const T pi = T(3.14159265358979323846);
    T sign = T(1), total = T(0);
    if (x < T(0.5)) {
        sign = T(-1);
        const T s = sin_(T(pi * x));
        total = T(-(pi * pi) / (s * s));
        x = T(T(1) - x);
    }
    for (int i = 0; i < 6; ++i) {
        total += T(1) / (x * x);
        x += T(1);
    }
    const T z = T(1) / (x * x);
    total += (T(1) + T(0.5) / x + z * (T(1.0 / 6) - z * (T(1.0 / 30) - z * T(1.0 / 42)))) / x;
    return T(sign * total);
}
// The Hurwitz zeta function sum_k (q + k)^-s (s > 1 whole), in double for both types (its
// terms cancel for q < 0): the first terms (at least 9, up to q + k >= 10), then the
// Euler-Maclaurin tail at w = q + k: w^(1-s)/(s-1) + w^-s/2 + sum_j B_2j/(2j)! s (s+1) ...
// (s+2j-2) w^(-s-2j+1). inf at the poles q = 0, -1, ... (and -inf); nan at q = inf, as
// PyTorch's.
__device__ inline double hurwitz_zeta(double s, double q) {
    if (q <= 0.0 && (q == trunc(q) || !is_finite(q))) return Lim<double>::highest();
    if (q == Lim<double>::highest()) return not_a_number<double>();
    const double tail[12] = {
        0.08333333333333333, -0.001388888888888889, 3.306878306878307e-05,
        -8.267195767195768e-07, 2.08767569878681e-08, -5.284190138687493e-10,
        1.3382536530684679e-11, -3.3896802963225827e-13, 8.586062056277845e-15,
        -2.174868698558062e-16, 5.5090028283602295e-18, -1.3954464685812522e-19};
    double total = 0.0, w = q;
    for (i64 k = 0; k < 9 || w < 10.0; ++k) {
        total += pow(w, -s);
        w += 1.0;
    }
    total += pow(w, 1.0 - s) / (s - 1.0) + 0.5 * pow(w, -s);
    double rising = s * pow(w, -s - 1.0);
    const double inv_w2 = 1.0 / (w * w);
    for (int j = 0; j < 12; ++j) {
        total += tail[j] * rising;
        rising *= (s + 2 * j + 1) * (s + 2 * j + 2) * inv_w2;
    }
    return total;
}
// psi^(n)(x): digamma, trigamma, then (-1)^(n+1) n! zeta(n + 1, x) (in double)
template <typename T> __device__ T polygamma(i64 order, T x) {
    if (order == 0) return digamma(x);
    if (order == 1) return trigamma(x);
    const double factorial = exp(lgamma(double(order) + 1.0));
    const double zeta = hurwitz_zeta(double(order + 1), double(x));
    return T((order & 1 ? factorial : -factorial) * zeta);
}
// the standard normal quantile: -sqrt 2 erfcinv(2p) below 1/2 (keeps the lower tail's
// digits), sqrt 2 erfinv(2p - 1) above (2p - 1 is exact there)
template <typename T> __device__ T ndtri(T p) {
    const T sqrt2 = T(1.41421356237309504880168872420969808);
    return p < T(0.5) ? T(-sqrt2 * erfcinv_(T(T(2) * p)))
                      : T(sqrt2 * erfinv_(T(T(2) * p - T(1))));
}
}  // namespace mt

template <typename T>
__global__ void lgamma_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::lgamma_(v)); });
}
template <typename T>
__global__ void lgamma_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return mt::digamma(v); });
}
template <typename T>
__global__ void digamma_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return mt::digamma(v); });
}
template <typename T>
__global__ void digamma_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                 T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return mt::trigamma(v); });
}
template <typename T>
__global__ void polygamma_forward(const T* __restrict__ x, T* __restrict__ y, i64 n,
                                  i64 order) {
    mt::map_x(x, y, n, [=](T v) { return mt::polygamma(order, v); });
}
template <typename T>
__global__ void polygamma_backward(const T* __restrict__ x, const T* __restrict__ gy,
                                   T* __restrict__ gx, i64 n, int kgy, i64 order, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [=](T v) { return mt::polygamma(order + 1, v); });
}
template <typename T>
__global__ void erfc_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::erfc_(v)); });
}
template <typename T>
__global__ void erfc_backward(const T* __restrict__ x, const T* __restrict__ gy,
                              T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T minus_two_over_sqrt_pi = T(-1.12837916709551257389615890312154517);
    mt::grad_from_x(x, gy, gx, n, kgy, acc,
                    [=](T v) { return T(minus_two_over_sqrt_pi * mt::exp_(T(-v * v))); });
}
template <typename T>
__global__ void erfinv_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return T(mt::erfinv_(v)); });
}
template <typename T>
__global__ void erfinv_backward(const T* __restrict__ y, const T* __restrict__ gy,
                                T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T half_sqrt_pi = T(0.886226925452758013649083741671014996);
    mt::grad_from_x(y, gy, gx, n, kgy, acc,
                    [=](T v) { return T(half_sqrt_pi * mt::exp_(T(v * v))); });
}
template <typename T>
__global__ void ndtri_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return mt::ndtri(v); });
}
template <typename T>
__global__ void ndtri_backward(const T* __restrict__ y, const T* __restrict__ gy,
                               T* __restrict__ gx, i64 n, int kgy, int acc) {
    const T sqrt_2pi = T(2.50662827463100050241576528481104525);
    mt::grad_from_x(y, gy, gx, n, kgy, acc,
                    [=](T v) { return T(sqrt_2pi * mt::exp_(T(T(0.5) * v * v))); });
}

// ---- the modified Bessel functions i0 (gx = gy i1(x)) and i1 (gx = gy (i0(x) - i1(x)/x),
//      1/2 at 0). As PyTorch's: nan at +-inf, and +-inf from where e^|x| overflows T ----------
namespace mt {
template <typename T> struct ExpLimit;          // log of T's largest finite value
template <> struct ExpLimit<float> {
    __device__ static float value() { return 88.72283935546875f; }
};
template <> struct ExpLimit<double> {
    __device__ static double value() { return 709.782712893384; }
};
template <typename T> __device__ T bessel_i(int order, T v) {
    if (!is_finite(v)) return not_a_number<T>();
    if (fabs_(v) > ExpLimit<T>::value())
        return order && v < T(0) ? Lim<T>::lowest() : Lim<T>::highest();
    return order ? T(cyl_bessel_i1_(v)) : T(cyl_bessel_i0_(v));
}
}  // namespace mt

template <typename T>
__global__ void i0_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return mt::bessel_i(0, v); });
}
template <typename T>
__global__ void i0_backward(const T* __restrict__ x, const T* __restrict__ gy,
                            T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) { return mt::bessel_i(1, v); });
}
template <typename T>
__global__ void i1_forward(const T* __restrict__ x, T* __restrict__ y, i64 n) {
    mt::map_x(x, y, n, [](T v) { return mt::bessel_i(1, v); });
}
template <typename T>
__global__ void i1_backward(const T* __restrict__ x, const T* __restrict__ gy,
                            T* __restrict__ gx, i64 n, int kgy, int acc) {
    mt::grad_from_x(x, gy, gx, n, kgy, acc, [](T v) {
        return v == T(0) ? T(0.5) : T(mt::bessel_i(0, v) - mt::bessel_i(1, v) / v);
    });
}
