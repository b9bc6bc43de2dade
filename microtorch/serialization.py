"""`save` and `load`: tensors and containers of them, in files that run no code when loaded.

A file is a zip archive in np.savez's layout: one `.npy` member per tensor (NumPy's format,
written and read with allow_pickle=False) and `microtorch.json`, which describes the object:
dicts and OrderedDicts (keys keep their types), lists, tuples, numbers, strings, None,
dtypes, devices, NumPy arrays, and tensors by member number with their dtype, shape,
requires_grad and device. That covers model and optimizer state dicts. Loading parses JSON
and reads arrays; nothing in a file can name a function or class to call, unlike pickle
(which torch.save uses, and which this module never reads).
"""
import os
from collections import OrderedDict

import numpy as np

from . import _dtype
from . import backends
from ._device import device as _device
from ._size import Size
from .tensor import Tensor

_FORMAT, _VERSION = 'microtorch', 1
_STRUCTURE = 'microtorch.json'
_ZIP_MAGIC = b'PK\x03\x04'
_ARRAY_KINDS = 'biuf'           # NumPy arrays of these kinds may be saved: never objects


def save(obj, f, pickle_module=None, pickle_protocol=None,
         _use_new_zipfile_serialization=True):
    """Write `obj` to `f` (a path or a binary file object). The pickle arguments are accepted
    for PyTorch code and ignored: there is no pickle here. Tensors are saved as leaves with
    their data, dtype, shape, requires_grad and device (not their grad or subclass); a
    tensor that appears twice is saved once and loads as one object."""
    import json
    import zipfile
    encoder = _Encoder()
    structure = {'format': _FORMAT, 'version': _VERSION, 'root': encoder.encode(obj)}
    text = json.dumps(structure)
    with _Opened(f, "wb") as out, zipfile.ZipFile(out.file, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(_STRUCTURE, text)
        for i, array in enumerate(encoder.arrays):
            big = array.nbytes > (1 << 31) - (1 << 20)        # zip64 past ~2 GiB
            with archive.open(f'{i}.npy', 'w', force_zip64=big) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None,
         **pickle_load_args):
    """Read an object written by `save` from `f` (a path or a binary file object).

    map_location: None (each tensor on the device it was saved from), a device or its name
    ('cpu'), or a dict from saved device names to devices ({'cuda:0': 'cpu'}). Every load is
    as safe as PyTorch's weights_only=True, whatever weights_only says; the pickle and mmap
    arguments are accepted and ignored. A file not written by `save` (a pickle, a
    torch.save checkpoint, anything else) raises RuntimeError without running anything."""
    if map_location is not None and not isinstance(map_location, (str, _device, dict)):
        raise TypeError('map_location must be None, a device, a device name or a dict of '
                        f'device names; got {type(map_location).__name__}')
    with _Opened(f, 'rb') as fh:
        name = fh.name_for_errors
        head = fh.peek_head(len(_ZIP_MAGIC))
        if head != _ZIP_MAGIC:
            raise RuntimeError(_not_ours(name, head))
        try:
            archive = np.load(fh.file, allow_pickle=False)
        except Exception as error:          # a damaged zip: zipfile's or NumPy's own errors
            raise RuntimeError(f'{name} is not a valid microtorch file: {error}') from None
        with archive:
            return _Decoder(archive, name, map_location).run()


# ---- writing ---------------------------------------------------------------------------

