"""set_default_dtype: what Python floats and floating creation functions give, and what
follows from it (layers' parameters, promotion of integers, optimizer scalars, printing)."""
import numpy as np
import pytest

import microtorch as mt


@pytest.fixture
def float64_default():
    mt.set_default_dtype(mt.float64)
    try:
        yield
    finally:
        mt.set_default_dtype(mt.float32)


def dtypes_under_the_default(lib):
    """The dtype of each thing that follows the default dtype (and of some that do not)."""
    lin = lib.nn.Linear(2, 1)
    opt = lib.optim.Adam(lin.parameters(), lr=0.1)
    lin(lib.ones(3, 2)).sum().backward()
    opt.step()
    nadam_param = lib.nn.Parameter(lib.ones(2))
    nadam = lib.optim.NAdam([nadam_param])
    nadam_param.grad = lib.ones(2)
    nadam.step()
    made = [lib.Tensor([1]), lib.tensor([1, 2.5]), lib.tensor(2.5), lib.zeros(2),
            lib.full((2,), 1.5), lib.linspace(0, 1, 3), lib.randn(2), lib.rand(2), lib.empty(1),
            lib.ones(3), lib.arange(3.0), lib.eye(2), lib.normal(0.0, 1.0, (2,)),
            lib.nn.Linear(1, 1).weight, lib.nn.BatchNorm1d(2).running_mean,
            lib.nn.Embedding(2, 2).weight, lib.nn.Conv2d(1, 1, 2).weight,
            lib.nn.LSTM(2, 3).weight_ih_l0, lib.nn.LayerNorm(3).weight,
            lib.tensor([1, 2]) / 2, lib.tensor([1, 2]).sqrt(), lib.arange(3) * 0.5,
            lib.tensor(3).exp(), lin.weight, opt.state[lin.weight]['exp_avg'],
            opt.state[lin.weight]['step'], nadam.state[nadam_param]['mu_product'],
            # these keep their own dtypes
            lib.tensor(np.float32(1.5)), lib.tensor([1.5], dtype=lib.float32),
            lib.tensor([True]).float(), lib.tensor(np.ones(2, np.float32)),
            lib.tensor([1.5], dtype=lib.float32) * 2.5, lib.tensor([1, 2])]
    return [str(t.dtype).split('.')[-1] for t in made] + [str(lib.get_default_dtype())[-7:]]


def test_float64_default_gives_float64_where_pytorch_does(float64_default):
    dtypes = dtypes_under_the_default(mt)
    assert dtypes[:27] == ['float64'] * 27
    assert dtypes[27:] == ['float32'] * 5 + ['int64', 'float64']
    x = mt.tensor([0.5], requires_grad=True)
    ((x * 3).sigmoid() ** 2).sum().backward()
    assert x.grad.dtype is mt.float64
    assert repr(mt.tensor([1.5, 2])) == 'tensor([1.5000, 2.0000])'       # no dtype= shown
    assert repr(mt.tensor([1.5], dtype=mt.float32)) == 'tensor([1.5000], dtype=microtorch.float32)'


def test_the_same_dtypes_as_pytorch(torch):
    for lib in (mt, torch):
        lib.set_default_dtype(lib.float64)
    try:
        assert dtypes_under_the_default(mt) == dtypes_under_the_default(torch)
    finally:
        for lib in (mt, torch):
            lib.set_default_dtype(lib.float32)
    assert dtypes_under_the_default(mt) == dtypes_under_the_default(torch)


def check_default_dtype_errors(lib):
    for bad, message in ((lib.int64, 'only floating-point types are supported as the default '
                                     'type'),
                         ('float64', 'invalid dtype object: only floating-point types are '
                                     'supported as the default type')):
        with pytest.raises(TypeError) as info:
            lib.set_default_dtype(bad)
        assert str(info.value) == message
    assert lib.get_default_dtype() is lib.float32


def test_default_dtype_errors_change_nothing():
    check_default_dtype_errors(mt)


def test_default_dtype_errors_are_pytorchs(torch):
    check_default_dtype_errors(torch)
