"""The losses, layers and functions of nn that came after the first ones (margin and
likelihood losses, GLU, RMSNorm, pixel shuffles, fold/unfold, padding layers, ...): values and
float32/float64 gradients, module listings and state dicts, and errors, against PyTorch (the
`torch` fixture skips without it) and against first principles where PyTorch is not needed."""
import math
import warnings

import numpy as np
import pytest

import microtorch
import microtorch.nn as nn
import microtorch.nn.functional as F
from test_errors import state
from test_nn import _seeded


def host(t):
    return t.detach().cpu().numpy()


def _const(lib, values, like=None, dtype=None):
    """A constant tensor of lib (targets, weights), in like's dtype unless dtype is given."""
    if dtype is None and like is not None:
        dtype = like.dtype
    return lib.tensor(values, dtype=dtype)


def _long(lib, values):
    return lib.tensor(values, dtype=lib.int64)


SIGNS = [1.0, -1.0, -1.0, 1.0]

# (shapes of the float inputs, function of (lib, *inputs)): values and gradients of every
# input against PyTorch's, in float32 and float64.
CASES = {
    # cosine embedding: target +-1 (and a 0, which adds nothing), 2-D and 1-D
    **{f'cosine_embedding_loss-{r}': (((4, 5), (4, 5)), lambda lib, a, b, r=r:
                                      lib.nn.functional.cosine_embedding_loss(
                                          a, b, _const(lib, SIGNS, a), margin=0.2,
                                          reduction=r))
       for r in ('mean', 'sum', 'none')},
    'cosine_embedding_loss-1d': (((5,), (5,)), lambda lib, a, b:
                                 lib.nn.CosineEmbeddingLoss(-0.5)(a, b, _const(lib, -1.0, a))),
    'cosine_embedding_loss-int-target': (((3, 2), (3, 2)), lambda lib, a, b:
                                         lib.nn.CosineEmbeddingLoss(reduction='none')(
                                             a, b, _long(lib, [1, 0, -1]))),
    **{f'margin_ranking_loss-{r}': (((6,), (6,)), lambda lib, a, b, r=r:
                                    lib.nn.MarginRankingLoss(0.1, reduction=r)(
                                        a, b, _const(lib, SIGNS + [1.0, -1.0], a)))
       for r in ('mean', 'sum', 'none')},
    'margin_ranking_loss-broadcast': (((3, 4), (3, 4)), lambda lib, a, b:
                                      lib.nn.functional.margin_ranking_loss(
                                          a, b, _const(lib, [[1.0], [-1.0], [1.0]], a))),
    **{f'hinge_embedding_loss-{r}': (((3, 4),), lambda lib, x, r=r:
                                     lib.nn.HingeEmbeddingLoss(0.5, reduction=r)(
                                         x, _const(lib, [SIGNS, SIGNS[::-1], SIGNS], x)))
       for r in ('mean', 'sum', 'none')},
    'hinge_embedding_loss-broadcast-other-target': (((3, 4),), lambda lib, x:
                                                    lib.nn.functional.hinge_embedding_loss(
                                                        x, _const(lib, [1.0, 0.0, -1.0, 2.0],
                                                                  x), reduction='none')),
    **{f'soft_margin_loss-{r}': (((3, 4),), lambda lib, x, r=r:
                                 lib.nn.SoftMarginLoss(reduction=r)(
                                     x * 3, _const(lib, [SIGNS] * 3, x)))
       for r in ('mean', 'sum', 'none')},
    **{f'multilabel_soft_margin_loss-{r}': (((3, 4), (3, 4)), lambda lib, x, t, r=r:
                                            lib.nn.MultiLabelSoftMarginLoss(reduction=r)(
                                                x, t.sigmoid()))
       for r in ('mean', 'sum', 'none')},
    'multilabel_soft_margin_loss-weight': (((3, 4), (4,)), lambda lib, x, w:
                                           lib.nn.functional.multilabel_soft_margin_loss(
                                               x, _const(lib, [[0, 1, 1, 0]] * 3, x), w)),
    'multilabel_soft_margin_loss-1d': (((4,),), lambda lib, x:
                                       lib.nn.MultiLabelSoftMarginLoss(reduction='none')(
                                           x, _const(lib, [0, 1, 1, 0], x))),
    **{f'multi_margin_loss-p{p}-{r}': (((4, 5),), lambda lib, x, p=p, r=r:
                                       lib.nn.MultiMarginLoss(p=p, margin=0.7, reduction=r)(
                                           x, _long(lib, [0, 4, 2, 2])))
       for p in (1, 2) for r in ('mean', 'sum', 'none')},
    'multi_margin_loss-weight': (((4, 5),), lambda lib, x:
                                 lib.nn.MultiMarginLoss(weight=_const(lib, [1.0, 2, 0.5, 1, 3],
                                                                      x))(
                                     x, _long(lib, [0, 4, 2, 1]))),
    'multi_margin_loss-1d': (((5,),), lambda lib, x: lib.nn.functional.multi_margin_loss(
        x, _long(lib, 3), reduction='none')),
    'multi_margin_loss-1d-target1': (((5,),), lambda lib, x: lib.nn.functional.multi_margin_loss(
        x, _long(lib, [3]), p=2, reduction='none')),
    **{f'multilabel_margin_loss-{r}': (((3, 4),), lambda lib, x, r=r:
                                       lib.nn.MultiLabelMarginLoss(reduction=r)(
                                           x, _long(lib, [[3, 0, -1, 1], [1, 1, 2, -1],
                                                          [-1, 0, 0, 0]])))
       for r in ('mean', 'sum', 'none')},
    'multilabel_margin_loss-1d': (((4,),), lambda lib, x: lib.nn.functional.multilabel_margin_loss(
        x, _long(lib, [2, 0, 3, 1]), reduction='none')),
    **{f'triplet_margin_loss-{r}': (((4, 5), (4, 5), (4, 5)), lambda lib, a, p, n, r=r:
                                    lib.nn.TripletMarginLoss(margin=2.0, reduction=r)(a, p, n))
       for r in ('mean', 'sum', 'none')},
    'triplet_margin_loss-p1-swap': (((4, 5), (4, 5), (4, 5)), lambda lib, a, p, n:
                                    lib.nn.functional.triplet_margin_loss(
                                        a, p, n, margin=3.0, p=1, swap=True, reduction='none')),
    'triplet_margin_loss-3d': (((2, 3, 4), (2, 3, 4), (2, 3, 4)), lambda lib, a, p, n:
                               lib.nn.functional.triplet_margin_loss(a, p, n, margin=1.5,
                                                                     eps=1e-3)),
    'triplet_margin_with_distance_loss': (((4, 5), (4, 5), (4, 5)), lambda lib, a, p, n:
                                          lib.nn.TripletMarginWithDistanceLoss(
                                              margin=2.5, swap=True, reduction='sum')(a, p, n)),
    'triplet_margin_with_distance_loss-cosine': (
        ((4, 5), (4, 5), (4, 5)), lambda lib, a, p, n:
        lib.nn.functional.triplet_margin_with_distance_loss(
            a, p, n, distance_function=lambda x, y: 1 - lib.nn.functional.cosine_similarity(x, y),
            margin=0.5, reduction='none')),
    **{f'gaussian_nll_loss-{r}': (((3, 4), (3, 4), (3, 4)), lambda lib, x, t, v, r=r:
                                  lib.nn.GaussianNLLLoss(reduction=r)(x, t, v * v + 0.1))
       for r in ('mean', 'sum', 'none')},
    'gaussian_nll_loss-full-var-per-sample': (((3, 4), (3, 4), (3,)), lambda lib, x, t, v:
                                              lib.nn.GaussianNLLLoss(full=True)(x, t, v.exp())),
    'gaussian_nll_loss-var-one-dim': (((3, 4), (3, 4), (3, 1)), lambda lib, x, t, v:
                                      lib.nn.functional.gaussian_nll_loss(
                                          x, t, v.exp(), reduction='none')),
    'gaussian_nll_loss-clamped-var': (((3, 4), (3, 4), (3, 4)), lambda lib, x, t, v:
                                      lib.nn.functional.gaussian_nll_loss(
                                          x, t, v.relu() * 0.01, eps=0.005, reduction='sum')),
    'gaussian_nll_loss-float-var': (((3, 4), (3, 4)), lambda lib, x, t:
                                    lib.nn.functional.gaussian_nll_loss(x, t, 0.5)),
    **{f'poisson_nll_loss-{r}': (((3, 4), (3, 4)), lambda lib, x, t, r=r:
                                 lib.nn.PoissonNLLLoss(reduction=r)(x, t.exp()))
       for r in ('mean', 'sum', 'none')},
    'poisson_nll_loss-rates-full': (((3, 4),), lambda lib, x: lib.nn.PoissonNLLLoss(
        log_input=False, full=True, eps=1e-3, reduction='none')(
        x.exp(), _const(lib, [[0.0, 1, 2, 3], [4, 0.5, 1.5, 7], [1, 1, 9, 2]], x))),
}



