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
    ]


# the settings each module keeps, by PyTorch's attribute names
SETTINGS = ('reduction', 'margin', 'p', 'eps', 'swap', 'full', 'log_input')


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
