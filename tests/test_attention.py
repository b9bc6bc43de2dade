"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and
TransformerEncoder against PyTorch (eval mode: dropout off) with the weights copied over:
outputs, attention weights and the gradients of the inputs and every parameter, in float32
and float64; parameter names, state-dict keys and listings; dropout in train mode; errors."""
import warnings

import numpy as np
import pytest

import microtorch
import microtorch.nn as nn
import microtorch.nn.functional as F

TOLERANCES = {'float32': dict(rtol=5e-5, atol=5e-6), 'float64': dict(rtol=1e-9, atol=1e-11)}


def host(t):
    return t.detach().cpu().numpy()


def _run(lib, module, shapes, dtype_name, call, seed=5):
    rng = np.random.default_rng(seed)
    dtype = getattr(lib, dtype_name)
    inputs = [lib.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True)
              for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = call(lib, module, *inputs)
    outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=dtype)).sum()
               for o in outs)
    params = [] if module is None else list(module.parameters())
    return outs, list(lib.autograd.grad(loss, inputs + params))


def compare(make, shapes, dtype_name, torch, call):
    theirs, mine = make(torch.nn), make(nn)
    if theirs is not None:
        theirs.to(getattr(torch, dtype_name)).eval()
        mine.to(getattr(microtorch, dtype_name)).eval()
        assert repr(mine) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        assert [k for k, _ in mine.named_parameters()] == \
            [k for k, _ in theirs.named_parameters()]
        mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
    my_outs, my_grads = _run(microtorch, mine, shapes, dtype_name, call)
    outs, grads = _run(torch, theirs, shapes, dtype_name, call)
    assert len(my_outs) == len(outs) and len(my_grads) == len(grads)
    for m, t in zip(my_outs + my_grads, outs + grads):
        assert tuple(m.shape) == tuple(t.shape)
        np.testing.assert_allclose(host(m), t.detach().numpy(), **TOLERANCES[dtype_name])


def causal_bool(lib, n, s):
    return lib.ones(n, s, dtype=lib.bool).tril()


SDPA_CASES = {
    'plain': ([(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7)], {}),
    'causal': ([(2, 4, 5), (2, 4, 5), (2, 4, 3)], dict(is_causal=True)),
    'scale': ([(3, 4), (5, 4), (5, 2)], dict(scale=0.3)),
    'bool-mask': ([(2, 4, 5), (2, 6, 5), (2, 6, 3)],
                  dict(attn_mask=lambda lib: lib.tensor([[True, False] * 3] * 4))),
    'float-mask': ([(2, 4, 5), (2, 6, 5), (2, 6, 3)],
                   dict(attn_mask=lambda lib: lib.tensor(
                       np.random.default_rng(0).standard_normal((4, 6))))),
    # a query whose keys are all masked out: zeros and zero gradients, not NaN
    'fully-masked-row': ([(2, 3, 5), (2, 4, 5), (2, 4, 3)],
                         dict(attn_mask=lambda lib: lib.tensor(
                             [[True, False, True, True], [False] * 4, [True] * 4]))),
    'grouped-query-heads': ([(2, 4, 3, 5), (2, 2, 6, 5), (2, 1, 6, 3)],
                            dict(enable_gqa=True, is_causal=True)),
    'causal-more-queries-than-keys': ([(2, 6, 5), (2, 4, 5), (2, 4, 3)],
                                      dict(is_causal=True)),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(SDPA_CASES))
def test_scaled_dot_product_attention_matches_torch(name, dtype_name, torch):
    shapes, kwargs = SDPA_CASES[name]

    def call(lib, _, q, k, v):
        args = dict(kwargs)
        if 'attn_mask' in args:
            mask = args['attn_mask'](lib)
            args['attn_mask'] = mask if mask.dtype == lib.bool else mask.to(q.dtype)
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **args)
    compare(lambda _: None, shapes, dtype_name, torch, call)


def mha_call(**kwargs):
    def call(lib, module, q, k, v):
        args = {key: (value(lib) if callable(value) else value) for key, value in kwargs.items()}
        return module(q, k, v, **args)
    return call


def layer_call(lib, module, x):
    return module(x)


def float_mask_call(lib, module, q, k, v):
    """A 3-D (N * heads, L, S) float mask in the inputs' dtype, no weights returned."""
    mask = lib.tensor(np.random.default_rng(1).standard_normal((4, 3, 5)), dtype=q.dtype)
    return module(q, k, v, attn_mask=mask, need_weights=False)


