"""PyTorch's float32 Box-Muller kernel, bit for bit: the Cephes log and sincos of avx_mathfun.h.

PyTorch's normal_ on 16 or more contiguous float32 elements (randn, normal_, the nn.init
normals) turns each block of 16 uniforms u into eight pairs with NormalFill16<float>, whose
x86 build (CPU_CAPABILITY_AVX2; an AVX512 CPU runs the same kernel, as the distribution
kernels have no AVX512 build) is, in float32 vectors of 8:

    radius = sqrt(-2 * log256_ps(1 - u[:8]))      theta = float32(2 pi) * u[8:]
    sincos256_ps(theta) -> (sin, cos)
    out[:8] = fma(radius * cos, std, mean)        out[8:] = fma(radius * sin, std, mean)

log256_ps and sincos256_ps are Julien Pommier's ports of the Cephes library's logf and
sinf/cosf (not SLEEF, not correctly rounded): logf splits x into 2^e * m with m in
[sqrt(1/2), sqrt(2)), a degree-8 polynomial in m - 1 and e * ln 2 in two parts; sincos reduces
|x| by multiples of pi/4 (Cody-Waite, three parts of pi/4, the octant from a truncation) to
[-pi/4, pi/4], where two short polynomials give sin and cos. GCC compiled their separate
multiplies and adds with -mfma and contracted most multiply-add pairs into fused
multiply-adds (read from PyTorch 2.13's binary); each function here repeats that code one
float32 rounding at a time, `fma` where the binary has one. The constants are
Cephes's, as the library holds them in float32.

Without AVX2 (the DEFAULT build) PyTorch runs the scalar NormalFill16 instead: the C library's
logf, sinf and cosf, theta = float32(2 pi * u) rounded from double, std::fma(r cos t, std, mean)
(`box_muller_sixteens` with capability 'DEFAULT').

The NumPy functions take the fused multiply-add as a parameter: `fma_exact` (microtorch._fma,
exact for any float32 operands) or `fma_double` (one float64 multiply-add, then float32: twice
as fast, and exact on the 2^24 inputs this kernel can meet, a float32 uniform's 24 bits:
tests/test_random_stream.py checks all of them). A draw of a few blocks takes `few_sixteens`,
the same steps with the log and sincos lanes side by side, in float64 (half the NumPy calls).

Which route runs (Numba on): the Numba kernel costs ~1.3 us for 2 blocks where NumPy costs
~50 us, but it must be loaded first, once a process (~0.23 s with Numba not yet imported, of
which 0.12 s is `import numba`; ~0.1 s once it is; ~3x that to compile when Numba's disk cache
has no copy). That is ski rental: NumPy runs (rents) until the time it has taken, with the
NumPy time the next call is expected to take, reaches the load's expected cost; then the kernel
is loaded (bought) and runs every later draw. A process never pays more than twice the best
choice in hindsight; one drawing randn(32) 200 times (an example's batches) never loads Numba,
and a single huge draw loads it at once.
"""
import math
import os
import sys
import time

import numpy as np

from ._fma import fma_float32 as fma_exact

_F = np.float32


def _f(bits):
    """The float32 with these bits (the constants are given exactly)."""
    return np.array(bits, np.uint32).view(np.float32)[()]


# ---- logf: Cephes's coefficients of log(1 + x) = x - x^2 / 2 + x^3 * P(x) ----------------------
_LOG_P = tuple(_f(b) for b in (0x3d9021bb, 0xbdebd1b8, 0x3def251a, 0xbdfe5d4f, 0x3e11e9bf,
                               0xbe2aae50, 0x3e4cceac, 0xbe7ffffc, 0x3eaaaaaa))
_LOG_Q1 = _f(0xb95e8083)            # -2.12194440e-4: ln 2 = Q2 - Q1, Q2 with 9 bits
_LOG_Q2 = _f(0x3f318000)            # 0.693359375
_SQRT_HALF = _f(0x3f3504f3)
_MIN_NORMAL = _f(0x00800000)

# ---- sincos: pi/4 in three parts, the polynomials of cos and sin on [-pi/4, pi/4] ------------
_FOUR_OVER_PI = _f(0x3fa2f983)      # 1.27323954
_MINUS_PI_4 = (_f(0xbf490000), _f(0xb97da000), _f(0xb3222169))
_COS_P = (_f(0x37ccf5ce), _f(0xbab6061a), _f(0x3d2aaaa5))
_SIN_P = (_f(0xb94ca1f9), _f(0x3c08839e), _f(0xbe2aaaa3))

_TWO_PI = _F(2.0 * math.pi)
_ONE, _HALF = _F(1), _F(0.5)


