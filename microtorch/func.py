"""Function transforms, as `torch.func`: `grad`, `grad_and_value`, `vjp`, `jvp`, `jacrev`,
`jacfwd`, `hessian`, `linearize`, `vmap`, `functional_call` and `stack_module_state`.

PyTorch builds these on wrapper tensors that carry a "level" per transform. microtorch has one
tape, so the transforms are built on `autograd.grad` (through autograd.functional):

- a gradient transform makes fresh leaves of the inputs it differentiates (views, for inputs
  already on a graph), runs the function and takes the gradient. Where the output also
  depends on other tensors that require grad (an outer transform's inputs, a closure's
  parameters, the inputs' own history) it keeps the graph of what it returns, so that the
  outer transform or plain autograd can differentiate it again: `grad(grad(f))(x)` is the
  second derivative, exactly. Otherwise the results are detached.
- `jvp` (and so `jacfwd`) has no forward mode underneath: it is the double-backward trick of
  autograd.functional.jvp, J v = d/du [(u^T J) v], which is exact (no finite differences).
  `jacfwd` therefore gives jacrev's numbers by jacrev's passes.
- `vmap` is a loop, not a batched kernel: it calls the function once per batch element (a
  view of each mapped input) and stacks the results. Values and gradients are PyTorch's; the
  time grows linearly with the batch size (one Python call per element), and Python control
  flow that depends on the values (`.item()`, `if x > 0`) works, where PyTorch's refuses it.

Inputs and outputs may be nested tuples, lists and dicts of Tensors (pytrees), as PyTorch's.
"""
import contextlib

from .autograd import functional as _functional
from .autograd.grad_mode import enable_grad, no_grad

__all__ = ['functional_call', 'grad', 'grad_and_value', 'vjp', 'jvp', 'jacrev', 'jacfwd',
           'hessian', 'vmap', 'stack_module_state', 'linearize']


# ---- pytrees: nested tuples, lists and dicts with anything else as leaves ----------------

class _TreeSpec:
    """The shape of a pytree: a leaf, or a container type with its keys and children."""
    __slots__ = ('node_type', 'context', 'children')

    def __init__(self, node_type=None, context=None, children=()):
        self.node_type, self.context, self.children = node_type, context, tuple(children)

    @property
    def is_leaf(self):
        return self.node_type is None

    @property
    def num_leaves(self):
        return 1 if self.is_leaf else sum(child.num_leaves for child in self.children)

    def __eq__(self, other):
        return (isinstance(other, _TreeSpec) and self.node_type is other.node_type
                and self.context == other.context and self.children == other.children)

    def __repr__(self, indent=0):
        """PyTorch's TreeSpec form: one child a line, indented by depth."""
        if self.is_leaf:
            return '*'
        indent += 2
        children = [child.__repr__(indent) for child in self.children]
        inner = (',\n' + ' ' * indent).join(children)
        return f'TreeSpec({self.node_type.__name__}, {self.context}, [{inner}])'

    def pretty(self):
        """The short form of PyTorch's treespec_pprint: (*, *), [*], {'a': *}."""
        if self.is_leaf:
            return '*'
        parts = [child.pretty() for child in self.children]
        if self.node_type is dict:
            return '{' + ', '.join(f'{key!r}: {part}'
                                   for key, part in zip(self.context, parts)) + '}'
        if self.node_type is list:
            return '[' + ', '.join(parts) + ']'
        return '(' + ', '.join(parts) + (',)' if len(parts) == 1 else ')')


_LEAF = _TreeSpec()


def _children(tree):
    """(node type, context, children) of a container - a tuple, list, dict or named tuple
    (microtorch.return_types too) - or None for a leaf (other tuple subclasses: Size)."""
    kind = type(tree)
    if kind is dict:
        return dict, list(tree), list(tree.values())
    if kind in (tuple, list) or (isinstance(tree, tuple) and hasattr(kind, '_fields')):
        return kind, None, list(tree)
    return None


def _tree_flatten(tree):
    """(the leaves in order, the spec that rebuilds the tree from them)."""
    leaves = []

    def walk(node):
        parts = _children(node)
        if parts is None:
            leaves.append(node)
            return _LEAF
        node_type, context, children = parts
        return _TreeSpec(node_type, context, [walk(child) for child in children])
    return leaves, walk(tree)


def _tree_unflatten(leaves, spec):
    leaves = iter(leaves)

    def build(node):
        if node.is_leaf:
            return next(leaves)
        children = [build(child) for child in node.children]
        if node.node_type is dict:
            return dict(zip(node.context, children))
        if node.node_type in (tuple, list):
            return node.node_type(children)
        return node.node_type(*children)            # a namedtuple
    return build(spec)


