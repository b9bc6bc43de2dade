"""microtorch.func against torch.func, on the same functions in float64.

- grad / grad_and_value: argnums (int, tuple, negative), pytree arguments, has_aux, kwargs,
  unused inputs, nesting for higher derivatives (grad(grad(f)), closures over an outer
  transform's input), composition with plain autograd, detached results at the top level.
- vjp (tuple outputs, has_aux, called twice), jvp (exact: the double-backward trick),
  jacrev and jacfwd (the same numbers, argnums, has_aux, pytree outputs), hessian.
- vmap: in_dims (int, None, nested tuples, dicts, negative), out_dims, kwargs, chunk_size,
  nested vmap, vmap of grad (per-sample gradients) and grad of vmap, an empty batch, the
  three randomness modes.
- functional_call: values and gradients as PyTorch's, the module's tensors put back (also
  when forward raises), tuples of dicts, strict, tie_weights, buffers written by forward,
  and nn.utils.stateless.functional_call; per-sample gradients of an nn.Linear model.
The errors (PyTorch's wording) are cases of tests/test_errors.py.
"""
import numpy as np
import pytest

import microtorch as mt
import microtorch.func as F


def leaves(tree):
    """The tensors of a result of either library, as NumPy arrays, in pytree order."""
    flat, _ = F._tree_flatten(tree)
    return [t.detach().cpu().numpy() if hasattr(t, 'detach') else t for t in flat]


def assert_same(mine, theirs, atol=1e-10):
    ours, reference = leaves(mine), leaves(theirs)
    assert len(ours) == len(reference)
    for a, b in zip(ours, reference):
        if isinstance(b, np.ndarray):
            assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype)
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=atol)
        else:
            assert a == b


def both(torch, build):
    """build(lib) on each library; the results must agree."""
    theirs = build(torch)
    mine = build(mt)
    assert_same(mine, theirs)
    return mine


RNG = np.random.RandomState(7)
X3 = RNG.randn(3)
Y3 = RNG.randn(3)
B43 = RNG.randn(4, 3)
M23 = RNG.randn(2, 3)


def t(lib, values):
    return lib.tensor(values, dtype=lib.float64)


def wavy(lib):
    return lambda x: (lib.sin(x) * x ** 2).sum()


# ---- grad and grad_and_value ----------------------------------------------------------------

def test_grad_of_a_scalar_function(torch):
    both(torch, lambda lib: lib.func.grad(wavy(lib))(t(lib, X3)))


@pytest.mark.parametrize('argnums', [0, 1, -2, (0, 1), (1, 0), (-3,)])
def test_grad_argnums(torch, argnums):
    def build(lib):
        def f(a, b, c):
            return (lib.exp(a) * b ** 3 + c).sum()
        return lib.func.grad(f, argnums=argnums)(t(lib, X3), t(lib, Y3), 2.0)  # c: a number
    both(torch, build)


def test_grad_of_pytree_arguments_and_kwargs(torch):
    def build(lib):
        def f(params, x, scale=1.0):
            return (scale * (params['w'] * x + params['b'][0]) ** 2).sum()
        params = {'w': t(lib, X3), 'b': [t(lib, 0.3)]}
        return lib.func.grad(f)(params, t(lib, Y3), scale=0.5)
    result = both(torch, build)
    assert isinstance(result, dict) and isinstance(result['b'], list)


def test_grad_and_value_with_aux(torch):
    def build(lib):
        def f(a, b):
            return (a * b).sum(), {'product': a * b, 'first': a[0]}
        return lib.func.grad_and_value(f, argnums=(0, 1), has_aux=True)(t(lib, X3),
                                                                        t(lib, Y3))
    both(torch, build)
    both(torch, lambda lib: lib.func.grad(lambda a: ((a ** 2).sum(), a.mean()),
                                          has_aux=True)(t(lib, X3)))


def test_grad_of_an_unused_or_detached_input_is_zeros(torch):
    both(torch, lambda lib: lib.func.grad(lambda a, b: (b * 2).sum(), argnums=(0, 1))(
        t(lib, X3), t(lib, Y3)))
    both(torch, lambda lib: lib.func.grad(lambda a: (a.detach() ** 2).sum())(t(lib, X3)))