def fma_double(a, b, c):
    """float32(a * b + c) by way of one float64 a * b + c (exact product, rounded sum): equal
    to one rounding except where the float64 sum falls on a float32 halfway point."""
    total = np.multiply(a, b, dtype=np.float64)
    total += c
    return total.astype(np.float32)


def logf(x, fma=fma_exact):
    """log256_ps of a float32 array (Cephes logf): nan for x <= 0, as PyTorch's."""
    x = np.asarray(x, np.float32)
    invalid = ~(x > 0)
    x = np.maximum(x, _MIN_NORMAL)                        # (subnormals count as the smallest)
    bits = x.view(np.int32)
    e = ((bits >> 23) - 127).astype(np.float32) + _ONE    # x = 2^e m, m in [0.5, 1)
    m = ((bits & np.int32(-0x7f800001)) | np.int32(0x3f000000)).view(np.float32)
    small = m < _SQRT_HALF                                # then m -> 2m, e -> e - 1
    e -= np.where(small, _ONE, _F(0))
    m = (m - _ONE) + np.where(small, m, _F(0))            # the new m - 1, exactly
    z = m * m
    y = fma(_LOG_P[0], m, _LOG_P[1])
    for p in _LOG_P[2:]:
        y = fma(y, m, p)
    y = fma(y * m, z, e * _LOG_Q1)                        # m^3 P(m) + e Q1
    y = y - z * _HALF                     # (fused by GCC, but z/2 is exact)
    out = e * _LOG_Q2 + (m + y)           # (fused too, but e Q2 is exact)
    if invalid.any():
        out[invalid] = np.nan
    return out


def sincosf(x, fma=fma_exact):
    """(sin, cos) of a float32 array by sincos256_ps (Cephes sinf and cosf), for |x| below
    about 8192 (beyond it the three-part reduction loses the argument, as PyTorch's does)."""
    x = np.asarray(x, np.float32)
    sign = x.view(np.int32) & np.int32(-0x80000000)
    x = np.abs(x)
    octant = (x * _FOUR_OVER_PI).astype(np.int32)         # truncated, then rounded up to even
    octant = (octant + 1) & ~1
    y = octant.astype(np.float32)
    r = fma(y, _MINUS_PI_4[0], x)
    r = fma(y, _MINUS_PI_4[1], r)
    r = fma(y, _MINUS_PI_4[2], r)                         # x - octant pi/4, in [-pi/4, pi/4]
    z = r * r
    c = fma(fma(_COS_P[0], z, _COS_P[1]), z, _COS_P[2])
    c = fma(z, z * c, -(z * _HALF)) + _ONE                # 1 - z/2 + z^2 C(z)
    s = fma(fma(_SIN_P[0], z, _SIN_P[1]), z, _SIN_P[2])
    s = fma(r, z * s, r)                                  # r + r^3 S(z)
    use_sin = (octant & 2) == 0                           # the sine polynomial gives sin here
    sin = np.where(use_sin, s, c)
    cos = np.where(use_sin, c, s)
    sin_sign = sign ^ ((octant & 4) << 29)
    cos_sign = (~(octant - 2) & 4) << 29
    return ((sin.view(np.int32) ^ sin_sign).view(np.float32),
            (cos.view(np.int32) ^ cos_sign).view(np.float32))


def box_muller_sixteens(uniforms, mean=0.0, std=1.0, capability=None):
    """PyTorch's NormalFill16<float> on a float32 array of whole blocks of 16 uniforms: each
    block's first 8 become r cos t, its last 8 r sin t, then `* std + mean` as one fused
    multiply-add in float32. capability: 'AVX512', 'AVX2' (the same kernel) or 'DEFAULT'
    (the scalar one); None: this machine's, as microtorch.backends.cpu reports it."""
    blocks = np.asarray(uniforms, np.float32).reshape(-1, 16)
    if (capability or _capability()) == 'DEFAULT':
        return _scalar_sixteens(blocks, mean, std)
    if _use_numba() and (_compiled or _rent_is_up(len(blocks))):
        return numba_sixteens(blocks, mean, std)
    start = time.perf_counter()
    if len(blocks) <= _FEW_BLOCKS:
        out = few_sixteens(blocks, mean, std)
    else:
        out = numpy_sixteens(blocks, mean, std)
    _rent[0] += time.perf_counter() - start
    return out


