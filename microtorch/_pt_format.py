"""PyTorch's checkpoint format (torch.save's zip archive), read and written without PyTorch.

A torch.save file is a zip archive whose records lie in one folder (`archive/`): `data.pkl`, a
pickle (protocol 2) of the object in which every tensor is a call of
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)` and
every storage a persistent id `('storage', torch.FloatStorage, key, location, numel)`;
`data/<key>`, each storage's raw bytes; `byteorder` ('little' or 'big'); `version`; and a few
bookkeeping records (`.format_version`, `.storage_alignment`, `.data/serialization_id`).

Reading unpickles `data.pkl` with an allowlist, as torch.load(weights_only=True) does: only
the globals a weights-only file needs (the rebuild functions, storage classes, dtypes,
torch.Size, torch.device, OrderedDict and a few builtins) are found, each mapped to a
microtorch stand-in; anything else, and the BUILD opcode (which sets attributes) on anything
but an OrderedDict, is refused before it can run. Writing pickles microtorch objects under
the same global names, so torch.load reads the file; PyTorch is never imported.
"""
import codecs
import io
import pickle
from collections import Counter, OrderedDict

import numpy as np

from . import _dtype
from ._device import device as _device
from ._size import Size
from .tensor import Tensor

# torch's legacy storage classes (still what torch.save writes) and the dtype each holds
_STORAGE_DTYPES = {
    'BoolStorage': 'bool', 'ByteStorage': 'uint8', 'CharStorage': 'int8',
    'ShortStorage': 'int16', 'IntStorage': 'int32', 'LongStorage': 'int64',
    'HalfStorage': 'float16', 'FloatStorage': 'float32', 'DoubleStorage': 'float64',
    'BFloat16Storage': 'bfloat16', 'ComplexFloatStorage': 'complex64',
    'ComplexDoubleStorage': 'complex128',
}
_STORAGE_NAMES = {d: s for s, d in _STORAGE_DTYPES.items()}
# PyTorch dtypes microtorch does not have: a file holding them is refused by name
_FOREIGN_DTYPES = {
    'bfloat16', 'complex32', 'complex64', 'complex128', 'uint16', 'uint32', 'uint64',
    'float8_e4m3fn', 'float8_e4m3fnuz', 'float8_e5m2', 'float8_e5m2fnuz', 'float8_e8m0fnu',
    'float4_e2m1fn_x2', 'qint8', 'quint8', 'qint32', 'quint4x2', 'quint2x4', 'bits1x8',
    'bits2x4', 'bits4x2', 'bits8', 'bits16',
}
_ALIGNMENT = 64             # torch.save starts each storage's bytes at a multiple of this
_ARCHIVE = 'archive'        # the records' folder (torch.save names it after the file)


class Corrupt(Exception):
    """The file breaks the format: reported as a damaged or crafted checkpoint."""


class Refused(Exception):
    """The pickle asks for something a weights-only load does not allow."""


class ForeignDtype(Exception):
    """The file holds tensors of a dtype microtorch does not have."""


def is_checkpoint(names):
    return _prefix(names) is not None


def _prefix(names):
    """The records' folder: where `data.pkl` lies (torch.save puts all records in one)."""
    for name in names:
        folder, _, last = name.rpartition('/')
        if last == 'data.pkl' and folder and '/' not in folder:
            return folder
    return None


# ---- reading ---------------------------------------------------------------------------

class _StorageKind:
    """Stands for torch.FloatStorage and the like: which dtype a storage's bytes hold."""
    __slots__ = ('dtype',)

    def __init__(self, dtype):
        self.dtype = dtype


class _Storage:
    """A storage read from `data/<key>`: a flat native-order array."""
    __slots__ = ('array', 'location')

    def __init__(self, array, location):
        self.array = array
        self.location = location


