"""nn.functional's in-place activations, *_with_indices pools, deprecated upsampling names,
multi_head_attention_forward, fractional max pooling, NLLLoss2d and CrossMapLRN2d, against
PyTorch."""
import warnings

import numpy as np
import pytest

import microtorch as mt
from microtorch.autograd import gradcheck


def _error(call):
    try:
        call()
    except Exception as error:              # noqa: BLE001 - the error is what is compared
        return type(error).__name__, str(error).replace('torch.', 'microtorch.')
    return None


def _both(torch, values, dtype='float64', requires_grad=False):
    return (mt.tensor(values, dtype=getattr(mt, dtype), requires_grad=requires_grad),
            torch.tensor(values, dtype=getattr(torch, dtype), requires_grad=requires_grad))


# ---- in-place activations ----------------------------------------------------------------

INPLACE = [('relu_', ()), ('elu_', (0.7,)), ('celu_', (1.3,)), ('selu_', ()),
           ('leaky_relu_', (0.2,)), ('hardtanh_', (-0.5, 0.8)), ('rrelu_', (0.1, 0.3)),
           ('threshold_', (0.1, -2.0))]


@pytest.mark.parametrize('name,args', INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_activation_matches_torch(name, args, torch):
    values = np.random.default_rng(0).standard_normal((3, 4))
    leaf_mine, leaf_theirs = _both(torch, values, requires_grad=True)
    mine, theirs = leaf_mine * 1.5, leaf_theirs * 1.5
    version = mine._version
    out_mine = getattr(mt.nn.functional, name)(mine, *args)
    out_theirs = getattr(torch.nn.functional, name)(theirs, *args)
    assert out_mine is mine and out_theirs is theirs
    assert mine._version == version + 1
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    weight = np.random.default_rng(1).standard_normal((3, 4))
    (mine * mt.tensor(weight)).sum().backward()
    (theirs * torch.tensor(weight)).sum().backward()
    # celu's gradient (in place or not) differs from PyTorch's by ~1e-8 relative, as before
    # this file: PyTorch's rounds somewhere in its elu-with-input-scale form
    rtol = 1e-7 if name == 'celu_' else 1e-12
    np.testing.assert_allclose(leaf_mine.grad.numpy(), leaf_theirs.grad.numpy(), rtol=rtol)


@pytest.mark.parametrize('name', ['relu_', 'celu_', 'selu_', 'rrelu_', 'threshold_'])
def test_torch_level_inplace_activations(name, torch):
    args = (0.1, -2.0) if name == 'threshold_' else ()
    values = np.random.default_rng(2).standard_normal(5)
    mine, theirs = _both(torch, values)
    assert getattr(mt, name)(mine, *args) is mine
    getattr(torch, name)(theirs, *args)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def test_inplace_activation_of_a_leaf_that_requires_grad_raises_as_torch(torch):
    for name, args in INPLACE:
        mine = mt.ones(2, requires_grad=True)
        theirs = torch.ones(2, requires_grad=True)
        assert _error(lambda: getattr(mt.nn.functional, name)(mine, *args)) == \
            _error(lambda: getattr(torch.nn.functional, name)(theirs, *args))


def test_rrelu_in_training_draws_slopes_in_range():
    x = -mt.ones(1000)
    mt.nn.functional.rrelu_(x, 0.2, 0.4, training=True)
    assert ((x >= -0.4) & (x <= -0.2)).all()


# ---- *_with_indices --------------------------------------------------------------------

WITH_INDICES = [
    ('max_pool1d_with_indices', (2, 3, 9), (3,), {'stride': 2, 'padding': 1}),
    ('max_pool2d_with_indices', (2, 3, 7, 6), (3,), {'stride': 2, 'ceil_mode': True}),
    ('max_pool3d_with_indices', (1, 2, 5, 4, 6), (2,), {'dilation': 2}),
    ('adaptive_max_pool1d_with_indices', (2, 3, 9), (4,), {}),
    ('adaptive_max_pool2d_with_indices', (2, 3, 7, 6), ((3, 4),), {}),
    ('adaptive_max_pool3d_with_indices', (1, 2, 5, 4, 6), (3,), {}),
]


@pytest.mark.parametrize('name,shape,args,kwargs', WITH_INDICES,
                         ids=[c[0] for c in WITH_INDICES])
def test_with_indices_matches_torch(name, shape, args, kwargs, torch):
    values = np.random.default_rng(3).standard_normal(shape)
    mine, theirs = _both(torch, values, requires_grad=True)
    out_mine = getattr(mt.nn.functional, name)(mine, *args, **kwargs)
    out_theirs = getattr(torch.nn.functional, name)(theirs, *args, **kwargs)
    assert isinstance(out_mine, tuple) and len(out_mine) == 2
    np.testing.assert_array_equal(out_mine[0].detach().numpy(), out_theirs[0].detach().numpy())
    np.testing.assert_array_equal(out_mine[1].numpy(), out_theirs[1].numpy())
    assert out_mine[1].dtype == mt.int64
    out_mine[0].sum().backward()
    out_theirs[0].sum().backward()
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


# ---- deprecated upsampling names ------------------------------------------------------------

@pytest.mark.parametrize('name,kwargs', [('upsample_nearest', {'scale_factor': 2}),
                                         ('upsample_bilinear', {'size': (5, 7)}),
                                         ('upsample', {'scale_factor': 3})])
def test_deprecated_upsampling_warns_and_matches_torch(name, kwargs, torch):
    values = np.random.default_rng(4).standard_normal((1, 2, 3, 4))
    mine, theirs = _both(torch, values, requires_grad=True)
    message = f'`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` instead.'
    with pytest.warns(UserWarning, match=message.replace('.', r'\.')) as record:
        out_mine = getattr(mt.nn.functional, name)(mine, **kwargs)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out_theirs = getattr(torch.nn.functional, name)(theirs, **kwargs)
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(),
                               rtol=1e-12)
    weight = np.random.default_rng(5).standard_normal(tuple(out_theirs.shape))
    (out_mine * mt.tensor(weight)).sum().backward()
    (out_theirs * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


# ---- multi_head_attention_forward ---------------------------------------------------------

def _attention_inputs(rng, lib, E, L, S, N, separate, biased_kv, kdim, static=()):
    def t(*shape):
        return lib.tensor(rng.standard_normal(shape), requires_grad=True)
    query = t(L, N, E) if N else t(L, E)
    key = t(S, N, kdim) if N else t(S, kdim)
    value = t(S, N, kdim) if N else t(S, kdim)
    weights = dict(in_proj_weight=None if separate else t(3 * E, E), in_proj_bias=t(3 * E),
                   bias_k=t(1, 1, E) if biased_kv else None,
                   bias_v=t(1, 1, E) if biased_kv else None,
                   out_proj_weight=t(E, E), out_proj_bias=t(E))
    for name in static:                     # per-head keys / values: (N * heads, S, E / 2)
        weights[name] = t(max(N, 1) * 2, S, E // 2)
    if separate:
        weights.update(use_separate_proj_weight=True, q_proj_weight=t(E, E),
                       k_proj_weight=t(E, kdim), v_proj_weight=t(E, kdim))
    return query, key, value, weights


ATTENTION = [
    dict(N=2, separate=False, biased_kv=False, zero_attn=False, masks=True, need=True),
    dict(N=2, separate=True, biased_kv=True, zero_attn=True, masks=True, need=True),
    dict(N=0, separate=False, biased_kv=False, zero_attn=False, masks=False, need=True),
    dict(N=3, separate=False, biased_kv=True, zero_attn=False, masks=True, need=False),
    dict(N=2, separate=False, biased_kv=False, zero_attn=True, masks=True, need=True,
         static=('static_k', 'static_v')),
    dict(N=2, separate=False, biased_kv=False, zero_attn=False, masks=False, need=True,
         static=('static_v',)),
    dict(N=0, separate=False, biased_kv=False, zero_attn=False, masks=False, need=True,
         static=('static_k',)),
]


@pytest.mark.parametrize('case', ATTENTION, ids=[str(i) for i in range(len(ATTENTION))])
def test_multi_head_attention_forward_matches_torch(case, torch):
    E, H, L, S = 8, 2, 3, 4
    kdim = 5 if case['separate'] else E
    results = []
    for lib in (mt, torch):
        rng = np.random.default_rng(6)
        query, key, value, weights = _attention_inputs(rng, lib, E, L, S, case['N'],
                                                       case['separate'], case['biased_kv'],
                                                       kdim, case.get('static', ()))
        masks = {}
        if case['masks']:
            masks = dict(attn_mask=lib.tensor(rng.random((L, S)) < 0.3),
                         key_padding_mask=lib.tensor(rng.random((case['N'], S)) < 0.2))
        out, attn = lib.nn.functional.multi_head_attention_forward(
            query, key, value, E, H, add_zero_attn=case['zero_attn'], dropout_p=0.0,
            need_weights=case['need'], **weights, **masks)
        loss = out.sum() if attn is None else out.sum() + (attn * attn).sum()
        loss.backward()
        leaves = [query, key, value] + [w for w in weights.values()
                                        if isinstance(w, lib.Tensor)]
        results.append((out.detach().numpy(),
                        None if attn is None else attn.detach().numpy(),
                        [None if leaf.grad is None else leaf.grad.numpy()
                         for leaf in leaves]))
    (out_m, attn_m, grads_m), (out_t, attn_t, grads_t) = results
    np.testing.assert_allclose(out_m, out_t, rtol=1e-10, atol=1e-12)
    assert (attn_m is None) == (attn_t is None)
    if attn_m is not None:
        np.testing.assert_allclose(attn_m, attn_t, rtol=1e-10, atol=1e-12)
    for g_m, g_t in zip(grads_m, grads_t):       # None where static_k / static_v cut it off
        assert (g_m is None) == (g_t is None)
        if g_m is not None:
            np.testing.assert_allclose(g_m, g_t, rtol=1e-9, atol=1e-11)


def test_multi_head_attention_forward_is_the_module_forward():
    mt.manual_seed(0)
    attention = mt.nn.MultiheadAttention(6, 3, add_bias_kv=True, dtype=mt.float64)
    x = mt.randn(4, 2, 6, dtype=mt.float64)
    out, weights = attention(x, x, x)
    out_f, weights_f = mt.nn.functional.multi_head_attention_forward(
        x, x, x, 6, 3, attention.in_proj_weight, attention.in_proj_bias, attention.bias_k,
        attention.bias_v, False, 0.0, attention.out_proj.weight, attention.out_proj.bias,
        training=False)
    np.testing.assert_array_equal(out.detach().numpy(), out_f.detach().numpy())
    np.testing.assert_array_equal(weights.detach().numpy(), weights_f.detach().numpy())


def test_multi_head_attention_forward_errors_match_torch(torch):
    calls = [
        lambda lib, q: (q, q, q, 6, 4, lib.ones(18, 6), None, None, None, False, 0.0,
                        lib.ones(6, 6), None),
        lambda lib, q: (q, q, q, 6, 2, None, None, None, None, False, 0.0, lib.ones(6, 6),
                        None),
        lambda lib, q: (q, q, q, 8, 2, lib.ones(18, 6), None, None, None, False, 0.0,
                        lib.ones(6, 6), None),
        lambda lib, q: (q, q, q, 6, 2, lib.ones(18, 6), None, lib.ones(1, 1, 6), None, False,
                        0.0, lib.ones(6, 6), None),
        lambda lib, q: (q, q, q, 6, 2, lib.ones(18, 6), None, None, lib.ones(1, 1, 6), False,
                        0.0, lib.ones(6, 6), None),
    ]
    # static_k / static_v of the wrong shape ((N * heads, S, head_dim) = (4, S, 3) here)
    statics = [{}] * len(calls) + [{'static_k': (5, 3, 3)}, {'static_v': (4, 3, 2)},
                                   {'static_k': (4, 3, 3), 'static_v': (2, 3, 3)}]
    calls += [lambda lib, q: (q, q, q, 6, 2, lib.ones(18, 6), None, None, None, False, 0.0,
                              lib.ones(6, 6), None)] * 3
    for make, static in zip(calls, statics):
        results = []
        for lib in (mt, torch):
            q = lib.ones(3, 2, 6)
            separate = make is calls[1]
            given = {name: lib.ones(*shape) for name, shape in static.items()}
            results.append(_error(lambda: lib.nn.functional.multi_head_attention_forward(
                *make(lib, q), use_separate_proj_weight=separate, **given)))
        assert results[0] == results[1] and results[0] is not None


# ---- fractional max pooling ---------------------------------------------------------------

FRACTIONAL = [
    (2, (2, 3, 9, 8), (3, 2), {'output_size': (4, 5)}),
    (2, (3, 10, 10), 2, {'output_size': 6}),                       # unbatched
    (2, (2, 2, 11, 9), 3, {'output_ratio': (0.5, 0.5)}),
    (2, (1, 2, 8, 8), (2, 3), {'output_ratio': (0.6, 0.4)}),
    (3, (1, 2, 7, 6, 8), (2, 3, 2), {'output_size': (3, 3, 4)}),
    (3, (2, 6, 5, 7), 2, {'output_ratio': 0.5}),                   # unbatched
]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('dims,shape,kernel,kwargs', FRACTIONAL,
                         ids=[str(i) for i in range(len(FRACTIONAL))])
def test_fractional_max_pool_matches_torch(dims, shape, kernel, kwargs, dtype, torch):
    rng = np.random.default_rng(7)
    values = rng.standard_normal(shape)
    batch = shape[0] if len(shape) == dims + 2 else 1
    channels = shape[-dims - 1]
    samples = rng.random((batch, channels, dims))
    mine, theirs = _both(torch, values, dtype, requires_grad=True)
    s_mine, s_theirs = _both(torch, samples, dtype)
    name = f'fractional_max_pool{dims}d'
    out_mine = getattr(mt.nn.functional, name)(mine, kernel, return_indices=True,
                                               _random_samples=s_mine, **kwargs)
    out_theirs = getattr(torch.nn.functional, name)(theirs, kernel, return_indices=True,
                                                    _random_samples=s_theirs, **kwargs)
    np.testing.assert_array_equal(out_mine[0].detach().numpy(), out_theirs[0].detach().numpy())
    np.testing.assert_array_equal(out_mine[1].numpy(), out_theirs[1].numpy())
    weight = rng.standard_normal(tuple(out_theirs[0].shape))
    (out_mine[0] * mt.tensor(weight, dtype=getattr(mt, dtype))).sum().backward()
    (out_theirs[0] * torch.tensor(weight, dtype=getattr(torch, dtype))).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)
    plain = getattr(mt.nn.functional, name)(mine, kernel, _random_samples=s_mine, **kwargs)
    np.testing.assert_array_equal(plain.detach().numpy(), out_mine[0].detach().numpy())
    pair = getattr(mt.nn.functional, name + '_with_indices')(mine, kernel,
                                                             _random_samples=s_mine, **kwargs)
    np.testing.assert_array_equal(pair[1].numpy(), out_mine[1].numpy())


def test_fractional_max_pool_gradcheck():
    x = mt.tensor(np.random.default_rng(8).permutation(2 * 7 * 7).reshape(1, 2, 7, 7) / 10.0,
                  requires_grad=True)
    samples = mt.tensor([[[0.3, 0.8], [0.5, 0.1]]], dtype=mt.float64)
    assert gradcheck(lambda t: mt.nn.functional.fractional_max_pool2d(
        t, 2, output_size=4, _random_samples=samples), (x,))


def test_fractional_max_pool_draws_its_own_samples():
    x = mt.randn(2, 3, 9, 9)
    out, indices = mt.nn.functional.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5),
                                                          return_indices=True)
    assert out.shape == (2, 3, 4, 4)
    picked = x.reshape(2, 3, -1).gather(-1, indices.reshape(2, 3, -1)).reshape(out.shape)
    np.testing.assert_array_equal(picked.numpy(), out.numpy())


