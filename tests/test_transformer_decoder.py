"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch with the weights
copied over (same state-dict keys): outputs and the gradients of the inputs and of every
parameter, in eval mode (dropout off) and in train mode with dropout=0, batch_first and
norm_first both ways, with every mask; listings, the causal mask, errors."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import microtorch
import microtorch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_attention import TOLERANCES, _run, causal_bool, host  # noqa: E402


def compare(make, shapes, call, dtype_name, train, torch):
    """make(nn, dropout) on both libraries; the outputs and gradients of call agree."""
    dropout = 0.0 if train else 0.1
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')              # PyTorch's nested-tensor notice
        theirs, mine = make(torch.nn, dropout), make(nn, dropout)
    theirs.to(getattr(torch, dtype_name)).train(train)
    mine.to(getattr(microtorch, dtype_name)).train(train)
    assert repr(mine) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [k for k, _ in mine.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    my_outs, my_grads = _run(microtorch, mine, shapes, dtype_name, call)
    outs, grads = _run(torch, theirs, shapes, dtype_name, call)
    assert len(my_outs) == len(outs) and len(my_grads) == len(grads)
    for m, t in zip(my_outs + my_grads, outs + grads):
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(host(m), t.detach().numpy(), **TOLERANCES[dtype_name])


def plain(lib, module, tgt, memory):
    return module(tgt, memory)


def with_masks(batch_first, causal=False):
    """Float causal tgt_mask, bool memory_mask, and both padding masks; tgt of 4, memory of
    5 positions, batch of 2."""
    def call(lib, module, tgt, memory):
        dtype = tgt.dtype
        tgt_mask = lib.nn.Transformer.generate_square_subsequent_mask(4, dtype=dtype)
        memory_mask = causal_bool(lib, 4, 5).logical_not()
        memory_mask[:, 0] = False                     # every query sees some key
        tgt_padding = lib.tensor([[False, False, False, True], [False] * 4])
        memory_padding = lib.tensor([[False, False, True, False, True], [False] * 5])
        return module(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_padding,
                      memory_key_padding_mask=memory_padding, tgt_is_causal=causal)
    return call


def decoder_layer(**kwargs):
    return lambda n, dropout: n.TransformerDecoderLayer(8, 2, dim_feedforward=16,
                                                        dropout=dropout, **kwargs)


SEQ_FIRST = [(4, 2, 8), (5, 2, 8)]
BATCH_FIRST = [(2, 4, 8), (2, 5, 8)]

LAYER_CASES = {
    'post-norm-relu': (decoder_layer(), SEQ_FIRST, plain),
    'pre-norm-gelu-batch-first': (decoder_layer(norm_first=True, activation='gelu',
                                                batch_first=True), BATCH_FIRST, plain),
    'masks-batch-first': (decoder_layer(batch_first=True), BATCH_FIRST,
                          with_masks(batch_first=True)),
    'masks-pre-norm-seq-first': (decoder_layer(norm_first=True), SEQ_FIRST,
                                 lambda lib, m, t, s: m(
                                     t, s, tgt_mask=lib.nn.Transformer
                                     .generate_square_subsequent_mask(4, dtype=t.dtype),
                                     tgt_is_causal=True,
                                     memory_key_padding_mask=lib.tensor(
                                         [[False, True, False, False, True], [False] * 5]))),
    'no-bias-eps-callable': (lambda n, dropout: n.TransformerDecoderLayer(
        8, 4, 12, dropout, n.GELU(approximate='tanh'), 1e-3, bias=False),
        SEQ_FIRST, plain),
    'unbatched': (decoder_layer(batch_first=True), [(4, 8), (5, 8)], plain),
}


@pytest.mark.parametrize('train', [False, True], ids=['eval', 'train-dropout0'])
@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(LAYER_CASES))
def test_decoder_layer_matches_torch(name, dtype_name, train, torch):
    make, shapes, call = LAYER_CASES[name]
    compare(make, shapes, call, dtype_name, train, torch)


