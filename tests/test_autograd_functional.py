"""autograd.functional: jacobian, hessian, vjp, jvp, vhp, hvp - by hand on functions whose
derivatives are known, against PyTorch on the same calls (values, shapes, structure, whether
the results are on the graph), and their errors."""
import numpy as np
import pytest

import microtorch as mt
from error_cases import check_error

F = mt.autograd.functional


def test_jacobian_and_hessian_by_hand():
    a = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
    matrix = mt.tensor(a)
    x = mt.tensor([0.3, -0.2, 0.7], dtype=mt.float64)
    jac = F.jacobian(lambda v: matrix @ v, x)                 # a linear map is its matrix
    np.testing.assert_allclose(jac.numpy(), a)
    assert not jac.requires_grad
    square = mt.tensor(a.T @ a)
    hess = F.hessian(lambda v: v @ square @ v, x)               # x^T S x: H = S + S^T
    np.testing.assert_allclose(hess.numpy(), 2 * a.T @ a, rtol=1e-12)
    _, hv = F.hvp(lambda v: v @ square @ v, x, mt.ones(3, dtype=mt.float64))
    np.testing.assert_allclose(hv.numpy(), 2 * a.T @ a @ np.ones(3), rtol=1e-12)
    value, jv = F.jvp(lambda v: matrix @ v, x, mt.ones(3, dtype=mt.float64))
    np.testing.assert_allclose(jv.numpy(), a.sum(1), rtol=1e-12)
    np.testing.assert_allclose(value.numpy(), a @ x.numpy(), rtol=1e-12)


def test_the_seed_example_through_vjp():
    """The tutorial's loss (w x - y)^2 at x=1, y=2, w=1: value 1, derivative -2."""
    loss, grad = F.vjp(lambda w: (w * 1.0 - 2.0) ** 2, mt.tensor(1.0))
    assert loss.item() == 1.0 and grad.item() == -2.0


def test_create_graph_gives_differentiable_results():
    x = mt.tensor([0.5, 1.5], dtype=mt.float64, requires_grad=True)
    jac = F.jacobian(lambda v: v ** 3, x, create_graph=True)     # diag(3 x^2)
    assert jac.requires_grad
    jac.sum().backward()                                           # d/dx sum 3x^2 = 6x
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 9.0])


def _run_calls(lib):
    """The same calls on either library, each result as (shape, values, requires_grad)."""
    def show(x):
        if isinstance(x, tuple):
            return tuple(show(t) for t in x)
        return (tuple(x.shape), np.round(x.double().reshape(-1).tolist(), 10).tolist(),
                x.requires_grad)
    f64 = lib.float64
    x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], dtype=f64)
    y = lib.tensor([0.3, -0.7], dtype=f64)
    vx, vy = lib.ones(2, 3, dtype=f64), lib.tensor([1.0, 2.0], dtype=f64)

    def f1(a):
        return (a.sin() * a).sum(1)

    def f2(a, b):
        return (a ** 2).sum(1) * b.exp(), (a * b[:, None]).tanh()

    def scalar(a, b):
        return (a.sigmoid() * b[:, None] ** 3).sum()
    calls = [
        lambda: F_(lib).jacobian(f1, x), lambda: F_(lib).jacobian(f2, (x, y)),
        lambda: F_(lib).jacobian(f1, x, create_graph=True),
        lambda: F_(lib).jacobian(lambda a: a.exp(), x[0], vectorize=True),
        lambda: F_(lib).jacobian(lambda a, b: a * 2, (y, x)),
        lambda: F_(lib).hessian(lambda a: (a.sin() * a).sum(), x),
        lambda: F_(lib).hessian(scalar, (x, y)),
        lambda: F_(lib).hessian(scalar, (x, y), create_graph=True),
        lambda: F_(lib).vjp(f1, x, lib.tensor([1.0, -2.0], dtype=f64)),
        lambda: F_(lib).vjp(lambda a: (a * a).sum(), x),
        lambda: F_(lib).vjp(f2, (x, y), (vy, vx), create_graph=True),
        lambda: F_(lib).jvp(f1, x, vx), lambda: F_(lib).jvp(f2, (x, y), (vx, vy)),
        lambda: F_(lib).vhp(scalar, (x, y), (vx, vy)),
        lambda: F_(lib).hvp(scalar, (x, y), (vx, vy)),
        lambda: F_(lib).hvp(lambda a: (a ** 3).sum(), lib.tensor(2.0, dtype=f64)),
        lambda: F_(lib).vhp(lambda a: (a ** 3).sum(), lib.tensor(2.0, dtype=f64),
                            create_graph=True),
    ]
    return [show(call()) for call in calls]


