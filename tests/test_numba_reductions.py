"""The fused Numba kernels for sums, softmax, losses and optimizer steps
(backends/numba_kernels/reduction.py, softmax.py, loss.py, optim.py) against cpu.py's NumPy
originals: each kernel must take the supported calls (not decline them) and return what NumPy
returns - dtype, shape, values to rounding - on odd sizes (partial vector lanes, blocks and
chunks) with nan, inf and -inf rows; calls it declines must still give NumPy's result through
the router; the optimizer steps must update param and state in place to the same bits.

The first run compiles about 80 kernel specialisations (dtypes, and None or an array for each
optional weight): minutes on two cores; Numba caches them on disk for later runs."""
import itertools

import numpy as np
import pytest

pytest.importorskip('numba')

import microtorch  # noqa: E402
from microtorch.backends import cpu, exact_sum, numba_dispatch, numba_kernels  # noqa: E402
from microtorch.backends.numba_kernels import optim as numba_optim  # noqa: E402

DTYPES = [np.float32, np.float64]
N, M = 257, 129


@pytest.fixture(params=DTYPES, ids=['float32', 'float64'])
def dtype(request):
    return request.param


def numpy_result(name, *args):
    """What cpu.py's NumPy original returns (with every kernel off, also inside it)."""
    with numba_dispatch.configure(enabled=False), np.errstate(all='ignore'):
        return getattr(cpu, name)(*args)


def assert_same(got, want, dtype):
    assert type(got) is type(want)
    assert got.dtype == want.dtype and np.shape(got) == np.shape(want)
    # float32: NumPy's own rounding (its float32 sums) is the larger part of the difference
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def check(name, *args):
    """The kernel behind `name` takes the call and agrees with NumPy."""
    got = numba_dispatch.kernel(name)(*args)
    assert got is not None, f'{name} declined'
    assert_same(got, numpy_result(name, *args), args[0].dtype)


# float32 softmax, log_softmax, cross_entropy and logsumexp are cpu.py's own (PyTorch's bits, from
# backends/torch_softmax.py, with Numba kernels of its own): these kernels decline them.
EXACT_FLOAT32 = ('softmax_forward', 'softmax_backward', 'log_softmax_forward',
                 'log_softmax_backward', 'cross_entropy_forward', 'cross_entropy_backward',
                 'logsumexp_forward')


def check_routed(name, *args):
    """check, or for the float32 calls the kernel leaves to cpu.py: declined, and the router
    gives cpu.py's result with the kernels on as off."""
    if name not in EXACT_FLOAT32 or args[0].dtype != np.float32:
        return check(name, *args)
    assert numba_dispatch.kernel(name)(*args) is None, f'{name} took float32'
    got, want = routed(name, *args), numpy_result(name, *args)
    np.testing.assert_array_equal(got, want)


def routed(name, *args):
    """`name` through the router with every size sent to the kernels."""
    with numba_dispatch.configure(enabled=True, min_size=0), np.errstate(all='ignore'):
        return getattr(cpu, name)(*args)


def logits(rng, dtype, shape=(N, M)):
    """Logits with the rows (along the last dim) that test stability: -inf, nan, +inf, huge
    of both signs."""
    out = (rng.standard_normal(shape) * 5).astype(dtype)
    x = out.reshape(-1, shape[-1])
    x[1] = -np.inf                          # all -inf: NumPy's softmax gives nan
    x[2, 5] = np.nan
    x[3, 7] = np.inf
    x[4, :9] = -np.inf                      # some -inf: they get probability 0
    x[5] = 1e4
    x[6, ::2] = -1e4
    return out


# ---- sums ----------------------------------------------------------------------------------

@pytest.mark.parametrize('shape, dims, keepdim', [
    ((N, M), None, False), ((N, M), (0, 1), True), ((N, M), (0,), False), ((N, M), (1,), True),
    ((1 << 15,), (0,), False), ((2, 40000), (1,), False), ((5, 7, 9), (0, 1), False),
    ((5, 7, 9), (1, 2), True), ((3, 1, 5), (0,), False), ((4, 1, 50000), (0, 1), True)])
def test_sum_forward(rng, dtype, shape, dims, keepdim):
    # float sums decline: cpu.sum_forward adds in PyTorch's order (tests/test_exact_sum.py)
    x = rng.standard_normal(shape).astype(dtype)
    assert numba_dispatch.kernel('sum_forward')(x, dims, keepdim) is None
    with numba_dispatch.configure(enabled=True, min_size=0):
        got = cpu.sum_forward(x, dims, keepdim)
    assert_same(got, numpy_result('sum_forward', x, dims, keepdim), dtype)


EXTREME_CALLS = [((N, M), (1,), False), ((N, M), (1,), True), ((N, M), (0,), False),
                 ((N, 7), (1,), False), ((N, 16), (-1,), True), ((3, 1, 5), (0,), False),
                 ((5, 7, 9), (1, 2), True), ((5, 7, 9), (0, 1), False),
                 ((2, 3000, 5), (0, 1), False), ((2, 1, 40), (2,), False),
                 ((N, M), (0, 1), False), ((N, M), (0, 1), True), ((3, 1, 5), (0, 2), False),
                 ((70001,), (0,), False), ((9,), (0,), True)]        # (every element)


