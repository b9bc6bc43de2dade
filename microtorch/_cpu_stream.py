"""PyTorch's CPU random stream, word for word.

PyTorch's CPU generator is a 32-bit Mersenne Twister seeded with the low 32 bits of the seed
(the classic `init_genrand`, which NumPy's legacy seeding of MT19937 also does), and each
distribution turns its words into numbers by a fixed rule. `CPUStream` draws the same words
and applies the same rules, so that after `manual_seed(s)` the functions built on it (`rand`,
`randn`, `randint`, `randperm`, `normal`, `bernoulli`, dropout, the in-place fills, the
initialisation of every nn module) give PyTorch's numbers. The rules, each checked against
PyTorch 2.13 by tests/test_random_stream.py:

- 32-bit draws take one word, 64-bit draws two (the first is the high half);
- a float32 or float16 uniform is the low 24 bits of a word times 2^-24, a float64 one the low
  53 bits of a 64-bit draw times 2^-53, scaled as `u * (high - low) + low` in the dtype
  (float32: a fused multiply-add);
- an integer in [low, high) is `word % (high - low) + low`, with a 64-bit draw when the range
  reaches 2^32;
- normals: 16 or more contiguous elements are filled with uniforms and turned, 16 at a time,
  into eight Box-Muller pairs (the last 16 redrawn when the count is not a multiple of 16;
  float16 draws the first uniforms for the whole blocks only);
  fewer, or a strided tensor, draw one float64 Box-Muller pair per two elements and keep the
  unused second value for the next normal draw, as PyTorch's generator does.

PyTorch computes the float32 (and float16) 16-at-a-time normals with avx_mathfun.h's Cephes
log and sincos in AVX2 vectors, which microtorch/_avx_mathfun.py repeats bit for bit; the
float64 paths call the C library's functions, as PyTorch's kernels do.
The samplers PyTorch writes as per-element rejection loops (gamma, Dirichlet, Poisson,
binomial) are its loops too, over the one-at-a-time draws `double()` and `standard_normal()`:
see microtorch/_rejection_samplers.py.
"""
import math

import numpy as np

from . import _avx_mathfun
from ._fma import fused_multiply_add as _fma

_LOW_24 = np.uint64(0xFFFFFF)
_LOW_53 = np.uint64((1 << 53) - 1)
_LOW_53_INT = (1 << 53) - 1
_STATE_WORDS = 624
_FUSED_FROM = 1 << 16           # draws from which bernoulli's compare runs in a Numba kernel


def _numba_on():
    from .backends import numba_dispatch
    return numba_dispatch.kernel_pays('elementwise_fused', _FUSED_FROM)