def _unpooled(lib, x, pool, unpool, *args, **kwargs):
    """max pooling with indices, then unpooling: gradients flow through both."""
    values, indices = pool(x, *args, return_indices=True)
    return unpool(values, indices)


CASES.update({
    'glu': (((4, 6),), lambda lib, x: lib.nn.functional.glu(x)),
    'glu-dim0': (((4, 3),), lambda lib, x: lib.nn.GLU(0)(x)),
    'rms_norm': (((3, 4),), lambda lib, x: lib.nn.functional.rms_norm(x, (4,))),
    'rms_norm-weight': (((2, 3, 4), (3, 4)), lambda lib, x, w:
                        lib.nn.functional.rms_norm(x, [3, 4], w, eps=1e-2)),
    'rms_norm-module': (((2, 5, 3),), lambda lib, x: _seeded(lib, lib.nn.RMSNorm(
        3, dtype=x.dtype))(x)),
    'rms_norm-module-no-affine': (((2, 5, 3),), lambda lib, x: lib.nn.RMSNorm(
        [5, 3], eps=0.5, elementwise_affine=False)(x * 0.01)),
    'local_response_norm-3d': (((2, 5, 3),), lambda lib, x:
                               lib.nn.functional.local_response_norm(x, 3)),
    'local_response_norm-4d': (((2, 6, 3, 4),), lambda lib, x: lib.nn.LocalResponseNorm(
        2, alpha=0.1, beta=0.5, k=2.0)(x)),
    'local_response_norm-5d-wide': (((1, 3, 2, 2, 2),), lambda lib, x: lib.nn.LocalResponseNorm(
        5, alpha=0.3)(x)),
    'pixel_shuffle': (((2, 8, 3, 3),), lambda lib, x: lib.nn.PixelShuffle(2)(x)),
    'pixel_shuffle-5d': (((2, 2, 9, 2, 2),), lambda lib, x: lib.nn.functional.pixel_shuffle(
        x, 3)),
    'pixel_unshuffle': (((2, 2, 4, 6),), lambda lib, x: lib.nn.PixelUnshuffle(2)(x)),
    'pixel_unshuffle-unbatched': (((2, 6, 4),), lambda lib, x:
                                  lib.nn.functional.pixel_unshuffle(x, 2)),
    'unfold': (((2, 3, 5, 6),), lambda lib, x: lib.nn.Unfold((2, 3), (1, 2), 1, (2, 1))(x)),
    'unfold-unbatched': (((3, 4, 4),), lambda lib, x: lib.nn.functional.unfold(x, 2)),
    'fold': (((2, 12, 20),), lambda lib, x: lib.nn.Fold((5, 6), 2)(x)),
    'fold-all-arguments': (((2, 12, 16),), lambda lib, x: lib.nn.functional.fold(
        x, (7, 6), (2, 3), dilation=(2, 1), padding=(1, 0), stride=(2, 1))),
    'fold-unbatched': (((8, 9),), lambda lib, x: lib.nn.functional.fold(x, 4, 2, stride=1)),
    'fold-of-unfold': (((1, 2, 5, 5),), lambda lib, x: lib.nn.functional.fold(
        lib.nn.functional.unfold(x, 3, padding=1), 5, 3, padding=1)),
    **{f'{mode}_pad1d': (((2, 3, 5),), lambda lib, x, mode=mode: getattr(
        lib.nn, f'{mode}Pad1d')((2, 1))(x)) for mode in ('Reflection', 'Replication', 'Circular')},
    **{f'{mode}_pad2d': (((1, 2, 4, 5),), lambda lib, x, mode=mode: getattr(
        lib.nn, f'{mode}Pad2d')((1, 2, 0, 3))(x))
       for mode in ('Reflection', 'Replication', 'Circular')},
    **{f'{mode}_pad3d': (((2, 3, 4, 5),), lambda lib, x, mode=mode: getattr(
        lib.nn, f'{mode}Pad3d')((1, 0, 2, 1, 0, 2))(x))
       for mode in ('Reflection', 'Replication', 'Circular')},
    'replication_pad2d-int': (((2, 3, 3),), lambda lib, x: lib.nn.ReplicationPad2d(3)(x)),
    'circular_pad1d-crop': (((2, 5),), lambda lib, x: lib.nn.CircularPad1d((-1, 2))(x)),
    'constant_pad3d': (((1, 2, 2, 3),), lambda lib, x: lib.nn.ConstantPad3d(
        (1, 0, 2, 1, 0, 1), 1.5)(x)),
    'zero_pad3d': (((2, 2, 2),), lambda lib, x: lib.nn.ZeroPad3d(1)(x)),
    'softmax2d': (((2, 3, 4, 5),), lambda lib, x: lib.nn.Softmax2d()(x)),
    'softmax2d-unbatched': (((3, 4, 5),), lambda lib, x: lib.nn.Softmax2d()(x)),
    'rrelu-eval': (((3, 4),), lambda lib, x: lib.nn.functional.rrelu(x, 0.1, 0.3)),
    'rrelu-module-eval': (((3, 4),), lambda lib, x: lib.nn.RReLU().eval()(x)),
    'alpha_dropout-eval': (((3, 4),), lambda lib, x: lib.nn.AlphaDropout(0.3).eval()(x) * 2),
    'lp_pool2d': (((1, 2, 4, 6),), lambda lib, x: lib.nn.LPPool2d(2, 2)(x)),
    'lp_pool2d-p3-ceil': (((1, 2, 5, 6),), lambda lib, x: lib.nn.LPPool2d(
        3, (2, 3), stride=(1, 2), ceil_mode=True)(x.abs() + 0.1)),
    'lp_pool1d': (((2, 3, 7),), lambda lib, x: lib.nn.LPPool1d(1.5, 3, 2, ceil_mode=True)(
        x.abs() + 0.1)),
    'lp_pool1d-p2': (((3, 8),), lambda lib, x: lib.nn.functional.lp_pool1d(x, 2, 2)),
    'max_unpool2d': (((1, 2, 4, 4),), lambda lib, x: _unpooled(
        lib, x, lib.nn.functional.max_pool2d, lambda v, i: lib.nn.MaxUnpool2d(2)(v, i), 2)),
    'max_unpool2d-output-size': (((1, 2, 5, 5),), lambda lib, x: _unpooled(
        lib, x, lib.nn.functional.max_pool2d,
        lambda v, i: lib.nn.functional.max_unpool2d(v, i, 2, output_size=(5, 5)), 2)),
    'max_unpool2d-unbatched-stride-padding': (((2, 5, 5),), lambda lib, x: _unpooled(
        lib, x, lib.nn.functional.max_pool2d,
        lambda v, i: lib.nn.MaxUnpool2d(3, 2, 1)(v, i), 3, 2, 1)),
    'max_unpool1d': (((2, 3, 8),), lambda lib, x: _unpooled(
        lib, x, lib.nn.functional.max_pool1d, lambda v, i: lib.nn.MaxUnpool1d(2)(v, i), 2)),
    'max_unpool1d-unbatched': (((3, 9),), lambda lib, x: _unpooled(
        lib, x, lib.nn.functional.max_pool1d,
        lambda v, i: lib.nn.functional.max_unpool1d(v, i, 3, 2, 1, output_size=[9]), 3, 2, 1)),
    **{f'pdist-p{p}': (((5, 3),), lambda lib, x, p=p: lib.nn.functional.pdist(x, p))
       for p in (2, 1, 3, math.inf)},
})



def _in_unit_box(t, reach=1.2):
    """Grid coordinates from any values: squashed into (-reach, reach)."""
    return t.tanh() * reach


CASES.update({
    **{f'grid_sample-{mode}-{padding}-{corners}': (
        ((2, 3, 4, 5), (2, 3, 6, 2)), lambda lib, x, g, mode=mode, padding=padding,
        corners=corners: lib.nn.functional.grid_sample(x, _in_unit_box(g), mode, padding,
                                                       corners))
       for mode in ('bilinear', 'nearest', 'bicubic') for padding in ('zeros', 'border',
                                                                       'reflection')
       for corners in (False, True)},
    **{f'grid_sample-3d-{mode}-{padding}': (
        ((1, 2, 3, 4, 2), (1, 2, 3, 2, 3)), lambda lib, x, g, mode=mode, padding=padding:
        lib.nn.functional.grid_sample(x, _in_unit_box(g), mode, padding, align_corners=False))
       for mode in ('bilinear', 'nearest') for padding in ('zeros', 'border', 'reflection')},
    'affine_grid': (((2, 2, 3),), lambda lib, t: lib.nn.functional.affine_grid(
        t, (2, 3, 4, 5), align_corners=False)),
    'affine_grid-align-corners-3d': (((2, 3, 4),), lambda lib, t:
                                     lib.nn.functional.affine_grid(t, (2, 1, 3, 2, 4), True)),
    'affine_grid-then-grid_sample': (((1, 2, 5, 4), (1, 2, 3)), lambda lib, x, t:
                                     lib.nn.functional.grid_sample(
                                         x, lib.nn.functional.affine_grid(t * 0.5, (1, 2, 3, 3),
                                                                          False),
                                         align_corners=False)),
})



