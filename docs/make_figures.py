"""Draw the graph pictures of the docs with microtorch.viz.

    python docs/make_figures.py

writes docs/img/<name>.dot (Graphviz text, checked by tests/test_docs.py) and, when Graphviz's
`dot` program is installed, docs/img/<name>.svg next to it. The models are the tutorial's.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import microtorch as torch  # noqa: E402
from microtorch import viz  # noqa: E402


def worked_example():
    x = torch.tensor(1.0)
    y = torch.tensor(2.0)
    w = torch.tensor(1.0, requires_grad=True)
    with viz.trace():
        y_hat = w * x
        s = y_hat - y
        loss = s ** 2
    y_hat.retain_grad()
    s.retain_grad()
    loss.backward()
    return viz.make_dot(loss, params={'x': x, 'y': y, 'w': w, 'y_hat': y_hat, 's': s,
                                      'loss': loss},
                        show_values=True, show_grads=True)


def quadratic():
    w1 = torch.tensor([1.0], requires_grad=True)
    w2 = torch.tensor([1.0], requires_grad=True)
    b = torch.tensor([1.0], requires_grad=True)
    x, y = 3, 6
    with viz.trace():
        y_hat = w1 * (x ** 2) + w2 * x + b
        loss = (y_hat - y) ** 2
    loss.backward()
    return viz.make_dot(loss, params={'w1': w1, 'w2': w2, 'b': b, 'y_hat': y_hat,
                                      'loss': loss},
                        show_values=True, show_grads=True)


def two_layer():
    x = torch.linspace(-3, 3, 32).reshape(-1, 1)
    y = torch.sin(x)
    w1 = torch.linspace(-2, 2, 8).reshape(1, 8).requires_grad_()
    b1 = torch.zeros(8, requires_grad=True)
    w2 = torch.linspace(-1, 1, 8).reshape(8, 1).requires_grad_()
    b2 = torch.zeros(1, requires_grad=True)
    with viz.trace():
        hidden = torch.sigmoid(x @ w1 + b1)
        loss = ((hidden @ w2 + b2 - y) ** 2).mean()
    return viz.make_dot(loss, params={'x': x, 'y': y, 'w1': w1, 'b1': b1, 'w2': w2,
                                      'b2': b2, 'hidden': hidden, 'loss': loss})


def figures():
    """name -> DOT source, for every picture in the docs."""
    return {'worked_example': worked_example(), 'quadratic': quadratic(),
            'two_layer': two_layer()}


def main():
    out = os.path.join(HERE, 'img')
    os.makedirs(out, exist_ok=True)
    for name, source in figures().items():
        path = os.path.join(out, name)
        with open(path + '.dot', 'w', encoding='utf-8') as f:
            f.write(source)
        try:
            subprocess.run(['dot', '-Tsvg', path + '.dot', '-o', path + '.svg'], check=True)
        except FileNotFoundError:
            sys.exit('Graphviz\'s dot program is not installed (e.g. apt-get install graphviz): '
                     'the .dot files are written, the .svg files are not')
        print('wrote', os.path.relpath(path + '.svg'))


if __name__ == '__main__':
    main()
