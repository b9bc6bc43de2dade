"""a * b + c rounded once, elementwise, as the fused multiply-add instructions PyTorch's
compiled CPU loops use (its linspace points, its uniform and normal scalings). NumPy has no
fma: float32's is exact in float64 up to the final sum (rounded to odd, so the cast to float32
rounds once); float64's is Boldo and Melquiond's emulation from exact products and sums.
"""
import math
import sys

import numpy as np


def fused_multiply_add(a, b, c, np_dtype):
    """np_dtype(a * b + c) rounded once, for float32 or float64 values a, b, c (arrays or
    numbers, broadcast; each exactly representable in np_dtype)."""
    a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
    if np.dtype(np_dtype) == np.float32:
        return np.asarray(fma_float32(a, b, c))
    shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
    finite = np.isfinite(a) & np.isfinite(b) & np.isfinite(c)
    if not finite.all():            # inf and nan come out of a * b + c as from one fma
        a, b, c = np.broadcast_arrays(a, b, c)
        out = np.array(a * b + c, dtype=np.float64).reshape(shape)
        out[finite] = fused_multiply_add(a[finite], b[finite], c[finite], np.float64)
        return out
    with np.errstate(over='ignore'):
        big = ((np.abs(a) > _HUGE) | (np.abs(b) > _HUGE) | (np.abs(c) > _HUGE)
               | (np.abs(a * b) > _HUGE))
    if big.any():
        a, b, c = np.broadcast_arrays(a, b, c)
        out = np.empty(shape, np.float64)
        rest = ~big
        out[rest] = _fma_float64(a[rest], b[rest], c[rest])
        out[big] = _huge_fma(a[big], b[big], c[big])
        return out
    return _fma_float64(a, b, c).reshape(shape)


def _huge_fma(a, b, c):
    """float64 fma where an operand or the product is beyond 2^960, so that Veltkamp's split
    or a sum would overflow: the same sum at 2^-64 of the scale (the larger factor and c
    scaled; exact, except that a c too small to scale stands in as the smallest float64 of
    its sign: against a product this large it can only break a tie, and breaks it the same
    way), then scaled back. A scaled product that still overflows is the result: no c can
    bring back a product beyond 2^1088."""
    larger = np.abs(a) >= np.abs(b)
    x, y = np.where(larger, a, b) * 2.0 ** -64, np.where(larger, b, a)
    scaled_c = c * 2.0 ** -64
    lost = (scaled_c * 2.0 ** 64 != c)
    scaled_c[lost] = np.copysign(5e-324, c[lost])
    with np.errstate(over='ignore'):
        out = x * y
    scaled = np.isfinite(out) & (y != 0)              # a zero product: c is the sum, exactly
    out[scaled] = fused_multiply_add(x[scaled], y[scaled], scaled_c[scaled], np.float64)
    with np.errstate(over='ignore'):
        out *= 2.0 ** 64
    zero = y == 0
    out[zero] = (x[zero] * y[zero]) + c[zero]
    return out


_HUGE = 2.0 ** 960