CASES.update({
    'conv3d': (((1, 2, 5, 6, 4),), lambda lib, x: _seeded(lib, lib.nn.Conv3d(
        2, 4, (2, 3, 2), (1, 2, 1), 1, (2, 1, 1), groups=2, dtype=x.dtype))(x)),
    'conv3d-same-reflect-unbatched': (((2, 4, 4, 4),), lambda lib, x: _seeded(lib, lib.nn.Conv3d(
        2, 3, 3, padding='same', padding_mode='reflect', dtype=x.dtype))(x)),
    'conv3d-circular': (((1, 1, 3, 4, 5),), lambda lib, x: _seeded(lib, lib.nn.Conv3d(
        1, 2, 2, padding=(1, 0, 1), padding_mode='circular', bias=False, dtype=x.dtype))(x)),
    'conv3d-functional': (((2, 3, 4, 4, 4), (2, 3, 2, 2, 2), (2,)), lambda lib, x, w, b:
                          lib.nn.functional.conv3d(x, w, b, stride=2)),
    'max_pool3d': (((2, 3, 5, 6, 7),), lambda lib, x: lib.nn.MaxPool3d(
        (2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 1), ceil_mode=True)(x)),
    'max_pool3d-unbatched': (((2, 4, 4, 4),), lambda lib, x: lib.nn.functional.max_pool3d(x, 2)),
    'avg_pool3d': (((2, 3, 5, 6, 7),), lambda lib, x: lib.nn.AvgPool3d(
        (2, 3, 2), (1, 2, 2), (1, 1, 0), ceil_mode=True, count_include_pad=False)(x)),
    'avg_pool3d-count-pad-unbatched': (((2, 4, 5, 3),), lambda lib, x:
                                       lib.nn.functional.avg_pool3d(x, 2, 1, 1)),
    'avg_pool3d-divisor': (((1, 2, 4, 4, 4),), lambda lib, x: lib.nn.AvgPool3d(
        2, divisor_override=3)(x)),
    'adaptive_avg_pool3d': (((2, 3, 5, 6, 7),), lambda lib, x: lib.nn.AdaptiveAvgPool3d(
        (2, None, 4))(x)),
    'adaptive_avg_pool3d-unbatched': (((2, 3, 4, 5),), lambda lib, x:
                                      lib.nn.functional.adaptive_avg_pool3d(x, 2)),
    'adaptive_max_pool3d': (((2, 3, 5, 6, 7),), lambda lib, x: lib.nn.AdaptiveMaxPool3d(
        (2, 3, 4))(x)),
    'adaptive_max_pool3d-unbatched-none': (((2, 3, 4, 5),), lambda lib, x:
                                           lib.nn.functional.adaptive_max_pool3d(
                                               x, (None, 3, 2))),
    'batch_norm3d': (((2, 3, 2, 3, 4),), lambda lib, x: _seeded(lib, lib.nn.BatchNorm3d(
        3, dtype=x.dtype))(x)),
    'instance_norm3d': (((2, 3, 2, 3, 4),), lambda lib, x: _seeded(lib, lib.nn.InstanceNorm3d(
        3, affine=True, dtype=x.dtype))(x)),
    'instance_norm3d-unbatched': (((3, 2, 3, 4),), lambda lib, x: lib.nn.InstanceNorm3d(3)(x)),
    'dropout3d-eval': (((2, 3, 2, 2, 2),), lambda lib, x: lib.nn.Dropout3d().eval()(x) * 3),
})


def _case(lib, name, dtype_name):
    shapes, fn = CASES[name]
    rng = np.random.default_rng(3)
    dtype = getattr(lib, dtype_name)
    inputs = [lib.tensor(rng.standard_normal(s), dtype=dtype, requires_grad=True)
              for s in shapes]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = fn(lib, *inputs)
    weights = lib.tensor(rng.standard_normal(tuple(out.shape)), dtype=dtype)
    grads = lib.autograd.grad((out * weights).sum(), inputs, allow_unused=True)
    return out, grads


