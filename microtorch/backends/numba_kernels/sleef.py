"""PyTorch's float32 loops over SLEEF's vector functions, in Numba (see microtorch/_sleef.py).

SLEEF's u10 functions are written here from their published algorithms, one float32 rounding
at a time, with true fused multiply-adds (llvm.fma.f32) where SLEEF's FMA builds use them, and
the x86 conversions' behaviour (an out-of-range float converts to INT_MIN). Double-float
("df") values are pairs (hi, lo) whose sum carries about 48 bits. The scalar tails call the C
library by name: glibc's expf, powf and pow, as PyTorch's scalar loops do.

Every function is module-level, so that Numba's disk cache serves a new process instead of
compiling again (a kernel defined inside a function gets a new cache key per process).
"""
import math

import numba
import numpy as np
from numba import prange, types

from ..._sleef_numpy import K
from .bits import bits_of, from_bits
from .fma import fma
from .twins import serial_twin
from .vector_width import wide

_F, _I = np.float32, np.int32
ONE, TWO, ZERO = _F(1), _F(2), _F(0)
INF, NAN, FLT_MIN, TWO_24, TWO_31, TWO_64 = K.INF, K.NAN, K.FLT_MIN, K.TWO_24, K.TWO_31, K.TWO_64
FOUR_THIRDS, R_LN2, L2U, L2L = K.FOUR_THIRDS, K.R_LN2, K.L2U, K.L2L
E0, E1, E2, E3, E4, E5 = K.EXP_C
K0, K1, K2, K3, K4 = K.K0, K.K1, K.K2, K.K3, K.K4
LN2_HI, LN2_LO, G0, G1, G2, C_HI, C_LO = K.LN2_HI, K.LN2_LO, K.G0, K.G1, K.G2, K.C_HI, K.C_LO
X0, X1, X2, X3, X4 = K.X0, K.X1, K.X2, K.X3, K.X4
P0, P1, P2 = K.P0, K.P1, K.P2
EXPM1_BIG, EXPM1_SMALL, LOG1P_BIG = K.EXPM1_BIG, K.EXPM1_SMALL, K.LOG1P_BIG
TANH_BIG = K.TANH_BIG
INT_MIN = -(1 << 31)


# ---- bits and x86 conversions ------------------------------------------------------------------

@numba.njit(inline='always')
def cvt_rint(x):
    """cvtps2dq: x rounded to the nearest int32 (ties to even); INT_MIN when out of range."""
    r = np.rint(x)
    inside = r >= -TWO_31 and r < TWO_31            # nan: False
    return _I(r if inside else ZERO) if inside else _I(INT_MIN)


@numba.njit(inline='always')
def cvt_trunc(x):
    """cvttps2dq: x truncated to int32; INT_MIN when out of range."""
    r = np.trunc(x)
    inside = r >= -TWO_31 and r < TWO_31
    return _I(r if inside else ZERO) if inside else _I(INT_MIN)


@numba.njit(inline='always')
def pow2i(q):
    return from_bits(_I((np.int64(q) + 127) << 23))


@numba.njit(inline='always')
def ldexp2(d, q):
    """d * 2^q in two halves (SLEEF's vldexp2)."""
    h = q >> 1
    return d * pow2i(h) * pow2i(q - h)


@numba.njit(inline='always')
def _wrap(i):
    """An int64 wrapped to int32's range, as int32 arithmetic would leave it."""
    return np.int64(_I(i))


@numba.njit(inline='always')
def ldexp_k(x, q):
    """SLEEF's vldexp: x * 2^q through four equal factors and a fifth, in int32 arithmetic
    (q = INT_MIN, from an overflowed conversion, included)."""
    q = np.int64(q)
    m = q >> 31
    m = _wrap(_wrap(_wrap(m + q) >> 6) - m) << 4
    m = _wrap(m)
    q = _wrap(q - _wrap(m << 2))
    m = m + 127
    m = m if m > 0 else np.int64(0)
    m = np.int64(0xff) if m > 0xff else m
    u = from_bits(_I(m << 23))
    x = x * u * u * u * u
    return x * from_bits(_I((q + 127) << 23))


