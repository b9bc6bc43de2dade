"""microtorch.viz: the DOT text make_dot writes, trace(), and render's errors."""
import re
import shutil
import subprocess
import sys
import types

import pytest

import microtorch as torch
from microtorch import viz
from microtorch.autograd import function as _function

NODE = re.compile(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', re.M)
EDGE = re.compile(r'^\s*(n\d+) -> (n\d+)(?: \[label="((?:[^"\\]|\\.)*)"\])?', re.M)


def parse(source):
    """(labels: id -> list of label lines, edges: [(from, to, label)])."""
    labels = {i: label.split('\\n') for i, label in NODE.findall(source)}
    edges = [(a, b, label) for a, b, label in EDGE.findall(source)]
    return labels, edges


def node(labels, first_line):
    found = [i for i, lines in labels.items() if lines[0] == first_line]
    assert len(found) == 1, f'{first_line!r}: {found} in {labels}'
    return found[0]


def worked_example(traced=True):
    x = torch.tensor(1.0)
    y = torch.tensor(2.0)
    w = torch.tensor(1.0, requires_grad=True)
    if traced:
        with viz.trace():
            y_hat = w * x
            s = y_hat - y
            loss = s ** 2
    else:
        y_hat = w * x
        s = y_hat - y
        loss = s ** 2
    y_hat.retain_grad()
    s.retain_grad()
    loss.backward()
    return dict(x=x, y=y, w=w, y_hat=y_hat, s=s, loss=loss)


def test_worked_example_values_and_grads():
    t = worked_example()
    labels, edges = parse(viz.make_dot(t['loss'], params=t, show_values=True,
                                       show_grads=True))
    # x, y, w, y_hat, s, loss; Mul, Sub, Pow; the exponent 2
    assert len(labels) == 10 and len(edges) == 9
    assert labels[node(labels, 'loss')] == ['loss', '()', 'value: 1']
    assert labels[node(labels, 'y_hat')] == ['y_hat', '()', 'value: 1', 'grad: -2']
    assert labels[node(labels, 's')] == ['s', '()', 'value: -1', 'grad: -2']
    assert labels[node(labels, 'w')] == ['w', '()', 'value: 1', 'grad: -2']
    assert labels[node(labels, 'x')] == ['x', '()', 'value: 1']
    assert labels[node(labels, 'y')] == ['y', '()', 'value: 2']
    ids = {name: node(labels, name) for name in ['x', 'y', 'w', 'y_hat', 's', 'loss', 'Mul',
                                                 'Sub', 'Pow', '2']}
    expected = [('w', 'Mul'), ('x', 'Mul'), ('Mul', 'y_hat'), ('y_hat', 'Sub'), ('y', 'Sub'),
                ('Sub', 's'), ('s', 'Pow'), ('2', 'Pow'), ('Pow', 'loss')]
    assert sorted((a, b) for a, b, _ in edges) == sorted((ids[a], ids[b]) for a, b in expected)


def test_worked_example_without_trace_is_the_backward_graph():
    t = worked_example(traced=False)
    labels, edges = parse(viz.make_dot(t['loss'], params={'w': t['w']}))
    # w, Mul, Sub, Pow and the output; x, y and 2 need no grad and were not traced
    assert len(labels) == 5 and len(edges) == 4
    assert sorted(lines[0] for lines in labels.values()) == ['()', 'Mul', 'Pow', 'Sub', 'w']
    assert all('value' not in line and 'grad' not in line
               for lines in labels.values() for line in lines)
    # unnamed intermediates are edges labelled with their shape
    assert sorted(label for _, _, label in edges) == ['', '', '()', '()']


def test_grads_appear_only_after_backward():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    before = viz.make_dot(loss, params={'w': w}, show_grads=True)
    assert 'grad:' not in before
    loss.backward()
    labels, _ = parse(viz.make_dot(loss, params={'w': w}, show_grads=True))
    assert labels[node(labels, 'w')] == ['w', '(2,)', 'grad: [2, 4]']


def test_a_tensor_used_twice_is_one_box():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    labels, edges = parse(viz.make_dot((w * w).sum(), params={'w': w}))
    assert len(labels) == 4             # w, Mul, Sum, output
    w_id, mul = node(labels, 'w'), node(labels, 'Mul')
    assert [(a, b) for a, b, _ in edges].count((w_id, mul)) == 2


def mlp():
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    w1 = torch.randn(3, 5, requires_grad=True)
    b1 = torch.zeros(5, requires_grad=True)
    w2 = torch.randn(5, 1, requires_grad=True)
    b2 = torch.zeros(1, requires_grad=True)
    with viz.trace():
        hidden = torch.sigmoid(x @ w1 + b1)
        out = (hidden @ w2 + b2).sum()
    return dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2, hidden=hidden, out=out)


def test_mlp_counts_and_shapes():
    t = mlp()
    params = {k: t[k] for k in ['x', 'w1', 'b1', 'w2', 'b2']}
    labels, edges = parse(viz.make_dot(t['out'], params=params))
    ops = sorted(lines[0] for lines in labels.values() if lines[0][0].isupper())
    assert ops == ['Add', 'Add', 'Mm', 'Mm', 'Sigmoid', 'Sum']
    # 6 ops, 4 parameters, x and the output; x and 4 parameters in, 5 op-to-op edges, 1 out
    assert len(labels) == 12 and len(edges) == 11
    assert labels[node(labels, 'w1')] == ['w1', '(3, 5)']
    assert labels[node(labels, 'x')] == ['x', '(4, 3)']
    assert sorted(label for _, _, label in edges if label) == [
        '(4, 1)', '(4, 1)', '(4, 5)', '(4, 5)', '(4, 5)']


