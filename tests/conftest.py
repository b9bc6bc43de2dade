"""Shared fixtures: every test that takes `device` runs on the CPU and, when a GPU and the
CUDA backend are present, again on 'cuda' (skipped otherwise)."""
import sys

import numpy as np
import pytest

import microtorch
from microtorch.backends.mkl import takes_intel_paths

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


# Does PyTorch's MKL take its Intel code paths here? Elsewhere (AMD's CPUs) its vector math
# and BLAS round differently, and unpublished either way: on a 2-core AMD EPYC VM, 17% of
# float32 square roots (vsSqrt) and 8.5% of logs (vsLn) were not the correctly rounded values
# that microtorch gives, against 0.7% and 0.03% on Intel Xeons. Tests that bound how often
# PyTorch's MKL results may differ from ours (or how far a chaotic problem may carry them)
# hold their Intel bounds only on Intel CPUs.
MKL_ROUNDS_AS_ON_INTEL = takes_intel_paths()


@pytest.fixture(scope='session')
def torch():
    """PyTorch as a second oracle; tests that take this fixture skip without it."""
    return pytest.importorskip('torch')


@pytest.fixture(params=['numpy', 'numba'])
def kernels(request):
    """Every size through NumPy, or every size through the Numba kernels (the tests of
    PyTorch's exact numbers run both: MICROTORCH_NUMBA=0 must give the same bits)."""
    from microtorch.backends import numba_dispatch
    if request.param == 'numba':
        pytest.importorskip('numba')
        with numba_dispatch.configure(enabled=True, min_size=0):
            yield request.param
    else:
        with numba_dispatch.configure(enabled=False):
            yield request.param


@pytest.fixture(params=[1, 2], ids=['1thread', '2threads'])
def threads(request, torch):
    """microtorch and PyTorch on 1, then 2 threads (PyTorch splits big sums and loops by
    its thread count)."""
    import microtorch
    saved, saved_torch = microtorch.get_num_threads(), torch.get_num_threads()
    microtorch.set_num_threads(request.param)
    torch.set_num_threads(request.param)
    yield request.param
    microtorch.set_num_threads(saved)
    torch.set_num_threads(saved_torch)


@pytest.fixture(autouse=True)
def _exact_tests_share_torch_thread_count(request):
    """The exact-number tests compare sums and loops that PyTorch splits by its thread count
    (its default: the physical cores; microtorch's: os.cpu_count()): there microtorch takes
    PyTorch's count (the `threads` fixture then sets both itself)."""
    torch = sys.modules.get('torch')
    if torch is None or not request.module.__name__.startswith('test_exact'):
        yield
        return
    saved = microtorch.get_num_threads()
    microtorch.set_num_threads(torch.get_num_threads())
    yield
    microtorch.set_num_threads(saved)
