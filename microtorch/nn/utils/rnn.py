"""Batches of sequences of different lengths, as torch.nn.utils.rnn: padded to the longest
(`pad_sequence`) and cut back (`unpad_sequence`), or packed step by step (`PackedSequence`,
`pack_padded_sequence`, `pad_packed_sequence`, `pack_sequence`, `unpack_sequence`), the form
the recurrent layers run without computing the padding."""
import collections

import numpy as np

from ... import _dtype
from ...autograd.function import grad_fn_named
from ...creation import full, tensor
from ...ops import functional as F
from ...tensor import Tensor


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    """Sequences of shape (L_i, *) stacked into (L, B, *) (batch_first: (B, L, *)), each
    padded with padding_value to the longest L, after its elements (padding_side='right') or
    before them ('left'). The result has the first sequence's dtype; gradients flow back to
    every sequence."""
    if padding_side not in ('left', 'right'):
        raise RuntimeError('Expected padding_side to be one of left or right, but got '
                           f'{padding_side}.')
    sequences = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not sequences:
        raise RuntimeError('received an empty list of sequences')
    if any(s.ndim == 0 for s in sequences):
        raise RuntimeError('pad_sequence: every sequence needs a length dim (got a 0-d tensor)')
    first = sequences[0]
    trailing = tuple(first.shape[1:])
    for s in sequences[1:]:
        for dim, (a, b) in enumerate(zip(s.shape[1:], trailing), start=1):
            if a != b:
                raise RuntimeError(f'The size of tensor a ({b}) must match the size of tensor '
                                   f'b ({a}) at non-singleton dimension {dim}')
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        s = s.to(first.dtype)
        if s.shape[0] < longest:
            pad = full((longest - s.shape[0],) + trailing, padding_value, dtype=first.dtype,
                       device=first.device)
            s = F.cat([s, pad] if padding_side == 'right' else [pad, s])
        padded.append(s)
    return F.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The sequences of a right-padded batch, each cut to its length (views of the batch)."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    lengths = lengths.tolist() if isinstance(lengths, Tensor) else list(lengths)
    if len(lengths) != padded_sequences.shape[0]:
        raise ValueError(f'unpad_sequence: {len(lengths)} lengths for a batch of '
                         f'{padded_sequences.shape[0]} sequences')
    return [sequence[:int(length)] for sequence, length in zip(padded_sequences, lengths)]


# ---- packed batches ------------------------------------------------------------------------
# A PackedSequence stores a batch of sequences sorted by length (longest first) time step by
# time step: the rows of step t are the batch's first batch_sizes[t] sequences, the ones still
# running then. A recurrent layer can then run each step on just those rows.

_PackedFields = collections.namedtuple(
    'PackedSequence_', ['data', 'batch_sizes', 'sorted_indices', 'unsorted_indices'])


class PackedSequence(_PackedFields):
    """data: (sum of lengths, *) rows in step order; batch_sizes: int64 CPU tensor, the rows
    per step; sorted_indices: the batch's order by length (None when it came sorted);
    unsorted_indices: its inverse. Made by pack_padded_sequence / pack_sequence."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:                  # the legacy form: (data, batch_sizes)
            if not isinstance(data, (list, tuple)) or len(data) != 2:
                raise AssertionError('Expected data to be a list or tuple of length 2')
            data, batch_sizes = data
        if batch_sizes.device.type != 'cpu':
            raise ValueError('batch_sizes should always be on CPU. Instances of '
                             'PackedSequence should never be created manually. They should '
                             'be instantiated by functions like pack_sequence and '
                             'pack_padded_sequences in nn.utils.rnn. '
                             'https://pytorch.org/docs/stable/nn.html'
                             '#torch.nn.utils.rnn.pack_sequence')
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """data moved or cast as Tensor.to; the indices follow data's device, batch_sizes
        stays on the CPU. Returns self when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        indices = [None if i is None else i.to(data.device)
                   for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *indices)

    def cuda(self, *args, **kwargs):
        return self.to(self.data.cuda(*args, **kwargs).device)

    def cpu(self):
        return self.to('cpu')

    def double(self):
        return self.to(dtype=_dtype.float64)

    def float(self):
        return self.to(dtype=_dtype.float32)

    def long(self):
        return self.to(dtype=_dtype.int64)

    def int(self):
        return self.to(dtype=_dtype.int32)

    def bool(self):
        return self.to(dtype=_dtype.bool_)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    inverse = np.empty(permutation.numel(), dtype=np.int64)
    inverse[permutation.cpu().numpy()] = np.arange(permutation.numel())
    return tensor(inverse, device=permutation.device)