def numpy_sixteens(blocks, mean=0.0, std=1.0, fma=fma_double):
    """The vector kernel in NumPy, on float32 blocks of shape (n, 16)."""
    radius = np.sqrt(_F(-2) * logf(_ONE - blocks[:, :8], fma))
    sin, cos = sincosf(_TWO_PI * blocks[:, 8:], fma)
    out = np.concatenate([radius * cos, radius * sin], axis=1)
    return _scale(out, mean, std).reshape(-1)


# ---- few blocks: the lanes side by side in float64 ------------------------------------------

# Up to this many blocks `few_sixteens` beats numpy_sixteens (2 blocks: 50 us against 76).
_FEW_BLOCKS = 64

_D = np.float64
_P = tuple(float(p) for p in _LOG_P)
_D1, _D2, _D3 = (float(d) for d in _MINUS_PI_4)
# Each row of the stacked work (n, 24): the log's 8 lanes, then cos's 8 and sin's 8 polynomials,
# which start from C0 and S0 and take their last two Horner steps with the log's.
_START = np.repeat(np.array([0.0, _COS_P[0], _SIN_P[0]]), 8)
_LAST_STEPS = (np.repeat(np.array([_LOG_P[7], _COS_P[1], _SIN_P[1]]), 8),
               np.repeat(np.array([_LOG_P[8], _COS_P[2], _SIN_P[2]]), 8))
# By octant / 2 (0 to 4, theta in [0, 2 pi)): sin and cos trade places, and their signs.
_SWAP = np.array([False, True, False, True, False])
_COS_SIGN = np.array([1.0, -1.0, -1.0, 1.0, 1.0])
_SIN_SIGN = np.array([1.0, 1.0, -1.0, -1.0, 1.0])


def _round(x):
    """float64 x rounded to float32, held in float64."""
    return x.astype(np.float32).astype(_D)


def few_sixteens(blocks, mean=0.0, std=1.0):
    """numpy_sixteens(blocks, mean, std) for uniforms in [0, 1), in half the NumPy calls
    (per-call cost is all there is at a few blocks): float64 work holding float32 values, so
    that each fused multiply-add is a product (exact in float64), one float64 sum and one
    float32 rounding, as `fma_double`; log and sincos lanes share the Horner steps they can.
    The domain lets logf's and sincosf's guards go: 1 - u is a normal float32 in (0, 1], theta
    is not negative. tests/test_random_stream.py checks it on all 2^24 uniforms."""
    n = len(blocks)
    u = blocks.astype(_D)
    # log lanes: 1 - u = 2^e m with m in [1/2, 1) (Cephes's split), then m - 1 in
    # [sqrt(1/2) - 1, sqrt(2) - 1): all exact
    m, e = np.frexp(1.0 - u[:, :8])
    small = m < float(_SQRT_HALF)
    e = e - small
    m = np.ldexp(m, small)
    m -= 1.0
    # sincos lanes: theta = 2 pi u in float32, reduced by the octant (rounded up to even)
    theta = _round(u[:, 8:] * float(_TWO_PI))
    half_octant = np.floor(_round(theta * float(_FOUR_OVER_PI)) * 0.5 + 0.5)
    y = half_octant * 2.0
    r = y * _D1
    r += theta                  # exact: Cody-Waite's first part leaves a float32 (unrounded)
    for part in (_D2, _D3):
        t = y * part
        t += r
        r = _round(t)
    z = _round(r * r)
    # Horner: the log's first steps alone, its last two with cos's and sin's
    s = m * _P[0]
    s += _P[1]
    s = _round(s)
    for p in _P[2:7]:
        s *= m
        s += p
        s = _round(s)
    v = np.empty((n, 24))
    v[:, :8] = m
    v[:, 8:16] = z
    v[:, 16:] = z
    w = np.empty((n, 24))
    w[:] = _START
    w[:, :8] = s
    for step in _LAST_STEPS:
        w *= v
        w += step
        w = _round(w)
    w *= v
    w = _round(w)                                          # y m, z c, z s
    # log: fma(y m, z, e Q1) - z / 2, then e Q2 + (m + y); radius = sqrt(-2 log)
    z_log = _round(m * m)
    lg = w[:, :8] * z_log
    lg += _round(e * float(_LOG_Q1))
    lg = _round(lg)
    lg -= z_log * 0.5
    lg = _round(lg)
    lg += m
    lg = _round(lg)
    log = e * float(_LOG_Q2)
    log += lg
    log = _round(log)
    log *= -2.0
    radius = np.sqrt(log.astype(np.float32)).astype(_D)
    # cos = fma(z, z c, -z / 2) + 1, sin = fma(r, z s, r), then by the octant
    c = w[:, 8:16] * z
    c -= z * 0.5
    c = _round(c)
    c += 1.0
    c = _round(c)
    sin = w[:, 16:] * r
    sin += r
    sin = _round(sin)
    k = half_octant.astype(np.intp)
    swap = _SWAP[k]
    out = np.empty((n, 16), np.float32)
    out[:, :8] = radius * np.where(swap, sin, c) * _COS_SIGN[k]     # exact products,
    out[:, 8:] = radius * np.where(swap, c, sin) * _SIN_SIGN[k]     # rounded once
    return _scale(out, mean, std).reshape(-1)


