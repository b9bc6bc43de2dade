"""The seed tutorials' programs (../shared/seeds), as a learner types them, run with
`import microtorch as torch`: they print what PyTorch prints.

Each program is kept verbatim (typos such as `forword` included; the homework's OCR errors
`1.backward()`, `zero ()` and `x_{data}` fixed). With PyTorch installed, the same source runs
under real torch and the two outputs must be identical; without it, key numbers recorded from a
PyTorch 2.13 run are checked.
"""
import contextlib
import io
import re

import pytest

import microtorch

# seeds 000 and 001: the worked example x = 1, y = 2, w = 1 -> loss 1, dloss/dw = -2
WORKED_EXAMPLE = '''\
import torch

x = torch.tensor(1.0)
y = torch.tensor(2.0)

w = torch.tensor(1.0, requires_grad=True)

# forward pass and compute the loss
y_hat = w * x
loss = (y_hat - y)**2

print(loss)

# backward pass
loss.backward()
print(w.grad)
'''

# seed 003: linear regression with .data updates
LINEAR_REGRESSION = '''\
# 时间: 2023/3/24 21:06

# cky

import torch

x_data=[1.0,2.0,3.0]

y_data=[2.0,4.0,6.0]

w=torch.Tensor([1.0])

w.requires_grad=True

def forword(x):
    return x*w

def loss(x,y):
    y_hat=forword(x)
    return (y_hat-y)**2

for epoch in range(101):
    for x,y in zip(x_data,y_data):
        l=loss(x,y)
        l.backward()
        w.data=w.data-0.05*w.grad.data
        w.grad.data.zero_()
    print("process:",epoch,l.item())
'''

# seed 003: the homework, y_hat = w1 x^2 + w2 x + b
QUADRATIC_HOMEWORK = '''\
# 时间: 2023/3/24 21:44
# cky
import torch
x_data=[1,2,3]
y_data=[2,4,6]
w1=torch.Tensor([1.0])
w1.requires_grad=True
w2=torch.Tensor([1.0])
w2.requires_grad=True
b=torch.Tensor([1.0])
b.requires_grad=True
def forward(x):
    return w1*(x**2)+w2*x+b
def loss(x,y):
    y_hat=forward(x)
    return (y_hat-y)**2
print('Predict (befortraining)',4,forward(4).item())
for epoch in range(100):
    for x,y in zip(x_data,y_data):
        l=loss(x,y)
        l.backward()
        w1.data-=0.02*w1.grad.data
        w2.data -= 0.02 * w2.grad.data
        b.data -= 0.01 * b.grad.data
        w1.grad.zero_()
        w2.grad.zero_()
        b.grad.zero_()
    print('progress:',epoch,l.item())
print('Predict (aftertraining)',4,forward(4).item())
'''

# seed 002: a two-layer network with a sigmoid after each layer, trained by SGD on .data
TWO_LAYER_NET = '''\
import torch

# y_hat = sigmoid(W2 * sigmoid(W1 * x + b1) + b2): a two-layer net with a non-linearity
x_data = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y_data = torch.tensor([[0.0], [1.0], [1.0], [0.0]])

w1 = torch.tensor([[0.5, -0.4, 0.3], [-0.2, 0.6, 0.7]], requires_grad=True)
b1 = torch.tensor([0.1, -0.1, 0.2], requires_grad=True)
w2 = torch.tensor([[0.6], [-0.5], [0.4]], requires_grad=True)
b2 = torch.tensor([0.05], requires_grad=True)

def forward(x):
    h = torch.sigmoid(torch.matmul(x, w1) + b1)
    return torch.sigmoid(torch.matmul(h, w2) + b2)

def loss(y_hat, y):
    return ((y_hat - y) ** 2).mean()

print('before:', forward(x_data))
for epoch in range(500):
    l = loss(forward(x_data), y_data)
    l.backward()
    for p in [w1, b1, w2, b2]:
        p.data = p.data - 5.0 * p.grad.data
        p.grad.data.zero_()
    if epoch % 50 == 0:
        print(f'epoch {epoch:3d}  loss {l.item():.4f}')
print('final loss:', round(l.item(), 4))
print('after:', forward(x_data))
print('w2:', w2.data)
print('b2 grad:', b2.grad)
'''

PROGRAMS = {'worked_example': WORKED_EXAMPLE, 'linear_regression': LINEAR_REGRESSION,
            'quadratic_homework': QUADRATIC_HOMEWORK, 'two_layer_net': TWO_LAYER_NET}


