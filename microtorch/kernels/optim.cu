// optim.cu: one fused, in-place update per parameter for SGD, Adam/AdamW, RMSprop, Adagrad,
// Adamax, NAdam, RAdam, Adadelta, ASGD, Rprop and (its elementwise part) Adafactor, with the
// formulas of torch.optim (microtorch/backends/cpu.py has the same steps in NumPy).
//
//   sgd_step:  d = g (-g if maximize) + wd p;  with momentum: buf = d on the first step,
//              else buf = momentum buf + (1 - dampening) d; d = buf, or d + momentum buf
//              (nesterov);  p -= lr d
//   adam_step: g (-g if maximize) + wd p (coupled decay), or p *= 1 - lr wd (AdamW);
//              m += (g - m)(1 - beta1);  v = beta2 v + (1 - beta2) g^2;
//              vmax = max(vmax, v) (amsgrad);  p -= step_size m / (sqrt(v) / bc2_sqrt + eps)
//              with step_size = lr / (1 - beta1^t), bc2_sqrt = sqrt(1 - beta2^t) computed by
//              the caller in float64 and passed in the parameter's dtype.
//   rmsprop_step: g (-g if maximize) + wd p;  s = alpha s + (1 - alpha) g^2;  centered:
//              a += (g - a)(1 - alpha), avg = sqrt(s - a^2) + eps, else sqrt(s) + eps;
//              with momentum: buf = momentum buf + g / avg, p -= lr buf;  else p -= lr g / avg
//   adagrad_step: g (-g if maximize) + wd p;  sum += g^2;  p -= clr g / (sqrt(sum) + eps),
//              clr = lr / (1 + (t - 1) lr_decay) computed by the caller
//   adamax_step: g (-g if maximize) + wd p;  m += (g - m)(1 - beta1);
//              u = max(beta2 u, |g| + eps);  p -= clr m / u,  clr = lr / (1 - beta1^t)
//   nadam_step: g as adam_step's (coupled or decoupled decay);  Adam's m and v;
//              denom = sqrt(v / bc2) + eps;  p += grad_coef g / denom + avg_coef m / denom,
//              the momentum schedule's coefficients computed by the caller
//   radam_step: g and m, v as nadam_step's;  rectified: p -= (m / bc1) lr adaptive /
//              (sqrt(v) + eps), adaptive = sqrt(bc2) r_t from the caller;  else
//              p -= (m / bc1) lr
//   adadelta_step: g (-g if maximize) + wd p;  s = rho s + (1 - rho) g^2;
//              d = sqrt(a + eps) / sqrt(s + eps) g;  a = rho a + (1 - rho) d^2;  p -= lr d
//   asgd_step: g (-g if maximize) + wd p;  p = p (1 - lambd eta) - eta g;  ax += (p - ax) mu,
//              or ax = p while mu is 1
//   rprop_step: g (-g if maximize);  the step size times etaplus where g prev > 0, etaminus
//              where < 0 (g then 0), clamped to [min, max];  p -= sign(g) size;  prev = g
//   adafactor_step: the elementwise part of Adafactor's step: update = g / sqrt(max(v,
//              eps1^2)), v = row_var col_var / scale (factored) or the full variance; the
//              caller updates the moments and applies p -= alpha / denom update (it needs the
//              norm of the update)
// Hyper-parameters arrive in the parameter's dtype T, as NumPy's `array *= python_float`
// rounds them, so float32 updates match the CPU backend's.
//
// Bytes moved per element (T = float: 4 bytes):
//   sgd_step   no momentum: read p, g, write p                 3 * sizeof(T)  (12 B)
//              momentum: read p, g, buf, write p, buf          5 * sizeof(T)  (20 B)
//   adam_step  read p, g, m, v, write p, m, v                  7 * sizeof(T)  (28 B)
//              amsgrad: + read/write vmax                      9 * sizeof(T)  (36 B)
//   rmsprop_step read p, g, s, write p, s                      5 * sizeof(T)  (20 B)
//              + 2 * sizeof(T) each for momentum and centered
//   adagrad_step read p, g, sum, write p, sum                  5 * sizeof(T)  (20 B)
//   adamax_step, nadam_step, radam_step, adadelta_step
//              read p, g and two state arrays, write p and both 7 * sizeof(T)  (28 B)
//   asgd_step  read p, g, ax, write p, ax                       5 * sizeof(T)  (20 B)
//   rprop_step read p, g, prev, size, write p, prev, size      7 * sizeof(T)  (28 B)
//   adafactor_step read g, variance, write update              3 * sizeof(T)  (12 B)
//              factored: read g, write update (the factors are per row and column)
#include "common.cuh"

