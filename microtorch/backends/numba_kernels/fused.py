"""fma(a, b, c): a * b + c rounded once, for the kernels that follow PyTorch's compiled CPU
loops, where the compiler fused a multiply and an add into one instruction (tanh's backward,
gy * (1 - y * y), runs as gy * fma(-y, y, 1) there). LLVM's llvm.fma is always fused, unlike
the 'contract' fastmath flag, which only allows it; it vectorises to vfmadd on AVX2/AVX-512.
"""
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c rounded once (three float32s or three float64s)."""
    if not (a == b == c and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, sig, args):
        t = args[0].type
        fn = builder.module.declare_intrinsic('llvm.fma', [t], ir.FunctionType(t, [t, t, t]))
        return builder.call(fn, args)
    return a(a, a, a), codegen
