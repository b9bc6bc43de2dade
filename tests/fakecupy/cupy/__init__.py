"""A stand-in for CuPy that runs on the CPU: the tests of a machine without a GPU put this
directory on sys.path and run microtorch's CUDA backend - our real kernels/*.cu, compiled
as C++ with _emu.h - against it.

It is deliberately stricter than CuPy where CuPy would be silently wrong or slow:
  - an array never converts to NumPy implicitly (`__array__` raises, as CuPy's does);
    mixing it with NumPy arrays raises TypeError, as CuPy does;
  - `flags` has no `writeable` (CuPy's has none either);
  - arrays live on a device (FAKECUPY_DEVICES devices, default 1); an operation on an array
    of another device than the current one raises, as CuPy does; a kernel launched with one
    raises too (on a GPU that would be an illegal address);
  - kernel arguments are checked against the kernel's C++ signature (a float32 passed for a
    double parameter is garbage on a GPU; here it is a TypeError);
  - memory from `empty` is poisoned (NaN / -1), every array sits between guard bytes, and a
    kernel that writes outside its arguments raises;
  - a launch with an empty grid raises, as the driver does.
"""
import ctypes
import hashlib
import os
import subprocess
import tempfile
import threading
import weakref

import numpy as np

__version__ = '14.0.0+fake'
FAKE = True

_GUARD = 64
_GUARD_BYTE = 0xAB
_N_DEVICES = int(os.environ.get('FAKECUPY_DEVICES', '1'))
_SM_COUNT = int(os.environ.get('FAKECUPY_SM_COUNT', '2'))
_state = threading.local()


def _current():
    stack = getattr(_state, 'stack', None)
    if not stack:
        _state.stack = stack = [0]
    return stack[-1]


# ---- memory: guarded buffers, owners, the pool's counts --------------------------------

_guarded = weakref.WeakValueDictionary()     # id(raw buffer) -> raw buffer
_owners = {}                                 # id(raw buffer) -> (weakref raw, weakref fake)
_used = [0] * max(_N_DEVICES, 1)


def _release(device, nbytes):
    _used[device] -= nbytes


def _raw(nbytes, device, poison):
    allocator = cuda.get_allocator() or _POOL.malloc     # as CuPy: every allocation asks it
    allocator(nbytes)
    buf = np.empty(nbytes + 2 * _GUARD, np.uint8)
    buf[:_GUARD] = _GUARD_BYTE
    buf[_GUARD + nbytes:] = _GUARD_BYTE
    buf[_GUARD:_GUARD + nbytes] = 0xFF if poison else 0
    _guarded[id(buf)] = buf
    _used[device] += nbytes
    weakref.finalize(buf, _release, device, nbytes)
    return buf


def _root(a):
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _new_owner(shape, dtype, device, poison=False, fill=None):
    dtype = np.dtype(dtype)
    shape = tuple(int(n) for n in (shape if isinstance(shape, (tuple, list)) else (shape,)))
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    buf = _raw(nbytes, device, poison)
    a = buf[_GUARD:_GUARD + nbytes].view(dtype).reshape(shape)
    if fill is not None:
        a[...] = fill
    out = ndarray._make(a, None, device)
    _owners[id(buf)] = (weakref.ref(buf), weakref.ref(out))
    return out


def _owner_of(root):
    entry = _owners.get(id(root))
    if entry is None or entry[0]() is not root:
        return None
    return entry[1]()


def _adopt(a, device):
    """A fake array for a NumPy result: a view of an existing fake array stays a view (its
    base is that array's owner), anything else is copied into a guarded buffer."""
    if isinstance(a, np.generic) or not isinstance(a, np.ndarray):
        a = np.asarray(a)
    root = _root(a)
    if root is not a:
        owner = _owner_of(root)
        if owner is not None:
            return ndarray._make(a, owner, owner._device)
    return _new_owner(a.shape, a.dtype, device, fill=a)


# ---- the array ----------------------------------------------------------------------------

class _Flags:
    __slots__ = ('c_contiguous', 'f_contiguous', 'owndata')

    def __init__(self, a, owndata):
        self.c_contiguous = bool(a.flags.c_contiguous)
        self.f_contiguous = bool(a.flags.f_contiguous)
        self.owndata = owndata

    def __getitem__(self, name):
        return {'C_CONTIGUOUS': self.c_contiguous, 'F_CONTIGUOUS': self.f_contiguous,
                'OWNDATA': self.owndata}[name]


