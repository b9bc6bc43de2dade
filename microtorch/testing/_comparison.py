"""`assert_close` (and the deprecated `assert_allclose`): PyTorch's checks and failure reports.

Sequences and mappings are walked in step down to their leaves (_leaves.py compares those);
every leaf is set up first, so an argument error anywhere wins over a mismatch, and the first
mismatch is reported, with the path to it.
"""
import collections.abc
import contextlib
import warnings

from .. import _dtype
from ..tensor import Tensor
from ._leaves import LEAF_KINDS, Failure, tolerances


def _leaves(actual, expected, path, options):
    """The leaf comparisons of two (possibly nested) inputs, in order."""
    if (isinstance(actual, collections.abc.Sequence) and not isinstance(actual, str)
            and isinstance(expected, collections.abc.Sequence)
            and not isinstance(expected, str)):
        if len(actual) != len(expected):
            raise Failure(AssertionError, f'The length of the sequences mismatch: {len(actual)} '
                          f'!= {len(expected)}', path)
        found = []
        for i in range(len(actual)):
            found += _leaves(actual[i], expected[i], (*path, i), options)
        return found
    if (isinstance(actual, collections.abc.Mapping)
            and isinstance(expected, collections.abc.Mapping)):
        actual_keys, expected_keys = set(actual.keys()), set(expected.keys())
        if actual_keys != expected_keys:
            raise Failure(AssertionError, 'The keys of the mappings do not match:\n'
                          f'Missing keys in the actual mapping: '
                          f'{sorted(expected_keys - actual_keys)}\n'
                          f'Additional keys in the actual mapping: '
                          f'{sorted(actual_keys - expected_keys)}', path)
        keys = actual_keys
        with contextlib.suppress(Exception):     # a fixed order where the keys sort
            keys = sorted(keys)
        found = []
        for key in keys:
            found += _leaves(actual[key], expected[key], (*path, key), options)
        return found
    for kind in LEAF_KINDS:
        leaf = kind.make(actual, expected, path, options)
        if leaf is not None:
            return [leaf]
    raise Failure(TypeError, 'No comparison pair was able to handle inputs of type '
                  f'{type(actual)} and {type(expected)}.', path)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless `actual` and `expected` are close, as
    torch.testing.assert_close: |actual - expected| <= atol + rtol * |expected| elementwise,
    with the same shape, device, dtype (and stride with check_stride=True).

    Inputs are microtorch Tensors, NumPy arrays, Python numbers (not complex: microtorch has no
    complex dtypes), None, or sequences and mappings of those, compared item by item. Without
    rtol and atol, each dtype's default applies (float16: 1e-3, 1e-5; float32: 1.3e-6, 1e-5;
    float64: 1e-7, 1e-7; integers and bool: exact). msg replaces the report (a string) or
    rewrites it (a callable given the report). check_layout is accepted; microtorch tensors
    have one layout. requires_grad is not compared, as in PyTorch.
    """
    __tracebackhide__ = True
    options = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol,
                   equal_nan=equal_nan, check_device=check_device, check_dtype=check_dtype,
                   check_layout=check_layout, check_stride=check_stride)
    try:
        leaves = _leaves(actual, expected, (), options)
    except Failure as failure:
        raise failure.to_error() from None
    for leaf in leaves:
        try:
            leaf.compare()
        except Failure as failure:
            raise failure.to_error(msg) from None


# assert_allclose's own defaults: looser than assert_close's.
_ALLCLOSE_TOLERANCES = {_dtype.float16: (1e-3, 1e-3), _dtype.float32: (1e-4, 1e-5),
                        _dtype.float64: (1e-5, 1e-8)}


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=''):
    """Deprecated (as in PyTorch since 1.12): use assert_close. Compares tensors (numbers and
    lists are made tensors, `expected` in the dtype of `actual`) whatever their dtypes, NaNs
    equal by default."""
    warnings.warn('`microtorch.testing.assert_allclose()` is deprecated since 1.12 and will be '
                  'removed in a future release. Please use `microtorch.testing.assert_close()` '
                  'instead. You can find detailed upgrade instructions in '
                  'https://github.com/pytorch/pytorch/issues/61844.', FutureWarning,
                  stacklevel=2)
    from ..creation import tensor
    if not isinstance(actual, Tensor):
        actual = tensor(actual)
    if not isinstance(expected, Tensor):
        expected = tensor(expected, dtype=actual.dtype)
    if rtol is None and atol is None:
        rtol, atol = tolerances([actual.dtype, expected.dtype], None, None, (),
                                _ALLCLOSE_TOLERANCES)
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_device=True, check_dtype=False, check_stride=False, msg=msg or None)
