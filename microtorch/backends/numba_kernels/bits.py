"""A float's bits as an integer and back, in Numba: LLVM's bitcast, which vectorises (a view
through an array would not). One pair for float32 <-> int32, one for float64 <-> int64."""
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


def _bitcast(source, target, llvm_target, doc):
    @intrinsic
    def cast(typingctx, value):
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], llvm_target)
        return target(source), codegen
    cast.__doc__ = doc
    return cast


bits_of = _bitcast(types.float32, types.int32, ir.IntType(32),
                   'The int32 with the bits of float32 x.')
from_bits = _bitcast(types.int32, types.float32, ir.FloatType(),
                     'The float32 whose bits are int32 i.')
bits_of_f64 = _bitcast(types.float64, types.int64, ir.IntType(64),
                       'The int64 with the bits of float64 x.')
f64_from_bits = _bitcast(types.int64, types.float64, ir.DoubleType(),
                         'The float64 whose bits are int64 i.')
