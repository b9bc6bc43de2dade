"""fma(a, b, c): a * b + c rounded once, in njit code, as the FMA instructions PyTorch's
compiled CPU loops use (add with alpha, addcmul, lerp). Numba has no math.fma; this is LLVM's
llvm.fma intrinsic, which x86-64 with FMA3 compiles to one instruction (and libm's exact fma
elsewhere). Called from Python it is microtorch._fma's NumPy emulation."""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

from ..._fma import fused_multiply_add


def fma(a, b, c):
    """a * b + c rounded once (NumPy scalars or arrays, float32 or float64)."""
    return fused_multiply_add(a, b, c, getattr(a, 'dtype', 'float64'))


@intrinsic
def _llvm_fma(typingctx, a, b, c):
    if not (isinstance(a, types.Float) and a == b == c):
        return None

    def codegen(context, builder, signature, args):
        kind = args[0].type
        function = builder.module.declare_intrinsic(
            'llvm.fma', [kind], ir.FunctionType(kind, [kind, kind, kind]))
        return builder.call(function, args)
    return a(a, b, c), codegen


@overload(fma, inline='always')
def _fma_overload(a, b, c):
    if isinstance(a, types.Float) and a == b == c:
        return lambda a, b, c: _llvm_fma(a, b, c)
    return None


@numba.njit(inline='always')
def _fma_row(a, b, c, out, i):
    for j in range(out.shape[1]):
        out[i, j] = fma(a[i, j], b[i, j], c[i, j])


@numba.njit(parallel=True, cache=True)
def fma_rows(a, b, c, out):
    """out = a * b + c rounded once, over 2-D arrays of one shape (any strides: a broadcast
    operand is a stride-0 view), a row per task."""
    for i in numba.prange(out.shape[0]):
        _fma_row(a, b, c, out, i)


@numba.njit(cache=True)
def fma_rows_serial(a, b, c, out):
    """fma_rows on the calling thread, for operands below the threads' crossover (nn.Linear
    with one input feature: x's column times the weights plus the bias)."""
    for i in range(out.shape[0]):
        _fma_row(a, b, c, out, i)


@numba.njit(inline='always')
def _outer_row(column, row, addend, out, i):
    x = column[i]
    for j in range(np.uint64(out.shape[1])):            # unsigned: no wraparound test
        if addend is None:                              # (pruned when compiled)
            out[i, j] = x * row[j]
        else:
            out[i, j] = fma(x, row[j], addend[j])


@numba.njit(cache=True)
def outer(column, row, addend, out):
    """out[i, j] = column[i] * row[j], plus addend[j] in the same rounding where addend is
    not None, without threads: the (m, 1) by (1, n) products of nn.Linear with one input
    feature (x's column, the weights, the bias) and of a one-output Linear's input gradient,
    vectorised along contiguous rows."""
    for i in range(out.shape[0]):
        _outer_row(column, row, addend, out, i)


@numba.njit(parallel=True, cache=True)
def outer_rows(column, row, addend, out):
    """outer, a row per task."""
    for i in numba.prange(out.shape[0]):
        _outer_row(column, row, addend, out, i)


@numba.njit(cache=True)
def fma_vector(a, b, c):
    """a * b + c rounded once, over three 1-d arrays of one shape, without threads: the small
    vectors of a layer's parameters (batch_norm's shift, its running variance)."""
    out = np.empty_like(a)
    for i in range(a.size):
        out[i] = fma(a[i], b[i], c[i])
    return out
