"""ConvTranspose3d, LPPool3d, MaxUnpool3d, CTCLoss, ChannelShuffle and
AdaptiveLogSoftmaxWithLoss: values and float32/float64
gradients, module listings and state dicts, and errors, against PyTorch (the `torch` fixture
skips without it)."""
import warnings

import numpy as np
import pytest

import microtorch
from test_nn_more import error_tests


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


PADDED = [[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1]]


def _ctc(lib, lp, targets, input_lengths, target_lengths, as_tensors=True, **kwargs):
    """F.ctc_loss with int64 targets, the lengths as tensors or as tuples."""
    if as_tensors:
        input_lengths, target_lengths = _long(lib, input_lengths), _long(lib, target_lengths)
    return lib.nn.functional.ctc_loss(lp, _long(lib, targets), input_lengths, target_lengths,
                                      **kwargs)


CASES.update({
    # log_probs as given (PyTorch's gradient assumes log-softmax outputs but takes any)
    **{f'ctc_loss-padded-{r}': (((7, 3, 5),), lambda lib, x, r=r: _ctc(
        lib, x, PADDED, [7, 5, 6], [4, 2, 3], reduction=r)) for r in ('mean', 'sum', 'none')},
    'ctc_loss-log-softmax-concatenated-tuples': (((8, 3, 6),), lambda lib, x: _ctc(
        lib, x.log_softmax(2), [1, 2, 5, 3, 3, 2], (8, 6, 7), (3, 0, 3), as_tensors=False)),
    'ctc_loss-blank-last-int32-targets': (((6, 2, 4),), lambda lib, x: lib.nn.CTCLoss(
        blank=3, reduction='sum')(x.log_softmax(-1), lib.tensor([[0, 0], [1, 2]],
                                                               dtype=lib.int32),
                                  _long(lib, [6, 4]), _long(lib, [2, 2]))),
    # sample 1 cannot emit 1, 1, 1, 1 in 3 steps: an infinite loss (nan gradient) or 0
    **{f'ctc_loss-impossible-zero-infinity-{z}': (((6, 2, 3),), lambda lib, x, z=z: _ctc(
        lib, x.log_softmax(2), [[1, 1, 1, 1], [1, 1, 1, 1]], [6, 3], [2, 4], reduction='none',
        zero_infinity=z)) for z in (False, True)},
    'ctc_loss-zero-lengths': (((5, 3, 4),), lambda lib, x: _ctc(
        lib, x.log_softmax(2), [[1, 2], [0, 0], [3, 0]], [5, 0, 4], [2, 0, 1],
        reduction='none')),
    **{f'ctc_loss-unbatched-{r}': (((6, 4),), lambda lib, x, r=r: lib.nn.functional.ctc_loss(
        x.log_softmax(1), _long(lib, [2, 1, 3]), _long(lib, 6), _long(lib, 3), reduction=r))
       for r in ('mean', 'none')},
    'ctc_loss-empty-targets': (((3, 2, 4),), lambda lib, x: _ctc(
        lib, x, [[], []], [3, 2], [0, 0])),
    'ctc_loss-module-mean-zero-infinity': (((9, 2, 5),), lambda lib, x: lib.nn.CTCLoss(
        zero_infinity=True)(x.log_softmax(2), _long(lib, [[1, 2, 3, 4, 1], [2, 2, 2, 2, 2]]),
                            _long(lib, [9, 8]), _long(lib, [5, 5]))),
    'channel_shuffle': (((2, 6, 3, 2),), lambda lib, x: lib.nn.functional.channel_shuffle(
        x, 3)),
    'ChannelShuffle-3d-input': (((1, 8, 5),), lambda lib, x: lib.nn.ChannelShuffle(2)(x)),
    'channel_shuffle-top-level-one-group': (((2, 4, 1, 1, 2),), lambda lib, x:
                                            lib.channel_shuffle(x, 1)),
})


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
        nn_.CTCLoss(), nn_.CTCLoss(blank=2, reduction='sum', zero_infinity=True),
        nn_.ChannelShuffle(2), nn_.ChannelShuffle(groups=5),
        nn_.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0, head_bias=True),
        nn_.AdaptiveLogSoftmaxWithLoss(8, 10, (3,)),
    ]