@pytest.mark.parametrize('dtype_name', ['float32', 'float64'])
@pytest.mark.parametrize('name', list(CASES))
def test_values_and_gradients_match_torch(name, dtype_name, torch):
    (mine, my_grads), (theirs, their_grads) = (_case(microtorch, name, dtype_name),
                                               _case(torch, name, dtype_name))
    tol = dict(rtol=2e-5, atol=2e-6) if dtype_name == 'float32' else dict(rtol=1e-10,
                                                                           atol=1e-12)
    if dtype_name == 'float32' and 'bicubic' in name:    # 16 taps summed in another order
        tol = dict(rtol=1e-4, atol=2e-5)
    assert repr(mine.dtype) == repr(theirs.dtype).replace('torch.', 'microtorch.')
    assert tuple(mine.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(host(mine), theirs.detach().numpy(), **tol)
    for m, t in zip(my_grads, their_grads):
        assert (m is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(host(m), t.numpy(), **tol)


def _modules(lib):
    """One or two of each new module, with arguments away from their defaults."""
    nn_ = lib.nn
    weights = lib.tensor([1.0, 2.0, 0.5])
    return [
        nn_.CosineEmbeddingLoss(), nn_.CosineEmbeddingLoss(0.5, reduction='sum'),
        nn_.MarginRankingLoss(0.2), nn_.HingeEmbeddingLoss(2.0, reduction='none'),
        nn_.SoftMarginLoss(), nn_.MultiLabelSoftMarginLoss(weights),
        nn_.MultiMarginLoss(2, 0.5, weights), nn_.MultiLabelMarginLoss(reduction='sum'),
        nn_.TripletMarginLoss(0.5, 1.0, 1e-3, True), nn_.TripletMarginWithDistanceLoss(),
        nn_.TripletMarginWithDistanceLoss(distance_function=nn_.CosineSimilarity(), margin=2.0),
        nn_.GaussianNLLLoss(full=True, eps=1e-3), nn_.PoissonNLLLoss(False, True, eps=1e-4),
        nn_.GLU(), nn_.GLU(1), nn_.RMSNorm(4), nn_.RMSNorm([2, 3], 1e-3, False),
        nn_.LocalResponseNorm(3), nn_.LocalResponseNorm(2, 1e-3, 0.5, 2.0),
        nn_.PixelShuffle(3), nn_.PixelUnshuffle(2), nn_.Fold((5, 6), 2),
        nn_.Fold(5, (2, 3), 2, 1, 3), nn_.Unfold(2, padding=1), nn_.Unfold((2, 3), 2, 1, 3),
        *(getattr(nn_, f'{kind}Pad{d}d')(pad) for kind in ('Reflection', 'Replication',
                                                         'Circular', 'Zero')
          for d in (1, 2, 3) for pad in (1, tuple(range(1, 2 * d + 1)))),
        nn_.ConstantPad3d(1, 2.5), nn_.ConstantPad3d((1, 2, 3, 4, 5, 6), 0),
        nn_.Softmax2d(), nn_.AlphaDropout(), nn_.AlphaDropout(0.2, True),
        nn_.FeatureAlphaDropout(0.3), nn_.RReLU(), nn_.RReLU(0.1, 0.3, True),
        nn_.LPPool2d(2, 3), nn_.LPPool2d(1.5, (2, 3), (1, 2), True), nn_.LPPool1d(3, 2),
        nn_.MaxUnpool2d(2), nn_.MaxUnpool2d((2, 3), 1, (1, 0)), nn_.MaxUnpool1d(3, 2, 1),
        nn_.Conv3d(2, 4, 3), nn_.Conv3d(2, 4, (1, 2, 3), stride=2, padding=1, dilation=(1, 1, 2),
                                        groups=2, bias=False, padding_mode='reflect'),
        nn_.MaxPool3d(2), nn_.MaxPool3d((1, 2, 3), 2, 1, 2, True, True), nn_.AvgPool3d(2),
        nn_.AvgPool3d((1, 2, 3), 2, 0, True, False, 3), nn_.AdaptiveAvgPool3d((2, None, 3)),
        nn_.AdaptiveMaxPool3d(2, True), nn_.BatchNorm3d(3), nn_.BatchNorm3d(3, affine=False),
        nn_.InstanceNorm3d(3), nn_.InstanceNorm3d(3, affine=True, track_running_stats=True),
        nn_.Dropout3d(0.2), nn_.Dropout3d(inplace=True),
    ]


# the settings each module keeps, by PyTorch's attribute names
SETTINGS = ('reduction', 'margin', 'p', 'eps', 'swap', 'full', 'log_input', 'dim',
            'normalized_shape', 'elementwise_affine', 'size', 'alpha', 'beta', 'k',
            'upscale_factor', 'downscale_factor', 'output_size', 'kernel_size', 'dilation',
            'padding', 'stride', 'value', 'inplace', 'lower', 'upper', 'norm_type',
            'ceil_mode', 'in_channels', 'out_channels', 'groups', 'padding_mode',
            'return_indices', 'count_include_pad', 'divisor_override', 'num_features',
            'momentum', 'affine', 'track_running_stats')


def test_modules_list_and_keep_state_as_torch(torch):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        pairs = list(zip(_modules(microtorch), _modules(torch)))
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs)
        assert [(k, tuple(v.shape)) for k, v in mine.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
        assert [k for k, _ in mine.named_parameters()] == \
            [k for k, _ in theirs.named_parameters()]
        for attr in SETTINGS:
            if hasattr(theirs, attr) and not isinstance(getattr(theirs, attr), torch.Tensor):
                assert getattr(mine, attr) == getattr(theirs, attr), (mine, attr)


def test_legacy_reduction_arguments_warn_as_torch(torch):
    messages = []
    for lib in (microtorch, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            loss = lib.nn.SoftMarginLoss(size_average=False)
            value = lib.nn.functional.margin_ranking_loss(
                lib.ones(3), lib.zeros(3), lib.ones(3), reduce=False)
        messages.append([str(w.message) for w in caught])
        assert loss.reduction == 'sum' and tuple(value.shape) == (3,)
    assert messages[0] == messages[1] and len(messages[0]) == 2


def test_rms_norm_weight_starts_at_one():
    norm = nn.RMSNorm((2, 3), dtype=microtorch.float64)
    assert norm.weight.dtype is microtorch.float64
    assert host(norm.weight).tolist() == [[1.0] * 3] * 2
    with microtorch.no_grad():
        norm.weight.mul_(3)
    norm.reset_parameters()
    assert host(norm.weight).tolist() == [[1.0] * 3] * 2


# ---- the random ones: eval mode, and training by its statistics ----------------------------

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def test_alpha_dropouts_outside_training_return_the_input():
    x = microtorch.randn(3, 4)
    assert F.alpha_dropout(x, 0.5) is x and F.feature_alpha_dropout(x, 0.5) is x
    assert F.alpha_dropout(x, 0.0, True) is x
    for module in (nn.AlphaDropout(0.4), nn.FeatureAlphaDropout(0.4)):
        assert module.eval()(x) is x
    assert F.feature_alpha_dropout(microtorch.ones(3), 0.5) is not None   # 1-D: only training


@pytest.mark.parametrize('p', [0.2, 0.5])
def test_alpha_dropout_keeps_mean_and_variance(p):
    microtorch.manual_seed(0)
    x = microtorch.randn(200_000, dtype=microtorch.float64, requires_grad=True)
    y = F.alpha_dropout(x, p, training=True)
    values, inputs = host(y), host(x)
    a = 1 / math.sqrt((SELU_ALPHA ** 2 * SELU_SCALE ** 2 * p + 1) * (1 - p))
    b = SELU_ALPHA * SELU_SCALE * a * p
    dropped = np.abs(values - (-SELU_ALPHA * SELU_SCALE * a + b)) < 1e-12
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(values[~dropped], a * inputs[~dropped] + b, rtol=1e-12)
    assert abs(values.mean()) < 0.01 and abs(values.std() - 1) < 0.01
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), np.where(dropped, 0.0, a), rtol=1e-12)


def test_feature_alpha_dropout_drops_whole_channels():
    microtorch.manual_seed(1)
    x = microtorch.randn(40, 30, 5, dtype=microtorch.float64)
    values = host(nn.FeatureAlphaDropout(0.5).train()(x))
    p = 0.5
    a = 1 / math.sqrt((SELU_ALPHA ** 2 * SELU_SCALE ** 2 * p + 1) * (1 - p))
    b = SELU_ALPHA * SELU_SCALE * a * p
    dropped = np.abs(values - (-SELU_ALPHA * SELU_SCALE * a + b)) < 1e-12
    per_channel = dropped.all(-1)
    assert (dropped.any(-1) == per_channel).all()        # a channel is dropped whole or kept
    assert 0.4 < per_channel.mean() < 0.6
    np.testing.assert_allclose(values[~per_channel], a * host(x)[~per_channel] + b, rtol=1e-12)


def test_alpha_dropout_of_everything_and_in_place():
    x = microtorch.randn(4, 3)
    assert (host(F.alpha_dropout(x, 1.0, True)) == 0).all()
    y = x.clone()
    out = F.alpha_dropout(y, 0.5, True, inplace=True)
    assert out is y and not np.allclose(host(y), host(x))


def test_rrelu_draws_slopes_while_training():
    microtorch.manual_seed(2)
    x = microtorch.randn(100_000, dtype=microtorch.float64, requires_grad=True)
    y = nn.RReLU(0.1, 0.3).train()(x)
    y.sum().backward()
    inputs, values, grads = host(x), host(y), host(x.grad)
    negative = inputs < 0
    slopes = values[negative] / inputs[negative]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.002 and abs(slopes.std() - 0.2 / math.sqrt(12)) < 0.002
    np.testing.assert_array_equal(values[~negative], inputs[~negative])
    np.testing.assert_allclose(grads[negative], slopes, rtol=1e-12)
    assert (grads[~negative] == 1).all()


def test_rrelu_in_place():
    x = microtorch.tensor([-1.0, 2.0, -3.0])
    assert F.rrelu(x, 0.5, 0.5, training=True, inplace=True) is x
    assert host(x).tolist() == [-0.5, 2.0, -1.5]
    y = microtorch.tensor([-1.0, 2.0])
    nn.RReLU(0.2, 0.4, inplace=True).eval()(y)
    np.testing.assert_allclose(host(y), [-0.3, 2.0])


def test_gumbel_softmax_samples_by_the_softmax():
    microtorch.manual_seed(3)
    logits = microtorch.tensor([1.0, 0.0, -1.0, 2.0], dtype=microtorch.float64)
    draws = 40_000
    soft = F.gumbel_softmax(logits.expand(draws, 4), tau=0.5)
    np.testing.assert_allclose(host(soft.sum(-1)), 1.0, rtol=1e-12)
    picked = np.bincount(host(soft.argmax(-1)), minlength=4) / draws
    expected = host(logits.softmax(0))
    assert np.abs(picked - expected).max() < 0.01, (picked, expected)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    microtorch.manual_seed(4)
    logits = microtorch.randn(5, 3, dtype=microtorch.float64, requires_grad=True)
    weights = microtorch.randn(5, 3, dtype=microtorch.float64)
    state = microtorch.get_rng_state()
    hard = F.gumbel_softmax(logits, hard=True, dim=1)
    microtorch.set_rng_state(state)
    soft = F.gumbel_softmax(logits, hard=False, dim=1)
    values = host(hard)
    assert set(values.ravel().tolist()) == {0.0, 1.0} and (values.sum(1) == 1).all()
    assert (values.argmax(1) == host(soft).argmax(1)).all()
    hard_grad, = microtorch.autograd.grad((hard * weights).sum(), logits)
    soft_grad, = microtorch.autograd.grad((soft * weights).sum(), logits)
    np.testing.assert_allclose(host(hard_grad), host(soft_grad), rtol=1e-12)


def test_gumbel_softmax_eps_warns_as_torch(torch):
    messages = []
    for lib in (microtorch, torch):
        with pytest.warns(UserWarning) as record:
            lib.nn.functional.gumbel_softmax(lib.zeros(2, 3), eps=1e-3)
        messages.append(str(record[0].message))
    assert messages[0] == messages[1]


# ---- errors: PyTorch's types and messages, and nothing changed -----------------------------

def error_calls(lib):
    """The calls that raise ERRORS[i], each with the tensors and modules it must leave as
    they were (tests/test_error_catalogue.py registers them too)."""
    F_, nn_ = lib.nn.functional, lib.nn
    x = lib.ones(3, 4, requires_grad=True)
    v = lib.ones(4, requires_grad=True)
    labels = lib.tensor([0, 3, 1])
    rms = nn_.RMSNorm(4)
    pooled, where = F_.max_pool2d(lib.ones(1, 2, 4, 4), 2, return_indices=True)
    image = lib.ones(2, 3, 4, 5, requires_grad=True)
    grid = lib.zeros(2, 3, 3, 2, requires_grad=True)
    theta = lib.ones(2, 2, 3, requires_grad=True)
    volume = lib.ones(1, 2, 4, 5, 6, requires_grad=True)
    norm3d = nn_.BatchNorm3d(3)
    return [
        (lambda: F_.multi_margin_loss(x, labels, p=3), [x]),
        (lambda: F_.multi_margin_loss(x, labels, weight=lib.ones(4, 1)), [x]),
        (lambda: nn_.MultiMarginLoss(weight=lib.ones(4, 1)), []),
        (lambda: F_.multi_margin_loss(lib.ones(2, 3, 4), labels), []),
        (lambda: F_.multi_margin_loss(x, labels[:2]), [x]),
        (lambda: F_.multi_margin_loss(x, labels, weight=lib.ones(3)), [x]),
        (lambda: F_.multi_margin_loss(lib.ones(3, 4, dtype=lib.int64), labels), []),
        (lambda: F_.multi_margin_loss(x, labels.float()), [x]),
        (lambda: F_.multi_margin_loss(x, labels, weight=lib.ones(4, dtype=lib.float64)), [x]),
        (lambda: F_.multi_margin_loss(x, lib.tensor([0, 4, 1])), [x]),
        (lambda: F_.multilabel_margin_loss(x, lib.zeros(3, 3, dtype=lib.int64)), [x]),
        (lambda: F_.multilabel_margin_loss(x, lib.full((3, 4), -2)), [x]),
        (lambda: F_.multilabel_margin_loss(lib.ones(3, 4, dtype=lib.int64),
                                           lib.zeros(3, 4, dtype=lib.int64)), []),
        (lambda: F_.cosine_embedding_loss(x, x, lib.ones(3, 1)), [x]),
        (lambda: F_.cosine_embedding_loss(v, v, lib.ones(1)), [v]),
        (lambda: F_.cosine_embedding_loss(x, x, lib.tensor(1.0)), [x]),
        (lambda: F_.margin_ranking_loss(x, x, lib.ones(3)), [x]),
        (lambda: F_.multilabel_soft_margin_loss(x, x.detach(), reduction='avg'), [x]),
        (lambda: F_.triplet_margin_loss(x, v, x), [x, v]),
        (lambda: F_.triplet_margin_loss(x, x, x, margin=0), [x]),
        (lambda: nn_.TripletMarginLoss(margin=0), []),
        (lambda: nn_.TripletMarginWithDistanceLoss(margin=-1), []),
        (lambda: F_.gaussian_nll_loss(x, x, -1.0), [x]),
        (lambda: F_.gaussian_nll_loss(x, x, lib.ones(3, 2)), [x]),
        (lambda: F_.glu(lib.tensor(1.0)), []),
        (lambda: F_.glu(lib.ones(3, 5)), []),
        (lambda: F_.glu(lib.ones(3, 4, dtype=lib.int64)), []),
        (lambda: F_.rms_norm(x, 4), [x]),
        (lambda: rms(lib.ones(4, 3)), [rms]),
        (lambda: F_.rms_norm(x, (4,), lib.ones(3)), [x]),
        (lambda: F_.rms_norm(lib.ones(3, 4, dtype=lib.int64), (4,)), []),
        (lambda: F_.pixel_shuffle(lib.ones(8, 3), 2), []),
        (lambda: F_.pixel_shuffle(lib.ones(2, 8, 3, 3), 0), []),
        (lambda: F_.pixel_shuffle(lib.ones(2, 7, 3, 3), 2), []),
        (lambda: F_.pixel_unshuffle(lib.ones(4, 4), 2), []),
        (lambda: F_.pixel_unshuffle(lib.ones(2, 2, 4, 6), -1), []),
        (lambda: F_.pixel_unshuffle(lib.ones(2, 2, 5, 6), 2), []),
        (lambda: F_.pixel_unshuffle(lib.ones(2, 2, 4, 5), 2), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6), 0), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6), 2, dilation=0), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6), 2, padding=-1), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6), 2, stride=0), []),
        (lambda: F_.unfold(lib.ones(1, 1, 1, 5, 6), 2), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6), 7), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6), (2, 2, 2)), []),
        (lambda: F_.unfold(lib.ones(1, 1, 5, 6, dtype=lib.int64), 2), []),
        (lambda: F_.fold(lib.ones(1, 2, 12, 20), (5, 6), 2), []),
        (lambda: F_.fold(lib.ones(2, 11, 20), (5, 6), 2), []),
        (lambda: F_.fold(lib.ones(2, 12, 19), (5, 6), 2), []),
        (lambda: F_.fold(lib.ones(2, 9, 1), 1, 3), []),
        (lambda: F_.fold(lib.ones(2, 12, 20), (5, 6, 7), 2), []),
        (lambda: F_.fold(lib.ones(2, 12, 20, dtype=lib.int64), (5, 6), 2), []),
        (lambda: nn_.CircularPad1d(1)(lib.ones(1, 2, 3, 4)), []),
        (lambda: F_.local_response_norm(x, 2), [x]),
        (lambda: nn_.Softmax2d()(x), [x]),
        (lambda: F_.feature_alpha_dropout(v, 0.5, True), [v]),
        (lambda: F_.rrelu(x, 0.5, 0.2, True), [x]),
        (lambda: F_.rrelu(lib.ones(3, dtype=lib.int64), training=True), []),
        (lambda: F_.rrelu(lib.ones(3, dtype=lib.int64)), []),
        (lambda: F_.max_unpool2d(pooled, where, 2, output_size=(3,)), []),
        (lambda: F_.max_unpool2d(pooled, where, 2, output_size=(7, 5)), []),
        (lambda: F_.max_unpool2d(pooled, where.masked_fill(where == 10, 99), 2), []),
        (lambda: F_.max_unpool2d(pooled, where.float(), 2), []),
        (lambda: F_.max_unpool2d(pooled[0, 0], where[0, 0], 2), []),
        (lambda: F_.max_unpool2d(pooled, where[..., :1], 2), []),
        (lambda: F_.max_unpool2d(pooled.long(), where, 2), []),
        (lambda: F_.max_unpool1d(pooled[0], where[0], 2, output_size=[9]), []),
        (lambda: F_.pdist(v), [v]),
        (lambda: F_.pdist(lib.ones(3, 2, dtype=lib.int64)), []),
        (lambda: F_.pdist(x, -1), [x]),
        (lambda: F_.grid_sample(image, grid, 'linear'), [image, grid]),
        (lambda: F_.grid_sample(image, grid, padding_mode='wrap'), [image, grid]),
        (lambda: F_.grid_sample(image, grid[:1], align_corners=False), [image, grid]),
        (lambda: F_.grid_sample(image, lib.ones(2, 3, 3, 3), align_corners=False), [image]),
        (lambda: F_.grid_sample(lib.ones(2, 1, 0, 3), grid, align_corners=False), [grid]),
        (lambda: F_.grid_sample(image, grid.unsqueeze(-2), align_corners=False), [image, grid]),
        (lambda: F_.grid_sample(lib.ones(1, 1, 2, 2, 2), lib.ones(1, 1, 1, 1, 3), 'bicubic',
                                align_corners=False), []),
        (lambda: F_.grid_sample(image.long(), grid, align_corners=False), [grid]),
        (lambda: F_.grid_sample(lib.ones(1, 1, 2, 2, 2, dtype=lib.int64),
                                lib.ones(1, 1, 1, 1, 3), align_corners=False), []),
        (lambda: F_.affine_grid(theta.long(), (2, 3, 4, 5), False), [theta]),
        (lambda: F_.affine_grid(theta, (2, 3, 4, 5, 6), False), [theta]),
        (lambda: F_.affine_grid(theta, (2, 3, 4), False), [theta]),
        (lambda: F_.affine_grid(theta, (2, 3, 0, 5), False), [theta]),
        (lambda: F_.max_pool3d(volume, (2, 2)), [volume]),
        (lambda: F_.max_pool3d(volume, 2, (1, 2)), [volume]),
        (lambda: F_.max_pool3d(volume, 2, padding=(1, 1)), [volume]),
        (lambda: F_.max_pool3d(volume, 2, dilation=(1, 2)), [volume]),
        (lambda: F_.max_pool3d(volume[0, 0], 2), [volume]),
        (lambda: F_.max_pool3d(volume, 0), [volume]),
        (lambda: F_.max_pool3d(volume, 2, padding=-1), [volume]),
        (lambda: F_.max_pool3d(volume, 0, 1), [volume]),
        (lambda: F_.max_pool3d(volume, 2, dilation=0), [volume]),
        (lambda: F_.max_pool3d(lib.ones(1, 0, 2, 2, 2), 1), []),
        (lambda: F_.max_pool3d(lib.ones(1, 1, 1, 1, 1), 2), []),
        (lambda: F_.avg_pool3d(volume, (2, 2)), [volume]),
        (lambda: F_.avg_pool3d(volume, 2, (1, 2)), [volume]),
        (lambda: F_.avg_pool3d(volume, 2, padding=(1, 2)), [volume]),
        (lambda: F_.avg_pool3d(volume, 2, divisor_override=0), [volume]),
        (lambda: F_.avg_pool3d(lib.ones(1, 0, 2, 2, 2), 1), []),
        (lambda: F_.avg_pool3d(lib.ones(1, 1, 1, 1, 1), 2, padding=1), []),
        (lambda: F_.adaptive_avg_pool3d(volume[0, 0], 2), [volume]),
        (lambda: F_.adaptive_avg_pool3d(volume, (2, 2)), [volume]),
        (lambda: F_.adaptive_avg_pool3d(lib.ones(1, 1, 0, 2, 2), 2), []),
        (lambda: F_.adaptive_avg_pool3d(volume, -1), [volume]),
        (lambda: F_.adaptive_avg_pool3d(volume.long(), 2), [volume]),
        (lambda: F_.adaptive_max_pool3d(volume[0, 0], 2), [volume]),
        (lambda: F_.adaptive_max_pool3d(volume, (2, 2)), [volume]),
        (lambda: F_.adaptive_max_pool3d(lib.ones(1, 1, 0, 2, 2), 2), []),
        (lambda: F_.adaptive_max_pool3d(volume, -1), [volume]),
        (lambda: F_.adaptive_max_pool3d(volume.long(), 2), [volume]),
        (lambda: F_.conv3d(volume[0, 0], lib.ones(4, 2, 3, 3, 3)), [volume]),
        (lambda: F_.conv3d(volume, lib.ones(4, 2, 5, 3, 3)), [volume]),
        (lambda: norm3d(lib.ones(2, 3, 3, 3)), [norm3d]),
        (lambda: lib.nn.InstanceNorm3d(2)(lib.ones(2, 3, 3)), []),
    ]


