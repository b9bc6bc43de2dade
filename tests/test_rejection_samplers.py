"""The samplers PyTorch writes as per-element rejection loops (microtorch/_rejection_samplers.py)
give PyTorch's numbers after the same seed, bit for bit, and leave the generator in PyTorch's
state: gamma (alpha below 1, at 1, large), Dirichlet, Poisson (rate 0, small, 10 and up,
large), binomial (inversion and BTRS, p above 1/2, the edge cases), in float32 and float64,
over several seeds and shapes; then each distribution's sample after the same seed."""
import numpy as np
import pytest

import microtorch

SEEDS = [0, 1, 7, 42, 2 ** 32 + 3]
DTYPES = ['float32', 'float64']

ALPHAS = {
    'below one': [0.0, 1e-3, 0.05, 0.3, 0.5, 0.999],
    'one': [1.0, 1.0, 1.0],
    'mixed': [0.2, 1.0, 2.5, 7.0, 0.7, 30.0],
    'large': [50.0, 1e3, 1e6],
}
RATES = {
    'zero': [0.0, 0.0],
    'small': [1e-4, 0.1, 1.0, 4.5, 9.999],
    'ten and up': [10.0, 12.5, 30.0, 99.0],
    'large': [1e3, 1e5, 1e8],
}
# (counts, probabilities): inversion (count p < 10), BTRS (count p >= 10), p > 1/2 for both,
# and the edges (count 0 or below, p 0, 1 or NaN, a count that is not whole)
BINOMIAL = {
    'inversion': ([5.0, 20.0, 1.0, 99.0, 3.0], [0.1, 0.3, 0.5, 0.05, 0.45]),
    'btrs': ([100.0, 1e3, 40.0, 1e6, 25.0], [0.2, 0.5, 0.3, 1e-3, 0.4]),
    'p above a half': ([5.0, 100.0, 1e3, 30.0, 12.0], [0.9, 0.7, 0.51, 0.95, 0.6]),
    'edges': ([0.0, -3.0, 10.0, 10.0, 10.0, 7.5, 100.0],
              [0.5, 0.5, 0.0, 1.0, float('nan'), 0.3, 0.8]),
}
SHAPES = [(5,), (3, 4), (2, 1, 3)]


def _same(torch, t, m):
    np.testing.assert_array_equal(m.detach().cpu().numpy(), t.detach().numpy())
    np.testing.assert_array_equal(microtorch.get_rng_state().numpy(),
                                  torch.get_rng_state().numpy())


def _both(torch, seed, draw):
    torch.manual_seed(seed)
    expected = draw(torch)
    microtorch.manual_seed(seed)
    return expected, draw(microtorch)


def _tiled(values, shape):
    """values repeated to fill shape (in order), so each shape sees every value."""
    n = int(np.prod(shape))
    return np.resize(np.asarray(values, np.float64), n).reshape(shape)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('kind', list(ALPHAS))
@pytest.mark.parametrize('shape', SHAPES)
def test_standard_gamma(torch, dtype, kind, shape):
    alphas = _tiled(ALPHAS[kind], shape)
    for seed in SEEDS:
        t, m = _both(torch, seed, lambda L: L._standard_gamma(
            L.tensor(alphas, dtype=getattr(L, dtype))))
        _same(torch, t, m)


def test_standard_gamma_uses_the_kept_normal(torch):
    """A normal kept from before (randn(1) keeps one) is the gamma's first normal."""
    for seed in SEEDS:
        t, m = _both(torch, seed, lambda L: [L.randn(1, dtype=L.float64),
                                             L._standard_gamma(L.tensor([2.0, 0.4])),
                                             L.randn(3, dtype=L.float64)])
        for a, b in zip(t, m):
            _same(torch, a, b)


def test_standard_gamma_of_a_transposed_tensor_draws_in_logical_order(torch):
    alphas = np.linspace(0.2, 9.0, 12).reshape(3, 4)
    for seed in SEEDS:
        t, m = _both(torch, seed, lambda L: L._standard_gamma(L.tensor(alphas).t()))
        _same(torch, t, m)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('categories', [1, 2, 3, 5, 8, 19, 70])
def test_sample_dirichlet(torch, dtype, categories):
    concentrations = _tiled([0.3, 1.0, 2.5, 0.05, 12.0, 0.8, 4.0], (3, categories))
    for seed in SEEDS:
        t, m = _both(torch, seed, lambda L: L._sample_dirichlet(
            L.tensor(concentrations, dtype=getattr(L, dtype))))
        _same(torch, t, m)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('kind', list(RATES))
@pytest.mark.parametrize('shape', SHAPES)
def test_poisson(torch, dtype, kind, shape):
    rates = _tiled(RATES[kind], shape)
    for seed in SEEDS:
        t, m = _both(torch, seed, lambda L: L.poisson(L.tensor(rates, dtype=getattr(L, dtype))))
        _same(torch, t, m)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('kind', list(BINOMIAL))
@pytest.mark.parametrize('shape', SHAPES)
def test_binomial(torch, dtype, kind, shape):
    counts, probabilities = (_tiled(v, shape) for v in BINOMIAL[kind])
    for seed in SEEDS:
        t, m = _both(torch, seed, lambda L: L.binomial(
            L.tensor(counts, dtype=getattr(L, dtype)),
            L.tensor(probabilities, dtype=getattr(L, dtype))))
        _same(torch, t, m)


def test_binomial_broadcasts_and_takes_a_generator(torch):
    def draw(L):
        generator = L.Generator().manual_seed(5)
        return [L.binomial(L.tensor([30.0, 2.0]), L.tensor([[0.5], [0.9]])),
                L.binomial(L.tensor([40.0]), L.tensor([0.4]), generator=generator)]
    for seed in SEEDS:
        t, m = _both(torch, seed, draw)
        for a, b in zip(t, m):
            _same(torch, a, b)