# ---- double-float arithmetic (SLEEF's df.h, FMA flavour) ----------------------------------------

@numba.njit(inline='always')
def df_add2_ff(x, y):
    """x + y exactly, as (hi, lo) (no ordering needed)."""
    s = x + y
    v = s - x
    return s, (x - (s - v)) + (y - v)


@numba.njit(inline='always')
def df_add2_dff(xh, xl, y):
    s = xh + y
    v = s - xh
    return s, ((xh - (s - v)) + (y - v)) + xl


@numba.njit(inline='always')
def df_add2_dd(xh, xl, yh, yl):
    s = xh + yh
    v = s - xh
    return s, ((xh - (s - v)) + (yh - v)) + (xl + yl)


@numba.njit(inline='always')
def df_add_dd(xh, xl, yh, yl):
    """|x| >= |y|."""
    s = xh + yh
    return s, (((xh - s) + yh) + xl) + yl


@numba.njit(inline='always')
def df_add_fd(x, yh, yl):
    s = x + yh
    return s, ((x - s) + yh) + yl


@numba.njit(inline='always')
def df_normalize(xh, xl):
    s = xh + xl
    return s, (xh - s) + xl


@numba.njit(inline='always')
def df_mul_df(xh, xl, y):
    s = xh * y
    return s, fma(xl, y, fma(xh, y, -s))


@numba.njit(inline='always')
def df_mul_dd(xh, xl, yh, yl):
    s = xh * yh
    return s, fma(xh, yl, fma(xl, yh, fma(xh, yh, -s)))


@numba.njit(inline='always')
def df_squ(xh, xl):
    s = xh * xh
    return s, fma(xh + xh, xl, fma(xh, xh, -s))


@numba.njit(inline='always')
def df_div(nh, nl, dh, dl):
    t = ONE / dh
    qh = nh * t
    u = fma(t, nh, -qh)
    ql = fma(-dl, t, fma(-dh, t, ONE))
    return qh, fma(qh, ql, fma(nl, t, u))


# ---- SLEEF's functions -------------------------------------------------------------------------

@numba.njit(inline='always')
def expf(d):
    """Sleef_expf_u10. Selects, not branches, so that LLVM vectorises the loops."""
    clamped = min(max(d, _F(-104)), _F(100))        # keeps q an int32; nan stays nan
    q = _I(np.rint(clamped * R_LN2)) if clamped == clamped else _I(0)
    qf = _F(q)
    s = fma(qf, -L2U, d)
    s = fma(qf, -L2L, s)
    u = fma(fma(fma(fma(fma(E0, s, E1), s, E2), s, E3), s, E4), s, E5)
    u = ldexp2(ONE + fma(s * s, u, s), q)
    u = ZERO if d < _F(-104) else u
    u = INF if _F(100) < d else u
    return d if d != d else u


@numba.njit(inline='always')
def logkf(d):
    """log d as a double-float, for d > 0 (0, inf and nan give values powf overrides)."""
    tiny = d < FLT_MIN
    d = d * TWO_64 if tiny else d
    e = np.int64(((bits_of(d * FOUR_THIRDS) >> 23) & 0xff) - 127)
    m = from_bits(_I(np.int64(bits_of(d)) - (e << 23)))
    e = e - 64 if tiny else e
    nh, nl = df_add2_ff(-ONE, m)
    dh, dl = df_add2_ff(ONE, m)
    xh, xl = df_div(nh, nl, dh, dl)
    x2h, x2l = df_squ(xh, xl)
    t = fma(fma(G0, x2h, G1), x2h, G2)
    sh, sl = df_mul_df(LN2_HI, LN2_LO, _F(e))
    sh, sl = df_add_dd(sh, sl, xh * TWO, xl * TWO)
    ph, pl = df_mul_dd(x2h, x2l, xh, xl)
    rh, rl = df_mul_df(x2h, x2l, t)
    rh, rl = df_add2_dd(rh, rl, C_HI, C_LO)
    ph, pl = df_mul_dd(ph, pl, rh, rl)
    return df_add_dd(sh, sl, ph, pl)