def decoder(num_layers, norm, **kwargs):
    def make(n, dropout):
        layer = n.TransformerDecoderLayer(8, 2, 16, dropout, **kwargs)
        return n.TransformerDecoder(layer, num_layers, n.LayerNorm(8) if norm else None)
    return make


DECODER_CASES = {
    'two-layers-norm-causal': (decoder(2, True, batch_first=True), BATCH_FIRST,
                               with_masks(batch_first=True, causal=True)),
    'three-layers-pre-norm': (decoder(3, False, norm_first=True), SEQ_FIRST, plain),
    'detected-causal-mask': (decoder(2, True), SEQ_FIRST,
                             lambda lib, m, t, s: m(
                                 t, s, tgt_mask=lib.nn.Transformer
                                 .generate_square_subsequent_mask(4, dtype=t.dtype))),
}


@pytest.mark.parametrize('train', [False, True], ids=['eval', 'train-dropout0'])
@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(DECODER_CASES))
def test_decoder_matches_torch(name, dtype_name, train, torch):
    make, shapes, call = DECODER_CASES[name]
    compare(make, shapes, call, dtype_name, train, torch)


def transformer(**kwargs):
    return lambda n, dropout: n.Transformer(8, 2, 2, 2, 16, dropout, **kwargs)


def transformer_masks(lib, module, src, tgt):
    dtype = src.dtype
    return module(src, tgt, src_mask=lib.zeros(5, 5, dtype=dtype),
                  tgt_mask=module.generate_square_subsequent_mask(4, dtype=dtype),
                  memory_mask=lib.zeros(4, 5, dtype=lib.bool),
                  src_key_padding_mask=lib.tensor([[False] * 4 + [True], [False] * 5]),
                  tgt_key_padding_mask=lib.tensor([[False] * 3 + [True], [False] * 4]),
                  memory_key_padding_mask=lib.tensor([[False] * 4 + [True], [False] * 5]))


TRANSFORMER_CASES = {
    'seq-first': (transformer(), [(5, 2, 8), (4, 2, 8)], plain),
    'batch-first-pre-norm-gelu': (transformer(batch_first=True, norm_first=True,
                                              activation='gelu'),
                                  [(2, 5, 8), (2, 4, 8)], plain),
    'masks': (transformer(), [(5, 2, 8), (4, 2, 8)], transformer_masks),
    'causal-target-batch-first': (transformer(batch_first=True), [(2, 5, 8), (2, 4, 8)],
                                  lambda lib, m, s, t: m(
                                      s, t, tgt_mask=m.generate_square_subsequent_mask(
                                          4, dtype=s.dtype), tgt_is_causal=True)),
    # with a padding mask and nothing to differentiate PyTorch's eval-mode encoder zeroes
    # the padded positions of memory (its nested-tensor path); microtorch does the same
    'inference-padded-memory': (transformer(batch_first=True), [(2, 5, 8), (2, 4, 8)],
                                lambda lib, m, s, t: m(
                                    s.detach(), t.detach(), src_key_padding_mask=lib.tensor(
                                        [[False] * 3 + [True] * 2, [False] * 5]))),
}


@pytest.mark.parametrize('train', [False, True], ids=['eval', 'train-dropout0'])
@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(TRANSFORMER_CASES))
def test_transformer_matches_torch(name, dtype_name, train, torch):
    make, shapes, call = TRANSFORMER_CASES[name]
    if name == 'inference-padded-memory':
        compare_inference(make, shapes, call, dtype_name, train, torch)
    else:
        compare(make, shapes, call, dtype_name, train, torch)


