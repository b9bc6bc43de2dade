"""Recurrent layers (RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU) against PyTorch: the same
parameter names, shapes and state-dict keys, outputs and gradients (of the input, the initial
states and every parameter) with the weights copied over, in float32 and float64; PyTorch's
errors; initialisation bounds; dropout between layers; and a short training run."""
import math
import warnings

import numpy as np
import pytest

import microtorch
import microtorch.nn as nn

TOLERANCES = {'float32': dict(rtol=2e-5, atol=2e-6), 'float64': dict(rtol=1e-10, atol=1e-12)}


def host(t):
    return t.detach().cpu().numpy()


def load_from(theirs, mine):
    """Copy a torch module's weights into the same microtorch module (in its dtype)."""
    mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})


def flat(out):
    """The tensors of a recurrent layer's result: output, h_n (and c_n), in order."""
    if isinstance(out, (tuple, list)):
        return [t for part in out for t in flat(part)]
    return [out]


def run(lib, module, input_shape, state_shapes, dtype_name, seed=0):
    """Forward and backward of a loss that weighs every output element differently; returns
    the outputs, the gradients of the input and initial states, and each parameter's grad."""
    rng = np.random.default_rng(seed)
    dtype = getattr(lib, dtype_name)
    x = lib.tensor(rng.standard_normal(input_shape), dtype=dtype, requires_grad=True)
    states = [lib.tensor(rng.standard_normal(s) * 0.5, dtype=dtype, requires_grad=True)
              for s in state_shapes]
    if not states:
        out = module(x)
    elif len(states) == 1:
        out = module(x, states[0])
    else:
        out = module(x, tuple(states))
    outs = flat(out)
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=dtype)).sum()
               for o in outs)
    loss.backward()
    grads = [x.grad] + [s.grad for s in states] + [p.grad for p in module.parameters()]
    return outs, grads