def test_named_intermediate_gets_a_box():
    t = mlp()
    labels, edges = parse(viz.make_dot(t['out'], params={'hidden': t['hidden']}))
    assert len(labels) == 13 and len(edges) == 12
    hidden, sigmoid = node(labels, 'hidden'), node(labels, 'Sigmoid')
    assert (sigmoid, hidden, '') in edges
    assert labels[hidden] == ['hidden', '(4, 5)']


def test_large_values_are_summarised():
    t = mlp()
    t['out'].backward()
    labels, _ = parse(viz.make_dot(t['out'], params={'w1': t['w1'], 'b1': t['b1']},
                                   show_values=True, show_grads=True))
    w1 = labels[node(labels, 'w1')]
    assert w1[2].startswith('value: 15 numbers in [') and w1[3].startswith('grad: 15 numbers')
    assert labels[node(labels, 'b1')][2] == 'value: [0, 0, 0, 0, 0]'


def test_multi_output_op_labels_its_outputs():
    w = torch.ones(3, 2, requires_grad=True)
    a, b = torch.split(w, [1, 2])
    labels, edges = parse(viz.make_dot(a.sum() + b.sum()))
    assert labels[node(labels, 'Split')] == ['Split']
    assert sorted(label for _, _, label in edges if 'output' in label) == [
        'output 0\\n(1, 2)', 'output 1\\n(2, 2)']


def test_user_function_name():
    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = torch.ones(2, requires_grad=True)
    labels, _ = parse(viz.make_dot(Double.apply(x)))
    assert 'Double' in [lines[0] for lines in labels.values()]


def test_a_leaf_output():
    w = torch.tensor([1.0], requires_grad=True)
    labels, edges = parse(viz.make_dot(w, params={'w': w}, show_values=True))
    assert list(labels.values()) == [['w', '(1,)', 'value: [1]']] and edges == []


def test_labels_are_escaped():
    w = torch.tensor(1.0, requires_grad=True)
    source = viz.make_dot(w * 2, params={'say "hi"\\': w})
    assert 'label="say \\"hi\\"\\\\\\n()"' in source


def test_trace_restores_the_tape_even_after_an_error():
    assert _function.record_observers == []
    with pytest.raises(ValueError):
        with viz.trace():
            assert len(_function.record_observers) == 1
            raise ValueError
    assert _function.record_observers == []


def test_trace_does_not_keep_the_graph_alive():
    import gc
    import weakref
    w = torch.ones(2, requires_grad=True)
    with viz.trace():
        loss = (w * torch.ones(2)).sum()
    node = weakref.ref(loss.grad_fn)
    del loss
    gc.collect()
    assert node() is None


def test_make_dot_needs_no_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, 'graphviz', None)
    t = worked_example()
    assert viz.make_dot(t['loss']).startswith('digraph {')


@pytest.mark.skipif(shutil.which('dot') is None, reason="Graphviz's dot program not installed")
def test_dot_accepts_the_source():
    sources = [viz.make_dot(worked_example()['loss'], params=worked_example(),
                            show_values=True, show_grads=True)]
    t = mlp()
    t['out'].backward()
    sources.append(viz.make_dot(t['out'], params=t, show_values=True, show_grads=True))
    w = torch.tensor(1.0, requires_grad=True)
    sources.append(viz.make_dot(w * 2, params={'odd "name" \\ here': w}))
    for source in sources:
        result = subprocess.run(['dot', '-Tsvg'], input=source, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        assert '<svg' in result.stdout and 'Warning' not in result.stderr


def test_render_without_the_graphviz_package(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, 'graphviz', None)      # import graphviz fails
    with pytest.raises(RuntimeError) as info:
        viz.render('digraph {}', str(tmp_path / 'g.png'))
    message = str(info.value)
    assert 'pip install "microtorch[viz]"' in message and 'apt-get install graphviz' in message
    assert not (tmp_path / 'g.png').exists()


def test_render_without_the_dot_program(monkeypatch, tmp_path):
    class ExecutableNotFound(RuntimeError):
        pass

    class Source:
        def __init__(self, source):
            pass

        def pipe(self, format):
            raise ExecutableNotFound('failed to execute dot')

    fake = types.SimpleNamespace(Source=Source, ExecutableNotFound=ExecutableNotFound)
    monkeypatch.setitem(sys.modules, 'graphviz', fake)
    with pytest.raises(RuntimeError, match='apt-get install graphviz') as info:
        viz.render('digraph {}', str(tmp_path / 'g.svg'), format='svg')
    assert "Graphviz's dot program" in str(info.value)


def test_render_rejects_other_formats(tmp_path):
    with pytest.raises(ValueError, match="'png' or 'svg'"):
        viz.render('digraph {}', str(tmp_path / 'g.pdf'), format='pdf')


@pytest.mark.skipif(shutil.which('dot') is None, reason="Graphviz's dot program not installed")
@pytest.mark.parametrize('fmt, magic', [('svg', b'<svg'), ('png', b'\x89PNG')])
def test_render_writes_the_file(tmp_path, fmt, magic):
    pytest.importorskip('graphviz')
    path = tmp_path / f'graph.{fmt}'
    t = worked_example()
    assert viz.render(viz.make_dot(t['loss'], params=t), str(path), format=fmt) == str(path)
    assert magic in path.read_bytes()[:400]
