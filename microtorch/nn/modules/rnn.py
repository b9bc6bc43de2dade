"""Recurrent layers: `RNNCell`, `LSTMCell`, `GRUCell` (one step) and `RNN`, `LSTM`, `GRU`
(whole sequences, stacked and optionally bidirectional), with PyTorch's parameter names, gate
order, initialisation, argument checks and errors. The layers take a padded batch or a
PackedSequence (nn.utils.rnn); packed, each step runs on the sequences still running then.

They are composites: each step is a matmul (the hidden-to-hidden one) and elementwise ops; a
layer projects its whole input sequence by one linear before stepping through time, and in
its time loop an LSTM's or a GRU's gates are one op (ops/recurrent.py, the same numbers as
the separate ops, one node on the tape instead of eleven or twelve). Gates in
PyTorch's order: LSTM (input, forget, cell, output), GRU (reset, update, new), the GRU's reset
gate applied to (W_hn h + b_hn).
"""
import math
import numbers
import warnings

from ... import _dtype
from ...creation import empty, zeros
from ...ops import recurrent as _recurrent
from ...ops import functional as _F
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

_GATES = {'RNN_TANH': 1, 'RNN_RELU': 1, 'LSTM': 4, 'GRU': 3}
_FUSED_DTYPES = (_dtype.float32, _dtype.float64)   # (float16's ops each round: not fused)


def _step(mode, x_part, state, weight_hh, bias_hh, weight_hr=None, fused=False):
    """One time step: x_part is the input's projection (x W_ih^T + b_ih) for this step, state
    the hidden state h (a pair (h, c) for an LSTM). Returns the new state. An LSTM with
    proj_size projects its new h by weight_hr. fused: an LSTM's or a GRU's gates as one op
    (the layers' time loop; a cell keeps PyTorch's grad_fn names, as MulBackward0)."""
    h = state[0] if mode == 'LSTM' else state
    h_part = F.linear(h, weight_hh, bias_hh)
    if mode == 'RNN_TANH':
        return (x_part + h_part).tanh()
    if mode == 'RNN_RELU':
        return (x_part + h_part).relu()
    if mode == 'LSTM' and fused and x_part.dtype in _FUSED_DTYPES and \
            x_part.dtype == h_part.dtype == state[1].dtype:
        h, c = _recurrent.LSTMGates.apply(x_part, h_part, state[1])
        return (h if weight_hr is None else F.linear(h, weight_hr)), c
    if mode == 'LSTM':
        in_gate, forget_gate, cell_gate, out_gate = (x_part + h_part).chunk(4, -1)
        c = forget_gate.sigmoid() * state[1] + in_gate.sigmoid() * cell_gate.tanh()
        h = out_gate.sigmoid() * c.tanh()
        return (h if weight_hr is None else F.linear(h, weight_hr)), c
    if fused and x_part.dtype in _FUSED_DTYPES and x_part.dtype == h_part.dtype == h.dtype:
        return _recurrent.GRUGates.apply(x_part, h_part, h)
    x_r, x_z, x_n = x_part.chunk(3, -1)
    h_r, h_z, h_n = h_part.chunk(3, -1)
    reset = (x_r + h_r).sigmoid()
    update = (x_z + h_z).sigmoid()
    new = (x_n + reset * h_n).tanh()
    return new + update * (h - new)              # (1 - z) n + z h


def _cell_state_checks(input, hx, input_size, hidden_size):
    """PyTorch's checks of a cell's (batched) input and hidden states, in its order."""
    if input.shape[1] != input_size:
        raise RuntimeError(f'input has inconsistent input_size: got {input.shape[1]} expected '
                           f'{input_size}')
    for k, h in enumerate(hx):
        if h.shape[0] != input.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match hidden{k} "
                               f'batch size {h.shape[0]}')
        if h.shape[1] != hidden_size:
            raise RuntimeError(f'hidden{k} has inconsistent hidden_size: got {h.shape[1]}, '
                               f'expected {hidden_size}')


