"""SLEEF's float32 u10 functions in NumPy, step for step as in the Numba kernels
(microtorch/backends/numba_kernels/sleef.py, which documents the algorithms): the same float32
roundings, the fused multiply-adds through microtorch._fma, int32 arithmetic in int64 wrapped
to 32 bits. They serve MICROTORCH_NUMBA=0 and machines without Numba, with the same bits.
Arrays in (float32, any shape), arrays out; warnings of the intermediate steps are silenced.
"""
import numpy as np

from ._fma import fma_float32 as _fma

_F = np.float32
_ONE, _TWO, _ZERO = _F(1), _F(2), _F(0)
_INT_MIN = -(1 << 31)


class K:
    """SLEEF's float32 constants and coefficients (the Numba kernels import them too)."""
    INF, NAN = _F(np.inf), _F(np.nan)
    FLT_MIN = _F(1.17549435e-38)
    TWO_24, TWO_31, TWO_64 = _F(2.0 ** 24), _F(2.0 ** 31), _F(2.0 ** 64)
    FOUR_THIRDS = _F(1.0 / 0.75)
    # exp: Cody-Waite reduction by ln 2 (the upper part exact in a product with q)
    R_LN2 = _F(1.442695040888963407359924681001892137426645954152985934135449406931)
    L2U, L2L = _F(0.693145751953125), _F(1.428606765330187045e-06)
    # expf_u10's polynomial
    EXP_C = tuple(_F(c) for c in (0.000198527617612853646278381, 0.00139304355252534151077271,
                                  0.00833336077630519866943359, 0.0416664853692054748535156,
                                  0.166666671633720397949219, 0.5))
    # expkf: powf's exp of a double-float
    K0, K1, K2, K3, K4 = (_F(c) for c in (0.00136324646882712841033936,
                                          0.00836596917361021041870117,
                                          0.0416710823774337768554688,
                                          0.166665524244308471679688,
                                          0.499999850988388061523438))
    # expk2f: expm1f's exp as a double-float
    X0, X1, X2, X3 = (_F(c) for c in (0.1980960224e-3, 0.1394256484e-2, 0.8333456703e-2,
                                      0.4166637361e-1))
    X4 = _F(0.166666659414234244790680580464)
    EXPM1_BIG, EXPM1_SMALL = _F(88.72283172607421875), _F(-16.635532333438687426013570)
    TANH_BIG = _F(8.664339742)            # tanhf is 1 beyond
    # log1pf's polynomial
    P0, P1, P2 = _F(0.3027294874), _F(0.3996108174), _F(0.6666694880)
    LOG1P_BIG = _F(1e38)                  # log1pf's formula holds up to here
    # logkf: powf's log as a double-float
    LN2_HI, LN2_LO = _F(0.69314718246459960938), _F(-1.904654323148236017e-09)
    G0, G1, G2 = (_F(c) for c in (0.240320354700088500976562, 0.285112679004669189453125,
                                  0.400007992982864379882812))
    C_HI, C_LO = _F(0.66666662693023681640625), _F(3.69183861259614332084311e-09)


def _wrap(i):
    """int64 values wrapped to int32's range."""
    return ((i + (1 << 31)) & 0xffffffff) - (1 << 31)


def _cvt(r):
    """x86's float-to-int32 conversion of already rounded r: INT_MIN when out of range."""
    inside = (r >= -K.TWO_31) & (r < K.TWO_31)
    return np.where(inside, np.where(inside, r, _ZERO).astype(np.int64), _INT_MIN)


def _from_bits(i):
    return np.asarray(i).astype(np.int64).astype(np.uint32).view(np.float32)


def _bits(x):
    return np.asarray(x, np.float32).view(np.int32).astype(np.int64)


def _ldexp_k(x, q):
    m = q >> 31
    m = _wrap(_wrap(_wrap(m + q) >> 6) - m) << 4
    m = _wrap(m)
    q = _wrap(q - _wrap(m << 2))
    m = np.clip(m + 127, 0, 0xff)
    u = _from_bits(m << 23)
    x = x * u * u * u * u
    return x * _from_bits(_wrap((q + 127) << 23))


# ---- double-float arithmetic ----------------------------------------------------------------

def _add2_ff(x, y):
    s = x + y
    v = s - x
    return s, (x - (s - v)) + (y - v)


def _add2_dff(xh, xl, y):
    s = xh + y
    v = s - xh
    return s, ((xh - (s - v)) + (y - v)) + xl


def _add2_dd(xh, xl, yh, yl):
    s = xh + yh
    v = s - xh
    return s, ((xh - (s - v)) + (yh - v)) + (xl + yl)


def _add_dd(xh, xl, yh, yl):
    s = xh + yh
    return s, (((xh - s) + yh) + xl) + yl