def test_many_draws_in_one_call(torch):
    """A few thousand elements of each, across the ranges at once."""
    rng = np.random.default_rng(3)
    alphas = rng.uniform(0, 4, 2000) ** 2
    rates = rng.uniform(0, 6, 2000) ** 2
    counts = np.floor(rng.uniform(0, 200, 2000))
    probabilities = rng.uniform(0, 1, 2000)
    t, m = _both(torch, 11, lambda L: [
        L._standard_gamma(L.tensor(alphas, dtype=L.float32)),
        L._standard_gamma(L.tensor(alphas)), L.poisson(L.tensor(rates, dtype=L.float32)),
        L.binomial(L.tensor(counts), L.tensor(probabilities)),
        L.binomial(L.tensor(counts, dtype=L.float32), L.tensor(probabilities,
                                                               dtype=L.float32))])
    for a, b in zip(t, m):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    _same(torch, t[0], m[0])


def _samples(L):
    """Each distribution's sample, drawn one after another after the seed."""
    D = L.distributions
    f32 = L.tensor
    return [
        D.Gamma(f32([0.5, 3.0, 40.0]), f32([2.0, 1.0, 0.5])).rsample((4,)),
        D.Gamma(f32([0.5], dtype=L.float64), f32([2.0], dtype=L.float64)).sample((3,)),
        D.Chi2(f32([0.7, 3.0])).sample((5,)),
        # (float32 normals 16 at a time agree with PyTorch's within 5e-7 only, not bit for
        # bit (tests/test_random_stream.py): fewer float32 elements, many float64 ones)
        D.StudentT(f32([3.0, 0.8]), f32([1.0, -2.0]), f32([0.5, 2.0])).rsample((7,)),
        D.StudentT(f32([3.0, 0.8], dtype=L.float64), 1.0, 2.0).rsample((20,)),
        D.FisherSnedecor(f32([3.0, 0.5]), f32([5.0, 12.0])).rsample((6,)),
        D.InverseGamma(f32([3.0, 0.4]), f32([5.0, 1.0])).rsample((4,)),
        D.Dirichlet(f32([0.5, 1.0, 3.0])).rsample((5,)),
        D.Dirichlet(f32([[0.1, 0.2], [4.0, 9.0]], dtype=L.float64)).sample(),
        D.Beta(f32([0.5, 3.0]), f32([2.0, 0.3])).rsample((4,)),
        D.Beta(0.5, 2.0).sample((3,)),
        D.Kumaraswamy(f32([0.5]), f32([2.0])).sample((2,)),
        D.Poisson(f32([0.0, 3.0, 30.0, 400.0])).sample((3,)),
        D.NegativeBinomial(f32([3.0, 0.5]), f32([0.4, 0.9])).sample((4,)),
        D.NegativeBinomial(f32([2.0]), logits=f32([1.5])).sample((2,)),
        D.Binomial(f32([10.0, 50.0, 0.0]), f32([0.2, 0.8, 0.5])).sample((4,)),
        D.Binomial(100, logits=f32([-0.3, 2.0])).sample((3,)),
        D.Multinomial(10, f32([0.2, 0.8])).sample((2,)),
    ]


def test_distributions_sample_as_pytorch(torch):
    for seed in SEEDS:
        t, m = _both(torch, seed, _samples)
        for index, (a, b) in enumerate(zip(t, m)):
            assert b.dtype == getattr(microtorch, str(a.dtype).split('.')[-1]), index
            np.testing.assert_array_equal(b.detach().numpy(), a.detach().numpy(),
                                          err_msg=f'sample {index}, seed {seed}')
        _same(torch, t[-1], m[-1])


def test_gradients_still_flow_through_the_draws():
    """rsample's gradients are the implicit ones, as before (finite, of the right shape)."""
    D = microtorch.distributions
    microtorch.manual_seed(0)
    concentration = microtorch.tensor([0.5, 2.0, 4.0], requires_grad=True)
    rate = microtorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (D.Gamma(concentration, rate).rsample((3,)).sum()
     + (D.Dirichlet(concentration).rsample((2,)) * microtorch.tensor([1.0, 2.0, 3.0])).sum()
     + D.Beta(concentration, rate).rsample().sum()).backward()
    for parameter in (concentration, rate):
        assert parameter.grad.shape == (3,)
        assert bool(microtorch.isfinite(parameter.grad).all())
    assert D.Dirichlet(concentration).rsample().grad_fn.name() == '_DirichletBackward'


def test_dirichlet_gradient_is_the_gamma_draws_through_their_sum():
    """d x / d alpha through the division, from the gammas' implicit gradient: the
    gradient of sum_j c_j x_j equals (autograd through standard_gamma / sum) for the same
    gammas."""
    from microtorch.distributions.gamma_functions import standard_gamma
    concentration = microtorch.tensor([0.5, 2.0, 4.0], dtype=microtorch.float64,
                                      requires_grad=True)
    weights = microtorch.tensor([1.0, -2.0, 3.0], dtype=microtorch.float64)
    microtorch.manual_seed(3)
    x = microtorch.distributions.Dirichlet(concentration).rsample()
    (grad,) = microtorch.autograd.grad((x * weights).sum(), concentration)
    microtorch.manual_seed(3)
    gammas = standard_gamma(concentration)              # the same draws, in float64
    (expected,) = microtorch.autograd.grad((gammas / gammas.sum() * weights).sum(),
                                           concentration)
    np.testing.assert_allclose(grad.numpy(), expected.numpy(), rtol=1e-12)
