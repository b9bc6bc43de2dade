"""default_collate: a list of samples -> one batch, as PyTorch's default_collate.

Tensors are stacked along a new first dim; NumPy arrays and NumPy scalars become tensors
first; Python floats become a float64 tensor and ints an int64 one; strings stay a list;
dicts, named tuples and sequences are collated field by field, recursively.
"""
import collections.abc
import copy

import numpy as np

from ...creation import as_tensor, tensor
from ...ops.functional import stack
from ...tensor import Tensor
from ..._dtype import float64

_ERROR = ('default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; '
          'found {}')


def _is_numpy_data(x):
    return isinstance(x, (np.ndarray, np.generic)) and not isinstance(x, (np.str_, np.bytes_))


def default_collate(batch):
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if _is_numpy_data(elem):
        if elem.dtype.kind in 'SUOV':          # strings, objects: nothing to stack
            raise TypeError(_ERROR.format(elem.dtype))
        if isinstance(elem, np.ndarray):
            return stack([as_tensor(b) for b in batch], 0)
        return as_tensor(np.array(batch))      # NumPy scalars keep their dtype
    if isinstance(elem, float):
        return tensor(batch, dtype=float64)
    if isinstance(elem, int):                   # bools give a bool tensor, ints int64
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_mapping(elem, {key: default_collate([d[key] for d in batch])
                                    for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):      # a named tuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError('each element in list of batch should be of equal size')
        fields = [default_collate(field) for field in zip(*batch)]     # (tuples, as PyTorch)
        if isinstance(elem, tuple):
            return fields                       # PyTorch gives a list for tuples
        return _same_sequence(elem, fields)
    raise TypeError(_ERROR.format(type(elem)))


def _same_mapping(elem, items):
    """`items` in the mapping type of `elem` where that type allows it, else a dict."""
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(items)
            return clone
        return type(elem)(items)
    except TypeError:
        return items


def _same_sequence(elem, fields):
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            clone[:] = fields
            return clone
        return type(elem)(fields)
    except TypeError:           # sequences that can't be built from a list (range, ...)
        return fields


def default_convert(data):
    """What the DataLoader applies to single samples (batch_size=None): NumPy arrays and
    scalars become tensors, containers are converted inside, anything else is kept."""
    if isinstance(data, Tensor):
        return data
    if _is_numpy_data(data):
        return data if data.dtype.kind in 'SUOV' else as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data
