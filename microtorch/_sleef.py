"""PyTorch's CPU float32 sigmoid, bit for bit (Numba), and SLEEF's expf under it.

PyTorch's float32 sigmoid is a cpu_kernel_vec loop (UnaryOpsKernel.cpp, Loops.h
vectorized_loop): blocks of 2 * Vec::size() elements (32 under AVX512, 16 under AVX2) take
1 / (1 + Vectorized::exp(0 - x)), whose exp is SLEEF's Sleef_expf16_u10 (FMA flavour); the rest
of each parallel chunk takes the scalar 1 / (1 + std::exp(-x)), glibc's expf. Tensors above
GRAIN_SIZE (32768) elements are split by at::parallel_for into ceil(n / chunks)-element chunks,
chunks = min(threads, ceil(n / GRAIN_SIZE)), each with its own tail.

`expf` below follows SLEEF's published algorithm (Cody-Waite reduction by ln 2, a degree-6
polynomial, ldexp in two halves) one float32 rounding at a time, with true fused multiply-adds
(llvm.fma.f32). The scalar tail calls glibc's expf itself: float32(exp(double)) differs from
it on a few inputs in 10^5.

Not here: torch.exp, log, tanh, sin, cos, atan, log2, log10 on float32 go through at::vml,
which this PyTorch build (with MKL) sends to MKL's VML (vsExp, vsLn, vsTanh, ... in HA mode),
not to SLEEF; MKL's algorithms are not published.
"""
import importlib.util
import numpy as np

GRAIN_SIZE = 32768              # at::internal::GRAIN_SIZE: below it, one thread does it all


def available():
    """Can the exact kernels run (Numba installed)?"""
    return _numba_found


_numba_found = importlib.util.find_spec('numba') is not None


def vector_block():
    """2 * Vec<float>::size(): 32 float32 elements under AVX512, 16 under AVX2."""
    from .backends.cpu import get_cpu_capability
    return {'AVX512': 32, 'AVX2': 16}.get(get_cpu_capability(), 1)


def sigmoid_layout(n, threads, block):
    """[(begin, vector_end, end)] of PyTorch's float32 sigmoid loop over n elements: each
    parallel chunk runs [begin, vector_end) in vector blocks, [vector_end, end) in scalar."""
    chunks = 1
    if n > GRAIN_SIZE and threads > 1:
        chunks = min(threads, -(-n // GRAIN_SIZE))
    size = -(-n // chunks) if n else 0
    out = []
    for begin in range(0, n, size or 1):
        end = min(n, begin + size)
        out.append((begin, begin + (end - begin) // block * block, end))
    return out


# ---- the Numba side: built on first use --------------------------------------------------------

_kernels = None


def kernels():
    """The compiled functions (imports Numba on first call)."""
    global _kernels
    if _kernels is None:
        _kernels = _build()
    return _kernels


def _build():
    import numba
    from numba import types
    from numba.core import cgutils
    from numba.extending import intrinsic, register_jitable
    from llvmlite import ir

    @intrinsic
    def fma(typingctx, a, b, c):
        """a * b + c rounded once (llvm.fma.f32: the CPU's FMA instruction)."""
        sig = types.float32(types.float32, types.float32, types.float32)

        def codegen(context, builder, signature, args):
            fn = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.FloatType(), [ir.FloatType()] * 3),
                'llvm.fma.f32')
            return builder.call(fn, args)
        return sig, codegen

    @intrinsic
    def from_bits(typingctx, i):
        """The float32 whose bits are int32 i."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], ir.FloatType())
        return types.float32(types.int32), codegen

    f32 = np.float32
    jit = register_jitable(inline='always')
    ONE, ZERO = f32(1), f32(0)
    R_LN2 = f32(1.442695040888963407359924681001892137426645954152985934135449406931)
    L2U, L2L = f32(0.693145751953125), f32(1.428606765330187045e-06)
    EXP_C = tuple(f32(c) for c in (0.000198527617612853646278381, 0.00139304355252534151077271,
                                   0.00833336077630519866943359, 0.0416664853692054748535156,
                                   0.166666671633720397949219, 0.5))
    INF = f32(np.inf)
    c0, c1, c2, c3, c4, c5 = EXP_C

    @jit
    def rint_int(x):
        return np.int32(np.rint(x))

    @jit
    def pow2i(q):
        return from_bits(np.int32((q + 127) << 23))

    @jit
    def ldexp2(d, q):
        h = q >> 1
        return d * pow2i(h) * pow2i(q - h)

    # ---- the functions ----

    @jit
    def expf(d):
        """Sleef_expf_u10. Selects, not branches, so that LLVM vectorises the loops."""
        clamped = min(max(d, f32(-104)), f32(100))      # keeps q an int32; nan stays nan
        q = rint_int(clamped * R_LN2) if clamped == clamped else np.int32(0)
        qf = f32(q)
        s = fma(qf, -L2U, d)
        s = fma(qf, -L2L, s)
        u = fma(fma(fma(fma(fma(c0, s, c1), s, c2), s, c3), s, c4), s, c5)
        u = ldexp2(ONE + fma(s * s, u, s), q)
        u = ZERO if d < f32(-104) else u
        u = INF if f32(100) < d else u
        return d if d != d else u

    # glibc's expf by name: the process has libm loaded, and unlike a ctypes object the
    # declaration pickles into Numba's cache
    glibc_expf = types.ExternalFunction('expf', types.float32(types.float32))

    @jit
    def sigmoid_vector(x):
        return ONE / (ONE + expf(ZERO - x))

    @jit
    def sigmoid_scalar(x):
        return ONE / (ONE + glibc_expf(-x))

    options = dict(cache=True, error_model='numpy')

    def sigmoid_run(x, out, chunk, block):
        n = x.size
        for c in numba.prange((n + chunk - 1) // chunk):
            begin = c * chunk
            end = min(n, begin + chunk)
            vector_end = begin + (end - begin) // block * block
            for i in range(begin, vector_end):
                out[i] = sigmoid_vector(x[i])
            for i in range(vector_end, end):
                out[i] = sigmoid_scalar(x[i])

    def sigmoid_serial(x, out, block):
        n = x.size
        vector_end = n // block * block
        for i in range(vector_end):
            out[i] = sigmoid_vector(x[i])
        for i in range(vector_end, n):
            out[i] = sigmoid_scalar(x[i])

    return {'sigmoid': (numba.njit(parallel=True, **options)(sigmoid_run),
                        numba.njit(**options)(sigmoid_serial)),
            'expf': numba.njit(**options)(expf)}


# ---- array entry points (float32 C-contiguous arrays in, new arrays out) ---------------------

def _threads():
    from ._top_level import get_num_threads
    return get_num_threads()


_block = []                     # vector_block(), found once


def sigmoid(x):
    """PyTorch's float32 sigmoid of array x (its vector blocks and scalar tails), or None
    when x is not float32 or Numba is missing (the caller then uses NumPy)."""
    if x.dtype != _FLOAT32 or not _numba_found:
        return None
    if not _block:
        _block.append(vector_block())
    block = _block[0]
    flat = x.reshape(-1) if x.flags.c_contiguous else np.ascontiguousarray(x).reshape(-1)
    out = np.empty(flat.shape, np.float32)
    n = flat.size
    parallel, serial = (_kernels or kernels())['sigmoid']
    if n <= GRAIN_SIZE:
        serial(flat, out, block)
    else:
        begin, _, end = sigmoid_layout(n, _threads(), block)[0]
        parallel(flat, out, end - begin, block)
    return out.reshape(x.shape)


_FLOAT32 = np.dtype(np.float32)
