"""microtorch.testing against torch.testing: assert_close gives the same outcome and the same
report for the same inputs; make_tensor the same shapes, dtypes, ranges and argument errors."""
import collections
import functools
import math
import re
import warnings

import numpy as np
import pytest

import microtorch as mt
import microtorch.nn  # noqa: F401  (Parameter, for the subclass cases)
import microtorch.testing

NAN, INF = math.nan, math.inf
# PyTorch's report of an unexpected error goes on with advice to file an issue with PyTorch;
# microtorch's stops here.
UNEXPECTED_END = 'resulted in the unexpected exception above.'


def as_microtorch(text):
    """PyTorch's text with microtorch's names ('torch.float32' -> 'microtorch.float32')."""
    return re.sub(r'(?<!micro)torch\.', 'microtorch.', text)


def outcome(lib, build, **extra):
    """(exception type name, message) of assert_close on build(lib)'s inputs, or None."""
    actual, expected, kwargs = build(lib)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            lib.testing.assert_close(actual, expected, **kwargs, **extra)
    except Exception as error:
        message = as_microtorch(str(error))
        if UNEXPECTED_END in message:
            message = message[:message.index(UNEXPECTED_END) + len(UNEXPECTED_END)]
        return type(error).__name__, message
    return None


def pair(actual, expected, **kwargs):
    """A case whose inputs are the same numbers, lists or arrays for either library."""
    return lambda lib: (actual, expected, kwargs)


def tensors(actual, expected, dtype=None, expected_dtype=None, **kwargs):
    """A case of two tensors made from nested lists (dtype: a name, as 'float16')."""
    def build(lib):
        def make(values, name):
            return lib.tensor(values, dtype=None if name is None else getattr(lib, name))
        return (make(actual, dtype), make(expected, expected_dtype or dtype), kwargs)
    return build