def test_nested_grad_gives_higher_derivatives(torch):
    def build(lib):
        x = t(lib, 0.7)
        first = lib.func.grad(lib.sin)(x)
        second = lib.func.grad(lib.func.grad(lib.sin))(x)
        third = lib.func.grad(lib.func.grad(lib.func.grad(lib.sin)))(x)
        fourth = lib.func.grad(lib.func.grad(lib.func.grad(lib.func.grad(
            lambda x: x ** 5))))(x)
        return first, second, third, fourth
    mine = both(torch, build)
    assert np.allclose(leaves(mine)[:3], [np.cos(0.7), -np.sin(0.7), -np.cos(0.7)])
    assert np.isclose(leaves(mine)[3], 120 * 0.7)


def test_nested_grad_over_vectors(torch):
    both(torch, lambda lib: lib.func.grad(lambda x: lib.func.grad(wavy(lib))(x).sum())(
        t(lib, X3)))


def test_grad_inside_grad_with_a_closure(torch):
    """The inner transform's input is the outer one's: d/dx [d/dy (x * y) at y = x] = 1,
    not 2 (the outer variable is a constant to the inner gradient)."""
    def build(lib):
        def outer(x):
            inner = lib.func.grad(lambda y: (x * y).sum())(x)
            return inner.sum()
        return lib.func.grad(outer)(t(lib, X3))
    mine = both(torch, build)
    assert np.allclose(leaves(mine)[0], 1.0)


def test_grad_results_compose_with_plain_autograd(torch):
    def build(lib):
        x = t(lib, X3).requires_grad_()
        gradient = lib.func.grad(wavy(lib))(x)
        gradient.sum().backward()
        return gradient, x.grad
    both(torch, build)


def test_results_stay_on_the_graph_of_a_closure(torch):
    """A parameter the function closes over keeps its graph in the results, as in PyTorch:
    plain autograd goes on through a gradient, a Jacobian or a vjp to it."""
    def build(lib):
        w = t(lib, 2.0).requires_grad_()
        x = t(lib, X3)
        gradient = lib.func.grad(lambda x: (w * x ** 2).sum())(x)
        jac = lib.func.jacrev(lambda x: w * lib.sin(x))(x)
        _, tangent = lib.func.jvp(lambda x: w * x ** 2, (x,), (t(lib, Y3),))
        flags = (gradient.requires_grad, jac.requires_grad, tangent.requires_grad)
        (gradient.sum() + jac.sum() + tangent.sum()).backward()
        return gradient, jac, tangent, w.grad, flags
    both(torch, build)


def test_requires_grad_of_results_as_pytorch(torch):
    def build(lib):
        x = t(lib, X3).requires_grad_()
        return (lib.func.grad(lambda a: (a ** 2).sum())(x).requires_grad,
                lib.func.grad(lambda a: (a * 2).sum())(x).requires_grad,
                lib.func.grad(lambda a: (a ** 2).sum())(x.detach()).requires_grad)
    assert both(torch, build) == (True, False, False)


def test_top_level_results_are_detached():
    x = mt.tensor(X3)
    gradient, value = F.grad_and_value(wavy(mt))(x)
    assert not gradient.requires_grad and gradient.grad_fn is None
    assert not value.requires_grad
    assert not x.requires_grad


def test_grad_works_under_no_grad(torch):
    def build(lib):
        with lib.no_grad():
            return lib.func.grad(wavy(lib))(t(lib, X3))
    both(torch, build)


# ---- vjp and jvp --------------------------------------------------------------------------

def test_vjp_with_tuple_outputs_called_twice(torch):
    def build(lib):
        out, vjp_fn = lib.func.vjp(lambda a, b: (lib.sin(a) * b, (a * b).sum()),
                                   t(lib, X3), t(lib, Y3))
        first = vjp_fn((t(lib, [1.0, 2.0, 3.0]), t(lib, 0.5)))
        second = vjp_fn((t(lib, [0.0, -1.0, 1.0]), t(lib, 2.0)))
        return out, first, second
    mine = both(torch, build)
    assert len(mine[1]) == 2


def test_vjp_with_aux_and_pytree_primals(torch):
    def build(lib):
        def f(params):
            return params['w'] * params['v'][0], params['w'].sum()
        out, vjp_fn, aux = lib.func.vjp(f, {'w': t(lib, X3), 'v': [t(lib, Y3)]},
                                        has_aux=True)
        return out, vjp_fn(t(lib, [1.0, 2.0, 3.0])), aux
    both(torch, build)


