"""Lane sums held in vector registers: `add_rows(acc, x, p, count, rs)` adds `count` rows of
L = 128 / itemsize lanes (rows rs elements apart, from x[p]) into acc[0, :L], lane by lane and
in row order, as `acc[0, lane] += x[p + i * rs + lane]` would.

Written as that loop, Numba keeps acc in memory: it cannot tell acc from x, so every row
loads and stores the lanes again, and the store-to-load wait bounds the loop (a contiguous
float32 sum: 0.2-0.3 ns an element on one core of the 2-core EPYC). Numba leaves LLVM's SLP
vectorizer off (miscompilations: numba/numba#8852), so 32 scalar accumulators would stay
scalar. This intrinsic writes the loop in LLVM IR on a <L x T> vector, which LLVM splits
into four AVX2 registers. The additions are the same lane-wise IEEE additions in the same
order, so the sums keep their bits.
"""
import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

LANE_BYTES = 128            # 4 vectors of 32 bytes: row_sum's 4 interleaved AVX2 partials
ILP_LANES = 4               # those partials


def add_rows(acc, x, p, count, rs):
    """acc[0, :L] += x[p + i * rs:][:L] for i in range(count) (L = LANE_BYTES / itemsize)."""


def add_wide_rows(acc, at, x, p, count, rs):
    """acc[0, at:at + 2L] += x[p + i * rs:][:2L] for i in range(count): a chunk of a wide
    row's lanes (a column sum's), in registers, with eight vectors' additions in flight."""


def _rows_in_registers_of(lane_bytes):
    """The intrinsic (acc, at, x, p, count, rs) that adds `count` rows of lane_bytes of lanes
    into acc's row 0 from element `at`, the lanes held in a vector across the rows."""
    def typer(typingctx, acc, at, x, p, count, rs):
        if not (isinstance(acc, types.Array) and isinstance(x, types.Array)
                and acc.dtype == x.dtype and isinstance(x.dtype, types.Float)
                and acc.layout == 'C' and x.layout == 'C' and x.ndim == 1):
            return None
        lanes = lane_bytes // (x.dtype.bitwidth // 8)

        def codegen(context, builder, signature, args):
            acc_type, _, x_type = signature.args[:3]
            at_value, p_value, count_value, rs_value = (            # the integers
                context.cast(builder, args[i], signature.args[i], types.int64)
                for i in (1, 3, 4, 5))
            vector = ir.VectorType(context.get_value_type(x_type.dtype), lanes)
            align = x_type.dtype.bitwidth // 8
            acc_data = context.make_array(acc_type)(context, builder, args[0]).data
            x_data = context.make_array(x_type)(context, builder, args[2]).data
            acc_vector = builder.bitcast(builder.gep(acc_data, [at_value]),
                                         vector.as_pointer())
            total = cgutils.alloca_once(builder, vector)          # promoted to registers
            builder.store(builder.load(acc_vector, align=align), total)
            with cgutils.for_range(builder, count_value) as loop:
                offset = builder.add(p_value, builder.mul(loop.index, rs_value))
                row = builder.bitcast(builder.gep(x_data, [offset]), vector.as_pointer())
                row_values = builder.load(row, align=align)
                builder.store(builder.fadd(builder.load(total), row_values), total)
            builder.store(builder.load(total), acc_vector, align=align)
            return context.get_dummy_value()

        return types.none(acc, at, x, p, count, rs), codegen
    typer.__name__ = f'add_rows_in_registers_{8 * lane_bytes}'
    return intrinsic(typer)


_add_rows_in_registers = _rows_in_registers_of(LANE_BYTES)
_add_wide_rows_in_registers = _rows_in_registers_of(2 * LANE_BYTES)


def _row_pointer(context, builder, array_type, array, row, row_type, vector):
    """Where row `row` of a 2-D C-contiguous array starts, as a pointer to `vector`."""
    ary = context.make_array(array_type)(context, builder, array)
    stride = cgutils.unpack_tuple(builder, ary.strides, 2)[0]             # bytes
    row = context.cast(builder, row, row_type, types.intp)
    address = builder.add(builder.ptrtoint(ary.data, stride.type), builder.mul(row, stride))
    return builder.inttoptr(address, vector.as_pointer())