def compare(make, input_shape, state_shapes, dtype_name, torch):
    theirs = make(torch.nn).to(getattr(torch, dtype_name))
    mine = make(nn).to(getattr(microtorch, dtype_name))
    assert list(mine.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        assert tuple(p.shape) == tuple(q.shape), name
    load_from(theirs, mine)
    (my_outs, my_grads) = run(microtorch, mine, input_shape, state_shapes, dtype_name)
    (outs, grads) = run(torch, theirs, input_shape, state_shapes, dtype_name)
    assert [tuple(o.shape) for o in my_outs] == [tuple(o.shape) for o in outs]
    for m, t in zip(my_outs + my_grads, outs + grads):
        assert m.dtype == getattr(microtorch, dtype_name)
        np.testing.assert_allclose(host(m), t.detach().numpy(), **TOLERANCES[dtype_name])
    assert repr(mine) == repr(theirs)


CELLS = {
    'rnn-tanh': (lambda n: n.RNNCell(4, 3), (5, 4), [(5, 3)]),
    'rnn-relu-no-bias': (lambda n: n.RNNCell(4, 3, bias=False, nonlinearity='relu'), (5, 4),
                         [(5, 3)]),
    'rnn-no-state': (lambda n: n.RNNCell(4, 3), (2, 4), []),
    'rnn-unbatched': (lambda n: n.RNNCell(4, 3), (4,), [(3,)]),
    'lstm': (lambda n: n.LSTMCell(4, 3), (5, 4), [(5, 3), (5, 3)]),
    'lstm-no-state': (lambda n: n.LSTMCell(4, 3, bias=False), (2, 4), []),
    'lstm-unbatched': (lambda n: n.LSTMCell(4, 3), (4,), [(3,), (3,)]),
    'gru': (lambda n: n.GRUCell(4, 3), (5, 4), [(5, 3)]),
    'gru-no-bias': (lambda n: n.GRUCell(4, 3, bias=False), (5, 4), [(5, 3)]),
    'gru-unbatched-no-state': (lambda n: n.GRUCell(4, 3), (4,), []),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(CELLS))
def test_cells_match_torch(name, dtype_name, torch):
    make, input_shape, state_shapes = CELLS[name]
    compare(make, input_shape, state_shapes, dtype_name, torch)


LAYERS = {
    'rnn': (lambda n: n.RNN(4, 3), (6, 2, 4), [(1, 2, 3)]),
    'rnn-relu-2-layers': (lambda n: n.RNN(4, 3, 2, 'relu'), (5, 2, 4), [(2, 2, 3)]),
    'rnn-bidirectional-batch-first': (lambda n: n.RNN(4, 3, bidirectional=True,
                                                      batch_first=True), (2, 5, 4), []),
    'rnn-unbatched': (lambda n: n.RNN(4, 3, num_layers=2), (5, 4), [(2, 3)]),
    'lstm': (lambda n: n.LSTM(4, 3), (6, 2, 4), [(1, 2, 3), (1, 2, 3)]),
    'lstm-no-state': (lambda n: n.LSTM(4, 3, 2), (4, 3, 4), []),
    'lstm-stacked-bidirectional': (lambda n: n.LSTM(4, 3, 3, bidirectional=True), (5, 2, 4),
                                   [(6, 2, 3), (6, 2, 3)]),
    'lstm-batch-first-no-bias': (lambda n: n.LSTM(4, 3, 2, bias=False, batch_first=True),
                                 (2, 5, 4), [(2, 2, 3), (2, 2, 3)]),
    'lstm-unbatched-bidirectional': (lambda n: n.LSTM(4, 3, bidirectional=True), (5, 4),
                                     [(2, 3), (2, 3)]),
    'lstm-unbatched-batch-first': (lambda n: n.LSTM(4, 3, batch_first=True), (5, 4), []),
    'gru': (lambda n: n.GRU(4, 3), (6, 2, 4), [(1, 2, 3)]),
    'gru-stacked-bidirectional': (lambda n: n.GRU(4, 3, 2, bidirectional=True), (5, 2, 4),
                                  [(4, 2, 3)]),
    'gru-batch-first-no-bias': (lambda n: n.GRU(4, 3, bias=False, batch_first=True),
                                (3, 4, 4), []),
    'gru-unbatched': (lambda n: n.GRU(4, 3, 2), (5, 4), [(2, 3)]),
    'gru-eval-dropout': (lambda n: n.GRU(4, 3, 2, dropout=0.5).eval(), (5, 2, 4), []),
    # proj_size: h (and so each later layer's input) is proj_size wide, c stays hidden_size
    'lstm-proj': (lambda n: n.LSTM(4, 3, proj_size=2), (5, 2, 4), [(1, 2, 2), (1, 2, 3)]),
    'lstm-proj-stacked-bidirectional-batch-first': (
        lambda n: n.LSTM(4, 3, 3, bidirectional=True, batch_first=True, proj_size=1),
        (2, 5, 4), [(6, 2, 1), (6, 2, 3)]),
    'lstm-proj-no-bias-no-state': (lambda n: n.LSTM(4, 3, 2, bias=False, proj_size=2),
                                   (5, 2, 4), []),
    'lstm-proj-unbatched': (lambda n: n.LSTM(4, 3, 2, proj_size=2), (5, 4), [(2, 2), (2, 3)]),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(LAYERS))
def test_layers_match_torch(name, dtype_name, torch):
    make, input_shape, state_shapes = LAYERS[name]
    compare(make, input_shape, state_shapes, dtype_name, torch)


def test_dropout_one_between_layers_matches_torch(torch):
    """p = 1 zeroes every element (no randomness): layer 1 sees only zeros, in training."""
    make = lambda n: n.LSTM(3, 2, 2, dropout=1.0)              # noqa: E731
    compare(make, (4, 2, 3), [], 'float64', torch)
    mine = make(nn).double()
    eval_out = mine.eval()(microtorch.ones(4, 2, 3, dtype=microtorch.float64))[0]
    train_out = mine.train()(microtorch.ones(4, 2, 3, dtype=microtorch.float64))[0]
    assert not np.allclose(host(eval_out), host(train_out))


def test_dropout_between_layers_is_random_only_in_training():
    microtorch.manual_seed(0)
    gru = nn.GRU(3, 4, 3, dropout=0.5)
    x = microtorch.randn(6, 2, 3)
    microtorch.manual_seed(1)
    first = gru(x)[0]
    microtorch.manual_seed(1)
    again = gru(x)[0]
    second = gru(x)[0]
    np.testing.assert_array_equal(host(first), host(again))        # the generator's draws
    assert not np.allclose(host(first), host(second))
    gru.eval()
    np.testing.assert_array_equal(host(gru(x)[0]), host(gru(x)[0]))


def test_initialisation_bounds_and_seeding():
    for make in (lambda: nn.LSTM(5, 16, 2, bidirectional=True), lambda: nn.GRUCell(5, 16),
                 lambda: nn.RNN(5, 16), lambda: nn.RNNCell(5, 16, bias=False)):
        microtorch.manual_seed(3)
        module = make()
        bound = 1 / math.sqrt(16)
        values = np.concatenate([host(p).ravel() for p in module.parameters()])
        assert values.min() >= -bound and values.max() <= bound
        assert values.min() < -0.9 * bound and values.max() > 0.9 * bound
        assert abs(values.mean()) < 0.1 * bound           # U(-b, b): mean 0, var b^2 / 3
        assert abs(values.var() / (bound ** 2 / 3) - 1) < 0.15
        microtorch.manual_seed(3)
        again = np.concatenate([host(p).ravel() for p in make().parameters()])
        np.testing.assert_array_equal(values, again)


def test_parameter_shapes_match_torch(torch):
    for args, kwargs in [((4, 3), {}), ((4, 3, 3), {}), ((4, 3, 2, True, True, 0.0, True), {}),
                         ((4, 3, 2), {'proj_size': 2, 'bidirectional': True})]:
        for name in ('LSTM', 'GRU') if not kwargs else ('LSTM',):
            mine = getattr(nn, name)(*args, **kwargs)
            theirs = getattr(torch.nn, name)(*args, **kwargs)
            assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
                [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
            assert repr(mine) == repr(theirs)
            assert [[tuple(w.shape) for w in layer] for layer in mine.all_weights] == \
                [[tuple(w.shape) for w in layer] for layer in theirs.all_weights]
    mine, theirs = nn.RNN(4, 3, 2, 'relu', False), torch.nn.RNN(4, 3, 2, 'relu', False)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert mine.nonlinearity == theirs.nonlinearity == 'relu'


def test_lstm_training_matches_torch_step_by_step(torch):
    """An LSTM and a Linear head on a toy sequence, plain SGD from the same weights: the same
    losses, step after step."""
    def model(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.lstm = lib.nn.LSTM(2, 5, num_layers=2, batch_first=True)
                self.head = lib.nn.Linear(5, 1)

            def forward(self, x):
                out, (h, c) = self.lstm(x)
                return self.head(out[:, -1])
        return Net().double()

    def train(lib, net):
        t = np.linspace(0, 2 * np.pi, 9)
        phases = np.linspace(0, 1, 4)[:, None]
        x = lib.tensor(np.stack([np.sin(t + phases), np.cos(t + phases)], -1)[:, :-1])
        y = lib.tensor(np.sin(t[-1] + phases))
        opt = lib.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
        losses = []
        for _ in range(6):
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(net(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    theirs, mine = model(torch), model(microtorch)
    load_from(theirs, mine)
    mine_losses, their_losses = train(microtorch, mine), train(torch, theirs)
    assert their_losses[-1] < their_losses[0]
    np.testing.assert_allclose(mine_losses, their_losses, rtol=1e-9)


ERROR_CALLS = [
    lambda lib: lib.nn.RNNCell(4, 3)(lib.ones(2, 5)),
    lambda lib: lib.nn.RNNCell(4, 3)(lib.ones(2, 2, 4)),
    lambda lib: lib.nn.RNNCell(4, 3)(lib.ones(2, 4), lib.ones(3, 3)),
    lambda lib: lib.nn.RNNCell(4, 3)(lib.ones(2, 4), lib.ones(2, 5)),
    lambda lib: lib.nn.RNNCell(4, 3)(lib.ones(4), lib.ones(2, 3)),
    lambda lib: lib.nn.RNNCell(4, 3)(lib.ones(2, 4), lib.ones(1, 2, 3)),
    lambda lib: lib.nn.RNNCell(4, 3, nonlinearity='foo')(lib.ones(2, 4)),
    lambda lib: lib.nn.LSTMCell(4, 3)(lib.ones(2, 5)),
    lambda lib: lib.nn.LSTMCell(4, 3)(lib.ones(2, 2, 4)),
    lambda lib: lib.nn.LSTMCell(4, 3)(lib.ones(2, 4), (lib.ones(3, 3), lib.ones(2, 3))),
    lambda lib: lib.nn.LSTMCell(4, 3)(lib.ones(2, 4), (lib.ones(2, 3), lib.ones(2, 4))),
    lambda lib: lib.nn.LSTMCell(4, 3)(lib.ones(2, 4), (lib.ones(2, 3), lib.ones(1, 2, 3))),
    lambda lib: lib.nn.GRUCell(4, 3)(lib.ones(2, 5)),
    lambda lib: lib.nn.GRUCell(4, 3)(lib.ones(2, 4), lib.ones(1, 3)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 2, 5)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 2, 2, 4)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 2, 4), lib.ones(1, 3, 3)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 2, 4), lib.ones(2, 2, 3)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 4), lib.ones(1, 2, 3)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 2, 4), lib.ones(2, 3)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(2, 1, 4, dtype=lib.float64)),
    lambda lib: lib.nn.RNN(4, 3)(lib.ones(0, 2, 4)),
    lambda lib: lib.nn.RNN(4, 3, nonlinearity='foo'),
    lambda lib: lib.nn.RNN(4, 3, dropout=1.5),
    lambda lib: lib.nn.RNN(4, 3, dropout=True),
    lambda lib: lib.nn.RNN(4, 3, num_layers=0),
    lambda lib: lib.nn.RNN(4, 0),
    lambda lib: lib.nn.RNN(0, 3),
    lambda lib: lib.nn.RNN(4, 3.0),
    lambda lib: lib.nn.RNN(4, 3, bias=1),
    lambda lib: lib.nn.RNN(4, 3, batch_first=None),
    lambda lib: lib.nn.RNN(4, 3, proj_size=2),
    lambda lib: lib.nn.GRU(4, 3, proj_size=1),
    lambda lib: lib.nn.LSTM(4, 3, proj_size=3),
    lambda lib: lib.nn.LSTM(4, 3, proj_size=-1),
    lambda lib: lib.nn.LSTM(4, 3)(lib.ones(2, 2, 2, 4)),
    lambda lib: lib.nn.LSTM(4, 3)(lib.ones(2, 2, 4), (lib.ones(1, 2, 3), lib.ones(1, 3, 3))),
    lambda lib: lib.nn.LSTM(4, 3)(lib.ones(2, 2, 4), (lib.ones(2, 2, 3), lib.ones(1, 2, 3))),
    lambda lib: lib.nn.LSTM(4, 3)(lib.ones(2, 4), (lib.ones(1, 2, 3), lib.ones(1, 2, 3))),
    lambda lib: lib.nn.LSTM(4, 3)(lib.ones(2, 1, 4), (lib.ones(1, 3), lib.ones(1, 3))),
    lambda lib: lib.nn.LSTM(4, 3)(lib.ones(2, 1, 5), (lib.ones(2, 1, 3), lib.ones(1, 1, 3))),
    lambda lib: lib.nn.GRU(4, 3)(lib.ones(2, 2, 2, 4)),
    lambda lib: lib.nn.GRU(4, 3, 2, bidirectional=True)(lib.ones(2, 2, 4), lib.ones(2, 2, 3)),
    lambda lib: lib.nn.LSTM(4, 3, proj_size=2)(lib.ones(5, 2, 4),
                                               (lib.ones(1, 2, 3), lib.ones(1, 2, 3))),
    lambda lib: lib.nn.LSTM(4, 3, proj_size=2)(lib.ones(5, 2, 4),
                                               (lib.ones(1, 2, 2), lib.ones(1, 2, 2))),
    lambda lib: lib.nn.LSTM(4, 3, 2, proj_size=2)(lib.ones(5, 4),
                                                  (lib.ones(2, 3), lib.ones(2, 3))),
    lambda lib: lib.nn.LSTMCell(4, 3)(lib.ones(2, 4), lib.ones(2, 3)),
    # packed sequences
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1), [2, 4, 1]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1), [4, 2, 0]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1), [0, 2, 4],
                                                      enforce_sorted=False),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1), [4, 2]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1), [4, 2, 1],
                                                      batch_first=True),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1),
                                                      lib.tensor([[4, 2, 1]])),
    lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1), [4, 2, 1]), total_length=2),
    lambda lib: lib.nn.utils.rnn.pack_sequence([]),
    lambda lib: lib.nn.utils.rnn.PackedSequence(lib.ones(2)),
    lambda lib: lib.nn.GRU(1, 2)(lib.nn.utils.rnn.PackedSequence(lib.ones(7, 1, 1),
                                                                 lib.tensor([3, 2, 1, 1]))),
    lambda lib: lib.nn.GRU(2, 2)(lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1),
                                                                       [4, 2, 1])),
    lambda lib: lib.nn.GRU(1, 2)(lib.nn.utils.rnn.pack_padded_sequence(
        lib.ones(4, 3, 1, dtype=lib.float64), [4, 2, 1])),
    lambda lib: lib.nn.GRU(1, 2)(lib.nn.utils.rnn.pack_padded_sequence(lib.ones(4, 3, 1),
                                                                       [4, 2, 1]),
                                 lib.zeros(3, 2)),
]