def test_jvp_is_exact(torch):
    def build(lib):
        def f(a, b):
            return lib.sin(a) * b, (lib.exp(a) * b).sum()
        return lib.func.jvp(f, (t(lib, X3), t(lib, Y3)),
                            (t(lib, [1.0, 0.5, -2.0]), t(lib, [0.0, 3.0, 1.0])))
    mine = both(torch, build)
    # J v in closed form: the trick is exact, not a finite difference
    v = np.array([1.0, 0.5, -2.0])
    w = np.array([0.0, 3.0, 1.0])
    np.testing.assert_allclose(leaves(mine)[2], np.cos(X3) * Y3 * v + np.sin(X3) * w,
                               rtol=1e-14, atol=1e-14)


def test_jvp_with_aux(torch):
    both(torch, lambda lib: lib.func.jvp(lambda a: (a ** 3, {'a': a * 2}), (t(lib, X3),),
                                         (t(lib, Y3),), has_aux=True))


def test_jvp_of_a_constant_is_zeros(torch):
    both(torch, lambda lib: lib.func.jvp(lambda a: a.detach() * 2, (t(lib, X3),),
                                         (t(lib, Y3),)))


# ---- jacrev, jacfwd, hessian --------------------------------------------------------------

@pytest.mark.parametrize('transform', ['jacrev', 'jacfwd'])
def test_jacobians(torch, transform):
    def build(lib):
        def f(a, b):
            return {'p': lib.sin(a) * b, 's': (a * b[0]).sum()}
        return getattr(lib.func, transform)(f, argnums=(0, 1))(t(lib, X3), t(lib, M23))
    both(torch, build)
    both(torch, lambda lib: getattr(lib.func, transform)(lambda a: lib.tanh(a) * a.sum())(
        t(lib, B43)))


@pytest.mark.parametrize('transform', ['jacrev', 'jacfwd'])
def test_jacobian_with_aux(torch, transform):
    both(torch, lambda lib: getattr(lib.func, transform)(
        lambda a, b: (a * b, (a + b).sum()), argnums=1, has_aux=True)(t(lib, X3),
                                                                      t(lib, Y3)))


def test_jacrev_and_jacfwd_agree():
    x = mt.tensor(B43)
    assert_same(F.jacrev(lambda a: a.exp() @ a.t())(x), F.jacfwd(lambda a: a.exp() @ a.t())(x))


def test_hessian(torch):
    both(torch, lambda lib: lib.func.hessian(wavy(lib))(t(lib, X3)))
    both(torch, lambda lib: lib.func.hessian(lambda a, b: (a ** 2 * b ** 3).sum(),
                                             argnums=(0, 1))(t(lib, X3), t(lib, Y3)))


def test_hessian_of_a_matrix_argument(torch):
    both(torch, lambda lib: lib.func.hessian(lambda m: (m @ m.t()).logsumexp(0).sum())(
        t(lib, M23)))


# ---- vmap -----------------------------------------------------------------------------------

def test_vmap_in_dims(torch):
    both(torch, lambda lib: lib.func.vmap(lambda a, b: a * b + 1, in_dims=(0, None))(
        t(lib, B43), t(lib, Y3)))
    both(torch, lambda lib: lib.func.vmap(lambda a, b: lib.outer(a, b), in_dims=(1, -1))(
        t(lib, B43), t(lib, M23)))
    both(torch, lambda lib: lib.func.vmap(lambda a: a.sum(0))(t(lib, B43)))


def test_vmap_nested_in_dims(torch):
    def build(lib):
        def f(a, pair, table):
            return a * pair[0] + pair[1] * table['k']
        return lib.func.vmap(f, in_dims=(0, (1, None), {'k': 0}))(
            t(lib, B43), (t(lib, B43.T.copy()), 2.0), {'k': t(lib, B43 * 3)})
    both(torch, build)


def test_vmap_out_dims_and_kwargs(torch):
    def build(lib):
        def f(a, scale=1.0):
            return a * scale, (a.sum(), 'label')
        return lib.func.vmap(f, out_dims=(1, (0, None)))(t(lib, B43), scale=3.0)
    mine = both(torch, build)
    assert mine[0].shape == (3, 4) and mine[1][1] == 'label'
    both(torch, lambda lib: lib.func.vmap(lambda a: a[:, None] * 2, out_dims=-1)(
        t(lib, B43)))


