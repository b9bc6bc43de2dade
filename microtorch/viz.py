"""Pictures of the graph behind a tensor, as Graphviz DOT source.

    from microtorch import viz

    with viz.trace():                 # optional: also remember the inputs that need no grad
        y_hat = w * x
        loss = (y_hat - y) ** 2
    y_hat.retain_grad()
    loss.backward()
    source = viz.make_dot(loss, params={'x': x, 'y': y, 'w': w, 'y_hat': y_hat},
                          show_values=True, show_grads=True)
    viz.render(source, 'graph.svg', format='svg')      # needs Graphviz; make_dot does not

The picture reads left to right, in the order the forward pass ran:

- a box per tensor that matters to a learner: the leaves that require grad (green), the
  output (blue), every tensor named in `params`, and, for ops run inside `trace()`, the input
  tensors that need no grad (dashed). Each box shows the name, if `params` gives one, and the
  shape; optionally the value and the gradient.
- an oval per op, named as its `grad_fn` without 'Backward0' (`MulBackward0` -> Mul).
- an arrow per use of a tensor; an unnamed intermediate tensor is just an arrow, labelled
  with its shape.

`make_dot` builds the text only, so it needs nothing beyond microtorch. Turning it into an
image needs the `graphviz` Python package and Graphviz's `dot` program (`render`), or any
other Graphviz tool (`dot -Tsvg graph.dot -o graph.svg`).
"""
import contextlib
import re
import weakref

import numpy as np

from .autograd import function as _function

__all__ = ['make_dot', 'render', 'trace']

# Ops in which a Python number stands for an operand (the 2 in `s ** 2`, the 0.5 in `x * 0.5`);
# for other ops numbers are settings (dims, keepdim, bounds) and are left out of the picture.
_NUMBER_OPERAND_OPS = {'Add', 'Sub', 'Rsub', 'Mul', 'Div', 'Pow'}

_STYLE = {
    'leaf': 'shape=box style="rounded,filled" fillcolor="#d9f2d9"',
    'output': 'shape=box style="rounded,filled" fillcolor="#cfe2ff"',
    'tensor': 'shape=box style=rounded',
    'constant': 'shape=box style="rounded,dashed"',
    'number': 'shape=plaintext',
    'op': 'shape=ellipse style=filled fillcolor="#fff2cc"',
}

# node -> the forward arguments that are not on the autograd graph (see `trace`)
_traced = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def trace():
    """Within this block, remember the inputs of each recorded op that autograd does not
    keep: tensors that need no grad (the data `x` and target `y` of a model) and Python
    numbers. `make_dot` then draws them too; without a trace it draws what backward sees.

    The record lives as long as the graph does and holds references to those tensors."""
    def record_and_trace(ctx, args):
        # Only constants are kept: a tensor that requires grad is already on the graph, and
        # keeping it here could make the record reference its own node.
        _traced[ctx] = tuple(a if _is_number(a) or (_is_tensor(a) and not a.requires_grad)
                             else None for a in args)

    _function.record_observers.append(record_and_trace)
    try:
        yield
    finally:
        _function.record_observers.remove(record_and_trace)


def make_dot(tensor, params=None, show_values=False, show_grads=False):
    """Graphviz DOT source for the graph that produced `tensor`.

    Args:
        tensor: the output, usually a loss.
        params: a dict name -> tensor. Leaves, intermediate tensors and (inside `trace()`)
            constants found in it are drawn under that name; an intermediate tensor gets a box
            of its own only when it is named here.
        show_values: write each drawn tensor's value in its box (at the time of drawing).
        show_grads: write the gradient of each leaf, and of each named intermediate that
            called `retain_grad()`, once `backward()` has run.

    Returns:
        The DOT text, a `str`; `render` turns it into a PNG or SVG file.
    """
    return _Drawing(params, show_values, show_grads).draw(tensor)


def render(dot_source, path, format='png'):
    """Write the picture described by `dot_source` to `path` as 'png' or 'svg'.

    Needs the `graphviz` Python package (`pip install "microtorch[viz]"`) and Graphviz's `dot`
    program (for example `apt-get install graphviz` or `brew install graphviz`); raises a
    RuntimeError that says which is missing. Returns `path`.
    """
    if format not in ('png', 'svg'):
        raise ValueError(f"format must be 'png' or 'svg', got {format!r}")
    try:
        import graphviz
    except ImportError:
        raise RuntimeError('microtorch.viz.render needs the graphviz Python package and '
                           'Graphviz\'s dot program: pip install "microtorch[viz]", then '
                           'install dot (e.g. apt-get install graphviz). make_dot alone needs '
                           'neither.') from None
    try:
        image = graphviz.Source(dot_source).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError('microtorch.viz.render needs Graphviz\'s dot program on the PATH: '
                           'install Graphviz (e.g. apt-get install graphviz or brew install '
                           'graphviz).') from None
    with open(path, 'wb') as f:
        f.write(image)
    return path


