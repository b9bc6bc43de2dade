"""microtorch.utils.checkpoint: values and gradients equal to running without checkpoint
(dropout included: the random state is replayed), and against PyTorch."""
import warnings

import numpy as np
import pytest

import microtorch
from microtorch.utils.checkpoint import checkpoint


def net(lib, p=0.5):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.Tanh(), lib.nn.Dropout(p),
                             lib.nn.Linear(5, 3)).double()


X = np.random.default_rng(0).standard_normal((6, 4))


def grads_of(model, run):
    """run(x) -> output; the output, and the grads of the parameters and of x after
    backward of sum(output ** 2)."""
    model.zero_grad()
    x = microtorch.tensor(X, requires_grad=True)
    out = run(x * 2)                        # a non-leaf input, as activations are
    (out ** 2).sum().backward()
    return [out.detach().numpy()] + [p.grad.numpy().copy() for p in model.parameters()] + \
        [x.grad.numpy()]


def assert_all_close(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('reentrant', [True, False])
def test_checkpoint_replays_dropout_and_matches_plain_backward(reentrant):
    model = net(microtorch)

    def checkpointed(x):
        microtorch.manual_seed(7)
        return checkpoint(model, x, use_reentrant=reentrant)

    def plain(x):
        microtorch.manual_seed(7)
        return model(x)
    assert_all_close(grads_of(model, checkpointed), grads_of(model, plain))


@pytest.mark.parametrize('reentrant', [True, False])
def test_without_preserved_rng_state_dropout_draws_again(reentrant):
    model = net(microtorch, p=0.5)
    x = microtorch.tensor(X, requires_grad=True)
    microtorch.manual_seed(7)
    out = checkpoint(model, x, use_reentrant=reentrant, preserve_rng_state=False)
    out.sum().backward()
    model.zero_grad()
    microtorch.manual_seed(7)
    model(x).sum().backward()
    plain = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    microtorch.manual_seed(7)
    checkpoint(model, x, use_reentrant=reentrant, preserve_rng_state=False).sum().backward()
    again = [p.grad.numpy() for p in model.parameters()]
    assert not all(np.allclose(a, b) for a, b in zip(again, plain))


@pytest.mark.parametrize('reentrant', [True, False])
def test_checkpoint_sequential_against_torch(torch, reentrant):
    theirs, ours = net(torch).eval(), net(microtorch).eval()
    ours.load_state_dict({k: microtorch.tensor(v.numpy())
                          for k, v in theirs.state_dict().items()})
    results = []
    for lib, model in ((torch, theirs), (microtorch, ours)):
        x = lib.tensor(X, requires_grad=True)
        out = lib.utils.checkpoint.checkpoint_sequential(model, 2, x * 1.5,
                                                         use_reentrant=reentrant)
        (out ** 3).sum().backward()
        results.append([out.detach().numpy(), x.grad.numpy()] +
                       [p.grad.numpy() for p in model.parameters()])
    assert_all_close(results[1], results[0])


def test_non_reentrant_works_with_autograd_grad_and_closures(torch):
    results = []
    for lib in (torch, microtorch):
        a = lib.tensor(X, requires_grad=True)
        w = lib.tensor(np.linspace(-1, 1, 4), requires_grad=True)
        captured = (a * w).sin()                 # a non-leaf read through a closure

        def block(x):
            return (x * captured).exp() + w

        h = a.cos()
        out = lib.utils.checkpoint.checkpoint(block, h, use_reentrant=False)
        loss = (out ** 2).sum() + captured.sum()
        results.append([g.numpy() for g in lib.autograd.grad(loss, [a, w])])
    assert_all_close(results[1], results[0])


def test_reentrant_needs_a_grad_input_and_checks_keywords(torch):
    for lib in (torch, microtorch):
        with pytest.warns(UserWarning, match='None of the inputs have requires_grad=True'):
            out = lib.utils.checkpoint.checkpoint(lambda t: t * 2, lib.ones(2),
                                                  use_reentrant=True)
        assert out.grad_fn is None
    messages = []
    for lib in (torch, microtorch):
        with pytest.raises(ValueError) as error:
            lib.utils.checkpoint.checkpoint(lambda t, k=1: t, lib.ones(1), use_reentrant=True,
                                            k=2, j=3)
        messages.append(str(error.value))
    assert messages[0] == messages[1] == 'Unexpected keyword arguments: k,j'


def test_use_reentrant_unset_warns_and_defaults_to_reentrant():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        out = checkpoint(lambda t: t * 3, microtorch.ones(2, requires_grad=True))
    assert 'use_reentrant parameter should be passed explicitly' in str(caught[0].message)
    assert type(out.grad_fn).__name__ == 'CheckpointFunctionBackward'


def test_non_reentrant_keyword_arguments_and_mixed_outputs():
    w = microtorch.tensor([1.0, 2.0], requires_grad=True)

    def block(x, scale=1.0):
        return x * w * scale, 'label', x.sum() * 0

    x = microtorch.tensor([3.0, 4.0], requires_grad=True)
    out, label, zero = checkpoint(block, x, use_reentrant=False, scale=2.0)
    assert label == 'label'
    (out.sum() + zero).backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])
    np.testing.assert_allclose(w.grad.numpy(), [6.0, 8.0])


@pytest.mark.parametrize('reentrant', [True, False])
def test_checkpoint_graph_is_freed_by_reference_counting(reentrant):
    import gc
    import weakref
    model = net(microtorch)
    gc.disable()
    try:
        out = checkpoint(model, microtorch.tensor(X, requires_grad=True),
                         use_reentrant=reentrant)
        node = weakref.ref(out.grad_fn)
        del out
        assert node() is None
        layer = microtorch.nn.Linear(4, 2).double()
        layer.register_full_backward_hook(lambda m, gi, go: None)
        out = layer(microtorch.tensor(X, requires_grad=True))
        node = weakref.ref(out.grad_fn)
        del out
        assert node() is None
    finally:
        gc.enable()