def test_vmap_out_dims_none_for_an_unbatched_tensor(torch):
    both(torch, lambda lib: lib.func.vmap(lambda a: (a * 2, lib.ones(2, dtype=lib.float64)),
                                          out_dims=(0, None))(t(lib, B43)))


def test_vmap_chunk_size(torch):
    both(torch, lambda lib: lib.func.vmap(lambda a: a.exp(), chunk_size=3)(t(lib, B43)))


def test_nested_vmap(torch):
    both(torch, lambda lib: lib.func.vmap(lib.func.vmap(lambda a, b: a * b),
                                          in_dims=(0, 1), out_dims=1)(
        t(lib, B43), t(lib, B43.T.copy())))
    both(torch, lambda lib: lib.func.vmap(lib.func.vmap(lambda a, b: a * b, in_dims=(0, None)),
                                          in_dims=(None, 0))(t(lib, X3), t(lib, Y3)))


def test_vmap_of_grad_and_grad_of_vmap(torch):
    both(torch, lambda lib: lib.func.vmap(lib.func.grad(wavy(lib)))(t(lib, B43)))
    both(torch, lambda lib: lib.func.grad(lambda a: lib.func.vmap(wavy(lib))(a).sum())(
        t(lib, B43)))
    both(torch, lambda lib: lib.func.vmap(lib.func.hessian(wavy(lib)))(t(lib, B43)))
    both(torch, lambda lib: lib.func.vmap(lib.func.jacrev(lambda a: lib.sin(a) * a.sum()))(
        t(lib, B43)))


def test_vmap_gradient_flows_back_to_the_batch(torch):
    def build(lib):
        x = t(lib, B43).requires_grad_()
        lib.func.vmap(lambda a: (a ** 3).sum())(x).sum().backward()
        return x.grad
    both(torch, build)


def test_vmap_over_an_empty_batch(torch):
    both(torch, lambda lib: lib.func.vmap(lambda a: (a * 2, a.exp()[None]), out_dims=(0, 1))(
        lib.ones(0, 3)))


def test_vmap_randomness_error_leaves_the_generator_working():
    with pytest.raises(RuntimeError, match='randomness error mode'):
        F.vmap(lambda a: a + mt.rand(3))(mt.ones(4, 3))
    mt.manual_seed(3)
    assert mt.rand(2).shape == (2,)


def test_vmap_randomness_same_and_different():
    x = mt.zeros(5, 3)
    mt.manual_seed(1)
    same = F.vmap(lambda a: a + mt.rand(3), randomness='same')(x)
    after_same = mt.rand(1)
    mt.manual_seed(1)
    one = mt.rand(3)
    assert all(mt.equal(row, one) for row in same)
    assert mt.equal(after_same, mt.rand(1))           # as though it had run once
    different = F.vmap(lambda a: a + mt.rand(3), randomness='different')(x)
    assert len({tuple(row.tolist()) for row in different}) == 5
    dropped = F.vmap(lambda a: mt.nn.functional.dropout(a + 1, 0.5),
                     randomness='same')(mt.zeros(4, 50))
    assert all(mt.equal(row, dropped[0]) for row in dropped)


# ---- functional_call and per-sample gradients -----------------------------------------------

def linear(lib):
    model = lib.nn.Linear(3, 2).double()
    with lib.no_grad():
        model.weight.copy_(t(lib, np.arange(6.0).reshape(2, 3) / 7))
        model.bias.copy_(t(lib, [0.1, -0.2]))
    return model


def test_functional_call_values_gradients_and_restore(torch):
    def build(lib):
        model = linear(lib)
        weight = t(lib, M23).requires_grad_()
        out = lib.func.functional_call(model, {'weight': weight}, t(lib, B43))
        out.sum().backward()
        return out, weight.grad, model.weight, model.bias.grad
    both(torch, build)


