"""The Tensor itself: attributes, conversions, printing, creation functions, dtypes and
promotion, in-place ops and item assignment. PyTorch, when installed, is the oracle for
printing, dtype inference and promotion."""
import math
import operator
import sys
import warnings

import numpy as np
import pytest

import microtorch as mt


def host(t):
    """A tensor's values as a NumPy array on the host (a copy, whatever the device)."""
    return np.array(t.detach().cpu()._data)


def torch_repr(t):
    """PyTorch's repr with the module named as microtorch prints it."""
    return repr(t).replace('torch.', 'microtorch.')


# ---- attributes ---------------------------------------------------------------------------

def test_storage_device_dtype(device):
    t = mt.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    xp = t._backend_xp()
    assert isinstance(t._data, xp.ndarray)
    assert t._data.shape == (2, 2) and t._data.dtype == np.float32
    assert t.device == mt.device(device) and t.device.type == mt.device(device).type
    assert t.is_cuda == (device != 'cpu')
    assert t.dtype is mt.float32
    assert mt.tensor([1, 2], device=device).dtype is mt.int64
    assert mt.tensor([True], device=device).dtype is mt.bool


def test_autograd_attributes():
    x = mt.tensor([1.0, 2.0])
    assert not x.requires_grad and x.grad is None and x.grad_fn is None and x.is_leaf
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    assert w.requires_grad and w.grad is None and w.grad_fn is None and w.is_leaf
    y = w * 2
    assert y.requires_grad and not y.is_leaf
    assert type(y.grad_fn).__name__ == 'MulBackward0'
    assert y.grad_fn.name() == 'MulBackward0'
    # A result that needs no grad is a leaf, as in PyTorch.
    z = x * 2
    assert z.is_leaf and z.grad_fn is None and not z.requires_grad
    y.sum().backward()
    assert w.grad.tolist() == [2.0, 2.0]
    assert w.grad.requires_grad is False and w.grad.is_leaf


def test_requires_grad_flag():
    x = mt.tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad = False
    assert not x.requires_grad
    x.requires_grad = True
    assert x.requires_grad
    y = x * 2
    with pytest.raises(RuntimeError, match='you can only change requires_grad flags of leaf'):
        y.requires_grad_(False)


def test_data_shares_storage_and_is_invisible_to_autograd():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    assert np.shares_memory(d._data, x._data)
    d[0] = 10.0                   # no leaf error: .data is not the leaf
    d.mul_(2.0)
    assert x.tolist() == [20.0, 4.0, 6.0]
    assert x._version == 0        # writes through .data bump no version
    assert x.grad_fn is None and x.is_leaf and x.requires_grad

    # A tensor saved for backward may be changed through .data without the version error.
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    a = w.sin()
    b = a.cos()                   # saves a
    a.data.mul_(2.0)
    assert a._version == 0 and a.grad_fn is not None
    b.sum().backward()            # no error
    expected = -np.sin(2 * np.sin([1.0, 2.0])) * np.cos([1.0, 2.0])
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-5)


def test_data_is_settable():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    new = mt.tensor([5.0, 6.0, 7.0])
    x.data = new
    assert x.shape == (3,) and x.tolist() == [5.0, 6.0, 7.0]
    assert x.requires_grad and x.is_leaf
    new[0] = -1.0                 # x now uses new's storage
    assert x[0].item() == -1.0
    with pytest.raises(TypeError):
        x.data = [1.0]


def test_shape_size_dim_numel():
    t = mt.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and isinstance(t.shape, tuple)
    assert isinstance(t.shape, mt.Size) and isinstance(t.size(), mt.Size)
    assert repr(t.shape) == 'microtorch.Size([2, 3, 4])'
    assert t.size() == t.shape
    assert t.size(0) == 2 and t.size(1) == 3 and t.size(-1) == 4 and t.size(-3) == 2
    assert t.dim() == 3 and t.ndim == 3
    assert t.numel() == 24 and mt.numel(t) == 24 and t.shape.numel() == 24
    s = mt.tensor(1.0)
    assert s.shape == () and s.dim() == 0 and s.numel() == 1
    e = mt.zeros(0, 3)
    assert e.numel() == 0 and e.shape == (0, 3)


BROADCAST_SHAPES = [((2, 1), (1, 3)), ((2,), (3, 1), (1, 1, 1)), (3, (1,)), (1, 4), (),
                    ((2, 0), (2, 1)), ([1, 4], (3, 1), None), ((5, 1, 3), [2, 1], 3)]


def test_broadcast_shapes():
    assert mt.broadcast_shapes((2, 1), (1, 3)) == (2, 3)
    assert isinstance(mt.broadcast_shapes((2, 1), (1, 3)), mt.Size)
    assert mt.broadcast_shapes(mt.ones(2, 1).shape, [4]) == (2, 4)
    assert mt.broadcast_shapes() == () and mt.broadcast_shapes(3) == (3,)


@pytest.mark.parametrize('shapes', BROADCAST_SHAPES, ids=repr)
def test_broadcast_shapes_match_torch(shapes, torch):
    assert mt.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))


def test_item():
    assert mt.tensor(2.5).item() == 2.5 and type(mt.tensor(2.5).item()) is float
    assert mt.tensor([[3]]).item() == 3 and type(mt.tensor([[3]]).item()) is int
    assert mt.tensor([True]).item() is True
    assert mt.tensor(1.5, dtype=mt.float64).item() == 1.5
    x = mt.tensor([2.0], requires_grad=True)
    assert x.item() == 2.0        # item() works on tensors that require grad


def test_tolist():
    t = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert all(type(v) is float for row in t.tolist() for v in row)
    assert mt.tensor([1, 2]).tolist() == [1, 2] and type(mt.tensor([1]).tolist()[0]) is int
    assert mt.tensor([True, False]).tolist() == [True, False]
    assert mt.tensor(3.0).tolist() == 3.0
    assert mt.zeros(0).tolist() == []
    assert mt.tensor([1.0], requires_grad=True).tolist() == [1.0]


def test_numpy():
    t = mt.tensor([1.0, 2.0])
    a = t.numpy()
    assert isinstance(a, np.ndarray) and a.dtype == np.float32
    a[0] = 7.0                    # numpy() shares memory on the CPU, as in PyTorch
    assert t[0].item() == 7.0
    assert np.asarray(t).tolist() == [7.0, 2.0]
    w = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. "
                                           r'Use tensor.detach\(\).numpy\(\) instead.'):
        w.numpy()
    assert w.detach().numpy().tolist() == [1.0]
    assert (w * 2).detach().numpy().tolist() == [2.0]


def test_numpy_on_gpu_refuses(device):
    if device == 'cpu':
        pytest.skip('only a GPU tensor refuses numpy()')
    with pytest.raises(TypeError, match="can't convert cuda"):
        mt.tensor([1.0], device=device).numpy()


def test_detach_shares_storage(device):
    x = mt.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d._data is y._data
    d[0] = 5.0
    assert y[0].item() == 5.0
    assert y._version == 1        # shares the version counter, as in PyTorch
    assert x.detach()._data is x._data


def test_clone_does_not_share(device):
    x = mt.tensor([1.0, 2.0], requires_grad=True, device=device)
    c = x.clone()
    assert type(c.grad_fn).__name__ == 'CloneBackward0' and c.requires_grad
    assert c._data is not x._data
    assert not np.shares_memory(host(c), host(x))
    with mt.no_grad():
        c[0] = 9.0
    assert x.tolist() == [1.0, 2.0] and c.tolist() == [9.0, 2.0]
    c.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    plain = mt.tensor([3, 4], device=device).clone()
    assert plain.dtype is mt.int64 and plain.grad_fn is None


def test_T():
    m = mt.arange(6).reshape(2, 3)
    assert m.T.shape == (3, 2)
    assert m.T.tolist() == [[0, 3], [1, 4], [2, 5]]
    assert mt.zeros(2, 3, 4).T.shape == (4, 3, 2)
    v = mt.tensor([1.0, 2.0])
    assert v.T.tolist() == [1.0, 2.0] and mt.tensor(1.0).T.item() == 1.0
    w = mt.ones(2, 3, requires_grad=True)
    (w.T * mt.arange(3.0).reshape(3, 1)).sum().backward()
    assert w.grad.tolist() == [[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]]


def test_len_and_iteration():
    t = mt.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(t) == 3 and len(mt.zeros(0, 2)) == 0
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, mt.Tensor) for r in rows)
    assert [r.tolist() for r in rows] == [[1, 2], [3, 4], [5, 6]]
    assert [v.item() for v in mt.tensor([1.5, 2.5])] == [1.5, 2.5]
    a, b = mt.tensor([1.0, 2.0])  # unpacking
    assert a.item() == 1.0 and b.item() == 2.0
    with pytest.raises(TypeError, match='len\\(\\) of a 0-d tensor'):
        len(mt.tensor(1.0))
    with pytest.raises(TypeError, match='iteration over a 0-d tensor'):
        iter(mt.tensor(1.0))


def test_python_number_conversions():
    assert bool(mt.tensor(1.0)) is True and bool(mt.tensor([0])) is False
    assert bool(mt.tensor([[True]])) is True
    assert float(mt.tensor(2.5)) == 2.5 and float(mt.tensor([3])) == 3.0
    assert int(mt.tensor(2.7)) == 2 and int(mt.tensor([[-2.7]])) == -2
    assert type(float(mt.tensor(1))) is float and type(int(mt.tensor(1.0))) is int
    assert repr(mt.tensor(3.0) > 2) == 'tensor(True)' and (mt.tensor(3.0) > 2).shape == ()
    if mt.tensor([1.0, 2.0]).sum() > 2:      # comparisons in `if` go through __bool__
        pass
    else:
        pytest.fail('tensor(3.) > 2 is false')
    with pytest.raises(ValueError, match='only one element tensors can be converted to Python '
                                         'scalars'):
        float(mt.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match='only one element tensors'):
        int(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match='Boolean value of Tensor with more than one value '
                                           'is ambiguous'):
        bool(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match='Boolean value of Tensor with no values is '
                                           'ambiguous'):
        bool(mt.tensor([]))
    assert [10, 20, 30][mt.tensor(1)] == 20             # __index__ of an integer tensor


def test_number_conversions_match_torch(torch):
    for value in ([2.5], [[-3.75]], [7], [True], 0.0):
        for kind in (bool, float, int):
            assert kind(mt.tensor(value)) == kind(torch.tensor(value))
    for value in ([1.0, 2.0], []):
        for kind in (float, int, bool):
            with pytest.raises(Exception) as ours:
                kind(mt.tensor(value))
            with pytest.raises(Exception) as theirs:
                kind(torch.tensor(value))
            assert type(ours.value) is type(theirs.value)
            assert str(ours.value) == str(theirs.value)


def test_format():
    w = mt.tensor(1.23456)
    assert '{:+.2f}'.format(w) == '+1.23'
    assert f'{w:.3f}' == '1.235'
    assert f'{mt.tensor(-2.5, requires_grad=True):+.1f}' == '-2.5'
    assert f'{mt.tensor(7):d}' == '7' and f'{mt.tensor(7):>3}' == '  7'
    assert f'{mt.tensor(0.25)}' == '0.25' and '{}'.format(mt.tensor(3)) == '3'   # 0-d: item
    # One element in any number of dims formats as its number (PyTorch: 0-d only).
    assert '{:+.2f}'.format(mt.tensor([[0.5]])) == '+0.50'
    t = mt.tensor([1.0, 2.0])
    assert '{}'.format(t) == str(t) == repr(t)
    with pytest.raises(TypeError):
        '{:.2f}'.format(t)


def test_format_matches_torch(torch):
    for value in (1.23456, -0.5, 3.0, 1e-7, 12345.678):
        for spec in ('+.2f', '.3e', '', '10.4f', 'g'):
            assert format(mt.tensor(value), spec) == format(torch.tensor(value), spec)
    assert format(mt.tensor(5), 'd') == format(torch.tensor(5), 'd')


# ---- repr -----------------------------------------------------------------------------------

