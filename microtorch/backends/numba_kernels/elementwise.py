"""Fused elementwise kernels: unary forwards and backwards, binary forwards, maximum/minimum grads.

Each public function has the name and signature of the NumPy primitive in backends/cpu.py and
returns the same values (a new array of NumPy's dtype and shape), computed by one parallel pass
over memory; or None when it has no kernel for the call, and the NumPy original runs. Handled:
float32 and float64 C-contiguous arrays (0-d too); for two operands, the same shape and dtype,
or an array with a Python scalar or a size-1 array on either side (the scalar is cast to the
array's dtype, as NumPy 2 does with Python scalars, so float32 math stays float32). Declined:
other broadcasting, strided arrays, mixed dtypes, integer and bool arrays.

The kernels are made by a few factories from scalar functions (`_scalar` below), which LLVM
inlines into each kernel's prange loop and vectorises (AVX2 here). Caching works for these
factory-made kernels: the scalar functions are plain module-level Python functions
(register_jitable), which Numba's cache key pickles by name, and each kernel gets its own name
and cache file (which fastmath.STAMP keeps in step with fastmath.py, see _kernel).
"""
import numba
import numpy as np
from numba import types
from numba.extending import overload, register_jitable

from . import ROUTES, fastmath as fm, vector_width
from .. import numba_dispatch
from ... import _sleef
from .fma import fma
from .twins import serial_twin

# fastmath flags that keep IEEE nan/inf and the order of operations: FMA contraction, libm
# calls free to be approximate, the sign of zero ignored. Never 'nnan', 'ninf' or 'reassoc'
# (or fastmath=True): they would break relu(nan), exp(-inf), sigmoid(nan), the exp reduction.
FLAGS = {'contract', 'afn', 'nsz'}

_ndarray = np.ndarray
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_SCALARS = (float, int, bool)


def _scalar(fn):
    """A scalar function for the kernels (LLVM inlines it into their loops; inlining it in
    Numba's IR instead gives the same machine code and compiles several times slower). It
    stays a plain Python function, which Numba's cache key pickles by name."""
    return register_jitable(fastmath=FLAGS, error_model='numpy')(fn)


def _kernel(name, fn):
    """Compile `fn` lazily (on first call, per dtype) under its own name and cache file. Each
    kernel names fm.STAMP (`stamp`), a closure variable, so that its cache key changes with
    fastmath.py, which Numba does not track."""
    fn.__name__ = fn.__qualname__ = name
    # error_model='numpy': x / 0 is inf or nan, as in NumPy, not ZeroDivisionError.
    return numba.njit(parallel=True, cache=True, fastmath=FLAGS, error_model='numpy')(fn)


# ---- helpers the scalar functions use -------------------------------------------------------

def _like(x, value):
    """`value` as x's float type: a bare 0 or 0.5 would make a float32 expression float64."""


@overload(_like, inline='always')
def _like_typed(x, value):
    if x == types.float32:
        return lambda x, value: np.float32(value)
    return lambda x, value: np.float64(value)


def _at(v, i):
    """v[i] for an array, v itself for a scalar operand (one kernel serves both layouts)."""


@overload(_at, inline='always')
def _at_typed(v, i):
    if isinstance(v, types.Array):
        return lambda v, i: v[i]
    return lambda v, i: v


def _repeated_at(repeated):
    """An accessor (v, r, j) for the rows kernels: v[r, j] of a matrix operand, and
    `repeated(v, r, j)` of the 1-d one (a row: v[j]; a column: v[r])."""
    def at(v, r, j):
        pass

    @overload(at, inline='always')
    def at_typed(v, r, j):
        if v.ndim == 2:
            return lambda v, r, j: v[r, j]
        return repeated
    return at


_row_at = _repeated_at(lambda v, r, j: v[j])
_col_at = _repeated_at(lambda v, r, j: v[r])


def _part(v, lo, hi):
    """v[lo:hi] for an array, v itself for a scalar operand."""


@overload(_part, inline='always')
def _part_typed(v, lo, hi):
    if isinstance(v, types.Array):
        return lambda v, lo, hi: v[lo:hi]
    return lambda v, lo, hi: v


@_scalar
def _max(a, b):
    # np.maximum's rule: nan on either side gives nan.
    return a if (a >= b) | (a != a) else b


@_scalar
def _min(a, b):
    return a if (a <= b) | (a != a) else b


@_scalar
def _sigmoid_of(x):
    # exp(-|x|) never overflows: x >= 0 gives 1/(1+e), x < 0 gives e/(1+e); nan stays nan.
    e = fm.exp(-abs(x))
    y = _like(x, 1) / (_like(x, 1) + e)
    return y if x >= _like(x, 0) else e * y


# ---- kernel factories; bytes moved per element given for float32 ----------------------------

