"""Random number generators. `manual_seed` makes every random function reproducible.

A `Generator` wraps NumPy's PCG64 generator; the numbers differ from PyTorch's (its generator is
a Mersenne Twister with its own transforms), but a seed always gives the same stream here.
"""
import numpy as np

_DEFAULT_SEED = 67280421310721          # PyTorch's default seed, for familiarity


class Generator:
    def __init__(self, device='cpu'):
        self.device = device
        self._seed = _DEFAULT_SEED
        self.numpy = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF      # PyTorch accepts negative seeds this way
        self._seed = seed
        self.numpy = np.random.default_rng(seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % (1 << 63))._seed

    def get_state(self):
        return self.numpy.bit_generator.state

    def set_state(self, state):
        self.numpy.bit_generator.state = state


default_generator = Generator()
_seed_hooks = []          # the CUDA backend adds one to seed its generators too


def manual_seed(seed):
    default_generator.manual_seed(seed)
    for hook in _seed_hooks:
        hook(int(seed))
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)