ERRORS = [
    (ValueError, 'only p == 1 and p == 2 supported'),
    (ValueError, 'weight must be one-dimensional'),
    (ValueError, 'MultiMarginLoss: expected weight to be None or 1D tensor, got 2D instead'),
    (RuntimeError, 'Expected non-empty vector or matrix with optional 0-dim batch size, but '
     'got: [2, 3, 4]'),
    (RuntimeError, 'multi_margin_loss: target tensor should be 1-D with size equal to the '
     'number of input samples (batch size). Expected target size [3], but got [2]. Input has '
     'shape [3, 4].'),
    (RuntimeError, 'inconsistent weight size, expected 4 but got [3]'),
    (NotImplementedError, '"multi_margin_loss_cpu_kernel" not implemented for \'Long\''),
    (RuntimeError, 'expected scalar type Long but found Float'),
    (RuntimeError, 'expected scalar type Float but found Double'),
    (RuntimeError, 'target out of range'),
    (RuntimeError, 'inconsistent target size: [3, 3] for input of size: [3, 4]'),
    (RuntimeError, "argument #2 'target' is out of range"),
    (NotImplementedError, '"multilabel_margin_loss_forward_out_frame" not implemented for '
     "'Long'"),
    (RuntimeError, '0D or 1D target tensor expected, multi-target not supported'),
    (RuntimeError, '1D target tensor expects 2D input tensors, but found inputs with sizes [4] '
     'and [4].'),
    (RuntimeError, '0D target tensor expects 1D input tensors, but found inputs with sizes '
     '[3, 4] and [3, 4].'),
    (RuntimeError, 'margin_ranking_loss : All input tensors should have same dimension but got '
     'sizes: input1: microtorch.Size([3, 4]), input2: microtorch.Size([3, 4]), target: '
     'microtorch.Size([3]) '),
    (ValueError, 'avg is not valid'),
    (RuntimeError, 'The anchor, positive, and negative tensors are expected to have the same '
     'number of dimensions, but got: anchor 2D, positive 1D, and negative 2D inputs'),
    (ValueError, 'margin must be greater than 0, got 0'),
    (ValueError, 'TripletMarginLoss: expected margin to be greater than 0, got 0 instead'),
    (ValueError, 'TripletMarginWithDistanceLoss: expected margin to be greater than 0, got -1 '
     'instead'),
    (ValueError, 'var has negative entry/entries'),
    (ValueError, 'var is of incorrect size'),
    (RuntimeError, 'glu does not support scalars because halving size must be even'),
    (RuntimeError, 'Halving dimension must be even, but dimension 1 is size 5'),
    (NotImplementedError, '"glu_cpu" not implemented for \'Long\''),
    (TypeError, "rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, "
     'not int'),
    (RuntimeError, 'Given normalized_shape=[4], expected input with shape [*4], but got input '
     'of size[4, 3]'),
    (RuntimeError, 'Expected weight to be of same shape as normalized_shape, but got weight of '
     'shape [3] and normalized_shape = [4]'),
    (NotImplementedError, '"rms_norm" not implemented for \'Long\''),
    (RuntimeError, 'pixel_shuffle expects input to have at least 3 dimensions, but got input '
     'with 2 dimension(s)'),
    (RuntimeError, 'pixel_shuffle expects a positive upscale_factor, but got 0'),
    (RuntimeError, "pixel_shuffle expects its input's 'channel' dimension to be divisible by "
     'the square of upscale_factor, but input.size(-3)=7 is not divisible by 4'),
    (RuntimeError, 'pixel_unshuffle expects input to have at least 3 dimensions, but got input '
     'with 2 dimension(s)'),
    (RuntimeError, 'pixel_unshuffle expects a positive downscale_factor, but got -1'),
    (RuntimeError, 'pixel_unshuffle expects height to be divisible by downscale_factor, but '
     'input.size(-2)=5 is not divisible by 2'),
    (RuntimeError, 'pixel_unshuffle expects width to be divisible by downscale_factor, but '
     'input.size(-1)=5 is not divisible by 2'),
    (RuntimeError, 'kernel size should be greater than zero, but got kernel_height: 0 '
     'kernel_width: 0'),
    (RuntimeError, 'dilation should be greater than zero, but got dilation_height: 0 '
     'dilation_width: 0'),
    (RuntimeError, 'padding should be non-negative, but got pad_height: -1 pad_width: -1'),
    (RuntimeError, 'stride should be greater than zero, but got stride_height: 0 '
     'stride_width: 0'),
    (RuntimeError, 'Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other '
     'non-zero dimensions for input, but got: [1, 1, 1, 5, 6]'),
    (RuntimeError, 'Given input with spatial size (5, 6), kernel_size=(7, 7), dilation=(1, 1), '
     'padding=(0, 0), calculated shape of the array of sliding blocks as (-1, 0), but its '
     'components must be at least one.'),
    (RuntimeError, 'It is expected kernel_size equals to 2, but got size 3'),
    (NotImplementedError, '"im2col_out_cpu" not implemented for \'Long\''),
    (RuntimeError, 'Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size '
     'and non-zero dimensions for input, but got: [1, 2, 12, 20]'),
    (RuntimeError, "Expected size of input's dimension 1 to be divisible by the product of "
     'kernel_size, but got input.size(1)=11 and kernel_size=(2, 2).'),
    (RuntimeError, 'Given output_size=(5, 6), kernel_size=(2, 2), dilation=(1, 1), padding=(0, '
     "0), stride=(1, 1), expected size of input's dimension 2 to match the calculated number of "
     'sliding blocks 4 * 5 = 20, but got input.size(2)=19.'),
    (RuntimeError, 'Given output_size=(1, 1), kernel_size=(3, 3), dilation=(1, 1), padding=(0, '
     '0), stride=(1, 1), calculated shape of the array of sliding blocks as (-1, -1), which is '
     'too small (non-positive)'),
    (RuntimeError, 'It is expected output_size equals to 2, but got size 3'),
    (NotImplementedError, '"col2im_out_cpu" not implemented for \'Long\''),
    (ValueError, 'expected 2D or 3D input (got 4D input)'),
    (ValueError, 'Expected 3D or higher dimensionality                          input (got 2 '
     'dimensions)'),
    (ValueError, 'Softmax2d: expected input to be 3D or 4D, got 2D instead'),
    (RuntimeError, 'Feature dropout requires at least 2 dimensions in the input'),
    (RuntimeError, 'Lower bound should be less than or equal to the upper bound'),
    (NotImplementedError, '"rrelu_with_noise_out_cpu" not implemented for \'Long\''),
    (NotImplementedError, '"leaky_relu_cpu" not implemented for \'Long\''),
    (ValueError, "output_size should be a sequence containing 2 or 4 elements, but it has a "
     "length of '1'"),
    (ValueError, 'invalid output_size "(7, 5)" (dim 0 must be between 2 and 6)'),
    (RuntimeError, 'Found an invalid max index: 99 (output volumes are of size 4x4)'),
    (RuntimeError, 'elements in indices should be type int64 but got: Float'),
    (RuntimeError, 'Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor '
     'with 2 dimensions.'),
    (RuntimeError, 'Expected shape of indices to be same as that of the input tensor ([1, 2, 2, '
     '2]) but got indices tensor with shape: [1, 2, 2, 1]'),
    (NotImplementedError, '"max_unpool2d" not implemented for \'Long\''),
    (ValueError, 'invalid output_size "[9]" (dim 0 must be between 2 and 6)'),
    (RuntimeError, 'pdist only supports 2D tensors, got: 1D'),
    (RuntimeError, 'pdist only supports floating-point dtypes'),
    (RuntimeError, 'pdist only supports non-negative p values'),
    (ValueError, "nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or "
     "'bicubic', but got: 'linear'"),
    (ValueError, "nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', "
     "or 'reflection', but got: 'wrap'"),
    (RuntimeError, 'grid_sampler(): expected grid and input to have same batch size, but got '
     'input with sizes [2, 3, 4, 5] and grid with sizes [1, 3, 3, 2]'),
    (RuntimeError, 'grid_sampler(): expected grid to have size 2 in last dimension, but got '
     'grid with sizes [2, 3, 3, 3]'),
    (RuntimeError, 'grid_sampler(): expected input to have non-empty spatial dimensions, but '
     'input has sizes [2, 1, 0, 3] with dimension 2 being empty'),
    (RuntimeError, 'grid_sampler(): expected 4D input and grid with same number of dimensions, '
     'but got input with sizes [2, 3, 4, 5] and grid with sizes [2, 3, 3, 1, 2]'),
    (RuntimeError, 'grid_sampler(): bicubic interpolation only supports 4D input'),
    (NotImplementedError, '"grid_sampler_2d_cpu_kernel_impl" not implemented for \'Long\''),
    (NotImplementedError, '"grid_sampler3d_cpu" not implemented for \'Long\''),
    (ValueError, 'Expected theta to have floating point type, but got microtorch.int64'),
    (ValueError, 'Expected a batch of 3D affine matrices of shape Nx3x4 for size (2, 3, 4, 5, '
     '6). Got microtorch.Size([2, 2, 3]).'),
    (NotImplementedError, 'affine_grid only supports 4D and 5D sizes, for 2D and 3D affine '
     'transforms, respectively. Got size (2, 3, 4).'),
    (ValueError, 'Expected non-zero, positive output size. Got (2, 3, 0, 5)'),
    (RuntimeError, 'max_pool3d: kernel_size must either be a single int, or a tuple of three '
     'ints'),
    (RuntimeError, 'max_pool3d: stride must either be omitted, a single int, or a tuple of '
     'three ints'),
    (RuntimeError, 'max_pool3d: padding must either be a single int, or a tuple of three ints'),
    (RuntimeError, 'max_pool3d: dilation must be either a single int, or a tuple of three ints'),
    (RuntimeError, 'non-empty 4D or 5D (batch mode) tensor expected for input'),
    (RuntimeError, 'stride should not be zero'),
    (RuntimeError, 'pad must be non-negative, but got pad: -1'),
    (RuntimeError, 'kernel size should be greater than zero, but got kT: 0 kH: 0 kW: 0'),
    (RuntimeError, 'dilation should be greater than zero, but got dilationT: 0 dilationH: 0 '
     'dilationW: 0'),
    (RuntimeError, "max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch "
     'dimensions to have positive length, but input has a shape of [1, 0, 2, 2, 2] and '
     'non-batch dimension 0 has length zero!'),
    (RuntimeError, 'Given input size: (1x1x1x1). Calculated output size: (1x0x0x0). Output size '
     'is too small'),
    (RuntimeError, 'avg_pool3d: kernel_size must be a single int, or a tuple of three ints'),
    (RuntimeError, 'avg_pool3d: stride must be omitted, a single int, or a tuple of three ints'),
    (RuntimeError, 'avg_pool3d: padding must be a single int, or a tuple of three ints'),
    (RuntimeError, 'divisor must be not zero'),
    (RuntimeError, "avg_pool3d(): Expected input's non-batch dimensions to have positive "
     'length, but input has a shape of [1, 0, 2, 2, 2] and non-batch dimension 0 has length '
     'zero!'),
    (RuntimeError, 'input image (T: 1 H: 1 W: 1) smaller than kernel size (kT: 2 kH: 2 kW: 2)'),
    (RuntimeError, 'adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [4, 5, 6]'),
    (RuntimeError, 'adaptive_avg_pool3d: output_size must be 3'),
    (RuntimeError, 'adaptive_avg_pool3d(): Expected input to have non-zero size for non-batch '
     'dimensions, but input has sizes [1, 1, 0, 2, 2] with dimension 2 being empty'),
    (RuntimeError, 'adaptive_avg_pool3d: elements of output_size must be greater than or equal '
     'to 0 but received {-1, -1,-1}'),
    (NotImplementedError, '"adaptive_avg_pool3d_cpu" not implemented for \'Long\''),
    (RuntimeError, 'adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: [4, 5, 6]'),
    (RuntimeError, 'adaptive_max_pool3d(): internal error: output_size.size() must be 3'),
    (RuntimeError, 'adaptive_max_pool3d(): Expected input to have non-zero size for non-batch '
     'dimensions, but input has sizes [1, 1, 0, 2, 2] with dimension 2 being empty'),
    (RuntimeError, 'Trying to create tensor with negative dimension -1: [1, 2, -1, -1, -1]'),
    (NotImplementedError, '"adaptive_max_pool3d_cpu" not implemented for \'Long\''),
    (RuntimeError, 'Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of '
     'size: [4, 5, 6]'),
    (RuntimeError, 'Calculated padded input size per channel: (4 x 5 x 6). Kernel size: (5 x 3 '
     "x 3). Kernel size can't be greater than actual input size"),
    (ValueError, 'expected 5D input (got 4D input)'),
    (ValueError, 'expected 4D or 5D input (got 3D input)'),
]


