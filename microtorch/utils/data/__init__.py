"""Datasets, samplers and the DataLoader, with PyTorch's API (torch.utils.data)."""
from .dataset import (Dataset, IterableDataset, TensorDataset, StackDataset, ConcatDataset,
                      ChainDataset, Subset, random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,
                      WeightedRandomSampler, BatchSampler)
from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .distributed import DistributedSampler

__all__ = ['Dataset', 'IterableDataset', 'TensorDataset', 'StackDataset', 'ConcatDataset',
           'ChainDataset', 'Subset', 'random_split', 'Sampler', 'SequentialSampler',
           'RandomSampler', 'SubsetRandomSampler', 'WeightedRandomSampler', 'BatchSampler',
           'default_collate', 'default_convert', 'DataLoader', 'get_worker_info',
           'DistributedSampler']
