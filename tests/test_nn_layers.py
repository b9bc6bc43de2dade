"""Channel dropout, adaptive max pooling, instance norm, transposed convolution,
interpolation and Bilinear against PyTorch: the same listings, parameter names/shapes and
state-dict keys; outputs and gradients (of the inputs and every parameter) with the weights
copied over, in float32 and float64; PyTorch's errors and warnings."""
import re
import warnings

import numpy as np
import pytest

import microtorch
import microtorch.nn as nn
import microtorch.nn.functional as F

TOLERANCES = {'float32': dict(rtol=2e-5, atol=2e-6), 'float64': dict(rtol=1e-10, atol=1e-12)}


def host(t):
    return t.detach().cpu().numpy()


def _run(lib, module, shapes, dtype_name, call):
    rng = np.random.default_rng(3)
    dtype = getattr(lib, dtype_name)
    inputs = [lib.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True)
              for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = call(module, *inputs)
    outs = list(out) if isinstance(out, tuple) else [out]
    floats = [o for o in outs if o.is_floating_point()]
    loss = sum((o * lib.tensor(rng.standard_normal(tuple(o.shape)), dtype=dtype)).sum()
               for o in floats)
    params = list(module.parameters()) if module is not None else []
    grads = lib.autograd.grad(loss, inputs + params)
    return outs, list(grads)