class _MemoryPointer:
    __slots__ = ('ptr', 'device_id')

    def __init__(self, ptr, device_id):
        self.ptr = ptr
        self.device_id = device_id

    @property
    def device(self):
        return cuda.Device(self.device_id)


def _check_device(arrays):
    current = _current()
    for x in arrays:
        if x._device != current:
            raise ValueError(f'Array device must be same as the current device: array '
                             f'device = {x._device} while current = {current}')


def _unwrap(value, found):
    """NumPy values for a NumPy call: fake arrays unwrapped (collected in `found`),
    sequences walked; a NumPy array is refused, as CuPy refuses it."""
    if isinstance(value, ndarray):
        found.append(value)
        return value._a
    if isinstance(value, np.ndarray):
        raise TypeError(f'Unsupported type {type(value)} (a NumPy array mixed with fake '
                        'CuPy arrays: move it with cupy.asarray first)')
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v, found) for v in value)
    return value


def _wrap(result, inputs, device):
    if isinstance(result, tuple):
        return tuple(_wrap(r, inputs, device) for r in result)
    if isinstance(result, list):
        return [_wrap(r, inputs, device) for r in result]
    if isinstance(result, (np.ndarray, np.generic)):
        for x in inputs:
            if result is x._a:
                return x
        return _adopt(result, device)
    return result


def _call(fn, args, kwargs):
    found = []
    args = _unwrap(args, found)
    kwargs = {k: _unwrap(v, found) for k, v in kwargs.items()}
    result = fn(*args, **kwargs)
    if any(x._device != _current() for x in found) and not _only_views(result):
        _check_device(found)          # a computation (a kernel on a GPU): raises, as CuPy
    return _wrap(result, found, _current())


def _only_views(result):
    """Is the result made of views of existing fake arrays (no kernel would run)?"""
    if isinstance(result, (tuple, list)):
        return all(_only_views(r) for r in result)
    if not isinstance(result, np.ndarray):
        return False
    root = _root(result)
    return root is not result and _owner_of(root) is not None


class ndarray:
    __slots__ = ('_a', '_base', '_device', '__weakref__')
    __array_priority__ = 1000

    def __init__(self, shape, dtype=float):
        raise TypeError('make fake arrays with cupy.empty, cupy.asarray and friends')

    @classmethod
    def _make(cls, a, base, device):
        self = object.__new__(cls)
        self._a = a
        self._base = base
        self._device = device
        return self

    # what it is
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    base = property(lambda self: self._base)
    flags = property(lambda self: _Flags(self._a, self._base is None))
    device = property(lambda self: cuda.Device(self._device))
    data = property(lambda self: _MemoryPointer(self._a.ctypes.data, self._device))

    @property
    def T(self):
        return self.transpose()

    def __array__(self, *args, **kwargs):
        raise TypeError('Implicit conversion to a NumPy array is not allowed. Please use '
                        '`.get()` to construct a NumPy array explicitly.')

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _call(func, args, kwargs)

    def get(self, stream=None, order='C', out=None):
        return np.array(self._a, order=order, copy=True)

    def item(self):
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    def __repr__(self):
        return 'fakecupy.' + repr(self._a)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError('iteration over a 0-d array')
        return (self[i] for i in range(self.shape[0]))

    def __bool__(self):
        return bool(self._a)

    def __int__(self):
        return int(self._a)

    def __float__(self):
        return float(self._a)

    def __index__(self):
        return self._a.__index__()

    def __getitem__(self, key):
        return _call(lambda a, k: a[k], (self, key), {})

    def __setitem__(self, key, value):
        found = []
        key = _unwrap(key, found)
        value = _unwrap(value, found)
        _check_device([self] + found)
        self._a[key] = value

    def copy(self, order='C'):
        return _call(lambda a: a.copy(order), (self,), {})

    def astype(self, dtype, order='K', casting=None, subok=None, copy=True):
        out = _call(lambda a: a.astype(dtype, copy=copy), (self,), {})
        return out

    def reshape(self, *shape, order='C'):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _call(lambda a: a.reshape(shape, order=order), (self,), {})

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return _call(lambda a: a.transpose(*axes) if axes else a.transpose(), (self,), {})

    def __getattr__(self, name):
        # the rest of ndarray's methods (sum, max, ravel, squeeze, fill, ...) via NumPy's
        method = getattr(np.ndarray, name)
        if not callable(method):
            raise AttributeError(name)
        return lambda *args, **kwargs: _call(method, (self,) + args, kwargs)

    __hash__ = None


