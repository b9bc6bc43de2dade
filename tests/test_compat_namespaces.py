"""The namespaces training scripts touch before any tensor: torch.backends' switches
(cudnn.benchmark, mps.is_available(), cuda.matmul.allow_tf32, cpu.get_cpu_capability()),
torch.jit's decorators and torch.distributed's single-process answers, as PyTorch gives them on
a machine without those libraries or without a process group."""
import pytest

import microtorch


def test_backend_switches_are_kept_and_answered(torch):
    ours, theirs = microtorch.backends, torch.backends
    assert ours.cudnn.is_available() is False and ours.cudnn.version() is None
    assert ours.mps.is_available() is theirs.mps.is_available() is False
    assert ours.cpu.get_cpu_capability() == theirs.cpu.get_cpu_capability()
    for name, value in (('benchmark', True), ('deterministic', True), ('enabled', False)):
        before = getattr(ours.cudnn, name)
        setattr(ours.cudnn, name, value)
        assert getattr(ours.cudnn, name) is value
        setattr(ours.cudnn, name, before)
    with ours.cudnn.flags(enabled=False, deterministic=True):
        assert ours.cudnn.enabled is False and ours.cudnn.deterministic is True
    assert ours.cudnn.enabled is True and ours.cudnn.deterministic is False
    ours.cuda.matmul.allow_tf32 = True
    assert ours.cuda.matmul.allow_tf32 is True and ours.cuda.is_built()
    ours.cuda.matmul.allow_tf32 = False
    assert microtorch.ones(2, 2).matmul(microtorch.ones(2, 2)).tolist() == [[2, 2], [2, 2]]
    assert isinstance(ours.mkl.is_available(), bool) and ours.mkldnn.is_available() is False
    assert ours.opt_einsum.is_available() == theirs.opt_einsum.is_available()


def test_device_picking_code_falls_through_to_the_cpu():
    torch = microtorch
    device = ('cuda' if torch.cuda.is_available() else
              'mps' if torch.backends.mps.is_available() else 'cpu')
    assert device == ('cuda' if microtorch.cuda.is_available() else 'cpu')


def test_jit_gives_back_what_it_is_given(torch):
    def f(x):
        return x * 2 + 1
    model = microtorch.nn.Linear(2, 1)
    assert microtorch.jit.script(f) is f and microtorch.jit.script(model) is model
    assert microtorch.jit.trace(f, microtorch.ones(2)) is f
    assert microtorch.jit.ignore(f) is f and microtorch.jit.unused(f) is f
    assert microtorch.jit.export(f) is f and microtorch.jit.ignore(drop=True)(f) is f
    assert microtorch.jit.is_scripting() is torch.jit.is_scripting() is False
    assert microtorch.jit.annotate(list, [1]) == [1]
    future = microtorch.jit.fork(f, microtorch.ones(2))
    assert microtorch.jit.wait(future).tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match='no TorchScript'):
        microtorch.jit.save(model, 'model.pt')


def test_distributed_answers_as_before_init_process_group(torch):
    assert microtorch.distributed.is_available() is False
    assert microtorch.distributed.is_initialized() is torch.distributed.is_initialized()
    for name in ('get_rank', 'get_world_size', 'barrier'):
        with pytest.raises(ValueError) as ours:
            getattr(microtorch.distributed, name)()
        with pytest.raises(ValueError) as theirs:
            getattr(torch.distributed, name)()
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match='no distributed backend'):
        microtorch.distributed.init_process_group('gloo')
