"""The comparisons of two leaves (values that are not sequences or mappings) for assert_close.

Each leaf kind (None, booleans, numbers, tensor-likes) is a class whose `make(actual, expected,
path, options)` returns an instance when it handles the two inputs and None when it does not;
`compare()` raises a `Failure` when they differ. All leaves are made before any is compared,
so that a bad argument anywhere is reported before a mismatch, as in PyTorch.
"""
import math

import numpy as np

from .. import _dtype
from ..autograd import no_grad
from ..tensor import Tensor


class Failure(Exception):
    """A failed check: the exception type to raise, its message and the path of the leaf
    (a tuple of sequence indices and mapping keys)."""

    def __init__(self, type, message, path=()):
        super().__init__(message)
        self.type, self.message, self.path = type, message, path

    def to_error(self, msg=None):
        """The exception to raise; msg (a string or a callable) as assert_close's msg=."""
        if isinstance(msg, str):
            return self.type(msg)
        message = self.message
        if self.path:
            message += f'\n\nThe failure occurred for item {path_text(self.path)}'
        return self.type(msg(message) if callable(msg) else message)


def path_text(path):
    """A leaf's place as PyTorch prints it: [0]['a']."""
    return ''.join(str([item]) for item in path)


# Default (rtol, atol) of each dtype; any other dtype compares exactly.
DEFAULT_TOLERANCES = {_dtype.float16: (0.001, 1e-5), _dtype.float32: (1.3e-6, 1e-5),
                      _dtype.float64: (1e-7, 1e-7)}


def tolerances(dtypes, rtol, atol, path, table=DEFAULT_TOLERANCES):
    """The given (rtol, atol), or the loosest defaults of the dtypes; both or neither given."""
    if (rtol is None) != (atol is None):
        raise Failure(ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, "
                      f"but got no {'rtol' if rtol is None else 'atol'}.", path)
    if rtol is not None:
        return rtol, atol
    pairs = [table.get(d, (0.0, 0.0)) for d in dtypes]
    return max(r for r, _ in pairs), max(a for _, a in pairs)


def refuse_complex(actual, expected, path):
    raise Failure(TypeError, 'microtorch has no complex dtypes, so assert_close() cannot '
                  f'compare inputs of type {type(actual)} and {type(expected)}.', path)


def mismatch_message(identifier, extra, abs_diff, rel_diff, rtol, atol, abs_index=None,
                     rel_index=None):
    """PyTorch's report of two values that are not close (or not equal, with no tolerance)."""
    exact = rtol == 0 and atol == 0
    lines = [f"{identifier} are not {'equal' if exact else 'close'}!", '', extra]
    for kind, diff, index, tol in (('absolute', abs_diff, abs_index, atol),
                                   ('relative', rel_diff, rel_index, rtol)):
        if index is None:
            line = f'{kind.title()} difference: {diff}'
        else:
            line = f'Greatest {kind} difference: {diff} at index {index}'
        lines.append(line if exact else f'{line} (up to {tol} allowed)')
    return '\n'.join(lines)