@pytest.mark.parametrize('make, expected', [
    (lambda: mt.tensor([1.0, 2.0], requires_grad=True), 'tensor([1., 2.], requires_grad=True)'),
    (lambda: mt.tensor([1.0, 2.0], requires_grad=True) * 2,
     'tensor([2., 4.], grad_fn=<MulBackward0>)'),
    (lambda: mt.tensor(1.0), 'tensor(1.)'),
    (lambda: mt.tensor(0.5), 'tensor(0.5000)'),
    (lambda: mt.tensor(3), 'tensor(3)'),
    (lambda: mt.tensor([1, -20, 300]), 'tensor([  1, -20, 300])'),
    (lambda: mt.tensor([True, False]), 'tensor([ True, False])'),
    (lambda: mt.tensor(True), 'tensor(True)'),
    (lambda: mt.tensor([1.5, 2.0], dtype=mt.float64),
     'tensor([1.5000, 2.0000], dtype=microtorch.float64)'),
    (lambda: mt.tensor([1, 2], dtype=mt.int32), 'tensor([1, 2], dtype=microtorch.int32)'),
    # Lines break where PyTorch's do (it measures 'dtype=torch.float64', 6 characters less).
    (lambda: mt.tensor([0.5] * 6, dtype=mt.float64),
     'tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000], dtype=microtorch.float64)'),
    (lambda: mt.tensor([0.5] * 6, dtype=mt.float64, requires_grad=True),
     'tensor([0.5000, 0.5000, 0.5000, 0.5000, 0.5000, 0.5000], dtype=microtorch.float64,\n'
     '       requires_grad=True)'),
    (lambda: mt.tensor([1e-5, 1.0]), 'tensor([1.0000e-05, 1.0000e+00])'),
    (lambda: mt.tensor([1.0, 1e10]), 'tensor([1.0000e+00, 1.0000e+10])'),
    (lambda: mt.tensor([1.0, -2.0, 30.0]), 'tensor([ 1., -2., 30.])'),
    (lambda: mt.tensor([0.1, -2.25]), 'tensor([ 0.1000, -2.2500])'),
    (lambda: mt.tensor([float('inf'), float('-inf'), float('nan'), 1.0]),
     'tensor([inf, -inf, nan, 1.])'),
    (lambda: mt.tensor([[1.0, 2.0], [3.0, 4.0]]), 'tensor([[1., 2.],\n        [3., 4.]])'),
    (lambda: mt.zeros(2, 1, 2),
     'tensor([[[0., 0.]],\n\n        [[0., 0.]]])'),
    (lambda: mt.tensor([]), 'tensor([])'),
    (lambda: mt.zeros(0, 3), 'tensor([], size=(0, 3))'),
    (lambda: mt.zeros(0, dtype=mt.int64), 'tensor([], dtype=microtorch.int64)'),
    (lambda: mt.arange(2000.0),
     'tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n'
     '        1.9990e+03])'),
    (lambda: mt.arange(1001), 'tensor([   0,    1,    2,  ...,  998,  999, 1000])'),
    (lambda: mt.tensor([1.0, 2.0], requires_grad=True)[0],
     'tensor(1., grad_fn=<SelectBackward0>)'),
])
def test_repr(make, expected):
    t = make()
    assert repr(t) == expected
    assert str(t) == expected


def _repr_cases():
    rng = np.random.default_rng(1)
    f32 = np.float32
    return [
        rng.standard_normal(5).astype(f32),
        rng.standard_normal((3, 4)).astype(f32),
        rng.standard_normal((2, 3, 4)).astype(f32),
        rng.standard_normal((2, 3, 4)), rng.standard_normal((10, 7)), np.full(6, 0.5),
        rng.standard_normal((4, 2, 2, 2)).astype(f32),
        rng.standard_normal(30).astype(f32) * 1000,
        rng.standard_normal((3, 30)).astype(f32),
        rng.standard_normal(2000).astype(f32),
        rng.standard_normal((40, 40)).astype(f32),
        rng.standard_normal((11, 11, 11)).astype(f32),
        rng.uniform(0, 1, (7, 9)).astype(f32),
        -rng.uniform(0, 1, 6).astype(f32),
        (rng.standard_normal(12) * 10.0 ** rng.integers(-6, 6, 12)).astype(f32),
        np.arange(10, dtype=f32), np.arange(30, dtype=f32), np.arange(2000, dtype=f32),
        np.arange(10), np.arange(2000), np.arange(12, dtype=np.int32).reshape(3, 4),
        rng.integers(-100, 100, (4, 5)), rng.integers(-100000, 100000, 40),
        np.array([True, False]), rng.integers(0, 2, (3, 5)).astype(bool),
        np.array(1.0, f32), np.array(1.5, f32), np.array(-0.001, f32), np.array(1e-9, f32),
        np.array(3), np.array(True), np.array(2.0), np.array(np.nan, f32),
        np.array([1e-5, 1.0], f32), np.array([1e10, 1.0], f32), np.array([1e9, 2e9], f32),
        np.array([1.0, 1000.0], f32), np.array([1.0, 1001.0], f32),
        np.array([0.1, 100.5], f32), np.array([0.1, 200.5], f32),
        np.array([-1.5, 2.25, -3.0], f32), np.array([1e-4, 0.5], f32),
        np.array([9.99e-5, 0.5], f32), np.array([1e8, 1.0], f32), np.array([1.5e8], f32),
        np.array([123456789.0, 1.0], f32), np.array([12345.678], f32),
        np.array([1e-20, 1e20], f32), np.array([0.0, 0.0], f32), np.array([-0.0, 1.0], f32),
        np.array([np.inf, -np.inf, np.nan, 1.0], f32),
        np.array([np.inf, -np.inf, np.nan, 1.5], f32), np.array([np.inf, 1e-9], f32),
        np.array([np.nan, np.nan], f32), np.array([-np.inf, 2.0, 3.0], np.float64),
        np.zeros((0,), f32), np.zeros((0, 3), f32), np.zeros((2, 0), np.float64),
        np.zeros((0,), np.int64), np.zeros((0,), np.int32), np.zeros((0,), bool),
        np.zeros((1, 0, 2), f32),
    ]


def test_repr_matches_torch(torch):
    for array in _repr_cases():
        for requires_grad in (False, True):
            if requires_grad and array.dtype.kind != 'f':
                continue
            ours = mt.tensor(array, requires_grad=requires_grad)
            theirs = torch.tensor(array, requires_grad=requires_grad)
            assert repr(ours) == torch_repr(theirs), (array.dtype, array.shape)


def _mt_or_torch(x):
    return mt if isinstance(x, mt.Tensor) else __import__('torch')


GRAD_FN_OPS = {
    'mul': lambda x: x * 2, 'add': lambda x: x + 1, 'sub': lambda x: x - 1,
    'div': lambda x: x / 3, 'sum': lambda x: x.sum(), 'mean': lambda x: x.mean(),
    'exp': lambda x: x.exp(), 'view': lambda x: x.view(-1), 'double': lambda x: x.double(),
    'select': lambda x: x[0], 'select-slice': lambda x: x[0, 1:],
    'slice-select': lambda x: x[:, 0],
    'slice': lambda x: x[1:], 'none': lambda x: x[None], 'index': lambda x: x[[0, 1]],
    'mask': lambda x: x[x > 0], 'transpose': lambda x: x.transpose(0, 1),
    'permute': lambda x: x.permute(1, 0), 'T': lambda x: x.T, 'mm': lambda x: x @ x.T,
    'relu': lambda x: x.relu(), 'tanh': lambda x: x.tanh(), 'sigmoid': lambda x: x.sigmoid(),
    'clone': lambda x: x.clone(), 'neg': lambda x: -x, 'pow': lambda x: x ** 2,
    'reshape': lambda x: x.reshape(3, 2), 'unsqueeze': lambda x: x.unsqueeze(0),
    'squeeze': lambda x: x[None].squeeze(0), 'expand': lambda x: x[:1].expand(4, 3),
    'softmax': lambda x: x.softmax(1), 'log_softmax': lambda x: x.log_softmax(1),
    'cat': lambda x: _mt_or_torch(x).cat([x, x]), 'abs': lambda x: x.abs(),
    'log': lambda x: x.abs().log(), 'where': lambda x: _mt_or_torch(x).where(x > 0, x, 0.0),
    'max': lambda x: x.max(), 'var': lambda x: x.var(), 'add_': lambda x: (x * 1).add_(1),
    'float': lambda x: (x * 1).float(), 'maximum': lambda x: x.maximum(x * 2),
    't': lambda x: x.t(), 'sum-dim': lambda x: x.sum(0), 'mean-dim': lambda x: x.mean(1),
    'max-dim': lambda x: x.max(0)[0], 'min-dim': lambda x: x.min(1).values,
    'amax': lambda x: x.amax(0), 'amin': lambda x: x.amin(1), 'min': lambda x: x.min(),
    'matmul-vector': lambda x: x @ x[0], 'dot': lambda x: x[0] @ x[1],
    'vector-matrix': lambda x: x[0] @ x.T, 'stack': lambda x: _mt_or_torch(x).stack([x, x]),
    'pow-tensor': lambda x: x ** x, 'rpow': lambda x: 2 ** x, 'rsub': lambda x: 1 - x,
    'rdiv': lambda x: 1 / x, 'clamp': lambda x: x.clamp(0, 1),
    'clamp-min': lambda x: x.clamp(min=0), 'reciprocal': lambda x: x.reciprocal(),
    'logsumexp': lambda x: x.logsumexp(1), 'split': lambda x: x.split(1)[0],
    'chunk': lambda x: x.chunk(2, 1)[1], 'std': lambda x: x.std(0),
    'gather': lambda x: x.gather(1, _mt_or_torch(x).tensor([[0], [1]])),
}

_GRAD_FN_DATA = [[1.0, -2.0, 3.0], [0.5, 0.25, -4.0]]


@pytest.mark.parametrize('name', sorted(GRAD_FN_OPS))
def test_repr_with_grad_fn_matches_torch(name, torch):
    op = GRAD_FN_OPS[name]
    ours = op(mt.tensor(_GRAD_FN_DATA, requires_grad=True))
    theirs = op(torch.tensor(_GRAD_FN_DATA, requires_grad=True))
    assert repr(ours) == torch_repr(theirs)


# ---- creation -------------------------------------------------------------------------------

def test_tensor_dtype_inference():
    assert mt.tensor(1).dtype is mt.int64 and mt.tensor([1, 2]).dtype is mt.int64
    assert mt.tensor(1.0).dtype is mt.float32 and mt.tensor([[1.0]]).dtype is mt.float32
    assert mt.tensor(True).dtype is mt.bool and mt.tensor([True, False]).dtype is mt.bool
    assert mt.tensor([1, 2.5]).dtype is mt.float32
    assert mt.tensor([True, 2]).dtype is mt.int64
    for np_dtype, dtype in ((np.float64, mt.float64), (np.float32, mt.float32),
                            (np.int64, mt.int64), (np.int32, mt.int32), (np.bool_, mt.bool)):
        assert mt.tensor(np.zeros(2, np_dtype)).dtype is dtype
    assert mt.tensor(np.float64(1.5)).dtype is mt.float64
    assert mt.tensor([np.float64(1.5), 2.0]).dtype is mt.float64
    assert mt.tensor([1.0], dtype=mt.float64).dtype is mt.float64
    assert mt.tensor([1.7, -1.7], dtype=mt.int64).tolist() == [1, -1]


