"""After the same seed, microtorch's random functions give PyTorch's numbers and leave the
generator in PyTorch's state (microtorch/_cpu_stream.py): one table of draws, each run in both
libraries from several seeds, compared value for value and then by the generators' states.

A row's last entry says how close the values must be: EXACT (bit for bit), NEAR where the row
also takes float32 logs (Laplace's, Gumbel's) that PyTorch computes with MKL's vector math,
or QR where LAPACK's factorisations differ. Float32 normals drawn 16 at a time are exact: see
also the tests of microtorch/_avx_mathfun.py at the end.
"""
import math

import numpy as np
import pytest

import microtorch

SEEDS = [0, 1, 42, 2 ** 32 + 7, -5]
EXACT, NEAR, QR = 'exact', 'near', 'qr'


def _arrays(x):
    """The values drawn, as a list of NumPy arrays."""
    if isinstance(x, (list, tuple)):
        return [a for v in x for a in _arrays(v)]
    return [x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)]


def _nn(L, build):
    """The parameters of a module built right after the seed, in order."""
    return [p for p in build(L).parameters()]


def _tensor_fill(method, *args, shape=(23,), dtype='float32', transpose=False):
    def draw(L):
        t = L.empty(*shape, dtype=getattr(L, dtype))
        if transpose:
            t = t.t()
        return getattr(t, method)(*args)
    return draw


