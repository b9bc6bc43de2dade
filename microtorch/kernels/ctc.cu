// ctc.cu: the CTC loss as a fused pair, ctc_loss_forward / ctc_loss_backward.
//
// Operands: log_probs [T, N, C] contiguous; targets [N, S] int64, padded (S is at least every
// target length); input_lengths, target_lengths [N] int64. Sample b's extended labels are
// blank, t0, blank, t1, ..., blank: W = 2S + 1 positions, the first 2 L_b + 1 of them used.
// One block per sample (a grid-stride loop over samples): the block walks the time steps in
// order, its threads striding over the positions s, with one __syncthreads per step, since
// step t reads the positions s - 2 .. s + 2 of step t -+ 1.
//   ctc_loss_forward   log_alpha [T, N, W]: alpha_t(s) = lp_t(l'_s) + log(alpha_{t-1}(s)
//                      + alpha_{t-1}(s-1) [+ alpha_{t-1}(s-2) where l'_s is a label unlike
//                      the one before it]), -inf outside the sample's lengths; nll[b].
//   ctc_loss_backward  log_beta [T, N, W] (scratch) by the mirrored recursion from the
//                      sample's last step, then per step the threads stride over the classes:
//                      grad = (exp(lp) - exp(log(sum of alpha beta over the positions of
//                      that label) + nll - lp)) * gy[b], PyTorch's formula; 0 past the
//                      sample's length and, with zero_infinity, for an infinite loss.
// A target equal to the blank counts as a label at its odd position, as in PyTorch (and at
// the last step its term replaces the final blank's, as PyTorch's kernel writes it).
//
// Bytes moved per (t, s) of one sample: forward reads lp (cached per label) and writes
// alpha, 2 * sizeof(T); backward writes beta and reads alpha, beta once per class whose
// label sits at s, plus C * (read lp, write grad) per step: about (4 + 2 C / W) * sizeof(T).
#include "common.cuh"

namespace mt {
// log(e^a + e^b + e^c), shifted by the maximum (by 0 where all three are -inf)
template <typename T> __device__ __forceinline__ T ctc_log_add3(T a, T b, T c) {
    T top = a > b ? a : b;
    top = top > c ? top : c;
    if (top == Lim<T>::lowest()) top = T(0);
    return log_(exp_(a - top) + exp_(b - top) + exp_(c - top)) + top;
}

// the label at extended position s of a sample whose targets start at `target`
__device__ __forceinline__ i64 ctc_label(const i64* __restrict__ target, i64 s, i64 blank) {
    return (s & 1) ? target[s >> 1] : blank;
}
}  // namespace mt

template <typename T>
__global__ void ctc_loss_forward(const T* __restrict__ lp, const i64* __restrict__ targets,
                                 const i64* __restrict__ input_lengths,
                                 const i64* __restrict__ target_lengths,
                                 T* __restrict__ log_alpha, T* __restrict__ nll, i64 steps,
                                 i64 batch, i64 classes, i64 width, i64 blank) {
    const T ninf = mt::Lim<T>::lowest();
    const i64 W = 2 * width + 1;
    for (i64 b = blockIdx.x; b < batch; b += gridDim.x) {
        const i64 length = input_lengths[b], labels = target_lengths[b];
        const i64 used = 2 * labels + 1;
        const i64* target = targets + b * width;
        T* alpha = log_alpha + b * W;              // step t at alpha + t * stride
        const i64 stride = batch * W;
        if (steps > 0) {
            for (i64 s = threadIdx.x; s < W; s += blockDim.x) {
                T v = ninf;
                if (length > 0 && s < used && s < 2)
                    v = lp[b * classes + mt::ctc_label(target, s, blank)];
                alpha[s] = v;
            }
        }
        __syncthreads();
        for (i64 t = 1; t < steps; ++t) {
            const T* before = alpha + (t - 1) * stride;
            T* now = alpha + t * stride;
            for (i64 s = threadIdx.x; s < W; s += blockDim.x) {
                T v = ninf;
                if (t < length && s < used) {
                    const i64 label = mt::ctc_label(target, s, blank);
                    const T one_back = s >= 1 ? before[s - 1] : ninf;
                    const bool skips = (s & 1) && s >= 3 && label != target[(s >> 1) - 1];
                    const T two_back = skips ? before[s - 2] : ninf;
                    v = mt::ctc_log_add3(before[s], one_back, two_back) +
                        lp[(t * batch + b) * classes + label];
                }
                now[s] = v;
            }
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            T likelihood;
            if (length == 0) {
                likelihood = labels == 0 ? T(0) : ninf;   // nothing emitted: only "" fits
            } else {
                const T* last = alpha + (length - 1) * stride;
                likelihood = mt::ctc_log_add3(last[2 * labels],
                                              labels > 0 ? last[2 * labels - 1] : ninf, ninf);
            }
            nll[b] = -likelihood;
        }
        __syncthreads();                  // the next sample's block reuses the threads
    }
}