CASES = {
    # numbers
    'int-equal': pair(1, 1),
    'int-differ': pair(2, 3),
    'int-zero-expected': pair(2, 0),
    'float-close': pair(1.0, 1.0 + 1e-8),
    'float-not-close': pair(1.0, 1.1),
    'float-tiny-exact': pair(1e-9, 1e-10, rtol=0, atol=0),
    'float-vs-int': pair(1.0, 1),
    'float-vs-int-no-dtype': pair(1.0, 1, check_dtype=False),
    'float-vs-int-no-dtype-off': pair(1.5, 1, check_dtype=False),
    'nan-nan': pair(NAN, NAN),
    'nan-nan-equal-nan': pair(NAN, NAN, equal_nan=True),
    'inf-inf': pair(INF, INF),
    'inf-minus-inf': pair(INF, -INF),
    'float-tolerances': pair(1.0, 1.05, rtol=0.01, atol=0.05),
    'float-tolerances-fail': pair(1.0, 1.07, rtol=0.01, atol=0.05),
    'numpy-scalars': pair(np.float32(1.5), np.float32(1.25)),
    'numpy-int-vs-int': pair(np.int8(3), 4),
    'numpy-float64-vs-float': pair(np.float64(2.0), 2.0),
    'large-ints': pair(2 ** 62, 2 ** 62 + 1),
    # booleans and None
    'bools-equal': pair(True, True),
    'bools-differ': pair(True, False),
    'numpy-bool': pair(np.bool_(True), False),
    'bool-vs-int': pair(True, 1),
    'int-vs-bool': pair(1, True),
    'none-none': pair(None, None),
    'none-vs-int': pair(None, 1),
    'int-vs-none': pair(1, None),
    'none-with-rtol-only': pair(None, None, rtol=1.0),
    # what no comparison handles
    'strings': pair('a', 'a'),
    'string-vs-int': pair('a', 1),
    'sets': pair({1, 2}, {1, 2}),
    'objects': pair(object, object),
    'list-vs-array': pair([1, 2], np.array([1, 2])),
    # sequences and mappings
    'lists-equal': pair([1, 2.0, None], (1, 2.0, None)),
    'lists-differ': pair([1, 2], [1, 3]),
    'lists-length': pair([1], [1, 2]),
    'nested-lists': pair([[1, 2], [3, [4, 5]]], [[1, 2], [3, [4, 6]]]),
    'bytes': pair(b'ab', b'ac'),
    'dicts-differ': pair({'a': 1, 'b': [1, 2]}, {'a': 1, 'b': [1, 3]}),
    'dicts-keys': pair({'a': 1, 'c': 2}, {'b': 1, 'c': 2}),
    'dicts-mixed-keys': pair({1: 1, 'a': 2}, {1: 1, 'a': 3}),
    'ordered-dict': pair(collections.OrderedDict(b=2, a=1), {'a': 1, 'b': 2}),
    'rtol-only-in-list': pair([1.0, 2.0], [1.0, 2.0], rtol=1.0),
    'atol-only': pair(1.0, 1.0, atol=1.0),
    'error-before-mismatch': pair([1, 'a'], [2, 'a']),
    # NumPy arrays
    'arrays-equal': pair(np.array([1.0, 2.0]), np.array([1.0, 2.0])),
    'arrays-differ': pair(np.array([1, 2]), np.array([1, 3])),
    'arrays-float32': pair(np.array([1, 2], np.float32), np.array([1, 2.5], np.float32)),
    'arrays-dtype': pair(np.array([1.0]), np.array([1.0], np.float32)),
    'arrays-shape': pair(np.zeros((2, 3)), np.zeros((3, 2))),
    'array-0d': pair(np.array(1.0), np.array(2.0)),
    # tensors
    'tensors-equal': tensors([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]),
    'tensors-close': tensors([1.0, 2.0, 3.0], [1.0, 2.000001, 3.0]),
    'tensors-not-close': tensors([1.0, 2.0, 3.0], [1.0, 2.1, 3.0]),
    'tensors-many': tensors([[1.0, 2.0], [3.0, 4.0]], [[1.5, 2.0], [3.0, 4.5]]),
    'tensors-float64': tensors([1.0, 2.0], [1.0, 2.0 + 1e-6], 'float64'),
    'tensors-float16': tensors([1.0, 1.0, 1.0], [1.0, 1.0, 1.002], 'float16'),
    'tensors-int': tensors([1, 2, 3], [1, 5, 3]),
    'tensors-int-zero': tensors([1, 2, 3], [1, 5, 0]),
    'tensors-int8': tensors([1, 2], [1, 3], 'int8'),
    'tensors-int8-tolerances': tensors([1, 2], [1, 3], 'int8', rtol=0.1, atol=0.5),
    'tensors-uint8-wrap': tensors([0, 250], [255, 5], 'uint8'),
    'tensors-bool': tensors([True, False], [True, True]),
    'tensors-0d': tensors(1.0, 2.0),
    'tensors-0d-int': tensors(1, 3),
    'tensors-0d-bool': tensors(True, False),
    'tensors-0d-nan': tensors(NAN, NAN),
    'tensors-0d-nan-equal': tensors(NAN, NAN, equal_nan=True),
    'tensors-nan': tensors([NAN, 1.0], [NAN, 1.0]),
    'tensors-nan-equal': tensors([NAN, 1.0], [NAN, 1.0], equal_nan=True),
    'tensors-nan-swapped': tensors([NAN, 1.0], [1.0, NAN]),
    'tensors-nan-later': tensors([1.0, 5.0, NAN], [1.0, 2.0, 3.0]),
    'tensors-inf': tensors([INF, 1.0], [INF, 1.0]),
    'tensors-inf-sign': tensors([INF, 1.0], [-INF, 1.0]),
    'tensors-inf-vs-number': tensors([INF, 1.0], [1.0, 1.0]),
    'tensors-zero-expected': tensors([1.0, 0.0], [0.0, 0.0]),
    'tensors-ties': tensors([1.0, 3.0, 3.0], [0.0, 1.0, 1.0]),
    'tensors-empty': tensors([], []),
    'tensors-3d': tensors([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
                          [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.5], [7.0, 8.0]]]),
    'tensors-shape': tensors([1.0, 2.0], [1.0, 2.0, 3.0]),
    'tensors-shape-2d': tensors([[1.0, 2.0]], [1.0, 2.0]),
    'tensors-dtype': tensors([1.0, 2.0], [1.0, 2.0], 'float32', 'float64'),
    'tensors-dtype-int': tensors([1, 2], [1, 2], 'int32', 'int64'),
    'tensors-dtype-off': tensors([1.0, 2.0], [1.0, 2.0], 'float32', 'float64',
                                 check_dtype=False),
    'tensors-dtype-off-fail': tensors([1.0, 2.5], [1.0, 2.0], 'float16', 'int64',
                                      check_dtype=False),
    'tensors-dtype-off-tolerance': tensors([1.0, 2.0001], [1.0, 2.0], 'float16', 'float64',
                                           check_dtype=False),
    'tensors-tolerances': tensors([1.0, 2.0], [1.1, 2.2], rtol=0.1, atol=0.0),
    'tensors-tolerances-fail': tensors([1.0, 2.0], [1.1, 2.3], rtol=0.1, atol=0.0),
    'tensors-rtol-only': tensors([1.0], [1.0], rtol=0.1),
    'tensors-negative-rtol': tensors([1.0], [1.0], rtol=-1, atol=0),
    'tensors-negative-atol': tensors([1.0], [2.0], rtol=0.5, atol=-0.25),
    'tensors-exact-zero-tolerances': tensors([1.0, 2.0], [1.0, 2.0 + 1e-6], rtol=0, atol=0),
    'tensors-int-tolerances': tensors([1.0, 2.0], [1.0, 3.0], rtol=0, atol=1),
    'tensor-vs-float': lambda lib: (lib.tensor([1.0]), 1.0, {}),
    'tensor-vs-list': lambda lib: (lib.tensor([1.0]), [1.0], {}),
    'tensor-vs-array': lambda lib: (lib.tensor([1.0]), np.array([1.0]), {}),
    'tensors-in-list': lambda lib: ([lib.tensor([1.0]), 2.0, np.array(3.0)],
                                    (lib.tensor([1.0]), 2.0, np.array(3.5)), {}),
    'tensors-in-dict': lambda lib: ({'x': lib.tensor([1.0, 2.0]), 'y': 1},
                                    {'x': lib.tensor([1.0, 2.5]), 'y': 1}, {}),
    'size-vs-tuple': lambda lib: (lib.Size([2, 3]), (2, 4), {}),
    'requires-grad-not-checked': lambda lib: (lib.tensor([1.0], requires_grad=True),
                                              lib.tensor([1.0]), {}),
    'requires-grad-mismatch': lambda lib: (lib.tensor([1.0], requires_grad=True) * 2,
                                           lib.tensor([3.0]), {}),
    'stride-checked': lambda lib: (lib.zeros(2, 3).t(), lib.zeros(3, 2), {'check_stride': True}),
    'stride-not-checked': lambda lib: (lib.zeros(2, 3).t(), lib.zeros(3, 2), {}),
    'stride-view': lambda lib: (lib.arange(6.0)[::2], lib.tensor([0.0, 2.0, 4.0]),
                                {'check_stride': True}),
    'parameter': lambda lib: (lib.nn.Parameter(lib.ones(2)), lib.ones(2), {}),
    'parameter-no-subclasses': lambda lib: (lib.nn.Parameter(lib.ones(2)), lib.ones(2),
                                            {'allow_subclasses': False}),
    'layout-flag': lambda lib: (lib.ones(2), lib.ones(2), {'check_layout': False}),
    'device-flag': lambda lib: (lib.ones(2), lib.ones(2), {'check_device': False}),
}