@pytest.mark.parametrize('name', ['max_forward', 'min_forward'])
@pytest.mark.parametrize('parallel', [False, True], ids=['serial', 'parallel'])
@pytest.mark.parametrize('shape, dims, keepdim', EXTREME_CALLS)
def test_row_and_column_extremes(rng, dtype, name, parallel, shape, dims, keepdim):
    """amax/amin over a trailing run of dims (rows: lanes.row_max_16 or row_min_16, or a
    short row's loop) or a leading one (columns, in row chunks when parallel): NumPy's
    values, nan wherever a nan is among those reduced, infinities kept."""
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    flat[[3, flat.size // 2]] = np.nan
    flat[[5, 6, flat.size - 1]] = [np.inf, -np.inf, -np.inf]
    sizes = {'min_size': 0} if parallel else {}
    with numba_dispatch.configure(enabled=True, **sizes):
        got = numba_dispatch.kernel(name)(x, dims, keepdim)
    assert got is not None, f'{name} declined'
    want = numpy_result(name, x, dims, keepdim)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize('x, dims', [
    (np.ones((4, 5, 6), np.float32), (1,)),              # a middle dim
    (np.ones((5, 4), np.float32).T, (1,)),               # not C-contiguous
    (np.ones((4, 5), np.int64), (1,)),                   # not a float
    (np.ones((0, 5), np.float32), (1,))])                # empty
def test_extremes_decline_what_they_have_no_kernel_for(x, dims):
    assert numba_dispatch.kernel('max_forward')(x, dims, False) is None


def _zero_halves(first, second):
    x = np.full(40000, first, np.float32)
    x[20000:] = second
    return x


# (threads, first half, second half) -> the sign bit of max and of min: PyTorch's max_all
# on 40000 elements takes one range a thread (each range's lanes keep the later of equal
# values), then combines the ranges keeping the earlier. (NumPy's max keeps other zeros.)
ZERO_TIES = [((2, -0.0, 0.0), True), ((2, 0.0, -0.0), False), ((1, 0.0, -0.0), True),
             ((1, -0.0, 0.0), False)]


@pytest.mark.parametrize('case, negative', ZERO_TIES)
def test_whole_array_extremes_take_pytorchs_ranges(case, negative):
    threads, first, second = case
    x = _zero_halves(first, second)
    before = microtorch.get_num_threads()
    microtorch.set_num_threads(threads)
    try:
        with numba_dispatch.configure(enabled=True, min_size=0):
            results = [numba_dispatch.kernel(name)(x, (0,), False)
                       for name in ('max_forward', 'min_forward')]
    finally:
        microtorch.set_num_threads(before)
    assert [bool(np.signbit(r)) for r in results] == [negative, negative]


@pytest.mark.parametrize('case, negative', ZERO_TIES)
def test_whole_array_zero_ties_as_pytorch_gives_them(case, negative, torch):
    threads, first, second = case
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        t = torch.from_numpy(_zero_halves(first, second))
        signs = [bool(np.signbit(t.max().item())), bool(np.signbit(t.min().item()))]
    finally:
        torch.set_num_threads(before)
    assert signs == [negative, negative]


def test_sums_do_not_depend_on_the_thread_count(rng):
    import numba
    x = rng.standard_normal(1 << 20).astype(np.float32)
    y = rng.standard_normal((300, 5000)).astype(np.float32)
    kernel = numba_dispatch.kernel('sum_forward')
    before = numba.get_num_threads()
    results = []
    for threads in sorted({1, before}):
        numba.set_num_threads(threads)
        try:
            results.append((kernel(x, None, False), kernel(y, (0,), False),
                            numba_dispatch.kernel('mse_loss_forward')(x, x[::-1].copy(), 'sum')))
        finally:
            numba.set_num_threads(before)
    for got in results[1:]:
        for a, b in zip(got, results[0]):
            assert np.array_equal(a, b)


@pytest.mark.parametrize('wide', [False, True], ids=['add_rows', 'add_wide_rows'])
@pytest.mark.parametrize('contiguous', [True, False], ids=['C', 'A'])
def test_lane_sums_in_registers_keep_the_loops_bits(rng, dtype, contiguous, wide):
    """lanes.add_rows and add_wide_rows (LLVM vector loops; the wide one from lane `at` of
    the scratch) against the loop they replace, nan and inf among the values; a strided x
    takes the overloads' plain loop."""
    import numba
    from microtorch.backends.numba_kernels.lanes import LANE_BYTES, add_rows, add_wide_rows
    lanes = (2 if wide else 1) * LANE_BYTES // np.dtype(dtype).itemsize
    at = 5 if wide else 0

    @numba.njit
    def in_registers(acc, x, p, count, rs):
        if wide:
            add_wide_rows(acc, at, x, p, count, rs)
        else:
            add_rows(acc, x, p, count, rs)

    @numba.njit
    def in_memory(acc, x, p, count, rs):
        for i in range(count):
            for lane in range(lanes):
                acc[0, at + lane] += x[p + i * rs + lane]

    x = rng.standard_normal(10000).astype(dtype) * 1e4
    x[[7, 100, 2000]] = np.nan, np.inf, -np.inf
    if not contiguous:
        x = np.repeat(x, 2)[::2]
    for p, count, rs in ((3, 0, lanes), (3, 17, lanes), (5, 40, 3 * lanes + 1)):
        start = rng.standard_normal((4, at + lanes + 2)).astype(dtype)
        got, want = start.copy(), start.copy()
        in_registers(got, x, p, count, rs)
        in_memory(want, x, p, count, rs)
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))