@pytest.mark.parametrize('call', ERROR_CALLS, ids=range(len(ERROR_CALLS)))
def test_errors_match_torch(call, torch):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(expected.type) as got:
            call(microtorch)
    assert str(got.value) == str(expected.value).replace('torch.', 'microtorch.')


def test_dropout_warning_matches_torch(torch):
    with pytest.warns(UserWarning) as expected:
        torch.nn.LSTM(4, 3, dropout=0.5)
    with pytest.warns(UserWarning) as got:
        nn.LSTM(4, 3, dropout=0.5)
    assert str(got[0].message) == str(expected[0].message)
    assert got[0].filename == __file__                      # it points at the caller's line


def test_a_layer_refuses_what_is_neither_tensor_nor_packed():
    with pytest.raises(TypeError, match='expected a Tensor or a PackedSequence'):
        nn.GRU(4, 3)((microtorch.ones(3, 4), microtorch.tensor([2, 1])))


def test_a_failed_call_changes_nothing():
    lstm = nn.LSTM(4, 3)
    before = {k: host(v).copy() for k, v in lstm.state_dict().items()}
    with pytest.raises(RuntimeError):
        lstm(microtorch.ones(2, 2, 4), (microtorch.ones(1, 2, 3), microtorch.ones(1, 3, 3)))
    for k, v in lstm.state_dict().items():
        np.testing.assert_array_equal(host(v), before[k])
    assert all(p.grad is None for p in lstm.parameters())