def _start_of_row(context, builder, array_type, array, row, row_type, pointee):
    """_row_pointer for a 2-D array; a 1-D array's data (it is the row)."""
    if array_type.ndim == 2:
        return _row_pointer(context, builder, array_type, array, row, row_type, pointee)
    data = context.make_array(array_type)(context, builder, array).data
    return builder.bitcast(data, pointee.as_pointer())


def _lane_vector(context, acc_type):
    element = context.get_value_type(acc_type.dtype)
    return ir.VectorType(element, LANE_BYTES // (acc_type.dtype.bitwidth // 8))


def _two_d_float(acc):
    return (isinstance(acc, types.Array) and acc.ndim == 2 and acc.layout == 'C'
            and isinstance(acc.dtype, types.Float))


def _fold_lanes_of(lane_bytes):
    """The intrinsic (acc, dst, src, at, clear): acc[dst, at:at + n] += acc[src, at:at + n],
    then acc[src, at:at + n] = 0 when clear (n: lane_bytes of lanes). multi_row's carry from
    one level of its cascade to the next, in vector registers, the same additions."""
    def typer(typingctx, acc, dst, src, at, clear):
        if not (_two_d_float(acc) and isinstance(dst, types.Integer)
                and isinstance(src, types.Integer) and isinstance(at, types.Integer)
                and isinstance(clear, types.Boolean)):
            return None

        def codegen(context, builder, signature, args):
            acc_arg, dst_arg, src_arg, at_arg, clear_arg = args
            acc_type, dst_type, src_type, at_type, _ = signature.args
            element = context.get_value_type(acc_type.dtype)
            vector = ir.VectorType(element, lane_bytes // (acc_type.dtype.bitwidth // 8))
            align = acc_type.dtype.bitwidth // 8
            at_value = context.cast(builder, at_arg, at_type, types.intp)

            def lanes_of(row, row_type):
                start = _row_pointer(context, builder, acc_type, acc_arg, row, row_type,
                                     element)
                return builder.bitcast(builder.gep(start, [at_value]), vector.as_pointer())
            to, frm = lanes_of(dst_arg, dst_type), lanes_of(src_arg, src_type)
            total = builder.fadd(builder.load(to, align=align),
                                 builder.load(frm, align=align))
            builder.store(total, to, align=align)
            with builder.if_then(clear_arg):
                builder.store(ir.Constant(vector, None), frm, align=align)
            return context.get_dummy_value()

        return types.none(acc, dst, src, at, clear), codegen
    typer.__name__ = f'fold_lanes_{8 * lane_bytes}'
    return intrinsic(typer)


fold_lanes = _fold_lanes_of(LANE_BYTES)
fold_wide_lanes = _fold_lanes_of(2 * LANE_BYTES)


@intrinsic
def zero_lanes(typingctx, acc, row):
    """acc[row, :L] = 0."""
    if not (_two_d_float(acc) and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        vector = _lane_vector(context, signature.args[0])
        to = _row_pointer(context, builder, signature.args[0], args[0], args[1],
                          signature.args[1], vector)
        builder.store(ir.Constant(vector, None), to,
                      align=signature.args[0].dtype.bitwidth // 8)
        return context.get_dummy_value()

    return types.none(acc, row), codegen


def _rows_implementation(lane_bytes, in_registers, acc, x):
    """add_rows' and add_wide_rows' code for these types, as (acc, at, x, p, count, rs): the
    intrinsic where it applies, else the plain loop."""
    if (isinstance(x, types.Array) and x.layout == 'C' and x.ndim == 1
            and isinstance(acc, types.Array) and acc.layout == 'C'):
        return in_registers
    lanes = lane_bytes // (x.dtype.bitwidth // 8)

    def in_memory(acc, at, x, p, count, rs):         # another layout: the plain loop
        for i in range(count):
            q = p + i * rs
            for lane in range(lanes):
                acc[0, at + lane] += x[q + lane]
    return numba.njit(inline='always')(in_memory)


@overload(add_rows, inline='always')
def _add_rows_overload(acc, x, p, count, rs):
    rows = _rows_implementation(LANE_BYTES, _add_rows_in_registers, acc, x)
    return lambda acc, x, p, count, rs: rows(acc, 0, x, p, count, rs)


@overload(add_wide_rows, inline='always')
def _add_wide_rows_overload(acc, at, x, p, count, rs):
    rows = _rows_implementation(2 * LANE_BYTES, _add_wide_rows_in_registers, acc, x)
    return lambda acc, at, x, p, count, rs: rows(acc, at, x, p, count, rs)


def _cascade_in_registers(builder, group, m, lp, load_group):
    """multi_row's cascade in registers (IR): groups 0..m-1 (load_group(g): group g's lanes,
    a `group` vector) added into level 0 in blocks of 2^lp, each block's sum carried up the
    levels, then (level 0 + level 1) + level 2 + level 3, the lane sums returned. (multi_row
    skips that last step below one block, where levels 1-3 hold +0.0: adding them changes
    at most a -0.0 lane, which every caller adds to a sum that starts from +0.0.)"""
    i64 = ir.IntType(64)
    levels = [cgutils.alloca_once_value(builder, ir.Constant(group, None)) for _ in range(4)]

    def add_groups(first, count):                       # level 0 += groups first...+count
        with cgutils.for_range(builder, count) as loop:
            index = builder.add(first, loop.index)
            builder.store(builder.fadd(builder.load(levels[0]), load_group(index)), levels[0])

    def carry(lev):                                     # level lev += level lev - 1, cleared
        builder.store(builder.fadd(builder.load(levels[lev]), builder.load(levels[lev - 1])),
                      levels[lev])
        builder.store(ir.Constant(group, None), levels[lev - 1])

    step = builder.shl(ir.Constant(i64, 1), lp)
    blocks = builder.lshr(m, lp)
    with cgutils.for_range(builder, blocks) as block:
        add_groups(builder.shl(block.index, lp), step)
        done = builder.shl(builder.add(block.index, ir.Constant(i64, 1)), lp)
        carry(1)
        for lev in (2, 3):          # up to level lev when `done` is a multiple of step^lev
            below = builder.sub(builder.shl(ir.Constant(i64, 1),
                                            builder.mul(lp, ir.Constant(i64, lev))),
                                ir.Constant(i64, 1))
            up = builder.icmp_unsigned('==', builder.and_(done, below), ir.Constant(i64, 0))
            with builder.if_then(up):
                carry(lev)
    whole = builder.shl(blocks, lp)
    add_groups(whole, builder.sub(m, whole))
    folded = builder.load(levels[0])
    for lev in (1, 2, 3):
        folded = builder.fadd(folded, builder.load(levels[lev]))
    return folded


def _row_total_of(cascade):
    """PyTorch's sum of one contiguous row x[off:off + n] of at least one W-lane vector (W = 32
    bytes of lanes), in registers from the first load to the answer: the m = n // 4W groups
    of 4 vectors into multi_row's cascade, the vectors after them into partial 0, partials
    1-3 added to it, then from 0 the scalar tail and partial 0's lanes, in order.
    exact_sum.inner_rows made the same additions with its lanes in a scratch array, stored
    and loaded again at every row and block. cascade: the intrinsic row_total(x, off, n, lp)
    (lp = _level_power(m); _cascade_in_registers); without, short_row_total(x, off, n), for
    m below the smallest block (16): level 0 alone, and none of the cascade's code (with it,
    such rows took 4-12% longer)."""
    def fits(x, *integers):
        return (isinstance(x, types.Array) and x.ndim == 1 and x.layout == 'C'
                and isinstance(x.dtype, types.Float)
                and all(isinstance(a, types.Integer) for a in integers))
    if cascade:
        def typer(typingctx, x, off, n, lp):
            return (x.dtype(x, off, n, lp), _row_total_code(True)) if fits(x, off, n, lp) \
                else None
    else:
        def typer(typingctx, x, off, n):
            return (x.dtype(x, off, n), _row_total_code(False)) if fits(x, off, n) else None
    typer.__name__ = 'row_total' if cascade else 'short_row_total'
    return intrinsic(typer)


def _row_total_code(cascade):
    def codegen(context, builder, signature, args):
        x_type = signature.args[0]
        element = context.get_value_type(x_type.dtype)
        itemsize = x_type.dtype.bitwidth // 8
        w = 32 // itemsize
        group = ir.VectorType(element, ILP_LANES * w)
        lanes = ir.VectorType(element, w)
        i64 = ir.IntType(64)
        off_value, n_value = (context.cast(builder, args[i], signature.args[i], types.int64)
                              for i in (1, 2))
        row = builder.gep(context.make_array(x_type)(context, builder, args[0]).data,
                          [off_value])
        nv = builder.sdiv(n_value, ir.Constant(i64, w))
        m = builder.sdiv(nv, ir.Constant(i64, ILP_LANES))

        def vector_at(index, vector):                   # the vector from element `index`
            address = builder.bitcast(builder.gep(row, [index]), vector.as_pointer())
            return builder.load(address, align=itemsize)

        if not cascade:
            level0 = cgutils.alloca_once_value(builder, ir.Constant(group, None))
            with cgutils.for_range(builder, m) as loop:
                start = builder.mul(loop.index, ir.Constant(i64, ILP_LANES * w))
                builder.store(builder.fadd(builder.load(level0), vector_at(start, group)),
                              level0)
            grouped = builder.load(level0)
        else:
            lp = context.cast(builder, args[3], signature.args[3], types.int64)
            grouped = _cascade_in_registers(
                builder, group, m, lp,
                lambda g: vector_at(builder.mul(g, ir.Constant(i64, ILP_LANES * w)), group))

        def partial(k):
            mask = ir.Constant(ir.VectorType(ir.IntType(32), w), list(range(k * w, k * w + w)))
            return builder.shuffle_vector(grouped, ir.Constant(group, ir.Undefined), mask)
        first = cgutils.alloca_once_value(builder, partial(0))
        after = builder.sub(nv, builder.mul(m, ir.Constant(i64, ILP_LANES)))
        with cgutils.for_range(builder, after) as loop:
            start = builder.mul(builder.add(builder.mul(m, ir.Constant(i64, ILP_LANES)),
                                            loop.index), ir.Constant(i64, w))
            builder.store(builder.fadd(builder.load(first), vector_at(start, lanes)), first)
        folded = builder.load(first)
        for k in range(1, ILP_LANES):
            folded = builder.fadd(folded, partial(k))
        total = cgutils.alloca_once_value(builder, ir.Constant(element, 0.0))
        tail_start = builder.mul(nv, ir.Constant(i64, w))
        with cgutils.for_range(builder, builder.sub(n_value, tail_start)) as loop:
            value = builder.load(builder.gep(row, [builder.add(tail_start, loop.index)]))
            builder.store(builder.fadd(builder.load(total), value), total)
        result = builder.load(total)
        for lane in range(w):
            result = builder.fadd(result, builder.extract_element(folded,
                                                                  ir.Constant(i64, lane)))
        return result
    return codegen


row_total = _row_total_of(cascade=True)
short_row_total = _row_total_of(cascade=False)


def _add_lane_products_of(vector_bytes):
    """add_lane_products with W = vector_bytes of lanes."""
    def typer(typingctx, acc, sums, rows, start, count):
        return _add_lane_products(vector_bytes, acc, sums, rows, start, count)
    typer.__name__ = f'add_lane_products_{8 * vector_bytes}'
    return intrinsic(typer)


def _add_lane_products(vector_bytes, acc, sums, rows, start, count):
    """Lane sums of products, W = vector_bytes of lanes (32: one AVX2 vector) each: for every
    sum s,
    acc[s * W + lane] += sums[s][0][rows[s][0], i] * sums[s][1][rows[s][1], i] * ... for
    k in range(count), i = start + k * W + lane (each product rounded, left to right, added
    in k's order). sums: a tuple of tuples of 1 to 3 C-contiguous arrays of acc's dtype, 2-D
    (rows: their row indices, shaped alike) or 1-D (their row index is ignored). row_dot's
    loop with the lanes in registers instead of acc's memory (see add_rows); several sums in
    one loop overlap their additions' waits."""
    def matrix(a):
        return (isinstance(a, types.Array) and a.ndim in (1, 2) and a.layout == 'C'
                and a.dtype == acc.dtype)
    if not (isinstance(acc, types.Array) and acc.ndim == 1 and acc.layout == 'C'
            and isinstance(acc.dtype, types.Float) and isinstance(sums, types.BaseTuple)
            and isinstance(rows, types.BaseTuple) and len(rows) == len(sums) >= 1
            and all(isinstance(f, types.BaseTuple) and isinstance(r, types.BaseTuple)
                    and len(f) == len(r) >= 1 and all(map(matrix, f))
                    and all(isinstance(i, types.Integer) for i in r)
                    for f, r in zip(sums, rows))):
        return None

    def codegen(context, builder, signature, args):
        acc_arg, sums_arg, rows_arg, start_arg, count_arg = args
        acc_type, sums_type, rows_type, start_type, count_type = signature.args
        itemsize = acc_type.dtype.bitwidth // 8
        element = context.get_value_type(acc_type.dtype)
        vector = ir.VectorType(element, vector_bytes // itemsize)
        start = context.cast(builder, start_arg, start_type, types.intp)
        count = context.cast(builder, count_arg, count_type, types.intp)
        acc_data = context.make_array(acc_type)(context, builder, acc_arg).data
        plans = []          # per sum: its lanes' address, a register for them, its factors
        for s, factors_type in enumerate(sums_type):
            factors = builder.extract_value(sums_arg, s)
            rows = builder.extract_value(rows_arg, s)
            bases = []      # where each factor's row starts, plus `start` elements
            for k, factor_type in enumerate(factors_type):
                row_start = _start_of_row(context, builder, factor_type,
                                          builder.extract_value(factors, k),
                                          builder.extract_value(rows, k), rows_type[s][k],
                                          element)
                bases.append(builder.gep(row_start, [start]))
            lanes_at = builder.bitcast(
                builder.gep(acc_data, [ir.Constant(start.type, s * vector.count)]),
                vector.as_pointer())
            total = cgutils.alloca_once(builder, vector)      # promoted to registers
            builder.store(builder.load(lanes_at, align=itemsize), total)
            plans.append((lanes_at, total, bases))
        step = ir.Constant(start.type, vector.count)
        with cgutils.for_range(builder, count) as loop:
            offset = builder.mul(loop.index, step)
            for _, total, bases in plans:
                product = None
                for base in bases:
                    at = builder.bitcast(builder.gep(base, [offset]), vector.as_pointer())
                    value = builder.load(at, align=itemsize)
                    product = value if product is None else builder.fmul(product, value)
                builder.store(builder.fadd(builder.load(total), product), total)
        for lanes_at, total, _ in plans:
            builder.store(builder.load(total), lanes_at, align=itemsize)
        return context.get_dummy_value()

    return types.none(acc, sums, rows, start, count), codegen


add_lane_products = _add_lane_products_of(32)


def _inverse_table(module, element, bits):
    """A constant [0, 1/1, 1/2, ..., 1/16] of the element type, each rounded once (what
    the fdiv 1 / (j + 1) gives; RowwiseMoments' own table) instead of a division per step:
    rowwise_moments of (1024, 1024) float32 rows 0.91 of the time on the AMD Zen 4 VM."""
    name = f'microtorch_welford_inverses_f{bits}'
    if name in module.globals:
        return module.globals[name]
    kind = ir.ArrayType(element, 17)
    rounded = np.float32 if bits == 32 else np.float64
    table = ir.GlobalVariable(module, kind, name)
    table.initializer = ir.Constant(kind, [0.0] + [float(rounded(1) / rounded(k))
                                                   for k in range(1, 17)])
    table.global_constant = True
    table.linkage = 'internal'
    return table


def _welford_steps_of(chunks):
    """welford_steps for `chunks` chunks at once, chunk k from row[base + k * stride] (the
    next chunks of a row: stride 16 * lanes; the next rows of a C-contiguous 2-D array:
    its row length, row being the first row's view), their steps interleaved: each chunk's
    chain of subtractions and fused multiply-adds is unchanged, but `chunks` chains
    overlap, where one chunk's steps wait on each other's latency (7 cycles a vector on
    Zen 4)."""
    @intrinsic
    def welford_chunk_steps(typingctx, row, base, count, lanes, stride, m1, m2):
        if not (isinstance(row, types.Array) and row.ndim == 1 and row.layout == 'C'
                and isinstance(row.dtype, types.Float)
                and all(isinstance(a, types.Array) and a.layout == 'C'
                        and a.dtype == row.dtype for a in (m1, m2))):
            return None

        def codegen(context, builder, signature, args):
            return _welford_steps_code(context, builder, signature, args, chunks)

        return types.none(row, base, count, lanes, stride, m1, m2), codegen
    return welford_chunk_steps


def _welford_steps_code(context, builder, signature, args, chunks):
    row_arg, base_arg, count_arg, _, stride_arg, m1_arg, m2_arg = args
    row_type, base_type, count_type, _, stride_type, m1_type, m2_type = signature.args
    itemsize = row_type.dtype.bitwidth // 8
    element = context.get_value_type(row_type.dtype)
    vector = ir.VectorType(element, 32 // itemsize)
    fma_vector = cgutils.get_or_insert_function(     # llvm.fma.v8f32 (v4f64)
        builder.module, ir.FunctionType(vector, [vector] * 3),
        f'llvm.fma.v{vector.count}f{row_type.dtype.bitwidth}')
    base = context.cast(builder, base_arg, base_type, types.intp)
    count = context.cast(builder, count_arg, count_type, types.intp)
    stride = context.cast(builder, stride_arg, stride_type, types.intp)
    data = context.make_array(row_type)(context, builder, row_arg).data
    lanes_at = [builder.bitcast(context.make_array(t)(context, builder, a).data,
                                vector.as_pointer())
                for t, a in ((m1_type, m1_arg), (m2_type, m2_arg))]
    chains = [[cgutils.alloca_once(builder, vector) for _ in range(2)] for _ in range(chunks)]
    for mean, m2 in chains:                         # step 0: fma(1, v - 0, 0) = v + 0
        builder.store(ir.Constant(vector, None), mean)
        builder.store(ir.Constant(vector, None), m2)
    one = ir.Constant(base.type, 1)
    inverses = _inverse_table(builder.module, element, row_type.dtype.bitwidth)
    width = ir.Constant(base.type, vector.count)
    zeros = ir.Constant(ir.VectorType(ir.IntType(32), vector.count), None)
    with cgutils.for_range(builder, count) as loop:
        j = loop.index
        inverse = builder.load(builder.gep(inverses, [ir.Constant(ir.IntType(32), 0),
                                                      builder.add(j, one)]))
        inverse = builder.shuffle_vector(
            builder.insert_element(ir.Constant(vector, None), inverse,
                                   ir.Constant(ir.IntType(32), 0)),
            ir.Constant(vector, None), zeros)
        for k, (mean, m2) in enumerate(chains):
            first = builder.add(base, builder.mul(stride, ir.Constant(base.type, k)))
            at = builder.gep(data, [builder.add(first, builder.mul(j, width))])
            value = builder.load(builder.bitcast(at, vector.as_pointer()), align=itemsize)
            old = builder.load(mean)
            delta = builder.fsub(value, old)
            new = builder.call(fma_vector, [inverse, delta, old])
            builder.store(builder.call(fma_vector, [delta, builder.fsub(value, new),
                                                    builder.load(m2)]), m2)
            builder.store(new, mean)
    for k, (mean, m2) in enumerate(chains):
        at = ir.Constant(ir.IntType(64), k)
        builder.store(builder.load(mean), builder.gep(lanes_at[0], [at]), align=itemsize)
        builder.store(builder.load(m2), builder.gep(lanes_at[1], [at]), align=itemsize)
    return context.get_dummy_value()


# Welford's steps of a chunk (RowwiseMoments' vector loop, UpdateMomentsVec), its lanes in
# registers from zeros: for j in range(count), with v = row[base + j * lanes:][:lanes] and
# inverse = 1 / (j + 1) rounded, delta = v - m1; m1' = fma(inverse, delta, m1);
# m2 = fma(delta, v - m1', m2); m1 = m1'. m1 and m2 (chunks * lanes elements) get each
# chunk's lanes after its last step; lanes must be 32 bytes of row's dtype (one AVX2 vector).
# Nothing is read from m1 and m2: a chunk whose start waited on stores to them (step 0
# written lane by lane, then loaded as a vector) could not begin before the last one's end.
welford_steps = _welford_steps_of(1)
welford_steps_4 = _welford_steps_of(4)


def _moment_lanes(arrays):
    """The arrays are 1-D, C-contiguous, of one float dtype: a vector of moment lanes each."""
    return all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == 'C'
               and isinstance(a.dtype, types.Float) and a.dtype == arrays[0].dtype
               for a in arrays)


@intrinsic
def join_moment_lanes(typingctx, m1, m2, m1_add, m2_add, share, count):
    """AddMomentsVec on one vector (32 bytes) of lanes, in place: delta = m1_add - m1;
    m1 += share * delta; m2 = fma(delta * count, share * delta, m2 + m2_add). (At count 0
    that is (delta * 0) * (share * delta) + (m2 + m2_add): the product is exact either way.)
    Written in Numba, the lanes' loop stays scalar (no SLP vectoriser; the loop vectoriser
    wants more than 8 iterations): 0.25 of rowwise_moments' cycles on (64, 1024) float32."""
    if not (_moment_lanes((m1, m2, m1_add, m2_add)) and share == m1.dtype
            and count == m1.dtype):
        return None

    def codegen(context, builder, signature, args):
        element_type = signature.args[0].dtype
        vector = ir.VectorType(context.get_value_type(element_type),
                               256 // element_type.bitwidth)
        align = element_type.bitwidth // 8
        at = [_start_of_row(context, builder, t, a, None, None, vector)
              for t, a in zip(signature.args[:4], args[:4])]
        m1_, m2_, m1_add_, m2_add_ = (builder.load(p, align=align) for p in at)
        fma_vector = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vector, [vector] * 3),
            f'llvm.fma.v{vector.count}f{element_type.bitwidth}')

        def splat(value):
            one = builder.insert_element(ir.Constant(vector, None), value,
                                         ir.Constant(ir.IntType(32), 0))
            return builder.shuffle_vector(one, ir.Constant(vector, None),
                                          ir.Constant(ir.VectorType(ir.IntType(32),
                                                                    vector.count), None))
        delta = builder.fsub(m1_add_, m1_)
        share_delta = builder.fmul(splat(args[4]), delta)
        builder.store(builder.call(fma_vector, [builder.fmul(delta, splat(args[5])),
                                                share_delta, builder.fadd(m2_, m2_add_)]),
                      at[1], align=align)
        builder.store(builder.fadd(m1_, share_delta), at[0], align=align)
        return context.get_dummy_value()

    return types.none(m1, m2, m1_add, m2_add, share, count), codegen


@intrinsic
def clear_moment_lanes(typingctx, m1, m2):
    """m1[:L] = m2[:L] = 0, one vector (32 bytes) each."""
    if not _moment_lanes((m1, m2)):
        return None

    def codegen(context, builder, signature, args):
        element_type = signature.args[0].dtype
        vector = ir.VectorType(context.get_value_type(element_type),
                               256 // element_type.bitwidth)
        for t, a in zip(signature.args, args):
            builder.store(ir.Constant(vector, None),
                          _start_of_row(context, builder, t, a, None, None, vector),
                          align=element_type.bitwidth // 8)
        return context.get_dummy_value()

    return types.none(m1, m2), codegen


# ---- a whole row's reduce_all in registers --------------------------------------------------

def _row_reduce_of(lanes, kind):
    """row_<kind>_<lanes>(x) (and row_dot_<lanes>(a, b)): PyTorch's vec_reduce_all of a 1-D
    C-contiguous row of at least W = lanes elements, in registers from its first load to its
    answer: the first W elements, each further W (vec::maximum, vec::minimum, +, or the
    products' +), the last size % W elements into the first lanes, then the shuffle tree
    (lane j takes lane j + w, w = W/2, ..., 1) and lane 0. torch_softmax's row_max,
    lane_sum and dot_sum hold the same steps in an acc array (~35 ns a 64-element row on
    the Xeon VM, ~10 of them the lanes' loop)."""
    def rows_fit(*rows):
        return all(isinstance(a, types.Array) and a.ndim == 1 and a.layout == 'C'
                   and isinstance(a.dtype, types.Float) and a.dtype == rows[0].dtype
                   for a in rows)

    if kind == 'dot':
        def typer(typingctx, a, b):
            return _row_reduce(lanes, kind, (a, b)) if rows_fit(a, b) else None
    else:
        def typer(typingctx, x):
            return _row_reduce(lanes, kind, (x,)) if rows_fit(x) else None
    typer.__name__ = f'row_{kind}_{lanes}'
    return intrinsic(typer)


def _row_reduce(lane_count, kind, rows):
    dtype = rows[0].dtype

    def combine(builder, a, b):
        if kind not in ('max', 'min'):
            return builder.fadd(a, b)
        winner = builder.select(builder.fcmp_ordered('>' if kind == 'max' else '<', a, b),
                                a, b)
        nan = ir.Constant(a.type, float('nan')) if not isinstance(a.type, ir.VectorType) \
            else ir.Constant(a.type, [float('nan')] * a.type.count)
        return builder.select(builder.fcmp_unordered('uno', a, b), nan, winner)

    def codegen(context, builder, signature, args):
        itemsize = dtype.bitwidth // 8
        element = context.get_value_type(dtype)
        vector = ir.VectorType(element, lane_count)
        arrays = [context.make_array(t)(context, builder, a)
                  for t, a in zip(signature.args, args)]
        datas = [a.data for a in arrays]
        n = cgutils.unpack_tuple(builder, arrays[0].shape, 1)[0]
        width = ir.Constant(n.type, vector.count)

        def load(offset, kind_of_load):         # the row's values (products for dot) there
            values = []
            for data in datas:
                at = builder.gep(data, [offset])
                if kind_of_load == 'vector':
                    at = builder.bitcast(at, vector.as_pointer())
                values.append(builder.load(at, align=itemsize))
            return values[0] if len(values) == 1 else builder.fmul(*values)

        total = cgutils.alloca_once(builder, vector)          # promoted to registers
        builder.store(load(ir.Constant(n.type, 0), 'vector'), total)
        full = builder.sub(n, builder.urem(n, width))
        with cgutils.for_range(builder, builder.sub(builder.udiv(full, width),
                                                    ir.Constant(n.type, 1))) as loop:
            offset = builder.mul(builder.add(loop.index, ir.Constant(n.type, 1)), width)
            builder.store(combine(builder, builder.load(total), load(offset, 'vector')),
                          total)
        with cgutils.for_range(builder, builder.sub(n, full)) as loop:     # the tail lanes
            lanes = builder.load(total)
            lane = builder.extract_element(lanes, loop.index)
            value = load(builder.add(full, loop.index), 'scalar')
            builder.store(builder.insert_element(lanes, combine(builder, lane, value),
                                                 loop.index), total)
        lanes = builder.load(total)
        w = vector.count // 2
        while w:
            mask = [j + w if j < w else j for j in range(vector.count)]
            partner = builder.shuffle_vector(lanes, ir.Constant(vector, None),
                                             ir.Constant(ir.VectorType(ir.IntType(32),
                                                                       vector.count), mask))
            lanes = combine(builder, lanes, partner)
            w //= 2
        return builder.extract_element(lanes, ir.Constant(ir.IntType(32), 0))

    return dtype(*rows), codegen


# Vec::size() lanes: 8 float32 lanes are AVX2's vector, 16 AVX-512's
row_max_8, row_sum_8, row_dot_8 = (_row_reduce_of(8, k) for k in ('max', 'sum', 'dot'))
row_max_16, row_sum_16, row_dot_16 = (_row_reduce_of(16, k) for k in ('max', 'sum', 'dot'))
row_min_16 = _row_reduce_of(16, 'min')          # (amin's rows: numba_kernels/reduction.py)
