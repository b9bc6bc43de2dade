"""ConvTranspose3d, LPPool3d, MaxUnpool3d and CTCLoss: values and float32/float64
gradients, module listings and state dicts, and errors, against PyTorch (the `torch` fixture
skips without it)."""
import warnings

import numpy as np
import pytest

import microtorch
from test_errors import state


def host(t):
    return t.detach().cpu().numpy()


def _long(lib, values):
    return lib.tensor(values, dtype=lib.int64)


def _unpooled3d(lib, x, *args, **kwargs):
    """max_pool3d with indices, then max_unpool3d: gradients flow through both."""
    values, indices = lib.nn.functional.max_pool3d(x, 2, return_indices=True)
    return lib.nn.functional.max_unpool3d(values, indices, *args, **kwargs)


# (shapes of the float inputs, function of (lib, *inputs)): values and gradients of every
# input against PyTorch's, in float32 and float64.
CASES = {
    'conv_transpose3d': (((2, 3, 3, 4, 2), (3, 2, 2, 3, 2), (2,)), lambda lib, x, w, b:
                         lib.nn.functional.conv_transpose3d(x, w, b)),
    'conv_transpose3d-stride-padding-output-padding': (
        ((1, 2, 3, 3, 4), (2, 3, 3, 2, 3)), lambda lib, x, w:
        lib.nn.functional.conv_transpose3d(x, w, stride=(2, 1, 3), padding=(1, 0, 1),
                                           output_padding=(1, 0, 2))),
    'conv_transpose3d-groups-dilation': (
        ((2, 4, 2, 3, 3), (4, 3, 2, 2, 2), (6,)), lambda lib, x, w, b:
        lib.nn.functional.conv_transpose3d(x, w, b, stride=2, padding=1, groups=2,
                                           dilation=(1, 2, 2), output_padding=1)),
    'conv_transpose3d-unbatched': (((2, 2, 3, 2), (2, 1, 2, 2, 2)), lambda lib, x, w:
                                   lib.nn.functional.conv_transpose3d(x, w, stride=3,
                                                                      padding=2)),
    'ConvTranspose3d-output-size': (((1, 2, 3, 3, 3),), lambda lib, x: _seeded_module(
        lib, lib.nn.ConvTranspose3d, 2, 4, 3, stride=2, groups=2)(x, output_size=[8, 7, 8])),
    'lp_pool3d-p2': (((2, 3, 4, 4, 5),), lambda lib, x:
                     lib.nn.functional.lp_pool3d(x, 2, 2)),
    'lp_pool3d-p3-stride-ceil': (((1, 2, 5, 4, 5),), lambda lib, x:
                                 lib.nn.LPPool3d(3, (2, 2, 3), (2, 1, 2), True)(x.abs() + 0.1)),
    'lp_pool3d-p1.5-unbatched': (((2, 4, 4, 4),), lambda lib, x:
                                 lib.nn.LPPool3d(1.5, 2)(x.abs() + 0.1)),
    'max_unpool3d': (((2, 2, 4, 4, 6),), lambda lib, x: _unpooled3d(lib, x, 2)),
    'max_unpool3d-output-size': (((1, 2, 4, 4, 4),), lambda lib, x:
                                 _unpooled3d(lib, x, 2, output_size=[5, 5, 4])),
    'max_unpool3d-module-unbatched': (((2, 4, 4, 4),), lambda lib, x:
                                      lib.nn.MaxUnpool3d(2)(*lib.nn.functional.max_pool3d(
                                          x, 2, return_indices=True))),
    'max_unpool3d-stride-padding': (((1, 1, 4, 4, 4),), lambda lib, x:
                                    lib.nn.MaxUnpool3d(3, 2, 1)(*lib.nn.functional.max_pool3d(
                                        x, 3, 2, 1, return_indices=True))),
}


def _seeded_module(lib, cls, *args, **kwargs):
    """A module whose parameters are the same numbers in both libraries."""
    module = cls(*args, **kwargs).double()
    rng = np.random.default_rng(11)
    with lib.no_grad():
        for p in module.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
    return module


