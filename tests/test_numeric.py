"""ops/numeric.py beyond the op table: bincount, the integer and bool cases, aminmax's named
tuple, and the errors of these and of slogdet, logdet and matrix_power - against PyTorch where
it is installed."""
import pickle

import numpy as np
import pytest

import microtorch as mt
from error_cases import check_error


def _same(mine, theirs):
    assert str(mine.dtype).split('.')[-1] == str(theirs.dtype).split('.')[-1]
    np.testing.assert_array_equal(np.array(mine.tolist()), np.array(theirs.tolist()))


def test_bincount_by_hand():
    x = mt.tensor([0, 1, 1, 3])
    assert mt.bincount(x).tolist() == [1, 2, 0, 1]
    assert x.bincount(minlength=6).tolist() == [1, 2, 0, 1, 0, 0]
    weighted = mt.bincount(x, weights=mt.tensor([0.5, 1.0, 2.0, 3.0]))
    assert weighted.dtype is mt.float32 and weighted.tolist() == [0.5, 3.0, 0.0, 3.0]
    assert mt.bincount(mt.tensor([], dtype=mt.int64)).tolist() == []


def test_values_and_dtypes_match_torch(torch):
    def calls(lib):
        x = lib.tensor([0, 1, 1, 3])
        return [lib.bincount(x), lib.bincount(x, minlength=6),
                lib.bincount(x, weights=lib.tensor([0.5, 1, 2, 3])),
                lib.bincount(x, weights=lib.tensor([0.5, 1, 2, 3], dtype=lib.float64)),
                lib.bincount(lib.tensor([1, 2], dtype=lib.int32), weights=lib.tensor([1, 2])),
                lib.bincount(lib.tensor([], dtype=lib.int64)),
                lib.logit(lib.tensor([1, 0])), lib.sinc(lib.tensor([1, 2, 0])),
                lib.logit(lib.tensor([0.2, 0.0, 1.0, 1.5])),
                lib.sgn(lib.tensor([True, False])), lib.sgn(lib.tensor([-3, 0, 2])),
                *lib.aminmax(lib.tensor([True, False])), *lib.aminmax(lib.ones(0, 2), dim=1),
                lib.ravel(lib.arange(6).reshape(2, 3).t())]
    for mine, theirs in zip(calls(mt), calls(torch)):
        _same(mine, theirs)


def test_aminmax_is_a_named_tuple_that_prints_and_pickles_as_pytorchs(torch):
    a = [[1.0, 5.0], [3.0, 2.0]]
    mine, theirs = mt.aminmax(mt.tensor(a), dim=1), torch.aminmax(torch.tensor(a), dim=1)
    assert repr(mine) == repr(theirs).replace('torch.', 'microtorch.')
    assert mine.min.tolist() == [1.0, 2.0] and mine.max.tolist() == [5.0, 3.0]
    again = pickle.loads(pickle.dumps(mine))
    assert type(again) is type(mine) and again.max.tolist() == [5.0, 3.0]
    assert repr(mt.max(mt.tensor(a), 1)) == repr(torch.max(torch.tensor(a), 1)).replace(
        'torch.', 'microtorch.')


def error_calls(lib):
    x = lib.tensor([0, 1, 1, 3])
    return [
        lambda: lib.bincount(lib.tensor([-1, 2])),
        lambda: lib.bincount(lib.tensor([[1]])),
        lambda: lib.bincount(lib.tensor([1.0])),
        lambda: lib.bincount(x, minlength=-1),
        lambda: lib.bincount(x, weights=lib.ones(3)),
        lambda: lib.positive(lib.tensor([True])),
        lambda: lib.aminmax(lib.ones(0)),
        lambda: lib.aminmax(lib.ones(2, 0), dim=1),
        lambda: lib.logaddexp2(lib.tensor([1]), lib.tensor([2])),
        lambda: lib.linalg.slogdet(lib.ones(2, 3)),
        lambda: lib.logdet(lib.ones(3)),
        lambda: lib.linalg.matrix_power(lib.ones(2, 2), 1.5),
        lambda: lib.matrix_power(lib.ones(2, 3), 2),
    ]


ERRORS = [
    (RuntimeError, 'bincount only supports 1-d non-negative integral inputs.'),
    (RuntimeError, 'bincount only supports 1-d non-negative integral inputs.'),
    (NotImplementedError, '"bincount_cpu" not implemented for \'Float\''),
    (RuntimeError, 'minlength should be >= 0'),
    (RuntimeError, 'weights should be 1-d and have the same length as input'),
    (RuntimeError, 'The `+` operator, on a bool tensor is not supported.'),
    (RuntimeError, 'aminmax(): cannot compute aminmax over an empty dimension as the operation '
     'has no identity.'),
    (IndexError, 'aminmax: Expected reduction dim 1 to have non-zero size.'),
    (NotImplementedError, '"logaddexp2_cpu" not implemented for \'Long\''),
    (RuntimeError, 'linalg.slogdet: A must be batches of square matrices, but they are 2 by 3 '
     'matrices'),
    (RuntimeError, 'logdet: The input tensor A must have at least 2 dimensions.'),
    (TypeError, "linalg_matrix_power(): argument 'n' (position 2) must be int, not float"),
    (RuntimeError, 'linalg.matrix_power: A must be batches of square matrices, but they are 2 '
     'by 3 matrices'),
]


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m in ERRORS])
def test_errors(index):
    check_error(ERRORS, error_calls, index, mt)


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:30] for _, m in ERRORS])
def test_errors_are_pytorchs(index, torch):
    check_error(ERRORS, error_calls, index, torch)



def test_logit_eps_zeroes_the_gradient_outside(torch):
    values = np.array([0.05, 0.5, 0.95, 0.1])
    grads = []
    for lib in (mt, torch):
        p = lib.tensor(values, requires_grad=True)
        lib.logit(p, eps=0.1).sum().backward()
        grads.append(p.grad.tolist())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)
    assert grads[0][0] == 0.0 and grads[0][2] == 0.0
