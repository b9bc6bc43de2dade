// loss.cu: the losses of nn.functional, each a fused <loss>_forward / <loss>_backward pair.
//
// Elementwise losses (mse, l1, smooth_l1, binary_cross_entropy[_with_logits]) take x and
// y contiguous with n elements (the backend broadcasts them first if their shapes differ).
//   <loss>_forward(..., out, n, reduce)  reduce = 0: out[i] = loss_i ('none');
//       reduce = 1: each block writes the sum of its elements' losses to out[blockIdx.x],
//       and the backend sums those partials (sum_forward, scaled by 1/n for 'mean').
//   <loss>_backward(x, y, gy, gx, n, kgy, div, ..., acc)
//       gx = dloss/dx * gy / div, gy contiguous (kgy = 0) or one element (kgy = 2, the
//       0-d gy of 'mean' and 'sum'); div is n for 'mean', else 1 (PyTorch divides gy).
// Class weights of the binary cross entropies are operands of binary.cu's kinds (0, 1 for
// "no weight" = the number 1, 2, 3 with meta), so a weight broadcast over the batch is
// never materialised.
// cross_entropy_* take logits [outer, C, inner] (class dim in the middle) and int64
// targets [outer, inner]; one warp/block per sample when inner == 1, else a thread.
//
// Bytes moved per element (T = float: 4 bytes):
//   elementwise forward 'none'     read x, y, write loss      3 * sizeof(T)  (12 B)
//   elementwise forward mean/sum   read x, y                  2 * sizeof(T)  (8 B)
//   elementwise backward           read x, y (gy), write gx   3-4 * sizeof(T)
//   weights add one read each when they have the input's shape (cached when broadcast)
//   cross_entropy_forward          read x twice per class     2 * sizeof(T) (+ target)
//   cross_entropy_backward         read x twice, write gx     3 * sizeof(T)
//   nll_loss_forward               read one x per sample      sizeof(T) + 8 (target) per
//                                  sample, write loss, w      2 * sizeof(T) per sample
//   nll_loss_backward              write gx                   sizeof(T) (+ target, cached)
#include "common.cuh"

namespace mt {
template <typename T> struct SumOp {
    __device__ T operator()(T a, T b) const { return a + b; }
};

// out[i] = f(i), or per-block sums of f(i) into out[blockIdx.x] (reduce)
template <typename T, typename F>
__device__ __forceinline__ void loss_map(i64 n, T* __restrict__ out, int reduce, F f) {
    if (!reduce) {
        grid_stride_x4(n, [&](i64 i) { out[i] = f(i); });
        return;
    }
    T acc = T(0);
    grid_stride_x4(n, [&](i64 i) { acc += f(i); });
    acc = block_reduce(acc, SumOp<T>(), T(0));
    if (threadIdx.x == 0) out[blockIdx.x] = acc;
}

template <typename T>
__device__ __forceinline__ void put(T* __restrict__ out, i64 i, T v, int acc) {
    out[i] = acc ? T(out[i] + v) : v;
}

template <typename T> __device__ __forceinline__ T clamp_log(T v) {
    return v < T(-100) ? T(-100) : v;        // PyTorch clamps BCE's logs at -100
}

// log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))
template <typename T> __device__ __forceinline__ T softplus(T z) {
    return (z > T(0) ? z : T(0)) + log1p_(exp_(-fabs_(z)));
}

template <typename T> __device__ __forceinline__ T sigmoid(T x) {
    const T e = exp_(-fabs_(x));
    const T y = T(1) / (T(1) + e);
    return x >= T(0) ? y : e * y;
}

template <typename T> __device__ __forceinline__ T sign(T v) {
    return v > T(0) ? T(1) : v < T(0) ? T(-1) : v == T(0) ? T(0) : v;   // NaN stays
}
}  // namespace mt