# ---- packed sequences -----------------------------------------------------------------------

def packed_fields(packed):
    """A PackedSequence's four fields as arrays (None stays None)."""
    return [None if f is None else host(f) for f in packed]


def assert_same_packed(mine, theirs, **tolerance):
    assert type(mine).__name__ == 'PackedSequence'
    for m, t in zip(packed_fields(mine), packed_fields(theirs)):
        if t is None:
            assert m is None
        else:
            assert m.dtype == t.dtype
            np.testing.assert_allclose(m, t, **tolerance)


PACKING = [  # (padded shape (T, B, *), lengths, enforce_sorted, batch_first)
    ((4, 3, 2), [4, 2, 1], True, False),
    ((4, 3, 2), [2, 4, 1], False, False),
    ((3, 5), [1, 3, 2], False, True),           # batch_first (B, T): scalar steps
    ((5, 4, 1), [2, 5, 2, 1], False, False),    # ties keep their order (a stable sort)
    ((2, 1, 3), [2], True, False),
]


@pytest.mark.parametrize('shape, lengths, enforce_sorted, batch_first', PACKING)
def test_pack_and_pad_match_torch(shape, lengths, enforce_sorted, batch_first, torch):
    rng = np.random.default_rng(1)
    values = rng.standard_normal(shape)
    results = []
    for lib in (microtorch, torch):
        rnn = lib.nn.utils.rnn
        x = lib.tensor(values, requires_grad=True)
        packed = rnn.pack_padded_sequence(x, lib.tensor(lengths), batch_first=batch_first,
                                          enforce_sorted=enforce_sorted)
        padded, got_lengths = rnn.pad_packed_sequence(packed, batch_first=batch_first,
                                                      padding_value=-1.5)
        weights = np.random.default_rng(2).standard_normal(tuple(padded.shape))
        (padded * lib.tensor(weights)).sum().backward()
        results.append((packed, padded, got_lengths, x.grad))
    (packed, padded, got_lengths, grad), (t_packed, t_padded, t_lengths, t_grad) = results
    assert_same_packed(packed, t_packed)
    assert type(packed.data.grad_fn).__name__ == type(t_packed.data.grad_fn).__name__
    np.testing.assert_array_equal(host(padded), t_padded.detach().numpy())
    assert got_lengths.tolist() == t_lengths.tolist() == lengths
    assert got_lengths.dtype is microtorch.int64
    np.testing.assert_array_equal(host(grad), t_grad.numpy())


