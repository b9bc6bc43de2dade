"""autograd/small_apply.py: the unrolled apply records what Function.apply records."""
import numpy as np
import pytest

import microtorch
from microtorch.autograd import small_apply
from microtorch.ops import binary as B, elementwise as E, reduction as R


def _leaf(values, dtype=np.float32, requires_grad=True):
    return microtorch.tensor(np.asarray(values, dtype), requires_grad=requires_grad)


def _inner(values, dtype=np.float32):
    return _leaf(values, dtype) * 1.0            # a non-leaf, with a grad_fn


def _transposed():
    return _inner(np.arange(6.0).reshape(2, 3) / 7).t()    # a view: apply takes it


def _columns():                               # a non-C-contiguous array without a view
    x = microtorch.from_numpy(np.asfortranarray(np.arange(6.0).reshape(2, 3) / 7, np.float32))
    assert x._base is None and not x._data.flags.c_contiguous
    return x.requires_grad_()


CASES_WITH_NUMBERS = [
    ('leaf * number', B.Mul, lambda: _leaf([0.5, -2.0]), (1.5,)),
    ('inner + number', B.Add, lambda: _inner([0.5]), (0.1,)),
    ('no grad - number', B.Sub, lambda: _leaf([0.5], requires_grad=False), (0.2,)),
    ('0-d * number', B.Mul, lambda: _inner(0.5), (3.0,)),
    ('0-d, no grad', B.Mul, lambda: _leaf(0.5, requires_grad=False), (3.0,)),
    ('0-d tanh', E.Tanh, lambda: _leaf(0.25, np.float64), ()),
    ('float64 tanh', E.Tanh, lambda: _inner([0.25, 3.0], np.float64), ()),
    ('sigmoid', E.Sigmoid, lambda: _leaf([[0.5, -1.0], [2.0, 0.0]]), ()),
    ('pow', E.PowScalar, lambda: _inner([1.5, -2.0]), (2,)),
    ('clamp', E.Clamp, lambda: _leaf([0.5, -1.0, 3.0]), (None, 1.0)),
    ('int tensor * int', B.Mul, lambda: microtorch.tensor([1, 2, 3]), (4,)),
    ('column-major relu', E.Relu, _columns, ()),
    ('sum', R.Sum, lambda: _inner([0.5, 2.0]), ((0,), False)),
    ('0-d sum', R.Sum, lambda: _inner(0.5), ((), False)),
    ('mean of rows, keepdim', R.MeanDims, lambda: _leaf(np.ones((3, 4)) / 3), ((1,), True)),
    ('column-major sum of rows', R.SumDims, _columns, ((1,), True)),
    ('a view (taken by apply)', B.Mul, _transposed, (2.0,)),
    ('float16 (taken by apply)', B.Mul, lambda: _leaf([0.5], np.float16), (2.0,)),
    ('big (taken by apply)', B.Mul, lambda: _leaf(np.ones(1 << 16)), (2.0,)),
]

CASES_PAIRS = [
    ('leaf * leaf', B.Mul, lambda: (_leaf([0.5, 2.0]), _leaf([3.0, 4.0]))),
    ('no grad * leaf', B.Mul, lambda: (_leaf([2.0], requires_grad=False), _leaf([1.0]))),
    ('inner - no grad', B.Sub, lambda: (_inner([2.0]), _leaf([4.0], requires_grad=False))),
    ('neither', B.Add, lambda: (_leaf([2.0], requires_grad=False),
                                _leaf([4.0], requires_grad=False))),
    ('broadcast', B.Mul, lambda: (_leaf([[1.0], [2.0]]), _inner([[3.0, 4.0, 5.0]]))),
    ('same shape, 8 x 32', B.Mul, lambda: (_leaf(np.ones((8, 32))), _leaf(np.ones((8, 32))))),
    ('x * x', B.Mul, lambda: (lambda x: (x, x))(_leaf([3.0]))),
    ('column-major', B.Add, lambda: (_columns(), _leaf(np.ones((2, 3))))),
    ('0-d', B.Div, lambda: (_inner(3.0), _leaf(2.0))),
    ('big broadcast (taken by apply)', B.Mul,
     lambda: (_leaf(np.ones((256, 1))), _leaf(np.ones((1, 256))))),
]


def _bits(array):
    return array.view(f'u{array.dtype.itemsize}') if array.dtype.kind == 'f' else array


