"""Derivatives of whole functions, as torch.autograd.functional: `jacobian`, `hessian`, and the
products `vjp` (v^T J), `jvp` (J v), `vhp` (v^T H) and `hvp` (H v).

Everything is built on `autograd.grad`. A Jacobian is one reverse pass per output element. The
products with J and H on the right use the double-backward trick: u -> u^T J is linear in u, so
its gradient with respect to u, taken against v, is J v (and the same on the gradient gives H v).
`func` takes the inputs as separate arguments and returns a Tensor or a tuple of Tensors; the
results come back in the inputs' and outputs' structure (a Tensor where one was given, a tuple
where a tuple was). Without create_graph the results are detached; with it they are on the graph,
so that they can be differentiated again. `strict=True` raises where an output does not depend on
an input instead of giving zeros there.
"""
from . import grad_mode
from .grad_mode import enable_grad, set_grad_enabled

__all__ = ['vjp', 'jvp', 'jacobian', 'hessian', 'vhp', 'hvp']


def _tensors(value, what, fn_name):
    """(was it a tuple, the Tensors as a tuple); anything else in it is a TypeError."""
    from ..tensor import Tensor
    was_tuple = isinstance(value, tuple)
    items = value if was_tuple else (value,)
    for i, item in enumerate(items):
        if not isinstance(item, Tensor):
            where = f'value at index {i}' if was_tuple else f'given {what}'
            raise TypeError(f'The {what} given to {fn_name} must be either a Tensor or a tuple '
                            f'of Tensors but the {where} has type {type(item)}.')
    return was_tuple, items


def _as_leaves(tensors, create_graph, need_graph):
    """The tensors to differentiate against: fresh leaves, or with create_graph, views of the
    ones already on a graph (so that the results stay connected to it)."""
    return tuple(t.view_as(t) if create_graph and t.requires_grad else
                 t.detach().requires_grad_(need_graph) for t in tensors)


def _check_v(v, like, like_is_tuple):
    if len(v) != len(like):
        if like_is_tuple:
            raise RuntimeError(f'v is a tuple of invalid length: should be {len(like)} but got '
                               f'{len(v)}.')
        raise RuntimeError('The given v should contain a single Tensor.')
    for i, (vector, ref) in enumerate(zip(v, like)):
        if vector.shape != ref.shape:
            entry = f'Entry {i} in ' if like_is_tuple else ''
            raise RuntimeError(f'{entry}v has invalid size: should be {ref.shape} but got '
                               f'{vector.shape}.')


