"""`save` and `load`: tensors and containers of them, in files that run no code when loaded.

Two formats are written and read:

- PyTorch's (torch.save's zip archive: a pickle, `data.pkl`, and raw storage bytes; see
  microtorch/_pt_format.py), so checkpoints go both ways between microtorch and PyTorch. Its
  pickle is read with an allowlist, as torch.load(weights_only=True) reads it: only tensors,
  numbers, strings, dtypes, devices and plain containers are rebuilt, and any other global a
  pickle names is refused before it can run.
- microtorch's own: a zip archive in np.savez's layout, one `.npy` member per tensor (NumPy's
  format, written and read with allow_pickle=False) and `microtorch.json`, which describes the
  object: dicts and OrderedDicts (keys keep their types), lists, tuples, numbers, strings,
  None, dtypes, devices, NumPy arrays, and tensors by member number with their dtype, shape,
  requires_grad and device. Loading parses JSON and reads arrays: nothing in such a file can
  name a function or class at all. `save` writes it for objects PyTorch's weights-only load
  would refuse (NumPy arrays), or when asked to.

Plain pickles and PyTorch's legacy (pre-1.6, non-zip) files are never read.
"""
import os
from collections import OrderedDict

import numpy as np

from . import _dtype
from . import _pt_format
from . import backends
from ._device import device as _device
from ._size import Size
from .tensor import Tensor

_FORMAT, _VERSION = 'microtorch', 1
_STRUCTURE = 'microtorch.json'
_ZIP_MAGIC = b'PK\x03\x04'
_ARRAY_KINDS = 'biuf'           # NumPy arrays of these kinds may be saved: never objects


def save(obj, f, pickle_module=None, pickle_protocol=None,
         _use_new_zipfile_serialization=True, *, format=None):
    """Write `obj` to `f` (a path or a binary file object).

    format: 'pytorch' writes torch.save's zip format, which torch.load (weights_only=True)
    reads; 'microtorch' writes microtorch's own (see the module docstring), which also holds
    NumPy arrays; None (the default) picks 'pytorch' when `obj` is tensors, numbers,
    strings, None, dtypes, devices and Sizes in dicts, OrderedDicts, lists, tuples and sets
    (a state dict, an optimizer's state dict) and 'microtorch' otherwise. The pickle
    arguments and _use_new_zipfile_serialization are accepted for PyTorch code and ignored:
    no pickle module is called, and PyTorch's legacy (non-zip) format is never written.
    Tensors are saved as leaves with their data, dtype, shape, requires_grad and device (not
    their grad or subclass, except that a Parameter stays one in the PyTorch format); a
    tensor that appears twice is saved once and loads as one object."""
    if format not in (None, 'pytorch', 'microtorch'):
        raise ValueError("microtorch.save's format must be None, 'pytorch' or 'microtorch'; "
                         f'got {format!r}')
    misfit = None if format == 'microtorch' else _pt_format.misfit(obj)
    if format == 'pytorch' or (format is None and misfit is None):
        if misfit is not None:
            raise TypeError(f"microtorch.save can't save an object of type {misfit} in the "
                            'PyTorch format: it saves '
                            'tensors, numbers, strings, None, dtypes, devices and Sizes in '
                            "dicts, lists, tuples and sets (use format='microtorch' for "
                            'NumPy arrays)')
        with _Opened(f, 'wb') as out:
            _pt_format.write(obj, out.file)
        return
    _save_microtorch(obj, f)


