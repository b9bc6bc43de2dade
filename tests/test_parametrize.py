"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm, orthogonal)
and the hook-based nn.utils.weight_norm / spectral_norm, against PyTorch: the same starting
weights (and power-iteration vectors) in both, then values, gradients, names and errors."""
import warnings

import numpy as np
import pytest

import microtorch
import microtorch.nn as nn
from microtorch.nn.utils import parametrize, parametrizations


def to_mt(t):
    return microtorch.tensor(t.detach().numpy())


def close(ours, theirs, tol=1e-10):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol,
                               atol=tol)


def copy_state(theirs, ours):
    ours.load_state_dict({k: to_mt(v) for k, v in theirs.state_dict().items()})


def pair(torch, make):
    """make(lib) in both libraries, float64, microtorch's state copied from PyTorch's."""
    torch.manual_seed(0)
    theirs, ours = make(torch).double(), make(microtorch).double()
    copy_state(theirs, ours)
    return theirs, ours


def symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).mT
    return Symmetric()


def scale(lib, factor):
    class Scale(lib.nn.Module):
        def forward(self, X):
            return X * factor

        def right_inverse(self, X):
            return X / factor
    return Scale()


def split_sum(lib):
    class SplitSum(lib.nn.Module):          # right_inverse returns two tensors
        def forward(self, A, B):
            return A + B

        def right_inverse(self, X):
            return X * 0.25, X * 0.75
    return SplitSum()


def backward_grads(module, x, names):
    module.zero_grad()
    (module(x) ** 2).sum().backward()
    return [dict(module.named_parameters())[name].grad for name in names]


def test_register_parametrization_values_names_and_grads(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(3, 3))
    for lib, module in ((torch, theirs), (microtorch, ours)):
        lib.nn.utils.parametrize.register_parametrization(module, 'weight', symmetric(lib))
    assert type(ours).__name__ == type(theirs).__name__ == 'ParametrizedLinear'
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert repr(ours) == repr(theirs)
    close(ours.weight, theirs.weight)
    assert ours.parametrizations.weight.original is ours.parametrizations['weight'].original
    x = np.random.default_rng(1).standard_normal((4, 3))
    names = ['bias', 'parametrizations.weight.original']
    for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                backward_grads(theirs, torch.tensor(x), names)):
        close(g_ours, g_theirs)
    assert parametrize.is_parametrized(ours) and parametrize.is_parametrized(ours, 'weight')
    assert not parametrize.is_parametrized(ours, 'bias')
    assert parametrize.type_before_parametrizations(ours) is nn.Linear
    assert isinstance(ours, nn.Linear)


def test_right_inverse_assignment_and_several_parametrizations(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(2, 3))
    for lib, module in ((torch, theirs), (microtorch, ours)):
        P = lib.nn.utils.parametrize
        P.register_parametrization(module, 'weight', scale(lib, 2.0))
        P.register_parametrization(module, 'weight', scale(lib, 3.0))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    close(ours.weight, theirs.weight)
    value = np.arange(6.0).reshape(3, 2)
    original = ours.parametrizations.weight.original
    ours.weight = microtorch.tensor(value)
    theirs.weight = torch.tensor(value)
    assert ours.parametrizations.weight.original is original       # the same Parameter
    close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    close(ours.weight, theirs.weight)


def test_right_inverse_with_several_tensors(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(2, 2))
    for lib, module in ((torch, theirs), (microtorch, ours)):
        lib.nn.utils.parametrize.register_parametrization(module, 'weight', split_sum(lib))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name in ('original0', 'original1'):
        close(getattr(ours.parametrizations.weight, name),
              getattr(theirs.parametrizations.weight, name))
    x = np.ones((1, 2))
    names = ['parametrizations.weight.original0', 'parametrizations.weight.original1']
    for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                backward_grads(theirs, torch.tensor(x), names)):
        close(g_ours, g_theirs)
    with pytest.raises(ValueError) as ours_error:
        parametrize.remove_parametrizations(ours, 'weight', leave_parametrized=False)
    with pytest.raises(ValueError) as theirs_error:
        torch.nn.utils.parametrize.remove_parametrizations(theirs, 'weight',
                                                           leave_parametrized=False)
    assert str(ours_error.value) == str(theirs_error.value)
    for lib, module in ((torch, theirs), (microtorch, ours)):
        lib.nn.utils.parametrize.remove_parametrizations(module, 'weight')
    close(ours.weight, theirs.weight)
    assert type(ours) is nn.Linear
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ['bias', 'weight']


@pytest.mark.parametrize('leave', [True, False])
def test_remove_parametrizations(torch, leave):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(3, 3))
    for lib, module in ((torch, theirs), (microtorch, ours)):
        lib.nn.utils.parametrize.register_parametrization(module, 'weight', symmetric(lib))
        lib.nn.utils.parametrize.remove_parametrizations(module, 'weight',
                                                         leave_parametrized=leave)
    assert type(ours) is nn.Linear and not hasattr(ours, 'parametrizations')
    assert isinstance(ours.weight, nn.Parameter)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)


def test_unsafe_and_the_checks_it_skips(torch):
    def run(lib):
        class Transpose(lib.nn.Module):
            def forward(self, X):
                return X.mT
        module = lib.nn.Linear(2, 3)
        with pytest.raises(ValueError) as error:
            lib.nn.utils.parametrize.register_parametrization(module, 'weight', Transpose())
        lib.nn.utils.parametrize.register_parametrization(module, 'weight', Transpose(),
                                                          unsafe=True)
        with pytest.raises(ValueError) as missing:
            lib.nn.utils.parametrize.register_parametrization(module, 'nothing', Transpose())
        return [str(e.value).replace('microtorch', 'torch') for e in (error, missing)] + \
            [tuple(module.weight.shape)]
    assert run(microtorch) == run(torch)


def test_cached_computes_once(torch):
    def run(lib):
        calls = []

        class Counted(lib.nn.Module):
            def forward(self, X):
                calls.append(1)
                return X * 2

        module = lib.nn.Linear(2, 2)
        lib.nn.utils.parametrize.register_parametrization(module, 'weight', Counted())
        calls.clear()
        with lib.nn.utils.parametrize.cached():
            first = module.weight
            assert module.weight is first
            module(lib.ones(1, 2))
        module.weight
        return len(calls)
    assert run(microtorch) == run(torch) == 2


# ---- weight norm ----------------------------------------------------------------------------

@pytest.mark.parametrize('dim', [0, 1, None])
def test_weight_norm_parametrization(torch, dim):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(3, 4))
    theirs = torch.nn.utils.parametrizations.weight_norm(theirs, dim=dim)
    ours = parametrizations.weight_norm(ours, dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for name in ('original0', 'original1'):
        assert getattr(ours.parametrizations.weight, name).shape == \
            getattr(theirs.parametrizations.weight, name).shape
    copy_state(theirs, ours)
    close(ours.weight, theirs.weight)
    x = np.random.default_rng(2).standard_normal((5, 3))
    names = ['bias', 'parametrizations.weight.original0', 'parametrizations.weight.original1']
    for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                backward_grads(theirs, torch.tensor(x), names)):
        close(g_ours, g_theirs)


def test_weight_norm_loads_legacy_keys(torch):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', FutureWarning)
        legacy = torch.nn.utils.weight_norm(torch.nn.Linear(3, 2).double())
    ours = parametrizations.weight_norm(nn.Linear(3, 2).double())
    ours.load_state_dict({k: to_mt(v) for k, v in legacy.state_dict().items()})
    close(ours.weight, legacy.weight)


# ---- spectral norm --------------------------------------------------------------------------

def copy_vectors(theirs, ours):
    for name in ('_u', '_v'):
        setattr(ours.parametrizations.weight[0], name,
                to_mt(getattr(theirs.parametrizations.weight[0], name)))


@pytest.mark.parametrize('iterations,eps', [(1, 1e-12), (3, 1e-4)])
def test_spectral_norm_parametrization(torch, iterations, eps):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(4, 3))
    theirs = torch.nn.utils.parametrizations.spectral_norm(theirs, n_power_iterations=iterations,
                                                          eps=eps)
    ours = parametrizations.spectral_norm(ours, n_power_iterations=iterations, eps=eps)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    copy_vectors(theirs, ours)
    x = np.random.default_rng(3).standard_normal((2, 4))
    names = ['bias', 'parametrizations.weight.original']
    for _ in range(3):                    # each forward in training mode iterates
        for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                    backward_grads(theirs, torch.tensor(x), names)):
            close(g_ours, g_theirs)
        close(ours.parametrizations.weight[0]._u, theirs.parametrizations.weight[0]._u)
        close(ours.parametrizations.weight[0]._v, theirs.parametrizations.weight[0]._v)
    ours.eval()
    theirs.eval()
    u_before = ours.parametrizations.weight[0]._u.clone()
    close(ours.weight, theirs.weight)
    assert microtorch.equal(ours.parametrizations.weight[0]._u, u_before)


def test_spectral_norm_of_a_transposed_convolution_uses_dim_1(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.ConvTranspose2d(2, 3, 2))
    theirs = torch.nn.utils.parametrizations.spectral_norm(theirs)
    ours = parametrizations.spectral_norm(ours)
    assert ours.parametrizations.weight[0].dim == theirs.parametrizations.weight[0].dim == 1
    assert ours.parametrizations.weight[0]._u.shape == theirs.parametrizations.weight[0]._u.shape
    copy_vectors(theirs, ours)
    close(ours.weight, theirs.weight)


def test_spectral_norm_errors(torch):
    def run(lib):
        messages = []
        for call in (lambda: lib.nn.utils.parametrizations.spectral_norm(
                         lib.nn.Linear(2, 2), n_power_iterations=0),
                     lambda: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2),
                                                                         dim=2),
                     lambda: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2),
                                                                         name='nothing')):
            with pytest.raises((ValueError, IndexError)) as error:
                call()
            messages.append((type(error.value).__name__,
                             str(error.value).replace('microtorch', 'torch')))
        return messages
    assert run(microtorch) == run(torch)


# ---- orthogonal -----------------------------------------------------------------------------

@pytest.mark.parametrize('shape,orthogonal_map', [((3, 3), None), ((3, 3), 'cayley'),
                                                  ((4, 2), None), ((2, 4), 'matrix_exp'),
                                                  ((3, 3), 'householder')])
def test_orthogonal(torch, shape, orthogonal_map):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(shape[1], shape[0]))
    theirs = torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map=orthogonal_map)
    ours = parametrizations.orthogonal(ours, orthogonal_map=orthogonal_map)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if shape[0] == shape[1]:          # no random completion: the same base from the same weight
        close(ours.weight, theirs.weight, 1e-9)
    w = ours.weight.detach()
    small = min(shape)
    eye = np.eye(small)
    gram = (w @ w.mT if shape[0] < shape[1] else w.mT @ w).numpy()
    np.testing.assert_allclose(gram, eye, atol=1e-12)
    # away from the starting point: the same stored tensor and base in both
    rng = np.random.default_rng(4)
    start = theirs.parametrizations.weight.original
    with torch.no_grad():
        start.copy_(torch.tensor(rng.standard_normal(tuple(start.shape)) * 0.3))
    copy_state(theirs, ours)
    close(ours.weight, theirs.weight, 1e-9)
    x = rng.standard_normal((2, shape[1]))
    names = ['parametrizations.weight.original']
    for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                backward_grads(theirs, torch.tensor(x), names)):
        close(g_ours, g_theirs, 1e-9)


def test_orthogonal_errors(torch):
    def run(lib):
        messages = []
        for call in (lambda: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(2, 2),
                                                                      orthogonal_map='x'),
                     lambda: lib.nn.utils.parametrizations.orthogonal(lib.nn.LayerNorm(2))):
            with pytest.raises(ValueError) as error:
                call()
            messages.append(str(error.value))
        return messages
    assert run(microtorch) == run(torch)


# ---- the hook-based weight_norm and spectral_norm --------------------------------------------

def test_legacy_weight_norm(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(3, 2))
    with pytest.warns(FutureWarning):
        theirs = torch.nn.utils.weight_norm(theirs)
    with pytest.warns(FutureWarning):
        ours = nn.utils.weight_norm(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ['bias', 'weight_g',
                                                                      'weight_v']
    assert 'weight' not in ours._parameters
    x = np.ones((2, 3))
    names = ['bias', 'weight_g', 'weight_v']
    for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                backward_grads(theirs, torch.tensor(x), names)):
        close(g_ours, g_theirs)
    with pytest.raises(RuntimeError) as error, pytest.warns(FutureWarning):
        nn.utils.weight_norm(ours)
    assert str(error.value) == 'Cannot register two weight_norm hooks on the same parameter weight'
    torch.nn.utils.remove_weight_norm(theirs)
    nn.utils.remove_weight_norm(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.weight, theirs.weight)
    with pytest.raises(ValueError) as error:
        nn.utils.remove_weight_norm(ours)
    assert str(error.value).startswith("weight_norm of 'weight' not found in Linear(")


def test_legacy_spectral_norm(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(3, 4))
    theirs = torch.nn.utils.spectral_norm(theirs, n_power_iterations=2)
    ours = nn.utils.spectral_norm(ours, n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.state_dict()) == ['bias', 'weight_orig', 'weight_u', 'weight_v']
    copy_state(theirs, ours)
    x = np.ones((2, 3))
    names = ['bias', 'weight_orig']
    for _ in range(2):
        for g_ours, g_theirs in zip(backward_grads(ours, microtorch.tensor(x), names),
                                    backward_grads(theirs, torch.tensor(x), names)):
            close(g_ours, g_theirs)
        close(ours.weight_u, theirs.weight_u)
        close(ours.weight, theirs.weight)
    torch.nn.utils.remove_spectral_norm(theirs)
    nn.utils.remove_spectral_norm(ours)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ['bias', 'weight']
    close(ours.weight, theirs.weight)


@pytest.mark.parametrize('shape', [(3, 3), (4, 2), (2, 4)])
def test_orthogonal_householder_without_trivialization(torch, shape):
    """The stored tensor is geqrf's packed reflectors (R's diagonal made signs): the same in
    both, and so are the weight and its gradient."""
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(shape[1], shape[0]))
    torch.nn.utils.parametrizations.orthogonal(theirs, orthogonal_map='householder',
                                               use_trivialization=False)
    parametrizations.orthogonal(ours, orthogonal_map='householder', use_trivialization=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    close(ours.parametrizations.weight.original, theirs.parametrizations.weight.original)
    close(ours.weight, theirs.weight)
    theirs.weight.sin().sum().backward()
    ours.weight.sin().sum().backward()
    close(ours.parametrizations.weight.original.grad,
          theirs.parametrizations.weight.original.grad)


def test_orthogonal_matrix_exp_without_trivialization(torch):
    theirs, ours = pair(torch, lambda lib: lib.nn.Linear(3, 3))
    messages = []
    for lib, module in ((torch, theirs), (microtorch, ours)):
        lib.nn.utils.parametrizations.orthogonal(module, use_trivialization=False)
        with pytest.raises(NotImplementedError) as error:
            module.weight = lib.eye(3, dtype=lib.float64)
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    close(ours.weight, theirs.weight)
