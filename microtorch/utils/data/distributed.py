"""`DistributedSampler`: each of num_replicas processes reads its own share of a dataset.

microtorch has no torch.distributed and so no process group to ask for the world size and
rank: num_replicas and rank must be given. Left out, they fail as PyTorch's do before
init_process_group (the ValueError torch.distributed raises, with its message)."""
import math

from ...creation import randperm
from ...random import Generator
from .sampler import Sampler

_NO_PROCESS_GROUP = ('Default process group has not been initialized, please make sure to '
                     'call init_process_group.')


class DistributedSampler(Sampler):
    """Rank `rank` of `num_replicas` takes every num_replicas-th index from position rank.
    The indices (shuffled by a generator seeded with seed + epoch, the same on every rank,
    when shuffle) are first padded by repeating them from the start to a multiple of
    num_replicas, or with drop_last cut down to one; call set_epoch(epoch) before each epoch
    for a new order."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            raise ValueError(_NO_PROCESS_GROUP)
        if rank >= num_replicas or rank < 0:
            raise ValueError(f'Invalid rank {rank}, rank should be in the interval '
                             f'[0, {num_replicas - 1}]')
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        size = len(dataset)
        if drop_last and size % num_replicas != 0:
            self.num_samples = math.ceil((size - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(size / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        size = len(self.dataset)
        if self.shuffle:
            generator = Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = randperm(size, generator=generator).tolist()
        else:
            indices = list(range(size))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:                       # repeat from the start, as often as it takes
            missing = self.total_size - size
            indices += (indices * math.ceil(missing / size))[:missing] if missing else []
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch the next iteration shuffles for (seed + epoch seeds it)."""
        self.epoch = epoch