class RNNCellBase(Module):
    """weight_ih (gates * hidden_size, input_size), weight_hh (gates * hidden_size,
    hidden_size) and the biases bias_ih, bias_hh; all from U(-1/sqrt(hidden), 1/sqrt(hidden))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(empty(rows, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(empty(rows, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(rows, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(rows, device=device, dtype=dtype))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_recurrent(self)

    def extra_repr(self):
        text = f'{self.input_size}, {self.hidden_size}'
        if self.bias is not True:
            text += f', bias={self.bias}'
        if getattr(self, 'nonlinearity', 'tanh') != 'tanh':
            text += f', nonlinearity={self.nonlinearity}'
        return text

    def _run(self, mode, input, hx, n_states):
        """Checks, batches an unbatched input, steps once; hx: a tuple of n_states tensors."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f'{name}: Expected input to be 1D or 2D, got {input.ndim}D '
                             'instead')
        if hx is not None:
            for k, h in enumerate(hx):
                if h.ndim not in (1, 2):
                    what = 'hidden' if n_states == 1 else f'hx[{k}]'
                    raise ValueError(f'{name}: Expected {what} to be 1D or 2D, got {h.ndim}D '
                                     'instead')
        if mode == 'RNN_CELL':
            if self.nonlinearity not in ('tanh', 'relu'):
                raise RuntimeError(f'Unknown nonlinearity: {self.nonlinearity}')
            mode = 'RNN_TANH' if self.nonlinearity == 'tanh' else 'RNN_RELU'
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = (zeros(input.shape[0], self.hidden_size, dtype=input.dtype,
                        device=input.device),) * n_states
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx)
        _cell_state_checks(input, hx, self.input_size, self.hidden_size)
        state = _step(mode, F.linear(input, self.weight_ih, self.bias_ih),
                      hx[0] if n_states == 1 else hx, self.weight_hh, self.bias_hh)
        if n_states == 1:
            return state if batched else state.squeeze(0)
        return state if batched else tuple(s.squeeze(0) for s in state)


def _reset_recurrent(module):
    bound = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (relu with nonlinearity='relu')."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._run('RNN_CELL', input, None if hx is None else (hx,), 1)


class LSTMCell(RNNCellBase):
    """(h', c') from input and (h, c); gates i, f, g, o."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if input.ndim == 2 and hx is not None and not isinstance(hx, (tuple, list)):
            # an unbatched call unpacks a tensor's rows as PyTorch does; a batched one refuses
            raise TypeError("lstm_cell(): argument 'hx' (position 2) must be tuple of Tensors, "
                            f'not {type(hx).__name__}')
        return self._run('LSTM', input, None if hx is None else (hx[0], hx[1]), 2)


class GRUCell(RNNCellBase):
    """h' from input and h; gates r, z, n."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        return self._run('GRU', input, None if hx is None else (hx,), 1)


