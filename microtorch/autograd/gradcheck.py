"""gradcheck / gradgradcheck: compare autograd's Jacobian with central finite differences.

Use float64 inputs: with eps=1e-6, float32 rounding alone is larger than the tolerances. An
element passes when |analytical - numerical| <= atol + rtol * |numerical|. On a mismatch the
report names the worst element: which input and output, where, both values.

    from microtorch.autograd import gradcheck
    x = microtorch.randn(3, dtype=microtorch.float64, requires_grad=True)
    gradcheck(lambda t: (t * t).sum(), (x,))          # True, or GradcheckError
"""
import itertools
import warnings

import numpy as np


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a gradient does not match finite
    differences; the message names the worst element."""


def _tensors(values):
    from ..tensor import Tensor
    if isinstance(values, Tensor):
        return (values,)
    return tuple(values)


def _on_device_of(tensor, host_array):
    """A host array moved to `tensor`'s device (itself on the CPU)."""
    from .. import backends
    return backends.for_array(tensor._data).from_host(host_array, tensor.device)


def _position(inputs, tensor):
    # By identity: list.index would compare with Tensor.__eq__, which is elementwise.
    return next(i for i, x in enumerate(inputs) if x is tensor)


def _outputs(func, inputs):
    from ..tensor import Tensor
    out = func(*inputs)
    out = (out,) if isinstance(out, Tensor) else tuple(out)
    return [o for o in out if isinstance(o, Tensor) and o.is_floating_point()]


def _numerical(func, inputs, targets, outputs, eps):
    """J[t][o]: d output o / d input t, as arrays of shape (numel(o), numel(t))."""
    from .grad_mode import no_grad
    jac = [[np.zeros((o.numel(), t.numel())) for o in outputs] for t in targets]
    with no_grad():
        for ti, t in enumerate(targets):
            data = t._data
            if data.size and any(s == 0 and n > 1 for s, n in zip(data.strides, data.shape)):
                raise RuntimeError(
                    f'The {ti}th input has a dimension with stride 0. gradcheck only supports '
                    'inputs that are non-overlapping to be able to compute the numerical '
                    'gradients correctly. You should call .contiguous on the input before '
                    'passing it to gradcheck.')
            for k in range(data.size):       # in row-major order, whatever the layout
                at = np.unravel_index(k, data.shape)
                original = data[at].item()
                data[at] = original + eps
                plus = [o.detach().double().cpu().numpy().reshape(-1).copy()
                        for o in _outputs(func, inputs)]
                data[at] = original - eps
                minus = [o.detach().double().cpu().numpy().reshape(-1).copy()
                         for o in _outputs(func, inputs)]
                data[at] = original
                for oi, (p, m) in enumerate(zip(plus, minus)):
                    jac[ti][oi][:, k] = (p - m) / (2 * eps)
    return jac