def _prepare_v(v, like, like_is_tuple, create_graph, fn_name, none_allowed_for):
    """v as a tuple of leaves, checked against `like`; None only where `like` is a single
    one-element Tensor (then v is taken as ones)."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise RuntimeError(f'The vector v can only be None if {none_allowed_for} a single '
                               'Tensor with a single element.')
        return None
    _, v = _tensors(v, 'v', fn_name)
    v = _as_leaves(v, create_graph, need_graph=False)
    _check_v(v, like, like_is_tuple)
    return v


def _grads(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad (None per input where none does or an
    input is unreached)."""
    from . import grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(out, g) for out, g in zip(outputs, grad_outputs)
             if out is not None and out.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return grad([out for out, _ in pairs], inputs, [g for _, g in pairs],
                retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


# What strict mode says when a gradient is missing (None), per pass: the plain backward, the
# backward of the double-backward trick, the second backward and the trick over it.
_INDEPENDENT = {
    'back': 'The output of the user-provided function is independent of input {i}. This is '
            'not allowed in strict mode.',
    'back_trick': 'The gradient with respect to the input is independent of entry {i} in the '
                  'grad_outputs when using the double backward trick to compute forward mode '
                  'gradients. This is not allowed in strict mode.',
    'double_back': 'The jacobian of the user-provided function is independent of input {i}. '
                   'This is not allowed in strict mode.',
    'double_back_trick': 'The hessian of the user-provided function is independent of entry '
                         '{i} in the grad_jacobian. This is not allowed in strict mode as it '
                         'prevents from using the double backward trick to replace forward '
                         'mode AD.',
}


def _zeros_where_missing(grads, like, strict, create_graph, stage):
    from ..creation import zeros_like
    filled = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(_INDEPENDENT[stage].format(i=i))
            g = zeros_like(like[i])
        elif strict and create_graph and not g.requires_grad:
            what = 'hessian' if stage.startswith('double') else 'jacobian'
            raise RuntimeError(f'The {what} of the user-provided function is independent of '
                               f'input {i}. This is not allowed in strict mode when '
                               'create_graph=True.')
        filled.append(g)
    return tuple(filled)


def _check_requires_grad(tensors, kind, strict):
    """strict mode: every output (or gradient, or Jacobian) must be on the graph."""
    if not strict:
        return
    for i, t in enumerate(tensors):
        if t is None:                     # only gradients can be missing
            raise RuntimeError(f'The output of the user-provided function is independent of '
                               f'input {i}. This is not allowed in strict mode.')
        if t.requires_grad:
            continue
        if kind == 'outputs':
            raise RuntimeError(f'Output {i} of the user-provided function does not require '
                               'gradients. The outputs must be computed in a differentiable '
                               'manner from the input when running in strict mode.')
        if kind == 'grad_inputs':
            raise RuntimeError(f'The gradient with respect to input {i} is independent of the '
                               'inputs of the user-provided function. This is not allowed in '
                               'strict mode.')
        if kind == 'jacobian':
            raise RuntimeError(
                'While computing the hessian, found that the jacobian of the user-provided '
                f'function with respect to input {i} is independent of the input. This is not '
                'allowed in strict mode. You should ensure that your function is twice '
                'differentiable and that the jacobian depends on the inputs (this would be '
                'violated by a linear function for example).')
        raise RuntimeError(
            f'The hessian of the user-provided function with respect to input {i} is '
            'independent of the input. This is not allowed in strict mode. You should ensure '
            'that your function is thrice differentiable and that the hessian depends on the '
            'inputs.')


def _finish(tensors, create_graph):
    """Detached unless create_graph (nested tuples too)."""
    if create_graph:
        return tensors
    return tuple(_finish(t, False) if isinstance(t, tuple) else t.detach() for t in tensors)


def _shaped(result, was_tuple):
    return result if was_tuple else result[0]


def _call(func, inputs, fn_name, strict):
    """func on the inputs, with grad mode on; (was a tuple, outputs as a tuple)."""
    was_tuple, outputs = _tensors(func(*inputs), 'outputs of the user-provided function',
                                  fn_name)
    _check_requires_grad(outputs, 'outputs', strict)
    return was_tuple, outputs


def _scalar_output(func, inputs, fn_name, strict):
    was_tuple, outputs = _call(func, inputs, fn_name, strict)
    if was_tuple:
        raise RuntimeError(f'The function given to {fn_name} should return a single Tensor')
    if outputs[0].numel() != 1:
        raise RuntimeError(f'The Tensor returned by the function given to {fn_name} should '
                           'contain a single element')
    return outputs


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T J): the gradient of func's outputs, weighted by v, at inputs."""
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, 'inputs', 'vjp')
        inputs = _as_leaves(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, 'vjp', strict)
        v = _prepare_v(v, outputs, outputs_tuple, create_graph, 'vjp',
                       'the user-provided function returns')
    with set_grad_enabled(create_graph or grad_mode.state.enabled):
        grads = _grads(outputs, inputs, v, create_graph=create_graph)
        product = _zeros_where_missing(grads, inputs, strict, create_graph, 'back')
    return (_shaped(_finish(outputs, create_graph), outputs_tuple),
            _shaped(_finish(product, create_graph), inputs_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), J v): the directional derivative of func's outputs along v."""
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, 'inputs', 'jvp')
        inputs = _as_leaves(inputs, create_graph, need_graph=True)
        v = _prepare_v(v, inputs, inputs_tuple, create_graph, 'jvp',
                       'the input to the user-provided function is')
        outputs_tuple, outputs = _call(func, inputs, 'jvp', strict)
    product = jvp_of_outputs(outputs, inputs, v, create_graph, strict)
    return (_shaped(_finish(outputs, create_graph), outputs_tuple),
            _shaped(_finish(product, create_graph), outputs_tuple))


def jvp_of_outputs(outputs, inputs, v, create_graph=False, strict=False):
    """J v for outputs already computed from inputs (on the graph), one per output: the
    double-backward trick. Shared with microtorch.func.jvp."""
    from ..creation import zeros_like
    with enable_grad():
        dummies = tuple(zeros_like(out, requires_grad=True) for out in outputs)
        grad_inputs = _grads(outputs, inputs, dummies, create_graph=True)    # u^T J, in u
        _check_requires_grad(grad_inputs, 'grad_inputs', strict)
    with set_grad_enabled(create_graph or grad_mode.state.enabled):
        grads = _grads(grad_inputs, dummies, v, create_graph=create_graph)
        return _zeros_where_missing(grads, outputs, strict, create_graph, 'back_trick')


