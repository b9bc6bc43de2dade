"""Programs in the style of PyTorch's beginner tutorials (tests/tutorial_programs/, synthetic
data only), run once with `import microtorch as torch` and once with PyTorch: the two print the
same text, line for line (microtorch's 'microtorch.float64'-style names read as PyTorch's).

Where the two libraries' float32 kernels round differently in the last bit (sin, exp inside
log_softmax, sums of many terms), a program prints rounded values or sidesteps the kernel; see
the comments in each program.
"""
import contextlib
import io
import pathlib
import re

import pytest

import microtorch

FOLDER = pathlib.Path(__file__).parent / 'tutorial_programs'
PROGRAMS = sorted(path.stem for path in FOLDER.glob('*.py'))


def run(source, torch_module=None):
    """exec `source` and return what it printed; with no torch_module, its `import torch`
    and `from torch... import` lines import microtorch instead."""
    if torch_module is None:
        source, count = re.subn(r'^import torch$', 'import microtorch as torch', source,
                                flags=re.M)
        assert count == 1
        source = re.sub(r'^from torch(\S*) import', r'from microtorch\1 import', source,
                        flags=re.M)
    namespace = {'__name__': '__main__'}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, '<tutorial program>', 'exec'), namespace)
    assert namespace['torch'] is (torch_module or microtorch)
    return out.getvalue()


def test_programs_found():
    assert PROGRAMS == ['autograd_basics', 'neural_network', 'polynomial_fit', 'tensors_basics']


@pytest.mark.parametrize('name', PROGRAMS)
def test_prints_what_pytorch_prints(torch, name):
    source = (FOLDER / f'{name}.py').read_text()
    assert source.startswith('import torch\n') and 'torch.manual_seed(' in source
    ours = run(source).replace('microtorch.', 'torch.')
    theirs = run(source, torch)
    assert len(theirs.splitlines()) > 50
    assert ours.splitlines() == theirs.splitlines()
    assert ours == theirs
