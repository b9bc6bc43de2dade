"""PyTorch's CPU float32 sigmoid, bit for bit (Numba), and SLEEF's expf under it.

PyTorch's float32 sigmoid is a cpu_kernel_vec loop (UnaryOpsKernel.cpp, Loops.h
vectorized_loop): blocks of 2 * Vec::size() elements (32 under AVX512, 16 under AVX2) take
1 / (1 + Vectorized::exp(0 - x)), whose exp is SLEEF's Sleef_expf16_u10 (FMA flavour); the rest
of each parallel chunk takes the scalar 1 / (1 + std::exp(-x)), glibc's expf. Tensors above
GRAIN_SIZE (32768) elements are split by at::parallel_for into ceil(n / chunks)-element chunks,
chunks = min(threads, ceil(n / GRAIN_SIZE)), each with its own tail.

The kernels (numba_kernels/sleef.py) follow SLEEF's published expf algorithm (Cody-Waite
reduction by ln 2, a degree-6 polynomial, ldexp in two halves) one float32 rounding at a time,
with true fused multiply-adds (llvm.fma.f32); `expf_numpy` below repeats it in NumPy. The
scalar tail calls glibc's expf itself: float32(exp(double)) differs from it on a few inputs in
10^5. The same layout serves pow (_sleef_pow.py), elu and softplus (_sleef_activations.py);
expm1 and log1p take SLEEF on every element (_sleef_vml.py).

Not here: torch.exp, log, tanh, sin, cos, atan, log2, log10, sqrt on float32 go through
at::vml, which this PyTorch build (with MKL) sends to MKL's VML (vsExp, vsLn, vsTanh, ... in HA
mode), not to SLEEF; MKL's algorithms are not published.
"""
import importlib.util
import numpy as np

from .backends.one_element import round32 as _round32

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


# ---- the Numba side: microtorch/backends/numba_kernels/sleef.py, imported on first use -------

_kernels = None


def kernels():
    """The compiled kernels' module (imports Numba on first call; Numba's disk cache serves
    its functions to a new process)."""
    global _kernels
    if _kernels is None:
        from .backends.numba_kernels import sleef
        _kernels = sleef
    return _kernels


# ---- array entry points (float32 C-contiguous arrays in, new arrays out) ---------------------

def _threads():
    from ._top_level import get_num_threads
    return get_num_threads()


_block = []                     # vector_block(), found once


def sigmoid(x):
    """PyTorch's float32 sigmoid of array x (its vector blocks and scalar tails), or None
    when x is not float32. Numba runs it where the kernels are on (numba_dispatch), NumPy and
    glibc through ctypes otherwise, and for arrays too small for one vector block."""
    if x.dtype is not _FLOAT32:
        return None
    if x.size == 1:                 # the hot path: PyTorch's scalar loop, glibc's expf
        expf = _glibc[0] if _glibc else _glibc_expf()
        # 1 + e and 1 / it, each rounded to float32 (backends/one_element.py); the store
        # rounds the quotient (an index store costs half of `fill`)
        out = np.empty(x.shape, _FLOAT32)
        out[(0,) * x.ndim] = 1.0 / _round32(1.0 + expf(-x.item()))
        return out
    if not _block:
        _block.append(vector_block())
    block = _block[0]
    if x.flags.f_contiguous and not x.flags.c_contiguous:
        return sigmoid(x.T).T                   # dense too: PyTorch walks it in memory order
    if x.flags.c_contiguous:
        return _sigmoid_dense(x.reshape(-1), block).reshape(x.shape)
    if x.ndim > 1 and x.strides[-1] == x.itemsize and x.shape[-1] > 1:
        return _sigmoid_rows(x, block)
    # strided throughout: PyTorch's basic_loop, scalar
    return _sigmoid_dense(np.ascontiguousarray(x).reshape(-1), 1 << 62).reshape(x.shape)