def _jacobian_rows(outputs, inputs, create_graph, strict):
    """Per output, per input: d output / d input, of shape output.shape + input.shape."""
    from ..creation import zeros, zeros_like
    from ..ops.functional import stack
    result = []
    for i, out in enumerate(outputs):
        rows = [[] for _ in inputs]
        flat = out.reshape(-1)
        for k in range(out.numel()):
            grads = _grads((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
            for j, (g, inp) in enumerate(zip(grads, inputs)):
                if g is None:
                    if strict:
                        raise RuntimeError(f'Output {i} of the user-provided function is '
                                           f'independent of input {j}. This is not allowed '
                                           'in strict mode.')
                    g = zeros_like(inp)
                elif strict and create_graph and not g.requires_grad:
                    raise RuntimeError(f'The jacobian of the user-provided function is '
                                       f'independent of input {i}. This is not allowed in '
                                       'strict mode when create_graph=True.')
                rows[j].append(g)
        result.append(tuple(
            stack(row).reshape(tuple(out.shape) + tuple(inp.shape)) if row else
            zeros(tuple(out.shape) + tuple(inp.shape), dtype=inp.dtype, device=inp.device)
            for row, inp in zip(rows, inputs)))
    return tuple(result)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy='reverse-mode'):
    """d func(inputs) / d inputs. One output and one input: a Tensor of shape
    output.shape + input.shape; tuples give a tuple per output of one per input. (vectorize
    and strategy='forward-mode' are accepted and give the same numbers, by reverse passes.)"""
    if strategy not in ('forward-mode', 'reverse-mode'):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode". '
                             'Hint: If your function has more outputs than inputs, '
                             '"forward-mode" tends to be more performant. Otherwise, prefer to '
                             'use "reverse-mode".')
    if strategy == 'forward-mode':
        if create_graph:
            raise NotImplementedError(
                'microtorch.autograd.functional.jacobian: `create_graph=True` and '
                '`strategy="forward-mode"` are not supported together (yet). Please either set '
                '`create_graph=False` or `strategy="reverse-mode"`.')
        if not vectorize:
            raise NotImplementedError('Computing Jacobian using forward-AD or forward-over-'
                                      'reverse Hessian is only implemented for '
                                      '`vectorize=True`.')
    with enable_grad():
        inputs_tuple, inputs = _tensors(inputs, 'inputs', 'jacobian')
        inputs = _as_leaves(inputs, create_graph, need_graph=True)
        outputs_tuple, outputs = _call(func, inputs, 'jacobian', strict)
        if vectorize and strict:
            raise RuntimeError('microtorch.autograd.functional.jacobian: `strict=True` and '
                               '`vectorized=True` are not supported together. Please either set '
                               '`strict=False` or `vectorize=False`.')
        result = _finish(_jacobian_rows(outputs, inputs, create_graph, strict), create_graph)
    if not inputs_tuple:
        result = tuple(row[0] for row in result)
    return _shaped(result, outputs_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy='reverse-mode'):
    """The second derivatives of a function with one scalar output: of shape
    input.shape + input.shape, or for tuple inputs a tuple per input of one per input."""
    inputs_tuple, inputs = _tensors(inputs, 'inputs', 'hessian')
    if outer_jacobian_strategy not in ('forward-mode', 'reverse-mode'):
        raise AssertionError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def scalar_func(*args):
        return _scalar_output(func, args, 'hessian', strict)[0].squeeze()

    def gradient(*args):
        jac = jacobian(scalar_func, args, create_graph=True)
        _check_requires_grad(jac, 'jacobian', strict)
        return jac
    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict,
                      vectorize=vectorize, strategy=outer_jacobian_strategy)
    return result if inputs_tuple else result[0][0]


def _hessian_setup(func, inputs, v, create_graph, strict, fn_name):
    """The shared start of vhp and hvp: leaves, v, the scalar output and its gradient (on the
    graph)."""
    inputs_tuple, inputs = _tensors(inputs, 'inputs', fn_name)
    inputs = _as_leaves(inputs, create_graph, need_graph=True)
    v = _prepare_v(v, inputs, inputs_tuple, create_graph, fn_name,
                   'the input to the user-provided function is')
    outputs = _scalar_output(func, inputs, fn_name, strict)
    gradient = _grads(outputs, inputs, create_graph=True)
    _check_requires_grad(gradient, 'jacobian', strict)
    return inputs_tuple, inputs, v, outputs, gradient


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), v^T H) for a function with one scalar output."""
    with enable_grad():
        inputs_tuple, inputs, v, outputs, gradient = _hessian_setup(
            func, inputs, v, create_graph, strict, 'vhp')
    with set_grad_enabled(create_graph or grad_mode.state.enabled):
        grads = _grads(gradient, inputs, v, create_graph=create_graph)
        product = _zeros_where_missing(grads, inputs, strict, create_graph, 'double_back')
    return (_finish(outputs, create_graph)[0],
            _shaped(_finish(product, create_graph), inputs_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(inputs), H v) for a function with one scalar output, by the double-backward
    trick over its gradient."""
    from ..creation import zeros_like
    with enable_grad():
        inputs_tuple, inputs, v, outputs, gradient = _hessian_setup(
            func, inputs, v, create_graph, strict, 'hvp')
        dummies = tuple(zeros_like(inp, requires_grad=True) for inp in inputs)
        second = _grads(gradient, inputs, dummies, create_graph=True)        # u^T H, in u
        _check_requires_grad(gradient, 'hessian', strict)
    with set_grad_enabled(create_graph or grad_mode.state.enabled):
        grads = _grads(second, dummies, v, create_graph=create_graph)
        product = _zeros_where_missing(grads, inputs, strict, create_graph,
                                       'double_back_trick')
    return (_finish(outputs, create_graph)[0],
            _shaped(_finish(product, create_graph), inputs_tuple))