def test_functional_call_puts_the_tensors_back_when_forward_raises():
    model = linear(mt)
    weight, bias = model.weight, model.bias
    with pytest.raises(RuntimeError, match='shapes cannot be multiplied'):
        F.functional_call(model, {'weight': mt.ones(3, 3, dtype=mt.float64),
                                  'bias': mt.ones(3, dtype=mt.float64)},
                          (mt.ones(2, 2, dtype=mt.float64),))
    assert model.weight is weight and model.bias is bias
    assert set(model._parameters) == {'weight', 'bias'}
    assert not hasattr(model, 'foo')
    # a name the module does not have is set for the call and removed again
    F.functional_call(model, {'foo': mt.ones(1)}, (mt.ones(3, dtype=mt.float64),))
    assert 'foo' not in model.__dict__


def test_functional_call_tuple_of_dicts_args_and_kwargs(torch):
    def build(lib):
        class Net(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = lib.nn.Linear(3, 2).double()
                self.register_buffer('shift', t(lib, [1.0, 2.0]))

            def forward(self, x, scale=1.0):
                return self.inner(x) * scale + self.shift
        net = Net()
        params = ({'inner.weight': t(lib, M23)}, {'inner.bias': t(lib, [0.5, 0.5]),
                                                   'shift': t(lib, [-1.0, 0.0])})
        return lib.func.functional_call(net, params, (t(lib, B43),), {'scale': 2.0},
                                        strict=True)
    both(torch, build)


def test_functional_call_tie_weights(torch):
    def build(lib):
        class Tied(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = lib.nn.Linear(2, 2, bias=False).double()
                self.b = lib.nn.Linear(2, 2, bias=False).double()
                self.b.weight = self.a.weight
                with lib.no_grad():
                    self.a.weight.copy_(t(lib, [[0.5, -1.0], [2.0, 0.25]]))

            def forward(self, x):
                return self.b(self.a(x))
        model = Tied()
        x = t(lib, [[1.0, 2.0]])
        given = {'a.weight': t(lib, [[1.0, 2.0], [3.0, 4.0]])}
        tied = lib.func.functional_call(model, given, x)
        untied = lib.func.functional_call(model, given, x, tie_weights=False)
        return tied, untied
    both(torch, build)


def test_functional_call_buffers_written_by_forward(torch):
    """BatchNorm updates the running statistics in place: the given buffers change, the
    module's own do not."""
    def build(lib):
        norm = lib.nn.BatchNorm1d(3).double()
        given = {'running_mean': lib.zeros(3, dtype=lib.float64),
                 'running_var': lib.ones(3, dtype=lib.float64)}
        out = lib.func.functional_call(norm, given, t(lib, B43))
        return out, given, norm.running_mean, norm.running_var
    both(torch, build)


def test_stateless_functional_call_warns(torch):
    def build(lib):
        with pytest.warns(FutureWarning, match='is deprecated'):
            return lib.nn.utils.stateless.functional_call(
                linear(lib), {'bias': t(lib, [1.0, 1.0])}, t(lib, B43))
    both(torch, build)


def test_per_sample_gradients_of_a_linear_model(torch):
    def build(lib):
        model = linear(lib)
        params = {name: p.detach() for name, p in model.named_parameters()}

        def loss(params, x, y):
            out = lib.func.functional_call(model, params, (x.unsqueeze(0),))
            return lib.nn.functional.mse_loss(out, y.unsqueeze(0))
        targets = t(lib, np.ones((4, 2)))
        return lib.func.vmap(lib.func.grad(loss), in_dims=(None, 0, 0))(
            params, t(lib, B43), targets)
    mine = both(torch, build)
    # the same as one backward pass per sample
    model = linear(mt)
    for i in range(4):
        model.zero_grad()
        mt.nn.functional.mse_loss(model(mt.tensor(B43[i:i + 1])), mt.ones(1, 2,
                                  dtype=mt.float64)).backward()
        np.testing.assert_allclose(mine['weight'][i].numpy(), model.weight.grad.numpy())
        np.testing.assert_allclose(mine['bias'][i].numpy(), model.bias.grad.numpy())


def test_vmap_over_a_large_batch(torch):
    """More elements than the autograd tape's preset tables had room for (64): stack and cat
    of many tensors outside of autograd used to fail."""
    values = np.linspace(-2.0, 2.0, 300).reshape(100, 3)
    both(torch, lambda lib: lib.func.vmap(lambda a: lib.sin(a) * 2)(t(lib, values)))
    assert mt.stack([mt.ones(2)] * 100).shape == (100, 2)
    assert mt.cat([mt.ones(2)] * 100).shape == (200,)


def test_an_ensemble_by_stack_module_state_and_vmap(torch):
    def build(lib):
        models = []
        for k in range(3):
            model = lib.nn.Linear(3, 2).double()
            with lib.no_grad():
                model.weight.copy_(t(lib, np.arange(6.0).reshape(2, 3) / (k + 2)))
                model.bias.fill_(0.1 * k)
            models.append(model)
        params, buffers = lib.func.stack_module_state(models)
        base = models[0]

        def run(p, b, x):
            return lib.func.functional_call(base, (p, b), (x,))
        out = lib.func.vmap(run, in_dims=(0, 0, None))(params, buffers, t(lib, B43))
        out.sum().backward()
        return out, params['weight'].grad, params['bias'].is_leaf, models[1].weight.grad
    both(torch, build)


def test_transforms_on_each_device(device):
    """The transforms only call ops, so they run wherever the ops do: the same numbers on
    the device as on the CPU (float64)."""
    def run(where):
        x = mt.tensor(B43, device=where)
        w = mt.tensor(M23, device=where)

        def loss(w, row):
            return (mt.tanh(w @ row) ** 2).sum()
        per_sample = F.vmap(F.grad(loss), in_dims=(None, 0))(w, x)
        second = F.vmap(F.hessian(lambda row: (row.sin() * row ** 2).sum()))(x)
        jac = F.jacfwd(lambda row: row.exp() * row.sum())(x[0])
        _, tangent = F.jvp(lambda row: row.cos() * 3, (x[1],), (x[2],))
        empty = F.vmap(lambda row: row * 2)(x[:0])
        return per_sample, second, jac, tangent, empty
    results = run(device)
    assert all(r.device == mt.device(device) for r in results)
    assert_same(results, run('cpu'))


def test_named_tuple_outputs(torch):
    """Named tuples (return_types) are containers, as in PyTorch's pytrees."""
    def build(lib):
        result = lib.func.vmap(lambda row: row.max(0))(t(lib, B43))
        jac = lib.func.jacrev(lambda row: row.sort().values)(t(lib, X3))
        return result.values, result.indices, type(result).__name__, jac
    both(torch, build)


def test_linearize(torch):
    def build(lib):
        x = t(lib, X3)
        output, jvp_fn = lib.func.linearize(lambda a: (a.sin() * a, {'s': (a ** 2).sum()}), x)
        return output, jvp_fn(t(lib, Y3)), jvp_fn(x)
    both(torch, build)
    # the same as jvp at the same point
    x, v = mt.tensor(X3), mt.tensor(Y3)
    assert_same(F.linearize(mt.tanh, x)[1](v), F.jvp(mt.tanh, (x,), (v,))[1])


FUNCTIONAL_CALL_MODULES = {
    'lstm': (lambda lib: lib.nn.LSTM(3, 4, batch_first=True), (2, 5, 3)),
    'gru': (lambda lib: lib.nn.GRU(3, 4), (5, 2, 3)),
    'conv2d': (lambda lib: lib.nn.Conv2d(2, 3, 3), (1, 2, 5, 5)),
    'layer-norm': (lambda lib: lib.nn.LayerNorm(4), (2, 4)),
    'encoder-layer': (lambda lib: lib.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0),
                      (3, 2, 4)),
    'sequential': (lambda lib: lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(),
                                                 lib.nn.Linear(4, 2)), (2, 3)),
}


@pytest.mark.parametrize('name', FUNCTIONAL_CALL_MODULES)
def test_functional_call_reaches_every_parameter(torch, name):
    """Modules that read their parameters in their own ways (RNN weights by layer, attention's
    packed projections) use the given tensors: PyTorch's output and gradients from them."""
    make, shape = FUNCTIONAL_CALL_MODULES[name]

    def build(lib):
        module = make(lib).double()
        values = np.random.RandomState(0)
        given = {n: t(lib, values.randn(*p.shape) * 0.3).requires_grad_()
                 for n, p in module.named_parameters()}
        out = lib.func.functional_call(module, given, (t(lib, values.randn(*shape)),))
        out = out[0] if isinstance(out, tuple) else out
        out.sum().backward()
        return out, {n: g.grad for n, g in given.items()}
    both(torch, build)