class RNNBase(Module):
    """A stack of num_layers recurrent layers, each one or two directions. Parameters per layer
    k and direction: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and
    weight_hr_l{k} for an LSTM with proj_size), with suffix '_reverse' for the backward
    direction, registered in PyTorch's order."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, proj_size=0,
                 device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError('dropout should be a number in range [0, 1] representing the '
                             'probability of an element being zeroed')
        if dropout > 0 and num_layers == 1:
            warnings.warn('dropout option adds dropout after all but last recurrent layer, so '
                          'non-zero dropout expects num_layers greater than 1, but got '
                          f'dropout={dropout} and num_layers={num_layers}', UserWarning,
                          stacklevel=3)
        for name, value in (('bias', bias), ('batch_first', batch_first),
                            ('input_size', input_size), ('hidden_size', hidden_size)):
            kind = bool if name in ('bias', 'batch_first') else int
            if not isinstance(value, kind):
                raise TypeError(f'{name} should be of type {kind.__name__}, got: '
                                f'{type(value).__name__}')
            if kind is int and value <= 0:
                raise ValueError(f'{name} must be greater than zero')
        if num_layers <= 0:
            raise ValueError('num_layers must be greater than zero')
        if proj_size < 0:
            raise ValueError('proj_size should be a positive integer or zero to disable '
                             'projections')
        if proj_size >= hidden_size:
            raise ValueError('proj_size has to be smaller than hidden_size')
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        rows = _GATES[mode] * hidden_size
        out_size = proj_size or hidden_size              # the width of h
        self._flat_weights_names = []
        for layer in range(num_layers):
            width = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f'_l{layer}' + ('_reverse' if direction else '')
                shapes = [('weight_ih', (rows, width)), ('weight_hh', (rows, out_size))]
                if bias:
                    shapes += [('bias_ih', (rows,)), ('bias_hh', (rows,))]
                if proj_size:
                    shapes.append(('weight_hr', (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix,
                            Parameter(empty(shape, device=device, dtype=dtype)))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        _reset_recurrent(self)

    def flatten_parameters(self):
        """PyTorch packs the weights for cuDNN here; microtorch has nothing to pack."""

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        per_layer = len(self._flat_weights_names) // (self.num_layers *
                                                     (2 if self.bidirectional else 1))
        weights = self._flat_weights
        return [weights[k:k + per_layer] for k in range(0, len(weights), per_layer)]

    def extra_repr(self):
        text = f'{self.input_size}, {self.hidden_size}'
        if self.proj_size != 0:
            text += f', proj_size={self.proj_size}'
        if self.num_layers != 1:
            text += f', num_layers={self.num_layers}'
        if self.bias is not True:
            text += f', bias={self.bias}'
        if self.batch_first is not False:
            text += f', batch_first={self.batch_first}'
        if self.dropout != 0:
            text += f', dropout={self.dropout}'
        if self.bidirectional is not False:
            text += f', bidirectional={self.bidirectional}'
        return text

    def _prepare(self, name, input, hx, n_states):
        """PyTorch's checks, in its order; returns the (T, N, H_in) input, the initial states
        as a tuple of (layers * directions, N, H) tensors, and whether input was batched."""
        if input.ndim not in (2, 3):
            noun = ' tensor' if name == 'RNN' else ''
            raise ValueError(f'{name}: Expected input to be 2D or 3D, got {input.ndim}D'
                             f'{noun} instead')
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is not None:
            hx = (hx,) if n_states == 1 else (hx[0], hx[1])
            wanted = 3 if batched else 2
            if any(h.ndim != wanted for h in hx):
                kind = 'batched 3-D' if batched else 'unbatched 2-D'
                if n_states == 1:
                    raise RuntimeError(f'For {kind} input, hx should also be {wanted}-D but '
                                       f'got {hx[0].ndim}-D tensor')
                raise RuntimeError(f'For {kind} input, hx and cx should also be {wanted}-D '
                                   f'but got ({hx[0].ndim}-D, {hx[1].ndim}-D) tensors')
            if not batched:
                hx = tuple(h.unsqueeze(1) for h in hx)
        self._check_input(input)
        if self.batch_first:
            input = input.transpose(0, 1)
        hx = self._initial_states(input, input.shape[1], hx, n_states)
        if input.shape[0] == 0:
            raise RuntimeError('Expected sequence length to be larger than 0 in RNN')
        return input, hx, batched

    def _check_input(self, input, dims=None):
        """PyTorch's checks of the input's dtype, (for packed data) dims, and width."""
        weight = self.weight_ih_l0
        if input.dtype is not weight.dtype:
            raise ValueError(f'RNN input dtype ({input.dtype}) does not match weight dtype '
                             f'({weight.dtype}). Convert input: input.to({weight.dtype}), '
                             f'or convert model: model.to({input.dtype})')
        if dims is not None and input.ndim != dims:
            raise RuntimeError(f'input must have {dims} dimensions, got {input.ndim}')
        if input.shape[-1] != self.input_size:
            raise RuntimeError('input.size(-1) must be equal to input_size. Expected '
                               f'{self.input_size}, got {input.shape[-1]}')

    def _initial_states(self, input, batch, hx, n_states):
        """hx (a tuple of states), or zeros when None, checked against the shapes
        (layers * directions, batch, H) PyTorch expects."""
        stacked = (self.num_layers * (2 if self.bidirectional else 1), batch)
        # h is proj_size wide when the LSTM projects; c stays hidden_size wide
        shapes = [stacked + (self.proj_size or self.hidden_size,), stacked + (self.hidden_size,)]
        if hx is None:
            hx = tuple(zeros(shapes[k], dtype=input.dtype, device=input.device)
                       for k in range(n_states))
        for k, (h, expected) in enumerate(zip(hx, shapes)):
            if tuple(h.shape) != expected:
                what = 'hidden' if n_states == 1 else f'hidden[{k}]'
                raise RuntimeError(f'Expected {what} size {expected}, got {list(h.shape)}')
        return hx

    def _layers(self, input, hx, batch_sizes=None):
        """Runs the stack over input (T, N, H_in), or with batch_sizes (a list: rows per step)
        over packed rows (sum(batch_sizes), H_in); hx: a tuple of (L * D, N, H) states.
        Returns the last layer's output ((T, N, D * H), or packed rows) and the final states,
        as hx."""
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in hx]
        sequence = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                suffix = f'_l{layer}' + ('_reverse' if direction else '')
                weight_ih = getattr(self, 'weight_ih' + suffix)
                weight_hh = getattr(self, 'weight_hh' + suffix)
                bias_ih = getattr(self, 'bias_ih' + suffix) if self.bias else None
                bias_hh = getattr(self, 'bias_hh' + suffix) if self.bias else None
                weight_hr = getattr(self, 'weight_hr' + suffix) if self.proj_size else None
                projected = F.linear(sequence, weight_ih, bias_ih)   # every step at once
                at = layer * directions + direction
                state = tuple(h[at] for h in hx)
                state = state if len(state) == 2 else state[0]
                weights = (weight_hh, bias_hh, weight_hr)
                if batch_sizes is None:
                    state, output = _run_padded(self.mode, projected, state, weights, direction)
                else:
                    state, output = _run_packed(self.mode, projected, state, weights, direction,
                                                batch_sizes)
                outputs.append(output)
                for final, value in zip(finals, state if len(hx) == 2 else (state,)):
                    final.append(value)
            sequence = outputs[0] if directions == 1 else _F.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                sequence = F.dropout(sequence, self.dropout, True)
        return sequence, tuple(_F.stack(final) for final in finals)

    def _forward(self, name, input, hx, n_states):
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx, n_states)
        if not isinstance(input, Tensor):
            raise TypeError(f'{name}: expected a Tensor or a PackedSequence as input, got '
                            f'{type(input).__name__}')
        input, hx, batched = self._prepare(name, input, hx, n_states)
        output, states = self._layers(input, hx)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            states = tuple(s.squeeze(1) for s in states)
        return output, (states if n_states == 2 else states[0])

    def _forward_packed(self, packed, hx, n_states):
        """A PackedSequence in, one out: each step runs on the rows still running then. The
        states are in the batch's own order, as PyTorch's (sorted here, unsorted after)."""
        data, batch_sizes, sorted_indices, unsorted_indices = packed
        self._check_input(data, dims=2)
        sizes = batch_sizes.tolist()
        if hx is not None:
            hx = (hx,) if n_states == 1 else (hx[0], hx[1])
            if sorted_indices is not None:
                hx = tuple(h.index_select(1, sorted_indices) for h in hx)
        hx = self._initial_states(data, sizes[0] if sizes else 0, hx, n_states)
        output, states = self._layers(data, hx, sizes)
        if unsorted_indices is not None:
            states = tuple(s.index_select(1, unsorted_indices) for s in states)
        output = PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices)
        return output, (states if n_states == 2 else states[0])


def _run_padded(mode, projected, state, weights, reverse):
    """One direction of one layer over a padded batch: the final state and the outputs
    (T, N, H). projected: the input's projection, (T, N, gates * H)."""
    steps = range(projected.shape[0])
    inputs = projected.unbind(0)       # one op: its backward stacks the steps' gradients once
    hiddens = []
    for t in (reversed(steps) if reverse else steps):
        state = _step(mode, inputs[t], state, *weights, fused=True)
        hiddens.append(state[0] if mode == 'LSTM' else state)
    if reverse:
        hiddens.reverse()
    return state, _F.stack(hiddens)