def _save_microtorch(obj, f):
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
    """Read an object from `f` (a path or a binary file object): a file written by `save`
    in either format, or by torch.save (its zip format, the default since PyTorch 1.6).

    map_location: None (each tensor on the device it was saved from), a device or its name
    ('cpu'), or a dict from saved device names to devices ({'cuda:0': 'cpu'}). Every load is
    as safe as PyTorch's weights_only=True, whatever weights_only says: microtorch's format
    is JSON and arrays, and a PyTorch file's pickle is read with an allowlist that rebuilds
    only tensors and plain containers (anything else raises pickle.UnpicklingError before it
    runs). The pickle and mmap arguments are accepted and ignored. Tensors of a dtype
    microtorch lacks (bfloat16, complex) and PyTorch's legacy non-zip files are refused
    with a RuntimeError, as is anything else, without running it."""
    if map_location is not None and not isinstance(map_location, (str, _device, dict)):
        raise TypeError('map_location must be None, a device, a device name or a dict of '
                        f'device names; got {type(map_location).__name__}')
    import zipfile
    with _Opened(f, 'rb') as fh:
        name = fh.name_for_errors
        start = fh.file.tell()
        head = fh.peek_head(len(_LEGACY_TORCH_HEAD))
        if head[:len(_ZIP_MAGIC)] != _ZIP_MAGIC:
            raise RuntimeError(_not_ours(name, head))
        try:
            with zipfile.ZipFile(fh.file) as archive:       # (leaves fh.file open)
                members = archive.namelist()
        except Exception as error:          # a damaged or truncated zip
            raise RuntimeError(f'{name} is not a valid microtorch or PyTorch file: '
                               f'{error}') from None
        fh.file.seek(start)
        if _STRUCTURE not in members and _pt_format.is_checkpoint(members):
            return _load_pytorch(fh.file, name, map_location)
        try:
            archive = np.load(fh.file, allow_pickle=False)
        except Exception as error:          # a damaged zip: zipfile's or NumPy's own errors
            raise RuntimeError(f'{name} is not a valid microtorch file: {error}') from None
        with archive:
            return _Decoder(archive, name, map_location).run()


def _load_pytorch(file, name, map_location):
    import pickle
    import zipfile
    try:
        with zipfile.ZipFile(file) as archive:
            reader = _pt_format.Reader(
                archive, lambda saved: _device_for(saved, map_location),
                lambda array, target: _backend(target).from_host(array, target))
            return reader.run()
    except _pt_format.Refused as error:
        raise pickle.UnpicklingError(
            f'Weights only load failed: {error}. microtorch.load reads a PyTorch checkpoint '
            'with an allowlist, as torch.load(weights_only=True) does: it rebuilds tensors '
            'and plain containers and runs nothing else.') from None
    except _pt_format.ForeignDtype as error:
        raise RuntimeError(f'{name} holds tensors of dtype torch.{error}, which microtorch '
                           'does not have: convert them in PyTorch (e.g. to float32) before '
                           'saving') from None
    except (_pt_format.Corrupt, pickle.UnpicklingError, EOFError, KeyError, TypeError,
            ValueError, IndexError, AttributeError, RecursionError, MemoryError,
            zipfile.BadZipFile, OSError) as error:
        detail = 'its pickle ends early' if isinstance(error, EOFError) else error
        raise RuntimeError(f'{name} is not a valid PyTorch checkpoint ({detail}); it may be '
                           'damaged or crafted') from None


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
        target = _device_for(_parse_device(node['device']), self.map_location)
        if target.type != 'cpu':
            array = _backend(target).from_host(array, target)
        t = self._tensors[member] = Tensor._make(array, requires_grad)
        return t


def _device_for(saved, map_location):
    """Where a tensor saved from `saved` loads, by load's map_location."""
    where = map_location
    if where is None:
        return saved
    if isinstance(where, dict):
        where = where.get(str(saved), saved)
    return _device(where)


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


_LEGACY_TORCH_HEAD = b'\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19'    # its pickled magic number


def _not_ours(name, head):
    if isinstance(head, str):
        return f'{name} is opened in text mode; microtorch.load needs a binary file'
    if head.startswith(_LEGACY_TORCH_HEAD[:len(head)]) and head:
        return (f"{name} is in PyTorch's legacy format (torch.save before PyTorch 1.6 or with "
                '_use_new_zipfile_serialization=False), which microtorch.load does not read: '
                'load it in PyTorch and save it again with torch.save.')
    if head[:1] == b'\x80' or head[:1] in (b'(', b']', b'}'):
        return (f'{name} looks like a pickle (e.g. from pickle.dump), not a microtorch or '
                'PyTorch file. microtorch.load never unpickles a plain pickle, since '
                'unpickling can run arbitrary code; it reads files written by microtorch.save '
                'or torch.save.')
    return (f'{name} is not a microtorch or PyTorch file (it is not a zip archive); '
            'microtorch.load reads files written by microtorch.save or torch.save.')


def _foreign_zip(name, members):
    return (f'{name} is a zip archive but not a microtorch or PyTorch file (it has neither '
            f'{_STRUCTURE} nor data.pkl); microtorch.load reads files written by '
            'microtorch.save or torch.save.')


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
