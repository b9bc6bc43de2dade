// binary.cu: elementwise binary ops with broadcasting (arithmetic, rounded division and
// remainders), where(), comparisons, and the fused backward of maximum/minimum.
//
// The output is contiguous, of the broadcast shape, n elements. Each operand comes in one
// of four kinds, chosen per launch by the backend (after it has merged the dims that can be
// merged, so most calls never need the strided form):
//   0  contiguous, of the output's shape          p[i]
//   1  a Python number, passed by value           s
//   2  a single element (a 0-d or size-1 array)   p[0]
//   3  strided / broadcast (stride 0)             p[offset(i)], offsets from `meta`
// meta (int64, on the device, only for kind 3) = [ndim, shape[ndim], strides of operand 0
// [ndim], strides of operand 1 [ndim], ...], strides in elements (0 on broadcast dims).
//
// Bytes moved per element of the output (T = float: 4 bytes):
//   <op>_forward, both operands contiguous     read a, b, write out    3 * sizeof(T)  (12 B)
//   <op>_forward, one number or one element    read one, write out     2 * sizeof(T)  (8 B)
//   a broadcast operand is re-read from cache; DRAM traffic stays near the figures above
//   compare_forward                            read a, b, write bool   2 * sizeof(T) + 1
//   where_forward                              read c, a, b, write     3 * sizeof(T) + 1
//   maximum/minimum_backward                   read a, b, gy, write ga, gb  5 * sizeof(T)
//   linear_forward (bias add, in place)        read y, write y        2 * sizeof(T)
#include "common.cuh"