SETTINGS = ('kernel_size', 'stride', 'padding', 'output_padding', 'dilation', 'groups',
            'in_channels', 'out_channels', 'padding_mode', 'norm_type', 'ceil_mode',
            'blank', 'reduction', 'zero_infinity', 'groups', 'in_features', 'n_classes',
            'cutoffs', 'div_value', 'head_bias', 'shortlist_size', 'n_clusters', 'head_size')


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
        lp = lib.zeros(4, 2, 3, requires_grad=True)
        targets, lengths = _long(lib, [[1, 2], [2, 0]]), _long(lib, [2, 1])
        F_ = lib.nn.functional
        return {'max_unpool3d': F_.max_unpool3d(
            *F_.max_pool3d(x, 2, return_indices=True), 2),
            'ctc_loss': F_.ctc_loss(lp, targets, _long(lib, [4, 3]), lengths, reduction='none'),
            'ctc_loss-zero-infinity': F_.ctc_loss(lp, targets, _long(lib, [4, 3]), lengths,
                                                  reduction='none', zero_infinity=True),
            'ctc_loss-unbatched': F_.ctc_loss(lp[:, 0], targets[0], _long(lib, 4),
                                              _long(lib, 2), reduction='none'),
            'ctc_loss-mean': F_.ctc_loss(lp, targets, (4, 3), (2, 1)),
            'channel_shuffle': F_.channel_shuffle(x, 2)}
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
        *_ctc_error_calls(lib),
        (lambda: F_.channel_shuffle(volume, 4), [volume]),
        (lambda: F_.channel_shuffle(volume, 0), [volume]),
        (lambda: F_.channel_shuffle(volume[0, 0, 0], 2), [volume]),
        (lambda: nn_.ChannelShuffle(2.5)(volume), [volume]),
        *_adaptive_error_calls(lib),
    ]


def _adaptive_error_calls(lib):
    adaptive = lib.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0)
    x = lib.ones(3, 16, requires_grad=True)
    return [
        (lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, []), []),
        (lambda: lib.nn.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 2]), []),
        (lambda: adaptive(x, lib.tensor([1, 2])), [adaptive, x]),
        (lambda: adaptive(x.unsqueeze(2), lib.tensor([1, 2, 3])), [adaptive, x]),
        (lambda: adaptive(x, lib.tensor(3)), [adaptive, x]),
        (lambda: adaptive(x, lib.ones(3, 1).long()), [adaptive, x]),
        (lambda: adaptive(x, lib.tensor([1, 20, 3])), [adaptive, x]),
    ]


def _ctc_error_calls(lib):
    F_ = lib.nn.functional
    lp = lib.zeros(6, 2, 5, requires_grad=True)
    t = lib.tensor([[1, 2, 2], [3, 1, 0]])
    il, tl = lib.tensor([6, 5]), lib.tensor([3, 2])
    ctc = lib.nn.CTCLoss(blank=5)

    def twice():
        grad, = lib.autograd.grad(F_.ctc_loss(lp, t, il, tl), lp, create_graph=True)
        lib.autograd.grad(grad.sum(), lp)
    return [
        (lambda: F_.ctc_loss(lp, t, il.float(), tl), [lp]),
        (lambda: F_.ctc_loss(lp, t, il, tl.float()), [lp]),
        (lambda: ctc(lp, t, il, tl), [lp, ctc]),
        (lambda: F_.ctc_loss(lp, t, lib.tensor([7, 5]), tl), [lp]),
        (lambda: F_.ctc_loss(lp, t, lib.tensor([6]), tl), [lp]),
        (lambda: F_.ctc_loss(lp, t, il, lib.tensor([3])), [lp]),
        (lambda: F_.ctc_loss(lp, t, il, lib.tensor([4, 2])), [lp]),
        (lambda: F_.ctc_loss(lp, t[:1], il, tl), [lp]),
        (lambda: F_.ctc_loss(lp, t, il, lib.tensor([-1, 2])), [lp]),
        (lambda: F_.ctc_loss(lp, t, lib.tensor([-1, 2]), tl), [lp]),
        (lambda: F_.ctc_loss(lp, t, il, tl, reduction='avg'), [lp]),
        (lambda: F_.ctc_loss(lp.long(), t, il, tl), [lp]),
        (lambda: F_.ctc_loss(lp, lib.tensor([1, 2, 2, 3]), il, tl), [lp]),
        (lambda: F_.ctc_loss(lp, t.reshape(1, 2, 3), il, tl), [lp]),
        (lambda: F_.ctc_loss(lp[:, 0], t[0], 6, 3), [lp]),
        (lambda: F_.ctc_loss(lp, t, [6, 5], tl), [lp]),
        (twice, [lp]),
        (lambda: F_.ctc_loss(lib.zeros(0, 2, 5), t, lib.tensor([0, 0]), tl), []),
    ]