class _Drawing:
    def __init__(self, params, show_values, show_grads):
        self.show_values = show_values
        self.show_grads = show_grads
        self.leaf_names = {}          # id(tensor) -> name, for leaves and constants
        self.inner_names = {}         # (id(grad_fn), output_nr) -> (name, tensor)
        for name, t in (params or {}).items():
            if t.grad_fn is None:
                self.leaf_names[id(t)] = name
            else:
                self.inner_names[(id(t.grad_fn), _output_nr(t))] = (name, t)
        self.ids = {}                 # key -> DOT node id, in the order nodes are found
        self.keep = []                # the objects behind id() keys stay alive while drawing
        self.lines = []
        self.edges = []

    def draw(self, root):
        root_node = root.grad_fn
        out_id = self._tensor_box(('out',), root, 'output', self._inner_name(root))
        if root_node is not None:
            self.edges.append((self._op(root_node), out_id, ''))
            self._walk(root_node)
        return '\n'.join(['digraph {',
                          '    graph [rankdir=LR]',
                          '    node [fontname="Helvetica" fontsize=11]',
                          '    edge [fontname="Helvetica" fontsize=9]']
                         + self.lines
                         + [f'    {a} -> {b}' + (f' [label={_quote(label)}]' if label else '')
                            for a, b, label in self.edges]
                         + ['}', ''])

    def _walk(self, root_node):
        seen = {id(root_node)}
        stack = [root_node]
        while stack:
            node = stack.pop()
            op_id = self._op(node)
            traced = _traced.get(node) if _weakrefable(node) else None
            edges = getattr(node, '_next', ())
            for i, (child, nr) in enumerate(node.next_functions):
                if child is None:
                    arg = traced[i] if traced is not None and i < len(traced) else None
                    self._constant(arg, node, op_id)
                elif hasattr(child, 'variable'):          # AccumulateGrad: a leaf
                    leaf = child.variable
                    self.edges.append((self._tensor_box(('leaf', id(leaf)), leaf, 'leaf',
                                                        self.leaf_names.get(id(leaf))),
                                       op_id, ''))
                else:
                    self.edges.append(self._inner_edge(child, nr, op_id,
                                                       edges[i][2:] if i < len(edges) else None))
                    if id(child) not in seen:
                        seen.add(id(child))
                        stack.append(child)

    def _inner_edge(self, child, nr, op_id, meta):
        """The edge from the op that made an intermediate tensor to the op that uses it,
        through the tensor's own box when `params` names it."""
        named = self.inner_names.get((id(child), nr))
        if named is None:
            label = _shape(meta[0]) if meta else ''
            if getattr(child, '_n_outputs', 1) > 1:
                label = f'output {nr}' + (f'\n{label}' if label else '')
            return self._op(child), op_id, label
        name, t = named
        key = ('inner', id(child), nr)
        if key not in self.ids:
            box = self._tensor_box(key, t, 'tensor', name)
            self.edges.append((self._op(child), box, ''))
        return self.ids[key], op_id, ''

    def _constant(self, arg, node, op_id):
        if _is_tensor(arg):
            name = self.leaf_names.get(id(arg))
            box = self._tensor_box(('const', id(arg)), arg, 'constant', name)
            self.edges.append((box, op_id, ''))
        elif _is_number(arg) and _op_name(node) in _NUMBER_OPERAND_OPS:
            number = self._add(('number', id(node), len(self.edges)), 'number', _number(arg))
            self.edges.append((number, op_id, ''))

    def _op(self, node):
        key = ('op', id(node))
        if key not in self.ids:
            self.keep.append(node)
            self._add(key, 'op', _op_name(node))
        return self.ids[key]

    def _tensor_box(self, key, t, kind, name):
        if key in self.ids:
            return self.ids[key]
        self.keep.append(t)
        lines = [name] if name else []
        lines.append(_shape(tuple(t.shape)))
        if self.show_values:
            lines.append('value: ' + _value(t))
        if self.show_grads:
            grad = _grad(t)
            if grad is not None:
                lines.append('grad: ' + _value(grad))
        return self._add(key, kind, '\n'.join(lines))

    def _add(self, key, kind, label):
        node_id = f'n{len(self.ids)}'
        self.ids[key] = node_id
        self.lines.append(f'    {node_id} [label={_quote(label)} {_STYLE[kind]}]')
        return node_id

    def _inner_name(self, t):
        if t.grad_fn is None:
            return self.leaf_names.get(id(t))
        named = self.inner_names.get((id(t.grad_fn), _output_nr(t)))
        return named[0] if named else None


def _is_tensor(value):
    return hasattr(value, 'grad_fn') and hasattr(value, 'shape')


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _weakrefable(node):
    try:
        weakref.ref(node)
    except TypeError:
        return False
    return True


def _output_nr(t):
    return getattr(t, '_output_nr', getattr(t, 'output_nr', 0))


def _op_name(node):
    name = node.name().split('::')[-1]
    return re.sub(r'Backward\d*$', '', name) or name


def _grad(t):
    # Reading .grad of a non-leaf that does not retain it warns; such a tensor has none anyway.
    if t.grad_fn is not None and not t.retains_grad:
        return None
    return t.grad


def _shape(shape):
    return '(' + ', '.join(str(n) for n in shape) + (',)' if len(shape) == 1 else ')')


def _number(v):
    return f'{v:.4g}' if isinstance(v, (float, np.floating)) else str(v)


def _value(t):
    array = np.asarray(t.detach().cpu().numpy())
    if array.size > 6:          # a box is no place for a whole matrix: give the range
        return (f'{array.size} numbers in [{_number(array.min())}, '
                f'{_number(array.max())}]')
    return _nested(array.tolist())


def _nested(value):
    if isinstance(value, list):
        return '[' + ', '.join(_nested(v) for v in value) + ']'
    return _number(value)


def _quote(label):
    escaped = label.replace('\\', '\\\\').replace('"', '\\"')
    return '"' + escaped.replace('\n', '\\n') + '"'