def _binary_method(ufunc, reflected=False, inplace=False):
    def method(self, other):
        if isinstance(other, np.ndarray):
            raise TypeError(f'Unsupported type {type(other)}')
        if inplace:
            _call(lambda a, b: ufunc(a, b, out=a), (self, other), {})
            return self
        args = (other, self) if reflected else (self, other)
        return _call(ufunc, args, {})
    return method


for _names, _ufunc in (
        (('add',), np.add), (('sub',), np.subtract), (('mul',), np.multiply),
        (('truediv',), np.true_divide), (('floordiv',), np.floor_divide),
        (('mod',), np.remainder), (('pow',), np.power), (('and',), np.bitwise_and),
        (('or',), np.bitwise_or), (('xor',), np.bitwise_xor), (('matmul',), np.matmul)):
    for _n in _names:
        setattr(ndarray, f'__{_n}__', _binary_method(_ufunc))
        setattr(ndarray, f'__r{_n}__', _binary_method(_ufunc, reflected=True))
        setattr(ndarray, f'__i{_n}__', _binary_method(_ufunc, inplace=True))
for _n, _ufunc in (('eq', np.equal), ('ne', np.not_equal), ('lt', np.less),
                   ('le', np.less_equal), ('gt', np.greater), ('ge', np.greater_equal)):
    setattr(ndarray, f'__{_n}__', _binary_method(_ufunc))
ndarray.__neg__ = lambda self: _call(np.negative, (self,), {})
ndarray.__pos__ = lambda self: self
ndarray.__abs__ = lambda self: _call(np.abs, (self,), {})
ndarray.__invert__ = lambda self: _call(np.invert, (self,), {})


# ---- module functions ---------------------------------------------------------------------

def empty(shape, dtype=float, order='C'):
    return _new_owner(shape, dtype, _current(), poison=True)


def zeros(shape, dtype=float, order='C'):
    return _new_owner(shape, dtype, _current())


def ones(shape, dtype=float, order='C'):
    return _new_owner(shape, dtype, _current(), fill=1)


def full(shape, fill_value, dtype=None, order='C'):
    if dtype is None:
        dtype = np.asarray(fill_value).dtype
    return _new_owner(shape, dtype, _current(), fill=fill_value)