template <typename T>
__global__ void sgd_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf,
                         i64 n, T lr, T momentum, T keep, T weight_decay, int dampened,
                         int nesterov, int maximize, int first_step) {
    // keep = 1 - dampening, used when dampened != 0
    mt::grid_stride_x4(n, [&](i64 i) {
        const T param = p[i];
        T d = maximize ? T(-g[i]) : g[i];
        if (weight_decay != T(0)) d += param * weight_decay;
        if (momentum != T(0)) {
            T b;
            if (first_step) {
                b = d;
            } else {
                b = buf[i] * momentum;
                b += dampened ? T(d * keep) : d;
            }
            buf[i] = b;
            if (nesterov) d += b * momentum;
            else d = b;
        }
        p[i] = param - d * lr;
    });
}

// Adam's first moment, m.lerp_(g, 1 - beta1), and second, beta2 v + (1 - beta2) g^2.
template <typename T>
__device__ __forceinline__ T lerp_moment(T m, T grad, T one_m_beta1) {
    return m + (grad - m) * one_m_beta1;
}

template <typename T>
__device__ __forceinline__ T square_moment(T v, T grad, T beta2, T one_m_beta2) {
    return v * beta2 + grad * grad * one_m_beta2;
}

// The gradient of the Adam family's steps: maximize, then coupled weight decay, or the
// parameter scaled by decay = 1 - lr wd (decoupled). Updates *param in place for the latter.
template <typename T>
__device__ __forceinline__ T adam_family_grad(T& param, T grad, T weight_decay, T decay,
                                              int maximize, int decoupled) {
    if (maximize) grad = -grad;
    if (weight_decay != T(0)) {
        if (decoupled) param *= decay;
        else grad += param * weight_decay;
    }
    return grad;
}

template <typename T>
__global__ void adam_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                          T* __restrict__ v, T* __restrict__ vmax, i64 n, T decay,
                          T one_m_beta1, T beta2, T one_m_beta2, T eps, T weight_decay,
                          T step_size, T bc2_sqrt, int amsgrad, int maximize,
                          int decoupled) {
    // decay = 1 - lr * weight_decay (AdamW); vmax is only touched with amsgrad
    mt::grid_stride_x4(n, [&](i64 i) {
        T param = p[i];
        const T grad = adam_family_grad(param, g[i], weight_decay, decay, maximize,
                                        decoupled);
        const T mi = lerp_moment(m[i], grad, one_m_beta1);
        m[i] = mi;
        T vi = square_moment(v[i], grad, beta2, one_m_beta2);
        v[i] = vi;
        if (amsgrad) {
            const T vm = vmax[i];
            vi = vm > vi ? vm : vi;
            vmax[i] = vi;
        }
        const T denom = mt::sqrt_(vi) / bc2_sqrt + eps;
        p[i] = param - (mi / denom) * step_size;
    });
}

template <typename T>
__global__ void rmsprop_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sq,
                             T* __restrict__ buf, T* __restrict__ avg_g, i64 n, T lr, T alpha,
                             T one_m_alpha, T eps, T weight_decay, T momentum, int centered,
                             int maximize) {
    // buf is touched only with momentum != 0, avg_g only when centered
    mt::grid_stride_x4(n, [&](i64 i) {
        const T param = p[i];
        T grad = maximize ? T(-g[i]) : g[i];
        if (weight_decay != T(0)) grad += param * weight_decay;
        const T s = sq[i] * alpha + grad * grad * one_m_alpha;
        sq[i] = s;
        T avg;
        if (centered) {
            T a = avg_g[i];
            a += (grad - a) * one_m_alpha;
            avg_g[i] = a;
            avg = mt::sqrt_(T(s - a * a)) + eps;
        } else {
            avg = mt::sqrt_(s) + eps;
        }
        if (momentum != T(0)) {
            const T b = buf[i] * momentum + grad / avg;
            buf[i] = b;
            p[i] = param - b * lr;
        } else {
            p[i] = param - (grad / avg) * lr;
        }
    });
}

template <typename T>
__global__ void adagrad_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sum,
                             i64 n, T clr, T eps, T weight_decay, int maximize) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T param = p[i];
        T grad = maximize ? T(-g[i]) : g[i];
        if (weight_decay != T(0)) grad += param * weight_decay;
        const T s = sum[i] + grad * grad;
        sum[i] = s;
        p[i] = param - (grad / (mt::sqrt_(s) + eps)) * clr;
    });
}

template <typename T>
__global__ void adamax_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                            T* __restrict__ u, i64 n, T clr, T one_m_beta1, T beta2, T eps,
                            T weight_decay, int maximize) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T param = p[i];
        T grad = maximize ? T(-g[i]) : g[i];
        if (weight_decay != T(0)) grad += param * weight_decay;
        const T mi = lerp_moment(m[i], grad, one_m_beta1);
        m[i] = mi;
        const T decayed = u[i] * beta2;
        const T size = mt::fabs_(grad) + eps;
        const T ui = decayed > size ? decayed : size;
        u[i] = ui;
        p[i] = param - (mi / ui) * clr;
    });
}