def test_tensor_inference_matches_torch(torch):
    values = [1, 1.0, True, [1, 2], [1.0, 2], [True, False], [True, 2], [[1], [2]], [],
              np.zeros(2), np.zeros(2, np.float32), np.zeros(2, np.int32), np.arange(3),
              np.array([True]), np.float64(1.0), np.float32(1.0), np.int64(3),
              [np.float64(1.0), 2.0], [np.float32(1.0)], [[1.5, 2.5], [3.5, 4.5]]]
    for value in values:
        ours, theirs = mt.tensor(value), torch.tensor(value)
        assert repr(ours.dtype) == torch_repr(theirs.dtype), value
        assert ours.shape == tuple(theirs.shape)
        assert ours.tolist() == theirs.tolist()


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = mt.tensor(a)
    a[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    u = mt.tensor(t)
    u[1] = 7.0
    assert t.tolist() == [1.0, 2.0]
    assert mt.tensor([mt.tensor(1.0), mt.tensor(2.0)]).tolist() == [1.0, 2.0]


def test_legacy_constructor():
    t = mt.Tensor([1.0])
    assert t.dtype is mt.float32 and t.tolist() == [1.0]
    t = mt.Tensor([1, 2])
    assert t.dtype is mt.float32 and t.tolist() == [1.0, 2.0] and repr(t) == 'tensor([1., 2.])'
    t = mt.Tensor(2, 3)
    assert t.shape == (2, 3) and t.dtype is mt.float32
    t = mt.Tensor()
    assert t.shape == (0,) and t.dtype is mt.float32 and t.numel() == 0
    assert mt.Tensor(mt.Size([2, 3])).shape == (2, 3)
    assert mt.Tensor(np.array([1, 2], np.int64)).dtype is mt.float32
    assert isinstance(mt.tensor(1.0), mt.Tensor) and mt.is_tensor(mt.Tensor(1))
    assert not mt.Tensor([1.0]).requires_grad


def test_legacy_constructor_matches_torch(torch):
    for args in (([1.0],), ([1, 2],), (2, 3), (), ((2, 3),), ([[1, 2], [3, 4]],)):
        ours, theirs = mt.Tensor(*args), torch.Tensor(*args)
        assert ours.shape == tuple(theirs.shape) and repr(ours.dtype) == torch_repr(theirs.dtype)
    assert mt.Tensor(mt.Size([2, 3])).shape == tuple(torch.Tensor(torch.Size([2, 3])).shape)


def test_as_tensor_and_from_numpy_share_memory():
    a = np.array([1.0, 2.0])
    t = mt.as_tensor(a)
    assert t.dtype is mt.float64
    a[0] = 5.0
    assert t[0].item() == 5.0
    t[1] = 6.0
    assert a[1] == 6.0
    assert mt.as_tensor(t) is t
    c = mt.as_tensor(a, dtype=mt.float32)      # a dtype change has to copy
    assert c.dtype is mt.float32 and not np.shares_memory(c._data, a)
    assert mt.as_tensor([1, 2]).dtype is mt.int64

    b = np.arange(4, dtype=np.int32)
    f = mt.from_numpy(b)
    assert f.dtype is mt.int32
    b[0] = 100
    f[3] = -1
    assert f.tolist() == [100, 1, 2, -1] and b.tolist() == [100, 1, 2, -1]
    with pytest.raises(TypeError, match='expected np.ndarray'):
        mt.from_numpy([1, 2])


def test_zeros_ones_full_empty(device):
    for shape_args, kwargs in (((2, 3), {}), (((2, 3),), {}), (([2, 3],), {}),
                               ((), {'size': (2, 3)}), ((mt.Size([2, 3]),), {})):
        for fn, value in ((mt.zeros, 0.0), (mt.ones, 1.0)):
            t = fn(*shape_args, device=device, **kwargs)
            assert t.shape == (2, 3) and t.dtype is mt.float32
            assert t.device.type == mt.device(device).type
            assert (host(t) == value).all()
        assert mt.empty(*shape_args, device=device, **kwargs).shape == (2, 3)
    assert mt.zeros(3, dtype=mt.int64, device=device).tolist() == [0, 0, 0]
    assert mt.ones(2, dtype=mt.bool, device=device).tolist() == [True, True]
    t = mt.ones(2, requires_grad=True, device=device)
    assert t.requires_grad and t.is_leaf
    assert mt.zeros(()).shape == () and mt.zeros(0).shape == (0,)
    assert mt.empty(2, dtype=mt.float64, device=device).dtype is mt.float64

    assert mt.full((2,), 3, device=device).dtype is mt.int64
    assert mt.full((2,), 3.0, device=device).dtype is mt.float32
    assert mt.full((2,), True, device=device).dtype is mt.bool
    assert mt.full([2, 2], 1.5, device=device).tolist() == [[1.5, 1.5], [1.5, 1.5]]
    assert mt.full((2,), 7, dtype=mt.float64, device=device).tolist() == [7.0, 7.0]


def test_like_functions(device):
    base = mt.zeros(2, 3, dtype=mt.float64, device=device)
    for fn in (mt.zeros_like, mt.ones_like, mt.empty_like, mt.rand_like, mt.randn_like):
        t = fn(base)
        assert t.shape == (2, 3) and t.dtype is mt.float64 and t.device == base.device
        assert fn(base, dtype=mt.float32).dtype is mt.float32
        assert fn(base, requires_grad=True).requires_grad
    assert (host(mt.ones_like(base)) == 1).all() and (host(mt.zeros_like(base)) == 0).all()
    f = mt.full_like(mt.zeros(2, dtype=mt.int64, device=device), 2.7)
    assert f.dtype is mt.int64 and f.tolist() == [2, 2]
    r = mt.randint_like(base, 5)
    assert r.dtype is mt.float64 and ((host(r) >= 0) & (host(r) < 5)).all()
    r = mt.randint_like(base, 3, 5)
    assert ((host(r) >= 3) & (host(r) < 5)).all()


# (how the input is made from arange(24).reshape(2, 3, 4) or a (3, 1, 4) ones, the strides
# PyTorch 2.13 gives clone and the *_like functions of it: preserve_format)
_LAYOUTS = [
    (lambda a, o: a.reshape(6, 4).t(), (1, 4)),
    (lambda a, o: a.permute(2, 0, 1), (1, 12, 4)),
    (lambda a, o: a.reshape(6, 4).t()[:, ::2], (1, 4)),          # not dense
    (lambda a, o: a[:, ::2].permute(1, 2, 0), (4, 1, 8)),
    (lambda a, o: o.expand(3, 5, 4).transpose(0, 2), (1, 4, 20)),  # broadcast
    (lambda a, o: o.expand(3, 5, 4), (20, 4, 1)),
    (lambda a, o: a, (12, 4, 1)),
]


@pytest.mark.parametrize('make, strides', _LAYOUTS)
@pytest.mark.parametrize('name', ['clone', 'zeros_like', 'ones_like', 'empty_like',
                                  'full_like', 'rand_like', 'randn_like'])
def test_clone_and_like_functions_keep_the_layout(make, strides, name, device):
    a = mt.arange(24.0, device=device).reshape(2, 3, 4)
    x = make(a, mt.ones(3, 1, 4, device=device))
    out = x.clone() if name == 'clone' else \
        mt.full_like(x, 2.5) if name == 'full_like' else getattr(mt, name)(x)
    assert out.shape == x.shape and out.stride() == strides
    if name == 'clone':
        assert out.tolist() == x.tolist()
        assert out.contiguous().is_contiguous() and x.contiguous().tolist() == x.tolist()
    elif name in ('zeros_like', 'ones_like', 'full_like'):
        assert (host(out) == {'zeros_like': 0, 'ones_like': 1, 'full_like': 2.5}[name]).all()


def test_arange_linspace_eye(device):
    a = mt.arange(5, device=device)
    assert a.dtype is mt.int64 and a.tolist() == [0, 1, 2, 3, 4]
    assert mt.arange(2, 8, 3).tolist() == [2, 5]
    assert mt.arange(5, 0, -2).tolist() == [5, 3, 1]
    f = mt.arange(0, 1, 0.25, device=device)
    assert f.dtype is mt.float32 and f.tolist() == [0.0, 0.25, 0.5, 0.75]
    assert mt.arange(3.0).dtype is mt.float32
    assert mt.arange(3, dtype=mt.float64).dtype is mt.float64
    l = mt.linspace(0, 1, 5, device=device)
    assert l.dtype is mt.float32 and l.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert mt.linspace(0, 1, 1).tolist() == [0.0]
    e = mt.eye(2, 3, device=device)
    assert e.dtype is mt.float32 and e.tolist() == [[1, 0, 0], [0, 1, 0]]
    assert mt.eye(3, dtype=mt.int64).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_arange_linspace_eye_match_torch(torch):
    for args in ((5,), (2, 8, 3), (5, 0, -2), (0, 1, 0.1), (3.0,), (-1, 1, 0.3), (1, 2.5),
                 (0, 10, 3), (0.5, 3)):
        ours, theirs = mt.arange(*args), torch.arange(*args)
        assert repr(ours.dtype) == torch_repr(theirs.dtype), args
        np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-6, atol=1e-7)
    for args in ((0, 1, 5), (-3, 7, 11), (1, 0, 4), (0, 1, 0), (2, 2, 3)):
        ours, theirs = mt.linspace(*args), torch.linspace(*args)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-6, atol=1e-7)
    for args in ((3,), (2, 4), (4, 2), (0,)):
        assert host(mt.eye(*args)).tolist() == torch.eye(*args).tolist()


# arange's dtype comes from its bounds (int64 when all are integers, NumPy's and 0-d tensors
# included); with an integer dtype it steps from the bounds cut towards 0.
ARANGE_CASES = {
    'tensor': (lambda lib: (lib.tensor(3),), None),
    'numpy-int': (lambda lib: (np.int64(3),), None),
    'mixed-ints': (lambda lib: (np.int32(1), 7, lib.tensor(2)), None),
    'bool-tensor': (lambda lib: (lib.tensor(True),), None),
    'float-tensor': (lambda lib: (lib.tensor(3.0),), None),
    'double-tensor': (lambda lib: (lib.tensor(3.0, dtype=lib.float64),), None),
    'float-tensor-end': (lambda lib: (1, lib.tensor(3.0)), None),
    'numpy-float': (lambda lib: (np.float64(2.5),), None),
    'numpy-float-step': (lambda lib: (0, 3, np.float32(0.5)), None),
    'numpy-bool': (lambda lib: (np.bool_(True),), None),
    'beyond-2**53': (lambda lib: (2 ** 53, 2 ** 53 + 3), None),
    'int64-float-end': (lambda lib: (1, 2.5), 'int64'),
    'int64-float-start': (lambda lib: (0.5, 3.2), 'int64'),
    'int64-float-step': (lambda lib: (-2.5, 3.7, 1.5), 'int64'),
    'int64-down': (lambda lib: (0, -3, -1.5), 'int64'),
    'int32-float-step': (lambda lib: (0, 5, 1.5), 'int32'),
    'int32-down': (lambda lib: (0, -3, -1.5), 'int32'),
    'int32-step-below-1': (lambda lib: (0, 3, 0.5), 'int32'),
    'float64': (lambda lib: (1, 2.5), 'float64'),
}


@pytest.mark.parametrize('name', list(ARANGE_CASES))
def test_arange_dtype_and_length_match_torch(name, torch):
    make, dtype = ARANGE_CASES[name]
    ours = mt.arange(*make(mt), dtype=dtype and getattr(mt, dtype))
    theirs = torch.arange(*make(torch), dtype=dtype and getattr(torch, dtype))
    assert repr(ours.dtype) == torch_repr(theirs.dtype)
    assert ours.tolist() == theirs.tolist()


# cat leaves out 1-D empty tensors (of any dtype, which still takes part in the promotion).
CAT_CASES = {
    'empty-first': lambda lib: [lib.tensor([]), lib.ones(2, 3)],
    'empty-last-dim-1': lambda lib: ([lib.ones(2, 3), lib.zeros(0, dtype=lib.int64)], 1),
    'empty-double': lambda lib: [lib.zeros(2, 1), lib.zeros(0, dtype=lib.float64)],
    'empty-float-ints': lambda lib: [lib.tensor([]), lib.ones(2, dtype=lib.int32)],
    'empty-bool-ints': lambda lib: [lib.tensor([], dtype=lib.bool), lib.ones(2, dtype=lib.int32)],
    'all-empty-dim-5': lambda lib: ([lib.tensor([]), lib.tensor([])], 5),
    'dim-from-the-kept': lambda lib: ([lib.tensor([]), lib.ones(2, 3)], -2),
    'dim-out-of-range': lambda lib: ([lib.tensor([]), lib.ones(2, 3)], 2),
    'numbered-in-the-list': lambda lib: [lib.tensor([]), lib.ones(2, 3), lib.ones(2, 4)],
    'kept-dims-differ': lambda lib: [lib.tensor([]), lib.ones(2, 3), lib.ones(3)],
    'empty-2d-is-kept': lambda lib: [lib.ones(2, 0), lib.ones(2, 3)],
    '0-dim-after-empty': lambda lib: [lib.tensor([]), lib.tensor(1.0)],
}


@pytest.mark.parametrize('name', list(CAT_CASES))
def test_cat_matches_torch(name, torch):
    def outcome(lib):
        args = CAT_CASES[name](lib)
        tensors, dim = args if isinstance(args, tuple) else (args, 0)
        try:
            out = lib.cat(tensors, dim)
        except Exception as error:
            return type(error).__name__, str(error)
        return str(out.dtype).split('.')[-1], out.tolist()
    assert outcome(mt) == outcome(torch)