def _lengths_tensor(lengths):
    """lengths as PyTorch reads them: converted to int64 on the CPU, then required 1-D."""
    if isinstance(lengths, Tensor):
        lengths = lengths.detach().cpu().to(_dtype.int64)
    else:
        lengths = tensor(lengths, dtype=_dtype.int64)
    if lengths.ndim != 1:
        raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got "
                           f'{lengths.ndim}D cpu Long tensor')
    return lengths


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) ((B, T, *) when batch_first) whose sequence b has
    lengths[b] steps. enforce_sorted=True wants lengths in decreasing order; otherwise the
    batch is sorted here (stably, as PyTorch) and the order kept in sorted_indices."""
    lengths = _lengths_tensor(lengths)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = F.sort(lengths, descending=True, stable=True)
        input = input.index_select(0 if batch_first else 1, sorted_indices.to(input.device))
    data, batch_sizes = _pack(input, lengths.numpy(), batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


@grad_fn_named('PackPaddedSequenceBackward0')
def _pack(input, lengths, batch_first):
    """The packed rows of a sorted padded batch, and its batch_sizes; PyTorch's checks."""
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if len(lengths) != batch:
        raise RuntimeError('Expected `len(lengths)` to be equal to batch_size, but got '
                           f'{len(lengths)} (batch_size={batch})')
    if batch and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if np.any(lengths[1:] > lengths[:-1]):
        raise RuntimeError('`lengths` array must be sorted in decreasing order when '
                           '`enforce_sorted` is True. You can pass `enforce_sorted=False` to '
                           'pack_padded_sequence and/or pack_sequence to sidestep this '
                           'requirement if you do not need ONNX exportability.')
    if batch and lengths[0] > steps:         # PyTorch reads past the input here
        raise RuntimeError(f'pack_padded_sequence: a sequence of length {lengths[0]} is longer '
                           f'than the padded input ({steps} steps)')
    longest = int(lengths[0]) if batch else 0
    running = lengths[None, :] > np.arange(longest)[:, None]       # (step, sequence)
    rows = tensor(np.flatnonzero(running), device=input.device)     # step-major order
    flat = input[:longest].reshape((longest * batch,) + tuple(input.shape[2:]))
    return flat.index_select(0, rows), tensor(running.sum(axis=1), dtype=_dtype.int64)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The padded batch (T, B, *) ((B, T, *) when batch_first) of a PackedSequence, in the
    batch's original order, and the lengths (int64). total_length pads to that many steps."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = batch_sizes.numpy()
    longest = len(sizes)
    if total_length is None:
        total_length = longest
    elif total_length < longest:
        raise ValueError('Expected total_length to be at least the length of the longest '
                         f'sequence in input, but got total_length={total_length} and max '
                         f'sequence length being {longest}')
    batch = int(sizes[0]) if longest else 0
    running = np.zeros((total_length, batch), dtype=bool)
    running[:longest] = np.arange(batch)[None, :] < sizes[:, None]
    source = np.full(total_length * batch, data.shape[0])      # the padding row, appended
    source[np.flatnonzero(running)] = np.arange(data.shape[0])
    trailing = tuple(data.shape[1:])
    padding = full((1,) + trailing, padding_value, dtype=data.dtype, device=data.device)
    rows = F.cat([data, padding]).index_select(0, tensor(source, device=data.device))
    padded = rows.reshape((total_length, batch) + trailing)
    lengths = tensor(running.sum(axis=0), dtype=_dtype.int64)
    if unsorted_indices is not None:
        padded = padded.index_select(1, unsorted_indices)
        lengths = lengths.index_select(0, unsorted_indices.cpu())
    return (padded.transpose(0, 1) if batch_first else padded), lengths


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *); with enforce_sorted they come longest first."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences a PackedSequence holds, in the batch's original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