# PyTorch's argument parser on lengths that are neither two tensors nor two int sequences
_CTC_SIGNATURES_GOT = (
    'ctc_loss() received an invalid combination of arguments - got (Tensor, Tensor, {}, int, '
    'int, bool), but expected one of:\n'
    ' * (Tensor log_probs, Tensor targets, tuple of ints input_lengths, tuple of ints '
    'target_lengths, int blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity '
    '= False)\n'
    "      didn't match because some of the arguments have invalid types: (Tensor, Tensor, {}, "
    '!int!, !int!, !bool!)\n'
    ' * (Tensor log_probs, Tensor targets, Tensor input_lengths, Tensor target_lengths, int '
    'blank = 0, int reduction = at::Reduction::Mean, bool zero_infinity = False)\n'
    "      didn't match because some of the arguments have invalid types: (Tensor, Tensor, {}, "
    '!int!, !int!, !bool!)\n')

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
    (RuntimeError, 'input_lengths must be integral'),
    (RuntimeError, 'target_lengths must be integral'),
    (RuntimeError, 'blank must be in label range'),
    (RuntimeError, 'Expected input_lengths to have value at most 6, but got value 7 (while '
     'checking arguments for ctc_loss_allocate_outputs)'),
    (RuntimeError, 'input_lengths must be of size batch_size'),
    (RuntimeError, 'target_lengths must be of size batch_size'),
    (RuntimeError, "Expected tensor to have size at least 4 at dimension 1, but got size 3 for "
     "argument #2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"),
    (RuntimeError, "Expected tensor to have size 2 at dimension 0, but got size 1 for argument "
     "#2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"),
    (RuntimeError, 'Expected target_lengths to have value at least 0, but got value -1 (while '
     'checking arguments for ctc_loss_allocate_outputs)'),
    (RuntimeError, 'Expected input_lengths to have value at least 0, but got value -1 (while '
     'checking arguments for ctc_loss_allocate_outputs)'),
    (ValueError, 'avg is not a valid value for reduction'),
    (NotImplementedError, '"ctc_loss_cpu" not implemented for \'Long\''),
    (RuntimeError, "Expected tensor to have size 5 at dimension 0, but got size 4 for argument "
     "#2 'targets' (while checking arguments for ctc_loss_allocate_outputs)"),
    (RuntimeError, "Expected 1 to 2 dimensions, but got 3-dimensional tensor for argument #2 "
     "'targets' (while checking arguments for ctc_loss_allocate_outputs)"),
    (TypeError, _CTC_SIGNATURES_GOT.format('int, int', '!int!, !int!', '!int!, !int!')),
    (TypeError, _CTC_SIGNATURES_GOT.format('list, Tensor', '!list of [int, int]!, !Tensor!',
                                           '!list of [int, int]!, Tensor')),
    (RuntimeError, 'derivative for aten::_ctc_loss_backward is not implemented'),
    (RuntimeError, 'log_probs tensor must not be empty'),
    (RuntimeError, 'Number of channels must be divisible by groups. Got 2 channels and 4 '
     'groups.'),
    (RuntimeError, 'Number of groups to divide channels in must be positive. Value of '
     'groups:0'),
    (RuntimeError, 'channel_shuffle expects input with > 2 dims, but got input with sizes [3, '
     '3]'),
    (TypeError, "channel_shuffle(): argument 'groups' (position 2) must be int, not float"),
    (ValueError, 'cutoffs should be a sequence of length larger than 0'),
    (ValueError, 'cutoffs should be a sequence of unique, positive integers sorted in an '
     'increasing order, where each value is between 1 and n_classes-1'),
    (RuntimeError, 'Input and target should have the same size in the batch dimension.'),
    (RuntimeError, '1D target tensor expects 2D input tensors, but found inputs with size '
     'microtorch.Size([3, 16, 1])'),
    (RuntimeError, '0D target tensor expects 1D input tensors, but found inputs with size '
     'microtorch.Size([3, 16])'),
    (RuntimeError, '0D or 1D target tensor expected, multi-target not supported'),
    (RuntimeError, 'Target values should be in [0, 19], but values in range [1, 20] were '
     'found. '),
]


test_errors_leave_everything_as_it_was, test_errors_are_pytorchs = error_tests(ERRORS,
                                                                                error_calls)


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
    lp = x.reshape(8, 2, 8).log_softmax(2)
    targets = microtorch.tensor([[1, 2, 2], [3, 0, 0]], device=device)
    for reduction in ('none', 'mean'):
        outs.append(F.ctc_loss(lp, targets, microtorch.tensor([8, 6], device=device),
                               microtorch.tensor([3, 1], device=device), reduction=reduction))
    outs.append(F.ctc_loss(lp * 2, targets.reshape(-1)[:4], (8, 2), (3, 1), blank=7,
                           reduction='sum', zero_infinity=True))
    outs.append(F.ctc_loss(lp, targets[:, :0], (8, 5), (0, 0), reduction='none'))
    grads = microtorch.autograd.grad(sum((o * o).sum() for o in outs), x)
    return [host(o) for o in outs] + [host(g) for g in grads]