def _sigmoid_rows(x, block):
    """Strided x whose last dim is contiguous (a slice of rows, of columns): TensorIterator's
    inner loop is each row, cut at the threads' chunks, each piece in vector blocks from its
    start and a scalar tail (_sleef_pow's segments)."""
    from ._sleef_pow import _segments
    flat = np.ascontiguousarray(x).reshape(-1)
    out = _sigmoid_dense(flat, 1)                       # every element by the vector form
    tails = [(v, e) for _, v, e in _segments(flat.size, block, x.shape[-1]) if e > v]
    if tails:                                           # then the tails by the scalar one
        where = np.concatenate([np.arange(v, e) for v, e in tails])
        out[where] = _sigmoid_dense(flat[where], 1 << 62)
    return out.reshape(x.shape)


def _sigmoid_dense(flat, block):
    """sigmoid of a 1-d float32 array in PyTorch's order: each parallel chunk in `block`-element
    vector blocks and a scalar tail (block 1: all vector; 1 << 62: all scalar)."""
    if flat.size < block or not _use_numba():
        return _sigmoid_numpy(flat, block)
    out = np.empty(flat.shape, np.float32)
    n = flat.size
    k = _kernels or kernels()
    if n <= GRAIN_SIZE:
        k.sigmoid_serial(flat, out, block)
    else:
        begin, _, end = sigmoid_layout(n, _threads(), block)[0]
        k.sigmoid_chunks(flat, out, end - begin, block)
    return out


_FLOAT32 = np.dtype(np.float32)


def _use_numba():
    if not _dispatch:                   # an import statement per call would cost 0.4 us
        from .backends import numba_dispatch
        _dispatch.append(numba_dispatch.settings)
    return _numba_found and _dispatch[0].enabled


_dispatch = []                          # numba_dispatch.settings, found once


# ---- the same without Numba: NumPy for the vector blocks, ctypes for glibc's expf ---------------

_glibc = []


def _glibc_expf():
    if not _glibc:
        import ctypes
        import ctypes.util
        fn = ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6').expf
        fn.restype, fn.argtypes = ctypes.c_float, [ctypes.c_float]
        _glibc.append(fn)
    return _glibc[0]


_F = np.float32
_R_LN2, _L2U, _L2L = _F(1.4426950408889634), _F(0.693145751953125), _F(1.428606765330187e-06)
_EXP_C = [_F(c) for c in (0.000198527617612853646278381, 0.00139304355252534151077271,
                          0.00833336077630519866943359, 0.0416664853692054748535156,
                          0.166666671633720397949219, 0.5)]


_ONE = _F(1)


def _fma(a, b, c):
    from ._fma import fma_float32
    return fma_float32(a, b, c)


def _expf_steps(fma, qf, d):
    """expf_u10's reduction and polynomial: 1 + e^s - 1 for s = d - q ln 2."""
    s = fma(qf, -_L2U, d)
    s = fma(qf, -_L2L, s)
    u = fma(_EXP_C[0], s, _EXP_C[1])
    for c in _EXP_C[2:]:
        u = fma(u, s, c)
    return _F(1) + fma(s * s, u, s)


def _fma_steps(dtype, body):
    from ._fma import fma_steps
    return fma_steps(dtype, body)


def expf_numpy(d):
    """Sleef_expf_u10 of a float32 array, in NumPy (the same steps as the Numba expf)."""
    with np.errstate(all='ignore'):
        clamped = np.nan_to_num(np.clip(d, _F(-104), _F(100)))
        q = np.rint(clamped * _R_LN2).astype(np.int32)
        qf = q.astype(np.float32)
        u = _fma_steps(np.float32, lambda fma: _expf_steps(fma, qf, d))
        h = q >> 1
        u = u * ((h + 127) << 23).view(np.float32) * ((q - h + 127) << 23).view(np.float32)
        u = np.where(d < _F(-104), _F(0), u)
        u = np.where(_F(100) < d, _F(np.inf), u)
        return np.where(np.isnan(d), d, u).astype(np.float32)


def _sigmoid_numpy(flat, block):
    out = np.empty(flat.shape, np.float32)
    expf = _glibc_expf()
    one = _F(1)
    layout = sigmoid_layout(flat.size, _threads() if flat.size > GRAIN_SIZE else 1, block)
    for begin, vector_end, end in layout:
        if vector_end > begin:
            with np.errstate(all='ignore'):
                out[begin:vector_end] = one / (one + expf_numpy(_F(0) - flat[begin:vector_end]))
        for i in range(vector_end, end):
            out[i] = one / (one + _F(expf(-float(flat[i]))))
    return out