class Reader:
    """Rebuilds the object in one checkpoint; `device_for(saved device)` applies map_location
    and `to_device(array, device)` moves an array off the CPU."""

    def __init__(self, archive, device_for, to_device):
        self.archive = archive
        self.prefix = _prefix(archive.namelist())
        self.device_for = device_for
        self.to_device = to_device
        self._storages = {}
        self._globals = self._allowed_globals()

    def run(self):
        order = self._record('byteorder', optional=True)
        order = 'little' if order is None else order.decode('ascii', 'replace')
        if order not in ('little', 'big'):
            raise Corrupt(f'unknown byte order {order!r}')
        self._order = '<' if order == 'little' else '>'
        return _Unpickler(io.BytesIO(self._record('data.pkl')), self).load()

    def _record(self, name, optional=False):
        try:
            return self.archive.read(f'{self.prefix}/{name}')
        except KeyError:
            if optional:
                return None
            raise Corrupt(f'it has no record {name}') from None

    def _allowed_globals(self):
        allowed = {
            'collections.OrderedDict': OrderedDict,
            'collections.Counter': Counter,
            'builtins.set': set,
            'builtins.frozenset': frozenset,
            'builtins.complex': complex,
            'builtins.bytearray': bytearray,
            '_codecs.encode': _encode,
            'torch.Size': Size,
            'torch.device': _device,
            'torch._utils._rebuild_tensor_v2': self.rebuild_tensor,
            'torch._utils._rebuild_parameter': _rebuild_parameter,
            'torch.storage.UntypedStorage': _StorageKind(_dtype.uint8),
            'torch.UntypedStorage': _StorageKind(_dtype.uint8),
        }
        for name in ('bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16',
                     'float32', 'float64'):
            allowed[f'torch.{name}'] = _dtype._BY_NAME[name]
            allowed[f'torch.{_STORAGE_NAMES[name]}'] = _StorageKind(_dtype._BY_NAME[name])
        return allowed

    def find(self, module, name):
        if module == '__builtin__':         # protocol 2 writes Python 2's name for builtins
            module = 'builtins'
        full = f'{module}.{name}'
        if full in self._globals:
            return self._globals[full]
        if module == 'torch' and (name in _FOREIGN_DTYPES or
                                  _STORAGE_DTYPES.get(name) in _FOREIGN_DTYPES):
            raise ForeignDtype(_STORAGE_DTYPES.get(name, name))
        raise Refused(f'Unsupported global: GLOBAL {full} was not an allowed global by default')

    def storage(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == 'storage'):
            raise Corrupt(f'unknown persistent id {pid!r:.80}')
        _, kind, key, location, numel = pid
        if (not isinstance(kind, _StorageKind) or not isinstance(key, str)
                or not isinstance(location, str) or type(numel) is not int or numel < 0):
            raise Corrupt(f'bad storage reference {pid!r:.80}')
        dtype = kind.dtype
        if key in self._storages:
            storage = self._storages[key]
            if storage.array.dtype != dtype.np:
                raise Corrupt(f'storage {key} is read as two dtypes')
            return storage
        data = self._record(f'data/{key}')
        if len(data) != numel * dtype.np.itemsize:
            raise Corrupt(f'storage {key} has {len(data)} bytes, not the {numel} {dtype.name} '
                          'elements its reference says')
        array = np.frombuffer(data, dtype.np.newbyteorder(self._order))
        array = array.astype(dtype.np, copy=True)          # native order, writable
        storage = self._storages[key] = _Storage(array, _parse_device(location))
        return storage

    def rebuild_tensor(self, storage, offset, size, stride, requires_grad, hooks=None,
                       metadata=None):
        if not isinstance(storage, _Storage):
            raise Corrupt('a tensor without a storage')
        if (not _ints(size) or not _ints(stride) or len(size) != len(stride)
                or type(offset) is not int or offset < 0 or not isinstance(requires_grad, bool)):
            raise Corrupt(f'bad tensor geometry: offset {offset!r:.40}, size {size!r:.80}, '
                          f'stride {stride!r:.80}')
        base = storage.array
        if any(n < 0 for n in size) or any(s < 0 for s in stride):
            raise Corrupt(f'negative size or stride: {size} {stride}')
        if 0 in size:
            array = np.empty(size, base.dtype)
        else:
            last = offset + sum((n - 1) * s for n, s in zip(size, stride))
            if last >= base.size:
                raise Corrupt(f'a tensor of size {size} and stride {stride} at offset {offset} '
                              f'reaches past its storage of {base.size} elements')
            step = base.itemsize
            array = np.lib.stride_tricks.as_strided(
                base[offset:], shape=size, strides=[s * step for s in stride])
            if _overlaps(size, stride):        # an expanded tensor: its own copy to write
                array = array.copy()
        dtype = _dtype._BY_NAME[base.dtype.name]
        if requires_grad and not dtype.is_floating_point:
            raise Corrupt(f'a {dtype.name} tensor that requires grad')
        target = self.device_for(storage.location)
        if target.type != 'cpu':
            array = self.to_device(array, target)
        return Tensor._make(array, requires_grad)