def test_pad_to_a_total_length_and_the_sequence_helpers_match_torch(torch):
    rng = np.random.default_rng(2)
    arrays = [rng.standard_normal((n, 2)) for n in (2, 4, 1)]
    results = []
    for lib in (microtorch, torch):
        rnn = lib.nn.utils.rnn
        sequences = [lib.tensor(a) for a in arrays]
        packed = rnn.pack_sequence(sequences, enforce_sorted=False)
        padded, lengths = rnn.pad_packed_sequence(packed, total_length=6)
        unpacked = rnn.unpack_sequence(packed)
        legacy = rnn.PackedSequence((packed.data, packed.batch_sizes))
        results.append((packed, padded, lengths, unpacked, legacy))
    mine, theirs = results
    assert_same_packed(mine[0], theirs[0])
    assert tuple(mine[1].shape) == tuple(theirs[1].shape) == (6, 3, 2)
    np.testing.assert_array_equal(host(mine[1]), theirs[1].numpy())
    assert mine[2].tolist() == theirs[2].tolist()
    for m, t in zip(mine[3], theirs[3]):
        np.testing.assert_array_equal(host(m), t.numpy())
    assert_same_packed(mine[4], theirs[4])
    sorted_only = nn.utils.rnn.pack_sequence([microtorch.ones(3), microtorch.ones(1)])
    assert sorted_only.sorted_indices is None and sorted_only.batch_sizes.tolist() == [2, 1, 1]