def compare_inference(make, shapes, call, dtype_name, train, torch):
    """Outputs only, under no_grad."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        theirs = make(torch.nn, 0.0).to(getattr(torch, dtype_name)).train(train)
        mine = make(nn, 0.0).to(getattr(microtorch, dtype_name)).train(train)
    mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    outs = []
    for lib, module in ((torch, theirs), (microtorch, mine)):
        rng = np.random.default_rng(7)
        inputs = [lib.tensor(rng.standard_normal(s), dtype=getattr(lib, dtype_name))
                  for s in shapes]
        with lib.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            outs.append(call(lib, module, *inputs))
    np.testing.assert_allclose(host(outs[1]), outs[0].numpy(), **TOLERANCES[dtype_name])


def test_generate_square_subsequent_mask_matches_torch(torch):
    for kwargs in ({}, {'dtype': 'float64'}):
        masks = []
        for lib in (microtorch, torch):
            args = {k: getattr(lib, v) for k, v in kwargs.items()}
            mask = lib.nn.Transformer.generate_square_subsequent_mask(4, **args)
            masks.append((host(mask) if lib is microtorch else mask.numpy(),
                          str(mask.dtype).split('.')[-1]))
        np.testing.assert_array_equal(masks[0][0], masks[1][0])
        assert masks[0][1] == masks[1][1]


def test_transformer_defaults_and_initialisation(torch):
    microtorch.manual_seed(0)
    with warnings.catch_warnings(record=True) as mine:
        warnings.simplefilter('always')
        model = nn.Transformer(16, 4, 1, 1, 32)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter('always')
        reference = torch.nn.Transformer(16, 4, 1, 1, 32)
    assert [str(w.message) for w in mine] == [str(w.message) for w in theirs]
    assert (model.d_model, model.nhead, model.batch_first) == (16, 4, False)
    assert repr(model) == repr(reference)
    bound = (6 / (16 + 32)) ** 0.5                   # xavier_uniform_ over linear1 (32, 16)
    weight = host(model.encoder.layers[0].linear1.weight)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.8 * bound
    assert not host(model.decoder.layers[0].multihead_attn.in_proj_bias).any()
    layers = model.decoder.layers
    assert isinstance(layers[0], nn.TransformerDecoderLayer) and len(layers) == 1


def test_decoder_layers_are_copies():
    layer = nn.TransformerDecoderLayer(8, 2, 16)
    stack = nn.TransformerDecoder(layer, 2)
    assert stack.layers[0] is not layer and stack.layers[0] is not stack.layers[1]
    np.testing.assert_array_equal(host(stack.layers[1].linear1.weight),
                                  host(layer.linear1.weight))
    assert stack.layers[0].linear1.weight is not stack.layers[1].linear1.weight


def test_dropout_acts_in_train_mode():
    microtorch.manual_seed(0)
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.5)
    tgt, memory = microtorch.randn(4, 2, 8), microtorch.randn(5, 2, 8)
    assert not np.allclose(host(layer(tgt, memory)), host(layer(tgt, memory)))
    layer.eval()
    np.testing.assert_array_equal(host(layer(tgt, memory)), host(layer(tgt, memory)))


def test_runs_on_the_device(device):
    microtorch.manual_seed(0)
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0, batch_first=True).to(device)
    src = microtorch.randn(2, 5, 8, device=device, requires_grad=True)
    tgt = microtorch.randn(2, 4, 8, device=device)
    out = model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(4, device=device))
    out.sum().backward()
    assert out.device == src.device and src.grad.device == src.device
    assert tuple(out.shape) == (2, 4, 8)


ERROR_CALLS = [
    lambda lib: lib.nn.TransformerDecoderLayer(8, 2, activation='tanh'),
    lambda lib: lib.nn.TransformerDecoderLayer(8, 3),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(5, 2, 8), lib.ones(4, 3, 8)),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16, batch_first=True)(lib.ones(2, 5, 8),
                                                                      lib.ones(3, 4, 8)),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.ones(5, 2, 8), lib.ones(4, 2, 6)),
    lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16)(lib.ones(4, 2, 8), lib.ones(5, 2, 8),
                                                         memory_is_causal=True),
    lambda lib: lib.nn.TransformerDecoder(lib.nn.TransformerDecoderLayer(8, 2, 16), 2)(
        lib.ones(4, 2, 8), lib.ones(5, 2, 8), tgt_is_causal=True),
    lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16)(lib.ones(4, 2, 8), lib.ones(5, 2, 8),
                                                         tgt_mask=lib.ones(4, 5)),
    lambda lib: lib.nn.TransformerDecoderLayer(8, 2, 16)(lib.ones(4, 2, 8), lib.ones(5, 2, 8),
                                                         memory_mask=lib.ones(4, 4)),
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