template <typename T>
__global__ void nadam_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                           T* __restrict__ v, i64 n, T decay, T one_m_beta1, T beta2,
                           T one_m_beta2, T bias_correction2, T eps, T weight_decay,
                           T grad_coef, T avg_coef, int maximize, int decoupled) {
    mt::grid_stride_x4(n, [&](i64 i) {
        T param = p[i];
        const T grad = adam_family_grad(param, g[i], weight_decay, decay, maximize,
                                        decoupled);
        const T mi = lerp_moment(m[i], grad, one_m_beta1);
        m[i] = mi;
        const T vi = square_moment(v[i], grad, beta2, one_m_beta2);
        v[i] = vi;
        const T denom = mt::sqrt_(T(vi / bias_correction2)) + eps;
        param += (grad * grad_coef) / denom;
        p[i] = param + (mi * avg_coef) / denom;
    });
}

template <typename T>
__global__ void radam_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m,
                           T* __restrict__ v, i64 n, T decay, T one_m_beta1, T beta2,
                           T one_m_beta2, T bias_correction1, T lr, T adaptive, T eps,
                           T weight_decay, int rectified, int maximize, int decoupled) {
    mt::grid_stride_x4(n, [&](i64 i) {
        T param = p[i];
        const T grad = adam_family_grad(param, g[i], weight_decay, decay, maximize,
                                        decoupled);
        const T mi = lerp_moment(m[i], grad, one_m_beta1);
        m[i] = mi;
        const T vi = square_moment(v[i], grad, beta2, one_m_beta2);
        v[i] = vi;
        T update = (mi / bias_correction1) * lr;
        if (rectified) update *= adaptive / (mt::sqrt_(vi) + eps);
        p[i] = param - update;
    });
}

template <typename T>
__global__ void adadelta_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ sq,
                              T* __restrict__ acc, i64 n, T lr, T rho, T one_m_rho, T eps,
                              T weight_decay, int maximize) {
    mt::grid_stride_x4(n, [&](i64 i) {
        const T param = p[i];
        T grad = maximize ? T(-g[i]) : g[i];
        if (weight_decay != T(0)) grad += param * weight_decay;
        const T s = sq[i] * rho + grad * grad * one_m_rho;
        sq[i] = s;
        const T a = acc[i];
        const T delta = mt::sqrt_(T(a + eps)) / mt::sqrt_(T(s + eps)) * grad;
        acc[i] = a * rho + delta * delta * one_m_rho;
        p[i] = param - delta * lr;
    });
}

template <typename T>
__global__ void asgd_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ ax,
                          i64 n, T shrink, T eta, T mu, T weight_decay, int maximize,
                          int average) {
    // shrink = 1 - lambd eta; ax is set to p until averaging starts (mu != 1)
    mt::grid_stride_x4(n, [&](i64 i) {
        T param = p[i];
        T grad = maximize ? T(-g[i]) : g[i];
        if (weight_decay != T(0)) grad += param * weight_decay;
        param *= shrink;
        param -= grad * eta;
        p[i] = param;
        if (average) {
            const T a = ax[i];
            ax[i] = a + (param - a) * mu;
        } else {
            ax[i] = param;
        }
    });
}

template <typename T>
__global__ void rprop_step(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ prev,
                           T* __restrict__ step_size, i64 n, T etaminus, T etaplus,
                           T smallest, T largest, int maximize) {
    mt::grid_stride_x4(n, [&](i64 i) {
        T grad = maximize ? T(-g[i]) : g[i];
        const T product = grad * prev[i];
        T factor = product;                 // a nan product keeps its nan
        if (product > T(0)) {
            factor = etaplus;
        } else if (product < T(0)) {
            factor = etaminus;
            grad = T(0);                    // the sign flipped: no step, and no memory of it
        } else if (product == T(0)) {
            factor = T(1);
        }
        T s = step_size[i] * factor;
        if (s < smallest) s = smallest;     // clamp as PyTorch's: max wins over min, nan stays
        if (s > largest) s = largest;
        step_size[i] = s;
        const T direction = grad > T(0) ? T(1) : grad < T(0) ? T(-1) : grad;   // sign, nan kept
        p[i] = p[i] - direction * s;
        prev[i] = grad;
    });
}

template <typename T>
__global__ void adafactor_step(T* __restrict__ update, const T* __restrict__ g,
                               const T* __restrict__ second, const T* __restrict__ col,
                               const T* __restrict__ scale, i64 n, i64 rows, i64 cols,
                               T eps1_sq, int factored, int maximize) {
    // factored: second is row_var (one per row of every matrix), col the col_var and scale
    // max(mean(row_var), eps1) per matrix; else second is the full variance.
    mt::grid_stride_x4(n, [&](i64 i) {
        T v;
        if (factored) {
            const i64 row = i / cols;
            const i64 matrix = row / rows;
            v = second[row] * col[matrix * cols + i % cols];
            v = v / scale[matrix];
        } else {
            v = second[i];
        }
        if (v < eps1_sq) v = eps1_sq;
        const T grad = maximize ? T(-g[i]) : g[i];
        update[i] = (T(1) / mt::sqrt_(v)) * grad;
    });
}