@numba.njit(inline='always')
def expkf(dh, dl):
    """exp of the double-float (dh, dl), rounded to float32."""
    q = cvt_rint((dh + dl) * R_LN2)
    qf = _F(q)
    sh, sl = df_add2_dff(dh, dl, qf * -L2U)
    sh, sl = df_add2_dff(sh, sl, qf * -L2L)
    sh, sl = df_normalize(sh, sl)
    u = fma(fma(fma(fma(K0, sh, K1), sh, K2), sh, K3), sh, K4)
    th, tl = df_squ(sh, sl)
    th, tl = df_mul_df(th, tl, u)
    th, tl = df_add_dd(sh, sl, th, tl)
    th, tl = df_add_fd(ONE, th, tl)
    u = ldexp_k(th + tl, q)
    return ZERO if dh < _F(-104) else u


@numba.njit(inline='always')
def powf(x, y):
    """Sleef_powf_u10: exp(y log|x|) in double-floats, then C99's special cases."""
    ay = abs(y)
    yisint = _F(cvt_trunc(y)) == y or ay > TWO_24
    yisodd = (cvt_trunc(y) & 1) == 1 and yisint and ay < TWO_24
    lh, ll = logkf(abs(x))
    ph, pl = df_mul_df(lh, ll, y)
    result = expkf(ph, pl)
    result = INF if result != result else result
    sign = ONE if x > ZERO else ((-ONE if yisodd else ONE) if yisint else NAN)
    result = result * sign
    efx = abs(x) - ONE
    efx = -efx if bits_of(y) < 0 else efx                   # mulsign: y's sign bit
    if ay == INF:
        result = ZERO if efx < ZERO else (ONE if efx == ZERO else INF)
    if abs(x) == INF or x == ZERO:
        flip = -y if x == ZERO else y
        magnitude = ZERO if flip < ZERO else INF
        sign_x = -ONE if bits_of(x) < 0 else ONE
        result = (sign_x if yisodd else ONE) * magnitude
    if x != x or y != y:
        result = from_bits(_I(-1))
    if y == ZERO or x == ONE:
        result = ONE
    return result


@numba.njit(inline='always')
def expk2f(a):
    """e^a as a double-float (SLEEF's expk2f)."""
    q = cvt_rint(a * R_LN2)
    qf = _F(q)
    sh, sl = df_add2_dff(a, ZERO, qf * -L2U)
    sh, sl = df_add2_dff(sh, sl, qf * -L2L)
    u = fma(fma(fma(X0, sh, X1), sh, X2), sh, X3)
    th, tl = df_mul_df(sh, sl, u)
    th, tl = df_add2_dff(th, tl, X4)
    th, tl = df_mul_dd(sh, sl, th, tl)
    th, tl = df_add2_dff(th, tl, _F(0.5))
    qh, ql = df_squ(sh, sl)
    th, tl = df_mul_dd(qh, ql, th, tl)
    th, tl = df_add2_dd(sh, sl, th, tl)
    th, tl = df_add_fd(ONE, th, tl)
    th, tl = ldexp2(th, q), ldexp2(tl, q)
    if a < _F(-104):
        th, tl = ZERO, ZERO
    return th, tl


@numba.njit(inline='always')
def expm1f(a):
    """Sleef_expm1f_u10: exp(a) as a double-float (SLEEF's expk2f), minus 1."""
    th, tl = expk2f(a)
    dh, dl = df_add2_dff(th, tl, -ONE)
    x = dh + dl
    x = INF if a > EXPM1_BIG else x
    x = -ONE if a < EXPM1_SMALL else x
    return _F(-0.0) if a == ZERO and bits_of(a) < 0 else x