def _case(lib, name, dtype_name):
    shapes, fn = CASES[name]
    rng = np.random.default_rng(3)
    dtype = getattr(lib, dtype_name)
    inputs = [lib.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True)
              for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = fn(lib, *(x if x.dtype == lib.float64 or 'Transpose3d' not in name else x.double()
                        for x in inputs))
    weights = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
    grads = lib.autograd.grad((out * weights).sum(), inputs, allow_unused=True)
    return out, grads


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(CASES))
def test_values_and_gradients_match_torch(name, dtype_name, torch):
    (mine, my_grads), (theirs, their_grads) = (_case(microtorch, name, dtype_name),
                                               _case(torch, name, dtype_name))
    tol = dict(rtol=2e-5, atol=2e-5) if dtype_name == 'float32' else dict(rtol=1e-10,
                                                                           atol=1e-12)
    assert repr(mine.dtype) == repr(theirs.dtype).replace('torch.', 'microtorch.')
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(host(mine), theirs.detach().numpy(), **tol)
    for m, t in zip(my_grads, their_grads):
        assert (m is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(host(m), t.numpy(), **tol)


def _modules(lib):
    """The new modules, with arguments away from their defaults."""
    nn_ = lib.nn
    return [
        nn_.ConvTranspose3d(2, 4, 3), nn_.ConvTranspose3d(4, 6, (1, 2, 3), stride=(2, 1, 2),
                                                          padding=1, output_padding=(1, 0, 1),
                                                          groups=2, bias=False, dilation=2),
        nn_.LPPool3d(2, 3), nn_.LPPool3d(1.5, (1, 2, 3), (1, 2, 2), True),
        nn_.MaxUnpool3d(2), nn_.MaxUnpool3d((1, 2, 3), 1, (0, 1, 1)),
    ]


SETTINGS = ('kernel_size', 'stride', 'padding', 'output_padding', 'dilation', 'groups',
            'in_channels', 'out_channels', 'padding_mode', 'norm_type', 'ceil_mode',
            'blank', 'reduction', 'zero_infinity')


def test_modules_list_and_keep_state_as_torch(torch):
    pairs = list(zip(_modules(microtorch), _modules(torch)))
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        for attr in SETTINGS:
            if hasattr(theirs, attr):
                assert getattr(mine, attr) == getattr(theirs, attr), (mine, attr)


def test_conv_transpose3d_is_the_adjoint_of_conv3d():
    """<conv3d(x, w), y> = <x, conv_transpose3d(y, w)> with the same arguments."""
    F = microtorch.nn.functional
    rng = np.random.default_rng(4)
    x = microtorch.tensor(rng.standard_normal((2, 4, 5, 6, 5)))
    w = microtorch.tensor(rng.standard_normal((6, 2, 2, 3, 2)))
    args = dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2)
    y = F.conv3d(x, w, **args)
    y_probe = microtorch.tensor(rng.standard_normal(tuple(y.shape)))
    back = F.conv_transpose3d(y_probe, w, output_padding=(1, 0, 1), **args)
    assert tuple(back.shape) == tuple(x.shape)
    assert abs(float((y * y_probe).sum()) - float((x * back).sum())) < 1e-9


def test_node_names_match_torch(torch):
    def outputs(lib):
        x = lib.ones(1, 2, 4, 4, 4, requires_grad=True)
        return {'max_unpool3d': lib.nn.functional.max_unpool3d(
            *lib.nn.functional.max_pool3d(x, 2, return_indices=True), 2)}
    mine, theirs = outputs(microtorch), outputs(torch)
    for key in mine:
        assert mine[key].grad_fn.name() == type(theirs[key].grad_fn).__name__, key


# ---- errors: PyTorch's types and messages, and nothing changed -----------------------------

def error_calls(lib):
    """The calls that raise ERRORS[i], each with the tensors and modules it must leave as
    they were (tests/test_error_catalogue.py registers them too)."""
    F_, nn_ = lib.nn.functional, lib.nn
    volume = lib.ones(1, 2, 3, 3, 3, requires_grad=True)
    weight = lib.ones(2, 2, 2, 2, 2, requires_grad=True)
    where = lib.zeros(1, 2, 3, 3, 3, dtype=lib.int64)
    up = nn_.ConvTranspose3d(2, 4, 3, stride=2, groups=2)
    return [
        (lambda: F_.conv_transpose3d(volume, weight, stride=2, output_padding=2),
         [volume, weight]),
        (lambda: F_.conv_transpose3d(volume, weight, padding=3), [volume, weight]),
        (lambda: F_.conv_transpose3d(volume, lib.ones(3, 2, 2, 2, 2)), [volume]),
        (lambda: F_.conv_transpose3d(volume, lib.ones(2, 2, 2, 2)), [volume]),
        (lambda: up(volume, output_size=[20, 20, 20]), [up, volume]),
        (lambda: up(volume, output_size=[20, 20]), [up, volume]),
        (lambda: F_.lp_pool3d(volume, 2, (2, 2)), [volume]),
        (lambda: F_.lp_pool3d(volume[0, 0], 2, 2), [volume]),
        (lambda: F_.lp_pool3d(volume, 2, 4), [volume]),
        (lambda: F_.max_unpool3d(volume[0, 0], where[0, 0], 2), [volume]),
        (lambda: F_.max_unpool3d(volume, where.int(), 2), [volume]),
        (lambda: F_.max_unpool3d(volume, lib.full((1, 2, 3, 3, 3), 1000, dtype=lib.int64), 2),
         [volume]),
        (lambda: F_.max_unpool3d(volume, where[..., :2], 2), [volume]),
        (lambda: F_.max_unpool3d(volume, where, 2, output_size=[1, 1, 1]), [volume]),
        (lambda: F_.max_unpool3d(volume, where, 2, output_size=[1, 1]), [volume]),
        (lambda: F_.max_unpool3d(volume, where, 2, stride=0), [volume]),
        (lambda: F_.max_unpool3d(volume, where, (2, 2)), [volume]),
        (lambda: F_.max_unpool3d(volume.long(), where, 2), [volume]),
    ]