@pytest.mark.parametrize('name', CASES)
def test_assert_close_as_torch(name, torch):
    build = CASES[name]
    assert outcome(mt, build) == outcome(torch, build)


@pytest.mark.parametrize('msg', ['Argh, not close!', lambda m: f'Header\n\n{m}\n\nFooter', 5])
@pytest.mark.parametrize('name', ['tensors-not-close', 'tensors-in-list', 'nested-lists',
                                  'lists-length', 'rtol-only-in-list', 'strings',
                                  'tensors-shape', 'float-vs-int', 'none-vs-int'])
def test_msg_as_torch(name, msg, torch):
    """msg replaces (a string) or rewrites (a callable) the reports of mismatches only."""
    build = CASES[name]
    assert outcome(mt, build, msg=msg) == outcome(torch, build, msg=msg)


def test_random_tensors_as_torch(torch):
    """Random values with a few perturbed elements: the counts, greatest differences and their
    indices, for each dtype and several shapes."""
    rng = np.random.default_rng(0)
    for trial in range(150):
        name = ['float16', 'float32', 'float64', 'int32', 'int64', 'uint8', 'bool'][trial % 7]
        shape = [(5,), (3, 4), (2, 3, 2), (1,)][trial % 4]
        if name == 'bool':
            a = rng.random(shape) < 0.5
            b = a ^ (rng.random(shape) < 0.3)
        elif name in ('int32', 'int64', 'uint8'):
            a = rng.integers(0, 100, shape).astype(name)
            b = a + (rng.random(shape) < 0.3) * rng.integers(0, 5, shape).astype(name)
        else:
            a = rng.standard_normal(shape).astype(name)
            scale = 10.0 ** rng.integers(-8, 0)
            b = (a + (rng.random(shape) < 0.4) * rng.standard_normal(shape) * scale)
            b = b.astype(name)
            if trial % 5 == 0:
                a.flat[rng.integers(a.size)] = np.nan
            if trial % 6 == 0:
                b.flat[rng.integers(b.size)] = 0
        kwargs = {'equal_nan': bool(trial % 3 == 0)}
        if trial % 4 == 1:
            kwargs.update(rtol=1e-3, atol=1e-4)

        def build(lib, a=a, b=b, kwargs=kwargs):
            return lib.tensor(a), lib.tensor(b), kwargs
        assert outcome(mt, build) == outcome(torch, build), (trial, name)