def _same_records(small, general, small_args, general_args):
    """The two results, their nodes and what a backward gives are alike field for field."""
    assert type(small) is type(general)
    np.testing.assert_array_equal(_bits(small._data), _bits(general._data))
    assert small._data.dtype == general._data.dtype
    assert small._data.strides == general._data.strides
    assert small.requires_grad == general.requires_grad
    node, reference = small.grad_fn, general.grad_fn
    assert type(node) is type(reference)
    if node is None:
        assert small._data.flags.writeable == general._data.flags.writeable
        return
    assert node.backend is reference.backend
    assert node._seq > reference._seq                 # recorded later, in tape order
    assert len(node._next) == len(reference._next)
    for edge, other, arg in zip(node._next, reference._next, small_args + (None,) * 3):
        assert (edge is None) == (other is None)
        if edge is not None:
            assert edge[1:4] == other[1:4] and len(edge) == len(other)
            assert type(edge[0]) is type(other[0])
            if arg.grad_fn is not None:                 # its producer
                assert edge[0] is arg.grad_fn
            else:                                       # a leaf: its accumulator keeps it
                assert edge[4] is arg and edge[0].variable is arg
    assert node.needs_input_grad == reference.needs_input_grad
    assert len(node._saved) == len(reference._saved)
    for value, other in zip(node._saved, reference._saved):
        if isinstance(value, np.ndarray) and not isinstance(other, np.ndarray):
            # a float number a float32 op takes as its float32 array (number_as_operand)
            assert node._fn.number_as_operand and type(other) is float
            assert value.shape == () and value.dtype == np.float32 == small._data.dtype
            assert value == np.float32(other) and not value.flags.writeable
        elif isinstance(value, np.ndarray):
            np.testing.assert_array_equal(_bits(value), _bits(other))
        else:
            assert value == other or (value is None and other is None)
    assert [type(s) for s in node._saved_sources] == \
        [type(s) for s in reference._saved_sources]
    assert [v for _, v in node._saved_versions] == [v for _, v in reference._saved_versions]
    assert node._to_save == () and node._non_differentiable in ((), reference._non_differentiable)
    grads = []
    for out, args in ((small, small_args), (general, general_args)):
        leaves = [a for a in args if isinstance(a, microtorch.Tensor) and a.requires_grad]
        found = microtorch.autograd.grad(out.sum(), leaves, allow_unused=True)
        grads.append([None if g is None else _bits(g._data) for g in found])
    for got, expected in zip(*grads):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize('case', CASES_WITH_NUMBERS, ids=[c[0] for c in CASES_WITH_NUMBERS])
@pytest.mark.parametrize('grad_mode', [True, False], ids=['grad', 'no_grad'])
def test_with_numbers_records_what_apply_records(case, grad_mode):
    _, op, make, numbers = case
    a, b = make(), make()
    with microtorch.set_grad_enabled(grad_mode):
        general = op.apply(b, *numbers)
        small = small_apply.apply_with_numbers(op, a, *numbers)
    _same_records(small, general, (a,), (b,))


@pytest.mark.parametrize('case', CASES_PAIRS, ids=[c[0] for c in CASES_PAIRS])
@pytest.mark.parametrize('grad_mode', [True, False], ids=['grad', 'no_grad'])
def test_pair_records_what_apply_records(case, grad_mode):
    _, op, make = case
    (a, b), (c, d) = make(), make()
    with microtorch.set_grad_enabled(grad_mode):
        general = op.apply(c, d)
        small = small_apply.apply_to_pair(op, a, b)
    _same_records(small, general, (a, b), (c, d))


def _counting_nodes(monkeypatch, op):
    made = []
    node_cls = op._node_cls
    monkeypatch.setattr(op, '_node_cls', lambda: made.append(1) or node_cls())
    return made


@pytest.mark.parametrize('op, make, numbers', [
    (B.Mul, lambda: _leaf([0.5, 2.0]), (1.5,)), (B.Sub, lambda: _leaf(0.5), (0.25,)),
    (E.Sigmoid, lambda: _leaf([0.5]), ()), (E.Clamp, lambda: _leaf([3.0]), (None, 1.0))])
def test_unrecorded_ops_make_no_node(monkeypatch, op, make, numbers):
    # Function.plain_forward: under no_grad the backend primitive runs alone
    a = make()
    expected = op.apply(a.detach(), *numbers)._data
    made = _counting_nodes(monkeypatch, op)
    with microtorch.no_grad():
        out = small_apply.apply_with_numbers(op, a, *numbers)
        pair = small_apply.apply_to_pair(B.Mul, a, a) if op is B.Mul else None
    assert made == [] and out.grad_fn is None and not out.requires_grad
    np.testing.assert_array_equal(out._data, expected)
    if pair is not None:
        np.testing.assert_array_equal(pair._data, a._data * a._data)
    small_apply.apply_with_numbers(op, a, *numbers)          # recorded: a node
    assert made == [1]