def scalar_mismatch_message(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = math.inf if expected == 0 else abs_diff / abs(expected)
    return mismatch_message('Scalars', f'Expected {expected} but got {actual}.', abs_diff,
                            rel_diff, rtol, atol)


class NoneLeaf:
    @classmethod
    def make(cls, actual, expected, path, options):
        if actual is None or expected is None:
            return cls(actual, expected, path)
        return None

    def __init__(self, actual, expected, path):
        self.actual, self.expected, self.path = actual, expected, path

    def compare(self):
        if self.actual is not None or self.expected is not None:
            raise Failure(AssertionError,
                          f'None mismatch: {self.actual} is not {self.expected}', self.path)


class BoolLeaf(NoneLeaf):
    @classmethod
    def make(cls, actual, expected, path, options):
        if isinstance(actual, (bool, np.bool_)) and isinstance(expected, (bool, np.bool_)):
            return cls(bool(actual), bool(expected), path)
        return None

    def compare(self):
        if self.actual is not self.expected:
            raise Failure(AssertionError,
                          f'Booleans mismatch: {self.actual} is not {self.expected}', self.path)


class NumberLeaf:
    """Python numbers and NumPy scalars (bool mixed with a number is PyTorch's internal error:
    its table of number types has no bool)."""
    KINDS = (int, float, complex, np.number)
    DTYPES = {int: _dtype.int64, float: _dtype.float64}

    @classmethod
    def make(cls, actual, expected, path, options):
        if not (isinstance(actual, cls.KINDS) and isinstance(expected, cls.KINDS)):
            return None
        if any(isinstance(v, (complex, np.complexfloating)) for v in (actual, expected)):
            refuse_complex(actual, expected, path)
        numbers = [v.item() if isinstance(v, np.number) else v for v in (actual, expected)]
        if any(type(n) not in cls.DTYPES for n in numbers):
            raise originating_error('NumberPair', actual, expected, path) from KeyError(
                next(type(n) for n in numbers if type(n) not in cls.DTYPES))
        return cls(*numbers, path, options)

    def __init__(self, actual, expected, path, options):
        self.actual, self.expected, self.path = actual, expected, path
        self.rtol, self.atol = tolerances([self.DTYPES[type(actual)], self.DTYPES[type(expected)]],
                                          options['rtol'], options['atol'], path)
        self.equal_nan, self.check_dtype = options['equal_nan'], options['check_dtype']

    def compare(self):
        actual, expected = self.actual, self.expected
        if self.check_dtype and type(actual) is not type(expected):
            raise Failure(AssertionError, f'The (d)types do not match: {type(actual)} != '
                          f'{type(expected)}.', self.path)
        if actual == expected:
            return
        if self.equal_nan and math.isnan(actual) and math.isnan(expected):
            return
        abs_diff = abs(actual - expected)
        if math.isfinite(abs_diff) and abs_diff <= self.atol + self.rtol * abs(expected):
            return
        raise Failure(AssertionError,
                      scalar_mismatch_message(actual, expected, self.rtol, self.atol), self.path)


def originating_error(kind, actual, expected, path):
    """PyTorch's report of an unexpected error while setting up a comparison (its advice to
    file the issue with PyTorch left out)."""
    return RuntimeError(f'Originating a {kind}() at item {path_text(path)} with\n\n'
                        f'{type(actual).__name__}(): {actual}\n\nand\n\n'
                        f'{type(expected).__name__}(): {expected}\n\n'
                        'resulted in the unexpected exception above.')


class TensorLeaf:
    """microtorch Tensors, or two objects of related types that microtorch.as_tensor reads
    (NumPy arrays). The values are compared on the host, each tensor read there once."""
    FLAGS = ('equal_nan', 'check_device', 'check_dtype', 'check_layout', 'check_stride')

    @classmethod
    def make(cls, actual, expected, path, options):
        if not (isinstance(actual, type(expected)) or isinstance(expected, type(actual))):
            return None
        if not options['allow_subclasses'] and type(actual) is not type(expected):
            return None
        tensors = [cls.to_tensor(v, actual, expected, path) for v in (actual, expected)]
        if None in tensors:
            return None
        return cls(*tensors, path, options)

    @staticmethod
    def to_tensor(value, actual, expected, path):
        if isinstance(value, Tensor):
            return value
        if isinstance(value, np.ndarray) and value.dtype.kind == 'c':
            refuse_complex(actual, expected, path)
        from ..creation import as_tensor
        try:
            return as_tensor(value)
        except Exception:
            return None

    def __init__(self, actual, expected, path, options):
        self.actual, self.expected, self.path = actual, expected, path
        self.rtol, self.atol = tolerances([actual.dtype, expected.dtype], options['rtol'],
                                          options['atol'], path)
        for flag in self.FLAGS:
            setattr(self, flag, options[flag])

    def __repr__(self):
        fields = [('id', self.path), ('actual', self.actual), ('expected', self.expected),
                  ('rtol', self.rtol), ('atol', self.atol)]
        fields += [(flag, getattr(self, flag)) for flag in self.FLAGS]
        return '\n'.join(['TensorLikePair(', *[f'    {k}={v!s},' for k, v in fields], ')'])

    def fail(self, message):
        raise Failure(AssertionError, message, self.path)

    def compare(self):
        actual, expected = self.actual, self.expected
        self.compare_attributes(actual, expected)
        with no_grad():
            actual, expected = actual.cpu(), expected.cpu()
            if actual.dtype is not expected.dtype:
                common = _dtype.promote_types(actual.dtype, expected.dtype)
                actual, expected = actual.to(common), expected.to(common)
            self.compare_values(actual, expected)

    def compare_attributes(self, actual, expected):
        """Shape always; stride, device and dtype as asked (microtorch has one layout)."""
        checks = [('shape', True, actual.shape, expected.shape),
                  ('stride()', self.check_stride, lambda: actual.stride(),
                   lambda: expected.stride()),
                  ('device', self.check_device, actual.device, expected.device),
                  ('dtype', self.check_dtype, actual.dtype, expected.dtype)]
        for name, wanted, a, e in checks:
            if not wanted:
                continue
            a, e = (a(), e()) if callable(a) else (a, e)
            if a != e:
                self.fail(f"The values for attribute '{name}' do not match: {a} != {e}.")

    def compare_values(self, actual, expected):
        from ..ops.functional import isclose
        for name, tol in (('rtol', self.rtol), ('atol', self.atol)):
            if tol < 0:     # PyTorch's isclose refuses, and assert_close reports it so
                raise RuntimeError(f'Comparing\n\n{self!r}\n\nresulted in the unexpected '
                                   'exception above.') from RuntimeError(
                    f'{name} must be greater than or equal to zero, but got {tol:g}')
        matches = isclose(actual, expected, rtol=self.rtol, atol=self.atol,
                          equal_nan=self.equal_nan)
        if bool(matches.all()):
            return
        if not actual.shape:
            self.fail(scalar_mismatch_message(actual.item(), expected.item(), self.rtol,
                                              self.atol))
        self.fail(self.tensor_mismatch_message(actual, expected, matches))

    def tensor_mismatch_message(self, actual, expected, matches):
        """How many elements differ, and the greatest differences among them, computed as
        PyTorch does (integers in int64; their relative difference in the default dtype)."""
        total = matches.numel()
        mismatched = total - int(matches.sum())
        extra = f'Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})'
        actual, expected, close = actual.flatten(), expected.flatten(), matches.flatten()
        if not actual.is_floating_point():
            actual, expected = actual.to(_dtype.int64), expected.to(_dtype.int64)
        abs_diff = (actual - expected).abs()
        abs_diff[close] = 0
        rel_diff = abs_diff / expected.abs()
        rel_diff[close] = 0
        greatest = []
        for diff in (abs_diff, rel_diff):
            value, flat_index = diff.max(0)
            greatest += [value.item(), unravel(int(flat_index), matches.shape)]
        return mismatch_message('Tensor-likes', extra, greatest[0], greatest[2], self.rtol,
                                self.atol, greatest[1], greatest[3])


def unravel(flat_index, shape):
    index = []
    for size in reversed(shape):
        flat_index, rest = divmod(flat_index, size)
        index.append(rest)
    return tuple(reversed(index))


LEAF_KINDS = (NoneLeaf, BoolLeaf, NumberLeaf, TensorLeaf)
