"""DataLoader: batches of a dataset, in order or shuffled, collated into tensors.

Workers run in-process. With `num_workers > 0` PyTorch forks worker processes that each
index the dataset and send collated batches back through shared memory. For microtorch's
NumPy data on a small machine (two cores) that costs more than it saves: indexing a NumPy
array is fast, and moving each batch between processes costs a copy and a pickle, plus the
start-up of the workers every epoch. So the loader accepts num_workers (and pin_memory,
persistent_workers, prefetch_factor, timeout, worker_init_fn, multiprocessing_context) as
PyTorch code passes them, with PyTorch's checks, and loads every batch in this process: the
batches, their order and the random numbers drawn are exactly those of num_workers=0.
There are no worker processes, so `get_worker_info()` is None and `worker_init_fn` is never
called; an IterableDataset is iterated once (PyTorch would run one copy per worker).
"""
from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, draw_seed


def get_worker_info():
    """None: data is always loaded in the main process (see the module's docstring)."""
    return None


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` (batch_size=None: single samples),
    shuffled each epoch with `shuffle=True` (from `generator`, else the default generator,
    so `manual_seed` fixes the order), or in the order a `sampler` or `batch_sampler` gives.
    `collate_fn` turns a list of samples into a batch (default: `default_collate`).
    num_workers > 0 is accepted and loads in this process, giving identical batches: on a
    two-core machine with NumPy data, worker processes cost more than they save (see the
    module's docstring)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device='',
                 in_order=True):
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                              multiprocessing_context)
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError('sampler option is mutually exclusive with shuffle')
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError('batch_sampler option is mutually exclusive with batch_size, '
                                 'shuffle, sampler, and drop_last')
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError('batch_size=None option disables auto-batching and is mutually '
                             'exclusive with drop_last')
        if sampler is None and not iterable:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self._auto_collation else default_convert)
        self.generator = generator
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (
            isinstance(self.dataset, IterableDataset) and self.batch_size is not None)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            batches = self._iterable_batches()
        elif self.batch_sampler is None:
            batches = (self.collate_fn(self.dataset[i]) for i in self.sampler)
        else:
            batches = (self._batch(indices) for indices in self.batch_sampler)
        # PyTorch draws its workers' base seed here, after making the sampler's iterator
        # and before its first index: drawing it too keeps every later number PyTorch's.
        self._base_seed = draw_seed(self.generator)
        return batches

    def _batch(self, indices):
        if self.collate_fn is default_collate:
            fast = getattr(self.dataset, '_default_collated', None)
            batch = fast(indices) if fast is not None else None
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, '__getitems__', None)
        samples = getitems(indices) if callable(getitems) else \
            [self.dataset[i] for i in indices]
        return self.collate_fn(samples)

    def _iterable_batches(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(sample) for sample in samples)
            return
        while True:
            batch = [sample for _, sample in zip(range(self.batch_size), samples)]
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)           # a TypeError when the stream has no length
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers,
                          multiprocessing_context):
    if num_workers < 0:
        raise ValueError('num_workers option should be non-negative; use num_workers=0 to '
                         'disable multiprocessing.')
    if timeout < 0:
        raise ValueError('timeout option should be non-negative')
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError('prefetch_factor option could only be specified in multiprocessing.'
                         'let num_workers > 0 to enable multiprocessing, otherwise set '
                         'prefetch_factor to None.')
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError('prefetch_factor option should be non-negative')
    if persistent_workers and num_workers == 0:
        raise ValueError('persistent_workers option needs num_workers > 0')
    if multiprocessing_context is not None and num_workers == 0:
        raise ValueError('multiprocessing_context can only be used with multi-process loading '
                         f'(num_workers > 0), but got num_workers={num_workers}')


def _check_iterable_options(shuffle, sampler, batch_sampler):
    if shuffle not in {False, None}:
        raise ValueError('DataLoader with IterableDataset: expected unspecified shuffle '
                         f'option, but got shuffle={shuffle}')
    if sampler is not None:
        raise ValueError('DataLoader with IterableDataset: expected unspecified sampler '
                         f'option, but got sampler={sampler}')
    if batch_sampler is not None:
        raise ValueError('DataLoader with IterableDataset: expected unspecified batch_sampler '
                         f'option, but got batch_sampler={batch_sampler}')