def numba_sixteens(blocks, mean=0.0, std=1.0):
    """The vector kernel in Numba (compiled on first use), on float32 blocks (n, 16): on
    both cores from PARALLEL_FROM normals."""
    out = np.empty(blocks.shape, np.float32)
    serial, parallel = _kernel()
    kernel = parallel if out.size >= PARALLEL_FROM else serial
    kernel(np.ascontiguousarray(blocks), out, _F(mean), _F(std))
    return out.reshape(-1)


# On the 2-core Xeon the parallel kernel took 1.4-2.6 of the serial one's time at 2^12
# normals, 0.73-0.98 at 2^14 and 0.51-0.60 at 2^16
# (benchmarks/results/cpu-conv-pad-2026-12-06/box_muller.md).
PARALLEL_FROM = 1 << 15


def _scale(out, mean, std):
    """fma(out, std, mean) in float32."""
    mean, std = _F(mean), _F(std)
    if std == _ONE:
        return out + mean                   # fma(x, 1, mean) is one rounding of x + mean
    return fma_exact(out, std, mean)


_found = []


def _capability():
    if not _found:
        from .backends.cpu import get_cpu_capability
        _found.append(get_cpu_capability())
    return _found[0]


# ---- the DEFAULT build: the C library's float functions, one element at a time ----------------

_libm = []


def _scalar_sixteens(blocks, mean, std):
    if not _libm:
        import ctypes
        import ctypes.util
        lib = ctypes.CDLL(ctypes.util.find_library('m') or 'libm.so.6')
        for name in ('logf', 'sinf', 'cosf'):
            function = getattr(lib, name)
            function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
            _libm.append(function)
    log, sin, cos = _libm

    def each(function, values):
        return np.fromiter(map(function, values.ravel().tolist()), np.float32,
                           values.size).reshape(values.shape)
    radius = np.sqrt(_F(-2) * each(log, _ONE - blocks[:, :8]))
    theta = (2.0 * math.pi * blocks[:, 8:].astype(np.float64)).astype(np.float32)
    out = np.concatenate([radius * each(cos, theta), radius * each(sin, theta)], axis=1)
    return fma_exact(out, _F(std), _F(mean)).reshape(-1)


# ---- the Numba kernel: the same steps with llvm.fma, for long runs and large draws ------------

# Seconds the NumPy routes have taken in this process (the rent paid so far).
_rent = [0.0]

# NumPy's time per block of 16 on large draws (~0.6 us on a 2-core AMD EPYC VM), to foresee a
# call's rent; and the expected cost of loading the kernel (measured there, see the top).
_NUMPY_SECONDS_PER_BLOCK = 0.6e-6
_LOAD_SECONDS = 0.23
_LOAD_SECONDS_NUMBA_IMPORTED = 0.1
_COMPILE_FACTOR = 3


def _rent_is_up(blocks):
    """Has the NumPy time spent, with this call's, reached the cost of loading the kernel?"""
    return _rent[0] + blocks * _NUMPY_SECONDS_PER_BLOCK >= _load_seconds()


def _load_seconds():
    """The expected cost of loading the Numba kernel now: less once Numba is imported, more
    when its cache (next to the module, unless NUMBA_CACHE_DIR moves it) has no copy."""
    seconds = _LOAD_SECONDS_NUMBA_IMPORTED if 'numba' in sys.modules else _LOAD_SECONDS
    if not _cache_found:
        folder = os.path.join(os.path.dirname(__file__), 'backends', 'numba_kernels',
                              '__pycache__')
        try:
            _cache_found.append(any(name.startswith('box_muller.sixteens-')
                                    and name.endswith('.nbi') for name in os.listdir(folder)))
        except OSError:
            _cache_found.append(False)
    return seconds if _cache_found[0] else seconds * _COMPILE_FACTOR


_cache_found = []


def _use_numba():
    from .backends import numba_dispatch
    return numba_dispatch.settings.enabled


_compiled = []


def _kernel():
    if not _compiled:
        from .backends.numba_kernels.box_muller import sixteens, sixteens_parallel
        _compiled.append((sixteens, sixteens_parallel))
    return _compiled[0]