def _run_packed(mode, projected, state, weights, reverse, batch_sizes):
    """_run_padded over packed rows: step t runs on the first batch_sizes[t] sequences (the
    batch is sorted longest first). The others keep their state: forward, a finished
    sequence keeps its last; in reverse, one that has not started keeps the initial state.
    Returns the final state and the outputs as packed rows."""
    hiddens = [None] * len(batch_sizes)
    steps = range(len(batch_sizes))
    inputs = projected.split(list(batch_sizes))     # one op (not a full-size grad a step)
    for t in (reversed(steps) if reverse else steps):
        n = batch_sizes[t]
        parts = state if mode == 'LSTM' else (state,)
        rows = parts[0].shape[0]
        running = tuple(s[:n] for s in parts) if n < rows else parts
        new = _step(mode, inputs[t], running if mode == 'LSTM' else running[0], *weights,
                    fused=True)
        new = new if mode == 'LSTM' else (new,)
        hiddens[t] = new[0]
        if n < rows:
            new = tuple(_F.cat([a, s[n:]]) for a, s in zip(new, parts))
        state = new if mode == 'LSTM' else new[0]
    return state, _F.cat(hiddens)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh) (or relu).
    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)."""

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        if len(args) > 3:
            nonlinearity, args = args[3], args[:3] + args[4:]
        else:
            nonlinearity = kwargs.pop('nonlinearity', 'tanh')
        if nonlinearity not in ('tanh', 'relu'):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__('RNN_TANH' if nonlinearity == 'tanh' else 'RNN_RELU', *args, **kwargs)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._forward('RNN', input, hx, 1)


class LSTM(RNNBase):
    """Long short-term memory; returns (output, (h_n, c_n))."""

    def __init__(self, *args, **kwargs):
        super().__init__('LSTM', *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward('LSTM', input, hx, 2)


class GRU(RNNBase):
    """Gated recurrent unit; returns (output, h_n)."""

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError('proj_size argument is only supported for LSTM, not RNN or GRU')
        super().__init__('GRU', *args, **kwargs)

    def forward(self, input, hx=None):
        return self._forward('GRU', input, hx, 1)