namespace mt {

// out[i] = op(a[i], b[i]) over the broadcast, for the operand kinds given.
template <typename T, typename R, typename Op>
__device__ __forceinline__ void binary_map(const T* __restrict__ a, const T* __restrict__ b,
                                           R* __restrict__ out, i64 n, T sa, T sb, int ka,
                                           int kb, const i64* __restrict__ meta, Op op) {
    if (ka == 0 && kb == 0) {                          // the common case: no branches inside
        grid_stride_x4(n, [&](i64 i) { out[i] = op(a[i], b[i]); });
    } else if (ka != 3 && kb != 3) {
        grid_stride_x4(n, [&](i64 i) {
            out[i] = op(load(a, ka, sa, i, 0), load(b, kb, sb, i, 0));
        });
    } else if (n <= 0x7fffffffLL) {
        MT_GRID_STRIDE(i, n) {
            i64 off[2];
            strided_offsets<2>((unsigned)i, meta, off);
            out[i] = op(load(a, ka, sa, i, off[0]), load(b, kb, sb, i, off[1]));
        }
    } else {
        MT_GRID_STRIDE(i, n) {
            i64 off[2];
            strided_offsets<2>((unsigned long long)i, meta, off);
            out[i] = op(load(a, ka, sa, i, off[0]), load(b, kb, sb, i, off[1]));
        }
    }
}

template <typename T> struct AddOp {
    __device__ T operator()(T a, T b) const { return T(a + b); }     // bool: a or b
};
template <typename T> struct SubOp {
    __device__ T operator()(T a, T b) const { return T(a - b); }
};
template <typename T> struct MulOp {
    __device__ T operator()(T a, T b) const { return T(a * b); }     // bool: a and b
};
template <typename T> struct DivOp {
    __device__ T operator()(T a, T b) const { return a / b; }
};
// NaN wins, as in NumPy and PyTorch
template <typename T> struct MaxOp {
    __device__ T operator()(T a, T b) const { return (a > b || a != a) ? a : b; }
};
template <typename T> struct MinOp {
    __device__ T operator()(T a, T b) const { return (a < b || a != a) ? a : b; }
};

__device__ __forceinline__ float pow2(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double pow2(double a, double b) { return pow(a, b); }
// integer powers: exact by squaring; a negative exponent truncates 1/a^|b| toward zero
template <typename I> __device__ __forceinline__ I ipow2(I a, I b) {
    if (b < 0) return a == 1 ? I(1) : a == -1 ? ((b & 1) ? I(-1) : I(1)) : I(0);
    I r = 1;
    while (b > 0) {
        if (b & 1) r *= a;
        a *= a;
        b >>= 1;
    }
    return r;
}
__device__ __forceinline__ int pow2(int a, int b) { return ipow2(a, b); }
__device__ __forceinline__ long long pow2(long long a, long long b) { return ipow2(a, b); }
template <typename T> struct PowOp {
    __device__ T operator()(T a, T b) const { return pow2(a, b); }
};

// Rounded division and remainders, as PyTorch computes them. Floats: floor division is
// Python's (through fmod, so that 5.5 // -2 is -3 exactly); remainder takes b's sign, fmod
// a's. Integers: a zero divisor gives 0 here (the CPU backend raises PyTorch's error; a GPU
// check would cost a host round trip, and PyTorch's CUDA kernels do not check either).
__device__ __forceinline__ float fmod_(float a, float b) { return fmodf(a, b); }
__device__ __forceinline__ double fmod_(double a, double b) { return fmod(a, b); }
template <typename T> __device__ __forceinline__ T floor_divide_(T a, T b) {
    if (b == T(0)) return a / b;                              // inf or nan
    const T mod = fmod_(a, b);
    T div = (a - mod) / b;
    if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
    if (div == T(0)) return copysign_(T(0), a / b);
    T q = floor_(div);
    if (div - q > T(0.5)) q += T(1);
    return q;
}
template <typename T> __device__ __forceinline__ T remainder_(T a, T b) {
    T mod = fmod_(a, b);
    if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) mod += b;
    return mod;
}
template <typename T> __device__ __forceinline__ T trunc_divide_(T a, T b) {
    return trunc_(a / b);
}
template <typename I> __device__ __forceinline__ I ifloor_divide(I a, I b) {
    if (b == 0) return 0;
    const I q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? I(q - 1) : q;
}
template <typename I> __device__ __forceinline__ I iremainder(I a, I b) {
    if (b == 0) return 0;
    const I r = a % b;
    return (r != 0 && ((r < 0) != (b < 0))) ? I(r + b) : r;
}
// the integer versions: exact overloads, chosen over the float templates above
template <typename I> __device__ __forceinline__ I itrunc_divide(I a, I b) {
    return b == 0 ? I(0) : I(a / b);
}
template <typename I> __device__ __forceinline__ I ifmod(I a, I b) {
    return b == 0 ? I(0) : I(a % b);
}
__device__ __forceinline__ int floor_divide_(int a, int b) { return ifloor_divide(a, b); }
__device__ __forceinline__ i64 floor_divide_(i64 a, i64 b) { return ifloor_divide(a, b); }
__device__ __forceinline__ int remainder_(int a, int b) { return iremainder(a, b); }
__device__ __forceinline__ i64 remainder_(i64 a, i64 b) { return iremainder(a, b); }
__device__ __forceinline__ int trunc_divide_(int a, int b) { return itrunc_divide(a, b); }
__device__ __forceinline__ i64 trunc_divide_(i64 a, i64 b) { return itrunc_divide(a, b); }
__device__ __forceinline__ int fmod_(int a, int b) { return ifmod(a, b); }
__device__ __forceinline__ i64 fmod_(i64 a, i64 b) { return ifmod(a, b); }

template <typename T> struct FloorDivideOp {
    __device__ T operator()(T a, T b) const { return floor_divide_(a, b); }
};
template <typename T> struct TruncDivideOp {
    __device__ T operator()(T a, T b) const { return trunc_divide_(a, b); }
};
template <typename T> struct RemainderOp {
    __device__ T operator()(T a, T b) const { return remainder_(a, b); }
};
template <typename T> struct Atan2Op {
    __device__ T operator()(T a, T b) const { return atan2_(a, b); }
};
template <typename T> struct HypotOp {
    __device__ T operator()(T a, T b) const { return hypot_(a, b); }
};
template <typename T> struct FmodOp {
    __device__ T operator()(T a, T b) const { return fmod_(a, b); }
};

// comparisons: 0 ==, 1 !=, 2 <, 3 <=, 4 >, 5 >=
template <typename T> struct CmpOp {
    int op;
    __device__ bool operator()(T a, T b) const {
        switch (op) {
            case 0: return a == b;
            case 1: return a != b;
            case 2: return a < b;
            case 3: return a <= b;
            case 4: return a > b;
            default: return a >= b;
        }
    }
};
}  // namespace mt

#define MT_BINARY_ARGS                                                            \
    const T *__restrict__ a, const T *__restrict__ b, T *__restrict__ out, i64 n, \
        T sa, T sb, int ka, int kb, const i64 *__restrict__ meta

template <typename T> __global__ void add_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::AddOp<T>());
}
template <typename T> __global__ void sub_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::SubOp<T>());
}
template <typename T> __global__ void mul_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::MulOp<T>());
}
template <typename T> __global__ void div_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::DivOp<T>());
}
template <typename T> __global__ void floor_divide_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::FloorDivideOp<T>());
}
template <typename T> __global__ void trunc_divide_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::TruncDivideOp<T>());
}
template <typename T> __global__ void remainder_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::RemainderOp<T>());
}
template <typename T> __global__ void atan2_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::Atan2Op<T>());
}
template <typename T> __global__ void hypot_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::HypotOp<T>());
}
template <typename T> __global__ void fmod_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::FmodOp<T>());
}
template <typename T> __global__ void pow_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::PowOp<T>());
}
template <typename T> __global__ void maximum_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::MaxOp<T>());
}
template <typename T> __global__ void minimum_forward(MT_BINARY_ARGS) {
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, mt::MinOp<T>());
}