def test_complex_is_refused():
    """microtorch has no complex dtypes: complex inputs are refused with a TypeError."""
    for actual, expected in ((1 + 2j, 1 + 2j), (np.complex64(1), 1.0), ([1j], [1j]),
                             (np.array([1j]), np.array([1j]))):
        with pytest.raises(TypeError, match='microtorch has no complex dtypes'):
            mt.testing.assert_close(actual, expected)
    with pytest.raises(TypeError, match=r'The failure occurred for item \[0\]'):
        mt.testing.assert_close([1j], [1j])


def test_on_device(device):
    """Tensors on any device compare as on the CPU; tensors on two devices are refused unless
    check_device=False."""
    a = mt.tensor([[1.0, 2.0], [3.0, NAN]], device=device)
    b = mt.tensor([[1.0, 2.5], [3.0, NAN]], device=device)
    mt.testing.assert_close(a, a.clone(), equal_nan=True)
    with pytest.raises(AssertionError) as on_device:
        mt.testing.assert_close(a, b, equal_nan=True)
    with pytest.raises(AssertionError) as on_cpu:
        mt.testing.assert_close(a.cpu(), b.cpu(), equal_nan=True)
    assert str(on_device.value) == str(on_cpu.value)
    if device != 'cpu':
        with pytest.raises(AssertionError, match="attribute 'device' do not match: "
                                                 f'{device} != cpu'):
            mt.testing.assert_close(a, a.cpu(), equal_nan=True)
        mt.testing.assert_close(a, a.cpu(), equal_nan=True, check_device=False)