@numba.njit(inline='always')
def tanhf(x):
    """Sleef_tanhf_u10: (e - 1/e) / (e + 1/e) in double-floats, e = expk2f(|x|); 1 beyond
    |x| = 8.664339742; x's sign."""
    y = abs(x)
    dh, dl = expk2f(y)
    r = ONE / dh
    eh, el = r, r * fma(-dl, r, fma(-dh, r, ONE))       # 1 / (dh, dl), SLEEF's dfrec
    nh, nl = df_add_dd(dh, dl, -eh, -el)
    ph, pl = df_add_dd(dh, dl, eh, el)
    qh, ql = df_div(nh, nl, ph, pl)
    t = qh + ql
    t = ONE if (y > TANH_BIG or t != t) else t
    t = -t if bits_of(x) < 0 else t
    return x if x != x else t


@numba.njit(inline='always')
def _logf_u1(d):
    """Sleef_logf_u1 for d > 1e38 or nan (log1pf's values there; inf and nan stay)."""
    e = np.int64(((bits_of(d * FOUR_THIRDS) >> 23) & 0xff) - 127)
    m = from_bits(_I(np.int64(bits_of(d)) - (e << 23)))
    sh, sl = df_mul_df(LN2_HI, LN2_LO, _F(e))
    nh, nl = df_add2_ff(-ONE, m)
    dh, dl = df_add2_ff(ONE, m)
    xh, xl = df_div(nh, nl, dh, dl)
    x2 = xh * xh
    t = fma(fma(P0, x2, P1), x2, P2)
    sh, sl = df_add_dd(sh, sl, xh * TWO, xl * TWO)
    v = x2 * xh * t
    rh = sh + v
    r = rh + (((sh - rh) + v) + sl)
    return d if d == INF or d != d else r


@numba.njit(inline='always')
def log1pf(d):
    """Sleef_log1pf_u10: 1 + d = 2^e (1 + m') with m = d 2^-e + (2^-e - 1) kept exact, then
    log(1 + m) by atanh's series in m / (2 + m); beyond 1e38, logf_u1(d)."""
    if not d <= LOG1P_BIG:
        return _logf_u1(d)
    dp1 = d + ONE
    tiny = dp1 < FLT_MIN
    dp1 = dp1 * TWO_64 if tiny else dp1
    e = np.int64(((bits_of(dp1 * FOUR_THIRDS) >> 23) & 0xff) - 127)
    t = from_bits(_I(np.int64(bits_of(ONE)) - (e << 23)))
    m = fma(d, t, t - ONE)
    e = e - 64 if tiny else e
    sh, sl = df_mul_df(LN2_HI, LN2_LO, _F(e))
    dh = TWO + m
    xh, xl = df_div(m, ZERO, dh, (TWO - dh) + m)
    x2 = xh * xh
    t = fma(fma(P0, x2, P1), x2, P2)
    sh, sl = df_add_dd(sh, sl, xh * TWO, xl * TWO)
    v = x2 * xh * t
    rh = sh + v
    r = rh + (((sh - rh) + v) + sl)
    r = from_bits(_I(-1)) if _F(-1) > d else r
    r = -INF if d == -ONE else r
    return _F(-0.0) if d == ZERO and bits_of(d) < 0 else r


# ---- the C library's scalar functions, by name (they pickle into Numba's cache) ------------------

glibc_expf = types.ExternalFunction('expf', types.float32(types.float32))
glibc_powf = types.ExternalFunction('powf', types.float32(types.float32, types.float32))
glibc_pow = types.ExternalFunction('pow', types.float64(types.float64, types.float64))
glibc_expm1f = types.ExternalFunction('expm1f', types.float32(types.float32))
glibc_log1pf = types.ExternalFunction('log1pf', types.float32(types.float32))
glibc_tanhf = types.ExternalFunction('tanhf', types.float32(types.float32))


# ---- the loops: vector blocks, then each chunk's scalar tail -----------------------------------

@numba.njit(inline='always')
def _sigmoid_vector(x):
    return ONE / (ONE + expf(ZERO - x))


@numba.njit(inline='always')
def _sigmoid_scalar(x):
    return ONE / (ONE + glibc_expf(-x))


