"""`LinearCrossEntropyOptions`, PyTorch's switch to its chunked linear_cross_entropy.

PyTorch's chunked path computes the loss a block of batch rows at a time, so the whole
(N, C) logits tensor never exists at once: a memory saving for large vocabularies. microtorch
has the reference path only; the options are accepted, checked as PyTorch checks them and
otherwise change nothing (the values are the reference path's, which PyTorch's chunks match
up to rounding)."""
import dataclasses

from ... import _dtype

_ACC_POLICIES = ('auto', 'accurate', 'balanced', 'compact')


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """Chunking options of linear_cross_entropy, as PyTorch's (see the module docstring):
    allow_retain_graph, batch_chunk_size (None or a positive int), chunking_method
    ('auto', None or 'aspect_ratio[:k]'), acc_policy ('auto', 'accurate', 'balanced',
    'compact') and acc_dtype (None or a floating dtype)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = 'auto'
    acc_policy: str = 'auto'
    acc_dtype: object = None

    def __post_init__(self):
        if self.acc_policy not in _ACC_POLICIES:
            raise ValueError(f'invalid acc_policy: {self.acc_policy!r}')
        if self.chunking_method is not None and self.chunking_method != 'auto':
            name, colon, factor = self.chunking_method.partition(':')
            factor = factor if colon else '1'
            if name != 'aspect_ratio' or not factor.isdigit() or int(factor) <= 0:
                raise ValueError(f'invalid chunking_method: {self.chunking_method!r}')
        size = self.batch_chunk_size
        if not (size is None or (isinstance(size, int) and size > 0)):
            raise ValueError(f'batch_chunk_size must be positive int or None, got {size!r}')
        if self.acc_dtype is not None and self.acc_dtype not in (
                _dtype.float16, _dtype.float32, _dtype.float64):
            raise ValueError('acc_dtype must be one of {None, microtorch.float16, '
                             'microtorch.bfloat16, microtorch.float32, microtorch.float64}, '
                             f'got {self.acc_dtype!r}. Pass acc_dtype=None to let the op '
                             'pick automatically.')