def _width(name):
    """vector_width's marker for kernel `name`'s loop: 512-bit vectors where the math, not the
    memory, sets the time (the kernels in _WIDE: each computes an exp, log or tanh)."""
    return vector_width.wide_loop if name in _WIDE else vector_width.tuned_loop


_WIDE = {'k_exp_forward', 'k_log_forward', 'k_tanh_forward', 'k_sigmoid_forward',
         'k_softplus_forward', 'k_softplus_2'}


def _map1(name, f):
    """out = f(x, p): unary forwards, 8 B/elem (read x, write out)."""
    stamp = fm.STAMP
    width = _width(name)

    def kernel(x, p, out):
        stamp                            # in the closure, so in the cache key
        for i in numba.prange(out.size):
            width()
            out[i] = f(x[i], p)
    return _kernel(name, kernel)


def _map2(name, f):
    """out = f(a, b, p): unary backwards (saved, gy) and binary forwards, 12 B/elem; 8 B/elem
    when a or b is a scalar."""
    stamp = fm.STAMP
    width = _width(name)

    def kernel(a, b, p, out):
        stamp                            # in the closure, so in the cache key
        for i in numba.prange(out.size):
            width()
            out[i] = f(_at(a, i), _at(b, i), p)
    return _kernel(name, kernel)


def _map2_rows(name, f, at):
    """out = f(a, b, p) where one of a, b is a (rows, n) matrix and the other a row of n
    repeated over its rows (a bias; at=_row_at) or a column of `rows` repeated across its
    columns (x - x.mean(1, keepdim=True); at=_col_at): 8 B/elem, the other staying in cache."""
    stamp = fm.STAMP
    width = _width(name)

    def kernel(a, b, p, out):
        stamp                            # in the closure, so in the cache key
        rows, n = out.shape
        for r in numba.prange(rows):
            width()
            for j in range(n):
                out[r, j] = f(at(a, r, j), at(b, r, j), p)
    return _kernel(name, kernel)


def _map2_grid(name, f):
    """out = f(a, b, p) for 3-d a, b and out whose dims a and b each have or broadcast (a dim
    of 1): a row of out's last dim a task, each operand's row found by its first two indices
    (0 on a dim of 1), or one value of it repeated when its last dim is 1 (both may be).
    NumPy's broadcast walks such rows on one thread, with a setup a row: (1024, 1, 256) *
    (1, 8, 256) took 1.25 ms, a dense multiply of that size 0.68 ms on the kernels. 8 B/elem
    and the operands' rows, which stay in cache."""
    stamp = fm.STAMP
    width = _width(name)

    def kernel(a, b, p, out):
        stamp                            # in the closure, so in the cache key
        n0, n1, n = out.shape
        a0, a1, b0, b1 = int(a.shape[0] > 1), int(a.shape[1] > 1), int(b.shape[0] > 1), \
            int(b.shape[1] > 1)
        whole_a, whole_b = a.shape[2] > 1, b.shape[2] > 1
        for t in numba.prange(n0 * n1):
            width()
            i = t // n1
            j = t - i * n1
            row_a, row_b, row = a[i * a0, j * a1], b[i * b0, j * b1], out[i, j]
            if whole_a and whole_b:
                for k in range(n):
                    row[k] = f(row_a[k], row_b[k], p)
            elif whole_a:
                value = row_b[0]
                for k in range(n):
                    row[k] = f(row_a[k], value, p)
            elif whole_b:
                value = row_a[0]
                for k in range(n):
                    row[k] = f(value, row_b[k], p)
            else:                        # both repeat along the row ((n, 1) * ones((n, m)))
                value = f(row_a[0], row_b[0], p)
                for k in range(n):
                    row[k] = value
    return _kernel(name, kernel)


_CHUNK = 4096
_TRIG_MAX = np.float32(fm.TRIG_MAX)