def fma_in(dtype, a, b, c):
    """a * b + c rounded once to `dtype` (float32, float64, or float16 worked in float32 and
    rounded once more, as PyTorch's float16 loops are): an array, or a NumPy scalar."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return fma_float32(a, b, c)
    if dtype == np.float64:
        fused = _kernel_fma(a, b, c, dtype)
        if fused is not None:
            return fused
        return np.asarray(fused_multiply_add(a, b, c, np.float64), np.float64)
    single = [np.asarray(v, np.float32) for v in (a, b, c)]
    return fma_float32(*single).astype(dtype)


def _fma_into_float32(a, b, c):
    """float32(a * b + c), rounded once, for float32 values a, b, c held in float64."""
    return _sum_rounded_to_odd(a * b, c).astype(np.float32)    # a * b is exact in float64


# The low 29 bits of a float64 that sits halfway between two normal float32 values.
_LOW_BITS = np.int64((1 << 29) - 1)
_HALFWAY = np.int64(1 << 28)
_SMALLEST_NORMAL = np.float64(2.0 ** -126)


def fma_float32(a, b, c):
    """float32(a * b + c) rounded once, for float32 arrays or numbers a, b, c (broadcast): the
    fast form of fused_multiply_add for float32, a few NumPy calls. a * b is exact in float64
    and the sum is rounded once there; rounding that to float32 can only differ from one
    rounding of the exact value when the float64 sum lands exactly halfway between two
    float32 values (or below float32's normal range): those elements take the exact path."""
    fused = _kernel_fma(a, b, c)
    if fused is not None:
        return fused
    return _rounded_once(_float64_sum(a, b, c), a, b, c)


def fma_float32_number(a, b, c):
    """fma_float32 of three float32 numbers (NumPy scalars), in Python floats: ~0.5 us where
    the array form costs ~10 (the one-element tensors' hot path). a * b is exact in float64 and
    the sum rounds once there; when that sum is halfway between two float32 values, its
    rounding error (exact, by Fast2Sum) says which way the exact sum lies."""
    product = float(a) * float(b)
    addend = float(c)
    total = product + addend
    mantissa, _ = math.frexp(total)
    top = mantissa * 33554432.0             # 2^25: an odd whole number at a float32 halfway
    if not math.isfinite(total) or not (top == int(top) and int(top) & 1):
        if total == 0.0 or abs(total) >= 1.1754943508222875e-38:
            return _F32(total)              # (below float32's normal range: the array form)
        return _F32(fma_float32(a, b, c))
    if abs(product) >= abs(addend):
        error = (product - total) + addend
    else:
        error = (addend - total) + product
    if error == 0.0:
        return _F32(total)                  # the exact sum is the halfway point: ties to even
    return _F32(total + math.copysign(abs(total) * 2.0 ** -40, error))


_F32 = np.float32


def _kernel_fma(a, b, c, dtype=np.float32):
    """a * b + c rounded once to `dtype` by a Numba kernel (one true fma per element), else
    None: the parallel kernel for operands large enough for the fused kernels, the serial one
    below that once Numba is loaded. NumPy's form makes four passes in float64 and a check
    (at 4096 x 4096, 110 ms a call against the kernel's few ms; for (256, 1) * (1, 64) plus
    (64,), nn.Linear with one input feature, 100 us against ~10); float64's emulation more."""
    if not all(getattr(v, 'dtype', None) == dtype for v in (a, b, c)):
        return None             # a Python float (or a wider dtype) may hold more than dtype
    vectors = (type(a) is type(b) is type(c) is np.ndarray and a.ndim == 1
               and a.shape == b.shape == c.shape)     # (no broadcast to work out: ~3 us)
    shape = a.shape if vectors else np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(c))
    n = math.prod(shape)
    if n < 2:
        return None
    dispatch = _numba_dispatch()
    parallel = dispatch.parallel_pays('elementwise_fused', n)
    if not parallel and not _serial_kernel_pays(dispatch, n):
        return None
    if not parallel and vectors:      # (the module by its lookup: an import costs ~1.7 us)
        return dispatch._kernel_module('fma').fma_vector(a, b, c)
    cols = shape[-1]
    planes = [np.broadcast_to(v, shape).reshape(-1, cols) for v in (a, b, c)]
    out = np.empty(planes[0].shape, dtype)
    kernels = dispatch._kernel_module('fma')
    if parallel:
        from .backends.exact_sum import launch
        launch(kernels.fma_rows, *planes, out)
    else:
        kernels.fma_rows_serial(*planes, out)
    return out.reshape(shape)


def outer(column, row, addend=None):
    """column[:, None] * row, plus addend rounded once with each product where addend is given,
    for 1-d arrays (addend of row's size): the (m, 1) by (1, n) products of nn.Linear with one
    input feature and of a one-output Linear's input gradient. float32 and float64 take
    kernels that run along contiguous rows, serial below the fused kernels' crossover and a
    row per task above: (256, 64) plus a bias in ~2 us, against ~20 for _kernel_fma's strided
    planes and ~100 for NumPy's fma; (1024, 1) by (1, 256) in ~20 us against NumPy's
    broadcast multiply's ~170, which walks the stride-0 column element by element."""
    dtype = np.result_type(column, row)
    dispatch = _numba_dispatch()
    n = column.size * row.size
    if dtype in _KERNEL_DTYPES and column.dtype == row.dtype == dtype and (
            addend is None or addend.dtype == dtype):
        parallel = dispatch.parallel_pays('elementwise_fused', n)
        if parallel or _serial_kernel_pays(dispatch, n):
            out = np.empty((column.size, row.size), dtype)
            kernels = dispatch._kernel_module('fma')
            operands = (column, np.ascontiguousarray(row),
                        None if addend is None else np.ascontiguousarray(addend), out)
            if parallel:
                from .backends.exact_sum import launch
                launch(kernels.outer_rows, *operands)
            else:
                kernels.outer(*operands)
            return out
    if addend is None:
        return np.multiply(column[:, None], row)
    return fma_in(dtype, column[:, None], row, addend)


_KERNEL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_dispatch = []                          # backends.numba_dispatch, imported on first use


def _numba_dispatch():
    if not _dispatch:
        from .backends import numba_dispatch
        _dispatch.append(numba_dispatch)
    return _dispatch[0]

# From this many elements the serial kernel is worth importing Numba for (~0.5 s, once):
# NumPy's form costs ~25 us there. Below, it takes the kernel only once Numba is loaded
# anyway (~2 us against NumPy's ~18 for 64 elements).
_LOADS_NUMBA_FROM = 1 << 12


def _serial_kernel_pays(dispatch, n):
    return dispatch.settings.enabled and ('numba' in sys.modules or n >= _LOADS_NUMBA_FROM)


