"""Map-style and iterable datasets, `TensorDataset`, `StackDataset`, `ChainDataset`, `Subset`,
`random_split`."""
import bisect
import itertools
import math
import warnings

from ...creation import randperm
from ...random import default_generator


class Dataset:
    """A map-style dataset: `__getitem__(index)` gives a sample, `__len__` their number."""

    def __getitem__(self, index):
        raise NotImplementedError('Subclasses of Dataset should implement __getitem__.')

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream of samples: `__iter__` yields them."""

    def __iter__(self):
        raise NotImplementedError('Subclasses of IterableDataset should implement __iter__.')

    def __add__(self, other):
        raise TypeError('IterableDataset does not support +; chain the iterators instead')


class TensorDataset(Dataset):
    """Samples are the tuples (t[i] for t in tensors): all tensors share their first dim."""

    def __init__(self, *tensors):
        if any(t.size(0) != tensors[0].size(0) for t in tensors):
            raise AssertionError('Size mismatch between tensors')
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)

    def _default_collated(self, indices):
        """What default_collate would make of these samples, in one indexing per tensor
        instead of one per sample and a stack (None when that could differ: a subclass's
        own __getitem__, or tensors recording gradients)."""
        if type(self).__getitem__ is not TensorDataset.__getitem__ or \
                any(t.requires_grad for t in self.tensors):
            return None
        return [t[indices] for t in self.tensors]


class StackDataset(Dataset):
    """Sample i is (d[i] for d in datasets), or {name: d[i]} when they are given by name."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError('Supported either ``tuple``- (via ``args``) or``dict``- (via '
                             '``kwargs``) like input/output, but both types are given.')
        if not args and not kwargs:
            raise ValueError('At least one dataset should be passed')
        parts = args or list(kwargs.values())
        self._length = len(parts[0])
        if any(len(dataset) != self._length for dataset in parts):
            raise ValueError('Size mismatch between datasets')
        self.datasets = args or kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self):
        return self._length


class ChainDataset(IterableDataset):
    """The streams of several iterable datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = datasets

    def _iterables(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError('ChainDataset only supports IterableDataset')
            yield dataset

    def __iter__(self):
        for dataset in self._iterables():
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self._iterables())


class ConcatDataset(Dataset):
    """The samples of several map-style datasets, one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError('datasets should not be an empty iterable')
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError('ConcatDataset does not support IterableDataset')
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError('absolute value of index should not exceed dataset length')
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        inner = getattr(self.dataset, '__getitems__', None)
        mapped = [self.indices[i] for i in indices]
        if callable(inner):
            return inner(mapped)
        return [self.dataset[i] for i in mapped]

    def __len__(self):
        return len(self.indices)

    def _default_collated(self, indices):
        inner = getattr(self.dataset, '_default_collated', None)
        if type(self).__getitem__ is not Subset.__getitem__ or inner is None:
            return None
        return inner([self.indices[i] for i in indices])


def _lengths_of_fractions(fractions, n):
    """Split n by fractions: floors first, then the remainder one by one, round-robin."""
    lengths = []
    for i, fraction in enumerate(fractions):
        if fraction < 0 or fraction > 1:
            raise ValueError(f'Fraction at index {i} is not between 0 and 1')
        lengths.append(math.floor(n * fraction))
    for i in range(n - sum(lengths)):
        lengths[i % len(lengths)] += 1
    for i, length in enumerate(lengths):
        if length == 0:
            warnings.warn(f'Length of split at index {i} is 0. This might result in an empty '
                          'dataset.', stacklevel=3)
    return lengths


def random_split(dataset, lengths, generator=default_generator):
    """Split `dataset` at random into non-overlapping Subsets of the given lengths (or of
    fractions summing to 1). Pass a seeded `Generator` for a reproducible split."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _lengths_of_fractions(lengths, len(dataset))
    if sum(lengths) != len(dataset):
        raise ValueError('Sum of input lengths does not equal the length of the input dataset!')
    indices = randperm(sum(lengths), generator=generator).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, indices[end - length:end]) for end, length in zip(ends, lengths)]