def test_short_row_total_keeps_the_loops_bits(rng, dtype):
    """lanes.short_row_total (a row's partials, fold and tail in registers) against the loops
    inner_rows ran with its scratch in memory, bit for bit: every length from one vector to
    just below multi_row's step, nans, infinities and signed zeros among the values, rows at
    odd offsets (a NaN result only as a NaN)."""
    import numba
    from microtorch.backends.numba_kernels.lanes import short_row_total
    w = 32 // np.dtype(dtype).itemsize

    @numba.njit
    def in_registers(x, off, n):
        return short_row_total(x, off, n)

    @numba.njit
    def in_memory(x, off, n):
        nv = n // w
        m = nv // 4
        acc = np.zeros(4 * w, x.dtype)
        for i in range(m):
            for lane in range(4 * w):
                acc[lane] += x[off + i * 4 * w + lane]
        for r in range(m * 4, nv):
            for lane in range(w):
                acc[lane] += x[off + r * w + lane]
        for k in range(1, 4):
            for lane in range(w):
                acc[lane] += acc[k * w + lane]
        total = x.dtype.type(0)
        for t in range(nv * w, n):
            total += x[off + t]
        for lane in range(w):
            total += acc[lane]
        return total

    x = rng.standard_normal(70 * w * 4).astype(dtype) * 1e4
    specials = rng.random(x.size) < 0.02
    x[specials] = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan], specials.sum())
    zeros = np.where(rng.random(x.size) < 0.5, -0.0, 0.0).astype(dtype)    # all-zero rows
    for values in (x, zeros):
        for n in range(w, 64 * w):
            for off in (0, 3):
                got, want = in_registers(values, off, n), in_memory(values, off, n)
                if np.isnan(want):      # which NaN wins (an input's, inf - inf's) depends on
                    assert np.isnan(got), (n, off)      # the operands' order in the code
                else:
                    assert np.array([got]).tobytes() == np.array([want]).tobytes(), (n, off)