def _add_fd(x, yh, yl):
    s = x + yh
    return s, ((x - s) + yh) + yl


def _mul_df(xh, xl, y):
    s = xh * y
    return s, _fma(xl, y, _fma(xh, y, -s))


def _mul_dd(xh, xl, yh, yl):
    s = xh * yh
    return s, _fma(xh, yl, _fma(xl, yh, _fma(xh, yh, -s)))


def _squ(xh, xl):
    s = xh * xh
    return s, _fma(xh + xh, xl, _fma(xh, xh, -s))


def _div(nh, nl, dh, dl):
    t = _ONE / dh
    qh = nh * t
    u = _fma(t, nh, -qh)
    ql = _fma(-dl, t, _fma(-dh, t, _ONE))
    return qh, _fma(qh, ql, _fma(nl, t, u))


# ---- powf ------------------------------------------------------------------------------------

def _logkf(d):
    tiny = d < K.FLT_MIN
    d = np.where(tiny, d * K.TWO_64, d)
    e = ((_bits(d * K.FOUR_THIRDS) >> 23) & 0xff) - 127
    m = _from_bits(_wrap(_bits(d) - (e << 23)))
    e = np.where(tiny, e - 64, e)
    xh, xl = _div(*_add2_ff(-_ONE, m), *_add2_ff(_ONE, m))
    x2h, x2l = _squ(xh, xl)
    t = _fma(_fma(K.G0, x2h, K.G1), x2h, K.G2)
    s = _mul_df(K.LN2_HI, K.LN2_LO, e.astype(np.float32))
    s = _add_dd(*s, xh * _TWO, xl * _TWO)
    p = _mul_dd(*_mul_dd(x2h, x2l, xh, xl), *_add2_dd(*_mul_df(x2h, x2l, t), K.C_HI, K.C_LO))
    return _add_dd(*s, *p)


def _expkf(dh, dl):
    q = _cvt(np.rint((dh + dl) * K.R_LN2))
    qf = q.astype(np.float32)
    sh, sl = _add2_dff(dh, dl, qf * -K.L2U)
    sh, sl = _add2_dff(sh, sl, qf * -K.L2L)
    sh, sl = sh + sl, (sh - (sh + sl)) + sl
    u = K.K0
    for c in (K.K1, K.K2, K.K3, K.K4):
        u = _fma(u, sh, c)
    t = _add_dd(sh, sl, *_mul_df(*_squ(sh, sl), u))
    t = _add_fd(_ONE, *t)
    u = _ldexp_k(t[0] + t[1], q)
    return np.where(dh < _F(-104), _ZERO, u)


def powf(x, y):
    """Sleef_powf_u10 of float32 arrays x and y (broadcast)."""
    x, y = np.broadcast_arrays(np.asarray(x, np.float32), np.asarray(y, np.float32))
    with np.errstate(all='ignore'):
        ay = np.abs(y)
        trunc = _cvt(np.trunc(y))
        yisint = (trunc.astype(np.float32) == y) | (ay > K.TWO_24)
        yisodd = ((trunc & 1) == 1) & yisint & (ay < K.TWO_24)
        result = _expkf(*_mul_df(*_logkf(np.abs(x)), y))
        result = np.where(np.isnan(result), K.INF, result)
        sign = np.where(x > 0, _ONE, np.where(yisint, np.where(yisodd, -_ONE, _ONE), K.NAN))
        result = result * sign
        efx = np.abs(x) - _ONE
        efx = np.where(np.signbit(y), -efx, efx)
        result = np.where(np.isinf(y), np.where(efx < 0, _ZERO,
                                                np.where(efx == 0, _ONE, K.INF)), result)
        flip = np.where(x == 0, -y, y)
        edge = np.where(yisodd, np.where(np.signbit(x), -_ONE, _ONE), _ONE) * \
            np.where(flip < 0, _ZERO, K.INF)
        result = np.where(np.isinf(x) | (x == 0), edge, result)
        result = np.where(np.isnan(x) | np.isnan(y), _from_bits(-1), result)
        result = np.where((y == 0) | (x == 1), _ONE, result)
    return result.astype(np.float32, copy=False)


# ---- expm1f and log1pf (at::vml's, every element) ---------------------------------------------

def _ldexp2(d, q):
    h = q >> 1
    return d * _from_bits(_wrap((h + 127) << 23)) * _from_bits(_wrap((q - h + 127) << 23))


