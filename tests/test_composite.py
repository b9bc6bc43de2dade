"""ops/composite.py and sampling.py beyond the op table: nan and inf handling with its
gradients, more einsum equations, and the samplers (shapes, dtypes, reproducibility, their
distributions' moments, in-place fills and the graph) against PyTorch where it is installed."""
import numpy as np
import pytest

import microtorch as mt

SPECIAL = np.array([[1.5, np.nan, np.inf], [-np.inf, -2.0, 0.0]])


@pytest.mark.parametrize('call', [
    lambda lib, x: lib.nan_to_num(x),
    lambda lib, x: x.nan_to_num(nan=1.0, posinf=7.0, neginf=-7.0),
    lambda lib, x: lib.nansum(lib.where(lib.isinf(x), 0.0, x), 1),
    lambda lib, x: lib.nanmean(lib.where(lib.isinf(x), 0.0, x), 0, keepdim=True),
    lambda lib, x: lib.nanmean(lib.where(lib.isnan(x), 0.0, x) * lib.nan, 1),   # all nan
], ids=['nan_to_num', 'nan_to_num-values', 'nansum', 'nanmean', 'nanmean-all-nan'])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_nan_handling_matches_torch(call, dtype, torch):
    mine = mt.tensor(SPECIAL.astype(dtype), requires_grad=True)
    theirs = torch.tensor(SPECIAL.astype(dtype), requires_grad=True)
    got, want = call(mt, mine), call(torch, theirs)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-6)
    assert str(got.dtype).split('.')[-1] == str(want.dtype).split('.')[-1]
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


def test_nan_to_num_default_limits_are_the_dtypes():
    x = mt.tensor([np.inf, -np.inf])
    assert x.nan_to_num().tolist() == [mt.finfo(mt.float32).max, mt.finfo(mt.float32).min]
    x.nan_to_num_(posinf=1.0, neginf=-1.0)
    assert x.tolist() == [1.0, -1.0] and x._version == 1


EQUATIONS = [('ij,jk->ik', [(2, 3), (3, 4)]), ('bij,bjk->bik', [(1, 2, 3), (4, 3, 5)]),
             ('i,i->', [(3,), (3,)]), ('i,j->ji', [(3,), (2,)]), ('ii', [(3, 3)]),
             ('ii->i', [(3, 3)]), ('bii->b', [(2, 3, 3)]), ('ij->', [(2, 3)]),
             ('ij,ij,ij->i', [(2, 3), (2, 3), (2, 3)]), ('...j,j->...', [(2, 4, 3), (3,)]),
             ('a...,a...->...', [(2, 3), (2, 1)]), ('i j , j k', [(2, 3), (3, 2)]),
             ('ijk,ikl,ilm->jm', [(2, 3, 4), (2, 4, 5), (2, 5, 3)]),
             ('ij,kl->ijkl', [(2, 1), (1, 3)]), ('iij->j', [(2, 2, 3)])]


@pytest.mark.parametrize('equation,shapes', EQUATIONS, ids=[e for e, _ in EQUATIONS])
def test_einsum_matches_torch(equation, shapes, torch):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in shapes]
    mine = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    got, want = mt.einsum(equation, *mine), torch.einsum(equation, *theirs)
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    seed = rng.standard_normal(tuple(want.shape))
    got.backward(mt.tensor(seed))
    want.backward(torch.tensor(seed))
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_finfo_and_iinfo_match_torch(torch):
    for name in ('float32', 'float64'):
        mine, theirs = mt.finfo(getattr(mt, name)), torch.finfo(getattr(torch, name))
        for field in ('bits', 'eps', 'max', 'min', 'tiny', 'resolution', 'smallest_normal'):
            assert getattr(mine, field) == getattr(theirs, field), (name, field)
        assert repr(mine) == repr(theirs)
    for name in ('int32', 'int64'):
        mine, theirs = mt.iinfo(getattr(mt, name)), torch.iinfo(getattr(torch, name))
        assert (mine.bits, mine.max, mine.min) == (theirs.bits, theirs.max, theirs.min)
    assert mt.finfo().eps == torch.finfo().eps


# ---- sampling ---------------------------------------------------------------------------------