_OPTIONS = dict(cache=True, error_model='numpy')
# sigmoid's vector loop starts at a variable index: a signed one costs a wraparound test per
# element that LLVM cannot drop (i < 0 is unknown), an unsigned one none (the parallel sigmoid
# at 2^24 elements: each thread's loop 27 -> 18 ms). powf's loops run over slices, from 0:
# on the Xeon the signed start's loop took 12.3 ms for 2^18 ** 1.5 against 2.8 in a process
# whose heap microtorch had not set up yet (backends/heap.py), and through the op, after it,
# 0.81-0.85 of the time (on the EPYC unsigned indices had measured 15% slower there).
_U = np.uint64


@numba.njit(parallel=True, **_OPTIONS)
def sigmoid_chunks(x, out, chunk, block):
    """out = sigmoid(x) in parallel chunks of `chunk` elements, each in `block`-element vector
    blocks and a scalar tail (x, out: 1-d float32)."""
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        wide()                          # 512-bit vectors (vector_width.py): 0.78-0.94
        begin = c * chunk
        end = min(n, begin + chunk)
        vector_end = begin + (end - begin) // block * block
        for i in range(_U(begin), _U(vector_end)):
            out[i] = _sigmoid_vector(x[i])
        for i in range(vector_end, end):
            out[i] = _sigmoid_scalar(x[i])


@numba.njit(**_OPTIONS)
def sigmoid_serial(x, out, block):
    """sigmoid_chunks with one chunk, without a parallel launch."""
    wide()
    n = x.size
    vector_end = n // block * block
    for i in range(vector_end):
        out[i] = _sigmoid_vector(x[i])
    for i in range(vector_end, n):
        out[i] = _sigmoid_scalar(x[i])