// out: bool
template <typename T>
__global__ void compare_forward(const T* __restrict__ a, const T* __restrict__ b,
                                bool* __restrict__ out, i64 n, T sa, T sb, int ka, int kb,
                                const i64* __restrict__ meta, int op) {
    mt::CmpOp<T> cmp;
    cmp.op = op;
    mt::binary_map(a, b, out, n, sa, sb, ka, kb, meta, cmp);
}

// out = c ? a : b; three operands (c bool), meta strides in the order c, a, b
template <typename T>
__global__ void where_forward(const bool* __restrict__ c, const T* __restrict__ a,
                              const T* __restrict__ b, T* __restrict__ out, i64 n, T sa, T sb,
                              int kc, int ka, int kb, const i64* __restrict__ meta) {
    if (kc == 0 && ka == 0 && kb == 0) {
        mt::grid_stride_x4(n, [&](i64 i) { out[i] = c[i] ? a[i] : b[i]; });
    } else {
        const bool has_strided = kc == 3 || ka == 3 || kb == 3;
        MT_GRID_STRIDE(i, n) {
            i64 off[3] = {0, 0, 0};
            if (has_strided) mt::strided_offsets<3>((unsigned long long)i, meta, off);
            const bool ci = kc == 0 ? c[i] : kc == 2 ? c[0] : c[off[0]];
            out[i] = ci ? mt::load(a, ka, sa, i, off[1]) : mt::load(b, kb, sb, i, off[2]);
        }
    }
}

// ---- maximum / minimum backward: the larger (smaller) side takes gy, ties split it ------
// ga and gb are contiguous at the output's shape (the engine sums them to each input's).
namespace mt {
template <typename T, bool IS_MAX>
__device__ __forceinline__ void extreme_backward(const T* __restrict__ a,
                                                 const T* __restrict__ b,
                                                 const T* __restrict__ gy, T* __restrict__ ga,
                                                 T* __restrict__ gb, i64 n, T sa, T sb,
                                                 int ka, int kb, const i64* __restrict__ meta) {
    const bool strided = ka == 3 || kb == 3;
    MT_GRID_STRIDE(i, n) {
        i64 off[2] = {0, 0};
        if (strided) strided_offsets<2>((unsigned long long)i, meta, off);
        const T x = load(a, ka, sa, i, off[0]), y = load(b, kb, sb, i, off[1]);
        const T g = gy[i], half = T(g * T(0.5));
        const bool a_wins = IS_MAX ? x > y : x < y;
        const bool b_wins = IS_MAX ? y > x : y < x;
        const bool tie = x == y;
        ga[i] = a_wins ? g : tie ? half : T(0);
        gb[i] = b_wins ? g : tie ? half : T(0);
    }
}
}  // namespace mt

template <typename T>
__global__ void maximum_backward(const T* __restrict__ a, const T* __restrict__ b,
                                 const T* __restrict__ gy, T* __restrict__ ga,
                                 T* __restrict__ gb, i64 n, T sa, T sb, int ka, int kb,
                                 const i64* __restrict__ meta) {
    mt::extreme_backward<T, true>(a, b, gy, ga, gb, n, sa, sb, ka, kb, meta);
}
template <typename T>
__global__ void minimum_backward(const T* __restrict__ a, const T* __restrict__ b,
                                 const T* __restrict__ gy, T* __restrict__ ga,
                                 T* __restrict__ gb, i64 n, T sa, T sb, int ka, int kb,
                                 const i64* __restrict__ meta) {
    mt::extreme_backward<T, false>(a, b, gy, ga, gb, n, sa, sb, ka, kb, meta);
}

// ---- linear_forward: nn.Linear's bias, added in place into x @ W^T (cuBLAS's product) ---
// y is contiguous [rows, features]; bias [features]. Bytes: read y, write y (bias cached):
// 2 * sizeof(T) per element of y.
template <typename T>
__global__ void linear_forward(T* __restrict__ y, const T* __restrict__ bias, i64 n,
                               i64 features) {
    if (n <= 0x7fffffffLL) {                  // 32-bit modulo: several times cheaper
        const unsigned f = (unsigned)features;
        MT_GRID_STRIDE(i, n) y[i] += bias[(unsigned)i % f];
    } else {
        MT_GRID_STRIDE(i, n) y[i] += bias[i % features];
    }
}
