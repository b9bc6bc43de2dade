"""Copies on the kernels' threads (backends/cpu_copies.py, numba_kernels/copy.py) against
NumPy's: every layout the kernel takes must give np.copyto's bits, every layout it leaves must
still be copied (by NumPy), and the ops built on it (cat, stack, casts, clone, a leaf's
gradient, a slice's gradient) must give the same tensors with the kernels forced on as off."""
import numpy as np
import pytest

pytest.importorskip('numba')

import microtorch as mt  # noqa: E402
from microtorch.backends import cpu, cpu_copies, numba_dispatch  # noqa: E402

RNG = np.random.default_rng(7)
WIDE = RNG.standard_normal((37, 90))


def _forced():
    return numba_dispatch.configure(enabled=True, min_size=0)


def _taken(dst, src):
    """(took the kernel?, dst's values) for copyto with the kernels forced on."""
    with _forced():
        took = cpu_copies._by_kernel(dst, src)
        if not took:
            cpu_copies.copyto(dst, src)
    return took


# (name, destination maker, source, does the kernel take it?)
CASES = [
    ('dense float32', lambda: np.empty((37, 45), np.float32), WIDE[:, :45].astype(np.float32),
     True),
    ('dense float64', lambda: np.empty((37, 45)), WIDE[:, :45].copy(), True),
    ('float32 to float64', lambda: np.empty((37, 45)), WIDE[:, :45].astype(np.float32), True),
    ('float64 to float32', lambda: np.empty((37, 45), np.float32), WIDE[:, :45].copy(), True),
    ('strided source rows', lambda: np.empty((37, 45)), WIDE[:, 20:65], True),
    ('into strided rows', lambda: np.empty((37, 90))[:, 7:52], WIDE[:, :45].copy(), True),
    ('one value', lambda: np.empty((37, 45)), np.broadcast_to(WIDE[0, 0], (37, 45)), True),
    ('a row repeated', lambda: np.empty((37, 45)), np.broadcast_to(WIDE[0, :45], (37, 45)),
     True),
    ('a column repeated', lambda: np.empty((37, 45)), np.broadcast_to(WIDE[:, :1], (37, 45)),
     True),
    ('a smaller source', lambda: np.empty((37, 45)), WIDE[0, :45].copy(), True),
    ('3-d merging into rows', lambda: np.empty((3, 5, 18))[:, 1:4],
     WIDE[:9, :18].reshape(3, 3, 18).copy(), True),
    ('int64', lambda: np.empty((37, 45), np.int64), RNG.integers(-9, 9, (37, 45)), True),
    ('bool', lambda: np.empty((37, 45), bool), WIDE[:, :45] > 0, True),
    ('int8', lambda: np.empty(1000, np.int8), RNG.integers(-9, 9, 1000).astype(np.int8), True),
    ('float16', lambda: np.empty((37, 45), np.float16), WIDE[:, :45].astype(np.float16), True),
    ('F order', lambda: np.empty((37, 45), order='F'), WIDE[:, :45].copy(), False),
    ('3 dims that do not merge', lambda: np.empty((3, 5, 18)),
     WIDE[:15, ::5].reshape(3, 5, 18), False),
    ('reversed rows', lambda: np.empty((37, 45)), WIDE[::-1, :45], False),
    ('int64 to float64', lambda: np.empty((37, 45)), RNG.integers(-9, 9, (37, 45)), False),
    ('float64 to int32', lambda: np.empty((37, 45), np.int32), WIDE[:, :45] * 9, False),
    ('complex', lambda: np.empty((37, 45), np.complex128), WIDE[:, :45] + 1j, False),
    ('a number', lambda: np.empty((37, 45)), 2.5, False),
    ('empty', lambda: np.empty((0, 45)), np.empty((0, 45)), False),
]


@pytest.mark.parametrize('name, make, src, kernel', CASES, ids=[c[0] for c in CASES])
def test_copyto_gives_numpys_bits(name, make, src, kernel):
    dst, want = make(), make()
    np.copyto(want, src, casting='unsafe')
    assert _taken(dst, src) == kernel
    np.testing.assert_array_equal(dst, want)
    assert dst.dtype == want.dtype and dst.strides == want.strides


def test_overlapping_memory_is_left_to_numpy():
    buffer = np.arange(100.0)
    want = buffer.copy()
    np.copyto(want[1:], want[:-1])
    assert not _taken(buffer[1:], buffer[:-1])
    np.testing.assert_array_equal(buffer, want)


def test_copy_and_cast_are_c_ordered():
    x = np.asfortranarray(WIDE)
    with _forced():
        for dtype in (None, np.float32):
            got = cpu_copies.copy(x, dtype)
            assert got.flags.c_contiguous and got.dtype == (dtype or x.dtype)
            np.testing.assert_array_equal(got, x.astype(dtype or x.dtype))


def test_cat_and_stack_match_numpy():
    parts = [RNG.standard_normal((4, n, 6)).astype(np.float32) for n in (3, 1, 5)]
    mixed = [parts[0], parts[1].astype(np.float64)]
    with _forced():
        for dim in (0, 1, 2, -1):
            same = [p[:, :1] for p in parts] if dim in (0, 2, -1) else parts
            got = cpu.concatenate(same, dim)
            want = np.concatenate(same, dim)
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
            got = cpu.stack([parts[0]] * 3, dim)
            np.testing.assert_array_equal(got, np.stack([parts[0]] * 3, dim))
        np.testing.assert_array_equal(cpu.concatenate(mixed, 1), np.concatenate(mixed, 1))
        with pytest.raises(ValueError):
            cpu.concatenate(parts, 0)       # NumPy names the mismatch


OPS = {
    'cat': lambda a, b: mt.cat([a, b.t()], 1),
    'stack': lambda a, b: mt.stack([a, b.t()], -1),
    'double': lambda a, b: a.double() * 2 + b.t().double(),
    'float of a double': lambda a, b: (a.double() * 3).float() - b.t(),
    'clone': lambda a, b: a.clone() * b.t().clone(),
    'sum of a broadcast': lambda a, b: (a + b.t()).sum(),
    'slice': lambda a, b: a[:, 3:40] * b.t()[:, 3:40],
    'chunk': lambda a, b: sum(c.sum() for c in (a * b.t()).chunk(3, 1)),
}


@pytest.mark.parametrize('name', OPS)
def test_ops_give_the_same_tensors_with_the_kernels_on(name):
    def run():
        a = mt.tensor(WIDE.astype(np.float32), requires_grad=True)
        b = mt.tensor(WIDE.T.astype(np.float32) + 1, requires_grad=True)
        y = OPS[name](a, b)
        y.backward(mt.ones_like(y))
        return [t.detach().numpy().copy() for t in (y, a.grad, b.grad)]

    with numba_dispatch.configure(enabled=False):
        want = run()
    with _forced():
        got = run()
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.strides == w.strides
        np.testing.assert_array_equal(g, w)


def test_a_slices_gradient_with_the_kernels_forced_on():
    """index_backward writes a basic index's gradient through the copy (a view of the zeros),
    all ints included (NumPy gives a scalar there, not a view)."""
    for index in [(1, 2), (slice(1, 3), 2), (Ellipsis, slice(None, None, 2)), (None, 0)]:
        with _forced():
            got = cpu.index_backward(index, np.ones((3, 4))[index], (3, 4), False)
        want = np.zeros((3, 4))
        want[index] = 1
        np.testing.assert_array_equal(got, want)