@numba.njit(inline='always')
def _pow_scalar_range(x, p, out, begin, end, block, row):
    """out[begin:end] = x ** p, cut at row ends (TensorIterator's inner loops): each piece in
    vector blocks from its start, powf_u10(x, float32(p)), and a scalar tail, std::pow(float,
    double), the double pow rounded to float32."""
    p32 = _F(p)
    start = begin
    while start < end:
        stop = min(end, (start // row + 1) * row)
        vector_end = start + (stop - start) // block * block
        xs, outs = x[start:vector_end], out[start:vector_end]    # (indices from 0: below)
        for i in range(xs.size):
            outs[i] = powf(xs[i], p32)
        for i in range(vector_end, stop):
            out[i] = _F(glibc_pow(np.float64(x[i]), p))
        start = stop


@numba.njit(parallel=True, **_OPTIONS)
def pow_scalar_chunks(x, p, out, chunk, block, row):
    """out = x ** p for a number p (x, out: 1-d float32) in parallel chunks of `chunk`."""
    n = x.size
    for c in prange((n + chunk - 1) // chunk):
        _pow_scalar_range(x, p, out, c * chunk, min(n, c * chunk + chunk), block, row)


@numba.njit(**_OPTIONS)
def pow_scalar_serial(x, p, out, block, row):
    """pow_scalar_chunks with one chunk, without a parallel launch."""
    _pow_scalar_range(x, p, out, 0, x.size, block, row)


@numba.njit(inline='always')
def _pow_range(a, b, out, begin, end, block, row):
    """out[begin:end] = a ** b (1-d float32 arrays of out's size), cut at row ends, each piece
    in vector blocks, powf_u10, and a scalar tail, glibc's powf. One call site of powf (each
    inlined copy costs seconds of compiling) over contiguous operands (which LLVM vectorises;
    a broadcast number comes as a filled array)."""
    start = begin
    while start < end:
        stop = min(end, (start // row + 1) * row)
        vector_end = start + (stop - start) // block * block
        a_s, b_s, outs = a[start:vector_end], b[start:vector_end], out[start:vector_end]
        for i in range(outs.size):
            outs[i] = powf(a_s[i], b_s[i])
        for i in range(vector_end, stop):
            out[i] = glibc_powf(a[i], b[i])
        start = stop


@numba.njit(parallel=True, **_OPTIONS)
def pow_chunks(a, b, out, chunk, block, row):
    """out = a ** b in parallel chunks of `chunk` elements."""
    n = out.size
    for c in prange((n + chunk - 1) // chunk):
        _pow_range(a, b, out, c * chunk, min(n, c * chunk + chunk), block, row)


@numba.njit(**_OPTIONS)
def pow_serial(a, b, out, block, row):
    """pow_chunks with one chunk, without a parallel launch."""
    _pow_range(a, b, out, 0, out.size, block, row)


# at::vml's loop (vec::map) takes every element through the vector function, the last few
# in a partial vector: no scalar tail, and the chunks do not matter.

@numba.njit(parallel=True, **_OPTIONS)
def expm1_parallel(x, out):
    for i in prange(x.size):
        wide()
        out[i] = expm1f(x[i])


@numba.njit(**_OPTIONS)
def expm1_serial(x, out):
    for i in range(x.size):
        wide()
        out[i] = expm1f(x[i])


@numba.njit(parallel=True, **_OPTIONS)
def log1p_parallel(x, out):
    for i in prange(x.size):
        wide()
        out[i] = log1pf(x[i])


@numba.njit(**_OPTIONS)
def log1p_serial(x, out):
    for i in range(x.size):
        wide()
        out[i] = log1pf(x[i])


@numba.njit(**_OPTIONS)
def tanh_serial(x, out):
    """Sleef_tanhf_u10 of every element (gelu's tanh form calls it; tests check it here)."""
    for i in range(x.size):
        out[i] = tanhf(x[i])


# ---- activations: the vector formula everywhere, then each tail's scalar formula ----------------
# `tails` holds [begin, end) pairs of the elements PyTorch's scalar loop computes (each parallel
# chunk's last few); where each element goes does not depend on threads, so one parallel map
# serves every chunk.

@numba.njit(inline='always')
def _elu_vector(a, neg, pos, ipt):
    return a * pos if a >= ZERO else expm1f(a * ipt) * neg


@numba.njit(inline='always')
def _elu_scalar(a, neg, pos, ipt):
    return glibc_expm1f(a * ipt) * neg if a < ZERO else a * pos


@numba.njit(parallel=True, **_OPTIONS)
def elu_map(x, out, neg, pos, ipt, tails):
    """ELU (selu, celu): scale * x at x >= 0, alpha * scale * expm1(input_scale * x) below."""
    for i in prange(x.size):
        wide()
        out[i] = _elu_vector(x[i], neg, pos, ipt)
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            out[i] = _elu_scalar(x[i], neg, pos, ipt)


@numba.njit(parallel=True, **_OPTIONS)
def softplus_map(x, out, beta, threshold, tails):
    """softplus: x where beta x > threshold, else log1p(exp(beta x)) / beta."""
    for i in prange(x.size):
        wide()
        z = x[i] * beta
        out[i] = x[i] if z > threshold else log1pf(expf(z)) / beta
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            z = x[i] * beta
            out[i] = x[i] if z > threshold else glibc_log1pf(glibc_expf(z)) / beta


@numba.njit(parallel=True, **_OPTIONS)
def softplus_grad_map(gy, x, out, beta, threshold, tails):
    """softplus's gradient: gy where beta x > threshold, else gy z / (z + 1), z = exp(beta x)."""
    for i in prange(x.size):
        wide()
        z = expf(x[i] * beta)
        out[i] = gy[i] if x[i] * beta > threshold else gy[i] * z / (z + ONE)
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            z = glibc_expf(x[i] * beta)
            out[i] = gy[i] if x[i] * beta > threshold else gy[i] * z / (z + ONE)


@numba.njit(parallel=True, **_OPTIONS)
def elu_grad_map(gy, x, out, neg, pos, ipt, tails):
    """elu's gradient: gy * scale at x > 0, gy * input_scale * alpha * scale * exp(input_scale
    * x) below (the scalar loop tests x <= 0 instead: a NaN x takes gy * scale there)."""
    for i in prange(x.size):
        wide()
        if x[i] > ZERO:
            out[i] = gy[i] * pos
        else:
            out[i] = gy[i] * ipt * neg * expf(x[i] * ipt)
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            if x[i] <= ZERO:
                out[i] = gy[i] * ipt * neg * glibc_expf(x[i] * ipt)
            else:
                out[i] = gy[i] * pos


@numba.njit(parallel=True, **_OPTIONS)
def silu_map(x, out, tails):
    """silu: x / (1 + exp(-x))."""
    for i in prange(x.size):
        out[i] = x[i] / (ONE + expf(-x[i]))
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            out[i] = x[i] / (ONE + glibc_expf(-x[i]))


@numba.njit(inline='always')
def _silu_grad(gy, x, exp_minus_x):
    s = ONE / (ONE + exp_minus_x)
    return gy * s * fma(x, ONE - s, ONE)


@numba.njit(parallel=True, **_OPTIONS)
def silu_grad_map(gy, x, out, tails):
    """silu's gradient: gy s (1 + x (1 - s)), s = sigmoid(x), the inner sum an fma."""
    for i in prange(x.size):
        out[i] = _silu_grad(gy[i], x[i], expf(-x[i]))
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            out[i] = _silu_grad(gy[i], x[i], glibc_expf(-x[i]))


# gelu's tanh form (cpu/Activation.cpp), GCC's fmas where it formed them:
#   y  = 0.5 x (1 + tanh(beta fma(kappa, x^3, x)))
#   gx = gy (0.5 (1 + t) + 0.5 x fma(-t, t, 1) beta fma(3 kappa, x^2, 1)), t that tanh
_BETA = _F(math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5)
_KAPPA = _F(0.044715)
_KAPPA3 = _F(_F(3) * _KAPPA)
_HALF = _F(0.5)


@numba.njit(inline='always')
def _gelu_inner(x):
    return _BETA * fma(_KAPPA, x * x * x, x)


@numba.njit(inline='always')
def _gelu_tanh_grad(gy, x, t):
    left = _HALF * x
    return gy * (_HALF * (ONE + t) + left * fma(-t, t, ONE) * (_BETA * fma(_KAPPA3, x * x, ONE)))


@numba.njit(parallel=True, **_OPTIONS)
def gelu_tanh_map(x, out, tails):
    """gelu(x, approximate='tanh')."""
    for i in prange(x.size):
        out[i] = _HALF * x[i] * (ONE + tanhf(_gelu_inner(x[i])))
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            out[i] = _HALF * x[i] * (ONE + glibc_tanhf(_gelu_inner(x[i])))


@numba.njit(parallel=True, **_OPTIONS)
def gelu_tanh_grad_map(gy, x, out, tails):
    """gelu's tanh form's gradient."""
    for i in prange(x.size):
        out[i] = _gelu_tanh_grad(gy[i], x[i], tanhf(_gelu_inner(x[i])))
    for t in range(tails.shape[0]):
        for i in range(tails[t, 0], tails[t, 1]):
            out[i] = _gelu_tanh_grad(gy[i], x[i], glibc_tanhf(_gelu_inner(x[i])))


elu_map_serial = serial_twin(elu_map)
softplus_map_serial = serial_twin(softplus_map)
softplus_grad_map_serial = serial_twin(softplus_grad_map)
elu_grad_map_serial = serial_twin(elu_grad_map)
silu_map_serial = serial_twin(silu_map)
silu_grad_map_serial = serial_twin(silu_grad_map)
gelu_tanh_map_serial = serial_twin(gelu_tanh_map)
gelu_tanh_grad_map_serial = serial_twin(gelu_tanh_grad_map)


@numba.njit(**_OPTIONS)
def expf_one(d):
    """Sleef_expf_u10 of one float32 (for tests)."""
    return expf(d)


# One float32 in and out, typed ahead so that a Python float (a float32's value) converts to it:
# a one-element tensor's call costs 0.2 us.

@numba.njit('float32(float32)', **_OPTIONS)
def expm1_one(a):
    """Sleef_expm1f_u10 of one float32 (a one-element tensor's expm1)."""
    return expm1f(a)


@numba.njit('float32(float32)', **_OPTIONS)
def log1p_one(d):
    """Sleef_log1pf_u10 of one float32."""
    return log1pf(d)


@numba.njit(**_OPTIONS)
def powf_one(x, y):
    """Sleef_powf_u10 of two float32 (for tests)."""
    return powf(x, y)