def _expk2f(a):
    """e^a as a double-float (SLEEF's expk2f), for a float32 array a (errors silenced by the
    callers)."""
    q = _cvt(np.rint(a * K.R_LN2))
    qf = q.astype(np.float32)
    s = _add2_dff(a, _ZERO, qf * -K.L2U)
    s = _add2_dff(*s, qf * -K.L2L)
    u = _fma(_fma(_fma(K.X0, s[0], K.X1), s[0], K.X2), s[0], K.X3)
    t = _add2_dff(*_mul_df(*s, u), K.X4)
    t = _add2_dff(*_mul_dd(*s, *t), _F(0.5))
    t = _add2_dd(*s, *_mul_dd(*_squ(*s), *t))
    th, tl = _add_fd(_ONE, *t)
    th, tl = _ldexp2(th, q), _ldexp2(tl, q)
    small = a < _F(-104)
    return np.where(small, _ZERO, th), np.where(small, _ZERO, tl)


def expm1f(a):
    """Sleef_expm1f_u10 of a float32 array: exp as a double-float (expk2f), minus 1."""
    a = np.asarray(a, np.float32)
    with np.errstate(all='ignore'):
        dh, dl = _add2_dff(*_expk2f(a), -_ONE)
        x = dh + dl
        x = np.where(a > K.EXPM1_BIG, K.INF, x)
        x = np.where(a < K.EXPM1_SMALL, -_ONE, x)
        x = np.where((a == 0) & np.signbit(a), _F(-0.0), x)
    return x.astype(np.float32, copy=False)


def tanhf(x):
    """Sleef_tanhf_u10 of a float32 array: (e - 1/e) / (e + 1/e) in double-floats, e = e^|x|;
    1 beyond |x| = 8.664339742; x's sign."""
    x = np.asarray(x, np.float32)
    with np.errstate(all='ignore'):
        y = np.abs(x)
        dh, dl = _expk2f(y)
        r = _ONE / dh
        eh, el = r, r * _fma(-dl, r, _fma(-dh, r, _ONE))
        t = _div(*_add_dd(dh, dl, -eh, -el), *_add_dd(dh, dl, eh, el))
        t = t[0] + t[1]
        t = np.where((y > K.TANH_BIG) | np.isnan(t), _ONE, t)
        t = np.where(np.signbit(x), -t, t)
        return np.where(np.isnan(x), x, t).astype(np.float32, copy=False)


def log1pf(d):
    """Sleef_log1pf_u10 of a float32 array: log(1 + d) with 1 + d's exponent taken out and
    the rest carried as m = d * 2^-e + (2^-e - 1)."""
    d = np.asarray(d, np.float32)
    with np.errstate(all='ignore'):
        dp1 = d + _ONE
        tiny = dp1 < K.FLT_MIN
        dp1 = np.where(tiny, dp1 * K.TWO_64, dp1)
        e = ((_bits(dp1 * K.FOUR_THIRDS) >> 23) & 0xff) - 127
        t = _from_bits(_wrap(_bits(_ONE) - (e << 23)))
        m = _fma(d, t, t - _ONE)
        e = np.where(tiny, e - 64, e)
        s = _mul_df(K.LN2_HI, K.LN2_LO, e.astype(np.float32))
        dh = _TWO + m
        xh, xl = _div(m, _ZERO, dh, (_TWO - dh) + m)
        r = _log_sum(s, xh, xl)
        r = np.where(d <= K.LOG1P_BIG, r, _logf_u1(d))      # beyond 1e38: log d itself
        r = np.where(_F(-1) > d, _from_bits(-1), r)
        r = np.where(d == -_ONE, -K.INF, r)
        r = np.where((d == 0) & np.signbit(d), _F(-0.0), r)
    return r.astype(np.float32, copy=False)


def _logf_u1(d):
    """Sleef_logf_u1 for d > 1e38 or nan (log1pf's values there; inf and nan stay)."""
    e = ((_bits(d * K.FOUR_THIRDS) >> 23) & 0xff) - 127
    m = _from_bits(_wrap(_bits(d) - (e << 23)))
    s = _mul_df(K.LN2_HI, K.LN2_LO, e.astype(np.float32))
    xh, xl = _div(*_add2_ff(-_ONE, m), *_add2_ff(_ONE, m))
    r = _log_sum(s, xh, xl)
    return np.where((d == K.INF) | np.isnan(d), d, r)


def _log_sum(s, xh, xl):
    """log's last steps, shared by log1pf and logf_u1: s + 2x + x^3 P(x^2), s a double-float
    (e ln 2) and x = (xh, xl) the reduced argument, rounded to float32."""
    x2 = xh * xh
    t = _fma(_fma(K.P0, x2, K.P1), x2, K.P2)
    sh, sl = _add_dd(*s, xh * _TWO, xl * _TWO)
    v = x2 * xh * t
    rh = sh + v
    return rh + (((sh - rh) + v) + sl)