ERRORS = [
    (RuntimeError, 'output padding must be smaller than either stride or dilation, but got '
     'output_padding_depth: 2 output_padding_height: 2 output_padding_width: 2 stride_depth: 2 '
     'stride_height: 2 stride_width: 2 dilation_depth: 1 dilation_height: 1 dilation_width: 1'),
    (RuntimeError, 'Given input size per channel: (3 x 3 x 3). Calculated output size per '
     'channel: (-2 x -2 x -2). Output size is too small'),
    (RuntimeError, 'Given transposed=1, weight of size [3, 2, 2, 2, 2], expected input[1, 2, 3, '
     '3, 3] to have 3 channels, but got 2 channels instead'),
    (RuntimeError, 'expected stride to be a single integer value or a list of 2 values to '
     'match the convolution dimensions, but got stride=[1, 1, 1]'),
    (ValueError, 'requested an output size of [20, 20, 20], but valid sizes range from [7, 7, '
     '7] to [8, 8, 8] (for an input of microtorch.Size([3, 3, 3]))'),
    (ValueError, 'ConvTranspose3D: for 5D input, output_size must have 3 or 5 elements (got '
     '2)'),
    (ValueError, 'not enough values to unpack (expected 3, got 2)'),
    (RuntimeError, 'non-empty 4D or 5D (batch mode) tensor expected for input'),
    (RuntimeError, 'input image (T: 3 H: 3 W: 3) smaller than kernel size (kT: 4 kH: 4 kW: 4)'),
    (RuntimeError, 'Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor '
     'with 3 dimensions.'),
    (RuntimeError, 'elements in indices should be type int64'),
    (RuntimeError, 'Found an invalid max index: 1000 (output volumes are of size 6x6x6)'),
    (RuntimeError, 'Expected shape of indices to be same as that of the input tensor ([1, 2, '
     '3, 3, 3]) but got indices tensor with shape: [1, 2, 3, 3, 2]'),
    (ValueError, 'invalid output_size "[1, 1, 1]" (dim 0 must be between 4 and 8)'),
    (ValueError, "output_size should be a sequence containing 3 or 5 elements, but it has a "
     "length of '2'"),
    (RuntimeError, 'strides should be greater than zero, but got stride: [0, 0, 0]'),
    (RuntimeError, 'There should be exactly three elements (depth, height, width) in '
     'output_size, but got 2 elements.'),
    (NotImplementedError, '"max_unpool3d" not implemented for \'Long\''),
]


def _state(obj):
    if isinstance(obj, microtorch.nn.Module):
        return [(k, state(v)) for k, v in obj.state_dict(keep_vars=True).items()]
    return state(obj)


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:40] for _, m in ERRORS])
def test_errors_leave_everything_as_it_was(index):
    exc, message = ERRORS[index]
    call, watched = error_calls(microtorch)[index]
    before = [_state(obj) for obj in watched]
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc and str(info.value) == message
    assert [_state(obj) for obj in watched] == before


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:40] for _, m in ERRORS])
def test_errors_are_pytorchs(index, torch):
    exc, message = ERRORS[index]
    call, _ = error_calls(torch)[index]
    with pytest.raises(exc) as info:
        call()
    assert type(info.value) is exc
    assert str(info.value).replace('torch.', 'microtorch.') == message


def _device_outputs(device):
    """The new functions on a device: their values and input gradients."""
    F = microtorch.nn.functional
    rng = np.random.default_rng(5)
    x = microtorch.tensor(rng.standard_normal((1, 2, 4, 4, 4)), device=device,
                          requires_grad=True)
    w = microtorch.tensor(rng.standard_normal((2, 3, 2, 2, 2)), device=device)
    pooled, where = F.max_pool3d(x, 2, return_indices=True)
    outs = [F.conv_transpose3d(x, w, stride=2, padding=1, output_padding=1),
            F.lp_pool3d(x, 2, 2), F.max_unpool3d(pooled, where, 2)]
    grads = microtorch.autograd.grad(sum((o * o).sum() for o in outs), x)
    return [host(o) for o in outs] + [host(g) for g in grads]


def test_on_the_device_as_on_the_cpu(device):
    for mine, cpu in zip(_device_outputs(device), _device_outputs('cpu')):
        np.testing.assert_allclose(mine, cpu, rtol=1e-10, atol=1e-12)