def test_row_total_keeps_multi_rows_bits(rng, dtype):
    """lanes.row_total (a long row's multi_row cascade, all four levels in registers) against
    the cascade with its levels in a scratch array (the kernels' multi_row, which inner_rows
    ran before), bit for bit: rows below one block, of exactly one, of blocks carried up to
    levels 2 and 3, with vectors and a scalar tail after the groups; nans, infinities and
    signed zeros among the values (a NaN result only as a NaN); rows at odd offsets."""
    import numba
    from microtorch.backends.numba_kernels import exact_sum as kernels
    from microtorch.backends.numba_kernels.lanes import row_total
    w = 32 // np.dtype(dtype).itemsize
    group = 4 * w

    @numba.njit
    def in_registers(x, off, n):
        return row_total(x, off, n, kernels._level_power(n // group))

    @numba.njit
    def in_memory(x, off, n):
        nv = n // w
        m = nv // 4
        acc = np.empty((4, group), x.dtype)
        kernels.multi_row(x, off, m, group, 1, 0, group, 1, acc)
        for r in range(m * 4, nv):
            for lane in range(w):
                acc[0, lane] += x[off + r * w + lane]
        for k in range(1, 4):
            for lane in range(w):
                acc[0, lane] += acc[0, k * w + lane]
        total = x.dtype.type(0)
        for t in range(nv * w, n):
            total += x[off + t]
        for lane in range(w):
            total += acc[0, lane]
        return total

    lengths = [w, 5 * group + 3, 16 * group, 16 * group + 3 * w + 5, 17 * group + 1,
               32 * group, 100 * group + 7,
               256 * group, 256 * group + 16 * group + 2 * w + 3, 4096 * group + 33,
               4096 * group + 272 * group]
    x = rng.standard_normal(max(lengths) + 8).astype(dtype) * 1e4
    specials = rng.random(x.size) < 0.001
    x[specials] = rng.choice([0.0, -0.0, np.inf, -np.inf, np.nan], specials.sum())
    clean = rng.standard_normal(x.size).astype(dtype)
    zeros = np.where(rng.random(x.size) < 0.5, -0.0, 0.0).astype(dtype)
    for values in (x, clean, zeros, -np.abs(zeros)):
        for n in lengths:
            for off in (0, 3):
                got, want = in_registers(values, off, n), in_memory(values, off, n)
                if np.isnan(want):
                    assert np.isnan(got), (n, off)
                else:
                    assert np.array([got]).tobytes() == np.array([want]).tobytes(), (n, off)


@pytest.mark.parametrize('wide', [False, True], ids=['fold_lanes', 'fold_wide_lanes'])
def test_lane_carries_in_registers(rng, dtype, wide):
    """lanes.fold_lanes, fold_wide_lanes and zero_lanes against the loops multi_row had: row
    dst += row src from lane `at`, src cleared or not, -0.0 and nan included; the other lanes
    of a wider scratch untouched."""
    import numba
    from microtorch.backends.numba_kernels.lanes import (LANE_BYTES, fold_lanes,
                                                         fold_wide_lanes, zero_lanes)
    lanes = (2 if wide else 1) * LANE_BYTES // np.dtype(dtype).itemsize
    fold = fold_wide_lanes if wide else fold_lanes

    @numba.njit
    def carry(acc, dst, src, at, clear):
        fold(acc, dst, src, at, clear)

    @numba.njit
    def clear(acc, row):
        zero_lanes(acc, row)

    start = rng.standard_normal((4, lanes + 7)).astype(dtype)
    start[0, :6] = -0.0, np.nan, np.inf, -0.0, np.nan, np.inf
    start[1, :6] = -0.0, 1.0, -np.inf, -0.0, 1.0, -np.inf
    for dst, src, at, cleared in ((1, 0, 0, True), (0, 3, 3, False), (2, 2, 0, False),
                                  (1, 0, 3, True)):
        got, want = start.copy(), start.copy()
        carry(got, dst, src, at, cleared)
        want[dst, at:at + lanes] += want[src, at:at + lanes]
        if cleared:
            want[src, at:at + lanes] = 0
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
    lanes = LANE_BYTES // np.dtype(dtype).itemsize
    got = start.copy()
    clear(got, 2)
    want = start.copy()
    want[2, :lanes] = 0
    assert np.array_equal(got.view(np.uint8), want.view(np.uint8))


@pytest.mark.parametrize('name, vector_bytes', [('add_lane_products', 32)])
def test_lane_products_in_registers(rng, dtype, name, vector_bytes):
    """lanes.add_lane_products against the loop it replaces: one sum
    of 1, 2 or 3 factors (rounded left to right), two sums in one loop, factors on other rows
    (a broadcast row), nan, inf and -0.0 among the values, a count of 0."""
    import numba
    from microtorch.backends.numba_kernels import lanes
    add_lane_products = getattr(lanes, name)
    w = vector_bytes // np.dtype(dtype).itemsize

    @numba.njit
    def one(acc, a, b, c, start, count):
        add_lane_products(acc, ((a, b, c),), ((2, 1, 0),), start, count)

    @numba.njit
    def two(acc, a, b, start, count):
        add_lane_products(acc, ((a, b), (a,)), ((1, 0), (3,)), start, count)

    @numba.njit
    def first(acc, a, start, count):
        add_lane_products(acc, ((a,),), ((0,),), start, count)

    def loop(acc, factor_rows, start, count, s=0):
        for k in range(count):
            for lane in range(w):
                i = start + k * w + lane
                v = factor_rows[0][i]
                for row in factor_rows[1:]:
                    v = v * row[i]
                acc[s * w + lane] += v

    a, b, c = (rng.standard_normal((4, 12 * w + 5)).astype(dtype) * 1e3 for _ in range(3))
    a[2, 3], b[1, w + 1], c[0, 2 * w] = np.nan, np.inf, -0.0
    a[1, 5], a[3, w + 2] = -np.inf, -0.0
    for start, count in ((0, 0), (w, 11), (5, 12)):
        acc = rng.standard_normal(2 * w).astype(dtype)
        got, want = acc.copy(), acc.copy()
        one(got, a, b, c, start, count)
        loop(want, (a[2], b[1], c[0]), start, count)
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
        got, want = acc.copy(), acc.copy()
        two(got, a, b, start, count)
        loop(want, (a[1], b[0]), start, count)
        loop(want, (a[3],), start, count, s=1)
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))
        got, want = acc.copy(), acc.copy()
        first(got, a, start, count)
        loop(want, (a[0],), start, count)
        assert np.array_equal(got.view(np.uint8), want.view(np.uint8))


