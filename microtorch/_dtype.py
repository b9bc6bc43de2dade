"""Dtypes with PyTorch's names, aliases and type-promotion rules.

A `dtype` wraps a NumPy dtype (CuPy uses the same ones), so backends never translate.
"""
import numpy as np


class dtype:
    __slots__ = ('name', 'np', 'is_floating_point', 'is_signed', 'itemsize', '_category')

    def __init__(self, name, np_dtype, category):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == 2
        self.is_signed = category != 0 and self.np.kind != 'u'
        self._category = category           # 0 bool, 1 integer, 2 floating point

    def __repr__(self):
        return 'microtorch.' + self.name

    def __reduce__(self):
        return (_lookup_name, (self.name,))


def type_name(dt):
    """PyTorch's scalar-type name of a dtype (ours or NumPy's), as its error messages print
    it: 'Float'..."""
    return _TYPE_NAMES.get(dt.name, dt.name)


_TYPE_NAMES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'int64': 'Long',
               'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
               'bool': 'Bool'}


def c_type_name(dt):
    """The C type PyTorch's messages name a dtype by in some errors: 'float', 'long int'..."""
    return _C_TYPE_NAMES.get(dt.name, dt.name)


_C_TYPE_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half',
                 'int64': 'long int', 'int32': 'int', 'int16': 'short int',
                 'int8': 'signed char', 'uint8': 'unsigned char'}

bool_ = dtype('bool', np.bool_, 0)
uint8 = dtype('uint8', np.uint8, 1)
int8 = dtype('int8', np.int8, 1)
int16 = dtype('int16', np.int16, 1)
int32 = dtype('int32', np.int32, 1)
int64 = dtype('int64', np.int64, 1)
float16 = dtype('float16', np.float16, 2)
float32 = dtype('float32', np.float32, 2)
float64 = dtype('float64', np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
# PyTorch's aliases.
_BY_NAME.update({'float': float32, 'double': float64, 'half': float16, 'long': int64,
                 'int': int32, 'short': int16})

default_float = float32      # what Python floats and creation functions give


def _lookup_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype):
    """The microtorch dtype of a NumPy dtype, or TypeError if microtorch has none."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    np_dtype = np.dtype(np_dtype)
    if np_dtype in _BY_NP:
        return _BY_NP[np_dtype]
    # Types microtorch does not model map to their nearest PyTorch default.
    if np_dtype.kind == 'f':
        return float64 if np_dtype.itemsize > 4 else float32
    if np_dtype.kind in 'iu':       # uint16, uint32, uint64: the signed type that holds them
        return int64 if np_dtype.itemsize >= 4 else int32
    raise TypeError(f"can't convert np.ndarray of type {np_dtype}. The only supported types "
                    'are: float64, float32, float16, int64, int32, int16, int8, uint8, '
                    'and bool.')


def to_dtype(value):
    """Accept a microtorch dtype, a NumPy dtype, a Python type or a name."""
    if isinstance(value, dtype):
        return value
    if value is float:           # as PyTorch: the Python type means double
        return float64
    if value is int:
        return int64
    if value is bool:
        return bool_
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    try:
        return from_numpy_dtype(np.dtype(value))
    except TypeError:
        raise TypeError(f'{value!r} is not a dtype microtorch supports') from None


def promote_types(a, b):
    """PyTorch's promote_types for the dtypes microtorch has."""
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a.itemsize == b.itemsize and a._category == 1:
        return int16                     # uint8 and int8: the smallest type holding both
    return a if a.itemsize >= b.itemsize else b


_INTEGER_RANGES = {}
_INT64_MAX = 2 ** 63 - 1


def wrap_integer(value, np_dtype):
    """A Python int as a small integer dtype stores it: PyTorch's binary ops, clamp and fill_
    wrap a scalar out of the dtype's range (uint8 + -1 adds 255) where NumPy would raise."""
    bounds = _INTEGER_RANGES.get(np_dtype)
    if bounds is None:
        info = np.iinfo(np_dtype)
        bounds = _INTEGER_RANGES[np_dtype] = (int(info.min), int(info.max))
    low, high = bounds
    if low <= value <= high or high == _INT64_MAX:     # int64: PyTorch's overflow error
        return value
    return (value - low) % (high - low + 1) + low