def _trig(name, fast, exact):
    """out = f(x, g): float32 sin/cos forwards (g unused), 8 B/elem, and backwards, 12 B/elem.
    Chunk by chunk, the vectorised small-argument versions run first; a chunk that holds any
    |x| > TRIG_MAX (or nan, inf) then recomputes those elements with libm while it is still
    in cache. (A bool 'any' costs little in the vector loop; an integer count, much more.)"""
    stamp = fm.STAMP

    def kernel(x, g, p, out):
        stamp                            # in the closure, so in the cache key
        n = out.size
        for c in numba.prange((n + _CHUNK - 1) // _CHUNK):
            lo = c * _CHUNK
            hi = min(lo + _CHUNK, n)
            # slices: their indices are known >= 0, which spares a wraparound test per element
            xs = x[lo:hi]
            gs = _part(g, lo, hi)
            outs = out[lo:hi]
            big = False
            for i in range(xs.size):
                outs[i] = fast(xs[i], _at(gs, i))
                big |= not (abs(xs[i]) <= _TRIG_MAX)
            if big:
                for i in range(xs.size):
                    if not (abs(xs[i]) <= _TRIG_MAX):
                        outs[i] = exact(xs[i], _at(gs, i))
    return _kernel(name, kernel)


def _pow_grad(name, pw):
    """out = gy * (exponent * x ** (exponent - 1)) (PyTorch's order), x ** q by `pw`:
    12 B/elem."""
    stamp = fm.STAMP

    def kernel(x, gy, p, out):
        stamp                            # in the closure, so in the cache key
        c, q = p
        for i in numba.prange(out.size):
            out[i] = gy[i] * (c * pw(x[i], q))
    return _kernel(name, kernel)


def _extreme_grads(name):
    """(ga, gb) of maximum(a, b) from a, b, gy: 20 B/elem (12 when a or b is a scalar)."""
    stamp = fm.STAMP

    def kernel(a, b, gy, ga, gb):
        stamp                            # in the closure, so in the cache key
        for i in numba.prange(gy.size):
            ai = _at(a, i)
            bi = _at(b, i)
            g = gy[i]
            tie = g * _like(g, 0.5) if ai == bi else _like(g, 0)
            ga[i] = g if ai > bi else tie
            gb[i] = g if bi > ai else tie
    return _kernel(name, kernel)


# ---- scalar functions: forwards f(x, p), backwards f(saved, gy, p) --------------------------
# p is a tuple of parameters already in x's dtype (empty for most).

@_scalar
def _neg(x, p):
    return -x


@_scalar
def _abs(x, p):
    return abs(x)


@_scalar
def _abs_grad(x, g, p):
    # gy * sign(x); sign(+-0) = +-0 and sign(nan) = nan, as np.sign.
    one = _like(x, 1)
    return g * (one if x > _like(x, 0) else (-one if x < _like(x, 0) else x))


@_scalar
def _exp(x, p):
    return fm.exp(x)


@_scalar
def _mul(a, b, p):                       # also exp_backward: gy * y
    return a * b


@_scalar
def _log(x, p):
    return fm.log(x)


@_scalar
def _log_grad(x, g, p):
    return g / x


@_scalar
def _sqrt(x, p):
    return np.sqrt(x)


@_scalar
def _sqrt_grad(y, g, p):
    return g / (y + y)


@_scalar
def _sin(x, p):
    return np.sin(x)


@_scalar
def _sin_grad(x, g, p):
    return g * np.cos(x)


@_scalar
def _cos(x, p):
    return np.cos(x)


@_scalar
def _cos_grad(x, g, p):
    return -g * np.sin(x)


# Float32 sin and cos: fastmath's vectorised versions for |x| <= TRIG_MAX, libm beyond.

@_scalar
def _sin_small(x, g):
    return fm.sin_small(x)


@_scalar
def _sin_exact(x, g):
    return np.sin(x)


@_scalar
def _sin_grad_small(x, g):
    return g * fm.cos_small(x)


@_scalar
def _sin_grad_exact(x, g):
    return g * np.cos(x)


@_scalar
def _cos_small(x, g):
    return fm.cos_small(x)


@_scalar
def _cos_exact(x, g):
    return np.cos(x)


@_scalar
def _cos_grad_small(x, g):
    return -g * fm.sin_small(x)


@_scalar
def _cos_grad_exact(x, g):
    return -g * np.sin(x)


@_scalar
def _tanh(x, p):
    return fm.tanh(x)


@_scalar
def _tanh_grad(y, g, p):
    return g * fma(-y, y, _like(y, 1))        # PyTorch's loop: 1 - y * y fused, rounded once


@_scalar
def _sigmoid(x, p):
    return _sigmoid_of(x)


@_scalar
def _sigmoid_grad(y, g, p):
    return g * (_like(y, 1) - y) * y         # PyTorch's order


@_scalar
def _reciprocal(x, p):
    return _like(x, 1) / x


@_scalar
def _reciprocal_grad(y, g, p):
    return -g * (y * y)                      # PyTorch's order


@_scalar
def _relu(x, p):
    # np.maximum(x, 0): nan stays nan.
    return _like(x, 0) if x < _like(x, 0) else x


@_scalar
def _relu_grad(y, g, p):
    return g if y > _like(y, 0) else _like(g, 0)


@_scalar
def _clamp(x, p):
    lo, hi = p                           # -inf / inf for a missing bound: same results
    return _min(_max(x, lo), hi)


@_scalar
def _clamp_grad(x, g, p):
    lo, hi = p
    return g if (x >= lo) & (x <= hi) else _like(g, 0)


@_scalar
def _hardtanh_grad(x, g, p):
    lo, hi = p                           # 0 at the bounds and beyond; a nan x passes g
    return _like(g, 0) if (x <= lo) | (x >= hi) else g


@_scalar
def _leaky_relu(x, p):
    return x if x > _like(x, 0) else x * p[0]


@_scalar
def _leaky_relu_grad(x, g, p):
    return g if x > _like(x, 0) else g * p[0]


@_scalar
def _softplus(x, p):
    beta, threshold = p
    z = x * beta
    y = (_max(z, _like(z, 0)) + fm.log1p(fm.exp(-abs(z)))) / beta
    return x if z > threshold else y     # PyTorch's rule: x itself above the threshold


@_scalar
def _softplus_grad(x, g, p):
    beta, threshold = p
    z = x * beta
    return g if z > threshold else g * _sigmoid_of(z)


@_scalar
def _add(a, b, p):
    return a + b


@_scalar
def _sub(a, b, p):
    return a - b


@_scalar
def _div(a, b, p):
    return a / b


@_scalar
def _maximum(a, b, p):
    return _max(a, b)


@_scalar
def _minimum(a, b, p):
    return _min(a, b)


# x ** q for an exponent q known per call. NumPy computes some as other functions when the
# exponent is a scalar (0.5 as sqrt: (-inf) ** 0.5 is nan there); the others are pow's values
# to an ulp, with pow's special values.

@_scalar
def _pow_0(x, q):
    return _like(x, 1)                   # nan ** 0 = 1


@_scalar
def _pow_1(x, q):
    return x


@_scalar
def _pow_2(x, q):
    return x * x


@_scalar
def _pow_3(x, q):
    return x * x * x


@_scalar
def _pow_half(x, q):
    return np.sqrt(x)


@_scalar
def _pow_minus_half(x, q):
    return _like(x, 1) / np.sqrt(x)         # PyTorch's: -inf at -0, nan at -inf


@_scalar
def _pow_minus_1(x, q):
    return _like(x, 1) / x


@_scalar
def _pow_minus_2(x, q):
    return _like(x, 1) / (x * x)          # PyTorch's rounding (not (1 / x) ** 2)


_POW_FNS = {0: _pow_0, 1: _pow_1, 2: _pow_2, 3: _pow_3, 0.5: _pow_half,
            -0.5: _pow_minus_half, -1: _pow_minus_1, -2: _pow_minus_2}
_POW_NAMES = {0: '0', 1: '1', 2: '2', 3: '3', 0.5: 'half', -0.5: 'minus_half', -1: 'minus_1',
              -2: 'minus_2'}

# ---- the kernels -----------------------------------------------------------------------------

_K = {}
for _name, _f in [('neg', _neg), ('abs', _abs), ('exp', _exp), ('log', _log), ('sqrt', _sqrt),
                  ('sin', _sin), ('cos', _cos), ('tanh', _tanh), ('sigmoid', _sigmoid),
                  ('reciprocal', _reciprocal), ('relu', _relu), ('clamp', _clamp),
                  ('leaky_relu', _leaky_relu), ('softplus', _softplus)]:
    _K[_name + '_fwd'] = _map1(f'k_{_name}_forward', _f)
for _name, _f in [('abs', _abs_grad), ('exp', _mul), ('log', _log_grad), ('sqrt', _sqrt_grad),
                  ('sin', _sin_grad), ('cos', _cos_grad), ('tanh', _tanh_grad),
                  ('sigmoid', _sigmoid_grad), ('reciprocal', _reciprocal_grad),
                  ('relu', _relu_grad), ('clamp', _clamp_grad), ('hardtanh', _hardtanh_grad),
                  ('leaky_relu', _leaky_relu_grad), ('softplus', _softplus_grad),
                  ('add', _add), ('sub', _sub), ('mul', _mul), ('div', _div),
                  ('maximum', _maximum), ('minimum', _minimum)]:
    _K[_name + '_2'] = _map2(f'k_{_name}_2', _f)
_BINARY_FNS = [('add', _add), ('sub', _sub), ('mul', _mul), ('div', _div),
               ('maximum', _maximum), ('minimum', _minimum)]
_ROWS = {_name + '_2': _map2_rows(f'k_{_name}_rows', _f, _row_at) for _name, _f in _BINARY_FNS}
_COLS = {_name + '_2': _map2_rows(f'k_{_name}_cols', _f, _col_at) for _name, _f in _BINARY_FNS}
_GRID = {_name + '_2': _map2_grid(f'k_{_name}_grid', _f) for _name, _f in _BINARY_FNS}
_POW_FWD = {e: _map1(f'k_pow_{s}_forward', _POW_FNS[e]) for e, s in _POW_NAMES.items()}
_POW_BWD = {e: _pow_grad(f'k_pow_{s}_backward', _POW_FNS[e]) for e, s in _POW_NAMES.items()}
_EXTREME_GRADS = _extreme_grads('k_extreme_grads')
_TRIG32 = {'sin_fwd': _trig('k_sin_forward_f32', _sin_small, _sin_exact),
           'sin_2': _trig('k_sin_backward_f32', _sin_grad_small, _sin_grad_exact),
           'cos_fwd': _trig('k_cos_forward_f32', _cos_small, _cos_exact),
           'cos_2': _trig('k_cos_backward_f32', _cos_grad_small, _cos_grad_exact)}
_ZERO32 = np.float32(0)
del _name, _f


class _Twins:
    """A parallel kernel and its serial twin (compiled on first use). A call takes the
    parallel one from the crossover of its primitive's family (numba_dispatch's sizes; the
    router lets smaller calls through once Numba is loaded), the serial one below: a parallel
    launch with sleeping workers costs ~20 us, more than a pass over 2^16 elements (the serial
    twin of relu's gradient: 5 us at 2^14 against NumPy's 24 and the parallel kernel's 24)."""
    __slots__ = ('parallel', 'family', '_serial')

    def __init__(self, parallel, family):
        self.parallel, self.family, self._serial = parallel, family, None

    def __call__(self, *args):
        if args[-1].size >= _parallel_from[self.family]:        # (the output, last)
            return self.parallel(*args)
        if self._serial is None:
            self._serial = serial_twin(self.parallel)
        return self._serial(*args)

    @property
    def serial(self):
        return self._serial


_parallel_from = numba_dispatch._parallel_from
_BINARY_OPS = ('add', 'sub', 'mul', 'div', 'maximum', 'minimum')


def _family(key):
    """The crossover family of the primitive that runs kernel `key` ('tanh_fwd': tanh_forward,
    'tanh_2': tanh_backward, 'mul_2': mul_forward)."""
    op, kind = key.rsplit('_', 1)
    return ROUTES[f'{op}_forward' if kind == 'fwd' or op in _BINARY_OPS else
                  f'{op}_backward'][1]


_K = {key: _Twins(kernel, _family(key)) for key, kernel in _K.items()}
_TRIG32 = {key: _Twins(kernel, _family(key)) for key, kernel in _TRIG32.items()}
_ROWS = {key: _Twins(kernel, _family(key)) for key, kernel in _ROWS.items()}
_COLS = {key: _Twins(kernel, _family(key)) for key, kernel in _COLS.items()}
_GRID = {key: _Twins(kernel, _family(key)) for key, kernel in _GRID.items()}
_POW_FWD = {e: _Twins(k, ROUTES['pow_scalar_forward'][1]) for e, k in _POW_FWD.items()}
_POW_BWD = {e: _Twins(k, ROUTES['pow_scalar_backward'][1]) for e, k in _POW_BWD.items()}
_EXTREME_GRADS = _Twins(_EXTREME_GRADS, ROUTES['maximum_backward'][1])


# ---- the primitives (cpu.py's names and signatures) ------------------------------------------

def _ok(x):
    """What the kernels take: a float32 or float64 C-contiguous ndarray."""
    return type(x) is _ndarray and x.dtype in _FLOATS and x.flags.c_contiguous


def _params(x, *values):
    """Python numbers in x's dtype, as NumPy 2 casts them; None for anything else."""
    for v in values:
        if type(v) not in _SCALARS:
            return None
    t = x.dtype.type
    try:
        return tuple([t(v) for v in values])
    except OverflowError:                # a Python int too large for a float: NumPy's error
        return None


def _unary(kernel, x, p=()):
    if not _ok(x) or p is None:
        return None
    out = np.empty_like(x)
    kernel(x.reshape(-1), p, out.reshape(-1))
    return out


def _one_value(x):
    """A float array that is one value broadcast (every stride 0), as the gradient of a sum
    arrives: its flat view is a stride-0 view too, read without being materialised."""
    return type(x) is _ndarray and x.dtype in _FLOATS and x.size > 0 and not any(x.strides)


def _grad(kernel, saved, gy, p=()):
    if (not (_ok(saved) and (_ok(gy) or _one_value(gy))) or saved.shape != gy.shape
            or saved.dtype != gy.dtype or p is None):
        return None
    out = np.empty(saved.shape, saved.dtype)
    kernel(saved.reshape(-1), gy.reshape(-1), p, out.reshape(-1))
    return out


def _operands(a, b):
    """(a, b, like) for a two-operand kernel - 1-d views of same-shape arrays, or an array and
    a scalar in its dtype - and the array the result takes its shape from; None if declined."""
    if type(a) is _ndarray:
        if type(b) is _ndarray:
            if a.dtype != b.dtype:
                return None
            if a.shape == b.shape:
                return (a.reshape(-1), b.reshape(-1), a) if _ok(a) and _ok(b) else None
            if b.size == 1 and b.ndim <= a.ndim and _ok(a):       # broadcasts to a's shape
                return a.reshape(-1), b.reshape(-1)[0], a
            if a.size == 1 and a.ndim <= b.ndim and _ok(b):
                return a.reshape(-1)[0], b.reshape(-1), b
            return None
        if type(b) in _SCALARS and _ok(a):
            return a.reshape(-1), a.dtype.type(b), a
        return None
    if type(a) in _SCALARS and _ok(b):
        return b.dtype.type(a), b.reshape(-1), b
    return None


def _binary(kernel, a, b, key=None):
    try:
        operands = _operands(a, b)
    except OverflowError:                # a Python int too large for a float: NumPy's error
        return None
    if operands is None:
        return None if key is None else _binary_rows(key, a, b)
    a, b, like = operands
    out = np.empty_like(like)
    kernel(a, b, (), out.reshape(-1))
    return out


def _row_operands(a, b):
    """(a, b, like, kernels) for a rows or columns kernel - the matrix as (rows, n), the other
    operand as its row (n,) or column (rows,) - the array the result takes its shape from and
    the kernels' table; None unless the other operand's shape, leading ones dropped, is the
    matrix's trailing dims (a bias over a batch) or the matrix's shape with a last dim of one
    (a per-row statistic), both dense, of one float dtype, the result the matrix's shape."""
    if type(a) is not _ndarray or type(b) is not _ndarray or a.dtype != b.dtype:
        return None
    matrix, other = (a, b) if a.size > b.size else (b, a)
    if other.ndim > matrix.ndim or not (_ok(matrix) and _ok(other)):
        return None
    shape = other.shape
    while shape and shape[0] == 1:
        shape = shape[1:]
    if shape and matrix.shape[matrix.ndim - len(shape):] == shape:
        wide, flat, kernels = matrix.reshape(-1, other.size), other.reshape(-1), _ROWS
    elif (matrix.ndim >= 2 and other.shape[-1] == 1
          and (1,) * (matrix.ndim - other.ndim) + other.shape[:-1] == matrix.shape[:-1]):
        wide, flat, kernels = matrix.reshape(-1, matrix.shape[-1]), other.reshape(-1), _COLS
    else:
        return None
    return ((wide, flat, matrix, kernels) if matrix is a else (flat, wide, matrix, kernels))


def _compact(x):
    """x without the repeats of an expansion: each dim of stride 0 cut to size 1 (a view),
    which broadcasting repeats again."""
    if all(x.strides) or x.size == 0:
        return x
    return x[tuple([slice(0, 1) if step == 0 else slice(None) for step in x.strides])]


def _binary_rows(key, a, b):
    """A binary op of a matrix and a row repeated over it or a column repeated across it
    (NumPy's broadcast runs on one thread: (1024, 1024) + (1024,) took 471 us against the
    rows kernel's 218 on the 2-core Xeon), the repeats given by broadcasting or, in arrays of
    the same shape, by an expanded operand (`b.expand_as(x)`, addmm's input)."""
    if type(a) is _ndarray and type(b) is _ndarray and a.shape == b.shape:
        shape = a.shape
        a, b = _compact(a), _compact(b)
        if (a.shape == shape) == (b.shape == shape):
            return None             # neither expanded, or both: not a matrix and its repeats
    operands = _row_operands(a, b)
    if operands is None:
        return _binary_grid(key, a, b)
    a, b, like, kernels = operands
    out = np.empty(like.shape, like.dtype)
    kernels[key](a, b, (), out.reshape(a.shape if a.ndim == 2 else b.shape))
    return out


def _binary_grid(key, a, b):
    """A binary op whose operands both broadcast ((n, 1, d) * (1, m, d), and repeats of an
    expanded operand), when the result's dims merge into at most 3 with each operand's dims
    merged alike: C-ordered, as NumPy gives it for such operands; None otherwise."""
    if type(a) is not _ndarray or type(b) is not _ndarray or a.dtype != b.dtype or \
            a.dtype not in _FLOATS:
        return None
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        return None                         # NumPy's error, from the original
    a, b = _compact(a), _compact(b)
    if not (a.flags.c_contiguous and b.flags.c_contiguous) or 0 in shape:
        return None
    merged = _merged_grid(shape, a.shape, b.shape)
    if merged is None:
        return None
    out = np.empty(shape, a.dtype)
    sizes, whole_a, whole_b = merged
    _GRID[key](a.reshape([n if w else 1 for n, w in zip(sizes, whole_a)]),
               b.reshape([n if w else 1 for n, w in zip(sizes, whole_b)]), (),
               out.reshape(sizes))
    return out


def _merged_grid(shape, shape_a, shape_b):
    """(3 sizes, which of them a spans, which b spans): the result's dims with neighbours
    merged where each operand spans both or neither; None beyond 3."""
    lead = len(shape)
    shape_a = (1,) * (lead - len(shape_a)) + shape_a
    shape_b = (1,) * (lead - len(shape_b)) + shape_b
    sizes, whole_a, whole_b = [], [], []
    for n, na, nb in zip(shape, shape_a, shape_b):
        if n == 1:
            continue
        wa, wb = na > 1, nb > 1
        if sizes and whole_a[-1] == wa and whole_b[-1] == wb:
            sizes[-1] *= n
        else:
            sizes.append(n)
            whole_a.append(wa)
            whole_b.append(wb)
    if len(sizes) > 3:
        return None
    pad = 3 - len(sizes)
    return ([1] * pad + sizes, [False] * pad + whole_a, [False] * pad + whole_b)


def add_row_in_place(y, row):
    """y += row, a row repeated over y's rows (nn.Linear's bias), by the rows kernel; y, or
    None where the kernel declines."""
    operands = _row_operands(y, row)
    if (operands is None or operands[2] is not y or operands[3] is not _ROWS
            or not y.flags.writeable):
        return None
    wide, flat, _, kernels = operands
    kernels['add_2'](wide, flat, (), wide)     # (each element read, then written: no overlap)
    return y


def where_forward(cond, a, b):
    """np.where(cond, a, b) for a C-contiguous bool cond of the result's shape and float
    operands of one dtype, each an array of that shape or a number (NumPy's loop with a
    number broadcast: 4096 x 4096, 67 ms); None for the rest."""
    if type(cond) is not _ndarray or cond.dtype != np.bool_ or not cond.flags.c_contiguous:
        return None
    arrays = [v for v in (a, b) if type(v) is _ndarray]
    if not arrays or arrays[0].dtype not in _FLOATS or any(
            v.dtype != arrays[0].dtype for v in arrays):
        return None
    dtype = arrays[0].dtype.type
    operands = []
    for v in (a, b):
        if type(v) is _ndarray:
            if v.shape == cond.shape and v.flags.c_contiguous:
                v = v.reshape(-1)
            elif v.ndim <= cond.ndim and (v.size == 1 or (
                    v.size and v.shape == cond.shape and not any(v.strides))):
                v = v[(0,) * v.ndim]            # one number (`.sum()`'s gradient, expanded)
            else:
                return None
        elif type(v) in _SCALARS:
            v = dtype(v)
        else:
            return None
        operands.append(v)
    out = np.empty(cond.shape, dtype)
    _WHERE(cond.reshape(-1), *operands, out.reshape(-1))
    return out


@numba.njit(parallel=True, cache=True, error_model='numpy')
def _where_kernel(cond, a, b, out):
    # Both operands are read before the select, so that LLVM makes it a vector blend: with
    # the reads under the condition it branched on every element, and a random mask
    # mispredicted half of them (2^24 float32: 52 ms, against 12 ms now).
    for i in numba.prange(out.size):
        x = _at(a, i)
        y = _at(b, i)
        out[i] = x if cond[i] else y


_WHERE = _Twins(_where_kernel, ROUTES['where_forward'][1])


# The primitives without parameters: a unary op's forward and fused backward (saved, gy),
# and the plain binary ops, each one call of its kernel.
def _define_simple(namespace):
    def unary(key):
        return lambda x: _unary(_K[key], x)

    def grad(key):
        return lambda saved, gy: _grad(_K[key], saved, gy)

    def binary(key):
        return lambda a, b: _binary(_K[key], a, b, key)

    for op in ('abs', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'reciprocal', 'relu'):
        namespace[op + '_forward'] = unary(op + '_fwd')
        namespace[op + '_backward'] = grad(op + '_2')
    for op in ('add', 'sub', 'mul', 'div', 'maximum', 'minimum'):
        namespace[op + '_forward'] = binary(op + '_2')


_define_simple(globals())


def sigmoid_forward(x):
    # float32: PyTorch's bits, from its loop's layout (SLEEF's vector exp, glibc's tails)
    if type(x) is _ndarray and x.dtype == _ZERO32.dtype:
        return _sleef.sigmoid(x) if _ok(x) else None
    return _unary(_K['sigmoid_fwd'], x)


def neg_forward(x):
    return _unary(_K['neg_fwd'], x)


def neg_backward(_unused, gy):
    return _unary(_K['neg_fwd'], gy)


def _trig_call(key, x, gy):
    """Float32 goes to the chunked kernels (vectorised sin/cos), float64 to libm's."""
    if type(x) is not _ndarray or x.dtype != _ZERO32.dtype:
        return _unary(_K[key], x) if gy is None else _grad(_K[key], x, gy)
    if gy is not None:
        return _grad(_TRIG32[key], x, gy)
    if not _ok(x):
        return None
    out = np.empty_like(x)
    _TRIG32[key](x.reshape(-1), _ZERO32, (), out.reshape(-1))      # g: unused
    return out


def sin_forward(x):
    return _trig_call('sin_fwd', x, None)


def sin_backward(x, gy):
    return _trig_call('sin_2', x, gy)


def cos_forward(x):
    return _trig_call('cos_fwd', x, None)


def cos_backward(x, gy):
    return _trig_call('cos_2', x, gy)


def clamp_forward(x, lo, hi):
    if not _ok(x):
        return None
    return _unary(_K['clamp_fwd'], x, _params(x, -np.inf if lo is None else lo,
                                               np.inf if hi is None else hi))


def clamp_backward(x, gy, lo, hi):
    if not _ok(x) or (lo is None and hi is None):
        return None
    return _grad(_K['clamp_2'], x, gy, _params(x, -np.inf if lo is None else lo,
                                               np.inf if hi is None else hi))


def hardtanh_forward(x, min_val, max_val):
    return clamp_forward(x, min_val, max_val)       # (np.clip: 0.76 ms on 2^20 float32)


def hardtanh_backward(x, gy, min_val, max_val):
    if not _ok(x):
        return None
    return _grad(_K['hardtanh_2'], x, gy, _params(x, min_val, max_val))


# A general exponent is declined: the C library's scalar pow in a parallel loop ran at 0.4-0.5x
# of NumPy's vectorised one (AVX-512 here) at 2^22 elements, forward, backward and tensor **
# tensor alike. The exponents NumPy has no shortcut for but we do (x * x, 1 / x, ...) stay.

def pow_scalar_forward(x, exponent):
    if not _ok(x):
        return None
    p = _params(x, exponent)
    if p is None or p[0] not in _POW_FWD:
        return None
    return _unary(_POW_FWD[p[0]], x, p[0])


def pow_scalar_backward(x, gy, exponent):
    if not _ok(x) or exponent == 0:      # 0: zeros, NumPy's zeros_like does it
        return None
    p = _params(x, exponent, exponent - 1) if type(exponent) in _SCALARS else None
    if p is None or p[1] not in _POW_BWD:
        return None
    return _grad(_POW_BWD[p[1]], x, gy, p)


def leaky_relu_forward(x, negative_slope):
    if not _ok(x):
        return None
    return _unary(_K['leaky_relu_fwd'], x, _params(x, negative_slope))


def leaky_relu_backward(x, gy, negative_slope):
    if not _ok(x):
        return None
    return _grad(_K['leaky_relu_2'], x, gy, _params(x, negative_slope))


def softplus_forward(x, beta, threshold):
    if not _ok(x) or x.dtype == _ZERO32.dtype:   # float32: PyTorch's loop, in cpu.py
        return None
    return _unary(_K['softplus_fwd'], x, _params(x, beta, threshold))


def softplus_backward(x, gy, beta, threshold):
    if not _ok(x) or x.dtype == _ZERO32.dtype:   # float32: PyTorch's loop, in cpu.py
        return None
    return _grad(_K['softplus_2'], x, gy, _params(x, beta, threshold))


def pow_forward(a, b):
    if _is_float32(a) or _is_float32(b):
        # float32: cpu.pow_forward runs PyTorch's loop (microtorch/_sleef_pow.py, in Numba); a
        # 0-d exponent is a tensor there, powf's, not x * x * x or sqrt
        return None
    try:
        operands = _operands(a, b)
    except OverflowError:
        return None
    if operands is None:
        return None
    a, b, like = operands
    if type(b) is _ndarray or b not in _POW_FWD:     # general pow: NumPy's (see above)
        return None
    # A scalar exponent: NumPy's shortcuts apply (0.5 as sqrt), as in pow_scalar_forward.
    return _unary(_POW_FWD[b], like, b)


def _is_float32(v):
    return type(v) is _ndarray and v.dtype == _ZERO32.dtype


def maximum_backward(a, b, gy):
    """Both grads in one pass: the larger side takes gy, a tie gives each half (PyTorch)."""
    if not _ok(gy):
        return None
    try:
        operands = _operands(a, b)
    except OverflowError:
        return None
    if operands is None:
        return None
    a, b, like = operands
    if like.shape != gy.shape or like.dtype != gy.dtype:
        return None
    ga = np.empty_like(gy)
    gb = np.empty_like(gy)
    _EXTREME_GRADS(a, b, gy.reshape(-1), ga.reshape(-1), gb.reshape(-1))
    return ga, gb


def minimum_backward(a, b, gy):
    return maximum_backward(b, a, gy)