def compare(make, shapes, dtype_name, torch, call=lambda m, *xs: m(*xs)):
    """make(nn) -> a module of that nn (or None, `call` then a function of the inputs)."""
    theirs, mine = make(torch.nn), make(nn)
    if theirs is not None:
        theirs.to(getattr(torch, dtype_name))
        mine.to(getattr(microtorch, dtype_name))
        assert repr(mine) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        mine.load_state_dict({k: microtorch.tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
    my_outs, my_grads = _run(microtorch, mine, shapes, dtype_name, call)
    outs, grads = _run(torch, theirs, shapes, dtype_name, call)
    assert len(my_outs) == len(outs)
    for m, t in zip(my_outs, outs):
        assert tuple(m.shape) == tuple(t.shape)
        assert repr(m.dtype) == repr(t.dtype).replace('torch.', 'microtorch.')
        if m.is_floating_point():
            np.testing.assert_allclose(host(m), t.detach().numpy(), **TOLERANCES[dtype_name])
        else:
            np.testing.assert_array_equal(host(m), t.numpy())
    for m, t in zip(my_grads, grads):
        np.testing.assert_allclose(host(m), t.numpy(), **TOLERANCES[dtype_name])
    return mine, theirs


def functional(name, *args, **kwargs):
    """A call of nn.functional.<name>(x, *args) on whichever library the module slot names."""
    def call(lib, *inputs):
        return getattr(lib.nn.functional, name)(*inputs, *args, **kwargs)
    return call


# (module factory or None, input shapes, call)
CASES = {
    'adaptive_max_pool2d': (lambda n: n.AdaptiveMaxPool2d((2, 3)), [(2, 3, 5, 7)]),
    'adaptive_max_pool2d-indices': (lambda n: n.AdaptiveMaxPool2d((3, None), True),
                                    [(2, 3, 7, 4)]),
    'adaptive_max_pool2d-upsample-unbatched': (lambda n: n.AdaptiveMaxPool2d(4, True),
                                               [(2, 3, 2)]),
    'adaptive_max_pool1d': (lambda n: n.AdaptiveMaxPool1d(4), [(2, 3, 10)]),
    'adaptive_max_pool1d-indices-unbatched': (lambda n: n.AdaptiveMaxPool1d(3, True),
                                              [(3, 7)]),
    'instance_norm1d': (lambda n: n.InstanceNorm1d(3), [(2, 3, 5)]),
    'instance_norm1d-unbatched-affine': (lambda n: n.InstanceNorm1d(3, affine=True), [(3, 5)]),
    'instance_norm2d-affine-tracked': (
        lambda n: n.InstanceNorm2d(4, affine=True, track_running_stats=True), [(2, 4, 3, 5)]),
    'instance_norm2d-no-bias': (lambda n: n.InstanceNorm2d(4, eps=1e-3, affine=True,
                                                           bias=False), [(2, 4, 3, 3)]),
    'conv_transpose2d': (lambda n: n.ConvTranspose2d(3, 4, 3), [(2, 3, 4, 5)]),
    'conv_transpose2d-stride-padding-output-padding': (
        lambda n: n.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 0),
                                    output_padding=(1, 2)), [(2, 4, 3, 4)]),
    'conv_transpose2d-groups-dilation-no-bias': (
        lambda n: n.ConvTranspose2d(4, 6, 3, stride=2, padding=2, dilation=2, groups=2,
                                    bias=False), [(1, 4, 5, 4)]),
    'conv_transpose2d-unbatched-large-padding': (
        lambda n: n.ConvTranspose2d(2, 3, 2, stride=3, padding=2), [(2, 4, 4)]),
    'conv_transpose1d': (lambda n: n.ConvTranspose1d(3, 4, 3, stride=2, output_padding=1),
                         [(2, 3, 5)]),
    'conv_transpose1d-groups-dilation-unbatched': (
        lambda n: n.ConvTranspose1d(4, 2, 2, padding=1, dilation=3, groups=2), [(4, 6)]),
    'upsample-nearest': (lambda n: n.Upsample(scale_factor=2), [(2, 3, 3, 4)]),
    'upsample-nearest-size': (lambda n: n.Upsample(size=(5, 7)), [(1, 2, 3, 4)]),
    'upsample-nearest-1d-fraction': (lambda n: n.Upsample(scale_factor=1.7), [(2, 3, 5)]),
    'upsample-nearest-2d-module': (lambda n: n.UpsamplingNearest2d(size=(3, 5)),
                                   [(1, 2, 6, 4)]),
    'upsample-bilinear': (lambda n: n.Upsample(scale_factor=2, mode='bilinear'),
                          [(2, 3, 3, 4)]),
    'upsample-bilinear-align-corners': (
        lambda n: n.Upsample(size=(5, 3), mode='bilinear', align_corners=True), [(1, 2, 3, 4)]),
    'upsample-bilinear-2d-module': (lambda n: n.UpsamplingBilinear2d(scale_factor=1.5),
                                    [(1, 2, 3, 4)]),
    'upsample-linear-down': (lambda n: n.Upsample(size=3, mode='linear'), [(2, 3, 7)]),
    'upsample-linear-align-corners-fraction': (
        lambda n: n.Upsample(scale_factor=2.5, mode='linear', align_corners=True),
        [(2, 1, 4)]),
    'upsample-bilinear-fraction': (lambda n: n.Upsample(scale_factor=(0.6, 1.3),
                                                         mode='bilinear'), [(1, 2, 5, 4)]),
    'bilinear': (lambda n: n.Bilinear(3, 4, 5), [(6, 3), (6, 4)]),
    'bilinear-no-bias-3d': (lambda n: n.Bilinear(2, 3, 4, bias=False), [(2, 5, 2), (2, 5, 3)]),
    'bilinear-1d': (lambda n: n.Bilinear(2, 3, 4), [(2,), (3,)]),
    # padding_mode: F.pad's border modes, then an unpadded convolution
    'conv2d-reflect-same-dilated': (
        lambda n: n.Conv2d(4, 6, (2, 3), padding='same', dilation=2, padding_mode='reflect'),
        [(2, 4, 6, 7)]),
    'conv2d-replicate-strided-groups': (
        lambda n: n.Conv2d(4, 6, 3, stride=2, padding=(1, 2), groups=2,
                           padding_mode='replicate'), [(2, 4, 5, 6)]),
    'conv2d-circular-unbatched-no-bias': (
        lambda n: n.Conv2d(3, 2, 3, padding=2, bias=False, padding_mode='circular'),
        [(3, 4, 5)]),
    'conv1d-circular-same-even-kernel': (
        lambda n: n.Conv1d(3, 4, 4, padding='same', padding_mode='circular'), [(2, 3, 7)]),
    'conv1d-reflect-valid': (lambda n: n.Conv1d(3, 4, 3, padding='valid',
                                                padding_mode='reflect'), [(2, 3, 7)]),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(CASES))
def test_layers_match_torch(name, dtype_name, torch):
    make, shapes = CASES[name]
    compare(make, shapes, dtype_name, torch)