def _rounded_once(total, a, b, c):
    """total = _float64_sum(a, b, c) rounded to float32, the elements that may round twice
    taking the exact path."""
    out = total.astype(np.float32)
    suspect = _may_round_twice(total)
    if np.count_nonzero(suspect):
        a, b, c = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, c)))
        out = np.array(out, copy=True)
        out[suspect] = _fma_into_float32(a[suspect], b[suspect], c[suspect])
    return out


def _float64_sum(a, b, c):
    """a * b + c in float64 (the product exact for float32 values, the sum rounded once)."""
    return _plus(np.multiply(a, b, dtype=np.float64), c)


def _plus(total, c):
    """total + c in float64, into total where it can."""
    if type(total) is np.ndarray:
        shape = getattr(c, 'shape', ())
        # in place where c fits total's shape: the same shape or a number (no broadcast
        # planning, which costs more than a new small array), or a large total
        if shape in ((), total.shape) or (total.size > _DEFERRED_UP_TO and np.broadcast_shapes(
                total.shape, shape) == total.shape):
            total += c
            return total
    return np.add(total, c, dtype=np.float64)


def _may_round_twice(total):
    """Where float32(total) may differ from one rounding of the exact sum total rounds: total
    halfway between two float32 values, or below float32's normal range."""
    suspect = (total.view(np.int64) & _LOW_BITS) == _HALFWAY
    suspect |= np.abs(total) < _SMALLEST_NORMAL
    return suspect


# Steps up to this many elements leave their check to the end of fma_steps (larger ones are
# checked at once: their check costs far more than a call, and a rerun would too).
_DEFERRED_UP_TO = 4096


def fma_steps(dtype, body):
    """body(fma), fma(a, b, c) being a * b + c rounded once to `dtype` (float32 or float64),
    for a chain of dependent fused steps (a Python loop of small ones): for float32 each small
    step is first only its float64 sum rounded to float32, and the steps are checked for a
    double rounding once, at the end; should one have rounded twice, body runs again with the
    checked fma. body must have no side effects."""
    if np.dtype(dtype) != np.float32:
        return body(lambda a, b, c: fma_in(dtype, a, b, c))
    steps = []

    def unchecked_fma(a, b, c):
        fused = _kernel_fma(a, b, c)
        if fused is not None:
            return fused
        product = np.multiply(a, b, dtype=np.float64)
        if product.size > _DEFERRED_UP_TO:
            return _rounded_once(_plus(product, c), a, b, c)
        addend = np.array(c, np.float64)        # a copy: c's values now, whatever c becomes
        total = product + addend
        steps.append((total, product, addend))
        return total.astype(np.float32)
    result = body(unchecked_fma)
    if not steps or _rounded_once_each(steps):
        return result
    return body(fma_float32)


def _rounded_once_each(steps):
    """Did each (total, product, c) of fma_steps round once? Only a total that may round twice
    (_may_round_twice) can have, and then only where the float64 sum product + c was not
    exact (an exact one is the fma's exact value, which the cast rounds once): by Dekker's
    Fast2Sum, exact exactly when total - product gives c back and total - c gives product."""
    totals = np.concatenate([total.reshape(-1) for total, _, _ in steps])
    suspect = _may_round_twice(totals)
    if not np.count_nonzero(suspect):
        return True
    products = np.concatenate([product.reshape(-1) for _, product, _ in steps])[suspect]
    addends = np.concatenate([np.broadcast_to(addend, total.shape).reshape(-1)
                              for total, _, addend in steps])[suspect]
    totals = totals[suspect]
    return bool(np.all((totals - products == addends) & (totals - addends == products)))


def _fma_float64(a, b, c):
    high, low = _two_product(a, b)
    sum_high, sum_low = _two_sum(c, low)
    top, rest = _two_sum(high, sum_high)
    out = top + _sum_rounded_to_odd(sum_low, rest)          # (at least 1-d)
    zero = out == 0
    if zero.any():      # the error terms' +0 turns an exact -0 (-0 * x + -0) into +0: a zero
        out[zero] = np.broadcast_to(a * b + c, out.shape)[zero]     # is a * b + c's zero
    return out


def _two_sum(a, b):
    """(a + b rounded, its exact error)."""
    total = a + b
    b_part = total - a
    return total, (a - (total - b_part)) + (b - b_part)


def _two_product(a, b):
    """(a * b rounded, its exact error), by Veltkamp's splitting into 26-bit halves."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _split(a):
    scaled = 134217729.0 * a                 # 2**27 + 1
    high = scaled - (scaled - a)
    return high, a - high


def _sum_rounded_to_odd(a, b):
    """a + b rounded to odd: an inexact sum whose last bit came out even moves one ulp
    toward the exact value, so a later rounding to fewer bits rounds only once."""
    a, b = np.broadcast_arrays(a, b)
    total, error = _two_sum(a, b)
    total, error = np.atleast_1d(total).copy(), np.atleast_1d(error)
    bump = (error != 0) & ((total.view(np.int64) & 1) == 0)
    total[bump] = np.nextafter(total[bump], np.where(error[bump] > 0, np.inf, -np.inf))
    return total