// ---- mse: (x - y)^2; grad 2 (x - y) ------------------------------------------------------
template <typename T>
__global__ void mse_loss_forward(const T* __restrict__ x, const T* __restrict__ y,
                                 T* __restrict__ out, i64 n, int reduce) {
    mt::loss_map(n, out, reduce, [=](i64 i) {
        const T d = x[i] - y[i];
        return T(d * d);
    });
}
template <typename T>
__global__ void mse_loss_backward(const T* __restrict__ x, const T* __restrict__ y,
                                  const T* __restrict__ gy, T* __restrict__ gx, i64 n,
                                  int kgy, T div, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T coef = (kgy == 0 ? gy[i] : gy[0]) / div;
        mt::put(gx, i, T((x[i] - y[i]) * (T(2) * coef)), acc);
    });
}

// ---- l1: |x - y|; grad sign(x - y) -------------------------------------------------------
template <typename T>
__global__ void l1_loss_forward(const T* __restrict__ x, const T* __restrict__ y,
                                T* __restrict__ out, i64 n, int reduce) {
    mt::loss_map(n, out, reduce, [=](i64 i) { return T(mt::fabs_(x[i] - y[i])); });
}
template <typename T>
__global__ void l1_loss_backward(const T* __restrict__ x, const T* __restrict__ y,
                                 const T* __restrict__ gy, T* __restrict__ gx, i64 n,
                                 int kgy, T div, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T coef = (kgy == 0 ? gy[i] : gy[0]) / div;
        mt::put(gx, i, T(mt::sign(T(x[i] - y[i])) * coef), acc);
    });
}

// ---- smooth_l1: d^2 / (2 beta) inside |d| < beta, else |d| - beta / 2 ----------------------
template <typename T>
__global__ void smooth_l1_loss_forward(const T* __restrict__ x, const T* __restrict__ y,
                                       T* __restrict__ out, i64 n, int reduce, T beta) {
    mt::loss_map(n, out, reduce, [=](i64 i) {
        const T d = mt::fabs_(x[i] - y[i]);
        return d < beta ? T(T(0.5) * d * d / beta) : T(d - T(0.5) * beta);
    });
}
template <typename T>
__global__ void smooth_l1_loss_backward(const T* __restrict__ x, const T* __restrict__ y,
                                        const T* __restrict__ gy, T* __restrict__ gx, i64 n,
                                        int kgy, T div, T beta, int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T coef = (kgy == 0 ? gy[i] : gy[0]) / div;
        T g = (x[i] - y[i]) / beta;                  // d / beta, clipped to [-1, 1]
        g = g < T(-1) ? T(-1) : g > T(1) ? T(1) : g;
        mt::put(gx, i, T(g * coef), acc);
    });
}

// ---- binary cross entropy on probabilities -------------------------------------------------
// loss = w ((y - 1) log(1 - x) - y log(x)), logs clamped at -100
// grad = w (x - y) / max(x (1 - x), 1e-12)
// w: operand of kind kw (meta strides: w first)
template <typename T>
__global__ void binary_cross_entropy_forward(const T* __restrict__ x, const T* __restrict__ y,
                                             const T* __restrict__ w, T* __restrict__ out,
                                             i64 n, int kw, T sw,
                                             const i64* __restrict__ meta, int reduce) {
    mt::loss_map(n, out, reduce, [=](i64 i) {
        i64 off[1] = {0};
        if (kw == 3) mt::strided_offsets<1>((unsigned long long)i, meta, off);
        const T v = x[i], t = y[i];
        const T log_x = mt::clamp_log(mt::log_(v));
        const T log_1mx = mt::clamp_log(mt::log1p_(-v));
        return T(((t - T(1)) * log_1mx - t * log_x) * mt::load(w, kw, sw, i, off[0]));
    });
}
template <typename T>
__global__ void binary_cross_entropy_backward(const T* __restrict__ x,
                                              const T* __restrict__ y,
                                              const T* __restrict__ gy, T* __restrict__ gx,
                                              i64 n, int kgy, T div, const T* __restrict__ w,
                                              int kw, T sw, const i64* __restrict__ meta,
                                              int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        i64 off[1] = {0};
        if (kw == 3) mt::strided_offsets<1>((unsigned long long)i, meta, off);
        const T v = x[i];
        T den = v * (T(1) - v);
        den = den > T(1e-12) ? den : T(1e-12);
        const T g = (v - y[i]) / den * mt::load(w, kw, sw, i, off[0]);
        const T coef = (kgy == 0 ? gy[i] : gy[0]) / div;
        mt::put(gx, i, T(g * coef), acc);
    });
}