# Results PyTorch gives where microtorch once raised or gave another dtype: alpha takes no part
# in promotion, a bool to a bool power stays bool, gather takes int32 indices, isclose.
RESULT_CASES = {
    # rounded division and remainders: Python's signs, PyTorch's dtypes, -0.0 kept
    'floordiv-float': lambda lib: lib.tensor([5.0, -5.0, 5.5, -0.0, 1.0]) //
    lib.tensor([2.0, 2.0, -2.0, 2.0, 0.0]),
    'floordiv-int': lambda lib: lib.tensor([7, -7, 7, -7, 0]) // lib.tensor([2, 2, -2, -3, 3]),
    'floordiv-int32-number': lambda lib: lib.tensor([7, -7], dtype=lib.int32) // 2,
    'floordiv-int-float': lambda lib: lib.tensor([7, -7]) // 2.5,
    'rfloordiv': lambda lib: 7 // lib.tensor([2, -2]),
    'floordiv-bool-number': lambda lib: lib.tensor([True, False]) // 2,
    'remainder-float': lambda lib: lib.tensor([5.0, -5.0, 5.5, -0.0]) %
    lib.tensor([2.0, 2.0, -2.0, 2.0]),
    'remainder-int': lambda lib: lib.tensor([7, -7, 7, -7]) % lib.tensor([2, 2, -2, -3]),
    'rremainder-float': lambda lib: 7.5 % lib.tensor([2, -2]),
    'fmod-int': lambda lib: lib.tensor([7, -7, 7, -7]).fmod(lib.tensor([2, 2, -2, -3])),
    'div-trunc-int': lambda lib: lib.div(lib.tensor([7, -7, 6]), lib.tensor([2, 2, -3]),
                                         rounding_mode='trunc'),
    'div-floor-int-float': lambda lib: lib.tensor([7, -7]).div(2.0, rounding_mode='floor'),
    'floordiv-requires-grad': lambda lib: (lib.ones(2, requires_grad=True) // 2).requires_grad,
    'imod-int': lambda lib: lib.tensor([7, -7]).__imod__(3),
    'round-half-even': lambda lib: lib.tensor([0.5, 1.5, 2.5, -0.5, -2.5]).round(),
    'round-decimals': lambda lib: lib.tensor([1.25, 2.5, -3.75]).round(decimals=1),
    'sign-int': lambda lib: lib.tensor([-3, 0, 5]).sign(),
    'sign-nan': lambda lib: lib.tensor([float('nan'), -0.0, 2.0]).sign(),
    'floor-int32': lambda lib: lib.tensor([3, -2], dtype=lib.int32).floor(),
    'square-bool': lambda lib: lib.tensor([True, False]).square(),
    'square-int32': lambda lib: lib.tensor([3, -2], dtype=lib.int32).square(),
    'log1p-int': lambda lib: lib.tensor([0, 1]).log1p().round(decimals=4),
    # factories of a tensor's kind, and its legacy type name
    'new_zeros': lambda lib: lib.tensor([1, 2]).new_zeros(2, 3),
    'new_full': lambda lib: lib.ones(2, dtype=lib.float64).new_full((2,), 3),
    'new_tensor': lambda lib: lib.tensor([1, 2]).new_tensor([1.5, -2.5]),
    'new_ones-dtype': lambda lib: lib.ones(2).new_ones((1, 2), dtype=lib.int32),
    'new_empty-shape': lambda lib: lib.ones(2).new_empty(0, 3),
    'new_zeros-requires-grad': lambda lib: lib.ones(2).new_zeros(2, requires_grad=True),
    'type-name': lambda lib: lib.tensor([1, 2]).type() == 'torch.LongTensor',
    'type-cast': lambda lib: lib.tensor([1.5]).type('torch.IntTensor'),
    'type-default': lambda lib: lib.tensor([1]).type('torch.Tensor'),
    'type-dtype': lambda lib: lib.tensor([1]).type(lib.float64),
    'add-bool-alpha-int': lambda lib: lib.add(lib.tensor([True, False]),
                                              lib.tensor([True, False]), alpha=2),
    'add-bool-int-alpha': lambda lib: lib.add(lib.tensor([True, False]), lib.tensor([1, 1]),
                                              alpha=2),
    'add-int-number-alpha-float': lambda lib: lib.add(lib.tensor([1]), 2.0, alpha=0.5),
    'add-float-int-alpha-float': lambda lib: lib.add(lib.tensor([1.0]), lib.tensor([1]),
                                                     alpha=0.5),
    'add-bool-alpha-bool': lambda lib: lib.add(lib.tensor([True, False]),
                                               lib.tensor([False, False]), alpha=True),
    'sub-float-alpha-float-1': lambda lib: lib.tensor([3.0]).sub(lib.tensor([1.0]), alpha=1.0),
    'add_-alpha': lambda lib: lib.tensor([1, 2]).add_(lib.tensor([1, 1]), alpha=3),
    'bool-pow-true': lambda lib: lib.tensor([True, False]) ** True,
    'bool-pow-false': lambda lib: lib.tensor([True, False]) ** False,
    'bool-pow-1': lambda lib: lib.tensor([True, False]) ** 1,
    'bool-pow-2.0': lambda lib: lib.tensor([True, False]) ** 2.0,
    'gather-int32': lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(
        1, lib.tensor([[1, 0], [1, 1]], dtype=lib.int32)),
    'isclose': lambda lib: lib.isclose(lib.tensor([1.0, 1.0 + 1e-6, math.nan, 2.0]),
                                       lib.tensor([1.0, 1.0, math.nan, 2.1])),
    'isclose-nan-broadcast': lambda lib: lib.isclose(
        lib.tensor([[1.0, math.nan]]), lib.tensor([math.nan]), equal_nan=True),
    'isclose-tolerances': lambda lib: lib.tensor([1.0, 1.1]).isclose(
        lib.tensor([1.05, 1.05]), rtol=0.0, atol=0.06),
    'allclose-broadcast': lambda lib: lib.allclose(lib.ones(2, 3), lib.ones(3)),
    'ones-0-dim-size': lambda lib: lib.ones(lib.tensor(3)),
    'zeros-numpy-sizes': lambda lib: lib.zeros(np.int64(2), np.int32(1)),
    'full-0-dim-value': lambda lib: lib.full((2,), lib.tensor(1.5)),
    'linspace-0-dim-steps': lambda lib: lib.linspace(0, 1, lib.tensor(3)),
    'tensor-int32-limits': lambda lib: lib.tensor([-2 ** 31, 2 ** 31 - 1], dtype=lib.int32),
    'tensor-int64-limit': lambda lib: lib.tensor([2 ** 63 - 1, -2 ** 63]),
    'tensor-big-float': lambda lib: lib.tensor([1.5, 2 ** 63]),
    # NumPy's names, which PyTorch takes as dim and keepdim; PyTorch's keyword names.
    'sum-axis-keepdims': lambda lib: lib.arange(6.0).reshape(2, 3).sum(axis=0, keepdims=True),
    'mean-axis': lambda lib: lib.arange(6.0).reshape(2, 3).mean(axis=1),
    'max-axis': lambda lib: lib.arange(6.0).reshape(2, 3).max(axis=1)[0],
    'argmin-axis': lambda lib: lib.arange(6.0).reshape(2, 3).argmin(axis=1, keepdims=True),
    'std-axis': lambda lib: lib.arange(6.0).reshape(2, 3).std(axis=1, keepdims=True),
    'var-axis-correction': lambda lib: lib.var(lib.arange(6.0), axis=0, correction=0),
    'amax-axis': lambda lib: lib.arange(6.0).reshape(2, 3).amax(axis=(0, 1)),
    'all-axis': lambda lib: (lib.arange(6.0).reshape(2, 3) > 0).all(axis=1),
    'logsumexp-axis': lambda lib: lib.arange(6.0).reshape(2, 3).logsumexp(axis=0),
    'cat-axis': lambda lib: lib.cat([lib.ones(2, 1), lib.zeros(2, 1)], axis=1),
    'stack-axis': lambda lib: lib.stack([lib.ones(2), lib.zeros(2)], axis=1),
    'reshape-shape-kw': lambda lib: lib.arange(6.0).reshape(shape=(3, 2)),
    'view-size-kw': lambda lib: lib.arange(6.0).view(size=(3, 2)),
    'permute-dims-kw': lambda lib: lib.arange(6.0).reshape(2, 3).permute(dims=(1, 0)),
    'expand-size-kw': lambda lib: lib.ones(1, 2).expand(size=(3, 2)),
    'nbytes-itemsize': lambda lib: lib.tensor([(lambda t: t.nbytes + 100 * t.itemsize)(
        lib.ones(3, dtype=lib.float64))]),
}


SIZES_NOT_INTS = {
    'float': lambda lib: lib.zeros(2.5), 'second-float': lambda lib: lib.zeros(2, 2.5),
    'first-float': lambda lib: lib.ones(2.5, 2), 'tuple': lambda lib: lib.zeros((2, 1.5)),
    'list-of-float': lambda lib: lib.empty([1.0]), 'none': lambda lib: lib.zeros(None),
    'string': lambda lib: lib.rand('a'), 'bool': lambda lib: lib.zeros(True),
    'bools': lambda lib: lib.randn([True]), 'tensor': lambda lib: lib.zeros(lib.tensor(2.5)),
    'keyword': lambda lib: lib.zeros(size=2.5), 'keyword-list': lambda lib: lib.zeros(size=[2.5]),
    'keyword-tuple': lambda lib: lib.ones(size=(2, 2.5)),
    'full-int': lambda lib: lib.full(2, 1.0), 'full-float': lambda lib: lib.full((2.5,), 1.0),
}


@pytest.mark.parametrize('name', list(SIZES_NOT_INTS))
def test_sizes_must_be_integers(name, torch):
    with pytest.raises(TypeError) as ours:
        SIZES_NOT_INTS[name](mt)
    with pytest.raises(TypeError) as theirs:
        SIZES_NOT_INTS[name](torch)
    assert str(ours.value) == str(theirs.value)


def test_integer_sizes_of_every_kind():
    for make in (lambda: mt.zeros(2, np.int32(3)), lambda: mt.ones((np.int64(2), 3)),
                 lambda: mt.empty(mt.Size([2, 3])), lambda: mt.rand(size=(2, 3)),
                 lambda: mt.zeros(2, mt.tensor(3)), lambda: mt.full([2, 3], 1.0)):
        assert make().shape == (2, 3)


@pytest.mark.parametrize('name', list(RESULT_CASES))
def test_results_match_torch(name, torch):
    ours, theirs = RESULT_CASES[name](mt), RESULT_CASES[name](torch)
    if isinstance(theirs, bool):
        assert ours is theirs
        return
    assert repr(ours.dtype) == torch_repr(theirs.dtype)
    assert ours.tolist() == theirs.tolist()


def test_gather_int32_index_gradient(device):
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, device=device)
    index = mt.tensor([[1, 1], [0, 1]], dtype=mt.int32, device=device)
    x.gather(1, index).sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0], [1.0, 1.0]]


def test_cat_gives_a_left_out_empty_tensor_an_empty_grad():
    e = mt.zeros(0, dtype=mt.float64, requires_grad=True)
    a = mt.ones(2, 3, requires_grad=True)
    out = mt.cat([a, e], 1)
    assert out.dtype is mt.float64 and out.shape == (2, 3)
    out.sum().backward()
    assert e.grad.shape == (0,) and e.grad.dtype is mt.float64
    assert a.grad.dtype is mt.float32 and a.grad.tolist() == [[1.0] * 3] * 2


def test_random_functions(device):
    mt.manual_seed(123)
    r = mt.rand(1000, device=device)
    assert r.dtype is mt.float32 and ((host(r) >= 0) & (host(r) < 1)).all()
    assert 0.4 < host(r).mean() < 0.6
    n = mt.randn(2000, dtype=mt.float64, device=device)
    assert n.dtype is mt.float64 and abs(host(n).mean()) < 0.1 and 0.9 < host(n).std() < 1.1
    i = mt.randint(3, 7, (500,), device=device)
    assert i.dtype is mt.int64 and set(host(i).tolist()) == {3, 4, 5, 6}
    assert mt.randint(10, (2, 3)).shape == (2, 3)
    assert mt.randint(3, 10, size=(4,)).shape == (4,)
    assert mt.randint(0, 10, (3,), dtype=mt.float32).dtype is mt.float32
    assert mt.rand(2, 3).shape == (2, 3) and mt.rand((2, 3)).shape == (2, 3)
    assert mt.randn(size=(2, 3)).shape == (2, 3) and mt.randn([4]).shape == (4,)
    assert mt.rand(2, requires_grad=True).requires_grad
    assert sorted(mt.randperm(6).tolist()) == list(range(6))


RANDOM_CALLS = {
    'rand': lambda d: mt.rand(3, 4, device=d),
    'randn': lambda d: mt.randn(3, 4, device=d),
    'randint': lambda d: mt.randint(0, 1000, (12,), device=d),
    'randperm': lambda d: mt.randperm(20, device=d),
    'rand_like': lambda d: mt.rand_like(mt.zeros(5, device=d)),
    'randn_like': lambda d: mt.randn_like(mt.zeros(5, device=d)),
    'randint_like': lambda d: mt.randint_like(mt.zeros(12, device=d), 1000),
}


@pytest.mark.parametrize('name', sorted(RANDOM_CALLS))
def test_manual_seed_reproducible(name, device):
    call = RANDOM_CALLS[name]
    mt.manual_seed(0)
    first = host(call(device))
    second = host(call(device))
    mt.manual_seed(0)
    again = host(call(device))
    mt.manual_seed(1)
    other = host(call(device))
    assert (first == again).all()
    assert not (first == second).all()     # the stream moves on
    assert not (first == other).all()


# ---- dtypes and promotion -------------------------------------------------------------------

def test_dtype_names_and_aliases():
    assert mt.get_default_dtype() is mt.float32
    assert mt.float is mt.float32 and mt.double is mt.float64
    assert mt.long is mt.int64 and mt.int is mt.int32
    assert repr(mt.float32) == 'microtorch.float32' and repr(mt.bool) == 'microtorch.bool'
    assert mt.float64.is_floating_point and not mt.int64.is_floating_point
    assert mt.zeros(1, dtype=mt.double).dtype is mt.float64
    assert mt.zeros(1, dtype=mt.long).dtype is mt.int64
    assert mt.zeros(1, dtype=float).dtype is mt.float64    # Python float means double
    assert mt.zeros(1, dtype=int).dtype is mt.int64 and mt.zeros(1, dtype=bool).dtype is mt.bool
    assert mt.zeros(1).element_size() == 4 and mt.zeros(1, dtype=mt.float64).element_size() == 8


def test_python_types_as_dtypes_match_torch(torch):
    for kind in (float, int, bool):
        assert repr(mt.zeros(1, dtype=kind).dtype) == torch_repr(torch.zeros(1, dtype=kind).dtype)
        assert repr(mt.tensor([1]).to(kind).dtype) == torch_repr(torch.tensor([1]).to(kind).dtype)


