"""512-bit vectors for the kernels whose math, not memory, sets their time.

On Intel CPUs with AVX-512, LLVM tunes for 256-bit vectors (its 'prefer-256-bit': the wide
units once lowered the clock), and Numba offers no per-function choice. Compiled for 512-bit
vectors the exp, log, tanh and sigmoid kernels took 0.71-0.88 of their time on the Xeon VM,
while the memory-bound ones lost 10-15% (benchmarks/results/cpu-page-aligned-2026-12-05/
vector_width_512.md): so only the kernels that call `wide()` get them.

`wide()` emits no code. Lowering it marks the LLVM function it is lowered in with clang's
attributes for 512-bit code ("min-legal-vector-width" makes the 512-bit registers legal there,
"prefer-vector-width" lets the vectoriser use them). A prange loop's body becomes a function
of its own, so the call goes inside the loop. Elementwise results are the same bits: the
vectors are wider, each element's operations the same. Hosts without AVX-512 get nothing.

Kernels made by factories call `wide_loop` or `tuned_loop` (plain functions, inlined into the
caller in Numba's IR): held in a closure, an intrinsic would be pickled with a new id in every
process, and Numba's cache key would never match again.
"""
import llvmlite.binding as llvm
from numba import types
from numba.extending import intrinsic, overload

_ATTRIBUTES = ('"min-legal-vector-width"="512"', '"prefer-vector-width"="512"')
_host = []


def _has_avx512():
    if not _host:
        _host.append(bool(llvm.get_host_cpu_features().get('avx512f', False)))
    return _host[0]


@intrinsic
def wide(typingctx):
    """Let the function this is lowered in use 512-bit vectors (AVX-512 hosts only)."""
    def codegen(context, builder, signature, args):
        if _has_avx512():
            # llvmlite checks attribute names against a fixed list that has no string
            # attributes; set.add writes them into the IR as they are.
            for attribute in _ATTRIBUTES:
                set.add(builder.function.attributes, attribute)
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def as_tuned(typingctx):
    """No change: LLVM's own choice of vector width (the kernels' default)."""
    def codegen(context, builder, signature, args):
        return context.get_dummy_value()
    return types.void(), codegen


def wide_loop():
    """`wide()` for a kernel's closure (see the module's docstring)."""


def tuned_loop():
    """`as_tuned()` for a kernel's closure."""


@overload(wide_loop, inline='always')
def _wide_loop():
    return lambda: wide()


@overload(tuned_loop, inline='always')
def _tuned_loop():
    return lambda: as_tuned()