FUNCTIONAL_CASES = {
    'adaptive_max_pool2d': (functional('adaptive_max_pool2d', (2, 2), return_indices=True),
                            [(1, 2, 4, 5)]),
    'adaptive_max_pool1d': (functional('adaptive_max_pool1d', 2), [(2, 2, 5)]),
    'instance_norm-weights-eval': (
        lambda lib, x, w, b: lib.nn.functional.instance_norm(
            x, lib.tensor([0.1, -0.2, 0.3], dtype=x.dtype),
            lib.tensor([0.5, 1.5, 2.0], dtype=x.dtype), w, b, use_input_stats=False),
        [(2, 3, 4), (3,), (3,)]),
    'conv_transpose2d': (functional('conv_transpose2d', stride=2, padding=1, output_padding=1,
                                    groups=2), [(2, 4, 3, 3), (4, 3, 3, 3), (6,)]),
    'conv_transpose1d': (functional('conv_transpose1d', stride=3, dilation=2),
                         [(1, 2, 4), (2, 3, 2)]),
    'interpolate-nearest-recompute': (functional('interpolate', scale_factor=1.7,
                                                 recompute_scale_factor=True), [(1, 2, 4, 5)]),
    'interpolate-bilinear-recompute': (functional('interpolate', scale_factor=1.7,
                                                  mode='bilinear', recompute_scale_factor=True),
                                       [(1, 2, 4, 5)]),
    'interpolate-linear-size-list': (functional('interpolate', size=[9], mode='linear'),
                                     [(2, 2, 4)]),
    'bilinear': (functional('bilinear'), [(3, 2), (3, 4), (5, 2, 4), (5,)]),
    'interpolate-nearest-exact': (functional('interpolate', scale_factor=(1.7, 0.6),
                                             mode='nearest-exact'), [(1, 2, 4, 5)]),
    'interpolate-area-1d': (functional('interpolate', size=4, mode='area'), [(2, 2, 7)]),
    'interpolate-area-2d-scale': (functional('interpolate', scale_factor=0.7, mode='area'),
                                  [(1, 2, 5, 6)]),
    'interpolate-area-3d': (functional('interpolate', size=(2, 5, 3), mode='area'),
                            [(1, 2, 3, 4, 5)]),
    'interpolate-bicubic': (functional('interpolate', scale_factor=(1.7, 0.8), mode='bicubic'),
                            [(1, 2, 4, 6)]),
    'interpolate-bicubic-align-corners': (functional('interpolate', size=(7, 3),
                                                     mode='bicubic', align_corners=True),
                                          [(2, 1, 4, 5)]),
    'interpolate-trilinear': (functional('interpolate', scale_factor=(1.5, 0.75, 2.0),
                                         mode='trilinear'), [(1, 2, 3, 4, 5)]),
    'interpolate-trilinear-align-corners': (functional('interpolate', size=(4, 3, 6),
                                                       mode='trilinear', align_corners=True),
                                            [(1, 1, 3, 4, 5)]),
    'interpolate-nearest-3d': (functional('interpolate', size=(5, 2, 7)), [(1, 2, 3, 4, 5)]),
    'pad-reflect-2d': (functional('pad', (2, 1, 0, 2), mode='reflect'), [(2, 3, 4, 5)]),
    'pad-reflect-negative': (functional('pad', (-1, 2), mode='reflect'), [(2, 3, 4)]),
    'pad-replicate-3d': (functional('pad', (1, 0, 2, 3, 4, 1), mode='replicate'),
                         [(1, 2, 2, 3, 4)]),
    'pad-circular-1d': (functional('pad', [3, 2], mode='circular'), [(3, 4)]),
    'pad-circular-negative': (functional('pad', (-1, 2, 1, 1), mode='circular'),
                              [(1, 2, 3, 4)]),
    'max_pool2d-ceil-indices': (functional('max_pool2d', 3, 2, 1, (2, 1), ceil_mode=True,
                                           return_indices=True), [(2, 3, 7, 8)]),
    'max_pool1d-ceil-indices-unbatched': (functional('max_pool1d', 2, 3, 1, ceil_mode=True,
                                                     return_indices=True), [(3, 9)]),
}


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(FUNCTIONAL_CASES))
def test_functions_match_torch(name, dtype_name, torch):
    fn, shapes = FUNCTIONAL_CASES[name]
    compare(lambda _: None, shapes, dtype_name, torch,
            call=lambda _, *xs: fn(microtorch if isinstance(xs[0], microtorch.Tensor)
                                   else torch, *xs))


