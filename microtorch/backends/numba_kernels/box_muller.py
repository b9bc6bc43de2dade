"""PyTorch's float32 Box-Muller kernel in Numba (and bernoulli's compare of draws):
microtorch/_avx_mathfun.py's Cephes logf and sincosf, step for step, with llvm.fma where GCC
fused PyTorch's multiplies and adds. Not a routed primitive: microtorch._avx_mathfun loads
`sixteens` once NumPy has taken as long as the load costs (its ski rental), then calls it for
every draw. Module-level functions, so that Numba's disk cache serves a new process."""
import numba
import numpy as np

from ..._avx_mathfun import (_COS_P, _FOUR_OVER_PI, _LOG_P, _LOG_Q1, _LOG_Q2, _MIN_NORMAL,
                             _MINUS_PI_4, _SIN_P, _SQRT_HALF, _TWO_PI)
from .bits import bits_of as _bits_of, from_bits as _from_bits
from .fma import fma

_F, _I = np.float32, np.int32
P0, P1, P2, P3, P4, P5, P6, P7, P8 = _LOG_P
D1, D2, D3 = _MINUS_PI_4
C0, C1, C2 = _COS_P
S0, S1, S2 = _SIN_P
ONE, HALF, ZERO, MINUS_TWO, NAN = _F(1), _F(0.5), _F(0), _F(-2), _F(np.nan)


@numba.njit(inline='always')
def logf(x):
    """log256_ps: x = 2^e m, m - 1 in [sqrt(1/2) - 1, sqrt(2) - 1), a degree-8 polynomial."""
    invalid = not x > ZERO
    bits = _bits_of(max(x, _MIN_NORMAL))
    e = _F((bits >> 23) - 127) + ONE
    m = _from_bits((bits & _I(-0x7f800001)) | _I(0x3f000000))
    small = m < _SQRT_HALF
    e = e - ONE if small else e
    m = (m - ONE) + (m if small else ZERO)
    z = m * m
    y = fma(P0, m, P1)
    y = fma(y, m, P2)
    y = fma(y, m, P3)
    y = fma(y, m, P4)
    y = fma(y, m, P5)
    y = fma(y, m, P6)
    y = fma(y, m, P7)
    y = fma(y, m, P8)
    y = fma(y * m, z, e * _LOG_Q1)
    y = y - z * HALF
    out = fma(e, _LOG_Q2, m + y)
    return NAN if invalid else out


@numba.njit(inline='always')
def sincosf(x):
    """sincos256_ps: (sin x, cos x) by octants of pi/4 and two polynomials."""
    negative = x < ZERO
    x = abs(x)
    octant = (_I(x * _FOUR_OVER_PI) + _I(1)) & _I(-2)
    y = _F(octant)
    r = fma(y, D1, x)
    r = fma(y, D2, r)
    r = fma(y, D3, r)
    z = r * r
    c = fma(fma(C0, z, C1), z, C2)
    c = fma(z, z * c, -(z * HALF)) + ONE
    s = fma(fma(S0, z, S1), z, S2)
    s = fma(r, z * s, r)
    use_sin = (octant & 2) == 0
    sin = s if use_sin else c
    cos = c if use_sin else s
    sin = -sin if negative != ((octant & 4) != 0) else sin
    cos = -cos if (~(octant - 2) & 4) != 0 else cos
    return sin, cos


CHUNK = 64                 # blocks of 16 a task: 4 KiB of uniforms in, 4 KiB of normals out


@numba.njit(inline='always')
def _fill_chunk(blocks, out, mean, std, c):
    """NormalFill16<float> on blocks [64 c, 64 c + 64) of (n, 16): each block's first eight
    uniforms (the radii's) and last eight (the angles') are gathered into two rows, so that
    the math runs over contiguous lanes, which LLVM vectorises (over a block's eight at a time
    it did not: 5 us per 1024 normals against 1). The same operations on each element."""
    b0 = c * CHUNK
    count = min(blocks.shape[0], b0 + CHUNK) - b0
    lanes = np.empty((4, CHUNK * 8), np.float32)          # u1, u2, then r cos t, r sin t
    for b in range(count):
        for j in range(8):
            lanes[0, b * 8 + j] = blocks[b0 + b, j]
            lanes[1, b * 8 + j] = blocks[b0 + b, j + 8]
    u1, u2, first, last = lanes[0], lanes[1], lanes[2], lanes[3]
    for i in range(count * 8):
        radius = np.sqrt(MINUS_TWO * logf(ONE - u1[i]))
        sin, cos = sincosf(_TWO_PI * u2[i])
        first[i] = fma(radius * cos, std, mean)
        last[i] = fma(radius * sin, std, mean)
    for b in range(count):
        for j in range(8):
            out[b0 + b, j] = first[b * 8 + j]
            out[b0 + b, j + 8] = last[b * 8 + j]


@numba.njit(cache=True, error_model='numpy')
def sixteens(blocks, out, mean, std):
    """blocks (n, 16) float32 uniforms -> out (n, 16): NormalFill16<float> on each row."""
    for c in range((blocks.shape[0] + CHUNK - 1) // CHUNK):
        _fill_chunk(blocks, out, mean, std, c)


@numba.njit(parallel=True, cache=True, error_model='numpy')
def sixteens_parallel(blocks, out, mean, std):
    """sixteens with the chunks shared out over the threads."""
    for c in numba.prange((blocks.shape[0] + CHUNK - 1) // CHUNK):
        _fill_chunk(blocks, out, mean, std, c)


@numba.njit(parallel=True, cache=True)
def words_below(words, threshold, out):
    """out[i] = the 53 low bits of the 64-bit draw (words[2i] << 32 | words[2i + 1]) are
    below threshold (words: MT19937's 32-bit words as uint64)."""
    low21 = np.uint64(0x1FFFFF)
    limit = np.uint64(threshold)
    for i in numba.prange(out.size):
        high = words[2 * i] & low21
        out[i] = ((high << np.uint64(32)) | words[2 * i + 1]) < limit