def empty_like(a, dtype=None, order='K', subok=None, shape=None):
    return empty(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


def zeros_like(a, dtype=None, order='K', subok=None, shape=None):
    return zeros(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


def ones_like(a, dtype=None, order='K', subok=None, shape=None):
    return ones(a.shape if shape is None else shape, a.dtype if dtype is None else dtype)


def array(obj, dtype=None, copy=True, order='K', ndmin=0):
    if isinstance(obj, ndarray):
        if obj._device != _current():                  # a copy between devices
            return _new_owner(obj.shape, obj.dtype if dtype is None else dtype, _current(),
                              fill=obj._a)
        if not copy and (dtype is None or np.dtype(dtype) == obj.dtype):
            return obj
        return _call(lambda a: np.array(a, dtype=dtype, copy=True), (obj,), {})
    host = np.array(obj, dtype=dtype)                  # from the host: always a copy
    return _new_owner(host.shape, host.dtype, _current(), fill=host)


def asarray(a, dtype=None, order=None):
    return array(a, dtype, copy=False)


def asnumpy(a, stream=None, order='C', out=None):
    if isinstance(a, ndarray):
        return a.get()
    return np.asarray(a)


def reshape(a, newshape, order='C'):
    """CuPy's signature: no copy= (NumPy 2.1 has one; code must not rely on it)."""
    return a.reshape(newshape, order=order)


class _StrideTricks:
    """cupy.lib.stride_tricks: as_strided makes a view of x's memory (no copy, no kernel)."""

    @staticmethod
    def as_strided(x, shape=None, strides=None):
        view = np.lib.stride_tricks.as_strided(x._a, shape, strides)
        return ndarray._make(view, x if x._base is None else x._base, x._device)


class lib:
    stride_tricks = _StrideTricks


def diagonal(a, offset=0, axis1=0, axis2=1):
    """CuPy's diagonal is a writeable view of a's memory (NumPy's is read-only)."""
    d = np.diagonal(a._a, offset, axis1, axis2)
    root = a._a
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = d.__array_interface__['data'][0] - root.__array_interface__['data'][0]
    view = np.ndarray(d.shape, d.dtype, buffer=root, offset=start, strides=d.strides)
    return ndarray._make(view, a if a._base is None else a._base, a._device)


def get_array_module(*args):
    import sys
    return sys.modules[__name__] if any(isinstance(a, ndarray) for a in args) else np


def __getattr__(name):
    value = getattr(np, name)
    if isinstance(value, (type, np.dtype)) or not callable(value):
        return value                                   # dtypes, constants
    wrapped = (lambda *args, **kwargs: _call(value, args, kwargs))
    wrapped.__name__ = name
    return wrapped


# ---- the memory pool, the random generator -------------------------------------------------

# FAKECUPY_MEMORY_LIMIT: bytes per device the pool may hold (to test out-of-memory errors).
_LIMIT = int(os.environ.get('FAKECUPY_MEMORY_LIMIT', '0')) or None


class MemoryPool:
    def malloc(self, nbytes):
        """Only the accounting of CuPy's malloc: raise its error past the limit."""
        used = _used[_current()]
        if _LIMIT is not None and used + nbytes > _LIMIT:
            raise cuda.memory.OutOfMemoryError(nbytes, used)

    def used_bytes(self):
        return _used[_current()]

    def total_bytes(self):
        return _used[_current()]

    def free_bytes(self):
        return 0

    def free_all_blocks(self, stream=None):
        pass

    def n_free_blocks(self):
        return 0


_POOL = MemoryPool()


def get_default_memory_pool():
    return _POOL


class _Random:
    seeds = []

    def seed(self, seed=None):
        self.seeds.append((_current(), seed))


random = _Random()


# ---- RawModule: the kernels, compiled for the CPU -------------------------------------------

_HERE = os.path.dirname(os.path.abspath(__file__))
_CACHE = os.environ.get('FAKECUPY_CACHE',
                        os.path.join(tempfile.gettempdir(), f'fakecupy-{os.getuid()}'))
_CTYPES = {('f', 4): np.float32, ('f', 8): np.float64, ('i', 4): np.int32,
           ('i', 8): np.int64, ('b', 1): np.bool_, ('i', 1): np.int8, ('i', 2): np.int16}


def _build(code, names):
    """The path of the shared library of `code` with its kernels `names` (built once; the
    cache is keyed by the text, the names and _emu.h)."""
    with open(os.path.join(_HERE, '_emu.h')) as fh:
        emu = fh.read()
    key = hashlib.sha256('\0'.join([emu, code] + list(names)).encode()).hexdigest()[:24]
    os.makedirs(_CACHE, exist_ok=True)
    lib_path = os.path.join(_CACHE, f'k{key}.so')
    if os.path.exists(lib_path):
        return lib_path
    lines = [f'#include "{os.path.join(_HERE, "_emu.h")}"', '#line 1 "kernel.cu"', code,
             'extern "C" const char* mt_error() { return mt_emu::g_error; }']
    for i, name in enumerate(names):
        lines.append(f'extern "C" int mt_launch_{i}(unsigned g, unsigned b, void** a) '
                     f'{{ return mt_emu::launch(&{name}, g, b, a); }}')
        lines.append(f'extern "C" const char* mt_describe_{i}() {{ static std::string s = '
                     f'mt_emu::describe(&{name}); return s.c_str(); }}')
    tag = f'{os.getpid()}.{threading.get_ident()}'
    src = lib_path[:-3] + f'.{tag}.cpp'
    with open(src, 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    tmp = lib_path + f'.{tag}.tmp'
    cmd = ['g++', '-std=c++17', '-O1', '-g0', '-shared', '-fPIC', '-w', '-o', tmp, src]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    os.unlink(src)
    if proc.returncode:
        raise cuda.compiler.CompileException(proc.stderr, code, 'kernel.cu', (), 'nvrtc')
    os.replace(tmp, lib_path)
    return lib_path


def _compile(code, names):
    return ctypes.CDLL(_build(code, names))


def warm(jobs):
    """Build several (code, names) libraries in parallel (the tests call this first)."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        list(pool.map(lambda job: _build(*job), jobs))


class RawModule:
    def __init__(self, code=None, path=None, options=(), backend='nvrtc',
                 translate_cucomplex=False, *, enable_cooperative_groups=False,
                 name_expressions=None, jitify=False):
        self.code = code
        self.options = options
        self.name_expressions = list(name_expressions or ())
        self._lib = None

    def compile(self, log_stream=None):
        if self._lib is None:
            self._lib = _compile(self.code, self.name_expressions)

    def get_function(self, name):
        self.compile()
        i = self.name_expressions.index(name)
        return _Kernel(self._lib, i, name)


class _Kernel:
    launches = 0                      # counted for the tests

    def __init__(self, lib, i, name):
        self.name = name
        self._launch = getattr(lib, f'mt_launch_{i}')
        self._launch.restype = ctypes.c_int
        self._launch.argtypes = [ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p]
        describe = getattr(lib, f'mt_describe_{i}')
        describe.restype = ctypes.c_char_p
        self._params = describe().decode().rstrip(',').split(',')
        self._error = lib.mt_error
        self._error.restype = ctypes.c_char_p

    def __call__(self, grid, block, args, shared_mem=0, stream=None):
        grid, block = tuple(grid) + (1, 1), tuple(block) + (1, 1)
        if grid[1:3] != (1, 1) or block[1:3] != (1, 1):
            raise ValueError('the emulator runs 1-D grids only')
        if grid[0] <= 0 or block[0] <= 0:
            raise RuntimeError(f'{self.name}: cudaErrorInvalidConfiguration: invalid '
                               f'configuration argument (grid {grid}, block {block})')
        if len(args) != len(self._params):
            raise TypeError(f'{self.name}: {len(args)} arguments for '
                            f'{len(self._params)} parameters')
        keep, pointers, arrays = [], [], []
        for k, (value, param) in enumerate(zip(args, self._params)):
            where, kind, size = param[0], param[1], int(param[2:])
            if where == 'p':
                if value is None:
                    keep.append(ctypes.c_void_p(0))
                else:
                    if not isinstance(value, ndarray):
                        raise TypeError(f'{self.name}: argument {k} must be an array, got '
                                        f'{type(value).__name__}')
                    dt = value.dtype
                    ok = dt.itemsize == size and (
                        (kind == 'f' and dt.kind == 'f') or (kind == 'b' and dt.kind == 'b')
                        or (kind == 'i' and dt.kind in 'iu'))
                    if not ok:
                        raise TypeError(f'{self.name}: argument {k} is {dt}, the kernel '
                                        f'reads {param}')
                    if value._device != _current():
                        raise RuntimeError(f'{self.name}: argument {k} lives on device '
                                           f'{value._device}, launched on {_current()}')
                    arrays.append(value)
                    keep.append(ctypes.c_void_p(value._a.ctypes.data))
            else:
                if isinstance(value, ndarray):
                    raise TypeError(f'{self.name}: argument {k} is an array, the kernel '
                                    f'takes a value {param}')
                if isinstance(value, bool):
                    value = np.bool_(value)
                elif isinstance(value, int):
                    value = np.int64(value)                # CuPy's rule for Python ints
                elif isinstance(value, float):
                    value = np.float64(value)
                dt = np.asarray(value).dtype
                want = _CTYPES[(kind, size)]
                if dt != np.dtype(want):
                    raise TypeError(f'{self.name}: argument {k} is {dt}, the kernel '
                                    f'takes {np.dtype(want)}')
                keep.append(np.array(value, dtype=want))
            pointers.append(ctypes.cast(ctypes.pointer(keep[-1]), ctypes.c_void_p)
                            if where == 'p' else keep[-1].ctypes.data)
        argv = (ctypes.c_void_p * max(len(pointers), 1))(*pointers)
        rc = self._launch(grid[0], block[0], argv)
        _Kernel.launches += 1
        if rc:
            raise RuntimeError(f'{self.name}: {self._error().decode()}')
        for a in arrays:
            buf = _root(a._a)
            if _guarded.get(id(buf)) is buf:
                n = buf.size - 2 * _GUARD
                if (buf[:_GUARD] != _GUARD_BYTE).any() or \
                        (buf[_GUARD + n:] != _GUARD_BYTE).any():
                    raise RuntimeError(f'{self.name}: wrote outside the bounds of an array '
                                       f'argument of shape {a.shape}')


from . import cuda  # noqa: E402