def test_promotion_rules():
    i64 = mt.tensor([1, 2])
    assert (i64 * 2.5).dtype is mt.float32 and (2.5 * i64).dtype is mt.float32
    assert (mt.tensor([1.0]) + mt.tensor([1.0], dtype=mt.float64)).dtype is mt.float64
    assert (i64 + 1).dtype is mt.int64 and (i64 * 3).tolist() == [3, 6]
    i32 = mt.tensor([1, 2], dtype=mt.int32)
    assert (i32 + mt.tensor(5)).dtype is mt.int32          # a 0-dim tensor does not widen
    assert (i32 + 5).dtype is mt.int32
    assert (i32 + mt.tensor([5])).dtype is mt.int64
    assert (i64 + mt.tensor(1.0, dtype=mt.float64)).dtype is mt.float64  # but lifts category
    assert (mt.tensor([1.0]) + mt.tensor(1.0, dtype=mt.float64)).dtype is mt.float32
    b = mt.tensor([True, False])
    assert (b + b).dtype is mt.bool and (b + b).tolist() == [True, False]
    assert (b * b).dtype is mt.bool and (b + 1).dtype is mt.int64
    assert (b + 1.5).dtype is mt.float32
    q = mt.tensor([1, 3]) / mt.tensor([2, 2])
    assert q.dtype is mt.float32 and q.tolist() == [0.5, 1.5]     # true division
    assert (mt.tensor([1]) / 2).tolist() == [0.5] and (3 / mt.tensor([2])).tolist() == [1.5]
    assert (i32 / 2).dtype is mt.float32
    assert (mt.tensor([1.0], dtype=mt.float64) / 2).dtype is mt.float64
    assert (mt.tensor([2]) ** 2).dtype is mt.int64 and (mt.tensor([2]) ** 2.0).dtype is mt.float32


@pytest.mark.parametrize('base, exponent, dtype', [
    (2, [-1, 2], 'int64'),
    ([2, 3], [-1, 2], 'int64'),
    ([1, -1, 0, 2, -2, 3], [-1], 'int64'),
    ([1, -1, 0, 2, -2], [-2], 'int64'),
    ([[1], [-1], [0], [-2]], [-3, -4, 5], 'int32'),
    (-1, [-1, -2, -3], 'int64'),
    (0, [-1, 0], 'int64'),
    ([2, 3], -1, 'int64'),                      # a 0-dim tensor exponent
])
def test_integer_powers_with_negative_tensor_exponents_match_torch(device, torch, base,
                                                                  exponent, dtype):
    """1 / a ** |b| truncated toward zero: 1 for a = 1, +-1 for a = -1, 0 otherwise."""
    def power(lib, device=None):
        a = base if isinstance(base, int) else lib.tensor(base, dtype=getattr(lib, dtype),
                                                          device=device)
        return a ** lib.tensor(exponent, dtype=getattr(lib, dtype), device=device)
    ours, theirs = power(mt, device), power(torch)
    assert repr(ours.dtype) == torch_repr(theirs.dtype)
    assert host(ours).tolist() == theirs.tolist()


def test_integer_tensor_to_a_negative_number_raises_as_torch(torch):
    for lib in (mt, torch):
        with pytest.raises(RuntimeError, match='^Integers to negative integer powers are not '
                                               'allowed.$'):
            lib.tensor([2, 3]) ** -1


_DTYPE_NAMES = ['bool', 'int32', 'int64', 'float32', 'float64']


def _operand(lib, spec):
    kind, value = spec
    if kind == 'scalar':
        return value
    dtype = getattr(lib, kind)
    return lib.ones((), dtype=dtype) if value == 0 else lib.ones(2, dtype=dtype)


def test_promotion_grid_matches_torch(torch):
    """result_type over every pair of dtypes, dim-ness (dimensioned or 0-dim) and Python
    scalars, for + - * /."""
    specs = [(name, nd) for name in _DTYPE_NAMES for nd in (0, 1)]
    specs += [('scalar', v) for v in (True, 2, 2.5)]
    ops = {'add': operator.add, 'sub': operator.sub, 'mul': operator.mul,
           'div': operator.truediv}
    for a in specs:
        for b in specs:
            if a[0] == 'scalar' and b[0] == 'scalar':
                continue
            for name, op in ops.items():
                if name == 'sub' and (a[0] == 'bool' or b[0] == 'bool' or True in (a[1], b[1])
                                      and 'scalar' in (a[0], b[0])):
                    continue     # bool subtraction raises (see test_bool_subtraction_errors)
                ours = op(_operand(mt, a), _operand(mt, b))
                theirs = op(_operand(torch, a), _operand(torch, b))
                assert repr(ours.dtype) == torch_repr(theirs.dtype), (name, a, b)
                assert ours.shape == tuple(theirs.shape)
                np.testing.assert_allclose(host(ours).astype(np.float64),
                                           theirs.numpy().astype(np.float64))


def test_bool_subtraction_errors(torch):
    for a, b in ((mt.tensor([True]), mt.tensor([True])), (mt.tensor([True]), 1),
                 (mt.tensor([1]), mt.tensor([False])), (mt.tensor([1.0]), True)):
        with pytest.raises(RuntimeError) as ours:
            a - b
        ta = torch.tensor(a.tolist())
        tb = torch.tensor(b.tolist()) if isinstance(b, mt.Tensor) else b
        with pytest.raises(RuntimeError) as theirs:
            ta - tb
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize('expr', ['np.float64(3.0) * x', 'np.int64(1) + x', 'np.float32(2) - x',
                                  'np.float64(2) / x', 'np.float64(2) ** x', 'np.float32(1) < x',
                                  'x * np.float64(3.0)'])
def test_numpy_operands_keep_the_graph_as_in_torch(expr, torch):
    # NumPy must not take the operator over (it would return an array, without grad_fn).
    results = []
    for lib in (mt, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = eval(expr)
        assert isinstance(y, lib.Tensor)
        results.append((str(y.dtype).split('.')[1], y.detach().numpy()))
        if y.requires_grad:
            y.sum().backward()
            results.append(x.grad.numpy())
    half = len(results) // 2
    for ours, theirs in zip(results[:half], results[half:]):
        if isinstance(ours, tuple):
            assert ours[0] == theirs[0]
            ours, theirs = ours[1], theirs[1]
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_numpy_array_operands_are_read_as_tensors():
    # PyTorch converts an array on the right and refuses one on the left; microtorch converts
    # both (a constant operand), rather than return NumPy's array without the graph.
    for left in (True, False):
        x = mt.tensor([1.0, 2.0], requires_grad=True)
        array = np.array([3.0, 4.0])
        y = array * x if left else x * array
        assert isinstance(y, mt.Tensor) and y.dtype is mt.float64 and y.grad_fn is not None
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])
        assert x.grad.dtype is mt.float32


def test_conversions(device):
    x = mt.tensor([1.7, -2.5], device=device)
    assert x.double().dtype is mt.float64 and x.float() is x
    assert x.long().dtype is mt.int64 and x.long().tolist() == [1, -2]
    assert x.int().dtype is mt.int32 and x.bool().tolist() == [True, True]
    assert x.to(mt.float64).dtype is mt.float64 and x.to(mt.float32) is x
    assert x.to(dtype=mt.int64).tolist() == [1, -2]
    assert x.to(device, mt.float64).dtype is mt.float64
    assert x.to(mt.zeros(1, dtype=mt.int32)).dtype is mt.int32
    assert x.type_as(mt.zeros(1, dtype=mt.float64)).dtype is mt.float64
    assert mt.tensor([1, 0]).float().tolist() == [1.0, 0.0]
    w = mt.tensor([1.0, 2.0], requires_grad=True, device=device)
    d = w.double()
    assert type(d.grad_fn).__name__ == 'ToCopyBackward0'
    (d * d).sum().backward()
    assert w.grad.dtype is mt.float32 and w.grad.tolist() == [2.0, 4.0]


# ---- in-place ops ---------------------------------------------------------------------------

INPLACE = [
    ('add_', lambda t: t.add_(2.0), lambda a: a + 2),
    ('add_ tensor', lambda t: t.add_(mt.ones(3, device=t.device)), lambda a: a + 1),
    ('add_ alpha', lambda t: t.add_(mt.ones(3, device=t.device), alpha=3), lambda a: a + 3),
    ('sub_', lambda t: t.sub_(0.5), lambda a: a - 0.5),
    ('mul_', lambda t: t.mul_(mt.tensor([1.0, 2.0, 3.0], device=t.device)),
     lambda a: a * [1, 2, 3]),
    ('div_', lambda t: t.div_(4), lambda a: a / 4),
    ('zero_', lambda t: t.zero_(), lambda a: a * 0),
    ('fill_', lambda t: t.fill_(7.5), lambda a: a * 0 + 7.5),
    ('fill_ tensor', lambda t: t.fill_(mt.tensor(2.0, device=t.device)), lambda a: a * 0 + 2),
    ('copy_', lambda t: t.copy_(mt.tensor([4.0, 5.0, 6.0], device=t.device)),
     lambda a: np.array([4.0, 5.0, 6.0])),
    ('copy_ broadcast', lambda t: t.copy_(mt.tensor([9.0], device=t.device)),
     lambda a: a * 0 + 9),
    ('copy_ int source', lambda t: t.copy_(mt.tensor([1, 2, 3], device=t.device)),
     lambda a: np.array([1.0, 2.0, 3.0])),
    ('clamp_', lambda t: t.clamp_(-1.0, 1.5), lambda a: np.clip(a, -1.0, 1.5)),
    ('clamp_ min', lambda t: t.clamp_(min=0.0), lambda a: np.maximum(a, 0.0)),
]


@pytest.mark.parametrize('name', [c[0] for c in INPLACE])
def test_inplace_ops(name, device):
    _, op, reference = next(c for c in INPLACE if c[0] == name)
    t = mt.tensor([-2.0, 0.5, 3.0], device=device)
    storage = t._data
    expected = reference(np.array([-2.0, 0.5, 3.0]))
    assert op(t) is t
    assert t._data is storage and t.dtype is mt.float32
    np.testing.assert_allclose(host(t), expected, rtol=1e-6)
    assert t._version >= 1


def test_inplace_bumps_version_once_per_op():
    t = mt.zeros(3)
    t.add_(1)
    t.mul_(2)
    t[0] = 5
    t.zero_()
    assert t._version == 4


def test_requires_grad_inplace():
    t = mt.zeros(2)
    assert t.requires_grad_() is t and t.requires_grad
    assert t.requires_grad_(False) is t and not t.requires_grad


def test_sgd_step_is_in_place(device):
    w = mt.tensor([1.0, 2.0], requires_grad=True, device=device)
    (w * w).sum().backward()
    ident, storage = id(w), w._data
    lr = 0.1
    with mt.no_grad():
        w -= lr * w.grad
    assert id(w) == ident and w._data is storage
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_allclose(host(w), [0.8, 1.6], rtol=1e-6)
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0]
    with mt.no_grad():
        w += 1
        w *= 2
        w /= 4
    assert id(w) == ident and w._data is storage
    np.testing.assert_allclose(host(w), [0.9, 1.3], rtol=1e-6)


def test_augmented_assignment_records_on_non_leaf():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    ident = id(y)
    y *= 3
    y += x
    assert id(y) == ident and type(y.grad_fn).__name__ == 'AddBackward0'
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_inplace_keeps_dtype():
    i = mt.tensor([1, 2])
    i += 3
    assert i.dtype is mt.int64 and i.tolist() == [4, 5]
    i.mul_(mt.tensor([2, 2], dtype=mt.int32))
    assert i.dtype is mt.int64 and i.tolist() == [8, 10]
    i32 = mt.tensor([1, 2], dtype=mt.int32)
    i32.add_(mt.tensor([1, 1]))
    assert i32.dtype is mt.int32 and i32.tolist() == [2, 3]
    f = mt.tensor([1.0, 2.0])
    f += mt.tensor([0.5, 0.5], dtype=mt.float64)
    assert f.dtype is mt.float32 and f.tolist() == [1.5, 2.5]
    f.add_(mt.tensor([1, 1]))
    assert f.dtype is mt.float32
    d = mt.tensor([1.0], dtype=mt.float64)
    d *= 2.5
    assert d.dtype is mt.float64
    b = mt.tensor([True, False])
    b.mul_(mt.tensor([True, True]))
    assert b.dtype is mt.bool


@pytest.mark.parametrize('make, op, kind', [
    (lambda: mt.tensor([1, 2]), lambda t: t.add_(1.5), 'Long'),
    (lambda: mt.tensor([1, 2]), lambda t: t.__iadd__(0.5), 'Long'),
    (lambda: mt.tensor([1, 2]), lambda t: t.mul_(mt.tensor([1.5, 2.0])), 'Long'),
    (lambda: mt.tensor([1, 2]), lambda t: t.div_(2), 'Long'),
    (lambda: mt.tensor([1, 2], dtype=mt.int32), lambda t: t.sub_(0.5), 'Int'),
])
def test_inplace_refuses_float_into_int(make, op, kind):
    t = make()
    before = t.tolist()
    with pytest.raises(RuntimeError, match=f"result type Float can't be cast to the desired "
                                           f'output type {kind}'):
        op(t)
    assert t.tolist() == before and t._version == 0