def padding_mask(lib):
    return lib.tensor([[False, False, True, False, True], [False] * 5])


MHA_CASES = {
    'seq-first': (lambda n: n.MultiheadAttention(6, 2), [(4, 2, 6), (5, 2, 6), (5, 2, 6)],
                  mha_call()),
    'batch-first-per-head-weights': (lambda n: n.MultiheadAttention(8, 4, batch_first=True),
                                     [(2, 4, 8), (2, 5, 8), (2, 5, 8)],
                                     mha_call(average_attn_weights=False)),
    'key-padding-and-attn-mask': (lambda n: n.MultiheadAttention(6, 3, batch_first=True),
                                  [(2, 5, 6)] * 3,
                                  mha_call(key_padding_mask=padding_mask,
                                           attn_mask=lambda lib: causal_bool(lib, 5, 5)
                                           .logical_not())),
    'float-masks-3d': (lambda n: n.MultiheadAttention(4, 2),
                       [(3, 2, 4), (5, 2, 4), (5, 2, 4)], float_mask_call),
    'no-bias-unbatched': (lambda n: n.MultiheadAttention(6, 2, bias=False),
                          [(4, 6), (3, 6), (3, 6)], mha_call()),
    'kdim-vdim': (lambda n: n.MultiheadAttention(6, 2, kdim=3, vdim=5, batch_first=True),
                  [(2, 4, 6), (2, 3, 3), (2, 3, 5)], mha_call()),
    # without weights PyTorch zeroes a query whose keys are all masked out (NaN with them)
    'fully-masked-query-no-weights': (lambda n: n.MultiheadAttention(6, 3, batch_first=True),
                                      [(2, 5, 6)] * 3,
                                      mha_call(key_padding_mask=padding_mask,
                                               attn_mask=lambda lib: lib.tensor(
                                                   [[True, True, False, True, False]] +
                                                   [[False] * 5] * 4),
                                               need_weights=False)),
    # a learned key/value and a zero one appended to every sequence (masks padded to match)
    'bias-kv-zero-attn-masks': (lambda n: n.MultiheadAttention(6, 2, add_bias_kv=True,
                                                                add_zero_attn=True),
                                [(3, 2, 6), (5, 2, 6), (5, 2, 6)],
                                mha_call(key_padding_mask=padding_mask,
                                         attn_mask=lambda lib: causal_bool(lib, 3, 5))),
    'bias-kv-batch-first-kdim-per-head': (
        lambda n: n.MultiheadAttention(6, 3, add_bias_kv=True, kdim=4, batch_first=True),
        [(2, 3, 6), (2, 4, 4), (2, 4, 6)], mha_call(average_attn_weights=False)),
    'zero-attn-unbatched-no-weights': (
        lambda n: n.MultiheadAttention(6, 2, add_zero_attn=True, bias=False),
        [(4, 6), (3, 6), (3, 6)], mha_call(need_weights=False)),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(MHA_CASES))
def test_multihead_attention_matches_torch(name, dtype_name, torch):
    make, shapes, call = MHA_CASES[name]
    compare(make, shapes, dtype_name, torch, call)


def encoder_layer(**kwargs):
    return lambda n: n.TransformerEncoderLayer(8, 2, dim_feedforward=16, **kwargs)


