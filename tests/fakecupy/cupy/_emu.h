// _emu.h: run microtorch's CUDA kernels on the CPU, for the tests of machines without a GPU.
//
// The kernel sources are compiled as plain C++ with the CUDA keywords defined away. Each
// launch runs every block in turn; inside a block each CUDA thread is a fiber (its own
// stack, switched by a few lines of x86-64 assembly), so __syncthreads and the warp
// shuffles really wait for the other threads: a missing barrier or a divergent one shows up
// as a wrong result or a reported deadlock, not as luck. One OS thread runs everything, so
// atomicAdd needs no atomics. Only 1-D grids and blocks (all microtorch uses).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

struct dim3 {
    unsigned x, y, z;
};

namespace mt_emu {
extern "C" void mt_emu_switch(void** save_sp, void* next_sp);

enum State { RUNNABLE, WAIT_BLOCK, WAIT_WARP, DONE };

struct Fiber {
    void* sp;
    State state;
};

inline dim3 g_thread = {0, 1, 1}, g_block = {0, 1, 1}, g_block_dim = {1, 1, 1},
            g_grid_dim = {1, 1, 1};
inline std::vector<Fiber> g_fibers;
inline std::vector<char*> g_stacks;
inline void* g_scheduler_sp = nullptr;
inline int g_current = 0;
inline const std::function<void()>* g_body = nullptr;
inline unsigned long long g_shuffle[1024];
inline char g_error[512];
constexpr size_t STACK_BYTES = 64 * 1024;

inline void yield_as(State s) {
    g_fibers[g_current].state = s;
    mt_emu_switch(&g_fibers[g_current].sp, g_scheduler_sp);
}

[[noreturn]] inline void trampoline() {
    (*g_body)();
    g_fibers[g_current].state = DONE;
    mt_emu_switch(&g_fibers[g_current].sp, g_scheduler_sp);
    std::abort();                                  // a finished fiber is never resumed
}

// A fresh fiber's stack: six callee-saved registers, then the trampoline's address for the
// `ret` of mt_emu_switch, then a fake return address (keeps the ABI's 16-byte alignment).
inline void* fresh_stack(char* stack) {
    uintptr_t top = ((uintptr_t)(stack + STACK_BYTES)) & ~(uintptr_t)15;
    void** sp = (void**)top;
    *--sp = nullptr;
    *--sp = (void*)&trampoline;
    for (int i = 0; i < 6; ++i) *--sp = nullptr;
    return (void*)sp;
}

// Run one block; returns false (with g_error set) on a deadlocked barrier.
inline bool run_block(unsigned threads) {
    while (g_stacks.size() < threads) g_stacks.push_back((char*)std::malloc(STACK_BYTES));
    g_fibers.assign(threads, Fiber{nullptr, RUNNABLE});
    for (unsigned t = 0; t < threads; ++t) g_fibers[t].sp = fresh_stack(g_stacks[t]);
    for (;;) {
        for (unsigned t = 0; t < threads; ++t) {
            if (g_fibers[t].state != RUNNABLE) continue;
            g_current = (int)t;
            g_thread.x = t;
            mt_emu_switch(&g_scheduler_sp, g_fibers[t].sp);
        }
        unsigned live = 0, at_block = 0;
        for (auto& f : g_fibers) {
            live += f.state != DONE;
            at_block += f.state == WAIT_BLOCK;
        }
        if (live == 0) return true;
        bool released = false;
        if (at_block == live) {                    // everyone alive reached __syncthreads
            for (auto& f : g_fibers)
                if (f.state == WAIT_BLOCK) f.state = RUNNABLE;
            released = true;
        }
        for (unsigned w = 0; w < threads; w += 32) {   // warps whose live lanes all wait
            unsigned live_w = 0, waiting = 0;
            for (unsigned t = w; t < w + 32 && t < threads; ++t) {
                live_w += g_fibers[t].state != DONE;
                waiting += g_fibers[t].state == WAIT_WARP;
            }
            if (waiting && waiting == live_w) {
                for (unsigned t = w; t < w + 32 && t < threads; ++t)
                    if (g_fibers[t].state == WAIT_WARP) g_fibers[t].state = RUNNABLE;
                released = true;
            }
        }
        if (!released) {
            std::snprintf(g_error, sizeof g_error,
                          "deadlock in block %u: %u threads alive, %u at __syncthreads, the "
                          "rest at a warp barrier their whole warp does not reach",
                          g_block.x, live, at_block);
            return false;
        }
    }
}

inline int run_grid(unsigned grid, unsigned block, const std::function<void()>& body) {
    if (block == 0 || block > 1024 || block % 32 != 0) {
        std::snprintf(g_error, sizeof g_error, "block size %u: not a multiple of 32 in "
                      "[32, 1024] (the kernels assume whole warps)", block);
        return 1;
    }
    g_body = &body;
    g_grid_dim = {grid, 1, 1};
    g_block_dim = {block, 1, 1};
    for (unsigned b = 0; b < grid; ++b) {
        g_block.x = b;
        if (!run_block(block)) return 1;
    }
    return 0;
}

// ---- the launch ABI: args[i] points at argument i's bytes (as cuLaunchKernel's) --------
template <typename... A, size_t... I>
std::tuple<A...> unpack(void** args, std::index_sequence<I...>) {
    return std::tuple<A...>(*reinterpret_cast<std::remove_reference_t<A>*>(args[I])...);
}

template <typename... A>
int launch(void (*kernel)(A...), unsigned grid, unsigned block, void** args) {
    std::tuple<A...> values = unpack<A...>(args, std::index_sequence_for<A...>{});
    std::function<void()> body = [&]() { std::apply(kernel, values); };
    return run_grid(grid, block, body);
}

// One letter per parameter for the Python side to check the arguments it passes:
// p<kind><bytes> a pointer, v<kind><bytes> a value; kind f float, b bool, i integer.
template <typename X> void describe_one(std::string& out) {
    typedef std::remove_cv_t<std::remove_pointer_t<X>> B;
    out += std::is_pointer<X>::value ? 'p' : 'v';
    out += std::is_floating_point<B>::value ? 'f' : std::is_same<B, bool>::value ? 'b' : 'i';
    out += std::to_string(sizeof(B));
    out += ',';
}
template <typename... A> std::string describe(void (*)(A...)) {
    std::string out;
    (void)std::initializer_list<int>{(describe_one<A>(out), 0)...};
    return out;
}

// ---- device intrinsics ----------------------------------------------------------------
inline void syncthreads() { yield_as(WAIT_BLOCK); }

template <typename T> T shfl_xor(T v, int lane_mask) {
    static_assert(sizeof(T) <= 8, "shuffle of a type over 8 bytes");
    const unsigned me = g_thread.x, src = (me & ~31u) | ((me & 31u) ^ (unsigned)lane_mask);
    std::memcpy(&g_shuffle[me], &v, sizeof(T));
    yield_as(WAIT_WARP);                     // every lane has written its value
    T r;
    std::memcpy(&r, &g_shuffle[src], sizeof(T));
    yield_as(WAIT_WARP);                     // every lane has read before anyone rewrites
    return r;
}

inline float int_as_float(int v) {
    float f;
    std::memcpy(&f, &v, 4);
    return f;
}
inline double longlong_as_double(long long v) {
    double d;
    std::memcpy(&d, &v, 8);
    return d;
}
inline unsigned float_as_uint(float v) {
    unsigned u;
    std::memcpy(&u, &v, 4);
    return u;
}
inline float uint_as_float(unsigned v) {
    float f;
    std::memcpy(&f, &v, 4);
    return f;
}
inline long long double_as_longlong(double v) {
    long long u;
    std::memcpy(&u, &v, 8);
    return u;
}
}  // namespace mt_emu