def test_assert_close_leaves_inputs_alone():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([1, 3], dtype=mt.int32)
    with pytest.raises(AssertionError):
        mt.testing.assert_close(a, b, check_dtype=False)
    assert a.tolist() == [1.0, 2.0] and a.grad_fn is None and a._version == 0
    assert b.tolist() == [1, 3] and b.dtype is mt.int32 and b._version == 0


def test_module_attribute():
    assert mt.testing.assert_close is microtorch.testing.assert_close
    assert sorted(mt.testing.__all__) == ['assert_allclose', 'assert_close', 'make_tensor']


# ---- assert_allclose ----------------------------------------------------------------------

ALLCLOSE_CASES = {
    'equal': lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0]), {}),
    'loose-default': lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0001]), {}),
    'not-close': lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.01]), {}),
    'nan-equal-by-default': lambda lib: (lib.tensor([NAN]), lib.tensor([NAN]), {}),
    'nan-not-equal': lambda lib: (lib.tensor([NAN]), lib.tensor([NAN]), {'equal_nan': False}),
    'numbers': lambda lib: (1.0, 1.5, {}),
    'lists': lambda lib: ([1, 2], [1, 3], {}),
    'dtypes-differ': lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1, 2]), {}),
    'float16': lambda lib: (lib.tensor([1.0], dtype=lib.float16),
                            lib.tensor([1.001], dtype=lib.float16), {}),
    'float64': lambda lib: (lib.tensor([1.0], dtype=lib.float64), [1.00001], {}),
    'msg': lambda lib: (lib.tensor([1.0]), lib.tensor([2.0]), {'msg': 'custom'}),
    'tolerances': lambda lib: (lib.tensor([1.0]), lib.tensor([1.4]), {'rtol': 0, 'atol': 0.5}),
    'rtol-only': lambda lib: (lib.tensor([1.0]), lib.tensor([1.0]), {'rtol': 0.5}),
    'shape': lambda lib: (lib.tensor([1.0]), lib.tensor([1.0, 2.0]), {}),
}


def allclose_outcome(lib, build):
    actual, expected, kwargs = build(lib)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            lib.testing.assert_allclose(actual, expected, **kwargs)
            result = None
        except Exception as error:
            result = type(error).__name__, as_microtorch(str(error))
    warned = [(w.category, as_microtorch(str(w.message))) for w in caught]
    return result, warned


@pytest.mark.parametrize('name', ALLCLOSE_CASES)
def test_assert_allclose_as_torch(name, torch):
    build = ALLCLOSE_CASES[name]
    result, warned = allclose_outcome(mt, build)
    assert (result, warned) == allclose_outcome(torch, build)
    assert warned and warned[0][0] is FutureWarning


def test_assert_allclose_warns_at_the_caller():
    with pytest.warns(FutureWarning) as record:
        mt.testing.assert_allclose(1.0, 1.0)
    assert record[0].filename == __file__


# ---- make_tensor --------------------------------------------------------------------------

DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64']
SHAPES = [((2, 3), {}), (((2, 3),), {}), (([4],), {}), ((5,), {}), ((), {}), ((0, 3), {}),
          ((3, 4), {'noncontiguous': True}), ((1,), {'noncontiguous': True}),
          ((2, 1, 3), {'noncontiguous': True}), ((0,), {'noncontiguous': True})]


