"""set_default_device / get_default_device and `with device(...)`: factory functions called
without a device make their tensors on the default device. On a GPU (the CPU emulator of
tests/fakecupy, in test_kernels.py) factory functions, module parameters and a training loop
land on 'cuda'; here, what the CPU shows."""
import pytest

import microtorch
from microtorch._device import uses_default_device


@pytest.fixture(autouse=True)
def cpu_default_afterwards():
    yield
    microtorch.set_default_device(None)


def test_the_default_is_the_cpu_and_none_resets_it(torch):
    assert microtorch.get_default_device() == microtorch.device('cpu')
    microtorch.set_default_device('cpu')
    assert str(microtorch.get_default_device()) == str(torch.get_default_device()) == 'cpu'
    microtorch.set_default_device(None)
    assert microtorch.zeros(1).device == microtorch.device('cpu')


def test_a_bad_device_is_refused_and_changes_nothing():
    with pytest.raises(RuntimeError, match='Expected one of cpu, cuda device type'):
        microtorch.set_default_device('gpu')
    assert microtorch.get_default_device() == microtorch.device('cpu')


@pytest.mark.skipif(microtorch.cuda.is_available(), reason='the GPU is there')
def test_cuda_as_the_default_without_a_gpu_fails_where_tensors_are_made():
    microtorch.set_default_device('cuda')           # accepted, as in PyTorch
    with pytest.raises(RuntimeError, match="Cannot use device 'cuda'"):
        microtorch.zeros(2)
    with pytest.raises(RuntimeError, match='CUDA is not available'):
        microtorch.get_default_device()
    with microtorch.device('cpu'):                  # a block on the CPU
        assert microtorch.ones(2).device.type == 'cpu'
        with microtorch.device('cuda:0'):
            with pytest.raises(RuntimeError, match="Cannot use device 'cuda:0'"):
                microtorch.rand(1)
        assert microtorch.nn.Linear(2, 1).weight.device.type == 'cpu'
    with pytest.raises(RuntimeError, match="Cannot use device 'cuda'"):
        microtorch.tensor([1.0])
    assert microtorch.tensor([1.0], device='cpu').device.type == 'cpu'   # given: kept


def test_factories_get_the_default_only_when_no_device_is_given(monkeypatch):
    seen = []

    @uses_default_device
    def positional(data, dtype=None, device=None):
        seen.append(device)

    @uses_default_device
    def keyword_only(*shape, device=None):
        seen.append(device)
    monkeypatch.setattr(microtorch._device, '_default', [microtorch.device('cuda', 1)])
    positional(1)
    positional(1, None, 'cpu')
    positional(1, device='cpu')
    keyword_only(1, 2, 3, 4)
    keyword_only(1, device='cpu')
    assert [str(d) for d in seen] == ['cuda:1', 'cpu', 'cpu', 'cuda:1', 'cpu']
