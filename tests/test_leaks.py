"""No leaks: a long training run keeps host memory flat, and a graph is freed by reference
counting alone as soon as nothing references it (no gc.collect, no global list of nodes).

The training tests run 10,000 steps of a tiny MLP (about 8 s on one core here) and 10,000
steps of the README's MLP example at full size (about 80 s, through benchmarks/leak_run.py).
Over the last 8,000 (after a warm-up of 2,000) these must stay flat: the number of objects the
garbage collector tracks and of blocks Python's allocator holds (a leak of one Tensor, node or
array per step adds 8,000), the process's resident memory (/proc/self/statm) and, on CUDA,
microtorch.cuda.memory_allocated.
"""
import ctypes
import gc
import os
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import microtorch as mt
from microtorch import nn

STEPS = 10_000
WARMUP = 2_000


def rss_bytes():
    """Resident memory, after glibc hands its free heap pages back: in a process that has
    compiled kernels and run thousands of tests, malloc's caching alone moved RSS by 4 MiB."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):         # not glibc: the plain figure
        pass
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def tiny_training(device, optimizer='Adam'):
    """A 1-8-8-1 tanh MLP on 16 points, and one step of it (the loop of
    examples/mlp_regressor.py)."""
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(),
                          nn.Linear(8, 1)).to(device)
    opt = getattr(mt.optim, optimizer)(model.parameters(), lr=1e-2)
    x = mt.linspace(-1, 1, 16).reshape(16, 1).to(device)
    y = x * x
    loss_fn = nn.MSELoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


@pytest.mark.skipif(not os.path.exists('/proc/self/statm'), reason='needs /proc (Linux)')
def test_training_keeps_host_memory_flat():
    step = tiny_training('cpu')
    for _ in range(WARMUP):           # caches, free lists and malloc's arenas settle first
        step()
    gc.collect()
    rss0, objects0, blocks0 = rss_bytes(), len(gc.get_objects()), sys.getallocatedblocks()
    for _ in range(STEPS - WARMUP):
        loss = step()
    gc.collect()
    rss1, objects1, blocks1 = rss_bytes(), len(gc.get_objects()), sys.getallocatedblocks()
    assert np.isfinite(loss.item()) and loss.item() < 0.05        # it trained
    # One leaked object per step would add 8,000 objects or blocks; a leaked graph per step,
    # megabytes. RSS is the coarse check: malloc may keep a page or two more.
    assert objects1 - objects0 < 100, f'{objects1 - objects0} more tracked objects'
    assert blocks1 - blocks0 < 500, f'{blocks1 - blocks0} more allocated blocks'
    assert rss1 - rss0 < 4 << 20, f'RSS grew by {(rss1 - rss0) / 1024:.0f} KiB'


def test_training_allocates_nothing_that_stays():
    """tracemalloc sees NumPy's buffers too: after warm-up, 300 steps leave < 16 KiB."""
    step = tiny_training('cpu', 'SGD')
    for _ in range(50):
        step()
    tracemalloc.start()
    try:
        for _ in range(20):
            step()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(300):
            step()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after - before < 16 << 10, f'{after - before} bytes stayed allocated'


def test_training_keeps_cuda_memory_flat(device):
    if not device.startswith('cuda'):
        pytest.skip('the CUDA memory pool is checked on cuda')
    if not hasattr(mt.cuda, 'memory_allocated'):
        pytest.skip('microtorch.cuda.memory_allocated does not exist (yet)')
    step = tiny_training(device)
    for _ in range(WARMUP):
        step()
    mt.cuda.synchronize()
    before = mt.cuda.memory_allocated()
    for _ in range(2000):
        step()
    mt.cuda.synchronize()
    assert mt.cuda.memory_allocated() - before <= 4096


