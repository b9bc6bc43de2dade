"""Shared fixtures: every test that takes `device` runs on the CPU and, when a GPU and the
CUDA backend are present, again on 'cuda' (skipped otherwise)."""
import numpy as np
import pytest

import microtorch

DEVICES = ['cpu', 'cuda']


def cuda_skip_reason():
    return microtorch.cuda.unavailable_reason()


@pytest.fixture(params=DEVICES)
def device(request):
    if request.param == 'cuda':
        return request.getfixturevalue('cuda_device')
    return request.param


@pytest.fixture
def cuda_device():
    if not microtorch.cuda.is_available():
        pytest.skip(f'no CUDA: {cuda_skip_reason()}')
    # A tensor made with device='cuda' is on 'cuda:0', and, as in PyTorch,
    # device('cuda') != device('cuda:0'): tests compare devices, so name the index.
    return 'cuda:0'


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(scope='session')
def torch():
    """PyTorch as a second oracle; tests that take this fixture skip without it."""
    return pytest.importorskip('torch')
