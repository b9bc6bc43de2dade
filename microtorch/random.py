"""Random number generators. `manual_seed` makes every random function reproducible.

A `Generator` holds a `CPUStream` (microtorch/_cpu_stream.py): PyTorch's CPU generator word for
word, so that a seed gives PyTorch's numbers for the functions built on its rules. Its state
is a uint8 tensor in PyTorch's layout (5,056 bytes), so states move between the two libraries.
"""
import contextlib

import numpy as np

from ._cpu_stream import CPUStream

_DEFAULT_SEED = 67280421310721          # PyTorch's default seed: the same first numbers
_STATE_BYTES = 5056
# PyTorch's CPUGeneratorImplState: the seed, the Mersenne Twister's position (`left`, `next`)
# and its 624 words (each in 8 bytes), the kept float64 normal and its flag, then a float32
# normal microtorch never keeps.
_STATE_LAYOUT = np.dtype({
    'names': ['seed', 'left', 'seeded', 'next', 'key', 'normal_x', 'normal_y', 'normal_rho',
              'normal_is_valid', 'float_normal', 'float_normal_is_valid'],
    'formats': ['<u8', '<i4', '<i4', '<u8', ('<u8', 624), '<f8', '<f8', '<f8', '<i4', '<f4',
                'u1'],
    'offsets': [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052],
    'itemsize': _STATE_BYTES})


class Generator:
    def __init__(self, device='cpu'):
        from ._device import device as _device
        self.device = _device(device)
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= 0xFFFF_FFFF_FFFF_FFFF      # PyTorch accepts negative seeds this way
        self._seed = seed
        self.stream = CPUStream(seed)
        self._fresh_key = self.stream.state()[0]
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % (1 << 63))._seed

    def get_state(self):
        """The state as PyTorch's uint8 tensor."""
        from .tensor import Tensor
        key, pos, next_normal = self.stream.state()
        record = np.zeros((), _STATE_LAYOUT)
        record['seed'] = self._seed
        record['left'] = 625 - pos                 # words left before the next refill, plus 1
        record['seeded'] = 1
        # At the end of the words PyTorch's position is 624, or 0 before their first draw
        # (just after seeding, whose words are kept to tell the two apart)
        fresh = pos == 624 and self._fresh_key is not None and np.array_equal(
            key, self._fresh_key)
        record['next'] = 0 if fresh else pos
        record['key'] = key
        if next_normal is not None:
            record['normal_y'] = next_normal
            record['normal_is_valid'] = 1
        return Tensor._make(np.frombuffer(record.tobytes(), np.uint8).copy())

    def set_state(self, new_state):
        from .tensor import Tensor
        from . import _dtype
        if not isinstance(new_state, Tensor):
            raise TypeError('expected a microtorch.ByteTensor, but got '
                            f'{type(new_state).__name__}')
        if new_state.dtype is not _dtype.uint8:
            raise TypeError('RNG state must be a microtorch.ByteTensor')
        if new_state.numel() != _STATE_BYTES:
            raise RuntimeError(f'Expected a CPUGeneratorImplState of size {_STATE_BYTES} but '
                               f'found the input RNG state size to be {new_state.numel()}')
        raw = np.ascontiguousarray(new_state.cpu().numpy()).reshape(-1)
        record = raw.view(_STATE_LAYOUT)[0]
        next_normal = float(record['normal_y']) if record['normal_is_valid'] else None
        self._seed = int(record['seed'])
        self.stream.set_state(record['key'], 625 - int(record['left']), next_normal)
        fresh = int(record['left']) == 1 and int(record['next']) == 0
        self._fresh_key = np.array(record['key'], np.uint32) if fresh else None
        return self

    def clone_state(self):
        """A new Generator in this one's state."""
        return Generator(self.device).set_state(self.get_state())


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


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller='fork_rng', _devices_kw='devices',
             device_type='cuda'):
    """Run the block and then put the default generator back as it was: draws inside do not
    change the numbers drawn after it. (CUDA tensors draw from this generator too.)"""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