class _Encoder:
    """Turns an object into JSON-ready data, collecting arrays in `arrays`."""

    def __init__(self):
        self.arrays = []
        self._members = {}          # id(tensor) -> member number: one tensor saved once

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)):
            return int(obj) if isinstance(obj, int) else float(obj)
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, np.generic) and obj.dtype.kind in _ARRAY_KINDS:
            return self.encode(obj.item())
        if isinstance(obj, np.ndarray) and obj.dtype.kind in _ARRAY_KINDS:
            return {'__type__': 'ndarray', 'member': self._add(obj)}
        if isinstance(obj, dict):
            kind = 'ordereddict' if isinstance(obj, OrderedDict) else 'dict'
            return {'__type__': kind,
                    'items': [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, tuple):
            kind = 'size' if isinstance(obj, Size) else 'tuple'
            return {'__type__': kind, 'items': [self.encode(v) for v in obj]}
        if isinstance(obj, _dtype.dtype):
            return {'__type__': 'dtype', 'name': obj.name}
        if isinstance(obj, _device):
            return {'__type__': 'device', 'name': str(obj)}
        raise TypeError(f"microtorch.save can't save an object of type {type(obj).__name__}: "
                        'it saves tensors, NumPy arrays, numbers, strings, None, dtypes, '
                        'devices, and dicts, lists and tuples of these')

    def _tensor(self, t):
        member = self._members.get(id(t))
        if member is None:
            member = self._members[id(t)] = self._add(backends.for_array(t._data).to_host(
                t._data))
        return {'__type__': 'tensor', 'member': member, 'dtype': t.dtype.name,
                'shape': list(t.shape), 'requires_grad': t.requires_grad,
                'device': str(t.device)}

    def _add(self, array):
        self.arrays.append(array)
        return len(self.arrays) - 1


# ---- reading ---------------------------------------------------------------------------

class _Corrupt(Exception):
    pass


class _Decoder:
    """Rebuilds the object from the archive's JSON, checking every node it reads."""

    def __init__(self, archive, name, map_location):
        self.archive = archive
        self.name = name
        self.map_location = map_location
        self._tensors = {}          # member -> Tensor, so a tensor saved once loads once

    def run(self):
        import json
        if _STRUCTURE not in self.archive.files:
            raise RuntimeError(_foreign_zip(self.name, self.archive.files))
        try:
            structure = json.loads(self.archive.zip.read(_STRUCTURE).decode('utf-8'))
            if not isinstance(structure, dict) or structure.get('format') != _FORMAT:
                raise _Corrupt('no microtorch header')
            if structure.get('version') != _VERSION:
                raise _Corrupt(f'format version {structure.get("version")!r}; this '
                               f'microtorch reads version {_VERSION}')
            return self.decode(structure['root'])
        except (_Corrupt, KeyError, TypeError, ValueError, IndexError,
                RecursionError) as error:
            raise RuntimeError(f'{self.name} is not a valid microtorch file ({error}); it may '
                               'be damaged or crafted') from None

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise _Corrupt(f'unexpected {type(node).__name__}')
        kind = node['__type__']
        if kind in ('dict', 'ordereddict'):
            out = OrderedDict() if kind == 'ordereddict' else {}
            for key, value in node['items']:
                out[self.decode(key)] = self.decode(value)      # unhashable: TypeError
            return out
        if kind in ('tuple', 'size'):
            items = tuple(self.decode(v) for v in node['items'])
            return Size(_ints(items)) if kind == 'size' else items
        if kind == 'tensor':
            return self._tensor(node)
        if kind == 'ndarray':
            return self._array(node['member'], _ARRAY_KINDS)
        if kind == 'dtype':
            return _dtype._BY_NAME[node['name']]
        if kind == 'device':
            return _parse_device(node['name'])
        raise _Corrupt(f'unknown node type {kind!r}')

    def _array(self, member, kinds):
        if not isinstance(member, int) or isinstance(member, bool):
            raise _Corrupt(f'bad member number {member!r}')
        array = self.archive[str(member)]           # NumPy refuses object (pickle) arrays
        if not isinstance(array, np.ndarray) or array.dtype.kind not in kinds:
            raise _Corrupt(f'member {member} is not an array of numbers')
        return array if array.flags.c_contiguous else array.copy(order='C')   # (keeps 0-d)

    def _tensor(self, node):
        member = node['member']
        if member in self._tensors:
            return self._tensors[member]
        dtype = _dtype._BY_NAME[node['dtype']]
        array = self._array(member, _ARRAY_KINDS)
        requires_grad = node['requires_grad']
        if array.dtype != dtype.np or list(array.shape) != node['shape']:
            raise _Corrupt(f'member {member} does not hold the {node["dtype"]} tensor of shape '
                           f'{node["shape"]} its description says')
        if not isinstance(requires_grad, bool) or (requires_grad and not
                                                   dtype.is_floating_point):
            raise _Corrupt(f'bad requires_grad for member {member}')
        target = self._device_for(_parse_device(node['device']))
        if target.type != 'cpu':
            array = self._backend(target).from_host(array, target)
        t = self._tensors[member] = Tensor._make(array, requires_grad)
        return t

    def _device_for(self, saved):
        where = self.map_location
        if where is None:
            return saved
        if isinstance(where, dict):
            where = where.get(str(saved), saved)
        return _device(where)

    @staticmethod
    def _backend(target):
        try:
            return backends.for_device(target)
        except RuntimeError as error:
            raise RuntimeError(f'{error} To load tensors saved from {target} onto the CPU, '
                               "pass map_location='cpu' to microtorch.load.") from None


def _ints(items):
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise _Corrupt('a Size of non-integers')
    return items


def _parse_device(name):
    try:
        return _device(name)
    except (RuntimeError, TypeError) as error:
        raise _Corrupt(str(error)) from None


def _not_ours(name, head):
    if isinstance(head, str):
        return f'{name} is opened in text mode; microtorch.load needs a binary file'
    if head[:1] == b'\x80' or head[:1] in (b'(', b']', b'}'):
        return (f'{name} looks like a pickle (e.g. from pickle.dump or an old torch.save), '
                'not a microtorch file. microtorch.load never unpickles, since unpickling '
                'can run arbitrary code; it reads only files written by microtorch.save.')
    return (f'{name} is not a microtorch file (it is not a zip archive); microtorch.load '
            'reads only files written by microtorch.save.')


def _foreign_zip(name, members):
    if any(m.endswith('data.pkl') for m in members):
        return (f'{name} is a PyTorch checkpoint (torch.save), whose contents are pickles, '
                'not a microtorch file. microtorch.load never unpickles; in PyTorch, load it '
                'and convert the tensors to NumPy arrays, or re-save with microtorch.save.')
    return (f'{name} is a zip archive but not a microtorch file (it has no {_STRUCTURE}); '
            'microtorch.load reads only files written by microtorch.save.')


class _Opened:
    """A binary file from a path (opened and closed here) or a file object (left open)."""

    def __init__(self, f, mode):
        self._path = os.fspath(f) if isinstance(f, (str, os.PathLike)) else None
        self._given = f
        self._mode = mode
        self.file = None

    def __enter__(self):
        if self._path is not None:
            self.file = open(self._path, self._mode)
            self.name_for_errors = repr(self._path)
        else:
            self.file = self._given
            self.name_for_errors = 'the file ' + repr(getattr(self._given, 'name', '<stream>'))
            if 'r' in self._mode and not _seekable(self.file):
                import io
                self.file = io.BytesIO(self.file.read())      # zip reading needs seeks
        return self

    def peek_head(self, n):
        start = self.file.tell()
        head = self.file.read(n)
        self.file.seek(start)
        return head

    def __exit__(self, *exc):
        if self._path is not None:
            self.file.close()
        return False


def _seekable(f):
    try:
        return f.seekable()
    except AttributeError:
        return hasattr(f, 'seek') and hasattr(f, 'tell')