def test_setitem(device):
    ref = np.arange(12, dtype=np.float32).reshape(3, 4)
    cases = [
        (1, 0.0), (-1, 5.0), ((0, 2), -1.0), (slice(1, None), 7.0),
        ((slice(None), 1), 3.0), ((Ellipsis, -1), 9.0), (slice(None, None, 2), 4.0),
        ('mask', 0.0), ('index', 8.0), ('rows', 2.0), ((0, 'cols'), 6.0),
        (0, 'row'), ((slice(None), 0), 'column'), (0, 'scalar-tensor'),
    ]
    for index, value in cases:
        t = mt.tensor(ref, device=device)
        a = ref.copy()
        if index == 'mask':
            t_index, a_index = t > 5, a > 5
        elif index == 'index':
            t_index, a_index = mt.tensor([0, 2], device=device), np.array([0, 2])
        elif index == 'rows':
            t_index, a_index = [2, 0], [2, 0]
        elif index == (0, 'cols'):
            t_index, a_index = (0, mt.tensor([1, 3], device=device)), (0, np.array([1, 3]))
        else:
            t_index = a_index = index
        if value == 'row':
            t_value, a_value = mt.tensor([1.0, 2.0, 3.0, 4.0], device=device), [1, 2, 3, 4]
        elif value == 'column':
            t_value, a_value = mt.tensor([-1.0, -2.0, -3.0], device=device), [-1, -2, -3]
        elif value == 'scalar-tensor':
            t_value, a_value = mt.tensor(11.0, device=device), 11.0
        else:
            t_value = a_value = value
        storage = t._data
        t[t_index] = t_value
        a[a_index] = a_value
        assert t._data is storage and t._version == 1
        np.testing.assert_array_equal(host(t), a, err_msg=str(index))


def test_setitem_casts_value_to_tensor_dtype():
    t = mt.tensor([1, 2, 3])
    t[0] = 2.7                          # PyTorch truncates a float written into an int tensor
    t[1:] = mt.tensor([5.9, 6.1])
    assert t.dtype is mt.int64 and t.tolist() == [2, 5, 6]
    f = mt.zeros(2)
    f[0] = mt.tensor(3, dtype=mt.int64)
    f[mt.tensor([True, False])] = 1
    assert f.dtype is mt.float32 and f.tolist() == [1.0, 0.0]


def test_setitem_matches_torch(torch):
    for index in (0, -1, slice(1, 3), [0, 2], (1, 1), (slice(None), 0), (Ellipsis, 1)):
        for value in (2.5, 3):
            ours, theirs = mt.arange(12.0).reshape(3, 4), torch.arange(12.0).reshape(3, 4)
            ours[index] = value
            theirs[index] = value
            assert ours.tolist() == theirs.tolist(), index
        ours, theirs = mt.arange(6).reshape(2, 3), torch.arange(6).reshape(2, 3)
        ours[ours > 2] = 2.9
        theirs[theirs > 2] = 2.9
        assert ours.tolist() == theirs.tolist()


# Lists as PyTorch reads them: as a tuple of indices when they hold a sequence, slice, None,
# Ellipsis or tensor (and have fewer than 32 items: PyTorch's treatSequenceAsTuple), with a
# warning; else as one index, of int64 (floats truncated, [] empty) or, all bools, a mask.
LIST_INDICES = {
    'nested': lambda lib: [[0, 1], [2, 0]],
    'nested-too-many': lambda lib: [[0, 1], [2, 0], [1, 1]],
    'nested-one': lambda lib: [[3, 0]],
    'slice': lambda lib: [slice(1, 3), 0],
    'none': lambda lib: [None, 0],
    'ellipsis': lambda lib: [Ellipsis, 1],
    'tensor': lambda lib: [lib.tensor(1), 2],
    'array': lambda lib: [np.array([1, 0])],
    'numpy-ints': lambda lib: [np.int64(2), 0],
    'ints': lambda lib: [2, 0],
    'empty': lambda lib: [],
    'empty-nested': lambda lib: [[]],
    'empty-pair': lambda lib: ([], []),
    'floats': lambda lib: [0.0, 2.7],
    'bools': lambda lib: [True, False, True, True],
    '32-items': lambda lib: [[0, 1]] * 32,
    'range': lambda lib: range(1, 3),
}


def _index_outcome(lib, shape, index, write):
    """What `x[index]` (or `x[index] = 7`) does in lib: the result's values and, for a read,
    the gradient of its sum; or the error. Also whether it warned."""
    x = lib.arange(float(np.prod(shape))).reshape(shape).requires_grad_(not write)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            if write:
                x = x.detach()
                x[index] = 7.0
                out = ('ok', x.tolist())
            else:
                y = x[index]
                y.sum().backward()
                out = ('ok', list(y.shape), y.tolist(), x.grad.tolist())
        except Exception as error:
            out = ('error', type(error).__name__, str(error))
    return out, [str(w.message).split(' (Triggered internally')[0].replace('microtorch.',
                                                                          'torch.')
                 for w in caught]


@pytest.mark.parametrize('write', [False, True], ids=['read', 'write'])
@pytest.mark.parametrize('shape', [(4, 3), (4,)], ids=['2d', '1d'])
@pytest.mark.parametrize('name', list(LIST_INDICES))
def test_list_index_matches_torch(name, shape, write, torch):
    make = LIST_INDICES[name]
    ours = _index_outcome(mt, shape, make(mt), write)
    theirs = _index_outcome(torch, shape, make(torch), write)
    assert ours == theirs


def test_list_index_as_tuple():
    x = mt.arange(12).reshape(4, 3)
    with pytest.warns(UserWarning, match='non-tuple sequence for multidimensional indexing'):
        assert x[[[0, 1], [2, 0]]].tolist() == [2, 3]
    with pytest.warns(UserWarning) as caught:
        x[[[0, 1], [2, 0]]] = mt.tensor([-1, -2])
    assert caught[0].filename == __file__        # the warning names the user's line
    assert x[0, 2].item() == -1 and x[1, 0].item() == -2
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert x[[]].shape == (0, 3) and x[[1, 0]].shape == (2, 3)


def test_setitem_records_when_a_grad_is_needed():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = mt.tensor(10.0, requires_grad=True)
    y = x * 1
    y[0] = v * 2
    assert not y.is_leaf and y.grad_fn is not None
    (y * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 3.0]
    assert v.grad.item() == 2.0
    # Under no_grad the write is plain and records nothing.
    with mt.no_grad():
        x[1] = 0.0
    assert x.is_leaf and x.tolist() == [1.0, 0.0, 3.0]


