"""PyTorch's CPU float sum, to the bit: the same additions in the same order.

PyTorch (aten/src/ATen/native/cpu/SumKernel.cpp, `cascade_sum`) does not add pairwise as
NumPy does. A reduction is a TensorIterator: dims sorted (reduced first, then by stride) and
coalesced, its elements walked in 2-D blocks (size0 x size1) that each add into the output,
which starts at 0. A block is summed one of four ways, picked from its strides:

- inner, vectorised: the reduced dim is contiguous and has >= W elements (W lanes: 32 bytes of
  the dtype, AVX2's width, which PyTorch's sum kernels use under AVX512 too): each row is W
  lanes summed by `row_sum`, then its scalar tail and the lanes are added in order;
- outer, vectorised: the kept dim is contiguous and has >= W elements: groups of 4W columns
  are summed by `multi_row` (no interleaving), the columns after them by `row_sum`;
- inner and outer, scalar: the same with one lane (outer: groups of 4 columns).

`row_sum` interleaves a row into 4 partial sums (element 4i + k goes to partial k, the 0-3
left over to partial 0), each a `multi_row` cascade, then adds partials 1, 2, 3 to partial 0.
`multi_row` adds blocks of s = 2^max(4, CeilLog2(rows) / 4) rows, then blocks of s block sums,
and so on over 4 levels, finishing with (level 0 + level 1) + level 2 + level 3.

With more than one thread and at least GRAIN elements, a full reduction splits the elements
into one contiguous range per thread (the threads' sums are then added in order), and other
reductions split the outermost kept dim that has enough columns (`_thread_parts`).

This module plans the blocks (`_iteration`, `_thread_parts`, `_blocks`) and adds them. With
Numba on (from NUMBA_FROM elements, or any size once the kernels are loaded: `use_numba`),
numba_kernels/exact_sum.py makes every block's additions, serially below the parallel
crossover and a part per thread above it. Without it, NumPy does: C-contiguous whole, row and
column sums by `row_sums` / `column_sums` (np.add.reduce over a leading axis adds in order),
other layouts block by block. Every route gives the same bits; MICROTORCH_NUMBA=0 too.
"""

import numpy as np

from . import numba_dispatch

GRAIN = 32768                       # at::internal::GRAIN_SIZE: below it a sum is serial
VECTOR_BYTES = 32                   # Vectorized<T>::size() * sizeof(T) in the sum kernels
ILP = 4                             # row_sum's interleaved partial sums
LEVELS = 4                          # multi_row's cascade levels


def lanes(dtype):
    """W: the elements of `dtype` in one vector of PyTorch's sum kernels."""
    return VECTOR_BYTES // np.dtype(dtype).itemsize