def test_welford_steps_in_registers(rng):
    """lanes.welford_steps and welford_steps_4 against RowwiseMoments' vector loop they
    replace (float32, 8 lanes, from zero lanes): chunks of 1 to 16 vectors, an offset start,
    four chunks a stride apart (the next chunks, or the next rows), nan and inf among the
    values; what m1 and m2 held before is not read."""
    import numba
    from microtorch.backends.numba_kernels.fma import fma
    from microtorch.backends.numba_kernels.lanes import welford_steps, welford_steps_4

    @numba.njit
    def in_registers(row, base, count, stride, m1, m2):
        welford_steps(row, base, count, 8, stride, m1, m2)

    @numba.njit
    def four_in_registers(row, base, count, stride, m1, m2):
        welford_steps_4(row, base, count, 8, stride, m1, m2)

    @numba.njit
    def in_memory(row, base, count, m1, m2):
        for j in range(count):
            inverse = np.float32(1) / np.float32(j + 1)
            for lane in range(8):
                value = row[base + j * 8 + lane]
                delta = value - m1[lane]
                mean = fma(inverse, delta, m1[lane])
                m2[lane] = fma(delta, value - mean, m2[lane])
                m1[lane] = mean

    row = (rng.standard_normal(1200) * 100 + 3).astype(np.float32)
    row[[20, 90, 700]] = np.nan, np.inf, -np.inf
    for base, count, stride in ((0, 1, 128), (0, 16, 128), (5, 9, 128), (64, 16, 128),
                                (3, 12, 100), (0, 16, 256)):
        want = np.zeros((2, 4, 8), np.float32)
        for k in range(4):
            in_memory(row, base + k * stride, count, want[0, k], want[1, k])
        got = rng.standard_normal((2, 4, 8)).astype(np.float32)
        four_in_registers(row, base, count, stride, got[0], got[1])
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
        got = rng.standard_normal((2, 8)).astype(np.float32)
        in_registers(row, base, count, 0, got[0], got[1])
        assert np.array_equal(got.view(np.uint32), want[:, 0].view(np.uint32))


@pytest.mark.parametrize('kind, lanes', [(kind, lanes) for kind in ('max', 'sum', 'dot')
                                         for lanes in (8, 16)] + [('min', 16)])
