"""Prototype: a 32x12 float32 micro-kernel in LLVM IR through a Numba intrinsic."""

import numpy as np, numba, time
from numba import types
from numba.extending import intrinsic
from llvmlite import ir

MR, NR = 32, 12
import os

PF = int(os.environ.get('PF', 8))
V = 16


@intrinsic
def micro_kernel(typingctx, kc, ap, bp, c, ldc):
    """C[0:MR, 0:NR] (column-major tile at c, leading dim ldc... here row-major: c[j*ldc + i]?)"""
    sig = types.void(types.int64, types.intp, types.intp, types.intp, types.int64)

    def codegen(context, builder, signature, args):
        kc, ap, bp, c, ldc = args
        f32 = ir.FloatType()
        fp = f32.as_pointer()
        ap, bp, c = (builder.inttoptr(x, fp) for x in (ap, bp, c))
        vec = ir.VectorType(f32, V)
        vecp = vec.as_pointer()
        mod = builder.module
        from numba.core import cgutils

        fma = cgutils.get_or_insert_function(
            mod, ir.FunctionType(vec, [vec, vec, vec]), 'llvm.fma.v16f32'
        )
        zero = ir.Constant(vec, [0.0] * V)
        i64 = ir.IntType(64)
        pre = builder.block
        loop = builder.append_basic_block('k_loop')
        after = builder.append_basic_block('k_after')
        # skip if kc == 0
        is_zero = builder.icmp_signed('<=', kc, ir.Constant(i64, 0))
        builder.cbranch(is_zero, after, loop)
        builder.position_at_end(loop)
        k = builder.phi(i64)
        k.add_incoming(ir.Constant(i64, 0), pre)
        accs = []
        for j in range(NR):
            for h in range(MR // V):
                p = builder.phi(vec)
                p.add_incoming(zero, pre)
                accs.append(p)
        # A: ap + k*MR ; B: bp + k*NR
        abase = builder.gep(ap, [builder.mul(k, ir.Constant(i64, MR))])
        bbase = builder.gep(bp, [builder.mul(k, ir.Constant(i64, NR))])
        avs = []
        for h in range(MR // V):
            ptr = builder.bitcast(builder.gep(abase, [ir.Constant(i64, h * V)]), vecp)
            avs.append(builder.load(ptr, align=4))
        new = []
        for j in range(NR):
            b = builder.load(builder.gep(bbase, [ir.Constant(i64, j)]))
            bv = builder.insert_element(
                ir.Constant(vec, ir.Undefined), b, ir.Constant(ir.IntType(32), 0)
            )
            bv = builder.shuffle_vector(
                bv,
                ir.Constant(vec, ir.Undefined),
                ir.Constant(ir.VectorType(ir.IntType(32), V), [0] * V),
            )
            for h in range(MR // V):
                acc = accs[j * (MR // V) + h]
                new.append(builder.call(fma, [avs[h], bv, acc]))
        k_next = builder.add(k, ir.Constant(i64, 1))
        k.add_incoming(k_next, loop)
        for p, n in zip(accs, new):
            p.add_incoming(n, loop)
        done = builder.icmp_signed('>=', k_next, kc)
        builder.cbranch(done, after, loop)
        builder.position_at_end(after)
        # final accumulators: phi over (zero from pre, new from loop)
        finals = []
        for idx in range(len(accs)):
            p = builder.phi(vec)
            p.add_incoming(zero, pre)
            p.add_incoming(new[idx], loop)
            finals.append(p)
        # C is row-major (MR rows of ldc) -> here store tile as column j, rows i: c[i*ldc + j]?
        # For the prototype: C tile stored column-major: c[j*ldc + i] (i contiguous), added in.
        for j in range(NR):
            for h in range(MR // V):
                ptr = builder.bitcast(
                    builder.gep(
                        c,
                        [
                            builder.add(
                                builder.mul(ir.Constant(i64, j), ldc), ir.Constant(i64, h * V)
                            )
                        ],
                    ),
                    vecp,
                )
                old = builder.load(ptr, align=4)
                builder.store(builder.fadd(old, finals[j * (MR // V) + h]), ptr, align=4)
        return context.get_dummy_value()

    return sig, codegen


@numba.njit
def run_micro(kc, ap, bp, c, ldc, reps):
    for r in range(reps):
        micro_kernel(kc, ap.ctypes.data, bp.ctypes.data, c.ctypes.data, ldc)


if __name__ == '__main__':
    kc = 256
    ap = np.random.rand(kc * MR).astype(np.float32)
    bp = np.random.rand(kc * NR).astype(np.float32)
    c = np.zeros((NR, MR), np.float32)
    run_micro(kc, ap, bp, c, MR, 1)
    ref = bp.reshape(kc, NR).T.astype(np.float64) @ ap.reshape(kc, MR).astype(np.float64)
    print('max err', np.abs(c - ref).max())
    reps = 20000
    for _ in range(3):
        t = time.perf_counter()
        run_micro(kc, ap, bp, c, MR, reps)
        t = time.perf_counter() - t
        flops = 2.0 * MR * NR * kc * reps
        print('GF/s %.1f  flops/cycle at 2.1 GHz %.1f' % (flops / t / 1e9, flops / t / 2.1e9))


@intrinsic
def micro_tile(typingctx, kc, up, wp, c, ldc, accumulate):
    """c[j*ldc + i] (+)= sum_k wp[k*NR + j] * up[k*MR + i] for i < MR, j < NR."""
    sig = types.void(types.int64, types.intp, types.intp, types.intp, types.int64, types.boolean)

    def codegen(context, builder, signature, args):
        from numba.core import cgutils

        kc, up, wp, c, ldc, accumulate = args
        f32 = ir.FloatType()
        fp = f32.as_pointer()
        up, wp, c = (builder.inttoptr(x, fp) for x in (up, wp, c))
        vec = ir.VectorType(f32, V)
        vecp = vec.as_pointer()
        fma = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vec, [vec, vec, vec]), 'llvm.fma.v16f32'
        )
        zero = ir.Constant(vec, [0.0] * V)
        i64 = ir.IntType(64)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        prefetch = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]),
            'llvm.prefetch.p0i8',
        )
        for j in range(NR):
            for h in range(MR // V):
                ptr = builder.gep(
                    c,
                    [builder.add(builder.mul(ir.Constant(i64, j), ldc), ir.Constant(i64, h * V))],
                )
                builder.call(
                    prefetch,
                    [
                        builder.bitcast(ptr, i8p),
                        ir.Constant(i32, 1),
                        ir.Constant(i32, 3),
                        ir.Constant(i32, 1),
                    ],
                )
        pre = builder.block
        loop = builder.append_basic_block('k_loop')
        after = builder.append_basic_block('k_after')
        builder.cbranch(builder.icmp_signed('<=', kc, ir.Constant(i64, 0)), after, loop)
        builder.position_at_end(loop)
        k = builder.phi(i64)
        k.add_incoming(ir.Constant(i64, 0), pre)
        H = MR // V
        accs = []
        for _ in range(NR * H):
            p = builder.phi(vec)
            p.add_incoming(zero, pre)
            accs.append(p)
        ubase = builder.gep(up, [builder.mul(k, ir.Constant(i64, MR))])
        wbase = builder.gep(wp, [builder.mul(k, ir.Constant(i64, NR))])
        for h in range(H):
            pf = builder.gep(ubase, [ir.Constant(i64, PF * MR + h * V)])
            builder.call(
                prefetch,
                [
                    builder.bitcast(pf, i8p),
                    ir.Constant(i32, 0),
                    ir.Constant(i32, 3),
                    ir.Constant(i32, 1),
                ],
            )
        uvs = [
            builder.load(
                builder.bitcast(builder.gep(ubase, [ir.Constant(i64, h * V)]), vecp), align=4
            )
            for h in range(H)
        ]
        splat = ir.Constant(ir.VectorType(ir.IntType(32), V), [0] * V)
        new = []
        for j in range(NR):
            w = builder.load(builder.gep(wbase, [ir.Constant(i64, j)]))
            wv = builder.insert_element(
                ir.Constant(vec, ir.Undefined), w, ir.Constant(ir.IntType(32), 0)
            )
            wv = builder.shuffle_vector(wv, ir.Constant(vec, ir.Undefined), splat)
            for h in range(H):
                new.append(builder.call(fma, [uvs[h], wv, accs[j * H + h]]))
        k_next = builder.add(k, ir.Constant(i64, 1))
        k.add_incoming(k_next, loop)
        for p, n in zip(accs, new):
            p.add_incoming(n, loop)
        builder.cbranch(builder.icmp_signed('>=', k_next, kc), after, loop)
        builder.position_at_end(after)
        finals = []
        for idx in range(NR * H):
            p = builder.phi(vec)
            p.add_incoming(zero, pre)
            p.add_incoming(new[idx], loop)
            finals.append(p)
        add_block = builder.append_basic_block('add_c')
        store_block = builder.append_basic_block('store_c')
        end_block = builder.append_basic_block('end_c')
        builder.cbranch(accumulate, add_block, store_block)
        for blk, adding in ((add_block, True), (store_block, False)):
            builder.position_at_end(blk)
            for j in range(NR):
                for h in range(H):
                    ptr = builder.bitcast(
                        builder.gep(
                            c,
                            [
                                builder.add(
                                    builder.mul(ir.Constant(i64, j), ldc), ir.Constant(i64, h * V)
                                )
                            ],
                        ),
                        vecp,
                    )
                    val = finals[j * H + h]
                    if adding:
                        val = builder.fadd(builder.load(ptr, align=4), val)
                    builder.store(val, ptr, align=4)
            builder.branch(end_block)
        builder.position_at_end(end_block)
        return context.get_dummy_value()

    return sig, codegen