def F_(lib):
    return lib.autograd.functional


def test_results_match_torch(torch):
    assert _run_calls(mt) == _run_calls(torch)


def error_calls(lib):
    f = lib.autograd.functional
    x, y = lib.ones(2, 3), lib.ones(2)

    def sums(a):
        return a.sum(1)
    return [
        lambda: f.jacobian(sums, [x]),
        lambda: f.jacobian(lambda a: [a], x),
        lambda: f.vjp(sums, x),
        lambda: f.jvp(sums, x),
        lambda: f.vjp(lambda a, b: (a, b), (x, y), (lib.ones(2, 3),)),
        lambda: f.hessian(sums, x),
        lambda: f.hessian(lambda a: (a.sum(), a.sum()), x),
        lambda: f.jacobian(lambda a, b: a * 2, (y, x), strict=True),
        lambda: f.vjp(lambda a: a.detach(), y, y, strict=True),
        lambda: f.vjp(lambda a, b: a * 2, (y, x), y, strict=True),
        lambda: f.hessian(lambda a: (a * 2).sum(), y, strict=True),
        lambda: f.jacobian(sums, x, strategy='sideways'),
        lambda: f.jacobian(sums, x, strict=True, vectorize=True),
        lambda: f.jvp(lambda a, b: a * 2, (y, x), (y, x), strict=True),
        lambda: f.hvp(lambda a: (a * 2).sum(), y, y, strict=True),
        lambda: f.jacobian(sums, x, strategy='forward-mode', create_graph=True),
    ]


INDEPENDENT_OF_INPUT_1 = ('The output of the user-provided function is independent of input 1. '
                          'This is not allowed in strict mode.')
LINEAR_IN_STRICT_HESSIAN = (
    'While computing the hessian, found that the jacobian of the user-provided function with '
    'respect to input 0 is independent of the input. This is not allowed in strict mode. You '
    'should ensure that your function is twice differentiable and that the jacobian depends on '
    'the inputs (this would be violated by a linear function for example).')
ERRORS = [
    (TypeError, "The inputs given to jacobian must be either a Tensor or a tuple of Tensors but "
     "the given inputs has type <class 'list'>."),
    (TypeError, 'The outputs of the user-provided function given to jacobian must be either a '
     "Tensor or a tuple of Tensors but the given outputs of the user-provided function has "
     "type <class 'list'>."),
    (RuntimeError, 'The vector v can only be None if the user-provided function returns a '
     'single Tensor with a single element.'),
    (RuntimeError, 'The vector v can only be None if the input to the user-provided function '
     'is a single Tensor with a single element.'),
    (RuntimeError, 'v is a tuple of invalid length: should be 2 but got 1.'),
    (RuntimeError, 'The Tensor returned by the function given to hessian should contain a '
     'single element'),
    (RuntimeError, 'The function given to hessian should return a single Tensor'),
    (RuntimeError, 'Output 0 of the user-provided function is independent of input 1. This is '
     'not allowed in strict mode.'),
    (RuntimeError, 'Output 0 of the user-provided function does not require gradients. The '
     'outputs must be computed in a differentiable manner from the input when running in '
     'strict mode.'),
    (RuntimeError, INDEPENDENT_OF_INPUT_1),
    (RuntimeError, LINEAR_IN_STRICT_HESSIAN),
    (AssertionError, 'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If '
     'your function has more outputs than inputs, "forward-mode" tends to be more performant. '
     'Otherwise, prefer to use "reverse-mode".'),
    (RuntimeError, 'microtorch.autograd.functional.jacobian: `strict=True` and `vectorized=True` '
     'are not supported together. Please either set `strict=False` or `vectorize=False`.'),
    (RuntimeError, INDEPENDENT_OF_INPUT_1),
    (RuntimeError, LINEAR_IN_STRICT_HESSIAN),
    (NotImplementedError, 'microtorch.autograd.functional.jacobian: `create_graph=True` and '
     '`strategy="forward-mode"` are not supported together (yet). Please either set '
     '`create_graph=False` or `strategy="reverse-mode"`.'),
]


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:40] for _, m in ERRORS])
def test_errors(index):
    check_error(ERRORS, error_calls, index, mt)


@pytest.mark.parametrize('index', range(len(ERRORS)), ids=[m[:40] for _, m in ERRORS])
def test_errors_are_pytorchs(index, torch):
    check_error(ERRORS, error_calls, index, torch, as_microtorch=True)