def test_no_warning_reading_leaf_grad():
    w = mt.tensor([1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert w.grad is None
        y = w * 2
        y.retain_grad()
        y.sum().backward()
        assert y.grad.tolist() == [1.0]


@pytest.mark.parametrize('expr', ['a & 3', 'a | 1', 'a ^ 5', '~a', 'b & True', 'b | a', '3 & a',
                                  'a & b', '~b', 'b ^ b', 'True ^ b', 'b & 1', 'i32 & a',
                                  'i32 & 3', '~i32', 'a & lib.tensor(2)', 'lib.bitwise_and(a, 3)',
                                  'a.bitwise_xor(a)', 'lib.bitwise_not(b)',
                                  'lib.logical_and(a, f)', 'lib.logical_xor(b, a)'])
def test_bitwise_and_logical_ops_match_torch(expr, torch):
    # On integers the operators are bitwise (PyTorch's bitwise_*), on bools logical.
    results = []
    for lib in (mt, torch):
        a, b = lib.tensor([6, 3]), lib.tensor([True, False])
        i32, f = lib.tensor([1, 6], dtype=lib.int32), lib.tensor([1.5, 0.0])
        y = eval(expr)
        results.append((y.tolist(), str(y.dtype).split('.')[1]))
    assert results[0] == results[1]


@pytest.mark.parametrize('expr', [
    'lib.tensor(np.int32(3))', 'lib.tensor([np.int32(3), 2])', 'lib.tensor([np.int32(3), 2.5])',
    'lib.tensor([np.int32(3), np.int32(2)])', 'lib.tensor([np.float64(1.5), 2.0])',
    'lib.tensor([1, np.float32(2)])', 'lib.tensor([np.int64(1), True])',
    'lib.tensor([lib.tensor(1.0, dtype=lib.float64)])',
    'lib.tensor([lib.tensor(1.0, dtype=lib.float64), 2.0])',
    'lib.tensor([lib.tensor(1, dtype=lib.int32)])', 'lib.tensor([lib.tensor(1), 2.5])',
    'lib.tensor([lib.tensor(True)])', 'lib.tensor(((1, 2.5),))',
    'lib.tensor(np.float64(0.1), dtype=lib.float32)', 'lib.tensor([[]])'])
def test_tensor_dtype_from_its_elements_matches_torch(expr, torch):
    # Each element has a dtype (NumPy scalars and 0-d tensors their own) and the tensor takes
    # them promoted together, as PyTorch: a float64 0-d tensor keeps its precision.
    results = []
    for lib in (mt, torch):
        y = eval(expr)
        results.append((str(y.dtype).split('.')[1], y.tolist()))
    assert results[0] == results[1]


UNIQUE_CASES = {
    'values': lambda lib: lib.tensor([3, 1, 3, 2, 1]).unique(),
    'inverse': lambda lib: lib.unique(lib.tensor([3.0, 1.0, 3.0]), return_inverse=True),
    'inverse-counts-2d': lambda lib: lib.unique(lib.tensor([[3, 1], [3, 1], [0, 2]]),
                                                return_inverse=True, return_counts=True),
    'rows': lambda lib: lib.unique(lib.tensor([[3, 1], [3, 1], [0, 2]]), dim=0,
                                   return_inverse=True, return_counts=True),
    'bools': lambda lib: lib.unique(lib.tensor([True, False, True]), return_counts=True),
    'empty': lambda lib: lib.unique(lib.tensor([], dtype=lib.float32), return_inverse=True),
}


def _listed(result):
    results = result if isinstance(result, tuple) else (result,)
    return [(t.tolist(), str(t.dtype).split('.')[-1]) for t in results]


def test_unique_by_hand():
    values, inverse, counts = mt.unique(mt.tensor([[3, 1], [3, 0]]), return_inverse=True,
                                        return_counts=True)
    assert values.tolist() == [0, 1, 3] and inverse.tolist() == [[2, 1], [2, 0]]
    assert counts.tolist() == [1, 1, 2] and inverse.dtype is mt.int64
    assert not mt.tensor([1.0, 1.0], requires_grad=True).unique().requires_grad


@pytest.mark.parametrize('name', list(UNIQUE_CASES))
def test_unique_matches_torch(name, torch):
    assert _listed(UNIQUE_CASES[name](mt)) == _listed(UNIQUE_CASES[name](torch))


def test_repeat_by_ones_is_a_copy_not_a_view():
    """PyTorch's repeat always returns new memory: writing to it leaves the input as it was
    (a reshape alone would have been a read-only broadcast view, or an alias on the GPU)."""
    x = mt.zeros(2, 3)
    for sizes in ((1, 1), (1, 1, 1)):
        tiled = x.repeat(*sizes)
        tiled.add_(1)
        assert tiled.sum().item() == 6 and x.sum().item() == 0
    scalar = mt.tensor(1.0)
    scalar.repeat(()).add_(1)
    assert scalar.item() == 1.0


# ---- Size and type names as PyTorch shows them ------------------------------------------------

SIZE_EXPRESSIONS = ['s + (1,)', '(1,) + s', 's[1:]', 's[::-1]', 's * 2', '2 * s', 's + s',
                    's[0]', 's[-1]']


@pytest.mark.parametrize('expression', SIZE_EXPRESSIONS)
def test_size_slicing_and_concatenation_match_torch(expression, torch):
    ours = eval(expression, {'s': mt.Size([2, 3])})
    theirs = eval(expression, {'s': torch.Size([2, 3])})
    assert type(ours).__name__ == type(theirs).__name__
    assert repr(ours) == torch_repr(theirs)


def test_size_concatenation_with_a_list_is_refused(torch):
    with pytest.raises(TypeError) as theirs:
        torch.Size([2]) + [1]
    with pytest.raises(TypeError) as ours:
        mt.Size([2]) + [1]
    assert str(ours.value) == str(theirs.value)


def test_public_type_names_match_torch(torch):
    def shown(lib):
        return [str(type(value)).replace('microtorch', 'torch') for value in (
            lib.zeros(2), lib.zeros(2).shape, lib.float32, lib.zeros(2).device,
            lib.finfo(lib.float32), lib.iinfo(lib.int64))]
    assert shown(mt) == shown(torch)


# ---- ints mixed with index tensors: PyTorch selects the ints first, then places the dims of
# the index tensors (NumPy counts the ints as index arrays, which can move those dims first)

MIXED_INDICES = {
    'int-slice-tensor': lambda lib: (0, slice(None), lib.tensor([1, 2])),
    'slice-tensor-slice-int': lambda lib: (slice(None), lib.tensor([0, 2]), slice(None), 1),
    'int-tensor-int-tensor': lambda lib: (0, lib.tensor([[0], [1]]), 2, lib.tensor([1, 2, 3])),
    'none-int-slice-tensor': lambda lib: (None, 0, slice(None), lib.tensor([1])),
    'ellipsis-int-tensor': lambda lib: (Ellipsis, 0, lib.tensor([1, 2])),
    'int-ellipsis-tensor': lambda lib: (0, Ellipsis, lib.tensor([1, 2])),
    'int-none-tensor': lambda lib: (0, None, lib.tensor([1, 2])),
    'int-mask-tensor': lambda lib: (1, lib.tensor([True, False, True]), slice(None),
                                    lib.tensor([0, 4])),
    'int-slice-mask': lambda lib: (1, slice(None), lib.tensor([True, False, True, False])),
    'tensor-int-tensor': lambda lib: (lib.tensor([0, 1]), 1, lib.tensor([2, 3])),
    'zero-dim-tensor': lambda lib: lib.tensor(1),
    'zero-dim-tensors': lambda lib: (lib.tensor(1), slice(None), lib.tensor(2)),
    'true': lambda lib: True,
    'false': lambda lib: False,
}


def _mixed_index_outcome(lib, index, write):
    x = lib.arange(120.0, dtype=lib.float64).reshape(2, 3, 4, 5).requires_grad_()
    if write:
        y = x * 1
        selected = y[index].shape
        y[index] = lib.arange(float(np.prod(selected)), dtype=lib.float64).reshape(selected)
        y.backward(lib.ones_like(y))
        return y.tolist(), x.grad.tolist()
    y = x[index]
    weights = lib.arange(float(y.numel()), dtype=lib.float64).reshape(y.shape)
    (y * weights).sum().backward()
    return list(y.shape), y.tolist(), type(y.grad_fn).__name__, x.grad.tolist()


@pytest.mark.parametrize('write', [False, True], ids=['read', 'write'])
@pytest.mark.parametrize('name', list(MIXED_INDICES))
def test_ints_mixed_with_index_tensors_match_torch(name, write, torch):
    make = MIXED_INDICES[name]
    assert _mixed_index_outcome(mt, make(mt), write) == \
        _mixed_index_outcome(torch, make(torch), write)


def test_int_apart_from_an_index_tensor_keeps_the_tensor_dims_in_place():
    x = mt.arange(60.0).reshape(3, 4, 5)
    assert x[0, :, mt.tensor([1, 2])].shape == (4, 2)         # NumPy's rule gives (2, 4)
    assert x[0, :, mt.tensor([1, 2])].tolist() == [[1.0, 2.0], [6.0, 7.0], [11.0, 12.0],
                                                   [16.0, 17.0]]
    x[0, :, mt.tensor([1, 2])] = mt.tensor([-1.0, -2.0])      # broadcast over the (4, 2)
    assert x[0, :, 1:3].tolist() == [[-1.0, -2.0]] * 4


# ---- what x[index] = value accepts: tensors (leading 1-sized dims dropped, as PyTorch) and
# Python numbers; PyTorch refuses lists, arrays and NumPy floats and bools

ASSIGNED_VALUES = {
    'one-element-into-scalar': (lambda lib: lib.tensor([5.0]), 1),
    'leading-ones': (lambda lib: lib.ones(1, 1, 4), 0),
    'leading-ones-advanced': (lambda lib: lib.ones(1, 1, 4) * 2, [0]),
    'leading-ones-scalar-pair': (lambda lib: lib.ones(1, 1) * 3, ([0], [1])),
    'two-into-scalar': (lambda lib: lib.ones(1, 2), (0, 0)),
    'column-into-row': (lambda lib: lib.ones(3, 1), (slice(None), 0)),
    'float64-tensor': (lambda lib: lib.tensor([1.5, 2.5, 3.5, 4.5], dtype=lib.float64), 2),
    'python-float': (lambda lib: 2.5, 0),
    'python-bool': (lambda lib: True, 0),
    'numpy-int64': (lambda lib: np.int64(7), 0),
    'numpy-float64': (lambda lib: np.float64(0.5), 0),
    'numpy-float32': (lambda lib: np.float32(0.5), 0),
    'numpy-bool': (lambda lib: np.bool_(True), 0),
    'numpy-array': (lambda lib: np.array([3.0, 4.0, 5.0, 6.0]), 0),
    'list': (lambda lib: [1.0, 2.0], slice(0, 2)),
    'tuple': (lambda lib: (1.0,), 0),
    'none': (lambda lib: None, 1),
    'string': (lambda lib: 'a', 1),
}


@pytest.mark.parametrize('name', list(ASSIGNED_VALUES))
def test_assigned_value_matches_torch(name, torch):
    make, index = ASSIGNED_VALUES[name]

    def outcome(lib):
        x = lib.zeros(3, 4)
        try:
            x[index] = make(lib)
        except Exception as error:
            return type(error).__name__, str(error).replace('microtorch.', 'torch.')
        return x.tolist()
    assert outcome(mt) == outcome(torch)


def test_assigned_value_with_leading_ones_takes_its_gradient():
    v = mt.tensor([[2.0]], dtype=mt.float64, requires_grad=True)
    x = mt.zeros(3, dtype=mt.float64)
    x[1] = v * 3
    (x * mt.tensor([1.0, 5.0, 1.0], dtype=mt.float64)).sum().backward()
    assert x.tolist() == [0.0, 6.0, 0.0] and v.grad.tolist() == [[15.0]]


POWERS_OF_BOOLS = {
    'true-base': lambda lib, b: True ** b,
    'false-base': lambda lib, b: False ** b,
    'pow-true-base': lambda lib, b: lib.pow(True, b),
    'int-base': lambda lib, b: 2 ** b,
    'float-base': lambda lib, b: 2.5 ** b,
    'bool-base-int-exponent': lambda lib, b: True ** b.long(),
    'true-exponent': lambda lib, b: b ** True,
}


@pytest.mark.parametrize('name', list(POWERS_OF_BOOLS))
def test_powers_of_bools_match_torch(name, torch):
    def outcome(lib):
        try:
            result = POWERS_OF_BOOLS[name](lib, lib.tensor([True, False]))
        except Exception as error:
            return type(error).__name__, str(error)
        return result.tolist(), str(result.dtype).split('.')[-1]
    assert outcome(mt) == outcome(torch)


# ---- tensor() from lists holding tensors or arrays, as PyTorch reads them

TENSOR_DATA = {
    'one-element-tensors': lambda lib: [lib.tensor([1.0]), lib.tensor([[2.0]])],
    'zero-dim-and-numbers': lambda lib: [[lib.tensor(1), 2], [3, lib.tensor([4])]],
    'one-element-int-and-float': lambda lib: [lib.tensor([1]), 2.5],
    'int32-tensors': lambda lib: [lib.tensor(1, dtype=lib.int32), lib.tensor(2, dtype=lib.int32)],
    'float64-arrays': lambda lib: [np.array([1.0]), np.array([2.0])],
    'int32-arrays': lambda lib: [np.array([1, 2], np.int32), np.array([3, 4], np.int32)],
    'int-then-none': lambda lib: [1, None],
    'str-later': lambda lib: [1, 'a'],
    'str-first': lambda lib: ['a', 1],
    'str-alone': lambda lib: 'a',
    'two-element-tensors': lambda lib: [lib.ones(2), lib.zeros(2)],
}


@pytest.mark.parametrize('name', list(TENSOR_DATA))
def test_tensor_from_data_matches_torch(name, torch):
    def outcome(lib):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')        # PyTorch warns about lists of arrays
            try:
                t = lib.tensor(TENSOR_DATA[name](lib))
            except Exception as error:
                return type(error).__name__, str(error)
        return t.tolist(), str(t.dtype).split('.')[-1]
    assert outcome(mt) == outcome(torch)


@pytest.mark.parametrize('call', [lambda lib: lib.zeros(2, -1), lambda lib: lib.zeros((-3,)),
                                  lambda lib: lib.ones(2).new_zeros(-1),
                                  lambda lib: lib.randint(0, 3, (-1,))])
def test_negative_sizes_match_torch(call, torch):
    with pytest.raises(RuntimeError) as ours:
        call(mt)
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    assert str(ours.value) == str(theirs.value)


def test_parameter_formats_as_torch(torch):
    def outcome(lib, spec):
        p = lib.nn.Parameter(lib.tensor(2.5))
        try:
            return format(p, spec).replace('microtorch', 'torch')
        except TypeError as error:
            return str(error)
    for spec in ('', '.2f'):
        assert outcome(mt, spec) == outcome(torch, spec)


SCALAR_READS = {
    'float': (lambda lib, x: float(x), True),
    'percent': (lambda lib, x: '%.2f' % x, True),
    'tensor-of-list': (lambda lib, x: lib.tensor([x * 2]), True),
    'int': (lambda lib, x: int(x), False),
    'item': (lambda lib, x: x.item(), False),
    'format': (lambda lib, x: f'{x:.2f}', False),
}


@pytest.mark.parametrize('name', list(SCALAR_READS))
def test_scalar_of_a_tensor_that_requires_grad_warns_as_torch(name, monkeypatch):
    tensor_module = sys.modules['microtorch.tensor']
    monkeypatch.setattr(tensor_module, '_scalar_warning_given', [False])   # once per process
    read, warns = SCALAR_READS[name]
    x = mt.tensor(1.5, requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        read(mt, x)
        read(mt, x)
    messages = [str(w.message) for w in caught]
    assert messages == (['Converting a tensor with requires_grad=True to a scalar may lead to '
                         'unexpected behavior.\nConsider using tensor.detach() first.']
                        if warns else [])
    if warns:
        assert caught[0].filename == __file__        # the warning names the user's line


def test_scalar_of_a_tensor_that_requires_grad_is_quiet_under_no_grad(torch, monkeypatch):
    monkeypatch.setattr(sys.modules['microtorch.tensor'], '_scalar_warning_given', [False])
    for lib in (mt, torch):
        x = lib.tensor(1.5, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            with lib.no_grad():
                assert float(x) == 1.5


# ---- set_printoptions, as PyTorch's

PRINT_OPTIONS = [
    dict(precision=2), dict(precision=0), dict(precision=7), dict(sci_mode=True),
    dict(sci_mode=False), dict(threshold=5), dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0), dict(edgeitems=0), dict(linewidth=30),
    dict(linewidth=1), dict(profile='short'), dict(profile='full'),
    dict(profile='short', precision=6), dict(profile='no-such-profile'),
]


def _printed_with_options(lib, options):
    lib.set_printoptions(**options)
    try:
        rng = np.random.default_rng(3)
        arrays = [rng.standard_normal(3).astype(np.float32), np.array(1.25),
                  rng.standard_normal((4, 9)) * 1000, np.array([1e-6, 1.0], np.float32),
                  np.arange(2000, dtype=np.float32).reshape(40, 50), np.arange(12),
                  np.array([3.0, -2.0, np.inf], np.float32), rng.standard_normal((3, 8, 2)),
                  np.array([True, False] * 4)]
        shown = [repr(lib.tensor(a)) for a in arrays]
        shown.append(repr(lib.tensor([0.5, 1.5], requires_grad=True) * 2))
        shown.append(repr(lib.nn.Parameter(lib.tensor([1.0, 2.5]))))
        return [text.replace('microtorch.', 'torch.') for text in shown]
    finally:
        lib.set_printoptions(profile='default')


@pytest.mark.parametrize('options', PRINT_OPTIONS, ids=repr)
def test_print_options_match_torch(options, torch):
    assert _printed_with_options(mt, options) == _printed_with_options(torch, options)


def test_print_options_are_kept_until_changed():
    from microtorch._tensor_str import get_printoptions, printoptions
    try:
        mt.set_printoptions(precision=2)
        assert repr(mt.tensor([1.23456])) == 'tensor([1.23])'
        mt.set_printoptions(threshold=4)            # precision stays, sci_mode goes back to auto
        assert get_printoptions() == dict(precision=2, threshold=4, edgeitems=3, linewidth=80,
                                          sci_mode=None)
        with printoptions(precision=1, sci_mode=True):
            assert repr(mt.tensor(2.0)) == 'tensor(2.0e+00)'
        assert repr(mt.tensor([1.23456])) == 'tensor([1.23])'
    finally:
        mt.set_printoptions(profile='default')
    assert repr(mt.tensor([1.23456])) == 'tensor([1.2346])'


# ---- in-place writes carry PyTorch's grad_fn names (what print(y) shows), same gradients

INPLACE_WRITES = {
    'select': 'y[0] = 5', 'column': 'y[:, 0] = 5', 'none': 'y[None] = 5',
    'whole-slice': 'y[:] = 5', 'ellipsis-tensor': 'y[...] = torch.zeros(3, 4)',
    'ellipsis-0d': 'y[...] = torch.tensor(3.0)', 'slices-spanning': 'y[0:3, 0:4] = 1',
    'slice-past-end': 'y[0:100] = 1', 'slice-part': 'y[0:2] = 1', 'slice-negative': 'y[-3:] = 1',
    'slice-step': 'y[::2] = 1', 'int-and-tensor': 'y[0, t] = 5', 'slice-and-tensor': 'y[:, t] = 5',
    'tensor': 'y[t] = 5', 'mask': 'y[y > 1] = 0', 'twice': 'y[0][1] = 3',
    'zero_': 'y.zero_()', 'fill_': 'y.fill_(1)', 'fill_-0d': 'y.fill_(torch.tensor(2.0))',
    'copy_': 'y.copy_(torch.zeros(4))', 'view-mul_': 'v = y[0]; v.mul_(2)',
    'view-zero_': 'v = y[:, 1:]; v.zero_()', 'view-setitem': 'v = y.view(12); v[0] = 3',
    'transpose-iadd': 'v = y.t(); v += 1', 'view-twice': 'v = y[1]; v.mul_(3); v.add_(v)',
}


def _inplace_outcome(lib, code):
    w = lib.arange(1.0, 13.0, dtype=lib.float64).reshape(3, 4).requires_grad_()
    namespace = {'torch': lib, 'y': w * 1, 't': lib.tensor([0, 1]), 'v': None}
    exec(code, namespace)
    y, v = namespace['y'], namespace['v']
    loss = (y * lib.arange(12.0, dtype=lib.float64).reshape(3, 4)).sum()
    if v is not None:
        loss = loss + (v * v).sum()
    loss.backward()
    names = [type(y.grad_fn).__name__] + ([] if v is None else [type(v.grad_fn).__name__])
    return names, y.tolist(), w.grad.tolist(), repr(y).replace('microtorch.', 'torch.')


@pytest.mark.parametrize('name', list(INPLACE_WRITES))
def test_inplace_write_grad_fn_matches_torch(name, torch):
    code = INPLACE_WRITES[name]
    assert _inplace_outcome(mt, code) == _inplace_outcome(torch, code)


# ---- ops made of other ops show PyTorch's grad_fn name, not their last step's

def _functional(lib):
    return lib.nn.functional


COMPOSITE_GRAD_FN_OPS = {
    'masked_fill': lambda lib, x: x.masked_fill(x > 0, 1.0),
    'masked_fill-tensor': lambda lib, x: x.masked_fill(x > 0, x[0, 0]),
    'masked_fill_': lambda lib, x: (x * 1).masked_fill_(x > 0, 1.0),
    'index_fill': lambda lib, x: x.index_fill(0, lib.tensor([0]), 1.0),
    'tril': lambda lib, x: x.tril(), 'triu': lambda lib, x: x.triu(1),
    'repeat': lambda lib, x: x.repeat(2, 1), 'tile': lambda lib, x: x.tile((2,)),
    'flip': lambda lib, x: x.flip(0), 'fliplr': lambda lib, x: lib.fliplr(x),
    'roll': lambda lib, x: x.roll(1), 'rot90': lambda lib, x: x.rot90(),
    'diagonal': lambda lib, x: x.diagonal(), 'unbind': lambda lib, x: x.unbind(1)[2],
    'index_select': lambda lib, x: x.index_select(1, lib.tensor([0, 2])),
    'masked_select': lambda lib, x: x.masked_select(x > 0),
    'take': lambda lib, x: x.take(lib.tensor([0, 3])),
    'addmm': lambda lib, x: lib.addmm(x[:, :2], x, x.t()),
    'hypot': lambda lib, x: x.hypot(x), 'lerp': lambda lib, x: x.lerp(x * 2, 0.5),
    'lerp-tensor': lambda lib, x: x.lerp(x * 2, x), 'logaddexp': lambda lib, x: x.logaddexp(x),
    'addcmul': lambda lib, x: lib.addcmul(x, x, x), 'addcdiv': lambda lib, x: x.addcdiv(x, x + 5),
    'xlogy': lambda lib, x: x.xlogy(x.abs()), 'xlogy-number': lambda lib, x: x.xlogy(2.0),
    'remainder': lambda lib, x: x.remainder(x + 5), 'trace': lambda lib, x: x.trace(),
    'nan_to_num': lambda lib, x: x.nan_to_num(), 'dist': lambda lib, x: lib.dist(x, x * 2),
    'cdist': lambda lib, x: lib.cdist(x, x * 2), 'cumprod': lambda lib, x: x.cumprod(1),
    'cummax': lambda lib, x: x.cummax(0)[0], 'cummin': lambda lib, x: x.cummin(1).values,
    'sort': lambda lib, x: x.sort(1)[0], 'msort': lambda lib, x: x.msort(),
    'topk': lambda lib, x: x.topk(2).values, 'median': lambda lib, x: x.median(),
    'median-dim': lambda lib, x: x.median(0)[0], 'kthvalue': lambda lib, x: x.kthvalue(1)[0],
    'squeeze': lambda lib, x: x[None].squeeze(), 'squeeze-dim': lambda lib, x: x[None].squeeze(0),
    'squeeze-dims': lambda lib, x: x[None].squeeze((0,)),
    'slice-alone': lambda lib, x: x[:], 'slice-tuple': lambda lib, x: x[:, :],
    'slice-negative': lambda lib, x: x[:, -3:],
    'broadcast_to-method': lambda lib, x: x.broadcast_to(2, 2, 3),
    'layer_norm': lambda lib, x: _functional(lib).layer_norm(x, (3,)),
    'nll_loss': lambda lib, x: _functional(lib).nll_loss(x.log_softmax(1), lib.tensor([0, 1])),
    'nll_loss-3d': lambda lib, x: _functional(lib).nll_loss(x[None], lib.tensor([[0, 1, 0]])),
    'nll_loss-3d-none': lambda lib, x: _functional(lib).nll_loss(
        x[None], lib.tensor([[0, 1, 0]]), reduction='none'),
    'cross_entropy-3d': lambda lib, x: _functional(lib).cross_entropy(
        x[None], lib.tensor([[0, 1, 0]])),
    'huber_loss': lambda lib, x: _functional(lib).huber_loss(x, x.detach() * 0),
    'pad': lambda lib, x: _functional(lib).pad(x, (1, 1)),
}


@pytest.mark.parametrize('name', sorted(COMPOSITE_GRAD_FN_OPS))
def test_composite_grad_fn_names_match_torch(name, torch):
    op = COMPOSITE_GRAD_FN_OPS[name]
    ours = op(mt, mt.tensor(_GRAD_FN_DATA, requires_grad=True))
    theirs = op(torch, torch.tensor(_GRAD_FN_DATA, requires_grad=True))
    assert repr(ours) == torch_repr(theirs)


STRIDE_CASES = {
    'matrix': lambda lib: lib.zeros(2, 3).stride(),
    'transposed': lambda lib: lib.zeros(2, 3).t().stride(),
    'expanded': lambda lib: lib.zeros(2, 3).expand(4, 2, 3).stride(),
    'stepped': lambda lib: lib.zeros(2, 3)[:, ::2].stride(),
    'empty': lambda lib: lib.zeros(0, 3).stride(),
    'empty-columns': lambda lib: lib.zeros(2, 0).stride(),
    'size-one-transposed': lambda lib: lib.zeros(3, 1, 2).transpose(0, 1).stride(),
    'zero-dim': lambda lib: lib.tensor(1.0).stride(),
    'one-dim': lambda lib: lib.zeros(2, 3).stride(-1),
    'zero-dim-dim': lambda lib: lib.tensor(1.0).stride(0),
    'dim-out-of-range': lambda lib: lib.zeros(2, 3).stride(2),
}


@pytest.mark.parametrize('name', list(STRIDE_CASES))
def test_stride_matches_torch(name, torch):
    def outcome(lib):
        try:
            return STRIDE_CASES[name](lib)
        except IndexError as error:
            return str(error)
    assert outcome(mt) == outcome(torch)


RETURN_TYPES = {
    'max': lambda lib, x: x.max(1), 'min': lambda lib, x: lib.min(x, 0),
    'sort': lambda lib, x: x.sort(1), 'topk': lambda lib, x: x.topk(2),
    'median': lambda lib, x: x.median(1), 'kthvalue': lambda lib, x: x.kthvalue(1),
    'cummax': lambda lib, x: x.cummax(0), 'with-grad': lambda lib, x: (x * 1).max(0),
}


@pytest.mark.parametrize('name', list(RETURN_TYPES))
def test_return_types_print_as_torch(name, torch):
    ours = RETURN_TYPES[name](mt, mt.tensor(_GRAD_FN_DATA, requires_grad=True))
    theirs = RETURN_TYPES[name](torch, torch.tensor(_GRAD_FN_DATA, requires_grad=True))
    assert repr(ours) == str(ours) == torch_repr(theirs)


INDEX_ERRORS = {
    'last-dim-tensor': lambda lib, x: x[:, :, lib.tensor([9])],
    'second-tensor': lambda lib, x: x[lib.tensor([0]), :, lib.tensor([9])],
    'first-tensor': lambda lib, x: x[lib.tensor([7]), :, lib.tensor([1])],
    'after-int': lambda lib, x: x[0, :, lib.tensor([5])],
    'after-ellipsis': lambda lib, x: x[..., lib.tensor([9])],
    'after-none': lambda lib, x: x[None, :, lib.tensor([9])],
    'after-mask': lambda lib, x: x[lib.tensor([[True, False, True, True]] * 3),
                                   lib.tensor([9])],
    'list': lambda lib, x: x[0, :, [1, 7]],
    'negative': lambda lib, x: x[0, :, lib.tensor([-6])],
    'mask-after-int': lambda lib, x: x[0, lib.tensor([True, False, True])],
}


@pytest.mark.parametrize('write', [False, True], ids=['read', 'write'])
@pytest.mark.parametrize('name', list(INDEX_ERRORS))
def test_index_errors_name_the_dim_as_torch(name, write, torch):
    def message(lib):
        x = lib.zeros(3, 4, 5)
        index_of = INDEX_ERRORS[name]

        class Recorder:                      # the index the lambda builds, to write through
            def __getitem__(self, index):
                return index
        with pytest.raises(IndexError) as info:
            if write:
                x[index_of(lib, Recorder())] = 1.0
            else:
                index_of(lib, x)
        return str(info.value)
    assert message(mt) == message(torch)


BASIC_INDICES = [0, -1, 2, (1,), (slice(None),), slice(None), (slice(None), slice(None)),
                 (slice(0, 2),), (0, slice(1, 3)), (slice(None), 0), (slice(None, None, 2), 1),
                 (slice(-3, None),), (slice(0, 100),), (), (2, 3), (slice(1, 1),),
                 (slice(1, None, 3), slice(None, -1))]


@pytest.mark.parametrize('index', BASIC_INDICES, ids=repr)
def test_basic_indices_take_pytorchs_view_ops(index, torch):
    """Ints and slices alone take getitem's short way (indexing.basic_view_op): the values,
    the grad_fn's name and the gradient of PyTorch, and op_for's choice on the general path."""
    from microtorch.ops import functional as F, indexing as I
    a = np.arange(12.0).reshape(3, 4)
    mine, theirs = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    got, want = mine[index], theirs[index]
    np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy())
    assert type(got.grad_fn).__name__ == type(want.grad_fn).__name__
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())
    assert I.basic_view_op(index, (3, 4)) is I.op_for(F.normalize_index(mine, index), (3, 4))


@pytest.mark.parametrize('index', [3, (0, 4), (-4,), (0, 0, 0), slice(None, None, -1),
                                   slice(None, None, 0), (True,), (np.int64(1),)], ids=repr)
def test_other_basic_indices_as_pytorch(index, torch):
    """Out of range, too many, bad steps, a bool and a NumPy int: PyTorch's result or error."""
    a = np.arange(12.0).reshape(3, 4)
    outcomes = []
    for lib in (mt, torch):
        try:
            outcomes.append(lib.tensor(a)[index].numpy().tolist())
        except (IndexError, ValueError) as error:
            outcomes.append(f'{type(error).__name__}: {error}')
    assert outcomes[0] == outcomes[1]


def test_an_element_picked_by_ints_is_a_view(torch):
    """x[2, 3] is a 0-d view of x, as PyTorch's: an in-place op on it writes x (NumPy gives a
    scalar copy for all-int indices)."""
    for lib in (mt, torch):
        x = lib.zeros(3, 4)
        y = x[2, 3]
        y.add_(1)
        v = lib.arange(5.0)
        v[-1].mul_(10)
        assert x[2, 3].item() == 1.0 and v.tolist() == [0.0, 1.0, 2.0, 3.0, 40.0]
        assert y._base is x
        w = lib.ones(2, 2, requires_grad=True)
        with pytest.raises(RuntimeError, match='a view of a leaf Variable that requires grad'):
            w[1, 1].add_(1)


@pytest.mark.parametrize('index', [np.int64(1), (slice(None), np.int32(2)), np.array(1),
                                   (np.int64(0), np.int64(1)), np.uint8(2),
                                   [np.int64(0), np.int64(2)], np.array([1])], ids=repr)
def test_numpy_integers_index_as_ints(index, torch):
    """A NumPy integer scalar or 0-d integer array selects (a view, SelectBackward0), as a
    Python int does; in a list or a 1-d array it is an advanced index (a copy), as PyTorch."""
    a = np.arange(12.0).reshape(3, 4)
    results = []
    for lib in (mt, torch):
        x = lib.tensor(a, requires_grad=True)
        y = x[index]
        y.sum().backward()
        results.append((y.detach().numpy().tolist(), type(y.grad_fn).__name__,
                        y._base is not None, x.grad.numpy().tolist()))
    assert results[0] == results[1]