def _rebuild_parameter(data, requires_grad, hooks=None):
    from .nn.parameter import Parameter
    if not isinstance(data, Tensor) or not isinstance(requires_grad, bool):
        raise Corrupt('a Parameter without a tensor')
    return Parameter(data, requires_grad=requires_grad)


def _encode(text, encoding='utf-8'):
    """What protocol 2 pickles bytes as: `_codecs.encode(str, 'latin1')`."""
    if not isinstance(text, str) or encoding not in ('latin1', 'latin-1'):
        raise Corrupt('bad bytes record')
    return codecs.encode(text, 'latin1')


def _ints(values):
    return isinstance(values, tuple) and all(type(v) is int for v in values)


def _overlaps(size, stride):
    """Whether two indices of this geometry reach the same element (checked as PyTorch's
    non-overlapping-and-dense test does: dims sorted by stride must nest)."""
    span = 1
    for n, s in sorted((d for d in zip(size, stride) if d[0] > 1), key=lambda d: d[1]):
        if s < span:
            return True
        span = s * n
    return False


def _parse_device(name):
    try:
        return _device(name)
    except (RuntimeError, TypeError, ValueError) as error:
        raise Corrupt(str(error)) from None


class _Unpickler(pickle._Unpickler):
    """The pure-Python unpickler, with globals looked up in the reader's allowlist, storages
    read from the archive, and BUILD (which sets attributes) allowed on OrderedDicts only."""

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, reader):
        super().__init__(file, encoding='utf-8')
        self._reader = reader

    def find_class(self, module, name):
        return self._reader.find(module, name)

    def persistent_load(self, pid):
        return self._reader.storage(pid)

    def _build(self):
        """BUILD only as torch.save writes it: a state dict's `_metadata`, set on its
        OrderedDict (versions its modules' loaders read)."""
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) is not OrderedDict:
            raise Refused(f'Unsupported operation: BUILD on a {type(inst).__name__} object '
                          'was not allowed')
        if not (type(state) is dict and all(type(k) is str for k in state)):
            raise Corrupt('a bad OrderedDict state')
        inst.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = _build

    def _unused_opcode(self):
        # protocol 5's buffers: torch.save never writes them, and BYTEARRAY8 would allocate
        # whatever size the file claims before reading a byte
        raise Corrupt('a pickle opcode torch.save does not write (protocol 5 buffers)')

    for _opcode in (pickle.BYTEARRAY8, pickle.NEXT_BUFFER, pickle.READONLY_BUFFER):
        dispatch[_opcode[0]] = _unused_opcode
    del _opcode


# ---- writing ---------------------------------------------------------------------------

def misfit(obj, depth=0):
    """The name of the first type in `obj` that torch.load(weights_only=True) would not read,
    or None when it is all tensors, numbers and the like in plain containers."""
    kind = type(obj)
    if obj is None or kind in (bool, int, float, complex, str, bytes):
        return None
    if isinstance(obj, Tensor) or kind in (_dtype.dtype, _device, Size):
        return None
    if depth > 500:
        return 'nested too deeply'
    if kind in (dict, OrderedDict):
        items = (x for pair in obj.items() for x in pair)
    elif kind in (list, tuple, set):
        items = obj
    else:
        return kind.__name__
    for item in items:
        found = misfit(item, depth + 1)
        if found is not None:
            return found
    return None


class _Global:
    """A global name to write as it is (`torch._utils _rebuild_tensor_v2`), importing nothing."""
    __slots__ = ('module', 'name')

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):          # pickle writes only callables as a call's function
        raise TypeError(f'{self.module}.{self.name} is a name to write, not to call')


class _StorageOut:
    __slots__ = ('key', 'dtype', 'location', 'numel')

    def __init__(self, key, dtype, location, numel):
        self.key, self.dtype, self.location, self.numel = key, dtype, location, numel


_REBUILD_TENSOR = _Global('torch._utils', '_rebuild_tensor_v2')
_REBUILD_PARAMETER = _Global('torch._utils', '_rebuild_parameter')
_ORDERED_DICT = _Global('collections', 'OrderedDict')
_SIZE = _Global('torch', 'Size')
_DEVICE = _Global('torch', 'device')