@pytest.mark.parametrize('dims', [2, 3])
def test_fractional_max_pool_modules_match_torch(dims, torch):
    name = f'FractionalMaxPool{dims}d'
    rng = np.random.default_rng(9)
    shape = (2, 3) + (8,) * dims
    samples = rng.random((2, 3, dims))
    values = rng.standard_normal(shape)
    mine = getattr(mt.nn, name)(2, output_ratio=0.5, return_indices=True,
                                _random_samples=mt.tensor(samples, dtype=mt.float32))
    theirs = getattr(torch.nn, name)(2, output_ratio=0.5, return_indices=True,
                                     _random_samples=torch.tensor(samples, dtype=torch.float32))
    assert repr(mine) == repr(theirs)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert mine.kernel_size == theirs.kernel_size
    assert mine.output_ratio == theirs.output_ratio
    out_mine = mine(mt.tensor(values, dtype=mt.float32))
    out_theirs = theirs(torch.tensor(values, dtype=torch.float32))
    np.testing.assert_array_equal(out_mine[0].numpy(), out_theirs[0].numpy())
    np.testing.assert_array_equal(out_mine[1].numpy(), out_theirs[1].numpy())
    sized = getattr(mt.nn, name)(3, output_size=4)
    assert sized.output_size == getattr(torch.nn, name)(3, output_size=4).output_size
    assert sized(mt.randn(*shape)).shape == (2, 3) + (4,) * dims
    for kwargs in ({}, {'output_ratio': 1.5}, {'output_size': 2, 'output_ratio': 0.5}):
        assert _error(lambda: getattr(mt.nn, name)(3, **kwargs)) == \
            _error(lambda: getattr(torch.nn, name)(3, **kwargs))