def test_row_reductions_in_registers(rng, dtype, kind, lanes):
    """lanes.row_max/row_min/row_sum/row_dot_<lanes> against the NumPy twin of PyTorch's
    vec_reduce_all (torch_softmax._reduce_rows: lanes, tail, shuffle tree): rows of one
    vector to many plus a tail, nan, inf, -inf, rows of +0.0 and -0.0 (vec::maximum takes the
    later of equal values, so the sign of a zero max is the tree's), a row of a 2-D array."""
    import numba
    from microtorch.backends import torch_softmax
    from microtorch.backends.numba_kernels import lanes as lane_module
    reduce_row = getattr(lane_module, f'row_{kind}_{lanes}')
    if kind == 'dot':
        @numba.njit
        def each_row(a, b, out):
            for r in range(a.shape[0]):
                out[r] = reduce_row(a[r], b[r])
    else:
        @numba.njit
        def each_row(a, b, out):
            for r in range(a.shape[0]):
                out[r] = reduce_row(a[r])
    op = {'max': torch_softmax._vmax, 'sum': np.add, 'dot': np.add,
          'min': lambda a, b: np.where((a < b) | (a != a), a, b)}[kind]    # vec::minimum
    for n in (lanes, lanes + 1, 2 * lanes - 1, 2 * lanes, 64, 100, 1003):
        a, b = (rng.standard_normal((12, n)).astype(dtype) for _ in range(2))
        a[1, n // 2], a[2, -1], a[3, 0], a[4, -1] = np.nan, np.inf, -np.inf, -np.inf
        a[5] = -0.0
        a[6] = 0.0
        a[6, ::3] = -0.0
        a[7, 1::2] = -0.0
        a[7, ::2] = 0.0
        b[8, -1] = np.nan
        got = np.empty(12, dtype)
        each_row(a, b, got)
        with np.errstate(all='ignore'):
            want = torch_softmax._reduce_rows(a * b if kind == 'dot' else a, lanes, op)
        assert np.array_equal(got.view(np.uint8), want.astype(dtype).view(np.uint8)), n


# ---- softmax, log_softmax, logsumexp ---------------------------------------------------------

@pytest.mark.parametrize('name', ['softmax', 'log_softmax'])
@pytest.mark.parametrize('dim', [1, 0, -1, -2])        # negative: a direct caller's dims
def test_softmax_pair(rng, dtype, name, dim):
    x = logits(rng, dtype)
    check_routed(f'{name}_forward', x, dim)
    with numba_dispatch.configure(enabled=False), np.errstate(all='ignore'):
        y = np.nan_to_num(getattr(cpu, f'{name}_forward')(x, dim), nan=0.25, neginf=-30)
    check_routed(f'{name}_backward', y, rng.standard_normal(x.shape).astype(dtype), dim)


def test_softmax_last_dim_of_3d(rng, dtype):
    x = logits(rng, dtype, (3, N, 70))
    check_routed('softmax_forward', x, 2)
    check_routed('log_softmax_forward', x, 2)


@pytest.mark.parametrize('keepdim', [False, True])
def test_logsumexp(rng, dtype, keepdim):
    check_routed('logsumexp_forward', logits(rng, dtype), (1,), keepdim)
    check_routed('logsumexp_forward', logits(rng, dtype, (2, 5, 300)), (2,), keepdim)
    check_routed('logsumexp_forward', rng.standard_normal(5000).astype(dtype), (0,), keepdim)
    check_routed('logsumexp_forward', logits(rng, dtype, (2, 5, 300)), (-1,), keepdim)


def test_huge_logits_stay_finite_in_float32():
    x = np.array([[-1e4, 1e4, 0.0, 1e4], [1e4] * 4], np.float32)
    for name, args in [('softmax_forward', (1,)), ('log_softmax_forward', (1,)),
                       ('logsumexp_forward', ((1,), False))]:
        out = routed(name, x, *args)
        assert np.isfinite(out).all(), name
    y = np.array([[0.0, 1.0, 0.5, 1.0]] * 2, np.float32)
    for reduction in ('none', 'sum'):
        out = numba_dispatch.kernel('binary_cross_entropy_with_logits_forward')(
            x, y, reduction, None, None)
        assert np.isfinite(out).all()
        assert_same(out, numpy_result('binary_cross_entropy_with_logits_forward', x, y,
                                      reduction, None, None), np.float32)


# ---- losses ----------------------------------------------------------------------------------

REDUCTIONS = ['none', 'mean', 'sum']


def upstream(rng, reduction, shape, dtype):
    """gy: the loss's shape for 'none', 0-d otherwise."""
    if reduction == 'none':
        return rng.standard_normal(shape).astype(dtype)
    return np.asarray(1.7, dtype)


@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_distance_losses(rng, dtype, reduction):
    x = rng.standard_normal((N, M)).astype(dtype)
    y = rng.standard_normal((N, M)).astype(dtype)
    x[0, :3] = [np.nan, np.inf, -np.inf]
    x[1, :3] = y[1, :3]                             # d = 0: sign 0, the quadratic zone
    gy = upstream(rng, reduction, x.shape, dtype)
    for name, options in [('mse_loss', ()), ('l1_loss', ()), ('smooth_l1_loss', (0.7,))]:
        check(f'{name}_forward', x, y, reduction, *options)
        if f'{name}_backward' in numba_kernels.ROUTES:
            check(f'{name}_backward', x, y, gy, reduction, *options)


@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_binary_cross_entropy(rng, dtype, reduction):
    x = rng.uniform(0, 1, (N, M)).astype(dtype)
    x[0, :4] = [0, 1, 1e-30, 1 - 1e-7]              # the logs' clamp at -100, the eps floor
    y = rng.uniform(0, 1, (N, M)).astype(dtype)
    for weight in [None, rng.uniform(0.5, 2, (N, M)).astype(dtype),
                   rng.uniform(0.5, 2, (M,)).astype(dtype)]:
        check('binary_cross_entropy_forward', x, y, reduction, weight)


@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_binary_cross_entropy_with_logits(rng, dtype, reduction):
    x = logits(rng, dtype)
    x[2, 5] = 0.0                                   # nan logits are not this test's subject
    x[1] = -1e4
    x[3, 7] = 30.0
    y = rng.uniform(0, 1, (N, M)).astype(dtype)
    gy = upstream(rng, reduction, x.shape, dtype)
    full = rng.uniform(0.5, 2, (N, M)).astype(dtype)
    row = rng.uniform(0.5, 2, (1, M)).astype(dtype)
    for weight, pos_weight in [(None, None), (row, None), (None, row[0]), (full, row)]:
        check('binary_cross_entropy_with_logits_forward', x, y, reduction, weight, pos_weight)
        check('binary_cross_entropy_with_logits_backward', x, y, gy, reduction, weight,
              pos_weight)


@pytest.mark.parametrize('reduction', REDUCTIONS)
def test_cross_entropy(rng, dtype, reduction):
    x = logits(rng, dtype)
    x[:5] = rng.standard_normal((5, M))     # ignored rows: finite, else -0 * inf = nan totals
    target = rng.integers(0, M, N)
    gy = upstream(rng, reduction, (N,), dtype)
    weight = rng.uniform(0.5, 2, M).astype(dtype)
    for w, ignore_index in [(None, -100), (weight, -100), (weight, 3)]:
        target[:5] = ignore_index
        check_routed('cross_entropy_forward', x, target, reduction, w, ignore_index)
        check_routed('cross_entropy_backward', x, target, gy, reduction, w, ignore_index)


def test_cross_entropy_all_ignored_mean_is_nan():
    x = np.zeros((4, 3), np.float64)
    target = np.full(4, -100)
    out = numba_dispatch.kernel('cross_entropy_forward')(x, target, 'mean', None, -100)
    assert out.shape == () and np.isnan(out)


def test_broadcast_upstream_gradient(rng):
    """gy of 'none' broadcast from one value (a sum's backward): read as a scalar."""
    x, y = (rng.standard_normal((N, M)).astype(np.float32) for _ in range(2))
    gy = np.broadcast_to(np.asarray(0.3, np.float32), x.shape)
    check('mse_loss_backward', x, y, gy, 'none')
    check('binary_cross_entropy_with_logits_backward', x, y, gy, 'none', None, None)


# ---- declined calls: the router still gives NumPy's result -----------------------------------

def declined_calls(rng):
    x = rng.standard_normal((N, M)).astype(np.float32)
    x3 = rng.standard_normal((5, 7, 9)).astype(np.float32)
    p = rng.uniform(0.1, 0.9, (N, M)).astype(np.float32)
    target = rng.integers(0, 7, (5, 7))
    return [
        ('sum_forward', x.T, (0,), False),                   # not C-contiguous
        ('sum_forward', x3, (0, 2), False),                  # dims not a leading/trailing run
        ('sum_forward', np.arange(12).reshape(3, 4), None, False),    # integers
        ('sum_forward', np.zeros((0, 3), np.float32), None, False),   # empty
        ('softmax_forward', x3, 1),                          # a middle dim
        ('logsumexp_forward', x3, (0, 2), False),
        ('logsumexp_forward', np.zeros((3, 0), np.float32), (1,), False),
        ('mse_loss_forward', x, x[::-1], 'mean'),            # a reversed view
        ('mse_loss_forward', x[:0], x[:0], 'mean'),          # empty: NumPy's nan
        ('binary_cross_entropy_forward', p, p, 'sum', np.ones((N, 1), np.float32)),
        ('binary_cross_entropy_with_logits_forward', x, p, 'sum', None, np.float32(2.0)),
        ('cross_entropy_forward', x3[:, :, :7].copy(), target, 'mean', None, -100),  # (N, C, d)
    ]


def test_declined_calls_give_numpys_result(rng):
    for name, *args in declined_calls(rng):
        assert numba_dispatch.kernel(name)(*args) is None, name
        got, want = routed(name, *args), numpy_result(name, *args)
        assert type(got) is type(want) and np.shape(got) == np.shape(want)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize('n', [300, 40000, 70001])
def test_smooth_l1_and_huber_gradient_kernel_gives_numpys_bits(rng, dtype, n):
    """torch_losses' one-pass kernel (vector blocks, each parallel chunk's scalar tail)
    against its NumPy forms: nan, inf and signed zeros; y whole or one value; gy whole or 0-d;
    beta 0 (every difference beyond it)."""
    from microtorch.backends import torch_losses
    x = (rng.standard_normal(n) * 2).astype(dtype)
    x[:5] = np.nan, np.inf, -np.inf, 0.0, -0.0
    x[-3:] = np.nan, np.inf, -0.0
    y = rng.standard_normal(n).astype(dtype)
    y[5] = np.nan
    whole_gy = rng.standard_normal(n).astype(dtype)
    cases = [(y, np.asarray(dtype(0.7)), 'mean'), (y, whole_gy, 'none'),
             (np.asarray([dtype(0.2)]), whole_gy, 'none')]
    for target, gy, reduction in cases:
        for loss, param in (('smooth_l1', 1.0), ('smooth_l1', 0.3), ('smooth_l1', 0.0),
                            ('huber', 0.25)):
            backward = getattr(torch_losses, loss + '_backward')
            with numba_dispatch.configure(enabled=True, min_size=0):
                got = backward(x, target, gy, reduction, param)
            with numba_dispatch.configure(enabled=False):
                want = backward(x, target, gy, reduction, param)
            assert got.dtype == want.dtype and got.shape == want.shape
            assert np.array_equal(got.view(np.uint8), want.view(np.uint8)), (loss, param)


def test_out_of_range_target_raises_as_numpy():
    x = np.zeros((4, 3), np.float64)
    target = np.array([0, 1, 2, 7])
    assert numba_dispatch.kernel('cross_entropy_forward')(x, target, 'sum', np.ones(3),
                                                          -100) is None
    with pytest.raises(IndexError):
        routed('cross_entropy_forward', x, target, 'sum', np.ones(3), -100)
    with pytest.raises(IndexError):                       # float32: cpu.py's own
        routed('cross_entropy_forward', x.astype(np.float32), target, 'sum',
               np.ones(3, np.float32), -100)
    for weight in (None, np.ones(3, np.float32)):         # its rows kernels index unchecked
        with pytest.raises(IndexError, match='Target 7 is out of bounds'):
            routed('cross_entropy_backward', x.astype(np.float32), target, np.float32(1),
                   'none', weight, -100)
    ignored = np.array([0, -100, 2, 1])                   # ignore_index: not out of range
    assert routed('cross_entropy_forward', x.astype(np.float32), ignored, 'sum', None,
                  -100) == np.float32(3 * np.log(3))


# ---- optimizer steps: in place, the same bits as NumPy's -----------------------------------

SGD_OPTIONS = [o for o in itertools.product([0.0, 0.9], [0.0, 0.5], [False, True], [0.0, 1e-2],
                                            [False, True])
               if not o[2] or (o[0] and not o[1])]          # nesterov: momentum, no dampening


@pytest.mark.parametrize('momentum, dampening, nesterov, weight_decay, maximize', SGD_OPTIONS)
def test_sgd_step(rng, dtype, momentum, dampening, nesterov, weight_decay, maximize):
    param = rng.standard_normal((N, M)).astype(dtype)
    param[0, :2] = [np.inf, 0.0]
    mine, ref = param, param.copy()
    mine_buf = ref_buf = None
    step = numba_dispatch.kernel('sgd_step')
    for _ in range(3):
        grad = rng.standard_normal((N, M)).astype(dtype)
        options = (0.1, momentum, dampening, nesterov, weight_decay, maximize)
        out = step(mine, grad, mine_buf, *options)
        ref_buf = numpy_result('sgd_step', ref, grad, ref_buf, *options)
        if momentum:
            assert out is not None and (mine_buf is None or out is mine_buf)
            mine_buf = out
            np.testing.assert_array_equal(mine_buf, ref_buf)
        else:
            assert out is None and ref_buf is None
        np.testing.assert_array_equal(mine, ref)
    assert mine is param                                  # updated in place


@pytest.mark.parametrize('amsgrad, maximize, weight_decay, decoupled',
                         itertools.product([False, True], [False, True], [0.0, 0.1],
                                           [False, True]))
def test_adam_step(rng, dtype, amsgrad, maximize, weight_decay, decoupled):
    shape = (N, M)
    mine = [rng.standard_normal(shape).astype(dtype)] + [np.zeros(shape, dtype)
                                                        for _ in range(3)]
    ref = [a.copy() for a in mine]
    ids = [id(a) for a in mine]
    step = numba_dispatch.kernel('adam_step')
    for t in range(1, 4):
        grad = rng.standard_normal(shape).astype(dtype)
        options = (float(t), 1e-2, 0.9, 0.999, 1e-8, weight_decay, amsgrad, maximize,
                   decoupled)
        out = step(mine[0], grad, mine[1], mine[2], mine[3] if amsgrad else None, *options)
        assert out is None
        numpy_result('adam_step', ref[0], grad, ref[1], ref[2], ref[3] if amsgrad else None,
                     *options)
        for a, b in zip(mine, ref):
            np.testing.assert_array_equal(a, b)
    assert [id(a) for a in mine] == ids


def test_optimizer_steps_through_the_router():
    """0-d arrays stay arrays; a finished step is never run again by NumPy."""
    scalar = np.array(1.0)
    out = routed('sgd_step', scalar, np.array(2.0), None, 0.5, 0.9, 0.0, True, 0.1, True)
    assert isinstance(out, np.ndarray) and out.shape == ()
    assert float(scalar) == 1.0 - 0.5 * (-1.9 + 0.9 * -1.9)
    param = np.ones(4, np.float32)
    routed('sgd_step', param, np.ones(4, np.float32), None, 0.5, 0.0, 0.0, False, 0.0, False)
    np.testing.assert_array_equal(param, 0.5)             # one step, not two
    m, v = np.zeros(4, np.float32), np.zeros(4, np.float32)
    routed('adam_step', param, np.ones(4, np.float32), m, v, None, 1.0, 0.1, 0.9, 0.999, 1e-8,
           0.0, False, False, False)
    np.testing.assert_allclose(param, 0.4, rtol=1e-6)     # Adam's first step is lr * sign(g)


def test_optimizer_declines_before_writing(rng):
    param = rng.standard_normal((6, 5)).astype(np.float32)
    view = param.T                                        # not C-contiguous
    before = param.copy()
    grad = np.ones((5, 6), np.float32)
    declined = numba_kernels.DECLINED
    assert numba_dispatch.kernel('sgd_step')(view, grad, None, 0.1, 0.9, 0.0, False, 0.0,
                                             False) is declined
    assert numba_dispatch.kernel('adam_step')(view, grad, np.zeros((5, 6), np.float32),
                                              np.zeros((5, 6), np.float32), None, 1.0, 0.1,
                                              0.9, 0.999, 1e-8, 0.0, False, False,
                                              False) is declined
    np.testing.assert_array_equal(param, before)


@pytest.mark.parametrize('shape', [(5,), (4, 7), (3, 4, 5), (2, 3000), (1500, 3)])
def test_cumulative_kernel_gives_numpys_bits(shape):
    """cumsum and cumprod of float32 by the Numba scans, parallel and serial (along the last
    dim, a row kernel of their own): the bits of the NumPy form (a float64 running value
    rounded each step), forward and cumsum's backward, every dim."""
    pytest.importorskip('numba')
    exact_sum.numba_module('exact_sum')         # loaded: small sums take the kernels too
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 1.1).astype(np.float32)
    x.reshape(-1)[:3] = [np.inf, np.nan, -0.0]
    gy = rng.standard_normal(shape).astype(np.float32)
    serial = {'elementwise_fused': 1 << 40}
    for dim in range(-len(shape), len(shape)):
        results = []
        for enabled, sizes in ((False, 0), (True, 0), (True, serial)):
            with numba_dispatch.configure(enabled=enabled, min_size=sizes):
                t = microtorch.tensor(x, requires_grad=True)
                t.cumsum(dim).backward(microtorch.tensor(gy))
                results.append([t.cumsum(dim).detach().numpy(), t.cumprod(dim).detach().numpy(),
                                t.grad.numpy()])
        for numba_results in results[1:]:
            for a, b in zip(results[0], numba_results):
                np.testing.assert_array_equal(a.view(np.int32), b.view(np.int32))