ENCODER_CASES = {
    'post-norm-relu': (encoder_layer(), [(5, 2, 8)], layer_call),
    'pre-norm-gelu-batch-first': (encoder_layer(norm_first=True, activation='gelu',
                                                batch_first=True), [(2, 5, 8)],
                                  layer_call),
    'masks': (encoder_layer(batch_first=True), [(2, 5, 8)],
              lambda lib, m, x: m(x, src_mask=causal_bool(lib, 5, 5).logical_not(),
                                  src_key_padding_mask=padding_mask(lib))),
    'no-bias-eps': (encoder_layer(bias=False, layer_norm_eps=1e-3), [(5, 2, 8)],
                    layer_call),
    'encoder-with-norm': (lambda n: n.TransformerEncoder(
        n.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2, norm=n.LayerNorm(8)),
        [(2, 5, 8)], lambda lib, m, x: m(x, mask=causal_bool(lib, 5, 5).logical_not(),
                                         is_causal=True)),
    'encoder-three-layers': (lambda n: n.TransformerEncoder(
        n.TransformerEncoderLayer(8, 4, 12, activation='gelu'), 3), [(4, 3, 8)],
        lambda lib, m, x: m(x, src_key_padding_mask=lib.tensor(
            [[False, False, True, True]] * 3))),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(ENCODER_CASES))
def test_transformer_encoder_matches_torch(name, dtype_name, torch):
    make, shapes, call = ENCODER_CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(make, shapes, dtype_name, torch, call)


def test_mha_initialisation_and_defaults():
    microtorch.manual_seed(0)
    attn = nn.MultiheadAttention(8, 2)
    bound = (6 / (8 + 24)) ** 0.5               # xavier_uniform_ over (24, 8)
    values = host(attn.in_proj_weight)
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.8 * bound
    assert not host(attn.in_proj_bias).any() and not host(attn.out_proj.bias).any()
    assert attn.head_dim == 4 and attn._qkv_same_embed_dim and attn.bias_k is None
    with_bias = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    assert tuple(with_bias.bias_k.shape) == (1, 1, 8) and host(with_bias.bias_v).std() > 0


def test_dropout_is_respected_in_train_mode():
    microtorch.manual_seed(0)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = microtorch.randn(5, 2, 8)
    layer.train()
    first, second = layer(x), layer(x)
    assert not np.allclose(host(first), host(second))
    layer.eval()
    np.testing.assert_array_equal(host(layer(x)), host(layer(x)))
    attn = nn.MultiheadAttention(8, 2, dropout=0.9)
    _, weights = attn(x, x, x, average_attn_weights=False)
    assert (host(weights) == 0).any()
    attn.eval()
    _, weights = attn(x, x, x)
    np.testing.assert_allclose(host(weights).sum(-1), 1, rtol=1e-6)


def test_sdpa_dropout_drops_weights():
    microtorch.manual_seed(3)
    q = microtorch.randn(2, 4, 3)
    v = microtorch.eye(4).expand(2, 4, 4)
    weights = host(F.scaled_dot_product_attention(q, q, v, dropout_p=0.5))
    assert (weights == 0).any()
    assert weights.max() <= 2.0 + 1e-6           # kept weights scaled by 1 / (1 - p)


def test_mask_type_mismatch_warns_as_torch(torch):
    def run(lib):
        attn = lib.nn.MultiheadAttention(4, 2)
        x = lib.ones(3, 2, 4)
        with pytest.warns(UserWarning) as record:
            attn(x, x, x, key_padding_mask=lib.zeros(2, 3, dtype=lib.bool),
                 attn_mask=lib.zeros(3, 3))
        return [str(w.message) for w in record]
    assert run(microtorch) == run(torch)


def test_encoder_inference_with_padding_zeroes_padded_positions_as_torch(torch):
    """Eval mode with nothing to differentiate and a left-aligned padding mask: PyTorch runs
    the kept positions as a nested tensor and pads the output back with zeros (before the
    final norm); with gradients, or a mask that is not left-aligned, it computes them all."""
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
        return lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8)).eval()
    theirs, mine = make(torch), make(microtorch)
    mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(2).standard_normal((2, 4, 8))
    for padded in ([[0, 0, 1, 1], [0, 0, 0, 1]], [[0, 1, 0, 1], [0, 0, 0, 0]]):
        mask = np.array(padded) > 0
        for grad in (False, True):
            outs = []
            for lib, module in ((torch, theirs), (microtorch, mine)):
                with (lib.enable_grad() if grad else lib.no_grad()), \
                        warnings.catch_warnings():
                    warnings.simplefilter('ignore')           # PyTorch's nested-tensor notice
                    outs.append(module(lib.tensor(x, dtype=lib.float32),
                                       src_key_padding_mask=lib.tensor(mask)))
            np.testing.assert_allclose(host(outs[1]), outs[0].detach().numpy(), rtol=1e-4,
                                       atol=2e-5)