def test_plain_forward_is_not_inherited():
    assert B.Sub._plain_name == 'sub_forward' and B.Rsub._plain_name is None


def test_plain_forward_sees_a_replaced_primitive(monkeypatch):
    # (tests give backward's Tensor ops PyTorch's forwards so, tests/test_exact_grads.py)
    from microtorch import backends
    monkeypatch.setattr(backends.cpu_numpy, 'mul_forward', lambda a, b: np.full_like(a, 7))
    with microtorch.no_grad():
        assert (_leaf([1.0, 2.0]) * 3.0).tolist() == [7.0, 7.0]


def test_saved_inputs_keep_their_in_place_check():
    # What the small path saved is traced to its Tensors: writing one in place between
    # forward and backward is refused, as after apply.
    x = _leaf([0.5, 2.0])
    w = _leaf([3.0, 4.0], requires_grad=False)
    y = x * w
    w.add_(1.0)
    with pytest.raises(RuntimeError, match='modified by an inplace operation'):
        y.sum().backward()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_anomaly_mode_takes_the_general_path():
    # Anomaly mode records where each op ran in forward: the small path leaves that to apply.
    x = _leaf([-1.0])
    with microtorch.autograd.detect_anomaly():
        y = (x.sqrt() * 2.0).sum()
        with pytest.raises(RuntimeError, match='SqrtBackward0'):
            y.backward()


def _bits_of(values):
    return np.asarray(values, np.float32).view(np.uint32)


@pytest.mark.parametrize('op', ['__add__', '__sub__', '__mul__'])
def test_number_operands_give_numpys_bits(op):
    # A float32 input takes the float's float32 array (NEP 50 casts the Python float to the
    # input's dtype either way): the same bits, signed zeros, NaN and the overflows included.
    x = np.array([0.5, -0.0, 0.0, 3e38, -1e-45, np.inf, np.nan, 1.7], np.float32)
    numbers = [0.1, -0.0, 0.0, 1e300, -1e300, 3.4e38, 1e-46, np.inf, -np.inf, np.nan, 2.5,
               0.1, -0.0, 0.0]                   # (again: from the cache this time)
    with np.errstate(all='ignore'):
        for number in numbers:
            expected = getattr(x, op)(number)
            for v, e in zip(x, expected):
                t = microtorch.tensor([v], requires_grad=True)
                got = getattr(t, op)(number)
                assert _bits_of(got._data) == _bits_of([e]), (op, v, number)
                with microtorch.no_grad():
                    assert _bits_of(getattr(t, op)(number)._data) == _bits_of([e])


def test_number_operands_cache():
    small_apply._float32_operands.clear()
    x = _leaf([0.5])
    with np.errstate(over='ignore'):
        x * 0.25, x + 0.0, x - (-0.0), x * float('nan'), x * 1e300
    assert list(small_apply._float32_operands) == [0.25]     # zeros, NaN, overflow: no
    assert not small_apply._float32_operands[0.25].flags.writeable
    for i in range(1000):                                    # a schedule's new numbers
        x * (1.0 + i / 1000)
    assert 0 < len(small_apply._float32_operands) <= small_apply._OPERANDS_KEPT
    # only float32 inputs and float numbers: float64 keeps its float64 arithmetic, ints and
    # other ops their own
    d = microtorch.tensor([1.0], dtype=microtorch.float64)
    assert (d * 0.1).item() == 0.1 and (d * 0.1).dtype == microtorch.float64
    n = len(small_apply._float32_operands)
    x * 2, x.pow(0.5), x / 0.3
    assert len(small_apply._float32_operands) == n


def test_number_operand_backward_and_double_backward():
    # Mul saved the operand's array: backward and a double backward give what apply's give
    results = []
    for small in (True, False):
        x = _leaf([0.7, -1.3])
        y = small_apply.apply_with_numbers(B.Mul, x, 0.1) if small else B.Mul.apply(x, 0.1)
        assert (type(y.grad_fn._saved[1]) is np.ndarray) == small
        (g,) = microtorch.autograd.grad((y * y).sum(), x, create_graph=True)
        (gg,) = microtorch.autograd.grad(g.sum(), x)
        results.append((_bits_of(g._data).tolist(), _bits_of(gg._data).tolist()))
    assert results[0] == results[1]