def test_instance_norm_running_stats_match_torch(torch):
    for dims, shape in ((1, (3, 4, 6)), (2, (2, 4, 3, 5))):
        name = f'InstanceNorm{dims}d'
        theirs = getattr(torch.nn, name)(shape[1], momentum=0.3,
                                         track_running_stats=True).double()
        mine = getattr(nn, name)(shape[1], momentum=0.3, track_running_stats=True).double()
        x = np.random.default_rng(0).standard_normal(shape) * 2 + 1
        for _ in range(2):
            theirs(torch.tensor(x))
            mine(microtorch.tensor(x))
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(host(mine.state_dict()[key]), value.numpy(), rtol=1e-12)
        theirs.eval(), mine.eval()
        np.testing.assert_allclose(host(mine(microtorch.tensor(x))),
                                   theirs(torch.tensor(x)).numpy(), rtol=1e-10, atol=1e-12)


def test_instance_norm_tracked_on_one_sample_and_empty_batches_match_torch(torch):
    """One sample (or an unbatched input) folds to as many rows as channels; an empty batch
    leaves NaN running statistics in PyTorch and GroupNorm/BatchNorm pass it through."""
    x = np.random.default_rng(1).standard_normal((1, 3, 5))
    for shape in ((1, 3, 5), (3, 5), (0, 3, 5)):
        affine = 0 not in shape                   # PyTorch's affine fails on an empty batch
        theirs = torch.nn.InstanceNorm1d(3, track_running_stats=True, affine=affine).double()
        mine = nn.InstanceNorm1d(3, track_running_stats=True, affine=affine).double()
        values = x.reshape(shape) if 0 not in shape else np.zeros(shape)
        out = host(mine(microtorch.tensor(values)))
        np.testing.assert_allclose(out, theirs(torch.tensor(values)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(host(mine.state_dict()[key]), value.numpy(), rtol=1e-12)
    for make in (lambda n: n.GroupNorm(2, 4), lambda n: n.BatchNorm2d(4)):
        theirs, mine = make(torch.nn), make(nn)
        assert tuple(mine(microtorch.ones(0, 4, 2, 3)).shape) == \
            tuple(theirs(torch.ones(0, 4, 2, 3)).shape)
        for key, value in theirs.state_dict().items():
            np.testing.assert_array_equal(host(mine.state_dict()[key]), value.numpy())


def test_conv_transpose_output_size_matches_torch(torch):
    theirs, mine = torch.nn.ConvTranspose2d(2, 3, 3, stride=2), nn.ConvTranspose2d(2, 3, 3,
                                                                                  stride=2)
    mine.load_state_dict({k: microtorch.tensor(v.numpy()) for k, v in
                          theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 5))
    for size in ([10, 12], [1, 3, 9, 11], [9, 11]):
        np.testing.assert_allclose(host(mine(microtorch.tensor(x, dtype=microtorch.float32),
                                             output_size=size)),
                                   theirs(torch.tensor(x, dtype=torch.float32),
                                          output_size=size).detach().numpy(),
                                   rtol=2e-5, atol=2e-6)


def test_conv_transpose_is_the_input_gradient_of_conv(torch):
    """conv_transpose2d(y, w) = d<conv2d(x, w), y>/dx: the adjoint, checked in microtorch
    alone."""
    rng = np.random.default_rng(4)
    x = microtorch.tensor(rng.standard_normal((2, 4, 7, 6)), requires_grad=True)
    w = microtorch.tensor(rng.standard_normal((6, 2, 3, 2)))
    out = F.conv2d(x, w, stride=2, padding=1, dilation=(1, 2), groups=2)
    y = microtorch.tensor(rng.standard_normal(tuple(out.shape)))
    (grad,) = microtorch.autograd.grad((out * y).sum(), [x])
    back = F.conv_transpose2d(y, w, stride=2, padding=1, output_padding=(0, 1),
                              dilation=(1, 2), groups=2)
    np.testing.assert_allclose(host(back), host(grad), rtol=1e-12, atol=1e-12)


def _channel_mask(out, x, axes):
    kept = host(out) != 0
    assert (kept == kept.any(axis=axes, keepdims=True)).all()     # whole channels
    np.testing.assert_allclose(host(out)[kept], host(x)[kept] * 2)


def test_channel_dropout_zeroes_whole_channels_and_scales():
    microtorch.manual_seed(0)
    x = microtorch.rand(8, 6, 5) + 0.5
    _channel_mask(F.dropout1d(x, 0.5), x, 2)
    _channel_mask(nn.Dropout1d(0.5)(x[0]), x[0], 1)
    y = microtorch.rand(4, 8, 3, 2) + 0.5
    out = nn.Dropout2d(0.5)(y)
    _channel_mask(out, y, (2, 3))
    assert 0 < (host(out) == 0).mean() < 1
    for module, z in ((nn.Dropout1d(), x), (nn.Dropout2d(0.3), y)):
        assert module.eval()(z) is z
    assert F.dropout2d(y, 0.5, training=False) is y
    np.testing.assert_array_equal(host(F.dropout2d(y, 1.0)), 0 * host(y))


def test_channel_dropout_gradient_is_the_mask():
    microtorch.manual_seed(1)
    x = microtorch.rand(3, 4, 5, requires_grad=True)
    out = F.dropout1d(x, 0.25)
    out.sum().backward()
    np.testing.assert_allclose(host(x.grad), host(out) / host(x))


def test_channel_dropout_in_place():
    microtorch.manual_seed(2)
    x = microtorch.rand(4, 6, 3) + 0.5
    before = host(x).copy()
    out = F.dropout1d(x, 0.5, inplace=True)
    assert out is x
    kept = host(x) != 0
    np.testing.assert_allclose(host(x)[kept], before[kept] * 2)
    unbatched = microtorch.rand(6, 3) + 0.5
    assert nn.Dropout1d(0.5, inplace=True)(unbatched) is unbatched


def test_channel_dropout_warnings_match_torch(torch):
    for shape in ((2, 3, 4), (3, 4), (2, 2, 2, 2, 2)):
        with pytest.warns(UserWarning) as expected:
            torch.nn.functional.dropout2d(torch.ones(shape))
        with pytest.warns(UserWarning) as got:
            F.dropout2d(microtorch.ones(shape))
        assert [str(w.message) for w in got] == [str(w.message) for w in expected]


def test_instance_norm_num_features_warning_matches_torch(torch):
    with pytest.warns(UserWarning) as expected:
        torch.nn.InstanceNorm1d(3)(torch.ones(2, 4, 5))
    with pytest.warns(UserWarning) as got:
        nn.InstanceNorm1d(3)(microtorch.ones(2, 4, 5))
    assert str(got[0].message) == str(expected[0].message)


def _listed(lib):
    n = lib.nn
    return [n.Dropout1d(), n.Dropout2d(0.2, True), n.AdaptiveMaxPool2d((2, None)),
            n.AdaptiveMaxPool1d(3, True), n.InstanceNorm1d(3),
            n.InstanceNorm2d(3, affine=True, track_running_stats=True),
            n.InstanceNorm2d(3, momentum=None, affine=True, bias=False),
            n.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2,
                              dilation=2, bias=False),
            n.ConvTranspose1d(4, 6, 3), n.Upsample(scale_factor=2),
            n.Upsample(size=(3, 4), mode='bilinear', align_corners=True),
            n.Upsample(scale_factor=(2, 3)), n.UpsamplingNearest2d(scale_factor=2),
            n.UpsamplingBilinear2d(size=4), n.Bilinear(2, 3, 4, bias=False)]


def test_listings_state_and_attributes_match_torch(torch):
    for mine, theirs in zip(_listed(microtorch), _listed(torch)):
        assert repr(mine) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        for attr in ('p', 'inplace', 'output_size', 'return_indices', 'num_features', 'affine',
                     'track_running_stats', 'momentum', 'eps', 'stride', 'padding',
                     'output_padding', 'dilation', 'groups', 'kernel_size', 'size',
                     'scale_factor', 'mode', 'align_corners', 'in1_features', 'in2_features',
                     'out_features'):
            if hasattr(theirs, attr):
                assert getattr(mine, attr) == getattr(theirs, attr), (mine, attr)


def test_initialisation_bounds():
    microtorch.manual_seed(0)
    conv = nn.ConvTranspose2d(4, 6, 3, groups=2)        # fan_in = 3 * 3 * 3
    bound = 1 / 27 ** 0.5
    for values in (host(conv.weight), host(conv.bias)):
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.5 * bound
    layer = nn.Bilinear(4, 3, 5)
    for values in (host(layer.weight), host(layer.bias)):
        assert np.abs(values).max() <= 0.5 and np.abs(values).max() > 0.25


ERROR_CALLS = [
    lambda F, lib: F.dropout1d(lib.ones(3), 0.5),
    lambda F, lib: F.dropout1d(lib.ones(3, 4), 1.5),
    lambda F, lib: F.dropout2d(lib.ones(3), 0.5),
    lambda F, lib: lib.nn.Dropout2d(2),
    lambda F, lib: F.adaptive_max_pool2d(lib.ones(5, 7), 2),
    lambda F, lib: F.adaptive_max_pool2d(lib.ones(1, 3, 5, 7), (2, 3, 4)),
    lambda F, lib: F.adaptive_max_pool2d(lib.ones(1, 3, 0, 7), 2),
    lambda F, lib: F.adaptive_max_pool2d(lib.ones(1, 3, 5, 7), -1),
    lambda F, lib: F.adaptive_max_pool1d(lib.ones(5), 2),
    lambda F, lib: F.adaptive_max_pool1d(lib.ones(1, 3, 5), (2, 2)),
    lambda F, lib: F.adaptive_max_pool1d(lib.ones(1, 1, 3, 5), 2),
    lambda F, lib: F.adaptive_max_pool1d(lib.ones(1, 1, 0), 2),
    lambda F, lib: F.adaptive_max_pool1d(lib.ones(1, 1, 5), -1),
    lambda F, lib: F.instance_norm(lib.ones(2, 3)),
    lambda F, lib: F.instance_norm(lib.ones(2, 3, 4), lib.zeros(2)),
    lambda F, lib: F.instance_norm(lib.ones(2, 3, 4), weight=lib.zeros(2)),
    lambda F, lib: F.instance_norm(lib.ones(2, 3, 4), use_input_stats=False),
    lambda F, lib: lib.nn.InstanceNorm1d(3)(lib.ones(2, 3, 4, 5)),
    lambda F, lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.ones(2, 4, 5)),
    lambda F, lib: lib.nn.InstanceNorm2d(3)(lib.ones(3, 5)),
    lambda F, lib: lib.nn.InstanceNorm1d(3)(lib.ones(3, 1)),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(4, 2, 3, 3),
                                      output_padding=1),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(3, 2, 3, 3)),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(4, 2, 3, 3), groups=3),
    lambda F, lib: F.conv_transpose2d(lib.ones(4, 3), lib.ones(4, 2, 3, 3)),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 1, 1), lib.ones(4, 2, 1, 1), padding=1),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(4, 2, 3, 3),
                                      bias=lib.ones(3)),
    lambda F, lib: F.conv_transpose1d(lib.ones(1, 4, 3), lib.ones(4, 2, 3), stride=2,
                                      output_padding=2),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(4, 2, 3, 3),
                                      stride=(1, 2, 3)),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(4, 2, 3, 3), stride=0),
    lambda F, lib: F.conv_transpose2d(lib.ones(1, 4, 3, 3), lib.ones(4, 2, 3, 3), padding=-1),
    lambda F, lib: F.conv_transpose1d(lib.ones(1, 4, 1), lib.ones(4, 2, 1), padding=1),
    lambda F, lib: lib.nn.ConvTranspose2d(4, 3, 3, groups=2),
    lambda F, lib: lib.nn.ConvTranspose2d(4, 3, 3, padding_mode='reflect'),
    lambda F, lib: lib.nn.ConvTranspose2d(4, 6, 3, stride=2)(lib.ones(1, 4, 5, 5),
                                                            output_size=[14, 12]),
    lambda F, lib: lib.nn.ConvTranspose2d(4, 6, 3, stride=2)(lib.ones(1, 4, 5, 5),
                                                            output_size=[14]),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), scale_factor=2, align_corners=True),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), size=2, scale_factor=2),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4)),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), size=(2, 3, 4)),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), scale_factor=(2, 3, 4)),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), size=(2.0, 3)),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), size=3, recompute_scale_factor=True),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4, 4), size=3, mode='linear'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 4), size=3, mode='bilinear'),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(3, 4), lib.ones(5, 3, 4)),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 2, 4)),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 3, 3)),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 3, 4), lib.ones(4)),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(3, 4)),
    lambda F, lib: F.bilinear(lib.ones(2, 5, 3), lib.ones(2, 4, 4), lib.ones(5, 3, 4)),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(2, 2, 4), lib.ones(5, 3, 4)),
    lambda F, lib: F.bilinear(lib.ones(2, 3), lib.ones(2, 4), lib.ones(5, 3, 4), lib.ones(1, 5)),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3, 3), size=0),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3), scale_factor=0.2, mode='linear'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 0, 3, 3), size=2, mode='trilinear'),
    lambda F, lib: F.interpolate(lib.ones(1, 0, 3, 3), size=4, mode='bicubic'),
    lambda F, lib: F.interpolate(lib.ones(1, 0, 3, 3, 3), size=4, mode='area'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3, 3).long(), size=4, mode='bilinear'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3).long(), size=4),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3, 3).long(), size=4, mode='area'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3), size=4, mode='linear', antialias=True),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3, 3), size=4, mode='lanczos'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3), size=4, mode='bicubic'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3, 3, 3), size=4, mode='bilinear'),
    lambda F, lib: F.interpolate(lib.ones(1, 1, 3, 3), size=4, mode='cubic'),
    lambda F, lib: F.pad(lib.ones(1, 1, 3), (3, 3), mode='reflect'),
    lambda F, lib: F.pad(lib.ones(1, 1, 3, 3), (0, 0, 3, 1), mode='reflect'),
    lambda F, lib: F.pad(lib.ones(1, 1, 3), (4, 0), mode='circular'),
    lambda F, lib: F.pad(lib.ones(3), (1, 1), mode='replicate'),
    lambda F, lib: F.pad(lib.ones(1, 1, 3, 3), (1, 1), mode='reflect'),
    lambda F, lib: F.pad(lib.ones(1, 0, 3), (1, 1), mode='replicate'),
    lambda F, lib: F.pad(lib.ones(1, 2, 3), (1, 1), mode='reflect', value=1.0),
    lambda F, lib: F.pad(lib.ones(1, 2, 3), (1, 1), mode='edge'),
    lambda F, lib: lib.nn.Conv1d(2, 2, 3, padding=3, padding_mode='reflect')(lib.ones(1, 2, 3)),
    # PyTorch shows output_size as given and the input's sizes from dim 2, even unbatched
    lambda F, lib: lib.nn.ConvTranspose2d(4, 6, 3, stride=2)(lib.ones(4, 5, 5),
                                                            output_size=(4, 14, 12)),
    lambda F, lib: lib.nn.ConvTranspose1d(4, 6, 3, stride=2)(lib.ones(4, 5), output_size=[9]),
    lambda F, lib: lib.nn.ConvTranspose2d(4, 6, 3, stride=2)(lib.ones(1, 4, 5, 5),
                                                            output_size=(1, 6, 14, 12)),
    lambda F, lib: F.batch_norm(lib.ones(1, 0), None, None, training=True),
    lambda F, lib: F.instance_norm(lib.ones(2, 3, 1)),
    # PyTorch words these with a set: the same order within one process
    lambda F, lib: lib.nn.Conv2d(3, 3, 3, padding='foo'),
    lambda F, lib: lib.nn.Conv1d(3, 3, 3, padding_mode='edge'),
    lambda F, lib: F.conv2d(lib.ones(1, 3, 5, 5), lib.ones(2, 3, 2, 2), padding='same',
                            stride=2),
]


@pytest.mark.parametrize('call', ERROR_CALLS, ids=range(len(ERROR_CALLS)))
def test_errors_match_torch(call, torch):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with pytest.raises(Exception) as expected:
            call(torch.nn.functional, torch)
        with pytest.raises(expected.type) as got:
            call(F, microtorch)
    assert _sets_sorted(str(got.value)) == _sets_sorted(
        str(expected.value).replace('torch.', 'microtorch.'))


def _sets_sorted(message):
    """A message with each printed set's items sorted: a set prints in hash order, which
    changes from process to process (padding_mode's message prints one)."""
    return re.sub(r'\{([^{}]*)\}', lambda m: '{' + ', '.join(sorted(m.group(1).split(', ')))
                  + '}', message)