# The C++ names PyTorch's overflow error gives the dtypes.
_OVERFLOW_NAMES = {'uint8': 'uint8_t', 'int8': 'int8_t', 'int16': 'int16_t', 'int32': 'int',
                   'int64': 'int64_t', 'float16': 'c10::Half', 'float32': 'float'}


def checked_scalar(value, np_dtype, wrap_unsigned=True):
    """A Python number as a fill of np_dtype (fill_, full, masked_fill, x[i] = v): wrapped as
    wrap_integer where PyTorch wraps (an int down to minus the maximum of an unsigned type,
    unless not wrap_unsigned: F.pad's constant), else PyTorch's overflow error. Floats
    overflow only when finite and beyond the maximum."""
    kind = np_dtype.kind
    if kind == 'b' or type(value) is bool or np_dtype.itemsize == 8 and kind == 'f':
        return value
    name = _OVERFLOW_NAMES[np_dtype.name]
    if kind == 'f':
        limit = float(np.finfo(np_dtype).max)
        if abs(value) > limit and value - value == 0:          # finite, too large
            raise RuntimeError(f'value cannot be converted to type {name} without overflow')
        return value
    info = np.iinfo(np_dtype)
    low, high = int(info.min), int(info.max)
    if type(value) is int:
        if kind == 'u' and wrap_unsigned:
            low = -high                  # PyTorch lets -1 wrap to 255 for uint8
        if low <= value <= high:
            return wrap_integer(value, np_dtype)
    elif low <= value <= high:           # a float (nan fails both tests)
        return value
    raise RuntimeError(f'value cannot be converted to type {name} without overflow')


def can_cast(src, dst):
    """PyTorch's canCast: never floating -> integral, never non-bool -> bool."""
    return src._category <= dst._category


def scalar_category(value):
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return 1
    return 2


_DEFAULT_OF_CATEGORY = {0: bool_, 1: int64}


def result_type(tensors, scalars=()):
    """The dtype of an op over `tensors` and Python `scalars`, by PyTorch's three-tier rule:
    dimensioned tensors outrank zero-dim tensors, which outrank Python scalars; a lower tier
    only matters when it is of a higher category (bool < integer < floating point)."""
    dim_result = zero_result = None
    for t in tensors:
        d = t.dtype
        if t._data.ndim:
            dim_result = d if dim_result is None else promote_types(dim_result, d)
        else:
            zero_result = d if zero_result is None else promote_types(zero_result, d)
    result = dim_result
    if zero_result is not None:
        if result is None or zero_result._category > result._category:
            result = zero_result
    for s in scalars:
        category = scalar_category(s)
        if result is None or category > result._category:
            result = default_float if category == 2 else _DEFAULT_OF_CATEGORY[category]
    return result


class finfo:
    """A floating dtype's limits, as torch.finfo: bits, eps, max, min, tiny
    (= smallest_normal), resolution; the default dtype's when none is given."""

    def __init__(self, type=None):
        type = default_float if type is None else to_dtype(type)
        if not type.is_floating_point:
            raise TypeError("microtorch.finfo() requires a floating point input type. Use "
                            "microtorch.iinfo to handle 'microtorch.finfo'")
        info = np.finfo(type.np)
        self.dtype = type.name
        self.bits, self.eps = info.bits, float(info.eps)
        self.resolution = 10.0 ** -info.precision        # a power of ten, as PyTorch's
        self.max, self.min = float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)

    def __repr__(self):
        return (f'finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, '
                f'eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, '
                f'tiny={self.tiny:g}, dtype={self.dtype})')


class iinfo:
    """An integer dtype's limits, as torch.iinfo: bits, max, min."""

    def __init__(self, type):
        type = to_dtype(type)
        if type.is_floating_point or type is bool_:
            raise TypeError("microtorch.iinfo() requires an integer input type. Use "
                            "microtorch.finfo to handle 'microtorch.iinfo'")
        info = np.iinfo(type.np)
        self.dtype = type.name
        self.bits, self.max, self.min = info.bits, int(info.max), int(info.min)

    def __repr__(self):
        return f'iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})'