def _state(obj):
    if isinstance(obj, microtorch.nn.Module):
        return [(k, state(v)) for k, v in obj.state_dict(keep_vars=True).items()]
    return state(obj)


def error_tests(errors, error_calls):
    """The two tests of a module's ERRORS table (pairs of type and message) and its
    error_calls(lib) (one (call, watched objects) per entry): microtorch raises each message
    and changes nothing watched; PyTorch raises the same."""
    ids = [m[:40] for _, m in errors]

    @pytest.mark.parametrize('index', range(len(errors)), ids=ids)
    def test_errors_leave_everything_as_it_was(index):
        exc, message = errors[index]
        call, watched = error_calls(microtorch)[index]
        before = [_state(obj) for obj in watched]
        with pytest.raises(exc) as info:
            call()
        assert type(info.value) is exc and str(info.value) == message
        assert [_state(obj) for obj in watched] == before

    @pytest.mark.parametrize('index', range(len(errors)), ids=ids)
    def test_errors_are_pytorchs(index, torch):
        exc, message = errors[index]
        call, _ = error_calls(torch)[index]
        with pytest.raises(exc) as info:
            call()
        assert type(info.value) is exc
        assert str(info.value).replace('torch.', 'microtorch.') == message
    return test_errors_leave_everything_as_it_was, test_errors_are_pytorchs