class _Pickler(pickle._Pickler):
    """Pickles microtorch objects as torch.save does: tensors as rebuild calls over storages
    (collected in `arrays`), dtypes, devices and Sizes under torch's names."""

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file):
        super().__init__(file, protocol=2)
        self.arrays = []
        self._globals = {}

    def persistent_id(self, obj):
        if type(obj) is _StorageOut:
            kind = self._global('torch', _STORAGE_NAMES[obj.dtype])
            return ('storage', kind, obj.key, obj.location, obj.numel)
        return None

    def reducer_override(self, obj):
        from .nn.parameter import Parameter
        if isinstance(obj, Parameter):
            data = Tensor._make(obj._data, False)
            return _REBUILD_PARAMETER, (data, obj.requires_grad, _Rebuilt(_ORDERED_DICT, ()))
        if isinstance(obj, Tensor):
            return _REBUILD_TENSOR, self._tensor_args(obj)
        if type(obj) is Size:
            return _SIZE, (tuple(obj),)
        if type(obj) is _device:
            return _DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index)
        return NotImplemented

    def _tensor_args(self, t):
        from . import backends
        array = backends.for_array(t._data).to_host(t._data)
        if not array.flags.c_contiguous:
            array = array.copy(order='C')           # (np.ascontiguousarray makes 0-d 1-d)
        key = str(len(self.arrays))
        self.arrays.append(array)
        storage = _StorageOut(key, t.dtype.name, str(t.device), array.size)
        return (storage, 0, tuple(array.shape), _contiguous_strides(array.shape),
                t.requires_grad, _Rebuilt(_ORDERED_DICT, ()))

    def _global(self, module, name):
        key = (module, name)
        if key not in self._globals:
            self._globals[key] = _Global(module, name)
        return self._globals[key]

    def _save_global_name(self, g):
        self.write(pickle.GLOBAL + f'{g.module}\n{g.name}\n'.encode('utf-8'))
        self.memoize(g)

    def _save_dtype(self, d):
        self.write(pickle.GLOBAL + f'torch\n{d.name}\n'.encode('utf-8'))
        self.memoize(d)

    def _save_rebuilt(self, r):
        self.save_reduce(r.func, r.args, obj=r)

    dispatch[_Global] = _save_global_name
    dispatch[_dtype.dtype] = _save_dtype


class _Rebuilt:
    """An object written as a call, `func(*args)` (here: an empty OrderedDict of hooks)."""
    __slots__ = ('func', 'args')

    def __init__(self, func, args):
        self.func, self.args = func, args


_Pickler.dispatch[_Rebuilt] = _Pickler._save_rebuilt


def _contiguous_strides(shape):
    strides, step = [], 1
    for n in reversed(shape):
        strides.insert(0, step)
        step *= max(n, 1)
    return tuple(strides)


def write(obj, out):
    """Write `obj` to the binary file `out` as torch.save (zip format) does."""
    import zipfile
    data = io.BytesIO()
    pickler = _Pickler(data)
    pickler.dump(obj)
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_STORED) as archive:
        _add(archive, 'data.pkl', data.getvalue())
        _add(archive, '.format_version', b'1')
        _add(archive, '.storage_alignment', str(_ALIGNMENT).encode())
        _add(archive, 'byteorder', b'little')
        for key, array in enumerate(pickler.arrays):
            _add(archive, f'data/{key}', array.astype(array.dtype.newbyteorder('<'),
                                                      copy=False))
        _add(archive, 'version', b'3\n')


def _add(archive, name, payload):
    """One stored record, its bytes starting at a multiple of _ALIGNMENT (padding in the
    local header's extra field, as torch.save pads)."""
    import zipfile
    info = zipfile.ZipInfo(f'{_ARCHIVE}/{name}', date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    if isinstance(payload, np.ndarray):
        payload = memoryview(payload.reshape(-1).view(np.uint8))
    big = len(payload) > (1 << 31) - (1 << 20)               # zip64 past ~2 GiB
    start = archive.fp.tell() + 30 + len(info.filename.encode('utf-8')) + (20 if big else 0)
    pad = -(start + 4) % _ALIGNMENT
    info.extra = b'FB' + pad.to_bytes(2, 'little') + b'Z' * pad
    with archive.open(info, 'w', force_zip64=big) as member:
        member.write(payload)