def test_a_packed_sequence_moves_and_casts_as_its_data():
    packed = nn.utils.rnn.pack_padded_sequence(microtorch.ones(3, 2, 2), [3, 1],
                                               enforce_sorted=False)
    double = packed.double()
    assert double.data.dtype is microtorch.float64 and double.batch_sizes is packed.batch_sizes
    assert double.sorted_indices.tolist() == [0, 1] and not double.is_cuda
    assert packed.to(microtorch.float32) is packed and packed.cpu() is packed
    assert packed.float() is packed and packed.long().data.dtype is microtorch.int64
    assert nn.utils.rnn.invert_permutation(microtorch.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert nn.utils.rnn.invert_permutation(None) is None


PACKED_LAYERS = {
    'rnn': (lambda n: n.RNN(3, 4), False, []),
    'rnn-relu-stacked-given-state': (lambda n: n.RNN(3, 4, 2, 'relu'), False, [(2, 4, 4)]),
    'lstm-sorted': (lambda n: n.LSTM(3, 4), True, [(1, 4, 4), (1, 4, 4)]),
    'lstm-stacked-bidirectional': (lambda n: n.LSTM(3, 4, 2, bidirectional=True), False,
                                   [(4, 4, 4), (4, 4, 4)]),
    'lstm-proj-bidirectional': (lambda n: n.LSTM(3, 4, proj_size=2, bidirectional=True),
                                False, [(2, 4, 2), (2, 4, 4)]),
    'gru-stacked-bidirectional': (lambda n: n.GRU(3, 4, 2, bidirectional=True), False,
                                  [(4, 4, 4)]),
    'gru-batch-first': (lambda n: n.GRU(3, 4, batch_first=True), False, []),
}


def run_packed(lib, module, sorted_batch, state_shapes, dtype_name):
    """A layer on a packed batch of four sequences (lengths 5, 3, 3, 1, shuffled unless
    sorted_batch): the packed output, final states, and every gradient of a loss on them."""
    rng = np.random.default_rng(3)
    dtype = getattr(lib, dtype_name)
    lengths = [5, 3, 3, 1] if sorted_batch else [3, 5, 1, 3]
    shape = (4, 5, 3) if module.batch_first else (5, 4, 3)
    x = lib.tensor(rng.standard_normal(shape), dtype=dtype, requires_grad=True)
    states = [lib.tensor(rng.standard_normal(s) * 0.5, dtype=dtype, requires_grad=True)
              for s in state_shapes]
    packed = lib.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=module.batch_first,
                                                   enforce_sorted=sorted_batch)
    hx = None if not states else states[0] if len(states) == 1 else tuple(states)
    output, final = module(packed, hx)
    finals = list(final) if isinstance(final, tuple) else [final]
    loss = sum((t * lib.tensor(rng.standard_normal(tuple(t.shape)), dtype=dtype)).sum()
               for t in [output.data] + finals)
    loss.backward()
    grads = [x.grad] + [s.grad for s in states] + [p.grad for p in module.parameters()]
    return output, finals, grads


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(PACKED_LAYERS))
def test_layers_on_packed_sequences_match_torch(name, dtype_name, torch):
    make, sorted_batch, state_shapes = PACKED_LAYERS[name]
    theirs = make(torch.nn).to(getattr(torch, dtype_name))
    mine = make(nn).to(getattr(microtorch, dtype_name))
    load_from(theirs, mine)
    output, finals, grads = run_packed(microtorch, mine, sorted_batch, state_shapes,
                                       dtype_name)
    t_output, t_finals, t_grads = run_packed(torch, theirs, sorted_batch, state_shapes,
                                             dtype_name)
    assert_same_packed(output, t_output, **TOLERANCES[dtype_name])
    for m, t in zip(finals + grads, t_finals + t_grads):
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(host(m), t.detach().numpy(), **TOLERANCES[dtype_name])