# (name, draw(L) -> tensors, how close)
ROWS = [
    ('rand float32', lambda L: L.rand(3, 7), EXACT),
    ('rand float64', lambda L: L.rand(5, dtype=L.float64), EXACT),
    ('rand float16', lambda L: L.rand(40, dtype=L.float16), EXACT),
    ('rand 0-d and empty', lambda L: [L.rand(()), L.rand(0), L.rand(2)], EXACT),
    ('randn below 16 (float64 pairs, one kept)', lambda L: [L.randn(3), L.randn(1), L.randn(2)],
     EXACT),
    ('randn float64 by sixteens', lambda L: L.randn(37, dtype=L.float64), EXACT),
    ('randn float32 by sixteens', lambda L: [L.randn(16), L.randn(50), L.randn(1)], EXACT),
    ('randn float32 of many sizes', lambda L: [
        L.randn(n) for n in (16, 17, 100, 1000, 2 ** 16 + 3)], EXACT),
    ('randn float32 of 2-d shapes and randn_like', lambda L: [
        L.randn(7, 9), L.randn(3, 40, 5), L.randn_like(L.zeros(33, 2)),
        L.randn_like(L.zeros(6, 20, dtype=L.float16))], EXACT),
    ('randn float16', lambda L: [L.randn(5, dtype=L.float16),
                                 L.randn(37, dtype=L.float16)], EXACT),
    ('randn with a kept value then sixteens', lambda L: [L.randn(1), L.randn(20), L.randn(1)],
     EXACT),
    ('rand_like randn_like randint_like', lambda L: [
        L.rand_like(L.zeros(4)), L.randn_like(L.zeros(3, dtype=L.float64)),
        L.randint_like(L.zeros(5), 7)], EXACT),
    ('randint', lambda L: [L.randint(0, 10, (9,)), L.randint(-5, 5, (2, 3)), L.randint(6, (4,))],
     EXACT),
    ('randint of a range past 2^32', lambda L: L.randint(0, 2 ** 40, (5,)), EXACT),
    ('randint as float32', lambda L: L.randint(0, 100, (5,), dtype=L.float32), EXACT),
    ('randperm', lambda L: [L.randperm(1), L.randperm(2), L.randperm(10), L.randperm(1000)],
     EXACT),
    ('normal of numbers', lambda L: [L.normal(0.5, 2.0, (7,)), L.normal(-1.0, 0.3, (40,))], EXACT),
    ('normal of tensors', lambda L: [
        L.normal(L.linspace(0, 1, 20), L.full((20,), 0.5)),
        L.normal(L.zeros(5, dtype=L.float64), L.ones(5, dtype=L.float64)),
        L.normal(1.5, L.full((18,), 2.0)), L.normal(L.zeros(17), 3.0)], EXACT),
    ('uniform_ float32', _tensor_fill('uniform_', -1 / math.sqrt(5), 1 / math.sqrt(5),
                                      shape=(100,)), EXACT),
    ('uniform_ float64', _tensor_fill('uniform_', 0.1, 2.5, shape=(100,), dtype='float64'), EXACT),
    ('uniform_ float16', _tensor_fill('uniform_', -0.3, 0.7, shape=(50,), dtype='float16'), EXACT),
    ('uniform_ of a transposed view', _tensor_fill('uniform_', shape=(6, 5), transpose=True),
     EXACT),
    ('normal_ float32 with mean and std', _tensor_fill('normal_', 0.5, 2.0, shape=(40,)), EXACT),
    ('normal_ float32 of many sizes, means and stds', lambda L: [
        L.empty(n).normal_(mean, std) for n, mean, std in (
            (16, 0.0, 0.02), (17, -3.0, 1.0), (100, 1e-3, 7.5), (1000, 250.0, 1e-4),
            (2 ** 16 + 3, -0.5, 0.125))], EXACT),
    ('normal_ float64 with mean and std', _tensor_fill('normal_', -1.2, 0.3, shape=(40,),
                                                       dtype='float64'), EXACT),
    ('normal_ of a transposed view (one pair at a time)',
     _tensor_fill('normal_', shape=(6, 5), transpose=True), EXACT),
    ('log_normal_', _tensor_fill('log_normal_', 0.5, 0.75, shape=(20,), dtype='float64'), EXACT),
    ('exponential_', lambda L: [L.empty(9).exponential_(3.0),
                                L.empty(4, dtype=L.float64).exponential_()], EXACT),
    ('cauchy_', _tensor_fill('cauchy_', 1.0, 2.0, shape=(9,), dtype='float64'), EXACT),
    ('geometric_', _tensor_fill('geometric_', 0.2, shape=(30,)), EXACT),
    ('random_ with bounds', lambda L: [L.empty(6).random_(10), L.empty(6).random_(-4, 4),
                                       L.empty(3, dtype=L.int64).random_(0, 2 ** 35)], EXACT),
    ('random_ of each dtype', lambda L: [
        L.empty(5, dtype=getattr(L, name)).random_()
        for name in ('float32', 'float64', 'float16', 'int64', 'int32', 'int16', 'int8',
                     'uint8', 'bool')], EXACT),
    ('bernoulli_ of a number', _tensor_fill('bernoulli_', 0.3, shape=(50,)), EXACT),
    ('bernoulli of tensors', lambda L: [
        L.bernoulli(L.full((30,), 0.4)), L.bernoulli(L.full((30,), 0.4, dtype=L.float64)),
        L.bernoulli(L.zeros(10), 0.7), L.empty(8).bernoulli_(L.full((8,), 0.25))], EXACT),
    ('multinomial without replacement', lambda L: [
        L.multinomial(L.tensor([0.1, 0.5, 0.2, 0.2]), 3),
        L.multinomial(L.tensor([[1.0, 2, 3], [3, 0, 1]]), 2),
        L.multinomial(L.tensor([0.2, 0.5, 0.3], dtype=L.float64), 1)], EXACT),
    ('multinomial with replacement', lambda L: L.multinomial(
        L.tensor([[0.1, 0.5, 0.2, 0.2], [1.0, 2, 3, 4]]), 8, True), EXACT),
    ('dropout', lambda L: [L.nn.functional.dropout(L.ones(40), 0.3),
                           L.nn.functional.dropout(L.ones(3, 4, dtype=L.float64), 0.5),
                           L.nn.Dropout(0.1)(L.ones(20))], EXACT),
    # the mask is drawn in the input's memory order, as into PyTorch's empty_like(input)
    ('dropout of transposed and permuted inputs', lambda L: [
        L.nn.functional.dropout(L.ones(4, 3).t(), 0.5),
        L.nn.functional.dropout(L.ones(2, 3, 4, dtype=L.float64).permute(2, 0, 1), 0.3),
        L.nn.functional.dropout(L.ones(2, 3, 4, 5).permute(0, 2, 3, 1)[:, ::2], 0.5),
        L.nn.functional.dropout(L.ones(6, 1).expand(6, 4).t(), 0.5),
        L.nn.functional.alpha_dropout(L.ones(5, 4).t(), 0.2, True),
        L.nn.Dropout(0.1)(L.ones(3, 5, 8).transpose(0, 1))], EXACT),
    ('rand_like randn_like randint_like of transposed inputs', lambda L: [
        L.rand_like(L.zeros(4, 3).t()), L.randn_like(L.zeros(5, 2, dtype=L.float64).t()),
        L.randn_like(L.zeros(20, 3).t()), L.randint_like(L.zeros(3, 2, 4).permute(2, 0, 1), 9)],
     EXACT),
    ('feature and alpha dropout', lambda L: [
        L.nn.functional.dropout2d(L.ones(2, 3, 2, 2), 0.5),
        L.nn.functional.dropout1d(L.ones(2, 4, 3), 0.5),
        L.nn.functional.alpha_dropout(L.ones(10), 0.2, True),
        L.nn.functional.feature_alpha_dropout(L.ones(2, 3, 2), 0.4, True)], EXACT),
    ('rrelu in training', lambda L: L.nn.functional.rrelu(
        L.tensor([-1.0, 0.5, -0.25, 0.0, 2.0, -3.0]), training=True), EXACT),
    ('gumbel_softmax', lambda L: L.nn.functional.gumbel_softmax(L.zeros(2, 3), tau=0.5), NEAR),
    ('generators of their own', lambda L: [
        L.rand(3, generator=L.Generator().manual_seed(7)),
        L.randn(20, generator=L.Generator().manual_seed(8)),
        L.randperm(6, generator=L.Generator().manual_seed(9)), L.rand(2)], EXACT),
    ('Linear and Bilinear', lambda L: _nn(L, lambda L: L.nn.Sequential(
        L.nn.Linear(5, 3), L.nn.Bilinear(2, 3, 4))), EXACT),
    ('convolutions', lambda L: _nn(L, lambda L: L.nn.Sequential(
        L.nn.Conv1d(2, 3, 3), L.nn.Conv2d(3, 4, 3, groups=1), L.nn.Conv3d(1, 2, 2),
        L.nn.ConvTranspose2d(4, 2, 3))), EXACT),
    ('recurrent layers', lambda L: _nn(L, lambda L: L.nn.ModuleList([
        L.nn.RNN(3, 4, num_layers=2), L.nn.LSTM(3, 4, bidirectional=True),
        L.nn.GRU(2, 3, batch_first=True)])), EXACT),
    ('embeddings and attention', lambda L: _nn(L, lambda L: L.nn.ModuleList([
        L.nn.Embedding(10, 4), L.nn.MultiheadAttention(8, 2),
        L.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)])), EXACT),
    ('init functions', lambda L: [
        L.nn.init.xavier_uniform_(L.empty(4, 6)), L.nn.init.xavier_normal_(L.empty(30, 2)),
        L.nn.init.kaiming_uniform_(L.empty(3, 5)), L.nn.init.kaiming_normal_(L.empty(4, 5)),
        L.nn.init.uniform_(L.empty(5), -2, 3), L.nn.init.normal_(L.empty(5), 1.0, 0.5)], EXACT),
    ('init normals of 16 elements and more', lambda L: [
        L.nn.init.normal_(L.empty(40, 30), 0.0, 0.02), L.nn.init.normal_(L.empty(17)),
        L.nn.init.xavier_normal_(L.empty(64, 33)), L.nn.init.xavier_normal_(L.empty(8, 3, 5), 2.0),
        L.nn.init.kaiming_normal_(L.empty(128, 20)),
        L.nn.init.kaiming_normal_(L.empty(16, 4, 3, 3), mode='fan_out', nonlinearity='relu'),
        L.nn.init.kaiming_normal_(L.empty(50, 7), a=0.1, nonlinearity='leaky_relu')], EXACT),
    ('trunc_normal_ (both of its samplers)', lambda L: [
        L.nn.init.trunc_normal_(L.empty(300)),
        L.nn.init.trunc_normal_(L.empty(200), mean=0.0, std=1.0, a=1.5, b=3.0)], EXACT),
    ('orthogonal_ and sparse_', lambda L: [
        L.nn.init.orthogonal_(L.empty(4, 6)), L.nn.init.sparse_(L.empty(6, 3), 0.5)], QR),
    ('distributions', lambda L: [
        L.distributions.Normal(L.tensor([0., 1.]), L.tensor([1., 2.])).sample((10,)),
        L.distributions.Uniform(L.tensor([0., 1.]), L.tensor([1., 3.])).sample((5,)),
        L.distributions.Bernoulli(L.tensor([0.3, 0.8])).sample((6,)),
        L.distributions.Categorical(L.tensor([0.2, 0.5, 0.3])).sample((7,)),
        L.distributions.Exponential(L.tensor([1.5, 0.5])).sample((5,)),
        L.distributions.Laplace(L.tensor([0.]), L.tensor([2.])).sample((5,)),
        L.distributions.MultivariateNormal(L.zeros(2), L.eye(2)).sample((3,)),
        L.distributions.Multinomial(5, L.tensor([0.2, 0.5, 0.3])).sample((3,)),
        L.distributions.VonMises(L.tensor([0.]), L.tensor([1.])).sample((6,)),
        L.distributions.Geometric(L.tensor([0.3])).sample((5,))], NEAR),
]