@pytest.fixture
def no_gc():
    """Reference counting alone must free graphs: the cycle collector is off."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _graph_refs(root):
    """Weak references to every node of the graph behind `root`, and to the arrays they
    saved. (Not the leaves' AccumulateGrad nodes: those live with their leaves.)"""
    refs, seen, stack = [], set(), [root.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if not isinstance(node, mt.autograd.function.AccumulateGrad):
            refs.append(weakref.ref(node))
        for data in node._saved or ():
            if isinstance(data, np.ndarray):
                refs.append(weakref.ref(data))
        stack.extend(edge[0] for edge in node._next if edge is not None)
    return refs


def _alive(refs):
    return [r() for r in refs if r() is not None]


@pytest.mark.usefixtures('no_gc')
def test_graph_never_backpropagated_is_freed_with_its_tensors():
    x = mt.randn(4, 3, requires_grad=True)
    w = mt.randn(3, 2, requires_grad=True)
    h = (x @ w).tanh()
    loss = (h.exp() * h).log_softmax(1).sum() + h.logsumexp(0).sum()
    refs = _graph_refs(loss)
    assert len(refs) > 8
    del h, loss
    alive = [r for r in _alive(refs)          # x and w live on, and so do their arrays
             if r is not x._data and r is not w._data]
    assert not alive, alive
    # the leaves keep their AccumulateGrad nodes, which refer to them weakly
    assert x._accumulator.variable is x and w._accumulator.variable is w
    assert x.grad is None and w.grad is None


@pytest.mark.usefixtures('no_gc')
def test_a_leaf_and_its_accumulator_node_go_together():
    # The leaf keeps its node and the node refers to it weakly: no cycle for the collector.
    x = mt.randn(3, requires_grad=True)
    (x * 2).sum().backward()
    node_ref = weakref.ref(x._accumulator)
    del x
    assert node_ref() is None
    # A graph keeps a leaf nobody else holds, as PyTorch's AccumulateGrad does.
    y = (mt.ones(3, requires_grad=True) * 2).sum()
    node = y.grad_fn.next_functions[0][0].next_functions[0][0]
    y.backward()
    assert node.variable.grad.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.usefixtures('no_gc')
def test_graph_is_freed_after_backward_and_with_retain_graph():
    x = mt.randn(5, requires_grad=True)
    y = (x.sigmoid() * x.exp()).sum()
    refs = _graph_refs(y)
    y.backward(retain_graph=True)
    y.backward()
    del y
    assert not _alive(refs)
    assert x.grad is not None


@pytest.mark.usefixtures('no_gc')
def test_create_graph_and_anomaly_mode_graphs_are_freed():
    x = mt.randn(3, dtype=mt.float64, requires_grad=True)
    with pytest.warns(UserWarning, match='Anomaly Detection has been enabled'):
        anomaly = mt.autograd.detect_anomaly()
    with anomaly:
        y = (x.tanh() ** 3).sum()
        g, = mt.autograd.grad(y, x, create_graph=True)
        refs = _graph_refs(g) + _graph_refs(y)
        (g * g).sum().backward()
    del y, g
    assert not _alive(refs)


@pytest.mark.usefixtures('no_gc')
def test_tensors_saved_by_a_dropped_graph_are_freed():
    """What a node saved (here a big intermediate) goes with the graph, not later."""
    x = mt.randn(256, 256, requires_grad=True)
    big = (x * 2).exp()                   # exp saves its output for backward
    ref = weakref.ref(big._data)
    out = big.sum()
    del big
    assert ref() is not None              # still needed by the graph of `out`
    del out
    assert ref() is None


def test_mlp_example_full_size_keeps_memory_flat():
    """The README's MLP regressor as it runs (1-256-256-1 tanh, Adam, batches of 1024 from a
    DataLoader) for 10,000 steps: objects, allocator blocks and RSS flat after 2,000 steps.
    benchmarks/leak_run.py is the loop; about 80 s on 2 cores."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), 'benchmarks'))
    try:
        import leak_run
    finally:
        sys.path.pop(0)
    result = leak_run.run(steps=10_000)
    assert result['flat'], result['growth_after_warmup']
    assert result['samples'][-1]['step'] == 10_000
    assert result['samples'][-1]['loss'] < 0.02          # it trained


def test_an_indexed_copy_does_not_keep_its_input():
    """Only a view's node keeps its input (to make the view again after an in-place write to
    the base); a copy's graph does not hold the tensor it was taken from."""
    x = mt.randn(256, 256, requires_grad=True)
    y = x * 2
    ref = weakref.ref(y._data)
    picked = y[mt.tensor([0, 5])]           # integer-array index: a copy
    del y
    assert ref() is None
    view = (x * 3)[1:]                      # a basic index: a view, which keeps its base
    assert view._base is not None
    picked.sum().backward()