asm(R"(
.text
.globl mt_emu_switch
.type mt_emu_switch,@function
mt_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size mt_emu_switch, .-mt_emu_switch
)");

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define threadIdx (mt_emu::g_thread)
#define blockIdx (mt_emu::g_block)
#define blockDim (mt_emu::g_block_dim)
#define gridDim (mt_emu::g_grid_dim)
#define __syncthreads() mt_emu::syncthreads()
#define __shfl_xor_sync(mask, v, lane_mask) mt_emu::shfl_xor((v), (lane_mask))
#define __int_as_float(v) mt_emu::int_as_float(v)
#define __longlong_as_double(v) mt_emu::longlong_as_double(v)
#define __float_as_uint(v) mt_emu::float_as_uint(v)
#define __uint_as_float(v) mt_emu::uint_as_float(v)
#define __double_as_longlong(v) mt_emu::double_as_longlong(v)

// One OS thread runs every CUDA thread, and fibers switch only at barriers and shuffles:
// a compare-and-swap always sees the value it read.
template <typename T> T atomicCAS(T* address, T compare, T v) {
    const T old = *address;
    if (old == compare) *address = v;
    return old;
}

template <typename T> T atomicAdd(T* address, T v) {
    const T old = *address;
    *address = old + v;
    return old;
}

// CUDA's inverse error functions, which C++ lacks: a first guess (relative error under 2e-3),
// then Halley steps on erf(y) = a, or on erfc(y) = q = 1 - a (known exactly) where a >= 1/2;
// the float forms round the double result.
inline double mt_emu_inverse_erf(double a, double q) {
    if (q == 0.0) return __builtin_inf();
    if (a == 0.0) return 0.0;
    const double log_1ma2 = a >= 0.5 ? std::log(q * (1.0 + a)) : std::log1p(-a * a);
    const double t = 2.0 / (3.14159265358979323846 * 0.147) + 0.5 * log_1ma2;
    double y = std::sqrt(std::sqrt(t * t - log_1ma2 / 0.147) - t);
    for (int i = 0; i < 3; ++i) {
        const double residual = a >= 0.5 ? q - std::erfc(y) : std::erf(y) - a;
        const double u = residual / (1.1283791670955126 * std::exp(-y * y));
        y -= u / (1.0 + y * u);
    }
    return y;
}
inline double erfinv(double x) {
    if (!(std::fabs(x) <= 1.0)) return __builtin_nan("");
    if (x == 0.0) return x;
    return std::copysign(mt_emu_inverse_erf(std::fabs(x), 1.0 - std::fabs(x)), x);
}
inline double erfcinv(double q) {
    if (!(q >= 0.0 && q <= 2.0)) return __builtin_nan("");
    if (q > 1.0) return -mt_emu_inverse_erf(q - 1.0, 2.0 - q);
    return mt_emu_inverse_erf(1.0 - q, q);
}
inline float erfinvf(float x) { return (float)erfinv((double)x); }
inline float erfcinvf(float q) { return (float)erfcinv((double)q); }

// CUDA's modified Bessel functions of order 0 and 1 (C++17 has them for x >= 0; i0 is even,
// i1 odd)
inline double cyl_bessel_i0(double x) { return std::cyl_bessel_i(0.0, std::fabs(x)); }
inline double cyl_bessel_i1(double x) {
    return std::copysign(std::cyl_bessel_i(1.0, std::fabs(x)), x);
}
inline float cyl_bessel_i0f(float x) { return (float)cyl_bessel_i0((double)x); }
inline float cyl_bessel_i1f(float x) { return (float)cyl_bessel_i1((double)x); }