def made(lib, *shape, **kwargs):
    """(shape, dtype, contiguous, stride, requires_grad) of make_tensor's result, or its error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            t = lib.testing.make_tensor(*shape, device='cpu', **kwargs)
    except Exception as error:
        return type(error).__name__, as_microtorch(str(error))
    return (tuple(t.shape), as_microtorch(str(t.dtype)), t.is_contiguous(),
            t.stride(), t.requires_grad)


@pytest.mark.parametrize('dtype', DTYPES)
def test_make_tensor_layout_as_torch(dtype, torch):
    for shape, kwargs in SHAPES:
        assert (made(mt, *shape, dtype=getattr(mt, dtype), **kwargs)
                == made(torch, *shape, dtype=getattr(torch, dtype), **kwargs)), (shape, kwargs)
    if dtype.startswith('float'):
        assert made(mt, 3, dtype=getattr(mt, dtype), requires_grad=True) == made(
            torch, 3, dtype=getattr(torch, dtype), requires_grad=True)


# (low, high, the values every draw must lie in), per dtype; None: the dtype's default.
RANGES = [('bool', None, None, (0, 1)), ('uint8', None, None, (0, 9)),
          ('int8', None, None, (-9, 9)), ('int64', None, None, (-9, 9)),
          ('float32', None, None, (-9, 9)), ('float16', None, None, (-9, 9)),
          ('int16', 0.5, 3.5, (1, 3)), ('int8', -1000, 1000, (-128, 127)),
          ('uint8', -5, 3, (0, 2)), ('float32', 2, 3, (2, 3)), ('float64', -1e-3, 1e-3,
                                                                (-1e-3, 1e-3)),
          ('float16', -1e6, 1e6, (-65504, 65504)), ('float64', -INF, INF, (-1.8e308, 1.8e308)),
          ('int64', -2 ** 70, 2 ** 70, (-2 ** 63, 2 ** 63 - 1)), ('bool', 1, 2, (1, 1))]


@pytest.mark.parametrize('dtype, low, high, within', RANGES)
def test_make_tensor_ranges(dtype, low, high, within):
    t = mt.testing.make_tensor(2000, dtype=getattr(mt, dtype), device='cpu', low=low, high=high)
    values = t.tolist()
    assert within[0] <= min(values) and max(values) <= within[1]
    if dtype in ('bool', 'uint8', 'int8') and low is None:
        assert set(values) == set(range(within[0], within[1] + 1))     # every value drawn
    if dtype.startswith('float') and high is not None and math.isfinite(high):
        assert max(values) < high


def test_make_tensor_whole_float_range_is_finite():
    t = mt.testing.make_tensor(1000, dtype=mt.float32, device='cpu', low=-INF, high=INF)
    assert bool(mt.isfinite(t).all()) and float(t.abs().max()) > 1e37


def test_make_tensor_seeds_repeat():
    for dtype in (mt.float32, mt.int64, mt.bool):
        mt.manual_seed(3)
        first = mt.testing.make_tensor(4, 5, dtype=dtype, device='cpu', noncontiguous=True)
        mt.manual_seed(3)
        again = mt.testing.make_tensor(4, 5, dtype=dtype, device='cpu', noncontiguous=True)
        assert first.tolist() == again.tolist()


def test_make_tensor_noncontiguous_is_a_view():
    t = mt.testing.make_tensor(3, 4, dtype=mt.float32, device='cpu', noncontiguous=True)
    assert not t.is_contiguous() and t.stride() == (8, 2) and t.is_leaf
    assert t._base is not None       # every other element of a (3, 8) tensor
    mt.testing.assert_close(t.contiguous(), t)


@pytest.mark.parametrize('dtype', DTYPES)
def test_make_tensor_exclude_zero(dtype):
    lib_dtype = getattr(mt, dtype)
    t = mt.testing.make_tensor(3000, dtype=lib_dtype, device='cpu', low=-1, high=1,
                               exclude_zero=True)
    assert not bool((t == 0).any())
    if dtype.startswith('float'):
        # no exact zero is drawn from a continuous range: the replacement is checked with ints
        return
    if dtype == 'bool':
        assert set(t.tolist()) == {True}
    else:
        assert set(t.tolist()) == ({1} if dtype == 'uint8' else {-1, 1})


def test_make_tensor_exclude_zero_floats():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        t = mt.testing.make_tensor(4, dtype=mt.float16, device='cpu', low=0, high=0,
                                   exclude_zero=True)
    assert t.tolist() == [mt.finfo(mt.float16).tiny] * 4


ERRORS = [
    (3, {'dtype': 'float32', 'low': NAN}),
    (3, {'dtype': 'float32', 'high': NAN}),
    (3, {'dtype': 'int32', 'low': NAN, 'high': 5}),
    (3, {'dtype': 'float32', 'low': 5, 'high': 3}),
    (3, {'dtype': 'int32', 'low': 3, 'high': 3}),
    (3, {'dtype': 'bool', 'low': 1, 'high': 1}),
    (3, {'dtype': 'uint8', 'low': -5, 'high': -1}),
    (3, {'dtype': 'int8', 'low': 200, 'high': 300}),
    (3, {'dtype': 'bool', 'low': 2, 'high': 5}),
    (3, {'dtype': 'float16', 'low': 1e6, 'high': 1e7}),
    (3, {'dtype': 'float32', 'low': -1e40, 'high': -1e39}),
    (3, {'dtype': 'int64', 'requires_grad': True}),
    (3, {'dtype': 'bool', 'requires_grad': True}),
    (3, {'dtype': 'float32', 'noncontiguous': True, 'memory_format': 'channels_last'}),
    (-1, {'dtype': 'int32'}),
]


@pytest.mark.parametrize('shape, kwargs', ERRORS, ids=range(len(ERRORS)))
def test_make_tensor_errors_as_torch(shape, kwargs, torch):
    def with_dtype(lib):
        return dict(kwargs, dtype=getattr(lib, kwargs['dtype']))
    got = made(mt, shape, **with_dtype(mt))
    assert got == made(torch, shape, **with_dtype(torch))
    assert got[0] in ('ValueError', 'RuntimeError')


def test_make_tensor_low_equals_high_warns_as_torch(torch):
    texts = []
    for lib in (mt, torch):
        with pytest.warns(FutureWarning) as record:
            t = lib.testing.make_tensor(3, dtype=lib.float32, device='cpu', low=2, high=2)
        assert t.tolist() == [2.0, 2.0, 2.0] and record[0].filename == __file__
        texts.append(as_microtorch(str(record[0].message)))
    assert texts[0] == texts[1]


def test_make_tensor_microtorch_only_errors(torch):
    """An unsupported dtype: PyTorch's message without its advice to file an issue; any
    memory_format: microtorch has none."""
    for dtype in (float, 'float32', torch.float32):
        with pytest.raises(TypeError) as info:
            mt.testing.make_tensor(3, dtype=dtype, device='cpu')
        assert str(info.value) == (f"The requested dtype '{dtype}' is not supported by "
                                   'microtorch.testing.make_tensor().')
    with pytest.raises(ValueError, match='microtorch has no memory formats'):
        mt.testing.make_tensor(3, dtype=mt.float32, device='cpu', memory_format='x')
    with pytest.raises(TypeError, match="required keyword-only argument: 'device'"):
        mt.testing.make_tensor(3, dtype=mt.float32)


def test_make_tensor_on_device(device):
    t = mt.testing.make_tensor(2, 6, dtype=mt.float32, device=device, low=-1, high=1,
                               noncontiguous=True, requires_grad=True)
    assert t.device == mt.device(device) and t.shape == (2, 6) and t.requires_grad
    assert not t.is_contiguous() and float(t.detach().abs().max()) <= 1
    i = mt.testing.make_tensor(50, dtype=mt.int8, device=device, exclude_zero=True)
    assert i.device == mt.device(device) and not bool((i == 0).any())


def test_partial_assert_equal():
    """The partial of PyTorch's docs: an exact assert_equal."""
    assert_equal = functools.partial(mt.testing.assert_close, rtol=0, atol=0)
    with pytest.raises(AssertionError) as info:
        assert_equal(1e-9, 1e-10)
    assert str(info.value) == ('Scalars are not equal!\n\nExpected 1e-10 but got 1e-09.\n'
                               'Absolute difference: 9.000000000000001e-10\n'
                               'Relative difference: 9.0')