def run(source, torch_module=None):
    """exec `source`; with no torch_module, `import torch` becomes `import microtorch as
    torch`. Returns (stdout, the program's namespace)."""
    if torch_module is None:
        source, count = re.subn(r'^import torch$', 'import microtorch as torch', source,
                                flags=re.M)
        assert count == 1
    namespace = {'__name__': '__main__'}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, '<seed program>', 'exec'), namespace)
    if torch_module is None:
        assert namespace['torch'] is microtorch
    else:
        assert namespace['torch'] is torch_module
    return out.getvalue(), namespace


def numbers(line):
    return [float(x) for x in line.split()[1:]]


@pytest.mark.parametrize('name', PROGRAMS)
def test_same_output_as_torch(torch, name):
    ours, _ = run(PROGRAMS[name])
    theirs, _ = run(PROGRAMS[name], torch)
    assert ours == theirs.replace('torch.', 'microtorch.')


def test_worked_example():
    out, ns = run(WORKED_EXAMPLE)
    assert out == 'tensor(1., grad_fn=<PowBackward0>)\ntensor(-2.)\n'
    assert ns['loss'].item() == 1.0 and ns['w'].grad.item() == -2.0
    assert ns['w'].grad.dtype == microtorch.float32


def test_linear_regression():
    out, ns = run(LINEAR_REGRESSION)
    lines = out.splitlines()
    assert len(lines) == 101
    assert all(line.startswith(f'process: {i} ') for i, line in enumerate(lines))
    # recorded from PyTorch 2.13: the last sample's loss after epochs 0, 1, 2 and 4
    losses = [float(line.split()[2]) for line in lines]
    assert losses[0] == pytest.approx(2.62440, rel=1e-5)
    assert losses[1] == pytest.approx(0.00765276, rel=1e-5)
    assert losses[2] == pytest.approx(2.23164e-05, rel=1e-5)
    assert losses[4] == pytest.approx(1.78261e-10, rel=1e-5)
    assert losses[100] == 0.0
    w = ns['w']
    assert w.item() == 2.0 and w.dtype == microtorch.float32 and w.requires_grad
    assert w.is_leaf and w.grad.item() == 0.0


def test_quadratic_homework():
    out, ns = run(QUADRATIC_HOMEWORK)
    lines = out.splitlines()
    assert len(lines) == 102
    assert lines[0] == 'Predict (befortraining) 4 21.0'
    assert numbers(lines[1])[1] == pytest.approx(3.39296, rel=1e-5)
    assert numbers(lines[2])[1] == pytest.approx(0.0891399, rel=1e-5)
    assert numbers(lines[100])[1] == pytest.approx(0.00754204, rel=1e-5)
    assert lines[101].startswith('Predict (aftertraining) 4 ')
    assert float(lines[101].split()[-1]) == pytest.approx(8.10135, rel=1e-5)
    assert ns['w1'].item() == pytest.approx(0.182222, rel=1e-5)
    assert ns['w2'].item() == pytest.approx(1.05333, rel=1e-5)
    assert ns['b'].item() == pytest.approx(0.972484, rel=1e-5)
    for name in ('w1', 'w2', 'b'):
        assert ns[name].grad.item() == 0.0


def test_two_layer_net():
    out, ns = run(TWO_LAYER_NET)
    assert out.startswith('before: tensor([[0.5860],\n        [0.5764],\n        [0.6219],\n'
                          '        [0.6116]], grad_fn=<SigmoidBackward0>)\n')
    assert 'epoch   0  loss 0.2600\n' in out and 'epoch 450  loss 0.0033\n' in out
    assert 'final loss: 0.0028\n' in out
    assert out.endswith('after: tensor([[0.0241],\n        [0.9442],\n        [0.9472],\n'
                        '        [0.0670]], grad_fn=<SigmoidBackward0>)\n'
                        'w2: tensor([[-6.5331],\n        [-6.5578],\n        [ 8.5551]])\n'
                        'b2 grad: tensor([0.])\n')
    # recorded from PyTorch 2.13 (float32: agreement to ~6 significant digits)
    assert ns['l'].item() == pytest.approx(0.00275421, rel=1e-5)
    assert ns['w2'].detach().numpy().ravel().tolist() == pytest.approx(
        [-6.53314, -6.55779, 8.55508], rel=1e-5)
    assert ns['b2'].item() == pytest.approx(1.48679, rel=1e-5)
    assert ns['w1'].detach().numpy().ravel().tolist() == pytest.approx(
        [5.65509, -3.44475, 5.47137, -1.59750, 6.02028, 5.78238], rel=1e-5)
    assert ns['b1'].detach().numpy().tolist() == pytest.approx(
        [-0.783630, 1.00328, -1.42365], rel=1e-5)
    for name in ('w1', 'b1', 'w2', 'b2'):
        p = ns[name]
        assert p.is_leaf and p.requires_grad and p.dtype == microtorch.float32
