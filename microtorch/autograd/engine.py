"""The backward engine: replay the tape in reverse.

Each recorded node has a sequence number. Starting from the outputs' nodes, the engine keeps a
heap of the nodes that have received a gradient and always runs the one recorded last. Every node
that feeds a node's outputs was recorded after it, so when a node runs, all of its gradient has
arrived. No recursion: a graph of any depth runs in a loop.

A plain backward (no create_graph, anomaly mode off) passes backend arrays between nodes and
calls each op's `backward_data`, so it makes no Tensors and records nothing; Tensors appear only
where the user sees a gradient (hooks, `.grad`, autograd.grad's results). With create_graph the
gradients are Tensors and each op's `backward` records, which gives higher derivatives.
"""
import functools
import heapq
import operator

import numpy as np

from . import function
from .function import AccumulateGrad, PostAccumulateKey, accumulator_of, current_grad_fn
from . import anomaly_mode as _anomaly
from .anomaly_mode import state as _anomaly_state
from .. import _layout
from .._dtype import from_numpy_dtype
from .function import _HALF, widened_any as _widened_any, _numpy_below
from ..backends import cpu as _cpu
from ..backends import cpu_copies as _cpu_copies
from .grad_mode import state as grad_state


def edge_of(tensor):
    if tensor._grad_fn is not None:
        return current_grad_fn(tensor), tensor._output_nr
    if tensor._requires_grad:
        return accumulator_of(tensor), 0
    return None


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate `grad_outputs` from `outputs`.

    accumulate=True (Tensor.backward): add into leaves' `.grad` (only `inputs`' when given).
    accumulate=False (autograd.grad): return the grads reaching `inputs`, touching no `.grad`.
    """
    roots = []
    for i, (out, grad) in enumerate(zip(outputs, grad_outputs)):
        edge = edge_of(out)
        if edge is None:
            raise RuntimeError(f'element {i} of tensors does not require grad and does not '
                               'have a grad_fn')
        roots.append((edge, grad))

    targets = {}                 # (node, output_nr) -> position in `inputs`
    if inputs is not None:
        for pos, t in enumerate(inputs):
            edge = edge_of(t)
            if edge is None:
                raise RuntimeError('One of the differentiated Tensors does not require grad')
            targets[edge] = pos
    needed = _nodes_leading_to(targets, [e[0] for e, _ in roots]) if inputs is not None else None
    captured = [None] * (len(inputs) if inputs is not None else 0)

    previous_mode = grad_state.enabled
    grad_state.enabled = create_graph
    try:
        if not create_graph and not _anomaly_state.enabled:
            roots = [(edge, grad._data) for edge, grad in roots]
        _replay(roots, targets, needed, captured, retain_graph, create_graph, accumulate)
    finally:
        grad_state.enabled = previous_mode

    if not accumulate and not allow_unused:
        for i, got in enumerate(captured):
            if got is None:
                raise RuntimeError(f'The differentiated Tensor at index {i} appears to not '
                                   'have been used in the graph. Set allow_unused=True if this '
                                   'is the desired behavior.')
    return captured


def backward_from_scalar(tensor, retain_graph):
    """`loss.backward()` with nothing else given (the common call): run_backward's work for a
    single output whose implicit gradient is a one, without the argument handling."""
    data = tensor._data
    if data.size != 1:
        raise RuntimeError('grad can be implicitly created only for scalar outputs')
    node = tensor._grad_fn if tensor._base is None else current_grad_fn(tensor)
    if node is None:
        node = accumulator_of(tensor)
    ones = _ARRAY_TYPES[type(data)].ones_like(data)
    if _anomaly_state.enabled:
        ones = _as_tensor(ones)
    previous_mode = grad_state.enabled
    grad_state.enabled = False
    try:
        if node._ends_chain or _anomaly_state.enabled:
            _replay([((node, tensor._output_nr), ones)], _NO_TARGETS, None, None,
                    retain_graph, False, True)
        else:
            _replay_chain(node, ones, retain_graph)
    finally:
        grad_state.enabled = previous_mode


_NO_TARGETS = {}


def _replay(roots, targets, needed, captured, retain_graph, create_graph, accumulate):
    """Run the nodes from `roots` ((node, output_nr), grad): grads are arrays on a plain
    backward (no create_graph, anomaly mode off), Tensors otherwise."""
    on_arrays = not create_graph and not _anomaly_state.enabled
    if on_arrays:
        call = _call_backward_data
    elif _anomaly_state.enabled:            # checks each returned grad, reports the forward line
        call = functools.partial(_anomaly.call_backward, _call_backward)
    else:
        call = _call_backward
    node = _single_chain_start(roots, needed)      # a lone root runs at once
    grads = [roots[0][1]] if node is not None else None
    _replay_loop(node, grads, None, roots, {}, targets, needed, captured, retain_graph,
                 create_graph, accumulate, call, on_arrays)


def _replay_chain(node, ones, retain_graph):
    """_replay for backward_from_scalar's usual graph: a chain from the root's node (one
    output, no hooks) to a leaf, run by _run_chain before any of the loop's heap and buffers
    exist, the leaf's `.grad` added here; whatever else the chain reaches, the loop takes
    on. (The seed's scalar step: 7.3 -> 4.7 us a backward with _run_chain's (None, grad).)"""
    owned = {}
    node, grads, source, arrived = _run_chain(node, [ones], _call_backward_data, retain_graph,
                                              owned)
    if type(node) is AccumulateGrad and not node._hooks and not node._retained:
        _accumulate(node.variable, grads[0], False, True, owned.pop(node, None) is grads[0])
        return
    _replay_loop(node, grads, source, arrived, owned, _NO_TARGETS, None, None, retain_graph,
                 False, True, _call_backward_data, True)


def _replay_loop(node, grads, source, arrived, owned, targets, needed, captured, retain_graph,
                 create_graph, accumulate, call, on_arrays):
    """The replay from a state: `node` to run with its `grads`, or None and the (edge, grad)
    pairs `arrived` to deliver (the roots, or what the last node run sent; `source`: that
    node's (grads in, grads out, saved arrays)), `owned` the big arrays it gave leaves."""
    add = _add_arrays if on_arrays else operator.add
    buffers = {}             # node -> the grads of its outputs that have arrived so far
    summed = set()           # nodes whose buffer holds a sum the engine made: no one shares it
    heap = []                # (-seq, node): sequence numbers are unique, nodes never compared
    push = heapq.heappush
    pop = heapq.heappop
    while True:
        if node is None:
            for edge, grad in arrived:
                if edge is None or grad is None:
                    continue
                child = edge[0]
                nr = edge[1]
                if needed is not None and child not in needed and (child, nr) not in targets:
                    continue
                buf = buffers.get(child)
                if buf is None:
                    buf = buffers[child] = [None] * child._n_outputs
                    push(heap, (-child._seq, child))
                if buf[nr] is None:
                    buf[nr] = grad
                    if type(child) is AccumulateGrad and _owned_by_engine(source, grad):
                        owned[child] = grad
                else:
                    buf[nr] = add(buf[nr], grad)
                    summed.add(child)
            source = None                      # (its saved arrays go now, as the node's)
            if not heap:
                return
            node = pop(heap)[1]
            grads = buffers.pop(node)
        if node._hooks or node._retained or targets:
            grads = _observe(node, grads, targets, captured, create_graph, on_arrays)
        if type(node) is AccumulateGrad:
            if accumulate and (not targets or (node, 0) in targets):
                # A sum of several arrivals, or an array only the engine holds, may become
                # `.grad` without a copy (unless autograd.grad's targets captured it too).
                keep = not targets and (node in summed or owned.pop(node, None) is grads[0])
                _accumulate(node.variable, grads[0], create_graph, on_arrays, keep)
            arrived, node = (), None
            continue
        if needed is not None and node not in needed:
            arrived, node = (), None
            continue
        if not heap and needed is None and not targets:
            node, grads, source, arrived = _run_chain(node, grads, call, retain_graph, owned)
            continue
        grads_in = call(node, grads)
        source = grads, grads_in, node._saved
        if not retain_graph:
            node._saved = None                 # saved values go as each node finishes
            node._saved_sources = ()
        arrived = zip(node._next, grads_in)
        node = None


def _run_chain(node, grads, call, retain_graph, owned):
    """Run `node`, then while each node run sends a single gradient on, the node it reaches.

    With nothing else waiting, a node that gets a single gradient gets no other (a second
    sender would have to come after it on the tape and before it in the replay), so it runs
    next, without the heap and the buffers. (The seed's steps are such chains.) Returns
    (node, grads, source, arrived): a node for _replay to take over (a leaf's AccumulateGrad,
    or one with hooks) and its grads, or None and the (edge, grad) pairs the last one sent."""
    inline = call is _call_backward_data
    while True:
        backward_data = node._fn.backward_data
        grads_in = None
        if inline and len(grads) == 1 and backward_data is not None and not _widened_any[0]:
            # _call_backward_data's commonest case, without its call: one gradient in, and out
            # one input's alone, of its shape and dtype (no layout: a vector's): the first
            # input's as a lone array, the second's as (None, grad) (`x * w`, x no parameter)
            gy = grads[0]
            result = backward_data(node, gy)
            if type(result) is tuple and len(result) == 2 and result[0] is None:
                lone = node._next[1]
                lone_grad = result[1]
            else:
                lone = node._next[0]
                lone_grad = result
            if not (type(lone_grad) is _NUMPY_ARRAY and gy.ndim < 2 and lone is not None
                    and lone_grad.shape == lone[2] and lone_grad.dtype is lone[3]):
                grads_in = _fitted(node, grads, grads, result)
        else:
            grads_in = call(node, grads)
        saved = node._saved
        if not retain_graph:
            node._saved = None                 # saved values go as each node finishes
            node._saved_sources = ()
        if grads_in is None:                   # the fast case: lone and lone_grad are set
            pass
        elif len(grads_in) == 1:               # (the first input's alone: no loop)
            lone = node._next[0]
            lone_grad = grads_in[0]
            if lone is None or lone_grad is None:
                return None, None, (grads, grads_in, saved), ()
        else:
            lone = None
            for edge, grad in zip(node._next, grads_in):
                if edge is not None and grad is not None:
                    if lone is not None:       # two or more: the general way
                        return None, None, (grads, grads_in, saved), zip(node._next, grads_in)
                    lone, lone_grad = edge, grad
            if lone is None:
                return None, None, (grads, grads_in, saved), ()
        node = lone[0]
        if node._ends_chain:             # a leaf's, several outputs', hooks or retained grads
            source = grads, ((lone_grad,) if grads_in is None else grads_in), saved
            if node._n_outputs != 1:
                return None, None, source, ((lone, lone_grad),)
            if type(node) is AccumulateGrad and _owned_by_engine(source, lone_grad):
                owned[node] = lone_grad
            return node, [lone_grad], None, None
        grads = [lone_grad]


# From this many elements a leaf's first `.grad` asks _owned_by_engine before copying: below,
# the copy costs less than the question.
OWN_FROM = 1 << 12


def _owned_by_engine(source, grad):
    """May a leaf's `.grad` keep `grad`, which the node of `source` sent it, without a copy?
    PyTorch's AccumulateGrad keeps a gradient whose reference count says no one else holds
    it; here, conservatively: a big array made by a built-in op's backward_data (not by a
    Tensor backward, whose Tensors the user's code may hold) that owns its memory or is a
    writeable view of all of an array that does (a kernel's output reshaped), that memory
    being none of the grads' that reached the node, its saved arrays' or its other outputs'."""
    if source is None or type(grad) not in _ARRAY_TYPES or grad.size < OWN_FROM:
        return False
    memory = _whole_memory(grad)
    grads, grads_in, saved = source
    if memory is None or type(grads_in) is _FromTensors:
        return False
    if any(_holder(array) is memory for array in grads) or \
            any(_holder(array) is memory for array in saved or ()):
        return False
    return sum(_holder(array) is memory for array in grads_in) == 1


def _holder(value):
    """The array that owns an array's memory (NumPy's and CuPy's `base` is that owner)."""
    if type(value) not in _ARRAY_TYPES:
        return None
    return value if value.base is None else value.base


def _whole_memory(grad):
    """grad's memory owner where grad is all of it (the owner, or a writeable C-contiguous
    view of the same size), else None."""
    base = grad.base
    if base is None:
        return grad
    if (type(base) is type(grad) and base.base is None and grad.flags.c_contiguous
            and grad.flags.writeable and grad.nbytes == base.nbytes):
        return base
    return None


class _FromTensors(list):
    """A node's grads (arrays) that its Tensor backward made."""


def _single_chain_start(roots, needed):
    """The node a backward from one root can run straight away (its only output's)."""
    if len(roots) != 1 or needed is not None:
        return None
    edge, grad = roots[0]
    if edge is None or grad is None or edge[0]._n_outputs != 1:
        return None
    return edge[0]


def _observe(node, grads, targets, captured, create_graph, on_arrays):
    """What the user sees of a node's incoming grads, as Tensors: its outputs' hooks (whose
    results replace the grads), retain_grad, and autograd.grad's captures."""
    if on_arrays:
        grads = [_as_tensor(g) for g in grads]
    if node._hooks or node._retained:
        _run_node_hooks(node, grads, create_graph)
    if targets:
        for nr, grad in enumerate(grads):
            pos = targets.get((node, nr))
            if pos is not None and grad is not None:
                captured[pos] = grad
    if on_arrays:
        grads = [None if g is None else g._data for g in grads]
    return grads


def _accumulate(tensor, grad, create_graph, on_arrays, owned):
    if not on_arrays:
        _accumulate_leaf(tensor, grad, create_graph)
    elif tensor._hooks:                        # the user's hooks take a Tensor
        _accumulate_leaf(tensor, _as_tensor(grad), create_graph)
    else:
        _accumulate_array(tensor, grad, owned)


def _run_node_hooks(node, grads, create_graph):
    """Tensor hooks registered on non-leaf outputs, then retain_grad's accumulation."""
    if node._hooks:
        for nr, hooks in node._hooks.items():
            if grads[nr] is not None:
                for hook in hooks:
                    result = hook(grads[nr])
                    if result is not None:
                        grads[nr] = result
    if node._retained:
        for nr, ref in node._retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                _accumulate_into(tensor, grads[nr], create_graph)


def _call_backward(node, grads):
    if len(grads) > 1 and any(g is None for g in grads) and node._materialize_grads:
        # no grad arrived: zeros (unless a user's Function asked for None)
        grads = [g if g is not None else _zeros_for_output(node, nr)
                 for nr, g in enumerate(grads)]
    result = node._fn.backward(node, *grads)
    if type(result) is not tuple:
        result = (result,)
    edges = node._next
    if len(result) != len(edges):
        raise RuntimeError(f'function {type(node).__name__} returned an incorrect number of '
                           f'gradients (expected {len(edges)}, got {len(result)})')
    fixed = []
    for grad, edge in zip(result, edges):
        if grad is None or edge is None:
            fixed.append(None)
            continue
        if not isinstance(grad, function.Tensor):
            raise TypeError(f'{type(node).__name__} returned a {type(grad).__name__} as a '
                            'gradient; expected a Tensor or None')
        data = grad._data
        shape, np_dtype = edge[2], edge[3]
        if data.shape != shape:
            grad = grad.sum_to_size(shape)         # undo broadcasting, in one place
        if data.dtype != np_dtype:
            grad = grad.to(from_numpy_dtype(np_dtype))
        fixed.append(grad)
    return fixed


def _call_backward_data(node, grads):
    """_call_backward on arrays: the op's backward_data when it has one (and takes the case),
    else its Tensor backward on wrapped arrays."""
    if len(grads) > 1 and any(g is None for g in grads) and node._materialize_grads:
        grads = [g if g is not None else _zeros_for_output(node, nr)._data
                 for nr, g in enumerate(grads)]
    backward_data = node._fn.backward_data
    given = grads
    if _widened_any[0] and node._widened:       # float16 gradients, worked in float32
        grads = [g if g is None or g.dtype != _HALF else g.astype('float32') for g in grads]
    if backward_data is None:
        result = None
    elif len(grads) == 1:                       # (a call without * costs less)
        result = backward_data(node, grads[0])
    else:
        result = backward_data(node, *grads)
    return _fitted(node, grads, given, result)


def _fitted(node, grads, given, result):
    """The gradients backward_data returned (`result`, for `grads`: the incoming ones as it
    got them, `given` as they came), fitted to the inputs; for None, the Tensor backward's."""
    if result is None:
        grads = [None if g is None else _as_tensor(g) for g in given]
        return _FromTensors([None if g is None else g._data for g in _call_backward(node, grads)])
    gy = grads[0]
    if gy is not None and gy.ndim > 1 and node._fn.elementwise:
        result = _in_torch_layouts(node, gy, result)
    if type(result) is not tuple:      # the first input's alone (a unary op's): no loop
        edge = node._next[0]
        if (type(result) not in _ARRAY_TYPES or result.shape != edge[2]
                or result.dtype is not edge[3]):
            result = _fit(result, edge[2], edge[3], node.backend)
        return (result,)
    fitted = []
    for grad, edge in zip(result, node._next):
        if grad is None or edge is None:
            fitted.append(None)
        elif (type(grad) in _ARRAY_TYPES and grad.shape == edge[2]
              and grad.dtype is edge[3]):
            fitted.append(grad)                 # the common case: nothing to fit
        else:
            fitted.append(_fit(grad, edge[2], edge[3], node.backend))
    return fitted


def _in_torch_layouts(node, gy, result):
    """An elementwise op's gradients laid out as PyTorch's formulas lay them out, before any
    is summed down from the broadcast shape (the order of that sum, and so its bits, follows
    the layout). PyTorch's formula for input i mostly reads gy first and then the other
    inputs (`gy * b` for a of `a * b`): here gy, then the saved arrays with the i-th last;
    ops whose kernels read the saved tensors first say so (saved_first_in_grad)."""
    if gy.flags.c_contiguous:
        for s in node._saved:
            if type(s) in _ARRAY_TYPES and not s.flags.c_contiguous:
                break
        else:                   # every array C-ordered: so is each of PyTorch's gradients
            return result
    saved = tuple([s for s in node._saved if type(s) in _ARRAY_TYPES])
    first = node._fn.saved_first_in_grad
    if type(result) is not tuple:
        inputs = saved + (gy,) if first else (gy,) + saved
        return _layout.elementwise_result(result, inputs, _ARRAY_TYPES)
    laid = []
    for i, grad in enumerate(result):
        if type(grad) in _ARRAY_TYPES and grad.ndim > 1:
            others = saved if first else saved[i + 1:] + saved[:i + 1]
            inputs = others + (gy,) if first else (gy,) + others
            grad = _layout.elementwise_result(grad, inputs, _ARRAY_TYPES)
        laid.append(grad)
    return tuple(laid)


def _fit(grad, shape, np_dtype, backend):
    """A gradient as its input needs it: an array (NumPy's 0-d results are scalars), summed
    down from the broadcast shape (broadcasting is undone in this one place), in its dtype."""
    if type(grad) not in _ARRAY_TYPES:
        grad = _cpu.asarray(grad)
    if grad.shape != shape:
        grad = backend.sum_to_shape(grad, shape)
    if grad.dtype != np_dtype:
        grad = (_cpu_copies.copy(grad, np_dtype) if type(grad) is _NUMPY_ARRAY and
                grad.flags.c_contiguous else grad.astype(np_dtype))
    return grad


def _as_tensor(array):
    return None if array is None else function.Tensor._make(array, False, None, 0)


_NUMPY_ARRAY = np.ndarray
_ARRAY_TYPES = function._backend_of          # array type -> backend (CuPy's added on use)


def _as_array(value):
    """NumPy's arithmetic on 0-d arrays returns scalars: make them 0-d arrays again."""
    return value if type(value) in _ARRAY_TYPES else _cpu.asarray(value)


def _add_arrays(a, b):
    # The backend's add: on big CPU arrays its parallel kernel (NumPy's `+` is one thread).
    return _as_array(_ARRAY_TYPES[type(a)].add_forward(a, b))


def _zeros_for_output(node, nr):
    shape, dtype = node._output_meta[nr]
    return function.Tensor._make(node.backend.zeros(shape, dtype.np), False, None, 0)


def _accumulate_leaf(tensor, grad, create_graph):
    after = ()
    if tensor._hooks:
        for key, hook in list(tensor._hooks.items()):
            if type(key) is PostAccumulateKey:
                after += (hook,)
                continue
            result = hook(grad)
            if result is not None:
                grad = result
    _accumulate_into(tensor, grad, create_graph)
    for hook in after:                        # register_post_accumulate_grad_hook's
        hook(tensor)


def _accumulate_into(tensor, grad, create_graph):
    """`.grad += grad`: in place when not building a graph (PyTorch does the same), on a buffer
    of the tensor's own (a grad may be shared by several inputs, as `a + b` passes it on)."""
    current = tensor._grad
    if create_graph:       # a copy, as PyTorch's: a gradient may reach several leaves
        from ..ops.shape import LayoutCopy        # (ops import the tensor, which imports us)
        tensor._grad = (LayoutCopy.apply(grad, _layout.grad_order(tensor._data))
                        if current is None else current + grad)
    elif current is None:
        tensor._grad = function.Tensor._make(_layout.leaf_grad(tensor._data, grad._data, False),
                                             False, None, 0)
    elif current._requires_grad:
        tensor._grad = (current + grad).detach()
    else:
        _add_in_place(current._data, grad._data)
        current._version_counter[0] += 1


def _accumulate_array(tensor, grad, owned=False):
    """_accumulate_into for a plain backward's array: the first time a copy (grad arrays may be
    shared between inputs) unless the engine owns it, laid out as the leaf (PyTorch's gradient
    layout contract: _layout.leaf_grad), in place after."""
    current = tensor._grad
    if current is None:
        if grad.ndim > 1:
            grad = _layout.leaf_grad(tensor._data, grad, owned)
        elif not owned:       # (below every kernel's crossover: the array's own copy, sooner)
            grad = grad.copy() if grad.size < _numpy_below[0] else _layout.copy(grad)
        tensor._grad = function.Tensor._make(grad, False, None, 0)
    elif current._requires_grad:
        tensor._grad = (current + _as_tensor(grad)).detach()
    else:
        _add_in_place(current._data, grad)
        current._version_counter[0] += 1


def _add_in_place(current, grad):
    """current += grad. On tiny arrays NumPy's in-place add costs twice an out-of-place one
    (1.1 against 0.5 us on one element: its overlap checks), so there the sum is made apart
    and copied in; one element on the host is summed as Python numbers (0.27 against 0.80
    us), the same bits: two float32 or float16 values summed in float64 and rounded once
    more round as their own sum does (53 >= 2 * 24 + 2 bits)."""
    size = current.size
    if size == 1 and grad.size == 1 and type(current) is _NUMPY_ARRAY:
        current.fill(current.item() + grad.item())
    elif size < 64:
        current[...] = current + grad
    else:
        current += grad


def _nodes_leading_to(targets, roots):
    """The nodes that must run for the gradient to reach some target: those with an edge into
    a target or into a node that must run (the only ones autograd.grad runs). A non-leaf
    target's own node runs only when another target lies beyond it, as in PyTorch: the
    gradient is taken as it arrives, and the graph behind it keeps its saved tensors."""
    needed = set()
    seen = set()
    stack = [(node, False) for node in roots]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            if any(e is not None and (e[0] in needed or (e[0], e[1]) in targets)
                   for e in node._next):
                needed.add(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for edge in node._next:
            if edge is not None and edge[0] not in seen:
                stack.append((edge[0], False))
    return needed