def _analytical(inputs, targets, outputs):
    from . import grad as autograd_grad
    from ..creation import zeros_like
    jac = [[np.zeros((o.numel(), t.numel())) for o in outputs] for t in targets]
    for oi, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        for j in range(out.numel()):
            seed = zeros_like(out)          # laid out as out: index it, not a flat copy
            seed._data[np.unravel_index(j, out.shape)] = 1
            grads = autograd_grad(out, targets, grad_outputs=seed, retain_graph=True,
                                  allow_unused=True)
            for ti, g in enumerate(grads):
                if g is not None:
                    jac[ti][oi][j, :] = g.detach().double().cpu().numpy().reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0):
    """Check autograd's gradients of `func(*inputs)` against finite differences.

    For every input that requires grad and every floating-point output, the Jacobian that
    autograd gives (one backward per output element) is compared with central differences,
    `(f(x + eps) - f(x - eps)) / (2 eps)`, one input element at a time. An element passes when
    `|analytical - numerical| <= atol + rtol * |numerical|`, and a nan must meet a nan.

    Use float64 inputs (a UserWarning says so otherwise): with eps = 1e-6, float32 rounding
    (about 1e-7 relative, divided by 2 eps) is far larger than the tolerances, and a correct
    float32 gradient fails. Keep the inputs small: the cost is two calls of `func` per input
    element plus one backward per output element. Inputs are perturbed in place (and
    restored), so they must be contiguous and must not be views of one another.

    Args:
        func: a function of `inputs` returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors (and other arguments, passed through).
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance, times |numerical|.
        raise_exception: raise GradcheckError on a mismatch (else return False).
        nondet_tol: accepted for PyTorch's signature; microtorch's backward is deterministic.

    Returns:
        True when every element matches.

    Raises:
        GradcheckError: on a mismatch. Its message names the worst element - the one furthest
            outside the tolerance - as `Jacobian mismatch for output o with respect to input
            i: worst element d output[j] / d input[k]: numerical N, analytical A`, followed by
            both Jacobians in full.
    """
    from ..tensor import Tensor
    inputs = _tensors(inputs)
    targets = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not targets:
        raise ValueError('gradcheck expects at least one input tensor to require gradient, '
                         'but none of the them have requires_grad=True.')
    for t in targets:
        if t.dtype.name != 'float64':
            warnings.warn(f'Input #{_position(inputs, t)} requires gradient and is not a '
                          'double precision floating point. gradcheck should use float64 inputs.',
                          UserWarning, stacklevel=2)
    outputs = _outputs(func, inputs)
    analytical = _analytical(inputs, targets, outputs)
    numerical = _numerical(func, inputs, targets, outputs, eps)

    worst = None
    for ti, oi in itertools.product(range(len(targets)), range(len(outputs))):
        a, n = analytical[ti][oi], numerical[ti][oi]
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        excess = np.where(np.isnan(a) != np.isnan(n), np.inf, np.nan_to_num(excess, nan=-1))
        if excess.size and excess.max() > 0:
            j, k = np.unravel_index(np.argmax(excess), excess.shape)
            if worst is None or excess[j, k] > worst[0]:
                worst = (excess[j, k], ti, oi, j, k, n[j, k], a[j, k])
    if worst is None:
        return True
    _, ti, oi, j, k, n_val, a_val = worst
    where_in = np.unravel_index(k, targets[ti].shape) if targets[ti].ndim else ()
    where_out = np.unravel_index(j, outputs[oi].shape) if outputs[oi].ndim else ()
    message = (f'Jacobian mismatch for output {oi} with respect to input '
               f'{_position(inputs, targets[ti])}: worst element d output'
               f'{list(map(int, where_out))}'
               f' / d input{list(map(int, where_in))}: numerical {n_val:.8g}, analytical '
               f'{a_val:.8g} (atol={atol}, rtol={rtol}).\nnumerical:\n{numerical[ti][oi]}\n'
               f'analytical:\n{analytical[ti][oi]}')
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """Check second derivatives: gradcheck applied to the first derivative.

    The function checked maps `(inputs, grad_outputs)` to the gradients of `func(*inputs)`
    with respect to the inputs, computed with `create_graph=True`; its finite differences are
    compared with the derivatives that backward through that graph gives. Needs float64
    inputs for the same reason as gradcheck; the report on a mismatch is gradcheck's (the
    worst element), where output o is the gradient of input o and inputs after the function's
    own inputs are the grad_outputs.

    Args:
        func: a function of `inputs` returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        grad_outputs: the gradients fed to the first backward; random normal (seeded by
            `seed`, requiring grad, so they are checked too) when None.
        eps: the finite-difference step.
        atol: absolute tolerance.
        rtol: relative tolerance, times |numerical|.
        raise_exception: raise GradcheckError on a mismatch (else return False).
        seed: the seed of the random grad_outputs.

    Returns:
        True when every element matches.

    Raises:
        GradcheckError: on a mismatch, naming the worst element.
    """
    from ..tensor import Tensor
    from . import grad as autograd_grad
    inputs = _tensors(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor._make(_on_device_of(
            o, rng.standard_normal(o.shape).astype(o._data.dtype)), True) for o in outputs]
    grad_outputs = list(_tensors(grad_outputs))
    n = len(inputs)

    def first_derivatives(*args):
        from .grad_mode import enable_grad
        ins, gos = args[:n], args[n:]
        with enable_grad():      # the numerical pass runs under no_grad; this must record
            outs = [o for o in _outputs(func, ins) if o.requires_grad]
            wrt = [x for x in ins if isinstance(x, Tensor) and x.requires_grad]
            grads = autograd_grad(outs, wrt, grad_outputs=gos[:len(outs)], create_graph=True,
                                  allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, tuple(inputs) + tuple(grad_outputs), eps=eps,
                     atol=atol, rtol=rtol, raise_exception=raise_exception)