def _broadcast_to_leaves(prefix, spec):
    """A prefix tree (in_dims, out_dims) spread over spec's leaves: a leaf of the prefix
    covers a whole subtree. None where the structures disagree."""
    parts = _children(prefix)
    if parts is None:
        return [prefix] * spec.num_leaves
    node_type, context, children = parts
    if (spec.is_leaf or node_type is not spec.node_type or context != spec.context
            or len(children) != len(spec.children)):
        return None
    flat = []
    for child, child_spec in zip(children, spec.children):
        part = _broadcast_to_leaves(child, child_spec)
        if part is None:
            return None
        flat.extend(part)
    return flat


# ---- shared pieces of the gradient transforms ---------------------------------------------

def _is_tensor(value):
    from .tensor import Tensor
    return isinstance(value, Tensor)


def _fresh_leaves(tensors):
    """What a transform differentiates against: new leaves, or for a tensor already on a
    graph a view of it (so that the results stay connected to that graph)."""
    return list(_functional._as_leaves(tensors, create_graph=True, need_graph=True))


def _reaches_outside(tree, own_leaves):
    """Whether a result depends, through the graph, on a tensor that requires grad other than
    the transform's own leaves: then what the transform returns must keep its graph."""
    from .autograd.function import AccumulateGrad
    own = {id(leaf) for leaf in own_leaves}
    pending, seen = [], set()
    for tensor in _tree_flatten(tree)[0]:
        if not _is_tensor(tensor) or not tensor.requires_grad:
            continue
        if tensor.grad_fn is None:
            if id(tensor) not in own:
                return True
        else:
            pending.append(tensor.grad_fn)
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            if id(node.variable) not in own:
                return True
            continue
        pending.extend(next_node for next_node, _ in node.next_functions if next_node)
    return False


def _finish(tree, keep_graph):
    """The results, detached unless they must stay on the graph."""
    if keep_graph:
        return tree
    leaves, spec = _tree_flatten(tree)
    return _tree_unflatten([t.detach() if _is_tensor(t) else t for t in leaves], spec)


def _check_argnum(argnum, num_args):
    if not isinstance(argnum, int):
        raise RuntimeError(f'argnum must be int, got: {type(argnum)}')
    if -num_args <= argnum < num_args:
        return argnum % num_args
    raise RuntimeError(f'Got argnum={argnum}, but only {num_args} positional inputs')


def _checked_argnums(argnums, num_args):
    """argnums made non-negative, after PyTorch's checks (in its order)."""
    if not isinstance(argnums, (int, tuple)):
        raise RuntimeError(f'argnums must be int or Tuple[int, ...], got: {type(argnums)}')
    if isinstance(argnums, int):
        return _check_argnum(argnums, num_args)
    if not argnums:
        raise RuntimeError('argnums must be non-empty')
    if len(set(argnums)) != len(argnums):
        raise RuntimeError(f'argnums elements must be unique, got {argnums}')
    return tuple(_check_argnum(argnum, num_args) for argnum in argnums)


def _selected(args, argnums):
    """The arguments differentiated: one argument's tree, or a tuple of them."""
    if isinstance(argnums, int):
        return args[argnums]
    return tuple(args[i] for i in argnums)


def _with_replaced(args, argnums, diff_args):
    args = list(args)
    if isinstance(argnums, int):
        args[argnums] = diff_args
    else:
        for i, value in zip(argnums, diff_args):
            args[i] = value
    return tuple(args)


def _transform_leaves(tree):
    """The Tensors of a differentiated argument; anything else is PyTorch's ValueError."""
    leaves, spec = _tree_flatten(tree)
    for leaf in leaves:
        if not _is_tensor(leaf):
            raise ValueError(f'Thing passed to transform API must be Tensor, got {type(leaf)}')
    return leaves, spec


def _split_aux(output, has_aux, api):
    if not has_aux:
        return output, None
    if not (isinstance(output, tuple) and len(output) == 2):
        raise RuntimeError(f'{api}: output of function f should be a tuple: (output, aux) if '
                           'has_aux is True')
    output, aux = output
    for leaf in _tree_flatten(aux)[0]:
        if not _is_tensor(leaf):
            raise RuntimeError(f'Expected tensors, got unsupported type {type(leaf)}')
    return output, aux


def _grads_or_zeros(outputs, inputs, grad_outputs=None, create_graph=False):
    """d outputs / d inputs with zeros where an input is unreached (as torch.func)."""
    from .creation import zeros_like
    grads = _functional._grads(outputs, inputs, grad_outputs, create_graph=create_graph,
                               retain_graph=True)
    return [zeros_like(x) if g is None else g if g.dtype == x.dtype else g.to(x.dtype)
            for g, x in zip(grads, inputs)]