test_errors_leave_everything_as_it_was, test_errors_are_pytorchs = error_tests(ERRORS,
                                                                                error_calls)


def _named_outputs(lib):
    """Outputs whose grad_fn PyTorch names after the op (not after its last step)."""
    F_ = lib.nn.functional
    x = lib.ones(3, 4, requires_grad=True)
    image = lib.ones(1, 2, 4, 4, requires_grad=True)
    labels = lib.tensor([0, 3, 1])
    return {
        'soft_margin_loss': F_.soft_margin_loss(x, lib.ones(3, 4), reduction='none'),
        'multi_margin_loss': F_.multi_margin_loss(x, labels),
        'multilabel_margin_loss': F_.multilabel_margin_loss(x, lib.zeros(3, 4).long()),
        'glu': F_.glu(x), 'pixel_shuffle': F_.pixel_shuffle(image.reshape(1, 8, 2, 2), 2),
        'pixel_unshuffle': F_.pixel_unshuffle(image, 2), 'unfold': F_.unfold(image, 2),
        'fold': F_.fold(x.reshape(1, 4, 3), (2, 6), 2, stride=(1, 2)),
        'reflection_pad': lib.nn.ReflectionPad2d(1)(image),
        'replication_pad': lib.nn.ReplicationPad1d(1)(x),
        'circular_pad': lib.nn.CircularPad2d(1)(image), 'zero_pad': lib.nn.ZeroPad3d(1)(image),
        'rrelu': F_.rrelu(x, training=True), 'rrelu-eval': F_.rrelu(x),
        'max_unpool2d': F_.max_unpool2d(*F_.max_pool2d(image, 2, return_indices=True), 2),
        'pdist': F_.pdist(x),
        'affine_grid': F_.affine_grid(x.reshape(2, 2, 3), (2, 1, 2, 2), False),
        'grid_sample': F_.grid_sample(image, x[:2].reshape(1, 2, 2, 2) * 0.1,
                                      align_corners=False),
        'grid_sample-3d': F_.grid_sample(image.unsqueeze(2), x.reshape(1, 2, 2, 1, 3) * 0.1,
                                         align_corners=True),
    }


def test_node_names_match_torch(torch):
    mine, theirs = _named_outputs(microtorch), _named_outputs(torch)
    for key in mine:
        assert mine[key].grad_fn.name() == type(theirs[key].grad_fn).__name__, key


