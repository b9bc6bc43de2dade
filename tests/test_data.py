"""microtorch.utils.data: datasets, samplers, DataLoader batching/shuffling, default_collate."""
import collections
import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.utils.data import (BatchSampler, ChainDataset, ConcatDataset, DataLoader,
                                   Dataset, IterableDataset, RandomSampler, SequentialSampler,
                                   StackDataset, Subset, SubsetRandomSampler, TensorDataset,
                                   WeightedRandomSampler, default_collate, default_convert,
                                   get_worker_info, random_split)


def numpy_of(batch):
    """A batch with every tensor turned into (dtype name, NumPy array), for comparisons."""
    if isinstance(batch, mt.Tensor):
        return (batch.dtype.name, batch.numpy().tolist())
    if isinstance(batch, dict):
        return {k: numpy_of(v) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return (type(batch).__name__, [numpy_of(v) for v in batch])
    return batch


def tensor_dataset(n=10):
    return TensorDataset(mt.arange(n * 2, dtype=mt.float32).reshape(n, 2), mt.arange(n))


class Squares(Dataset):
    """A user's map-style dataset returning a tuple of NumPy data and Python numbers."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.full(3, i, np.float32), i * i, float(i) / 2


# ---- datasets ---------------------------------------------------------------------------

def test_tensor_dataset():
    ds = tensor_dataset(5)
    assert len(ds) == 5
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3


def test_tensor_dataset_refuses_different_first_dims():
    with pytest.raises(AssertionError, match='^Size mismatch between tensors$'):
        TensorDataset(mt.zeros(3, 2), mt.zeros(4))


def test_dataset_base_and_concat():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    both = tensor_dataset(3) + Squares(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert both[2][1].item() == 2 and both[3][1] == 0 and both[-1][1] == 1
    with pytest.raises(ValueError, match='absolute value of index'):
        both[-6]


def test_subset():
    sub = Subset(Squares(10), [7, 2, 5])
    assert len(sub) == 3 and sub[0][1] == 49 and sub[-1][1] == 25
    assert [s[1] for s in sub.__getitems__([2, 0])] == [25, 49]


def test_random_split_sizes_disjoint_and_complete():
    parts = random_split(range(10), [3, 7], generator=mt.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    indices = parts[0].indices + parts[1].indices
    assert sorted(indices) == list(range(10))
    again = random_split(range(10), [3, 7], generator=mt.Generator().manual_seed(1))
    assert [p.indices for p in again] == [p.indices for p in parts]
    assert [parts[0][i] for i in range(3)] == parts[0].indices   # range(10)[i] == i


def test_random_split_fractions():
    parts = random_split(tensor_dataset(10), [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(range(11), [0.5, 0.5])          # the remainder goes round-robin
    assert [len(p) for p in parts] == [6, 5]
    with pytest.warns(UserWarning, match='Length of split at index 1 is 0'):
        random_split(range(2), [1.0, 0.0])


def test_random_split_wrong_lengths():
    with pytest.raises(ValueError, match='Sum of input lengths does not equal the length'):
        random_split(range(10), [3, 6])


def test_random_split_follows_manual_seed():
    mt.manual_seed(5)
    a = [p.indices for p in random_split(range(20), [10, 10])]
    mt.manual_seed(5)
    b = [p.indices for p in random_split(range(20), [10, 10])]
    assert a == b


# ---- batching -----------------------------------------------------------------------------

def test_batches_in_order():
    batches = list(DataLoader(tensor_dataset(10), batch_size=4))
    assert len(batches) == 3
    x, y = batches[0]
    assert isinstance(batches[0], list)
    assert x.shape == (4, 2) and x.dtype is mt.float32 and y.tolist() == [0, 1, 2, 3]
    assert batches[-1][1].tolist() == [8, 9]


def test_default_batch_size_is_one():
    loader = DataLoader(tensor_dataset(3))
    assert len(loader) == 3
    assert [y.tolist() for _, y in loader] == [[0], [1], [2]]


@pytest.mark.parametrize('n,batch_size,drop_last,expected', [
    (10, 4, False, 3), (10, 4, True, 2), (8, 4, True, 2), (8, 4, False, 2), (3, 5, True, 0)])
def test_len_and_drop_last(n, batch_size, drop_last, expected):
    loader = DataLoader(tensor_dataset(n), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches) == expected
    assert all(len(y) == batch_size for _, y in batches[:n // batch_size])


def test_shuffle_visits_everything_once_per_epoch():
    loader = DataLoader(tensor_dataset(10), batch_size=3, shuffle=True)
    epochs = [[i for _, y in loader for i in y.tolist()] for _ in range(2)]
    assert all(sorted(e) == list(range(10)) for e in epochs)
    assert epochs[0] != epochs[1]            # a fresh order each epoch


def test_shuffle_is_reproducible_with_manual_seed():
    loader = DataLoader(tensor_dataset(20), batch_size=4, shuffle=True)
    mt.manual_seed(0)
    a = [y.tolist() for _, y in loader]
    mt.manual_seed(0)
    b = [y.tolist() for _, y in loader]
    mt.manual_seed(1)
    c = [y.tolist() for _, y in loader]
    assert a == b and a != c


def test_shuffle_is_reproducible_with_a_generator():
    def order(seed):
        g = mt.Generator().manual_seed(seed)
        loader = DataLoader(tensor_dataset(20), batch_size=5, shuffle=True, generator=g)
        mt.manual_seed(123)          # the default generator plays no part
        first = [y.tolist() for _, y in loader]
        mt.randn(5)
        return first, [y.tolist() for _, y in loader]

    assert order(7) == order(7)
    assert order(7) != order(8)


@pytest.mark.parametrize('shuffle', [False, True])
def test_workers_give_the_same_batches(shuffle):
    def batches(**kwargs):
        mt.manual_seed(3)
        loader = DataLoader(Squares(11), batch_size=4, shuffle=shuffle, **kwargs)
        return [numpy_of(b) for b in loader]

    plain = batches()
    assert batches(num_workers=2) == plain
    assert batches(num_workers=2, pin_memory=True, persistent_workers=True,
                   prefetch_factor=4, timeout=5, worker_init_fn=lambda i: None) == plain
    assert get_worker_info() is None


def test_fast_tensor_path_equals_per_sample_collation():
    ds = tensor_dataset(13)
    for dataset in (ds, Subset(ds, [12, 0, 5, 7, 3, 1])):
        mt.manual_seed(2)
        fast = [numpy_of(b) for b in DataLoader(dataset, batch_size=4, shuffle=True)]
        mt.manual_seed(2)
        slow = [numpy_of(b) for b in DataLoader(dataset, batch_size=4, shuffle=True,
                                                collate_fn=lambda s: default_collate(s))]
        assert fast == slow


def test_tensor_dataset_requiring_grad_keeps_the_graph():
    x = mt.arange(6.0, requires_grad=True)
    (batch,) = next(iter(DataLoader(TensorDataset(x), batch_size=3)))
    batch.sum().backward()
    assert x.grad.tolist() == [1, 1, 1, 0, 0, 0]


def test_collate_fn_and_batch_size_none():
    loader = DataLoader(Squares(3), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 1]
    single = list(DataLoader(Squares(2), batch_size=None))
    assert len(single) == 2
    x, square, half = single[1]
    assert isinstance(x, mt.Tensor) and x.tolist() == [1, 1, 1] and square == 1 and half == 0.5


def test_sampler_and_batch_sampler():
    ds = Squares(10)
    loader = DataLoader(ds, batch_size=3, sampler=[9, 8, 7, 0])
    assert [b[1].tolist() for b in loader] == [[81, 64, 49], [0]]
    loader = DataLoader(ds, batch_sampler=[[1, 2], [3]])
    assert [b[1].tolist() for b in loader] == [[1, 4], [9]] and len(loader) == 2


def test_samplers():
    assert list(SequentialSampler(range(3))) == [0, 1, 2]
    g = mt.Generator().manual_seed(0)
    perm = list(RandomSampler(range(6), generator=g))
    assert sorted(perm) == list(range(6))
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=7, generator=g))
    assert len(drawn) == 7 and set(drawn) <= {0, 1, 2}
    more = list(RandomSampler(range(3), num_samples=7, generator=g))
    assert len(more) == 7 and sorted(more[:6]) == [0, 0, 1, 1, 2, 2]
    assert sorted(SubsetRandomSampler([5, 6, 7], generator=g)) == [5, 6, 7]
    assert list(BatchSampler(range(5), 2, False)) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(range(5), 2, True)) == [[0, 1], [2, 3]]
    assert len(BatchSampler(range(5), 2, False)) == 3


class Stream(IterableDataset):
    def __iter__(self):
        return iter(range(7))


def test_iterable_dataset():
    assert [b.tolist() for b in DataLoader(Stream(), batch_size=3)] == [[0, 1, 2], [3, 4, 5],
                                                                        [6]]
    assert len(list(DataLoader(Stream(), batch_size=3, drop_last=True))) == 2
    assert list(DataLoader(Stream(), batch_size=None))[:2] == [0, 1]   # as PyTorch
    with pytest.raises(ValueError, match='expected unspecified shuffle option'):
        DataLoader(Stream(), shuffle=True)


def test_weighted_random_sampler():
    g = mt.Generator().manual_seed(0)
    drawn = list(WeightedRandomSampler([0.0, 3.0, 0.0, 1.0], 4000, generator=g))
    assert len(drawn) == 4000 and set(drawn) == {1, 3}
    assert abs(drawn.count(1) / 4000 - 0.75) < 0.03          # 4 sigma of a binomial
    once = list(WeightedRandomSampler(mt.tensor([1.0, 2.0, 0.5]), 3, replacement=False,
                                      generator=g))
    assert sorted(once) == [0, 1, 2]
    assert len(WeightedRandomSampler([1, 2], 5)) == 5
    loader = DataLoader(tensor_dataset(4), batch_size=2,
                        sampler=WeightedRandomSampler([0, 0, 1, 0], 4, generator=g))
    assert [b[1].tolist() for b in loader] == [[2, 2], [2, 2]]
    g1, g2 = (mt.Generator().manual_seed(5) for _ in range(2))
    assert list(WeightedRandomSampler([1, 2, 3], 9, generator=g1)) == \
        list(WeightedRandomSampler([1, 2, 3], 9, generator=g2))


def test_stack_and_chain_datasets():
    stacked = StackDataset(tensor_dataset(3), mt.arange(3) * 10)
    assert len(stacked) == 3
    (pair, ), tens = stacked[1][0][:1], stacked[1][1]
    assert pair.tolist() == [2.0, 3.0] and tens.item() == 10
    named = StackDataset(x=[1, 2], y=['a', 'b'])
    assert named[1] == {'x': 2, 'y': 'b'}
    batch = next(iter(DataLoader(named, batch_size=2)))
    assert batch['x'].tolist() == [1, 2] and batch['y'] == ['a', 'b']
    chained = ChainDataset([Stream(), Stream()])
    assert list(chained) == list(range(7)) * 2
    assert [b.tolist() for b in DataLoader(chained, batch_size=5)][-1] == [3, 4, 5, 6]


class SizedStream(Stream):
    def __len__(self):
        return 7


DATA_ERRORS = [
    (ValueError, 'num_samples should be a positive integer value, but got num_samples=0',
     lambda data: data.WeightedRandomSampler([1.0], 0)),
    (ValueError, 'num_samples should be a positive integer value, but got num_samples=True',
     lambda data: data.WeightedRandomSampler([1.0], True)),
    (ValueError, 'replacement should be a boolean value, but got replacement=1',
     lambda data: data.WeightedRandomSampler([1.0], 2, replacement=1)),
    (ValueError, 'weights should be a 1d sequence but given weights have shape (1, 2)',
     lambda data: data.WeightedRandomSampler([[1.0, 2.0]], 2)),
    (ValueError, 'Size mismatch between datasets',
     lambda data: data.StackDataset([1, 2], [1])),
    (ValueError, 'At least one dataset should be passed', lambda data: data.StackDataset()),
    (ValueError, 'Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like '
     'input/output, but both types are given.', lambda data: data.StackDataset([1], b=[2])),
    (AssertionError, 'ChainDataset only supports IterableDataset',
     lambda data: list(data.ChainDataset([[1, 2]]))),
    (AssertionError, 'ChainDataset only supports IterableDataset',
     lambda data: len(data.ChainDataset([SizedStream(), [1, 2]]))),
]


@pytest.mark.parametrize('exc, message, call', DATA_ERRORS, ids=[e[1][:40] for e in DATA_ERRORS])
def test_data_errors(exc, message, call):
    with pytest.raises(exc) as info:
        call(mt.utils.data)
    assert str(info.value) == message


@pytest.mark.parametrize('exc, message, call', DATA_ERRORS, ids=[e[1][:40] for e in DATA_ERRORS])
def test_data_errors_are_torchs(exc, message, call, torch):
    with pytest.raises(exc) as info:
        call(torch.utils.data)
    assert str(info.value) == message


LOADER_ERRORS = [
    (dict(num_workers=-1), 'num_workers option should be non-negative'),
    (dict(shuffle=True, sampler=[0]), 'sampler option is mutually exclusive with shuffle'),
    (dict(batch_sampler=[[0]], batch_size=2), 'batch_sampler option is mutually exclusive'),
    (dict(batch_size=None, drop_last=True), 'batch_size=None option disables auto-batching'),
    (dict(prefetch_factor=2), 'prefetch_factor option could only be specified in multi'),
    (dict(persistent_workers=True), 'persistent_workers option needs num_workers > 0'),
    (dict(timeout=-1), 'timeout option should be non-negative'),
    (dict(batch_size=0), 'batch_size should be a positive integer value'),
]


@pytest.mark.parametrize('kwargs,message', LOADER_ERRORS)
def test_loader_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(Squares(3), **kwargs)


@pytest.mark.parametrize('kwargs,message', LOADER_ERRORS)
def test_loader_errors_are_torchs(kwargs, message, torch):
    with pytest.raises(ValueError, match=message):
        torch.utils.data.DataLoader(Squares(3), **kwargs)


# ---- default_collate ------------------------------------------------------------------------

Point = collections.namedtuple('Point', 'x y')


def collate_cases(np_module=np):
    return [
        [(np.ones(2, np.float32), 1, 0.5), (np.zeros(2, np.float32), 2, 1.5)],
        [{'a': np.arange(3), 'b': {'c': 1.0}}, {'a': np.arange(3) * 2, 'b': {'c': 2.0}}],
        [[np.float64(1.5), np.int32(3)], [np.float64(2.5), np.int32(4)]],
        [(True, np.array([[1, 2]], np.int32)), (False, np.array([[3, 4]], np.int32))],
        [Point(1.0, 'p'), Point(2.0, 'q')],
        [np.float32(1), np.float32(2)],
        [('a', 1), ('b', 2)],
    ]


def test_default_collate_tensors_numbers_numpy_dicts():
    x, y, z = default_collate([(mt.ones(2), 1, 0.5), (mt.zeros(2), 2, 1.5)])
    assert x.tolist() == [[1, 1], [0, 0]]
    assert y.dtype is mt.int64 and y.tolist() == [1, 2]
    assert z.dtype is mt.float64 and z.tolist() == [0.5, 1.5]
    batch = default_collate(collate_cases()[1])
    assert batch['a'].dtype is mt.int64 and batch['a'].tolist() == [[0, 1, 2], [0, 2, 4]]
    assert batch['b']['c'].dtype is mt.float64
    assert default_collate(['a', 'b']) == ['a', 'b']
    point = default_collate(collate_cases()[4])
    assert isinstance(point, Point) and point.y == ('p', 'q')


@pytest.mark.parametrize('case', range(len(collate_cases())))
def test_default_collate_matches_torch(case, torch):
    from torch.utils.data import default_collate as torch_collate

    def torch_numpy_of(batch):
        if isinstance(batch, torch.Tensor):
            return (str(batch.dtype).split('.')[1], batch.numpy().tolist())
        if isinstance(batch, dict):
            return {k: torch_numpy_of(v) for k, v in batch.items()}
        if isinstance(batch, (list, tuple)):
            return (type(batch).__name__, [torch_numpy_of(v) for v in batch])
        return batch

    assert numpy_of(default_collate(collate_cases()[case])) == \
        torch_numpy_of(torch_collate(collate_cases()[case]))


def test_default_collate_errors():
    with pytest.raises(RuntimeError, match='each element in list of batch should be of equal'):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match='default_collate: batch must contain tensors, numpy '
                                        'arrays, numbers, dicts or lists; found'):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match='found <U1'):
        default_collate([np.array(['a']), np.array(['b'])])


def test_default_convert():
    out = default_convert((np.arange(2), {'k': np.float32(1.0)}, 3, 'x'))
    assert isinstance(out, list) and isinstance(out[0], mt.Tensor)
    assert out[1]['k'].dtype is mt.float32 and out[2] == 3 and out[3] == 'x'


def test_uint8_images_stay_uint8():
    batch = default_collate([np.full((2, 2), 255, np.uint8), np.zeros((2, 2), np.uint8)])
    assert batch.dtype is mt.uint8 and batch._data.dtype == np.uint8
    assert batch.max().item() == 255
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert (batch.float() / 255).sum().item() == 4.0