def test_fractional_max_pool_errors_match_torch(torch):
    calls = [
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=6),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=(3, 8)),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=3,
                                               _random_samples=lib.rand(2, 2, 2)),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=3,
                                               _random_samples=lib.rand(2, 3, 3)),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=3,
                                               _random_samples=lib.rand(1, 3, 2)),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=3,
                                               _random_samples=lib.rand(2, 3)),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_size=3,
                                               _random_samples=lib.rand(2, 3, 2).double()),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3,
                                               output_ratio=(0.5, 0.5, 0.5)),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(1, 7, 7, 1, 2), 3, output_size=3,
                                               _random_samples=lib.rand(1, 7, 2)),
        lambda lib, F: F.fractional_max_pool2d(
            lib.ones(2, 3, 7, 7, dtype=lib.int64), 3, output_size=3,
            _random_samples=lib.ones(2, 3, 2, dtype=lib.int64)),
        lambda lib, F: F.fractional_max_pool3d(lib.ones(1, 2, 5, 5, 5), 2, output_size=5),
        lambda lib, F: F.fractional_max_pool3d(lib.ones(1, 2, 5, 5, 5), 2,
                                               output_size=(3, 5, 3)),
        lambda lib, F: F.fractional_max_pool3d(lib.ones(1, 2, 5, 5, 5), 2,
                                               output_size=(3, 3, 5)),
        lambda lib, F: F.fractional_max_pool3d(lib.ones(1, 2, 5, 5, 5), 2, output_size=3,
                                               _random_samples=lib.rand(1, 2, 2)),
        lambda lib, F: F.fractional_max_pool3d(lib.ones(1, 2, 5, 5, 5), 2),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(2, 3, 7, 7), 3, output_ratio=0.5),
        lambda lib, F: F.fractional_max_pool2d(lib.ones(7, 7), 3, output_size=3),
    ]
    for call in calls:
        mine = _error(lambda: call(mt, mt.nn.functional))
        assert mine is not None and mine == _error(lambda: call(torch, torch.nn.functional))