def _device_outputs(lib_device):
    """A few of each kind, on a device: their values and input gradients."""
    device = lib_device
    rng = np.random.default_rng(5)
    x = microtorch.tensor(rng.standard_normal((2, 4, 4, 4)), device=device, requires_grad=True)
    flat = x.reshape(8, 16)
    labels = microtorch.tensor([0, 3, 1, 7, 2, 12, 5, 15], device=device)
    listed = microtorch.tensor([[1, 9, -1] + [0] * 13] * 8, device=device)
    pooled, where = F.max_pool2d(x, 2, return_indices=True)
    outs = [F.multi_margin_loss(flat, labels, p=2), F.multilabel_margin_loss(flat, listed),
            F.cosine_embedding_loss(flat, flat.flip(0), microtorch.ones(8, device=device)),
            F.triplet_margin_loss(flat, flat * 2, flat.flip(1), swap=True),
            F.gaussian_nll_loss(flat, flat.flip(0), flat.exp()),
            F.poisson_nll_loss(flat, flat.exp(), full=True), F.glu(flat),
            F.rms_norm(x, (4, 4)), F.local_response_norm(x, 3), F.pixel_shuffle(x, 2),
            F.pixel_unshuffle(x, 2), F.fold(F.unfold(x, 2, padding=1), 4, 2, padding=1),
            nn.ReflectionPad2d(1)(x), nn.CircularPad3d(1)(x), F.lp_pool2d(x, 2, 2),
            F.max_unpool2d(pooled, where, 2), F.pdist(flat), F.rrelu(flat),
            nn.Softmax2d()(x)]
    grid = F.affine_grid(flat[:2, :6].reshape(2, 2, 3), (2, 4, 3, 5), False)
    outs += [F.grid_sample(x, grid, mode, padding, align_corners=corners)
             for mode in ('bilinear', 'nearest', 'bicubic')
             for padding in ('zeros', 'border', 'reflection') for corners in (False, True)]
    volume = x.unsqueeze(0)
    weight = microtorch.tensor(rng.standard_normal((3, 2, 2, 2, 2)), device=device)
    outs += [F.conv3d(volume, weight, padding=1), F.max_pool3d(volume, 2, 1, 1),
             F.max_pool3d(volume, 2, return_indices=True)[1].double(),
             F.avg_pool3d(volume, 2, 1, 1, ceil_mode=True, count_include_pad=False),
             F.adaptive_avg_pool3d(volume, (3, 2, 3)), F.adaptive_max_pool3d(volume, 3),
             nn.BatchNorm3d(2, dtype=microtorch.float64).to(device)(volume),
             nn.InstanceNorm3d(2)(volume)]
    grads = microtorch.autograd.grad(sum((o * o).sum() for o in outs), x)
    return [host(o) for o in outs] + [host(g) for g in grads]


def test_on_the_device_as_on_the_cpu(device):
    for mine, cpu in zip(_device_outputs(device), _device_outputs('cpu')):
        np.testing.assert_allclose(mine, cpu, rtol=1e-10, atol=1e-12)


def test_random_ones_on_the_device(device):
    microtorch.manual_seed(0)
    x = microtorch.randn(4, 5, 6, device=device, dtype=microtorch.float64)
    for out in (F.alpha_dropout(x, 0.3, True), F.feature_alpha_dropout(x, 0.3, True),
                F.rrelu(x, training=True), F.gumbel_softmax(x, hard=True)):
        assert out.device == x.device and out.shape == x.shape
    assert host(F.gumbel_softmax(x, hard=True).sum(-1)).tolist() == [[1.0] * 5] * 4


# ---- the top-level forms (PyTorch's signatures: a reduction is an int there) ----------------

def _top_level(lib):
    rng = np.random.default_rng(6)
    a, b, c = (lib.tensor(rng.standard_normal((3, 4))) for _ in range(3))
    signs = lib.tensor([1.0, -1.0, 1.0])
    return [
        lib.pixel_shuffle(a.reshape(1, 4, 3, 1).expand(1, 4, 3, 2), 2),
        lib.pixel_unshuffle(a.reshape(1, 1, 3, 4)[..., :2, :], 2), lib.pdist(a, 1),
        lib.rms_norm(a, [4]), lib.rrelu(a), lib.alpha_dropout(a, 0.5, False),
        lib.feature_alpha_dropout(a, 0.5, False),
        lib.cosine_embedding_loss(a, b, signs, 0.1, 0),
        lib.cosine_embedding_loss(a, b, signs), lib.hinge_embedding_loss(a, signs[:, None]),
        lib.margin_ranking_loss(a[0], b[0], signs[0], 0.2, 2), lib.triplet_margin_loss(a, b, c),
        lib.hinge_embedding_loss(a, signs[:, None], 0.5, 7),
        lib.triplet_margin_loss(a, b, c, 0.0, 1, 1e-3, True, 2),
        lib.poisson_nll_loss(a, b.exp(), True, True, 1e-8, 1),
    ]


def test_top_level_forms_match_torch(torch):
    for mine, theirs in zip(_top_level(microtorch), _top_level(torch)):
        assert tuple(mine.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(host(mine), theirs.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('call', [
    lambda lib: lib.alpha_dropout(lib.ones(2), 1.5, True),
    lambda lib: lib.feature_alpha_dropout(lib.ones(2, 2), -0.5, True),
    lambda lib: lib.cosine_embedding_loss(lib.ones(2, 3), lib.ones(2, 3), lib.ones(2), 0.0,
                                          'mean'),
])
def test_top_level_errors_match_torch(call, torch):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(type(expected.value)) as got:
        call(microtorch)
    assert str(got.value) == str(expected.value)



def test_align_corners_warning_points_at_the_caller(torch):
    for lib in (microtorch, torch):
        with pytest.warns(UserWarning) as record:
            lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 2, 2))
        with pytest.warns(UserWarning) as record_sample:
            lib.nn.functional.grid_sample(lib.ones(1, 1, 2, 2), lib.zeros(1, 1, 1, 2))
        with pytest.warns(UserWarning) as record_unit:
            lib.nn.functional.affine_grid(lib.zeros(1, 2, 3), (1, 1, 1, 2), True)
        for caught in (record, record_sample, record_unit):
            assert caught[0].filename == __file__, lib
    assert str(record[0].message).startswith('Default grid_sample and affine_grid behavior')
    assert str(record_unit[0].message).startswith('Since version 1.3.0, affine_grid behavior')



def _pool3d_indices(lib):
    x = lib.tensor(np.random.default_rng(8).standard_normal((2, 3, 5, 6, 7)))
    return [lib.nn.functional.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 1), True,
                                         True)[1],
            lib.nn.MaxPool3d(2, return_indices=True)(x[0])[1],
            lib.nn.functional.adaptive_max_pool3d(x, (2, 3, 4), True)[1],
            lib.nn.AdaptiveMaxPool3d((None, 2, 3), True)(x[0])[1]]


def test_3d_max_pool_indices_match_torch(torch):
    for mine, theirs in zip(_pool3d_indices(microtorch), _pool3d_indices(torch)):
        assert mine.dtype is microtorch.int64
        np.testing.assert_array_equal(host(mine), theirs.numpy())


def test_3d_layers_train_as_torch(torch):
    """BatchNorm3d's running statistics and a Conv3d's parameter gradients after a step."""
    results = []
    for lib in (microtorch, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Conv3d(2, 3, 2, dtype=lib.float64),
                                  lib.nn.BatchNorm3d(3, dtype=lib.float64),
                                  lib.nn.MaxPool3d(2), lib.nn.Flatten())
        _seeded(lib, model)
        x = lib.tensor(np.random.default_rng(9).standard_normal((2, 2, 5, 5, 5)))
        model(x).sum().backward()
        results.append([host(v) if lib is microtorch else v.detach().numpy()
                        for v in list(model.state_dict().values()) +
                        [p.grad for p in model.parameters()]])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_dropout3d_drops_whole_channels():
    microtorch.manual_seed(7)
    x = microtorch.ones(30, 20, 2, 2, 2)
    values = host(nn.Dropout3d(0.5).train()(x))
    per_channel = values.reshape(30, 20, -1)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    assert 0.4 < (per_channel[..., 0] == 0).mean() < 0.6
    unbatched = host(F.dropout3d(microtorch.ones(20, 2, 2, 2), 0.5)).reshape(20, -1)
    assert ((unbatched == 0).all(-1) | (unbatched == 2).all(-1)).all()


def test_dropout3d_warns_as_torch_about_other_ranks(torch):
    messages = []
    for lib in (microtorch, torch):
        with pytest.warns(UserWarning) as record:
            lib.nn.functional.dropout3d(lib.ones(2, 3, 3), 0.5)
        messages.append(str(record[0].message))
        assert record[0].filename == __file__
    assert messages[0] == messages[1]