template <typename T>
__global__ void ctc_loss_backward(const T* __restrict__ gy, const T* __restrict__ lp,
                                  const i64* __restrict__ targets,
                                  const i64* __restrict__ input_lengths,
                                  const i64* __restrict__ target_lengths,
                                  const T* __restrict__ nll, const T* __restrict__ log_alpha,
                                  T* __restrict__ log_beta, T* __restrict__ grad, i64 steps,
                                  i64 batch, i64 classes, i64 width, i64 blank,
                                  int zero_infinity) {
    const T ninf = mt::Lim<T>::lowest();
    const i64 W = 2 * width + 1;
    for (i64 b = blockIdx.x; b < batch; b += gridDim.x) {
        const i64 length = input_lengths[b], labels = target_lengths[b];
        const i64 used = 2 * labels + 1;
        const i64* target = targets + b * width;
        const T* alpha = log_alpha + b * W;        // step t at alpha + t * stride
        T* beta = log_beta + b * W;
        const i64 stride = batch * W;
        for (i64 t = length - 1; t >= 0; --t) {
            T* now = beta + t * stride;
            for (i64 s = threadIdx.x; s < W; s += blockDim.x) {
                T v = ninf;
                if (s < used) {
                    const i64 label = mt::ctc_label(target, s, blank);
                    const T here = lp[(t * batch + b) * classes + label];
                    if (t == length - 1) {
                        if (s == 2 * labels || (labels > 0 && s == 2 * labels - 1)) v = here;
                    } else {
                        const T* after = beta + (t + 1) * stride;
                        const T one_on = s + 1 < used ? after[s + 1] : ninf;
                        const bool skips = (s & 1) && s + 2 < used &&
                                           target[(s >> 1) + 1] != label;
                        const T two_on = skips ? after[s + 2] : ninf;
                        v = mt::ctc_log_add3(after[s], one_on, two_on) + here;
                    }
                }
                now[s] = v;
            }
            __syncthreads();
        }
        const T loss = nll[b];
        const bool dropped = zero_infinity && loss == mt::Lim<T>::highest();
        // PyTorch's last step: the final label's term replaces the final blank's when that
        // label is the blank itself
        const bool overwritten = labels > 0 && target[labels - 1] == blank;
        for (i64 t = 0; t < steps; ++t) {
            T* out = grad + (t * batch + b) * classes;
            const T* lp_t = lp + (t * batch + b) * classes;
            const T* alpha_t = alpha + t * stride;
            const T* beta_t = beta + t * stride;
            for (i64 c = threadIdx.x; c < classes; c += blockDim.x) {
                if (t >= length || dropped) {
                    out[c] = T(0);
                    continue;
                }
                const bool last_step = t == length - 1;
                // two passes over the positions labelled c: their maximum, then the sum
                T top = ninf;
                for (i64 s = (c == blank ? 0 : 1); s < used; s += (c == blank ? 1 : 2)) {
                    if (mt::ctc_label(target, s, blank) != c) continue;
                    if (last_step && overwritten && s == 2 * labels) continue;
                    const T ab = alpha_t[s] + beta_t[s];
                    top = ab > top ? ab : top;
                }
                T per_label = ninf;
                if (top != ninf) {
                    T sum = T(0);
                    for (i64 s = (c == blank ? 0 : 1); s < used; s += (c == blank ? 1 : 2)) {
                        if (mt::ctc_label(target, s, blank) != c) continue;
                        if (last_step && overwritten && s == 2 * labels) continue;
                        sum += mt::exp_(alpha_t[s] + beta_t[s] - top);
                    }
                    per_label = mt::log_(sum) + top;
                }
                const T here = lp_t[c];
                out[c] = (mt::exp_(here) - mt::exp_(per_label + loss - here)) * gy[b];
            }
        }
        __syncthreads();                  // the next sample's block reuses the threads
    }
}