# ---- NLLLoss2d and CrossMapLRN2d -----------------------------------------------------------

def test_nll_loss_2d_warns_and_matches_torch(torch):
    message = '`NLLLoss2d` has been deprecated. Please use `NLLLoss` instead'
    with pytest.warns(FutureWarning, match=message) as record:
        mine = mt.nn.NLLLoss2d(ignore_index=1)
    assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        theirs = torch.nn.NLLLoss2d(ignore_index=1)
    assert repr(mine) == repr(theirs) and isinstance(mine, mt.nn.NLLLoss)
    rng = np.random.default_rng(10)
    scores = rng.standard_normal((2, 3, 4, 5))
    target = rng.integers(0, 3, (2, 4, 5))
    s_mine, s_theirs = _both(torch, scores, requires_grad=True)
    loss_mine = mine(mt.nn.functional.log_softmax(s_mine, 1), mt.tensor(target))
    loss_theirs = theirs(torch.nn.functional.log_softmax(s_theirs, 1), torch.tensor(target))
    np.testing.assert_allclose(loss_mine.item(), loss_theirs.item(), rtol=1e-12)
    loss_mine.backward()
    loss_theirs.backward()
    np.testing.assert_allclose(s_mine.grad.numpy(), s_theirs.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize('size', [1, 2, 3, 4, 5, 8])
def test_cross_map_lrn2d_matches_torch(size, torch):
    values = np.random.default_rng(11).standard_normal((2, 7, 3, 3))
    mine, theirs = _both(torch, values, requires_grad=True)
    layer_mine = mt.nn.CrossMapLRN2d(size, 0.1, 0.7, 2)
    layer_theirs = torch.nn.CrossMapLRN2d(size, 0.1, 0.7, 2)
    assert repr(layer_mine) == repr(layer_theirs)
    np.testing.assert_allclose(layer_mine(mine).detach().numpy(),
                               layer_theirs(theirs).detach().numpy(), rtol=1e-12)
    # PyTorch's hand-written backward is not the derivative of its own forward (channel 0
    # stays in every window past the first few), so the gradient is checked numerically
    assert gradcheck(lambda t: layer_mine(t), (mine,))
    assert _error(lambda: layer_mine(mt.ones(2, 3, 4))) == \
        _error(lambda: layer_theirs(torch.ones(2, 3, 4)))


def test_new_functions_on_each_device(device):
    """Fractional pooling, CrossMapLRN2d and the in-place activations on the device give the
    CPU's results."""
    rng = np.random.default_rng(12)
    values, samples = rng.standard_normal((2, 3, 9, 8)), rng.random((2, 3, 2))
    results = []
    for where in ('cpu', device):
        x = mt.tensor(values, device=where, requires_grad=True)
        out, indices = mt.nn.functional.fractional_max_pool2d(
            x, (3, 2), output_size=(4, 5), return_indices=True,
            _random_samples=mt.tensor(samples, device=where))
        lrn = mt.nn.CrossMapLRN2d(3)(x)
        (out.sum() + lrn.sum()).backward()
        moved = mt.nn.functional.hardtanh_(mt.tensor(values, device=where) * 2, -1.5, 1.0)
        assert out.device == x.device and indices.device == x.device
        results.append([out.detach().cpu().numpy(), indices.cpu().numpy(),
                        lrn.detach().cpu().numpy(), x.grad.cpu().numpy(), moved.cpu().numpy()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)