def _run(lib, seed, draw):
    lib.manual_seed(seed)
    arrays = _arrays(draw(lib))
    return arrays, lib.get_rng_state().numpy()


@pytest.mark.parametrize('seed', SEEDS)
@pytest.mark.parametrize('name, draw, closeness', ROWS, ids=[row[0] for row in ROWS])
def test_draws_equal_pytorchs(torch, name, draw, closeness, seed):
    expected_arrays, expected_state = _run(torch, seed, draw)
    actual_arrays, actual_state = _run(microtorch, seed, draw)
    assert len(actual_arrays) == len(expected_arrays)
    for actual, expected in zip(actual_arrays, expected_arrays):
        assert actual.shape == expected.shape and actual.dtype == expected.dtype
        if closeness == EXACT or expected.dtype.kind != 'f':
            np.testing.assert_array_equal(actual, expected)
        elif closeness == NEAR:
            np.testing.assert_allclose(actual, expected, rtol=2e-6, atol=2e-6)
        else:
            np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(actual_state, expected_state)   # the same words consumed


def test_a_training_run_with_shuffling_and_dropout_gives_pytorchs_losses(torch):
    def run(L):
        L.manual_seed(3)
        data = L.utils.data.TensorDataset(L.randn(40, 3), L.randn(40, 1))
        loader = L.utils.data.DataLoader(data, batch_size=8, shuffle=True)
        model = L.nn.Sequential(L.nn.Linear(3, 16), L.nn.ReLU(), L.nn.Dropout(0.2),
                                L.nn.Linear(16, 1))
        optimizer = L.optim.SGD(model.parameters(), lr=0.05)
        losses = []
        for _ in range(3):
            for x, y in loader:
                loss = L.nn.functional.mse_loss(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
        return losses, L.get_rng_state().numpy()
    (expected, expected_state), (actual, actual_state) = run(torch), run(microtorch)
    np.testing.assert_allclose(actual, expected, rtol=1e-5)   # (float32 sums' order)
    np.testing.assert_array_equal(actual_state, expected_state)


@pytest.mark.parametrize('make', [
    lambda L: L.utils.data.DataLoader(range(10), batch_size=3, shuffle=True),
    lambda L: L.utils.data.DataLoader(range(10), batch_size=4, shuffle=True,
                                      generator=L.Generator().manual_seed(5)),
    lambda L: L.utils.data.DataLoader(range(7), sampler=L.utils.data.RandomSampler(
        range(7), replacement=True, num_samples=40)),
    lambda L: L.utils.data.DataLoader(range(5), sampler=L.utils.data.SubsetRandomSampler(
        [4, 3, 2, 1, 0])),
    lambda L: L.utils.data.DataLoader(range(3), sampler=L.utils.data.WeightedRandomSampler(
        [0.1, 0.9, 0.4], 6)),
], ids=['shuffle', 'generator', 'with-replacement', 'subset', 'weighted'])
def test_data_loading_orders_equal_pytorchs(torch, make):
    def epochs(L):
        L.manual_seed(11)
        loader = make(L)
        order = [[batch.tolist() for batch in loader] for _ in range(2)]
        split = [list(part) for part in L.utils.data.random_split(range(10), [3, 7])]
        return order, split, L.get_rng_state().numpy().tolist()
    assert epochs(microtorch) == epochs(torch)


def test_states_move_between_the_libraries(torch):
    torch.manual_seed(123)
    torch.randn(3)                                   # a kept normal is part of the state
    microtorch.set_rng_state(microtorch.tensor(torch.get_rng_state().numpy()))
    np.testing.assert_array_equal(microtorch.randn(5).numpy(), torch.randn(5).numpy())
    microtorch.rand(7)
    torch.set_rng_state(torch.from_numpy(microtorch.get_rng_state().numpy()))
    np.testing.assert_array_equal(microtorch.rand(4).numpy(), torch.rand(4).numpy())
    assert microtorch.initial_seed() == torch.initial_seed() == 123


def test_a_saved_state_replays_the_same_numbers():
    microtorch.manual_seed(0)
    microtorch.randn(3)
    state = microtorch.get_rng_state()
    assert state.dtype is microtorch.uint8 and state.shape == (5056,)
    first = [microtorch.randn(1).item(), microtorch.rand(2).tolist()]
    microtorch.set_rng_state(state)
    assert [microtorch.randn(1).item(), microtorch.rand(2).tolist()] == first
    generator = microtorch.Generator().manual_seed(4)
    saved = generator.get_state()
    a = microtorch.rand(3, generator=generator)
    assert microtorch.equal(microtorch.rand(3, generator=generator.set_state(saved)), a)


def test_the_default_seed_is_pytorchs(torch):
    generator, expected = microtorch.Generator(), torch.Generator()
    assert generator.initial_seed() == expected.initial_seed()
    np.testing.assert_array_equal(microtorch.rand(5, generator=generator).numpy(),
                                  torch.rand(5, generator=expected).numpy())


def test_samplers_pytorch_writes_as_rejection_loops_give_pytorchs_numbers(torch):
    """Gamma (and Beta, Dirichlet, Chi2, StudentT), Poisson and Binomial run PyTorch's
    per-element rejection loops on the same words (tests/test_rejection_samplers.py has
    the many cases): PyTorch's numbers and state."""
    def draws(L):
        L.manual_seed(9)
        return [L.distributions.Gamma(L.tensor([2.0]), L.tensor([1.0])).sample((4,)),
                L.poisson(L.tensor([1.0, 20.0])),
                L.distributions.Binomial(10, L.tensor([0.3])).sample((3,))]
    for a, b in zip(draws(torch), draws(microtorch)):
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    np.testing.assert_array_equal(microtorch.get_rng_state().numpy(),
                                  torch.get_rng_state().numpy())


def test_state_at_the_end_of_the_words(torch):
    """PyTorch's position is 0 just after seeding and 624 once all 624 words are drawn (the
    same place in NumPy's generator): both states come out as PyTorch's."""
    for L in (torch, microtorch):
        L.manual_seed(3)
        fresh = L.get_rng_state().numpy().copy()
        L.randint(0, 10, (624,))
        spent = L.get_rng_state().numpy().copy()
        if L is torch:
            expected = fresh, spent
    np.testing.assert_array_equal(fresh, expected[0])
    np.testing.assert_array_equal(spent, expected[1])
    for state in expected:
        microtorch.set_rng_state(microtorch.tensor(state))
        np.testing.assert_array_equal(microtorch.get_rng_state().numpy(), state)


def test_fork_rng_puts_the_generator_back(torch):
    def draws(L):
        L.manual_seed(2)
        with L.random.fork_rng():
            inside = L.rand(3)
        return inside, L.rand(3)
    for a, b in zip(draws(microtorch), draws(torch)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert microtorch.equal(*draws(microtorch))


# ---- PyTorch's float32 Box-Muller kernel (microtorch/_avx_mathfun.py) --------------------------

def _every_uniform():
    """All 2^24 float32 uniforms k 2^-24, as blocks of 16 that feed each one both to the log
    (first 8) and to the sincos (last 8)."""
    values = (np.arange(1 << 24, dtype=np.float32) * np.float32(2.0 ** -24)).reshape(-1, 8)
    return np.concatenate([values, values], axis=1)


def test_the_numpy_kernel_is_exact_on_every_uniform():
    """The NumPy kernels (numpy_sixteens, and few_sixteens for draws of a few blocks) round
    their fused multiply-adds from float64 (fast, not exact for every float32 operand); on all
    2^24 inputs a uniform can be they give the true FMAs' values."""
    pytest.importorskip('numba')
    from microtorch import _avx_mathfun
    blocks = _every_uniform()
    for start in range(0, len(blocks), 1 << 17):
        part = blocks[start:start + (1 << 17)]
        expected = _avx_mathfun.numba_sixteens(part).view(np.int32)
        np.testing.assert_array_equal(_avx_mathfun.numpy_sixteens(part).view(np.int32),
                                      expected)
        np.testing.assert_array_equal(_avx_mathfun.few_sixteens(part).view(np.int32),
                                      expected)


def test_the_serial_and_parallel_kernels_agree(monkeypatch):
    """numba_sixteens takes the parallel kernel from PARALLEL_FROM normals: the serial one
    gives the same bits (the exhaustive test above runs the parallel one), chunk ends and a
    last short chunk included."""
    pytest.importorskip('numba')
    from microtorch import _avx_mathfun
    blocks = _every_uniform()[::97][:100_001]
    parallel = _avx_mathfun.numba_sixteens(blocks)
    monkeypatch.setattr(_avx_mathfun, 'PARALLEL_FROM', 1 << 62)
    np.testing.assert_array_equal(_avx_mathfun.numba_sixteens(blocks).view(np.int32),
                                  parallel.view(np.int32))


def test_the_kernel_with_exact_multiply_adds_is_pytorchs(torch):
    """With microtorch._fma's exact fma (no Numba), means and stds: PyTorch's values."""
    from microtorch import _avx_mathfun
    for seed, mean, std in ((0, 0.0, 1.0), (1, 0.25, 3.0), (2, -100.0, 0.001)):
        torch.manual_seed(seed)
        uniforms = torch.rand(1 << 15).numpy()
        torch.manual_seed(seed)
        expected = torch.empty(1 << 15).normal_(mean, std).numpy()
        actual = _avx_mathfun.numpy_sixteens(uniforms.reshape(-1, 16), mean, std,
                                             fma=_avx_mathfun.fma_exact)
        np.testing.assert_array_equal(actual.view(np.int32), expected.view(np.int32))


def test_large_normals_without_numba_are_pytorchs(torch):
    from microtorch.backends import numba_dispatch
    torch.manual_seed(4)
    expected = torch.randn(3, 10000).numpy()
    with numba_dispatch.configure(enabled=False):
        microtorch.manual_seed(4)
        actual = microtorch.randn(3, 10000).numpy()
    np.testing.assert_array_equal(actual.view(np.int32), expected.view(np.int32))


def test_logf_and_sincosf_take_any_float32():
    """The Cephes functions themselves, beyond the uniforms: close to the true values, nan for
    log of 0 and below, odd sine and even cosine."""
    from microtorch import _avx_mathfun
    x = np.float32(np.random.default_rng(0).uniform(1e-30, 1e4, 10000))
    np.testing.assert_allclose(_avx_mathfun.logf(x), np.log(x.astype(np.float64)),
                               rtol=3e-7, atol=1e-7)
    assert np.isnan(_avx_mathfun.logf(np.float32([0, -1, -0.0]))).all()
    t = np.float32(np.linspace(-100, 100, 10001))
    sin, cos = _avx_mathfun.sincosf(t)
    np.testing.assert_allclose(sin, np.sin(t.astype(np.float64)), atol=3e-7)
    np.testing.assert_allclose(cos, np.cos(t.astype(np.float64)), atol=3e-7)
    np.testing.assert_array_equal(_avx_mathfun.sincosf(-t)[0], -sin)
    np.testing.assert_array_equal(_avx_mathfun.sincosf(-t)[1], cos)


_OTHER_BUILD = '''
import sys, numpy as np, torch
torch.manual_seed(9)
uniforms = torch.rand(4096).numpy()
torch.manual_seed(9)
np.save(sys.argv[1], np.stack([uniforms, torch.empty(4096).normal_(0.5, 2.0).numpy()]))
'''


@pytest.mark.parametrize('capability', ['DEFAULT', 'AVX2'])
def test_the_kernel_of_each_build_is_pytorchs(torch, tmp_path, capability):
    """PyTorch picks its kernels by ATEN_CPU_CAPABILITY: its AVX2 build runs the vector kernel
    (as AVX512 does), its DEFAULT build the scalar one with the C library's logf, sinf, cosf."""
    import os
    import subprocess
    import sys
    from microtorch import _avx_mathfun
    out = tmp_path / 'draws.npy'
    env = dict(os.environ, ATEN_CPU_CAPABILITY=capability.lower())
    subprocess.run([sys.executable, '-c', _OTHER_BUILD, str(out)], env=env, check=True)
    uniforms, expected = np.load(out)
    actual = _avx_mathfun.box_muller_sixteens(uniforms, 0.5, 2.0, capability=capability)
    np.testing.assert_array_equal(actual.view(np.int32), expected.view(np.int32))


def test_the_numba_kernel_loads_once_numpy_has_cost_as_much(torch, monkeypatch):
    """Ski rental: small draws stay in NumPy until the time spent there reaches the kernel's
    load cost, then load the kernel; the numbers are PyTorch's either way."""
    pytest.importorskip('numba')
    from microtorch import _avx_mathfun
    from microtorch.backends import numba_dispatch
    monkeypatch.setattr(_avx_mathfun, '_compiled', [])
    monkeypatch.setattr(_avx_mathfun, '_rent', [0.0])
    torch.manual_seed(5)
    expected = torch.randn(2, 32).numpy()
    with numba_dispatch.configure(enabled=True):
        microtorch.manual_seed(5)
        first = microtorch.randn(32).numpy()
        assert not _avx_mathfun._compiled and _avx_mathfun._rent[0] > 0
        _avx_mathfun._rent[0] = 1e3
        second = microtorch.randn(32).numpy()
        assert _avx_mathfun._compiled
    np.testing.assert_array_equal(np.stack([first, second]).view(np.int32),
                                  expected.view(np.int32))


@pytest.mark.parametrize('p', [0.1, 0.5, 0.0, 1.0, 1 / 3])
def test_large_bernoulli_draws_are_pytorchs_with_and_without_numba(torch, p):
    from microtorch.backends import numba_dispatch
    torch.manual_seed(11)
    theirs = torch.nn.functional.dropout(torch.ones(300, 1000), p).numpy()
    for on in (True, False):                  # (300,000 draws: Numba's compare when on)
        with numba_dispatch.configure(enabled=on):
            microtorch.manual_seed(11)
            ours = microtorch.nn.functional.dropout(microtorch.ones(300, 1000), p).numpy()
        assert np.array_equal(ours, theirs)
        assert torch.get_rng_state().numpy().tobytes() == \
            microtorch.get_rng_state().numpy().tobytes()