// ---- binary cross entropy on logits ---------------------------------------------------------
// loss = w ((1 - y) x + (1 + (pw - 1) y) softplus(-x))        (pw absent: softplus(-x))
// grad = w ((pw y + 1 - y) sigmoid(x) - pw y)                  (pw absent: sigmoid(x) - y)
// meta strides: w first, pw second
template <typename T>
__global__ void binary_cross_entropy_with_logits_forward(
    const T* __restrict__ x, const T* __restrict__ y, const T* __restrict__ w,
    const T* __restrict__ pw, T* __restrict__ out, i64 n, int kw, T sw, int kpw, T spw,
    int has_pw, const i64* __restrict__ meta, int reduce) {
    mt::loss_map(n, out, reduce, [=](i64 i) {
        i64 off[2] = {0, 0};
        if (kw == 3 || kpw == 3) mt::strided_offsets<2>((unsigned long long)i, meta, off);
        const T v = x[i], t = y[i];
        const T sp = mt::softplus(T(-v));
        const T p = has_pw ? mt::load(pw, kpw, spw, i, off[1]) : T(1);
        const T l = (T(1) - t) * v + (has_pw ? T((T(1) + (p - T(1)) * t) * sp) : sp);
        return T(l * mt::load(w, kw, sw, i, off[0]));
    });
}
template <typename T>
__global__ void binary_cross_entropy_with_logits_backward(
    const T* __restrict__ x, const T* __restrict__ y, const T* __restrict__ gy,
    T* __restrict__ gx, i64 n, int kgy, T div, const T* __restrict__ w, int kw, T sw,
    const T* __restrict__ pw, int kpw, T spw, int has_pw, const i64* __restrict__ meta,
    int acc) {
    mt::grid_stride_x4(n, [&](i64 i) {
        i64 off[2] = {0, 0};
        if (kw == 3 || kpw == 3) mt::strided_offsets<2>((unsigned long long)i, meta, off);
        const T s = mt::sigmoid(x[i]), t = y[i];
        T g;
        if (has_pw) {
            const T py = mt::load(pw, kpw, spw, i, off[1]) * t;
            g = (py + T(1) - t) * s - py;
        } else {
            g = s - t;
        }
        g = g * mt::load(w, kw, sw, i, off[0]);
        const T coef = (kgy == 0 ? gy[i] : gy[0]) / div;
        mt::put(gx, i, T(g * coef), acc);
    });
}