def test_packed_and_padded_runs_agree_where_the_padding_is_not_read():
    """A sequence's outputs do not depend on the padding after it: packed, the padded
    steps are never computed; its rows equal a run on that sequence alone."""
    gru = nn.GRU(3, 4, bidirectional=True).double()
    x = microtorch.randn(5, 2, 3, dtype=microtorch.float64)
    packed = nn.utils.rnn.pack_padded_sequence(x, [5, 2])
    output, h = gru(packed)
    padded, _ = nn.utils.rnn.pad_packed_sequence(output)
    alone, h_alone = gru(x[:2, 1:2])
    np.testing.assert_allclose(host(padded[:2, 1:2]), host(alone), rtol=1e-12)
    np.testing.assert_allclose(host(h[:, 1:2]), host(h_alone), rtol=1e-12)
    assert np.all(host(padded[2:, 1]) == 0)


def _layer_numbers(mode, fused, dtype, bidirectional, proj_size, packed, monkeypatch):
    """An LSTM's or a GRU's outputs, final states and every gradient, with the gates as one op
    or as separate ops."""
    from microtorch.nn.modules import rnn
    if not fused:
        monkeypatch.setattr(rnn, '_FUSED_DTYPES', ())
    microtorch.manual_seed(3)
    extra = dict(proj_size=proj_size) if mode == 'LSTM' else {}
    layer = getattr(microtorch.nn, mode)(5, 8, num_layers=2, bidirectional=bidirectional,
                                         batch_first=True, dtype=dtype, **extra)
    x = microtorch.randn(3, 7, 5, dtype=dtype, requires_grad=True)
    if packed:
        packed_x = microtorch.nn.utils.rnn.pack_padded_sequence(x, [7, 5, 2], batch_first=True)
        out, states = layer(packed_x)
        out = out.data
    else:
        out, states = layer(x)
    states = states if mode == 'LSTM' else (states,)
    weights = microtorch.cos(microtorch.arange(out.numel(), dtype=dtype)).reshape(
        tuple(out.shape))
    loss = (out * weights).sum()
    for k, state in enumerate(states):
        loss = loss + (state * (0.5 / (k + 1))).sum()
    loss.backward()
    monkeypatch.undo()
    return [out, *states, x.grad] + [p.grad for p in layer.parameters()]


@pytest.mark.parametrize('packed', [False, True])
@pytest.mark.parametrize('bidirectional,proj_size', [(False, 0), (True, 3)])
@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('mode', ['LSTM', 'GRU'])
def test_gates_as_one_op_give_the_separate_ops_bits(mode, dtype_name, bidirectional, proj_size,
                                                    packed, monkeypatch):
    dtype = getattr(microtorch, dtype_name)
    args = (dtype, bidirectional, proj_size, packed, monkeypatch)
    fused = _layer_numbers(mode, True, *args)
    apart = _layer_numbers(mode, False, *args)
    for a, b in zip(fused, apart):
        assert a.detach().numpy().tobytes() == b.detach().numpy().tobytes()


@pytest.mark.parametrize('mode', ['LSTM', 'GRU'])
def test_gates_ops_twice_by_finite_differences(mode):
    layer = getattr(microtorch.nn, mode)(3, 4, batch_first=True, dtype=microtorch.float64)
    x = microtorch.randn(2, 4, 3, dtype=microtorch.float64, requires_grad=True)

    def outputs(x):
        out, states = layer(x)
        return out, (states[1] if mode == 'LSTM' else states)
    assert microtorch.autograd.gradcheck(outputs, (x,))
    assert microtorch.autograd.gradgradcheck(outputs, (x,))
