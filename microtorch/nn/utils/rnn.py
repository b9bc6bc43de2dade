"""Batches of sequences of different lengths, as torch.nn.utils.rnn: padded to the longest
(`pad_sequence`) and cut back (`unpad_sequence`). PackedSequence is not here: the recurrent
layers take padded batches."""
from ...creation import full
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