def test_samplers_give_torchs_shapes_and_dtypes(torch):
    for call in (lambda lib: lib.normal(0.0, 1.0, (2, 3)),
                 lambda lib: lib.normal(lib.zeros(2, 1, dtype=lib.float64), lib.ones(3)),
                 lambda lib: lib.normal(1.0, lib.ones(4)),
                 lambda lib: lib.bernoulli(lib.full((3,), 0.5)),
                 lambda lib: lib.ones(2, dtype=lib.int64).bernoulli_(0.5),
                 lambda lib: lib.multinomial(lib.tensor([1.0, 2.0]), 3, replacement=True),
                 lambda lib: lib.multinomial(lib.ones(2, 4), 2),
                 lambda lib: lib.poisson(lib.ones(3, dtype=lib.float64)),
                 lambda lib: lib.zeros(3).random_(5),
                 lambda lib: lib.zeros(3, dtype=lib.int32).random_(2, 9)):
        got, want = call(mt), call(torch)
        assert tuple(got.shape) == tuple(want.shape)
        assert str(got.dtype).split('.')[-1] == str(want.dtype).split('.')[-1]
        assert not got.requires_grad


def test_samplers_are_reproducible_and_follow_their_generator():
    draws = []
    for _ in range(2):
        mt.manual_seed(5)
        draws.append([mt.normal(0.0, 1.0, (4,)).tolist(), mt.ones(4).uniform_().tolist(),
                      mt.multinomial(mt.ones(5), 3).tolist()])
    assert draws[0] == draws[1]
    gen = mt.Generator().manual_seed(1)
    a = mt.empty(3).normal_(generator=gen).tolist()
    b = mt.empty(3).normal_(generator=mt.Generator().manual_seed(1)).tolist()
    assert a == b


@pytest.mark.parametrize('fill,mean,var', [
    (lambda t: t.uniform_(-1, 3), 1.0, 16 / 12),
    (lambda t: t.normal_(2.0, 0.5), 2.0, 0.25),
    (lambda t: t.exponential_(4.0), 0.25, 1 / 16),
    (lambda t: t.geometric_(0.25), 4.0, 0.75 / 0.0625),
    (lambda t: t.log_normal_(0.0, 0.5), np.exp(0.125), (np.exp(0.25) - 1) * np.exp(0.25)),
    (lambda t: t.bernoulli_(0.3), 0.3, 0.21),
    (lambda t: t.random_(0, 10), 4.5, 99 / 12),
], ids=['uniform', 'normal', 'exponential', 'geometric', 'log_normal', 'bernoulli', 'random'])
def test_fills_draw_from_their_distribution(fill, mean, var):
    mt.manual_seed(0)
    t = mt.empty(200_000, dtype=mt.float64)
    assert fill(t) is t and t._version == 1
    values = t.numpy()
    assert abs(values.mean() - mean) < 5 * np.sqrt(var / values.size)
    assert abs(values.var() / var - 1) < 0.05


def test_multinomial_without_replacement_draws_distinct_in_proportion():
    mt.manual_seed(0)
    weights = mt.tensor([1.0, 0.0, 3.0, 6.0])
    firsts = np.array([mt.multinomial(weights, 3).tolist() for _ in range(3000)])
    assert all(len(set(row)) == 3 and 1 not in row for row in firsts)
    share = np.bincount(firsts[:, 0], minlength=4) / len(firsts)
    np.testing.assert_allclose(share, [0.1, 0.0, 0.3, 0.6], atol=0.03)
    with_replacement = mt.multinomial(weights, 20_000, replacement=True).numpy()
    np.testing.assert_allclose(np.bincount(with_replacement, minlength=4) / 20_000,
                               [0.1, 0.0, 0.3, 0.6], atol=0.015)


def test_normal_with_tensor_arguments_broadcasts_them():
    mt.manual_seed(0)
    out = mt.normal(mt.tensor([[0.0], [100.0]]), mt.tensor([1.0, 0.0, 2.0]).expand(5000, 2, 3)
                    [0])
    assert out.shape == (2, 3)
    assert (out[:, 1] == mt.tensor([0.0, 100.0])).all()          # std 0: the mean itself


def test_in_place_fill_of_a_parameter_under_no_grad_keeps_it_a_leaf():
    p = mt.nn.Parameter(mt.zeros(3))
    with mt.no_grad():
        p.uniform_(0.5, 1.0)
    assert p.is_leaf and p.requires_grad and ((p >= 0.5) & (p < 1.0)).all()


def test_sampler_shapes_and_dtypes_at_the_edges(torch):
    """0-d probabilities and rates, and a batch of no rows, as PyTorch's shapes and dtypes."""
    for call in (lambda lib: lib.bernoulli(lib.tensor(0.5)),
                 lambda lib: lib.poisson(lib.tensor(2.0, dtype=lib.float64)),
                 lambda lib: lib.multinomial(lib.ones(0, 3), 2, True),
                 lambda lib: lib.bernoulli(lib.ones(2, dtype=lib.int64), 0.5)):
        mine, theirs = call(mt), call(torch)
        assert tuple(mine.shape) == tuple(theirs.shape)
        assert str(mine.dtype).split('.')[-1] == str(theirs.dtype).split('.')[-1]