def level_step(rows):
    """multi_row's block: 2^max(4, CeilLog2(rows) // 4) rows."""
    ceil_log2 = 1 if rows <= 2 else (rows - 1).bit_length()
    return 1 << max(4, ceil_log2 // LEVELS)


def threads():
    """microtorch.get_num_threads() (imported on first call: _top_level imports backends)."""
    global threads
    from .._top_level import get_num_threads
    threads = get_num_threads               # later calls go straight to it
    return get_num_threads()


# ---- the iteration: TensorIterator's dim order and coalescing ------------------------------

def _should_swap(d0, d1, shape, out_st, in_st):
    """TensorIterator's comparison of two dims (1: d0 goes after d1, -1: before, 0: can't
    tell): the output first (reduced dims to the front), then the input, by stride; equal
    strides put the smaller dim first."""
    for arg, st in enumerate((out_st, in_st)):
        s0, s1 = st[d0], st[d1]
        if arg == 0 and (s0 == 0) != (s1 == 0):
            return 1 if s1 == 0 else -1
        if s0 == 0 or s1 == 0:
            continue
        if s0 != s1:
            return -1 if s0 < s1 else 1
        if shape[d0] > shape[d1]:
            return 1
    return 0


def dim_order(shape, in_st, reduced):
    """A reduction's dims in TensorIterator's order, fastest first (the reduced ones lead),
    and the output strides (in elements) it was sorted with: the output C-contiguous over
    the kept dims, stride 0 on the reduced ones."""
    nd = len(shape)
    out_st, step = [0] * nd, 1
    for d in reversed(range(nd)):
        if not reduced[d]:
            out_st[d], step = step, step * shape[d]
    perm = list(reversed(range(nd)))
    for i in range(1, nd):              # insertion sort that steps over undecided pairs
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = _should_swap(perm[d0], perm[d1], shape, out_st, in_st)
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    return perm, out_st


def _iteration(shape, in_st, reduced):
    """(sizes, input strides, output strides), fastest dim first, in elements: the output is
    C-contiguous over the kept dims (stride 0 on the reduced ones)."""
    nd = len(shape)
    perm, out_st = dim_order(shape, in_st, reduced)
    sizes = [shape[d] for d in perm]
    ins = [in_st[d] for d in perm]
    outs = [out_st[d] for d in perm]
    if nd <= 1:
        return sizes or [1], ins or [0], outs or [0]
    prev = 0
    for d in range(1, nd):
        n0, n1 = sizes[prev], sizes[d]
        if n0 == 1 or n1 == 1 or (n0 * ins[prev] == ins[d] and n0 * outs[prev] == outs[d]):
            if n0 == 1:
                ins[prev], outs[prev] = ins[d], outs[d]
            sizes[prev] *= n1
        else:
            prev += 1
            sizes[prev], ins[prev], outs[prev] = n1, ins[d], outs[d]
    k = prev + 1
    return sizes[:k], ins[:k], outs[:k]


class Iteration:
    """A (narrowed) iteration: sizes and strides per dim, fastest first, and where the input
    and output start, in elements."""
    __slots__ = ('sizes', 'ins', 'outs', 'in0', 'out0')

    def __init__(self, sizes, ins, outs, in0=0, out0=0):
        self.sizes, self.ins, self.outs, self.in0, self.out0 = sizes, ins, outs, in0, out0

    def numel(self):
        n = 1
        for s in self.sizes:
            n *= s
        return n

    def narrowed(self, dim, begin, end):
        sizes = list(self.sizes)
        sizes[dim] = end - begin
        return Iteration(sizes, self.ins, self.outs, self.in0 + begin * self.ins[dim],
                         self.out0 + begin * self.outs[dim])


def _thread_parts(it, nthreads, itemsize):
    """PyTorch's parallel_reduce: [(iteration, begin, end, slot)], run in this order; slot is
    None to add into the output, or the thread whose partial sum (of a one-element output)
    the range adds into."""
    numel = it.numel()
    if numel < GRAIN or nthreads == 1:
        return [(it, 0, numel, None)]
    if all(o == 0 for o in it.outs):                        # two passes: ranges of elements
        chunk = thread_chunk(numel, nthreads)
        return [(it, b, min(numel, b + chunk), t)
                for t, b in enumerate(range(0, numel, chunk))]
    dim = _split_dim(it, nthreads)
    cols = it.sizes[dim]
    used = min(nthreads, cols)
    chunk = -(-cols // used)
    per_line = 128 // itemsize if it.ins[dim] == 1 else 1    # whole 128-byte lines
    parts = []
    for b in range(0, cols, chunk):
        e = min(cols, b + chunk)
        b -= b % per_line
        if e != cols:
            e -= e % per_line
        if b != e:
            sub = it.narrowed(dim, b, e)
            parts.append((sub, 0, sub.numel(), None))
    return parts


def thread_chunk(numel, nthreads):
    """The elements each thread takes in a full reduction (parallel_reduce's ranges)."""
    if numel < GRAIN or nthreads == 1:
        return numel
    used = min(nthreads, -(-numel // GRAIN)) if numel > GRAIN else 1
    return -(-numel // used)


def _split_dim(it, nthreads):
    """find_split_dim: the outermost kept dim with at least nthreads columns, else the
    largest of the outer kept dims."""
    best = len(it.sizes) - 1
    for d in range(best, -1, -1):
        if it.outs[d] == 0 and it.sizes[d] > 1:
            break
        if it.sizes[d] >= nthreads:
            return d
        if it.sizes[d] > it.sizes[best]:
            best = d
    return best


# ---- the 2-D blocks of a range (serial_for_each's DimCounter) ------------------------------

def _blocks(it, begin, end):
    """The blocks serial_for_each hands the loop over [begin, end), in order, as runs
    [(offsets_in, offsets_out, size0, size1)] - each run's offsets an int64 array, one entry
    per block of that size."""
    sizes = it.sizes
    if len(sizes) <= 1:
        return [(np.array([it.in0 + begin * it.ins[0]]), np.array([it.out0 + begin * it.outs[0]]),
                 end - begin, 1)]
    n0, n1 = sizes[0], sizes[1]
    runs = []
    offset = begin
    while offset < end:
        values = _unravel(offset, sizes)
        if values[0] == 0 and values[1] == 0 and end - offset >= n0 * n1:
            count = (end - offset) // (n0 * n1)          # whole blocks: all at once
            k = np.arange(offset // (n0 * n1), offset // (n0 * n1) + count)
            oin, oout = _outer_offsets(it, k)
            runs.append((oin, oout, n0, n1))
            offset += count * n0 * n1
            continue
        step0 = min(n0 - values[0], end - offset)
        step1 = 1
        if step0 == n0:
            step1 = min(n1 - values[1], (end - offset) // n0)
        oin = it.in0 + sum(v * s for v, s in zip(values, it.ins))
        oout = it.out0 + sum(v * s for v, s in zip(values, it.outs))
        runs.append((np.array([oin]), np.array([oout]), step0, step1))
        offset += step0 * step1
    return runs


def _unravel(offset, sizes):
    values = []
    for s in sizes:
        values.append(offset % s)
        offset //= s
    return values


def _outer_offsets(it, k):
    """Input and output offsets of the whole blocks with linear indices k over dims 2.."""
    oin = np.full(k.shape, it.in0, np.int64)
    oout = np.full(k.shape, it.out0, np.int64)
    for s, si, so in zip(it.sizes[2:], it.ins[2:], it.outs[2:]):
        v = k % s
        k = k // s
        oin += v * si
        oout += v * so
    return oin, oout


def _kind(size0, size1, is0, is1, w):
    """cascade_sum's choice of loop for a block (after moving the reduced dim first)."""
    if is0 == 1 and size0 >= w:
        return 'inner', w
    if is1 == 1 and size1 >= w:
        return 'outer', ILP * w
    if is0 < is1:
        return 'inner', 1
    return 'outer', ILP


def _block_loop(it, size0, size1):
    """(size0, size1, input strides, output stride) of a block, the reduced dim first."""
    is0, is1 = it.ins[0], (it.ins[1] if len(it.ins) > 1 else 0)
    os0, os1 = it.outs[0], (it.outs[1] if len(it.outs) > 1 else 0)
    if os0 != 0 and os1 == 0:
        size0, size1, is0, is1, os1 = size1, size0, is1, is0, os0
    return size0, size1, is0, is1, os1


# ---- the additions, in NumPy ---------------------------------------------------------------

def _seq(a, axis):
    """Sequential sum along axis -1 or -2 ((a0 + a1) + a2 ...; signed zeros aside), in a's
    dtype: a loop of vector adds, or np.add.accumulate for long rows."""
    n = a.shape[axis]
    if n > 64:
        return np.add.accumulate(a, axis=axis)[..., -1] if axis == -1 else \
            np.add.accumulate(a, axis=axis)[..., -1, :]
    if n == 0:
        return np.zeros(a.shape[:axis] + a.shape[axis:][1:], a.dtype)
    if axis == -1:
        acc = a[..., 0].copy()
        for j in range(1, n):
            acc += a[..., j]
        return acc
    acc = a[..., 0, :].copy()
    for j in range(1, n):
        acc += a[..., j, :]
    return acc


def multi_row(u):
    """multi_row_sum over axis -2 of u (..., rows, lanes): the 4-level cascade per lane."""
    rows = u.shape[-2]
    s = level_step(rows)
    if rows < s:                                            # one partial block: level 0
        return _seq(u, -2)
    lead, nl = u.shape[:-2], u.shape[-1]
    nb = rows // s
    total = _seq(u[..., nb * s:, :], -2)                    # level 0: the rows left over
    level = _seq(u[..., :nb * s, :].reshape(lead + (nb, s, nl)), -2)
    for _ in range(LEVELS - 2):                             # levels 1 and 2: what is left
        n = level.shape[-2] // s
        total = total + _seq(level[..., n * s:, :], -2)
        level = _seq(level[..., :n * s, :].reshape(lead + (n, s, nl)), -2)
    return total + _seq(level, -2)                          # level 3: all of it


def row_sum(u):
    """row_sum over axis -2 of u (..., n, lanes): 4 interleaved multi_row partials."""
    n, nl = u.shape[-2], u.shape[-1]
    m = n // ILP
    lead = u.shape[:-2]
    parts = multi_row(u[..., :m * ILP, :].reshape(lead + (m, ILP * nl)))
    parts = parts.reshape(lead + (ILP, nl))
    p = parts[..., 0, :]
    for i in range(m * ILP, n):
        p = p + u[..., i, :]
    for k in range(1, ILP):
        p = p + parts[..., k, :]
    return p


def block_sums(v, kind, width):
    """The sums a block loop stores, in order: v is (..., size1, size0), reduced axis last;
    returns (..., size1)."""
    if kind == 'inner':
        n = v.shape[-1]
        if width == 1:
            return row_sum(v[..., None])[..., 0]
        nv = n // width
        vec = row_sum(v[..., :nv * width].reshape(v.shape[:-1] + (nv, width)))
        return _seq(np.concatenate([v[..., nv * width:], vec], axis=-1), -1)
    u = np.swapaxes(v, -1, -2)                              # (..., rows, columns)
    cols = u.shape[-1]
    g = cols // width * width
    head = multi_row(u[..., :g]) if g else u[..., 0, :0]
    tail = row_sum(u[..., g:]) if g < cols else u[..., 0, :0]
    return np.concatenate([head, tail], axis=-1)


def _numpy_runs(it, begin, end, w):
    """serial_for_each over [begin, end) as runs for `_run_numpy`: ('row', first element,
    elements, output) for one contiguous row summed by row_sums, else (kind, width, the
    blocks' memory indices (blocks, size1, size0), their outputs, outputs all distinct?)."""
    runs = []
    for oin, oout, size0, size1 in _blocks(it, begin, end):
        size0, size1, is0, is1, os1 = _block_loop(it, size0, size1)
        kind, width = _kind(size0, size1, is0, is1, w)
        if kind == 'inner' and width > 1 and size1 == 1 and oin.size == 1 and is0 == 1:
            runs.append(('row', int(oin[0]), size0, int(oout[0])))
            continue
        index = (oin[:, None, None] + np.arange(size1)[:, None] * is1
                 + np.arange(size0) * is0)
        where = (oout[:, None] + np.arange(size1) * os1).reshape(-1)
        runs.append((kind, width, index, where, np.unique(where).size == where.size))
    return runs


# ---- C-contiguous row and column sums in NumPy -------------------------------------------
# np.add.reduce over a non-inner axis of a block whose lanes (more than one) are its inner,
# contiguous axis adds row after row into the lanes (NumPy's pairwise sum runs only along the
# inner axis), so it makes multi_row's sequential level sums in one call each.

def _cascade(rows):
    """multi_row over axis -2 of rows (..., m, lanes), its >= 2 lanes contiguous."""
    m, nl = rows.shape[-2:]
    lead = rows.shape[:-2]
    s = level_step(m)
    if m < s:
        return np.add.reduce(rows, axis=-2)
    nb = m // s
    total = np.add.reduce(rows[..., nb * s:, :], axis=-2)   # level 0: the rows left over
    level = np.add.reduce(rows[..., :nb * s, :].reshape(lead + (nb, s, nl)), axis=-2)
    for _ in range(LEVELS - 2):                             # levels 1 and 2
        n = level.shape[-2] // s
        if n == 0:                                          # the levels above stay 0
            break
        total = total + np.add.reduce(level[..., n * s:, :], axis=-2)
        level = np.add.reduce(level[..., :n * s, :].reshape(lead + (n, s, nl)), axis=-2)
    return total + np.add.reduce(level, axis=-2)            # level 3


def row_sums(x):
    """PyTorch's sum of each row of a C-contiguous 2-D x (one serial block): W-lane vectors by
    row_sum, then the tail and the lanes in order; rows below W elements: the scalar loop."""
    rows, n = x.shape
    w = lanes(x.dtype)
    zero = x.dtype.type(0)
    if n < 2 * ILP * w:
        return zero + _short_row_sums(x, n, w)
    nv = n // w
    m = nv // ILP
    vectors = x[:, m * ILP * w:nv * w].reshape(rows, nv - m * ILP, w)
    parts = _cascade(x[:, :m * ILP * w].reshape(rows, m, ILP * w)).reshape(rows, ILP, w)
    vectors = np.concatenate((parts[:, :1], vectors, parts[:, 1:]), axis=1) \
        if vectors.shape[1] else parts
    p = np.add.reduce(vectors, axis=1)      # partial 0, the vectors left over, partials 1-3
    if nv * w < n:
        p = np.concatenate((x[:, nv * w:], p), axis=1)
    return zero + np.add.accumulate(p, axis=1)[:, -1]      # the tail, then the lanes


def _short_row_sums(x, n, w):
    """row_sums of rows too short for two vectors in any interleaved partial: each partial is
    then a single element (below W) or vector, so the whole row is one sequence - the rows'
    elements (vectors) in the order partial 0, the ones left over, partials 1-3, then the
    tail and the lanes - a gather and two sequential NumPy sums."""
    order = _short_orders.get((n, w))
    if order is None:
        order = _short_orders[n, w] = _short_order(n, w)
    g = x if order is True else x[:, order]
    if n < w:
        return np.add.accumulate(g, axis=1)[:, -1]
    nv = n // w
    p = np.add.reduce(g[:, :nv * w].reshape(x.shape[0], nv, w), axis=1)
    if nv * w < n:
        p = np.concatenate((g[:, nv * w:], p), axis=1)
    return np.add.accumulate(p, axis=1)[:, -1]


def _short_order(n, w):
    """The gather for _short_row_sums (True: none needed)."""
    if n < w:
        order = _interleaved(n) or list(range(n))
    else:
        nv = n // w
        order = [v * w + lane for v in (_interleaved(nv) or range(nv)) for lane in range(w)]
        order += list(range(nv * w, n))
    return True if order == list(range(n)) else np.array(order)


_short_orders = {}


def _interleaved(k):
    """row_sum's order of k < 2 * ILP rows (elements), each partial then a single one:
    partial 0, the k - 4 left over, partials 1, 2, 3; None when that is the natural order."""
    return None if k <= ILP else [0] + list(range(ILP, k)) + list(range(1, ILP))


def column_sums(x):
    """PyTorch's sum of each column of a C-contiguous 2-D x (one serial block): groups of 4W
    columns (4 below W columns) by multi_row, the columns after them by row_sum."""
    rows, cols = x.shape
    width = ILP * lanes(x.dtype) if cols >= lanes(x.dtype) else ILP
    g = cols // width * width
    sums = [_cascade(x[:, :g])] if g else []
    t = cols - g
    if t and rows < 2 * ILP:        # each partial a single row: one sequence per column
        order = _interleaved(rows)
        sums.append(np.add.accumulate(x[order, g:] if order else x[:, g:], axis=0)[-1])
    elif t:
        m = rows // ILP
        parts = _cascade(np.ascontiguousarray(x[:m * ILP, g:]).reshape(m, ILP * t))
        p = parts[:t]
        for r in range(m * ILP, rows):
            p = p + x[r, g:]
        for k in range(1, ILP):
            p = p + parts[k * t:(k + 1) * t]
        sums.append(p)
    return x.dtype.type(0) + np.concatenate(sums)


def contiguous_total(v):
    """PyTorch's sum of a contiguous 1-D v of any length, as a scalar of its dtype."""
    n, w = v.size, lanes(v.dtype)
    if n < 2 * ILP * w and not use_numba(n):               # a learner's loss.sum()
        return v.dtype.type(0) + _short_row_sums(v.reshape(1, n), n, w)[0]
    nthreads = threads() if n >= GRAIN else 1
    chunk = thread_chunk(n, nthreads)
    if use_numba(n):                   # (Numba returns a float32 as a Python float)
        kernels = _numba_kernels()
        if chunk == n:
            return v.dtype.type(kernels.contiguous_sum(v, w))
        if _parallel_pays(n, v.itemsize):
            return v.dtype.type(launch(kernels.parallel_split_sum, v, chunk, w))
        return v.dtype.type(kernels.split_sum(v, chunk, w))
    if chunk == n:
        return row_sums(v.reshape(1, n))[0]
    partials = np.array([row_sums(v[b:b + chunk].reshape(1, -1))[0] for b in range(0, n, chunk)])
    return v.dtype.type(0) + combine(partials, w)


# ---- entry -------------------------------------------------------------------------------

def flat_memory(x):
    """x's memory as a 1-D array from its lowest address, and x's strides in elements; None
    for negative strides."""
    itemsize = x.itemsize
    strides = [s // itemsize for s in x.strides]
    if any(s < 0 for s in strides):
        return None, None
    if x.flags.c_contiguous:
        return x.reshape(-1), strides
    span = 1 + sum((n - 1) * s for n, s in zip(x.shape, strides))
    flat = np.lib.stride_tricks.as_strided(x, (span,), (itemsize,), writeable=False)
    return flat, strides


class _Plan:
    """How a sum of one layout runs: its thread parts, their table for the Numba kernels and
    their runs for NumPy (both built on first use). A plan depends only on the shape, strides,
    dtype, dims and thread count, so plans are kept: at 32 elements, planning cost ten times
    the additions."""
    __slots__ = ('copy', 'parts', 'out_size', '_table', '_runs')

    def __init__(self, x, reduced, nthreads):
        flat, strides = flat_memory(x)
        self.copy = flat is None                 # negative strides: sum a contiguous copy
        if self.copy:
            x = np.ascontiguousarray(x)
            flat, strides = flat_memory(x)
        it = Iteration(*_iteration(list(x.shape), strides, reduced))
        self.parts = _thread_parts(it, nthreads, x.itemsize)
        self.out_size = 1
        for n, r in zip(x.shape, reduced):
            self.out_size *= 1 if r else n
        self._table = self._runs = None

    def memory(self, x):
        return flat_memory(np.ascontiguousarray(x) if self.copy else x)[0]

    def table(self):
        if self._table is None:
            self._table = part_table(self.parts)
        return self._table

    def runs(self, w):
        if self._runs is None:
            self._runs = [(slot, _numpy_runs(it, begin, end, w))
                          for it, begin, end, slot in self.parts]
        return self._runs


_plans = {}
_PLANS_KEPT = 256               # a training loop meets a few dozen layouts


def plan(x, reduced, nthreads):
    """The (kept) plan for summing x over the dims flagged (a tuple of bools)."""
    key = (x.shape, x.strides, x.dtype.char, reduced, nthreads)
    return _plans.get(key) or remember(_plans, key, _Plan(x, reduced, nthreads))


def remember(kept, key, value):
    """kept[key] = value, emptying `kept` first when it is full; returns value."""
    if len(kept) >= _PLANS_KEPT:
        kept.clear()
    kept[key] = value
    return value


def exact_sum(x, dims, keepdim):
    """x (float32/float64 ndarray) summed over dims (None: all) as PyTorch's CPU sum; a
    NumPy scalar for a full reduction without keepdim, as np.add.reduce."""
    if dims is not None and type(dims) is not tuple:
        dims = tuple(dims)
    key = (x.shape, x.strides, x.dtype.char, dims, keepdim)
    route = _routes.get(key) or remember(_routes, key, _Route(x, dims, keepdim))
    how = route.how
    if how == 'total':
        total = contiguous_total(x.reshape(-1))
        return np.full(route.kept, total, x.dtype) if route.kept else total
    if how == 'dims':
        out = _dim_sums(x, route.reduced, route.matrix).reshape(route.kept)
    elif how == 'empty':
        out = np.zeros(route.kept, x.dtype)
    else:
        out = (x + x.dtype.type(0)).reshape(route.kept)       # nothing added: 0 + x
    return out[()] if route.scalar else out


class _Route:
    """Which of exact_sum's ways a sum of one layout over some dims takes, and its result's
    shape: decided once per layout (_routes), as the plans are."""
    __slots__ = ('how', 'kept', 'reduced', 'matrix', 'scalar')

    def __init__(self, x, dims, keepdim):
        nd = x.ndim
        dims = range(nd) if dims is None else dims
        self.reduced = reduced = tuple(d in dims for d in range(nd))
        self.kept = tuple(1 if r else n for n, r in zip(x.shape, reduced) if keepdim or not r)
        self.scalar = not keepdim and len(self.kept) == 0
        self.matrix = None
        if x.size == 0:
            self.how = 'empty'
        elif x.flags.c_contiguous and all(r or n == 1 for n, r in zip(x.shape, reduced)):
            self.how = 'total'
        elif not any(r and n > 1 for n, r in zip(x.shape, reduced)):
            self.how = 'copy'
        else:
            self.how = 'dims'
            self.matrix = _matrix(x, reduced)


_routes = {}


def _dim_sums(x, reduced, matrix):
    """The sums of x over the dims flagged, flat, in C order of the kept dims; matrix: x as a
    2-D row or column sum (_matrix), or None."""
    size = x.size
    numba = use_numba(size)
    if matrix is not None and (size < GRAIN or threads() == 1 or not matrix[2]) and not (
            numba and _parallel_pays(size, x.itemsize)):
        rows, cols, leading = matrix                        # one serial block (row sums:
        view = x.reshape(rows, cols)                        # every split gives its bits)
        if not numba:
            return column_sums(view) if leading else row_sums(view)
        out = np.zeros(rows if not leading else cols, x.dtype)
        flat, w = view.reshape(-1), lanes(x.dtype)
        if leading:
            _numba_kernels().block(flat, 0, 0, rows, cols, cols, 1, 0, 1, w, out)
        else:
            _numba_kernels().block(flat, 0, 0, cols, rows, 1, cols, 0, 1, w, out)
        return out
    nthreads = threads()
    found = plan(x, reduced, nthreads)
    flat = found.memory(x)
    w = lanes(x.dtype)
    out = np.zeros(found.out_size, x.dtype)
    parts = found.parts
    if numba:
        kernels = _numba_kernels()
        parallel = _parallel_pays(size, x.itemsize)
        if parts[0][3] is not None:                         # a full reduction in two passes
            out += (launch(kernels.parallel_whole, flat, found.table(), w) if parallel else
                    kernels.serial_whole(flat, found.table(), w))
        elif len(parts) == 1 or not parallel:
            # (each part adds into outputs of its own: one after another, the same bits)
            kernels.serial_parts(flat, found.table(), w, out)
        else:
            launch(kernels.parallel_parts, flat, found.table(), w, out)
    else:
        _run_numpy(flat, found.runs(w), w, out, nthreads)
    return out


def _matrix(x, reduced):
    """(rows, cols, True) when C-contiguous x summed over the dims flagged is a 2-D column
    sum (the reduced dims lead), (rows, cols, False) when it is a row sum (they trail)."""
    if not x.flags.c_contiguous:
        return None
    flags = [r for n, r in zip(x.shape, reduced) if n != 1]
    k = flags.index(False) if False in flags else len(flags)
    if any(flags[k:]):
        k = flags.index(True)
        if not all(flags[k:]) or any(flags[:k]):
            return None
        leading = False
    else:
        leading = True
    big = [n for n in x.shape if n != 1]
    rows = 1
    for n in big[:k]:
        rows *= n
    return rows, x.size // rows, leading


def _run_numpy(flat, runs, w, out, nthreads):
    """The parts' runs, in order, added into out (or, for a full reduction in two passes, into
    the threads' partial sums, then combined)."""
    two_pass = runs[0][0] is not None
    partials = np.zeros(nthreads, out.dtype) if two_pass else out
    for slot, part in runs:
        target = partials[slot:slot + 1] if two_pass else out
        for run in part:
            if run[0] == 'row':
                _, start, size0, where = run
                target[where] += row_sums(flat[start:start + size0].reshape(1, size0))[0]
                continue
            kind, width, index, where, distinct = run
            sums = block_sums(flat[index], kind, width).reshape(-1)
            if distinct:
                target[where] += sums
            else:                                           # blocks adding into one output
                np.add.at(target, where, sums)
    if two_pass:
        out += combine(partials, w)


def combine(partials, w):
    """The final pass of a two-pass sum: the threads' partial sums as one contiguous row."""
    kind, width = _kind(partials.size, 1, 1, 0, w)
    return block_sums(partials[None, :], kind, width)[0] + partials.dtype.type(0)


# ---- the Numba kernels: when, and how they are called -------------------------------------

# Elements from which a sum imports Numba (about 0.2 s, once) when nothing has yet: below, the
# NumPy paths cost tens of microseconds at most; once any kernels are loaded (by this module or
# another) every sum uses them.
NUMBA_FROM = 1 << 14
_loaded = []


def _parallel_pays(size, itemsize):
    """The reductions' parallel crossover (numba_dispatch's, measured on float32) counted in
    bytes: a float64 sum of 2^18 elements reads what a float32 one of 2^19 does, and there
    two threads took 0.76 of one's time ((256, 1024) row sums)."""
    return numba_dispatch.parallel_pays('reduction', size * itemsize // 4)


def use_numba(size, emulated=False):
    """Run the Numba kernels for a sum of `size` elements? Never with them switched off.
    emulated: the NumPy form emulates fused multiply-adds (the norms' rows), which costs
    20-50x the kernels' time at every size, so Numba loads for it at any size: layer_norm
    of (8, 32) took 700 us forward, 14 with the kernels (0.4 s to load them, once)."""
    if numba_dispatch.kernel_pays('reduction', size):
        return True
    return numba_dispatch.settings.enabled and (
        emulated or size >= NUMBA_FROM or bool(_loaded) or numba_dispatch.kernels_loaded())


def numba_module(name):
    """A module of numba_kernels (importing Numba the first time); loads this one's too."""
    if not _loaded:
        numba_dispatch.prepare_threads()
        from .numba_kernels import exact_sum
        _loaded.append(exact_sum)
    return numba_dispatch._kernel_module(name)


def _numba_kernels():
    return _loaded[0] if _loaded else numba_module('exact_sum')   # (an import costs ~1 us)


def launch(kernel, *args):
    """A parallel kernel's launch: one at a time on Numba's workqueue pool (not thread-safe)."""
    if numba_dispatch.settings.threading_layer == 'workqueue':
        with numba_dispatch.launch_lock:
            return kernel(*args)
    return kernel(*args)


def part_table(parts):
    """The thread parts as one int64 row each, for the kernels: ndim, in0, out0, begin, end,
    then the sizes, input strides and output strides (numba_kernels/exact_sum.py)."""
    nd = max(len(it.sizes) for it, _, _, _ in parts)
    table = np.zeros((len(parts), 5 + 3 * nd), np.int64)
    for row, (it, begin, end, _) in zip(table, parts):
        k = len(it.sizes)
        row[:5] = k, it.in0, it.out0, begin, end
        row[5:5 + 3 * k] = it.sizes + it.ins + it.outs
    return table