def test_on_the_device_as_on_the_cpu(device):
    for mine, cpu in zip(_device_outputs(device), _device_outputs('cpu')):
        np.testing.assert_allclose(mine, cpu, rtol=1e-10, atol=1e-12)


def test_ctc_loss_refuses_targets_outside_the_labels():
    """PyTorch's CPU kernel reads outside log_probs for such a target; microtorch says so."""
    lp = microtorch.zeros(4, 1, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        microtorch.nn.functional.ctc_loss(lp, _long(microtorch, [[1, 3]]), (4,), (2,))
    assert str(info.value) == CTC_OUT_OF_RANGE
    assert lp.grad is None


CTC_OUT_OF_RANGE = ('ctc_loss(): target 3 is out of the label range [0, 3) (PyTorch reads '
                    'outside log_probs here)')


def test_ctc_loss_of_a_known_case():
    """Two steps, target [1], uniform probabilities over 2 classes: the alignments 1-1,
    1-blank and blank-1 each have probability 1/4, so the loss is -log(3/4)."""
    lp = microtorch.full((2, 1, 2), np.log(0.5), dtype=microtorch.float64, requires_grad=True)
    loss = microtorch.nn.functional.ctc_loss(lp, _long(microtorch, [[1]]), (2,), (1,),
                                             reduction='sum')
    assert abs(float(loss) + np.log(0.75)) < 1e-12
    loss.backward()
    # exp(lp) minus each label's posterior: label 1 at step 0 in 2 of the 3 alignments
    expected = np.array([[[0.5 - 1 / 3, 0.5 - 2 / 3]], [[0.5 - 1 / 3, 0.5 - 2 / 3]]])
    np.testing.assert_allclose(host(lp.grad), expected, rtol=1e-12)


def _adaptive_run(lib, dtype_name):
    """An adaptive softmax with the same parameters in both libraries: forward on a batch
    (every band hit) and on one row, log_prob, predict, and the float gradients."""
    dtype = getattr(lib, dtype_name)
    module = lib.nn.AdaptiveLogSoftmaxWithLoss(12, 20, [4, 10, 15], div_value=2.0,
                                               head_bias=True).to(dtype)
    rng = np.random.default_rng(9)
    with lib.no_grad():
        for p in module.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape)), dtype=dtype))
    x = lib.tensor(rng.standard_normal((7, 12)) * 2, dtype=dtype, requires_grad=True)
    target = _long(lib, [0, 3, 4, 9, 12, 19, 15])
    output, loss = module(x, target)
    row_output, row_loss = module(x[2], target[4])
    full = module.log_prob(x)
    weights = lib.tensor(rng.standard_normal((7,)), dtype=dtype)
    total = (output * weights).sum() + loss + row_loss * 3 + (full * full).sum() * 0.01
    grads = lib.autograd.grad(total, [x] + list(module.parameters()))
    # predictions: the head alone, clusters only, and a mix
    picks = [module.predict(x), module.predict(x * 0), module.predict(x[:3])]
    values = [output, loss, row_output, row_loss, full] + list(grads)
    return [host(v) for v in values], [host(p) for p in picks]


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
def test_adaptive_log_softmax_matches_torch(dtype_name, torch):
    (mine, my_picks), (theirs, their_picks) = (_adaptive_run(microtorch, dtype_name),
                                               _adaptive_run(torch, dtype_name))
    tol = dict(rtol=2e-5, atol=2e-5) if dtype_name == 'float32' else dict(rtol=1e-10,
                                                                           atol=1e-12)
    for m, t in zip(mine, theirs):
        assert m.shape == t.shape
        np.testing.assert_allclose(m, t, **tol)
    for m, t in zip(my_picks, their_picks):
        assert m.tolist() == t.tolist()


def test_adaptive_log_prob_is_a_distribution():
    module = microtorch.nn.AdaptiveLogSoftmaxWithLoss(6, 9, [2, 5]).double()
    x = microtorch.randn(4, 6, dtype=microtorch.float64)
    np.testing.assert_allclose(host(module.log_prob(x).exp().sum(1)), np.ones(4), rtol=1e-12)
    np.testing.assert_array_equal(host(module.predict(x)),
                                  host(module.log_prob(x).argmax(1)))