class CPUStream:
    """The words of one generator and PyTorch's transforms of them."""
    __slots__ = ('_bits', 'next_normal')

    def __init__(self, seed):
        self._bits = np.random.MT19937()
        self._bits._legacy_seeding(seed & 0xFFFF_FFFF)
        self.next_normal = None        # Box-Muller's unused second value (PyTorch keeps it too)

    # ---- words and uniforms -----------------------------------------------------------------

    def words(self, n):
        """n 32-bit words, as uint64."""
        return self._bits.random_raw(n)

    def words64(self, n):
        pairs = self._bits.random_raw(2 * n).reshape(n, 2)
        return (pairs[:, 0] << np.uint64(32)) | pairs[:, 1]

    def unit_float(self, n):
        """n uniforms in [0, 1) with 24 bits, as float32 (exact)."""
        return ((self.words(n) & _LOW_24).astype(np.float32) * np.float32(2.0 ** -24))

    def unit_double(self, n):
        """n uniforms in [0, 1) with 53 bits, as float64 (exact)."""
        return (self.words64(n) & _LOW_53).astype(np.float64) * 2.0 ** -53

    def double(self):
        """One float64 uniform in [0, 1) (a 64-bit draw's low 53 bits), as a Python float:
        the draw of PyTorch's per-element samplers (0.4 us, against 2 us for unit_double(1))."""
        raw = self._bits.random_raw
        high = raw()
        return (((high << 32) | raw()) & _LOW_53_INT) * 2.0 ** -53

    def uniform(self, shape, np_dtype, low=0.0, high=1.0):
        """U(low, high) in np_dtype: float64 from 53 bits, the others from 24 bits in float32
        (float16 rounded from it), as `u * (high - low) + low` with the bounds in that type."""
        n = math.prod(shape)
        if np.dtype(np_dtype) == np.float64:
            u = self.unit_double(n)
            values = u if (low, high) == (0.0, 1.0) else _fma(u, high - low, low, np.float64)
        else:
            u = self.unit_float(n)
            lo, hi = np.float32(low), np.float32(high)
            values = u if (low, high) == (0.0, 1.0) else _fma(u, hi - lo, lo, np.float32)
        return values.reshape(shape).astype(np_dtype, copy=False)

    # ---- integers ---------------------------------------------------------------------------

    def integers(self, low, high, shape):
        """Integers in [low, high), int64: `draw % (high - low) + low`."""
        n = math.prod(shape)
        span = int(high) - int(low)
        draws = self.words64(n) if span >= 1 << 32 else self.words(n)
        values = (draws % np.uint64(span)).astype(np.int64) + np.int64(low)
        return values.reshape(shape)

    def full_range(self, shape, np_dtype):
        """random_() with no bounds: [0, 2^digits] for floats, [0, max] for integers, a
        64-bit draw for int64 and float64 and a word for the others."""
        dtype = np.dtype(np_dtype)
        n = math.prod(shape)
        if dtype == np.bool_:
            return (self.words(n) & np.uint64(1)).astype(np.bool_).reshape(shape)
        if dtype.kind == 'f':
            span = (1 << (np.finfo(dtype).nmant + 1)) + 1
        else:
            span = int(np.iinfo(dtype).max) + 1
        wide = dtype in (np.dtype(np.int64), np.dtype(np.float64))
        draws = self.words64(n) if wide else self.words(n)
        return (draws % np.uint64(span)).astype(dtype).reshape(shape)

    def permutation(self, n):
        """randperm: Fisher-Yates from the front, element i swapped with i + word % (n - i)."""
        order = list(range(n))
        if n > 1:
            offsets = (self.words(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).tolist()
            for i, offset in enumerate(offsets):
                j = i + offset
                order[i], order[j] = order[j], order[i]
        return np.array(order, dtype=np.int64)

    # ---- normals ----------------------------------------------------------------------------

    def normal(self, shape, np_dtype, mean=0.0, std=1.0, contiguous=True):
        """N(mean, std^2) in np_dtype, by PyTorch's two paths (see the module's docstring)."""
        n = math.prod(shape)
        dtype = np.dtype(np_dtype)
        if n >= 16 and contiguous:
            values = self._normal_by_sixteens(n, dtype, mean, std)
        else:
            values = self.standard_normals(n)
            if (mean, std) == (0.0, 1.0):     # (x * 1 + 0: only -0.0 changes, to +0.0)
                values = (values + 0.0).astype(dtype)
            else:
                values = _fma(values, std, mean, np.float64).astype(dtype)
        return values.reshape(shape)

    def standard_normals(self, n):
        """n float64 N(0, 1) draws one Box-Muller pair at a time (r cos first, r sin kept
        for the next draw), starting with a value kept from before."""
        if n <= 32:           # a few: Python floats cost less than NumPy's calls (same values)
            return np.array([self.standard_normal() for _ in range(n)], np.float64)
        out = np.empty(n)
        start = 0
        if n and self.next_normal is not None:
            out[0] = self.next_normal
            self.next_normal = None
            start = 1
        pairs = (n - start + 1) // 2
        if pairs:
            u = self.unit_double(2 * pairs).reshape(pairs, 2)
            radius = np.sqrt(-2.0 * _libm(math.log1p, -u[:, 1]))
            theta = 2.0 * math.pi * u[:, 0]
            cosines, sines = radius * np.cos(theta), radius * np.sin(theta)
            out[start::2] = cosines
            out[start + 1::2] = sines[:(n - start) // 2]
            if (n - start) % 2:
                self.next_normal = float(sines[-1])
        return out

    def standard_normal(self):
        """One float64 N(0, 1) draw as a Python float, as PyTorch's
        normal_distribution<double>: the kept value if there is one, else a new pair (r cos t
        returned, r sin t kept), with the C library's log1p, cos and sin."""
        if self.next_normal is not None:
            value, self.next_normal = self.next_normal, None
            return value
        theta = 2.0 * math.pi * self.double()
        radius = math.sqrt(-2.0 * math.log1p(-self.double()))
        self.next_normal = radius * math.sin(theta)
        return radius * math.cos(theta)

    def _normal_by_sixteens(self, n, dtype, mean, std):
        work = np.float64 if dtype == np.float64 else np.float32
        full = n - n % 16
        # float16 draws uniforms for the whole blocks only; float32 and float64 for all n
        values = self.uniform((n if dtype != np.float16 else full,), work)
        if full == n:                       # whole blocks: no room to make for a tail
            return _box_muller_sixteens(values, work, mean, std).astype(dtype, copy=False)
        values = np.concatenate([values[:full], np.empty(n - full, work)])
        values[:full] = _box_muller_sixteens(values[:full], work, mean, std)
        if n % 16:
            tail = self.uniform((16,), work)
            values[n - 16:] = _box_muller_sixteens(tail, work, mean, std)
        return values.astype(dtype, copy=False)

    # ---- the other distributions ------------------------------------------------------------

    def bernoulli(self, shape, p):
        """True with probability p (a number): a float64 uniform below p."""
        n = math.prod(shape)
        if n >= _FUSED_FROM and _numba_on():
            # u = m 2^-53 < p, for the 53-bit m of a draw, is m < ceil(p 2^53): one parallel
            # pass over the words (2^24 draws: 230 -> 120 ms, most of it MT19937's own)
            from .backends.numba_dispatch import _kernel_module
            from .backends.exact_sum import launch
            out = np.empty(n, np.bool_)
            threshold = math.ceil(min(max(p, 0.0), 1.0) * 2.0 ** 53)
            launch(_kernel_module('box_muller').words_below, self.words(2 * n), threshold, out)
            return out.reshape(shape)
        return self.unit_double(n).reshape(shape) < p

    def bernoulli_tensor(self, probabilities):
        """True with each element's probability: a float64 uniform below a float64
        probability, a 24-bit one below any other."""
        n = probabilities.size
        if probabilities.dtype == np.float64:
            u = self.unit_double(n)
        else:
            u = self.unit_float(n)
            probabilities = probabilities.astype(np.float32)
        return u.reshape(probabilities.shape) < probabilities

    def exponential(self, shape, lambd):
        """Exp(lambd) in float64: -1/lambd * log1p(-u)."""
        return (-1.0 / lambd) * _libm(math.log1p, -self.unit_double(math.prod(shape))).reshape(
            shape)

    def geometric(self, shape, p):
        u = self.unit_double(math.prod(shape))
        return np.ceil(_libm(math.log, u) / math.log1p(-p)).reshape(shape)

    def cauchy(self, shape, median, sigma):
        u = self.unit_double(math.prod(shape))
        return (median + sigma * _libm(math.tan, math.pi * (u - 0.5))).reshape(shape)

    def log_normal(self, shape, mean, std):
        """exp of N(mean, std^2), always one Box-Muller pair per two elements."""
        n = math.prod(shape)
        return _libm(math.exp, _fma(self.standard_normals(n), std, mean, np.float64)).reshape(
            shape)

    def categorical_with_replacement(self, weights, count):
        """count draws from one row of weights: a float64 uniform searched in the
        normalised cumulative sum (its last entry set to 1)."""
        cumulative = np.cumsum(weights.astype(np.float64))
        cumulative /= cumulative[-1]
        cumulative[-1] = 1.0
        return np.searchsorted(cumulative, self.unit_double(count), side='left')

    # ---- state ------------------------------------------------------------------------------

    def state(self):
        """(the 624 state words, the position of the next word, the kept normal)."""
        state = self._bits.state['state']
        return state['key'].copy(), int(state['pos']), self.next_normal

    def set_state(self, key, pos, next_normal):
        self._bits.state = {'bit_generator': 'MT19937',
                            'state': {'key': np.asarray(key, np.uint32), 'pos': int(pos)}}
        self.next_normal = next_normal


def _box_muller_sixteens(uniforms, work, mean, std):
    """Each block of 16 uniforms u becomes r cos t (first 8) and r sin t (last 8), with
    r = sqrt(-2 log(1 - u[:8])) and t = 2 pi u[8:], computed in `work`; `* std + mean` as one
    fused multiply-add. float32: PyTorch's vector kernel (microtorch._avx_mathfun)."""
    if work is np.float32:
        return _avx_mathfun.box_muller_sixteens(uniforms, mean, std)
    blocks = uniforms.reshape(-1, 16)
    radius = np.sqrt(work(-2.0) * _libm(math.log, work(1.0) - blocks[:, :8]))
    theta = work(2.0 * math.pi) * blocks[:, 8:]
    out = np.concatenate([radius * np.cos(theta), radius * np.sin(theta)], axis=1)
    if (mean, std) != (0.0, 1.0):
        out = _fma(out, work(std), work(mean), work)
    return out.reshape(-1)


def _libm(function, values):
    """function (one of Python's math functions: the C library's, which PyTorch's CPU
    kernels call) of each float64 value. NumPy's vectorised log, log1p, exp and tan differ from
    them in the last bit of about one value in 300 to one in 12; this costs 0.1 s a million."""
    values = np.asarray(values, np.float64)
    return np.fromiter(map(function, values.ravel().tolist()), np.float64,
                       values.size).reshape(values.shape)
