"""The example regressors train on the CPU with few epochs and reach a stated loss; a script
written for PyTorch runs unchanged with `import microtorch as torch`."""
import importlib.util
import os

import pytest

from test_seeds import run

EXAMPLES = os.path.join(os.path.dirname(__file__), '..', 'examples')


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# name, arguments, the loss it must reach (measured, seed 0: see each comment; PyTorch gives
# the same, as microtorch draws PyTorch's numbers, except where float32 normals drawn 16 at a
# time differ in their last bit and 1000 steps make that visible)
CASES = [
    ('linear_regression', ['--epochs', '100'], 1e-9),          # 9.1e-13 (PyTorch: same)
    ('quadratic_regression', ['--epochs', '100'], 0.01),       # 0.00754 (PyTorch: same)
    ('two_layer_sigmoid', ['--epochs', '1500'], 0.1),           # 0.0686 (PyTorch: same)
    ('polynomial_regression', ['--epochs', '1000'], 2.0),       # 0.160 (PyTorch: 0.372)
    # 0.0422 (PyTorch: same)
    ('mlp_regressor', ['--epochs', '6', '--samples', '4096', '--hidden', '64',
                       '--batch-size', '128'], 0.1),
]


@pytest.mark.parametrize('name, argv, threshold', CASES, ids=[c[0] for c in CASES])
def test_example_trains_on_cpu(name, argv, threshold, tmp_path, capsys):
    plot = tmp_path / f'{name}.png'
    loss = load_example(name).main(argv + ['--device', 'cpu', '--seed', '0', '--plot',
                                           str(plot), '--no-progress'])
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1] == f'final loss: {loss:.6g}'
    assert loss < threshold
    assert plot.stat().st_size > 1000                # a PNG was written


# Short runs: after the same seed the data, the initial weights and the shuffling are
# PyTorch's, so each example ends with PyTorch's loss (--framework torch runs the same code).
SHORT = [
    ('linear_regression', ['--epochs', '5']),
    ('quadratic_regression', ['--epochs', '5']),
    ('two_layer_sigmoid', ['--epochs', '20']),
    ('polynomial_regression', ['--epochs', '50']),
    ('mlp_regressor', ['--epochs', '2', '--samples', '512', '--hidden', '16', '--batch-size',
                       '64']),
]


@pytest.mark.parametrize('name, argv', SHORT, ids=[c[0] for c in SHORT])
def test_example_ends_with_pytorchs_loss(torch, name, argv):
    argv = argv + ['--device', 'cpu', '--seed', '3', '--plot', 'none', '--no-progress']
    ours = load_example(name).main(argv)
    theirs = load_example(name).main(argv + ['--framework', 'torch'])
    assert ours == pytest.approx(theirs, rel=1e-5)


def test_example_on_cuda_when_present(tmp_path):
    import microtorch
    if not microtorch.cuda.is_available():
        pytest.skip(f'no CUDA: {microtorch.cuda.unavailable_reason()}')
    loss = load_example('mlp_regressor').main(['--device', 'cuda', '--epochs', '3',
                                               '--plot', 'none', '--no-progress'])
    assert loss < 0.15


def test_cuda_request_without_gpu_says_why():
    import microtorch
    if microtorch.cuda.is_available():
        pytest.skip('a GPU is present')
    with pytest.raises(SystemExit, match='CUDA is not available'):
        load_example('linear_regression').main(['--device', 'cuda', '--plot', 'none'])


# Written for PyTorch (its classic polynomial-regression example, in our words): nn.Linear,
# F.smooth_l1_loss, torch.cat, unsqueeze, mm, fc.zero_grad(), param.data.add_(...) and
# '{:+.2f}'.format(w). It must run as it is.
PYTORCH_SCRIPT = '''\
import torch
import torch.nn.functional as F

POLY_DEGREE = 3
torch.manual_seed(1)
W_target = torch.randn(POLY_DEGREE, 1) * 5
b_target = torch.randn(1) * 5


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def f(x):
    return x.mm(W_target) + b_target.item()


def poly_desc(W, b):
    result = 'y = '
    for i, w in enumerate(W):
        result += '{:+.2f} x^{} '.format(w, i + 1)
    result += '{:+.2f}'.format(b[0])
    return result


def get_batch(batch_size=32):
    random = torch.randn(batch_size)
    x = make_features(random)
    y = f(x)
    return x, y


fc = torch.nn.Linear(W_target.size(0), 1)

for batch_idx in range(1, 501):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    if loss < 1e-3:
        break

print('Loss: {:.6f} after {} batches'.format(loss, batch_idx))
print('==> Learned function:\\t' + poly_desc(fc.weight.view(-1), fc.bias))
print('==> Actual function:\\t' + poly_desc(W_target.view(-1), b_target))
'''


def test_pytorch_script_runs_unchanged():
    source = PYTORCH_SCRIPT.replace('import torch.nn.functional as F',
                                    'import microtorch.nn.functional as F')
    out, namespace = run(source)
    lines = out.splitlines()
    assert lines[0].startswith('Loss: ')
    assert float(lines[0].split()[1]) < 0.5
    learned = lines[1].split('\t')[1].split()
    actual = lines[2].split('\t')[1].split()
    assert learned[:2] == actual[:2] == ['y', '=']
    # every printed coefficient is formatted as '{:+.2f}' and the fit is close
    for got, want in zip(learned[2::2], actual[2::2]):
        assert got[0] in '+-' and abs(float(got) - float(want)) < 1.0


def test_pytorch_script_prints_what_pytorch_prints(torch):
    """The same seed, so the same target, batches, initial weights and training: the same
    text, digit for digit."""
    ours, _ = run(PYTORCH_SCRIPT.replace('import torch.nn.functional as F',
                                         'import microtorch.nn.functional as F'))
    theirs, _ = run(PYTORCH_SCRIPT, torch)
    assert ours == theirs