// ---- cross entropy over class indices --------------------------------------------------------
// per sample s = (o, j): w_s = weight[t_s] (1 without weights), 0 where t_s == ignore_index;
// loss_s = -w_s log_softmax(x_s)[t_s]. The forward writes loss_s and w_s (the backend sums
// them for 'mean'). The backward writes gx = (softmax(x_s) - onehot(t_s)) * coef_s with
// coef_s = gy_s w_s (divided by sum(w) for 'mean': wsum, a 0-d device array), 0 where ignored.
namespace mt {
__device__ __forceinline__ i64 safe_target(i64 t, i64 ignore_index) {
    return t == ignore_index ? 0 : t;
}
template <typename T>
__device__ __forceinline__ T sample_weight(i64 t, const T* __restrict__ weight,
                                          i64 ignore_index, int has_weight) {
    if (t == ignore_index) return T(0);
    return has_weight ? weight[t] : T(1);
}
// coef_s of the backward; 0 for an ignored sample even where wsum is 0 (every target ignored:
// 0 / 0), since PyTorch skips it
template <typename T>
__device__ __forceinline__ T sample_coef(const T* __restrict__ gy, int kgy, i64 s, i64 t,
                                         const T* __restrict__ weight, i64 ignore_index,
                                         int has_weight, const T* __restrict__ wsum,
                                         int has_wsum) {
    if (t == ignore_index) return T(0);
    const T coef = (kgy == 0 ? gy[s] : gy[0]) * sample_weight(t, weight, ignore_index, has_weight);
    return has_wsum ? coef / wsum[0] : coef;
}
struct Samples {                      // which samples this thread's group handles
    i64 first, stride;
    int lane, group;
    __device__ Samples(int g) : group(g) {
        const int warps = blockDim.x >> 5;
        lane = g == 32 ? (int)(threadIdx.x & 31) : (int)threadIdx.x;
        first = g == 32 ? (i64)blockIdx.x * warps + (threadIdx.x >> 5) : (i64)blockIdx.x;
        stride = g == 32 ? (i64)gridDim.x * warps : (i64)gridDim.x;
    }
};

// max and sum(exp(x - max)) over one row of C logits `step` apart: a group of lanes shares the
// row (group 32 or a block), or one thread walks it (lane 0, group 1). cross_entropy's
// forward and backward both start from it.
template <typename T>
__device__ __forceinline__ MaxSum<T> row_maxsum(const T* xs, i64 C, i64 step, int lane,
                                                int group) {
    MaxSum<T> a = maxsum_identity<T>();
    for (i64 c = lane; c < C; c += group) maxsum_add(a, xs[c * step]);
    return group > 1 ? group_reduce(a, MaxSumOp<T>(), maxsum_identity<T>(), group) : a;
}
}  // namespace mt

template <typename T>
__global__ void cross_entropy_forward(const T* __restrict__ x, const i64* __restrict__ target,
                                      const T* __restrict__ weight, T* __restrict__ loss,
                                      T* __restrict__ wout, i64 outer, i64 C, i64 inner,
                                      i64 ignore_index, int has_weight, int group) {
    if (inner == 1) {
        const mt::Samples ss(group);
        for (i64 s = ss.first; s < outer; s += ss.stride) {
            const T* xs = x + s * C;
            const mt::MaxSum<T> a = mt::row_maxsum(xs, C, 1, ss.lane, group);
            if (ss.lane == 0) {
                const i64 t = target[s];
                const T w = mt::sample_weight(t, weight, ignore_index, has_weight);
                const T logp = (xs[mt::safe_target(t, ignore_index)] - a.m) - mt::log_(a.s);
                loss[s] = t == ignore_index ? T(0) : -w * logp;   // not 0 * nan for inf logits
                wout[s] = w;
            }
        }
    } else {
        MT_GRID_STRIDE(s, outer * inner) {
            const i64 o = s / inner, j = s - o * inner;
            const T* xs = x + o * C * inner + j;
            const mt::MaxSum<T> a = mt::row_maxsum(xs, C, inner, 0, 1);
            const i64 t = target[s];
            const T w = mt::sample_weight(t, weight, ignore_index, has_weight);
            const T logp =
                (xs[mt::safe_target(t, ignore_index) * inner] - a.m) - mt::log_(a.s);
            loss[s] = t == ignore_index ? T(0) : -w * logp;
            wout[s] = w;
        }
    }
}