def test_encoder_nested_tensor_flag_and_warning_match_torch(torch):
    for kwargs in ({}, dict(batch_first=True), dict(batch_first=True, norm_first=True),
                   dict(batch_first=True, activation='gelu', bias=False)):
        flags = []
        for lib in (torch, microtorch):
            layer = lib.nn.TransformerEncoderLayer(8, 2, 16, **kwargs)
            with warnings.catch_warnings(record=True) as record:
                warnings.simplefilter('always')
                encoder = lib.nn.TransformerEncoder(layer, 1)
            flags.append((encoder.use_nested_tensor, layer.activation_relu_or_gelu,
                          [str(w.message) for w in record]))
        assert flags[0] == flags[1]


ERROR_CALLS = [
    lambda lib: lib.nn.MultiheadAttention(6, 4),
    lambda lib: lib.nn.MultiheadAttention(0, 2),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 4), lib.ones(3, 2, 4),
                                               lib.ones(3, 2, 4)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(4, 2, 6)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6), attn_mask=lib.ones(3, 4)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6), attn_mask=lib.ones(2, 3, 3)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6), is_causal=True),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6),
                                               key_padding_mask=lib.ones(2, 3, dtype=lib.int64)),
    lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation='tanh'),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), attn_mask=lib.ones(2, 2),
        is_causal=True),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(2, 3, dtype=lib.float64), lib.ones(2, 3)),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), attn_mask=lib.ones(2, 2).long()),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), attn_mask=lib.ones(2, 2).double()),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(3), lib.ones(2, 3), lib.ones(2, 3)),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), dropout_p=1.5),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(1, 4, 2, 3), lib.ones(1, 3, 2, 3), lib.ones(1, 3, 2, 3), enable_gqa=True),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(
        lib.ones(2, 3), lib.ones(2, 3), lib.ones(2, 3), enable_gqa=True),
    lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(4, 2, 8), 2)(
        lib.ones(3, 2, 4), is_causal=True),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 6),
                                               lib.ones(3, 6)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6),
                                               key_padding_mask=lib.ones(3, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 6), lib.ones(3, 6), lib.ones(3, 6),
                                               key_padding_mask=lib.ones(1, 3, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 6), lib.ones(3, 6), lib.ones(3, 6),
                                               attn_mask=lib.ones(1, 3, 3, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(3, 2, 6),
                                               lib.ones(3, 2, 6),
                                               attn_mask=lib.ones(1, 2, 3, 3, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2, batch_first=True)(
        lib.ones(2, 3, 6), lib.ones(2, 4, 6), lib.ones(2, 4, 6),
        key_padding_mask=lib.ones(4, 2, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2)(lib.ones(3, 2, 6), lib.ones(4, 2, 6),
                                               lib.ones(4, 2, 6),
                                               key_padding_mask=lib.ones(2, 3, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2, kdim=4, vdim=5)(
        lib.ones(3, 2, 6), lib.ones(4, 2, 3), lib.ones(4, 2, 5)),
    lambda lib: lib.nn.MultiheadAttention(6, 2, kdim=4, vdim=5)(
        lib.ones(3, 2, 6), lib.ones(4, 2, 4), lib.ones(4, 2, 4)),
    lambda lib: lib.nn.MultiheadAttention(6, 2, kdim=4, vdim=5)(
        lib.ones(3, 2, 6), lib.ones(4, 2, 4), lib.ones(3, 2, 5)),
    lambda lib: lib.nn.MultiheadAttention(6, 2, add_bias_kv=True)(
        lib.ones(3, 2, 6), lib.ones(5, 2, 6), lib.ones(5, 2, 6),
        key_padding_mask=lib.ones(2, 4, dtype=lib.bool)),
    lambda lib: lib.nn.MultiheadAttention(6, 2, add_zero_attn=True)(
        lib.ones(3, 2, 6), lib.ones(5, 2, 6), lib.ones(5, 2, 6),
        attn_mask=lib.ones(3, 6, dtype=lib.bool)),
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