# ---- grad, grad_and_value, vjp, jvp --------------------------------------------------------

def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (the gradient of func's scalar output with respect to the
    arguments at argnums, func's output) - ((gradient, (output, aux)) with has_aux). The
    gradient has the argument's structure (a tuple of them for a tuple of argnums)."""
    def wrapper(*args, **kwargs):
        argnums_ = _checked_argnums(argnums, len(args))
        leaves, spec = _transform_leaves(_selected(args, argnums_))
        with enable_grad():
            leaves = _fresh_leaves(leaves)
            call_args = _with_replaced(args, argnums_, _tree_unflatten(leaves, spec))
            output = func(*call_args, **kwargs)
            output, aux = _split_aux(output, has_aux, 'grad_and_value(f)(*args)')
            if not _is_tensor(output):
                raise RuntimeError('grad_and_value(f)(*args): Expected f(*args) to return a '
                                   f'Tensor, got {type(output)}')
            if output.dim() != 0:
                raise RuntimeError('grad_and_value(f)(*args): Expected f(*args) to return a '
                                   f'scalar Tensor, got tensor with {output.dim()} dims. Maybe '
                                   'you wanted to use the vjp or jacrev APIs instead?')
            keep = _reaches_outside(output, leaves)
            grads = _grads_or_zeros((output,), leaves, create_graph=keep)
        gradient = _finish(_tree_unflatten(grads, spec), keep)
        output = _finish(output, keep)
        if has_aux:
            return gradient, (output, _finish(aux, _reaches_outside(aux, leaves)))
        return gradient, output
    return _named_like(wrapper, func)


def grad(func, argnums=0, has_aux=False):
    """A function returning the gradient of func's scalar output with respect to the
    arguments at argnums ((gradient, aux) with has_aux). Nest it for higher derivatives:
    grad(grad(f))(x) is f''(x)."""
    with_value = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        gradient, value = with_value(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return _named_like(wrapper, func)


def _named_like(wrapper, func):
    for attr in ('__name__', '__qualname__', '__doc__', '__module__'):
        try:
            setattr(wrapper, attr, getattr(func, attr))
        except (AttributeError, TypeError):
            pass
    return wrapper


def _check_outputs(leaves, api):
    if not leaves or (len(leaves) == 1 and leaves[0] is None):
        raise RuntimeError(f'{api}: Expected f to be a function that has non-empty output '
                           f'(got output = {leaves})')
    for leaf in leaves:
        if not _is_tensor(leaf):
            raise RuntimeError(f'{api}: expected f(*primals) to return only tensors, got '
                               f'unsupported type {type(leaf)}')


_VJP = 'vjp(f, *primals)'


def _check_floating(outputs):
    for out in outputs:
        if not out.is_floating_point():
            raise RuntimeError('vjp(f, ...): All outputs of f must be floating-point or '
                               f'complex Tensors, got Tensor with dtype {out.dtype}')


def vjp(func, *primals, has_aux=False):
    """(func(*primals), vjp_fn) - with has_aux (output, vjp_fn, aux). vjp_fn(cotangents)
    gives a tuple with, per primal, the cotangents pulled back through func: v^T J. It can
    be called more than once."""
    flat_primals, primals_spec = _transform_leaves(primals)
    with enable_grad():
        leaves = _fresh_leaves(flat_primals)
        output = func(*_tree_unflatten(leaves, primals_spec))
        output, aux = _split_aux(output, has_aux, _VJP)
        flat_out, out_spec = _tree_flatten(output)
        _check_outputs(flat_out, _VJP)
        _check_floating(flat_out)
        keep = _reaches_outside(flat_out, leaves)

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        flat_cot, cot_spec = _tree_flatten(cotangents)
        if cot_spec != out_spec:
            raise RuntimeError('Expected pytree structure of cotangents to be the same as '
                               'pytree structure of outputs to the function. cotangents: '
                               f'{cot_spec.pretty()}, primal output: {out_spec.pretty()}')
        for i, (cot, out) in enumerate(zip(flat_cot, flat_out)):
            if cot is not None and not _is_tensor(cot):
                raise TypeError('gradients can be either Tensors or None, but got '
                                f'{type(cot).__name__}')
            if cot is not None and cot.shape != out.shape:
                raise RuntimeError(f'Mismatch in shape: grad_output[{i}] has a shape of '
                                   f'{cot.shape} and output[{i}] has a shape of {out.shape}.')
        graph = (keep or any(c is not None and c.requires_grad for c in flat_cot)
                 if create_graph is None else create_graph)
        pairs = [(out, cot) for out, cot in zip(flat_out, flat_cot) if cot is not None]
        with enable_grad():
            grads = _grads_or_zeros([p[0] for p in pairs], leaves, [p[1] for p in pairs],
                                    create_graph=graph)
        return _finish(_tree_unflatten(grads, primals_spec), graph)

    output = _finish(output, keep)
    if has_aux:
        return output, vjp_fn, _finish(aux, _reaches_outside(aux, leaves))
    return output, vjp_fn


_JVP = 'jvp(f, primals, tangents)'


def _tensor_leaves(tree, api, what):
    leaves, spec = _tree_flatten(tree)
    if not leaves:
        raise RuntimeError(f'{api}: Expected {what} to contain at least one Tensor.')
    for leaf in leaves:
        if not _is_tensor(leaf):
            raise RuntimeError(f'{api}: Expected {what} to only contain Tensors, got '
                               f'{type(leaf)}')
    return leaves, spec


def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """(func(*primals), J tangents) - with has_aux (output, jvp_out, aux): the derivative of
    func at primals along tangents, by the exact double-backward trick (no forward mode)."""
    if not isinstance(primals, tuple):
        raise RuntimeError(f'{_JVP}: Expected primals to be a tuple. E.g. it should be valid '
                           'to call f(*primals).')
    flat_primals, primals_spec = _tree_flatten(primals)
    flat_tangents, tangents_spec = _tree_flatten(tangents)
    if primals_spec != tangents_spec:
        raise RuntimeError(f'{_JVP}: Expected primals and tangents to have the same python '
                           'structure. For example, if primals is a tuple of 3 tensors, '
                           f'tangents also must be. Got primals with structure {primals_spec} '
                           f'and tangents with structure {tangents_spec}')
    _tensor_leaves(primals, _JVP, 'primals')
    _tensor_leaves(tangents, _JVP, 'tangents')
    for primal, tangent in zip(flat_primals, flat_tangents):
        if primal.shape != tangent.shape:
            raise RuntimeError('Trying to set a forward gradient that has a different size '
                               'than that of the original Tensor, this is not supported. '
                               f'Tensor is of size {list(primal.shape)} while the given '
                               f'forward gradient is of size {list(tangent.shape)}.')
    with enable_grad():
        leaves = _fresh_leaves(flat_primals)
        output = func(*_tree_unflatten(leaves, primals_spec))
        output, aux = _split_aux(output, has_aux, _JVP)
        flat_out, out_spec = _tree_flatten(output)
        _check_outputs(flat_out, _JVP)
        if strict and not any(out.requires_grad for out in flat_out):
            raise RuntimeError('jvp(f, primals, tangents, strict=True): The output of f is '
                               'independent of the inputs. This is not allowed with '
                               'strict=True.')
        keep = (_reaches_outside(flat_out, leaves)
                or any(tangent.requires_grad for tangent in flat_tangents))
    products = _functional.jvp_of_outputs(tuple(flat_out), tuple(leaves), tuple(flat_tangents),
                                          create_graph=keep)
    result = (_finish(output, keep), _tree_unflatten(list(products), out_spec))
    if has_aux:
        return result + (_finish(aux, _reaches_outside(aux, leaves)),)
    return result


def linearize(func, *primals):
    """(func(*primals), jvp_fn): jvp_fn(*tangents) is J tangents at primals, from the graph of
    one forward pass (each call is the double-backward trick over it; PyTorch traces a
    forward-mode graph instead, with the same numbers)."""
    flat_primals, primals_spec = _tensor_leaves(primals, _JVP, 'primals')
    with enable_grad():
        leaves = _fresh_leaves(flat_primals)
        flat_out, out_spec = _tree_flatten(func(*_tree_unflatten(leaves, primals_spec)))
        _check_outputs(flat_out, _JVP)
    output = _finish(_tree_unflatten(flat_out, out_spec), _reaches_outside(flat_out, leaves))

    def jvp_fn(*tangents):
        flat_tangents, tangents_spec = _tree_flatten(tangents)
        if tangents_spec != primals_spec:
            raise RuntimeError(f'Expected the tangents {tangents_spec} to have the same '
                               f'argspec as the primals {primals_spec}')
        for i, (tangent, primal) in enumerate(zip(flat_tangents, flat_primals)):
            for what in ('shape', 'device', 'dtype'):
                if getattr(tangent, what) != getattr(primal, what):
                    raise RuntimeError(f'tangent:{i} with {what} {getattr(tangent, what)} in '
                                       "flattened pytree doesn't match the "
                                       f'{what} {getattr(primal, what)} of the corresponding '
                                       'primal.')
        keep = (_reaches_outside(flat_out, leaves)
                or any(tangent.requires_grad for tangent in flat_tangents))
        products = _functional.jvp_of_outputs(tuple(flat_out), tuple(leaves),
                                              tuple(flat_tangents), create_graph=keep)
        return _tree_unflatten(list(products), out_spec)
    return output, jvp_fn


# ---- Jacobians and the Hessian -------------------------------------------------------------

def _jacobian_transform(func, argnums, has_aux, api):
    """The shared body of jacrev and jacfwd: autograd.functional's Jacobian rows (one reverse
    pass per output element) over the flattened arguments, returned as torch.func arranges
    them (per output leaf, the differentiated arguments' tree)."""
    def wrapper(*args, **kwargs):
        argnums_ = _checked_argnums(argnums, len(args))
        leaves, spec = _transform_leaves(_selected(args, argnums_))
        with enable_grad():
            leaves = _fresh_leaves(leaves)
            output = func(*_with_replaced(args, argnums_, _tree_unflatten(leaves, spec)),
                          **kwargs)
            output, aux = _split_aux(output, has_aux, api)
            flat_out, out_spec = _tree_flatten(output)
            _check_outputs(flat_out, api)
            if api == _VJP:
                _check_floating(flat_out)
            keep = _reaches_outside(flat_out, leaves)
            rows = _functional._jacobian_rows(flat_out, leaves, keep, strict=False)
        jac = _tree_unflatten([_tree_unflatten(list(row), spec) for row in rows], out_spec)
        jac = _finish(jac, keep)
        if has_aux:
            return jac, _finish(aux, _reaches_outside(aux, leaves))
        return jac
    return _named_like(wrapper, func)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None,
           _preallocate_and_copy=False):
    """A function returning the Jacobian of func with respect to the arguments at argnums,
    one reverse pass per output element: of shape output.shape + input.shape per output
    and input ((jacobian, aux) with has_aux). chunk_size is accepted; the rows are always
    taken one at a time."""
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError('jacrev: `chunk_size` should be greater than 0.')
    return _jacobian_transform(func, argnums, has_aux, _VJP)


def jacfwd(func, argnums=0, has_aux=False, *, randomness='error'):
    """jacrev's Jacobian under jacfwd's signature: microtorch has no forward mode, so the
    same reverse passes give the same numbers."""
    jacobian = _jacobian_transform(func, argnums, has_aux, _JVP)

    def wrapper(*args, **kwargs):
        _check_randomness(randomness)
        return jacobian(*args, **kwargs)
    return _named_like(wrapper, func)


def hessian(func, argnums=0):
    """A function returning the second derivatives of func's (scalar) output with respect to
    the arguments at argnums: jacfwd(jacrev(func)), so of shape input.shape + input.shape."""
    return jacfwd(jacrev(func, argnums), argnums)


# ---- vmap -----------------------------------------------------------------------------------

def _check_randomness(randomness):
    if randomness not in ('error', 'different', 'same'):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


def _func_name(func):
    import functools
    if hasattr(func, '__name__'):
        return func.__name__
    if isinstance(func, functools.partial):
        return f'functools.partial({_func_name(func.func)}, ...)'
    return repr(func)


class _NoRandomness:
    """Stands in for the default generator's stream under randomness='error'."""

    def __getattr__(self, name):
        raise RuntimeError("vmap: called random operation while in randomness error mode. "
                           "Please either use the 'same' or 'different' randomness flags on "
                           "vmap or perform the randomness operation out of vmap")


@contextlib.contextmanager
def _randomness_mode(randomness):
    """'error': drawing from the default generator raises; 'same': every element's call
    starts from the same generator state (the state after one call is kept at the end);
    'different': the calls draw one after another."""
    from .random import default_generator
    if randomness == 'error':
        saved = default_generator.stream
        default_generator.stream = _NoRandomness()
        try:
            yield lambda index: None
        finally:
            default_generator.stream = saved
    elif randomness == 'same':
        start = default_generator.get_state()
        after_first = {}

        def before_call(index):
            if index == 1:
                after_first['state'] = default_generator.get_state()
            if index > 0:
                default_generator.set_state(start)
        try:
            yield before_call
        finally:
            if 'state' in after_first:
                default_generator.set_state(after_first['state'])
    else:
        yield lambda index: None


def _mapped_inputs(func, in_dims, args):
    """PyTorch's checks of in_dims against the arguments; (batch size, flat arguments, flat
    in_dims made non-negative, the arguments' spec)."""
    name = _func_name(func)
    prefix = f'vmap({name}, in_dims={in_dims}, ...)(<inputs>): '
    if not isinstance(in_dims, (int, tuple)):
        raise ValueError(f'{prefix}expected `in_dims` to be int or a (potentially nested) '
                         f'tuple matching the structure of inputs, got: {type(in_dims)}.')
    if not args:
        raise ValueError(f'vmap({name})(<inputs>): got no inputs. Maybe you forgot to add '
                         'inputs, or you are trying to vmap over a function with no inputs. '
                         'The latter is unsupported.')
    flat_args, args_spec = _tree_flatten(args)
    flat_dims = _broadcast_to_leaves(in_dims, args_spec)
    if flat_dims is None:
        raise ValueError(f'{prefix}in_dims is not compatible with the structure of `inputs`. '
                         f'in_dims has structure {_tree_flatten(in_dims)[1]} but inputs has '
                         f'structure {args_spec}.')
    for i, (arg, dim) in enumerate(zip(flat_args, flat_dims)):
        if dim is not None and not isinstance(dim, int):
            raise ValueError(f'{prefix}Got in_dim={dim} for an input but in_dim must be '
                             'either an integer dimension or None.')
        if dim is None:
            continue
        if not _is_tensor(arg):
            raise ValueError(f'{prefix}Got in_dim={dim} for an input but the input is of type '
                             f'{type(arg)}. We cannot vmap over non-Tensor arguments, please '
                             'use None as the respective in_dim')
        ndim = arg.dim()
        if not -ndim <= dim < ndim:
            raise ValueError(f'{prefix}Got in_dim={dim} for some input, but that input is a '
                             f'Tensor of dimensionality {ndim} so expected in_dim to satisfy '
                             f'-{ndim} <= in_dim < {ndim}.')
        flat_dims[i] = dim % ndim
    sizes = [arg.shape[dim] for arg, dim in zip(flat_args, flat_dims) if dim is not None]
    if not sizes:
        raise ValueError('vmap: Expected at least one Tensor to vmap over')
    if any(size != sizes[0] for size in sizes):
        raise ValueError('vmap: Expected all tensors to have the same size in the mapped '
                         f'dimension, got sizes {sizes} for the mapped dimension')
    return sizes[0], flat_args, flat_dims, args_spec


def _check_out_dims(func, out_dims):
    if isinstance(out_dims, int):
        return
    for leaf in _tree_flatten(out_dims)[0]:
        if leaf is not None and not isinstance(leaf, int):
            raise ValueError(f'vmap({_func_name(func)}, ..., out_dims={out_dims}): `out_dims` '
                             'must be an int, None or a python collection of ints '
                             'representing where in the outputs the vmapped dimension should '
                             'appear.')


def _flat_out_dims(func, out_dims, output, out_spec):
    if _is_tensor(output):
        if isinstance(out_dims, int) or out_dims is None:
            return [out_dims]
        if isinstance(out_dims, tuple) and len(out_dims) == 1:
            return list(out_dims)
        flat = None
    else:
        flat = _broadcast_to_leaves(out_dims, out_spec)
    if flat is None:
        raise ValueError(f'vmap({_func_name(func)}, ..., out_dims={out_dims})(<inputs>): '
                         'out_dims is not compatible with the structure of `outputs`. '
                         f'out_dims has structure {_tree_flatten(out_dims)[1]} but outputs has '
                         f'structure {out_spec}.')
    return flat


def _samples(flat_args, flat_dims, batch_size):
    """Per element, the arguments of its call: each mapped input's slice (a view; one unbind
    per input gives them all)."""
    slices = [None if dim is None else arg.unbind(dim)
              for arg, dim in zip(flat_args, flat_dims)]
    return [[arg if parts is None else parts[index] for arg, parts in zip(flat_args, slices)]
            for index in range(batch_size)]


def _empty_sample(flat_args, flat_dims):
    """Zeros shaped like one element, to learn the outputs' shapes when the batch is empty."""
    from .creation import zeros
    return [arg if dim is None else
            zeros(arg.shape[:dim] + arg.shape[dim + 1:], dtype=arg.dtype, device=arg.device)
            for arg, dim in zip(flat_args, flat_dims)]


def _same_values(samples):
    from .ops.functional import equal
    first = samples[0]
    return all(s is first or (s.shape == first.shape and equal(s, first)) for s in samples[1:])


def _stacked_outputs(func, out_dims, results, batch_size):
    """The per-element outputs joined along out_dims (the output itself where it is None)."""
    from .ops.functional import stack
    name = _func_name(func)
    out_spec = _tree_flatten(results[0])[1]
    flat_results = [_tree_flatten(r)[0] for r in results]
    flat_dims = _flat_out_dims(func, out_dims, results[0], out_spec)
    joined = []
    for position, dim in enumerate(flat_dims):
        samples = [flat[position] for flat in flat_results]
        if dim is None:
            if _is_tensor(samples[0]) and not _same_values(samples):
                raise ValueError(f'vmap({name}, ...): `{name}` can not return a '
                                 'BatchedTensor when out_dim is None')
            joined.append(samples[0])
            continue
        if not _is_tensor(samples[0]):
            raise ValueError(f'vmap({name}, ...): `{name}` must only return Tensors, got type '
                             f'{type(samples[0])}. Did you mean to set out_dims= to None for '
                             'output?')
        if batch_size == 0:
            joined.append(samples[0].unsqueeze(dim).narrow(dim, 0, 0))
        else:
            joined.append(stack(samples, dim=dim))
    return _tree_unflatten(joined, out_spec)


def vmap(func, in_dims=0, out_dims=0, randomness='error', *, chunk_size=None):
    """func mapped over a dimension of its inputs: in_dims says which dimension of each
    argument (an int for all, or a tuple per argument, nested like the argument; None for
    one that is not mapped), out_dims where the mapped dimension goes in the outputs.

    This is a loop, not a batched kernel: func runs once per element on views of the mapped
    inputs and the outputs are stacked, so the values (and gradients through it) are
    PyTorch's and the time is linear in the batch size. chunk_size is checked and accepted;
    the elements always run one at a time. randomness: 'error' raises when func draws from
    microtorch's default generator, 'same' gives every element the same draws, 'different'
    gives each its own."""
    _check_randomness(randomness)
    if not (chunk_size is None or chunk_size > 0):
        raise ValueError(f'vmap: chunk_size should be None or greater than 0. (got '
                         f'{chunk_size})')

    def wrapper(*args, **kwargs):
        _check_out_dims(func, out_dims)
        batch_size, flat_args, flat_dims, args_spec = _mapped_inputs(func, in_dims, args)
        results = []
        with _randomness_mode(randomness) as before_call:
            if batch_size == 0:
                sample = _empty_sample(flat_args, flat_dims)
                results.append(func(*_tree_unflatten(sample, args_spec), **kwargs))
            for index, sample in enumerate(_samples(flat_args, flat_dims, batch_size)):
                before_call(index)
                results.append(func(*_tree_unflatten(sample, args_spec), **kwargs))
        return _stacked_outputs(func, out_dims, results, batch_size)
    return _named_like(wrapper, func)


# ---- functional_call -------------------------------------------------------------------------

def _merged_dicts(parameter_and_buffer_dicts):
    if isinstance(parameter_and_buffer_dicts, dict):
        return parameter_and_buffer_dicts
    if isinstance(parameter_and_buffer_dicts, (tuple, list)):
        if not all(isinstance(d, dict) for d in parameter_and_buffer_dicts):
            raise ValueError('Expected all elements of parameter_and_buffer_dicts to be '
                             'dictionaries')
        counts = {}
        for d in parameter_and_buffer_dicts:
            for key in d:
                counts[key] = counts.get(key, 0) + 1
        repeated = [key for key, count in counts.items() if count > 1]
        if repeated:
            raise ValueError(f'{repeated} appeared in multiple dictionaries; behavior of '
                             'functional call is ambiguous')
        return {k: v for d in parameter_and_buffer_dicts for k, v in d.items()}
    raise ValueError('Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of '
                     f'dicts, but got {type(parameter_and_buffer_dicts)}')


def _named_tensors(module):
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    return named


def _untied(module, values):
    """values with every name tied to a given one (the same tensor in the module) set too;
    different values for names that are tied are an error."""
    groups = {}
    for name, tensor in _named_tensors(module).items():
        groups.setdefault(id(tensor), set()).add(name)
    tied = {name: names for names in groups.values() if len(names) > 1 for name in names}
    given_tied = [name for name in values if name in tied]
    for name in given_tied:
        names = tied[name]
        given = [values[n] for n in names if n in values]
        if len(given) > 1 and len({id(v) for v in given}) != 1:
            raise ValueError(f'functional_call got multiple values for keys {sorted(names)}, '
                             'which are tied. Consider using tie_weights=False')
    untied = dict(values)
    for name in given_tied:
        for other in tied[name]:
            untied[other] = values[name]
    return untied


_MISSING = object()


def _owner(module, name):
    """(the submodule that holds name, the attribute's own name)."""
    prefix, _, attr = name.rpartition('.')
    return (module.get_submodule(prefix) if prefix else module), attr


def _current(owner, attr):
    for registry in ('_parameters', '_buffers'):
        if attr in owner.__dict__[registry]:
            return owner.__dict__[registry][attr]
    return getattr(owner, attr, _MISSING)


def _put(owner, attr, value):
    """Set a parameter's or buffer's slot to any tensor (no Parameter check), or a plain
    attribute; _MISSING removes a plain attribute again."""
    for registry in ('_parameters', '_buffers'):
        if attr in owner.__dict__[registry]:
            owner.__dict__[registry][attr] = value
            return
    if value is _MISSING:
        owner.__dict__.pop(attr, None)
    else:
        object.__setattr__(owner, attr, value)


def _swap_plan(module, values):
    """Check every name and value before anything is changed: [(owner, attr, value)]."""
    plan = []
    for name, value in values.items():
        if value is not None and not _is_tensor(value):
            raise TypeError(f'{value} is not an instance of microtorch.Tensor')
        owner, attr = _owner(module, name)
        if attr == '':
            raise KeyError('tensor name can\'t be empty string ""')
        current = _current(owner, attr)
        if current is not _MISSING and current is not None and not _is_tensor(current):
            raise TypeError(f'attribute `{attr}`: {current} is not an instance of '
                            'microtorch.Tensor')
        plan.append((owner, attr, value))
    return plan


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """module(*args, **kwargs) with its parameters and buffers replaced by the given tensors
    (a dict of names as in named_parameters/named_buffers, or a tuple of such dicts) for
    this call only: the module's own tensors are back afterwards, also when forward raises.
    Gradients flow to the given tensors, which is what grad/vmap over a model need.

    tie_weights: names tied in the module (one tensor under two names) take the one given
    value together. strict: every parameter and buffer must be given, and nothing else."""
    given = _merged_dicts(parameter_and_buffer_dicts)
    return _reparametrized_call(module, given, args, kwargs, tie_weights, strict)


def _reparametrized_call(module, given, args, kwargs, tie_weights, strict):
    values = _untied(module, given) if tie_weights else given
    if strict:
        valid = set(_named_tensors(module))
        missing, unexpected = sorted(valid - set(values)), sorted(set(values) - valid)
        errors = []
        if unexpected:
            errors.append(f"Unexpected key(s): {', '.join(map(repr, unexpected))}.")
        if missing:
            errors.append(f"Missing key(s): {', '.join(map(repr, missing))}.")
        if errors:
            raise RuntimeError(f'Error(s) in reparametrizing for {module._get_name()}:\n\t'
                               + '\n\t'.join(errors))
    kwargs = {} if kwargs is None else kwargs
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    plan = _swap_plan(module, values)
    originals = [(owner, attr, _current(owner, attr)) for owner, attr, _ in plan]
    try:
        for owner, attr, value in plan:
            _put(owner, attr, value)
        return module(*args, **kwargs)
    finally:
        # What forward left in each slot (it may have assigned a new tensor) goes back to the
        # given dict, as PyTorch's does; then the module's own tensors are put back, in
        # reverse so that a slot named twice (tied names) ends with its original.
        left = {name: _current(owner, attr) for name, (owner, attr, _) in zip(values, plan)}
        for owner, attr, original in reversed(originals):
            _put(owner, attr, original)
        for name in given:
            given[name] = left.get(name, given[name])


def _stacked_leaf(tensors, name):
    from .ops.functional import stack
    requiring = [t.requires_grad for t in tensors]
    if any(requiring) and not all(requiring):
        raise RuntimeError(f'Expected {name} from each model to have the same .requires_grad')
    with no_grad():
        stacked = stack(tensors)
    return stacked.requires_grad_() if all(requiring) else stacked


def stack_module_state(models):
    """(params, buffers): each parameter and buffer of models of one class stacked along a
    new first dimension, for an ensemble run by vmap over functional_call. The stacked
    parameters are new leaves (they require grad where the models' do), apart from the
    models' own."""
    if len(models) == 0:
        raise RuntimeError('stack_module_state: Expected at least one model, got 0.')
    if len({bool(m.training) for m in models}) != 1:
        raise RuntimeError('stack_module_state: Expected all models to have the same '
                           'training/eval mode.')
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError('stack_module_state: Expected all models to be of the same class.')
    stacked = []
    for named in ('named_parameters', 'named_buffers'):
        per_model = [dict(getattr(m, named)()) for m in models]
        stacked.append({name: _stacked_leaf([tensors[name] for tensors in per_model], name)
                        for name in per_model[0]})
    return tuple(stacked)
