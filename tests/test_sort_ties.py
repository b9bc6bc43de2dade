"""Equal values in sort, argsort, topk, kthvalue and mode come back at PyTorch's indices on
the CPU (backends/std_order.py: libstdc++'s std::sort, nth_element and partial_sort and
PyTorch's quickselect), with NumPy and with the Numba kernels; stable=True keeps their order."""
import numpy as np
import pytest

import microtorch
from microtorch.backends import sort_ties


@pytest.fixture
def both_ways(kernels, monkeypatch):
    """Every row through the Numba kernels, or NumPy's stable sort and the tied rows through
    the Python code."""
    monkeypatch.setattr(sort_ties, '_KERNELS_FROM', 0)
    return kernels


def test_pytorchs_answers_without_pytorch(both_ways):
    """A few of PyTorch 2.13's answers, written down."""
    zeros = microtorch.zeros
    assert zeros(17).sort().indices.tolist() == [8, 16, 15, 14, 13, 12, 11, 10, 9, 0, 7, 6, 5,
                                                 4, 3, 2, 1]
    assert zeros(17).sort(stable=True).indices.tolist() == list(range(17))
    assert zeros(8).topk(3).indices.tolist() == [6, 5, 4]
    assert zeros(20).topk(5, sorted=False).indices.tolist() == [12, 14, 13, 15, 11]
    assert microtorch.arange(20.0).topk(5, sorted=False).indices.tolist() == [18, 19, 17, 16,
                                                                              15]
    assert zeros(9).kthvalue(4).indices.item() == 6
    assert microtorch.tensor([1.0, 0.0] * 12).mode().indices.item() == 3
    # a dim of stride 0 PyTorch's sort leaves in place
    assert zeros(1).expand(20).sort().indices.tolist() == list(range(20))


def test_nan_comes_before_inf_in_descending_order(both_ways):
    x = microtorch.tensor([np.inf, np.nan, 1.0, np.nan, np.inf])
    for stable in (False, True):
        assert x.sort(descending=True, stable=stable).indices.tolist() == [1, 3, 0, 4, 2]
    assert x.argsort(descending=True).tolist() == [1, 3, 0, 4, 2]
    assert x.topk(3).indices.tolist() == [1, 3, 0]
    big = microtorch.tensor(np.r_[np.zeros(200), np.inf, np.nan])
    assert big.topk(2).indices.tolist() == [201, 200]


def _rows(rng, n, dtype):
    """Three rows of n values with many ties (and NaN, infinities, signed zeros in floats)."""
    a = rng.integers(0, rng.choice([2, 3, 7]), (3, n)).astype(np.float64)
    if np.dtype(dtype).kind == 'f':
        a[rng.random(a.shape) < 0.1] = np.nan
        a[rng.random(a.shape) < 0.05] = np.inf
        a[rng.random(a.shape) < 0.05] = -0.0
    return a.astype(dtype)


def _cases(k):
    return {
        'sort': lambda x, d: x.sort(d).indices,
        'sort descending': lambda x, d: x.sort(d, descending=True).indices,
        'sort stable': lambda x, d: x.sort(dim=d, stable=True).indices,
        'argsort descending': lambda x, d: x.argsort(d, descending=True),
        'msort (values: the signed zeros)': lambda x, d: x.msort(),
        'topk': lambda x, d: x.topk(k, d).indices,
        'topk smallest': lambda x, d: x.topk(k, d, largest=False).indices,
        'topk unsorted': lambda x, d: x.topk(k, d, sorted=False).indices,
        'kthvalue': lambda x, d: x.kthvalue(k, d).indices,
        'mode': lambda x, d: x.mode(d).indices,
        'median': lambda x, d: x.median(d).indices,
    }


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'int64', 'uint8'])
def test_ties_at_pytorchs_indices(both_ways, dtype, torch):
    rng = np.random.default_rng(0)
    for n in (2, 5, 16, 17, 40, 130, 300):
        a = _rows(rng, n, dtype)
        for array, dim in ((a, 1), (np.ascontiguousarray(a.T), 0)):
            mine, theirs = microtorch.from_numpy(array), torch.from_numpy(array)
            for k in sorted({1, 2, max(1, n // 3), n}):
                for name, f in _cases(k).items():
                    got, expected = f(mine, dim), f(theirs, dim)
                    assert got.numpy().tobytes() == expected.numpy().tobytes(), (name, n, k, dim)


def test_gradients_reach_the_places_pytorch_picks(both_ways, torch):
    values = np.array([[2.0, 1.0, 2.0, 2.0, 0.0, 2.0] * 4], np.float32)
    grads = []
    for lib in (microtorch, torch):
        x = lib.tensor(values, requires_grad=True)
        top = x.topk(3).values
        kth = x.kthvalue(20).values
        ordered = x.sort(descending=True).values
        (top * lib.tensor([1.0, 10.0, 100.0])).sum().backward(retain_graph=True)
        (kth * 1000).sum().backward(retain_graph=True)
        (ordered * lib.arange(24.0)).sum().backward()
        grads.append(x.grad.numpy())
    assert np.array_equal(*grads)