template <typename T>
__global__ void cross_entropy_backward(const T* __restrict__ x, const i64* __restrict__ target,
                                       const T* __restrict__ weight, const T* __restrict__ gy,
                                       const T* __restrict__ wsum, T* __restrict__ gx,
                                       i64 outer, i64 C, i64 inner, i64 ignore_index,
                                       int has_weight, int kgy, int has_wsum, int group,
                                       int acc) {
    if (inner == 1) {
        const mt::Samples ss(group);
        for (i64 s = ss.first; s < outer; s += ss.stride) {
            const T* xs = x + s * C;
            const mt::MaxSum<T> a = mt::row_maxsum(xs, C, 1, ss.lane, group);
            const i64 t = target[s];
            const T coef = mt::sample_coef(gy, kgy, s, t, weight, ignore_index, has_weight,
                                           wsum, has_wsum);
            const i64 ts = mt::safe_target(t, ignore_index);
            for (i64 c = ss.lane; c < C; c += group) {
                const T p = mt::exp_(xs[c] - a.m) / a.s;
                mt::put(gx, s * C + c, c == ts ? T((p - T(1)) * coef) : T(p * coef), acc);
            }
        }
    } else {
        MT_GRID_STRIDE(s, outer * inner) {
            const i64 o = s / inner, j = s - o * inner;
            const i64 base = o * C * inner + j;
            const mt::MaxSum<T> a = mt::row_maxsum(x + base, C, inner, 0, 1);
            const i64 t = target[s];
            const T coef = mt::sample_coef(gy, kgy, s, t, weight, ignore_index, has_weight,
                                           wsum, has_wsum);
            const i64 ts = mt::safe_target(t, ignore_index);
            for (i64 c = 0; c < C; ++c) {
                const i64 q = base + c * inner;
                const T p = mt::exp_(x[q] - a.m) / a.s;
                mt::put(gx, q, c == ts ? T((p - T(1)) * coef) : T(p * coef), acc);
            }
        }
    }
}

// nll_loss over log-probabilities x [outer, C, inner] and targets [outer, inner]: loss[s] =
// -(x[o, t, j] w[s]), 0 for an ignored sample (not 0 * inf), and w[s] for 'mean'.
template <typename T>
__global__ void nll_loss_forward(const T* __restrict__ x, const i64* __restrict__ target,
                                 const T* __restrict__ weight, T* __restrict__ loss,
                                 T* __restrict__ wout, i64 outer, i64 C, i64 inner,
                                 i64 ignore_index, int has_weight) {
    MT_GRID_STRIDE(s, outer * inner) {
        const i64 o = s / inner, j = s - o * inner;
        const i64 t = target[s];
        const T w = mt::sample_weight(t, weight, ignore_index, has_weight);
        const T v = x[(o * C + mt::safe_target(t, ignore_index)) * inner + j];
        loss[s] = t == ignore_index ? T(0) : T(-(v * w));
        wout[s] = w;
    }
}

// its gradient: gx[o, c, j] = -coef_s at c = t (coef_s: gy w[t], / wsum for 'mean'), 0
// elsewhere and for an ignored sample; one pass over gx
template <typename T>
__global__ void nll_loss_backward(const i64* __restrict__ target, const T* __restrict__ weight,
                                  const T* __restrict__ gy, const T* __restrict__ wsum,
                                  T* __restrict__ gx, i64 outer, i64 C, i64 inner,
                                  i64 ignore_index, int has_weight, int kgy, int has_wsum,
                                  int acc) {
    MT_GRID_STRIDE(q, outer * C * inner) {
        const i64 o = q / (C * inner), r = q - o * C * inner;
        const i64 c = r / inner, s = o * inner + (r - c * inner);
        const i64 t = target[s];
        const T v = c == t && t != ignore_index
                        ? T(-mt::sample_coef(gy, kgy, s, t, weight, ignore_index, has_weight,
                                             wsum, has_wsum))
                        : T(0);
        mt::put(gx, q, v, acc);
    }
}

// w[s] = weight[t] (or 1), 0 where t == ignore_index; safe[s] = t, 0 where ignored
template <typename T>
__global__ void cross_entropy_weights(const i64* __restrict__ target,
                                      const T* __restrict__ weight, T* __restrict__ w,
                                      i64* __restrict__ safe, i64 n, i64 ignore_index,
                                      int has_weight) {
    MT_GRID_STRIDE(i, n) {
        const i64 t = target[i];
        w[i] = mt::sample_weight(t, weight, ignore_index, has_weight);
        safe[i] = mt::safe_target(t, ignore_index);
    }
}
